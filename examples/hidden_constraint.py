"""A hidden constraint: learn the polytope that a projection layer projects onto.

2-D points x are projected onto a polytope {y : G y ≤ h} that the model does not know; it
sees only (point, projection) pairs. The model is the projection layer itself
(examples/projection.dopt), with G and h as learned parameters, trained by differentiating
the projection. The model does not know how many facets the truth has: it learns 8, from
a small regular octagon around the origin; the truth is an irregular pentagon, and the
facets it does not need end up redundant. (With exactly 5 learned facets, gradient descent
can settle with two facets on one true edge and another true edge uncovered.) The figure draws the true constraint and the learned one at
several epochs, as in the talk's "True constraint (unknown to the model)" frames.

    python examples/hidden_constraint.py            # full run, writes docs/img/hidden_constraint.png
    python examples/hidden_constraint.py --quick    # a few seconds
    python examples/hidden_constraint.py --backend cvxpylayers

The metric is the largest distance from a true vertex to the nearest learned vertex (and
back), relative to the true polytope's diameter.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

F64 = torch.float64

# The true polytope: an irregular pentagon, as unit normals (angles) and offsets.
TRUE_ANGLES = np.array([0.3, 1.5, 2.6, 3.7, 5.0])
TRUE_OFFSETS = np.array([1.0, 0.8, 1.2, 0.9, 1.1])


def true_polytope() -> tuple[np.ndarray, np.ndarray]:
    G = np.stack([np.cos(TRUE_ANGLES), np.sin(TRUE_ANGLES)], axis=1)
    return G, TRUE_OFFSETS.copy()


def vertices(G: np.ndarray, h: np.ndarray) -> np.ndarray:
    """The vertices of the 2-D polytope {y : G y ≤ h}, in counter-clockwise order."""
    pts = []
    k = len(h)
    for i in range(k):
        for j in range(i + 1, k):
            M = G[[i, j]]
            if abs(np.linalg.det(M)) < 1e-12:
                continue
            y = np.linalg.solve(M, h[[i, j]])
            if np.all(G @ y <= h + 1e-9 * (1 + np.abs(h))):
                pts.append(y)
    if not pts:
        return np.zeros((0, 2))
    P = np.unique(np.round(np.array(pts), 12), axis=0)
    c = P.mean(axis=0)
    return P[np.argsort(np.arctan2(P[:, 1] - c[1], P[:, 0] - c[0]))]


def vertex_error(G: np.ndarray, h: np.ndarray) -> float:
    """Hausdorff distance between the true and the learned vertex sets, over the true
    polytope's diameter."""
    vt, vl = vertices(*true_polytope()), vertices(G, h)
    if len(vl) == 0:
        return float("inf")
    d = np.linalg.norm(vt[:, None, :] - vl[None, :, :], axis=2)
    diam = max(np.linalg.norm(a - b) for a in vt for b in vt)
    return float(max(d.min(axis=1).max(), d.min(axis=0).max()) / diam)


def project_true(x: np.ndarray) -> np.ndarray:
    """The projections onto the true polytope, by dopt's numpy API (the data)."""
    import dopt

    G, h = true_polytope()
    layer = dopt.compile(str(common.EXAMPLES / "projection.dopt"), dims={"k": len(h)})
    sol = layer.forward({"x": x, "G": G, "h": h})
    assert all(s == "optimal" for s in sol.status)
    return sol["y"]


class LearnedProjection(torch.nn.Module):
    """x ↦ argmin ‖y − x‖² s.t. G y ≤ h, with G and h learned."""

    def __init__(self, k: int, backend: str) -> None:
        super().__init__()
        a = 2 * np.pi * (np.arange(k) + 0.5) / k
        self.G = torch.nn.Parameter(torch.from_numpy(np.stack([np.cos(a), np.sin(a)], axis=1)))
        self.h = torch.nn.Parameter(torch.full((k,), 0.3, dtype=F64))
        if backend == "dopt":
            import dopt.torch

            self.layer = dopt.torch.Layer(common.EXAMPLES / "projection.dopt", dims={"k": k}, parameters=["x", "G", "h"])
        else:
            self.layer = cvxpylayers_projection(k)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        (y,) = self.layer(x, self.G, self.h)
        return y


def cvxpylayers_projection(k: int) -> Any:
    import cvxpy as cp

    layers = common.require_cvxpylayers()
    x, G, h = cp.Parameter(2), cp.Parameter((k, 2)), cp.Parameter(k)
    y = cp.Variable(2)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(y - x)), [G @ y <= h])
    return layers.CvxpyLayer(prob, parameters=[x, G, h], variables=[y])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = common.parser(__doc__.splitlines()[0], epochs=60, quick_epochs=25, lr=0.02, batch=20)
    ap.add_argument("--points", type=common.positive, default=400, help="training points")
    ap.add_argument("--facets", type=common.positive, default=8, help="facets of the learned polytope (the truth has 5)")
    args, rng, epochs = common.start(ap, argv)

    x = rng.uniform(-2.5, 2.5, size=(args.points, 2))
    y = project_true(x)
    X, Y = torch.from_numpy(x), torch.from_numpy(y)

    model = LearnedProjection(args.facets, args.backend)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs, eta_min=0.002)
    batch = args.batch
    timer = common.Timer()
    curve: list[dict[str, float]] = []
    snapshots: dict[int, tuple[np.ndarray, np.ndarray]] = {0: _polytope(model)}
    err0 = vertex_error(*snapshots[0])
    for epoch in range(1, epochs + 1):
        perm = torch.from_numpy(rng.permutation(args.points))
        losses = []
        with timer:
            for i in range(0, args.points, batch):
                idx = perm[i : i + batch]
                loss = ((model(X[idx]) - Y[idx]) ** 2).sum(dim=1).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(float(loss.detach()))
        sched.step()
        err = vertex_error(*_polytope(model))
        curve.append({"epoch": epoch, "loss": float(np.mean(losses)), "vertex_error": err})
        if epoch in _frames(epochs):
            snapshots[epoch] = _polytope(model)
        if epoch % 5 == 0 or epoch == epochs:
            print(f"epoch {epoch}: loss {np.mean(losses):.2e}, vertex error {err:.4f} ({timer.epochs[-1]:.2f} s)")

    result = {
        "backend": args.backend,
        "epochs": epochs,
        "points": args.points,
        "vertex_error_before": err0,
        "vertex_error": curve[-1]["vertex_error"],
        "final_loss": curve[-1]["loss"],
        "seconds_per_epoch": timer.per_epoch(),
        "curve": curve,
    }
    common.save_figure(
        common.plot_path(args, "hidden_constraint"), lambda fig: draw(fig, curve, snapshots, x, y), (12, 3.4)
    )
    return common.report(args, result)


def _polytope(model: LearnedProjection) -> tuple[np.ndarray, np.ndarray]:
    return model.G.detach().numpy().copy(), model.h.detach().numpy().copy()


def _frames(epochs: int) -> list[int]:
    return sorted({1, min(3, epochs), epochs})


def draw(fig: Any, curve: list[dict[str, float]], snaps: dict, x: np.ndarray, y: np.ndarray) -> None:
    vt = vertices(*true_polytope())
    for j, ep in enumerate(sorted(snaps)):
        ax = fig.add_subplot(1, len(snaps) + 1, j + 1)
        ax.fill(vt[:, 0], vt[:, 1], color="0.85", label="true constraint\n(unknown to the model)")
        vl = vertices(*snaps[ep])
        if len(vl):
            ax.fill(vl[:, 0], vl[:, 1], fill=False, edgecolor="C3", lw=2, label="learned")
        sel = slice(0, 40)
        for a, b in zip(x[sel], y[sel]):
            ax.plot([a[0], b[0]], [a[1], b[1]], color="C0", lw=0.5, alpha=0.5)
        ax.set(xlim=(-2.5, 2.5), ylim=(-2.5, 2.5), aspect="equal", title=f"epoch {ep}")
        ax.set_xticks([]), ax.set_yticks([])
        if j == 0:
            ax.legend(loc="lower left", fontsize=7)
    ax = fig.add_subplot(1, len(snaps) + 1, len(snaps) + 1)
    ep = [c["epoch"] for c in curve]
    ax.semilogy(ep, [c["loss"] for c in curve], label="training loss")
    ax.semilogy(ep, [c["vertex_error"] for c in curve], label="vertex error")
    ax.set(xlabel="epoch", title="Training")
    ax.legend(fontsize=7)


if __name__ == "__main__":
    main()

"""Sorting and ranking: learn to rank items from their features through a differentiable
projection onto the permutation (Birkhoff) polytope.

Each example is a list of n items with feature vectors; the hidden truth orders them by
a linear score of the features. The model scores every item (a linear map), builds the
reward C = s rᵀ of item i at rank j (r: decreasing rank weights), and solves the
entropy-regularized assignment of examples/birkhoff.dopt,

    P = argmax ⟨C, P⟩ + 0.1·Σ entr(P)  s.t.  P 1 = 1,  Pᵀ 1 = 1,

a soft permutation matrix (entropic optimal transport between items and ranks). The
loss is the cross-entropy between P and the true permutation matrix; the metric is
Spearman's rank correlation between the predicted and the true order on held-out lists.

    python examples/sorting.py            # full run, writes docs/img/sorting.png
    python examples/sorting.py --quick
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


def make_lists(rng: np.random.Generator, count: int, n: int, w: np.ndarray, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Features (count, n, d) and the true rank of each item (count, n), 0 = first."""
    f = rng.normal(size=(count, n, len(w)))
    s = f @ w + noise * rng.normal(size=(count, n))
    ranks = np.argsort(np.argsort(-s, axis=1), axis=1)
    return f, ranks


def permutation_matrices(ranks: np.ndarray) -> np.ndarray:
    """(count, n) ranks → (count, n, n) with [i, rank of i] = 1."""
    count, n = ranks.shape
    P = np.zeros((count, n, n))
    P[np.arange(count)[:, None], np.arange(n)[None, :], ranks] = 1.0
    return P


def spearman(pred_scores: np.ndarray, ranks: np.ndarray) -> float:
    """Mean over lists of Spearman's ρ between the order of pred_scores and the truth."""
    n = ranks.shape[1]
    pred = np.argsort(np.argsort(-pred_scores, axis=1), axis=1)
    d2 = ((pred - ranks) ** 2).sum(axis=1)
    return float(np.mean(1 - 6 * d2 / (n * (n * n - 1))))


class Ranker(torch.nn.Module):
    def __init__(self, d: int, n: int, backend: str) -> None:
        super().__init__()
        self.score = torch.nn.Linear(d, 1, bias=False, dtype=F64)
        torch.nn.init.normal_(self.score.weight, std=0.1)
        self.register_buffer("r", torch.linspace(1.0, -1.0, n, dtype=F64))
        if backend == "dopt":
            import dopt.torch

            self.layer = dopt.torch.Layer(common.EXAMPLES / "birkhoff.dopt", dims={"n": n}, on_failure="status")
        else:
            self.layer = cvxpylayers_birkhoff(n)

    def forward(self, f: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        s = self.score(f).squeeze(-1)  # (B, n)
        C = s[:, :, None] * self.r[None, None, :]
        (P,) = self.layer(C)
        return s, P


def cvxpylayers_birkhoff(n: int) -> Any:
    import cvxpy as cp

    layers = common.require_cvxpylayers()
    C = cp.Parameter((n, n))
    P = cp.Variable((n, n))
    prob = cp.Problem(
        cp.Maximize(cp.sum(cp.multiply(C, P)) + 0.1 * cp.sum(cp.entr(P))),
        [cp.sum(P, axis=1) == 1, cp.sum(P, axis=0) == 1],
    )
    layer = layers.CvxpyLayer(prob, parameters=[C], variables=[P])
    return lambda c: layer(c)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = common.parser(__doc__.splitlines()[0], epochs=15, quick_epochs=4, lr=0.05, batch=20)
    ap.add_argument("--n", type=common.positive, default=8, help="items per list")
    ap.add_argument("--d", type=common.positive, default=5, help="features per item")
    ap.add_argument("--train", type=common.positive, default=None, help="training lists (default 400; 120 with --quick)")
    ap.add_argument("--test", type=common.positive, default=500)
    ap.add_argument("--noise", type=common.nonnegative_real, default=0.1, help="noise on the hidden scores")
    args, rng, epochs = common.start(ap, argv)
    n_train = args.train or (120 if args.quick else 400)

    w = rng.normal(size=args.d)
    ftr, rtr = make_lists(rng, n_train, args.n, w, args.noise)
    fte, rte = make_lists(rng, args.test, args.n, w, args.noise)
    Ftr, Ptr = torch.from_numpy(ftr), torch.from_numpy(permutation_matrices(rtr))
    Fte = torch.from_numpy(fte)

    model = Ranker(args.d, args.n, args.backend)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    timer = common.Timer()

    def evaluate() -> float:
        with torch.no_grad():
            return spearman(model.score(Fte).squeeze(-1).numpy(), rte)

    rho0 = evaluate()
    # the ceiling: the order of the noise-free hidden scores against the (noisy) truth
    oracle = spearman(fte @ w, rte)
    curve = []
    print(f"epoch 0: held-out Spearman {rho0:.4f}")
    for epoch in range(1, epochs + 1):
        perm = torch.from_numpy(rng.permutation(n_train))
        losses = []
        with timer:
            for i in range(0, n_train, args.batch):
                idx = perm[i : i + args.batch]
                _, P = model(Ftr[idx])
                loss = -(Ptr[idx] * torch.log(P.clamp_min(1e-12))).sum(dim=(1, 2)).mean() / args.n
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(float(loss.detach()))
        rho = evaluate()
        curve.append({"epoch": epoch, "loss": float(np.mean(losses)), "spearman": rho})
        print(f"epoch {epoch}: loss {np.mean(losses):.4f}, held-out Spearman {rho:.4f} ({timer.epochs[-1]:.1f} s)")

    with torch.no_grad():
        _, P_example = model(Fte[:1])
    result = {
        "backend": args.backend,
        "epochs": epochs,
        "train_lists": n_train,
        "items": args.n,
        "spearman_before": rho0,
        "spearman_noise_free_scores": oracle,
        "spearman": curve[-1]["spearman"],
        "seconds_per_epoch": timer.per_epoch(),
        "curve": curve,
    }
    common.save_figure(
        common.plot_path(args, "sorting"), lambda fig: draw(fig, curve, rho0, oracle, P_example[0].numpy(), rte[0]), (9, 3.4)
    )
    return common.report(args, result)


def draw(fig: Any, curve: list[dict[str, float]], rho0: float, oracle: float, P: np.ndarray, ranks: np.ndarray) -> None:
    ax = fig.add_subplot(1, 2, 1)
    ep = [c["epoch"] for c in curve]
    ax.plot([0] + ep, [rho0] + [c["spearman"] for c in curve], "o-", color="C2", label="learned scores")
    ax.axhline(oracle, color="0.5", ls="--", lw=1, label="noise-free hidden scores")
    ax.set(xlabel="epoch", ylabel="Spearman ρ (held-out)", title="Rank correlation", ylim=(min(rho0, 0) - 0.05, 1.02))
    ax.legend(loc="center right", fontsize=8)
    ax2 = ax.twinx()
    ax2.plot(ep, [c["loss"] for c in curve], "s--", color="C0", ms=3)
    ax2.set_ylabel("training loss", color="C0")
    ax = fig.add_subplot(1, 2, 2)
    order = np.argsort(ranks)
    ax.imshow(P[order], cmap="Blues", vmin=0, vmax=1)
    ax.set(xlabel="rank", ylabel="item (in true order)", title="Soft permutation of a held-out list")


if __name__ == "__main__":
    main()

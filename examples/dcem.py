"""DCEM: the cross-entropy method made differentiable with the LML layer, as the inner
optimizer of an energy-based regression model.

The differentiable cross-entropy method (Amos & Yarats 2020) replaces CEM's hard choice
of the k best of n samples by the LML projection (`std:lml`, a smooth top-k), so that the
result of the optimization can be differentiated with respect to the objective. The toy
of the DCEM paper (§5.1): regress y = x·sin(x) on [0, 2π] with an energy model: a network
E_θ(x, y) whose minimizer over y is the prediction,

    ŷ(x) = DCEM_y E_θ(x, y):  6 iterations of: sample y_i ~ N(μ, σ²) (i = 1..30), weights
    w = LML(−E_θ(x, y)/τ) (Σw = k), μ ← Σ w_i y_i / k, σ ← (Σ w_i (y_i − μ)² / k)^½,

trained end to end by differentiating ŷ through the 6 LML layers (k = 5 of n = 30). The baseline is the
same energy model with an unrolled inner optimizer of the same number of steps: gradient
descent on y from the same start, with a learned step size.

    python examples/dcem.py            # full run, writes docs/img/dcem.png
    python examples/dcem.py --quick
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
SAMPLES, ELITES, ITERATIONS, TAU = 30, 5, 6, 0.5


def target(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sin(x)


class Energy(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(2, 64, dtype=F64), torch.nn.Softplus(),
            torch.nn.Linear(64, 64, dtype=F64), torch.nn.Softplus(),
            torch.nn.Linear(64, 1, dtype=F64),
        )  # fmt: skip

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """E(x_b, y_bi) for x (B,) and y (B, n): (B, n)."""
        xb = x[:, None].expand_as(y)
        return self.net(torch.stack([xb / 3.0, y / 3.0], dim=-1)).squeeze(-1)


class DCEM(torch.nn.Module):
    def __init__(self, backend: str) -> None:
        super().__init__()
        self.energy = Energy()
        if backend == "dopt":
            import dopt.torch

            self.lml = dopt.torch.Layer("std:lml", dims={"n": SAMPLES, "k": ELITES}, on_failure="status")
        else:
            self.lml = common.cvxpylayers_lml(SAMPLES, ELITES)

    def forward(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        mu = torch.zeros_like(x)
        sigma = torch.full_like(x, 4.0)
        for _ in range(ITERATIONS):
            eps = torch.randn(x.shape[0], SAMPLES, dtype=F64, generator=generator)
            y = mu[:, None] + sigma[:, None] * eps
            e = self.energy(x, y)
            e = (e - e.mean(dim=1, keepdim=True)) / (e.std(dim=1, keepdim=True) + 1e-8)
            (w,) = self.lml(-e / TAU)
            mu = (w * y).sum(dim=1) / ELITES
            sigma = ((w * (y - mu[:, None]) ** 2).sum(dim=1) / ELITES + 1e-6).sqrt()
        return mu


class Unrolled(torch.nn.Module):
    """The same energy model, minimized by ITERATIONS steps of gradient descent on y."""

    def __init__(self) -> None:
        super().__init__()
        self.energy = Energy()
        self.log_step = torch.nn.Parameter(torch.tensor(0.0, dtype=F64))

    def forward(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        y = torch.zeros(x.shape[0], 1, dtype=F64, requires_grad=True)
        for _ in range(ITERATIONS):
            (g,) = torch.autograd.grad(self.energy(x, y).sum(), y, create_graph=True)
            y = y - self.log_step.exp() * g
        return y[:, 0]


def train(name: str, model: torch.nn.Module, args: Any, epochs: int, xte: torch.Tensor) -> dict[str, Any]:
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    gen = torch.Generator().manual_seed(args.seed)
    test_gen_seed = args.seed + 100
    timer = common.Timer()

    def test_loss() -> float:
        g = torch.Generator().manual_seed(test_gen_seed)
        with torch.enable_grad() if isinstance(model, Unrolled) else torch.no_grad():
            pred = model(xte, g)
        return float(((pred.detach() - target(xte)) ** 2).mean())

    curve = [{"epoch": 0, "test_loss": test_loss()}]
    for epoch in range(1, epochs + 1):
        with timer:
            for _ in range(args.steps):
                x = torch.rand(args.batch, dtype=F64, generator=gen) * 2 * np.pi
                loss = ((model(x, gen) - target(x)) ** 2).mean()
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
                opt.step()
        curve.append({"epoch": epoch, "test_loss": test_loss()})
    print(f"{name}: test loss {curve[0]['test_loss']:.3f} -> {curve[-1]['test_loss']:.4f} ({timer.per_epoch():.2f} s/epoch)")
    return {"curve": curve, "test_loss": curve[-1]["test_loss"], "seconds_per_epoch": timer.per_epoch()}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = common.parser(__doc__.splitlines()[0], epochs=25, quick_epochs=3, lr=0.01, batch=16)
    ap.add_argument("--steps", type=common.positive, default=20, help="training steps per epoch")
    ap.add_argument("--clip", type=common.positive_real, default=1.0, help="clip the norm of the gradient to this (default 1)")
    args, rng, epochs = common.start(ap, argv)
    xte = torch.linspace(0, 2 * np.pi, 100, dtype=F64)

    torch.manual_seed(args.seed)
    dcem = DCEM(args.backend)
    torch.manual_seed(args.seed)
    unrolled = Unrolled()
    runs = {"dcem": train("DCEM (LML)", dcem, args, epochs, xte), "unrolled": train("unrolled GD", unrolled, args, epochs, xte)}

    result = {
        "backend": args.backend,
        "epochs": epochs,
        "steps_per_epoch": args.steps,
        "dcem_test_loss_before": runs["dcem"]["curve"][0]["test_loss"],
        **{f"{k}_test_loss": r["test_loss"] for k, r in runs.items()},
        **{f"{k}_seconds_per_epoch": r["seconds_per_epoch"] for k, r in runs.items()},
        "curves": {k: r["curve"] for k, r in runs.items()},
    }
    common.save_figure(common.plot_path(args, "dcem"), lambda fig: draw(fig, runs, dcem, unrolled, xte, args.seed), (12, 3.6))
    return common.report(args, result)


def draw(fig: Any, runs: dict[str, Any], dcem: DCEM, unrolled: Unrolled, xte: torch.Tensor, seed: int) -> None:
    ax = fig.add_subplot(1, 3, 1)
    for k, r in runs.items():
        ax.semilogy([c["epoch"] for c in r["curve"]], [c["test_loss"] for c in r["curve"]], "o-", ms=3, label=k)
    ax.set(xlabel="epoch", ylabel="test MSE", title="Regression through the inner optimizer")
    ax.legend(fontsize=8)
    for j, (name, model) in enumerate((("DCEM (LML)", dcem), ("unrolled GD", unrolled))):
        ax = fig.add_subplot(1, 3, j + 2)
        xs = torch.linspace(0, 2 * np.pi, 80, dtype=F64)
        ys = torch.linspace(-6, 4, 80, dtype=F64)
        with torch.no_grad():
            E = model.energy(xs, ys[None, :].expand(80, -1)).numpy()
        ax.imshow(E.T, origin="lower", aspect="auto", extent=(0, 2 * np.pi, -6, 4), cmap="viridis")
        g = torch.Generator().manual_seed(seed + 100)
        with torch.enable_grad() if isinstance(model, Unrolled) else torch.no_grad():
            pred = model(xte, g).detach()
        ax.plot(xte, target(xte), "w--", lw=1.5, label="x·sin(x)")
        ax.plot(xte, pred, "r", lw=1.5, label="prediction")
        ax.set(xlabel="x", ylabel="y", title=f"Learned energy, {name}")
        ax.legend(fontsize=7, loc="lower left")


if __name__ == "__main__":
    main()

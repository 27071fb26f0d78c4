"""Game equilibria: learn which zero-sum game is being played from its equilibria.

Each observation is a context c (a few numbers) and the Nash equilibrium strategies of
both players of a zero-sum matrix game whose payoff matrix depends on the context,
M(c) = W₀ + Σₖ cₖ Wₖ, with W unknown ("What game are we playing?", Ling, Fang & Kolter
2018). W₀ is a generalized rock-paper-scissors (its equilibrium is completely mixed) and
the context perturbs it, so that the held-out games have equilibria of every support
size. The model is the game's linear program as a layer (examples/matrix_game.dopt:
max v s.t. Mᵀx ≥ v, Σx = 1, x ≥ 0; the row player's strategy x and, as the dual of the
constraint `col`, the column player's y, both from one solve), with a payoff map
M(c) = V₀ + Σₖ cₖ Vₖ whose V is learned from the observed strategies.

The LP's solution is piecewise smooth in M: on a fixed support it solves a linear
system, but it is locally constant in the actions outside the support, so its exact
gradient can shrink a predicted support but never grow one (from a random start it
stalls at a mean held-out total variation of 0.37; `--warmup 0 --keep 0 --epochs 10`).
Training has two phases:

1. **Inverse game** (no solves): minimize the observed strategies' exploitability in the
   predicted game, max_i (M y*)_i − min_j (Mᵀx*)_j, which is zero exactly when (x*, y*) is
   an equilibrium of M and has a gradient whatever the supports. It is convex and
   positively homogeneous in V, so it is divided by the size of V (V = 0 would be a
   trivial zero); from a few random starts, the one with the lowest training loss is kept.
2. **Through the LP layer**: full-batch L-BFGS on the squared error of both players'
   predicted equilibrium strategies, by dopt's exact derivative of the LP, plus 0.1 times
   the phase-1 loss (`--keep`), which still moves a game stuck on a wrong support. Near
   the truth the supports agree and the loss is smooth, and this phase fits the
   strategies themselves rather than the surrogate (from TV 5e-3 to about 1e-6).

    python examples/matrix_game.py           # full run, writes docs/img/matrix_game.png
    python examples/matrix_game.py --quick
    python examples/matrix_game.py --backend cvxpylayers
    python examples/matrix_game.py --game qre    # the entropy-regularized game instead

The metric is the total-variation distance between the predicted and the observed
equilibrium strategies on held-out contexts, ½‖x − x*‖₁ (the larger of the two players'),
its mean and its 95th percentile, always through the LP. The payoffs themselves cannot be
recovered (adding a constant or scaling M by a positive number keeps the equilibrium):
only the strategies are compared.

`--game qre` keeps the smooth alternative: the players play the logit quantal response
equilibrium (the entropy-regularized game at temperature 0.1,
examples/matrix_game_qre.dopt), and the layer is trained on its own equilibria with
L-BFGS from the start.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

F64 = torch.float64
M_ACTIONS, N_ACTIONS, CONTEXT = 3, 3, 2
TEMPERATURE = 0.1
PERTURBATION = 0.5  # the size of the context's effect on the payoffs, against W₀'s ~1
SUPPORT = 1e-6  # a strategy's support: the actions played with more probability


def lp_layer(backend: str) -> Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """M (batch, m, n) ↦ (x, y), the two players' Nash equilibrium strategies."""
    if backend == "dopt":
        import dopt
        import dopt.torch

        # a tight tolerance: the observed strategies come from this layer too
        lp = dopt.compile(common.EXAMPLES / "matrix_game.dopt").with_settings(tol=1e-10)
        layer = dopt.torch.Layer(lp, outputs=["x", "dual:col"])
        return lambda M: layer(M)
    import cvxpy as cp

    layers = common.require_cvxpylayers()
    # cvxpylayers returns variables, not duals: the column player's LP is a second layer
    Mp = cp.Parameter((M_ACTIONS, N_ACTIONS))
    x, v = cp.Variable(M_ACTIONS), cp.Variable()
    row = cp.Problem(cp.Maximize(v), [Mp.T @ x >= v, cp.sum(x) == 1, x >= 0])
    y, w = cp.Variable(N_ACTIONS), cp.Variable()
    col = cp.Problem(cp.Minimize(w), [Mp @ y <= w, cp.sum(y) == 1, y >= 0])
    rl = layers.CvxpyLayer(row, parameters=[Mp], variables=[x])
    cl = layers.CvxpyLayer(col, parameters=[Mp], variables=[y])
    return lambda M: (rl(M)[0], cl(M)[0])


def qre_layer(backend: str) -> Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """M ↦ (x, y), the logit quantal response equilibrium at temperature 0.1."""
    if backend == "dopt":
        import dopt.torch

        row = dopt.torch.Layer(common.EXAMPLES / "matrix_game_qre.dopt")
    else:
        import cvxpy as cp

        layers = common.require_cvxpylayers()
        Mp = cp.Parameter((M_ACTIONS, N_ACTIONS))
        xv = cp.Variable(M_ACTIONS)
        objective = TEMPERATURE * cp.sum(cp.entr(xv)) - TEMPERATURE * cp.log_sum_exp(-(Mp.T @ xv) / TEMPERATURE)
        row = layers.CvxpyLayer(cp.Problem(cp.Maximize(objective), [cp.sum(xv) == 1]), parameters=[Mp], variables=[xv])

    def call(M: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        (x,) = row(M)
        y = torch.softmax(-(M.transpose(1, 2) @ x.unsqueeze(-1)).squeeze(-1) / TEMPERATURE, dim=-1)
        return x, y

    return call


def game_layer(backend: str, game: str) -> Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    return lp_layer(backend) if game == "lp" else qre_layer(backend)


def payoff(c: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """M(c) = V₀ + Σₖ cₖ Vₖ for a batch of contexts c (batch, k)."""
    ones = torch.ones(c.shape[0], 1, dtype=c.dtype)
    return torch.einsum("bk,kmn->bmn", torch.cat([ones, c], dim=1), V)


def base_game(rng: np.random.Generator) -> np.ndarray:
    """A generalized rock-paper-scissors: action i loses to i + 1 and beats i + 2 (mod 3),
    by random amounts, so that every action is played at its equilibrium."""
    W0 = np.zeros((M_ACTIONS, N_ACTIONS))
    for i in range(M_ACTIONS):
        W0[i, (i + 1) % 3] = -rng.uniform(0.5, 1.5)
        W0[i, (i + 2) % 3] = rng.uniform(0.5, 1.5)
    return W0


def exploitability(M: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """max_i (M y)_i − min_j (Mᵀx)_j per game: what the best responses to (x, y) gain in
    the game M; ≥ 0, and 0 exactly when (x, y) is an equilibrium of M."""
    best_row = (M @ y.unsqueeze(-1)).squeeze(-1).amax(dim=1)
    best_col = (M.transpose(1, 2) @ x.unsqueeze(-1)).squeeze(-1).amin(dim=1)
    return best_row - best_col


def size(V: torch.Tensor) -> torch.Tensor:
    """The root mean square of V without the constant part of each Vₖ (which moves no
    equilibrium)."""
    return (V - V.mean(dim=(1, 2), keepdim=True)).pow(2).mean().sqrt()


def support_sizes(x: np.ndarray) -> np.ndarray:
    return (x > SUPPORT).sum(axis=1)


def tv(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    return 0.5 * np.abs(p - q).sum(axis=-1)


def inverse_game(
    V: torch.Tensor, c: torch.Tensor, x: torch.Tensor, y: torch.Tensor, steps: int, lr: float
) -> tuple[torch.Tensor, list[float]]:
    """Phase 1: Adam on the observed strategies' exploitability in the predicted games,
    relative to the size of V. Returns V and the loss every step."""
    V = V.clone().requires_grad_(True)
    opt = torch.optim.Adam([V], lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = exploitability(payoff(c, V), x, y).mean() / size(V)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return V.detach(), losses


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = common.parser(__doc__.splitlines()[0], epochs=5, quick_epochs=2)
    ap.add_argument("--train", type=common.positive, default=200, help="observed games")
    ap.add_argument("--test", type=common.positive, default=500, help="held-out contexts")
    ap.add_argument("--game", choices=("lp", "qre"), default="lp", help="the LP (Nash), or the regularized game")
    ap.add_argument("--warmup", type=common.seed, default=None, help="inverse-game Adam steps per start (default 600; 300 with --quick; 0 skips)")
    ap.add_argument("--starts", type=common.positive, default=4, help="random starts of the inverse-game phase")
    ap.add_argument("--keep", type=common.nonnegative_real, default=0.1, help="weight of the exploitability in the layer phase")
    args, rng, epochs = common.start(ap, argv)
    warmup = args.warmup if args.warmup is not None else (300 if args.quick else 600)
    keep = args.keep
    if args.game == "qre":  # its equilibria are not the LP's: no exploitability terms
        warmup, keep = 0, 0.0

    W = np.concatenate([base_game(rng)[None], PERTURBATION * rng.normal(size=(CONTEXT, M_ACTIONS, N_ACTIONS))])
    W = torch.from_numpy(W)
    Ctr = torch.from_numpy(rng.normal(size=(args.train, CONTEXT)))
    Cte = torch.from_numpy(rng.normal(size=(args.test, CONTEXT)))
    truth = game_layer("dopt", args.game)
    with torch.no_grad():
        xtr, ytr = truth(payoff(Ctr, W))
        xte, yte = (t.numpy() for t in truth(payoff(Cte, W)))
    sizes = np.maximum(support_sizes(xte), support_sizes(yte))
    support = {f"support_{k}": float(np.mean(sizes == k)) for k in range(1, M_ACTIONS + 1)}

    layer = game_layer(args.backend, args.game)
    starts = [torch.from_numpy(rng.normal(size=(CONTEXT + 1, M_ACTIONS, N_ACTIONS))) for _ in range(args.starts)]

    def held_out(V: torch.Tensor) -> tuple[float, float]:
        with torch.no_grad():
            x, y = truth(payoff(Cte, V))
        d = np.maximum(tv(x.numpy(), xte), tv(y.numpy(), yte))
        return float(d.mean()), float(np.quantile(d, 0.95))

    m0, q0 = held_out(starts[0])
    curve = [{"phase": "start", "step": 0, "tv_mean": m0, "tv_95": q0}]
    print(f"start: held-out TV mean {m0:.4f}, 95th percentile {q0:.4f}")
    print("held-out support sizes (the larger of the two players'): " + ", ".join(f"{k} {v:.3f}" for k, v in support.items()))

    V = starts[0]
    warm_seconds = 0.0
    if warmup:
        timer = common.Timer()
        runs = []
        for V0 in starts:
            with timer:
                runs.append(inverse_game(V0, Ctr, xtr, ytr, warmup, lr=0.02))
        warm_seconds = sum(timer.epochs)
        best = min(range(len(runs)), key=lambda i: runs[i][1][-1])
        V = runs[best][0]
        # the curve of the kept start, through the LP, every 50 steps (replayed: cheap)
        for step in range(50, warmup + 1, 50):
            m, q = held_out(inverse_game(starts[best], Ctr, xtr, ytr, step, lr=0.02)[0])
            curve.append({"phase": "inverse game", "step": step, "tv_mean": m, "tv_95": q})
        print(
            f"inverse game: {args.starts} starts × {warmup} Adam steps in {warm_seconds:.1f} s; "
            f"kept start {best} (loss {runs[best][1][-1]:.2e}); held-out TV mean {curve[-1]['tv_mean']:.4f}, "
            f"95th percentile {curve[-1]['tv_95']:.4f}"
        )
    m_warm, q_warm = held_out(V)

    V = V.clone().requires_grad_(True)
    # full-batch L-BFGS through the layer: near the truth the equilibria are smooth in the
    # payoffs (a linear system on each support) and the exact gradient converges fast
    opt = torch.optim.LBFGS([V], lr=1, max_iter=20, history_size=20, line_search_fn="strong_wolfe")
    timer, evaluations = common.Timer(), common.Timer()

    def closure() -> torch.Tensor:
        with evaluations:  # one solve of the batch and its backward pass
            opt.zero_grad()
            M = payoff(Ctr, V)
            x, y = layer(M)
            loss = ((x - xtr) ** 2).sum(dim=1).mean() + ((y - ytr) ** 2).sum(dim=1).mean()
            loss = loss + keep * exploitability(M, xtr, ytr).mean() / size(V)
            loss.backward()
        return loss

    for epoch in range(1, epochs + 1):
        with timer:
            loss = opt.step(closure).item()
        m, q = held_out(V.detach())
        curve.append({"phase": "layer", "step": warmup + epoch, "tv_mean": m, "tv_95": q, "loss": loss})
        print(f"L-BFGS step {epoch}: loss {loss:.2e}, held-out TV mean {m:.2e}, 95th percentile {q:.2e} ({timer.epochs[-1]:.2f} s)")

    V = V.detach()
    with torch.no_grad():
        x, y = truth(payoff(Cte, V))
    predicted = np.maximum(support_sizes(x.numpy()), support_sizes(y.numpy()))
    result = {
        "backend": args.backend,
        "game": args.game,
        "epochs": epochs,
        **support,
        "support_agrees": float(np.mean(predicted == sizes)),
        "tv_mean_before": m0,
        "tv_95_before": q0,
        "tv_mean_warm": m_warm,
        "tv_95_warm": q_warm,
        "tv_mean": curve[-1]["tv_mean"],
        "tv_95": curve[-1]["tv_95"],
        "warmup_seconds": warm_seconds,
        "seconds_per_epoch": timer.per_epoch(),
        "evaluations": len(evaluations.epochs),
        "seconds_per_evaluation": evaluations.per_epoch(),
        "curve": curve,
    }
    common.save_figure(
        common.plot_path(args, "matrix_game" if args.game == "lp" else "matrix_game_qre"),
        lambda fig: draw(fig, curve, x.numpy()[:8], xte[:8], warmup),
        (10, 3.4),
    )
    return common.report(args, result)


def draw(fig: Any, curve: list[dict[str, Any]], xs: np.ndarray, xt: np.ndarray, warmup: int) -> None:
    ax = fig.add_subplot(1, 2, 1)
    # the L-BFGS steps drawn 50 Adam steps apart, after the inverse-game phase
    st = [c["step"] if c["phase"] != "layer" else warmup + 50 * (c["step"] - warmup) for c in curve]
    ax.semilogy(st, [c["tv_mean"] for c in curve], ".-", label="mean")
    ax.semilogy(st, [c["tv_95"] for c in curve], ".-", label="95th percentile")
    ax.axhline(0.01, color="0.5", ls=":", lw=1, label="0.01")
    if warmup:
        ax.axvline(warmup, color="0.7", lw=1)
        ax.text(warmup * 0.5, 1.5, "inverse game (Adam)", ha="center", fontsize=8)
        ax.text(warmup + 25 * (len(st) - 1 - warmup // 50), 1.5, "LP layer\n(L-BFGS)", ha="center", fontsize=8)
    ax.set(xlabel="step (L-BFGS steps drawn 50 apart)", ylabel="total variation", ylim=(None, 5),
           title="Held-out equilibria: predicted vs observed")  # fmt: skip
    ax.legend(fontsize=8)
    ax = fig.add_subplot(1, 2, 2)
    k = np.arange(len(xs))
    for a in range(M_ACTIONS):
        ax.bar(k - 0.2, xt[:, a], 0.18, bottom=xt[:, :a].sum(axis=1), color=f"C{a}", alpha=0.5)
        ax.bar(k, xs[:, a], 0.18, bottom=xs[:, :a].sum(axis=1), color=f"C{a}")
    ax.set(xticks=k, xlabel="held-out context", ylabel="row player's strategy",
           title="Observed (light) and predicted (dark)")  # fmt: skip


if __name__ == "__main__":
    main()

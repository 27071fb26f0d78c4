"""Sudoku from data: learn the rules of 4×4 Sudoku as the constraints of a QP layer.

OptNet's experiment (Amos & Kolter 2017, section 5.2): a board is a one-hot vector z of
64 entries (row, column, digit); the layer solves

    minimize 0.05·‖z‖² − pᵀz  subject to  A z = b,  z ≥ 0        (examples/sudoku.dopt)

for the puzzle p (1 on the given digits). Nothing tells the model the rules: A is learned
from puzzle/solution pairs by differentiating the layer's solution. b = A z₀ with z₀ the
uniform board (1/4 everywhere), which every valid board's rules satisfy, so the learned
constraints stay feasible. A puzzle counts as solved when the most likely digit of every
cell is right.

    python examples/sudoku.py              # full run (about 2 minutes), writes docs/img/sudoku.png
    python examples/sudoku.py --quick      # about 20 s (about a third solved)
    python examples/sudoku.py --backend cvxpylayers   # the same model through cvxpylayers

Puzzles are generated here (no download): every 4×4 board (there are 288), and from
random boards, clues removed in random order for as long as the solution stays unique.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

F64 = torch.float64


def all_boards() -> np.ndarray:
    """Every 4×4 Sudoku board, as (288, 4, 4) digits 0..3."""
    boards = []
    rows = list(itertools.permutations(range(4)))

    def ok(grid: list[tuple[int, ...]]) -> bool:
        g = np.array(grid)
        for c in range(4):
            if len(set(g[:, c])) != len(g[:, c]):
                return False
        for br in range(0, len(grid), 2):
            if len(grid) < br + 2:
                continue
            for bc in (0, 2):
                if len(set(g[br : br + 2, bc : bc + 2].ravel())) != 4:
                    return False
        return True

    def extend(grid: list[tuple[int, ...]]) -> None:
        if len(grid) == 4:
            boards.append(np.array(grid))
            return
        for r in rows:
            if ok(grid + [r]):
                extend(grid + [r])

    extend([])
    return np.stack(boards)


def one_hot(board: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """(4, 4) digits → 64 entries; cells where mask is False are all zero."""
    z = np.zeros((4, 4, 4))
    for r in range(4):
        for c in range(4):
            if mask is None or mask[r, c]:
                z[r, c, board[r, c]] = 1.0
    return z.ravel()


def make_puzzles(rng: np.random.Generator, boards: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` puzzles with unique solutions: (puzzles, solutions), both (count, 64)."""
    puzzles, solutions = [], []
    flat = boards.reshape(len(boards), 16)
    for _ in range(count):
        board = boards[rng.integers(len(boards))]
        mask = np.ones(16, dtype=bool)
        for cell in rng.permutation(16):
            mask[cell] = False
            agree = np.all(flat[:, mask] == board.ravel()[mask], axis=1)
            if agree.sum() > 1:  # no longer unique: put the clue back
                mask[cell] = True
        puzzles.append(one_hot(board, mask.reshape(4, 4)))
        solutions.append(one_hot(board))
    return np.stack(puzzles), np.stack(solutions)


def rules() -> np.ndarray:
    """The rules of Sudoku as 64 rows of A (each sums 4 entries of z to 1)."""
    rows = []
    idx = np.arange(64).reshape(4, 4, 4)  # row, column, digit
    for r, c in itertools.product(range(4), range(4)):
        rows.append(idx[r, c, :])
    for r, d in itertools.product(range(4), range(4)):
        rows.append(idx[r, :, d])
    for c, d in itertools.product(range(4), range(4)):
        rows.append(idx[:, c, d])
    for br, bc, d in itertools.product((0, 2), (0, 2), range(4)):
        rows.append(idx[br : br + 2, bc : bc + 2, d].ravel())
    A = np.zeros((len(rows), 64))
    for i, cols in enumerate(rows):
        A[i, cols] = 1.0
    return A


def solved(z: torch.Tensor, solutions: torch.Tensor) -> torch.Tensor:
    """Per puzzle: is the most likely digit of every cell right?"""
    guess = z.reshape(-1, 16, 4).argmax(dim=2)
    truth = solutions.reshape(-1, 16, 4).argmax(dim=2)
    return (guess == truth).all(dim=1)


class OptNetSudoku(torch.nn.Module):
    """p ↦ argmin 0.05‖z‖² − pᵀz s.t. A z = A z₀, z ≥ 0, with A learned."""

    def __init__(self, m: int, backend: str, rng: np.random.Generator, init_scale: float = 1.0) -> None:
        super().__init__()
        # nonnegative at the start, as the rules are (OptNet starts from uniform entries)
        self.A = torch.nn.Parameter(torch.from_numpy(rng.uniform(size=(m, 64)) * init_scale))
        self.register_buffer("z0", torch.full((64,), 0.25, dtype=F64))
        if backend == "dopt":
            import dopt.torch

            # a member whose solve fails keeps its last iterate and a zero gradient
            self.layer = dopt.torch.Layer(
                common.EXAMPLES / "sudoku.dopt", dims={"m": m}, parameters=["p", "A", "b"], on_failure="status"
            )
        else:
            self.layer = cvxpylayers_sudoku(m)

    def forward(self, p: torch.Tensor) -> torch.Tensor:
        b = self.A @ self.z0
        (z,) = self.layer(p, self.A, b)
        return z

    def solved_members(self, batch: int) -> torch.Tensor:
        """Which members of the last batch ended optimal (a failed member's output is the
        solver's last iterate, and its gradient is zero: it is left out of the loss)."""
        status = getattr(self.layer, "last_status", None)
        if not isinstance(status, list):
            return torch.ones(batch, dtype=torch.bool)
        return torch.tensor([s == "optimal" for s in status])


def cvxpylayers_sudoku(m: int) -> Any:
    import cvxpy as cp

    layers = common.require_cvxpylayers()
    p, A, b = cp.Parameter(64), cp.Parameter((m, 64)), cp.Parameter(m)
    z = cp.Variable(64)
    prob = cp.Problem(cp.Minimize(0.05 * cp.sum_squares(z) - p @ z), [A @ z == b, z >= 0])
    return layers.CvxpyLayer(prob, parameters=[p, A, b], variables=[z])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = common.parser(__doc__.splitlines()[0], epochs=30, quick_epochs=6, lr=0.05, batch=10)
    ap.add_argument("--train", type=common.positive, default=None, help="training puzzles (default 1000; 600 with --quick)")
    ap.add_argument("--test", type=common.positive, default=200, help="held-out puzzles")
    ap.add_argument("--m", type=common.positive, default=40, help="rows of the learned A")
    ap.add_argument("--init", type=common.positive_real, default=1.0, help="A starts uniform in [0, init)")
    args, rng, epochs = common.start(ap, argv)
    n_train = args.train or (600 if args.quick else 1000)

    boards = all_boards()
    assert len(boards) == 288
    xtr, ytr = (torch.from_numpy(a) for a in make_puzzles(rng, boards, n_train))
    xte, yte = (torch.from_numpy(a) for a in make_puzzles(rng, boards, args.test))

    model = OptNetSudoku(args.m, args.backend, rng, args.init)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs, eta_min=args.lr / 100)
    batch = args.batch
    timer = common.Timer()
    curve: list[dict[str, float]] = []

    def evaluate() -> float:
        with torch.no_grad():
            return float(solved(model(xte), yte).double().mean())

    acc0 = evaluate()
    print(f"epoch 0: held-out puzzles solved {acc0:.3f}")
    for epoch in range(1, epochs + 1):
        perm = torch.from_numpy(rng.permutation(n_train))
        losses = []
        failed = 0
        with timer:
            for i in range(0, n_train, batch):
                idx = perm[i : i + batch]
                z = model(xtr[idx])
                ok = model.solved_members(len(idx))
                failed += int((~ok).sum())
                loss = ((torch.where(ok[:, None], z, ytr[idx]) - ytr[idx]) ** 2).sum() / (int(ok.sum()) * 64 or 1)
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(float(loss.detach()))
        sched.step()
        acc = evaluate()
        curve.append({"epoch": epoch, "loss": float(np.mean(losses)), "solved": acc, "failed_solves": failed})
        print(
            f"epoch {epoch}: loss {np.mean(losses):.5f}, held-out puzzles solved {acc:.3f}, "
            f"failed solves {failed} ({timer.epochs[-1]:.1f} s)"
        )

    result = {
        "backend": args.backend,
        "epochs": epochs,
        "train_puzzles": n_train,
        "test_puzzles": args.test,
        "solved_before": acc0,
        "solved": curve[-1]["solved"],
        "seconds_per_epoch": timer.per_epoch(),
        "curve": curve,
    }
    common.save_figure(common.plot_path(args, "sudoku"), lambda fig: draw(fig, curve, model, xte, yte), (11, 3.6))
    return common.report(args, result)


def draw(fig: Any, curve: list[dict[str, float]], model: OptNetSudoku, xte: torch.Tensor, yte: torch.Tensor) -> None:
    ep = [c["epoch"] for c in curve]
    ax = fig.add_subplot(1, 3, 1)
    ax.semilogy(ep, [c["loss"] for c in curve], "o-")
    ax.set(xlabel="epoch", ylabel="training MSE", title="Training loss")
    ax = fig.add_subplot(1, 3, 2)
    ax.plot(ep, [c["solved"] for c in curve], "o-", color="C2")
    ax.set(xlabel="epoch", ylabel="fraction solved", title="Held-out puzzles solved", ylim=(0, 1.02))
    ax = fig.add_subplot(1, 3, 3)
    with torch.no_grad():
        z = model(xte[:1]).reshape(4, 4, 4).numpy()
    puzzle = xte[0].reshape(4, 4, 4).numpy()
    ax.imshow(z.max(axis=2), cmap="Greens", vmin=0, vmax=2.5)  # light: the digits stay legible
    for r in range(4):
        for c in range(4):
            given = puzzle[r, c].max() > 0
            ax.text(c, r, str(int(z[r, c].argmax()) + 1), ha="center", va="center",
                    fontsize=16, fontweight="bold" if given else "normal", color="k" if given else "C0")  # fmt: skip
    ax.set_xticks([]), ax.set_yticks([])
    ax.set_title("A held-out puzzle (bold: clues)")


if __name__ == "__main__":
    main()

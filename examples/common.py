"""What the example scripts share: the command line, seeding, timing and the figure.

Each script under examples/ trains a PyTorch model through a dopt layer. They all take
``--quick`` (a short run that the tests in python/tests/test_examples.py check for a real
learning signal), ``--epochs``, ``--seed``, ``--plot PATH`` and ``--backend
dopt|cvxpylayers`` (cvxpylayers is optional: the scripts do not need it).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
IMG = ROOT / "docs" / "img"


def _whole(text: str, least: int) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < least:
        raise argparse.ArgumentTypeError(f"{n} is not at least {least}")
    return n


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1 (a count of epochs, examples, …)."""
    return _whole(text, 1)


def seed(text: str) -> int:
    """An argparse type: a whole number of at least 0 (a random seed, a step count that may be 0)."""
    return _whole(text, 0)


def _real(text: str, zero: bool) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(v) and (v > 0 or (zero and v == 0))):
        raise argparse.ArgumentTypeError(f"{text} is not a finite number {'≥ 0' if zero else '> 0'}")
    return v


def positive_real(text: str) -> float:
    """An argparse type: a finite number > 0 (a learning rate, a scale)."""
    return _real(text, zero=False)


def nonnegative_real(text: str) -> float:
    """An argparse type: a finite number ≥ 0 (a noise level, a weight that may be 0)."""
    return _real(text, zero=True)


def parser(
    description: str, epochs: int, quick_epochs: int, lr: float | None = None, batch: int | None = None
) -> argparse.ArgumentParser:
    """The shared options; `lr` and `batch` add --lr and --batch with those defaults."""
    p = argparse.ArgumentParser(description=description)
    if lr is not None:
        p.add_argument("--lr", type=positive_real, default=lr, help=f"Adam's learning rate (default {lr})")
    if batch is not None:
        p.add_argument("--batch", type=positive, default=batch, help=f"examples per step (default {batch})")
    p.add_argument("--quick", action="store_true", help="a short run (about 20 s) for the tests")
    p.add_argument("--epochs", type=positive, default=None, help=f"epochs (default {epochs}; {quick_epochs} with --quick)")
    p.add_argument("--seed", type=seed, default=0)
    p.add_argument("--plot", type=Path, default=None, help="where to write the figure (PNG); 'none' to skip")
    p.add_argument("--backend", choices=("dopt", "cvxpylayers"), default="dopt")
    p.add_argument("--json", type=Path, default=None, help="write the run's figures as JSON here")
    p.set_defaults(default_epochs=epochs, quick_epochs=quick_epochs)
    return p


def start(ap: argparse.ArgumentParser, argv: list[str] | None) -> tuple[argparse.Namespace, np.random.Generator, int]:
    """Parse the command line and seed everything: (args, rng, epochs)."""
    args = ap.parse_args(argv)
    return args, seed_everything(args.seed), epochs_of(args)


def epochs_of(args: argparse.Namespace) -> int:
    if args.epochs is not None:
        return args.epochs
    return args.quick_epochs if args.quick else args.default_epochs


def seed_everything(seed: int) -> np.random.Generator:
    random.seed(seed)
    torch.manual_seed(seed)
    # the solves run in Rust threads; torch's own threads would compete with them
    torch.set_num_threads(1)
    return np.random.default_rng(seed)


def require_cvxpylayers() -> Any:
    try:
        import cvxpylayers.torch  # noqa: F401
    except ImportError:
        sys.exit("--backend cvxpylayers needs the cvxpylayers package (pip install cvxpylayers)")
    return cvxpylayers.torch


def cvxpylayers_lml(n: int, k: int) -> Any:
    """The LML projection (std:lml) written in cvxpy, as a cvxpylayers layer."""
    import cvxpy as cp

    layers = require_cvxpylayers()
    x = cp.Parameter(n)
    y = cp.Variable(n)
    prob = cp.Problem(cp.Maximize(x @ y + cp.sum(cp.entr(y)) + cp.sum(cp.entr(1 - y))), [cp.sum(y) == k])
    layer = layers.CvxpyLayer(prob, parameters=[x], variables=[y])
    return lambda s: layer(s)


class Timer:
    """Wall time per epoch."""

    def __init__(self) -> None:
        self.epochs: list[float] = []
        self._t = 0.0

    def __enter__(self) -> "Timer":
        self._t = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.epochs.append(time.perf_counter() - self._t)

    def per_epoch(self) -> float:
        return float(np.median(self.epochs)) if self.epochs else float("nan")


def plot_path(args: argparse.Namespace, name: str) -> Path | None:
    """The figure's path: --plot, else docs/img/NAME.png for a full run and none for a
    quick one (the committed figures come from full runs)."""
    if args.plot is not None:
        return None if str(args.plot) == "none" else args.plot
    return None if args.quick else IMG / f"{name}.png"


def save_figure(path: Path | None, draw: Callable[[Any], None], size: tuple[float, float]) -> None:
    if path is None:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=size)
    draw(fig)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"wrote {path}")


def report(args: argparse.Namespace, result: dict[str, Any]) -> dict[str, Any]:
    """Print the run's figures, and write them as JSON with --json."""
    for k, v in result.items():
        if isinstance(v, float):
            print(f"{k}: {v:.4g}")
        elif not isinstance(v, (list, dict)):
            print(f"{k}: {v}")
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=1))
    return result


def threads() -> int:
    return os.cpu_count() or 1

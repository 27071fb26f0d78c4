"""Top-k with LML: a multi-label classifier trained through the limited multi-label
projection (Amos, Koltun & Kolter 2019), against a softmax and a sparsemax head.

Synthetic data: every example has exactly k of n labels, the top k of a hidden linear
score of its features plus noise. Three models share one linear scorer and differ only in
the head that turns scores into label probabilities during training:

* LML (`std:lml`): y = argmax xᵀy + H_b(y) s.t. 1ᵀy = k, 0 ≤ y ≤ 1 (H_b the binary
  entropy), a smooth top-k; loss −Σ_{true labels} log y_i, as in the LML paper;
* softmax: p = softmax(scores), loss −Σ_{true labels} log p_i;
* sparsemax (`std:sparsemax`): p = sparsemax(scores) and the sparsemax loss of Martins &
  Astudillo (2016) for the target q = t/k (t the k-hot labels), written with the layer's
  output as −qᵀz + pᵀz − ½‖p‖² + ½‖q‖² (its gradient is p − q).

The metric is the top-k recall on held-out examples: the share of the true labels among
the k highest scores.

    python examples/topk_lml.py            # full run, writes docs/img/topk_lml.png
    python examples/topk_lml.py --quick
    python examples/topk_lml.py --backend cvxpylayers   # the LML head through cvxpylayers
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
HEADS = ("lml", "softmax", "sparsemax")


def make_data(rng: np.random.Generator, count: int, W: np.ndarray, k: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Features (count, d) and k-hot labels (count, n)."""
    x = rng.normal(size=(count, W.shape[1]))
    s = x @ W.T + noise * rng.normal(size=(count, W.shape[0]))
    t = np.zeros_like(s)
    np.put_along_axis(t, np.argsort(-s, axis=1)[:, :k], 1.0, axis=1)
    return x, t


def recall_at_k(scores: torch.Tensor, t: torch.Tensor, k: int) -> float:
    top = scores.topk(k, dim=1).indices
    return float(t.gather(1, top).sum() / t.sum())


class Model(torch.nn.Module):
    def __init__(self, d: int, n: int, k: int, head: str, backend: str) -> None:
        super().__init__()
        self.scorer = torch.nn.Linear(d, n, dtype=F64)
        self.head_name, self.k = head, k
        if head == "lml":
            if backend == "dopt":
                import dopt.torch

                self.head = dopt.torch.Layer("std:lml", dims={"n": n, "k": k}, on_failure="status")
            else:
                self.head = common.cvxpylayers_lml(n, k)
        elif head == "sparsemax":
            import dopt.torch

            self.head = dopt.torch.Layer("std:sparsemax", dims={"n": n}, on_failure="status")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scorer(x)

    def loss(self, scores: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if self.head_name == "softmax":
            return -(torch.log_softmax(scores, dim=1) * t).sum(dim=1).mean()
        (y,) = self.head(scores)
        if self.head_name == "lml":
            return -(torch.log(y.clamp_min(1e-12)) * t).sum(dim=1).mean()
        q = t / self.k
        return (-(q * scores) + y * scores - 0.5 * y**2 + 0.5 * q**2).sum(dim=1).mean()


def train(head: str, args: Any, data: dict[str, torch.Tensor], epochs: int, seed: int) -> dict[str, Any]:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = Model(args.d, args.n, args.k, head, args.backend)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    xtr, ttr, xte, tte = data["xtr"], data["ttr"], data["xte"], data["tte"]
    timer = common.Timer()
    curve = []
    for epoch in range(1, epochs + 1):
        perm = torch.from_numpy(rng.permutation(len(xtr)))
        with timer:
            for i in range(0, len(xtr), args.batch):
                idx = perm[i : i + args.batch]
                loss = model.loss(model(xtr[idx]), ttr[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        with torch.no_grad():
            rec = recall_at_k(model(xte), tte, args.k)
        curve.append({"epoch": epoch, "loss": float(loss.detach()), "recall": rec})
    print(f"{head}: held-out top-{args.k} recall {curve[-1]['recall']:.4f} ({timer.per_epoch():.2f} s/epoch)")
    return {"recall": curve[-1]["recall"], "seconds_per_epoch": timer.per_epoch(), "curve": curve}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = common.parser(__doc__.splitlines()[0], epochs=30, quick_epochs=8, lr=0.05, batch=25)
    ap.add_argument("--n", type=common.positive, default=30, help="labels")
    ap.add_argument("--k", type=common.positive, default=5, help="labels per example")
    ap.add_argument("--d", type=common.positive, default=20, help="features")
    ap.add_argument("--train", type=common.positive, default=None, help="training examples (default 300; 150 with --quick)")
    ap.add_argument("--test", type=common.positive, default=2000)
    ap.add_argument("--noise", type=common.nonnegative_real, default=1.0, help="noise on the hidden scores")
    args, rng, epochs = common.start(ap, argv)
    if args.k >= args.n:
        ap.error(f"--k {args.k} must be below --n {args.n} (the labels per example out of all labels)")
    n_train = args.train or (150 if args.quick else 300)

    W = rng.normal(size=(args.n, args.d))
    xtr, ttr = make_data(rng, n_train, W, args.k, args.noise)
    xte, tte = make_data(rng, args.test, W, args.k, args.noise)
    data = {k: torch.from_numpy(v) for k, v in {"xtr": xtr, "ttr": ttr, "xte": xte, "tte": tte}.items()}
    oracle = recall_at_k(torch.from_numpy(xte @ W.T), data["tte"], args.k)
    print(f"the hidden scores without noise reach a recall of {oracle:.4f}")
    heads = HEADS if args.backend == "dopt" else ("lml",)
    runs = {h: train(h, args, data, epochs, args.seed + 1) for h in heads}

    result = {
        "backend": args.backend,
        "epochs": epochs,
        "train_examples": n_train,
        "labels": args.n,
        "k": args.k,
        "oracle_recall": oracle,
        **{f"{h}_recall": r["recall"] for h, r in runs.items()},
        **{f"{h}_seconds_per_epoch": r["seconds_per_epoch"] for h, r in runs.items()},
        "curves": {h: r["curve"] for h, r in runs.items()},
    }
    common.save_figure(common.plot_path(args, "topk_lml"), lambda fig: draw(fig, runs, args.k, oracle), (9, 3.4))
    return common.report(args, result)


def draw(fig: Any, runs: dict[str, Any], k: int, oracle: float) -> None:
    ax = fig.add_subplot(1, 2, 1)
    for h, r in runs.items():
        ax.plot([c["epoch"] for c in r["curve"]], [c["recall"] for c in r["curve"]], label=h)
    ax.axhline(oracle, color="0.5", ls="--", lw=1, label="noise-free scores")
    ax.set(xlabel="epoch", ylabel=f"held-out top-{k} recall", title="Top-k recall while training")
    ax.legend(fontsize=8)
    ax = fig.add_subplot(1, 2, 2)
    names = list(runs)
    ax.bar(names, [runs[h]["recall"] for h in names], color=["C0", "C1", "C2"][: len(names)])
    lo = min(runs[h]["recall"] for h in names)
    ax.set(ylim=(max(0.0, lo - 0.05), 1.0), ylabel=f"top-{k} recall", title="After training")
    for i, h in enumerate(names):
        ax.text(i, runs[h]["recall"], f"{runs[h]['recall']:.3f}", ha="center", va="bottom")


if __name__ == "__main__":
    main()

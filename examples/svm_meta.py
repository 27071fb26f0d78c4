"""SVM meta-learning (MetaOptNet): few-shot classification with a differentiable SVM head.

Few-shot tasks: 5 classes, 1 or 5 labelled examples each (the support set), 15 queries
each. Classes are synthetic: each has a prototype in an 8-dimensional subspace of a
32-dimensional input space, and the examples carry large nuisance noise in the other
directions, so a good embedding must learn which directions matter. An embedding network
(a linear map to 16 dimensions with a ReLU layer before it) is meta-trained through a
head that is fit anew on every task's support set:

* SVM head (`std:svm_head`): the multi-class (Crammer–Singer) SVM of MetaOptNet (Lee et
  al. 2019) solved as a QP per task, batched across the tasks of a step; the query logits
  are a learned scale times q·(XᵀA);
* prototype head (Prototypical Networks, Snell et al. 2017): logits −‖q − c_k‖², c_k the
  mean of class k's support embeddings.

Both are trained on 5-way 5-shot tasks from 64 training classes with the cross-entropy of
the queries, and tested on 1-shot and 5-shot tasks from 32 held-out classes.

    python examples/svm_meta.py            # full run, writes docs/img/svm_meta.png
    python examples/svm_meta.py --quick
    python examples/svm_meta.py --backend cvxpylayers   # the SVM head through cvxpylayers
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
WAYS, QUERIES, D_IN, D_SEM, D_EMB = 5, 15, 32, 8, 16
TRAIN_CLASSES, TEST_CLASSES = 64, 32


class Classes:
    """Synthetic classes: prototypes in a semantic subspace, nuisance noise elsewhere."""

    def __init__(self, rng: np.random.Generator, count: int, basis: np.ndarray, nuisance: np.ndarray) -> None:
        self.protos = rng.normal(size=(count, D_SEM)) @ basis.T
        self.basis, self.nuisance, self.count = basis, nuisance, count

    def sample(self, rng: np.random.Generator, cls: np.ndarray, per: int) -> np.ndarray:
        """(len(cls), per, D_IN) examples."""
        sem = 0.5 * rng.normal(size=(len(cls), per, D_SEM)) @ self.basis.T
        noise = 3.0 * rng.normal(size=(len(cls), per, self.nuisance.shape[1])) @ self.nuisance.T
        return self.protos[cls][:, None, :] + sem + noise


def tasks(rng: np.random.Generator, classes: Classes, count: int, shots: int) -> dict[str, torch.Tensor]:
    """`count` tasks: support (count, WAYS·shots, D_IN) ordered by class, its one-hot
    labels, queries (count, WAYS·QUERIES, D_IN) and their labels."""
    sup, qry = [], []
    for _ in range(count):
        cls = rng.choice(classes.count, WAYS, replace=False)
        x = classes.sample(rng, cls, shots + QUERIES)
        sup.append(x[:, :shots].reshape(WAYS * shots, D_IN))
        qry.append(x[:, shots:].reshape(WAYS * QUERIES, D_IN))
    ys = np.repeat(np.arange(WAYS), shots)
    yq = np.repeat(np.arange(WAYS), QUERIES)
    return {
        "support": torch.from_numpy(np.stack(sup)),
        "Y": torch.from_numpy(np.eye(WAYS)[ys]).expand(count, -1, -1).contiguous(),
        "query": torch.from_numpy(np.stack(qry)),
        "labels": torch.from_numpy(yq).expand(count, -1),
    }


def svm_layer(shots: int, backend: str) -> Any:
    n = WAYS * shots
    if backend == "dopt":
        import dopt.torch

        layer = dopt.torch.Layer("std:svm_head", dims={"N": n, "d": D_EMB, "K": WAYS}, on_failure="status")
        return lambda X, Y: layer(X, Y)[0]
    import cvxpy as cp

    layers = common.require_cvxpylayers()
    X, Y = cp.Parameter((n, D_EMB)), cp.Parameter((n, WAYS))
    A = cp.Variable((n, WAYS))
    prob = cp.Problem(
        cp.Minimize(0.5 * cp.sum_squares(X.T @ A) - cp.sum(cp.multiply(Y, A))),
        [A <= 0.1 * Y, cp.sum(A, axis=1) == 0],
    )
    layer = layers.CvxpyLayer(prob, parameters=[X, Y], variables=[A])
    return lambda X_, Y_: layer(X_, Y_)[0]


class FewShot(torch.nn.Module):
    def __init__(self, head: str, backend: str) -> None:
        super().__init__()
        self.embed = torch.nn.Sequential(
            torch.nn.Linear(D_IN, 64, dtype=F64), torch.nn.ReLU(), torch.nn.Linear(64, D_EMB, dtype=F64)
        )
        self.head = head
        self.log_scale = torch.nn.Parameter(torch.tensor(np.log(10.0), dtype=F64))
        self.svm = {s: svm_layer(s, backend) for s in (1, 5)} if head == "svm" else {}

    def forward(self, task: dict[str, torch.Tensor], shots: int) -> torch.Tensor:
        """Query logits (count, WAYS·QUERIES, WAYS)."""
        s, q = self.embed(task["support"]), self.embed(task["query"])
        if self.head == "svm":
            A = self.svm[shots](s, task["Y"])
            W = s.transpose(1, 2) @ A  # (count, D_EMB, WAYS)
            return self.log_scale.exp() * (q @ W)
        protos = s.reshape(s.shape[0], WAYS, shots, D_EMB).mean(dim=2)
        return -((q[:, :, None, :] - protos[:, None, :, :]) ** 2).sum(dim=-1)


def accuracy(model: FewShot, task: dict[str, torch.Tensor], shots: int) -> float:
    with torch.no_grad():
        return float((model(task, shots).argmax(dim=-1) == task["labels"]).double().mean())


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = common.parser(__doc__.splitlines()[0], epochs=20, quick_epochs=4, lr=0.005, batch=8)
    ap.add_argument("--episodes", type=common.positive, default=None, help="training tasks per epoch (default 200; 100 with --quick)")
    ap.add_argument("--test", type=common.positive, default=None, help="held-out tasks per setting (default 500; 200 with --quick)")
    args, rng, epochs = common.start(ap, argv)
    episodes = args.episodes or (100 if args.quick else 200)
    n_test = args.test or (200 if args.quick else 500)

    q, _ = np.linalg.qr(rng.normal(size=(D_IN, D_IN)))
    basis, nuisance = q[:, :D_SEM], q[:, D_SEM:]
    train_classes = Classes(rng, TRAIN_CLASSES, basis, nuisance)
    test_classes = Classes(rng, TEST_CLASSES, basis, nuisance)
    test = {s: tasks(rng, test_classes, n_test, s) for s in (1, 5)}
    heads = ("svm", "prototype")
    runs: dict[str, Any] = {}
    for head in heads:
        torch.manual_seed(args.seed)
        hrng = np.random.default_rng(args.seed + 1)
        model = FewShot(head, args.backend)
        opt = torch.optim.Adam(model.parameters(), lr=args.lr)
        timer = common.Timer()
        curve = [{"epoch": 0, **{f"acc_{s}shot": accuracy(model, test[s], s) for s in (1, 5)}}]
        for epoch in range(1, epochs + 1):
            with timer:
                for _ in range(0, episodes, args.batch):
                    task = tasks(hrng, train_classes, args.batch, 5)
                    logits = model(task, 5)
                    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, WAYS), task["labels"].reshape(-1))
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
            curve.append({"epoch": epoch, **{f"acc_{s}shot": accuracy(model, test[s], s) for s in (1, 5)}})
        last = curve[-1]
        print(f"{head}: held-out accuracy 1-shot {last['acc_1shot']:.4f}, 5-shot {last['acc_5shot']:.4f} "
              f"({timer.per_epoch():.2f} s/epoch)")  # fmt: skip
        runs[head] = {"curve": curve, "seconds_per_epoch": timer.per_epoch(), **{k: v for k, v in last.items() if k != "epoch"}}

    result = {
        "backend": args.backend,
        "epochs": epochs,
        "episodes_per_epoch": episodes,
        "test_tasks": n_test,
        **{f"{h}_{k}": runs[h][k] for h in heads for k in ("acc_1shot", "acc_5shot", "seconds_per_epoch")},
        "before_acc_5shot": runs["svm"]["curve"][0]["acc_5shot"],
        "curves": {h: runs[h]["curve"] for h in heads},
    }
    common.save_figure(common.plot_path(args, "svm_meta"), lambda fig: draw(fig, runs), (9, 3.4))
    return common.report(args, result)


def draw(fig: Any, runs: dict[str, Any]) -> None:
    for j, s in enumerate((1, 5)):
        ax = fig.add_subplot(1, 2, j + 1)
        for h, r in runs.items():
            ax.plot([c["epoch"] for c in r["curve"]], [c[f"acc_{s}shot"] for c in r["curve"]], "o-", ms=3, label=h)
        ax.axhline(1 / WAYS, color="0.5", ls=":", lw=1, label="chance")
        ax.set(xlabel="epoch", ylabel="held-out accuracy", title=f"5-way {s}-shot", ylim=(0, 1))
        ax.legend(fontsize=8)


if __name__ == "__main__":
    main()

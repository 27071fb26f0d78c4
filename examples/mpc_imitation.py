"""Differentiable MPC, imitation learning: learn the dynamics (or the cost) of a
box-constrained MPC controller from an expert's trajectories.

The expert is an MPC controller (`std:mpc_box`: finite-horizon LQR with inputs in
[−umax, umax]) that knows the true linear system x' = A x + B u (4 states, 2 inputs,
horizon 10) and its diagonal costs. The learner is the same MPC layer with unknown A and B:
it sees the expert's planned inputs and states from random initial states and learns A
and B by differentiating its own plan (the MPC QP's solution) with respect to them —
the imitation experiment of differentiable MPC (Amos, Rodriguez, Sacks, Boots & Kolter
2018, §5.1), which avoids the objective mismatch of fitting the dynamics alone. A second
run (`--learn cost`) keeps the true dynamics and learns the state costs q instead.

    python examples/mpc_imitation.py                  # learn A and B; writes docs/img/mpc_imitation.png
    python examples/mpc_imitation.py --learn cost     # learn the diagonal state cost
    python examples/mpc_imitation.py --quick
    python examples/mpc_imitation.py --backend cvxpylayers

Training is full-batch L-BFGS (an "epoch" here is one L-BFGS step of at most 20 loss
evaluations): with exact gradients of the plan, a quasi-Newton method converges in a few
steps. Metrics: the imitation loss (mean squared difference of the planned inputs and states)
at the start and the end, and on held-out initial states the relative error of the
learned controller's inputs, ‖u − u_expert‖ / ‖u_expert‖.
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
NX, NU, T = 4, 2, 10
TRUE_A = np.array([[1.0, 0.1, 0.0, 0.0], [0.0, 1.0, 0.1, 0.0], [0.0, 0.0, 1.0, 0.1], [0.05, 0.0, -0.1, 0.95]])
TRUE_B = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.05], [0.1, 0.1]])
TRUE_Q = np.array([1.0, 0.5, 2.0, 1.0])
TRUE_R = np.array([0.1, 0.3])
UMAX = 1.0


def mpc_layer(backend: str) -> Any:
    if backend == "dopt":
        import dopt.torch

        return dopt.torch.Layer(
            "std:mpc_box",
            dims={"nx": NX, "nu": NU, "T": T},
            parameters=["A", "B", "x0", "q", "r", "umax"],
            outputs=["u", "x"],
            on_failure="status",
        )
    import cvxpy as cp

    layers = common.require_cvxpylayers()
    A, B, x0 = cp.Parameter((NX, NX)), cp.Parameter((NX, NU)), cp.Parameter(NX)
    q, r, umax = cp.Parameter(NX, nonneg=True), cp.Parameter(NU, nonneg=True), cp.Parameter(nonneg=True)
    x, u = cp.Variable((NX, T + 1)), cp.Variable((NU, T))
    cons = [x[:, 0] == x0, -umax <= u, u <= umax]
    cons += [x[:, t + 1] == A @ x[:, t] + B @ u[:, t] for t in range(T)]
    prob = cp.Problem(cp.Minimize(cp.sum(q @ cp.square(x)) + cp.sum(r @ cp.square(u))), cons)
    return layers.CvxpyLayer(prob, parameters=[A, B, x0, q, r, umax], variables=[u, x])


class Controller(torch.nn.Module):
    """The MPC layer with learned dynamics (learn="dynamics") or learned state costs."""

    def __init__(self, learn: str, backend: str, rng: np.random.Generator) -> None:
        super().__init__()
        self.learn = learn
        self.layer = mpc_layer(backend)
        if learn == "dynamics":
            # a rough first guess: the identity plus noise, and a small random B
            self.A = torch.nn.Parameter(torch.from_numpy(np.eye(NX) + 0.1 * rng.normal(size=(NX, NX))))
            self.B = torch.nn.Parameter(torch.from_numpy(0.1 * rng.normal(size=(NX, NU))))
            self.register_buffer("log_q", torch.from_numpy(np.log(TRUE_Q)))
        else:
            self.register_buffer("A", torch.from_numpy(TRUE_A.copy()))
            self.register_buffer("B", torch.from_numpy(TRUE_B.copy()))
            self.log_q = torch.nn.Parameter(torch.zeros(NX, dtype=F64))  # q = 1 at the start
        self.register_buffer("r", torch.from_numpy(TRUE_R.copy()))
        self.register_buffer("umax", torch.tensor(UMAX, dtype=F64))

    def forward(self, x0: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        u, x = self.layer(self.A, self.B, x0, self.log_q.exp(), self.r, self.umax)
        return u, x

    def model_error(self) -> float:
        if self.learn == "dynamics":
            err = np.linalg.norm(self.A.detach().numpy() - TRUE_A) + np.linalg.norm(self.B.detach().numpy() - TRUE_B)
            return float(err / (np.linalg.norm(TRUE_A) + np.linalg.norm(TRUE_B)))
        return float(np.linalg.norm(self.log_q.detach().exp().numpy() - TRUE_Q) / np.linalg.norm(TRUE_Q))


def expert_plans(x0: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    import dopt

    layer = dopt.compile("std:mpc_box", dims={"nx": NX, "nu": NU, "T": T})
    sol = layer.forward({"A": TRUE_A, "B": TRUE_B, "x0": x0, "q": TRUE_Q, "r": TRUE_R, "umax": UMAX})
    assert all(s == "optimal" for s in sol.status)
    return torch.from_numpy(sol["u"]), torch.from_numpy(sol["x"])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = common.parser(__doc__.splitlines()[0], epochs=6, quick_epochs=2)
    ap.add_argument("--learn", choices=("dynamics", "cost"), default="dynamics")
    ap.add_argument("--train", type=common.positive, default=64, help="expert trajectories")
    ap.add_argument("--test", type=common.positive, default=100, help="held-out initial states")
    ap.add_argument("--scale", type=common.positive_real, default=1.0, help="spread of the initial states")
    args, rng, epochs = common.start(ap, argv)

    # initial states large enough that the input bounds are active in many plans
    x0_train = rng.normal(scale=args.scale, size=(args.train, NX))
    x0_test = rng.normal(scale=args.scale, size=(args.test, NX))
    u_train, x_train = expert_plans(x0_train)
    u_test, _ = expert_plans(x0_test)
    saturated = float((u_train.abs() > UMAX - 1e-6).double().mean())
    X0 = torch.from_numpy(x0_train)

    model = Controller(args.learn, args.backend, rng)
    # L-BFGS on the whole training set: with exact gradients of the MPC solution, a
    # quasi-Newton method converges in a few steps where Adam needs thousands
    opt = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=20, history_size=20, line_search_fn="strong_wolfe")
    timer = common.Timer()

    def imitation_loss(u: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return ((u - u_train) ** 2).mean() + ((x - x_train) ** 2).mean()

    def held_out_error() -> float:
        with torch.no_grad():
            u, _ = model(torch.from_numpy(x0_test))
        return float(torch.linalg.norm(u - u_test) / torch.linalg.norm(u_test))

    # one point per evaluation of the loss (an L-BFGS step evaluates it several times)
    curve: list[dict[str, float]] = []

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = imitation_loss(*model(X0))
        loss.backward()
        curve.append({"evaluation": len(curve), "loss": float(loss.detach()), "model_error": model.model_error()})
        return loss

    with torch.no_grad():
        loss0 = float(imitation_loss(*model(X0)))
    held0 = held_out_error()
    err0 = model.model_error()
    print(f"step 0: imitation loss {loss0:.3e}, model error {err0:.3f}, held-out input error {held0:.2e}")
    steps = []
    for epoch in range(1, epochs + 1):
        with timer:
            opt.step(closure)
        with torch.no_grad():
            full = float(imitation_loss(*model(X0)))
        steps.append({"step": epoch, "loss": full, "held_out": held_out_error(), "evaluations": len(curve)})
        print(
            f"step {epoch}: imitation loss {full:.3e}, model error {model.model_error():.2e}, "
            f"held-out input error {steps[-1]['held_out']:.2e} ({len(curve)} evaluations, {timer.epochs[-1]:.2f} s)"
        )

    result = {
        "backend": args.backend,
        "learn": args.learn,
        "epochs": epochs,
        "saturated_inputs": saturated,
        "loss_before": loss0,
        "loss": steps[-1]["loss"],
        "loss_reduction": loss0 / steps[-1]["loss"],
        "model_error_before": err0,
        "model_error": model.model_error(),
        "held_out_input_error_before": held0,
        "held_out_input_error": steps[-1]["held_out"],
        "loss_evaluations": len(curve),
        "seconds_per_epoch": timer.per_epoch(),
        "seconds_per_evaluation": sum(timer.epochs) / max(1, len(curve)),
        "curve": curve,
        "steps": steps,
    }
    name = "mpc_imitation" if args.learn == "dynamics" else "mpc_imitation_cost"
    common.save_figure(common.plot_path(args, name), lambda fig: draw(fig, curve, steps, held0, args.learn), (10, 3.4))
    return common.report(args, result)


def draw(fig: Any, curve: list[dict[str, float]], steps: list[dict[str, float]], held0: float, learn: str) -> None:
    ev = [c["evaluation"] for c in curve]
    ax = fig.add_subplot(1, 2, 1)
    ax.semilogy(ev, [c["loss"] for c in curve], label="imitation loss (training)")
    ax.semilogy([0] + [s["evaluations"] for s in steps], [held0] + [s["held_out"] for s in steps], "o-",
                label="input error, held-out states")  # fmt: skip
    ax.axhline(0.01, color="0.5", ls=":", lw=1, label="1 %")
    ax.set(xlabel="loss evaluations (L-BFGS)", title="Imitation")
    ax.legend(fontsize=8)
    ax = fig.add_subplot(1, 2, 2)
    ax.semilogy(ev, [c["model_error"] for c in curve], color="C3")
    what = "‖[A B] − [A* B*]‖ / ‖[A* B*]‖" if learn == "dynamics" else "‖q − q*‖ / ‖q*‖"
    ax.set(xlabel="loss evaluations (L-BFGS)", ylabel=what, title="Model error")


if __name__ == "__main__":
    main()

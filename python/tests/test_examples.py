"""The training examples under examples/ in their --quick mode: each must learn (a
threshold well above where it starts, below what its full run reaches), write its figure,
and report its time per epoch. Plus the failure policy in a training loop: a batch with
an infeasible member still trains the others."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import dopt.torch

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _script(name: str):
    sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _run(name: str, tmp_path: Path, *extra: str) -> dict:
    pytest.importorskip("matplotlib")
    png, js = tmp_path / f"{name}.png", tmp_path / f"{name}.json"
    result = _script(name).main(["--quick", "--plot", str(png), "--json", str(js), *extra])
    assert png.stat().st_size > 10_000  # a real figure was drawn
    assert json.loads(js.read_text())["backend"] == "dopt"
    assert all(math.isfinite(result[k]) and result[k] > 0 for k in result if k.endswith("seconds_per_epoch"))
    return result


def test_sudoku_learns_the_rules(tmp_path):
    r = _run("sudoku", tmp_path)
    assert r["solved_before"] == 0.0
    # the full run reaches 99.5 %; six quick epochs on 600 puzzles reach about 36 %
    assert r["solved"] >= 0.20
    losses = [c["loss"] for c in r["curve"]]
    assert losses[-1] < 0.6 * losses[0]


def test_sudoku_true_rules_solve_every_puzzle():
    """The layer with the rules of Sudoku as A (rank 40 of 64 rows) solves the generated
    puzzles exactly: the model's target is reachable."""
    sud = _script("sudoku")
    rng = np.random.default_rng(3)
    boards = sud.all_boards()
    assert len(boards) == 288
    x, y = sud.make_puzzles(rng, boards, 60)
    A = sud.rules()
    assert np.linalg.matrix_rank(A) == 40
    layer = dopt.torch.Layer(EXAMPLES / "sudoku.dopt", dims={"m": 64}, parameters=["p", "A", "b"])
    (z,) = layer(torch.from_numpy(x), torch.from_numpy(A), torch.from_numpy(A @ np.full(64, 0.25)))
    assert bool(sud.solved(z, torch.from_numpy(y)).all())


def test_hidden_constraint_recovers_the_polytope(tmp_path):
    r = _run("hidden_constraint", tmp_path)
    assert r["vertex_error_before"] > 0.3
    assert r["vertex_error"] < 0.02  # the target: vertices within 2 %


def test_lml_beats_softmax_and_sparsemax(tmp_path):
    r = _run("topk_lml", tmp_path)
    random_recall = r["k"] / r["labels"]
    assert r["lml_recall"] > 3 * random_recall
    assert r["lml_recall"] >= r["softmax_recall"]
    assert r["lml_recall"] >= r["sparsemax_recall"]
    assert r["lml_recall"] <= r["oracle_recall"] + 0.02


def test_sorting_learns_to_rank(tmp_path):
    r = _run("sorting", tmp_path)
    assert r["spearman_before"] < 0.2
    assert r["spearman"] > 0.9


def test_a_batch_with_an_infeasible_member_still_trains_the_others():
    """projection.dopt with per-member offsets on h: member 2's polytope is empty. Under
    on_failure="status" the batch returns, member 2 is reported infeasible with a zero
    gradient, and the shared parameters get exactly the gradient of the other members."""
    k = 8
    a = 2 * np.pi * (np.arange(k) + 0.5) / k
    G0 = np.stack([np.cos(a), np.sin(a)], axis=1)
    layer = dopt.torch.Layer(EXAMPLES / "projection.dopt", dims={"k": k}, parameters=["x", "G", "h"], on_failure="status")
    x = torch.tensor([[2.0, 0.3], [-1.5, 1.0], [0.5, 0.5], [0.2, -2.0]], dtype=torch.float64)
    target = torch.tensor([[0.8, 0.1], [-0.6, 0.5], [0.3, 0.3], [0.1, -0.9]], dtype=torch.float64)
    shift = torch.tensor([0.0, 0.0, -5.0, 0.0], dtype=torch.float64)  # member 2: G y <= h - 5, empty

    def loss_of(G, h, members):
        H = (h[None, :] + shift[members, None]).contiguous()
        (y,) = layer(x[members], G.expand(len(members), k, 2).contiguous(), H)
        ok = torch.tensor([s == "optimal" for s in layer.last_status])
        err = torch.where(ok[:, None], y, target[members]) - target[members]
        return (err**2).sum(), ok

    G = torch.tensor(G0, requires_grad=True)
    h = torch.full((k,), 0.5, dtype=torch.float64, requires_grad=True)
    loss, ok = loss_of(G, h, [0, 1, 2, 3])
    assert layer.last_status == ["optimal", "optimal", "infeasible", "optimal"]
    loss.backward()
    assert torch.isfinite(G.grad).all() and torch.isfinite(h.grad).all()
    assert float(h.grad.abs().sum()) > 0

    G2 = torch.tensor(G0, requires_grad=True)
    h2 = torch.full((k,), 0.5, dtype=torch.float64, requires_grad=True)
    loss2, _ = loss_of(G2, h2, [0, 1, 3])
    loss2.backward()
    assert float(loss) == pytest.approx(float(loss2), rel=1e-9)
    np.testing.assert_allclose(G.grad.numpy(), G2.grad.numpy(), atol=1e-8)
    np.testing.assert_allclose(h.grad.numpy(), h2.grad.numpy(), atol=1e-8)

    # and a step on that gradient lowers the good members' loss
    with torch.no_grad():
        h -= 0.05 * h.grad
        G -= 0.05 * G.grad
    after, _ = loss_of(G.detach(), h.detach(), [0, 1, 3])
    assert float(after) < float(loss2)


# --------------------------------------------------------------------------------------
# The applications, part 2 (issue 14)
# --------------------------------------------------------------------------------------


def test_mpc_imitation_learns_the_dynamics(tmp_path):
    r = _run("mpc_imitation", tmp_path)
    assert r["saturated_inputs"] > 0.2  # the box constraints matter in the expert's plans
    assert r["loss_reduction"] >= 100  # the target
    assert r["held_out_input_error"] < 0.01  # within 1 % of the expert on new states
    assert r["model_error"] < 0.1 * r["model_error_before"]


def test_mpc_imitation_learns_the_cost(tmp_path):
    r = _run("mpc_imitation", tmp_path, "--learn", "cost")
    assert r["loss_reduction"] >= 100
    assert r["held_out_input_error"] < 0.01
    assert r["model_error"] < 0.01  # the diagonal state cost itself is recovered


def test_matrix_game_payoffs_are_learned_from_equilibria(tmp_path):
    r = _run("matrix_game", tmp_path)
    assert r["game"] == "lp"
    assert r["support_2"] > 0.2 and r["support_3"] > 0.3  # mixed equilibria of both sizes
    assert r["tv_mean_before"] > 0.3
    assert r["tv_95"] < 0.01  # the target: held-out equilibria within 0.01 in TV
    assert r["tv_95"] < r["tv_95_warm"]  # the LP layer's own phase improves on the warm-up


def test_svm_meta_learning_trains_both_heads(tmp_path):
    r = _run("svm_meta", tmp_path)
    assert r["before_acc_5shot"] < 0.35  # chance is 0.2
    for head in ("svm", "prototype"):
        assert r[f"{head}_acc_5shot"] > 0.7
        assert r[f"{head}_acc_1shot"] > 0.5
        assert r[f"{head}_acc_5shot"] > r[f"{head}_acc_1shot"]


def test_dcem_learns_an_energy_whose_minimizer_regresses(tmp_path):
    r = _run("dcem", tmp_path)
    # three quick epochs take DCEM's test error from about 24 to about 6
    assert r["dcem_test_loss"] < 0.4 * r["dcem_test_loss_before"]
    assert r["unrolled_test_loss"] < 6.0


def test_counts_seeds_and_rates_on_the_command_line():
    common = _script("common")
    p = common.parser("test", epochs=3, quick_epochs=1)
    assert p.parse_args(["--seed", "0", "--epochs", "2"]).seed == 0
    assert p.parse_args(["--seed", "7"]).seed == 7
    p = common.parser("test", epochs=3, quick_epochs=1, lr=0.1)
    assert p.parse_args(["--lr", "0.5"]).lr == 0.5
    for bad in (["--epochs", "0"], ["--seed", "-1"], ["--epochs", "two"], ["--lr", "-1"], ["--lr", "nan"], ["--lr", "0"]):
        with pytest.raises(SystemExit):
            p.parse_args(bad)

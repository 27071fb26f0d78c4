"""The Python code of README.md ("From Python") and of docs/python.md runs as written, and
gives the numbers the text states (closed forms: the sparsemax of (0.8, 0.1, 0.5, -0.3), the
projection of (3, 0, 4) onto the unit ball, its multiplier and derivatives)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```$", text, re.S | re.M)


def _section(text: str, title: str) -> str:
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def test_readme_install_command_is_the_checkout_install():
    sec = _section((ROOT / "README.md").read_text(), "From Python")
    assert [b.strip() for b in _blocks(sec, "sh")] == ["pip install ./python"]
    assert (ROOT / "python" / "pyproject.toml").is_file()


def test_readme_training_example_runs_and_learns(capsys):
    pytest.importorskip("torch")
    sec = _section((ROOT / "README.md").read_text(), "From Python")
    (code,) = _blocks(sec, "python")
    ns: dict = {"__name__": "__readme__"}
    exec(compile(code, "README.md (From Python)", "exec"), ns)
    out = capsys.readouterr().out
    assert re.fullmatch(r"loss \d\.\d{3}, accuracy \d\.\d{2}\n", out), out
    # 4 classes: chance is 0.25 and the squared loss of a uniform guess is 0.75
    assert ns["accuracy"] >= 0.9
    assert 0.0 <= ns["loss"].item() < 0.15
    p = ns["p"].detach().numpy()
    assert p.shape == (256, 4) and np.allclose(p.sum(axis=1), 1.0, atol=1e-6) and p.min() >= -1e-6


def test_python_doc_blocks_run_and_give_the_stated_numbers():
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    text = (ROOT / "docs" / "python.md").read_text()
    blocks = _blocks(text, "python")
    assert len(blocks) >= 10
    ns: dict = {"__name__": "__main__"}
    for i, code in enumerate(blocks):
        exec(compile(code, f"docs/python.md, python block {i + 1}", "exec"), ns)
    # the unit-ball projection of c = (3, 0, 4): y = c/5, objective (5-1)^2, multiplier 2(5-1)
    sol = ns["sol"]
    assert np.allclose(sol["y"], [0.6, 0.0, 0.8], atol=1e-6)
    assert sol.objective == pytest.approx(16.0, abs=1e-5)
    assert float(sol["dual:ball"]) == pytest.approx(8.0, abs=1e-4)
    # d(objective)/dr = -2(|c| - r); dy0/dc = r (e0 - y0 c/|c|)/|c|, dy0/dr = c0/|c|
    assert float(ns["g_obj"]["r"]) == pytest.approx(-8.0, abs=1e-4)
    assert np.allclose(ns["g_y"]["c"], [0.128, 0.0, -0.096], atol=1e-5)
    assert float(ns["g_y"]["r"]) == pytest.approx(0.6, abs=1e-5)
    # along dr = 1: dy = c/|c|, d(multiplier) = -2
    assert np.allclose(ns["dvars"]["y"], [0.6, 0.0, 0.8], atol=1e-5)
    assert float(ns["dduals"]["ball"]) == pytest.approx(-2.0, abs=1e-4)
    # the batch: member 1 lies inside the ball (y = c, objective 0, no dependence on r);
    # member 2 is c = (0, 2, 0): objective (2-1)^2, d/dr = -2
    assert ns["batch"].status == ["optimal"] * 3
    assert np.allclose(ns["batch"]["y"][1], [0.3, 0.0, 0.4], atol=1e-6)
    assert np.allclose(ns["g_batch"]["r"], [-8.0, 0.0, -2.0], atol=1e-4)
    assert ns["res"].status == ["optimal", "infeasible"]
    assert ns["tight"].raw_sizes == ns["ball"].raw_sizes
    # torch: sparsemax(0.8, 0.1, 0.5, -0.3) = (0.65, 0, 0.35, 0), d y0 / dx = (1/2, 0, -1/2, 0)
    assert np.allclose(ns["yt"].detach().numpy(), [0.65, 0.0, 0.35, 0.0], atol=1e-6)
    assert np.allclose(ns["xt"].grad.numpy(), [0.5, 0.0, -0.5, 0.0], atol=1e-6)
    assert ns["lam"].item() == pytest.approx(8.0, abs=1e-4)
    assert ns["r"].grad.item() == pytest.approx(-2.0, abs=1e-4)
    assert tuple(ns["Yb"].shape) == (64, 4) and tuple(ns["Xb"].grad.shape) == (64, 4)
    assert np.allclose(ns["Yb"].detach().numpy().sum(axis=1), 1.0, atol=1e-6)
    assert str(ns["y32"].dtype) == "torch.float32"
    assert ns["safe"].last_status == ["optimal", "infeasible"]
    # jax: the same values and gradient; a jit-compiled vmap gives points of the simplex
    assert np.allclose(np.asarray(ns["yj"]), [0.65, 0.0, 0.35, 0.0], atol=1e-6)
    assert np.allclose(np.asarray(ns["gj"]), [0.5, 0.0, -0.5, 0.0], atol=1e-6)
    assert np.allclose(np.asarray(ns["Y"]).sum(axis=1), 1.0, atol=1e-6)
    # jax, on_failure="status": the infeasible member's code is 1 and its gradient zero
    assert np.asarray(ns["codes"]).tolist() == [0, 1]
    assert np.allclose(np.asarray(ns["g_lo"]), [1.0, 0.0], atol=1e-6)
    # threads and a spawned pool
    assert [s.status for s in ns["sols"]] == ["optimal"] * 3
    assert [y.numpy().round(6).tolist() for (y,) in ns["outs"]] == [[0.65, 0.0, 0.35, 0.0], [1.0, 0.0, 0.0, 0.0]]

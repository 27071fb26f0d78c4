"""`python -m dopt.bench` in a tiny run: the table's structure and its numbers (no timing
assertions: the machine decides those), the --write markers, and the cvxpy formulations of
the six problems against dopt's solutions when cvxpylayers is installed."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("torch")

from dopt import _native, bench  # noqa: E402


def _cells(line: str) -> list[str]:
    assert line.startswith("|") and line.endswith("|"), line
    return [c.strip() for c in line[1:-1].split("|")]


def test_quick_run_prints_a_table_of_positive_finite_numbers(capsys):
    text = bench.main(["--quick", "--only", "sparsemax", "--reps", "3", "--batch-reps", "1",
                       "--batch", "8", "--no-cvxpylayers"])
    assert capsys.readouterr().out == text
    lines = text.splitlines()
    header, rule, row = lines[0], lines[1], lines[2]
    names = _cells(header)
    assert names[0] == "problem"
    assert "torch / Rust b1" in names and "torch / Rust b8" in names
    assert "torch b8 speed-up" in names and "cvxpylayers b8" in names
    assert len(_cells(rule)) == len(names) == 16
    assert "torch VJP / Rust b1" in names and "no-op floor b1" in names
    assert "bare Function / Rust b1" in names
    assert "numpy / Rust b1" in names
    cells = dict(zip(names, _cells(row)))
    assert cells["problem"] == "sparsemax n=100"
    assert lines[3] == ""  # one row only: --only picked one problem
    numeric = {k: v for k, v in cells.items() if k != "problem" and not k.startswith("cvxpylayers")}
    for k, v in numeric.items():
        x = float(v)
        assert math.isfinite(x) and x > 0, (k, v)
    # cvxpylayers was left out: its cells are dashes, not numbers
    assert cells["cvxpylayers b1"] == cells["cvxpylayers b8"] == "–"
    # the ratios are the ratios of the printed times (to the rounding of the times)
    r1 = float(cells["torch step b1"]) / float(cells["Rust step b1"])
    assert float(cells["torch / Rust b1"]) == pytest.approx(r1, rel=0.02, abs=2e-3)
    # (Rust + no-op layer) / Rust: a ratio above 1 by construction; how far above is a
    # timing, which the benchmark reports and no test asserts
    assert float(cells["no-op floor b1"]) > 1.0
    assert float(cells["bare Function / Rust b1"]) > 1.0
    sp = float(cells["torch 8 serial"]) / float(cells["torch step b8"])
    assert float(cells["torch b8 speed-up"]) == pytest.approx(sp, rel=0.06)


def test_run_measures_the_same_members_and_counts_failures():
    rows = bench.run(only="lasso", reps=2, batch=4, batch_reps=1, cvxpylayers=False)
    assert [r["name"] for r in rows] == ["lasso 100x50"]
    r = rows[0]
    assert r["not_optimal"] == 0
    for k in ("rust_b1", "torch_b1", "vjp_b1", "noop_b1", "bare_b1", "rust_b", "torch_b", "torch_serial"):
        assert math.isfinite(r[k]) and r[k] > 0, k
    assert r["cvx_b1"] is None and r["cvx_b"] is None


def test_unknown_problem_name_lists_the_problems():
    with pytest.raises(SystemExit, match="sparsemax n=100"):
        bench.run(only="no such problem", reps=1, batch_reps=1, cvxpylayers=False)


def test_write_replaces_only_the_text_between_the_markers(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text(f"# Performance\n\nbefore\n\n{bench.BEGIN}\n\nold table\n\n{bench.END}\n\nafter\n")
    bench.write_doc("| new | table |\n", doc)
    assert doc.read_text() == f"# Performance\n\nbefore\n\n{bench.BEGIN}\n\n| new | table |\n\n{bench.END}\n\nafter\n"
    bare = tmp_path / "bare.md"
    bare.write_text("no markers\n")
    with pytest.raises(SystemExit, match="markers"):
        bench.write_doc("x", bare)
    with pytest.raises(SystemExit, match="--doc"):
        bench.write_doc("x", tmp_path / "missing.md")


def test_the_repository_performance_doc_has_the_markers():
    text = bench._default_doc().read_text()
    assert text.count(bench.BEGIN) == 1 and text.count(bench.END) == 1
    assert text.index(bench.BEGIN) < text.index(bench.END)


def test_benchmark_members_are_the_rust_values():
    # member i of sparsemax: x uniform in [-2, 2), distinct per member, the same on each call
    p1, d1 = _native.bench_member(0, 1)
    p2, _ = _native.bench_member(0, 2)
    assert p1["x"].shape == (100,) and d1["y"].shape == (100,)
    assert abs(p1["x"]).max() <= 2.0 and (p1["x"] != p2["x"]).any()
    assert (_native.bench_member(0, 1)[0]["x"] == p1["x"]).all()


@pytest.mark.parametrize("index", range(6))
def test_cvxpy_formulations_find_dopts_solution(index):
    pytest.importorskip("cvxpylayers.torch")
    case = bench._Case(index, _native.bench_cases()[index])
    side = bench._CvxpySide(case, bench._TorchSide(case))
    assert side.check() <= bench.CHECK_TOL

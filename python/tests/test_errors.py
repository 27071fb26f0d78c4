"""Every bad input of the Python API ends in a clear exception of the dopt.DoptError
hierarchy that names the parameter (or the construct), never a crash or a silent NaN;
compile errors carry their code and location; a Rust panic becomes dopt.InternalError."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import dopt

DATA = Path(__file__).resolve().parent / "data"

# y = projection of x onto the ball of radius r (x[4], r nonneg; dual `ball`)
BALL = DATA / "l2ball_projection.dopt"
X4 = np.array([1.0, -2.0, 2.0, 0.5])


@pytest.fixture(scope="module")
def ball():
    return dopt.compile(BALL)


@pytest.fixture(scope="module")
def ridge():
    return dopt.compile(DATA / "ridge.dopt")  # A[6, 4], b[6], lam nonneg


def assert_param_error(ei, *needles, code="E0702"):
    e = ei.value
    assert isinstance(e, dopt.ParameterError)
    assert isinstance(e, dopt.DoptError) and isinstance(e, ValueError)
    msg = str(e)
    assert msg == e.message
    for n in needles:
        assert n in msg, f"{n!r} not in the message:\n{msg}"
    if code is not None:
        assert e.code == code, msg
    # every error carries its diagnostics, also those without a source location
    assert isinstance(e.diagnostics, list) and len(e.diagnostics) >= 1, f"no diagnostics on:\n{msg}"
    assert e.diagnostics[0]["code"] == e.code
    return msg


# --------------------------------------------------------------------------------------
# Parameter values
# --------------------------------------------------------------------------------------


def test_wrong_shape(ball, ridge):
    with pytest.raises(dopt.ParameterError) as ei:
        ball.forward(x=np.zeros(3), r=1.0)
    assert_param_error(ei, "`x`", "3", "4")
    with pytest.raises(dopt.ParameterError) as ei:
        ridge.forward(A=np.zeros((4, 6)), b=np.zeros(6), lam=1.0)
    assert_param_error(ei, "`A`")
    with pytest.raises(dopt.ParameterError) as ei:
        ball.forward(x=X4, r=np.zeros((2, 2)))  # neither a scalar nor a batch of scalars
    assert_param_error(ei, "`r`")
    with pytest.raises(dopt.ParameterError) as ei:
        ball.forward(x=np.zeros((2, 3, 4)), r=1.0)  # too many axes
    assert_param_error(ei, "`x`")


def test_missing_parameter(ball):
    with pytest.raises(dopt.ParameterError) as ei:
        ball.forward(x=X4)
    assert_param_error(ei, "`r`")
    with pytest.raises(dopt.ParameterError) as ei:
        ball.forward()
    assert_param_error(ei)


def test_unknown_parameter_with_hint(ridge):
    with pytest.raises(dopt.ParameterError) as ei:
        ridge.forward(A=np.eye(6, 4), b=np.ones(6), lamda=1.0)
    msg = assert_param_error(ei, "`lamda`", "did you mean", "`lam`")
    assert "lamda" in msg
    with pytest.raises(dopt.ParameterError) as ei:
        ridge.forward({"A": np.eye(6, 4), "b": np.ones(6), "lam": 1.0, "zzz": 1.0})
    assert_param_error(ei, "`zzz`")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_are_rejected(ball, bad):
    x = X4.copy()
    x[2] = bad
    with pytest.raises(dopt.ParameterError) as ei:
        ball.forward(x=x, r=1.0)
    assert_param_error(ei, "`x`")
    with pytest.raises(dopt.ParameterError) as ei:
        ball.forward(x=X4, r=bad)
    assert_param_error(ei, "`r`")


def test_complex_and_object_arrays_are_rejected(ball):
    with pytest.raises(dopt.ParameterError) as ei:
        ball.forward(x=X4.astype(complex), r=1.0)
    assert_param_error(ei, "x", code=None)
    with pytest.raises(dopt.ParameterError) as ei:
        ball.forward(x=X4, r=1.0 + 0.5j)
    assert_param_error(ei, "r", code=None)
    with pytest.raises(dopt.ParameterError) as ei:
        ball.forward(x=np.array([1.0, 2.0, 3.0, 4.0], dtype=object), r=1.0)
    assert_param_error(ei, "x", code=None)
    with pytest.raises(dopt.ParameterError) as ei:
        ball.forward(x=np.array([1.0, "a", 3.0, 4.0], dtype=object), r=1.0)
    assert_param_error(ei, "x", code=None)
    with pytest.raises(dopt.ParameterError) as ei:
        ball.forward(x=["1", "2", "3", "4"], r=1.0)
    assert_param_error(ei, "x", code=None)


def test_batch_sizes_disagree(ball, ridge):
    with pytest.raises(dopt.ParameterError) as ei:
        ball.forward(x=np.ones((3, 4)), r=np.ones(2))
    msg = assert_param_error(ei, "x", "r", code=None)
    assert "3" in msg and "2" in msg
    with pytest.raises(dopt.ParameterError) as ei:
        ridge.forward(A=np.ones((2, 6, 4)), b=np.ones((5, 6)), lam=1.0)
    msg = assert_param_error(ei, "A", "b", code=None)
    assert "2" in msg and "5" in msg


def test_attribute_violations(ball):
    with pytest.raises(dopt.ParameterError) as ei:
        ball.forward(x=X4, r=-1.0)
    assert_param_error(ei, "`r`", "nonneg")
    corr = dopt.compile(DATA / "nearest_correlation.dopt")
    C = np.array([[1.0, 0.5, 0.0], [0.2, 1.0, 0.0], [0.0, 0.0, 1.0]])
    with pytest.raises(dopt.ParameterError) as ei:
        corr.forward(C=C)
    assert_param_error(ei, "`C`", "symmetric")
    # in a batch: the member is named too; with on_failure="status" it is an invalid member
    with pytest.raises(dopt.ParameterError) as ei:
        ball.forward(x=X4, r=np.array([1.0, -1.0]))
    assert_param_error(ei, "`r`", "nonneg", code=None)
    sol = ball.forward(x=X4, r=np.array([1.0, -1.0]), on_failure="status")
    assert list(sol.status) == ["optimal", "invalid"]
    assert "`r`" in sol.errors[1]
    assert np.all(np.isnan(sol["y"][1]))


def test_a_name_given_twice_and_params_that_are_not_a_mapping(ball):
    with pytest.raises(dopt.ParameterError) as ei:
        ball.forward({"x": X4, "r": 1.0}, r=2.0)
    assert_param_error(ei, "`r`", code=None)
    with pytest.raises((dopt.ParameterError, TypeError)):
        ball.forward([X4, 1.0])


def test_a_solution_of_another_layer_is_refused(ball):
    relu = dopt.compile(DATA / "relu_small.dopt")
    sol = relu.forward(x=X4)
    with pytest.raises((dopt.DoptError, ValueError)) as ei:
        ball.backward(sol, {"y": np.ones(4)})
    assert "layer" in str(ei.value)
    with pytest.raises((dopt.DoptError, ValueError)):
        ball.jvp(sol, {"x": np.ones(4)})


def test_on_failure_value_is_checked(ball):
    with pytest.raises((ValueError, TypeError)) as ei:
        ball.forward(x=X4, r=1.0, on_failure="ignore")
    assert "on_failure" in str(ei.value) or "ignore" in str(ei.value)


def test_bad_settings(ball):
    for kw, name in (
        ({"tol": -1.0}, "tol"),
        ({"tol": 0.0}, "tol"),
        ({"tol": float("nan")}, "tol"),
        ({"tol": float("inf")}, "tol"),
        ({"smoothing": -1.0}, "smoothing"),
        ({"smoothing": float("nan")}, "smoothing"),
        ({"max_iter": -3}, "max_iter"),
        ({"solver": "ipm"}, "solver"),
        ({"solver": 1}, "solver"),
        ({"warm_start": "yes"}, "warm_start"),
    ):
        with pytest.raises(dopt.ParameterError) as ei:
            ball.with_settings(**kw)
        assert name in str(ei.value), kw


# --------------------------------------------------------------------------------------
# Cotangents and directions
# --------------------------------------------------------------------------------------


def test_bad_cotangents(ball):
    sol = ball.forward(x=X4, r=1.0)
    with pytest.raises(dopt.ParameterError) as ei:
        ball.backward(sol, {"z": np.ones(4)})
    assert_param_error(ei, "`z`")
    with pytest.raises(dopt.ParameterError) as ei:
        ball.backward(sol, {"dual:nope": 1.0})
    assert_param_error(ei, "nope")
    with pytest.raises(dopt.ParameterError) as ei:
        ball.backward(sol, {"y": np.ones(3)})
    assert_param_error(ei, "`y`")
    with pytest.raises(dopt.ParameterError) as ei:
        ball.backward(sol, {"y": np.array([1.0, np.nan, 0.0, 0.0])})
    assert_param_error(ei, "y", code=None)
    with pytest.raises(dopt.ParameterError) as ei:
        ball.backward(sol, {"y": np.ones(4, dtype=complex)})
    assert_param_error(ei, "y", code=None)


def test_unknown_output_of_a_solution(ball):
    sol = ball.forward(x=X4, r=1.0)
    with pytest.raises(KeyError) as ei:
        sol["z"]
    assert "z" in str(ei.value) and "y" in str(ei.value)
    with pytest.raises(KeyError):
        sol["dual:nope"]


def test_bad_directions(ball):
    sol = ball.forward(x=X4, r=1.0)
    with pytest.raises(dopt.ParameterError) as ei:
        ball.jvp(sol, {"xx": np.ones(4)})
    assert_param_error(ei, "`xx`")
    with pytest.raises(dopt.ParameterError) as ei:
        ball.jvp(sol, {"x": np.ones(5)})
    assert_param_error(ei, "`x`")
    with pytest.raises(dopt.ParameterError) as ei:
        ball.jvp(sol, {"r": np.inf})
    assert_param_error(ei, "r", code=None)


def test_batched_cotangent_of_the_wrong_batch_size(ball):
    sol = ball.forward(x=np.ones((3, 4)), r=1.0)
    with pytest.raises(dopt.ParameterError) as ei:
        ball.backward(sol, {"y": np.ones((2, 4))})
    assert_param_error(ei, "y", code=None)


def test_backward_through_an_infeasible_solve_raises():
    layer = dopt.compile_str(
        "parameter lo\nparameter hi\nvariable x\nminimize square(x)\nsubject to\n    x >= lo\n    x <= hi\n"
    )
    with pytest.raises(dopt.SolverError) as ei:
        layer.forward(lo=2.0, hi=1.0)
    assert ei.value.status == "infeasible"
    assert "infeasible" in str(ei.value)
    sol = layer.forward(lo=2.0, hi=1.0, on_failure="status")
    assert sol.status == "infeasible" and not sol.ok
    with pytest.raises(dopt.SolverError) as ei:
        layer.backward(sol, {"x": 1.0})
    assert ei.value.code == "E0704"
    with pytest.raises(dopt.SolverError) as ei:
        layer.jvp(sol, {"lo": 1.0})
    assert ei.value.code == "E0704"


# --------------------------------------------------------------------------------------
# Layer files
# --------------------------------------------------------------------------------------


def test_corrupted_layer_files(ball, tmp_path):
    good = ball.to_bytes()
    p = tmp_path / "ball.layer"
    ball.save(p)
    # truncated
    t = tmp_path / "trunc.layer"
    t.write_bytes(good[: len(good) // 2])
    with pytest.raises(dopt.LayerFileError) as ei:
        dopt.load(t)
    e = ei.value
    assert isinstance(e, OSError) and isinstance(e, dopt.DoptError)
    assert e.code == "E0902" and "trunc.layer" in str(e)
    # one flipped byte in the payload: the checksum catches it
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0x40
    f = tmp_path / "flip.layer"
    f.write_bytes(bytes(flipped))
    with pytest.raises(dopt.LayerFileError) as ei:
        dopt.load(f)
    assert ei.value.code == "E0902"
    with pytest.raises(dopt.LayerFileError) as ei:
        dopt.Layer.from_bytes(bytes(flipped))
    assert ei.value.code == "E0902"
    # a flipped byte in the magic
    bad_magic = bytearray(good)
    bad_magic[0] ^= 0x01
    with pytest.raises(dopt.LayerFileError):
        dopt.Layer.from_bytes(bytes(bad_magic))
    for data in (b"", b"DOPTLAYR", good[:-1], good + b"\0"):
        with pytest.raises(dopt.LayerFileError):
            dopt.Layer.from_bytes(data)
    # the good file still loads
    assert dopt.load(p).to_bytes() == good


def test_unreadable_and_unwritable_layer_files(ball, tmp_path):
    with pytest.raises(dopt.LayerFileError) as ei:
        dopt.load(tmp_path / "missing.layer")
    assert ei.value.code == "E0901" and "missing.layer" in str(ei.value)
    with pytest.raises(dopt.LayerFileError) as ei:
        ball.save(tmp_path / "no" / "such" / "dir" / "x.layer")
    assert ei.value.code == "E0903"


def test_unpickling_corrupted_bytes_is_a_layer_file_error(ball):
    import pickle

    data = bytearray(pickle.dumps(ball))
    good = ball.to_bytes()
    at = bytes(data).find(good)
    assert at >= 0, "the pickle holds the layer-file bytes"
    data[at + len(good) // 2] ^= 0x40
    with pytest.raises(dopt.LayerFileError):
        pickle.loads(bytes(data))


# --------------------------------------------------------------------------------------
# Compile errors: hierarchy, code, location, rendered message
# --------------------------------------------------------------------------------------

# (text, class, code, the marker whose first occurrence on `line` is the reported column, line)
COMPILE_ERRORS = [
    (
        "parameter x[3]\nvariable y[3]\nminimize sum_squares(y - x)\nsubject to\n    sum(y) = 1\n",
        "ParseError",
        "E0001",
        "=",
        5,
    ),
    (
        "parameter lam nonneg\nvariable y[3]\nminimize sum_squares(y) + lamda * norm1(y)\n",
        "NameResolutionError",
        "E0101",
        "lamda",
        3,
    ),
    (
        "parameter A[3, 2]\nparameter b[3]\nvariable x[3]\nminimize sum_squares(A @ x - b)\n",
        "ShapeError",
        "E0202",
        "A @ x",
        4,
    ),
    ("dim n\nparameter x[n]\nvariable y[n]\nminimize sum_squares(y - x)\n", "ShapeError", "E0301", "n", 1),
    (
        "parameter c[2]\nvariable x[2]\nmaximize sum_squares(x - c)\nsubject to\n    x <= 1\n",
        "DCPError",
        "E0505",
        "sum_squares",
        3,
    ),
    (
        "parameter p\nvariable x[2]\nminimize exp(p) * norm1(x) + sum_squares(x - 1)\n",
        "DPPError",
        "E0602",
        "exp(p)",
        3,
    ),
    ("parameter c\nvariable x\nminimize square(x - c)\nsubject to\n    x < 1\n", "ProblemError", "E0404", "<", 5),
]


@pytest.mark.parametrize("text,cls,code,marker,line", COMPILE_ERRORS, ids=[c[2] for c in COMPILE_ERRORS])
def test_compile_errors_from_text(text, cls, code, marker, line):
    column = text.splitlines()[line - 1].index(marker) + 1
    if code == "E0301":
        column = text.splitlines()[0].index(" n") + 2
    with pytest.raises(dopt.CompileError) as ei:
        dopt.compile_str(text, name="bad.dopt")
    e = ei.value
    assert type(e).__name__ == cls and isinstance(e, getattr(dopt, cls))
    assert isinstance(e, dopt.DoptError)
    assert e.code == code
    assert (e.file, e.line, e.column) == ("bad.dopt", line, column)
    assert str(e) == e.message
    assert e.message.startswith(f"error[{code}]: ")
    assert f"--> bad.dopt:{line}:{column}" in e.message
    # the rendered message quotes the offending source line
    assert text.splitlines()[line - 1] in e.message
    d = e.diagnostics
    assert isinstance(d, list) and len(d) >= 1
    assert d[0]["code"] == code and d[0]["line"] == line and d[0]["column"] == column
    assert d[0]["file"] == "bad.dopt" and d[0]["message"]


# The shared reference's invalid files: a realistic mistake each, with the expected kind,
# the line of the mistake and the one change that fixes it in the header.
INVALID = sorted((DATA / "invalid").glob("*.dopt"))
KIND_CLASS = {
    "syntax": "ParseError",
    "shape": "ShapeError",
    "unknown-name": "NameResolutionError",
    "not-dcp": "DCPError",
    "not-dpp": "DPPError",
}


def apply_fix(text: str) -> str:
    """The file with its `# fix:` header applied to the code lines."""
    fix = next(line for line in text.splitlines() if line.startswith("# fix:"))
    pairs = re.findall(r"`([^`]+)` -> `([^`]+)`", fix)
    head = [line for line in text.splitlines(keepends=True) if line.startswith("#")]
    body = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))
    for old, new in pairs:
        if old in body:
            body = body.replace(old, new)
        else:  # "`a / b` -> `c / d`": two lines changed at once
            for o, n in zip(old.split(" / "), new.split(" / ")):
                assert o in body, o
                body = body.replace(o, n)
    return "".join(head) + body


def test_all_invalid_reference_files_are_here():
    assert len(INVALID) == 12


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_reference_files(path):
    text = path.read_text()
    kind = text.splitlines()[0].removeprefix("# expect:").strip()
    mistake = next(line for line in text.splitlines() if line.startswith("# mistake:"))
    lines = [int(n) for n in re.findall(r"line (\d+)", mistake)]
    with pytest.raises(dopt.CompileError) as ei:
        dopt.compile(path)
    e = ei.value
    assert type(e).__name__ == KIND_CLASS[kind], str(e)
    assert e.file == str(path)
    assert e.line in lines, f"reported on line {e.line}, the mistake is on {lines}:\n{e}"
    assert f"{path}:{e.line}:{e.column}" in str(e)
    # the fix named in the header makes it a valid layer
    layer = dopt.compile_str(apply_fix(text), name=path.name)
    assert len(layer.parameters) >= 1


def test_compile_error_from_a_file_names_the_file(tmp_path):
    p = tmp_path / "typo.dopt"
    text = "dim n = 3\nparameter lam nonneg\nvariable y[n]\nminimize sum_squares(y) + lamda * norm1(y)\n"
    p.write_text(text)
    with pytest.raises(dopt.NameResolutionError) as ei:
        dopt.compile(p)
    e = ei.value
    assert e.code == "E0101"
    assert e.file == str(p)
    assert (e.line, e.column) == (4, text.splitlines()[3].index("lamda") + 1)
    assert "did you mean `lam`?" in str(e)


def test_several_errors_are_all_listed():
    text = "variable x\nminimize x + foo\nsubject to\n    x >= bar\n"
    with pytest.raises(dopt.NameResolutionError) as ei:
        dopt.compile_str(text, name="two.dopt")
    codes = [(d["code"], d["line"]) for d in ei.value.diagnostics]
    assert ("E0101", 2) in codes and ("E0101", 4) in codes
    assert "foo" in str(ei.value) and "bar" in str(ei.value)


def test_bad_dims_and_sources(tmp_path):
    with pytest.raises(dopt.ParameterError) as ei:
        dopt.compile("std:sparsemax", dims={"m": 3})  # not a dim of the file
    assert "`m`" in str(ei.value)
    for bad in (0, -1, 2**40, 2.5, "5", None):
        with pytest.raises(dopt.ParameterError) as ei:
            dopt.compile("std:sparsemax", dims={"n": bad})
        assert "`n`" in str(ei.value), bad
    with pytest.raises(dopt.LayerFileError) as ei:
        dopt.compile(tmp_path / "nope.dopt")
    assert ei.value.code == "E0901" and "nope.dopt" in str(ei.value)
    with pytest.raises(dopt.DoptError) as ei:
        dopt.compile("std:nosuchlayer")
    assert "nosuchlayer" in str(ei.value)


def test_errors_without_a_source_have_no_location(ball):
    with pytest.raises(dopt.ParameterError) as ei:
        ball.forward(x=X4, r=-1.0)
    e = ei.value
    assert e.file is None and e.line is None and e.column is None
    assert isinstance(e.diagnostics, list) and e.diagnostics[0]["code"] == "E0702"


# --------------------------------------------------------------------------------------
# A Rust panic becomes dopt.InternalError (E0999) and the interpreter survives
# --------------------------------------------------------------------------------------

PANIC_SCRIPT = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    import dopt

    X = np.array([2.0, -1.0])
    what = os.environ["DOPT_FORCE_INTERNAL_ERROR_FOR_TESTS"]
    text = "parameter x[2]\\nvariable y[2]\\nminimize sum_squares(y - x)\\nsubject to\\n    y >= 0\\n"

    def build():
        os.environ.pop("DOPT_FORCE_INTERNAL_ERROR_FOR_TESTS", None)
        layer = dopt.compile_str(text, name="relu.dopt")
        sol = layer.forward(x=X)
        os.environ["DOPT_FORCE_INTERNAL_ERROR_FOR_TESTS"] = what
        return layer, sol

    layer, sol = build()
    path = sys.argv[1]
    layer.save(path)
    calls = {
        "Problem::from_str": lambda: dopt.compile_str(text, name="relu.dopt"),
        "Problem::compile": lambda: dopt.compile_str(text, name="relu.dopt"),
        "Layer::forward": lambda: layer.forward(x=X),
        "Layer::backward": lambda: layer.backward(sol, {"y": np.ones(2)}),
        "Layer::jvp": lambda: layer.jvp(sol, {"x": np.ones(2)}),
        "Layer::from_bytes": lambda: dopt.Layer.from_bytes(layer.to_bytes()),
        "Layer::load": lambda: dopt.load(path),
        # a batch goes through the parallel path (Rust worker threads)
        "Layer::forward_batch": lambda: layer.forward(x=np.stack([X, -X, 2 * X])),
        # the extension's own guard around a call
        "dopt.Layer.forward": lambda: layer.forward(x=X),
    }
    try:
        calls[what]()
    except dopt.InternalError as e:
        assert e.code == "E0999", e.code
        assert isinstance(e, dopt.DoptError)
        assert what in str(e), str(e)
        assert "please report" in str(e), str(e)
    else:
        print("no InternalError for", what)
        sys.exit(3)
    # the interpreter and the module are still fine
    os.environ.pop("DOPT_FORCE_INTERNAL_ERROR_FOR_TESTS")
    again = layer.forward(x=X)
    assert np.allclose(again["y"], [2.0, 0.0], atol=1e-6)
    print("survived")
    """
)


@pytest.mark.parametrize(
    "what",
    [
        "Layer::forward",
        "Layer::backward",
        "Layer::jvp",
        "Problem::compile",
        "Problem::from_str",
        "Layer::from_bytes",
        "Layer::load",
        "Layer::forward_batch",
        "dopt.Layer.forward",
    ],
)
def test_forced_internal_error_is_an_exception(what, tmp_path):
    env = dict(os.environ)
    env["DOPT_FORCE_INTERNAL_ERROR_FOR_TESTS"] = what
    r = subprocess.run(
        [sys.executable, "-c", PANIC_SCRIPT, str(tmp_path / "relu.layer")], env=env, capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    assert "survived" in r.stdout
    # the caught panic is not printed either
    assert "panicked" not in r.stderr, r.stderr


def test_dims_must_be_integers_not_strings_or_bools():
    for value, shown in (("5", "'5' (str)"), (True, "True (bool)"), (2.5, "2.5 (float)")):
        with pytest.raises(dopt.ParameterError) as ei:
            dopt.compile("std:sparsemax", dims={"n": value})
        assert f"`n` must be an integer, not {shown}" in str(ei.value)
    assert dopt.compile("std:sparsemax", dims={"n": np.int64(3)}).parameters[0].shape == (3,)


def test_from_bytes_takes_any_buffer_but_nothing_else():
    layer = dopt.compile("std:sparsemax", dims={"n": 3})
    data = layer.to_bytes()
    x = np.array([0.5, 0.2, -1.0])
    want = layer.forward(x=x)["y"]
    for buffer in (bytearray(data), memoryview(data), np.frombuffer(data, dtype=np.uint8)):
        again = dopt.Layer.from_bytes(buffer)
        np.testing.assert_allclose(again.forward(x=x)["y"], want, atol=1e-9)
    for bad in (3, "text", None):
        with pytest.raises(dopt.ParameterError) as ei:
            dopt.Layer.from_bytes(bad)
        assert "from_bytes takes bytes" in str(ei.value)

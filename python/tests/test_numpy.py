"""The numpy API of dopt (`dopt.Layer`, `dopt.Solution`) against real numbers: the shared
reference problems solved by cvxpy/cvxpylayers, closed forms (sparsemax, ReLU, projection
onto an L2 ball), central finite differences, the adjoint identity between backward and
jvp, batches against single calls, and the array conversions of the inputs."""

from __future__ import annotations

import json
import math
import pickle
import zlib
from pathlib import Path

import numpy as np
import pytest

import dopt

DATA = Path(__file__).resolve().parent / "data"
# The reference problems of ../shared/reference/problems/ (copied into data/): a .dopt
# file with cvxpy's answer beside it in a .json file.
REFERENCE_NAMES = sorted(p.stem for p in DATA.glob("*.json"))

# --------------------------------------------------------------------------------------
# Tolerances
# --------------------------------------------------------------------------------------

# Problems whose cone program has only zero and nonnegative cones (LPs and QPs): Clarabel
# at its default tolerance (1e-8) returns them to ~1e-8, so 1e-6 relative is a sound bar.
QP = {
    "box_qp",
    "elastic_net",
    "eq_least_squares",
    "nnls",
    "relu_small",
    "ridge",
    "sparsemax_small",
    "tracking_mpc",
}


def var_tol(name: str) -> float:
    """Relative (floor 1 on the scale) agreement of variables, objective and duals.
    Exponential, power, second-order and PSD cones: docs/language.md §11.8 says the
    exponential-cone layers are accurate to about 1e-5 at the default tolerance, and the
    data's README that even at 1e-12 Clarabel reproduced power_utility only to 4e-6
    (measured at the default tolerance: 4.3e-5 there, 2.7e-5 on log_barrier, below 1e-5
    on the others; the QPs below 4e-8)."""
    return 1e-6 if name in QP else 1e-4


def grad_tol(name: str) -> float:
    """Relative agreement of gradients (they are derivatives at the solver's iterate, so
    they inherit its error times the curvature of the solution map; measured: below 5e-9
    on the QPs, up to 7.1e-5 on log_barrier and power_utility)."""
    return 1e-6 if name in QP else 5e-4


def rel_err(got, want, floor: float = 1.0) -> float:
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    assert got.shape == want.shape, f"shape {got.shape} != {want.shape}"
    scale = max(floor, float(np.max(np.abs(want), initial=0.0)))
    return float(np.max(np.abs(got - want), initial=0.0)) / scale


def same_solve(got, want):
    """Two solves of the same data: equal up to rounding (a reused solver workspace can
    change the last bits)."""
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def layer_of(name: str, dims=None):
    return dopt.compile(DATA / f"{name}.dopt", dims)


_LAYERS: dict = {}


def ref_layer(name: str):
    if name not in _LAYERS:
        _LAYERS[name] = layer_of(name)
    return _LAYERS[name]


def ref_json(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text())


def project_transport(g: dict) -> dict:
    """entropic_ot's gradient in (a, b) is defined up to t*(ones(m), -ones(n)) (the data's
    README): remove that component before comparing."""
    g = dict(g)
    a = np.asarray(g["a"], dtype=float)
    b = np.asarray(g["b"], dtype=float)
    t = (a.sum() - b.sum()) / (a.size + b.size)
    g["a"] = a - t
    g["b"] = b + t
    return g


# --------------------------------------------------------------------------------------
# Every reference problem against its JSON
# --------------------------------------------------------------------------------------


def test_all_reference_problems_are_here():
    assert len(REFERENCE_NAMES) == 15
    for name in REFERENCE_NAMES:
        assert (DATA / f"{name}.dopt").is_file()


@pytest.mark.parametrize("name", REFERENCE_NAMES)
def test_reference_solution(name):
    j = ref_json(name)
    layer = ref_layer(name)
    sol = layer.forward(j["params"])
    assert sol.status == "optimal"
    assert sol.ok is True or sol.ok == True  # noqa: E712 (a bool or a numpy bool)
    assert sol.batch_size is None
    tol = var_tol(name)
    e = abs(sol.objective - j["objective"]) / max(1.0, abs(j["objective"]))
    assert e < tol, f"{name}: objective {sol.objective} vs {j['objective']}"
    assert set(sol.variables) == set(j["variables"])
    for k, want in j["variables"].items():
        got = sol.variables[k]
        assert isinstance(got, np.ndarray) and got.dtype == np.float64
        assert got.shape == np.shape(want), f"{name}.{k}"
        assert rel_err(got, want) < tol, f"{name}: {k}\n got {got}\nwant {np.asarray(want)}"
    for k, want in j.get("duals", {}).items():
        got = sol.duals[k]
        assert np.shape(got) == np.shape(want), f"{name}: dual {k}"
        assert rel_err(got, want) < 10 * tol, f"{name}: dual {k}\n got {got}\nwant {want}"


@pytest.mark.parametrize("name", REFERENCE_NAMES)
def test_reference_gradients(name):
    j = ref_json(name)
    layer = ref_layer(name)
    sol = layer.forward(j["params"])
    g = layer.backward(sol, j["weights"])
    assert set(g) == set(j["params"])
    want = j["grads"]
    if name == "entropic_ot":
        g, want = project_transport(g), project_transport(want)
    for k, w in want.items():
        got = g[k]
        assert isinstance(got, np.ndarray) and got.dtype == np.float64
        assert got.shape == np.shape(w), f"{name}: d/d{k}"
        e = rel_err(got, w, floor=1e-12)
        assert e < grad_tol(name), f"{name}: d/d{k} off by {e:.2e}\n got {got}\nwant {np.asarray(w)}"


# Named constraints of each reference problem, in file order (the layer's dual outputs).
DUAL_LABELS = {
    "entropic_ot": ["rows", "cols"],
    "entropy_max": ["moments"],
    "eq_least_squares": ["eq"],
    "l2ball_projection": ["ball"],
    "log_barrier": ["total"],
    "power_utility": ["budget"],
    "sparsemax_small": ["simplex"],
    "tracking_mpc": ["init"],
}

# Declared parameter attributes.
ATTRIBUTES = {
    ("elastic_net", "l1"): ("nonneg",),
    ("elastic_net", "l2"): ("nonneg",),
    ("l2ball_projection", "r"): ("nonneg",),
    ("log_barrier", "s"): ("nonneg",),
    ("nearest_correlation", "C"): ("symmetric",),
    ("power_utility", "p"): ("nonneg",),
    ("power_utility", "w"): ("nonneg",),
    ("ridge", "lam"): ("nonneg",),
}


@pytest.mark.parametrize("name", REFERENCE_NAMES)
def test_reference_signature(name):
    j = ref_json(name)
    layer = ref_layer(name)
    assert layer.dims == j["dims"]
    params = layer.parameters
    assert [p.name for p in params] == list(j["params"])  # declaration order = JSON order
    for p in params:
        assert tuple(p.shape) == np.shape(j["params"][p.name]), f"{name}.{p.name}"
        assert isinstance(p.shape, tuple)
        assert tuple(p.attributes) == ATTRIBUTES.get((name, p.name), ()), f"{name}.{p.name}"
    outs = layer.outputs
    variables = [o for o in outs if o.kind == "variable"]
    duals = [o for o in outs if o.kind == "dual"]
    assert len(variables) + len(duals) == len(outs)
    # variables first, then duals
    assert [o.kind for o in outs] == ["variable"] * len(variables) + ["dual"] * len(duals)
    assert [o.name for o in variables] == list(j["variables"])
    for o in variables:
        assert tuple(o.shape) == np.shape(j["variables"][o.name])
    assert [o.name for o in duals] == DUAL_LABELS.get(name, [])
    for o in duals:
        if o.name in j.get("duals", {}):
            assert tuple(o.shape) == np.shape(j["duals"][o.name])
    assert all(p.kind == "parameter" for p in params)
    n, m = layer.raw_sizes
    sol = layer.forward(j["params"])
    x, s, z = sol.raw
    assert x.shape == (n,) and s.shape == (m,) and z.shape == (m,)
    # Info.key is what cotangents and Solution[...] take
    for o in outs:
        assert o.key == (o.name if o.kind == "variable" else "dual:" + o.name)
        assert sol[o.key].shape == tuple(o.shape)


def test_tracking_mpc_outputs_shapes():
    layer = ref_layer("tracking_mpc")
    got = [(o.name, o.kind, tuple(o.shape)) for o in layer.outputs]
    assert got == [("x", "variable", (2, 5)), ("u", "variable", (1, 4)), ("init", "dual", (2,))]


# --------------------------------------------------------------------------------------
# Compiling: a path, std:NAME, text; dims; load/save; bytes
# --------------------------------------------------------------------------------------

SPARSEMAX_TEXT = """\
dim n = 5
parameter x[n]
variable y[n]
minimize sum_squares(y - x)
subject to
    simplex: sum(y) == 1
    y >= 0
"""

X5 = np.array([0.8, 0.1, 0.5, -0.3, 0.45])
# sparsemax(X5): support {0, 2, 4}, tau = (0.8 + 0.5 + 0.45 - 1) / 3 = 0.25
Y5 = np.array([0.55, 0.0, 0.25, 0.0, 0.2])


def test_compile_from_path_str_and_pathlike():
    path = DATA / "sparsemax_small.dopt"
    for src in (path, str(path)):
        layer = dopt.compile(src)
        assert layer.source == str(path)
        assert layer.dims == {"n": 5}
        y = layer.forward(x=X5).variables["y"]
        np.testing.assert_allclose(y, Y5, atol=1e-7)
    # the static method is the same thing
    layer = dopt.Layer.compile(path)
    np.testing.assert_allclose(layer.forward(x=X5)["y"], Y5, atol=1e-7)


def test_compile_std_with_dims():
    layer = dopt.compile("std:sparsemax", dims={"n": 5})
    assert layer.source == "std:sparsemax"
    assert layer.dims == {"n": 5}
    assert [(p.name, tuple(p.shape)) for p in layer.parameters] == [("x", (5,))]
    np.testing.assert_allclose(layer.forward(x=X5)["y"], Y5, atol=1e-7)
    # the default dim of the standard library is 10
    assert tuple(dopt.compile("std:sparsemax").parameters[0].shape) == (10,)
    # README: std:sparsemax at n = 8 is a cone program of 16 variables and 17 rows
    assert tuple(dopt.compile("std:sparsemax", dims={"n": 8}).raw_sizes) == (16, 17)


def test_compile_text_through_compile():
    # dopt.compile takes the text of a problem as well (anything with a newline)
    layer = dopt.compile(SPARSEMAX_TEXT)
    np.testing.assert_allclose(layer.forward(x=X5)["y"], Y5, atol=1e-7)


def test_compile_str_with_and_without_dims():
    layer = dopt.compile_str(SPARSEMAX_TEXT, name="mine.dopt")
    assert layer.source == "mine.dopt"
    sol = layer.forward(x=X5)
    np.testing.assert_allclose(sol["y"], Y5, atol=1e-7)
    np.testing.assert_allclose(sol.duals["simplex"], 2 * 0.25, atol=1e-7)
    # dims override the default
    layer7 = dopt.Layer.compile_str(SPARSEMAX_TEXT, dims={"n": 7})
    assert layer7.dims == {"n": 7}
    x7 = np.array([3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.5])  # support {0, 6}: tau = 2.25
    np.testing.assert_allclose(layer7.forward(x=x7)["y"], [0.75, 0, 0, 0, 0, 0, 0.25], atol=1e-7)


def test_compile_path_with_dims():
    layer = dopt.compile(DATA / "relu_small.dopt", {"n": 7})
    assert layer.dims == {"n": 7}
    x = np.array([1.0, -2.0, 0.5, -0.1, 3.0, -4.0, 2.0])
    np.testing.assert_allclose(layer.forward(x=x)["y"], np.maximum(x, 0), atol=1e-7)


def test_compile_accepts_a_layer_file(tmp_path):
    layer = dopt.compile("std:sparsemax", dims={"n": 5})
    p = tmp_path / "s5.layer"
    layer.save(p)
    again = dopt.compile(p)  # the first bytes say it is a layer file, as on the command line
    assert again.to_bytes() == layer.to_bytes()
    assert again.dims == {"n": 5}
    np.testing.assert_allclose(again.forward(x=X5)["y"], Y5, atol=1e-7)
    with pytest.raises(dopt.ParameterError) as ei:  # its dims are fixed
        dopt.compile(p, dims={"n": 6})
    assert "s5.layer" in str(ei.value)


def test_save_load_round_trip(tmp_path):
    layer = ref_layer("tracking_mpc")
    j = ref_json("tracking_mpc")
    p = tmp_path / "mpc.layer"
    layer.save(p)
    assert p.stat().st_size > 16
    assert p.read_bytes() == layer.to_bytes()
    for src in (p, str(p)):
        again = dopt.load(src)
        assert again.to_bytes() == layer.to_bytes()
        assert again.dims == layer.dims
        assert [(q.name, tuple(q.shape), tuple(q.attributes)) for q in again.parameters] == [
            (q.name, tuple(q.shape), tuple(q.attributes)) for q in layer.parameters
        ]
        assert [(o.name, o.kind, tuple(o.shape)) for o in again.outputs] == [
            (o.name, o.kind, tuple(o.shape)) for o in layer.outputs
        ]
        a, b = layer.forward(j["params"]), again.forward(j["params"])
        for k in a.variables:
            np.testing.assert_allclose(b.variables[k], a.variables[k], rtol=0, atol=1e-12)
        assert abs(a.objective - b.objective) < 1e-12
    # the same through a str path for save and dopt.Layer.load / from_bytes
    p2 = tmp_path / "mpc2.layer"
    layer.save(str(p2))
    assert dopt.Layer.load(p2).to_bytes() == layer.to_bytes()
    assert dopt.Layer.from_bytes(layer.to_bytes()).to_bytes() == layer.to_bytes()
    assert isinstance(layer.to_bytes(), bytes)


# --------------------------------------------------------------------------------------
# Solver settings: with_settings returns a tuned copy
# --------------------------------------------------------------------------------------

EXP_POW = ["entropy_max", "log_barrier", "power_utility", "softmax_small"]


@pytest.mark.parametrize("name", EXP_POW)
def test_tighter_tolerance_reaches_the_reference(name):
    # the exponential and power cones are ~1e-5 accurate at the default tolerance (see
    # var_tol); at 1e-12 they come within 1e-6 of cvxpy, gradients included
    j = ref_json(name)
    tight = ref_layer(name).with_settings(tol=1e-12)
    sol = tight.forward(j["params"])
    assert sol.status == "optimal"
    for k, want in j["variables"].items():
        assert rel_err(sol.variables[k], want) < 1e-6, f"{name}: {k}"
    assert abs(sol.objective - j["objective"]) < 1e-6 * max(1.0, abs(j["objective"]))
    g = tight.backward(sol, j["weights"])
    for k, want in j["grads"].items():
        assert rel_err(g[k], want, floor=1e-12) < 1e-6, f"{name}: d/d{k}"


def test_with_settings_is_a_copy_and_travels_with_the_layer():
    j = ref_json("softmax_small")
    layer = ref_layer("softmax_small")
    before = layer.to_bytes()
    tight = layer.with_settings(tol=1e-12)
    assert layer.to_bytes() == before  # the original keeps its settings
    assert tight.to_bytes() != before  # the settings are part of the layer file
    y_default = layer.forward(j["params"])["y"]
    y_tight = tight.forward(j["params"])["y"]
    assert rel_err(y_tight, j["variables"]["y"]) < rel_err(y_default, j["variables"]["y"])
    again = pickle.loads(pickle.dumps(tight))
    same_solve(again.forward(j["params"])["y"], y_tight)
    assert dopt.Layer.from_bytes(tight.to_bytes()).forward(j["params"]).iterations == tight.forward(j["params"]).iterations
    # a solution of one layer is not differentiated by another
    with pytest.raises(dopt.DoptError):
        layer.backward(tight.forward(j["params"]), {"y": np.ones(4)})


def test_max_iterations_is_a_status():
    layer = ref_layer("l2ball_projection").with_settings(max_iter=1)
    x = np.array([3.0, 1.0, -2.0, 0.5])
    with pytest.raises(dopt.SolverError) as ei:
        layer.forward(x=x, r=1.0)
    assert ei.value.status == "max_iterations"
    sol = layer.forward(x=x, r=1.0, on_failure="status")
    assert sol.status == "max_iterations" and not sol.ok
    with pytest.raises(dopt.SolverError):
        layer.backward(sol, {"y": np.ones(4)})


def test_smoothing_averages_the_gradient_at_a_kink():
    # ReLU as a projection at x = (1, 0, -1): the middle entry sits on the kink. With CHKS
    # smoothing the KKT system couples dz = -ds there: 2 dy - dz = 2 dx gives dy = 2/3 dx.
    text = "parameter x[3]\nvariable y[3]\nminimize sum_squares(y - x)\nsubject to\n    y >= 0\n"
    layer = dopt.compile_str(text).with_settings(tol=1e-10, smoothing=1e-3)
    sol = layer.forward(x=np.array([1.0, 0.0, -1.0]))
    g = layer.backward(sol, {"y": np.ones(3)})["x"]
    np.testing.assert_allclose(g, [1.0, 2.0 / 3.0, 0.0], atol=1e-3)


# --------------------------------------------------------------------------------------
# forward: dict / keyword arguments, result fields
# --------------------------------------------------------------------------------------


def test_forward_dict_and_keywords_agree():
    j = ref_json("ridge")
    layer = ref_layer("ridge")
    a = layer.forward(j["params"])
    b = layer.forward(**j["params"])
    c = layer.forward(None, **j["params"])
    for s in (b, c):
        np.testing.assert_allclose(s["x"], a["x"], rtol=0, atol=1e-12)
        assert abs(s.objective - a.objective) < 1e-12


def test_calls_do_not_leak_into_each_other():
    # a solve's answer does not depend on the one before it (the layer reuses solver
    # workspaces, and a small QP like this one is warm-started by the active-set solver
    # from the previous call's working set: its step count may differ, its answer not)
    layer = ref_layer("box_qp")
    j = ref_json("box_qp")
    a = layer.forward(j["params"])
    other = {k: np.asarray(v) * 0.5 - 0.3 for k, v in j["params"].items()}
    other["hi"] = np.asarray(j["params"]["hi"]) + 1.0
    layer.forward(other)
    again = layer.forward(j["params"])
    same_solve(again["x"], a["x"])
    assert again.status == a.status == "optimal"
    assert again.solver == a.solver == "active-set"


def test_the_solver_is_chosen_in_the_settings():
    # the active-set solver and Clarabel answer the same QP alike; the solution says which
    # one answered, and the layer's settings say what was asked
    layer = ref_layer("box_qp")
    j = ref_json("box_qp")
    assert layer.settings["solver"] == "auto" and layer.settings["warm_start"] is True
    # the settings read back are the ones with_settings takes
    smooth = layer.with_settings(smoothing=0.1, tol=1e-9)
    assert smooth.settings["smoothing"] == 0.1 and smooth.settings["tol"] == 1e-9
    assert layer.with_settings(**smooth.settings).settings == smooth.settings
    sols = {}
    for choice in ("auto", "clarabel", "active-set"):
        tuned = layer.with_settings(solver=choice, tol=1e-10)
        assert tuned.settings["solver"] == choice
        sols[choice] = tuned.forward(j["params"])
        np.testing.assert_allclose(sols[choice]["x"], j["variables"]["x"], atol=1e-6)
    assert sols["clarabel"].solver == "clarabel"
    assert sols["active-set"].solver == sols["auto"].solver == "active-set"
    np.testing.assert_allclose(sols["active-set"]["x"], sols["clarabel"]["x"], atol=1e-8)
    # without warm starts the working set is not kept; forgetting it makes the next call
    # start cold, with the same answer
    cold = layer.with_settings(warm_start=False)
    assert cold.settings["warm_start"] is False
    a = cold.forward(j["params"])
    assert cold.forward(j["params"]).iterations == a.iterations > 0  # nothing kept
    layer.forward(j["params"])
    warm = layer.forward(j["params"])
    assert warm.iterations == 0  # the right working set from the call before: no step
    layer.forget_warm_starts()
    again = layer.forward(j["params"])
    assert again.iterations == a.iterations > 0
    same_solve(again["x"], warm["x"])


def test_result_fields_single():
    layer = ref_layer("sparsemax_small")
    sol = layer.forward({"x": X5})
    assert sol.batch_size is None
    assert sol.status == "optimal"
    assert bool(sol.ok) is True
    # objective: ||Y5 - X5||^2
    assert isinstance(sol.objective, float)
    assert abs(sol.objective - float(np.sum((Y5 - X5) ** 2))) < 1e-7
    assert isinstance(sol.iterations, int) and 0 < sol.iterations < 200
    assert isinstance(sol.solve_time, float) and 0 < sol.solve_time < 5
    assert list(sol.errors) == []
    assert set(sol.variables) == {"y"} and set(sol.duals) == {"simplex"}
    np.testing.assert_allclose(sol.variables["y"], Y5, atol=1e-7)
    np.testing.assert_array_equal(sol["y"], sol.variables["y"])
    # dual of `simplex: sum(y) == 1` in cvxpy's convention: 2 (x_i - y_i) on the support = 2 tau
    np.testing.assert_allclose(sol.duals["simplex"], 0.5, atol=1e-7)
    np.testing.assert_array_equal(sol["dual:simplex"], sol.duals["simplex"])
    assert np.shape(sol.duals["simplex"]) == ()
    n, m = layer.raw_sizes
    x, s, z = sol.raw
    assert (x.shape, s.shape, z.shape) == ((n,), (m,), (m,))
    # complementary slackness of the cone program: s.z = 0 at the optimum (to the solver's tolerance)
    assert abs(float(s @ z)) < 1e-6
    assert np.max(np.abs(s)) > 0.1 and np.max(np.abs(z)) > 0.1  # not an all-zero placeholder


def test_solution_from_raw_rebuilds_the_solution():
    j = ref_json("tracking_mpc")
    layer = ref_layer("tracking_mpc")
    sol = layer.forward(j["params"])
    again = layer.solution_from_raw(j["params"], *sol.raw)
    assert again.status == "optimal"
    for k in sol.variables:
        np.testing.assert_allclose(again.variables[k], sol.variables[k], rtol=0, atol=1e-12)
    for k in sol.duals:
        np.testing.assert_allclose(again.duals[k], sol.duals[k], rtol=0, atol=1e-12)
    g1 = layer.backward(sol, j["weights"])
    g2 = layer.backward(again, j["weights"])
    for k in g1:
        np.testing.assert_allclose(g2[k], g1[k], rtol=1e-12, atol=1e-12)


def test_solution_from_raw_of_a_batch():
    layer = ref_layer("l2ball_projection")
    params = {"x": np.array([[3.0, 0.0, 4.0, 0.0], [0.1, 0.2, 0.0, 0.1]]), "r": 1.0}
    sol = layer.forward(params)
    x, s, z = sol.raw
    again = layer.solution_from_raw(params, x, s, z)
    assert again.batch_size == 2 and list(again.status) == ["optimal", "optimal"]
    np.testing.assert_allclose(again["y"], sol["y"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(again["y"][0], [0.6, 0.0, 0.8, 0.0], atol=1e-6)
    cot = {"y": np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])}
    g1, g2 = layer.backward(sol, cot), layer.backward(again, cot)
    for k in g1:
        np.testing.assert_allclose(g2[k], g1[k], rtol=1e-12, atol=1e-12)
    # d y0 / d x on the sphere: (r/|x|)(e0 - xh0 xh) with xh = (0.6, 0, 0.8, 0), |x| = 5
    np.testing.assert_allclose(g1["x"][0], 0.2 * (np.array([1.0, 0, 0, 0]) - 0.6 * np.array([0.6, 0, 0.8, 0])), atol=1e-5)
    np.testing.assert_allclose(g1["x"][1], [0.0, 1.0, 0.0, 0.0], atol=1e-5)  # inside: identity


# --------------------------------------------------------------------------------------
# backward and jvp: adjoint to each other, and equal to finite differences
# --------------------------------------------------------------------------------------


def random_direction(layer, rng, name: str) -> dict:
    d = {}
    for p in layer.parameters:
        v = rng.uniform(-1, 1, size=tuple(p.shape))
        if "symmetric" in tuple(p.attributes):
            v = (v + v.T) / 2
        d[p.name] = v
    if name == "entropic_ot":
        # only directions keeping sum(a) == sum(b) stay feasible
        a, b = d["a"], d["b"]
        t = (a.sum() - b.sum()) / 2
        d["a"] = a - t / a.size
        d["b"] = b + t / b.size
    return d


def vdot(a: dict, b: dict) -> float:
    return float(sum(np.sum(np.asarray(a[k]) * np.asarray(b[k])) for k in a))


@pytest.mark.parametrize("name", REFERENCE_NAMES)
def test_backward_and_jvp_are_adjoint(name):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    j = ref_json(name)
    layer = ref_layer(name)
    sol = layer.forward(j["params"])
    for _ in range(2):
        d = random_direction(layer, rng, name)
        cv = {o.name: rng.uniform(-1, 1, size=tuple(o.shape)) for o in layer.outputs if o.kind == "variable"}
        # entropic_ot's duals are not unique (a redundant row): only cotangents on variables there
        cd = {}
        if name != "entropic_ot":
            cd = {o.name: rng.uniform(-1, 1, size=tuple(o.shape)) for o in layer.outputs if o.kind == "dual"}
        cot = dict(cv)
        cot.update({"dual:" + k: v for k, v in cd.items()})
        g = layer.backward(sol, cot)
        dv, dd = layer.jvp(sol, d)
        assert set(dv) == set(cv)
        for k in cv:
            assert np.shape(dv[k]) == np.shape(cv[k])
        lhs = vdot(g, d)
        rhs = vdot(cv, dv) + vdot(cd, dd)
        scale = max(abs(lhs), abs(rhs), 1e-3)
        assert abs(lhs - rhs) <= 1e-8 * scale, f"{name}: <J^T c, d> = {lhs} but <c, J d> = {rhs}"


def loss_at(layer, params: dict, weights: dict) -> float:
    sol = layer.forward(params)
    assert sol.status == "optimal"
    return float(sum(np.sum(np.asarray(w) * sol.variables[k]) for k, w in weights.items()))


# Problems whose solution map is smooth (or piecewise affine with a margin) at the data:
# central differences with step h agree with the exact derivative up to the solver's
# error over h (QPs: ~1e-8 / 1e-3) plus h^2 times the curvature.
FD_PROBLEMS = ["box_qp", "ridge", "tracking_mpc", "eq_least_squares", "l2ball_projection", "sparsemax_small"]


@pytest.mark.parametrize("name", FD_PROBLEMS)
def test_gradients_match_central_differences(name):
    rng = np.random.default_rng(11)
    j = ref_json(name)
    layer = ref_layer(name)
    params = {k: np.asarray(v, dtype=float) for k, v in j["params"].items()}
    weights = j["weights"]
    g = layer.backward(layer.forward(params), weights)
    h = 1e-3
    for _ in range(3):
        d = random_direction(layer, rng, name)
        plus = {k: params[k] + h * d[k] for k in params}
        minus = {k: params[k] - h * d[k] for k in params}
        fd = (loss_at(layer, plus, weights) - loss_at(layer, minus, weights)) / (2 * h)
        an = vdot(g, d)
        assert abs(fd - an) <= 1e-4 * max(abs(fd), abs(an), 1e-2), f"{name}: fd {fd} vs backward {an}"
        # jvp along d gives the same directional derivative
        dv, _ = layer.jvp(layer.forward(params), d)
        jv = vdot({k: np.asarray(w) for k, w in weights.items()}, dv)
        assert abs(jv - an) <= 1e-8 * max(abs(an), 1e-3)


def test_objective_cotangent_is_the_envelope_gradient():
    # d(min_y ||y - x||^2 s.t. y in simplex)/dx = 2 (x - y*) (envelope theorem)
    layer = ref_layer("sparsemax_small")
    sol = layer.forward(x=X5)
    g = layer.backward(sol, {"objective": 1.0})
    np.testing.assert_allclose(g["x"], 2 * (X5 - Y5), atol=1e-6)
    # missing cotangents are zero, and so are missing directions
    g0 = layer.backward(sol, {})
    np.testing.assert_array_equal(g0["x"], np.zeros(5))
    dv, dd = layer.jvp(sol, {})
    np.testing.assert_array_equal(dv["y"], np.zeros(5))
    np.testing.assert_array_equal(dd["simplex"], 0.0)


# --------------------------------------------------------------------------------------
# Closed forms
# --------------------------------------------------------------------------------------


def sparsemax(x):
    z = np.sort(x)[::-1]
    css = np.cumsum(z) - 1
    k = np.arange(1, len(x) + 1)
    support = z - css / k > 0
    kz = k[support][-1]
    tau = css[kz - 1] / kz
    return np.maximum(x - tau, 0), tau


def test_sparsemax_closed_form_and_jacobian():
    n = 8
    layer = dopt.compile("std:sparsemax", dims={"n": n})
    x = np.random.default_rng(1).normal(size=n) * 0.4
    y, tau = sparsemax(x)
    # six entries in the support, every x_i at least 0.07 away from tau (a kink of the map)
    assert (y > 0).sum() == 6 and np.min(np.abs(x - tau)) > 0.05
    sol = layer.forward(x=x)
    np.testing.assert_allclose(sol["y"], y, atol=1e-7)
    s = (y > 0).astype(float)
    jac = np.diag(s) - np.outer(s, s) / s.sum()
    for i in range(n):
        e = np.zeros(n)
        e[i] = 1.0
        np.testing.assert_allclose(layer.backward(sol, {"y": e})["x"], jac.T @ e, atol=1e-6)
        dv, _ = layer.jvp(sol, {"x": e})
        np.testing.assert_allclose(dv["y"], jac @ e, atol=1e-6)


def test_sparsemax_dual_and_its_gradient():
    # simplex: sum(y) == 1 has the dual 2 tau; tau = (sum_S x - 1)/|S| so d(dual)/dx = 2 1_S/|S|
    layer = dopt.compile(DATA / "sparsemax_small.dopt", dims={"n": 6})
    x = np.array([0.9, -0.2, 0.6, 0.3, -1.0, 0.55])
    y, tau = sparsemax(x)
    sol = layer.forward(x=x)
    np.testing.assert_allclose(sol.duals["simplex"], 2 * tau, atol=1e-6)
    s = (y > 0).astype(float)
    g = layer.backward(sol, {"dual:simplex": 1.0})
    np.testing.assert_allclose(g["x"], 2 * s / s.sum(), atol=1e-6)
    _, dd = layer.jvp(sol, {"x": np.ones(6)})
    np.testing.assert_allclose(dd["simplex"], 2 * s.sum() / s.sum(), atol=1e-6)


def test_relu_closed_form_and_jacobian():
    layer = dopt.compile("std:relu", dims={"n": 6})
    x = np.array([1.5, -0.5, 0.25, -2.0, 3.0, -0.1])
    sol = layer.forward(x=x)
    np.testing.assert_allclose(sol["y"], np.maximum(x, 0), atol=1e-7)
    c = np.array([1.0, 2.0, -3.0, 4.0, 0.5, -1.0])
    np.testing.assert_allclose(layer.backward(sol, {"y": c})["x"], c * (x > 0), atol=1e-6)
    dv, _ = layer.jvp(sol, {"x": c})
    np.testing.assert_allclose(dv["y"], c * (x > 0), atol=1e-6)


L2_TOL = 1e-5  # a second-order cone: Clarabel's default tolerance gives ~1e-7 here


def test_l2ball_projection_outside_the_ball():
    layer = dopt.compile(DATA / "l2ball_projection.dopt", dims={"n": 3})
    x = np.array([1.0, -2.0, 2.0])  # |x| = 3
    r = 1.5
    sol = layer.forward(x=x, r=r)
    nx = np.linalg.norm(x)
    xh = x / nx
    np.testing.assert_allclose(sol["y"], r * xh, atol=L2_TOL)
    # ball: norm2(y) <= r, Lagrangian |y - x|^2 + lam (|y| - r): lam = 2 (|x| - r)
    np.testing.assert_allclose(sol.duals["ball"], 2 * (nx - r), atol=L2_TOL)
    assert abs(sol.objective - (nx - r) ** 2) < L2_TOL
    jac_x = (r / nx) * (np.eye(3) - np.outer(xh, xh))
    c = np.array([0.3, 1.0, -0.7])
    g = layer.backward(sol, {"y": c})
    np.testing.assert_allclose(g["x"], jac_x.T @ c, atol=1e-4)
    np.testing.assert_allclose(g["r"], xh @ c, atol=1e-4)
    dv, dd = layer.jvp(sol, {"x": c, "r": 0.5})
    np.testing.assert_allclose(dv["y"], jac_x @ c + 0.5 * xh, atol=1e-4)
    # d lam = 2 (xh . dx - dr)
    np.testing.assert_allclose(dd["ball"], 2 * (xh @ c - 0.5), atol=1e-4)


def test_l2ball_projection_inside_the_ball():
    layer = dopt.compile(DATA / "l2ball_projection.dopt", dims={"n": 3})
    x = np.array([0.2, -0.1, 0.3])
    sol = layer.forward(x=x, r=2.0)
    np.testing.assert_allclose(sol["y"], x, atol=L2_TOL)
    np.testing.assert_allclose(sol.duals["ball"], 0.0, atol=L2_TOL)
    c = np.array([0.3, 1.0, -0.7])
    g = layer.backward(sol, {"y": c})
    np.testing.assert_allclose(g["x"], c, atol=1e-4)
    np.testing.assert_allclose(g["r"], 0.0, atol=1e-4)


# --------------------------------------------------------------------------------------
# Batches with broadcasting vs single calls
# --------------------------------------------------------------------------------------

BATCH_RTOL, BATCH_ATOL = 1e-8, 1e-10


def member(params: dict, i: int, batched: set) -> dict:
    return {k: (v[i] if k in batched else v) for k, v in params.items()}


def assert_batch_matches_singles(layer, params, batched, B, cot=None, cot_batched=False, dirs=None, dirs_batched=()):
    sol = layer.forward(params)
    assert sol.batch_size == B
    assert list(sol.status) == ["optimal"] * B
    assert np.asarray(sol.ok).shape == (B,) and np.all(sol.ok)
    assert np.shape(sol.objective) == (B,)
    assert np.shape(sol.iterations) == (B,)
    assert np.shape(sol.solve_time) == (B,)
    assert list(sol.errors) == [None] * B
    n, m = layer.raw_sizes
    assert [r.shape for r in sol.raw] == [(B, n), (B, m), (B, m)]
    if cot is not None:
        g = layer.backward(sol, cot)
        for p in layer.parameters:
            assert g[p.name].shape == (B,) + tuple(p.shape), p.name
    if dirs is not None:
        dv, dd = layer.jvp(sol, dirs)
    for i in range(B):
        one = layer.forward(member(params, i, batched))
        for k, v in one.variables.items():
            assert sol.variables[k].shape == (B,) + v.shape
            np.testing.assert_allclose(sol.variables[k][i], v, rtol=BATCH_RTOL, atol=BATCH_ATOL)
        for k, v in one.duals.items():
            np.testing.assert_allclose(sol.duals[k][i], v, rtol=BATCH_RTOL, atol=BATCH_ATOL)
        assert abs(sol.objective[i] - one.objective) <= BATCH_ATOL + BATCH_RTOL * abs(one.objective)
        assert sol.iterations[i] == one.iterations  # the same solve
        if cot is not None:
            c_i = {k: (v[i] if cot_batched else v) for k, v in cot.items()}
            g1 = layer.backward(one, c_i)
            for k in g1:
                np.testing.assert_allclose(g[k][i], g1[k], rtol=BATCH_RTOL, atol=BATCH_ATOL)
        if dirs is not None:
            d_i = {k: (v[i] if k in dirs_batched else v) for k, v in dirs.items()}
            dv1, dd1 = layer.jvp(one, d_i)
            for k in dv1:
                np.testing.assert_allclose(dv[k][i], dv1[k], rtol=BATCH_RTOL, atol=BATCH_ATOL)
            for k in dd1:
                np.testing.assert_allclose(dd[k][i], dd1[k], rtol=BATCH_RTOL, atol=BATCH_ATOL)


def test_batch_broadcasting_vector_batched_scalar_shared():
    layer = ref_layer("l2ball_projection")
    rng = np.random.default_rng(5)
    B = 4
    x = rng.normal(size=(B, 4)) * 1.5
    params = {"x": x, "r": 1.0}
    cot = {"y": rng.normal(size=(B, 4)), "dual:ball": rng.normal(size=B)}
    dirs = {"x": rng.normal(size=(B, 4)), "r": 0.3}
    assert_batch_matches_singles(layer, params, {"x"}, B, cot, True, dirs, {"x"})


def test_batch_broadcasting_scalar_batched_vector_shared_and_shared_cotangent():
    layer = ref_layer("l2ball_projection")
    B = 3
    params = {"x": np.array([1.0, -2.0, 0.5, 0.25]), "r": np.array([0.5, 1.0, 4.0])}  # last one inside
    cot = {"y": np.array([1.0, 0.0, -1.0, 2.0])}  # broadcast to every member
    dirs = {"x": np.array([0.1, 0.2, 0.3, 0.4]), "r": np.array([1.0, -1.0, 0.5])}
    assert_batch_matches_singles(layer, params, {"r"}, B, cot, False, dirs, {"r"})


def test_batch_broadcasting_matrix_parameter():
    j = ref_json("ridge")
    layer = ref_layer("ridge")
    rng = np.random.default_rng(8)
    B = 5
    A0 = np.asarray(j["params"]["A"])
    A = A0[None] + 0.1 * rng.normal(size=(B,) + A0.shape)
    lam = np.array([0.1, 0.5, 1.0, 2.0, 0.0])
    params = {"A": A, "b": np.asarray(j["params"]["b"]), "lam": lam}
    cot = {"x": rng.normal(size=(B, 4))}
    dirs = {"A": rng.normal(size=A0.shape), "b": rng.normal(size=(B, 6)), "lam": 1.0}
    assert_batch_matches_singles(layer, params, {"A", "lam"}, B, cot, True, dirs, {"b"})


def test_batch_of_one_is_a_batch():
    layer = ref_layer("relu_small")
    sol = layer.forward(x=np.array([[1.0, -1.0, 2.0, -2.0]]))
    assert sol.batch_size == 1
    assert sol["y"].shape == (1, 4)
    np.testing.assert_allclose(sol["y"][0], [1.0, 0.0, 2.0, 0.0], atol=1e-7)


# --------------------------------------------------------------------------------------
# Failure policy on a batch: raise vs status
# --------------------------------------------------------------------------------------

INTERVAL = """\
parameter lo
parameter hi
parameter c
variable x
minimize square(x - c)
subject to
    low: x >= lo
    high: x <= hi
"""


def interval_layer():
    return dopt.compile_str(INTERVAL, name="interval.dopt")


def test_batch_with_an_infeasible_member_raise():
    layer = interval_layer()
    params = {"lo": np.array([0.0, 2.0, -1.0]), "hi": np.array([1.0, 1.0, 1.0]), "c": 0.5}
    with pytest.raises(dopt.SolverError) as ei:
        layer.forward(params)
    assert "1" in str(ei.value)  # names the member
    with pytest.raises(dopt.SolverError):
        layer.forward(params, on_failure="raise")


def test_batch_with_an_infeasible_member_status():
    layer = interval_layer()
    params = {"lo": np.array([0.0, 2.0, -1.0]), "hi": np.array([1.0, 1.0, 1.0]), "c": np.array([0.5, 0.5, 3.0])}
    sol = layer.forward(params, on_failure="status")
    assert sol.batch_size == 3
    assert list(sol.status) == ["optimal", "infeasible", "optimal"]
    np.testing.assert_array_equal(np.asarray(sol.ok, dtype=bool), [True, False, True])
    assert sol.errors[0] is None and sol.errors[2] is None
    assert isinstance(sol.errors[1], str) and "infeasible" in sol.errors[1]
    np.testing.assert_allclose(sol["x"][[0, 2]], [0.5, 1.0], atol=1e-7)
    np.testing.assert_allclose(sol.objective[[0, 2]], [0.0, 4.0], atol=1e-6)
    # the high constraint is active on member 2: dual 2 (c - hi) = 4
    np.testing.assert_allclose(sol.duals["high"][2], 4.0, atol=1e-6)
    # backward: failed members get zero gradients with "status", an error with "raise"
    g = layer.backward(sol, {"x": np.ones(3)}, on_failure="status")
    np.testing.assert_allclose(g["c"], [1.0, 0.0, 0.0], atol=1e-6)  # x = c inside, clipped at hi
    np.testing.assert_allclose(g["hi"], [0.0, 0.0, 1.0], atol=1e-6)
    for k in ("lo", "hi", "c"):
        assert g[k].shape == (3,) and g[k][1] == 0.0
    with pytest.raises(dopt.SolverError):
        layer.backward(sol, {"x": np.ones(3)})


def test_batch_with_a_nan_member():
    layer = interval_layer()
    params = {"lo": np.array([0.0, np.nan, -1.0]), "hi": 1.0, "c": 0.5}
    with pytest.raises(dopt.ParameterError) as ei:
        layer.forward(params)
    assert "lo" in str(ei.value)
    sol = layer.forward(params, on_failure="status")
    assert list(sol.status) == ["optimal", "invalid", "optimal"]
    assert np.isnan(sol["x"][1])
    assert np.isnan(sol.objective[1])
    assert "lo" in sol.errors[1]
    np.testing.assert_allclose(sol["x"][[0, 2]], [0.5, 0.5], atol=1e-7)
    g = layer.backward(sol, {"x": np.ones(3)}, on_failure="status")
    np.testing.assert_allclose(g["c"], [1.0, 0.0, 1.0], atol=1e-6)
    assert not np.any(np.isnan(g["c"]))


# --------------------------------------------------------------------------------------
# Input conversions: ints, float32, non-contiguous, 0-d, lists
# --------------------------------------------------------------------------------------


def test_integer_inputs_are_converted():
    layer = ref_layer("relu_small")
    want = layer.forward(x=np.array([1.0, -2.0, 3.0, -1.0]))["y"]
    for x in (np.array([1, -2, 3, -1]), np.array([1, -2, 3, -1], dtype=np.int32), [1, -2, 3, -1]):
        got = layer.forward(x=x)["y"]
        assert got.dtype == np.float64
        same_solve(got, want)
    np.testing.assert_allclose(want, [1.0, 0.0, 3.0, 0.0], atol=1e-7)


def test_float32_inputs_are_converted():
    layer = ref_layer("relu_small")
    x = np.array([0.5, -0.25, 1.75, -3.0])  # exact in float32
    want = layer.forward(x=x)
    got = layer.forward(x=x.astype(np.float32))
    assert got["y"].dtype == np.float64
    same_solve(got["y"], want["y"])
    g = layer.backward(got, {"y": np.ones(4, dtype=np.float32)})
    assert g["x"].dtype == np.float64
    np.testing.assert_allclose(g["x"], [1.0, 0.0, 1.0, 0.0], atol=1e-6)


def test_byte_order_read_only_and_zero_stride_inputs():
    layer = ref_layer("relu_small")
    x = np.array([1.0, -2.0, 3.0, -1.0])
    want = layer.forward(x=x)["y"]
    read_only = x.copy()
    read_only.flags.writeable = False
    for given in (x.astype(">f8"), read_only, x.astype(np.float16), x.astype(">i4")):
        same_solve(layer.forward(x=given)["y"], want)
    # a broadcast view has zero strides
    same_solve(layer.forward(x=np.broadcast_to(np.array([1.5]), (4,)))["y"], layer.forward(x=np.full(4, 1.5))["y"])
    sol = layer.forward(x=x)
    g = layer.backward(sol, {"y": np.array([1, 2, 3, 4], dtype=">f4")})
    np.testing.assert_allclose(g["x"], [1.0, 0.0, 3.0, 0.0], atol=1e-6)


def test_non_contiguous_inputs_are_converted():
    j = ref_json("ridge")
    layer = ref_layer("ridge")
    A = np.asarray(j["params"]["A"], dtype=float)
    b = np.asarray(j["params"]["b"], dtype=float)
    want = layer.forward(A=A, b=b, lam=j["params"]["lam"])
    A_fortran = np.asfortranarray(A)  # the transpose of a C-contiguous array
    A_view = A.T.copy().T
    big = np.zeros(2 * b.size)
    big[::2] = b
    b_strided = big[::2]
    assert not A_view.flags["C_CONTIGUOUS"] and not b_strided.flags["C_CONTIGUOUS"]
    for Ax in (A_fortran, A_view):
        got = layer.forward(A=Ax, b=b_strided, lam=j["params"]["lam"])
        same_solve(got["x"], want["x"])
    # a reversed view, and a strided cotangent in backward
    rev = b[::-1][::-1]
    got = layer.forward(A=A, b=rev, lam=j["params"]["lam"])
    same_solve(got["x"], want["x"])
    c = np.arange(8.0)[::2]
    same_solve(layer.backward(want, {"x": c})["b"], layer.backward(want, {"x": c.copy()})["b"])


def test_zero_d_and_python_scalars_and_lists():
    j = ref_json("ridge")
    layer = ref_layer("ridge")
    A = j["params"]["A"]  # nested lists
    b = j["params"]["b"]
    lam = float(j["params"]["lam"])
    want = layer.forward(A=np.asarray(A), b=np.asarray(b), lam=np.float64(lam))
    for lam_in in (lam, np.array(lam), np.float64(lam), np.array([lam]).reshape(())):
        got = layer.forward(A=A, b=b, lam=lam_in)
        same_solve(got["x"], want["x"])
    # an integer scalar and a 0-d integer array
    a = layer.forward(A=A, b=b, lam=2)
    for lam_in in (np.array(2), np.int64(2), 2.0):
        same_solve(layer.forward(A=A, b=b, lam=lam_in)["x"], a["x"])
    # gradients of a scalar parameter are 0-d arrays
    g = layer.backward(a, {"x": np.ones(4)})
    assert np.shape(g["lam"]) == ()
    assert math.isfinite(float(g["lam"]))

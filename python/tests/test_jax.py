"""dopt.jax.Layer against dopt.torch.Layer and closed forms: values, jax.grad against the
torch gradient, jax.jit, jax.vmap as one native batched call (counted), grad of vmap and
vmap of grad, vmap over an explicit batch, float32, and what the backward asks for."""

from __future__ import annotations

import pickle

import jax
import numpy as np
import pytest
import torch

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

import dopt  # noqa: E402
import dopt.jax  # noqa: E402
import dopt.torch  # noqa: E402
from conftest import DATA, CountingLayer, _reference_json, sparsemax_np  # noqa: E402

SPARSEMAX_X = np.array([0.9, 0.1, 0.55, -0.4, 0.3, -1.0])


def torch_grads(layer, params, weights):
    """Values and d(sum_k weights[k] * out_k)/d(params) from dopt.torch."""
    ts = [torch.tensor(np.asarray(p, dtype=float), requires_grad=True) for p in params]
    outs = layer(*ts)
    loss = sum((o * torch.as_tensor(np.asarray(w, dtype=float))).sum() for o, w in zip(outs, weights))
    loss.backward()
    return [o.detach().numpy() for o in outs], [x.grad.numpy() for x in ts]


def jax_loss(layer, weights):
    def loss(*params):
        outs = layer(*params)
        return sum(jnp.sum(o * jnp.asarray(w)) for o, w in zip(outs, weights))

    return loss


CASES = {
    # name: (outputs, relative tolerance between the two front ends)
    "eq_least_squares": (["x", "dual:eq"], 1e-9),
    "l2ball_projection": (["y", "dual:ball"], 1e-9),
    "power_utility": (["x", "dual:budget"], 1e-9),
    "nearest_correlation": (["X"], 1e-9),
    "entropy_max": (["x", "dual:moments"], 1e-9),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_grad_equal_torch(name):
    outputs, tol = CASES[name]
    ref = _reference_json(name)
    tl = dopt.torch.Layer(DATA / f"{name}.dopt", outputs=outputs)
    jl = dopt.jax.Layer(layer=tl.layer, outputs=outputs)
    params = [np.asarray(ref["params"][n], dtype=float) for n in jl.parameter_names]
    rng = np.random.default_rng(7)
    weights = [rng.normal(size=np.shape(o)) for o in tl(*(torch.from_numpy(p) for p in params))]
    t_vals, t_grads = torch_grads(tl, params, weights)
    j_vals = jl(*(jnp.asarray(p) for p in params))
    for a, b in zip(j_vals, t_vals):
        assert a.dtype == jnp.float64
        np.testing.assert_allclose(np.asarray(a), b, rtol=tol, atol=tol)
    j_grads = jax.grad(jax_loss(jl, weights), argnums=tuple(range(len(params))))(*map(jnp.asarray, params))
    for a, b in zip(j_grads, t_grads):
        np.testing.assert_allclose(np.asarray(a), b, rtol=1e-8, atol=1e-9)
    # and the reference gradient of the variables' loss (cvxpylayers)
    if name == "eq_least_squares":
        g = jax.grad(jax_loss(jl, [ref["weights"]["x"], np.zeros(2)]))(*map(jnp.asarray, params))
        np.testing.assert_allclose(np.asarray(g), ref["grads"]["A"], rtol=1e-5, atol=1e-7)


def test_sparsemax_closed_form_under_jit():
    native = CountingLayer(dopt.compile("std:sparsemax", {"n": 6}))
    layer = dopt.jax.Layer(layer=native)
    w = jnp.array([1.0, -2.0, 0.5, 3.0, -1.5, 0.25])

    @jax.jit
    def step(x):
        (y,) = layer(x)
        return y, jax.grad(lambda x: jnp.sum(layer(x)[0] * w))(x)

    y, g = step(jnp.asarray(SPARSEMAX_X))
    np.testing.assert_allclose(np.asarray(y), sparsemax_np(SPARSEMAX_X), atol=1e-7)
    s = np.array([1, 0, 1, 0, 1, 0], dtype=float)
    ws = np.asarray(w) * s
    np.testing.assert_allclose(np.asarray(g), s * (ws - ws.sum() / 3), atol=1e-7)
    # the backward did not solve again: one forward for the primal, one for the VJP's fwd
    calls = len(native.forwards)
    step(jnp.asarray(SPARSEMAX_X + 0.01))
    assert len(native.forwards) == calls + 2 and native.from_raw[-1] is None


def test_vmap_is_one_native_batch_and_equals_a_loop():
    native = CountingLayer(dopt.compile(DATA / "l2ball_projection.dopt"))
    layer = dopt.jax.Layer(layer=native, outputs=["y", "dual:ball"])
    rng = np.random.default_rng(11)
    xs = rng.normal(size=(5, 4)) * 1.5
    xs[2] *= 0.1
    r = 1.2
    native.forwards.clear()
    Y, D = jax.vmap(layer, in_axes=(0, None))(jnp.asarray(xs), r)
    assert native.forwards == [5]  # one native call with a batch of 5
    assert Y.shape == (5, 4) and D.shape == (5,)
    for i in range(5):
        y, d = layer(jnp.asarray(xs[i]), r)
        np.testing.assert_allclose(np.asarray(Y[i]), np.asarray(y), atol=1e-12)
        np.testing.assert_allclose(float(D[i]), float(d), atol=1e-12)
    # under jit too
    native.forwards.clear()
    Yj, _ = jax.jit(jax.vmap(layer, in_axes=(0, None)))(jnp.asarray(xs), r)
    assert native.forwards == [5]
    np.testing.assert_allclose(np.asarray(Yj), np.asarray(Y), atol=1e-12)


def test_grad_of_vmap_and_vmap_of_grad():
    """loss = sum_i w_i . y(x_i, r): d/dx_i per member, d/dr summed over members; against
    torch's batched layer (whose batch path is tested against single calls)."""
    native = CountingLayer(dopt.compile(DATA / "l2ball_projection.dopt"))
    layer = dopt.jax.Layer(layer=native)
    tl = dopt.torch.Layer(layer=native.inner)
    rng = np.random.default_rng(12)
    xs = rng.normal(size=(4, 4)) * 1.5
    w = rng.normal(size=(4, 4))

    def loss(X, r):
        (Y,) = jax.vmap(layer, in_axes=(0, None))(X, r)
        return jnp.sum(Y * w)

    native.forwards.clear()
    native.from_raw.clear()
    gx, gr = jax.grad(loss, argnums=(0, 1))(jnp.asarray(xs), 1.2)
    assert native.forwards == [4] and native.from_raw == [4]
    _, (tx, tr) = torch_grads(tl, [xs, 1.2], [w])
    np.testing.assert_allclose(np.asarray(gx), tx, atol=1e-10)
    np.testing.assert_allclose(float(gr), float(tr), atol=1e-10)

    # vmap of grad: per-member gradients, r included (not summed)
    per = jax.vmap(jax.grad(lambda x, r, w: jnp.sum(layer(x, r)[0] * w), argnums=(0, 1)), in_axes=(0, None, 0))
    px, pr = per(jnp.asarray(xs), 1.2, jnp.asarray(w))
    assert pr.shape == (4,)
    np.testing.assert_allclose(np.asarray(px), tx, atol=1e-10)
    np.testing.assert_allclose(float(jnp.sum(pr)), float(tr), atol=1e-10)
    for i in range(4):
        _, (ti, ri) = torch_grads(tl, [xs[i], 1.2], [w[i]])
        np.testing.assert_allclose(float(pr[i]), float(ri), atol=1e-10)


def test_vmap_over_an_explicit_batch_and_nested_vmap():
    """An explicit batch axis inside a vmap, and two nested vmaps, are one native call each,
    equal to the single calls."""
    native = CountingLayer(dopt.compile(DATA / "eq_least_squares.dopt"))
    layer = dopt.jax.Layer(layer=native)
    ref = _reference_json("eq_least_squares")
    p = {k: jnp.asarray(v) for k, v in ref["params"].items()}
    rng = np.random.default_rng(13)
    bs = np.asarray(p["b"]) + rng.normal(size=(2, 3, 6)) * 0.3  # vmap axis 2, batch axis 3
    native.forwards.clear()
    (X,) = jax.vmap(layer, in_axes=(None, 0, None, None))(p["A"], jnp.asarray(bs), p["C"], p["d"])
    assert native.forwards == [6] and X.shape == (2, 3, 4)
    native.forwards.clear()
    inner = jax.vmap(layer, in_axes=(None, 0, None, None))
    (X2,) = jax.vmap(inner, in_axes=(None, 0, None, None))(p["A"], jnp.asarray(bs), p["C"], p["d"])
    assert native.forwards == [6]
    for i in range(2):
        for j in range(3):
            (x,) = layer(p["A"], jnp.asarray(bs[i, j]), p["C"], p["d"])
            np.testing.assert_allclose(np.asarray(X[i, j]), np.asarray(x), atol=1e-12)
            np.testing.assert_allclose(np.asarray(X2[i, j]), np.asarray(x), atol=1e-12)
    # gradient through the vmapped explicit batch: A shared, summed over all six members
    wx = jnp.asarray(ref["weights"]["x"])
    gA = jax.grad(lambda A: jnp.sum(jax.vmap(layer, in_axes=(None, 0, None, None))(A, jnp.asarray(bs), p["C"], p["d"])[0] * wx))(p["A"])
    want = sum(
        np.asarray(jax.grad(lambda A: jnp.sum(layer(A, jnp.asarray(bs[i, j]), p["C"], p["d"])[0] * wx))(p["A"]))
        for i in range(2)
        for j in range(3)
    )
    np.testing.assert_allclose(np.asarray(gA), want, atol=1e-10)


def test_unused_output_gets_no_cotangent():
    native = CountingLayer(dopt.compile(DATA / "eq_least_squares.dopt"))
    layer = dopt.jax.Layer(layer=native, outputs=["x", "dual:eq"])
    ref = _reference_json("eq_least_squares")
    params = [jnp.asarray(ref["params"][n]) for n in layer.parameter_names]
    g = jax.grad(lambda A: jnp.sum(layer(A, *params[1:])[0] * jnp.asarray(ref["weights"]["x"])))(params[0])
    assert native.backwards == [["x"]]
    np.testing.assert_allclose(np.asarray(g), ref["grads"]["A"], rtol=1e-5, atol=1e-7)


def test_float32_in_float32_out_and_pickle():
    layer = dopt.jax.Layer("std:sparsemax", dims={"n": 6})
    x = jnp.asarray(SPARSEMAX_X, dtype=jnp.float32)
    (y,) = layer(x)
    assert y.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(y), sparsemax_np(SPARSEMAX_X), atol=1e-6)
    g = jax.grad(lambda x: layer(x)[0][0])(x)
    assert g.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(g), [2 / 3, 0, -1 / 3, 0, -1 / 3, 0], atol=1e-6)
    again = pickle.loads(pickle.dumps(layer))
    np.testing.assert_array_equal(np.asarray(again(x)[0]), np.asarray(y))


X64_OFF = r"""
import numpy as np, jax, jax.numpy as jnp, dopt.jax
assert not jax.config.jax_enable_x64
layer = dopt.jax.Layer("std:softmax", dims={"n": 4})
x = jnp.asarray([-0.105, 1.361, 0.309, -0.702])
(y,) = layer(x)
w = jnp.asarray([0.0849, 0.608, -0.2173, 0.4536])
g = jax.jit(jax.grad(lambda x: jnp.sum(layer(x)[0] * w)))(x)
gv = jax.vmap(jax.grad(lambda x: jnp.sum(layer(x)[0] * w)))(jnp.stack([x, x + 0.5]))
print(y.dtype, g.dtype, *np.asarray(y, dtype=float), *np.asarray(g, dtype=float), *np.asarray(gv[1] - gv[0], dtype=float))
"""


def test_without_x64():
    """With jax_enable_x64 off (JAX's default) values and gradients are float32 and right
    (softmax's closed form), under jit and vmap; this exercises the path where the raw
    solution kept for the backward pass travels as float32 pairs. Runs in a fresh
    interpreter, since this suite turns x64 on."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", X64_OFF], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    words = out.stdout.split()
    assert words[:2] == ["float32", "float32"]
    vals = np.array([float(v) for v in words[2:]])
    x = np.array([-0.105, 1.361, 0.309, -0.702])
    w = np.array([0.0849, 0.608, -0.2173, 0.4536])
    y = np.exp(x) / np.exp(x).sum()
    np.testing.assert_allclose(vals[:4], y, atol=3e-5)
    np.testing.assert_allclose(vals[4:8], y * (w - y @ w), atol=1e-4)
    # softmax is shift-invariant: the member at x + 0.5 has the same gradient
    np.testing.assert_allclose(vals[8:], 0, atol=1e-4)


def test_failed_solve_raises_with_the_status():
    """csparsemax with sum(u) < 1 is infeasible: the callback's SolverError reaches the
    caller (JAX wraps it in its runtime error, keeping dopt's message)."""
    layer = dopt.jax.Layer("std:csparsemax", dims={"n": 4})
    with pytest.raises(Exception, match="status `infeasible`"):
        jax.block_until_ready(layer(jnp.ones(4), jnp.full(4, 0.1)))


def test_jacrev_is_one_forward_and_one_batched_backward():
    """jax.jacrev maps the VJP over the rows of the identity: one solve, then one backward
    call with a batch of n cotangents over a solution rebuilt (broadcast) from the raw one."""
    native = CountingLayer(dopt.compile("std:sparsemax", {"n": 6}))
    layer = dopt.jax.Layer(layer=native)
    jac = jax.jacrev(lambda x: layer(x)[0])(jnp.asarray(SPARSEMAX_X))
    s = np.array([1, 0, 1, 0, 1, 0], dtype=float)
    np.testing.assert_allclose(np.asarray(jac), np.diag(s) - np.outer(s, s) / 3, atol=1e-7)
    assert native.forwards == [None] and native.from_raw == [6] and len(native.backwards) == 1


def test_shape_errors_are_raised_at_trace_time_with_the_name():
    layer = dopt.jax.Layer(DATA / "l2ball_projection.dopt")
    with pytest.raises(dopt.ParameterError, match=r"parameter `x` has shape \(3,\); expected \(4,\) \(or \(B, 4\) for a batch\)") as e:
        jax.jit(layer)(jnp.ones(3), 1.0)
    assert e.value.code == "E0702"
    with pytest.raises(dopt.ParameterError, match="`r` has a batch axis of size 3 but `x` has one of size 2"):
        layer(jnp.ones((2, 4)), jnp.ones(3))


# --------------------------------------------------------------------------------------
# Failure policy: on_failure="raise"|"status" and return_status
# --------------------------------------------------------------------------------------

EXAMPLES = DATA.parents[2] / "examples"
K = 8


def _projection_batch():
    """projection.dopt (test_examples.py's infeasible-member batch): member 2's polytope
    G y <= h - 5 is empty. Returns x (4, 2), G (k, 2) shared, H (4, k) and weights (4, 2)."""
    a = 2 * np.pi * (np.arange(K) + 0.5) / K
    G = np.stack([np.cos(a), np.sin(a)], axis=1)
    x = np.array([[2.0, 0.3], [-1.5, 1.0], [0.5, 0.5], [0.2, -2.0]])
    H = np.full((4, K), 0.5) + np.array([0.0, 0.0, -5.0, 0.0])[:, None]
    w = np.array([[1.0, -0.5], [0.3, 2.0], [1.5, 1.0], [-1.0, 0.7]])
    return x, G, H, w


def _projection(**kw):
    native = CountingLayer(dopt.compile(EXAMPLES / "projection.dopt", {"k": K}))
    return native, dopt.jax.Layer(layer=native, parameters=["x", "G", "h"], **kw)


@pytest.mark.parametrize("jit", [False, True])
def test_status_policy_under_vmap_and_jit(jit):
    """With on_failure="status" the infeasible member is reported (status code), the other
    members' outputs and gradients equal those of the batch without it (one native call
    either way), the failed member's gradient is zero although its output is in the loss,
    and the shared G gets exactly the other members' summed gradient; as torch does."""
    x, G, H, w = _projection_batch()
    native, layer = _projection(on_failure="status", return_status=True)
    assert layer.on_failure == "status" and layer.return_status
    vlayer = jax.vmap(layer, in_axes=(0, None, 0))

    def loss(x, G, H, w):
        y, _ = vlayer(x, G, H)
        return jnp.sum(y * w)

    run = jax.jit(vlayer) if jit else vlayer
    grad = jax.grad(loss, argnums=(0, 1, 2))
    grad = jax.jit(grad) if jit else grad
    native.forwards.clear()
    Y, st = run(jnp.asarray(x), jnp.asarray(G), jnp.asarray(H))
    assert native.forwards == [4]
    assert st.dtype == jnp.int32 and np.asarray(st).tolist() == [0, 0, 1, 0]
    assert dopt.jax.status_names(st) == ["optimal", "optimal", "infeasible", "optimal"]
    assert dopt.jax.STATUSES[1] == "infeasible"
    gx, gG, gH = grad(jnp.asarray(x), jnp.asarray(G), jnp.asarray(H), jnp.asarray(w))
    assert np.all(np.asarray(gx[2]) == 0) and np.all(np.asarray(gH[2]) == 0)
    assert np.all(np.isfinite(np.asarray(gG))) and float(jnp.abs(gG).sum()) > 0

    good = [0, 1, 3]
    Y3, st3 = run(jnp.asarray(x[good]), jnp.asarray(G), jnp.asarray(H[good]))
    assert np.asarray(st3).tolist() == [0, 0, 0]
    np.testing.assert_allclose(np.asarray(Y)[good], np.asarray(Y3), rtol=0, atol=1e-9)
    gx3, gG3, gH3 = grad(jnp.asarray(x[good]), jnp.asarray(G), jnp.asarray(H[good]), jnp.asarray(w[good]))
    np.testing.assert_allclose(np.asarray(gx)[good], np.asarray(gx3), rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.asarray(gH)[good], np.asarray(gH3), rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.asarray(gG), np.asarray(gG3), rtol=0, atol=1e-9)

    # against dopt.torch with on_failure="status" on the same batch (G shared)
    tl = dopt.torch.Layer(layer=native.inner, parameters=["x", "G", "h"], on_failure="status")
    t_vals, (tx, tG, tH) = torch_grads(tl, [x, G, H], [w])
    assert tl.last_status == ["optimal", "optimal", "infeasible", "optimal"]
    np.testing.assert_allclose(np.asarray(Y)[good], t_vals[0][good], rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.asarray(gx), tx, rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.asarray(gH), tH, rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.asarray(gG), tG, rtol=0, atol=1e-9)


def test_status_policy_with_an_explicit_batch_and_a_single_failed_solve():
    """The explicit batch axis (no vmap) behaves the same; without return_status the
    outputs are the layer's alone; a single failed solve (everything failed) returns its
    iterate and zero gradients without a backward call."""
    x, G, H, w = _projection_batch()
    native, layer = _projection(on_failure="status")
    (Y,) = layer(jnp.asarray(x), jnp.asarray(G), jnp.asarray(H))
    assert Y.shape == (4, 2)
    gx, gG = jax.jit(jax.grad(lambda x, G: jnp.sum(layer(x, G, jnp.asarray(H))[0] * w), argnums=(0, 1)))(
        jnp.asarray(x), jnp.asarray(G)
    )
    _, (tx, tG, _) = torch_grads(dopt.torch.Layer(layer=native.inner, parameters=["x", "G", "h"], on_failure="status"), [x, G, H], [w])
    np.testing.assert_allclose(np.asarray(gx), tx, rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.asarray(gG), tG, rtol=0, atol=1e-9)
    assert np.all(np.asarray(gx[2]) == 0)

    native.backwards.clear()
    g = jax.grad(lambda x, G: jnp.sum(layer(x, G, jnp.asarray(H[2]))[0] * w[2]), argnums=(0, 1))(jnp.asarray(x[2]), jnp.asarray(G))
    assert all(np.all(np.asarray(gi) == 0) for gi in g) and native.backwards == []


def test_raise_policy_names_the_member_and_the_status():
    """on_failure="raise" (the default): under vmap and jit the SolverError raised in the
    callback reaches the caller wrapped by JAX, with dopt's message naming the member of
    the native batch and its status; return_status is then all zeros on success."""
    x, G, H, w = _projection_batch()
    _, layer = _projection()
    assert layer.on_failure == "raise" and not layer.return_status
    vlayer = jax.vmap(layer, in_axes=(0, None, 0))
    msg = r"batch member 2: the solve ended with status `infeasible`"
    with pytest.raises((dopt.SolverError, jax.errors.JaxRuntimeError), match=msg):
        jax.block_until_ready(jax.jit(vlayer)(jnp.asarray(x), jnp.asarray(G), jnp.asarray(H)))
    with pytest.raises((dopt.SolverError, jax.errors.JaxRuntimeError), match=msg):
        jax.block_until_ready(
            jax.jit(jax.grad(lambda x: jnp.sum(vlayer(x, jnp.asarray(G), jnp.asarray(H))[0])))(jnp.asarray(x))
        )
    _, with_status = _projection(return_status=True)
    Y, st = jax.jit(jax.vmap(with_status, in_axes=(0, None, 0)))(jnp.asarray(x[:2]), jnp.asarray(G), jnp.asarray(H[:2]))
    assert Y.shape == (2, 2) and np.asarray(st).tolist() == [0, 0]


def test_on_failure_is_checked_and_pickled():
    with pytest.raises(ValueError, match="on_failure must be 'raise' or 'status', not 'ignore'"):
        dopt.jax.Layer("std:sparsemax", dims={"n": 4}, on_failure="ignore")
    layer = dopt.jax.Layer("std:csparsemax", dims={"n": 4}, on_failure="status", return_status=True)
    again = pickle.loads(pickle.dumps(layer))
    assert again.on_failure == "status" and again.return_status
    y, st = again(jnp.ones(4), jnp.full(4, 0.1))
    assert int(st) == 1 and dopt.jax.status_names(st) == "infeasible"
    assert "on_failure='status'" in repr(again)
    with pytest.raises(TypeError, match="return_status must be True or False, not 'no'"):
        dopt.jax.Layer("std:sparsemax", dims={"n": 4}, return_status="no")
    for bad in (7, -1, 1.5):
        with pytest.raises(ValueError, match="status codes are whole numbers 0 to 6"):
            dopt.jax.status_names(bad)

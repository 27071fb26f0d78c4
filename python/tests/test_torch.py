"""dopt.torch.Layer against real numbers: gradcheck (float64 finite differences) on a
layer of every cone (zero, nonnegative, second-order, exponential, power, PSD) and on a
dual output; the reference problems' cvxpylayers gradients; the closed forms of
sparsemax, softmax and ReLU and their Jacobians; dtypes; batches with broadcasting
against single calls; what the backward pass is asked for; the failure policy; pickling."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

import dopt
import dopt.torch
from conftest import DATA, CountingLayer, _reference_json, sparsemax_np

F64 = torch.float64


def t(v, grad=True, dtype=F64):
    return torch.tensor(np.asarray(v, dtype=float), dtype=dtype, requires_grad=grad)


def ref_inputs(name, layer):
    ref = _reference_json(name)
    return [t(ref["params"][n]) for n in layer.parameter_names], ref


# Parameter values away from kinks (every active set strict, every solution unique).
SPARSEMAX_X = [0.9, 0.1, 0.55, -0.4, 0.3, -1.0]  # support {0, 2, 4}, tau = 0.25


# --------------------------------------------------------------------------------------
# gradcheck: every cone and a dual output
# --------------------------------------------------------------------------------------


def tight(source, dims=None, tol=1e-12, **kwargs):
    """A torch layer solved to a tight tolerance: finite differences of the forward need the
    solution far more accurate than the step, and the exponential, power and PSD layers are
    accurate to only ~1e-5 at the default 1e-8 (measured against the reference solutions:
    power_utility 9e-5 at 1e-8, 5e-6 at 1e-10, 2e-9 at 1e-12; entropy_max 3e-10 and
    softmax_small 3e-12 at 1e-12; nearest_correlation 8e-8 at 1e-11, and 1e-12 ends
    `inaccurate`)."""
    return dopt.torch.Layer(dopt.compile(source, dims).with_settings(tol=tol, max_iter=500), **kwargs)


def _gradcheck(layer, inputs, wrap=None, **tol):
    def f(*args):
        if wrap is not None:
            args = wrap(*args)
        return layer(*args)

    assert torch.autograd.gradcheck(f, tuple(inputs), **tol)


def test_gradcheck_zero_cone_with_dual_output():
    """Equality-constrained least squares (zero cone; its QP part is nonnegative-free), with
    the dual of `eq: C @ x == d` as a second output."""
    layer = dopt.torch.Layer(DATA / "eq_least_squares.dopt", outputs=["x", "dual:eq"])
    inputs, _ = ref_inputs("eq_least_squares", layer)
    _gradcheck(layer, inputs, eps=1e-6, atol=1e-6, rtol=1e-4)


def test_gradcheck_nonnegative_cone_sparsemax():
    layer = dopt.torch.Layer("std:sparsemax", dims={"n": 6})
    _gradcheck(layer, [t(SPARSEMAX_X)], eps=1e-6, atol=1e-6, rtol=1e-4)


def test_gradcheck_second_order_cone():
    layer = dopt.torch.Layer(DATA / "l2ball_projection.dopt", outputs=["y", "dual:ball"])
    inputs, _ = ref_inputs("l2ball_projection", layer)
    _gradcheck(layer, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)


def test_softmax_full_jacobian_closed_form_tight():
    """The exponential cone through std:softmax: the whole Jacobian from the backward pass
    against diag(y) - y yᵀ. (Finite differences of std:softmax are not used: at tolerances
    tight enough for them, many perturbed solves end `inaccurate` ~4e-7 from softmax(x), the
    exponential cone's accuracy limit; entropy_max below is the exponential gradcheck.)"""
    layer = tight("std:softmax", {"n": 5})
    xv = np.array([0.008, -0.276, 1.294, 1.007, -2.711])  # solves to 1.2e-11 at tol 1e-12
    jac = torch.autograd.functional.jacobian(lambda x: layer(x)[0], t(xv))
    y = np.exp(xv) / np.exp(xv).sum()
    np.testing.assert_allclose(jac.numpy(), np.diag(y) - np.outer(y, y), atol=1e-8)


@pytest.mark.parametrize(
    "name, outputs",
    [("entropy_max", ["x", "dual:moments"]), ("power_utility", ["x", "dual:budget"])],
    ids=["exponential", "power"],
)
def test_gradcheck_exponential_and_power_cones_with_duals(name, outputs):
    layer = tight(DATA / f"{name}.dopt", outputs=outputs, on_failure="status")
    inputs, _ = ref_inputs(name, layer)
    _gradcheck(layer, inputs, eps=1e-4, atol=1e-4, rtol=1e-3)
    layer(*inputs)
    assert layer.last_status == "optimal"  # the analytical Jacobian is not a failed solve's zero


def test_gradcheck_psd_cone():
    """Nearest correlation matrix: `C` is declared symmetric, so the checked function takes
    a free matrix M and passes (M + Mᵀ)/2."""
    layer = tight(DATA / "nearest_correlation.dopt", tol=1e-11)
    inputs, _ = ref_inputs("nearest_correlation", layer)
    _gradcheck(layer, inputs, wrap=lambda m: ((m + m.T) / 2,), eps=1e-4, atol=1e-3, rtol=1e-3)


# --------------------------------------------------------------------------------------
# The reference problems: cvxpy's solution and cvxpylayers' gradient
# --------------------------------------------------------------------------------------

REFERENCE = {
    # name: (relative tolerance on values, on gradients)
    "eq_least_squares": (1e-6, 1e-5),
    "l2ball_projection": (1e-6, 1e-5),
    "entropy_max": (5e-5, 1e-3),
    "softmax_small": (5e-5, 1e-3),
    "power_utility": (5e-5, 1e-3),
    "nearest_correlation": (5e-5, 1e-3),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_reference_values_and_gradients(name):
    vtol, gtol = REFERENCE[name]
    layer = dopt.torch.Layer(DATA / f"{name}.dopt")
    inputs, ref = ref_inputs(name, layer)
    outs = layer(*inputs)
    loss = 0.0
    for out_name, out in zip(layer.output_names, outs):
        want = np.asarray(ref["variables"][out_name])
        scale = max(1.0, np.abs(want).max())
        assert np.abs(out.detach().numpy() - want).max() <= vtol * scale, out_name
        loss = loss + (out * t(ref["weights"][out_name], grad=False)).sum()
    loss.backward()
    for n, x in zip(layer.parameter_names, inputs):
        want = np.asarray(ref["grads"][n])
        scale = max(1.0, np.abs(want).max())
        assert np.abs(x.grad.numpy() - want).max() <= gtol * scale, n


# --------------------------------------------------------------------------------------
# Closed forms
# --------------------------------------------------------------------------------------


def test_sparsemax_forward_and_vjp_closed_form():
    layer = dopt.torch.Layer("std:sparsemax", dims={"n": 6})
    x = t(SPARSEMAX_X)
    (y,) = layer(x)
    want = sparsemax_np(np.array(SPARSEMAX_X))
    np.testing.assert_allclose(y.detach().numpy(), want, atol=1e-7)
    np.testing.assert_allclose(want, [0.65, 0, 0.3, 0, 0.05, 0], atol=1e-12)
    # VJP: on the support S, J = I - 11ᵀ/|S|; off it, 0.
    w = torch.tensor([1.0, -2.0, 0.5, 3.0, -1.5, 0.25], dtype=F64)
    (g,) = torch.autograd.grad((y * w).sum(), x)
    s = np.array([1, 0, 1, 0, 1, 0], dtype=float)
    ws = w.numpy() * s
    np.testing.assert_allclose(g.numpy(), s * (ws - ws.sum() / s.sum()), atol=1e-7)


def test_softmax_forward_and_vjp_closed_form():
    layer = dopt.torch.Layer("std:softmax", dims={"n": 5})
    xv = np.array([0.3, -0.2, 0.9, 0.1, -0.7])
    x = t(xv)
    (y,) = layer(x)
    want = np.exp(xv) / np.exp(xv).sum()
    np.testing.assert_allclose(y.detach().numpy(), want, atol=2e-5)
    # dy/dx = diag(y) - y yᵀ, so the VJP of w is y * (w - y·w).
    w = np.array([1.0, -2.0, 0.5, 3.0, -1.5])
    (g,) = torch.autograd.grad((y * torch.from_numpy(w)).sum(), x)
    np.testing.assert_allclose(g.numpy(), want * (w - want @ w), atol=1e-4)


def test_relu_forward_and_vjp_closed_form():
    layer = dopt.torch.Layer("std:relu", dims={"n": 5})
    xv = np.array([0.7, -0.3, 1.2, -2.0, 0.05])
    x = t(xv)
    (y,) = layer(x)
    np.testing.assert_allclose(y.detach().numpy(), np.maximum(xv, 0), atol=1e-6)
    w = np.array([1.0, 2.0, -3.0, 4.0, 5.0])
    (g,) = torch.autograd.grad((y * torch.from_numpy(w)).sum(), x)
    np.testing.assert_allclose(g.numpy(), w * (xv > 0), atol=1e-7)


# --------------------------------------------------------------------------------------
# Dtypes, sources, parameter order, pickling
# --------------------------------------------------------------------------------------


def test_float32_in_float32_out():
    layer = dopt.torch.Layer(DATA / "l2ball_projection.dopt")
    ref = _reference_json("l2ball_projection")
    x = t(ref["params"]["x"], dtype=torch.float32)
    r = t(ref["params"]["r"], dtype=torch.float32)
    (y,) = layer(x, r)
    assert y.dtype == torch.float32
    np.testing.assert_allclose(y.detach().numpy(), ref["variables"]["y"], rtol=1e-6, atol=1e-6)
    (y * torch.tensor(ref["weights"]["y"], dtype=torch.float32)).sum().backward()
    assert x.grad.dtype == torch.float32 and r.grad.dtype == torch.float32
    assert r.grad.shape == ()
    np.testing.assert_allclose(x.grad.numpy(), ref["grads"]["x"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(r.grad.numpy(), ref["grads"]["r"], rtol=1e-5, atol=1e-6)
    # mixed float32/float64 promotes to float64
    (y64,) = layer(x.detach(), r.detach().double())
    assert y64.dtype == F64


def test_sources_parameter_order_and_compiled_layer(tmp_path):
    text = (DATA / "eq_least_squares.dopt").read_text()
    dopt.compile(DATA / "eq_least_squares.dopt").save(tmp_path / "eq.layer")
    ref = _reference_json("eq_least_squares")
    by_path = dopt.torch.Layer(DATA / "eq_least_squares.dopt")
    by_text = dopt.torch.Layer(text)
    compiled = dopt.torch.Layer(dopt.compile(DATA / "eq_least_squares.dopt"))
    from_file = dopt.torch.Layer(str(tmp_path / "eq.layer"))  # a layer file is loaded
    reordered = dopt.torch.Layer(layer=compiled.layer, parameters=["d", "C", "b", "A"])
    assert by_path.parameter_names == ("A", "b", "C", "d")
    assert reordered.parameter_names == ("d", "C", "b", "A")
    p = {k: torch.tensor(v, dtype=F64) for k, v in ref["params"].items()}
    want = np.asarray(ref["variables"]["x"])
    for lay in (by_path, by_text, compiled, from_file):
        np.testing.assert_allclose(lay(p["A"], p["b"], p["C"], p["d"])[0].numpy(), want, atol=1e-6)
    np.testing.assert_allclose(reordered(p["d"], p["C"], p["b"], p["A"])[0].numpy(), want, atol=1e-6)
    with pytest.raises(ValueError, match="unknown parameter 'e'"):
        dopt.torch.Layer(text, parameters=["A", "b", "C", "e"])
    with pytest.raises(ValueError, match="leaves out"):
        dopt.torch.Layer(text, parameters=["A", "b", "C"])
    with pytest.raises(ValueError, match="unknown output 'dual:nope'"):
        dopt.torch.Layer(text, outputs=["x", "dual:nope"])
    with pytest.raises(ValueError, match="compiled layer file"):
        dopt.torch.Layer(tmp_path / "eq.layer", dims={"n": 5})
    with pytest.raises(TypeError, match="takes 4 parameter tensors"):
        by_path(p["A"], p["b"])


def test_pickle_round_trip():
    layer = dopt.torch.Layer("std:sparsemax", dims={"n": 6})
    again = pickle.loads(pickle.dumps(layer))
    assert isinstance(again.layer, dopt.Layer)
    x = t(SPARSEMAX_X)
    (y1,) = layer(x)
    (y2,) = again(x)
    np.testing.assert_array_equal(y1.detach().numpy(), y2.detach().numpy())
    (g,) = torch.autograd.grad(y2[0], x)
    np.testing.assert_allclose(g.numpy(), [2 / 3, 0, -1 / 3, 0, -1 / 3, 0], atol=1e-7)


# --------------------------------------------------------------------------------------
# Batches
# --------------------------------------------------------------------------------------


def test_batch_with_broadcasting_equals_single_calls():
    """x batched (4 members), r shared: values and x-gradients per member equal single
    calls; r's gradient is the sum of the members' gradients."""
    layer = dopt.torch.Layer(DATA / "l2ball_projection.dopt", outputs=["y", "dual:ball"])
    rng = np.random.default_rng(3)
    xs = rng.normal(size=(4, 4)) * 1.5
    xs[1] *= 0.1  # inside the ball: the constraint is inactive for this member
    w = rng.normal(size=(4, 4))
    wd = rng.normal(size=4)
    X = t(xs)
    R = t(1.2)
    Y, D = layer(X, R)
    assert Y.shape == (4, 4) and D.shape == (4,)
    ((Y * torch.from_numpy(w)).sum() + (D * torch.from_numpy(wd)).sum()).backward()
    r_grad = 0.0
    for i in range(4):
        x, r = t(xs[i]), t(1.2)
        y, d = layer(x, r)
        np.testing.assert_allclose(Y[i].detach().numpy(), y.detach().numpy(), atol=1e-9)
        np.testing.assert_allclose(D[i].detach().numpy(), d.detach().numpy(), atol=1e-9)
        ((y * torch.from_numpy(w[i])).sum() + d * wd[i]).backward()
        np.testing.assert_allclose(X.grad[i].numpy(), x.grad.numpy(), atol=1e-9)
        r_grad += r.grad.item()
    assert R.grad.shape == ()
    assert abs(R.grad.item() - r_grad) <= 1e-9 * max(1, abs(r_grad))
    # the inactive member: y = x, so its row of the x-gradient is w itself
    np.testing.assert_allclose(X.grad[1].numpy(), w[1], atol=1e-7)


def test_batch_matrix_shared_vector_batched():
    """eq_least_squares with b batched and A, C, d shared: A's gradient is the sum over
    the batch (checked against single calls)."""
    layer = dopt.torch.Layer(DATA / "eq_least_squares.dopt")
    ref = _reference_json("eq_least_squares")
    p = {k: np.asarray(v, dtype=float) for k, v in ref["params"].items()}
    bs = p["b"] + np.random.default_rng(5).normal(size=(3, 6)) * 0.5
    A, B, C, d = t(p["A"]), t(bs), t(p["C"]), t(p["d"])
    (X,) = layer(A, B, C, d)
    wx = np.asarray(ref["weights"]["x"])
    (X * torch.from_numpy(wx)).sum().backward()
    gA = np.zeros_like(p["A"])
    for i in range(3):
        a1 = t(p["A"])
        b1 = t(bs[i])
        (x,) = layer(a1, b1, t(p["C"]), t(p["d"]))
        np.testing.assert_allclose(X[i].detach().numpy(), x.detach().numpy(), atol=1e-9)
        (x * torch.from_numpy(wx)).sum().backward()
        np.testing.assert_allclose(B.grad[i].numpy(), b1.grad.numpy(), atol=1e-9)
        gA += a1.grad.numpy()
    np.testing.assert_allclose(A.grad.numpy(), gA, atol=1e-9)


# --------------------------------------------------------------------------------------
# What the backward pass asks the native layer for
# --------------------------------------------------------------------------------------


def test_unused_outputs_cost_no_backward_work():
    native = CountingLayer(dopt.compile(DATA / "eq_least_squares.dopt"))
    both = dopt.torch.Layer(layer=native, outputs=["x", "dual:eq"])
    only_x = dopt.torch.Layer(DATA / "eq_least_squares.dopt")
    ref = _reference_json("eq_least_squares")
    p1 = [t(ref["params"][n]) for n in both.parameter_names]
    p2 = [t(ref["params"][n]) for n in both.parameter_names]
    wx = torch.tensor(ref["weights"]["x"], dtype=F64)
    x, _dual = both(*p1)
    (x * wx).sum().backward()
    assert native.backwards == [["x"]]  # the dual's cotangent is not sent
    (x2,) = only_x(*p2)
    (x2 * wx).sum().backward()
    for a, b in zip(p1, p2):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(p1[0].grad.numpy(), ref["grads"]["A"], rtol=1e-5, atol=1e-7)
    # Inputs that need no gradient: nothing is recorded, outputs need no grad.
    x3, d3 = both(*(a.detach() for a in p1))
    assert not x3.requires_grad and not d3.requires_grad
    # Only some inputs need a gradient: only those receive one.
    q = [a.detach() for a in p1]
    q[1].requires_grad_(True)
    x4, _ = both(*q)
    (x4 * wx).sum().backward()
    assert q[0].grad is None and q[2].grad is None
    np.testing.assert_allclose(q[1].grad.numpy(), ref["grads"]["b"], rtol=1e-5, atol=1e-7)


# --------------------------------------------------------------------------------------
# Failure policy
# --------------------------------------------------------------------------------------


def test_status_policy_on_infeasible_member():
    """csparsemax (0 <= y <= u, sum y = 1) is infeasible when sum(u) < 1."""
    x = np.array([[0.9, 0.1, 0.55, -0.4], [0.9, 0.1, 0.55, -0.4]])
    u = np.array([[0.6, 0.6, 0.6, 0.6], [0.1, 0.1, 0.1, 0.1]])
    status = dopt.torch.Layer("std:csparsemax", dims={"n": 4}, on_failure="status")
    X, U = t(x), t(u)
    (Y,) = status(X, U)
    assert status.last_status == ["optimal", "infeasible"]
    w = torch.tensor([1.0, -1.0, 2.0, 0.5], dtype=F64)
    (Y[0] * w).sum().backward()
    # member 0 against a single call; member 1 (failed) gets zero gradients
    x0, u0 = t(x[0]), t(u[0])
    (y0,) = status(x0, u0)
    assert status.last_status == "optimal"
    np.testing.assert_allclose(Y[0].detach().numpy(), y0.detach().numpy(), atol=1e-9)
    np.testing.assert_allclose(y0.detach().numpy(), [0.6, 0.0, 0.4, 0.0], atol=1e-6)
    (y0 * w).sum().backward()
    np.testing.assert_allclose(X.grad[0].numpy(), x0.grad.numpy(), atol=1e-9)
    np.testing.assert_allclose(U.grad[0].numpy(), u0.grad.numpy(), atol=1e-9)
    assert np.all(X.grad[1].numpy() == 0) and np.all(U.grad[1].numpy() == 0)
    # a failed member's output still flows into a loss: its gradient is zero, not NaN
    X.grad = None
    (Y[1].nan_to_num() * w).sum().backward()
    assert np.all(X.grad.numpy() == 0)

    raising = dopt.torch.Layer("std:csparsemax", dims={"n": 4})
    with pytest.raises(dopt.SolverError):
        raising(X, U)


def test_double_backward_is_refused():
    """The backward pass is not itself differentiable (it runs in Rust): asking for a
    second derivative raises instead of returning a silently wrong zero."""
    layer = dopt.torch.Layer("std:sparsemax", dims={"n": 6})
    x = t(SPARSEMAX_X)
    (y,) = layer(x)
    (g,) = torch.autograd.grad((y * y).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="once_differentiable"):
        g.sum().backward()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_round_trip():
    layer = dopt.torch.Layer("std:sparsemax", dims={"n": 6})
    x = torch.tensor(SPARSEMAX_X, dtype=torch.float32, device="cuda", requires_grad=True)
    (y,) = layer(x)
    assert y.device == x.device and y.dtype == torch.float32
    y[0].backward()
    assert x.grad.device == x.device
    np.testing.assert_allclose(x.grad.cpu().numpy(), [2 / 3, 0, -1 / 3, 0, -1 / 3, 0], atol=1e-6)

"""Reference values for dopt's geometric programs (tests/dgp.rs).

For each classic GP: the .dopt text, parameter values, cvxpy 1.9.3's `gp=True`
solution (variables, optimal value, duals of the named constraints) and the
gradient of a linear loss of the variables with respect to the parameters from
cvxpylayers' `gp=True` layer (JAX interface), at the same parameter values.

Run with a Python that has cvxpy 1.9.3, cvxpylayers and jax:
    python tests/data/dgp/make_reference.py > tests/data/dgp/reference.json
The tests read the JSON only; they do not need cvxpy.
"""

import json

import cvxpy as cp
import jax
import jax.numpy as jnp
import numpy as np
from cvxpylayers.jax import CvxpyLayer

jax.config.update("jax_enable_x64", True)
# diffcp (cvxpylayers' default back end) with Clarabel at tight tolerances, so that
# the layer's solution and gradient are accurate well beyond the tests' 1e-5.
TIGHT = {"solve_method": "Clarabel", "tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12}
# The derivative is solved densely (diffcp's default LSQR stops near 1e-6).
TIGHT_GRAD = dict(TIGHT, mode="dense")


def box_volume():
    text = """geometric
parameter a_wall
parameter a_floor
parameter alpha
parameter beta
parameter gamma
parameter delta
variable h
variable w
variable d
maximize h * w * d
subject to
    wall: 2 * (h * w + h * d) <= a_wall
    floor: w * d <= a_floor
    alpha <= h / w <= beta
    gamma <= d / w <= delta
"""
    names = ["a_wall", "a_floor", "alpha", "beta", "gamma", "delta"]
    P = {k: cp.Parameter(pos=True, name=k) for k in names}
    h, w, d = (cp.Variable(pos=True, name=k) for k in "hwd")
    wall = 2 * (h * w + h * d) <= P["a_wall"]
    floor = w * d <= P["a_floor"]
    cons = [wall, floor, P["alpha"] <= h / w, h / w <= P["beta"], P["gamma"] <= d / w, d / w <= P["delta"]]
    prob = cp.Problem(cp.Maximize(h * w * d), cons)
    values = {"a_wall": 100.0, "a_floor": 10.0, "alpha": 0.5, "beta": 2.0, "gamma": 0.5, "delta": 2.0}
    return text, prob, P, {"h": h, "w": w, "d": d}, {"wall": wall, "floor": floor}, values, {
        "h": 1.0,
        "w": -0.5,
        "d": 2.0,
    }


def power_control():
    # Minimize total transmit power subject to a lower bound on each receiver's
    # signal-to-interference-plus-noise ratio (Boyd et al., "A tutorial on geometric
    # programming", §6): (sigma_i + sum_j F_ij P_j) / (g_i P_i) <= 1 / s_min.
    n = 3
    text = """geometric
dim n = 3
parameter g[n]
parameter F[n, n]
parameter sigma[n]
parameter p_max
parameter s_inv
variable P[n]
minimize sum(P)
subject to
    sinr: (sigma + F @ P) / (g * P) <= s_inv
    cap: P <= p_max
"""
    g = cp.Parameter(n, pos=True, name="g")
    F = cp.Parameter((n, n), pos=True, name="F")
    sigma = cp.Parameter(n, pos=True, name="sigma")
    p_max = cp.Parameter(pos=True, name="p_max")
    s_inv = cp.Parameter(pos=True, name="s_inv")
    Pw = cp.Variable(n, pos=True, name="P")
    sinr = (sigma + F @ Pw) / cp.multiply(g, Pw) <= s_inv
    cap = Pw <= p_max
    prob = cp.Problem(cp.Minimize(cp.sum(Pw)), [sinr, cap])
    values = {
        "g": [1.0, 0.9, 1.1],
        "F": [[0.05, 0.1, 0.2], [0.1, 0.04, 0.1], [0.3, 0.1, 0.06]],
        "sigma": [0.1, 0.2, 0.15],
        "p_max": 5.0,
        "s_inv": 0.5,
    }
    P = {"g": g, "F": F, "sigma": sigma, "p_max": p_max, "s_inv": s_inv}
    return text, prob, P, {"P": Pw}, {"sinr": sinr, "cap": cap}, values, {"P": [1.0, 2.0, -1.0]}


def cvxpy_tutorial():
    # cvxpy's DGP tutorial problem, with its constants as parameters.
    text = """geometric
parameter a
parameter b
parameter c
variable x
variable y
variable z
maximize x * y * z
subject to
    budget: a * x * y * z + b * x * z <= 10
    x <= 2 * y
    y <= 2 * x
    low: z >= c
"""
    a, b, c = (cp.Parameter(pos=True, name=k) for k in "abc")
    x, y, z = (cp.Variable(pos=True, name=k) for k in "xyz")
    budget = a * x * y * z + b * x * z <= 10
    low = z >= c
    prob = cp.Problem(cp.Maximize(x * y * z), [budget, x <= 2 * y, y <= 2 * x, low])
    values = {"a": 4.0, "b": 2.0, "c": 1.0}
    return text, prob, {"a": a, "b": b, "c": c}, {"x": x, "y": y, "z": z}, {"budget": budget, "low": low}, values, {
        "x": 1.0,
        "y": 0.3,
        "z": -0.7,
    }


def posynomial_vector():
    # A vector GP with the other atoms: posynomial objective with a max, geo_mean,
    # powers, sqrt and an equality of monomials.
    text = """geometric
dim n = 4
parameter c[n]
parameter b
parameter t
parameter s
variable x[n]
minimize sum(c / x) + 2 * max(x[0:2])
subject to
    mean: geo_mean(x) >= t
    ball: sum(power(x, 2)) + sqrt(x[0] * x[3]) <= b
    pair: x[1] * x[2] == s
"""
    n = 4
    c = cp.Parameter(n, pos=True, name="c")
    b, t, s = (cp.Parameter(pos=True, name=k) for k in "bts")
    x = cp.Variable(n, pos=True, name="x")
    mean = cp.geo_mean(x) >= t
    ball = cp.sum(cp.power(x, 2)) + cp.sqrt(x[0] * x[3]) <= b
    pair = x[1] * x[2] == s
    prob = cp.Problem(cp.Minimize(cp.sum(c / x) + 2 * cp.max(x[0:2])), [mean, ball, pair])
    values = {"c": [1.0, 0.5, 2.0, 1.5], "b": 9.0, "t": 0.5, "s": 1.3}
    return text, prob, {"c": c, "b": b, "t": t, "s": s}, {"x": x}, {"mean": mean, "ball": ball, "pair": pair}, values, {
        "x": [1.0, -1.0, 0.5, 2.0]
    }


def dgp_atoms():
    # prod, one_minus_pos and diff_pos (cvxpy's DGP-only atoms). The optimum in closed
    # form: x = min(b/2, 1 - a), y = b - x, z = 1 - w.
    text = """geometric
parameter a
parameter b
parameter w[2]
variable x
variable y
variable z[2]
maximize x * y * prod(z)
subject to
    one: one_minus_pos(x) >= a
    two: diff_pos(b, y) >= x
    three: one_minus_pos(z) >= w
"""
    a, b = (cp.Parameter(pos=True, name=k) for k in "ab")
    w = cp.Parameter(2, pos=True, name="w")
    x, y = (cp.Variable(pos=True, name=k) for k in "xy")
    z = cp.Variable(2, pos=True, name="z")
    one = cp.one_minus_pos(x) >= a
    two = cp.diff_pos(b, y) >= x
    three = cp.one_minus_pos(z) >= w
    prob = cp.Problem(cp.Maximize(x * y * cp.prod(z)), [one, two, three])
    values = {"a": 0.4, "b": 2.0, "w": [0.3, 0.5]}
    return text, prob, {"a": a, "b": b, "w": w}, {"x": x, "y": y, "z": z}, {"one": one, "two": two, "three": three}, values, {
        "x": 1.0,
        "y": -0.5,
        "z": [0.3, 2.0],
    }


def case(make):
    text, prob, params, variables, duals, values, weights = make()
    assert prob.is_dgp(dpp=True), make.__name__
    names = list(params)
    for k in names:
        params[k].value = np.array(values[k], dtype=float)
    prob.solve(gp=True, solver=cp.CLARABEL, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    assert prob.status == "optimal", prob.status
    vnames = list(variables)
    layer = CvxpyLayer(prob, parameters=[params[k] for k in names], variables=[variables[k] for k in vnames], gp=True)

    def loss(*ps):
        sol = layer(*ps, solver_args=TIGHT_GRAD)
        return sum(jnp.sum(jnp.asarray(weights[v]) * sol[i]) for i, v in enumerate(vnames))

    args = [jnp.asarray(values[k], dtype=jnp.float64) for k in names]
    sol = layer(*args, solver_args=TIGHT)
    grads = jax.grad(loss, argnums=tuple(range(len(names))))(*args)
    return {
        "name": make.__name__,
        "dopt": text,
        "params": values,
        "objective": float(prob.value),
        "variables": {k: np.asarray(v.value).tolist() for k, v in variables.items()},
        "layer_variables": {v: np.asarray(sol[i]).tolist() for i, v in enumerate(vnames)},
        "duals": {k: np.asarray(c.dual_value).tolist() for k, c in duals.items()},
        "dvars": weights,
        "gradients": {k: np.asarray(g).tolist() for k, g in zip(names, grads)},
    }


if __name__ == "__main__":
    cases = [case(m) for m in (box_volume, power_control, cvxpy_tutorial, posynomial_vector, dgp_atoms)]
    print(json.dumps({"cvxpy": cp.__version__, "cases": cases}, indent=1))

"""A geometric-program layer (`geometric`, docs/language.md §9.1) from Python: the
values are in the original positive variables (the box-volume closed form), the
gradient agrees with central differences, and a parameter that is not positive is a
ParameterError."""

from __future__ import annotations

import math

import numpy as np
import pytest

import dopt

BOX = """geometric
parameter a_wall
parameter a_floor
parameter beta
variable h
variable w
variable d
maximize h * w * d
subject to
    2 * (h * w + h * d) <= a_wall
    w * d <= a_floor
    h / w <= beta
"""

PARAMS = {"a_wall": 100.0, "a_floor": 10.0, "beta": 2.0}


def loss(layer, params) -> float:
    sol = layer.forward(params)
    assert sol.ok
    return float(sol.variables["h"] - 0.5 * sol.variables["w"] + 2.0 * sol.variables["d"])


def test_gp_layer_solves_and_differentiates_in_the_original_variables():
    layer = dopt.compile_str(BOX, name="box.dopt").with_settings(tol=1e-10)
    sol = layer.forward(PARAMS)
    # h = βw, w·d = A_f and 2h(w + d) = A_w: w² = A_w/(2β) − A_f = 15.
    w = math.sqrt(15.0)
    np.testing.assert_allclose([sol.variables["h"], sol.variables["w"], sol.variables["d"]], [2 * w, w, 10 / w], rtol=1e-7)
    assert abs(sol.objective - 20 * w) <= 1e-6 * 20 * w
    g = layer.backward(sol, {"h": 1.0, "w": -0.5, "d": 2.0})
    for name, value in PARAMS.items():
        step = 1e-5 * value
        plus = dict(PARAMS, **{name: value + step})
        minus = dict(PARAMS, **{name: value - step})
        fd = (loss(layer, plus) - loss(layer, minus)) / (2 * step)
        assert abs(float(g[name]) - fd) <= 1e-5 * max(abs(fd), 1.0), f"{name}: {g[name]} vs fd {fd}"


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_gp_layer_refuses_parameters_that_are_not_positive(bad):
    layer = dopt.compile_str(BOX, name="box.dopt")
    with pytest.raises(dopt.ParameterError, match="must be positive"):
        layer.forward(dict(PARAMS, beta=bad))

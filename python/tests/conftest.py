"""Shared pytest helpers for the dopt Python suites.

Fixtures are appended by each suite's author; none is rewritten by another.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

# --- helper N (numpy, errors, parallel suites) -------------------------------------------

DATA = Path(__file__).resolve().parent / "data"

# The reference problems of ../shared/reference/problems/ (copied into data/), each a
# .dopt file with cvxpy's answer beside it in a .json file.
REFERENCE_NAMES = sorted(p.stem for p in DATA.glob("*.json"))


@functools.lru_cache(maxsize=None)
def _reference_json(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text())


@functools.lru_cache(maxsize=None)
def _reference_layer(name: str):
    import dopt

    return dopt.compile(DATA / f"{name}.dopt")


@pytest.fixture(scope="session")
def reference_json():
    """`reference_json(name)`: the parsed JSON of a reference problem (shared, do not mutate)."""
    return _reference_json


@pytest.fixture(scope="session")
def reference_layer():
    """`reference_layer(name)`: the compiled layer of a reference problem (compiled once)."""
    return _reference_layer


# --- helper T (torch, jax suites) ----------------------------------------------------------


class CountingLayer:
    """A dopt.Layer that records its calls: `forwards` holds each forward's batch size
    (None for a single call), `backwards` the sorted cotangent names of each backward, so a
    test can see how many native calls a wrapper makes and with what. Everything else is
    the wrapped layer's."""

    def __init__(self, inner):
        self.inner = inner
        self.forwards = []
        self.backwards = []
        self.from_raw = []

    def forward(self, params=None, /, **kwargs):
        sol = self.inner.forward(params, **kwargs)
        self.forwards.append(sol.batch_size)
        return sol

    def backward(self, sol, cotangents=None, /, **kwargs):
        self.backwards.append(sorted(cotangents or {}))
        return self.inner.backward(sol, cotangents, **kwargs)

    def _bind(self, params, outputs):
        return _CountingBinding(self, self.inner._bind(params, outputs), list(outputs))

    def solution_from_raw(self, params, x, s, z):
        sol = self.inner.solution_from_raw(params, x, s, z)
        self.from_raw.append(sol.batch_size)
        return sol

    def __getattr__(self, name):
        return getattr(self.inner, name)


class _CountingBinding:
    """The positional fast path of a CountingLayer, recording into the same lists."""

    def __init__(self, owner, inner, outputs):
        self.owner = owner
        self.inner = inner
        self.outputs = outputs

    def forward(self, arrays, raise_on_failure):
        sol, outs = self.inner.forward(arrays, raise_on_failure)
        self.owner.forwards.append(sol.batch_size)
        return sol, outs

    def backward(self, sol, cotangents, raise_on_failure):
        self.owner.backwards.append(sorted(k for k, c in zip(self.outputs, cotangents) if c is not None))
        return self.inner.backward(sol, cotangents, raise_on_failure)


def sparsemax_np(x):
    """Sparsemax by its closed form: max(x - tau, 0) with tau making the sum 1."""
    import numpy as np

    z = np.sort(x)[::-1]
    cs = np.cumsum(z)
    k = np.arange(1, len(x) + 1)
    kk = k[1 + k * z > cs][-1]
    tau = (cs[kk - 1] - 1) / kk
    return np.maximum(x - tau, 0)

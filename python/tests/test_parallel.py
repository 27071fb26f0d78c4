"""A dopt layer crosses process boundaries by pickling (its layer-file bytes) and is
called from several Python threads at once with the GIL released."""

from __future__ import annotations

import concurrent.futures
import copy
import hashlib
import json
import multiprocessing
import os
import pickle
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import dopt

DATA = Path(__file__).resolve().parent / "data"


def reference(name: str):
    j = json.loads((DATA / f"{name}.json").read_text())
    return dopt.compile(DATA / f"{name}.dopt"), j


def solve_and_differentiate(layer, params, weights):
    """Runs in the spawned worker: everything it returns is plain numpy/python."""
    sol = layer.forward(params)
    grads = layer.backward(sol, weights)
    return {
        "pid": os.getpid(),
        "status": sol.status if isinstance(sol.status, str) else list(sol.status),
        "objective": np.asarray(sol.objective),
        "variables": {k: np.asarray(v) for k, v in sol.variables.items()},
        "duals": {k: np.asarray(v) for k, v in sol.duals.items()},
        "grads": {k: np.asarray(v) for k, v in grads.items()},
        "bytes": layer.to_bytes(),
    }


def assert_same(a: dict, b: dict):
    assert a["status"] == b["status"]
    np.testing.assert_allclose(a["objective"], b["objective"], rtol=0, atol=1e-12)
    for part in ("variables", "duals", "grads"):
        assert set(a[part]) == set(b[part]), part
        for k in a[part]:
            assert np.shape(a[part][k]) == np.shape(b[part][k]), (part, k)
            np.testing.assert_allclose(a[part][k], b[part][k], rtol=0, atol=1e-12, err_msg=f"{part} {k}")


def test_pickle_round_trip_in_process():
    layer, j = reference("tracking_mpc")
    want = solve_and_differentiate(layer, j["params"], j["weights"])
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(layer, protocol=proto))
        assert isinstance(again, dopt.Layer)
        assert again.to_bytes() == layer.to_bytes()
        assert again.dims == layer.dims
        assert [p.name for p in again.parameters] == [p.name for p in layer.parameters]
        got = solve_and_differentiate(again, j["params"], j["weights"])
        assert_same(got, want)
    for c in (copy.copy(layer), copy.deepcopy(layer)):
        assert_same(solve_and_differentiate(c, j["params"], j["weights"]), want)


def test_spawned_process_pool_gives_the_same_answers():
    jobs = []
    mpc, jm = reference("tracking_mpc")
    jobs.append((mpc, jm["params"], jm["weights"]))
    ball, jb = reference("l2ball_projection")
    jobs.append((ball, jb["params"], jb["weights"]))
    # a batch with a broadcast parameter
    rng = np.random.default_rng(2)
    jobs.append((ball, {"x": rng.normal(size=(6, 4)), "r": 1.0}, {"y": rng.normal(size=(6, 4))}))
    smax = dopt.compile("std:sparsemax", dims={"n": 7})
    jobs.append((smax, {"x": rng.normal(size=7)}, {"y": rng.normal(size=7)}))
    want = [solve_and_differentiate(*job) for job in jobs]
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        got = list(pool.map(solve_and_differentiate, *zip(*jobs)))
    for g, w, job in zip(got, want, jobs):
        assert g["pid"] != os.getpid()
        assert g["bytes"] == job[0].to_bytes()
        assert_same(g, w)


# --------------------------------------------------------------------------------------
# Two Python threads on one layer run in parallel
# --------------------------------------------------------------------------------------

# A box-constrained lasso whose single solve (forward + backward) takes tens of
# milliseconds: one call is one Clarabel solve on one core, so two threads can only
# overlap if the extension releases the GIL while Rust works.
MEDIUM = """\
dim m = 200
dim n = 120
parameter A[m, n]
parameter b[m]
parameter lam nonneg
variable x[n]
minimize sum_squares(A @ x - b) + lam * norm1(x)
subject to
    box: -1 <= x
    x <= 1
"""


def medium_problem():
    layer = dopt.compile_str(MEDIUM, name="medium.dopt")
    rng = np.random.default_rng(0)
    A = rng.normal(size=(200, 120))
    b = rng.normal(size=200) * 3
    return layer, {"A": A, "b": b, "lam": 0.5}


def step(layer, params, cot, k: int, out: list):
    for _ in range(k):
        sol = layer.forward(params)
        g = layer.backward(sol, cot)
    out.append((sol, g))


def timed(fn, *args) -> float:
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


def in_two_threads(fn, *args) -> float:
    ts = [threading.Thread(target=fn, args=args) for _ in range(2)]
    t = time.perf_counter()
    for th in ts:
        th.start()
    for th in ts:
        th.join()
    return time.perf_counter() - t


_BLOCK = os.urandom(1 << 22)


def hash_blocks(k: int):
    """The control: hashlib releases the GIL while it hashes a large buffer."""
    for _ in range(k):
        hashlib.sha256(_BLOCK).digest()


def test_two_threads_run_in_parallel():
    if (os.cpu_count() or 1) < 2:
        pytest.skip("needs at least 2 CPU cores to observe two threads running at once")
    layer, params = medium_problem()
    cot = {"x": np.ones(120)}
    step(layer, params, cot, 1, [])  # warm up
    # enough calls that one run takes ~0.2 s (a call is ~25-35 ms in a release build)
    k = max(2, round(0.2 / timed(step, layer, params, cot, 1, [])))
    kh = max(2, round(0.2 / timed(hash_blocks, 1)))
    ref: list = []
    step(layer, params, cot, 1, ref)
    rounds = []  # (dopt ratio, control ratio), measured back to back
    for _ in range(5):
        out: list = []
        single = timed(step, layer, params, cot, k, [])
        two = in_two_threads(step, layer, params, cot, k, out)
        assert len(out) == 2
        for sol, g in out:  # the threads computed the same answers
            np.testing.assert_allclose(sol["x"], ref[0][0]["x"], rtol=0, atol=1e-12)
            np.testing.assert_allclose(g["A"], ref[0][1]["A"], rtol=0, atol=1e-12)
        control = in_two_threads(hash_blocks, kh) / timed(hash_blocks, kh)
        rounds.append((two / single, control))
        if two / single < 1.6:
            return  # clearly parallel
    # Not below 1.6x: other processes may be holding the cores. Rounds where the GIL-free
    # control did run two threads at once (< 1.4x) must show dopt within 0.45 of it (a layer
    # that holds the GIL is serialized at >= 1.95x, so at least 0.55 above such a control);
    # with no such round the machine cannot show parallelism at all.
    free = [(d, c) for d, c in rounds if c < 1.4]
    text = ", ".join(f"{d:.2f}x (control {c:.2f}x)" for d, c in rounds)
    if not free:
        pytest.skip(f"the machine is too busy to run two threads at once, even the GIL-free control: {text}")
    assert min(d - c for d, c in free) < 0.45, (
        f"two threads of {k} calls each vs {k} calls in one thread took {text} "
        "(2.0x = serialized by the GIL; the control is hashlib's sha256, which releases it)"
    )


def test_many_threads_on_one_layer_get_their_own_answers():
    # the layer keeps a pool of solver workspaces: concurrent calls with different inputs
    # must not see each other's data
    n = 12
    layer = dopt.compile("std:sparsemax", dims={"n": n})
    rng = np.random.default_rng(4)
    inputs = [rng.normal(size=n) for _ in range(4)]
    first = [layer.forward(x=x)["y"] for x in inputs]
    for x, y in zip(inputs, first):  # against the closed form: y = max(x - tau, 0), sum(y) = 1
        tau = x[y > 1e-6].mean() - 1.0 / (y > 1e-6).sum()
        np.testing.assert_allclose(y, np.maximum(x - tau, 0), atol=1e-6)
    errors: list = []

    def worker(i: int):
        try:
            for r in range(15):
                k = (i + r) % len(inputs)
                sol = layer.forward(x=inputs[k])
                np.testing.assert_allclose(sol["y"], first[k], rtol=0, atol=1e-12)
                g = layer.backward(sol, {"y": np.eye(n)[k]})
                s = (first[k] > 1e-6).astype(float)
                np.testing.assert_allclose(g["x"], s * (np.eye(n)[k] - s[k] / s.sum()), atol=1e-6)
        except Exception as e:  # reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors[0]


def longest_pause_during(call) -> tuple[float, float]:
    """Run `call` in another thread while this one spins a pure-Python loop; return the
    longest pause of the loop and the call's duration. A call that holds the GIL stops the
    loop for (nearly) all of its duration; one that releases it only for the operating
    system's scheduling slices (a few ms, even on a loaded machine)."""
    done = threading.Event()
    span: list = []

    def run():
        t = time.perf_counter()
        call()
        span.append(time.perf_counter() - t)
        done.set()

    th = threading.Thread(target=run)
    last = time.perf_counter()
    pause = 0.0
    th.start()
    while not done.is_set():
        now = time.perf_counter()
        pause = max(pause, now - last)
        last = now
    th.join()
    return pause, span[0]


def test_native_calls_release_the_gil():
    """The same property as the timing test, measured in a way that does not depend on a
    second free core: this thread keeps running Python while a layer call runs in another."""
    layer, params = medium_problem()
    B = 8
    batch = dict(params, b=params["b"] + np.arange(B)[:, None] * 0.01)
    sol1 = layer.forward(params)
    solb = layer.forward(batch)
    calls = {
        "forward": lambda: layer.forward(params),
        "forward (batch of 4)": lambda: layer.forward(dict(params, lam=np.array([0.5, 0.6, 0.7, 0.8]))),
        "backward (batch of 8)": lambda: layer.backward(solb, {"x": np.ones((B, 120))}),
        "jvp (batch of 8)": lambda: layer.jvp(solb, {"b": np.ones(200)}),
        "backward": lambda: layer.backward(sol1, {"x": np.ones(120)}),
    }
    # the detector itself: sorting a list holds the GIL for the whole call
    pause, span = longest_pause_during(lambda: sorted(range(3_000_000), reverse=True))
    assert pause > 0.5 * span, f"the loop did not notice a GIL-holding call ({pause:.4f} s of {span:.4f} s)"
    for what, call in calls.items():
        ratios = []
        for _ in range(3):
            pause, span = longest_pause_during(call)
            ratios.append(pause / span)
            if pause < 0.5 * span:
                break
        assert min(ratios) < 0.5, (
            f"{what}: a Python thread stood still for {min(ratios):.0%} of the call (best of 3): "
            "the call holds the GIL"
        )


def test_an_error_in_a_spawned_worker_comes_back_with_its_class_and_code():
    layer, _ = reference("l2ball_projection")
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        fut = pool.submit(solve_and_differentiate, layer, {"x": np.ones(4), "r": np.array(-1.0)}, {})
        with pytest.raises(dopt.ParameterError) as ei:
            fut.result()
    e = ei.value
    assert e.code == "E0702"
    assert "`r`" in str(e) and "nonneg" in str(e)
    assert e.diagnostics and e.diagnostics[0]["code"] == "E0702"


_GAME = Path(__file__).resolve().parents[2] / "examples" / "matrix_game.dopt"  # the LP of a 3×3 game


def test_the_same_batches_give_the_same_bits():
    # A reused solver keeps the equilibration of the data it was first set up with, so
    # its answers carry its history in their last digits (here up to 2e-5: LPs whose
    # optimal face is not a point). Each batch chunk keeps its own solver, so the same
    # calls give the same bits however the threads were scheduled.
    def run() -> np.ndarray:
        layer = dopt.compile(_GAME)
        rng = np.random.default_rng(0)
        out = []
        for _ in range(10):
            M = rng.standard_normal((200, 3, 3)) * 10.0 ** rng.integers(-1, 2, size=(200, 1, 1))
            out.append(np.asarray(layer.forward({"M": M})["x"]))
        return np.concatenate(out)

    first = run()
    for _ in range(3):
        assert np.array_equal(run(), first)

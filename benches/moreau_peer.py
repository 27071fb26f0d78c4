"""Moreau as a peer in dopt's benchmark: the same cone programs, timed side by side.

Runs ``dopt bench --export FILE`` (dopt's figures, and the cone programs of the
benchmark problems with the data of their 64 batch members), then times
``moreau.CompiledSolver`` with ``enable_grad=True`` on exactly those cone programs,
with its ``ipm`` and ``auto`` solvers, at batch 1 (``setup`` + ``solve`` +
``backward`` per member) and at batch 64 (one batched ``setup``/``solve``/``backward``),
and prints one table with dopt's figures beside Moreau's.

Usage::

    python benches/moreau_peer.py [--dopt PATH] [--quick] [--only NAME]

Needs ``moreau`` (never a dependency of dopt: install it into a separate virtual
environment with numpy and scipy) and the ``dopt`` binary (``--dopt``, default
``target/release/dopt``). Moreau's cones are counts in a fixed order (zero,
nonnegative, second-order, exponential, power), so the rows of A and b are permuted
into that order; PSD cones are not translated (no benchmark problem has one).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ORDER = ["zero", "nonneg", "soc", "exp", "pow"]


def _rows_in_moreau_order(cones: list) -> tuple[np.ndarray, dict[str, Any]]:
    """The row permutation that groups dopt's cones by kind in Moreau's order, and
    the arguments of ``moreau.Cones``."""
    starts = []
    at = 0
    for kind, dim in cones:
        size = 3 if kind in ("exp", "pow") else int(dim)
        if kind == "psd":
            raise ValueError("PSD cones are not translated")
        starts.append((kind, dim, at, size))
        at += size
    perm: list[int] = []
    spec: dict[str, Any] = {"num_zero_cones": 0, "num_nonneg_cones": 0, "so_cone_dims": [], "num_exp_cones": 0, "power_alphas": []}
    for kind in ORDER:
        for k, dim, start, size in starts:
            if k != kind:
                continue
            perm.extend(range(start, start + size))
            if kind == "zero":
                spec["num_zero_cones"] += size
            elif kind == "nonneg":
                spec["num_nonneg_cones"] += size
            elif kind == "soc":
                spec["so_cone_dims"].append(size)
            elif kind == "exp":
                spec["num_exp_cones"] += 1
            else:
                spec["power_alphas"].append(float(dim))
    return np.array(perm, dtype=np.int64), spec


class _Program:
    """One exported cone program translated to Moreau's CSR form."""

    def __init__(self, p: dict[str, Any]) -> None:
        import scipy.sparse as sp

        self.name = p["name"]
        self.n, self.m = p["n"], p["m"]
        n, m = self.n, self.m
        self.perm, self.cones = _rows_in_moreau_order(p["cones"])
        # P: dopt stores the upper triangle (CSC); Moreau wants the full symmetric
        # pattern in CSR. Entry k of dopt's values lands at the positions idx_p[k].
        pc, pr = np.array(p["P_colptr"]), np.array(p["P_rowval"])
        nnz_p = len(pr)
        tag = np.arange(1, nnz_p + 1, dtype=float)
        up = sp.csc_matrix((tag, pr, pc), shape=(n, n))
        lower = sp.triu(up, k=1).T
        full = (up + lower).tocsr()
        full.sort_indices()
        self.P_rowptr, self.P_cols = full.indptr, full.indices
        self.P_src = full.data.astype(np.int64) - 1
        ac, ar = np.array(p["A_colptr"]), np.array(p["A_rowval"])
        tag = np.arange(1, len(ar) + 1, dtype=float)
        a = sp.csc_matrix((tag, ar, ac), shape=(m, n)).tocsr()[self.perm, :]
        a.sort_indices()
        self.A_rowptr, self.A_cols = a.indptr, a.indices
        self.A_src = a.data.astype(np.int64) - 1
        self.members = [
            {
                "P": np.asarray(mb["P"])[self.P_src],
                "A": np.asarray(mb["A"])[self.A_src],
                "q": np.asarray(mb["q"]),
                "b": np.asarray(mb["b"])[self.perm],
                "dx": np.asarray(mb["dx"]),
            }
            for mb in p["members"]
        ]
        self.dopt = p.get("dopt") or {}

    def solver(self, moreau: Any, kind: str, batch: int) -> Any:
        settings = moreau.Settings(solver=kind, batch_size=batch, enable_grad=True)
        return moreau.CompiledSolver(
            n=self.n,
            m=self.m,
            P_row_offsets=self.P_rowptr,
            P_col_indices=self.P_cols,
            A_row_offsets=self.A_rowptr,
            A_col_indices=self.A_cols,
            cones=moreau.Cones(**self.cones),
            settings=settings,
        )


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else float("nan")


def time_moreau(moreau: Any, prog: _Program, kind: str, reps: int, batch_reps: int) -> tuple[float, float]:
    """Median training step (setup + solve + backward) at batch 1 and batch 64, s."""
    s1 = prog.solver(moreau, kind, 1)
    times = []
    members = prog.members
    for i in range(reps + 1):
        mb = members[i % len(members)]
        t = time.perf_counter()
        s1.setup([mb["P"]], [mb["A"]])
        s1.solve([mb["q"]], [mb["b"]])
        s1.backward(np.array([mb["dx"]]))
        if i > 0:  # the first call is a warm-up
            times.append(time.perf_counter() - t)
    b = len(members)
    sb = prog.solver(moreau, kind, b)
    btimes = []
    for i in range(batch_reps + 1):
        t = time.perf_counter()
        sb.setup([mb["P"] for mb in members], [mb["A"] for mb in members])
        sb.solve([mb["q"] for mb in members], [mb["b"] for mb in members])
        sb.backward(np.array([mb["dx"] for mb in members]))
        if i > 0:
            btimes.append(time.perf_counter() - t)
    return _median(times), _median(btimes)


def check(moreau: Any, prog: _Program) -> float:
    """Relative objective gap of Moreau's ipm and auto solutions on member 0."""
    mb = prog.members[0]
    objs = []
    for kind in ("ipm", "auto"):
        s = prog.solver(moreau, kind, 1)
        s.setup([mb["P"]], [mb["A"]])
        sol = s.solve([mb["q"]], [mb["b"]])
        x = np.asarray(sol.x).reshape(-1)
        import scipy.sparse as sp

        p = sp.csr_matrix((mb["P"], prog.P_cols, prog.P_rowptr), shape=(prog.n, prog.n))
        objs.append(0.5 * x @ (p @ x) + mb["q"] @ x)
    return abs(objs[0] - objs[1]) / max(1.0, abs(objs[0]))


def main(argv: list[str] | None = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dopt", default="target/release/dopt")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only")
    args = ap.parse_args(argv)
    try:
        import moreau
    except ImportError:
        print("moreau is not installed: nothing to compare (pip install moreau into another venv)")
        return ""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "programs.json"
        cmd = [args.dopt, "bench", "--export", str(path)] + (["--quick"] if args.quick else [])
        if args.only:
            cmd += ["--only", args.only]
        run = subprocess.run(cmd, capture_output=True, text=True, check=True)
        sys.stderr.write(run.stdout)
        data = json.loads(path.read_text())
    reps, batch_reps = (3, 1) if args.quick else (30, 5)
    lines = [
        "| problem | dopt solver | dopt step b1 | Moreau ipm b1 | Moreau auto b1 | dopt step b64 | Moreau ipm b64 | Moreau auto b64 | auto / dopt b1 | auto / dopt b64 | ipm-auto objective gap |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in data["problems"]:
        try:
            prog = _Program(p)
        except ValueError as e:
            lines.append(f"| {p['name']} | skipped: {e} |")
            continue
        ipm1, ipm64 = time_moreau(moreau, prog, "ipm", reps, batch_reps)
        auto1, auto64 = time_moreau(moreau, prog, "auto", reps, batch_reps)
        gap = check(moreau, prog)
        dd = prog.dopt
        d1, d64 = dd.get("step_b1", float("nan")), dd.get("step_b64", float("nan"))
        lines.append(
            f"| {prog.name} | {dd.get('solver', '?')} | {d1 * 1e3:.3f} | {ipm1 * 1e3:.3f} | {auto1 * 1e3:.3f} | "
            f"{d64 * 1e3:.1f} | {ipm64 * 1e3:.1f} | {auto64 * 1e3:.1f} | {auto1 / d1:.2f} | {auto64 / d64:.2f} | {gap:.1e} |"
        )
    lines.append(
        f"\nms, medians (Moreau {getattr(moreau, '__version__', '?')}: {reps} single steps, {batch_reps} batches of "
        f"{data['batch']}; step = setup + solve + backward with enable_grad=True). dopt's figures are from "
        "`dopt bench` in the same run (its table is printed first, on stderr). Ratios above 1: dopt is faster."
    )
    text = "\n".join(lines)
    print(text)
    return text


if __name__ == "__main__":
    main()

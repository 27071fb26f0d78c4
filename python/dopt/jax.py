"""dopt layers as JAX functions.

``dopt.jax.Layer`` wraps a compiled dopt layer in a function of JAX arrays with a custom
VJP: the forward pass is a ``jax.pure_callback`` into the Rust solver, the backward pass a
second callback into dopt's implicit differentiation, which reuses the forward's raw
solution (no re-solve). It works under ``jax.jit``, ``jax.grad`` and ``jax.vmap``; a
``vmap`` becomes one batched native call (solved in parallel in Rust), not a Python loop::

    import jax, jax.numpy as jnp, dopt.jax
    jax.config.update("jax_enable_x64", True)
    sparsemax = dopt.jax.Layer("std:sparsemax", dims={"n": 4})
    (y,) = sparsemax(jnp.array([0.8, 0.1, 0.5, -0.3]))               # (0.65, 0, 0.35, 0)
    g = jax.grad(lambda x: sparsemax(x)[0][0])(jnp.array([0.8, 0.1, 0.5, -0.3]))
"""

from __future__ import annotations

import functools
import math
from typing import Any, Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_derivatives import SymbolicZero

from ._frontend import Named, Signature, check_on_failure, resolve_layer
from .errors import ParameterError

__all__ = ["Layer", "STATUSES", "status_names"]

STATUSES: tuple[str, ...] = (
    "optimal",
    "infeasible",
    "unbounded",
    "inaccurate",
    "max_iterations",
    "numerical_error",
    "invalid",
)
"""The status codes of ``Layer(..., return_status=True)``: ``STATUSES[code]`` is the
status ``dopt.Solution.status`` names (0 is ``"optimal"``; ``"invalid"`` is a batch member
whose parameter values were refused)."""

_CODES = {name: code for code, name in enumerate(STATUSES)}


def status_names(codes: Any) -> str | list:
    """The status names of an array of status codes (on the host): a ``str`` for a
    scalar, nested lists of them otherwise."""
    a = np.asarray(codes)
    if not np.issubdtype(a.dtype, np.integer) or ((a < 0) | (a >= len(STATUSES))).any():
        raise ValueError(f"status codes are whole numbers 0 to {len(STATUSES) - 1}, not {codes!r}")
    if a.ndim == 0:
        return STATUSES[int(a)]
    return [status_names(c) for c in a]


class _Batch:
    """How the arrays a callback receives map onto one native call.

    A callback sees the arrays of the traced call (``user`` view: a parameter with one
    more axis than declared is a batch of ``B``) plus, under ``vmap`` with
    ``vmap_method="expand_dims"``, one leading axis per ``vmap`` (full size, or 1 for an
    argument that is not mapped). All those leading axes flatten into one native batch
    axis of ``N`` members; arguments without any of them stay unbatched and are
    broadcast by the native call."""

    __slots__ = ("k", "vshape", "user", "n")

    def __init__(self, arrays: Sequence[np.ndarray], rests: Sequence[int], user_arg: int | None):
        """``rests[i]``: the rank of argument i in the traced call (member shape, plus the
        user batch axis when it has one); ``user_arg``: an argument with the user batch axis."""
        # k: the number of vmap axes; every argument has them.
        self.k = arrays[0].ndim - rests[0]
        self.vshape = tuple(np.broadcast_shapes(*(a.shape[: self.k] for a in arrays))) if self.k else ()
        self.user = (arrays[user_arg].shape[self.k],) if user_arg is not None else ()
        self.n = math.prod(self.vshape) * math.prod(self.user)

    @property
    def batched(self) -> bool:
        return bool(self.user) or any(v != 1 for v in self.vshape)

    def put(self, a: np.ndarray, declared: int, has_user: bool) -> tuple[np.ndarray, bool]:
        """The array for the native call: (N, *shape) when it varies over the batch, else
        the member array alone. Returns (array, batched)."""
        lead = a.shape[: self.k]
        if not has_user and all(v == 1 for v in lead):
            return a.reshape(a.shape[a.ndim - declared :]), False
        member = a.shape[a.ndim - declared :]
        if self.user and not has_user:
            a = a.reshape(lead + (1,) + member)
        full = np.broadcast_to(a, self.vshape + self.user + member)
        return full.reshape((self.n,) + member), True

    def take(self, a: np.ndarray, member: tuple[int, ...]) -> np.ndarray:
        """A native result (N, *member) (or member alone) in the callback's result shape."""
        return a.reshape(self.vshape + self.user + member)


def _shape(shape: Sequence[Any]) -> str:
    """A shape as the native messages write it: (3,), (B, 4), ()."""
    inner = ", ".join(str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def _param_error(message: str) -> ParameterError:
    return ParameterError(
        f"error[E0702]: {message}",
        code="E0702",
        diagnostics=[{"code": "E0702", "message": message, "file": None, "line": None, "column": None}],
    )


class Layer(Named):
    """A dopt layer as a JAX function: ``layer(*params) -> tuple of arrays``.

    ``Layer(source, dims=None, parameters=None, outputs=None, *, on_failure="raise",
    return_status=False, layer=None)``: ``source``
    is a path, ``"std:NAME"``, problem text (anything with a newline) or a compiled
    ``dopt.Layer``; ``parameters`` fixes the positional order (default: declaration
    order); ``outputs`` lists variable names and ``"dual:LABEL"`` (default: the layer's
    output variables).

    * Differentiable with ``jax.grad``/``jax.vjp`` (reverse mode; forward-mode ``jax.jvp``
      is not defined). Outputs whose cotangent is a symbolic zero are left out of the
      backward call.
    * ``jax.jit``: the solve is a host callback; it compiles and runs under ``jit``.
    * Batches: a leading batch axis on any parameter, others broadcast, as in
      ``dopt.Layer.forward``; ``jax.vmap`` (also nested) turns into the same single
      batched native call. A parameter shared by the batch gets the summed gradient.
    * Dtypes: the solver runs in float64 on the host; outputs have the promoted dtype
      of the inputs. With ``jax_enable_x64`` off the raw solution kept for the backward
      pass is stored as float32 pairs (value and remainder), so the backward pass still
      starts from the float64 solution.
    * ``on_failure="raise"`` (the default): a solve (or batch member) that does not end
      optimal raises ``dopt.SolverError`` inside the callback. JAX does not pass the
      exception through: the caller gets a ``jax.errors.JaxRuntimeError`` whose message
      holds dopt's (``batch member i: the solve ended with status `infeasible` ...``; ``i``
      counts the members of the one native call: the ``vmap`` axes, outermost first, then
      the explicit batch axis, row-major).
    * ``on_failure="status"``: nothing raises for a failed member; its outputs hold the
      solver's last iterate (NaN for refused values) and its gradient is zero: it adds
      nothing to a shared parameter's gradient, and its own parameters get zeros.
    * ``return_status=True`` appends one ``int32`` array to the outputs: each member's
      status code (``STATUSES[code]``, 0 is optimal; ``status_names`` turns codes into
      names), with the batch shape (``()`` for one solve, ``(B,)``, plus the ``vmap``
      axes). It is an ordinary output, so it works under ``jit`` and ``vmap``; it has no
      gradient. With ``on_failure="raise"`` it is all zeros whenever the call returns.

    ``on_failure`` and ``return_status`` are fixed at construction (a ``jit`` trace bakes
    them in).
    """

    def __init__(
        self,
        source: Any = None,
        dims: Mapping[str, int] | None = None,
        parameters: Sequence[str] | None = None,
        outputs: Sequence[str] | None = None,
        *,
        on_failure: str = "raise",
        return_status: bool = False,
        layer: Any = None,
    ) -> None:
        raise_ = check_on_failure(on_failure)
        self.layer = resolve_layer(source, dims, layer)
        self._sig = Signature(self.layer, parameters, outputs)
        self._raise = raise_
        if not isinstance(return_status, (bool, np.bool_)):
            raise TypeError(f"return_status must be True or False, not {return_status!r}")
        self._return_status = bool(return_status)
        self._build()

    @property
    def on_failure(self) -> str:
        """``"raise"`` or ``"status"`` (see the class docstring)."""
        return "raise" if self._raise else "status"

    @property
    def return_status(self) -> bool:
        """Whether a call appends the ``int32`` status codes to its outputs."""
        return self._return_status

    def _build(self) -> None:
        # the callbacks return the status codes when the user asks for them, and always
        # under "status" (the backward pass needs them to zero the failed members)
        self._with_status = self._return_status or not self._raise
        self._raw_n, self._raw_m = (int(v) for v in self.layer.raw_sizes)
        f = jax.custom_vjp(self._primal)
        f.defvjp(self._fwd, self._bwd, symbolic_zeros=True)
        self._f = f

    def __getstate__(self) -> dict:
        return {
            "layer": self.layer,
            "parameters": self._sig.param_names,
            "outputs": self._sig.output_names,
            "on_failure": self.on_failure,
            "return_status": self._return_status,
        }

    def __setstate__(self, state: dict) -> None:
        self.layer = state["layer"]
        self._sig = Signature(self.layer, state["parameters"], state["outputs"])
        self._raise = state.get("on_failure", "raise") == "raise"
        self._return_status = state.get("return_status", False)
        self._build()

    def __repr__(self) -> str:
        return (
            f"dopt.jax.Layer(source={self.layer.source!r}, parameters={list(self._sig.param_names)}, "
            f"outputs={list(self._sig.output_names)}, on_failure={self.on_failure!r}, "
            f"return_status={self._return_status})"
        )

    def __call__(self, *params: Any) -> tuple[jax.Array, ...]:
        """Solve for the parameters (positional, in ``parameter_names`` order); returns one
        array per output (``output_names``), then the status codes with
        ``return_status=True``."""
        self._sig.check_count(params, "arrays")
        arrays = []
        for p in params:
            a = jnp.asarray(p)
            if not jnp.issubdtype(a.dtype, jnp.inexact):
                a = a.astype(jax.dtypes.canonicalize_dtype(jnp.float64))
            arrays.append(a)
        out = self._f(*arrays)
        if self._with_status and not self._return_status:
            return out[:-1]
        return out

    # --- trace-time planning (user view of the shapes) ---

    def _plan(self, params: Sequence[Any]) -> tuple[tuple[bool, ...], tuple[int, ...], Any]:
        """At trace time: which parameters carry a batch axis, the batch (``()`` or
        ``(B,)``) and the output dtype. Shape errors are raised here, with the parameter's
        name, rather than from inside a callback (where JAX would wrap them)."""
        sig = self._sig
        flags = []
        size = None
        first = None
        for name, p, shape in zip(sig.param_names, params, sig.param_shapes):
            if tuple(p.shape) == shape:
                flags.append(False)
                continue
            if p.ndim != len(shape) + 1 or tuple(p.shape[1:]) != shape:
                raise _param_error(
                    f"parameter `{name}` has shape {_shape(p.shape)}; expected {_shape(shape)} "
                    f"(or {_shape(('B',) + shape)} for a batch)"
                )
            flags.append(True)
            if size is None:
                size, first = p.shape[0], name
            elif p.shape[0] != size:
                raise _param_error(
                    f"parameter `{name}` has a batch axis of size {p.shape[0]} but `{first}` has one "
                    f"of size {size}: batched parameters must agree on the batch size"
                )
        user = (size,) if size is not None else ()
        dtype = jnp.result_type(*params)
        return tuple(flags), user, dtype

    def _out_shapes(self, user: tuple[int, ...], dtype: Any) -> list[jax.ShapeDtypeStruct]:
        """The outputs of the forward callback before the raw solution: the layer's
        outputs, then the status codes when they are kept."""
        shapes = [jax.ShapeDtypeStruct(user + s, dtype) for s in self._sig.output_shapes]
        if self._with_status:
            shapes.append(jax.ShapeDtypeStruct(user, np.int32))
        return shapes

    def _primal(self, *params: Any) -> tuple[jax.Array, ...]:
        flags, user, dtype = self._plan(params)
        shapes = tuple(self._out_shapes(user, dtype))
        cb = functools.partial(self._cb_forward, flags, dtype, None)
        return tuple(jax.pure_callback(cb, shapes, *params, vmap_method="expand_dims"))

    def _fwd(self, *cparams: Any) -> tuple[tuple[jax.Array, ...], tuple]:
        params = [c.value for c in cparams]
        flags, user, dtype = self._plan(params)
        shapes = self._out_shapes(user, dtype)
        raw_dtype = jax.dtypes.canonicalize_dtype(jnp.float64)
        pairs = raw_dtype != np.float64
        for size in (self._raw_n, self._raw_m, self._raw_m):
            shapes.append(jax.ShapeDtypeStruct(user + (size,), raw_dtype))
            if pairs:
                shapes.append(jax.ShapeDtypeStruct(user + (size,), raw_dtype))
        cb = functools.partial(self._cb_forward, flags, dtype, raw_dtype)
        res = jax.pure_callback(cb, tuple(shapes), *params, vmap_method="expand_dims")
        k = len(self._sig.output_shapes) + self._with_status
        # the status codes are a residual only where failed members may exist
        status = res[k - 1 : k] if not self._raise else ()
        return tuple(res[:k]), (tuple(params), tuple(res[k:]), tuple(status))

    def _bwd(self, residuals: tuple, cts: tuple) -> tuple[jax.Array, ...]:
        params, raw, status = residuals
        flags, user, _ = self._plan(params)
        # the status output (last, when there is one) has no cotangent to pass on
        cts = cts[: len(self._sig.output_shapes)]
        present = tuple(i for i, c in enumerate(cts) if not isinstance(c, SymbolicZero))
        if not present:
            return tuple(jnp.zeros(p.shape, p.dtype) for p in params)
        shapes = tuple(jax.ShapeDtypeStruct(p.shape, p.dtype) for p in params)
        cb = functools.partial(self._cb_backward, flags, present, len(raw) == 6, bool(status))
        grads = jax.pure_callback(
            cb, shapes, *params, *raw, *status, *(cts[i] for i in present), vmap_method="expand_dims"
        )
        return tuple(grads)

    # --- host callbacks (numpy arrays, possibly with leading vmap axes) ---

    def _native_params(self, batch: _Batch, arrays: Sequence[np.ndarray], flags: tuple[bool, ...]):
        sig = self._sig
        values = {}
        any_batched = False
        for name, a, nd, u in zip(sig.param_names, arrays, sig.param_ndims, flags):
            values[name], b = batch.put(np.asarray(a), nd, u)
            any_batched |= b
        return values, any_batched

    def _cb_forward(self, flags, dtype, raw_dtype, *arrays):
        sig = self._sig
        rests = [nd + u for nd, u in zip(sig.param_ndims, flags)]
        batch = _Batch(arrays, rests, flags.index(True) if True in flags else None)
        values, _ = self._native_params(batch, arrays, flags)
        sol = self.layer.forward(values, on_failure=self.on_failure)
        outs = [batch.take(np.asarray(sol[n], dtype=dtype), s) for n, s in zip(sig.output_names, sig.output_shapes)]
        if self._with_status:
            st = sol.status
            codes = np.array([_CODES[x] for x in ([st] if isinstance(st, str) else st)], dtype=np.int32)
            outs.append(batch.take(codes, ()))
        if raw_dtype is None:
            return tuple(outs)
        for r, size in zip(sol.raw, (self._raw_n, self._raw_m, self._raw_m)):
            r = batch.take(np.asarray(r), (size,))
            if raw_dtype == np.float64:
                outs.append(r)
            else:
                hi = r.astype(raw_dtype)
                outs.append(hi)
                outs.append((r - hi.astype(np.float64)).astype(raw_dtype))
        return tuple(outs)

    def _cb_backward(self, flags, present, pairs, has_status, *arrays):
        sig = self._sig
        np_ = len(sig.param_names)
        params = [np.asarray(a) for a in arrays[:np_]]
        nraw = 6 if pairs else 3
        raw = [np.asarray(a) for a in arrays[np_ : np_ + nraw]]
        status = [np.asarray(a) for a in arrays[np_ + nraw : np_ + nraw + has_status]]
        cts = [np.asarray(a) for a in arrays[np_ + nraw + has_status :]]
        if pairs:
            raw = [raw[i].astype(np.float64) + raw[i + 1].astype(np.float64) for i in (0, 2, 4)]
        else:
            raw = [r.astype(np.float64, copy=False) for r in raw]
        has_user = True in flags
        # every argument: (array, member rank including the user batch axis)
        rests = [nd + u for nd, u in zip(sig.param_ndims, flags)]
        rests += [1 + has_user] * 3
        rests += [has_user] * has_status
        rests += [len(sig.output_shapes[i]) + has_user for i in present]
        allargs = params + raw + status + cts
        batch = _Batch(allargs, rests, flags.index(True) if has_user else None)

        # failed members (on_failure="status"): None when there are none, else a bool
        # array over the native batch
        failed = None
        if has_status:
            bad = batch.put(status[0], 0, has_user)[0] != 0
            if bad.all():
                return self._zero_grads(batch, params, flags)
            if bad.any():
                failed = bad

        values, any_batched = self._native_params(batch, params, flags)
        if batch.batched:
            raw = [batch.put(r, 1, has_user)[0] for r in raw]
            raw = [np.broadcast_to(r, (batch.n,) + r.shape[-1:]) if r.ndim == 1 else r for r in raw]
            if not any_batched:
                # the batch comes from the cotangents alone: give the native call one
                # batched parameter so the rebuilt solution has N members
                name, nd = sig.param_names[0], sig.param_ndims[0]
                v = values[name]
                values[name] = np.broadcast_to(v, (batch.n,) + v.shape)
        else:
            raw = [r.reshape(r.shape[-1:]) for r in raw]
        cot = {}
        for i, c in zip(present, cts):
            cot[sig.output_names[i]] = batch.put(c, len(sig.output_shapes[i]), has_user)[0]
        if failed is not None:
            # a failed member's iterate (NaN for refused values) has no derivative: the
            # native pass differentiates a good member in its place, with a zero cotangent
            good = int(np.argmin(failed))
            for name, nd in zip(sig.param_names, sig.param_ndims):
                values[name] = _replace_rows(values[name], nd, failed, good)
            raw = [_replace_rows(r, 1, failed, good) for r in raw]
            for name, shape in zip(sig.output_names, sig.output_shapes):
                if name in cot:
                    c = np.array(np.broadcast_to(cot[name], (batch.n,) + shape))
                    c[failed] = 0.0
                    cot[name] = c
        sol = self.layer.solution_from_raw(values, *raw)
        res = self.layer.backward(sol, cot)
        grads = []
        for name, p, nd, u in zip(sig.param_names, params, sig.param_ndims, flags):
            member = p.shape[p.ndim - nd :]
            g = np.asarray(res[name])
            if failed is not None:
                g = np.array(g)
                g[failed] = 0.0
            if batch.batched:
                g = batch.take(g, member)
                if has_user and not u:
                    g = np.asarray(g.sum(axis=len(batch.vshape)))
            else:
                g = g.reshape(batch.vshape + member)
            grads.append(g.astype(p.dtype, copy=False))
        return tuple(grads)

    def _zero_grads(self, batch: _Batch, params: Sequence[np.ndarray], flags: tuple[bool, ...]):
        """The backward callback's result when every member failed: zeros, in the shapes
        the gradients would have."""
        grads = []
        for p, nd, u in zip(params, self._sig.param_ndims, flags):
            shape = batch.vshape + (batch.user if u else ()) + p.shape[p.ndim - nd :]
            grads.append(np.zeros(shape, p.dtype))
        return tuple(grads)


def _replace_rows(a: np.ndarray, declared: int, rows: np.ndarray, good: int) -> np.ndarray:
    """A native batch argument with the given members replaced by member ``good`` (an
    argument shared by the batch, without the batch axis, is left as it is)."""
    if a.ndim == declared:
        return a
    a = np.array(a)
    a[rows] = a[good]
    return a

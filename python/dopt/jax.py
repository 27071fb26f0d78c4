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

from ._frontend import Named, Signature, resolve_layer
from .errors import ParameterError

__all__ = ["Layer"]


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

    ``Layer(source, dims=None, parameters=None, outputs=None, *, layer=None)``: ``source``
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
    * A failed solve raises (``dopt.SolverError`` from the callback, which JAX may wrap
      in its own runtime error).
    """

    def __init__(
        self,
        source: Any = None,
        dims: Mapping[str, int] | None = None,
        parameters: Sequence[str] | None = None,
        outputs: Sequence[str] | None = None,
        *,
        layer: Any = None,
    ) -> None:
        self.layer = resolve_layer(source, dims, layer)
        self._sig = Signature(self.layer, parameters, outputs)
        self._build()

    def _build(self) -> None:
        self._raw_n, self._raw_m = (int(v) for v in self.layer.raw_sizes)
        f = jax.custom_vjp(self._primal)
        f.defvjp(self._fwd, self._bwd, symbolic_zeros=True)
        self._f = f

    def __getstate__(self) -> dict:
        return {"layer": self.layer, "parameters": self._sig.param_names, "outputs": self._sig.output_names}

    def __setstate__(self, state: dict) -> None:
        self.layer = state["layer"]
        self._sig = Signature(self.layer, state["parameters"], state["outputs"])
        self._build()

    def __repr__(self) -> str:
        return (
            f"dopt.jax.Layer(source={self.layer.source!r}, parameters={list(self._sig.param_names)}, "
            f"outputs={list(self._sig.output_names)})"
        )

    def __call__(self, *params: Any) -> tuple[jax.Array, ...]:
        """Solve for the parameters (positional, in ``parameter_names`` order); returns one
        array per output (``output_names``)."""
        self._sig.check_count(params, "arrays")
        arrays = []
        for p in params:
            a = jnp.asarray(p)
            if not jnp.issubdtype(a.dtype, jnp.inexact):
                a = a.astype(jax.dtypes.canonicalize_dtype(jnp.float64))
            arrays.append(a)
        return self._f(*arrays)

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

    def _primal(self, *params: Any) -> tuple[jax.Array, ...]:
        flags, user, dtype = self._plan(params)
        shapes = tuple(jax.ShapeDtypeStruct(user + s, dtype) for s in self._sig.output_shapes)
        cb = functools.partial(self._cb_forward, flags, dtype, None)
        return tuple(jax.pure_callback(cb, shapes, *params, vmap_method="expand_dims"))

    def _fwd(self, *cparams: Any) -> tuple[tuple[jax.Array, ...], tuple]:
        params = [c.value for c in cparams]
        flags, user, dtype = self._plan(params)
        shapes = [jax.ShapeDtypeStruct(user + s, dtype) for s in self._sig.output_shapes]
        raw_dtype = jax.dtypes.canonicalize_dtype(jnp.float64)
        pairs = raw_dtype != np.float64
        for size in (self._raw_n, self._raw_m, self._raw_m):
            shapes.append(jax.ShapeDtypeStruct(user + (size,), raw_dtype))
            if pairs:
                shapes.append(jax.ShapeDtypeStruct(user + (size,), raw_dtype))
        cb = functools.partial(self._cb_forward, flags, dtype, raw_dtype)
        res = jax.pure_callback(cb, tuple(shapes), *params, vmap_method="expand_dims")
        k = len(self._sig.output_shapes)
        return tuple(res[:k]), (tuple(params), tuple(res[k:]))

    def _bwd(self, residuals: tuple, cts: tuple) -> tuple[jax.Array, ...]:
        params, raw = residuals
        flags, user, _ = self._plan(params)
        present = tuple(i for i, c in enumerate(cts) if not isinstance(c, SymbolicZero))
        if not present:
            return tuple(jnp.zeros(p.shape, p.dtype) for p in params)
        shapes = tuple(jax.ShapeDtypeStruct(p.shape, p.dtype) for p in params)
        cb = functools.partial(self._cb_backward, flags, present, len(raw) == 6)
        grads = jax.pure_callback(
            cb, shapes, *params, *raw, *(cts[i] for i in present), vmap_method="expand_dims"
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
        sol = self.layer.forward(values)
        outs = [batch.take(np.asarray(sol[n], dtype=dtype), s) for n, s in zip(sig.output_names, sig.output_shapes)]
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

    def _cb_backward(self, flags, present, pairs, *arrays):
        sig = self._sig
        np_ = len(sig.param_names)
        params = [np.asarray(a) for a in arrays[:np_]]
        nraw = 6 if pairs else 3
        raw = [np.asarray(a) for a in arrays[np_ : np_ + nraw]]
        cts = [np.asarray(a) for a in arrays[np_ + nraw :]]
        if pairs:
            raw = [raw[i].astype(np.float64) + raw[i + 1].astype(np.float64) for i in (0, 2, 4)]
        else:
            raw = [r.astype(np.float64, copy=False) for r in raw]
        has_user = True in flags
        # every argument: (array, member rank including the user batch axis)
        rests = [nd + u for nd, u in zip(sig.param_ndims, flags)]
        rests += [1 + has_user] * 3
        rests += [len(sig.output_shapes[i]) + has_user for i in present]
        allargs = params + raw + cts
        batch = _Batch(allargs, rests, flags.index(True) if has_user else None)

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
        sol = self.layer.solution_from_raw(values, *raw)
        cot = {}
        for i, c in zip(present, cts):
            cot[sig.output_names[i]] = batch.put(c, len(sig.output_shapes[i]), has_user)[0]
        res = self.layer.backward(sol, cot)
        grads = []
        for name, p, nd, u in zip(sig.param_names, params, sig.param_ndims, flags):
            member = p.shape[p.ndim - nd :]
            g = np.asarray(res[name])
            if batch.batched:
                g = batch.take(g, member)
                if has_user and not u:
                    g = np.asarray(g.sum(axis=len(batch.vshape)))
            else:
                g = g.reshape(batch.vshape + member)
            grads.append(g.astype(p.dtype, copy=False))
        return tuple(grads)

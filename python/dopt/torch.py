"""dopt layers as PyTorch modules.

``dopt.torch.Layer`` wraps a compiled dopt layer in a ``torch.nn.Module`` whose call solves
the problem for the given parameter tensors and whose backward pass is dopt's implicit
differentiation of the optimality conditions (no unrolling, no re-solve)::

    import torch, dopt.torch
    sparsemax = dopt.torch.Layer("std:sparsemax", dims={"n": 4})
    x = torch.tensor([0.8, 0.1, 0.5, -0.3], requires_grad=True)
    (y,) = sparsemax(x)          # (0.65, 0, 0.35, 0)
    y[0].backward()              # x.grad = (0.5, 0, -0.5, 0)
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import torch
from torch.autograd.function import once_differentiable

from ._frontend import Named, Signature, check_on_failure, resolve_layer

__all__ = ["Layer"]

_F64 = torch.float64
_CPU = torch.device("cpu")


class _Solve(torch.autograd.Function):
    """forward(module, *params) -> outputs; backward through dopt's native backward pass.

    Kept lean: the parameters and outputs cross through the layer's binding (positional,
    resolved once at construction), so a call costs a few attribute operations beyond the
    native calls and torch's own autograd bookkeeping."""

    @staticmethod
    def forward(ctx: Any, mod: "Layer", *inputs: Any) -> tuple[torch.Tensor, ...]:  # type: ignore[override]
        ctx.set_materialize_grads(False)
        dtype = device = None
        arrays = []
        for t in inputs:
            if isinstance(t, torch.Tensor):
                if t.dtype is not dtype:
                    dtype = t.dtype if dtype is None else torch.promote_types(dtype, t.dtype)
                if device is None or (t.device != device and device.type == "cpu"):
                    device = t.device
                arrays.append(t.numpy(force=True))
            else:
                arrays.append(t)
        sol, outs = mod._binding.forward(tuple(arrays), mod._raise)
        mod.__dict__["_last_solution"] = sol
        if dtype is _F64 and device.type == "cpu":
            result = tuple([torch.from_numpy(o) for o in outs])
        else:
            if dtype is None or not dtype.is_floating_point:
                dtype = _F64
            if device is None:
                device = _CPU
            result = tuple([torch.from_numpy(o).to(device=device, dtype=dtype) for o in outs])
        if True in ctx.needs_input_grad:
            # inputs are kept as plain references (not saved tensors: nothing of theirs
            # is read in the backward but dtype, device, shape)
            ctx.mod = mod
            ctx.sol = sol
            ctx.inputs = inputs
        return result

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> tuple[Any, ...]:  # type: ignore[override]
        if torch.is_grad_enabled():
            # create_graph=True: the gradient is not differentiable again (it comes from
            # Rust); make a second derivative raise instead of being a silent zero
            return _once(ctx, *grads)
        return _backward(ctx, grads)


def _backward(ctx: Any, grads: tuple) -> tuple[Any, ...]:
    needs = ctx.needs_input_grad
    sol = getattr(ctx, "sol", None)
    if sol is None:
        return (None,) * len(needs)
    mod = ctx.mod
    if all(g is None for g in grads):
        return (None,) * len(needs)
    cot = tuple([None if g is None else g.numpy(force=True) for g in grads])
    res = mod._binding.backward(sol, cot, mod._raise)
    batched = sol.batch_size is not None
    out: list[Any] = [None]
    for g, need, t, nd in zip(res, needs[1:], ctx.inputs, mod._sig.param_ndims):
        if not need:
            out.append(None)
            continue
        if batched and t.dim() == nd:
            g = np.asarray(g.sum(axis=0))  # a shared input: the sum over the batch
        if g.shape != t.shape:
            g = g.reshape(t.shape)
        gt = torch.from_numpy(g)
        if t.dtype is not _F64 or t.device.type != "cpu":
            gt = gt.to(device=t.device, dtype=t.dtype)
        out.append(gt)
    return tuple(out)


@once_differentiable
def _once(ctx: Any, *grads: Any) -> tuple[Any, ...]:
    return _backward(ctx, grads)


class Layer(Named, torch.nn.Module):
    """A dopt layer as a ``torch.nn.Module``.

    ``Layer(source, dims=None, parameters=None, outputs=None, *, on_failure="raise", layer=None)``

    * ``source``: a ``.dopt`` or layer-file path, ``"std:NAME"``, the text of a problem
      (anything containing a newline is compiled as text), or a compiled ``dopt.Layer``
      (then ``dims`` must be None). ``layer=`` is another way to pass a compiled layer.
    * ``dims``: dims to compile with, e.g. ``{"n": 100}``.
    * ``parameters``: the parameter names in the order of the call's positional arguments
      (default: the order the problem declares them). Every parameter must be listed.
    * ``outputs``: what the call returns, in order: variable names and ``"dual:LABEL"``
      for the dual of the constraint named ``LABEL`` (default: the layer's output
      variables).
    * ``on_failure``: ``"raise"`` raises ``dopt.SolverError`` when a solve (or a batch
      member) is not optimal; ``"status"`` returns the outputs anyway (a failed member holds
      the solver's last iterate), and its gradient is zero. Either way ``last_status``
      holds the status of the last call (a ``str``, or a list of them for a batch).

    Calling ``layer(*params)`` returns a tuple of tensors, one per output.

    **Batches.** A parameter with one more leading axis than declared is a batch of that
    size; parameters without it are shared by every member (broadcast). The batch is solved
    in parallel in Rust with the GIL released, and its outputs have the leading batch axis.
    Gradients come back in each input's own shape: a shared parameter receives the sum over
    the batch.

    **Dtypes and devices.** The solve and the backward pass run in float64 on the CPU.
    Outputs and gradients have the promoted dtype of the inputs (float32 in, float32 out;
    integer inputs give float64). Tensors on another device (CUDA, MPS) are copied to the
    host each call and the outputs copied back: the cost is one device-to-host copy of the
    parameters plus one host-to-device copy of the outputs per forward call (and the same
    for the cotangents and gradients in the backward pass), including the synchronisation
    each copy implies; for small problems this synchronisation, not the bytes, dominates.
    Float64 contiguous CPU tensors cross without a copy.

    **Cost of unused outputs.** Outputs that receive no gradient are left out of the
    backward pass, and when no input requires a gradient nothing is kept for it.

    The module pickles (the compiled layer travels as its layer-file bytes), so it can be
    sent to DataLoader workers, spawned processes or saved with ``torch.save``.
    """

    def __init__(
        self,
        source: Any = None,
        dims: Mapping[str, int] | None = None,
        parameters: Sequence[str] | None = None,
        outputs: Sequence[str] | None = None,
        *,
        on_failure: str = "raise",
        layer: Any = None,
    ) -> None:
        super().__init__()
        raise_ = check_on_failure(on_failure)
        self.layer = resolve_layer(source, dims, layer)
        self._sig = Signature(self.layer, parameters, outputs)
        self._binding = self.layer._bind(list(self._sig.param_names), list(self._sig.output_names))
        self._raise = raise_
        self._last_solution: Any = None

    @property
    def on_failure(self) -> str:
        """``"raise"`` or ``"status"`` (see the class docstring); may be changed."""
        return "raise" if self._raise else "status"

    @on_failure.setter
    def on_failure(self, value: str) -> None:
        self._raise = check_on_failure(value)

    def __getstate__(self) -> dict:
        # the binding and the last solution are views of the layer, rebuilt on load
        state = self.__dict__.copy()
        state.pop("_binding", None)
        state["_last_solution"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._binding = self.layer._bind(list(self._sig.param_names), list(self._sig.output_names))

    @property
    def last_status(self) -> str | list[str] | None:
        """The status of the last call (a list for a batch), or None before the first."""
        sol = self._last_solution
        return None if sol is None else sol.status

    def forward(self, *params: Any) -> tuple[torch.Tensor, ...]:
        """Solve for the parameter tensors (positional, in ``parameter_names`` order) and
        return one tensor per output (``output_names``)."""
        self._sig.check_count(params, "tensors")
        return _Solve.apply(self, *params)

    def extra_repr(self) -> str:
        return (
            f"source={self.layer.source!r}, parameters={list(self._sig.param_names)}, "
            f"outputs={list(self._sig.output_names)}, on_failure={self.on_failure!r}"
        )

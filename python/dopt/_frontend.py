"""What the torch and JAX wrappers share: turning a source into a compiled layer and
resolving the positional parameter order and the output list once, at construction."""

from __future__ import annotations

import os
from typing import Any, Sequence

from . import _native


def resolve_layer(source: Any, dims: Any, layer: Any) -> Any:
    """The compiled ``dopt.Layer`` for ``source`` (a path, ``std:NAME``, problem text or a
    compiled layer) or for ``layer`` (a compiled layer, when ``source`` is None)."""
    if layer is not None:
        if source is not None:
            raise TypeError("give either `source` or `layer=`, not both")
        source = layer
    if source is None:
        raise TypeError("a layer needs a source: a path, `std:NAME`, problem text or a dopt.Layer")
    if isinstance(source, (str, os.PathLike)):
        if isinstance(source, str) and "\n" in source:
            return _native.Layer.compile_str(source, dims)
        if _is_layer_file(source):
            if dims:
                raise ValueError(
                    f"`dims` apply when compiling; {os.fspath(source)!r} is a compiled layer file "
                    "(its dims are fixed): compile the .dopt source with the new dims"
                )
            return _native.Layer.load(source)
        return _native.Layer.compile(source, dims)
    if dims:
        raise ValueError(
            "`dims` apply when compiling; this layer is already compiled "
            f"(dims {dict(source.dims)}): compile the source again with the new dims"
        )
    return source


def _is_layer_file(path: str | os.PathLike) -> bool:
    """Does the file start with the layer-file magic (what `dopt compile` and Layer.save
    write)? Anything else (a missing file too) goes to the compiler, which reports it."""
    if isinstance(path, str) and path.startswith("std:"):
        return False
    try:
        with open(path, "rb") as f:
            return f.read(8) == _MAGIC
    except OSError:
        return False


_MAGIC = b"DOPTLAYR"


def check_on_failure(value: Any) -> bool:
    """Whether a wrapper's ``on_failure`` value means raise (``"raise"``) or not
    (``"status"``); anything else is a ValueError."""
    if value not in ("raise", "status"):
        raise ValueError(f"on_failure must be 'raise' or 'status', not {value!r}")
    return value == "raise"


class Signature:
    """The positional parameters and the outputs of a wrapped layer, fixed at construction."""

    __slots__ = ("param_names", "param_shapes", "param_ndims", "output_names", "output_shapes")

    def __init__(self, layer: Any, parameters: Sequence[str] | None, outputs: Sequence[str] | None):
        declared = {p.name: tuple(p.shape) for p in layer.parameters}
        if parameters is None:
            names = [p.name for p in layer.parameters]
        else:
            if isinstance(parameters, str):
                raise TypeError("`parameters` is a list of parameter names, not one string")
            names = list(parameters)
            unknown = [n for n in names if n not in declared]
            if unknown:
                raise ValueError(
                    f"unknown parameter {unknown[0]!r} in `parameters`; "
                    f"the layer's parameters are {list(declared)}"
                )
            dup = [n for n in set(names) if names.count(n) > 1]
            if dup:
                raise ValueError(f"parameter {dup[0]!r} appears twice in `parameters`")
            missing = [n for n in declared if n not in names]
            if missing:
                raise ValueError(
                    f"`parameters` leaves out {missing}: list every parameter of the layer "
                    "(it fixes the positional order of the call)"
                )
        self.param_names = tuple(names)
        self.param_shapes = tuple(declared[n] for n in names)
        self.param_ndims = tuple(len(s) for s in self.param_shapes)

        available = {}
        for o in layer.outputs:
            key = o.name if o.kind == "variable" or o.name.startswith("dual:") else "dual:" + o.name
            available[key] = tuple(o.shape)
        if outputs is None:
            outs = [o.name for o in layer.outputs if o.kind == "variable"]
        else:
            if isinstance(outputs, str):
                raise TypeError("`outputs` is a list of output names, not one string")
            outs = list(outputs)
            for n in outs:
                if n not in available:
                    raise ValueError(
                        f"unknown output {n!r}; the layer returns {list(available)} "
                        "(variables by name, duals of named constraints as 'dual:LABEL')"
                    )
        if not outs:
            raise ValueError("a layer needs at least one output")
        self.output_names = tuple(outs)
        self.output_shapes = tuple(available[n] for n in outs)

    def check_count(self, params: Sequence[Any], what: str) -> None:
        """A call passes one positional argument per parameter."""
        if len(params) != len(self.param_names):
            raise TypeError(
                f"this layer takes {len(self.param_names)} parameter {what} "
                f"({', '.join(self.param_names)}), got {len(params)}"
            )


class Named:
    """The parameter and output names of a wrapped layer (its `_sig`)."""

    _sig: Signature

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """The parameter names, in the order of the call's positional arguments."""
        return self._sig.param_names

    @property
    def output_names(self) -> tuple[str, ...]:
        """The names of the returned outputs, in order."""
        return self._sig.output_names

"""dopt: differentiable convex optimization layers.

Write a problem with parameters in a ``.dopt`` file (as you would in cvxpy), compile it
once into a :class:`Layer`, and call it: a function from parameter values to the optimal
solution, with an exact backward pass. The layer works on numpy arrays here; for models,
use :class:`dopt.torch.Layer` (a ``torch.nn.Module``) or :class:`dopt.jax.Layer`.

>>> import dopt, numpy as np
>>> layer = dopt.compile("std:sparsemax", dims={"n": 4})
>>> sol = layer.forward(x=np.array([0.8, 0.1, 0.5, -0.3]))
>>> np.round(sol["y"], 6).tolist()
[0.65, 0.0, 0.35, 0.0]
>>> grads = layer.backward(sol, {"y": np.array([1.0, 0.0, 0.0, 0.0])})
>>> np.round(grads["x"], 6).tolist()
[0.5, 0.0, -0.5, 0.0]
"""

from __future__ import annotations

import os
from typing import Mapping

from . import errors
from ._native import Info, Layer, Solution, __version__
from .errors import (
    CompileError,
    DCPError,
    DoptError,
    DPPError,
    InternalError,
    LayerFileError,
    NameResolutionError,
    ParameterError,
    ParseError,
    ProblemError,
    ShapeError,
    SolverError,
)

__all__ = ["Layer", "Solution", "Info", "compile", "compile_str", "load", "errors", "__version__"]
__all__ += errors.__all__


def compile(source: str | os.PathLike[str], dims: Mapping[str, int] | None = None) -> Layer:
    """Compile a problem into a :class:`Layer`.

    ``source`` is a path to a ``.dopt`` file (or to a layer file, which is loaded), ``std:NAME`` for a problem of the standard
    library, or the text of a problem (anything with a newline in it; see
    :func:`compile_str`). ``dims`` gives the values of the problem's ``dim``s.
    Raises a :class:`CompileError` subclass with the file, line and column.
    """
    if isinstance(source, str) and "\n" in source:
        return Layer.compile_str(source, dict(dims) if dims else None)
    return Layer.compile(source, dict(dims) if dims else None)


def compile_str(text: str, dims: Mapping[str, int] | None = None, name: str = "<string>") -> Layer:
    """Compile the text of a problem; ``name`` is what error messages call it."""
    return Layer.compile_str(text, dict(dims) if dims else None, name)


def load(path: str | os.PathLike[str]) -> Layer:
    """Load a layer file written by :meth:`Layer.save` or ``dopt compile``."""
    return Layer.load(path)

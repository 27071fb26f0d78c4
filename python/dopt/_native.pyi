"""Type stubs of the extension module ``dopt._native`` (re-exported by ``dopt``)."""

import os
from typing import Any, Literal, Mapping, Sequence

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike
OnFailure = Literal["raise", "status"]

__version__: str
build_opt_level: str
"""The optimization level the extension was compiled at ("3" for a release build)."""

class Info:
    """A name, a shape and attributes: one parameter or output of a layer."""

    @property
    def name(self) -> str:
        """The name (the label, for a dual)."""
    @property
    def key(self) -> str:
        """The name in cotangents and ``Solution[...]``: the name, or ``dual:LABEL``."""
    @property
    def shape(self) -> tuple[int, ...]:
        """The shape (``()`` for a scalar)."""
    @property
    def attributes(self) -> tuple[str, ...]:
        """The declared attributes (``nonneg``, ``psd``, ...)."""
    @property
    def kind(self) -> Literal["parameter", "variable", "dual"]:
        """What it is."""

class Solution:
    """The result of :meth:`Layer.forward` (one call, or every member of a batch)."""

    @property
    def batch_size(self) -> int | None:
        """``None`` for a single call, else the number of members."""
    @property
    def status(self) -> str | list[str]:
        """``"optimal"``, ``"infeasible"``, ..., ``"invalid"``; a list for a batch."""
    @property
    def solver(self) -> str | list[str]:
        """``"clarabel"``, ``"active-set"`` or ``"clarabel (active-set fallback)"``; a list for a batch."""
    @property
    def ok(self) -> bool | npt.NDArray[np.bool_]:
        """``status == "optimal"``."""
    @property
    def objective(self) -> float | npt.NDArray[np.float64]:
        """The objective as written."""
    @property
    def iterations(self) -> int | npt.NDArray[np.int64]:
        """Interior-point iterations."""
    @property
    def solve_time(self) -> float | npt.NDArray[np.float64]:
        """Seconds in the solver's iterations."""
    @property
    def variables(self) -> dict[str, npt.NDArray[np.float64]]:
        """The output variables (leading batch axis for a batch)."""
    @property
    def duals(self) -> dict[str, npt.NDArray[np.float64]]:
        """The duals of the named constraints, by label."""
    @property
    def errors(self) -> list[str | None]:
        """Per member of a batch, why it failed (``None`` when it did not)."""
    @property
    def raw(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """The cone program's solution ``(x, s, z)``."""
    def __getitem__(self, name: str) -> npt.NDArray[np.float64]:
        """A variable, or ``dual:LABEL``."""

class Layer:
    """A compiled problem: parameter values in, the optimal solution out, with derivatives."""

    @staticmethod
    def compile(source: str | os.PathLike[str], dims: Mapping[str, int] | None = None) -> Layer:
        """Compile a ``.dopt`` file or ``std:NAME``."""
    @staticmethod
    def compile_str(text: str, dims: Mapping[str, int] | None = None, name: str = "<string>") -> Layer:
        """Compile the text of a problem."""
    @staticmethod
    def load(path: str | os.PathLike[str]) -> Layer:
        """Load a layer file."""
    @staticmethod
    def from_bytes(data: bytes | bytearray | memoryview) -> Layer:
        """A layer from the bytes of a layer file."""
    def to_bytes(self) -> bytes:
        """The bytes of the layer file."""
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the layer file."""
    def with_settings(
        self,
        *,
        tol: float | None = None,
        max_iter: int | None = None,
        verbose: bool | None = None,
        smoothing: float | None = None,
        solver: Literal["auto", "clarabel", "active-set"] | None = None,
        warm_start: bool | None = None,
    ) -> Layer:
        """A copy with other solver settings or differentiation options."""
    def forget_warm_starts(self) -> None:
        """Forget the active-set solver's kept working sets: the next calls start cold."""
    @property
    def settings(self) -> dict[str, Any]:
        """The solver settings, as with_settings takes them: solver, warm_start, tol, max_iter, verbose, smoothing."""
    @property
    def source(self) -> str:
        """Where the layer was compiled from."""
    @property
    def dims(self) -> dict[str, int]:
        """The dims it was compiled with."""
    @property
    def parameters(self) -> list[Info]:
        """The parameters, in declaration order."""
    @property
    def outputs(self) -> list[Info]:
        """The output variables, then the duals of the named constraints."""
    @property
    def raw_sizes(self) -> tuple[int, int]:
        """``(n, m)`` of the cone program."""
    def forward(
        self,
        params: Mapping[str, ArrayLike] | None = None,
        /,
        *,
        on_failure: OnFailure = "raise",
        **kwargs: ArrayLike,
    ) -> Solution:
        """Solve; a leading batch axis on any parameter makes a batch."""
    def backward(
        self,
        sol: Solution,
        cotangents: Mapping[str, ArrayLike] | None = None,
        /,
        *,
        on_failure: OnFailure = "raise",
        **kwargs: ArrayLike,
    ) -> dict[str, npt.NDArray[np.float64]]:
        """d(loss)/d(parameters) from d(loss)/d(outputs)."""
    def jvp(
        self,
        sol: Solution,
        directions: Mapping[str, ArrayLike] | None = None,
        /,
        **kwargs: ArrayLike,
    ) -> tuple[dict[str, npt.NDArray[np.float64]], dict[str, npt.NDArray[np.float64]]]:
        """(d variables, d duals) along parameter directions."""
    def solution_from_raw(
        self, params: Mapping[str, ArrayLike], x: ArrayLike, s: ArrayLike, z: ArrayLike
    ) -> Solution:
        """An optimal Solution rebuilt from ``Solution.raw``, without solving."""
    def _bind(self, params: Sequence[str], outputs: Sequence[str]) -> _Binding:
        """The wrappers' positional fast path for these parameters and outputs."""

class _Binding:
    """``Layer._bind``: positional parameters in, a tuple of outputs out."""

    def forward(
        self, arrays: tuple[ArrayLike, ...], raise_on_failure: bool
    ) -> tuple[Solution, tuple[npt.NDArray[np.float64], ...]]:
        """Solve; the solution and the bound outputs."""
    def backward(
        self, sol: Solution, cotangents: tuple[ArrayLike | None, ...], raise_on_failure: bool
    ) -> tuple[npt.NDArray[np.float64], ...]:
        """One gradient per bound parameter."""

def bench_cases() -> list[dict[str, Any]]:
    """The benchmark problems of ``dopt bench``."""

def bench_member(index: int, i: int) -> tuple[dict[str, npt.NDArray[np.float64]], dict[str, npt.NDArray[np.float64]]]:
    """Parameter values and cotangents of member ``i`` of benchmark case ``index``."""

def rust_step_time(layer: Layer, index: int, batch: int, reps: int, first: int = 1) -> float:
    """Median seconds of the Rust layer's forward+backward step."""

def std_names() -> list[str]:
    """The problems of the standard library (``std:NAME``)."""

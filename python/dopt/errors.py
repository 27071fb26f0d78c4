"""The exceptions of dopt.

Every error of the Rust core arrives as a subclass of :class:`DoptError`, chosen by its
diagnostic code, with the message rendered as the command line prints it (rustc style:
code, location, the source line with carets, notes and help) and the fields a program
needs: ``code``, ``file``, ``line``, ``column`` and every ``diagnostics`` entry.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DoptError",
    "CompileError",
    "ParseError",
    "NameResolutionError",
    "ShapeError",
    "ProblemError",
    "DCPError",
    "DPPError",
    "ParameterError",
    "SolverError",
    "LayerFileError",
    "InternalError",
]


class DoptError(Exception):
    """Base class of every dopt error.

    Attributes:
        message: the rendered message (also ``str(error)``).
        code: the diagnostic code of the first error, such as ``"E0201"``.
        file, line, column: where the first error is (1-based), or ``None`` when it has
            no source (parameter values, layer files).
        diagnostics: every diagnostic, as dicts with ``code``, ``message``, ``file``,
            ``line`` and ``column``.
        status: for a :class:`SolverError`, how the solve ended (``"infeasible"``, ...).
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        diagnostics: list[dict[str, Any]] | None = None,
        status: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.diagnostics = diagnostics if diagnostics is not None else []
        self.status = status

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> Any:
        kwargs = {
            "code": self.code,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "diagnostics": self.diagnostics,
            "status": self.status,
        }
        return (_rebuild, (type(self), self.message, kwargs))


def _rebuild(cls: type, message: str, kwargs: dict[str, Any]) -> DoptError:
    return cls(message, **kwargs)


class CompileError(DoptError):
    """The problem text is not a valid, convex (DCP), DPP problem."""


class ParseError(CompileError):
    """The text does not follow the grammar (E00xx)."""


class NameResolutionError(CompileError):
    """An unknown, repeated or misused name (E01xx)."""


class ShapeError(CompileError):
    """Shapes that do not fit, bad indices, bad dims (E02xx, E03xx)."""


class ProblemError(CompileError):
    """Statements in the wrong place, or a problem that cannot be reduced (E04xx, E0801)."""


class DCPError(CompileError):
    """The problem is not convex by the DCP rules (E05xx)."""


class DPPError(CompileError):
    """The problem data are not affine in the parameters (E06xx)."""


class ParameterError(DoptError, ValueError):
    """Bad parameter values, cotangents or directions: names, shapes, NaN, attributes (E070x)."""


class SolverError(DoptError):
    """A solve that is not optimal, or a backward pass through one (``status`` says how it ended)."""


class LayerFileError(DoptError, OSError):
    """An unreadable, truncated, corrupted or wrong-version layer file (E090x)."""


class InternalError(DoptError):
    """A bug in dopt (E0999). The interpreter goes on; please report the input."""

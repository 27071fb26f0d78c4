//! Errors of the core as Python exceptions of the `dopt.errors` hierarchy.
//!
//! The classes are defined in Python (`python/dopt/errors.py`), so that they can have
//! two bases (`ParameterError` is also a `ValueError`, `LayerFileError` an `OSError`);
//! this module picks the class from the first error's code and fills in the rendered
//! message, the code and the location.

use dopt::Error;
use dopt::internals::diag::Diagnostic;
use dopt::internals::source::SourceFile;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// The `dopt.errors` class for a diagnostic code.
fn class_for(code: &str) -> &'static str {
    match code {
        "E0701" | "E0702" | "E0703" => "ParameterError",
        "E0704" | "E0802" => "SolverError",
        "E0801" => "ProblemError",
        "E0999" => "InternalError",
        c if c.starts_with("E00") => "ParseError",
        c if c.starts_with("E01") => "NameResolutionError",
        c if c.starts_with("E02") || c.starts_with("E03") => "ShapeError",
        c if c.starts_with("E04") => "ProblemError",
        c if c.starts_with("E05") => "DCPError",
        c if c.starts_with("E06") => "DPPError",
        c if c.starts_with("E09") => "LayerFileError",
        _ => "DoptError",
    }
}

/// File, 1-based line and column of a diagnostic's primary label.
fn location(d: &Diagnostic, source: Option<&SourceFile>) -> (Option<String>, Option<usize>, Option<usize>) {
    let Some(src) = source else { return (None, None, None) };
    let label = d.labels.iter().find(|l| l.primary).or(d.labels.first());
    match label {
        Some(l) => {
            let (line, col) = src.line_col(l.span.start as usize);
            (Some(src.name.clone()), Some(line), Some(col))
        }
        None => (Some(src.name.clone()), None, None),
    }
}

/// An exception of class `class` (a name in `dopt.errors`) with these fields.
pub fn exception(py: Python<'_>, class: &str, message: &str, fields: &[(&str, Bound<'_, PyAny>)]) -> PyErr {
    let make = || -> PyResult<PyErr> {
        let cls = py.import("dopt.errors")?.getattr(class)?;
        let kwargs = PyDict::new(py);
        for (k, v) in fields {
            kwargs.set_item(*k, v)?;
        }
        let obj = cls.call((message,), Some(&kwargs))?;
        Ok(PyErr::from_value(obj))
    };
    make().unwrap_or_else(|e| PyRuntimeError::new_err(format!("{message}\n(while raising it: {e})")))
}

/// The exception for a core error; `status` is set on a `SolverError` for a solve
/// that is not optimal.
pub fn to_py(py: Python<'_>, e: &Error, status: Option<&str>) -> PyErr {
    let message = e.render().trim_end().to_string();
    let src = e.source.as_ref();
    let first = e.diagnostics.first();
    let code = first.map(|d| d.code.id).unwrap_or("E0999");
    let build = || -> PyResult<Vec<(&str, Bound<'_, PyAny>)>> {
        let diags = PyList::empty(py);
        for d in &e.diagnostics {
            let (file, line, col) = location(d, src);
            let item = PyDict::new(py);
            item.set_item("code", d.code.id)?;
            item.set_item("message", &d.message)?;
            item.set_item("file", file)?;
            item.set_item("line", line)?;
            item.set_item("column", col)?;
            diags.append(item)?;
        }
        let (file, line, col) = first.map(|d| location(d, src)).unwrap_or((None, None, None));
        Ok(vec![
            ("code", code.into_pyobject(py)?.into_any()),
            ("file", file.into_pyobject(py)?.into_any()),
            ("line", line.into_pyobject(py)?.into_any()),
            ("column", col.into_pyobject(py)?.into_any()),
            ("diagnostics", diags.into_any()),
            ("status", status.into_pyobject(py)?.into_any()),
        ])
    };
    match build() {
        Ok(fields) => exception(py, class_for(code), &message, &fields),
        Err(err) => err,
    }
}

/// An exception for an error found by the bindings themselves, with the fields of
/// [`to_py`]: one diagnostic without a location.
fn own(py: Python<'_>, class: &str, code: &str, message: &str, status: Option<&str>) -> PyErr {
    let build = || -> PyResult<Vec<(&str, Bound<'_, PyAny>)>> {
        let item = PyDict::new(py);
        item.set_item("code", code)?;
        item.set_item("message", message)?;
        for k in ["file", "line", "column"] {
            item.set_item(k, py.None())?;
        }
        Ok(vec![
            ("code", pyo3::types::PyString::new(py, code).into_any()),
            ("diagnostics", PyList::new(py, [item])?.into_any()),
            ("status", status.into_pyobject(py)?.into_any()),
        ])
    };
    match build() {
        Ok(fields) => {
            let first = message.lines().next().unwrap_or_default();
            let rest = &message[first.len()..];
            exception(py, class, &format!("error[{code}]: {first}{rest}"), &fields)
        }
        Err(e) => e,
    }
}

/// A `ParameterError` (E0702) raised by the bindings themselves: shapes, batch axes,
/// dtypes.
pub fn parameter(py: Python<'_>, message: impl Into<String>) -> PyErr {
    own(py, "ParameterError", "E0702", &message.into(), None)
}

/// The message of a member whose solve ended with `status`.
pub fn not_optimal(status: &str) -> String {
    format!("the solve ended with status `{status}`, not `optimal`")
}

/// A `SolverError` for a solve that ended with `status`.
pub fn solver(py: Python<'_>, prefix: &str, status: &str) -> PyErr {
    let message = format!(
        "{prefix}{}\n  = help: pass on_failure=\"status\" to get the status instead of this exception",
        not_optimal(status)
    );
    own(py, "SolverError", "E0704", &message, Some(status))
}

/// Run `f`, turning a Rust panic that escaped the core's own guards into an
/// `InternalError`: the interpreter never aborts.
pub fn guard<T>(py: Python<'_>, what: &str, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match dopt::internals::frontend::catch_panic(what, f) {
        Ok(r) => r,
        Err(panic) => {
            let d = dopt::internals::frontend::internal_error(what, &panic);
            Err(to_py(py, &Error::from(d), None))
        }
    }
}

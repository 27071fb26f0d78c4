//! numpy arrays in and out: whole buffers are copied, never entry by entry in Python.

use crate::errors;
use numpy::{PyArray1, PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// An array read from Python: its shape and its entries in row-major order.
pub struct Arr {
    pub shape: Vec<usize>,
    pub data: Vec<f64>,
}

/// `(3,)`, `(2, 4)`, `()`: a shape as Python prints it.
pub fn shape_text(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!("({})", shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
    }
}

fn read_f64(a: &Bound<'_, PyArrayDyn<f64>>) -> PyResult<Option<Arr>> {
    if !a.is_c_contiguous() {
        return Ok(None);
    }
    let ro = a.try_readonly().map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    Ok(ro.as_slice().ok().map(|s| Arr { shape: a.shape().to_vec(), data: s.to_vec() }))
}

/// Read `obj` (an ndarray, a list, a number, anything numpy converts) as float64. Booleans,
/// integers and float32 are converted, non-contiguous arrays copied; complex, object,
/// string and date arrays are refused with a `ParameterError` that names `what`.
pub fn read(py: Python<'_>, what: &str, obj: &Bound<'_, PyAny>) -> PyResult<Arr> {
    if let Ok(a) = obj.cast::<PyArrayDyn<f64>>()
        && let Some(arr) = read_f64(a)?
    {
        return Ok(arr);
    }
    let np = py.import("numpy")?;
    let arr = np
        .call_method1("asarray", (obj,))
        .map_err(|e| errors::parameter(py, format!("{what}: cannot be read as an array of numbers: {e}")))?;
    let dtype = arr.getattr("dtype")?;
    let kind: String = dtype.getattr("kind")?.extract()?;
    match kind.as_str() {
        "b" | "i" | "u" | "f" => {}
        "c" => {
            return Err(errors::parameter(
                py,
                format!("{what}: complex values are not accepted (dtype {dtype}); give real numbers"),
            ));
        }
        _ => {
            return Err(errors::parameter(
                py,
                format!("{what}: an array of dtype {dtype} is not an array of numbers; give real numbers"),
            ));
        }
    }
    // `asarray(order="C")` keeps 0-d arrays 0-d (`ascontiguousarray` makes them 1-d).
    let kwargs = PyDict::new(py);
    kwargs.set_item("dtype", np.getattr("float64")?)?;
    kwargs.set_item("order", "C")?;
    let conv = np.call_method("asarray", (arr,), Some(&kwargs))?;
    let a = conv.cast::<PyArrayDyn<f64>>()?;
    read_f64(a)?
        .ok_or_else(|| errors::parameter(py, format!("{what}: the array could not be made contiguous")))
}

/// A new float64 array of `shape` holding `data` (row-major; `data.len()` is the
/// product of `shape`).
pub fn make<'py>(py: Python<'py>, shape: &[usize], data: Vec<f64>) -> PyResult<Bound<'py, PyAny>> {
    let flat = PyArray1::from_vec(py, data);
    if shape.len() == 1 {
        return Ok(flat.into_any());
    }
    Ok(flat.reshape(shape.to_vec())?.into_any())
}

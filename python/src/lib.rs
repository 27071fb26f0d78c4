//! `dopt._native`: the Python extension of dopt. The pure-Python package `dopt`
//! (`python/dopt/`) re-exports it and adds the PyTorch and JAX layers.
//!
//! Every call converts its numpy arrays once, releases the GIL while the Rust core
//! solves or differentiates (batches in parallel on rayon's pool), and turns the core's
//! errors into the `dopt.errors` exceptions. No Rust panic reaches the interpreter.

mod arrays;
mod errors;
mod layer;

use dopt::Values;
use dopt::internals::bench;
use layer::{Info, PyLayer, PySolution};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::time::Instant;

fn values_dict<'py>(py: Python<'py>, v: &Values) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, a) in v {
        d.set_item(k, arrays::make(py, a.shape.dims(), a.data.clone())?)?;
    }
    Ok(d)
}

fn case(py: Python<'_>, index: usize) -> PyResult<bench::Case> {
    bench::cases()
        .into_iter()
        .nth(index)
        .ok_or_else(|| errors::parameter(py, format!("there is no benchmark case {index}")))
}

/// The benchmark problems of `dopt bench` (`docs/performance.md`): a list of dicts with
/// `name`, `text` (the `.dopt` source) and `dims`.
#[pyfunction]
fn bench_cases(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyDict>>> {
    bench::cases()
        .iter()
        .map(|c| {
            let d = PyDict::new(py);
            d.set_item("name", c.name)?;
            d.set_item("text", &c.text)?;
            let dims = PyDict::new(py);
            for (k, v) in c.dims.iter() {
                dims.set_item(k, v)?;
            }
            d.set_item("dims", dims)?;
            Ok(d)
        })
        .collect()
}

/// Parameter values and loss weights (cotangents) of member `i` of benchmark case
/// `index`: the values `dopt bench` uses.
#[pyfunction]
fn bench_member(py: Python<'_>, index: usize, i: u64) -> PyResult<(Bound<'_, PyDict>, Bound<'_, PyDict>)> {
    let c = case(py, index)?;
    Ok((values_dict(py, &(c.params)(i))?, values_dict(py, &(c.dvars)(i))?))
}

/// Median seconds of the Rust layer's training step (forward and backward) on benchmark
/// case `index`, measured here on the members `first, first+1, …`: single calls when
/// `batch` is 1 (`reps` of them), else `reps` batches of `batch` members. The GIL is
/// released while it runs.
#[pyfunction]
#[pyo3(signature = (layer, index, batch, reps, first=1))]
fn rust_step_time(
    py: Python<'_>,
    layer: &PyLayer,
    index: usize,
    batch: usize,
    reps: usize,
    first: u64,
) -> PyResult<f64> {
    let c = case(py, index)?;
    let l = &layer.inner;
    let policy = dopt::BatchPolicy::PerMember;
    let times = py.detach(|| -> Result<Vec<f64>, dopt::Error> {
        let mut times = Vec::new();
        for r in 0..reps as u64 {
            let start = first + r * batch as u64;
            let params: Vec<Values> = (start..start + batch as u64).map(|i| (c.params)(i)).collect();
            let dvars: Vec<Values> = (start..start + batch as u64).map(|i| (c.dvars)(i)).collect();
            // Every side of the benchmark starts each call from the same state: no
            // working set kept from the call before (which may have been another side's
            // call on the same member).
            l.forget_warm_starts();
            let t = Instant::now();
            if batch == 1 {
                let out = l.forward(&params[0])?;
                if out.status.is_optimal() {
                    l.backward(&out, &dvars[0])?;
                }
            } else {
                let outs = l.forward_batch(&params, policy)?.into_values()?;
                l.backward_batch(&outs, &dvars, policy)?;
            }
            times.push(t.elapsed().as_secs_f64());
        }
        Ok(times)
    });
    let mut times = times.map_err(|e| errors::to_py(py, &e, None))?;
    if times.is_empty() {
        return Ok(f64::NAN);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

/// The names of the standard library's problems (`std:NAME`).
#[pyfunction]
fn std_names() -> Vec<&'static str> {
    dopt::internals::stdlib::names()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyLayer>()?;
    m.add_class::<PySolution>()?;
    m.add_class::<layer::Binding>()?;
    m.add_class::<Info>()?;
    m.add_function(wrap_pyfunction!(bench_cases, m)?)?;
    m.add_function(wrap_pyfunction!(bench_member, m)?)?;
    m.add_function(wrap_pyfunction!(rust_step_time, m)?)?;
    m.add_function(wrap_pyfunction!(std_names, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // "3" for `--release`, "1" for the pyci profile of the test suite, "0" for a debug build.
    m.add("build_opt_level", env!("DOPT_OPT_LEVEL"))?;
    Ok(())
}

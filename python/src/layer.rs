//! `dopt.Layer` and `dopt.Solution`: the compiled layer's calls, single and batched,
//! with the GIL released while Rust works.

use crate::arrays::{self, Arr, shape_text};
use crate::errors;
use dopt::{Array, Dims, Error, Layer, Output, Problem, Shape, Values};
use pyo3::BoundObject;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use rayon::prelude::*;
use std::sync::Arc;

/// What a failing member does (`on_failure=`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum OnFailure {
    Raise,
    Status,
}

fn on_failure(py: Python<'_>, s: &str) -> PyResult<OnFailure> {
    match s {
        "raise" => Ok(OnFailure::Raise),
        "status" => Ok(OnFailure::Status),
        _ => Err(errors::parameter(py, format!("on_failure must be \"raise\" or \"status\", not {s:?}"))),
    }
}

fn dims_of(py: Python<'_>, dims: Option<&Bound<'_, PyDict>>) -> PyResult<Dims> {
    let mut d = Dims::new();
    if let Some(dims) = dims {
        for (k, v) in dims.iter() {
            let name: String =
                k.extract().map_err(|_| errors::parameter(py, "dims: the names must be strings"))?;
            // `True` is an int to Python; a dim given as a bool or a string is a mistake.
            let value: Option<i64> =
                if v.is_instance_of::<pyo3::types::PyBool>() { None } else { v.extract().ok() };
            let Some(value) = value else {
                return Err(errors::parameter(
                    py,
                    format!(
                        "dims: `{name}` must be an integer, not {} ({})",
                        v.repr()?,
                        v.get_type().name()?
                    ),
                ));
            };
            d.set(&name, value);
        }
    }
    Ok(d)
}

/// Whether `path` names a layer file (possibly a damaged one), as the command line
/// decides: such a file is loaded, not parsed.
fn is_layer_file(path: &str) -> bool {
    use std::io::Read;
    if path.starts_with("std:") {
        return false;
    }
    let Ok(f) = std::fs::File::open(path) else { return false };
    let mut head = Vec::with_capacity(64);
    let _ = f.take(64).read_to_end(&mut head);
    dopt::internals::layer::looks_like_layer_file(&head)
}

fn path_string(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<String> {
    let os = py.import("os")?;
    os.call_method1("fspath", (path,))?.extract()
}

/// A name, a shape and attributes: one parameter or output of a layer.
#[pyclass(frozen, module = "dopt", name = "Info")]
pub struct Info {
    name: String,
    shape: Vec<usize>,
    attributes: Vec<&'static str>,
    kind: &'static str,
}

#[pymethods]
impl Info {
    /// The name (`x`, or `dual:LABEL` for the dual of a named constraint).
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }
    /// The shape, as a tuple (`()` for a scalar).
    #[getter]
    fn shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.shape)
    }
    /// The declared attributes (`nonneg`, `psd`, …).
    #[getter]
    fn attributes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.attributes)
    }
    /// The name to use for this output in cotangents and in `Solution[...]`: the
    /// variable's name, or `dual:LABEL` for a dual.
    #[getter]
    fn key(&self) -> String {
        if self.kind == "dual" { format!("dual:{}", self.name) } else { self.name.clone() }
    }
    /// `"parameter"`, `"variable"` or `"dual"`.
    #[getter]
    fn kind(&self) -> &str {
        self.kind
    }
    fn __repr__(&self) -> String {
        let attrs = if self.attributes.is_empty() {
            String::new()
        } else {
            format!(", {}", self.attributes.join(", "))
        };
        format!("Info({:?}, {}, {}{attrs})", self.name, self.kind, shape_text(&self.shape))
    }
}

/// A compiled layer: a function from parameter values to the solution of its problem,
/// with its derivative. Made by `dopt.compile`, `dopt.compile_str` or `dopt.load`.
#[pyclass(frozen, module = "dopt", name = "Layer")]
pub struct PyLayer {
    pub inner: Arc<Layer>,
    vars: Vec<(String, Vec<usize>)>,
    duals: Vec<(String, Vec<usize>)>,
}

impl PyLayer {
    pub fn new(layer: Layer) -> PyLayer {
        let (vars, duals) = layer.output_shapes();
        let dims = |v: Vec<(String, Shape)>| v.into_iter().map(|(k, s)| (k, s.dims().to_vec())).collect();
        PyLayer { inner: Arc::new(layer), vars: dims(vars), duals: dims(duals) }
    }

    /// The expected shape of the cotangent `key` (`y`, `dual:LABEL`, `objective`).
    fn output_shape(&self, key: &str) -> Option<&[usize]> {
        if key == "objective" {
            return Some(&[]);
        }
        if let Some(label) = key.strip_prefix("dual:") {
            return self.duals.iter().find(|(k, _)| k == label).map(|(_, s)| s.as_slice());
        }
        self.vars.iter().find(|(k, _)| k == key).map(|(_, s)| s.as_slice())
    }

    /// Read named arrays from a mapping and keyword arguments (a name in both is an
    /// error).
    fn named_arrays(
        py: Python<'_>,
        what: &str,
        map: Option<&Bound<'_, PyAny>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Vec<(String, Arr)>> {
        let mut out: Vec<(String, Arr)> = Vec::new();
        let mut add = |k: Bound<'_, PyAny>, v: Bound<'_, PyAny>| -> PyResult<()> {
            let name: String = k
                .extract()
                .map_err(|_| errors::parameter(py, format!("{what} names must be strings, not {k}")))?;
            if out.iter().any(|(n, _)| *n == name) {
                return Err(errors::parameter(py, format!("{what} `{name}` is given twice")));
            }
            let arr = arrays::read(py, &format!("{what} `{name}`"), &v)?;
            out.push((name, arr));
            Ok(())
        };
        if let Some(m) = map
            && !m.is_none()
        {
            let items = m.call_method0("items").map_err(|_| {
                errors::parameter(py, format!("{what}s must be a mapping from names to arrays"))
            })?;
            for item in items.try_iter()? {
                let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
                add(k, v)?;
            }
        }
        if let Some(kw) = kwargs {
            for (k, v) in kw.iter() {
                add(k, v)?;
            }
        }
        Ok(out)
    }

    /// Split parameter arrays into the members of a call: `None` for a single call, or
    /// the batch size. A parameter whose shape is its declared shape with one leading
    /// axis more is batched; the others are broadcast.
    fn members(&self, py: Python<'_>, given: Vec<(String, Arr)>) -> PyResult<(Option<usize>, Vec<Values>)> {
        let sig = &self.inner.sig;
        let mut batch: Option<(usize, String)> = None;
        let mut entries: Vec<(String, Shape, Arr, bool)> = Vec::new();
        for (name, arr) in given {
            let Some(k) = sig.param(&name) else {
                // Not a parameter: the core reports it (with a did-you-mean).
                entries.push((name, Shape::SCALAR, Arr { shape: vec![], data: vec![0.0] }, false));
                continue;
            };
            let decl = &sig.params[k];
            let want = decl.shape.dims();
            let batched = if arr.shape == want {
                false
            } else if arr.shape.len() == want.len() + 1 && arr.shape[1..] == *want {
                let b = arr.shape[0];
                match &batch {
                    Some((size, other)) if *size != b => {
                        return Err(errors::parameter(
                            py,
                            format!(
                                "parameter `{name}` has a batch axis of size {b} but `{other}` has one of size {size}: \
                                 batched parameters must agree on the batch size"
                            ),
                        ));
                    }
                    _ => batch = Some((b, name.clone())),
                }
                true
            } else {
                return Err(wrong_shape(py, &format!("parameter `{name}`"), &arr.shape, want, "B"));
            };
            entries.push((name, decl.shape, arr, batched));
        }
        let Some((b, _)) = batch else {
            let values = entries
                .into_iter()
                .map(|(name, shape, arr, _)| (name, Array { shape, data: arr.data }))
                .collect();
            return Ok((None, vec![values]));
        };
        let members = (0..b)
            .map(|i| {
                entries
                    .iter()
                    .map(|(name, shape, arr, batched)| {
                        let data = if *batched {
                            let len = shape.size();
                            arr.data[i * len..(i + 1) * len].to_vec()
                        } else {
                            arr.data.clone()
                        };
                        (name.clone(), Array { shape: *shape, data })
                    })
                    .collect()
            })
            .collect();
        Ok((Some(b), members))
    }

    /// Cotangents (or other per-output arrays) per member of `sol`.
    fn per_member_outputs(
        &self,
        py: Python<'_>,
        sol: &PySolution,
        given: Vec<(String, Arr)>,
    ) -> PyResult<Vec<Values>> {
        let count = sol.members.len();
        let mut members: Vec<Values> = vec![Values::new(); count];
        for (key, arr) in given {
            let Some(want) = self.output_shape(&key) else {
                // Not an output: the core reports it (with a did-you-mean).
                for m in &mut members {
                    m.insert(key.clone(), Array::scalar(0.0));
                }
                continue;
            };
            let shape = shape_of(want);
            let batched = match sol.batch {
                Some(b)
                    if arr.shape.len() == want.len() + 1 && arr.shape[0] == b && arr.shape[1..] == *want =>
                {
                    true
                }
                _ if arr.shape == want => false,
                Some(b) => {
                    return Err(wrong_shape(
                        py,
                        &format!("cotangent `{key}`"),
                        &arr.shape,
                        want,
                        &b.to_string(),
                    ));
                }
                None => {
                    return Err(errors::parameter(
                        py,
                        format!(
                            "cotangent `{key}` has shape {}; expected {}",
                            shape_text(&arr.shape),
                            shape_text(want)
                        ),
                    ));
                }
            };
            let len = shape.size();
            for (i, m) in members.iter_mut().enumerate() {
                let data = if batched { arr.data[i * len..(i + 1) * len].to_vec() } else { arr.data.clone() };
                m.insert(key.clone(), Array { shape, data });
            }
        }
        Ok(members)
    }

    /// Stack per-member maps (all with the same keys and shapes in `names`) into one
    /// dict; a member without a map gets zeros (`fill`).
    fn stack<'py>(
        py: Python<'py>,
        batch: Option<usize>,
        names: &[(String, Vec<usize>)],
        members: &[Option<&Values>],
        fill: f64,
    ) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        for (name, shape) in names {
            out.set_item(name, Self::stack_one(py, batch, name, shape, members, fill)?)?;
        }
        Ok(out)
    }

    /// The array `name` (of `shape` per member) of every member, with the leading batch
    /// axis for a batch; a member without a map gets `fill`.
    fn stack_one<'py>(
        py: Python<'py>,
        batch: Option<usize>,
        name: &str,
        shape: &[usize],
        members: &[Option<&Values>],
        fill: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let len: usize = shape.iter().product();
        let mut data = Vec::with_capacity(len * members.len());
        for m in members {
            match m.and_then(|v| v.get(name)) {
                Some(a) => data.extend_from_slice(&a.data),
                None => data.extend(std::iter::repeat_n(fill, len)),
            }
        }
        let mut full = Vec::with_capacity(shape.len() + 1);
        if let Some(b) = batch {
            full.push(b);
        }
        full.extend_from_slice(shape);
        arrays::make(py, &full, data)
    }

    fn param_names(&self) -> Vec<(String, Vec<usize>)> {
        self.inner.sig.params.iter().map(|d| (d.name.clone(), d.shape.dims().to_vec())).collect()
    }
}

fn shape_of(dims: &[usize]) -> Shape {
    Shape::from_dims(dims).unwrap_or(Shape::SCALAR)
}

/// "`x` has shape (2,); expected (4,) (or (B, 4) for a batch)", with `batch` for B.
fn wrong_shape(py: Python<'_>, what: &str, got: &[usize], want: &[usize], batch: &str) -> PyErr {
    let inner = shape_text(want);
    let rest: Vec<String> = want.iter().map(|d| d.to_string()).collect();
    let batched =
        if want.is_empty() { format!("({batch},)") } else { format!("({batch}, {})", rest.join(", ")) };
    errors::parameter(
        py,
        format!("{what} has shape {}; expected {inner} (or {batched} for a batch)", shape_text(got)),
    )
}

/// `f` on every member of `sol` with its input (in parallel for a batch, the GIL
/// released); a member whose forward failed keeps its error.
fn each_member<T: Send>(
    py: Python<'_>,
    what: &str,
    sol: &PySolution,
    inputs: &[&Values],
    f: impl Fn(&Output, &Values) -> Result<T, Error> + Sync,
) -> PyResult<Vec<Result<T, Error>>> {
    errors::guard(py, what, || {
        Ok(py.detach(|| {
            let one = |(m, d): (&Result<Output, Error>, &&Values)| match m {
                Ok(o) => f(o, d),
                Err(e) => Err(e.clone()),
            };
            if sol.members.len() == 1 {
                vec![one((&sol.members[0], &inputs[0]))]
            } else {
                sol.members.par_iter().zip(inputs.par_iter()).map(one).collect()
            }
        }))
    })
}

/// The prefix of a member's message in a batch.
fn member_prefix(batch: Option<usize>, i: usize) -> String {
    if batch.is_some() { format!("batch member {i}: ") } else { String::new() }
}

fn prefixed(e: &Error, prefix: &str) -> Error {
    let mut e = e.clone();
    if !prefix.is_empty() {
        for d in &mut e.diagnostics {
            d.message = format!("{prefix}{}", d.message);
        }
    }
    e
}

#[pymethods]
impl PyLayer {
    /// Compile a problem from a `.dopt` file or `std:NAME`, with the values of its dims
    /// (a layer file is loaded instead, as by `load`).
    ///
    /// Raises a `dopt.CompileError` subclass (with the file, line and column) when the
    /// problem is not valid, not DCP or not DPP.
    #[staticmethod]
    #[pyo3(signature = (source, dims=None))]
    fn compile(
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        dims: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyLayer> {
        let path = path_string(py, source)?;
        if is_layer_file(&path) {
            if dims.is_some_and(|d| !d.is_empty()) {
                return Err(errors::parameter(
                    py,
                    format!(
                        "`{path}` is a compiled layer: its dims were fixed when it was compiled (give no dims)"
                    ),
                ));
            }
            return PyLayer::load(py, source);
        }
        let dims = dims_of(py, dims)?;
        errors::guard(py, "dopt.compile", || {
            py.detach(|| Problem::from_file(&path).and_then(|p| p.compile(&dims)))
                .map(PyLayer::new)
                .map_err(|e| errors::to_py(py, &e, None))
        })
    }

    /// Compile a problem given as text; `name` is what error messages call it.
    #[staticmethod]
    #[pyo3(signature = (text, dims=None, name="<string>"))]
    fn compile_str(
        py: Python<'_>,
        text: &str,
        dims: Option<&Bound<'_, PyDict>>,
        name: &str,
    ) -> PyResult<PyLayer> {
        let dims = dims_of(py, dims)?;
        errors::guard(py, "dopt.compile_str", || {
            py.detach(|| Problem::from_str(name, text).and_then(|p| p.compile(&dims)))
                .map(PyLayer::new)
                .map_err(|e| errors::to_py(py, &e, None))
        })
    }

    /// Load a layer file written by `Layer.save` or `dopt compile`.
    #[staticmethod]
    fn load(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<PyLayer> {
        let path = path_string(py, path)?;
        errors::guard(py, "dopt.load", || {
            py.detach(|| Layer::load(&path)).map(PyLayer::new).map_err(|e| errors::to_py(py, &e, None))
        })
    }

    /// A layer from the bytes of a layer file (`Layer.to_bytes`).
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<PyLayer> {
        // bytes, bytearray, memoryview or anything else with the buffer protocol.
        let data: Vec<u8> = match data.cast::<PyBytes>() {
            Ok(b) => b.as_bytes().to_vec(),
            Err(_) => {
                let type_name = data.get_type().name()?.to_string();
                // Through memoryview: only objects with the buffer protocol (bytes(3)
                // would be three zero bytes).
                let converted = py
                    .import("builtins")
                    .and_then(|b| b.getattr("memoryview"))
                    .and_then(|m| m.call1((data,)))
                    .and_then(|view| view.call_method0("tobytes"));
                match converted.as_ref().map(|b| b.cast::<PyBytes>()) {
                    Ok(Ok(b)) => b.as_bytes().to_vec(),
                    _ => {
                        return Err(errors::parameter(
                            py,
                            format!("from_bytes takes bytes, not {type_name}"),
                        ));
                    }
                }
            }
        };
        errors::guard(py, "dopt.Layer.from_bytes", || {
            py.detach(|| Layer::from_bytes(&data)).map(PyLayer::new).map_err(|e| errors::to_py(py, &e, None))
        })
    }

    /// The bytes of the layer file (what `save` writes).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let bytes = py.detach(|| self.inner.to_bytes());
        PyBytes::new(py, &bytes)
    }

    /// Write the layer file to `path`.
    fn save(&self, py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<()> {
        let path = path_string(py, path)?;
        py.detach(|| self.inner.save(&path)).map_err(|e| errors::to_py(py, &e, None))
    }

    /// Pickling goes through the layer-file bytes.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let py = slf.py();
        let ctor = py.get_type::<PyLayer>().getattr("from_bytes")?;
        Ok((ctor, (slf.get().to_bytes(py),)))
    }

    /// A copy of this layer with other solver settings or differentiation options;
    /// what is not given stays as it is. `tol` sets Clarabel's gap and feasibility
    /// tolerances (default 1e-8; the exponential and power cones are then about 1e-5
    /// accurate, so use 1e-10 for finite differences), `max_iter` its iteration limit,
    /// `smoothing` a CHKS smoothing μ > 0 of the projections in the backward pass
    /// (averaged gradients at kinks; 0 turns it off), `solver` `"auto"`, `"clarabel"` or
    /// `"active-set"` (docs/performance.md, "Two solvers"), `warm_start` whether the
    /// active-set solver starts from the previous call's working set.
    #[pyo3(signature = (*, tol=None, max_iter=None, verbose=None, smoothing=None, solver=None, warm_start=None))]
    #[allow(clippy::too_many_arguments)]
    fn with_settings(
        &self,
        py: Python<'_>,
        tol: Option<f64>,
        max_iter: Option<i64>,
        verbose: Option<bool>,
        smoothing: Option<f64>,
        solver: Option<Bound<'_, PyAny>>,
        warm_start: Option<Bound<'_, PyAny>>,
    ) -> PyResult<PyLayer> {
        let solver = match &solver {
            None => None,
            Some(s) => match s.extract::<String>().ok().and_then(|t| dopt::SolverChoice::parse(&t)) {
                Some(c) => Some(c),
                None => {
                    return Err(errors::parameter(
                        py,
                        format!("solver must be \"auto\", \"clarabel\" or \"active-set\", not {}", s.repr()?),
                    ));
                }
            },
        };
        let warm_start = match &warm_start {
            None => None,
            Some(w) if w.is_instance_of::<pyo3::types::PyBool>() => Some(w.is_truthy()?),
            Some(w) => {
                return Err(errors::parameter(
                    py,
                    format!("warm_start must be True or False, not {}", w.repr()?),
                ));
            }
        };
        let max_iter = match max_iter.map(u32::try_from) {
            Some(Ok(m)) if m > 0 => Some(m),
            Some(_) => {
                return Err(errors::parameter(
                    py,
                    format!("max_iter must be a positive integer, not {}", max_iter.unwrap_or_default()),
                ));
            }
            None => None,
        };
        if let Some(t) = tol
            && !(t.is_finite() && t > 0.0)
        {
            return Err(errors::parameter(py, format!("tol must be a positive number, not {t}")));
        }
        if let Some(m) = smoothing
            && !(m.is_finite() && m >= 0.0)
        {
            return Err(errors::parameter(py, format!("smoothing must be a number ≥ 0, not {m}")));
        }
        let mut settings = self.inner.settings;
        if let Some(t) = tol {
            settings.tol_gap_abs = t;
            settings.tol_gap_rel = t;
            settings.tol_feas = t;
        }
        if let Some(m) = max_iter {
            settings.max_iter = m;
        }
        if let Some(v) = verbose {
            settings.verbose = v;
        }
        if let Some(c) = solver {
            settings.solver = c;
        }
        if let Some(w) = warm_start {
            settings.warm_start = w;
        }
        let mut diff = self.inner.diff;
        if let Some(m) = smoothing {
            diff.smoothing = (m > 0.0).then_some(m);
        }
        let bytes = self.inner.to_bytes();
        errors::guard(py, "dopt.Layer.with_settings", || {
            Layer::from_bytes(&bytes)
                .map(|l| PyLayer::new(l.with_settings(settings).with_diff_options(diff)))
                .map_err(|e| errors::to_py(py, &e, None))
        })
    }

    /// Forget the working sets kept for the active-set solver's warm starts: the next
    /// calls start cold (as a fresh layer's would).
    fn forget_warm_starts(&self) {
        self.inner.forget_warm_starts();
    }

    /// The layer's solver settings, as `with_settings` takes them: `solver` (`"auto"`,
    /// `"clarabel"`, `"active-set"`), `warm_start`, `tol`, `max_iter`, `verbose`, `smoothing`.
    #[getter]
    fn settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = &self.inner.settings;
        let d = PyDict::new(py);
        d.set_item("solver", s.solver.as_str())?;
        d.set_item("warm_start", s.warm_start)?;
        d.set_item("tol", s.tol_feas)?;
        d.set_item("max_iter", s.max_iter)?;
        d.set_item("verbose", s.verbose)?;
        d.set_item("smoothing", self.inner.diff.smoothing.unwrap_or(0.0))?;
        Ok(d)
    }

    /// Where the layer was compiled from (a path or `std:NAME`).
    #[getter]
    fn source(&self) -> String {
        self.inner.sig.source.clone()
    }

    /// The dims the layer was compiled with.
    #[getter]
    fn dims<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in &self.inner.sig.dims {
            d.set_item(k, v)?;
        }
        Ok(d)
    }

    /// The parameters, in declaration order: `Info(name, shape, attributes)`.
    #[getter]
    fn parameters(&self) -> Vec<Info> {
        self.inner
            .sig
            .params
            .iter()
            .map(|d| Info {
                name: d.name.clone(),
                shape: d.shape.dims().to_vec(),
                attributes: d.attrs.names(),
                kind: "parameter",
            })
            .collect()
    }

    /// What a call returns: the output variables, then the duals of the named
    /// constraints (`kind == "dual"`, `name` the label, `key` = `dual:LABEL`).
    #[getter]
    fn outputs(&self) -> Vec<Info> {
        let sig = &self.inner.sig;
        let vars = self.vars.iter().map(|(name, shape)| {
            let attrs = sig.var(name).map(|k| sig.vars[k].attrs.names()).unwrap_or_default();
            Info { name: name.clone(), shape: shape.clone(), attributes: attrs, kind: "variable" }
        });
        let duals = self.duals.iter().map(|(name, shape)| Info {
            name: name.clone(),
            shape: shape.clone(),
            attributes: Vec::new(),
            kind: "dual",
        });
        vars.chain(duals).collect()
    }

    /// `(n, m)`: the cone program's variables and constraint rows (the lengths of
    /// `Solution.raw`'s x, and of its s and z).
    #[getter]
    fn raw_sizes(&self) -> (usize, usize) {
        (self.inner.cone.n, self.inner.cone.m)
    }

    /// Solve for parameter values given as a mapping and/or keyword arguments.
    ///
    /// A leading batch axis on any parameter (one axis more than declared) makes a batch;
    /// parameters without it are shared by every member. Batches are solved in parallel
    /// with the GIL released. `on_failure="raise"` raises for an invalid member or a solve
    /// that is not optimal; `"status"` returns every member's status instead.
    #[pyo3(signature = (params=None, /, *, on_failure="raise", **kwargs))]
    fn forward(
        &self,
        py: Python<'_>,
        params: Option<&Bound<'_, PyAny>>,
        on_failure: &str,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PySolution> {
        let policy = self::on_failure(py, on_failure)?;
        let given = Self::named_arrays(py, "parameter", params, kwargs)?;
        self.forward_given(py, given, policy)
    }

    /// Reverse mode: d(loss)/d(parameters) from d(loss)/d(outputs).
    ///
    /// `cotangents` maps output names (variables, `dual:LABEL`, `objective`) to arrays of
    /// their shapes (with the batch axis for a batch, or shared by every member); missing
    /// outputs have a zero cotangent. Returns a dict of float64 arrays, one per parameter
    /// (batched like `sol`). A solve that is not optimal cannot be differentiated: with
    /// `on_failure="status"` its member's gradients are zero, else `SolverError`.
    #[pyo3(signature = (sol, cotangents=None, /, *, on_failure="raise", **kwargs))]
    fn backward<'py>(
        &self,
        py: Python<'py>,
        sol: &PySolution,
        cotangents: Option<&Bound<'py, PyAny>>,
        on_failure: &str,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let policy = self::on_failure(py, on_failure)?;
        self.same_layer(py, sol)?;
        let given = Self::named_arrays(py, "cotangent", cotangents, kwargs)?;
        let grads = self.backward_given(py, sol, given, policy)?;
        let kept: Vec<Option<&Values>> = grads.iter().map(|g| g.as_ref().ok()).collect();
        Self::stack(py, sol.batch, &self.param_names(), &kept, 0.0)
    }

    /// Forward mode: the directional derivative of the outputs along `directions`
    /// (parameter name → array of its shape, batched like `sol` or shared; missing
    /// parameters do not move). Returns `(d variables, d duals)` as two dicts.
    #[pyo3(signature = (sol, directions=None, /, **kwargs))]
    fn jvp<'py>(
        &self,
        py: Python<'py>,
        sol: &PySolution,
        directions: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyDict>)> {
        self.same_layer(py, sol)?;
        let given = Self::named_arrays(py, "direction", directions, kwargs)?;
        let (batch, members) = self.members(py, given)?;
        let dirs: Vec<&Values> = match (batch, sol.batch) {
            (None, _) => vec![&members[0]; sol.members.len()],
            (Some(b), Some(s)) if b == s => members.iter().collect(),
            (Some(b), s) => {
                return Err(errors::parameter(
                    py,
                    format!(
                        "the directions have a batch axis of size {b} but the solution {}",
                        s.map(|s| format!("is a batch of {s}")).unwrap_or_else(|| "is a single call".into())
                    ),
                ));
            }
        };
        let layer = &self.inner;
        let results = each_member(py, "dopt.Layer.jvp", sol, &dirs, |o, d| layer.jvp(o, d))?;
        let mut dv: Vec<Option<&Values>> = Vec::new();
        let mut dd: Vec<Option<&Values>> = Vec::new();
        for (i, r) in results.iter().enumerate() {
            match r {
                Ok((v, d)) => {
                    dv.push(Some(v));
                    dd.push(Some(d));
                }
                Err(e) => return Err(errors::to_py(py, &prefixed(e, &member_prefix(sol.batch, i)), None)),
            }
        }
        Ok((
            Self::stack(py, sol.batch, &self.vars, &dv, 0.0)?,
            Self::stack(py, sol.batch, &self.duals, &dd, 0.0)?,
        ))
    }

    /// Rebuild the `Solution` of an optimal solve from its parameter values and its raw
    /// cone-program solution `Solution.raw = (x, s, z)`, without solving (for JAX, whose
    /// residuals must be arrays). Batched like the parameters.
    #[pyo3(signature = (params, x, s, z))]
    fn solution_from_raw(
        &self,
        py: Python<'_>,
        params: &Bound<'_, PyAny>,
        x: &Bound<'_, PyAny>,
        s: &Bound<'_, PyAny>,
        z: &Bound<'_, PyAny>,
    ) -> PyResult<PySolution> {
        let given = Self::named_arrays(py, "parameter", Some(params), None)?;
        let (batch, members) = self.members(py, given)?;
        let count = members.len();
        let (n, m) = (self.inner.cone.n, self.inner.cone.m);
        let mut parts = Vec::new();
        for (what, obj, len) in [("x", x, n), ("s", s, m), ("z", z, m)] {
            let a = arrays::read(py, &format!("raw `{what}`"), obj)?;
            let want: Vec<usize> = match batch {
                Some(b) => vec![b, len],
                None => vec![len],
            };
            if a.shape != want {
                return Err(errors::parameter(
                    py,
                    format!(
                        "raw `{what}` has shape {}; expected {}",
                        shape_text(&a.shape),
                        shape_text(&want)
                    ),
                ));
            }
            parts.push(a.data);
        }
        let layer = &self.inner;
        let results = errors::guard(py, "dopt.Layer.solution_from_raw", || {
            Ok(py.detach(|| {
                (0..count)
                    .into_par_iter()
                    .map(|i| {
                        let cut = |v: &Vec<f64>, len: usize| v[i * len..(i + 1) * len].to_vec();
                        layer.output_from_raw(
                            &members[i],
                            cut(&parts[0], n),
                            cut(&parts[1], m),
                            cut(&parts[2], m),
                        )
                    })
                    .collect::<Vec<_>>()
            }))
        })?;
        for (i, r) in results.iter().enumerate() {
            if let Err(e) = r {
                return Err(errors::to_py(py, &prefixed(e, &member_prefix(batch, i)), None));
            }
        }
        Ok(self.solution(batch, results))
    }

    /// The wrappers' fast path (`dopt.torch`, `dopt.jax`): parameters passed
    /// positionally in the order `params`, and the outputs `outputs` (variable names and
    /// `dual:LABEL`) returned as a tuple, resolved once here instead of by name per call.
    fn _bind(slf: &Bound<'_, Self>, params: Vec<String>, outputs: Vec<String>) -> PyResult<Binding> {
        let py = slf.py();
        let me = slf.get();
        let mut ps = Vec::with_capacity(params.len());
        for name in params {
            let Some(k) = me.inner.sig.param(&name) else {
                return Err(errors::parameter(py, format!("`{name}` is not a parameter of this layer")));
            };
            let what = format!("parameter `{name}`");
            ps.push((name, me.inner.sig.params[k].shape.dims().to_vec(), what));
        }
        let mut outs = Vec::with_capacity(outputs.len());
        for key in outputs {
            let Some(shape) = me.output_shape(&key).map(|s| s.to_vec()) else {
                return Err(errors::parameter(py, format!("`{key}` is not an output of this layer")));
            };
            let dual = key.starts_with("dual:");
            let name = key.strip_prefix("dual:").unwrap_or(&key).to_string();
            let what = format!("cotangent `{key}`");
            outs.push(BoundOutput { key, name, dual, shape, what });
        }
        Ok(Binding { layer: slf.clone().unbind(), params: ps, outputs: outs })
    }

    fn __repr__(&self) -> String {
        let params: Vec<String> = self
            .inner
            .sig
            .params
            .iter()
            .map(|d| format!("{}{}", d.name, shape_text(d.shape.dims())))
            .collect();
        let outs: Vec<String> = self.vars.iter().map(|(k, s)| format!("{k}{}", shape_text(s))).collect();
        format!(
            "dopt.Layer({:?}, parameters=[{}], outputs=[{}])",
            self.inner.sig.source,
            params.join(", "),
            outs.join(", ")
        )
    }
}

impl PyLayer {
    /// `forward` on parameter arrays already read.
    fn forward_given(
        &self,
        py: Python<'_>,
        given: Vec<(String, Arr)>,
        policy: OnFailure,
    ) -> PyResult<PySolution> {
        let (batch, members) = self.members(py, given)?;
        let layer = &self.inner;
        let results: Vec<Result<Output, Error>> = errors::guard(py, "dopt.Layer.forward", || {
            Ok(py.detach(|| match batch {
                None => vec![layer.forward(&members[0])],
                Some(_) => layer
                    .forward_batch(&members, dopt::BatchPolicy::PerMember)
                    .map_or_else(|e| vec![Err(e); members.len()], dopt::Batch::into_results),
            }))
        })?;
        if policy == OnFailure::Raise {
            for (i, r) in results.iter().enumerate() {
                match r {
                    Err(e) => return Err(errors::to_py(py, &prefixed(e, &member_prefix(batch, i)), None)),
                    Ok(o) if !o.status.is_optimal() => {
                        return Err(errors::solver(py, &member_prefix(batch, i), o.status.as_str()));
                    }
                    Ok(_) => {}
                }
            }
        }
        Ok(self.solution(batch, results))
    }

    /// `backward` on cotangent arrays already read: every member's parameter gradients
    /// (an `Err` for a member that cannot be differentiated, under `on_failure="status"`).
    fn backward_given(
        &self,
        py: Python<'_>,
        sol: &PySolution,
        given: Vec<(String, Arr)>,
        policy: OnFailure,
    ) -> PyResult<Vec<Result<Values, Error>>> {
        let dvars = self.per_member_outputs(py, sol, given)?;
        let layer = &self.inner;
        let refs: Vec<&Values> = dvars.iter().collect();
        let grads = each_member(py, "dopt.Layer.backward", sol, &refs, |o, d| {
            layer.backward(o, d).map(|g| g.params)
        })?;
        if policy == OnFailure::Raise
            && let Some((i, Err(e))) = grads.iter().enumerate().find(|(_, g)| g.is_err())
        {
            return Err(errors::to_py(py, &prefixed(e, &member_prefix(sol.batch, i)), None));
        }
        Ok(grads)
    }

    fn solution(&self, batch: Option<usize>, members: Vec<Result<Output, Error>>) -> PySolution {
        PySolution {
            layer: self.inner.clone(),
            vars: self.vars.clone(),
            duals: self.duals.clone(),
            batch,
            members,
        }
    }

    fn same_layer(&self, py: Python<'_>, sol: &PySolution) -> PyResult<()> {
        if Arc::ptr_eq(&self.inner, &sol.layer) {
            Ok(())
        } else {
            Err(errors::parameter(py, "this solution was computed by another layer"))
        }
    }
}

/// The result of `Layer.forward`: the status, objective and output arrays of one call
/// or of every member of a batch (leading axis).
#[pyclass(frozen, module = "dopt", name = "Solution")]
pub struct PySolution {
    layer: Arc<Layer>,
    vars: Vec<(String, Vec<usize>)>,
    duals: Vec<(String, Vec<usize>)>,
    /// `None` for a single call.
    batch: Option<usize>,
    members: Vec<Result<Output, Error>>,
}

impl PySolution {
    fn statuses<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let vals: Vec<&str> =
            self.members.iter().map(|m| m.as_ref().map(|o| o.status.as_str()).unwrap_or("invalid")).collect();
        match self.batch {
            None => Ok(pyo3::types::PyString::new(py, vals[0]).into_any()),
            Some(_) => Ok(PyList::new(py, vals)?.into_any()),
        }
    }

    /// One number per member: a Python scalar for a single call, a 1-d array for a batch.
    fn per_member<'py, T>(
        &self,
        py: Python<'py>,
        f: impl Fn(&Result<Output, Error>) -> T,
    ) -> PyResult<Bound<'py, PyAny>>
    where
        T: numpy::Element + IntoPyObject<'py> + Copy,
        PyErr: From<T::Error>,
    {
        let vals: Vec<T> = self.members.iter().map(f).collect();
        match self.batch {
            None => Ok(vals[0].into_pyobject(py)?.into_any().into_bound()),
            Some(_) => Ok(numpy::PyArray1::from_vec(py, vals).into_any()),
        }
    }

    /// The output arrays of every member (`None` for an invalid one).
    fn member_outputs(&self, duals: bool) -> Vec<Option<&Values>> {
        self.members
            .iter()
            .map(|m| m.as_ref().ok().map(|o| if duals { &o.duals } else { &o.variables }))
            .collect()
    }

    fn outputs_dict<'py>(&self, py: Python<'py>, duals: bool) -> PyResult<Bound<'py, PyDict>> {
        let members = self.member_outputs(duals);
        PyLayer::stack(py, self.batch, if duals { &self.duals } else { &self.vars }, &members, f64::NAN)
    }
}

#[pymethods]
impl PySolution {
    /// `None` for a single call, else the number of members.
    #[getter]
    fn batch_size(&self) -> Option<usize> {
        self.batch
    }
    /// How the solve ended (`"optimal"`, `"infeasible"`, `"unbounded"`, `"inaccurate"`,
    /// `"max_iterations"`, `"numerical_error"`, or `"invalid"` for a member whose input
    /// was refused); a list for a batch.
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.statuses(py)
    }
    /// The solver that produced the solution: `"clarabel"`, `"active-set"` or
    /// `"clarabel (active-set fallback)"` (`""` for a member whose input was refused);
    /// a list for a batch.
    #[getter]
    fn solver<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let vals: Vec<&str> =
            self.members.iter().map(|m| m.as_ref().map(|o| o.raw.solver.as_str()).unwrap_or("")).collect();
        match self.batch {
            None => Ok(pyo3::types::PyString::new(py, vals[0]).into_any()),
            Some(_) => Ok(PyList::new(py, vals)?.into_any()),
        }
    }
    /// `status == "optimal"` (a bool array for a batch).
    #[getter]
    fn ok<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.per_member(py, |m| m.as_ref().is_ok_and(|o| o.status.is_optimal()))
    }
    /// The objective as written (NaN for an invalid member).
    #[getter]
    fn objective<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.per_member(py, |m| m.as_ref().map(|o| o.objective).unwrap_or(f64::NAN))
    }
    /// Interior-point iterations.
    #[getter]
    fn iterations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.per_member(py, |m| m.as_ref().map(|o| o.iterations as i64).unwrap_or(0))
    }
    /// Seconds spent in the solver's iterations.
    #[getter]
    fn solve_time<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.per_member(py, |m| m.as_ref().map(|o| o.solve_time).unwrap_or(f64::NAN))
    }
    /// The output variables by name (leading batch axis for a batch; NaN for an
    /// invalid member; the solver's last iterate for a failed solve).
    #[getter]
    fn variables<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.outputs_dict(py, false)
    }
    /// The duals of the named constraints, by label (cvxpy's sign convention).
    #[getter]
    fn duals<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.outputs_dict(py, true)
    }
    /// Per member of a batch, why it failed: its input was refused, or its solve is not
    /// optimal (`None` for a member that is fine). Empty for a single call (which
    /// raises, or has its `status`).
    #[getter]
    fn errors(&self) -> Vec<Option<String>> {
        if self.batch.is_none() {
            return Vec::new();
        }
        self.members
            .iter()
            .map(|m| match m {
                Err(e) => Some(e.render().trim_end().to_string()),
                Ok(o) if !o.status.is_optimal() => Some(errors::not_optimal(o.status.as_str())),
                Ok(_) => None,
            })
            .collect()
    }
    /// The raw solution `(x, s, z)` of the cone program (for `Layer.solution_from_raw`);
    /// batched `(B, n)`, `(B, m)`, `(B, m)`.
    #[getter]
    fn raw<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let (n, m) = (self.layer.cone.n, self.layer.cone.m);
        let pick = |f: &dyn Fn(&Output) -> &Vec<f64>, len: usize| -> PyResult<Bound<'py, PyAny>> {
            let mut data = Vec::with_capacity(len * self.members.len());
            for mem in &self.members {
                match mem {
                    Ok(o) => data.extend_from_slice(f(o)),
                    Err(_) => data.extend(std::iter::repeat_n(f64::NAN, len)),
                }
            }
            match self.batch {
                Some(b) => arrays::make(py, &[b, len], data),
                None => arrays::make(py, &[len], data),
            }
        };
        Ok((pick(&|o| &o.raw.x, n)?, pick(&|o| &o.raw.s, m)?, pick(&|o| &o.raw.z, m)?))
    }
    /// One output: a variable's name or `dual:LABEL`.
    fn __getitem__<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let (duals, key) = match name.strip_prefix("dual:") {
            Some(label) => (true, label),
            None => (false, name),
        };
        let names = if duals { &self.duals } else { &self.vars };
        let Some(entry) = names.iter().find(|(k, _)| k == key) else {
            let all: Vec<String> = self
                .vars
                .iter()
                .map(|(k, _)| k.clone())
                .chain(self.duals.iter().map(|(k, _)| format!("dual:{k}")))
                .collect();
            return Err(pyo3::exceptions::PyKeyError::new_err(format!(
                "`{name}` is not an output of this layer (the outputs are: {})",
                all.join(", ")
            )));
        };
        let members = self.member_outputs(duals);
        PyLayer::stack_one(py, self.batch, &entry.0, &entry.1, &members, f64::NAN)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let status = self.status(py)?;
        Ok(match self.batch {
            None => format!("dopt.Solution(status={status})"),
            Some(b) => format!("dopt.Solution(batch_size={b}, status={status})"),
        })
    }
}

/// An output of a [`Binding`].
struct BoundOutput {
    /// `y` or `dual:LABEL`
    key: String,
    /// `y` or `LABEL`
    name: String,
    dual: bool,
    shape: Vec<usize>,
    /// "cotangent `y`", for messages
    what: String,
}

/// `Layer._bind(params, outputs)`: a layer's call with positional parameters and a fixed
/// tuple of outputs, for the torch and JAX wrappers (no name lookups per call).
#[pyclass(frozen, module = "dopt", name = "_Binding")]
pub struct Binding {
    layer: Py<PyLayer>,
    /// name, declared shape, "parameter `name`"
    params: Vec<(String, Vec<usize>, String)>,
    outputs: Vec<BoundOutput>,
}

#[pymethods]
impl Binding {
    /// Solve for `arrays` (one per bound parameter, in order; a leading batch axis on any
    /// makes a batch). Returns `(solution, outputs)`, the outputs a tuple of arrays.
    fn forward<'py>(
        &self,
        py: Python<'py>,
        arrays: &Bound<'py, PyTuple>,
        raise_on_failure: bool,
    ) -> PyResult<(PySolution, Bound<'py, PyTuple>)> {
        let layer = self.layer.get();
        if arrays.len() != self.params.len() {
            return Err(errors::parameter(
                py,
                format!("{} parameter arrays given; the call takes {}", arrays.len(), self.params.len()),
            ));
        }
        let mut given = Vec::with_capacity(self.params.len());
        for ((name, _, what), obj) in self.params.iter().zip(arrays.iter()) {
            given.push((name.clone(), arrays::read(py, what, &obj)?));
        }
        let policy = if raise_on_failure { OnFailure::Raise } else { OnFailure::Status };
        let sol = layer.forward_given(py, given, policy)?;
        let vars = sol.member_outputs(false);
        let duals = if self.outputs.iter().any(|o| o.dual) { sol.member_outputs(true) } else { Vec::new() };
        let mut outs = Vec::with_capacity(self.outputs.len());
        for o in &self.outputs {
            let members = if o.dual { &duals } else { &vars };
            outs.push(PyLayer::stack_one(py, sol.batch, &o.name, &o.shape, members, f64::NAN)?);
        }
        Ok((sol, PyTuple::new(py, outs)?))
    }

    /// Reverse mode for `sol` with `cotangents` (one per bound output, in order; `None`
    /// for an output without one). Returns one gradient array per bound parameter,
    /// batched like `sol`; a member that cannot be differentiated gets zeros when
    /// `raise_on_failure` is false.
    fn backward<'py>(
        &self,
        py: Python<'py>,
        sol: &PySolution,
        cotangents: &Bound<'py, PyTuple>,
        raise_on_failure: bool,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let layer = self.layer.get();
        layer.same_layer(py, sol)?;
        if cotangents.len() != self.outputs.len() {
            return Err(errors::parameter(
                py,
                format!(
                    "{} cotangents given; the call has {} output{}",
                    cotangents.len(),
                    self.outputs.len(),
                    if self.outputs.len() == 1 { "" } else { "s" }
                ),
            ));
        }
        let mut given = Vec::with_capacity(self.outputs.len());
        for (o, obj) in self.outputs.iter().zip(cotangents.iter()) {
            if !obj.is_none() {
                given.push((o.key.clone(), arrays::read(py, &o.what, &obj)?));
            }
        }
        let policy = if raise_on_failure { OnFailure::Raise } else { OnFailure::Status };
        let grads = layer.backward_given(py, sol, given, policy)?;
        let kept: Vec<Option<&Values>> = grads.iter().map(|g| g.as_ref().ok()).collect();
        let mut outs = Vec::with_capacity(self.params.len());
        for (name, shape, _) in &self.params {
            outs.push(PyLayer::stack_one(py, sol.batch, name, shape, &kept, 0.0)?);
        }
        PyTuple::new(py, outs)
    }
}

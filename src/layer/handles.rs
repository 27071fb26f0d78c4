//! Typed handles on a layer's inputs and outputs: a name is looked up once, at set-up
//! ([`Layer::param`], [`Layer::output`]), where a misspelling fails with a suggestion;
//! the loop then sets parameter values ([`Inputs`]) and cotangents ([`Cotangents`])
//! and reads solutions ([`Output::get`]) by index, with every check of a value made
//! when it is set. The string-keyed [`Values`] keep working wherever these do: both
//! implement [`ParamValues`] and [`CotangentValues`].

use super::forward::Output;
use super::signature::check_param;
use super::{Error, Layer, checksum};
use crate::diag::{Diagnostic, codes, suggest};
use crate::frontend;
use crate::ir::hir::Array;
use crate::ir::shape::Shape;
use crate::values::{Values, clip};

/// A parameter of one layer, looked up once by name with [`Layer::param`]: it knows
/// its place in θ and its declared shape, so setting a value through it
/// ([`Inputs::set`]) needs no lookup, and a value of another shape fails there.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamHandle {
    key: u64,
    index: usize,
    decl: crate::ir::hir::Decl,
    entries: std::ops::Range<usize>,
}

impl ParamHandle {
    /// The parameter's name.
    pub fn name(&self) -> &str {
        &self.decl.name
    }
    /// Its declared shape (dims substituted).
    pub fn shape(&self) -> Shape {
        self.decl.shape
    }
    /// Its index in [`Signature::params`](super::Signature::params) (declaration order).
    pub fn index(&self) -> usize {
        self.index
    }
}

/// What an [`OutputHandle`] names.
#[derive(Clone, Debug, PartialEq)]
enum Slot {
    /// An output variable: its position in [`Output::variables`].
    Variable { pos: usize },
    /// The dual of the constraints with a label: its position in [`Output::duals`].
    Dual { pos: usize },
}

/// An output of one layer, looked up once by name with [`Layer::output`]: an output
/// variable (`"y"`) or the dual of a named constraint (`"dual:LABEL"`). It reads a
/// solution ([`Output::get`]) and sets a cotangent ([`Cotangents::set`]) by index.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputHandle {
    key: u64,
    slot: Slot,
    name: String,
    shape: Shape,
}

impl OutputHandle {
    /// The variable's name, or the constraint's label (without `dual:`).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The shape of the value (of the stacked duals of a `for` constraint).
    pub fn shape(&self) -> Shape {
        self.shape
    }
    /// Whether this names a dual (`dual:LABEL`) rather than a variable.
    pub fn is_dual(&self) -> bool {
        matches!(self.slot, Slot::Dual { .. })
    }
}

/// Parameter values for one layer, set through [`ParamHandle`]s: the flattened θ
/// itself, so that a call copies it and solves. Made by [`Layer::inputs`]; every
/// parameter must be set before a call.
///
/// ```
/// use dopt::{Dims, Problem};
///
/// let text = "parameter c[2]\nparameter lam nonneg\nvariable y[2]\n\
///             minimize sum_squares(y - c) + lam * norm1(y)\n";
/// let layer = Problem::from_str("lasso.dopt", text)?.compile(&Dims::new())?;
/// let (c, lam) = (layer.param("c")?, layer.param("lam")?);
/// let y = layer.output("y")?;
///
/// let mut inputs = layer.inputs();
/// inputs.set(&lam, 1.0)?;
/// for (ci, want) in [([3.0, -0.2], [2.5, 0.0]), ([-1.0, 0.75], [-0.5, 0.25])] {
///     inputs.set(&c, ci)?; // soft-thresholding by lam / 2
///     let out = layer.forward(&inputs)?;
///     assert!(out.get(&y)?.data.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6));
/// }
///
/// // Values are checked when they are set: the shape, and the declared attributes.
/// let e = inputs.set(&c, [1.0, 2.0, 3.0]).unwrap_err();
/// assert!(e.to_string().contains("parameter `c`: expected shape [2] (declared [2]), got [3]"));
/// assert!(inputs.set(&lam, -1.0).unwrap_err().to_string().contains("declared `nonneg`"));
/// # Ok::<(), dopt::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Inputs {
    key: u64,
    /// The values as set (a geometric program's are logged when the layer reads them).
    theta: Vec<f64>,
    set: Vec<bool>,
    /// The layer is a geometric program: values must be positive.
    geometric: bool,
}

impl Inputs {
    /// Set parameter `p` to `value` (anything that converts into an [`Array`]: a
    /// number, `[f64; N]`, `Vec<f64>`, rows `[[f64; N]; M]`, an `Array`).
    ///
    /// # Errors
    /// E0702 when `p` belongs to another layer, or the value does not have the
    /// declared shape (the message gives both), has an entry that is not finite, or
    /// breaks a declared attribute (`nonneg`, `psd`, …). The old value is then kept.
    pub fn set(&mut self, p: &ParamHandle, value: impl Into<Array>) -> Result<(), Error> {
        self.set_array(p, &value.into())
    }

    /// [`Inputs::set`], by value: `layer.inputs().with(&x, [1.0, 2.0])?` builds a
    /// batch member in one expression.
    ///
    /// # Errors
    /// As [`Inputs::set`].
    pub fn with(mut self, p: &ParamHandle, value: impl Into<Array>) -> Result<Inputs, Error> {
        self.set(p, value)?;
        Ok(self)
    }

    /// Set parameter `p` from its entries in row-major order (the declared shape).
    ///
    /// # Errors
    /// As [`Inputs::set`]; a wrong entry count names the shape it should fill.
    pub fn set_data(&mut self, p: &ParamHandle, data: &[f64]) -> Result<(), Error> {
        if data.len() != p.decl.shape.size() {
            return Err(Error::from(Diagnostic::error(
                codes::BAD_PARAMETER,
                format!(
                    "parameter `{}`: expected {} entries (shape {}), got {}",
                    p.decl.name,
                    p.decl.shape.size(),
                    p.decl.shape,
                    data.len()
                ),
            )));
        }
        self.set_array(p, &Array { shape: p.decl.shape, data: data.to_vec() })
    }

    fn set_array(&mut self, p: &ParamHandle, value: &Array) -> Result<(), Error> {
        let fits = p.index < self.set.len() && p.entries.end <= self.theta.len();
        same_layer(self.key, if fits { p.key } else { !self.key }, "parameter", &p.decl.name)?;
        // The attribute checks run linear algebra (psd): a panic there is an E0999 error.
        // A geometric program's parameters must be positive: refused here, at set-up.
        frontend::guard("Inputs::set", || {
            check_param(&p.decl, value)?;
            super::gp::check_positive_if(self.geometric, value).map_err(|msg| {
                Diagnostic::error(codes::BAD_PARAMETER, format!("parameter `{}`: {msg}", p.decl.name))
            })?;
            Ok(())
        })?;
        self.theta[p.entries.clone()].copy_from_slice(&value.data);
        self.set[p.index] = true;
        Ok(())
    }

    /// The value of `p` (row-major), if it has been set on these inputs.
    pub fn get(&self, p: &ParamHandle) -> Option<&[f64]> {
        (p.key == self.key && self.set.get(p.index) == Some(&true)).then(|| &self.theta[p.entries.clone()])
    }
}

/// Cotangents d(loss)/d(output) for one layer's backward pass, set through
/// [`OutputHandle`]s and checked when set; the ones not set are zero. Made by
/// [`Layer::cotangents`].
///
/// ```
/// use dopt::{Dims, Problem, Values};
///
/// // y = max(x, 0): d(y₀ + 2y₂)/dx = (1, 0, 2) at x = (1, −2, 0.5).
/// let text = "dim n\nparameter x[n]\nvariable y[n]\nminimize sum_squares(y - x)\n\
///             subject to\n    pos: y >= 0\n";
/// let layer = Problem::from_str("relu.dopt", text)?.compile(&Dims::new().with("n", 3))?;
/// let (x, y) = (layer.param("x")?, layer.output("y")?);
/// let mut inputs = layer.inputs();
/// inputs.set(&x, [1.0, -2.0, 0.5])?;
/// let out = layer.forward(&inputs)?;
/// let mut dy = layer.cotangents();
/// dy.set(&y, [1.0, 0.0, 2.0])?;
/// let g = layer.backward(&out, &dy)?;
/// let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(p, q)| (p - q).abs() < 1e-6);
/// assert!(close(g.get(&x)?, &[1.0, 0.0, 2.0]));
///
/// // The objective's cotangent: d‖y − x‖²/dx = 2(x − y) = (0, −4, 0).
/// let mut dobj = layer.cotangents();
/// dobj.set_objective(1.0)?;
/// assert!(close(layer.backward(&out, &dobj)?.get(&x)?, &[0.0, -4.0, 0.0]));
/// # Ok::<(), dopt::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Cotangents {
    key: u64,
    /// Per output variable, then per dual (in the order of [`Output::variables`] and
    /// [`Output::duals`]): the cotangent, if set.
    slots: Vec<Option<Array>>,
    /// How many of `slots` are variables.
    nvars: usize,
    objective: f64,
}

impl Cotangents {
    /// Set the cotangent of output `o` (a variable or `dual:LABEL`) to `value`,
    /// replacing an earlier one.
    ///
    /// # Errors
    /// E0702 when `o` belongs to another layer, or the value does not have the
    /// output's shape (the message gives both) or has an entry that is not finite.
    pub fn set(&mut self, o: &OutputHandle, value: impl Into<Array>) -> Result<(), Error> {
        let at = match o.slot {
            Slot::Variable { pos } => pos,
            Slot::Dual { pos } => self.nvars + pos,
        };
        same_layer(self.key, if at < self.slots.len() { o.key } else { !self.key }, "output", &o.name)?;
        let value = value.into();
        let what = if o.is_dual() { format!("dual:{}", o.name) } else { o.name.clone() };
        if value.shape != o.shape || value.data.len() != o.shape.size() {
            return Err(bad_value(format!("`{what}`: expected shape {}, got {}", o.shape, value.shape)));
        }
        if value.data.iter().any(|v| !v.is_finite()) {
            return Err(bad_value(format!("`{what}`: values must be finite")));
        }
        self.slots[at] = Some(value);
        Ok(())
    }

    /// [`Cotangents::set`], by value.
    ///
    /// # Errors
    /// As [`Cotangents::set`].
    pub fn with(mut self, o: &OutputHandle, value: impl Into<Array>) -> Result<Cotangents, Error> {
        self.set(o, value)?;
        Ok(self)
    }

    /// Set the cotangent of the objective's value.
    ///
    /// # Errors
    /// E0702 for a value that is not finite.
    pub fn set_objective(&mut self, v: f64) -> Result<(), Error> {
        if !v.is_finite() {
            return Err(bad_value(format!("`objective`: values must be finite, not {v}")));
        }
        self.objective = v;
        Ok(())
    }
}

fn bad_value(message: String) -> Error {
    Error::from(Diagnostic::error(codes::BAD_PARAMETER, message))
}

/// A handle (or a set of values) made by another layer is refused, not misread.
fn same_layer(expected: u64, key: u64, what: &str, name: &str) -> Result<(), Error> {
    if expected == key {
        return Ok(());
    }
    Err(another_layer(&format!("the {what} handle `{}` was", clip(name))))
}

fn another_layer(what: &str) -> Error {
    bad_value(format!("{what} made by another layer (one with a different signature)"))
}

/// What a forward call accepts as parameter values: [`Values`] (by name, checked at
/// the call) or [`Inputs`] (set through handles, checked when set). Sealed.
pub trait ParamValues: sealed::Sealed {
    /// θ for `layer`: the flattened values, checked.
    #[doc(hidden)]
    fn theta_for(&self, layer: &Layer) -> Result<Vec<f64>, Error>;
}

/// What a backward call accepts as cotangents: [`Values`] (keyed by output name,
/// `dual:LABEL` and `objective`) or [`Cotangents`] (set through handles). Sealed.
pub trait CotangentValues: sealed::Sealed {
    /// The cotangents as vectors over the cone program's x and z, and the objective's.
    #[doc(hidden)]
    fn vectors_for(&self, layer: &Layer, out: &Output) -> Result<(Vec<f64>, Vec<f64>, f64), Error>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::values::Values {}
    impl Sealed for super::Inputs {}
    impl Sealed for super::Cotangents {}
}

impl ParamValues for Values {
    fn theta_for(&self, layer: &Layer) -> Result<Vec<f64>, Error> {
        layer.theta(self).map_err(Error::from)
    }
}

impl ParamValues for Inputs {
    fn theta_for(&self, layer: &Layer) -> Result<Vec<f64>, Error> {
        if self.key != layer.key
            || self.theta.len() != layer.cone.nparams
            || self.set.len() != layer.sig.params.len()
        {
            return Err(another_layer("these inputs were"));
        }
        let missing: Vec<Diagnostic> =
            (0..self.set.len()).filter(|&k| !self.set[k]).map(|k| layer.sig.missing_param(k)).collect();
        if !missing.is_empty() {
            return Err(Error::from(missing));
        }
        let mut theta = self.theta.clone();
        super::gp::log_theta(&layer.sig, &mut theta);
        Ok(theta)
    }
}

impl CotangentValues for Values {
    fn vectors_for(&self, layer: &Layer, out: &Output) -> Result<(Vec<f64>, Vec<f64>, f64), Error> {
        layer.cotangent_vectors(out, self).map_err(Error::from)
    }
}

impl CotangentValues for Cotangents {
    fn vectors_for(&self, layer: &Layer, out: &Output) -> Result<(Vec<f64>, Vec<f64>, f64), Error> {
        let labels = layer.dual_labels();
        if self.key != layer.key
            || self.nvars != layer.sig.outputs.len()
            || self.slots.len() != self.nvars + labels.len()
        {
            return Err(another_layer("these cotangents were"));
        }
        let mut gx = vec![0.0; layer.cone.n];
        let mut gz = vec![0.0; layer.cone.m];
        for (at, g) in self.slots.iter().enumerate() {
            let Some(g) = g else { continue };
            match layer.sig.outputs.get(at) {
                Some(&var) => {
                    layer.add_variable_cotangent(var, &layer.cotangent_to_log(out, var, &g.data), &mut gx)
                }
                None => layer.add_dual_cotangent(labels[at - self.nvars], &g.data, &mut gz),
            }
        }
        Ok((gx, gz, layer.objective_cotangent_to_log(out, self.objective)))
    }
}

/// A fingerprint of what the handles index: the parameters' names, shapes and places
/// in θ, the outputs' names and the cone program's sizes. Equal for a layer, its clones
/// and its copy read back from a layer file.
pub(super) fn signature_key(layer: &Layer) -> u64 {
    // A geometric program takes positive values (and maps them to logs): its handles
    // and inputs must not pass for those of the same problem without `geometric`.
    let mut text =
        format!("{} {} {} {};", layer.cone.nparams, layer.cone.n, layer.cone.m, layer.sig.geometric);
    for (d, r) in layer.sig.params.iter().zip(&layer.cone.param_entries) {
        text.push_str(&format!("p {} {} {}..{};", d.name, d.shape, r.start, r.end));
    }
    for &v in &layer.sig.outputs {
        text.push_str(&format!("v {} {};", layer.sig.vars[v].name, layer.sig.vars[v].shape));
    }
    for l in layer.dual_labels() {
        text.push_str(&format!("d {l};"));
    }
    checksum(text.as_bytes())
}

impl Layer {
    /// The labels of the named constraints, in the order of [`Output::duals`].
    pub(super) fn dual_labels(&self) -> Vec<&str> {
        let mut order: Vec<&str> = Vec::new();
        for c in &self.sig.constraints {
            if let Some(l) = &c.label
                && !order.contains(&l.as_str())
            {
                order.push(l);
            }
        }
        order
    }

    /// The handle of parameter `name`, for [`Inputs::set`] and [`Gradients::get`](super::Gradients::get).
    ///
    /// # Errors
    /// E0702 when the layer has no such parameter, with the nearest name ("did you
    /// mean") or the list of parameters.
    ///
    /// ```
    /// use dopt::{Dims, Problem};
    ///
    /// let text = "dim n\nparameter c[n]\nparameter lam nonneg\nvariable y[n]\n\
    ///             minimize sum_squares(y - c) + lam * norm1(y)\n";
    /// let layer = Problem::from_str("lasso.dopt", text)?.compile(&Dims::new().with("n", 4))?;
    /// let c = layer.param("c")?;
    /// assert_eq!((c.name(), c.shape().dims()), ("c", &[4][..]));
    /// let e = layer.param("lamda").unwrap_err().to_string();
    /// assert!(e.contains("`lamda` is not a parameter") && e.contains("did you mean `lam`?"), "{e}");
    /// # Ok::<(), dopt::Error>(())
    /// ```
    pub fn param(&self, name: &str) -> Result<ParamHandle, Error> {
        let Some(index) = self.sig.param(name) else {
            return Err(Error::from(self.sig.unknown_param(name)));
        };
        Ok(ParamHandle {
            key: self.key,
            index,
            decl: self.sig.params[index].clone(),
            entries: self.cone.param_entries[index].clone(),
        })
    }

    /// The handle of output `name`: an output variable, or `dual:LABEL` for the dual of
    /// the constraints labelled `LABEL`; for [`Output::get`] and [`Cotangents::set`].
    ///
    /// # Errors
    /// E0702 when the layer has no such output (a variable left out of the file's
    /// `output` list included), with the nearest name.
    pub fn output(&self, name: &str) -> Result<OutputHandle, Error> {
        let (vars, duals) = self.output_shapes();
        let found = match name.strip_prefix("dual:") {
            Some(label) => duals
                .iter()
                .position(|(l, _)| l == label)
                .map(|pos| (Slot::Dual { pos }, label, duals[pos].1)),
            None => vars
                .iter()
                .position(|(v, _)| v == name)
                .map(|pos| (Slot::Variable { pos }, name, vars[pos].1)),
        };
        if let Some((slot, n, shape)) = found {
            return Ok(OutputHandle { key: self.key, slot, name: n.to_string(), shape });
        }
        let names: Vec<String> = vars
            .iter()
            .map(|(v, _)| v.clone())
            .chain(duals.iter().map(|(l, _)| format!("dual:{l}")))
            .collect();
        let mut d = Diagnostic::error(
            codes::BAD_PARAMETER,
            format!("`{}` is not an output of this problem", clip(name)),
        );
        if self.sig.var(name).is_some() {
            d = d.note(format!("`{name}` is a variable, but not in the file's `output` list"));
        }
        d = match suggest::best_match(name, names.iter().map(String::as_str)) {
            Some(s) => d.help(format!("did you mean `{s}`?")),
            None => d.note(format!("the outputs are: {}", names.join(", "))),
        };
        Err(Error::from(d))
    }

    /// Empty parameter values for this layer, to fill with [`Inputs::set`].
    pub fn inputs(&self) -> Inputs {
        Inputs {
            key: self.key,
            theta: vec![0.0; self.cone.nparams],
            set: vec![false; self.sig.params.len()],
            geometric: self.sig.geometric,
        }
    }

    /// Zero cotangents for this layer's outputs, to fill with [`Cotangents::set`].
    pub fn cotangents(&self) -> Cotangents {
        let nvars = self.sig.outputs.len();
        Cotangents {
            key: self.key,
            slots: vec![None; nvars + self.dual_labels().len()],
            nvars,
            objective: 0.0,
        }
    }
}

impl Output {
    /// The value of output `o` in this solution: a variable or the duals of a named
    /// constraint, by index.
    ///
    /// # Errors
    /// E0702 when `o` is not an output of the layer that made this solution.
    pub fn get(&self, o: &OutputHandle) -> Result<&Array, Error> {
        let entry = match o.slot {
            Slot::Variable { pos } => self.variables.get_index(pos),
            Slot::Dual { pos } => self.duals.get_index(pos),
        };
        match entry {
            Some((name, a)) if *name == o.name && a.shape == o.shape => Ok(a),
            _ => Err(bad_value(format!(
                "`{}` is not an output of this solution (the handle was made by another layer)",
                clip(&o.name)
            ))),
        }
    }
}

impl super::Gradients {
    /// The gradient with respect to parameter `p` (row-major, its declared shape).
    ///
    /// # Errors
    /// E0702 when `p` is not a parameter of the layer that made these gradients.
    pub fn get(&self, p: &ParamHandle) -> Result<&[f64], Error> {
        match self.params.get_index(p.index) {
            Some((name, a)) if *name == p.decl.name && a.shape == p.decl.shape => Ok(&a.data),
            _ => Err(bad_value(format!(
                "`{}` is not a parameter of these gradients (the handle was made by another layer)",
                clip(&p.decl.name)
            ))),
        }
    }
}

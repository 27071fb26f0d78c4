//! A compiled problem served as a function: parameter values in, solution out, and
//! the derivative of that map (reverse and forward mode).
//!
//! A [`Layer`] holds only what a call needs: the cone program with its parameter map
//! and the [`Signature`] (names, shapes and attributes of the inputs and outputs).
//! Nothing of the problem's text is looked at per call. `file` saves and loads layers;
//! `batch` runs many calls in parallel.

mod batch;
mod file;

pub use batch::BatchPolicy;
pub use file::{FORMAT_VERSION, checksum, is_layer_file, looks_like_layer_file};

use crate::canon;
use crate::dcp::check::Analysis;
use crate::diag::{Diagnostic, codes, suggest};
use crate::diff::derivative::{Kkt, KktSymbolic};
use crate::frontend::{self, Failure as Error};
use crate::ir::cone::{ConeProgram, RowLayout};
use crate::ir::hir::{Array, Decl, Program};
use crate::ir::shape::Shape;
use crate::linalg;
use crate::solve::{self, Settings, Status};
use crate::values::{Values, clip};

/// Relative tolerance for the `symmetric` / `psd` / `nsd` promises on parameter values.
pub const ATTR_RTOL: f64 = 1e-8;

/// The interface of a layer: what goes in and what comes out.
#[derive(Clone, Debug, PartialEq)]
pub struct Signature {
    /// Where the layer was compiled from (a path or `std:NAME`).
    pub source: String,
    /// The dims the layer was compiled with.
    pub dims: Vec<(String, usize)>,
    /// The parameters in declaration order: the inputs of every call.
    pub params: Vec<Decl>,
    /// Every variable in declaration order (outputs or not).
    pub vars: Vec<Decl>,
    /// Indices into `vars` of the variables returned, in order.
    pub outputs: Vec<usize>,
    /// One entry per scalar-or-array constraint of the checked program (what the
    /// cone program's `constraint_rows` point at).
    pub constraints: Vec<ConstraintInfo>,
    /// `false` for a feasibility problem (its objective value is reported as 0).
    pub has_objective: bool,
}

/// What the dual of a constraint needs: its label and shape.
#[derive(Clone, Debug, PartialEq)]
pub struct ConstraintInfo {
    /// The statement's label; only labelled constraints report duals.
    pub label: Option<String>,
    /// The broadcast shape of the two sides (the shape of one instance's dual).
    pub shape: Shape,
}

impl Signature {
    fn of(program: &Program, source: &str) -> Signature {
        Signature {
            source: source.to_string(),
            dims: program.dims.iter().map(|(k, d)| (k.clone(), d.value)).collect(),
            params: program.params.clone(),
            vars: program.vars.clone(),
            outputs: program.outputs.iter().map(|v| v.index()).collect(),
            constraints: program
                .constraints
                .iter()
                .map(|c| ConstraintInfo { label: c.label.clone(), shape: c.shape })
                .collect(),
            has_objective: program.objective.is_some(),
        }
    }
    /// Index in [`Signature::params`] of the parameter `name`.
    pub fn param(&self, name: &str) -> Option<usize> {
        self.params.iter().position(|d| d.name == name)
    }
    /// Index in [`Signature::vars`] of the variable `name`.
    pub fn var(&self, name: &str) -> Option<usize> {
        self.vars.iter().position(|d| d.name == name)
    }
}

/// A compiled problem: call [`Layer::forward`] with parameter values, then
/// [`Layer::backward`] with d(loss)/d(outputs) for d(loss)/d(parameters), or
/// [`Layer::jvp`] for a directional derivative.
///
/// Made by [`Problem::compile`](crate::Problem::compile), or read back from a layer
/// file with [`Layer::load`]. A layer holds the cone program and its parameter map
/// `vec(P, q, r, A, b) = M·[θ; 1]`; a call only applies the map and solves, so the
/// problem is checked and canonicalized once.
///
/// `Layer` is `Send + Sync`: one layer can serve many threads (the batch calls do).
/// Clarabel solvers are kept between calls and reused through their data-update path.
/// `Clone` copies the compiled program, not the solver pool.
///
/// A panic inside a call is a bug in dopt: every public function that does work
/// returns it as an E0999 error instead of unwinding into the caller (a batch member
/// gets its own).
#[derive(Debug)]
pub struct Layer {
    /// Names, shapes and attributes of inputs and outputs.
    pub sig: Signature,
    /// The parametrized cone program.
    pub cone: ConeProgram,
    /// Solver settings used by [`Layer::forward`].
    pub settings: Settings,
    /// Options used by [`Layer::backward`] and [`Layer::jvp`].
    pub diff: DiffOptions,
    solvers: std::sync::Mutex<Vec<solve::Workspace>>,
    /// The symbolic factorization of the derivative system, made at the first
    /// backward/jvp call and shared by every later one (and every thread).
    kkt: std::sync::OnceLock<std::sync::Arc<KktSymbolic>>,
    /// Which columns and rows of the cone program carry parameters (or outputs).
    dependence: std::sync::OnceLock<Dependence>,
}

/// The columns of x and rows of A whose data depend on the parameters; output
/// variables' columns count too.
#[derive(Debug)]
struct Dependence {
    cols: Vec<bool>,
    rows: Vec<bool>,
}

impl Dependence {
    fn of(cp: &ConeProgram) -> Dependence {
        let off = cp.offsets();
        let param = |r: usize| cp.map.outer_view(r).is_some_and(|v| v.iter().any(|(c, _)| c < cp.nparams));
        let mut cols = vec![false; cp.n];
        let mut rows = vec![false; cp.m];
        for j in 0..cp.n {
            for k in cp.p.colptr[j]..cp.p.colptr[j + 1] {
                if param(off.p + k) {
                    cols[j] = true;
                    cols[cp.p.rowval[k]] = true;
                }
            }
            if param(off.q + j) {
                cols[j] = true;
            }
            for k in cp.a.colptr[j]..cp.a.colptr[j + 1] {
                if param(off.a + k) {
                    cols[j] = true;
                    rows[cp.a.rowval[k]] = true;
                }
            }
        }
        for (i, r) in rows.iter_mut().enumerate() {
            *r |= param(off.b + i);
        }
        for range in &cp.var_cols {
            cols[range.clone()].iter_mut().for_each(|c| *c = true);
        }
        Dependence { cols, rows }
    }
}

impl Clone for Layer {
    fn clone(&self) -> Layer {
        Layer::from_parts(self.sig.clone(), self.cone.clone(), self.settings, self.diff)
    }
}

/// What one call returns.
///
/// The values are a solution when `status` is [`Status::Optimal`] (one of reduced
/// accuracy for [`Status::Inaccurate`]); for other statuses they are wherever the
/// solver stopped. [`Layer::backward`] and [`Layer::jvp`] accept only an optimal
/// output.
#[derive(Clone, Debug)]
pub struct Output {
    /// How the solve ended.
    pub status: Status,
    /// The objective as written (the maximum for `maximize`); 0 for a feasibility problem.
    pub objective: f64,
    /// The output variables (the file's `output` list, else every variable), by name,
    /// with their declared shapes.
    pub variables: Values,
    /// Duals of the named constraints (cvxpy's convention, see `canon`).
    pub duals: Values,
    /// Wall time of the solver's interior-point iterations, in seconds (no setup).
    pub solve_time: f64,
    /// Interior-point iterations.
    pub iterations: u32,
    /// The raw primal-dual solution of the cone program (for the backward pass).
    pub raw: solve::RawSolution,
    /// The flattened parameter value θ the solve was made at (row-major per
    /// parameter, parameters in declaration order).
    pub theta: Vec<f64>,
}

impl Layer {
    /// Reduce a checked, DCP and DPP program to its cone program.
    pub fn new(program: Program, analysis: &Analysis) -> Result<Layer, Diagnostic> {
        Layer::compile(&program, analysis, "")
    }

    /// [`Layer::new`], recording where the program came from.
    pub fn compile(program: &Program, analysis: &Analysis, source: &str) -> Result<Layer, Diagnostic> {
        frontend::catch_panic("Layer::compile", || Layer::compile_unguarded(program, analysis, source))
            .unwrap_or_else(|p| Err(frontend::internal_error("Layer::compile", &p)))
    }

    fn compile_unguarded(program: &Program, analysis: &Analysis, source: &str) -> Result<Layer, Diagnostic> {
        let cone = cone_program(program, analysis)?;
        Ok(Layer::from_parts(
            Signature::of(program, source),
            cone,
            Settings::default(),
            DiffOptions::default(),
        ))
    }

    fn from_parts(sig: Signature, cone: ConeProgram, settings: Settings, diff: DiffOptions) -> Layer {
        Layer {
            sig,
            cone,
            settings,
            diff,
            solvers: std::sync::Mutex::new(Vec::new()),
            kkt: std::sync::OnceLock::new(),
            dependence: std::sync::OnceLock::new(),
        }
    }

    /// The same layer with other solver settings.
    pub fn with_settings(mut self, settings: Settings) -> Layer {
        self.settings = settings;
        self
    }

    /// The same layer with other differentiation options.
    pub fn with_diff_options(mut self, diff: DiffOptions) -> Layer {
        self.diff = diff;
        self
    }

    /// Check parameter values against the declarations and flatten them into θ
    /// (row-major per parameter, in declaration order); the errors are those of
    /// [`Layer::forward`], every one of them.
    pub fn theta(&self, values: &Values) -> Result<Vec<f64>, Vec<Diagnostic>> {
        let p = &self.sig;
        let mut errs = Vec::new();
        for name in values.keys() {
            if p.param(name).is_none() {
                let mut d = Diagnostic::error(
                    codes::BAD_PARAMETER,
                    format!("`{}` is not a parameter of this problem", clip(name)),
                );
                if let Some(s) = suggest::best_match(name, p.params.iter().map(|d| d.name.as_str())) {
                    d = d.help(format!("did you mean `{s}`?"));
                } else {
                    let names: Vec<&str> = p.params.iter().map(|d| d.name.as_str()).collect();
                    d = d.note(format!("the parameters are: {}", names.join(", ")));
                }
                errs.push(d);
            }
        }
        let mut theta = vec![0.0; self.cone.nparams];
        for (k, decl) in p.params.iter().enumerate() {
            let Some(v) = values.get(&decl.name) else {
                errs.push(
                    Diagnostic::error(
                        codes::BAD_PARAMETER,
                        format!("no value for parameter `{}`", decl.name),
                    )
                    .note(format!("`{}` has shape {}", decl.name, decl.shape)),
                );
                continue;
            };
            if let Err(msg) = check_value(decl, v) {
                errs.push(Diagnostic::error(
                    codes::BAD_PARAMETER,
                    format!("parameter `{}`: {msg}", decl.name),
                ));
                continue;
            }
            theta[self.cone.param_entries[k].clone()].copy_from_slice(&v.data);
        }
        if errs.is_empty() { Ok(theta) } else { Err(errs) }
    }

    /// Solve for one parameter value (with [`Layer::settings`]). `values` maps every
    /// parameter name to an array of its declared shape.
    ///
    /// # Errors
    /// Unknown or missing parameters, wrong shapes, non-finite entries and values that
    /// break a declared attribute (`nonneg`, `psd`, … within [`ATTR_RTOL`]) are errors
    /// (E0702) naming the parameter; so is a solver that cannot be set up (E0802). A
    /// solve that does not reach optimality is not an error: it is an `Output` with
    /// that [`Status`].
    ///
    /// # Example
    /// ReLU as a projection, with the dual of the named constraint (cvxpy's sign: the
    /// multiplier λ ≥ 0 of `y ≥ 0`, here λ = −2x where x < 0):
    /// ```
    /// use dopt::{Array, Dims, Problem, Status, Values};
    ///
    /// let text = "dim n\nparameter x[n]\nvariable y[n]\nminimize sum_squares(y - x)\n\
    ///             subject to\n    pos: y >= 0\n";
    /// let layer = Problem::from_str("relu.dopt", text)?.compile(&Dims::new().with("n", 3))?;
    /// let x = Values::from([("x".to_string(), Array::vector(&[1.0, -2.0, 0.5]))]);
    /// let out = layer.forward(&x)?;
    /// assert_eq!(out.status, Status::Optimal);
    /// let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(p, q)| (p - q).abs() < 1e-6);
    /// assert!(close(&out.variables["y"].data, &[1.0, 0.0, 0.5]));
    /// assert!(close(&out.duals["pos"].data, &[0.0, 4.0, 0.0]));
    /// assert!((out.objective - 4.0).abs() < 1e-6); // (0 − (−2))²
    ///
    /// // Bad input is an error, never a panic:
    /// let short = Values::from([("x".to_string(), Array::vector(&[1.0]))]);
    /// assert!(layer.forward(&short).unwrap_err().to_string().contains("expected shape [3]"));
    /// # Ok::<(), dopt::Error>(())
    /// ```
    pub fn forward(&self, values: &Values) -> Result<Output, Error> {
        self.forward_with(values, &self.settings)
    }

    /// [`Layer::forward`] with other solver settings for this call.
    pub fn forward_with(&self, values: &Values, settings: &Settings) -> Result<Output, Error> {
        frontend::guard("Layer::forward", || {
            let mut ws = self.take_solver();
            let out = self.forward_in(values, settings, &mut ws);
            self.put_solver(ws);
            out
        })
    }

    /// A kept solver from the pool, if there is one (else the call sets one up).
    fn take_solver(&self) -> Option<solve::Workspace> {
        // A pool poisoned by a caught panic is still a valid list of solvers.
        self.solvers.lock().unwrap_or_else(|e| e.into_inner()).pop()
    }

    /// Return a solver to the pool for the next call.
    fn put_solver(&self, ws: Option<solve::Workspace>) {
        if let Some(w) = ws {
            self.solvers.lock().unwrap_or_else(|e| e.into_inner()).push(w);
        }
    }

    /// [`Layer::forward_with`] on the solver `ws` (a batch keeps one per thread).
    fn forward_in(
        &self,
        values: &Values,
        settings: &Settings,
        ws: &mut Option<solve::Workspace>,
    ) -> Result<Output, Error> {
        let theta = self.theta(values).map_err(Error::from)?;
        let d = solve::data(&self.cone, &theta);
        let raw = solve::solve_reusing(&self.cone, &d, settings, ws)
            .map_err(|e| Error::from(vec![Diagnostic::error(codes::SOLVER_SETUP, e)]))?;
        Ok(self.output(raw, theta))
    }

    fn output(&self, raw: solve::RawSolution, theta: Vec<f64>) -> Output {
        let p = &self.sig;
        let cp = &self.cone;
        let mut variables = Values::new();
        for &v in &p.outputs {
            let d = &p.vars[v];
            let data = cp.var_layout[v].read(&raw.x[cp.var_cols[v].clone()]);
            variables.insert(d.name.clone(), Array { shape: d.shape, data });
        }
        let mut duals = Values::new();
        let mut order: Vec<&str> = Vec::new();
        for c in &p.constraints {
            if let Some(l) = &c.label
                && !order.contains(&l.as_str())
            {
                order.push(l);
            }
        }
        for label in order {
            let mut parts: Vec<Array> = Vec::new();
            for rows in &cp.constraint_rows {
                let con = &p.constraints[rows.constraint];
                if con.label.as_deref() != Some(label) {
                    continue;
                }
                let z: Vec<f64> = raw.z[rows.rows.clone()].iter().map(|v| v * rows.sign).collect();
                let shape = match rows.layout {
                    RowLayout::Elementwise => con.shape,
                    RowLayout::Psd(n) | RowLayout::Triangle(n) => Shape::matrix(n, n),
                };
                parts.push(Array { shape, data: rows.layout.read(&z) });
            }
            duals.insert(label.to_string(), stack(parts));
        }
        let objective = if p.has_objective { cp.objective_sign * raw.objective } else { 0.0 };
        Output {
            status: raw.status,
            objective,
            variables,
            duals,
            solve_time: raw.solve_time,
            iterations: raw.iterations,
            raw,
            theta,
        }
    }
}

/// What a backward pass returns: the gradient of the loss with respect to every
/// parameter, and how far to trust it.
#[derive(Clone, Debug)]
pub struct Gradients {
    /// d(loss)/d(parameter), with each parameter's shape (the symmetric gradient for
    /// `symmetric`/`psd`/`nsd` parameters).
    pub params: Values,
    /// A weakly active constraint was met (a cone projection is not differentiable at
    /// the solution): the gradient is a one-sided one. [`DiffOptions::smoothing`]
    /// gives an averaged gradient instead.
    pub degenerate: bool,
    /// The derivative system is singular: multipliers or auxiliary variables of the
    /// cone program are not unique — redundant constraints (the same equation twice,
    /// or row and column sums that must agree), a primal solution that is not unique
    /// (an LP objective parallel to a face), or an atom whose reduction has a free
    /// auxiliary variable (`sum_largest`, `sum_smallest`). The gradient is still
    /// finite and is the derivative wherever that is unique; the gradient with respect
    /// to the data of redundant constraints is then one choice among many (for
    /// transport problems: up to adding t·(1, −1) to the marginals' gradients).
    pub singular: bool,
    /// Relative residual ‖Ku − g‖∞/‖g‖∞ of the derivative system K u = g after
    /// iterative refinement against the unregularized K (tiny, ~1e-12 or less, when
    /// the system is well conditioned; ∞ when it could not be factored).
    pub residual: f64,
}

/// Options of the backward pass ([`Layer::backward`], [`Layer::jvp`]). The default
/// differentiates the exact projections.
///
/// ```
/// use dopt::{Array, DiffOptions, Dims, Problem, Values};
///
/// // At x = 0 the ReLU y = max(x, 0) has a kink: exact differentiation takes one
/// // side, smoothing averages the two.
/// let text = "parameter x\nvariable y\nminimize square(y - x)\nsubject to\n    y >= 0\n";
/// let layer = Problem::from_str("relu.dopt", text)?.compile(&Dims::new())?;
/// let out = layer.forward(&Values::from([("x".to_string(), Array::scalar(0.0))]))?;
/// let dy = Values::from([("y".to_string(), Array::scalar(1.0))]);
/// let smooth = DiffOptions { smoothing: Some(1e-3) };
/// let g = layer.backward_with(&out, &dy, &smooth)?.params["x"].data[0];
/// assert!(g > 0.0 && g < 1.0, "{g}");
/// # Ok::<(), dopt::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct DiffOptions {
    /// Smooth the projections (CHKS, parameter μ > 0): interior-point-style averaged
    /// gradients at degenerate points. `None`: exact projections.
    pub smoothing: Option<f64>,
}

impl Layer {
    /// Cotangents of the outputs (variables, `dual:NAME`, `objective`) as vectors over
    /// the cone program's x and z, and the objective's cotangent.
    fn cotangents(&self, out: &Output, dvars: &Values) -> Result<(Vec<f64>, Vec<f64>, f64), Vec<Diagnostic>> {
        let p = &self.sig;
        let cp = &self.cone;
        let mut gx = vec![0.0; cp.n];
        let mut gz = vec![0.0; cp.m];
        let mut gobj = 0.0;
        let mut errs = Vec::new();
        for (name, g) in dvars {
            if g.data.len() != g.shape.size() {
                errs.push(Diagnostic::error(
                    codes::BAD_PARAMETER,
                    format!("`{}`: {}", clip(name), malformed(g)),
                ));
                continue;
            }
            if let Some(label) = name.strip_prefix("dual:") {
                let Some(want) = out.duals.get(label) else {
                    errs.push(Diagnostic::error(
                        codes::BAD_PARAMETER,
                        format!("`{}`: no named constraint `{}`", clip(name), clip(label)),
                    ));
                    continue;
                };
                if want.shape != g.shape {
                    errs.push(Diagnostic::error(
                        codes::BAD_PARAMETER,
                        format!("`{}`: expected shape {}, got {}", clip(name), want.shape, g.shape),
                    ));
                    continue;
                }
                // Walk the instances in the order `output` stacked them.
                let mut at = 0;
                for rows in &cp.constraint_rows {
                    let con = &p.constraints[rows.constraint];
                    if con.label.as_deref() != Some(label) {
                        continue;
                    }
                    let entries = match rows.layout {
                        RowLayout::Elementwise => rows.rows.len(),
                        RowLayout::Psd(n) | RowLayout::Triangle(n) => n * n,
                    };
                    let gr = rows.layout.read_adjoint(&g.data[at..at + entries]);
                    for (r, v) in rows.rows.clone().zip(gr) {
                        gz[r] += rows.sign * v;
                    }
                    at += entries;
                }
                continue;
            }
            if let Some(v) = p.var(name) {
                let d = &p.vars[v];
                if d.shape != g.shape {
                    errs.push(Diagnostic::error(
                        codes::BAD_PARAMETER,
                        format!("`{}`: expected shape {}, got {}", clip(name), d.shape, g.shape),
                    ));
                    continue;
                }
                for (c, v) in cp.var_cols[v].clone().zip(cp.var_layout[v].read_adjoint(&g.data)) {
                    gx[c] += v;
                }
                continue;
            }
            if name == "objective" {
                match g.as_scalar() {
                    Some(v) => gobj = v,
                    None => {
                        errs.push(Diagnostic::error(codes::BAD_PARAMETER, "`objective`: expected a number"))
                    }
                }
                continue;
            }
            let mut d = Diagnostic::error(
                codes::BAD_PARAMETER,
                format!("`{}` is not a variable of this problem", clip(name)),
            );
            if let Some(s) = suggest::best_match(name, p.vars.iter().map(|d| d.name.as_str())) {
                d = d.help(format!("did you mean `{s}`?"));
            }
            errs.push(d.note("keys are variable names, `dual:NAME` for a named constraint, and `objective`"));
        }
        if let Some((k, _)) = dvars.iter().find(|(_, g)| g.data.iter().any(|v| !v.is_finite())) {
            errs.push(Diagnostic::error(
                codes::BAD_PARAMETER,
                format!("`{}`: values must be finite", clip(k)),
            ));
        }
        if errs.is_empty() { Ok((gx, gz, gobj)) } else { Err(errs) }
    }

    /// Check a cotangent map (names, shapes, finiteness; the rules of
    /// [`Layer::backward`]) without differentiating.
    pub fn check_cotangents(&self, out: &Output, dvars: &Values) -> Result<(), Error> {
        frontend::guard("Layer::check_cotangents", || {
            self.cotangents(out, dvars).map(|_| ()).map_err(Error::from)
        })
    }

    fn refuse_unsolved(&self, out: &Output) -> Result<(), Error> {
        let cp = &self.cone;
        if out.raw.x.len() != cp.n
            || out.raw.s.len() != cp.m
            || out.raw.z.len() != cp.m
            || out.theta.len() != cp.nparams
        {
            return Err(Error::from(Diagnostic::error(
                codes::BAD_PARAMETER,
                "this output does not come from this layer (its sizes differ)",
            )));
        }
        if out.status.is_optimal() {
            Ok(())
        } else {
            Err(Error::from(vec![
                Diagnostic::error(
                    codes::NOT_DIFFERENTIABLE,
                    format!("cannot differentiate: the solve ended with status `{}`", out.status),
                )
                .note("a gradient is defined only at an optimal solution"),
            ]))
        }
    }

    /// Reverse mode: d(loss)/d(outputs) → d(loss)/d(parameters), the vector-Jacobian
    /// product at the solution `out` (made by [`Layer::forward`] on this layer).
    ///
    /// `dvars` maps output variable names, `dual:NAME` for a named constraint and
    /// `objective` to d(loss)/d(that value), each of that value's shape; missing ones
    /// count as zero. The gradient of a `symmetric`/`psd`/`nsd` parameter is the
    /// symmetric matrix S with dL = ⟨S, dX⟩ for symmetric dX.
    ///
    /// # Errors
    /// Refused (E0704) when the solve of `out` did not reach optimality or the
    /// derivative system is singular (try [`DiffOptions::smoothing`]); unknown names,
    /// wrong shapes and non-finite cotangents are E0702.
    ///
    /// # Example
    /// For y = max(x, 0), d(Σy)/dx = 1(x > 0), and the optimal value ‖y − x‖² has
    /// gradient 2(x − y):
    /// ```
    /// use dopt::{Array, Dims, Problem, Values};
    ///
    /// let text = "dim n\nparameter x[n]\nvariable y[n]\nminimize sum_squares(y - x)\n\
    ///             subject to\n    y >= 0\n";
    /// let layer = Problem::from_str("relu.dopt", text)?.compile(&Dims::new().with("n", 3))?;
    /// let out = layer.forward(&Values::from([("x".to_string(), Array::vector(&[1.0, -2.0, 0.5]))]))?;
    /// let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(p, q)| (p - q).abs() < 1e-6);
    ///
    /// let dy = Values::from([("y".to_string(), Array::vector(&[1.0, 1.0, 1.0]))]);
    /// let g = layer.backward(&out, &dy)?;
    /// assert!(close(&g.params["x"].data, &[1.0, 0.0, 1.0]));
    /// assert!(!g.degenerate);
    ///
    /// let dobj = Values::from([("objective".to_string(), Array::scalar(1.0))]);
    /// assert!(close(&layer.backward(&out, &dobj)?.params["x"].data, &[0.0, -4.0, 0.0]));
    /// # Ok::<(), dopt::Error>(())
    /// ```
    pub fn backward(&self, out: &Output, dvars: &Values) -> Result<Gradients, Error> {
        self.backward_with(out, dvars, &self.diff)
    }

    /// [`Layer::backward`] with other differentiation options for this call.
    pub fn backward_with(
        &self,
        out: &Output,
        dvars: &Values,
        opts: &DiffOptions,
    ) -> Result<Gradients, Error> {
        frontend::guard("Layer::backward", || self.backward_unguarded(out, dvars, opts))
    }

    fn backward_unguarded(
        &self,
        out: &Output,
        dvars: &Values,
        opts: &DiffOptions,
    ) -> Result<Gradients, Error> {
        self.refuse_unsolved(out)?;
        let (gx, gz, gobj) = self.cotangents(out, dvars).map_err(Error::from)?;
        let cp = &self.cone;
        if cp.n == 0 {
            // No variables: the value is r(θ) and z = 0 locally, so only the
            // objective's cotangent reaches θ, through the map's r row.
            let mut g = solve::data_direction(cp, &vec![0.0; cp.nparams]);
            g.r = gobj * cp.objective_sign;
            let dtheta = solve::data_adjoint(cp, &g);
            return Ok(Gradients {
                params: self.unflatten(&dtheta, true),
                degenerate: false,
                singular: false,
                residual: 0.0,
            });
        }
        let d = solve::data(cp, &out.theta);
        let kkt = self.kkt_at(out, &d, opts)?;
        let gs = vec![0.0; cp.m];
        let mut g = kkt.vjp(cp, &d, &gx, &gz, &gs);
        if gobj != 0.0 {
            let v = kkt.value_gradient(cp, gobj * cp.objective_sign);
            add_data(&mut g, &v);
        }
        let dtheta = solve::data_adjoint(cp, &g);
        Layer::refuse_unsolved_system(&kkt, &dtheta)?;
        let residual = kkt.residual.get();
        let singular = self.gradient_not_unique(&kkt);
        Ok(Gradients {
            params: self.unflatten(&dtheta, true),
            degenerate: kkt.degenerate,
            singular,
            residual,
        })
    }

    /// Forward mode: a direction dθ in parameter space (parameter name → array of its
    /// shape; missing parameters count as 0) → the directional derivatives of the
    /// output variables and of the named duals, as `(variables, duals)` keyed like
    /// [`Output::variables`] and [`Output::duals`].
    ///
    /// # Errors
    /// As for [`Layer::backward`]: a non-optimal `out` or a singular derivative system
    /// (E0704); unknown parameters, wrong shapes, non-finite entries (E0702).
    ///
    /// # Example
    /// ```
    /// use dopt::{Array, Dims, Problem, Values};
    ///
    /// let text = "dim n\nparameter x[n]\nvariable y[n]\nminimize sum_squares(y - x)\n\
    ///             subject to\n    pos: y >= 0\n";
    /// let layer = Problem::from_str("relu.dopt", text)?.compile(&Dims::new().with("n", 3))?;
    /// let out = layer.forward(&Values::from([("x".to_string(), Array::vector(&[1.0, -2.0, 0.5]))]))?;
    /// let dx = Values::from([("x".to_string(), Array::vector(&[1.0, 1.0, 1.0]))]);
    /// let (dvars, dduals) = layer.jvp(&out, &dx)?;
    /// let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(p, q)| (p - q).abs() < 1e-6);
    /// assert!(close(&dvars["y"].data, &[1.0, 0.0, 1.0]));
    /// assert!(close(&dduals["pos"].data, &[0.0, -2.0, 0.0])); // λ = −2x on the active entry
    /// # Ok::<(), dopt::Error>(())
    /// ```
    pub fn jvp(&self, out: &Output, dparams: &Values) -> Result<(Values, Values), Error> {
        self.jvp_with(out, dparams, &self.diff)
    }

    /// [`Layer::jvp`] with other differentiation options for this call.
    pub fn jvp_with(
        &self,
        out: &Output,
        dparams: &Values,
        opts: &DiffOptions,
    ) -> Result<(Values, Values), Error> {
        frontend::guard("Layer::jvp", || self.jvp_unguarded(out, dparams, opts))
    }

    fn jvp_unguarded(
        &self,
        out: &Output,
        dparams: &Values,
        opts: &DiffOptions,
    ) -> Result<(Values, Values), Error> {
        self.refuse_unsolved(out)?;
        let p = &self.sig;
        let cp = &self.cone;
        let mut dtheta = vec![0.0; cp.nparams];
        for (name, v) in dparams {
            let Some(k) = p.param(name) else {
                return Err(Error::from(vec![Diagnostic::error(
                    codes::BAD_PARAMETER,
                    format!("`{}` is not a parameter of this problem", clip(name)),
                )]));
            };
            if v.data.len() != v.shape.size() {
                return Err(Error::from(Diagnostic::error(
                    codes::BAD_PARAMETER,
                    format!("`{}`: {}", clip(name), malformed(v)),
                )));
            }
            if v.shape != p.params[k].shape {
                return Err(Error::from(vec![Diagnostic::error(
                    codes::BAD_PARAMETER,
                    format!("`{}`: expected shape {}, got {}", clip(name), p.params[k].shape, v.shape),
                )]));
            }
            if v.data.iter().any(|x| !x.is_finite()) {
                return Err(Error::from(vec![Diagnostic::error(
                    codes::BAD_PARAMETER,
                    format!("`{}`: values must be finite", clip(name)),
                )]));
            }
            dtheta[cp.param_entries[k].clone()].copy_from_slice(&v.data);
        }
        if cp.n == 0 {
            // No variables, and the multipliers stay at zero (see `solve_without_variables`).
            let fake = solve::RawSolution { x: Vec::new(), z: vec![0.0; cp.m], ..out.raw.clone() };
            let o = self.output(fake, dtheta);
            return Ok((o.variables, o.duals));
        }
        let d = solve::data(cp, &out.theta);
        let kkt = self.kkt_at(out, &d, opts)?;
        let dd = solve::data_direction(cp, &dtheta);
        let (dx, dy, _ds) = kkt.jvp(cp, &d, &dd);
        Layer::refuse_unsolved_system(&kkt, &dx)?;
        Layer::refuse_unsolved_system(&kkt, &dy)?;
        let fake = solve::RawSolution { x: dx, z: dy, s: vec![0.0; cp.m], ..out.raw.clone() };
        let o = self.output(fake, dtheta);
        Ok((o.variables, o.duals))
    }

    /// The derivative system at the solution `out`, factored (the symbolic part is
    /// made once per layer).
    fn kkt_at(&self, out: &Output, d: &solve::Data, opts: &DiffOptions) -> Result<Kkt, Error> {
        let sym = self.kkt.get_or_init(|| KktSymbolic::new(&self.cone));
        let kkt = Kkt::with_symbolic(sym, &self.cone, d, &out.raw.x, &out.raw.s, &out.raw.z, opts.smoothing);
        match kkt.error() {
            None => Ok(kkt),
            Some(why) => Err(Error::from(
                Diagnostic::error(codes::NOT_DIFFERENTIABLE, format!("cannot differentiate: {why}"))
                    .note("the derivative system at this solution is singular; --smoothing MU may help"),
            )),
        }
    }

    /// Whether the null space of a singular derivative system reaches data that
    /// depend on parameters, or the output variables: then some gradient is one choice
    /// among many. A null space on auxiliary variables alone (a free epigraph variable
    /// of `sum_largest`, or of `abs(u) <= 1` with the bound inactive) leaves every
    /// parameter's gradient unique and is not reported.
    fn gradient_not_unique(&self, kkt: &Kkt) -> bool {
        let Some((cols, rows)) = kkt.null_space() else { return false };
        let dep = self.dependence.get_or_init(|| Dependence::of(&self.cone));
        const SEEN: f64 = 1e-2;
        cols.iter().zip(&dep.cols).any(|(w, d)| *d && *w > SEEN)
            || rows.iter().zip(&dep.rows).any(|(w, d)| *d && *w > SEEN)
    }

    /// A derivative that came out non-finite is an error, never a NaN gradient.
    fn refuse_unsolved_system(kkt: &Kkt, v: &[f64]) -> Result<(), Error> {
        if v.iter().all(|t| t.is_finite()) {
            return Ok(());
        }
        Err(Error::from(
            Diagnostic::error(
                codes::NOT_DIFFERENTIABLE,
                format!(
                    "cannot differentiate: the derivative system could not be solved (residual {:.1e})",
                    kkt.residual.get()
                ),
            )
            .note("the solution may be degenerate; --smoothing MU gives an averaged gradient"),
        ))
    }

    /// θ-shaped vector → per-parameter arrays (symmetrized for symmetric parameters
    /// when `symmetrize`).
    fn unflatten(&self, theta: &[f64], symmetrize: bool) -> Values {
        let mut out = Values::new();
        for (k, d) in self.sig.params.iter().enumerate() {
            let mut data = theta[self.cone.param_entries[k].clone()].to_vec();
            let a = d.attrs;
            if symmetrize && (a.symmetric || a.psd || a.nsd) {
                let n = d.shape.dims()[0];
                for i in 0..n {
                    for j in 0..i {
                        let m = 0.5 * (data[i * n + j] + data[j * n + i]);
                        data[i * n + j] = m;
                        data[j * n + i] = m;
                    }
                }
            }
            out.insert(d.name.clone(), Array { shape: d.shape, data });
        }
        out
    }
}

fn add_data(g: &mut solve::Data, v: &solve::Data) {
    g.p.iter_mut().zip(&v.p).for_each(|(a, b)| *a += b);
    g.q.iter_mut().zip(&v.q).for_each(|(a, b)| *a += b);
    g.r += v.r;
    g.a.iter_mut().zip(&v.a).for_each(|(a, b)| *a += b);
    g.b.iter_mut().zip(&v.b).for_each(|(a, b)| *a += b);
}

/// Stack the duals of a `for` constraint's instances along a new first axis.
fn stack(parts: Vec<Array>) -> Array {
    if parts.len() == 1 {
        return parts.into_iter().next().unwrap_or_else(|| Array::scalar(0.0));
    }
    let inner = parts[0].shape;
    let shape = match inner.ndim() {
        0 => Shape::vector(parts.len()),
        1 => Shape::matrix(parts.len(), inner.dims()[0]),
        // Matrices per instance: flatten each instance into a row.
        _ => Shape::matrix(parts.len(), inner.size()),
    };
    Array { shape, data: parts.into_iter().flat_map(|a| a.data).collect() }
}

/// Most scalar entries of the declared parameters and variables together, and most
/// terms canonicalization produces ([`canon::MAX_TERMS`], counted as the work goes):
/// beyond this the cone program would not fit in memory, and the allocator would
/// abort the process instead of reporting an error.
pub const MAX_PROBLEM_ENTRIES: usize = canon::MAX_TERMS;

/// The cone program of a checked, DCP and DPP program: the size guard, then
/// canonicalization (which enforces its term budget as it goes). `dopt check` runs
/// this too, so that it accepts exactly the files that compile.
pub fn cone_program(program: &Program, analysis: &Analysis) -> Result<ConeProgram, Diagnostic> {
    check_size(program)?;
    canon::canonicalize(program, &analysis.dcp).map_err(|e| e.diagnostic())
}

/// Refuse declarations too large to compile (before any of their entries is built),
/// naming the largest.
fn check_size(program: &Program) -> Result<(), Diagnostic> {
    let decls = || program.params.iter().chain(&program.vars);
    let total = decls().fold(0usize, |a, d| a.saturating_add(d.shape.size()));
    if total <= MAX_PROBLEM_ENTRIES {
        return Ok(());
    }
    let mut d = Diagnostic::error(
        codes::CANON,
        format!(
            "the problem is too large to compile: its parameters and variables have {total} \
             scalar entries (the limit is {MAX_PROBLEM_ENTRIES})"
        ),
    );
    if let Some(big) = decls().max_by_key(|d| d.shape.size()) {
        d = d
            .primary(big.span, format!("`{}` alone has {} entries", big.name, big.shape.size()))
            .help("check the dims (`--dim`)");
    }
    Err(d)
}

/// The message for an `Array` whose data does not fill its shape.
fn malformed(v: &Array) -> String {
    format!("the array has shape {} but {} entries (it needs {})", v.shape, v.data.len(), v.shape.size())
}

fn check_value(decl: &crate::ir::hir::Decl, v: &Array) -> Result<(), String> {
    if v.shape != decl.shape {
        let hint = if decl.shape_text.is_empty() {
            String::new()
        } else {
            format!(" (declared {})", decl.shape_text)
        };
        return Err(format!("expected shape {}{hint}, got {}", decl.shape, v.shape));
    }
    if v.data.len() != v.shape.size() {
        return Err(malformed(v));
    }
    if let Some((i, x)) = v.data.iter().enumerate().find(|(_, x)| !x.is_finite()) {
        return Err(format!("entry {i} is {x}; values must be finite"));
    }
    let a = decl.attrs;
    if a.nonneg
        && let Some((i, x)) = v.data.iter().enumerate().find(|(_, x)| **x < 0.0)
    {
        return Err(format!("declared `nonneg`, but entry {i} is {x}"));
    }
    if a.nonpos
        && let Some((i, x)) = v.data.iter().enumerate().find(|(_, x)| **x > 0.0)
    {
        return Err(format!("declared `nonpos`, but entry {i} is {x}"));
    }
    if (a.symmetric || a.psd || a.nsd) && !symmetric_within(v, ATTR_RTOL) {
        return Err("declared symmetric (or psd/nsd), but the value is not symmetric".into());
    }
    let scale = v.data.iter().fold(1.0f64, |m, x| m.max(x.abs()));
    if a.psd {
        let l = linalg::sym_eigvals(v);
        if l[0] < -ATTR_RTOL * scale {
            return Err(format!("declared `psd`, but its smallest eigenvalue is {:.3e}", l[0]));
        }
    }
    if a.nsd {
        let l = linalg::sym_eigvals(v);
        if l[l.len() - 1] > ATTR_RTOL * scale {
            return Err(format!("declared `nsd`, but its largest eigenvalue is {:.3e}", l[l.len() - 1]));
        }
    }
    Ok(())
}

fn symmetric_within(v: &Array, rtol: f64) -> bool {
    let (m, n) = v.shape.rows_cols();
    let scale = v.data.iter().fold(1.0f64, |acc, x| acc.max(x.abs()));
    m == n && (0..n).all(|i| (0..i).all(|j| (v.data[i * n + j] - v.data[j * n + i]).abs() <= rtol * scale))
}

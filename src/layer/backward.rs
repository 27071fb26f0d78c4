//! The backward pass: cotangents of the outputs mapped onto the cone program,
//! reverse mode ([`Layer::backward`]) and forward mode ([`Layer::jvp`]) through the
//! derivative system, and the refusals of points that cannot be differentiated.

use super::handles::CotangentValues;
use super::signature::malformed;
use super::{Dependence, Layer, Output};
use crate::diag::{Diagnostic, codes, suggest};
use crate::diff::derivative::{self, Kkt, KktSymbolic, System};
use crate::frontend::{self, Failure as Error};
use crate::ir::cone::RowLayout;
use crate::qp::kkt::ActiveKkt;
use crate::solve;
use crate::values::{Values, clip};

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
    /// Add the cotangent `g` (row-major, the declared shape) of variable `v` (an index
    /// into [`Signature::vars`](super::Signature::vars)) onto the cone program's x.
    pub(super) fn add_variable_cotangent(&self, v: usize, g: &[f64], gx: &mut [f64]) {
        let cp = &self.cone;
        for (c, d) in cp.var_cols[v].clone().zip(cp.var_layout[v].read_adjoint(g)) {
            gx[c] += d;
        }
    }

    /// Add the cotangent `g` of the dual of the constraints labelled `label` (the
    /// shape of [`Output::duals`]`[label]`) onto the cone program's z.
    pub(super) fn add_dual_cotangent(&self, label: &str, g: &[f64], gz: &mut [f64]) {
        // Walk the instances in the order `output` stacked them.
        let mut at = 0;
        for rows in &self.cone.constraint_rows {
            let con = &self.sig.constraints[rows.constraint];
            if con.label.as_deref() != Some(label) {
                continue;
            }
            let entries = match rows.layout {
                RowLayout::Elementwise => rows.rows.len(),
                RowLayout::Psd(n) | RowLayout::Triangle(n) => n * n,
            };
            let gr = rows.layout.read_adjoint(&g[at..at + entries]);
            for (r, v) in rows.rows.clone().zip(gr) {
                gz[r] += rows.sign * v;
            }
            at += entries;
        }
    }

    /// Cotangents of the outputs (variables, `dual:NAME`, `objective`) as vectors over
    /// the cone program's x and z, and the objective's cotangent.
    pub(super) fn cotangent_vectors(
        &self,
        out: &Output,
        dvars: &Values,
    ) -> Result<(Vec<f64>, Vec<f64>, f64), Vec<Diagnostic>> {
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
                self.add_dual_cotangent(label, &g.data, &mut gz);
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
                let g = self.cotangent_to_log(out, v, &g.data);
                self.add_variable_cotangent(v, &g, &mut gx);
                continue;
            }
            if name == "objective" {
                match g.as_scalar() {
                    Some(v) => gobj = self.objective_cotangent_to_log(out, v),
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
            self.cotangent_vectors(out, dvars).map(|_| ()).map_err(Error::from)
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
    /// count as zero. It is a [`Values`], or [`Cotangents`](super::Cotangents) set
    /// through output handles (checked when set). The gradient of a
    /// `symmetric`/`psd`/`nsd` parameter is the symmetric matrix S with dL = ⟨S, dX⟩
    /// for symmetric dX.
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
    pub fn backward<C: CotangentValues + ?Sized>(&self, out: &Output, dvars: &C) -> Result<Gradients, Error> {
        self.backward_with(out, dvars, &self.diff)
    }

    /// [`Layer::backward`] with other differentiation options for this call.
    pub fn backward_with<C: CotangentValues + ?Sized>(
        &self,
        out: &Output,
        dvars: &C,
        opts: &DiffOptions,
    ) -> Result<Gradients, Error> {
        frontend::guard("Layer::backward", || self.backward_in(out, dvars, opts, 0))
    }

    /// [`Layer::backward_with`] (unguarded) for an output whose forward call used the
    /// active-set warm-start slot `slot` (batch member index; 0 for a single call).
    pub(super) fn backward_in<C: CotangentValues + ?Sized>(
        &self,
        out: &Output,
        dvars: &C,
        opts: &DiffOptions,
        slot: usize,
    ) -> Result<Gradients, Error> {
        self.refuse_unsolved(out)?;
        let (gx, gz, gobj) = dvars.vectors_for(self, out)?;
        let cp = &self.cone;
        if cp.n == 0 {
            // No variables: the value is r(θ) and z = 0 locally, so only the
            // objective's cotangent reaches θ, through the map's r row.
            let mut g = solve::data_direction(cp, &vec![0.0; cp.nparams]);
            g.r = gobj * cp.objective_sign;
            let mut dtheta = solve::data_adjoint(cp, &g);
            self.divide_by_parameters(out, &mut dtheta);
            return Ok(Gradients {
                params: self.unflatten(&dtheta, true),
                degenerate: false,
                singular: false,
                residual: 0.0,
            });
        }
        let d = solve::data(cp, &out.theta);
        let gs = vec![0.0; cp.m];
        if let Some(dense) = self.active_kkt_at(out, &d, opts, slot) {
            let g = derivative::vjp(&dense, cp, &d, &gx, &gz, &gs);
            let mut dtheta = self.theta_gradient(g, gobj, &dense);
            if !dense.failed() && dtheta.iter().all(|t| t.is_finite()) {
                self.divide_by_parameters(out, &mut dtheta);
                return Ok(Gradients {
                    params: self.unflatten(&dtheta, true),
                    degenerate: false,
                    singular: false,
                    residual: dense.residual(),
                });
            }
        }
        let kkt = self.kkt_at(out, &d, opts)?;
        let g = kkt.vjp(cp, &d, &gx, &gz, &gs);
        let mut dtheta = self.theta_gradient(g, gobj, &kkt);
        Layer::refuse_unsolved_system(&kkt, &dtheta)?;
        self.divide_by_parameters(out, &mut dtheta);
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
        self.divide_by_parameters(out, &mut dtheta);
        if cp.n == 0 {
            // No variables, and the multipliers stay at zero (see `solve_without_variables`).
            let fake = solve::RawSolution { x: Vec::new(), z: vec![0.0; cp.m], ..out.raw.clone() };
            let o = self.read_output(fake, dtheta);
            return Ok((o.variables, o.duals));
        }
        let d = solve::data(cp, &out.theta);
        let dd = solve::data_direction(cp, &dtheta);
        let dense = self.active_kkt_at(out, &d, opts, 0).and_then(|dense| {
            let (dx, dy, _ds) = derivative::jvp(&dense, cp, &d, &dd);
            let finite = dx.iter().chain(&dy).all(|t| t.is_finite());
            (!dense.failed() && finite).then_some((dx, dy))
        });
        let (dx, dy) = match dense {
            Some(v) => v,
            None => {
                let kkt = self.kkt_at(out, &d, opts)?;
                let (dx, dy, _ds) = kkt.jvp(cp, &d, &dd);
                Layer::refuse_unsolved_system(&kkt, &dx)?;
                Layer::refuse_unsolved_system(&kkt, &dy)?;
                (dx, dy)
            }
        };
        let fake = solve::RawSolution { x: dx, z: dy, s: vec![0.0; cp.m], ..out.raw.clone() };
        let mut o = self.read_output(fake, dtheta);
        self.tangent_from_log(out, &mut o.variables);
        Ok((o.variables, o.duals))
    }

    /// The dense derivative system of an active-set solution (`qp::kkt`), when it
    /// applies: `out` was solved by the active set, the projections are exact, no row
    /// is weakly active (the sparse path's rule, so its `degenerate` flag would be
    /// false), and the system on the active rows is safely nonsingular (so its
    /// `singular` flag would be false), and it is the cheaper of the two
    /// (`qp::kkt::is_cheaper`). Otherwise the sparse path answers. Uses the
    /// factorization the forward call left in warm-start slot `slot` when it fits.
    fn active_kkt_at(
        &self,
        out: &Output,
        d: &solve::Data,
        opts: &DiffOptions,
        slot: usize,
    ) -> Option<ActiveKkt<'_>> {
        let raw = &out.raw;
        let smoothed = matches!(opts.smoothing, Some(mu) if mu > 0.0);
        if raw.solver != solve::SolvedBy::ActiveSet
            || smoothed
            || derivative::qp_weakly_active(&self.cone, &raw.s, &raw.z)
        {
            return None;
        }
        let sym = self.kkt.get_or_init(|| KktSymbolic::new(&self.cone));
        if !crate::qp::kkt::is_cheaper(self.cone.n, sym.nnz().1) {
            return None;
        }
        ActiveKkt::new(&self.cone, d, &self.plan, (&raw.x, &raw.s, &raw.z), Some((&self.warm, slot)))
    }

    /// The parameter gradient (before [`Layer::divide_by_parameters`]) of the data
    /// gradient `g` plus the objective's cotangent `gobj`, whose data gradient is the
    /// optimal value's at the solution of `sys`.
    fn theta_gradient<S: System>(&self, mut g: solve::Data, gobj: f64, sys: &S) -> Vec<f64> {
        let cp = &self.cone;
        if gobj != 0.0 {
            let v = derivative::value_gradient(cp, sys.x(), sys.y(), gobj * cp.objective_sign);
            add_data(&mut g, &v);
        }
        solve::data_adjoint(cp, &g)
    }

    /// The derivative system at the solution `out`, factored (the symbolic part is
    /// made once per layer).
    fn kkt_at(&self, out: &Output, d: &solve::Data, opts: &DiffOptions) -> Result<Kkt, Error> {
        let sym = self.kkt.get_or_init(|| KktSymbolic::new(&self.cone));
        let kkt = Kkt::with_symbolic(sym, &self.cone, d, &out.raw.x, &out.raw.s, &out.raw.z, opts.smoothing);
        match kkt.error() {
            None => Ok(kkt),
            Some(why) => Err(Error::from(
                Diagnostic::error(codes::NOT_DIFFERENTIABLE, format!("cannot differentiate: {why}")).note(
                    "the derivative system at this solution is singular; the `smoothing` option may help",
                ),
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
            .note("the solution may be degenerate; the `smoothing` option gives an averaged gradient"),
        ))
    }
}

fn add_data(g: &mut solve::Data, v: &solve::Data) {
    g.p.iter_mut().zip(&v.p).for_each(|(a, b)| *a += b);
    g.q.iter_mut().zip(&v.q).for_each(|(a, b)| *a += b);
    g.r += v.r;
    g.a.iter_mut().zip(&v.a).for_each(|(a, b)| *a += b);
    g.b.iter_mut().zip(&v.b).for_each(|(a, b)| *a += b);
}

/// The dense system of an active-set solution, for the formulas of
/// [`derivative::jvp`] and [`derivative::vjp`].
impl System for ActiveKkt<'_> {
    fn solve_parts(&self, r1: &[f64], r2: &[f64]) -> (Vec<f64>, Vec<f64>) {
        self.solve(r1, r2)
    }

    fn x(&self) -> &[f64] {
        ActiveKkt::x(self)
    }

    fn y(&self) -> &[f64] {
        ActiveKkt::y(self)
    }
}

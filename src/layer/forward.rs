//! The forward pass: solve for parameter values and read the variables and the
//! signed duals of the named constraints out of the cone program's solution.

use super::Layer;
use super::handles::ParamValues;
use crate::diag::{Diagnostic, codes};
use crate::frontend::{self, Failure as Error};
use crate::ir::cone::RowLayout;
use crate::ir::hir::Array;
use crate::ir::shape::Shape;
use crate::solve::{self, Settings, Status};
use crate::values::Values;

/// A name and a shape (see [`Layer::output_shapes`]).
pub type Named = (String, Shape);

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
    /// parameter, parameters in declaration order; log p for a geometric program).
    pub theta: Vec<f64>,
}

impl Layer {
    /// Solve for one parameter value (with [`Layer::settings`]). `values` is a
    /// [`Values`] mapping every parameter name to an array of its declared shape, or
    /// [`Inputs`](super::Inputs) set through parameter handles (checked when set).
    ///
    /// # Errors
    /// Unknown or missing parameters, wrong shapes, non-finite entries and values that
    /// break a declared attribute (`nonneg`, `psd`, … within [`ATTR_RTOL`](super::ATTR_RTOL)) are errors
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
    pub fn forward<P: ParamValues + ?Sized>(&self, values: &P) -> Result<Output, Error> {
        self.forward_with(values, &self.settings)
    }

    /// [`Layer::forward`] with other solver settings for this call.
    pub fn forward_with<P: ParamValues + ?Sized>(
        &self,
        values: &P,
        settings: &Settings,
    ) -> Result<Output, Error> {
        frontend::guard("Layer::forward", || {
            let mut ws = self.take_solver(0);
            let out = self.forward_in(values, settings, &mut ws, 0);
            self.put_solver(0, ws);
            out
        })
    }

    /// The solver kept in the pool's place `slot` (0 for a single call, c for a batch's
    /// chunk c), if there is one (else the call sets one up). A reused solver keeps the
    /// equilibration of the data it was set up with, so its answers carry the last bits
    /// of its history: a fixed place per caller keeps that history the same from run to
    /// run (a batch's chunks would otherwise take whichever solver was free first).
    pub(super) fn take_solver(&self, slot: usize) -> Option<solve::Workspace> {
        // A pool poisoned by a caught panic is still a valid list of solvers.
        self.solvers.lock().unwrap_or_else(|e| e.into_inner()).get_mut(slot).and_then(Option::take)
    }

    /// Return a solver to its place in the pool for the next call (a place taken
    /// meanwhile by a concurrent call keeps that call's solver).
    pub(super) fn put_solver(&self, slot: usize, ws: Option<solve::Workspace>) {
        if let Some(w) = ws {
            let mut pool = self.solvers.lock().unwrap_or_else(|e| e.into_inner());
            if pool.len() <= slot {
                pool.resize_with(slot + 1, || None);
            }
            pool[slot].get_or_insert(w);
        }
    }

    /// [`Layer::forward_with`] on the solver `ws` (a batch keeps one per thread), with
    /// the active-set solver's warm start from `slot` (batch member index; 0 for a
    /// single call).
    pub(super) fn forward_in<P: ParamValues + ?Sized>(
        &self,
        values: &P,
        settings: &Settings,
        ws: &mut Option<solve::Workspace>,
        slot: usize,
    ) -> Result<Output, Error> {
        let theta = values.theta_for(self)?;
        let d = solve::data(&self.cone, &theta);
        let raw = crate::qp::solve(&self.cone, &d, settings, &self.plan, ws, Some((&self.warm, slot)))
            .map_err(|e| Error::from(vec![Diagnostic::error(codes::SOLVER_SETUP, e)]))?;
        Ok(self.output_mapped(raw, theta))
    }

    /// Rebuild the [`Output`] of an optimal solve from the parameter values and the raw
    /// cone-program solution `(x, s, z)` of [`Output::raw`], without solving: for callers
    /// that carry the solution between the forward and the backward pass as plain arrays
    /// (JAX's residuals). The result is marked optimal, so [`Layer::backward`] accepts it;
    /// the caller vouches that it came from an optimal solve at these values.
    ///
    /// # Errors
    /// The parameter errors of [`Layer::forward`], and E0702 when the lengths of `x`
    /// (n) or `s`, `z` (m) are not the cone program's or an entry is not finite.
    pub fn output_from_raw(
        &self,
        values: &Values,
        x: Vec<f64>,
        s: Vec<f64>,
        z: Vec<f64>,
    ) -> Result<Output, Error> {
        frontend::guard("Layer::output_from_raw", || {
            let theta = self.theta(values).map_err(Error::from)?;
            let (n, m) = (self.cone.n, self.cone.m);
            if x.len() != n || s.len() != m || z.len() != m {
                return Err(Error::from(Diagnostic::error(
                    codes::BAD_PARAMETER,
                    format!(
                        "a raw solution of this layer has x of length {n} and s, z of length {m}, not {}, {} and {}",
                        x.len(),
                        s.len(),
                        z.len()
                    ),
                )));
            }
            if x.iter().chain(&s).chain(&z).any(|v| !v.is_finite()) {
                return Err(Error::from(Diagnostic::error(
                    codes::BAD_PARAMETER,
                    "the raw solution has an entry that is not finite",
                )));
            }
            let d = solve::data(&self.cone, &theta);
            let objective = solve::objective_at(&self.cone, &d, &x);
            let raw = solve::RawSolution {
                status: Status::Optimal,
                x,
                s,
                z,
                objective,
                solve_time: 0.0,
                setup_time: 0.0,
                iterations: 0,
                solver: solve::SolvedBy::Clarabel,
            };
            Ok(self.output_mapped(raw, theta))
        })
    }

    /// The names and shapes of what [`Layer::forward`] returns, before any call: the
    /// output variables, then the duals of the named constraints (both in the order of
    /// [`Output::variables`] and [`Output::duals`]).
    pub fn output_shapes(&self) -> (Vec<Named>, Vec<Named>) {
        let raw = solve::RawSolution {
            status: Status::NumericalError,
            x: vec![0.0; self.cone.n],
            s: vec![0.0; self.cone.m],
            z: vec![0.0; self.cone.m],
            objective: 0.0,
            solve_time: 0.0,
            setup_time: 0.0,
            iterations: 0,
            solver: solve::SolvedBy::Clarabel,
        };
        let out = self.read_output(raw, vec![0.0; self.cone.nparams]);
        let shapes = |v: &Values| v.iter().map(|(k, a)| (k.clone(), a.shape)).collect();
        (shapes(&out.variables), shapes(&out.duals))
    }

    pub(super) fn read_output(&self, raw: solve::RawSolution, theta: Vec<f64>) -> Output {
        let p = &self.sig;
        let cp = &self.cone;
        let mut variables = Values::new();
        for &v in &p.outputs {
            let d = &p.vars[v];
            let data = cp.var_layout[v].read(&raw.x[cp.var_cols[v].clone()]);
            variables.insert(d.name.clone(), Array { shape: d.shape, data });
        }
        let mut duals = Values::new();
        for label in self.dual_labels() {
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

//! The value maps of a geometric-program layer ([`Signature::geometric`]): its cone
//! program is the log-domain problem of `dgp` (u = log x, parameters log p), and the
//! layer speaks the original positive quantities. So a call takes p > 0 and passes
//! log p; the variables come out as x = exp(u) and the objective as exp of the
//! log-domain optimum; and by the chain rule the backward pass takes dL/du = dL/dx ⊙ x
//! and dL/d(log f) = dL/df · f, and returns dL/dp = dL/d(log p) / p (forward mode:
//! d(log p) = dp / p in, dx = x ⊙ du out). The duals are those of the log-domain
//! constraints, as cvxpy reports them for `gp=True`. Other layers pass through.

use super::{Layer, Output, Signature};
use crate::ir::hir::Array;
use crate::values::Values;

/// A parameter value of a geometric program must be positive (every entry > 0).
pub(super) fn check_positive(sig: &Signature, v: &Array) -> Result<(), String> {
    check_positive_if(sig.geometric, v)
}

/// [`check_positive`] when `geometric` (for a value set through a handle).
pub(super) fn check_positive_if(geometric: bool, v: &Array) -> Result<(), String> {
    if !geometric {
        return Ok(());
    }
    match v.data.iter().enumerate().find(|(_, x)| x.is_nan() || **x <= 0.0) {
        Some((i, x)) => Err(format!(
            "entry {i} is {x}, but a geometric program's parameters must be positive (its layer takes their logarithms)"
        )),
        None => Ok(()),
    }
}

/// θ (checked positive) → log θ, in place.
pub(super) fn log_theta(sig: &Signature, theta: &mut [f64]) {
    if sig.geometric {
        theta.iter_mut().for_each(|t| *t = t.ln());
    }
}

impl Layer {
    /// The output of a solve, with a geometric program's variables and objective
    /// mapped back from the log domain (exp).
    pub(super) fn output_mapped(&self, raw: crate::solve::RawSolution, theta: Vec<f64>) -> Output {
        let mut out = self.read_output(raw, theta);
        if self.sig.geometric {
            for v in out.variables.values_mut() {
                v.data.iter_mut().for_each(|x| *x = x.exp());
            }
            if self.sig.has_objective {
                out.objective = out.objective.exp();
            }
        }
        out
    }

    /// d(loss)/dx → d(loss)/du = d(loss)/dx ⊙ x for the variable `v` of a geometric
    /// program (x = exp(u) read from the raw solution); other layers pass through.
    pub(super) fn cotangent_to_log(&self, out: &Output, v: usize, g: &[f64]) -> Vec<f64> {
        if !self.sig.geometric {
            return g.to_vec();
        }
        let cp = &self.cone;
        let u = cp.var_layout[v].read(&out.raw.x[cp.var_cols[v].clone()]);
        g.iter().zip(u).map(|(g, u)| g * u.exp()).collect()
    }

    /// d(loss)/d(objective) → d(loss)/d(log-domain objective) = · objective.
    pub(super) fn objective_cotangent_to_log(&self, out: &Output, g: f64) -> f64 {
        if self.sig.geometric { g * out.objective } else { g }
    }

    /// Divide by p, in place (θ of `out` is log p): d(loss)/d(log p) → d(loss)/dp in
    /// reverse mode, and a direction dp → d(log p) in forward mode.
    pub(super) fn divide_by_parameters(&self, out: &Output, dtheta: &mut [f64]) {
        if self.sig.geometric {
            dtheta.iter_mut().zip(&out.theta).for_each(|(g, t)| *g /= t.exp());
        }
    }

    /// Directional derivatives du of the output variables → dx = x ⊙ du.
    pub(super) fn tangent_from_log(&self, out: &Output, dvars: &mut Values) {
        if !self.sig.geometric {
            return;
        }
        for (name, d) in dvars.iter_mut() {
            if let Some(x) = out.variables.get(name) {
                d.data.iter_mut().zip(&x.data).for_each(|(d, x)| *d *= x);
            }
        }
    }
}

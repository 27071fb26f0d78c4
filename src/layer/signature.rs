//! The interface of a layer ([`Signature`]) and the checks and conversions of
//! parameter values against it: validation against the declarations (E0702),
//! flattening into θ and back.

use super::Layer;
use crate::diag::{Diagnostic, codes, suggest};
use crate::ir::hir::{Array, Decl, Program};
use crate::ir::shape::Shape;
use crate::linalg;
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
    /// A geometric program solved in the log domain: parameter values p > 0 enter the
    /// cone program as log p, and the variables and the objective leave it as exp(·)
    /// (`dgp`; the map is in `super::gp`).
    pub geometric: bool,
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
    pub(super) fn of(program: &Program, source: &str) -> Signature {
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
            geometric: program.geometric.is_some(),
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
    /// The error for a name that is not a parameter, with the nearest parameter's
    /// name or the list of them.
    pub(super) fn unknown_param(&self, name: &str) -> Diagnostic {
        let d = Diagnostic::error(
            codes::BAD_PARAMETER,
            format!("`{}` is not a parameter of this problem", clip(name)),
        );
        match suggest::best_match(name, self.params.iter().map(|d| d.name.as_str())) {
            Some(s) => d.help(format!("did you mean `{s}`?")),
            None => {
                let names: Vec<&str> = self.params.iter().map(|d| d.name.as_str()).collect();
                d.note(format!("the parameters are: {}", names.join(", ")))
            }
        }
    }
    /// The error for parameter `k` given no value.
    pub(super) fn missing_param(&self, k: usize) -> Diagnostic {
        let decl = &self.params[k];
        Diagnostic::error(codes::BAD_PARAMETER, format!("no value for parameter `{}`", decl.name))
            .note(format!("`{}` has shape {}", decl.name, decl.shape))
    }
}

impl Layer {
    /// Check parameter values against the declarations and flatten them into θ
    /// (row-major per parameter, in declaration order; the logarithms of a geometric
    /// program's values, which must be positive); the errors are those of
    /// [`Layer::forward`], every one of them.
    pub fn theta(&self, values: &Values) -> Result<Vec<f64>, Vec<Diagnostic>> {
        let p = &self.sig;
        let mut errs = Vec::new();
        for name in values.keys() {
            if p.param(name).is_none() {
                errs.push(p.unknown_param(name));
            }
        }
        let mut theta = vec![0.0; self.cone.nparams];
        for (k, decl) in p.params.iter().enumerate() {
            let Some(v) = values.get(&decl.name) else {
                errs.push(p.missing_param(k));
                continue;
            };
            if let Err(d) = check_param(decl, v).and_then(|()| {
                super::gp::check_positive(p, v).map_err(|msg| {
                    Diagnostic::error(codes::BAD_PARAMETER, format!("parameter `{}`: {msg}", decl.name))
                })
            }) {
                errs.push(d);
                continue;
            }
            theta[self.cone.param_entries[k].clone()].copy_from_slice(&v.data);
        }
        super::gp::log_theta(p, &mut theta);
        if errs.is_empty() { Ok(theta) } else { Err(errs) }
    }

    /// θ-shaped vector → per-parameter arrays (symmetrized for symmetric parameters
    /// when `symmetrize`).
    pub(super) fn unflatten(&self, theta: &[f64], symmetrize: bool) -> Values {
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

/// The message for an `Array` whose data does not fill its shape.
pub(super) fn malformed(v: &Array) -> String {
    format!("the array has shape {} but {} entries (it needs {})", v.shape, v.data.len(), v.shape.size())
}

/// Check a value of the parameter `decl` (shape, finiteness, declared attributes);
/// the error names the parameter.
pub(super) fn check_param(decl: &Decl, v: &Array) -> Result<(), Diagnostic> {
    check_value(decl, v)
        .map_err(|msg| Diagnostic::error(codes::BAD_PARAMETER, format!("parameter `{}`: {msg}", decl.name)))
}

fn check_value(decl: &Decl, v: &Array) -> Result<(), String> {
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
    // A Cholesky factor of v + ½·tol·I proves the promise at a fifth of the cost of
    // the eigenvalues, which decide (and name the offending one) otherwise.
    if a.psd && !linalg::shifted_cholesky_exists(v, 0.5 * ATTR_RTOL * scale) {
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

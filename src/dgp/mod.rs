//! Geometric programs (cvxpy's DGP): a problem marked `geometric` is checked by the
//! log-log curvature rules and rewritten, by the change of variables u = log x, into
//! a convex program in the same HIR, which the DCP analysis, canonicalization, solve
//! and backward pass then treat like any other. The layer maps values across the
//! change of variables (`layer::signature`, `layer::forward`, `layer::backward`):
//! parameters p > 0 enter as log p, variables leave as exp(u).
//!
//! In the log domain every expression e of the GP is represented by a node for log e:
//! a monomial c·Πxᵢ^aᵢ becomes the affine log c + Σ aᵢuᵢ, a sum (posynomial) the
//! `log_sum_exp` of its terms, a product a sum, a quotient a difference,
//! `power(e, p)` the multiple p·log e, `max`/`min` stay themselves. The log-log
//! curvature of e is then exactly the DCP curvature of log e: log-log affine
//! (monomial) ⇔ affine, log-log convex ⇔ convex, log-log concave ⇔ concave. So the
//! DGP rules are checked on the transformed program's DCP facts, and the diagnostics
//! are worded for the expressions as written (`explain`).

mod explain;
mod transform;

pub use transform::{Transformed, transform};

use crate::dcp::analyze::{Facts, Mode, analyze};
use crate::diag::Diagnostic;
use crate::ir::hir::Program;
use crate::source::SourceFile;
use std::collections::HashSet;

/// Check a `geometric` program by the DGP rules and return its log-domain form (still
/// to be analyzed by `dcp::check`, which then accepts it). The errors name the
/// expressions as written.
pub fn log_program(p: &Program, src: &SourceFile) -> Result<Program, Vec<Diagnostic>> {
    let t = transform(p, src)?;
    let facts = analyze(&t.program, Mode::Dcp, &HashSet::new());
    explain::check_rules(p, &t, &facts, src)?;
    Ok(t.program)
}

/// Whether a program not marked `geometric` would pass the DGP rules (for the hint
/// on a DCP rejection): it has a variable, and transforms and checks cleanly.
pub fn is_geometric(p: &Program, src: &SourceFile) -> bool {
    !p.vars.is_empty() && log_program(p, src).is_ok()
}

/// The log-log curvature of a transformed node, in DGP words.
pub(crate) fn log_log_words(f: &Facts, t: &Transformed, id: crate::ir::hir::NodeId) -> &'static str {
    use crate::ir::algebra::Curvature;
    match t.curvature(f, id) {
        Curvature::Constant => "a positive constant",
        Curvature::Affine => "log-log affine (a monomial)",
        Curvature::Convex => "log-log convex",
        Curvature::Concave => "log-log concave",
        _ => "neither log-log convex nor log-log concave",
    }
}

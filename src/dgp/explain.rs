//! The DGP rules, checked on the log-domain program's DCP facts and explained in
//! terms of the expressions as written: the smallest subexpression with no log-log
//! curvature, an objective of the wrong log-log curvature, a constraint that is not
//! `log-log convex <= log-log concave` or `monomial == monomial`.

use super::log_log_words;
use super::transform::{Transformed, Val};
use crate::dcp::analyze::Facts;
use crate::diag::{Diagnostic, codes};
use crate::ir::algebra::Curvature;
use crate::ir::ast::Sense;
use crate::ir::hir::{CmpKind, NodeId, Op, Program};
use crate::source::{SourceFile, Span};

/// Check the DGP rules; the errors (E0510) point at what breaks them.
pub fn check_rules(p: &Program, t: &Transformed, f: &Facts, src: &SourceFile) -> Result<(), Vec<Diagnostic>> {
    let text = |span: Span| {
        let s: String = src.snippet(span).split_whitespace().collect::<Vec<_>>().join(" ");
        if s.chars().count() > 60 { format!("{}...", s.chars().take(57).collect::<String>()) } else { s }
    };
    let label = |d: Diagnostic, id: NodeId| d.secondary(p.node(id).span, log_log_words(f, t, id));
    // The first node (operands come first) with no log-log curvature whose operands
    // all have one: the smallest offending subexpression.
    let known = |id: NodeId| t.vals[id.index()].is_some() && t.curvature(f, id).is_known();
    for (i, node) in p.nodes.iter().enumerate() {
        let id = NodeId(i as u32);
        if t.vals[i].is_none() || known(id) {
            continue;
        }
        let args = node.op.args();
        if !args.iter().all(|a| t.vals[a.index()].is_none() || known(*a)) {
            continue;
        }
        let (what, rule) = match (&node.op, &t.vals[i]) {
            (_, Some(Val::Sum(..))) | (Op::Add(..), _) => (
                "a sum",
                "a sum is log-log convex when every term is (a posynomial: a sum of monomials); a log-log concave term makes it neither",
            ),
            (Op::Mul(..), _) => (
                "a product",
                "a product is log-log convex when both factors are, log-log concave when both are",
            ),
            (Op::Div(..), _) => (
                "a quotient",
                "a/b is log-log convex when a is log-log convex and b log-log concave (a monomial divisor keeps a's curvature)",
            ),
            (Op::MatMul(..), _) => (
                "a matrix product",
                "each entry of A @ B is a sum of products: its terms must be log-log convex",
            ),
            (Op::Atom(a, ..), _) if a.name() == "one_minus_pos" => (
                a.name(),
                "one_minus_pos(x) = 1 − x is log-log concave and decreasing in x: it needs a log-log convex x (a posynomial)",
            ),
            (Op::Atom(a, ..), _) if a.name() == "diff_pos" => (
                a.name(),
                "diff_pos(x, y) = x − y is log-log concave, increasing in x and decreasing in y: it needs x log-log concave (a monomial) and y log-log convex (a posynomial)",
            ),
            (Op::Atom(a, ..), _) => (
                a.name(),
                "an atom keeps its argument's log-log curvature only when the argument's curvature fits the atom: max, sum and the norms need log-log convex arguments, min needs log-log concave ones, power(e, p) with p < 0 swaps convex and concave",
            ),
            _ => ("an expression", "its operands do not combine into a log-log convex or concave expression"),
        };
        let mut d = Diagnostic::error(
            codes::DGP_CURVATURE,
            format!("`{}` ({what}) is neither log-log convex nor log-log concave", text(node.span)),
        )
        .primary(node.span, "no log-log curvature: not DGP");
        let mut seen = Vec::new();
        for a in args {
            if !seen.contains(&a) && t.vals[a.index()].is_some() {
                seen.push(a);
                d = label(d, a);
            }
        }
        return Err(vec![d.note(rule).help(
            "a geometric program minimizes a posynomial (or a max of them) subject to `posynomial <= monomial` and `monomial == monomial`",
        )]);
    }
    let mut errs = Vec::new();
    if let Some(o) = &p.objective {
        let c = t.curvature(f, o.expr);
        let (ok, want) = match o.sense {
            Sense::Minimize => (c.is_convex(), "log-log convex (a posynomial, or a max of them)"),
            Sense::Maximize => (c.is_concave(), "log-log concave (a monomial, a min of them, or a geo_mean)"),
        };
        if !ok {
            let verb = if o.sense == Sense::Minimize { "minimize" } else { "maximize" };
            let d = Diagnostic::error(
                codes::DGP_CURVATURE,
                format!("a geometric program can {verb} only an expression that is {want}"),
            )
            .primary(p.node(o.expr).span, log_log_words(f, t, o.expr));
            let flip = if o.sense == Sense::Minimize {
                "maximizing a log-log concave f is minimizing 1/f: write `minimize 1 / (…)`"
            } else {
                "minimizing a log-log convex f is maximizing 1/f: write `maximize 1 / (…)`"
            };
            errs.push(d.help(flip));
        }
    }
    let mut reported = std::collections::HashSet::new();
    for c in &p.constraints {
        let (l, r) = (t.curvature(f, c.lhs), t.curvature(f, c.rhs));
        let (ok, want) = match c.kind {
            CmpKind::Eq => (l.is_affine() && r.is_affine(), "both sides must be monomials (log-log affine)"),
            CmpKind::Le => (
                l.is_convex() && r.is_concave(),
                "the left side must be log-log convex (a posynomial) and the right log-log concave (a monomial)",
            ),
            _ => (
                l.is_concave() && r.is_convex(),
                "the left side must be log-log concave (a monomial) and the right log-log convex (a posynomial)",
            ),
        };
        if ok || !reported.insert(c.stmt) {
            continue;
        }
        let mut d = Diagnostic::error(
            codes::DGP_CURVATURE,
            format!("`{}` is not a geometric-program constraint", text(c.span)),
        )
        .primary(c.span, want);
        d = label(label(d, c.lhs), c.rhs);
        if let Some(name) = &c.label {
            d = d.note(format!("in the constraint `{name}`"));
        }
        if c.kind == CmpKind::Eq && (l == Curvature::Convex || r == Curvature::Convex) {
            d = d.help("a posynomial equality is not DGP; `<=` is (with the posynomial on the left)");
        } else {
            d = d.help(
                "write `posynomial <= monomial` (divide both sides by the monomial: `f / g <= 1`) or `monomial == monomial`",
            );
        }
        errs.push(d);
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

//! The problem-level rules of DCP and DPP: which objective and constraints are
//! rejected. The diagnostics that explain a rejection are made in `explain`.

use super::algebra::{Curvature, Sign};
use super::analyze::{Facts, Mode, analyze};
use super::terms::objective_terms;
use crate::diag::{Diagnostic, codes};
use crate::ir::ast::Sense;
use crate::ir::hir::{CmpKind, NodeId, Op, Program};
use crate::linalg;
use crate::source::SourceFile;
use std::collections::{HashMap, HashSet};

/// The verdicts on a checked program.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// Parameters as constants.
    pub dcp: Facts,
    /// Parameters as affine.
    pub dpp: Facts,
    /// `quad_form(x, P)` nodes with a `psd` parameter P accepted in the objective.
    pub parametric_quad_forms: HashSet<NodeId>,
}

/// Analyze a program; `Err` with the diagnostics when it is not DCP, or DCP but not DPP.
pub fn check(p: &Program, src: &SourceFile) -> Result<Analysis, Vec<Diagnostic>> {
    geometric_only(p)?;
    let none = HashSet::new();
    let dcp = analyze(p, Mode::Dcp, &none);
    let ext: HashSet<NodeId> = objective_terms(p, &dcp).parametric_quad_forms().collect();
    let dpp = analyze(p, Mode::Dpp, &ext);
    let mut r = Reporter { p, src, seen: HashSet::new(), diags: Vec::new(), symmetric: HashMap::new() };
    r.rules(&dcp);
    if r.diags.is_empty() {
        r.rules(&dpp);
    }
    if r.diags.is_empty() { Ok(Analysis { dcp, dpp, parametric_quad_forms: ext }) } else { Err(r.diags) }
}

/// The geometric-program atoms (`prod`, `one_minus_pos`, `diff_pos`) have no DCP
/// meaning: a problem that reaches the analysis with one is not marked `geometric` (a
/// geometric program's log-domain form no longer has them). Each atom is reported
/// once, where it is first written.
fn geometric_only(p: &Program) -> Result<(), Vec<Diagnostic>> {
    let mut seen = HashSet::new();
    let mut diags = Vec::new();
    for node in &p.nodes {
        let Op::Atom(a, _, _) = &node.op else { continue };
        if !a.atom().geometric_only() || !seen.insert(a.name()) {
            continue;
        }
        let name = a.name();
        let (curvature, instead) = match name {
            "prod" => (
                "log-log affine",
                "in a DCP problem write `geo_mean(x)` to maximize a product of nonnegative entries (its n-th root), or `inv_prod(x)` for 1/Πxᵢ",
            ),
            "one_minus_pos" => ("log-log concave", "in a DCP problem write `1 - x`"),
            _ => ("log-log concave", "in a DCP problem write `x - y`"),
        };
        diags.push(
            Diagnostic::error(
                codes::DGP_ONLY,
                format!("`{name}` is a geometric-program atom, and this problem is not marked `geometric`"),
            )
            .primary(node.span, "only a geometric program can use it")
            .note(format!(
                "`{name}` (cvxpy's DGP atom) is {curvature} over positive arguments, not convex or concave: it has a form only in the log domain of a geometric program"
            ))
            .help(format!(
                "if every variable and parameter is positive, write `geometric` on a line of its own; {instead}"
            )),
        );
    }
    if diags.is_empty() { Ok(()) } else { Err(diags) }
}

/// Collects the diagnostics of one program: the rules are applied here, the
/// explanations are made in `explain`.
pub(super) struct Reporter<'a> {
    pub(super) p: &'a Program,
    pub(super) src: &'a SourceFile,
    /// Nodes and statements already reported.
    pub(super) seen: HashSet<(u8, u32)>,
    pub(super) diags: Vec<Diagnostic>,
    /// Nodes whose symmetry is decided.
    pub(super) symmetric: HashMap<NodeId, bool>,
}

impl Reporter<'_> {
    fn rules(&mut self, f: &Facts) {
        let p = self.p;
        if let Some(obj) = &p.objective {
            let c = f.curvature(obj.expr);
            let ok = match obj.sense {
                Sense::Minimize => c.is_convex(),
                Sense::Maximize => c.is_concave(),
            };
            if !ok {
                if c == Curvature::Unknown {
                    self.report_unknown(f, obj.expr);
                } else {
                    self.objective_direction(f, obj.sense, obj.expr, obj.span);
                }
            }
        }
        for (k, con) in p.constraints.iter().enumerate() {
            if self.seen.contains(&(1, con.stmt as u32)) {
                continue;
            }
            let (l, r) = (f.curvature(con.lhs), f.curvature(con.rhs));
            let ok = match con.kind {
                CmpKind::Eq | CmpKind::Psd | CmpKind::Nsd => l.is_affine() && r.is_affine(),
                CmpKind::Le => l.is_convex() && r.is_concave(),
                CmpKind::Ge => l.is_concave() && r.is_convex(),
            };
            if !ok {
                self.seen.insert((1, con.stmt as u32));
                if l == Curvature::Unknown || r == Curvature::Unknown {
                    for side in [con.lhs, con.rhs] {
                        if f.curvature(side) == Curvature::Unknown {
                            self.report_unknown(f, side);
                        }
                    }
                } else {
                    self.constraint_curvature(f, k);
                }
                continue;
            }
            if matches!(con.kind, CmpKind::Psd | CmpKind::Nsd)
                && f.mode == Mode::Dcp
                && !(symmetric(p, f, con.lhs, &mut self.symmetric)
                    && symmetric(p, f, con.rhs, &mut self.symmetric))
            {
                self.seen.insert((1, con.stmt as u32));
                let side = if symmetric(p, f, con.lhs, &mut self.symmetric) { con.rhs } else { con.lhs };
                self.diags.push(
                    Diagnostic::error(
                        codes::DCP_NOT_SYMMETRIC,
                        format!("`{}` needs symmetric matrices, and `{}` is not known to be symmetric", con.kind.symbol(), self.text(side)),
                    )
                    .primary(p.node(side).span, "not known to be symmetric")
                    .note("a semidefinite constraint bounds the eigenvalues of a symmetric matrix")
                    .help("declare the variable `symmetric` (or `psd`), or constrain its symmetric part `(X + X.T) / 2`"),
                );
            }
        }
    }

    /// Report every minimal node of unknown curvature under `root`.
    fn report_unknown(&mut self, f: &Facts, root: NodeId) {
        let mut stack = vec![root];
        let mut visited = HashSet::new();
        let mut minimal = Vec::new();
        while let Some(id) = stack.pop() {
            if !visited.insert(id) || f.curvature(id) != Curvature::Unknown {
                continue;
            }
            let bad: Vec<NodeId> = self
                .p
                .node(id)
                .op
                .args()
                .into_iter()
                .filter(|a| f.curvature(*a) == Curvature::Unknown)
                .collect();
            if bad.is_empty() {
                minimal.push(id);
            } else {
                stack.extend(bad);
            }
        }
        minimal.sort();
        for id in minimal {
            if self.seen.insert((0, id.0)) {
                let d = self.explain(f, id);
                self.diags.push(d);
            }
        }
    }

    fn objective_direction(&mut self, f: &Facts, sense: Sense, root: NodeId, span: crate::source::Span) {
        let p = self.p;
        let (word, need, bad) = match sense {
            Sense::Minimize => ("minimize", "convex", Curvature::Concave),
            Sense::Maximize => ("maximize", "concave", Curvature::Convex),
        };
        let c = f.curvature(root);
        let (code, intro) = if f.mode == Mode::Dpp {
            (codes::DPP_CURVATURE, "with parameters counted as affine (DPP), ")
        } else {
            (codes::DCP_OBJECTIVE, "")
        };
        let mut d = Diagnostic::error(
            code,
            format!("`{word}` needs a {need} objective, but {intro}`{}` is {c}", self.text(root)),
        )
        .primary(p.node(root).span, format!("{c}"));
        // Which terms are to blame.
        let terms = objective_terms(p, f);
        for t in &terms.terms {
            let own = f.curvature(t.node);
            let tc = match terms.sign(t.weight) {
                Sign::Nonneg => own,
                Sign::Nonpos => own.neg(),
                _ => continue,
            };
            if tc == bad && t.node != root {
                let label = if tc == own {
                    format!("this term is {own}")
                } else {
                    format!("this term is {own}, with a negative weight: {tc}")
                };
                d = d.secondary(p.node(t.node).span, label);
            }
        }
        let _ = span;
        d = if f.mode == Mode::Dpp {
            d.help("compute the nonlinear function of the parameters outside the problem and pass it as a new parameter")
        } else if sense == Sense::Maximize {
            d.note("maximizing a convex function is not a convex problem").help("did you mean `minimize`?")
        } else {
            d.note("minimizing a concave function is not a convex problem").help("did you mean `maximize`?")
        };
        self.diags.push(d);
    }

    fn constraint_curvature(&mut self, f: &Facts, k: usize) {
        let p = self.p;
        let con = &p.constraints[k];
        let (l, r) = (f.curvature(con.lhs), f.curvature(con.rhs));
        let op = con.kind.symbol();
        let (tl, tr) = (self.text(con.lhs), self.text(con.rhs));
        let dpp = f.mode == Mode::Dpp;
        let code = if dpp { codes::DPP_CURVATURE } else { codes::DCP_CONSTRAINT };
        let mut d = Diagnostic::error(
            code,
            format!(
                "`{tl} {op} {tr}` is not a convex constraint{}",
                if dpp { " in the parameters (DPP)" } else { "" }
            ),
        )
        .primary(con.span, format!("{l} {op} {r}"))
        .secondary(p.node(con.lhs).span, self.describe(f, con.lhs))
        .secondary(p.node(con.rhs).span, self.describe(f, con.rhs));
        d = match con.kind {
            CmpKind::Eq | CmpKind::Psd | CmpKind::Nsd => {
                let (side, tc) = if !l.is_affine() { (&tl, l) } else { (&tr, r) };
                let d =
                    d.note(format!("`{op}` needs affine expressions on both sides, but `{side}` is {tc}"));
                if dpp {
                    d.help("compute the nonlinear function of the parameters outside and pass it as a new parameter")
                } else if con.kind == CmpKind::Eq {
                    let bound = if tc == Curvature::Convex { "<=" } else { ">=" };
                    d.note(format!("the set where a {tc} function equals a value is not convex in general"))
                        .help(format!("if a bound is meant, write `{tl} {bound} {tr}`"))
                } else {
                    d
                }
            }
            CmpKind::Le | CmpKind::Ge => {
                let d = d.note("a convex constraint is `convex <= concave` or `concave >= convex`");
                if dpp {
                    d.help("compute the nonlinear function of the parameters outside and pass it as a new parameter")
                } else {
                    let (f_side, dir) = if con.kind == CmpKind::Ge && l == Curvature::Convex {
                        (&tl, "at least")
                    } else if con.kind == CmpKind::Le && r == Curvature::Convex {
                        (&tr, "at least")
                    } else if con.kind == CmpKind::Le && l == Curvature::Concave {
                        (&tl, "at most")
                    } else {
                        (&tr, "at most")
                    };
                    d.note(format!(
                        "this keeps `{f_side}` {dir} a bound where it curves the wrong way: the feasible set is not convex (think of x² >= 1, which excludes an interval)"
                    ))
                }
            }
        };
        self.diags.push(d);
    }
}

/// How many node pairs [`same_expr`] compares before it gives up (and says "not
/// known to be the same").
const SAME_EXPR_PAIRS: usize = 100_000;

/// Structural equality of two expressions (same leaves, same operations), without
/// recursion; each pair of nodes is compared once, so shared subexpressions cost once.
pub fn same_expr(p: &Program, a: NodeId, b: NodeId) -> bool {
    let mut stack = vec![(a, b)];
    let mut seen = HashSet::new();
    while let Some((a, b)) = stack.pop() {
        if a == b || !seen.insert((a, b)) {
            continue;
        }
        if seen.len() > SAME_EXPR_PAIRS {
            return false;
        }
        let (na, nb) = (p.node(a), p.node(b));
        let same_head = na.shape == nb.shape
            && match (&na.op, &nb.op) {
                (Op::Var(x), Op::Var(y)) => x == y,
                (Op::Param(x), Op::Param(y)) => x == y,
                (Op::Const(x), Op::Const(y)) => p.consts[x.index()].value == p.consts[y.index()].value,
                (Op::Index(_, s1), Op::Index(_, s2)) => s1 == s2,
                (Op::Atom(a1, _, s1), Op::Atom(a2, _, s2)) => a1 == a2 && s1 == s2,
                (x, y) => std::mem::discriminant(x) == std::mem::discriminant(y),
            };
        let (xa, xb) = (na.op.args(), nb.op.args());
        if !same_head || xa.len() != xb.len() {
            return false;
        }
        stack.extend(xa.into_iter().zip(xb));
    }
    true
}

/// Is the (square) expression provably symmetric? Decided bottom-up without
/// recursion; `known` keeps every node decided so far (shared by all constraints).
fn symmetric(p: &Program, f: &Facts, root: NodeId, known: &mut HashMap<NodeId, bool>) -> bool {
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if known.contains_key(&id) {
            continue;
        }
        match symmetric_step(p, f, id, known) {
            Ok(v) => {
                known.insert(id, v);
            }
            Err(missing) => {
                stack.push(id);
                stack.extend(missing);
            }
        }
    }
    known[&root]
}

/// The symmetry of one node from its operands' (`Err` with the operands not yet known).
fn symmetric_step(
    p: &Program,
    f: &Facts,
    id: NodeId,
    known: &HashMap<NodeId, bool>,
) -> Result<bool, Vec<NodeId>> {
    let node = p.node(id);
    if node.shape.is_scalar() {
        return Ok(true);
    }
    if let Some(v) = &f.value[id.index()] {
        return Ok(linalg::is_symmetric(v));
    }
    let deps = match &node.op {
        Op::Neg(a) | Op::Transpose(a) | Op::Div(a, _) => vec![*a],
        Op::Add(a, b) | Op::Sub(a, b) | Op::Mul(a, b) => vec![*a, *b],
        Op::MatMul(a, _) => match &p.node(*a).op {
            Op::MatMul(_, s) => vec![*s],
            _ => vec![],
        },
        Op::Atom(atom, args, _) if matches!(atom.name(), "multiply" | "kron") => vec![args[0], args[1]],
        _ => vec![],
    };
    let missing: Vec<NodeId> = deps.into_iter().filter(|d| !known.contains_key(d)).collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let sym = |k: &NodeId| known[k];
    Ok(match &node.op {
        Op::Param(i) => {
            let a = p.params[i.index()].attrs;
            a.symmetric || a.psd || a.nsd
        }
        Op::Var(i) => {
            let a = p.vars[i.index()].attrs;
            a.symmetric || a.psd || a.nsd
        }
        Op::Neg(a) | Op::Transpose(a) => sym(a),
        Op::Add(a, b) | Op::Sub(a, b) => {
            // X + X.T is symmetric whatever X is.
            let transpose_pair = |x: &NodeId, y: &NodeId| matches!(&p.node(*y).op, Op::Transpose(inner) if same_expr(p, *inner, *x));
            (sym(a) && sym(b))
                || (matches!(node.op, Op::Add(..)) && (transpose_pair(a, b) || transpose_pair(b, a)))
        }
        Op::Mul(a, b) => sym(a) && sym(b),
        Op::Div(a, b) => sym(a) && p.node(*b).shape.is_scalar(),
        Op::MatMul(a, b) => {
            // A @ A.T, and A @ S @ A.T with S symmetric.
            let is_t_of = |t: &NodeId, x: &NodeId| matches!(&p.node(*t).op, Op::Transpose(inner) if same_expr(p, *inner, *x));
            is_t_of(b, a) || matches!(&p.node(*a).op, Op::MatMul(l, s) if is_t_of(b, l) && sym(s))
        }
        Op::Atom(atom, args, _) => match atom.name() {
            "diag" => p.node(args[0]).shape.is_vector(),
            "multiply" | "kron" => sym(&args[0]) && sym(&args[1]),
            _ => false,
        },
        Op::Const(_) | Op::Index(..) => false,
    })
}

//! The log change of variables: a checked program marked `geometric` → the program
//! over u = log x (same variable names and shapes) and log p (same parameter names),
//! where each expression e is a node for log e. The structural rules of DGP are
//! enforced here (positive constants, no subtraction or negation, the atoms that have
//! a log-log form); the curvature rules are checked on the result (`explain`).
//!
//! The forms, with L(e) = log e:
//! - a positive constant c: log c; a variable or parameter: itself (u, log p);
//! - a·b: L(a) + L(b); a/b: L(a) − L(b); `multiply` likewise;
//! - a + b + …: `log_sum_exp` of the terms, entry by entry (the terms stacked as rows
//!   and reduced along axis 0; a matrix sum goes through `vec` and back);
//! - A @ B: for each entry, `log_sum_exp` over k of L(A)ᵢₖ + L(B)ₖⱼ;
//! - `power(e, p)`: p·L(e) (`square` 2, `sqrt` ½, `inv_pos` −1); `exp(e)`: exp(L(e));
//! - `sum`: `log_sum_exp` with the same axis; `mean`: that minus log(count);
//!   `sum_squares`: `log_sum_exp(2L)`; `norm2`, `norm_fro`: ½ of it; `norm(x, p)`:
//!   (1/p)·`log_sum_exp(pL)`; `norm1` = `sum`; `norm_inf` = `max`;
//!   `quad_over_lin(x, y)`: `log_sum_exp(2L(x))` − L(y); `trace`: `log_sum_exp(diag(L))`;
//! - `max`, `min`, `maximum`, `minimum` and the rearrangements (`transpose`, indexing,
//!   `reshape`, `vec`, `hstack`, `vstack`, `concatenate`, `diag` of a matrix): the same
//!   atom of L;
//! - `geo_mean(x, p)`: Σ wᵢ·L(xᵢ) with w = p/Σp; `inv_prod(x)`: −Σ L(xᵢ);
//! - the geometric-program atoms: `prod(x)`: `sum(L)` with the same axis;
//!   `one_minus_pos(x)`: log(1 − exp(L(x))) (concave, decreasing in L(x); its
//!   hypograph t ≤ log(1 − e^u) is e^t + e^u ≤ 1, so x < 1 is implied);
//!   `diff_pos(x, y)`: L(x) + log(1 − exp(L(y) − L(x))) = log(e^L(x) − e^L(y))
//!   (concave, increasing in L(x), decreasing in L(y); y < x is implied).

use crate::atoms;
use crate::dcp::analyze::{Facts, Mode, analyze};
use crate::diag::{Diagnostic, codes};
use crate::ir::algebra::Curvature;
use crate::ir::hir::{
    Array, Attrs, CmpKind, Const, ConstId, Constraint, Decl, Node, NodeId, Objective, Op, Program, Sel,
};
use crate::ir::shape::Shape;
use crate::source::{SourceFile, Span};
use std::collections::HashSet;

/// What an expression of the GP became in the log domain.
#[derive(Clone, Debug)]
pub enum Val {
    /// A node for log e.
    Node(NodeId),
    /// A sum not yet written as a `log_sum_exp`: the logs of its terms and the sum's
    /// shape (a chain `a + b + c` becomes one `log_sum_exp` of three terms).
    Sum(Vec<NodeId>, Shape),
}

/// The log-domain program, with the form of each expression of the original.
pub struct Transformed {
    /// The convex program over u = log x and log p.
    pub program: Program,
    /// For each node of the original program used by the objective or a constraint,
    /// what it became (`None` where an error was reported, or for nodes not used).
    pub vals: Vec<Option<Val>>,
    /// The log-domain node of the objective and of each constraint's two sides.
    pub objective: Option<NodeId>,
    /// (lhs, rhs) per constraint of the original, in order.
    pub sides: Vec<(NodeId, NodeId)>,
}

impl Transformed {
    /// The log-log curvature of the original node `id` (its log's DCP curvature).
    pub fn curvature(&self, f: &Facts, id: NodeId) -> Curvature {
        match &self.vals[id.index()] {
            Some(Val::Node(n)) => f.curvature(*n),
            Some(Val::Sum(terms, _)) => {
                let cs: Vec<Curvature> = terms.iter().map(|t| f.curvature(*t)).collect();
                if cs.iter().all(|c| c.is_constant()) {
                    Curvature::Constant
                } else if cs.iter().all(|c| c.is_convex()) {
                    Curvature::Convex
                } else {
                    Curvature::Unknown
                }
            }
            None => Curvature::Unknown,
        }
    }
}

/// Rewrite a `geometric` program in the log domain; the errors (E0509) are the
/// constructs a geometric program cannot have, located where they were written.
pub fn transform(p: &Program, src: &SourceFile) -> Result<Transformed, Vec<Diagnostic>> {
    let facts = analyze(p, Mode::Dcp, &HashSet::new());
    let mut b = Builder {
        p,
        src,
        facts: &facts,
        out: Program::default(),
        vals: vec![None; p.nodes.len()],
        errs: Vec::new(),
    };
    b.out.dims = p.dims.clone();
    b.out.outputs = p.outputs.clone();
    b.out.geometric = p.geometric.or(Some(Span::new(0, 0)));
    b.out.params = p.params.iter().map(|d| b.decl(d, "parameter")).collect();
    b.out.vars = p.vars.iter().map(|d| b.decl(d, "variable")).collect();
    for &id in &b.reachable() {
        b.visit(id);
    }
    let objective = p.objective.as_ref().and_then(|o| {
        let e = b.get(o.expr)?;
        b.out.objective = Some(Objective { sense: o.sense, expr: e, span: o.span });
        Some(e)
    });
    let mut sides = Vec::new();
    for c in &p.constraints {
        if matches!(c.kind, CmpKind::Psd | CmpKind::Nsd) {
            let d = Diagnostic::error(
                codes::DGP_UNSUPPORTED,
                format!("a semidefinite constraint `{}` in a geometric program", b.text(c.span)),
            )
            .primary(c.span, "`>>` and `<<` have no log-log form")
            .help("a geometric program's constraints are `posynomial <= monomial` and `monomial == monomial`, elementwise");
            b.errs.push(d);
            continue;
        }
        let (Some(l), Some(r)) = (b.get(c.lhs), b.get(c.rhs)) else { continue };
        sides.push((l, r));
        b.out.constraints.push(Constraint { lhs: l, rhs: r, ..c.clone() });
    }
    if !b.errs.is_empty() {
        return Err(b.errs);
    }
    Ok(Transformed { program: b.out, vals: b.vals, objective, sides })
}

struct Builder<'a> {
    p: &'a Program,
    src: &'a SourceFile,
    facts: &'a Facts,
    out: Program,
    vals: Vec<Option<Val>>,
    errs: Vec<Diagnostic>,
}

/// `norm`'s p for `"fro"` and `"nuc"` (as `atoms::norm` spells them).
fn is_fro(p: f64) -> bool {
    p.is_nan()
}

impl Builder<'_> {
    fn text(&self, span: Span) -> String {
        let s: String = self.src.snippet(span).split_whitespace().collect::<Vec<_>>().join(" ");
        if s.chars().count() > 60 { format!("{}...", s.chars().take(57).collect::<String>()) } else { s }
    }

    fn error(&mut self, id: NodeId, message: String, label: &str, help: &str) {
        let span = self.p.node(id).span;
        let message = message.replace("{}", &self.text(span));
        let mut d = Diagnostic::error(codes::DGP_UNSUPPORTED, message).primary(span, label);
        if !help.is_empty() {
            d = d.help(help);
        }
        d = d.note("in a geometric program every expression is positive: monomials c·x₁^a₁·…·xₙ^aₙ (c > 0), their sums (posynomials), products, quotients, powers, max and min");
        self.errs.push(d);
    }

    /// A declaration of the log-domain program: the same name and shape, no
    /// attributes (log x has any sign). `nonneg` is implied and accepted; the others
    /// contradict positivity or have no log-log meaning.
    fn decl(&mut self, d: &Decl, what: &str) -> Decl {
        let a = d.attrs;
        let bad: Vec<&str> = a.names().into_iter().filter(|n| *n != "nonneg").collect();
        if !bad.is_empty() {
            self.errs.push(
                Diagnostic::error(
                    codes::DGP_UNSUPPORTED,
                    format!("{what} `{}` of a geometric program is declared `{}`", d.name, bad.join(" ")),
                )
                .primary(d.span, "declared here")
                .note("in a geometric program every parameter and variable is positive (cvxpy's `pos=True`), implicitly")
                .help("remove the attribute"),
            );
        }
        Decl { attrs: Attrs::default(), ..d.clone() }
    }

    /// The nodes the objective and the constraints use, in arena order (operands
    /// first). The walk stops at constants (they are logged whole) and at `geo_mean`'s
    /// weights (read as numbers).
    fn reachable(&self) -> Vec<NodeId> {
        let p = self.p;
        let mut seen = vec![false; p.nodes.len()];
        let mut stack: Vec<NodeId> = p.objective.iter().map(|o| o.expr).collect();
        for c in &p.constraints {
            stack.push(c.lhs);
            stack.push(c.rhs);
        }
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut seen[id.index()], true) || self.constant(id).is_some() {
                continue;
            }
            let node = p.node(id);
            let mut args = node.op.args();
            if let Op::Atom(a, _, _) = &node.op
                && a.name() == "geo_mean"
            {
                args.truncate(1);
            }
            stack.extend(args);
        }
        (0..p.nodes.len()).filter(|&i| seen[i]).map(|i| NodeId(i as u32)).collect()
    }

    /// The value of a node free of variables and parameters.
    fn constant(&self, id: NodeId) -> Option<&Array> {
        let f = self.facts;
        if f.has_vars[id.index()] || f.has_params[id.index()] { None } else { f.value[id.index()].as_ref() }
    }

    fn push(&mut self, op: Op, shape: Shape, span: Span) -> NodeId {
        self.out.nodes.push(Node { op, shape, span });
        NodeId(self.out.nodes.len() as u32 - 1)
    }

    fn konst(&mut self, value: Array, span: Span) -> NodeId {
        let shape = value.shape;
        self.out.consts.push(Const { name: None, value });
        let k = ConstId(self.out.consts.len() as u32 - 1);
        self.push(Op::Const(k), shape, span)
    }

    fn shape(&self, id: NodeId) -> Shape {
        self.out.node(id).shape
    }

    /// An atom of the log-domain program (its shape rule accepts what the original's
    /// shapes imply; a refusal would be a bug here, reported as one).
    fn atom(&mut self, name: &str, args: Vec<NodeId>, statics: Vec<Option<f64>>, span: Span) -> NodeId {
        let id = atoms::lookup(name).unwrap_or_else(|| panic!("dgp: no atom `{name}`"));
        let shapes: Vec<Shape> = args.iter().map(|a| self.shape(*a)).collect();
        let shape = id.atom().shape(&shapes, &statics).unwrap_or_else(|e| {
            panic!("dgp: `{name}` refuses the log-domain shapes {shapes:?}: {}", e.message)
        });
        self.push(Op::Atom(id, args, statics), shape, span)
    }

    fn add(&mut self, a: NodeId, b: NodeId, span: Span) -> NodeId {
        let shape = Shape::broadcast(self.shape(a), self.shape(b)).expect("dgp: shapes checked by sema");
        self.push(Op::Add(a, b), shape, span)
    }

    fn sub(&mut self, a: NodeId, b: NodeId, span: Span) -> NodeId {
        let shape = Shape::broadcast(self.shape(a), self.shape(b)).expect("dgp: shapes checked by sema");
        self.push(Op::Sub(a, b), shape, span)
    }

    fn scale(&mut self, c: f64, a: NodeId, span: Span) -> NodeId {
        if c == 1.0 {
            return a;
        }
        let k = self.konst(Array::scalar(c), span);
        let shape = self.shape(a);
        self.push(Op::Mul(k, a), shape, span)
    }

    /// `a` broadcast to `shape` (by adding zeros).
    fn widen(&mut self, a: NodeId, shape: Shape, span: Span) -> NodeId {
        if self.shape(a) == shape {
            return a;
        }
        let z = self.konst(Array::filled(shape, 0.0), span);
        self.add(a, z, span)
    }

    /// log Σₖ exp(termsₖ), entry by entry, after broadcasting the terms to `shape`.
    fn log_sum(&mut self, terms: &[NodeId], shape: Shape, span: Span) -> NodeId {
        if terms.len() == 1 {
            return self.widen(terms[0], shape, span);
        }
        let wide: Vec<NodeId> = terms.iter().map(|t| self.widen(*t, shape, span)).collect();
        match shape.ndim() {
            0 => {
                let h = self.atom("hstack", wide, vec![], span);
                self.atom("log_sum_exp", vec![h], vec![None, None], span)
            }
            1 => {
                let v = self.atom("vstack", wide, vec![], span);
                self.atom("log_sum_exp", vec![v], vec![Some(0.0), None], span)
            }
            _ => {
                let flat: Vec<NodeId> =
                    wide.into_iter().map(|t| self.atom("vec", vec![t], vec![], span)).collect();
                let v = self.atom("vstack", flat, vec![], span);
                let l = self.atom("log_sum_exp", vec![v], vec![Some(0.0), None], span);
                let (m, n) = shape.rows_cols();
                self.atom("reshape", vec![l], vec![Some(m as f64), Some(n as f64)], span)
            }
        }
    }

    /// log(1 − exp(a)), entry by entry: concave and decreasing in a (DCP: `log` of
    /// 1 minus the convex `exp`), defined for a < 0.
    fn log_one_minus_exp(&mut self, a: NodeId, span: Span) -> NodeId {
        let e = self.atom("exp", vec![a], vec![], span);
        let one = self.konst(Array::scalar(1.0), span);
        let d = self.sub(one, e, span);
        self.atom("log", vec![d], vec![], span)
    }

    /// The log-domain node of an original node, writing a pending sum out.
    fn get(&mut self, id: NodeId) -> Option<NodeId> {
        match self.vals[id.index()].clone()? {
            Val::Node(n) => Some(n),
            Val::Sum(terms, shape) => {
                let n = self.log_sum(&terms, shape, self.p.node(id).span);
                self.vals[id.index()] = Some(Val::Node(n));
                Some(n)
            }
        }
    }

    /// The terms of a sum operand: its own terms when it is a pending sum.
    fn terms(&mut self, id: NodeId) -> Option<Vec<NodeId>> {
        match self.vals[id.index()].clone()? {
            Val::Sum(t, _) => Some(t),
            Val::Node(n) => Some(vec![n]),
        }
    }

    fn visit(&mut self, id: NodeId) {
        let node = self.p.node(id).clone();
        let span = node.span;
        let val = if let Some(v) = self.constant(id).cloned() {
            if let Some(i) = v.data.iter().position(|x| !(x.is_finite() && *x > 0.0)) {
                let what = if v.data.len() == 1 { String::new() } else { format!(" (entry {i})") };
                self.error(
                    id,
                    format!(
                        "the constant `{{}}` is {}{what}, not {}",
                        crate::ir::print::number(v.data[i]),
                        if v.data[i] == f64::INFINITY { "finite" } else { "positive" }
                    ),
                    "a geometric program's constants must be > 0",
                    "",
                );
                return;
            }
            Some(self.konst(Array { shape: v.shape, data: v.data.iter().map(|x| x.ln()).collect() }, span))
        } else {
            self.form(id, &node)
        };
        if let Some(n) = val {
            self.vals[id.index()] = Some(Val::Node(n));
        }
    }

    /// The log-domain form of a node with variables or parameters (`None`: an
    /// operand failed, or this node is reported).
    fn form(&mut self, id: NodeId, node: &Node) -> Option<NodeId> {
        let span = node.span;
        match &node.op {
            Op::Const(_) => None, // constants are handled whole (a non-finite one has no value)
            Op::Param(i) => Some(self.push(Op::Param(*i), node.shape, span)),
            Op::Var(i) => Some(self.push(Op::Var(*i), node.shape, span)),
            Op::Neg(_) => {
                self.error(id, "negation `{}` in a geometric program".into(), "a negative expression", "");
                None
            }
            Op::Sub(_, _) => {
                self.error(
                    id,
                    "subtraction `{}` in a geometric program".into(),
                    "a difference of positive expressions need not be positive",
                    "move the subtracted term to the other side of the constraint (`a - b <= c` is `a <= b + c`)",
                );
                None
            }
            Op::Add(a, b) => {
                let mut t = self.terms(*a)?;
                t.extend(self.terms(*b)?);
                self.vals[id.index()] = Some(Val::Sum(t, node.shape));
                None
            }
            Op::Mul(a, b) => {
                let (a, b) = (self.get(*a)?, self.get(*b)?);
                Some(self.add(a, b, span))
            }
            Op::Div(a, b) => {
                let (a, b) = (self.get(*a)?, self.get(*b)?);
                Some(self.sub(a, b, span))
            }
            Op::MatMul(a, b) => {
                let (a, b) = (self.get(*a)?, self.get(*b)?);
                Some(self.matmul(a, b, node.shape, span))
            }
            Op::Transpose(a) => {
                let a = self.get(*a)?;
                Some(self.push(Op::Transpose(a), node.shape, span))
            }
            Op::Index(a, sels) => {
                let a = self.get(*a)?;
                Some(self.push(Op::Index(a, sels.clone()), node.shape, span))
            }
            Op::Atom(atom, args, statics) => self.atom_form(id, atom.name(), args, statics, node),
        }
    }

    /// (A @ B)ᵢⱼ = Σₖ AᵢₖBₖⱼ in the log domain.
    fn matmul(&mut self, a: NodeId, b: NodeId, out: Shape, span: Span) -> NodeId {
        let (sa, sb) = (self.shape(a), self.shape(b));
        let lse_axis =
            |s: &mut Self, x: NodeId, axis: f64| s.atom("log_sum_exp", vec![x], vec![Some(axis), None], span);
        match (sa.ndim(), sb.ndim()) {
            (1, 1) => {
                let s = self.add(a, b, span);
                self.atom("log_sum_exp", vec![s], vec![None, None], span)
            }
            // [m, n] @ [n]: row i of A plus b, reduced along the row.
            (2, 1) => {
                let s = self.add(a, b, span);
                lse_axis(self, s, 1.0)
            }
            // [n] @ [n, p]: a as a column plus B, reduced down each column.
            (1, 2) => {
                let n = sa.dims()[0];
                let col = self.atom("reshape", vec![a], vec![Some(n as f64), Some(1.0)], span);
                let s = self.add(col, b, span);
                lse_axis(self, s, 0.0)
            }
            _ => {
                // [m, k] @ [k, p]: one column of the result at a time.
                let (m, p) = out.rows_cols();
                let k = sa.dims()[1];
                let cols: Vec<NodeId> = (0..p)
                    .map(|j| {
                        let bj = self.push(
                            Op::Index(b, vec![Sel::Range(0, k), Sel::At(j)]),
                            Shape::vector(k),
                            span,
                        );
                        let s = self.add(a, bj, span);
                        let c = lse_axis(self, s, 1.0);
                        self.atom("reshape", vec![c], vec![Some(m as f64), Some(1.0)], span)
                    })
                    .collect();
                if cols.len() == 1 { cols[0] } else { self.atom("hstack", cols, vec![], span) }
            }
        }
    }

    fn atom_form(
        &mut self,
        id: NodeId,
        name: &str,
        args: &[NodeId],
        statics: &[Option<f64>],
        node: &Node,
    ) -> Option<NodeId> {
        let span = node.span;
        let st = statics.to_vec();
        let arg = |s: &mut Self, i: usize| s.get(args[i]);
        match name {
            "multiply" => {
                let (a, b) = (arg(self, 0)?, arg(self, 1)?);
                Some(self.add(a, b, span))
            }
            "power" | "square" | "sqrt" | "inv_pos" => {
                let k = match name {
                    "power" => statics[0].unwrap_or(1.0),
                    "square" => 2.0,
                    "sqrt" => 0.5,
                    _ => -1.0,
                };
                let a = arg(self, 0)?;
                if k == 0.0 {
                    return Some(self.konst(Array::filled(node.shape, 0.0), span));
                }
                Some(self.scale(k, a, span))
            }
            "exp" | "max" | "min" | "maximum" | "minimum" | "transpose" | "reshape" | "vec" | "hstack"
            | "vstack" | "concatenate" => {
                let a: Vec<NodeId> = (0..args.len()).map(|i| arg(self, i)).collect::<Option<_>>()?;
                Some(self.atom(name, a, st, span))
            }
            "diag" if self.p.node(args[0]).shape.is_matrix() => {
                let a = arg(self, 0)?;
                Some(self.atom("diag", vec![a], st, span))
            }
            "sum" | "norm1" => {
                let a = arg(self, 0)?;
                Some(self.atom("log_sum_exp", vec![a], st, span))
            }
            "norm_inf" => {
                let a = arg(self, 0)?;
                Some(self.atom("max", vec![a], st, span))
            }
            "mean" => {
                let a = arg(self, 0)?;
                let count = self.shape(a).size() / node.shape.size().max(1);
                let s = self.atom("log_sum_exp", vec![a], st, span);
                let c = self.konst(Array::scalar((count as f64).ln()), span);
                Some(self.sub(s, c, span))
            }
            "sum_squares" | "norm2" | "norm_fro" | "norm" => {
                let p = match name {
                    "sum_squares" => 1.0,
                    "norm" => statics[0].unwrap_or(2.0),
                    _ => 2.0,
                };
                let rest = if name == "norm" { st[1..].to_vec() } else { st };
                let x = self.p.node(args[0]).shape;
                let matrix_norm =
                    name == "norm" && x.is_matrix() && rest.first().copied().flatten().is_none();
                if (matrix_norm && !is_fro(p)) || p == f64::NEG_INFINITY {
                    self.error(
                        id,
                        "the matrix norm `{}` in a geometric program".into(),
                        "only entrywise norms have a log-log form",
                        "for the entrywise norm write `norm(vec(X), p)` (or `\"fro\"`)",
                    );
                    return None;
                }
                let a = arg(self, 0)?;
                if p == f64::INFINITY {
                    return Some(self.atom("max", vec![a], rest, span));
                }
                let (power, root) = match name {
                    "sum_squares" => (2.0, 1.0),
                    _ if is_fro(p) => (2.0, 0.5),
                    _ => (p, 1.0 / p),
                };
                let scaled = self.scale(power, a, span);
                let s = self.atom("log_sum_exp", vec![scaled], rest, span);
                Some(self.scale(root, s, span))
            }
            "quad_over_lin" => {
                let (x, y) = (arg(self, 0)?, arg(self, 1)?);
                let x2 = self.scale(2.0, x, span);
                let s = self.atom("log_sum_exp", vec![x2], vec![None, None], span);
                Some(self.sub(s, y, span))
            }
            "trace" => {
                let a = arg(self, 0)?;
                let d = self.atom("diag", vec![a], vec![], span);
                Some(self.atom("log_sum_exp", vec![d], vec![None, None], span))
            }
            "prod" => {
                let a = arg(self, 0)?;
                Some(self.atom("sum", vec![a], st, span))
            }
            "one_minus_pos" => {
                let a = arg(self, 0)?;
                Some(self.log_one_minus_exp(a, span))
            }
            "diff_pos" => {
                let (a, b) = (arg(self, 0)?, arg(self, 1)?);
                let d = self.sub(b, a, span);
                let l = self.log_one_minus_exp(d, span);
                Some(self.add(a, l, span))
            }
            "inv_prod" => {
                let a = arg(self, 0)?;
                let s = self.atom("sum", vec![a], vec![None, None], span);
                let shape = self.shape(s);
                Some(self.push(Op::Neg(s), shape, span))
            }
            "geo_mean" => {
                let a = arg(self, 0)?;
                let n = self.shape(a).size();
                let weights: Vec<f64> = match args.get(1) {
                    None => vec![1.0 / n as f64; n],
                    Some(w) => {
                        let Some(v) = self.constant(*w) else {
                            self.error(
                                id,
                                "the weights of `{}` are not constant".into(),
                                "a compile-time vector is needed",
                                "",
                            );
                            return None;
                        };
                        let total: f64 = v.data.iter().sum();
                        if v.data.iter().any(|x| !(x.is_finite() && *x >= 0.0)) || total <= 0.0 {
                            self.error(
                                id,
                                "the weights of `{}` are not nonnegative numbers with a positive sum".into(),
                                "weights p ≥ 0, not all 0",
                                "",
                            );
                            return None;
                        }
                        v.data.iter().map(|x| x / total).collect()
                    }
                };
                if self.shape(a).is_scalar() {
                    return Some(a);
                }
                let w = self.konst(Array::vector(&weights), span);
                Some(self.push(Op::MatMul(w, a), Shape::SCALAR, span))
            }
            _ => {
                self.error(
                    id,
                    format!("`{name}` in a geometric program"),
                    "this atom has no log-log form in dopt",
                    "the DGP atoms are: products, quotients, sums, `@`, power, square, sqrt, inv_pos, exp, sum, mean, max, min, maximum, minimum, geo_mean, inv_prod, prod, one_minus_pos, diff_pos, sum_squares, norm, norm1, norm2, norm_inf, norm_fro, quad_over_lin, trace, and the rearrangements (indexing, transpose, reshape, vec, hstack, vstack, concatenate, diag of a matrix)",
                );
                None
            }
        }
    }
}

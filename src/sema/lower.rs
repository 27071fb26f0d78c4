//! Expressions → IR nodes, with the shape rule of every operator and atom call.

use super::{Checker, Fail, GlobalKind, Local, R, Scope, State};
use crate::atoms::{self, AtomId, StaticKind};
use crate::diag::{Diagnostic, codes, suggest};
use crate::ir::ast::{self, BinOp, ExprKind, IndexItem, StmtKind, UnOp};
use crate::ir::hir::{Array, ConstId, NodeId, Op, Sel};
use crate::ir::shape::Shape;
use crate::source::Span;

/// Functions that build constant arrays.
pub(crate) const BUILTINS: &[&str] = &["zeros", "ones", "eye"];

/// Most IR nodes one program may have.
pub const MAX_NODES: usize = 5_000_000;
/// Most IR nodes one `def` call (with the calls in its body) may create. The count is
/// kept while expanding, so a `def` that grows exponentially with nesting is stopped
/// after this many nodes, not after the exponential work.
pub const MAX_DEF_NODES: usize = 1_000_000;

/// The outermost `def` call being expanded: where it is, and the arena size when it began.
pub(crate) struct Expansion<'a> {
    name: &'a str,
    call: Span,
    start: usize,
    exceeded: bool,
}

/// cvxpy names with no atom of the same name here, and what to write instead.
const ALIASES: &[(&str, &str)] = &[
    ("pnorm", "`norm(x, p)`"),
    ("matmul", "the `@` operator"),
    ("inv", "`inv_pos(x)` (elementwise 1/x for x > 0)"),
    ("logsumexp", "`log_sum_exp(x)`"),
    ("dot", "`x @ y`"),
    ("max_elemwise", "`maximum(a, b)`"),
    ("min_elemwise", "`minimum(a, b)`"),
    ("ln", "`log(x)`"),
    ("sq", "`square(x)`"),
    ("relu", "`pos(x)` (or the layer `std:relu`)"),
    // Near the names of newer atoms, so that the spelling alone would mislead.
    ("cummin", "`-cummax(-x)` (the running minimum)"),
    // cvxpy atoms dopt lacks that another spelling expresses.
    ("stack", "`vstack(x, y, …)` (vectors as rows: cvxpy's `stack` with axis 0)"),
    ("broadcast_to", "`x + zeros(m, n)` (broadcasting does it)"),
    ("promote", "`x + zeros(m, n)` (broadcasting does it)"),
    ("normNuc", "`norm_nuc(X)` or `norm(X, \"nuc\")`"),
    ("deep_flatten", "`vec(x)`"),
    ("squeeze", "`vec(x)` or `reshape(x, n)`"),
    ("swapaxes", "`X.T` (dopt's arrays have at most two axes)"),
    ("moveaxis", "`X.T` (dopt's arrays have at most two axes)"),
    ("permute_dims", "`X.T` (dopt's arrays have at most two axes)"),
    ("scalene", "`a * pos(x) + b * neg(x)` (cvxpy's `scalene(x, a, b)`)"),
    ("psd_wrap", "a parameter declared `psd`"),
    ("symmetric_wrap", "a parameter or variable declared `symmetric`"),
];

/// cvxpy atoms dopt does not have (yet), and why.
const MISSING: &[(&str, &str)] = &[
    (
        "quantum_rel_entr",
        "not available: tr(X log X − X log Y) has no exact form over dopt's cones (cvxpy \
         approximates the operator relative entropy cone by quadrature, so its answer is not \
         the atom's); for X and Y that commute, such as diagonal ones, write \
         `sum(rel_entr(diag(X), diag(Y)))`, and −tr(X log X) alone is `von_neumann_entr(X)`",
    ),
    (
        "quantum_cond_entr",
        "not available: no exact form over dopt's cones (cvxpy approximates it by quadrature)",
    ),
    ("cumprod", "not available: a running product is not DCP (cvxpy uses it in geometric programs)"),
    ("sign", "not available: dopt has no quasiconvex (DQCP) programs"),
    ("ceil", "not available: dopt has no quasiconvex (DQCP) programs"),
    ("floor", "not available: dopt has no quasiconvex (DQCP) programs"),
    ("length", "not available: dopt has no quasiconvex (DQCP) programs"),
    ("dist_ratio", "not available: dopt has no quasiconvex (DQCP) programs"),
    ("condition_number", "not available: dopt has no quasiconvex (DQCP) programs"),
    ("gen_lambda_max", "not available: dopt has no quasiconvex (DQCP) programs"),
    ("pf_eigenvalue", "not available: a DGP atom that dopt's geometric programs lack"),
    ("eye_minus_inv", "not available: a DGP atom that dopt's geometric programs lack"),
    ("gmatmul", "not available: a DGP atom that dopt's geometric programs lack"),
    ("partial_trace", "not available yet"),
    ("partial_transpose", "not available yet"),
    ("vec_to_upper_tri", "not available yet (the inverse of `upper_tri`)"),
    ("perspective", "not available yet"),
    ("suppfunc", "not available yet"),
    ("resolvent", "not available yet"),
    ("einsum", "not available: dopt's arrays have at most two axes; write the sums with `@`, `*` and `sum`"),
    ("real", "not available: dopt has no complex numbers"),
    ("imag", "not available: dopt has no complex numbers"),
    ("conj", "not available: dopt has no complex numbers"),
    ("hermitian_wrap", "not available: dopt has no complex numbers"),
    ("skew_symmetric_wrap", "not available yet"),
];

/// Words of a name (split at `_`) that mean one atom, for "did you mean" by meaning
/// rather than spelling (`nuclear_norm` → `norm_nuc`, `entropy` → `entr`).
const MEANINGS: &[(&str, &str)] = &[
    ("nuclear", "norm_nuc"),
    ("trace_norm", "norm_nuc"),
    ("frobenius", "norm_fro"),
    ("spectral", "sigma_max"),
    ("singular", "sigma_max"),
    ("eigenvalue", "lambda_max"),
    ("eig", "lambda_max"),
    ("min_eigenvalue", "lambda_min"),
    ("smallest_eigenvalue", "lambda_min"),
    ("eigenvalue_min", "lambda_min"),
    ("eigmax", "lambda_max"),
    ("eigmin", "lambda_min"),
    ("determinant", "log_det"),
    ("logdet", "log_det"),
    ("entropy", "entr"),
    ("average", "mean"),
    ("avg", "mean"),
    ("variation", "tv"),
    ("range", "ptp"),
    ("softplus", "logistic"),
    ("softmax", "log_sum_exp"),
    ("l1", "norm1"),
    ("l2", "norm2"),
    ("linf", "norm_inf"),
    ("manhattan", "norm1"),
    ("euclidean", "norm2"),
    ("chebyshev", "norm_inf"),
    ("reciprocal", "inv_pos"),
    ("hinge", "pos"),
    ("relu", "pos"),
    ("dot", "vdot"),
    ("inner", "vdot"),
    ("convolution", "convolve"),
    ("triangle", "upper_tri"),
    ("triu", "upper_tri"),
    ("quantile", "cvar"),
    ("expectile", "cvar"),
    ("geometric", "geo_mean"),
    ("harmonic", "harmonic_mean"),
];

/// The atom a name means (`frobenius_norm` → `norm_fro`): the whole name in
/// [`MEANINGS`], else its words (split at `_`) when they point at exactly one atom.
fn by_meaning(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if let Some((_, a)) = MEANINGS.iter().find(|(w, _)| *w == lower) {
        return Some(a);
    }
    let mut hits: Vec<&'static str> =
        MEANINGS.iter().filter(|(w, _)| lower.split('_').any(|part| part == *w)).map(|(_, a)| *a).collect();
    hits.sort_unstable();
    hits.dedup();
    match hits[..] {
        [one] => Some(one),
        _ => None,
    }
}

impl<'a> Checker<'a> {
    /// Record an error raised while lowering, with the call sites of the `def`s being
    /// expanded as secondary labels.
    pub(crate) fn fail(&mut self, mut d: Diagnostic, scope: &Scope<'a>) -> Fail {
        for (name, span) in scope.calls.iter().rev() {
            d = d.secondary(*span, format!("in this call of `{name}`"));
        }
        self.error(d)
    }

    pub(crate) fn push(&mut self, op: Op, shape: Shape, span: Span) -> R<NodeId> {
        if let Some(x) = &mut self.expansion
            && self.out.nodes.len() - x.start >= MAX_DEF_NODES
        {
            if x.exceeded {
                return Err(Fail);
            }
            x.exceeded = true;
            let (name, call) = (x.name, x.call);
            let decl = self.globals[name].name_span;
            return Err(self.error(
                Diagnostic::error(
                    codes::TOO_DEEP,
                    format!("expanding this call of `{name}` creates more than {MAX_DEF_NODES} expression nodes"),
                )
                .primary(call, format!("`{name}` expands to more than {MAX_DEF_NODES} nodes"))
                .secondary(decl, "defined here")
                .secondary(span, "the expansion had reached this expression")
                .note("every call of a `def` is a fresh copy of its body, so a `def` that calls another one twice (with different arguments) doubles in size with each level of nesting")
                .help("compute a repeated subexpression once with `let` (a `let` is built once and shared by every use) instead of re-expanding it through `def` calls"),
            ));
        }
        if self.out.nodes.len() >= MAX_NODES {
            if self.out.nodes.len() == MAX_NODES {
                self.out.nodes.push(crate::ir::hir::Node { op: Op::Const(ConstId(0)), shape, span });
                return Err(self.error(
                    Diagnostic::error(
                        codes::TOO_DEEP,
                        format!("the program expands to more than {MAX_NODES} expression nodes"),
                    )
                    .primary(span, "while expanding this")
                    .help("nested `def`s double in size with each level; use `let` to share a subexpression"),
                ));
            }
            return Err(Fail);
        }
        self.out.nodes.push(crate::ir::hir::Node { op, shape, span });
        Ok(NodeId(self.out.nodes.len() as u32 - 1))
    }

    pub(crate) fn const_node(&mut self, value: Array, span: Span) -> R<NodeId> {
        let shape = value.shape;
        self.out.consts.push(crate::ir::hir::Const { name: None, value });
        let c = ConstId(self.out.consts.len() as u32 - 1);
        self.push(Op::Const(c), shape, span)
    }

    /// Lower a value expression.
    pub(crate) fn lower(&mut self, e: &'a ast::Expr, scope: &Scope<'a>) -> R<NodeId> {
        match &e.kind {
            ExprKind::Number(v) => self.const_node(Array::scalar(*v), e.span),
            ExprKind::Str(t) => {
                let d = misplaced_string(t, e.span, "a value");
                Err(self.fail(d, scope))
            }
            ExprKind::Paren(x) | ExprKind::Unary(UnOp::Plus, x) => self.lower(x, scope),
            ExprKind::Unary(UnOp::Neg, x) => {
                // Fold the sign of a literal so that `-1` is the constant -1 (and no
                // unused node for the 1 is left behind).
                if let ExprKind::Number(v) = &x.kind {
                    return self.const_node(Array::scalar(-*v), e.span);
                }
                let a = self.lower(x, scope)?;
                let shape = self.out.node(a).shape;
                self.push(Op::Neg(a), shape, e.span)
            }
            ExprKind::Name(n) => self.name(n, e.span, scope),
            ExprKind::List(_) => {
                let v = self.eval_array(e, scope)?;
                self.const_node(v, e.span)
            }
            ExprKind::Binary(op, a, b) => self.binary(e, *op, a, b, scope),
            ExprKind::Transpose(x) => {
                let a = self.lower(x, scope)?;
                let shape = self.out.node(a).shape.transpose();
                self.push(Op::Transpose(a), shape, e.span)
            }
            ExprKind::Index(x, items) => self.index(e, x, items, scope),
            ExprKind::Call { func, args } => self.call(e, func, args, scope),
        }
    }

    fn name(&mut self, n: &'a str, span: Span, scope: &Scope<'a>) -> R<NodeId> {
        match scope.get(n) {
            Some(Local::Node(id)) => return Ok(id),
            Some(Local::Int(v)) => return self.const_node(Array::scalar(v as f64), span),
            None => {}
        }
        if !self.globals.contains_key(n) {
            let d = if atoms::lookup(n).is_some() || BUILTINS.contains(&n) || n == "bmat" {
                Diagnostic::error(codes::WRONG_SORT, format!("`{n}` is a function, used here as a value"))
                    .primary(span, "call it with arguments")
                    .help(format!("write `{n}(...)`"))
            } else {
                self.unknown_name(n, span, &[])
            };
            return Err(self.fail(d, scope));
        }
        match self.force_global_at(n, Some(span))? {
            State::Dim(v) => self.const_node(Array::scalar(v as f64), span),
            State::Param(p) => {
                let shape = self.out.params[p.index()].shape;
                let id = self.push(Op::Param(p), shape, span)?;
                self.param_nodes.entry(p).or_insert(id);
                Ok(id)
            }
            State::Var(v) => {
                let shape = self.out.vars[v.index()].shape;
                let id = self.push(Op::Var(v), shape, span)?;
                self.var_nodes.entry(v).or_insert(id);
                Ok(id)
            }
            State::Const(c) => {
                let shape = self.out.consts[c.index()].value.shape;
                self.push(Op::Const(c), shape, span)
            }
            State::Let(id) => Ok(id),
            State::Def => {
                let d = Diagnostic::error(codes::WRONG_SORT, format!("`{n}` is a def, used here as a value"))
                    .primary(span, "call it with arguments")
                    .secondary(self.globals[n].name_span, "defined here");
                Err(self.fail(d, scope))
            }
            State::Pending | State::Active | State::Failed => Err(Fail),
        }
    }

    fn binary(
        &mut self,
        e: &'a ast::Expr,
        op: BinOp,
        a: &'a ast::Expr,
        b: &'a ast::Expr,
        scope: &Scope<'a>,
    ) -> R<NodeId> {
        let x = self.lower(a, scope)?;
        let y = self.lower(b, scope)?;
        let (sa, sb) = (self.out.node(x).shape, self.out.node(y).shape);
        if op == BinOp::MatMul {
            return match matmul_shape(sa, sb) {
                Ok(s) => self.push(Op::MatMul(x, y), s, e.span),
                Err((msg, help)) => {
                    let d = Diagnostic::error(
                        codes::MATMUL_MISMATCH,
                        format!("cannot multiply {sa} @ {sb}: {msg}"),
                    )
                    .primary(e.span, format!("{sa} @ {sb}"))
                    .secondary(a.span, format!("shape {sa}"))
                    .secondary(b.span, format!("shape {sb}"));
                    let mut d = self.decl_labels(d, &[a, b]);
                    if let Some(h) = help {
                        d = d.help(h);
                    }
                    Err(self.fail(d, scope))
                }
            };
        }
        let Some(shape) = Shape::broadcast(sa, sb) else {
            let d = Diagnostic::error(
                codes::SHAPE_MISMATCH,
                format!("shapes {sa} and {sb} do not broadcast together in `{}`", op.symbol()),
            )
            .primary(e.span, format!("{sa} {} {sb}", op.symbol()))
            .secondary(a.span, format!("shape {sa}"))
            .secondary(b.span, format!("shape {sb}"))
            .note("elementwise operations broadcast as numpy does: aligned from the right, extents must be equal or 1 (a scalar goes with any shape)");
            let mut d = self.decl_labels(d, &[a, b]);
            if op == BinOp::Mul && (sa.is_matrix() || sb.is_matrix()) {
                d = d.help("`*` is elementwise; for a matrix product use `@`");
            }
            return Err(self.fail(d, scope));
        };
        let node = match op {
            BinOp::Add => Op::Add(x, y),
            BinOp::Sub => Op::Sub(x, y),
            BinOp::Mul => Op::Mul(x, y),
            BinOp::Div => Op::Div(x, y),
            BinOp::MatMul => unreachable!("handled above"),
        };
        self.push(node, shape, e.span)
    }

    fn index(
        &mut self,
        e: &'a ast::Expr,
        x: &'a ast::Expr,
        items: &'a [IndexItem],
        scope: &Scope<'a>,
    ) -> R<NodeId> {
        let base = self.lower(x, scope)?;
        let shape = self.out.node(base).shape;
        let what = crate::ir::print::expr_text(x);
        if items.len() > shape.ndim() {
            let d = Diagnostic::error(
                codes::BAD_INDEX,
                format!(
                    "too many indices: `{what}` has shape {shape} ({} ax{}) but {} {} given",
                    shape.ndim(),
                    if shape.ndim() == 1 { "is" } else { "es" },
                    items.len(),
                    if items.len() == 1 { "is" } else { "are" }
                ),
            )
            .primary(e.span, format!("{} ind{}", items.len(), if items.len() == 1 { "ex" } else { "ices" }));
            let d = self.decl_labels(d, &[x]);
            return Err(self.fail(d, scope));
        }
        let mut sels = Vec::with_capacity(shape.ndim());
        let mut out_dims = Vec::new();
        for (axis, &extent) in shape.dims().iter().enumerate() {
            let Some(item) = items.get(axis) else {
                sels.push(Sel::Range(0, extent));
                out_dims.push(extent);
                continue;
            };
            let n = extent as i64;
            match item {
                IndexItem::Single(ie) => {
                    let i = self.eval_int(ie, scope)?;
                    let k = if i < 0 { i + n } else { i };
                    if !(0..n).contains(&k) {
                        let d = Diagnostic::error(
                            codes::INDEX_RANGE,
                            format!("index {i} is out of range for axis {axis} of `{what}`, which has extent {extent}"),
                        )
                        .primary(ie.span, format!("valid indices are 0..{} (or -{extent}..-1 from the end)", extent.saturating_sub(1)));
                        let d = self.decl_labels(d, &[x]);
                        let d = self.with_iteration(d, &iteration_of(scope));
                        return Err(self.fail(d, scope));
                    }
                    sels.push(Sel::At(k as usize));
                }
                IndexItem::Slice { lo, hi, span } => {
                    let l = match lo {
                        Some(le) => self.eval_int(le, scope)?,
                        None => 0,
                    };
                    let h = match hi {
                        Some(he) => self.eval_int(he, scope)?,
                        None => n,
                    };
                    let lk = if l < 0 { l + n } else { l };
                    let hk = if h < 0 { h + n } else { h };
                    if lk < 0 || hk > n || lk >= hk {
                        let outside = lk < 0 || hk > n;
                        let message = if outside {
                            format!(
                                "slice {l}:{h} is out of range for axis {axis} of `{what}`, which has extent {extent}"
                            )
                        } else {
                            format!("slice {l}:{h} of axis {axis} of `{what}` (extent {extent}) is empty")
                        };
                        let label = match (l < 0 || h < 0, outside) {
                            (true, _) => {
                                format!("this is {lk}:{hk} after counting negative bounds from the end")
                            }
                            (false, true) => format!("the bounds must lie within 0..{extent}"),
                            (false, false) => "the start must be less than the end".to_string(),
                        };
                        let mut d = Diagnostic::error(codes::INDEX_RANGE, message).primary(*span, label);
                        if outside {
                            d = d.note("unlike numpy, which clips slice bounds silently, bounds past the end are an error");
                        }
                        let d = self.decl_labels(d, &[x]);
                        let d = self.with_iteration(d, &iteration_of(scope));
                        return Err(self.fail(d, scope));
                    }
                    sels.push(Sel::Range(lk as usize, hk as usize));
                    out_dims.push((hk - lk) as usize);
                }
            }
        }
        let out = Shape::from_dims(&out_dims).expect("at most two axes");
        self.push(Op::Index(base, sels), out, e.span)
    }

    fn call(
        &mut self,
        e: &'a ast::Expr,
        func: &'a ast::Ident,
        args: &'a [ast::Arg],
        scope: &Scope<'a>,
    ) -> R<NodeId> {
        let name = func.name.as_str();
        if scope.get(name).is_some() {
            let d = Diagnostic::error(codes::WRONG_SORT, format!("`{name}` is a value here, not a function"))
                .primary(func.span, "called like a function");
            return Err(self.fail(d, scope));
        }
        if let Some(g) = self.globals.get(name) {
            if g.kind == GlobalKind::Def {
                return self.expand_def(e, func, args, scope);
            }
            let noun = g.kind.noun();
            let decl = g.name_span;
            let mut d = Diagnostic::error(codes::WRONG_SORT, format!("`{name}` is a {noun}, not a function"))
                .primary(func.span, "called like a function")
                .secondary(decl, "declared here");
            if matches!(g.kind, GlobalKind::Parameter | GlobalKind::Variable | GlobalKind::Constant) {
                d = d.help(format!(
                    "to index it, write `{name}[i]` or `{name}[i, j]`; to multiply, write `*` or `@`"
                ));
            }
            return Err(self.fail(d, scope));
        }
        if BUILTINS.contains(&name) {
            let v = self.eval_array(e, scope)?;
            return self.const_node(v, e.span);
        }
        if name == "bmat" {
            return self.bmat(e, func, args, scope);
        }
        let Some(atom) = atoms::lookup(name) else {
            let mut candidates: Vec<&str> = atoms::ATOMS.iter().map(|a| a.name()).collect();
            candidates.extend(BUILTINS.iter().copied());
            candidates.push("bmat");
            candidates
                .extend(self.globals.iter().filter(|(_, g)| g.kind == GlobalKind::Def).map(|(n, _)| *n));
            let mut d = Diagnostic::error(codes::UNKNOWN_FUNCTION, format!("unknown function `{name}`"))
                .primary(func.span, "not an atom, a built-in or a def of this file");
            if let Some((_, instead)) = ALIASES.iter().find(|(a, _)| *a == name) {
                d = d.help(format!("write {instead}"));
            } else if let Some((_, why)) = MISSING.iter().find(|(a, _)| *a == name) {
                d = d.note(format!("`{name}` is a cvxpy atom that dopt does not have: {why}"));
            } else if let Some(s) = by_meaning(name) {
                d = d.help(format!("did you mean `{s}`?"));
            } else if let Some(s) = suggest::best_match(name, candidates.iter().copied()) {
                d = d.help(format!("did you mean `{s}`?"));
            }
            return Err(self.fail(d, scope));
        };
        self.atom_call(e, func, atom, args, scope)
    }

    /// cvxpy's `bmat([[A, B], [C, D]])`, a block matrix: `vstack` of the `hstack` of each
    /// row of blocks, as cvxpy defines it (so each row's blocks have equal rows and the
    /// rows equal columns). Its one argument is a nested list of expressions, which no
    /// atom takes, so it is read here rather than registered as an atom.
    fn bmat(
        &mut self,
        e: &'a ast::Expr,
        func: &'a ast::Ident,
        args: &'a [ast::Arg],
        scope: &Scope<'a>,
    ) -> R<NodeId> {
        let rows = match args {
            [ast::Arg { name: None, value }] => match &value.kind {
                ExprKind::List(rows)
                    if !rows.is_empty()
                        && rows.iter().all(|r| matches!(&r.kind, ExprKind::List(b) if !b.is_empty())) =>
                {
                    Some(rows)
                }
                _ => None,
            },
            _ => None,
        };
        let Some(rows) = rows else {
            let d = Diagnostic::error(codes::ARITY, "`bmat` takes one argument: a list of rows of blocks")
                .primary(e.span, "not a nested list of blocks")
                .help("write `bmat([[A, B], [C, D]])`: each inner list is a row of blocks, none empty");
            return Err(self.fail(d, scope));
        };
        let joins = [atoms::lookup("hstack").expect("hstack"), atoms::lookup("vstack").expect("vstack")];
        let mut row_ids = Vec::with_capacity(rows.len());
        for row in rows {
            let ExprKind::List(blocks) = &row.kind else { unreachable!("checked above") };
            let ids = blocks.iter().map(|b| self.lower(b, scope)).collect::<R<Vec<_>>>()?;
            row_ids.push(self.bmat_join(joins[0], ids, blocks, func, row.span, scope)?);
        }
        self.bmat_join(joins[1], row_ids, rows, func, e.span, scope)
    }

    /// One `hstack` (of a row's blocks) or the `vstack` (of the rows) of a `bmat`.
    fn bmat_join(
        &mut self,
        join: AtomId,
        ids: Vec<NodeId>,
        parts: &'a [ast::Expr],
        func: &'a ast::Ident,
        span: Span,
        scope: &Scope<'a>,
    ) -> R<NodeId> {
        let shapes: Vec<Shape> = ids.iter().map(|id| self.out.node(*id).shape).collect();
        match join.atom().shape(&shapes, &[]) {
            Ok(shape) => self.push(Op::Atom(join, ids, Vec::new()), shape, span),
            Err(err) => {
                let (what, k) = (if join.name() == "hstack" { "block" } else { "row" }, err.arg.unwrap_or(0));
                let d = Diagnostic::error(
                    codes::ATOM_SHAPE,
                    format!("`bmat` cannot join this {what}: {}", err.message),
                )
                .primary(parts[k].span, format!("shape {}", shapes[k]))
                .secondary(func.span, "in this call of `bmat`")
                .note("`bmat(rows)` is `vstack(hstack(row 0), hstack(row 1), …)`: the blocks of a row need equal rows, the rows equal columns");
                Err(self.fail(d, scope))
            }
        }
    }

    /// Whether `e` names a variable, parameter, `let` or loop-bound expression, or calls
    /// an atom or `def` (so that it is no constant array literal's entry).
    fn holds_unknowns(&self, e: &ast::Expr, scope: &Scope<'a>) -> bool {
        match &e.kind {
            ExprKind::Name(n) => match scope.get(n) {
                Some(Local::Node(_)) => true,
                Some(Local::Int(_)) => false,
                None => self.globals.get(n.as_str()).is_some_and(|g| {
                    matches!(g.kind, GlobalKind::Parameter | GlobalKind::Variable | GlobalKind::Let)
                }),
            },
            ExprKind::Call { func, args } => {
                atoms::lookup(&func.name).is_some()
                    || self.globals.get(func.name.as_str()).is_some_and(|g| g.kind == GlobalKind::Def)
                    || args.iter().any(|a| self.holds_unknowns(&a.value, scope))
            }
            ExprKind::List(items) => items.iter().any(|i| self.holds_unknowns(i, scope)),
            ExprKind::Unary(_, x) | ExprKind::Transpose(x) | ExprKind::Paren(x) | ExprKind::Index(x, _) => {
                self.holds_unknowns(x, scope)
            }
            ExprKind::Binary(_, a, b) => self.holds_unknowns(a, scope) || self.holds_unknowns(b, scope),
            ExprKind::Number(_) | ExprKind::Str(_) => false,
        }
    }

    fn expand_def(
        &mut self,
        e: &'a ast::Expr,
        func: &'a ast::Ident,
        args: &'a [ast::Arg],
        scope: &Scope<'a>,
    ) -> R<NodeId> {
        let name = func.name.as_str();
        if self.recursive_defs.contains(&name) || scope.calls.iter().any(|(n, _)| *n == name) {
            return Err(Fail); // reported once, at the definition
        }
        let g = &self.globals[name];
        let decl = g.name_span;
        let ast = self.ast;
        let StmtKind::Def { params, body, .. } = &ast.stmts[g.stmt].kind else { return Err(Fail) };
        if let Some(a) = args.iter().find(|a| a.name.is_some()) {
            let d = Diagnostic::error(
                codes::UNKNOWN_ARGUMENT,
                format!("`{name}` takes positional arguments only"),
            )
            .primary(a.name.as_ref().map(|n| n.span).unwrap_or(a.value.span), "keyword argument")
            .secondary(decl, "defined here");
            return Err(self.fail(d, scope));
        }
        if args.len() != params.len() {
            let list: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
            let d = Diagnostic::error(
                codes::ARITY,
                format!(
                    "`{name}` takes {} argument{} ({}), but {} {} given",
                    params.len(),
                    plural(params.len()),
                    list.join(", "),
                    args.len(),
                    if args.len() == 1 { "is" } else { "are" }
                ),
            )
            .primary(e.span, format!("{} given", args.len()))
            .secondary(decl, "defined here");
            return Err(self.fail(d, scope));
        }
        let mut inner = Scope { locals: Vec::new(), calls: scope.calls.clone() };
        let mut ids = Vec::with_capacity(args.len());
        for (p, a) in params.iter().zip(args) {
            let id = self.lower(&a.value, scope)?;
            inner.locals.push((p.name.as_str(), Local::Node(id)));
            ids.push(id);
        }
        // Expansion is pure: the same def on the same argument nodes gives the same
        // nodes, so share them (the spans are those of the first call).
        let key = (name, ids);
        if let Some(&id) = self.def_calls.get(&key) {
            return Ok(id);
        }
        inner.calls.push((name, e.span));
        let outermost = self.expansion.is_none();
        if outermost {
            let start = self.out.nodes.len();
            self.expansion = Some(Expansion { name, call: e.span, start, exceeded: false });
        }
        let result = self.lower(body, &inner);
        if outermost {
            self.expansion = None;
        }
        let id = result?;
        self.def_calls.insert(key, id);
        Ok(id)
    }

    fn atom_call(
        &mut self,
        e: &'a ast::Expr,
        func: &'a ast::Ident,
        atom: AtomId,
        args: &'a [ast::Arg],
        scope: &Scope<'a>,
    ) -> R<NodeId> {
        let a = atom.atom();
        let sig = a.signature();
        let name = a.name();
        let usage = usage(name, &sig);
        let nexpr = sig.args.len();
        // Bind arguments: positional first, then keywords.
        let mut exprs: Vec<Option<&'a ast::Expr>> = vec![None; if sig.variadic { 0 } else { nexpr }];
        let mut statics: Vec<Option<&'a ast::Expr>> = vec![None; sig.statics.len()];
        let mut seen_keyword = false;
        for (i, arg) in args.iter().enumerate() {
            match &arg.name {
                None => {
                    if seen_keyword {
                        let d = Diagnostic::error(
                            codes::UNKNOWN_ARGUMENT,
                            "positional argument after a keyword argument",
                        )
                        .primary(arg.value.span, "move it before the keyword arguments");
                        return Err(self.fail(d, scope));
                    }
                    if sig.variadic {
                        exprs.push(Some(&arg.value));
                    } else if i < nexpr {
                        exprs[i] = Some(&arg.value);
                    } else if i - nexpr < statics.len() {
                        statics[i - nexpr] = Some(&arg.value);
                    } else {
                        let d = Diagnostic::error(
                            codes::ARITY,
                            format!(
                                "`{name}` takes at most {} argument{}, but {} are given",
                                nexpr + statics.len(),
                                plural(nexpr + statics.len()),
                                args.len()
                            ),
                        )
                        .primary(arg.value.span, "unexpected argument")
                        .help(format!("the call is {usage}"));
                        return Err(self.fail(d, scope));
                    }
                }
                Some(kw) => {
                    seen_keyword = true;
                    let slot = if let Some(k) =
                        sig.args.iter().position(|n| *n == kw.name).filter(|_| !sig.variadic)
                    {
                        &mut exprs[k]
                    } else if let Some(k) = sig.statics.iter().position(|s| s.name == kw.name) {
                        &mut statics[k]
                    } else {
                        let mut names: Vec<&str> = sig.args.to_vec();
                        names.extend(sig.statics.iter().map(|s| s.name));
                        let mut d = Diagnostic::error(
                            codes::UNKNOWN_ARGUMENT,
                            format!("`{name}` has no argument `{}`", kw.name),
                        )
                        .primary(kw.span, "unknown keyword")
                        .help(format!("the call is {usage}"));
                        if let Some(s) = suggest::best_match(&kw.name, names.iter().copied()) {
                            d = d.help(format!("did you mean `{s}`?"));
                        }
                        return Err(self.fail(d, scope));
                    };
                    if slot.is_some() {
                        let d = Diagnostic::error(
                            codes::UNKNOWN_ARGUMENT,
                            format!("argument `{}` given twice", kw.name),
                        )
                        .primary(kw.span, "already given");
                        return Err(self.fail(d, scope));
                    }
                    *slot = Some(&arg.value);
                }
            }
        }
        let missing_expr = if sig.variadic { exprs.len() < nexpr } else { exprs.iter().any(|x| x.is_none()) };
        let missing_static = sig.statics.iter().zip(&statics).any(|(s, v)| !s.optional && v.is_none());
        if missing_expr || missing_static {
            let at_least = if sig.variadic { "at least " } else { "" };
            let min = nexpr + sig.statics.iter().filter(|s| !s.optional).count();
            let d = Diagnostic::error(
                codes::ARITY,
                format!(
                    "`{name}` takes {at_least}{min} argument{}, but {} {} given",
                    plural(min),
                    args.len(),
                    if args.len() == 1 { "is" } else { "are" }
                ),
            )
            .primary(e.span, "missing arguments")
            .help(format!("the call is {usage}"));
            return Err(self.fail(d, scope));
        }
        // cvxpy's `concatenate([x, y])` (and numpy's `hstack([x, y])`): a list literal is
        // a constant array here, so a list of expressions means the arguments themselves.
        if sig.variadic
            && let Some(list) =
                exprs.iter().flatten().find(|x| matches!(&x.kind, ExprKind::List(items) if items.iter().any(|i| self.holds_unknowns(i, scope))))
        {
            let d = Diagnostic::error(
                codes::NOT_STATIC,
                format!("`{name}` takes the expressions to join as its arguments, not in a list"),
            )
            .primary(list.span, "a list literal is a constant array, and this one holds variables or parameters")
            .help(format!("drop the brackets: write {usage} (cvxpy's `{name}([x, y, …])` is `{name}(x, y, …)`)"));
            return Err(self.fail(d, scope));
        }
        // Lower the expression arguments, evaluate the static ones.
        let mut ids = Vec::with_capacity(exprs.len());
        let mut arg_exprs = Vec::with_capacity(exprs.len());
        for x in exprs.into_iter().flatten() {
            ids.push(self.lower(x, scope)?);
            arg_exprs.push(x);
        }
        let mut values = Vec::with_capacity(statics.len());
        let given_statics: Vec<&ast::Expr> = statics.iter().flatten().copied().collect();
        for (spec, v) in sig.statics.iter().zip(statics) {
            let value = match v {
                // A flag takes Python's spelling as well as 1 and 0.
                Some(x) if spec.kind == StaticKind::Bool && flag_literal(x).is_some() => flag_literal(x),
                Some(ast::Expr { kind: ExprKind::Str(t), span, .. }) => {
                    match spec.words.iter().find(|(w, _)| w == t) {
                        Some(&(_, v)) => Some(v),
                        None if spec.words.is_empty() => {
                            let d = misplaced_string(t, *span, &format!("`{}` of `{name}`", spec.name));
                            return Err(self.fail(d, scope));
                        }
                        None => {
                            let words: Vec<String> =
                                spec.words.iter().map(|(w, _)| format!("\"{w}\"")).collect();
                            let d = Diagnostic::error(
                                codes::MISPLACED_STRING,
                                format!("`{}` of `{name}` cannot be \"{t}\"", spec.name),
                            )
                            .primary(*span, "not one of the choices")
                            .help(format!("write a number or one of {}", words.join(", ")));
                            return Err(self.fail(d, scope));
                        }
                    }
                }
                Some(x) => {
                    let before = self.diags.len();
                    let Ok(num) = self.eval_num(x, scope) else {
                        // Say which slot wanted the number: an extra expression
                        // argument lands here (`sum(x, y)` reads `y` as `axis`).
                        if let Some(d) = self.diags.get_mut(before) {
                            d.notes.push(format!(
                                "`{}` of `{name}` must be a number known when compiling; the call is {usage}",
                                spec.name
                            ));
                        }
                        return Err(Fail);
                    };
                    if spec.kind == StaticKind::Int && num.fract() != 0.0 {
                        let d = Diagnostic::error(
                            codes::NOT_INTEGER,
                            format!("`{}` of `{name}` must be an integer, got {num}", spec.name),
                        )
                        .primary(x.span, "not an integer");
                        return Err(self.fail(d, scope));
                    }
                    if spec.kind == StaticKind::Bool && num != 0.0 && num != 1.0 {
                        let d = Diagnostic::error(
                            codes::NOT_INTEGER,
                            format!("`{}` of `{name}` is a flag, got {num}", spec.name),
                        )
                        .primary(x.span, "not True or False")
                        .help(format!("write {}=True or {}=False", spec.name, spec.name));
                        return Err(self.fail(d, scope));
                    }
                    Some(num)
                }
                None => spec.default,
            };
            values.push(value);
        }
        let shapes: Vec<Shape> = ids.iter().map(|id| self.out.node(*id).shape).collect();
        match a.shape(&shapes, &values) {
            Ok(shape) => self.push(Op::Atom(atom, ids, values), shape, e.span),
            Err(err) => {
                let mut d = Diagnostic::error(codes::ATOM_SHAPE, err.message.clone());
                d = match err.arg.and_then(|k| arg_exprs.get(k)) {
                    Some(x) => d
                        .primary(x.span, format!("shape {}", shapes[err.arg.unwrap_or(0)]))
                        .secondary(func.span, format!("in this call of `{name}`")),
                    // No argument to blame: the compile-time one is, when there is one.
                    None => match given_statics[..] {
                        [x] => d
                            .primary(x.span, "not accepted")
                            .secondary(func.span, format!("in this call of `{name}`")),
                        _ => d.primary(e.span, "here"),
                    },
                };
                for (k, x) in arg_exprs.iter().enumerate() {
                    if Some(k) != err.arg && shapes.len() > 1 {
                        d = d.secondary(x.span, format!("shape {}", shapes[k]));
                    }
                }
                // The declarations' shapes only matter when a shape is to blame.
                let mut d = if err.arg.is_some() { self.decl_labels(d, &arg_exprs) } else { d };
                if let Some(h) = err.help {
                    d = d.help(h);
                }
                Err(self.fail(d, scope))
            }
        }
    }
}

/// A string literal where no choice is named by one (E0306).
pub(crate) fn misplaced_string(text: &str, span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(codes::MISPLACED_STRING, format!("a string (\"{text}\") cannot be {what}"))
        .primary(span, "string here")
        .help("strings only name a choice of an atom argument, as in norm(X, \"fro\"); write a number or an expression")
}

/// `True`/`true` → 1, `False`/`false` → 0: the value of a flag argument written as a
/// name (dopt has no booleans otherwise).
fn flag_literal(x: &ast::Expr) -> Option<f64> {
    match &x.kind {
        ast::ExprKind::Name(n) if n == "True" || n == "true" => Some(1.0),
        ast::ExprKind::Name(n) if n == "False" || n == "false" => Some(0.0),
        _ => None,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// How an atom is called, e.g. `norm(x, p)` or `huber(x, M=1)`.
pub fn usage(name: &str, sig: &atoms::Signature) -> String {
    let mut parts: Vec<String> = sig.args.iter().map(|a| a.to_string()).collect();
    if sig.variadic {
        parts.push("...".into());
    }
    for s in sig.statics {
        parts.push(match (s.optional, s.default) {
            (false, _) => s.name.to_string(),
            (true, Some(d)) => format!("{}={d}", s.name),
            (true, None) => format!("[{}]", s.name),
        });
    }
    format!("`{name}({})`", parts.join(", "))
}

/// numpy's `@` shape rule; `Err((reason, help))` when the shapes do not fit.
fn matmul_shape(a: Shape, b: Shape) -> Result<Shape, (String, Option<String>)> {
    if a.is_scalar() || b.is_scalar() {
        return Err(("`@` does not take scalars".into(), Some("to scale by a scalar use `*`".into())));
    }
    let (inner_a, inner_b) = (a.dims()[a.ndim() - 1], b.dims()[0]);
    if inner_a != inner_b {
        return Err((
            format!("the inner dimensions differ ({inner_a} vs {inner_b})"),
            Some(if b.is_vector() {
                "for `A @ x` the number of columns of A must equal the length of x".into()
            } else if a.is_vector() {
                "for `y @ B` the length of y must equal the number of rows of B".into()
            } else {
                "for `A @ B` the number of columns of A must equal the number of rows of B".into()
            }),
        ));
    }
    Ok(match (a.ndim(), b.ndim()) {
        (1, 1) => Shape::SCALAR,
        (2, 1) => Shape::vector(a.dims()[0]),
        (1, 2) => Shape::vector(b.dims()[1]),
        _ => Shape::matrix(a.dims()[0], b.dims()[1]),
    })
}

/// The `for` variables bound in a scope, for messages.
fn iteration_of(scope: &Scope<'_>) -> Vec<(String, i64)> {
    scope
        .locals
        .iter()
        .filter_map(|(n, l)| match l {
            Local::Int(v) => Some((n.to_string(), *v)),
            Local::Node(_) => None,
        })
        .collect()
}

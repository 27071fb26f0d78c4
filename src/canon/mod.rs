//! Canonicalization: a DCP/DPP program becomes a parametrized cone program. Every
//! expression becomes a parametric [`Affine`] expression in the cone program's
//! variables; each nonlinear atom adds an epigraph (convex) or hypograph (concave)
//! variable and the cone constraints that tie it to its arguments (in the atom's own
//! file). Quadratic terms of a minimized objective go into P.
//!
//! Nodes are canonicalized without recursion (an explicit stack visits operands
//! before their users), each shared node once; a node's form is kept only until its
//! last user has taken it. Every term produced is counted against a budget
//! ([`MAX_TERMS`]), checked as the work goes, so that a problem too large to compile
//! is refused with the expression that crossed the limit before its memory is spent.

pub use crate::conic::affine;
pub use crate::conic::{Affine, CONST, ONE, Term, broadcast, broadcast_rows, svec};

use crate::conic::ConeBuilder;

use crate::dcp::analyze::Facts;
use crate::dcp::terms::{self, Factor, TermKind};
use crate::diag::{Diagnostic, codes};
use crate::ir::ast::Sense;
use crate::ir::cone::{Cone, ConeProgram, ConstraintRows, Pattern, RowLayout};
use crate::ir::eval::index_positions;
use crate::ir::hir::{CmpKind, NodeId, Op, Program};
use crate::ir::shape::Shape;
use crate::ir::svec as svec_layout;
use crate::source::Span;
use std::collections::HashMap;
use std::ops::{Deref, DerefMut, Range};

/// Most terms (coefficients of the parametric cone program) and entries that
/// canonicalization produces for a problem, counted as they are produced,
/// intermediate forms included. A term takes 24 bytes; beyond this the work would
/// take minutes and gigabytes.
pub const MAX_TERMS: usize = 100_000_000;

/// Why a program cannot be reduced to a cone program, and where.
#[derive(Clone, Debug, PartialEq)]
pub struct CanonError {
    /// What went wrong.
    pub message: String,
    /// The expression or statement it happened in, with a label.
    pub at: Option<(Span, String)>,
    /// What to change.
    pub help: Option<String>,
}

impl From<String> for CanonError {
    fn from(message: String) -> CanonError {
        CanonError { message, at: None, help: None }
    }
}

impl From<&str> for CanonError {
    fn from(message: &str) -> CanonError {
        CanonError::from(message.to_string())
    }
}

impl std::fmt::Display for CanonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl CanonError {
    /// The E0801 diagnostic.
    pub fn diagnostic(&self) -> Diagnostic {
        let mut d = Diagnostic::error(
            codes::CANON,
            format!("cannot reduce the problem to a cone program: {}", self.message),
        );
        if let Some((span, label)) = &self.at {
            d = d.primary(*span, label.clone());
        }
        if let Some(h) = &self.help {
            d = d.help(h.clone());
        }
        d
    }
}

/// Counts of the work canonicalization did (for tests of how it grows with the
/// problem, and for `dopt canon`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Terms and entries produced, intermediate forms and cone blocks included (the
    /// budget's measure, see [`MAX_TERMS`]).
    pub terms: usize,
    /// Non-leaf nodes canonicalized (each shared node once).
    pub nodes: usize,
    /// Most terms held at once in forms waiting for their users.
    pub peak_held: usize,
}

/// The canonicalization of one program: a [`ConeBuilder`] (reached through `Deref`,
/// and handed to the atoms) plus what only the walk over the program needs.
pub struct Canon<'a> {
    prog: &'a Program,
    /// The variables, cones and P entries so far, and the terms put in cones.
    builder: ConeBuilder,
    nparams: usize,
    param_entries: Vec<Range<usize>>,
    var_cols: Vec<Range<usize>>,
    /// How each user variable's columns hold its entries (svec for symmetric ones).
    var_layout: Vec<RowLayout>,
    /// Forms of canonicalized nodes that users still have to take.
    forms: HashMap<NodeId, Affine>,
    /// How many uses of each node are still to come (references from the nodes
    /// that the objective and the constraints reach).
    uses: Vec<u32>,
    rows: Vec<(usize, usize, RowLayout, f64)>,
    /// The work so far (but `terms` counts the walk only; the builder counts cones).
    stats: Stats,
    /// Terms held in `forms`.
    held: usize,
    /// Terms of the operands handed to the node being built (already counted).
    handed: usize,
    /// The term budget.
    budget: usize,
}

impl Deref for Canon<'_> {
    type Target = ConeBuilder;
    fn deref(&self) -> &ConeBuilder {
        &self.builder
    }
}

impl DerefMut for Canon<'_> {
    fn deref_mut(&mut self) -> &mut ConeBuilder {
        &mut self.builder
    }
}

impl<'a> Canon<'a> {
    /// The canonical form of a node. Operands are canonicalized first, in
    /// post-order on an explicit stack (no recursion, whatever the depth of the
    /// DAG); a shared node is canonicalized once and its form kept until its last use.
    pub fn expr(&mut self, id: NodeId) -> Result<Affine, CanonError> {
        self.operand(id, None)
    }

    /// The work so far.
    pub fn stats(&self) -> Stats {
        Stats { terms: self.terms(), ..self.stats }
    }

    /// Terms produced so far: by the walk, and put in cones by the builder.
    fn terms(&self) -> usize {
        self.stats.terms.saturating_add(self.builder.terms)
    }

    fn is_leaf(&self, id: NodeId) -> bool {
        matches!(self.prog.node(id).op, Op::Const(_) | Op::Param(_) | Op::Var(_))
    }

    /// Canonicalize every node below `root` (and `root`) that has no form yet.
    fn fill(&mut self, root: NodeId) -> Result<(), CanonError> {
        let mut stack = vec![(root, false)];
        while let Some((id, ready)) = stack.pop() {
            if self.is_leaf(id) || self.forms.contains_key(&id) {
                continue;
            }
            if !ready {
                stack.push((id, true));
                let args = self.prog.node(id).op.args();
                stack.extend(args.into_iter().rev().map(|a| (a, false)));
                continue;
            }
            // The entries first: the work below allocates in proportion to them.
            self.charge(self.prog.node(id).shape.size(), id)?;
            let outer = std::mem::take(&mut self.handed);
            // An atom's own intermediate forms stop at what is left of the budget.
            affine::set_term_limit(self.budget.saturating_sub(self.stats.terms));
            let form = self.build(id).map_err(|e| self.locate(e, id));
            let handed = std::mem::replace(&mut self.handed, outer);
            if affine::take_over_limit() {
                self.stats.terms = self.stats.terms.max(self.budget.saturating_add(1));
                let span = self.prog.node(id).span;
                return Err(self
                    .check_budget(span, "building this expression")
                    .err()
                    .unwrap_or_else(|| "an expression passed the term limit".into()));
            }
            let mut form = form?;
            if self.uses.get(id.index()).is_some_and(|&u| u > 1) {
                form = form.compact(); // shared: compact once, not at each use
            }
            self.stats.nodes += 1;
            // Only the terms the node made are new: its operands' were counted.
            self.charge(form.len().saturating_sub(handed), id)?;
            self.held += form.len();
            self.stats.peak_held = self.stats.peak_held.max(self.held);
            self.forms.insert(id, form);
        }
        Ok(())
    }

    /// Give an error without a place the span of the node it came from.
    fn locate(&self, mut e: CanonError, id: NodeId) -> CanonError {
        if e.at.is_none() {
            e.at = Some((self.prog.node(id).span, "in this expression".into()));
        }
        e
    }

    /// Count `terms` new terms, produced for node `id`; an error past the budget.
    fn charge(&mut self, terms: usize, id: NodeId) -> Result<(), CanonError> {
        self.stats.terms = self.stats.terms.saturating_add(terms);
        self.check_budget(self.prog.node(id).span, "this expression")
    }

    /// The budget error, located at `span`, if the work so far is past it.
    fn check_budget(&self, span: Span, what: &str) -> Result<(), CanonError> {
        if self.terms() <= self.budget {
            return Ok(());
        }
        Err(CanonError {
            message: format!(
                "the problem is too large to compile: its cone program needs more than {} \
                 terms (coefficients), the limit",
                self.budget
            ),
            at: Some((span, format!("{what} brings the count to {}", self.terms()))),
            help: Some("make the dims or this expression smaller".into()),
        })
    }

    /// The form of operand `id`, taking rows `rows` of it (all if `None`): a leaf is
    /// built for just those rows; another node's form is taken from `forms` (moved
    /// out at its last use).
    fn operand(&mut self, id: NodeId, rows: Option<&[usize]>) -> Result<Affine, CanonError> {
        let p = self.prog;
        if self.is_leaf(id) {
            let n = rows.map_or(p.node(id).shape.size(), <[usize]>::len);
            self.charge(n, id)?;
            let at = |r: usize| rows.map_or(r, |rows| rows[r]);
            self.handed += n;
            return Ok(match &p.node(id).op {
                Op::Const(k) => {
                    let data = &p.consts[k.index()].value.data;
                    Affine::constant(&(0..n).map(|r| data[at(r)]).collect::<Vec<_>>())
                }
                Op::Param(k) => {
                    let start = self.param_entries[k.index()].start;
                    Affine::parameters_at((0..n).map(|r| start + at(r)))
                }
                Op::Var(k) => {
                    let start = self.var_cols[k.index()].start;
                    match self.var_layout[k.index()] {
                        // Entry (i, j) of a symmetric variable is its column of the pair.
                        RowLayout::Triangle(m) => {
                            let tri = svec_layout::triangle_rows(m);
                            Affine::variables_at((0..n).map(|r| start + tri[at(r)]))
                        }
                        _ => Affine::variables_at((0..n).map(|r| start + at(r))),
                    }
                }
                _ => unreachable!("a leaf"),
            });
        }
        if !self.forms.contains_key(&id) {
            self.fill(id)?;
        }
        let left = self.uses.get(id.index()).copied().unwrap_or(0);
        let form = if left > 1 {
            self.uses[id.index()] = left - 1;
            let form = self.forms[&id].clone();
            self.charge(form.len(), id)?;
            form
        } else {
            // The last use (or a use the counts did not foresee): free the form.
            if let Some(u) = self.uses.get_mut(id.index()) {
                *u = 0;
            }
            let form = self.forms.remove(&id).expect("filled");
            self.held -= form.len();
            form
        };
        let form = match rows {
            Some(rows) => {
                let g = form.gather(rows);
                self.charge(g.len(), id)?;
                g
            }
            None => form,
        };
        self.handed += form.len();
        Ok(form)
    }

    /// Operand `id` broadcast from its shape to `to`.
    fn broadcast_operand(&mut self, id: NodeId, to: Shape) -> Result<Affine, CanonError> {
        let from = self.prog.node(id).shape;
        if from == to {
            self.operand(id, None)
        } else {
            self.charge(to.size(), id)?;
            self.operand(id, Some(&broadcast_rows(from, to)))
        }
    }

    /// The form of node `id` from its operands' forms.
    fn build(&mut self, id: NodeId) -> Result<Affine, CanonError> {
        let p = self.prog;
        let node = p.node(id);
        let shape = node.shape;
        Ok(match &node.op {
            Op::Const(_) | Op::Param(_) | Op::Var(_) => self.operand(id, None)?,
            Op::Neg(a) => self.expr(*a)?.neg(),
            Op::Add(a, b) | Op::Sub(a, b) => {
                let x = self.broadcast_operand(*a, shape)?;
                let y = self.broadcast_operand(*b, shape)?;
                if matches!(node.op, Op::Sub(..)) { x.add(y.neg()) } else { x.add(y) }
            }
            Op::Mul(a, b) => {
                let x = self.broadcast_operand(*a, shape)?;
                let y = self.broadcast_operand(*b, shape)?;
                let (lx, ly) = (x.row_lengths(), y.row_lengths());
                self.charge(lx.iter().zip(&ly).map(|(u, v)| u * v).sum(), id)?;
                let map: Vec<_> = (0..shape.size()).map(|i| (i, i, i, 1.0)).collect();
                x.bilinear(&y, shape.size(), &map)?
            }
            Op::Div(a, b) => {
                let x = self.broadcast_operand(*a, shape)?;
                let y = self.broadcast_operand(*b, shape)?;
                let vals = ConeBuilder::constant_values(&y).ok_or("division by a non-constant")?;
                let map: Vec<_> = vals.iter().enumerate().map(|(i, v)| (i, i, 1.0 / v)).collect();
                x.linear_map(shape.size(), &map)
            }
            Op::MatMul(a, b) => {
                let (sa, sb) = (p.node(*a).shape, p.node(*b).shape);
                let (x, y) = (self.expr(*a)?, self.expr(*b)?);
                self.charge(matmul_terms(&x, sa, &y, sb), id)?;
                x.bilinear_iter(&y, shape.size(), matmul_entries(sa, sb))?
            }
            Op::Transpose(a) => {
                let sa = p.node(*a).shape;
                let x = self.expr(*a)?;
                if sa.is_matrix() {
                    let (m, n) = sa.rows_cols();
                    let rows: Vec<usize> = (0..n * m).map(|k| (k % m) * n + k / m).collect();
                    x.gather(&rows)
                } else {
                    x
                }
            }
            Op::Index(a, sels) => {
                let sa = p.node(*a).shape;
                let (_, cols) = sa.rows_cols();
                let rows: Vec<usize> =
                    index_positions(sa, sels).into_iter().map(|(i, j)| i * cols + j).collect();
                self.operand(*a, Some(&rows))?
            }
            Op::Atom(atom, args, statics) => {
                let mut xs = Vec::with_capacity(args.len());
                let mut shapes = Vec::with_capacity(args.len());
                for a in args {
                    xs.push(self.expr(*a)?);
                    shapes.push(p.node(*a).shape);
                }
                atom.atom().canonicalize(self, &xs, &shapes, statics, shape)?
            }
        })
    }
}

/// An upper bound on the terms of `x @ y` before duplicates are merged: the sum
/// over the inner index t of (terms in column t of x) · (terms in row t of y).
fn matmul_terms(x: &Affine, sa: Shape, y: &Affine, sb: Shape) -> usize {
    let k = if sa.is_vector() { sa.dims()[0] } else { sa.rows_cols().1 };
    let mut left = vec![0usize; k];
    for (i, l) in x.row_lengths().into_iter().enumerate() {
        left[i % k.max(1)] += l;
    }
    let mut right = vec![0usize; k];
    let n = if sb.is_vector() { 1 } else { sb.rows_cols().1 };
    for (i, l) in y.row_lengths().into_iter().enumerate() {
        right[i / n.max(1)] += l;
    }
    left.iter().zip(&right).fold(0usize, |acc, (u, v)| acc.saturating_add(u.saturating_mul(*v)))
}

/// The (out, left, right, weight) entries of numpy's `@`, one at a time (the map of
/// a dense m×k by k×n product has m·k·n entries).
pub fn matmul_entries(a: Shape, b: Shape) -> impl Iterator<Item = (usize, usize, usize, f64)> {
    let (m, k) = if a.is_vector() { (1, a.dims()[0]) } else { a.rows_cols() };
    let n = if b.is_vector() { 1 } else { b.rows_cols().1 };
    (0..m).flat_map(move |i| {
        (0..n).flat_map(move |j| (0..k).map(move |t| (i * n + j, i * k + t, t * n + j, 1.0)))
    })
}

/// Canonicalize a checked, DCP and DPP program.
pub fn canonicalize(p: &Program, facts: &Facts) -> Result<ConeProgram, CanonError> {
    canonicalize_counted(p, facts, MAX_TERMS).map(|(cp, _)| cp)
}

/// [`canonicalize`] with a term budget, returning the counts of the work done.
pub fn canonicalize_counted(
    p: &Program,
    facts: &Facts,
    budget: usize,
) -> Result<(ConeProgram, Stats), CanonError> {
    /// Lifts the per-operation term limit when canonicalization ends, however it ends.
    struct Unlimited;
    impl Drop for Unlimited {
        fn drop(&mut self) {
            affine::set_term_limit(usize::MAX);
            affine::take_over_limit();
        }
    }
    let _unlimited = Unlimited;
    affine::take_over_limit();
    let mut param_entries = Vec::new();
    let mut nparams = 0;
    for d in &p.params {
        param_entries.push(nparams..nparams + d.shape.size());
        nparams += d.shape.size();
    }
    // A `symmetric`/`psd`/`nsd` variable is parametrized by its upper triangle
    // (n(n+1)/2 columns X_ij, i ≤ j), as cvxpy does: no n² free columns tied by
    // symmetry equalities, and its PSD cone is `weights ∘ x ∈ K`. Columns scaled as
    // svec (√2 X_ij) measured less accurate at Clarabel's default tolerances
    // (docs/performance.md).
    let mut var_cols = Vec::new();
    let mut var_layout = Vec::new();
    let mut n = 0;
    for d in &p.vars {
        let a = d.attrs;
        let (size, layout) = if a.symmetric || a.psd || a.nsd {
            let m = d.shape.dims()[0];
            (svec_layout::len(m), RowLayout::Triangle(m))
        } else {
            (d.shape.size(), RowLayout::Elementwise)
        };
        var_cols.push(n..n + size);
        var_layout.push(layout);
        n += size;
    }
    let builder =
        ConeBuilder { param_twins: symmetric_param_twins(p, &param_entries), ..ConeBuilder::new(n) };
    let mut c = Canon {
        prog: p,
        builder,
        nparams,
        param_entries: param_entries.clone(),
        var_cols: var_cols.clone(),
        var_layout: var_layout.clone(),
        forms: HashMap::new(),
        uses: use_counts(p),
        rows: Vec::new(),
        stats: Stats::default(),
        held: 0,
        handed: 0,
        budget,
    };
    // Variable attributes are constraints (symmetry is in the parametrization).
    for (k, d) in p.vars.iter().enumerate() {
        let x = Affine::variable(var_cols[k].clone());
        let a = d.attrs;
        if a.nonneg {
            c.nonneg(x.clone());
        }
        if a.nonpos {
            c.nonneg(x.clone().neg());
        }
        if let RowLayout::Triangle(m) = var_layout[k]
            && (a.psd || a.nsd)
        {
            let w: Vec<_> = svec_layout::weights(m).into_iter().enumerate().map(|(k, w)| (k, k, w)).collect();
            let s = x.linear_map(w.len(), &w);
            c.cone(Cone::Psd(m), if a.psd { s } else { s.neg() });
        }
    }
    // Objective: minimize sign·f.
    let sign = match p.objective.as_ref().map(|o| o.sense) {
        Some(Sense::Maximize) => -1.0,
        _ => 1.0,
    };
    let mut linear = Affine::zeros(1);
    if let Some(obj) = &p.objective {
        let ot = terms::objective_terms(p, facts);
        // Each weight once, in chain order (a parent precedes its children).
        let mut weights: Vec<Affine> = Vec::with_capacity(ot.weights.len());
        for wt in &ot.weights {
            let parent = wt.parent.map_or_else(|| Affine::constant(&[sign]), |k| weights[k].clone());
            let w = match wt.factor {
                Factor::Neg => parent.neg(),
                Factor::Times(k) => {
                    parent.bilinear(&c.expr(k)?, 1, &[(0, 0, 0, 1.0)]).map_err(|e| c.locate(e.into(), k))?
                }
                Factor::Over(k) => {
                    let v = ConeBuilder::constant_values(&c.expr(k)?)
                        .ok_or_else(|| c.locate("division by a non-constant".into(), k))?;
                    parent.linear_map(1, &[(0, 0, 1.0 / v[0])])
                }
            };
            weights.push(w);
        }
        for t in &ot.terms {
            let w = t.weight.map_or_else(|| Affine::constant(&[sign]), |k| weights[k].clone());
            // quad_over_lin(e, y) with a constant y > 0 is ‖e‖²/y: into P with weight w/y,
            // as cvxpy's QP path does (its SOC form puts a zero optimum at the cone's apex,
            // where the interior-point method can stall). Otherwise through its atom.
            let (kind, w) = match t.kind {
                TermKind::QuadOverLin => match quad_over_lin_denominator(&mut c, t)? {
                    Some(y) => (TermKind::SumSquares, w.scale(1.0 / y)),
                    None => (TermKind::Other, w),
                },
                k => (k, w),
            };
            let part = if kind == TermKind::Other {
                let e = c.expr(t.node)?;
                w.bilinear(&e, 1, &[(0, 0, 0, 1.0)]).map_err(|e| c.locate(e.into(), t.node))?
            } else {
                quadratic_term(&mut c, t.node, kind, &w).map_err(|e| c.locate(e, t.node))?;
                Affine::zeros(1)
            };
            c.stats.terms = c.stats.terms.saturating_add(part.len());
            c.check_budget(obj.span, "the objective")?;
            linear = linear.add(part);
        }
    }
    // Constraints.
    for (k, con) in p.constraints.iter().enumerate() {
        let lhs = c.broadcast_operand(con.lhs, con.shape)?;
        let rhs = c.broadcast_operand(con.rhs, con.shape)?;
        let block = c.blocks.len();
        let (layout, dual_sign) = match con.kind {
            // Duals follow cvxpy: the Lagrangian is f + Σ λ(lhs − rhs) for `lhs <= rhs`
            // and `lhs == rhs` (`>=` read as `rhs <= lhs`), of the minimized problem
            // (−f for maximize). Clarabel's is f + zᵀ(Ax − b) = f − zᵀs, so λ = z for
            // inequalities (s = rhs − lhs) and λ = −z for equalities (s = lhs − rhs).
            CmpKind::Eq => {
                c.zero(lhs.add(rhs.neg()));
                (RowLayout::Elementwise, -1.0)
            }
            CmpKind::Le => {
                c.nonneg(rhs.add(lhs.neg()));
                (RowLayout::Elementwise, 1.0)
            }
            CmpKind::Ge => {
                c.nonneg(lhs.add(rhs.neg()));
                (RowLayout::Elementwise, 1.0)
            }
            CmpKind::Psd | CmpKind::Nsd => {
                let m = con.shape.dims()[0];
                let d = if con.kind == CmpKind::Psd { lhs.add(rhs.neg()) } else { rhs.add(lhs.neg()) };
                c.psd(&d, m);
                (RowLayout::Psd(m), 1.0)
            }
        };
        c.rows.push((k, block, layout, dual_sign));
        c.check_budget(con.span, "this constraint")?;
    }
    let stats = c.stats();
    Ok((assemble(c, sign, linear, var_cols, var_layout, param_entries)?, stats))
}

/// For every `symmetric`/`psd`/`nsd` parameter, the θ entry of each entry below the
/// diagonal → that of its mirror above.
fn symmetric_param_twins(p: &Program, param_entries: &[Range<usize>]) -> HashMap<u32, u32> {
    let mut twins = HashMap::new();
    for (d, r) in p.params.iter().zip(param_entries) {
        let a = d.attrs;
        if !(a.symmetric || a.psd || a.nsd) {
            continue;
        }
        let m = d.shape.dims()[0];
        for i in 0..m {
            for j in 0..i {
                twins.insert((r.start + i * m + j) as u32, (r.start + j * m + i) as u32);
            }
        }
    }
    twins
}

/// How many references each node has from the objective, the constraint sides and
/// the operands of the nodes they reach (nodes no statement reaches count none).
/// Iterative: the depth of the DAG does not matter.
fn use_counts(p: &Program) -> Vec<u32> {
    let mut uses = vec![0u32; p.nodes.len()];
    let mut seen = vec![false; p.nodes.len()];
    let roots = p.objective.iter().map(|o| o.expr).chain(p.constraints.iter().flat_map(|c| [c.lhs, c.rhs]));
    let mut stack: Vec<NodeId> = Vec::new();
    let mut count = |id: NodeId, stack: &mut Vec<NodeId>| {
        if let Some(u) = uses.get_mut(id.index()) {
            *u = u.saturating_add(1);
            if !std::mem::replace(&mut seen[id.index()], true) {
                stack.push(id);
            }
        }
    };
    for r in roots {
        count(r, &mut stack);
        while let Some(id) = stack.pop() {
            for a in p.node(id).op.args() {
                count(a, &mut stack);
            }
        }
    }
    uses
}

/// Put a quadratic term of the objective (`sum_squares`, scalar `square`, `quad_form`
/// with a constant or, by [`TermKind::ParamQuadForm`], a `psd` parameter matrix),
/// weighted by `w`, into P.
fn quadratic_term(c: &mut Canon, node: NodeId, kind: TermKind, w: &Affine) -> Result<(), CanonError> {
    let p = c.prog;
    let Op::Atom(_, args, _) = &p.node(node).op else { return Err("not a quadratic term".into()) };
    // The weight is known nonnegative: DCP guarantees it for a convex term of a
    // minimized objective, and the curvature of a quadratic is convex.
    let e = c.expr(args[0])?;
    // Put the argument into fresh variables unless it already is a plain variable
    // block, so that P stays free of parameters other than the weight's and P's.
    let cols: Vec<u32> = match plain_columns(&e) {
        Some(cols) => cols,
        None => {
            let v = c.var(e.size);
            c.zero(v.clone().add(e.neg()));
            plain_columns(&v).expect("fresh variables")
        }
    };
    let wt: Vec<(u32, f64)> = w.terms().iter().map(|t| (t.param, t.val)).collect();
    if kind == TermKind::SumSquares {
        for &col in &cols {
            for &(param, val) in &wt {
                c.quad_entry(col, col, param, 2.0 * val);
            }
        }
        return Ok(());
    }
    let pm = c.expr(args[1])?;
    let k = cols.len();
    let pm = pm.sorted();
    for e in pm.terms().iter() {
        let (i, j) = ((e.row as usize) / k.max(1), (e.row as usize) % k.max(1));
        if i > j {
            continue; // the upper triangle describes the symmetric P
        }
        for &(param, val) in &wt {
            let par = match (param, e.param) {
                (ONE, q) | (q, ONE) => q,
                _ => return Err("quad_form with a parametric matrix and a parametric weight".into()),
            };
            // w·xᵀPx = ½ xᵀ(2wP)x; P is symmetric (PSD by the analysis, or a
            // validated `psd` parameter), so its upper triangle describes it.
            c.quad_entry(cols[i], cols[j], par, 2.0 * val * e.val);
        }
    }
    Ok(())
}

/// The value of the constant denominator y of a [`TermKind::QuadOverLin`] term, when
/// it is positive (`None` otherwise: the atom's own form then decides the domain).
fn quad_over_lin_denominator(c: &mut Canon, t: &terms::Term) -> Result<Option<f64>, CanonError> {
    let Op::Atom(_, args, _) = &c.prog.node(t.node).op else { return Ok(None) };
    let y = ConeBuilder::constant_values(&c.expr(args[1])?);
    Ok(y.and_then(|v| (v.len() == 1 && v[0] > 0.0 && v[0].is_finite()).then_some(v[0])))
}

/// The columns of an expression that is exactly one distinct variable per entry with
/// coefficient 1 and nothing else.
fn plain_columns(e: &Affine) -> Option<Vec<u32>> {
    let mut cols = vec![u32::MAX; e.size];
    for t in e.terms().iter() {
        if t.col == CONST || t.param != ONE || t.val != 1.0 || cols[t.row as usize] != u32::MAX {
            return None;
        }
        cols[t.row as usize] = t.col;
    }
    let mut sorted = cols.clone();
    sorted.sort_unstable();
    sorted.dedup();
    (sorted.len() == cols.len() && !cols.contains(&u32::MAX)).then_some(cols)
}

fn assemble(
    mut c: Canon,
    sign: f64,
    linear: Affine,
    var_cols: Vec<Range<usize>>,
    var_layout: Vec<RowLayout>,
    param_entries: Vec<Range<usize>>,
) -> Result<ConeProgram, String> {
    // The expressions of the nodes are no longer needed: free them before M is built
    // (for a dense parameter they hold several copies of its entries).
    c.forms = HashMap::new();
    let n = c.n;
    let np = c.nparams;
    let pcol = |param: u32| if param == ONE { np } else { param as usize };
    // Rows of A and the cones (consecutive zero / nonnegative blocks merged); each
    // block is freed once its terms are copied.
    let mut cones: Vec<Cone> = Vec::new();
    let nterms: usize = c.blocks.iter().map(|(_, e)| e.len()).sum();
    let mut a_terms: Vec<(u32, u32, u32, f64)> = Vec::with_capacity(nterms); // (col, row, param, val)
    let mut b_terms: Vec<(u32, u32, f64)> = Vec::new();
    let mut block_rows = Vec::with_capacity(c.blocks.len());
    let mut m = 0;
    let index = |k: usize| u32::try_from(k).map_err(|_| "the cone program is too large".to_string());
    for (cone, e) in std::mem::take(&mut c.blocks) {
        block_rows.push(m..m + e.size);
        for t in e.terms().iter() {
            let row = index(m + t.row as usize)?;
            if t.col == CONST {
                b_terms.push((row, pcol(t.param) as u32, t.val));
            } else {
                // s = e = G x + h  ⇒  −G x + s = h.
                a_terms.push((t.col, row, pcol(t.param) as u32, -t.val));
            }
        }
        m += e.size;
        match (cones.last_mut(), cone) {
            (Some(Cone::Zero(k)), Cone::Zero(j)) | (Some(Cone::Nonneg(k)), Cone::Nonneg(j)) => *k += j,
            _ => cones.push(cone),
        }
    }
    index(m)?;
    let (a, a_index) = pattern(m, n, a_terms.iter().map(|t| (t.1 as usize, t.0 as usize)));
    let p_entries: Vec<(usize, usize)> = c.quad.iter().map(|q| (q.0 as usize, q.1 as usize)).collect();
    let (pp, p_index) = pattern(n, n, p_entries.into_iter());
    let mut layout = ConeProgram {
        n,
        m,
        cones,
        p: pp,
        a,
        map: sprs::CsMat::zero((0, 0)),
        nparams: np,
        var_cols,
        var_layout,
        param_entries,
        constraint_rows: Vec::new(),
        objective_sign: sign,
    };
    let off = layout.offsets();
    // M as (row, column, value) triplets, then CSR with duplicates summed.
    let mut trip: Vec<(usize, u32, f64)> =
        Vec::with_capacity(c.quad.len() + linear.len() + a_terms.len() + b_terms.len());
    for (q, k) in c.quad.iter().zip(&p_index) {
        trip.push((off.p + k, pcol(q.2) as u32, q.3));
    }
    for t in linear.terms().iter() {
        let row = if t.col == CONST { off.r } else { off.q + t.col as usize };
        trip.push((row, pcol(t.param) as u32, t.val));
    }
    for (t, k) in a_terms.into_iter().zip(a_index) {
        trip.push((off.a + k, t.2, t.3));
    }
    for t in &b_terms {
        trip.push((off.b + t.0 as usize, t.1, t.2));
    }
    layout.map = csr(off.end, np + 1, trip);
    layout.constraint_rows = c
        .rows
        .iter()
        .map(|&(k, block, lay, s)| ConstraintRows {
            constraint: k,
            rows: block_rows[block].clone(),
            layout: lay,
            sign: s,
        })
        .collect();
    Ok(layout)
}

/// A CSR matrix from (row, column, value) triplets, duplicates summed (and kept when
/// they sum to zero: the pattern must not depend on the values).
fn csr(nrows: usize, ncols: usize, mut trip: Vec<(usize, u32, f64)>) -> sprs::CsMat<f64> {
    trip.sort_unstable_by_key(|t| (t.0, t.1));
    let mut indptr = vec![0usize; nrows + 1];
    let mut indices: Vec<usize> = Vec::with_capacity(trip.len());
    let mut data: Vec<f64> = Vec::with_capacity(trip.len());
    let mut last = None;
    for (r, col, v) in trip {
        if last == Some((r, col)) {
            *data.last_mut().expect("an entry") += v;
        } else {
            indptr[r + 1] += 1;
            indices.push(col as usize);
            data.push(v);
            last = Some((r, col));
        }
    }
    for i in 0..nrows {
        indptr[i + 1] += indptr[i];
    }
    indices.shrink_to_fit();
    data.shrink_to_fit();
    sprs::CsMat::new((nrows, ncols), indptr, indices, data)
}

/// The CSC pattern of a list of (row, col) positions, and each position's index into
/// the values.
fn pattern(
    nrows: usize,
    ncols: usize,
    entries: impl Iterator<Item = (usize, usize)>,
) -> (Pattern, Vec<usize>) {
    let entries: Vec<(usize, usize)> = entries.collect();
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&k| (entries[k].1, entries[k].0));
    let mut colptr = vec![0usize; ncols + 1];
    let mut rowval = Vec::new();
    let mut index = vec![0usize; entries.len()];
    let mut last: Option<(usize, usize)> = None;
    for k in order {
        let (r, col) = entries[k];
        if last != Some((r, col)) {
            rowval.push(r);
            colptr[col + 1] += 1;
            last = Some((r, col));
        }
        index[k] = rowval.len() - 1;
    }
    for j in 0..ncols {
        colptr[j + 1] += colptr[j];
    }
    (Pattern { nrows, ncols, colptr, rowval }, index)
}

//! Canonicalization: a DCP/DPP program becomes a parametrized cone program. Every
//! expression becomes a parametric [`Affine`] expression in the cone program's
//! variables; each nonlinear atom adds an epigraph (convex) or hypograph (concave)
//! variable and the cone constraints that tie it to its arguments (in the atom's own
//! file). Quadratic terms of a minimized objective go into P.

pub mod affine;

pub use affine::{Affine, CONST, ONE, Term};

use crate::dcp::analyze::Facts;
use crate::ir::ast::Sense;
use crate::ir::cone::{Cone, ConeProgram, ConstraintRows, Pattern, RowLayout};
use crate::ir::eval::index_positions;
use crate::ir::hir::{CmpKind, NodeId, Op, Program};
use crate::ir::shape::Shape;
use crate::ir::svec;
use std::collections::HashMap;
use std::ops::Range;

/// The builder the atoms write their conic forms into.
pub struct Canon<'a> {
    prog: &'a Program,
    facts: &'a Facts,
    /// Variables so far (user variables first, then auxiliary ones).
    pub n: usize,
    nparams: usize,
    param_entries: Vec<Range<usize>>,
    var_cols: Vec<Range<usize>>,
    /// How each user variable's columns hold its entries (svec for symmetric ones).
    var_layout: Vec<RowLayout>,
    blocks: Vec<(Cone, Affine)>,
    /// Entries of P (upper triangle, i ≤ j): (i, j, parameter, value).
    quad: Vec<(u32, u32, u32, f64)>,
    memo: HashMap<NodeId, Affine>,
    /// How many expressions refer to each node: only shared ones are memoized.
    uses: Vec<u32>,
    rows: Vec<(usize, usize, RowLayout, f64)>,
}

impl<'a> Canon<'a> {
    /// A new block of auxiliary variables.
    pub fn var(&mut self, size: usize) -> Affine {
        let v = Affine::variable(self.n..self.n + size);
        self.n += size;
        v
    }

    /// `expr ∈ cone` (expr has `cone.dim()` entries).
    pub fn cone(&mut self, cone: Cone, expr: Affine) {
        debug_assert_eq!(cone.dim(), expr.size);
        if expr.size > 0 {
            self.blocks.push((cone, expr));
        }
    }

    /// `expr ≥ 0` entrywise.
    pub fn nonneg(&mut self, expr: Affine) {
        let n = expr.size;
        self.cone(Cone::Nonneg(n), expr);
    }

    /// `expr = 0` entrywise.
    pub fn zero(&mut self, expr: Affine) {
        let n = expr.size;
        self.cone(Cone::Zero(n), expr);
    }

    /// `‖x‖₂ ≤ t` (t of size 1).
    pub fn soc(&mut self, t: Affine, x: Affine) {
        let n = 1 + x.size;
        self.cone(Cone::Soc(n), Affine::concat(vec![t, x]));
    }

    /// `(x, y, z) ∈ K_exp` entrywise: `y·exp(x/y) ≤ z` for each entry.
    pub fn exp_cones(&mut self, x: &Affine, y: &Affine, z: &Affine) {
        for i in 0..x.size {
            let e = Affine::concat(vec![x.gather(&[i]), y.gather(&[i]), z.gather(&[i])]);
            self.cone(Cone::Exp, e);
        }
    }

    /// `(x, y, z) ∈ K_pow(α)` entrywise: `x^α·y^(1−α) ≥ |z|`.
    pub fn pow_cones(&mut self, x: &Affine, y: &Affine, z: &Affine, alpha: f64) {
        for i in 0..x.size {
            let e = Affine::concat(vec![x.gather(&[i]), y.gather(&[i]), z.gather(&[i])]);
            self.cone(Cone::Pow(alpha), e);
        }
    }

    /// The symmetric part of the n×n (row-major) `x` is positive semidefinite.
    pub fn psd(&mut self, x: &Affine, n: usize) {
        self.cone(Cone::Psd(n), svec(x, n));
    }

    /// User variable k as an expression of its entries (row-major).
    fn variable(&self, k: usize) -> Affine {
        let cols = self.var_cols[k].clone();
        match self.var_layout[k] {
            RowLayout::Triangle(n) => triangle_columns(cols, n),
            _ => Affine::variable(cols),
        }
    }

    /// A constant's values (`None` if the expression has variables or parameters).
    pub fn constant_values(e: &Affine) -> Option<Vec<f64>> {
        if e.has_vars() || e.has_params() {
            return None;
        }
        let mut v = vec![0.0; e.size];
        for t in &e.terms {
            v[t.row as usize] += t.val;
        }
        Some(v)
    }

    /// Add `w · ½ Σᵢ cᵢ xᵢᵀ xᵢ`-style entries to P: `P[i][j] += val·θ_param`.
    pub fn quad_entry(&mut self, i: u32, j: u32, param: u32, val: f64) {
        let (i, j) = if i <= j { (i, j) } else { (j, i) };
        self.quad.push((i, j, param, val));
    }

    /// The canonical form of a node (memoized when shared: `let`s are). Leaves are
    /// rebuilt at each use (as cheap as a copy), and a node used once is not kept, so
    /// that a large parameter does not stay in memory in several forms.
    pub fn expr(&mut self, id: NodeId) -> Result<Affine, String> {
        if let Some(a) = self.memo.get(&id) {
            return Ok(a.clone());
        }
        let a = self.build(id)?;
        let leaf = matches!(self.prog.node(id).op, Op::Const(_) | Op::Param(_) | Op::Var(_));
        if !leaf && self.uses.get(id.index()).is_none_or(|&u| u > 1) {
            self.memo.insert(id, a.clone());
        }
        Ok(a)
    }

    fn build(&mut self, id: NodeId) -> Result<Affine, String> {
        let p = self.prog;
        let node = p.node(id);
        let shape = node.shape;
        Ok(match &node.op {
            Op::Const(k) => Affine::constant(&p.consts[k.index()].value.data),
            Op::Param(k) => Affine::parameter(self.param_entries[k.index()].clone()),
            Op::Var(k) => self.variable(k.index()),
            Op::Neg(a) => self.expr(*a)?.neg(),
            Op::Add(a, b) | Op::Sub(a, b) => {
                let x = broadcast(&self.expr(*a)?, p.node(*a).shape, shape);
                let y = broadcast(&self.expr(*b)?, p.node(*b).shape, shape);
                if matches!(node.op, Op::Sub(..)) { x.add(y.neg()) } else { x.add(y) }
            }
            Op::Mul(a, b) => {
                let x = broadcast(&self.expr(*a)?, p.node(*a).shape, shape);
                let y = broadcast(&self.expr(*b)?, p.node(*b).shape, shape);
                let map: Vec<_> = (0..shape.size()).map(|i| (i, i, i, 1.0)).collect();
                x.bilinear(&y, shape.size(), &map)?
            }
            Op::Div(a, b) => {
                let x = broadcast(&self.expr(*a)?, p.node(*a).shape, shape);
                let y = broadcast(&self.expr(*b)?, p.node(*b).shape, shape);
                let vals = Canon::constant_values(&y).ok_or("division by a non-constant")?;
                let map: Vec<_> = vals.iter().enumerate().map(|(i, v)| (i, i, 1.0 / v)).collect();
                x.linear_map(shape.size(), &map)
            }
            Op::MatMul(a, b) => {
                let (sa, sb) = (p.node(*a).shape, p.node(*b).shape);
                let (x, y) = (self.expr(*a)?, self.expr(*b)?);
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
                self.expr(*a)?.gather(&rows)
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

/// Out-entry k of `to` reads in-entry rows\[k\] of `from` (numpy broadcasting).
pub fn broadcast_rows(from: Shape, to: Shape) -> Vec<usize> {
    let (tr, tc) = to.rows_cols();
    let mut rows = Vec::with_capacity(to.size());
    for i in 0..tr {
        for j in 0..tc {
            let k = match from.ndim() {
                0 => 0,
                1 if to.ndim() == 2 => {
                    if from.dims()[0] == 1 {
                        0
                    } else {
                        j
                    }
                }
                1 => {
                    if from.dims()[0] == 1 {
                        0
                    } else {
                        i
                    }
                }
                _ => {
                    let (fr, fc) = from.rows_cols();
                    (if fr == 1 { 0 } else { i }) * fc + if fc == 1 { 0 } else { j }
                }
            };
            rows.push(k);
        }
    }
    rows
}

/// `a` (entries row-major, shape `from`) broadcast to shape `to` by numpy's rules.
pub fn broadcast(a: &Affine, from: Shape, to: Shape) -> Affine {
    if from == to { a.clone() } else { a.gather(&broadcast_rows(from, to)) }
}

/// The (out, left, right, weight) map of numpy's `@`.
pub fn matmul_map(a: Shape, b: Shape) -> Vec<(usize, usize, usize, f64)> {
    matmul_entries(a, b).collect()
}

/// The entries of [`matmul_map`], one at a time (the map of a dense m×k by k×n
/// product has m·k·n entries).
pub fn matmul_entries(a: Shape, b: Shape) -> impl Iterator<Item = (usize, usize, usize, f64)> {
    let (m, k) = if a.is_vector() { (1, a.dims()[0]) } else { a.rows_cols() };
    let n = if b.is_vector() { 1 } else { b.rows_cols().1 };
    (0..m).flat_map(move |i| {
        (0..n).flat_map(move |j| (0..k).map(move |t| (i * n + j, i * k + t, t * n + j, 1.0)))
    })
}

/// svec of the symmetric part of an n×n row-major expression (the convention of
/// [`crate::ir::svec`]).
pub fn svec(x: &Affine, n: usize) -> Affine {
    x.linear_map(svec::len(n), &svec::sym_map(n))
}

/// The n×n matrix whose upper triangle is the columns `cols` (a `symmetric`/`psd`/`nsd`
/// variable).
fn triangle_columns(cols: Range<usize>, n: usize) -> Affine {
    Affine::variable(cols).gather(&svec::triangle_rows(n))
}

/// Canonicalize a checked, DCP and DPP program.
pub fn canonicalize(p: &Program, facts: &Facts) -> Result<ConeProgram, String> {
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
            (svec::len(m), RowLayout::Triangle(m))
        } else {
            (d.shape.size(), RowLayout::Elementwise)
        };
        var_cols.push(n..n + size);
        var_layout.push(layout);
        n += size;
    }
    let mut c = Canon {
        prog: p,
        facts,
        n,
        nparams,
        param_entries: param_entries.clone(),
        var_cols: var_cols.clone(),
        var_layout: var_layout.clone(),
        blocks: Vec::new(),
        quad: Vec::new(),
        memo: HashMap::new(),
        uses: use_counts(p),
        rows: Vec::new(),
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
            let w: Vec<_> = svec::weights(m).into_iter().enumerate().map(|(k, w)| (k, k, w)).collect();
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
        let mut terms = Vec::new();
        objective_terms(p, obj.expr, Affine::constant(&[sign]), &mut terms);
        for (id, w) in terms {
            if let Some(q) = quadratic_term(&mut c, id, &w)? {
                linear = linear.add(q);
                continue;
            }
            let e = c.expr(id)?;
            linear = linear.add(w.bilinear(&e, 1, &[(0, 0, 0, 1.0)])?);
        }
    }
    // Constraints.
    for (k, con) in p.constraints.iter().enumerate() {
        let lhs = broadcast(&c.expr(con.lhs)?, p.node(con.lhs).shape, con.shape);
        let rhs = broadcast(&c.expr(con.rhs)?, p.node(con.rhs).shape, con.shape);
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
    }
    assemble(c, sign, linear, var_cols, var_layout, param_entries)
}

/// How many operands, objectives and constraint sides refer to each node.
fn use_counts(p: &Program) -> Vec<u32> {
    let mut uses = vec![0u32; p.nodes.len()];
    let mut count = |id: NodeId| {
        if let Some(u) = uses.get_mut(id.index()) {
            *u = u.saturating_add(1);
        }
    };
    for node in &p.nodes {
        node.op.args().into_iter().for_each(&mut count);
    }
    if let Some(o) = &p.objective {
        count(o.expr);
    }
    for con in &p.constraints {
        count(con.lhs);
        count(con.rhs);
    }
    uses
}

/// Split a (scalar) objective into weighted terms: (node, weight), the weight affine
/// in θ and free of variables.
fn objective_terms(p: &Program, id: NodeId, w: Affine, out: &mut Vec<(NodeId, Affine)>) {
    match &p.node(id).op {
        Op::Add(a, b) if p.node(*a).shape.is_scalar() && p.node(*b).shape.is_scalar() => {
            objective_terms(p, *a, w.clone(), out);
            objective_terms(p, *b, w, out);
        }
        Op::Sub(a, b) if p.node(*a).shape.is_scalar() && p.node(*b).shape.is_scalar() => {
            objective_terms(p, *a, w.clone(), out);
            objective_terms(p, *b, w.neg(), out);
        }
        Op::Neg(a) => objective_terms(p, *a, w.neg(), out),
        _ => out.push((id, w)),
    }
}

/// If `id` (weighted by `w`) is a quadratic term that P can take, put it there and
/// return the linear remainder; `None` if the term is not quadratic.
fn quadratic_term(c: &mut Canon, id: NodeId, w: &Affine) -> Result<Option<Affine>, String> {
    let p = c.prog;
    let f = c.facts;
    // Peel scalar coefficients: w · coef · term.
    let (mut id, mut w) = (id, w.clone());
    loop {
        match &p.node(id).op {
            Op::Mul(a, b)
                if p.node(*a).shape.is_scalar() && !f.has_vars[a.index()] && f.has_vars[b.index()] =>
            {
                let coef = c.expr(*a)?;
                if coef.has_params() && w.has_params() {
                    return Ok(None);
                }
                w = w.bilinear(&coef, 1, &[(0, 0, 0, 1.0)])?;
                id = *b;
            }
            Op::Mul(b, a)
                if p.node(*a).shape.is_scalar() && !f.has_vars[a.index()] && f.has_vars[b.index()] =>
            {
                let coef = c.expr(*a)?;
                if coef.has_params() && w.has_params() {
                    return Ok(None);
                }
                w = w.bilinear(&coef, 1, &[(0, 0, 0, 1.0)])?;
                id = *b;
            }
            _ => break,
        }
    }
    let Op::Atom(atom, args, _) = &p.node(id).op else { return Ok(None) };
    let name = atom.name();
    let is_sq = name == "sum_squares" || (name == "square" && p.node(id).shape.is_scalar());
    let is_qf = name == "quad_form";
    if !(is_sq || is_qf) {
        return Ok(None);
    }
    // The weight must be known nonnegative: DCP guarantees it for a convex term of
    // a minimized objective, and the curvature of a quadratic is convex.
    let e = c.expr(args[0])?;
    // Put the argument into fresh variables unless it already is a plain variable
    // block, so that P stays free of parameters other than the weight's and P's.
    let cols: Vec<u32> = match plain_columns(&e) {
        Some(cols) => cols,
        None => {
            let t = c.var(e.size);
            c.zero(t.clone().add(e.neg()));
            plain_columns(&t).expect("fresh variables")
        }
    };
    let wt: Vec<(u32, f64)> = w.terms.iter().map(|t| (t.param, t.val)).collect();
    if is_sq {
        for &col in &cols {
            for &(param, val) in &wt {
                c.quad_entry(col, col, param, 2.0 * val);
            }
        }
    } else {
        let pm = c.expr(args[1])?;
        let k = cols.len();
        let pm = pm.sorted();
        for t in &pm.terms {
            let (i, j) = ((t.row as usize) / k.max(1), (t.row as usize) % k.max(1));
            if i > j {
                continue; // the upper triangle describes the symmetric P
            }
            for &(param, val) in &wt {
                let par = match (param, t.param) {
                    (ONE, q) | (q, ONE) => q,
                    _ => return Err("quad_form with a parametric matrix and a parametric weight".into()),
                };
                // w·xᵀPx = ½ xᵀ(2wP)x; P is symmetric (PSD by the analysis, or a
                // validated `psd` parameter), so its upper triangle describes it.
                c.quad_entry(cols[i], cols[j], par, 2.0 * val * t.val);
            }
        }
    }
    Ok(Some(Affine::zeros(1)))
}

/// The columns of an expression that is exactly one distinct variable per entry with
/// coefficient 1 and nothing else.
fn plain_columns(e: &Affine) -> Option<Vec<u32>> {
    let mut cols = vec![u32::MAX; e.size];
    for t in &e.terms {
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
    c.memo = HashMap::new();
    let n = c.n;
    let np = c.nparams;
    let pcol = |param: u32| if param == ONE { np } else { param as usize };
    // Rows of A and the cones (consecutive zero / nonnegative blocks merged); each
    // block is freed once its terms are copied.
    let mut cones: Vec<Cone> = Vec::new();
    let nterms: usize = c.blocks.iter().map(|(_, e)| e.terms.len()).sum();
    let mut a_terms: Vec<(u32, u32, u32, f64)> = Vec::with_capacity(nterms); // (col, row, param, val)
    let mut b_terms: Vec<(u32, u32, f64)> = Vec::new();
    let mut block_rows = Vec::with_capacity(c.blocks.len());
    let mut m = 0;
    let index = |k: usize| u32::try_from(k).map_err(|_| "the cone program is too large".to_string());
    for (cone, e) in std::mem::take(&mut c.blocks) {
        block_rows.push(m..m + e.size);
        for t in &e.terms {
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
        Vec::with_capacity(c.quad.len() + linear.terms.len() + a_terms.len() + b_terms.len());
    for (q, k) in c.quad.iter().zip(&p_index) {
        trip.push((off.p + k, pcol(q.2) as u32, q.3));
    }
    for t in &linear.terms {
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

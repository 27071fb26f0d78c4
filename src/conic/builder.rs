//! [`ConeBuilder`]: where an atom writes its conic form. It owns the cone program's
//! variables, its cone constraints and the entries of P, and knows nothing of the
//! program being canonicalized: an atom receives its arguments already in conic form
//! and cannot recurse into expressions (`canon` does that, and wraps a builder).

use super::Affine;
use crate::ir::cone::Cone;
use crate::ir::svec as svec_layout;
use std::collections::HashMap;

/// The variables, cone constraints and P entries of a cone program under
/// construction.
#[derive(Debug, Default)]
pub struct ConeBuilder {
    /// Variables so far (the program's own first, then auxiliary ones).
    pub n: usize,
    /// The cone constraints in order: each expression lies in its cone.
    pub blocks: Vec<(Cone, Affine)>,
    /// Entries of P (upper triangle, i ≤ j): (i, j, parameter, value).
    pub quad: Vec<(u32, u32, u32, f64)>,
    /// Terms put into `blocks` so far (counted against canonicalization's budget).
    pub terms: usize,
    /// For every `symmetric`/`psd`/`nsd` parameter, the θ entry of each entry below
    /// the diagonal → that of its mirror above (read by [`ConeBuilder::symmetric`]).
    pub param_twins: HashMap<u32, u32>,
}

impl ConeBuilder {
    /// A builder whose first `n` variables are the program's own.
    pub fn new(n: usize) -> ConeBuilder {
        ConeBuilder { n, ..ConeBuilder::default() }
    }

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
            let expr = expr.compact();
            self.terms = self.terms.saturating_add(expr.len());
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

    /// `x = xᵀ` for the n×n (row-major) `x`: zero-cone rows `x_ij − x_ji = 0` for
    /// i < j, for the argument of an atom defined on symmetric matrices only (as cvxpy
    /// does for `lambda_max`). A row that is identically zero is left out: after
    /// reading the (j, i) entries of `symmetric`/`psd`/`nsd` parameters as their (i, j)
    /// entries (the declaration already makes them equal; such variables have one
    /// column per pair already), duplicate terms are summed and cancelled ones
    /// dropped, so `X` declared symmetric and `X + X.T` add no rows.
    pub fn symmetric(&mut self, x: &Affine, n: usize) {
        let map: Vec<_> = (0..n)
            .flat_map(|j| (0..j).map(move |i| (i, j)))
            .enumerate()
            .flat_map(|(r, (i, j))| [(r, i * n + j, 1.0), (r, j * n + i, -1.0)])
            .collect();
        let diff = x.linear_map(n * (n - 1) / 2, &map);
        // (row, col, param) → (sum, sum of magnitudes)
        let mut sums: std::collections::BTreeMap<(u32, u32, u32), (f64, f64)> = Default::default();
        for t in diff.terms().iter() {
            let param = self.param_twins.get(&t.param).copied().unwrap_or(t.param);
            let e = sums.entry((t.row, t.col, param)).or_default();
            e.0 += t.val;
            e.1 += t.val.abs();
        }
        let mut keep: Vec<usize> =
            sums.iter().filter(|(_, (s, m))| s.abs() > 1e-12 * m).map(|((r, _, _), _)| *r as usize).collect();
        keep.dedup();
        if !keep.is_empty() {
            self.zero(diff.gather(&keep));
        }
    }

    /// A constant's values (`None` if the expression has variables or parameters).
    pub fn constant_values(e: &Affine) -> Option<Vec<f64>> {
        if e.has_vars() || e.has_params() {
            return None;
        }
        let mut v = vec![0.0; e.size];
        for t in e.terms().iter() {
            v[t.row as usize] += t.val;
        }
        Some(v)
    }

    /// Add `w · ½ Σᵢ cᵢ xᵢᵀ xᵢ`-style entries to P: `P[i][j] += val·θ_param`.
    pub fn quad_entry(&mut self, i: u32, j: u32, param: u32, val: f64) {
        let (i, j) = if i <= j { (i, j) } else { (j, i) };
        self.quad.push((i, j, param, val));
    }
}

/// svec of the symmetric part of an n×n row-major expression (the convention of
/// [`crate::ir::svec`]).
pub fn svec(x: &Affine, n: usize) -> Affine {
    x.linear_map(svec_layout::len(n), &svec_layout::sym_map(n))
}

//! [`ConeBuilder`]: where an atom writes its conic form. It owns the cone program's
//! variables, its cone constraints and the entries of P, and knows nothing of the
//! program being canonicalized: an atom receives its arguments already in conic form
//! and cannot recurse into expressions (`canon` does that, and wraps a builder).

use super::Affine;
use crate::ir::cone::Cone;

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
}

impl ConeBuilder {
    /// A builder whose first `n` variables are the program's own.
    pub fn new(n: usize) -> ConeBuilder {
        ConeBuilder { n, blocks: Vec::new(), quad: Vec::new() }
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
}

/// svec of the symmetric part of an n×n row-major expression, in Clarabel's order:
/// upper triangle column by column, off-diagonals times √2.
pub fn svec(x: &Affine, n: usize) -> Affine {
    let mut map = Vec::new();
    let mut k = 0;
    let s = std::f64::consts::FRAC_1_SQRT_2;
    for j in 0..n {
        for i in 0..=j {
            if i == j {
                map.push((k, i * n + j, 1.0));
            } else {
                // √2 · (X_ij + X_ji)/2
                map.push((k, i * n + j, s));
                map.push((k, j * n + i, s));
            }
            k += 1;
        }
    }
    x.linear_map(k, &map)
}

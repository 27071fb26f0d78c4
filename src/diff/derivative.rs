//! Implicit differentiation of the conic KKT conditions (design: docs/differentiation.md).
//!
//! With v = z − s, y = Π(v), s = Π(v) − v (Π the projection onto K*), the solution
//! satisfies R(x, v; θ) = [Px + q + Aᵀy; Ax + s − b] = 0. Per cone, DΠ(v) = U Λ Uᵀ;
//! keeping the directions with λ > 0 (U₊) and h = (1 − λ)/λ, the derivative solves
//!
//! ```text
//! K [dx; w] = [r₁; U₊ᵀ r₂],   K = [P, AᵀU₊; U₊ᵀA, −diag(h)],   dy = U₊ w,   ds = r₂ − A dx
//! ```
//!
//! with r₁ = −(dP x + dAᵀ y + dq) and r₂ = db − dA x (forward mode). K is symmetric,
//! so the same factorization gives the adjoint: K [a; c] = [g_x − Aᵀg_s; U₊ᵀ g_y],
//! ω₁ = a, ω₂ = U₊ c + g_s, and then dq = −ω₁, db = ω₂, dA = −(y ω₁ᵀ + ω₂ xᵀ),
//! dP = −½(ω₁ xᵀ + x ω₁ᵀ), each read on the sparsity pattern. Every forward map sits
//! beside its adjoint below.

#![allow(clippy::needless_range_loop)] // index arithmetic over CSC patterns

use super::cones;
use crate::ir::cone::{Cone, ConeProgram};
use crate::solve::Data;
use faer::Mat;
use faer::linalg::solvers::Solve;

/// Directions of DΠ with λ at most this are dropped (exact mode).
pub const DROP: f64 = 1e-12;

/// The factorized derivative system at one solution.
pub struct Kkt {
    n: usize,
    /// Kept directions: (row offset of the cone block, column of U within the block as
    /// a dense vector over the block's rows).
    dirs: Vec<(usize, Vec<f64>)>,
    lu: faer::linalg::solvers::PartialPivLu<f64>,
    k: Mat<f64>,
    /// The polished solution: x, y = Π(v), s = Π(v) − v.
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub s: Vec<f64>,
    /// A weakly active constraint was met: the derivative is one-sided there.
    pub degenerate: bool,
    /// Relative residual after iterative refinement of the last solve.
    pub residual: std::cell::Cell<f64>,
}

/// Sparse A times a vector (CSC pattern + values).
fn a_mul(cp: &ConeProgram, a: &[f64], x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; cp.m];
    for j in 0..cp.n {
        for k in cp.a.colptr[j]..cp.a.colptr[j + 1] {
            out[cp.a.rowval[k]] += a[k] * x[j];
        }
    }
    out
}

/// Aᵀ times a vector.
fn at_mul(cp: &ConeProgram, a: &[f64], y: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; cp.n];
    for j in 0..cp.n {
        for k in cp.a.colptr[j]..cp.a.colptr[j + 1] {
            out[j] += a[k] * y[cp.a.rowval[k]];
        }
    }
    out
}

/// Symmetric P (upper-triangle storage) times a vector.
fn p_mul(cp: &ConeProgram, p: &[f64], x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; cp.n];
    for j in 0..cp.n {
        for k in cp.p.colptr[j]..cp.p.colptr[j + 1] {
            let i = cp.p.rowval[k];
            out[i] += p[k] * x[j];
            if i != j {
                out[j] += p[k] * x[i];
            }
        }
    }
    out
}

impl Kkt {
    /// Build and factor the system at the solution (x, s, z) of data `d`. `smoothing`
    /// replaces the projection by its CHKS smoothing with parameter μ > 0.
    pub fn new(cp: &ConeProgram, d: &Data, x: &[f64], s: &[f64], z: &[f64], smoothing: Option<f64>) -> Kkt {
        let n = cp.n;
        let mut y = vec![0.0; cp.m];
        let mut sp = vec![0.0; cp.m];
        let mut dirs = Vec::new();
        let mut h = Vec::new();
        let mut degenerate = false;
        let mut row = 0;
        for cone in &cp.cones {
            let k = cone.dim();
            let v: Vec<f64> = (row..row + k).map(|i| z[i] - s[i]).collect();
            let (proj, spec) = match smoothing {
                Some(mu) if mu > 0.0 => {
                    (cones::project_dual_smoothed(cone, &v, mu), cones::spectral_dual_smoothed(cone, &v, mu))
                }
                _ => (cones::project_dual(cone, &v), cones::spectral_dual(cone, &v)),
            };
            for i in 0..k {
                y[row + i] = proj[i];
                sp[row + i] = proj[i] - v[i];
            }
            for (c, &lam) in spec.lambda.iter().enumerate() {
                if lam > DROP {
                    let col: Vec<f64> = (0..k).map(|r| spec.u[r * k + c]).collect();
                    dirs.push((row, col));
                    h.push((1.0 - lam) / lam);
                }
            }
            if smoothing.is_none() && matches!(cone, Cone::Nonneg(_)) {
                // A weakly active row (z and s both about 0) sits on the kink of the
                // projection: the derivative is one-sided there.
                let scale = v.iter().fold(1.0f64, |m, t| m.max(t.abs()));
                if v.iter().any(|t| t.abs() <= 1e-7 * scale) {
                    degenerate = true;
                }
            }
            row += k;
        }
        let r = dirs.len();
        let size = n + r;
        let mut kmat = Mat::<f64>::zeros(size, size);
        for j in 0..n {
            for k in cp.p.colptr[j]..cp.p.colptr[j + 1] {
                let i = cp.p.rowval[k];
                kmat[(i, j)] += d.p[k];
                if i != j {
                    kmat[(j, i)] += d.p[k];
                }
            }
        }
        // Rows of U₊ᵀA: for each direction, Σ_rows u_r A[row + r, :].
        for (c, (off, u)) in dirs.iter().enumerate() {
            for j in 0..n {
                let mut acc = 0.0;
                for k in cp.a.colptr[j]..cp.a.colptr[j + 1] {
                    let i = cp.a.rowval[k];
                    if i >= *off && i < off + u.len() {
                        acc += u[i - off] * d.a[k];
                    }
                }
                if acc != 0.0 {
                    kmat[(n + c, j)] = acc;
                    kmat[(j, n + c)] = acc;
                }
            }
            kmat[(n + c, n + c)] = -h[c];
        }
        // Factor a slightly regularized copy; refinement against K removes the bias.
        let scale = (0..size).map(|i| kmat[(i, i)].abs()).fold(1.0f64, f64::max);
        let delta = 1e-11 * scale;
        let mut reg = kmat.clone();
        for i in 0..size {
            reg[(i, i)] += if i < n { delta } else { -delta };
        }
        let lu = reg.partial_piv_lu();
        Kkt { n, dirs, lu, k: kmat, x: x.to_vec(), y, s: sp, degenerate, residual: std::cell::Cell::new(0.0) }
    }

    /// Solve K u = rhs with iterative refinement.
    fn solve(&self, rhs: &[f64]) -> Vec<f64> {
        let size = rhs.len();
        let b = Mat::from_fn(size, 1, |i, _| rhs[i]);
        let mut u = self.lu.solve(&b);
        let bnorm = rhs.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
        let mut res = f64::INFINITY;
        for _ in 0..10 {
            let r = &b - &self.k * &u;
            let rn = (0..size).map(|i| r[(i, 0)].abs()).fold(0.0f64, f64::max);
            res = rn / bnorm;
            if res < 1e-14 {
                break;
            }
            let du = self.lu.solve(&r);
            u += &du;
        }
        self.residual.set(res);
        (0..size).map(|i| u[(i, 0)]).collect()
    }

    /// U₊ᵀ r (r over the rows of A).
    fn ut(&self, r: &[f64]) -> Vec<f64> {
        self.dirs.iter().map(|(off, u)| u.iter().enumerate().map(|(k, ui)| ui * r[off + k]).sum()).collect()
    }

    /// U₊ w (over the rows of A).
    fn u(&self, w: &[f64], m: usize) -> Vec<f64> {
        let mut out = vec![0.0; m];
        for ((off, u), wi) in self.dirs.iter().zip(w) {
            for (k, ui) in u.iter().enumerate() {
                out[off + k] += ui * wi;
            }
        }
        out
    }

    /// Forward mode: the data perturbation `dd` (values on the patterns) gives
    /// (dx, dy, ds).
    pub fn jvp(&self, cp: &ConeProgram, d: &Data, dd: &Data) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let dpx = p_mul(cp, &dd.p, &self.x);
        let daty = at_mul(cp, &dd.a, &self.y);
        let r1: Vec<f64> = (0..cp.n).map(|i| -(dpx[i] + daty[i] + dd.q[i])).collect();
        let dax = a_mul(cp, &dd.a, &self.x);
        let r2: Vec<f64> = (0..cp.m).map(|i| dd.b[i] - dax[i]).collect();
        let mut rhs = r1;
        rhs.extend(self.ut(&r2));
        let sol = self.solve(&rhs);
        let dx = sol[..self.n].to_vec();
        let dy = self.u(&sol[self.n..], cp.m);
        let adx = a_mul(cp, &d.a, &dx);
        let ds = (0..cp.m).map(|i| r2[i] - adx[i]).collect();
        (dx, dy, ds)
    }

    /// Adjoint of [`Kkt::jvp`]: cotangents (g_x, g_y, g_s) give the gradient with
    /// respect to the data values (P upper-triangle values, q, r, A values, b).
    pub fn vjp(&self, cp: &ConeProgram, d: &Data, gx: &[f64], gy: &[f64], gs: &[f64]) -> Data {
        let atgs = at_mul(cp, &d.a, gs);
        let mut rhs: Vec<f64> = (0..cp.n).map(|i| gx[i] - atgs[i]).collect();
        rhs.extend(self.ut(gy));
        let sol = self.solve(&rhs);
        let w1 = &sol[..self.n];
        let ucw = self.u(&sol[self.n..], cp.m);
        let w2: Vec<f64> = (0..cp.m).map(|i| ucw[i] + gs[i]).collect();
        let (x, y) = (&self.x, &self.y);
        let mut dp = vec![0.0; cp.p.nnz()];
        for j in 0..cp.n {
            for k in cp.p.colptr[j]..cp.p.colptr[j + 1] {
                let i = cp.p.rowval[k];
                // A stored off-diagonal value stands for P_ij and P_ji.
                dp[k] = if i == j { -w1[i] * x[i] } else { -(w1[i] * x[j] + x[i] * w1[j]) };
            }
        }
        let mut da = vec![0.0; cp.a.nnz()];
        for j in 0..cp.n {
            for k in cp.a.colptr[j]..cp.a.colptr[j + 1] {
                let i = cp.a.rowval[k];
                da[k] = -(y[i] * w1[j] + w2[i] * x[j]);
            }
        }
        Data { p: dp, q: w1.iter().map(|v| -v).collect(), r: 0.0, a: da, b: w2 }
    }

    /// The gradient of the optimal value ½xᵀPx + qᵀx + r with respect to the data:
    /// dp* = ½xᵀdPx + dqᵀx + dr + yᵀ(dA x − db) (no solve needed).
    pub fn value_gradient(&self, cp: &ConeProgram, scale: f64) -> Data {
        let (x, y) = (&self.x, &self.y);
        let mut dp = vec![0.0; cp.p.nnz()];
        for j in 0..cp.n {
            for k in cp.p.colptr[j]..cp.p.colptr[j + 1] {
                let i = cp.p.rowval[k];
                dp[k] = scale * if i == j { 0.5 * x[i] * x[i] } else { x[i] * x[j] };
            }
        }
        let mut da = vec![0.0; cp.a.nnz()];
        for j in 0..cp.n {
            for k in cp.a.colptr[j]..cp.a.colptr[j + 1] {
                da[k] = scale * y[cp.a.rowval[k]] * x[j];
            }
        }
        Data {
            p: dp,
            q: x.iter().map(|v| scale * v).collect(),
            r: scale,
            a: da,
            b: y.iter().map(|v| -scale * v).collect(),
        }
    }
}

/// The parameter map applied to a direction (no constant column): dData = M dθ.
pub fn data_direction(cp: &ConeProgram, dtheta: &[f64]) -> Data {
    let off = cp.offsets();
    let mut out = vec![0.0; off.end];
    for (row, vec) in cp.map.outer_iterator().enumerate() {
        out[row] = vec.iter().filter(|(c, _)| *c < cp.nparams).map(|(c, v)| v * dtheta[c]).sum();
    }
    Data {
        p: out[off.p..off.q].to_vec(),
        q: out[off.q..off.r].to_vec(),
        r: out[off.r],
        a: out[off.a..off.b].to_vec(),
        b: out[off.b..off.end].to_vec(),
    }
}

/// Adjoint of [`data_direction`]: dθ = Mᵀ dData (the constant column dropped).
pub fn data_adjoint(cp: &ConeProgram, g: &Data) -> Vec<f64> {
    let off = cp.offsets();
    let mut flat = Vec::with_capacity(off.end);
    flat.extend_from_slice(&g.p);
    flat.extend_from_slice(&g.q);
    flat.push(g.r);
    flat.extend_from_slice(&g.a);
    flat.extend_from_slice(&g.b);
    let mut out = vec![0.0; cp.nparams];
    for (row, vec) in cp.map.outer_iterator().enumerate() {
        let gr = flat[row];
        if gr != 0.0 {
            for (c, v) in vec.iter() {
                if c < cp.nparams {
                    out[c] += v * gr;
                }
            }
        }
    }
    out
}

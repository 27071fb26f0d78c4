//! Implicit differentiation of the conic KKT conditions (design: differentiation-notes §3.4, §6).
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
//!
//! K is factored by a sparse LDLᵀ (`ldl`, AMD ordering, static + dynamic
//! regularization towards the quasi-definite signs, ≤ 10 refinement steps against the
//! unregularized K). Its pattern depends only on patterns(P, A) and the cone list
//! ([`KktSymbolic`], shared by every solution): every direction of every block is kept,
//! a dropped one (λ ≤ [`DROP`]) gets a zero coupling and a −1 diagonal. Zero and
//! nonnegative blocks are diagonal; PSD, exp and pow blocks use their eigen-coordinates
//! (`UᵀA`, dense over the block's rows). A second-order cone block `(t, w)` would fill
//! K with a dense k×k `UᵀA`, so it is *lifted* instead: with u± = (1, ±ŵ)/√2, D has the
//! eigenvalues λ₊, λ_t (tangent space), λ₋, and dy keeps its original coordinates
//! (coupled to A as it is). If h_t ≤ 1 the block is −H = −h_t I + (h_t − h₊)u₊u₊ᵀ −
//! (h₋ − h_t)u₋u₋ᵀ, each rank-one term a lifting scalar (ξa, ξb); otherwise the slack
//! side is used, `dy = −G e`, `e = ds`, with G = g_t I + (g₊ − g_t)u₊u₊ᵀ − (g_t − g₋)u₋u₋ᵀ,
//! g = λ/(1 − λ) (scalars ξc, ζ). An infinite h or g is a constraint (a zero diagonal),
//! and no lifted entry exceeds 1 in magnitude. Cost: O(k) per SOC block.

#![allow(clippy::needless_range_loop)] // index arithmetic over CSC patterns

use super::cones;
use super::ldl::SymbolicLdl;
use crate::ir::cone::{Cone, ConeProgram};
use crate::solve::Data;
/// The parameter map and its adjoint (one definition, in `solve`).
pub use crate::solve::{data_adjoint, data_direction};
use std::sync::Arc;

/// Directions of DΠ with λ at most this are dropped (exact mode).
pub const DROP: f64 = 1e-12;

/// A row (or eigenvalue) within this relative distance of a kink of the projection
/// marks the solution as degenerate.
const DEGENERATE_TOL: f64 = 1e-7;
/// Relative residual above which a refined solve with a generic right-hand side means
/// that K is singular (a nonsingular K refines to about 1e-15).
const SINGULAR_RESIDUAL: f64 = 1e-8;
/// A nonnegative row whose s and z are both below this (relative to the block) and
/// within a factor `WEAK_RATIO` of each other is weakly active.
const WEAK_SIZE: f64 = 1e-3;
const WEAK_RATIO: f64 = 1e-2;

/// Whether an interior-point solution `(z, s)` of one PSD, exponential or power cone
/// block is weakly active (not strictly complementary), with `small` the size below
/// which a part counts as zero.
///
/// * PSD: the eigenvalues of `smat(z)` and `smat(s)` above `small` number fewer than n
///   (strict complementarity: rank Z + rank S = n).
/// * exponential, power: one part is zero while the other is not in the interior of
///   its cone (on the boundary, or zero too).
fn weakly_active(cone: &Cone, z: &[f64], s: &[f64], small: f64) -> bool {
    let norm = |v: &[f64]| v.iter().map(|t| t * t).sum::<f64>().sqrt();
    match *cone {
        Cone::Psd(n) => {
            let eig = |v: &[f64]| {
                let a = crate::ir::hir::Array {
                    shape: crate::ir::shape::Shape::matrix(n, n),
                    data: cones::smat(n, v),
                };
                crate::linalg::sym_eigvals(&a).iter().filter(|l| **l > small).count()
            };
            eig(z) + eig(s) < n
        }
        Cone::Exp | Cone::Pow(_) => {
            let (zs, ss) = (norm(z) <= small, norm(s) <= small);
            // Interior with a margin relative to the point's size.
            let margin = 1e-3;
            let s_inside = match *cone {
                Cone::Exp => s[1] > 0.0 && s[1] * (s[0] / s[1]).exp() - s[2] < -margin * norm(s),
                Cone::Pow(a) => {
                    s[0] > 0.0
                        && s[1] > 0.0
                        && s[0].powf(a) * s[1].powf(1.0 - a) - s[2].abs() > margin * norm(s)
                }
                _ => false,
            };
            let z_inside = match *cone {
                Cone::Exp => {
                    z[0] < 0.0 && -z[0] * (z[1] / z[0]).exp() - std::f64::consts::E * z[2] < -margin * norm(z)
                }
                Cone::Pow(a) => {
                    z[0] > 0.0
                        && z[1] > 0.0
                        && (z[0] / a).powf(a) * (z[1] / (1.0 - a)).powf(1.0 - a) - z[2].abs()
                            > margin * norm(z)
                }
                _ => false,
            };
            (zs && (ss || !s_inside)) || (ss && !z_inside)
        }
        _ => false,
    }
}

/// Whether one of the rows with slacks `s` and multipliers `z` of a nonnegative (or
/// 1-d second-order) block is weakly active: s and z both about 0. An interior point
/// solver leaves such a row with s and z of the same small size (≈ √tol), where a
/// strictly complementary one has one of them smaller than the other by a factor of
/// about the tolerance. `tol` and `scale` are the block's (from v = z − s).
fn weak_rows(s: &[f64], z: &[f64], tol: f64, scale: f64) -> bool {
    s.iter().zip(z).any(|(s, z)| {
        let (a, c) = (s.abs(), z.abs());
        let (lo, hi) = (a.min(c), a.max(c));
        hi <= tol.max(WEAK_SIZE * scale) && (hi <= tol || lo >= WEAK_RATIO * hi)
    })
}

/// Whether the solution (s, z) of a cone program with zero and nonnegative cones only
/// has a weakly active row: the rule by which [`Kkt`] (exact projections) sets
/// [`Kkt::degenerate`] for these cones. True for any other cone (such a program is not
/// a QP), and for lengths that do not fit `cp`.
pub fn qp_weakly_active(cp: &ConeProgram, s: &[f64], z: &[f64]) -> bool {
    if s.len() != cp.m || z.len() != cp.m {
        return true;
    }
    let mut off = 0;
    for cone in &cp.cones {
        let k = cone.dim();
        let Some((sb, zb)) = s.get(off..off + k).zip(z.get(off..off + k)) else { return true };
        match cone {
            Cone::Zero(_) => {}
            Cone::Nonneg(_) => {
                let scale = sb.iter().zip(zb).fold(1.0f64, |a, (s, z)| a.max((z - s).abs()));
                if weak_rows(sb, zb, DEGENERATE_TOL * scale, scale) {
                    return true;
                }
            }
            _ => return true,
        }
        off += k;
    }
    false
}

/// A factored derivative system at one solution: the solve of
/// `K [dx; w] = [r₁; U₊ᵀr₂]` returned as `(dx, U₊w)` (r₂ and U₊w over the rows of A),
/// and the polished x and y the formulas of [`jvp`] and [`vjp`] are taken at. The
/// sparse [`Kkt`] is one; the dense active-set system of a QP solution (`qp`) is the
/// other.
pub trait System {
    /// `(dx, dy)` of the solve (NaN where it fails).
    fn solve_parts(&self, r1: &[f64], r2: &[f64]) -> (Vec<f64>, Vec<f64>);
    /// The primal x.
    fn x(&self) -> &[f64];
    /// The dual y = Π(v).
    fn y(&self) -> &[f64];
}

/// Forward mode: the data perturbation `dd` (values on the patterns) gives
/// (dx, dy, ds), through the factored system `sys` at a solution of data `d`.
pub fn jvp<S: System + ?Sized>(
    sys: &S,
    cp: &ConeProgram,
    d: &Data,
    dd: &Data,
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let (x, y) = (sys.x(), sys.y());
    let dpx = cp.p.sym_mul(&dd.p, x);
    let daty = cp.a.mul_t(&dd.a, y);
    let r1: Vec<f64> = (0..cp.n).map(|i| -(dpx[i] + daty[i] + dd.q[i])).collect();
    let dax = cp.a.mul(&dd.a, x);
    let r2: Vec<f64> = (0..cp.m).map(|i| dd.b[i] - dax[i]).collect();
    let (dx, dy) = sys.solve_parts(&r1, &r2);
    let adx = cp.a.mul(&d.a, &dx);
    let ds = (0..cp.m).map(|i| r2[i] - adx[i]).collect();
    (dx, dy, ds)
}

/// Adjoint of [`jvp`]: cotangents (g_x, g_y, g_s) give the gradient with respect to
/// the data values (P upper-triangle values, q, r, A values, b).
pub fn vjp<S: System + ?Sized>(
    sys: &S,
    cp: &ConeProgram,
    d: &Data,
    gx: &[f64],
    gy: &[f64],
    gs: &[f64],
) -> Data {
    // Aᵀg_s is +0 for g_s = 0 (the layer's backward), and g_x − 0 is g_x.
    let r1: Vec<f64> = if gs.iter().all(|v| *v == 0.0) {
        gx.to_vec()
    } else {
        let atgs = cp.a.mul_t(&d.a, gs);
        (0..cp.n).map(|i| gx[i] - atgs[i]).collect()
    };
    let (w1, ucw) = sys.solve_parts(&r1, gy);
    let w2: Vec<f64> = (0..cp.m).map(|i| ucw[i] + gs[i]).collect();
    let (x, y) = (sys.x(), sys.y());
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

/// The gradient of the optimal value ½xᵀPx + qᵀx + r with respect to the data at the
/// solution (x, y), times `scale`: dp* = ½xᵀdPx + dqᵀx + dr + yᵀ(dA x − db) (no
/// solve needed).
pub fn value_gradient(cp: &ConeProgram, x: &[f64], y: &[f64], scale: f64) -> Data {
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

/// How a cone block enters K.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Zero, nonnegative and 1-dimensional second-order cones: `U = I`, one variable
    /// per row, coupled to its row of A (or decoupled when its direction is dropped).
    Diag,
    /// Second-order cones of dimension ≥ 2, in the lifted form (no fill, see the
    /// module docs): one variable `dy_i` per row coupled to A as it is, `k` variables
    /// `e`, and four scalars `ξa, ξb, ξc, ζ`.
    Soc,
    /// PSD, exponential and power cones: the eigen-coordinates `w = Uᵀdy`, coupled to
    /// `UᵀA` (dense over the rows of the block).
    Dense,
}

#[derive(Clone, Debug)]
struct Block {
    cone: Cone,
    kind: Kind,
    /// First row of the block (its variables are `n + off .. n + off + k`).
    off: usize,
    k: usize,
    /// First extra variable (SOC only).
    extra: usize,
    /// First slot of the 5k lift entries (SOC only).
    lift_slot: usize,
}

/// The pattern of the derivative system of one cone program and its symbolic LDLᵀ
/// factorization (AMD ordering). It depends only on the patterns of P and A and on
/// the cone list, so one value serves every solution, data value and batch member.
#[derive(Debug)]
pub struct KktSymbolic {
    n: usize,
    m: usize,
    size: usize,
    blocks: Vec<Block>,
    /// Block of each row of A.
    row_block: Vec<usize>,
    /// Expected pivot sign of each variable.
    signs: Vec<i8>,
    /// First slot of each entry of A (Dense blocks own `k` consecutive slots).
    a_slot: Vec<usize>,
    n_slots: usize,
    ldl: Result<SymbolicLdl, String>,
}

impl KktSymbolic {
    /// Pattern and symbolic factorization for the cone program `cp`.
    pub fn new(cp: &ConeProgram) -> Arc<KktSymbolic> {
        let (n, m) = (cp.n, cp.m);
        let mut blocks = Vec::with_capacity(cp.cones.len());
        let mut row_block = vec![0; m];
        let mut row = 0;
        let mut extra = n + m;
        for cone in &cp.cones {
            let k = cone.dim();
            let kind = match cone {
                Cone::Zero(_) | Cone::Nonneg(_) => Kind::Diag,
                Cone::Soc(k) if *k <= 1 => Kind::Diag,
                Cone::Soc(_) => Kind::Soc,
                Cone::Psd(_) | Cone::Exp | Cone::Pow(_) => Kind::Dense,
            };
            for r in row..(row + k).min(m) {
                row_block[r] = blocks.len();
            }
            blocks.push(Block { cone: *cone, kind, off: row, k, extra, lift_slot: 0 });
            if kind == Kind::Soc {
                extra += k + 4;
            }
            row += k;
        }
        let size = extra;
        let mut signs = vec![-1i8; size];
        signs[..n].fill(1);
        for b in &blocks {
            if b.kind == Kind::Soc {
                let e = b.extra;
                signs[e..e + b.k].fill(1);
                signs[e + b.k + 1] = 1; // ξb
                signs[e + b.k + 2] = 1; // ξc
            }
        }
        let mut pairs: Vec<(usize, usize)> = Vec::with_capacity(cp.p.nnz() + cp.a.nnz());
        for j in 0..n {
            for k in cp.p.colptr[j]..cp.p.colptr[j + 1] {
                let i = cp.p.rowval[k];
                pairs.push((i.min(j), i.max(j)));
            }
        }
        let mut a_slot = vec![0; cp.a.nnz()];
        for j in 0..n {
            for k in cp.a.colptr[j]..cp.a.colptr[j + 1] {
                let i = cp.a.rowval[k];
                a_slot[k] = pairs.len();
                let b = &blocks[row_block[i]];
                match b.kind {
                    Kind::Diag | Kind::Soc => pairs.push((j, n + i)),
                    Kind::Dense => pairs.extend((0..b.k).map(|c| (j, n + b.off + c))),
                }
            }
        }
        for b in &mut blocks {
            if b.kind != Kind::Soc {
                continue;
            }
            b.lift_slot = pairs.len();
            let (w, e, k) = (n + b.off, b.extra, b.k);
            pairs.extend((0..k).map(|i| (w + i, e + i)));
            pairs.extend((0..k).map(|i| (w + i, e + k)));
            pairs.extend((0..k).map(|i| (w + i, e + k + 1)));
            pairs.extend((0..k).map(|i| (e + i, e + k + 2)));
            pairs.extend((0..k).map(|i| (e + i, e + k + 3)));
        }
        let ldl = SymbolicLdl::new(size, &pairs);
        Arc::new(KktSymbolic { n, m, size, blocks, row_block, signs, a_slot, n_slots: pairs.len(), ldl })
    }

    /// Dimension of K.
    pub fn dim(&self) -> usize {
        self.size
    }

    /// Stored entries of the upper triangle of K and of its factor L (0 if the
    /// symbolic factorization failed).
    pub fn nnz(&self) -> (usize, usize) {
        self.ldl.as_ref().map(|l| (l.nnz(), l.factor_nnz())).unwrap_or((0, 0))
    }

    fn fits(&self, cp: &ConeProgram) -> bool {
        self.n == cp.n && self.m == cp.m && self.a_slot.len() == cp.a.nnz()
    }
}

/// Eigen-structure of DΠ for a second-order cone block `v = (t, w)`: the eigenvalues
/// on `u₊ = (1, ŵ)/√2`, on the tangent directions `(0, e)`, `e ⊥ ŵ`, and on
/// `u₋ = (1, −ŵ)/√2`, and `ŵ` (any unit vector when `w = 0`; then all three agree).
fn soc_eigs(v: &[f64], smoothing: Option<f64>) -> (f64, f64, f64, Vec<f64>) {
    let t = v[0];
    let nu = v[1..].iter().map(|x| x * x).sum::<f64>().sqrt();
    let what: Vec<f64> = if nu > 0.0 {
        v[1..].iter().map(|x| x / nu).collect()
    } else {
        let mut e = vec![0.0; v.len() - 1];
        e[0] = 1.0;
        e
    };
    let l = match smoothing {
        Some(mu) if mu > 0.0 => {
            // CHKS: φ(λ) = ½(λ + √(λ² + 4μ)), φ' = φ/√(λ² + 4μ), and the divided
            // difference φ[a, b] = (φ(a) + φ(b))/(√(a² + 4μ) + √(b² + 4μ)).
            let root = |l: f64| (l * l + 4.0 * mu).sqrt();
            let phi = |l: f64| 0.5 * (l + root(l));
            let d = |l: f64| phi(l) / root(l);
            let (a, b) = (t - nu, t + nu);
            let dd = if nu > 0.0 { (phi(a) + phi(b)) / (root(a) + root(b)) } else { d(t) };
            (d(b), dd, d(a))
        }
        _ if nu <= t => (1.0, 1.0, 1.0),
        _ if nu <= -t => (0.0, 0.0, 0.0),
        _ => (1.0, 0.5 * (1.0 + t / nu), 0.0),
    };
    (l.0, l.1, l.2, what)
}

/// `(1 − λ)/λ`, infinite for a dropped direction.
fn h_of(l: f64) -> f64 {
    if l > DROP { ((1.0 - l) / l).max(0.0) } else { f64::INFINITY }
}

/// `λ/(1 − λ)`, infinite when λ is 1 (to rounding).
fn g_of(l: f64) -> f64 {
    if l < 1.0 - DROP { (l / (1.0 - l)).max(0.0) } else { f64::INFINITY }
}

/// Coupling factor and diagonal of a lifting variable that adds `−a·uuᵀ` (sign +1
/// variable) or `+a·uuᵀ` (sign −1) to the block it hangs off, `a ∈ [0, ∞]`: for
/// `a ≥ 1` the coupling is `u` and the diagonal `±1/a` (a constraint `uᵀ· = 0` when
/// `a = ∞`), otherwise `√a·u` with diagonal `±1`, so no entry exceeds 1.
fn lift(a: f64, sign: f64) -> (f64, f64) {
    if a >= 1.0 { (1.0, sign / a) } else { (a.max(0.0).sqrt(), sign) }
}

/// The factorized derivative system at one solution.
pub struct Kkt {
    sym: Arc<KktSymbolic>,
    /// Row factor of the Diag and SOC rows in `U₊ᵀ` (1 kept, 0 dropped).
    rowscale: Vec<f64>,
    /// Per Dense block: `U` (k×k, row-major) with its dropped columns zeroed.
    dense_u: Vec<Vec<f64>>,
    /// CSC values of the upper triangle of K (unregularized).
    kvals: Vec<f64>,
    factor: Result<Vec<f64>, String>,
    /// The polished primal x (n entries); with y and s below the polished solution
    /// (v = y − s, Π the projection onto K*).
    pub x: Vec<f64>,
    /// The polished dual y = Π(v), m entries (the z the derivative is taken at).
    pub y: Vec<f64>,
    /// The polished slack s = Π(v) − v, m entries.
    pub s: Vec<f64>,
    /// A weakly active constraint was met: the derivative is one-sided there.
    pub degenerate: bool,
    /// Relative residual after iterative refinement of the last solve (∞ if the
    /// factorization failed).
    pub residual: std::cell::Cell<f64>,
}

impl Kkt {
    /// Build and factor the system at the solution (x, s, z) of data `d`, with a fresh
    /// symbolic factorization. `smoothing` replaces the projection by its CHKS
    /// smoothing with parameter μ > 0.
    pub fn new(cp: &ConeProgram, d: &Data, x: &[f64], s: &[f64], z: &[f64], smoothing: Option<f64>) -> Kkt {
        Kkt::with_symbolic(&KktSymbolic::new(cp), cp, d, x, s, z, smoothing)
    }

    /// As [`Kkt::new`], reusing the symbolic factorization `sym` of `cp` (from
    /// [`KktSymbolic::new`]).
    pub fn with_symbolic(
        sym: &Arc<KktSymbolic>,
        cp: &ConeProgram,
        d: &Data,
        x: &[f64],
        s: &[f64],
        z: &[f64],
        smoothing: Option<f64>,
    ) -> Kkt {
        let (n, m) = (cp.n, cp.m);
        let mut y = vec![0.0; m];
        let mut sp = vec![0.0; m];
        let mut rowscale = vec![1.0; m];
        let mut dense_u = vec![Vec::new(); sym.blocks.len()];
        let mut diag = vec![0.0; sym.size];
        let mut pair = vec![0.0; sym.n_slots];
        let mut degenerate = false;
        let exact = !matches!(smoothing, Some(mu) if mu > 0.0);
        if !sym.fits(cp) || x.len() != n || s.len() != m || z.len() != m {
            return Kkt::failed(sym, x, "the symbolic factorization belongs to another cone program");
        }
        for (bi, b) in sym.blocks.iter().enumerate() {
            let (off, k) = (b.off, b.k);
            let v: Vec<f64> = (off..off + k).map(|i| z[i] - s[i]).collect();
            let proj = match smoothing {
                Some(mu) if mu > 0.0 => cones::project_dual_smoothed(&b.cone, &v, mu),
                _ => cones::project_dual(&b.cone, &v),
            };
            for i in 0..k {
                y[off + i] = proj[i];
                sp[off + i] = proj[i] - v[i];
            }
            let scale = v.iter().fold(1.0f64, |a, t| a.max(t.abs()));
            let tol = DEGENERATE_TOL * scale;
            match b.kind {
                Kind::Diag => {
                    let lam: Vec<f64> = match b.cone {
                        Cone::Soc(_) => v.iter().map(|_| soc_eigs(&[v[0], 0.0], smoothing).0).collect(),
                        _ => {
                            let spec = match smoothing {
                                Some(mu) if mu > 0.0 => cones::spectral_dual_smoothed(&b.cone, &v, mu),
                                _ => cones::spectral_dual(&b.cone, &v),
                            };
                            spec.lambda
                        }
                    };
                    for i in 0..k {
                        let h = h_of(lam[i]);
                        rowscale[off + i] = if h.is_finite() { 1.0 } else { 0.0 };
                        diag[n + off + i] = if h.is_finite() { -h } else { -1.0 };
                    }
                    // A weakly active row (z and s both about 0) sits on the kink of
                    // the projection: the derivative is one-sided there. An interior
                    // point solver leaves such a row with s and z of the same small
                    // size (≈ √tol), where a strictly complementary one has one of them
                    // smaller than the other by a factor of about the tolerance.
                    if exact && !matches!(b.cone, Cone::Zero(_)) {
                        degenerate |= weak_rows(&s[off..off + k], &z[off..off + k], tol, scale);
                    }
                }
                Kind::Soc => {
                    let (lp, lt, lm, what) = soc_eigs(&v, smoothing);
                    let r2 = std::f64::consts::FRAC_1_SQRT_2;
                    let up: Vec<f64> = std::iter::once(r2).chain(what.iter().map(|w| r2 * w)).collect();
                    let um: Vec<f64> = std::iter::once(r2).chain(what.iter().map(|w| -r2 * w)).collect();
                    let (w0, e0) = (n + off, b.extra);
                    let ls = b.lift_slot;
                    // Couplings (w, e), (w, ξa), (w, ξb), (e, ξc), (e, ζ) and diagonals.
                    let (mut c_we, mut c_a, mut c_b, mut c_c, mut c_z) = (0.0, 0.0, 0.0, 0.0, 0.0);
                    let (mut d_w, mut d_e, d_a, mut d_b, d_c, mut d_z) = (0.0, 1.0, -1.0, 1.0, 1.0, -1.0);
                    let ht = h_of(lt);
                    if ht <= 1.0 {
                        // dy-side: −H = −h_t I + (h_t − h₊) u₊u₊ᵀ − (h₋ − h_t) u₋u₋ᵀ.
                        d_w = -ht;
                        c_a = (ht - h_of(lp)).max(0.0).sqrt();
                        (c_b, d_b) = lift(h_of(lm) - ht, 1.0);
                    } else {
                        // ds-side: dy = −G e, e = ds, with
                        // G = g_t I + (g₊ − g_t) u₊u₊ᵀ − (g_t − g₋) u₋u₋ᵀ.
                        let gt = g_of(lt);
                        c_we = 1.0;
                        d_e = gt;
                        c_c = (gt - g_of(lm)).max(0.0).sqrt();
                        (c_z, d_z) = lift(g_of(lp) - gt, -1.0);
                    }
                    for i in 0..k {
                        pair[ls + i] = c_we;
                        pair[ls + k + i] = c_a * up[i];
                        pair[ls + 2 * k + i] = c_b * um[i];
                        pair[ls + 3 * k + i] = c_c * um[i];
                        pair[ls + 4 * k + i] = c_z * up[i];
                        diag[w0 + i] = d_w;
                        diag[e0 + i] = d_e;
                    }
                    diag[e0 + k] = d_a;
                    diag[e0 + k + 1] = d_b;
                    diag[e0 + k + 2] = d_c;
                    diag[e0 + k + 3] = d_z;
                    let nu = v[1..].iter().map(|x| x * x).sum::<f64>().sqrt();
                    if exact && ((nu - v[0]).abs() <= tol || (nu + v[0]).abs() <= tol) {
                        degenerate = true;
                    }
                }
                Kind::Dense => {
                    let spec = match smoothing {
                        Some(mu) if mu > 0.0 => cones::spectral_dual_smoothed(&b.cone, &v, mu),
                        _ => cones::spectral_dual(&b.cone, &v),
                    };
                    let mut u = spec.u.clone();
                    for c in 0..k {
                        let h = h_of(spec.lambda[c]);
                        diag[n + off + c] = if h.is_finite() { -h } else { -1.0 };
                        if !h.is_finite() {
                            for r in 0..k {
                                u[r * k + c] = 0.0;
                            }
                        }
                    }
                    dense_u[bi] = u;
                    if exact {
                        let (zb, sb) = (&z[off..off + k], &s[off..off + k]);
                        degenerate |= weakly_active(&b.cone, zb, sb, tol.max(WEAK_SIZE * scale));
                    }
                }
            }
        }
        // Values of P, of the couplings U₊ᵀA and of the diagonals.
        pair[..cp.p.nnz()].copy_from_slice(&d.p);
        for j in 0..n {
            for e in cp.a.colptr[j]..cp.a.colptr[j + 1] {
                let i = cp.a.rowval[e];
                let b = &sym.blocks[sym.row_block[i]];
                let slot = sym.a_slot[e];
                match b.kind {
                    Kind::Diag | Kind::Soc => pair[slot] = rowscale[i] * d.a[e],
                    Kind::Dense => {
                        let u = &dense_u[sym.row_block[i]];
                        let r = i - b.off;
                        for c in 0..b.k {
                            pair[slot + c] = u[r * b.k + c] * d.a[e];
                        }
                    }
                }
            }
        }
        let Ok(ldl) = &sym.ldl else {
            return Kkt::failed(sym, x, "the symbolic factorization failed");
        };
        let mut kvals = ldl.assemble(&pair);
        ldl.add_diagonal(&mut kvals, &diag);
        // Static regularization (quasi-definite: +δ on the x side, −δ on the other);
        // refinement against the unregularized K removes its bias.
        let dscale = ldl.diagonal(&kvals).iter().fold(1.0f64, |a, t| a.max(t.abs()));
        // A pivot can still vanish (a near-singular block at a nearly degenerate
        // point): retry with a larger shift, which refinement then corrects.
        let mut factor = Err(String::new());
        for rel in [1e-10, 1e-8, 1e-6] {
            let delta = rel * dscale;
            let mut reg = kvals.clone();
            let shift: Vec<f64> = sym.signs.iter().map(|&sg| delta * f64::from(sg)).collect();
            ldl.add_diagonal(&mut reg, &shift);
            factor = ldl.factor(&reg, &sym.signs);
            if factor.is_ok() {
                break;
            }
        }
        Kkt {
            sym: sym.clone(),
            rowscale,
            dense_u,
            kvals,
            factor,
            x: x.to_vec(),
            y,
            s: sp,
            degenerate,
            residual: std::cell::Cell::new(0.0),
        }
    }

    fn failed(sym: &Arc<KktSymbolic>, x: &[f64], why: &str) -> Kkt {
        Kkt {
            sym: sym.clone(),
            rowscale: vec![0.0; sym.m],
            dense_u: vec![Vec::new(); sym.blocks.len()],
            kvals: Vec::new(),
            factor: Err(why.to_string()),
            x: x.to_vec(),
            y: vec![f64::NAN; sym.m],
            s: vec![f64::NAN; sym.m],
            degenerate: true,
            residual: std::cell::Cell::new(f64::INFINITY),
        }
    }

    /// Why the system could not be factored, if it could not.
    pub fn error(&self) -> Option<&str> {
        self.factor.as_ref().err().map(|s| s.as_str())
    }

    /// Solve K u = rhs with up to 10 steps of iterative refinement against the
    /// unregularized K. On failure, NaN.
    fn solve(&self, rhs: &[f64]) -> Vec<f64> {
        let (Ok(ldl), Ok(l)) = (&self.sym.ldl, &self.factor) else {
            self.residual.set(f64::INFINITY);
            return vec![f64::NAN; rhs.len()];
        };
        let bnorm = rhs.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        if bnorm == 0.0 {
            self.residual.set(0.0);
            return vec![0.0; rhs.len()];
        }
        let mut u = rhs.to_vec();
        ldl.solve_in_place(l, &mut u);
        let mut best = (f64::INFINITY, u.clone());
        for _ in 0..=10 {
            let ku = ldl.mul(&self.kvals, &u);
            let mut r: Vec<f64> = rhs.iter().zip(&ku).map(|(b, k)| b - k).collect();
            let res = r.iter().fold(0.0f64, |a, v| a.max(v.abs())) / bnorm;
            if res.is_nan() || res >= best.0 {
                break; // stalled (or NaN)
            }
            best = (res, u.clone());
            if res < 1e-15 {
                break;
            }
            ldl.solve_in_place(l, &mut r);
            u.iter_mut().zip(&r).for_each(|(a, d)| *a += d);
        }
        self.residual.set(best.0);
        best.1
    }

    /// Where the null space of K lies, when K is (numerically) singular: the
    /// multipliers are not unique (redundant constraints), or the primal is not (an LP
    /// objective parallel to a face), or an auxiliary variable of a reduction is free
    /// (`sum_largest`, or `t` in `abs(u) <= 1` with the bound inactive).
    ///
    /// A singular K still gives finite answers for the right-hand sides a derivative
    /// produces, which lie in its range, but not for a generic one: refinement of a
    /// solve with a pseudo-random right-hand side then stalls at a large residual. Its
    /// regularized solve, dominated by the null space (amplified by 1/δ), tells where
    /// that space lies. Returns `None` when K is nonsingular, else the weight (max 1)
    /// of the null space on each column of x and on each row of A.
    pub fn null_space(&self) -> Option<(Vec<f64>, Vec<f64>)> {
        let (Ok(ldl), Ok(l)) = (&self.sym.ldl, &self.factor) else { return None };
        let before = self.residual.get();
        let rhs = crate::linalg::probe(self.sym.size);
        self.solve(&rhs);
        let res = self.residual.get();
        self.residual.set(before);
        if res <= SINGULAR_RESIDUAL {
            return None;
        }
        let mut u = rhs;
        ldl.solve_in_place(l, &mut u);
        let scale = u.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        if !(scale > 0.0 && scale.is_finite()) {
            return None;
        }
        let sym = &self.sym;
        let cols: Vec<f64> = u[..sym.n].iter().map(|v| v.abs() / scale).collect();
        let mut rows = vec![0.0; sym.m];
        for b in &sym.blocks {
            let mut w = u[sym.n + b.off..sym.n + b.off + b.k].iter().fold(0.0f64, |a, v| a.max(v.abs()));
            if b.kind == Kind::Soc {
                w = u[b.extra..b.extra + b.k + 4].iter().fold(w, |a, v| a.max(v.abs()));
            }
            rows[b.off..b.off + b.k].iter_mut().for_each(|r| *r = w / scale);
        }
        Some((cols, rows))
    }

    /// The right-hand side `[r₁; U₊ᵀ r₂; 0]` of K (r₂ over the rows of A).
    fn rhs(&self, r1: &[f64], r2: &[f64]) -> Vec<f64> {
        let sym = &self.sym;
        let n = sym.n;
        let mut out = vec![0.0; sym.size];
        out[..n].copy_from_slice(r1);
        for (bi, b) in sym.blocks.iter().enumerate() {
            match b.kind {
                Kind::Diag | Kind::Soc => {
                    for i in b.off..b.off + b.k {
                        out[n + i] = self.rowscale[i] * r2[i];
                    }
                }
                Kind::Dense => {
                    let u = &self.dense_u[bi];
                    for c in 0..b.k {
                        out[n + b.off + c] = (0..b.k).map(|r| u[r * b.k + c] * r2[b.off + r]).sum();
                    }
                }
            }
        }
        out
    }

    /// `dy = U₊ w` from a solution of K (over the rows of A).
    fn dual_part(&self, sol: &[f64]) -> Vec<f64> {
        let sym = &self.sym;
        let n = sym.n;
        let mut out = vec![0.0; sym.m];
        for (bi, b) in sym.blocks.iter().enumerate() {
            match b.kind {
                Kind::Diag | Kind::Soc => {
                    for i in b.off..b.off + b.k {
                        out[i] = self.rowscale[i] * sol[n + i];
                    }
                }
                Kind::Dense => {
                    let u = &self.dense_u[bi];
                    for r in 0..b.k {
                        out[b.off + r] = (0..b.k).map(|c| u[r * b.k + c] * sol[n + b.off + c]).sum();
                    }
                }
            }
        }
        out
    }

    /// Forward mode: the data perturbation `dd` (values on the patterns) gives
    /// (dx, dy, ds) ([`jvp`] through this system).
    pub fn jvp(&self, cp: &ConeProgram, d: &Data, dd: &Data) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        jvp(self, cp, d, dd)
    }

    /// Adjoint of [`Kkt::jvp`]: cotangents (g_x, g_y, g_s) give the gradient with
    /// respect to the data values (P upper-triangle values, q, r, A values, b).
    pub fn vjp(&self, cp: &ConeProgram, d: &Data, gx: &[f64], gy: &[f64], gs: &[f64]) -> Data {
        vjp(self, cp, d, gx, gy, gs)
    }

    /// The gradient of the optimal value ½xᵀPx + qᵀx + r with respect to the data:
    /// dp* = ½xᵀdPx + dqᵀx + dr + yᵀ(dA x − db) (no solve needed).
    pub fn value_gradient(&self, cp: &ConeProgram, scale: f64) -> Data {
        value_gradient(cp, &self.x, &self.y, scale)
    }
}

impl System for Kkt {
    fn solve_parts(&self, r1: &[f64], r2: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let sol = self.solve(&self.rhs(r1, r2));
        (sol[..self.sym.n].to_vec(), self.dual_part(&sol))
    }

    fn x(&self) -> &[f64] {
        &self.x
    }

    fn y(&self) -> &[f64] {
        &self.y
    }
}

//! Euclidean projections onto the cones of [`Cone`] and onto their duals, the Jacobians
//! of these projections, and the eigen-decompositions of the Jacobians that the
//! differentiation KKT system needs (exact, or CHKS-smoothed for symmetric cones).
//!
//! Conventions are Clarabel's (see [`Cone`]): the exponential cone is the closure of
//! `{(x, y, z) : y > 0, y·exp(x/y) ≤ z}`, the power cone is
//! `{(x, y, z) : x^α y^(1−α) ≥ |z|, x, y ≥ 0}`, and a PSD block is `svec` of an n×n
//! symmetric matrix: its upper triangle column by column, off-diagonals times √2.
//!
//! Every dense matrix is a `Vec<f64>` in row-major order. All derivatives are elements
//! of the (Clarke) generalized Jacobian: at the kinks the choices are documented per
//! cone. Every Jacobian here is symmetric with eigenvalues in [0, 1] (Π is the gradient
//! of the convex function ½‖v‖² − ½dist²(v, K)).
//!
//! Dual cones follow from Moreau's decomposition `v = Π_K(v) + Π_{K°}(v)` with the polar
//! `K° = −K*`: `Π_{K*}(v) = v + Π_K(−v)` and `DΠ_{K*}(v) = I − DΠ_K(−v)` (same
//! eigenvectors, eigenvalues `1 − λ`). The nonnegative orthant, the second-order cone and
//! the PSD cone are self-dual; the zero cone has `K* = ℝᵏ`.
//!
//! This file dispatches on the cone; the zero cone and the orthant take a line each
//! here, the others have a file: `soc`, `psd`, `exp` and `pow` (with `split3`, what
//! the two 3-d cones share).

mod exp;
mod pow;
mod psd;
mod soc;
mod split3;

use exp::exp_split;
use pow::pow_split;
use psd::{psd_b_exact, psd_jacobian, psd_project_with, psd_spectral};
use soc::{soc_jacobian, soc_project, soc_project_smoothed, soc_spectral, soc_spectral_smoothed};

use crate::ir::cone::Cone;
use crate::ir::svec;
use faer::Mat;

// ---------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------

/// An eigen-decomposition `D = U diag(λ) Uᵀ` of a projection Jacobian, with `U`
/// orthogonal.
#[derive(Clone, Debug, PartialEq)]
pub struct Spectral {
    /// k×k, row-major: column j (the entries `u[i * k + j]`, i = 0..k) is the unit
    /// eigenvector of `lambda[j]`.
    pub u: Vec<f64>,
    /// The eigenvalues, in [0, 1], in no particular order.
    pub lambda: Vec<f64>,
}

impl Spectral {
    /// Dimension k of the cone block.
    pub fn dim(&self) -> usize {
        self.lambda.len()
    }

    /// Eigenvector j as a vector of length k.
    pub fn column(&self, j: usize) -> Vec<f64> {
        let k = self.dim();
        (0..k).map(|i| self.u[i * k + j]).collect()
    }

    /// The matrix `U diag(λ) Uᵀ` (k×k, row-major, symmetrized).
    pub fn reconstruct(&self) -> Vec<f64> {
        let k = self.dim();
        if k == 0 {
            return Vec::new();
        }
        let u = Mat::from_fn(k, k, |i, j| self.u[i * k + j]);
        let ul = Mat::from_fn(k, k, |i, j| self.u[i * k + j] * self.lambda[j]);
        let d = &ul * u.transpose();
        let mut out = vec![0.0; k * k];
        for i in 0..k {
            for j in 0..k {
                out[i * k + j] = 0.5 * (d[(i, j)] + d[(j, i)]);
            }
        }
        out
    }

    /// `U = I` with the given eigenvalues (a diagonal Jacobian).
    fn diagonal(lambda: Vec<f64>) -> Spectral {
        Spectral { u: identity(lambda.len()), lambda }
    }

    /// The decomposition of `I − D`: same eigenvectors, eigenvalues `1 − λ`.
    fn complement(mut self) -> Spectral {
        for l in &mut self.lambda {
            *l = 1.0 - *l;
        }
        self
    }
}

/// Euclidean projection `Π_K(v)` onto the cone K itself.
///
/// * zero: `Π = 0`;
/// * nonnegative: `Π = max(v, 0)` elementwise;
/// * SOC, `v = (t, w)`, `ν = ‖w‖`: `v` if `ν ≤ t`, `0` if `ν ≤ −t`, otherwise
///   `½(t + ν)·(1, w/ν)`;
/// * PSD: with `smat(v) = Q diag(λ) Qᵀ`, `Π = svec(Q diag(max(λ, 0)) Qᵀ)`;
/// * exponential: Friberg's univariate root-finding, see `exp_split`;
/// * power: Hien's method (Newton on the radius r), see `pow_split`.
pub fn project(cone: &Cone, v: &[f64]) -> Vec<f64> {
    check_dim(cone, v);
    match *cone {
        Cone::Zero(k) => vec![0.0; k],
        Cone::Nonneg(_) => v.iter().map(|&x| if x > 0.0 { x } else { 0.0 }).collect(),
        Cone::Soc(_) => soc_project(v),
        Cone::Psd(n) => psd_project_with(n, v, |l| l.max(0.0)),
        Cone::Exp => exp_split(v).p.to_vec(),
        Cone::Pow(a) => pow_split(v, a).p.to_vec(),
    }
}

/// Euclidean projection `Π_{K*}(v)` onto the dual cone K*.
///
/// By Moreau, `Π_{K*}(v) = v + Π_K(−v) = −Π_{K°}(−v)`. Zero cone: `K* = ℝᵏ`, so
/// `Π_{K*}(v) = v`. Nonnegative, SOC and PSD cones are self-dual. For the exponential
/// and power cones we return `−Π_{K°}(−v)`, where the polar part `Π_{K°}` is computed
/// from its own closed form (the multiplier times the normal at the projection), not
/// as the difference `v − Π_K(v)`.
pub fn project_dual(cone: &Cone, v: &[f64]) -> Vec<f64> {
    check_dim(cone, v);
    match *cone {
        Cone::Zero(_) => v.to_vec(),
        Cone::Nonneg(_) | Cone::Soc(_) | Cone::Psd(_) => project(cone, v),
        Cone::Exp => neg3(exp_split(&neg(v)).d).to_vec(),
        Cone::Pow(a) => neg3(pow_split(&neg(v), a).d).to_vec(),
    }
}

/// The Jacobian `DΠ_K(v)` of the projection onto K (k×k, row-major).
///
/// * zero: `0`; nonnegative: `diag(1[v > 0])` (0 at the kink);
/// * SOC: `I` if `ν ≤ t` (boundary included), `0` if `ν ≤ −t`, otherwise with
///   `ŵ = w/ν`
///   `D = ½ [[1, ŵᵀ], [ŵ, (1 + t/ν) I − (t/ν) ŵŵᵀ]]`;
/// * PSD: `D[dv] = svec(Q (B ∘ (Qᵀ smat(dv) Q)) Qᵀ)` with the divided differences
///   `B_ij = (λ_i⁺ − λ_j⁺)/(λ_i − λ_j)`: 1 if both eigenvalues are ≥ 0 (an eigenvalue
///   0 counts as nonnegative), 0 if both are < 0, `λ₊/(λ₊ − λ₋)` for a mixed pair;
/// * exponential and power: on the smooth part of the boundary, with `p = Π(v)`,
///   `K = {g ≤ 0}`, `a = ∇g(p)`, multiplier `λ = (v − p)ᵀa/‖a‖²` and
///   `H = I + λ∇²g(p)`, the generic formula `D = H⁻¹ − H⁻¹aaᵀH⁻¹/(aᵀH⁻¹a)`. Because g
///   is positively homogeneous, `∇²g(p)p = 0` and `aᵀp = 0`, and the formula collapses
///   to the rank-two form `D = p̂p̂ᵀ + δ n̂n̂ᵀ` with `n̂ = p̂ × â` and
///   `δ = 1/(1 + λ n̂ᵀ∇²g(p) n̂)`, which is what we evaluate (it stays accurate when the
///   curvature term is huge, e.g. on the exponential-cone ridge). Special regions:
///   `v ∈ K` gives `I`, `−v ∈ K*` gives `0`, the exponential edge region
///   (`x₀ ≤ 0, y₀ ≤ 0`) gives `diag(1[x₀ < 0], 0, 1[z₀ > 0])`, and a power-cone point
///   with `z₀ = 0` gives `diag(1[x₀ > 0], 1[y₀ > 0], 0)`.
pub fn jacobian(cone: &Cone, v: &[f64]) -> Vec<f64> {
    check_dim(cone, v);
    match *cone {
        Cone::Zero(k) => vec![0.0; k * k],
        Cone::Nonneg(k) => {
            let mut d = vec![0.0; k * k];
            for i in 0..k {
                d[i * k + i] = indicator(v[i] > 0.0);
            }
            d
        }
        Cone::Soc(_) => soc_jacobian(v),
        Cone::Psd(n) => psd_jacobian(n, v),
        Cone::Exp => exp_split(v).spectral().reconstruct(),
        Cone::Pow(a) => pow_split(v, a).spectral().reconstruct(),
    }
}

/// The Jacobian `DΠ_{K*}(v)` of the projection onto the dual cone (k×k, row-major):
/// `I` for the zero cone, the same as [`jacobian`] for the self-dual cones, and
/// `I − DΠ_K(−v)` for the exponential and power cones.
pub fn jacobian_dual(cone: &Cone, v: &[f64]) -> Vec<f64> {
    check_dim(cone, v);
    match *cone {
        Cone::Zero(k) => identity(k),
        Cone::Nonneg(_) | Cone::Soc(_) | Cone::Psd(_) => jacobian(cone, v),
        Cone::Exp | Cone::Pow(_) => spectral_dual(cone, v).reconstruct(),
    }
}

/// Eigen-decomposition `DΠ_{K*}(v) = U diag(λ) Uᵀ` in closed form.
///
/// * zero: `U = I`, `λ = 1`; nonnegative: `U = I`, `λ = 1[v > 0]`;
/// * SOC: `λ = 1` everywhere if `ν ≤ t`, `λ = 0` if `ν ≤ −t`; otherwise
///   `u₊ = (1, ŵ)/√2` with `λ = 1`, the tangent directions `(0, e)`, `e ⊥ ŵ` (columns
///   2…k−1 of the Householder reflector that maps ŵ to ∓e₁) with `λ = ½(1 + t/ν)`, and
///   `u₋ = (1, −ŵ)/√2` with `λ = 0` (columns in this order);
/// * PSD: for each pair `i ≤ j` (in svec order) the column `svec(Q E_ij Qᵀ)`, with
///   `E_ii = e_i e_iᵀ` and `E_ij = (e_i e_jᵀ + e_j e_iᵀ)/√2`, and `λ = B_ij`;
/// * exponential and power: `DΠ_K(−v) = p̂p̂ᵀ + δ n̂n̂ᵀ` (see [`jacobian`]) has the
///   orthonormal eigenvectors `p̂, n̂, â` with eigenvalues `1, δ, 0`, so the dual
///   Jacobian has the same columns with `0, 1 − δ, 1`. (This is exact; a numerical 3×3
///   eigensolver would add ~1e-16 noise to the eigenvalues 0 and 1.)
pub fn spectral_dual(cone: &Cone, v: &[f64]) -> Spectral {
    check_dim(cone, v);
    match *cone {
        Cone::Zero(k) => Spectral::diagonal(vec![1.0; k]),
        Cone::Nonneg(_) => Spectral::diagonal(v.iter().map(|&x| indicator(x > 0.0)).collect()),
        Cone::Soc(_) => soc_spectral(v),
        Cone::Psd(n) => psd_spectral(n, v, psd_b_exact),
        Cone::Exp => exp_split(&neg(v)).spectral().complement(),
        Cone::Pow(a) => pow_split(&neg(v), a).spectral().complement(),
    }
}

/// CHKS-smoothed projection onto K* with parameter `mu > 0` (`mu ≤ 0`: exact).
///
/// On a symmetric cone `Π_μ(v) = ½(v + √(v² + 4μe))` in the Jordan algebra, i.e.
/// `φ_μ(λ) = ½(λ + √(λ² + 4μ))` applied to the spectral values: the entries (nonnegative
/// orthant), `t ± ν` with the frame `½(1, ±ŵ)` (SOC), the eigenvalues of `smat(v)` (PSD).
/// On the central path `z ∘ s = μe` it returns exactly `z` for `v = z − s`. The zero
/// cone is unchanged (`Π = v`); the exponential and power cones have no Jordan algebra
/// and use the exact projection.
pub fn project_dual_smoothed(cone: &Cone, v: &[f64], mu: f64) -> Vec<f64> {
    check_dim(cone, v);
    if mu.is_nan() || mu <= 0.0 {
        return project_dual(cone, v);
    }
    match *cone {
        Cone::Nonneg(_) => v.iter().map(|&x| chks(x, mu).0).collect(),
        Cone::Soc(_) => soc_project_smoothed(v, mu),
        Cone::Psd(n) => psd_project_with(n, v, |l| chks(l, mu).0),
        Cone::Zero(_) | Cone::Exp | Cone::Pow(_) => project_dual(cone, v),
    }
}

/// Eigen-decomposition of the Jacobian of [`project_dual_smoothed`] (`mu ≤ 0`: exact).
///
/// With `φ'_μ(λ) = φ_μ(λ)/√(λ² + 4μ)` and the divided difference
/// `φ[a, b] = (φ_μ(a) + φ_μ(b))/(√(a² + 4μ) + √(b² + 4μ))`, which is
/// `(φ_μ(a) − φ_μ(b))/(a − b)` written without cancellation:
/// * nonnegative: `U = I`, `λ_i = φ'_μ(v_i)` (on the central path: `z/(z + s)`);
/// * SOC with `ν > 0`: `u₊` with `φ'_μ(t + ν)`, the tangent directions with
///   `φ[t − ν, t + ν]`, `u₋` with `φ'_μ(t − ν)`; `ν = 0`: `U = I`, `λ = φ'_μ(t)`;
/// * PSD: the columns of [`spectral_dual`] with `λ = φ[λ_i, λ_j]`;
/// * zero, exponential, power: as [`spectral_dual`].
///
/// All eigenvalues are in (0, 1), so no direction is dropped and the KKT matrix stays
/// nonsingular.
pub fn spectral_dual_smoothed(cone: &Cone, v: &[f64], mu: f64) -> Spectral {
    check_dim(cone, v);
    if mu.is_nan() || mu <= 0.0 {
        return spectral_dual(cone, v);
    }
    match *cone {
        Cone::Nonneg(_) => Spectral::diagonal(v.iter().map(|&x| chks_deriv(x, mu)).collect()),
        Cone::Soc(_) => soc_spectral_smoothed(v, mu),
        Cone::Psd(n) => psd_spectral(n, v, |a, b| chks_dd(a, b, mu)),
        Cone::Zero(_) | Cone::Exp | Cone::Pow(_) => spectral_dual(cone, v),
    }
}

/// The PSD vectorization of the cone program, defined once in [`crate::ir::svec`].
pub use crate::ir::svec::{smat, svec};

// ---------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------

fn check_dim(cone: &Cone, v: &[f64]) {
    assert_eq!(v.len(), cone.dim(), "vector length does not match the cone {cone:?}");
}

fn indicator(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

fn identity(k: usize) -> Vec<f64> {
    let mut d = vec![0.0; k * k];
    for i in 0..k {
        d[i * k + i] = 1.0;
    }
    d
}

fn neg(v: &[f64]) -> Vec<f64> {
    v.iter().map(|x| -x).collect()
}

fn neg3(v: [f64; 3]) -> [f64; 3] {
    [-v[0], -v[1], -v[2]]
}

fn dot3(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross3(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

fn scale3(s: f64, a: [f64; 3]) -> [f64; 3] {
    [s * a[0], s * a[1], s * a[2]]
}

/// Euclidean norm without overflow or underflow.
fn norm(v: &[f64]) -> f64 {
    let m = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if m == 0.0 || !m.is_finite() {
        return m;
    }
    m * v.iter().map(|x| (x / m) * (x / m)).sum::<f64>().sqrt()
}

/// `a/‖a‖` and `ln ‖a‖`.
fn normalize3(a: [f64; 3]) -> ([f64; 3], f64) {
    let n = norm(&a);
    (scale3(1.0 / n, a), n.ln())
}

// CHKS smoothing φ_μ(λ) = ½(λ + √(λ² + 4μ)).

/// `(φ_μ(λ), √(λ² + 4μ))`, without cancellation for λ < 0.
fn chks(l: f64, mu: f64) -> (f64, f64) {
    let s = l.hypot(2.0 * mu.sqrt());
    let phi = if l >= 0.0 { 0.5 * (l + s) } else { 2.0 * mu / (s - l) };
    (phi, s)
}

/// `φ'_μ(λ) = ½(1 + λ/√(λ² + 4μ)) = φ_μ(λ)/√(λ² + 4μ)`.
fn chks_deriv(l: f64, mu: f64) -> f64 {
    let (phi, s) = chks(l, mu);
    phi / s
}

/// Divided difference `(φ_μ(a) − φ_μ(b))/(a − b) = (φ_μ(a) + φ_μ(b))/(s_a + s_b)`
/// (equal to `φ'_μ(a)` at `a = b`).
fn chks_dd(a: f64, b: f64, mu: f64) -> f64 {
    let (pa, sa) = chks(a, mu);
    let (pb, sb) = chks(b, mu);
    (pa + pb) / (sa + sb)
}

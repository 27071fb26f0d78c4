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

use crate::ir::cone::Cone;
use crate::ir::svec;
use faer::{Mat, Side};
use std::f64::consts::SQRT_2;

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

// ---------------------------------------------------------------------------------------
// Second-order cone
// ---------------------------------------------------------------------------------------

fn soc_project(v: &[f64]) -> Vec<f64> {
    if v.is_empty() {
        return Vec::new();
    }
    let t = v[0];
    let nu = norm(&v[1..]);
    if nu <= t {
        v.to_vec()
    } else if nu <= -t {
        vec![0.0; v.len()]
    } else {
        let c = 0.5 * (t + nu);
        let mut p = Vec::with_capacity(v.len());
        p.push(c);
        p.extend(v[1..].iter().map(|w| c * w / nu));
        p
    }
}

fn soc_jacobian(v: &[f64]) -> Vec<f64> {
    let k = v.len();
    if k == 0 {
        return Vec::new();
    }
    let t = v[0];
    let nu = norm(&v[1..]);
    if nu <= t {
        return identity(k);
    }
    if nu <= -t {
        return vec![0.0; k * k];
    }
    let what: Vec<f64> = v[1..].iter().map(|w| w / nu).collect();
    let r = t / nu;
    let mut d = vec![0.0; k * k];
    d[0] = 0.5;
    for i in 1..k {
        d[i] = 0.5 * what[i - 1];
        d[i * k] = 0.5 * what[i - 1];
        for j in 1..k {
            let diag = if i == j { 1.0 + r } else { 0.0 };
            d[i * k + j] = 0.5 * (diag - r * what[i - 1] * what[j - 1]);
        }
    }
    d
}

/// Columns `u₊, tangents…, u₋` for `v = (t, w)` with `ν = ‖w‖ > 0`, and the eigenvalues
/// `(λ₊, λ_tangent, λ₋)` assigned to them.
fn soc_frame(v: &[f64], nu: f64, lam_plus: f64, lam_tan: f64, lam_minus: f64) -> Spectral {
    let k = v.len();
    let m = k - 1;
    let what: Vec<f64> = v[1..].iter().map(|w| w / nu).collect();
    let mut u = vec![0.0; k * k];
    let mut lambda = Vec::with_capacity(k);
    // u₊ = (1, ŵ)/√2 in column 0, u₋ = (1, −ŵ)/√2 in column k − 1.
    u[0] = 1.0 / SQRT_2;
    u[k - 1] = 1.0 / SQRT_2;
    for i in 1..k {
        u[i * k] = what[i - 1] / SQRT_2;
        u[i * k + k - 1] = -what[i - 1] / SQRT_2;
    }
    lambda.push(lam_plus);
    // Tangents: columns 1..m of the Householder reflector H = I − 2hhᵀ/(hᵀh),
    // h = ŵ + sign(ŵ₀)e₀, which maps ŵ to −sign(ŵ₀)e₀; they are orthonormal and ⊥ ŵ.
    if m >= 2 {
        let sign = if what[0] >= 0.0 { 1.0 } else { -1.0 };
        let mut h = what.clone();
        h[0] += sign;
        let hh: f64 = h.iter().map(|x| x * x).sum();
        for j in 1..m {
            let f = 2.0 * h[j] / hh;
            for i in 0..m {
                let e = if i == j { 1.0 } else { 0.0 };
                u[(i + 1) * k + j] = e - f * h[i];
            }
            lambda.push(lam_tan);
        }
    }
    lambda.push(lam_minus);
    Spectral { u, lambda }
}

fn soc_spectral(v: &[f64]) -> Spectral {
    let k = v.len();
    if k == 0 {
        return Spectral::diagonal(Vec::new());
    }
    let t = v[0];
    let nu = norm(&v[1..]);
    if nu <= t {
        Spectral::diagonal(vec![1.0; k])
    } else if nu <= -t {
        Spectral::diagonal(vec![0.0; k])
    } else {
        soc_frame(v, nu, 1.0, 0.5 * (1.0 + t / nu), 0.0)
    }
}

fn soc_project_smoothed(v: &[f64], mu: f64) -> Vec<f64> {
    if v.is_empty() {
        return Vec::new();
    }
    let t = v[0];
    let nu = norm(&v[1..]);
    if nu == 0.0 {
        let mut p = vec![0.0; v.len()];
        p[0] = chks(t, mu).0;
        return p;
    }
    // Π_μ = φ(t − ν)·½(1, −ŵ) + φ(t + ν)·½(1, ŵ).
    let lo = chks(t - nu, mu).0;
    let hi = chks(t + nu, mu).0;
    let mut p = Vec::with_capacity(v.len());
    p.push(0.5 * (lo + hi));
    p.extend(v[1..].iter().map(|w| 0.5 * (hi - lo) * w / nu));
    p
}

fn soc_spectral_smoothed(v: &[f64], mu: f64) -> Spectral {
    let k = v.len();
    if k == 0 {
        return Spectral::diagonal(Vec::new());
    }
    let t = v[0];
    let nu = norm(&v[1..]);
    if nu == 0.0 {
        return Spectral::diagonal(vec![chks_deriv(t, mu); k]);
    }
    soc_frame(v, nu, chks_deriv(t + nu, mu), chks_dd(t - nu, t + nu, mu), chks_deriv(t - nu, mu))
}

// ---------------------------------------------------------------------------------------
// PSD cone
// ---------------------------------------------------------------------------------------

/// Eigenvalues (ascending) and eigenvectors (n×n row-major, columns) of `smat(v)`.
fn psd_eig(n: usize, v: &[f64]) -> (Vec<f64>, Vec<f64>) {
    if n == 0 {
        return (Vec::new(), Vec::new());
    }
    let x = smat(n, v);
    let m = Mat::from_fn(n, n, |i, j| x[i * n + j]);
    match m.self_adjoint_eigen(Side::Lower) {
        Ok(evd) => {
            let s = evd.S().column_vector();
            let u = evd.U();
            let lam = (0..n).map(|i| s[i]).collect();
            let mut q = vec![0.0; n * n];
            for i in 0..n {
                for j in 0..n {
                    q[i * n + j] = u[(i, j)];
                }
            }
            (lam, q)
        }
        Err(_) => (vec![f64::NAN; n], vec![f64::NAN; n * n]),
    }
}

/// `svec(Q diag(f(λ)) Qᵀ)` for `smat(v) = Q diag(λ) Qᵀ`.
fn psd_project_with(n: usize, v: &[f64], f: impl Fn(f64) -> f64) -> Vec<f64> {
    let (lam, q) = psd_eig(n, v);
    let fl: Vec<f64> = lam.iter().map(|&l| f(l)).collect();
    let mut x = vec![0.0; n * n];
    for c in 0..n {
        for r in 0..=c {
            let s: f64 = (0..n).map(|i| q[r * n + i] * fl[i] * q[c * n + i]).sum();
            x[r * n + c] = s;
            x[c * n + r] = s;
        }
    }
    svec(n, &x)
}

/// Divided difference of `max(·, 0)`, with an eigenvalue 0 counted as nonnegative.
fn psd_b_exact(a: f64, b: f64) -> f64 {
    match (a >= 0.0, b >= 0.0) {
        (true, true) => 1.0,
        (false, false) => 0.0,
        (true, false) => a / (a - b),
        (false, true) => b / (b - a),
    }
}

fn psd_jacobian(n: usize, v: &[f64]) -> Vec<f64> {
    let k = svec::len(n);
    if n == 0 {
        return Vec::new();
    }
    let (lam, q) = psd_eig(n, v);
    if lam[0] >= 0.0 {
        return identity(k);
    }
    if lam[n - 1] < 0.0 {
        return vec![0.0; k * k];
    }
    let b = Mat::from_fn(n, n, |i, j| psd_b_exact(lam[i], lam[j]));
    let qm = Mat::from_fn(n, n, |i, j| q[i * n + j]);
    let mut d = vec![0.0; k * k];
    // Column m of D is D applied to the m-th unit vector of svec space, e_m = svec(E)
    // with E = smat(e_m) (e_r e_rᵀ, or (e_r e_cᵀ + e_c e_rᵀ)/√2 for the pair (r, c));
    // Qᵀ E Q is an outer product of rows r and c of Q.
    for (m, (r, c)) in svec::pairs(n).enumerate() {
        let w = svec::weight(r, c);
        let inner = Mat::from_fn(n, n, |i, j| {
            b[(i, j)] * (q[r * n + i] * q[c * n + j] + q[c * n + i] * q[r * n + j]) / (2.0 / w)
        });
        let x = &qm * &inner * qm.transpose();
        let col = svec::svec(n, &Vec::from_iter((0..n * n).map(|e| x[(e / n, e % n)])));
        for (row, v) in col.into_iter().enumerate() {
            d[row * k + m] = v;
        }
    }
    for i in 0..k {
        for j in 0..i {
            let s = 0.5 * (d[i * k + j] + d[j * k + i]);
            d[i * k + j] = s;
            d[j * k + i] = s;
        }
    }
    d
}

/// Columns `svec(Q E_ij Qᵀ)` for the pairs `i ≤ j` in svec order, with `λ = bfun(λ_i, λ_j)`.
fn psd_spectral(n: usize, v: &[f64], bfun: impl Fn(f64, f64) -> f64) -> Spectral {
    let k = svec::len(n);
    let (lam, q) = psd_eig(n, v);
    let mut u = vec![0.0; k * k];
    let mut lambda = Vec::with_capacity(k);
    for (col, (i, j)) in svec::pairs(n).enumerate() {
        // Q E Qᵀ with E = smat of the unit vector of the pair (i, j).
        let w = svec::weight(i, j);
        let x: Vec<f64> = (0..n * n)
            .map(|e| {
                let (r, c) = (e / n, e % n);
                (q[r * n + i] * q[c * n + j] + q[r * n + j] * q[c * n + i]) / (2.0 / w)
            })
            .collect();
        for (row, v) in svec::svec(n, &x).into_iter().enumerate() {
            u[row * k + col] = v;
        }
        lambda.push(bfun(lam[i], lam[j]));
    }
    Spectral { u, lambda }
}

// ---------------------------------------------------------------------------------------
// Exponential and power cones: projection split v = p + d (p = Π_K(v), d = Π_{K°}(v))
// with the eigen-decomposition of DΠ_K(v).
// ---------------------------------------------------------------------------------------

/// Which formula produced a 3-d projection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Region {
    /// `v ∈ K`.
    Inside,
    /// `−v ∈ K*` (v in the polar cone).
    Polar,
    /// A closed-form nonsmooth piece: the exponential edge `x₀ ≤ 0, y₀ ≤ 0`, or a power
    /// cone point with `z₀ = 0`.
    Edge,
    /// The projection lies on the smooth part of the boundary (root-finding).
    Smooth,
}

/// `v = p + d` with `p = Π_K(v)` and `d = Π_{K°}(v)`, and `DΠ_K(v) = Σ lam[j] u[j]u[j]ᵀ`.
#[derive(Clone, Debug)]
struct Split3 {
    p: [f64; 3],
    d: [f64; 3],
    /// Orthonormal eigenvectors (each entry is one column).
    u: [[f64; 3]; 3],
    lam: [f64; 3],
    #[cfg_attr(not(test), allow(dead_code))]
    region: Region,
    /// The root of the univariate equation (ρ = x/y for exp, r = |z| for pow) in the
    /// `Smooth` region, for the normalized input.
    #[cfg_attr(not(test), allow(dead_code))]
    root: f64,
}

const E3: [[f64; 3]; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

impl Split3 {
    fn diagonal(p: [f64; 3], d: [f64; 3], lam: [f64; 3], region: Region) -> Split3 {
        Split3 { p, d, u: E3, lam, region, root: f64::NAN }
    }

    fn spectral(&self) -> Spectral {
        let mut u = vec![0.0; 9];
        for (j, col) in self.u.iter().enumerate() {
            for i in 0..3 {
                u[i * 3 + j] = col[i];
            }
        }
        Spectral { u, lambda: self.lam.to_vec() }
    }

    fn scaled(mut self, s: f64) -> Split3 {
        self.p = scale3(s, self.p);
        self.d = scale3(s, self.d);
        self
    }
}

/// Both projections are positively homogeneous and the Jacobians are 0-homogeneous, so
/// solve for `v/‖v‖_∞` and scale back.
fn split_normalized(v: &[f64], f: impl Fn([f64; 3]) -> Split3) -> Split3 {
    assert_eq!(v.len(), 3);
    let s = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if s == 0.0 {
        return Split3::diagonal([0.0; 3], [0.0; 3], [1.0; 3], Region::Inside);
    }
    f([v[0] / s, v[1] / s, v[2] / s]).scaled(s)
}

/// Safeguarded Newton (Newton inside a shrinking bracket, bisection when a step leaves
/// it or does not halve the step size) for an increasing function with `f(lo) < 0 <
/// f(hi)`; `f` returns the value and the derivative. The endpoints are never evaluated.
/// Stops when the Newton step or the bracket is below `2ε·max(|x|, xscale)`.
fn safeguarded_newton(f: impl Fn(f64) -> (f64, f64), mut lo: f64, mut hi: f64, xscale: f64) -> f64 {
    let mut x = lo + 0.5 * (hi - lo);
    let mut dx = hi - lo;
    let mut dx_old = dx;
    for _ in 0..2000 {
        let (fx, dfx) = f(x);
        if fx == 0.0 {
            return x;
        }
        if fx < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let tol = 2.0 * f64::EPSILON * x.abs().max(xscale);
        if hi - lo <= tol {
            return x;
        }
        let newton = x - fx / dfx;
        let use_newton = dfx > 0.0
            && newton.is_finite()
            && newton > lo
            && newton < hi
            && (2.0 * fx).abs() <= (dx_old * dfx).abs();
        dx_old = dx;
        if use_newton {
            dx = newton - x;
            x = newton;
            if dx.abs() <= tol {
                return x;
            }
        } else {
            let mid = lo + 0.5 * (hi - lo);
            if mid <= lo || mid >= hi {
                return x;
            }
            dx = mid - x;
            x = mid;
        }
    }
    x
}

// --- exponential cone -------------------------------------------------------------------

/// Projection onto the exponential cone, following Friberg (2021), "Projection onto the
/// exponential cone: a univariate root-finding problem".
///
/// For `v = (r₀, s₀, t₀)`:
/// 1. `v ∈ K` (`s₀ > 0, s₀e^{r₀/s₀} ≤ t₀`, or `r₀ ≤ 0, s₀ = 0, t₀ ≥ 0`): `p = v`.
/// 2. `−v ∈ K*` (`r₀ > 0, r₀e^{s₀/r₀ − 1} ≤ −t₀`, or `r₀ = 0, s₀ ≤ 0, t₀ ≤ 0`):
///    `p = 0`.
/// 3. `r₀ ≤ 0, s₀ ≤ 0`: `p = (r₀, 0, t₀⁺)`, `d = (0, s₀, min(t₀, 0))`.
/// 4. Otherwise `p = β P(ρ)`, `d = γ Q(ρ)` with `P = (ρ, 1, e^ρ)` (the boundary ray with
///    `x/y = ρ`) and `Q = (1, 1 − ρ, −e^{−ρ})` (the polar boundary ray; `P ⊥ Q`), and ρ
///    the root of `h(ρ) = ⟨v, P × Q⟩ = ((ρ−1)r₀ + s₀)e^ρ − (r₀ − ρs₀)e^{−ρ} −
///    (ρ² − ρ + 1)t₀`, which is increasing on the interval where both `β = ((ρ−1)r₀ +
///    s₀)/(ρ² − ρ + 1)` and `γ = (r₀ − ρs₀)/(ρ² − ρ + 1)` are positive: `ρ > 1 − s₀/r₀`
///    if `r₀ > 0`, `ρ < r₀/s₀` if `s₀ > 0`. An open end of this interval is bracketed by
///    doubling steps. `h` is evaluated scaled by `e^{−|ρ|}` (no overflow for any ρ).
///
///    Given ρ, we take `β‖P‖ = ⟨v, P̂⟩` and `γ‖Q‖ = ⟨v, Q̂⟩`, the orthogonal projections
///    of v on the two rays, rather than the linear formulas above: they need no
///    cancellation where the projection is tiny (the "ridge", `y ≈ e^{−ρ}` with ρ ≫ 1),
///    and the Moreau residual `v − p − d` is then just the component of v along
///    `P̂ × Q̂`, which is at rounding level whichever ρ in the rounding-uncertainty
///    interval of the root is returned.
///
/// Derivative (region 4): `a = ∇g(p) = e^ρ Q` for `g = ye^{x/y} − z`, the multiplier is
/// `λ = γe^{−ρ}`, `∇²g(p) = (e^ρ/y) wwᵀ` with `w = (1, −ρ, 0)`, so
/// `c = λe^ρ/y = γ/β` and `δ = 1/(1 + c⟨w, n̂⟩²)` with `⟨w, n̂⟩ = −e^{−ρ}‖P‖/‖Q‖`
/// (because `w × Q = e^{−ρ}P`). We evaluate `c⟨w, n̂⟩²` in logarithms. On the ridge
/// (e.g. `v = (0.01, −1, 1)`: `ρ ≈ 101`) this gives `p ≈ (0, 0, t₀)` and
/// `D ≈ diag(0, 0, 1)` to within `e^{−ρ}`, the limit `diag(1[x₀ < 0], 0, 1[z₀ > 0])`.
fn exp_split(v: &[f64]) -> Split3 {
    split_normalized(v, exp_split_unit)
}

fn in_exp(r0: f64, s0: f64, t0: f64) -> bool {
    (s0 > 0.0 && s0 * (r0 / s0).exp() <= t0) || (s0 == 0.0 && r0 <= 0.0 && t0 >= 0.0)
}

fn in_exp_polar(r0: f64, s0: f64, t0: f64) -> bool {
    (r0 > 0.0 && r0 * (s0 / r0 - 1.0).exp() <= -t0) || (r0 == 0.0 && s0 <= 0.0 && t0 <= 0.0)
}

fn exp_split_unit(u: [f64; 3]) -> Split3 {
    let [r0, s0, t0] = u;
    if in_exp(r0, s0, t0) {
        return Split3::diagonal(u, [0.0; 3], [1.0; 3], Region::Inside);
    }
    if in_exp_polar(r0, s0, t0) {
        return Split3::diagonal([0.0; 3], u, [0.0; 3], Region::Polar);
    }
    if r0 <= 0.0 && s0 <= 0.0 {
        return Split3::diagonal(
            [r0, 0.0, t0.max(0.0)],
            [0.0, s0, t0.min(0.0)],
            [indicator(r0 < 0.0), 0.0, indicator(t0 > 0.0)],
            Region::Edge,
        );
    }
    let rho = exp_root(r0, s0, t0);
    let (ph, ln_p) = exp_p_hat(rho);
    let (qh, ln_q) = exp_q_hat(rho);
    let beta = dot3(u, ph).max(0.0);
    let gamma = dot3(u, qh).max(0.0);
    let p = scale3(beta, ph);
    let d = scale3(gamma, qh);
    let (nh, _) = normalize3(cross3(ph, qh));
    // c⟨w, n̂⟩² = (γ̂/β̂)·‖P‖³e^{−2ρ}/‖Q‖³ with β̂ = β‖P‖, γ̂ = γ‖Q‖.
    let log_curv = gamma.ln() - beta.ln() + 3.0 * (ln_p - ln_q) - 2.0 * rho;
    let delta = if log_curv.is_nan() { 0.0 } else { 1.0 / (1.0 + log_curv.exp()) };
    Split3 { p, d, u: [ph, nh, qh], lam: [1.0, delta, 0.0], region: Region::Smooth, root: rho }
}

/// `P(ρ)/‖P(ρ)‖` for `P = (ρ, 1, e^ρ)`, and `ln ‖P(ρ)‖`.
fn exp_p_hat(rho: f64) -> ([f64; 3], f64) {
    if rho > 0.0 {
        let e = (-rho).exp();
        let (ph, ln) = normalize3([rho * e, e, 1.0]);
        (ph, ln + rho)
    } else {
        normalize3([rho, 1.0, rho.exp()])
    }
}

/// `Q(ρ)/‖Q(ρ)‖` for `Q = (1, 1 − ρ, −e^{−ρ})`, and `ln ‖Q(ρ)‖`.
fn exp_q_hat(rho: f64) -> ([f64; 3], f64) {
    if rho < 0.0 {
        let e = rho.exp();
        let (qh, ln) = normalize3([e, (1.0 - rho) * e, -1.0]);
        (qh, ln - rho)
    } else {
        normalize3([1.0, 1.0 - rho, -(-rho).exp()])
    }
}

/// `(h(ρ), h'(ρ))·e^{−|ρ|}` with `h(ρ) = ⟨v, P × Q⟩`,
/// `P × Q = ((ρ−1)e^ρ − e^{−ρ}, e^ρ + ρe^{−ρ}, −(ρ² − ρ + 1))`.
fn exp_h(r0: f64, s0: f64, t0: f64, rho: f64) -> (f64, f64) {
    let m = rho.abs();
    let ep = (rho - m).exp();
    let em = (-rho - m).exp();
    let q = (-m).exp();
    // Avoid 0·∞ when ρ² overflows (then e^{−|ρ|} is 0 anyway).
    let times_q = |x: f64| if q == 0.0 { 0.0 } else { x * q };
    let n = [(rho - 1.0) * ep - em, ep + rho * em, -times_q(rho * rho - rho + 1.0)];
    let dn = [rho * ep + em, ep + (1.0 - rho) * em, -times_q(2.0 * rho - 1.0)];
    let v = [r0, s0, t0];
    (dot3(v, n), dot3(v, dn))
}

/// The root of h on the interval where β, γ > 0 (requires `r₀ > 0` or `s₀ > 0`).
fn exp_root(r0: f64, s0: f64, t0: f64) -> f64 {
    const BIG: f64 = 1e300;
    let h = |rho: f64| exp_h(r0, s0, t0, rho);
    let (lo, hi) = if r0 > 0.0 && s0 > 0.0 {
        ((1.0 - s0 / r0).max(-BIG), (r0 / s0).min(BIG))
    } else if r0 > 0.0 {
        // h → +∞ as ρ → +∞: step up until h > 0.
        let mut lo = (1.0 - s0 / r0).min(BIG);
        let mut step = lo.abs().max(1.0);
        let mut hi = lo + step;
        while hi < BIG && h(hi).0 <= 0.0 {
            lo = hi;
            step *= 2.0;
            hi = (lo + step).min(BIG);
        }
        (lo, hi)
    } else {
        // h → −∞ as ρ → −∞: step down until h < 0.
        let mut hi = (r0 / s0).max(-BIG);
        let mut step = hi.abs().max(1.0);
        let mut lo = hi - step;
        while lo > -BIG && h(lo).0 >= 0.0 {
            hi = lo;
            step *= 2.0;
            lo = (hi - step).max(-BIG);
        }
        (lo, hi)
    };
    safeguarded_newton(h, lo, hi, 1.0)
}

// --- power cone -------------------------------------------------------------------------

/// Projection onto the power cone `K_α` (Hien 2015).
///
/// For `v = (x₀, y₀, z₀)`:
/// 1. `v ∈ K`: `p = v`. 2. `−v ∈ K*`, i.e. `x₀, y₀ ≤ 0` and
///    `(−x₀/α)^α (−y₀/(1−α))^{1−α} ≥ |z₀|`: `p = 0`.
/// 3. `z₀ = 0` (then x₀ and y₀ have opposite signs): `p = (x₀⁺, y₀⁺, 0)`. The projection
///    is not differentiable there (for α > ½ the z-derivative is unbounded nearby); we
///    use `diag(1[x₀ > 0], 1[y₀ > 0], 0)`, the limit for α < ½.
/// 4. Otherwise `p = (x(r), y(r), sign(z₀)·r)` where, with `μ = |z₀| − r` (the
///    multiplier), `x(r)` and `y(r)` are the positive roots of `x² − x₀x − αrμ = 0` and
///    `y² − y₀y − (1−α)rμ = 0` (the KKT conditions `x − x₀ = αμφ/x`, … with `φ = r`),
///    and r ∈ (0, |z₀|) is the root of `Φ(r) = x(r)^α y(r)^{1−α} − r` (concave, `Φ > 0`
///    near 0, `Φ(|z₀|) < 0`), found by safeguarded Newton with
///    `x'(r) = α(|z₀| − 2r)/√(x₀² + 4αrμ)`, in the variable r if `r < |z₀|/2` and
///    in μ otherwise (so that the product rμ has full relative precision). Both roots are evaluated without
///    cancellation. The polar part is `d = μ·a` with
///    `a = ∇g = (−αr/x, −(1−α)r/y, sign z₀)` for `g = |z| − x^α y^{1−α}`.
///
/// Derivative (region 4): `∇²g = α(1−α)φ uuᵀ` with `u = (1/x, −1/y, 0)`, so
/// `δ = 1/(1 + μα(1−α)r⟨u, n̂⟩²)`, `n̂ = p̂ × â`.
fn pow_split(v: &[f64], alpha: f64) -> Split3 {
    debug_assert!(alpha > 0.0 && alpha < 1.0, "power cone exponent must be in (0, 1)");
    split_normalized(v, |u| pow_split_unit(u, alpha))
}

/// `x^α y^{1−α}` for `x, y ≥ 0`.
fn pow_phi(x: f64, y: f64, a: f64) -> f64 {
    if x <= 0.0 || y <= 0.0 { 0.0 } else { (a * x.ln() + (1.0 - a) * y.ln()).exp() }
}

/// The positive root `x` of `x² − x₀x − q = 0` (q ≥ 0), `x₀ − x`, and `√(x₀² + 4q)`.
fn pow_quad_root(x0: f64, q: f64) -> (f64, f64, f64) {
    let disc = x0.hypot(2.0 * q.sqrt());
    if x0 >= 0.0 {
        let s = x0 + disc;
        let x = 0.5 * s;
        let diff = if s > 0.0 { -2.0 * q / s } else { 0.0 };
        (x, diff, disc)
    } else {
        let x = 2.0 * q / (disc - x0);
        (x, 0.5 * (x0 - disc), disc)
    }
}

fn pow_split_unit(u: [f64; 3], a: f64) -> Split3 {
    let [x0, y0, z0] = u;
    let za = z0.abs();
    if x0 >= 0.0 && y0 >= 0.0 && pow_phi(x0, y0, a) >= za {
        return Split3::diagonal(u, [0.0; 3], [1.0; 3], Region::Inside);
    }
    if x0 <= 0.0 && y0 <= 0.0 && pow_phi(-x0 / a, -y0 / (1.0 - a), a) >= za {
        return Split3::diagonal([0.0; 3], u, [0.0; 3], Region::Polar);
    }
    if za == 0.0 {
        return Split3::diagonal(
            [x0.max(0.0), y0.max(0.0), 0.0],
            [x0.min(0.0), y0.min(0.0), 0.0],
            [indicator(x0 > 0.0), indicator(y0 > 0.0), 0.0],
            Region::Edge,
        );
    }
    let sg = z0.signum();
    // f(r, μ) = r − Φ-part with μ = |z₀| − r: increasing in r through the root, f < 0
    // near r = 0, f > 0 at r = |z₀|; the second value is df/dr.
    let f = |r: f64, mu: f64| {
        let (x, _, dx) = pow_quad_root(x0, a * r * mu);
        let (y, _, dy) = pow_quad_root(y0, (1.0 - a) * r * mu);
        let phi = pow_phi(x, y, a);
        let xp = a * (mu - r) / dx;
        let yp = (1.0 - a) * (mu - r) / dy;
        (r - phi, 1.0 - phi * (a * xp / x + (1.0 - a) * yp / y))
    };
    // x(r) and y(r) depend on the product rμ, so solve for the smaller of r and μ: it is
    // then found to full relative precision. (Solving for r alone leaves μ = |z₀| − r
    // with an absolute error of an ulp of |z₀|, which x ≈ x₀ + αrμ/x₀ amplifies when v
    // is near the boundary close to a face x = 0 or y = 0.)
    let half = 0.5 * za;
    let (r, mu) = if f(half, za - half).0 < 0.0 {
        let g = |m: f64| {
            let (val, der) = f(za - m, m);
            (-val, der)
        };
        let m = safeguarded_newton(g, 0.0, za - half, f64::MIN_POSITIVE);
        (za - m, m)
    } else {
        let r = safeguarded_newton(|r| f(r, za - r), 0.0, half, f64::MIN_POSITIVE);
        (r, za - r)
    };
    let (x, dx, _) = pow_quad_root(x0, a * r * mu);
    let (y, dy, _) = pow_quad_root(y0, (1.0 - a) * r * mu);
    let p = [x, y, sg * r];
    let d = [dx, dy, sg * mu];
    let (ph, _) = normalize3(p);
    let grad = [-a * (r / x), -(1.0 - a) * (r / y), sg];
    let (ah, _) = if grad.iter().all(|g| g.is_finite()) { normalize3(grad) } else { normalize3(d) };
    let (nh, _) = normalize3(cross3(ph, ah));
    let un = nh[0] / x - nh[1] / y;
    let curv = mu * a * (1.0 - a) * r * un * un;
    let delta = if curv.is_finite() { 1.0 / (1.0 + curv) } else { 0.0 };
    Split3 { p, d, u: [ph, nh, ah], lam: [1.0, delta, 0.0], region: Region::Smooth, root: r }
}

#[cfg(test)]
mod tests {
    //! Which formula each 3-d projection used (`Split3::region`) and the root it found
    //! (`Split3::root`); the cone-level properties are tested in `tests/cones.rs`.
    use super::*;

    #[test]
    fn exp_regions() {
        for (v, region) in [
            ([-1.0, 1.0, 1.0], Region::Inside),
            ([0.0, 0.0, 2.0], Region::Inside),
            ([1.0, 0.0, -1.0], Region::Polar),
            ([0.0, -1.0, -1.0], Region::Polar),
            ([-1.0, -1.0, 1.0], Region::Edge),
            ([-1.0, -1.0, -1.0], Region::Edge),
            ([1.0, 1.0, 1.0], Region::Smooth),
            ([0.01, -1.0, 1.0], Region::Smooth),
        ] {
            assert_eq!(exp_split(&v).region, region, "{v:?}");
        }
    }

    #[test]
    fn exp_root_is_the_ratio_x_over_y_of_the_projection() {
        // v = βP(ρ) + γQ(ρ) projects to βP(ρ): the root is ρ, whatever the scale of v.
        for rho in [-40.0, -3.0, -0.5, 0.0, 0.7, 2.0, 10.0, 60.0] {
            for (beta, gamma, scale) in [(1.0, 1.0, 1.0), (0.2, 3.0, 1e3), (5.0, 0.1, 1e-3)] {
                let p = [rho, 1.0, f64::exp(rho)];
                let q = [1.0, 1.0 - rho, -f64::exp(-rho)];
                let v: Vec<f64> = (0..3).map(|i| scale * (beta * p[i] + gamma * q[i])).collect();
                let s = exp_split(&v);
                assert_eq!(s.region, Region::Smooth);
                assert!((s.root - rho).abs() <= 1e-12 * rho.abs().max(1.0), "ρ = {rho}: {}", s.root);
                if rho.abs() < 30.0 {
                    assert!((s.p[0] / s.p[1] - rho).abs() <= 1e-12 * rho.abs().max(1.0));
                }
            }
        }
        // The ridge v = (0.01, −1, 1): ρ ≈ 101 and δ is of order e^{−ρ}ρ³ (about 1e-38).
        let s = exp_split(&[0.01, -1.0, 1.0]);
        assert!(s.root > 100.0 && s.root < 102.0, "{}", s.root);
        assert!(s.lam[1] < 1e-30, "{:?}", s.lam);
    }

    #[test]
    fn pow_regions_and_root() {
        let a = 0.3;
        for (v, region) in [
            ([1.0, 1.0, 0.5], Region::Inside),
            ([-1.0, -1.0, 0.5], Region::Polar),
            ([1.0, -1.0, 0.0], Region::Edge),
            ([-1.0, 2.0, 0.0], Region::Edge),
            ([1.0, 1.0, 2.0], Region::Smooth),
            ([-1.0, 1.0, -0.5], Region::Smooth),
        ] {
            assert_eq!(pow_split(&v, a).region, region, "{v:?}");
        }
        // The root is r = |Π(v)_z| for the input scaled to ‖v‖_∞ = 1, and Π(v) is on the
        // boundary. The first point has r < |z₀|/2 (solved for r), the second μ < |z₀|/2
        // (solved for μ).
        for v in [[-2.0, -1.0, 4.0], [1.0, 1.0, -1.2], [1e-6, 2.0, 3.0]] {
            let s = pow_split(&v, a);
            let scale = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            assert_eq!(s.region, Region::Smooth);
            assert!((s.root * scale - s.p[2].abs()).abs() <= 1e-15 * scale, "{v:?}");
            let phi = pow_phi(s.p[0], s.p[1], a);
            assert!((phi - s.p[2].abs()).abs() <= 1e-14 * scale, "{v:?}: {:?}", s.p);
        }
        let small_r = pow_split(&[-2.0, -1.0, 4.0], a);
        let small_mu = pow_split(&[1.0, 1.0, -1.2], a);
        assert!(small_r.root < 0.5 && small_mu.root > 0.5, "{} {}", small_r.root, small_mu.root);
    }
}

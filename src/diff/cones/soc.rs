//! The second-order cone `{(t, x) : ‖x‖ ≤ t}`: projection, its Jacobian and the
//! Jacobian's eigen-decomposition (exact and CHKS-smoothed).

use super::{Spectral, chks, chks_dd, chks_deriv, identity, norm};
use std::f64::consts::SQRT_2;

pub(super) fn soc_project(v: &[f64]) -> Vec<f64> {
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

pub(super) fn soc_jacobian(v: &[f64]) -> Vec<f64> {
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

pub(super) fn soc_spectral(v: &[f64]) -> Spectral {
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

pub(super) fn soc_project_smoothed(v: &[f64], mu: f64) -> Vec<f64> {
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

pub(super) fn soc_spectral_smoothed(v: &[f64], mu: f64) -> Spectral {
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

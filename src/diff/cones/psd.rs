//! The PSD cone on svec vectors: projection by eigen-decomposition, the Jacobian
//! (divided differences of the eigenvalue map) and its eigen-decomposition (exact and
//! CHKS-smoothed).

use super::{Spectral, identity, smat, svec};
use faer::{Mat, Side};

/// Eigenvalues (ascending) and eigenvectors (n×n row-major, columns) of `smat(v)`.
pub(super) fn psd_eig(n: usize, v: &[f64]) -> (Vec<f64>, Vec<f64>) {
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
pub(super) fn psd_project_with(n: usize, v: &[f64], f: impl Fn(f64) -> f64) -> Vec<f64> {
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
pub(super) fn psd_b_exact(a: f64, b: f64) -> f64 {
    match (a >= 0.0, b >= 0.0) {
        (true, true) => 1.0,
        (false, false) => 0.0,
        (true, false) => a / (a - b),
        (false, true) => b / (b - a),
    }
}

pub(super) fn psd_jacobian(n: usize, v: &[f64]) -> Vec<f64> {
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
pub(super) fn psd_spectral(n: usize, v: &[f64], bfun: impl Fn(f64, f64) -> f64) -> Spectral {
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

//! Dense linear algebra on small arrays (faer lives here): eigenvalues of symmetric
//! matrices, singular values, semidefiniteness tests; the probe vector of the derivative
//! systems' singularity tests.

use crate::ir::array::Array;
use faer::{Mat, Side};

fn to_mat(a: &Array) -> Mat<f64> {
    let (m, n) = a.shape.rows_cols();
    Mat::from_fn(m, n, |i, j| a.data[i * n + j])
}

/// Eigenvalues (ascending) of the symmetric part `(A + Aᵀ)/2` of a square matrix.
pub fn sym_eigvals(a: &Array) -> Vec<f64> {
    let m = to_mat(a);
    let s = Mat::from_fn(m.nrows(), m.ncols(), |i, j| 0.5 * (m[(i, j)] + m[(j, i)]));
    match s.self_adjoint_eigenvalues(Side::Lower) {
        Ok(v) => v,
        Err(_) => vec![f64::NAN; m.nrows()],
    }
}

/// Eigenvalues (ascending) and eigenvectors (`vectors[k]` belongs to `values[k]`) of
/// the symmetric part `(A + Aᵀ)/2` of a square matrix; `None` if the decomposition fails.
pub fn sym_eigen(a: &Array) -> Option<(Vec<f64>, Vec<Vec<f64>>)> {
    let m = to_mat(a);
    let n = m.nrows();
    let s = Mat::from_fn(n, n, |i, j| 0.5 * (m[(i, j)] + m[(j, i)]));
    let e = s.self_adjoint_eigen(Side::Lower).ok()?;
    let values = (0..n).map(|k| e.S().column_vector()[k]).collect();
    let vectors = (0..n).map(|k| (0..n).map(|i| e.U()[(i, k)]).collect()).collect();
    Some((values, vectors))
}

/// Whether the symmetric part of the square matrix plus `shift`·I has a Cholesky
/// factor: a cheap proof (about a fifth of [`sym_eigvals`]' time) that its smallest
/// eigenvalue exceeds −`shift` (up to rounding of order n·ε·‖A‖). `false` proves
/// nothing: ask [`sym_eigvals`].
pub fn shifted_cholesky_exists(a: &Array, shift: f64) -> bool {
    let m = to_mat(a);
    let n = m.nrows();
    let s = Mat::from_fn(n, n, |i, j| 0.5 * (m[(i, j)] + m[(j, i)]) + if i == j { shift } else { 0.0 });
    s.llt(Side::Lower).is_ok()
}

/// Singular values (descending) of a matrix.
pub fn singular_values(a: &Array) -> Vec<f64> {
    let m = to_mat(a);
    match m.singular_values() {
        Ok(v) => v,
        Err(_) => vec![f64::NAN; m.nrows().min(m.ncols())],
    }
}

/// Tolerance used to call a symmetric matrix semidefinite: eigenvalues down to
/// `-PSD_RTOL * max(1, max |a_ij|)` count as zero.
pub const PSD_RTOL: f64 = 1e-9;

fn scale(a: &Array) -> f64 {
    a.data.iter().fold(1.0f64, |m, v| m.max(v.abs()))
}

/// Is the square matrix symmetric (to a relative tolerance) and positive semidefinite?
pub fn is_psd(a: &Array) -> bool {
    is_symmetric(a) && sym_eigvals(a).first().is_some_and(|l| *l >= -PSD_RTOL * scale(a))
}

/// Is the square matrix symmetric (to a relative tolerance) and negative semidefinite?
pub fn is_nsd(a: &Array) -> bool {
    is_symmetric(a) && sym_eigvals(a).last().is_some_and(|l| *l <= PSD_RTOL * scale(a))
}

/// Is the square matrix symmetric to a relative tolerance of 1e-9?
pub fn is_symmetric(a: &Array) -> bool {
    let (m, n) = a.shape.rows_cols();
    if m != n {
        return false;
    }
    let tol = 1e-9 * scale(a);
    (0..n).all(|i| (0..i).all(|j| (a.data[i * n + j] - a.data[j * n + i]).abs() <= tol))
}

/// A fixed pseudo-random vector of `len` entries in [−0.5, 0.5) (xorshift64): the
/// generic right-hand side with which the derivative systems probe for singularity.
pub fn probe(len: usize) -> Vec<f64> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::shape::Shape;

    fn mat(m: usize, n: usize, d: &[f64]) -> Array {
        Array { shape: Shape::matrix(m, n), data: d.to_vec() }
    }

    #[test]
    fn eigen_and_singular_values() {
        let a = mat(2, 2, &[2.0, 1.0, 1.0, 2.0]);
        let e = sym_eigvals(&a);
        assert!((e[0] - 1.0).abs() < 1e-12 && (e[1] - 3.0).abs() < 1e-12);
        assert!(is_psd(&a) && !is_nsd(&a));
        let b = mat(2, 3, &[3.0, 0.0, 0.0, 0.0, 4.0, 0.0]);
        let s = singular_values(&b);
        assert!((s[0] - 4.0).abs() < 1e-12 && (s[1] - 3.0).abs() < 1e-12);
        assert!(!is_psd(&mat(2, 2, &[1.0, 2.0, 2.0, 1.0])));
        assert!(!is_psd(&mat(2, 2, &[1.0, 0.5, 0.0, 1.0])), "not symmetric");
        // Eigenvalues 3 and −1: a shift of 1.5 makes it positive definite, 0.5 does not.
        assert!(shifted_cholesky_exists(&mat(2, 2, &[1.0, 2.0, 2.0, 1.0]), 1.5));
        assert!(!shifted_cholesky_exists(&mat(2, 2, &[1.0, 2.0, 2.0, 1.0]), 0.5));
    }
}

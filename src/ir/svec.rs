//! The one definition of the PSD vectorization (Clarabel's `PSDTriangleConeT`):
//! `svec` of an n×n symmetric matrix lists its upper triangle column by column,
//! `(0,0), (0,1), (1,1), (0,2), (1,2), (2,2), …`, with the off-diagonal entries times √2,
//! so that `⟨svec X, svec Y⟩ = tr(XY)` (an isometry for the Frobenius product).
//!
//! Every user of the convention goes through this module: the PSD cone rows of the
//! canonicalization ([`sym_map`]), the parametrization of `symmetric`/`psd`/`nsd`
//! variables by their upper triangle ([`triangle_rows`], [`weights`] for their PSD
//! cone), the read-out of PSD duals ([`smat`]) and of such variables ([`from_triangle`]),
//! the cotangents of both (the adjoints [`svec`], [`from_triangle_adjoint`]), and the
//! cone projections and their derivatives of the backward pass.
//!
//! [`svec`] reads the symmetric part `(X + Xᵀ)/2` of its argument, so it is defined on
//! every square matrix; its adjoint is [`smat`]: `⟨svec(A), v⟩ = ⟨A, smat(v)⟩` for every
//! n×n `A` (the layer maps the cotangent of a PSD dual read out by `smat` back with
//! `svec`, and the cotangent of a symmetric variable the same way).

use std::f64::consts::SQRT_2;

/// Number of svec entries of an n×n matrix, n(n+1)/2.
pub fn len(n: usize) -> usize {
    n * (n + 1) / 2
}

/// The svec entries in order, as `(i, j)` with `i ≤ j` (row, column of the upper
/// triangle): entry k of svec is `weight(i, j) · X_ij`.
pub fn pairs(n: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..n).flat_map(|j| (0..=j).map(move |i| (i, j)))
}

/// The svec index of entry `(i, j)` (either order) of an n×n matrix.
pub fn index(i: usize, j: usize) -> usize {
    let (i, j) = if i <= j { (i, j) } else { (j, i) };
    j * (j + 1) / 2 + i
}

/// The scale of entry `(i, j)` in svec: 1 on the diagonal, √2 off it.
pub fn weight(i: usize, j: usize) -> f64 {
    if i == j { 1.0 } else { SQRT_2 }
}

/// `svec((X + Xᵀ)/2)` of an n×n row-major `x`.
pub fn svec(n: usize, x: &[f64]) -> Vec<f64> {
    assert_eq!(x.len(), n * n, "svec: expected an {n}×{n} matrix");
    pairs(n).map(|(i, j)| weight(i, j) * (0.5 * (x[i * n + j] + x[j * n + i]))).collect()
}

/// The inverse of [`svec`] on symmetric matrices: the n×n symmetric matrix
/// (row-major) of an svec, off-diagonal entries divided by √2. It is also the adjoint
/// of [`svec`].
pub fn smat(n: usize, v: &[f64]) -> Vec<f64> {
    assert_eq!(v.len(), len(n), "smat: expected n(n+1)/2 entries for n = {n}");
    let mut x = vec![0.0; n * n];
    for (k, (i, j)) in pairs(n).enumerate() {
        let val = v[k] / weight(i, j);
        x[i * n + j] = val;
        x[j * n + i] = val;
    }
    x
}

/// The weights of the svec entries in order (1 on the diagonal, √2 off it): svec is
/// `weights ∘` the plain upper triangle (`X_ij`, i ≤ j, in svec order).
pub fn weights(n: usize) -> Vec<f64> {
    pairs(n).map(|(i, j)| weight(i, j)).collect()
}

/// The n×n symmetric matrix (row-major) of its plain upper triangle `t` (svec order,
/// no √2): `smat(weights ∘ t)`.
pub fn from_triangle(n: usize, t: &[f64]) -> Vec<f64> {
    let s: Vec<f64> = t.iter().zip(weights(n)).map(|(t, w)| t * w).collect();
    smat(n, &s)
}

/// The adjoint of [`from_triangle`]: `weights ∘ svec(G)`, i.e. `G_ii` on the
/// diagonal and `G_ij + G_ji` off it.
pub fn from_triangle_adjoint(n: usize, g: &[f64]) -> Vec<f64> {
    svec(n, g).into_iter().zip(weights(n)).map(|(s, w)| s * w).collect()
}

/// [`svec`] as a linear map: `(k, e, w)` triples, svec entry k gets `w` times matrix
/// entry e (row-major index), for an expression's `linear_map`.
pub fn sym_map(n: usize) -> Vec<(usize, usize, f64)> {
    let mut map = Vec::with_capacity(n * n);
    for (k, (i, j)) in pairs(n).enumerate() {
        if i == j {
            map.push((k, i * n + j, 1.0));
        } else {
            let w = 0.5 * weight(i, j);
            map.push((k, i * n + j, w));
            map.push((k, j * n + i, w));
        }
    }
    map
}

/// [`from_triangle`] as row indices: matrix entry e (row-major) is entry `rows[e]` of
/// the triangle (for an expression's `gather`).
pub fn triangle_rows(n: usize) -> Vec<usize> {
    (0..n * n).map(|e| index(e / n, e % n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random numbers in (−1, 1).
    fn numbers(seed: u64, k: usize) -> Vec<f64> {
        let mut s = seed;
        (0..k)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
            })
            .collect()
    }

    fn dot(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    fn apply(map: &[(usize, usize, f64)], out: usize, x: &[f64]) -> Vec<f64> {
        let mut y = vec![0.0; out];
        for &(o, i, w) in map {
            y[o] += w * x[i];
        }
        y
    }

    #[test]
    fn order_index_and_weights_are_clarabels() {
        let p: Vec<_> = pairs(3).collect();
        assert_eq!(p, vec![(0, 0), (0, 1), (1, 1), (0, 2), (1, 2), (2, 2)]);
        for (k, &(i, j)) in p.iter().enumerate() {
            assert_eq!((index(i, j), index(j, i)), (k, k));
        }
        let x = [1.0, 2.0, 4.0, 2.0, 3.0, 5.0, 4.0, 5.0, 6.0];
        let s = SQRT_2;
        assert_eq!(svec(3, &x), vec![1.0, 2.0 * s, 3.0, 4.0 * s, 5.0 * s, 6.0]);
        assert_eq!(len(4), 10);
    }

    #[test]
    fn isometry_inverse_and_adjoint() {
        for n in 0..=6 {
            let k = len(n);
            let (x, y) = (smat(n, &numbers(n as u64, k)), smat(n, &numbers(100 + n as u64, k)));
            // ⟨svec X, svec Y⟩ = tr(XY) for symmetric X, Y.
            let tr: f64 = (0..n)
                .flat_map(|i| (0..n).map(move |j| (i, j)))
                .map(|(i, j)| x[i * n + j] * y[j * n + i])
                .sum();
            assert!((dot(&svec(n, &x), &svec(n, &y)) - tr).abs() <= 1e-12, "n = {n}");
            // smat ∘ svec = id on symmetric matrices, svec ∘ smat = id on vectors.
            let back = smat(n, &svec(n, &x));
            assert!(back.iter().zip(&x).all(|(a, b)| (a - b).abs() <= 1e-15));
            let v = numbers(200 + n as u64, k);
            assert!(svec(n, &smat(n, &v)).iter().zip(&v).all(|(a, b)| (a - b).abs() <= 1e-15));
            // ⟨svec(sym A), v⟩ = ⟨A, smat v⟩ for a general (non-symmetric) A.
            let a = numbers(300 + n as u64, n * n);
            assert!((dot(&svec(n, &a), &v) - dot(&a, &smat(n, &v))).abs() <= 1e-12);
        }
    }

    #[test]
    fn maps_agree_with_the_dense_forms() {
        for n in 0..=5 {
            let a = numbers(7 + n as u64, n * n);
            let v = numbers(17 + n as u64, len(n));
            let sv = apply(&sym_map(n), len(n), &a);
            assert!(sv.iter().zip(svec(n, &a)).all(|(p, q)| (p - q).abs() <= 1e-15));
            let tri: Vec<f64> = triangle_rows(n).into_iter().map(|r| v[r]).collect();
            assert!(tri.iter().zip(from_triangle(n, &v)).all(|(p, q)| (p - q).abs() <= 1e-15));
            // ⟨from_triangle(t), G⟩ = ⟨t, from_triangle_adjoint(G)⟩.
            let g = numbers(27 + n as u64, n * n);
            let lhs = dot(&from_triangle(n, &v), &g);
            assert!((lhs - dot(&v, &from_triangle_adjoint(n, &g))).abs() <= 1e-12);
        }
    }
}

//! Tests for the pure-Rust BLAS/LAPACK in `dopt::internals::blas`: every routine through its C ABI
//! against a naive reference on random inputs, plus a Clarabel SDP that links against it.

use dopt::internals::blas::*;
use std::ffi::{c_char, c_int};

/// A tiny deterministic LCG (Knuth's MMIX constants).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        // 53 high bits -> [0, 1), then to [-1, 1)
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
    /// A column-major `rows x cols` matrix with leading dimension `ld`; the padding
    /// rows hold `pad`.
    fn mat(&mut self, rows: usize, cols: usize, ld: usize, pad: f64) -> Vec<f64> {
        let mut v = vec![pad; ld * cols.max(1)];
        for j in 0..cols {
            for i in 0..rows {
                v[i + j * ld] = self.next();
            }
        }
        v
    }
}

fn ch(c: u8) -> c_char {
    c as c_char
}

/// Element `(i, j)` of `op(A)` for a column-major `A` with leading dimension `ld`.
fn op(a: &[f64], ld: usize, t: bool, i: usize, j: usize) -> f64 {
    if t { a[j + i * ld] } else { a[i + j * ld] }
}

fn is_t(c: u8) -> bool {
    !c.eq_ignore_ascii_case(&b'N')
}

/// Bitwise equality (so that NaN padding compares equal to itself).
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

const TOL: f64 = 1e-12;

// ------------------------------------------------------------------ dgemm

#[test]
fn gemm_matches_reference() {
    let mut rng = Rng(1);
    let shapes = [(3, 4, 5), (5, 2, 1), (1, 1, 1), (4, 4, 0), (7, 6, 8)];
    let transes = [b'N', b'T', b'C', b'n', b't'];
    for &(m, n, k) in &shapes {
        for &ta in &transes {
            for &tb in &transes {
                for &(alpha, beta) in
                    &[(1.0, 0.0), (-0.7, 1.0), (0.5, 0.3), (0.0, 2.0), (0.0, 0.0), (1.3, -1.0)]
                {
                    let (ra, ca) = if is_t(ta) { (k, m) } else { (m, k) };
                    let (rb, cb) = if is_t(tb) { (n, k) } else { (k, n) };
                    let (lda, ldb, ldc) = (ra + 2, rb + 1, m + 3);
                    // With alpha = 0, A and B must not be read.
                    let fill = if alpha == 0.0 { f64::NAN } else { 0.0 };
                    let mut a = rng.mat(ra, ca, lda, f64::NAN);
                    let mut b = rng.mat(rb, cb, ldb, f64::NAN);
                    if alpha == 0.0 {
                        a.fill(fill);
                        b.fill(fill);
                    }
                    // With beta = 0, C must not be read.
                    let mut c = rng.mat(m, n, ldc, -77.0);
                    if beta == 0.0 {
                        for j in 0..n {
                            for i in 0..m {
                                c[i + j * ldc] = f64::NAN;
                            }
                        }
                    }
                    let c0 = c.clone();
                    let dims = [m as c_int, n as c_int, k as c_int, lda as c_int, ldb as c_int, ldc as c_int];
                    unsafe {
                        dgemm_(
                            &ch(ta),
                            &ch(tb),
                            &dims[0],
                            &dims[1],
                            &dims[2],
                            &alpha,
                            a.as_ptr(),
                            &dims[3],
                            b.as_ptr(),
                            &dims[4],
                            &beta,
                            c.as_mut_ptr(),
                            &dims[5],
                        )
                    };
                    for j in 0..n {
                        for i in 0..ldc {
                            let got = c[i + j * ldc];
                            if i >= m {
                                assert!(same(got, c0[i + j * ldc]), "padding touched");
                                continue;
                            }
                            let mut want = if beta == 0.0 { 0.0 } else { beta * c0[i + j * ldc] };
                            if alpha != 0.0 {
                                let s: f64 = (0..k)
                                    .map(|l| op(&a, lda, is_t(ta), i, l) * op(&b, ldb, is_t(tb), l, j))
                                    .sum();
                                want += alpha * s;
                            }
                            assert!(
                                close(got, want, TOL),
                                "gemm {} {} {m}x{n}x{k} a={alpha} b={beta}: {got} vs {want}",
                                ta as char,
                                tb as char
                            );
                        }
                    }
                }
            }
        }
    }
}

// ------------------------------------------------------------------ dgemv

/// Logical element `i` of a strided vector.
fn sidx(i: usize, len: usize, inc: isize) -> usize {
    if inc > 0 { i * inc as usize } else { (len - 1 - i) * inc.unsigned_abs() }
}

#[test]
fn gemv_matches_reference() {
    let mut rng = Rng(2);
    for &(m, n) in &[(4, 3), (1, 5), (6, 6), (0, 3), (3, 0)] {
        for &t in b"NTc" {
            for &(incx, incy) in &[(1isize, 1isize), (2, -1), (-3, 2), (-1, -2)] {
                for &(alpha, beta) in &[(1.0, 0.0), (0.4, 1.0), (-1.2, 0.5), (0.0, 0.0), (0.0, 3.0)] {
                    let lda = m + 2;
                    let a = rng.mat(m, n, lda, f64::NAN);
                    let (lx, ly) = if is_t(t) { (m, n) } else { (n, m) };
                    let x = rng.mat(
                        1 + (lx.max(1) - 1) * incx.unsigned_abs(),
                        1,
                        1 + (lx.max(1) - 1) * incx.unsigned_abs(),
                        0.0,
                    );
                    let ylen = 1 + (ly.max(1) - 1) * incy.unsigned_abs();
                    let mut y = rng.mat(ylen, 1, ylen, 0.0);
                    if beta == 0.0 {
                        for i in 0..ly {
                            y[sidx(i, ly, incy)] = f64::NAN;
                        }
                    }
                    let y0 = y.clone();
                    let d = [m as c_int, n as c_int, lda as c_int, incx as c_int, incy as c_int];
                    unsafe {
                        dgemv_(
                            &ch(t),
                            &d[0],
                            &d[1],
                            &alpha,
                            a.as_ptr(),
                            &d[2],
                            x.as_ptr(),
                            &d[3],
                            &beta,
                            y.as_mut_ptr(),
                            &d[4],
                        )
                    };
                    if m == 0 || n == 0 {
                        assert!(y.iter().zip(&y0).all(|(p, q)| same(*p, *q)));
                        continue;
                    }
                    for i in 0..ly {
                        let s: f64 = (0..lx).map(|l| op(&a, lda, is_t(t), i, l) * x[sidx(l, lx, incx)]).sum();
                        let old = y0[sidx(i, ly, incy)];
                        let want = alpha * s + if beta == 0.0 { 0.0 } else { beta * old };
                        let got = y[sidx(i, ly, incy)];
                        assert!(close(got, want, TOL), "gemv {}: {got} vs {want}", t as char);
                    }
                }
            }
        }
    }
}

// ------------------------------------------------------------------ dsymv

/// The symmetric element `(i, j)` from triangle `uplo` of `A`.
fn sym(a: &[f64], ld: usize, up: bool, i: usize, j: usize) -> f64 {
    let (r, c) = if (i <= j) == up { (i, j) } else { (j, i) };
    a[r + c * ld]
}

/// Fills the triangle not named by `up` (strictly) with NaN.
fn poison_other(a: &mut [f64], n: usize, ld: usize, up: bool) {
    for j in 0..n {
        for i in 0..n {
            if (up && i > j) || (!up && i < j) {
                a[i + j * ld] = f64::NAN;
            }
        }
    }
}

#[test]
fn symv_matches_reference() {
    let mut rng = Rng(3);
    for &n in &[1usize, 4, 7] {
        for &uplo in b"ULul" {
            let up = uplo.eq_ignore_ascii_case(&b'U');
            for &(incx, incy) in &[(1isize, 1isize), (-2, 3)] {
                for &(alpha, beta) in &[(1.0, 0.0), (0.7, -0.4), (0.0, 0.5)] {
                    let lda = n + 1;
                    let mut a = rng.mat(n, n, lda, f64::NAN);
                    poison_other(&mut a, n, lda, up);
                    let xl = 1 + (n - 1) * incx.unsigned_abs();
                    let x = rng.mat(xl, 1, xl, 0.0);
                    let yl = 1 + (n - 1) * incy.unsigned_abs();
                    let mut y = rng.mat(yl, 1, yl, 0.0);
                    if beta == 0.0 {
                        for i in 0..n {
                            y[sidx(i, n, incy)] = f64::NAN;
                        }
                    }
                    let y0 = y.clone();
                    let d = [n as c_int, lda as c_int, incx as c_int, incy as c_int];
                    unsafe {
                        dsymv_(
                            &ch(uplo),
                            &d[0],
                            &alpha,
                            a.as_ptr(),
                            &d[1],
                            x.as_ptr(),
                            &d[2],
                            &beta,
                            y.as_mut_ptr(),
                            &d[3],
                        )
                    };
                    for i in 0..n {
                        let s: f64 = (0..n).map(|l| sym(&a, lda, up, i, l) * x[sidx(l, n, incx)]).sum();
                        let old = y0[sidx(i, n, incy)];
                        let want = alpha * s + if beta == 0.0 { 0.0 } else { beta * old };
                        let got = y[sidx(i, n, incy)];
                        assert!(close(got, want, TOL), "symv {}: {got} vs {want}", uplo as char);
                    }
                }
            }
        }
    }
}

// ------------------------------------------------------------------ dsyrk / dsyr2k

/// Checks that only triangle `up` of `c` changed, to `want(i, j)`.
fn check_triangle(c: &[f64], c0: &[f64], n: usize, ld: usize, up: bool, want: impl Fn(usize, usize) -> f64) {
    for j in 0..n {
        for i in 0..ld {
            let got = c[i + j * ld];
            let inside = i < n && if up { i <= j } else { i >= j };
            if inside {
                let w = want(i, j);
                assert!(close(got, w, TOL), "({i},{j}): {got} vs {w}");
            } else {
                assert!(same(got, c0[i + j * ld]), "({i},{j}) outside the triangle was touched");
            }
        }
    }
}

/// A `n x n` output matrix with padding, NaN in the triangle when `beta == 0`, and a
/// sentinel in the other triangle.
fn output_sym(rng: &mut Rng, n: usize, ld: usize, up: bool, beta: f64) -> Vec<f64> {
    let mut c = rng.mat(n, n, ld, 1234.5);
    for j in 0..n {
        for i in 0..n {
            let inside = if up { i <= j } else { i >= j };
            if !inside {
                c[i + j * ld] = -999.0;
            } else if beta == 0.0 {
                c[i + j * ld] = f64::NAN;
            }
        }
    }
    c
}

#[test]
fn syrk_matches_reference() {
    let mut rng = Rng(4);
    for &(n, k) in &[(4usize, 3usize), (1, 5), (6, 1), (5, 0), (7, 7)] {
        for &uplo in b"ULl" {
            let up = uplo.eq_ignore_ascii_case(&b'U');
            for &t in b"NTCt" {
                for &(alpha, beta) in &[(1.0, 0.0), (-0.6, 1.0), (0.8, 0.25), (0.0, -2.0)] {
                    let (ra, ca) = if is_t(t) { (k, n) } else { (n, k) };
                    let (lda, ldc) = (ra + 2, n + 1);
                    let a = rng.mat(ra, ca, lda, f64::NAN);
                    let mut c = output_sym(&mut rng, n, ldc, up, beta);
                    let c0 = c.clone();
                    let d = [n as c_int, k as c_int, lda as c_int, ldc as c_int];
                    unsafe {
                        dsyrk_(
                            &ch(uplo),
                            &ch(t),
                            &d[0],
                            &d[1],
                            &alpha,
                            a.as_ptr(),
                            &d[2],
                            &beta,
                            c.as_mut_ptr(),
                            &d[3],
                        )
                    };
                    check_triangle(&c, &c0, n, ldc, up, |i, j| {
                        // op(A) is n x k
                        let s: f64 =
                            (0..k).map(|l| op(&a, lda, is_t(t), i, l) * op(&a, lda, is_t(t), j, l)).sum();
                        let old = if beta == 0.0 { 0.0 } else { beta * c0[i + j * ldc] };
                        if alpha == 0.0 || k == 0 { old } else { alpha * s + old }
                    });
                }
            }
        }
    }
}

#[test]
fn syr2k_matches_reference() {
    let mut rng = Rng(5);
    for &(n, k) in &[(4usize, 3usize), (1, 5), (6, 1), (3, 0), (8, 6)] {
        for &uplo in b"ULu" {
            let up = uplo.eq_ignore_ascii_case(&b'U');
            for &t in b"NTCn" {
                for &(alpha, beta) in &[(1.0, 0.0), (2.0, 1.0), (-0.3, 0.7), (0.0, 0.5)] {
                    let (r, cols) = if is_t(t) { (k, n) } else { (n, k) };
                    let (lda, ldb, ldc) = (r + 1, r + 3, n + 2);
                    let a = rng.mat(r, cols, lda, f64::NAN);
                    let b = rng.mat(r, cols, ldb, f64::NAN);
                    let mut c = output_sym(&mut rng, n, ldc, up, beta);
                    let c0 = c.clone();
                    let d = [n as c_int, k as c_int, lda as c_int, ldb as c_int, ldc as c_int];
                    unsafe {
                        dsyr2k_(
                            &ch(uplo),
                            &ch(t),
                            &d[0],
                            &d[1],
                            &alpha,
                            a.as_ptr(),
                            &d[2],
                            b.as_ptr(),
                            &d[3],
                            &beta,
                            c.as_mut_ptr(),
                            &d[4],
                        )
                    };
                    let tt = is_t(t);
                    check_triangle(&c, &c0, n, ldc, up, |i, j| {
                        let s: f64 = (0..k)
                            .map(|l| {
                                op(&a, lda, tt, i, l) * op(&b, ldb, tt, j, l)
                                    + op(&b, ldb, tt, i, l) * op(&a, lda, tt, j, l)
                            })
                            .sum();
                        let old = if beta == 0.0 { 0.0 } else { beta * c0[i + j * ldc] };
                        if alpha == 0.0 || k == 0 { old } else { alpha * s + old }
                    });
                }
            }
        }
    }
}

// ------------------------------------------------------------------ dpotrf / dpotrs

/// A random symmetric positive definite `n x n` matrix (full storage, leading dim `ld`).
fn spd(rng: &mut Rng, n: usize, ld: usize) -> Vec<f64> {
    let b = rng.mat(n, n, n, 0.0);
    let mut a = vec![f64::NAN; ld * n];
    for j in 0..n {
        for i in 0..n {
            let s: f64 = (0..n).map(|l| b[i + l * n] * b[j + l * n]).sum();
            a[i + j * ld] = s + if i == j { n as f64 } else { 0.0 };
        }
    }
    a
}

#[test]
fn potrf_potrs_match_reference() {
    let mut rng = Rng(6);
    for &n in &[1usize, 2, 5, 9] {
        for &uplo in b"LUu" {
            let up = uplo.eq_ignore_ascii_case(&b'U');
            let lda = n + 3;
            let full = spd(&mut rng, n, lda);
            let mut a = full.clone();
            poison_other(&mut a, n, lda, up);
            let a0 = a.clone();
            let mut info: c_int = -42;
            let (nn, ld) = (n as c_int, lda as c_int);
            unsafe { dpotrf_(&ch(uplo), &nn, a.as_mut_ptr(), &ld, &mut info) };
            assert_eq!(info, 0);
            // the other triangle and the padding are untouched
            for j in 0..n {
                for i in 0..lda {
                    if i >= n || (up && i > j) || (!up && i < j) {
                        assert!(same(a[i + j * lda], a0[i + j * lda]));
                    }
                }
            }
            // factor element: lower L(i, j) (i >= j), from either storage
            let l = |i: usize, j: usize| {
                if i < j {
                    0.0
                } else if up {
                    a[j + i * lda]
                } else {
                    a[i + j * lda]
                }
            };
            for j in 0..n {
                for i in 0..n {
                    let s: f64 = (0..n).map(|k| l(i, k) * l(j, k)).sum();
                    assert!(close(s, full[i + j * lda], 1e-10), "LL^T ({i},{j})");
                }
            }
            // potrs with three right-hand sides
            let nrhs = 3;
            let ldb = n + 2;
            let x_true = rng.mat(n, nrhs, ldb, 5.5);
            let mut b = x_true.clone();
            for c in 0..nrhs {
                for i in 0..n {
                    b[i + c * ldb] = (0..n).map(|k| full[i + k * lda] * x_true[k + c * ldb]).sum();
                }
            }
            let mut info: c_int = -42;
            let (nr, lb) = (nrhs as c_int, ldb as c_int);
            unsafe { dpotrs_(&ch(uplo), &nn, &nr, a.as_ptr(), &ld, b.as_mut_ptr(), &lb, &mut info) };
            assert_eq!(info, 0);
            for (got, want) in b.iter().zip(&x_true) {
                assert!(close(*got, *want, 1e-10), "potrs {got} vs {want}");
            }
        }
    }
}

#[test]
fn potrf_reports_not_positive_definite() {
    // leading minors: 2 > 0, det [[2,3],[3,2]] = -5 < 0 -> info = 2
    let a0 = [2.0, 3.0, 0.0, 3.0, 2.0, 0.0, 0.0, 0.0, 1.0];
    for &uplo in b"LU" {
        let mut a = a0;
        let mut info: c_int = 0;
        unsafe { dpotrf_(&ch(uplo), &3, a.as_mut_ptr(), &3, &mut info) };
        assert_eq!(info, 2, "uplo {}", uplo as char);
    }
    // a negative first pivot, and a NaN
    for (first, want) in [(-1.0, 1), (f64::NAN, 1), (0.0, 1)] {
        let mut a = [first, 0.0, 0.0, 1.0];
        let mut info: c_int = 0;
        unsafe { dpotrf_(&ch(b'L'), &2, a.as_mut_ptr(), &2, &mut info) };
        assert_eq!(info, want);
    }
    // positive semidefinite but singular -> info = 2
    let mut a = [1.0, 1.0, 1.0, 1.0];
    let mut info: c_int = 0;
    unsafe { dpotrf_(&ch(b'U'), &2, a.as_mut_ptr(), &2, &mut info) };
    assert_eq!(info, 2);
}

#[test]
fn lapack_illegal_arguments() {
    let mut a = [1.0; 16];
    let mut b = [1.0; 16];
    let mut info: c_int = 0;
    unsafe { dpotrf_(&ch(b'X'), &2, a.as_mut_ptr(), &2, &mut info) };
    assert_eq!(info, -1);
    unsafe { dpotrf_(&ch(b'L'), &-1, a.as_mut_ptr(), &2, &mut info) };
    assert_eq!(info, -2);
    unsafe { dpotrf_(&ch(b'L'), &3, a.as_mut_ptr(), &2, &mut info) };
    assert_eq!(info, -4);
    unsafe { dpotrf_(&ch(b'L'), &2, std::ptr::null_mut(), &2, &mut info) };
    assert_eq!(info, -3);
    unsafe { dpotrs_(&ch(b'L'), &2, &1, a.as_ptr(), &2, b.as_mut_ptr(), &1, &mut info) };
    assert_eq!(info, -7);
    let mut ipiv = [0 as c_int; 4];
    unsafe { dgesv_(&3, &1, a.as_mut_ptr(), &2, ipiv.as_mut_ptr(), b.as_mut_ptr(), &3, &mut info) };
    assert_eq!(info, -4);
    unsafe { dgesv_(&2, &-1, a.as_mut_ptr(), &2, ipiv.as_mut_ptr(), b.as_mut_ptr(), &2, &mut info) };
    assert_eq!(info, -2);
    // BLAS routines just return on bad arguments (here: a null C and a bad trans)
    let mut c = [7.0; 4];
    unsafe {
        dgemm_(
            &ch(b'N'),
            &ch(b'N'),
            &2,
            &2,
            &2,
            &1.0,
            a.as_ptr(),
            &2,
            b.as_ptr(),
            &2,
            &0.0,
            std::ptr::null_mut(),
            &2,
        );
        dgemm_(
            &ch(b'Q'),
            &ch(b'N'),
            &2,
            &2,
            &2,
            &1.0,
            a.as_ptr(),
            &2,
            b.as_ptr(),
            &2,
            &0.0,
            c.as_mut_ptr(),
            &2,
        );
        dgemv_(&ch(b'N'), &2, &2, &1.0, a.as_ptr(), &2, b.as_ptr(), &0, &0.0, c.as_mut_ptr(), &1);
    }
    assert_eq!(c, [7.0; 4]);
}

// ------------------------------------------------------------------ dgesv

#[test]
fn gesv_matches_reference() {
    let mut rng = Rng(7);
    for &n in &[1usize, 2, 6, 11] {
        let (lda, ldb, nrhs) = (n + 2, n + 1, 3usize);
        let a0 = rng.mat(n, n, lda, f64::NAN);
        let x_true = rng.mat(n, nrhs, ldb, 9.0);
        let mut b = x_true.clone();
        for c in 0..nrhs {
            for i in 0..n {
                b[i + c * ldb] = (0..n).map(|k| a0[i + k * lda] * x_true[k + c * ldb]).sum();
            }
        }
        let mut a = a0.clone();
        let mut ipiv = vec![0 as c_int; n];
        let mut info: c_int = -42;
        let d = [n as c_int, nrhs as c_int, lda as c_int, ldb as c_int];
        unsafe {
            dgesv_(&d[0], &d[1], a.as_mut_ptr(), &d[2], ipiv.as_mut_ptr(), b.as_mut_ptr(), &d[3], &mut info)
        };
        assert_eq!(info, 0);
        for (got, want) in b.iter().zip(&x_true) {
            assert!(close(*got, *want, 1e-9), "gesv {got} vs {want}");
        }
        // P A = L U, with the interchanges of ipiv applied in order to A's rows
        let mut pa: Vec<Vec<f64>> = (0..n).map(|i| (0..n).map(|j| a0[i + j * lda]).collect()).collect();
        for (i, &p) in ipiv.iter().enumerate() {
            let p = p as usize - 1;
            assert!(p >= i && p < n);
            pa.swap(i, p);
        }
        for (i, row) in pa.iter().enumerate() {
            for (j, &want) in row.iter().enumerate() {
                let s: f64 = (0..=i.min(j))
                    .map(|k| {
                        let l = if k == i { 1.0 } else { a[i + k * lda] };
                        l * a[k + j * lda]
                    })
                    .sum();
                assert!(close(s, want, 1e-12), "PA = LU at ({i},{j})");
            }
            // partial pivoting: |L| <= 1
            for k in 0..i {
                assert!(a[i + k * lda].abs() <= 1.0);
            }
        }
        // padding untouched
        for j in 0..n {
            for i in n..lda {
                assert!(a[i + j * lda].is_nan());
            }
        }
    }
}

#[test]
fn gesv_reports_singular() {
    // exactly singular in floating point: row 1 = 2 * row 0
    #[rustfmt::skip]
    let mut a = [
        1.0, 2.0, 1.0,
        2.0, 4.0, 1.0,
        3.0, 6.0, 1.0,
    ];
    let mut b = [1.0, 2.0, 3.0];
    let mut ipiv = [0 as c_int; 3];
    let mut info: c_int = 0;
    unsafe { dgesv_(&3, &1, a.as_mut_ptr(), &3, ipiv.as_mut_ptr(), b.as_mut_ptr(), &3, &mut info) };
    assert_eq!(info, 3);
    assert_eq!(b, [1.0, 2.0, 3.0], "no solution is computed");
    // a zero matrix fails at the first pivot
    let mut z = [0.0; 4];
    let mut b = [1.0, 1.0];
    unsafe { dgesv_(&2, &1, z.as_mut_ptr(), &2, ipiv.as_mut_ptr(), b.as_mut_ptr(), &2, &mut info) };
    assert_eq!(info, 1);
}

// ------------------------------------------------------------------ dsyevr

struct Eig {
    m: c_int,
    w: Vec<f64>,
    z: Vec<f64>,
    isuppz: Vec<c_int>,
    info: c_int,
}

/// Calls `dsyevr_` the way Clarabel does: a workspace query, then the computation.
#[allow(clippy::too_many_arguments)]
fn syevr(
    jobz: u8,
    range: u8,
    uplo: u8,
    n: usize,
    a: &[f64],
    lda: usize,
    vl: f64,
    vu: f64,
    il: c_int,
    iu: c_int,
) -> Eig {
    let mut a = a.to_vec();
    let ldz = n.max(1);
    let mut out = Eig {
        m: -1,
        w: vec![f64::NAN; n],
        z: vec![f64::NAN; if jobz == b'V' { ldz * n.max(1) } else { 1 }],
        isuppz: vec![0; 2 * n.max(1)],
        info: -42,
    };
    let mut work = vec![0.0; 1];
    let mut iwork = vec![0 as c_int; 1];
    let (mut lwork, mut liwork) = (-1 as c_int, -1 as c_int);
    let d = [n as c_int, lda as c_int, ldz as c_int];
    for pass in 0..2 {
        unsafe {
            dsyevr_(
                &ch(jobz),
                &ch(range),
                &ch(uplo),
                &d[0],
                a.as_mut_ptr(),
                &d[1],
                &vl,
                &vu,
                &il,
                &iu,
                &-1.0,
                &mut out.m,
                out.w.as_mut_ptr(),
                out.z.as_mut_ptr(),
                &d[2],
                out.isuppz.as_mut_ptr(),
                work.as_mut_ptr(),
                &lwork,
                iwork.as_mut_ptr(),
                &liwork,
                &mut out.info,
            )
        };
        if out.info != 0 {
            return out;
        }
        if pass == 0 {
            lwork = work[0] as c_int;
            liwork = iwork[0];
            assert!(lwork as usize >= 26 * n && liwork as usize >= 10 * n);
            work.resize(lwork as usize, 0.0);
            iwork.resize(liwork as usize, 0);
        }
    }
    out
}

#[test]
fn syevr_decomposes_symmetric_matrices() {
    let mut rng = Rng(8);
    for &n in &[1usize, 2, 4, 7, 12] {
        let lda = n + 2;
        let base = rng.mat(n, n, lda, f64::NAN);
        for &uplo in b"ULl" {
            let up = uplo.eq_ignore_ascii_case(&b'U');
            let mut a = base.clone();
            poison_other(&mut a, n, lda, up);
            let s = |i: usize, j: usize| sym(&a, lda, up, i, j);

            let all = syevr(b'V', b'A', uplo, n, &a, lda, 0.0, 0.0, 0, 0);
            assert_eq!((all.info, all.m), (0, n as c_int));
            let w = &all.w;
            assert!(w.windows(2).all(|p| p[0] <= p[1]), "ascending");
            let z = |i: usize, k: usize| all.z[i + k * n];
            for i in 0..n {
                for j in 0..n {
                    let rec: f64 = (0..n).map(|k| z(i, k) * w[k] * z(j, k)).sum();
                    assert!((rec - s(i, j)).abs() < 1e-10, "A = Z diag(w) Z^T at ({i},{j})");
                    let g: f64 = (0..n).map(|k| z(k, i) * z(k, j)).sum();
                    assert!((g - if i == j { 1.0 } else { 0.0 }).abs() < 1e-10, "Z^T Z = I");
                }
            }
            for k in 0..n {
                assert_eq!((all.isuppz[2 * k], all.isuppz[2 * k + 1]), (1, n as c_int));
            }

            // values only (Clarabel passes a length-1 z)
            let vals = syevr(b'N', b'A', uplo, n, &a, lda, 0.0, 0.0, 0, 0);
            assert_eq!((vals.info, vals.m), (0, n as c_int));
            assert_eq!(vals.z.len(), 1);
            assert!(vals.z[0].is_nan(), "z is not referenced for jobz = 'N'");
            for (p, q) in vals.w.iter().zip(w) {
                assert!((p - q).abs() < 1e-10);
            }

            // an index range
            if n >= 4 {
                let (il, iu) = (2, n as c_int - 1);
                let part = syevr(b'V', b'I', uplo, n, &a, lda, 0.0, 0.0, il, iu);
                let cnt = (iu - il + 1) as usize;
                assert_eq!((part.info, part.m), (0, cnt as c_int));
                for k in 0..cnt {
                    let lam = part.w[k];
                    assert!((lam - w[il as usize - 1 + k]).abs() < 1e-10);
                    for i in 0..n {
                        let az: f64 = (0..n).map(|j| s(i, j) * part.z[j + k * n]).sum();
                        assert!((az - lam * part.z[i + k * n]).abs() < 1e-10, "A z = lambda z");
                    }
                }
                // a value range (vl, vu] between eigenvalues 1..=3 (0-based)
                let vl = 0.5 * (w[0] + w[1]);
                let vu = w[3];
                let part = syevr(b'N', b'V', uplo, n, &a, lda, vl, vu, 0, 0);
                assert_eq!((part.info, part.m), (0, 3));
                for k in 0..3 {
                    assert!((part.w[k] - w[k + 1]).abs() < 1e-10);
                }
            }
        }
    }
}

#[test]
fn syevr_argument_checks() {
    let a = [2.0, 0.0, 0.0, 3.0];
    assert_eq!(syevr(b'X', b'A', b'U', 2, &a, 2, 0.0, 0.0, 0, 0).info, -1);
    assert_eq!(syevr(b'N', b'X', b'U', 2, &a, 2, 0.0, 0.0, 0, 0).info, -2);
    assert_eq!(syevr(b'N', b'A', b'X', 2, &a, 2, 0.0, 0.0, 0, 0).info, -3);
    assert_eq!(syevr(b'N', b'A', b'U', 2, &a, 1, 0.0, 0.0, 0, 0).info, -6);
    assert_eq!(syevr(b'N', b'V', b'U', 2, &a, 2, 1.0, 1.0, 0, 0).info, -8);
    assert_eq!(syevr(b'N', b'I', b'U', 2, &a, 2, 0.0, 0.0, 0, 1).info, -9);
    assert_eq!(syevr(b'N', b'I', b'U', 2, &a, 2, 0.0, 0.0, 2, 3).info, -10);
    // too small a workspace outside a query
    let mut a = a;
    let (mut m, mut info) = (0 as c_int, 0 as c_int);
    let mut w = [0.0; 2];
    let mut z = [0.0; 4];
    let mut isuppz = [0 as c_int; 4];
    let mut work = [0.0; 51];
    let mut iwork = [0 as c_int; 20];
    unsafe {
        dsyevr_(
            &ch(b'V'),
            &ch(b'A'),
            &ch(b'L'),
            &2,
            a.as_mut_ptr(),
            &2,
            &0.0,
            &0.0,
            &0,
            &0,
            &0.0,
            &mut m,
            w.as_mut_ptr(),
            z.as_mut_ptr(),
            &2,
            isuppz.as_mut_ptr(),
            work.as_mut_ptr(),
            &51,
            iwork.as_mut_ptr(),
            &20,
            &mut info,
        )
    };
    assert_eq!(info, -18);
}

// ------------------------------------------------------------------ dgesdd / dgesvd

/// Checks an SVD: `s` descending and nonnegative, `A = U diag(s) V^T` on the first
/// `min(m, n)` vectors, orthonormal columns of `U` (`ucols` of them) and rows of `V^T`.
fn check_svd(
    a: &[f64],
    lda: usize,
    (m, n): (usize, usize),
    s: &[f64],
    u: Option<(&[f64], usize, usize)>,
    vt: Option<(&[f64], usize, usize)>,
) {
    let k = m.min(n);
    assert!(s.windows(2).all(|p| p[0] >= p[1]), "descending: {s:?}");
    assert!(s.iter().all(|&x| x >= 0.0));
    // singular values against the eigenvalues of A^T A (by trace and Frobenius norm)
    let fro2: f64 =
        (0..n).flat_map(|j| (0..m).map(move |i| (i, j))).map(|(i, j)| a[i + j * lda].powi(2)).sum();
    let ss: f64 = s.iter().map(|x| x * x).sum();
    assert!(close(ss, fro2, 1e-10), "sum s^2 = ||A||_F^2");
    if let Some((u, ldu, ucols)) = u {
        for p in 0..ucols {
            for q in 0..ucols {
                let g: f64 = (0..m).map(|i| u[i + p * ldu] * u[i + q * ldu]).sum();
                assert!((g - if p == q { 1.0 } else { 0.0 }).abs() < 1e-10, "U^T U = I");
            }
        }
    }
    if let Some((vt, ldvt, vrows)) = vt {
        for p in 0..vrows {
            for q in 0..vrows {
                let g: f64 = (0..n).map(|j| vt[p + j * ldvt] * vt[q + j * ldvt]).sum();
                assert!((g - if p == q { 1.0 } else { 0.0 }).abs() < 1e-10, "V^T V = I");
            }
        }
    }
    if let (Some((u, ldu, _)), Some((vt, ldvt, _))) = (u, vt) {
        for i in 0..m {
            for j in 0..n {
                let r: f64 = (0..k).map(|l| u[i + l * ldu] * s[l] * vt[l + j * ldvt]).sum();
                assert!((r - a[i + j * lda]).abs() < 1e-10, "A = U S V^T at ({i},{j})");
            }
        }
    }
}

const SVD_SHAPES: [(usize, usize); 6] = [(6, 4), (4, 6), (5, 5), (1, 3), (3, 1), (9, 2)];

#[test]
fn gesdd_decomposes() {
    let mut rng = Rng(9);
    for &(m, n) in &SVD_SHAPES {
        let k = m.min(n);
        for &job in b"ASONs" {
            let lda = m + 1;
            let a0 = rng.mat(m, n, lda, f64::NAN);
            let mut a = a0.clone();
            let (ucols, ldu) = match job.to_ascii_uppercase() {
                b'A' => (m, m + 2),
                b'O' if m < n => (m, m + 2),
                b'O' | b'N' => (0, 1),
                _ => (k, m + 2),
            };
            let (vrows, ldvt) = match job.to_ascii_uppercase() {
                b'A' => (n, n + 1),
                b'O' if m >= n => (n, n + 1),
                b'O' | b'N' => (0, 1),
                _ => (k, k + 1),
            };
            let mut s = vec![f64::NAN; k];
            let mut u = vec![f64::NAN; ldu * ucols.max(1)];
            let mut vt = vec![f64::NAN; ldvt * n];
            let mut work = vec![0.0; 1];
            let mut iwork = vec![0 as c_int; 8 * k];
            let mut info: c_int = -42;
            let d = [m as c_int, n as c_int, lda as c_int, ldu as c_int, ldvt as c_int];
            let mut lwork: c_int = -1;
            for pass in 0..2 {
                unsafe {
                    dgesdd_(
                        &ch(job),
                        &d[0],
                        &d[1],
                        a.as_mut_ptr(),
                        &d[2],
                        s.as_mut_ptr(),
                        u.as_mut_ptr(),
                        &d[3],
                        vt.as_mut_ptr(),
                        &d[4],
                        work.as_mut_ptr(),
                        &lwork,
                        iwork.as_mut_ptr(),
                        &mut info,
                    )
                };
                assert_eq!(info, 0);
                if pass == 0 {
                    assert!(s[0].is_nan(), "a workspace query computes nothing");
                    lwork = work[0] as c_int;
                    assert!(lwork >= 1);
                    work.resize(lwork as usize, 0.0);
                }
            }
            let uu = match job.to_ascii_uppercase() {
                b'N' => None,
                b'O' if m >= n => Some((&a[..], lda, k)),
                _ => Some((&u[..], ldu, ucols)),
            };
            let vv = match job.to_ascii_uppercase() {
                b'N' => None,
                b'O' if m < n => Some((&a[..], lda, k)),
                _ => Some((&vt[..], ldvt, vrows)),
            };
            check_svd(&a0, lda, (m, n), &s, uu, vv);
        }
    }
}

#[test]
fn gesvd_decomposes() {
    let mut rng = Rng(10);
    let jobs = [b'A', b'S', b'O', b'N'];
    for &(m, n) in &SVD_SHAPES {
        let k = m.min(n);
        for &ju in &jobs {
            for &jv in &jobs {
                let lda = m + 2;
                let a0 = rng.mat(m, n, lda, f64::NAN);
                let mut a = a0.clone();
                let ucols = if ju == b'A' { m } else { k };
                let vrows = if jv == b'A' { n } else { k };
                let (ldu, ldvt) = (m + 1, vrows + 2);
                let mut s = vec![f64::NAN; k];
                let mut u = vec![f64::NAN; ldu * ucols];
                let mut vt = vec![f64::NAN; ldvt * n];
                let mut work = vec![0.0; 1];
                let mut info: c_int = -42;
                let d = [m as c_int, n as c_int, lda as c_int, ldu as c_int, ldvt as c_int];
                let mut lwork: c_int = -1;
                for pass in 0..2 {
                    unsafe {
                        dgesvd_(
                            &ch(ju),
                            &ch(jv),
                            &d[0],
                            &d[1],
                            a.as_mut_ptr(),
                            &d[2],
                            s.as_mut_ptr(),
                            u.as_mut_ptr(),
                            &d[3],
                            vt.as_mut_ptr(),
                            &d[4],
                            work.as_mut_ptr(),
                            &lwork,
                            &mut info,
                        )
                    };
                    if ju == b'O' && jv == b'O' {
                        assert_eq!(info, -2);
                        break;
                    }
                    assert_eq!(info, 0);
                    if pass == 0 {
                        lwork = work[0] as c_int;
                        assert!(lwork as usize >= (3 * k + m.max(n)).max(5 * k));
                        work.resize(lwork as usize, 0.0);
                    }
                }
                if ju == b'O' && jv == b'O' {
                    continue;
                }
                let uu = match ju {
                    b'N' => None,
                    b'O' => Some((&a[..], lda, k)),
                    _ => Some((&u[..], ldu, ucols)),
                };
                let vv = match jv {
                    b'N' => None,
                    b'O' => Some((&a[..], lda, k)),
                    _ => Some((&vt[..], ldvt, vrows)),
                };
                check_svd(&a0, lda, (m, n), &s, uu, vv);
            }
        }
    }
}

#[test]
fn svd_singular_values_agree() {
    // gesdd 'N', gesvd 'N','N' and the known values of a diagonal-times-orthogonal matrix
    // A = diag(3, 1, 2) with its columns permuted: singular values 3, 2, 1.
    let a0 = [0.0, 1.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0, 2.0];
    let mut s = [0.0; 3];
    let mut work = [0.0; 100];
    let mut iwork = [0 as c_int; 24];
    let mut info: c_int = -1;
    let mut dummy = [0.0; 1];
    let mut a = a0;
    unsafe {
        dgesdd_(
            &ch(b'N'),
            &3,
            &3,
            a.as_mut_ptr(),
            &3,
            s.as_mut_ptr(),
            dummy.as_mut_ptr(),
            &1,
            dummy.as_mut_ptr(),
            &1,
            work.as_mut_ptr(),
            &100,
            iwork.as_mut_ptr(),
            &mut info,
        )
    };
    assert_eq!(info, 0);
    for (p, q) in s.iter().zip([3.0, 2.0, 1.0]) {
        assert!((p - q).abs() < 1e-14);
    }
    let mut a = a0;
    let mut s2 = [0.0; 3];
    unsafe {
        dgesvd_(
            &ch(b'N'),
            &ch(b'N'),
            &3,
            &3,
            a.as_mut_ptr(),
            &3,
            s2.as_mut_ptr(),
            dummy.as_mut_ptr(),
            &1,
            dummy.as_mut_ptr(),
            &1,
            work.as_mut_ptr(),
            &100,
            &mut info,
        )
    };
    assert_eq!(info, 0);
    assert_eq!(s, s2);
}

// ------------------------------------------------------------------ Clarabel SDP

/// Solves `min trace(C X) s.t. trace(X) = 1, X PSD` with Clarabel and returns the
/// optimal value, which is `lambda_min(C)`.
fn sdp_min_eig(c: &[Vec<f64>]) -> f64 {
    use clarabel::algebra::CscMatrix;
    use clarabel::solver::{DefaultSettings, DefaultSolver, IPSolver, SolverStatus, SupportedConeT};

    let n = c.len();
    let nvec = n * (n + 1) / 2;
    // svec: upper triangle, column by column, off-diagonals scaled by sqrt(2)
    let mut q = Vec::with_capacity(nvec);
    let mut diag = Vec::with_capacity(n);
    // (C is symmetric: row j holds column j)
    for (j, col) in c.iter().enumerate() {
        for (i, &cij) in col.iter().enumerate().take(j + 1) {
            if i == j {
                diag.push(q.len());
                q.push(cij);
            } else {
                q.push(std::f64::consts::SQRT_2 * cij);
            }
        }
    }
    // rows: 0 = trace(X) = 1 (zero cone); 1.. = -x + s = 0, s in the PSD cone
    let (mut ri, mut ci, mut v) = (vec![], vec![], vec![]);
    for &d in &diag {
        ri.push(0);
        ci.push(d);
        v.push(1.0);
    }
    for k in 0..nvec {
        ri.push(1 + k);
        ci.push(k);
        v.push(-1.0);
    }
    let a = CscMatrix::new_from_triplets(1 + nvec, nvec, ri, ci, v);
    let p = CscMatrix::zeros((nvec, nvec));
    let mut b = vec![0.0; 1 + nvec];
    b[0] = 1.0;
    let cones = [SupportedConeT::ZeroConeT(1), SupportedConeT::PSDTriangleConeT(n)];
    let settings = DefaultSettings { verbose: false, ..DefaultSettings::default() };
    let mut solver = DefaultSolver::new(&p, &q, &a, &b, &cones, settings).expect("setup");
    solver.solve();
    assert_eq!(solver.solution.status, SolverStatus::Solved);
    solver.solution.obj_val
}

#[test]
fn clarabel_psd_cone_links_and_solves() {
    // 3x3 tridiagonal (2, -1): eigenvalues 2 - 2 cos(k pi / 4); Clarabel handles 3x3
    // cones with closed-form kernels, so this mainly proves the symbols resolve.
    let c3 = vec![vec![2.0, -1.0, 0.0], vec![-1.0, 2.0, -1.0], vec![0.0, -1.0, 2.0]];
    let obj = sdp_min_eig(&c3);
    assert!((obj - (2.0 - std::f64::consts::SQRT_2)).abs() < 1e-7, "{obj}");

    // 5x5 dense with known spectrum: H diag(d) H with a Householder reflector H,
    // large enough for Clarabel to go through dsyevr/dgemm/...
    let d = [3.0, -0.5, 1.0, 2.0, 0.7];
    let v = [1.0, -2.0, 0.5, 1.5, 1.0];
    let vv: f64 = v.iter().map(|x| x * x).sum();
    let h = |i: usize, j: usize| (if i == j { 1.0 } else { 0.0 }) - 2.0 * v[i] * v[j] / vv;
    let c5: Vec<Vec<f64>> =
        (0..5).map(|i| (0..5).map(|j| (0..5).map(|k| h(i, k) * d[k] * h(k, j)).sum()).collect()).collect();
    let obj = sdp_min_eig(&c5);
    assert!((obj + 0.5).abs() < 1e-7, "{obj}");

    // 6x6 tridiagonal: sparse, so Clarabel's chordal decomposition kicks in;
    // lambda_min = 2 - 2 cos(pi / 7)
    let c6: Vec<Vec<f64>> = (0..6usize)
        .map(|i| {
            (0..6)
                .map(|j| {
                    if i == j {
                        2.0
                    } else if i.abs_diff(j) == 1 {
                        -1.0
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    let obj = sdp_min_eig(&c6);
    assert!((obj - (2.0 - 2.0 * (std::f64::consts::PI / 7.0).cos())).abs() < 1e-7, "{obj}");
}

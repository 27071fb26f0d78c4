//! A small pure-Rust BLAS/LAPACK: the double-precision routines Clarabel's PSD-cone
//! support calls through the `blas`/`lapack` crates, so that no system BLAS is needed.
//!
//! Every routine is exported under its Fortran name with a trailing underscore
//! (`dgemm_`, `dpotrf_`, ...) and the calling convention `blas-sys`/`lapack-sys`
//! declare: C ABI, every argument by pointer, no hidden string lengths. Matrices are
//! column-major with leading dimensions, character arguments are case-insensitive
//! (`'C'` means `'T'` for real data), and the symmetric routines read and write only
//! the referenced triangle. faer does the numerical work (products, Cholesky, LU with
//! partial pivoting, the self-adjoint eigendecomposition and the SVD).
//!
//! Error reporting follows LAPACK: `info = -i` when argument `i` is illegal (a null
//! pointer included), `info > 0` for a numerical failure (not positive definite,
//! exactly singular, no convergence). BLAS routines have no `info` and simply return
//! on an illegal argument. A panic never crosses the FFI boundary: it is caught, and a
//! LAPACK routine then reports [`INTERNAL_ERROR_INFO`].
//!
//! Deviations from reference LAPACK, none of which Clarabel can observe:
//! * input matrices are never destroyed (LAPACK leaves them unspecified), and `dpotrf`
//!   leaves `A` untouched when the factorization fails;
//! * `dsyevr` ignores `abstol` and reports the support of every eigenvector as `1..n`;
//! * the workspace arrays are only used to answer workspace queries (`lwork = -1`);
//!   `dgesdd`/`dgesvd` accept any `lwork >= 1`, `dsyevr` enforces LAPACK's documented
//!   minimums `26n` and `10n`.
#![allow(clippy::too_many_arguments)]

use std::ffi::{c_char, c_int};
use std::panic::{AssertUnwindSafe, catch_unwind};

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::matmul::matmul;
use faer::linalg::matmul::triangular::{BlockStructure, matmul as tri_matmul};
use faer::linalg::triangular_solve as trsv;
use faer::reborrow::{Reborrow, ReborrowMut};
use faer::{Accum, Mat, MatMut, MatRef, Par, Side};

/// `info` reported by a LAPACK routine whose implementation panicked (a bug).
pub const INTERNAL_ERROR_INFO: c_int = -9999;

/// `Err(i)`: argument `i` (1-based) is illegal.
type Arg<T> = Result<T, c_int>;

const PAR: Par = Par::Seq;

// ---------------------------------------------------------------- argument helpers

/// Runs a BLAS body, swallowing illegal-argument errors and panics.
fn blas_guard(body: impl FnOnce() -> Arg<()>) {
    let _ = catch_unwind(AssertUnwindSafe(body));
}

/// Runs a LAPACK body and stores its `info` (`Ok(info >= 0)` or `Err(arg position)`).
///
/// # Safety
/// `info` must be null or valid for writes.
unsafe fn lapack_guard(info: *mut c_int, body: impl FnOnce() -> Arg<c_int>) {
    if info.is_null() {
        return;
    }
    let code = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(code)) => code,
        Ok(Err(pos)) => -pos,
        Err(_) => INTERNAL_ERROR_INFO,
    };
    unsafe { *info = code };
}

/// Reads a scalar argument.
unsafe fn scalar<T: Copy>(p: *const T, pos: c_int) -> Arg<T> {
    if p.is_null() { Err(pos) } else { Ok(unsafe { *p }) }
}

/// Reads a character argument, upper-cased, and checks it against `allowed`.
unsafe fn chr(p: *const c_char, pos: c_int, allowed: &[u8]) -> Arg<u8> {
    let c = (unsafe { scalar(p, pos) }? as u8).to_ascii_uppercase();
    if allowed.contains(&c) { Ok(c) } else { Err(pos) }
}

/// Reads a transpose flag: `true` for `'T'`/`'C'`, `false` for `'N'`.
unsafe fn trans(p: *const c_char, pos: c_int) -> Arg<bool> {
    Ok(unsafe { chr(p, pos, b"NTC") }? != b'N')
}

/// Reads a triangle flag: `true` for `'U'`, `false` for `'L'`.
unsafe fn upper(p: *const c_char, pos: c_int) -> Arg<bool> {
    Ok(unsafe { chr(p, pos, b"UL") }? == b'U')
}

/// Reads a nonnegative dimension.
unsafe fn dim(p: *const c_int, pos: c_int) -> Arg<usize> {
    usize::try_from(unsafe { scalar(p, pos) }?).map_err(|_| pos)
}

/// Reads a leading dimension and checks `ld >= max(1, rows)`.
unsafe fn ld(p: *const c_int, pos: c_int, rows: usize) -> Arg<usize> {
    let v = unsafe { dim(p, pos) }?;
    if v < rows.max(1) { Err(pos) } else { Ok(v) }
}

/// Reads a nonzero vector increment.
unsafe fn inc(p: *const c_int, pos: c_int) -> Arg<isize> {
    match unsafe { scalar(p, pos) }? {
        0 => Err(pos),
        v => Ok(v as isize),
    }
}

/// Number of elements spanned by a `rows x cols` column-major matrix with leading
/// dimension `ld`.
fn extent(rows: usize, cols: usize, ld: usize) -> Option<usize> {
    if rows == 0 || cols == 0 { Some(0) } else { ld.checked_mul(cols - 1)?.checked_add(rows) }
}

/// A slice of `len` elements at `p` (any pointer when `len == 0`).
unsafe fn slice<'a, T>(p: *const T, len: usize, pos: c_int) -> Arg<&'a [T]> {
    if len == 0 {
        Ok(&[])
    } else if p.is_null() {
        Err(pos)
    } else {
        Ok(unsafe { std::slice::from_raw_parts(p, len) })
    }
}

/// A mutable slice of `len` elements at `p` (any pointer when `len == 0`).
unsafe fn slice_mut<'a, T>(p: *mut T, len: usize, pos: c_int) -> Arg<&'a mut [T]> {
    if len == 0 {
        Ok(&mut [])
    } else if p.is_null() {
        Err(pos)
    } else {
        Ok(unsafe { std::slice::from_raw_parts_mut(p, len) })
    }
}

/// A read-only view of a column-major matrix argument.
unsafe fn mat<'a>(p: *const f64, rows: usize, cols: usize, ld: usize, pos: c_int) -> Arg<MatRef<'a, f64>> {
    let len = extent(rows, cols, ld).ok_or(pos)?;
    let s = unsafe { slice(p, len, pos) }?;
    Ok(MatRef::from_column_major_slice_with_stride(s, rows, cols, ld.max(1)))
}

/// A mutable view of a column-major matrix argument.
unsafe fn mat_mut<'a>(p: *mut f64, rows: usize, cols: usize, ld: usize, pos: c_int) -> Arg<MatMut<'a, f64>> {
    let len = extent(rows, cols, ld).ok_or(pos)?;
    let s = unsafe { slice_mut(p, len, pos) }?;
    Ok(MatMut::from_column_major_slice_with_stride_mut(s, rows, cols, ld.max(1)))
}

/// A strided vector argument of logical length `len` (BLAS convention: a negative
/// increment walks the storage backwards).
struct Strided<'a> {
    data: &'a mut [f64],
    len: usize,
    inc: isize,
}

impl Strided<'_> {
    fn offset(&self, i: usize) -> usize {
        let step = self.inc.unsigned_abs();
        if self.inc > 0 { i * step } else { (self.len - 1 - i) * step }
    }
    fn get(&self, i: usize) -> f64 {
        self.data[self.offset(i)]
    }
    fn set(&mut self, i: usize, v: f64) {
        let k = self.offset(i);
        self.data[k] = v;
    }
}

fn strided_extent(len: usize, inc: isize) -> Option<usize> {
    if len == 0 { Some(0) } else { (len - 1).checked_mul(inc.unsigned_abs())?.checked_add(1) }
}

/// Gathers a strided read-only vector into a column.
unsafe fn gather(p: *const f64, len: usize, inc: isize, pos: c_int) -> Arg<Mat<f64>> {
    let s = unsafe { slice(p, strided_extent(len, inc).ok_or(pos)?, pos) }?;
    let step = inc.unsigned_abs();
    Ok(Mat::from_fn(len, 1, |i, _| if inc > 0 { s[i * step] } else { s[(len - 1 - i) * step] }))
}

unsafe fn strided_mut<'a>(p: *mut f64, len: usize, inc: isize, pos: c_int) -> Arg<Strided<'a>> {
    let data = unsafe { slice_mut(p, strided_extent(len, inc).ok_or(pos)?, pos) }?;
    Ok(Strided { data, len, inc })
}

/// `y <- t + beta * y`, never reading `y` when `beta == 0`.
fn axpby_into(t: MatRef<'_, f64>, beta: f64, y: &mut Strided<'_>) {
    for i in 0..y.len {
        let v = if beta == 0.0 { t[(i, 0)] } else { t[(i, 0)] + beta * y.get(i) };
        y.set(i, v);
    }
}

/// `C <- beta * C` on the whole matrix (`beta == 0` writes zeros without reading).
fn scale(mut c: MatMut<'_, f64>, beta: f64) {
    if beta == 0.0 {
        c.fill(0.0);
    } else if beta != 1.0 {
        for j in 0..c.ncols() {
            for i in 0..c.nrows() {
                c[(i, j)] *= beta;
            }
        }
    }
}

/// The rows `i` of column `j` in the referenced triangle.
fn tri_rows(upper: bool, j: usize, n: usize) -> std::ops::Range<usize> {
    if upper { 0..j + 1 } else { j..n }
}

/// `C <- beta * C` on one triangle (`beta == 0` writes zeros without reading).
fn scale_tri(mut c: MatMut<'_, f64>, upper: bool, beta: f64) {
    let n = c.nrows();
    for j in 0..n {
        for i in tri_rows(upper, j, n) {
            c[(i, j)] = if beta == 0.0 { 0.0 } else { beta * c[(i, j)] };
        }
    }
}

fn tri_structure(upper: bool) -> BlockStructure {
    if upper { BlockStructure::TriangularUpper } else { BlockStructure::TriangularLower }
}

/// The full symmetric matrix stored in one triangle of `a`.
fn symmetrize(a: MatRef<'_, f64>, upper: bool) -> Mat<f64> {
    let n = a.nrows();
    Mat::from_fn(n, n, |i, j| {
        let (r, c) = if (i <= j) == upper { (i, j) } else { (j, i) };
        a[(r, c)]
    })
}

/// Writes a workspace size into `work[0]`.
unsafe fn write_work(work: *mut f64, size: usize, pos: c_int) -> Arg<()> {
    let w = unsafe { slice_mut(work, 1, pos) }?;
    w[0] = size as f64;
    Ok(())
}

/// Reads `lwork` and reports whether this is a workspace query; otherwise checks
/// `lwork >= min`.
unsafe fn lwork_arg(p: *const c_int, pos: c_int, min: usize) -> Arg<bool> {
    let v = unsafe { scalar(p, pos) }?;
    if v == -1 {
        Ok(true)
    } else if v < 0 || (v as usize) < min {
        Err(pos)
    } else {
        Ok(false)
    }
}

// ---------------------------------------------------------------- BLAS level 2

/// `y <- alpha * op(A) * x + beta * y` with `A` of size `m x n`.
///
/// # Safety
/// All pointers must be valid for the BLAS `dgemv` argument sizes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dgemv_(
    trans_: *const c_char,
    m: *const c_int,
    n: *const c_int,
    alpha: *const f64,
    a: *const f64,
    lda: *const c_int,
    x: *const f64,
    incx: *const c_int,
    beta: *const f64,
    y: *mut f64,
    incy: *const c_int,
) {
    blas_guard(|| unsafe {
        let t = trans(trans_, 1)?;
        let m = dim(m, 2)?;
        let n = dim(n, 3)?;
        let lda = ld(lda, 6, m)?;
        let incx = inc(incx, 8)?;
        let incy = inc(incy, 11)?;
        let alpha = scalar(alpha, 4)?;
        let beta = scalar(beta, 9)?;
        if m == 0 || n == 0 || (alpha == 0.0 && beta == 1.0) {
            return Ok(());
        }
        let (lenx, leny) = if t { (m, n) } else { (n, m) };
        let mut yv = strided_mut(y, leny, incy, 10)?;
        let mut tmp = Mat::<f64>::zeros(leny, 1);
        if alpha != 0.0 {
            let a = mat(a, m, n, lda, 5)?;
            let a = if t { a.transpose() } else { a };
            let xv = gather(x, lenx, incx, 7)?;
            matmul(tmp.as_mut(), Accum::Replace, a, xv.as_ref(), alpha, PAR);
        }
        axpby_into(tmp.as_ref(), beta, &mut yv);
        Ok(())
    })
}

/// `y <- alpha * A * x + beta * y` with `A` symmetric, stored in triangle `uplo`.
///
/// # Safety
/// All pointers must be valid for the BLAS `dsymv` argument sizes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dsymv_(
    uplo: *const c_char,
    n: *const c_int,
    alpha: *const f64,
    a: *const f64,
    lda: *const c_int,
    x: *const f64,
    incx: *const c_int,
    beta: *const f64,
    y: *mut f64,
    incy: *const c_int,
) {
    blas_guard(|| unsafe {
        let up = upper(uplo, 1)?;
        let n = dim(n, 2)?;
        let lda = ld(lda, 5, n)?;
        let incx = inc(incx, 7)?;
        let incy = inc(incy, 10)?;
        let alpha = scalar(alpha, 3)?;
        let beta = scalar(beta, 8)?;
        if n == 0 || (alpha == 0.0 && beta == 1.0) {
            return Ok(());
        }
        let mut yv = strided_mut(y, n, incy, 9)?;
        let mut tmp = Mat::<f64>::zeros(n, 1);
        if alpha != 0.0 {
            let a = mat(a, n, n, lda, 4)?;
            let xv = gather(x, n, incx, 6)?;
            // A = T + S^T, with T the stored triangle and S its strict part.
            let (tri, strict_t) = if up {
                (BlockStructure::TriangularUpper, BlockStructure::StrictTriangularLower)
            } else {
                (BlockStructure::TriangularLower, BlockStructure::StrictTriangularUpper)
            };
            let rect = BlockStructure::Rectangular;
            tri_matmul(tmp.as_mut(), rect, Accum::Replace, a, tri, xv.as_ref(), rect, alpha, PAR);
            tri_matmul(
                tmp.as_mut(),
                rect,
                Accum::Add,
                a.transpose(),
                strict_t,
                xv.as_ref(),
                rect,
                alpha,
                PAR,
            );
        }
        axpby_into(tmp.as_ref(), beta, &mut yv);
        Ok(())
    })
}

// ---------------------------------------------------------------- BLAS level 3

/// `C <- alpha * op(A) * op(B) + beta * C` with `C` of size `m x n`.
///
/// # Safety
/// All pointers must be valid for the BLAS `dgemm` argument sizes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dgemm_(
    transa: *const c_char,
    transb: *const c_char,
    m: *const c_int,
    n: *const c_int,
    k: *const c_int,
    alpha: *const f64,
    a: *const f64,
    lda: *const c_int,
    b: *const f64,
    ldb: *const c_int,
    beta: *const f64,
    c: *mut f64,
    ldc: *const c_int,
) {
    blas_guard(|| unsafe {
        let ta = trans(transa, 1)?;
        let tb = trans(transb, 2)?;
        let m = dim(m, 3)?;
        let n = dim(n, 4)?;
        let k = dim(k, 5)?;
        let (ra, ca) = if ta { (k, m) } else { (m, k) };
        let (rb, cb) = if tb { (n, k) } else { (k, n) };
        let lda = ld(lda, 8, ra)?;
        let ldb = ld(ldb, 10, rb)?;
        let ldc = ld(ldc, 13, m)?;
        let alpha = scalar(alpha, 6)?;
        let beta = scalar(beta, 11)?;
        if m == 0 || n == 0 || ((alpha == 0.0 || k == 0) && beta == 1.0) {
            return Ok(());
        }
        let mut cm = mat_mut(c, m, n, ldc, 12)?;
        if alpha == 0.0 || k == 0 {
            scale(cm, beta);
            return Ok(());
        }
        let a = mat(a, ra, ca, lda, 7)?;
        let b = mat(b, rb, cb, ldb, 9)?;
        let a = if ta { a.transpose() } else { a };
        let b = if tb { b.transpose() } else { b };
        let accum = if beta == 0.0 { Accum::Replace } else { Accum::Add };
        scale(cm.rb_mut(), beta);
        matmul(cm, accum, a, b, alpha, PAR);
        Ok(())
    })
}

/// `C <- alpha * op(A) * op(A)^T + beta * C` on triangle `uplo` of the `n x n` matrix
/// `C`, where `op(A)` is `A` (`n x k`) for `'N'` and `A^T` (`A` is `k x n`) otherwise.
///
/// # Safety
/// All pointers must be valid for the BLAS `dsyrk` argument sizes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dsyrk_(
    uplo: *const c_char,
    trans_: *const c_char,
    n: *const c_int,
    k: *const c_int,
    alpha: *const f64,
    a: *const f64,
    lda: *const c_int,
    beta: *const f64,
    c: *mut f64,
    ldc: *const c_int,
) {
    blas_guard(|| unsafe {
        let up = upper(uplo, 1)?;
        let t = trans(trans_, 2)?;
        let n = dim(n, 3)?;
        let k = dim(k, 4)?;
        let (ra, ca) = if t { (k, n) } else { (n, k) };
        let lda = ld(lda, 7, ra)?;
        let ldc = ld(ldc, 10, n)?;
        let alpha = scalar(alpha, 5)?;
        let beta = scalar(beta, 8)?;
        if n == 0 || ((alpha == 0.0 || k == 0) && beta == 1.0) {
            return Ok(());
        }
        let mut cm = mat_mut(c, n, n, ldc, 9)?;
        scale_tri(cm.rb_mut(), up, beta);
        if alpha == 0.0 || k == 0 {
            return Ok(());
        }
        let a = mat(a, ra, ca, lda, 6)?;
        let a = if t { a.transpose() } else { a };
        let rect = BlockStructure::Rectangular;
        tri_matmul(cm, tri_structure(up), Accum::Add, a, rect, a.transpose(), rect, alpha, PAR);
        Ok(())
    })
}

/// `C <- alpha * (op(A) * op(B)^T + op(B) * op(A)^T) + beta * C` on triangle `uplo`
/// of the `n x n` matrix `C` (`op` as in [`dsyrk_`]).
///
/// # Safety
/// All pointers must be valid for the BLAS `dsyr2k` argument sizes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dsyr2k_(
    uplo: *const c_char,
    trans_: *const c_char,
    n: *const c_int,
    k: *const c_int,
    alpha: *const f64,
    a: *const f64,
    lda: *const c_int,
    b: *const f64,
    ldb: *const c_int,
    beta: *const f64,
    c: *mut f64,
    ldc: *const c_int,
) {
    blas_guard(|| unsafe {
        let up = upper(uplo, 1)?;
        let t = trans(trans_, 2)?;
        let n = dim(n, 3)?;
        let k = dim(k, 4)?;
        let (r, cols) = if t { (k, n) } else { (n, k) };
        let lda = ld(lda, 7, r)?;
        let ldb = ld(ldb, 9, r)?;
        let ldc = ld(ldc, 12, n)?;
        let alpha = scalar(alpha, 5)?;
        let beta = scalar(beta, 10)?;
        if n == 0 || ((alpha == 0.0 || k == 0) && beta == 1.0) {
            return Ok(());
        }
        let mut cm = mat_mut(c, n, n, ldc, 11)?;
        scale_tri(cm.rb_mut(), up, beta);
        if alpha == 0.0 || k == 0 {
            return Ok(());
        }
        let a = mat(a, r, cols, lda, 6)?;
        let b = mat(b, r, cols, ldb, 8)?;
        let (a, b) = if t { (a.transpose(), b.transpose()) } else { (a, b) };
        let (rect, tri) = (BlockStructure::Rectangular, tri_structure(up));
        tri_matmul(cm.rb_mut(), tri, Accum::Add, a, rect, b.transpose(), rect, alpha, PAR);
        tri_matmul(cm, tri, Accum::Add, b, rect, a.transpose(), rect, alpha, PAR);
        Ok(())
    })
}

// ---------------------------------------------------------------- Cholesky

/// Cholesky factorization of a symmetric positive definite matrix: `A = L L^T`
/// (`uplo = 'L'`) or `A = U^T U` (`'U'`), overwriting the referenced triangle.
/// `info = k > 0`: the leading minor of order `k` is not positive definite (`A` is then
/// left unchanged).
///
/// # Safety
/// All pointers must be valid for the LAPACK `dpotrf` argument sizes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dpotrf_(
    uplo: *const c_char,
    n: *const c_int,
    a: *mut f64,
    lda: *const c_int,
    info: *mut c_int,
) {
    unsafe {
        lapack_guard(info, || {
            let up = upper(uplo, 1)?;
            let n = dim(n, 2)?;
            let lda = ld(lda, 4, n)?;
            if n == 0 {
                return Ok(0);
            }
            let mut am = mat_mut(a, n, n, lda, 3)?;
            // Work on the lower triangle: for 'U', L = U^T.
            let view = if up { am.rb().transpose() } else { am.rb() };
            let mut l = Mat::<f64>::zeros(n, n);
            l.copy_from_triangular_lower(view);
            let llt = match l.llt(Side::Lower) {
                Ok(llt) => llt,
                Err(faer::linalg::cholesky::llt::factor::LltError::NonPositivePivot { index }) => {
                    return Ok(index as c_int + 1);
                }
            };
            let lf = llt.L();
            for j in 0..n {
                for i in j..n {
                    if up {
                        am[(j, i)] = lf[(i, j)];
                    } else {
                        am[(i, j)] = lf[(i, j)];
                    }
                }
            }
            Ok(0)
        })
    }
}

/// Solves `A X = B` with the Cholesky factor computed by [`dpotrf_`]; `B` (`n x nrhs`)
/// is overwritten by `X`.
///
/// # Safety
/// All pointers must be valid for the LAPACK `dpotrs` argument sizes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dpotrs_(
    uplo: *const c_char,
    n: *const c_int,
    nrhs: *const c_int,
    a: *const f64,
    lda: *const c_int,
    b: *mut f64,
    ldb: *const c_int,
    info: *mut c_int,
) {
    unsafe {
        lapack_guard(info, || {
            let up = upper(uplo, 1)?;
            let n = dim(n, 2)?;
            let nrhs = dim(nrhs, 3)?;
            let lda = ld(lda, 5, n)?;
            let ldb = ld(ldb, 7, n)?;
            if n == 0 || nrhs == 0 {
                return Ok(0);
            }
            let f = mat(a, n, n, lda, 4)?;
            let mut bm = mat_mut(b, n, nrhs, ldb, 6)?;
            // Lower factor L with A = L L^T (for 'U', L = U^T).
            let l = if up { f.transpose() } else { f };
            trsv::solve_lower_triangular_in_place(l, bm.rb_mut(), PAR);
            trsv::solve_upper_triangular_in_place(l.transpose(), bm, PAR);
            Ok(0)
        })
    }
}

// ---------------------------------------------------------------- LU

/// Solves `A X = B` by LU factorization with partial pivoting (`A = P L U`); on exit
/// `A` holds `L` (unit diagonal implied) and `U`, `ipiv` the 1-based row interchanges,
/// and `B` the solution. `info = i > 0`: `U(i,i)` is exactly zero, no solution computed.
///
/// # Safety
/// All pointers must be valid for the LAPACK `dgesv` argument sizes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dgesv_(
    n: *const c_int,
    nrhs: *const c_int,
    a: *mut f64,
    lda: *const c_int,
    ipiv: *mut c_int,
    b: *mut f64,
    ldb: *const c_int,
    info: *mut c_int,
) {
    unsafe {
        lapack_guard(info, || {
            let n = dim(n, 1)?;
            let nrhs = dim(nrhs, 2)?;
            let lda = ld(lda, 4, n)?;
            let ldb = ld(ldb, 7, n)?;
            if n == 0 {
                return Ok(0);
            }
            let mut am = mat_mut(a, n, n, lda, 3)?;
            let piv = slice_mut(ipiv, n, 5)?;
            let mut bm = mat_mut(b, n, nrhs, ldb, 6)?;

            use faer::linalg::lu::partial_pivoting::factor::{lu_in_place, lu_in_place_scratch};
            let mut fwd = vec![0usize; n];
            let mut bwd = vec![0usize; n];
            let mut mem = MemBuffer::new(lu_in_place_scratch::<usize, f64>(n, n, PAR, Default::default()));
            lu_in_place(am.rb_mut(), &mut fwd, &mut bwd, PAR, MemStack::new(&mut mem), Default::default());

            // Row i of L U is row fwd[i] of A; re-express as successive interchanges.
            let mut row_at: Vec<usize> = (0..n).collect(); // original row now at position p
            let mut pos_of: Vec<usize> = (0..n).collect(); // position of original row r
            for i in 0..n {
                let j = pos_of[fwd[i]];
                piv[i] = (j + 1) as c_int;
                let (ri, rj) = (row_at[i], row_at[j]);
                row_at.swap(i, j);
                pos_of[ri] = j;
                pos_of[rj] = i;
            }
            if let Some(i) = (0..n).find(|&i| am[(i, i)] == 0.0) {
                return Ok(i as c_int + 1);
            }
            for (i, &p) in piv.iter().enumerate() {
                let j = p as usize - 1;
                if j != i {
                    for c in 0..nrhs {
                        let t = bm[(i, c)];
                        bm[(i, c)] = bm[(j, c)];
                        bm[(j, c)] = t;
                    }
                }
            }
            trsv::solve_unit_lower_triangular_in_place(am.rb(), bm.rb_mut(), PAR);
            trsv::solve_upper_triangular_in_place(am.rb(), bm, PAR);
            Ok(0)
        })
    }
}

// ---------------------------------------------------------------- eigenvalues

/// Eigenvalues (ascending, in `w[..m]`) and optionally eigenvectors (`jobz = 'V'`,
/// columns of `z`) of a symmetric matrix stored in triangle `uplo`: all of them
/// (`range = 'A'`), those in `(vl, vu]` (`'V'`), or the `il`-th to `iu`-th (`'I'`).
/// Workspace query: `lwork = -1` or `liwork = -1`.
///
/// # Safety
/// All pointers must be valid for the LAPACK `dsyevr` argument sizes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dsyevr_(
    jobz: *const c_char,
    range: *const c_char,
    uplo: *const c_char,
    n: *const c_int,
    a: *mut f64,
    lda: *const c_int,
    vl: *const f64,
    vu: *const f64,
    il: *const c_int,
    iu: *const c_int,
    abstol: *const f64,
    m: *mut c_int,
    w: *mut f64,
    z: *mut f64,
    ldz: *const c_int,
    isuppz: *mut c_int,
    work: *mut f64,
    lwork: *const c_int,
    iwork: *mut c_int,
    liwork: *const c_int,
    info: *mut c_int,
) {
    let _ = abstol;
    unsafe {
        lapack_guard(info, || {
            let wantz = chr(jobz, 1, b"NV")? == b'V';
            let range = chr(range, 2, b"AVI")?;
            let up = upper(uplo, 3)?;
            let n = dim(n, 4)?;
            let lda = ld(lda, 6, n)?;
            let mut bounds = (f64::NEG_INFINITY, f64::INFINITY);
            let mut index_range = 0..n;
            if range == b'V' {
                bounds = (scalar(vl, 7)?, scalar(vu, 8)?);
                if n > 0 && bounds.1 <= bounds.0 {
                    return Err(8);
                }
            } else if range == b'I' {
                let il = scalar(il, 9)?;
                if il < 1 || il as i64 > n.max(1) as i64 {
                    return Err(9);
                }
                let iu = scalar(iu, 10)?;
                if (iu as i64) < (n as i64).min(il as i64) || iu as i64 > n as i64 {
                    return Err(10);
                }
                index_range = il as usize - 1..iu as usize;
            }
            let ldz = dim(ldz, 15)?;
            if ldz < 1 || (wantz && ldz < n) {
                return Err(15);
            }
            let (lwmin, liwmin) = ((26 * n).max(1), (10 * n).max(1));
            let lw = scalar(lwork, 18)?;
            let liw = scalar(liwork, 20)?;
            let query = lw == -1 || liw == -1;
            if !query && (lw < 0 || (lw as usize) < lwmin) {
                return Err(18);
            }
            if !query && (liw < 0 || (liw as usize) < liwmin) {
                return Err(20);
            }
            if query {
                write_work(work, lwmin, 17)?;
                slice_mut(iwork, 1, 19)?[0] = liwmin as c_int;
                return Ok(0);
            }
            let mout = slice_mut(m, 1, 12)?;
            mout[0] = 0;
            if n == 0 {
                return Ok(0);
            }
            let full = symmetrize(mat(a, n, n, lda, 5)?, up);
            let (values, vectors): (Vec<f64>, Option<Mat<f64>>) = if wantz {
                let Ok(evd) = full.self_adjoint_eigen(Side::Lower) else { return Ok(1) };
                let vals = (0..n).map(|i| evd.S()[i]).collect();
                (vals, Some(evd.U().to_owned()))
            } else {
                let Ok(vals) = full.self_adjoint_eigenvalues(Side::Lower) else { return Ok(1) };
                (vals, None)
            };
            let selected: Vec<usize> = match range {
                b'V' => (0..n).filter(|&i| values[i] > bounds.0 && values[i] <= bounds.1).collect(),
                _ => index_range.collect(),
            };
            let count = selected.len();
            mout[0] = count as c_int;
            let wv = slice_mut(w, n, 13)?;
            for (k, &i) in selected.iter().enumerate() {
                wv[k] = values[i];
            }
            if let (Some(u), true) = (vectors, count > 0) {
                let mut zm = mat_mut(z, n, count, ldz, 14)?;
                let supp = slice_mut(isuppz, 2 * count, 16)?;
                for (k, &i) in selected.iter().enumerate() {
                    for r in 0..n {
                        zm[(r, k)] = u[(r, i)];
                    }
                    supp[2 * k] = 1;
                    supp[2 * k + 1] = n as c_int;
                }
            }
            Ok(0)
        })
    }
}

// ---------------------------------------------------------------- SVD

/// Where a set of singular vectors goes.
#[derive(Clone, Copy, PartialEq)]
enum Job {
    /// all of them, into the output array
    All,
    /// the first `min(m, n)`, into the output array
    Some,
    /// the first `min(m, n)`, over `A`
    Overwrite,
    /// none
    None,
}

impl Job {
    fn from(c: u8) -> Job {
        match c {
            b'A' => Job::All,
            b'S' => Job::Some,
            b'O' => Job::Overwrite,
            _ => Job::None,
        }
    }
}

/// The shared SVD driver: `s` descending; `U` per `ju`, `V^T` per `jvt`.
unsafe fn svd_driver(
    m: usize,
    n: usize,
    a: *mut f64,
    lda: usize,
    s: *mut f64,
    (ju, u, ldu): (Job, *mut f64, usize),
    (jvt, vt, ldvt): (Job, *mut f64, usize),
    pos: [c_int; 4], // positions of a, s, u, vt
) -> Arg<c_int> {
    let mn = m.min(n);
    if mn == 0 {
        return Ok(0);
    }
    let mut am = unsafe { mat_mut(a, m, n, lda, pos[0]) }?;
    let sv = unsafe { slice_mut(s, mn, pos[1]) }?;
    let owned = am.rb().to_owned();
    if ju == Job::None && jvt == Job::None {
        let Ok(vals) = owned.singular_values() else { return Ok(1) };
        sv.copy_from_slice(&vals[..mn]);
        return Ok(0);
    }
    let svd = if ju == Job::All || jvt == Job::All { owned.svd() } else { owned.thin_svd() };
    let Ok(svd) = svd else { return Ok(1) };
    for (i, x) in sv.iter_mut().enumerate() {
        *x = svd.S()[i];
    }
    let (uf, vf) = (svd.U(), svd.V());
    let ucols = if ju == Job::All { m } else { mn };
    match ju {
        Job::None => {}
        Job::Overwrite => am.rb_mut().subcols_mut(0, mn).copy_from(uf.subcols(0, mn)),
        _ => unsafe { mat_mut(u, m, ucols, ldu, pos[2]) }?.copy_from(uf.subcols(0, ucols)),
    }
    let vrows = if jvt == Job::All { n } else { mn };
    match jvt {
        Job::None => {}
        Job::Overwrite => am.subrows_mut(0, mn).copy_from(vf.subcols(0, mn).transpose()),
        _ => unsafe { mat_mut(vt, vrows, n, ldvt, pos[3]) }?.copy_from(vf.subcols(0, vrows).transpose()),
    }
    Ok(0)
}

/// Singular value decomposition `A = U diag(s) V^T` (the divide-and-conquer driver's
/// interface): `jobz = 'A'` (all of `U` and `V^T`), `'S'` (the first `min(m, n)`
/// columns of `U` / rows of `V^T`), `'O'` (like `'S'`, but `U` over `A` when `m >= n`,
/// else `V^T` over `A` and all of `U`), `'N'` (values only).
///
/// # Safety
/// All pointers must be valid for the LAPACK `dgesdd` argument sizes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dgesdd_(
    jobz: *const c_char,
    m: *const c_int,
    n: *const c_int,
    a: *mut f64,
    lda: *const c_int,
    s: *mut f64,
    u: *mut f64,
    ldu: *const c_int,
    vt: *mut f64,
    ldvt: *const c_int,
    work: *mut f64,
    lwork: *const c_int,
    iwork: *mut c_int,
    info: *mut c_int,
) {
    let _ = iwork;
    unsafe {
        lapack_guard(info, || {
            let job = chr(jobz, 1, b"NOSA")?;
            let m = dim(m, 2)?;
            let n = dim(n, 3)?;
            let lda = ld(lda, 5, m)?;
            let (mn, mx) = (m.min(n), m.max(n));
            let ldu = dim(ldu, 8)?;
            if ldu < 1 || ((matches!(job, b'S' | b'A') || (job == b'O' && m < n)) && ldu < m) {
                return Err(8);
            }
            let ldvt = dim(ldvt, 10)?;
            if ldvt < 1
                || (job == b'A' && ldvt < n)
                || (job == b'S' && ldvt < mn)
                || (job == b'O' && m >= n && ldvt < n)
            {
                return Err(10);
            }
            if lwork_arg(lwork, 12, 1)? {
                // LAPACK's documented minimum workspace for each job.
                let size = match job {
                    b'N' => 3 * mn + mx.max(7 * mn),
                    b'O' => 3 * mn + mx.max(5 * mn * mn + 4 * mn),
                    b'S' => 4 * mn * mn + 7 * mn,
                    _ => 4 * mn * mn + 6 * mn + mx,
                };
                write_work(work, size.max(1), 11)?;
                return Ok(0);
            }
            let (ju, jvt) = match job {
                b'N' => (Job::None, Job::None),
                b'S' => (Job::Some, Job::Some),
                b'A' => (Job::All, Job::All),
                _ if m >= n => (Job::Overwrite, Job::Some),
                _ => (Job::Some, Job::Overwrite),
            };
            svd_driver(m, n, a, lda, s, (ju, u, ldu), (jvt, vt, ldvt), [4, 6, 7, 9])
        })
    }
}

/// Singular value decomposition `A = U diag(s) V^T` (the QR-iteration driver's
/// interface): `jobu`/`jobvt` each `'A'` (all), `'S'` (the first `min(m, n)` columns
/// of `U` / rows of `V^T`), `'O'` (those, over `A`; not both), `'N'` (none).
///
/// # Safety
/// All pointers must be valid for the LAPACK `dgesvd` argument sizes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dgesvd_(
    jobu: *const c_char,
    jobvt: *const c_char,
    m: *const c_int,
    n: *const c_int,
    a: *mut f64,
    lda: *const c_int,
    s: *mut f64,
    u: *mut f64,
    ldu: *const c_int,
    vt: *mut f64,
    ldvt: *const c_int,
    work: *mut f64,
    lwork: *const c_int,
    info: *mut c_int,
) {
    unsafe {
        lapack_guard(info, || {
            let ju = Job::from(chr(jobu, 1, b"ASON")?);
            let jvt = Job::from(chr(jobvt, 2, b"ASON")?);
            if ju == Job::Overwrite && jvt == Job::Overwrite {
                return Err(2);
            }
            let m = dim(m, 3)?;
            let n = dim(n, 4)?;
            let lda = ld(lda, 6, m)?;
            let (mn, mx) = (m.min(n), m.max(n));
            let ldu = dim(ldu, 9)?;
            if ldu < 1 || (matches!(ju, Job::All | Job::Some) && ldu < m) {
                return Err(9);
            }
            let ldvt = dim(ldvt, 11)?;
            if ldvt < 1 || (jvt == Job::All && ldvt < n) || (jvt == Job::Some && ldvt < mn) {
                return Err(11);
            }
            if lwork_arg(lwork, 13, 1)? {
                // LAPACK's documented minimum workspace.
                write_work(work, (3 * mn + mx).max(5 * mn).max(1), 12)?;
                return Ok(0);
            }
            svd_driver(m, n, a, lda, s, (ju, u, ldu), (jvt, vt, ldvt), [5, 7, 8, 10])
        })
    }
}

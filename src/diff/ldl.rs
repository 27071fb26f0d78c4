//! Sparse symmetric LDLᵀ with dynamic regularization (the linear-solve module: faer's
//! sparse code lives here and nowhere else).
//!
//! A matrix is given by the pairs `(row, col)`, `row ≤ col`, of its upper triangle
//! (duplicates allowed: their values are summed). [`SymbolicLdl::new`] orders the rows
//! (AMD) and computes the symbolic factorization once; [`SymbolicLdl::factor`] then
//! factors any values on that pattern. The pivots are regularized towards the expected
//! signs (`+1` or `−1` per row): a pivot with the wrong sign or smaller than `1e-13` in
//! magnitude is replaced by `±2e-7` (Clarabel's defaults), so quasi-definite matrices
//! factor stably in any order.

#![allow(clippy::needless_range_loop)] // index arithmetic over CSC patterns

use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::cholesky::ldlt::factor::{LdltParams, LdltRegularization};
use faer::sparse::linalg::cholesky::{
    CholeskySymbolicParams, LdltRef, SymbolicCholesky, SymmetricOrdering, factorize_symbolic_cholesky,
};
use faer::sparse::{SparseColMatRef, SymbolicSparseColMatRef};
use faer::{Conj, MatMut, Par, Side, Spec};

/// The pattern of a symmetric matrix (upper triangle, CSC) and its symbolic factorization.
#[derive(Debug)]
pub struct SymbolicLdl {
    n: usize,
    col_ptr: Vec<usize>,
    row_idx: Vec<usize>,
    /// CSC position of each input pair.
    pos: Vec<usize>,
    /// CSC position of each diagonal entry (every diagonal is in the pattern).
    diag: Vec<usize>,
    chol: SymbolicCholesky<usize>,
}

impl SymbolicLdl {
    /// Pattern from upper-triangle pairs (`row ≤ col < n`); the diagonal is added.
    pub fn new(n: usize, pairs: &[(usize, usize)]) -> Result<SymbolicLdl, String> {
        let mut all: Vec<(usize, usize, usize)> = Vec::with_capacity(pairs.len() + n);
        for (k, &(r, c)) in pairs.iter().enumerate() {
            if r > c || c >= n {
                return Err(format!("entry ({r}, {c}) is not in the upper triangle of a {n}×{n} matrix"));
            }
            all.push((c, r, k));
        }
        for i in 0..n {
            all.push((i, i, usize::MAX));
        }
        all.sort_unstable();
        let mut col_ptr = vec![0usize; n + 1];
        let mut row_idx = Vec::with_capacity(all.len());
        let mut pos = vec![0usize; pairs.len()];
        let mut diag = vec![0usize; n];
        let mut last = None;
        for &(c, r, k) in &all {
            if last != Some((c, r)) {
                row_idx.push(r);
                col_ptr[c + 1] += 1;
                last = Some((c, r));
            }
            let p = row_idx.len() - 1;
            if k == usize::MAX {
                diag[c] = p;
            } else {
                pos[k] = p;
            }
        }
        for c in 0..n {
            col_ptr[c + 1] += col_ptr[c];
        }
        let chol = {
            let s = SymbolicSparseColMatRef::new_checked(n, n, &col_ptr, None, &row_idx);
            factorize_symbolic_cholesky(
                s,
                Side::Upper,
                SymmetricOrdering::Amd,
                CholeskySymbolicParams::default(),
            )
            .map_err(|e| format!("symbolic factorization failed: {e:?}"))?
        };
        Ok(SymbolicLdl { n, col_ptr, row_idx, pos, diag, chol })
    }

    /// The order n of the matrix.
    pub fn dim(&self) -> usize {
        self.n
    }

    /// Number of stored entries of the upper triangle.
    pub fn nnz(&self) -> usize {
        self.row_idx.len()
    }

    /// Number of stored entries of the factor L.
    pub fn factor_nnz(&self) -> usize {
        self.chol.len_val()
    }

    /// CSC values from values in the order of the input pairs (duplicates summed).
    pub fn assemble(&self, pair_vals: &[f64]) -> Vec<f64> {
        let mut v = vec![0.0; self.row_idx.len()];
        for (k, x) in pair_vals.iter().enumerate() {
            v[self.pos[k]] += x;
        }
        v
    }

    /// Add `d[i]` to the diagonal of CSC values `vals`.
    pub fn add_diagonal(&self, vals: &mut [f64], d: &[f64]) {
        for (i, x) in d.iter().enumerate() {
            vals[self.diag[i]] += x;
        }
    }

    /// The diagonal of CSC values.
    pub fn diagonal(&self, vals: &[f64]) -> Vec<f64> {
        self.diag.iter().map(|&p| vals[p]).collect()
    }

    /// `y = K x` for the symmetric K whose upper triangle has CSC values `vals`.
    pub fn mul(&self, vals: &[f64], x: &[f64]) -> Vec<f64> {
        let mut y = vec![0.0; self.n];
        for c in 0..self.n {
            for p in self.col_ptr[c]..self.col_ptr[c + 1] {
                let r = self.row_idx[p];
                y[r] += vals[p] * x[c];
                if r != c {
                    y[c] += vals[p] * x[r];
                }
            }
        }
        y
    }

    /// Factor the matrix with CSC values `vals`; `signs[i]` is the expected sign of
    /// pivot i (in the original order). Returns the values of the factor.
    pub fn factor(&self, vals: &[f64], signs: &[i8]) -> Result<Vec<f64>, String> {
        let par = Par::Seq;
        let params: Spec<LdltParams, f64> = Default::default();
        let mut mem = MemBuffer::new(self.chol.factorize_numeric_ldlt_scratch::<f64>(par, params));
        let mut l = vec![0.0; self.chol.len_val()];
        let a = SparseColMatRef::new(
            SymbolicSparseColMatRef::new_checked(self.n, self.n, &self.col_ptr, None, &self.row_idx),
            vals,
        );
        let reg = LdltRegularization {
            dynamic_regularization_signs: Some(signs),
            dynamic_regularization_delta: 2e-7,
            dynamic_regularization_epsilon: 1e-13,
        };
        self.chol
            .factorize_numeric_ldlt(&mut l, a, Side::Upper, reg, par, MemStack::new(&mut mem), params)
            .map_err(|e| format!("LDLᵀ factorization failed: {e:?}"))?;
        if l.iter().any(|v| !v.is_finite()) {
            return Err("LDLᵀ factorization produced non-finite values".into());
        }
        Ok(l)
    }

    /// Solve K u = rhs in place with the factor `l` from [`SymbolicLdl::factor`].
    pub fn solve_in_place(&self, l: &[f64], rhs: &mut [f64]) {
        let par = Par::Seq;
        let chol = &self.chol;
        let mut mem = MemBuffer::new(StackReq::any_of(&[chol.solve_in_place_scratch::<f64>(1, par)]));
        let ldlt = LdltRef::new(chol, l);
        let n = rhs.len();
        let m = MatMut::from_column_major_slice_mut(rhs, n, 1);
        ldlt.solve_in_place_with_conj(Conj::No, m, par, MemStack::new(&mut mem));
    }
}

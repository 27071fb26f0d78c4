//! The parametrized cone program: `minimize ½xᵀPx + qᵀx + r subject to Ax + s = b,
//! s ∈ K`, with `vec(P, q, r, A, b) = M · [θ; 1]` for one sparse matrix M fixed at
//! compile time (θ: the flattened parameter values).

use std::ops::Range;

/// One cone of K, in Clarabel's conventions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cone {
    /// `s = 0`.
    Zero(usize),
    /// `s ≥ 0`.
    Nonneg(usize),
    /// `(t, x)` with `‖x‖₂ ≤ t`; the dimension counts t.
    Soc(usize),
    /// `(x, y, z)` with `y·exp(x/y) ≤ z`, `y > 0` (closure).
    Exp,
    /// `(x, y, z)` with `x^α·y^(1−α) ≥ |z|`, `x, y ≥ 0`.
    Pow(f64),
    /// An n×n symmetric matrix, as its upper triangle column by column with the
    /// off-diagonal entries times √2 (n(n+1)/2 rows; [`crate::ir::svec`]).
    Psd(usize),
}

impl Cone {
    /// Number of rows of s in this cone.
    pub fn dim(&self) -> usize {
        match *self {
            Cone::Zero(n) | Cone::Nonneg(n) | Cone::Soc(n) => n,
            Cone::Exp | Cone::Pow(_) => 3,
            Cone::Psd(n) => crate::ir::svec::len(n),
        }
    }
}

/// A compressed-sparse-column pattern (values live elsewhere).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pattern {
    /// Number of rows.
    pub nrows: usize,
    /// Number of columns.
    pub ncols: usize,
    /// `ncols + 1` offsets: column j's entries are `colptr[j]..colptr[j + 1]`.
    pub colptr: Vec<usize>,
    /// Row of each entry, increasing within a column.
    pub rowval: Vec<usize>,
}

#[allow(clippy::needless_range_loop)] // index arithmetic over the CSC arrays
impl Pattern {
    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.rowval.len()
    }

    /// `M x` for the matrix with this pattern and the values `vals` (CSC order).
    pub fn mul(&self, vals: &[f64], x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.nrows];
        for j in 0..self.ncols {
            for k in self.colptr[j]..self.colptr[j + 1] {
                out[self.rowval[k]] += vals[k] * x[j];
            }
        }
        out
    }

    /// `Mᵀ y`.
    pub fn mul_t(&self, vals: &[f64], y: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.ncols];
        for (j, o) in out.iter_mut().enumerate() {
            for k in self.colptr[j]..self.colptr[j + 1] {
                *o += vals[k] * y[self.rowval[k]];
            }
        }
        out
    }

    /// `M x` for the symmetric matrix stored as this upper triangle (P of the cone
    /// program: a stored off-diagonal entry stands for both `M_ij` and `M_ji`).
    pub fn sym_mul(&self, vals: &[f64], x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.ncols];
        for j in 0..self.ncols {
            for k in self.colptr[j]..self.colptr[j + 1] {
                let i = self.rowval[k];
                out[i] += vals[k] * x[j];
                if i != j {
                    out[j] += vals[k] * x[i];
                }
            }
        }
        out
    }
}

/// Where a user-visible constraint lives in the cone program.
#[derive(Clone, Debug, PartialEq)]
pub struct ConstraintRows {
    /// Index into the checked program's constraints.
    pub constraint: usize,
    /// Rows of s (and of the dual z).
    pub rows: Range<usize>,
    /// How the rows map back to the constraint's entries: `Elementwise` rows are the
    /// entries of the (broadcast) shape in row-major order; `Psd` rows are svec of an
    /// n×n matrix.
    pub layout: RowLayout,
    /// +1 or −1: the factor that turns z into the user's dual value.
    pub sign: f64,
}

/// How a constraint's rows of s and z map to its entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowLayout {
    /// One row per entry of the constraint's shape, row-major.
    Elementwise,
    /// The svec (n(n+1)/2 rows) of an n×n symmetric matrix ([`crate::ir::svec`]).
    Psd(usize),
    /// The plain upper triangle `X_ij`, i ≤ j, of an n×n symmetric matrix in svec
    /// order without the √2 (the n(n+1)/2 columns of a `symmetric`/`psd`/`nsd` variable).
    Triangle(usize),
}

impl RowLayout {
    /// The entries (row-major) held by the rows or columns `v`.
    pub fn read(self, v: &[f64]) -> Vec<f64> {
        match self {
            RowLayout::Elementwise => v.to_vec(),
            RowLayout::Psd(n) => crate::ir::svec::smat(n, v),
            RowLayout::Triangle(n) => crate::ir::svec::from_triangle(n, v),
        }
    }

    /// The adjoint of [`RowLayout::read`]: a cotangent of the entries as one of the
    /// rows or columns.
    pub fn read_adjoint(self, g: &[f64]) -> Vec<f64> {
        match self {
            RowLayout::Elementwise => g.to_vec(),
            RowLayout::Psd(n) => crate::ir::svec::svec(n, g),
            RowLayout::Triangle(n) => crate::ir::svec::from_triangle_adjoint(n, g),
        }
    }

    /// How many rows or columns hold an array of `entries` entries (`None` if this
    /// layout cannot hold it).
    pub fn len(self, entries: usize) -> Option<usize> {
        match self {
            RowLayout::Elementwise => Some(entries),
            RowLayout::Psd(n) | RowLayout::Triangle(n) => {
                (n.checked_mul(n) == Some(entries)).then(|| crate::ir::svec::len(n))
            }
        }
    }
}

/// The compiled problem: `minimize ½xᵀPx + qᵀx + r s.t. Ax + s = b, s ∈ K` with the
/// data an affine function of the parameters θ (see the module docs).
#[derive(Clone, Debug)]
pub struct ConeProgram {
    /// Number of variables of the cone program (user variables first).
    pub n: usize,
    /// Number of rows of A.
    pub m: usize,
    /// K as a product of cones, in row order (their dims sum to m).
    pub cones: Vec<Cone>,
    /// Pattern of P (upper triangle), n×n.
    pub p: Pattern,
    /// Pattern of A, m×n.
    pub a: Pattern,
    /// The parameter map: rows are `[P values (p.nnz) | q (n) | r (1) | A values
    /// (a.nnz) | b (m)]`, columns `[θ (nparams) | 1]`, in CSR form.
    pub map: sprs::CsMat<f64>,
    /// Length of θ (the sum of the parameters' sizes).
    pub nparams: usize,
    /// Columns of each user variable: its entries row-major, or the upper triangle of
    /// its matrix for a `symmetric`/`psd`/`nsd` one (see `var_layout`).
    pub var_cols: Vec<Range<usize>>,
    /// How each variable's columns map to its entries: `Elementwise` (one column per
    /// entry) or `Triangle(n)` (n(n+1)/2 columns, the upper triangle of the n×n matrix).
    pub var_layout: Vec<RowLayout>,
    /// Entries of θ for each parameter (row-major).
    pub param_entries: Vec<Range<usize>>,
    /// Where each user constraint lives, one entry per constraint of the checked
    /// program, in order.
    pub constraint_rows: Vec<ConstraintRows>,
    /// −1 for `maximize` (the cone program minimizes the negated objective).
    pub objective_sign: f64,
}

impl ConeProgram {
    /// Offsets of the blocks in the rows of `map`.
    pub fn offsets(&self) -> MapOffsets {
        let p = 0;
        let q = p + self.p.nnz();
        let r = q + self.n;
        let a = r + 1;
        let b = a + self.a.nnz();
        MapOffsets { p, q, r, a, b, end: b + self.m }
    }
}

/// First row of each block of [`ConeProgram::map`]; a block ends where the next
/// begins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapOffsets {
    /// Values of P (always 0).
    pub p: usize,
    /// q.
    pub q: usize,
    /// The single row of r.
    pub r: usize,
    /// Values of A.
    pub a: usize,
    /// b.
    pub b: usize,
    /// Number of rows of the map.
    pub end: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pattern of [[1, 0, 2], [0, 3, 0]] (2×3), CSC.
    fn a() -> (Pattern, Vec<f64>) {
        (Pattern { nrows: 2, ncols: 3, colptr: vec![0, 1, 2, 3], rowval: vec![0, 1, 0] }, vec![1.0, 3.0, 2.0])
    }

    #[test]
    fn products_agree_with_the_dense_matrix() {
        let (p, v) = a();
        assert_eq!(p.mul(&v, &[1.0, 2.0, 3.0]), vec![7.0, 6.0]);
        assert_eq!(p.mul_t(&v, &[1.0, -1.0]), vec![1.0, -3.0, 2.0]);
        // Upper triangle of [[4, 1], [1, 5]]: entries (0,0), (0,1), (1,1).
        let u = Pattern { nrows: 2, ncols: 2, colptr: vec![0, 1, 3], rowval: vec![0, 0, 1] };
        assert_eq!(u.sym_mul(&[4.0, 1.0, 5.0], &[1.0, 2.0]), vec![6.0, 11.0]);
    }
}

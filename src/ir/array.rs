//! Values and declared attributes: [`Array`] (the dense arrays of parameters,
//! variables, duals and gradients) and [`Attrs`]. Like `shape`, this module uses no
//! other module of the crate, so that everything (atoms, linear algebra, values)
//! can use it without depending on the program representation.

use crate::ir::shape::Shape;

/// A dense `f64` array of 0, 1 or 2 axes in row-major (C) order, the layout of the
/// nested lists of the JSON files: the values of parameters, variables, duals and
/// gradients.
///
/// The invariant `data.len() == shape.size()` is kept by the constructors; code
/// that builds an `Array` from its fields must keep it too.
///
/// ```
/// use dopt::Array;
///
/// let a = Array::matrix(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
/// assert_eq!(a.shape.dims(), &[2, 3]);
/// assert_eq!(a.at(1, 0), 4.0); // row 1, column 0
/// assert!(Array::matrix(2, 3, &[1.0]).is_none()); // wrong entry count
///
/// let x = Array::vector(&[1.0, -2.0]);
/// assert_eq!((x.shape.dims(), x.at(1, 0)), (&[2][..], -2.0));
///
/// assert_eq!(Array::scalar(2.5).as_scalar(), Some(2.5));
/// assert_eq!(x.as_scalar(), None);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    /// `[]`, `[n]` or `[m, n]`.
    pub shape: Shape,
    /// The `shape.size()` entries, row-major (`data[i * n + j]` is entry (i, j)).
    pub data: Vec<f64>,
}

impl Array {
    /// A 0-d array (shape `[]`) holding `v`.
    pub fn scalar(v: f64) -> Array {
        Array { shape: Shape::SCALAR, data: vec![v] }
    }
    /// A vector `[data.len()]`.
    pub fn vector(data: &[f64]) -> Array {
        Array { shape: Shape::vector(data.len()), data: data.to_vec() }
    }
    /// An `m × n` matrix from its entries in row-major order; `None` when the count is
    /// not `m·n`.
    pub fn matrix(m: usize, n: usize, data: &[f64]) -> Option<Array> {
        (data.len() == m * n).then(|| Array { shape: Shape::matrix(m, n), data: data.to_vec() })
    }
    /// An array of `shape` with every entry `v`.
    ///
    /// ```
    /// use dopt::Array;
    /// use dopt::Shape;
    ///
    /// let z = Array::filled(Shape::matrix(2, 2), 0.5);
    /// assert_eq!(z.data, vec![0.5; 4]);
    /// ```
    pub fn filled(shape: Shape, v: f64) -> Array {
        Array { shape, data: vec![v; shape.size()] }
    }
    /// The entry at row `i`, column `j` (vectors are columns: `j = 0`).
    pub fn at(&self, i: usize, j: usize) -> f64 {
        let (_, cols) = self.shape.rows_cols();
        self.data[i * cols + j]
    }
    /// The value of a 0-d array; `None` for a vector or matrix (even of one entry).
    pub fn as_scalar(&self) -> Option<f64> {
        (self.data.len() == 1 && self.shape.is_scalar()).then(|| self.data[0])
    }
}

/// Declared attributes of a parameter or variable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Attrs {
    /// Every entry ≥ 0.
    pub nonneg: bool,
    /// Every entry ≤ 0.
    pub nonpos: bool,
    /// A square matrix equal to its transpose.
    pub symmetric: bool,
    /// Symmetric positive semidefinite (X ⪰ 0).
    pub psd: bool,
    /// Symmetric negative semidefinite (X ⪯ 0).
    pub nsd: bool,
}

impl Attrs {
    /// The attributes that are set, as written in a file, in declaration order.
    pub fn names(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        for (on, name) in [
            (self.nonneg, "nonneg"),
            (self.nonpos, "nonpos"),
            (self.symmetric, "symmetric"),
            (self.psd, "psd"),
            (self.nsd, "nsd"),
        ] {
            if on {
                v.push(name);
            }
        }
        v
    }
}

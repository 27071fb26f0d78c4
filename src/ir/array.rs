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
/// let a = Array::matrix(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])?;
/// assert_eq!(a.shape.dims(), &[2, 3]);
/// assert_eq!(a.at(1, 0), 4.0); // row 1, column 0
/// let e = Array::matrix(2, 3, &[1.0]).unwrap_err(); // wrong entry count
/// assert_eq!(e.to_string(), "a 2×3 matrix has 6 entries, not 1");
///
/// // The same arrays by conversion: numbers, vectors and rows as written.
/// assert_eq!(Array::from([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), a);
/// assert_eq!(Array::try_from(vec![vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]])?, a);
/// assert!(Array::try_from(vec![vec![1.0, 2.0], vec![3.0]]).is_err()); // ragged rows
/// let x = Array::from(vec![1.0, -2.0]);
/// assert_eq!((x.shape.dims(), x.at(1, 0)), (&[2][..], -2.0));
/// assert_eq!(x, Array::vector(&[1.0, -2.0]));
///
/// assert_eq!(Array::from(2.5).as_scalar(), Some(2.5));
/// assert_eq!(x.as_scalar(), None);
/// # Ok::<(), dopt::ArrayError>(())
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
    /// An `m × n` matrix from its entries in row-major order.
    ///
    /// # Errors
    /// An [`ArrayError`] when the count is not `m·n`.
    pub fn matrix(m: usize, n: usize, data: &[f64]) -> Result<Array, ArrayError> {
        match m.checked_mul(n) {
            Some(size) if size == data.len() => Ok(Array { shape: Shape::matrix(m, n), data: data.to_vec() }),
            _ => Err(ArrayError(format!(
                "a {m}×{n} matrix has {} entries, not {}",
                m.checked_mul(n).map_or_else(|| "too many".to_string(), |s| s.to_string()),
                data.len()
            ))),
        }
    }
    /// A matrix from its rows, which must all have the same length.
    fn from_rows<R: AsRef<[f64]>>(rows: &[R]) -> Result<Array, ArrayError> {
        let n = rows.first().map_or(0, |r| r.as_ref().len());
        let mut data = Vec::with_capacity(rows.len() * n);
        for (i, r) in rows.iter().enumerate() {
            let r = r.as_ref();
            if r.len() != n {
                return Err(ArrayError(format!(
                    "the rows of a matrix must have the same length: row {i} has {} entries, row 0 has {n}",
                    r.len()
                )));
            }
            data.extend_from_slice(r);
        }
        Ok(Array { shape: Shape::matrix(rows.len(), n), data })
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

/// Why an [`Array`] could not be built: an entry count that does not fit the shape,
/// or rows of different lengths. Converts into [`Error`](crate::Error) (E0702), so `?`
/// works in a function returning either.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArrayError(String);

impl std::fmt::Display for ArrayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ArrayError {}

/// A number is a 0-d array.
impl From<f64> for Array {
    fn from(v: f64) -> Array {
        Array::scalar(v)
    }
}

/// A list of numbers is a vector.
impl From<Vec<f64>> for Array {
    fn from(data: Vec<f64>) -> Array {
        Array { shape: Shape::vector(data.len()), data }
    }
}

impl From<&[f64]> for Array {
    fn from(data: &[f64]) -> Array {
        Array::vector(data)
    }
}

impl<const N: usize> From<[f64; N]> for Array {
    fn from(data: [f64; N]) -> Array {
        Array::vector(&data)
    }
}

impl<const N: usize> From<&[f64; N]> for Array {
    fn from(data: &[f64; N]) -> Array {
        Array::vector(data)
    }
}

/// Rows of equal length written out are a matrix (`M × N`, row-major as written).
impl<const M: usize, const N: usize> From<[[f64; N]; M]> for Array {
    fn from(rows: [[f64; N]; M]) -> Array {
        Array { shape: Shape::matrix(M, N), data: rows.as_flattened().to_vec() }
    }
}

/// Rows as lists are a matrix; rows of different lengths are an error.
impl TryFrom<Vec<Vec<f64>>> for Array {
    type Error = ArrayError;
    fn try_from(rows: Vec<Vec<f64>>) -> Result<Array, ArrayError> {
        Array::from_rows(&rows)
    }
}

impl TryFrom<&[Vec<f64>]> for Array {
    type Error = ArrayError;
    fn try_from(rows: &[Vec<f64>]) -> Result<Array, ArrayError> {
        Array::from_rows(rows)
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

//! `diag(x)` for a vector x[n] is the diagonal matrix [n, n] with x on its diagonal;
//! `diag(X)` for a square matrix X[n, n] is the vector [n] of its diagonal entries
//! (Xᵢᵢ). Affine; the sign follows from the entries of the argument.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct Diag;

impl Atom for Diag {
    fn name(&self) -> &'static str {
        "diag"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let x = args[0];
        match x.dims() {
            [n] => Ok(Shape::matrix(*n, *n)),
            [m, n] if m == n => Ok(Shape::vector(*n)),
            [_, _] => Err(ShapeError::new(format!(
                "`diag` needs a vector or a square matrix, got shape {x}"
            ))
            .at(0)
            .help("diag of a non-square matrix is not supported; cvxpy also requires square")),
            _ => Err(ShapeError::new(format!(
                "`diag` needs a vector or a square matrix, got a scalar (shape {x})"
            ))
            .at(0)
            .help("use the scalar itself, or reshape(x, 1) for a vector of length 1")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diag_maps_vectors_to_matrices_and_back() {
        assert_eq!(Diag.shape(&[Shape::vector(3)], &[]).unwrap(), Shape::matrix(3, 3));
        assert_eq!(Diag.shape(&[Shape::matrix(5, 5)], &[]).unwrap(), Shape::vector(5));
        assert_eq!(Diag.shape(&[Shape::vector(1)], &[]).unwrap(), Shape::matrix(1, 1));
    }

    #[test]
    fn diag_rejects_non_square_matrices_and_scalars() {
        let e = Diag.shape(&[Shape::matrix(2, 3)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("[2, 3]"));
        assert!(e.help.is_some());
        assert!(Diag.shape(&[Shape::SCALAR], &[]).is_err());
    }
}

//! `trace(X)` = Σᵢ Xᵢᵢ, the sum of the diagonal of a square matrix X[n, n].
//! Affine (so both convex and concave); the sign follows from the entries of X.
//! The result is a scalar.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct Trace;

impl Atom for Trace {
    fn name(&self) -> &'static str {
        "trace"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["X"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::require_square("trace", args, 0)?;
        Ok(Shape::SCALAR)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_of_a_square_matrix_is_a_scalar() {
        assert_eq!(Trace.shape(&[Shape::matrix(4, 4)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(Trace.shape(&[Shape::matrix(1, 1)], &[]).unwrap(), Shape::SCALAR);
    }

    #[test]
    fn trace_rejects_non_square_arguments() {
        let e = Trace.shape(&[Shape::matrix(4, 3)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("[4, 3]"));
        assert!(Trace.shape(&[Shape::vector(4)], &[]).is_err());
        assert!(Trace.shape(&[Shape::SCALAR], &[]).is_err());
    }
}

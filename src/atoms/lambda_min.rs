//! `lambda_min(X)` = λ_min(X), the smallest eigenvalue of a symmetric matrix X[n, n]
//! (domain X = Xᵀ) — concave, not monotone; the sign is unknown. The result is a
//! scalar.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct LambdaMin;

impl Atom for LambdaMin {
    fn name(&self) -> &'static str {
        "lambda_min"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["X"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::require_square("lambda_min", args, 0)?;
        Ok(Shape::SCALAR)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_min_of_a_square_matrix_is_a_scalar() {
        assert_eq!(LambdaMin.shape(&[Shape::matrix(4, 4)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(LambdaMin.shape(&[Shape::matrix(1, 1)], &[]).unwrap(), Shape::SCALAR);
    }

    #[test]
    fn lambda_min_rejects_non_square_arguments() {
        let e = LambdaMin.shape(&[Shape::matrix(3, 4)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("`lambda_min`") && e.message.contains("[3, 4]"));
        assert!(LambdaMin.shape(&[Shape::vector(3)], &[]).is_err());
        assert!(LambdaMin.shape(&[Shape::SCALAR], &[]).is_err());
    }
}

//! `lambda_max(X)` = λ_max(X), the largest eigenvalue of a symmetric matrix X[n, n]
//! (domain X = Xᵀ) — convex, not monotone; the sign is unknown. The result is a
//! scalar.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct LambdaMax;

impl Atom for LambdaMax {
    fn name(&self) -> &'static str {
        "lambda_max"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["X"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::require_square("lambda_max", args, 0)?;
        Ok(Shape::SCALAR)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_max_of_a_square_matrix_is_a_scalar() {
        assert_eq!(LambdaMax.shape(&[Shape::matrix(4, 4)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(LambdaMax.shape(&[Shape::matrix(1, 1)], &[]).unwrap(), Shape::SCALAR);
    }

    #[test]
    fn lambda_max_rejects_non_square_arguments() {
        let e = LambdaMax.shape(&[Shape::matrix(3, 4)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("`lambda_max`") && e.message.contains("[3, 4]"));
        assert!(LambdaMax.shape(&[Shape::vector(3)], &[]).is_err());
        assert!(LambdaMax.shape(&[Shape::SCALAR], &[]).is_err());
    }
}

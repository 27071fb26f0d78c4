//! `log_det(X)` = log det X for a symmetric positive definite matrix X[n, n] (domain
//! X = Xᵀ ≻ 0) — concave, not monotone; the sign is unknown. The result is a
//! scalar.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct LogDet;

impl Atom for LogDet {
    fn name(&self) -> &'static str {
        "log_det"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["X"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::require_square("log_det", args, 0)?;
        Ok(Shape::SCALAR)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_det_of_a_square_matrix_is_a_scalar() {
        assert_eq!(LogDet.shape(&[Shape::matrix(4, 4)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(LogDet.shape(&[Shape::matrix(1, 1)], &[]).unwrap(), Shape::SCALAR);
    }

    #[test]
    fn log_det_rejects_non_square_arguments() {
        let e = LogDet.shape(&[Shape::matrix(3, 4)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("`log_det`") && e.message.contains("[3, 4]"));
        assert!(LogDet.shape(&[Shape::vector(3)], &[]).is_err());
        assert!(LogDet.shape(&[Shape::SCALAR], &[]).is_err());
    }
}

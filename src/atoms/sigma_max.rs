//! `sigma_max(X)` = σ_max(X), the largest singular value of a matrix X[m, n] (the
//! spectral norm) — convex, nonnegative, not monotone. The result is a scalar.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct SigmaMax;

impl Atom for SigmaMax {
    fn name(&self) -> &'static str {
        "sigma_max"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["X"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let x = args[0];
        if x.is_matrix() {
            Ok(Shape::SCALAR)
        } else {
            Err(ShapeError::new(format!(
                "`sigma_max` needs a matrix (2-d) argument, got shape {x}"
            ))
            .at(0)
            .help("use norm2 for a vector"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigma_max_of_a_matrix_is_a_scalar() {
        assert_eq!(SigmaMax.shape(&[Shape::matrix(3, 5)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(SigmaMax.shape(&[Shape::matrix(4, 4)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(SigmaMax.shape(&[Shape::matrix(4, 1)], &[]).unwrap(), Shape::SCALAR);
    }

    #[test]
    fn sigma_max_rejects_vectors_and_scalars() {
        let e = SigmaMax.shape(&[Shape::vector(3)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("`sigma_max`") && e.message.contains("[3]"));
        assert_eq!(e.help.as_deref(), Some("use norm2 for a vector"));
        assert!(SigmaMax.shape(&[Shape::SCALAR], &[]).is_err());
    }
}

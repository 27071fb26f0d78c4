//! `norm_nuc(X)` = Σᵢ σᵢ(X), the sum of the singular values of a matrix X[m, n] (the
//! nuclear norm) — convex, nonnegative, not monotone. The result is a scalar.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct NormNuc;

impl Atom for NormNuc {
    fn name(&self) -> &'static str {
        "norm_nuc"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["X"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let x = args[0];
        if x.is_matrix() {
            Ok(Shape::SCALAR)
        } else {
            Err(ShapeError::new(format!("`norm_nuc` needs a matrix (2-d) argument, got shape {x}"))
                .at(0)
                .help("use norm2 for a vector"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norm_nuc_of_a_matrix_is_a_scalar() {
        assert_eq!(NormNuc.shape(&[Shape::matrix(3, 5)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(NormNuc.shape(&[Shape::matrix(4, 4)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(NormNuc.shape(&[Shape::matrix(4, 1)], &[]).unwrap(), Shape::SCALAR);
    }

    #[test]
    fn norm_nuc_rejects_vectors_and_scalars() {
        let e = NormNuc.shape(&[Shape::vector(3)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("`norm_nuc`") && e.message.contains("[3]"));
        assert_eq!(e.help.as_deref(), Some("use norm2 for a vector"));
        assert!(NormNuc.shape(&[Shape::SCALAR], &[]).is_err());
    }
}

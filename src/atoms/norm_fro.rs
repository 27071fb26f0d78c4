//! `norm_fro(X)` = (Σᵢⱼ Xᵢⱼ²)^½, the Frobenius norm (cvxpy's `norm(X, "fro")`),
//! which is the entrywise 2-norm — convex, nonnegative; increasing for X ≥ 0,
//! decreasing for X ≤ 0. Any shape; the result is a scalar.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct NormFro;

impl Atom for NormFro {
    fn name(&self) -> &'static str {
        "norm_fro"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["X"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::scalar(args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norm_fro_is_a_scalar() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(NormFro.shape(&[s], &[]).unwrap(), Shape::SCALAR);
        }
    }
}

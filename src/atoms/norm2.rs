//! `norm2(x)` = (Σᵢⱼ xᵢⱼ²)^½, the entrywise 2-norm (for a matrix, the Frobenius norm,
//! not the spectral norm `sigma_max`) — convex, nonnegative; increasing for x ≥ 0,
//! decreasing for x ≤ 0. Any shape; the result is a scalar.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct Norm2;

impl Atom for Norm2 {
    fn name(&self) -> &'static str {
        "norm2"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::scalar(args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norm2_is_a_scalar() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Norm2.shape(&[s], &[]).unwrap(), Shape::SCALAR);
        }
    }
}

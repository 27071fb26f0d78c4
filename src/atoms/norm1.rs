//! `norm1(x)` = Σᵢⱼ |xᵢⱼ|, the entrywise 1-norm — convex, nonnegative; increasing
//! for x ≥ 0, decreasing for x ≤ 0. Any shape; the result is a scalar.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct Norm1;

impl Atom for Norm1 {
    fn name(&self) -> &'static str {
        "norm1"
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
    fn norm1_is_a_scalar() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Norm1.shape(&[s], &[]).unwrap(), Shape::SCALAR);
        }
    }
}

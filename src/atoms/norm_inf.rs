//! `norm_inf(x)` = maxᵢⱼ |xᵢⱼ|, the entrywise ∞-norm — convex, nonnegative;
//! increasing for x ≥ 0, decreasing for x ≤ 0. Any shape; the result is a scalar.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct NormInf;

impl Atom for NormInf {
    fn name(&self) -> &'static str {
        "norm_inf"
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
    fn norm_inf_is_a_scalar() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(NormInf.shape(&[s], &[]).unwrap(), Shape::SCALAR);
        }
    }
}

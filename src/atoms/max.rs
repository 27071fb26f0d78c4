//! `max(x)` = maxᵢⱼ xᵢⱼ, the largest entry — convex, increasing; the sign follows
//! from the entries of x (nonnegative if x ≥ 0, nonpositive if x ≤ 0). Any shape; the
//! result is a scalar. (The elementwise maximum of several arguments is `maximum`.)

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct Max;

impl Atom for Max {
    fn name(&self) -> &'static str {
        "max"
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
    fn max_is_a_scalar() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Max.shape(&[s], &[]).unwrap(), Shape::SCALAR);
        }
    }
}

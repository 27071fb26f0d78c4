//! `abs(x)` = |xᵢⱼ|, elementwise — convex, nonnegative; increasing for x ≥ 0,
//! decreasing for x ≤ 0. Any shape; the result has the shape of x.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct Abs;

impl Atom for Abs {
    fn name(&self) -> &'static str {
        "abs"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::same_shape(args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abs_keeps_the_shape() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Abs.shape(&[s], &[]).unwrap(), s);
        }
    }
}

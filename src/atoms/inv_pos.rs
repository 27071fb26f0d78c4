//! `inv_pos(x)` = 1/xᵢⱼ, elementwise, with domain x > 0 — convex, positive,
//! decreasing. Any shape; the result has the shape of x.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct InvPos;

impl Atom for InvPos {
    fn name(&self) -> &'static str {
        "inv_pos"
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
    fn inv_pos_keeps_the_shape() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(InvPos.shape(&[s], &[]).unwrap(), s);
        }
    }
}

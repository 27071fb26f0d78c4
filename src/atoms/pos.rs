//! `pos(x)` = max(xᵢⱼ, 0), elementwise (the positive part) — convex, nonnegative,
//! increasing. Any shape; the result has the shape of x.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct Pos;

impl Atom for Pos {
    fn name(&self) -> &'static str {
        "pos"
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
    fn pos_keeps_the_shape() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Pos.shape(&[s], &[]).unwrap(), s);
        }
    }
}

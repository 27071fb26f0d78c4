//! `entr(x)` = −xᵢⱼ log xᵢⱼ, elementwise (with 0 log 0 = 0), with domain x ≥ 0 —
//! concave, not monotone; the sign is unknown. Any shape; the result has the shape
//! of x.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct Entr;

impl Atom for Entr {
    fn name(&self) -> &'static str {
        "entr"
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
    fn entr_keeps_the_shape() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Entr.shape(&[s], &[]).unwrap(), s);
        }
    }
}

//! `neg(x)` = max(−xᵢⱼ, 0) = −min(xᵢⱼ, 0), elementwise (the negative part, as a
//! nonnegative number) — convex, nonnegative, decreasing. Any shape; the result has
//! the shape of x.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct Neg;

impl Atom for Neg {
    fn name(&self) -> &'static str {
        "neg"
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
    fn neg_keeps_the_shape() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Neg.shape(&[s], &[]).unwrap(), s);
        }
    }
}

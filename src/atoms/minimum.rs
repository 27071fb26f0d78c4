//! `minimum(a, b, ...)` = min(aᵢⱼ, bᵢⱼ, ...), elementwise, of two or more arguments —
//! concave, increasing in every argument; nonpositive if any argument is, nonnegative
//! if all are. The shapes are broadcast as in numpy; the result has that shape.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct Minimum;

impl Atom for Minimum {
    fn name(&self) -> &'static str {
        "minimum"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["a", "b"], variadic: true, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::broadcast_args("minimum", args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimum_broadcasts() {
        let (v3, m23) = (Shape::vector(3), Shape::matrix(2, 3));
        assert_eq!(Minimum.shape(&[v3, v3], &[]).unwrap(), v3);
        assert_eq!(Minimum.shape(&[m23, Shape::SCALAR], &[]).unwrap(), m23);
        assert_eq!(Minimum.shape(&[v3, m23], &[]).unwrap(), m23);
        let three = [Shape::SCALAR, Shape::vector(3), Shape::matrix(2, 1)];
        assert_eq!(Minimum.shape(&three, &[]).unwrap(), Shape::matrix(2, 3));
    }

    #[test]
    fn minimum_rejects_incompatible_shapes() {
        let e = Minimum.shape(&[Shape::vector(3), Shape::vector(4)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(1));
        assert!(e.message.contains("`minimum`") && e.message.contains("[4]"));
        let three = [Shape::vector(3), Shape::SCALAR, Shape::vector(2)];
        assert_eq!(Minimum.shape(&three, &[]).unwrap_err().arg, Some(2));
    }
}

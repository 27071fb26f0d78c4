//! `maximum(a, b, ...)` = max(aᵢⱼ, bᵢⱼ, ...), elementwise, of two or more arguments —
//! convex, increasing in every argument; nonnegative if any argument is, nonpositive
//! if all are. The shapes are broadcast as in numpy; the result has that shape.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct Maximum;

impl Atom for Maximum {
    fn name(&self) -> &'static str {
        "maximum"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["a", "b"], variadic: true, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::broadcast_args("maximum", args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maximum_broadcasts() {
        let (v3, m23) = (Shape::vector(3), Shape::matrix(2, 3));
        assert_eq!(Maximum.shape(&[v3, v3], &[]).unwrap(), v3);
        assert_eq!(Maximum.shape(&[m23, Shape::SCALAR], &[]).unwrap(), m23);
        assert_eq!(Maximum.shape(&[v3, m23], &[]).unwrap(), m23);
        let three = [Shape::SCALAR, Shape::vector(3), Shape::matrix(2, 1)];
        assert_eq!(Maximum.shape(&three, &[]).unwrap(), Shape::matrix(2, 3));
    }

    #[test]
    fn maximum_rejects_incompatible_shapes() {
        let e = Maximum.shape(&[Shape::vector(3), Shape::vector(4)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(1));
        assert!(e.message.contains("`maximum`") && e.message.contains("[4]"));
        let three = [Shape::vector(3), Shape::SCALAR, Shape::vector(2)];
        assert_eq!(Maximum.shape(&three, &[]).unwrap_err().arg, Some(2));
    }
}

//! `rel_entr(x, y)` = xᵢⱼ log(xᵢⱼ/yᵢⱼ), elementwise, with domain x ≥ 0, y > 0 (and
//! 0 log(0/y) = 0) — jointly convex in (x, y); not monotone in x, decreasing in y;
//! the sign is unknown. The shapes of x and y are broadcast as in numpy; the result
//! has that shape.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct RelEntr;

impl Atom for RelEntr {
    fn name(&self) -> &'static str {
        "rel_entr"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x", "y"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::broadcast_args("rel_entr", args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rel_entr_broadcasts() {
        let (v3, m23) = (Shape::vector(3), Shape::matrix(2, 3));
        assert_eq!(RelEntr.shape(&[v3, v3], &[]).unwrap(), v3);
        assert_eq!(RelEntr.shape(&[m23, Shape::SCALAR], &[]).unwrap(), m23);
        assert_eq!(RelEntr.shape(&[v3, m23], &[]).unwrap(), m23);
    }

    #[test]
    fn rel_entr_rejects_incompatible_shapes() {
        let e = RelEntr.shape(&[Shape::vector(3), Shape::vector(4)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(1));
        assert!(e.message.contains("`rel_entr`") && e.message.contains("[4]"));
    }
}

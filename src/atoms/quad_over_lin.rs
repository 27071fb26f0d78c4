//! `quad_over_lin(x, y)` = (Σᵢⱼ xᵢⱼ²) / y for any x and a scalar y, with domain
//! y > 0 — convex, nonnegative; increasing in x for x ≥ 0 and decreasing in x for
//! x ≤ 0, decreasing in y. The result is a scalar.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct QuadOverLin;

impl Atom for QuadOverLin {
    fn name(&self) -> &'static str {
        "quad_over_lin"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x", "y"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::require_scalar("quad_over_lin", args, 1, "denominator y")?;
        Ok(Shape::SCALAR)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quad_over_lin_is_a_scalar() {
        for x in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(QuadOverLin.shape(&[x, Shape::SCALAR], &[]).unwrap(), Shape::SCALAR);
        }
    }

    #[test]
    fn quad_over_lin_needs_a_scalar_denominator() {
        let e = QuadOverLin.shape(&[Shape::vector(4), Shape::vector(4)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(1));
        assert!(e.message.contains("`quad_over_lin`") && e.message.contains("[4]"));
        assert!(QuadOverLin.shape(&[Shape::SCALAR, Shape::matrix(1, 1)], &[]).is_err());
    }
}

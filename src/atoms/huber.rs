//! `huber(x, M=1)` is the Huber function, elementwise, for a compile-time M > 0:
//! xᵢⱼ² where |xᵢⱼ| ≤ M, and 2M|xᵢⱼ| − M² where |xᵢⱼ| > M — convex, nonnegative;
//! increasing for x ≥ 0, decreasing for x ≤ 0. Any shape; the result has the shape
//! of x.

use super::{Atom, ShapeError, Signature, StaticKind, StaticParam};
use crate::ir::shape::Shape;

pub struct Huber;

impl Atom for Huber {
    fn name(&self) -> &'static str {
        "huber"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: const { &[StaticParam::with_default("M", StaticKind::Real, 1.0)] },
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        match statics[0].unwrap_or(1.0) {
            m if m > 0.0 => super::same_shape(args),
            m => Err(ShapeError::new(format!("`huber`: M must be positive, got M = {m}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huber_keeps_the_shape() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Huber.shape(&[s], &[Some(1.0)]).unwrap(), s);
            assert_eq!(Huber.shape(&[s], &[Some(0.25)]).unwrap(), s);
        }
    }

    #[test]
    fn huber_rejects_a_nonpositive_m() {
        let e = Huber.shape(&[Shape::vector(4)], &[Some(0.0)]).unwrap_err();
        assert!(e.message.contains("M must be positive"), "{}", e.message);
        assert!(Huber.shape(&[Shape::vector(4)], &[Some(-2.0)]).is_err());
        assert!(Huber.shape(&[Shape::vector(4)], &[Some(f64::NAN)]).is_err());
    }
}

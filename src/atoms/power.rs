//! `power(x, p)` = xᵢⱼ^p, elementwise, for a compile-time real p, with cvxpy's
//! meaning by case:
//! - p = 0: the constant 1.
//! - p = 1: x itself (affine).
//! - p > 1 an even integer: xᵖ on all reals — convex, nonnegative; increasing for
//!   x ≥ 0, decreasing for x ≤ 0.
//! - p > 1 otherwise: xᵖ with domain x ≥ 0 — convex, nonnegative, increasing.
//! - 0 < p < 1: xᵖ with domain x ≥ 0 — concave, nonnegative, increasing.
//! - p < 0: xᵖ with domain x > 0 — convex, positive, decreasing.
//!
//! Any shape; the result has the shape of x.

use super::{Atom, ShapeError, Signature, StaticKind, StaticParam};
use crate::ir::shape::Shape;

pub struct Power;

impl Atom for Power {
    fn name(&self) -> &'static str {
        "power"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: const { &[StaticParam::required("p", StaticKind::Real)] },
        }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::same_shape(args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_keeps_the_shape() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            for p in [-1.0, 0.0, 0.5, 1.0, 2.0, 3.5] {
                assert_eq!(Power.shape(&[s], &[Some(p)]).unwrap(), s);
            }
        }
    }
}

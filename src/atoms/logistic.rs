//! `logistic(x)` = log(1 + e^xᵢⱼ), elementwise — convex, positive, increasing. Any
//! shape; the result has the shape of x.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct Logistic;

impl Atom for Logistic {
    fn name(&self) -> &'static str {
        "logistic"
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
    fn logistic_keeps_the_shape() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Logistic.shape(&[s], &[]).unwrap(), s);
        }
    }
}

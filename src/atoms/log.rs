//! `log(x)` = log xᵢⱼ (natural logarithm), elementwise, with domain x > 0 — concave,
//! increasing; the sign is unknown. Any shape; the result has the shape of x.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct Log;

impl Atom for Log {
    fn name(&self) -> &'static str {
        "log"
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
    fn log_keeps_the_shape() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Log.shape(&[s], &[]).unwrap(), s);
        }
    }
}

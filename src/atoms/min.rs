//! `min(x)` = minᵢⱼ xᵢⱼ, the smallest entry — concave, increasing; the sign follows
//! from the entries of x (nonnegative if x ≥ 0, nonpositive if x ≤ 0). Any shape; the
//! result is a scalar. (The elementwise minimum of several arguments is `minimum`.)

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct Min;

impl Atom for Min {
    fn name(&self) -> &'static str {
        "min"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::scalar(args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_is_a_scalar() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Min.shape(&[s], &[]).unwrap(), Shape::SCALAR);
        }
    }
}

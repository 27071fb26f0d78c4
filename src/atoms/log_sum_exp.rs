//! `log_sum_exp(x)` = log Σᵢⱼ e^xᵢⱼ — convex, increasing; the sign is unknown. Any
//! shape; the result is a scalar.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct LogSumExp;

impl Atom for LogSumExp {
    fn name(&self) -> &'static str {
        "log_sum_exp"
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
    fn log_sum_exp_is_a_scalar() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(LogSumExp.shape(&[s], &[]).unwrap(), Shape::SCALAR);
        }
    }
}

//! `sum_squares(x)` = Σᵢⱼ xᵢⱼ² — convex, nonnegative; increasing for x ≥ 0,
//! decreasing for x ≤ 0. Any shape; the result is a scalar.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct SumSquares;

impl Atom for SumSquares {
    fn name(&self) -> &'static str {
        "sum_squares"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::scalar(args)
    }
}

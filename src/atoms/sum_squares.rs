//! `sum_squares(x)` = Σᵢⱼ xᵢⱼ² — convex, nonnegative; increasing for x ≥ 0,
//! decreasing for x ≤ 0. Any shape; the result is a scalar.
//!
//! Conic form: Σxᵢ² ≤ t ⇔ ‖(2x, t − 1)‖ ≤ t + 1 (one cone of dim n + 2).

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct SumSquares;

impl Atom for SumSquares {
    fn name(&self) -> &'static str {
        "sum_squares"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &super::AXIS_KEEPDIMS }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::reduction_shape("sum_squares", args[0], statics)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Convex
    }
    fn sign(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        Sign::Nonneg
    }
    fn monotonicity(&self, _i: usize, args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        super::by_sign(args[0].sign)
    }
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        super::eval_lanes("sum_squares", args[0], statics, |x| Ok(x.data.iter().map(|v| v * v).sum()))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        super::canonicalize_lanes(c, "sum_squares", &args[0], shapes[0], statics, |c, x, _| {
            Ok(super::sum_squares_epigraph(c, x))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn sum_squares_is_a_scalar() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(SumSquares.shape(&[s], &[]).unwrap(), Shape::SCALAR);
        }
    }

    #[test]
    fn sumsquares_facts() {
        let s = [];
        assert_eq!(SumSquares.curvature(&[arg(Sign::Unknown)], &s), AtomCurvature::Convex);
        assert_eq!(SumSquares.sign(&[arg(Sign::Nonpos)], &s), Sign::Nonneg);
        assert_eq!(SumSquares.monotonicity(0, &[arg(Sign::Nonneg)], &s), Mono::Increasing);
        assert_eq!(SumSquares.monotonicity(0, &[arg(Sign::Nonpos)], &s), Mono::Decreasing);
        assert_eq!(SumSquares.monotonicity(0, &[arg(Sign::Unknown)], &s), Mono::None);
    }

    #[test]
    fn sumsquares_evaluates() {
        let x = array(&[2, 2], &[1.0, 2.0, -2.0, 4.0]);
        assert_eq!(SumSquares.eval(&[&x], &[]).unwrap().data, vec![25.0]);
    }
}

//! `norm1(x)` = Σᵢⱼ |xᵢⱼ|, the entrywise 1-norm — convex, nonnegative; increasing
//! for x ≥ 0, decreasing for x ≤ 0. Any shape; the result is a scalar.
//!
//! Conic form: Σ|xᵢ| ≤ Σuᵢ with uᵢ − xᵢ ≥ 0, uᵢ + xᵢ ≥ 0.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Norm1;

impl Atom for Norm1 {
    fn name(&self) -> &'static str {
        "norm1"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &super::AXIS_KEEPDIMS }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::reduction_shape("norm1", args[0], statics)
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
        super::eval_lanes("norm1", args[0], statics, |x| Ok(x.data.iter().map(|v| v.abs()).sum()))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        super::canonicalize_lanes(c, "norm1", &args[0], shapes[0], statics, |c, x, _| {
            Ok(super::sum_entries(&super::abs_epigraph(c, x)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn norm1_is_a_scalar() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Norm1.shape(&[s], &[]).unwrap(), Shape::SCALAR);
        }
    }

    #[test]
    fn norm1_facts() {
        let s = [];
        assert_eq!(Norm1.curvature(&[arg(Sign::Unknown)], &s), AtomCurvature::Convex);
        assert_eq!(Norm1.sign(&[arg(Sign::Nonpos)], &s), Sign::Nonneg);
        assert_eq!(Norm1.monotonicity(0, &[arg(Sign::Nonneg)], &s), Mono::Increasing);
        assert_eq!(Norm1.monotonicity(0, &[arg(Sign::Nonpos)], &s), Mono::Decreasing);
        assert_eq!(Norm1.monotonicity(0, &[arg(Sign::Unknown)], &s), Mono::None);
    }

    #[test]
    fn norm1_evaluates() {
        let x = array(&[2, 2], &[3.0, -4.0, 0.0, 1.0]);
        assert_eq!(Norm1.eval(&[&x], &[]).unwrap().data, vec![8.0]);
    }
}

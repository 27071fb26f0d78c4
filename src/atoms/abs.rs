//! `abs(x)` = |xᵢⱼ|, elementwise — convex, nonnegative; increasing for x ≥ 0,
//! decreasing for x ≤ 0. Any shape; the result has the shape of x.
//!
//! Conic form: |x| ≤ t ⇔ t − x ≥ 0, t + x ≥ 0.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Abs;

impl Atom for Abs {
    fn name(&self) -> &'static str {
        "abs"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::same_shape(args)
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
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        Ok(super::map(args[0], f64::abs))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        _shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        Ok(super::abs_epigraph(c, &args[0]))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn abs_keeps_the_shape() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Abs.shape(&[s], &[]).unwrap(), s);
        }
    }

    #[test]
    fn abs_facts() {
        assert_eq!(Abs.curvature(&[arg(Sign::Unknown)], &[]), AtomCurvature::Convex);
        assert_eq!(Abs.sign(&[arg(Sign::Nonpos)], &[]), Sign::Nonneg);
        assert_eq!(Abs.monotonicity(0, &[arg(Sign::Nonneg)], &[]), Mono::Increasing);
        assert_eq!(Abs.monotonicity(0, &[arg(Sign::Nonpos)], &[]), Mono::Decreasing);
        assert_eq!(Abs.monotonicity(0, &[arg(Sign::Unknown)], &[]), Mono::None);
    }

    #[test]
    fn abs_evaluates() {
        assert_eq!(Abs.eval(&[&array(&[3], &[-2.0, 0.0, 1.5])], &[]).unwrap().data, vec![2.0, 0.0, 1.5]);
    }
}

//! `max(x)` = maxᵢⱼ xᵢⱼ, the largest entry — convex, increasing; the sign follows
//! from the entries of x (nonnegative if x ≥ 0, nonpositive if x ≤ 0). Any shape; the
//! result is a scalar. (The elementwise maximum of several arguments is `maximum`.)
//!
//! Conic form: max xᵢ ≤ t ⇔ t − xᵢ ≥ 0.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Max;

impl Atom for Max {
    fn name(&self) -> &'static str {
        "max"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &super::AXIS_KEEPDIMS }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::reduction_shape("max", args[0], statics)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Convex
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        args[0].sign
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        super::eval_lanes("max", args[0], statics, |x| Ok(x.data.iter().copied().fold(f64::NEG_INFINITY, f64::max)))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        super::canonicalize_lanes(c, "max", &args[0], shapes[0], statics, |c, x, _| {
            let t = c.var(1);
            c.nonneg(super::sub(super::repeat(&t, x.size), x.clone()));
            Ok(t)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn max_is_a_scalar() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Max.shape(&[s], &[]).unwrap(), Shape::SCALAR);
        }
    }

    #[test]
    fn max_facts() {
        assert_eq!(Max.curvature(&[arg(Sign::Unknown)], &[]), AtomCurvature::Convex);
        for s in [Sign::Nonneg, Sign::Nonpos, Sign::Zero, Sign::Unknown] {
            assert_eq!(Max.sign(&[arg(s)], &[]), s);
        }
        assert_eq!(Max.monotonicity(0, &[arg(Sign::Unknown)], &[]), Mono::Increasing);
    }

    #[test]
    fn max_evaluates() {
        assert_eq!(Max.eval(&[&array(&[2, 2], &[-3.0, -1.0, -7.0, -2.0])], &[]).unwrap().data, vec![-1.0]);
    }
}

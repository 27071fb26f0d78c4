//! `norm_inf(x)` = maxᵢⱼ |xᵢⱼ|, the entrywise ∞-norm — convex, nonnegative;
//! increasing for x ≥ 0, decreasing for x ≤ 0. Any shape; the result is a scalar.
//!
//! Conic form: max |xᵢ| ≤ t ⇔ t − xᵢ ≥ 0, t + xᵢ ≥ 0.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct NormInf;

impl Atom for NormInf {
    fn name(&self) -> &'static str {
        "norm_inf"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &super::AXIS_KEEPDIMS }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::reduction_shape("norm_inf", args[0], statics)
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
        super::eval_lanes("norm_inf", args[0], statics, |x| Ok(x.data.iter().fold(0.0, |m: f64, v| m.max(v.abs()))))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        super::canonicalize_lanes(c, "norm_inf", &args[0], shapes[0], statics, |c, x, _| {
            let t = c.var(1);
            let tn = super::repeat(&t, x.size);
            c.nonneg(super::sub(tn.clone(), x.clone()));
            c.nonneg(tn.add(x.clone()));
            Ok(t)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn norm_inf_is_a_scalar() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(NormInf.shape(&[s], &[]).unwrap(), Shape::SCALAR);
        }
    }

    #[test]
    fn norminf_facts() {
        let s = [];
        assert_eq!(NormInf.curvature(&[arg(Sign::Unknown)], &s), AtomCurvature::Convex);
        assert_eq!(NormInf.sign(&[arg(Sign::Nonpos)], &s), Sign::Nonneg);
        assert_eq!(NormInf.monotonicity(0, &[arg(Sign::Nonneg)], &s), Mono::Increasing);
        assert_eq!(NormInf.monotonicity(0, &[arg(Sign::Nonpos)], &s), Mono::Decreasing);
        assert_eq!(NormInf.monotonicity(0, &[arg(Sign::Unknown)], &s), Mono::None);
    }

    #[test]
    fn norminf_evaluates() {
        let x = array(&[2, 2], &[3.0, -4.0, 0.0, 1.0]);
        assert_eq!(NormInf.eval(&[&x], &[]).unwrap().data, vec![4.0]);
    }
}

//! `neg(x)` = max(−xᵢⱼ, 0) = −min(xᵢⱼ, 0), elementwise (the negative part, as a
//! nonnegative number) — convex, nonnegative (zero when x ≥ 0), decreasing. Any
//! shape; the result has the shape of x.
//!
//! Conic form: max(−x, 0) ≤ t ⇔ t + x ≥ 0, t ≥ 0.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Neg;

impl Atom for Neg {
    fn name(&self) -> &'static str {
        "neg"
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
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        if args[0].sign.is_nonneg() { Sign::Zero } else { Sign::Nonneg }
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Decreasing
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        Ok(super::map(args[0], |v| (-v).max(0.0)))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        _shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let t = c.var(args[0].size);
        c.nonneg(t.clone().add(args[0].clone()));
        c.nonneg(t.clone());
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn neg_keeps_the_shape() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Neg.shape(&[s], &[]).unwrap(), s);
        }
    }

    #[test]
    fn neg_facts() {
        assert_eq!(Neg.curvature(&[arg(Sign::Unknown)], &[]), AtomCurvature::Convex);
        assert_eq!(Neg.sign(&[arg(Sign::Unknown)], &[]), Sign::Nonneg);
        assert_eq!(Neg.sign(&[arg(Sign::Nonneg)], &[]), Sign::Zero);
        assert_eq!(Neg.monotonicity(0, &[arg(Sign::Nonneg)], &[]), Mono::Decreasing);
    }

    #[test]
    fn neg_evaluates() {
        assert_eq!(Neg.eval(&[&array(&[3], &[-2.0, 0.0, 1.5])], &[]).unwrap().data, vec![2.0, 0.0, 0.0]);
    }
}

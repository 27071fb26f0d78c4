//! `pos(x)` = max(xᵢⱼ, 0), elementwise (the positive part) — convex, nonnegative,
//! increasing (zero when x ≤ 0). Any shape; the result has the shape of x.
//!
//! Conic form: max(x, 0) ≤ t ⇔ t − x ≥ 0, t ≥ 0.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Pos;

impl Atom for Pos {
    fn name(&self) -> &'static str {
        "pos"
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
        if args[0].sign.is_nonpos() { Sign::Zero } else { Sign::Nonneg }
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        Ok(super::map(args[0], |v| v.max(0.0)))
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
        c.nonneg(super::sub(t.clone(), args[0].clone()));
        c.nonneg(t.clone());
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn pos_keeps_the_shape() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Pos.shape(&[s], &[]).unwrap(), s);
        }
    }

    #[test]
    fn pos_facts() {
        assert_eq!(Pos.curvature(&[arg(Sign::Unknown)], &[]), AtomCurvature::Convex);
        assert_eq!(Pos.sign(&[arg(Sign::Unknown)], &[]), Sign::Nonneg);
        assert_eq!(Pos.sign(&[arg(Sign::Nonpos)], &[]), Sign::Zero);
        assert_eq!(Pos.monotonicity(0, &[arg(Sign::Nonpos)], &[]), Mono::Increasing);
    }

    #[test]
    fn pos_evaluates() {
        assert_eq!(Pos.eval(&[&array(&[3], &[-2.0, 0.0, 1.5])], &[]).unwrap().data, vec![0.0, 0.0, 1.5]);
    }
}

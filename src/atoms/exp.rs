//! `exp(x)` = e^xᵢⱼ, elementwise — convex, positive, increasing. Any shape; the
//! result has the shape of x.
//!
//! Conic form: exp(x) ≤ t ⇔ (x, 1, t) ∈ K_exp.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Exp;

impl Atom for Exp {
    fn name(&self) -> &'static str {
        "exp"
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
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        Ok(super::map(args[0], f64::exp))
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
        c.exp_cones(&args[0], &super::filled(t.size, 1.0), &t);
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn exp_keeps_the_shape() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Exp.shape(&[s], &[]).unwrap(), s);
        }
    }

    #[test]
    fn exp_facts() {
        assert_eq!(Exp.curvature(&[arg(Sign::Unknown)], &[]), AtomCurvature::Convex);
        assert_eq!(Exp.sign(&[arg(Sign::Nonpos)], &[]), Sign::Nonneg);
        assert_eq!(Exp.monotonicity(0, &[arg(Sign::Unknown)], &[]), Mono::Increasing);
    }

    #[test]
    fn exp_evaluates() {
        let e = Exp.eval(&[&array(&[2], &[0.0, 1.0])], &[]).unwrap();
        super::super::tests::assert_close(&e.data, &[1.0, std::f64::consts::E]);
    }
}

//! `norm_fro(X)` = (Σᵢⱼ Xᵢⱼ²)^½, the Frobenius norm (cvxpy's `norm(X, "fro")`),
//! which is the entrywise 2-norm — convex, nonnegative; increasing for X ≥ 0,
//! decreasing for X ≤ 0. Any shape; the result is a scalar.
//!
//! Conic form: ‖X‖_F ≤ t ⇔ (t, vec X) ∈ SOC.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct NormFro;

impl Atom for NormFro {
    fn name(&self) -> &'static str {
        "norm_fro"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["X"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::scalar(args)
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
        Ok(Array::scalar(args[0].data.iter().map(|v| v * v).sum::<f64>().sqrt()))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        _shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let t = c.var(1);
        c.soc(t.clone(), args[0].clone());
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn norm_fro_is_a_scalar() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(NormFro.shape(&[s], &[]).unwrap(), Shape::SCALAR);
        }
    }

    #[test]
    fn normfro_facts() {
        let s = [];
        assert_eq!(NormFro.curvature(&[arg(Sign::Unknown)], &s), AtomCurvature::Convex);
        assert_eq!(NormFro.sign(&[arg(Sign::Nonpos)], &s), Sign::Nonneg);
        assert_eq!(NormFro.monotonicity(0, &[arg(Sign::Nonneg)], &s), Mono::Increasing);
        assert_eq!(NormFro.monotonicity(0, &[arg(Sign::Nonpos)], &s), Mono::Decreasing);
        assert_eq!(NormFro.monotonicity(0, &[arg(Sign::Unknown)], &s), Mono::None);
    }

    #[test]
    fn normfro_evaluates() {
        let x = array(&[2, 2], &[1.0, 2.0, -2.0, 4.0]);
        assert_eq!(NormFro.eval(&[&x], &[]).unwrap().data, vec![5.0]);
        assert_eq!(NormFro.eval(&[&array(&[2], &[3.0, 4.0])], &[]).unwrap().data, vec![5.0]);
    }
}

//! `logistic(x)` = log(1 + e^xᵢⱼ), elementwise — convex, positive, increasing. Any
//! shape; the result has the shape of x.
//!
//! Conic form: log(1 + eˣ) ≤ t ⇔ u + v ≤ 1, (−t, 1, u) ∈ K_exp, (x − t, 1, v) ∈ K_exp.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Logistic;

impl Atom for Logistic {
    fn name(&self) -> &'static str {
        "logistic"
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
        // log(1 + eˣ) = max(x, 0) + log(1 + e^−|x|), without overflow.
        Ok(super::map(args[0], |v| v.max(0.0) + (-v.abs()).exp().ln_1p()))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        _shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let x = &args[0];
        let n = x.size;
        let ones = super::filled(n, 1.0);
        let (t, u, v) = (c.var(n), c.var(n), c.var(n));
        // e^(−t) + e^(x−t) ≤ 1 ⇔ 1 + eˣ ≤ eᵗ.
        c.exp_cones(&t.clone().neg(), &ones, &u);
        c.exp_cones(&super::sub(x.clone(), t.clone()), &ones, &v);
        c.nonneg(super::sub(super::sub(ones, u), v));
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn logistic_keeps_the_shape() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Logistic.shape(&[s], &[]).unwrap(), s);
        }
    }

    #[test]
    fn logistic_facts() {
        assert_eq!(Logistic.curvature(&[arg(Sign::Unknown)], &[]), AtomCurvature::Convex);
        assert_eq!(Logistic.sign(&[arg(Sign::Nonpos)], &[]), Sign::Nonneg);
        assert_eq!(Logistic.monotonicity(0, &[arg(Sign::Unknown)], &[]), Mono::Increasing);
    }

    #[test]
    fn logistic_evaluates_stably() {
        let e = Logistic.eval(&[&array(&[4], &[0.0, 1.0, 1000.0, -1000.0])], &[]).unwrap();
        super::super::tests::assert_close(
            &e.data,
            &[2f64.ln(), (1.0 + std::f64::consts::E).ln(), 1000.0, 0.0],
        );
    }
}

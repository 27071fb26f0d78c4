//! `log1p(x)` = log(1 + xᵢⱼ), elementwise, with domain x > −1 — concave, increasing;
//! the sign is that of x (as in cvxpy: log(1 + x) ≥ 0 exactly when x ≥ 0). Any shape;
//! the result has the shape of x. The value is computed without the rounding of
//! 1 + x for small x.
//!
//! Conic form: t ≤ log(1 + x) ⇔ (t, 1, 1 + x) ∈ K_exp.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Log1p;

impl Atom for Log1p {
    fn name(&self) -> &'static str {
        "log1p"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::same_shape(args)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Concave
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        args[0].sign
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        super::check_domain(args[0], |v| v > -1.0, "log1p needs x > -1")?;
        Ok(super::map(args[0], f64::ln_1p))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        _shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let n = args[0].size;
        let t = c.var(n);
        c.exp_cones(&t, &super::filled(n, 1.0), &args[0].clone().add(super::filled(n, 1.0)));
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array, assert_close};
    use super::*;

    #[test]
    fn log1p_facts() {
        for s in [Sign::Nonneg, Sign::Nonpos, Sign::Zero, Sign::Unknown] {
            assert_eq!(Log1p.sign(&[arg(s)], &[]), s);
        }
        assert_eq!(Log1p.curvature(&[arg(Sign::Unknown)], &[]), AtomCurvature::Concave);
        assert_eq!(Log1p.monotonicity(0, &[arg(Sign::Unknown)], &[]), Mono::Increasing);
        assert_eq!(Log1p.shape(&[Shape::matrix(2, 3)], &[]).unwrap(), Shape::matrix(2, 3));
    }

    #[test]
    fn log1p_evaluates_inside_its_domain() {
        let e = Log1p.eval(&[&array(&[3], &[0.0, 1.0, -0.5])], &[]).unwrap();
        assert_close(&e.data, &[0.0, 2f64.ln(), 0.5f64.ln()]);
        // No loss of digits near 0: log(1 + 1e-12) = 1e-12 − 5e-25.
        assert_eq!(Log1p.eval(&[&Array::scalar(1e-12)], &[]).unwrap().data[0], 1e-12f64.ln_1p());
        assert!(Log1p.eval(&[&Array::scalar(-1.0)], &[]).unwrap_err().contains("outside the domain"));
    }
}

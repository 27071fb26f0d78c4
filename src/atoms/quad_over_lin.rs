//! `quad_over_lin(x, y)` = (Σᵢⱼ xᵢⱼ²) / y for any x and a scalar y, with domain
//! y > 0 — convex, nonnegative; increasing in x for x ≥ 0 and decreasing in x for
//! x ≤ 0, decreasing in y. The result is a scalar. For DPP, y must be free of
//! parameters (cvxpy's rule).
//!
//! Conic form: Σxᵢ²/y ≤ t ⇔ ‖(2x, t − y)‖ ≤ t + y (which also gives y ≥ 0).

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct QuadOverLin;

impl Atom for QuadOverLin {
    fn name(&self) -> &'static str {
        "quad_over_lin"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x", "y"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::require_scalar("quad_over_lin", args, 1, "denominator y")?;
        Ok(Shape::SCALAR)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Convex
    }
    fn sign(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        Sign::Nonneg
    }
    fn monotonicity(&self, i: usize, args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        if i == 0 { super::by_sign(args[0].sign) } else { Mono::Decreasing }
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        super::check_domain(args[1], |v| v > 0.0, "quad_over_lin needs y > 0")?;
        Ok(Array::scalar(args[0].data.iter().map(|v| v * v).sum::<f64>() / args[1].data[0]))
    }
    /// The denominator must be free of parameters for DPP (cvxpy's rule).
    fn param_free_args(&self) -> &'static [usize] {
        &[1]
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        _shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let (x, y) = (&args[0], &args[1]);
        let t = c.var(1);
        c.soc(
            t.clone().add(y.clone()),
            Affine::concat(vec![x.clone().scale(2.0), super::sub(t.clone(), y.clone())]),
        );
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn quad_over_lin_is_a_scalar() {
        for x in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(QuadOverLin.shape(&[x, Shape::SCALAR], &[]).unwrap(), Shape::SCALAR);
        }
    }

    #[test]
    fn quad_over_lin_needs_a_scalar_denominator() {
        let e = QuadOverLin.shape(&[Shape::vector(4), Shape::vector(4)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(1));
        assert!(e.message.contains("`quad_over_lin`") && e.message.contains("[4]"));
        assert!(QuadOverLin.shape(&[Shape::SCALAR, Shape::matrix(1, 1)], &[]).is_err());
    }

    #[test]
    fn quad_over_lin_facts() {
        let (x, y) = (arg(Sign::Nonpos), arg(Sign::Nonneg));
        assert_eq!(QuadOverLin.curvature(&[x, y], &[]), AtomCurvature::Convex);
        assert_eq!(QuadOverLin.sign(&[x, y], &[]), Sign::Nonneg);
        assert_eq!(QuadOverLin.monotonicity(0, &[x, y], &[]), Mono::Decreasing);
        assert_eq!(QuadOverLin.monotonicity(0, &[arg(Sign::Unknown), y], &[]), Mono::None);
        assert_eq!(QuadOverLin.monotonicity(1, &[x, y], &[]), Mono::Decreasing);
        assert_eq!(QuadOverLin.param_free_args(), &[1]);
    }

    #[test]
    fn quad_over_lin_evaluates_inside_its_domain() {
        let x = array(&[2], &[3.0, -4.0]);
        assert_eq!(QuadOverLin.eval(&[&x, &Array::scalar(5.0)], &[]).unwrap().data, vec![5.0]);
        let e = QuadOverLin.eval(&[&x, &Array::scalar(0.0)], &[]).unwrap_err();
        assert!(e.contains("outside the domain"), "{e}");
    }
}

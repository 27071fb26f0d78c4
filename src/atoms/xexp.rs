//! `xexp(x)` = xᵢⱼ·e^xᵢⱼ, elementwise, with domain x ≥ 0 (cvxpy's) — convex where x
//! is known to be nonnegative (as in cvxpy; otherwise not DCP), increasing; the sign
//! is that of x (on the domain: nonnegative). Any shape; the result has the shape of x.
//!
//! Conic form: t ≥ x·eˣ ⇔ (u, x, t) ∈ K_exp with u ≥ x² (x·e^(u/x) ≥ x·eˣ when
//! u ≥ x², x > 0; at x = 0 the cone's closure gives u = 0 ≤ t). The cone also keeps
//! x ≥ 0.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Xexp;

impl Atom for Xexp {
    fn name(&self) -> &'static str {
        "xexp"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::same_shape(args)
    }
    fn curvature(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        if args[0].sign.is_nonneg() { AtomCurvature::Convex } else { AtomCurvature::Neither }
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        args[0].sign
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        super::check_domain(args[0], |v| v >= 0.0, "xexp needs x >= 0")?;
        Ok(super::map(args[0], |v| v * v.exp()))
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
        let u = super::square_epigraph(c, x);
        let t = c.var(x.size);
        c.exp_cones(&u, x, &t);
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array, assert_close};
    use super::*;

    #[test]
    fn xexp_is_convex_only_on_a_nonnegative_argument() {
        assert_eq!(Xexp.curvature(&[arg(Sign::Nonneg)], &[]), AtomCurvature::Convex);
        assert_eq!(Xexp.curvature(&[arg(Sign::Zero)], &[]), AtomCurvature::Convex);
        assert_eq!(Xexp.curvature(&[arg(Sign::Unknown)], &[]), AtomCurvature::Neither);
        assert_eq!(Xexp.sign(&[arg(Sign::Nonneg)], &[]), Sign::Nonneg);
        assert_eq!(Xexp.monotonicity(0, &[arg(Sign::Nonneg)], &[]), Mono::Increasing);
    }

    #[test]
    fn xexp_evaluates_inside_its_domain() {
        let e = Xexp.eval(&[&array(&[3], &[0.0, 1.0, 2.0])], &[]).unwrap();
        assert_close(&e.data, &[0.0, 1f64.exp(), 2.0 * 2f64.exp()]);
        assert!(Xexp.eval(&[&Array::scalar(-0.1)], &[]).unwrap_err().contains("outside the domain"));
    }
}

//! `inv_prod(x)` = 1 / Πᵢ xᵢ, the reciprocal of the product of the entries of a
//! vector x\[n\] (or a scalar), with domain x > 0 — convex, positive, decreasing. The
//! result is a scalar. (cvxpy writes it as `power(geo_mean(x), -n)`; here the power
//! cone form is exact.)
//!
//! Conic form: t ≥ 1/Πxᵢ ⇔ t·Πxᵢ ≥ 1 ⇔ geo_mean(x₁, …, xₙ, t) ≥ 1, with `geo_mean`'s
//! chain of power cones on the n + 1 entries (x, t).

use super::geo_mean::GeoMean;
use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct InvProd;

impl Atom for InvProd {
    fn name(&self) -> &'static str {
        "inv_prod"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::vector_to_scalar("inv_prod", args[0])
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Convex
    }
    fn sign(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        Sign::Nonneg
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Decreasing
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        super::check_domain(args[0], |v| v > 0.0, "inv_prod needs x > 0")?;
        // exp of minus the sum of logarithms: no overflow of the product.
        Ok(Array::scalar((-args[0].data.iter().map(|v| v.ln()).sum::<f64>()).exp()))
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
        let joint = Affine::concat(vec![args[0].clone(), t.clone()]);
        let n = joint.size;
        let g = GeoMean.canonicalize(c, &[joint], &[Shape::vector(n)], &[], Shape::SCALAR)?;
        c.nonneg(super::sub(g, super::filled(1, 1.0)));
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array, assert_close};
    use super::*;

    #[test]
    fn inv_prod_facts() {
        assert_eq!(InvProd.shape(&[Shape::vector(3)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(InvProd.shape(&[Shape::matrix(2, 2)], &[]).unwrap_err().arg, Some(0));
        assert_eq!(InvProd.curvature(&[arg(Sign::Nonneg)], &[]), AtomCurvature::Convex);
        assert_eq!(InvProd.monotonicity(0, &[arg(Sign::Nonneg)], &[]), Mono::Decreasing);
    }

    #[test]
    fn inv_prod_evaluates_inside_its_domain() {
        assert_close(&InvProd.eval(&[&array(&[3], &[2.0, 0.5, 4.0])], &[]).unwrap().data, &[0.25]);
        assert!(InvProd.eval(&[&array(&[2], &[1.0, 0.0])], &[]).unwrap_err().contains("outside the domain"));
    }
}

//! `inv_pos(x)` = 1/xᵢⱼ, elementwise, with domain x > 0 — convex, positive,
//! decreasing. Any shape; the result has the shape of x.
//!
//! Conic form: 1/x ≤ t ⇔ ‖(2, x − t)‖ ≤ x + t (1 ≤ x·t, a rotated second-order cone).

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct InvPos;

impl Atom for InvPos {
    fn name(&self) -> &'static str {
        "inv_pos"
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
        Mono::Decreasing
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        super::check_domain(args[0], |v| v > 0.0, "inv_pos needs x > 0")?;
        Ok(super::map(args[0], |v| 1.0 / v))
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
        super::rotated_socs(c, &t, &args[0], &super::filled(t.size, 1.0));
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn inv_pos_keeps_the_shape() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(InvPos.shape(&[s], &[]).unwrap(), s);
        }
    }

    #[test]
    fn inv_pos_facts() {
        assert_eq!(InvPos.curvature(&[arg(Sign::Nonneg)], &[]), AtomCurvature::Convex);
        assert_eq!(InvPos.sign(&[arg(Sign::Unknown)], &[]), Sign::Nonneg);
        assert_eq!(InvPos.monotonicity(0, &[arg(Sign::Unknown)], &[]), Mono::Decreasing);
    }

    #[test]
    fn inv_pos_evaluates_inside_its_domain() {
        assert_eq!(InvPos.eval(&[&array(&[2], &[4.0, 0.5])], &[]).unwrap().data, vec![0.25, 2.0]);
        assert!(InvPos.eval(&[&Array::scalar(0.0)], &[]).unwrap_err().contains("outside the domain"));
    }
}

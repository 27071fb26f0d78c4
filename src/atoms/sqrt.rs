//! `sqrt(x)` = √xᵢⱼ, elementwise, with domain x ≥ 0 — concave, nonnegative,
//! increasing. Any shape; the result has the shape of x.
//!
//! Conic form: t ≤ √x ⇔ ‖(2t, x − 1)‖ ≤ x + 1 (t² ≤ x·1, a rotated second-order cone).

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Sqrt;

impl Atom for Sqrt {
    fn name(&self) -> &'static str {
        "sqrt"
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
    fn sign(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        Sign::Nonneg
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        super::check_domain(args[0], |v| v >= 0.0, "sqrt needs x >= 0")?;
        Ok(super::map(args[0], f64::sqrt))
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
        super::rotated_socs(c, &args[0], &super::filled(t.size, 1.0), &t);
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn sqrt_keeps_the_shape() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Sqrt.shape(&[s], &[]).unwrap(), s);
        }
    }

    #[test]
    fn sqrt_facts() {
        assert_eq!(Sqrt.curvature(&[arg(Sign::Nonneg)], &[]), AtomCurvature::Concave);
        assert_eq!(Sqrt.sign(&[arg(Sign::Unknown)], &[]), Sign::Nonneg);
        assert_eq!(Sqrt.monotonicity(0, &[arg(Sign::Unknown)], &[]), Mono::Increasing);
    }

    #[test]
    fn sqrt_evaluates_inside_its_domain() {
        assert_eq!(Sqrt.eval(&[&array(&[3], &[0.0, 4.0, 2.25])], &[]).unwrap().data, vec![0.0, 2.0, 1.5]);
        assert!(Sqrt.eval(&[&Array::scalar(-1.0)], &[]).unwrap_err().contains("outside the domain"));
    }
}

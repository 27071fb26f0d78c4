//! `entr(x)` = −xᵢⱼ log xᵢⱼ, elementwise (with 0 log 0 = 0), with domain x ≥ 0 —
//! concave, not monotone; the sign is unknown. Any shape; the result has the shape
//! of x.
//!
//! Conic form: t ≤ −x log x ⇔ (t, x, 1) ∈ K_exp.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Entr;

impl Atom for Entr {
    fn name(&self) -> &'static str {
        "entr"
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
        Sign::Unknown
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::None
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        super::check_domain(args[0], |v| v >= 0.0, "entr needs x >= 0")?;
        Ok(super::map(args[0], |v| if v == 0.0 { 0.0 } else { -v * v.ln() }))
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
        c.exp_cones(&t, &args[0], &super::filled(t.size, 1.0));
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn entr_keeps_the_shape() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Entr.shape(&[s], &[]).unwrap(), s);
        }
    }

    #[test]
    fn entr_facts() {
        assert_eq!(Entr.curvature(&[arg(Sign::Nonneg)], &[]), AtomCurvature::Concave);
        assert_eq!(Entr.sign(&[arg(Sign::Nonneg)], &[]), Sign::Unknown);
        assert_eq!(Entr.monotonicity(0, &[arg(Sign::Nonneg)], &[]), Mono::None);
    }

    #[test]
    fn entr_evaluates_inside_its_domain() {
        let e = Entr.eval(&[&array(&[3], &[0.0, 1.0, 0.5])], &[]).unwrap();
        super::super::tests::assert_close(&e.data, &[0.0, 0.0, 0.5 * 2f64.ln()]);
        assert!(Entr.eval(&[&Array::scalar(-0.5)], &[]).unwrap_err().contains("outside the domain"));
    }
}

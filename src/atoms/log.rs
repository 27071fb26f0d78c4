//! `log(x)` = log xᵢⱼ (natural logarithm), elementwise, with domain x > 0 — concave,
//! increasing; the sign is unknown. Any shape; the result has the shape of x.
//!
//! Conic form: t ≤ log x ⇔ (t, 1, x) ∈ K_exp.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Log;

impl Atom for Log {
    fn name(&self) -> &'static str {
        "log"
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
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        super::check_domain(args[0], |v| v > 0.0, "log needs x > 0")?;
        Ok(super::map(args[0], f64::ln))
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
        c.exp_cones(&t, &super::filled(t.size, 1.0), &args[0]);
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn log_keeps_the_shape() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Log.shape(&[s], &[]).unwrap(), s);
        }
    }

    #[test]
    fn log_facts() {
        assert_eq!(Log.curvature(&[arg(Sign::Nonneg)], &[]), AtomCurvature::Concave);
        assert_eq!(Log.sign(&[arg(Sign::Nonneg)], &[]), Sign::Unknown);
        assert_eq!(Log.monotonicity(0, &[arg(Sign::Unknown)], &[]), Mono::Increasing);
    }

    #[test]
    fn log_evaluates_inside_its_domain() {
        let e = Log.eval(&[&array(&[2], &[1.0, std::f64::consts::E])], &[]).unwrap();
        super::super::tests::assert_close(&e.data, &[0.0, 1.0]);
        let err = Log.eval(&[&array(&[2], &[1.0, 0.0])], &[]).unwrap_err();
        assert!(err.contains("outside the domain"), "{err}");
    }
}

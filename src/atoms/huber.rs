//! `huber(x, M=1)` is the Huber function, elementwise, for a compile-time M > 0:
//! xᵢⱼ² where |xᵢⱼ| ≤ M, and 2M|xᵢⱼ| − M² where |xᵢⱼ| > M — convex, nonnegative;
//! increasing for x ≥ 0, decreasing for x ≤ 0. Any shape; the result has the shape
//! of x.
//!
//! Conic form: huber(x, M) ≤ t ⇔ t ≥ w + 2M·a with w ≥ s² (‖(2s, w − 1)‖ ≤
//! w + 1) and a ≥ |x − s| for some s, since min over s of s² + 2M|x − s| is the Huber
//! function (s = x where |x| ≤ M, s = M·sign(x) elsewhere).

use super::{
    Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature, StaticKind, StaticParam,
};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Huber;

impl Atom for Huber {
    fn name(&self) -> &'static str {
        "huber"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: const { &[StaticParam::with_default("M", StaticKind::Real, 1.0)] },
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        match statics[0].unwrap_or(1.0) {
            m if m > 0.0 => super::same_shape(args),
            m => Err(ShapeError::new(format!("`huber`: M must be positive, got M = {m}"))),
        }
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
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        let m = statics[0].unwrap_or(1.0);
        Ok(super::map(args[0], |v| if v.abs() <= m { v * v } else { 2.0 * m * v.abs() - m * m }))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        _shapes: &[Shape],
        statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let x = &args[0];
        let m = statics[0].unwrap_or(1.0);
        let s = c.var(x.size);
        let w = super::square_epigraph(c, &s);
        let a = super::abs_epigraph(c, &super::sub(x.clone(), s));
        Ok(w.add(a.scale(2.0 * m)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn huber_keeps_the_shape() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Huber.shape(&[s], &[Some(1.0)]).unwrap(), s);
            assert_eq!(Huber.shape(&[s], &[Some(0.25)]).unwrap(), s);
        }
    }

    #[test]
    fn huber_rejects_a_nonpositive_m() {
        let e = Huber.shape(&[Shape::vector(4)], &[Some(0.0)]).unwrap_err();
        assert!(e.message.contains("M must be positive"), "{}", e.message);
        assert!(Huber.shape(&[Shape::vector(4)], &[Some(-2.0)]).is_err());
        assert!(Huber.shape(&[Shape::vector(4)], &[Some(f64::NAN)]).is_err());
    }

    #[test]
    fn huber_facts() {
        let s = [Some(1.0)];
        assert_eq!(Huber.curvature(&[arg(Sign::Unknown)], &s), AtomCurvature::Convex);
        assert_eq!(Huber.sign(&[arg(Sign::Nonpos)], &s), Sign::Nonneg);
        assert_eq!(Huber.monotonicity(0, &[arg(Sign::Nonpos)], &s), Mono::Decreasing);
        assert_eq!(Huber.monotonicity(0, &[arg(Sign::Nonneg)], &s), Mono::Increasing);
        assert_eq!(Huber.monotonicity(0, &[arg(Sign::Unknown)], &s), Mono::None);
    }

    #[test]
    fn huber_evaluates() {
        let x = array(&[4], &[3.0, -3.0, 0.5, -1.0]);
        assert_eq!(Huber.eval(&[&x], &[Some(1.0)]).unwrap().data, vec![5.0, 5.0, 0.25, 1.0]);
        assert_eq!(Huber.eval(&[&x], &[Some(2.0)]).unwrap().data, vec![8.0, 8.0, 0.25, 1.0]);
    }
}

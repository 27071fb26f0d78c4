//! `minimum(a, b, ...)` = min(aᵢⱼ, bᵢⱼ, ...), elementwise, of two or more arguments —
//! concave, increasing in every argument; nonpositive if any argument is, nonnegative
//! if all are (zero if both), as cvxpy. The shapes are broadcast as in numpy; the
//! result has that shape.
//!
//! Conic form: t ≤ min(a, b, …) ⇔ a − t ≥ 0, b − t ≥ 0, … (broadcast).

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::conic::broadcast;
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Minimum;

impl Atom for Minimum {
    fn name(&self) -> &'static str {
        "minimum"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["a", "b"], variadic: true, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::broadcast_args("minimum", args)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Concave
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        super::sign_from_flags(
            args.iter().all(|a| a.sign.is_nonneg()),
            args.iter().any(|a| a.sign.is_nonpos()),
        )
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        let mut acc = args[0].clone();
        for a in &args[1..] {
            acc = super::map2(&acc, a, f64::min)?;
        }
        Ok(acc)
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        _statics: &[Option<f64>],
        out: Shape,
    ) -> Result<Affine, String> {
        let t = c.var(out.size());
        for (a, s) in args.iter().zip(shapes) {
            c.nonneg(super::sub(broadcast(a, *s, out), t.clone()));
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn minimum_broadcasts() {
        let (v3, m23) = (Shape::vector(3), Shape::matrix(2, 3));
        assert_eq!(Minimum.shape(&[v3, v3], &[]).unwrap(), v3);
        assert_eq!(Minimum.shape(&[m23, Shape::SCALAR], &[]).unwrap(), m23);
        assert_eq!(Minimum.shape(&[v3, m23], &[]).unwrap(), m23);
        let three = [Shape::SCALAR, Shape::vector(3), Shape::matrix(2, 1)];
        assert_eq!(Minimum.shape(&three, &[]).unwrap(), Shape::matrix(2, 3));
    }

    #[test]
    fn minimum_rejects_incompatible_shapes() {
        let e = Minimum.shape(&[Shape::vector(3), Shape::vector(4)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(1));
        assert!(e.message.contains("`minimum`") && e.message.contains("[4]"));
        let three = [Shape::vector(3), Shape::SCALAR, Shape::vector(2)];
        assert_eq!(Minimum.shape(&three, &[]).unwrap_err().arg, Some(2));
    }

    #[test]
    fn minimum_facts() {
        let (p, n, z, u) = (arg(Sign::Nonneg), arg(Sign::Nonpos), arg(Sign::Zero), arg(Sign::Unknown));
        assert_eq!(Minimum.sign(&[u, n], &[]), Sign::Nonpos);
        assert_eq!(Minimum.sign(&[p, p], &[]), Sign::Nonneg);
        assert_eq!(Minimum.sign(&[p, z], &[]), Sign::Zero);
        assert_eq!(Minimum.sign(&[u, p], &[]), Sign::Unknown);
        assert_eq!(Minimum.curvature(&[u, n], &[]), AtomCurvature::Concave);
        assert_eq!(Minimum.monotonicity(0, &[u, n], &[]), Mono::Increasing);
    }

    #[test]
    fn minimum_evaluates_with_broadcasting() {
        let m = array(&[2, 2], &[1.0, 5.0, -2.0, 3.0]);
        let v = array(&[2], &[2.0, 4.0]);
        assert_eq!(Minimum.eval(&[&m, &v], &[]).unwrap().data, vec![1.0, 4.0, -2.0, 3.0]);
    }
}

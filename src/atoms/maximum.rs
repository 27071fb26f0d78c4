//! `maximum(a, b, ...)` = max(aᵢⱼ, bᵢⱼ, ...), elementwise, of two or more arguments —
//! convex, increasing in every argument; nonnegative if any argument is, nonpositive
//! if all are (zero if both, e.g. maximum(0, x) with x ≤ 0), as cvxpy. The shapes
//! are broadcast as in numpy; the result has that shape.
//!
//! Conic form: max(a, b, …) ≤ t ⇔ t − a ≥ 0, t − b ≥ 0, … (broadcast).

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::conic::broadcast;
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Maximum;

impl Atom for Maximum {
    fn name(&self) -> &'static str {
        "maximum"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["a", "b"], variadic: true, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::broadcast_args("maximum", args)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Convex
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        super::sign_from_flags(
            args.iter().any(|a| a.sign.is_nonneg()),
            args.iter().all(|a| a.sign.is_nonpos()),
        )
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        let mut acc = args[0].clone();
        for a in &args[1..] {
            acc = super::map2(&acc, a, f64::max)?;
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
            c.nonneg(super::sub(t.clone(), broadcast(a, *s, out)));
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn maximum_broadcasts() {
        let (v3, m23) = (Shape::vector(3), Shape::matrix(2, 3));
        assert_eq!(Maximum.shape(&[v3, v3], &[]).unwrap(), v3);
        assert_eq!(Maximum.shape(&[m23, Shape::SCALAR], &[]).unwrap(), m23);
        assert_eq!(Maximum.shape(&[v3, m23], &[]).unwrap(), m23);
        let three = [Shape::SCALAR, Shape::vector(3), Shape::matrix(2, 1)];
        assert_eq!(Maximum.shape(&three, &[]).unwrap(), Shape::matrix(2, 3));
    }

    #[test]
    fn maximum_rejects_incompatible_shapes() {
        let e = Maximum.shape(&[Shape::vector(3), Shape::vector(4)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(1));
        assert!(e.message.contains("`maximum`") && e.message.contains("[4]"));
        let three = [Shape::vector(3), Shape::SCALAR, Shape::vector(2)];
        assert_eq!(Maximum.shape(&three, &[]).unwrap_err().arg, Some(2));
    }

    #[test]
    fn maximum_facts() {
        let (p, n, z, u) = (arg(Sign::Nonneg), arg(Sign::Nonpos), arg(Sign::Zero), arg(Sign::Unknown));
        assert_eq!(Maximum.sign(&[u, p], &[]), Sign::Nonneg);
        assert_eq!(Maximum.sign(&[u, z], &[]), Sign::Nonneg);
        assert_eq!(Maximum.sign(&[n, n], &[]), Sign::Nonpos);
        assert_eq!(Maximum.sign(&[n, z], &[]), Sign::Zero);
        assert_eq!(Maximum.sign(&[u, n], &[]), Sign::Unknown);
        assert_eq!(Maximum.curvature(&[u, n], &[]), AtomCurvature::Convex);
        assert_eq!(Maximum.monotonicity(1, &[u, n], &[]), Mono::Increasing);
    }

    #[test]
    fn maximum_evaluates_with_broadcasting() {
        let x = array(&[3], &[-1.0, 2.0, 0.5]);
        assert_eq!(Maximum.eval(&[&x, &Array::scalar(0.0)], &[]).unwrap().data, vec![0.0, 2.0, 0.5]);
        let y = array(&[3], &[3.0, -3.0, 0.0]);
        let three = Maximum.eval(&[&x, &y, &Array::scalar(1.0)], &[]).unwrap();
        assert_eq!(three.data, vec![3.0, 2.0, 1.0]);
    }
}

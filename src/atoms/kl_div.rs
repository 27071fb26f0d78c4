//! `kl_div(x, y)` = xᵢⱼ log(xᵢⱼ/yᵢⱼ) − xᵢⱼ + yᵢⱼ, elementwise, with domain x ≥ 0,
//! y > 0 (and 0 log(0/y) = 0) — jointly convex in (x, y), nonnegative, not monotone.
//! The shapes of x and y are broadcast as in numpy; the result has that shape.
//!
//! Conic form: kl_div(x, y) ≤ u − x + y ⇔ (−u, x, y) ∈ K_exp (x, y broadcast).

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::conic::broadcast;
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct KlDiv;

impl Atom for KlDiv {
    fn name(&self) -> &'static str {
        "kl_div"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x", "y"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::broadcast_args("kl_div", args)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Convex
    }
    fn sign(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        Sign::Nonneg
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::None
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        super::check_domain(args[0], |v| v >= 0.0, "kl_div needs x >= 0")?;
        super::check_domain(args[1], |v| v > 0.0, "kl_div needs y > 0")?;
        super::map2(args[0], args[1], |x, y| if x == 0.0 { y } else { x * (x / y).ln() - x + y })
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        out: Shape,
    ) -> Result<Affine, String> {
        let u = super::rel_entr::RelEntr.canonicalize(c, args, shapes, statics, out)?;
        let x = broadcast(&args[0], shapes[0], out);
        let y = broadcast(&args[1], shapes[1], out);
        Ok(super::sub(u, x).add(y))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn kl_div_broadcasts() {
        let (v3, m23) = (Shape::vector(3), Shape::matrix(2, 3));
        assert_eq!(KlDiv.shape(&[v3, v3], &[]).unwrap(), v3);
        assert_eq!(KlDiv.shape(&[m23, Shape::SCALAR], &[]).unwrap(), m23);
        assert_eq!(KlDiv.shape(&[v3, m23], &[]).unwrap(), m23);
    }

    #[test]
    fn kl_div_rejects_incompatible_shapes() {
        let e = KlDiv.shape(&[Shape::vector(3), Shape::vector(4)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(1));
        assert!(e.message.contains("`kl_div`") && e.message.contains("[4]"));
    }

    #[test]
    fn kl_div_facts() {
        let (x, y) = (arg(Sign::Nonneg), arg(Sign::Nonneg));
        assert_eq!(KlDiv.curvature(&[x, y], &[]), AtomCurvature::Convex);
        assert_eq!(KlDiv.sign(&[x, y], &[]), Sign::Nonneg);
        assert_eq!(KlDiv.monotonicity(0, &[x, y], &[]), Mono::None);
        assert_eq!(KlDiv.monotonicity(1, &[x, y], &[]), Mono::None);
    }

    #[test]
    fn kl_div_evaluates_inside_its_domain() {
        use std::f64::consts::E;
        let x = array(&[3], &[1.0, 0.0, 2.0]);
        let y = array(&[3], &[E, 3.0, 2.0]);
        let v = KlDiv.eval(&[&x, &y], &[]).unwrap();
        super::super::tests::assert_close(&v.data, &[E - 2.0, 3.0, 0.0]);
        assert!(
            KlDiv
                .eval(&[&Array::scalar(-1.0), &Array::scalar(1.0)], &[])
                .unwrap_err()
                .contains("outside the domain")
        );
        assert!(
            KlDiv
                .eval(&[&Array::scalar(1.0), &Array::scalar(0.0)], &[])
                .unwrap_err()
                .contains("outside the domain")
        );
    }
}

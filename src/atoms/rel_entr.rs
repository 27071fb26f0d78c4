//! `rel_entr(x, y)` = xᵢⱼ log(xᵢⱼ/yᵢⱼ), elementwise, with domain x ≥ 0, y > 0 (and
//! 0 log(0/y) = 0) — jointly convex in (x, y); not monotone in x, decreasing in y;
//! the sign is unknown. The shapes of x and y are broadcast as in numpy; the result
//! has that shape.
//!
//! Conic form: x log(x/y) ≤ t ⇔ (−t, x, y) ∈ K_exp (x, y broadcast).

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::conic::broadcast;
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct RelEntr;

impl Atom for RelEntr {
    fn name(&self) -> &'static str {
        "rel_entr"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x", "y"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::broadcast_args("rel_entr", args)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Convex
    }
    fn sign(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        Sign::Unknown
    }
    fn monotonicity(&self, i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        if i == 1 { Mono::Decreasing } else { Mono::None }
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        super::check_domain(args[0], |v| v >= 0.0, "rel_entr needs x >= 0")?;
        super::check_domain(args[1], |v| v > 0.0, "rel_entr needs y > 0")?;
        super::map2(args[0], args[1], |x, y| if x == 0.0 { 0.0 } else { x * (x / y).ln() })
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        _statics: &[Option<f64>],
        out: Shape,
    ) -> Result<Affine, String> {
        let x = broadcast(&args[0], shapes[0], out);
        let y = broadcast(&args[1], shapes[1], out);
        let t = c.var(out.size());
        c.exp_cones(&t.clone().neg(), &x, &y);
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn rel_entr_broadcasts() {
        let (v3, m23) = (Shape::vector(3), Shape::matrix(2, 3));
        assert_eq!(RelEntr.shape(&[v3, v3], &[]).unwrap(), v3);
        assert_eq!(RelEntr.shape(&[m23, Shape::SCALAR], &[]).unwrap(), m23);
        assert_eq!(RelEntr.shape(&[v3, m23], &[]).unwrap(), m23);
    }

    #[test]
    fn rel_entr_rejects_incompatible_shapes() {
        let e = RelEntr.shape(&[Shape::vector(3), Shape::vector(4)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(1));
        assert!(e.message.contains("`rel_entr`") && e.message.contains("[4]"));
    }

    #[test]
    fn rel_entr_facts() {
        let (x, y) = (arg(Sign::Nonneg), arg(Sign::Nonneg));
        assert_eq!(RelEntr.curvature(&[x, y], &[]), AtomCurvature::Convex);
        assert_eq!(RelEntr.sign(&[x, y], &[]), Sign::Unknown);
        assert_eq!(RelEntr.monotonicity(0, &[x, y], &[]), Mono::None);
        assert_eq!(RelEntr.monotonicity(1, &[x, y], &[]), Mono::Decreasing);
    }

    #[test]
    fn rel_entr_evaluates_inside_its_domain() {
        use std::f64::consts::E;
        let x = array(&[3], &[1.0, 0.0, 2.0]);
        let v = RelEntr.eval(&[&x, &Array::scalar(E)], &[]).unwrap();
        super::super::tests::assert_close(&v.data, &[-1.0, 0.0, 2.0 * (2.0 / E).ln()]);
        assert!(
            RelEntr
                .eval(&[&Array::scalar(-1.0), &Array::scalar(1.0)], &[])
                .unwrap_err()
                .contains("outside the domain")
        );
        assert!(
            RelEntr
                .eval(&[&Array::scalar(1.0), &Array::scalar(-1.0)], &[])
                .unwrap_err()
                .contains("outside the domain")
        );
    }
}

//! `sum_smallest(x, k)` = the sum of the k smallest entries of x, for a compile-time
//! integer 1 ≤ k ≤ (number of entries of x) — concave, increasing; the sign follows
//! from the entries of x. Any shape; the result is a scalar, or with `axis=` (and
//! `keepdims=`) one sum per lane, as `sum_largest`.
//!
//! Conic form: sum_smallest(x, k) = −sum_largest(−x, k), so t ≤ sum_smallest(x, k) ⇔
//! t = −(k·q + Σzᵢ) with z ≥ 0, zᵢ ≥ −xᵢ − q (the negated epigraph of sum_largest).

use super::{
    Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature, StaticKind, StaticParam,
};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct SumSmallest;

impl Atom for SumSmallest {
    fn name(&self) -> &'static str {
        "sum_smallest"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: const {
                &[StaticParam::required("k", StaticKind::Int), super::AXIS_KEEPDIMS[0], super::AXIS_KEEPDIMS[1]]
            },
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::sum_largest::k_shape("sum_smallest", args[0], statics)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Concave
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        // A sum of k entries of one sign keeps that sign.
        args[0].sign.add(args[0].sign)
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        super::sum_largest::eval_k("sum_smallest", args[0], statics, |a, b| a.total_cmp(b))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        out: Shape,
    ) -> Result<Affine, String> {
        let minus = [args[0].clone().neg()];
        Ok(super::sum_largest::SumLargest.canonicalize(c, &minus, shapes, statics, out)?.neg())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn sum_smallest_is_a_scalar() {
        let m = [Shape::matrix(3, 4)];
        assert_eq!(SumSmallest.shape(&m, &[Some(1.0)]).unwrap(), Shape::SCALAR);
        assert_eq!(SumSmallest.shape(&m, &[Some(5.0)]).unwrap(), Shape::SCALAR);
        assert_eq!(SumSmallest.shape(&m, &[Some(12.0)]).unwrap(), Shape::SCALAR);
        assert_eq!(SumSmallest.shape(&[Shape::SCALAR], &[Some(1.0)]).unwrap(), Shape::SCALAR);
    }

    #[test]
    fn sum_smallest_rejects_k_out_of_range() {
        let e = SumSmallest.shape(&[Shape::matrix(3, 4)], &[Some(13.0)]).unwrap_err();
        assert!(e.message.contains("12") && e.message.contains("[3, 4]"), "{}", e.message);
        assert!(e.message.contains("k = 13"));
        assert!(SumSmallest.shape(&[Shape::vector(4)], &[Some(0.0)]).is_err());
        assert!(SumSmallest.shape(&[Shape::vector(4)], &[Some(-1.0)]).is_err());
    }

    #[test]
    fn sum_smallest_facts() {
        let s = [Some(2.0)];
        assert_eq!(SumSmallest.curvature(&[arg(Sign::Unknown)], &s), AtomCurvature::Concave);
        for g in [Sign::Nonneg, Sign::Nonpos, Sign::Zero, Sign::Unknown] {
            assert_eq!(SumSmallest.sign(&[arg(g)], &s), g);
        }
        assert_eq!(SumSmallest.monotonicity(0, &[arg(Sign::Unknown)], &s), Mono::Increasing);
    }

    #[test]
    fn sum_smallest_evaluates() {
        let x = array(&[5], &[3.0, 1.0, 4.0, 1.0, 5.0]);
        assert_eq!(SumSmallest.eval(&[&x], &[Some(2.0)]).unwrap().data, vec![2.0]);
        assert_eq!(SumSmallest.eval(&[&x], &[Some(3.0)]).unwrap().data, vec![5.0]);
        assert!(SumSmallest.eval(&[&x], &[Some(0.0)]).is_err());
    }
}

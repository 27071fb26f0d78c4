//! `sum_largest(x, k)` = the sum of the k largest entries of x, for a compile-time
//! integer 1 ≤ k ≤ (number of entries of x) — convex, increasing; the sign follows
//! from the entries of x. Any shape; the result is a scalar.
//!
//! Conic form: sum_largest(x, k) ≤ k·q + Σzᵢ with z ≥ 0, zᵢ ≥ xᵢ − q (LP duality).

use super::{
    Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature, StaticKind, StaticParam,
};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct SumLargest;

impl Atom for SumLargest {
    fn name(&self) -> &'static str {
        "sum_largest"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: const { &[StaticParam::required("k", StaticKind::Int)] },
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let x = args[0];
        match statics[0] {
            Some(k) if (1.0..=x.size() as f64).contains(&k) => Ok(Shape::SCALAR),
            k => Err(ShapeError::new(format!(
                "`sum_largest` needs 1 <= k <= {} (the number of entries of x, shape {x}), got k = {}",
                x.size(),
                k.map_or_else(|| "nothing".to_string(), |k| k.to_string())
            ))),
        }
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Convex
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        // A sum of k entries of one sign keeps that sign.
        args[0].sign.add(args[0].sign)
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        self.shape(&[args[0].shape], statics).map_err(|e| e.message)?;
        let k = statics[0].unwrap_or(1.0) as usize;
        let mut x = args[0].data.clone();
        x.sort_by(|a, b| b.total_cmp(a));
        Ok(Array::scalar(x[..k].iter().sum()))
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
        let n = x.size;
        let k = statics[0].unwrap_or(1.0);
        let (q, z) = (c.var(1), c.var(n));
        c.nonneg(z.clone());
        c.nonneg(super::sub(z.clone().add(super::repeat(&q, n)), x.clone()));
        Ok(q.scale(k).add(super::sum_entries(&z)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn sum_largest_is_a_scalar() {
        let m = [Shape::matrix(3, 4)];
        assert_eq!(SumLargest.shape(&m, &[Some(1.0)]).unwrap(), Shape::SCALAR);
        assert_eq!(SumLargest.shape(&m, &[Some(5.0)]).unwrap(), Shape::SCALAR);
        assert_eq!(SumLargest.shape(&m, &[Some(12.0)]).unwrap(), Shape::SCALAR);
        assert_eq!(SumLargest.shape(&[Shape::SCALAR], &[Some(1.0)]).unwrap(), Shape::SCALAR);
    }

    #[test]
    fn sum_largest_rejects_k_out_of_range() {
        let e = SumLargest.shape(&[Shape::matrix(3, 4)], &[Some(13.0)]).unwrap_err();
        assert!(e.message.contains("12") && e.message.contains("[3, 4]"), "{}", e.message);
        assert!(e.message.contains("k = 13"));
        assert!(SumLargest.shape(&[Shape::vector(4)], &[Some(0.0)]).is_err());
        assert!(SumLargest.shape(&[Shape::vector(4)], &[Some(-1.0)]).is_err());
    }

    #[test]
    fn sum_largest_facts() {
        let s = [Some(2.0)];
        assert_eq!(SumLargest.curvature(&[arg(Sign::Unknown)], &s), AtomCurvature::Convex);
        for g in [Sign::Nonneg, Sign::Nonpos, Sign::Zero, Sign::Unknown] {
            assert_eq!(SumLargest.sign(&[arg(g)], &s), g);
        }
        assert_eq!(SumLargest.monotonicity(0, &[arg(Sign::Unknown)], &s), Mono::Increasing);
    }

    #[test]
    fn sum_largest_evaluates() {
        let x = array(&[5], &[3.0, 1.0, 4.0, 1.0, 5.0]);
        assert_eq!(SumLargest.eval(&[&x], &[Some(2.0)]).unwrap().data, vec![9.0]);
        assert_eq!(SumLargest.eval(&[&x], &[Some(5.0)]).unwrap().data, vec![14.0]);
        assert!(SumLargest.eval(&[&x], &[Some(6.0)]).is_err());
    }
}

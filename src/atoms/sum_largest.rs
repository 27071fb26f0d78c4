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
            statics: const {
                &[StaticParam::required("k", StaticKind::Int), super::AXIS_KEEPDIMS[0], super::AXIS_KEEPDIMS[1]]
            },
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        k_shape("sum_largest", args[0], statics)
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
        eval_k("sum_largest", args[0], statics, |a, b| b.total_cmp(a))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let k = statics[0].unwrap_or(1.0);
        super::canonicalize_lanes(c, "sum_largest", &args[0], shapes[0], &axis_keepdims(statics), |c, x, _| {
            let n = x.size;
            let (q, z) = (c.var(1), c.var(n));
            c.nonneg(z.clone());
            c.nonneg(super::sub(z.clone().add(super::repeat(&q, n)), x.clone()));
            Ok(q.scale(k).add(super::sum_entries(&z)))
        })
    }
}

/// The shape of `sum_largest`/`sum_smallest` (`name`): that of the reduction with
/// `axis`/`keepdims`, for 1 ≤ k ≤ the entries of a lane.
pub(crate) fn k_shape(name: &str, x: Shape, statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
    let rest = axis_keepdims(statics);
    let out = super::reduction_shape(name, x, &rest)?;
    // The number of entries each result entry sums k of.
    let n = x.size() / out.size().max(1);
    let what = if rest[0].is_some() { "along the axis" } else { "of x" };
    match statics[0] {
        Some(k) if (1.0..=n as f64).contains(&k) => Ok(out),
        k => Err(ShapeError::new(format!(
            "`{name}` needs 1 <= k <= {n} (the number of entries {what}, shape {x}), got k = {}",
            k.map_or_else(|| "nothing".to_string(), |k| k.to_string())
        ))),
    }
}

/// The sum of the first k entries of each lane in the order `cmp`.
pub(crate) fn eval_k(
    name: &str,
    x: &Array,
    statics: &[Option<f64>],
    cmp: impl Fn(&f64, &f64) -> std::cmp::Ordering,
) -> Result<Array, String> {
    k_shape(name, x.shape, statics).map_err(|e| e.message)?;
    let k = statics[0].unwrap_or(1.0) as usize;
    super::eval_lanes(name, x, &axis_keepdims(statics), |lane| {
        let mut v = lane.data.clone();
        v.sort_by(&cmp);
        Ok(v[..k].iter().sum())
    })
}

/// `axis` and `keepdims` after k.
fn axis_keepdims(statics: &[Option<f64>]) -> [Option<f64>; 2] {
    [super::static_at(statics, 1), super::static_at(statics, 2)]
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

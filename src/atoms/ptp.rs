//! `ptp(x)` = max(x) − min(x), the range ("peak to peak") of all entries of x;
//! `ptp(x, axis)` the range over one axis, with numpy's (and cvxpy's) meaning: for
//! X[m, n], axis 0 gives \[n\] (the range of each column), axis 1 gives \[m\]; the
//! shapes are those of `sum`, and `keepdims=True` keeps the reduced axes as 1.
//! Convex (a convex minus a concave function), nonnegative, not monotone.
//!
//! Conic form: per lane l (all entries, or one column or row) tₗ ≥ xᵢ and sₗ ≤ xᵢ for
//! its entries i; the result is t − s.

use super::{
    Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature,
};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Ptp;

impl Atom for Ptp {
    fn name(&self) -> &'static str {
        "ptp"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: &super::AXIS_KEEPDIMS,
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::reduction_shape("ptp", args[0], statics)
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
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        super::eval_lanes("ptp", args[0], statics, |lane| {
            let (lo, hi) =
                lane.data.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
            Ok(hi - lo)
        })
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let lanes = super::reduction_lanes("ptp", shapes[0], super::static_at(statics, 0)).map_err(|e| e.message)?;
        // Entry by entry: which lane it is in, and which entry of x.
        let (owner, entry): (Vec<usize>, Vec<usize>) =
            lanes.iter().enumerate().flat_map(|(l, lane)| lane.iter().map(move |&i| (l, i))).unzip();
        let x = args[0].gather(&entry);
        let (hi, lo) = (c.var(lanes.len()), c.var(lanes.len()));
        c.nonneg(super::sub(hi.gather(&owner), x.clone()));
        c.nonneg(super::sub(x, lo.gather(&owner)));
        Ok(super::sub(hi, lo))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn ptp_shapes_follow_sum() {
        let m = [Shape::matrix(2, 3)];
        assert_eq!(Ptp.shape(&m, &[None]).unwrap(), Shape::SCALAR);
        assert_eq!(Ptp.shape(&m, &[Some(0.0)]).unwrap(), Shape::vector(3));
        assert_eq!(Ptp.shape(&m, &[Some(-1.0)]).unwrap(), Shape::vector(2));
        assert!(Ptp.shape(&m, &[Some(2.0)]).unwrap_err().message.contains("`ptp`"));
        assert!(Ptp.shape(&[Shape::SCALAR], &[Some(0.0)]).is_err());
    }

    #[test]
    fn ptp_facts() {
        assert_eq!(Ptp.curvature(&[arg(Sign::Unknown)], &[None]), AtomCurvature::Convex);
        assert_eq!(Ptp.sign(&[arg(Sign::Nonpos)], &[None]), Sign::Nonneg);
        assert_eq!(Ptp.monotonicity(0, &[arg(Sign::Nonneg)], &[None]), Mono::None);
    }

    #[test]
    fn ptp_evaluates_as_numpy() {
        let x = array(&[2, 3], &[-3.0, 1.5, 0.0, 2.0, 1.0, 4.0]);
        assert_eq!(Ptp.eval(&[&x], &[None]).unwrap().data, vec![7.0]);
        assert_eq!(Ptp.eval(&[&x], &[Some(0.0)]).unwrap().data, vec![5.0, 0.5, 4.0]);
        assert_eq!(Ptp.eval(&[&x], &[Some(1.0)]).unwrap().data, vec![4.5, 3.0]);
        assert_eq!(Ptp.eval(&[&array(&[3], &[1.0, -1.0, 0.5])], &[Some(0.0)]).unwrap().data, vec![2.0]);
        assert_eq!(Ptp.eval(&[&Array::scalar(4.0)], &[None]).unwrap().data, vec![0.0]);
    }
}

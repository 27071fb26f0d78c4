//! `sum(x)` = Σ of all entries (a scalar); `sum(x, axis)` sums over one axis with
//! numpy's meaning: for X[m, n], axis 0 gives \[n\] (column sums), axis 1 gives \[m\].
//! Affine, increasing; the sign is that of the entries of x (a sum of nonnegative
//! entries is nonnegative).
//!
//! Conic form: affine: the linear map Σ (over all entries or one axis), no cones.

use super::{
    Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature,
};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Sum;

impl Atom for Sum {
    fn name(&self) -> &'static str {
        "sum"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: &super::AXIS_KEEPDIMS,
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::reduction_shape("sum", args[0], statics)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Affine
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        // Entries of one sign add up to that sign.
        args[0].sign.add(args[0].sign)
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        super::eval_lanes("sum", args[0], statics, |lane| Ok(lane.data.iter().sum()))
    }
    fn canonicalize(
        &self,
        _c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        out: Shape,
    ) -> Result<Affine, String> {
        let lanes = super::reduction_lanes("sum", shapes[0], super::static_at(statics, 0)).map_err(|e| e.message)?;
        let map: Vec<_> = lanes.iter().enumerate().flat_map(|(r, lane)| lane.iter().map(move |&i| (r, i, 1.0))).collect();
        Ok(args[0].linear_map(out.size(), &map))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn sum_axes_follow_numpy() {
        let x = [Shape::matrix(3, 4)];
        assert_eq!(Sum.shape(&x, &[None]).unwrap(), Shape::SCALAR);
        assert_eq!(Sum.shape(&x, &[Some(0.0)]).unwrap(), Shape::vector(4));
        assert_eq!(Sum.shape(&x, &[Some(1.0)]).unwrap(), Shape::vector(3));
        assert_eq!(Sum.shape(&x, &[Some(-1.0)]).unwrap(), Shape::vector(3));
        assert!(Sum.shape(&x, &[Some(2.0)]).is_err());
        assert!(Sum.shape(&[Shape::SCALAR], &[Some(0.0)]).is_err());
    }

    #[test]
    fn sum_facts() {
        for s in [Sign::Nonneg, Sign::Nonpos, Sign::Zero, Sign::Unknown] {
            assert_eq!(Sum.sign(&[arg(s)], &[None]), s);
        }
        assert_eq!(Sum.curvature(&[arg(Sign::Unknown)], &[None]), AtomCurvature::Affine);
        assert_eq!(Sum.monotonicity(0, &[arg(Sign::Unknown)], &[None]), Mono::Increasing);
    }

    #[test]
    fn sum_evaluates_over_axes() {
        let x = array(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(Sum.eval(&[&x], &[None]).unwrap().data, vec![21.0]);
        let c = Sum.eval(&[&x], &[Some(0.0)]).unwrap();
        assert_eq!((c.shape, c.data), (Shape::vector(3), vec![5.0, 7.0, 9.0]));
        let r = Sum.eval(&[&x], &[Some(1.0)]).unwrap();
        assert_eq!((r.shape, r.data), (Shape::vector(2), vec![6.0, 15.0]));
        assert_eq!(Sum.eval(&[&x], &[Some(-1.0)]).unwrap().data, vec![6.0, 15.0]);
        let v = array(&[3], &[1.0, -2.0, 4.0]);
        assert_eq!(Sum.eval(&[&v], &[Some(0.0)]).unwrap().data, vec![3.0]);
    }
}

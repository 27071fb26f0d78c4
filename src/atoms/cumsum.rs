//! `cumsum(x, axis=0)` is the cumulative sum along one axis, numpy's meaning:
//! for a vector, yᵢ = Σ_{j ≤ i} xⱼ; for X[m, n], axis 0 accumulates down each column
//! (Yᵢⱼ = Σ_{k ≤ i} Xₖⱼ) and axis 1 along each row. The shape is unchanged (a scalar
//! stays a scalar). Affine, increasing; the sign is that of the entries of x.
//!
//! Conic form: affine: the linear map of partial sums, no cones.

use super::{
    Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature, StaticKind, StaticParam,
};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Cumsum;

impl Atom for Cumsum {
    fn name(&self) -> &'static str {
        "cumsum"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: const { &[StaticParam::with_default("axis", StaticKind::Int, 0.0)] },
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::running_lanes("cumsum", "accumulates", args[0], statics[0])?;
        Ok(args[0])
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Affine
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        // Partial sums of entries of one sign keep that sign.
        args[0].sign.add(args[0].sign)
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        let lanes = super::running_lanes("cumsum", "accumulates", args[0].shape, statics[0]).map_err(|e| e.message)?;
        Ok(super::accumulate(args[0], &lanes, |a, b| a + b))
    }
    fn canonicalize(
        &self,
        _c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let lanes = super::running_lanes("cumsum", "accumulates", shapes[0], statics[0]).map_err(|e| e.message)?;
        Ok(args[0].running_sums(lanes.iter().map(|lane| lane.iter().copied())))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn cumsum_keeps_the_shape() {
        let m = [Shape::matrix(3, 4)];
        assert_eq!(Cumsum.shape(&m, &[Some(0.0)]).unwrap(), Shape::matrix(3, 4));
        assert_eq!(Cumsum.shape(&m, &[Some(1.0)]).unwrap(), Shape::matrix(3, 4));
        assert_eq!(Cumsum.shape(&m, &[Some(-2.0)]).unwrap(), Shape::matrix(3, 4));
        let v = [Shape::vector(5)];
        assert_eq!(Cumsum.shape(&v, &[Some(0.0)]).unwrap(), Shape::vector(5));
        assert_eq!(Cumsum.shape(&v, &[Some(-1.0)]).unwrap(), Shape::vector(5));
        assert_eq!(Cumsum.shape(&[Shape::SCALAR], &[Some(0.0)]).unwrap(), Shape::SCALAR);
    }

    #[test]
    fn cumsum_rejects_an_axis_out_of_range() {
        let e = Cumsum.shape(&[Shape::vector(5)], &[Some(1.0)]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(Cumsum.shape(&[Shape::matrix(3, 4)], &[Some(2.0)]).is_err());
        assert!(Cumsum.shape(&[Shape::matrix(3, 4)], &[Some(-3.0)]).is_err());
    }

    #[test]
    fn cumsum_facts() {
        for s in [Sign::Nonneg, Sign::Nonpos, Sign::Zero, Sign::Unknown] {
            assert_eq!(Cumsum.sign(&[arg(s)], &[Some(0.0)]), s);
        }
        assert_eq!(Cumsum.curvature(&[arg(Sign::Unknown)], &[Some(0.0)]), AtomCurvature::Affine);
        assert_eq!(Cumsum.monotonicity(0, &[arg(Sign::Unknown)], &[Some(0.0)]), Mono::Increasing);
    }

    #[test]
    fn cumsum_accumulates_along_the_axis() {
        let v = array(&[4], &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(Cumsum.eval(&[&v], &[Some(0.0)]).unwrap().data, vec![1.0, 3.0, 6.0, 10.0]);
        let x = array(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(Cumsum.eval(&[&x], &[Some(0.0)]).unwrap().data, vec![1.0, 2.0, 3.0, 5.0, 7.0, 9.0]);
        assert_eq!(Cumsum.eval(&[&x], &[Some(1.0)]).unwrap().data, vec![1.0, 3.0, 6.0, 4.0, 9.0, 15.0]);
        assert_eq!(Cumsum.eval(&[&x], &[Some(-1.0)]).unwrap().data, vec![1.0, 3.0, 6.0, 4.0, 9.0, 15.0]);
        assert_eq!(Cumsum.eval(&[&Array::scalar(2.0)], &[Some(0.0)]).unwrap().data, vec![2.0]);
    }
}

//! `ptp(x)` = max(x) − min(x), the range ("peak to peak") of all entries of x —
//! convex (a convex minus a concave function), nonnegative, not monotone. Any shape;
//! the result is a scalar. (cvxpy's `axis=` is not taken yet.)
//!
//! Conic form: `max`'s epigraph variable minus `min`'s hypograph variable:
//! t ≥ xᵢ, s ≤ xᵢ, result t − s.

use super::max::Max;
use super::min::Min;
use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Ptp;

impl Atom for Ptp {
    fn name(&self) -> &'static str {
        "ptp"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::scalar(args)
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
        let (hi, lo) = (Max.eval(args, statics)?, Min.eval(args, statics)?);
        Ok(Array::scalar(hi.data[0] - lo.data[0]))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        out: Shape,
    ) -> Result<Affine, String> {
        let hi = Max.canonicalize(c, args, shapes, statics, out)?;
        let lo = Min.canonicalize(c, args, shapes, statics, out)?;
        Ok(super::sub(hi, lo))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn ptp_facts() {
        assert_eq!(Ptp.shape(&[Shape::matrix(2, 3)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(Ptp.curvature(&[arg(Sign::Unknown)], &[]), AtomCurvature::Convex);
        assert_eq!(Ptp.sign(&[arg(Sign::Nonpos)], &[]), Sign::Nonneg);
        assert_eq!(Ptp.monotonicity(0, &[arg(Sign::Nonneg)], &[]), Mono::None);
    }

    #[test]
    fn ptp_evaluates() {
        assert_eq!(Ptp.eval(&[&array(&[2, 2], &[-3.0, 1.5, 0.0, 2.0])], &[]).unwrap().data, vec![5.0]);
        assert_eq!(Ptp.eval(&[&Array::scalar(4.0)], &[]).unwrap().data, vec![0.0]);
    }
}

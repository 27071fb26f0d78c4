//! `square(x)` = xᵢⱼ², elementwise — convex, nonnegative; increasing for x ≥ 0,
//! decreasing for x ≤ 0. Any shape; the result has the shape of x.
//!
//! Conic form: x² ≤ t ⇔ ‖(2x, t − 1)‖ ≤ t + 1 (a rotated second-order cone per entry).

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Square;

impl Atom for Square {
    fn name(&self) -> &'static str {
        "square"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::same_shape(args)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Convex
    }
    fn sign(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        Sign::Nonneg
    }
    fn monotonicity(&self, _i: usize, args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        super::by_sign(args[0].sign)
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        Ok(super::map(args[0], |v| v * v))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        _shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        Ok(super::square_epigraph(c, &args[0]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_keeps_the_shape() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Square.shape(&[s], &[]).unwrap(), s);
        }
    }

    #[test]
    fn square_facts() {
        let x = super::super::tests::arg(Sign::Nonpos);
        assert_eq!(Square.monotonicity(0, &[x], &[]), Mono::Decreasing);
        assert_eq!(Square.sign(&[x], &[]), Sign::Nonneg);
        let v = Array { shape: Shape::vector(2), data: vec![-3.0, 0.5] };
        assert_eq!(Square.eval(&[&v], &[]).unwrap().data, vec![9.0, 0.25]);
    }
}

//! `vec(X)` is the vector \[m·n\] of all entries of X, in row-major (C) order like
//! numpy's `ravel` (cvxpy's `vec` has defaulted to column-major order; dopt follows
//! numpy). Any shape: a vector is unchanged and a scalar becomes \[1\]. Affine,
//! increasing; the sign is that of the entries of X.
//!
//! Conic form: affine: the identity on the row-major entries, no cones.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Vec;

impl Atom for Vec {
    fn name(&self) -> &'static str {
        "vec"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["X"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        Ok(Shape::vector(args[0].size()))
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Affine
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        args[0].sign
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        Ok(Array { shape: Shape::vector(args[0].data.len()), data: args[0].data.clone() })
    }
    fn canonicalize(
        &self,
        _c: &mut ConeBuilder,
        args: &[Affine],
        _shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        Ok(args[0].clone())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn vec_flattens_every_shape() {
        assert_eq!(Vec.shape(&[Shape::matrix(3, 4)], &[]).unwrap(), Shape::vector(12));
        assert_eq!(Vec.shape(&[Shape::vector(5)], &[]).unwrap(), Shape::vector(5));
        assert_eq!(Vec.shape(&[Shape::SCALAR], &[]).unwrap(), Shape::vector(1));
    }

    #[test]
    fn vec_facts() {
        assert_eq!(Vec.sign(&[arg(Sign::Nonneg)], &[]), Sign::Nonneg);
        assert_eq!(Vec.curvature(&[arg(Sign::Unknown)], &[]), AtomCurvature::Affine);
        assert_eq!(Vec.monotonicity(0, &[arg(Sign::Unknown)], &[]), Mono::Increasing);
    }

    #[test]
    fn vec_is_row_major() {
        let x = array(&[2, 2], &[1.0, 2.0, 3.0, 4.0]);
        let v = Vec.eval(&[&x], &[]).unwrap();
        assert_eq!((v.shape, v.data), (Shape::vector(4), vec![1.0, 2.0, 3.0, 4.0]));
        assert_eq!(Vec.eval(&[&Array::scalar(5.0)], &[]).unwrap().shape, Shape::vector(1));
    }
}

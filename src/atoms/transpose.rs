//! `transpose(X)` = Xᵀ, cvxpy's `transpose` and numpy's `.T` (the same as `X.T`): a
//! matrix [m, n] becomes [n, m] with entry (j, i) = X[i, j]; a vector or scalar is
//! returned unchanged. Affine, increasing; the sign is the argument's.
//!
//! Conic form: affine: a gather of the entries in transposed order, no cones.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Transpose;

impl Atom for Transpose {
    fn name(&self) -> &'static str {
        "transpose"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["X"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        Ok(args[0].transpose())
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
        Ok(crate::ir::eval::transpose(args[0]))
    }
    fn canonicalize(
        &self,
        _c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        Ok(match *shapes[0].dims() {
            [m, n] => super::transpose(&args[0], m, n),
            _ => args[0].clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn transpose_swaps_the_axes_of_a_matrix_only() {
        assert_eq!(Transpose.shape(&[Shape::matrix(2, 3)], &[]).unwrap(), Shape::matrix(3, 2));
        assert_eq!(Transpose.shape(&[Shape::vector(4)], &[]).unwrap(), Shape::vector(4));
        assert_eq!(Transpose.shape(&[Shape::SCALAR], &[]).unwrap(), Shape::SCALAR);
    }

    #[test]
    fn transpose_facts_and_value() {
        for s in [Sign::Nonneg, Sign::Nonpos, Sign::Unknown] {
            assert_eq!(Transpose.sign(&[arg(s)], &[]), s);
            assert_eq!(Transpose.curvature(&[arg(s)], &[]), AtomCurvature::Affine);
            assert_eq!(Transpose.monotonicity(0, &[arg(s)], &[]), Mono::Increasing);
        }
        let x = array(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let t = Transpose.eval(&[&x], &[]).unwrap();
        assert_eq!((t.shape, t.data), (Shape::matrix(3, 2), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]));
    }
}

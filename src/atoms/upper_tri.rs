//! `upper_tri(X)` is the vector of the entries strictly above the diagonal of a square
//! X\[n, n\] (n ≥ 2), row by row: (X₀₁, …, X₀,ₙ₋₁, X₁₂, …), n(n − 1)/2 entries, as
//! cvxpy's `upper_tri` (which returns them as a column \[n(n − 1)/2, 1\]; here a
//! vector). Affine, increasing; the sign is that of the entries of X.
//!
//! Conic form: affine: a selection of entries, no cones.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct UpperTri;

/// The row-major indices of the strictly upper entries of an n×n matrix, in order.
fn entries(n: usize) -> Vec<usize> {
    (0..n).flat_map(|i| (i + 1..n).map(move |j| i * n + j)).collect()
}

impl Atom for UpperTri {
    fn name(&self) -> &'static str {
        "upper_tri"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["X"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let n = super::require_square("upper_tri", args, 0)?;
        if n < 2 {
            return Err(ShapeError::new("`upper_tri` of a 1×1 matrix has no entries above the diagonal").at(0));
        }
        Ok(Shape::vector(n * (n - 1) / 2))
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
        let shape = self.shape(&[args[0].shape], &[]).map_err(|e| e.message)?;
        let n = args[0].shape.dims()[0];
        Ok(Array { shape, data: entries(n).into_iter().map(|k| args[0].data[k]).collect() })
    }
    fn canonicalize(
        &self,
        _c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        Ok(args[0].gather(&entries(shapes[0].dims()[0])))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn upper_tri_shapes() {
        assert_eq!(UpperTri.shape(&[Shape::matrix(4, 4)], &[]).unwrap(), Shape::vector(6));
        assert!(UpperTri.shape(&[Shape::matrix(2, 3)], &[]).is_err());
        assert!(UpperTri.shape(&[Shape::matrix(1, 1)], &[]).is_err());
        assert!(UpperTri.shape(&[Shape::vector(4)], &[]).is_err());
    }

    #[test]
    fn upper_tri_facts_and_value() {
        assert_eq!(UpperTri.sign(&[arg(Sign::Nonpos)], &[]), Sign::Nonpos);
        // cvxpy's docstring example.
        let a: Vec<f64> = (10..26).map(f64::from).collect();
        let u = UpperTri.eval(&[&array(&[4, 4], &a)], &[]).unwrap();
        assert_eq!(u.data, vec![11.0, 12.0, 13.0, 16.0, 17.0, 21.0]);
    }
}

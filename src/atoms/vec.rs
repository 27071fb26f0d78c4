//! `vec(X)` is the vector [m·n] of all entries of X, in row-major (C) order like
//! numpy's `ravel` (cvxpy's `vec` has defaulted to column-major order; dopt follows
//! numpy). Any shape: a vector is unchanged and a scalar becomes [1]. Affine; the
//! sign follows from the entries of X.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct Vec;

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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vec_flattens_every_shape() {
        assert_eq!(Vec.shape(&[Shape::matrix(3, 4)], &[]).unwrap(), Shape::vector(12));
        assert_eq!(Vec.shape(&[Shape::vector(5)], &[]).unwrap(), Shape::vector(5));
        assert_eq!(Vec.shape(&[Shape::SCALAR], &[]).unwrap(), Shape::vector(1));
    }
}

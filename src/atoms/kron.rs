//! `kron(a, b)` is the Kronecker product: for A[p, q] and B[m, n], the block matrix
//! [p·m, q·n] whose block (i, j) is aᵢⱼ·B. Two vectors give a vector [p·m]; a
//! scalar argument just scales the other (its shape is kept); a vector mixed with a
//! matrix is taken as a row [1, n], as numpy does. Affine when one argument is
//! constant (cvxpy requires that); the sign follows the product rule.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct Kron;

impl Atom for Kron {
    fn name(&self) -> &'static str {
        "kron"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["a", "b"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let (a, b) = (args[0], args[1]);
        Ok(match (a.ndim(), b.ndim()) {
            (0, _) => b,
            (_, 0) => a,
            (1, 1) => Shape::vector(a.size() * b.size()),
            _ => {
                // numpy's atleast_2d: a vector [n] is the row [1, n].
                let rc = |s: Shape| match *s.dims() {
                    [n] => (1, n),
                    _ => s.rows_cols(),
                };
                let ((p, q), (m, n)) = (rc(a), rc(b));
                Shape::matrix(p * m, q * n)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kron_shapes_follow_numpy() {
        let k = |a, b| Kron.shape(&[a, b], &[]).unwrap();
        let (m23, m45) = (Shape::matrix(2, 3), Shape::matrix(4, 5));
        assert_eq!(k(m23, m45), Shape::matrix(8, 15));
        assert_eq!(k(Shape::vector(3), Shape::vector(4)), Shape::vector(12));
        assert_eq!(k(Shape::SCALAR, m45), m45);
        assert_eq!(k(m23, Shape::SCALAR), m23);
        assert_eq!(k(Shape::SCALAR, Shape::SCALAR), Shape::SCALAR);
        assert_eq!(k(Shape::vector(3), m45), Shape::matrix(4, 15));
        assert_eq!(k(m23, Shape::vector(4)), Shape::matrix(2, 12));
    }
}

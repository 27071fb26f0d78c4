//! `hstack(x, ...)` joins its arguments side by side, as numpy's `hstack`: when
//! every argument is a scalar or a vector, the result is the vector of all their
//! entries in order (a scalar counts as length 1), [n₁ + n₂ + ...]; when they are
//! matrices, they must all be matrices with the same number of rows m, and the
//! result is [m, n₁ + n₂ + ...]. Affine; the sign follows from the arguments.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct Hstack;

impl Atom for Hstack {
    fn name(&self) -> &'static str {
        "hstack"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: true, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let Some(first2d) = args.iter().position(|s| s.is_matrix()) else {
            return Ok(Shape::vector(args.iter().map(|s| s.size()).sum()));
        };
        let m = args[first2d].dims()[0];
        let mut cols = 0;
        for (i, s) in args.iter().enumerate() {
            if !s.is_matrix() {
                return Err(ShapeError::new(format!(
                    "`hstack` cannot join a {}-d argument (shape {s}) with matrices: \
                     argument {first2d} has shape {}",
                    s.ndim(),
                    args[first2d]
                ))
                .at(i)
                .help("make it a column with reshape(x, n, 1), or a row with reshape(x, 1, n)"));
            }
            if s.dims()[0] != m {
                return Err(ShapeError::new(format!(
                    "`hstack` needs the same number of rows in every argument: \
                     argument {first2d} has shape {}, argument {i} has shape {s}",
                    args[first2d]
                ))
                .at(i));
            }
            cols += s.dims()[1];
        }
        Ok(Shape::matrix(m, cols))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hstack_follows_numpy() {
        let v = |n| Shape::vector(n);
        assert_eq!(Hstack.shape(&[v(3)], &[]).unwrap(), v(3));
        assert_eq!(Hstack.shape(&[v(3), v(2)], &[]).unwrap(), v(5));
        assert_eq!(Hstack.shape(&[Shape::SCALAR, v(2), Shape::SCALAR], &[]).unwrap(), v(4));
        let m = [Shape::matrix(3, 2), Shape::matrix(3, 1), Shape::matrix(3, 4)];
        assert_eq!(Hstack.shape(&m, &[]).unwrap(), Shape::matrix(3, 7));
    }

    #[test]
    fn hstack_rejects_mixed_dimensions_and_row_mismatches() {
        let e = Hstack.shape(&[Shape::matrix(3, 2), Shape::vector(3)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(1));
        assert!(e.message.contains("[3]") && e.message.contains("[3, 2]"), "{}", e.message);
        let e = Hstack.shape(&[Shape::SCALAR, Shape::matrix(1, 2)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        let e = Hstack.shape(&[Shape::matrix(3, 2), Shape::matrix(4, 2)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(1));
        assert!(e.message.contains("[4, 2]") && e.message.contains("[3, 2]"));
    }
}

//! `vstack(x, ...)` stacks its arguments on top of each other, as numpy's `vstack`:
//! each argument is first seen as a matrix (a scalar as [1, 1], a vector [n] as the
//! row [1, n]); they must all have the same number of columns n, and the result is
//! [m₁ + m₂ + ..., n]. So `vstack(x, y)` of two vectors [3] is [2, 3]. Affine; the
//! sign follows from the arguments.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct Vstack;

/// numpy's `atleast_2d`: rows and columns.
fn as_rows(s: Shape) -> (usize, usize) {
    match *s.dims() {
        [] => (1, 1),
        [n] => (1, n),
        [m, n] => (m, n),
        _ => unreachable!("shapes have at most 2 axes"),
    }
}

impl Atom for Vstack {
    fn name(&self) -> &'static str {
        "vstack"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: true, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let (_, n) = as_rows(args[0]);
        let mut rows = 0;
        for (i, s) in args.iter().enumerate() {
            let (m, c) = as_rows(*s);
            if c != n {
                return Err(ShapeError::new(format!(
                    "`vstack` needs the same number of columns in every argument: \
                     argument 0 has shape {} ({n} columns), argument {i} has shape {s} \
                     ({c} columns)",
                    args[0]
                ))
                .at(i)
                .help("a vector [n] is stacked as a row [1, n]"));
            }
            rows += m;
        }
        Ok(Shape::matrix(rows, n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vstack_follows_numpy() {
        let v3 = Shape::vector(3);
        assert_eq!(Vstack.shape(&[v3, v3], &[]).unwrap(), Shape::matrix(2, 3));
        assert_eq!(Vstack.shape(&[v3], &[]).unwrap(), Shape::matrix(1, 3));
        assert_eq!(Vstack.shape(&[Shape::matrix(2, 3), v3], &[]).unwrap(), Shape::matrix(3, 3));
        let s = Shape::SCALAR;
        assert_eq!(Vstack.shape(&[s, s, Shape::vector(1)], &[]).unwrap(), Shape::matrix(3, 1));
        let m = [Shape::matrix(2, 4), Shape::matrix(5, 4)];
        assert_eq!(Vstack.shape(&m, &[]).unwrap(), Shape::matrix(7, 4));
    }

    #[test]
    fn vstack_rejects_a_column_mismatch() {
        let e = Vstack.shape(&[Shape::matrix(2, 3), Shape::vector(4)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(1));
        assert!(e.message.contains("[2, 3]") && e.message.contains("[4]"), "{}", e.message);
        let args = [Shape::vector(3), Shape::vector(3), Shape::SCALAR, Shape::vector(2)];
        assert_eq!(Vstack.shape(&args, &[]).unwrap_err().arg, Some(2));
    }
}

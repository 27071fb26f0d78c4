//! `hstack(x, ...)` joins its arguments side by side, as numpy's `hstack`: when
//! every argument is a scalar or a vector, the result is the vector of all their
//! entries in order (a scalar counts as length 1), [n₁ + n₂ + ...]; when they are
//! matrices, they must all be matrices with the same number of rows m, and the
//! result is [m, n₁ + n₂ + ...]. Affine, increasing in every argument; the sign is
//! the join of the arguments' signs.
//!
//! Conic form: affine: a gather of the stacked entries, no cones.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Hstack;

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
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Affine
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        super::joined_sign(args)
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        let shapes: std::vec::Vec<Shape> = args.iter().map(|a| a.shape).collect();
        let shape = self.shape(&shapes, &[]).map_err(|e| e.message)?;
        let data = if shape.is_matrix() {
            // Row i of the result is row i of every argument, side by side.
            let m = shape.dims()[0];
            (0..m)
                .flat_map(|i| {
                    args.iter().flat_map(move |a| {
                        let c = a.shape.dims()[1];
                        a.data[i * c..(i + 1) * c].iter().copied()
                    })
                })
                .collect()
        } else {
            args.iter().flat_map(|a| a.data.iter().copied()).collect()
        };
        Ok(Array { shape, data })
    }
    fn canonicalize(
        &self,
        _c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        _statics: &[Option<f64>],
        out: Shape,
    ) -> Result<Affine, String> {
        let all = Affine::concat(args.to_vec());
        if !out.is_matrix() {
            return Ok(all);
        }
        // Row i of the result is row i of every argument, side by side.
        let mut rows = Vec::with_capacity(out.size());
        for i in 0..out.dims()[0] {
            let mut base = 0;
            for (a, s) in args.iter().zip(shapes) {
                let cols = s.dims()[1];
                rows.extend((0..cols).map(|j| base + i * cols + j));
                base += a.size;
            }
        }
        Ok(all.gather(&rows))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
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

    #[test]
    fn hstack_facts() {
        let (p, z, n) = (arg(Sign::Nonneg), arg(Sign::Zero), arg(Sign::Nonpos));
        assert_eq!(Hstack.sign(&[p, z, p], &[]), Sign::Nonneg);
        assert_eq!(Hstack.sign(&[z, z], &[]), Sign::Zero);
        assert_eq!(Hstack.sign(&[p, n], &[]), Sign::Unknown);
        assert_eq!(Hstack.curvature(&[p, n], &[]), AtomCurvature::Affine);
        assert_eq!(Hstack.monotonicity(1, &[p, n], &[]), Mono::Increasing);
    }

    #[test]
    fn hstack_evaluates_like_numpy() {
        let v = Hstack.eval(&[&array(&[2], &[1.0, 2.0]), &Array::scalar(3.0)], &[]).unwrap();
        assert_eq!((v.shape, v.data), (Shape::vector(3), vec![1.0, 2.0, 3.0]));
        let a = array(&[2, 1], &[1.0, 2.0]);
        let b = array(&[2, 2], &[3.0, 4.0, 5.0, 6.0]);
        let m = Hstack.eval(&[&a, &b], &[]).unwrap();
        assert_eq!((m.shape, m.data), (Shape::matrix(2, 3), vec![1.0, 3.0, 4.0, 2.0, 5.0, 6.0]));
    }
}

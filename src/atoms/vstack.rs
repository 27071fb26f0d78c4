//! `vstack(x, ...)` stacks its arguments on top of each other, as numpy's `vstack`:
//! each argument is first seen as a matrix (a scalar as [1, 1], a vector \[n\] as the
//! row [1, n]); they must all have the same number of columns n, and the result is
//! [m₁ + m₂ + ..., n]. So `vstack(x, y)` of two vectors \[3\] is [2, 3]. Affine,
//! increasing in every argument; the sign is the join of the arguments' signs.
//!
//! Conic form: affine: the row-major entries one argument after another, no cones.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Vstack;

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
        // Row-major: the rows of each argument follow those of the one before.
        Ok(Array { shape, data: args.iter().flat_map(|a| a.data.iter().copied()).collect() })
    }
    fn canonicalize(
        &self,
        _c: &mut ConeBuilder,
        args: &[Affine],
        _shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        Ok(Affine::concat(args.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
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

    #[test]
    fn vstack_facts() {
        let (p, z, n) = (arg(Sign::Nonneg), arg(Sign::Zero), arg(Sign::Nonpos));
        assert_eq!(Vstack.sign(&[n, z], &[]), Sign::Nonpos);
        assert_eq!(Vstack.sign(&[p, n], &[]), Sign::Unknown);
        assert_eq!(Vstack.curvature(&[p, n], &[]), AtomCurvature::Affine);
        assert_eq!(Vstack.monotonicity(0, &[p, n], &[]), Mono::Increasing);
    }

    #[test]
    fn vstack_evaluates_like_numpy() {
        let (x, y) = (array(&[2], &[1.0, 2.0]), array(&[2], &[3.0, 4.0]));
        let m = Vstack.eval(&[&x, &y], &[]).unwrap();
        assert_eq!((m.shape, m.data), (Shape::matrix(2, 2), vec![1.0, 2.0, 3.0, 4.0]));
        let a = array(&[2, 2], &[1.0, 2.0, 3.0, 4.0]);
        let m = Vstack.eval(&[&a, &y], &[]).unwrap();
        assert_eq!((m.shape, m.at(2, 1)), (Shape::matrix(3, 2), 4.0));
        assert!(Vstack.eval(&[&a, &array(&[3], &[0.0; 3])], &[]).is_err());
    }
}

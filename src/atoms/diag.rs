//! `diag(x)` for a vector x\[n\] is the diagonal matrix [n, n] with x on its diagonal;
//! `diag(X)` for a square matrix X[n, n] is the vector \[n\] of its diagonal entries
//! (Xᵢᵢ). Affine, increasing; the sign is that of the entries of the argument (the
//! zeros off the diagonal join any sign).
//!
//! Conic form: affine: a gather of the diagonal (or a map onto it), no cones.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Diag;

impl Atom for Diag {
    fn name(&self) -> &'static str {
        "diag"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let x = args[0];
        match x.dims() {
            [n] => Ok(Shape::matrix(*n, *n)),
            [m, n] if m == n => Ok(Shape::vector(*n)),
            [_, _] => {
                Err(ShapeError::new(format!("`diag` needs a vector or a square matrix, got shape {x}"))
                    .at(0)
                    .help("diag of a non-square matrix is not supported; cvxpy also requires square"))
            }
            _ => Err(ShapeError::new(format!(
                "`diag` needs a vector or a square matrix, got a scalar (shape {x})"
            ))
            .at(0)
            .help("use the scalar itself, or reshape(x, 1) for a vector of length 1")),
        }
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Affine
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        let s = args[0].sign;
        if args[0].shape.is_vector() { s.join(Sign::Zero) } else { s }
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        let x = args[0];
        let out = self.shape(&[x.shape], &[]).map_err(|e| e.message)?;
        let n = x.shape.dims()[0];
        let data = if x.shape.is_vector() {
            let mut d = vec![0.0; n * n];
            for (i, v) in x.data.iter().enumerate() {
                d[i * n + i] = *v;
            }
            d
        } else {
            (0..n).map(|i| x.data[i * n + i]).collect()
        };
        Ok(Array { shape: out, data })
    }
    fn canonicalize(
        &self,
        _c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let n = shapes[0].dims()[0];
        Ok(if shapes[0].is_vector() {
            let map: Vec<_> = (0..n).map(|i| (i * n + i, i, 1.0)).collect();
            args[0].linear_map(n * n, &map)
        } else {
            let rows: Vec<usize> = (0..n).map(|i| i * n + i).collect();
            args[0].gather(&rows)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn diag_maps_vectors_to_matrices_and_back() {
        assert_eq!(Diag.shape(&[Shape::vector(3)], &[]).unwrap(), Shape::matrix(3, 3));
        assert_eq!(Diag.shape(&[Shape::matrix(5, 5)], &[]).unwrap(), Shape::vector(5));
        assert_eq!(Diag.shape(&[Shape::vector(1)], &[]).unwrap(), Shape::matrix(1, 1));
    }

    #[test]
    fn diag_rejects_non_square_matrices_and_scalars() {
        let e = Diag.shape(&[Shape::matrix(2, 3)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("[2, 3]"));
        assert!(e.help.is_some());
        assert!(Diag.shape(&[Shape::SCALAR], &[]).is_err());
    }

    #[test]
    fn diag_facts() {
        for s in [Sign::Nonneg, Sign::Nonpos, Sign::Zero, Sign::Unknown] {
            assert_eq!(Diag.sign(&[arg(s)], &[]), s);
        }
        assert_eq!(Diag.curvature(&[arg(Sign::Unknown)], &[]), AtomCurvature::Affine);
        assert_eq!(Diag.monotonicity(0, &[arg(Sign::Unknown)], &[]), Mono::Increasing);
    }

    #[test]
    fn diag_evaluates_both_ways() {
        let v = array(&[2], &[3.0, -1.0]);
        let m = Diag.eval(&[&v], &[]).unwrap();
        assert_eq!((m.shape, m.data.clone()), (Shape::matrix(2, 2), vec![3.0, 0.0, 0.0, -1.0]));
        let x = array(&[2, 2], &[1.0, 2.0, 3.0, 4.0]);
        let d = Diag.eval(&[&x], &[]).unwrap();
        assert_eq!((d.shape, d.data), (Shape::vector(2), vec![1.0, 4.0]));
        assert!(Diag.eval(&[&array(&[2, 3], &[0.0; 6])], &[]).is_err());
    }
}

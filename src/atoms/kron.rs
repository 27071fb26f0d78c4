//! `kron(a, b)` is the Kronecker product: for A[p, q] and B[m, n], the block matrix
//! [p·m, q·n] whose block (i, j) is aᵢⱼ·B. Two vectors give a vector [p·m]; a
//! scalar argument just scales the other (its shape is kept); a vector mixed with a
//! matrix is taken as a row [1, n], as numpy does. Affine when one argument is
//! constant (cvxpy requires that); the sign follows the product rule; increasing in
//! each argument when the other is nonnegative, decreasing when it is nonpositive.
//!
//! Conic form: affine: the bilinear map of np.kron with one constant (or parameter)
//! factor, no cones.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Kron;

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
    fn curvature(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        super::product_curvature(&args[0], &args[1])
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        args[0].sign.mul(args[1].sign)
    }
    fn monotonicity(&self, i: usize, args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        super::product_mono(&args[1 - i])
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        let (a, b) = (args[0], args[1]);
        let shape = self.shape(&[a.shape, b.shape], &[]).map_err(|e| e.message)?;
        // np.kron: a vector counts as a row; two vectors give a vector, which has the
        // same entries as the row [1, p·m].
        let rc = |s: Shape| match *s.dims() {
            [n] => (1, n),
            _ => s.rows_cols(),
        };
        let ((p, q), (m, n)) = (rc(a.shape), rc(b.shape));
        let mut data = vec![0.0; p * m * q * n];
        for i in 0..p {
            for j in 0..q {
                for k in 0..m {
                    for l in 0..n {
                        data[(i * m + k) * (q * n) + j * n + l] = a.data[i * q + j] * b.data[k * n + l];
                    }
                }
            }
        }
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
        let rc = |s: Shape| match *s.dims() {
            [n] => (1, n),
            _ => s.rows_cols(),
        };
        let ((p, q), (m, n)) = (rc(shapes[0]), rc(shapes[1]));
        let mut map = Vec::with_capacity(p * q * m * n);
        for i in 0..p {
            for j in 0..q {
                for k in 0..m {
                    for l in 0..n {
                        map.push(((i * m + k) * (q * n) + j * n + l, i * q + j, k * n + l, 1.0));
                    }
                }
            }
        }
        args[0].bilinear(&args[1], out.size(), &map)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
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

    #[test]
    fn kron_facts() {
        let (x, y) = (arg(Sign::Nonneg), arg(Sign::Unknown));
        assert_eq!(Kron.curvature(&[x, y], &[]), AtomCurvature::Neither);
        let c = ArgInfo { curvature: crate::atoms::Curvature::Constant, has_vars: false, ..x };
        assert_eq!(Kron.curvature(&[c, y], &[]), AtomCurvature::Affine);
        assert_eq!(Kron.sign(&[c, y], &[]), Sign::Unknown);
        assert_eq!(Kron.sign(&[c, arg(Sign::Nonpos)], &[]), Sign::Nonpos);
        assert_eq!(Kron.monotonicity(1, &[c, y], &[]), Mono::Increasing);
    }

    #[test]
    fn kron_evaluates_like_numpy() {
        let a = array(&[1, 2], &[1.0, 2.0]);
        let b = array(&[2, 2], &[0.0, 1.0, 1.0, 0.0]);
        let k = Kron.eval(&[&a, &b], &[]).unwrap();
        assert_eq!(k.shape, Shape::matrix(2, 4));
        assert_eq!(k.data, vec![0.0, 1.0, 0.0, 2.0, 1.0, 0.0, 2.0, 0.0]);
        let v = Kron.eval(&[&array(&[2], &[1.0, 2.0]), &array(&[2], &[3.0, 4.0])], &[]).unwrap();
        assert_eq!((v.shape, v.data), (Shape::vector(4), vec![3.0, 4.0, 6.0, 8.0]));
        let s = Kron.eval(&[&Array::scalar(2.0), &b], &[]).unwrap();
        assert_eq!((s.shape, s.data), (Shape::matrix(2, 2), vec![0.0, 2.0, 2.0, 0.0]));
        let r = Kron.eval(&[&array(&[2], &[1.0, -1.0]), &array(&[2, 1], &[1.0, 2.0])], &[]).unwrap();
        assert_eq!((r.shape, r.data), (Shape::matrix(2, 2), vec![1.0, -1.0, 2.0, -2.0]));
    }
}

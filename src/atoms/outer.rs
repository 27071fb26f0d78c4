//! `outer(x, y)` is the outer product of two vectors (scalars count as vectors of one
//! entry): for x\[m\] and y\[n\], the matrix \[m, n\] with entries xᵢ·yⱼ. Affine when
//! one argument is constant — or, for DPP, a parameter and the other free of
//! parameters — as in cvxpy; the sign follows the product rule; increasing in each
//! argument when the other is nonnegative, decreasing when it is nonpositive.
//!
//! Conic form: affine: the bilinear map xᵢ·yⱼ with one constant (or parameter) factor,
//! no cones.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Outer;

impl Atom for Outer {
    fn name(&self) -> &'static str {
        "outer"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x", "y"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        for (i, s) in args.iter().enumerate() {
            if s.is_matrix() {
                return Err(ShapeError::new(format!("`outer` needs two vectors, got shape {s}"))
                    .at(i)
                    .help("flatten a matrix with vec(X) first"));
            }
        }
        Ok(Shape::matrix(args[0].size(), args[1].size()))
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
        let shape = self.shape(&[args[0].shape, args[1].shape], &[]).map_err(|e| e.message)?;
        let data = args[0].data.iter().flat_map(|a| args[1].data.iter().map(move |b| a * b)).collect();
        Ok(Array { shape, data })
    }
    fn canonicalize(
        &self,
        _c: &mut ConeBuilder,
        args: &[Affine],
        _shapes: &[Shape],
        _statics: &[Option<f64>],
        out: Shape,
    ) -> Result<Affine, String> {
        let (m, n) = (args[0].size, args[1].size);
        let map = (0..m).flat_map(|i| (0..n).map(move |j| (i * n + j, i, j, 1.0)));
        args[0].bilinear_iter(&args[1], out.size(), map)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn outer_of_two_vectors_is_a_matrix() {
        assert_eq!(Outer.shape(&[Shape::vector(2), Shape::vector(3)], &[]).unwrap(), Shape::matrix(2, 3));
        assert_eq!(Outer.shape(&[Shape::SCALAR, Shape::vector(3)], &[]).unwrap(), Shape::matrix(1, 3));
        assert_eq!(Outer.shape(&[Shape::vector(2), Shape::matrix(2, 2)], &[]).unwrap_err().arg, Some(1));
    }

    #[test]
    fn outer_facts() {
        assert_eq!(Outer.sign(&[arg(Sign::Nonneg), arg(Sign::Nonpos)], &[]), Sign::Nonpos);
        assert_eq!(Outer.monotonicity(0, &[arg(Sign::Unknown), arg(Sign::Nonpos)], &[]), Mono::Decreasing);
        assert_eq!(Outer.curvature(&[arg(Sign::Unknown), arg(Sign::Unknown)], &[]), AtomCurvature::Neither);
    }

    #[test]
    fn outer_evaluates() {
        let o = Outer.eval(&[&array(&[2], &[1.0, -2.0]), &array(&[3], &[3.0, 0.5, 1.0])], &[]).unwrap();
        assert_eq!((o.shape, o.data), (Shape::matrix(2, 3), vec![3.0, 0.5, 1.0, -6.0, -1.0, -2.0]));
    }
}

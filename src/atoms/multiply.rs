//! `multiply(a, b)` is the elementwise (Hadamard) product aᵢⱼ·bᵢⱼ, with the two
//! shapes broadcast as in numpy. Affine when one argument is constant (DCP needs
//! that, as in cvxpy); the sign follows the product rule (e.g. nonnegative times
//! nonnegative is nonnegative); increasing in each argument when the other is
//! nonnegative, decreasing when it is nonpositive.
//!
//! Conic form: affine: the bilinear map aᵢ·bᵢ (after broadcasting) of a constant (or
//! parameter) and an expression, no cones.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::conic::broadcast_rows;
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Multiply;

impl Atom for Multiply {
    fn name(&self) -> &'static str {
        "multiply"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["a", "b"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::broadcast_args("multiply", args)
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
        super::map2(args[0], args[1], |a, b| a * b)
    }
    fn canonicalize(
        &self,
        _c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        _statics: &[Option<f64>],
        out: Shape,
    ) -> Result<Affine, String> {
        let (ra, rb) = (broadcast_rows(shapes[0], out), broadcast_rows(shapes[1], out));
        let map: Vec<_> = (0..out.size()).map(|i| (i, ra[i], rb[i], 1.0)).collect();
        args[0].bilinear(&args[1], out.size(), &map)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn multiply_broadcasts() {
        let (v3, m23) = (Shape::vector(3), Shape::matrix(2, 3));
        assert_eq!(Multiply.shape(&[v3, v3], &[]).unwrap(), v3);
        assert_eq!(Multiply.shape(&[Shape::SCALAR, m23], &[]).unwrap(), m23);
        assert_eq!(Multiply.shape(&[m23, v3], &[]).unwrap(), m23);
        assert_eq!(Multiply.shape(&[Shape::matrix(2, 1), v3], &[]).unwrap(), m23);
    }

    #[test]
    fn multiply_rejects_incompatible_shapes() {
        let e = Multiply.shape(&[Shape::vector(3), Shape::vector(4)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(1));
        assert!(e.message.contains("[3]") && e.message.contains("[4]"));
        assert!(Multiply.shape(&[Shape::matrix(2, 3), Shape::vector(2)], &[]).is_err());
    }

    #[test]
    fn multiply_facts() {
        let (x, y) = (arg(Sign::Nonneg), arg(Sign::Nonpos));
        assert_eq!(Multiply.curvature(&[x, y], &[]), AtomCurvature::Neither);
        let c = ArgInfo { curvature: crate::atoms::Curvature::Constant, has_vars: false, ..x };
        assert_eq!(Multiply.curvature(&[c, y], &[]), AtomCurvature::Affine);
        assert_eq!(Multiply.sign(&[c, y], &[]), Sign::Nonpos);
        assert_eq!(Multiply.monotonicity(1, &[c, y], &[]), Mono::Increasing);
        assert_eq!(Multiply.monotonicity(0, &[c, y], &[]), Mono::Decreasing);
        assert_eq!(Multiply.monotonicity(0, &[c, arg(Sign::Unknown)], &[]), Mono::None);
    }

    #[test]
    fn multiply_evaluates_with_broadcasting() {
        let m = array(&[2, 2], &[1.0, 2.0, 3.0, 4.0]);
        let v = array(&[2], &[10.0, -1.0]);
        assert_eq!(Multiply.eval(&[&m, &v], &[]).unwrap().data, vec![10.0, -2.0, 30.0, -4.0]);
        assert_eq!(Multiply.eval(&[&Array::scalar(2.0), &v], &[]).unwrap().data, vec![20.0, -2.0]);
    }
}

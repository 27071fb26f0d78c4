//! `vdot(x, y)` = Σᵢⱼ xᵢⱼ·yᵢⱼ, the sum of the entrywise product of two arguments of
//! one shape (cvxpy's `vdot`, also spelled `scalar_product`). Affine when one
//! argument is constant — or, for DPP, a parameter and the other free of parameters;
//! the sign follows the product rule; increasing in each argument when the other is
//! nonnegative, decreasing when it is nonpositive. The result is a scalar.
//!
//! Conic form: affine: the bilinear map Σ xᵢ·yᵢ with one constant (or parameter)
//! factor, no cones.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Vdot;

/// The shape rule of `vdot` and `scalar_product`: two arguments of one shape.
pub(crate) fn same_shapes(name: &str, args: &[Shape]) -> Result<Shape, ShapeError> {
    if args[0] == args[1] {
        Ok(Shape::SCALAR)
    } else {
        Err(ShapeError::new(format!("`{name}` needs two arguments of one shape, got {} and {}", args[0], args[1]))
            .at(1)
            .help("flatten both with vec(...) to pair the entries in row-major order"))
    }
}

impl Atom for Vdot {
    fn name(&self) -> &'static str {
        "vdot"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x", "y"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        same_shapes(self.name(), args)
    }
    fn curvature(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        super::product_curvature(&args[0], &args[1])
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        super::sum_of_products_sign(&args[0], &args[1])
    }
    fn monotonicity(&self, i: usize, args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        super::product_mono(&args[1 - i])
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        same_shapes("vdot", &[args[0].shape, args[1].shape]).map_err(|e| e.message)?;
        Ok(Array::scalar(args[0].data.iter().zip(&args[1].data).map(|(a, b)| a * b).sum()))
    }
    fn canonicalize(
        &self,
        _c: &mut ConeBuilder,
        args: &[Affine],
        _shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        args[0].bilinear_iter(&args[1], 1, (0..args[0].size).map(|i| (0, i, i, 1.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn vdot_needs_one_shape() {
        let m = Shape::matrix(2, 3);
        assert_eq!(Vdot.shape(&[m, m], &[]).unwrap(), Shape::SCALAR);
        let e = Vdot.shape(&[m, Shape::vector(6)], &[]).unwrap_err();
        assert!(e.message.contains("`vdot`") && e.arg == Some(1), "{}", e.message);
    }

    #[test]
    fn vdot_facts() {
        assert_eq!(Vdot.sign(&[arg(Sign::Nonpos), arg(Sign::Nonpos)], &[]), Sign::Nonneg);
        assert_eq!(Vdot.monotonicity(1, &[arg(Sign::Nonneg), arg(Sign::Unknown)], &[]), Mono::Increasing);
    }

    #[test]
    fn vdot_evaluates() {
        let (x, y) = (array(&[2, 2], &[1.0, 2.0, 3.0, 4.0]), array(&[2, 2], &[0.5, -1.0, 2.0, 0.25]));
        assert_eq!(Vdot.eval(&[&x, &y], &[]).unwrap().data, vec![5.5]);
    }
}

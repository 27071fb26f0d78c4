//! `prod(x)` = Πᵢ xᵢ, the product of all entries; `prod(x, axis)` the products along
//! one axis, with numpy's and cvxpy's `axis` and `keepdims` (as `sum`). A
//! geometric-program atom (cvxpy's DGP `prod`): for x > 0 it is log-log affine and
//! increasing, log prod(x) = Σ log xᵢ, which is how `dgp` writes it. It is not DCP
//! (the product of two variables is neither convex nor concave), so outside a problem
//! marked `geometric` the analysis refuses it (`dcp::check`); the facts below are
//! those of the numbers (affine only for one entry).
//!
//! Conic form: none (a geometric program replaces it before canonicalization).

use super::{ArgInfo, Atom, AtomCurvature, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Prod;

impl Atom for Prod {
    fn name(&self) -> &'static str {
        "prod"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &super::AXIS_KEEPDIMS }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::reduction_shape("prod", args[0], statics)
    }
    fn curvature(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        if args[0].shape.size() == 1 { AtomCurvature::Affine } else { AtomCurvature::Neither }
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        match args[0].sign {
            Sign::Nonneg => Sign::Nonneg,
            Sign::Zero => Sign::Zero,
            _ => Sign::Unknown,
        }
    }
    fn monotonicity(&self, _i: usize, args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        // Increasing in each entry while the other entries are nonnegative.
        if matches!(args[0].sign, Sign::Nonneg | Sign::Zero) || args[0].shape.size() == 1 {
            Mono::Increasing
        } else {
            Mono::None
        }
    }
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        super::eval_lanes("prod", args[0], statics, |lane| Ok(lane.data.iter().product()))
    }
    geometric_only_atom!("prod");
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array, assert_close};
    use super::*;

    #[test]
    fn prod_reduces_like_sum() {
        let x = [Shape::matrix(2, 3)];
        assert_eq!(Prod.shape(&x, &[None, None]).unwrap(), Shape::SCALAR);
        assert_eq!(Prod.shape(&x, &[Some(0.0), None]).unwrap(), Shape::vector(3));
        assert_eq!(Prod.shape(&x, &[Some(1.0), Some(1.0)]).unwrap(), Shape::matrix(2, 1));
        let v = array(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_close(&Prod.eval(&[&v], &[None, None]).unwrap().data, &[720.0]);
        assert_close(&Prod.eval(&[&v], &[Some(0.0), None]).unwrap().data, &[4.0, 10.0, 18.0]);
        assert_close(&Prod.eval(&[&v], &[Some(1.0), None]).unwrap().data, &[6.0, 120.0]);
        assert_eq!(Prod.monotonicity(0, &[arg(Sign::Nonneg)], &[None, None]), Mono::Increasing);
        assert!(Prod.geometric_only());
    }
}

//! `lambda_max(X)` = λ_max(X), the largest eigenvalue of a symmetric matrix X[n, n]
//! (domain X = Xᵀ) — convex, not monotone; the sign is unknown. The result is a
//! scalar. A non-symmetric X is outside the domain: the conic form adds X = Xᵀ
//! (`Canon::symmetric`) and a constant one is not evaluated.
//!
//! Conic form: λ_max(X) ≤ t ⇔ t·I − X ⪰ 0, with X = Xᵀ.

use super::{Affine, ArgInfo, Atom, AtomCurvature, Canon, Mono, ShapeError, Sign, Signature};
use crate::ir::hir::Array;
use crate::ir::shape::Shape;
use crate::linalg;

pub(crate) struct LambdaMax;

impl Atom for LambdaMax {
    fn name(&self) -> &'static str {
        "lambda_max"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["X"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::require_square("lambda_max", args, 0)?;
        Ok(Shape::SCALAR)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Convex
    }
    fn sign(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        Sign::Unknown
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::None
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        super::require_symmetric("lambda_max", args[0])?;
        Ok(Array::scalar(linalg::sym_eigvals(args[0]).last().copied().unwrap_or(f64::NAN)))
    }
    fn canonicalize(
        &self,
        c: &mut Canon,
        args: &[Affine],
        shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let n = shapes[0].dims()[0];
        let t = c.var(1);
        c.symmetric(&args[0], n);
        c.psd(&super::sub(super::scaled_identity(&t, n), args[0].clone()), n);
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn lambda_max_of_a_square_matrix_is_a_scalar() {
        assert_eq!(LambdaMax.shape(&[Shape::matrix(4, 4)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(LambdaMax.shape(&[Shape::matrix(1, 1)], &[]).unwrap(), Shape::SCALAR);
    }

    #[test]
    fn lambda_max_rejects_non_square_arguments() {
        let e = LambdaMax.shape(&[Shape::matrix(3, 4)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("`lambda_max`") && e.message.contains("[3, 4]"));
        assert!(LambdaMax.shape(&[Shape::vector(3)], &[]).is_err());
        assert!(LambdaMax.shape(&[Shape::SCALAR], &[]).is_err());
    }

    #[test]
    fn lambda_max_facts() {
        for s in [Sign::Nonneg, Sign::Unknown] {
            assert_eq!(LambdaMax.curvature(&[arg(s)], &[]), AtomCurvature::Convex);
            assert_eq!(LambdaMax.sign(&[arg(s)], &[]), Sign::Unknown);
            assert_eq!(LambdaMax.monotonicity(0, &[arg(s)], &[]), Mono::None);
        }
    }

    #[test]
    fn lambda_max_evaluates() {
        use super::super::tests::assert_close;
        let x = array(&[2, 2], &[2.0, 1.0, 1.0, 2.0]);
        assert_close(&LambdaMax.eval(&[&x], &[]).unwrap().data, &[3.0]);
        let y = array(&[2, 2], &[1.0, 2.0, 0.0, 1.0]);
        // [[1, 2], [0, 1]] is not symmetric: outside the domain, not its symmetric part.
        let e = LambdaMax.eval(&[&y], &[]).unwrap_err();
        assert!(e.contains("symmetric matrices only"), "{e}");
    }
}

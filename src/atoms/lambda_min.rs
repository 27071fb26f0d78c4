//! `lambda_min(X)` = λ_min(X), the smallest eigenvalue of a symmetric matrix X[n, n]
//! (domain X = Xᵀ) — concave, not monotone; the sign is unknown. The result is a
//! scalar. A non-symmetric X is outside the domain: the conic form adds X = Xᵀ
//! (`Canon::symmetric`) and a constant one is not evaluated.
//!
//! Conic form: t ≤ λ_min(X) ⇔ X − t·I ⪰ 0, with X = Xᵀ.

use super::{Affine, ArgInfo, Atom, AtomCurvature, Canon, Mono, ShapeError, Sign, Signature};
use crate::ir::hir::Array;
use crate::ir::shape::Shape;
use crate::linalg;

pub(crate) struct LambdaMin;

impl Atom for LambdaMin {
    fn name(&self) -> &'static str {
        "lambda_min"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["X"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::require_square("lambda_min", args, 0)?;
        Ok(Shape::SCALAR)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Concave
    }
    fn sign(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        Sign::Unknown
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::None
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        super::require_symmetric("lambda_min", args[0])?;
        Ok(Array::scalar(linalg::sym_eigvals(args[0]).first().copied().unwrap_or(f64::NAN)))
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
        c.psd(&super::sub(args[0].clone(), super::scaled_identity(&t, n)), n);
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn lambda_min_of_a_square_matrix_is_a_scalar() {
        assert_eq!(LambdaMin.shape(&[Shape::matrix(4, 4)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(LambdaMin.shape(&[Shape::matrix(1, 1)], &[]).unwrap(), Shape::SCALAR);
    }

    #[test]
    fn lambda_min_rejects_non_square_arguments() {
        let e = LambdaMin.shape(&[Shape::matrix(3, 4)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("`lambda_min`") && e.message.contains("[3, 4]"));
        assert!(LambdaMin.shape(&[Shape::vector(3)], &[]).is_err());
        assert!(LambdaMin.shape(&[Shape::SCALAR], &[]).is_err());
    }

    #[test]
    fn lambda_min_facts() {
        for s in [Sign::Nonneg, Sign::Unknown] {
            assert_eq!(LambdaMin.curvature(&[arg(s)], &[]), AtomCurvature::Concave);
            assert_eq!(LambdaMin.sign(&[arg(s)], &[]), Sign::Unknown);
            assert_eq!(LambdaMin.monotonicity(0, &[arg(s)], &[]), Mono::None);
        }
    }

    #[test]
    fn lambda_min_evaluates() {
        use super::super::tests::assert_close;
        let x = array(&[2, 2], &[2.0, 1.0, 1.0, 2.0]);
        assert_close(&LambdaMin.eval(&[&x], &[]).unwrap().data, &[1.0]);
        let y = array(&[2, 2], &[1.0, 2.0, 0.0, 1.0]);
        // [[1, 2], [0, 1]] is not symmetric: outside the domain, not its symmetric part.
        let e = LambdaMin.eval(&[&y], &[]).unwrap_err();
        assert!(e.contains("symmetric matrices only"), "{e}");
    }
}

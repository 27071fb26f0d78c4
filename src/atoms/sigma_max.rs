//! `sigma_max(X)` = σ_max(X), the largest singular value of a matrix X[m, n] (the
//! spectral norm) — convex, nonnegative, not monotone. The result is a scalar.
//!
//! Conic form: σ_max(X) ≤ t ⇔ [[t·I_m, X], [Xᵀ, t·I_n]] ⪰ 0.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;
use crate::linalg;

pub(crate) struct SigmaMax;

impl Atom for SigmaMax {
    fn name(&self) -> &'static str {
        "sigma_max"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["X"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let x = args[0];
        if x.is_matrix() {
            Ok(Shape::SCALAR)
        } else {
            Err(ShapeError::new(format!("`sigma_max` needs a matrix (2-d) argument, got shape {x}"))
                .at(0)
                .help("use norm2 for a vector"))
        }
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Convex
    }
    fn sign(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        Sign::Nonneg
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::None
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        Ok(Array::scalar(linalg::singular_values(args[0]).first().copied().unwrap_or(0.0)))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let x = &args[0];
        let (m, n) = shapes[0].rows_cols();
        let t = c.var(1);
        let (tm, tn, xt) =
            (super::scaled_identity(&t, m), super::scaled_identity(&t, n), super::transpose(x, m, n));
        let k = m + n;
        let big = super::block_matrix(
            k,
            k,
            &[(&tm, m, m, 0, 0), (x, m, n, 0, m), (&xt, n, m, m, 0), (&tn, n, n, m, m)],
        );
        c.psd(&big, k);
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn sigma_max_of_a_matrix_is_a_scalar() {
        assert_eq!(SigmaMax.shape(&[Shape::matrix(3, 5)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(SigmaMax.shape(&[Shape::matrix(4, 4)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(SigmaMax.shape(&[Shape::matrix(4, 1)], &[]).unwrap(), Shape::SCALAR);
    }

    #[test]
    fn sigma_max_rejects_vectors_and_scalars() {
        let e = SigmaMax.shape(&[Shape::vector(3)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("`sigma_max`") && e.message.contains("[3]"));
        assert_eq!(e.help.as_deref(), Some("use norm2 for a vector"));
        assert!(SigmaMax.shape(&[Shape::SCALAR], &[]).is_err());
    }

    #[test]
    fn sigma_max_facts() {
        for s in [Sign::Nonneg, Sign::Unknown] {
            assert_eq!(SigmaMax.curvature(&[arg(s)], &[]), AtomCurvature::Convex);
            assert_eq!(SigmaMax.sign(&[arg(s)], &[]), Sign::Nonneg);
            assert_eq!(SigmaMax.monotonicity(0, &[arg(s)], &[]), Mono::None);
        }
    }

    #[test]
    fn sigma_max_evaluates() {
        use super::super::tests::assert_close;
        let x = array(&[2, 3], &[3.0, 0.0, 0.0, 0.0, -4.0, 0.0]);
        assert_close(&SigmaMax.eval(&[&x], &[]).unwrap().data, &[4.0]);
        let y = array(&[2, 2], &[1.0, 1.0, 1.0, 1.0]);
        assert_close(&SigmaMax.eval(&[&y], &[]).unwrap().data, &[2.0]);
    }
}

//! `norm_nuc(X)` = Σᵢ σᵢ(X), the sum of the singular values of a matrix X[m, n] (the
//! nuclear norm) — convex, nonnegative, not monotone. The result is a scalar.
//!
//! Conic form: ‖X‖_* ≤ t ⇔ [[U, X], [Xᵀ, V]] ⪰ 0 and (tr U + tr V)/2 ≤ t for some
//! symmetric U, V.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;
use crate::linalg;

pub(crate) struct NormNuc;

impl Atom for NormNuc {
    fn name(&self) -> &'static str {
        "norm_nuc"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["X"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let x = args[0];
        if x.is_matrix() {
            Ok(Shape::SCALAR)
        } else {
            Err(ShapeError::new(format!("`norm_nuc` needs a matrix (2-d) argument, got shape {x}"))
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
        Ok(Array::scalar(linalg::singular_values(args[0]).iter().sum()))
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
        let (u, v) = (super::symmetric_var(c, m), super::symmetric_var(c, n));
        let xt = super::transpose(x, m, n);
        let k = m + n;
        let big = super::block_matrix(
            k,
            k,
            &[(&u, m, m, 0, 0), (x, m, n, 0, m), (&xt, n, m, m, 0), (&v, n, n, m, m)],
        );
        c.psd(&big, k);
        let half_trace = |e: &Affine, d: usize| {
            let map: Vec<_> = (0..d).map(|i| (0, i * d + i, 0.5)).collect();
            e.linear_map(1, &map)
        };
        Ok(half_trace(&u, m).add(half_trace(&v, n)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn norm_nuc_of_a_matrix_is_a_scalar() {
        assert_eq!(NormNuc.shape(&[Shape::matrix(3, 5)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(NormNuc.shape(&[Shape::matrix(4, 4)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(NormNuc.shape(&[Shape::matrix(4, 1)], &[]).unwrap(), Shape::SCALAR);
    }

    #[test]
    fn norm_nuc_rejects_vectors_and_scalars() {
        let e = NormNuc.shape(&[Shape::vector(3)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("`norm_nuc`") && e.message.contains("[3]"));
        assert_eq!(e.help.as_deref(), Some("use norm2 for a vector"));
        assert!(NormNuc.shape(&[Shape::SCALAR], &[]).is_err());
    }

    #[test]
    fn norm_nuc_facts() {
        for s in [Sign::Nonneg, Sign::Unknown] {
            assert_eq!(NormNuc.curvature(&[arg(s)], &[]), AtomCurvature::Convex);
            assert_eq!(NormNuc.sign(&[arg(s)], &[]), Sign::Nonneg);
            assert_eq!(NormNuc.monotonicity(0, &[arg(s)], &[]), Mono::None);
        }
    }

    #[test]
    fn norm_nuc_evaluates() {
        use super::super::tests::assert_close;
        let x = array(&[2, 3], &[3.0, 0.0, 0.0, 0.0, 4.0, 0.0]);
        assert_close(&NormNuc.eval(&[&x], &[]).unwrap().data, &[7.0]);
        let y = array(&[2, 2], &[1.0, 1.0, 1.0, 1.0]);
        assert_close(&NormNuc.eval(&[&y], &[]).unwrap().data, &[2.0]);
    }
}

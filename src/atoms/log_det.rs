//! `log_det(X)` = log det X for a symmetric positive definite matrix X[n, n] (domain
//! X = Xᵀ ≻ 0) — concave, not monotone; the sign is unknown. The result is a
//! scalar. A non-symmetric X is outside the domain: the conic form adds X = Xᵀ
//! (`Canon::symmetric`) and a constant one is not evaluated.
//!
//! Conic form: t ≤ log det X ⇔ [[X, Z], [Zᵀ, diag(Z)]] ⪰ 0 with Z lower triangular,
//! t ≤ Σuᵢ and (uᵢ, 1, Zᵢᵢ) ∈ K_exp (uᵢ ≤ log Zᵢᵢ), with X = Xᵀ.

use super::{Affine, ArgInfo, Atom, AtomCurvature, Canon, Mono, ShapeError, Sign, Signature};
use crate::ir::hir::Array;
use crate::ir::shape::Shape;
use crate::linalg;

pub(crate) struct LogDet;

impl Atom for LogDet {
    fn name(&self) -> &'static str {
        "log_det"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["X"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::require_square("log_det", args, 0)?;
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
        super::require_symmetric("log_det", args[0])?;
        let eig = linalg::sym_eigvals(args[0]);
        match eig.iter().find(|l| l.is_nan() || **l <= 0.0) {
            Some(l) => Err(format!(
                "a matrix with eigenvalue {l} is outside the domain (log_det needs a positive definite X)"
            )),
            None => Ok(Array::scalar(eig.iter().map(|l| l.ln()).sum())),
        }
    }
    fn canonicalize(
        &self,
        c: &mut Canon,
        args: &[Affine],
        shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let x = &args[0];
        let n = shapes[0].dims()[0];
        c.symmetric(x, n);
        // Z: one variable per entry on and below the diagonal, zeros above.
        let zv = c.var(n * (n + 1) / 2);
        let mut map = Vec::with_capacity(n * (n + 1) / 2);
        let mut diag = Vec::with_capacity(n);
        let mut k = 0;
        for i in 0..n {
            for j in 0..=i {
                map.push((i * n + j, k, 1.0));
                if i == j {
                    diag.push(k);
                }
                k += 1;
            }
        }
        let z = zv.linear_map(n * n, &map);
        let zd = zv.gather(&diag);
        let dmat: Vec<_> = (0..n).map(|i| (i * n + i, i, 1.0)).collect();
        let d = zd.linear_map(n * n, &dmat);
        let zt = super::transpose(&z, n, n);
        let big = super::block_matrix(
            2 * n,
            2 * n,
            &[(x, n, n, 0, 0), (&z, n, n, 0, n), (&zt, n, n, n, 0), (&d, n, n, n, n)],
        );
        c.psd(&big, 2 * n);
        let u = c.var(n);
        c.exp_cones(&u, &super::filled(n, 1.0), &zd);
        Ok(super::sum_entries(&u))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn log_det_of_a_square_matrix_is_a_scalar() {
        assert_eq!(LogDet.shape(&[Shape::matrix(4, 4)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(LogDet.shape(&[Shape::matrix(1, 1)], &[]).unwrap(), Shape::SCALAR);
    }

    #[test]
    fn log_det_rejects_non_square_arguments() {
        let e = LogDet.shape(&[Shape::matrix(3, 4)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("`log_det`") && e.message.contains("[3, 4]"));
        assert!(LogDet.shape(&[Shape::vector(3)], &[]).is_err());
        assert!(LogDet.shape(&[Shape::SCALAR], &[]).is_err());
    }

    #[test]
    fn log_det_facts() {
        for s in [Sign::Nonneg, Sign::Unknown] {
            assert_eq!(LogDet.curvature(&[arg(s)], &[]), AtomCurvature::Concave);
            assert_eq!(LogDet.sign(&[arg(s)], &[]), Sign::Unknown);
            assert_eq!(LogDet.monotonicity(0, &[arg(s)], &[]), Mono::None);
        }
    }

    #[test]
    fn log_det_evaluates_inside_its_domain() {
        use super::super::tests::assert_close;
        let x = array(&[2, 2], &[2.0, 1.0, 1.0, 2.0]);
        assert_close(&LogDet.eval(&[&x], &[]).unwrap().data, &[3f64.ln()]);
        let e = LogDet.eval(&[&array(&[2, 2], &[1.0, 2.0, 2.0, 1.0])], &[]).unwrap_err();
        assert!(e.contains("outside the domain"), "{e}");
        assert!(LogDet.eval(&[&array(&[2, 2], &[1.0, 0.0, 0.0, 0.0])], &[]).is_err());
        // det [[1, 1], [0, 1]] = 1, but it is not symmetric: outside the domain.
        let e = LogDet.eval(&[&array(&[2, 2], &[1.0, 1.0, 0.0, 1.0])], &[]).unwrap_err();
        assert!(e.contains("symmetric matrices only"), "{e}");
    }
}

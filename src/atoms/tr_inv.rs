//! `tr_inv(X)`, cvxpy's trace of the inverse, tr(X⁻¹) = Σᵢ 1/λᵢ(X), of a symmetric
//! positive definite X\[n, n\] (the domain; X = Xᵀ is part of the form). Convex,
//! nonnegative (positive on its domain), not monotone as cvxpy declares it (it
//! decreases in the semidefinite order, which DCP does not use). The result is a
//! scalar.
//!
//! Conic form (exact, one Schur complement): f ≤ trace(U) for U\[n, n\] symmetric with
//! [[X, I], [I, U]] ⪰ 0 (for X ≻ 0 that is U ⪰ X⁻¹, whose least trace is tr(X⁻¹)),
//! with X = Xᵀ: one PSD cone of order 2n, where cvxpy uses n cones of order n + 1.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct TrInv;

impl Atom for TrInv {
    fn name(&self) -> &'static str {
        "tr_inv"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["X"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::require_square("tr_inv", args, 0)?;
        Ok(Shape::SCALAR)
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
        let eigs = super::definite_eigvals("tr_inv", "X", args[0], true)?;
        Ok(Array::scalar(eigs.iter().map(|l| 1.0 / l).sum()))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let n = shapes[0].dims()[0];
        let x = &args[0];
        let u = super::symmetric_var(c, n);
        let eye = super::scaled_identity(&super::filled(1, 1.0), n);
        let m = super::block_matrix(2 * n, 2 * n, &[(x, n, n, 0, 0), (&eye, n, n, 0, n), (&eye, n, n, n, 0), (&u, n, n, n, n)]);
        c.symmetric(x, n);
        c.psd(&m, 2 * n);
        let diag: Vec<_> = (0..n).map(|i| (0, i * n + i, 1.0)).collect();
        Ok(u.linear_map(1, &diag))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array, assert_close};
    use super::*;

    #[test]
    fn tr_inv_of_a_diagonal_is_the_sum_of_reciprocals() {
        assert_eq!(TrInv.curvature(&[arg(Sign::Unknown)], &[]), AtomCurvature::Convex);
        assert_eq!(TrInv.sign(&[arg(Sign::Unknown)], &[]), Sign::Nonneg);
        assert_eq!(TrInv.shape(&[Shape::matrix(2, 3)], &[]).unwrap_err().arg, Some(0));
        assert!(TrInv.shape(&[Shape::vector(3)], &[]).is_err());
        let d = array(&[3, 3], &[2.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 4.0]);
        assert_close(&TrInv.eval(&[&d], &[]).unwrap().data, &[0.5 + 2.0 + 0.25]);
        // [[2, 1], [1, 2]]: eigenvalues 3 and 1.
        assert_close(&TrInv.eval(&[&array(&[2, 2], &[2.0, 1.0, 1.0, 2.0])], &[]).unwrap().data, &[4.0 / 3.0]);
        let e = TrInv.eval(&[&array(&[2, 2], &[1.0, 1.0, 1.0, 1.0])], &[]).unwrap_err();
        assert!(e.contains("positive definite"), "{e}");
    }
}

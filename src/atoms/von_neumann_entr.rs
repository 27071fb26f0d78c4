//! `von_neumann_entr(X)`, the von Neumann entropy −tr(X log X) = Σᵢ entr(λᵢ(X)) of a
//! symmetric positive semidefinite X\[n, n\] (the domain; X = Xᵀ is part of the form),
//! as cvxpy's for real X (cvxpy's `quad_approx` concerns complex matrices only).
//! Concave, not monotone; the sign is unknown; the result is a scalar.
//!
//! Conic form (exact, by majorization): Σ entr is concave and symmetric, hence
//! Schur-concave: λ ≺ z implies Σ entr(z) ≤ Σ entr(λ). The hypograph is t ≤ Σᵢ sᵢ with
//! (sᵢ, zᵢ, 1) ∈ K_exp (sᵢ ≤ entr(zᵢ)), Σ zᵢ = trace(X), and for k = 1, …, n − 1
//! `lambda_sum_largest`(X, k) ≤ z₁ + … + z_k (through its PSD form), with X = Xᵀ.
//! Those make λ(X) ≺ z (the k largest of z sum to at least z₁ + … + z_k), so every
//! feasible t is at most the entropy, and z = λ(X) in decreasing order reaches it. As
//! z ≥ 0 and λ ≺ z, X ⪰ 0 follows. (cvxpy also orders z; the bound needs no order.)

use super::lambda_sum_largest::top_sum_bound;
use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct VonNeumannEntr;

impl Atom for VonNeumannEntr {
    fn name(&self) -> &'static str {
        "von_neumann_entr"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["X"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::require_square("von_neumann_entr", args, 0)?;
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
        let eigs = super::definite_eigvals("von_neumann_entr", "X", args[0], false)?;
        Ok(Array::scalar(eigs.iter().map(|&l| if l <= 0.0 { 0.0 } else { -l * l.ln() }).sum()))
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
        c.symmetric(x, n);
        let (z, s) = (c.var(n), c.var(n));
        c.exp_cones(&s, &z, &super::filled(n, 1.0));
        let trace: Vec<_> = (0..n).map(|i| (0, i * n + i, 1.0)).collect();
        c.zero(super::sub(x.linear_map(1, &trace), super::sum_entries(&z)));
        for k in 1..n {
            let top = top_sum_bound(c, x, n, k as f64);
            let head: Vec<usize> = (0..k).collect();
            c.nonneg(super::sub(super::sum_entries(&z.gather(&head)), top));
        }
        Ok(super::sum_entries(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array, assert_close};
    use super::*;

    #[test]
    fn von_neumann_entr_is_the_entropy_of_the_eigenvalues() {
        assert_eq!(VonNeumannEntr.curvature(&[arg(Sign::Nonneg)], &[]), AtomCurvature::Concave);
        assert_eq!(VonNeumannEntr.sign(&[arg(Sign::Nonneg)], &[]), Sign::Unknown);
        assert_eq!(VonNeumannEntr.shape(&[Shape::matrix(2, 3)], &[]).unwrap_err().arg, Some(0));
        // A diagonal matrix: Σ entr of the diagonal.
        let d = array(&[3, 3], &[0.5, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0]);
        let want = -0.5 * 0.5f64.ln() - 2.0 * 2.0f64.ln();
        assert_close(&VonNeumannEntr.eval(&[&d], &[]).unwrap().data, &[want]);
        // [[1, 1], [1, 1]]/2 is a projection: eigenvalues 1 and 0, entropy 0.
        assert_close(&VonNeumannEntr.eval(&[&array(&[2, 2], &[0.5, 0.5, 0.5, 0.5])], &[]).unwrap().data, &[0.0]);
        // [[2, 1], [1, 2]]: eigenvalues 3 and 1.
        let m = array(&[2, 2], &[2.0, 1.0, 1.0, 2.0]);
        assert_close(&VonNeumannEntr.eval(&[&m], &[]).unwrap().data, &[-3.0 * 3f64.ln()]);
        let e = VonNeumannEntr.eval(&[&array(&[2, 2], &[1.0, 0.0, 0.0, -1.0])], &[]).unwrap_err();
        assert!(e.contains("positive semidefinite"), "{e}");
    }
}

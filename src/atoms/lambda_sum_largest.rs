//! `lambda_sum_largest(X, k)`, the sum of the k largest eigenvalues of a symmetric
//! matrix X[n, n] (domain X = Xᵀ), as cvxpy's: k is a real number with 0 < k ≤ n, and a
//! fractional k adds that fraction of the next eigenvalue (λ₁ + … + λ_⌊k⌋ +
//! (k − ⌊k⌋)·λ_⌊k⌋₊₁, eigenvalues in decreasing order). Convex, not monotone; the sign
//! is unknown; the result is a scalar. k = 1 is `lambda_max`. A non-symmetric X is
//! outside the domain: the conic form adds X = Xᵀ, and a constant one is not evaluated.
//!
//! Conic form (exact): f(X) = min over t, Z of k·t + trace(Z) subject to Z ⪰ 0 and
//! Z − X + t·I ⪰ 0 (for each t the best Z is (X − t·I)₊, so the minimum over t is
//! k·t + Σᵢ (λᵢ − t)₊, the fractional top-k sum); the epigraph variable is that affine
//! expression itself, with X = Xᵀ.

use super::{
    Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature, StaticKind,
    StaticParam,
};
use crate::ir::array::Array;
use crate::ir::shape::Shape;
use crate::linalg;

/// `lambda_sum_largest` (`largest`) or `lambda_sum_smallest`, which is −f(−X, k): one
/// type, so that the two share every fact but the curvature.
pub(crate) struct LambdaSum {
    largest: bool,
}

/// `lambda_sum_largest`, registered under this name (a unit value, as other atoms).
#[allow(non_upper_case_globals)]
pub(crate) const LambdaSumLargest: LambdaSum = LambdaSum { largest: true };
/// `lambda_sum_smallest` (registered from its own module).
#[allow(non_upper_case_globals)]
pub(crate) const LambdaSumSmallest: LambdaSum = LambdaSum { largest: false };

/// The shape rule of `lambda_sum_largest` and `lambda_sum_smallest`: square X, 0 < k ≤ n.
fn shape_of(name: &str, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
    let n = super::require_square(name, args, 0)?;
    let k = statics[0].unwrap_or(f64::NAN);
    if !(k > 0.0 && k <= n as f64) {
        return Err(ShapeError::new(format!(
            "`k` of `{name}` must lie in 0 < k ≤ {n} (X is [{n}, {n}]), got {k}"
        ))
        .help(format!("k counts eigenvalues: at most the {n} that X has (a fraction takes part of the next one)")));
    }
    Ok(Shape::SCALAR)
}

/// The fractional sum of the k largest of `eigs` (given in increasing order).
fn top_sum(eigs: &[f64], k: f64) -> f64 {
    eigs.iter().rev().enumerate().map(|(i, &l)| (k - i as f64).clamp(0.0, 1.0) * l).sum()
}

/// k·t + trace(Z) with Z ⪰ 0 and Z − X + t·I ⪰ 0 (X = Xᵀ), whose minimum over t and Z
/// is the sum of the k largest eigenvalues of X[n, n].
fn top_sum_form(c: &mut ConeBuilder, x: &Affine, n: usize, k: f64) -> Affine {
    c.symmetric(x, n);
    top_sum_bound(c, x, n, k)
}

/// [`top_sum_form`] without X = Xᵀ, for a caller that adds it once for several k
/// (`von_neumann_entr`): an upper bound of the fractional top-k eigenvalue sum of the
/// symmetric part of X, reaching it.
pub(crate) fn top_sum_bound(c: &mut ConeBuilder, x: &Affine, n: usize, k: f64) -> Affine {
    let t = c.var(1);
    let z = super::symmetric_var(c, n);
    c.psd(&z, n);
    c.psd(&super::sub(z.clone(), x.clone()).add(super::scaled_identity(&t, n)), n);
    let diag: Vec<_> = (0..n).map(|i| (0, i * n + i, 1.0)).collect();
    t.scale(k).add(z.linear_map(1, &diag))
}

impl Atom for LambdaSum {
    fn name(&self) -> &'static str {
        if self.largest { "lambda_sum_largest" } else { "lambda_sum_smallest" }
    }
    fn signature(&self) -> Signature {
        Signature { args: &["X"], variadic: false, statics: const { &[StaticParam::required("k", StaticKind::Real)] } }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        shape_of(self.name(), args, statics)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        if self.largest { AtomCurvature::Convex } else { AtomCurvature::Concave }
    }
    fn sign(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        Sign::Unknown
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::None
    }
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        super::require_symmetric(self.name(), args[0])?;
        let k = statics[0].unwrap_or(f64::NAN);
        let eigs = linalg::sym_eigvals(args[0]);
        Ok(Array::scalar(if self.largest {
            top_sum(&eigs, k)
        } else {
            let neg: Vec<f64> = eigs.iter().rev().map(|l| -l).collect();
            -top_sum(&neg, k)
        }))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let k = statics[0].ok_or_else(|| format!("`{}` needs k", self.name()))?;
        let n = shapes[0].dims()[0];
        Ok(if self.largest {
            top_sum_form(c, &args[0], n, k)
        } else {
            top_sum_form(c, &args[0].clone().neg(), n, k).neg()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array, assert_close};
    use super::*;

    #[test]
    fn lambda_sum_largest_takes_a_square_matrix_and_k_up_to_n() {
        let m = Shape::matrix(3, 3);
        assert_eq!(LambdaSumLargest.shape(&[m], &[Some(2.0)]).unwrap(), Shape::SCALAR);
        assert_eq!(LambdaSumLargest.shape(&[m], &[Some(3.0)]).unwrap(), Shape::SCALAR);
        assert_eq!(LambdaSumLargest.shape(&[m], &[Some(0.5)]).unwrap(), Shape::SCALAR);
        for k in [0.0, -1.0, 3.5] {
            let e = LambdaSumLargest.shape(&[m], &[Some(k)]).unwrap_err();
            assert!(e.message.contains("0 < k ≤ 3"), "{}", e.message);
        }
        assert_eq!(LambdaSumLargest.shape(&[Shape::matrix(2, 3)], &[Some(1.0)]).unwrap_err().arg, Some(0));
    }

    #[test]
    fn lambda_sum_largest_facts_and_values() {
        assert_eq!(LambdaSumLargest.curvature(&[arg(Sign::Nonneg)], &[Some(2.0)]), AtomCurvature::Convex);
        assert_eq!(LambdaSumLargest.sign(&[arg(Sign::Nonneg)], &[Some(2.0)]), Sign::Unknown);
        assert_eq!(LambdaSumLargest.monotonicity(0, &[arg(Sign::Unknown)], &[Some(2.0)]), Mono::None);
        // diag(3, -1, 2) rotated by nothing: eigenvalues 3, 2, -1.
        let x = array(&[3, 3], &[3.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 2.0]);
        let v = |k: f64| LambdaSumLargest.eval(&[&x], &[Some(k)]).unwrap().data;
        assert_close(&v(1.0), &[3.0]);
        assert_close(&v(2.0), &[5.0]);
        assert_close(&v(3.0), &[4.0]);
        assert_close(&v(1.5), &[4.0]);
        // [[2, 1], [1, 2]] has eigenvalues 3 and 1.
        let y = array(&[2, 2], &[2.0, 1.0, 1.0, 2.0]);
        assert_close(&LambdaSumLargest.eval(&[&y], &[Some(1.25)]).unwrap().data, &[3.25]);
        let e = LambdaSumLargest.eval(&[&array(&[2, 2], &[1.0, 2.0, 0.0, 1.0])], &[Some(1.0)]).unwrap_err();
        assert!(e.contains("symmetric matrices only"), "{e}");
    }
}

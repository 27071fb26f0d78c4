//! `lambda_sum_smallest(X, k)`, the sum of the k smallest eigenvalues of a symmetric
//! matrix X[n, n] (domain X = Xᵀ), as cvxpy's: −`lambda_sum_largest`(−X, k), with the
//! same real 0 < k ≤ n (a fraction takes that part of the next eigenvalue). Concave,
//! not monotone; the sign is unknown; the result is a scalar. k = 1 is `lambda_min`.
//!
//! Conic form (exact): the hypograph of −f(−X) for f the form of `lambda_sum_largest`:
//! −(k·t + trace(Z)) with Z ⪰ 0 and Z + X + t·I ⪰ 0, with X = Xᵀ.

pub(crate) use super::lambda_sum_largest::LambdaSumSmallest;

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array, assert_close};
    use super::*;
    use crate::atoms::{Atom, AtomCurvature, Sign};
    use crate::ir::shape::Shape;

    #[test]
    fn lambda_sum_smallest_facts_and_values() {
        assert_eq!(LambdaSumSmallest.curvature(&[arg(Sign::Nonneg)], &[Some(2.0)]), AtomCurvature::Concave);
        assert_eq!(LambdaSumSmallest.sign(&[arg(Sign::Nonneg)], &[Some(2.0)]), Sign::Unknown);
        assert!(LambdaSumSmallest.shape(&[Shape::matrix(2, 2)], &[Some(3.0)]).is_err());
        // Eigenvalues 3, 2, -1.
        let x = array(&[3, 3], &[3.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 2.0]);
        let v = |k: f64| LambdaSumSmallest.eval(&[&x], &[Some(k)]).unwrap().data;
        assert_close(&v(1.0), &[-1.0]);
        assert_close(&v(2.0), &[1.0]);
        assert_close(&v(2.5), &[2.5]);
        assert_close(&v(3.0), &[4.0]);
    }
}

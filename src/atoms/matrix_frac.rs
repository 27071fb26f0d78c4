//! `matrix_frac(x, P)`, cvxpy's matrix fractional function: xᵀP⁻¹x for a vector x\[n\],
//! and tr(XᵀP⁻¹X) for a matrix X\[n, k\], with P\[n, n\] symmetric positive definite
//! (the domain; P = Pᵀ is part of the form, as for `lambda_max`). Jointly convex in
//! (X, P), nonnegative, not monotone. P may be a variable, a constant or a parameter:
//! the form is affine in both arguments, so a parameter P is DPP.
//!
//! Conic form (exact, the Schur complement): f ≤ trace(T) for T\[k, k\] symmetric with
//! [[P, X], [Xᵀ, T]] ⪰ 0 (for P ≻ 0 that is T ⪰ XᵀP⁻¹X, so the least trace is
//! tr(XᵀP⁻¹X)), with P = Pᵀ.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;
use crate::linalg;

pub(crate) struct MatrixFrac;

/// (n, k): X is n×k (a vector is one column), P is n×n.
fn dims(args: &[Shape]) -> Result<(usize, usize), ShapeError> {
    let (x, p) = (args[0], args[1]);
    let n = super::require_square("matrix_frac", args, 1)
        .map_err(|e| e.help("P is the [n, n] matrix whose inverse is taken"))?;
    if x.is_scalar() || x.dims()[0] != n {
        return Err(ShapeError::new(format!(
            "`matrix_frac(x, P)` needs x with {n} rows, as P is {p}; got x of shape {x}"
        ))
        .at(0)
        .help(format!("x is a vector [{n}] (xᵀP⁻¹x) or a matrix [{n}, k] (tr(XᵀP⁻¹X))")));
    }
    Ok((n, if x.is_matrix() { x.dims()[1] } else { 1 }))
}

impl Atom for MatrixFrac {
    fn name(&self) -> &'static str {
        "matrix_frac"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x", "P"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        dims(args)?;
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
        let (n, k) = dims(&[args[0].shape, args[1].shape]).map_err(|e| e.message)?;
        super::definite_eigvals("matrix_frac", "P", args[1], true)?;
        let (values, vectors) = linalg::sym_eigen(args[1]).ok_or("`matrix_frac`: no eigendecomposition of P")?;
        // Σ over eigenpairs (λ, u) and columns x of X: (uᵀx)² / λ.
        let x = &args[0].data;
        let total = values
            .iter()
            .zip(&vectors)
            .map(|(l, u)| (0..k).map(|j| (0..n).map(|i| u[i] * x[i * k + j]).sum::<f64>().powi(2)).sum::<f64>() / l)
            .sum();
        Ok(Array::scalar(total))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let (n, k) = dims(shapes).map_err(|e| e.message)?;
        let (x, p) = (&args[0], &args[1]);
        let t = super::symmetric_var(c, k);
        let xt = super::transpose(x, n, k);
        let m = super::block_matrix(n + k, n + k, &[(p, n, n, 0, 0), (x, n, k, 0, n), (&xt, k, n, n, 0), (&t, k, k, n, n)]);
        c.symmetric(p, n);
        c.psd(&m, n + k);
        let diag: Vec<_> = (0..k).map(|i| (0, i * k + i, 1.0)).collect();
        Ok(t.linear_map(1, &diag))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array, assert_close};
    use super::*;

    #[test]
    fn matrix_frac_takes_x_with_the_rows_of_a_square_p() {
        let p = Shape::matrix(3, 3);
        assert_eq!(MatrixFrac.shape(&[Shape::vector(3), p], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(MatrixFrac.shape(&[Shape::matrix(3, 2), p], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(MatrixFrac.shape(&[Shape::vector(2), p], &[]).unwrap_err().arg, Some(0));
        assert_eq!(MatrixFrac.shape(&[Shape::SCALAR, p], &[]).unwrap_err().arg, Some(0));
        assert_eq!(MatrixFrac.shape(&[Shape::matrix(2, 3), p], &[]).unwrap_err().arg, Some(0));
        assert_eq!(MatrixFrac.shape(&[Shape::vector(3), Shape::matrix(3, 2)], &[]).unwrap_err().arg, Some(1));
        assert_eq!(MatrixFrac.shape(&[Shape::vector(3), Shape::vector(3)], &[]).unwrap_err().arg, Some(1));
    }

    #[test]
    fn matrix_frac_facts_and_closed_forms() {
        assert_eq!(MatrixFrac.curvature(&[arg(Sign::Unknown), arg(Sign::Unknown)], &[]), AtomCurvature::Convex);
        assert_eq!(MatrixFrac.sign(&[arg(Sign::Unknown), arg(Sign::Unknown)], &[]), Sign::Nonneg);
        // P = I: the sum of squares.
        let x = array(&[3], &[1.0, -2.0, 3.0]);
        let eye = array(&[3, 3], &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
        assert_close(&MatrixFrac.eval(&[&x, &eye], &[]).unwrap().data, &[14.0]);
        // P = diag(1, 2, 4): 1 + 4/2 + 9/4.
        let d = array(&[3, 3], &[1.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 4.0]);
        assert_close(&MatrixFrac.eval(&[&x, &d], &[]).unwrap().data, &[5.25]);
        // P = [[2, 1], [1, 2]], P⁻¹ = [[2, −1], [−1, 2]]/3; X = [[1, 0], [1, 1]] has
        // columns (1, 1) → 2/3 and (0, 1) → 2/3.
        let p = array(&[2, 2], &[2.0, 1.0, 1.0, 2.0]);
        let xm = array(&[2, 2], &[1.0, 0.0, 1.0, 1.0]);
        assert_close(&MatrixFrac.eval(&[&xm, &p], &[]).unwrap().data, &[4.0 / 3.0]);
        let singular = array(&[2, 2], &[1.0, 1.0, 1.0, 1.0]);
        let e = MatrixFrac.eval(&[&array(&[2], &[1.0, 0.0]), &singular], &[]).unwrap_err();
        assert!(e.contains("positive definite"), "{e}");
        let e = MatrixFrac.eval(&[&array(&[2], &[1.0, 0.0]), &array(&[2, 2], &[1.0, 1.0, 0.0, 1.0])], &[]).unwrap_err();
        assert!(e.contains("symmetric"), "{e}");
    }
}

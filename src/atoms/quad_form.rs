//! `quad_form(x, P)` = xᵀPx = Σᵢⱼ xᵢ Pᵢⱼ xⱼ for a vector x\[n\] and a constant square
//! matrix P[n, n] (a scalar x goes with a scalar or [1, 1] P) — convex and
//! nonnegative when P is positive semidefinite, concave and nonpositive when P is
//! negative semidefinite (DCP needs one of the two, with P constant, as in cvxpy);
//! with P ≥ 0 entrywise, increasing for x ≥ 0 and decreasing for x ≤ 0. The result
//! is a scalar.
//!
//! Conic form: with P constant: P ⪰ 0 written as P = LᵀL (eigendecomposition),
//! xᵀPx ≤ t ⇔ ‖(2Lx, t − 1)‖ ≤ t + 1; P ⪯ 0 as P = −LᵀL, the hypograph −‖Lx‖² ≥ t
//! (t = −s with ‖(2Lx, s − 1)‖ ≤ s + 1). A parametric P only goes into the objective's
//! quadratic part (see `canon`).

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;
use crate::linalg;

/// Is P positive (`true`) or negative (`false`) semidefinite, as far as is known at
/// compile time: from its value when constant, else from a `psd`/`nsd` attribute.
fn definiteness(p: &ArgInfo) -> Option<bool> {
    if p.has_vars {
        return None;
    }
    if let Some(v) = p.value {
        let m = if v.shape.is_scalar() {
            Array { shape: Shape::matrix(1, 1), data: v.data.clone() }
        } else {
            v.clone()
        };
        return if linalg::is_psd(&m) {
            Some(true)
        } else if linalg::is_nsd(&m) {
            Some(false)
        } else {
            None
        };
    }
    match p.attrs {
        Some(a) if a.psd => Some(true),
        Some(a) if a.nsd => Some(false),
        _ => None,
    }
}

/// Rows of L with LᵀL = the symmetric part of the n×n (row-major) P, which must be
/// positive semidefinite: P = Q diag(λ) Qᵀ, rows √λᵢ qᵢᵀ for the eigenvalues above a
/// rounding-level tolerance (the others are zero to the accuracy of the analysis).
fn psd_factor(p: &[f64], n: usize) -> Result<Vec<Vec<f64>>, String> {
    let s = faer::Mat::from_fn(n, n, |i, j| 0.5 * (p[i * n + j] + p[j * n + i]));
    let eig = s
        .self_adjoint_eigen(faer::Side::Lower)
        .map_err(|e| format!("quad_form: eigendecomposition of P failed ({e:?})"))?;
    let (lam, q) = (eig.S().column_vector(), eig.U());
    let top = (0..n).fold(0.0f64, |m, i| m.max(lam[i].abs()));
    let tol = (n as f64) * f64::EPSILON * top;
    Ok((0..n)
        .filter(|&i| lam[i] > tol)
        .map(|i| (0..n).map(|j| lam[i].sqrt() * q[(j, i)]).collect())
        .collect())
}

pub(crate) struct QuadForm;

impl Atom for QuadForm {
    fn name(&self) -> &'static str {
        "quad_form"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x", "P"], variadic: false, statics: &[] }
    }
    fn curvature(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        match definiteness(&args[1]) {
            Some(true) => AtomCurvature::Convex,
            Some(false) => AtomCurvature::Concave,
            None => AtomCurvature::Neither,
        }
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        match definiteness(&args[1]) {
            Some(true) => Sign::Nonneg,
            Some(false) => Sign::Nonpos,
            None => Sign::Unknown,
        }
    }
    fn monotonicity(&self, i: usize, args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        // In x: monotone on a signed x only when P has no negative entry.
        let p_nonneg = args[1].value.is_some_and(|v| v.data.iter().all(|e| *e >= 0.0));
        if i == 0 && p_nonneg { super::by_sign(args[0].sign) } else { Mono::None }
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        let (x, p) = (args[0], args[1]);
        let n = x.data.len();
        let mut s = 0.0;
        for i in 0..n {
            for j in 0..n {
                s += x.data[i] * p.data[i * n + j] * x.data[j];
            }
        }
        Ok(Array::scalar(s))
    }
    /// P must be parameter-free for DPP (cvxpy's rule); dopt's extension for a `psd`
    /// parameter P in a minimized objective is decided by the problem-level analysis.
    fn param_free_args(&self) -> &'static [usize] {
        &[1]
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let (x, p) = (args[0], args[1]);
        let n = match *x.dims() {
            [] if p.is_scalar() => return Ok(Shape::SCALAR),
            [] => 1,
            [n] => n,
            _ => {
                return Err(ShapeError::new(format!(
                    "`quad_form(x, P)` needs a vector x, got x of shape {x} (and P of shape {p})"
                ))
                .at(0)
                .help("quad_form(x, P) is xᵀPx; for a matrix use quad_form(vec(X), P)"));
            }
        };
        if p.dims() == [n, n] {
            Ok(Shape::SCALAR)
        } else {
            Err(ShapeError::new(format!(
                "`quad_form(x, P)` needs P of shape [{n}, {n}] for x of shape {x}, got P of shape {p}"
            ))
            .at(1))
        }
    }

    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        _shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let (x, pm) = (&args[0], &args[1]);
        let n = x.size;
        if pm.has_vars() {
            return Err("quad_form needs a constant matrix P".into());
        }
        let Some(pv) = ConeBuilder::constant_values(pm) else {
            return Err(
                "quad_form with a parametric matrix is only supported in a minimized objective".into()
            );
        };
        let pa = Array { shape: Shape::matrix(n, n), data: pv };
        let sign = if linalg::is_psd(&pa) {
            1.0
        } else if linalg::is_nsd(&pa) {
            -1.0
        } else {
            return Err("quad_form needs a positive or negative semidefinite matrix P".into());
        };
        let signed: Vec<f64> = pa.data.iter().map(|v| sign * v).collect();
        let l = psd_factor(&signed, n)?;
        if l.is_empty() {
            return Ok(Affine::zeros(1));
        }
        let map: Vec<_> = l
            .iter()
            .enumerate()
            .flat_map(|(k, row)| row.iter().enumerate().map(move |(j, v)| (k, j, *v)))
            .collect();
        let s = super::sum_squares_epigraph(c, &x.linear_map(l.len(), &map));
        Ok(s.scale(sign))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quad_form_is_a_scalar() {
        let q = |x, p| QuadForm.shape(&[x, p], &[]).unwrap();
        assert_eq!(q(Shape::vector(3), Shape::matrix(3, 3)), Shape::SCALAR);
        assert_eq!(q(Shape::vector(1), Shape::matrix(1, 1)), Shape::SCALAR);
        assert_eq!(q(Shape::SCALAR, Shape::SCALAR), Shape::SCALAR);
        assert_eq!(q(Shape::SCALAR, Shape::matrix(1, 1)), Shape::SCALAR);
    }

    #[test]
    fn quad_form_rejects_mismatched_shapes() {
        let q = |x, p| QuadForm.shape(&[x, p], &[]).unwrap_err();
        let e = q(Shape::vector(3), Shape::matrix(4, 4));
        assert_eq!(e.arg, Some(1));
        assert!(e.message.contains("[3]") && e.message.contains("[4, 4]"), "{}", e.message);
        assert_eq!(q(Shape::vector(3), Shape::matrix(3, 4)).arg, Some(1));
        assert_eq!(q(Shape::vector(3), Shape::vector(3)).arg, Some(1));
        assert_eq!(q(Shape::vector(3), Shape::SCALAR).arg, Some(1));
        assert_eq!(q(Shape::SCALAR, Shape::matrix(2, 2)).arg, Some(1));
        let e = q(Shape::matrix(3, 3), Shape::matrix(3, 3));
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("[3, 3]"));
    }
}

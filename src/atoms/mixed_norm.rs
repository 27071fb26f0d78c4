//! `mixed_norm(X, p=2, q=1)`, cvxpy's L_{p,q} norm of a matrix X[m, n]: the q-norm of
//! the vector of the p-norms of X's rows, (Σᵢ (Σⱼ |Xᵢⱼ|ᵖ)^(q/p))^(1/q) — that is
//! `norm(norm(X, p, axis=1), q)`. p and q are real numbers ≥ 1 or `"inf"`; the default
//! (2, 1) is the sum of the rows' 2-norms (group lasso). Convex, nonnegative;
//! increasing for X ≥ 0, decreasing for X ≤ 0. X must be a matrix (cvxpy has no axis 1
//! on a vector); the result is a scalar.
//!
//! Conic form (exact): `norm`'s form of each row's p-norm, tᵢ ≥ ‖Xᵢ‖ₚ, then `norm`'s
//! form of ‖t‖_q. As tᵢ ≥ ‖Xᵢ‖ₚ ≥ 0, ‖t‖_q ≥ ‖(‖Xᵢ‖ₚ)ᵢ‖_q (the q-norm increases in
//! |tᵢ|), and tᵢ = ‖Xᵢ‖ₚ reaches it, so the form cuts off no point of the epigraph.

use super::norm::Norm;
use super::{
    Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature, StaticKind,
    StaticParam,
};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct MixedNorm;

/// `"inf"` for p or q, as in `norm`.
const INF_WORDS: &[(&str, f64)] = &[("inf", f64::INFINITY), ("Inf", f64::INFINITY)];

/// (p, q), each checked to be at least 1.
fn orders(statics: &[Option<f64>]) -> Result<(f64, f64), ShapeError> {
    let (p, q) = (statics[0].unwrap_or(2.0), statics[1].unwrap_or(1.0));
    for (name, v) in [("p", p), ("q", q)] {
        if v.is_nan() || v < 1.0 {
            return Err(ShapeError::new(format!("`mixed_norm`: {name} must be at least 1, got {name} = {v}"))
                .help("p is the norm of each row and q the norm of the rows' norms: each ≥ 1 or \"inf\""));
        }
    }
    Ok((p, q))
}

impl Atom for MixedNorm {
    fn name(&self) -> &'static str {
        "mixed_norm"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["X"],
            variadic: false,
            statics: const {
                &[
                    StaticParam::with_default("p", StaticKind::Real, 2.0).with_words(INF_WORDS),
                    StaticParam::with_default("q", StaticKind::Real, 1.0).with_words(INF_WORDS),
                ]
            },
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let x = args[0];
        if !x.is_matrix() {
            return Err(ShapeError::new(format!(
                "`mixed_norm` takes the norms of the rows of a matrix, got shape {x}"
            ))
            .at(0)
            .help("the rows of a vector x would be its entries, normed to |xᵢ|: write norm(x, q)"));
        }
        orders(statics)?;
        Ok(Shape::SCALAR)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Convex
    }
    fn sign(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        Sign::Nonneg
    }
    fn monotonicity(&self, _i: usize, args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        super::by_sign(args[0].sign)
    }
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        self.shape(&[args[0].shape], statics).map_err(|e| e.message)?;
        let (p, q) = orders(statics).map_err(|e| e.message)?;
        let rows = Norm.eval(args, &[Some(p), Some(1.0), None])?;
        Norm.eval(&[&rows], &[Some(q), None, None])
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let (p, q) = orders(statics).map_err(|e| e.message)?;
        let m = shapes[0].dims()[0];
        let rows = Norm.canonicalize(c, args, shapes, &[Some(p), Some(1.0), None], Shape::vector(m))?;
        Norm.canonicalize(c, &[rows], &[Shape::vector(m)], &[Some(q), None, None], Shape::SCALAR)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array, assert_close};
    use super::*;

    #[test]
    fn mixed_norm_takes_a_matrix_and_orders_of_at_least_one() {
        let m = [Shape::matrix(2, 3)];
        assert_eq!(MixedNorm.shape(&m, &[Some(2.0), Some(1.0)]).unwrap(), Shape::SCALAR);
        assert_eq!(MixedNorm.shape(&m, &[Some(f64::INFINITY), Some(3.0)]).unwrap(), Shape::SCALAR);
        let e = MixedNorm.shape(&[Shape::vector(3)], &[Some(2.0), Some(1.0)]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("rows of a matrix"), "{}", e.message);
        assert!(MixedNorm.shape(&[Shape::SCALAR], &[Some(2.0), Some(1.0)]).is_err());
        let e = MixedNorm.shape(&m, &[Some(2.0), Some(0.5)]).unwrap_err();
        assert!(e.message.contains("q must be at least 1"), "{}", e.message);
        assert!(MixedNorm.shape(&m, &[Some(0.0), Some(1.0)]).is_err());
    }

    #[test]
    fn mixed_norm_is_the_norm_of_the_row_norms() {
        assert_eq!(MixedNorm.curvature(&[arg(Sign::Unknown)], &[Some(2.0), Some(1.0)]), AtomCurvature::Convex);
        assert_eq!(MixedNorm.monotonicity(0, &[arg(Sign::Nonpos)], &[Some(2.0), Some(1.0)]), Mono::Decreasing);
        // Rows (3, 4) and (0, −12): 2-norms 5 and 12.
        let x = array(&[2, 2], &[3.0, 4.0, 0.0, -12.0]);
        let v = |p: f64, q: f64| MixedNorm.eval(&[&x], &[Some(p), Some(q)]).unwrap().data;
        assert_close(&v(2.0, 1.0), &[17.0]);
        assert_close(&v(2.0, 2.0), &[13.0]);
        assert_close(&v(2.0, f64::INFINITY), &[12.0]);
        // 1-norms 7 and 12; ∞-norms 4 and 12.
        assert_close(&v(1.0, 1.0), &[19.0]);
        assert_close(&v(f64::INFINITY, 2.0), &[160f64.sqrt()]);
    }
}

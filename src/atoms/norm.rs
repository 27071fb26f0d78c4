//! `norm(x, p)` = (Σᵢ |xᵢ|ᵖ)^(1/p), the p-norm of a vector x for a compile-time real
//! p ≥ 1 (a huge p approaches the ∞-norm) — convex, nonnegative; increasing for
//! x ≥ 0, decreasing for x ≤ 0. x is a vector or a scalar; the result is a scalar.
//! For a matrix cvxpy's `norm(X, p)` means an induced matrix norm, so dopt asks for
//! the intended one explicitly (`norm_fro`, `sigma_max`, `norm_nuc`, or
//! `norm(vec(X), p)`).
//!
//! Conic form: p = 1 is `norm1`, p = 2 is `norm2`; otherwise ‖x‖ₚ ≤ t ⇔
//! (rᵢ, t, xᵢ) ∈ K_pow(1/p) for all i (|xᵢ|ᵖ ≤ rᵢ·t^(p−1)) and Σ rᵢ = t, so that
//! Σ|xᵢ|ᵖ ≤ tᵖ; any t ≥ ‖x‖ₚ is reached with rᵢ ≥ |xᵢ|ᵖ/t^(p−1) summing to t.

use super::{
    Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature, StaticKind, StaticParam,
};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Norm;

impl Atom for Norm {
    fn name(&self) -> &'static str {
        "norm"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: const { &[StaticParam::required("p", StaticKind::Real)] },
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let x = args[0];
        if x.is_matrix() {
            return Err(ShapeError::new(format!("`norm(X, p)` of a matrix is ambiguous (X has shape {x})"))
                .at(0)
                .help(
                    "use norm_fro(X), sigma_max(X), norm_nuc(X), or norm(vec(X), p) for the \
                 entrywise norm",
                ));
        }
        match statics[0] {
            Some(p) if p >= 1.0 => Ok(Shape::SCALAR),
            p => Err(ShapeError::new(format!(
                "`norm`: p must be at least 1, got p = {}",
                p.map_or_else(|| "nothing".to_string(), |p| p.to_string())
            ))),
        }
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
        let x = args[0];
        let p = statics[0].unwrap_or(2.0);
        let top = x.data.iter().fold(0.0, |m: f64, v| m.max(v.abs()));
        if p == f64::INFINITY || top == 0.0 {
            return Ok(Array::scalar(top));
        }
        // (Σ|xᵢ|ᵖ)^(1/p), scaled by the largest entry so that a large p cannot overflow.
        let s: f64 = x.data.iter().map(|v| (v.abs() / top).powf(p)).sum();
        Ok(Array::scalar(top * s.powf(1.0 / p)))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        out: Shape,
    ) -> Result<Affine, String> {
        let p = statics[0].unwrap_or(2.0);
        if p == 1.0 {
            return super::norm1::Norm1.canonicalize(c, args, shapes, statics, out);
        }
        if p == 2.0 {
            return super::norm2::Norm2.canonicalize(c, args, shapes, statics, out);
        }
        if p.is_infinite() {
            return super::norm_inf::NormInf.canonicalize(c, args, shapes, statics, out);
        }
        let x = &args[0];
        let n = x.size;
        let (t, r) = (c.var(1), c.var(n));
        c.pow_cones(&r, &super::repeat(&t, n), x, 1.0 / p);
        c.zero(super::sub(super::sum_entries(&r), t.clone()));
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn norm_of_a_vector_is_a_scalar() {
        for p in [1.0, 1.5, 2.0, 1e300, f64::INFINITY] {
            assert_eq!(Norm.shape(&[Shape::vector(4)], &[Some(p)]).unwrap(), Shape::SCALAR);
            assert_eq!(Norm.shape(&[Shape::SCALAR], &[Some(p)]).unwrap(), Shape::SCALAR);
        }
    }

    #[test]
    fn norm_rejects_matrices_and_small_p() {
        let e = Norm.shape(&[Shape::matrix(3, 4)], &[Some(2.0)]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("ambiguous") && e.message.contains("[3, 4]"));
        assert!(e.help.unwrap().contains("norm(vec(X), p)"));
        let e = Norm.shape(&[Shape::vector(4)], &[Some(0.5)]).unwrap_err();
        assert!(e.message.contains("p must be at least 1"), "{}", e.message);
        assert!(Norm.shape(&[Shape::vector(4)], &[Some(-1.0)]).is_err());
        assert!(Norm.shape(&[Shape::vector(4)], &[Some(f64::NAN)]).is_err());
    }

    #[test]
    fn norm_facts() {
        let s = [Some(3.0)];
        assert_eq!(Norm.curvature(&[arg(Sign::Unknown)], &s), AtomCurvature::Convex);
        assert_eq!(Norm.sign(&[arg(Sign::Nonpos)], &s), Sign::Nonneg);
        assert_eq!(Norm.monotonicity(0, &[arg(Sign::Nonneg)], &s), Mono::Increasing);
        assert_eq!(Norm.monotonicity(0, &[arg(Sign::Nonpos)], &s), Mono::Decreasing);
        assert_eq!(Norm.monotonicity(0, &[arg(Sign::Unknown)], &s), Mono::None);
    }

    #[test]
    fn norm_evaluates() {
        use super::super::tests::assert_close;
        let x = array(&[3], &[3.0, -4.0, 0.0]);
        assert_close(&Norm.eval(&[&x], &[Some(1.0)]).unwrap().data, &[7.0]);
        assert_close(&Norm.eval(&[&x], &[Some(2.0)]).unwrap().data, &[5.0]);
        assert_close(&Norm.eval(&[&x], &[Some(3.0)]).unwrap().data, &[91f64.cbrt()]);
        assert_close(&Norm.eval(&[&x], &[Some(f64::INFINITY)]).unwrap().data, &[4.0]);
        assert_close(&Norm.eval(&[&x], &[Some(1e300)]).unwrap().data, &[4.0]);
        assert_eq!(Norm.eval(&[&array(&[2], &[0.0, 0.0])], &[Some(2.0)]).unwrap().data, vec![0.0]);
    }
}

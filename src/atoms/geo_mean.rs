//! `geo_mean(x)` = (Πᵢ xᵢ)^(1/n), the geometric mean of the entries of a vector x\[n\]
//! (a scalar is its own geometric mean), with domain x ≥ 0 — concave, nonnegative,
//! increasing. The result is a scalar.
//!
//! Conic form: a chain of 3-d power cones: t = g₁, gₖ ≤ xₖ^(1/m)·gₖ₊₁^(1−1/m)
//! ⇔ (xₖ, gₖ₊₁, gₖ) ∈ K_pow(1/m) with m = n − k + 1 entries left and g_(n) = xₙ, so
//! t ≤ (Πxᵢ)^(1/n) (n = 1: x itself, with x ≥ 0).

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct GeoMean;

impl Atom for GeoMean {
    fn name(&self) -> &'static str {
        "geo_mean"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::vector_to_scalar("geo_mean", args[0])
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Concave
    }
    fn sign(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        Sign::Nonneg
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        let x = &args[0].data;
        super::check_domain(args[0], |v| v >= 0.0, "geo_mean needs x >= 0")?;
        if x.contains(&0.0) {
            return Ok(Array::scalar(0.0));
        }
        // exp of the mean logarithm: no overflow of the product.
        Ok(Array::scalar((x.iter().map(|v| v.ln()).sum::<f64>() / x.len() as f64).exp()))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        _shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let x = &args[0];
        let n = x.size;
        if n == 1 {
            c.nonneg(x.clone());
            return Ok(x.clone());
        }
        let t = c.var(1);
        let mut g = t.clone();
        for k in 0..n - 1 {
            let m = n - k;
            // g ≤ xₖ^(1/m)·rest^(1−1/m), rest ≤ the geometric mean of the m − 1 last entries.
            let rest = if m == 2 { x.gather(&[k + 1]) } else { c.var(1) };
            c.pow_cones(&x.gather(&[k]), &rest, &g, 1.0 / m as f64);
            g = rest;
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn geo_mean_of_a_vector_is_a_scalar() {
        assert_eq!(GeoMean.shape(&[Shape::vector(5)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(GeoMean.shape(&[Shape::SCALAR], &[]).unwrap(), Shape::SCALAR);
    }

    #[test]
    fn geo_mean_rejects_matrices() {
        let e = GeoMean.shape(&[Shape::matrix(2, 3)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("[2, 3]"));
        assert_eq!(e.help.as_deref(), Some("use geo_mean(vec(X))"));
    }

    #[test]
    fn geo_mean_facts() {
        assert_eq!(GeoMean.curvature(&[arg(Sign::Nonneg)], &[]), AtomCurvature::Concave);
        assert_eq!(GeoMean.sign(&[arg(Sign::Unknown)], &[]), Sign::Nonneg);
        assert_eq!(GeoMean.monotonicity(0, &[arg(Sign::Unknown)], &[]), Mono::Increasing);
    }

    #[test]
    fn geo_mean_evaluates_inside_its_domain() {
        use super::super::tests::assert_close;
        assert_close(&GeoMean.eval(&[&array(&[3], &[1.0, 4.0, 16.0])], &[]).unwrap().data, &[4.0]);
        assert_eq!(GeoMean.eval(&[&array(&[2], &[0.0, 5.0])], &[]).unwrap().data, vec![0.0]);
        assert_close(&GeoMean.eval(&[&Array::scalar(2.5)], &[]).unwrap().data, &[2.5]);
        let e = GeoMean.eval(&[&array(&[2], &[-1.0, 4.0])], &[]).unwrap_err();
        assert!(e.contains("outside the domain"), "{e}");
    }
}

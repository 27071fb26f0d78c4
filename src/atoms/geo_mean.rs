//! `geo_mean(x)` = (Πᵢ xᵢ)^(1/n), the geometric mean of the entries of a vector x\[n\]
//! (a scalar is its own geometric mean), with domain x ≥ 0; `geo_mean(x, p)` the
//! weighted one Πᵢ xᵢ^(wᵢ), w = p / Σp, for a compile-time constant p ≥ 0 of x's
//! length with Σp > 0 (cvxpy's meaning; an entry of weight 0 drops out). Concave,
//! nonnegative, increasing in x. The result is a scalar. A p that is not a known
//! constant of that kind makes the call not DCP.
//!
//! Conic form (exact for any real weights): over the entries k₁ … k_m of positive
//! weight, a chain of 3-d power cones t = g₁, gⱼ ≤ xⱼ^(αⱼ)·gⱼ₊₁^(1−αⱼ) ⇔
//! (xⱼ, gⱼ₊₁, gⱼ) ∈ K_pow(αⱼ) with αⱼ = wⱼ / (wⱼ + … + w_m) and g_m = x_m, so
//! t ≤ Π xⱼ^(wⱼ) (uniform weights give αⱼ = 1/(m − j + 1); m = 1: x itself, with
//! x ≥ 0).

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct GeoMean;

/// The normalized weights of the entries of positive weight, with their indices;
/// uniform without p. An error when p is negative somewhere or sums to 0.
fn weights(n: usize, p: Option<&[f64]>) -> Result<Vec<(usize, f64)>, String> {
    let Some(p) = p else { return Ok((0..n).map(|i| (i, 1.0 / n as f64)).collect()) };
    if let Some(v) = p.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
        return Err(format!("the weights p of `geo_mean(x, p)` must be nonnegative, and one is {v}"));
    }
    let total: f64 = p.iter().sum();
    if total <= 0.0 {
        return Err("the weights p of `geo_mean(x, p)` must not all be 0".into());
    }
    Ok(p.iter().enumerate().filter(|(_, v)| **v > 0.0).map(|(i, v)| (i, v / total)).collect())
}

impl Atom for GeoMean {
    fn name(&self) -> &'static str {
        "geo_mean"
    }
    fn signature(&self) -> Signature {
        // `x`, then the optional weights p (an expression argument: a vector).
        Signature { args: &["x"], variadic: true, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let x = super::vector_to_scalar("geo_mean", args[0])?;
        match args {
            [_] => Ok(x),
            [xs, p] if !p.is_matrix() && p.size() == xs.size() => Ok(x),
            [xs, p] => Err(ShapeError::new(format!(
                "the weights p of `geo_mean(x, p)` must be a vector of x's length {}, got shape {p}",
                xs.size()
            ))
            .at(1)),
            _ => Err(ShapeError::new(format!("`geo_mean` takes x and at most the weights p, got {} arguments", args.len()))
                .at(2)
                .help("the call is `geo_mean(x)` or `geo_mean(x, p)`")),
        }
    }
    fn curvature(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        match args.get(1) {
            None => AtomCurvature::Concave,
            Some(p) => match p.value.map(|v| weights(v.data.len(), Some(&v.data))) {
                Some(Ok(_)) => AtomCurvature::Concave,
                _ => AtomCurvature::Neither,
            },
        }
    }
    fn sign(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        Sign::Nonneg
    }
    fn monotonicity(&self, i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        if i == 0 { Mono::Increasing } else { Mono::None }
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        let x = &args[0].data;
        let w = weights(x.len(), args.get(1).map(|p| &p.data[..]))?;
        if let Some(&(i, _)) = w.iter().find(|&&(i, _)| x[i] < 0.0 || x[i].is_nan()) {
            return Err(format!("{} is outside the domain (geo_mean needs x >= 0)", x[i]));
        }
        if w.iter().any(|&(i, _)| x[i] == 0.0) {
            return Ok(Array::scalar(0.0));
        }
        // exp of the weighted mean logarithm: no overflow of the product.
        Ok(Array::scalar(w.iter().map(|&(i, wi)| wi * x[i].ln()).sum::<f64>().exp()))
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
        let p = match args.get(1) {
            Some(p) if p.has_vars() || p.has_params() => {
                return Err("the weights p of `geo_mean(x, p)` must be a constant known when compiling".into());
            }
            Some(p) => Some(p.eval(&[], &[])),
            None => None,
        };
        let w = weights(x.size, p.as_deref())?;
        let m = w.len();
        if m == 1 {
            let xi = x.gather(&[w[0].0]);
            c.nonneg(xi.clone());
            return Ok(xi);
        }
        let t = c.var(1);
        let mut g = t.clone();
        // The weight left from entry j on (summed from the end: no drift).
        let mut left = vec![0.0; m + 1];
        for j in (0..m).rev() {
            left[j] = left[j + 1] + w[j].1;
        }
        for j in 0..m - 1 {
            let (k, wk) = w[j];
            // g ≤ x_k^α·rest^(1−α), rest ≤ the weighted mean of the entries after k.
            let rest = if j + 2 == m { x.gather(&[w[j + 1].0]) } else { c.var(1) };
            c.pow_cones(&x.gather(&[k]), &rest, &g, wk / left[j]);
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

    #[test]
    fn weighted_geo_mean_normalizes_its_weights() {
        use super::super::tests::assert_close;
        let x = array(&[3], &[1.0, 4.0, 16.0]);
        // (1·4·16²)^(1/4) = 1024^(1/4) = 4√2, for p = (1, 1, 2) and any multiple.
        for p in [[1.0, 1.0, 2.0], [0.25, 0.25, 0.5], [3.0, 3.0, 6.0]] {
            let w = array(&[3], &p);
            assert_close(&GeoMean.eval(&[&x, &w], &[]).unwrap().data, &[4.0 * 2f64.sqrt()]);
        }
        // A weight of 0 drops its entry, even one outside the domain.
        let y = array(&[3], &[2.0, 8.0, -5.0]);
        assert_close(&GeoMean.eval(&[&y, &array(&[3], &[1.0, 1.0, 0.0])], &[]).unwrap().data, &[4.0]);
        let e = GeoMean.eval(&[&x, &array(&[3], &[1.0, -1.0, 2.0])], &[]).unwrap_err();
        assert!(e.contains("nonnegative"), "{e}");
        assert!(GeoMean.eval(&[&x, &array(&[3], &[0.0, 0.0, 0.0])], &[]).unwrap_err().contains("all be 0"));
        let e = GeoMean.shape(&[Shape::vector(3), Shape::vector(2)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(1));
        assert!(e.message.contains("length 3"), "{}", e.message);
        // Weights that are not a known valid constant: not DCP.
        let p = ArgInfo { value: Some(&x), ..arg(Sign::Nonneg) };
        assert_eq!(GeoMean.curvature(&[arg(Sign::Nonneg), p], &[]), AtomCurvature::Concave);
        let bad = array(&[3], &[1.0, -1.0, 0.0]);
        let p = ArgInfo { value: Some(&bad), ..arg(Sign::Unknown) };
        assert_eq!(GeoMean.curvature(&[arg(Sign::Nonneg), p], &[]), AtomCurvature::Neither);
        assert_eq!(GeoMean.curvature(&[arg(Sign::Nonneg), arg(Sign::Nonneg)], &[]), AtomCurvature::Neither);
    }
}

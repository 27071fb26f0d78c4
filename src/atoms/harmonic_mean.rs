//! `harmonic_mean(x)` = n / Σᵢ (1/xᵢ) over the n entries of x, with domain x ≥ 0 (zero
//! when an entry is zero, the limit) — concave, nonnegative, increasing. Any shape;
//! the result is a scalar. (cvxpy: `n · pnorm(x, -1)`.)
//!
//! Conic form: t ≤ 1/Σ(1/xᵢ) with t ≥ 0 ⇔ Σ t²/xᵢ ≤ t ⇔ t² ≤ rᵢ·xᵢ (rotated
//! second-order cones, which keep x ≥ 0), Σrᵢ ≤ t; the result is n·t.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct HarmonicMean;

impl Atom for HarmonicMean {
    fn name(&self) -> &'static str {
        "harmonic_mean"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::scalar(args)
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
        super::check_domain(args[0], |v| v >= 0.0, "harmonic_mean needs x >= 0")?;
        if x.contains(&0.0) {
            return Ok(Array::scalar(0.0));
        }
        Ok(Array::scalar(x.len() as f64 / x.iter().map(|v| 1.0 / v).sum::<f64>()))
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
        let (t, r) = (c.var(1), c.var(n));
        super::rotated_socs(c, &r, x, &super::repeat(&t, n));
        c.nonneg(super::sub(t.clone(), super::sum_entries(&r)));
        Ok(t.scale(n as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array, assert_close};
    use super::*;

    #[test]
    fn harmonic_mean_facts() {
        assert_eq!(HarmonicMean.shape(&[Shape::matrix(2, 3)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(HarmonicMean.curvature(&[arg(Sign::Nonneg)], &[]), AtomCurvature::Concave);
        assert_eq!(HarmonicMean.sign(&[arg(Sign::Unknown)], &[]), Sign::Nonneg);
        assert_eq!(HarmonicMean.monotonicity(0, &[arg(Sign::Nonneg)], &[]), Mono::Increasing);
    }

    #[test]
    fn harmonic_mean_evaluates_inside_its_domain() {
        assert_close(&HarmonicMean.eval(&[&array(&[3], &[1.0, 2.0, 4.0])], &[]).unwrap().data, &[12.0 / 7.0]);
        assert_eq!(HarmonicMean.eval(&[&array(&[2], &[0.0, 3.0])], &[]).unwrap().data, vec![0.0]);
        assert!(HarmonicMean.eval(&[&Array::scalar(-1.0)], &[]).unwrap_err().contains("outside the domain"));
    }
}

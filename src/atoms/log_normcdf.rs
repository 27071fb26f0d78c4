//! `log_normcdf(x)`, elementwise, cvxpy's **approximation** of log Φ(x) (Φ the standard
//! normal CDF), not log Φ itself: the concave quadratic spline
//! −Σᵢ aᵢ·max(bᵢ − x, 0)² with cvxpy 1.9's seven knots bᵢ = 3, 2, 1, 0, −1, −2.5, −3.5
//! and weights aᵢ = 0.02301291, 0.08070214, 0.16411522, 0.09003495, 0.08200854,
//! 0.01371543, 0.04641081 (cvxpy calls it of modest accuracy over [−4, 4]; it is 0 for
//! x ≥ 3, where log Φ is about −0.00135). Concave, increasing, nonpositive; any
//! shape, the result has the shape of x.
//!
//! Conic form (exact for the spline): per entry, uᵢ ≥ bᵢ − x for the seven knots and
//! s ≥ Σ aᵢuᵢ² as one cone ‖(2√a∘u, s − 1)‖ ≤ s + 1; the hypograph variable is −s.
//! The least uᵢ² over uᵢ ≥ bᵢ − x is max(bᵢ − x, 0)², so no uᵢ ≥ 0 is needed (it
//! would be active with a zero multiplier wherever x > bᵢ, a degenerate solution).

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct LogNormcdf;

/// cvxpy's knots bᵢ and weights aᵢ.
const KNOTS: [(f64, f64); 7] = [
    (3.0, 0.02301291),
    (2.0, 0.08070214),
    (1.0, 0.16411522),
    (0.0, 0.09003495),
    (-1.0, 0.08200854),
    (-2.5, 0.01371543),
    (-3.5, 0.04641081),
];

/// The spline at one point.
fn spline(x: f64) -> f64 {
    -KNOTS.iter().map(|&(b, a)| a * (b - x).max(0.0).powi(2)).sum::<f64>()
}

impl Atom for LogNormcdf {
    fn name(&self) -> &'static str {
        "log_normcdf"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::same_shape(args)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Concave
    }
    fn sign(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        Sign::Nonpos
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        Ok(super::map(args[0], spline))
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
        let parts = (0..x.size)
            .map(|j| {
                let xj = x.gather(&[j]);
                let u = c.var(KNOTS.len());
                let gap = Affine::constant(&KNOTS.map(|(b, _)| b)).add(super::repeat(&xj, KNOTS.len()).neg());
                c.nonneg(super::sub(u.clone(), gap));
                let weighted: Vec<_> = KNOTS.iter().enumerate().map(|(i, (_, a))| (i, i, a.sqrt())).collect();
                super::sum_squares_epigraph(c, &u.linear_map(KNOTS.len(), &weighted)).neg()
            })
            .collect();
        Ok(Affine::concat(parts))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array, assert_close};
    use super::*;

    #[test]
    fn log_normcdf_is_cvxpys_spline() {
        assert_eq!(LogNormcdf.curvature(&[arg(Sign::Unknown)], &[]), AtomCurvature::Concave);
        assert_eq!(LogNormcdf.sign(&[arg(Sign::Unknown)], &[]), Sign::Nonpos);
        assert_eq!(LogNormcdf.monotonicity(0, &[arg(Sign::Unknown)], &[]), Mono::Increasing);
        let x = array(&[4], &[3.0, 2.0, 0.0, -1.0]);
        // By hand: at 2 only the knot 3 is active (a₁·1); at 0 the knots 3, 2, 1
        // (9a₁ + 4a₂ + a₃); at −1 also 0 (16a₁ + 9a₂ + 4a₃ + a₄).
        let (a1, a2, a3, a4) = (0.02301291, 0.08070214, 0.16411522, 0.09003495);
        let want = [0.0, -a1, -(9.0 * a1 + 4.0 * a2 + a3), -(16.0 * a1 + 9.0 * a2 + 4.0 * a3 + a4)];
        assert_close(&LogNormcdf.eval(&[&x], &[]).unwrap().data, &want);
        // An approximation of log Φ: log Φ(0) = −ln 2 ≈ −0.6931 against the spline's −0.6940.
        assert!((LogNormcdf.eval(&[&array(&[], &[0.0])], &[]).unwrap().data[0] + 2f64.ln()).abs() < 0.2);
    }
}

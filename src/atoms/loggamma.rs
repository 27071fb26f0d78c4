//! `loggamma(x)`, elementwise, cvxpy's **approximation** of log Γ(x) for x > 0, not
//! log Γ itself: the maximum of cvxpy 1.9's ten convex pieces — eight lines
//! 2.18382 − 3.62887x, 1.79241 − 2.4902x, 1.21628 − 1.37035x, 0.261474 − 0.28904x,
//! 0.577216 − 0.577216x, −0.175517 + 0.03649x, −1.27572 + 0.621514x,
//! −0.845568 + 0.422784x, and −0.577216x − log x and 0.918939 − x − entr(x) − ½ log x
//! (Stirling's form, which makes the error vanish as x → ∞). Convex, not monotone; the
//! sign is unknown (as cvxpy's); the domain is x > 0. Any shape, the result has the
//! shape of x.
//!
//! Conic form (exact for the maximum): per entry t ≥ each line; t + 0.577216x ≥ −log x
//! as (−t − 0.577216x, 1, x) ∈ K_exp; and t ≥ 0.918939 − x + e + ½f with e ≥ x log x
//! ((−e, x, 1) ∈ K_exp) and f ≥ −log x ((−f, 1, x) ∈ K_exp).

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Loggamma;

/// The lines (intercept, slope) among cvxpy's pieces.
const LINES: [(f64, f64); 8] = [
    (2.18382, -3.62887),
    (1.79241, -2.4902),
    (1.21628, -1.37035),
    (0.261474, -0.28904),
    (0.577216, -0.577216),
    (-0.175517, 0.03649),
    (-1.27572, 0.621514),
    (-0.845568, 0.422784),
];
/// The slope of the piece −γx − log x (γ, Euler's constant, as cvxpy rounds it).
const GAMMA: f64 = 0.577216;
/// The constant of Stirling's piece, ½ log 2π as cvxpy rounds it.
const HALF_LOG_2PI: f64 = 0.918939;

/// The approximation at one point x > 0.
fn approx(x: f64) -> f64 {
    let lines = LINES.iter().map(|&(a, b)| a + b * x).fold(f64::NEG_INFINITY, f64::max);
    let stirling = HALF_LOG_2PI - x + x * x.ln() - 0.5 * x.ln();
    lines.max(-GAMMA * x - x.ln()).max(stirling)
}

impl Atom for Loggamma {
    fn name(&self) -> &'static str {
        "loggamma"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::same_shape(args)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Convex
    }
    fn sign(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        Sign::Unknown
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::None
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        super::check_domain(args[0], |v| v > 0.0, "loggamma needs x > 0")?;
        Ok(super::map(args[0], approx))
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
        let (t, e, f) = (c.var(n), c.var(n), c.var(n));
        let ones = super::filled(n, 1.0);
        for (a, b) in LINES {
            c.nonneg(super::sub(t.clone(), x.clone().scale(b).add(super::filled(n, a))));
        }
        c.exp_cones(&t.clone().add(x.clone().scale(GAMMA)).neg(), &ones, x);
        c.exp_cones(&e.clone().neg(), x, &ones);
        c.exp_cones(&f.clone().neg(), &ones, x);
        let stirling = super::filled(n, HALF_LOG_2PI).add(x.clone().neg()).add(e).add(f.scale(0.5));
        c.nonneg(super::sub(t.clone(), stirling));
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array, assert_close};
    use super::*;

    #[test]
    fn loggamma_is_cvxpys_maximum_of_pieces() {
        assert_eq!(Loggamma.curvature(&[arg(Sign::Nonneg)], &[]), AtomCurvature::Convex);
        assert_eq!(Loggamma.sign(&[arg(Sign::Nonneg)], &[]), Sign::Unknown);
        assert_eq!(Loggamma.monotonicity(0, &[arg(Sign::Nonneg)], &[]), Mono::None);
        // At x = 1 the lines 0.577216 − 0.577216x and the piece −γx − log x are both 0
        // (log Γ(1) = 0); the others are below, Stirling's is 0.918939 − 1 = −0.081.
        let v = |x: f64| Loggamma.eval(&[&array(&[], &[x])], &[]).unwrap().data[0];
        assert_close(&[v(1.0)], &[0.0]);
        // Large x: Stirling's piece, within 1/(12x) of log Γ (log Γ(10) = ln 362880).
        assert!((v(10.0) - 362880f64.ln()).abs() < 1.0 / 120.0, "{}", v(10.0));
        assert_close(&[v(10.0)], &[HALF_LOG_2PI - 10.0 + 9.5 * 10f64.ln()]);
        // Small x: −γx − log x (log Γ(0.01) ≈ 4.5995).
        assert_close(&[v(0.01)], &[-GAMMA * 0.01 - 0.01f64.ln()]);
        assert!(Loggamma.eval(&[&array(&[2], &[1.0, 0.0])], &[]).unwrap_err().contains("x > 0"));
    }
}

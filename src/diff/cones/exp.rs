//! The exponential cone: projection (Friberg 2021) and the eigen-decomposition of
//! its Jacobian.

use super::split3::{Region, Split3, safeguarded_newton, split_normalized};
use super::{cross3, dot3, indicator, normalize3, scale3};

/// Projection onto the exponential cone, following Friberg (2021), "Projection onto the
/// exponential cone: a univariate root-finding problem".
///
/// For `v = (r₀, s₀, t₀)`:
/// 1. `v ∈ K` (`s₀ > 0, s₀e^{r₀/s₀} ≤ t₀`, or `r₀ ≤ 0, s₀ = 0, t₀ ≥ 0`): `p = v`.
/// 2. `−v ∈ K*` (`r₀ > 0, r₀e^{s₀/r₀ − 1} ≤ −t₀`, or `r₀ = 0, s₀ ≤ 0, t₀ ≤ 0`):
///    `p = 0`.
/// 3. `r₀ ≤ 0, s₀ ≤ 0`: `p = (r₀, 0, t₀⁺)`, `d = (0, s₀, min(t₀, 0))`.
/// 4. Otherwise `p = β P(ρ)`, `d = γ Q(ρ)` with `P = (ρ, 1, e^ρ)` (the boundary ray with
///    `x/y = ρ`) and `Q = (1, 1 − ρ, −e^{−ρ})` (the polar boundary ray; `P ⊥ Q`), and ρ
///    the root of `h(ρ) = ⟨v, P × Q⟩ = ((ρ−1)r₀ + s₀)e^ρ − (r₀ − ρs₀)e^{−ρ} −
///    (ρ² − ρ + 1)t₀`, which is increasing on the interval where both `β = ((ρ−1)r₀ +
///    s₀)/(ρ² − ρ + 1)` and `γ = (r₀ − ρs₀)/(ρ² − ρ + 1)` are positive: `ρ > 1 − s₀/r₀`
///    if `r₀ > 0`, `ρ < r₀/s₀` if `s₀ > 0`. An open end of this interval is bracketed by
///    doubling steps. `h` is evaluated scaled by `e^{−|ρ|}` (no overflow for any ρ).
///
///    Given ρ, we take `β‖P‖ = ⟨v, P̂⟩` and `γ‖Q‖ = ⟨v, Q̂⟩`, the orthogonal projections
///    of v on the two rays, rather than the linear formulas above: they need no
///    cancellation where the projection is tiny (the "ridge", `y ≈ e^{−ρ}` with ρ ≫ 1),
///    and the Moreau residual `v − p − d` is then just the component of v along
///    `P̂ × Q̂`, which is at rounding level whichever ρ in the rounding-uncertainty
///    interval of the root is returned.
///
/// Derivative (region 4): `a = ∇g(p) = e^ρ Q` for `g = ye^{x/y} − z`, the multiplier is
/// `λ = γe^{−ρ}`, `∇²g(p) = (e^ρ/y) wwᵀ` with `w = (1, −ρ, 0)`, so
/// `c = λe^ρ/y = γ/β` and `δ = 1/(1 + c⟨w, n̂⟩²)` with `⟨w, n̂⟩ = −e^{−ρ}‖P‖/‖Q‖`
/// (because `w × Q = e^{−ρ}P`). We evaluate `c⟨w, n̂⟩²` in logarithms. On the ridge
/// (e.g. `v = (0.01, −1, 1)`: `ρ ≈ 101`) this gives `p ≈ (0, 0, t₀)` and
/// `D ≈ diag(0, 0, 1)` to within `e^{−ρ}`, the limit `diag(1[x₀ < 0], 0, 1[z₀ > 0])`.
pub(super) fn exp_split(v: &[f64]) -> Split3 {
    split_normalized(v, exp_split_unit)
}

fn in_exp(r0: f64, s0: f64, t0: f64) -> bool {
    (s0 > 0.0 && s0 * (r0 / s0).exp() <= t0) || (s0 == 0.0 && r0 <= 0.0 && t0 >= 0.0)
}

fn in_exp_polar(r0: f64, s0: f64, t0: f64) -> bool {
    (r0 > 0.0 && r0 * (s0 / r0 - 1.0).exp() <= -t0) || (r0 == 0.0 && s0 <= 0.0 && t0 <= 0.0)
}

fn exp_split_unit(u: [f64; 3]) -> Split3 {
    let [r0, s0, t0] = u;
    if in_exp(r0, s0, t0) {
        return Split3::diagonal(u, [0.0; 3], [1.0; 3], Region::Inside);
    }
    if in_exp_polar(r0, s0, t0) {
        return Split3::diagonal([0.0; 3], u, [0.0; 3], Region::Polar);
    }
    if r0 <= 0.0 && s0 <= 0.0 {
        return Split3::diagonal(
            [r0, 0.0, t0.max(0.0)],
            [0.0, s0, t0.min(0.0)],
            [indicator(r0 < 0.0), 0.0, indicator(t0 > 0.0)],
            Region::Edge,
        );
    }
    let rho = exp_root(r0, s0, t0);
    let (ph, ln_p) = exp_p_hat(rho);
    let (qh, ln_q) = exp_q_hat(rho);
    let beta = dot3(u, ph).max(0.0);
    let gamma = dot3(u, qh).max(0.0);
    let p = scale3(beta, ph);
    let d = scale3(gamma, qh);
    let (nh, _) = normalize3(cross3(ph, qh));
    // c⟨w, n̂⟩² = (γ̂/β̂)·‖P‖³e^{−2ρ}/‖Q‖³ with β̂ = β‖P‖, γ̂ = γ‖Q‖.
    let log_curv = gamma.ln() - beta.ln() + 3.0 * (ln_p - ln_q) - 2.0 * rho;
    let delta = if log_curv.is_nan() { 0.0 } else { 1.0 / (1.0 + log_curv.exp()) };
    Split3 { p, d, u: [ph, nh, qh], lam: [1.0, delta, 0.0], region: Region::Smooth, root: rho }
}

/// `P(ρ)/‖P(ρ)‖` for `P = (ρ, 1, e^ρ)`, and `ln ‖P(ρ)‖`.
fn exp_p_hat(rho: f64) -> ([f64; 3], f64) {
    if rho > 0.0 {
        let e = (-rho).exp();
        let (ph, ln) = normalize3([rho * e, e, 1.0]);
        (ph, ln + rho)
    } else {
        normalize3([rho, 1.0, rho.exp()])
    }
}

/// `Q(ρ)/‖Q(ρ)‖` for `Q = (1, 1 − ρ, −e^{−ρ})`, and `ln ‖Q(ρ)‖`.
fn exp_q_hat(rho: f64) -> ([f64; 3], f64) {
    if rho < 0.0 {
        let e = rho.exp();
        let (qh, ln) = normalize3([e, (1.0 - rho) * e, -1.0]);
        (qh, ln - rho)
    } else {
        normalize3([1.0, 1.0 - rho, -(-rho).exp()])
    }
}

/// `(h(ρ), h'(ρ))·e^{−|ρ|}` with `h(ρ) = ⟨v, P × Q⟩`,
/// `P × Q = ((ρ−1)e^ρ − e^{−ρ}, e^ρ + ρe^{−ρ}, −(ρ² − ρ + 1))`.
fn exp_h(r0: f64, s0: f64, t0: f64, rho: f64) -> (f64, f64) {
    let m = rho.abs();
    let ep = (rho - m).exp();
    let em = (-rho - m).exp();
    let q = (-m).exp();
    // Avoid 0·∞ when ρ² overflows (then e^{−|ρ|} is 0 anyway).
    let times_q = |x: f64| if q == 0.0 { 0.0 } else { x * q };
    let n = [(rho - 1.0) * ep - em, ep + rho * em, -times_q(rho * rho - rho + 1.0)];
    let dn = [rho * ep + em, ep + (1.0 - rho) * em, -times_q(2.0 * rho - 1.0)];
    let v = [r0, s0, t0];
    (dot3(v, n), dot3(v, dn))
}

/// The root of h on the interval where β, γ > 0 (requires `r₀ > 0` or `s₀ > 0`).
fn exp_root(r0: f64, s0: f64, t0: f64) -> f64 {
    const BIG: f64 = 1e300;
    let h = |rho: f64| exp_h(r0, s0, t0, rho);
    let (lo, hi) = if r0 > 0.0 && s0 > 0.0 {
        ((1.0 - s0 / r0).max(-BIG), (r0 / s0).min(BIG))
    } else if r0 > 0.0 {
        // h → +∞ as ρ → +∞: step up until h > 0.
        let mut lo = (1.0 - s0 / r0).min(BIG);
        let mut step = lo.abs().max(1.0);
        let mut hi = lo + step;
        while hi < BIG && h(hi).0 <= 0.0 {
            lo = hi;
            step *= 2.0;
            hi = (lo + step).min(BIG);
        }
        (lo, hi)
    } else {
        // h → −∞ as ρ → −∞: step down until h < 0.
        let mut hi = (r0 / s0).max(-BIG);
        let mut step = hi.abs().max(1.0);
        let mut lo = hi - step;
        while lo > -BIG && h(lo).0 >= 0.0 {
            hi = lo;
            step *= 2.0;
            lo = (hi - step).max(-BIG);
        }
        (lo, hi)
    };
    safeguarded_newton(h, lo, hi, 1.0)
}

#[cfg(test)]
mod tests {
    //! Which formula each projection used (`Split3::region`) and the root it found
    //! (`Split3::root`); the cone-level properties are tested in `tests/cones.rs`.
    use super::*;

    #[test]
    fn exp_regions() {
        for (v, region) in [
            ([-1.0, 1.0, 1.0], Region::Inside),
            ([0.0, 0.0, 2.0], Region::Inside),
            ([1.0, 0.0, -1.0], Region::Polar),
            ([0.0, -1.0, -1.0], Region::Polar),
            ([-1.0, -1.0, 1.0], Region::Edge),
            ([-1.0, -1.0, -1.0], Region::Edge),
            ([1.0, 1.0, 1.0], Region::Smooth),
            ([0.01, -1.0, 1.0], Region::Smooth),
        ] {
            assert_eq!(exp_split(&v).region, region, "{v:?}");
        }
    }

    #[test]
    fn exp_root_is_the_ratio_x_over_y_of_the_projection() {
        // v = βP(ρ) + γQ(ρ) projects to βP(ρ): the root is ρ, whatever the scale of v.
        for rho in [-40.0, -3.0, -0.5, 0.0, 0.7, 2.0, 10.0, 60.0] {
            for (beta, gamma, scale) in [(1.0, 1.0, 1.0), (0.2, 3.0, 1e3), (5.0, 0.1, 1e-3)] {
                let p = [rho, 1.0, f64::exp(rho)];
                let q = [1.0, 1.0 - rho, -f64::exp(-rho)];
                let v: Vec<f64> = (0..3).map(|i| scale * (beta * p[i] + gamma * q[i])).collect();
                let s = exp_split(&v);
                assert_eq!(s.region, Region::Smooth);
                assert!((s.root - rho).abs() <= 1e-12 * rho.abs().max(1.0), "ρ = {rho}: {}", s.root);
                if rho.abs() < 30.0 {
                    assert!((s.p[0] / s.p[1] - rho).abs() <= 1e-12 * rho.abs().max(1.0));
                }
            }
        }
        // The ridge v = (0.01, −1, 1): ρ ≈ 101 and δ is of order e^{−ρ}ρ³ (about 1e-38).
        let s = exp_split(&[0.01, -1.0, 1.0]);
        assert!(s.root > 100.0 && s.root < 102.0, "{}", s.root);
        assert!(s.lam[1] < 1e-30, "{:?}", s.lam);
    }
}

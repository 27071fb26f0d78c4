//! The power cone `K_α`: projection (Hien 2015) and the eigen-decomposition of its
//! Jacobian.

use super::split3::{Region, Split3, safeguarded_newton, split_normalized};
use super::{cross3, indicator, normalize3};

/// Projection onto the power cone `K_α` (Hien 2015).
///
/// For `v = (x₀, y₀, z₀)`:
/// 1. `v ∈ K`: `p = v`. 2. `−v ∈ K*`, i.e. `x₀, y₀ ≤ 0` and
///    `(−x₀/α)^α (−y₀/(1−α))^{1−α} ≥ |z₀|`: `p = 0`.
/// 3. `z₀ = 0` (then x₀ and y₀ have opposite signs): `p = (x₀⁺, y₀⁺, 0)`. The projection
///    is not differentiable there (for α > ½ the z-derivative is unbounded nearby); we
///    use `diag(1[x₀ > 0], 1[y₀ > 0], 0)`, the limit for α < ½.
/// 4. Otherwise `p = (x(r), y(r), sign(z₀)·r)` where, with `μ = |z₀| − r` (the
///    multiplier), `x(r)` and `y(r)` are the positive roots of `x² − x₀x − αrμ = 0` and
///    `y² − y₀y − (1−α)rμ = 0` (the KKT conditions `x − x₀ = αμφ/x`, … with `φ = r`),
///    and r ∈ (0, |z₀|) is the root of `Φ(r) = x(r)^α y(r)^{1−α} − r` (concave, `Φ > 0`
///    near 0, `Φ(|z₀|) < 0`), found by safeguarded Newton with
///    `x'(r) = α(|z₀| − 2r)/√(x₀² + 4αrμ)`, in the variable r if `r < |z₀|/2` and
///    in μ otherwise (so that the product rμ has full relative precision). Both roots are evaluated without
///    cancellation. The polar part is `d = μ·a` with
///    `a = ∇g = (−αr/x, −(1−α)r/y, sign z₀)` for `g = |z| − x^α y^{1−α}`.
///
/// Derivative (region 4): `∇²g = α(1−α)φ uuᵀ` with `u = (1/x, −1/y, 0)`, so
/// `δ = 1/(1 + μα(1−α)r⟨u, n̂⟩²)`, `n̂ = p̂ × â`.
pub(super) fn pow_split(v: &[f64], alpha: f64) -> Split3 {
    debug_assert!(alpha > 0.0 && alpha < 1.0, "power cone exponent must be in (0, 1)");
    split_normalized(v, |u| pow_split_unit(u, alpha))
}

/// `x^α y^{1−α}` for `x, y ≥ 0`.
fn pow_phi(x: f64, y: f64, a: f64) -> f64 {
    if x <= 0.0 || y <= 0.0 { 0.0 } else { (a * x.ln() + (1.0 - a) * y.ln()).exp() }
}

/// The positive root `x` of `x² − x₀x − q = 0` (q ≥ 0), `x₀ − x`, and `√(x₀² + 4q)`.
fn pow_quad_root(x0: f64, q: f64) -> (f64, f64, f64) {
    let disc = x0.hypot(2.0 * q.sqrt());
    if x0 >= 0.0 {
        let s = x0 + disc;
        let x = 0.5 * s;
        let diff = if s > 0.0 { -2.0 * q / s } else { 0.0 };
        (x, diff, disc)
    } else {
        let x = 2.0 * q / (disc - x0);
        (x, 0.5 * (x0 - disc), disc)
    }
}

fn pow_split_unit(u: [f64; 3], a: f64) -> Split3 {
    let [x0, y0, z0] = u;
    let za = z0.abs();
    if x0 >= 0.0 && y0 >= 0.0 && pow_phi(x0, y0, a) >= za {
        return Split3::diagonal(u, [0.0; 3], [1.0; 3], Region::Inside);
    }
    if x0 <= 0.0 && y0 <= 0.0 && pow_phi(-x0 / a, -y0 / (1.0 - a), a) >= za {
        return Split3::diagonal([0.0; 3], u, [0.0; 3], Region::Polar);
    }
    if za == 0.0 {
        return Split3::diagonal(
            [x0.max(0.0), y0.max(0.0), 0.0],
            [x0.min(0.0), y0.min(0.0), 0.0],
            [indicator(x0 > 0.0), indicator(y0 > 0.0), 0.0],
            Region::Edge,
        );
    }
    let sg = z0.signum();
    // f(r, μ) = r − Φ-part with μ = |z₀| − r: increasing in r through the root, f < 0
    // near r = 0, f > 0 at r = |z₀|; the second value is df/dr.
    let f = |r: f64, mu: f64| {
        let (x, _, dx) = pow_quad_root(x0, a * r * mu);
        let (y, _, dy) = pow_quad_root(y0, (1.0 - a) * r * mu);
        let phi = pow_phi(x, y, a);
        let xp = a * (mu - r) / dx;
        let yp = (1.0 - a) * (mu - r) / dy;
        (r - phi, 1.0 - phi * (a * xp / x + (1.0 - a) * yp / y))
    };
    // x(r) and y(r) depend on the product rμ, so solve for the smaller of r and μ: it is
    // then found to full relative precision. (Solving for r alone leaves μ = |z₀| − r
    // with an absolute error of an ulp of |z₀|, which x ≈ x₀ + αrμ/x₀ amplifies when v
    // is near the boundary close to a face x = 0 or y = 0.)
    let half = 0.5 * za;
    let (r, mu) = if f(half, za - half).0 < 0.0 {
        let g = |m: f64| {
            let (val, der) = f(za - m, m);
            (-val, der)
        };
        let m = safeguarded_newton(g, 0.0, za - half, f64::MIN_POSITIVE);
        (za - m, m)
    } else {
        let r = safeguarded_newton(|r| f(r, za - r), 0.0, half, f64::MIN_POSITIVE);
        (r, za - r)
    };
    let (x, dx, _) = pow_quad_root(x0, a * r * mu);
    let (y, dy, _) = pow_quad_root(y0, (1.0 - a) * r * mu);
    let p = [x, y, sg * r];
    let d = [dx, dy, sg * mu];
    let (ph, _) = normalize3(p);
    let grad = [-a * (r / x), -(1.0 - a) * (r / y), sg];
    let (ah, _) = if grad.iter().all(|g| g.is_finite()) { normalize3(grad) } else { normalize3(d) };
    let (nh, _) = normalize3(cross3(ph, ah));
    let un = nh[0] / x - nh[1] / y;
    let curv = mu * a * (1.0 - a) * r * un * un;
    let delta = if curv.is_finite() { 1.0 / (1.0 + curv) } else { 0.0 };
    Split3 { p, d, u: [ph, nh, ah], lam: [1.0, delta, 0.0], region: Region::Smooth, root: r }
}

#[cfg(test)]
mod tests {
    //! Which formula each projection used (`Split3::region`) and the root it found
    //! (`Split3::root`); the cone-level properties are tested in `tests/cones.rs`.
    use super::*;

    #[test]
    fn pow_regions_and_root() {
        let a = 0.3;
        for (v, region) in [
            ([1.0, 1.0, 0.5], Region::Inside),
            ([-1.0, -1.0, 0.5], Region::Polar),
            ([1.0, -1.0, 0.0], Region::Edge),
            ([-1.0, 2.0, 0.0], Region::Edge),
            ([1.0, 1.0, 2.0], Region::Smooth),
            ([-1.0, 1.0, -0.5], Region::Smooth),
        ] {
            assert_eq!(pow_split(&v, a).region, region, "{v:?}");
        }
        // The root is r = |Π(v)_z| for the input scaled to ‖v‖_∞ = 1, and Π(v) is on the
        // boundary. The first point has r < |z₀|/2 (solved for r), the second μ < |z₀|/2
        // (solved for μ).
        for v in [[-2.0, -1.0, 4.0], [1.0, 1.0, -1.2], [1e-6, 2.0, 3.0]] {
            let s = pow_split(&v, a);
            let scale = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            assert_eq!(s.region, Region::Smooth);
            assert!((s.root * scale - s.p[2].abs()).abs() <= 1e-15 * scale, "{v:?}");
            let phi = pow_phi(s.p[0], s.p[1], a);
            assert!((phi - s.p[2].abs()).abs() <= 1e-14 * scale, "{v:?}: {:?}", s.p);
        }
        let small_r = pow_split(&[-2.0, -1.0, 4.0], a);
        let small_mu = pow_split(&[1.0, 1.0, -1.2], a);
        assert!(small_r.root < 0.5 && small_mu.root > 0.5, "{} {}", small_r.root, small_mu.root);
    }
}

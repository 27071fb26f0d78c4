//! What the exponential and power cones share: the projection split `v = p + d`
//! (`p = Π_K(v)`, `d = Π_{K°}(v)`) with the eigen-decomposition of `DΠ_K(v)`,
//! computed on `v/‖v‖_∞` and scaled back, and the safeguarded Newton method their
//! root-finding uses.

use super::{Spectral, scale3};

/// Which formula produced a 3-d projection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Region {
    /// `v ∈ K`.
    Inside,
    /// `−v ∈ K*` (v in the polar cone).
    Polar,
    /// A closed-form nonsmooth piece: the exponential edge `x₀ ≤ 0, y₀ ≤ 0`, or a power
    /// cone point with `z₀ = 0`.
    Edge,
    /// The projection lies on the smooth part of the boundary (root-finding).
    Smooth,
}

/// `v = p + d` with `p = Π_K(v)` and `d = Π_{K°}(v)`, and `DΠ_K(v) = Σ lam[j] u[j]u[j]ᵀ`.
#[derive(Clone, Debug)]
pub(super) struct Split3 {
    pub(super) p: [f64; 3],
    pub(super) d: [f64; 3],
    /// Orthonormal eigenvectors (each entry is one column).
    pub(super) u: [[f64; 3]; 3],
    pub(super) lam: [f64; 3],
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) region: Region,
    /// The root of the univariate equation (ρ = x/y for exp, r = |z| for pow) in the
    /// `Smooth` region, for the normalized input.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) root: f64,
}

pub(super) const E3: [[f64; 3]; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

impl Split3 {
    pub(super) fn diagonal(p: [f64; 3], d: [f64; 3], lam: [f64; 3], region: Region) -> Split3 {
        Split3 { p, d, u: E3, lam, region, root: f64::NAN }
    }

    pub(super) fn spectral(&self) -> Spectral {
        let mut u = vec![0.0; 9];
        for (j, col) in self.u.iter().enumerate() {
            for i in 0..3 {
                u[i * 3 + j] = col[i];
            }
        }
        Spectral { u, lambda: self.lam.to_vec() }
    }

    pub(super) fn scaled(mut self, s: f64) -> Split3 {
        self.p = scale3(s, self.p);
        self.d = scale3(s, self.d);
        self
    }
}

/// Both projections are positively homogeneous and the Jacobians are 0-homogeneous, so
/// solve for `v/‖v‖_∞` and scale back.
pub(super) fn split_normalized(v: &[f64], f: impl Fn([f64; 3]) -> Split3) -> Split3 {
    assert_eq!(v.len(), 3);
    let s = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if s == 0.0 {
        return Split3::diagonal([0.0; 3], [0.0; 3], [1.0; 3], Region::Inside);
    }
    f([v[0] / s, v[1] / s, v[2] / s]).scaled(s)
}

/// Safeguarded Newton (Newton inside a shrinking bracket, bisection when a step leaves
/// it or does not halve the step size) for an increasing function with `f(lo) < 0 <
/// f(hi)`; `f` returns the value and the derivative. The endpoints are never evaluated.
/// Stops when the Newton step or the bracket is below `2ε·max(|x|, xscale)`.
pub(super) fn safeguarded_newton(
    f: impl Fn(f64) -> (f64, f64),
    mut lo: f64,
    mut hi: f64,
    xscale: f64,
) -> f64 {
    let mut x = lo + 0.5 * (hi - lo);
    let mut dx = hi - lo;
    let mut dx_old = dx;
    for _ in 0..2000 {
        let (fx, dfx) = f(x);
        if fx == 0.0 {
            return x;
        }
        if fx < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let tol = 2.0 * f64::EPSILON * x.abs().max(xscale);
        if hi - lo <= tol {
            return x;
        }
        let newton = x - fx / dfx;
        let use_newton = dfx > 0.0
            && newton.is_finite()
            && newton > lo
            && newton < hi
            && (2.0 * fx).abs() <= (dx_old * dfx).abs();
        dx_old = dx;
        if use_newton {
            dx = newton - x;
            x = newton;
            if dx.abs() <= tol {
                return x;
            }
        } else {
            let mid = lo + 0.5 * (hi - lo);
            if mid <= lo || mid >= hi {
                return x;
            }
            dx = mid - x;
            x = mid;
        }
    }
    x
}

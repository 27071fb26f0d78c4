//! Cone-level tests of `dopt::internals::diff::cones` (differentiation notes §7.1): for every cone
//! and its dual, on seeded random points in each region (interior, polar, projection onto
//! the boundary, and the special pieces of the exponential and power cones):
//!
//! * the Jacobian against central finite differences of the projection (h = 1e-6,
//!   ≤ 1e-6 abs), symmetry (≤ 1e-12), eigenvalues in [−1e-12, 1 + 1e-12];
//! * Euler's identity `DΠ(v)v = Π(v)` (Π is positively homogeneous), ≤ 1e-10;
//! * Moreau: `Π_K(v) + Π_{K°}(v) = v` with `Π_{K°}(v) = −Π_{K*}(−v)` and
//!   `⟨Π_K(v), v − Π_K(v)⟩ = 0`; idempotence; `Π_{K*}(v) = v + Π_K(−v)`;
//! * both projections land in their cones. Together with Moreau this characterizes the
//!   projection (p ∈ K, d ∈ K°, p ⊥ d, p + d = v ⇒ p = Π_K(v)), so it checks the
//!   projection itself, not only its derivative;
//! * `spectral_dual` has an orthogonal U and reconstructs `DΠ_{K*}`, and
//!   `I − DΠ_{K*}(−v) = DΠ_K(v)`.
//!
//! Then cone-specific closed forms (exponential special regions and ridge, the bordered
//! KKT and Ali–Wong–Kolter formulas for the exponential/power Jacobians, the PSD svec
//! order and eigen-structure), and the CHKS-smoothed versions.

use dopt::internals::diff::cones::{
    jacobian, jacobian_dual, project, project_dual, project_dual_smoothed, smat, spectral_dual,
    spectral_dual_smoothed, svec,
};
use dopt::internals::ir::cone::Cone;
use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, Side};
use std::f64::consts::{E, SQRT_2};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

mod common;
use common::Rng;

/// A random sign, ±1.
trait RandomSign {
    fn sign(&mut self) -> f64;
}

impl RandomSign for Rng {
    fn sign(&mut self) -> f64 {
        if self.unit() < 0.5 { -1.0 } else { 1.0 }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

fn neg(a: &[f64]) -> Vec<f64> {
    a.iter().map(|x| -x).collect()
}

fn add(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x + y).collect()
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

fn identity(k: usize) -> Vec<f64> {
    let mut d = vec![0.0; k * k];
    for i in 0..k {
        d[i * k + i] = 1.0;
    }
    d
}

fn diag(l: &[f64]) -> Vec<f64> {
    let k = l.len();
    let mut d = vec![0.0; k * k];
    for i in 0..k {
        d[i * k + i] = l[i];
    }
    d
}

/// `I − D`.
fn complement(d: &[f64], k: usize) -> Vec<f64> {
    add(&identity(k), &neg(d))
}

/// `D v` for a k×k row-major D.
fn matvec(d: &[f64], v: &[f64]) -> Vec<f64> {
    let k = v.len();
    (0..k).map(|i| dot(&d[i * k..(i + 1) * k], v)).collect()
}

fn asym(d: &[f64], k: usize) -> f64 {
    let mut m = 0.0f64;
    for i in 0..k {
        for j in 0..i {
            m = m.max((d[i * k + j] - d[j * k + i]).abs());
        }
    }
    m
}

/// Eigenvalues (ascending) and eigenvectors (columns, row-major) of a symmetric matrix.
fn sym_eig(d: &[f64], k: usize) -> (Vec<f64>, Vec<f64>) {
    let m = Mat::from_fn(k, k, |i, j| 0.5 * (d[i * k + j] + d[j * k + i]));
    let evd = m.self_adjoint_eigen(Side::Lower).expect("eigen-decomposition");
    let s = evd.S().column_vector();
    let u = evd.U();
    let lam = (0..k).map(|i| s[i]).collect();
    let mut q = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..k {
            q[i * k + j] = u[(i, j)];
        }
    }
    (lam, q)
}

/// Central finite differences of f at v: `out[i·k + j] = ∂f_i/∂v_j`.
fn fd_jacobian(f: impl Fn(&[f64]) -> Vec<f64>, v: &[f64], h: f64) -> Vec<f64> {
    let k = v.len();
    let mut d = vec![0.0; k * k];
    for j in 0..k {
        let mut vp = v.to_vec();
        let mut vm = v.to_vec();
        vp[j] += h;
        vm[j] -= h;
        let (fp, fm) = (f(&vp), f(&vm));
        for i in 0..k {
            d[i * k + j] = (fp[i] - fm[i]) / (2.0 * h);
        }
    }
    d
}

const H: f64 = 1e-6;

// --- membership, written independently of the library --------------------------------
//
// For the exponential and power cones the violation of a curved face `g ≤ 0` is measured
// as `g/‖∇g‖`, a first-order estimate of the distance (g itself amplifies rounding errors
// by ‖∇g‖, which is huge near the faces x = 0 or y = 0), evaluated without overflow.

/// `max(g, 0)/‖∇g‖` for `g = y e^{x/y} − z`, `y > 0`.
fn exp_face_violation(x: f64, y: f64, z: f64) -> f64 {
    let rho = x / y;
    let (num, den) = if rho > 0.0 {
        let e = (-rho).exp();
        (y - z * e, (1.0 + (1.0 - rho).powi(2) + e * e).sqrt())
    } else {
        let e = rho.exp();
        (y * e - z, (e * e * (1.0 + (1.0 - rho).powi(2)) + 1.0).sqrt())
    };
    num.max(0.0) / den
}

/// `max(|w| − φ, 0)/‖∇(|w| − φ)‖` for `φ = (x/c)^α (y/d)^{1−α}`, `x, y ≥ 0`.
fn pow_face_violation(x: f64, y: f64, w: f64, a: f64, c: f64, d: f64) -> f64 {
    let phi = (x / c).powf(a) * (y / d).powf(1.0 - a);
    let g = (w.abs() - phi).max(0.0);
    if x > 0.0 && y > 0.0 {
        g / (1.0 + (a * phi / x).powi(2) + ((1.0 - a) * phi / y).powi(2)).sqrt()
    } else {
        g
    }
}

/// How far p is from satisfying the inequalities of K (0 inside).
fn violation(cone: &Cone, p: &[f64]) -> f64 {
    let pos = |x: f64| x.max(0.0);
    match *cone {
        Cone::Zero(_) => p.iter().fold(0.0, |m, x| m.max(x.abs())),
        Cone::Nonneg(_) => p.iter().fold(0.0, |m, &x| m.max(pos(-x))),
        Cone::Soc(_) => {
            if p.is_empty() {
                0.0
            } else {
                pos(norm(&p[1..]) - p[0])
            }
        }
        Cone::Psd(n) => {
            if n == 0 {
                return 0.0;
            }
            let (lam, _) = sym_eig(&smat(n, p), n);
            pos(-lam[0])
        }
        Cone::Exp => {
            let [x, y, z] = [p[0], p[1], p[2]];
            if y > 0.0 { exp_face_violation(x, y, z) } else { pos(-y) + pos(x) + pos(-z) }
        }
        Cone::Pow(a) => {
            let [x, y, z] = [p[0], p[1], p[2]];
            pos(-x) + pos(-y) + pow_face_violation(x.max(0.0), y.max(0.0), z, a, 1.0, 1.0)
        }
    }
}

/// How far p is from satisfying the inequalities of K* (0 inside).
fn violation_dual(cone: &Cone, p: &[f64]) -> f64 {
    let pos = |x: f64| x.max(0.0);
    match *cone {
        Cone::Zero(_) => 0.0,
        Cone::Nonneg(_) | Cone::Soc(_) | Cone::Psd(_) => violation(cone, p),
        Cone::Exp => {
            // For u < 0, (u, v, w) ∈ K* ⇔ (−v, −u, e·w) ∈ K; the factor 1/e makes the
            // estimate a lower bound of the one in (u, v, w) coordinates.
            let [u, v, w] = [p[0], p[1], p[2]];
            if u < 0.0 { exp_face_violation(-v, -u, E * w) / E } else { pos(u) + pos(-v) + pos(-w) }
        }
        Cone::Pow(a) => {
            let [u, v, w] = [p[0], p[1], p[2]];
            pos(-u) + pos(-v) + pow_face_violation(u.max(0.0), v.max(0.0), w, a, a, 1.0 - a)
        }
    }
}

// --- the per-point property check -------------------------------------------------------

/// Largest errors seen over a family of points.
#[derive(Default, Debug)]
struct Worst {
    fd: f64,
    sym: f64,
    euler: f64,
    moreau: f64,
    points: usize,
}

impl Worst {
    fn merge(&mut self, o: Worst) {
        self.fd = self.fd.max(o.fd);
        self.sym = self.sym.max(o.sym);
        self.euler = self.euler.max(o.euler);
        self.moreau = self.moreau.max(o.moreau);
        self.points += o.points;
    }
}

/// Checks of one Jacobian `d` of one projection `f` at v (the projection onto K or K*).
fn check_jacobian(what: &str, f: &dyn Fn(&[f64]) -> Vec<f64>, d: &[f64], v: &[f64], fd: bool, w: &mut Worst) {
    let k = v.len();
    let scale = norm(v).max(1.0);
    assert!(d.iter().all(|x| x.is_finite()), "{what}: non-finite Jacobian at {v:?}: {d:?}");
    let s = asym(d, k);
    assert!(s <= 1e-12, "{what}: asymmetry {s:e} at {v:?}");
    w.sym = w.sym.max(s);
    if k > 0 {
        let (lam, _) = sym_eig(d, k);
        assert!(
            lam[0] >= -1e-12 && lam[k - 1] <= 1.0 + 1e-12,
            "{what}: eigenvalues {lam:?} outside [0, 1] at {v:?}"
        );
    }
    let p = f(v);
    let e = max_diff(&matvec(d, v), &p);
    assert!(e <= 1e-10 * scale, "{what}: Euler DΠ(v)v − Π(v) = {e:e} at {v:?}");
    w.euler = w.euler.max(e / scale);
    if fd {
        let num = fd_jacobian(f, v, H);
        let e = max_diff(&num, d);
        assert!(e <= 1e-6, "{what}: FD error {e:e} at {v:?}\n analytic {d:?}\n numeric {num:?}");
        w.fd = w.fd.max(e);
    }
}

/// Every cone-independent property at v, for K and for K*. `fd`: the point is away
/// from the kinks, so the finite differences must match.
fn check_point(cone: &Cone, v: &[f64], fd: bool) -> Worst {
    let k = cone.dim();
    let mut w = Worst { points: 1, ..Worst::default() };
    let scale = norm(v).max(1.0);
    let tol = 1e-12 * scale;
    let what = format!("{cone:?}");

    let p = project(cone, v);
    let pd = project_dual(cone, v);
    let polar = neg(&project_dual(cone, &neg(v)));
    assert!(p.iter().chain(&pd).all(|x| x.is_finite()), "{what}: non-finite projection at {v:?}");

    // Moreau: Π_K(v) + Π_{K°}(v) = v, the parts orthogonal, each in its cone.
    let e = max_diff(&add(&p, &polar), v);
    assert!(e <= tol, "{what}: Moreau residual {e:e} at {v:?}: p = {p:?}, polar = {polar:?}");
    w.moreau = w.moreau.max(e / scale);
    let r = add(v, &neg(&p));
    let c = dot(&p, &r).abs();
    assert!(c <= tol * scale, "{what}: ⟨Π(v), v − Π(v)⟩ = {c:e} at {v:?}");
    let c = dot(&p, &polar).abs();
    assert!(c <= tol * scale, "{what}: ⟨Π_K(v), Π_K°(v)⟩ = {c:e} at {v:?}");
    let viol = violation(cone, &p);
    assert!(viol <= tol, "{what}: Π_K(v) = {p:?} is outside K by {viol:e} (v = {v:?})");
    let viol = violation_dual(cone, &pd);
    assert!(viol <= tol, "{what}: Π_K*(v) = {pd:?} is outside K* by {viol:e} (v = {v:?})");
    let viol = violation_dual(cone, &neg(&polar));
    assert!(viol <= tol, "{what}: −Π_K°(v) = {:?} is outside K* by {viol:e}", neg(&polar));

    // Π_{K*}(v) = v + Π_K(−v).
    let e = max_diff(&pd, &add(v, &project(cone, &neg(v))));
    assert!(e <= tol, "{what}: Π_K*(v) ≠ v + Π_K(−v) by {e:e} at {v:?}");

    // Idempotence.
    let e = max_diff(&project(cone, &p), &p);
    assert!(e <= tol, "{what}: Π_K(Π_K(v)) ≠ Π_K(v) by {e:e} at {v:?}");
    let e = max_diff(&project_dual(cone, &pd), &pd);
    assert!(e <= tol, "{what}: Π_K*(Π_K*(v)) ≠ Π_K*(v) by {e:e} at {v:?}");

    // Jacobians.
    let d = jacobian(cone, v);
    let dd = jacobian_dual(cone, v);
    assert_eq!((d.len(), dd.len()), (k * k, k * k));
    check_jacobian(&format!("{what} K"), &|x| project(cone, x), &d, v, fd, &mut w);
    check_jacobian(&format!("{what} K*"), &|x| project_dual(cone, x), &dd, v, fd, &mut w);

    // DΠ_{K*}(v) = I − DΠ_K(−v): by definition for the exponential and power cones; for
    // the self-dual cones only where Π is differentiable (at a kink both Jacobians pick
    // the element with the larger eigenvalues, e.g. 1 on the SOC boundary).
    let complementary = fd || matches!(cone, Cone::Exp | Cone::Pow(_));
    if complementary {
        let e = max_diff(&dd, &complement(&jacobian(cone, &neg(v)), k));
        assert!(e <= 1e-12, "{what}: DΠ_K*(v) ≠ I − DΠ_K(−v) by {e:e} at {v:?}");
    }

    // The spectral decomposition: U orthogonal, λ ∈ [0, 1], U diag(λ) Uᵀ = DΠ_{K*}(v).
    let sp = spectral_dual(cone, v);
    assert_eq!((sp.u.len(), sp.lambda.len()), (k * k, k));
    let ut = Mat::from_fn(k, k, |i, j| sp.u[j * k + i]);
    let um = Mat::from_fn(k, k, |i, j| sp.u[i * k + j]);
    let g = &ut * &um;
    for i in 0..k {
        for j in 0..k {
            let want = if i == j { 1.0 } else { 0.0 };
            assert!((g[(i, j)] - want).abs() <= 1e-12, "{what}: UᵀU ≠ I at {v:?}: {g:?}");
        }
    }
    assert!(
        sp.lambda.iter().all(|&l| (0.0..=1.0).contains(&l)),
        "{what}: spectral eigenvalues {:?} outside [0, 1] at {v:?}",
        sp.lambda
    );
    let e = max_diff(&sp.reconstruct(), &dd);
    assert!(e <= 1e-12, "{what}: U diag(λ) Uᵀ ≠ DΠ_K*(v) by {e:e} at {v:?}");
    for j in 0..k {
        let col = sp.column(j);
        let e = max_diff(&matvec(&dd, &col), &col.iter().map(|x| sp.lambda[j] * x).collect::<Vec<_>>());
        assert!(e <= 1e-12, "{what}: column {j} is not an eigenvector ({e:e}) at {v:?}");
    }
    if complementary {
        let e = max_diff(&complement(&spectral_dual(cone, &neg(v)).reconstruct(), k), &d);
        assert!(e <= 1e-12, "{what}: I − U diag(λ) Uᵀ at −v ≠ DΠ_K(v) by {e:e} at {v:?}");
    }
    w
}

/// Runs [`check_point`] at v and at −v (so that every region of K is also visited as a
/// region of K*), and prints the worst errors.
fn check_all(label: &str, cone: &Cone, points: &[(Vec<f64>, bool)]) -> Worst {
    let mut w = Worst::default();
    for (v, fd) in points {
        w.merge(check_point(cone, v, *fd));
        w.merge(check_point(cone, &neg(v), *fd));
    }
    eprintln!(
        "{label} {cone:?}: {} points, max FD error {:.2e}, asymmetry {:.1e}, Euler {:.1e}, Moreau {:.1e}",
        w.points, w.fd, w.sym, w.euler, w.moreau
    );
    w
}

// --- sample points ------------------------------------------------------------------------

const PER_REGION: usize = 40;

/// A random orthogonal n×n matrix (row-major; eigenvectors of a random symmetric one).
fn random_orthogonal(rng: &mut Rng, n: usize) -> Vec<f64> {
    let a = rng.normals(n * n);
    let s: Vec<f64> = (0..n * n).map(|i| a[i] + a[(i % n) * n + i / n]).collect();
    sym_eig(&s, n).1
}

/// `svec(Q diag(λ) Qᵀ)`.
fn psd_point(n: usize, q: &[f64], lam: &[f64]) -> Vec<f64> {
    let mut x = vec![0.0; n * n];
    for r in 0..n {
        for c in 0..n {
            x[r * n + c] = (0..n).map(|i| q[r * n + i] * lam[i] * q[c * n + i]).sum();
        }
    }
    svec(n, &x)
}

/// `(ρ, 1, e^ρ)`: the boundary ray of the exponential cone with x/y = ρ.
fn exp_ray(rho: f64) -> [f64; 3] {
    [rho, 1.0, rho.exp()]
}

/// `(1, 1 − ρ, −e^{−ρ})`: the polar ray normal to [`exp_ray`] (−Q is on ∂K*).
fn exp_polar_ray(rho: f64) -> [f64; 3] {
    [1.0, 1.0 - rho, -(-rho).exp()]
}

/// `v = βP(ρ) + γQ(ρ)` with `Π_K(v) = βP(ρ)` by construction.
fn exp_constructed(rho: f64, beta: f64, gamma: f64) -> (Vec<f64>, Vec<f64>) {
    let p: Vec<f64> = exp_ray(rho).iter().map(|x| beta * x).collect();
    let d: Vec<f64> = exp_polar_ray(rho).iter().map(|x| gamma * x).collect();
    (add(&p, &d), p)
}

/// `v = p + μ∇g(p)` with p on the power-cone boundary and `g = |z| − x^α y^{1−α}`,
/// so that `Π_K(v) = p`.
fn pow_constructed(a: f64, x: f64, y: f64, sign: f64, mu: f64) -> (Vec<f64>, Vec<f64>) {
    let phi = x.powf(a) * y.powf(1.0 - a);
    let p = vec![x, y, sign * phi];
    let grad = [-a * phi / x, -(1.0 - a) * phi / y, sign];
    let v = (0..3).map(|i| p[i] + mu * grad[i]).collect();
    (v, p)
}

fn exp_points(rng: &mut Rng) -> Vec<(Vec<f64>, bool)> {
    let mut pts = Vec::new();
    for _ in 0..PER_REGION {
        // Interior: y > 0, z > y e^{x/y}.
        let y = rng.uniform(0.1, 2.0);
        let rho = rng.uniform(-3.0, 3.0);
        pts.push((vec![rho * y, y, y * rho.exp() * rng.uniform(1.1, 3.0)], true));
        // Polar: −v ∈ K*, u < 0, w > −u e^{v/u − 1}.
        let u = -rng.uniform(0.1, 2.0);
        let s = rng.uniform(-3.0, 3.0);
        pts.push((neg(&[u, s * u, -u * (s - 1.0).exp() * rng.uniform(1.1, 3.0)]), true));
        // Projection onto the smooth boundary, by construction.
        let (v, _) = exp_constructed(rng.uniform(-5.0, 5.0), rng.uniform(0.1, 2.0), rng.uniform(0.1, 2.0));
        pts.push((v, true));
        // The edge region r₀ < 0, s₀ < 0 (not in K, not in the polar).
        let t0 = rng.sign() * rng.uniform(0.1, 2.0);
        pts.push((vec![-rng.uniform(0.1, 2.0), -rng.uniform(0.1, 2.0), t0], true));
        // Anything.
        pts.push((rng.normals(3), true));
    }
    // Extreme ratios x/y of the projection, and the ridge.
    // (Scaled so that both parts have norm about 1: FD with h = 1e-6 needs ‖v‖ ≈ 1.)
    for rho in [-40.0, -20.0, -8.0, 8.0, 20.0, 50.0, 101.0] {
        let (b, g) = (0.7 / norm(&exp_ray(rho)), 1.3 / norm(&exp_polar_ray(rho)));
        pts.push((exp_constructed(rho, b, g).0, true));
    }
    pts.push((vec![0.01, -1.0, 1.0], true));
    pts.push((vec![0.3, -2.0, 0.5], true));
    pts
}

fn pow_points(rng: &mut Rng, a: f64) -> Vec<(Vec<f64>, bool)> {
    let mut pts = Vec::new();
    for _ in 0..PER_REGION {
        let (x, y) = (rng.uniform(0.1, 2.0), rng.uniform(0.1, 2.0));
        let phi = x.powf(a) * y.powf(1.0 - a);
        pts.push((vec![x, y, rng.sign() * phi * rng.uniform(0.0, 0.9)], true));
        let (u, w) = (rng.uniform(0.1, 2.0), rng.uniform(0.1, 2.0));
        let psi = (u / a).powf(a) * (w / (1.0 - a)).powf(1.0 - a);
        pts.push((neg(&[u, w, rng.sign() * psi * rng.uniform(0.0, 0.9)]), true));
        let (v, _) = pow_constructed(a, x, y, rng.sign(), rng.uniform(0.1, 2.0));
        pts.push((v, true));
        // x₀ < 0 < y₀ or the reverse, small |z₀|: projection near the x = 0 or y = 0 face.
        let z0 = rng.sign() * rng.uniform(0.05, 0.5);
        pts.push((vec![-rng.uniform(0.1, 2.0), rng.uniform(0.1, 2.0), z0], true));
        pts.push((vec![rng.uniform(0.1, 2.0), -rng.uniform(0.1, 2.0), z0], true));
        pts.push((rng.normals(3), true));
    }
    pts
}

// ---------------------------------------------------------------------------------------
// Every cone, every region
// ---------------------------------------------------------------------------------------

#[test]
fn zero_cone() {
    let mut rng = Rng(1);
    for k in [0usize, 1, 4] {
        let cone = Cone::Zero(k);
        let pts: Vec<_> = (0..PER_REGION).map(|_| (rng.normals(k), true)).collect();
        check_all("zero", &cone, &pts);
        let v = rng.normals(k);
        assert_eq!(project(&cone, &v), vec![0.0; k]);
        assert_eq!(project_dual(&cone, &v), v);
        assert_eq!(jacobian(&cone, &v), vec![0.0; k * k]);
        assert_eq!(jacobian_dual(&cone, &v), identity(k));
    }
}

#[test]
fn nonnegative_cone() {
    let mut rng = Rng(2);
    for k in [1usize, 2, 6] {
        let cone = Cone::Nonneg(k);
        let mut pts = Vec::new();
        for _ in 0..PER_REGION {
            let mag: Vec<f64> = (0..k).map(|_| rng.uniform(0.05, 3.0)).collect();
            pts.push((mag.clone(), true));
            pts.push((neg(&mag), true));
            pts.push((mag.iter().map(|m| rng.sign() * m).collect(), true));
        }
        let w = check_all("nonnegative", &cone, &pts);
        assert!(w.fd <= 1e-6);
    }
    // Closed form, including the kink (exact Jacobian: 0 there, as documented).
    let cone = Cone::Nonneg(4);
    let v = [2.0, -1.0, 0.0, 0.5];
    assert_eq!(project(&cone, &v), vec![2.0, 0.0, 0.0, 0.5]);
    assert_eq!(jacobian(&cone, &v), diag(&[1.0, 0.0, 0.0, 1.0]));
    check_point(&cone, &v, false);
}

#[test]
fn second_order_cone() {
    let mut rng = Rng(3);
    for k in [1usize, 2, 3, 6] {
        let cone = Cone::Soc(k);
        let mut pts = Vec::new();
        for _ in 0..PER_REGION {
            let w = rng.normals(k - 1);
            let nu = norm(&w);
            let mut inside = vec![nu * rng.uniform(1.1, 3.0) + 0.1];
            inside.extend(&w);
            pts.push((inside.clone(), true));
            inside[0] = -inside[0];
            pts.push((inside, true));
            if k > 1 {
                let mut b = vec![nu * rng.uniform(-0.9, 0.9)];
                b.extend(&w);
                pts.push((b, true));
            }
        }
        check_all("second-order", &cone, &pts);
    }
    // Closed form: v = (0, 3, 4) projects to (2.5, 1.5, 2) with
    // D = ½[[1, ŵᵀ], [ŵ, I]] (t = 0).
    let cone = Cone::Soc(3);
    let v = [0.0, 3.0, 4.0];
    assert!(max_diff(&project(&cone, &v), &[2.5, 1.5, 2.0]) <= 1e-15);
    let want = [0.5, 0.3, 0.4, 0.3, 0.5, 0.0, 0.4, 0.0, 0.5];
    assert!(max_diff(&jacobian(&cone, &v), &want) <= 1e-15);
    // Eigen-structure (notes §1.5): 1 on (1, ŵ)/√2, 0 on (1, −ŵ)/√2, ½(1 + t/ν) on the
    // tangents, here with t/ν = 0.4.
    let v = [2.0, 0.0, 3.0, 4.0];
    let cone = Cone::Soc(4);
    let mut lam = spectral_dual(&cone, &v).lambda;
    lam.sort_by(f64::total_cmp);
    assert!(max_diff(&lam, &[0.0, 0.7, 0.7, 1.0]) <= 1e-15, "{lam:?}");
    // The boundary ν = t counts as inside (D = I), ν = −t as polar (D = 0).
    assert_eq!(jacobian(&cone, &[5.0, 0.0, 3.0, 4.0]), identity(4));
    assert_eq!(jacobian(&cone, &[-5.0, 0.0, 3.0, 4.0]), vec![0.0; 16]);
    check_point(&cone, &[5.0, 0.0, 3.0, 4.0], false);
    check_point(&cone, &[0.0; 4], false);
}

#[test]
fn psd_cone() {
    let mut rng = Rng(4);
    for n in [1usize, 2, 3, 4] {
        let cone = Cone::Psd(n);
        let mut pts = Vec::new();
        for _ in 0..PER_REGION {
            let q = random_orthogonal(&mut rng, n);
            let mag: Vec<f64> = (0..n).map(|_| rng.uniform(0.1, 2.0)).collect();
            pts.push((psd_point(n, &q, &mag), true));
            pts.push((psd_point(n, &q, &neg(&mag)), true));
            if n > 1 {
                let mut mixed: Vec<f64> = mag.iter().map(|m| rng.sign() * m).collect();
                mixed[0] = -mag[0];
                mixed[n - 1] = mag[n - 1];
                pts.push((psd_point(n, &q, &mixed), true));
            }
            pts.push((rng.normals(n * (n + 1) / 2), true));
        }
        check_all("psd", &cone, &pts);
    }
    // A zero eigenvalue counts as nonnegative (B = 1 with the other nonnegative ones).
    let cone = Cone::Psd(2);
    assert_eq!(jacobian(&cone, &[1.0, 0.0, 0.0]), identity(3));
    check_point(&cone, &[1.0, 0.0, 0.0], false);
    check_point(&Cone::Psd(3), &[0.0; 6], false);
}

#[test]
fn exponential_cone() {
    let mut rng = Rng(5);
    let w = check_all("exponential", &Cone::Exp, &exp_points(&mut rng));
    assert!(w.fd <= 1e-6);
    // Points on the region boundaries (no FD: the projection has kinks there).
    for v in [
        [0.0, 0.0, 1.0],
        [0.0, 0.0, -1.0],
        [1.0, 0.0, 0.0],
        [-1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, -1.0, 0.0],
        [-1.0, 0.0, -1.0],
        [0.0, -1.0, 1.0],
        [0.0, 0.0, 0.0],
        [1.0, 1.0, E],
        [1.0, -1.0, -1.0],
    ] {
        check_point(&Cone::Exp, &v, false);
    }
}

#[test]
fn power_cone() {
    let mut rng = Rng(6);
    for a in [0.1, 0.3, 0.5, 0.7, 0.9] {
        let cone = Cone::Pow(a);
        let w = check_all("power", &cone, &pow_points(&mut rng, a));
        assert!(w.fd <= 1e-6);
        for v in [[1.0, -1.0, 0.0], [-1.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]] {
            check_point(&cone, &v, false);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Exponential cone specifics
// ---------------------------------------------------------------------------------------

#[test]
fn exp_edge_region_closed_form() {
    // r₀ < 0, s₀ < 0: Π = (r₀, 0, t₀⁺), D = diag(1, 0, 1[t₀ > 0]).
    let cone = Cone::Exp;
    for (v, p, d) in [
        ([-1.0, -2.0, 3.0], [-1.0, 0.0, 3.0], [1.0, 0.0, 1.0]),
        ([-0.5, -0.1, -2.0], [-0.5, 0.0, 0.0], [1.0, 0.0, 0.0]),
    ] {
        assert_eq!(project(&cone, &v), p.to_vec());
        assert_eq!(jacobian(&cone, &v), diag(&d));
        let num = fd_jacobian(|x| project(&cone, x), &v, H);
        assert!(max_diff(&num, &diag(&d)) <= 1e-9, "{num:?}");
    }
}

#[test]
fn exp_ridge() {
    // v = (0.01, −1, 1): the projection is (0, 0, 1) up to e^{−ρ}, ρ ≈ 101, and the
    // Jacobian is diag(1[x₀ < 0], 0, 1[z₀ > 0]) = diag(0, 0, 1), which FD confirms.
    // (diffcp's `s = 0 → s = |r|` substitution gives an O(1) error here.)
    let cone = Cone::Exp;
    for (v, tol) in [([0.01, -1.0, 1.0], 1e-40), ([0.02, -0.5, 3.0], 1e-6), ([1e-3, -1.0, 0.2], 1e-300)] {
        let p = project(&cone, &v);
        assert!(max_diff(&p, &[0.0, 0.0, v[2]]) <= tol, "{p:?}");
        let d = jacobian(&cone, &v);
        assert!(max_diff(&d, &diag(&[0.0, 0.0, 1.0])) <= tol.max(1e-16), "{d:?}");
        let num = fd_jacobian(|x| project(&cone, x), &v, H);
        assert!(max_diff(&num, &d) <= 1e-8, "{num:?}");
        check_point(&cone, &v, true);
    }
}

#[test]
fn exp_projection_of_constructed_points() {
    // v = βP(ρ) + γQ(ρ) with P on ∂K and Q in the polar normal to it: Π_K(v) = βP(ρ),
    // Π_K°(v) = γQ(ρ), over a wide range of ρ (x/y ≈ −40 broke a brute-force projector).
    let cone = Cone::Exp;
    let mut rng = Rng(7);
    for rho in [-60.0, -40.0, -10.0, -1.0, 0.0, 0.5, 1.0, 3.0, 10.0, 40.0, 101.0, 300.0] {
        for _ in 0..5 {
            let (beta, gamma) = (rng.uniform(0.01, 3.0), rng.uniform(0.01, 3.0));
            let (v, p) = exp_constructed(rho, beta, gamma);
            let got = project(&cone, &v);
            let scale = norm(&v);
            assert!(max_diff(&got, &p) <= 1e-12 * scale, "ρ = {rho}: {got:?} vs {p:?}");
            let d = jacobian(&cone, &v);
            let e = max_diff(&matvec(&d, &v), &got);
            assert!(e <= 1e-10 * scale, "ρ = {rho}: Euler {e:e}");
        }
    }
}

/// The Jacobian of Π at a smooth-boundary point from the bordered KKT system
/// `[[I + λ∇²g, ∇g], [∇gᵀ, 0]] [dp; dλ] = [dv; 0]`, with the full 3×3 Hessian of g
/// (independent of the rank-two form used by the library).
fn bordered_kkt_jacobian(v: &[f64], p: &[f64], grad: [f64; 3], hess: [[f64; 3]; 3]) -> Vec<f64> {
    let lam = (0..3).map(|i| (v[i] - p[i]) * grad[i]).sum::<f64>() / dot(&grad, &grad);
    assert!(lam > 0.0);
    let m = Mat::from_fn(4, 4, |i, j| match (i, j) {
        (3, 3) => 0.0,
        (3, j) => grad[j],
        (i, 3) => grad[i],
        (i, j) => indicator(i == j) + lam * hess[i][j],
    });
    let inv = m.partial_piv_lu().inverse();
    let mut d = vec![0.0; 9];
    for i in 0..3 {
        for j in 0..3 {
            d[i * 3 + j] = inv[(i, j)];
        }
    }
    d
}

fn indicator(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// The Ali–Wong–Kolter 4×4 formula (as stated in the notes §1.5).
fn awk_jacobian(v: &[f64], p: &[f64]) -> Vec<f64> {
    let [r, s, t] = [p[0], p[1], p[2]];
    let l = t - v[2];
    let al = (r / s).exp();
    let be = l * r * al / (s * s);
    let rows = [
        [al, (s - r) / s * al, -1.0, 0.0],
        [1.0 + l / s * al, -be, 0.0, al],
        [-be, 1.0 + be * r / s, 0.0, (1.0 - r / s) * al],
        [0.0, 0.0, 1.0, -1.0],
    ];
    let inv = Mat::from_fn(4, 4, |i, j| rows[i][j]).partial_piv_lu().inverse();
    let mut d = vec![0.0; 9];
    for i in 0..3 {
        for j in 0..3 {
            d[i * 3 + j] = inv[(i, j + 1)];
        }
    }
    d
}

#[test]
fn exp_jacobian_matches_independent_formulas() {
    let cone = Cone::Exp;
    let mut rng = Rng(8);
    let mut worst = (0.0f64, 0.0f64);
    for _ in 0..200 {
        let rho = rng.uniform(-5.0, 5.0);
        let (v, _) = exp_constructed(rho, rng.uniform(0.1, 2.0), rng.uniform(0.1, 2.0));
        let p = project(&cone, &v);
        let (x, y) = (p[0], p[1]);
        let (q, e) = (x / y, (x / y).exp());
        let grad = [e, e * (1.0 - q), -1.0];
        let c = e / y;
        let hess = [[c, -q * c, 0.0], [-q * c, q * q * c, 0.0], [0.0, 0.0, 0.0]];
        let d = jacobian(&cone, &v);
        let kkt = bordered_kkt_jacobian(&v, &p, grad, hess);
        let awk = awk_jacobian(&v, &p);
        worst.0 = worst.0.max(max_diff(&d, &kkt));
        worst.1 = worst.1.max(max_diff(&d, &awk));
    }
    eprintln!("exp Jacobian vs bordered KKT {:.1e}, vs Ali–Wong–Kolter {:.1e}", worst.0, worst.1);
    assert!(worst.0 <= 1e-10 && worst.1 <= 1e-10, "{worst:?}");
}

#[test]
fn pow_jacobian_matches_bordered_kkt() {
    let mut rng = Rng(9);
    let mut worst = 0.0f64;
    for a in [0.1, 0.3, 0.5, 0.7, 0.9] {
        let cone = Cone::Pow(a);
        for _ in 0..50 {
            let (x, y, sg) = (rng.uniform(0.1, 2.0), rng.uniform(0.1, 2.0), rng.sign());
            let (v, p) = pow_constructed(a, x, y, sg, rng.uniform(0.1, 2.0));
            let got = project(&cone, &v);
            assert!(max_diff(&got, &p) <= 1e-12 * norm(&v), "α = {a}: {got:?} vs {p:?}");
            let phi = p[2].abs();
            let grad = [-a * phi / x, -(1.0 - a) * phi / y, sg];
            let c = a * (1.0 - a) * phi;
            let hess = [[c / (x * x), -c / (x * y), 0.0], [-c / (x * y), c / (y * y), 0.0], [0.0; 3]];
            let d = jacobian(&cone, &v);
            worst = worst.max(max_diff(&d, &bordered_kkt_jacobian(&v, &p, grad, hess)));
        }
    }
    eprintln!("pow Jacobian vs bordered KKT {worst:.1e}");
    assert!(worst <= 1e-10, "{worst:e}");
}

#[test]
fn pow_edge_region_closed_form() {
    // z₀ = 0 (x₀, y₀ of opposite signs): Π = (x₀⁺, y₀⁺, 0), D = diag(1[x₀ > 0], 1[y₀ > 0], 0).
    for a in [0.2, 0.5, 0.8] {
        let cone = Cone::Pow(a);
        assert_eq!(project(&cone, &[2.0, -1.0, 0.0]), vec![2.0, 0.0, 0.0]);
        assert_eq!(jacobian(&cone, &[2.0, -1.0, 0.0]), diag(&[1.0, 0.0, 0.0]));
        assert_eq!(project(&cone, &[-2.0, 1.5, 0.0]), vec![0.0, 1.5, 0.0]);
        assert_eq!(jacobian(&cone, &[-2.0, 1.5, 0.0]), diag(&[0.0, 1.0, 0.0]));
    }
}

// ---------------------------------------------------------------------------------------
// PSD specifics
// ---------------------------------------------------------------------------------------

#[test]
fn svec_is_clarabel_order_and_an_isometry() {
    // Upper triangle column by column: (0,0), (0,1), (1,1), (0,2), (1,2), (2,2).
    let x = [1.0, 2.0, 4.0, 2.0, 3.0, 5.0, 4.0, 5.0, 6.0];
    let s = SQRT_2;
    assert_eq!(svec(3, &x), vec![1.0, 2.0 * s, 3.0, 4.0 * s, 5.0 * s, 6.0]);
    let back = smat(3, &svec(3, &x));
    assert!(max_diff(&back, &x) <= 1e-15);
    let mut rng = Rng(10);
    for n in 1..=5 {
        let k = n * (n + 1) / 2;
        let v = rng.normals(k);
        assert!(max_diff(&svec(n, &smat(n, &v)), &v) <= 1e-15);
        let (a, b) = (smat(n, &rng.normals(k)), smat(n, &rng.normals(k)));
        let tr: f64 = (0..n).map(|i| (0..n).map(|j| a[i * n + j] * b[j * n + i]).sum::<f64>()).sum();
        assert!((dot(&svec(n, &a), &svec(n, &b)) - tr).abs() <= 1e-12);
    }
}

#[test]
fn psd_jacobian_eigen_structure() {
    // smat(v) = Q diag(λ) Qᵀ: D has eigenvectors svec(Q E_ij Qᵀ) with eigenvalues
    // B_ij = 1 (both λ ≥ 0), 0 (both < 0), λ₊/(λ₊ + |λ₋|) (mixed).
    let mut rng = Rng(11);
    let n = 4;
    let lam = [-2.0, -0.5, 1.0, 3.0];
    let b = |i: usize, j: usize| match (lam[i] >= 0.0, lam[j] >= 0.0) {
        (true, true) => 1.0,
        (false, false) => 0.0,
        (true, false) => lam[i] / (lam[i] - lam[j]),
        (false, true) => lam[j] / (lam[j] - lam[i]),
    };
    let q = random_orthogonal(&mut rng, n);
    let v = psd_point(n, &q, &lam);
    let cone = Cone::Psd(n);
    let d = jacobian(&cone, &v);
    let mut want = Vec::new();
    for i in 0..n {
        for j in i..n {
            let mut e = vec![0.0; n * n];
            for r in 0..n {
                for c in 0..n {
                    e[r * n + c] = if i == j {
                        q[r * n + i] * q[c * n + i]
                    } else {
                        (q[r * n + i] * q[c * n + j] + q[r * n + j] * q[c * n + i]) / SQRT_2
                    };
                }
            }
            let u = svec(n, &e);
            assert!((norm(&u) - 1.0).abs() <= 1e-12);
            let du = matvec(&d, &u);
            let err = max_diff(&du, &u.iter().map(|x| b(i, j) * x).collect::<Vec<_>>());
            assert!(err <= 1e-12, "pair ({i}, {j}): {err:e}");
            want.push(b(i, j));
        }
    }
    want.sort_by(f64::total_cmp);
    let mut got = spectral_dual(&cone, &v).lambda;
    got.sort_by(f64::total_cmp);
    assert!(max_diff(&got, &want) <= 1e-12, "{got:?} vs {want:?}");
    // Projection: Q diag(λ⁺) Qᵀ.
    let p = project(&cone, &v);
    assert!(max_diff(&p, &psd_point(n, &q, &[0.0, 0.0, 1.0, 3.0])) <= 1e-12);
}

// ---------------------------------------------------------------------------------------
// CHKS-smoothed projections
// ---------------------------------------------------------------------------------------

fn check_smoothed(cone: &Cone, v: &[f64], mu: f64) -> f64 {
    let k = cone.dim();
    let sp = spectral_dual_smoothed(cone, v, mu);
    let d = sp.reconstruct();
    assert!(asym(&d, k) <= 1e-12);
    assert!(sp.lambda.iter().all(|&l| (0.0..=1.0).contains(&l)), "{cone:?} μ = {mu}: {:?}", sp.lambda);
    let ut = Mat::from_fn(k, k, |i, j| sp.u[j * k + i]);
    let um = Mat::from_fn(k, k, |i, j| sp.u[i * k + j]);
    let g = &ut * &um;
    for i in 0..k {
        for j in 0..k {
            assert!((g[(i, j)] - indicator(i == j)).abs() <= 1e-12);
        }
    }
    let p = project_dual_smoothed(cone, v, mu);
    assert!(violation_dual(cone, &p) <= 1e-12 * norm(v).max(1.0));
    let num = fd_jacobian(|x| project_dual_smoothed(cone, x, mu), v, H);
    let e = max_diff(&num, &d);
    assert!(e <= 1e-6, "{cone:?} μ = {mu}: FD error {e:e} at {v:?}");
    e
}

/// Points of NN, SOC and PSD whose spectral values are all at least 0.1 from 0.
fn smoothing_points(rng: &mut Rng) -> Vec<(Cone, Vec<f64>)> {
    let mut pts = Vec::new();
    for _ in 0..20 {
        let mag: Vec<f64> = (0..5).map(|_| rng.uniform(0.1, 2.0)).collect();
        pts.push((Cone::Nonneg(5), mag.iter().map(|m| rng.sign() * m).collect()));
        let w = rng.normals(3);
        let nu = norm(&w);
        for t in [nu + rng.uniform(0.1, 1.0), -nu - rng.uniform(0.1, 1.0), nu * rng.uniform(-0.8, 0.8)] {
            if (t - nu).abs().min((t + nu).abs()) >= 0.1 {
                let mut v = vec![t];
                v.extend(&w);
                pts.push((Cone::Soc(4), v));
            }
        }
        let q = random_orthogonal(rng, 3);
        let lam: Vec<f64> = (0..3).map(|_| rng.sign() * rng.uniform(0.1, 2.0)).collect();
        pts.push((Cone::Psd(3), psd_point(3, &q, &lam)));
    }
    pts
}

#[test]
fn smoothed_jacobians_match_fd_and_are_spectral() {
    let mut rng = Rng(12);
    let mut worst = 0.0f64;
    for (cone, v) in smoothing_points(&mut rng) {
        for mu in [1e-1, 1e-3] {
            worst = worst.max(check_smoothed(&cone, &v, mu));
        }
    }
    // Also at the kinks (smooth for μ > 0).
    worst = worst.max(check_smoothed(&Cone::Nonneg(3), &[0.0, 1.0, -1.0], 1e-2));
    worst = worst.max(check_smoothed(&Cone::Soc(3), &[5.0, 3.0, 4.0], 1e-2));
    worst = worst.max(check_smoothed(&Cone::Soc(3), &[0.0, 0.0, 0.0], 1e-2));
    worst = worst.max(check_smoothed(&Cone::Psd(2), &[1.0, 0.0, 0.0], 1e-2));
    eprintln!("smoothed: max FD error {worst:.2e}");
}

#[test]
fn smoothed_converges_to_exact_away_from_kinks() {
    let mut rng = Rng(13);
    for (cone, v) in smoothing_points(&mut rng) {
        let (p, d) = (project_dual(&cone, &v), jacobian_dual(&cone, &v));
        let mut prev = (f64::INFINITY, f64::INFINITY);
        for mu in [1e-2, 1e-4, 1e-6, 1e-8, 1e-10] {
            let ep = max_diff(&project_dual_smoothed(&cone, &v, mu), &p);
            let ed = max_diff(&spectral_dual_smoothed(&cone, &v, mu).reconstruct(), &d);
            // |φ_μ(λ) − λ⁺| ≤ μ/|λ| and |φ'_μ(λ) − 1[λ > 0]| ≤ μ/λ², with |λ| ≥ 0.1
            // (and the same order for the divided differences of a mixed pair).
            assert!(ep <= 100.0 * mu + 1e-13 && ed <= 1e3 * mu + 1e-13, "{cone:?} μ = {mu}: {ep:e} {ed:e}");
            assert!(ep <= prev.0 && ed <= prev.1 + 1e-15, "{cone:?}: not decreasing at μ = {mu}");
            prev = (ep, ed);
        }
    }
}

#[test]
fn smoothed_derivative_at_a_kink_is_one_half() {
    for mu in [1e-8, 1e-4, 1.0] {
        // Nonnegative: φ'_μ(0) = ½ for every μ.
        let sp = spectral_dual_smoothed(&Cone::Nonneg(3), &[0.0, 2.0, -2.0], mu);
        assert_eq!(sp.lambda[0], 0.5);
        assert_eq!(project_dual_smoothed(&Cone::Nonneg(1), &[0.0], mu), vec![mu.sqrt()]);
        // SOC on the boundary t = ν: the spectral value t − ν = 0 gets ½.
        let mut lam = spectral_dual_smoothed(&Cone::Soc(3), &[5.0, 3.0, 4.0], mu).lambda;
        lam.sort_by(f64::total_cmp);
        assert!((lam[0] - 0.5).abs() <= 1e-15, "{lam:?}");
        // SOC at the origin: all ½.
        let lam = spectral_dual_smoothed(&Cone::Soc(3), &[0.0; 3], mu).lambda;
        assert_eq!(lam, vec![0.5; 3]);
        // PSD with a zero eigenvalue: B_ii = ½ on that eigenvector.
        let mut lam = spectral_dual_smoothed(&Cone::Psd(2), &[1.0, 0.0, 0.0], mu).lambda;
        lam.sort_by(f64::total_cmp);
        assert!((lam[0] - 0.5).abs() <= 1e-15, "{lam:?}");
    }
}

#[test]
fn smoothed_projection_is_exact_on_the_central_path() {
    // For z, s in K with z ∘ s = μe (Jordan product), Π_μ(z − s) = z.
    let mut rng = Rng(14);
    let mu = 1e-3;
    for _ in 0..20 {
        // Nonnegative: z s = μ, and D_μ = z/(z + s).
        let z: Vec<f64> = (0..4).map(|_| rng.uniform(1e-3, 2.0)).collect();
        let s: Vec<f64> = z.iter().map(|z| mu / z).collect();
        let v: Vec<f64> = z.iter().zip(&s).map(|(z, s)| z - s).collect();
        let cone = Cone::Nonneg(4);
        assert!(max_diff(&project_dual_smoothed(&cone, &v, mu), &z) <= 1e-14);
        let lam = spectral_dual_smoothed(&cone, &v, mu).lambda;
        let want: Vec<f64> = z.iter().zip(&s).map(|(z, s)| z / (z + s)).collect();
        assert!(max_diff(&lam, &want) <= 1e-14);
        // SOC: z = a₁c₁ + a₂c₂ and s = (μ/a₁)c₁ + (μ/a₂)c₂ in the frame c± = ½(1, ±ŵ).
        let w = rng.normals(3);
        let what: Vec<f64> = w.iter().map(|x| x / norm(&w)).collect();
        let (a1, a2) = (rng.uniform(1e-2, 2.0), rng.uniform(1e-2, 2.0));
        let frame = |x1: f64, x2: f64| {
            let mut v = vec![0.5 * (x1 + x2)];
            v.extend(what.iter().map(|u| 0.5 * (x1 - x2) * u));
            v
        };
        let z = frame(a1, a2);
        let v = add(&z, &neg(&frame(mu / a1, mu / a2)));
        assert!(max_diff(&project_dual_smoothed(&Cone::Soc(4), &v, mu), &z) <= 1e-13);
        // PSD: common eigenvectors, eigenvalues a and μ/a.
        let q = random_orthogonal(&mut rng, 3);
        let a: Vec<f64> = (0..3).map(|_| rng.uniform(1e-2, 2.0)).collect();
        let z = psd_point(3, &q, &a);
        let v = psd_point(3, &q, &a.iter().map(|a| a - mu / a).collect::<Vec<_>>());
        assert!(max_diff(&project_dual_smoothed(&Cone::Psd(3), &v, mu), &z) <= 1e-13);
    }
}

#[test]
fn smoothing_is_exact_where_it_does_not_apply() {
    let mut rng = Rng(15);
    // μ ≤ 0 or NaN: the exact projection; zero, exponential and power cones: always exact.
    let cases = [
        (Cone::Nonneg(3), rng.normals(3)),
        (Cone::Soc(3), rng.normals(3)),
        (Cone::Psd(2), rng.normals(3)),
        (Cone::Zero(2), rng.normals(2)),
        (Cone::Exp, rng.normals(3)),
        (Cone::Pow(0.3), rng.normals(3)),
    ];
    for (cone, v) in &cases {
        let mus: &[f64] = match cone {
            Cone::Zero(_) | Cone::Exp | Cone::Pow(_) => &[0.0, -1.0, f64::NAN, 1e-3],
            _ => &[0.0, -1.0, f64::NAN],
        };
        for &mu in mus {
            assert_eq!(project_dual_smoothed(cone, v, mu), project_dual(cone, v), "{cone:?} {mu}");
            assert_eq!(spectral_dual_smoothed(cone, v, mu), spectral_dual(cone, v), "{cone:?} {mu}");
        }
    }
}

#[test]
fn pow_projection_near_a_face_is_accurate() {
    // Regression: the projection solved for r only, so the multiplier μ = |z₀| − r had an
    // absolute error of an ulp of |z₀|, which x ≈ x₀ + αrμ/x₀ amplified near the face
    // x = 0: here Π(Π(v)) differed from Π(v) by 3e-11 (and Π(v) was off by as much).
    let v = [-0.2653130195022283, 1.7073349162269422, -0.33540978771640584];
    let p = project(&Cone::Pow(0.1), &v);
    let e = max_diff(&project(&Cone::Pow(0.1), &p), &p);
    assert!(e <= 1e-15, "idempotence error {e:e}");
    // Points with a known projection close to a face, with small and large multipliers.
    for a in [0.1, 0.5, 0.9] {
        for (x, y) in [(1e-7, 1.7), (1.3, 1e-8), (1e-9, 1e-3)] {
            for mu in [1e-14, 1e-10, 1e-6, 1e-2, 1.0] {
                for sg in [1.0, -1.0] {
                    let (v, p) = pow_constructed(a, x, y, sg, mu);
                    let got = project(&Cone::Pow(a), &v);
                    let e = max_diff(&got, &p);
                    assert!(e <= 1e-15 * norm(&v).max(1.0), "α = {a}, p = {p:?}, μ = {mu}: {got:?}, {e:e}");
                    let e = max_diff(&project(&Cone::Pow(a), &got), &got);
                    assert!(e <= 1e-15 * norm(&v).max(1.0), "α = {a}, p = {p:?}: idempotence {e:e}");
                }
            }
        }
    }
}

//! The sparse LDLᵀ derivative system on problems with a known exact primal–dual triple
//! (b = A x₀ + s₀, q = −P x₀ − Aᵀ y₀ with complementary s₀ ∈ K, y₀ ∈ K*), covering
//! zero, nonnegative, second-order (both lifted branches, interior and polar), PSD,
//! exponential and power cones: the JVP solves the linearized KKT conditions, agrees
//! with a dense solve of the reduced system J_R, is adjoint to the VJP, and the
//! symbolic factorization can be reused.

#![allow(clippy::needless_range_loop)] // index arithmetic over CSC patterns

use dopt::diff::cones;
use dopt::diff::derivative::{Kkt, KktSymbolic};
use dopt::ir::cone::{Cone, ConeProgram, Pattern};
use dopt::solve::Data;
use std::f64::consts::SQRT_2;

fn rnd(state: &mut u64) -> f64 {
    *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    ((*state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
}

/// A cone program with the given cones, a random sparse A (m×n) and a P with a
/// positive diagonal and a few off-diagonals (upper triangle).
fn program(n: usize, cones: Vec<Cone>, density: f64, state: &mut u64) -> ConeProgram {
    let m: usize = cones.iter().map(|c| c.dim()).sum();
    let mut a = Pattern { nrows: m, ncols: n, colptr: vec![0], rowval: Vec::new() };
    for _ in 0..n {
        for i in 0..m {
            if rnd(state).abs() < density {
                a.rowval.push(i);
            }
        }
        a.colptr.push(a.rowval.len());
    }
    let mut p = Pattern { nrows: n, ncols: n, colptr: vec![0], rowval: Vec::new() };
    for j in 0..n {
        if j > 0 && j % 3 == 0 {
            p.rowval.push(j - 1);
        }
        p.rowval.push(j);
        p.colptr.push(p.rowval.len());
    }
    let rows = p.nnz() + n + 1 + a.nnz() + m;
    ConeProgram {
        n,
        m,
        cones,
        p,
        a,
        map: sprs::CsMat::zero((rows, 1)),
        nparams: 0,
        var_cols: Vec::new(),
        var_layout: Vec::new(),
        param_entries: Vec::new(),
        constraint_rows: Vec::new(),
        objective_sign: 1.0,
    }
}

/// Complementary (s, y) for one cone; `variant` picks between a few kinds of pairs.
fn pair(cone: &Cone, variant: usize, state: &mut u64) -> (Vec<f64>, Vec<f64>) {
    match *cone {
        Cone::Zero(k) => (vec![0.0; k], (0..k).map(|_| rnd(state)).collect()),
        Cone::Nonneg(k) => {
            let mut s = vec![0.0; k];
            let mut y = vec![0.0; k];
            for i in 0..k {
                let v = 0.3 + rnd(state).abs();
                if (i + variant).is_multiple_of(2) { s[i] = v } else { y[i] = v }
            }
            (s, y)
        }
        Cone::Soc(k) => {
            let mut u: Vec<f64> = (1..k).map(|_| rnd(state)).collect();
            let nu = u.iter().map(|x| x * x).sum::<f64>().sqrt();
            u.iter_mut().for_each(|x| *x /= nu);
            let with = |c: f64, sg: f64| -> Vec<f64> {
                std::iter::once(c).chain(u.iter().map(|x| sg * c * x)).collect()
            };
            match variant {
                // Both on the boundary, ‖s‖ > ‖y‖ (t < 0: the ds-side branch).
                0 => (with(1.4, 1.0), with(0.5, -1.0)),
                // ‖s‖ < ‖y‖ (t > 0: the dy-side branch).
                1 => (with(0.4, 1.0), with(1.7, -1.0)),
                // y interior, s = 0 (D = I).
                2 => (vec![0.0; k], with(1.0, 0.5)),
                // s interior, y = 0 (D = 0).
                _ => (with(1.0, 0.5), vec![0.0; k]),
            }
        }
        Cone::Psd(2) => {
            // Complementary eigenspaces of a rotation Q.
            let (c, s) = (0.6f64, 0.8f64);
            let outer = |a: f64, b: f64, w: f64| [w * a * a, w * a * b, w * b * b];
            let sm = outer(c, s, 1.5);
            let ym = outer(-s, c, 0.7);
            let sv = |x: [f64; 3]| vec![x[0], SQRT_2 * x[1], x[2]];
            (sv(sm), sv(ym))
        }
        Cone::Exp => {
            let (rho, t, c) = (-0.4, 1.3, 0.8);
            let e = f64::exp(rho);
            (vec![rho * t, t, t * e], vec![-c * e, -c * e * (1.0 - rho), c])
        }
        Cone::Pow(al) => {
            let (x, y, c) = (1.2, 0.7, 0.9);
            let phi = f64::powf(x, al) * f64::powf(y, 1.0 - al);
            (vec![x, y, phi], vec![c * al * phi / x, c * (1.0 - al) * phi / y, -c])
        }
        _ => unreachable!(),
    }
}

struct Problem {
    cp: ConeProgram,
    d: Data,
    x: Vec<f64>,
    s: Vec<f64>,
    y: Vec<f64>,
}

fn random_data(cp: &ConeProgram, state: &mut u64) -> Data {
    let mut p: Vec<f64> = vec![0.0; cp.p.nnz()];
    for j in 0..cp.n {
        for k in cp.p.colptr[j]..cp.p.colptr[j + 1] {
            p[k] = if cp.p.rowval[k] == j { 2.0 + rnd(state).abs() } else { 0.3 * rnd(state) };
        }
    }
    Data {
        p,
        q: (0..cp.n).map(|_| rnd(state)).collect(),
        r: 0.0,
        a: (0..cp.a.nnz()).map(|_| rnd(state)).collect(),
        b: (0..cp.m).map(|_| rnd(state)).collect(),
    }
}

fn problem(n: usize, cones: Vec<Cone>, variants: &[usize], seed: u64) -> Problem {
    let mut st = seed;
    let cp = program(n, cones, 0.4, &mut st);
    let mut d = random_data(&cp, &mut st);
    let (mut s, mut y) = (Vec::new(), Vec::new());
    for (c, &v) in cp.cones.iter().zip(variants) {
        let (a, b) = pair(c, v, &mut st);
        s.extend(a);
        y.extend(b);
    }
    let x: Vec<f64> = (0..n).map(|_| rnd(&mut st)).collect();
    let ax = cp.a.mul(&d.a, &x);
    d.b = (0..cp.m).map(|i| ax[i] + s[i]).collect();
    let px = cp.p.sym_mul(&d.p, &x);
    let aty = cp.a.mul_t(&d.a, &y);
    d.q = (0..n).map(|i| -px[i] - aty[i]).collect();
    Problem { cp, d, x, s, y }
}

fn all_cones() -> (Vec<Cone>, Vec<usize>) {
    (
        vec![
            Cone::Zero(2),
            Cone::Nonneg(4),
            Cone::Soc(4),
            Cone::Soc(5),
            Cone::Soc(3),
            Cone::Soc(3),
            Cone::Soc(2),
            Cone::Psd(2),
            Cone::Exp,
            Cone::Pow(0.3),
        ],
        vec![0, 0, 0, 1, 2, 3, 1, 0, 0, 0],
    )
}

/// Dense D = DΠ_{K*}(v) per block (exact or smoothed), as an m×m row-major matrix.
fn dense_d(cp: &ConeProgram, v: &[f64], smoothing: Option<f64>) -> Vec<f64> {
    let m = cp.m;
    let mut d = vec![0.0; m * m];
    let mut off = 0;
    for c in &cp.cones {
        let k = c.dim();
        let spec = match smoothing {
            Some(mu) => cones::spectral_dual_smoothed(c, &v[off..off + k], mu),
            None => cones::spectral_dual(c, &v[off..off + k]),
        };
        let blk = spec.reconstruct();
        for i in 0..k {
            for j in 0..k {
                d[(off + i) * m + off + j] = blk[i * k + j];
            }
        }
        off += k;
    }
    d
}

/// Dense LU with partial pivoting (the reference solver; n ≤ ~100).
fn dense_solve(mut a: Vec<f64>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for c in 0..n {
        let p = (c..n).max_by(|&i, &j| a[i * n + c].abs().total_cmp(&a[j * n + c].abs())).unwrap();
        for j in 0..n {
            a.swap(c * n + j, p * n + j);
        }
        b.swap(c, p);
        for i in c + 1..n {
            let f = a[i * n + c] / a[c * n + c];
            for j in c..n {
                a[i * n + j] -= f * a[c * n + j];
            }
            b[i] -= f * b[c];
        }
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|j| a[i * n + j] * x[j]).sum();
        x[i] = (b[i] - s) / a[i * n + i];
    }
    x
}

/// JVP through the reduced system J_R = [P, AᵀD; A, D − I] (dense).
fn reference_jvp(
    pr: &Problem,
    kkt: &Kkt,
    dd: &Data,
    smoothing: Option<f64>,
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let cp = &pr.cp;
    let (n, m) = (cp.n, cp.m);
    let v: Vec<f64> = (0..m).map(|i| pr.y[i] - pr.s[i]).collect();
    let d = dense_d(cp, &v, smoothing);
    let size = n + m;
    let mut j = vec![0.0; size * size];
    for c in 0..n {
        let mut e = vec![0.0; n];
        e[c] = 1.0;
        let pc = cp.p.sym_mul(&pr.d.p, &e);
        let ac = cp.a.mul(&pr.d.a, &e);
        for r in 0..n {
            j[r * size + c] = pc[r];
        }
        for r in 0..m {
            j[(n + r) * size + c] = ac[r];
        }
    }
    for c in 0..m {
        let dcol: Vec<f64> = (0..m).map(|r| d[r * m + c]).collect();
        let atd = cp.a.mul_t(&pr.d.a, &dcol);
        for r in 0..n {
            j[r * size + n + c] = atd[r];
        }
        for r in 0..m {
            j[(n + r) * size + n + c] = dcol[r] - if r == c { 1.0 } else { 0.0 };
        }
    }
    let dpx = cp.p.sym_mul(&dd.p, &kkt.x);
    let daty = cp.a.mul_t(&dd.a, &kkt.y);
    let dax = cp.a.mul(&dd.a, &kkt.x);
    let mut rhs: Vec<f64> = (0..n).map(|i| -(dpx[i] + daty[i] + dd.q[i])).collect();
    rhs.extend((0..m).map(|i| dd.b[i] - dax[i]));
    let sol = dense_solve(j, rhs);
    let dv = &sol[n..];
    let dy: Vec<f64> = (0..m).map(|r| (0..m).map(|c| d[r * m + c] * dv[c]).sum()).collect();
    let ds: Vec<f64> = (0..m).map(|r| dy[r] - dv[r]).collect();
    (sol[..n].to_vec(), dy, ds)
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |a, x| a.max(x.abs()))
}

fn rel(a: &[f64], b: &[f64]) -> f64 {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    max_abs(&d) / max_abs(b).max(1e-300)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn check_problem(pr: &Problem, smoothing: Option<f64>, seed: u64) {
    let cp = &pr.cp;
    let kkt = Kkt::new(cp, &pr.d, &pr.x, &pr.s, &pr.y, smoothing);
    assert!(kkt.error().is_none(), "{:?}", kkt.error());
    if smoothing.is_none() {
        // The polish reproduces the exact triple.
        assert!(rel(&kkt.y, &pr.y) < 1e-10, "y polish {:e}", rel(&kkt.y, &pr.y));
        assert!(!kkt.degenerate, "a strictly complementary triple is not degenerate");
    }
    let mut st = seed;
    for _ in 0..3 {
        let dd = random_data(cp, &mut st);
        let (dx, dy, ds) = kkt.jvp(cp, &pr.d, &dd);
        assert!(kkt.residual.get() < 1e-12, "refinement residual {:e}", kkt.residual.get());
        // Linearized KKT: P dx + Aᵀdy + dP x + dAᵀy + dq = 0, A dx + ds + dA x − db = 0.
        let (pdx, atdy) = (cp.p.sym_mul(&pr.d.p, &dx), cp.a.mul_t(&pr.d.a, &dy));
        let (dpx, daty) = (cp.p.sym_mul(&dd.p, &kkt.x), cp.a.mul_t(&dd.a, &kkt.y));
        let r1: Vec<f64> = (0..cp.n).map(|i| pdx[i] + atdy[i] + dpx[i] + daty[i] + dd.q[i]).collect();
        let (adx, dax) = (cp.a.mul(&pr.d.a, &dx), cp.a.mul(&dd.a, &kkt.x));
        let r2: Vec<f64> = (0..cp.m).map(|i| adx[i] + ds[i] + dax[i] - dd.b[i]).collect();
        let scale = 1.0 + max_abs(&dx) + max_abs(&dy);
        assert!(max_abs(&r1) < 1e-10 * scale, "stationarity {:e}", max_abs(&r1));
        assert!(max_abs(&r2) < 1e-10 * scale, "primal feasibility {:e}", max_abs(&r2));
        // (dy, ds) on the graph of DΠ: (I − D) dy + D ds = 0.
        let v: Vec<f64> = (0..cp.m).map(|i| pr.y[i] - pr.s[i]).collect();
        let d = dense_d(cp, &v, smoothing);
        let m = cp.m;
        let g: Vec<f64> =
            (0..m).map(|r| dy[r] + (0..m).map(|c| d[r * m + c] * (ds[c] - dy[c])).sum::<f64>()).collect();
        assert!(max_abs(&g) < 1e-10 * scale, "graph of DΠ {:e}", max_abs(&g));
        // Dense reference.
        let (rx, ry, rs) = reference_jvp(pr, &kkt, &dd, smoothing);
        assert!(rel(&dx, &rx) < 1e-10, "dx vs dense {:e}", rel(&dx, &rx));
        assert!(rel(&dy, &ry) < 1e-10, "dy vs dense {:e}", rel(&dy, &ry));
        assert!(rel(&ds, &rs) < 1e-10, "ds vs dense {:e}", rel(&ds, &rs));
        // Dot test.
        let gx: Vec<f64> = (0..cp.n).map(|_| rnd(&mut st)).collect();
        let gy: Vec<f64> = (0..cp.m).map(|_| rnd(&mut st)).collect();
        let gs: Vec<f64> = (0..cp.m).map(|_| rnd(&mut st)).collect();
        let lhs = dot(&gx, &dx) + dot(&gy, &dy) + dot(&gs, &ds);
        let g = kkt.vjp(cp, &pr.d, &gx, &gy, &gs);
        let rhs = dot(&g.p, &dd.p) + dot(&g.q, &dd.q) + dot(&g.a, &dd.a) + dot(&g.b, &dd.b);
        assert!((lhs - rhs).abs() <= 1e-10 * lhs.abs().max(rhs.abs()), "dot test {lhs} vs {rhs}");
    }
}

#[test]
fn exact_triples_all_cones() {
    let (cones, variants) = all_cones();
    for seed in 1..4 {
        check_problem(&problem(32, cones.clone(), &variants, seed), None, 100 + seed);
    }
}

#[test]
fn other_soc_branches() {
    // Swap the branches of the SOC blocks between the variants.
    let cones = vec![Cone::Soc(6), Cone::Soc(6), Cone::Soc(4), Cone::Soc(4), Cone::Nonneg(3)];
    check_problem(&problem(26, cones, &[1, 0, 3, 2, 1], 9), None, 19);
}

#[test]
fn smoothed_matches_dense_reference() {
    let (cones, variants) = all_cones();
    for mu in [1e-6, 1e-2, 0.5] {
        check_problem(&problem(32, cones.clone(), &variants, 5), Some(mu), 55);
    }
}

#[test]
fn symbolic_reuse_is_identical() {
    let (cones, variants) = all_cones();
    let pr = problem(30, cones.clone(), &variants, 11);
    let sym = KktSymbolic::new(&pr.cp);
    let mut st = 3;
    let dd = random_data(&pr.cp, &mut st);
    let fresh = Kkt::new(&pr.cp, &pr.d, &pr.x, &pr.s, &pr.y, None).jvp(&pr.cp, &pr.d, &dd);
    let reused = Kkt::with_symbolic(&sym, &pr.cp, &pr.d, &pr.x, &pr.s, &pr.y, None).jvp(&pr.cp, &pr.d, &dd);
    assert_eq!(fresh, reused);
    // Another data value and solution on the same pattern (a batch member), from
    // another thread.
    let mut other = problem(30, cones, &[0, 1, 1, 0, 3, 2, 0, 0, 0, 0], 12);
    other.cp = pr.cp.clone();
    let sym2 = sym.clone();
    let (cp, d, x, s, y) = (pr.cp.clone(), pr.d.clone(), pr.x.clone(), pr.s.clone(), pr.y.clone());
    let threaded =
        std::thread::spawn(move || Kkt::with_symbolic(&sym2, &cp, &d, &x, &s, &y, None).jvp(&cp, &d, &dd))
            .join()
            .unwrap();
    assert_eq!(fresh, threaded);
}

#[test]
fn large_soc_does_not_fill() {
    // ‖x‖ ≤ t with A = −I on the SOC rows: the lifted block keeps K's size linear in k.
    let k = 400;
    let mut cp = program(k, vec![Cone::Soc(k)], 0.0, &mut 1);
    cp.a = Pattern { nrows: k, ncols: k, colptr: (0..=k).collect(), rowval: (0..k).collect() };
    let sym = KktSymbolic::new(&cp);
    let (nnz, lnnz) = sym.nnz();
    assert!(nnz < 12 * k, "nnz(K) = {nnz}");
    assert!(lnnz < 30 * k, "nnz(L) = {lnnz}");
}

#[test]
fn weakly_active_rows_are_flagged() {
    let mut pr = problem(12, vec![Cone::Nonneg(3), Cone::Soc(3)], &[0, 1], 21);
    // Row 1 of the orthant: s = y = 0.
    pr.s[1] = 0.0;
    pr.y[1] = 0.0;
    let kkt = Kkt::new(&pr.cp, &pr.d, &pr.x, &pr.s, &pr.y, None);
    assert!(kkt.degenerate);
    // SOC with s = 0 and y on the boundary.
    let mut pr = problem(12, vec![Cone::Nonneg(3), Cone::Soc(3)], &[0, 1], 22);
    pr.s[3..6].fill(0.0);
    let kkt = Kkt::new(&pr.cp, &pr.d, &pr.x, &pr.s, &pr.y, None);
    assert!(kkt.degenerate);
    // Smoothing gives a finite, non-degenerate system there.
    let kkt = Kkt::new(&pr.cp, &pr.d, &pr.x, &pr.s, &pr.y, Some(1e-4));
    assert!(!kkt.degenerate);
}

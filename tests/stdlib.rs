//! The standard-library layers against their closed forms: the solution and the full
//! Jacobian (read row by row from the backward pass, and column by column from the
//! forward mode) for relu, sigmoid, softmax, sparsemax, csoftmax, csparsemax and lml, and
//! mpc_box against the finite-horizon LQR (Riccati recursion) while no bound is active, and
//! svm_head against the closed form for orthogonal support examples.

mod common;
use common::max_abs_diff;
use dopt::internals::frontend;
use dopt::internals::ir::hir::Array;
use dopt::internals::ir::shape::Shape;
use dopt::internals::layer::{Layer, Output};
use dopt::internals::sema::Dims;
use dopt::internals::solve::Settings;
use dopt::internals::values::Values;

fn layer(name: &str, dims: &[(&str, i64)]) -> Layer {
    let src = frontend::read_source(&format!("std:{name}")).unwrap();
    let mut d = Dims::new();
    for (k, v) in dims {
        d.set(k, *v);
    }
    let c = frontend::analyze(&src, &d).unwrap_or_else(|f| panic!("{name}:\n{}", f.render()));
    Layer::new(c.program, &c.analysis).unwrap()
}

fn vector(data: &[f64]) -> Array {
    Array { shape: Shape::vector(data.len()), data: data.to_vec() }
}

fn params(list: &[(&str, &[f64])]) -> Values {
    list.iter().map(|(k, v)| (k.to_string(), vector(v))).collect()
}

/// Tight tolerances: the exponential-cone layers are only ~1e-5 accurate at Clarabel's
/// defaults.
fn tight() -> Settings {
    Settings { tol_gap_abs: 1e-12, tol_gap_rel: 1e-12, tol_feas: 1e-12, ..Settings::tight() }
}

/// Row i of dy/d(param) for every i, from the backward pass with cotangent e_i.
fn jacobian_rows(l: &Layer, out: &Output, param: &str, n: usize) -> Vec<Vec<f64>> {
    (0..n)
        .map(|i| {
            let mut e = vec![0.0; n];
            e[i] = 1.0;
            let g = l.backward(out, &params(&[("y", &e)])).unwrap();
            assert!(g.params[param].data.iter().all(|v| v.is_finite()));
            g.params[param].data.clone()
        })
        .collect()
}

/// Column j of dy/d(param) for every j, from the forward mode.
fn jacobian_cols(l: &Layer, out: &Output, param: &str, n: usize) -> Vec<Vec<f64>> {
    (0..n)
        .map(|j| {
            let mut e = vec![0.0; n];
            e[j] = 1.0;
            let (dv, _) = l.jvp(out, &params(&[(param, &e)])).unwrap();
            dv["y"].data.clone()
        })
        .collect()
}

/// Solve, then compare y with `want_y` and both Jacobian readings with `want_j`
/// (`want_j[i][j]` = dy_i/dp_j) for each listed parameter.
fn check(name: &str, l: &Layer, p: &Values, want_y: &[f64], want_j: &[(&str, Vec<Vec<f64>>)], tol: f64) {
    let out = l.forward_with(p, &tight()).unwrap();
    assert!(out.status.is_optimal(), "{name}: {}", out.status);
    let y = &out.variables["y"].data;
    let e = max_abs_diff(y, want_y);
    assert!(e < tol, "{name}: y off by {e:.2e}\n got {y:?}\nwant {want_y:?}");
    let n = y.len();
    for (param, j) in want_j {
        let rows = jacobian_rows(l, &out, param, n);
        let cols = jacobian_cols(l, &out, param, n);
        for i in 0..n {
            let e = max_abs_diff(&rows[i], &j[i]);
            assert!(
                e < tol,
                "{name}: row {i} of dy/d{param} off by {e:.2e}\n got {:?}\nwant {:?}",
                rows[i],
                j[i]
            );
            let col: Vec<f64> = (0..n).map(|r| j[r][i]).collect();
            let e = max_abs_diff(&cols[i], &col);
            assert!(e < tol, "{name}: column {i} of dy/d{param} (jvp) off by {e:.2e}");
        }
    }
}

/// dy/du of a capped projection: a capped entry follows its own cap (1), and the
/// mass it takes is given back by the free entries in the proportions `share`.
fn cap_jacobian(capped: &[bool], share: &[f64]) -> Vec<Vec<f64>> {
    let n = capped.len();
    (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    if !capped[j] {
                        0.0
                    } else if i == j {
                        1.0
                    } else {
                        -share[i]
                    }
                })
                .collect()
        })
        .collect()
}

fn diag(d: &[f64]) -> Vec<Vec<f64>> {
    (0..d.len()).map(|i| (0..d.len()).map(|j| if i == j { d[i] } else { 0.0 }).collect()).collect()
}

/// diag(d) − d dᵀ / c.
fn diag_minus_outer(d: &[f64], c: f64) -> Vec<Vec<f64>> {
    let mut j = diag(d);
    for (a, ra) in j.iter_mut().enumerate() {
        for (b, v) in ra.iter_mut().enumerate() {
            *v -= d[a] * d[b] / c;
        }
    }
    j
}

/// Projection onto {sum y = 1, lo <= y <= hi}: clip(x − τ, lo, hi) with τ by bisection.
fn capped_simplex(x: &[f64], hi: &[f64]) -> (Vec<f64>, f64) {
    let y = |t: f64| x.iter().zip(hi).map(|(v, u)| (v - t).clamp(0.0, *u)).collect::<Vec<f64>>();
    let (mut a, mut b) = (-100.0, 100.0);
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        if y(m).iter().sum::<f64>() > 1.0 { a = m } else { b = m }
    }
    let t = 0.5 * (a + b);
    (y(t), t)
}

const X: [f64; 8] = [0.9, -0.4, 0.35, 1.6, -1.2, 0.05, 0.7, -0.15];

#[test]
fn relu_is_max_x_0_with_a_diagonal_jacobian() {
    let l = layer("relu", &[("n", 8)]);
    let y: Vec<f64> = X.iter().map(|v| v.max(0.0)).collect();
    let d: Vec<f64> = X.iter().map(|v| if *v > 0.0 { 1.0 } else { 0.0 }).collect();
    check("relu", &l, &params(&[("x", &X)]), &y, &[("x", diag(&d))], 1e-7);
}

#[test]
fn sparsemax_matches_martins_astudillo() {
    let l = layer("sparsemax", &[("n", 8)]);
    let (y, _) = capped_simplex(&X, &[f64::INFINITY; 8]);
    let s: Vec<f64> = y.iter().map(|v| if *v > 0.0 { 1.0 } else { 0.0 }).collect();
    let k = s.iter().sum::<f64>();
    assert!((2.0..8.0).contains(&k), "the test point should have a proper support");
    check("sparsemax", &l, &params(&[("x", &X)]), &y, &[("x", diag_minus_outer(&s, k))], 1e-7);
}

#[test]
fn csparsemax_matches_the_capped_simplex_projection() {
    let l = layer("csparsemax", &[("n", 8)]);
    let u = [0.3, 0.5, 0.4, 0.25, 0.6, 0.5, 0.5, 0.5];
    let (y, _) = capped_simplex(&X, &u);
    let free: Vec<f64> =
        y.iter().zip(&u).map(|(v, c)| if *v > 1e-9 && *v < c - 1e-9 { 1.0 } else { 0.0 }).collect();
    let capped: Vec<bool> = y.iter().zip(&u).map(|(v, c)| (v - c).abs() < 1e-9).collect();
    let k = free.iter().sum::<f64>();
    assert!(k >= 2.0 && capped.iter().any(|c| *c), "the test point should have free and capped entries");
    let jx = diag_minus_outer(&free, k);
    // dy/du: a capped entry follows its cap; the free ones give the mass back evenly.
    let ju = cap_jacobian(&capped, &free.iter().map(|f| f / k).collect::<Vec<f64>>());
    check("csparsemax", &l, &params(&[("x", &X), ("u", &u)]), &y, &[("x", jx), ("u", ju)], 1e-7);
}

fn sigmoid(t: f64) -> f64 {
    1.0 / (1.0 + (-t).exp())
}

#[test]
fn sigmoid_is_the_logistic_function() {
    let l = layer("sigmoid", &[("n", 8)]);
    let y: Vec<f64> = X.iter().map(|v| sigmoid(*v)).collect();
    let d: Vec<f64> = y.iter().map(|v| v * (1.0 - v)).collect();
    check("sigmoid", &l, &params(&[("x", &X)]), &y, &[("x", diag(&d))], 1e-5);
}

#[test]
fn softmax_is_exp_over_its_sum() {
    let l = layer("softmax", &[("n", 8)]);
    let z: f64 = X.iter().map(|v| v.exp()).sum();
    let y: Vec<f64> = X.iter().map(|v| v.exp() / z).collect();
    check("softmax", &l, &params(&[("x", &X)]), &y, &[("x", diag_minus_outer(&y, 1.0))], 1e-5);
}

#[test]
fn csoftmax_caps_and_renormalizes() {
    let l = layer("csoftmax", &[("n", 8)]);
    let u = [0.15, 0.5, 0.4, 0.2, 0.6, 0.5, 0.3, 0.5];
    // Martins & Kreutzer's fixed point: cap whatever exceeds its bound, renormalize the rest.
    let mut capped = [false; 8];
    let mut y = [0.0; 8];
    loop {
        let mass: f64 = 1.0 - (0..8).filter(|&i| capped[i]).map(|i| u[i]).sum::<f64>();
        let z: f64 = (0..8).filter(|&i| !capped[i]).map(|i| X[i].exp()).sum();
        for i in 0..8 {
            y[i] = if capped[i] { u[i] } else { X[i].exp() * mass / z };
        }
        let over: Vec<usize> = (0..8).filter(|&i| !capped[i] && y[i] > u[i]).collect();
        if over.is_empty() {
            break;
        }
        over.iter().for_each(|&i| capped[i] = true);
    }
    assert!(capped.iter().any(|c| *c), "the test point should cap something");
    let mass: f64 = 1.0 - (0..8).filter(|&i| capped[i]).map(|i| u[i]).sum::<f64>();
    let yf: Vec<f64> = (0..8).map(|i| if capped[i] { 0.0 } else { y[i] }).collect();
    let jx = diag_minus_outer(&yf, mass);
    let ju = cap_jacobian(&capped, &yf.iter().map(|y| y / mass).collect::<Vec<f64>>());
    check("csoftmax", &l, &params(&[("x", &X), ("u", &u)]), &y, &[("x", jx), ("u", ju)], 1e-5);
}

#[test]
fn lml_is_a_shifted_sigmoid_summing_to_k() {
    let l = layer("lml", &[("n", 8), ("k", 3)]);
    let y = |nu: f64| X.iter().map(|v| sigmoid(v + nu)).collect::<Vec<f64>>();
    let (mut a, mut b) = (-50.0, 50.0);
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        if y(m).iter().sum::<f64>() > 3.0 { b = m } else { a = m }
    }
    let y = y(0.5 * (a + b));
    let d: Vec<f64> = y.iter().map(|v| v * (1.0 - v)).collect();
    let s: f64 = d.iter().sum();
    check("lml", &l, &params(&[("x", &X)]), &y, &[("x", diag_minus_outer(&d, s))], 1e-5);
}

// --- mpc_box: box-constrained LQR --------------------------------------------------

type Mat = Vec<Vec<f64>>;

fn matmul(a: &Mat, b: &Mat) -> Mat {
    (0..a.len())
        .map(|i| (0..b[0].len()).map(|j| (0..b.len()).map(|k| a[i][k] * b[k][j]).sum()).collect())
        .collect()
}

fn transpose(a: &Mat) -> Mat {
    (0..a[0].len()).map(|j| (0..a.len()).map(|i| a[i][j]).collect()).collect()
}

fn matvec(a: &Mat, x: &[f64]) -> Vec<f64> {
    a.iter().map(|row| row.iter().zip(x).map(|(p, q)| p * q).sum()).collect()
}

const MPC_A: [[f64; 4]; 4] =
    [[1.0, 0.1, 0.0, 0.0], [0.0, 1.0, 0.1, 0.0], [0.0, 0.0, 1.0, 0.1], [0.05, 0.0, -0.1, 0.95]];
const MPC_B: [[f64; 2]; 4] = [[0.0, 0.0], [0.1, 0.0], [0.0, 0.05], [0.1, 0.1]];
const MPC_Q: [f64; 4] = [1.0, 0.5, 2.0, 1.0];
const MPC_R: [f64; 2] = [0.1, 0.3];

/// The feedback gains K_0..K_{T-1} of the finite-horizon LQR (the Riccati recursion
/// in the header of stdlib/mpc_box.dopt).
fn lqr_gains(t: usize) -> Vec<Mat> {
    let a: Mat = MPC_A.iter().map(|r| r.to_vec()).collect();
    let b: Mat = MPC_B.iter().map(|r| r.to_vec()).collect();
    let q: Mat = diag(&MPC_Q);
    let mut p = q.clone();
    let mut gains = vec![Vec::new(); t];
    for k in (0..t).rev() {
        let btp = matmul(&transpose(&b), &p);
        let mut s = matmul(&btp, &b);
        s[0][0] += MPC_R[0];
        s[1][1] += MPC_R[1];
        let det = s[0][0] * s[1][1] - s[0][1] * s[1][0];
        let s_inv = vec![vec![s[1][1] / det, -s[0][1] / det], vec![-s[1][0] / det, s[0][0] / det]];
        let gain = matmul(&s_inv, &matmul(&btp, &a));
        let closed: Mat =
            (0..4).map(|i| (0..4).map(|j| a[i][j] - matmul(&b, &gain)[i][j]).collect()).collect();
        let next = matmul(&transpose(&a), &matmul(&p, &closed));
        p = (0..4).map(|i| (0..4).map(|j| q[i][j] + next[i][j]).collect()).collect();
        gains[k] = gain;
    }
    gains
}

/// The LQR inputs u (nu×T, row-major as the layer returns them) from x0.
fn lqr_inputs(gains: &[Mat], x0: &[f64]) -> Vec<f64> {
    let a: Mat = MPC_A.iter().map(|r| r.to_vec()).collect();
    let b: Mat = MPC_B.iter().map(|r| r.to_vec()).collect();
    let t = gains.len();
    let mut u = vec![0.0; 2 * t];
    let mut x = x0.to_vec();
    for (k, gain) in gains.iter().enumerate() {
        let uk: Vec<f64> = matvec(gain, &x).iter().map(|v| -v).collect();
        u[k] = uk[0];
        u[t + k] = uk[1];
        let ax = matvec(&a, &x);
        let bu = matvec(&b, &uk);
        x = (0..4).map(|i| ax[i] + bu[i]).collect();
    }
    u
}

fn mpc_params(x0: &[f64], umax: f64) -> Values {
    let mut v = params(&[("x0", x0), ("q", &MPC_Q), ("r", &MPC_R)]);
    v.insert("A".into(), Array { shape: Shape::matrix(4, 4), data: MPC_A.concat() });
    v.insert("B".into(), Array { shape: Shape::matrix(4, 2), data: MPC_B.concat() });
    v.insert("umax".into(), Array { shape: Shape::SCALAR, data: vec![umax] });
    v
}

#[test]
fn mpc_box_is_the_lqr_feedback_while_no_bound_is_active() {
    let t = 10;
    let l = layer("mpc_box", &[("nx", 4), ("nu", 2), ("T", t as i64)]);
    let gains = lqr_gains(t);
    let x0 = [0.5, -0.3, 0.2, 0.1];
    let want = lqr_inputs(&gains, &x0);
    assert!(want.iter().all(|v| v.abs() < 5.0), "the bound of 5 is inactive");
    let out = l.forward_with(&mpc_params(&x0, 5.0), &Settings::tight()).unwrap();
    assert!(out.status.is_optimal(), "{}", out.status);
    let e = max_abs_diff(&out.variables["u"].data, &want);
    assert!(e < 1e-6, "u off the LQR inputs by {e:.2e}");
    // du/dx0 is the linear map of the closed loop: column j is the LQR response to e_j,
    // read row by row from the backward pass and column by column from the jvp.
    let cols: Vec<Vec<f64>> = (0..4)
        .map(|j| {
            let mut e = [0.0; 4];
            e[j] = 1.0;
            lqr_inputs(&gains, &e)
        })
        .collect();
    for (i, _) in want.iter().enumerate() {
        let mut w = vec![0.0; 2 * t];
        w[i] = 1.0;
        let mut cot = Values::new();
        cot.insert("u".into(), Array { shape: Shape::matrix(2, t), data: w });
        let g = l.backward(&out, &cot).unwrap();
        let row: Vec<f64> = (0..4).map(|j| cols[j][i]).collect();
        let e = max_abs_diff(&g.params["x0"].data, &row);
        assert!(e < 1e-5, "row {i} of du/dx0 off by {e:.2e}");
    }
    for (j, col) in cols.iter().enumerate() {
        let mut d = [0.0; 4];
        d[j] = 1.0;
        let (dv, _) = l.jvp(&out, &params(&[("x0", &d)])).unwrap();
        let e = max_abs_diff(&dv["u"].data, col);
        assert!(e < 1e-5, "column {j} of du/dx0 (jvp) off by {e:.2e}");
    }
}

#[test]
fn mpc_box_saturates_at_the_bound_and_its_gradient_matches_finite_differences() {
    let t = 10;
    let l = layer("mpc_box", &[("nx", 4), ("nu", 2), ("T", t as i64)]);
    let x0 = [1.0, -1.0, 0.8, 0.5];
    let umax = 0.5;
    let out = l.forward_with(&mpc_params(&x0, umax), &Settings::tight()).unwrap();
    assert!(out.status.is_optimal(), "{}", out.status);
    let u = &out.variables["u"].data;
    assert!(u.iter().all(|v| v.abs() <= umax + 1e-7));
    assert!(u.iter().filter(|v| (v.abs() - umax).abs() < 1e-6).count() >= 2, "some inputs saturate: {u:?}");
    // loss = w . u; its gradient with respect to A, B, q and umax by central differences
    let w: Vec<f64> = (0..2 * t).map(|i| ((i * 7 % 5) as f64 - 2.0) / 3.0).collect();
    let mut cot = Values::new();
    cot.insert("u".into(), Array { shape: Shape::matrix(2, t), data: w.clone() });
    let g = l.backward(&out, &cot).unwrap();
    assert!(!g.degenerate && !g.singular);
    // h = 1e-4: the solves are accurate to about 1e-9, which a step of 1e-6 would amplify
    // to 1e-3 in the difference quotient
    let cases = [("A", 3), ("A", 12), ("B", 2), ("B", 7), ("q", 2), ("r", 1), ("umax", 0)];
    check_central_differences(&l, &mpc_params(&x0, umax), "u", &w, &g.params, &cases, 1e-4, 1e-4);
}

/// d(w · output)/d(param[k]) from the backward pass (`grads`) against central
/// differences of step `h`, to `tol` relative to (1 + |difference quotient|).
#[allow(clippy::too_many_arguments)]
fn check_central_differences(
    l: &Layer,
    p: &Values,
    output: &str,
    w: &[f64],
    grads: &Values,
    cases: &[(&str, usize)],
    h: f64,
    tol: f64,
) {
    let loss = |p: &Values| -> f64 {
        let o = l.forward_with(p, &Settings::tight()).unwrap();
        o.variables[output].data.iter().zip(w).map(|(a, b)| a * b).sum()
    };
    for &(name, k) in cases {
        let mut plus = p.clone();
        let mut minus = p.clone();
        plus.get_mut(name).unwrap().data[k] += h;
        minus.get_mut(name).unwrap().data[k] -= h;
        let fd = (loss(&plus) - loss(&minus)) / (2.0 * h);
        let got = grads[name].data[k];
        assert!(
            (fd - got).abs() < tol * (1.0 + fd.abs()),
            "d loss / d {name}[{k}]: {got} vs finite difference {fd}"
        );
    }
}

// --- svm_head: the Crammer–Singer SVM dual ------------------------------------------

fn svm_params(x: &[f64], n: usize, d: usize, labels: &[usize], k: usize) -> Values {
    let mut y = vec![0.0; n * k];
    for (i, &c) in labels.iter().enumerate() {
        y[i * k + c] = 1.0;
    }
    let mut v = Values::new();
    v.insert("X".into(), Array { shape: Shape::matrix(n, d), data: x.to_vec() });
    v.insert("Y".into(), Array { shape: Shape::matrix(n, k), data: y });
    v
}

#[test]
fn svm_head_matches_its_closed_form_for_orthogonal_examples() {
    let k = 4;
    let l = layer("svm_head", &[("N", k as i64), ("d", k as i64), ("K", k as i64)]);
    // X = s I, one example per class: row i of A is (e_i - 1/K) / s² while that keeps
    // A_ii = (K-1)/(K s²) <= C = 0.1, and C K/(K-1) (e_i - 1/K) when the bound caps it.
    for (s, scale) in [(3.0, 1.0 / 9.0), (1.0, 0.1 * 4.0 / 3.0)] {
        let x: Vec<f64> = (0..k * k).map(|i| if i % (k + 1) == 0 { s } else { 0.0 }).collect();
        let out = l.forward_with(&svm_params(&x, k, k, &[0, 1, 2, 3], k), &Settings::tight()).unwrap();
        assert!(out.status.is_optimal(), "{}", out.status);
        let want: Vec<f64> =
            (0..k * k).map(|i| scale * (if i % (k + 1) == 0 { 1.0 } else { 0.0 } - 1.0 / k as f64)).collect();
        let e = max_abs_diff(&out.variables["A"].data, &want);
        assert!(e < 1e-7, "s = {s}: A off by {e:.2e}: {:?}", out.variables["A"].data);
    }
}

#[test]
fn svm_head_gradient_matches_finite_differences() {
    let (n, d, k) = (6, 4, 3);
    let l = layer("svm_head", &[("N", n as i64), ("d", d as i64), ("K", k as i64)]);
    let x: Vec<f64> = (0..n * d).map(|i| ((i * 37 % 23) as f64 - 11.0) / 7.0).collect();
    let labels = [0, 1, 2, 0, 1, 2];
    let p = svm_params(&x, n, d, &labels, k);
    let out = l.forward_with(&p, &Settings::tight()).unwrap();
    assert!(out.status.is_optimal(), "{}", out.status);
    // the loss of a query's scores: w . (q (X^T A)) for a fixed query q, via A's cotangent
    let w: Vec<f64> = (0..n * k).map(|i| ((i * 5 % 7) as f64 - 3.0) / 4.0).collect();
    let mut cot = Values::new();
    cot.insert("A".into(), Array { shape: Shape::matrix(n, k), data: w.clone() });
    let g = l.backward(&out, &cot).unwrap();
    assert!(!g.degenerate, "a non-degenerate instance");
    let cases = [("X", 0), ("X", 5), ("X", 13), ("X", 22), ("Y", 1), ("Y", 9)];
    check_central_differences(&l, &p, "A", &w, &g.params, &cases, 1e-5, 1e-5);
}

#[test]
fn every_stdlib_file_is_embedded() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path().file_stem().unwrap().to_str().unwrap().to_string())
        .collect();
    files.sort();
    let mut names: Vec<String> = dopt::internals::stdlib::names().iter().map(|s| s.to_string()).collect();
    names.sort();
    assert_eq!(files, names);
}

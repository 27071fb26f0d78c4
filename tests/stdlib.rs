//! The standard-library layers against their closed forms: the solution and the full
//! Jacobian (read row by row from the backward pass, and column by column from the
//! forward mode) for relu, sigmoid, softmax, sparsemax, csoftmax, csparsemax and lml.

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

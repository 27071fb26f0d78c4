//! Accuracy of PSD solves: the MAXCUT SDP relaxation
//! `maximize ¼ tr(L X) s.t. diag(X) = 1, X psd` (tests/data/psd/maxcut.dopt).
//!
//! A `psd` variable is parametrized by its upper triangle, as in cvxpy, instead of n²
//! free entries tied by n(n−1)/2 symmetry equalities (docs/performance.md has the
//! measurements against cvxpy + Clarabel).

mod common;

use common::max_abs_diff;
use dopt::{Array, Dims, Layer, Problem, Settings, Status, Values};
use serde_json::Value;
use std::f64::consts::PI;

fn maxcut(n: usize, settings: Settings) -> Layer {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/psd/maxcut.dopt");
    Problem::from_file(path)
        .unwrap()
        .compile(&Dims::new().with("n", n as i64))
        .unwrap()
        .with_settings(settings)
}

fn tol(t: f64) -> Settings {
    Settings { tol_gap_abs: t, tol_gap_rel: t, tol_feas: t, max_iter: 400, ..Settings::default() }
}

fn matrix(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()))
        .collect()
}

/// The Laplacian of the cycle C_n (row-major).
fn cycle_laplacian(n: usize) -> Vec<f64> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        let j = (i + 1) % n;
        l[i * n + i] += 1.0;
        l[j * n + j] += 1.0;
        l[i * n + j] -= 1.0;
        l[j * n + i] -= 1.0;
    }
    l
}

/// Solve MAXCUT for the Laplacian `l`: (status, X, objective).
fn solve(layer: &Layer, n: usize, l: Vec<f64>) -> (Status, Vec<f64>, f64) {
    let params = Values::from([("L".to_string(), Array::matrix(n, n, &l).unwrap())]);
    let out = layer.forward(&params).unwrap();
    (out.status, out.variables["X"].data.clone(), out.objective)
}

/// Two random graphs, n = 12 (rank-2 optimum) and n = 20 (rank 3), with the optimum X
/// of cvxpy + SCS at eps 1e-12 and the solution of cvxpy + Clarabel at Clarabel's
/// default tolerances (tests/data/psd/maxcut.json).
///
/// * dopt hands Clarabel the same cone program as cvxpy (upper-triangle variable, no
///   symmetry rows), so at the default tolerances it lands on cvxpy's iterate: measured
///   5e-10 apart; bound 1e-7. The former n² columns + symmetry equalities ended 1.7e-4
///   (n = 12) and 5.5e-5 (n = 20) away from it.
/// * Against the optimum the default-tolerance error is Clarabel's, ~1e-4 for these
///   rank-deficient optima (measured 1.3e-4 and 6.8e-5, as cvxpy's); bound 3e-4. At
///   tolerance 1e-10 it is ~1e-5 (bound 1e-4).
#[test]
fn maxcut_matches_cvxpy_clarabel_and_the_optimum() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/psd/maxcut.json")).unwrap();
    let data: Value = serde_json::from_str(&text).unwrap();
    for case in data["cases"].as_array().unwrap() {
        let n = case["n"].as_u64().unwrap() as usize;
        let (optimum, clarabel) = (matrix(&case["X"]), matrix(&case["X_clarabel_default"]));
        let (status, x, obj) = solve(&maxcut(n, Settings::default()), n, matrix(&case["L"]));
        assert_eq!(status, Status::Optimal, "n = {n}");
        let err = max_abs_diff(&x, &clarabel);
        assert!(err <= 1e-7, "n = {n}: max |X − X_cvxpy+clarabel| = {err:.2e}");
        let err = max_abs_diff(&x, &optimum);
        assert!(err <= 3e-4, "n = {n}: max |X − X_opt| = {err:.2e}");
        let want_obj = case["objective"].as_f64().unwrap();
        assert!((obj - want_obj).abs() <= 1e-7 * want_obj, "n = {n}: {obj} vs {want_obj}");
        let (status, x, _) = solve(&maxcut(n, tol(1e-10)), n, matrix(&case["L"]));
        assert_eq!(status, Status::Optimal, "n = {n}");
        let err = max_abs_diff(&x, &optimum);
        assert!(err <= 1e-4, "n = {n}: tol 1e-10, max |X − X_opt| = {err:.2e}");
    }
}

/// The cone program of a `psd` variable: n(n+1)/2 columns, its PSD cone on them
/// (A = −diag(1, √2, 1, √2, √2, 1, …)), no symmetry rows; with `diag(X) == 1` for n = 8:
/// 36 columns, 36 + 8 rows, 44 entries of A (formerly 64, 72 and 128).
#[test]
fn psd_variable_is_its_upper_triangle() {
    let cp = &maxcut(8, Settings::default()).cone;
    assert_eq!((cp.n, cp.m, cp.a.nnz()), (36, 44, 44));
    let theta = vec![0.0; cp.nparams];
    let d = dopt::internals::solve::data(cp, &theta);
    // The PSD block comes first: column k has −weight_k in row k.
    for (k, w) in dopt::internals::ir::svec::weights(8).into_iter().enumerate() {
        let (lo, hi) = (cp.a.colptr[k], cp.a.colptr[k + 1]);
        let at = (lo..hi).find(|&e| cp.a.rowval[e] == k).unwrap();
        assert_eq!(d.a[at], -w);
    }
}

/// The odd cycle C_n has a rank-2 optimum in closed form: X_ij = cos(θ(i − j)) with
/// θ = π(n − 1)/n (the vectors at angle θ apart around the circle), objective
/// ¼ Σ_edges 2(1 − cos θ) = (n/2)(1 + cos(π/n)).
#[test]
fn odd_cycle_closed_form() {
    for n in [5usize, 9, 15] {
        let l = cycle_laplacian(n);
        let theta = PI * (n - 1) as f64 / n as f64;
        let want: Vec<f64> =
            (0..n * n).map(|e| (theta * (e / n) as f64 - theta * (e % n) as f64).cos()).collect();
        let (status, x, obj) = solve(&maxcut(n, tol(1e-12)), n, l);
        assert_eq!(status, Status::Optimal);
        assert!(max_abs_diff(&x, &want) <= 1e-8, "n = {n}: {:.2e}", max_abs_diff(&x, &want));
        let want_obj = n as f64 / 2.0 * (1.0 + (PI / n as f64).cos());
        assert!((obj - want_obj).abs() <= 1e-9, "n = {n}: {obj} vs {want_obj}");
        // The read-out is exactly symmetric (one column per pair i ≤ j).
        assert!((0..n).all(|i| (0..n).all(|j| x[i * n + j] == x[j * n + i])));
    }
}

/// A layer file keeps the upper-triangle layout of a `psd` variable: the loaded layer
/// reads out the same X (the C_5 optimum, X_01 = cos(4π/5)), and a file whose variable
/// layout is damaged is refused instead of read out of bounds.
#[test]
fn layer_file_keeps_the_triangle_layout() {
    let n = 5;
    let layer = maxcut(n, Settings::default());
    let bytes = layer.to_bytes();
    let loaded = Layer::from_bytes(&bytes).unwrap();
    let l = cycle_laplacian(n);
    let (_, x, _) = solve(&layer, n, l.clone());
    let (_, y, _) = solve(&loaded, n, l);
    assert_eq!(x, y);
    assert!((y[1] - (4.0 * PI / 5.0).cos()).abs() <= 1e-6, "{}", y[1]);
    // A triangle layout that claims a 6×6 matrix for the 5×5 X: refused (E0902).
    let mut bad = layer.clone();
    bad.cone.var_layout[0] = dopt::internals::ir::cone::RowLayout::Triangle(6);
    let err = Layer::from_bytes(&bad.to_bytes()).unwrap_err();
    assert!(err.render().contains("variable columns do not match the variables"), "{}", err.render());
}

/// `X << 2` broadcasts the scalar to the all-2s matrix, as cvxpy's Promote does (the
/// warning in docs/language.md §6): max Σ X over 0 ⪯ X ⪯ 2·ones is 8 at X = 2·ones,
/// where 0 ⪯ X ⪯ 2I would allow only 4.
#[test]
fn a_scalar_side_of_a_semidefinite_constraint_is_the_all_ones_multiple() {
    let text = "variable X[2, 2] symmetric\nmaximize sum(X)\nsubject to\n    X << 2\n    X >> 0\n";
    let layer = Problem::from_str("promote.dopt", text).unwrap().compile(&Dims::new()).unwrap();
    let out = layer.forward(&Values::new()).unwrap();
    assert_eq!(out.status, Status::Optimal);
    assert!((out.objective - 8.0).abs() < 1e-6, "objective {}", out.objective);
    let x = &out.variables["X"].data;
    assert!(max_abs_diff(x, &[2.0; 4]) < 1e-6, "X = {x:?}");
}

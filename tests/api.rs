//! The public API at its edges: problems without variables, cone programs that
//! Clarabel cannot take as they are, symmetric arguments of the eigenvalue atoms,
//! internal errors turned into `Error`s, damaged layer files, long echoed values.

mod common;
use common::{dopt, temp_file};
use dopt::{Array, Dims, Layer, Problem, Status, Values};

fn layer(text: &str) -> Layer {
    Problem::from_str("api.dopt", text).unwrap().compile(&Dims::new()).unwrap()
}

fn scalars(kv: &[(&str, f64)]) -> Values {
    kv.iter().map(|(k, v)| (k.to_string(), Array::scalar(*v))).collect()
}

// ---------------------------------------------------------------------------------
// Issue #9.1: no variables (Clarabel panicked on the empty system)
// ---------------------------------------------------------------------------------

const NO_VARS: &str = "parameter p\nparameter q\nminimize 3*p - 2*q\nsubject to\n    c: p <= 1\n";

#[test]
fn a_problem_without_variables_is_solved_without_the_solver() {
    let l = layer(NO_VARS);
    let out = l.forward(&scalars(&[("p", 0.5), ("q", 2.0)])).unwrap();
    assert_eq!(out.status, Status::Optimal);
    assert_eq!(out.objective, 3.0 * 0.5 - 2.0 * 2.0);
    assert_eq!(out.duals["c"].data, vec![0.0]);
    assert!(out.variables.is_empty());
    // p = 1.5 breaks p <= 1: a status, not a crash.
    let bad = l.forward(&scalars(&[("p", 1.5), ("q", 2.0)])).unwrap();
    assert_eq!(bad.status, Status::Infeasible);
    // Within the feasibility tolerance is feasible.
    assert_eq!(l.forward(&scalars(&[("p", 1.0 + 1e-12), ("q", 0.0)])).unwrap().status, Status::Optimal);
}

#[test]
fn the_gradient_without_variables_is_that_of_the_objective() {
    let l = layer(NO_VARS);
    let at = |p: f64, q: f64| l.forward(&scalars(&[("p", p), ("q", q)])).unwrap();
    let out = at(0.25, -1.0);
    let g = l.backward(&out, &scalars(&[("objective", 2.0)])).unwrap();
    // Central differences of 2·f(p, q).
    let h = 1e-6;
    let dp = 2.0 * (at(0.25 + h, -1.0).objective - at(0.25 - h, -1.0).objective) / (2.0 * h);
    let dq = 2.0 * (at(0.25, -1.0 + h).objective - at(0.25, -1.0 - h).objective) / (2.0 * h);
    assert!((g.params["p"].data[0] - 6.0).abs() < 1e-12 && (dp - 6.0).abs() < 1e-6, "{g:?} {dp}");
    assert!((g.params["q"].data[0] + 4.0).abs() < 1e-12 && (dq + 4.0).abs() < 1e-6, "{g:?} {dq}");
    // A dual cotangent alone gives zero: the multiplier stays 0 near an interior b.
    let g = l.backward(&out, &scalars(&[("dual:c", 1.0)])).unwrap();
    assert_eq!((g.params["p"].data[0], g.params["q"].data[0]), (0.0, 0.0));
    let (dv, dd) = l.jvp(&out, &scalars(&[("p", 1.0), ("q", 1.0)])).unwrap();
    assert!(dv.is_empty());
    assert_eq!(dd["c"].data, vec![0.0]);
    // Maximize flips the sign of the cone program's objective back.
    let m = layer("parameter p\nmaximize -5*p\n");
    let out = m.forward(&scalars(&[("p", 2.0)])).unwrap();
    assert_eq!(out.objective, -10.0);
    assert_eq!(m.backward(&out, &scalars(&[("objective", 1.0)])).unwrap().params["p"].data, vec![-5.0]);
}

#[test]
fn an_empty_file_and_its_layer_file_solve() {
    let l = layer("");
    let out = l.forward(&Values::new()).unwrap();
    assert_eq!((out.status, out.objective), (Status::Optimal, 0.0));
    let back = Layer::from_bytes(&l.to_bytes()).unwrap();
    assert_eq!(back.forward(&Values::new()).unwrap().status, Status::Optimal);
    let g = back.backward(&out, &scalars(&[("objective", 1.0)])).unwrap();
    assert!(g.params.is_empty());
}

#[test]
fn cli_solves_and_differentiates_a_problem_without_variables() {
    let file = temp_file("api", "novars.dopt", b"parameter p\nminimize p\n");
    let params = temp_file("api", "p.json", br#"{"p": 2.5}"#);
    let dvars = temp_file("api", "dobj.json", br#"{"objective": 1.0}"#);
    let (code, out, err) = dopt(&["solve", &file, "--params", &params, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((v["status"].as_str(), v["objective"].as_f64()), (Some("optimal"), Some(2.5)));
    let (code, out, err) = dopt(&["grad", &file, "--params", &params, "--dvars", &dvars, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["gradients"]["p"].as_f64(), Some(1.0), "{out}");
    let empty = temp_file("api", "empty.dopt", b"");
    let none = temp_file("api", "none.json", b"{}");
    let (code, out, err) = dopt(&["solve", &empty, "--params", &none]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("optimal"), "{out}");
}

#[test]
fn no_constraints_with_variables_solve_and_differentiate() {
    // m = 0, n = 1: min x² + 2px at x = −p, value −p².
    let l = layer("parameter p\nvariable x\nminimize square(x) + 2*p*x\n");
    let out = l.forward(&scalars(&[("p", 0.75)])).unwrap();
    assert_eq!(out.status, Status::Optimal);
    assert!((out.variables["x"].data[0] + 0.75).abs() < 1e-9);
    assert!((out.objective + 0.5625).abs() < 1e-9);
    let g = l.backward(&out, &scalars(&[("x", 1.0), ("objective", 1.0)])).unwrap();
    assert!((g.params["p"].data[0] - (-1.0 - 1.5)).abs() < 1e-8, "{g:?}");
    // A free variable with no constraints and a zero objective: x = 0 is one of
    // many solutions; the derivative system is all zero, reported singular.
    let z = layer("variable x\nminimize 0\n");
    let out = z.forward(&Values::new()).unwrap();
    assert_eq!(out.status, Status::Optimal);
    assert_eq!(out.variables["x"].data, vec![0.0]);
    let g = z.backward(&out, &scalars(&[("x", 1.0)])).unwrap();
    assert!(g.singular && g.params.is_empty(), "{g:?}");
}

// ---------------------------------------------------------------------------------
// Issue #9.2: eigenvalue atoms of a non-symmetric matrix
// ---------------------------------------------------------------------------------

#[test]
fn lambda_max_of_a_matrix_forced_non_symmetric_is_infeasible() {
    // X = [[0, 1], [0, 0]] is not symmetric: outside lambda_max's domain (cvxpy:
    // infeasible). Before, its symmetric part gave 0.5.
    let text = "variable X[2, 2]\nminimize lambda_max(X)\nsubject to\n    X == [[0, 1], [0, 0]]\n";
    assert_eq!(layer(text).forward(&Values::new()).unwrap().status, Status::Infeasible);
    let text = "variable X[2, 2]\nmaximize lambda_min(X)\nsubject to\n    X == [[0, 1], [0, 0]]\n";
    assert_eq!(layer(text).forward(&Values::new()).unwrap().status, Status::Infeasible);
}

#[test]
fn log_det_needs_a_symmetric_argument() {
    // X = [[1, 1], [-0.25, 1]] has det 1.25, but its symmetric part
    // [[1, 0.375], [0.375, 1]] has det 0.859375: neither is log_det's answer, X is
    // outside the domain.
    let bad = "variable X[2, 2]\nmaximize log_det(X)\nsubject to\n    X == [[1, 1], [-0.25, 1]]\n";
    assert_eq!(layer(bad).forward(&Values::new()).unwrap().status, Status::Infeasible);
    // With a symmetric X the value is log det X: here log(2·3 − 1) = log 5.
    let good = "variable X[2, 2]\nmaximize log_det(X)\nsubject to\n    X == [[2, 1], [1, 3]]\n";
    let l = layer(good).with_settings(dopt::Settings::tight());
    let out = l.forward(&Values::new()).unwrap();
    assert_eq!(out.status, Status::Optimal);
    assert!((out.objective - 5f64.ln()).abs() < 1e-6, "{}", out.objective);
}

#[test]
fn a_symmetric_argument_adds_no_rows() {
    let rows = |text: &str| layer(text).cone.m;
    // The same problem with X declared symmetric / psd, with and without lambda_max:
    // the declaration's own rows are there, and lambda_max adds only its PSD cone
    // (3 rows for n = 2) and nothing for symmetry.
    for attr in ["symmetric", "psd"] {
        let base =
            rows(&format!("variable X[2, 2] {attr}\nminimize trace(X)\nsubject to\n    X[0, 0] >= 1\n"));
        let with =
            rows(&format!("variable X[2, 2] {attr}\nminimize lambda_max(X)\nsubject to\n    X[0, 0] >= 1\n"));
        assert_eq!(with, base + 3, "{attr}");
    }
    // X + X.T is symmetric whatever X is: no symmetry rows; a plain X gets 1 (n = 2).
    let plain = rows("variable X[2, 2]\nminimize trace(X)\n");
    assert_eq!(rows("variable X[2, 2]\nminimize lambda_max(X + X.T)\n"), plain + 3);
    assert_eq!(rows("variable X[2, 2]\nminimize lambda_max(X)\n"), plain + 1 + 3);
    // n = 3: 3 symmetry rows (one per entry above the diagonal) and 6 for the PSD cone.
    assert_eq!(rows("variable X[3, 3]\nminimize lambda_max(X)\n"), 3 + 6);
}

#[test]
fn a_symmetric_parameter_adds_no_rows_and_solves() {
    // λ_max(P + t·I) with t ≥ 0, minimized, is λ_max(P) (here 3).
    let text =
        "parameter P[2, 2] symmetric\nvariable t nonneg\nminimize lambda_max(P + t * [[1, 0], [0, 1]])\n";
    let l = layer(text).with_settings(dopt::Settings::tight());
    // 1 (t ≥ 0) + 3 (PSD): no symmetry row for P + t·I.
    assert_eq!(l.cone.m, 4);
    let p = Values::from([("P".to_string(), Array::matrix(2, 2, &[2.0, 1.0, 1.0, 2.0]).unwrap())]);
    let out = l.forward(&p).unwrap();
    assert!((out.objective - 3.0).abs() < 1e-6, "{}", out.objective);
}

// ---------------------------------------------------------------------------------
// Issue #9.3: no panic crosses the public API (forced through the hidden test hook)
// ---------------------------------------------------------------------------------

const RELU: &str = "parameter x\nvariable y\nminimize square(y - x)\nsubject to\n    y >= 0\n";

#[test]
fn cli_reports_an_internal_error_with_exit_code_1() {
    let file = temp_file("api", "relu.dopt", RELU.as_bytes());
    let params = temp_file("api", "x.json", br#"{"x": 2.0}"#);
    for what in ["Layer::forward", "Layer::compile", "dopt"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dopt"))
            .args(["solve", &file, "--params", &params])
            .env(dopt::frontend::FORCE_PANIC_ENV, what)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{what}: {err}");
        assert!(
            err.contains("error[E0999]: internal error in `") && err.contains("forced internal error"),
            "{err}"
        );
        assert!(err.contains("please report this bug"), "{err}");
        assert!(!err.contains("RUST_BACKTRACE"), "the default panic output is silenced: {err}");
    }
}

// ---------------------------------------------------------------------------------
// Issue #9.4: a layer file with a damaged header
// ---------------------------------------------------------------------------------

#[test]
fn a_layer_file_with_a_damaged_magic_is_reported_as_damaged() {
    let l = layer(RELU);
    let mut bytes = l.to_bytes();
    bytes[0] = b'X';
    let e = Layer::from_bytes(&bytes).unwrap_err();
    assert_eq!(e[0].code.id, "E0902");
    assert!(e[0].message.contains("damaged layer file") && e[0].message.contains("XOPTLAYR"), "{e}");
    // The command line reads it as a (damaged) layer, not as source text.
    let file = temp_file("api", "damaged.layer", &bytes);
    let params = temp_file("api", "x2.json", br#"{"x": 2.0}"#);
    let (code, _, err) = dopt(&["solve", &file, "--params", &params]);
    assert_eq!(code, 1);
    assert!(err.contains("E0902") && err.contains("damaged layer file"), "{err}");
    assert!(!err.contains("E0001") && !err.contains("E0004"), "{err}");
    // A wholly different magic with a NUL in the header: still a layer, not text.
    bytes[..8].copy_from_slice(b"ABCDEFGH");
    let file = temp_file("api", "other.layer", &bytes);
    let (code, _, err) = dopt(&["check", &file]);
    assert_eq!(code, 1);
    assert!(err.contains("E0902") && err.contains("not a dopt layer file"), "{err}");
    // Text stays text.
    assert!(!dopt::layer::looks_like_layer_file(RELU.as_bytes()));
}

// ---------------------------------------------------------------------------------
// Issue #9.5: long input is not echoed whole
// ---------------------------------------------------------------------------------

#[test]
fn a_huge_bad_value_is_not_echoed_whole() {
    let huge = "z".repeat(10 << 20);
    let e = dopt::values::values_from_json(&format!(r#"{{"x": "{huge}"}}"#)).unwrap_err();
    assert!(e.len() < 300, "{} chars", e.len());
    assert!(e.contains(&format!("\"{}…\"", "z".repeat(80))), "{}", &e[..e.len().min(300)]);
    let key = "k".repeat(10_000);
    let e = dopt::values::values_from_json(&format!(r#"{{"{key}": true}}"#)).unwrap_err();
    assert!(e.len() < 300 && e.contains('…'), "{}", &e[..e.len().min(300)]);
    // An unknown parameter with a long name, through the layer.
    let l = layer(RELU);
    let mut v = scalars(&[("x", 1.0)]);
    v.insert(key.clone(), Array::scalar(1.0));
    let e = l.forward(&v).unwrap_err();
    assert!(e.to_string().len() < 1000 && e[0].message.contains('…'), "{}", e.to_string().len());
    // The command line: a 10 MB values file with a bad value.
    let file = temp_file("api", "relu2.dopt", RELU.as_bytes());
    let params = temp_file("api", "huge.json", format!(r#"{{"x": "{huge}"}}"#).as_bytes());
    let (code, _, err) = dopt(&["solve", &file, "--params", &params]);
    assert_eq!(code, 1);
    assert!(err.len() < 1000, "{} bytes of stderr", err.len());
}

// ---------------------------------------------------------------------------------
// Issue #9.6: the parameter map and its adjoint
// ---------------------------------------------------------------------------------

#[test]
fn the_parameter_map_adjoint_is_its_transpose() {
    use dopt::solve::{Data, data_adjoint, data_direction};
    let text = "dim n = 3\nparameter A[n, n]\nparameter b[n]\nparameter c[n]\nvariable x[n]\n\
                minimize c @ x + sum_squares(A @ x - b)\nsubject to\n    A @ x <= b\n";
    let l = layer(text);
    let cp = &l.cone;
    assert_eq!(cp.nparams, 15);
    for seed in 0..5u64 {
        let theta = common::random_vec(cp.nparams, seed);
        let m_theta = data_direction(cp, &theta).flat();
        let y = common::random_vec(m_theta.len(), seed + 100);
        let lhs: f64 = m_theta.iter().zip(&y).map(|(a, b)| a * b).sum();
        let mt_y = data_adjoint(cp, &Data::from_flat(cp, &y));
        let rhs: f64 = theta.iter().zip(&mt_y).map(|(a, b)| a * b).sum();
        assert!(lhs.abs() > 1e-3, "a map that reaches the data");
        assert!((lhs - rhs).abs() < 1e-12 * (1.0 + lhs.abs()), "⟨Mθ, y⟩ = {lhs}, ⟨θ, Mᵀy⟩ = {rhs}");
        // data(θ) = data_direction(θ) + data(0): the constant column.
        let d = dopt::solve::data(cp, &theta).flat();
        let d0 = dopt::solve::data(cp, &vec![0.0; cp.nparams]).flat();
        assert!(
            common::max_abs_diff(&d, &m_theta.iter().zip(&d0).map(|(a, b)| a + b).collect::<Vec<_>>())
                < 1e-12
        );
    }
}

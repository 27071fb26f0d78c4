//! `dopt grad` end to end: gradients in JSON equal to the reference, bad cotangent
//! files and failed solves refused with exit codes 1 and 2.

use serde_json::Value;
mod common;
use common::dopt;

fn temp_file(name: &str, text: &str) -> String {
    common::temp_file("cli-grad", name, text.as_bytes())
}

fn reference(name: &str) -> Value {
    common::reference_json(name)
}

#[test]
fn grad_json_matches_the_reference_gradient() {
    for name in ["ridge", "sparsemax_small"] {
        let r = reference(name);
        let params = temp_file(&format!("{name}-p.json"), &r["params"].to_string());
        let dvars = temp_file(&format!("{name}-d.json"), &r["weights"].to_string());
        let file = format!("tests/data/reference/problems/{name}.dopt");
        let (code, out, err) =
            dopt(&["grad", &file, "--params", &params, "--dvars", &dvars, "--json", "--tol", "1e-10"]);
        assert_eq!(code, 0, "{name}: {err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["status"], "optimal");
        for (k, want) in r["grads"].as_object().unwrap() {
            let got: Vec<f64> = flat(&v["gradients"][k]);
            let want = flat(want);
            assert_eq!(got.len(), want.len(), "{name}.{k}");
            let scale = want.iter().fold(1e-3f64, |m, x| m.max(x.abs()));
            for (a, b) in got.iter().zip(&want) {
                assert!((a - b).abs() < 1e-6 * scale, "{name}: d/d{k}: {a} vs {b}");
            }
        }
    }
}

fn flat(v: &Value) -> Vec<f64> {
    match v {
        Value::Number(n) => vec![n.as_f64().unwrap()],
        Value::Array(a) => a.iter().flat_map(flat).collect(),
        _ => panic!("not numeric: {v}"),
    }
}

#[test]
fn grad_text_output_names_each_parameter() {
    let params = temp_file("relu-p.json", r#"{"x": [1, -2, 3]}"#);
    let dvars = temp_file("relu-d.json", r#"{"y": [1, 1, 1]}"#);
    let (code, out, err) =
        dopt(&["grad", "std:relu", "--dim", "n=3", "--params", &params, "--dvars", &dvars]);
    assert_eq!(code, 0, "{err}");
    let line = out.lines().find(|l| l.starts_with("d/dx = ")).unwrap_or_else(|| panic!("{out}"));
    let g: Vec<f64> = serde_json::from_str::<Vec<f64>>(&line["d/dx = ".len()..]).unwrap();
    assert!((g[0] - 1.0).abs() < 1e-7 && g[1].abs() < 1e-7 && (g[2] - 1.0).abs() < 1e-7, "{g:?}");
}

#[test]
fn bad_cotangent_files_exit_1_with_a_message() {
    let params = temp_file("sm-p.json", r#"{"x": [0.2, 0.1, 0.5]}"#);
    let cases = [
        ("unknown", r#"{"z": [1, 0, 0]}"#, "`z` is not a variable of this problem"),
        ("shape", r#"{"y": [1, 0]}"#, "`y`: expected shape [3], got [2]"),
        ("json", r#"{"y": [1, 0, 0"#, "dvars file"),
        ("dual", r#"{"dual:cap": [1]}"#, "no named constraint `cap`"),
    ];
    let grad = |dvars: &str, extra: &[&str]| {
        let mut args = vec!["grad", "std:sparsemax", "--dim", "n=3", "--params", &params, "--dvars", dvars];
        args.extend_from_slice(extra);
        dopt(&args)
    };
    for (tag, text, needle) in cases {
        let dvars = temp_file(&format!("sm-d-{tag}.json"), text);
        let (code, _, err) = grad(&dvars, &[]);
        assert_eq!(code, 1, "{tag}: {err}");
        assert!(err.contains(needle), "{tag}: {err}");
    }
    let (code, _, err) = grad("/nonexistent/d.json", &[]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot read dvars file"), "{err}");
    let dvars = temp_file("sm-d-ok.json", r#"{"y": [1, 0, 0]}"#);
    let (code, _, err) = grad(&dvars, &["--smoothing=0"]);
    assert_eq!(code, 1);
    assert!(err.contains("--smoothing"), "{err}");
}

#[test]
fn grad_through_an_infeasible_solve_is_refused_with_exit_2() {
    let file = temp_file(
        "infeasible.dopt",
        "parameter a\nvariable x\nminimize x\nsubject to\n    x >= a\n    x <= a - 1\n",
    );
    let params = temp_file("inf-p.json", r#"{"a": 1}"#);
    let dvars = temp_file("inf-d.json", r#"{"x": 1}"#);
    let (code, out, err) = dopt(&["grad", &file, "--params", &params, "--dvars", &dvars, "--json"]);
    assert_eq!(code, 2, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "infeasible");
    assert!(v.get("gradients").is_none());
    assert!(err.contains("no gradient"), "{err}");
}

#[test]
fn grad_json_reports_a_singular_derivative_system() {
    // entropic_ot: its row and column sums share a redundant equation.
    let r = reference("entropic_ot");
    let params = temp_file("ot-p.json", &r["params"].to_string());
    let dvars = temp_file("ot-d.json", &r["weights"].to_string());
    let file = "tests/data/reference/problems/entropic_ot.dopt";
    let (code, out, err) = dopt(&["grad", file, "--params", &params, "--dvars", &dvars, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["singular"], true);
    assert_eq!(v["degenerate"], false);
    let (code, out, _) = dopt(&["grad", file, "--params", &params, "--dvars", &dvars]);
    assert_eq!(code, 0);
    assert!(out.contains("note: the derivative system is singular"), "{out}");
}

/// The cotangent files shipped for `examples/mpc.dopt` (README and language reference):
/// with d(loss)/d(objective) = 1 the gradient is the envelope formula — d/dx0 is minus
/// the dual of `init`, d/drho is `sum_squares(u)`, d/dr is `-2 (x - r)` — and the mixed
/// file is accepted and linear in its parts (half the objective plus the rest).
#[test]
fn shipped_mpc_cotangent_files_give_the_envelope_gradients() {
    let run = |dvars: &str| {
        let (code, out, err) = dopt(&[
            "grad",
            "examples/mpc.dopt",
            "--params",
            "examples/mpc.params.json",
            "--dvars",
            dvars,
            "--json",
            "--tol",
            "1e-10",
        ]);
        assert_eq!(code, 0, "{dvars}: {err}");
        serde_json::from_str::<Value>(&out).unwrap()
    };
    let v = run("examples/mpc.objective.json");
    let dual_init = flat(&v["duals"]["init"]);
    let dx0 = flat(&v["gradients"]["x0"]);
    for (g, d) in dx0.iter().zip(&dual_init) {
        assert!((g + d).abs() < 1e-6, "d/dx0 {g} vs -dual {d}");
    }
    let u = flat(&v["variables"]["u"]);
    let drho = flat(&v["gradients"]["rho"])[0];
    assert!((drho - u.iter().map(|x| x * x).sum::<f64>()).abs() < 1e-6, "d/drho = {drho}");
    let (x, dr) = (flat(&v["variables"]["x"]), flat(&v["gradients"]["r"]));
    let params: Value =
        serde_json::from_str(&std::fs::read_to_string("examples/mpc.params.json").unwrap()).unwrap();
    let r = flat(&params["r"]);
    for k in 0..x.len() {
        assert!((dr[k] + 2.0 * (x[k] - r[k])).abs() < 1e-6, "d/dr[{k}]");
    }
    // The mixed file minus half the objective's gradient is the gradient of u₀ plus the
    // second entry of the dual of `init`: not the objective's, and finite.
    let mixed = run("examples/mpc.dvars.json");
    let dm = flat(&mixed["gradients"]["x0"]);
    let rest: Vec<f64> = dm.iter().zip(&dx0).map(|(m, o)| m - 0.5 * o).collect();
    assert!(rest.iter().all(|g| g.is_finite()) && rest.iter().any(|g| g.abs() > 1e-3), "{rest:?}");
}

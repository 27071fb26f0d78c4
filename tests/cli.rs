//! The `dopt` binary end to end: exit codes, output streams, messages.

mod common;
use common::dopt;

fn temp_file(name: &str, bytes: &[u8]) -> String {
    common::temp_file("cli", name, bytes)
}

#[test]
fn check_prints_a_summary_and_exits_0() {
    let (code, out, err) = dopt(&["check", "examples/sparsemax.dopt", "--dim", "n=6"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("n = 6 (given)"), "{out}");
    assert!(out.contains("x            [6]"), "{out}");
    assert!(out.contains("1 equality, 6 inequality"), "{out}");
}

#[test]
fn invalid_files_exit_1_with_a_location() {
    let (code, out, err) = dopt(&["check", "tests/data/reference/invalid/shape_matmul_mismatch.dopt"]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("shape_matmul_mismatch.dopt:10:22"), "{err}");
}

#[test]
fn unreadable_and_non_utf8_files_exit_1() {
    let (code, _, err) = dopt(&["check", "no/such/file.dopt"]);
    assert_eq!(code, 1);
    assert!(err.contains("error[E0901]: cannot read `no/such/file.dopt`"), "{err}");

    let bad = temp_file("latin1.dopt", b"dim n = 3\n# caf\xe9\nvariable x[n]\n");
    let (code, _, err) = dopt(&["check", &bad]);
    assert_eq!(code, 1);
    assert!(err.contains("invalid UTF-8 byte 0xe9"), "{err}");
    assert!(err.contains("latin1.dopt:2:6"), "{err}");
}

#[test]
fn bad_dim_arguments_exit_1() {
    for (arg, needle) in [
        ("n", "expected NAME=VALUE"),
        ("n=x", "is not an integer"),
        ("n=0", "a dim must be between 1"),
        ("q=3", "declares no dim `q`"),
        ("N=3", "did you mean `n`?"),
    ] {
        let (code, _, err) = dopt(&["check", "examples/sparsemax.dopt", "--dim", arg]);
        assert_eq!(code, 1, "--dim {arg}");
        assert!(err.contains(needle), "--dim {arg}: {err}");
    }
    let (_, _, err) = dopt(&["check", "examples/sparsemax.dopt", "--dim", "n=0"]);
    assert!(err.contains("error[E0701]: dim `n` is given 0, out of range"), "{err}");
    assert!(err.contains("= note: on the command line, dims are given with `--dim NAME=VALUE`"), "{err}");
}

#[test]
fn unknown_dim_is_named() {
    let f = temp_file("nodim.dopt", b"dim n\nvariable x[n]\nminimize sum(x)\n");
    let (code, _, err) = dopt(&["check", &f]);
    assert_eq!(code, 1);
    assert!(err.contains("dim `n` has no value"), "{err}");
    // The library's help names no flag; the command line adds its own.
    assert!(err.contains("give `n` a value in the dims the problem is compiled with"), "{err}");
    assert!(err.contains("= help: on the command line: `--dim n=10`"), "{err}");
    let (code, out, _) = dopt(&["check", &f, "--dim", "n=4"]);
    assert_eq!(code, 0);
    assert!(out.contains("[4]"));
}

#[test]
fn standard_library_layers_check() {
    let (code, out, err) = dopt(&["check", "std:sparsemax"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("std:sparsemax: ok"));
    let (code, _, err) = dopt(&["check", "std:sparsmax"]);
    assert_eq!(code, 1);
    assert!(err.contains("did you mean `std:sparsemax`?"), "{err}");
}

#[test]
fn usage_errors_exit_1_and_help_exits_0() {
    let (code, _, _) = dopt(&["frobnicate"]);
    assert_eq!(code, 1);
    let (code, out, _) = dopt(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("check"));
}

#[test]
fn ir_listing_is_printed_on_request() {
    let (code, out, _) = dopt(&["check", "examples/sparsemax.dopt", "--ir"]);
    assert_eq!(code, 0);
    assert!(out.contains("sum_squares(%"), "{out}");
    assert!(out.contains("minimize %"), "{out}");
}

fn solve(file: &str, params: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["solve", file, "--params", params];
    args.extend_from_slice(extra);
    dopt(&args)
}

/// A QP with a named constraint: min 2x₁² + x₂² + x₁ + w(x₁ + x₂) s.t. x₁ + x₂ = 1.
/// With w = 0.5: x₁ = 1/6 (from 6x₁ = 1), objective 51/36, and the dual of `cap`
/// from 4x₁ + 1 + w + λ = 0: λ = −13/6.
const QP: &[u8] = b"parameter Q[2, 2] psd\nparameter c[2]\nparameter w nonneg\nvariable x[2]\n\
minimize quad_form(x, Q) + c @ x + w * sum(x)\nsubject to\n    cap: sum(x) == 1\n";
const QP_PARAMS: &[u8] = br#"{"Q": [[2, 0], [0, 1]], "c": [1, 0], "w": 0.5}"#;

fn close(v: &serde_json::Value, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() <= 1e-6 * want.abs().max(1.0))
}

#[test]
fn solve_prints_values_and_exits_0() {
    // sparsemax of (0.5, 0.1, −0.1, 0.9): threshold τ = (0.9 + 0.5 − 1)/2 = 0.2, so
    // y = (0.3, 0, 0, 0.7) and ‖y − x‖² = 0.04 + 0.01 + 0.01 + 0.04 = 0.1.
    let p = temp_file("sparsemax.json", br#"{"x": [0.5, 0.1, -0.1, 0.9]}"#);
    let (code, out, err) = solve("examples/sparsemax.dopt", &p, &["--dim", "n=4"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("status: optimal\nobjective: 0.1"), "{out}");
    assert!(out.contains("\ny = [") && out.contains("solve time: "), "{out}");
    let (code, out, err) = solve("examples/sparsemax.dopt", &p, &["--dim", "n=4", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON output");
    assert_eq!(v["status"], "optimal");
    assert!(close(&v["objective"], 0.1), "{out}");
    for (k, want) in [0.3, 0.0, 0.0, 0.7].into_iter().enumerate() {
        assert!(close(&v["variables"]["y"][k], want), "{out}");
    }
    assert!(v["solve_time"].as_f64().is_some_and(|t| t >= 0.0), "{out}");
}

#[test]
fn solve_reports_duals_in_json() {
    let (f, p) = (temp_file("qp.dopt", QP), temp_file("qp.json", QP_PARAMS));
    let (code, out, err) = solve(&f, &p, &["--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON output");
    assert!(close(&v["objective"], 51.0 / 36.0), "{out}");
    assert!(close(&v["variables"]["x"][0], 1.0 / 6.0) && close(&v["variables"]["x"][1], 5.0 / 6.0), "{out}");
    assert!(close(&v["duals"]["cap"], -13.0 / 6.0), "{out}");
}

#[test]
fn bad_parameter_files_exit_1_with_a_message() {
    let f = temp_file("qp_bad.dopt", QP);
    let ok = r#""Q": [[2, 0], [0, 1]], "c": [1, 0]"#;
    let cases: &[(&str, String, &str)] = &[
        ("missing", format!(r#"{{{ok}}}"#), "error[E0702]: no value for parameter `w`"),
        ("unknown", format!(r#"{{{ok}, "w": 1, "v": 2}}"#), "`v` is not a parameter of this problem"),
        (
            "shape",
            r#"{"Q": [[2, 0], [0, 1]], "c": [1, 0, 3], "w": 1}"#.into(),
            "parameter `c`: expected shape [2]",
        ),
        (
            "matrix shape",
            r#"{"Q": [2, 0], "c": [1, 0], "w": 1}"#.into(),
            "parameter `Q`: expected shape [2, 2]",
        ),
        (
            "ragged",
            r#"{"Q": [[2, 0], [0]], "c": [1, 0], "w": 1}"#.into(),
            "`Q`: row 1 has 1 entries, row 0 has 2",
        ),
        (
            "NaN string",
            format!(r#"{{{ok}, "w": "NaN"}}"#),
            "`w`: a string (\"NaN\"), not a number; NaN and infinities",
        ),
        (
            "NaN entry",
            r#"{"Q": [[2, 0], [0, 1]], "c": [1, "nan"], "w": 1}"#.into(),
            "`c`: entry 1 is a string (\"nan\")",
        ),
        ("NaN literal", format!(r#"{{{ok}, "w": NaN}}"#), "JSON has no NaN or infinity"),
        ("overflow", format!(r#"{{{ok}, "w": 1e999}}"#), "number out of range"),
        (
            "-overflow",
            r#"{"Q": [[2, 0], [0, -1e999]], "c": [1, 0], "w": 1}"#.into(),
            "JSON has no NaN or infinity",
        ),
        ("null", format!(r#"{{{ok}, "w": null}}"#), "`w`: null (NaN and infinities are not valid values)"),
        (
            "not psd",
            r#"{"Q": [[1, 2], [2, 1]], "c": [1, 0], "w": 1}"#.into(),
            "parameter `Q`: declared `psd`, but its smallest eigenvalue is -1.000e0",
        ),
        (
            "not symmetric",
            r#"{"Q": [[1, 0.5], [0.4, 1]], "c": [1, 0], "w": 1}"#.into(),
            "parameter `Q`: declared symmetric (or psd/nsd), but the value is not symmetric",
        ),
        (
            "nonneg",
            format!(r#"{{{ok}, "w": -0.5}}"#),
            "parameter `w`: declared `nonneg`, but entry 0 is -0.5",
        ),
        ("malformed", format!(r#"{{{ok}, "w": 1"#), "malformed JSON: EOF while parsing an object"),
        ("not an object", "[1, 2]".into(), "expected a JSON object mapping names to values"),
        ("empty", String::new(), "malformed JSON"),
    ];
    for (what, json, needle) in cases {
        let p = temp_file("bad.json", json.as_bytes());
        let (code, out, err) = solve(&f, &p, &[]);
        assert_eq!(code, 1, "{what}: {out}{err}");
        assert!(out.is_empty(), "{what}: {out}");
        assert!(err.contains(needle), "{what}: expected `{needle}` in\n{err}");
        assert!(!err.contains("panicked"), "{what}: {err}");
    }
}

#[test]
fn unreadable_parameter_files_exit_1() {
    let f = temp_file("qp_unreadable.dopt", QP);
    let (code, _, err) = solve(&f, "no/such/params.json", &[]);
    assert_eq!(code, 1);
    assert!(err.contains("error[E0901]: cannot read parameter file `no/such/params.json`"), "{err}");
    let dir = std::env::temp_dir().to_str().unwrap().to_string();
    let (code, _, err) = solve(&f, &dir, &[]);
    assert_eq!(code, 1);
    assert!(err.contains("error[E0901]: cannot read parameter file"), "{err}");
    let p = temp_file("latin1.json", b"{\"w\": \"caf\xe9\"}");
    let (code, _, err) = solve(&f, &p, &[]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot read parameter file") && !err.contains("panicked"), "{err}");
}

#[test]
fn infeasible_and_unbounded_problems_exit_2_with_the_status() {
    let a = temp_file("a.json", br#"{"a": 1}"#);
    // x >= a = 1 and x <= 0: no solution.
    let inf = temp_file(
        "infeasible.dopt",
        b"parameter a\nvariable x\nminimize x\nsubject to\n    x >= a\n    x <= 0\n",
    );
    let (code, out, err) = solve(&inf, &a, &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.starts_with("status: infeasible\n"), "{out}");
    let (code, out, _) = solve(&inf, &a, &["--json"]);
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON output");
    assert_eq!(v["status"], "infeasible");
    // a·x with a = 1 over x <= 0: goes to −∞.
    let unb =
        temp_file("unbounded.dopt", b"parameter a\nvariable x\nminimize a * x\nsubject to\n    x <= 0\n");
    let (code, out, err) = solve(&unb, &a, &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.starts_with("status: unbounded\n"), "{out}");
    let (code, out, _) = solve(&unb, &a, &["--json"]);
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON output");
    assert_eq!(v["status"], "unbounded");
}

#[test]
fn huge_parameter_values_report_a_status_not_a_panic() {
    let p = temp_file("huge.json", br#"{"x": [1e308, -1e308, 1e300, 4]}"#);
    let (code, out, err) = solve("examples/sparsemax.dopt", &p, &["--dim", "n=4"]);
    assert!(code == 0 || code == 2, "{out}{err}");
    assert!(out.starts_with("status: "), "{out}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn canon_describes_the_cone_program() {
    // Counted by hand in tests/canon.rs (sparsemax_goes_into_p).
    let (code, out, err) = dopt(&["canon", "examples/sparsemax.dopt", "--dim", "n=4"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("variables: 8 (4 from the problem, 4 auxiliary)\nconstraint rows: 9\n"), "{out}");
    assert!(out.contains("parameter map M: 38 x 5, nnz 25 (P 4, q 0, r 0, A 16, b 5)"), "{out}");
}

#[test]
fn check_reports_curvature_and_dpp_for_every_reference_problem() {
    let mut n = 0;
    for name in common::reference_names() {
        let file = format!("tests/data/reference/problems/{name}.dopt");
        let (code, out, err) = dopt(&["check", &file]);
        assert_eq!(code, 0, "{name}: {err}");
        let text = std::fs::read_to_string(&file).unwrap();
        if text.contains("minimize") {
            assert!(out.contains("curvature: minimize convex"), "{name}: {out}");
        } else if text.contains("maximize") {
            assert!(out.contains("curvature: maximize concave"), "{name}: {out}");
        }
        assert!(out.contains("DCP: yes; DPP: yes"), "{name}: {out}");
        // One curvature line per constraint statement after `subject to`.
        let statements = text
            .split("subject to")
            .nth(1)
            .map_or(0, |c| c.lines().filter(|l| !l.trim().is_empty() && !l.trim().starts_with('#')).count());
        let lines = out
            .lines()
            .filter(|l| {
                l.starts_with("  ") && l.contains(':') && (l.contains("line ") || l.contains(" (line"))
            })
            .count();
        assert_eq!(lines, statements, "{name}: {out}");
        n += 1;
    }
    assert_eq!(n, 15);
}

#[test]
fn a_problem_too_large_to_compile_is_an_error_not_an_abort() {
    let (code, _, err) = dopt(&["canon", "std:relu", "--dim", "n=2000000000"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("too large to compile") && err.contains("std:relu:5:10"), "{err}");
}

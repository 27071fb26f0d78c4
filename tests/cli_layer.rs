//! `dopt compile` and compiled layers on the command line: a layer replaces the .dopt
//! file in solve/grad/canon with the same answers; damaged layers exit 1.

mod common;
use common::dopt;

fn temp(name: &str) -> String {
    common::temp_path("cli-layer", name)
}

#[test]
fn a_compiled_layer_gives_the_answers_of_its_source() {
    let layer = temp("sm.dlayer");
    let (code, out, err) = dopt(&["compile", "std:sparsemax", "--dim", "n=4", "-o", &layer]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("compiled in"), "{out}");
    let params = temp("p.json");
    std::fs::write(&params, r#"{"x": [0.8, 0.1, 0.5, -0.3]}"#).unwrap();
    let dvars = temp("d.json");
    std::fs::write(&dvars, r#"{"y": [1, -2, 0.5, 3]}"#).unwrap();
    let (c1, from_layer, e1) = dopt(&["grad", &layer, "--params", &params, "--dvars", &dvars, "--json"]);
    let (c2, from_src, e2) =
        dopt(&["grad", "std:sparsemax", "--dim", "n=4", "--params", &params, "--dvars", &dvars, "--json"]);
    assert_eq!((c1, c2), (0, 0), "{e1}{e2}");
    let strip = |s: &str| -> serde_json::Value {
        let mut v: serde_json::Value = serde_json::from_str(s).unwrap();
        v.as_object_mut().unwrap().remove("solve_time");
        v
    };
    assert_eq!(strip(&from_layer), strip(&from_src));
    // τ = 0.15, support {0, 2}: y = (0.65, 0, 0.35, 0), d/dx = w_S − mean(w_S) on S.
    let v = strip(&from_layer);
    let g: Vec<f64> = serde_json::from_value(v["gradients"]["x"].clone()).unwrap();
    let want = [0.25, 0.0, -0.25, 0.0];
    assert!(g.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6), "{g:?}");
    let (code, out, _) = dopt(&["canon", &layer]);
    assert_eq!(code, 0);
    assert!(out.contains("nonnegative"), "{out}");
    let (code, _, err) = dopt(&["solve", &layer, "--dim", "n=5", "--params", &params]);
    assert_eq!(code, 1);
    assert!(err.contains("--dim is not allowed"), "{err}");
}

#[test]
fn damaged_layer_files_exit_1_with_the_reason() {
    let layer = temp("relu.dlayer");
    let (code, _, err) = dopt(&["compile", "std:relu", "--dim", "n=3", "-o", &layer]);
    assert_eq!(code, 0, "{err}");
    let bytes = std::fs::read(&layer).unwrap();
    let params = temp("rp.json");
    std::fs::write(&params, r#"{"x": [1, 2, 3]}"#).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated", bytes[..bytes.len() - 10].to_vec(), "truncated"),
        (
            "corrupt",
            {
                let mut b = bytes.clone();
                let k = b.len() / 2;
                b[k] ^= 1;
                b
            },
            "checksum mismatch",
        ),
        (
            "version",
            {
                let mut b = bytes.clone();
                b[8] = 7;
                b
            },
            "format version 7",
        ),
    ];
    for (tag, b, needle) in cases {
        let path = temp(&format!("{tag}.dlayer"));
        std::fs::write(&path, b).unwrap();
        let (code, _, err) = dopt(&["solve", &path, "--params", &params]);
        assert_eq!(code, 1, "{tag}: {err}");
        assert!(err.contains(needle) && err.contains("error[E0902]"), "{tag}: {err}");
    }
    let (code, _, err) = dopt(&["compile", "std:relu", "-o", "/nonexistent/dir/x.dlayer"]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot write"), "{err}");
}

#[test]
fn check_on_a_layer_file_prints_its_interface() {
    let layer = temp("lml.dlayer");
    let (code, _, err) = dopt(&["compile", "std:lml", "--dim", "n=6", "--dim", "k=2", "-o", &layer]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = dopt(&["check", &layer]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("compiled layer, format 3, from `std:lml`"), "{out}");
    assert!(out.contains("dims: n = 6, k = 2"), "{out}");
    assert!(out.contains("x            [6]") && out.contains("outputs: y"), "{out}");
}

#[test]
fn an_infeasible_solve_prints_its_status_and_no_values() {
    let file = temp("inf.dopt");
    std::fs::write(&file, "variable x[2]\nminimize sum(x)\nsubject to\n    x >= 1\n    x <= 0\n").unwrap();
    let params = temp("empty.json");
    std::fs::write(&params, "{}").unwrap();
    let (code, out, _) = dopt(&["solve", &file, "--params", &params]);
    assert_eq!(code, 2);
    assert!(out.contains("status: infeasible") && out.contains("objective: inf"), "{out}");
    assert!(!out.contains("x = "), "no values after an infeasible solve: {out}");
    let (code, out, _) = dopt(&["solve", &file, "--params", &params, "--json"]);
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "infeasible");
    assert!(v["objective"].is_null() && v.get("variables").is_none(), "{out}");
    let file = temp("unb.dopt");
    std::fs::write(&file, "variable x\nmaximize x\n").unwrap();
    let (code, out, _) = dopt(&["solve", &file, "--params", &params]);
    assert_eq!(code, 2);
    assert!(out.contains("status: unbounded") && out.contains("objective: inf"), "{out}");
}

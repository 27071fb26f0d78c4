//! The `dopt` binary end to end: exit codes, output streams, messages.

use std::process::Command;

fn dopt(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dopt"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run dopt");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp_file(name: &str, bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("dopt-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_string()
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
}

#[test]
fn unknown_dim_is_named() {
    let f = temp_file("nodim.dopt", b"dim n\nvariable x[n]\nminimize sum(x)\n");
    let (code, _, err) = dopt(&["check", &f]);
    assert_eq!(code, 1);
    assert!(err.contains("dim `n` has no value"), "{err}");
    assert!(err.contains("--dim n=10"), "{err}");
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

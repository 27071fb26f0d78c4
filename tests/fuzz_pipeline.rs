//! Fuzzing that reaches every stage. Generated programs (well-formed, DCP and DPP by
//! construction, strictly feasible at a known point, with a bounded objective) go
//! through parse → check → canon → forward → backward → jvp, and must:
//! - compile (or, when deliberately broken, be refused with a located E05xx);
//! - solve to `optimal`, never `infeasible`/`unbounded`, with variables that satisfy
//!   every constraint within the solver's tolerance and the reported objective;
//! - give finite gradients or a typed refusal (E0704), jvp likewise, and the two
//!   adjoint: ⟨backward(w), dθ⟩ = ⟨w, jvp(dθ)⟩;
//! - refuse parameter values that break a declared attribute (E0702, naming it).
//!
//! Every file of `tests/data/fuzz-regressions/` is replayed as well.
//!
//! The suite runs a short version; `DOPT_FUZZ_CASES=N cargo test --release --test
//! fuzz_pipeline` runs N cases (see docs/testing.md for cargo fuzz).

mod fuzzgen;

use fuzzgen::run::{self, Stats};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::path::Path;

fn cases() -> u32 {
    std::env::var("DOPT_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300)
}

fn tape() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..600)
}

#[test]
fn generated_programs_through_the_whole_pipeline() {
    let config = Config { cases: cases(), failure_persistence: None, ..Config::default() };
    // The suite's short run is the same every time (a failure is reproducible, never
    // flaky); a long run (DOPT_FUZZ_CASES) draws fresh tapes.
    let mut runner = if std::env::var_os("DOPT_FUZZ_CASES").is_some() {
        TestRunner::new(config)
    } else {
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
    };
    let stats = std::cell::RefCell::new(Stats::default());
    // DOPT_FUZZ_LOG=FILE: log failing cases there and go on (for long runs).
    let log = std::env::var("DOPT_FUZZ_LOG").ok();
    let failures = std::cell::Cell::new(0usize);
    let result = runner.run(&tape(), |bytes| {
        // Count passing cases only (shrinking reruns failing ones many times).
        let mut one = stats.borrow().clone();
        match (run::run_tape(&bytes, &mut one), &log) {
            (Ok(()), _) => *stats.borrow_mut() = one,
            // A long run keeps going: each failure is appended to the log with its tape.
            (Err(e), Some(path)) => {
                use std::io::Write;
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
                writeln!(f, "=== tape {hex}\n{e}").unwrap();
                failures.set(failures.get() + 1);
            }
            (Err(e), None) => return Err(TestCaseError::fail(e)),
        }
        Ok(())
    });
    let s = stats.into_inner();
    eprintln!("{s}");
    assert_eq!(failures.get(), 0, "{} failing cases, logged in {}", failures.get(), log.unwrap_or_default());
    if let Err(e) = result {
        panic!("{e}");
    }
    // The generator reaches the end of the pipeline for most cases.
    let c = s.cases as f64;
    assert!(s.compiled as f64 >= 0.8 * c, "{s}");
    assert!(s.optimal as f64 >= 0.5 * c, "{s}");
    assert!(s.backward_ok as f64 >= 0.4 * c, "{s}");
}

#[test]
fn fuzz_regressions_replay() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz-regressions");
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).map(|rd| rd.map(|e| e.unwrap().path()).collect()).unwrap_or_default();
    files.sort();
    let mut stats = Stats::default();
    let mut n = 0;
    // Files of this folder only: `pending/` holds open findings, not replayed.
    for f in files.into_iter().filter(|f| f.is_file()) {
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "tape" | "txt" | "dopt") {
            continue;
        }
        let bytes = std::fs::read(&f).unwrap();
        let r =
            if ext == "tape" { run::run_tape(&bytes, &mut stats) } else { run::run_text(&bytes, &mut stats) };
        n += 1;
        if let Err(e) = r {
            panic!("{}: {e}", f.display());
        }
    }
    eprintln!("replayed {n} files: {stats}");
}

/// A tape decodes to one program: the same text every time, which compiles and passes
/// the properties. The tape is `DOPT_FUZZ_TAPE` (hex) when set — `DOPT_FUZZ_TAPE=<hex>
/// cargo test --test fuzz_pipeline show_tape -- --nocapture` prints the program a
/// failing tape makes, and its outcome — else the regression tape of a redundant
/// equality system, whose program must declare the equalities it is about.
#[test]
fn show_tape() {
    let hex = std::env::var("DOPT_FUZZ_TAPE").ok();
    let bytes: Vec<u8> = match &hex {
        Some(hex) => (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("DOPT_FUZZ_TAPE is hex"))
            .collect(),
        None => std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/fuzz-regressions/singular_redundant_equalities.tape"),
        )
        .unwrap(),
    };
    let case = fuzzgen::program::generate(&bytes);
    println!("{}", case.text);
    let mut stats = Stats::default();
    let outcome = run::run_tape(&bytes, &mut stats);
    println!("{outcome:?}\n{stats}");
    if hex.is_none() {
        assert_eq!(fuzzgen::program::generate(&bytes).text, case.text, "decoding is deterministic");
        assert!(case.text.contains("=="), "{}", case.text);
        let problem = dopt::Problem::from_str("tape.dopt", &case.text).expect("the program parses");
        let mut dims = dopt::Dims::new();
        for (name, v) in &case.given {
            dims.set(name, *v);
        }
        problem.compile(&dims).expect("the program compiles");
        outcome.expect("the regression tape passes the properties");
    }
}

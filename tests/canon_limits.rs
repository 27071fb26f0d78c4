//! Canonicalization at scale (issue #9): shared `let`s stay compact, deep `let`
//! chains do not recurse, the term budget is counted as the work goes and located,
//! `check` accepts exactly what `canon` accepts, and the work grows linearly with
//! the problem (counted in terms, nodes, rows and nonzeros, not in seconds).

use dopt::canon::{self, CanonError, Stats};
use dopt::frontend::{self, Checked};
use dopt::ir::cone::ConeProgram;
use dopt::sema::Dims;
use dopt::source::SourceFile;

fn analyze(text: &str) -> (SourceFile, Checked) {
    let src = SourceFile::new("case.dopt", text.to_string());
    let c = frontend::analyze(&src, &Dims::new()).unwrap_or_else(|f| panic!("{}", f.render()));
    (src, c)
}

fn canon_counted(text: &str, budget: usize) -> Result<(ConeProgram, Stats), CanonError> {
    let (_, c) = analyze(text);
    canon::canonicalize_counted(&c.program, &c.analysis.dcp, budget)
}

fn canon(text: &str) -> (ConeProgram, Stats) {
    canon_counted(text, canon::MAX_TERMS).unwrap_or_else(|e| panic!("{e}"))
}

/// The values of M in the rows of the b block, in row order (M = constant column
/// only when the problem has no parameters).
fn b_values(cp: &ConeProgram) -> Vec<f64> {
    let o = cp.offsets();
    (o.b..o.end).flat_map(|r| cp.map.outer_view(r).map(|v| v.data().to_vec()).unwrap_or_default()).collect()
}

/// The values of M in the rows of the A block.
fn a_values(cp: &ConeProgram) -> Vec<f64> {
    let o = cp.offsets();
    (o.a..o.b).flat_map(|r| cp.map.outer_view(r).map(|v| v.data().to_vec()).unwrap_or_default()).collect()
}

/// `let a1 = a0 + a0`, …, `let aK = a(K-1) + a(K-1)`; `aK <= 1`.
fn doubling(k: usize) -> String {
    let mut s = String::from("variable a0[3]\n");
    for i in 1..=k {
        s += &format!("let a{i} = a{} + a{}\n", i - 1, i - 1);
    }
    s + &format!("minimize sum(a0)\nsubject to\n    a{k} <= 1\n")
}

/// `let a1 = a0 + 1`, …; `aK <= 5`.
fn chain(k: usize) -> String {
    let mut s = String::from("variable a0[2]\n");
    for i in 1..=k {
        s += &format!("let a{i} = a{} + 1\n", i - 1);
    }
    s + &format!("minimize sum(a0)\nsubject to\n    a{k} <= 5\n")
}

/// `x[t] >= x[t-1] + 1` for t in 1..n.
fn for_loop(n: usize) -> String {
    format!(
        "dim n = {n}\nvariable x[n]\nminimize sum(x)\nsubject to\n    x[0] >= 0\n    \
         for t in 1..n: x[t] >= x[t-1] + 1\n"
    )
}

/// n separate constraint statements `x[i] >= i`.
fn constraint_list(n: usize) -> String {
    let mut s = format!("variable x[{n}]\nminimize sum(x)\nsubject to\n");
    for i in 0..n {
        s += &format!("    x[{i}] >= {i}\n");
    }
    s
}

/// The reproduction of the memory blow-up: 30 doubling lets (2^30 copies of a0's
/// terms before forms were compact). a30 = 2^30·a0 ≤ 1 is s = 1 − 2^30·a0, so A
/// holds 2^30 three times and b holds 1 three times; the work stays a few terms per
/// level.
#[test]
fn thirty_doubling_lets_stay_compact() {
    let (cp, stats) = canon(&doubling(30));
    assert_eq!((cp.n, cp.m, cp.a.nnz()), (3, 3, 3));
    assert_eq!(a_values(&cp), vec![2f64.powi(30); 3]);
    assert_eq!(b_values(&cp), vec![1.0; 3]);
    assert!(stats.terms < 1000, "{stats:?}");
    assert_eq!(stats.nodes, 31); // the 30 lets and `sum(a0)`
}

/// x − x is a structural zero: its terms cancel and are dropped, so the constraint
/// `x - x + y >= 0` has only y's 2 coefficients in A.
#[test]
fn cancelled_terms_are_dropped() {
    let (cp, _) = canon("variable x[2]\nvariable y[2]\nminimize sum(y)\nsubject to\n    x - x + y >= 0\n");
    assert_eq!((cp.m, cp.a.nnz()), (2, 2));
    assert_eq!(a_values(&cp), vec![-1.0, -1.0]);
}

/// A parameter's coefficient stays in the pattern whatever its value (it is not a
/// structural zero): `p * x >= 1` keeps the 2 entries of A that θ fills.
#[test]
fn parametric_terms_are_kept() {
    let (cp, _) =
        canon("parameter p[2]\nvariable x[2]\nminimize sum(x)\nsubject to\n    p * x >= 1\n    x >= 0\n");
    assert_eq!((cp.m, cp.a.nnz(), cp.nparams), (4, 4, 2));
}

/// The reproduction of the stack overflow: 12,000 chained lets (a12000 = a0 + 12000
/// ≤ 5 gives b = 5 − 12000 = −11995 twice), canonicalized on a thread with a
/// 256 KiB stack: the depth of the DAG costs no stack.
#[test]
fn a_chain_of_12000_lets_canonicalizes_on_a_small_stack() {
    let (_, c) = analyze(&chain(12_000));
    let cp = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || canon::canonicalize(&c.program, &c.analysis.dcp).map_err(|e| e.to_string()))
        .expect("a thread")
        .join()
        .expect("no overflow")
        .expect("canonicalizes");
    assert_eq!((cp.n, cp.m, cp.a.nnz()), (2, 2, 2));
    assert_eq!(b_values(&cp), vec![-11995.0, -11995.0]);
}

/// The reproduction of the misleading size error: the 20,000-step `for` loop has
/// 20,000 rows (x[0] ≥ 0 and 19,999 differences with 2 coefficients each), far below
/// the budget; b is 0 then −1 per step.
#[test]
fn a_for_loop_of_20000_steps_compiles() {
    let (cp, stats) = canon(&for_loop(20_000));
    assert_eq!((cp.n, cp.m, cp.a.nnz()), (20_000, 20_000, 1 + 2 * 19_999));
    let b = b_values(&cp);
    assert_eq!((b.len(), b.iter().sum::<f64>()), (19_999, -19_999.0));
    assert!(stats.terms < 1_000_000, "{stats:?}");
}

/// The budget is enforced during the work, at the expression that crosses it, with
/// the numbers: the doubling chain with a budget of 40 fails at a `let` expression.
#[test]
fn the_budget_names_the_expression_and_the_numbers() {
    let text = doubling(30);
    let err = canon_counted(&text, 40).expect_err("over budget");
    assert!(err.message.contains("more than 40 terms"), "{}", err.message);
    let (span, label) = err.at.clone().expect("a location");
    let written = &text[span.start as usize..span.end as usize];
    assert!(written.starts_with('a') && written.contains(" + "), "{written}");
    let n: usize = label.rsplit(' ').next().and_then(|w| w.parse().ok()).expect("a count");
    assert!(n > 40 && n < 80, "{label}");
}

/// Through the command line: an outer sum of a 20,000-vector is 4·10⁸ entries of
/// which each takes a term; it is refused with the location of the expression before
/// any of it is built (by `check` as well as by `canon`).
#[test]
fn an_expression_over_the_budget_is_refused_with_its_location() {
    let dir = std::env::temp_dir().join(format!("dopt-canon-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("outer.dopt");
    std::fs::write(
        &file,
        "dim n = 20000\nvariable x[n]\nminimize sum(x)\nsubject to\n    \
         reshape(x, n, 1) + reshape(x, 1, n) >= 0\n",
    )
    .expect("write");
    for cmd in ["check", "canon"] {
        let (code, err) = run(&[cmd, file.to_str().expect("utf-8")]);
        assert_eq!(code, 1, "{cmd}: {err}");
        assert!(err.contains("E0801") && err.contains("more than 100000000 terms"), "{cmd}: {err}");
        assert!(err.contains("outer.dopt:5:5"), "{cmd}: {err}");
    }
}

fn run(args: &[&str]) -> (i32, String) {
    let mut argv = vec!["dopt".to_string()];
    argv.extend(args.iter().map(|s| s.to_string()));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = dopt::cli::run(&argv, &mut out, &mut err);
    (code, String::from_utf8_lossy(&err).into_owned())
}

fn dopt_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            dopt_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "dopt") {
            out.push(p);
        }
    }
}

/// `check` and `canon` accept the same files: every .dopt under tests/ and
/// examples/ (the reference problems and invalid files are under tests/data) gets
/// the same exit code from both, and at least the 15 reference problems and the
/// examples are accepted.
#[test]
fn check_and_canon_agree_on_every_file() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    dopt_files(&root.join("tests"), &mut files);
    dopt_files(&root.join("examples"), &mut files);
    files.sort();
    let mut accepted = 0;
    for f in &files {
        let path = f.to_str().expect("utf-8 path");
        let (check, check_err) = run(&["check", path]);
        let (canon, canon_err) = run(&["canon", path]);
        assert_eq!(check, canon, "{path}\ncheck: {check_err}\ncanon: {canon_err}");
        accepted += usize::from(check == 0);
    }
    assert!(accepted >= 18, "{accepted} of {} accepted", files.len());
}

/// The growth of a count from size n to 10·n: at most 12 (linear, with slack).
fn assert_linear(what: &str, small: usize, large: usize) {
    assert!(small > 0, "{what}: nothing counted");
    let ratio = large as f64 / small as f64;
    assert!(ratio <= 12.0, "{what}: grows {ratio:.1}× for 10× the size ({small} → {large})");
}

fn assert_linear_stats(what: &str, text: impl Fn(usize) -> String, n: usize) {
    let (a, sa) = canon(&text(n));
    let (b, sb) = canon(&text(10 * n));
    assert_linear(&format!("{what}: terms"), sa.terms, sb.terms);
    assert_linear(&format!("{what}: held"), sa.peak_held.max(1), sb.peak_held.max(1));
    assert_linear(&format!("{what}: rows"), a.m, b.m);
    assert_linear(&format!("{what}: nnz(M)"), a.map.nnz(), b.map.nnz());
}

#[test]
fn work_grows_linearly_with_a_constraint_list() {
    assert_linear_stats("constraint list", constraint_list, 200);
}

#[test]
fn work_grows_linearly_with_a_let_chain() {
    assert_linear_stats("let chain", chain, 200);
    let (_, s) = canon(&chain(2000));
    assert_eq!(s.nodes, 2001); // the 2000 lets and `sum(a0)`
}

#[test]
fn work_grows_linearly_with_a_doubling_let_chain() {
    let (_, sa) = canon(&doubling(10));
    let (_, sb) = canon(&doubling(100));
    assert_linear("doubling chain: terms", sa.terms, sb.terms);
    assert_linear("doubling chain: nodes", sa.nodes, sb.nodes);
}

#[test]
fn work_grows_linearly_with_a_wide_for_loop() {
    assert_linear_stats("for loop", for_loop, 300);
}

/// A sum of many distinct terms built left to right (each `let` adds one variable
/// entry): appending stays linear, compaction is amortized.
#[test]
fn work_grows_linearly_with_a_long_sum() {
    let sum = |n: usize| {
        let mut s = format!("variable x[{n}]\nlet s0 = x[0]\n");
        for i in 1..n {
            s += &format!("let s{i} = s{} + x[{i}]\n", i - 1);
        }
        s + &format!("minimize sum(x)\nsubject to\n    s{} <= 1\n    x >= 0\n", n - 1)
    };
    assert_linear_stats("long sum", sum, 100);
}

/// The 40 nested `def`s (each calling the previous one twice) check in linear
/// work (sema shares the equal calls) and canonicalize too: f40(y) is 2⁴⁰·y, one
/// compact row per entry of y.
#[test]
fn forty_nested_defs_canonicalize_compactly() {
    let mut s = String::from("variable y[2]\ndef f0(x) = x\n");
    for i in 1..=40 {
        s += &format!("def f{i}(x) = f{}(x) + f{}(x)\n", i - 1, i - 1);
    }
    s += "minimize sum(y)\nsubject to\n    f40(y) <= 1\n";
    let (cp, stats) = canon(&s);
    assert_eq!((cp.n, cp.m, cp.a.nnz()), (2, 2, 2));
    assert_eq!(a_values(&cp), vec![2f64.powi(40); 2]);
    assert!(stats.terms < 1000 && stats.nodes <= 41, "{stats:?}");
}

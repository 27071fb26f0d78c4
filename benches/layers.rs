//! `cargo bench`: the benchmark table of `dopt bench` (per-call and batch cost of
//! compiled layers against raw Clarabel solves, and the 1000×1000-parameter build).
//! A plain `main` (no harness): the figures are medians over repeated calls, printed
//! as a markdown table for docs/performance.md.

fn main() {
    // `cargo bench -- --quick` for a smoke run; `--only NAME` for one problem.
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).map(String::as_str);
    let mut out = std::io::stdout();
    if let Err(e) = dopt::internals::bench::run(quick, only, &mut out) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

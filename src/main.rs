//! The `dopt` command line: `check`, `canon`, `solve`, `grad`, `compile` (see
//! `dopt --help` and language.md §9); all of it lives in `src/cli/`.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let code = dopt::internals::cli::run(&args, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}

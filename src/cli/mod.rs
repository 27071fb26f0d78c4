//! The `dopt` command line. `main.rs` only calls [`run`]. The reports the commands
//! print about a problem or a layer are in `report`.

use crate::diag::{Diagnostic, codes};
use crate::frontend::{self, Failure};
use crate::layer::{DiffOptions, Layer};
use crate::sema::Dims;
use crate::solve::{Settings, SolverChoice, Status};
use crate::values::{self, Values};
use clap::{Parser, Subcommand};
use std::io::Write;

mod report;

pub use report::{canon_summary, curvature_summary, layer_summary, summary};

#[derive(Parser, Debug)]
#[command(name = "dopt", version, about = "Differentiable convex optimization layers from .dopt files")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Parse and check a problem (names, dims, shapes, DCP/DPP); print a summary with
    /// the curvature of each part, or the errors. A layer file: its interface.
    Check {
        /// A .dopt file, or std:NAME for a standard-library layer.
        file: String,
        /// Set a dim: --dim n=10 (repeat for several).
        #[arg(long = "dim", value_name = "NAME=VALUE")]
        dims: Vec<String>,
        /// Also print the checked program as a numbered listing.
        #[arg(long)]
        ir: bool,
    },
    /// Reduce a problem to its cone program and describe it: sizes, cones, nnz.
    Canon {
        /// A .dopt file, or std:NAME.
        file: String,
        /// Set a dim: --dim n=10 (repeat for several).
        #[arg(long = "dim", value_name = "NAME=VALUE")]
        dims: Vec<String>,
    },
    /// Solve a problem for one parameter value.
    Solve {
        /// A .dopt file, or std:NAME.
        file: String,
        /// JSON file mapping parameter names to values.
        #[arg(long)]
        params: String,
        /// Set a dim: --dim n=10 (repeat for several); dims without a value are
        /// inferred from the parameter shapes.
        #[arg(long = "dim", value_name = "NAME=VALUE")]
        dims: Vec<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        solver: SolverArgs,
    },
    /// Compile a problem once into a layer file that solve/grad/canon accept in place
    /// of the .dopt file.
    Compile {
        /// A .dopt file, or std:NAME.
        file: String,
        /// Set a dim: --dim n=10 (repeat for several).
        #[arg(long = "dim", value_name = "NAME=VALUE")]
        dims: Vec<String>,
        /// Where to write the layer.
        #[arg(short = 'o', long = "output", value_name = "LAYER")]
        output: String,
        /// The layer's solver (kept in the file): auto, clarabel or active-set.
        #[arg(long, value_name = "auto|clarabel|active-set")]
        solver: Option<String>,
    },
    /// Benchmark compiled layers against raw Clarabel solves; prints a markdown table.
    Bench {
        /// A few repetitions only (a smoke run).
        #[arg(long)]
        quick: bool,
        /// Only the problems whose name contains this text (`build` for the build).
        #[arg(long)]
        only: Option<String>,
        /// Also write the benchmark's cone programs, batch members and dopt's figures
        /// to this JSON file (for `benches/moreau_peer.py`).
        #[arg(long, value_name = "FILE")]
        export: Option<String>,
    },
    /// Solve, then differentiate: d(loss)/d(parameters) from d(loss)/d(solution).
    Grad {
        /// A .dopt file, or std:NAME.
        file: String,
        /// JSON file mapping parameter names to values.
        #[arg(long)]
        params: String,
        /// JSON file mapping variable names (and `dual:NAME`, `objective`) to
        /// d(loss)/d(value); missing ones count as zero.
        #[arg(long)]
        dvars: String,
        /// Set a dim: --dim n=10 (repeat for several); dims without a value are
        /// inferred from the parameter shapes.
        #[arg(long = "dim", value_name = "NAME=VALUE")]
        dims: Vec<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Smooth the cone projections with parameter MU > 0 (averaged,
        /// interior-point-style gradients at degenerate points such as LP vertices).
        #[arg(long, value_name = "MU")]
        smoothing: Option<f64>,
        #[command(flatten)]
        solver: SolverArgs,
    },
}

/// Solver settings on the command line.
#[derive(clap::Args, Debug, Clone)]
struct SolverArgs {
    /// Absolute and relative gap tolerance and feasibility tolerance.
    #[arg(long, value_name = "TOL")]
    tol: Option<f64>,
    /// Maximum number of interior-point iterations.
    #[arg(long, value_name = "N")]
    max_iter: Option<u32>,
    /// Print the solver's progress.
    #[arg(long)]
    verbose: bool,
    /// Which solver: auto (the layer's choice from its structure), clarabel, or
    /// active-set (the dense QP solver, for cone programs with only zero and
    /// nonnegative cones). Without it, a layer file's own choice.
    #[arg(long, value_name = "auto|clarabel|active-set")]
    solver: Option<String>,
}

/// The value of `--solver`.
fn solver_choice(s: &str) -> Result<SolverChoice, String> {
    SolverChoice::parse(s).ok_or_else(|| {
        format!("error[E0701]: --solver {s}: expected one of `auto`, `clarabel`, `active-set`")
    })
}

impl SolverArgs {
    fn settings(&self) -> Result<Settings, String> {
        let mut s = Settings::default();
        if let Some(t) = self.tol {
            if !(t > 0.0 && t < 1.0) {
                return Err(format!("error[E0701]: --tol {t}: expected a tolerance in (0, 1)"));
            }
            s.tol_gap_abs = t;
            s.tol_gap_rel = t;
            s.tol_feas = t;
        }
        if let Some(n) = self.max_iter {
            s.max_iter = n;
        }
        s.verbose = self.verbose;
        if let Some(c) = &self.solver {
            s.solver = solver_choice(c)?;
        }
        Ok(s)
    }
}

/// Exit code: solved (or checked).
pub const EXIT_OK: i32 = 0;
/// Exit code: invalid input (syntax, shape, name, DCP/DPP, parameter values, files).
pub const EXIT_INVALID: i32 = 1;
/// Exit code: the solver did not reach an optimal solution (the status is printed).
pub const EXIT_NOT_SOLVED: i32 = 2;

/// Run the command line with `args` (including the program name), writing to `out`
/// and `err`; returns the exit code.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    // A panic anywhere below is a bug: report it (exit 1, not Rust's 101).
    match frontend::catch_panic("dopt", || run_unguarded(args, &mut *out, &mut *err)) {
        Ok(code) => code,
        Err(panic) => report(&Failure::from(frontend::internal_error("dopt", &panic)), err),
    }
}

fn run_unguarded(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_INVALID } else { EXIT_OK };
            let text = e.render().to_string();
            let _ =
                if e.use_stderr() { err.write_all(text.as_bytes()) } else { out.write_all(text.as_bytes()) };
            return code;
        }
    };
    match cli.command {
        Command::Check { file, dims, ir } => check(&file, &dims, ir, out, err),
        Command::Canon { file, dims } => canon(&file, &dims, out, err),
        Command::Solve { file, params, dims, json, solver } => {
            solve(&file, &params, &dims, json, &solver, None, out, err)
        }
        Command::Bench { quick, only, export } => {
            match crate::bench::run_exporting(quick, only.as_deref(), export.as_deref(), out) {
                Ok(()) => EXIT_OK,
                Err(e) => {
                    let _ = writeln!(err, "error: {e}");
                    EXIT_INVALID
                }
            }
        }
        Command::Compile { file, dims, output, solver } => {
            compile_cmd(&file, &dims, &output, solver.as_deref(), out, err)
        }
        Command::Grad { file, params, dvars, dims, json, smoothing, solver } => {
            let g = GradArgs { dvars, smoothing };
            solve(&file, &params, &dims, json, &solver, Some(&g), out, err)
        }
    }
}

/// Parse `--dim` values.
pub fn parse_dims(items: &[String]) -> Result<Dims, String> {
    let mut dims = Dims::new();
    for item in items {
        let Some((name, value)) = item.split_once('=') else {
            return Err(format!("error[E0701]: --dim {item}: expected NAME=VALUE, e.g. --dim n=10"));
        };
        let name = name.trim();
        let v: i64 = value.trim().parse().map_err(|e: std::num::ParseIntError| {
            use std::num::IntErrorKind::{NegOverflow, PosOverflow};
            match e.kind() {
                PosOverflow | NegOverflow => format!(
                    "error[E0701]: --dim {item}: `{}` is out of range: a dim must be between 1 and {}",
                    value.trim(),
                    crate::sema::MAX_DIM
                ),
                _ => format!("error[E0701]: --dim {item}: `{}` is not an integer", value.trim()),
            }
        })?;
        if name.is_empty() {
            return Err(format!("error[E0701]: --dim {item}: the name is missing"));
        }
        if dims.get(name).is_some() {
            return Err(format!("error[E0701]: --dim {name} is given twice"));
        }
        dims.set(name, v);
    }
    Ok(dims)
}

/// The library's diagnostics name no command-line flag (they reach Rust and Python
/// users too); here, say which flag gives what a message asks for.
fn with_flags(diags: &[Diagnostic]) -> Vec<Diagnostic> {
    let mut diags = diags.to_vec();
    for d in &mut diags {
        // The dim's name is the message's first `quoted` word.
        let name = d.message.split('`').nth(1).filter(|_| d.message.contains("dim `")).map(str::to_string);
        if d.code == codes::DIM_UNKNOWN
            && let Some(n) = &name
        {
            d.help.push(format!("on the command line: `--dim {n}=10`"));
        } else if d.code == codes::BAD_DIM_ARG {
            d.notes.push("on the command line, dims are given with `--dim NAME=VALUE`".into());
        } else if d.code == codes::NOT_DIFFERENTIABLE
            && d.notes.iter().any(|n| n.contains("`smoothing` option"))
        {
            d.help.push("on the command line: `--smoothing MU`".into());
        }
    }
    diags
}

/// Diagnostics as the command line prints them ([`with_flags`]).
fn render(diags: &[Diagnostic], src: Option<&crate::source::SourceFile>) -> String {
    crate::diag::render_all(&with_flags(diags), src)
}

fn report(f: &Failure, err: &mut dyn Write) -> i32 {
    let _ = err.write_all(render(&f.diagnostics, f.source.as_ref()).as_bytes());
    let n = f.diagnostics.iter().filter(|d| d.is_error()).count();
    if n > 1 {
        let _ = writeln!(err, "\n{n} errors");
    }
    EXIT_INVALID
}

fn check(file: &str, dims: &[String], ir: bool, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let dims = match parse_dims(dims) {
        Ok(d) => d,
        Err(msg) => {
            let _ = writeln!(err, "{msg}");
            return EXIT_INVALID;
        }
    };
    match load_layer_file(file, &dims, err) {
        Ok(Some(layer)) => {
            let _ = out.write_all(layer_summary(file, &layer).as_bytes());
            return EXIT_OK;
        }
        Ok(None) => {}
        Err(code) => return code,
    }
    let src = match frontend::read_source(file) {
        Ok(s) => s,
        Err(f) => return report(&f, err),
    };
    match frontend::analyze(&src, &dims) {
        Ok(c) => {
            // Canonicalize too (cheap): check accepts exactly what compiles.
            if let Err(d) = crate::layer::cone_program(&c.program, &c.analysis) {
                let _ = err.write_all(render(&[d], Some(&src)).as_bytes());
                return EXIT_INVALID;
            }
            let _ = out.write_all(summary(file, &c.program).as_bytes());
            let _ = out.write_all(curvature_summary(&c, &src).as_bytes());
            if ir {
                let _ = writeln!(out, "\n{}", crate::sema::listing::program(&c.program));
            }
            EXIT_OK
        }
        Err(f) => report(&f, err),
    }
}

fn compile_cmd(
    file: &str,
    dims: &[String],
    output: &str,
    solver: Option<&str>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let choice = match solver.map(solver_choice).transpose() {
        Ok(c) => c,
        Err(msg) => {
            let _ = writeln!(err, "{msg}");
            return EXIT_INVALID;
        }
    };
    let start = std::time::Instant::now();
    let layer = match compile(file, dims, None, err) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let layer = match choice {
        Some(c) => {
            let settings = Settings { solver: c, ..layer.settings };
            layer.with_settings(settings)
        }
        None => layer,
    };
    let secs = start.elapsed().as_secs_f64();
    if let Err(e) = layer.save(output) {
        let _ = writeln!(err, "{e}");
        return EXIT_INVALID;
    }
    let cp = &layer.cone;
    let _ = writeln!(
        out,
        "{output}: layer of `{file}` ({} variables, {} rows, nnz(M) {}), compiled in {:.3} s",
        cp.n,
        cp.m,
        cp.map.nnz(),
        secs
    );
    EXIT_OK
}

/// `Ok(Some(layer))` when `file` is a compiled layer file (which takes no dims),
/// `Ok(None)` when it is not one; `Err(exit code)` after reporting a damaged file.
fn load_layer_file(file: &str, dims: &Dims, err: &mut dyn Write) -> Result<Option<Layer>, i32> {
    if file.starts_with("std:") {
        return Ok(None);
    }
    let Ok(f) = std::fs::File::open(file) else { return Ok(None) };
    use std::io::Read;
    let mut head = Vec::with_capacity(64);
    let _ = f.take(64).read_to_end(&mut head);
    if !crate::layer::looks_like_layer_file(&head) {
        return Ok(None);
    }
    if dims.iter().next().is_some() {
        let _ = writeln!(
            err,
            "error[E0701]: `{file}` is a compiled layer: its dims were fixed when it was compiled (--dim is not allowed)"
        );
        return Err(EXIT_INVALID);
    }
    Layer::load(file).map(Some).map_err(|e| {
        let _ = writeln!(err, "{e}");
        EXIT_INVALID
    })
}

/// Read, check, analyze and compile a problem — or load a compiled layer file;
/// `Err(exit code)` after reporting.
fn compile(file: &str, dims: &[String], params: Option<&Values>, err: &mut dyn Write) -> Result<Layer, i32> {
    if let Some(layer) = load_layer_file(file, &parse_dims(dims).unwrap_or_default(), err)? {
        return Ok(layer);
    }
    let mut dims = match parse_dims(dims) {
        Ok(d) => d,
        Err(msg) => {
            let _ = writeln!(err, "{msg}");
            return Err(EXIT_INVALID);
        }
    };
    let src = frontend::read_source(file).map_err(|f| report(&f, err))?;
    if let Some(values) = params {
        infer_dims(&src, values, &mut dims);
    }
    let c = frontend::analyze(&src, &dims).map_err(|f| report(&f, err))?;
    Layer::compile(&c.program, &c.analysis, file).map_err(|d| {
        let _ = err.write_all(render(&[d], Some(&src)).as_bytes());
        EXIT_INVALID
    })
}

fn canon(file: &str, dims: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let layer = match compile(file, dims, None, err) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let _ = out.write_all(canon_summary(&layer).as_bytes());
    EXIT_OK
}

fn read_values(path: &str, what: &str, err: &mut dyn Write) -> Result<Values, i32> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        let _ = writeln!(err, "error[E0901]: cannot read {what} file `{path}`: {e}");
        EXIT_INVALID
    })?;
    values::values_from_json(&text).map_err(|e| {
        let _ = writeln!(err, "error[E0703]: {what} file `{path}`: {e}");
        EXIT_INVALID
    })
}

/// What `grad` adds to `solve`.
struct GradArgs {
    dvars: String,
    smoothing: Option<f64>,
}

#[allow(clippy::too_many_arguments)]
fn solve(
    file: &str,
    params: &str,
    dims: &[String],
    json: bool,
    solver: &SolverArgs,
    grad: Option<&GradArgs>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let settings = match solver.settings() {
        Ok(s) => s,
        Err(msg) => {
            let _ = writeln!(err, "{msg}");
            return EXIT_INVALID;
        }
    };
    let opts = match grad.and_then(|g| g.smoothing) {
        Some(mu) if !(mu > 0.0 && mu.is_finite()) => {
            let _ = writeln!(err, "error[E0701]: --smoothing {mu}: expected a positive number");
            return EXIT_INVALID;
        }
        mu => DiffOptions { smoothing: mu },
    };
    let values = match read_values(params, "parameter", err) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let dvars = match grad.map(|g| read_values(&g.dvars, "dvars", err)).transpose() {
        Ok(v) => v,
        Err(code) => return code,
    };
    let layer = match compile(file, dims, Some(&values), err) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let mut settings = settings;
    if solver.solver.is_none() {
        settings.solver = layer.settings.solver;
    }
    let o = match layer.forward_with(&values, &settings) {
        Ok(o) => o,
        Err(diags) => {
            let _ = err.write_all(render(&diags, None).as_bytes());
            return EXIT_INVALID;
        }
    };
    // The cotangent file is checked before the status: a bad file is the user's
    // mistake whatever the solver did.
    let grads = match &dvars {
        Some(d) if o.status.is_optimal() => match layer.backward_with(&o, d, &opts) {
            Ok(g) => Some(g),
            Err(diags) => {
                let _ = err.write_all(render(&diags, None).as_bytes());
                return EXIT_INVALID;
            }
        },
        Some(d) => {
            if let Err(diags) = layer.check_cotangents(&o, d) {
                let _ = err.write_all(render(&diags, None).as_bytes());
                return EXIT_INVALID;
            }
            None
        }
        None => None,
    };
    // After an infeasible, unbounded or failed solve the iterate is a certificate or
    // noise, not a solution: print the status and the optimal value as cvxpy reports it
    // (+inf infeasible, −inf unbounded for a minimization; the reverse for maximize),
    // and no values. An inaccurate ("almost solved") solution is shown.
    let has_values = matches!(o.status, Status::Optimal | Status::Inaccurate);
    let objective = match o.status {
        Status::Infeasible => layer.cone.objective_sign * f64::INFINITY,
        Status::Unbounded => -layer.cone.objective_sign * f64::INFINITY,
        _ if has_values => o.objective,
        _ => f64::NAN,
    };
    let objective = if layer.sig.has_objective || !has_values { objective } else { 0.0 };
    if json {
        let mut v = if has_values {
            serde_json::json!({
                "status": o.status.as_str(),
                "objective": o.objective,
                "variables": values::values_to_json(&o.variables),
                "duals": values::values_to_json(&o.duals),
            })
        } else {
            // JSON has no infinities: the objective is null.
            serde_json::json!({"status": o.status.as_str(), "objective": null})
        };
        if let Some(g) = &grads {
            v["gradients"] = values::values_to_json(&g.params);
            v["degenerate"] = g.degenerate.into();
            v["singular"] = g.singular.into();
        }
        v["solve_time"] = o.solve_time.into();
        v["iterations"] = o.iterations.into();
        v["solver"] = o.raw.solver.as_str().into();
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        let _ = writeln!(out, "status: {}", o.status);
        let _ = writeln!(out, "objective: {objective}");
        if has_values {
            for (k, v) in &o.variables {
                let _ = writeln!(out, "{k} = {}", values::array_to_json(v));
            }
            for (k, v) in &o.duals {
                let _ = writeln!(out, "dual {k} = {}", values::array_to_json(v));
            }
        }
        if let Some(g) = &grads {
            for (k, v) in &g.params {
                let _ = writeln!(out, "d/d{k} = {}", values::array_to_json(v));
            }
            if g.degenerate {
                let _ = writeln!(
                    out,
                    "note: a constraint is weakly active (degenerate point): the gradient is one-sided; \
                     --smoothing MU gives an averaged one"
                );
            }
            if g.singular {
                let _ = writeln!(
                    out,
                    "note: the derivative system is singular (redundant constraints or non-unique \
                     auxiliary variables): gradients for the data of redundant constraints are one choice of many"
                );
            }
        }
        let _ = writeln!(
            out,
            "solve time: {:.3} ms, {} iterations ({})",
            o.solve_time * 1e3,
            o.iterations,
            o.raw.solver.as_str()
        );
    }
    if !o.status.is_optimal() {
        if grad.is_some() {
            let _ = writeln!(
                err,
                "error[E0704]: no gradient: the solve ended with status `{}`; a gradient is defined only at an optimal solution",
                o.status
            );
        }
        return EXIT_NOT_SOLVED;
    }
    EXIT_OK
}

/// Give dims that have neither a `--dim` value nor a default the extent that a
/// parameter value implies: `parameter A[m, n]` with a 3×4 value sets m = 3, n = 4.
/// Conflicts are left for the checks to report (the value's shape will not match).
fn infer_dims(src: &crate::source::SourceFile, values: &Values, dims: &mut Dims) {
    use crate::ir::ast::{ExprKind, StmtKind};
    let Ok(ast) = crate::syntax::parse(src) else { return };
    let open: Vec<&str> = ast
        .stmts
        .iter()
        .filter_map(|s| match &s.kind {
            StmtKind::Dim { name, default: None } if dims.get(&name.name).is_none() => {
                Some(name.name.as_str())
            }
            _ => None,
        })
        .collect();
    for s in &ast.stmts {
        let StmtKind::Parameter(d) = &s.kind else { continue };
        let (Some(shape), Some(v)) = (&d.shape, values.get(&d.name.name)) else { continue };
        if shape.len() != v.shape.ndim() {
            continue;
        }
        for (e, &extent) in shape.iter().zip(v.shape.dims()) {
            if let ExprKind::Name(n) = &e.kind
                && open.contains(&n.as_str())
                && dims.get(n).is_none()
            {
                dims.set(n, extent as i64);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The library's messages name options, not flags; the CLI adds the flag.
    #[test]
    fn the_command_line_names_its_flags_in_library_messages() {
        let smoothing = Diagnostic::error(codes::NOT_DIFFERENTIABLE, "cannot differentiate: singular")
            .note("the derivative system at this solution is singular; the `smoothing` option may help");
        let dim = Diagnostic::error(codes::DIM_UNKNOWN, "dim `rows` has no value");
        let out = with_flags(&[smoothing.clone(), dim]);
        assert_eq!(out[0].help, ["on the command line: `--smoothing MU`"]);
        assert_eq!(out[1].help, ["on the command line: `--dim rows=10`"]);
        // Other diagnostics are left as they are.
        let other = Diagnostic::error(codes::BAD_PARAMETER, "no value for parameter `x`");
        assert_eq!(with_flags(std::slice::from_ref(&other)), [other]);
        assert_eq!(smoothing.help.len(), 0);
    }
}

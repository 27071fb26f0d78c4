//! The `dopt` command line. `main.rs` only calls [`run`].

use crate::frontend::{self, Failure};
use crate::ir::ast::Sense;
use crate::ir::hir::{self, CmpKind};
use crate::layer::{DiffOptions, Layer};
use crate::sema::Dims;
use crate::solve::{Settings, Status};
use crate::values::{self, Values};
use clap::{Parser, Subcommand};
use std::fmt::Write as _;
use std::io::Write;

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
    },
    /// Benchmark compiled layers against raw Clarabel solves; prints a markdown table.
    Bench {
        /// A few repetitions only (a smoke run).
        #[arg(long)]
        quick: bool,
        /// Only the problems whose name contains this text (`build` for the build).
        #[arg(long)]
        only: Option<String>,
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
        Command::Bench { quick, only } => match crate::bench::run(quick, only.as_deref(), out) {
            Ok(()) => EXIT_OK,
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                EXIT_INVALID
            }
        },
        Command::Compile { file, dims, output } => compile_cmd(&file, &dims, &output, out, err),
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

fn report(f: &Failure, err: &mut dyn Write) -> i32 {
    let _ = err.write_all(f.render().as_bytes());
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
                let _ = err.write_all(d.render(Some(&src)).as_bytes());
                return EXIT_INVALID;
            }
            let _ = out.write_all(summary(file, &c.program).as_bytes());
            let _ = out.write_all(curvature_summary(&c, &src).as_bytes());
            if ir {
                let _ = writeln!(out, "\n{}", crate::ir::print::program(&c.program));
            }
            EXIT_OK
        }
        Err(f) => report(&f, err),
    }
}

/// The curvature of the objective and of each constraint statement, and the DPP verdict.
pub fn curvature_summary(c: &frontend::Checked, src: &crate::source::SourceFile) -> String {
    let p = &c.program;
    let f = &c.analysis.dcp;
    let mut s = String::new();
    if let Some(o) = &p.objective {
        let sense = if o.sense == Sense::Minimize { "minimize" } else { "maximize" };
        let _ = writeln!(s, "curvature: {sense} {}", f.curvature(o.expr));
    }
    // The constraints of one statement are consecutive: visit each run once (a scan
    // of the whole list per statement was quadratic in the number of statements).
    let mut rest = &p.constraints[..];
    while let Some(con) = rest.first() {
        let run = rest.iter().take_while(|k| k.stmt == con.stmt).count();
        let (group, tail) = rest.split_at(run);
        rest = tail;
        let (line, _) = src.line_col(con.span.start as usize);
        let name = match &con.label {
            Some(l) => format!("{l} (line {line})"),
            None => format!("line {line}"),
        };
        // A chain or a `for` gives several constraints: show each comparison of the
        // first instance.
        let parts: Vec<String> = group
            .iter()
            .take_while(|k| k.iteration == con.iteration)
            .map(|k| format!("{} {} {}", f.curvature(k.lhs), k.kind.symbol(), f.curvature(k.rhs)))
            .collect();
        let count = group.len();
        let times = if con.iteration.is_empty() {
            String::new()
        } else {
            format!(" (x{} instances)", count / parts.len().max(1))
        };
        let _ = writeln!(s, "  {name}: {}{times}", parts.join(", "));
    }
    let ext = if c.analysis.parametric_quad_forms.is_empty() {
        String::new()
    } else {
        " (with parametric quad_form in the objective)".into()
    };
    let _ = writeln!(s, "DCP: yes; DPP: yes{ext}");
    s
}

/// The parameter and variable lines of a summary: name, shape, attributes.
fn decl_lines(s: &mut String, params: &[hir::Decl], vars: &[hir::Decl]) {
    for (title, list) in [("parameters", params), ("variables", vars)] {
        let _ = writeln!(s, "{title}:{}", if list.is_empty() { " none" } else { "" });
        for d in list {
            let attrs = d.attrs.names();
            let shape = if d.shape.is_scalar() { "scalar".to_string() } else { d.shape.to_string() };
            let sep = if attrs.is_empty() { "" } else { "  " };
            let _ = writeln!(s, "  {:<12} {shape}{sep}{}", d.name, attrs.join(" "));
        }
    }
}

/// The summary `dopt check` prints for a valid problem.
pub fn summary(file: &str, p: &hir::Program) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{file}: ok");
    if !p.dims.is_empty() {
        let dims: Vec<String> = p
            .dims
            .iter()
            .map(|(n, d)| {
                let src = match d.source {
                    hir::DimSource::Given => "given",
                    hir::DimSource::Default => "default",
                };
                format!("{n} = {} ({src})", d.value)
            })
            .collect();
        let _ = writeln!(s, "dims: {}", dims.join(", "));
    }
    decl_lines(&mut s, &p.params, &p.vars);
    match &p.objective {
        Some(o) => {
            let sense = if o.sense == Sense::Minimize { "minimize" } else { "maximize" };
            let _ = writeln!(s, "objective: {sense}");
        }
        None => {
            let _ = writeln!(s, "objective: none (feasibility problem)");
        }
    }
    let (mut eq, mut ineq, mut psd) = (0usize, 0usize, Vec::new());
    for c in &p.constraints {
        match c.kind {
            CmpKind::Eq => eq += c.shape.size(),
            CmpKind::Le | CmpKind::Ge => ineq += c.shape.size(),
            CmpKind::Psd | CmpKind::Nsd => psd.push(c.shape.dims()[0]),
        }
    }
    let (mut a_ineq, mut a_psd, mut a_eq) = (0usize, Vec::new(), 0usize);
    for v in &p.vars {
        let n = v.shape.size();
        if v.attrs.nonneg || v.attrs.nonpos {
            a_ineq += n;
        }
        if v.attrs.psd || v.attrs.nsd {
            a_psd.push(v.shape.dims()[0]);
        } else if v.attrs.symmetric {
            let k = v.shape.dims()[0];
            a_eq += k * (k - 1) / 2;
        }
    }
    let psd_text = |v: &[usize]| -> String {
        if v.is_empty() {
            "0".into()
        } else {
            let sizes: Vec<String> = v.iter().map(|k| format!("{k}x{k}")).collect();
            format!("{} ({})", v.len(), sizes.join(", "))
        }
    };
    let stmts = {
        let mut v: Vec<usize> = p.constraints.iter().map(|c| c.stmt).collect();
        v.dedup();
        v.len()
    };
    let _ = writeln!(
        s,
        "constraints: {} statement{}, {} scalar: {eq} equality, {ineq} inequality; psd: {}",
        stmts,
        if stmts == 1 { "" } else { "s" },
        eq + ineq,
        psd_text(&psd)
    );
    if a_ineq + a_eq > 0 || !a_psd.is_empty() {
        let _ = writeln!(
            s,
            "from variable attributes: {a_eq} equality, {a_ineq} inequality; psd: {}",
            psd_text(&a_psd)
        );
    }
    let outs: Vec<&str> = p.outputs.iter().map(|v| p.vars[v.index()].name.as_str()).collect();
    let _ = writeln!(s, "outputs: {}", outs.join(", "));
    s
}

fn compile_cmd(file: &str, dims: &[String], output: &str, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let start = std::time::Instant::now();
    let layer = match compile(file, dims, None, err) {
        Ok(l) => l,
        Err(code) => return code,
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

/// What `dopt check` prints for a compiled layer file.
pub fn layer_summary(file: &str, layer: &Layer) -> String {
    let sig = &layer.sig;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{file}: ok (compiled layer, format {}, from `{}`)",
        crate::layer::FORMAT_VERSION,
        sig.source
    );
    if !sig.dims.is_empty() {
        let dims: Vec<String> = sig.dims.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        let _ = writeln!(s, "dims: {}", dims.join(", "));
    }
    decl_lines(&mut s, &sig.params, &sig.vars);
    let outs: Vec<&str> = sig.outputs.iter().map(|&v| sig.vars[v].name.as_str()).collect();
    let _ = writeln!(s, "outputs: {}", outs.join(", "));
    let _ = writeln!(
        s,
        "cone program: {} variables, {} rows, nnz(M) {}",
        layer.cone.n,
        layer.cone.m,
        layer.cone.map.nnz()
    );
    s
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
        frontend::infer_dims(&src, values, &mut dims);
    }
    let c = frontend::analyze(&src, &dims).map_err(|f| report(&f, err))?;
    Layer::compile(&c.program, &c.analysis, file).map_err(|d| {
        let _ = err.write_all(d.render(Some(&src)).as_bytes());
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

/// What `dopt canon` prints.
pub fn canon_summary(layer: &Layer) -> String {
    let cp = &layer.cone;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "variables: {} ({} from the problem, {} auxiliary)",
        cp.n,
        cp.var_cols.last().map_or(0, |r| r.end),
        cp.n - cp.var_cols.last().map_or(0, |r| r.end)
    );
    let _ = writeln!(s, "constraint rows: {}", cp.m);
    let _ = writeln!(s, "parameters: {} entries", cp.nparams);
    let _ = writeln!(s, "cones:");
    let mut counts: Vec<(String, usize, usize)> = Vec::new();
    for c in &cp.cones {
        let key = match c {
            crate::ir::cone::Cone::Zero(_) => "zero".to_string(),
            crate::ir::cone::Cone::Nonneg(_) => "nonnegative".to_string(),
            crate::ir::cone::Cone::Soc(n) => format!("second-order (dim {n})"),
            crate::ir::cone::Cone::Exp => "exponential (dim 3)".to_string(),
            crate::ir::cone::Cone::Pow(a) => format!("power (dim 3, alpha {})", crate::ir::print::number(*a)),
            crate::ir::cone::Cone::Psd(n) => format!("psd ({n}x{n}, {} rows)", n * (n + 1) / 2),
        };
        match counts.iter_mut().find(|(k, _, _)| *k == key) {
            Some(e) => {
                e.1 += 1;
                e.2 += c.dim();
            }
            None => counts.push((key, 1, c.dim())),
        }
    }
    for (k, count, rows) in counts {
        let _ = writeln!(
            s,
            "  {k}: {count} cone{}, {rows} row{}",
            if count == 1 { "" } else { "s" },
            if rows == 1 { "" } else { "s" }
        );
    }
    let off = cp.offsets();
    let nnz_rows =
        |a: usize, b: usize| (a..b).map(|r| cp.map.outer_view(r).map_or(0, |v| v.nnz())).sum::<usize>();
    let _ = writeln!(s, "P: {} stored entries (upper triangle)", cp.p.nnz());
    let _ = writeln!(s, "A: {} x {}, {} stored entries", cp.m, cp.n, cp.a.nnz());
    let _ = writeln!(
        s,
        "parameter map M: {} x {}, nnz {} (P {}, q {}, r {}, A {}, b {})",
        off.end,
        cp.nparams + 1,
        cp.map.nnz(),
        nnz_rows(off.p, off.q),
        nnz_rows(off.q, off.r),
        nnz_rows(off.r, off.a),
        nnz_rows(off.a, off.b),
        nnz_rows(off.b, off.end)
    );
    s
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
    let o = match layer.forward_with(&values, &settings) {
        Ok(o) => o,
        Err(diags) => {
            let _ = err.write_all(crate::diag::render_all(&diags, None).as_bytes());
            return EXIT_INVALID;
        }
    };
    // The cotangent file is checked before the status: a bad file is the user's
    // mistake whatever the solver did.
    let grads = match &dvars {
        Some(d) if o.status.is_optimal() => match layer.backward_with(&o, d, &opts) {
            Ok(g) => Some(g),
            Err(diags) => {
                let _ = err.write_all(crate::diag::render_all(&diags, None).as_bytes());
                return EXIT_INVALID;
            }
        },
        Some(d) => {
            if let Err(diags) = layer.check_cotangents(&o, d) {
                let _ = err.write_all(crate::diag::render_all(&diags, None).as_bytes());
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
        let _ = writeln!(out, "solve time: {:.3} ms, {} iterations", o.solve_time * 1e3, o.iterations);
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

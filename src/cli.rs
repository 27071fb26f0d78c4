//! The `dopt` command line. `main.rs` only calls [`run`].

use crate::frontend::{self, Failure};
use crate::ir::ast::Sense;
use crate::ir::hir::{self, CmpKind};
use crate::sema::Dims;
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
    /// Parse and check a problem (names, shapes); print a summary or the errors.
    Check {
        /// A .dopt file, or std:NAME for a standard-library layer.
        file: String,
        /// Set a dim: --dim n=10 (repeatable).
        #[arg(long = "dim", value_name = "NAME=VALUE")]
        dims: Vec<String>,
        /// Also print the checked program as a numbered listing.
        #[arg(long)]
        ir: bool,
    },
}

/// Exit codes of spec §9.
pub const EXIT_OK: i32 = 0;
pub const EXIT_INVALID: i32 = 1;

/// Run the command line with `args` (including the program name), writing to `out`
/// and `err`; returns the exit code.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
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
        let v: i64 = value
            .trim()
            .parse()
            .map_err(|_| format!("error[E0701]: --dim {item}: `{}` is not an integer", value.trim()))?;
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
    let src = match frontend::read_source(file) {
        Ok(s) => s,
        Err(f) => return report(&f, err),
    };
    match frontend::check(&src, &dims) {
        Ok(p) => {
            let _ = out.write_all(summary(file, &p).as_bytes());
            if ir {
                let _ = writeln!(out, "\n{}", crate::ir::print::program(&p));
            }
            EXIT_OK
        }
        Err(f) => report(&f, err),
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
    for (title, list) in [("parameters", &p.params), ("variables", &p.vars)] {
        let _ = writeln!(s, "{title}:{}", if list.is_empty() { " none" } else { "" });
        for d in list {
            let attrs = d.attrs.names();
            let shape = if d.shape.is_scalar() { "scalar".to_string() } else { d.shape.to_string() };
            let _ = writeln!(
                s,
                "  {:<12} {shape}{}{}",
                d.name,
                if attrs.is_empty() { "" } else { "  " },
                attrs.join(" ")
            );
        }
    }
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

//! What the commands print about a problem or a layer: the summary and curvature
//! report of `dopt check`, the interface of a layer file and the sizes of `dopt canon`.

use crate::frontend;
use crate::ir::ast::Sense;
use crate::ir::hir::{self, CmpKind};
use crate::layer::Layer;
use std::fmt::Write as _;

/// The curvature of the objective and of each constraint statement, and the DPP verdict.
pub fn curvature_summary(c: &frontend::Checked, src: &crate::source::SourceFile) -> String {
    let p = &c.program;
    let f = &c.analysis.dcp;
    // A geometric program's log-domain curvature is the log-log curvature of what
    // was written (`dgp`).
    let gp = if p.geometric.is_some() { "log-log " } else { "" };
    let curv = |id| match f.curvature(id) {
        crate::ir::algebra::Curvature::Constant => "constant".to_string(),
        k => format!("{gp}{k}"),
    };
    let mut s = String::new();
    if let Some(o) = &p.objective {
        let sense = if o.sense == Sense::Minimize { "minimize" } else { "maximize" };
        let _ = writeln!(s, "curvature: {sense} {}", curv(o.expr));
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
            .map(|k| format!("{} {} {}", curv(k.lhs), k.kind.symbol(), curv(k.rhs)))
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
    if gp.is_empty() {
        let _ = writeln!(s, "DCP: yes; DPP: yes{ext}");
    } else {
        let _ = writeln!(s, "DGP: yes (solved in the log domain, which is DCP and DPP)");
    }
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

/// What the summaries say of a geometric program.
const GEOMETRIC_LINE: &str =
    "geometric program: parameters and variables positive, solved in the log domain (u = log x)";

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
    if p.geometric.is_some() {
        let _ = writeln!(s, "{GEOMETRIC_LINE}");
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
    if sig.geometric {
        let _ = writeln!(s, "{GEOMETRIC_LINE}");
    }
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

//! The checked program as text: the listing printed by `dopt check --ir` and the
//! snapshot tests. It lives above `ir` because it names the atoms (and their
//! compile-time arguments), which `ir` does not know.

use crate::ir::ast;
use crate::ir::hir::{self, Op, Sel};
use crate::ir::print::number;
use std::fmt::Write as _;

fn array_text(a: &hir::Array) -> String {
    const MAX: usize = 12;
    let items: Vec<String> = a.data.iter().take(MAX).map(|v| number(*v)).collect();
    let more = if a.data.len() > MAX { ", ..." } else { "" };
    match a.shape.ndim() {
        0 => items[0].clone(),
        _ => format!("[{}{}]", items.join(", "), more),
    }
}

/// The checked program as a listing: declarations, then every node in arena order
/// (`%k = op args : shape`), then the objective and constraints.
pub fn program(p: &hir::Program) -> String {
    let mut s = String::new();
    let dims: Vec<String> = p.dims.iter().map(|(n, d)| format!("{n} = {}", d.value)).collect();
    let _ = writeln!(s, "dims: {}", if dims.is_empty() { "(none)".into() } else { dims.join(", ") });
    for (kind, list) in [("parameter", &p.params), ("variable", &p.vars)] {
        for d in list {
            let attrs = d.attrs.names();
            let _ = writeln!(
                s,
                "{kind} {} : {}{}{}",
                d.name,
                d.shape,
                if attrs.is_empty() { "" } else { " " },
                attrs.join(" ")
            );
        }
    }
    for c in &p.consts {
        if let Some(n) = &c.name {
            let _ = writeln!(s, "constant {n} : {} = {}", c.value.shape, array_text(&c.value));
        }
    }
    for (i, node) in p.nodes.iter().enumerate() {
        let _ = writeln!(s, "%{i} = {} : {}", op_text(p, &node.op), node.shape);
    }
    match &p.objective {
        Some(o) => {
            let sense = match o.sense {
                ast::Sense::Minimize => "minimize",
                ast::Sense::Maximize => "maximize",
            };
            let _ = writeln!(s, "{sense} %{}", o.expr.0);
        }
        None => {
            let _ = writeln!(s, "find a feasible point");
        }
    }
    for c in &p.constraints {
        let label = c.label.as_ref().map(|l| format!("{l}: ")).unwrap_or_default();
        let it: Vec<String> = c.iteration.iter().map(|(n, v)| format!("{n}={v}")).collect();
        let it = if it.is_empty() { String::new() } else { format!("  [{}]", it.join(", ")) };
        let _ = writeln!(s, "{label}%{} {} %{} : {}{it}", c.lhs.0, c.kind.symbol(), c.rhs.0, c.shape);
    }
    let outs: Vec<&str> = p.outputs.iter().map(|v| p.vars[v.index()].name.as_str()).collect();
    let _ = writeln!(s, "output {}", outs.join(", "));
    s
}

fn op_text(p: &hir::Program, op: &Op) -> String {
    let n = |id: &hir::NodeId| format!("%{}", id.0);
    match op {
        Op::Const(c) => {
            let c = &p.consts[c.index()];
            match &c.name {
                Some(name) => format!("const {name}"),
                None => format!("const {}", array_text(&c.value)),
            }
        }
        Op::Param(i) => format!("param {}", p.params[i.index()].name),
        Op::Var(i) => format!("var {}", p.vars[i.index()].name),
        Op::Neg(a) => format!("neg {}", n(a)),
        Op::Add(a, b) => format!("add {}, {}", n(a), n(b)),
        Op::Sub(a, b) => format!("sub {}, {}", n(a), n(b)),
        Op::Mul(a, b) => format!("mul {}, {}", n(a), n(b)),
        Op::Div(a, b) => format!("div {}, {}", n(a), n(b)),
        Op::MatMul(a, b) => format!("matmul {}, {}", n(a), n(b)),
        Op::Transpose(a) => format!("transpose {}", n(a)),
        Op::Index(a, sels) => {
            let parts: Vec<String> = sels
                .iter()
                .map(|s| match s {
                    Sel::At(i) => i.to_string(),
                    Sel::Range(a, b) => format!("{a}:{b}"),
                })
                .collect();
            format!("index {}[{}]", n(a), parts.join(", "))
        }
        Op::Atom(atom, args, statics) => {
            let mut parts: Vec<String> = args.iter().map(n).collect();
            let sig = atom.atom().signature();
            for (spec, v) in sig.statics.iter().zip(statics) {
                if let Some(v) = v {
                    // A value written as a word (norm's "fro" is NaN) is shown as the word.
                    let word = spec.words.iter().find(|(_, w)| w == v || (w.is_nan() && v.is_nan()));
                    let text = match (word, spec.kind) {
                        (Some((w, _)), _) => format!("\"{w}\""),
                        (None, crate::atoms::StaticKind::Bool) => {
                            (if *v == 1.0 { "True" } else { "False" }).into()
                        }
                        (None, _) => number(*v),
                    };
                    parts.push(format!("{}={text}", spec.name));
                }
            }
            format!("{}({})", atom.name(), parts.join(", "))
        }
    }
}

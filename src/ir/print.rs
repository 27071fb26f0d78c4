//! Text forms of the IRs: expressions as the user would write them (for messages),
//! and the checked program as a numbered listing (for `dopt check --ir` and snapshots).

use crate::ir::ast::{self, ExprKind, IndexItem, UnOp};
use crate::ir::hir::{self, Op, Sel};
use std::fmt::Write as _;

/// An expression in source syntax, with parentheses only where needed.
pub fn expr_text(e: &ast::Expr) -> String {
    let mut s = String::new();
    write_expr(&mut s, e, 0);
    s
}

fn prec(e: &ast::Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(op, ..) => match op {
            ast::BinOp::Add | ast::BinOp::Sub => 1,
            _ => 2,
        },
        ExprKind::Unary(..) => 3,
        _ => 4,
    }
}

fn write_expr(s: &mut String, e: &ast::Expr, min: u8) {
    let p = prec(e);
    let paren = p < min;
    if paren {
        s.push('(');
    }
    match &e.kind {
        ExprKind::Number(v) => s.push_str(&number(*v)),
        ExprKind::Name(n) => s.push_str(n),
        ExprKind::Paren(x) => write_expr(s, x, min),
        ExprKind::Unary(op, x) => {
            s.push(if *op == UnOp::Neg { '-' } else { '+' });
            write_expr(s, x, 3);
        }
        ExprKind::Binary(op, a, b) => {
            write_expr(s, a, p);
            let _ = write!(s, " {} ", op.symbol());
            write_expr(s, b, p + 1);
        }
        ExprKind::Transpose(x) => {
            write_expr(s, x, 4);
            s.push_str(".T");
        }
        ExprKind::Index(x, items) => {
            write_expr(s, x, 4);
            s.push('[');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                match it {
                    IndexItem::Single(y) => write_expr(s, y, 0),
                    IndexItem::Slice { lo, hi, .. } => {
                        if let Some(y) = lo {
                            write_expr(s, y, 0);
                        }
                        s.push(':');
                        if let Some(y) = hi {
                            write_expr(s, y, 0);
                        }
                    }
                }
            }
            s.push(']');
        }
        ExprKind::List(items) => {
            s.push('[');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                write_expr(s, it, 0);
            }
            s.push(']');
        }
        ExprKind::Call { func, args } => {
            s.push_str(&func.name);
            s.push('(');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                if let Some(n) = &a.name {
                    let _ = write!(s, "{}=", n.name);
                }
                write_expr(s, &a.value, 0);
            }
            s.push(')');
        }
    }
    if paren {
        s.push(')');
    }
}

/// A number in its shortest exact form, rounded to 12 significant digits so that
/// listings are stable.
pub fn number(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let r: f64 = format!("{v:.11e}").parse().unwrap_or(v);
    format!("{r}")
}

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
                    parts.push(format!("{}={}", spec.name, number(*v)));
                }
            }
            format!("{}({})", atom.name(), parts.join(", "))
        }
    }
}

//! Text forms of the IRs: expressions as the user would write them (for messages)
//! and numbers. The numbered listing of a checked program names atoms, so it is in
//! `sema::listing`.

use crate::ir::ast::{self, ExprKind, IndexItem, UnOp};
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
        ExprKind::Str(t) => {
            s.push('"');
            s.push_str(t);
            s.push('"');
        }
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

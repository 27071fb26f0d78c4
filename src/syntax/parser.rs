//! pest grammar + Pratt parser → [`ast::Program`](crate::ir::ast::Program).

use crate::diag::{Diagnostic, codes};
use crate::ir::ast::*;
use crate::source::Span;
use pest::Parser as _;
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use std::sync::LazyLock;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/dopt.pest"]
struct DoptParser;

static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
        .op(Op::infix(Rule::mul, Assoc::Left)
            | Op::infix(Rule::div, Assoc::Left)
            | Op::infix(Rule::matmul, Assoc::Left))
        .op(Op::prefix(Rule::neg) | Op::prefix(Rule::pos))
        .op(Op::postfix(Rule::transpose) | Op::postfix(Rule::index))
});

type PResult<T> = Result<T, Diagnostic>;

/// Parse text that has been through the layout pass.
pub fn parse_program(text: &str) -> PResult<Program> {
    let mut pairs = DoptParser::parse(Rule::file, text).map_err(|e| syntax_error(text, e))?;
    let file = pairs.next().expect("the file rule always yields one pair");
    let mut stmts = Vec::new();
    for p in file.into_inner() {
        if p.as_rule() == Rule::EOI {
            continue;
        }
        stmts.push(stmt(p)?);
    }
    Ok(Program { stmts })
}

fn span(p: &Pair<Rule>) -> Span {
    let s = p.as_span();
    Span::new(s.start(), s.end())
}

fn ident(p: Pair<Rule>) -> Ident {
    Ident { span: span(&p), name: p.as_str().to_string() }
}

fn stmt(p: Pair<Rule>) -> PResult<Stmt> {
    let sp = span(&p);
    let rule = p.as_rule();
    let mut it = p.into_inner().peekable();
    let kind = match rule {
        Rule::dim_stmt => {
            it.next(); // keyword
            let name = ident(it.next().expect("dim name"));
            let default = it.next().map(expr).transpose()?;
            StmtKind::Dim { name, default }
        }
        Rule::parameter_stmt | Rule::variable_stmt => {
            it.next();
            let d = decl(&mut it)?;
            if rule == Rule::parameter_stmt { StmtKind::Parameter(d) } else { StmtKind::Variable(d) }
        }
        Rule::constant_stmt => {
            it.next();
            let d = decl(&mut it)?;
            let value = expr(it.next().expect("constant value"))?;
            StmtKind::Constant { decl: d, value }
        }
        Rule::let_stmt => {
            it.next();
            let name = ident(it.next().expect("let name"));
            let value = expr(it.next().expect("let value"))?;
            StmtKind::Let { name, value }
        }
        Rule::def_stmt => {
            it.next();
            let name = ident(it.next().expect("def name"));
            let params = it.next().expect("def params").into_inner().map(ident).collect();
            let body = expr(it.next().expect("def body"))?;
            StmtKind::Def { name, params, body }
        }
        Rule::objective_stmt => {
            let sense = match it.next().expect("sense").as_rule() {
                Rule::minimize => Sense::Minimize,
                _ => Sense::Maximize,
            };
            StmtKind::Objective { sense, expr: expr(it.next().expect("objective"))? }
        }
        Rule::subject_to => StmtKind::SubjectTo,
        Rule::geometric_stmt => StmtKind::Geometric,
        Rule::output_stmt => {
            it.next();
            StmtKind::Output(it.map(ident).collect())
        }
        Rule::constraint_stmt => {
            let mut label = None;
            let mut fors = Vec::new();
            while let Some(q) = it.peek() {
                match q.as_rule() {
                    Rule::label => {
                        let q = it.next().expect("peeked");
                        label = Some(ident(q.into_inner().next().expect("label name")));
                    }
                    Rule::for_clause => {
                        let q = it.next().expect("peeked");
                        let fsp = span(&q);
                        let mut f = q.into_inner();
                        f.next(); // for
                        let var = ident(f.next().expect("for var"));
                        f.next(); // in
                        let lo = expr(f.next().expect("for lo"))?;
                        let hi = expr(f.next().expect("for hi"))?;
                        fors.push(ForClause { var, lo, hi, span: fsp });
                    }
                    _ => break,
                }
            }
            let first = expr(it.next().expect("constraint expr"))?;
            let mut rest = Vec::new();
            while let Some(op) = it.next() {
                let osp = span(&op);
                let cmp = match op.as_str() {
                    "==" => CmpOp::Eq,
                    "<=" => CmpOp::Le,
                    ">=" => CmpOp::Ge,
                    ">>" => CmpOp::Psd,
                    "<<" => CmpOp::Nsd,
                    "<" => CmpOp::Lt,
                    _ => CmpOp::Gt,
                };
                rest.push((cmp, osp, expr(it.next().expect("comparison rhs"))?));
            }
            StmtKind::Constraint(ConstraintStmt { label, fors, first, rest })
        }
        r => unreachable!("statement rule {r:?}"),
    };
    Ok(Stmt { kind, span: sp })
}

fn decl(it: &mut std::iter::Peekable<Pairs<Rule>>) -> PResult<Decl> {
    let name = ident(it.next().expect("declared name"));
    let mut shape = None;
    let mut shape_span = None;
    let mut attrs = Vec::new();
    while let Some(q) = it.peek() {
        match q.as_rule() {
            Rule::shape => {
                let q = it.next().expect("peeked");
                shape_span = Some(span(&q));
                shape = Some(q.into_inner().map(expr).collect::<PResult<Vec<_>>>()?);
            }
            Rule::attr => {
                let q = it.next().expect("peeked");
                attrs.push(ident(q.into_inner().next().expect("attr name")));
            }
            _ => break,
        }
    }
    Ok(Decl { name, shape, shape_span, attrs })
}

fn expr(p: Pair<Rule>) -> PResult<Expr> {
    debug_assert_eq!(p.as_rule(), Rule::expr);
    PRATT
        .map_primary(primary)
        .map_prefix(|op, rhs| {
            let rhs = rhs?;
            let sp = span(&op).to(rhs.span);
            let u = if op.as_rule() == Rule::neg { UnOp::Neg } else { UnOp::Plus };
            checked(Expr::new(ExprKind::Unary(u, Box::new(rhs)), sp))
        })
        .map_postfix(|lhs, op| {
            let lhs = lhs?;
            let sp = lhs.span.to(span(&op));
            match op.as_rule() {
                Rule::transpose => checked(Expr::new(ExprKind::Transpose(Box::new(lhs)), sp)),
                _ => {
                    let items = op.into_inner().map(index_item).collect::<PResult<Vec<_>>>()?;
                    checked(Expr::new(ExprKind::Index(Box::new(lhs), items), sp))
                }
            }
        })
        .map_infix(|lhs, op, rhs| {
            let (lhs, rhs) = (lhs?, rhs?);
            let b = match op.as_rule() {
                Rule::add => BinOp::Add,
                Rule::sub => BinOp::Sub,
                Rule::mul => BinOp::Mul,
                Rule::div => BinOp::Div,
                _ => BinOp::MatMul,
            };
            let sp = lhs.span.to(rhs.span);
            checked(Expr::new(ExprKind::Binary(b, Box::new(lhs), Box::new(rhs)), sp))
        })
        .parse(p.into_inner())
}

fn index_item(p: Pair<Rule>) -> PResult<IndexItem> {
    let sp = span(&p);
    let mut lo = None;
    let mut hi = None;
    let mut colon = false;
    for q in p.into_inner() {
        match q.as_rule() {
            Rule::colon => colon = true,
            _ if colon => hi = Some(expr(q)?),
            _ => lo = Some(expr(q)?),
        }
    }
    match (colon, lo) {
        (true, lo) => Ok(IndexItem::Slice { lo, hi, span: sp }),
        (false, Some(e)) => Ok(IndexItem::Single(e)),
        (false, None) => Err(Diagnostic::error(codes::SYNTAX, "empty index")
            .primary(sp, "expected an index or a slice here")
            .help("write an index such as `x[0]`, or a slice such as `x[1:]` or `X[:, 0]`")),
    }
}

fn primary(p: Pair<Rule>) -> PResult<Expr> {
    let sp = span(&p);
    let kind = match p.as_rule() {
        Rule::number => {
            let v: f64 = p.as_str().parse().map_err(|_| {
                Diagnostic::error(codes::SYNTAX, "malformed number").primary(sp, "not a number")
            })?;
            if !v.is_finite() {
                return Err(Diagnostic::error(codes::BAD_NUMBER, "number too large")
                    .primary(sp, "this is beyond the range of a 64-bit float"));
            }
            ExprKind::Number(v)
        }
        Rule::ident => ExprKind::Name(p.as_str().to_string()),
        Rule::string => ExprKind::Str(p.as_str().trim_matches('"').to_string()),
        Rule::paren => ExprKind::Paren(Box::new(expr(p.into_inner().next().expect("paren body"))?)),
        Rule::list => ExprKind::List(p.into_inner().map(expr).collect::<PResult<Vec<_>>>()?),
        Rule::call => {
            let mut it = p.into_inner();
            let func = ident(it.next().expect("callee"));
            let mut args = Vec::new();
            for a in it {
                let inner = a.into_inner().next().expect("arg body");
                match inner.as_rule() {
                    Rule::named_arg => {
                        let mut n = inner.into_inner();
                        let name = ident(n.next().expect("arg name"));
                        let value = expr(n.next().expect("arg value"))?;
                        args.push(Arg { name: Some(name), value });
                    }
                    _ => args.push(Arg { name: None, value: expr(inner)? }),
                }
            }
            ExprKind::Call { func, args }
        }
        r => unreachable!("primary rule {r:?}"),
    };
    checked(Expr::new(kind, sp))
}

/// Deepest expression tree accepted; deeper ones are split with `let`.
pub const MAX_EXPR_DEPTH: u32 = 1000;

fn checked(e: Expr) -> PResult<Expr> {
    if e.depth > MAX_EXPR_DEPTH {
        return Err(Diagnostic::error(
            codes::TOO_DEEP,
            format!("expression nested more than {MAX_EXPR_DEPTH} levels deep"),
        )
        .primary(e.span, "this expression is too deep")
        .help("split it into smaller named parts with `let`, or use `sum(...)` for long sums"));
    }
    Ok(e)
}

// ---------------------------------------------------------------------------
// Syntax errors: pest's error turned into a located message in our words.

fn describe(rule: &Rule) -> Option<&'static str> {
    Some(match rule {
        // A statement may end at a newline or at the end of the file; only EOI is
        // reported (NEWLINE is a built-in), and "end of line" is what the user means.
        Rule::EOI => "end of line",
        Rule::ident => "a name",
        Rule::number => "a number",
        Rule::expr | Rule::call | Rule::list | Rule::paren => "an expression",
        Rule::cmp_op => "a comparison (`==`, `<=`, `>=`, `>>`, `<<`)",
        Rule::add | Rule::sub | Rule::mul | Rule::div | Rule::matmul => "an operator",
        Rule::neg | Rule::pos => "an expression",
        Rule::transpose | Rule::index => "an operator",
        Rule::shape => "a shape `[...]`",
        Rule::attr => "an attribute",
        Rule::label => "a constraint name",
        Rule::for_clause | Rule::kw_for => "`for`",
        Rule::kw_in => "`in`",
        Rule::kw_to => "`to`",
        Rule::def_params => "a parameter list `(a, b)`",
        Rule::colon => "`:`",
        Rule::index_item => "an index",
        Rule::arg | Rule::named_arg => "an argument",
        Rule::dim_stmt
        | Rule::parameter_stmt
        | Rule::variable_stmt
        | Rule::constant_stmt
        | Rule::let_stmt
        | Rule::def_stmt
        | Rule::objective_stmt
        | Rule::subject_to
        | Rule::output_stmt
        | Rule::geometric_stmt
        | Rule::kw_geometric
        | Rule::constraint_stmt
        | Rule::kw_dim
        | Rule::kw_param
        | Rule::kw_var
        | Rule::kw_const
        | Rule::kw_let
        | Rule::kw_def
        | Rule::minimize
        | Rule::maximize
        | Rule::kw_subject
        | Rule::kw_output => "a statement",
        _ => return None,
    })
}

/// What stands at `pos`: a word, a symbol, or the end of the line / file.
fn found_at(text: &str, pos: usize) -> (String, usize) {
    let rest = &text[pos.min(text.len())..];
    let Some(c) = rest.chars().next() else { return ("end of file".into(), 0) };
    if c == '\n' {
        return ("end of line".into(), 1);
    }
    if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
        let len =
            rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')).unwrap_or(rest.len());
        return (format!("`{}`", &rest[..len]), len);
    }
    let two: String = rest.chars().take(2).collect();
    if ["==", "<=", ">=", ">>", "<<", ".."].contains(&two.as_str()) {
        return (format!("`{two}`"), 2);
    }
    (format!("`{c}`"), c.len_utf8())
}

/// The reserved words (see `keyword` in the grammar).
const KEYWORDS: &[&str] = &[
    "dim",
    "parameter",
    "variable",
    "constant",
    "let",
    "def",
    "minimize",
    "maximize",
    "subject",
    "to",
    "for",
    "in",
    "output",
    "geometric",
];

fn syntax_error(text: &str, e: pest::error::Error<Rule>) -> Diagnostic {
    use pest::error::{ErrorVariant, InputLocation};
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let mut expected: Vec<&str> = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.iter().filter_map(describe).collect(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    expected.sort();
    expected.dedup();
    // "a name, a number or an expression": names and numbers are expressions.
    if expected.contains(&"an expression") {
        expected.retain(|e| *e != "a name" && *e != "a number");
    }
    let (found, mut len) = found_at(text, pos);
    // `x ** 2`: pest stops at the second `*`; point at (and explain) the pair.
    let mut pos = pos;
    let power_op = text[..pos].ends_with('*') && text[pos..].starts_with('*');
    if power_op {
        pos -= 1;
        len = 2;
    }
    let what = match expected.len() {
        0 => "unexpected input".to_string(),
        1 => format!("expected {}", expected[0]),
        _ => {
            let (last, first) = expected.split_last().expect("len >= 2");
            format!("expected {} or {}", first.join(", "), last)
        }
    };
    let sp = Span::new(pos, (pos + len).min(text.len()).max(pos));
    let mut d = if power_op {
        Diagnostic::error(codes::SYNTAX, "`**` is not an operator").primary(sp, "not an operator")
    } else {
        Diagnostic::error(codes::SYNTAX, format!("{what}, found {found}"))
            .primary(sp, format!("unexpected {found}"))
    };
    if let Some(d) = python_habit(text, pos) {
        return d;
    }
    let rest = &text[pos.min(text.len())..];
    if rest.starts_with('=') && !rest.starts_with("==") {
        d = d.help("use `==` for an equality constraint; a single `=` only gives values in `dim`, `constant`, `let` and `def`");
    } else if rest.starts_with('\n') || rest.is_empty() {
        d = d.note("a statement ends at the end of its line; an expression can continue on the next line only inside parentheses or brackets");
    } else if rest.starts_with("**") || rest.starts_with('^') {
        d = d.help("there is no power operator: use `power(x, p)` or `square(x)`");
    } else if KEYWORDS.contains(&found.trim_matches('`')) && expected.contains(&"a name") {
        d = d.note(format!("{found} is a keyword and cannot be used as a name"));
    }
    d
}

/// Two habits from Python, recognized on the line of a syntax error at `pos`:
/// `subject to:` (dopt's `subject to` takes no colon) and `for i in range(n):`
/// (dopt writes the range `0..n`). The error points at the Python part and shows
/// the dopt form.
fn python_habit(text: &str, pos: usize) -> Option<Diagnostic> {
    let pos = pos.min(text.len());
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    let before = &text[line_start..pos];
    if text[pos..].starts_with(':') && before.split_whitespace().eq(["subject", "to"]) {
        return Some(
            Diagnostic::error(codes::SYNTAX, "`subject to` takes no colon")
                .primary(Span::new(pos, pos + 1), "remove this `:`")
                .help("write `subject to` alone on its line, then one constraint per line"),
        );
    }
    // `for NAME in range(ARGS)`, with the error at or after `range`.
    let line = &text[line_start..line_end];
    let r = line.find("range(")?;
    if line_start + r > pos {
        return None;
    }
    let words: Vec<&str> = line[..r].split_whitespace().collect();
    let [.., kw_for, var, kw_in] = words[..] else { return None };
    if kw_for != "for" || kw_in != "in" {
        return None;
    }
    let open = r + "range(".len();
    let close = open + line[open..].find(')')?;
    let args: Vec<&str> = line[open..close].split(',').map(str::trim).collect();
    let (lo, hi) = match args[..] {
        [hi] if !hi.is_empty() => ("0", hi),
        [lo, hi] => (lo, hi),
        _ => {
            return Some(
                Diagnostic::error(codes::SYNTAX, "`range(...)` is Python, not dopt")
                    .primary(Span::new(line_start + r, line_start + close + 1), "not a dopt range")
                    .note("a dopt range `a..b` runs from a up to b - 1 in steps of 1")
                    .help(format!("write `for {var} in a..b:`")),
            );
        }
    };
    let range = Span::new(line_start + r, line_start + close + 1);
    Some(
        Diagnostic::error(codes::SYNTAX, "`range(...)` is Python; a dopt `for` takes a range `a..b`")
            .primary(range, format!("write `{lo}..{hi}` here"))
            .note("`a..b` runs from a up to b - 1, as Python's `range(a, b)` does")
            .help(format!("write `for {var} in {lo}..{hi}:`")),
    )
}

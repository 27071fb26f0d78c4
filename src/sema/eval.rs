//! Compile-time evaluation: dims, integer expressions (shapes, indices, `for`
//! bounds), static numbers (atom parameters) and constant arrays.

use super::{Checker, Fail, GlobalKind, Local, MAX_CONST_ENTRIES, MAX_DIM, R, Scope, State};
use crate::diag::{Diagnostic, codes};
use crate::ir::ast::{self, BinOp, ExprKind, StmtKind, UnOp};
use crate::ir::hir::{self, Array, ConstId};
use crate::ir::shape::Shape;
use crate::source::Span;

/// Largest compile-time integer (beyond it an `f64` no longer holds every integer).
const MAX_INT: f64 = 9.0e15;

impl<'a> Checker<'a> {
    /// The value of a dim, constant or `let`, computed on first use.
    pub(crate) fn force_global(&mut self, name: &str) -> R<State> {
        self.force_global_at(name, None)
    }

    pub(crate) fn force_global_at(&mut self, name: &str, use_span: Option<Span>) -> R<State> {
        let Some(g) = self.globals.get(name) else { return Err(Fail) };
        match &g.state {
            State::Pending => {}
            State::Active => {
                let kind = g.kind.noun();
                let decl = g.name_span;
                return Err(self.error(
                    Diagnostic::error(
                        codes::RECURSION,
                        format!("the {kind} `{name}` is defined in terms of itself"),
                    )
                    .primary(use_span.unwrap_or(decl), format!("`{name}` used while computing `{name}`"))
                    .secondary(decl, "defined here"),
                ));
            }
            State::Failed => return Err(Fail),
            s => return Ok(s.clone()),
        }
        let (kind, stmt) = (g.kind, g.stmt);
        self.globals[name].state = State::Active;
        if kind != GlobalKind::Def {
            self.force_dependencies(name);
        }
        let ast = self.ast;
        let result = match (&ast.stmts[stmt].kind, kind) {
            (StmtKind::Dim { name, default }, _) => self.dim_value(name, default.as_ref()).map(State::Dim),
            (StmtKind::Constant { decl, value }, _) => self.constant(decl, value).map(State::Const),
            (StmtKind::Let { value, name }, _) => {
                let id = self.lower(value, &Scope::default());
                if let Ok(id) = id {
                    self.out.lets.push((name.name.clone(), id));
                }
                id.map(State::Let)
            }
            (StmtKind::Def { .. }, _) => Ok(State::Def),
            // Parameters and variables are declared before anything else is evaluated.
            _ => Err(Fail),
        };
        self.globals[name].state = match &result {
            Ok(s) => s.clone(),
            Err(_) => State::Failed,
        };
        result
    }

    fn dim_value(&mut self, name: &'a ast::Ident, default: Option<&'a ast::Expr>) -> R<i64> {
        let (value, source) = if let Some(v) = self.given.get(&name.name) {
            if !(1..=MAX_DIM).contains(&v) {
                return Err(Fail); // reported by check_given_dims
            }
            (v, hir::DimSource::Given)
        } else if let Some(e) = default {
            // The range first: `99999999999999999999` is an integer, just too large.
            let v = self.eval_num_inner(e, &Scope::default(), true)?;
            let in_range = (1.0..=MAX_DIM as f64).contains(&v);
            if in_range && v.fract() != 0.0 {
                return Err(self.error(
                    Diagnostic::error(
                        codes::NOT_INTEGER,
                        format!("dim `{}` = {v} is not an integer", name.name),
                    )
                    .primary(e.span, "not an integer")
                    .help(format!("a dim is an integer between 1 and {MAX_DIM}")),
                ));
            }
            if !in_range {
                return Err(self.error(
                    Diagnostic::error(codes::BAD_DIM, format!("dim `{}` = {v} is out of range", name.name))
                        .primary(e.span, format!("this is {v}"))
                        .help(format!("a dim must be between 1 and {MAX_DIM}")),
                ));
            }
            (v as i64, hir::DimSource::Default)
        } else {
            return Err(self.error(
                Diagnostic::error(codes::DIM_UNKNOWN, format!("dim `{}` has no value", name.name))
                    .primary(name.span, "no default and not given")
                    .help(format!(
                        "give `{0}` a value in the dims the problem is compiled with, or write a default (`dim {0} = 10`)",
                        name.name
                    )),
            ));
        };
        self.out.dims.insert(name.name.clone(), hir::Dim { value: value as usize, source, span: name.span });
        Ok(value)
    }

    fn constant(&mut self, decl: &'a ast::Decl, value: &'a ast::Expr) -> R<ConstId> {
        let declared = match &decl.shape {
            Some(_) => Some(self.decl_shape(decl)?),
            None => None,
        };
        let mut arr = self.eval_array(value, &Scope::default())?;
        if let Some(shape) = declared
            && arr.shape != shape
        {
            if let Some(v) = arr.as_scalar() {
                if shape.size() > MAX_CONST_ENTRIES {
                    return Err(self.too_big(decl.name.span, shape));
                }
                arr = Array::filled(shape, v);
            } else {
                return Err(self.error(
                    Diagnostic::error(
                        codes::CONSTANT_VALUE,
                        format!(
                            "`{}` is declared with shape {shape} but its value has shape {}",
                            decl.name.name, arr.shape
                        ),
                    )
                    .primary(value.span, format!("shape {}", arr.shape))
                    .secondary(decl.shape_span.unwrap_or(decl.name.span), format!("declared shape {shape}"))
                    .note("nested lists are row-major: `[[1, 2, 3], [4, 5, 6]]` has shape [2, 3]"),
                ));
            }
        }
        self.out.consts.push(hir::Const { name: Some(decl.name.name.clone()), value: arr });
        Ok(ConstId(self.out.consts.len() as u32 - 1))
    }

    fn too_big(&mut self, span: Span, shape: Shape) -> Fail {
        self.error(
            Diagnostic::error(codes::CONSTANT_VALUE, format!("a constant of shape {shape} is too large"))
                .primary(span, format!("more than {MAX_CONST_ENTRIES} entries")),
        )
    }

    /// A compile-time integer: literals, dims, `for` variables, integral scalar
    /// constants, and `+ - * /` (exact division) of these.
    pub(crate) fn eval_int(&mut self, e: &'a ast::Expr, scope: &Scope<'a>) -> R<i64> {
        let v = self.eval_num_inner(e, scope, true)?;
        if v.fract() == 0.0 && v.abs() > MAX_INT {
            return Err(self.fail(
                Diagnostic::error(codes::NOT_INTEGER, format!("the integer {v} is out of range"))
                    .primary(e.span, format!("compile-time integers lie between -{MAX_INT} and {MAX_INT}")),
                scope,
            ));
        }
        if v.fract() != 0.0 {
            return Err(self.fail(
                Diagnostic::error(codes::NOT_INTEGER, format!("expected an integer, but this is {v}"))
                    .primary(e.span, "not an integer"),
                scope,
            ));
        }
        Ok(v as i64)
    }

    /// A compile-time number (atom parameters such as `p` in `power(x, p)`).
    pub(crate) fn eval_num(&mut self, e: &'a ast::Expr, scope: &Scope<'a>) -> R<f64> {
        self.eval_num_inner(e, scope, false)
    }

    fn eval_num_inner(&mut self, e: &'a ast::Expr, scope: &Scope<'a>, int: bool) -> R<f64> {
        let what = if int { "an integer" } else { "a number" };
        let code = if int { codes::NOT_INTEGER } else { codes::NOT_STATIC };
        let v = match &e.kind {
            ExprKind::Number(v) => *v,
            ExprKind::Paren(x) | ExprKind::Unary(UnOp::Plus, x) => self.eval_num_inner(x, scope, int)?,
            ExprKind::Unary(UnOp::Neg, x) => -self.eval_num_inner(x, scope, int)?,
            ExprKind::Binary(op, a, b) if *op != BinOp::MatMul => {
                let x = self.eval_num_inner(a, scope, int)?;
                let y = self.eval_num_inner(b, scope, int)?;
                match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    _ => {
                        if y == 0.0 {
                            return Err(self.fail(
                                Diagnostic::error(code, "division by zero").primary(b.span, "this is 0"),
                                scope,
                            ));
                        }
                        if int && (x / y).fract() != 0.0 {
                            return Err(self.fail(
                                Diagnostic::error(code, format!("{x} / {y} is not an integer"))
                                    .primary(e.span, "inexact division")
                                    .help("shapes and indices must be integers"),
                                scope,
                            ));
                        }
                        x / y
                    }
                }
            }
            ExprKind::Name(n) => match scope.get(n) {
                Some(Local::Int(v)) => v as f64,
                Some(Local::Node(id)) => match self.node_scalar_value(id) {
                    Some(v) => v,
                    None => {
                        return Err(self.fail(
                            Diagnostic::error(
                                code,
                                format!(
                                    "expected {what} known when compiling, \
                                         but the argument given for `{n}` is not one"
                                ),
                            )
                            .primary(e.span, "not a compile-time value")
                            .help(format!(
                                "pass a number, a dim or a scalar constant for `{n}`, \
                                     not an expression of parameters or variables"
                            )),
                            scope,
                        ));
                    }
                },
                None => match self.globals.get(n.as_str()).map(|g| g.kind) {
                    Some(GlobalKind::Dim) | Some(GlobalKind::Constant) | Some(GlobalKind::Let) => {
                        match self.force_global_at(n, Some(e.span))? {
                            State::Dim(v) => v as f64,
                            State::Const(c) => match self.out.consts[c.index()].value.as_scalar() {
                                Some(v) => v,
                                None => {
                                    let shape = self.out.consts[c.index()].value.shape;
                                    let d = Diagnostic::error(
                                        code,
                                        format!("expected {what}, but the constant `{n}` has shape {shape}"),
                                    )
                                    .primary(e.span, "not a scalar");
                                    return Err(self.fail(d, scope));
                                }
                            },
                            State::Let(id) => {
                                match self.node_scalar_value(id) {
                                    Some(v) => v,
                                    None => {
                                        let d = Diagnostic::error(
                                            code,
                                            format!("expected {what} known when compiling, but `{n}` is an expression"),
                                        )
                                        .primary(e.span, "not a compile-time value");
                                        return Err(self.fail(d, scope));
                                    }
                                }
                            }
                            _ => return Err(Fail),
                        }
                    }
                    Some(kind) => {
                        let hint = match kind {
                            GlobalKind::Parameter => {
                                "a parameter's value is only known when the layer is called"
                            }
                            GlobalKind::Variable => "a variable's value is what the solver finds",
                            _ => "it has no compile-time value",
                        };
                        let d = Diagnostic::error(
                            code,
                            format!("expected {what} known when compiling, but `{n}` is a {}", kind.noun()),
                        )
                        .primary(e.span, format!("a {}", kind.noun()))
                        .note(hint)
                        .help(
                            "shapes, indices, `for` bounds and atom parameters such as `p` or `axis` \
                                 are numbers, dims or `for` variables",
                        );
                        return Err(self.fail(d, scope));
                    }
                    None => {
                        let d = self.unknown_name(n, e.span, &[GlobalKind::Dim, GlobalKind::Constant]);
                        return Err(self.fail(d, scope));
                    }
                },
            },
            ExprKind::Str(t) => {
                let d = super::lower::misplaced_string(t, e.span, what);
                return Err(self.fail(d, scope));
            }
            _ => {
                return Err(self.fail(
                    Diagnostic::error(code, format!("expected {what} known when compiling"))
                        .primary(e.span, "not a compile-time number")
                        .help("use numbers, dims, `for` variables, scalar constants and + - * /"),
                    scope,
                ));
            }
        };
        if !v.is_finite() {
            return Err(self.fail(
                Diagnostic::error(codes::BAD_NUMBER, "number out of range").primary(e.span, "overflows"),
                scope,
            ));
        }
        Ok(v)
    }

    /// The value of a node if it is a scalar constant.
    pub(crate) fn node_scalar_value(&self, id: hir::NodeId) -> Option<f64> {
        match &self.out.node(id).op {
            hir::Op::Const(c) => self.out.consts[c.index()].value.as_scalar(),
            _ => None,
        }
    }

    /// A constant array: a number, nested lists of numbers, `zeros(..)`, `ones(..)`,
    /// `eye(n)`, a named constant or dim, and unary minus of these.
    pub(crate) fn eval_array(&mut self, e: &'a ast::Expr, scope: &Scope<'a>) -> R<Array> {
        match &e.kind {
            ExprKind::Paren(x) | ExprKind::Unary(UnOp::Plus, x) => self.eval_array(x, scope),
            ExprKind::Unary(UnOp::Neg, x) => {
                let mut a = self.eval_array(x, scope)?;
                a.data.iter_mut().for_each(|v| *v = -*v);
                Ok(a)
            }
            ExprKind::List(items) => {
                if items.is_empty() {
                    return Err(self.fail(
                        Diagnostic::error(codes::CONSTANT_VALUE, "empty list")
                            .primary(e.span, "arrays must have at least one entry"),
                        scope,
                    ));
                }
                let mut rows = Vec::with_capacity(items.len());
                for it in items {
                    rows.push((self.eval_array(it, scope)?, it.span));
                }
                let inner = rows[0].0.shape;
                for (r, sp) in &rows {
                    if r.shape != inner {
                        return Err(self.fail(
                            Diagnostic::error(codes::CONSTANT_VALUE, "ragged nested list")
                                .primary(*sp, format!("shape {}", r.shape))
                                .secondary(rows[0].1, format!("the first entry has shape {inner}"))
                                .help("every row of a matrix literal must have the same length"),
                            scope,
                        ));
                    }
                }
                let shape = match inner.ndim() {
                    0 => Shape::vector(rows.len()),
                    1 => Shape::matrix(rows.len(), inner.dims()[0]),
                    _ => {
                        return Err(self.fail(
                            Diagnostic::error(codes::CONSTANT_VALUE, "lists nested more than two deep")
                                .primary(e.span, "arrays have at most 2 axes"),
                            scope,
                        ));
                    }
                };
                let data = rows.into_iter().flat_map(|(r, _)| r.data).collect();
                Ok(Array { shape, data })
            }
            ExprKind::Call { func, args } if super::lower::BUILTINS.contains(&func.name.as_str()) => {
                let name = func.name.as_str();
                let want = match name {
                    "eye" => 1..=1,
                    _ => 1..=2,
                };
                if !want.contains(&args.len()) || args.iter().any(|a| a.name.is_some()) {
                    let usage = match name {
                        "eye" => "`eye(n)`",
                        "zeros" => "`zeros(n)` or `zeros(m, n)`",
                        _ => "`ones(n)` or `ones(m, n)`",
                    };
                    return Err(self.fail(
                        Diagnostic::error(codes::ARITY, format!("`{name}` takes {usage}"))
                            .primary(e.span, format!("{} arguments given", args.len())),
                        scope,
                    ));
                }
                let mut dims = Vec::new();
                for a in args {
                    let v = self.eval_int(&a.value, scope)?;
                    if !(1..=MAX_DIM).contains(&v) {
                        return Err(self.fail(
                            Diagnostic::error(codes::BAD_DIM, format!("extent {v} out of range"))
                                .primary(a.value.span, format!("must be between 1 and {MAX_DIM}")),
                            scope,
                        ));
                    }
                    dims.push(v as usize);
                }
                let shape = if name == "eye" {
                    Shape::matrix(dims[0], dims[0])
                } else {
                    Shape::from_dims(&dims).expect("one or two extents")
                };
                if shape.size() > MAX_CONST_ENTRIES {
                    return Err(self.too_big(e.span, shape));
                }
                let mut a = Array::filled(shape, if name == "ones" { 1.0 } else { 0.0 });
                if name == "eye" {
                    for i in 0..dims[0] {
                        a.data[i * dims[0] + i] = 1.0;
                    }
                }
                Ok(a)
            }
            ExprKind::Name(n)
                if scope.get(n).is_none()
                    && self.globals.get(n.as_str()).map(|g| g.kind) == Some(GlobalKind::Constant) =>
            {
                match self.force_global_at(n, Some(e.span))? {
                    State::Const(c) => Ok(self.out.consts[c.index()].value.clone()),
                    _ => Err(Fail),
                }
            }
            _ => {
                let v = self.eval_num_inner(e, scope, false)?;
                Ok(Array::scalar(v))
            }
        }
    }
}

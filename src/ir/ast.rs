//! The syntax tree: what the file says, with a byte span on every node.

use crate::source::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    MatMul,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::MatMul => "@",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Plus,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
    /// Height of the tree below (1 for a leaf); the parser bounds it so that every
    /// recursive pass over expressions stays within the stack.
    pub depth: u32,
}

impl Expr {
    /// A node over `kind`, its depth computed from its children.
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        let child = |e: &Expr| e.depth;
        let d = match &kind {
            ExprKind::Number(_) | ExprKind::Name(_) => 0,
            ExprKind::Call { args, .. } => args.iter().map(|a| child(&a.value)).max().unwrap_or(0),
            ExprKind::List(items) => items.iter().map(child).max().unwrap_or(0),
            ExprKind::Unary(_, e) | ExprKind::Transpose(e) | ExprKind::Paren(e) => child(e),
            ExprKind::Binary(_, a, b) => child(a).max(child(b)),
            ExprKind::Index(e, items) => items
                .iter()
                .map(|i| match i {
                    IndexItem::Single(x) => child(x),
                    IndexItem::Slice { lo, hi, .. } => {
                        lo.as_ref().map_or(0, child).max(hi.as_ref().map_or(0, child))
                    }
                })
                .max()
                .unwrap_or(0)
                .max(child(e)),
        };
        Expr { kind, span, depth: d + 1 }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Number(f64),
    Name(String),
    Call {
        func: Ident,
        args: Vec<Arg>,
    },
    /// `[a, b, ...]`: a constant array literal.
    List(Vec<Expr>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Transpose(Box<Expr>),
    Index(Box<Expr>, Vec<IndexItem>),
    /// `( e )`, kept so that spans and the printer show what the user wrote.
    Paren(Box<Expr>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    /// `name=` for a keyword argument.
    pub name: Option<Ident>,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub enum IndexItem {
    Single(Expr),
    Slice { lo: Option<Expr>, hi: Option<Expr>, span: Span },
}

impl IndexItem {
    pub fn span(&self) -> Span {
        match self {
            IndexItem::Single(e) => e.span,
            IndexItem::Slice { span, .. } => *span,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Le,
    Ge,
    /// `>>`: the left side minus the right side is positive semidefinite.
    Psd,
    /// `<<`: the right side minus the left side is positive semidefinite.
    Nsd,
    /// `<` and `>`: parsed so that the error can say what to write instead.
    Lt,
    Gt,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Le => "<=",
            CmpOp::Ge => ">=",
            CmpOp::Psd => ">>",
            CmpOp::Nsd => "<<",
            CmpOp::Lt => "<",
            CmpOp::Gt => ">",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sense {
    Minimize,
    Maximize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ForClause {
    pub var: Ident,
    pub lo: Expr,
    pub hi: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConstraintStmt {
    pub label: Option<Ident>,
    pub fors: Vec<ForClause>,
    /// First operand, then each comparison with its right operand: `a <= b <= c`.
    pub first: Expr,
    pub rest: Vec<(CmpOp, Span, Expr)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Decl {
    pub name: Ident,
    /// `None` for a scalar written without brackets.
    pub shape: Option<Vec<Expr>>,
    pub shape_span: Option<Span>,
    pub attrs: Vec<Ident>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    Dim { name: Ident, default: Option<Expr> },
    Parameter(Decl),
    Variable(Decl),
    Constant { decl: Decl, value: Expr },
    Let { name: Ident, value: Expr },
    Def { name: Ident, params: Vec<Ident>, body: Expr },
    Objective { sense: Sense, expr: Expr },
    SubjectTo,
    Output(Vec<Ident>),
    Constraint(ConstraintStmt),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Program {
    pub stmts: Vec<Stmt>,
}

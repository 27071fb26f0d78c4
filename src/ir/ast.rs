//! The syntax tree: what the file says, with a byte span on every node.

use crate::source::Span;

/// A name as written, with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    /// The identifier text.
    pub name: String,
    /// Bytes of the identifier in the source.
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// A binary operator.
pub enum BinOp {
    /// `+`, broadcasting.
    Add,
    /// `-`, broadcasting.
    Sub,
    /// `*`: elementwise (same shapes or one side scalar).
    Mul,
    /// `/`: division by a constant.
    Div,
    /// `@`: matrix product (numpy `matmul` for 1- and 2-d operands).
    MatMul,
}

impl BinOp {
    /// The operator as written in a `.dopt` file.
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
/// A prefix sign.
pub enum UnOp {
    /// `-e`.
    Neg,
    /// `+e` (the identity; kept so the printer shows what was written).
    Plus,
}

/// An expression node.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What the node is.
    pub kind: ExprKind,
    /// Bytes of the whole expression in the source.
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
            ExprKind::Number(_) | ExprKind::Name(_) | ExprKind::Str(_) => 0,
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
/// The kinds of expression.
pub enum ExprKind {
    /// A numeric literal (a leading `-` is a [`UnOp::Neg`], not part of the number).
    Number(f64),
    /// A reference to a dim, parameter, variable, constant, `let`, `def` argument or
    /// `for` variable; resolved by `sema`.
    Name(String),
    /// A string literal (its text without the quotes): only accepted as a
    /// compile-time atom argument naming a choice, such as `norm(X, "fro")`.
    Str(String),
    /// `func(args)`: an atom, a `def`, or a constant builder (`zeros`, `ones`, `eye`).
    Call {
        /// The called name.
        func: Ident,
        /// Positional and keyword arguments, in written order.
        args: Vec<Arg>,
    },
    /// `[a, b, ...]`: a constant array literal.
    List(Vec<Expr>),
    /// A prefix sign applied to an operand.
    Unary(UnOp, Box<Expr>),
    /// `lhs op rhs`.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `e.T` (of a vector: the vector).
    Transpose(Box<Expr>),
    /// `e[i, j:k, ...]`: one item per indexed axis.
    Index(Box<Expr>, Vec<IndexItem>),
    /// `( e )`, kept so that spans and the printer show what the user wrote.
    Paren(Box<Expr>),
}

/// One argument of a call.
#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    /// `name=` for a keyword argument.
    pub name: Option<Ident>,
    /// The argument expression.
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
/// One axis of an index expression (0-based; negative values count from the end).
pub enum IndexItem {
    /// `i`: picks one position and drops the axis.
    Single(Expr),
    /// `lo:hi`, end-exclusive; a missing bound means the start or the end of the axis.
    Slice {
        /// The first position kept (`None`: 0).
        lo: Option<Expr>,
        /// One past the last position kept (`None`: the axis length).
        hi: Option<Expr>,
        /// Bytes of the whole slice, colon included.
        span: Span,
    },
}

impl IndexItem {
    /// Bytes of the item in the source.
    pub fn span(&self) -> Span {
        match self {
            IndexItem::Single(e) => e.span,
            IndexItem::Slice { span, .. } => *span,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// A comparison in a constraint (elementwise unless semidefinite).
pub enum CmpOp {
    /// `==`.
    Eq,
    /// `<=`.
    Le,
    /// `>=`.
    Ge,
    /// `>>`: the left side minus the right side is positive semidefinite.
    Psd,
    /// `<<`: the right side minus the left side is positive semidefinite.
    Nsd,
    /// `<` and `>`: parsed so that the error can say what to write instead.
    Lt,
    /// `>`: rejected like `<`.
    Gt,
}

impl CmpOp {
    /// The operator as written in a `.dopt` file.
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
/// The direction of the objective.
pub enum Sense {
    /// `minimize EXPR` (EXPR convex).
    Minimize,
    /// `maximize EXPR` (EXPR concave).
    Maximize,
}

/// `for VAR in LO..HI:` in front of a constraint (LO inclusive, HI exclusive).
#[derive(Clone, Debug, PartialEq)]
pub struct ForClause {
    /// The loop variable, usable in index expressions of the constraint.
    pub var: Ident,
    /// First value (an integer expression of dims and literals).
    pub lo: Expr,
    /// One past the last value.
    pub hi: Expr,
    /// Bytes of the whole clause, `for` to the colon.
    pub span: Span,
}

/// A constraint line: optional label, `for` clauses, then a comparison chain.
#[derive(Clone, Debug, PartialEq)]
pub struct ConstraintStmt {
    /// `name:` before the constraint; named constraints expose their duals.
    pub label: Option<Ident>,
    /// The `for` clauses, outermost first.
    pub fors: Vec<ForClause>,
    /// First operand, then each comparison with its right operand: `a <= b <= c`.
    pub first: Expr,
    /// Each comparison (operator, the operator's bytes, right operand); a chain of k
    /// comparisons is k constraints.
    pub rest: Vec<(CmpOp, Span, Expr)>,
}

/// The common part of a `parameter`, `variable` or `constant` declaration.
#[derive(Clone, Debug, PartialEq)]
pub struct Decl {
    /// The declared name.
    pub name: Ident,
    /// `None` for a scalar written without brackets.
    pub shape: Option<Vec<Expr>>,
    /// Bytes of `[...]`, when written.
    pub shape_span: Option<Span>,
    /// Attribute names (`nonneg`, `psd`, ...) as written; validated by `sema`.
    pub attrs: Vec<Ident>,
}

/// The kinds of statement (one a line).
#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `dim n` or `dim n = 10`: a size symbol.
    Dim {
        /// The dim's name.
        name: Ident,
        /// The value used when neither the caller nor a parameter value gives one.
        default: Option<Expr>,
    },
    /// `parameter NAME[SHAPE] ATTR*`: an input given at every call.
    Parameter(Decl),
    /// `variable NAME[SHAPE] ATTR*`: a decision variable (attributes are constraints).
    Variable(Decl),
    /// `constant NAME[SHAPE] = VALUE`.
    Constant {
        /// Name, shape and attributes.
        decl: Decl,
        /// A number, a nested list, or `zeros(…)`, `ones(…)`, `eye(n)`.
        value: Expr,
    },
    /// `let NAME = EXPR`: a named, shared expression.
    Let {
        /// The bound name.
        name: Ident,
        /// The bound expression.
        value: Expr,
    },
    /// `def NAME(a, b, …) = EXPR`: a function expanded inline at each call.
    Def {
        /// The function's name.
        name: Ident,
        /// Formal parameter names, in order.
        params: Vec<Ident>,
        /// The body, over the formal parameters and file-level names.
        body: Expr,
    },
    /// `minimize EXPR` or `maximize EXPR`.
    Objective {
        /// Minimize or maximize.
        sense: Sense,
        /// The scalar objective.
        expr: Expr,
    },
    /// `subject to`: the constraints follow.
    SubjectTo,
    /// `geometric`: the problem is a geometric program, checked by the DGP rules and
    /// solved through the log change of variables (`dgp`).
    Geometric,
    /// `output a, b, …`: the variables a layer returns, in this order.
    Output(Vec<Ident>),
    /// One constraint line.
    Constraint(ConstraintStmt),
}

/// A statement with the bytes of its line.
#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    /// What the statement is.
    pub kind: StmtKind,
    /// Bytes of the whole statement.
    pub span: Span,
}

/// A parsed `.dopt` file.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Program {
    /// The statements in file order.
    pub stmts: Vec<Stmt>,
}

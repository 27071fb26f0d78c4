//! The resolved, shape-checked program: an expression DAG in an arena addressed by
//! [`NodeId`], plus tables of dims, parameters, variables and constants. Analyses
//! keep their results in side tables indexed by id; nothing here is mutated later.

pub use crate::ir::array::{Array, Attrs};
use crate::ir::ast::Sense;
use crate::ir::shape::Shape;
use crate::source::Span;
use indexmap::IndexMap;

macro_rules! id_type {
    ($($(#[$m:meta])* $name:ident),*) => {$(
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);
        impl $name {
            /// The id as an index into its table.
            pub fn index(self) -> usize { self.0 as usize }
        }
    )*};
}

id_type!(
    /// An expression node in [`Program::nodes`].
    NodeId,
    /// A parameter in [`Program::params`].
    ParamId,
    /// A variable in [`Program::vars`].
    VarId,
    /// A constant array in [`Program::consts`].
    ConstId,
    /// An atom of the atom library, called by [`Op::Atom`] (`atoms::ATOMS` indexes
    /// it; the atoms module maps it to its implementation).
    AtomId
);

/// One axis of an indexing operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sel {
    /// A single position: the axis is dropped.
    At(usize),
    /// Positions `start..end`: the axis is kept with extent `end - start`.
    Range(usize, usize),
}

/// The operation of a node; operands are earlier nodes of the arena.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// A constant array (named or a literal).
    Const(ConstId),
    /// A parameter's value.
    Param(ParamId),
    /// A variable.
    Var(VarId),
    /// −a.
    Neg(NodeId),
    /// a + b with broadcasting.
    Add(NodeId, NodeId),
    /// a − b with broadcasting.
    Sub(NodeId, NodeId),
    /// Elementwise product with broadcasting.
    Mul(NodeId, NodeId),
    /// Elementwise division with broadcasting.
    Div(NodeId, NodeId),
    /// numpy's `@`.
    MatMul(NodeId, NodeId),
    /// numpy's `.T` (a vector or scalar is unchanged).
    Transpose(NodeId),
    /// One selection per axis of the operand.
    Index(NodeId, Vec<Sel>),
    /// An atom applied to expression arguments, with its compile-time arguments
    /// (defaults applied; `None` for an omitted optional one).
    Atom(AtomId, Vec<NodeId>, Vec<Option<f64>>),
}

impl Op {
    /// The expression operands, in order.
    pub fn args(&self) -> Vec<NodeId> {
        match self {
            Op::Const(_) | Op::Param(_) | Op::Var(_) => vec![],
            Op::Neg(a) | Op::Transpose(a) | Op::Index(a, _) => vec![*a],
            Op::Add(a, b) | Op::Sub(a, b) | Op::Mul(a, b) | Op::Div(a, b) | Op::MatMul(a, b) => vec![*a, *b],
            Op::Atom(_, args, _) => args.clone(),
        }
    }
}

/// One expression node of the DAG.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// What the node computes.
    pub op: Op,
    /// The shape of its value.
    pub shape: Shape,
    /// Where the expression was written (inside a `def` body for expanded calls).
    pub span: Span,
}

/// Where a dim's value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DimSource {
    /// Given on the command line or through the API.
    Given,
    /// The default written in the file.
    Default,
}

/// A dim with its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Dim {
    /// The value, at least 1.
    pub value: usize,
    /// Given by the caller or the file's default.
    pub source: DimSource,
    /// The span of the name in its `dim` statement.
    pub span: Span,
}

/// A parameter or a variable.
#[derive(Clone, Debug, PartialEq)]
pub struct Decl {
    /// The declared name.
    pub name: String,
    /// The shape with dims substituted.
    pub shape: Shape,
    /// The shape as written, e.g. `[m, n]` (empty for a scalar).
    pub shape_text: String,
    /// The declared attributes.
    pub attrs: Attrs,
    /// The span of the name in its declaration.
    pub span: Span,
}

/// A constant array: a `constant` declaration or a literal.
#[derive(Clone, Debug, PartialEq)]
pub struct Const {
    /// The declared name (`None` for a literal in an expression).
    pub name: Option<String>,
    /// The value.
    pub value: Array,
}

/// The comparison of a checked constraint (`<` and `>` are rejected by `sema`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpKind {
    /// `lhs == rhs`, elementwise.
    Eq,
    /// `lhs <= rhs`, elementwise.
    Le,
    /// `lhs >= rhs`, elementwise.
    Ge,
    /// `lhs >> rhs`: lhs − rhs is positive semidefinite.
    Psd,
    /// `lhs << rhs`: rhs − lhs is positive semidefinite.
    Nsd,
}

impl CmpKind {
    /// The operator as written in a `.dopt` file.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpKind::Eq => "==",
            CmpKind::Le => "<=",
            CmpKind::Ge => ">=",
            CmpKind::Psd => ">>",
            CmpKind::Nsd => "<<",
        }
    }
}

/// One constraint `lhs kind rhs` (a chain or a `for` gives several).
#[derive(Clone, Debug, PartialEq)]
pub struct Constraint {
    /// The label of the statement, shared by every constraint it gives.
    pub label: Option<String>,
    /// The comparison.
    pub kind: CmpKind,
    /// Left operand.
    pub lhs: NodeId,
    /// Right operand.
    pub rhs: NodeId,
    /// The broadcast shape of the two sides.
    pub shape: Shape,
    /// The comparison as written (both operands and the operator).
    pub span: Span,
    /// Index of the statement it came from (a chain or a `for` gives several).
    pub stmt: usize,
    /// Values of the enclosing `for` variables.
    pub iteration: Vec<(String, i64)>,
}

/// The objective.
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    /// Minimize or maximize.
    pub sense: Sense,
    /// The scalar objective expression.
    pub expr: NodeId,
    /// The whole `minimize …`/`maximize …` statement.
    pub span: Span,
}

/// A checked program (the output of [`sema::check`](crate::sema::check)).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Program {
    /// Every dim with its value, in declaration order.
    pub dims: IndexMap<String, Dim>,
    /// Parameters in declaration order ([`ParamId`] indexes this).
    pub params: Vec<Decl>,
    /// Variables in declaration order ([`VarId`] indexes this).
    pub vars: Vec<Decl>,
    /// Named constants and literals ([`ConstId`] indexes this).
    pub consts: Vec<Const>,
    /// The expression arena ([`NodeId`] indexes this); operands precede their users.
    pub nodes: Vec<Node>,
    /// `None` for a feasibility problem.
    pub objective: Option<Objective>,
    /// The constraints in file order, `for`s unrolled and chains split.
    pub constraints: Vec<Constraint>,
    /// The variables the layer returns, in order.
    pub outputs: Vec<VarId>,
    /// Each `let` with the node it names (in the order they were evaluated).
    pub lets: Vec<(String, NodeId)>,
    /// The `geometric` statement, when the problem is marked as a geometric program
    /// (kept on the log-transformed program that `dgp` makes of it).
    pub geometric: Option<Span>,
}

impl Program {
    /// The node `id` (panics on an id of another program).
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }
}

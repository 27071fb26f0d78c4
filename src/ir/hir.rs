//! The resolved, shape-checked program: an expression DAG in an arena addressed by
//! [`NodeId`], plus tables of dims, parameters, variables and constants. Analyses
//! keep their results in side tables indexed by id; nothing here is mutated later.

use crate::atoms::AtomId;
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
    ConstId
);

/// A dense array in row-major order (the layout of the JSON files).
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    pub shape: Shape,
    pub data: Vec<f64>,
}

impl Array {
    pub fn scalar(v: f64) -> Array {
        Array { shape: Shape::SCALAR, data: vec![v] }
    }
    /// A vector `[data.len()]`.
    pub fn vector(data: &[f64]) -> Array {
        Array { shape: Shape::vector(data.len()), data: data.to_vec() }
    }
    /// An `m × n` matrix from its entries in row-major order; `None` when the count is
    /// not `m·n`.
    pub fn matrix(m: usize, n: usize, data: &[f64]) -> Option<Array> {
        (data.len() == m * n).then(|| Array { shape: Shape::matrix(m, n), data: data.to_vec() })
    }
    pub fn filled(shape: Shape, v: f64) -> Array {
        Array { shape, data: vec![v; shape.size()] }
    }
    /// The entry at row `i`, column `j` (vectors are columns: `j = 0`).
    pub fn at(&self, i: usize, j: usize) -> f64 {
        let (_, cols) = self.shape.rows_cols();
        self.data[i * cols + j]
    }
    pub fn as_scalar(&self) -> Option<f64> {
        (self.data.len() == 1 && self.shape.is_scalar()).then(|| self.data[0])
    }
}

/// One axis of an indexing operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sel {
    /// A single position: the axis is dropped.
    At(usize),
    /// Positions `start..end`: the axis is kept with extent `end - start`.
    Range(usize, usize),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Const(ConstId),
    Param(ParamId),
    Var(VarId),
    Neg(NodeId),
    Add(NodeId, NodeId),
    Sub(NodeId, NodeId),
    /// Elementwise product with broadcasting.
    Mul(NodeId, NodeId),
    /// Elementwise division with broadcasting.
    Div(NodeId, NodeId),
    /// numpy's `@`.
    MatMul(NodeId, NodeId),
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

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub op: Op,
    pub shape: Shape,
    /// Where the expression was written (inside a `def` body for expanded calls).
    pub span: Span,
}

/// Declared attributes of a parameter or variable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Attrs {
    pub nonneg: bool,
    pub nonpos: bool,
    pub symmetric: bool,
    pub psd: bool,
    pub nsd: bool,
}

impl Attrs {
    pub fn names(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        for (on, name) in [
            (self.nonneg, "nonneg"),
            (self.nonpos, "nonpos"),
            (self.symmetric, "symmetric"),
            (self.psd, "psd"),
            (self.nsd, "nsd"),
        ] {
            if on {
                v.push(name);
            }
        }
        v
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DimSource {
    /// Given on the command line or through the API.
    Given,
    /// The default written in the file.
    Default,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Dim {
    pub value: usize,
    pub source: DimSource,
    pub span: Span,
}

/// A parameter or a variable.
#[derive(Clone, Debug, PartialEq)]
pub struct Decl {
    pub name: String,
    pub shape: Shape,
    /// The shape as written, e.g. `[m, n]` (empty for a scalar).
    pub shape_text: String,
    pub attrs: Attrs,
    /// The span of the name in its declaration.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Const {
    /// The declared name (`None` for a literal in an expression).
    pub name: Option<String>,
    pub value: Array,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpKind {
    Eq,
    Le,
    Ge,
    /// `lhs >> rhs`: lhs − rhs is positive semidefinite.
    Psd,
    /// `lhs << rhs`: rhs − lhs is positive semidefinite.
    Nsd,
}

impl CmpKind {
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

#[derive(Clone, Debug, PartialEq)]
pub struct Constraint {
    pub label: Option<String>,
    pub kind: CmpKind,
    pub lhs: NodeId,
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

#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    pub sense: Sense,
    pub expr: NodeId,
    pub span: Span,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Program {
    pub dims: IndexMap<String, Dim>,
    pub params: Vec<Decl>,
    pub vars: Vec<Decl>,
    pub consts: Vec<Const>,
    pub nodes: Vec<Node>,
    pub objective: Option<Objective>,
    pub constraints: Vec<Constraint>,
    /// The variables the layer returns, in order.
    pub outputs: Vec<VarId>,
    /// Each `let` with the node it names (in the order they were evaluated).
    pub lets: Vec<(String, NodeId)>,
}

impl Program {
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }
    pub fn param_by_name(&self, name: &str) -> Option<ParamId> {
        self.params.iter().position(|p| p.name == name).map(|i| ParamId(i as u32))
    }
    pub fn var_by_name(&self, name: &str) -> Option<VarId> {
        self.vars.iter().position(|p| p.name == name).map(|i| VarId(i as u32))
    }
}

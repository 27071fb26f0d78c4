//! Names, dims and shapes: the syntax tree becomes a resolved, shape-checked
//! [`hir::Program`]. Every semantic error of the file is collected, not just the first.
//!
//! Globals are registered first, so declarations may be used before the line that
//! declares them; dims, constants and `let`s are evaluated on demand with cycle
//! detection. `def`s are expanded inline at each call; `for` constraints are unrolled.

mod eval;
pub mod listing;
mod lower;

pub use lower::{MAX_DEF_NODES, MAX_NODES};

use crate::diag::{Diagnostic, codes, suggest};
use crate::ir::ast::{self, StmtKind};
use crate::ir::hir::{self, Attrs, CmpKind, NodeId, ParamId, VarId};
use crate::ir::shape::Shape;
use crate::source::Span;
use indexmap::IndexMap;
use std::collections::HashMap;

/// Dim values given from outside the file (command line or API). Each value
/// overrides the file's default; dims not given take the default, and a dim with
/// neither is an error (E0301) at [`Problem::compile`](crate::Problem::compile). A value
/// outside 1..=[`MAX_DIM`], or a name that is not a dim of the file, is E0701 there.
///
/// ```
/// use dopt::Dims;
///
/// let dims = Dims::new().with("m", 20).with("n", 10);
/// assert_eq!((dims.get("n"), dims.get("k")), (Some(10), None));
/// let names: Vec<&str> = dims.iter().map(|(k, _)| k).collect();
/// assert_eq!(names, ["m", "n"]); // insertion order
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dims {
    values: IndexMap<String, i64>,
}

impl Dims {
    /// No dims given.
    pub fn new() -> Dims {
        Dims::default()
    }
    /// Builder form: `Dims::new().with("n", 10)` (a later value for the same name
    /// replaces the earlier one).
    pub fn with(mut self, name: &str, value: i64) -> Dims {
        self.values.insert(name.to_string(), value);
        self
    }
    /// Give `name` the value `value` (replacing an earlier one).
    pub fn set(&mut self, name: &str, value: i64) {
        self.values.insert(name.to_string(), value);
    }
    /// The value given for `name`.
    pub fn get(&self, name: &str) -> Option<i64> {
        self.values.get(name).copied()
    }
    /// The given dims in the order they were first given.
    pub fn iter(&self) -> impl Iterator<Item = (&str, i64)> {
        self.values.iter().map(|(k, v)| (k.as_str(), *v))
    }
}

/// Largest accepted dim value and array size: beyond this a typo is likelier than intent.
pub const MAX_DIM: i64 = 1 << 31;
/// Most entries a constant array may have (`zeros(n, n)` and friends).
pub const MAX_CONST_ENTRIES: usize = 50_000_000;
/// Most constraint instances a `for` statement may unroll to.
pub const MAX_FOR_INSTANCES: usize = 1_000_000;

/// Resolve names, evaluate dims, check shapes and build the IR.
pub fn check(program: &ast::Program, dims: &Dims) -> Result<hir::Program, Vec<Diagnostic>> {
    let mut c = Checker::new(program, dims);
    c.run();
    // Report in file order (parameters and variables are checked before the other
    // statements, and dims on first use); errors without a location come first.
    c.diags.sort_by_key(|d| d.primary_span().map(|s| s.start));
    if c.diags.iter().any(|d| d.is_error()) { Err(c.diags) } else { Ok(c.out) }
}

/// Raised after an error has been recorded (or for a name whose declaration already
/// failed): the current statement is abandoned, the rest of the file goes on.
#[derive(Debug)]
pub(crate) struct Fail;
pub(crate) type R<T> = Result<T, Fail>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GlobalKind {
    Dim,
    Parameter,
    Variable,
    Constant,
    Let,
    Def,
}

impl GlobalKind {
    pub(crate) fn noun(self) -> &'static str {
        match self {
            GlobalKind::Dim => "dim",
            GlobalKind::Parameter => "parameter",
            GlobalKind::Variable => "variable",
            GlobalKind::Constant => "constant",
            GlobalKind::Let => "let",
            GlobalKind::Def => "def",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) enum State {
    Pending,
    Active,
    Failed,
    Dim(i64),
    Param(ParamId),
    Var(VarId),
    Const(hir::ConstId),
    Let(NodeId),
    Def,
}

pub(crate) struct Global {
    pub kind: GlobalKind,
    pub stmt: usize,
    pub name_span: Span,
    pub state: State,
}

/// A name bound inside an expression: a `def` parameter or a `for` variable.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Local {
    Node(NodeId),
    Int(i64),
}

#[derive(Clone, Default)]
pub(crate) struct Scope<'a> {
    pub locals: Vec<(&'a str, Local)>,
    /// Call sites of the `def`s being expanded (innermost last), for messages.
    pub calls: Vec<(&'a str, Span)>,
}

impl Scope<'_> {
    pub(crate) fn get(&self, name: &str) -> Option<Local> {
        self.locals.iter().rev().find(|(n, _)| *n == name).map(|(_, l)| *l)
    }
}

pub(crate) struct Checker<'a> {
    pub ast: &'a ast::Program,
    pub given: &'a Dims,
    pub diags: Vec<Diagnostic>,
    pub globals: IndexMap<&'a str, Global>,
    pub out: hir::Program,
    pub param_nodes: HashMap<ParamId, NodeId>,
    pub var_nodes: HashMap<VarId, NodeId>,
    /// `def`s that take part in a call cycle (already reported).
    pub recursive_defs: Vec<&'a str>,
    /// Expanded `def` calls by (def, argument nodes): a second call with the same
    /// arguments shares the first one's nodes.
    pub def_calls: HashMap<(&'a str, Vec<NodeId>), NodeId>,
    /// The outermost `def` call being expanded, with its node budget.
    pub expansion: Option<lower::Expansion<'a>>,
}

const ATTRIBUTES: &[&str] = &["nonneg", "nonpos", "symmetric", "psd", "nsd"];

impl<'a> Checker<'a> {
    fn new(ast: &'a ast::Program, given: &'a Dims) -> Checker<'a> {
        Checker {
            ast,
            given,
            diags: Vec::new(),
            globals: IndexMap::new(),
            out: hir::Program::default(),
            param_nodes: HashMap::new(),
            var_nodes: HashMap::new(),
            recursive_defs: Vec::new(),
            def_calls: HashMap::new(),
            expansion: None,
        }
    }

    pub(crate) fn error(&mut self, d: Diagnostic) -> Fail {
        self.diags.push(d);
        Fail
    }

    fn run(&mut self) {
        self.register_globals();
        self.check_given_dims();
        self.check_def_cycles();
        let mut seen_subject_to: Option<Span> = None;
        let mut objective_span: Option<Span> = None;
        let mut output_span: Option<Span> = None;
        let mut labels: HashMap<&str, Span> = HashMap::new();
        let ast = self.ast;
        // Parameters and variables first, in file order, so that their ids follow
        // the declarations and any expression may use them.
        for (i, stmt) in ast.stmts.iter().enumerate() {
            if let StmtKind::Parameter(d) | StmtKind::Variable(d) = &stmt.kind
                && self.owns(&d.name, i)
            {
                let _ = self.declare(d, matches!(stmt.kind, StmtKind::Parameter(_)));
            }
        }
        for (i, stmt) in ast.stmts.iter().enumerate() {
            match &stmt.kind {
                StmtKind::Dim { name, .. }
                | StmtKind::Constant { decl: ast::Decl { name, .. }, .. }
                | StmtKind::Let { name, .. } => {
                    if self.owns(name, i) {
                        let _ = self.force_global(&name.name);
                    }
                }
                StmtKind::Parameter(_) | StmtKind::Variable(_) | StmtKind::Def { .. } => {}
                StmtKind::Objective { sense, expr } => {
                    if let Some(prev) = objective_span {
                        self.diags.push(
                            Diagnostic::error(codes::TWO_OBJECTIVES, "a problem has at most one objective")
                                .primary(stmt.span, "second objective")
                                .secondary(prev, "first objective here")
                                .help("combine the terms into one expression, e.g. `minimize f + g`"),
                        );
                        continue;
                    }
                    objective_span = Some(stmt.span);
                    let _ = self.objective(*sense, expr, stmt.span);
                }
                StmtKind::SubjectTo => {
                    if let Some(prev) = seen_subject_to {
                        self.diags.push(
                            Diagnostic::error(codes::MISPLACED, "`subject to` appears twice")
                                .primary(stmt.span, "second `subject to`")
                                .secondary(prev, "the constraints already started here"),
                        );
                    }
                    seen_subject_to.get_or_insert(stmt.span);
                }
                StmtKind::Geometric => {
                    if let Some(prev) = self.out.geometric {
                        self.diags.push(
                            Diagnostic::error(codes::MISPLACED, "`geometric` appears twice")
                                .primary(stmt.span, "second `geometric`")
                                .secondary(prev, "the problem is already marked here"),
                        );
                    }
                    self.out.geometric.get_or_insert(stmt.span);
                }
                StmtKind::Output(names) => {
                    if let Some(prev) = output_span {
                        self.diags.push(
                            Diagnostic::error(codes::MISPLACED, "`output` appears twice")
                                .primary(stmt.span, "second `output`")
                                .secondary(prev, "first `output` here")
                                .help("list all returned variables in one `output` statement"),
                        );
                        continue;
                    }
                    output_span = Some(stmt.span);
                    self.outputs(names);
                }
                StmtKind::Constraint(cs) => {
                    if seen_subject_to.is_none() {
                        self.diags.push(
                            Diagnostic::error(codes::MISPLACED, "constraint before `subject to`")
                                .primary(stmt.span, "this line reads as a constraint")
                                .help("write `subject to` on a line of its own before the constraints"),
                        );
                        continue;
                    }
                    if let Some(l) = &cs.label
                        && let Some(prev) = labels.insert(l.name.as_str(), l.span)
                    {
                        self.diags.push(
                            Diagnostic::error(
                                codes::DUPLICATE,
                                format!("two constraints are named `{}`", l.name),
                            )
                            .primary(l.span, "second constraint of this name")
                            .secondary(prev, "first named here")
                            .help("a name identifies one constraint (and its dual value): rename one"),
                        );
                    }
                    let _ = self.constraint(i, cs, stmt.span);
                }
            }
        }
        if output_span.is_none() {
            self.out.outputs = (0..self.out.vars.len() as u32).map(VarId).collect();
        }
        // Dims in declaration order (they were evaluated on demand).
        let order: Vec<&str> =
            self.globals.iter().filter(|(_, g)| g.kind == GlobalKind::Dim).map(|(n, _)| *n).collect();
        let mut dims = std::mem::take(&mut self.out.dims);
        for n in order {
            if let Some(d) = dims.shift_remove(n) {
                self.out.dims.insert(n.to_string(), d);
            }
        }
    }

    /// Before the dim, constant or `let` `root` is computed: compute the ones its value
    /// depends on (not yet computed), deepest first, found with an explicit stack. Each
    /// is then computed with its own operands already known, so no recursion runs along
    /// a chain of `let`s or dims, however long and however the file orders it. A cycle
    /// is left to [`Self::force_global`] to report (its recursion is bounded by the
    /// cycle's length). `def` bodies are followed only from a `let` (only a `let` can
    /// call a `def`).
    pub(crate) fn force_dependencies(&mut self, root: &str) {
        let Some((&root, g)) = self.globals.get_key_value(root) else { return };
        let through_defs = g.kind == GlobalKind::Let;
        let mut order: Vec<&'a str> = Vec::new();
        let mut seen: std::collections::HashSet<&'a str> = std::collections::HashSet::new();
        let mut stack: Vec<(&'a str, Vec<&'a str>, usize)> = Vec::new();
        seen.insert(root);
        stack.push((root, self.dependencies(root, through_defs), 0));
        while let Some((name, deps, next)) = stack.last_mut() {
            match deps.get(*next) {
                Some(&dep) => {
                    *next += 1;
                    if seen.insert(dep) {
                        let deps = self.dependencies(dep, through_defs);
                        stack.push((dep, deps, 0));
                    }
                }
                None => {
                    if *name != root {
                        order.push(name);
                    }
                    stack.pop();
                }
            }
        }
        for name in order {
            let g = &self.globals[name];
            if g.kind != GlobalKind::Def && matches!(g.state, State::Pending) {
                let _ = self.force_global(name);
            }
        }
    }

    /// The not yet computed dims, constants and `let`s (and the `def`s, through which
    /// they may be reached) that the value of global `name` mentions. Those being
    /// computed are left out: using one is a cycle, reported where it is used.
    fn dependencies(&self, name: &str, through_defs: bool) -> Vec<&'a str> {
        let Some(g) = self.globals.get(name) else { return Vec::new() };
        let ast = self.ast;
        let mut names = Vec::new();
        let mut params: &[ast::Ident] = &[];
        match &ast.stmts[g.stmt].kind {
            StmtKind::Dim { default, .. } => default.iter().for_each(|e| names_in(e, &mut names)),
            StmtKind::Constant { decl, value } => {
                decl.shape.iter().flatten().for_each(|e| names_in(e, &mut names));
                names_in(value, &mut names);
            }
            StmtKind::Let { value, .. } => names_in(value, &mut names),
            StmtKind::Def { params: p, body, .. } => {
                params = p;
                names_in(body, &mut names);
            }
            _ => {}
        }
        let mut out: Vec<&'a str> = Vec::new();
        for (n, _, _) in names {
            if params.iter().any(|p| p.name == n) || out.contains(&n) {
                continue;
            }
            if let Some((&key, dep)) = self.globals.get_key_value(n)
                && (matches!(dep.kind, GlobalKind::Dim | GlobalKind::Constant | GlobalKind::Let)
                    || (through_defs && dep.kind == GlobalKind::Def))
                && matches!(dep.state, State::Pending)
            {
                out.push(key);
            }
        }
        out
    }

    /// The statement `i` is the (first) declaration of `name`.
    fn owns(&self, name: &ast::Ident, i: usize) -> bool {
        self.globals.get(name.name.as_str()).is_some_and(|g| g.stmt == i)
    }

    fn register_globals(&mut self) {
        let ast = self.ast;
        for (i, stmt) in ast.stmts.iter().enumerate() {
            let (name, kind) = match &stmt.kind {
                StmtKind::Dim { name, .. } => (name, GlobalKind::Dim),
                StmtKind::Parameter(d) => (&d.name, GlobalKind::Parameter),
                StmtKind::Variable(d) => (&d.name, GlobalKind::Variable),
                StmtKind::Constant { decl, .. } => (&decl.name, GlobalKind::Constant),
                StmtKind::Let { name, .. } => (name, GlobalKind::Let),
                StmtKind::Def { name, .. } => (name, GlobalKind::Def),
                _ => continue,
            };
            if let Some(prev) = self.globals.get(name.name.as_str()) {
                let d = Diagnostic::error(codes::DUPLICATE, format!("`{}` is declared twice", name.name))
                    .primary(name.span, format!("second declaration (as a {})", kind.noun()))
                    .secondary(prev.name_span, format!("first declared here (as a {})", prev.kind.noun()))
                    .help("rename one of them");
                self.diags.push(d);
                continue;
            }
            if crate::atoms::lookup(&name.name).is_some() {
                self.diags.push(
                    Diagnostic::error(codes::DUPLICATE, format!("`{}` is the name of an atom", name.name))
                        .primary(name.span, "this would hide the atom")
                        .help("choose another name"),
                );
            } else if lower::BUILTINS.contains(&name.name.as_str()) {
                self.diags.push(
                    Diagnostic::error(codes::DUPLICATE, format!("`{}` is a built-in function", name.name))
                        .primary(name.span, "this would hide the built-in")
                        .help("choose another name"),
                );
            }
            self.globals.insert(
                name.name.as_str(),
                Global { kind, stmt: i, name_span: name.span, state: State::Pending },
            );
        }
    }

    /// Given dims ([`Dims`], `--dim` on the command line) that do not fit the file.
    /// The wording names no command-line flag (the CLI adds that); they come from outside
    /// the source, but each message points at the place in the file it concerns: the
    /// dim, the declaration of a name that is not a dim, or the file's dims.
    fn check_given_dims(&mut self) {
        let given = self.given;
        for (name, value) in given.iter() {
            match self.globals.get(name) {
                Some(g) if g.kind == GlobalKind::Dim => {
                    if !(1..=MAX_DIM).contains(&value) {
                        let span = g.name_span;
                        self.diags.push(
                            Diagnostic::error(
                                codes::BAD_DIM_ARG,
                                format!(
                                    "dim `{name}` is given {value}, out of range: a dim must be between 1 and {MAX_DIM}"
                                ),
                            )
                            .primary(span, format!("the value given for `{name}` is {value}")),
                        );
                    }
                }
                Some(g) => {
                    let noun = g.kind.noun();
                    let span = g.name_span;
                    self.diags.push(
                        Diagnostic::error(
                            codes::BAD_DIM_ARG,
                            format!("`{name}` is given a value as a dim, but it is a {noun}, not a dim"),
                        )
                        .primary(span, format!("`{name}` is declared here as a {noun}"))
                        .help(format!("drop `{name}` from the dims, or declare `{name}` with `dim {name}`")),
                    );
                }
                None => {
                    let dims: Vec<(&str, Span)> = self
                        .globals
                        .iter()
                        .filter(|(_, g)| g.kind == GlobalKind::Dim)
                        .map(|(n, g)| (*n, g.name_span))
                        .collect();
                    let mut d = Diagnostic::error(
                        codes::BAD_DIM_ARG,
                        format!("dim `{name}` is given a value, but the file declares no dim `{name}`"),
                    );
                    if let Some(s) = suggest::best_match(name, dims.iter().map(|(n, _)| *n)) {
                        let at = dims.iter().find(|(n, _)| *n == s).map(|(_, sp)| *sp).unwrap_or_default();
                        d = d
                            .primary(at, format!("a dim `{s}` is declared here"))
                            .help(format!("did you mean `{s}`?"));
                    } else if let Some((_, first)) = dims.first() {
                        let names: Vec<&str> = dims.iter().map(|(n, _)| *n).collect();
                        d = d
                            .primary(*first, "the file's dims are declared from here")
                            .note(format!("the file's dims are: {}", names.join(", ")));
                    } else {
                        d = d
                            .primary(Span::new(0, 0), "this file declares no dims")
                            .help(format!("drop `{name}` from the dims, or declare it with `dim {name}`"));
                    }
                    self.diags.push(d);
                }
            }
        }
    }

    /// Report each cycle of `def`s calling each other (recursion cannot be expanded).
    fn check_def_cycles(&mut self) {
        let ast = self.ast;
        let defs: Vec<(usize, &'a ast::Ident, &'a [ast::Ident], &'a ast::Expr)> = ast
            .stmts
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match &s.kind {
                StmtKind::Def { name, params, body } if self.owns(name, i) => {
                    Some((i, name, &params[..], body))
                }
                _ => None,
            })
            .collect();
        // Edges: def -> defs it calls (first call site of each callee kept for the message).
        let mut edges: HashMap<&str, Vec<(&str, Span)>> = HashMap::new();
        for (_, name, params, body) in &defs {
            let mut calls = Vec::new();
            collect_calls(body, &mut calls);
            let mut targets: Vec<(&str, Span)> = Vec::new();
            for (callee, sp) in calls {
                if !params.iter().any(|p| p.name == callee)
                    && defs.iter().any(|(_, n, _, _)| n.name == callee)
                    && !targets.iter().any(|(t, _)| *t == callee)
                {
                    targets.push((callee, sp));
                }
            }
            edges.insert(name.name.as_str(), targets);
        }
        // One depth-first search over all defs with an explicit stack; each def is
        // entered once (a def reached again after it is finished adds nothing), so the
        // work is linear in the calls even when every def calls the previous one twice.
        // An edge back to a def on the stack closes a cycle.
        #[derive(PartialEq)]
        enum Mark {
            OnStack,
            Done,
        }
        let mut mark: HashMap<&str, Mark> = HashMap::new();
        let mut cycles: Vec<Vec<(&str, Span)>> = Vec::new();
        for (_, start, _, _) in &defs {
            let start = start.name.as_str();
            if mark.contains_key(start) {
                continue;
            }
            // (def, next edge to follow, call site of the edge being followed)
            let mut stack: Vec<(&str, usize, Span)> = vec![(start, 0, Span::default())];
            mark.insert(start, Mark::OnStack);
            while let Some(top) = stack.last_mut() {
                let at = top.0;
                let out = edges.get(at).map(|v| &v[..]).unwrap_or(&[]);
                let Some(&(callee, sp)) = out.get(top.1) else {
                    mark.insert(at, Mark::Done);
                    stack.pop();
                    continue;
                };
                top.1 += 1;
                top.2 = sp;
                match mark.get(callee) {
                    Some(Mark::OnStack) => {
                        let k = stack.iter().position(|f| f.0 == callee).unwrap_or(0);
                        cycles.push(stack[k..].iter().map(|f| (f.0, f.2)).collect());
                    }
                    Some(Mark::Done) => {}
                    None => {
                        mark.insert(callee, Mark::OnStack);
                        stack.push((callee, 0, Span::default()));
                    }
                }
            }
        }
        for cycle in cycles {
            if cycle.iter().any(|(n, _)| self.recursive_defs.contains(n)) {
                continue;
            }
            let mut d = Diagnostic::error(
                codes::RECURSION,
                if cycle.len() == 1 {
                    format!("`{}` calls itself", cycle[0].0)
                } else {
                    format!(
                        "`def`s call each other in a cycle: {} -> {}",
                        cycle.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(" -> "),
                        cycle[0].0
                    )
                },
            );
            for (k, (_, sp)) in cycle.iter().enumerate() {
                let callee = cycle[(k + 1) % cycle.len()].0;
                d = if k == 0 {
                    d.primary(*sp, format!("calls `{callee}`"))
                } else {
                    d.secondary(*sp, format!("calls `{callee}`"))
                };
            }
            d = d.note("a `def` is expanded inline where it is called, so it cannot call itself, directly or through another `def`");
            self.recursive_defs.extend(cycle.iter().map(|(n, _)| *n));
            self.diags.push(d);
        }

        fn collect_calls<'s>(e: &'s ast::Expr, out: &mut Vec<(&'s str, Span)>) {
            let mut names = Vec::new();
            names_in(e, &mut names);
            out.extend(names.into_iter().filter(|(_, _, call)| *call).map(|(n, sp, _)| (n, sp)));
        }
    }

    /// Declare a parameter or variable: shape and attributes.
    fn declare(&mut self, d: &'a ast::Decl, is_param: bool) -> R<()> {
        let name = d.name.name.as_str();
        self.globals[name].state = State::Failed;
        let shape = self.decl_shape(d)?;
        let attrs = self.attributes(d, shape)?;
        let shape_text = d.shape_span.map(|_| shape_text(d)).unwrap_or_default();
        let decl = hir::Decl { name: name.to_string(), shape, shape_text, attrs, span: d.name.span };
        if is_param {
            self.out.params.push(decl);
            self.globals[name].state = State::Param(ParamId(self.out.params.len() as u32 - 1));
        } else {
            self.out.vars.push(decl);
            self.globals[name].state = State::Var(VarId(self.out.vars.len() as u32 - 1));
        }
        Ok(())
    }

    pub(crate) fn decl_shape(&mut self, d: &'a ast::Decl) -> R<Shape> {
        let Some(exprs) = &d.shape else { return Ok(Shape::SCALAR) };
        let scope = Scope::default();
        let mut dims = Vec::new();
        for e in exprs {
            let v = self.eval_int(e, &scope)?;
            if v < 1 {
                return Err(self.error(
                    Diagnostic::error(codes::BAD_DIM, format!("shape extent {v} is not positive"))
                        .primary(e.span, format!("this is {v}"))
                        .help("every extent of a shape must be at least 1"),
                ));
            }
            dims.push(v as usize);
        }
        Shape::from_dims(&dims).ok_or_else(|| {
            self.error(
                Diagnostic::error(
                    codes::ATTRIBUTE_SHAPE,
                    format!("{} axes given; at most 2 are supported", dims.len()),
                )
                .primary(d.shape_span.unwrap_or(d.name.span), "a shape is [], [n] or [m, n]"),
            )
        })
    }

    fn attributes(&mut self, d: &'a ast::Decl, shape: Shape) -> R<Attrs> {
        let mut a = Attrs::default();
        let mut failed = false;
        let mut seen: Vec<&ast::Ident> = Vec::new();
        for at in &d.attrs {
            if let Some(prev) = seen.iter().find(|p| p.name == at.name) {
                self.diags.push(
                    Diagnostic::error(
                        codes::UNKNOWN_ATTRIBUTE,
                        format!("attribute `{}` given twice", at.name),
                    )
                    .primary(at.span, "repeated")
                    .secondary(prev.span, "first given here"),
                );
                failed = true;
                continue;
            }
            seen.push(at);
            match at.name.as_str() {
                "nonneg" => a.nonneg = true,
                "nonpos" => a.nonpos = true,
                "symmetric" => a.symmetric = true,
                "psd" => a.psd = true,
                "nsd" => a.nsd = true,
                other => {
                    let mut diag =
                        Diagnostic::error(codes::UNKNOWN_ATTRIBUTE, format!("unknown attribute `{other}`"))
                            .primary(at.span, "not an attribute")
                            .note(format!("the attributes are: {}", ATTRIBUTES.join(", ")));
                    if let Some(s) = suggest::best_match(other, ATTRIBUTES.iter().copied()) {
                        diag = diag.help(format!("did you mean `{s}`?"));
                    } else if matches!(other, "pos" | "positive")
                        || (other.starts_with("non") && other.contains("neg"))
                    {
                        diag = diag.help("did you mean `nonneg`?");
                    } else if matches!(other, "neg" | "negative")
                        || (other.starts_with("non") && other.contains("pos"))
                    {
                        diag = diag.help("did you mean `nonpos`?");
                    }
                    self.diags.push(diag);
                    failed = true;
                }
            }
        }
        for at in &d.attrs {
            let matrix_attr = matches!(at.name.as_str(), "symmetric" | "psd" | "nsd");
            if matrix_attr && !shape.is_square() {
                self.diags.push(
                    Diagnostic::error(
                        codes::ATTRIBUTE_SHAPE,
                        format!(
                            "`{}` needs a square matrix, but `{}` has shape {shape}",
                            at.name, d.name.name
                        ),
                    )
                    .primary(at.span, "needs a square matrix")
                    .secondary(d.shape_span.unwrap_or(d.name.span), format!("shape {shape}")),
                );
                failed = true;
            }
        }
        let conflicts = [
            (a.nonneg && a.nonpos, "nonneg", "nonpos"),
            (a.psd && a.nsd, "psd", "nsd"),
            (a.psd && a.nonpos, "psd", "nonpos"),
            (a.nsd && a.nonneg, "nsd", "nonneg"),
        ];
        for (bad, x, y) in conflicts {
            if bad {
                let sx = d.attrs.iter().find(|i| i.name == x).map(|i| i.span).unwrap_or(d.name.span);
                let sy = d.attrs.iter().find(|i| i.name == y).map(|i| i.span).unwrap_or(d.name.span);
                self.diags.push(
                    Diagnostic::error(
                        codes::UNKNOWN_ATTRIBUTE,
                        format!("`{x}` and `{y}` contradict each other"),
                    )
                    .primary(sy, format!("conflicts with `{x}`"))
                    .secondary(sx, "given here")
                    .help("together they only allow 0 (or, for psd/nsd, the zero matrix): keep one"),
                );
                failed = true;
            }
        }
        if failed {
            return Err(Fail);
        }
        Ok(a)
    }

    fn objective(&mut self, sense: ast::Sense, e: &'a ast::Expr, span: Span) -> R<()> {
        let scope = Scope::default();
        let id = self.lower(e, &scope)?;
        let shape = self.out.node(id).shape;
        if !shape.is_scalar() {
            return Err(self.error(
                Diagnostic::error(
                    codes::NOT_SCALAR,
                    format!("the objective must be a scalar, but this has shape {shape}"),
                )
                .primary(e.span, format!("shape {shape}"))
                .help("reduce it to a scalar, e.g. with `sum(...)`, `sum_squares(...)` or a norm"),
            ));
        }
        self.out.objective = Some(hir::Objective { sense, expr: id, span });
        Ok(())
    }

    fn outputs(&mut self, names: &'a [ast::Ident]) {
        let mut out: Vec<VarId> = Vec::new();
        for n in names {
            match self.globals.get(n.name.as_str()).map(|g| (&g.state, g.kind, g.name_span)) {
                Some((State::Var(v), _, _)) => {
                    if out.contains(v) {
                        self.diags.push(
                            Diagnostic::error(codes::BAD_OUTPUT, format!("`{}` is listed twice", n.name))
                                .primary(n.span, "repeated"),
                        );
                    } else {
                        out.push(*v);
                    }
                }
                Some((State::Failed, _, _)) => {}
                Some((_, kind, sp)) => {
                    self.diags.push(
                        Diagnostic::error(
                            codes::BAD_OUTPUT,
                            format!("`{}` is a {}, not a variable", n.name, kind.noun()),
                        )
                        .primary(n.span, "only variables can be outputs")
                        .secondary(sp, "declared here"),
                    );
                }
                None => {
                    let d = self.unknown_name(&n.name, n.span, &[GlobalKind::Variable]);
                    self.diags.push(d);
                }
            }
        }
        self.out.outputs = out;
    }

    fn constraint(&mut self, stmt: usize, cs: &'a ast::ConstraintStmt, span: Span) -> R<()> {
        if cs.rest.is_empty() {
            return Err(self.error(
                Diagnostic::error(codes::NO_COMPARISON, "a constraint needs a comparison")
                    .primary(cs.first.span, "this expression is not compared with anything")
                    .help("write `lhs == rhs`, `lhs <= rhs`, `lhs >= rhs`, `X >> 0` or `X << Y`"),
            ));
        }
        if let (Some(label), true) = (&cs.label, cs.rest.len() > 1) {
            let (_, _, last) = &cs.rest[cs.rest.len() - 1];
            return Err(self.error(
                Diagnostic::error(
                    codes::NAMED_CHAIN,
                    format!("the chained comparison named `{}` is {} constraints", label.name, cs.rest.len()),
                )
                .primary(cs.first.span.to(last.span), "a chain is one constraint per comparison")
                .secondary(label.span, "one name cannot refer to both")
                .help("write the comparisons on separate lines, each with its own name"),
            ));
        }
        for (op, sp, _) in &cs.rest {
            if matches!(op, ast::CmpOp::Lt | ast::CmpOp::Gt) {
                let fix = if *op == ast::CmpOp::Lt { "<=" } else { ">=" };
                return Err(self.error(
                    Diagnostic::error(
                        codes::STRICT_INEQUALITY,
                        format!("strict inequality `{}`", op.symbol()),
                    )
                    .primary(*sp, format!("use `{fix}`"))
                    .note("a convex program's feasible set must be closed, so constraints are never strict")
                    .help(format!("write `{fix}`")),
                ));
            }
        }
        let mut scope = Scope::default();
        let mut count = 0usize;
        self.unroll(stmt, cs, span, 0, &mut scope, &mut Vec::new(), &mut count)
    }

    #[allow(clippy::too_many_arguments)]
    fn unroll(
        &mut self,
        stmt: usize,
        cs: &'a ast::ConstraintStmt,
        span: Span,
        k: usize,
        scope: &mut Scope<'a>,
        iteration: &mut Vec<(String, i64)>,
        count: &mut usize,
    ) -> R<()> {
        if k == cs.fors.len() {
            *count += 1;
            if *count > MAX_FOR_INSTANCES {
                return Err(self.error(
                    Diagnostic::error(
                        codes::EMPTY_RANGE,
                        format!("more than {MAX_FOR_INSTANCES} constraint instances"),
                    )
                    .primary(span, "this `for` unrolls to too many constraints")
                    .help("write the constraint on whole arrays (slices) instead of element by element"),
                ));
            }
            return self.instance(stmt, cs, span, scope, iteration);
        }
        let f = &cs.fors[k];
        if self.globals.contains_key(f.var.name.as_str()) || scope.get(&f.var.name).is_some() {
            let noun = self.globals.get(f.var.name.as_str()).map(|g| g.kind.noun()).unwrap_or("for variable");
            return Err(self.error(
                Diagnostic::error(
                    codes::DUPLICATE,
                    format!("`for` variable `{}` hides a {noun} of the same name", f.var.name),
                )
                .primary(f.var.span, "choose another name for the loop variable"),
            ));
        }
        let lo = self.eval_int(&f.lo, scope)?;
        let hi = self.eval_int(&f.hi, scope)?;
        if lo >= hi {
            let what = if lo == hi { "empty" } else { "backwards" };
            return Err(self.error(
                Diagnostic::error(codes::EMPTY_RANGE, format!("the range {lo}..{hi} is {what}"))
                    .primary(f.lo.span.to(f.hi.span), format!("{lo}..{hi} has no values"))
                    .note("`a..b` runs from a up to b - 1, so it needs a < b")
                    .help(if lo > hi { "swap the bounds" } else { "check the dims the bounds use" }),
            ));
        }
        for t in lo..hi {
            scope.locals.push((f.var.name.as_str(), Local::Int(t)));
            iteration.push((f.var.name.clone(), t));
            let r = self.unroll(stmt, cs, span, k + 1, scope, iteration, count);
            iteration.pop();
            scope.locals.pop();
            // One failing iteration is enough: the others would repeat the message.
            r?;
        }
        Ok(())
    }

    fn instance(
        &mut self,
        stmt: usize,
        cs: &'a ast::ConstraintStmt,
        span: Span,
        scope: &Scope<'a>,
        iteration: &[(String, i64)],
    ) -> R<()> {
        let mut operands = vec![(self.lower(&cs.first, scope)?, &cs.first)];
        for (_, _, e) in &cs.rest {
            operands.push((self.lower(e, scope)?, e));
        }
        for (k, (op, op_span, _)) in cs.rest.iter().enumerate() {
            let (l, le) = operands[k];
            let (r, re) = operands[k + 1];
            let kind = match op {
                ast::CmpOp::Eq => CmpKind::Eq,
                ast::CmpOp::Le => CmpKind::Le,
                ast::CmpOp::Ge => CmpKind::Ge,
                ast::CmpOp::Psd => CmpKind::Psd,
                ast::CmpOp::Nsd => CmpKind::Nsd,
                ast::CmpOp::Lt | ast::CmpOp::Gt => unreachable!("rejected before"),
            };
            let (ls, rs) = (self.out.node(l).shape, self.out.node(r).shape);
            let Some(shape) = Shape::broadcast(ls, rs) else {
                let d = Diagnostic::error(
                    codes::SHAPE_MISMATCH,
                    format!(
                        "the two sides of `{}` have shapes {ls} and {rs}, which do not broadcast",
                        op.symbol()
                    ),
                )
                .primary(*op_span, "cannot compare these shapes")
                .secondary(le.span, format!("shape {ls}"))
                .secondary(re.span, format!("shape {rs}"));
                let d = self.with_iteration(d, iteration);
                let mut d = self.decl_labels(d, &[le, re]);
                if [le, re].iter().any(|x| is_axis_sum(x)) {
                    d = d.help(
                        "`sum(X, 0)` sums down the columns (one entry per column, shape [n] for X[m, n]); \
                         `sum(X, 1)` sums along the rows (shape [m]), as in numpy",
                    );
                }
                return Err(self.error(d));
            };
            if matches!(kind, CmpKind::Psd | CmpKind::Nsd) && !shape.is_square() {
                let d = Diagnostic::error(
                    codes::SHAPE_MISMATCH,
                    format!("`{}` compares square matrices, but the sides have shape {shape}", op.symbol()),
                )
                .primary(*op_span, "needs square matrices")
                .secondary(le.span, format!("shape {ls}"))
                .secondary(re.span, format!("shape {rs}"))
                .help("for elementwise inequalities use `>=` / `<=`");
                return Err(self.error(d));
            }
            self.out.constraints.push(hir::Constraint {
                label: cs.label.as_ref().map(|l| l.name.clone()),
                kind,
                lhs: l,
                rhs: r,
                shape,
                span: le.span.to(re.span),
                stmt,
                iteration: iteration.to_vec(),
            });
        }
        let _ = span;
        Ok(())
    }

    pub(crate) fn with_iteration(&self, d: Diagnostic, iteration: &[(String, i64)]) -> Diagnostic {
        if iteration.is_empty() {
            return d;
        }
        let at: Vec<String> = iteration.iter().map(|(n, v)| format!("{n} = {v}")).collect();
        d.note(format!("in the iteration with {}", at.join(", ")))
    }

    /// Secondary labels at the declarations of operands that are plain names.
    pub(crate) fn decl_labels(&self, mut d: Diagnostic, operands: &[&ast::Expr]) -> Diagnostic {
        for e in operands {
            let mut e = *e;
            while let ast::ExprKind::Paren(inner) = &e.kind {
                e = inner;
            }
            if let ast::ExprKind::Name(n) = &e.kind {
                let decl = match self.globals.get(n.as_str()).map(|g| &g.state) {
                    Some(State::Param(p)) => Some(&self.out.params[p.index()]),
                    Some(State::Var(v)) => Some(&self.out.vars[v.index()]),
                    _ => None,
                };
                if let Some(decl) = decl {
                    let text = if decl.shape_text.is_empty() || decl.shape_text == decl.shape.to_string() {
                        format!("`{n}` declared here with shape {}", decl.shape)
                    } else {
                        format!("`{n}` declared here with shape {} = {}", decl.shape_text, decl.shape)
                    };
                    d = d.secondary(decl.span, text);
                }
            }
        }
        d
    }

    /// An "unknown name" diagnostic with the closest known name of the wanted sorts
    /// (all sorts if `wanted` is empty), atoms included when functions are wanted.
    pub(crate) fn unknown_name(&self, name: &str, span: Span, wanted: &[GlobalKind]) -> Diagnostic {
        let candidates: Vec<&str> = self
            .globals
            .iter()
            .filter(|(_, g)| wanted.is_empty() || wanted.contains(&g.kind))
            .map(|(n, _)| *n)
            .collect();
        let mut d = Diagnostic::error(codes::UNKNOWN_NAME, format!("unknown name `{name}`"))
            .primary(span, "not declared in this file");
        if let Some(s) = suggest::best_match(name, candidates.iter().copied()) {
            let g = &self.globals[s];
            d = d
                .secondary(g.name_span, format!("a {} `{s}` is declared here", g.kind.noun()))
                .help(format!("did you mean `{s}`?"));
        } else if crate::atoms::lookup(name).is_some() {
            d = d.help(format!("`{name}` is an atom: call it with arguments, e.g. `{name}(x)`"));
        }
        d
    }
}

/// `sum(X, axis)`: shape mistakes with it are usually swapped axes.
fn is_axis_sum(e: &ast::Expr) -> bool {
    matches!(&e.kind, ast::ExprKind::Call { func, args } if func.name == "sum" && args.len() == 2)
}

/// The shape as written in a declaration, e.g. `[m, n]`.
fn shape_text(d: &ast::Decl) -> String {
    let parts: Vec<String> = d.shape.iter().flatten().map(crate::ir::print::expr_text).collect();
    format!("[{}]", parts.join(", "))
}

/// Every name an expression mentions, with its span and whether it is called.
fn names_in<'s>(e: &'s ast::Expr, out: &mut Vec<(&'s str, Span, bool)>) {
    use ast::ExprKind as K;
    match &e.kind {
        K::Number(_) | K::Str(_) => {}
        K::Name(n) => out.push((n.as_str(), e.span, false)),
        K::Call { func, args } => {
            out.push((func.name.as_str(), func.span, true));
            for a in args {
                names_in(&a.value, out);
            }
        }
        K::List(items) => items.iter().for_each(|x| names_in(x, out)),
        K::Unary(_, x) | K::Transpose(x) | K::Paren(x) => names_in(x, out),
        K::Binary(_, a, b) => {
            names_in(a, out);
            names_in(b, out);
        }
        K::Index(x, items) => {
            names_in(x, out);
            for it in items {
                match it {
                    ast::IndexItem::Single(y) => names_in(y, out),
                    ast::IndexItem::Slice { lo, hi, .. } => {
                        lo.iter().chain(hi.iter()).for_each(|y| names_in(y, out))
                    }
                }
            }
        }
    }
}

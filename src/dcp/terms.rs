//! The objective as a sum of weighted terms, and the one rule for which terms the
//! solver's quadratic objective matrix P takes. The DCP/DPP check and canonicalization
//! both read this, so that a term `check` accepts as a parametric `quad_form` is exactly
//! a term canonicalization puts into P.
//!
//! The walk is iterative (an objective can be a chain of thousands of `let`s): it goes
//! through `+`, `-`, unary `-`, a product with a scalar factor free of variables
//! (`2 * q`, `q * 2`, `lam * q`) and a division by a scalar constant (`q / 2`).

use super::algebra::Sign;
use super::analyze::Facts;
use crate::ir::ast::Sense;
use crate::ir::hir::{NodeId, Op, Program};

/// One factor of a term's weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Factor {
    /// −1 (a unary minus or the right side of a subtraction).
    Neg,
    /// Times a scalar expression free of variables.
    Times(NodeId),
    /// Divided by a scalar constant (free of variables and parameters).
    Over(NodeId),
}

/// A weight is a chain of factors: `factor · weights[parent]` (no parent: 1). Terms
/// under the same coefficient share its chain, so a deep objective costs one entry per
/// factor.
#[derive(Clone, Copy, Debug)]
pub struct Weight {
    /// The rest of the product.
    pub parent: Option<usize>,
    /// This factor.
    pub factor: Factor,
    /// Whether the whole product depends on parameters.
    pub has_params: bool,
    /// The sign of the whole product.
    pub sign: Sign,
}

/// What a term is, for the quadratic part of the objective.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TermKind {
    /// `sum_squares(e)`, or `square(e)` / `power(e, 2)` of a scalar: its weight times ‖e‖²
    /// goes into P.
    SumSquares,
    /// `quad_form(e, P)` with a constant P: its weight times eᵀPe goes into P.
    QuadForm,
    /// dopt's extension: `quad_form(e, P)` with P a `psd` parameter, e free of
    /// parameters, a weight free of parameters, in a minimized objective, and the term
    /// used nowhere else. P enters the solver's P directly.
    ParamQuadForm,
    /// `quad_over_lin(e, y)` with a constant y: when y > 0, its weight / y times ‖e‖²
    /// goes into P (canon checks the value; otherwise the atom's own form is used).
    QuadOverLin,
    /// Anything else: canonicalized through its atoms, times its weight.
    Other,
}

/// One term: `weight · node`.
#[derive(Clone, Copy, Debug)]
pub struct Term {
    /// The term with its scalar coefficients peeled off.
    pub node: NodeId,
    /// Index into [`Terms::weights`]; `None` is a weight of 1.
    pub weight: Option<usize>,
    /// How the objective takes it.
    pub kind: TermKind,
}

/// The objective `Σ weightₖ · termₖ`.
#[derive(Clone, Debug, Default)]
pub struct Terms {
    /// The factor chains.
    pub weights: Vec<Weight>,
    /// The terms, in the order they are written.
    pub terms: Vec<Term>,
}

impl Terms {
    /// The sign of a weight (1 is nonnegative).
    pub fn sign(&self, w: Option<usize>) -> Sign {
        w.map_or(Sign::Nonneg, |k| self.weights[k].sign)
    }

    /// Whether a weight depends on parameters.
    pub fn has_params(&self, w: Option<usize>) -> bool {
        w.is_some_and(|k| self.weights[k].has_params)
    }

    /// The `quad_form` nodes taken as [`TermKind::ParamQuadForm`].
    pub fn parametric_quad_forms(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.terms.iter().filter(|t| t.kind == TermKind::ParamQuadForm).map(|t| t.node)
    }
}

/// The terms of the program's objective (empty for a feasibility problem).
pub fn objective_terms(p: &Program, f: &Facts) -> Terms {
    let mut out = Terms::default();
    let Some(obj) = &p.objective else { return out };
    let scalar = |k: &NodeId| p.node(*k).shape.is_scalar();
    let var_free = |k: &NodeId| !f.has_vars[k.index()];
    let constant = |k: &NodeId| !f.has_vars[k.index()] && !f.has_params[k.index()];
    // In written order: the stack holds the right operand below the left one.
    let mut stack = vec![(obj.expr, None::<usize>)];
    let mut internal = Vec::new();
    // A node shared under the objective (`let t = ...; minimize t + t`) is walked at
    // each use, up to a budget: past it (doubling `let`s), a node walked before is
    // taken whole as one term, so the walk stays linear.
    let mut seen = vec![false; p.nodes.len()];
    let mut budget = p.nodes.len() + 10_000;
    let mut whole = Vec::new();
    while let Some((id, w)) = stack.pop() {
        if seen[id.index()] && budget == 0 {
            whole.push(id);
            out.terms.push(Term { node: id, weight: w, kind: TermKind::Other });
            continue;
        }
        budget = budget.saturating_sub(1);
        let push_weight = |out: &mut Terms, factor: Factor| {
            let (fp, fs) = match factor {
                Factor::Neg => (false, Sign::Nonpos),
                Factor::Times(k) | Factor::Over(k) => (f.has_params[k.index()], f.sign(k)),
            };
            out.weights.push(Weight {
                parent: w,
                factor,
                has_params: fp || out.has_params(w),
                sign: out.sign(w).mul(fs),
            });
            Some(out.weights.len() - 1)
        };
        let descend = match &p.node(id).op {
            Op::Add(a, b) if scalar(a) && scalar(b) => {
                stack.extend([(*b, w), (*a, w)]);
                true
            }
            Op::Sub(a, b) if scalar(a) && scalar(b) => {
                let nb = push_weight(&mut out, Factor::Neg);
                stack.extend([(*b, nb), (*a, w)]);
                true
            }
            Op::Neg(a) => {
                let na = push_weight(&mut out, Factor::Neg);
                stack.push((*a, na));
                true
            }
            Op::Mul(a, b) if scalar(a) && scalar(b) && var_free(a) && !var_free(b) => {
                let nb = push_weight(&mut out, Factor::Times(*a));
                stack.push((*b, nb));
                true
            }
            Op::Mul(b, a) if scalar(a) && scalar(b) && var_free(a) && !var_free(b) => {
                let nb = push_weight(&mut out, Factor::Times(*a));
                stack.push((*b, nb));
                true
            }
            Op::Div(a, b) if scalar(a) && scalar(b) && constant(b) => {
                let na = push_weight(&mut out, Factor::Over(*b));
                stack.push((*a, na));
                true
            }
            _ => false,
        };
        if descend {
            seen[id.index()] = true;
            internal.push(id);
        } else {
            let kind = kind(p, f, id, out.has_params(w), obj.sense);
            out.terms.push(Term { node: id, weight: w, kind });
        }
    }
    if out.terms.iter().any(|t| t.kind == TermKind::ParamQuadForm) {
        let exclusive = objective_only(p, obj.expr, &internal, &whole);
        for t in &mut out.terms {
            if t.kind == TermKind::ParamQuadForm && !exclusive[t.node.index()] {
                t.kind = TermKind::Other;
            }
        }
    }
    out
}

/// The kind of a term with its coefficients peeled (before the use check).
fn kind(p: &Program, f: &Facts, id: NodeId, weight_params: bool, sense: Sense) -> TermKind {
    let Op::Atom(atom, args, statics) = &p.node(id).op else { return TermKind::Other };
    match atom.name() {
        "sum_squares" if p.node(id).shape.is_scalar() => TermKind::SumSquares,
        "square" if p.node(id).shape.is_scalar() => TermKind::SumSquares,
        // power(x, 2) of a scalar is square(x) (cvxpy's QP path takes it as quadratic too).
        "power" if p.node(id).shape.is_scalar() && statics.first() == Some(&Some(2.0)) => {
            TermKind::SumSquares
        }
        "quad_over_lin" if !f.has_vars[args[1].index()] && !f.has_params[args[1].index()] => {
            TermKind::QuadOverLin
        }
        "quad_form" => {
            let (x, m) = (args[0], args[1]);
            if !f.has_vars[m.index()] && !f.has_params[m.index()] {
                return TermKind::QuadForm;
            }
            let psd_param = matches!(&p.node(m).op, Op::Param(i) if p.params[i.index()].attrs.psd);
            if psd_param && !f.has_params[x.index()] && !weight_params && sense == Sense::Minimize {
                TermKind::ParamQuadForm
            } else {
                TermKind::Other
            }
        }
        _ => TermKind::Other,
    }
}

/// Which nodes are reached only through the objective's sum structure: every
/// reference to them comes from a node the walk went through (`internal`) or is the
/// objective itself, and the same holds for those nodes. A `let` of a parametric
/// `quad_form` also used in a constraint is not (the constraint would need the
/// matrix as data), nor is one under a node taken `whole`.
fn objective_only(p: &Program, root: NodeId, internal: &[NodeId], whole: &[NodeId]) -> Vec<bool> {
    let n = p.nodes.len();
    let mut is_internal = vec![false; n];
    for id in internal {
        is_internal[id.index()] = true;
    }
    let mut total = vec![0u32; n];
    let mut inner = vec![0u32; n];
    for (i, node) in p.nodes.iter().enumerate() {
        for a in node.op.args() {
            total[a.index()] = total[a.index()].saturating_add(1);
            if is_internal[i] {
                inner[a.index()] = inner[a.index()].saturating_add(1);
            }
        }
    }
    for con in &p.constraints {
        total[con.lhs.index()] = total[con.lhs.index()].saturating_add(1);
        total[con.rhs.index()] = total[con.rhs.index()].saturating_add(1);
    }
    total[root.index()] = total[root.index()].saturating_add(1);
    inner[root.index()] = inner[root.index()].saturating_add(1);
    // Parents have larger ids than their children: decide them first.
    let mut exclusive = vec![true; n];
    for id in whole {
        exclusive[id.index()] = false;
    }
    for i in (0..n).rev() {
        exclusive[i] = exclusive[i] && total[i] == inner[i];
        if is_internal[i] && !exclusive[i] {
            for a in p.nodes[i].op.args() {
                exclusive[a.index()] = false;
            }
        }
    }
    exclusive
}

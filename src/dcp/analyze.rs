//! Curvature, sign and parameter dependence of every node, bottom-up over the arena
//! (children always precede their parents), in one of two modes: DCP (parameters are
//! constants, as cvxpy's `curvature`) or DPP (parameters are affine).

use super::algebra::{ArgFacts, AtomCurvature, Curvature, Mono, Sign, compose};
use crate::atoms::{self, ArgInfo};
use crate::ir::eval;
use crate::ir::hir::{Array, Attrs, NodeId, Op, Program};
use std::collections::HashSet;

/// Which rule set the analysis applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Parameters count as constants.
    Dcp,
    /// Parameters count as affine (cvxpy's DPP scope).
    Dpp,
}

/// Side tables indexed by [`NodeId`].
#[derive(Clone, Debug)]
pub struct Facts {
    /// The rule set these facts were computed under.
    pub mode: Mode,
    /// Curvature of each node in this mode.
    pub curvature: Vec<Curvature>,
    /// Sign of each node's entries.
    pub sign: Vec<Sign>,
    /// Whether a node depends on a variable.
    pub has_vars: Vec<bool>,
    /// Whether a node depends on a parameter.
    pub has_params: Vec<bool>,
    /// The value of nodes free of variables and parameters (where it could be computed).
    pub value: Vec<Option<Array>>,
}

impl Facts {
    /// Curvature of node `id`.
    pub fn curvature(&self, id: NodeId) -> Curvature {
        self.curvature[id.index()]
    }
    /// Sign of node `id`.
    pub fn sign(&self, id: NodeId) -> Sign {
        self.sign[id.index()]
    }
    /// Affine in the parameters and free of variables.
    pub fn param_affine(&self, id: NodeId) -> bool {
        !self.has_vars[id.index()] && self.curvature(id).is_affine()
    }
    /// Node `id` as an atom sees its argument (shape, facts, value, leaf attributes).
    pub fn info<'a>(&'a self, p: &Program, id: NodeId) -> ArgInfo<'a> {
        let node = p.node(id);
        ArgInfo {
            shape: node.shape,
            sign: self.sign(id),
            curvature: self.curvature(id),
            has_vars: self.has_vars[id.index()],
            has_params: self.has_params[id.index()],
            value: self.value[id.index()].as_ref(),
            attrs: leaf_attrs(p, id),
        }
    }
}

/// Declared attributes of a parameter or variable leaf.
pub fn leaf_attrs(p: &Program, id: NodeId) -> Option<Attrs> {
    match &p.node(id).op {
        Op::Param(i) => Some(p.params[i.index()].attrs),
        Op::Var(i) => Some(p.vars[i.index()].attrs),
        _ => None,
    }
}

fn attr_sign(a: Attrs) -> Sign {
    if a.nonneg && a.nonpos {
        Sign::Zero
    } else if a.nonneg {
        Sign::Nonneg
    } else if a.nonpos {
        Sign::Nonpos
    } else {
        Sign::Unknown
    }
}

/// The facts of every node. `allowed` lists atom nodes exempt from the DPP rule on
/// parameter-free arguments (`quad_form(x, P)` with a `psd` parameter P in a
/// minimized objective).
pub fn analyze(p: &Program, mode: Mode, allowed: &HashSet<NodeId>) -> Facts {
    let n = p.nodes.len();
    let mut f = Facts {
        mode,
        curvature: Vec::with_capacity(n),
        sign: Vec::with_capacity(n),
        has_vars: Vec::with_capacity(n),
        has_params: Vec::with_capacity(n),
        value: Vec::with_capacity(n),
    };
    for (i, node) in p.nodes.iter().enumerate() {
        let id = NodeId(i as u32);
        let args = node.op.args();
        let has_vars = matches!(node.op, Op::Var(_)) || args.iter().any(|a| f.has_vars[a.index()]);
        let has_params = matches!(node.op, Op::Param(_)) || args.iter().any(|a| f.has_params[a.index()]);
        let (curv, sign) = node_facts(p, &f, id, allowed);
        let value = if has_vars || has_params { None } else { fold(p, &f, id) };
        f.curvature.push(curv);
        f.sign.push(sign);
        f.has_vars.push(has_vars);
        f.has_params.push(has_params);
        f.value.push(value);
    }
    f
}

fn node_facts(p: &Program, f: &Facts, id: NodeId, allowed: &HashSet<NodeId>) -> (Curvature, Sign) {
    let node = p.node(id);
    let c = |a: &NodeId| f.curvature(*a);
    let s = |a: &NodeId| f.sign(*a);
    match &node.op {
        Op::Const(k) => (Curvature::Constant, Sign::of_values(&p.consts[k.index()].value.data)),
        Op::Param(i) => {
            let curv = if f.mode == Mode::Dcp { Curvature::Constant } else { Curvature::Affine };
            (curv, attr_sign(p.params[i.index()].attrs))
        }
        Op::Var(i) => (Curvature::Affine, attr_sign(p.vars[i.index()].attrs)),
        Op::Neg(a) => (c(a).neg(), s(a).neg()),
        Op::Add(a, b) => (c(a).add(c(b)), s(a).add(s(b))),
        Op::Sub(a, b) => (c(a).add(c(b).neg()), s(a).add(s(b).neg())),
        Op::Mul(a, b) | Op::MatMul(a, b) => {
            let (ia, ib) = (f.info(p, *a), f.info(p, *b));
            let atom = atoms::product_curvature(&ia, &ib);
            let curv = compose(
                atom,
                &[
                    ArgFacts { curvature: ia.curvature, mono: atoms::product_mono(&ib) },
                    ArgFacts { curvature: ib.curvature, mono: atoms::product_mono(&ia) },
                ],
            );
            (curv, s(a).mul(s(b)))
        }
        Op::Div(a, b) => {
            let ib = f.info(p, *b);
            // The denominator must be constant (for DPP: free of parameters too, which
            // `is_constant` already means in that mode).
            let atom = if ib.is_constant() { AtomCurvature::Affine } else { AtomCurvature::Neither };
            let curv = compose(
                atom,
                &[
                    ArgFacts { curvature: c(a), mono: atoms::product_mono(&ib) },
                    ArgFacts { curvature: ib.curvature, mono: Mono::None },
                ],
            );
            (curv, s(a).mul(s(b)))
        }
        Op::Transpose(a) | Op::Index(a, _) => (c(a), s(a)),
        Op::Atom(atom, args, statics) => {
            let a = atom.atom();
            let infos: Vec<ArgInfo> = args.iter().map(|x| f.info(p, *x)).collect();
            let mut intrinsic = a.curvature(&infos, statics);
            if f.mode == Mode::Dpp
                && !allowed.contains(&id)
                && a.param_free_args().iter().any(|k| infos.get(*k).is_some_and(|i| i.has_params))
            {
                intrinsic = AtomCurvature::Neither;
            }
            let facts: Vec<ArgFacts> = (0..args.len())
                .map(|k| ArgFacts { curvature: infos[k].curvature, mono: a.monotonicity(k, &infos, statics) })
                .collect();
            (compose(intrinsic, &facts), a.sign(&infos, statics))
        }
    }
}

/// The value of a constant node, computed from its arguments' values.
fn fold(p: &Program, f: &Facts, id: NodeId) -> Option<Array> {
    let node = p.node(id);
    let v = |a: &NodeId| f.value[a.index()].as_ref();
    match &node.op {
        Op::Const(k) => Some(p.consts[k.index()].value.clone()),
        Op::Param(_) | Op::Var(_) => None,
        Op::Neg(a) => Some(atoms::map(v(a)?, |x| -x)),
        Op::Add(a, b) => atoms::map2(v(a)?, v(b)?, |x, y| x + y).ok(),
        Op::Sub(a, b) => atoms::map2(v(a)?, v(b)?, |x, y| x - y).ok(),
        Op::Mul(a, b) => atoms::map2(v(a)?, v(b)?, |x, y| x * y).ok(),
        Op::Div(a, b) => atoms::map2(v(a)?, v(b)?, |x, y| x / y).ok(),
        Op::MatMul(a, b) => Some(eval::matmul(v(a)?, v(b)?, node.shape)),
        Op::Transpose(a) => Some(eval::transpose(v(a)?)),
        Op::Index(a, sels) => Some(eval::index(v(a)?, sels, node.shape)),
        Op::Atom(atom, args, statics) => {
            let vals: Option<Vec<&Array>> = args.iter().map(v).collect();
            atom.atom().eval(&vals?, statics).ok()
        }
    }
    .filter(|a| a.data.iter().all(|x| x.is_finite()))
}

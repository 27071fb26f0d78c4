//! The problem-level rules of DCP and DPP, and rejections that name the smallest
//! offending subexpression, the rule it breaks, and a rewrite where one is standard.

use super::algebra::{ArgFacts, AtomCurvature, Curvature, Mono, Sign, arg_ok_for_concave, arg_ok_for_convex};
use super::analyze::{Facts, Mode, analyze};
use super::terms::objective_terms;
use crate::atoms::{self, ArgInfo};
use crate::diag::{Diagnostic, codes};
use crate::ir::ast::Sense;
use crate::ir::hir::{CmpKind, NodeId, Op, Program};
use crate::linalg;
use crate::source::SourceFile;
use std::collections::{HashMap, HashSet};

/// The verdicts on a checked program.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// Parameters as constants.
    pub dcp: Facts,
    /// Parameters as affine.
    pub dpp: Facts,
    /// `quad_form(x, P)` nodes with a `psd` parameter P accepted in the objective.
    pub parametric_quad_forms: HashSet<NodeId>,
}

impl Analysis {
    /// The DCP curvature of the objective; `None` for a feasibility problem.
    pub fn objective_curvature(&self, p: &Program) -> Option<Curvature> {
        p.objective.as_ref().map(|o| self.dcp.curvature(o.expr))
    }
}

/// Analyze a program; `Err` with the diagnostics when it is not DCP, or DCP but not DPP.
pub fn check(p: &Program, src: &SourceFile) -> Result<Analysis, Vec<Diagnostic>> {
    let none = HashSet::new();
    let dcp = analyze(p, Mode::Dcp, &none);
    let ext: HashSet<NodeId> = objective_terms(p, &dcp).parametric_quad_forms().collect();
    let dpp = analyze(p, Mode::Dpp, &ext);
    let mut r = Reporter { p, src, seen: HashSet::new(), diags: Vec::new(), symmetric: HashMap::new() };
    r.rules(&dcp);
    if r.diags.is_empty() {
        r.rules(&dpp);
    }
    if r.diags.is_empty() { Ok(Analysis { dcp, dpp, parametric_quad_forms: ext }) } else { Err(r.diags) }
}

struct Reporter<'a> {
    p: &'a Program,
    src: &'a SourceFile,
    /// Nodes and statements already reported.
    seen: HashSet<(u8, u32)>,
    diags: Vec<Diagnostic>,
    /// Nodes whose symmetry is decided.
    symmetric: HashMap<NodeId, bool>,
}

impl Reporter<'_> {
    fn text(&self, id: NodeId) -> String {
        let s = self.src.snippet(self.p.node(id).span);
        let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if s.chars().count() > 60 { format!("{}...", s.chars().take(57).collect::<String>()) } else { s }
    }

    /// "convex, nonnegative, depends on parameters" — what a label says about a node.
    fn describe(&self, f: &Facts, id: NodeId) -> String {
        let mut parts = vec![f.curvature(id).to_string(), f.sign(id).to_string()];
        if f.mode == Mode::Dpp || f.has_params[id.index()] {
            parts.push(
                if !f.has_params[id.index()] {
                    "parameter-free"
                } else if f.param_affine(id) {
                    "parameter-affine"
                } else if f.has_vars[id.index()] {
                    "depends on parameters and variables"
                } else {
                    "a nonlinear function of parameters"
                }
                .to_string(),
            );
        }
        parts.join(", ")
    }

    fn rules(&mut self, f: &Facts) {
        let p = self.p;
        if let Some(obj) = &p.objective {
            let c = f.curvature(obj.expr);
            let ok = match obj.sense {
                Sense::Minimize => c.is_convex(),
                Sense::Maximize => c.is_concave(),
            };
            if !ok {
                if c == Curvature::Unknown {
                    self.report_unknown(f, obj.expr);
                } else {
                    self.objective_direction(f, obj.sense, obj.expr, obj.span);
                }
            }
        }
        for (k, con) in p.constraints.iter().enumerate() {
            if self.seen.contains(&(1, con.stmt as u32)) {
                continue;
            }
            let (l, r) = (f.curvature(con.lhs), f.curvature(con.rhs));
            let ok = match con.kind {
                CmpKind::Eq | CmpKind::Psd | CmpKind::Nsd => l.is_affine() && r.is_affine(),
                CmpKind::Le => l.is_convex() && r.is_concave(),
                CmpKind::Ge => l.is_concave() && r.is_convex(),
            };
            if !ok {
                self.seen.insert((1, con.stmt as u32));
                if l == Curvature::Unknown || r == Curvature::Unknown {
                    for side in [con.lhs, con.rhs] {
                        if f.curvature(side) == Curvature::Unknown {
                            self.report_unknown(f, side);
                        }
                    }
                } else {
                    self.constraint_curvature(f, k);
                }
                continue;
            }
            if matches!(con.kind, CmpKind::Psd | CmpKind::Nsd)
                && f.mode == Mode::Dcp
                && !(symmetric(p, f, con.lhs, &mut self.symmetric)
                    && symmetric(p, f, con.rhs, &mut self.symmetric))
            {
                self.seen.insert((1, con.stmt as u32));
                let side = if symmetric(p, f, con.lhs, &mut self.symmetric) { con.rhs } else { con.lhs };
                self.diags.push(
                    Diagnostic::error(
                        codes::DCP_NOT_SYMMETRIC,
                        format!("`{}` needs symmetric matrices, and `{}` is not known to be symmetric", con.kind.symbol(), self.text(side)),
                    )
                    .primary(p.node(side).span, "not known to be symmetric")
                    .note("a semidefinite constraint bounds the eigenvalues of a symmetric matrix")
                    .help("declare the variable `symmetric` (or `psd`), or constrain its symmetric part `(X + X.T) / 2`"),
                );
            }
        }
    }

    /// Report every minimal node of unknown curvature under `root`.
    fn report_unknown(&mut self, f: &Facts, root: NodeId) {
        let mut stack = vec![root];
        let mut visited = HashSet::new();
        let mut minimal = Vec::new();
        while let Some(id) = stack.pop() {
            if !visited.insert(id) || f.curvature(id) != Curvature::Unknown {
                continue;
            }
            let bad: Vec<NodeId> = self
                .p
                .node(id)
                .op
                .args()
                .into_iter()
                .filter(|a| f.curvature(*a) == Curvature::Unknown)
                .collect();
            if bad.is_empty() {
                minimal.push(id);
            } else {
                stack.extend(bad);
            }
        }
        minimal.sort();
        for id in minimal {
            if self.seen.insert((0, id.0)) {
                let d = self.explain(f, id);
                self.diags.push(d);
            }
        }
    }

    /// Why a node whose arguments are all of known curvature has unknown curvature.
    fn explain(&self, f: &Facts, id: NodeId) -> Diagnostic {
        let p = self.p;
        let node = p.node(id);
        let label = |d: Diagnostic, a: NodeId| d.secondary(p.node(a).span, self.describe(f, a));
        match &node.op {
            Op::Mul(a, b) | Op::MatMul(a, b) => self.product(f, id, *a, *b),
            Op::Div(a, b) => {
                let (code, msg, help) = if f.mode == Mode::Dpp && !f.has_vars[b.index()] {
                    (
                        codes::DPP_PARAMETER_ARGUMENT,
                        format!("division by `{}`, which depends on parameters", self.text(*b)),
                        format!(
                            "pass 1/{0} as a parameter of its own, computed outside the problem (a nonlinear function of a parameter cannot enter the problem data)",
                            self.text(*b)
                        ),
                    )
                } else {
                    (
                        self.code(f, codes::DCP_DIVISION),
                        format!("division by `{}`, which is not constant", self.text(*b)),
                        "divide only by constants; for 1/y use `inv_pos(y)`, for x²/y use `quad_over_lin(x, y)`".to_string(),
                    )
                };
                label(
                    label(
                        Diagnostic::error(code, msg).primary(node.span, "the divisor must be constant"),
                        *a,
                    ),
                    *b,
                )
                .help(help)
            }
            Op::Add(a, b) | Op::Sub(a, b) => {
                let cb = if matches!(node.op, Op::Sub(..)) { f.curvature(*b).neg() } else { f.curvature(*b) };
                let what =
                    format!("adds a {} and a {cb} expression, which has unknown curvature", f.curvature(*a));
                let d = match self.nonlinear_parameter_part(f, id) {
                    Some(part) if f.mode == Mode::Dpp => {
                        let tp = self.text(part);
                        Diagnostic::error(
                            codes::DPP_CURVATURE,
                            format!(
                                "the problem is DCP but not DPP: `{tp}` is a nonlinear function of parameters, and with parameters counted as affine `{}` {what}",
                                self.text(id)
                            ),
                        )
                        .primary(node.span, "neither convex nor concave in the parameters")
                        .secondary(p.node(part).span, "a nonlinear function of parameters")
                        .help(format!("compute `{tp}` outside the problem and pass it as a new parameter"))
                    }
                    _ => {
                        Diagnostic::error(self.code(f, codes::DCP_SUM), format!("`{}` {what}", self.text(id)))
                            .primary(node.span, "neither convex nor concave")
                    }
                };
                let d = label(label(d, *a), *b);
                self.dpp_note(f, d, id)
                    .note("a sum is convex when every term is convex, concave when every term is concave")
            }
            Op::Atom(atom, args, statics) => self.composition(f, id, *atom, args, statics),
            _ => Diagnostic::error(
                self.code(f, codes::DCP_COMPOSITION),
                format!("`{}` has unknown curvature", self.text(id)),
            )
            .primary(node.span, "here"),
        }
    }

    /// The code of a rejection: the DCP one, or in DPP mode (the problem passed the DCP
    /// rules, so it is DCP but not DPP) E0604.
    fn code(&self, f: &Facts, dcp: codes::Code) -> codes::Code {
        if f.mode == Mode::Dpp { codes::DPP_CURVATURE } else { dcp }
    }

    /// The first (smallest) subexpression under `root` that is a nonlinear function of
    /// parameters alone (e.g. `entr(a)` in `sum(entr(a)) + x`), by the DPP facts.
    fn nonlinear_parameter_part(&self, f: &Facts, root: NodeId) -> Option<NodeId> {
        let nonlinear =
            |k: NodeId| !f.has_vars[k.index()] && f.has_params[k.index()] && !f.curvature(k).is_affine();
        let mut stack = vec![root];
        let mut visited = HashSet::new();
        let mut found = None;
        while let Some(id) = stack.pop() {
            if !visited.insert(id) {
                continue;
            }
            let args = self.p.node(id).op.args();
            if nonlinear(id) && !args.iter().any(|a| nonlinear(*a)) {
                found = found.min(Some(id)).or(Some(id));
                continue;
            }
            stack.extend(args.into_iter().rev());
        }
        found
    }

    /// In DPP mode, say why parameters matter for a rule that DCP alone accepts.
    fn dpp_note(&self, f: &Facts, d: Diagnostic, _id: NodeId) -> Diagnostic {
        if f.mode == Mode::Dpp {
            d.note("for DPP, parameters count as affine rather than constant, so that the problem data stay affine in them")
        } else {
            d
        }
    }

    fn product(&self, f: &Facts, id: NodeId, a: NodeId, b: NodeId) -> Diagnostic {
        let p = self.p;
        let node = p.node(id);
        let sym = match node.op {
            Op::MatMul(..) => "@",
            _ => "*",
        };
        let labelled = |d: Diagnostic| {
            d.secondary(p.node(a).span, self.describe(f, a)).secondary(p.node(b).span, self.describe(f, b))
        };
        if f.mode == Mode::Dpp {
            let (ta, tb) = (self.text(a), self.text(b));
            // A nonlinear function of parameters used as a coefficient.
            for (coef, other) in [(a, b), (b, a)] {
                let c = f.curvature(coef);
                if !f.has_vars[coef.index()] && f.has_params[coef.index()] && !c.is_affine() {
                    let tc = self.text(coef);
                    let d = Diagnostic::error(
                        codes::DPP_NONLINEAR_PARAMETER,
                        format!(
                            "`{tc}` is a nonlinear function of parameters, used as a coefficient of `{}`",
                            self.text(other)
                        ),
                    )
                    .primary(node.span, "the problem data would not be affine in the parameters");
                    return labelled(d)
                        .note("DPP allows a product only of a parameter-free factor and a factor affine in the parameters")
                        .help(format!("compute `{tc}` outside the problem and pass it as a new parameter (with `nonneg` if it is positive)"));
                }
            }
            let both_params = f.has_params[a.index()] && f.has_params[b.index()];
            let d = Diagnostic::error(
                codes::DPP_PRODUCT,
                format!("`{}` multiplies two factors that both depend on parameters", self.text(id)),
            )
            .primary(node.span, "not affine in the parameters");
            let help = if both_params && !f.has_vars[a.index()] && !f.has_vars[b.index()] {
                format!("compute `{ta} {sym} {tb}` outside the problem and pass it as one parameter")
            } else {
                let param_side = if !f.has_vars[a.index()] { &ta } else { &tb };
                format!(
                    "make `{param_side}` a constant, or pass the product of the parameters involved as one parameter computed outside"
                )
            };
            return labelled(d)
                .note("DPP allows a product only of a parameter-free factor and a factor affine in the parameters")
                .help(help);
        }
        // One constant factor of unknown sign times a convex or concave factor.
        for (k, other) in [(a, b), (b, a)] {
            if f.curvature(k).is_constant() && f.sign(k) == Sign::Unknown && !f.curvature(other).is_affine() {
                let tk = self.text(k);
                let mut d = Diagnostic::error(
                    codes::DCP_COMPOSITION,
                    format!("`{}` has unknown curvature: the sign of `{tk}` is unknown", self.text(id)),
                )
                .primary(node.span, format!("{} times a {} expression", f.sign(k), f.curvature(other)));
                d = labelled(d).note(format!(
                    "a {} expression times a nonnegative constant stays {0}, times a nonpositive one it flips; with the sign unknown, neither holds",
                    f.curvature(other)
                ));
                let decl = match &p.node(k).op {
                    Op::Param(i) => Some(&p.params[i.index()]),
                    _ => None,
                };
                d = match decl {
                    Some(dp) => d
                        .secondary(dp.span, format!("`{}` is declared here without a sign", dp.name))
                        .help(format!(
                            "if `{0}` is never negative, declare it `parameter {0}{1} nonneg`",
                            dp.name, dp.shape_text
                        )),
                    None => d.help(format!("make the sign of `{tk}` known (e.g. a `nonneg` parameter)")),
                };
                return d;
            }
        }
        let mut d = Diagnostic::error(
            codes::DCP_PRODUCT,
            format!("`{}` multiplies two non-constant expressions", self.text(id)),
        )
        .primary(node.span, "neither factor is constant");
        d = labelled(d).note("DCP allows a product only when one factor is constant");
        if let Some(x) = quadratic_form_pattern(p, id) {
            d = d.help(format!(
                "to write xᵀPx, use `quad_form({}, P)` with a constant (or `psd` parameter) P",
                self.text(x)
            ));
        } else if f.curvature(a).is_affine() && f.curvature(b).is_affine() && same_expr(p, a, b) {
            d = d.help(format!(
                "for the square of an expression use `square({0})` (elementwise) or `sum_squares({0})`",
                self.text(a)
            ));
        }
        d
    }

    fn composition(
        &self,
        f: &Facts,
        id: NodeId,
        atom: atoms::AtomId,
        args: &[NodeId],
        statics: &[Option<f64>],
    ) -> Diagnostic {
        let p = self.p;
        let node = p.node(id);
        let a = atom.atom();
        let name = a.name();
        let infos: Vec<ArgInfo> = args.iter().map(|x| f.info(p, *x)).collect();
        let intrinsic = a.curvature(&infos, statics);
        // Products spelled as atoms.
        if matches!(name, "multiply" | "kron") {
            return self.product(f, id, args[0], args[1]);
        }
        // DPP: a parameter where the data must be parameter-free.
        if f.mode == Mode::Dpp
            && let Some(&k) = a.param_free_args().iter().find(|k| infos[**k].has_params)
        {
            let what = match name {
                "quad_over_lin" => "the denominator of `quad_over_lin`",
                "quad_form" => "the matrix of `quad_form`",
                _ => "this argument",
            };
            let mut d = Diagnostic::error(
                codes::DPP_PARAMETER_ARGUMENT,
                format!("{what} depends on parameters: `{}`", self.text(args[k])),
            )
            .primary(p.node(args[k]).span, "must be free of parameters")
            .secondary(node.span, format!("in this call of `{name}`"));
            d = if name == "quad_form" {
                d.note("dopt accepts a parametric P only as `quad_form(x, P)` with P a `psd` parameter and x free of parameters, as a term of a minimized objective with a constant nonnegative weight")
                        .help("move the term into the objective, or write it with a parameter-free matrix")
            } else {
                d.help("make it a constant, or reformulate so that parameters enter only linearly")
            };
            return d;
        }
        if intrinsic == AtomCurvature::Neither {
            let mut d = Diagnostic::error(
                self.code(f, codes::DCP_INDEFINITE),
                format!("`{name}` is neither convex nor concave for these arguments"),
            )
            .primary(node.span, "unknown curvature");
            if name == "quad_form" {
                d = d.secondary(p.node(args[1]).span, "not known to be positive or negative semidefinite").help(
                    "P must be a constant PSD (convex) or NSD (concave) matrix, or a parameter declared `psd`/`nsd`",
                );
            }
            return d;
        }
        // The first argument that breaks the composition rule.
        let want_convex = intrinsic == AtomCurvature::Convex;
        let curv_word = if want_convex { "convex" } else { "concave" };
        let mut bad = 0;
        let mut mono = Mono::None;
        for k in 0..args.len() {
            let m = a.monotonicity(k, &infos, statics);
            let facts = ArgFacts { curvature: infos[k].curvature, mono: m };
            let ok = match intrinsic {
                AtomCurvature::Convex => arg_ok_for_convex(facts),
                AtomCurvature::Concave => arg_ok_for_concave(facts),
                _ => arg_ok_for_convex(facts) || arg_ok_for_concave(facts),
            };
            if !ok {
                bad = k;
                mono = m;
                break;
            }
        }
        let arg = args[bad];
        let arg_curv = f.curvature(arg);
        let ta = self.text(arg);
        let need = match (intrinsic, mono) {
            (AtomCurvature::Affine, Mono::None) | (_, Mono::None) => "affine".to_string(),
            (AtomCurvature::Convex, Mono::Increasing) | (AtomCurvature::Concave, Mono::Decreasing) => {
                "convex or affine".into()
            }
            _ => "concave or affine".into(),
        };
        let mono_text = match mono {
            Mono::None => {
                let depends = args.len() == 1
                    && matches!(
                        a.monotonicity(0, &[ArgInfo { sign: Sign::Nonneg, ..infos[0] }], statics),
                        Mono::Increasing
                    );
                if depends {
                    format!(
                        "not monotone in an argument of unknown sign (increasing only for a nonnegative one, decreasing only for a nonpositive one), and `{ta}` is {}",
                        f.sign(arg)
                    )
                } else {
                    "not monotone in this argument".to_string()
                }
            }
            m => format!("{m} in this argument (`{ta}` is {})", f.sign(arg)),
        };
        let atom_word = match intrinsic {
            AtomCurvature::Affine => "affine",
            _ => curv_word,
        };
        let msg = format!(
            "`{name}` is {atom_word} and {mono_text}, so this argument must be {need}, but it is {arg_curv}"
        );
        let mut d = Diagnostic::error(
            self.code(f, codes::DCP_COMPOSITION),
            if f.mode == Mode::Dpp {
                format!(
                    "the problem is DCP but not DPP: with parameters counted as affine, `{}` breaks the DCP composition rule",
                    self.text(id)
                )
            } else {
                format!("`{}` breaks the DCP composition rule", self.text(id))
            },
        )
        .primary(node.span, format!("`{name}` of a {arg_curv} argument"));
        for x in args {
            d = d.secondary(p.node(*x).span, self.describe(f, *x));
        }
        d = d.note(msg);
        d = self.dpp_note(f, d, id);
        // Standard rewrites.
        let inner = match &p.node(arg).op {
            Op::Atom(i, iargs, _) => Some((i.name(), iargs.clone())),
            _ => None,
        };
        let is_sqrt = name == "sqrt" || (name == "power" && statics.first().copied().flatten() == Some(0.5));
        match inner {
            Some(("sum_squares", iargs)) if is_sqrt => {
                d = d.help(format!(
                    "write `norm2({})`: it equals the square root of the sum of squares and is convex",
                    self.text(iargs[0])
                ));
            }
            Some(("quad_form", iargs)) if is_sqrt => {
                d = d.help(format!(
                    "for a constant PSD P = LᵀL, sqrt(quad_form(x, P)) is `norm2(L @ {})`",
                    self.text(iargs[0])
                ));
            }
            Some(("exp", iargs)) if name == "log" => {
                d = d.help(format!("log(exp(e)) is e: write `{}` directly (for log of a sum of exponentials use `log_sum_exp`)", self.text(iargs[0])));
            }
            Some(("square", iargs)) if is_sqrt => {
                d = d.help(format!("sqrt(square(e)) is `abs({})`", self.text(iargs[0])));
            }
            _ if f.mode == Mode::Dpp && !f.has_vars[arg.index()] => {
                d = d.help(format!("compute `{ta}` outside the problem and pass it as a new parameter"));
            }
            _ => {}
        }
        d
    }

    fn objective_direction(&mut self, f: &Facts, sense: Sense, root: NodeId, span: crate::source::Span) {
        let p = self.p;
        let (word, need, bad) = match sense {
            Sense::Minimize => ("minimize", "convex", Curvature::Concave),
            Sense::Maximize => ("maximize", "concave", Curvature::Convex),
        };
        let c = f.curvature(root);
        let (code, intro) = if f.mode == Mode::Dpp {
            (codes::DPP_CURVATURE, "with parameters counted as affine (DPP), ")
        } else {
            (codes::DCP_OBJECTIVE, "")
        };
        let mut d = Diagnostic::error(
            code,
            format!("`{word}` needs a {need} objective, but {intro}`{}` is {c}", self.text(root)),
        )
        .primary(p.node(root).span, format!("{c}"));
        // Which terms are to blame.
        let terms = objective_terms(p, f);
        for t in &terms.terms {
            let own = f.curvature(t.node);
            let tc = match terms.sign(t.weight) {
                Sign::Nonneg => own,
                Sign::Nonpos => own.neg(),
                _ => continue,
            };
            if tc == bad && t.node != root {
                let label = if tc == own {
                    format!("this term is {own}")
                } else {
                    format!("this term is {own}, with a negative weight: {tc}")
                };
                d = d.secondary(p.node(t.node).span, label);
            }
        }
        let _ = span;
        d = if f.mode == Mode::Dpp {
            d.help("compute the nonlinear function of the parameters outside the problem and pass it as a new parameter")
        } else if sense == Sense::Maximize {
            d.note("maximizing a convex function is not a convex problem").help("did you mean `minimize`?")
        } else {
            d.note("minimizing a concave function is not a convex problem").help("did you mean `maximize`?")
        };
        self.diags.push(d);
    }

    fn constraint_curvature(&mut self, f: &Facts, k: usize) {
        let p = self.p;
        let con = &p.constraints[k];
        let (l, r) = (f.curvature(con.lhs), f.curvature(con.rhs));
        let op = con.kind.symbol();
        let (tl, tr) = (self.text(con.lhs), self.text(con.rhs));
        let dpp = f.mode == Mode::Dpp;
        let code = if dpp { codes::DPP_CURVATURE } else { codes::DCP_CONSTRAINT };
        let mut d = Diagnostic::error(
            code,
            format!(
                "`{tl} {op} {tr}` is not a convex constraint{}",
                if dpp { " in the parameters (DPP)" } else { "" }
            ),
        )
        .primary(con.span, format!("{l} {op} {r}"))
        .secondary(p.node(con.lhs).span, self.describe(f, con.lhs))
        .secondary(p.node(con.rhs).span, self.describe(f, con.rhs));
        d = match con.kind {
            CmpKind::Eq | CmpKind::Psd | CmpKind::Nsd => {
                let (side, tc) = if !l.is_affine() { (&tl, l) } else { (&tr, r) };
                let d =
                    d.note(format!("`{op}` needs affine expressions on both sides, but `{side}` is {tc}"));
                if dpp {
                    d.help("compute the nonlinear function of the parameters outside and pass it as a new parameter")
                } else if con.kind == CmpKind::Eq {
                    let bound = if tc == Curvature::Convex { "<=" } else { ">=" };
                    d.note(format!("the set where a {tc} function equals a value is not convex in general"))
                        .help(format!("if a bound is meant, write `{tl} {bound} {tr}`"))
                } else {
                    d
                }
            }
            CmpKind::Le | CmpKind::Ge => {
                let d = d.note("a convex constraint is `convex <= concave` or `concave >= convex`");
                if dpp {
                    d.help("compute the nonlinear function of the parameters outside and pass it as a new parameter")
                } else {
                    let (f_side, dir) = if con.kind == CmpKind::Ge && l == Curvature::Convex {
                        (&tl, "at least")
                    } else if con.kind == CmpKind::Le && r == Curvature::Convex {
                        (&tr, "at least")
                    } else if con.kind == CmpKind::Le && l == Curvature::Concave {
                        (&tl, "at most")
                    } else {
                        (&tr, "at most")
                    };
                    d.note(format!(
                        "this keeps `{f_side}` {dir} a bound where it curves the wrong way: the feasible set is not convex (think of x² >= 1, which excludes an interval)"
                    ))
                }
            }
        };
        self.diags.push(d);
    }
}

/// `x.T @ P @ x` or `x @ P @ x`: returns x.
fn quadratic_form_pattern(p: &Program, id: NodeId) -> Option<NodeId> {
    let Op::MatMul(left, x2) = &p.node(id).op else { return None };
    let Op::MatMul(x1, _) = &p.node(*left).op else { return None };
    let x1 = match &p.node(*x1).op {
        Op::Transpose(inner) => *inner,
        _ => *x1,
    };
    same_expr(p, x1, *x2).then_some(*x2)
}

/// How many node pairs [`same_expr`] compares before it gives up (and says "not
/// known to be the same").
const SAME_EXPR_PAIRS: usize = 100_000;

/// Structural equality of two expressions (same leaves, same operations), without
/// recursion; each pair of nodes is compared once, so shared subexpressions cost once.
pub fn same_expr(p: &Program, a: NodeId, b: NodeId) -> bool {
    let mut stack = vec![(a, b)];
    let mut seen = HashSet::new();
    while let Some((a, b)) = stack.pop() {
        if a == b || !seen.insert((a, b)) {
            continue;
        }
        if seen.len() > SAME_EXPR_PAIRS {
            return false;
        }
        let (na, nb) = (p.node(a), p.node(b));
        let same_head = na.shape == nb.shape
            && match (&na.op, &nb.op) {
                (Op::Var(x), Op::Var(y)) => x == y,
                (Op::Param(x), Op::Param(y)) => x == y,
                (Op::Const(x), Op::Const(y)) => p.consts[x.index()].value == p.consts[y.index()].value,
                (Op::Index(_, s1), Op::Index(_, s2)) => s1 == s2,
                (Op::Atom(a1, _, s1), Op::Atom(a2, _, s2)) => a1 == a2 && s1 == s2,
                (x, y) => std::mem::discriminant(x) == std::mem::discriminant(y),
            };
        let (xa, xb) = (na.op.args(), nb.op.args());
        if !same_head || xa.len() != xb.len() {
            return false;
        }
        stack.extend(xa.into_iter().zip(xb));
    }
    true
}

/// Is the (square) expression provably symmetric? Decided bottom-up without
/// recursion; `known` keeps every node decided so far (shared by all constraints).
fn symmetric(p: &Program, f: &Facts, root: NodeId, known: &mut HashMap<NodeId, bool>) -> bool {
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if known.contains_key(&id) {
            continue;
        }
        match symmetric_step(p, f, id, known) {
            Ok(v) => {
                known.insert(id, v);
            }
            Err(missing) => {
                stack.push(id);
                stack.extend(missing);
            }
        }
    }
    known[&root]
}

/// The symmetry of one node from its operands' (`Err` with the operands not yet known).
fn symmetric_step(
    p: &Program,
    f: &Facts,
    id: NodeId,
    known: &HashMap<NodeId, bool>,
) -> Result<bool, Vec<NodeId>> {
    let node = p.node(id);
    if node.shape.is_scalar() {
        return Ok(true);
    }
    if let Some(v) = &f.value[id.index()] {
        return Ok(linalg::is_symmetric(v));
    }
    let deps = match &node.op {
        Op::Neg(a) | Op::Transpose(a) | Op::Div(a, _) => vec![*a],
        Op::Add(a, b) | Op::Sub(a, b) | Op::Mul(a, b) => vec![*a, *b],
        Op::MatMul(a, _) => match &p.node(*a).op {
            Op::MatMul(_, s) => vec![*s],
            _ => vec![],
        },
        Op::Atom(atom, args, _) if matches!(atom.name(), "multiply" | "kron") => vec![args[0], args[1]],
        _ => vec![],
    };
    let missing: Vec<NodeId> = deps.into_iter().filter(|d| !known.contains_key(d)).collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let sym = |k: &NodeId| known[k];
    Ok(match &node.op {
        Op::Param(i) => {
            let a = p.params[i.index()].attrs;
            a.symmetric || a.psd || a.nsd
        }
        Op::Var(i) => {
            let a = p.vars[i.index()].attrs;
            a.symmetric || a.psd || a.nsd
        }
        Op::Neg(a) | Op::Transpose(a) => sym(a),
        Op::Add(a, b) | Op::Sub(a, b) => {
            // X + X.T is symmetric whatever X is.
            let transpose_pair = |x: &NodeId, y: &NodeId| matches!(&p.node(*y).op, Op::Transpose(inner) if same_expr(p, *inner, *x));
            (sym(a) && sym(b))
                || (matches!(node.op, Op::Add(..)) && (transpose_pair(a, b) || transpose_pair(b, a)))
        }
        Op::Mul(a, b) => sym(a) && sym(b),
        Op::Div(a, b) => sym(a) && p.node(*b).shape.is_scalar(),
        Op::MatMul(a, b) => {
            // A @ A.T, and A @ S @ A.T with S symmetric.
            let is_t_of = |t: &NodeId, x: &NodeId| matches!(&p.node(*t).op, Op::Transpose(inner) if same_expr(p, *inner, *x));
            is_t_of(b, a) || matches!(&p.node(*a).op, Op::MatMul(l, s) if is_t_of(b, l) && sym(s))
        }
        Op::Atom(atom, args, _) => match atom.name() {
            "diag" => p.node(args[0]).shape.is_vector(),
            "multiply" | "kron" => sym(&args[0]) && sym(&args[1]),
            _ => false,
        },
        Op::Const(_) | Op::Index(..) => false,
    })
}

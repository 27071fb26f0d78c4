//! The explanations of DCP and DPP rejections: the smallest offending
//! subexpression, the rule it breaks (product, composition, monotonicity, sign),
//! the error class (E05xx DCP, E06xx DCP-but-not-DPP) and a rewrite where one is
//! standard. The rules that decide what to reject are in `check`.

use super::algebra::{ArgFacts, AtomCurvature, Mono, Sign, arg_ok_for_concave, arg_ok_for_convex};
use super::analyze::{Facts, Mode};
use super::check::{Reporter, same_expr};
use crate::atoms::{self, ArgInfo};
use crate::diag::{Diagnostic, codes};
use crate::ir::hir::{NodeId, Op, Program};
use std::collections::HashSet;

impl Reporter<'_> {
    pub(super) fn text(&self, id: NodeId) -> String {
        let s = self.src.snippet(self.p.node(id).span);
        let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if s.chars().count() > 60 { format!("{}...", s.chars().take(57).collect::<String>()) } else { s }
    }

    /// "convex, nonnegative, depends on parameters" — what a label says about a node.
    pub(super) fn describe(&self, f: &Facts, id: NodeId) -> String {
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

    /// Why a node whose arguments are all of known curvature has unknown curvature.
    pub(super) fn explain(&self, f: &Facts, id: NodeId) -> Diagnostic {
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
        if matches!(name, "multiply" | "kron" | "outer" | "vdot" | "scalar_product" | "convolve" | "conv") {
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
            } else if name == "xexp" {
                d = d
                    .secondary(
                        p.node(args[0]).span,
                        format!("not known to be nonnegative ({})", f.sign(args[0])),
                    )
                    .note("x·eˣ is convex only for x ≥ 0 (its domain, as in cvxpy)")
                    .help(format!(
                        "declare the variable `nonneg`, or write `xexp(pos({}))`",
                        self.text(args[0])
                    ));
            } else if name == "geo_mean" && args.len() == 2 {
                d = d.secondary(p.node(args[1]).span, self.describe(f, args[1])).help(
                    "the weights p of `geo_mean(x, p)` must be a constant known when compiling, nonnegative and not all 0 (a parameter cannot be a weight)",
                );
            } else if name == "dotsort" {
                d = d.secondary(p.node(args[1]).span, self.describe(f, args[1])).help(
                    "the weights (second argument) must be a constant, or a parameter while the first argument is free of parameters",
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

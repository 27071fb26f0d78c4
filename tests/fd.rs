//! The backward pass (and the forward mode) against central finite differences of
//! re-solves, for every cone and every atom family.
//!
//! Each case is a small parametric problem with a unique, strictly complementary
//! solution at the chosen parameter values (a strictly convex term, values away from
//! kinks and weakly active constraints; `backward` must not flag it degenerate). The
//! loss is L(θ) = Σ w·x*(θ) over the outputs, plus, where a case asks for it, Σ w·y*(θ)
//! over a named constraint's dual (`dual:NAME`) and w₀·p*(θ) for the optimal value
//! (`objective`), with seeded random weights. For every coordinate direction of θ (the
//! pair E_ij + E_ji for `symmetric`/`psd` parameters) and one random direction δ, the
//! difference quotient of L must match ⟨∇L, δ⟩ from `backward`; along the random
//! direction the forward mode's derivative of every output must match the quotient of
//! that output.
//!
//! Errors are max-norm, relative to max(1e-3, ‖∇L‖∞); the bounds are per cone family
//! (`Family::tolerance`). The FD noise is about ε/h + (truncation), where ε is the
//! solver's accuracy in x, y. Clarabel's ε is not its tolerance: for SOC, exponential
//! and power cones it goes like √tol (1e-7 at 1e-12 on `norm2`, 1e-6 at 1e-11 on the
//! softmax dual), and below 1e-11 those solves often end "almost solved". So:
//! - every pair θ ± hδ is solved at the tightest tolerance of `LADDER` at which both
//!   sides are optimal (the loosest used per case is printed);
//! - LP/QP and PSD take plain central differences with h = 1e-5 (their solutions are
//!   ~1e-12 accurate);
//! - SOC and exp/pow take one Richardson step, (4·D(h/2) − D(h))/3 with h = 5e-2 and
//!   2e-2: an O(h⁴) truncation error lets h be large enough to damp ε/h. (With the
//!   h = 1e-5 / 1e-4 of the differentiation notes the noise was 1e-3 to 3e-2 here.)
//!
//! Run with `--nocapture` for the worst error per case and per cone family.

use dopt::internals::frontend;
use dopt::internals::ir::cone::Cone;
use dopt::internals::ir::hir::Array;
use dopt::internals::ir::shape::Shape;
use dopt::internals::layer::{Layer, Output};
use dopt::internals::sema::Dims;
use dopt::internals::solve::Settings;
use dopt::internals::source::SourceFile;
use dopt::internals::values::Values;
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------
// Values

fn sc(v: f64) -> Array {
    Array::scalar(v)
}

fn vect(d: &[f64]) -> Array {
    Array { shape: Shape::vector(d.len()), data: d.to_vec() }
}

fn mat(m: usize, n: usize, d: &[f64]) -> Array {
    assert_eq!(d.len(), m * n);
    Array { shape: Shape::matrix(m, n), data: d.to_vec() }
}

/// A deterministic pseudo-random number in [-1, 1).
fn rnd(state: &mut u64) -> f64 {
    *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    ((*state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
}

// ---------------------------------------------------------------------------------
// Cases

/// The cone families, from the loosest FD bound to the tightest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Family {
    LpQp,
    Soc,
    Psd,
    ExpPow,
}

impl Family {
    fn name(self) -> &'static str {
        match self {
            Family::LpQp => "LP/QP (zero, nonneg)",
            Family::Soc => "SOC",
            Family::Psd => "PSD",
            Family::ExpPow => "exp/pow",
        }
    }
    fn tolerance(self) -> f64 {
        match self {
            // Observed (at the time of writing): LP/QP ≤ 3e-10, PSD ≤ 3e-7, SOC ≤ 5e-5,
            // exp/pow ≤ 3e-4.
            Family::LpQp => 1e-8,
            Family::Psd => 1e-5,
            Family::Soc => 1e-4,
            Family::ExpPow => 1e-3,
        }
    }
    /// The relative step, and whether to extrapolate (see `run`).
    fn step(self) -> (f64, bool) {
        match self {
            Family::LpQp | Family::Psd => (1e-5, false),
            Family::Soc => (5e-2, true),
            Family::ExpPow => (2e-2, true),
        }
    }
}

/// Which kinds of cone a case must produce (a check that it covers what it claims).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum K {
    Zero,
    Nonneg,
    Soc,
    Exp,
    Pow,
    Psd,
}

fn kind(c: &Cone) -> K {
    match c {
        Cone::Zero(_) => K::Zero,
        Cone::Nonneg(_) => K::Nonneg,
        Cone::Soc(_) => K::Soc,
        Cone::Exp => K::Exp,
        Cone::Pow(_) => K::Pow,
        Cone::Psd(_) => K::Psd,
    }
}

struct Case {
    name: &'static str,
    src: &'static str,
    params: Vec<(&'static str, Array)>,
    /// Named constraints whose duals enter the loss.
    duals: &'static [&'static str],
    /// Whether the optimal value enters the loss.
    objective: bool,
    /// Cones the canonical form must contain.
    cones: &'static [K],
    /// The step and extrapolation, where not the family's (see `Case::richardson`).
    step: Option<(f64, bool)>,
}

fn case(
    name: &'static str,
    src: &'static str,
    params: Vec<(&'static str, Array)>,
    cones: &'static [K],
) -> Case {
    Case { name, src, params, duals: &[], objective: false, cones, step: None }
}

impl Case {
    fn duals(mut self, d: &'static [&'static str]) -> Case {
        self.duals = d;
        self
    }
    fn objective(mut self) -> Case {
        self.objective = true;
        self
    }
    /// Richardson steps as for SOC: a PSD form whose optimum is a singular block (the
    /// Schur-complement forms of `matrix_frac` and `tr_inv`) is solved to about 1e-9,
    /// not the 1e-12 that the PSD family's plain h = 1e-5 quotients need.
    fn richardson(mut self) -> Case {
        self.step = Some(Family::Soc.step());
        self
    }
}

fn layer_from(name: &str, text: &str) -> Layer {
    let src = SourceFile::new(format!("{name}.dopt"), text);
    let c = frontend::analyze(&src, &Dims::new()).unwrap_or_else(|f| panic!("{name}:\n{}", f.render()));
    Layer::new(c.program, &c.analysis).unwrap_or_else(|d| panic!("{name}: {}", d.message))
}

fn settings((gap, feas): (f64, f64)) -> Settings {
    Settings { tol_gap_abs: gap, tol_gap_rel: gap, tol_feas: feas, ..Settings::tight() }
}

/// Solver tolerances (gap, feasibility), tightest first.
const LADDER: [(f64, f64); 8] = [
    (1e-13, 1e-13),
    (1e-13, 1e-12),
    (1e-12, 1e-12),
    (1e-13, 1e-11),
    (1e-11, 1e-11),
    (1e-10, 1e-10),
    (1e-9, 1e-9),
    (1e-8, 1e-8),
];

/// Solve at the tightest tolerance, from 1e-13 down to 1e-10, at which Clarabel reports
/// "optimal". The exponential and power cones need it: at 1e-11 their solutions are
/// only ~1e-6 accurate (the primal error goes like √tol), which would swamp the FD
/// quotient; at 1e-13 they are ~1e-10 accurate.
fn solve(name: &str, l: &Layer, p: &Values) -> (Output, (f64, f64)) {
    for t in LADDER {
        let out = l.forward_with(p, &settings(t)).unwrap_or_else(|e| panic!("{name}: {}", e[0].message));
        if out.status.is_optimal() {
            return (out, t);
        }
    }
    panic!("{name}: no optimal solution at tolerance 1e-8");
}

/// Solve at θ + hδ and θ − hδ at one tolerance, the tightest at which both are optimal
/// (a looser solve on one side only would put its error into the quotient).
fn solve_pair(name: &str, l: &Layer, p: &Values, d: &Values, h: f64) -> (Output, Output, (f64, f64)) {
    let (pp, pm) = (axpy(p, h, d), axpy(p, -h, d));
    for t in LADDER {
        let op = l.forward_with(&pp, &settings(t)).unwrap_or_else(|e| panic!("{name}: {}", e[0].message));
        if !op.status.is_optimal() {
            continue;
        }
        let om = l.forward_with(&pm, &settings(t)).unwrap_or_else(|e| panic!("{name}: {}", e[0].message));
        if om.status.is_optimal() {
            return (op, om, t);
        }
    }
    panic!("{name}: no optimal solution at tolerance 1e-8 near θ ± {h:e}δ");
}

/// Every output the loss can read, flattened: variables, the listed duals, the
/// objective.
fn outputs(c: &Case, out: &Output) -> Vec<f64> {
    let mut v: Vec<f64> = out.variables.values().flat_map(|a| a.data.iter().copied()).collect();
    for d in c.duals {
        v.extend_from_slice(&out.duals[*d].data);
    }
    if c.objective {
        v.push(out.objective);
    }
    v
}

/// The same outputs from a forward-mode derivative (variables and duals).
fn jvp_outputs(c: &Case, vars: &Values, duals: &Values) -> Vec<f64> {
    let mut v: Vec<f64> = vars.values().flat_map(|a| a.data.iter().copied()).collect();
    for d in c.duals {
        v.extend_from_slice(&duals[*d].data);
    }
    v
}

fn with_values(base: &Values, mut f: impl FnMut(&str, usize) -> f64) -> Values {
    base.iter()
        .map(|(k, a)| {
            let mut a = a.clone();
            for (i, x) in a.data.iter_mut().enumerate() {
                *x = f(k, i);
            }
            (k.clone(), a)
        })
        .collect()
}

fn axpy(base: &Values, t: f64, dir: &Values) -> Values {
    with_values(base, |k, i| base[k].data[i] + t * dir[k].data[i])
}

fn dot(a: &Values, b: &Values) -> f64 {
    a.iter().map(|(k, x)| x.data.iter().zip(&b[k].data).map(|(p, q)| p * q).sum::<f64>()).sum()
}

/// The directions: each coordinate of θ, with E_ij + E_ji for the off-diagonal entries
/// of symmetric parameters (upper triangle only), then one random unit direction
/// (symmetrized where needed).
fn directions(l: &Layer, base: &Values, state: &mut u64) -> Vec<Values> {
    let sym = |name: &str| {
        let d = &l.sig.params[l.sig.param(name).unwrap()];
        d.attrs.symmetric || d.attrs.psd || d.attrs.nsd
    };
    let zero = with_values(base, |_, _| 0.0);
    let mut dirs = Vec::new();
    for (k, a) in base {
        if sym(k) {
            let n = a.shape.dims()[0];
            for i in 0..n {
                for j in i..n {
                    let mut d = zero.clone();
                    d.get_mut(k).unwrap().data[i * n + j] = 1.0;
                    d.get_mut(k).unwrap().data[j * n + i] = 1.0;
                    dirs.push(d);
                }
            }
        } else {
            for i in 0..a.data.len() {
                let mut d = zero.clone();
                d.get_mut(k).unwrap().data[i] = 1.0;
                dirs.push(d);
            }
        }
    }
    let mut r = with_values(base, |_, _| rnd(state));
    for (k, a) in r.iter_mut() {
        if sym(k) {
            let n = a.shape.dims()[0];
            for i in 0..n {
                for j in 0..i {
                    a.data[i * n + j] = a.data[j * n + i];
                }
            }
        }
    }
    let norm = dot(&r, &r).sqrt();
    dirs.push(with_values(&r, |k, i| r[k].data[i] / norm));
    dirs
}

struct Result {
    family: Family,
    /// Reverse mode: the worst relative error over all directions.
    reverse: f64,
    /// Forward mode along the random direction.
    forward: f64,
    /// The loosest solver tolerance any of its solves needed.
    loosest: (f64, f64),
    /// The kinds of cone in its cone program.
    kinds: Vec<K>,
}

fn run(c: &Case, seed: u64) -> Result {
    let l = layer_from(c.name, c.src);
    let kinds: Vec<K> = l.cone.cones.iter().map(kind).collect();
    for k in c.cones {
        assert!(kinds.contains(k), "{}: expected a {k:?} cone, got {:?}", c.name, l.cone.cones);
    }
    let family = if kinds.iter().any(|k| matches!(k, K::Exp | K::Pow)) {
        Family::ExpPow
    } else if kinds.contains(&K::Psd) {
        Family::Psd
    } else if kinds.contains(&K::Soc) {
        Family::Soc
    } else {
        Family::LpQp
    };
    let base: Values = c.params.iter().map(|(k, a)| (k.to_string(), a.clone())).collect();
    let (out, tol0) = solve(c.name, &l, &base);
    let mut loosest = tol0;

    // Seeded weights on every output the loss reads.
    let mut state = seed;
    let mut dvars = Values::new();
    for (k, a) in &out.variables {
        let w = Array { shape: a.shape, data: a.data.iter().map(|_| rnd(&mut state)).collect() };
        dvars.insert(k.clone(), w);
    }
    for d in c.duals {
        let a = &out.duals[*d];
        let w = Array { shape: a.shape, data: a.data.iter().map(|_| rnd(&mut state)).collect() };
        dvars.insert(format!("dual:{d}"), w);
    }
    let w0 = 0.5 + 0.5 * rnd(&mut state);
    if c.objective {
        dvars.insert("objective".to_string(), sc(w0));
    }
    let weights = {
        let mut w: Vec<f64> = Vec::new();
        for k in out.variables.keys() {
            w.extend_from_slice(&dvars[k].data);
        }
        for d in c.duals {
            w.extend_from_slice(&dvars[&format!("dual:{d}")].data);
        }
        if c.objective {
            w.push(w0);
        }
        w
    };

    let g = l.backward(&out, &dvars).unwrap_or_else(|e| panic!("{}: backward: {}", c.name, e[0].message));
    assert!(!g.degenerate, "{}: flagged degenerate (choose values away from the kinks)", c.name);
    let grad = &g.params;
    assert!(grad.values().all(|a| a.data.iter().all(|v| v.is_finite())), "{}: {grad:?}", c.name);
    let gnorm = grad.values().flat_map(|a| a.data.iter()).fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(gnorm > 1e-2, "{}: the loss barely depends on the parameters ({gnorm:.1e})", c.name);
    let scale = gnorm.max(1e-3);

    let (h, richardson) = c.step.unwrap_or(family.step());
    let dirs = directions(&l, &base, &mut state);
    let mut fd = Vec::new();
    let mut an = Vec::new();
    let mut reverse = 0.0f64;
    let mut forward = 0.0f64;
    let mut tols = Vec::new();
    for (n, d) in dirs.iter().enumerate() {
        // Central differences of every output; for SOC and exp/pow with one Richardson step,
        // (4·D(h/2) − D(h))/3, which cancels the h² term so that a larger h (less
        // amplification of the solver's error) keeps a small truncation error.
        let mut quotient = |h: f64| -> Vec<f64> {
            let (op, om, t) = solve_pair(c.name, &l, &base, d, h);
            loosest = if t.0 > loosest.0 || t.1 > loosest.1 { t } else { loosest };
            tols.push(t.1);
            outputs(c, &op).iter().zip(&outputs(c, &om)).map(|(p, m)| (p - m) / (2.0 * h)).collect()
        };
        let want: Vec<f64> = if richardson {
            let (d1, d2) = (quotient(h), quotient(h / 2.0));
            d1.iter().zip(&d2).map(|(a, b)| (4.0 * b - a) / 3.0).collect()
        } else {
            quotient(h)
        };
        let f: f64 = want.iter().zip(&weights).map(|(a, b)| a * b).sum();
        let a = dot(grad, d);
        reverse = reverse.max((f - a).abs() / scale);
        fd.push(f);
        an.push(a);
        if n + 1 == dirs.len() {
            // Forward mode along the random direction, output by output.
            let (dv, dd) = l.jvp(&out, d).unwrap_or_else(|e| panic!("{}: jvp: {}", c.name, e[0].message));
            let got = jvp_outputs(c, &dv, &dd);
            let jscale = want.iter().fold(1e-3f64, |m, v| m.max(v.abs()));
            for (i, g) in got.iter().enumerate() {
                forward = forward.max((g - want[i]).abs() / jscale);
            }
            if c.objective {
                // The optimal value's directional derivative is ⟨∇p*, δ⟩; check it
                // through the reverse mode with the objective alone.
                let only: Values = [("objective".to_string(), sc(1.0))].into_iter().collect();
                let gv = l.backward(&out, &only).unwrap().params;
                let e = (dot(&gv, d) - want[want.len() - 1]).abs() / jscale;
                forward = forward.max(e);
            }
        }
    }
    let tol = family.tolerance();
    assert!(
        reverse < tol,
        "{} ({}): reverse mode off by {reverse:.2e} (tol {tol:.0e}, h {h:.0e})\n  fd {fd:?}\n  an {an:?}\n  solver tolerances {tols:?}",
        c.name,
        family.name()
    );
    assert!(
        forward < tol,
        "{} ({}): forward mode off by {forward:.2e} (tol {tol:.0e})",
        c.name,
        family.name()
    );
    let mut kinds = kinds;
    let mut seen = Vec::new();
    kinds.retain(|k| {
        !seen.contains(k) && {
            seen.push(*k);
            true
        }
    });
    Result { family, reverse, forward, loosest, kinds }
}

fn run_all(cases: Vec<Case>, seed: u64) -> BTreeMap<Family, (f64, f64, &'static str, usize)> {
    let mut table: BTreeMap<Family, (f64, f64, &'static str, usize)> = BTreeMap::new();
    for (i, c) in cases.iter().enumerate() {
        let r = run(c, seed.wrapping_add(i as u64 * 7919));
        println!(
            "  {:28} {:22} reverse {:.1e}  forward {:.1e}  (solver tol {:.0e}/{:.0e}) {:?}",
            c.name,
            r.family.name(),
            r.reverse,
            r.forward,
            r.loosest.0,
            r.loosest.1,
            r.kinds
        );
        let e = table.entry(r.family).or_insert((0.0, 0.0, "", 0));
        if r.reverse.max(r.forward) > e.0.max(e.1) {
            e.2 = c.name;
        }
        e.0 = e.0.max(r.reverse);
        e.1 = e.1.max(r.forward);
        e.3 += 1;
    }
    for (f, (r, fw, worst, n)) in &table {
        println!(
            "worst FD error, {:22} ({n} cases): reverse {r:.1e}, forward {fw:.1e} (tol {:.0e}; worst case {worst})",
            f.name(),
            f.tolerance()
        );
    }
    table
}

/// Q·diag(eigs)·Qᵀ with the Householder reflection Q = I − 2vvᵀ/‖v‖².
fn sym_from(eigs: &[f64], v: &[f64]) -> Array {
    let n = eigs.len();
    let vv: f64 = v.iter().map(|x| x * x).sum();
    let q = |i: usize, j: usize| f64::from(u8::from(i == j)) - 2.0 * v[i] * v[j] / vv;
    let mut d = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            d[i * n + j] = (0..n).map(|k| q(i, k) * eigs[k] * q(j, k)).sum();
        }
    }
    mat(n, n, &d)
}

// ---------------------------------------------------------------------------------
// LP/QP: the nonnegative-cone atoms, parameters in A, b, c, maximize.

fn nonnegative_cases() -> Vec<Case> {
    use K::*;
    vec![
        case(
            "abs_pos_neg",
            "parameter c[4]\nparameter d[4]\nvariable x[4]\n\
             minimize sum_squares(x - c) + sum(abs(x - d)) + sum(pos(x - 1)) + 0.5 * sum(neg(x + 1))\n",
            vec![("c", vect(&[1.7, -0.2, 0.3, -2.4])), ("d", vect(&[0.1, 0.05, -0.1, 0.2]))],
            &[Nonneg],
        ),
        case(
            "max_min_maximum_minimum",
            "parameter c[4]\nparameter d\nvariable x[4]\n\
             minimize sum_squares(x - c) + max(x) - 0.5 * min(x) + sum(maximum(x, d)) \
             - sum(minimum(x + 1, -d, 2 * x))\n",
            vec![("c", vect(&[1.37, -0.41, 0.23, -1.62])), ("d", sc(0.45))],
            &[Nonneg],
        ),
        case(
            "sum_largest_smallest",
            "parameter c[5]\nvariable x[5]\n\
             minimize sum_squares(x - c) + sum_largest(x, 2) - sum_smallest(x, 2)\n",
            vec![("c", vect(&[1.4, -0.3, 0.6, -1.2, 0.1]))],
            &[Nonneg],
        ),
        case(
            "norm1_norm_inf",
            "parameter a[3]\nparameter c[3]\nvariable x[3]\n\
             minimize sum_squares(x - c) + norm1(x - a) + 0.7 * norm_inf(x)\n",
            vec![("a", vect(&[0.2, -0.5, 1.0])), ("c", vect(&[1.5, -0.1, -0.9]))],
            &[Nonneg],
        ),
        case(
            "huber",
            "parameter c[4]\nvariable x[4]\n\
             minimize sum(huber(x - c, M=0.5)) + 0.2 * sum_squares(x)\n",
            vec![("c", vect(&[2.0, 0.1, -0.3, -1.6]))],
            &[Soc, Nonneg],
        ),
        case(
            "lp_vertex_maximize",
            "constant A[2, 2] = [[1, 2], [3, 1]]\nparameter b[2]\nparameter c[2]\nvariable x[2]\n\
             maximize c @ x\nsubject to\n    cap: A @ x <= b\n    x >= 0\n",
            vec![("b", vect(&[4.0, 6.0])), ("c", vect(&[1.0, 1.1]))],
            &[Nonneg],
        )
        .duals(&["cap"])
        .objective(),
        case(
            "qp_matrix_coefficients",
            "parameter A[2, 3]\nparameter b[2]\nparameter c[3]\nvariable x[3]\n\
             minimize sum_squares(x) + c @ x\nsubject to\n    lim: A @ x <= b\n",
            vec![
                ("A", mat(2, 3, &[1.0, 1.0, 0.0, 0.0, -1.0, 1.0])),
                ("b", vect(&[0.2, 1.0])),
                ("c", vect(&[1.0, -2.0, 0.5])),
            ],
            &[Nonneg],
        )
        .duals(&["lim"])
        .objective(),
        case(
            "qp_maximize_equality",
            "parameter c[3]\nparameter s\nvariable x[3]\n\
             maximize c @ x - sum_squares(x - 1)\nsubject to\n    budget: sum(x) == s\n    x >= -2\n",
            vec![("c", vect(&[0.3, -0.5, 1.1])), ("s", sc(2.0))],
            &[Zero],
        )
        .duals(&["budget"])
        .objective(),
    ]
}

#[test]
fn nonnegative_cone_atoms_and_lp_qp_parameters() {
    run_all(nonnegative_cases(), 1);
}

// ---------------------------------------------------------------------------------
// Affine atoms (solved as QPs).

fn affine_cases() -> Vec<Case> {
    vec![
        case(
            "sum_axis_trace_slices",
            "parameter C[2, 3]\nparameter p[3]\nparameter r[2]\nvariable X[2, 3]\n\
             minimize sum_squares(X - C) + p @ sum(X, axis=0) + sum_squares(sum(X, 1) - r) \
             + trace(X[:, 0:2]) + X[-1, -1]\n",
            vec![
                ("C", mat(2, 3, &[0.5, -1.0, 0.3, 1.2, 0.1, -0.7])),
                ("p", vect(&[0.4, -0.2, 0.9])),
                ("r", vect(&[1.0, -0.5])),
            ],
            &[],
        ),
        case(
            "diag_reshape_vec_transpose",
            "parameter c[4]\nparameter D[2, 2]\nparameter q[4]\nvariable x[4]\nvariable Y[2, 2]\n\
             minimize sum_squares(reshape(x, 2, 2) - D) + sum_squares(x - c) + q @ vec(Y.T) \
             + sum_squares(Y - diag(x[1:3])) + sum_squares(diag(Y) - x[0:2])\n",
            vec![
                ("c", vect(&[0.3, -0.8, 1.1, 0.2])),
                ("D", mat(2, 2, &[1.0, -0.4, 0.6, 0.1])),
                ("q", vect(&[0.5, -0.3, 0.2, 0.7])),
            ],
            &[],
        ),
        case(
            "hstack_vstack",
            "constant w[3] = [1, -1, 0.5]\nparameter a[3]\nparameter M[2, 3]\nvariable x[3]\nvariable y[3]\n\
             minimize sum_squares(hstack(x, y) - hstack(a, 2 * a)) + sum_squares(vstack(x, y) - M) \
             + sum_squares(hstack(x[0], y[2])) + sum(vstack(M, vstack(x, y)) @ w)\n",
            vec![("a", vect(&[0.4, -1.0, 0.7])), ("M", mat(2, 3, &[0.2, 0.9, -0.5, -1.1, 0.3, 0.6]))],
            &[],
        ),
        case(
            "cumsum_diff",
            "parameter c[5]\nparameter lam nonneg\nparameter B[2, 3]\nvariable x[5]\nvariable Z[2, 3]\n\
             minimize sum_squares(cumsum(x) - c) + lam * sum_squares(diff(x)) \
             + sum_squares(diff(Z, axis=1)) + sum_squares(cumsum(Z, axis=0) - B) + sum(diff(x, k=2)) \
             + 0.1 * sum_squares(Z)\n",
            vec![
                ("c", vect(&[0.3, 1.0, 0.4, -0.6, 0.8])),
                ("lam", sc(0.7)),
                ("B", mat(2, 3, &[1.0, -0.3, 0.5, 0.2, 0.8, -1.2])),
            ],
            &[],
        ),
        case(
            "kron_multiply_transpose",
            "parameter P[2, 2]\nparameter T[4, 4]\nparameter u[2]\nvariable X[2, 2]\nvariable v[2]\n\
             minimize sum_squares(kron(P, X) - T) + sum_squares(multiply(u, v) - 1) + sum_squares(v) \
             + sum_squares(X.T @ u - v)\n",
            vec![
                ("P", mat(2, 2, &[1.0, 0.5, -0.3, 0.8])),
                (
                    "T",
                    mat(
                        4,
                        4,
                        &[0.5, 0.1, -0.2, 0.3, 0.4, 0.9, 0.0, -0.6, 0.2, -0.1, 0.7, 0.3, -0.5, 0.2, 0.1, 1.0],
                    ),
                ),
                ("u", vect(&[0.6, -1.3])),
            ],
            &[],
        ),
    ]
}

#[test]
fn affine_atoms() {
    run_all(affine_cases(), 2);
}

// ---------------------------------------------------------------------------------
// Second-order cones.

fn soc_cases() -> Vec<Case> {
    use K::*;
    vec![
        case(
            "norm2_least_residual",
            "parameter A[3, 2]\nparameter b[3]\nvariable x[2]\n\
             minimize norm2(A @ x - b) + 0.5 * sum_squares(x)\n",
            vec![("A", mat(3, 2, &[1.0, 0.2, -0.4, 1.1, 0.3, 0.5])), ("b", vect(&[1.0, -0.5, 2.0]))],
            &[Soc],
        ),
        case(
            "norm_fro",
            "parameter C[2, 2]\nparameter D[2, 2]\nvariable X[2, 2]\n\
             minimize norm_fro(X - C) + sum_squares(X - D)\n",
            vec![("C", mat(2, 2, &[0.5, -0.2, 0.1, 0.3])), ("D", mat(2, 2, &[1.2, 0.4, -0.8, 0.9]))],
            &[Soc],
        ),
        case(
            "sum_squares_ball_constraint",
            "parameter a[3]\nparameter r nonneg\nparameter c[3]\nvariable x[3]\n\
             minimize c @ x\nsubject to\n    ball: sum_squares(x - a) <= r\n",
            vec![("a", vect(&[0.2, -0.4, 0.1])), ("r", sc(0.8)), ("c", vect(&[1.0, 0.5, -0.7]))],
            &[Soc],
        )
        .duals(&["ball"])
        .objective(),
        case(
            "square_power2_constraint",
            "parameter c[2]\nparameter s nonneg\nvariable x[2]\n\
             minimize sum_squares(x - c)\nsubject to\n    disk: square(x[0]) + power(x[1], 2) <= s\n",
            vec![("c", vect(&[1.5, -1.0])), ("s", sc(0.9))],
            &[Soc],
        )
        .duals(&["disk"]),
        case(
            "quad_form_constraint_quad_over_lin",
            "constant Q[2, 2] = [[2, 0.5], [0.5, 1]]\nparameter c[2]\nparameter a[2]\nvariable x[2]\nvariable y\n\
             minimize c @ x + quad_over_lin(x - a, y) + y\nsubject to\n    ell: quad_form(x, Q) <= 1\n",
            vec![("c", vect(&[0.6, -0.4])), ("a", vect(&[1.5, 1.2]))],
            &[Soc],
        )
        .duals(&["ell"])
        .objective(),
    ]
}

#[test]
fn second_order_cone_atoms() {
    run_all(soc_cases(), 3);
}

// ---------------------------------------------------------------------------------
// Exponential cones.

fn exp_cases() -> Vec<Case> {
    use K::*;
    vec![
        case(
            "exp_log",
            "parameter c[3]\nparameter d[3]\nvariable x[3]\nvariable y[3]\n\
             minimize sum(exp(x)) - sum(log(y)) + sum_squares(x - c) + d @ y\n",
            vec![("c", vect(&[0.3, -1.0, 1.2])), ("d", vect(&[0.5, 1.2, 2.0]))],
            &[Exp],
        ),
        case(
            "entr_softmax_maximize",
            "parameter c[4]\nvariable x[4]\n\
             maximize sum(entr(x)) + c @ x\nsubject to\n    simplex: sum(x) == 1\n",
            vec![("c", vect(&[0.5, -0.3, 1.0, 0.1]))],
            &[Exp, Zero],
        )
        .duals(&["simplex"])
        .objective(),
        case(
            "kl_div_rel_entr",
            "parameter a[3]\nparameter b[3]\nparameter e[3]\nvariable x[3]\nvariable y[3]\n\
             minimize sum(kl_div(x, a)) + sum(rel_entr(b, y)) + e @ y + sum_squares(x - 1)\n",
            vec![("a", vect(&[0.5, 1.5, 1.0])), ("b", vect(&[0.7, 1.2, 0.4])), ("e", vect(&[1.0, 2.0, 0.5]))],
            &[Exp],
        ),
        case(
            "logistic_log_sum_exp",
            "constant lab[4] = [1, -1, 1, -1]\nparameter A[4, 2]\nparameter c[2]\nvariable w[2]\n\
             minimize sum(logistic(-multiply(lab, A @ w))) + 0.1 * sum_squares(w) + log_sum_exp(w - c)\n",
            vec![("A", mat(4, 2, &[1.0, 0.3, -0.5, 0.8, 0.2, -1.0, 0.9, 0.4])), ("c", vect(&[0.2, -0.6]))],
            &[Exp],
        ),
    ]
}

#[test]
fn exponential_cone_atoms() {
    run_all(exp_cases(), 4);
}

// ---------------------------------------------------------------------------------
// Power cones.

fn pow_cases() -> Vec<Case> {
    use K::*;
    vec![
        // One power per problem: with all three in one, Clarabel 0.11.1 stalls at
        // gap 1e-9 ("almost solved") at every tolerance below 1e-8.
        case(
            "power_1p5",
            "parameter c[2]\nvariable x[2]\nminimize sum(power(x, 1.5)) - c @ x\n",
            vec![("c", vect(&[0.9, 1.8]))],
            &[Pow],
        )
        .objective(),
        case(
            "power_3",
            "parameter d[2]\nvariable y[2]\nminimize sum(power(y, 3)) - d @ y\n",
            vec![("d", vect(&[0.75, 3.0]))],
            &[Pow],
        ),
        case(
            "power_minus1",
            "parameter e[2]\nvariable z[2]\nminimize sum(power(z, -1)) + e @ z + sum_squares(z - e)\n",
            vec![("e", vect(&[2.0, 0.8]))],
            &[Pow],
        ),
        case(
            "sqrt_power_half_inv_pos_maximize",
            "parameter c[2]\nparameter d[2]\nvariable x[2]\nvariable y[2]\n\
             maximize sum(sqrt(x)) + sum(power(x, 0.5)) - c @ x - sum(inv_pos(y)) - d @ y\n",
            vec![("c", vect(&[0.8, 2.0])), ("d", vect(&[1.0, 0.3]))],
            &[Pow],
        )
        .objective(),
        case(
            "geo_mean_budget",
            "parameter p[3] nonneg\nparameter q[4] nonneg\nvariable x[3]\nvariable y[4]\n\
             maximize geo_mean(x) + geo_mean(y)\nsubject to\n    budget: p @ x <= 1\n    q @ y <= 2\n",
            vec![("p", vect(&[0.5, 1.0, 2.0])), ("q", vect(&[1.0, 0.7, 1.5, 0.4]))],
            &[Pow],
        )
        .duals(&["budget"])
        .objective(),
        case(
            "norm3",
            "parameter a[3]\nparameter c[3]\nvariable x[3]\n\
             minimize norm(x - a, 3) + sum_squares(x - c)\n",
            vec![("a", vect(&[0.3, -0.2, 0.5])), ("c", vect(&[1.4, -0.9, 0.1]))],
            &[Pow],
        ),
    ]
}

#[test]
fn power_cone_atoms() {
    run_all(pow_cases(), 5);
}

// ---------------------------------------------------------------------------------
// Semidefinite cones.

fn psd_cases() -> Vec<Case> {
    use K::*;
    vec![
        case(
            "psd_projection",
            "parameter C[3, 3] symmetric\nvariable X[3, 3] symmetric\n\
             minimize sum_squares(X - C)\nsubject to\n    cone: X >> 0\n",
            vec![("C", sym_from(&[1.5, -0.7, 0.4], &[1.0, 0.3, -0.5]))],
            &[Psd],
        )
        .duals(&["cone"])
        .objective(),
        case(
            "lambda_max_lambda_min",
            "parameter C[3, 3] symmetric\nvariable X[3, 3] symmetric\n\
             minimize sum_squares(X - C) + lambda_max(X) - lambda_min(X)\n",
            vec![("C", sym_from(&[3.0, 0.5, -2.0], &[0.4, -1.0, 0.6]))],
            &[Psd],
        ),
        case(
            "log_det_maximize",
            "parameter S[3, 3] psd\nvariable X[3, 3] symmetric\n\
             maximize log_det(X) - trace(S @ X)\n",
            vec![("S", sym_from(&[1.0, 2.0, 0.5], &[0.7, 0.2, -0.4]))],
            &[Psd],
        )
        .objective(),
        case(
            "sigma_max",
            "parameter C[2, 3]\nvariable X[2, 3]\nminimize sum_squares(X - C) + sigma_max(X)\n",
            vec![("C", mat(2, 3, &[2.0, 0.5, -1.0, 0.3, 1.1, 0.8]))],
            &[Psd],
        ),
        case(
            "norm_nuc_rank_one",
            "parameter C[2, 3]\nvariable X[2, 3]\nminimize sum_squares(X - C) + norm_nuc(X)\n",
            // Singular values 2 and 0.3: the prox keeps 1.5 and zeroes the other.
            vec![("C", mat(2, 3, &[2.0 * 0.6, 2.0 * 0.8, 0.0, 0.3 * 0.8 * 0.6, -0.3 * 0.6 * 0.6, 0.3 * 0.8]))],
            &[Psd],
        ),
        case(
            "lmi_parameter_matrix",
            "constant B[2, 2] = [[1, 0], [0, -1]]\nparameter A[2, 2] symmetric\nparameter c[2]\nvariable x[2]\n\
             minimize sum_squares(x - c)\nsubject to\n    lmi: A + x[0] * eye(2) + x[1] * B >> 0\n",
            vec![("A", mat(2, 2, &[-1.0, 0.5, 0.5, 0.2])), ("c", vect(&[0.0, 0.3]))],
            &[Psd],
        )
        .duals(&["lmi"])
        .objective(),
        case(
            "quad_form_psd_parameter",
            "parameter S[3, 3] psd\nparameter c[3]\nvariable x[3]\n\
             minimize quad_form(x, S) + c @ x\nsubject to\n    lo: sum(x) >= -5\n",
            vec![("S", sym_from(&[1.0, 2.5, 0.6], &[0.3, 1.0, 0.2])), ("c", vect(&[0.4, -1.0, 0.7]))],
            &[],
        )
        .objective(),
    ]
}

#[test]
fn semidefinite_cone_atoms() {
    run_all(psd_cases(), 6);
}

// ---------------------------------------------------------------------------------
// The atoms of issue 11 (cvxpy's vocabulary), one family per case.

fn vocabulary_cases() -> Vec<Case> {
    use K::*;
    vec![
        case(
            "mean_outer_vdot_convolve_upper_tri",
            "parameter c[3]\nparameter a[2]\nparameter k[2]\nparameter B[3, 2]\n\
             variable x[3]\nvariable Y[3, 3]\nvariable z[2]\n\
             minimize sum_squares(x - c) + sum_squares(Y) + sum_squares(z) \
             + sum_squares(mean(Y, axis=1) - x) + square(mean(x) - 0.3) + sum_squares(outer(x, a) - B) \
             + vdot(a, z) + scalar_product(k, x[0:2]) + sum_squares(convolve(k, x) - 1) \
             + sum_squares(conv(k, z) + a[0]) + sum_squares(upper_tri(Y) - c) + 0.1 * sum(ptp(Y, axis=0))\n",
            vec![
                ("c", vect(&[0.4, -1.1, 0.7])),
                ("a", vect(&[0.8, -0.3])),
                ("k", vect(&[0.5, 1.2])),
                ("B", mat(3, 2, &[0.3, -0.2, 1.0, 0.4, -0.6, 0.9])),
            ],
            &[],
        ),
        case(
            "cummax_ptp_tv1",
            "parameter c[4]\nvariable x[4]\n\
             minimize sum_squares(x - c) + 0.3 * sum(cummax(x)) + 0.4 * ptp(x) + 0.25 * tv(x)\n",
            vec![("c", vect(&[1.3, -0.4, 0.9, 2.1]))],
            &[Nonneg],
        ),
        case(
            "cvar_dotsort",
            "parameter c[5]\nparameter w[3]\nvariable x[5]\n\
             minimize sum_squares(x - c) + cvar(x, 0.5) + dotsort(x, w)\n",
            vec![("c", vect(&[1.4, -0.3, 0.6, -1.2, 0.1])), ("w", vect(&[0.7, -0.2, 0.35]))],
            &[Nonneg],
        ),
        case(
            "tv2_channels",
            "parameter C[3, 3]\nparameter D[3, 3]\nvariable X[3, 3]\nvariable Y[3, 3]\n\
             minimize sum_squares(X - C) + sum_squares(Y - D) + 0.2 * tv(X) + 0.1 * tv(X, Y)\n",
            vec![
                ("C", mat(3, 3, &[0.5, 1.2, -0.3, 0.9, 2.0, 0.4, -0.7, 0.1, 1.5])),
                ("D", mat(3, 3, &[1.1, -0.5, 0.2, 0.3, 0.8, -1.0, 0.6, 1.4, -0.2])),
            ],
            &[Soc],
        ),
        case(
            "harmonic_mean_maximize",
            "parameter c[3] nonneg\nvariable x[3]\n\
             maximize harmonic_mean(x) - c @ x - 0.1 * sum_squares(x)\n",
            vec![("c", vect(&[0.1, 0.25, 0.15]))],
            &[Soc],
        )
        .objective(),
        case(
            "log1p",
            "parameter d[3]\nvariable y[3]\nminimize d @ y - sum(log1p(y)) + 0.1 * sum_squares(y)\n",
            vec![("d", vect(&[0.5, 2.0, 1.2]))],
            &[Exp],
        )
        .objective(),
        case(
            "xexp",
            "parameter c[3]\nvariable x[3] nonneg\nminimize sum(xexp(x)) - c @ x\n",
            vec![("c", vect(&[2.0, 3.5, 1.5]))],
            &[Exp],
        ),
        case(
            "inv_prod",
            "parameter c[3]\nvariable x[3]\nminimize inv_prod(x) + c @ x\n",
            vec![("c", vect(&[1.0, 2.0, 0.5]))],
            &[Pow],
        )
        .objective(),
        case(
            "axis_reductions",
            "parameter A[3, 2]\nvariable X[3, 2]\nvariable Y[3, 2]\n\
             minimize 0.5 * sum_squares(X - A) + 0.4 * sum(norm2(X, axis=1)) + 0.3 * sum(norm(X, 3, axis=0)) \
             + sum_squares(Y - A) + 0.2 * sum(log_sum_exp(Y, axis=1)) + 0.3 * sum(max(Y, axis=0, keepdims=True)) \
             - 0.2 * sum(min(Y, axis=1)) + 0.1 * sum(sum_squares(Y, axis=0)) + 0.1 * sum(norm_inf(X, axis=1))\n",
            vec![("A", mat(3, 2, &[1.2, -0.4, 0.3, 2.0, -1.5, 0.7]))],
            &[Soc, Exp, Pow],
        ),
        case(
            "norm_default_and_matrix_norms",
            "parameter B[2, 3]\nparameter c[3]\nvariable Z[2, 3]\nvariable x[3]\n\
             minimize sum_squares(Z - B) + 0.1 * norm(Z, 1) + 0.05 * norm(Z, \"inf\") + 0.2 * norm(Z, \"fro\") \
             + sum_squares(x - c) + 0.5 * norm(x)\n",
            vec![("B", mat(2, 3, &[1.0, 0.5, -0.3, 0.2, -1.0, 0.8])), ("c", vect(&[0.6, -1.3, 0.4]))],
            &[Soc],
        ),
        case(
            "norm_spectral_nuclear",
            "parameter B[2, 3]\nvariable X[2, 3]\nvariable Y[2, 3]\n\
             minimize sum_squares(X - B) + 0.3 * norm(X, \"nuc\") + sum_squares(Y - B) + 0.25 * norm(Y, 2)\n",
            vec![("B", mat(2, 3, &[1.0, 0.5, -0.3, 0.2, -1.0, 0.8]))],
            &[Psd],
        ),
        case(
            "geo_mean_weighted",
            "parameter c[3] nonneg\nvariable x[3]\n\
             maximize geo_mean(x, [1, 2, 0.5]) - c @ x - 0.1 * sum_squares(x)\n",
            vec![("c", vect(&[0.1, 0.25, 0.15]))],
            &[Pow],
        )
        .objective(),
        case(
            "transpose",
            "parameter A[2, 3]\nvariable X[3, 2]\n\
             minimize sum_squares(transpose(X) - A) + 0.5 * sum_squares(transpose(X)[0, :] - 2 * X[:, 1])\n",
            vec![("A", mat(2, 3, &[1.0, -0.4, 0.7, 0.2, 1.5, -0.9]))],
            &[],
        ),
        case(
            "lambda_sum_largest_smallest",
            "parameter C[3, 3]\nparameter s nonneg\nvariable X[3, 3] symmetric\n\
             minimize sum_squares(X - C) + s * lambda_sum_largest(X, 2) - 0.3 * lambda_sum_smallest(X, 1.5)\n",
            vec![("C", mat(3, 3, &[2.0, -1.0, 0.5, -1.0, 3.0, 0.25, 0.5, 0.25, -1.0])), ("s", sc(0.4))],
            &[Psd],
        ),
        case(
            "bmat",
            "parameter C[3, 3]\nparameter s nonneg\nvariable A[2, 2]\nvariable b[2]\nvariable y[1, 1]\n\
             minimize sum_squares(bmat([[A, reshape(b, 2, 1)], [reshape(b, 1, 2), y]]) - C) + s * sum_squares(A - 0.2) \
             + sum(pos(bmat([[A], [transpose(A)]]) - 0.4))\n",
            vec![("C", mat(3, 3, &[1.0, 0.3, -0.5, 0.3, 2.0, 0.8, -0.5, 0.8, 1.5])), ("s", sc(0.6))],
            &[],
        ),
        case(
            "concatenate",
            "parameter c[5]\nparameter B[2, 3]\nvariable x[2]\nvariable y[3]\nvariable Y[2, 2]\nvariable Z[2, 1]\n\
             minimize sum_squares(concatenate(x, y) - c) + sum_squares(concatenate(Y, Z, axis=1) - B) \
             + sum_squares(concatenate(Y, transpose(Y), axis=0) - 0.5) + sum(pos(concatenate(x, y[0:2], axis=-1)))\n",
            vec![
                ("c", vect(&[0.7, -1.2, 0.4, 1.5, -0.3])),
                ("B", mat(2, 3, &[1.0, -0.4, 0.7, 0.2, 1.5, -0.9])),
            ],
            &[],
        ),
        case(
            "mixed_norm_var_std",
            "parameter A[3, 2]\nparameter c[4]\nvariable X[3, 2]\nvariable y[4]\n\
             minimize sum_squares(X - A) + 0.3 * mixed_norm(X) + 0.2 * mixed_norm(X, 1.5, 2) + sum_squares(y - c) \
             + 0.5 * var(y) + 0.3 * std(y, ddof=1) + 0.2 * sum(std(X, axis=0)) + 0.1 * sum(var(X, axis=1))\n",
            vec![("A", mat(3, 2, &[1.2, -0.4, 0.3, 2.0, -1.5, 0.7])), ("c", vect(&[0.4, -1.3, 2.2, 0.9]))],
            &[Soc, Pow],
        ),
        case(
            "matrix_frac_tr_inv",
            "parameter b[2]\nparameter W[2, 2] symmetric\nvariable Q[2, 2] symmetric\nvariable S[2, 2] symmetric\n\
             minimize matrix_frac(b, Q) + trace(Q) + 0.5 * sum_squares(Q) + tr_inv(S) + sum(multiply(W, S))\n",
            vec![("b", vect(&[1.0, 0.4])), ("W", mat(2, 2, &[2.0, 0.3, 0.3, 1.0]))],
            &[Psd],
        )
        .objective()
        .richardson(),
        case(
            "matrix_frac_parameter_p",
            "parameter P[2, 2] psd\nparameter c[2]\nvariable x[2]\n\
             minimize matrix_frac(x, P) - c @ x + 0.5 * sum_squares(x)\n",
            vec![("P", mat(2, 2, &[2.0, 0.5, 0.5, 1.5])), ("c", vect(&[1.0, -0.6]))],
            &[Psd],
        )
        .richardson(),
        case(
            "von_neumann_entr",
            "parameter C[3, 3] symmetric\nvariable X[3, 3] symmetric\n\
             maximize von_neumann_entr(X) - trace(C @ X)\n",
            vec![("C", mat(3, 3, &[0.5, 0.2, -0.1, 0.2, -0.3, 0.4, -0.1, 0.4, 0.1]))],
            &[Psd, Exp],
        )
        .objective(),
        case(
            "log_normcdf",
            "parameter e[3]\nvariable x[3]\n\
             minimize 0.5 * sum_squares(x) - sum(log_normcdf(x)) + e @ x\n",
            vec![("e", vect(&[0.5, -1.2, 2.3]))],
            &[Soc],
        ),
        case(
            "loggamma",
            "parameter d[2]\nvariable y[2]\nminimize sum(loggamma(y)) - d @ y\n",
            vec![("d", vect(&[1.5, -8.0]))],
            &[Exp],
        ),
    ]
}

#[test]
fn vocabulary_atoms() {
    run_all(vocabulary_cases(), 7);
}

/// Every registered atom appears (called) in some case.
#[test]
fn every_atom_is_covered() {
    let groups = [
        nonnegative_cases(),
        affine_cases(),
        soc_cases(),
        exp_cases(),
        pow_cases(),
        psd_cases(),
        vocabulary_cases(),
    ];
    let text: String = groups.iter().flatten().map(|c| c.src).collect();
    let called = |name: &str| {
        text.match_indices(&format!("{name}("))
            .any(|(at, _)| !text[..at].ends_with(|ch: char| ch.is_ascii_alphanumeric() || ch == '_'))
    };
    let missing: Vec<&str> =
        // The geometric-program atoms are differenced through GP layers in tests/dgp.rs.
        dopt::internals::atoms::ATOMS
            .iter()
            .filter(|a| !a.geometric_only())
            .map(|a| a.name())
            .filter(|n| !called(n))
            .collect();
    assert!(missing.is_empty(), "atoms without an FD case: {missing:?}");
}

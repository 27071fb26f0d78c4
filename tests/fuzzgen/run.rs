//! The pipeline and its properties, through the public API only: parse, compile
//! (check, DCP/DPP, canonicalize), forward, backward, jvp.

use super::arr::{self, Arr};
use super::expr::{self, Env};
use super::program::{self, Attr, Case, Cmp, Tape};
use dopt::{Array, Dims, Error, Problem, Status, Values};

/// How far generated programs got, over a run.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub cases: usize,
    /// Names, shapes and dims check (compiled, or refused only by DCP/DPP or canon).
    pub check_ok: usize,
    /// DCP and DPP (compiled, or refused only by canon).
    pub dcp_ok: usize,
    pub compiled: usize,
    pub broken_refused: usize,
    pub bad_values_refused: usize,
    pub optimal: usize,
    pub other_status: usize,
    /// The non-optimal statuses seen, with counts.
    pub statuses: std::collections::BTreeMap<String, usize>,
    pub checked_feasible: usize,
    pub backward_ok: usize,
    pub backward_refused: usize,
    pub jvp_ok: usize,
    pub adjoint_checked: usize,
    /// jvp compared with central differences of two more solves.
    pub fd_checked: usize,
    /// Raw text inputs: parsed, compiled, solved.
    pub text_parsed: usize,
    pub text_compiled: usize,
    pub text_solved: usize,
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} cases: {} check ok, {} DCP/DPP ok, {} compiled, {} optimal, {} other status, {} constraint-checked, \
             backward {} ok / {} refused, jvp {} ok, {} adjoint checks, {} finite-difference checks, {} broken programs refused, {} bad values refused; \
             non-optimal statuses {:?}; text inputs: {} parsed, {} compiled, {} solved",
            self.cases,
            self.check_ok,
            self.dcp_ok,
            self.compiled,
            self.optimal,
            self.other_status,
            self.checked_feasible,
            self.backward_ok,
            self.backward_refused,
            self.jvp_ok,
            self.adjoint_checked,
            self.fd_checked,
            self.broken_refused,
            self.bad_values_refused,
            self.statuses,
            self.text_parsed,
            self.text_compiled,
            self.text_solved
        )
    }
}

pub fn to_array(a: &Arr) -> Array {
    match a.sh.len() {
        0 => Array::scalar(a.d[0]),
        1 => Array::vector(&a.d),
        _ => Array::matrix(a.sh[0], a.sh[1], &a.d).expect("matrix shape"),
    }
}

pub fn from_array(a: &Array) -> Arr {
    Arr::new(a.shape.dims().to_vec(), a.data.clone())
}

/// A panic caught at the library's boundary (E0999) is a bug like any other panic.
pub fn not_internal(e: &Error) -> Result<(), String> {
    let text = e.render();
    if text.contains("error[E0999]") {
        Err(format!("internal error (a caught panic):\n{text}"))
    } else {
        Ok(())
    }
}

/// Every diagnostic of `e` that comes with its source names a `file:line:col` (and
/// none is an internal error).
pub fn check_locations(e: &Error) -> Result<(), String> {
    not_internal(e)?;
    let Some(src) = &e.source else { return Ok(()) };
    let text = e.render();
    let heads = text.lines().filter(|l| l.starts_with("error[") || l.starts_with("warning[")).count();
    let prefix = format!("--> {}:", src.name);
    let located = text
        .lines()
        .filter(|l| {
            l.trim_start().strip_prefix(&prefix).is_some_and(|rest| {
                let mut it = rest.split(':');
                let ok = |p: Option<&str>| {
                    p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                };
                ok(it.next()) && ok(it.next())
            })
        })
        .count();
    if heads == 0 || located < heads {
        return Err(format!("diagnostic without a file:line:col location:\n{text}"));
    }
    Ok(())
}

fn finite(v: &Values) -> bool {
    v.values().all(|a| a.data.iter().all(|x| x.is_finite()))
}

/// A random array of shape `sh` from the tape.
fn draw(t: &mut Tape, sh: &[usize]) -> Arr {
    let size: usize = sh.iter().product();
    Arr::new(sh.to_vec(), (0..size).map(|_| t.nice()).collect())
}

/// Largest violation of a constraint at the evaluated sides, relative to their scale.
fn violation(op: Cmp, a: &Arr, b: &Arr) -> (f64, f64) {
    let scale = 1.0 + a.max_abs().max(b.max_abs());
    let v = match op {
        Cmp::Le => arr::zip(a, b, |x, y| x - y).max(),
        Cmp::Ge => arr::zip(a, b, |x, y| y - x).max(),
        Cmp::Eq => arr::zip(a, b, |x, y| (x - y).abs()).max(),
        Cmp::Succ | Cmp::Prec => {
            let d = if op == Cmp::Succ { arr::zip(a, b, |x, y| x - y) } else { arr::zip(a, b, |x, y| y - x) };
            -arr::eig_sym(&expr::sym(&d))[0]
        }
    };
    (v.max(0.0), scale)
}

/// Parse, compile and solve a generated case; the tape (after the program) draws the
/// parameter perturbations, cotangents and directions.
pub fn run_case(case: &Case, t: &mut Tape, stats: &mut Stats) -> Result<(), String> {
    stats.cases += 1;
    let fail = |what: &str, detail: String| {
        Err(format!("{what}\n--- program ---\n{}--- detail ---\n{detail}", case.text))
    };
    let problem = match Problem::from_str("gen.dopt", &case.text) {
        Ok(p) => p,
        Err(e) => return fail("generated program does not parse", e.render()),
    };
    let mut dims = Dims::new();
    for (n, v) in &case.given {
        dims = dims.with(n, *v);
    }
    let layer = match problem.compile(&dims) {
        Ok(_) if case.broken => {
            return fail("program with the wrong objective curvature accepted", String::new());
        }
        Ok(l) => l,
        Err(e) => {
            check_locations(&e).or_else(|m| fail("diagnostic without location", m))?;
            let text = e.render();
            let stage = |p: &str| text.lines().filter(|l| l.starts_with("error[")).all(|l| l.starts_with(p));
            if stage("error[E05") || stage("error[E06") || stage("error[E08") {
                stats.check_ok += 1;
            }
            if stage("error[E08") {
                stats.dcp_ok += 1;
            }
            if case.broken && e.render().contains("error[E05") {
                stats.broken_refused += 1;
                return Ok(());
            }
            return fail("well-formed DCP/DPP program refused", e.render());
        }
    };
    stats.compiled += 1;
    stats.check_ok += 1;
    stats.dcp_ok += 1;

    // Parameter values: as generated (x0 is feasible), sometimes scaled, sometimes
    // breaking a declared attribute.
    let mut values: Vec<Arr> = case.values.clone();
    let mode = t.pick(20);
    let mut broke = None;
    if mode == 0 {
        let with_attr: Vec<usize> = (0..case.params.len())
            .filter(|&k| {
                case.params[k].attr != Attr::Free
                    && !(case.params[k].attr == Attr::Symmetric && case.params[k].sh == [1, 1])
            })
            .collect();
        if !with_attr.is_empty() {
            let k = with_attr[t.pick(with_attr.len())];
            let v = &mut values[k];
            match case.params[k].attr {
                Attr::Nonneg => v.d[0] = -1.0,
                Attr::Nonpos => v.d[0] = 1.0,
                Attr::Symmetric => v.d[1] += 1.0,
                Attr::Psd => {
                    let n = v.sh[0];
                    for i in 0..n {
                        v.d[i * n + i] -= 100.0;
                    }
                }
                Attr::Nsd => {
                    let n = v.sh[0];
                    for i in 0..n {
                        v.d[i * n + i] += 100.0;
                    }
                }
                Attr::Free => unreachable!(),
            }
            broke = Some(case.params[k].name.clone());
        }
    }
    let scaled = mode == 1;
    if scaled {
        for v in &mut values {
            *v = v.map(|x| x * 1e3);
        }
    }
    let params: Values =
        case.params.iter().zip(&values).map(|(p, v)| (p.name.clone(), to_array(v))).collect();
    let out = match (layer.forward(&params), &broke) {
        (Err(e), Some(name)) => {
            let text = e.render();
            if !text.contains("E0702") || !text.contains(name.as_str()) {
                return fail("attribute violation refused with the wrong error", text);
            }
            stats.bad_values_refused += 1;
            return Ok(());
        }
        (Ok(_), Some(name)) => return fail("parameter value breaking its attribute accepted", name.clone()),
        (Err(e), None) => return fail("forward refused valid parameter values", e.render()),
        (Ok(o), None) => o,
    };

    let feasible_by_construction = !scaled && !case.extreme;
    match out.status {
        Status::Optimal => stats.optimal += 1,
        Status::Infeasible if feasible_by_construction => {
            return fail(
                "strictly feasible-by-construction problem reported infeasible",
                format!("status {:?}, params {:?}", out.status, values),
            );
        }
        Status::Unbounded if case.regularized && !case.extreme => {
            return fail(
                "problem with a strongly convex objective reported unbounded",
                format!("status {:?}, params {:?}", out.status, values),
            );
        }
        s if std::env::var_os("DOPT_FUZZ_STRICT").is_some()
            && case.regularized
            && feasible_by_construction =>
        {
            return fail("DOPT_FUZZ_STRICT: a feasible, regularized problem not solved", format!("{s:?}"));
        }
        s => {
            stats.other_status += 1;
            *stats.statuses.entry(format!("{s:?}{}", if scaled { " (scaled)" } else { "" })).or_default() +=
                1;
        }
    }

    // Random cotangents for every output, dual and the objective.
    let mut dvars = Values::new();
    for (name, a) in &out.variables {
        if t.chance(80) {
            dvars.insert(name.clone(), to_array(&draw(t, a.shape.dims())));
        }
    }
    for (name, a) in &out.duals {
        if t.chance(50) {
            dvars.insert(format!("dual:{name}"), to_array(&draw(t, a.shape.dims())));
        }
    }
    let with_objective = t.chance(30);
    if with_objective {
        dvars.insert("objective".into(), Array::scalar(t.nice()));
    }
    let grads = layer.backward(&out, &dvars);
    if !out.status.is_optimal() {
        return match grads {
            Ok(_) => {
                fail("backward through a non-optimal solve returned gradients", format!("{:?}", out.status))
            }
            Err(e) if e.render().contains("E0704") => {
                stats.backward_refused += 1;
                Ok(())
            }
            Err(e) => fail("backward through a non-optimal solve: wrong error", e.render()),
        };
    }

    if case.all_outputs && feasible_by_construction && case.regularized {
        stats.checked_feasible += 1;
        check_solution(case, &values, &out, stats)
            .or_else(|m| fail("optimal solution fails the program", m))?;
    }

    let g = match grads {
        Ok(g) => {
            if !finite(&g.params) {
                return fail("backward returned a non-finite gradient", format!("{:?}", g.params));
            }
            stats.backward_ok += 1;
            Some(g)
        }
        Err(e) => {
            stats.backward_refused += 1;
            if !e.render().contains("E0704") {
                return fail("backward refused with an unexpected error", e.render());
            }
            None
        }
    };

    // A direction in parameter space (symmetric for symmetric parameters).
    let mut dir = Values::new();
    for p in &case.params {
        let mut a = draw(t, &p.sh);
        if p.attr.symmetric() {
            a = expr::sym(&a);
        }
        dir.insert(p.name.clone(), to_array(&a));
    }
    match layer.jvp(&out, &dir) {
        Ok((dv, dd)) => {
            if !finite(&dv) || !finite(&dd) {
                return fail("jvp returned non-finite derivatives", format!("{dv:?} {dd:?}"));
            }
            stats.jvp_ok += 1;
            // Central differences of the optimal value along dθ agree with the gradient
            // of the objective from backward. (The value is accurate to the solver's
            // gap tolerance; the solution itself only to about its square root near a
            // cone's apex, too coarse for differences.)
            if let Some(g) = &g
                && !g.singular
                && !g.degenerate
                && feasible_by_construction
                && case.regularized
                && case.objective.is_some()
            {
                let at = |step: f64| -> Option<f64> {
                    let p: Values = params
                        .iter()
                        .map(|(k, a)| {
                            let d = &dir[k];
                            let data: Vec<f64> =
                                a.data.iter().zip(&d.data).map(|(x, v)| x + step * v).collect();
                            (k.clone(), to_array(&Arr::new(a.shape.dims().to_vec(), data)))
                        })
                        .collect();
                    let o = layer.forward_with(&p, &dopt::Settings::tight()).ok()?;
                    o.status.is_optimal().then_some(o.objective)
                };
                // Central differences at ε and ε/10: where the two disagree the value is
                // too curved (or too noisy) at this scale to judge, and the case is skipped.
                let quotient = |eps: f64| Some((at(eps)? - at(-eps)?) / (2.0 * eps));
                let dobj = Values::from([("objective".to_string(), Array::scalar(1.0))]);
                if let (Some(fd), Some(fd2), Ok(gv)) =
                    (quotient(1e-4), quotient(1e-5), layer.backward(&out, &dobj))
                {
                    let want: f64 = dir.iter().map(|(k, a)| dot(&a.data, &gv.params[k].data)).sum();
                    let tol = if case.hard_cones { 1e-2 } else { 1e-3 };
                    // The tight solves' values are good to about 1e-7 (relative).
                    let noise = |eps: f64| 1e-7 * (1.0 + out.objective.abs()) / eps;
                    let bound = |x: f64, y: f64| tol * (1.0 + x.abs().max(y.abs()));
                    if (fd - fd2).abs() <= bound(fd, fd2) + noise(1e-5) {
                        if (fd - want).abs() > bound(fd, want) + noise(1e-4) {
                            return fail(
                                "gradient of the optimal value disagrees with central differences",
                                format!(
                                    "⟨d obj/dθ, dθ⟩ = {want}, difference quotients {fd} (ε = 1e-4), {fd2} (ε = 1e-5); direction {dir:?}; values {params:?}"
                                ),
                            );
                        }
                        stats.fd_checked += 1;
                    }
                }
            }
            // ⟨backward(w), dθ⟩ = ⟨w, jvp(dθ)⟩ when the objective has no cotangent (and
            // the derivative is unique: at a singular system, as for redundant
            // equalities, each picks one of many).
            if let Some(g) = &g
                && !with_objective
                && !g.degenerate
                && !g.singular
                && g.residual < 1e-8
            {
                let lhs: f64 = dir.iter().map(|(k, a)| dot(&a.data, &g.params[k].data)).sum();
                let mut rhs = 0.0;
                for (k, w) in &dvars {
                    let d = match k.strip_prefix("dual:") {
                        Some(l) => &dd[l],
                        None => &dv[k],
                    };
                    rhs += dot(&w.data, &d.data);
                }
                let scale = 1.0 + lhs.abs().max(rhs.abs());
                if (lhs - rhs).abs() > 1e-5 * scale {
                    return fail(
                        "backward and jvp are not adjoint",
                        format!(
                            "<g, dθ> = {lhs}, <w, J dθ> = {rhs}; singular {}, residual {:e}; values {params:?}; direction {dir:?}; cotangents {dvars:?}",
                            g.singular, g.residual
                        ),
                    );
                }
                stats.adjoint_checked += 1;
            }
        }
        Err(e) => {
            if !e.render().contains("E0704") {
                return fail("jvp refused with an unexpected error", e.render());
            }
        }
    }
    Ok(())
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The returned variables satisfy every constraint (and the attributes) within the
/// solver's tolerance, and the reported objective is the objective at them.
fn check_solution(case: &Case, values: &[Arr], out: &dopt::Output, _stats: &mut Stats) -> Result<(), String> {
    let mut env: Env = case.env.clone();
    for (p, v) in case.params.iter().zip(values) {
        env.vals.insert(p.name.clone(), v.clone());
    }
    for v in &case.vars {
        env.vals.insert(v.name.clone(), from_array(&out.variables[&v.name]));
    }
    let tol = if case.hard_cones { 2e-4 } else { 1e-5 };
    // The same point with one variable shifted by ±1e-7 (relative): a steep function
    // (kl_div(x, y) near y = 0) may exceed its bound at the solution by far more than
    // the solver's tolerance while holding a hair away from it.
    let mut nearby: Vec<Env> = vec![];
    for v in &case.vars {
        for sign in [1.0, -1.0] {
            let mut e = env.clone();
            let x = e.vals[&v.name].map(|t| t + sign * 1e-7 * (1.0 + t.abs()));
            e.vals.insert(v.name.clone(), x);
            nearby.push(e);
        }
    }
    let mut worst = String::new();
    for c in &case.cons {
        program::for_each(&c.fors, &mut env.clone(), &mut |env| {
            let sides: Vec<Arr> = c.sides.iter().map(|s| s.eval(env)).collect();
            for (k, op) in c.ops.iter().enumerate() {
                let (v, scale) = violation(*op, &sides[k], &sides[k + 1]);
                let holds_nearby = || {
                    nearby.iter().any(|e| {
                        let mut e = e.clone();
                        e.ints = env.ints.clone();
                        let (v, scale) =
                            violation(*op, &c.sides[k].eval(&mut e), &c.sides[k + 1].eval(&mut e));
                        v <= tol * scale
                    })
                };
                if v > tol * scale && worst.is_empty() && !holds_nearby() {
                    worst = format!(
                        "`{}` violated by {v:e} (scale {scale}) at {:?}",
                        program::con_text(c, false),
                        env.ints
                    );
                }
            }
        });
    }
    for v in &case.vars {
        let x = &env.vals[&v.name];
        let bad = match v.attr {
            Attr::Free => 0.0,
            Attr::Nonneg => (-x.min()).max(0.0),
            Attr::Nonpos => x.max().max(0.0),
            Attr::Symmetric => arr::zip(x, &x.t(), |a, b| (a - b).abs()).max(),
            Attr::Psd => (-arr::eig_sym(&expr::sym(x))[0]).max(0.0),
            Attr::Nsd => arr::eig_sym(&expr::sym(x)).last().unwrap().max(0.0),
        };
        if bad > tol * (1.0 + x.max_abs()) && worst.is_empty() {
            worst = format!("variable `{}` breaks `{}` by {bad:e}", v.name, v.attr.word());
        }
    }
    if !worst.is_empty() {
        return Err(format!("{worst}\nvariables: {:?}", out.variables));
    }
    // An unregularized objective may be unbounded in a way the solver cannot certify
    // (log grows without a recession direction it detects): compare only bounded ones.
    if let Some((_, f)) = case.objective.as_ref().filter(|_| case.regularized) {
        let want = f.eval(&mut env).d[0];
        if (want - out.objective).abs() > 10.0 * tol * (1.0 + want.abs()) {
            return Err(format!(
                "objective reported {} but is {want} at the returned variables",
                out.objective
            ));
        }
    }
    Ok(())
}

/// Raw bytes as a program: text up to the first NUL, then bytes for the values.
/// Bad input may be refused, never panic; diagnostics carry locations; a solve's
/// gradients are finite or refused.
pub fn run_text(bytes: &[u8], stats: &mut Stats) -> Result<(), String> {
    let cut = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let text = String::from_utf8_lossy(&bytes[..cut]);
    let mut t = Tape::new(bytes.get(cut + 1..).unwrap_or(&[]));
    let problem = match Problem::from_str("fuzz.dopt", &text) {
        Ok(p) => p,
        Err(e) => return check_locations(&e),
    };
    stats.text_parsed += 1;
    // Large sizes (`dim n = 2000`) only measure the machine: keep fuzzing fast by
    // compiling only texts whose digit runs are shorter than 4.
    let mut run = 0;
    for b in text.bytes() {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        if run >= 4 {
            return Ok(());
        }
    }
    // Dims without a default get 3 (as `--dim n=3` would).
    let mut dims = Dims::new();
    for line in text.lines() {
        let mut w = line.split_whitespace();
        if w.next() == Some("dim")
            && let Some(name) = w.next()
            && w.next().is_none()
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            dims = dims.with(name, 3);
        }
    }
    let layer = match problem.compile(&dims) {
        Ok(l) => l,
        Err(e) => return check_locations(&e),
    };
    stats.text_compiled += 1;
    let vars: usize = layer.sig.vars.iter().map(|p| p.shape.size()).sum();
    let pars: usize = layer.sig.params.iter().map(|p| p.shape.size()).sum();
    if vars > 2000 || pars > 2000 {
        return Ok(());
    }
    let mut params = Values::new();
    for p in &layer.sig.params {
        let sh = p.shape.dims().to_vec();
        let mut a = draw(&mut t, &sh);
        let attr = p.attrs;
        if !t.chance(10) {
            if attr.nonneg {
                a = a.map(f64::abs);
            }
            if attr.nonpos {
                a = a.map(|v| -v.abs());
            }
            if attr.symmetric {
                a = expr::sym(&a);
            }
            if attr.psd || attr.nsd {
                let mut s = arr::matmul(&a, &a.t());
                if attr.nsd {
                    s = s.map(|v| -v);
                }
                a = s;
            }
        }
        params.insert(p.name.clone(), to_array(&a));
    }
    let out = match layer.forward(&params) {
        Ok(o) => o,
        Err(e) => return not_internal(&e).map_err(|m| format!("{m}\nfor\n{text}")),
    };
    stats.text_solved += 1;
    let mut dvars = Values::new();
    for (name, a) in &out.variables {
        dvars.insert(name.clone(), to_array(&draw(&mut t, a.shape.dims())));
    }
    for (name, a) in &out.duals {
        dvars.insert(format!("dual:{name}"), to_array(&draw(&mut t, a.shape.dims())));
    }
    dvars.insert("objective".into(), Array::scalar(t.nice()));
    match layer.backward(&out, &dvars) {
        Ok(g) if !finite(&g.params) => return Err(format!("non-finite gradient for\n{text}")),
        Ok(_) if !out.status.is_optimal() => {
            return Err(format!("gradient through status {:?}\n{text}", out.status));
        }
        Err(e) => not_internal(&e).map_err(|m| format!("{m}\nfor\n{text}"))?,
        Ok(_) => {}
    }
    let dir: Values =
        params.iter().map(|(k, a)| (k.clone(), to_array(&draw(&mut t, a.shape.dims())))).collect();
    match layer.jvp(&out, &dir) {
        Ok((dv, dd)) if !finite(&dv) || !finite(&dd) => Err(format!("non-finite jvp for\n{text}")),
        Err(e) => not_internal(&e).map_err(|m| format!("{m}\nfor\n{text}")),
        Ok(_) => Ok(()),
    }
}

/// Generate from a tape and run; the values part reads the tape from where the
/// generator stopped.
pub fn run_tape(bytes: &[u8], stats: &mut Stats) -> Result<(), String> {
    let case = program::generate(bytes);
    let mut rest = Tape::new(&bytes[case.tape_used..]);
    run_case(&case, &mut rest, stats)
}

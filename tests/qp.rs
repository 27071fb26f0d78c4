//! The active-set QP path (`qp`): against Clarabel on the QP reference problems and on
//! random QPs (degenerate, redundant equalities, semidefinite P, infeasible,
//! unbounded), gradients against the Clarabel path and finite differences, warm starts
//! from wrong working sets, the fallback, and the layer file's solver field.

mod common;
use common::{Rng, max_abs_diff, reference_json, reference_layer, values};
use dopt::internals::qp::dual::{self, Options, Qp, QpStatus, Row};
use dopt::internals::qp::kkt::ActiveKkt;
use dopt::{Array, BatchPolicy, Dims, Layer, Problem, Settings, SolvedBy, SolverChoice, Status, Values};

fn with(choice: SolverChoice) -> Settings {
    Settings { solver: choice, ..Settings::tight() }
}

fn compile(text: &str) -> Layer {
    Problem::from_str("qp.dopt", text).and_then(|p| p.compile(&Dims::new())).unwrap()
}

fn mat(m: usize, n: usize, data: Vec<f64>) -> Array {
    Array { shape: dopt::Shape::matrix(m, n), data }
}

fn vals(list: &[(&str, Array)]) -> Values {
    list.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

const OPTNET: &str = "dim n = 8\ndim m = 10\ndim p = 3\n\
    parameter Q[n, n] psd\nparameter q[n]\nparameter G[m, n]\nparameter h[m]\n\
    parameter A[p, n]\nparameter b[p]\nvariable z[n]\n\
    minimize 0.5 * quad_form(z, Q) + q @ z\n\
    subject to\n    ineq: G @ z <= h\n    eq: A @ z == b\n";

/// A random OptNet-style QP (n = 8, 10 inequalities, 3 equalities), feasible by
/// construction; `rank` < 8 makes Q singular (semidefinite).
fn optnet_params(seed: u64, rank: usize) -> Values {
    let (n, m, p) = (8, 10, 3);
    let mut r = Rng(seed);
    let l = r.normals(n * rank);
    let mut q = vec![0.0; n * n];
    for a in 0..n {
        for b in 0..n {
            q[a * n + b] = (0..rank).map(|k| l[a * rank + k] * l[b * rank + k]).sum();
        }
    }
    let g = r.normals(m * n);
    let a = r.normals(p * n);
    let z0 = r.normals(n);
    // Some inequalities tight at z0, so that the optimum has a few active ones.
    let h: Vec<f64> =
        (0..m).map(|k| (0..n).map(|j| g[k * n + j] * z0[j]).sum::<f64>() + r.uniform(0.0, 1.0)).collect();
    let b: Vec<f64> = (0..p).map(|k| (0..n).map(|j| a[k * n + j] * z0[j]).sum()).collect();
    vals(&[
        ("Q", mat(n, n, q)),
        ("q", Array::vector(&r.normals(n).iter().map(|v| 3.0 * v).collect::<Vec<_>>())),
        ("G", mat(m, n, g)),
        ("h", Array::vector(&h)),
        ("A", mat(p, n, a)),
        ("b", Array::vector(&b)),
    ])
}

/// Solve with both paths and return the largest difference of the variables and duals.
fn compare(layer: &Layer, params: &Values) -> (f64, dopt::Output) {
    let a = layer.forward_with(params, &with(SolverChoice::ActiveSet)).unwrap();
    let c = layer.forward_with(params, &with(SolverChoice::Clarabel)).unwrap();
    assert_eq!(c.status, Status::Optimal);
    assert_eq!(a.status, Status::Optimal);
    assert_eq!(c.raw.solver, SolvedBy::Clarabel);
    let mut worst: f64 = 0.0;
    for (k, v) in &c.variables {
        worst = worst.max(max_abs_diff(&a.variables[k].data, &v.data));
    }
    for (k, v) in &c.duals {
        worst = worst.max(max_abs_diff(&a.duals[k].data, &v.data));
    }
    worst = worst.max((a.objective - c.objective).abs());
    (worst, a)
}

#[test]
fn random_qps_match_clarabel() {
    let layer = compile(OPTNET);
    assert!(layer.uses_active_set(SolverChoice::Auto), "a small QP is the active set's");
    for seed in 0..20 {
        // Positive definite (rank 8) and semidefinite (rank 3 and 0: an LP) Q.
        for rank in [8, 3, 0] {
            let params = optnet_params(seed, rank);
            if rank == 0 {
                // A random LP may be unbounded; its optimum, when there is one, need
                // not be unique, but the objective is.
                let a = layer.forward_with(&params, &with(SolverChoice::ActiveSet)).unwrap();
                let c = layer.forward_with(&params, &with(SolverChoice::Clarabel)).unwrap();
                assert_eq!(a.status, c.status, "seed {seed}");
                if c.status == Status::Optimal {
                    assert!(
                        (a.objective - c.objective).abs() < 1e-7 * c.objective.abs().max(1.0),
                        "seed {seed}"
                    );
                } else {
                    assert_eq!(a.raw.solver, SolvedBy::Fallback);
                }
                continue;
            }
            let (d, a) = compare(&layer, &params);
            assert_eq!(a.raw.solver, SolvedBy::ActiveSet, "seed {seed} rank {rank}");
            assert!(d < 1e-7, "seed {seed} rank {rank}: differs from Clarabel by {d:.2e}");
        }
    }
}

#[test]
fn qp_reference_problems_match_cvxpy_on_the_active_set() {
    let mut checked = Vec::new();
    for name in common::reference_names() {
        let layer = reference_layer(&name);
        if !layer.uses_active_set(SolverChoice::ActiveSet) {
            continue;
        }
        let json = reference_json(&name);
        let out = layer.forward_with(&values(&json["params"]), &with(SolverChoice::ActiveSet)).unwrap();
        assert_eq!(out.status, Status::Optimal, "{name}");
        assert_eq!(out.raw.solver, SolvedBy::ActiveSet, "{name}");
        let want = json["objective"].as_f64().unwrap();
        assert!(
            (out.objective - want).abs() < 1e-6 * want.abs().max(1.0),
            "{name}: {} vs {want}",
            out.objective
        );
        for (k, v) in values(&json["variables"]) {
            let d = max_abs_diff(&out.variables[&k].data, &v.data);
            let scale = v.data.iter().fold(1.0f64, |a, t| a.max(t.abs()));
            assert!(d < 1e-6 * scale, "{name}.{k}: {d:.2e}");
        }
        checked.push(name);
    }
    // box_qp, elastic_net, eq_least_squares, nnls, relu_small, ridge, sparsemax_small,
    // tracking_mpc: the reference problems whose cone program has only zero and
    // nonnegative cones.
    assert_eq!(checked.len(), 8, "{checked:?}");
}

#[test]
fn lasso_sparsemax_and_redundant_equalities() {
    // Lasso: auxiliary variables with zero curvature (|x| bounds) and a semidefinite P.
    let lasso = compile(
        "dim m = 12\ndim n = 6\nparameter A[m, n]\nparameter b[m]\nparameter lam nonneg\n\
         variable x[n]\nminimize sum_squares(A @ x - b) + lam * norm1(x)\n",
    );
    for seed in 0..5 {
        let mut r = Rng(100 + seed);
        let p = vals(&[
            ("A", mat(12, 6, r.normals(72))),
            ("b", Array::vector(&r.normals(12))),
            ("lam", Array::scalar(r.uniform(0.5, 4.0))),
        ]);
        let (d, a) = compare(&lasso, &p);
        assert_eq!(a.raw.solver, SolvedBy::ActiveSet);
        assert!(d < 1e-7, "lasso seed {seed}: {d:.2e}");
    }
    // The same equation three times (once scaled): the multipliers split, x does not.
    let redundant = compile(
        "parameter c[3]\nvariable x[3]\nminimize sum_squares(x - c)\nsubject to\n    \
         x[0] + x[1] == 1\n    x[0] + x[1] == 1\n    2 * x[0] + 2 * x[1] == 2\n    x >= 0\n",
    );
    let out = redundant
        .forward_with(&vals(&[("c", Array::vector(&[2.0, -1.0, 0.5]))]), &with(SolverChoice::ActiveSet))
        .unwrap();
    assert_eq!(out.raw.solver, SolvedBy::ActiveSet);
    // Projection of (2, −1) on {x0 + x1 = 1, x ≥ 0} is (1, 0); x2 = c2.
    assert!(max_abs_diff(&out.variables["x"].data, &[1.0, 0.0, 0.5]) < 1e-12);
    // Inconsistent equalities: infeasible, reported through Clarabel.
    let inconsistent = compile(
        "variable x[2]\nminimize sum_squares(x)\nsubject to\n    x[0] + x[1] == 1\n    \
         2 * x[0] + 2 * x[1] == 3\n",
    );
    let out = inconsistent.forward_with(&Values::new(), &with(SolverChoice::ActiveSet)).unwrap();
    assert_eq!(out.status, Status::Infeasible);
    assert_eq!(out.raw.solver, SolvedBy::Fallback);
}

/// A dense QP with rows `aᵢᵀx ≤ bᵢ` (and equalities first).
fn dense_qp(p: Vec<f64>, q: Vec<f64>, rows: &[(&[f64], f64, bool)]) -> Qp {
    let n = q.len();
    Qp {
        n,
        p,
        q,
        rows: rows.iter().map(|(a, _, _)| Row { idx: (0..n).collect(), val: a.to_vec() }).collect(),
        b: rows.iter().map(|r| r.1).collect(),
        eq: rows.iter().map(|r| r.2).collect(),
    }
}

#[test]
fn degenerate_infeasible_and_unbounded() {
    // min ‖x − (−1, −1)‖² over x ≥ 0 and x0 + x1 ≥ 0: three constraints active at 0,
    // two of them enough.
    let qp = dense_qp(
        vec![2.0, 0.0, 0.0, 2.0],
        vec![2.0, 2.0],
        &[(&[-1.0, 0.0], 0.0, false), (&[0.0, -1.0], 0.0, false), (&[-1.0, -1.0], 0.0, false)],
    );
    let o = dual::solve(&qp, &[], &Options::default());
    assert_eq!(o.status, QpStatus::Optimal);
    assert!(o.x.iter().all(|v| v.abs() < 1e-14));
    // Stationarity 2x + q = −Σ zᵢaᵢ: z0 + z2 = 2, z1 + z2 = 2, z ≥ 0.
    assert!((o.z[0] + o.z[2] - 2.0).abs() < 1e-12 && (o.z[1] + o.z[2] - 2.0).abs() < 1e-12);
    assert!(o.z.iter().all(|z| *z >= 0.0));

    // x ≥ 1 and x ≤ 0.
    let infeasible = dense_qp(vec![1.0], vec![0.0], &[(&[-1.0], -1.0, false), (&[1.0], 0.0, false)]);
    assert_eq!(dual::solve(&infeasible, &[], &Options::default()).status, QpStatus::Infeasible);

    // min −x0 + x1² over x0 ≥ 0 (P semidefinite, unbounded along x0).
    let unbounded = dense_qp(vec![0.0, 0.0, 0.0, 2.0], vec![-1.0, 0.0], &[(&[-1.0, 0.0], 0.0, false)]);
    let o = dual::solve(&unbounded, &[], &Options::default());
    assert_eq!(o.status, QpStatus::Unbounded);
    assert!(
        o.x[0] > 0.0 && o.x[1].abs() < 1e-9 * o.x[0],
        "the certificate is the direction (1, 0): {:?}",
        o.x
    );

    // Through a layer: both reach Clarabel, which reports the status; the result says
    // the active set fell back.
    let layer =
        compile("parameter c\nvariable x\nminimize square(x - c)\nsubject to\n    x >= 1\n    x <= 0\n");
    let active = with(SolverChoice::ActiveSet);
    let out = layer.forward_with(&vals(&[("c", Array::scalar(0.5))]), &active).unwrap();
    assert_eq!((out.status, out.raw.solver), (Status::Infeasible, SolvedBy::Fallback));
    let layer =
        compile("parameter c\nvariable x\nvariable y\nminimize -c * x + square(y)\nsubject to\n    x >= 0\n");
    let out = layer.forward_with(&vals(&[("c", Array::scalar(1.0))]), &active).unwrap();
    assert_eq!((out.status, out.raw.solver), (Status::Unbounded, SolvedBy::Fallback));
}

#[test]
fn warm_starts_from_wrong_or_stale_working_sets_converge() {
    let layer = compile(OPTNET);
    for seed in 0..10 {
        let params = optnet_params(200 + seed, 8);
        let cold = {
            let s = Settings { warm_start: false, ..with(SolverChoice::ActiveSet) };
            layer.forward_with(&params, &s).unwrap()
        };
        let theta = layer.theta(&params).unwrap();
        let d = dopt::internals::solve::data(&layer.cone, &theta);
        let plan = dopt::internals::qp::Plan::of(&layer.cone);
        let qp = dopt::internals::qp::to_qp(&layer.cone, &d, &plan);
        let ineq: Vec<usize> = (0..qp.rows.len()).filter(|&i| !qp.eq[i]).collect();
        let mut r = Rng(seed);
        let random: Vec<usize> = ineq.iter().copied().filter(|_| r.unit() < 0.5).collect();
        // Every inequality (more than n − p can hold), a random half, out-of-range and
        // equality rows (ignored), and the working set of another problem (stale).
        let stale = dual::solve(
            &dopt::internals::qp::to_qp(
                &layer.cone,
                &dopt::internals::solve::data(
                    &layer.cone,
                    &layer.theta(&optnet_params(900 + seed, 8)).unwrap(),
                ),
                &plan,
            ),
            &[],
            &Options::default(),
        )
        .active;
        for guess in [ineq.clone(), random, vec![0, 1, 2, 9999], stale] {
            let o = dual::solve(&qp, &guess, &Options::default());
            assert_eq!(o.status, QpStatus::Optimal, "seed {seed} guess {guess:?}");
            let d = max_abs_diff(&o.x, &cold.raw.x);
            assert!(d < 1e-9, "seed {seed}: warm from {guess:?} differs by {d:.2e}");
        }
        // The right working set: no add or drop step beyond forcing it in.
        let right = dual::solve(&qp, &dual::solve(&qp, &[], &Options::default()).active, &Options::default());
        assert_eq!(right.iterations, 0, "seed {seed}");
    }
    // Through the layer: a sequence of nearby parameters, warm started call to call,
    // agrees with cold solves; a batch keeps a working set per member.
    let base = optnet_params(5, 8);
    let warm = Settings { warm_start: true, ..with(SolverChoice::ActiveSet) };
    let cold = Settings { warm_start: false, ..with(SolverChoice::ActiveSet) };
    layer.forget_warm_starts();
    let mut sets = std::collections::BTreeSet::new();
    for step in 0..10 {
        let mut p = base.clone();
        let q = p.get_mut("q").unwrap();
        q.data.iter_mut().enumerate().for_each(|(i, v)| *v += 0.05 * step as f64 * (i as f64).sin());
        // h moves too, enough to change the working set: the factorization kept from
        // the previous call (same Q, G, A) is reused and updated.
        let h = p.get_mut("h").unwrap();
        h.data.iter_mut().enumerate().for_each(|(i, v)| *v += 0.2 * step as f64 * (i as f64).cos());
        let a = layer.forward_with(&p, &warm).unwrap();
        let c = layer.forward_with(&p, &cold).unwrap();
        assert_eq!((a.raw.solver, a.status), (SolvedBy::ActiveSet, Status::Optimal), "step {step}");
        assert!(max_abs_diff(&a.raw.x, &c.raw.x) < 1e-9, "step {step}");
        sets.insert(layer.warm_set(0));
    }
    assert!(sets.len() >= 3, "the working set changed along the sequence: {sets:?}");
    let batch: Vec<Values> = (0..6).map(|i| optnet_params(300 + i, 8)).collect();
    for _ in 0..2 {
        let outs = layer.forward_batch(&batch, BatchPolicy::FailBatch).unwrap();
        for (i, o) in outs.iter().enumerate() {
            let o = o.as_ref().unwrap();
            let c = layer.forward_with(&batch[i], &cold).unwrap();
            assert_eq!(o.raw.solver, SolvedBy::ActiveSet);
            assert!(max_abs_diff(&o.raw.x, &c.raw.x) < 1e-9, "member {i}");
        }
    }
}

/// The parameter gradient of `loss = Σ w·z` by both paths and by central differences.
#[test]
fn gradients_match_clarabel_and_finite_differences() {
    let layer = compile(OPTNET);
    let mut checked = 0;
    for seed in 0..8 {
        let params = optnet_params(400 + seed, 8);
        let w = common::random_vec(8, 50 + seed);
        let dz = vals(&[("z", Array::vector(&w))]);
        let a = layer.forward_with(&params, &with(SolverChoice::ActiveSet)).unwrap();
        let c = layer.forward_with(&params, &with(SolverChoice::Clarabel)).unwrap();
        let ga = layer.backward(&a, &dz).unwrap();
        let gc = layer.backward(&c, &dz).unwrap();
        if ga.degenerate || gc.degenerate {
            continue;
        }
        checked += 1;
        for (k, g) in &ga.params {
            let d = max_abs_diff(&g.data, &gc.params[k].data);
            let scale = g.data.iter().fold(1.0f64, |m, v| m.max(v.abs()));
            assert!(d < 1e-8 * scale.max(1.0) * 10.0, "seed {seed} {k}: paths differ by {d:.2e}");
        }
        // Central differences of the active-set solution along q and h.
        for name in ["q", "h", "b"] {
            let len = params[name].data.len();
            for i in [0, len / 2, len - 1] {
                let h = 1e-6;
                let solve = |delta: f64| {
                    let mut p = params.clone();
                    p.get_mut(name).unwrap().data[i] += delta;
                    let o = layer.forward_with(&p, &with(SolverChoice::ActiveSet)).unwrap();
                    o.variables["z"].data.iter().zip(&w).map(|(z, w)| z * w).sum::<f64>()
                };
                let fd = (solve(h) - solve(-h)) / (2.0 * h);
                let g = ga.params[name].data[i];
                assert!(
                    (fd - g).abs() < 1e-6 * g.abs().max(1.0),
                    "seed {seed} d/d{name}[{i}]: {g} vs fd {fd}"
                );
            }
        }
    }
    assert!(checked >= 6, "only {checked} non-degenerate points");
}

#[test]
fn the_solver_choice_is_saved_in_the_layer_file() {
    let layer = compile(OPTNET).with_settings(Settings {
        solver: SolverChoice::Clarabel,
        warm_start: false,
        ..Settings::default()
    });
    let back = Layer::from_bytes(&layer.to_bytes()).unwrap();
    assert_eq!(back.settings.solver, SolverChoice::Clarabel);
    assert!(!back.settings.warm_start);
    let out = back.forward(&optnet_params(1, 8)).unwrap();
    assert_eq!(out.raw.solver, SolvedBy::Clarabel);
    // A version-2 file (no solver field) reads as `auto`, warm starts on.
    let back = Layer::from_bytes(&common::as_format_2(&layer.to_bytes())).unwrap();
    assert_eq!(back.settings.solver, SolverChoice::Auto);
    assert!(back.settings.warm_start);
    assert_eq!(back.forward(&optnet_params(1, 8)).unwrap().raw.solver, SolvedBy::ActiveSet);
    assert_eq!(SolverChoice::parse("active-set"), Some(SolverChoice::ActiveSet));
    assert_eq!(SolverChoice::parse("simplex"), None);
}

#[test]
fn the_command_line_chooses_the_solver_and_prints_it() {
    let file = common::temp_file(
        "qp",
        "relu.dopt",
        b"parameter c[2]\nvariable y[2]\nminimize sum_squares(y - c)\nsubject to\n    y >= 0\n",
    );
    let params = common::temp_file("qp", "relu.json", br#"{"c": [1.5, -2.0]}"#);
    // `sum_squares(y - c)` puts its curvature on an auxiliary t = y − c, so y has none:
    // `auto` leaves such a QP to Clarabel (docs/performance.md).
    for (flag, used) in [("auto", "clarabel"), ("active-set", "active-set"), ("clarabel", "clarabel")] {
        let (code, out, err) = common::dopt(&["solve", &file, "--params", &params, "--solver", flag]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains(&format!("iterations ({used})")), "{flag}: {out}");
        assert!(out.contains("status: optimal\n"), "{out}");
        // min (y − c)² over y >= 0 with c = (1.5, −2): y = (1.5, 0), objective 4.
        let objective: f64 = out
            .lines()
            .find_map(|l| l.strip_prefix("objective: "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(f64::NAN);
        assert!((objective - 4.0).abs() < 1e-6, "{out}");
    }
    let (code, out, _) =
        common::dopt(&["solve", &file, "--params", &params, "--json", "--solver", "clarabel"]);
    assert_eq!(code, 0);
    assert!(out.contains("\"solver\": \"clarabel\""), "{out}");
    let (code, _, err) = common::dopt(&["solve", &file, "--params", &params, "--solver", "simplex"]);
    assert_eq!(code, 1);
    assert!(err.contains("--solver simplex: expected one of `auto`, `clarabel`, `active-set`"), "{err}");
    // A layer file keeps the choice; --solver overrides it.
    let layer = common::temp_path("qp", "relu.dlayer");
    let (code, _, err) = common::dopt(&["compile", &file, "-o", &layer, "--solver", "clarabel"]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = common::dopt(&["solve", &layer, "--params", &params]);
    assert!(out.contains("iterations (clarabel)"), "{out}");
    let (_, out, _) = common::dopt(&["solve", &layer, "--params", &params, "--solver", "active-set"]);
    assert!(out.contains("iterations (active-set)"), "{out}");
}

/// Regression: `abs(u) <= 1` has an auxiliary t with |u| ≤ t ≤ 1 where |u| < 1, any
/// value optimal. The active set stopped at t = |u|, a weakly active row with a zero
/// multiplier, and the backward pass flagged the (unique) gradient degenerate; the
/// free column is now moved to the middle of its interval, as an interior point would.
#[test]
fn free_auxiliary_variables_are_not_left_on_a_bound() {
    let json = reference_json("tracking_mpc");
    let layer = reference_layer("tracking_mpc");
    let out = layer.forward_with(&values(&json["params"]), &with(SolverChoice::ActiveSet)).unwrap();
    assert_eq!(out.raw.solver, SolvedBy::ActiveSet);
    // Every nonnegative row is strictly complementary: one of s, z is 0, the other not.
    let rows = layer.cone.m;
    let first = rows - 12;
    for i in first..rows {
        let (s, z) = (out.raw.s[i], out.raw.z[i]);
        assert!((s == 0.0) != (z == 0.0) && s.max(z) > 1e-3, "row {i}: s {s}, z {z}");
    }
    let g = layer.backward(&out, &values(&json["weights"])).unwrap();
    assert!(!g.degenerate && !g.singular);
    for (k, want) in values(&json["grads"]) {
        let d = max_abs_diff(&g.params[&k].data, &want.data);
        assert!(d < 1e-6, "d/d{k}: {d:.2e}");
    }
}

/// A small box-constrained MPC: 124 variables, a QP with curvature on every column that
/// `auto` leaves to Clarabel when cold (n > 100), so its choice follows each slot.
const MPC: &str = "dim nx = 4\ndim nu = 2\ndim T = 20\n\
    constant A[nx, nx] = [[1.0, 0.1, 0.0, 0.0], [0.0, 1.0, 0.1, 0.0], [0.0, 0.0, 1.0, 0.1], [0.05, 0.0, 0.0, 1.0]]\n\
    constant B[nx, nu] = [[0.0, 0.0], [0.1, 0.0], [0.0, 0.0], [0.0, 0.1]]\n\
    parameter x0[nx]\nvariable x[nx, T+1]\nvariable u[nu, T]\n\
    minimize sum_squares(x) + 0.1 * sum_squares(u)\n\
    subject to\n    x[:, 0] == x0\n    for t in 0..T: x[:, t+1] == A @ x[:, t] + B @ u[:, t]\n    -1 <= u <= 1\n";

fn x0(v: [f64; 4]) -> Values {
    vals(&[("x0", Array::vector(&v))])
}

#[test]
fn auto_follows_a_slot_onto_the_active_set_while_calls_move_little() {
    let auto = Settings::tight();
    let run = |layer: &Layer| -> Vec<(SolvedBy, u32, Vec<f64>)> {
        let mut out = Vec::new();
        // Small steps (a training loop), then a jump that saturates many inputs, then
        // the same values twice.
        let mut seq: Vec<[f64; 4]> = (0..6).map(|k| [1.0 + 1e-3 * k as f64, -0.5, 0.3, 0.2]).collect();
        seq.extend([[9.0, -7.0, 8.0, 6.0]; 3]);
        for v in seq {
            let o = layer.forward_with(&x0(v), &auto).unwrap();
            let c = layer.forward_with(&x0(v), &with(SolverChoice::Clarabel)).unwrap();
            assert_eq!(o.status, Status::Optimal);
            let d = max_abs_diff(&o.raw.x, &c.raw.x);
            assert!(d < 1e-7, "{v:?}: {:?} differs from Clarabel by {d:.2e}", o.raw.solver);
            out.push((o.raw.solver, o.raw.iterations, o.raw.x));
        }
        out
    };
    let layer = compile(MPC);
    assert!(!layer.uses_active_set(SolverChoice::Auto), "a cold call goes to Clarabel");
    let first = run(&layer);
    let solvers: Vec<SolvedBy> = first.iter().map(|r| r.0).collect();
    use SolvedBy::{ActiveSet as A, Clarabel as C};
    // Two Clarabel calls with the same active set, then the active set while each solve
    // changes at most n/40 = 3 rows; the jump takes more, so the next call is
    // Clarabel's, whose active set equals the jump's: the last goes back.
    assert_eq!(solvers, [C, C, A, A, A, A, A, C, A], "{first:?}");
    assert!(first[6].1 > 3, "the jump changed {} rows", first[6].1);
    assert_eq!(first[8].1, 0, "warm from the same values: no change");
    // The choice depends on the calls alone: a fresh layer given the same calls gives
    // the same solvers and the same bits.
    let again = run(&compile(MPC));
    for (a, b) in first.iter().zip(&again) {
        assert_eq!((a.0, a.1), (b.0, b.1));
        assert_eq!(a.2, b.2);
    }
    // Without warm starts `auto` keeps to Clarabel.
    let cold = Settings { warm_start: false, ..Settings::tight() };
    for k in 0..4 {
        let o = layer.forward_with(&x0([1.0 + 1e-3 * k as f64, -0.5, 0.3, 0.2]), &cold).unwrap();
        assert_eq!(o.raw.solver, SolvedBy::Clarabel);
    }
    // A batch follows each member's slot.
    let layer = compile(MPC);
    let batch = |k: usize| -> Vec<Values> {
        (0..3).map(|i| x0([1.0 + 1e-3 * k as f64, -0.5 + 0.1 * i as f64, 0.3, 0.2])).collect()
    };
    for (k, want) in [C, C, A, A].into_iter().enumerate() {
        let outs = layer.forward_batch(&batch(k), BatchPolicy::FailBatch).unwrap();
        for (i, o) in outs.iter().enumerate() {
            assert_eq!(o.as_ref().unwrap().raw.solver, want, "batch {k} member {i}");
        }
    }
}

#[test]
fn auto_never_follows_a_qp_without_curvature_on_every_column() {
    // lasso's |x| epigraph variables have no curvature: its vertices are weakly active
    // where an interior point's centre is not, so `auto` keeps it on Clarabel.
    let layer = compile(
        "dim m = 6\ndim n = 4\nparameter A[m, n]\nparameter b[m]\nvariable x[n]\n\
         minimize sum_squares(A @ x - b) + 0.1 * norm1(x)\n",
    );
    let mut r = Rng(3);
    let a = mat(6, 4, r.normals(24));
    for k in 0..6 {
        let b = Array::vector(&(0..6).map(|i| 1.0 + 1e-3 * (k + i) as f64).collect::<Vec<_>>());
        let o = layer.forward_with(&vals(&[("A", a.clone()), ("b", b)]), &Settings::tight()).unwrap();
        assert_eq!(o.raw.solver, SolvedBy::Clarabel, "call {k}");
    }
}

// The dense backward of active-set solutions (`qp::kkt`): the same answers, flags and
// residual semantics as the sparse path, and that path's exact answer where it does not
// apply.

/// Whether the dense backward applies to the active-set output `out` (as the layer
/// decides it, with a fresh factorization).
fn dense_applies(layer: &Layer, out: &dopt::Output) -> bool {
    let cp = &layer.cone;
    let d = dopt::internals::solve::data(cp, &out.theta);
    let plan = dopt::internals::qp::Plan::of(cp);
    let raw = &out.raw;
    let factor_nnz = dopt::internals::diff::derivative::KktSymbolic::new(cp).nnz().1;
    raw.solver == SolvedBy::ActiveSet
        && dopt::internals::qp::kkt::is_cheaper(cp.n, factor_nnz)
        && !dopt::internals::diff::derivative::qp_weakly_active(cp, &raw.s, &raw.z)
        && ActiveKkt::new(cp, &d, &plan, (&raw.x, &raw.s, &raw.z), None).is_some()
}

/// The same solution labelled as Clarabel's: its backward and jvp take the sparse path.
fn as_clarabel(out: &dopt::Output) -> dopt::Output {
    let mut o = out.clone();
    o.raw.solver = SolvedBy::Clarabel;
    o
}

/// Largest difference between two maps of arrays, relative to max(1, largest entry).
fn map_diff(a: &Values, b: &Values) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .map(|(k, v)| {
            let scale = v.data.iter().fold(1.0f64, |m, t| m.max(t.abs()));
            max_abs_diff(&v.data, &b[k].data) / scale
        })
        .fold(0.0, f64::max)
}

/// Random cotangents of every output: the variables, every named dual, the objective.
fn all_cotangents(out: &dopt::Output, seed: u64) -> Values {
    let mut r = Rng(seed);
    let mut v = Values::new();
    for (k, a) in &out.variables {
        v.insert(k.clone(), Array { shape: a.shape, data: r.normals(a.data.len()) });
    }
    for (k, a) in &out.duals {
        v.insert(format!("dual:{k}"), Array { shape: a.shape, data: r.normals(a.data.len()) });
    }
    v.insert("objective".to_string(), Array::scalar(r.uniform(-1.0, 1.0)));
    v
}

/// A random direction in every parameter (symmetric for matrices declared `psd`).
fn all_directions(layer: &Layer, seed: u64) -> Values {
    let mut r = Rng(seed);
    let mut v = Values::new();
    for p in &layer.sig.params {
        let mut data = r.normals(p.shape.size());
        if p.shape.ndim() == 2 && p.shape.dims()[0] == p.shape.dims()[1] && p.name == "Q" {
            let n = p.shape.dims()[0];
            for a in 0..n {
                for b in 0..a {
                    data[a * n + b] = data[b * n + a];
                }
            }
        }
        v.insert(p.name.clone(), Array { shape: p.shape, data });
    }
    v
}

/// Backward and jvp of the active-set output `a` by the layer (dense where it applies)
/// and by the sparse path: the same numbers to `tol` and the same flags where the dense
/// path applies, exactly the same answer where it does not. Returns whether it applied.
fn check_paths(layer: &Layer, a: &dopt::Output, seed: u64, tol: f64) -> bool {
    let dense = dense_applies(layer, a);
    let s = as_clarabel(a);
    let cot = all_cotangents(a, seed);
    let gd = layer.backward(a, &cot).unwrap();
    let gs = layer.backward(&s, &cot).unwrap();
    assert_eq!((gd.degenerate, gd.singular), (gs.degenerate, gs.singular), "seed {seed}: flags");
    let dir = all_directions(layer, seed + 1);
    let (vd, dd) = layer.jvp(a, &dir).unwrap();
    let (vs, ds) = layer.jvp(&s, &dir).unwrap();
    if dense {
        assert!(!gd.degenerate && !gd.singular, "seed {seed}");
        assert!(gd.residual <= 1e-12 && gs.residual <= 1e-12, "seed {seed}: {} {}", gd.residual, gs.residual);
        let d = map_diff(&gd.params, &gs.params);
        assert!(d < tol, "seed {seed}: backward paths differ by {d:.2e}");
        let d = map_diff(&vd, &vs).max(map_diff(&dd, &ds));
        assert!(d < tol, "seed {seed}: jvp paths differ by {d:.2e}");
    } else {
        assert_eq!(gd.residual.to_bits(), gs.residual.to_bits(), "seed {seed}");
        for (k, g) in &gd.params {
            assert_eq!(g.data, gs.params[k].data, "seed {seed}: {k}");
        }
        for (k, g) in vd.iter().chain(&dd) {
            assert_eq!(g.data, vs.get(k).or(ds.get(k)).unwrap().data, "seed {seed}: jvp {k}");
        }
    }
    dense
}

/// A least-squares QP whose curvature sits on canonicalization's auxiliary variables
/// (`t = F z − g`): P is singular (zero on z), the proximal case of the solver, and the
/// equality rows of t make the reduced KKT system nonsingular.
const LSQ: &str = "dim n = 6\ndim k = 9\ndim m = 8\n\
    parameter F[k, n]\nparameter g[k]\nparameter G[m, n]\nparameter h[m]\nparameter q[n]\n\
    variable z[n]\n\
    minimize sum_squares(F @ z - g) + q @ z\n\
    subject to\n    ineq: G @ z <= h\n    lo: z >= -1\n";

fn lsq_params(seed: u64) -> Values {
    let (n, k, m) = (6, 9, 8);
    let mut r = Rng(seed);
    let g = r.normals(m * n);
    let z0: Vec<f64> = r.normals(n).iter().map(|v| 0.3 * v).collect();
    let h: Vec<f64> =
        (0..m).map(|i| (0..n).map(|j| g[i * n + j] * z0[j]).sum::<f64>() + r.uniform(0.0, 0.5)).collect();
    vals(&[
        ("F", mat(k, n, r.normals(k * n))),
        ("g", Array::vector(&r.normals(k).iter().map(|v| 3.0 * v).collect::<Vec<_>>())),
        ("G", mat(m, n, g)),
        ("h", Array::vector(&h)),
        ("q", Array::vector(&r.normals(n))),
    ])
}

#[test]
fn dense_backward_matches_the_sparse_path() {
    let optnet = compile(OPTNET);
    let lsq = compile(LSQ);
    // Q positive definite, Q of rank 5 (P singular: the proximal case), and the
    // least-squares QP with curvature on auxiliary variables only.
    let mut applied = [0, 0, 0];
    for seed in 0..10 {
        let cases: [(&Layer, Values); 3] = [
            (&optnet, optnet_params(500 + seed, 8)),
            (&optnet, optnet_params(600 + seed, 5)),
            (&lsq, lsq_params(700 + seed)),
        ];
        for (c, (layer, params)) in cases.iter().enumerate() {
            let a = layer.forward_with(params, &with(SolverChoice::ActiveSet)).unwrap();
            assert_eq!(a.raw.solver, SolvedBy::ActiveSet, "case {c} seed {seed}");
            applied[c] += check_paths(layer, &a, 800 + seed, 1e-9) as usize;
            // And against the Clarabel solution's gradient (both non-degenerate).
            let cot = all_cotangents(&a, 900 + seed);
            let ga = layer.backward(&a, &cot).unwrap();
            let cl = layer.forward_with(params, &with(SolverChoice::Clarabel)).unwrap();
            let gc = layer.backward(&cl, &cot).unwrap();
            if !ga.degenerate && !gc.degenerate && !ga.singular && !gc.singular {
                let d = map_diff(&ga.params, &gc.params);
                assert!(d < 1e-6, "case {c} seed {seed}: active set vs Clarabel {d:.2e}");
            }
        }
    }
    assert!(applied.iter().all(|&k| k >= 8), "dense path applied {applied:?} times of 10");
}

/// Forward mode through the dense system against central differences of re-solves, on
/// the semidefinite OptNet QP and the least-squares QP (P singular on both).
#[test]
fn dense_jvp_matches_central_differences() {
    let optnet = compile(OPTNET);
    let lsq = compile(LSQ);
    let cases: [(&Layer, Values); 2] = [(&optnet, optnet_params(611, 5)), (&lsq, lsq_params(712))];
    for (c, (layer, params)) in cases.iter().enumerate() {
        let a = layer.forward_with(params, &with(SolverChoice::ActiveSet)).unwrap();
        assert!(dense_applies(layer, &a), "case {c}");
        let mut dir = all_directions(layer, 40 + c as u64);
        if let Some(q) = params.get("Q") {
            // Q of rank 5 moved along itself stays PSD.
            dir.insert("Q".to_string(), q.clone());
        }
        let (dv, dd) = layer.jvp(&a, &dir).unwrap();
        let h = 1e-6;
        let at = |t: f64| {
            let mut p = params.clone();
            for (k, v) in p.iter_mut() {
                v.data.iter_mut().zip(&dir[k].data).for_each(|(x, d)| *x += t * d);
            }
            layer.forward_with(&p, &with(SolverChoice::ActiveSet)).unwrap()
        };
        let (plus, minus) = (at(h), at(-h));
        let fd = |p: &Values, m: &Values, k: &str| -> Vec<f64> {
            p[k].data.iter().zip(&m[k].data).map(|(p, m)| (p - m) / (2.0 * h)).collect()
        };
        for (k, g) in dv.iter() {
            let d = max_abs_diff(&fd(&plus.variables, &minus.variables, k), &g.data);
            assert!(d < 1e-5, "case {c} d{k}: {d:.2e}");
        }
        for (k, g) in dd.iter() {
            let d = max_abs_diff(&fd(&plus.duals, &minus.duals, k), &g.data);
            assert!(d < 1e-5, "case {c} d dual {k}: {d:.2e}");
        }
    }
}

/// Batch members use their own slots' factorizations, and a warm-started sequence
/// (the factorization updated call after call) keeps agreeing with the sparse path.
#[test]
fn dense_backward_in_batches_and_warm_sequences() {
    let layer = compile(OPTNET);
    let batch: Vec<Values> = (0..6).map(|i| optnet_params(1000 + i, 8)).collect();
    let outs = layer.forward_batch(&batch, BatchPolicy::FailBatch).unwrap().into_values().unwrap();
    let cots: Vec<Values> =
        outs.iter().enumerate().map(|(i, o)| all_cotangents(o, 1100 + i as u64)).collect();
    let grads = layer.backward_batch(&outs, &cots, BatchPolicy::FailBatch).unwrap().into_values().unwrap();
    let mut applied = 0;
    for (i, (o, g)) in outs.iter().zip(&grads).enumerate() {
        applied += dense_applies(&layer, o) as usize;
        let gs = layer.backward(&as_clarabel(o), &cots[i]).unwrap();
        assert_eq!((g.degenerate, g.singular), (gs.degenerate, gs.singular));
        let d = map_diff(&g.params, &gs.params);
        assert!(d < 1e-9, "member {i}: {d:.2e}");
    }
    assert!(applied >= 5, "{applied}");
    // A training-like sequence: q and h drift, Q, G, A fixed (the factorization is
    // reused and updated by the warm starts).
    let warm = Settings { solver: SolverChoice::ActiveSet, warm_start: true, ..Settings::tight() };
    let base = optnet_params(1200, 8);
    let mut applied = 0;
    for k in 0..40 {
        let mut p = base.clone();
        for name in ["q", "h", "b"] {
            for (j, x) in p.get_mut(name).unwrap().data.iter_mut().enumerate() {
                *x += 0.05 * (0.3 * k as f64 + j as f64).sin();
            }
        }
        let a = layer.forward_with(&p, &warm).unwrap();
        applied += check_paths(&layer, &a, 1300 + k, 1e-9) as usize;
    }
    assert!(applied >= 35, "{applied}");
}

/// Where the dense path does not apply, the layer gives the sparse path's answer
/// exactly: a weakly active row (ReLU at 0: degenerate) and redundant equalities
/// (dependent active rows: singular).
#[test]
fn degenerate_and_singular_points_take_the_sparse_path() {
    let relu =
        compile("parameter x[3]\nvariable y[3]\nminimize sum_squares(y - x)\nsubject to\n    pos: y >= 0\n");
    let a = relu
        .forward_with(&vals(&[("x", Array::vector(&[1.0, 0.0, -1.0]))]), &with(SolverChoice::ActiveSet))
        .unwrap();
    assert_eq!(a.raw.solver, SolvedBy::ActiveSet);
    assert!(!check_paths(&relu, &a, 1, 0.0));
    let g = relu.backward(&a, &vals(&[("y", Array::vector(&[1.0, 1.0, 1.0]))])).unwrap();
    assert!(g.degenerate);
    let redundant = compile(
        "parameter c[3]\nvariable x[3]\nminimize sum_squares(x - c)\nsubject to\n    \
         e: x[0] + x[1] == 1\n    x[0] + x[1] == 1\n    x >= 0\n",
    );
    let a = redundant
        .forward_with(&vals(&[("c", Array::vector(&[0.7, 0.1, 0.5]))]), &with(SolverChoice::ActiveSet))
        .unwrap();
    assert_eq!(a.raw.solver, SolvedBy::ActiveSet);
    assert!(!check_paths(&redundant, &a, 2, 0.0));
    let g = redundant.backward(&a, &vals(&[("x", Array::vector(&[1.0, -1.0, 1.0]))])).unwrap();
    assert!(g.singular && !g.degenerate);
}

#[test]
fn huge_constraint_rows_are_not_reported_optimal_when_violated() {
    // |a| > 1.3e154 overflowed ‖a‖² to ∞: the violated row looked satisfied and the
    // active set reported y = 1 as optimal for `2a·y <= 1` (found in review). Now such a
    // solve goes to Clarabel, and whatever answers, an optimal y satisfies the row.
    let layer =
        compile("parameter a\nvariable y\nminimize square(y - 1)\nsubject to\n    c: 2 * a * y <= 1\n");
    for a in [1e160, 1e300, 1e10] {
        let o =
            layer.forward_with(&vals(&[("a", Array::scalar(a))]), &with(SolverChoice::ActiveSet)).unwrap();
        let y = o.variables["y"].data[0];
        if o.status == Status::Optimal {
            assert!(2.0 * a * y <= 1.0 + 1e-6, "a = {a:e}: y = {y:e} violates the row ({:?})", o.raw.solver);
        }
        if a == 1e10 {
            assert_eq!((o.status, o.raw.solver), (Status::Optimal, SolvedBy::ActiveSet));
            assert!((y / 0.5e-10 - 1.0).abs() < 1e-4, "{y:e}"); // the row 2a·y <= 1 is active
        } else {
            assert_ne!(o.raw.solver, SolvedBy::ActiveSet, "a = {a:e}");
        }
    }
}

#[test]
fn auto_keeps_a_qp_whose_constraint_matrix_moves_on_clarabel() {
    // Learned dynamics: A changes every call, so a warm active-set solve would factor
    // afresh each time (2–11× Clarabel's cost, measured in review); `auto` stays on
    // Clarabel, and goes to the active set once A stops moving.
    let text = MPC.replace(
        "constant A[nx, nx] = [[1.0, 0.1, 0.0, 0.0], [0.0, 1.0, 0.1, 0.0], [0.0, 0.0, 1.0, 0.1], [0.05, 0.0, 0.0, 1.0]]",
        "parameter A[nx, nx]",
    );
    let layer = compile(&text);
    assert!(layer.auto_follows_calls());
    let dynamics = |e: f64| {
        mat(4, 4, vec![1.0, 0.1, 0.0, 0.0, 0.0, 1.0, 0.1, 0.0, 0.0, 0.0, 1.0, 0.1, 0.05 + e, 0.0, 0.0, 1.0])
    };
    let call = |e: f64| {
        let p = vals(&[("x0", Array::vector(&[1.0, -0.5, 0.3, 0.2])), ("A", dynamics(e))]);
        let o = layer.forward_with(&p, &Settings::tight()).unwrap();
        let c = layer.forward_with(&p, &with(SolverChoice::Clarabel)).unwrap();
        assert!(max_abs_diff(&o.raw.x, &c.raw.x) < 1e-7);
        o.raw.solver
    };
    let moving: Vec<SolvedBy> = (0..6).map(|k| call(1e-4 * k as f64)).collect();
    assert_eq!(moving, [SolvedBy::Clarabel; 6]);
    let still: Vec<SolvedBy> = (0..4).map(|_| call(1e-3)).collect();
    assert_eq!(still, [SolvedBy::Clarabel, SolvedBy::Clarabel, SolvedBy::ActiveSet, SolvedBy::ActiveSet]);
}

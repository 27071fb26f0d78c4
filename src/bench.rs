//! The benchmark behind `dopt bench` and `cargo bench`: per-call cost of compiled
//! layers against the floor of a raw Clarabel solve of the same cone program, batch
//! throughput, and the build of a layer with a dense 1000×1000 parameter.
//!
//! Problems (the peers' set, `docs/performance.md`): sparsemax n=100, softmax n=100,
//! LML n=100 k=10, an OptNet-style dense QP (n=50, 50 inequalities, 10 equalities),
//! box-constrained MPC (8 states, 4 inputs, horizon 20), lasso with a 100×50 parameter
//! matrix; and the build of `0.5·sum_squares(Q @ x) + q @ x` with Q a dense 1000×1000
//! parameter. Times are medians over repeated calls on distinct parameter values.

use crate::ir::hir::Array;
use crate::layer::{BatchPolicy, Layer};
use crate::problem::Problem;
use crate::sema::Dims;
use crate::solve::{self, Settings, SolvedBy, SolverChoice};
use crate::values::Values;
use std::fmt::Write as _;
use std::time::Instant;

/// One benchmark problem: its text, dims, and a generator of parameter values and
/// loss weights for member `i` of a batch.
pub struct Case {
    /// The row label.
    pub name: &'static str,
    /// The `.dopt` text.
    pub text: String,
    /// Dims to compile with.
    pub dims: Dims,
    /// Parameter values of member `i` (distinct per `i`, deterministic).
    pub params: Box<dyn Fn(u64) -> Values + Sync>,
    /// Loss weights d(loss)/d(outputs) of member `i`.
    pub dvars: Box<dyn Fn(u64) -> Values + Sync>,
}

/// Figures for one problem, in seconds.
#[derive(Clone, Debug)]
pub struct Row {
    /// The problem.
    pub name: &'static str,
    /// Parse, check, analysis and canonicalization.
    pub compile: f64,
    /// A fresh Clarabel solver's setup and solve, data already computed (the floor).
    pub raw: f64,
    /// The interior-point solve alone in those raw solves (their setup left out).
    pub clarabel: f64,
    /// One `Layer::forward` call.
    pub forward: f64,
    /// One `Layer::backward` call.
    pub backward: f64,
    /// One `forward_batch` of the batch size.
    pub forward64: f64,
    /// One `backward_batch` of the batch size.
    pub backward64: f64,
    /// Variables of the cone program.
    pub n: usize,
    /// Constraint rows of the cone program.
    pub m: usize,
    /// Calls (single, and members of the last batch) that did not end optimal at
    /// Clarabel's default tolerances: left out of the single-call medians.
    pub not_optimal: usize,
    /// The solver the layer's automatic choice uses (`clarabel` or `active-set`).
    pub solver: &'static str,
}

/// The build figure: time and peak memory growth of compiling the dense QP.
#[derive(Clone, Debug)]
pub struct Build {
    /// The size of the dense parameter Q (n × n).
    pub n: usize,
    /// Compile time.
    pub seconds: f64,
    /// Growth of the process's peak resident memory during the compile (Linux only).
    pub peak_mb: Option<f64>,
    /// Nonzeros of the parameter map M.
    pub nnz: usize,
}

/// A small deterministic generator (xorshift) for parameter values.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (any value, 0 included).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03 | 1)
    }
    /// Uniform in [-1, 1).
    pub fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
    /// `n` values uniform in [−scale, scale).
    pub fn vec(&mut self, n: usize, scale: f64) -> Vec<f64> {
        (0..n).map(|_| scale * self.uniform()).collect()
    }
}

fn values(list: Vec<(&str, Array)>) -> Values {
    list.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn matrix(m: usize, n: usize, data: Vec<f64>) -> Array {
    Array { shape: crate::ir::shape::Shape::matrix(m, n), data }
}

fn std_case(name: &'static str, file: &str, dims: Dims, n: usize, scale: f64) -> Case {
    let text = crate::stdlib::get(file).unwrap_or_default().to_string();
    Case {
        name,
        text,
        dims,
        params: Box::new(move |i| values(vec![("x", Array::vector(&Rng::new(i).vec(n, scale)))])),
        dvars: Box::new(move |i| values(vec![("y", Array::vector(&Rng::new(1000 + i).vec(n, 1.0)))])),
    }
}

fn optnet_case() -> Case {
    let (n, m, p) = (50usize, 50usize, 10usize);
    let text = "# OptNet-style QP: dense parameters everywhere\n\
        dim n = 50\ndim m = 50\ndim p = 10\n\
        parameter Q[n, n] psd\nparameter q[n]\nparameter G[m, n]\nparameter h[m]\n\
        parameter A[p, n]\nparameter b[p]\nvariable z[n]\n\
        minimize 0.5 * quad_form(z, Q) + q @ z\n\
        subject to\n    G @ z <= h\n    A @ z == b\n"
        .to_string();
    let params = move |i: u64| {
        let mut r = Rng::new(i);
        let l = r.vec(n * n, 1.0);
        // Q = L Lᵀ / n + I: positive definite, exactly symmetric.
        let mut q = vec![0.0; n * n];
        for a in 0..n {
            for b in 0..=a {
                let s: f64 = (0..n).map(|k| l[a * n + k] * l[b * n + k]).sum::<f64>() / n as f64;
                let v = s + if a == b { 1.0 } else { 0.0 };
                q[a * n + b] = v;
                q[b * n + a] = v;
            }
        }
        let g = r.vec(m * n, 1.0);
        let a = r.vec(p * n, 1.0);
        let z0 = r.vec(n, 1.0);
        let s0: Vec<f64> = r.vec(m, 0.5).iter().map(|v| v + 0.6).collect();
        let h: Vec<f64> = (0..m).map(|k| (0..n).map(|j| g[k * n + j] * z0[j]).sum::<f64>() + s0[k]).collect();
        let b: Vec<f64> = (0..p).map(|k| (0..n).map(|j| a[k * n + j] * z0[j]).sum::<f64>()).collect();
        values(vec![
            ("Q", matrix(n, n, q)),
            ("q", Array::vector(&r.vec(n, 1.0))),
            ("G", matrix(m, n, g)),
            ("h", Array::vector(&h)),
            ("A", matrix(p, n, a)),
            ("b", Array::vector(&b)),
        ])
    };
    Case {
        name: "OptNet QP n=50, 50 ineq, 10 eq",
        text,
        dims: Dims::new(),
        params: Box::new(params),
        dvars: Box::new(move |i| values(vec![("z", Array::vector(&Rng::new(1000 + i).vec(n, 1.0)))])),
    }
}

fn mpc_case() -> Case {
    let (nx, nu, t) = (8usize, 4usize, 20usize);
    let mut r = Rng::new(7);
    // A = I + 0.1·random (mildly unstable), B random: a realistic small plant.
    let a: Vec<f64> =
        (0..nx * nx).map(|k| if k / nx == k % nx { 1.0 } else { 0.0 } + 0.1 * r.uniform()).collect();
    let b = r.vec(nx * nu, 0.5);
    let rows = |m: &[f64], cols: usize| -> String {
        let rs: Vec<String> = m
            .chunks(cols)
            .map(|c| format!("[{}]", c.iter().map(|v| format!("{v:.6}")).collect::<Vec<_>>().join(", ")))
            .collect();
        format!("[{}]", rs.join(", "))
    };
    let text = format!(
        "# box-constrained MPC: 8 states, 4 inputs, horizon 20\n\
         dim nx = {nx}\ndim nu = {nu}\ndim T = {t}\n\
         constant A[nx, nx] = {}\nconstant B[nx, nu] = {}\n\
         parameter x0[nx]\nvariable x[nx, T+1]\nvariable u[nu, T]\n\
         minimize sum_squares(x) + 0.1 * sum_squares(u)\n\
         subject to\n    x[:, 0] == x0\n    for t in 0..T: x[:, t+1] == A @ x[:, t] + B @ u[:, t]\n\
         \x20   -1 <= u <= 1\n",
        rows(&a, nx),
        rows(&b, nu)
    );
    Case {
        name: "box MPC 8 states, 4 inputs, T=20",
        text,
        dims: Dims::new(),
        params: Box::new(move |i| values(vec![("x0", Array::vector(&Rng::new(i).vec(nx, 3.0)))])),
        dvars: Box::new(move |i| values(vec![("u", matrix(nu, t, Rng::new(1000 + i).vec(nu * t, 1.0)))])),
    }
}

fn lasso_case() -> Case {
    let (m, n) = (100usize, 50usize);
    let text = "# lasso with a 100×50 parameter matrix\n\
        dim m = 100\ndim n = 50\nparameter A[m, n]\nparameter b[m]\nparameter lam nonneg\n\
        variable x[n]\nminimize sum_squares(A @ x - b) + lam * norm1(x)\n"
        .to_string();
    Case {
        name: "lasso 100x50",
        text,
        dims: Dims::new(),
        params: Box::new(move |i| {
            let mut r = Rng::new(i);
            values(vec![
                ("A", matrix(m, n, r.vec(m * n, 1.0))),
                ("b", Array::vector(&r.vec(m, 1.0))),
                ("lam", Array::scalar(1.0 + 0.5 * r.uniform())),
            ])
        }),
        dvars: Box::new(move |i| values(vec![("x", Array::vector(&Rng::new(1000 + i).vec(n, 1.0)))])),
    }
}

/// The problems of the table, in order.
pub fn cases() -> Vec<Case> {
    vec![
        std_case("sparsemax n=100", "sparsemax", Dims::new().with("n", 100), 100, 2.0),
        std_case("softmax n=100", "softmax", Dims::new().with("n", 100), 100, 2.0),
        std_case("LML n=100, k=10", "lml", Dims::new().with("n", 100).with("k", 10), 100, 2.0),
        optnet_case(),
        mpc_case(),
        lasso_case(),
    ]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() { f64::NAN } else { v[v.len() / 2] }
}

/// Peak resident memory of this process so far (Linux), in MB.
fn peak_rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Compile the dense QP of `examples/dense_qp.dopt` with n = `n`. The peak memory is
/// the growth of this process's high-water mark (run it first to measure it alone).
pub fn build(n: usize) -> Result<Build, String> {
    let text = "dim n\nparameter Q[n, n]\nparameter q[n]\nvariable x[n]\n\
                minimize 0.5 * sum_squares(Q @ x) + q @ x\nsubject to\n    -1 <= x <= 1\n";
    let before = peak_rss_mb();
    let start = Instant::now();
    let layer = Problem::from_str("dense_qp.dopt", text)
        .and_then(|p| p.compile(&Dims::new().with("n", n as i64)))
        .map_err(|e| e.to_string())?;
    let seconds = start.elapsed().as_secs_f64();
    let peak_mb = match (before, peak_rss_mb()) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    Ok(Build { n, seconds, peak_mb, nnz: layer.cone.map.nnz() })
}

/// Measure one problem: `reps` single calls and `batch_reps` batches of `batch`.
pub fn measure(case: &Case, reps: usize, batch: usize, batch_reps: usize) -> Result<Row, String> {
    let start = Instant::now();
    let layer: Layer = Problem::from_str(case.name, &case.text)
        .and_then(|p| p.compile(&case.dims))
        .map_err(|e| format!("{}: {e}", case.name))?;
    let compile = start.elapsed().as_secs_f64();
    let settings = Settings::default();
    let cp = &layer.cone;

    let mut raw = Vec::new();
    let mut clarabel = Vec::new();
    let mut fwd = Vec::new();
    let mut bwd = Vec::new();
    let mut failed = 0;
    // One warm-up call, then distinct parameter values per call. The raw solves run
    // in a loop of their own, so that their setups (allocations) do not disturb the
    // steady state of the layer's calls.
    let _ = layer.forward(&(case.params)(0));
    let inputs: Vec<(Values, Values)> =
        (1..=reps as u64).map(|i| ((case.params)(i), (case.dvars)(i))).collect();
    for (p, _) in &inputs {
        let theta = layer.theta(p).map_err(|e| format!("{}: {}", case.name, e[0].message))?;
        let data = solve::data(cp, &theta);
        let t = Instant::now();
        let r = solve::solve_data(cp, &data, &settings)?;
        raw.push(t.elapsed().as_secs_f64());
        clarabel.push(r.solve_time);
        if !r.status.is_optimal() {
            failed += 1;
        }
    }
    for (p, d) in &inputs {
        let t = Instant::now();
        let out = layer.forward(p).map_err(|e| e.to_string())?;
        fwd.push(t.elapsed().as_secs_f64());
        if !out.status.is_optimal() {
            continue;
        }
        let t = Instant::now();
        layer.backward(&out, d).map_err(|e| format!("{}: {e}", case.name))?;
        bwd.push(t.elapsed().as_secs_f64());
    }

    let mut f64s = Vec::new();
    let mut b64s = Vec::new();
    let mut batch_failed = 0;
    for r in 0..batch_reps as u64 {
        // Distinct members in every batch: the same batch again would start each member
        // from its own previous working set, a warm start that fits exactly.
        let first = 100 + r * batch as u64;
        let members: Vec<Values> = (first..first + batch as u64).map(|i| (case.params)(i)).collect();
        let dvars: Vec<Values> = (first..first + batch as u64).map(|i| (case.dvars)(i)).collect();
        let t = Instant::now();
        let outs = layer.forward_batch(&members, BatchPolicy::PerMember).map_err(|e| e.to_string())?;
        f64s.push(t.elapsed().as_secs_f64());
        let outs: Vec<_> =
            outs.into_iter().map(|o| o.map_err(|e| e.to_string())).collect::<Result<_, _>>()?;
        let t = Instant::now();
        let grads = layer.backward_batch(&outs, &dvars, BatchPolicy::PerMember).map_err(|e| e.to_string())?;
        b64s.push(t.elapsed().as_secs_f64());
        batch_failed = grads.iter().filter(|g| g.is_err()).count();
    }
    Ok(Row {
        name: case.name,
        compile,
        raw: median(raw),
        clarabel: median(clarabel),
        forward: median(fwd),
        backward: median(bwd),
        forward64: median(f64s),
        backward64: median(b64s),
        n: cp.n,
        m: cp.m,
        not_optimal: failed + batch_failed,
        solver: if layer.uses_active_set(SolverChoice::Auto) { "active-set" } else { "clarabel" },
    })
}

/// The markdown table of `rows` (times in ms) and the build line.
pub fn table(rows: &[Row], batch: usize, build: Option<&Build>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| problem | n × m | solver | compile | raw Clarabel | Clarabel solve only | forward | backward | fwd/raw | fwd/solve | bwd/fwd | step b1 | step b{batch} | b{batch} speed-up |"
    );
    let _ = writeln!(s, "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let step1 = r.forward + r.backward;
        let step_b = r.forward64 + r.backward64;
        let _ = writeln!(
            s,
            "| {} | {}×{} | {} | {:.2} | {:.3} | {:.3} | {:.3} | {:.3} | {:.2} | {:.2} | {:.2} | {:.3} | {:.1} | {:.2} |",
            r.name,
            r.n,
            r.m,
            r.solver,
            r.compile * 1e3,
            r.raw * 1e3,
            r.clarabel * 1e3,
            r.forward * 1e3,
            r.backward * 1e3,
            r.forward / r.raw,
            r.forward / r.clarabel,
            r.backward / r.forward,
            step1 * 1e3,
            step_b * 1e3,
            batch as f64 * step1 / step_b,
        );
    }
    let bad: Vec<String> =
        rows.iter().filter(|r| r.not_optimal > 0).map(|r| format!("{}: {}", r.name, r.not_optimal)).collect();
    if !bad.is_empty() {
        let _ = writeln!(
            s,
            "\nCalls that ended `inaccurate` at default tolerances (not in the medians): {}.",
            bad.join(", ")
        );
    }
    let _ = writeln!(
        s,
        "\nms, medians. raw Clarabel: setup + solve of the same cone program by a fresh solver \
         (data already computed); Clarabel solve only: the same solves without their setup \
         (`DefaultSolver::new`). forward: validate parameters, apply M, solve (reused solver), \
         map back (solver: the layer's automatic choice, which forward uses). step = forward + backward; b{batch} speed-up = {batch} × step b1 / step b{batch} \
         ({} threads).",
        rayon::current_num_threads()
    );
    if let Some(b) = build {
        let mem = b.peak_mb.map_or("n/a".to_string(), |m| format!("{m:.0} MB"));
        let _ = writeln!(
            s,
            "\nBuild of `0.5*sum_squares(Q @ x) + q @ x` with a dense {n}×{n} parameter Q: {:.2} s, \
             peak memory +{mem}, nnz(M) = {}.",
            b.seconds,
            b.nnz,
            n = b.n
        );
    }
    s
}

/// The cone program of `case` and the data of its members `100..100 + members` (the
/// batch members of [`measure`]) as JSON, for peers that take a cone program (the
/// Moreau script, `benches/moreau_peer.py`): n, m, the cones in order
/// (`["zero", k]`, `["nonneg", k]`, `["soc", k]`, `["exp", 3]`, `["pow", α]`,
/// `["psd", n]`), the CSC patterns of P (upper triangle) and A, and per member the
/// values of P, q, A, b and a cotangent `dx` on x; with dopt's own figures `dopt`
/// (seconds) when given.
pub fn export(case: &Case, members: usize, dopt: Option<&Row>) -> Result<serde_json::Value, String> {
    use crate::ir::cone::Cone;
    use serde_json::json;
    let layer: Layer = Problem::from_str(case.name, &case.text)
        .and_then(|p| p.compile(&case.dims))
        .map_err(|e| format!("{}: {e}", case.name))?;
    let cp = &layer.cone;
    let cones: Vec<serde_json::Value> = cp
        .cones
        .iter()
        .map(|c| match *c {
            Cone::Zero(k) => json!(["zero", k]),
            Cone::Nonneg(k) => json!(["nonneg", k]),
            Cone::Soc(k) => json!(["soc", k]),
            Cone::Exp => json!(["exp", 3]),
            Cone::Pow(a) => json!(["pow", a]),
            Cone::Psd(k) => json!(["psd", k]),
        })
        .collect();
    let mut list = Vec::new();
    for i in 0..members as u64 {
        let theta =
            layer.theta(&(case.params)(100 + i)).map_err(|e| format!("{}: {}", case.name, e[0].message))?;
        let d = solve::data(cp, &theta);
        list.push(json!({"P": d.p, "q": d.q, "A": d.a, "b": d.b, "dx": Rng::new(5000 + i).vec(cp.n, 1.0)}));
    }
    let figures = dopt.map(|r| {
        json!({
            "solver": r.solver,
            "forward_b1": r.forward, "backward_b1": r.backward,
            "step_b1": r.forward + r.backward, "step_b64": r.forward64 + r.backward64,
        })
    });
    Ok(json!({
        "name": case.name, "n": cp.n, "m": cp.m, "cones": cones,
        "P_colptr": cp.p.colptr, "P_rowval": cp.p.rowval,
        "A_colptr": cp.a.colptr, "A_rowval": cp.a.rowval,
        "members": list, "dopt": figures,
    }))
}

/// Run the whole benchmark; `quick` makes it a smoke run (few repetitions).
pub fn run(quick: bool, only: Option<&str>, out: &mut dyn std::io::Write) -> Result<(), String> {
    run_exporting(quick, only, None, out)
}

/// [`run`], also writing the cone programs, their batch members and dopt's figures
/// to `export` as JSON ([`export`]).
pub fn run_exporting(
    quick: bool,
    only: Option<&str>,
    export_to: Option<&str>,
    out: &mut dyn std::io::Write,
) -> Result<(), String> {
    let (reps, batch, batch_reps) = if quick { (3, 8, 1) } else { (50, 64, 5) };
    let build = if only.is_none_or(|o| "build".contains(o) || o == "build") {
        Some(build(if quick { 100 } else { 1000 })?)
    } else {
        None
    };
    let mut rows = Vec::new();
    for case in cases() {
        if let Some(o) = only
            && !case.name.contains(o)
        {
            continue;
        }
        rows.push(measure(&case, reps, batch, batch_reps)?);
    }
    let _ = out.write_all(table(&rows, batch, build.as_ref()).as_bytes());
    if let Some(path) = export_to {
        let mut all = Vec::new();
        for case in cases() {
            if let Some(row) = rows.iter().find(|r| r.name == case.name) {
                all.push(export(&case, batch, Some(row))?);
            }
        }
        let text = serde_json::to_string(&serde_json::json!({"batch": batch, "problems": all}))
            .map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("cannot write {path}: {e}"))?;
    }
    let mut paths_rows = Vec::new();
    let mut train = Vec::new();
    let calls = if quick { 20 } else { 200 };
    for case in cases() {
        if let Some(o) = only
            && !case.name.contains(o)
        {
            continue;
        }
        paths_rows.push(paths(&case, reps)?);
        if case.name.starts_with("OptNet") || case.name.starts_with("box MPC") {
            train.push(training(&case, SolverChoice::Auto, calls)?);
            train.push(training(&case, SolverChoice::ActiveSet, calls)?);
        }
    }
    let _ = writeln!(out, "\n## Solver paths\n");
    let _ = out.write_all(paths_table(&paths_rows, &train).as_bytes());
    Ok(())
}

/// The two solver paths on one problem: medians of single calls (seconds), each path
/// forced (the active set cold: no warm start), on the same parameter values.
#[derive(Clone, Debug)]
pub struct PathRow {
    /// The problem.
    pub name: &'static str,
    /// The cone program is a QP (the active set can solve it).
    pub is_qp: bool,
    /// The automatic choice is the active set.
    pub auto_active: bool,
    /// The automatic choice follows the calls (Clarabel when cold, the active set when warm).
    pub follows: bool,
    /// Clarabel: forward, and forward + backward.
    pub clarabel: (f64, f64),
    /// The active set, cold: forward, and forward + backward (NaN when not a QP).
    pub active: (f64, f64),
    /// Active-set calls that fell back to Clarabel.
    pub fallbacks: usize,
}

/// Time `layer.forward_with` + `backward` on `inputs` with `settings`, calls of the two
/// settings alternating so that background load falls on both alike; also counts the
/// fallbacks to Clarabel, and the calls of the first setting the active set answered.
fn alternate(
    layer: &Layer,
    inputs: &[(Values, Values)],
    settings: [&Settings; 2],
) -> ([Vec<f64>; 2], [Vec<f64>; 2], usize, usize) {
    let mut fwd = [Vec::new(), Vec::new()];
    let mut step = [Vec::new(), Vec::new()];
    let (mut fallbacks, mut first_active) = (0, 0);
    for (p, d) in inputs {
        for (k, s) in settings.iter().enumerate() {
            let t = Instant::now();
            let Ok(out) = layer.forward_with(p, s) else { continue };
            let f = t.elapsed().as_secs_f64();
            fallbacks += (out.raw.solver == SolvedBy::Fallback) as usize;
            first_active += (k == 0 && out.raw.solver == SolvedBy::ActiveSet) as usize;
            if !out.status.is_optimal() {
                continue;
            }
            let ok = layer.backward(&out, d).is_ok();
            if ok {
                fwd[k].push(f);
                step[k].push(t.elapsed().as_secs_f64());
            }
        }
    }
    (fwd, step, fallbacks, first_active)
}

/// Both solver paths on `case`: `reps` calls each, alternating.
pub fn paths(case: &Case, reps: usize) -> Result<PathRow, String> {
    let layer: Layer = Problem::from_str(case.name, &case.text)
        .and_then(|p| p.compile(&case.dims))
        .map_err(|e| format!("{}: {e}", case.name))?;
    let inputs: Vec<(Values, Values)> =
        (1..=reps as u64).map(|i| ((case.params)(i), (case.dvars)(i))).collect();
    let clarabel = Settings { solver: SolverChoice::Clarabel, ..Settings::default() };
    let active = Settings { solver: SolverChoice::ActiveSet, warm_start: false, ..Settings::default() };
    let is_qp = layer.uses_active_set(SolverChoice::ActiveSet);
    let _ = layer.forward_with(&inputs[0].0, &clarabel);
    let (fwd, step, fallbacks, _) = alternate(&layer, &inputs, [&clarabel, &active]);
    let [cf, af] = fwd;
    let [cs, as_] = step;
    Ok(PathRow {
        name: case.name,
        is_qp,
        auto_active: layer.uses_active_set(SolverChoice::Auto),
        follows: layer.auto_follows_calls(),
        clarabel: (median(cf), median(cs)),
        active: if is_qp { (median(af), median(as_)) } else { (f64::NAN, f64::NAN) },
        fallbacks: if is_qp { fallbacks } else { 0 },
    })
}

/// A training sequence: `calls` forward + backward calls with parameter values that
/// move by small steps, warm started call to call and cold, alternating.
#[derive(Clone, Debug)]
pub struct TrainRow {
    /// The problem.
    pub name: &'static str,
    /// The solver setting of the sequence.
    pub solver: SolverChoice,
    /// Whether that setting uses the active set on this problem.
    pub active: bool,
    /// Whether `Auto` follows the calls (Clarabel when cold, the active set when warm).
    pub follows: bool,
    /// Warm calls answered by the active set.
    pub warm_active: usize,
    /// Calls in the sequence.
    pub calls: usize,
    /// Total forward time, warm and cold (seconds).
    pub forward: (f64, f64),
    /// Total forward + backward time, warm and cold.
    pub step: (f64, f64),
}

/// Member 1's parameter values moved `k` small steps: every entry of a scalar or
/// vector parameter (q, h, b, x0, …; matrices are kept, so that Q stays PSD) by
/// `0.01·sin(0.05k + j)·max(1, |v|)`, about 5e-4 relative per step.
pub fn drift(base: &Values, k: usize) -> Values {
    let mut v = base.clone();
    for a in v.values_mut() {
        if a.shape.ndim() <= 1 {
            for (j, x) in a.data.iter_mut().enumerate() {
                *x += 0.01 * (0.05 * k as f64 + j as f64).sin() * x.abs().max(1.0);
            }
        }
    }
    v
}

/// The training sequence of `case` with `solver`.
pub fn training(case: &Case, solver: SolverChoice, calls: usize) -> Result<TrainRow, String> {
    let layer: Layer = Problem::from_str(case.name, &case.text)
        .and_then(|p| p.compile(&case.dims))
        .map_err(|e| format!("{}: {e}", case.name))?;
    let base = (case.params)(1);
    let dvars = (case.dvars)(1);
    let inputs: Vec<(Values, Values)> = (0..calls).map(|k| (drift(&base, k), dvars.clone())).collect();
    let warm = Settings { solver, warm_start: true, ..Settings::default() };
    let cold = Settings { solver, warm_start: false, ..Settings::default() };
    layer.forget_warm_starts();
    // Warm first on each call; the cold call (no warm start) neither reads nor stores
    // the slot, but its backward may reuse the slot's factorization when it fits, so the
    // cold step is if anything understated and the ratio with it.
    let (fwd, step, _, warm_active) = alternate(&layer, &inputs, [&warm, &cold]);
    let sum = |v: &Vec<f64>| v.iter().sum::<f64>();
    Ok(TrainRow {
        name: case.name,
        solver,
        active: layer.uses_active_set(solver),
        follows: solver == SolverChoice::Auto && layer.auto_follows_calls(),
        warm_active,
        calls,
        forward: (sum(&fwd[0]), sum(&fwd[1])),
        step: (sum(&step[0]), sum(&step[1])),
    })
}

/// The markdown tables of the solver paths and the training sequences (ms).
pub fn paths_table(rows: &[PathRow], train: &[TrainRow]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| problem | QP | auto picks | Clarabel fwd | active set fwd (cold) | Clarabel step | active set step (cold) | active / Clarabel step | fallbacks |"
    );
    let _ = writeln!(s, "|---|---|---|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.2} | {} |",
            r.name,
            if r.is_qp { "yes" } else { "no" },
            if r.auto_active {
                "active set"
            } else if r.follows {
                "Clarabel; active set when warm"
            } else {
                "Clarabel"
            },
            r.clarabel.0 * 1e3,
            r.active.0 * 1e3,
            r.clarabel.1 * 1e3,
            r.active.1 * 1e3,
            r.active.1 / r.clarabel.1,
            r.fallbacks,
        );
    }
    let _ = writeln!(
        s,
        "\nms, medians of single calls, the two paths alternating call by call on the same values; \
         step = forward + backward.\n"
    );
    let _ = writeln!(
        s,
        "| training sequence | solver | calls | forward warm | forward cold | cold / warm | step warm | step cold | cold / warm |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for t in train {
        let _ = writeln!(
            s,
            "| {} | {}{} | {} | {:.1} | {:.1} | {:.2} | {:.1} | {:.1} | {:.2} |",
            t.name,
            t.solver.as_str(),
            if t.solver != SolverChoice::Auto {
                String::new()
            } else if t.active {
                " (active set)".to_string()
            } else if t.follows {
                format!(" (warm: active set {} of {})", t.warm_active, t.calls)
            } else {
                " (Clarabel)".to_string()
            },
            t.calls,
            t.forward.0 * 1e3,
            t.forward.1 * 1e3,
            t.forward.1 / t.forward.0,
            t.step.0 * 1e3,
            t.step.1 * 1e3,
            t.step.1 / t.step.0,
        );
    }
    let _ = writeln!(
        s,
        "\nms, totals over the sequence: {} calls whose vector parameters move by about 5e-4 \
         (relative) per call (`bench::drift`), each call made warm (from the previous call's \
         working set) and cold, alternating.",
        train.first().map_or(0, |t| t.calls)
    );
    s
}

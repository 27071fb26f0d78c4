//! The Clarabel adapter (the only module that talks to Clarabel): apply the parameter
//! map, hand the data to the solver, and return the raw primal-dual solution.

use crate::ir::cone::{Cone, ConeProgram};
use clarabel::algebra::CscMatrix;
use clarabel::solver::{DefaultSettingsBuilder, DefaultSolver, IPSolver, SolverStatus, SupportedConeT};
use std::fmt;

/// Clarabel's settings that a user may change: tolerances, iteration limit, output.
/// The default is Clarabel's own; [`Settings::tight`] is for gradients and tests.
/// A layer uses [`Layer::settings`](crate::Layer::settings) (see
/// [`Layer::with_settings`](crate::Layer::with_settings)), or per call
/// [`Layer::forward_with`](crate::Layer::forward_with).
///
/// ```
/// use dopt::Settings;
///
/// let s = Settings { max_iter: 50, ..Settings::default() };
/// assert_eq!((s.max_iter, s.tol_feas), (50, 1e-8));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// Absolute duality-gap tolerance.
    pub tol_gap_abs: f64,
    /// Relative duality-gap tolerance.
    pub tol_gap_rel: f64,
    /// Primal and dual feasibility tolerance.
    pub tol_feas: f64,
    /// Interior-point iteration limit; reaching it gives [`Status::MaxIterations`].
    pub max_iter: u32,
    /// Let Clarabel print its iteration log to stdout.
    pub verbose: bool,
    /// Which solver a call uses (see [`SolverChoice`]); the active-set solver uses
    /// `tol_feas` (at most 1e-9) for its final optimality check.
    pub solver: SolverChoice,
    /// Start the active-set solver from the working set of the layer's previous call
    /// (per batch member); off, every call starts cold.
    pub warm_start: bool,
}

/// Which solver solves a layer's cone program.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SolverChoice {
    /// The layer's own choice, made once from the cone program's structure (see
    /// docs/performance.md): the active-set solver for small QPs, else Clarabel.
    #[default]
    Auto,
    /// Clarabel's interior-point method, for every cone.
    Clarabel,
    /// The dense active-set QP solver (`qp`) whenever the cone program is a QP (zero
    /// and nonnegative cones only); Clarabel for other cone programs and when the
    /// active-set solve fails.
    ActiveSet,
}

impl SolverChoice {
    /// `auto`, `clarabel` or `active-set` (the command line's spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            SolverChoice::Auto => "auto",
            SolverChoice::Clarabel => "clarabel",
            SolverChoice::ActiveSet => "active-set",
        }
    }

    /// The inverse of [`SolverChoice::as_str`].
    pub fn parse(s: &str) -> Option<SolverChoice> {
        [SolverChoice::Auto, SolverChoice::Clarabel, SolverChoice::ActiveSet]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// Which solver produced a [`RawSolution`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SolvedBy {
    /// Clarabel, chosen for this call.
    #[default]
    Clarabel,
    /// The active-set QP solver.
    ActiveSet,
    /// Clarabel, after the active-set solver failed (not optimal, or over its
    /// iteration budget) on this call.
    Fallback,
}

impl SolvedBy {
    /// `clarabel`, `active-set` or `clarabel (active-set fallback)`.
    pub fn as_str(self) -> &'static str {
        match self {
            SolvedBy::Clarabel => "clarabel",
            SolvedBy::ActiveSet => "active-set",
            SolvedBy::Fallback => "clarabel (active-set fallback)",
        }
    }
}

impl Default for Settings {
    /// Clarabel's defaults.
    fn default() -> Settings {
        Settings {
            tol_gap_abs: 1e-8,
            tol_gap_rel: 1e-8,
            tol_feas: 1e-8,
            max_iter: 200,
            verbose: false,
            solver: SolverChoice::Auto,
            warm_start: true,
        }
    }
}

impl Settings {
    /// Tight tolerances, for gradients and tests (exponential and power cones are only
    /// about 1e-5 accurate at the defaults): 1e-10 for the gaps and feasibility, 400
    /// iterations.
    ///
    /// ```
    /// use dopt::{Array, Dims, Problem, Settings, Values};
    ///
    /// // max t s.t. t ≤ log(x): the optimum is log(x), through an exponential cone.
    /// let text = "parameter x nonneg\nvariable t\nmaximize t\nsubject to\n    t <= log(x)\n";
    /// let layer = Problem::from_str("log.dopt", text)?.compile(&Dims::new())?;
    /// let layer = layer.with_settings(Settings::tight());
    /// let out = layer.forward(&Values::from([("x".to_string(), Array::scalar(2.0))]))?;
    /// assert!((out.objective - 2f64.ln()).abs() < 1e-8);
    /// assert_eq!(Settings::tight().max_iter, 400);
    /// # Ok::<(), dopt::Error>(())
    /// ```
    pub fn tight() -> Settings {
        Settings {
            tol_gap_abs: 1e-10,
            tol_gap_rel: 1e-10,
            tol_feas: 1e-10,
            max_iter: 400,
            ..Settings::default()
        }
    }
}

/// How the solve ended (Clarabel's status, with its "almost" variants folded in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Solved to the requested tolerances; the only status that can be differentiated.
    Optimal,
    /// Solved to reduced accuracy (Clarabel's `AlmostSolved`).
    Inaccurate,
    /// The constraints have no solution (a certificate was found, possibly to
    /// reduced accuracy).
    Infeasible,
    /// The objective is unbounded below (dual infeasible).
    Unbounded,
    /// The iteration or time limit was reached.
    MaxIterations,
    /// The solver stopped on a numerical problem (e.g. a failed factorization).
    NumericalError,
}

impl Status {
    /// The status as the command line and the JSON output print it (`optimal`,
    /// `max_iterations`, …); also its `Display`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Optimal => "optimal",
            Status::Inaccurate => "inaccurate",
            Status::Infeasible => "infeasible",
            Status::Unbounded => "unbounded",
            Status::MaxIterations => "max_iterations",
            Status::NumericalError => "numerical_error",
        }
    }
    /// `self == Status::Optimal`.
    pub fn is_optimal(self) -> bool {
        self == Status::Optimal
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Clarabel's answer for the cone program.
#[derive(Clone, Debug)]
pub struct RawSolution {
    /// How the solve ended.
    pub status: Status,
    /// Primal solution, n entries (user variables first, see `ConeProgram::var_cols`).
    pub x: Vec<f64>,
    /// Primal slack s = b − Ax ∈ K, m entries.
    pub s: Vec<f64>,
    /// Dual variable z ∈ K*, m entries (Clarabel's sign: z ≥ 0 on the nonnegative cone).
    pub z: Vec<f64>,
    /// ½xᵀPx + qᵀx + r of the cone program (before the sign of `maximize`).
    pub objective: f64,
    /// Wall time of Clarabel's interior-point solve, in seconds (the data update or
    /// setup before it not included).
    pub solve_time: f64,
    /// Wall time of setting up a fresh solver for this call, in seconds (0 when a
    /// kept solver was reused through the data-update path).
    pub setup_time: f64,
    /// Interior-point iterations (active-set steps for the active-set solver).
    pub iterations: u32,
    /// Which solver produced this solution.
    pub solver: SolvedBy,
}

/// The problem data for one parameter value: the values on the fixed sparsity
/// patterns of the [`ConeProgram`] (also used for data derivatives and cotangents).
#[derive(Clone, Debug)]
pub struct Data {
    /// Values of P on `ConeProgram::p` (upper triangle, CSC order).
    pub p: Vec<f64>,
    /// q, n entries.
    pub q: Vec<f64>,
    /// The constant term r of the objective.
    pub r: f64,
    /// Values of A on `ConeProgram::a` (CSC order).
    pub a: Vec<f64>,
    /// b, m entries.
    pub b: Vec<f64>,
}

/// ½xᵀPx + qᵀx + r of the cone program with data `d`, at `x`.
pub fn objective_at(cp: &ConeProgram, d: &Data, x: &[f64]) -> f64 {
    let px: f64 = cp.p.sym_mul(&d.p, x).iter().zip(x).map(|(a, b)| a * b).sum();
    0.5 * px + d.q.iter().zip(x).map(|(a, b)| a * b).sum::<f64>() + d.r
}

/// Apply the parameter map: `vec(P, q, r, A, b) = M · [θ; 1]`.
pub fn data(cp: &ConeProgram, theta: &[f64]) -> Data {
    apply_map(cp, theta, 1.0)
}

/// The parameter map applied to a direction (the constant column dropped):
/// `dData = M · [dθ; 0]`.
pub fn data_direction(cp: &ConeProgram, dtheta: &[f64]) -> Data {
    apply_map(cp, dtheta, 0.0)
}

/// `M · [θ; one]`: the one place the parameter map is applied ([`data`] with
/// `one = 1`, [`data_direction`] with `one = 0`); [`data_adjoint`] is its transpose.
fn apply_map(cp: &ConeProgram, theta: &[f64], one: f64) -> Data {
    let mut out = vec![0.0; cp.offsets().end];
    // The raw CSR arrays: most rows hold one or two entries, where a row view per row
    // costs more than its products.
    let (ip, cols, vals) = (cp.map.indptr(), cp.map.indices(), cp.map.data());
    for (row, o) in out.iter_mut().enumerate().take(cp.map.outer_dims()) {
        let r = ip.outer_inds_sz(row);
        *o = cols[r.clone()]
            .iter()
            .zip(&vals[r])
            .map(|(&col, v)| v * if col == cp.nparams { one } else { theta[col] })
            .sum();
    }
    Data::from_flat(cp, &out)
}

/// The adjoint of [`data_direction`]: `θ̄ = Mᵀ · data̅` restricted to the θ columns
/// (the constant column has no parameter to receive a gradient).
pub fn data_adjoint(cp: &ConeProgram, g: &Data) -> Vec<f64> {
    let flat = g.flat();
    let mut out = vec![0.0; cp.nparams];
    let (ip, cols, vals) = (cp.map.indptr(), cp.map.indices(), cp.map.data());
    for (row, &gr) in flat.iter().enumerate().take(cp.map.outer_dims()) {
        if gr != 0.0 {
            let r = ip.outer_inds_sz(row);
            for (&c, v) in cols[r.clone()].iter().zip(&vals[r]).filter(|(c, _)| **c < cp.nparams) {
                out[c] += v * gr;
            }
        }
    }
    out
}

impl Data {
    /// The blocks in the order of the map's rows: `[P | q | r | A | b]`.
    pub fn flat(&self) -> Vec<f64> {
        let mut flat = Vec::with_capacity(self.p.len() + self.q.len() + 1 + self.a.len() + self.b.len());
        flat.extend_from_slice(&self.p);
        flat.extend_from_slice(&self.q);
        flat.push(self.r);
        flat.extend_from_slice(&self.a);
        flat.extend_from_slice(&self.b);
        flat
    }

    /// The inverse of [`Data::flat`] for the block sizes of `cp`.
    pub fn from_flat(cp: &ConeProgram, flat: &[f64]) -> Data {
        let off = cp.offsets();
        Data {
            p: flat[off.p..off.q].to_vec(),
            q: flat[off.q..off.r].to_vec(),
            r: flat[off.r],
            a: flat[off.a..off.b].to_vec(),
            b: flat[off.b..off.end].to_vec(),
        }
    }
}

fn cones(cp: &ConeProgram) -> Vec<SupportedConeT<f64>> {
    cp.cones
        .iter()
        .map(|c| match *c {
            Cone::Zero(n) => SupportedConeT::ZeroConeT(n),
            Cone::Nonneg(n) => SupportedConeT::NonnegativeConeT(n),
            Cone::Soc(n) => SupportedConeT::SecondOrderConeT(n),
            Cone::Exp => SupportedConeT::ExponentialConeT(),
            Cone::Pow(a) => SupportedConeT::PowerConeT(a),
            Cone::Psd(n) => SupportedConeT::PSDTriangleConeT(n),
        })
        .collect()
}

/// A Clarabel solver kept between calls: the next call with the same settings
/// overwrites its data (`update_P/q/A/b`, same sparsity pattern) instead of setting it
/// up again (ordering, symbolic factorization, allocations).
pub struct Workspace {
    solver: DefaultSolver<f64>,
    settings: Settings,
}

impl fmt::Debug for Workspace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Workspace").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// Solve with the data already computed (a fresh solver).
pub fn solve_data(cp: &ConeProgram, d: &Data, settings: &Settings) -> Result<RawSolution, String> {
    solve_reusing(cp, d, settings, &mut None)
}

/// Solve with the data already computed, reusing `ws` when it holds a solver set up
/// with the same settings (and leaving the solver there for the next call).
pub fn solve_reusing(
    cp: &ConeProgram,
    d: &Data,
    settings: &Settings,
    ws: &mut Option<Workspace>,
) -> Result<RawSolution, String> {
    if cp.n == 0 {
        // Clarabel cannot factor an empty system (it panics): nothing to optimize.
        return Ok(solve_without_variables(cp, d, settings));
    }
    let reused = match ws {
        Some(w) if w.settings == *settings => {
            let s = &mut w.solver;
            s.update_P(&d.p)
                .and_then(|_| s.update_q(&d.q))
                .and_then(|_| s.update_A(&d.a))
                .and_then(|_| s.update_b(&d.b))
                .is_ok()
        }
        _ => false,
    };
    let mut setup_time = 0.0;
    if !reused {
        let t = std::time::Instant::now();
        *ws = Some(Workspace { solver: new_solver(cp, d, settings)?, settings: *settings });
        setup_time = t.elapsed().as_secs_f64();
    }
    let Some(w) = ws.as_mut() else { return Err("solver setup failed".into()) };
    let t = std::time::Instant::now();
    w.solver.solve();
    let raw = raw_solution(cp, d, &w.solver.solution, t.elapsed().as_secs_f64(), setup_time);
    let raw = if reused && raw.status != Status::Optimal {
        // The reused solver keeps the equilibration of the data it was set up with;
        // data far from those can defeat it. A fresh setup decides.
        let t = std::time::Instant::now();
        *w = Workspace { solver: new_solver(cp, d, settings)?, settings: *settings };
        let setup_time = t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        w.solver.solve();
        raw_solution(cp, d, &w.solver.solution, t.elapsed().as_secs_f64(), setup_time)
    } else {
        raw
    };
    // A second opinion on a failed solve, from a fresh solver that differs where the
    // first one went wrong; a solve that ends optimal there wins. A setup that fails
    // here leaves the first answer standing (a status, not an error).
    let retry = match raw.status {
        // Clarabel can report an infeasibility certificate that only holds for its
        // equilibrated data (seen on a feasible problem with a second-order cone whose
        // rows differ in scale by 10⁵): the data as given decide.
        Status::Infeasible | Status::Unbounded => Some(Variant { equilibrate: false, step_fraction: None }),
        // Clarabel can stall at its default step fraction 0.99 on tiny, well-posed QPs
        // (sparsemax n = 4 at about 1 input in 1000 of N(0, 3²), same in cvxpy): a
        // shorter step gets through in a few iterations.
        Status::MaxIterations | Status::NumericalError => {
            Some(Variant { equilibrate: true, step_fraction: Some(0.9) })
        }
        _ => None,
    };
    if let Some(variant) = retry {
        let t = std::time::Instant::now();
        if let Ok(mut other) = new_solver_with(cp, d, settings, variant) {
            let setup_time = t.elapsed().as_secs_f64();
            let t = std::time::Instant::now();
            other.solve();
            let again = raw_solution(cp, d, &other.solution, t.elapsed().as_secs_f64(), setup_time);
            if again.status == Status::Optimal {
                return Ok(again);
            }
        }
    }
    Ok(raw)
}

/// A cone program with no variables: s = b, and the only question is whether b lies
/// in K (to the feasibility tolerance, relative to the size of b). Optimal with the
/// objective r and z = 0 (b in the interior leaves the multipliers at zero, and on
/// the boundary z = 0 is one valid choice); else infeasible with objective +∞.
pub fn solve_without_variables(cp: &ConeProgram, d: &Data, settings: &Settings) -> RawSolution {
    let scale = d.b.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    let tol = settings.tol_feas.max(1e-12) * scale;
    let mut at = 0;
    let mut feasible = true;
    for c in &cp.cones {
        let s = &d.b[at..at + c.dim()];
        feasible &= in_cone(*c, s, tol);
        at += c.dim();
    }
    RawSolution {
        status: if feasible { Status::Optimal } else { Status::Infeasible },
        x: Vec::new(),
        s: d.b.clone(),
        z: vec![0.0; cp.m],
        objective: if feasible { d.r } else { f64::INFINITY },
        solve_time: 0.0,
        setup_time: 0.0,
        iterations: 0,
        solver: SolvedBy::Clarabel,
    }
}

/// Whether `s` lies in `cone`, to the absolute tolerance `tol`.
fn in_cone(cone: Cone, s: &[f64], tol: f64) -> bool {
    match cone {
        Cone::Zero(_) => s.iter().all(|v| v.abs() <= tol),
        Cone::Nonneg(_) => s.iter().all(|v| *v >= -tol),
        Cone::Soc(_) => s[1..].iter().map(|v| v * v).sum::<f64>().sqrt() <= s[0] + tol,
        Cone::Exp => {
            let (x, y, z) = (s[0], s[1], s[2]);
            if y > tol {
                y * (x / y).exp() <= z + tol
            } else {
                // The closure at y = 0: x ≤ 0, z ≥ 0.
                y >= -tol && x <= tol && z >= -tol
            }
        }
        Cone::Pow(a) => {
            let (x, y, z) = (s[0], s[1], s[2]);
            x >= -tol && y >= -tol && x.max(0.0).powf(a) * y.max(0.0).powf(1.0 - a) >= z.abs() - tol
        }
        Cone::Psd(n) => {
            let m = crate::ir::hir::Array {
                shape: crate::ir::shape::Shape::matrix(n, n),
                data: crate::ir::svec::smat(n, s),
            };
            crate::linalg::sym_eigvals(&m).first().is_none_or(|l| *l >= -tol)
        }
    }
}

fn new_solver(cp: &ConeProgram, d: &Data, settings: &Settings) -> Result<DefaultSolver<f64>, String> {
    new_solver_with(cp, d, settings, Variant { equilibrate: true, step_fraction: None })
}

/// How a second-opinion solver differs from the default one.
#[derive(Clone, Copy)]
struct Variant {
    /// Clarabel's equilibration of the data.
    equilibrate: bool,
    /// Clarabel's `max_step_fraction` (its default, 0.99, when `None`).
    step_fraction: Option<f64>,
}

fn new_solver_with(
    cp: &ConeProgram,
    d: &Data,
    settings: &Settings,
    variant: Variant,
) -> Result<DefaultSolver<f64>, String> {
    let p = CscMatrix::new(cp.n, cp.n, cp.p.colptr.clone(), cp.p.rowval.clone(), d.p.clone());
    let a = CscMatrix::new(cp.m, cp.n, cp.a.colptr.clone(), cp.a.rowval.clone(), d.a.clone());
    let mut builder = DefaultSettingsBuilder::default();
    if let Some(f) = variant.step_fraction {
        builder.max_step_fraction(f);
    }
    let s = builder
        .verbose(settings.verbose)
        .tol_gap_abs(settings.tol_gap_abs)
        .tol_gap_rel(settings.tol_gap_rel)
        .tol_feas(settings.tol_feas)
        .max_iter(settings.max_iter)
        .presolve_enable(false)
        .chordal_decomposition_enable(false)
        .input_sparse_dropzeros(false)
        .equilibrate_enable(variant.equilibrate)
        .build()
        .map_err(|e| format!("solver settings: {e}"))?;
    DefaultSolver::new(&p, &d.q, &a, &d.b, &cones(cp), s).map_err(|e| format!("solver setup: {e}"))
}

fn raw_solution(
    cp: &ConeProgram,
    d: &Data,
    sol: &clarabel::solver::DefaultSolution<f64>,
    solve_time: f64,
    setup_time: f64,
) -> RawSolution {
    let status = match sol.status {
        SolverStatus::Solved => Status::Optimal,
        SolverStatus::AlmostSolved => Status::Inaccurate,
        SolverStatus::PrimalInfeasible | SolverStatus::AlmostPrimalInfeasible => Status::Infeasible,
        SolverStatus::DualInfeasible | SolverStatus::AlmostDualInfeasible => Status::Unbounded,
        SolverStatus::MaxIterations | SolverStatus::MaxTime => Status::MaxIterations,
        _ => Status::NumericalError,
    };
    // The objective from the data (Clarabel's obj_val leaves out r).
    let objective = objective_at(cp, d, &sol.x);
    RawSolution {
        status,
        x: sol.x.clone(),
        s: sol.s.clone(),
        z: sol.z.clone(),
        objective,
        solve_time,
        setup_time,
        iterations: sol.iterations,
        solver: SolvedBy::Clarabel,
    }
}

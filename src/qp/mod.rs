//! The active-set path: cone programs that are QPs (zero and nonnegative cones only)
//! solved by a dense dual active-set method ([`dual`]), warm started from the previous
//! call's working set, with Clarabel as the fallback.
//!
//! The cone program's rows `Ax + s = b` become `aᵢᵀx = bᵢ` (zero cone) and
//! `aᵢᵀx ≤ bᵢ` (nonnegative cone); the active-set multipliers are Clarabel's z
//! (`Px + q + Aᵀz = 0`, z ≥ 0 on the nonnegative rows), and s is `b − Ax` with the
//! working set's rows exactly 0. So the solution is a [`RawSolution`] like Clarabel's,
//! exactly complementary, and the backward pass differentiates it through the
//! identified active set (v = z − s has the sign pattern of the working set): densely,
//! with the solver's own factorization ([`kkt`]), where that gives the sparse path's
//! answer, else by the sparse path itself.
//!
//! **Choice** ([`Plan`]): made once per layer from the cone program's structure.
//! [`SolverChoice::Auto`] takes the active set for QPs with at most [`AUTO_MAX_N`]
//! variables whose dense work estimate is small (see [`Plan::of`]); the measurements
//! behind the rule are in docs/performance.md.

pub mod dual;
pub mod kkt;

use crate::ir::cone::{Cone, ConeProgram};
use crate::solve::{self, Data, RawSolution, Settings, SolvedBy, SolverChoice, Status, Workspace};
use std::sync::Mutex;

/// Most variables the dense active-set solver takes at all (its J is n×n): a larger
/// QP goes to Clarabel whatever the choice, instead of allocating gigabytes.
pub const MAX_N: usize = 2000;

/// Most variables for which [`SolverChoice::Auto`] picks the active-set solver.
pub const AUTO_MAX_N: usize = 100;

/// Most dense work units (`n³/3 + (equalities + inequalities/2)·n²`, an estimate of a
/// cold solve's flops) for which [`SolverChoice::Auto`] picks the active-set solver.
pub const AUTO_MAX_WORK: f64 = 1.5e6;

/// Most variables for which [`SolverChoice::Auto`] follows a slot's calls (see
/// [`Plan::adaptive`]): each warm slot keeps an n×n factorization.
pub const ADAPTIVE_MAX_N: usize = 400;

/// What the active-set path needs to know of a cone program, made once per layer.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Zero and nonnegative cones only, 1 to [`MAX_N`] variables.
    pub is_qp: bool,
    /// The automatic choice: the active-set solver.
    pub auto: bool,
    /// The automatic choice follows each slot's calls: a QP that `auto` leaves to
    /// Clarabel (a cold active-set solve would cost more) but where a warm one is
    /// cheaper, when consecutive calls change the active set little and P and A not at
    /// all (a training loop of q and b, MPC's moving initial state). Clarabel answers
    /// until two consecutive calls in a slot have the same P and A and end with active
    /// sets that differ in at most [`Plan::changes`] rows; then the active set answers,
    /// warm started, for as long as each solve takes at most that many working-set
    /// changes with P and A unchanged. Decided from the call history alone, so the same
    /// sequence of calls gets the same answers.
    pub adaptive: bool,
    /// The most working-set changes of a warm solve that still beat Clarabel (see
    /// [`Plan::of`]).
    pub changes: usize,
    /// Whether each row is an equality (zero cone).
    eq: Vec<bool>,
}

impl Plan {
    /// No active-set path: a cone program not (yet) planned.
    pub fn none() -> Plan {
        Plan { is_qp: false, auto: false, adaptive: false, changes: 0, eq: Vec::new() }
    }

    /// The plan of `cp`: is it a QP, and is it small enough for the dense method to
    /// beat the interior-point solver (the rule of the module docs).
    pub fn of(cp: &ConeProgram) -> Plan {
        let is_qp = cp.n > 0
            && cp.n <= MAX_N
            && cp.cones.iter().all(|c| matches!(c, Cone::Zero(_) | Cone::Nonneg(_)));
        // Only a QP gets a plan (and a row table of m entries); cones whose sizes do not
        // add up to m make none (a layer file is planned after its validation anyway).
        let rows = cp.cones.iter().fold(0usize, |a, c| a.saturating_add(c.dim()));
        if !is_qp || rows != cp.m {
            return Plan::none();
        }
        let mut eq = Vec::with_capacity(cp.m);
        for c in &cp.cones {
            match *c {
                Cone::Zero(k) => eq.extend(std::iter::repeat_n(true, k)),
                c => eq.extend(std::iter::repeat_n(false, c.dim())),
            }
        }
        let n = cp.n as f64;
        let n_eq = eq.iter().filter(|e| **e).count() as f64;
        let n_in = cp.m as f64 - n_eq;
        let work = n * n * n / 3.0 + (n_eq + n_in / 2.0) * n * n;
        // Curvature on every column (a diagonal entry of P's pattern): otherwise
        // canonicalization's auxiliary variables without curvature make the primal
        // solution non-unique, and a vertex of that face (where an active set stops) is
        // weakly active where an interior point's centre is not.
        let (ptr, row) = (&cp.p.colptr, &cp.p.rowval);
        let curved = is_qp
            && (0..cp.n).all(|j| match (ptr.get(j), ptr.get(j + 1)) {
                (Some(&a), Some(&b)) => row.get(a..b).is_some_and(|r| r.contains(&j)),
                _ => false,
            });
        let auto = is_qp && curved && cp.n <= AUTO_MAX_N && work <= AUTO_MAX_WORK;
        let adaptive = is_qp && curved && !auto && cp.n <= ADAPTIVE_MAX_N;
        // A warm solve whose factorization is reused costs about as much as 6 of its
        // working-set changes, and a change about 1 ns·n² (measured on sparsemax,
        // box MPC and lasso, n = 200–250); Clarabel's solve of those problems costs
        // 12 to 30 changes. n/40 changes (5–6 there) keeps a warm solve below
        // Clarabel's cost on every one of them.
        let changes = (cp.n / 40).max(2);
        Plan { is_qp, auto, adaptive, changes, eq }
    }

    /// Whether a call with `choice` uses the active-set solver.
    pub fn uses_active_set(&self, choice: SolverChoice) -> bool {
        self.is_qp
            && match choice {
                SolverChoice::Auto => self.auto,
                SolverChoice::ActiveSet => true,
                SolverChoice::Clarabel => false,
            }
    }
}

/// What a slot keeps of its last solve: the working set (of an active-set solve, or
/// the active rows of Clarabel's solution), and the factorization with the values of
/// P and A it was made for; for an adaptive plan, whether the next call goes to the
/// active set.
#[derive(Debug, Default)]
struct Slot {
    active: Vec<usize>,
    p: Vec<f64>,
    a: Vec<f64>,
    factor: Option<dual::Factor>,
    /// Calls recorded in this slot.
    calls: u64,
    /// The next call (of an adaptive plan under `Auto`) goes to the active set.
    next_active: bool,
}

/// The working sets (and factorizations) of earlier calls, one per slot (a single
/// call uses slot 0, batch member i slot i), for warm starts. Kept by the layer; the
/// lock is held only to move a slot in or out.
#[derive(Debug, Default)]
pub struct WarmStarts(Mutex<Vec<Slot>>);

impl WarmStarts {
    /// The working set last stored in `slot` (empty if none).
    pub fn get(&self, slot: usize) -> Vec<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(slot)
            .map(|s| s.active.clone())
            .unwrap_or_default()
    }

    fn take(&self, slot: usize) -> Slot {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).get_mut(slot).map(std::mem::take).unwrap_or_default()
    }

    fn put(&self, slot: usize, s: Slot) {
        let mut v = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if v.len() <= slot {
            v.resize_with(slot + 1, Slot::default);
        }
        v[slot] = s;
    }

    /// A copy of the factorization kept in `slot` when it was made for exactly the
    /// values `d.p` and `d.a` and its working set is the rows marked in `active`.
    fn factor_for(&self, slot: usize, d: &Data, active: &[bool]) -> Option<dual::Factor> {
        let v = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let s = v.get(slot)?;
        let f = s.factor.as_ref()?;
        let k = active.iter().filter(|a| **a).count();
        let w = f.working_set();
        let fits =
            s.p == d.p && s.a == d.a && w.len() == k && w.iter().all(|&i| active.get(i) == Some(&true));
        fits.then(|| f.clone())
    }

    /// Forget every stored working set.
    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// P of the cone program `cp` with data `d`, dense: n×n, column-major, both triangles.
fn dense_p(cp: &ConeProgram, d: &Data) -> Vec<f64> {
    let n = cp.n;
    let mut p = vec![0.0; n * n];
    for j in 0..n {
        for k in cp.p.colptr[j]..cp.p.colptr[j + 1] {
            let i = cp.p.rowval[k];
            p[j * n + i] += d.p[k];
            if i != j {
                p[i * n + j] += d.p[k];
            }
        }
    }
    p
}

/// The dense QP of the cone program `cp` with data `d`.
pub fn to_qp(cp: &ConeProgram, d: &Data, plan: &Plan) -> dual::Qp {
    let n = cp.n;
    let p = dense_p(cp, d);
    // Each row's length first: rows grown entry by entry would reallocate many times.
    let mut len = vec![0usize; cp.m];
    for &i in &cp.a.rowval {
        len[i] += 1;
    }
    let mut rows: Vec<dual::Row> =
        len.iter().map(|&k| dual::Row { idx: Vec::with_capacity(k), val: Vec::with_capacity(k) }).collect();
    for j in 0..n {
        for k in cp.a.colptr[j]..cp.a.colptr[j + 1] {
            let r = &mut rows[cp.a.rowval[k]];
            r.idx.push(j);
            r.val.push(d.a[k]);
        }
    }
    dual::Qp { n, p, q: d.q.clone(), rows, b: d.b.clone(), eq: plan.eq.clone() }
}

/// Move each free auxiliary variable off the boundary: a column j with no curvature
/// (P's column 0), no linear term, in no equality row, and whose inequality rows all
/// have zero multipliers does not change the objective or stationarity when it moves,
/// so its value is not unique (the `t` of `abs(u) <= 1` with the bound inactive, any
/// t with |u| ≤ t ≤ 1 is optimal). The active set stops at an end of that interval,
/// a weakly active row the backward pass would flag as degenerate; the midpoint (an
/// interior point's choice) keeps every such row strictly inactive.
fn center_free_columns(qp: &dual::Qp, o: &mut dual::Outcome) {
    let n = qp.n;
    // Only a column without curvature and linear term can be free.
    let candidate: Vec<bool> =
        (0..n).map(|j| qp.q[j] == 0.0 && qp.p[j * n..(j + 1) * n].iter().all(|v| *v == 0.0)).collect();
    if !candidate.contains(&true) {
        return;
    }
    // Multipliers at rounding level (1e-17 where 0 is meant) count as zero.
    let small = 1e-12 * o.z.iter().fold(1.0f64, |a, z| a.max(z.abs()));
    let mut cols: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut fixed = vec![false; n];
    for (i, r) in qp.rows.iter().enumerate() {
        for &j in &r.idx {
            cols[j].push(i);
            fixed[j] |= qp.eq[i] || o.z[i].abs() > small;
        }
    }
    for j in 0..n {
        if fixed[j] || !candidate[j] || cols[j].is_empty() {
            continue;
        }
        // The interval of x_j that keeps every row feasible, the others held.
        let (mut lo, mut hi) = (f64::NEG_INFINITY, f64::INFINITY);
        for &i in &cols[j] {
            let r = &qp.rows[i];
            let (mut a, mut rest) = (0.0, qp.b[i]);
            for (&k, v) in r.idx.iter().zip(&r.val) {
                if k == j {
                    a += v;
                } else {
                    rest -= v * o.x[k];
                }
            }
            if a > 0.0 {
                hi = hi.min(rest / a);
            } else if a < 0.0 {
                lo = lo.max(rest / a);
            }
        }
        if lo.is_finite() && hi.is_finite() && lo < hi {
            o.x[j] = 0.5 * (lo + hi);
            for &i in &cols[j] {
                o.z[i] = 0.0;
            }
        }
    }
}

/// The cone-program solution of an optimal active-set outcome: s = b − Ax, exactly 0
/// on the equality rows and the working set, z the multipliers.
fn raw_from(cp: &ConeProgram, d: &Data, qp: &dual::Qp, o: &dual::Outcome, time: f64) -> RawSolution {
    let mut s: Vec<f64> = qp.rows.iter().zip(&qp.b).map(|(r, b)| b - dot(r, &o.x)).collect();
    for (i, si) in s.iter_mut().enumerate() {
        if qp.eq[i] || o.z[i] != 0.0 {
            *si = 0.0;
        } else {
            *si = si.max(0.0);
        }
    }
    let z: Vec<f64> = o.z.iter().zip(&qp.eq).map(|(z, e)| if *e { *z } else { z.max(0.0) }).collect();
    RawSolution {
        status: Status::Optimal,
        objective: solve::objective_at(cp, d, &o.x),
        x: o.x.clone(),
        s,
        z,
        solve_time: time,
        setup_time: 0.0,
        iterations: o.iterations as u32,
        solver: SolvedBy::ActiveSet,
    }
}

fn dot(r: &dual::Row, x: &[f64]) -> f64 {
    r.idx.iter().zip(&r.val).map(|(&i, v)| v * x[i]).sum()
}

/// Solve the cone program `cp` with data `d`: by the active-set solver when `plan`
/// and `settings.solver` say so (warm started from `warm`'s slot, if given, and
/// falling back to Clarabel on `ws` when it does not end optimal), else by Clarabel.
/// An adaptive plan under `Auto` chooses per call from the slot's history
/// ([`Plan::adaptive`]).
pub fn solve(
    cp: &ConeProgram,
    d: &Data,
    settings: &Settings,
    plan: &Plan,
    ws: &mut Option<Workspace>,
    warm: Option<(&WarmStarts, usize)>,
) -> Result<RawSolution, String> {
    let warm = warm.filter(|_| settings.warm_start);
    let follow = plan.adaptive && settings.solver == SolverChoice::Auto;
    let mut slot = match warm {
        Some((w, k)) if follow || plan.uses_active_set(settings.solver) => w.take(k),
        _ => Slot::default(),
    };
    let active = plan.uses_active_set(settings.solver) || (follow && slot.next_active);
    if !active {
        let raw = solve::solve_reusing(cp, d, settings, ws);
        if let (Some((w, k)), true) = (warm, follow) {
            // Follow the slot: the active rows of Clarabel's solution, and whether they
            // are those of the previous call's (give or take `plan.changes`) with the same
            // P and A (else a warm solve could not reuse its factorization: a layer whose
            // P or A is learned stays on Clarabel).
            let same = slot.p == d.p && slot.a == d.a;
            slot.next_active = false;
            if let Ok(r) = &raw
                && r.status == Status::Optimal
            {
                let now: Vec<usize> = (0..cp.m).filter(|&i| !plan.eq[i] && r.z.get(i) > r.s.get(i)).collect();
                slot.next_active = slot.calls > 0 && same && differ(&slot.active, &now) <= plan.changes;
                slot.active = now;
            }
            if !same {
                slot.p.clone_from(&d.p);
                slot.a.clone_from(&d.a);
            }
            slot.calls += 1;
            w.put(k, slot);
        }
        return raw;
    }
    let t = std::time::Instant::now();
    let qp = to_qp(cp, d, plan);
    // The factorization is reused only for exactly the same P and A.
    let same = slot.p == d.p && slot.a == d.a;
    let factor = slot.factor.take().filter(|_| same);
    let opts = dual::Options { tol: settings.tol_feas.min(1e-9), ..dual::Options::default() };
    let (mut o, factor) = dual::solve_reusing(&qp, &slot.active, factor, &opts);
    slot.calls += 1;
    if o.status == dual::QpStatus::Optimal {
        center_free_columns(&qp, &mut o);
        let raw = raw_from(cp, d, &qp, &o, t.elapsed().as_secs_f64());
        if let Some((w, k)) = warm {
            // A followed slot stays on the active set while its solves are cheap: few
            // working-set changes, with P and A those of the call before.
            slot.next_active = same && o.iterations <= plan.changes;
            slot.active = o.active;
            if slot.p != d.p || slot.a != d.a {
                slot.p.clone_from(&d.p);
                slot.a.clone_from(&d.a);
            }
            slot.factor = factor;
            w.put(k, slot);
        }
        return Ok(raw);
    }
    if let Some((w, k)) = warm {
        // Keep the working set (a good start for the next call); a followed slot's next
        // call goes to Clarabel.
        slot.next_active = false;
        w.put(k, slot);
    }
    let mut raw = solve::solve_reusing(cp, d, settings, ws)?;
    raw.solver = SolvedBy::Fallback;
    Ok(raw)
}

/// The number of rows in one of two sets of rows and not the other.
fn differ(a: &[usize], b: &[usize]) -> usize {
    let (mut x, mut y) = (a.to_vec(), b.to_vec());
    x.sort_unstable();
    y.sort_unstable();
    let (mut i, mut j, mut same) = (0, 0, 0);
    while i < x.len() && j < y.len() {
        match x[i].cmp(&y[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                same += 1;
                i += 1;
                j += 1;
            }
        }
    }
    x.len() + y.len() - 2 * same
}

//! A dense dual active-set method for convex QPs (Goldfarb–Idnani, with proximal-point
//! outer iterations for a semidefinite P, as DAQP does):
//!
//! ```text
//! minimize ½xᵀPx + qᵀx   subject to  aᵢᵀx = bᵢ (i ∈ E),  aᵢᵀx ≤ bᵢ (i ∈ I)
//! ```
//!
//! with the multipliers of the cone program: `Px + q + Σ zᵢaᵢ = 0`, `zᵢ ≥ 0` on I.
//!
//! **Factorization.** With `H = LLᵀ` and the working set's normals N (n×k), the method
//! keeps `J = L⁻ᵀQ` and an upper triangular R with `JᵀHJ = I` and `JᵀN = [R; 0]`
//! (`L⁻¹N = Q[R; 0]`). The equality-constrained minimizer on the working set is then
//! `x = J₁R⁻ᵀb_W − J₂J₂ᵀg` with multipliers `z_W = −R⁻¹(R⁻ᵀb_W + J₁ᵀg)`. Adding a
//! normal `a` (d = Jᵀa) is one Householder reflection of J's last n − k columns
//! (O(n(n − k))); dropping one restores R's triangle with Givens rotations, applied
//! to J's columns as well.
//!
//! **Iteration.** From a dual-feasible point (the minimizer on W with z_W ≥ 0 on its
//! inequalities) the most violated inequality p is added: the primal step
//! `−J₂J₂ᵀa_p` and the dual step `−R⁻¹d₁` are taken as far as p's violation (full
//! step: p joins W) or until an inequality's multiplier reaches 0 (partial step: that
//! one leaves W, and the step towards p goes on). When p's normal lies in the span of
//! W's and no multiplier can decrease, the constraints are infeasible. Each step
//! raises the dual objective, so no working set repeats (no cycling in exact
//! arithmetic); an iteration budget bounds what rounding could still do.
//!
//! **Semidefinite P.** Canonicalization adds variables without curvature, so P is
//! often singular. Then H = P + εI and the linear term is `q − εx_k`: each outer
//! iteration solves `min f(x) + ε/2‖x − x_k‖²` over the constraints, warm started from
//! the previous working set (H does not change, so neither does the factorization),
//! until x stops moving; the fixed point is a solution of the original QP, and the
//! final stationarity residual is ε‖x_{k+1} − x_k‖. A direction along which x keeps
//! moving with no curvature and a decreasing objective is an unboundedness
//! certificate.
//!
//! **Warm start.** A working set from an earlier solve is taken as a guess: its rows are
//! added as equalities (dependent rows skipped), then rows with a negative multiplier
//! are dropped one at a time until the point is dual feasible. Any guess, however
//! wrong, leads to the same solution; a good one saves the iterations.

#![allow(clippy::needless_range_loop)] // index arithmetic over J, R and the working set

use faer::{Mat, Side};

/// A constraint row `aᵀx (= or ≤) b` with a sparse normal.
#[derive(Clone, Debug, Default)]
pub struct Row {
    /// Column indices of the nonzeros.
    pub idx: Vec<usize>,
    /// Their values.
    pub val: Vec<f64>,
}

impl Row {
    fn dot(&self, x: &[f64]) -> f64 {
        self.idx.iter().zip(&self.val).map(|(&i, v)| v * x[i]).sum()
    }
    /// ‖a‖₂, scaled so that entries up to f64's range do not overflow when squared.
    fn norm(&self) -> f64 {
        let big = self.val.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        if big == 0.0 || !big.is_finite() {
            return big;
        }
        big * self.val.iter().map(|v| (v / big) * (v / big)).sum::<f64>().sqrt()
    }
}

/// One dense QP.
#[derive(Clone, Debug)]
pub struct Qp {
    /// Number of variables.
    pub n: usize,
    /// P, n×n, symmetric, column-major (both triangles).
    pub p: Vec<f64>,
    /// Linear term.
    pub q: Vec<f64>,
    /// Constraint normals.
    pub rows: Vec<Row>,
    /// Right-hand sides.
    pub b: Vec<f64>,
    /// Whether each row is an equality.
    pub eq: Vec<bool>,
}

/// How a solve ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QpStatus {
    /// A KKT point to the tolerance.
    Optimal,
    /// A violated constraint could not be satisfied: the constraints have no solution.
    Infeasible,
    /// A recession direction with a decreasing objective was found.
    Unbounded,
    /// The iteration budget ran out (or the outer iterations did not settle).
    IterationLimit,
    /// The result did not pass the final KKT check (rounding), or a factorization failed.
    Numerical,
}

/// Options of a solve.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Relative tolerance of the final KKT check (primal, dual, stationarity).
    pub tol: f64,
    /// Most add/drop steps.
    pub max_iter: usize,
    /// Most proximal outer iterations.
    pub max_outer: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options { tol: 1e-9, max_iter: 5000, max_outer: 400 }
    }
}

/// The answer.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// How the solve ended.
    pub status: QpStatus,
    /// Primal solution (or the last iterate; the direction for `Unbounded`).
    pub x: Vec<f64>,
    /// Multipliers, one per row (0 off the working set).
    pub z: Vec<f64>,
    /// The final working set (inequality rows only, in the order they were added).
    pub active: Vec<usize>,
    /// Add and drop steps taken.
    pub iterations: usize,
    /// Proximal outer iterations (1 when P is positive definite).
    pub outer: usize,
}

/// The factorization at the end of a solve (J, R, the working set with its
/// equalities, ε): a later solve of a QP with the same P and the same constraint
/// normals (only q and b differ: MPC's initial state, a training loop's linear term)
/// starts from it instead of factoring and adding its working set again.
#[derive(Clone, Debug, Default)]
pub struct Factor {
    n: usize,
    eps: f64,
    j: Vec<f64>,
    r: Vec<Vec<f64>>,
    w: Vec<usize>,
}

impl Factor {
    /// The rows of the working set (equalities included), in R's column order.
    pub fn working_set(&self) -> &[usize] {
        &self.w
    }

    /// Number of variables.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The proximal ε: the factorization is of `H = P + εI` (0 when P is positive
    /// definite).
    pub fn eps(&self) -> f64 {
        self.eps
    }

    /// Whether the sizes hang together (n×n J, k ≤ n columns of R with c + 1 entries
    /// each, one per working-set row): a factor that fails this is not used.
    pub fn is_consistent(&self) -> bool {
        let k = self.w.len();
        self.j.len() == self.n * self.n
            && k <= self.n
            && self.r.len() == k
            && self.r.iter().enumerate().all(|(c, col)| col.len() == c + 1)
    }

    /// Solve the equality-constrained KKT system of the working set W with H:
    ///
    /// ```text
    /// [H   N_W] [u]   [r₁]
    /// [N_Wᵀ  0] [w] = [r₂]
    /// ```
    ///
    /// (`r₂` and w in R's column order). With `u = Jy`: `JᵀHJ = I` and
    /// `JᵀN_W = [R; 0]` give `Rᵀy₁ = r₂`, `y₂ = J₂ᵀr₁`, `Rw = J₁ᵀr₁ − y₁`. O(n²).
    /// The caller checks [`Factor::is_consistent`] first.
    pub fn kkt_solve(&self, r1: &[f64], r2: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let (n, k) = (self.n, self.w.len());
        let col = |c: usize| &self.j[c * n..(c + 1) * n];
        let t: Vec<f64> = (0..n).map(|c| dot(col(c), r1)).collect();
        let y1 = rt_solve(&self.r, r2);
        let mut u = vec![0.0; n];
        for c in 0..n {
            let f = if c < k { y1[c] } else { t[c] };
            if f != 0.0 {
                axpy(f, col(c), &mut u);
            }
        }
        let rw: Vec<f64> = (0..k).map(|c| t[c] - y1[c]).collect();
        (u, r_solve(&self.r, &rw))
    }
}

/// The factorization of `qp`'s equalities and the inequalities `rows` (as a cold start
/// with that working-set guess makes it), or None when P + εI cannot be factored or a
/// row is left out (its normal is 0 or depends on the others').
pub fn factor_of(qp: &Qp, rows: &[usize]) -> Option<Factor> {
    let (wk, eps) = start(qp, rows)?;
    let want = qp.eq.iter().filter(|e| **e).count() + rows.len();
    (wk.w.len() == want).then_some(Factor { n: wk.n, eps, j: wk.j, r: wk.r, w: wk.w })
}

/// The factorization of the working set (module docs).
struct Work<'a> {
    qp: &'a Qp,
    n: usize,
    /// J, n×n, column-major.
    j: Vec<f64>,
    /// R by columns: column c has c + 1 entries.
    r: Vec<Vec<f64>>,
    /// Rows in the working set, in R's column order.
    w: Vec<usize>,
    /// Their multipliers.
    zw: Vec<f64>,
    in_w: Vec<bool>,
    /// The current linear term (q − εx_k).
    g: Vec<f64>,
    x: Vec<f64>,
    iterations: usize,
    row_norm: Vec<f64>,
}

/// Squared norm of d₂ below which a normal counts as dependent on the working set's,
/// relative to ‖d‖².
const DEPENDENT: f64 = 1e-18;

enum Step {
    Added,
    Infeasible,
    Budget,
}

impl<'a> Work<'a> {
    fn col(&self, c: usize) -> &[f64] {
        &self.j[c * self.n..(c + 1) * self.n]
    }

    /// d = Jᵀa.
    fn jt(&self, a: &Row) -> Vec<f64> {
        (0..self.n)
            .map(|c| {
                let col = self.col(c);
                a.idx.iter().zip(&a.val).map(|(&i, v)| v * col[i]).sum()
            })
            .collect()
    }

    /// R y = d (back substitution), d of length k.
    fn r_solve(&self, d: &[f64]) -> Vec<f64> {
        r_solve(&self.r, d)
    }

    /// Rᵀ y = d (forward substitution).
    fn rt_solve(&self, d: &[f64]) -> Vec<f64> {
        rt_solve(&self.r, d)
    }

    /// Add row `p` to the working set given d = Jᵀa_p (d₂ not negligible): one
    /// Householder reflection of columns k..n of J.
    fn add(&mut self, p: usize, d: &[f64], zp: f64) {
        let (n, k) = (self.n, self.w.len());
        let d2 = &d[k..];
        let norm = d2.iter().map(|v| v * v).sum::<f64>().sqrt();
        let sigma = if d2[0] >= 0.0 { -norm } else { norm };
        // u = d₂ − σe₁, reflection I − 2uuᵀ/uᵀu maps d₂ to σe₁.
        let mut u = d2.to_vec();
        u[0] -= sigma;
        let uu: f64 = u.iter().map(|v| v * v).sum();
        if uu > 0.0 {
            let beta = 2.0 / uu;
            let mut t = vec![0.0; n];
            for (c, uc) in u.iter().enumerate() {
                if *uc != 0.0 {
                    let col = &self.j[(k + c) * n..(k + c + 1) * n];
                    for i in 0..n {
                        t[i] += uc * col[i];
                    }
                }
            }
            for (c, uc) in u.iter().enumerate() {
                if *uc != 0.0 {
                    let f = beta * uc;
                    let col = &mut self.j[(k + c) * n..(k + c + 1) * n];
                    for i in 0..n {
                        col[i] -= f * t[i];
                    }
                }
            }
        }
        let mut rc = d[..k].to_vec();
        rc.push(sigma);
        self.r.push(rc);
        self.w.push(p);
        self.zw.push(zp);
        self.in_w[p] = true;
    }

    /// Drop the working-set entry at position `k`: Givens rotations restore R's
    /// triangle and rotate J's columns alike.
    fn drop(&mut self, k: usize) {
        let n = self.n;
        let p = self.w.remove(k);
        self.zw.remove(k);
        self.in_w[p] = false;
        self.r.remove(k);
        let q = self.r.len();
        for jj in k..q {
            let (a, b) = (self.r[jj][jj], self.r[jj][jj + 1]);
            let h = a.hypot(b);
            if h == 0.0 {
                self.r[jj].pop();
                continue;
            }
            let (c, s) = (a / h, b / h);
            for col in self.r[jj..].iter_mut() {
                let (u, v) = (col[jj], col[jj + 1]);
                col[jj] = c * u + s * v;
                col[jj + 1] = -s * u + c * v;
            }
            self.r[jj].pop();
            let (lo, hi) = self.j.split_at_mut((jj + 1) * n);
            let cj = &mut lo[jj * n..];
            let cj1 = &mut hi[..n];
            for i in 0..n {
                let (u, v) = (cj[i], cj1[i]);
                cj[i] = c * u + s * v;
                cj1[i] = -s * u + c * v;
            }
        }
        self.iterations += 1;
    }

    /// The minimizer on the working set and its multipliers, for the current g.
    fn minimize_on_w(&mut self) {
        let (n, k) = (self.n, self.w.len());
        let bw: Vec<f64> = self.w.iter().map(|&i| self.qp.b[i]).collect();
        let w1 = self.rt_solve(&bw);
        let jtg: Vec<f64> = (0..n).map(|c| dot(self.col(c), &self.g)).collect();
        let mut x = vec![0.0; n];
        for c in 0..n {
            let f = if c < k { w1[c] } else { -jtg[c] };
            if f != 0.0 {
                axpy(f, self.col(c), &mut x);
            }
        }
        self.x = x;
        let s: Vec<f64> = (0..k).map(|c| w1[c] + jtg[c]).collect();
        self.zw = self.r_solve(&s).into_iter().map(|v| -v).collect();
    }

    /// Drop inequalities with a negative multiplier (the most negative first) until the
    /// point is dual feasible.
    fn make_dual_feasible(&mut self) {
        loop {
            self.minimize_on_w();
            let worst = (0..self.w.len())
                .filter(|&c| !self.qp.eq[self.w[c]])
                .min_by(|&a, &b| self.zw[a].total_cmp(&self.zw[b]));
            match worst {
                Some(c) if self.zw[c] < 0.0 => self.drop(c),
                _ => return,
            }
        }
    }

    /// Put `row` into the working set as an equality if its normal is independent of
    /// the working set's (the warm start and the equalities); false if dependent.
    fn force(&mut self, row: usize) -> bool {
        let d = self.jt(&self.qp.rows[row]);
        let k = self.w.len();
        let all: f64 = d.iter().map(|v| v * v).sum();
        let d2: f64 = d[k..].iter().map(|v| v * v).sum();
        if k >= self.n || d2 <= DEPENDENT * all || all == 0.0 {
            return false;
        }
        self.add(row, &d, 0.0);
        true
    }

    /// The most violated inequality outside the working set, if any violation exceeds
    /// the tolerance (violations measured in the row's own scale).
    fn most_violated(&self) -> Option<usize> {
        let xs = self.x.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        let mut best = None;
        let mut worst = 0.0;
        for (i, row) in self.qp.rows.iter().enumerate() {
            if self.qp.eq[i] || self.in_w[i] || self.row_norm[i] == 0.0 {
                continue;
            }
            let v = (row.dot(&self.x) - self.qp.b[i]) / self.row_norm[i];
            let tol = 1e-12 * (xs + (self.qp.b[i] / self.row_norm[i]).abs());
            if v > tol && v > worst {
                worst = v;
                best = Some(i);
            }
        }
        best
    }

    /// The Goldfarb–Idnani step towards satisfying row `p` (module docs).
    fn step(&mut self, p: usize, budget: usize) -> Step {
        let mut zp = 0.0;
        loop {
            if self.iterations >= budget {
                return Step::Budget;
            }
            let (n, k) = (self.n, self.w.len());
            let row = &self.qp.rows[p];
            let d = self.jt(row);
            let all: f64 = d.iter().map(|v| v * v).sum();
            let nd2: f64 = d[k..].iter().map(|v| v * v).sum();
            let dependent = k >= n || nd2 <= DEPENDENT * all;
            let dr: Vec<f64> = self.r_solve(&d).into_iter().map(|v| -v).collect();
            let mut t1 = f64::INFINITY;
            let mut block = None;
            for c in 0..k {
                if !self.qp.eq[self.w[c]] && dr[c] < 0.0 {
                    let t = self.zw[c] / -dr[c];
                    if t < t1 {
                        t1 = t;
                        block = Some(c);
                    }
                }
            }
            let v = row.dot(&self.x) - self.qp.b[p];
            let t2 = if dependent { f64::INFINITY } else { (v / nd2).max(0.0) };
            let t = t1.min(t2);
            if !t.is_finite() {
                return Step::Infeasible;
            }
            if !dependent && t > 0.0 {
                // x += t·(−J₂d₂).
                let mut dx = vec![0.0; n];
                for c in k..n {
                    if d[c] != 0.0 {
                        axpy(-d[c], self.col(c), &mut dx);
                    }
                }
                axpy(t, &dx, &mut self.x);
            }
            for c in 0..k {
                self.zw[c] += t * dr[c];
            }
            zp += t;
            self.iterations += 1;
            if t2 <= t1 {
                self.add(p, &d, zp);
                return Step::Added;
            }
            if let Some(c) = block {
                self.zw[c] = 0.0;
                self.drop(c);
            }
        }
    }

    /// Inner loop: add violated inequalities until none is left.
    fn inner(&mut self, budget: usize) -> Option<QpStatus> {
        while let Some(p) = self.most_violated() {
            match self.step(p, budget) {
                Step::Added => {}
                Step::Infeasible => return Some(QpStatus::Infeasible),
                Step::Budget => return Some(QpStatus::IterationLimit),
            }
        }
        None
    }
}

/// R y = d (back substitution) for R by columns (`r[c]` holds rows 0..=c of column c),
/// d of at least R's order.
fn r_solve(r: &[Vec<f64>], d: &[f64]) -> Vec<f64> {
    let k = r.len();
    let mut d = d[..k].to_vec();
    let mut y = vec![0.0; k];
    for c in (0..k).rev() {
        y[c] = d[c] / r[c][c];
        for i in 0..c {
            d[i] -= y[c] * r[c][i];
        }
    }
    y
}

/// Rᵀ y = d (forward substitution).
fn rt_solve(r: &[Vec<f64>], d: &[f64]) -> Vec<f64> {
    let k = r.len();
    let mut y = vec![0.0; k];
    for c in 0..k {
        let s: f64 = (0..c).map(|i| r[c][i] * y[i]).sum();
        y[c] = (d[c] - s) / r[c][c];
    }
    y
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn axpy(f: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += f * xi;
    }
}

/// P x for the column-major symmetric P.
fn p_mul(qp: &Qp, x: &[f64]) -> Vec<f64> {
    let n = qp.n;
    let mut out = vec![0.0; n];
    for (c, xc) in x.iter().enumerate() {
        if *xc != 0.0 {
            axpy(*xc, &qp.p[c * n..(c + 1) * n], &mut out);
        }
    }
    out
}

/// L⁻ᵀ for the lower triangular L (upper triangular, column-major).
fn inv_lt(l: faer::MatRef<'_, f64>, n: usize) -> Vec<f64> {
    let mut j = vec![0.0; n * n];
    for c in 0..n {
        // Solve Lᵀ y = e_c: y_i = (δ_ic − Σ_{k>i} L_ki y_k) / L_ii, y_i = 0 for i > c.
        let col = &mut j[c * n..(c + 1) * n];
        for i in (0..=c).rev() {
            let mut s = if i == c { 1.0 } else { 0.0 };
            for k in i + 1..=c {
                s -= l[(k, i)] * col[k];
            }
            col[i] = s / l[(i, i)];
        }
    }
    j
}

/// Cholesky factor of P + εI, or None when it fails.
fn cholesky(qp: &Qp, eps: f64) -> Option<Mat<f64>> {
    let n = qp.n;
    let h = Mat::from_fn(n, n, |i, j| qp.p[j * n + i] + if i == j { eps } else { 0.0 });
    let llt = h.llt(Side::Lower).ok()?;
    let l = llt.L().to_owned();
    (0..n).all(|i| l[(i, i)].is_finite() && l[(i, i)] > 0.0).then_some(l)
}

/// Solve `qp`, starting from the working-set guess `warm` (inequality rows; ignored
/// entries out of range).
pub fn solve(qp: &Qp, warm: &[usize], opts: &Options) -> Outcome {
    solve_reusing(qp, warm, None, opts).0
}

/// [`solve`], starting from `factor` (from an earlier solve of a QP with the same P
/// and constraint normals, which the caller vouches for; `warm` is then ignored), and
/// returning the final factorization for the next solve.
pub fn solve_reusing(
    qp: &Qp,
    warm: &[usize],
    factor: Option<Factor>,
    opts: &Options,
) -> (Outcome, Option<Factor>) {
    let n = qp.n;
    let m = qp.rows.len();
    let fail = |status| Outcome {
        status,
        x: vec![0.0; n],
        z: vec![0.0; m],
        active: Vec::new(),
        iterations: 0,
        outer: 0,
    };
    if qp.p.len() != n * n || qp.q.len() != n || qp.b.len() != m || qp.eq.len() != m {
        return (fail(QpStatus::Numerical), None);
    }
    if qp
        .p
        .iter()
        .chain(&qp.q)
        .chain(&qp.b)
        .chain(qp.rows.iter().flat_map(|r| &r.val))
        .any(|v| !v.is_finite())
    {
        return (fail(QpStatus::Numerical), None);
    }
    let factor = factor.filter(|f| f.n == n && f.j.len() == n * n && f.w.iter().all(|&i| i < m));
    let mut wk = match factor {
        Some(f) => {
            let mut in_w = vec![false; m];
            f.w.iter().for_each(|&i| in_w[i] = true);
            let k = f.w.len();
            let wk = Work {
                qp,
                n,
                j: f.j,
                r: f.r,
                w: f.w,
                zw: vec![0.0; k],
                in_w,
                g: qp.q.clone(),
                x: vec![0.0; n],
                iterations: 0,
                row_norm: qp.rows.iter().map(Row::norm).collect(),
            };
            (wk, f.eps)
        }
        None => match start(qp, warm) {
            Some(w) => w,
            None => return (fail(QpStatus::Numerical), None),
        },
    };
    let eps = wk.1;
    let wk = &mut wk.0;
    let budget = opts.max_iter;
    let mut outer = 0;
    let mut status = None;
    let scale = |v: &[f64]| v.iter().fold(1.0f64, |a, t| a.max(t.abs()));
    loop {
        outer += 1;
        let prev = wk.x.clone();
        wk.make_dual_feasible();
        if let Some(s) = wk.inner(budget) {
            status = Some(s);
            break;
        }
        if eps == 0.0 {
            break;
        }
        let delta: Vec<f64> = wk.x.iter().zip(&prev).map(|(a, b)| a - b).collect();
        let moved = delta.iter().fold(0.0f64, |a, t| a.max(t.abs()));
        // The stationarity residual of the original QP is ε·(x_k − x_{k+1}).
        let gscale = scale(&qp.q).max(scale(&p_mul(qp, &wk.x)));
        if outer > 1 && eps * moved <= 1e-5 * opts.tol * gscale {
            break;
        }
        if outer > 2 && moved > 1e-6 * scale(&wk.x) && is_recession(qp, &delta) {
            let o = Outcome {
                status: QpStatus::Unbounded,
                x: delta,
                z: vec![0.0; m],
                active: Vec::new(),
                iterations: wk.iterations,
                outer,
            };
            return (o, None);
        }
        if outer >= opts.max_outer {
            status = Some(QpStatus::IterationLimit);
            break;
        }
        wk.g = qp.q.iter().zip(&wk.x).map(|(q, x)| q - eps * x).collect();
    }
    let mut z = vec![0.0; m];
    for (c, &i) in wk.w.iter().enumerate() {
        z[i] = wk.zw[c];
    }
    let active: Vec<usize> = wk.w.iter().copied().filter(|&i| !qp.eq[i]).collect();
    let status = status.unwrap_or_else(|| kkt_status(qp, &wk.x, &z, opts.tol));
    let factor = Factor {
        n,
        eps,
        j: std::mem::take(&mut wk.j),
        r: std::mem::take(&mut wk.r),
        w: std::mem::take(&mut wk.w),
    };
    let x = std::mem::take(&mut wk.x);
    let iterations = wk.iterations;
    (Outcome { status, x, z, active, iterations, outer }, Some(factor))
}

/// A cold start: factor P (+ εI when P is not safely positive definite), put the
/// equalities and then the guess `warm` into the working set. Returns the work and ε.
fn start<'a>(qp: &'a Qp, warm: &[usize]) -> Option<(Work<'a>, f64)> {
    let n = qp.n;
    let m = qp.rows.len();
    let pmax = (0..n).map(|i| qp.p[i * n + i]).fold(0.0f64, f64::max);
    // Positive definite with a margin: no proximal term. Else ε relative to P's scale.
    let pd = cholesky(qp, 0.0).filter(|l| {
        let dmin = (0..n).map(|i| l[(i, i)] * l[(i, i)]).fold(f64::INFINITY, f64::min);
        dmin > 1e-8 * pmax
    });
    let (eps, l) = match pd {
        Some(l) => (0.0, l),
        None => {
            let eps = 1e-6 * pmax.max(1.0);
            match cholesky(qp, eps) {
                Some(l) => (eps, l),
                None => return None,
            }
        }
    };
    let mut wk = Work {
        qp,
        n,
        j: inv_lt(l.as_ref(), n),
        r: Vec::new(),
        w: Vec::new(),
        zw: Vec::new(),
        in_w: vec![false; m],
        g: qp.q.clone(),
        x: vec![0.0; n],
        iterations: 0,
        row_norm: qp.rows.iter().map(Row::norm).collect(),
    };
    // Equalities first (a dependent one is checked for consistency at the end), then
    // the guess.
    for i in 0..m {
        if qp.eq[i] && wk.row_norm[i] > 0.0 {
            wk.force(i);
        }
    }
    for &i in warm {
        if i < m && !qp.eq[i] && !wk.in_w[i] && wk.row_norm[i] > 0.0 {
            wk.force(i);
        }
    }
    Some((wk, eps))
}

/// Whether `d` is a recession direction of the feasible set along which the objective
/// decreases without curvature (an unboundedness certificate, to a tolerance).
fn is_recession(qp: &Qp, d: &[f64]) -> bool {
    let dn = d.iter().fold(0.0f64, |a, t| a.max(t.abs()));
    if dn == 0.0 {
        return false;
    }
    let d: Vec<f64> = d.iter().map(|v| v / dn).collect();
    let pscale = qp.p.iter().fold(1.0f64, |a, t| a.max(t.abs()));
    let qscale = qp.q.iter().fold(0.0f64, |a, t| a.max(t.abs()));
    let flat = p_mul(qp, &d).iter().all(|v| v.abs() <= 1e-9 * pscale);
    let feasible = qp.rows.iter().zip(&qp.eq).all(|(r, &e)| {
        let v = r.dot(&d);
        let tol = 1e-9 * r.norm().max(1e-300);
        if e { v.abs() <= tol } else { v <= tol }
    });
    flat && feasible && dot(&qp.q, &d) < -1e-9 * qscale.max(1e-300)
}

/// Check the KKT conditions of the original QP at (x, z): stationarity, primal
/// feasibility (equalities included, so an inconsistent dependent equality shows
/// here), and dual feasibility.
fn kkt_status(qp: &Qp, x: &[f64], z: &[f64], tol: f64) -> QpStatus {
    let n = qp.n;
    let mut grad = p_mul(qp, x);
    for (g, q) in grad.iter_mut().zip(&qp.q) {
        *g += q;
    }
    let mut scale = qp.q.iter().fold(1.0f64, |a, t| a.max(t.abs()));
    for (i, r) in qp.rows.iter().enumerate() {
        for (&c, v) in r.idx.iter().zip(&r.val) {
            grad[c] += z[i] * v;
            scale = scale.max((z[i] * v).abs());
        }
    }
    let px = p_mul(qp, x);
    scale = px.iter().fold(scale, |a, t| a.max(t.abs()));
    // A NaN or an overflow fails the check.
    if !scale.is_finite() || grad.len() != n || grad.iter().any(|g| g.is_nan() || g.abs() > tol * scale) {
        return QpStatus::Numerical;
    }
    let xmax = x.iter().fold(0.0f64, |a, t| a.max(t.abs()));
    for (i, r) in qp.rows.iter().enumerate() {
        let ax = r.dot(x);
        let s = 1.0f64.max(qp.b[i].abs()).max(r.norm() * xmax);
        let v = ax - qp.b[i];
        if !s.is_finite() || !v.is_finite() {
            return QpStatus::Numerical;
        }
        let primal_bad = if qp.eq[i] { v.abs() > tol * s } else { v > tol * s };
        if primal_bad {
            // An equality inconsistent with the others (dependent, skipped) or an
            // inequality left violated.
            return if qp.eq[i] { QpStatus::Infeasible } else { QpStatus::Numerical };
        }
        if !qp.eq[i] && (z[i].is_nan() || z[i] < -tol * scale) {
            return QpStatus::Numerical;
        }
    }
    QpStatus::Optimal
}

//! The derivative system of an active-set solution, dense.
//!
//! At a QP solution whose rows are strictly complementary, the reduced KKT system of
//! the backward pass (`diff::derivative`) keeps the equality rows and the inequality
//! rows with v = z − s > 0 (λ = 1, h = 0) and decouples the others (dy = 0 there):
//!
//! ```text
//! [P    N_Wᵀ] [dx]   [r₁ ]
//! [N_W    0 ] [dy] = [r₂_W]
//! ```
//!
//! with N_W the normals of the active rows W. The active-set solver ends with a
//! factorization of exactly this system for `H = P + εI` (J, R of [`dual::Factor`]),
//! which solves it in O(n²); ε = 0 when P is positive definite, and otherwise
//! iterative refinement against P (the proximal iteration, converging when P is
//! positive definite on the null space of N_Wᵀ) removes it. The factorization is the
//! one the forward call left in its warm-start slot when that was made for the same P,
//! A and working set, else a fresh one of W ([`dual::factor_of`]).
//!
//! This system is used only where it gives the sparse path's answer and is the cheaper
//! one ([`is_cheaper`]): the layer tries it for active-set solutions with exact
//! projections and no weakly active row, and
//! [`ActiveKkt::new`] refuses (the layer then takes the sparse path) when W's rows are
//! dependent or the system is near singular; a solve that does not refine to
//! [`TRUSTED`] is marked failed (the layer takes the sparse path again).

use super::{Plan, WarmStarts, dense_p, dual, to_qp};
use crate::ir::cone::ConeProgram;
use crate::solve::Data;
use std::cell::Cell;

/// Relative residual to which a solve must refine to be used (the sparse path's solves
/// of a well-conditioned system refine to about 1e-15).
pub const TRUSTED: f64 = 1e-12;

/// Relative residual at which refinement stops (a fresh factorization of a
/// well-conditioned system is there after the first solve; one updated over many warm
/// starts may take a step).
const DONE: f64 = 1e-14;

/// Largest `‖u‖∞/‖rhs‖∞ · max(1, max Pᵢᵢ)` of the probe solve (an estimate of K's
/// condition in the sparse path's terms) for which the system counts as safely
/// nonsingular. The sparse path calls K singular near 1e9 (its regularization is
/// 1e-10 · max|Kᵢᵢ| and refinement stalls when that times ‖K⁻¹‖ nears 1); between
/// the two the sparse path decides.
const WELL_CONDITIONED: f64 = 1e6;

/// Whether the dense system is the cheaper one for `n` variables when the sparse path's
/// factor L has `factor_nnz` entries: a dense backward costs about 15n² flops (its
/// setup and a few O(n²) solves), a sparse one at least about 30·nnz(L) (the numeric
/// factorization, refinement and the singularity probe). The dense OptNet QP (n = 50,
/// nnz(L) = 4335) is dense's; box MPC forced to the active set (n = 248, nnz(L) = 4448)
/// is not (its J is 248×248 where K is banded).
pub fn is_cheaper(n: usize, factor_nnz: usize) -> bool {
    n.saturating_mul(n) <= factor_nnz.saturating_mul(2)
}

/// The dense derivative system at one active-set solution (module docs), of the cone
/// program it borrows.
#[derive(Debug)]
pub struct ActiveKkt<'a> {
    cp: &'a ConeProgram,
    factor: dual::Factor,
    /// P, dense (n×n, column-major).
    p: Vec<f64>,
    /// The working set's normals, dense: k×n, row c the normal of working-set row c.
    nw: Vec<f64>,
    /// The solution's x, and y = Π(z − s): z − s on the equality rows and the active
    /// inequalities, 0 elsewhere (as the sparse path polishes it).
    x: Vec<f64>,
    y: Vec<f64>,
    /// Relative residual of the last solve.
    residual: Cell<f64>,
    /// A solve did not refine to [`TRUSTED`].
    failed: Cell<bool>,
}

impl<'a> ActiveKkt<'a> {
    /// The system at the solution `(x, s, z)` of `cp` with data `d`, using the
    /// factorization in `warm`'s slot when it fits. None when the rows are dependent,
    /// P + εI cannot be factored, or the system is not safely nonsingular.
    pub fn new(
        cp: &'a ConeProgram,
        d: &Data,
        plan: &Plan,
        (x, s, z): (&[f64], &[f64], &[f64]),
        warm: Option<(&WarmStarts, usize)>,
    ) -> Option<ActiveKkt<'a>> {
        let (n, m) = (cp.n, cp.m);
        if !plan.is_qp || x.len() != n || s.len() != m || z.len() != m || plan.eq.len() != m {
            return None;
        }
        let mut y = vec![0.0; m];
        let mut active = vec![false; m];
        let mut ineq = Vec::new();
        for i in 0..m {
            let v = z[i] - s[i];
            if plan.eq[i] || v > 0.0 {
                y[i] = v;
                active[i] = true;
                if !plan.eq[i] {
                    ineq.push(i);
                }
            }
        }
        if x.iter().chain(&y).any(|v| !v.is_finite()) {
            return None;
        }
        if d.p.len() != cp.p.nnz() || d.a.len() != cp.a.nnz() {
            return None;
        }
        let factor = match warm.and_then(|(w, k)| w.factor_for(k, d, &active)) {
            Some(f) => f,
            None => dual::factor_of(&to_qp(cp, d, plan), &ineq)?,
        };
        let w = factor.working_set();
        let mut seen = vec![false; m];
        let fits = factor.is_consistent()
            && factor.n() == n
            && w.len() == plan.eq.iter().filter(|e| **e).count() + ineq.len()
            && w.iter().all(|&i| i < m && active[i] && !std::mem::replace(&mut seen[i], true));
        if !fits {
            return None;
        }
        // The products with K read P and the active rows densely (O(n² + kn), no
        // indirection): made once here, used by every refinement step.
        let mut pos = vec![usize::MAX; m];
        for (c, &i) in w.iter().enumerate() {
            pos[i] = c;
        }
        let mut nw = vec![0.0; w.len() * n];
        for j in 0..n {
            for e in cp.a.colptr[j]..cp.a.colptr[j + 1] {
                if let Some(&c) = pos.get(cp.a.rowval[e]).filter(|c| **c != usize::MAX) {
                    nw[c * n + j] += d.a[e];
                }
            }
        }
        let kkt = ActiveKkt {
            cp,
            factor,
            p: dense_p(cp, d),
            nw,
            x: x.to_vec(),
            y,
            residual: Cell::new(0.0),
            failed: Cell::new(false),
        };
        kkt.well_conditioned().then_some(kkt)
    }

    /// The probe: a solve with a pseudo-random right-hand side refines to
    /// [`TRUSTED`] and its size stays within [`WELL_CONDITIONED`].
    fn well_conditioned(&self) -> bool {
        let (n, k) = (self.cp.n, self.factor.working_set().len());
        let rhs = crate::linalg::probe(n + k);
        let (u, w, res) = self.refined(&rhs[..n], &rhs[n..]);
        let size = u.iter().chain(&w).fold(0.0f64, |a, v| a.max(v.abs()));
        let bnorm = rhs.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let dscale = (0..n).map(|i| self.p[i * n + i].abs()).fold(1.0f64, f64::max);
        res <= TRUSTED && size.is_finite() && size / bnorm * dscale <= WELL_CONDITIONED
    }

    /// `K [u; w]` with the true P: `(Pu + N_W w, N_Wᵀu)`.
    fn mul(&self, u: &[f64], w: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let n = self.cp.n;
        let mut k1 = vec![0.0; n];
        let cols = self.p.chunks_exact(n).zip(u);
        for (col, f) in cols.chain(self.nw.chunks_exact(n).zip(w)) {
            if *f != 0.0 {
                k1.iter_mut().zip(col).for_each(|(k, a)| *k += f * a);
            }
        }
        let k2 = self.nw.chunks_exact(n).map(|row| row.iter().zip(u).map(|(a, b)| a * b).sum()).collect();
        (k1, k2)
    }

    /// Solve `K [u; w] = [r₁; r₂]` (r₂ in working-set order) by the factorization of
    /// H with up to 10 steps of iterative refinement against K (until the residual is
    /// at most [`DONE`] or stops decreasing), keeping the best iterate; returns it and its relative residual (∞ or NaN when it fails).
    fn refined(&self, r1: &[f64], r2: &[f64]) -> (Vec<f64>, Vec<f64>, f64) {
        let bnorm = r1.iter().chain(r2).fold(0.0f64, |a, v| a.max(v.abs()));
        if bnorm == 0.0 {
            return (vec![0.0; r1.len()], vec![0.0; r2.len()], 0.0);
        }
        let (mut u, mut w) = self.factor.kkt_solve(r1, r2);
        let mut best = (f64::INFINITY, u.clone(), w.clone());
        for _ in 0..=10 {
            let (k1, k2) = self.mul(&u, &w);
            let e1: Vec<f64> = r1.iter().zip(&k1).map(|(b, k)| b - k).collect();
            let e2: Vec<f64> = r2.iter().zip(&k2).map(|(b, k)| b - k).collect();
            let res = e1.iter().chain(&e2).fold(0.0f64, |a, v| a.max(v.abs())) / bnorm;
            if res.is_nan() || res >= best.0 {
                break;
            }
            best = (res, u.clone(), w.clone());
            if res <= DONE {
                break;
            }
            let (du, dw) = self.factor.kkt_solve(&e1, &e2);
            u.iter_mut().zip(&du).for_each(|(a, d)| *a += d);
            w.iter_mut().zip(&dw).for_each(|(a, d)| *a += d);
        }
        (best.1, best.2, best.0)
    }

    /// `(dx, dy)` of `K [dx; dy_W] = [r₁; r₂_W]`, dy 0 off W (r₂ and dy over all m
    /// rows). A solve that does not refine to [`TRUSTED`] marks the system failed and
    /// returns NaN.
    pub fn solve(&self, r1: &[f64], r2: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let wset = self.factor.working_set();
        let r2w: Vec<f64> = wset.iter().map(|&i| r2.get(i).copied().unwrap_or(f64::NAN)).collect();
        let (u, w, res) = if r1.len() == self.cp.n {
            self.refined(r1, &r2w)
        } else {
            (Vec::new(), Vec::new(), f64::INFINITY)
        };
        self.residual.set(res);
        if res.is_nan() || res > TRUSTED {
            self.failed.set(true);
            return (vec![f64::NAN; self.cp.n], vec![f64::NAN; self.cp.m]);
        }
        let mut dy = vec![0.0; self.cp.m];
        for (&i, v) in wset.iter().zip(&w) {
            dy[i] = *v;
        }
        (u, dy)
    }

    /// The primal x of the solution.
    pub fn x(&self) -> &[f64] {
        &self.x
    }

    /// The dual y = Π(z − s).
    pub fn y(&self) -> &[f64] {
        &self.y
    }

    /// Relative residual ‖K u − rhs‖∞/‖rhs‖∞ of the last solve.
    pub fn residual(&self) -> f64 {
        self.residual.get()
    }

    /// Whether a solve failed (its answer is NaN; use the sparse path).
    pub fn failed(&self) -> bool {
        self.failed.get()
    }
}

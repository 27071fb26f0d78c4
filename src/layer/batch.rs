//! Many calls at once, in parallel over the batch (rayon). Each member is solved and
//! differentiated independently and has its own status; the caller chooses what a
//! failing member does to the rest.

use super::handles::{CotangentValues, ParamValues};
use super::{Error, Gradients, Layer, Output};
use crate::diag::{Diagnostic, codes};
use crate::frontend;
use crate::solve::Status;
use rayon::prelude::*;

/// What a failing member (invalid input, or a solve that is not optimal) does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BatchPolicy {
    /// The whole call fails with the first failing member's error (by index).
    FailBatch,
    /// Every member gets its own result; the others are unaffected. A solve that is
    /// not optimal is an `Ok` output with its status (and its backward is refused).
    #[default]
    PerMember,
}

/// Members per parallel chunk: one chunk per thread.
fn chunk_len(n: usize) -> usize {
    n.div_ceil(rayon::current_num_threads().max(1)).max(1)
}

fn member_error(i: usize, e: Error) -> Error {
    let mut diagnostics = e.diagnostics;
    for d in &mut diagnostics {
        d.message = format!("batch member {i}: {}", d.message);
    }
    Error { source: e.source, diagnostics }
}

impl Layer {
    /// One member of a forward batch: a panic is this member's E0999 error (the
    /// member's solver is dropped, the others go on).
    fn forward_member<P: ParamValues>(
        &self,
        v: &P,
        ws: &mut Option<crate::solve::Workspace>,
        slot: usize,
    ) -> Result<Output, Error> {
        frontend::guard("Layer::forward_batch", || self.forward_in(v, &self.settings, ws, slot)).inspect_err(
            |e| {
                if e.diagnostics.iter().any(|d| d.code == codes::INTERNAL) {
                    *ws = None;
                }
            },
        )
    }

    /// [`Layer::forward`] for every member of `batch` ([`Values`](crate::Values) or
    /// [`Inputs`](super::Inputs)), in parallel (rayon's global pool); the [`Batch`] is in
    /// the order of `batch`.
    ///
    /// With [`BatchPolicy::PerMember`] the result is always `Ok`: each member has its
    /// own status ([`Batch::statuses`]), solution ([`Batch::solution`]) or error
    /// ([`Batch::error`]). With [`BatchPolicy::FailBatch`] the first member (by index)
    /// that is an error or not optimal is the `Err` of the whole call, its message
    /// prefixed with `batch member i:`; an `Ok` then holds every member's solution.
    ///
    /// ```
    /// use dopt::{Array, BatchPolicy, Dims, Problem, Values};
    ///
    /// let text = "parameter x\nvariable y\nminimize square(y - x)\nsubject to\n    y >= 0\n";
    /// let layer = Problem::from_str("relu.dopt", text)?.compile(&Dims::new())?;
    /// let batch: Vec<Values> = [2.0, -1.0, 0.5]
    ///     .iter()
    ///     .map(|&x| Values::from([("x".to_string(), Array::scalar(x))]))
    ///     .collect();
    /// let outs = layer.forward_batch(&batch, BatchPolicy::FailBatch)?;
    /// let ys: Vec<f64> = outs.succeeded().map(|(_, o)| o.variables["y"].data[0]).collect();
    /// assert!(ys.iter().zip([2.0, 0.0, 0.5]).all(|(y, want)| (y - want).abs() < 1e-6));
    ///
    /// // A bad member: its own error per member, or the whole call fails.
    /// let mut bad = batch.clone();
    /// bad[1].insert("z".to_string(), Array::scalar(1.0));
    /// assert!(layer.forward_batch(&bad, BatchPolicy::PerMember)?[1].is_err());
    /// let e = layer.forward_batch(&bad, BatchPolicy::FailBatch).unwrap_err();
    /// assert!(e.to_string().contains("batch member 1"));
    /// # Ok::<(), dopt::Error>(())
    /// ```
    pub fn forward_batch<P: ParamValues + Sync>(
        &self,
        batch: &[P],
        policy: BatchPolicy,
    ) -> Result<Batch<Output>, Error> {
        // One contiguous chunk per thread, each on one solver for its whole length: the
        // solver's memory stays in that core's caches instead of moving between threads.
        let len = chunk_len(batch.len());
        let outs: Vec<Result<Output, Error>> = batch
            .par_chunks(len)
            .enumerate()
            .map(|(c, chunk)| {
                let mut ws = self.take_solver(c);
                let outs: Vec<_> = chunk
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.forward_member(v, &mut ws, c * len + i))
                    .collect();
                self.put_solver(c, ws);
                outs
            })
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .collect();
        if policy == BatchPolicy::FailBatch {
            for (i, o) in outs.iter().enumerate() {
                match o {
                    Err(e) => return Err(member_error(i, e.clone())),
                    Ok(o) if !o.status.is_optimal() => {
                        return Err(member_error(
                            i,
                            Error::from(Diagnostic::error(
                                codes::NOT_DIFFERENTIABLE,
                                format!("the solve ended with status `{}`", o.status),
                            )),
                        ));
                    }
                    Ok(_) => {}
                }
            }
        }
        Ok(Batch { members: outs })
    }

    /// [`Layer::backward`] for every member, in parallel: `outs[i]` with cotangents
    /// `dvars[i]` ([`Values`](crate::Values) or [`Cotangents`](super::Cotangents)). A member whose
    /// solve was not optimal gets an error (or fails the whole call, by `policy`); the
    /// others are differentiated.
    pub fn backward_batch<C: CotangentValues + Sync>(
        &self,
        outs: &[Output],
        dvars: &[C],
        policy: BatchPolicy,
    ) -> Result<Batch<Gradients>, Error> {
        if outs.len() != dvars.len() {
            return Err(Error::from(Diagnostic::error(
                codes::BAD_PARAMETER,
                format!("{} outputs but {} cotangent maps", outs.len(), dvars.len()),
            )));
        }
        let len = chunk_len(outs.len());
        // Member i's forward left its active-set factorization in slot i.
        let grads: Vec<Result<Gradients, Error>> = outs
            .par_chunks(len)
            .zip(dvars.par_chunks(len))
            .enumerate()
            .map(|(c, (o, d))| {
                o.iter()
                    .zip(d)
                    .enumerate()
                    .map(|(i, (o, d))| {
                        frontend::guard("Layer::backward_batch", || {
                            self.backward_in(o, d, &self.diff, c * len + i)
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .collect();
        if policy == BatchPolicy::FailBatch
            && let Some((i, Err(e))) = grads.iter().enumerate().find(|(_, g)| g.is_err())
        {
            return Err(member_error(i, e.clone()));
        }
        Ok(Batch { members: grads })
    }
}

/// The result of a batch call: per member, in the order of the batch, its value or
/// its own error. Index it (`batch[i]` is that member's `Result`) or iterate it like
/// the `Vec` of results it holds.
///
/// ```
/// use dopt::{BatchPolicy, Dims, Problem, Status};
///
/// // The second member's constraints 1 ≤ y ≤ u cannot hold for u = 0.
/// let text = "parameter u\nvariable y\nminimize square(y)\nsubject to\n    y >= 1\n    y <= u\n";
/// let layer = Problem::from_str("box.dopt", text)?.compile(&Dims::new())?;
/// let (u, y) = (layer.param("u")?, layer.output("y")?);
/// let members: Vec<_> = [3.0, 0.0]
///     .into_iter()
///     .map(|v| {
///         let mut m = layer.inputs();
///         m.set(&u, v).map(|()| m)
///     })
///     .collect::<Result<_, _>>()?;
/// let batch = layer.forward_batch(&members, BatchPolicy::PerMember)?;
/// assert_eq!(batch.statuses(), [Some(Status::Optimal), Some(Status::Infeasible)]);
/// assert!((batch.solution(0).unwrap().get(&y)?.data[0] - 1.0).abs() < 1e-6);
/// assert!(batch.solution(1).is_none());
///
/// // Under FailBatch the infeasible member is the error of the call.
/// let e = layer.forward_batch(&members, BatchPolicy::FailBatch).unwrap_err();
/// assert!(e.to_string().contains("batch member 1: the solve ended with status `infeasible`"));
/// # Ok::<(), dopt::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Batch<T> {
    members: Vec<Result<T, Error>>,
}

impl<T> Batch<T> {
    /// The number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }
    /// Whether the batch has no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
    /// Member `i`'s value, if it has one (`None` for an error or an index past the end).
    pub fn get(&self, i: usize) -> Option<&T> {
        self.members.get(i).and_then(|m| m.as_ref().ok())
    }
    /// Member `i`'s error, if it failed.
    pub fn error(&self, i: usize) -> Option<&Error> {
        self.members.get(i).and_then(|m| m.as_ref().err())
    }
    /// The members that have a value, with their indices.
    pub fn succeeded(&self) -> impl Iterator<Item = (usize, &T)> {
        self.members.iter().enumerate().filter_map(|(i, m)| Some((i, m.as_ref().ok()?)))
    }
    /// Every member's result, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Result<T, Error>> {
        self.members.iter()
    }
    /// The members' results, in order.
    pub fn into_results(self) -> Vec<Result<T, Error>> {
        self.members
    }
    /// Every member's value, or the first member's error (by index).
    pub fn into_values(self) -> Result<Vec<T>, Error> {
        self.members.into_iter().collect()
    }
}

impl Batch<Output> {
    /// Each member's solver status; `None` for a member refused before its solve (bad
    /// input: see [`Batch::error`]).
    pub fn statuses(&self) -> Vec<Option<Status>> {
        self.members.iter().map(|m| m.as_ref().ok().map(|o| o.status)).collect()
    }
    /// Member `i`'s solution if its solve is optimal (`None` otherwise; its output at
    /// another status is [`Batch::get`]).
    pub fn solution(&self, i: usize) -> Option<&Output> {
        self.get(i).filter(|o| o.status.is_optimal())
    }
}

impl<T> std::ops::Index<usize> for Batch<T> {
    type Output = Result<T, Error>;
    fn index(&self, i: usize) -> &Result<T, Error> {
        &self.members[i]
    }
}

impl<T> IntoIterator for Batch<T> {
    type Item = Result<T, Error>;
    type IntoIter = std::vec::IntoIter<Result<T, Error>>;
    fn into_iter(self) -> Self::IntoIter {
        self.members.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Batch<T> {
    type Item = &'a Result<T, Error>;
    type IntoIter = std::slice::Iter<'a, Result<T, Error>>;
    fn into_iter(self) -> Self::IntoIter {
        self.members.iter()
    }
}

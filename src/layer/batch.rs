//! Many calls at once, in parallel over the batch (rayon). Each member is solved and
//! differentiated independently and has its own status; the caller chooses what a
//! failing member does to the rest.

use super::{Error, Gradients, Layer, Output};
use crate::diag::{Diagnostic, codes};
use crate::frontend;
use crate::values::Values;
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
    fn forward_member(
        &self,
        v: &Values,
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

    /// [`Layer::forward`] for every member of `batch`, in parallel (rayon's global
    /// pool); results are in the order of `batch`.
    ///
    /// With [`BatchPolicy::PerMember`] the outer result is always `Ok` and each member
    /// has its own; with [`BatchPolicy::FailBatch`] the first member (by index) that is
    /// an error or not optimal fails the whole call, its message prefixed with
    /// `batch member i:`.
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
    /// let outs = layer.forward_batch(&batch, BatchPolicy::PerMember)?;
    /// let ys: Vec<f64> = outs.iter().map(|o| o.as_ref().unwrap().variables["y"].data[0]).collect();
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
    pub fn forward_batch(
        &self,
        batch: &[Values],
        policy: BatchPolicy,
    ) -> Result<Vec<Result<Output, Error>>, Error> {
        // One contiguous chunk per thread, each on one solver for its whole length: the
        // solver's memory stays in that core's caches instead of moving between threads.
        let len = chunk_len(batch.len());
        let outs: Vec<Result<Output, Error>> = batch
            .par_chunks(len)
            .enumerate()
            .map(|(c, chunk)| {
                let mut ws = self.take_solver();
                let outs: Vec<_> = chunk
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.forward_member(v, &mut ws, c * len + i))
                    .collect();
                self.put_solver(ws);
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
        Ok(outs)
    }

    /// [`Layer::backward`] for every member, in parallel: `outs[i]` with cotangents
    /// `dvars[i]`. A member whose solve was not optimal gets an error (or fails the
    /// whole call, by `policy`); the others are differentiated.
    pub fn backward_batch(
        &self,
        outs: &[Output],
        dvars: &[Values],
        policy: BatchPolicy,
    ) -> Result<Vec<Result<Gradients, Error>>, Error> {
        if outs.len() != dvars.len() {
            return Err(Error::from(Diagnostic::error(
                codes::BAD_PARAMETER,
                format!("{} outputs but {} cotangent maps", outs.len(), dvars.len()),
            )));
        }
        let len = chunk_len(outs.len());
        let grads: Vec<Result<Gradients, Error>> = outs
            .par_chunks(len)
            .zip(dvars.par_chunks(len))
            .map(|(o, d)| {
                o.iter()
                    .zip(d)
                    .map(|(o, d)| frontend::guard("Layer::backward_batch", || self.backward(o, d)))
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
        Ok(grads)
    }
}

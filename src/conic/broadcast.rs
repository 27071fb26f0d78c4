//! numpy broadcasting of expressions in conic form.

use super::Affine;
use crate::ir::shape::Shape;

/// Out-entry k of `to` reads in-entry rows\[k\] of `from` (numpy broadcasting).
pub fn broadcast_rows(from: Shape, to: Shape) -> Vec<usize> {
    let (tr, tc) = to.rows_cols();
    let mut rows = Vec::with_capacity(to.size());
    for i in 0..tr {
        for j in 0..tc {
            let k = match from.ndim() {
                0 => 0,
                1 if to.ndim() == 2 => {
                    if from.dims()[0] == 1 {
                        0
                    } else {
                        j
                    }
                }
                1 => {
                    if from.dims()[0] == 1 {
                        0
                    } else {
                        i
                    }
                }
                _ => {
                    let (fr, fc) = from.rows_cols();
                    (if fr == 1 { 0 } else { i }) * fc + if fc == 1 { 0 } else { j }
                }
            };
            rows.push(k);
        }
    }
    rows
}

/// `a` (entries row-major, shape `from`) broadcast to shape `to` by numpy's rules.
pub fn broadcast(a: &Affine, from: Shape, to: Shape) -> Affine {
    if from == to { a.clone() } else { a.gather(&broadcast_rows(from, to)) }
}

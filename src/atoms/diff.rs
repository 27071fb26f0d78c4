//! `diff(x, k=1, axis=0)` is the k-th order forward difference along one axis, as
//! numpy's `diff`: for a vector, diff(x)ᵢ = xᵢ₊₁ − xᵢ, applied k times, giving
//! [n − k]; for X[m, n], axis 0 differences down the columns ([m − k, n]) and axis 1
//! along the rows ([m, n − k]). Needs 0 ≤ k < the length of that axis (k = 0 leaves
//! x unchanged). Affine; the sign is unknown in general.

use super::{Atom, ShapeError, Signature, StaticKind, StaticParam};
use crate::ir::shape::Shape;

pub struct Diff;

impl Atom for Diff {
    fn name(&self) -> &'static str {
        "diff"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: const {
                &[
                    StaticParam::with_default("k", StaticKind::Int, 1.0),
                    StaticParam::with_default("axis", StaticKind::Int, 0.0),
                ]
            },
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let x = args[0];
        if x.is_scalar() {
            return Err(ShapeError::new(format!(
                "`diff` needs a vector or a matrix, got a scalar (shape {x})"
            ))
            .at(0));
        }
        let k = statics[0].unwrap_or(1.0);
        let ax = super::axis("diff", statics[1].unwrap_or(0.0), x.ndim()).map_err(|e| {
            e.help(if x.is_matrix() {
                "axis 0 differences down the columns, axis 1 along the rows"
            } else {
                "a vector has only axis 0 (or -1)"
            })
        })?;
        let len = x.dims()[ax];
        if !(0.0..len as f64).contains(&k) {
            return Err(ShapeError::new(format!(
                "`diff` needs 0 <= k < {len} (the length of axis {ax} of shape {x}), got k = {k}"
            ))
            .at(0));
        }
        let k = k as usize;
        Ok(match *x.dims() {
            [n] => Shape::vector(n - k),
            [m, n] if ax == 0 => Shape::matrix(m - k, n),
            [m, n] => Shape::matrix(m, n - k),
            _ => unreachable!("scalars were rejected above"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_shortens_the_axis_by_k() {
        let v = [Shape::vector(5)];
        assert_eq!(Diff.shape(&v, &[Some(1.0), Some(0.0)]).unwrap(), Shape::vector(4));
        assert_eq!(Diff.shape(&v, &[Some(4.0), Some(0.0)]).unwrap(), Shape::vector(1));
        assert_eq!(Diff.shape(&v, &[Some(0.0), Some(0.0)]).unwrap(), Shape::vector(5));
        assert_eq!(Diff.shape(&v, &[Some(2.0), Some(-1.0)]).unwrap(), Shape::vector(3));
        let m = [Shape::matrix(4, 6)];
        assert_eq!(Diff.shape(&m, &[Some(1.0), Some(0.0)]).unwrap(), Shape::matrix(3, 6));
        assert_eq!(Diff.shape(&m, &[Some(2.0), Some(1.0)]).unwrap(), Shape::matrix(4, 4));
        assert_eq!(Diff.shape(&m, &[Some(5.0), Some(-1.0)]).unwrap(), Shape::matrix(4, 1));
    }

    #[test]
    fn diff_rejects_scalars_bad_k_and_bad_axes() {
        assert_eq!(Diff.shape(&[Shape::SCALAR], &[Some(1.0), Some(0.0)]).unwrap_err().arg, Some(0));
        let v = [Shape::vector(5)];
        let e = Diff.shape(&v, &[Some(5.0), Some(0.0)]).unwrap_err();
        assert!(e.message.contains("[5]") && e.message.contains("k = 5"), "{}", e.message);
        assert!(Diff.shape(&v, &[Some(-1.0), Some(0.0)]).is_err());
        assert!(Diff.shape(&v, &[Some(1.0), Some(1.0)]).is_err());
        let m = [Shape::matrix(4, 6)];
        assert!(Diff.shape(&m, &[Some(4.0), Some(0.0)]).is_err());
        assert!(Diff.shape(&m, &[Some(1.0), Some(2.0)]).is_err());
    }
}

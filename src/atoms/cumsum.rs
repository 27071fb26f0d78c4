//! `cumsum(x, axis=0)` is the cumulative sum along one axis, numpy's meaning:
//! for a vector, yᵢ = Σ_{j ≤ i} xⱼ; for X[m, n], axis 0 accumulates down each column
//! (Yᵢⱼ = Σ_{k ≤ i} Xₖⱼ) and axis 1 along each row. The shape is unchanged (a scalar
//! stays a scalar). Affine; the sign follows from the entries of x.

use super::{Atom, ShapeError, Signature, StaticKind, StaticParam};
use crate::ir::shape::Shape;

pub struct Cumsum;

impl Atom for Cumsum {
    fn name(&self) -> &'static str {
        "cumsum"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: const { &[StaticParam::with_default("axis", StaticKind::Int, 0.0)] },
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let x = args[0];
        if !x.is_scalar() {
            super::axis("cumsum", statics[0].unwrap_or(0.0), x.ndim()).map_err(|e| {
                e.help(if x.is_matrix() {
                    "axis 0 accumulates down the columns, axis 1 along the rows"
                } else {
                    "a vector has only axis 0 (or -1)"
                })
            })?;
        }
        Ok(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cumsum_keeps_the_shape() {
        let m = [Shape::matrix(3, 4)];
        assert_eq!(Cumsum.shape(&m, &[Some(0.0)]).unwrap(), Shape::matrix(3, 4));
        assert_eq!(Cumsum.shape(&m, &[Some(1.0)]).unwrap(), Shape::matrix(3, 4));
        assert_eq!(Cumsum.shape(&m, &[Some(-2.0)]).unwrap(), Shape::matrix(3, 4));
        let v = [Shape::vector(5)];
        assert_eq!(Cumsum.shape(&v, &[Some(0.0)]).unwrap(), Shape::vector(5));
        assert_eq!(Cumsum.shape(&v, &[Some(-1.0)]).unwrap(), Shape::vector(5));
        assert_eq!(Cumsum.shape(&[Shape::SCALAR], &[Some(0.0)]).unwrap(), Shape::SCALAR);
    }

    #[test]
    fn cumsum_rejects_an_axis_out_of_range() {
        let e = Cumsum.shape(&[Shape::vector(5)], &[Some(1.0)]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(Cumsum.shape(&[Shape::matrix(3, 4)], &[Some(2.0)]).is_err());
        assert!(Cumsum.shape(&[Shape::matrix(3, 4)], &[Some(-3.0)]).is_err());
    }
}

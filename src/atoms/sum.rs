//! `sum(x)` = Σ of all entries (a scalar); `sum(x, axis)` sums over one axis with
//! numpy's meaning: for X[m, n], axis 0 gives [n] (column sums), axis 1 gives [m].
//! Affine.

use super::{Atom, ShapeError, Signature, StaticKind, StaticParam};
use crate::ir::shape::Shape;

pub struct Sum;

impl Atom for Sum {
    fn name(&self) -> &'static str {
        "sum"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: const { &[StaticParam::optional("axis", StaticKind::Int)] },
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let x = args[0];
        match statics[0] {
            None => Ok(Shape::SCALAR),
            Some(a) => {
                let ax = super::axis("sum", a, x.ndim())?;
                Ok(match (x.ndim(), ax) {
                    (1, _) => Shape::SCALAR,
                    (_, 0) => Shape::vector(x.dims()[1]),
                    _ => Shape::vector(x.dims()[0]),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sum_axes_follow_numpy() {
        let x = [Shape::matrix(3, 4)];
        assert_eq!(Sum.shape(&x, &[None]).unwrap(), Shape::SCALAR);
        assert_eq!(Sum.shape(&x, &[Some(0.0)]).unwrap(), Shape::vector(4));
        assert_eq!(Sum.shape(&x, &[Some(1.0)]).unwrap(), Shape::vector(3));
        assert_eq!(Sum.shape(&x, &[Some(-1.0)]).unwrap(), Shape::vector(3));
        assert!(Sum.shape(&x, &[Some(2.0)]).is_err());
        assert!(Sum.shape(&[Shape::SCALAR], &[Some(0.0)]).is_err());
    }
}

//! `reshape(x, m)` gives a vector [m] and `reshape(x, m, n)` a matrix [m, n] holding
//! the entries of x in row-major (C) order, as numpy's `reshape`; the number of
//! entries must not change. (cvxpy's `reshape` has defaulted to column-major order;
//! dopt follows numpy.) Affine; the sign follows from the entries of x.

use super::{Atom, ShapeError, Signature, StaticKind, StaticParam};
use crate::ir::shape::Shape;

pub struct Reshape;

/// A requested extent: an integer of at least 1.
fn extent(name: &str, value: f64) -> Result<usize, ShapeError> {
    if (1.0..=usize::MAX as f64).contains(&value) {
        Ok(value as usize)
    } else {
        Err(ShapeError::new(format!("`reshape` needs extents of at least 1, got {name} = {value}")))
    }
}

impl Atom for Reshape {
    fn name(&self) -> &'static str {
        "reshape"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: const {
                &[
                    StaticParam::required("m", StaticKind::Int),
                    StaticParam::optional("n", StaticKind::Int),
                ]
            },
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let x = args[0];
        let m = extent("m", statics[0].unwrap_or(0.0))?;
        let target = match statics[1] {
            None => Shape::vector(m),
            Some(n) => Shape::matrix(m, extent("n", n)?),
        };
        let size = target.dims().iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
        if size == Some(x.size()) {
            Ok(target)
        } else {
            Err(ShapeError::new(format!(
                "`reshape` cannot turn shape {x} ({} entries) into shape {target} ({} entries)",
                x.size(),
                size.map_or_else(|| "too many".to_string(), |s| s.to_string())
            ))
            .at(0)
            .help("the number of entries must stay the same"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reshape_keeps_the_number_of_entries() {
        let x = [Shape::matrix(3, 4)];
        assert_eq!(Reshape.shape(&x, &[Some(12.0), None]).unwrap(), Shape::vector(12));
        assert_eq!(Reshape.shape(&x, &[Some(2.0), Some(6.0)]).unwrap(), Shape::matrix(2, 6));
        assert_eq!(Reshape.shape(&x, &[Some(12.0), Some(1.0)]).unwrap(), Shape::matrix(12, 1));
        let s = [Shape::SCALAR];
        assert_eq!(Reshape.shape(&s, &[Some(1.0), Some(1.0)]).unwrap(), Shape::matrix(1, 1));
    }

    #[test]
    fn reshape_rejects_a_different_size_or_bad_extents() {
        let x = [Shape::matrix(3, 4)];
        let e = Reshape.shape(&x, &[Some(5.0), Some(2.0)]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("12") && e.message.contains("10"), "{}", e.message);
        assert!(e.message.contains("[3, 4]") && e.message.contains("[5, 2]"));
        assert!(Reshape.shape(&x, &[Some(13.0), None]).is_err());
        assert!(Reshape.shape(&x, &[Some(0.0), Some(12.0)]).is_err());
        assert!(Reshape.shape(&x, &[Some(-3.0), Some(-4.0)]).is_err());
        assert!(Reshape.shape(&x, &[Some(1e300), Some(1e300)]).is_err());
    }
}

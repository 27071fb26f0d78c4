//! `sum_smallest(x, k)` = the sum of the k smallest entries of x, for a compile-time
//! integer 1 ≤ k ≤ (number of entries of x) — concave, increasing; the sign follows
//! from the entries of x. Any shape; the result is a scalar.

use super::{Atom, ShapeError, Signature, StaticKind, StaticParam};
use crate::ir::shape::Shape;

pub struct SumSmallest;

impl Atom for SumSmallest {
    fn name(&self) -> &'static str {
        "sum_smallest"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: const { &[StaticParam::required("k", StaticKind::Int)] },
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let x = args[0];
        match statics[0] {
            Some(k) if (1.0..=x.size() as f64).contains(&k) => Ok(Shape::SCALAR),
            k => Err(ShapeError::new(format!(
                "`sum_smallest` needs 1 <= k <= {} (the number of entries of x, shape {x}), got k = {}",
                x.size(),
                k.map_or_else(|| "nothing".to_string(), |k| k.to_string())
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sum_smallest_is_a_scalar() {
        let m = [Shape::matrix(3, 4)];
        assert_eq!(SumSmallest.shape(&m, &[Some(1.0)]).unwrap(), Shape::SCALAR);
        assert_eq!(SumSmallest.shape(&m, &[Some(5.0)]).unwrap(), Shape::SCALAR);
        assert_eq!(SumSmallest.shape(&m, &[Some(12.0)]).unwrap(), Shape::SCALAR);
        assert_eq!(SumSmallest.shape(&[Shape::SCALAR], &[Some(1.0)]).unwrap(), Shape::SCALAR);
    }

    #[test]
    fn sum_smallest_rejects_k_out_of_range() {
        let e = SumSmallest.shape(&[Shape::matrix(3, 4)], &[Some(13.0)]).unwrap_err();
        assert!(e.message.contains("12") && e.message.contains("[3, 4]"), "{}", e.message);
        assert!(e.message.contains("k = 13"));
        assert!(SumSmallest.shape(&[Shape::vector(4)], &[Some(0.0)]).is_err());
        assert!(SumSmallest.shape(&[Shape::vector(4)], &[Some(-1.0)]).is_err());
    }
}

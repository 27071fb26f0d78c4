//! `geo_mean(x)` = (Πᵢ xᵢ)^(1/n), the geometric mean of the entries of a vector x[n]
//! (a scalar is its own geometric mean), with domain x ≥ 0 — concave, nonnegative,
//! increasing. The result is a scalar.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct GeoMean;

impl Atom for GeoMean {
    fn name(&self) -> &'static str {
        "geo_mean"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let x = args[0];
        if x.is_matrix() {
            Err(ShapeError::new(format!("`geo_mean` needs a vector argument, got shape {x}"))
                .at(0)
                .help("use geo_mean(vec(X))"))
        } else {
            Ok(Shape::SCALAR)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geo_mean_of_a_vector_is_a_scalar() {
        assert_eq!(GeoMean.shape(&[Shape::vector(5)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(GeoMean.shape(&[Shape::SCALAR], &[]).unwrap(), Shape::SCALAR);
    }

    #[test]
    fn geo_mean_rejects_matrices() {
        let e = GeoMean.shape(&[Shape::matrix(2, 3)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("[2, 3]"));
        assert_eq!(e.help.as_deref(), Some("use geo_mean(vec(X))"));
    }
}

//! `norm(x, p)` = (Σᵢ |xᵢ|ᵖ)^(1/p), the p-norm of a vector x for a compile-time real
//! p ≥ 1 (a huge p approaches the ∞-norm) — convex, nonnegative; increasing for
//! x ≥ 0, decreasing for x ≤ 0. x is a vector or a scalar; the result is a scalar.
//! For a matrix cvxpy's `norm(X, p)` means an induced matrix norm, so dopt asks for
//! the intended one explicitly (`norm_fro`, `sigma_max`, `norm_nuc`, or
//! `norm(vec(X), p)`).

use super::{Atom, ShapeError, Signature, StaticKind, StaticParam};
use crate::ir::shape::Shape;

pub struct Norm;

impl Atom for Norm {
    fn name(&self) -> &'static str {
        "norm"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: const { &[StaticParam::required("p", StaticKind::Real)] },
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let x = args[0];
        if x.is_matrix() {
            return Err(ShapeError::new(format!(
                "`norm(X, p)` of a matrix is ambiguous (X has shape {x})"
            ))
            .at(0)
            .help(
                "use norm_fro(X), sigma_max(X), norm_nuc(X), or norm(vec(X), p) for the \
                 entrywise norm",
            ));
        }
        match statics[0] {
            Some(p) if p >= 1.0 => Ok(Shape::SCALAR),
            p => Err(ShapeError::new(format!(
                "`norm`: p must be at least 1, got p = {}",
                p.map_or_else(|| "nothing".to_string(), |p| p.to_string())
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norm_of_a_vector_is_a_scalar() {
        for p in [1.0, 1.5, 2.0, 1e300, f64::INFINITY] {
            assert_eq!(Norm.shape(&[Shape::vector(4)], &[Some(p)]).unwrap(), Shape::SCALAR);
            assert_eq!(Norm.shape(&[Shape::SCALAR], &[Some(p)]).unwrap(), Shape::SCALAR);
        }
    }

    #[test]
    fn norm_rejects_matrices_and_small_p() {
        let e = Norm.shape(&[Shape::matrix(3, 4)], &[Some(2.0)]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("ambiguous") && e.message.contains("[3, 4]"));
        assert!(e.help.unwrap().contains("norm(vec(X), p)"));
        let e = Norm.shape(&[Shape::vector(4)], &[Some(0.5)]).unwrap_err();
        assert!(e.message.contains("p must be at least 1"), "{}", e.message);
        assert!(Norm.shape(&[Shape::vector(4)], &[Some(-1.0)]).is_err());
        assert!(Norm.shape(&[Shape::vector(4)], &[Some(f64::NAN)]).is_err());
    }
}

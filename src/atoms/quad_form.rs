//! `quad_form(x, P)` = xᵀPx = Σᵢⱼ xᵢ Pᵢⱼ xⱼ for a vector x[n] and a constant square
//! matrix P[n, n] (a scalar x goes with a scalar or [1, 1] P) — convex and
//! nonnegative when P is positive semidefinite, concave and nonpositive when P is
//! negative semidefinite (DCP needs one of the two, with P constant, as in cvxpy);
//! with P ≥ 0 entrywise, increasing for x ≥ 0 and decreasing for x ≤ 0. The result
//! is a scalar.

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct QuadForm;

impl Atom for QuadForm {
    fn name(&self) -> &'static str {
        "quad_form"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x", "P"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let (x, p) = (args[0], args[1]);
        let n = match *x.dims() {
            [] if p.is_scalar() => return Ok(Shape::SCALAR),
            [] => 1,
            [n] => n,
            _ => {
                return Err(ShapeError::new(format!(
                    "`quad_form(x, P)` needs a vector x, got x of shape {x} (and P of shape {p})"
                ))
                .at(0)
                .help("quad_form(x, P) is xᵀPx; for a matrix use quad_form(vec(X), P)"));
            }
        };
        if p.dims() == [n, n] {
            Ok(Shape::SCALAR)
        } else {
            Err(ShapeError::new(format!(
                "`quad_form(x, P)` needs P of shape [{n}, {n}] for x of shape {x}, got P of shape {p}"
            ))
            .at(1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quad_form_is_a_scalar() {
        let q = |x, p| QuadForm.shape(&[x, p], &[]).unwrap();
        assert_eq!(q(Shape::vector(3), Shape::matrix(3, 3)), Shape::SCALAR);
        assert_eq!(q(Shape::vector(1), Shape::matrix(1, 1)), Shape::SCALAR);
        assert_eq!(q(Shape::SCALAR, Shape::SCALAR), Shape::SCALAR);
        assert_eq!(q(Shape::SCALAR, Shape::matrix(1, 1)), Shape::SCALAR);
    }

    #[test]
    fn quad_form_rejects_mismatched_shapes() {
        let q = |x, p| QuadForm.shape(&[x, p], &[]).unwrap_err();
        let e = q(Shape::vector(3), Shape::matrix(4, 4));
        assert_eq!(e.arg, Some(1));
        assert!(e.message.contains("[3]") && e.message.contains("[4, 4]"), "{}", e.message);
        assert_eq!(q(Shape::vector(3), Shape::matrix(3, 4)).arg, Some(1));
        assert_eq!(q(Shape::vector(3), Shape::vector(3)).arg, Some(1));
        assert_eq!(q(Shape::vector(3), Shape::SCALAR).arg, Some(1));
        assert_eq!(q(Shape::SCALAR, Shape::matrix(2, 2)).arg, Some(1));
        let e = q(Shape::matrix(3, 3), Shape::matrix(3, 3));
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("[3, 3]"));
    }
}

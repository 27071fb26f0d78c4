//! `multiply(a, b)` is the elementwise (Hadamard) product aᵢⱼ·bᵢⱼ, with the two
//! shapes broadcast as in numpy. Affine when one argument is constant (DCP needs
//! that, as in cvxpy); the sign follows the product rule (e.g. nonnegative times
//! nonnegative is nonnegative).

use super::{Atom, ShapeError, Signature};
use crate::ir::shape::Shape;

pub struct Multiply;

impl Atom for Multiply {
    fn name(&self) -> &'static str {
        "multiply"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["a", "b"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::broadcast_args("multiply", args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiply_broadcasts() {
        let (v3, m23) = (Shape::vector(3), Shape::matrix(2, 3));
        assert_eq!(Multiply.shape(&[v3, v3], &[]).unwrap(), v3);
        assert_eq!(Multiply.shape(&[Shape::SCALAR, m23], &[]).unwrap(), m23);
        assert_eq!(Multiply.shape(&[m23, v3], &[]).unwrap(), m23);
        assert_eq!(Multiply.shape(&[Shape::matrix(2, 1), v3], &[]).unwrap(), m23);
    }

    #[test]
    fn multiply_rejects_incompatible_shapes() {
        let e = Multiply.shape(&[Shape::vector(3), Shape::vector(4)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(1));
        assert!(e.message.contains("[3]") && e.message.contains("[4]"));
        assert!(Multiply.shape(&[Shape::matrix(2, 3), Shape::vector(2)], &[]).is_err());
    }
}

//! `scalar_product(x, y)` is cvxpy's other name for `vdot(x, y)` = Σᵢⱼ xᵢⱼ·yᵢⱼ (two
//! arguments of one shape): the same facts, value and conic form, which this file
//! takes from `vdot`.

use crate::ir::array::Array;
use crate::ir::shape::Shape;

renamed_atom!(ScalarProduct, "scalar_product", super::vdot::Vdot, super::vdot::same_shapes);

#[cfg(test)]
mod tests {
    use super::super::Atom;
    use super::super::tests::array;
    use super::*;

    #[test]
    fn scalar_product_is_vdot_under_its_own_name() {
        let e = ScalarProduct.shape(&[Shape::vector(2), Shape::vector(3)], &[]).unwrap_err();
        assert!(e.message.contains("`scalar_product`"), "{}", e.message);
        let (x, y) = (array(&[3], &[1.0, 2.0, 3.0]), array(&[3], &[-1.0, 0.5, 2.0]));
        assert_eq!(ScalarProduct.eval(&[&x, &y], &[]).unwrap().data, vec![6.0]);
    }
}

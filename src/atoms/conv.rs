//! `conv(a, x)` is cvxpy's older name for `convolve(a, x)`, the full discrete
//! convolution of two vectors (\[n\], \[m\] → \[n + m − 1\]): the same facts, value and
//! conic form, which this file takes from `convolve`. (cvxpy's `conv` returns a column
//! when an argument is a column; here both arguments are vectors and so is the result.)

use crate::ir::array::Array;
use crate::ir::shape::Shape;

renamed_atom!(Conv, "conv", super::convolve::Convolve, super::convolve::full_length);

#[cfg(test)]
mod tests {
    use super::super::Atom;
    use super::super::tests::array;
    use super::*;

    #[test]
    fn conv_is_convolve_under_its_own_name() {
        let e = Conv.shape(&[Shape::matrix(2, 2), Shape::vector(3)], &[]).unwrap_err();
        assert!(e.message.contains("`conv`"), "{}", e.message);
        let c = Conv.eval(&[&array(&[2], &[1.0, -1.0]), &array(&[3], &[1.0, 2.0, 4.0])], &[]).unwrap();
        assert_eq!(c.data, vec![1.0, 1.0, 2.0, -4.0]);
    }
}

//! `std(x, axis, keepdims, ddof=0)`, cvxpy's standard deviation: the square root of
//! `var` with the same arguments, ‖x − x̄‖₂ / √(N − ddof) over the N entries of x (or
//! over each lane along `axis`, each centred on its own mean). Convex (a norm of an
//! affine map of x), nonnegative, not monotone.
//!
//! Conic form (exact): one second-order cone t ≥ ‖x − x̄‖₂ per lane, t scaled by
//! 1/√(N − ddof).

pub(crate) use super::var::Std;

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array, assert_close};
    use super::*;
    use crate::atoms::{Atom, AtomCurvature, Sign};
    use crate::ir::shape::Shape;

    #[test]
    fn std_is_the_root_of_var() {
        assert_eq!(Std.curvature(&[arg(Sign::Unknown)], &[None, None, Some(0.0)]), AtomCurvature::Convex);
        assert_eq!(Std.shape(&[Shape::matrix(2, 3)], &[Some(1.0), None, Some(0.0)]).unwrap(), Shape::vector(2));
        assert!(Std.shape(&[Shape::vector(3)], &[None, None, Some(3.0)]).is_err());
        // [1, 2, 3, 6]: squared deviations 14.
        let x = array(&[4], &[1.0, 2.0, 3.0, 6.0]);
        assert_close(&Std.eval(&[&x], &[None, None, Some(0.0)]).unwrap().data, &[3.5f64.sqrt()]);
        assert_close(&Std.eval(&[&x], &[None, None, Some(1.0)]).unwrap().data, &[(14.0f64 / 3.0).sqrt()]);
        let m = array(&[2, 2], &[1.0, 5.0, 2.0, 2.0]);
        assert_close(&Std.eval(&[&m], &[Some(1.0), Some(1.0), Some(0.0)]).unwrap().data, &[2.0, 0.0]);
    }
}

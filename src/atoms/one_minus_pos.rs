//! `one_minus_pos(x)` = 1 − x, elementwise, for 0 < x < 1. A geometric-program atom
//! (cvxpy's DGP `one_minus_pos`): log-log concave and decreasing, since
//! log(1 − x) = log(1 − e^u) with u = log x is concave and decreasing in u, which is
//! how `dgp` writes it (`log(1 - exp(u))`: its hypograph t ≤ log(1 − e^u) is
//! e^t + e^u ≤ 1, with the implicit domain u < 0). Outside a problem marked
//! `geometric` the analysis refuses it (`dcp::check`); the facts below are those of
//! the numbers: 1 − x is affine and decreasing.
//!
//! Conic form: none (a geometric program replaces it before canonicalization).

use super::{ArgInfo, Atom, AtomCurvature, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct OneMinusPos;

impl Atom for OneMinusPos {
    fn name(&self) -> &'static str {
        "one_minus_pos"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::same_shape(args)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Affine
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        // 1 − x ≥ 1 for x ≤ 0; otherwise either sign.
        if matches!(args[0].sign, Sign::Nonpos | Sign::Zero) { Sign::Nonneg } else { Sign::Unknown }
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Decreasing
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        Ok(super::map(args[0], |x| 1.0 - x))
    }
    geometric_only_atom!("one_minus_pos");
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array, assert_close};
    use super::*;

    #[test]
    fn one_minus_pos_facts() {
        assert_eq!(OneMinusPos.shape(&[Shape::matrix(2, 3)], &[]).unwrap(), Shape::matrix(2, 3));
        assert_close(&OneMinusPos.eval(&[&array(&[2], &[0.25, 0.5])], &[]).unwrap().data, &[0.75, 0.5]);
        assert_eq!(OneMinusPos.monotonicity(0, &[arg(Sign::Nonneg)], &[]), Mono::Decreasing);
        assert!(OneMinusPos.geometric_only());
    }
}

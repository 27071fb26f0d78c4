//! `diff_pos(x, y)` = x − y, elementwise (numpy broadcasting), for 0 < y < x. A
//! geometric-program atom (cvxpy's DGP `diff_pos`): log-log concave, increasing in x
//! and decreasing in y, since with a = log x and b = log y,
//! log(x − y) = a + log(1 − e^(b−a)), which is how `dgp` writes it (the hypograph
//! t ≤ log(e^a − e^b) is e^(t−a) + e^(b−a) ≤ 1, with the implicit domain b < a).
//! Outside a problem marked `geometric` the analysis refuses it (`dcp::check`); the
//! facts below are those of the numbers: x − y is affine.
//!
//! Conic form: none (a geometric program replaces it before canonicalization).

use super::{ArgInfo, Atom, AtomCurvature, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct DiffPos;

impl Atom for DiffPos {
    fn name(&self) -> &'static str {
        "diff_pos"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x", "y"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::broadcast_args("diff_pos", args)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Affine
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        args[0].sign.add(args[1].sign.neg())
    }
    fn monotonicity(&self, i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        if i == 0 { Mono::Increasing } else { Mono::Decreasing }
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        super::map2(args[0], args[1], |x, y| x - y)
    }
    geometric_only_atom!("diff_pos");
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array, assert_close};
    use super::*;

    #[test]
    fn diff_pos_facts() {
        let (v3, m23) = (Shape::vector(3), Shape::matrix(2, 3));
        assert_eq!(DiffPos.shape(&[m23, v3], &[]).unwrap(), m23);
        assert!(DiffPos.shape(&[Shape::vector(2), v3], &[]).is_err());
        let got = DiffPos.eval(&[&array(&[2], &[3.0, 5.0]), &array(&[], &[1.0])], &[]).unwrap();
        assert_close(&got.data, &[2.0, 4.0]);
        assert_eq!(DiffPos.monotonicity(0, &[arg(Sign::Nonneg), arg(Sign::Nonneg)], &[]), Mono::Increasing);
        assert_eq!(DiffPos.monotonicity(1, &[arg(Sign::Nonneg), arg(Sign::Nonneg)], &[]), Mono::Decreasing);
        assert!(DiffPos.geometric_only());
    }
}

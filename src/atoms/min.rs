//! `min(x)` = minᵢⱼ xᵢⱼ, the smallest entry — concave, increasing; the sign follows
//! from the entries of x (nonnegative if x ≥ 0, nonpositive if x ≤ 0). Any shape; the
//! result is a scalar. (The elementwise minimum of several arguments is `minimum`.)
//!
//! Conic form: t ≤ min xᵢ ⇔ xᵢ − t ≥ 0.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Min;

impl Atom for Min {
    fn name(&self) -> &'static str {
        "min"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &super::AXIS_KEEPDIMS }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::reduction_shape("min", args[0], statics)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Concave
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        args[0].sign
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        super::eval_lanes("min", args[0], statics, |x| Ok(x.data.iter().copied().fold(f64::INFINITY, f64::min)))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        super::canonicalize_lanes(c, "min", &args[0], shapes[0], statics, |c, x, _| {
            let t = c.var(1);
            c.nonneg(super::sub(x.clone(), super::repeat(&t, x.size)));
            Ok(t)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn min_is_a_scalar() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(Min.shape(&[s], &[]).unwrap(), Shape::SCALAR);
        }
    }

    #[test]
    fn min_facts() {
        assert_eq!(Min.curvature(&[arg(Sign::Unknown)], &[]), AtomCurvature::Concave);
        for s in [Sign::Nonneg, Sign::Nonpos, Sign::Zero, Sign::Unknown] {
            assert_eq!(Min.sign(&[arg(s)], &[]), s);
        }
        assert_eq!(Min.monotonicity(0, &[arg(Sign::Unknown)], &[]), Mono::Increasing);
    }

    #[test]
    fn min_evaluates() {
        assert_eq!(Min.eval(&[&array(&[2, 2], &[3.0, 1.0, 7.0, 2.0])], &[]).unwrap().data, vec![1.0]);
    }
}

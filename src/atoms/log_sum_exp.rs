//! `log_sum_exp(x)` = log Σᵢⱼ e^xᵢⱼ — convex, increasing; nonnegative when x ≥ 0
//! (as cvxpy), otherwise of unknown sign. Any shape; the result is a scalar.
//!
//! Conic form: log Σeˣⁱ ≤ t ⇔ Σuᵢ ≤ 1, (xᵢ − t, 1, uᵢ) ∈ K_exp.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct LogSumExp;

impl Atom for LogSumExp {
    fn name(&self) -> &'static str {
        "log_sum_exp"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: false, statics: &super::AXIS_KEEPDIMS }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::reduction_shape("log_sum_exp", args[0], statics)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Convex
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        // log Σ eˣ ≥ max x, so a nonnegative argument gives a nonnegative result.
        if args[0].sign.is_nonneg() { Sign::Nonneg } else { Sign::Unknown }
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        super::eval_lanes("log_sum_exp", args[0], statics, |x| {
            let x = &x.data;
            let top = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if !top.is_finite() {
                return Ok(top);
            }
            Ok(top + x.iter().map(|v| (v - top).exp()).sum::<f64>().ln())
        })
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        super::canonicalize_lanes(c, "log_sum_exp", &args[0], shapes[0], statics, |c, x, _| {
            let n = x.size;
            let (t, u) = (c.var(1), c.var(n));
            c.exp_cones(&super::sub(x.clone(), super::repeat(&t, n)), &super::filled(n, 1.0), &u);
            c.nonneg(super::sub(super::filled(1, 1.0), super::sum_entries(&u)));
            Ok(t)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn log_sum_exp_is_a_scalar() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            assert_eq!(LogSumExp.shape(&[s], &[]).unwrap(), Shape::SCALAR);
        }
    }

    #[test]
    fn log_sum_exp_facts() {
        assert_eq!(LogSumExp.curvature(&[arg(Sign::Unknown)], &[]), AtomCurvature::Convex);
        assert_eq!(LogSumExp.sign(&[arg(Sign::Unknown)], &[]), Sign::Unknown);
        assert_eq!(LogSumExp.sign(&[arg(Sign::Nonpos)], &[]), Sign::Unknown);
        assert_eq!(LogSumExp.sign(&[arg(Sign::Nonneg)], &[]), Sign::Nonneg);
        assert_eq!(LogSumExp.monotonicity(0, &[arg(Sign::Unknown)], &[]), Mono::Increasing);
    }

    #[test]
    fn log_sum_exp_evaluates_stably() {
        use super::super::tests::assert_close;
        let x = array(&[2], &[0.0, 3f64.ln()]);
        assert_close(&LogSumExp.eval(&[&x], &[]).unwrap().data, &[4f64.ln()]);
        let big = array(&[2], &[1000.0, 1000.0]);
        assert_close(&LogSumExp.eval(&[&big], &[]).unwrap().data, &[1000.0 + 2f64.ln()]);
        assert_close(&LogSumExp.eval(&[&Array::scalar(-2.0)], &[]).unwrap().data, &[-2.0]);
    }
}

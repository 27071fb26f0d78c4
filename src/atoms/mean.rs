//! `mean(x)` = the mean of all entries of x (a scalar); `mean(x, axis)` averages over
//! one axis with numpy's (and cvxpy's) meaning: for X[m, n], axis 0 gives \[n\] (column
//! means), axis 1 gives \[m\]. Affine, increasing; the sign is that of the entries of x.
//! The shapes are those of `sum` with the same arguments.
//!
//! Conic form: affine: `sum`'s linear map scaled by 1/(the number of entries averaged).

use super::sum::Sum;
use super::{
    Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature,
};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Mean;

/// How many entries of x each entry of the result averages.
fn count(x: Shape, axis: Option<f64>) -> Result<usize, ShapeError> {
    let Some(a) = axis else { return Ok(x.size()) };
    let ax = super::axis("mean", a, x.ndim())?;
    Ok(x.dims()[ax])
}

impl Atom for Mean {
    fn name(&self) -> &'static str {
        "mean"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: &super::AXIS_KEEPDIMS,
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::reduction_shape("mean", args[0], statics)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Affine
    }
    fn sign(&self, args: &[ArgInfo], statics: &[Option<f64>]) -> Sign {
        Sum.sign(args, statics)
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        let n = count(args[0].shape, statics[0]).map_err(|e| e.message)?;
        let mut s = Sum.eval(args, statics)?;
        s.shape = self.shape(&[args[0].shape], statics).map_err(|e| e.message)?;
        Ok(super::map(&s, |v| v / n as f64))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        out: Shape,
    ) -> Result<Affine, String> {
        let n = count(shapes[0], statics[0]).map_err(|e| e.message)?;
        Ok(Sum.canonicalize(c, args, shapes, statics, out)?.scale(1.0 / n as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn mean_has_sums_shapes() {
        let x = [Shape::matrix(3, 4)];
        assert_eq!(Mean.shape(&x, &[None]).unwrap(), Shape::SCALAR);
        assert_eq!(Mean.shape(&x, &[Some(0.0)]).unwrap(), Shape::vector(4));
        assert_eq!(Mean.shape(&x, &[Some(-1.0)]).unwrap(), Shape::vector(3));
        let e = Mean.shape(&x, &[Some(2.0)]).unwrap_err();
        assert!(e.message.contains("`mean`"), "{}", e.message);
        assert!(Mean.shape(&[Shape::SCALAR], &[Some(0.0)]).is_err());
    }

    #[test]
    fn mean_facts() {
        for s in [Sign::Nonneg, Sign::Nonpos, Sign::Zero, Sign::Unknown] {
            assert_eq!(Mean.sign(&[arg(s)], &[None]), s);
        }
        assert_eq!(Mean.monotonicity(0, &[arg(Sign::Unknown)], &[None]), Mono::Increasing);
    }

    #[test]
    fn mean_evaluates_over_axes() {
        let x = array(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 9.0]);
        assert_eq!(Mean.eval(&[&x], &[None]).unwrap().data, vec![4.0]);
        assert_eq!(Mean.eval(&[&x], &[Some(0.0)]).unwrap().data, vec![2.5, 3.5, 6.0]);
        assert_eq!(Mean.eval(&[&x], &[Some(1.0)]).unwrap().data, vec![2.0, 6.0]);
        assert_eq!(Mean.eval(&[&array(&[4], &[1.0, 2.0, 3.0, 6.0])], &[Some(0.0)]).unwrap().data, vec![3.0]);
    }
}

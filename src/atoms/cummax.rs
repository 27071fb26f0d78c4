//! `cummax(x, axis=0)` is the cumulative maximum along one axis (numpy's
//! `maximum.accumulate`, cvxpy's `cummax`): for a vector, yᵢ = max_{j ≤ i} xⱼ; for
//! X[m, n], axis 0 runs down each column and axis 1 along each row. The shape is
//! unchanged (a scalar stays a scalar). Convex, increasing; the sign is that of x.
//!
//! Conic form: y ≥ x entrywise and y nondecreasing along each lane (yₖ₊₁ ≥ yₖ): then
//! yᵢ ≥ max_{j ≤ i} xⱼ, with equality attainable.

use super::{
    Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature, StaticKind, StaticParam,
};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Cummax;

/// The lanes the maximum runs along.
fn lanes(x: Shape, axis: Option<f64>) -> Result<Vec<Vec<usize>>, ShapeError> {
    super::running_lanes("cummax", "runs", x, axis)
}

impl Atom for Cummax {
    fn name(&self) -> &'static str {
        "cummax"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: const { &[StaticParam::with_default("axis", StaticKind::Int, 0.0)] },
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        lanes(args[0], statics[0])?;
        Ok(args[0])
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Convex
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        args[0].sign
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        let lanes = lanes(args[0].shape, statics[0]).map_err(|e| e.message)?;
        Ok(super::accumulate(args[0], &lanes, f64::max))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let x = &args[0];
        let y = c.var(x.size);
        c.nonneg(super::sub(y.clone(), x.clone()));
        let steps: Vec<_> = lanes(shapes[0], statics[0])
            .map_err(|e| e.message)?
            .iter()
            .flat_map(|lane| lane.windows(2).map(|w| (w[1], w[0])).collect::<Vec<_>>())
            .enumerate()
            .flat_map(|(r, (next, prev))| [(r, next, 1.0), (r, prev, -1.0)])
            .collect();
        let rows = steps.len() / 2;
        c.nonneg(y.linear_map(rows, &steps));
        Ok(y)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn cummax_keeps_the_shape() {
        assert_eq!(Cummax.shape(&[Shape::matrix(2, 3)], &[Some(1.0)]).unwrap(), Shape::matrix(2, 3));
        assert_eq!(Cummax.shape(&[Shape::SCALAR], &[Some(0.0)]).unwrap(), Shape::SCALAR);
        let e = Cummax.shape(&[Shape::vector(3)], &[Some(1.0)]).unwrap_err();
        assert!(e.message.contains("`cummax`"), "{}", e.message);
    }

    #[test]
    fn cummax_facts() {
        for s in [Sign::Nonneg, Sign::Nonpos, Sign::Zero, Sign::Unknown] {
            assert_eq!(Cummax.sign(&[arg(s)], &[Some(0.0)]), s);
        }
        assert_eq!(Cummax.curvature(&[arg(Sign::Unknown)], &[Some(0.0)]), AtomCurvature::Convex);
        assert_eq!(Cummax.monotonicity(0, &[arg(Sign::Unknown)], &[Some(0.0)]), Mono::Increasing);
    }

    #[test]
    fn cummax_follows_numpy() {
        let v = array(&[5], &[1.0, 3.0, 2.0, 5.0, -1.0]);
        assert_eq!(Cummax.eval(&[&v], &[Some(0.0)]).unwrap().data, vec![1.0, 3.0, 3.0, 5.0, 5.0]);
        let x = array(&[2, 3], &[1.0, 0.0, 4.0, 0.5, 2.0, 3.0]);
        assert_eq!(Cummax.eval(&[&x], &[Some(0.0)]).unwrap().data, vec![1.0, 0.0, 4.0, 1.0, 2.0, 4.0]);
        assert_eq!(Cummax.eval(&[&x], &[Some(1.0)]).unwrap().data, vec![1.0, 1.0, 4.0, 0.5, 2.0, 3.0]);
    }
}

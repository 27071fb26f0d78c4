//! `cvar(x, beta)` is the conditional value at risk of the samples x\[m\] at level
//! 0 ≤ β < 1, as cvxpy's `cvar`: the average of the (1 − β)·m largest entries, with
//! k = (1 − β)·m possibly fractional (the ⌊k⌋ largest entries plus (k − ⌊k⌋) times the
//! next one, divided by k). Convex, increasing; the sign is that of x. The result is
//! a scalar; x must be a vector.
//!
//! Conic form: cvar(x, β) = min over q of q + Σᵢ max(xᵢ − q, 0) / k: the result
//! q + Σzᵢ/k with z ≥ 0, zᵢ ≥ xᵢ − q (LP duality, as `sum_largest`).

use super::{
    Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature, StaticKind, StaticParam,
};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Cvar;

/// k = (1 − β)·m, the (fractional) number of entries averaged.
fn tail(x: Shape, beta: Option<f64>) -> Result<f64, ShapeError> {
    if x.ndim() != 1 {
        return Err(ShapeError::new(format!("`cvar` needs a vector of samples, got shape {x}"))
            .at(0)
            .help("use cvar(vec(X), beta) for the entries of a matrix"));
    }
    match beta {
        Some(b) if (0.0..1.0).contains(&b) => Ok((1.0 - b) * x.size() as f64),
        b => Err(ShapeError::new(format!(
            "`cvar` needs a probability level 0 <= beta < 1, got beta = {}",
            b.map_or_else(|| "nothing".to_string(), |b| b.to_string())
        ))
        .help("beta = 0.95 averages the worst 5% of the samples")),
    }
}

impl Atom for Cvar {
    fn name(&self) -> &'static str {
        "cvar"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: const { &[StaticParam::required("beta", StaticKind::Real)] },
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        tail(args[0], statics[0])?;
        Ok(Shape::SCALAR)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Convex
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        args[0].sign.add(args[0].sign)
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        let k = tail(args[0].shape, statics[0]).map_err(|e| e.message)?;
        let mut x = args[0].data.clone();
        x.sort_by(|a, b| b.total_cmp(a));
        let whole = k.floor() as usize;
        let mut s: f64 = x[..whole].iter().sum();
        if whole < x.len() {
            s += (k - whole as f64) * x[whole];
        }
        Ok(Array::scalar(s / k))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let k = tail(shapes[0], statics[0]).map_err(|e| e.message)?;
        let x = &args[0];
        let n = x.size;
        let (q, z) = (c.var(1), c.var(n));
        c.nonneg(z.clone());
        c.nonneg(super::sub(z.clone().add(super::repeat(&q, n)), x.clone()));
        Ok(q.add(super::sum_entries(&z).scale(1.0 / k)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array, assert_close};
    use super::*;

    #[test]
    fn cvar_shapes_and_levels() {
        assert_eq!(Cvar.shape(&[Shape::vector(5)], &[Some(0.5)]).unwrap(), Shape::SCALAR);
        assert!(Cvar.shape(&[Shape::vector(5)], &[Some(1.0)]).unwrap_err().message.contains("`cvar`"));
        assert!(Cvar.shape(&[Shape::vector(5)], &[Some(-0.1)]).is_err());
        assert_eq!(Cvar.shape(&[Shape::matrix(2, 2)], &[Some(0.5)]).unwrap_err().arg, Some(0));
    }

    #[test]
    fn cvar_facts() {
        assert_eq!(Cvar.sign(&[arg(Sign::Nonpos)], &[Some(0.5)]), Sign::Nonpos);
        assert_eq!(Cvar.monotonicity(0, &[arg(Sign::Unknown)], &[Some(0.5)]), Mono::Increasing);
    }

    #[test]
    fn cvar_averages_the_fractional_tail() {
        let x = array(&[5], &[1.0, 5.0, 2.0, 4.0, 3.0]);
        // β = 0.6: k = 2, (5 + 4)/2.
        assert_close(&Cvar.eval(&[&x], &[Some(0.6)]).unwrap().data, &[4.5]);
        // β = 0.5: k = 2.5, (5 + 4 + 0.5·3)/2.5.
        assert_close(&Cvar.eval(&[&x], &[Some(0.5)]).unwrap().data, &[4.2]);
        // β = 0: the mean.
        assert_close(&Cvar.eval(&[&x], &[Some(0.0)]).unwrap().data, &[3.0]);
    }
}

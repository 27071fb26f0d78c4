//! `var(x, axis, keepdims, ddof=0)`, cvxpy's variance: Σᵢ (xᵢ − x̄)² / (N − ddof) over
//! the N entries of x (x̄ their mean), or over each lane along `axis` (each lane
//! centred on its own mean) with the shapes of `sum`/`keepdims`. `ddof` is a real
//! number below N (numpy's and cvxpy's Bessel correction: ddof = 1 gives the sample
//! variance). Convex (a sum of squares of an affine map of x), nonnegative, not
//! monotone.
//!
//! Conic form (exact): sum_squares's cone ‖(2(x − x̄), t − 1)‖ ≤ t + 1 of the centred
//! entries (x − x̄ is linear in x), scaled by 1/(N − ddof); one cone per lane.
//! `std` is the same type with the other flag (see std.rs).

use super::{
    Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature, StaticKind,
    StaticParam,
};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

/// `var` (`deviation` false) or `std` (true): one type, as the two share every fact
/// and differ only in the last step (a square root, a norm instead of a square).
pub(crate) struct Spread {
    deviation: bool,
}

/// `var`, registered under this name (a unit value, as other atoms).
#[allow(non_upper_case_globals)]
pub(crate) const Var: Spread = Spread { deviation: false };
/// `std` (registered from its own module).
#[allow(non_upper_case_globals)]
pub(crate) const Std: Spread = Spread { deviation: true };

/// The number of entries each result entry spreads over, with the divisor N − ddof
/// checked positive.
fn divisor(name: &str, x: Shape, statics: &[Option<f64>]) -> Result<f64, ShapeError> {
    let lanes = super::reduction_lanes(name, x, super::static_at(statics, 0))?;
    let n = lanes.first().map_or(0, |l| l.len()) as f64;
    let ddof = super::static_at(statics, 2).unwrap_or(0.0);
    if (n - ddof).is_nan() || n - ddof <= 0.0 {
        return Err(ShapeError::new(format!(
            "`{name}` divides by N − ddof = {n} − {ddof}, which must be positive"
        ))
        .help(format!("ddof (the Bessel correction; 1 gives the sample {name}) must be below {n}, the number of entries each result is taken over")));
    }
    Ok(n - ddof)
}

/// The entries of `x` less their mean (a linear map of x).
fn centred(x: &Affine) -> Affine {
    let n = x.size;
    let mean = super::sum_entries(x).scale(1.0 / n as f64);
    super::sub(x.clone(), super::repeat(&mean, n))
}

impl Atom for Spread {
    fn name(&self) -> &'static str {
        if self.deviation { "std" } else { "var" }
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: const {
                &[
                    super::AXIS_KEEPDIMS[0],
                    super::AXIS_KEEPDIMS[1],
                    StaticParam::with_default("ddof", StaticKind::Real, 0.0),
                ]
            },
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let out = super::reduction_shape(self.name(), args[0], statics)?;
        divisor(self.name(), args[0], statics)?;
        Ok(out)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Convex
    }
    fn sign(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        Sign::Nonneg
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::None
    }
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        let d = divisor(self.name(), args[0].shape, statics).map_err(|e| e.message)?;
        super::eval_lanes(self.name(), args[0], statics, |lane| {
            let mean = lane.data.iter().sum::<f64>() / lane.data.len() as f64;
            let v = lane.data.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / d;
            Ok(if self.deviation { v.sqrt() } else { v })
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
        let d = divisor(self.name(), shapes[0], statics).map_err(|e| e.message)?;
        super::canonicalize_lanes(c, self.name(), &args[0], shapes[0], statics, |c, x, _| {
            let e = centred(x);
            Ok(if self.deviation {
                let t = c.var(1);
                c.soc(t.clone(), e);
                t.scale(1.0 / d.sqrt())
            } else {
                super::sum_squares_epigraph(c, &e).scale(1.0 / d)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array, assert_close};
    use super::*;

    #[test]
    fn var_has_the_shapes_of_sum_and_a_positive_divisor() {
        let m = [Shape::matrix(2, 3)];
        assert_eq!(Var.shape(&m, &[None, None, Some(0.0)]).unwrap(), Shape::SCALAR);
        assert_eq!(Var.shape(&m, &[Some(0.0), None, Some(1.0)]).unwrap(), Shape::vector(3));
        assert_eq!(Var.shape(&m, &[Some(1.0), Some(1.0), Some(0.0)]).unwrap(), Shape::matrix(2, 1));
        // Axis 0 of [2, 3] averages 2 entries: ddof = 2 leaves nothing to divide by.
        let e = Var.shape(&m, &[Some(0.0), None, Some(2.0)]).unwrap_err();
        assert!(e.message.contains("N − ddof = 2 − 2"), "{}", e.message);
        assert!(Var.shape(&m, &[None, None, Some(5.5)]).is_ok());
        assert!(Var.shape(&m, &[Some(2.0), None, Some(0.0)]).is_err());
    }

    #[test]
    fn var_facts_and_values() {
        assert_eq!(Var.curvature(&[arg(Sign::Unknown)], &[None, None, Some(0.0)]), AtomCurvature::Convex);
        assert_eq!(Var.sign(&[arg(Sign::Nonpos)], &[None, None, Some(0.0)]), Sign::Nonneg);
        assert_eq!(Var.monotonicity(0, &[arg(Sign::Nonneg)], &[None, None, Some(0.0)]), Mono::None);
        // [1, 2, 3, 6]: mean 3, squared deviations 4 + 1 + 0 + 9 = 14.
        let x = array(&[4], &[1.0, 2.0, 3.0, 6.0]);
        assert_close(&Var.eval(&[&x], &[None, None, Some(0.0)]).unwrap().data, &[3.5]);
        assert_close(&Var.eval(&[&x], &[None, None, Some(1.0)]).unwrap().data, &[14.0 / 3.0]);
        // Rows [1, 2, 3] and [4, 4, 10]: deviations 2 and 24 about the row means.
        let m = array(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 4.0, 10.0]);
        assert_close(&Var.eval(&[&m], &[Some(1.0), None, Some(0.0)]).unwrap().data, &[2.0 / 3.0, 8.0]);
        // Columns: pairs (1, 4), (2, 4), (3, 10) → variances 2.25, 1, 12.25.
        assert_close(&Var.eval(&[&m], &[Some(0.0), None, Some(0.0)]).unwrap().data, &[2.25, 1.0, 12.25]);
    }
}

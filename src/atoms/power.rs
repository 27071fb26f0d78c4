//! `power(x, p)` = xᵢⱼ^p, elementwise, for a compile-time real p, with cvxpy's
//! meaning by case:
//! - p = 0: the constant 1.
//! - p = 1: x itself (affine).
//! - p > 1 an even integer: xᵖ on all reals — convex, nonnegative; increasing for
//!   x ≥ 0, decreasing for x ≤ 0.
//! - p > 1 otherwise: xᵖ with domain x ≥ 0 — convex, nonnegative, increasing.
//! - 0 < p < 1: xᵖ with domain x ≥ 0 — concave, nonnegative, increasing.
//! - p < 0: xᵖ with domain x > 0 — convex, positive, decreasing.
//!
//! Any shape; the result has the shape of x. (cvxpy itself gives the whole real line
//! only to p = 2, 4, 8, ...; dopt to every even integer p, where xᵖ = |x|ᵖ.)
//!
//! Conic form: by case: p = 0 and p = 1 are affine (1 and x); p = 2 is
//! `square`; p > 1: |x|ᵖ ≤ t ⇔ (t, 1, x) ∈ K_pow(1/p), with x ≥ 0 added unless p is an
//! even integer; 0 < p < 1: t ≤ xᵖ ⇔ (x, 1, t) ∈ K_pow(p) (hypograph; x ≥ 0 follows);
//! p < 0: xᵖ ≤ t ⇔ (t, x, 1) ∈ K_pow(1/(1 − p)).

use super::{
    Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature, StaticKind, StaticParam,
};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

/// The branches of `power`, by the value of p.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Case {
    /// p = 0: the constant 1.
    Zero,
    /// p = 1: x.
    One,
    /// p > 1 an even integer: all reals.
    Even,
    /// p > 1 otherwise: x ≥ 0.
    High,
    /// 0 < p < 1: x ≥ 0.
    Mid,
    /// p < 0: x > 0.
    Negative,
}

fn case(statics: &[Option<f64>]) -> (Case, f64) {
    let p = statics[0].unwrap_or(1.0);
    let c = if p == 0.0 {
        Case::Zero
    } else if p == 1.0 {
        Case::One
    } else if p > 1.0 && p % 2.0 == 0.0 {
        Case::Even
    } else if p > 1.0 {
        Case::High
    } else if p > 0.0 {
        Case::Mid
    } else {
        Case::Negative
    };
    (c, p)
}

pub(crate) struct Power;

impl Atom for Power {
    fn name(&self) -> &'static str {
        "power"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: const { &[StaticParam::required("p", StaticKind::Real)] },
        }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::same_shape(args)
    }
    fn curvature(&self, _args: &[ArgInfo], statics: &[Option<f64>]) -> AtomCurvature {
        match case(statics).0 {
            Case::Zero | Case::One => AtomCurvature::Affine,
            Case::Even | Case::High | Case::Negative => AtomCurvature::Convex,
            Case::Mid => AtomCurvature::Concave,
        }
    }
    fn sign(&self, args: &[ArgInfo], statics: &[Option<f64>]) -> Sign {
        if case(statics).0 == Case::One { args[0].sign } else { Sign::Nonneg }
    }
    fn monotonicity(&self, _i: usize, args: &[ArgInfo], statics: &[Option<f64>]) -> Mono {
        match case(statics).0 {
            Case::Zero | Case::One | Case::High | Case::Mid => Mono::Increasing,
            Case::Even => super::by_sign(args[0].sign),
            Case::Negative => Mono::Decreasing,
        }
    }
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        let x = args[0];
        let (c, p) = case(statics);
        match c {
            Case::Zero => return Ok(super::map(x, |_| 1.0)),
            Case::One => return Ok(x.clone()),
            Case::Even => {}
            Case::High | Case::Mid => {
                super::check_domain(x, |v| v >= 0.0, &format!("power with p = {p} needs x >= 0"))?
            }
            Case::Negative => {
                super::check_domain(x, |v| v > 0.0, &format!("power with p = {p} needs x > 0"))?
            }
        }
        Ok(super::map(x, |v| v.powf(p)))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        _shapes: &[Shape],
        statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let x = &args[0];
        let n = x.size;
        let ones = super::filled(n, 1.0);
        let (case, p) = case(statics);
        Ok(match case {
            Case::Zero => ones,
            Case::One => x.clone(),
            // The same function as `square`: a second-order cone is more accurate.
            Case::Even if p == 2.0 => super::square_epigraph(c, x),
            Case::Even | Case::High => {
                // t^(1/p)·1^(1−1/p) ≥ |x| ⇔ t ≥ |x|ᵖ.
                let t = c.var(n);
                c.pow_cones(&t, &ones, x, 1.0 / p);
                if case == Case::High {
                    c.nonneg(x.clone());
                }
                t
            }
            Case::Mid => {
                // xᵖ·1^(1−p) ≥ |t|.
                let t = c.var(n);
                c.pow_cones(x, &ones, &t, p);
                t
            }
            Case::Negative => {
                // t^α x^(1−α) ≥ 1 with α = 1/(1 − p) ⇔ t ≥ x^(−(1−α)/α) = xᵖ.
                let t = c.var(n);
                c.pow_cones(&t, x, &ones, 1.0 / (1.0 - p));
                t
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn power_keeps_the_shape() {
        for s in [Shape::SCALAR, Shape::vector(4), Shape::matrix(2, 3)] {
            for p in [-1.0, 0.0, 0.5, 1.0, 2.0, 3.5] {
                assert_eq!(Power.shape(&[s], &[Some(p)]).unwrap(), s);
            }
        }
    }

    #[test]
    fn power_facts_by_case() {
        let (u, n) = (arg(Sign::Unknown), arg(Sign::Nonpos));
        let f = |p: f64, x: ArgInfo| {
            let s = [Some(p)];
            (Power.curvature(&[x], &s), Power.sign(&[x], &s), Power.monotonicity(0, &[x], &s))
        };
        use AtomCurvature::*;
        assert_eq!(f(0.0, u), (Affine, Sign::Nonneg, Mono::Increasing));
        assert_eq!(f(1.0, n), (Affine, Sign::Nonpos, Mono::Increasing));
        assert_eq!(f(2.0, n), (Convex, Sign::Nonneg, Mono::Decreasing));
        assert_eq!(f(4.0, u), (Convex, Sign::Nonneg, Mono::None));
        assert_eq!(f(3.0, u), (Convex, Sign::Nonneg, Mono::Increasing));
        assert_eq!(f(1.5, u), (Convex, Sign::Nonneg, Mono::Increasing));
        assert_eq!(f(0.5, u), (Concave, Sign::Nonneg, Mono::Increasing));
        assert_eq!(f(-1.0, u), (Convex, Sign::Nonneg, Mono::Decreasing));
    }

    #[test]
    fn power_evaluates_inside_its_domain() {
        let x = array(&[2], &[-2.0, 3.0]);
        assert_eq!(Power.eval(&[&x], &[Some(2.0)]).unwrap().data, vec![4.0, 9.0]);
        assert_eq!(Power.eval(&[&x], &[Some(0.0)]).unwrap().data, vec![1.0, 1.0]);
        assert_eq!(Power.eval(&[&x], &[Some(1.0)]).unwrap().data, vec![-2.0, 3.0]);
        assert!(Power.eval(&[&x], &[Some(3.0)]).unwrap_err().contains("outside the domain"));
        assert!(Power.eval(&[&x], &[Some(0.5)]).unwrap_err().contains("outside the domain"));
        let y = array(&[2], &[4.0, 0.0]);
        assert_eq!(Power.eval(&[&y], &[Some(0.5)]).unwrap().data, vec![2.0, 0.0]);
        assert_eq!(Power.eval(&[&y], &[Some(3.0)]).unwrap().data, vec![64.0, 0.0]);
        assert!(Power.eval(&[&y], &[Some(-1.0)]).unwrap_err().contains("outside the domain"));
        assert_eq!(Power.eval(&[&Array::scalar(4.0)], &[Some(-0.5)]).unwrap().data, vec![0.5]);
    }
}

//! `norm(x, p=2, axis, keepdims)`, cvxpy's `norm`. p is a compile-time real p ≥ 1,
//! `"inf"` (or `"Inf"`, or a huge number), `"fro"` or `"nuc"`.
//!
//! - A scalar or vector x, or any x with `axis=`: the entrywise p-norm
//!   (Σᵢ |xᵢ|ᵖ)^(1/p) of all entries, or of each lane along the axis (`"fro"` is
//!   p = 2); the shapes are those of `sum` with the same `axis`/`keepdims`.
//! - A matrix X without `axis`: cvxpy's matrix norms — p = 1 the largest absolute
//!   column sum, `"inf"` the largest absolute row sum, p = 2 the spectral norm
//!   `sigma_max(X)` (the Frobenius norm when X has one row or one column), `"fro"`
//!   the Frobenius norm, `"nuc"` the nuclear norm; another p is an error.
//!
//! Convex, nonnegative; increasing for x ≥ 0 and decreasing for x ≤ 0, except the
//! spectral and nuclear norms, which are not monotone.
//!
//! Conic form: p = 1 is `norm1`, p = 2 is `norm2`, ∞ is `norm_inf` (each per lane);
//! otherwise ‖x‖ₚ ≤ t ⇔ (rᵢ, t, xᵢ) ∈ K_pow(1/p) for all i (|xᵢ|ᵖ ≤ rᵢ·t^(p−1)) and
//! Σ rᵢ = t, so that Σ|xᵢ|ᵖ ≤ tᵖ; any t ≥ ‖x‖ₚ is reached with rᵢ ≥ |xᵢ|ᵖ/t^(p−1)
//! summing to t. The matrix norms are `max(norm1(X, axis=0))`, `max(norm1(X,
//! axis=1))`, `sigma_max`, `norm2` and `norm_nuc`.

use super::max::Max;
use super::norm_inf::NormInf;
use super::norm_nuc::NormNuc;
use super::norm1::Norm1;
use super::norm2::Norm2;
use super::sigma_max::SigmaMax;
use super::{
    Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature, StaticKind, StaticParam,
};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Norm;

/// The value of `p="fro"`: NaN, which no compile-time expression yields (a
/// non-finite number is an error there).
const FRO: f64 = f64::NAN;
/// The value of `p="nuc"`: −∞, likewise out of reach of a written p.
const NUC: f64 = f64::NEG_INFINITY;

/// What `norm` computes for these arguments.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// The entrywise p-norm (per lane with `axis`).
    Entrywise(f64),
    /// The largest absolute column sum (axis 0) or row sum (axis 1).
    MaxLaneSum(f64),
    Spectral,
    Nuclear,
}

fn kind(x: Shape, statics: &[Option<f64>]) -> Result<Kind, ShapeError> {
    let p = statics[0].unwrap_or(2.0);
    let matrix = x.is_matrix() && super::static_at(statics, 1).is_none();
    let vector_like = x.dims().iter().filter(|d| **d > 1).count() <= 1;
    Ok(match p {
        p if p.is_nan() => Kind::Entrywise(2.0),
        NUC if matrix => Kind::Nuclear,
        NUC => {
            return Err(ShapeError::new(format!(
                "`norm(x, \"nuc\")` is the nuclear norm of a matrix, and x has shape {x}{}",
                if x.is_matrix() { " with an axis" } else { "" }
            ))
            .at(0)
            .help("for a vector use norm(x, 1), which is the nuclear norm of diag(x)"));
        }
        p if p < 1.0 => {
            return Err(ShapeError::new(format!("`norm`: p must be at least 1, got p = {p}")));
        }
        1.0 if matrix => Kind::MaxLaneSum(0.0),
        p if p.is_infinite() && matrix => Kind::MaxLaneSum(1.0),
        2.0 if matrix && !vector_like => Kind::Spectral,
        2.0 => Kind::Entrywise(2.0),
        p if matrix => {
            return Err(ShapeError::new(format!(
                "`norm(X, {p})` of a matrix is not one of cvxpy's matrix norms (X has shape {x})"
            ))
            .at(0)
            .help("matrix norms are p = 1, 2, \"inf\", \"fro\" and \"nuc\"; for the entrywise norm use norm(vec(X), p)"));
        }
        p => Kind::Entrywise(p),
    })
}

/// The statics of `norm` without p (`axis`, `keepdims`).
fn rest(statics: &[Option<f64>]) -> [Option<f64>; 2] {
    [super::static_at(statics, 1), super::static_at(statics, 2)]
}

/// The entrywise p-norm of a vector's entries.
fn pnorm(x: &[f64], p: f64) -> f64 {
    let top = x.iter().fold(0.0, |m: f64, v| m.max(v.abs()));
    if p == f64::INFINITY || top == 0.0 {
        return top;
    }
    // (Σ|xᵢ|ᵖ)^(1/p), scaled by the largest entry so that a large p cannot overflow.
    let s: f64 = x.iter().map(|v| (v.abs() / top).powf(p)).sum();
    top * s.powf(1.0 / p)
}

impl Atom for Norm {
    fn name(&self) -> &'static str {
        "norm"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: const {
                &[
                    StaticParam::with_default("p", StaticKind::Real, 2.0).with_words(&[
                        ("inf", f64::INFINITY),
                        ("Inf", f64::INFINITY),
                        ("fro", FRO),
                        ("nuc", NUC),
                    ]),
                    super::AXIS_KEEPDIMS[0],
                    super::AXIS_KEEPDIMS[1],
                ]
            },
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        kind(args[0], statics)?;
        super::reduction_shape("norm", args[0], &rest(statics))
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Convex
    }
    fn sign(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        Sign::Nonneg
    }
    fn monotonicity(&self, _i: usize, args: &[ArgInfo], statics: &[Option<f64>]) -> Mono {
        match kind(args[0].shape, statics) {
            Ok(Kind::Spectral | Kind::Nuclear) => Mono::None,
            _ => super::by_sign(args[0].sign),
        }
    }
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        let x = args[0];
        let rest = rest(statics);
        let out = self.shape(&[x.shape], statics).map_err(|e| e.message)?;
        let keep = |v: f64| Ok(Array { shape: out, data: vec![v] });
        match kind(x.shape, statics).map_err(|e| e.message)? {
            Kind::Entrywise(p) => super::eval_lanes("norm", x, &rest, |lane| Ok(pnorm(&lane.data, p))),
            Kind::MaxLaneSum(axis) => {
                let sums = Norm1.eval(&[x], &[Some(axis)])?;
                keep(sums.data.iter().copied().fold(0.0, f64::max))
            }
            Kind::Spectral => keep(SigmaMax.eval(&[x], &[])?.data[0]),
            Kind::Nuclear => keep(NormNuc.eval(&[x], &[])?.data[0]),
        }
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let rest = rest(statics);
        match kind(shapes[0], statics).map_err(|e| e.message)? {
            Kind::Entrywise(1.0) => Norm1.canonicalize(c, args, shapes, &rest, Shape::SCALAR),
            Kind::Entrywise(2.0) => Norm2.canonicalize(c, args, shapes, &rest, Shape::SCALAR),
            Kind::Entrywise(p) if p.is_infinite() => NormInf.canonicalize(c, args, shapes, &rest, Shape::SCALAR),
            Kind::Entrywise(p) => super::canonicalize_lanes(c, "norm", &args[0], shapes[0], &rest, |c, x, _| {
                let n = x.size;
                let (t, r) = (c.var(1), c.var(n));
                c.pow_cones(&r, &super::repeat(&t, n), x, 1.0 / p);
                c.zero(super::sub(super::sum_entries(&r), t.clone()));
                Ok(t)
            }),
            Kind::MaxLaneSum(axis) => {
                let sums = Norm1.canonicalize(c, args, shapes, &[Some(axis)], Shape::SCALAR)?;
                let n = sums.size;
                Max.canonicalize(c, &[sums], &[Shape::vector(n)], &[], Shape::SCALAR)
            }
            Kind::Spectral => SigmaMax.canonicalize(c, args, shapes, &[], Shape::SCALAR),
            Kind::Nuclear => NormNuc.canonicalize(c, args, shapes, &[], Shape::SCALAR),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn norm_of_a_vector_is_a_scalar() {
        for p in [1.0, 1.5, 2.0, 1e300, f64::INFINITY] {
            assert_eq!(Norm.shape(&[Shape::vector(4)], &[Some(p)]).unwrap(), Shape::SCALAR);
            assert_eq!(Norm.shape(&[Shape::SCALAR], &[Some(p)]).unwrap(), Shape::SCALAR);
        }
    }

    #[test]
    fn norm_of_a_matrix_is_cvxpys_matrix_norm() {
        let m = [Shape::matrix(3, 4)];
        for p in [1.0, 2.0, f64::INFINITY, FRO, NUC] {
            assert_eq!(Norm.shape(&m, &[Some(p)]).unwrap(), Shape::SCALAR);
        }
        let e = Norm.shape(&m, &[Some(3.0)]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("not one of cvxpy's matrix norms") && e.message.contains("[3, 4]"));
        assert!(e.help.unwrap().contains("norm(vec(X), p)"));
        // With an axis every p is entrywise along the lanes.
        assert_eq!(Norm.shape(&m, &[Some(3.0), Some(1.0), None]).unwrap(), Shape::vector(3));
        assert_eq!(Norm.shape(&m, &[Some(2.0), Some(0.0), Some(1.0)]).unwrap(), Shape::matrix(1, 4));
        let e = Norm.shape(&[Shape::vector(4)], &[Some(NUC)]).unwrap_err();
        assert!(e.message.contains("nuclear norm of a matrix"), "{}", e.message);
        let e = Norm.shape(&[Shape::vector(4)], &[Some(0.5)]).unwrap_err();
        assert!(e.message.contains("p must be at least 1"), "{}", e.message);
        assert!(Norm.shape(&[Shape::vector(4)], &[Some(-1.0)]).is_err());
    }

    #[test]
    fn norm_evaluates_matrix_norms_and_lanes() {
        use super::super::tests::assert_close;
        // X = [[1, -2], [3, 4]]: column sums 4, 6; row sums 3, 7; singular values
        // √(15 ± √125) (σ₁² + σ₂² = 30, σ₁σ₂ = |det| = 10).
        let x = array(&[2, 2], &[1.0, -2.0, 3.0, 4.0]);
        let ev = |p: f64| Norm.eval(&[&x], &[Some(p)]).unwrap().data[0];
        let (s1, s2) = ((15.0 + 125f64.sqrt()).sqrt(), (15.0 - 125f64.sqrt()).sqrt());
        assert_close(&[ev(1.0), ev(f64::INFINITY), ev(2.0), ev(FRO), ev(NUC)], &[6.0, 7.0, s1, 30f64.sqrt(), s1 + s2]);
        let rows = Norm.eval(&[&x], &[Some(2.0), Some(1.0), None]).unwrap();
        assert_eq!(rows.shape, Shape::vector(2));
        assert_close(&rows.data, &[5f64.sqrt(), 5.0]);
        let cols = Norm.eval(&[&x], &[Some(1.0), Some(0.0), Some(1.0)]).unwrap();
        assert_eq!(cols.shape, Shape::matrix(1, 2));
        assert_close(&cols.data, &[4.0, 6.0]);
        // A one-column matrix: p = 2 is its Frobenius (vector) norm.
        let col = array(&[2, 1], &[3.0, 4.0]);
        assert_close(&Norm.eval(&[&col], &[Some(2.0)]).unwrap().data, &[5.0]);
        let m = ArgInfo { shape: Shape::matrix(2, 2), ..arg(Sign::Nonneg) };
        assert_eq!(Norm.monotonicity(0, &[m], &[Some(NUC)]), Mono::None);
        assert_eq!(Norm.monotonicity(0, &[m], &[Some(2.0)]), Mono::None);
        assert_eq!(Norm.monotonicity(0, &[m], &[Some(1.0)]), Mono::Increasing);
        assert_eq!(Norm.monotonicity(0, &[m], &[Some(2.0), Some(0.0), None]), Mono::Increasing);
    }

    #[test]
    fn norm_facts() {
        let s = [Some(3.0)];
        assert_eq!(Norm.curvature(&[arg(Sign::Unknown)], &s), AtomCurvature::Convex);
        assert_eq!(Norm.sign(&[arg(Sign::Nonpos)], &s), Sign::Nonneg);
        assert_eq!(Norm.monotonicity(0, &[arg(Sign::Nonneg)], &s), Mono::Increasing);
        assert_eq!(Norm.monotonicity(0, &[arg(Sign::Nonpos)], &s), Mono::Decreasing);
        assert_eq!(Norm.monotonicity(0, &[arg(Sign::Unknown)], &s), Mono::None);
    }

    #[test]
    fn norm_evaluates() {
        use super::super::tests::assert_close;
        let x = array(&[3], &[3.0, -4.0, 0.0]);
        assert_close(&Norm.eval(&[&x], &[Some(1.0)]).unwrap().data, &[7.0]);
        assert_close(&Norm.eval(&[&x], &[Some(2.0)]).unwrap().data, &[5.0]);
        assert_close(&Norm.eval(&[&x], &[Some(3.0)]).unwrap().data, &[91f64.cbrt()]);
        assert_close(&Norm.eval(&[&x], &[Some(f64::INFINITY)]).unwrap().data, &[4.0]);
        assert_close(&Norm.eval(&[&x], &[Some(1e300)]).unwrap().data, &[4.0]);
        assert_eq!(Norm.eval(&[&array(&[2], &[0.0, 0.0])], &[Some(2.0)]).unwrap().data, vec![0.0]);
    }
}

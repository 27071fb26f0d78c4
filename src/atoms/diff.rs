//! `diff(x, k=1, axis=0)` is the k-th order forward difference along one axis, as
//! numpy's `diff`: for a vector, diff(x)ᵢ = xᵢ₊₁ − xᵢ, applied k times, giving
//! [n − k]; for X[m, n], axis 0 differences down the columns ([m − k, n]) and axis 1
//! along the rows ([m, n − k]). Needs 0 ≤ k < the length of that axis (k = 0 leaves
//! x unchanged). Affine and not monotone (a difference of entries); the sign is
//! unknown unless x is zero (k = 0: x itself, increasing, with the sign of x).
//!
//! Conic form: affine: the k-th difference Σₗ (−1)^(k−l) C(k, l) x_(i+l) as one
//! linear map, no cones.

use super::{
    Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature, StaticKind, StaticParam,
};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Diff;

impl Atom for Diff {
    fn name(&self) -> &'static str {
        "diff"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: const {
                &[
                    StaticParam::with_default("k", StaticKind::Int, 1.0),
                    StaticParam::with_default("axis", StaticKind::Int, 0.0),
                ]
            },
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let x = args[0];
        if x.is_scalar() {
            return Err(ShapeError::new(format!(
                "`diff` needs a vector or a matrix, got a scalar (shape {x})"
            ))
            .at(0));
        }
        let k = statics[0].unwrap_or(1.0);
        let ax = super::axis("diff", statics[1].unwrap_or(0.0), x.ndim()).map_err(|e| {
            e.help(if x.is_matrix() {
                "axis 0 differences down the columns, axis 1 along the rows"
            } else {
                "a vector has only axis 0 (or -1)"
            })
        })?;
        let len = x.dims()[ax];
        if !(0.0..len as f64).contains(&k) {
            return Err(ShapeError::new(format!(
                "`diff` needs 0 <= k < {len} (the length of axis {ax} of shape {x}), got k = {k}"
            ))
            .at(0));
        }
        let k = k as usize;
        Ok(match *x.dims() {
            [n] => Shape::vector(n - k),
            [m, n] if ax == 0 => Shape::matrix(m - k, n),
            [m, n] => Shape::matrix(m, n - k),
            _ => unreachable!("scalars were rejected above"),
        })
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Affine
    }
    fn sign(&self, args: &[ArgInfo], statics: &[Option<f64>]) -> Sign {
        match args[0].sign {
            s if statics[0] == Some(0.0) => s,
            Sign::Zero => Sign::Zero,
            _ => Sign::Unknown,
        }
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], statics: &[Option<f64>]) -> Mono {
        // cvxpy: diff(x, 0) is x itself.
        if statics[0] == Some(0.0) { Mono::Increasing } else { Mono::None }
    }
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        let x = args[0];
        let shape = self.shape(&[x.shape], statics).map_err(|e| e.message)?;
        let ax = super::axis("diff", statics[1].unwrap_or(0.0), x.shape.ndim()).map_err(|e| e.message)?;
        let (mut m, mut n) = x.shape.rows_cols();
        let mut data = x.data.clone();
        for _ in 0..statics[0].unwrap_or(1.0) as usize {
            if ax == 0 {
                data = (0..(m - 1) * n).map(|k| data[k + n] - data[k]).collect();
                m -= 1;
            } else {
                data = (0..m)
                    .flat_map(|i| (0..n - 1).map(move |j| (i, j)))
                    .map(|(i, j)| data[i * n + j + 1] - data[i * n + j])
                    .collect();
                n -= 1;
            }
        }
        Ok(Array { shape, data })
    }
    fn canonicalize(
        &self,
        _c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        out: Shape,
    ) -> Result<Affine, String> {
        let ax = super::axis("diff", statics[1].unwrap_or(0.0), shapes[0].ndim()).map_err(|e| e.message)?;
        let k = statics[0].unwrap_or(1.0) as usize;
        let (m, n) = shapes[0].rows_cols();
        // Binomial coefficients C(k, l), exact in floating point for any usable k.
        let mut binom = vec![1.0f64; k + 1];
        for l in 1..=k {
            binom[l] = (binom[l - 1] * (k - l + 1) as f64 / l as f64).round();
        }
        let (om, on) = if ax == 0 { (m - k, n) } else { (m, n - k) };
        let mut map = Vec::with_capacity(om * on * (k + 1));
        for i in 0..om {
            for j in 0..on {
                for (l, b) in binom.iter().enumerate() {
                    let src = if ax == 0 { (i + l) * n + j } else { i * n + j + l };
                    let sign = if (k - l).is_multiple_of(2) { 1.0 } else { -1.0 };
                    map.push((i * on + j, src, sign * b));
                }
            }
        }
        Ok(args[0].linear_map(out.size(), &map))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn diff_shortens_the_axis_by_k() {
        let v = [Shape::vector(5)];
        assert_eq!(Diff.shape(&v, &[Some(1.0), Some(0.0)]).unwrap(), Shape::vector(4));
        assert_eq!(Diff.shape(&v, &[Some(4.0), Some(0.0)]).unwrap(), Shape::vector(1));
        assert_eq!(Diff.shape(&v, &[Some(0.0), Some(0.0)]).unwrap(), Shape::vector(5));
        assert_eq!(Diff.shape(&v, &[Some(2.0), Some(-1.0)]).unwrap(), Shape::vector(3));
        let m = [Shape::matrix(4, 6)];
        assert_eq!(Diff.shape(&m, &[Some(1.0), Some(0.0)]).unwrap(), Shape::matrix(3, 6));
        assert_eq!(Diff.shape(&m, &[Some(2.0), Some(1.0)]).unwrap(), Shape::matrix(4, 4));
        assert_eq!(Diff.shape(&m, &[Some(5.0), Some(-1.0)]).unwrap(), Shape::matrix(4, 1));
    }

    #[test]
    fn diff_rejects_scalars_bad_k_and_bad_axes() {
        assert_eq!(Diff.shape(&[Shape::SCALAR], &[Some(1.0), Some(0.0)]).unwrap_err().arg, Some(0));
        let v = [Shape::vector(5)];
        let e = Diff.shape(&v, &[Some(5.0), Some(0.0)]).unwrap_err();
        assert!(e.message.contains("[5]") && e.message.contains("k = 5"), "{}", e.message);
        assert!(Diff.shape(&v, &[Some(-1.0), Some(0.0)]).is_err());
        assert!(Diff.shape(&v, &[Some(1.0), Some(1.0)]).is_err());
        let m = [Shape::matrix(4, 6)];
        assert!(Diff.shape(&m, &[Some(4.0), Some(0.0)]).is_err());
        assert!(Diff.shape(&m, &[Some(1.0), Some(2.0)]).is_err());
    }

    #[test]
    fn diff_facts() {
        let k1 = [Some(1.0), Some(0.0)];
        assert_eq!(Diff.sign(&[arg(Sign::Nonneg)], &k1), Sign::Unknown);
        assert_eq!(Diff.sign(&[arg(Sign::Zero)], &k1), Sign::Zero);
        assert_eq!(Diff.monotonicity(0, &[arg(Sign::Nonneg)], &k1), Mono::None);
        assert_eq!(Diff.curvature(&[arg(Sign::Unknown)], &k1), AtomCurvature::Affine);
        let k0 = [Some(0.0), Some(0.0)];
        assert_eq!(Diff.sign(&[arg(Sign::Nonneg)], &k0), Sign::Nonneg);
        assert_eq!(Diff.monotonicity(0, &[arg(Sign::Nonneg)], &k0), Mono::Increasing);
    }

    #[test]
    fn diff_follows_numpy() {
        let v = array(&[4], &[1.0, 4.0, 9.0, 16.0]);
        let d = Diff.eval(&[&v], &[Some(1.0), Some(0.0)]).unwrap();
        assert_eq!((d.shape, d.data), (Shape::vector(3), vec![3.0, 5.0, 7.0]));
        assert_eq!(Diff.eval(&[&v], &[Some(2.0), Some(0.0)]).unwrap().data, vec![2.0, 2.0]);
        assert_eq!(Diff.eval(&[&v], &[Some(0.0), Some(0.0)]).unwrap().data, v.data);
        let x = array(&[2, 3], &[1.0, 2.0, 4.0, 7.0, 11.0, 16.0]);
        let d0 = Diff.eval(&[&x], &[Some(1.0), Some(0.0)]).unwrap();
        assert_eq!((d0.shape, d0.data), (Shape::matrix(1, 3), vec![6.0, 9.0, 12.0]));
        let d1 = Diff.eval(&[&x], &[Some(1.0), Some(1.0)]).unwrap();
        assert_eq!((d1.shape, d1.data), (Shape::matrix(2, 2), vec![1.0, 2.0, 4.0, 5.0]));
        assert_eq!(Diff.eval(&[&x], &[Some(2.0), Some(-1.0)]).unwrap().data, vec![1.0, 1.0]);
    }
}

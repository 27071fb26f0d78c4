//! `dotsort(x, w)` = ⟨sort(x), sort(w)⟩ over the entries of x and w, with w padded
//! with zeros to the size of x (w may not have more entries than x), as cvxpy's
//! `dotsort`: the largest weight goes with the largest entry, and so on
//! (`dotsort(x, [1, 1])` is `sum_largest(x, 2)`). w must be a constant — or, for DPP,
//! a parameter, with x free of parameters. Convex; increasing in x when w ≥ 0,
//! decreasing when w ≤ 0; nonnegative when x and w have one sign, nonpositive when
//! they have opposite signs (cvxpy's rule). The result is a scalar.
//!
//! Conic form: by the rearrangement inequality dotsort(x, w) = max over doubly
//! stochastic P of wᵀPx, whose LP dual is min Σᵢ uᵢ + Σⱼ vⱼ subject to
//! uᵢ + vⱼ ≥ wᵢ·xⱼ for all i, j (n·k rows for k weights). The n − k padded zero weights
//! are identical rows, so they share one u₀ (counted n − k times) with u₀ + vⱼ ≥ 0.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Dotsort;

impl Atom for Dotsort {
    fn name(&self) -> &'static str {
        "dotsort"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x", "w"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let (x, w) = (args[0], args[1]);
        if w.size() > x.size() {
            return Err(ShapeError::new(format!(
                "`dotsort` needs no more weights than entries of x: w has shape {w} ({} entries), x has shape {x} ({} entries)",
                w.size(),
                x.size()
            ))
            .at(1));
        }
        Ok(Shape::SCALAR)
    }
    fn curvature(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        let w = &args[1];
        if w.is_constant() || (w.param_affine() && args[0].param_free()) {
            AtomCurvature::Convex
        } else {
            AtomCurvature::Neither
        }
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        let (x, w) = (args[0].sign, args[1].sign);
        super::sign_from_flags(
            (x.is_nonneg() && w.is_nonneg()) || (x.is_nonpos() && w.is_nonpos()),
            (x.is_nonpos() && w.is_nonneg()) || (x.is_nonneg() && w.is_nonpos()),
        )
    }
    fn monotonicity(&self, i: usize, args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        if i == 1 {
            return Mono::None;
        }
        super::product_mono(&args[1])
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        self.shape(&[args[0].shape, args[1].shape], &[]).map_err(|e| e.message)?;
        let mut x = args[0].data.clone();
        let mut w = args[1].data.clone();
        w.resize(x.len(), 0.0);
        x.sort_by(f64::total_cmp);
        w.sort_by(f64::total_cmp);
        Ok(Array::scalar(x.iter().zip(&w).map(|(a, b)| a * b).sum()))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        _shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let (x, w) = (&args[0], &args[1]);
        let (n, k) = (x.size, w.size);
        let padded = n > k;
        let rows = k + padded as usize;
        let (u, v) = (c.var(rows), c.var(n));
        // wᵢ·xⱼ at row i·n + j (the padded row, if any, is zero).
        let products = w.bilinear_iter(x, rows * n, (0..k).flat_map(|i| (0..n).map(move |j| (i * n + j, i, j, 1.0))))?;
        let ui: Vec<usize> = (0..rows * n).map(|r| r / n).collect();
        let vj: Vec<usize> = (0..rows * n).map(|r| r % n).collect();
        c.nonneg(super::sub(u.gather(&ui).add(v.gather(&vj)), products));
        let mut weights: Vec<(usize, usize, f64)> = (0..k).map(|i| (0, i, 1.0)).collect();
        if padded {
            weights.push((0, k, (n - k) as f64));
        }
        Ok(u.linear_map(1, &weights).add(super::sum_entries(&v)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn dotsort_shapes() {
        assert_eq!(Dotsort.shape(&[Shape::matrix(2, 3), Shape::vector(4)], &[]).unwrap(), Shape::SCALAR);
        let e = Dotsort.shape(&[Shape::vector(3), Shape::vector(4)], &[]).unwrap_err();
        assert!(e.message.contains("`dotsort`") && e.arg == Some(1), "{}", e.message);
    }

    #[test]
    fn dotsort_facts_follow_cvxpy() {
        let (p, n, u) = (arg(Sign::Nonneg), arg(Sign::Nonpos), arg(Sign::Unknown));
        assert_eq!(Dotsort.sign(&[p, p], &[]), Sign::Nonneg);
        assert_eq!(Dotsort.sign(&[n, n], &[]), Sign::Nonneg);
        assert_eq!(Dotsort.sign(&[n, p], &[]), Sign::Nonpos);
        assert_eq!(Dotsort.sign(&[u, p], &[]), Sign::Unknown);
        assert_eq!(Dotsort.monotonicity(0, &[u, p], &[]), Mono::Increasing);
        assert_eq!(Dotsort.monotonicity(0, &[u, n], &[]), Mono::Decreasing);
        // A variable weight is not DCP.
        assert_eq!(Dotsort.curvature(&[u, u], &[]), AtomCurvature::Neither);
    }

    #[test]
    fn dotsort_evaluates_as_cvxpy() {
        let x = array(&[4], &[3.0, -1.0, 5.0, 2.0]);
        // sum_largest(x, 2)
        assert_eq!(Dotsort.eval(&[&x, &array(&[2], &[1.0, 1.0])], &[]).unwrap().data, vec![8.0]);
        // sorted x (-1, 2, 3, 5) with sorted w (-1, 0, 0.5, 2): 1 + 1.5 + 10
        assert_eq!(Dotsort.eval(&[&x, &array(&[3], &[2.0, -1.0, 0.5])], &[]).unwrap().data, vec![12.5]);
    }
}

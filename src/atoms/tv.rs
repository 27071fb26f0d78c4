//! `tv(x)` is the total variation, as in cvxpy. For a vector x\[n\] (or a column
//! \[n, 1\]): Σᵢ |xᵢ₊₁ − xᵢ|. For a matrix X\[m, n\] (n > 1): the isotropic total
//! variation Σᵢⱼ ‖(Xᵢ,ⱼ₊₁ − Xᵢⱼ, Xᵢ₊₁,ⱼ − Xᵢⱼ)‖₂ over i < m − 1, j < n − 1; with more
//! matrices of the same shape, `tv(X, Y, …)` puts the forward differences of all of
//! them under each norm (color channels). Convex, nonnegative, not monotone. The
//! result is a scalar; a scalar argument is rejected.
//!
//! Conic form: a vector: Σ tᵢ with tᵢ ≥ |xᵢ₊₁ − xᵢ|; matrices: Σ tᵢⱼ with one
//! second-order cone tᵢⱼ ≥ ‖(differences at (i, j))‖ per entry.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Tv;

/// A vector or column is differenced as one sequence (cvxpy's rule).
fn is_sequence(x: Shape) -> bool {
    x.ndim() == 1 || (x.is_matrix() && x.dims()[1] == 1)
}

/// The forward differences at every (i, j), i < m − 1, j < n − 1, of an m×n matrix:
/// (entry index of Xᵢ,ⱼ₊₁, of Xᵢ₊₁,ⱼ, of Xᵢⱼ) per position, row-major.
fn positions(m: usize, n: usize) -> impl Iterator<Item = (usize, usize, usize)> {
    (0..m.saturating_sub(1)).flat_map(move |i| (0..n - 1).map(move |j| (i * n + j + 1, (i + 1) * n + j, i * n + j)))
}

impl Atom for Tv {
    fn name(&self) -> &'static str {
        "tv"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["x"], variadic: true, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let x = args[0];
        if x.is_scalar() {
            return Err(ShapeError::new(format!("`tv` needs a vector or a matrix, got a scalar (shape {x})"))
                .at(0));
        }
        if args.len() > 1 && is_sequence(x) {
            return Err(ShapeError::new(format!(
                "`tv` takes more than one argument only for matrices (image channels), got shape {x} first"
            ))
            .at(1)
            .help("the total variation of several vectors is a sum: tv(x) + tv(y)"));
        }
        for (i, s) in args.iter().enumerate().skip(1) {
            if *s != x {
                return Err(ShapeError::new(format!(
                    "the matrices of `tv` must have one shape: {x} and {s}"
                ))
                .at(i));
            }
        }
        Ok(Shape::SCALAR)
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
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        let shapes: Vec<Shape> = args.iter().map(|a| a.shape).collect();
        self.shape(&shapes, &[]).map_err(|e| e.message)?;
        let x = args[0];
        if is_sequence(x.shape) {
            return Ok(Array::scalar(x.data.windows(2).map(|w| (w[1] - w[0]).abs()).sum()));
        }
        let (m, n) = x.shape.rows_cols();
        let total = positions(m, n)
            .map(|(right, down, here)| {
                args.iter()
                    .map(|a| {
                        let (dr, dd) = (a.data[right] - a.data[here], a.data[down] - a.data[here]);
                        dr * dr + dd * dd
                    })
                    .sum::<f64>()
                    .sqrt()
            })
            .sum();
        Ok(Array::scalar(total))
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let x = &args[0];
        if is_sequence(shapes[0]) {
            let n = x.size;
            let map: Vec<_> = (0..n.saturating_sub(1)).flat_map(|i| [(i, i + 1, 1.0), (i, i, -1.0)]).collect();
            let d = x.linear_map(n.saturating_sub(1), &map);
            return Ok(super::sum_entries(&super::abs_epigraph(c, &d)));
        }
        // Every difference in one linear map of all the matrices (stacked), laid out
        // position by position: (right, down) of the first matrix, of the second, ….
        let (m, n) = shapes[0].rows_cols();
        let (size, width) = (m * n, 2 * args.len());
        let at: Vec<(usize, usize, usize)> = positions(m, n).collect();
        let mut map = Vec::with_capacity(at.len() * width * 2);
        for (p, &(right, down, here)) in at.iter().enumerate() {
            for a in 0..args.len() {
                let (row, off) = (p * width + 2 * a, a * size);
                map.extend([(row, off + right, 1.0), (row, off + here, -1.0)]);
                map.extend([(row + 1, off + down, 1.0), (row + 1, off + here, -1.0)]);
            }
        }
        // Compact once, so that taking each position's rows is linear in their size.
        let diffs = Affine::concat(args.to_vec()).linear_map(at.len() * width, &map).compact();
        let t = c.var(at.len());
        for p in 0..at.len() {
            let rows: Vec<usize> = (p * width..(p + 1) * width).collect();
            c.soc(t.gather(&[p]), diffs.gather(&rows));
        }
        Ok(super::sum_entries(&t))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array, assert_close};
    use super::*;

    #[test]
    fn tv_shapes() {
        assert_eq!(Tv.shape(&[Shape::vector(4)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(Tv.shape(&[Shape::matrix(3, 4), Shape::matrix(3, 4)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(Tv.shape(&[Shape::SCALAR], &[]).unwrap_err().arg, Some(0));
        assert_eq!(Tv.shape(&[Shape::matrix(3, 4), Shape::matrix(4, 3)], &[]).unwrap_err().arg, Some(1));
        assert_eq!(Tv.shape(&[Shape::vector(3), Shape::vector(3)], &[]).unwrap_err().arg, Some(1));
    }

    #[test]
    fn tv_facts() {
        assert_eq!(Tv.curvature(&[arg(Sign::Unknown)], &[]), AtomCurvature::Convex);
        assert_eq!(Tv.sign(&[arg(Sign::Unknown)], &[]), Sign::Nonneg);
        assert_eq!(Tv.monotonicity(0, &[arg(Sign::Nonneg)], &[]), Mono::None);
    }

    #[test]
    fn tv_evaluates_as_cvxpy() {
        assert_eq!(Tv.eval(&[&array(&[4], &[1.0, 3.0, 2.0, 2.5])], &[]).unwrap().data, vec![3.5]);
        assert_eq!(Tv.eval(&[&array(&[3, 1], &[1.0, -1.0, 0.0])], &[]).unwrap().data, vec![3.0]);
        // One position (0, 0) of a 2×2: differences 3 (right) and 4 (down).
        let x = array(&[2, 2], &[1.0, 4.0, 5.0, 100.0]);
        assert_close(&Tv.eval(&[&x], &[]).unwrap().data, &[5.0]);
        // Two channels share each norm: ‖(3, 4, 0, 12)‖ = 13.
        let y = array(&[2, 2], &[0.0, 0.0, 12.0, -7.0]);
        assert_close(&Tv.eval(&[&x, &y], &[]).unwrap().data, &[13.0]);
        // [2, 3]: positions (0, 0) and (0, 1).
        let z = array(&[2, 3], &[0.0, 1.0, 2.0, 0.0, 0.0, 2.0]);
        assert_close(&Tv.eval(&[&z], &[]).unwrap().data, &[1.0 + 2f64.sqrt()]);
    }
}

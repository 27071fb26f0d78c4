//! `convolve(a, x)` is the full discrete convolution of two vectors (scalars count as
//! vectors of one entry), numpy's `convolve`: for a\[n\] and x\[m\], the vector
//! \[n + m − 1\] with entries cₖ = Σ_{i+j=k} aᵢ·xⱼ. Affine when one argument is
//! constant — or, for DPP, a parameter and the other free of parameters (cvxpy asks
//! for a constant first argument; a parameter kernel is an extension); the sign
//! follows the product rule; increasing in each argument when the other is
//! nonnegative, decreasing when it is nonpositive. `conv` is the same atom under
//! cvxpy's older name.
//!
//! Conic form: affine: the bilinear map Σ aᵢ·xₖ₋ᵢ with one constant (or parameter)
//! factor, no cones.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Convolve;

/// The shape rule of `convolve` and `conv`: two vectors (or scalars) → \[n + m − 1\].
pub(crate) fn full_length(name: &str, args: &[Shape]) -> Result<Shape, ShapeError> {
    for (i, s) in args.iter().enumerate() {
        if s.is_matrix() {
            return Err(ShapeError::new(format!("`{name}` needs two vectors, got shape {s}"))
                .at(i)
                .help("convolve the columns one at a time, or flatten with vec(X)"));
        }
    }
    Ok(Shape::vector(args[0].size() + args[1].size() - 1))
}

impl Atom for Convolve {
    fn name(&self) -> &'static str {
        "convolve"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["a", "x"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        full_length(self.name(), args)
    }
    fn curvature(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        super::product_curvature(&args[0], &args[1])
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        super::sum_of_products_sign(&args[0], &args[1])
    }
    fn monotonicity(&self, i: usize, args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        super::product_mono(&args[1 - i])
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        let shape = full_length("convolve", &[args[0].shape, args[1].shape]).map_err(|e| e.message)?;
        let (a, x) = (&args[0].data, &args[1].data);
        let mut data = vec![0.0; shape.size()];
        for (i, ai) in a.iter().enumerate() {
            for (j, xj) in x.iter().enumerate() {
                data[i + j] += ai * xj;
            }
        }
        Ok(Array { shape, data })
    }
    fn canonicalize(
        &self,
        _c: &mut ConeBuilder,
        args: &[Affine],
        _shapes: &[Shape],
        _statics: &[Option<f64>],
        out: Shape,
    ) -> Result<Affine, String> {
        let (n, m) = (args[0].size, args[1].size);
        let map = (0..n).flat_map(|i| (0..m).map(move |j| (i + j, i, j, 1.0)));
        args[0].bilinear_iter(&args[1], out.size(), map)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn convolve_shapes() {
        assert_eq!(Convolve.shape(&[Shape::vector(3), Shape::vector(4)], &[]).unwrap(), Shape::vector(6));
        assert_eq!(Convolve.shape(&[Shape::SCALAR, Shape::vector(4)], &[]).unwrap(), Shape::vector(4));
        assert_eq!(Convolve.shape(&[Shape::vector(3), Shape::matrix(4, 1)], &[]).unwrap_err().arg, Some(1));
    }

    #[test]
    fn convolve_facts() {
        assert_eq!(Convolve.sign(&[arg(Sign::Nonneg), arg(Sign::Nonpos)], &[]), Sign::Nonpos);
        assert_eq!(Convolve.monotonicity(1, &[arg(Sign::Nonneg), arg(Sign::Unknown)], &[]), Mono::Increasing);
    }

    #[test]
    fn convolve_follows_numpy() {
        // np.convolve([1, 2, 3], [0, 1, 0.5]) = [0, 1, 2.5, 4, 1.5]
        let c = Convolve.eval(&[&array(&[3], &[1.0, 2.0, 3.0]), &array(&[3], &[0.0, 1.0, 0.5])], &[]).unwrap();
        assert_eq!(c.data, vec![0.0, 1.0, 2.5, 4.0, 1.5]);
    }
}

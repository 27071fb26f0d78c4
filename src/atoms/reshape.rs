//! `reshape(x, m)` gives a vector \[m\] and `reshape(x, m, n)` a matrix [m, n] holding
//! the entries of x in row-major (C) order, as numpy's `reshape`; the number of
//! entries must not change. (cvxpy's `reshape` has defaulted to column-major order;
//! dopt follows numpy.) Affine, increasing; the sign is that of the entries of x.
//!
//! Conic form: affine: the identity on the row-major entries, no cones.

use super::{
    Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature, StaticKind, StaticParam,
};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Reshape;

/// A requested extent: an integer of at least 1.
fn extent(name: &str, value: f64) -> Result<usize, ShapeError> {
    if (1.0..=usize::MAX as f64).contains(&value) {
        Ok(value as usize)
    } else {
        Err(ShapeError::new(format!("`reshape` needs extents of at least 1, got {name} = {value}")))
    }
}

impl Atom for Reshape {
    fn name(&self) -> &'static str {
        "reshape"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: false,
            statics: const {
                &[StaticParam::required("m", StaticKind::Int), StaticParam::optional("n", StaticKind::Int)]
            },
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let x = args[0];
        let m = extent("m", statics[0].unwrap_or(0.0))?;
        let target = match statics[1] {
            None => Shape::vector(m),
            Some(n) => Shape::matrix(m, extent("n", n)?),
        };
        let size = target.dims().iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
        if size == Some(x.size()) {
            Ok(target)
        } else {
            Err(ShapeError::new(format!(
                "`reshape` cannot turn shape {x} ({} entries) into shape {target} ({} entries)",
                x.size(),
                size.map_or_else(|| "too many".to_string(), |s| s.to_string())
            ))
            .at(0)
            .help("the number of entries must stay the same"))
        }
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Affine
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        args[0].sign
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        // Row-major storage: the entries keep their order.
        let shape = self.shape(&[args[0].shape], statics).map_err(|e| e.message)?;
        Ok(Array { shape, data: args[0].data.clone() })
    }
    fn canonicalize(
        &self,
        _c: &mut ConeBuilder,
        args: &[Affine],
        _shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        Ok(args[0].clone())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn reshape_keeps_the_number_of_entries() {
        let x = [Shape::matrix(3, 4)];
        assert_eq!(Reshape.shape(&x, &[Some(12.0), None]).unwrap(), Shape::vector(12));
        assert_eq!(Reshape.shape(&x, &[Some(2.0), Some(6.0)]).unwrap(), Shape::matrix(2, 6));
        assert_eq!(Reshape.shape(&x, &[Some(12.0), Some(1.0)]).unwrap(), Shape::matrix(12, 1));
        let s = [Shape::SCALAR];
        assert_eq!(Reshape.shape(&s, &[Some(1.0), Some(1.0)]).unwrap(), Shape::matrix(1, 1));
    }

    #[test]
    fn reshape_rejects_a_different_size_or_bad_extents() {
        let x = [Shape::matrix(3, 4)];
        let e = Reshape.shape(&x, &[Some(5.0), Some(2.0)]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("12") && e.message.contains("10"), "{}", e.message);
        assert!(e.message.contains("[3, 4]") && e.message.contains("[5, 2]"));
        assert!(Reshape.shape(&x, &[Some(13.0), None]).is_err());
        assert!(Reshape.shape(&x, &[Some(0.0), Some(12.0)]).is_err());
        assert!(Reshape.shape(&x, &[Some(-3.0), Some(-4.0)]).is_err());
        assert!(Reshape.shape(&x, &[Some(1e300), Some(1e300)]).is_err());
    }

    #[test]
    fn reshape_facts() {
        assert_eq!(Reshape.sign(&[arg(Sign::Nonpos)], &[Some(3.0), None]), Sign::Nonpos);
        assert_eq!(Reshape.curvature(&[arg(Sign::Unknown)], &[Some(3.0), None]), AtomCurvature::Affine);
        assert_eq!(Reshape.monotonicity(0, &[arg(Sign::Unknown)], &[Some(3.0), None]), Mono::Increasing);
    }

    #[test]
    fn reshape_is_row_major() {
        let x = array(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let r = Reshape.eval(&[&x], &[Some(3.0), Some(2.0)]).unwrap();
        assert_eq!(r.shape, Shape::matrix(3, 2));
        // numpy: [[1, 2], [3, 4], [5, 6]]
        assert_eq!((r.at(1, 0), r.at(2, 1)), (3.0, 6.0));
        let v = Reshape.eval(&[&x], &[Some(6.0), None]).unwrap();
        assert_eq!((v.shape, v.data), (Shape::vector(6), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
        assert!(Reshape.eval(&[&x], &[Some(4.0), None]).is_err());
    }
}

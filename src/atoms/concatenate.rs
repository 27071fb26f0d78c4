//! `concatenate(x, ..., axis=0)` joins its arguments along an existing axis, as numpy's
//! and cvxpy's `concatenate` (cvxpy takes the arguments as a list, `concatenate([a, b])`;
//! here they are the call's arguments, as for `hstack` and `vstack`). Every argument
//! must have the same number of axes (1 or 2: a scalar cannot be joined) and the same
//! extents except along `axis` (0, or 1 for matrices; a negative axis counts from the
//! end); the result's extent along `axis` is the sum of theirs. Affine, increasing in
//! every argument; the sign is the join of the arguments' signs.
//!
//! Conic form: affine: along axis 0 the row-major entries one argument after another;
//! along axis 1 the gather of `hstack`; no cones.

use super::hstack::Hstack;
use super::{
    Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature, StaticKind,
    StaticParam,
};
use crate::ir::array::Array;
use crate::ir::shape::Shape;

pub(crate) struct Concatenate;

/// The axis of a call, counted from the front, or why there is none.
fn axis_of(args: &[Shape], statics: &[Option<f64>]) -> Result<usize, ShapeError> {
    let ndim = args[0].ndim();
    let axis = statics[0].unwrap_or(0.0) as i64;
    let k = if axis < 0 { axis + ndim as i64 } else { axis };
    if ndim == 0 || !(0..ndim as i64).contains(&k) {
        let what = if ndim == 0 {
            "a scalar has no axis to join along".to_string()
        } else {
            format!("argument 0 has shape {} ({ndim} ax{})", args[0], if ndim == 1 { "is" } else { "es" })
        };
        return Err(ShapeError::new(format!("`concatenate` cannot join along axis {axis}: {what}"))
            .at(0)
            .help("join vectors along axis 0, matrices along axis 0 or 1 (write a scalar as a vector with reshape(x, 1))"));
    }
    Ok(k as usize)
}

impl Atom for Concatenate {
    fn name(&self) -> &'static str {
        "concatenate"
    }
    fn signature(&self) -> Signature {
        Signature {
            args: &["x"],
            variadic: true,
            statics: const { &[StaticParam::with_default("axis", StaticKind::Int, 0.0)] },
        }
    }
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        let axis = axis_of(args, statics)?;
        let mut dims = args[0].dims().to_vec();
        for (i, s) in args.iter().enumerate().skip(1) {
            let fits = s.ndim() == dims.len()
                && s.dims().iter().zip(&dims).enumerate().all(|(k, (a, b))| k == axis || a == b);
            if !fits {
                return Err(ShapeError::new(format!(
                    "`concatenate` along axis {axis} needs arguments with the same number of axes and \
                     the same extents on the other axis: argument 0 has shape {}, argument {i} has shape {s}",
                    args[0]
                ))
                .at(i));
            }
            dims[axis] += s.dims()[axis];
        }
        Ok(Shape::from_dims(&dims).expect("at most two axes"))
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Affine
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        super::joined_sign(args)
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        let shapes: std::vec::Vec<Shape> = args.iter().map(|a| a.shape).collect();
        let shape = self.shape(&shapes, statics).map_err(|e| e.message)?;
        if shape.ndim() == 2 && axis_of(&shapes, statics).map_err(|e| e.message)? == 1 {
            return Hstack.eval(args, &[]);
        }
        Ok(Array { shape, data: args.iter().flat_map(|a| a.data.iter().copied()).collect() })
    }
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        out: Shape,
    ) -> Result<Affine, String> {
        if out.ndim() == 2 && axis_of(shapes, statics).map_err(|e| e.message)? == 1 {
            return Hstack.canonicalize(c, args, shapes, &[], out);
        }
        Ok(Affine::concat(args.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    fn shape(args: &[Shape], axis: f64) -> Result<Shape, ShapeError> {
        Concatenate.shape(args, &[Some(axis)])
    }

    #[test]
    fn concatenate_follows_numpy() {
        let (v, m) = (Shape::vector, Shape::matrix);
        assert_eq!(shape(&[v(3), v(2)], 0.0).unwrap(), v(5));
        assert_eq!(shape(&[v(3), v(2)], -1.0).unwrap(), v(5));
        assert_eq!(shape(&[m(2, 3), m(1, 3)], 0.0).unwrap(), m(3, 3));
        assert_eq!(shape(&[m(2, 3), m(2, 1), m(2, 2)], 1.0).unwrap(), m(2, 6));
        assert_eq!(shape(&[m(2, 3), m(2, 1)], -1.0).unwrap(), m(2, 4));
    }

    #[test]
    fn concatenate_rejects_scalars_mixed_axes_and_mismatches() {
        let (v, m) = (Shape::vector, Shape::matrix);
        let e = shape(&[Shape::SCALAR, v(2)], 0.0).unwrap_err();
        assert!(e.message.contains("a scalar has no axis"), "{}", e.message);
        let e = shape(&[v(3), v(2)], 1.0).unwrap_err();
        assert!(e.message.contains("axis 1") && e.message.contains("[3] (1 axis)"), "{}", e.message);
        let e = shape(&[m(2, 3), v(3)], 0.0).unwrap_err();
        assert_eq!(e.arg, Some(1));
        let e = shape(&[m(2, 3), m(2, 2)], 0.0).unwrap_err();
        assert_eq!(e.arg, Some(1));
        assert!(e.message.contains("[2, 2]") && e.message.contains("[2, 3]"), "{}", e.message);
        assert!(shape(&[m(2, 3), m(3, 3)], 1.0).is_err());
    }

    #[test]
    fn concatenate_facts_and_values() {
        let (p, z, n) = (arg(Sign::Nonneg), arg(Sign::Zero), arg(Sign::Nonpos));
        assert_eq!(Concatenate.sign(&[p, z], &[Some(0.0)]), Sign::Nonneg);
        assert_eq!(Concatenate.sign(&[p, n], &[Some(0.0)]), Sign::Unknown);
        assert_eq!(Concatenate.monotonicity(1, &[p, n], &[Some(0.0)]), Mono::Increasing);
        let a = array(&[2, 1], &[1.0, 2.0]);
        let b = array(&[2, 2], &[3.0, 4.0, 5.0, 6.0]);
        let m = Concatenate.eval(&[&a, &b], &[Some(1.0)]).unwrap();
        assert_eq!((m.shape, m.data), (Shape::matrix(2, 3), vec![1.0, 3.0, 4.0, 2.0, 5.0, 6.0]));
        let c = array(&[1, 2], &[7.0, 8.0]);
        let m = Concatenate.eval(&[&b, &c], &[Some(0.0)]).unwrap();
        assert_eq!((m.shape, m.data), (Shape::matrix(3, 2), vec![3.0, 4.0, 5.0, 6.0, 7.0, 8.0]));
    }
}

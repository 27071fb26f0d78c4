//! `trace(X)` = Σᵢ Xᵢᵢ, the sum of the diagonal of a square matrix X[n, n].
//! Affine, increasing; nonnegative when the entries of X are or X is positive
//! semidefinite (nonpositive likewise, as cvxpy). The result is a scalar.
//!
//! Conic form: affine: the linear map Σᵢ Xᵢᵢ, no cones.

use super::{Affine, ArgInfo, Atom, AtomCurvature, ConeBuilder, Mono, ShapeError, Sign, Signature};
use crate::ir::array::Array;
use crate::ir::shape::Shape;
use crate::linalg;

/// Is X known to be positive (`.0`) or negative (`.1`) semidefinite: from a `psd`/`nsd`
/// attribute, or from its value when constant.
fn definiteness(x: &ArgInfo) -> (bool, bool) {
    if let Some(v) = x.value {
        return (linalg::is_psd(v), linalg::is_nsd(v));
    }
    x.attrs.map_or((false, false), |a| (a.psd, a.nsd))
}

pub(crate) struct Trace;

impl Atom for Trace {
    fn name(&self) -> &'static str {
        "trace"
    }
    fn signature(&self) -> Signature {
        Signature { args: &["X"], variadic: false, statics: &[] }
    }
    fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, ShapeError> {
        super::require_square("trace", args, 0)?;
        Ok(Shape::SCALAR)
    }
    fn curvature(&self, _args: &[ArgInfo], _statics: &[Option<f64>]) -> AtomCurvature {
        AtomCurvature::Affine
    }
    fn sign(&self, args: &[ArgInfo], _statics: &[Option<f64>]) -> Sign {
        let (psd, nsd) = definiteness(&args[0]);
        super::sign_from_flags(args[0].sign.is_nonneg() || psd, args[0].sign.is_nonpos() || nsd)
    }
    fn monotonicity(&self, _i: usize, _args: &[ArgInfo], _statics: &[Option<f64>]) -> Mono {
        Mono::Increasing
    }
    fn eval(&self, args: &[&Array], _statics: &[Option<f64>]) -> Result<Array, String> {
        let x = args[0];
        let (m, n) = x.shape.rows_cols();
        Ok(Array::scalar((0..m.min(n)).map(|i| x.data[i * n + i]).sum()))
    }
    fn canonicalize(
        &self,
        _c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        _statics: &[Option<f64>],
        _out: Shape,
    ) -> Result<Affine, String> {
        let n = shapes[0].dims()[0];
        let map: Vec<_> = (0..n).map(|i| (0, i * n + i, 1.0)).collect();
        Ok(args[0].linear_map(1, &map))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, array};
    use super::*;

    #[test]
    fn trace_of_a_square_matrix_is_a_scalar() {
        assert_eq!(Trace.shape(&[Shape::matrix(4, 4)], &[]).unwrap(), Shape::SCALAR);
        assert_eq!(Trace.shape(&[Shape::matrix(1, 1)], &[]).unwrap(), Shape::SCALAR);
    }

    #[test]
    fn trace_rejects_non_square_arguments() {
        let e = Trace.shape(&[Shape::matrix(4, 3)], &[]).unwrap_err();
        assert_eq!(e.arg, Some(0));
        assert!(e.message.contains("[4, 3]"));
        assert!(Trace.shape(&[Shape::vector(4)], &[]).is_err());
        assert!(Trace.shape(&[Shape::SCALAR], &[]).is_err());
    }

    #[test]
    fn trace_facts() {
        assert_eq!(Trace.sign(&[arg(Sign::Nonpos)], &[]), Sign::Nonpos);
        assert_eq!(Trace.sign(&[arg(Sign::Unknown)], &[]), Sign::Unknown);
        let psd = crate::ir::array::Attrs { psd: true, ..Default::default() };
        assert_eq!(Trace.sign(&[ArgInfo { attrs: Some(psd), ..arg(Sign::Unknown) }], &[]), Sign::Nonneg);
        assert_eq!(Trace.curvature(&[arg(Sign::Unknown)], &[]), AtomCurvature::Affine);
        assert_eq!(Trace.monotonicity(0, &[arg(Sign::Unknown)], &[]), Mono::Increasing);
    }

    #[test]
    fn trace_sums_the_diagonal() {
        let x = array(&[3, 3], &[1.0, 9.0, 9.0, 9.0, -2.0, 9.0, 9.0, 9.0, 4.0]);
        assert_eq!(Trace.eval(&[&x], &[]).unwrap().data, vec![3.0]);
        let nsd = array(&[2, 2], &[-1.0, 0.5, 0.5, -1.0]);
        let info = ArgInfo { value: Some(&nsd), ..arg(Sign::Unknown) };
        assert_eq!(Trace.sign(&[info], &[]), Sign::Nonpos);
    }
}

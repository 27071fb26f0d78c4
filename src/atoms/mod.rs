//! The atom library: one file per atom, registered by one line in the `atoms!` list
//! (which makes [`ATOMS`]).
//!
//! Each file holds everything about its atom: a `//!` header with the math, the
//! shape rule, and (as the analysis grows) sign, curvature, monotonicity, numeric
//! evaluation and the conic form. Operators (`+ - * / @`, `.T`, indexing) are not
//! atoms: they live in the IR itself.

use crate::conic::{Affine, ConeBuilder};
pub use crate::ir::algebra::{AtomCurvature, Curvature, Mono, Sign, by_sign};
use crate::ir::array::{Array, Attrs};
use crate::ir::shape::Shape;

/// Whether a compile-time argument must be an integer or may be any real number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaticKind {
    /// An integer (`axis`, `k`); a non-integer value is an error.
    Int,
    /// Any real number (`p`, `M`).
    Real,
    /// A flag (`keepdims=True`): `True`/`False` or 1/0, seen by the atom as 1.0/0.0.
    Bool,
}

/// A compile-time numeric argument of an atom (`axis`, `p`, `k`, `M`, ...). It
/// follows the expression arguments and may also be given by name (`huber(x, M=2)`).
/// In a `Signature`, write the list as `const { &[StaticParam::required(..)] }` so
/// that it is a `'static` constant.
#[derive(Clone, Copy, Debug)]
pub struct StaticParam {
    /// The keyword name (`huber(x, M=2)`).
    pub name: &'static str,
    /// Integer or real.
    pub kind: StaticKind,
    /// `true` when the argument may be left out (then `default` is used, or the
    /// atom sees `None` when there is no default).
    pub optional: bool,
    /// The value used when the argument is left out.
    pub default: Option<f64>,
    /// String spellings the argument also takes, with their values (`norm`'s
    /// `p="fro"`); empty for most.
    pub words: &'static [(&'static str, f64)],
}

impl StaticParam {
    /// An argument that must be given.
    pub const fn required(name: &'static str, kind: StaticKind) -> StaticParam {
        StaticParam { name, kind, optional: false, default: None, words: &[] }
    }
    /// An argument that may be left out (the atom then sees `None`).
    pub const fn optional(name: &'static str, kind: StaticKind) -> StaticParam {
        StaticParam { name, kind, optional: true, default: None, words: &[] }
    }
    /// An argument that may be left out, then taking `default`.
    pub const fn with_default(name: &'static str, kind: StaticKind, default: f64) -> StaticParam {
        StaticParam { name, kind, optional: true, default: Some(default), words: &[] }
    }
    /// The same argument, also taking these string spellings.
    pub const fn with_words(self, words: &'static [(&'static str, f64)]) -> StaticParam {
        StaticParam { words, ..self }
    }
}

/// How an atom is called.
#[derive(Clone, Copy, Debug)]
pub struct Signature {
    /// Names of the expression arguments, in order.
    pub args: &'static [&'static str],
    /// The last expression argument repeats: the call takes `args.len()` or more.
    pub variadic: bool,
    /// Compile-time numeric arguments after the expression arguments.
    pub statics: &'static [StaticParam],
}

/// Why an atom cannot take arguments of these shapes (or these static values).
#[derive(Clone, Debug, PartialEq)]
pub struct ShapeError {
    /// The error message (the diagnostic's headline).
    pub message: String,
    /// The expression argument to point at, when one is to blame.
    pub arg: Option<usize>,
    /// A suggested fix, shown as `= help:`.
    pub help: Option<String>,
}

impl ShapeError {
    /// An error with this message, blaming no argument in particular.
    pub fn new(message: impl Into<String>) -> ShapeError {
        ShapeError { message: message.into(), arg: None, help: None }
    }
    /// Blame expression argument `arg` (0-based).
    pub fn at(mut self, arg: usize) -> ShapeError {
        self.arg = Some(arg);
        self
    }
    /// Attach a suggested fix.
    pub fn help(mut self, help: impl Into<String>) -> ShapeError {
        self.help = Some(help.into());
        self
    }
}

/// What the analysis knows about one argument when it asks an atom about itself.
#[derive(Clone, Copy, Debug)]
pub struct ArgInfo<'a> {
    /// The argument's shape.
    pub shape: Shape,
    /// The sign of its entries.
    pub sign: Sign,
    /// Curvature in the current analysis (parameters count as constants for DCP and
    /// as affine for DPP).
    pub curvature: Curvature,
    /// It depends on a variable.
    pub has_vars: bool,
    /// It depends on a parameter.
    pub has_params: bool,
    /// The value, when the argument is a compile-time constant (no parameters, no
    /// variables).
    pub value: Option<&'a Array>,
    /// The declared attributes, when the argument is a parameter or variable itself.
    pub attrs: Option<Attrs>,
}

impl ArgInfo<'_> {
    /// Affine in the parameters and free of variables (DPP's "parameter-affine").
    pub fn param_affine(&self) -> bool {
        !self.has_vars && self.curvature.is_affine()
    }
    /// Free of parameters.
    pub fn param_free(&self) -> bool {
        !self.has_params
    }
    /// Constant in the current analysis (in DCP mode parameters are constant).
    pub fn is_constant(&self) -> bool {
        self.curvature.is_constant()
    }
}

/// Curvature of a product of two factors (elementwise, matrix or Kronecker): affine
/// when one factor is constant — or, for DPP, when one is parameter-affine and the
/// other parameter-free; otherwise not DCP.
pub fn product_curvature(a: &ArgInfo, b: &ArgInfo) -> AtomCurvature {
    if a.is_constant()
        || b.is_constant()
        || (a.param_affine() && b.param_free())
        || (b.param_affine() && a.param_free())
    {
        AtomCurvature::Affine
    } else {
        AtomCurvature::Neither
    }
}

/// The sign of a sum of products of entries of `a` and `b` (vdot, convolve): the
/// products' sign, summed with itself (so a zero stays zero and mixed signs are unknown).
pub fn sum_of_products_sign(a: &ArgInfo, b: &ArgInfo) -> Sign {
    let s = a.sign.mul(b.sign);
    s.add(s)
}

/// Monotonicity of a product in one factor: the sign of the other factor decides.
pub fn product_mono(other: &ArgInfo) -> Mono {
    match other.sign {
        Sign::Nonneg | Sign::Zero => Mono::Increasing,
        Sign::Nonpos => Mono::Decreasing,
        Sign::Unknown => Mono::None,
    }
}

/// The sign from cvxpy's pair of flags (is nonnegative, is nonpositive): both means
/// zero.
pub fn sign_from_flags(nonneg: bool, nonpos: bool) -> Sign {
    match (nonneg, nonpos) {
        (true, true) => Sign::Zero,
        (true, false) => Sign::Nonneg,
        (false, true) => Sign::Nonpos,
        (false, false) => Sign::Unknown,
    }
}

/// Everything the compiler knows about one atom.
pub trait Atom: Sync + Send {
    /// The name used in `.dopt` files (cvxpy's name).
    fn name(&self) -> &'static str;
    /// Arguments and compile-time parameters.
    fn signature(&self) -> Signature;
    /// The shape of the result, given the shapes of the expression arguments and the
    /// compile-time arguments (defaults applied; `None` for an omitted optional one).
    fn shape(&self, args: &[Shape], statics: &[Option<f64>]) -> Result<Shape, ShapeError>;

    /// Intrinsic curvature for these arguments (most atoms: a fixed answer).
    fn curvature(&self, args: &[ArgInfo], statics: &[Option<f64>]) -> AtomCurvature;
    /// Sign of the result, from the arguments' signs.
    fn sign(&self, args: &[ArgInfo], statics: &[Option<f64>]) -> Sign;
    /// Monotonicity in argument `i` (may depend on the arguments' signs).
    fn monotonicity(&self, i: usize, args: &[ArgInfo], statics: &[Option<f64>]) -> Mono;
    /// The value on constant arguments; an error message outside the domain.
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String>;
    /// The conic form: the expression of an epigraph variable t ≥ f(args) for a convex
    /// atom (hypograph t ≤ f(args) for a concave one; f(args) itself for an affine
    /// one), adding the cone constraints that tie t to the arguments. `args[i]` is the
    /// canonical form of argument i (entries row-major, shape `shapes[i]`); the result
    /// has `out.size()` entries. The DCP analysis only lets a convex atom appear where
    /// it is bounded above (a concave one where it is bounded below), so the form may
    /// introduce epigraph variables; it must never cut off a point of the epigraph, and
    /// it must stay affine in the parameters (arguments are only combined with numbers).
    fn canonicalize(
        &self,
        c: &mut ConeBuilder,
        args: &[Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        out: Shape,
    ) -> Result<Affine, String>;
    /// Arguments that must be free of parameters for the problem data to stay affine
    /// in the parameters (DPP), e.g. the denominator of `quad_over_lin`.
    fn param_free_args(&self) -> &'static [usize] {
        &[]
    }
    /// A geometric-program atom (cvxpy's DGP-only `prod`, `one_minus_pos`,
    /// `diff_pos`): it has a log-log form (`dgp` rewrites it) but no conic one, and
    /// the analysis refuses it in a problem not marked `geometric`.
    fn geometric_only(&self) -> bool {
        false
    }
}

/// The error of a geometric-program atom's `canonicalize` (`{}`: its name), which the
/// analysis never lets run.
pub const GEOMETRIC_ONLY_FORM: &str =
    "`{}` is a geometric-program atom: it has no conic form outside a problem marked `geometric`";

pub use crate::ir::hir::AtomId;

/// An [`AtomId`] (defined in `ir`, which knows no atom) is an index into [`ATOMS`].
impl AtomId {
    /// The registered atom.
    pub fn atom(self) -> &'static dyn Atom {
        ATOMS[self.index()]
    }
    /// The atom's name in `.dopt` files.
    pub fn name(self) -> &'static str {
        self.atom().name()
    }
}

/// An atom that is another one under cvxpy's second name (`conv` for `convolve`,
/// `scalar_product` for `vdot`): every fact, value and form is the other atom's; only
/// the name, and so the shape rule's messages (`$shape(name, args)`), differ.
macro_rules! renamed_atom {
    ($ty:ident, $name:literal, $inner:path, $shape:path) => {
        pub(crate) struct $ty;

        impl super::Atom for $ty {
            fn name(&self) -> &'static str {
                $name
            }
            fn signature(&self) -> super::Signature {
                $inner.signature()
            }
            fn shape(&self, args: &[Shape], _statics: &[Option<f64>]) -> Result<Shape, super::ShapeError> {
                $shape($name, args)
            }
            fn curvature(&self, args: &[super::ArgInfo], statics: &[Option<f64>]) -> super::AtomCurvature {
                $inner.curvature(args, statics)
            }
            fn sign(&self, args: &[super::ArgInfo], statics: &[Option<f64>]) -> super::Sign {
                $inner.sign(args, statics)
            }
            fn monotonicity(
                &self,
                i: usize,
                args: &[super::ArgInfo],
                statics: &[Option<f64>],
            ) -> super::Mono {
                $inner.monotonicity(i, args, statics)
            }
            fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
                $inner.eval(args, statics)
            }
            fn canonicalize(
                &self,
                c: &mut super::ConeBuilder,
                args: &[super::Affine],
                shapes: &[Shape],
                statics: &[Option<f64>],
                out: Shape,
            ) -> Result<super::Affine, String> {
                $inner.canonicalize(c, args, shapes, statics, out)
            }
        }
    };
}

/// The conic form and the flag of a geometric-program atom (`prod`, `one_minus_pos`,
/// `diff_pos`), inside its `impl Atom`: no conic form (the analysis refuses the atom
/// outside a geometric program, whose log-domain form no longer has it).
macro_rules! geometric_only_atom {
    ($name:literal) => {
        fn canonicalize(
            &self,
            _c: &mut super::ConeBuilder,
            _args: &[super::Affine],
            _shapes: &[Shape],
            _statics: &[Option<f64>],
            _out: Shape,
        ) -> Result<super::Affine, String> {
            Err(super::GEOMETRIC_ONLY_FORM.replace("{}", $name))
        }
        fn geometric_only(&self) -> bool {
            true
        }
    };
}

macro_rules! atoms {
    ($($module:ident => $ty:ident),* $(,)?) => {
        $(pub mod $module;)*
        /// Every registered atom.
        pub static ATOMS: &[&dyn Atom] = &[$(&$module::$ty),*];
        /// The module (file) name of each registered atom, in [`ATOMS`] order.
        pub const MODULES: &[&str] = &[$(stringify!($module)),*];
    };
}

atoms! {
    // affine
    sum => Sum,
    trace => Trace,
    diag => Diag,
    reshape => Reshape,
    vec => Vec,
    hstack => Hstack,
    vstack => Vstack,
    concatenate => Concatenate,
    cumsum => Cumsum,
    diff => Diff,
    multiply => Multiply,
    kron => Kron,
    mean => Mean,
    outer => Outer,
    vdot => Vdot,
    scalar_product => ScalarProduct,
    upper_tri => UpperTri,
    transpose => Transpose,
    convolve => Convolve,
    conv => Conv,
    // elementwise
    abs => Abs,
    pos => Pos,
    neg => Neg,
    square => Square,
    power => Power,
    exp => Exp,
    log => Log,
    sqrt => Sqrt,
    entr => Entr,
    logistic => Logistic,
    inv_pos => InvPos,
    huber => Huber,
    kl_div => KlDiv,
    rel_entr => RelEntr,
    maximum => Maximum,
    minimum => Minimum,
    log1p => Log1p,
    xexp => Xexp,
    cummax => Cummax,
    log_normcdf => LogNormcdf,
    loggamma => Loggamma,
    // reductions to a scalar
    norm1 => Norm1,
    norm2 => Norm2,
    norm_inf => NormInf,
    norm => Norm,
    sum_squares => SumSquares,
    quad_form => QuadForm,
    quad_over_lin => QuadOverLin,
    log_sum_exp => LogSumExp,
    max => Max,
    min => Min,
    sum_largest => SumLargest,
    sum_smallest => SumSmallest,
    geo_mean => GeoMean,
    norm_fro => NormFro,
    tv => Tv,
    ptp => Ptp,
    inv_prod => InvProd,
    harmonic_mean => HarmonicMean,
    dotsort => Dotsort,
    cvar => Cvar,
    mixed_norm => MixedNorm,
    var => Var,
    std => Std,
    // matrix
    lambda_max => LambdaMax,
    lambda_min => LambdaMin,
    lambda_sum_largest => LambdaSumLargest,
    lambda_sum_smallest => LambdaSumSmallest,
    log_det => LogDet,
    sigma_max => SigmaMax,
    norm_nuc => NormNuc,
    matrix_frac => MatrixFrac,
    tr_inv => TrInv,
    von_neumann_entr => VonNeumannEntr,
    // geometric programs only
    prod => Prod,
    one_minus_pos => OneMinusPos,
    diff_pos => DiffPos,
}

/// The atom called `name`, if there is one.
pub fn lookup(name: &str) -> Option<AtomId> {
    ATOMS.iter().position(|a| a.name() == name).map(|i| AtomId(i as u32))
}

// ---------------------------------------------------------------------------
// Shape helpers shared by the atom files.

/// Elementwise atoms of one argument keep its shape.
pub fn same_shape(args: &[Shape]) -> Result<Shape, ShapeError> {
    Ok(args[0])
}

/// Elementwise atoms of several arguments broadcast them (numpy rules).
pub fn broadcast_args(name: &str, args: &[Shape]) -> Result<Shape, ShapeError> {
    let mut acc = args[0];
    for (i, s) in args.iter().enumerate().skip(1) {
        acc = Shape::broadcast(acc, *s).ok_or_else(|| {
            ShapeError::new(format!(
                "the arguments of `{name}` cannot be broadcast together: {} and {}",
                acc, s
            ))
            .at(i)
        })?;
    }
    Ok(acc)
}

/// Reductions to a scalar accept any shape.
pub fn scalar(_args: &[Shape]) -> Result<Shape, ShapeError> {
    Ok(Shape::SCALAR)
}

/// A reduction of a scalar or vector (not a matrix) argument to a scalar.
pub fn vector_to_scalar(name: &str, x: Shape) -> Result<Shape, ShapeError> {
    if x.is_matrix() {
        Err(ShapeError::new(format!("`{name}` needs a vector argument, got shape {x}"))
            .at(0)
            .help(format!("use {name}(vec(X))")))
    } else {
        Ok(Shape::SCALAR)
    }
}

/// The sign of an atom that gathers its arguments' entries (`hstack`, `vstack`,
/// `concatenate`): the join of their signs.
pub fn joined_sign(args: &[ArgInfo]) -> Sign {
    args.iter().skip(1).fold(args[0].sign, |s, a| s.join(a.sign))
}

/// Require a square matrix argument.
pub fn require_square(name: &str, args: &[Shape], i: usize) -> Result<usize, ShapeError> {
    let s = args[i];
    if s.is_square() {
        Ok(s.dims()[0])
    } else {
        Err(ShapeError::new(format!("`{name}` needs a square matrix, got shape {s}")).at(i))
    }
}

/// Require a symmetric value (to the relative tolerance of [`crate::linalg::is_symmetric`]) for
/// an atom defined on symmetric matrices only: a non-symmetric constant is outside
/// its domain (the conic form of a non-constant one adds `X = Xᵀ`).
pub fn require_symmetric(name: &str, x: &Array) -> Result<(), String> {
    if crate::linalg::is_symmetric(x) {
        Ok(())
    } else {
        Err(format!("`{name}` is defined on symmetric matrices only, and this one is not symmetric"))
    }
}

/// The eigenvalues (ascending) of a symmetric matrix argument (named `arg` in the
/// message) that must be positive
/// definite (`strict`) or semidefinite (`tr_inv`, `von_neumann_entr`), to the tolerance of
/// [`crate::linalg::PSD_RTOL`]; otherwise the domain error naming the atom.
pub fn definite_eigvals(
    name: &str,
    arg: &str,
    x: &Array,
    strict: bool,
) -> Result<::std::vec::Vec<f64>, String> {
    require_square(name, &[x.shape], 0).map_err(|e| e.message)?;
    require_symmetric(name, x)?;
    let eigs = crate::linalg::sym_eigvals(x);
    let tol = crate::linalg::PSD_RTOL * x.data.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    let low = eigs.first().copied().unwrap_or(0.0);
    if low.is_nan() || (strict && low <= tol) || low < -tol {
        let what = if strict { "positive definite" } else { "positive semidefinite" };
        return Err(format!("`{name}` needs {arg} {what}, and {arg} has the eigenvalue {low}"));
    }
    Ok(eigs)
}

/// Require a scalar argument.
pub fn require_scalar(name: &str, args: &[Shape], i: usize, what: &str) -> Result<(), ShapeError> {
    if args[i].is_scalar() {
        Ok(())
    } else {
        Err(ShapeError::new(format!("`{name}` needs a scalar {what}, got shape {}", args[i])).at(i))
    }
}

/// A normalized axis (0 or 1) for an argument of `ndim` axes; negative axes count
/// from the end, as in numpy.
pub fn axis(name: &str, value: f64, ndim: usize) -> Result<usize, ShapeError> {
    let a = value as i64;
    let nd = ndim as i64;
    if nd == 0 || a < -nd || a >= nd {
        return Err(ShapeError::new(format!("axis {a} is out of range for `{name}` of a {ndim}-d argument"))
            .at(0)
            .help(if ndim == 2 {
                "axis 0 sums down the columns (result [n]); axis 1 sums along the rows (result [m])"
            } else {
                "only a matrix (2-d) argument has axes to reduce over separately"
            }));
    }
    Ok(if a < 0 { (a + nd) as usize } else { a as usize })
}

/// The shape of a reduction with numpy's optional `axis` (`sum`, `mean`, `ptp`): no
/// axis → a scalar; a vector over axis 0 → a scalar; X[m, n] over axis 0 → \[n\], over
/// axis 1 → \[m\].
pub fn axis_reduction_shape(name: &str, x: Shape, axis: Option<f64>) -> Result<Shape, ShapeError> {
    let Some(a) = axis else { return Ok(Shape::SCALAR) };
    let ax = self::axis(name, a, x.ndim())?;
    Ok(match (x.ndim(), ax) {
        (1, _) => Shape::SCALAR,
        (_, 0) => Shape::vector(x.dims()[1]),
        _ => Shape::vector(x.dims()[0]),
    })
}

/// The lanes (row-major entry indices, in order) along `axis` of x, with numpy's
/// meaning: axis 0 runs down each column (a vector is one column), axis 1 along each
/// row. A scalar is one lane of one entry.
pub fn axis_lanes(
    name: &str,
    x: Shape,
    axis: f64,
) -> Result<::std::vec::Vec<::std::vec::Vec<usize>>, ShapeError> {
    if x.is_scalar() {
        return Ok(vec![vec![0]]);
    }
    let ax = self::axis(name, axis, x.ndim())?;
    let (m, n) = x.rows_cols();
    Ok(if ax == 0 {
        (0..n).map(|j| (0..m).map(|i| i * n + j).collect()).collect()
    } else {
        (0..m).map(|i| (0..n).map(|j| i * n + j).collect()).collect()
    })
}

/// The lanes of a running operation along `axis` (default 0) that keeps x's shape
/// (`cumsum`, `cummax`): those of [`axis_lanes`], with help on a bad axis saying what
/// the operation does along it (`verb`: "accumulates", "runs").
pub fn running_lanes(
    name: &str,
    verb: &str,
    x: Shape,
    axis: Option<f64>,
) -> Result<::std::vec::Vec<::std::vec::Vec<usize>>, ShapeError> {
    self::axis_lanes(name, x, axis.unwrap_or(0.0)).map_err(|e| {
        e.help(if x.is_matrix() {
            format!("axis 0 {verb} down the columns, axis 1 along the rows")
        } else {
            "a vector has only axis 0 (or -1)".to_string()
        })
    })
}

/// x with `f(previous result, entry)` folded along each lane (running sums, maxima).
pub fn accumulate(x: &Array, lanes: &[::std::vec::Vec<usize>], f: impl Fn(f64, f64) -> f64) -> Array {
    let mut data = x.data.clone();
    for lane in lanes {
        for k in 1..lane.len() {
            data[lane[k]] = f(data[lane[k - 1]], data[lane[k]]);
        }
    }
    Array { shape: x.shape, data }
}

/// cvxpy's optional `axis=` and `keepdims=` of a reduction, to follow an atom's other
/// compile-time arguments in its signature.
pub const AXIS_KEEPDIMS: [StaticParam; 2] =
    [StaticParam::optional("axis", StaticKind::Int), StaticParam::optional("keepdims", StaticKind::Bool)];

/// The shape of a reduction with cvxpy's `axis` and `keepdims` (`rest[0]`, `rest[1]`):
/// that of [`axis_reduction_shape`], or with `keepdims` the argument's shape with a 1
/// on each reduced axis (X[m, n]: no axis → \[1, 1\], axis 0 → \[1, n\], axis 1 →
/// \[m, 1\]; a vector → \[1\]).
pub fn reduction_shape(name: &str, x: Shape, rest: &[Option<f64>]) -> Result<Shape, ShapeError> {
    let (axis, keep) = (static_at(rest, 0), static_at(rest, 1) == Some(1.0));
    let base = axis_reduction_shape(name, x, axis)?;
    if !keep {
        return Ok(base);
    }
    Ok(match (x.ndim(), axis.map(|a| self::axis(name, a, x.ndim()))) {
        (0, _) => Shape::SCALAR,
        (1, _) => Shape::vector(1),
        (_, Some(Ok(0))) => Shape::matrix(1, x.dims()[1]),
        (_, Some(_)) => Shape::matrix(x.dims()[0], 1),
        _ => Shape::matrix(1, 1),
    })
}

/// Compile-time argument i, `None` when left out (or when a caller passes fewer).
pub fn static_at(statics: &[Option<f64>], i: usize) -> Option<f64> {
    statics.get(i).copied().flatten()
}

/// The lanes a reduction with an optional `axis` takes: all entries as one lane, or
/// those of [`axis_lanes`].
pub fn reduction_lanes(
    name: &str,
    x: Shape,
    axis: Option<f64>,
) -> Result<::std::vec::Vec<::std::vec::Vec<usize>>, ShapeError> {
    match axis {
        None => Ok(vec![(0..x.size()).collect()]),
        Some(a) => {
            axis_reduction_shape(name, x, Some(a))?;
            axis_lanes(name, x, a)
        }
    }
}

/// The value of a reduction with an optional `axis` (`rest[0]`): `f` of each lane (as a
/// vector), in the shape `out`.
pub fn eval_lanes(
    name: &str,
    x: &Array,
    rest: &[Option<f64>],
    f: impl Fn(&Array) -> Result<f64, String>,
) -> Result<Array, String> {
    let shape = reduction_shape(name, x.shape, rest).map_err(|e| e.message)?;
    let lanes = reduction_lanes(name, x.shape, static_at(rest, 0)).map_err(|e| e.message)?;
    let data = lanes
        .iter()
        .map(|lane| {
            f(&Array { shape: Shape::vector(lane.len()), data: lane.iter().map(|&i| x.data[i]).collect() })
        })
        .collect::<Result<_, _>>()?;
    Ok(Array { shape, data })
}

/// The conic form of a reduction with an optional `axis` (`rest[0]`): without one, `f`
/// of the whole argument (in its shape); with one, `f` of each lane (as a vector), one
/// set of cones per entry of the result, concatenated in row-major order.
pub fn canonicalize_lanes(
    c: &mut ConeBuilder,
    name: &str,
    x: &Affine,
    shape: Shape,
    rest: &[Option<f64>],
    mut f: impl FnMut(&mut ConeBuilder, &Affine, Shape) -> Result<Affine, String>,
) -> Result<Affine, String> {
    let Some(axis) = static_at(rest, 0) else { return f(c, x, shape) };
    let lanes = reduction_lanes(name, shape, Some(axis)).map_err(|e| e.message)?;
    let parts = lanes
        .iter()
        .map(|lane| f(c, &x.gather(lane), Shape::vector(lane.len())))
        .collect::<Result<_, _>>()?;
    Ok(Affine::concat(parts))
}

/// Apply a scalar function to every entry.
pub fn map(a: &Array, f: impl Fn(f64) -> f64) -> Array {
    Array { shape: a.shape, data: a.data.iter().map(|v| f(*v)).collect() }
}

/// Apply a scalar function of two arguments entrywise, with numpy broadcasting.
pub fn map2(a: &Array, b: &Array, f: impl Fn(f64, f64) -> f64) -> Result<Array, String> {
    let shape = Shape::broadcast(a.shape, b.shape)
        .ok_or_else(|| format!("shapes {} and {} do not broadcast", a.shape, b.shape))?;
    let (rows, cols) = shape.rows_cols();
    let pick = |x: &Array, i: usize, j: usize| {
        // Align from the right, as numpy does: a vector is a row when broadcast
        // against a matrix.
        match x.shape.ndim() {
            0 => x.data[0],
            1 if shape.ndim() == 2 => x.data[if x.shape.dims()[0] == 1 { 0 } else { j }],
            1 => x.data[if x.shape.dims()[0] == 1 { 0 } else { i }],
            _ => {
                let (xr, xc) = x.shape.rows_cols();
                x.data[(if xr == 1 { 0 } else { i }) * xc + if xc == 1 { 0 } else { j }]
            }
        }
    };
    let mut data = Vec::with_capacity(shape.size());
    for i in 0..rows {
        for j in 0..cols {
            data.push(f(pick(a, i, j), pick(b, i, j)));
        }
    }
    Ok(Array { shape, data })
}

// ---------------------------------------------------------------------------
// Conic-form helpers shared by the atom files. Every helper combines its arguments
// with numbers only, so the results stay affine in the parameters (DPP).

/// `n` copies of the number `v`.
pub fn filled(n: usize, v: f64) -> Affine {
    Affine::constant(&vec![v; n])
}

/// The sum of all entries of `x` (one entry).
pub fn sum_entries(x: &Affine) -> Affine {
    let map: ::std::vec::Vec<_> = (0..x.size).map(|i| (0, i, 1.0)).collect();
    x.linear_map(1, &map)
}

/// A one-entry expression repeated `n` times.
pub fn repeat(x: &Affine, n: usize) -> Affine {
    x.gather(&vec![0; n])
}

/// `a − b` for expressions of the same size.
pub fn sub(a: Affine, b: Affine) -> Affine {
    a.add(b.neg())
}

/// Entrywise `xᵢ² ≤ tᵢ·yᵢ`, `tᵢ, yᵢ ≥ 0` (the rotated second-order cone) as
/// `‖(2xᵢ, tᵢ − yᵢ)‖ ≤ tᵢ + yᵢ`, one 3-d cone per entry.
pub fn rotated_socs(c: &mut ConeBuilder, t: &Affine, y: &Affine, x: &Affine) {
    for i in 0..x.size {
        let (ti, yi, xi) = (t.gather(&[i]), y.gather(&[i]), x.gather(&[i]));
        c.soc(ti.clone().add(yi.clone()), Affine::concat(vec![xi.scale(2.0), sub(ti, yi)]));
    }
}

/// A fresh t with `t ≥ |x|` entrywise (`t − x ≥ 0`, `t + x ≥ 0`).
pub fn abs_epigraph(c: &mut ConeBuilder, x: &Affine) -> Affine {
    let t = c.var(x.size);
    c.nonneg(sub(t.clone(), x.clone()));
    c.nonneg(t.clone().add(x.clone()));
    t
}

/// A fresh t with `t ≥ x²` entrywise: `‖(2x, t − 1)‖ ≤ t + 1`.
pub fn square_epigraph(c: &mut ConeBuilder, x: &Affine) -> Affine {
    let t = c.var(x.size);
    rotated_socs(c, &t, &filled(x.size, 1.0), x);
    t
}

/// A fresh scalar t with `t ≥ Σ xᵢ²`: one cone `‖(2x, t − 1)‖ ≤ t + 1` of dim n + 2.
pub fn sum_squares_epigraph(c: &mut ConeBuilder, x: &Affine) -> Affine {
    let t = c.var(1);
    let one = filled(1, 1.0);
    c.soc(t.clone().add(one.clone()), Affine::concat(vec![x.clone().scale(2.0), sub(t.clone(), one)]));
    t
}

/// The n×n matrix `t·I` (row-major) of a one-entry expression t.
pub fn scaled_identity(t: &Affine, n: usize) -> Affine {
    let map: ::std::vec::Vec<_> = (0..n).map(|i| (i * n + i, 0, 1.0)).collect();
    t.linear_map(n * n, &map)
}

/// The transpose of an m×n row-major expression (n×m, row-major).
pub fn transpose(x: &Affine, m: usize, n: usize) -> Affine {
    let rows: ::std::vec::Vec<usize> = (0..n * m).map(|k| (k % m) * n + k / m).collect();
    x.gather(&rows)
}

/// A symmetric n×n matrix of fresh variables (one per entry on and above the
/// diagonal, mirrored below), row-major.
pub fn symmetric_var(c: &mut ConeBuilder, n: usize) -> Affine {
    let v = c.var(n * (n + 1) / 2);
    let mut index = vec![0; n * n];
    let mut k = 0;
    for i in 0..n {
        for j in i..n {
            index[i * n + j] = k;
            index[j * n + i] = k;
            k += 1;
        }
    }
    v.gather(&index)
}

/// A `rows × cols` row-major block matrix, zero outside the blocks; each block is
/// `(expr, its rows, its columns, first row, first column)`.
pub fn block_matrix(rows: usize, cols: usize, blocks: &[(&Affine, usize, usize, usize, usize)]) -> Affine {
    let src = Affine::concat(blocks.iter().map(|b| b.0.clone()).collect());
    let mut map = ::std::vec::Vec::new();
    let mut base = 0;
    for &(e, m, n, r0, c0) in blocks {
        debug_assert_eq!(e.size, m * n);
        for i in 0..m {
            for j in 0..n {
                map.push(((r0 + i) * cols + c0 + j, base + i * n + j, 1.0));
            }
        }
        base += e.size;
    }
    src.linear_map(rows * cols, &map)
}

/// Require every entry to satisfy a domain condition.
pub fn check_domain(a: &Array, ok: impl Fn(f64) -> bool, what: &str) -> Result<(), String> {
    match a.data.iter().find(|v| !ok(**v)) {
        Some(v) => Err(format!("{v} is outside the domain ({what})")),
        None => Ok(()),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An affine argument of the given sign (a variable), for the atoms' unit tests.
    pub(crate) fn arg(sign: Sign) -> ArgInfo<'static> {
        ArgInfo {
            shape: Shape::vector(3),
            sign,
            curvature: Curvature::Affine,
            has_vars: true,
            has_params: false,
            value: None,
            attrs: None,
        }
    }

    /// An array of the given extents (`&[]` scalar, `&[n]` vector, `&[m, n]` matrix),
    /// entries in row-major order.
    pub(crate) fn array(dims: &[usize], data: &[f64]) -> Array {
        let shape = Shape::from_dims(dims).unwrap();
        assert_eq!(shape.size(), data.len(), "test array {dims:?} has {} entries", data.len());
        Array { shape, data: data.to_vec() }
    }

    /// Entrywise agreement to 1e-9 (relative to the size of the expected value).
    pub(crate) fn assert_close(got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len(), "got {got:?}, want {want:?}");
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() <= 1e-9 * w.abs().max(1.0), "got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn sign_from_flags_is_cvxpys_pair() {
        assert_eq!(sign_from_flags(true, true), Sign::Zero);
        assert_eq!(sign_from_flags(true, false), Sign::Nonneg);
        assert_eq!(sign_from_flags(false, true), Sign::Nonpos);
        assert_eq!(sign_from_flags(false, false), Sign::Unknown);
    }

    #[test]
    fn map2_broadcasts_like_numpy() {
        let m = Array { shape: Shape::matrix(2, 3), data: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0] };
        let v = Array { shape: Shape::vector(3), data: vec![10.0, 20.0, 30.0] };
        let r = map2(&m, &v, |a, b| a + b).unwrap();
        assert_eq!(r.data, vec![11.0, 22.0, 33.0, 14.0, 25.0, 36.0]);
        let c = Array { shape: Shape::matrix(2, 1), data: vec![1.0, 2.0] };
        let r = map2(&c, &v, |a, b| a * b).unwrap();
        assert_eq!(r.shape, Shape::matrix(2, 3));
        assert_eq!(r.data, vec![10.0, 20.0, 30.0, 20.0, 40.0, 60.0]);
    }

    /// Every file in `src/atoms/` must be registered in `atoms!` (and vice versa).
    #[test]
    fn every_atom_file_is_registered() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/atoms");
        let mut files: ::std::vec::Vec<String> = ::std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| {
                let name = e.unwrap().file_name().into_string().unwrap();
                let stem = name.strip_suffix(".rs")?.to_string();
                (stem != "mod").then_some(stem)
            })
            .collect();
        files.sort();
        let mut registered: ::std::vec::Vec<String> = MODULES.iter().map(|s| s.to_string()).collect();
        registered.sort();
        assert_eq!(files, registered, "src/atoms/*.rs and the atoms! list differ");
    }

    #[test]
    fn atom_names_match_their_files_and_are_unique() {
        for (m, a) in MODULES.iter().zip(ATOMS.iter()) {
            assert_eq!(*m, a.name(), "atom in {m}.rs is named {}", a.name());
        }
        let mut names: ::std::vec::Vec<_> = ATOMS.iter().map(|a| a.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ATOMS.len());
    }
}

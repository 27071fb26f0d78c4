//! The atom library: one file per atom, registered by one line in [`atoms!`].
//!
//! Each file holds everything about its atom: a `//!` header with the math, the
//! shape rule, and (as the analysis grows) sign, curvature, monotonicity, numeric
//! evaluation and the conic form. Operators (`+ - * / @`, `.T`, indexing) are not
//! atoms: they live in the IR itself.

use crate::ir::shape::Shape;

/// Whether a compile-time argument must be an integer or may be any real number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaticKind {
    Int,
    Real,
}

/// A compile-time numeric argument of an atom (`axis`, `p`, `k`, `M`, ...). It
/// follows the expression arguments and may also be given by name (`huber(x, M=2)`).
/// In a `Signature`, write the list as `const { &[StaticParam::required(..)] }` so
/// that it is a `'static` constant.
#[derive(Clone, Copy, Debug)]
pub struct StaticParam {
    pub name: &'static str,
    pub kind: StaticKind,
    /// `true` when the argument may be left out (then `default` is used, or the
    /// atom sees `None` when there is no default).
    pub optional: bool,
    pub default: Option<f64>,
}

impl StaticParam {
    pub const fn required(name: &'static str, kind: StaticKind) -> StaticParam {
        StaticParam { name, kind, optional: false, default: None }
    }
    pub const fn optional(name: &'static str, kind: StaticKind) -> StaticParam {
        StaticParam { name, kind, optional: true, default: None }
    }
    pub const fn with_default(name: &'static str, kind: StaticKind, default: f64) -> StaticParam {
        StaticParam { name, kind, optional: true, default: Some(default) }
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
    pub message: String,
    /// The expression argument to point at, when one is to blame.
    pub arg: Option<usize>,
    pub help: Option<String>,
}

impl ShapeError {
    pub fn new(message: impl Into<String>) -> ShapeError {
        ShapeError { message: message.into(), arg: None, help: None }
    }
    pub fn at(mut self, arg: usize) -> ShapeError {
        self.arg = Some(arg);
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> ShapeError {
        self.help = Some(help.into());
        self
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
}

/// Index of an atom in [`ATOMS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AtomId(pub u16);

impl AtomId {
    pub fn atom(self) -> &'static dyn Atom {
        ATOMS[self.0 as usize]
    }
    pub fn name(self) -> &'static str {
        self.atom().name()
    }
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
    cumsum => Cumsum,
    diff => Diff,
    multiply => Multiply,
    kron => Kron,
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
    // matrix
    lambda_max => LambdaMax,
    lambda_min => LambdaMin,
    log_det => LogDet,
    sigma_max => SigmaMax,
    norm_nuc => NormNuc,
}

/// The atom called `name`, if there is one.
pub fn lookup(name: &str) -> Option<AtomId> {
    ATOMS.iter().position(|a| a.name() == name).map(|i| AtomId(i as u16))
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

/// Require a square matrix argument.
pub fn require_square(name: &str, args: &[Shape], i: usize) -> Result<usize, ShapeError> {
    let s = args[i];
    if s.is_square() {
        Ok(s.dims()[0])
    } else {
        Err(ShapeError::new(format!("`{name}` needs a square matrix, got shape {s}")).at(i))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file in `src/atoms/` must be registered in `atoms!` (and vice versa).
    #[test]
    fn every_atom_file_is_registered() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/atoms");
        let mut files: std::vec::Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| {
                let name = e.unwrap().file_name().into_string().unwrap();
                let stem = name.strip_suffix(".rs")?.to_string();
                (stem != "mod").then_some(stem)
            })
            .collect();
        files.sort();
        let mut registered: std::vec::Vec<String> = MODULES.iter().map(|s| s.to_string()).collect();
        registered.sort();
        assert_eq!(files, registered, "src/atoms/*.rs and the atoms! list differ");
    }

    #[test]
    fn atom_names_match_their_files_and_are_unique() {
        for (m, a) in MODULES.iter().zip(ATOMS.iter()) {
            assert_eq!(*m, a.name(), "atom in {m}.rs is named {}", a.name());
        }
        let mut names: std::vec::Vec<_> = ATOMS.iter().map(|a| a.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ATOMS.len());
    }
}

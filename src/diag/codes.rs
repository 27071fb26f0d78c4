//! Every diagnostic code, in one table. Codes are stable: tests and users refer to them.

/// What went wrong, in the coarse classes a user (and the test corpus) cares about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The text does not follow the grammar.
    Syntax,
    /// A name that is not declared (or declared twice, or of the wrong sort).
    Name,
    /// Shapes that do not fit, indices out of range.
    Shape,
    /// Dims and other compile-time integers.
    Dim,
    /// Statements in the wrong place or combination.
    Statement,
    /// Not convex by the DCP rules.
    Dcp,
    /// Problem data not affine in the parameters.
    Dpp,
    /// Bad parameter values, bad JSON, bad command-line values.
    Input,
    /// Files that cannot be read.
    Io,
    /// A bug in dopt (a panic caught at the library's boundary).
    Internal,
}

impl Kind {
    /// The name used in test-case headers (`# expect: shape`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Syntax => "syntax",
            Kind::Name => "unknown-name",
            Kind::Shape => "shape",
            Kind::Dim => "dim",
            Kind::Statement => "statement",
            Kind::Dcp => "not-dcp",
            Kind::Dpp => "not-dpp",
            Kind::Input => "input",
            Kind::Io => "io",
            Kind::Internal => "internal",
        }
    }
}

/// A diagnostic code: `E0101` and its class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Code {
    /// `E` and four digits; the first two digits group codes by stage.
    pub id: &'static str,
    /// The class of the error.
    pub kind: Kind,
    /// A short description for the code table (`dopt` docs, tests).
    pub title: &'static str,
}

macro_rules! codes {
    ($($name:ident = $id:literal, $kind:ident, $title:literal;)*) => {
        $(
            #[doc = concat!("`", $id, "`: ", $title, ".")]
            pub const $name: Code = Code { id: $id, kind: Kind::$kind, title: $title };
        )*
        /// Every code, for documentation and tests.
        pub const ALL: &[Code] = &[$($name),*];
    };
}

codes! {
    SYNTAX = "E0001", Syntax, "syntax error";
    UNCLOSED_DELIMITER = "E0002", Syntax, "unclosed or mismatched bracket";
    TOO_DEEP = "E0003", Syntax, "nesting too deep";
    NOT_UTF8 = "E0004", Syntax, "the file is not UTF-8 text";
    BAD_NUMBER = "E0005", Syntax, "number out of range";

    UNKNOWN_NAME = "E0101", Name, "unknown name";
    UNKNOWN_FUNCTION = "E0102", Name, "unknown function or atom";
    DUPLICATE = "E0103", Name, "name declared twice";
    WRONG_SORT = "E0104", Name, "name used as something it is not";
    UNKNOWN_ATTRIBUTE = "E0105", Name, "unknown attribute";
    UNKNOWN_ARGUMENT = "E0106", Name, "unknown or repeated keyword argument";
    RECURSION = "E0107", Name, "recursive definition";

    SHAPE_MISMATCH = "E0201", Shape, "shapes do not match";
    MATMUL_MISMATCH = "E0202", Shape, "matrix product of mismatched shapes";
    ATOM_SHAPE = "E0203", Shape, "argument shape not accepted by the atom";
    INDEX_RANGE = "E0204", Shape, "index out of range";
    BAD_INDEX = "E0205", Shape, "bad index or slice";
    NOT_SCALAR = "E0206", Shape, "a scalar is required";
    ARITY = "E0207", Shape, "wrong number of arguments";
    CONSTANT_VALUE = "E0208", Shape, "bad constant value";
    ATTRIBUTE_SHAPE = "E0209", Shape, "attribute does not fit the shape";

    DIM_UNKNOWN = "E0301", Dim, "dim without a value";
    NOT_INTEGER = "E0302", Dim, "not a compile-time integer";
    BAD_DIM = "E0303", Dim, "dim value out of range";
    EMPTY_RANGE = "E0304", Dim, "empty or backwards for range";
    NOT_STATIC = "E0305", Dim, "not a compile-time number";
    MISPLACED_STRING = "E0306", Dim, "string where it is not a choice of an atom argument";

    MISPLACED = "E0401", Statement, "statement in the wrong place";
    NO_COMPARISON = "E0402", Statement, "constraint without a comparison";
    TWO_OBJECTIVES = "E0403", Statement, "more than one objective";
    STRICT_INEQUALITY = "E0404", Statement, "strict inequality";
    NAMED_CHAIN = "E0405", Statement, "a chained comparison cannot be named";
    BAD_OUTPUT = "E0406", Statement, "output that is not a variable";

    DCP_COMPOSITION = "E0501", Dcp, "atom applied against the composition rule";
    DCP_PRODUCT = "E0502", Dcp, "product of two non-constant expressions";
    DCP_SUM = "E0503", Dcp, "sum of a convex and a concave expression";
    DCP_DIVISION = "E0504", Dcp, "division by a non-constant expression";
    DCP_OBJECTIVE = "E0505", Dcp, "objective of the wrong curvature";
    DCP_CONSTRAINT = "E0506", Dcp, "constraint that is not convex";
    DCP_NOT_SYMMETRIC = "E0507", Dcp, "semidefinite constraint on a matrix not known to be symmetric";
    DCP_INDEFINITE = "E0508", Dcp, "quad_form with a matrix that is neither PSD nor NSD";
    DGP_UNSUPPORTED = "E0509", Dcp, "construct a geometric program cannot have (subtraction, a non-positive constant, an atom without a log-log form)";
    DGP_CURVATURE = "E0510", Dcp, "not log-log convex by the DGP rules (expression, objective or constraint of a geometric program)";
    DGP_ONLY = "E0511", Dcp, "a geometric-program atom (prod, one_minus_pos, diff_pos) in a problem not marked geometric";

    DPP_PRODUCT = "E0601", Dpp, "product of two parameter-dependent factors";
    DPP_NONLINEAR_PARAMETER = "E0602", Dpp, "nonlinear function of a parameter used as a coefficient";
    DPP_PARAMETER_ARGUMENT = "E0603", Dpp, "parameter where the data must be parameter-free";
    DPP_CURVATURE = "E0604", Dpp, "parameters enter the problem nonlinearly";

    BAD_DIM_ARG = "E0701", Input, "bad given dim value";
    BAD_PARAMETER = "E0702", Input, "bad parameter value";
    BAD_JSON = "E0703", Input, "malformed values file";
    NOT_DIFFERENTIABLE = "E0704", Input, "backward pass through a solve that is not optimal";

    CANON = "E0801", Statement, "cannot reduce to a cone program";
    SOLVER_SETUP = "E0802", Statement, "the solver rejected the problem data";

    UNREADABLE = "E0901", Io, "cannot read file";
    BAD_LAYER_FILE = "E0902", Io, "truncated, corrupted or wrong-version layer file";
    UNWRITABLE = "E0903", Io, "cannot write file";

    INTERNAL = "E0999", Internal, "internal error (a bug in dopt)";
}

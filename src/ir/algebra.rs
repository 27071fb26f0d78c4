//! Sign, curvature and monotonicity as small algebras, and the DCP composition rule
//! (written once, here; atoms only state their own facts).

use std::fmt;

/// What is known about the sign of every entry of an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sign {
    /// Every entry is 0 (both nonnegative and nonpositive).
    Zero,
    /// Every entry is ≥ 0.
    Nonneg,
    /// Every entry is ≤ 0.
    Nonpos,
    /// Nothing is known.
    Unknown,
}

#[allow(clippy::should_implement_trait)] // small Copy algebras; named methods read better
impl Sign {
    /// Known ≥ 0 (`Zero` or `Nonneg`).
    pub fn is_nonneg(self) -> bool {
        matches!(self, Sign::Zero | Sign::Nonneg)
    }
    /// Known ≤ 0 (`Zero` or `Nonpos`).
    pub fn is_nonpos(self) -> bool {
        matches!(self, Sign::Zero | Sign::Nonpos)
    }
    /// The sign of a sum.
    pub fn add(self, o: Sign) -> Sign {
        match (self, o) {
            (Sign::Zero, s) | (s, Sign::Zero) => s,
            (a, b) if a == b => a,
            _ => Sign::Unknown,
        }
    }
    /// The sign of a product.
    pub fn mul(self, o: Sign) -> Sign {
        match (self, o) {
            (Sign::Zero, _) | (_, Sign::Zero) => Sign::Zero,
            (Sign::Unknown, _) | (_, Sign::Unknown) => Sign::Unknown,
            (a, b) if a == b => Sign::Nonneg,
            _ => Sign::Nonpos,
        }
    }
    /// The sign of the negation.
    pub fn neg(self) -> Sign {
        match self {
            Sign::Nonneg => Sign::Nonpos,
            Sign::Nonpos => Sign::Nonneg,
            s => s,
        }
    }
    /// The sign that covers both (entries from either): e.g. of a stack.
    pub fn join(self, o: Sign) -> Sign {
        match (self, o) {
            (a, b) if a == b => a,
            (Sign::Zero, s) | (s, Sign::Zero) if s != Sign::Unknown => s,
            _ => Sign::Unknown,
        }
    }
    /// The sign of the entries of a constant array.
    pub fn of_values(v: &[f64]) -> Sign {
        let nonneg = v.iter().all(|x| *x >= 0.0);
        let nonpos = v.iter().all(|x| *x <= 0.0);
        match (nonneg, nonpos) {
            (true, true) => Sign::Zero,
            (true, false) => Sign::Nonneg,
            (false, true) => Sign::Nonpos,
            _ => Sign::Unknown,
        }
    }
    /// cvxpy's name.
    pub fn cvxpy(self) -> &'static str {
        match self {
            Sign::Zero => "ZERO",
            Sign::Nonneg => "NONNEGATIVE",
            Sign::Nonpos => "NONPOSITIVE",
            Sign::Unknown => "UNKNOWN",
        }
    }
}

impl fmt::Display for Sign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Sign::Zero => "zero",
            Sign::Nonneg => "nonnegative",
            Sign::Nonpos => "nonpositive",
            Sign::Unknown => "of unknown sign",
        })
    }
}

/// Curvature by the DCP rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Curvature {
    /// Free of variables (parameters included, in the DCP sense).
    Constant,
    /// Affine in the variables (convex and concave).
    Affine,
    /// Convex in the variables.
    Convex,
    /// Concave in the variables.
    Concave,
    /// Not known to be either: not DCP.
    Unknown,
}

#[allow(clippy::should_implement_trait)]
impl Curvature {
    /// Exactly `Constant`.
    pub fn is_constant(self) -> bool {
        self == Curvature::Constant
    }
    /// Constant or affine.
    pub fn is_affine(self) -> bool {
        matches!(self, Curvature::Constant | Curvature::Affine)
    }
    /// Constant, affine or convex.
    pub fn is_convex(self) -> bool {
        matches!(self, Curvature::Constant | Curvature::Affine | Curvature::Convex)
    }
    /// Constant, affine or concave.
    pub fn is_concave(self) -> bool {
        matches!(self, Curvature::Constant | Curvature::Affine | Curvature::Concave)
    }
    /// Anything but `Unknown`.
    pub fn is_known(self) -> bool {
        self != Curvature::Unknown
    }
    /// From "is convex" and "is concave" (and "is constant").
    pub fn from_flags(constant: bool, convex: bool, concave: bool) -> Curvature {
        match (constant, convex, concave) {
            (true, _, _) => Curvature::Constant,
            (_, true, true) => Curvature::Affine,
            (_, true, false) => Curvature::Convex,
            (_, false, true) => Curvature::Concave,
            _ => Curvature::Unknown,
        }
    }
    /// The curvature of a sum.
    pub fn add(self, o: Curvature) -> Curvature {
        Curvature::from_flags(
            self.is_constant() && o.is_constant(),
            self.is_convex() && o.is_convex(),
            self.is_concave() && o.is_concave(),
        )
    }
    /// The curvature of the negation (convex ↔ concave).
    pub fn neg(self) -> Curvature {
        match self {
            Curvature::Convex => Curvature::Concave,
            Curvature::Concave => Curvature::Convex,
            c => c,
        }
    }
    /// cvxpy's name.
    pub fn cvxpy(self) -> &'static str {
        match self {
            Curvature::Constant => "CONSTANT",
            Curvature::Affine => "AFFINE",
            Curvature::Convex => "CONVEX",
            Curvature::Concave => "CONCAVE",
            Curvature::Unknown => "UNKNOWN",
        }
    }
}

impl fmt::Display for Curvature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Curvature::Constant => "constant",
            Curvature::Affine => "affine",
            Curvature::Convex => "convex",
            Curvature::Concave => "concave",
            Curvature::Unknown => "of unknown curvature",
        })
    }
}

/// How an atom's value moves with one of its arguments (where it can depend on the
/// argument's sign, the atom decides with that sign in hand).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mono {
    /// Nondecreasing in the argument.
    Increasing,
    /// Nonincreasing in the argument.
    Decreasing,
    /// Neither (or not known for this argument's sign).
    None,
}

impl fmt::Display for Mono {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mono::Increasing => "increasing",
            Mono::Decreasing => "decreasing",
            Mono::None => "not monotone",
        })
    }
}

/// The intrinsic curvature of an atom (with its arguments' facts in hand).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AtomCurvature {
    /// Affine (e.g. `sum`, `reshape`, a product with a constant).
    Affine,
    /// Convex (e.g. `norm2`, `exp`).
    Convex,
    /// Concave (e.g. `log`, `min`).
    Concave,
    /// Neither convex nor concave for these arguments (e.g. `quad_form` with an
    /// indefinite matrix): never DCP unless every argument is constant.
    Neither,
}

/// One argument as the composition rule sees it.
#[derive(Clone, Copy, Debug)]
pub struct ArgFacts {
    /// The argument's own curvature.
    pub curvature: Curvature,
    /// The atom's monotonicity in this argument.
    pub mono: Mono,
}

/// The DCP composition rule: the curvature of `f(args)` from `f`'s intrinsic
/// curvature and, per argument, the argument's curvature and `f`'s monotonicity in it.
///
/// `f(g₁, …)` is convex when `f` is convex and each `gᵢ` is affine, or convex with `f`
/// increasing in it, or concave with `f` decreasing in it; concave symmetrically;
/// affine when both; constant when every argument is constant.
pub fn compose(atom: AtomCurvature, args: &[ArgFacts]) -> Curvature {
    let constant = args.iter().all(|a| a.curvature.is_constant());
    let convex = matches!(atom, AtomCurvature::Affine | AtomCurvature::Convex)
        && args.iter().all(|a| arg_ok_for_convex(*a));
    let concave = matches!(atom, AtomCurvature::Affine | AtomCurvature::Concave)
        && args.iter().all(|a| arg_ok_for_concave(*a));
    Curvature::from_flags(constant, convex, concave)
}

/// Does this argument keep a convex atom convex?
pub fn arg_ok_for_convex(a: ArgFacts) -> bool {
    a.curvature.is_affine()
        || (a.mono == Mono::Increasing && a.curvature.is_convex())
        || (a.mono == Mono::Decreasing && a.curvature.is_concave())
}

/// Does this argument keep a concave atom concave?
pub fn arg_ok_for_concave(a: ArgFacts) -> bool {
    a.curvature.is_affine()
        || (a.mono == Mono::Increasing && a.curvature.is_concave())
        || (a.mono == Mono::Decreasing && a.curvature.is_convex())
}

/// Monotonicity of atoms that grow with |x| (abs, square, norms, huber, even powers):
/// increasing on a nonnegative argument, decreasing on a nonpositive one.
pub fn by_sign(s: Sign) -> Mono {
    match s {
        Sign::Nonneg => Mono::Increasing,
        Sign::Nonpos => Mono::Decreasing,
        // Zero is constant: either direction serves; report increasing.
        Sign::Zero => Mono::Increasing,
        Sign::Unknown => Mono::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Curvature::*;

    fn arg(c: Curvature, m: Mono) -> ArgFacts {
        ArgFacts { curvature: c, mono: m }
    }

    #[test]
    fn sign_algebra() {
        assert_eq!(Sign::Nonneg.add(Sign::Nonneg), Sign::Nonneg);
        assert_eq!(Sign::Nonneg.add(Sign::Nonpos), Sign::Unknown);
        assert_eq!(Sign::Zero.add(Sign::Nonpos), Sign::Nonpos);
        assert_eq!(Sign::Nonpos.mul(Sign::Nonpos), Sign::Nonneg);
        assert_eq!(Sign::Zero.mul(Sign::Unknown), Sign::Zero);
        assert_eq!(Sign::Unknown.mul(Sign::Nonneg), Sign::Unknown);
        assert_eq!(Sign::of_values(&[0.0, 1.0]), Sign::Nonneg);
        assert_eq!(Sign::of_values(&[0.0]), Sign::Zero);
        assert_eq!(Sign::of_values(&[-1.0, 1.0]), Sign::Unknown);
    }

    #[test]
    fn curvature_algebra() {
        assert_eq!(Convex.add(Affine), Convex);
        assert_eq!(Convex.add(Concave), Unknown);
        assert_eq!(Constant.add(Constant), Constant);
        assert_eq!(Constant.add(Affine), Affine);
        assert_eq!(Concave.neg(), Convex);
    }

    #[test]
    fn composition_rule() {
        use Mono::*;
        // sqrt(sum_squares(x)): concave increasing of convex.
        assert_eq!(compose(AtomCurvature::Concave, &[arg(Convex, Increasing)]), Unknown);
        // exp(-sqrt(x)): convex increasing of convex.
        assert_eq!(compose(AtomCurvature::Convex, &[arg(Convex, Increasing)]), Convex);
        // inv_pos(sqrt(z)): convex decreasing of concave.
        assert_eq!(compose(AtomCurvature::Convex, &[arg(Concave, Decreasing)]), Convex);
        // entr(square(x)): non-monotone needs affine.
        assert_eq!(compose(AtomCurvature::Concave, &[arg(Convex, None)]), Unknown);
        // sum of a convex argument: affine atom, increasing.
        assert_eq!(compose(AtomCurvature::Affine, &[arg(Convex, Increasing)]), Convex);
        assert_eq!(compose(AtomCurvature::Affine, &[arg(Affine, None)]), Affine);
        assert_eq!(compose(AtomCurvature::Convex, &[arg(Constant, None)]), Constant);
        assert_eq!(compose(AtomCurvature::Neither, &[arg(Affine, None)]), Unknown);
    }
}

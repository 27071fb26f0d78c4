//! The contract of every registered atom: the facts it declares (arity, shape rule,
//! sign, curvature, monotonicity) checked against its own numbers (`eval`).
//!
//! One table below gives, per atom, valid calls (argument shapes, compile-time
//! arguments, the regions each argument is drawn from, and the shape numpy gives the
//! result), the calls its shape rule must reject, and which arguments vary together
//! in the curvature check. The test then, for every atom:
//! 1. arity: a call with too few arguments (none, fewer than the expression
//!    arguments, or without a required compile-time one) and one with too many is
//!    rejected by the front end with a diagnostic located at `:LINE:COL` that names
//!    the atom (an extra expression argument of an atom with compile-time arguments
//!    lands on the first of those and gets that slot's error, E0305); every valid
//!    call of the table passes the same front end;
//! 2. shapes: the table's bad calls are rejected by `shape()` with a message naming
//!    the atom; every valid call's `shape()` is numpy's shape and `eval`'s;
//! 3. sign: at seeded random points, the sign declared for the arguments seen as
//!    constants (true signs, values), as variables and as parameters (the region's
//!    sign and attributes such as `psd`) holds for `eval`'s value;
//! 4. curvature: a convex (concave) atom satisfies the midpoint inequality
//!    f((a+b)/2) ≤ (≥) (f(a)+f(b))/2 over random pairs in a convex region of the
//!    domain; an affine one satisfies it with equality;
//! 5. monotonicity: declared increasing (decreasing) in argument i for the argument
//!    signs at hand ⇒ f(a + d) ≥ (≤) f(a) for random entrywise nonnegative d that keep
//!    the argument in its region (sign-dependent rules are exercised on nonnegative
//!    and nonpositive arguments separately).
//!
//! The test fails when a registered atom has no row in the table. A second test
//! wraps registered atoms with one fact misstated and checks that each is caught.

use dopt::internals::atoms::{
    ATOMS, ArgInfo, Atom, AtomCurvature, Curvature, MODULES, Mono, Sign, StaticKind, StaticParam,
};
use dopt::internals::ir::hir::{Array, Attrs};
use dopt::internals::ir::shape::Shape;
use dopt::internals::linalg;
use dopt::internals::sema::Dims;
use dopt::internals::source::SourceFile;
use std::collections::{BTreeMap, BTreeSet};

// ---------------------------------------------------------------------------
// Seeded pseudo-random numbers (splitmix64).

mod common;
use common::Rng;

// ---------------------------------------------------------------------------
// Regions of the domain that arguments are drawn from. Each is convex, so the
// midpoint of two of its points is in it again.

#[derive(Clone, Copy, Debug, PartialEq)]
enum Region {
    /// Entries in [-2, 2].
    Mixed,
    /// Entries in [0, 2], about a fifth of them exactly 0.
    Nonneg,
    /// Entries in [-2, 0], about a fifth of them exactly 0.
    Nonpos,
    /// All zero.
    Zero,
    /// Entries in [0.1, 2].
    Pos,
    /// Entries in [-0.9, 0], about a fifth of them exactly 0 (inside `log1p`'s domain).
    NonposAboveMinusOne,
    /// Symmetric positive semidefinite (sometimes singular), entries of both signs.
    Psd,
    /// Symmetric positive semidefinite with nonnegative entries.
    PsdNonneg,
    /// Symmetric negative semidefinite.
    Nsd,
    /// Symmetric positive definite (eigenvalues ≥ 0.2).
    Pd,
}
use Region::*;

const REAL: &[Region] = &[Mixed, Nonneg, Nonpos, Zero];
const NONNEG: &[Region] = &[Nonneg, Pos, Zero];
const POS: &[Region] = &[Pos];
/// x > −1 (`log1p`), entries of either sign.
const ABOVE_MINUS_ONE: &[Region] = &[Nonneg, NonposAboveMinusOne, Zero, Pos];
/// For square-matrix arguments (the semidefinite regions are skipped for others).
const MATRIX: &[Region] = &[Mixed, Nonneg, Nonpos, Zero, Psd, PsdNonneg, Nsd];
/// For atoms defined on symmetric matrices only (`lambda_max`, `lambda_min`).
const SYMMETRIC: &[Region] = &[Zero, Psd, PsdNonneg, Nsd];

impl Region {
    fn needs_square(self) -> bool {
        matches!(self, Psd | PsdNonneg | Nsd | Pd)
    }
    /// The sign the analysis would know for an argument drawn from this region.
    fn sign(self) -> Sign {
        match self {
            Nonneg | Pos | PsdNonneg => Sign::Nonneg,
            Nonpos | NonposAboveMinusOne => Sign::Nonpos,
            Zero => Sign::Zero,
            Mixed | Psd | Nsd | Pd => Sign::Unknown,
        }
    }
    /// The attributes of a variable declared to live in this region.
    fn attrs(self) -> Attrs {
        Attrs {
            nonneg: matches!(self, Nonneg | Pos | PsdNonneg | Zero),
            nonpos: matches!(self, Nonpos | NonposAboveMinusOne | Zero),
            symmetric: self.needs_square(),
            psd: matches!(self, Psd | PsdNonneg | Pd),
            nsd: self == Nsd,
        }
    }
}

fn sample(rng: &mut Rng, region: Region, dims: &[usize]) -> Array {
    let shape = Shape::from_dims(dims).unwrap();
    let n = shape.size();
    let entry = |rng: &mut Rng| match region {
        Mixed => rng.uniform(-2.0, 2.0),
        Nonneg | Nonpos | NonposAboveMinusOne => {
            let top = if region == NonposAboveMinusOne { 0.9 } else { 2.0 };
            let v = if rng.unit() < 0.2 { 0.0 } else { rng.uniform(0.0, top) };
            if region == Nonneg { v } else { -v }
        }
        Zero => 0.0,
        Pos => rng.uniform(0.1, 2.0),
        _ => unreachable!(),
    };
    if !region.needs_square() {
        return Array { shape, data: (0..n).map(|_| entry(rng)).collect() };
    }
    assert!(shape.is_square(), "region {region:?} needs a square matrix, got {dims:?}");
    let m = dims[0];
    // A = B·Bᵀ, with a zero last column of B half of the time (a singular A).
    let rank = if region != Pd && m > 1 && rng.unit() < 0.5 { m - 1 } else { m };
    let b: Vec<f64> = (0..m * m)
        .map(|k| {
            if k % m >= rank {
                0.0
            } else if region == PsdNonneg {
                rng.uniform(0.0, 1.0)
            } else {
                rng.uniform(-1.0, 1.0)
            }
        })
        .collect();
    let mut data = vec![0.0; m * m];
    for i in 0..m {
        for j in 0..m {
            let mut s: f64 = (0..m).map(|k| b[i * m + k] * b[j * m + k]).sum();
            if region == Pd && i == j {
                s += 0.2;
            }
            data[i * m + j] = if region == Nsd { -s } else { s };
        }
    }
    Array { shape, data }
}

/// A direction d ≥ 0 (entrywise) with a + d still in the region of a.
fn direction(rng: &mut Rng, region: Region, a: &Array) -> Array {
    let n = a.data.len();
    let data = match region {
        Mixed | Nonneg | Pos => {
            let scale = [1e-3, 0.3, 2.0][(rng.next_u64() % 3) as usize];
            (0..n).map(|_| if rng.unit() < 0.3 { 0.0 } else { scale * rng.unit() }).collect()
        }
        // Toward zero, at most up to it.
        Nonpos | NonposAboveMinusOne => {
            a.data.iter().map(|v| if rng.unit() < 0.2 { -v } else { -v * rng.unit() }).collect()
        }
        Zero => vec![0.0; n],
        // A nonnegative diagonal keeps a semidefinite (definite) matrix so; for a
        // negative semidefinite one it may not exceed −λmax.
        Psd | PsdNonneg | Pd | Nsd => {
            let m = a.shape.dims()[0];
            let top = if region == Nsd { (-linalg::sym_eigvals(a)[m - 1]).max(0.0) } else { 1.0 };
            let mut d = vec![0.0; n];
            for i in 0..m {
                d[i * m + i] = top * rng.unit();
            }
            d
        }
    };
    Array { shape: a.shape, data }
}

// ---------------------------------------------------------------------------
// The table.

/// One valid call: argument shapes, compile-time arguments (defaults applied), and
/// the regions each argument is drawn from.
struct Call {
    shapes: Vec<Vec<usize>>,
    statics: Vec<Option<f64>>,
    regions: Vec<&'static [Region]>,
    /// The shape of the result, as numpy has it.
    want: Vec<usize>,
}

/// A call the shape rule must reject.
struct Bad {
    shapes: Vec<Vec<usize>>,
    statics: Vec<Option<f64>>,
}

struct Spec {
    name: &'static str,
    calls: Vec<Call>,
    bad: Vec<Bad>,
    /// Groups of arguments that vary together in the curvature check (the others
    /// are held at constant values). Empty: all arguments jointly.
    vary: Vec<Vec<usize>>,
}

fn call(shapes: &[&[usize]], statics: &[Option<f64>], regions: &[&'static [Region]], want: &[usize]) -> Call {
    assert_eq!(shapes.len(), regions.len());
    Call {
        shapes: shapes.iter().map(|s| s.to_vec()).collect(),
        statics: statics.to_vec(),
        regions: regions.to_vec(),
        want: want.to_vec(),
    }
}

fn bad(shapes: &[&[usize]], statics: &[Option<f64>]) -> Bad {
    Bad { shapes: shapes.iter().map(|s| s.to_vec()).collect(), statics: statics.to_vec() }
}

fn spec(name: &'static str, calls: Vec<Call>, bad: Vec<Bad>) -> Spec {
    Spec { name, calls, bad, vary: Vec::new() }
}

/// A one-argument atom on a scalar, a vector and a matrix.
fn unary(statics: &[Option<f64>], regions: &'static [Region]) -> Vec<Call> {
    [&[][..], &[3], &[2, 3]].iter().map(|s| call(&[s], statics, &[regions], s)).collect()
}

/// A reduction to a scalar of a scalar, a vector and a matrix.
fn reduction(statics: &[Option<f64>], regions: &'static [Region]) -> Vec<Call> {
    [&[][..], &[3], &[2, 3]].iter().map(|s| call(&[s], statics, &[regions], &[])).collect()
}

/// Broadcasting pairs of shapes (numpy rules).
fn broadcast_pairs(x: &'static [Region], y: &'static [Region]) -> Vec<Call> {
    let pairs: [(&[usize], &[usize], &[usize]); 6] = [
        (&[3], &[3], &[3]),
        (&[2, 3], &[3], &[2, 3]),
        (&[], &[2, 3], &[2, 3]),
        (&[2, 1], &[1, 3], &[2, 3]),
        (&[2, 3], &[2, 3], &[2, 3]),
        (&[3], &[], &[3]),
    ];
    pairs.iter().map(|(a, b, r)| call(&[a, b], &[], &[x, y], r)).collect()
}

/// `sum`, `mean` and `ptp`: everything, or one axis (numpy's shapes).
fn axis_reduction() -> Vec<Call> {
    let s = Some;
    vec![
        call(&[&[2, 3]], &[None], &[REAL], &[]),
        call(&[&[2, 3]], &[s(0.0)], &[REAL], &[3]),
        call(&[&[2, 3]], &[s(1.0)], &[REAL], &[2]),
        call(&[&[2, 3]], &[s(-1.0)], &[REAL], &[2]),
        call(&[&[4]], &[None], &[REAL], &[]),
        call(&[&[4]], &[s(0.0)], &[REAL], &[]),
        call(&[&[]], &[None], &[REAL], &[]),
    ]
}

/// The reductions with cvxpy's `axis=` and `keepdims=` after the compile-time
/// arguments `pre`: over everything (when `whole`, which a matrix norm other than
/// p = 1, 2, ∞ is not) or one axis of a matrix, and keepdims' shapes.
fn axis_keepdims(pre: &[Option<f64>], whole: bool) -> Vec<Call> {
    let s = Some;
    let with = |rest: &[Option<f64>]| [pre, rest].concat();
    let mut v = vec![
        call(&[&[2, 3]], &with(&[s(0.0)]), &[REAL], &[3]),
        call(&[&[2, 3]], &with(&[s(1.0)]), &[REAL], &[2]),
        call(&[&[2, 3]], &with(&[s(-2.0), s(1.0)]), &[REAL], &[1, 3]),
        call(&[&[2, 3]], &with(&[s(1.0), s(1.0)]), &[REAL], &[2, 1]),
        call(&[&[2, 3]], &with(&[s(1.0), s(0.0)]), &[REAL], &[2]),
        call(&[&[3, 2]], &with(&[s(0.0)]), &[REAL], &[2]),
        call(&[&[4]], &with(&[s(0.0), s(1.0)]), &[REAL], &[1]),
        call(&[&[4]], &with(&[None, s(1.0)]), &[REAL], &[1]),
        call(&[&[4]], &with(&[s(0.0)]), &[REAL], &[]),
    ];
    if whole {
        v.push(call(&[&[2, 3]], &with(&[None, s(1.0)]), &[REAL], &[1, 1]));
        v.push(call(&[&[2, 3]], &with(&[]), &[REAL], &[]));
    }
    v
}

fn axis_keepdims_bad(pre: &[Option<f64>]) -> Vec<Bad> {
    let with = |rest: &[Option<f64>]| [pre, rest].concat();
    vec![
        bad(&[&[2, 3]], &with(&[Some(2.0)])),
        bad(&[&[4]], &with(&[Some(1.0)])),
        bad(&[&[]], &with(&[Some(0.0)])),
    ]
}

/// `var` and `std`: (axis, keepdims, ddof) with the shapes of `sum`.
fn spread_calls() -> Vec<Call> {
    let s = Some;
    vec![
        call(&[&[2, 3]], &[None, None, s(0.0)], &[REAL], &[]),
        call(&[&[2, 3]], &[s(0.0), None, s(0.0)], &[REAL], &[3]),
        call(&[&[2, 3]], &[s(1.0), s(1.0), s(1.0)], &[REAL], &[2, 1]),
        call(&[&[4]], &[None, None, s(1.5)], &[REAL], &[]),
        call(&[&[4]], &[s(0.0), s(1.0), s(0.0)], &[REAL], &[1]),
        call(&[&[]], &[None, None, s(0.0)], &[REAL], &[]),
    ]
}

fn spread_bad() -> Vec<Bad> {
    let s = Some;
    vec![
        bad(&[&[2, 3]], &[s(2.0), None, s(0.0)]),
        bad(&[&[4]], &[None, None, s(4.0)]),
        bad(&[&[2, 3]], &[s(0.0), None, s(2.0)]),
        bad(&[&[]], &[s(0.0), None, s(0.0)]),
    ]
}

fn axis_reduction_bad() -> Vec<Bad> {
    vec![bad(&[&[2, 3]], &[Some(2.0)]), bad(&[&[2, 3]], &[Some(-3.0)]), bad(&[&[]], &[Some(0.0)])]
}

fn specs() -> Vec<Spec> {
    let s = Some;
    // Shapes as numpy has them: `[]` a scalar, `[n]` a vector, `[m, n]` a matrix. The
    // last argument of `call` is the shape numpy gives the result.
    let mut v = vec![
        // ----- affine
        spec("sum", axis_reduction(), axis_reduction_bad()),
        spec(
            "trace",
            vec![call(&[&[3, 3]], &[], &[MATRIX], &[]), call(&[&[1, 1]], &[], &[REAL], &[])],
            vec![bad(&[&[2, 3]], &[]), bad(&[&[3]], &[])],
        ),
        spec(
            "diag",
            vec![call(&[&[3]], &[], &[REAL], &[3, 3]), call(&[&[3, 3]], &[], &[MATRIX], &[3])],
            vec![bad(&[&[2, 3]], &[]), bad(&[&[]], &[])],
        ),
        spec(
            "reshape",
            vec![
                call(&[&[2, 3]], &[s(6.0), None], &[REAL], &[6]),
                call(&[&[2, 3]], &[s(3.0), s(2.0)], &[REAL], &[3, 2]),
                call(&[&[6]], &[s(2.0), s(3.0)], &[REAL], &[2, 3]),
                call(&[&[4]], &[s(4.0), s(1.0)], &[REAL], &[4, 1]),
                call(&[&[]], &[s(1.0), None], &[REAL], &[1]),
            ],
            vec![
                bad(&[&[2, 3]], &[s(4.0), s(2.0)]),
                bad(&[&[2, 3]], &[s(5.0), None]),
                bad(&[&[2, 3]], &[s(0.0), None]),
            ],
        ),
        spec(
            "vec",
            vec![
                call(&[&[2, 3]], &[], &[REAL], &[6]),
                call(&[&[3]], &[], &[REAL], &[3]),
                call(&[&[]], &[], &[REAL], &[1]),
            ],
            vec![],
        ),
        spec(
            "hstack",
            vec![
                call(&[&[3], &[2]], &[], &[REAL, REAL], &[5]),
                call(&[&[2, 3], &[2, 1]], &[], &[REAL, REAL], &[2, 4]),
                call(&[&[], &[2]], &[], &[REAL, REAL], &[3]),
                call(&[&[2], &[3], &[]], &[], &[REAL, REAL, REAL], &[6]),
                call(&[&[2, 2]], &[], &[REAL], &[2, 2]),
            ],
            vec![bad(&[&[2, 3], &[3, 3]], &[]), bad(&[&[2, 3], &[3]], &[])],
        ),
        spec(
            "vstack",
            vec![
                call(&[&[3], &[3]], &[], &[REAL, REAL], &[2, 3]),
                call(&[&[2, 3], &[1, 3]], &[], &[REAL, REAL], &[3, 3]),
                call(&[&[], &[]], &[], &[REAL, REAL], &[2, 1]),
                call(&[&[3], &[2, 3], &[3]], &[], &[REAL, REAL, REAL], &[4, 3]),
            ],
            vec![bad(&[&[2, 3], &[2, 2]], &[]), bad(&[&[3], &[2]], &[])],
        ),
        spec(
            "concatenate",
            vec![
                call(&[&[3], &[2]], &[s(0.0)], &[REAL, REAL], &[5]),
                call(&[&[2, 3], &[1, 3]], &[s(0.0)], &[REAL, REAL], &[3, 3]),
                call(&[&[2, 3], &[2, 1], &[2, 2]], &[s(1.0)], &[REAL, REAL, REAL], &[2, 6]),
                call(&[&[2, 3], &[2, 2]], &[s(-1.0)], &[REAL, REAL], &[2, 5]),
                call(&[&[4]], &[s(0.0)], &[REAL], &[4]),
            ],
            vec![
                bad(&[&[], &[2]], &[s(0.0)]),
                bad(&[&[3], &[2]], &[s(1.0)]),
                bad(&[&[2, 3], &[3]], &[s(0.0)]),
                bad(&[&[2, 3], &[2, 2]], &[s(0.0)]),
                bad(&[&[2, 3], &[3, 3]], &[s(1.0)]),
                bad(&[&[2, 3]], &[s(2.0)]),
            ],
        ),
        spec(
            "cumsum",
            vec![
                call(&[&[2, 3]], &[s(0.0)], &[REAL], &[2, 3]),
                call(&[&[2, 3]], &[s(1.0)], &[REAL], &[2, 3]),
                call(&[&[4]], &[s(0.0)], &[REAL], &[4]),
                call(&[&[4]], &[s(-1.0)], &[REAL], &[4]),
                call(&[&[]], &[s(0.0)], &[REAL], &[]),
            ],
            vec![bad(&[&[4]], &[s(1.0)]), bad(&[&[2, 3]], &[s(2.0)])],
        ),
        spec(
            "diff",
            vec![
                call(&[&[5]], &[s(1.0), s(0.0)], &[REAL], &[4]),
                call(&[&[5]], &[s(2.0), s(0.0)], &[REAL], &[3]),
                call(&[&[5]], &[s(0.0), s(0.0)], &[REAL], &[5]),
                call(&[&[3, 4]], &[s(1.0), s(0.0)], &[REAL], &[2, 4]),
                call(&[&[3, 4]], &[s(1.0), s(1.0)], &[REAL], &[3, 3]),
                call(&[&[3, 4]], &[s(2.0), s(-1.0)], &[REAL], &[3, 2]),
                call(&[&[3, 4]], &[s(0.0), s(1.0)], &[REAL], &[3, 4]),
            ],
            vec![
                bad(&[&[]], &[s(1.0), s(0.0)]),
                bad(&[&[3]], &[s(3.0), s(0.0)]),
                bad(&[&[3]], &[s(-1.0), s(0.0)]),
                bad(&[&[3, 4]], &[s(1.0), s(2.0)]),
            ],
        ),
        Spec {
            name: "multiply",
            calls: broadcast_pairs(REAL, REAL),
            bad: vec![bad(&[&[2, 3], &[2]], &[]), bad(&[&[3], &[4]], &[])],
            // Affine in each factor with the other one constant (jointly: neither).
            vary: vec![vec![0], vec![1], vec![0, 1]],
        },
        Spec {
            name: "kron",
            calls: vec![
                call(&[&[2], &[3]], &[], &[REAL, REAL], &[6]),
                call(&[&[2, 2], &[2, 3]], &[], &[REAL, REAL], &[4, 6]),
                call(&[&[], &[3]], &[], &[REAL, REAL], &[3]),
                call(&[&[3], &[2, 2]], &[], &[REAL, REAL], &[2, 6]),
                call(&[&[2, 3], &[]], &[], &[REAL, REAL], &[2, 3]),
            ],
            bad: vec![],
            vary: vec![vec![0], vec![1], vec![0, 1]],
        },
        spec("mean", axis_reduction(), axis_reduction_bad()),
        Spec {
            name: "outer",
            calls: vec![
                call(&[&[2], &[3]], &[], &[REAL, REAL], &[2, 3]),
                call(&[&[], &[3]], &[], &[REAL, REAL], &[1, 3]),
                call(&[&[3], &[]], &[], &[REAL, REAL], &[3, 1]),
            ],
            bad: vec![bad(&[&[2, 2], &[2]], &[]), bad(&[&[2], &[1, 3]], &[])],
            vary: vec![vec![0], vec![1], vec![0, 1]],
        },
        Spec {
            name: "vdot",
            calls: vec![
                call(&[&[3], &[3]], &[], &[REAL, REAL], &[]),
                call(&[&[2, 3], &[2, 3]], &[], &[REAL, REAL], &[]),
                call(&[&[], &[]], &[], &[REAL, REAL], &[]),
            ],
            bad: vec![bad(&[&[2, 3], &[6]], &[]), bad(&[&[3], &[4]], &[])],
            vary: vec![vec![0], vec![1], vec![0, 1]],
        },
        Spec {
            name: "scalar_product",
            calls: vec![
                call(&[&[3], &[3]], &[], &[REAL, REAL], &[]),
                call(&[&[2, 2], &[2, 2]], &[], &[REAL, REAL], &[]),
            ],
            bad: vec![bad(&[&[2, 3], &[3, 2]], &[])],
            vary: vec![vec![0], vec![1], vec![0, 1]],
        },
        spec(
            "upper_tri",
            vec![call(&[&[3, 3]], &[], &[MATRIX], &[3]), call(&[&[2, 2]], &[], &[REAL], &[1])],
            vec![bad(&[&[2, 3]], &[]), bad(&[&[1, 1]], &[]), bad(&[&[3]], &[]), bad(&[&[]], &[])],
        ),
        spec(
            "transpose",
            vec![
                call(&[&[2, 3]], &[], &[REAL], &[3, 2]),
                call(&[&[4]], &[], &[REAL], &[4]),
                call(&[&[]], &[], &[REAL], &[]),
            ],
            vec![],
        ),
        Spec {
            name: "convolve",
            calls: vec![
                call(&[&[3], &[4]], &[], &[REAL, REAL], &[6]),
                call(&[&[], &[3]], &[], &[REAL, REAL], &[3]),
                call(&[&[2], &[]], &[], &[REAL, REAL], &[2]),
            ],
            bad: vec![bad(&[&[2, 2], &[3]], &[]), bad(&[&[3], &[3, 1]], &[])],
            vary: vec![vec![0], vec![1], vec![0, 1]],
        },
        Spec {
            name: "conv",
            calls: vec![
                call(&[&[2], &[4]], &[], &[REAL, REAL], &[5]),
                call(&[&[], &[]], &[], &[REAL, REAL], &[1]),
            ],
            bad: vec![bad(&[&[2, 2], &[3]], &[])],
            vary: vec![vec![0], vec![1], vec![0, 1]],
        },
        // ----- elementwise
        spec("abs", unary(&[], REAL), vec![]),
        spec("pos", unary(&[], REAL), vec![]),
        spec("neg", unary(&[], REAL), vec![]),
        spec("square", unary(&[], REAL), vec![]),
        spec("power", Vec::new(), vec![]), // filled in below
        spec("exp", unary(&[], REAL), vec![]),
        spec("log", unary(&[], POS), vec![]),
        spec("sqrt", unary(&[], NONNEG), vec![]),
        spec("entr", unary(&[], NONNEG), vec![]),
        spec("logistic", unary(&[], REAL), vec![]),
        spec("inv_pos", unary(&[], POS), vec![]),
        spec("huber", Vec::new(), vec![bad(&[&[3]], &[s(0.0)]), bad(&[&[3]], &[s(-1.0)])]),
        spec("kl_div", broadcast_pairs(NONNEG, POS), vec![bad(&[&[2, 3], &[2]], &[])]),
        spec("rel_entr", broadcast_pairs(NONNEG, POS), vec![bad(&[&[2, 3], &[2]], &[])]),
        spec("maximum", Vec::new(), vec![bad(&[&[3], &[2]], &[]), bad(&[&[2, 3], &[3], &[2]], &[])]),
        spec("minimum", Vec::new(), vec![bad(&[&[3], &[2]], &[]), bad(&[&[2, 3], &[3], &[2]], &[])]),
        spec("log1p", unary(&[], ABOVE_MINUS_ONE), vec![]),
        spec("log_normcdf", unary(&[], REAL), vec![]),
        spec("loggamma", unary(&[], POS), vec![]),
        spec("xexp", unary(&[], NONNEG), vec![]),
        spec(
            "cummax",
            vec![
                call(&[&[2, 3]], &[s(0.0)], &[REAL], &[2, 3]),
                call(&[&[2, 3]], &[s(1.0)], &[REAL], &[2, 3]),
                call(&[&[4]], &[s(0.0)], &[REAL], &[4]),
                call(&[&[4]], &[s(-1.0)], &[REAL], &[4]),
                call(&[&[]], &[s(0.0)], &[REAL], &[]),
            ],
            vec![bad(&[&[4]], &[s(1.0)]), bad(&[&[2, 3]], &[s(2.0)])],
        ),
        // ----- reductions to a scalar
        spec("norm1", reduction(&[], REAL), vec![]),
        spec("norm2", reduction(&[], REAL), vec![]),
        spec("norm_inf", reduction(&[], REAL), vec![]),
        spec(
            "norm",
            [1.5, 3.0, 1.0, 2.0, f64::INFINITY]
                .iter()
                .flat_map(|p| [call(&[&[4]], &[s(*p)], &[REAL], &[]), call(&[&[]], &[s(*p)], &[REAL], &[])])
                .collect(),
            vec![bad(&[&[2, 3]], &[s(3.0)]), bad(&[&[4]], &[s(0.5)]), bad(&[&[4]], &[s(f64::NEG_INFINITY)])],
        ),
        spec("sum_squares", reduction(&[], REAL), vec![]),
        Spec {
            name: "quad_form",
            calls: vec![
                call(&[&[3], &[3, 3]], &[], &[REAL, &[Psd, PsdNonneg, Nsd, Mixed, Nonneg, Zero]], &[]),
                call(&[&[], &[1, 1]], &[], &[REAL, &[Psd, Nsd, Mixed]], &[]),
                call(&[&[], &[]], &[], &[REAL, REAL], &[]),
            ],
            bad: vec![
                bad(&[&[3], &[2, 2]], &[]),
                bad(&[&[3], &[3]], &[]),
                bad(&[&[2, 3], &[6, 6]], &[]),
                bad(&[&[], &[2, 2]], &[]),
            ],
            // P is a constant (DCP) or a parameter: the facts are about x.
            vary: vec![vec![0]],
        },
        spec(
            "quad_over_lin",
            vec![
                call(&[&[3], &[]], &[], &[REAL, POS], &[]),
                call(&[&[2, 3], &[]], &[], &[REAL, POS], &[]),
                call(&[&[], &[]], &[], &[REAL, POS], &[]),
            ],
            vec![bad(&[&[3], &[2]], &[]), bad(&[&[3], &[1, 1]], &[])],
        ),
        spec("log_sum_exp", reduction(&[], REAL), vec![]),
        spec("max", reduction(&[], REAL), vec![]),
        spec("min", reduction(&[], REAL), vec![]),
        spec(
            "sum_largest",
            Vec::new(),
            vec![bad(&[&[3]], &[s(4.0)]), bad(&[&[3]], &[s(0.0)]), bad(&[&[3]], &[None])],
        ),
        spec(
            "sum_smallest",
            Vec::new(),
            vec![bad(&[&[3]], &[s(4.0)]), bad(&[&[3]], &[s(0.0)]), bad(&[&[3]], &[None])],
        ),
        Spec {
            name: "geo_mean",
            calls: vec![
                call(&[&[4]], &[], &[NONNEG], &[]),
                call(&[&[]], &[], &[NONNEG], &[]),
                // Weighted: p a constant ≥ 0 of x's length (held fixed).
                call(&[&[4], &[4]], &[], &[NONNEG, POS], &[]),
                call(&[&[3], &[3]], &[], &[NONNEG, POS], &[]),
                call(&[&[], &[]], &[], &[NONNEG, POS], &[]),
            ],
            bad: vec![bad(&[&[2, 3]], &[]), bad(&[&[3], &[2]], &[]), bad(&[&[3], &[1, 3]], &[])],
            vary: vec![vec![0]],
        },
        spec("norm_fro", reduction(&[], REAL), vec![]),
        spec(
            "tv",
            vec![
                call(&[&[4]], &[], &[REAL], &[]),
                call(&[&[3, 1]], &[], &[REAL], &[]),
                call(&[&[2, 3]], &[], &[REAL], &[]),
                call(&[&[3, 3], &[3, 3]], &[], &[REAL, REAL], &[]),
                call(&[&[1, 3]], &[], &[REAL], &[]),
            ],
            vec![bad(&[&[]], &[]), bad(&[&[2, 3], &[3, 2]], &[]), bad(&[&[3], &[3]], &[])],
        ),
        spec("ptp", axis_reduction(), axis_reduction_bad()),
        spec(
            "inv_prod",
            vec![call(&[&[4]], &[], &[POS], &[]), call(&[&[]], &[], &[POS], &[])],
            vec![bad(&[&[2, 3]], &[])],
        ),
        spec("harmonic_mean", reduction(&[], NONNEG), vec![]),
        // The geometric-program atoms: their facts are those of the numbers (they have
        // no conic form; `dgp` rewrites them).
        spec("prod", axis_reduction(), axis_reduction_bad()),
        spec("one_minus_pos", unary(&[], REAL), vec![]),
        spec("diff_pos", broadcast_pairs(REAL, REAL), vec![bad(&[&[2, 3], &[2]], &[])]),
        Spec {
            name: "dotsort",
            calls: vec![
                call(&[&[4], &[2]], &[], &[REAL, REAL], &[]),
                call(&[&[2, 3], &[3]], &[], &[REAL, REAL], &[]),
                call(&[&[3], &[3]], &[], &[REAL, REAL], &[]),
                call(&[&[], &[]], &[], &[REAL, REAL], &[]),
            ],
            bad: vec![bad(&[&[3], &[4]], &[]), bad(&[&[], &[2]], &[])],
            // w is a constant (or a parameter): the facts are about x.
            vary: vec![vec![0]],
        },
        spec(
            "cvar",
            [(0.5, 5), (0.6, 5), (0.0, 5), (0.95, 5), (0.3, 1)]
                .iter()
                .map(|&(b, m)| call(&[&[m]], &[s(b)], &[REAL], &[]))
                .collect(),
            vec![
                bad(&[&[5]], &[s(1.0)]),
                bad(&[&[5]], &[s(-0.5)]),
                bad(&[&[2, 2]], &[s(0.5)]),
                bad(&[&[]], &[s(0.5)]),
            ],
        ),
        spec(
            "mixed_norm",
            vec![
                call(&[&[2, 3]], &[s(2.0), s(1.0)], &[REAL], &[]),
                call(&[&[3, 3]], &[s(1.0), s(f64::INFINITY)], &[MATRIX], &[]),
                call(&[&[3, 1]], &[s(f64::INFINITY), s(2.0)], &[REAL], &[]),
                call(&[&[2, 3]], &[s(1.5), s(3.0)], &[REAL], &[]),
            ],
            vec![
                bad(&[&[3]], &[s(2.0), s(1.0)]),
                bad(&[&[]], &[s(2.0), s(1.0)]),
                bad(&[&[2, 3]], &[s(0.5), s(1.0)]),
            ],
        ),
        spec("var", spread_calls(), spread_bad()),
        spec("std", spread_calls(), spread_bad()),
        // ----- matrix
        spec(
            "lambda_max",
            vec![call(&[&[3, 3]], &[], &[SYMMETRIC], &[]), call(&[&[1, 1]], &[], &[SYMMETRIC], &[])],
            vec![bad(&[&[3]], &[]), bad(&[&[2, 3]], &[]), bad(&[&[]], &[])],
        ),
        spec(
            "lambda_min",
            vec![call(&[&[3, 3]], &[], &[SYMMETRIC], &[]), call(&[&[1, 1]], &[], &[SYMMETRIC], &[])],
            vec![bad(&[&[3]], &[]), bad(&[&[2, 3]], &[]), bad(&[&[]], &[])],
        ),
        spec(
            "lambda_sum_largest",
            vec![
                call(&[&[3, 3]], &[s(2.0)], &[SYMMETRIC], &[]),
                call(&[&[3, 3]], &[s(1.5)], &[SYMMETRIC], &[]),
                call(&[&[2, 2]], &[s(2.0)], &[SYMMETRIC], &[]),
            ],
            vec![
                bad(&[&[3, 3]], &[s(0.0)]),
                bad(&[&[3, 3]], &[s(4.0)]),
                bad(&[&[2, 3]], &[s(1.0)]),
                bad(&[&[3]], &[s(1.0)]),
            ],
        ),
        spec(
            "lambda_sum_smallest",
            vec![
                call(&[&[3, 3]], &[s(2.0)], &[SYMMETRIC], &[]),
                call(&[&[3, 3]], &[s(0.5)], &[SYMMETRIC], &[]),
            ],
            vec![bad(&[&[2, 2]], &[s(2.5)]), bad(&[&[2, 2]], &[s(-1.0)]), bad(&[&[]], &[s(1.0)])],
        ),
        spec(
            "matrix_frac",
            vec![
                call(&[&[3], &[3, 3]], &[], &[REAL, &[Pd]], &[]),
                call(&[&[3, 2], &[3, 3]], &[], &[REAL, &[Pd]], &[]),
                call(&[&[1], &[1, 1]], &[], &[REAL, &[Pd]], &[]),
            ],
            vec![
                bad(&[&[2], &[3, 3]], &[]),
                bad(&[&[], &[3, 3]], &[]),
                bad(&[&[3], &[3, 2]], &[]),
                bad(&[&[3], &[3]], &[]),
            ],
        ),
        spec(
            "tr_inv",
            vec![call(&[&[3, 3]], &[], &[&[Pd]], &[]), call(&[&[1, 1]], &[], &[&[Pd]], &[])],
            vec![bad(&[&[3]], &[]), bad(&[&[2, 3]], &[]), bad(&[&[]], &[])],
        ),
        spec(
            "von_neumann_entr",
            vec![
                call(&[&[3, 3]], &[], &[&[Psd, PsdNonneg, Pd, Zero]], &[]),
                call(&[&[1, 1]], &[], &[&[Psd, Zero]], &[]),
            ],
            vec![bad(&[&[3]], &[]), bad(&[&[2, 3]], &[])],
        ),
        spec(
            "log_det",
            vec![call(&[&[3, 3]], &[], &[&[Pd]], &[]), call(&[&[1, 1]], &[], &[&[Pd]], &[])],
            vec![bad(&[&[3]], &[]), bad(&[&[2, 3]], &[])],
        ),
        spec(
            "sigma_max",
            vec![
                call(&[&[2, 3]], &[], &[REAL], &[]),
                call(&[&[3, 3]], &[], &[MATRIX], &[]),
                call(&[&[3, 1]], &[], &[REAL], &[]),
            ],
            vec![bad(&[&[3]], &[]), bad(&[&[]], &[])],
        ),
        spec(
            "norm_nuc",
            vec![
                call(&[&[2, 3]], &[], &[REAL], &[]),
                call(&[&[3, 3]], &[], &[MATRIX], &[]),
                call(&[&[3, 1]], &[], &[REAL], &[]),
            ],
            vec![bad(&[&[3]], &[]), bad(&[&[]], &[])],
        ),
    ];
    for sp in &mut v {
        match sp.name {
            // p: even (all reals), p = 1 and p = 0 (affine), p > 1 odd or fractional
            // and 0 < p < 1 (x ≥ 0), p < 0 (x > 0).
            "power" => {
                for (p, r) in [
                    (2.0, REAL),
                    (4.0, REAL),
                    (1.0, REAL),
                    (0.0, REAL),
                    (3.0, NONNEG),
                    (1.5, NONNEG),
                    (0.5, NONNEG),
                    (-1.0, POS),
                    (-2.5, POS),
                ] {
                    sp.calls.extend(unary(&[s(p)], r));
                }
            }
            "huber" => {
                for m in [1.0, 2.0, 0.5] {
                    sp.calls.extend(unary(&[s(m)], REAL));
                }
            }
            "maximum" | "minimum" => {
                sp.calls = broadcast_pairs(REAL, REAL);
                sp.calls.push(call(&[&[3], &[3], &[]], &[], &[REAL, REAL, REAL], &[3]));
                sp.calls.push(call(&[&[2, 1], &[3], &[]], &[], &[REAL, REAL, REAL], &[2, 3]));
            }
            "sum_largest" | "sum_smallest" => {
                for (dims, k) in [(&[5][..], 2.0), (&[5], 5.0), (&[5], 1.0), (&[2, 3], 3.0), (&[], 1.0)] {
                    sp.calls.push(call(&[dims], &[s(k)], &[REAL], &[]));
                }
            }
            _ => {}
        }
        // axis= and keepdims= of the reductions that take them.
        match sp.name {
            "sum_largest" | "sum_smallest" => {
                sp.calls.extend(axis_keepdims(&[s(2.0)], true));
                sp.bad.extend(axis_keepdims_bad(&[s(2.0)]));
                sp.bad.push(bad(&[&[2, 3]], &[s(3.0), s(0.0)]));
            }
            "norm" => {
                sp.calls.extend(axis_keepdims(&[s(1.5)], false));
                sp.calls.extend(axis_keepdims(&[None], true));
                sp.calls.extend(axis_keepdims(&[s(f64::INFINITY)], true));
                sp.bad.extend(axis_keepdims_bad(&[s(3.0)]));
                // cvxpy's matrix norms ("fro" is NaN, "nuc" −∞ once read) and p = 2 of
                // a one-column matrix (its Frobenius norm).
                for p in [1.0, 2.0, f64::INFINITY, f64::NAN, f64::NEG_INFINITY] {
                    sp.calls.push(call(&[&[2, 3]], &[s(p)], &[REAL], &[]));
                    sp.calls.push(call(&[&[3, 3]], &[s(p)], &[REAL], &[]));
                }
                sp.calls.push(call(&[&[3, 1]], &[s(2.0)], &[REAL], &[]));
                sp.calls.push(call(&[&[4]], &[s(f64::NAN)], &[REAL], &[]));
            }
            "norm1" | "norm2" | "norm_inf" | "sum_squares" | "log_sum_exp" | "max" | "min" | "sum"
            | "mean" | "ptp" | "prod" => {
                sp.calls.extend(axis_keepdims(&[], true));
                sp.bad.extend(axis_keepdims_bad(&[]));
            }
            _ => {}
        }
        // Omitted trailing compile-time arguments (axis=, keepdims=) are None.
        let n = ATOMS.iter().find(|a| a.name() == sp.name).map_or(0, |a| a.signature().statics.len());
        for c in &mut sp.calls {
            c.statics.resize(n.max(c.statics.len()), None);
        }
        for b in &mut sp.bad {
            b.statics.resize(n.max(b.statics.len()), None);
        }
    }
    v
}

// ---------------------------------------------------------------------------
// Bookkeeping: how many checks of each kind ran per atom.

#[derive(Default, Debug)]
struct Counts {
    arity: usize,
    shape_ok: usize,
    shape_bad: usize,
    sign: usize,
    curvature: usize,
    mono: usize,
}

/// How the analysis may see an argument drawn from a region.
#[derive(Clone, Copy, Debug, PartialEq)]
enum View {
    /// A compile-time constant: its true sign, and its value.
    Constant,
    /// A variable declared with the region's attributes (sign from them).
    Variable,
    /// A parameter declared with the region's attributes: constant for DCP, no value.
    Parameter,
}

fn info(view: View, a: &Array, region: Region) -> ArgInfo<'_> {
    let attrs = Some(region.attrs());
    match view {
        View::Constant => ArgInfo {
            shape: a.shape,
            sign: Sign::of_values(&a.data),
            curvature: Curvature::Constant,
            has_vars: false,
            has_params: false,
            value: Some(a),
            attrs: None,
        },
        View::Variable => ArgInfo {
            shape: a.shape,
            sign: region.sign(),
            curvature: Curvature::Affine,
            has_vars: true,
            has_params: false,
            value: None,
            attrs,
        },
        View::Parameter => ArgInfo {
            shape: a.shape,
            sign: region.sign(),
            curvature: Curvature::Constant,
            has_vars: false,
            has_params: true,
            value: None,
            attrs,
        },
    }
}

fn eval(atom: &dyn Atom, args: &[Array], statics: &[Option<f64>]) -> Array {
    let refs: Vec<&Array> = args.iter().collect();
    let out = atom.eval(&refs, statics).unwrap_or_else(|e| {
        panic!("{}{:?} at {args:?}: eval failed inside the domain: {e}", atom.name(), statics)
    });
    assert!(out.data.iter().all(|v| v.is_finite()), "{}: non-finite value {out:?} at {args:?}", atom.name());
    out
}

/// Every combination of one region per argument (skipping semidefinite regions for
/// arguments that are not square matrices).
fn region_combos(c: &Call) -> Vec<Vec<Region>> {
    let mut combos = vec![Vec::new()];
    for (dims, regions) in c.shapes.iter().zip(&c.regions) {
        let square = dims.len() == 2 && dims[0] == dims[1];
        let allowed: Vec<Region> = regions.iter().copied().filter(|r| square || !r.needs_square()).collect();
        assert!(!allowed.is_empty(), "no region for shape {dims:?}");
        combos = combos
            .into_iter()
            .flat_map(|prefix| {
                allowed.iter().map(move |r| {
                    let mut p = prefix.clone();
                    p.push(*r);
                    p
                })
            })
            .collect();
    }
    combos
}

const SAMPLES: usize = 6;

fn slack(vals: &[&Array]) -> f64 {
    1e-10 * (1.0 + vals.iter().flat_map(|a| a.data.iter()).fold(0.0f64, |m, v| m.max(v.abs())))
}

fn draw(rng: &mut Rng, c: &Call, regions: &[Region]) -> Vec<Array> {
    c.shapes.iter().zip(regions).map(|(d, r)| sample(rng, *r, d)).collect()
}

/// The sign declared for arguments seen as constants (true signs and values), and
/// as variables or parameters declared with their region's attributes, holds for
/// the value.
fn check_sign(atom: &dyn Atom, c: &Call, regions: &[Region], rng: &mut Rng, counts: &mut Counts) {
    let name = atom.name();
    let want_shape = atom.shape(&shapes_of(c), &c.statics).unwrap();
    for _ in 0..SAMPLES {
        let args = draw(rng, c, regions);
        let out = eval(atom, &args, &c.statics);
        assert_eq!(
            out.shape, want_shape,
            "{name}{:?}: eval's shape differs from shape() at {args:?}",
            c.statics
        );
        assert_eq!(
            out.data.len(),
            want_shape.size(),
            "{name}: {} entries for shape {want_shape}",
            out.data.len()
        );
        let tol = 1e-12 * (1.0 + out.data.iter().fold(0.0f64, |m, v| m.max(v.abs())));
        for view in [View::Constant, View::Variable, View::Parameter] {
            let infos: Vec<ArgInfo> = args.iter().zip(regions).map(|(a, r)| info(view, a, *r)).collect();
            let declared = atom.sign(&infos, &c.statics);
            let ok = |v: f64| match declared {
                Sign::Nonneg => v >= -tol,
                Sign::Nonpos => v <= tol,
                Sign::Zero => v.abs() <= tol,
                Sign::Unknown => true,
            };
            assert!(
                out.data.iter().all(|v| ok(*v)),
                "{name}{:?}: declared {declared} for arguments seen as {view:?} with signs {:?} (regions \
                 {regions:?}), but eval gives {:?} at {args:?}",
                c.statics,
                infos.iter().map(|i| i.sign).collect::<Vec<_>>(),
                out.data
            );
            counts.sign += 1;
        }
    }
}

/// Midpoint convexity (concavity, affinity) in the arguments of `group` (variables),
/// the others held fixed (seen as constants with values, and as parameters).
fn check_curvature(
    atom: &dyn Atom,
    c: &Call,
    regions: &[Region],
    group: &[usize],
    rng: &mut Rng,
    counts: &mut Counts,
) {
    let name = atom.name();
    for _ in 0..SAMPLES {
        let fixed = draw(rng, c, regions);
        let (mut a, mut b) = (fixed.clone(), fixed.clone());
        for &i in group {
            a[i] = sample(rng, regions[i], &c.shapes[i]);
            b[i] = sample(rng, regions[i], &c.shapes[i]);
        }
        let mid: Vec<Array> = a
            .iter()
            .zip(&b)
            .map(|(x, y)| Array {
                shape: x.shape,
                data: x.data.iter().zip(&y.data).map(|(u, v)| 0.5 * (u + v)).collect(),
            })
            .collect();
        let (fa, fb, fm) =
            (eval(atom, &a, &c.statics), eval(atom, &b, &c.statics), eval(atom, &mid, &c.statics));
        let tol = slack(&[&fa, &fb, &fm]);
        for view in [View::Constant, View::Parameter] {
            let infos: Vec<ArgInfo> = (0..fixed.len())
                .map(|i| {
                    let v = if group.contains(&i) { View::Variable } else { view };
                    info(v, &fixed[i], regions[i])
                })
                .collect();
            let declared = atom.curvature(&infos, &c.statics);
            if declared == AtomCurvature::Neither {
                continue;
            }
            for k in 0..fm.data.len() {
                let avg = 0.5 * (fa.data[k] + fb.data[k]);
                let gap = fm.data[k] - avg; // ≤ 0 for convex, ≥ 0 for concave
                let ok = match declared {
                    AtomCurvature::Convex => gap <= tol,
                    AtomCurvature::Concave => gap >= -tol,
                    AtomCurvature::Affine => gap.abs() <= tol,
                    AtomCurvature::Neither => unreachable!(),
                };
                assert!(
                    ok,
                    "{name}{:?} declared {declared:?} (varying arguments {group:?}, the others seen as \
                     {view:?}, regions {regions:?}), but f(mid)[{k}] = {} vs (f(a)+f(b))/2 = {avg} at \
                     a = {a:?}, b = {b:?}",
                    c.statics, fm.data[k]
                );
            }
            counts.curvature += 1;
        }
    }
}

/// Declared monotonicity in argument i (a variable of its region's sign; the others
/// seen as constants with values, and as parameters) holds along nonnegative
/// directions that keep argument i in its region.
fn check_mono(atom: &dyn Atom, c: &Call, regions: &[Region], rng: &mut Rng, counts: &mut Counts) {
    let name = atom.name();
    for i in 0..c.shapes.len() {
        if regions[i] == Zero {
            continue; // no direction keeps a zero argument zero
        }
        for _ in 0..SAMPLES {
            let args = draw(rng, c, regions);
            let d = direction(rng, regions[i], &args[i]);
            let mut moved = args.clone();
            moved[i].data.iter_mut().zip(&d.data).for_each(|(x, dx)| *x += dx);
            let (f0, f1) = (eval(atom, &args, &c.statics), eval(atom, &moved, &c.statics));
            let tol = slack(&[&f0, &f1]);
            for view in [View::Constant, View::Parameter] {
                let infos: Vec<ArgInfo> = (0..args.len())
                    .map(|j| info(if j == i { View::Variable } else { view }, &args[j], regions[j]))
                    .collect();
                let declared = atom.monotonicity(i, &infos, &c.statics);
                if declared == Mono::None {
                    continue;
                }
                for k in 0..f0.data.len() {
                    let change = f1.data[k] - f0.data[k];
                    let ok = match declared {
                        Mono::Increasing => change >= -tol,
                        Mono::Decreasing => change <= tol,
                        Mono::None => unreachable!(),
                    };
                    assert!(
                        ok,
                        "{name}{:?} declared {declared} in argument {i} (sign {}, the others seen as \
                         {view:?}, regions {regions:?}), but entry {k} changes by {change} from {args:?} \
                         along {d:?}",
                        c.statics, infos[i].sign
                    );
                }
                counts.mono += 1;
            }
        }
    }
}

fn shapes_of(c: &Call) -> Vec<Shape> {
    c.shapes.iter().map(|d| Shape::from_dims(d).unwrap()).collect()
}

// ---------------------------------------------------------------------------
// Arity through the front end.

fn var_decl(name: &str, dims: &[usize]) -> String {
    if dims.is_empty() {
        format!("variable {name}\n")
    } else {
        let d: Vec<String> = dims.iter().map(|n| n.to_string()).collect();
        format!("variable {name}[{}]\n", d.join(", "))
    }
}

/// Analyze `variable x[3]` + `minimize sum(CALL)`; the error, with the rendered
/// location of the byte at `at` in CALL.
fn rejected(call: &str, at: usize) -> (dopt::Error, String) {
    let prefix = "minimize sum(";
    let text = format!("variable x[3]\n{prefix}{call})\n");
    let src = SourceFile::new("arity.dopt", text);
    let err = match dopt::internals::frontend::analyze(&src, &Dims::new()) {
        Ok(_) => panic!("`{call}` was accepted"),
        Err(e) => e,
    };
    (err, format!("arity.dopt:2:{}", prefix.len() + at + 1))
}

fn check_arity(atom: &dyn Atom, sp: &Spec, counts: &mut Counts) {
    let name = atom.name();
    let sig = atom.signature();
    let nexpr = sig.args.len();
    let required = sig.statics.iter().filter(|s| !s.optional).count();
    let assert_located = |call: &str, err: &dopt::Error, loc: &str, codes: &[&str]| {
        let rendered = err.render();
        let d = &err.diagnostics[0];
        assert!(codes.contains(&d.code.id), "`{call}`: code {} (want {codes:?}):\n{rendered}", d.code.id);
        assert!(d.primary_span().is_some(), "`{call}`: the diagnostic has no location:\n{rendered}");
        assert!(rendered.contains(loc), "`{call}`: want location {loc}:\n{rendered}");
    };
    // Too few: every count below the expression arguments, and (with a required
    // compile-time argument) the expression arguments alone.
    let mut short: Vec<usize> = (0..nexpr).collect();
    if required > 0 {
        short.push(nexpr);
    }
    for k in short {
        let call = format!("{name}({})", vec!["x"; k].join(", "));
        let (err, loc) = rejected(&call, 0);
        assert_located(&call, &err, &loc, &["E0207"]);
        assert!(err.diagnostics[0].message.contains(&format!("`{name}`")), "`{call}`: {}", err.render());
        counts.arity += 1;
    }
    if !sig.variadic {
        // One expression argument too many: it lands on the first compile-time slot
        // when there is one (then the static argument's own error, E0305).
        let call = format!("{name}({})", vec!["x"; nexpr + 1].join(", "));
        let (err, loc) = rejected(&call, call.rfind('x').unwrap());
        let codes: &[&str] = if sig.statics.is_empty() { &["E0207"] } else { &["E0207", "E0305"] };
        assert_located(&call, &err, &loc, codes);
        if err.diagnostics[0].code.id == "E0207" {
            assert!(err.diagnostics[0].message.contains(&format!("`{name}`")), "`{call}`: {}", err.render());
        }
        counts.arity += 1;
        // Every slot filled and one more.
        if !sig.statics.is_empty() {
            let mut args = vec!["x"; nexpr];
            args.extend(vec!["1"; sig.statics.len()]);
            args.push("x");
            let call = format!("{name}({})", args.join(", "));
            let (err, loc) = rejected(&call, call.rfind('x').unwrap());
            assert_located(&call, &err, &loc, &["E0207"]);
            assert!(err.diagnostics[0].message.contains(&format!("`{name}`")), "`{call}`: {}", err.render());
            counts.arity += 1;
        }
    }
    // The valid calls of the table pass the same front end (shape checks included),
    // so the rejections above are about the argument counts.
    for c in &sp.calls {
        let sig = atom.signature();
        let literals: Option<Vec<String>> = sig
            .statics
            .iter()
            .zip(&c.statics)
            .filter_map(|(spec, v)| v.map(|v| static_literal(spec, v).map(|t| format!("{}={t}", spec.name))))
            .collect();
        let Some(literals) = literals else {
            continue; // no literal for this value (an infinite p of an atom without words)
        };
        let mut text = String::new();
        let mut args = Vec::new();
        for (i, dims) in c.shapes.iter().enumerate() {
            text += &var_decl(&format!("a{i}"), dims);
            args.push(format!("a{i}"));
        }
        // The compile-time arguments given, by name.
        args.extend(literals);
        text += &format!("minimize sum({name}({}))\n", args.join(", "));
        let src = SourceFile::new("valid.dopt", text.clone());
        if let Err(e) = dopt::internals::frontend::check(&src, &Dims::new()) {
            panic!("valid call rejected:\n{text}\n{}", e.render());
        }
    }
}

/// How a user writes a compile-time value: a number, True/False for a flag, or the
/// string that stands for a non-finite value (`norm`'s "inf", "fro", "nuc").
fn static_literal(spec: &StaticParam, v: f64) -> Option<String> {
    if spec.kind == StaticKind::Bool {
        return Some((if v == 1.0 { "True" } else { "False" }).to_string());
    }
    if v.is_finite() {
        return Some(format!("{v}"));
    }
    let word = spec.words.iter().find(|(_, w)| *w == v || (w.is_nan() && v.is_nan()))?;
    Some(format!("\"{}\"", word.0))
}

// ---------------------------------------------------------------------------

/// Every check of one table row, on `atom` (the registered atom, or a wrapper that
/// misstates one of its facts).
fn check_spec(atom: &dyn Atom, sp: &Spec, rng: &mut Rng, n: &mut Counts) {
    let name = atom.name();
    let sig = atom.signature();
    assert!(!sp.calls.is_empty(), "{name}: no valid call in the table");

    check_arity(atom, sp, n);

    for b in &sp.bad {
        assert_eq!(b.statics.len(), sig.statics.len(), "{name}: statics of a bad call");
        let shapes: Vec<Shape> = b.shapes.iter().map(|d| Shape::from_dims(d).unwrap()).collect();
        match atom.shape(&shapes, &b.statics) {
            Ok(s) => panic!("{name}: shapes {:?} statics {:?} accepted (result {s})", b.shapes, b.statics),
            Err(e) => {
                assert!(e.message.contains(name), "{name}: the shape error does not name it: {}", e.message)
            }
        }
        n.shape_bad += 1;
    }

    for c in &sp.calls {
        assert_eq!(c.statics.len(), sig.statics.len(), "{name}: statics of {:?}", c.shapes);
        let arity_ok =
            if sig.variadic { c.shapes.len() >= sig.args.len() } else { c.shapes.len() == sig.args.len() };
        assert!(arity_ok, "{name}: {} arguments in the table", c.shapes.len());
        match atom.shape(&shapes_of(c), &c.statics) {
            Ok(s) => assert_eq!(s.dims(), c.want, "{name}: shapes {:?} statics {:?}", c.shapes, c.statics),
            Err(e) => {
                panic!("{name}: valid shapes {:?} statics {:?} rejected: {}", c.shapes, c.statics, e.message)
            }
        }
        n.shape_ok += 1;
        let groups: Vec<Vec<usize>> =
            if sp.vary.is_empty() { vec![(0..c.shapes.len()).collect()] } else { sp.vary.clone() };
        for regions in region_combos(c) {
            check_sign(atom, c, &regions, rng, n);
            for g in &groups {
                check_curvature(atom, c, &regions, g, rng, n);
            }
            check_mono(atom, c, &regions, rng, n);
        }
    }
}

fn registered(name: &str) -> &'static dyn Atom {
    ATOMS
        .iter()
        .copied()
        .find(|a| a.name() == name)
        .unwrap_or_else(|| panic!("the table names `{name}`, which is not a registered atom"))
}

#[test]
fn every_atom_keeps_its_declared_contract() {
    let table = specs();
    let mut rng = Rng(0x5EED_C0DE);
    let mut counts: BTreeMap<&'static str, Counts> = BTreeMap::new();
    for sp in &table {
        let atom = registered(sp.name);
        check_spec(atom, sp, &mut rng, counts.entry(atom.name()).or_default());
    }
    for (name, c) in &counts {
        println!("{name:>14}: {c:?}");
    }

    // Every registered atom has a row (a new atom without one fails here), and every
    // row checked something of each kind.
    let visited: BTreeSet<&str> = counts.keys().copied().collect();
    let registered: BTreeSet<&str> = ATOMS.iter().map(|a| a.name()).collect();
    assert_eq!(ATOMS.len(), MODULES.len());
    let missing: Vec<&&str> = registered.difference(&visited).collect();
    assert!(missing.is_empty(), "registered atoms without a contract case: {missing:?}");
    assert_eq!(table.len(), ATOMS.len(), "one table row per atom");
    for (name, c) in &counts {
        assert!(
            c.arity >= 1 && c.shape_ok > 0 && c.sign > 0 && c.curvature > 0,
            "{name}: too few checks {c:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// The checks themselves can fail: a registered atom with one fact misstated is caught.

type ShapeRule = fn(
    &[Shape],
    Result<Shape, dopt::internals::atoms::ShapeError>,
) -> Result<Shape, dopt::internals::atoms::ShapeError>;

/// Monotonicity from the true answer, the arguments and the argument's index.
type MonoRule = fn(Mono, &[ArgInfo], usize) -> Mono;

/// A registered atom with one fact replaced: a constant answer, or (shape,
/// monotonicity) a rule applied to the true answer.
struct Misstated {
    inner: &'static dyn Atom,
    shape: Option<ShapeRule>,
    curvature: Option<AtomCurvature>,
    sign: Option<Sign>,
    mono: Option<MonoRule>,
}

impl Misstated {
    fn new(name: &str) -> Misstated {
        Misstated { inner: registered(name), shape: None, curvature: None, sign: None, mono: None }
    }
}

impl Atom for Misstated {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn signature(&self) -> dopt::internals::atoms::Signature {
        self.inner.signature()
    }
    fn shape(
        &self,
        args: &[Shape],
        statics: &[Option<f64>],
    ) -> Result<Shape, dopt::internals::atoms::ShapeError> {
        let truth = self.inner.shape(args, statics);
        match self.shape {
            Some(f) => f(args, truth),
            None => truth,
        }
    }
    fn curvature(&self, args: &[ArgInfo], statics: &[Option<f64>]) -> AtomCurvature {
        self.curvature.unwrap_or_else(|| self.inner.curvature(args, statics))
    }
    fn sign(&self, args: &[ArgInfo], statics: &[Option<f64>]) -> Sign {
        self.sign.unwrap_or_else(|| self.inner.sign(args, statics))
    }
    fn monotonicity(&self, i: usize, args: &[ArgInfo], statics: &[Option<f64>]) -> Mono {
        let truth = self.inner.monotonicity(i, args, statics);
        match self.mono {
            Some(f) => f(truth, args, i),
            None => truth,
        }
    }
    fn eval(&self, args: &[&Array], statics: &[Option<f64>]) -> Result<Array, String> {
        self.inner.eval(args, statics)
    }
    fn canonicalize(
        &self,
        c: &mut dopt::internals::conic::ConeBuilder,
        args: &[dopt::internals::conic::Affine],
        shapes: &[Shape],
        statics: &[Option<f64>],
        out: Shape,
    ) -> Result<dopt::internals::conic::Affine, String> {
        self.inner.canonicalize(c, args, shapes, statics, out)
    }
}

#[test]
fn the_checks_catch_misstated_facts() {
    let table = specs();
    let row = |name: &str| table.iter().find(|s| s.name == name).unwrap();
    let lies = [
        (
            "exp declared concave",
            Misstated { curvature: Some(AtomCurvature::Concave), ..Misstated::new("exp") },
        ),
        (
            "abs declared affine",
            Misstated { curvature: Some(AtomCurvature::Affine), ..Misstated::new("abs") },
        ),
        (
            "log_det declared convex",
            Misstated { curvature: Some(AtomCurvature::Convex), ..Misstated::new("log_det") },
        ),
        (
            "entr declared convex",
            Misstated { curvature: Some(AtomCurvature::Convex), ..Misstated::new("entr") },
        ),
        (
            "quad_form convex for any P",
            Misstated { curvature: Some(AtomCurvature::Convex), ..Misstated::new("quad_form") },
        ),
        (
            "multiply jointly affine",
            Misstated { curvature: Some(AtomCurvature::Affine), ..Misstated::new("multiply") },
        ),
        ("exp declared nonpositive", Misstated { sign: Some(Sign::Nonpos), ..Misstated::new("exp") }),
        ("pos declared zero", Misstated { sign: Some(Sign::Zero), ..Misstated::new("pos") }),
        ("log declared nonnegative", Misstated { sign: Some(Sign::Nonneg), ..Misstated::new("log") }),
        (
            "quad_form nonnegative for any P",
            Misstated { sign: Some(Sign::Nonneg), ..Misstated::new("quad_form") },
        ),
        (
            "exp declared decreasing",
            Misstated { mono: Some(|_, _, _| Mono::Decreasing), ..Misstated::new("exp") },
        ),
        // Right on nonnegative arguments, wrong only on nonpositive ones.
        (
            "square increasing on a nonpositive argument",
            Misstated {
                mono: Some(|m, a, i| if a[i].sign == Sign::Nonpos { Mono::Increasing } else { m }),
                ..Misstated::new("square")
            },
        ),
        (
            "norm2 increasing on a nonpositive argument",
            Misstated {
                mono: Some(|m, a, i| if a[i].sign == Sign::Nonpos { Mono::Increasing } else { m }),
                ..Misstated::new("norm2")
            },
        ),
        (
            "huber decreasing on a nonnegative argument",
            Misstated {
                mono: Some(|m, a, i| if a[i].sign == Sign::Nonneg { Mono::Decreasing } else { m }),
                ..Misstated::new("huber")
            },
        ),
        (
            "multiply with the other factor's sign flipped",
            Misstated {
                mono: Some(|m, _, _| match m {
                    Mono::Increasing => Mono::Decreasing,
                    Mono::Decreasing => Mono::Increasing,
                    Mono::None => Mono::None,
                }),
                ..Misstated::new("multiply")
            },
        ),
        (
            "rel_entr increasing in x",
            Misstated {
                mono: Some(|m, _, i| if i == 0 { Mono::Increasing } else { m }),
                ..Misstated::new("rel_entr")
            },
        ),
        // Valid calls get a wrong result shape (bad calls are still rejected).
        (
            "sum keeping its argument's shape",
            Misstated { shape: Some(|a, r| r.map(|_| a[0])), ..Misstated::new("sum") },
        ),
        (
            "kron with the factors' extents added",
            Misstated {
                shape: Some(|a, r| r.map(|_| Shape::vector(a[0].size() + a[1].size()))),
                ..Misstated::new("kron")
            },
        ),
        // The atoms of issue 11.
        (
            "xexp declared concave",
            Misstated { curvature: Some(AtomCurvature::Concave), ..Misstated::new("xexp") },
        ),
        (
            "harmonic_mean declared convex",
            Misstated { curvature: Some(AtomCurvature::Convex), ..Misstated::new("harmonic_mean") },
        ),
        ("tv declared affine", Misstated { curvature: Some(AtomCurvature::Affine), ..Misstated::new("tv") }),
        ("log1p declared nonnegative", Misstated { sign: Some(Sign::Nonneg), ..Misstated::new("log1p") }),
        ("cvar declared nonnegative", Misstated { sign: Some(Sign::Nonneg), ..Misstated::new("cvar") }),
        (
            "cummax declared decreasing",
            Misstated { mono: Some(|_, _, _| Mono::Decreasing), ..Misstated::new("cummax") },
        ),
        (
            "inv_prod declared increasing",
            Misstated { mono: Some(|_, _, _| Mono::Increasing), ..Misstated::new("inv_prod") },
        ),
        (
            "dotsort increasing in x whatever the weights",
            Misstated {
                mono: Some(|_, _, i| if i == 0 { Mono::Increasing } else { Mono::None }),
                ..Misstated::new("dotsort")
            },
        ),
        (
            "upper_tri keeping the whole diagonal",
            Misstated {
                shape: Some(|a, r| r.map(|_| Shape::vector(a[0].size() / 2 + 1))),
                ..Misstated::new("upper_tri")
            },
        ),
        // Bad calls accepted.
        (
            "trace of any shape",
            Misstated { shape: Some(|_, _| Ok(Shape::SCALAR)), ..Misstated::new("trace") },
        ),
        (
            "quad_form with any P",
            Misstated { shape: Some(|_, _| Ok(Shape::SCALAR)), ..Misstated::new("quad_form") },
        ),
    ];
    for (what, atom) in &lies {
        let sp = row(atom.name());
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            check_spec(atom, sp, &mut Rng(7), &mut Counts::default())
        }));
        assert!(caught.is_err(), "not caught: {what}");
    }
}

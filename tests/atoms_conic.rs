//! The conic-form contract of every registered atom: on constant inputs, the value
//! of the cone program that the atom's `canonicalize` builds (solved by Clarabel)
//! equals the atom's `eval`.
//!
//! Each case pins variables to the inputs (`y0 == c0`) and optimizes a positively
//! weighted sum of the atom: `minimize` for convex atoms (the epigraph variable must
//! come down to f), `maximize` for concave ones (the hypograph variable must come up
//! to f); distinct weights make every entry of an elementwise atom count. Affine atoms
//! are also checked entry by entry through `z == f(y)`. Every case runs three times:
//! with the plain variables as arguments, with a constant part added
//! (`(y0 + c0) / 2`), and with parameters mixed in (`(y0 + q0) / 2` with q0 = c0, or
//! a parameter as the constant factor of a product), so that the forms are exercised
//! on parametric (DPP) arguments too.

use dopt::internals::atoms::{ATOMS, StaticKind};
use dopt::internals::frontend;
use dopt::internals::ir::hir::Array;
use dopt::internals::ir::shape::Shape;
use dopt::internals::layer::Layer;
use dopt::internals::sema::Dims;
use dopt::internals::solve::{Settings, Status};
use dopt::internals::source::SourceFile;
use dopt::internals::values::Values;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Sense {
    Convex,
    Concave,
    Affine,
}

/// How an argument enters the problem.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// A variable pinned to the value (with a parameter mixed in, in the DPP run).
    Var,
    /// As `Var`, with the variable and the parameter declared `nonneg` (for atoms
    /// that are DCP only on a nonnegative argument, such as `xexp`).
    VarNonneg,
    /// A variable pinned to the value, never mixed with parameters (arguments that
    /// DPP needs parameter-free).
    VarOnly,
    /// A compile-time constant.
    Const,
    /// A constant, or a parameter in the DPP run (the constant factor of a product).
    ConstOrParam,
}

/// How the variable arguments are written: `y0`; `(y0 + c0) / 2`, which adds a
/// constant part; `(y0 + q0) / 2` with a parameter q0 = c0, which adds a parametric
/// part (and a parameter replaces the constant factor of a product).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Plain,
    Offset,
    Params,
}

struct Case {
    atom: &'static str,
    args: Vec<(Kind, Array)>,
    statics: Vec<Option<f64>>,
    sense: Sense,
}

fn arr(dims: &[usize], data: &[f64]) -> Array {
    let shape = Shape::from_dims(dims).unwrap();
    assert_eq!(shape.size(), data.len());
    Array { shape, data: data.to_vec() }
}

fn s(v: f64) -> Array {
    Array::scalar(v)
}

fn case(atom: &'static str, sense: Sense, args: Vec<(Kind, Array)>, statics: &[Option<f64>]) -> Case {
    Case { atom, args, statics: statics.to_vec(), sense }
}

fn v(a: Array) -> (Kind, Array) {
    (Kind::Var, a)
}

fn num(x: f64) -> String {
    // `{:?}` keeps a decimal point or exponent; the grammar reads both.
    if x < 0.0 { format!("-{:?}", -x) } else { format!("{x:?}") }
}

fn value_text(a: &Array) -> String {
    match *a.shape.dims() {
        [] => num(a.data[0]),
        [_] => format!("[{}]", a.data.iter().map(|x| num(*x)).collect::<Vec<_>>().join(", ")),
        [_, n] => format!(
            "[{}]",
            a.data
                .chunks(n)
                .map(|r| format!("[{}]", r.iter().map(|x| num(*x)).collect::<Vec<_>>().join(", ")))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => unreachable!(),
    }
}

fn shape_text(s: Shape) -> String {
    match *s.dims() {
        [] => String::new(),
        [n] => format!("[{n}]"),
        [m, n] => format!("[{m}, {n}]"),
        _ => unreachable!(),
    }
}

/// Tolerance on the objective, relative to max(1, |expected|). LP, QP and
/// second-order-cone forms reach ~1e-9 at tight settings; the exponential and power
/// cones (nonsymmetric, solved by Clarabel's nonsymmetric path) and the PSD cones
/// converge to fewer digits, so they get 1e-5.
fn tolerance(c: &Case) -> f64 {
    let power_cone =
        c.atom == "power" && !matches!(c.statics[0], Some(p) if p == 0.0 || p == 1.0 || p == 2.0);
    let norm_pow = c.atom == "norm" && !matches!(c.statics[0], Some(p) if p == 1.0 || p == 2.0);
    match c.atom {
        "exp" | "log" | "entr" | "logistic" | "kl_div" | "rel_entr" | "log_sum_exp" | "geo_mean"
        | "lambda_max" | "lambda_min" | "log_det" | "sigma_max" | "norm_nuc" | "log1p" | "xexp"
        | "inv_prod" | "harmonic_mean" => 1e-5,
        _ if power_cone || norm_pow => 1e-5,
        _ => 1e-6,
    }
}

/// Build, solve and compare one case; returns the relative error and whether the
/// default tolerances had to be used.
fn run(c: &Case, mode: Mode) -> Result<(f64, bool), String> {
    let dpp = mode == Mode::Params;
    let atom = ATOMS.iter().find(|a| a.name() == c.atom).ok_or("no such atom")?;
    let refs: Vec<&Array> = c.args.iter().map(|(_, a)| a).collect();
    let want = atom.eval(&refs, &c.statics)?;
    let out = want.shape;
    let mut text = String::new();
    let mut cons = Vec::new();
    let mut values = Values::new();
    let mut call_args = Vec::new();
    for (i, (kind, a)) in c.args.iter().enumerate() {
        let sh = shape_text(a.shape);
        text += &format!("constant c{i}{sh} = {}\n", value_text(a));
        let expr = match kind {
            Kind::Var | Kind::VarOnly | Kind::VarNonneg => {
                let attr = if *kind == Kind::VarNonneg { " nonneg" } else { "" };
                let mixed = *kind != Kind::VarOnly;
                text += &format!("variable y{i}{sh}{attr}\n");
                cons.push(format!("y{i} == c{i}"));
                if dpp && mixed {
                    text += &format!("parameter q{i}{sh}{attr}\n");
                    values.insert(format!("q{i}"), a.clone());
                    format!("(y{i} + q{i}) / 2")
                } else if mode == Mode::Offset && mixed {
                    format!("(y{i} + c{i}) / 2")
                } else {
                    format!("y{i}")
                }
            }
            Kind::Const => format!("c{i}"),
            Kind::ConstOrParam if dpp => {
                text += &format!("parameter q{i}{sh}\n");
                values.insert(format!("q{i}"), a.clone());
                format!("q{i}")
            }
            Kind::ConstOrParam => format!("c{i}"),
        };
        call_args.push(expr);
    }
    // The compile-time arguments by name (an omitted one may precede a given one), in
    // the spellings a user writes: `"fro"`, `"nuc"`, `"inf"` for p, True for a flag.
    for (spec, st) in atom.signature().statics.iter().zip(&c.statics) {
        let Some(st) = *st else { continue };
        let text = match st {
            _ if spec.kind == StaticKind::Bool => (if st == 1.0 { "True" } else { "False" }).to_string(),
            _ if st.is_nan() => "\"fro\"".to_string(),
            f64::NEG_INFINITY => "\"nuc\"".to_string(),
            f64::INFINITY => "\"inf\"".to_string(),
            _ => format!("{st}"),
        };
        call_args.push(format!("{}={text}", spec.name));
    }
    let call = format!("{}({})", c.atom, call_args.join(", "));
    let weights: Vec<f64> = (0..out.size()).map(|k| 1.0 + 0.25 * k as f64).collect();
    text += &format!(
        "constant w{} = {}\n",
        shape_text(out),
        value_text(&Array { shape: out, data: weights.clone() })
    );
    if c.sense == Sense::Affine {
        text += &format!("variable z{}\n", shape_text(out));
        cons.push(format!("z == {call}"));
    }
    let sense = if c.sense == Sense::Concave { "maximize" } else { "minimize" };
    text += &format!("{sense} sum(multiply(w, {call}))\nsubject to\n");
    for k in &cons {
        text += &format!("    {k}\n");
    }
    let src = SourceFile::new("case.dopt", text.clone());
    let checked = frontend::analyze(&src, &Dims::new()).map_err(|f| format!("{text}\n{}", f.render()))?;
    let layer =
        Layer::new(checked.program, &checked.analysis).map_err(|d| format!("{text}\n{}", d.message))?;
    // Clarabel sometimes stalls just short of the tight tolerances (1e-10) and reports
    // "almost solved"; such a case is solved again at its default tolerances (1e-8),
    // where it must be optimal, and counted as a fallback.
    let mut fallback = false;
    let mut sol =
        layer.forward_with(&values, &Settings::tight()).map_err(|d| format!("{text}\n{}", d[0].message))?;
    if sol.status != Status::Optimal {
        fallback = true;
        sol = layer
            .forward_with(&values, &Settings::default())
            .map_err(|d| format!("{text}\n{}", d[0].message))?;
    }
    if sol.status != Status::Optimal {
        return Err(format!("{text}\nstatus {}", sol.status));
    }
    let expected: f64 = weights.iter().zip(&want.data).map(|(w, f)| w * f).sum();
    let mut err = (sol.objective - expected).abs() / expected.abs().max(1.0);
    if c.sense == Sense::Affine {
        let z = &sol.variables["z"];
        let scale = want.data.iter().fold(1.0f64, |m, x| m.max(x.abs()));
        let e = z.data.iter().zip(&want.data).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max) / scale;
        if z.data.len() != want.data.len() {
            return Err(format!("{text}\nz has {} entries, want {}", z.data.len(), want.data.len()));
        }
        err = err.max(e);
    }
    let tol = tolerance(c);
    if err > tol {
        return Err(format!(
            "{text}\nobjective {} vs eval {expected} (rel {err:.2e} > {tol:.0e}); eval = {:?}",
            sol.objective, want.data
        ));
    }
    Ok((err, fallback))
}

fn cases() -> Vec<Case> {
    use Kind::*;
    use Sense::*;
    let m23 = arr(&[2, 3], &[1.0, -2.0, 3.5, -0.5, 4.0, 0.25]);
    let m32 = arr(&[3, 2], &[0.5, -1.0, 2.0, 1.5, -3.0, 0.75]);
    let m33 = arr(&[3, 3], &[1.0, 2.0, -1.0, 0.5, -3.0, 4.0, 2.5, 1.5, 0.25]);
    let sym3 = arr(&[3, 3], &[2.0, -1.0, 0.5, -1.0, 3.0, 0.25, 0.5, 0.25, -1.0]);
    let pd2 = arr(&[2, 2], &[2.0, 0.5, 0.5, 1.0]);
    let pd3 = arr(&[3, 3], &[4.0, 1.0, -0.5, 1.0, 3.0, 0.25, -0.5, 0.25, 2.0]);
    let v3 = arr(&[3], &[1.5, -2.0, 0.5]);
    let v4 = arr(&[4], &[-1.0, 3.0, 0.5, -2.5]);
    let p3 = arr(&[3], &[0.5, 2.0, 1.25]);
    let p23 = arr(&[2, 3], &[0.5, 2.0, 1.25, 3.0, 0.1, 1.0]);
    let n = |x: f64| Some(x);
    let mut c = vec![
        // ---- affine
        case("sum", Affine, vec![v(v3.clone())], &[None]),
        case("sum", Affine, vec![v(m23.clone())], &[None]),
        case("sum", Affine, vec![v(m23.clone())], &[n(0.0)]),
        case("sum", Affine, vec![v(m23.clone())], &[n(1.0)]),
        case("sum", Affine, vec![v(m23.clone())], &[n(-1.0)]),
        case("sum", Affine, vec![v(v4.clone())], &[n(0.0)]),
        case("trace", Affine, vec![v(m33.clone())], &[]),
        case("trace", Affine, vec![v(arr(&[1, 1], &[-2.0]))], &[]),
        case("diag", Affine, vec![v(v3.clone())], &[]),
        case("diag", Affine, vec![v(m33.clone())], &[]),
        case("reshape", Affine, vec![v(m23.clone())], &[n(3.0), n(2.0)]),
        case("reshape", Affine, vec![v(m23.clone())], &[n(6.0), None]),
        case("reshape", Affine, vec![v(arr(&[6], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]))], &[n(2.0), n(3.0)]),
        case("reshape", Affine, vec![v(s(2.5))], &[n(1.0), n(1.0)]),
        case("vec", Affine, vec![v(m23.clone())], &[]),
        case("vec", Affine, vec![v(s(-1.5))], &[]),
        case("vec", Affine, vec![v(v4.clone())], &[]),
        case("hstack", Affine, vec![v(arr(&[2], &[1.0, 2.0])), v(v3.clone())], &[]),
        case("hstack", Affine, vec![v(s(7.0)), v(v3.clone()), (Const, s(-1.0))], &[]),
        case("hstack", Affine, vec![v(arr(&[2, 1], &[9.0, 8.0])), v(m23.clone())], &[]),
        case("vstack", Affine, vec![v(v3.clone()), v(p3.clone())], &[]),
        case("vstack", Affine, vec![v(m23.clone()), (Const, v3.clone())], &[]),
        case("vstack", Affine, vec![v(s(1.0)), v(s(-2.0))], &[]),
        case("cumsum", Affine, vec![v(v4.clone())], &[n(0.0)]),
        case("cumsum", Affine, vec![v(m23.clone())], &[n(0.0)]),
        case("cumsum", Affine, vec![v(m32.clone())], &[n(1.0)]),
        case("cumsum", Affine, vec![v(s(3.0))], &[n(0.0)]),
        case("diff", Affine, vec![v(v4.clone())], &[n(1.0), n(0.0)]),
        case("diff", Affine, vec![v(v4.clone())], &[n(3.0), n(0.0)]),
        case("diff", Affine, vec![v(v4.clone())], &[n(0.0), n(0.0)]),
        case("diff", Affine, vec![v(m32.clone())], &[n(1.0), n(0.0)]),
        case("diff", Affine, vec![v(m23.clone())], &[n(2.0), n(1.0)]),
        case("multiply", Affine, vec![(ConstOrParam, m23.clone()), (VarOnly, v3.clone())], &[]),
        case("multiply", Affine, vec![(VarOnly, m23.clone()), (ConstOrParam, s(-2.0))], &[]),
        case(
            "multiply",
            Affine,
            vec![(ConstOrParam, arr(&[2, 1], &[2.0, -1.0])), (VarOnly, v3.clone())],
            &[],
        ),
        case("kron", Affine, vec![(ConstOrParam, pd2.clone()), (VarOnly, m23.clone())], &[]),
        case("kron", Affine, vec![(VarOnly, v3.clone()), (ConstOrParam, arr(&[2], &[1.0, -3.0]))], &[]),
        case("kron", Affine, vec![(ConstOrParam, s(1.5)), (VarOnly, pd2.clone())], &[]),
        case("kron", Affine, vec![(VarOnly, m32.clone()), (ConstOrParam, arr(&[2], &[0.5, 2.0]))], &[]),
        // ---- elementwise
        case("abs", Convex, vec![v(v4.clone())], &[]),
        case("abs", Convex, vec![v(m23.clone())], &[]),
        case("pos", Convex, vec![v(v4.clone())], &[]),
        case("neg", Convex, vec![v(m23.clone())], &[]),
        case("square", Convex, vec![v(v4.clone())], &[]),
        case("square", Convex, vec![v(s(-3.0))], &[]),
        case("power", Affine, vec![v(v4.clone())], &[n(0.0)]),
        case("power", Affine, vec![v(v4.clone())], &[n(1.0)]),
        case("power", Convex, vec![v(v4.clone())], &[n(2.0)]),
        case("power", Convex, vec![v(v4.clone())], &[n(4.0)]),
        case("power", Convex, vec![v(p23.clone())], &[n(3.0)]),
        case("power", Convex, vec![v(p3.clone())], &[n(1.5)]),
        case("power", Concave, vec![v(p3.clone())], &[n(0.5)]),
        case("power", Concave, vec![v(p23.clone())], &[n(0.3)]),
        case("power", Convex, vec![v(p3.clone())], &[n(-1.0)]),
        case("power", Convex, vec![v(p23.clone())], &[n(-0.5)]),
        case("exp", Convex, vec![v(v4.clone())], &[]),
        case("log", Concave, vec![v(p23.clone())], &[]),
        case("sqrt", Concave, vec![v(p3.clone())], &[]),
        case("sqrt", Concave, vec![v(arr(&[2], &[0.0, 9.0]))], &[]),
        case("entr", Concave, vec![v(p23.clone())], &[]),
        case("entr", Concave, vec![v(arr(&[2], &[0.0, 0.3]))], &[]),
        case("logistic", Convex, vec![v(v4.clone())], &[]),
        case("inv_pos", Convex, vec![v(p23.clone())], &[]),
        case("huber", Convex, vec![v(v4.clone())], &[n(1.0)]),
        case("huber", Convex, vec![v(m23.clone())], &[n(0.75)]),
        case("kl_div", Convex, vec![v(p3.clone()), v(arr(&[3], &[1.0, 0.5, 2.0]))], &[]),
        case("kl_div", Convex, vec![v(p23.clone()), v(s(0.8))], &[]),
        case("rel_entr", Convex, vec![v(p3.clone()), v(arr(&[3], &[1.0, 0.5, 2.0]))], &[]),
        case(
            "rel_entr",
            Convex,
            vec![v(arr(&[2], &[0.0, 1.0])), v(arr(&[2, 2], &[0.5, 2.0, 1.0, 3.0]))],
            &[],
        ),
        case("maximum", Convex, vec![v(v4.clone()), (Const, s(0.25))], &[]),
        case("maximum", Convex, vec![v(m23.clone()), v(v3.clone()), (Const, arr(&[2, 1], &[0.0, 1.0]))], &[]),
        case("minimum", Concave, vec![v(v4.clone()), (Const, s(0.25))], &[]),
        case(
            "minimum",
            Concave,
            vec![v(m23.clone()), v(v3.clone()), (Const, arr(&[2, 1], &[0.0, 1.0]))],
            &[],
        ),
        // ---- reductions
        case("norm1", Convex, vec![v(v4.clone())], &[]),
        case("norm1", Convex, vec![v(m23.clone())], &[]),
        case("norm2", Convex, vec![v(v4.clone())], &[]),
        case("norm2", Convex, vec![v(m23.clone())], &[]),
        case("norm_inf", Convex, vec![v(v4.clone())], &[]),
        case("norm_inf", Convex, vec![v(m23.clone())], &[]),
        case("norm", Convex, vec![v(v4.clone())], &[n(1.0)]),
        case("norm", Convex, vec![v(v4.clone())], &[n(2.0)]),
        case("norm", Convex, vec![v(v4.clone())], &[n(3.0)]),
        case("norm", Convex, vec![v(v3.clone())], &[n(1.5)]),
        case("norm", Convex, vec![v(s(-2.0))], &[n(4.0)]),
        case("sum_squares", Convex, vec![v(v4.clone())], &[]),
        case("sum_squares", Convex, vec![v(m23.clone())], &[]),
        case("quad_form", Convex, vec![v(v3.clone()), (Const, pd3.clone())], &[]),
        case(
            "quad_form",
            Convex,
            vec![v(v3.clone()), (Const, arr(&[3, 3], &[1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]))],
            &[],
        ),
        case(
            "quad_form",
            Concave,
            vec![v(arr(&[2], &[1.0, -2.0])), (Const, arr(&[2, 2], &[-2.0, -0.5, -0.5, -1.0]))],
            &[],
        ),
        case("quad_form", Convex, vec![v(s(-1.5)), (Const, s(2.0))], &[]),
        case("quad_over_lin", Convex, vec![v(v4.clone()), (VarOnly, s(2.5))], &[]),
        case("quad_over_lin", Convex, vec![v(m23.clone()), (VarOnly, s(0.5))], &[]),
        case("log_sum_exp", Convex, vec![v(v4.clone())], &[]),
        case("log_sum_exp", Convex, vec![v(m23.clone())], &[]),
        case("max", Convex, vec![v(v4.clone())], &[]),
        case("max", Convex, vec![v(m23.clone())], &[]),
        case("min", Concave, vec![v(v4.clone())], &[]),
        case("min", Concave, vec![v(m23.clone())], &[]),
        case("sum_largest", Convex, vec![v(v4.clone())], &[n(2.0)]),
        case("sum_largest", Convex, vec![v(m23.clone())], &[n(4.0)]),
        case("sum_largest", Convex, vec![v(v3.clone())], &[n(3.0)]),
        case("sum_smallest", Concave, vec![v(v4.clone())], &[n(2.0)]),
        case("sum_smallest", Concave, vec![v(m23.clone())], &[n(1.0)]),
        case("geo_mean", Concave, vec![v(s(2.5))], &[]),
        case("geo_mean", Concave, vec![v(arr(&[2], &[2.0, 8.0]))], &[]),
        case("geo_mean", Concave, vec![v(p3.clone())], &[]),
        case("geo_mean", Concave, vec![v(arr(&[5], &[1.0, 2.0, 0.5, 3.0, 1.5]))], &[]),
        case("geo_mean", Concave, vec![v(p3.clone()), (Const, arr(&[3], &[1.0, 2.0, 0.5]))], &[]),
        case(
            "geo_mean",
            Concave,
            vec![v(arr(&[4], &[1.0, 2.0, 0.5, 3.0])), (Const, arr(&[4], &[0.3, 0.0, 0.7, 1.0]))],
            &[],
        ),
        case("geo_mean", Concave, vec![v(p3.clone()), (Const, arr(&[3], &[0.0, 5.0, 0.0]))], &[]),
        case("norm_fro", Convex, vec![v(m23.clone())], &[]),
        case("norm_fro", Convex, vec![v(v3.clone())], &[]),
        // ---- matrix
        case("lambda_max", Convex, vec![v(sym3.clone())], &[]),
        case("lambda_max", Convex, vec![v(pd2.clone())], &[]),
        // A non-symmetric argument is outside the domain of the eigenvalue atoms (the
        // form adds X = Xᵀ): tests/api.rs checks that such a problem is infeasible.
        case("lambda_min", Concave, vec![v(sym3.clone())], &[]),
        case("lambda_min", Concave, vec![v(pd2.clone())], &[]),
        case("lambda_sum_largest", Convex, vec![v(sym3.clone())], &[n(2.0)]),
        case("lambda_sum_largest", Convex, vec![v(sym3.clone())], &[n(1.5)]),
        case("lambda_sum_largest", Convex, vec![v(pd2.clone())], &[n(2.0)]),
        case("lambda_sum_smallest", Concave, vec![v(sym3.clone())], &[n(2.0)]),
        case("lambda_sum_smallest", Concave, vec![v(pd2.clone())], &[n(0.5)]),
        case("log_det", Concave, vec![v(pd2.clone())], &[]),
        case("log_det", Concave, vec![v(pd3.clone())], &[]),
        case("sigma_max", Convex, vec![v(m23.clone())], &[]),
        case("sigma_max", Convex, vec![v(m32.clone())], &[]),
        case("norm_nuc", Convex, vec![v(m23.clone())], &[]),
        case("norm_nuc", Convex, vec![v(m33.clone())], &[]),
        // ---- new in issue 11
        case("mean", Affine, vec![v(m23.clone())], &[None]),
        case("mean", Affine, vec![v(m23.clone())], &[n(0.0)]),
        case("mean", Affine, vec![v(m32.clone())], &[n(1.0)]),
        case("mean", Affine, vec![v(v4.clone())], &[n(0.0)]),
        case("outer", Affine, vec![(ConstOrParam, v3.clone()), (VarOnly, v4.clone())], &[]),
        case("outer", Affine, vec![(VarOnly, arr(&[2], &[1.0, -2.0])), (ConstOrParam, s(1.5))], &[]),
        case("vdot", Affine, vec![(ConstOrParam, m23.clone()), (VarOnly, p23.clone())], &[]),
        case("scalar_product", Affine, vec![(VarOnly, v4.clone()), (ConstOrParam, v4.clone())], &[]),
        case("upper_tri", Affine, vec![v(m33.clone())], &[]),
        case("upper_tri", Affine, vec![v(pd2.clone())], &[]),
        case("transpose", Affine, vec![v(m23.clone())], &[]),
        case("concatenate", Affine, vec![v(m23.clone()), v(p23.clone())], &[n(0.0)]),
        case("concatenate", Affine, vec![v(m23.clone()), v(p23.clone())], &[n(1.0)]),
        case("concatenate", Affine, vec![v(v4.clone()), v(v3.clone())], &[n(-1.0)]),
        case("transpose", Affine, vec![v(v4.clone())], &[]),
        case("convolve", Affine, vec![(ConstOrParam, v3.clone()), (VarOnly, v4.clone())], &[]),
        case("convolve", Affine, vec![(VarOnly, v3.clone()), (ConstOrParam, s(-2.0))], &[]),
        case("conv", Affine, vec![(ConstOrParam, arr(&[2], &[0.5, 1.0])), (VarOnly, v3.clone())], &[]),
        case("log1p", Concave, vec![v(arr(&[4], &[-0.5, 0.0, 2.0, 0.25]))], &[]),
        case("xexp", Convex, vec![(VarNonneg, arr(&[4], &[0.0, 0.5, 1.0, 2.0]))], &[]),
        case("xexp", Convex, vec![(VarNonneg, p23.clone())], &[]),
        case("cummax", Convex, vec![v(v4.clone())], &[n(0.0)]),
        case("cummax", Convex, vec![v(m23.clone())], &[n(0.0)]),
        case("cummax", Convex, vec![v(m32.clone())], &[n(1.0)]),
        case("tv", Convex, vec![v(v4.clone())], &[]),
        case("tv", Convex, vec![v(arr(&[3, 1], &[1.0, -1.0, 0.5]))], &[]),
        case("tv", Convex, vec![v(m33.clone())], &[]),
        case("tv", Convex, vec![v(m23.clone()), v(p23.clone())], &[]),
        case("ptp", Convex, vec![v(v4.clone())], &[None]),
        case("ptp", Convex, vec![v(m23.clone())], &[None]),
        case("ptp", Convex, vec![v(m23.clone())], &[n(0.0)]),
        case("ptp", Convex, vec![v(m32.clone())], &[n(1.0)]),
        case("ptp", Convex, vec![v(v3.clone())], &[n(0.0)]),
        // ---- reductions over an axis (one cone set per result entry), and keepdims
        case("sum", Affine, vec![v(m23.clone())], &[n(1.0), n(1.0)]),
        case("sum", Affine, vec![v(m23.clone())], &[None, n(1.0)]),
        case("mean", Affine, vec![v(m32.clone())], &[n(0.0), n(1.0)]),
        case("norm1", Convex, vec![v(m23.clone())], &[n(0.0)]),
        case("norm1", Convex, vec![v(m32.clone())], &[n(1.0), n(1.0)]),
        case("norm2", Convex, vec![v(m23.clone())], &[n(1.0)]),
        case("norm2", Convex, vec![v(m32.clone())], &[n(0.0), n(1.0)]),
        case("norm2", Convex, vec![v(v4.clone())], &[n(0.0), n(1.0)]),
        case("norm_inf", Convex, vec![v(m23.clone())], &[n(0.0)]),
        case("norm_inf", Convex, vec![v(m23.clone())], &[n(-1.0)]),
        case("sum_squares", Convex, vec![v(m23.clone())], &[n(1.0)]),
        case("sum_squares", Convex, vec![v(m32.clone())], &[n(0.0), n(1.0)]),
        case("log_sum_exp", Convex, vec![v(m23.clone())], &[n(1.0)]),
        case("log_sum_exp", Convex, vec![v(m32.clone())], &[n(0.0), n(1.0)]),
        case("max", Convex, vec![v(m23.clone())], &[n(0.0)]),
        case("max", Convex, vec![v(m32.clone())], &[n(1.0), n(1.0)]),
        case("min", Concave, vec![v(m23.clone())], &[n(1.0)]),
        case("min", Concave, vec![v(m23.clone())], &[None, n(1.0)]),
        case("sum_largest", Convex, vec![v(m23.clone())], &[n(2.0), n(1.0)]),
        case("sum_largest", Convex, vec![v(m32.clone())], &[n(2.0), n(0.0), n(1.0)]),
        case("sum_smallest", Concave, vec![v(m23.clone())], &[n(2.0), n(1.0)]),
        case("sum_smallest", Concave, vec![v(m32.clone())], &[n(3.0), n(0.0), n(1.0)]),
        case("ptp", Convex, vec![v(m23.clone())], &[n(1.0), n(1.0)]),
        case("ptp", Convex, vec![v(m32.clone())], &[None, n(1.0)]),
        // ---- norm: the default p, p along an axis, and cvxpy's matrix norms
        case("norm", Convex, vec![v(v4.clone())], &[None]),
        case("norm", Convex, vec![v(m23.clone())], &[n(3.0), n(1.0)]),
        case("norm", Convex, vec![v(m32.clone())], &[n(2.0), n(0.0), n(1.0)]),
        case("norm", Convex, vec![v(m23.clone())], &[n(f64::INFINITY), n(0.0)]),
        case("norm", Convex, vec![v(m23.clone())], &[n(1.0)]),
        case("norm", Convex, vec![v(m23.clone())], &[n(f64::INFINITY)]),
        case("norm", Convex, vec![v(m23.clone())], &[n(2.0)]),
        case("norm", Convex, vec![v(m23.clone())], &[n(f64::NAN)]),
        case("norm", Convex, vec![v(m32.clone())], &[n(f64::NEG_INFINITY)]),
        case("norm", Convex, vec![v(arr(&[3, 1], &[1.0, -2.0, 2.0]))], &[n(2.0)]),
        case("norm", Convex, vec![v(v4.clone())], &[n(f64::NAN)]),
        case("inv_prod", Convex, vec![v(p3.clone())], &[]),
        case("inv_prod", Convex, vec![v(s(0.8))], &[]),
        case("harmonic_mean", Concave, vec![v(p3.clone())], &[]),
        case("harmonic_mean", Concave, vec![v(p23.clone())], &[]),
        case(
            "dotsort",
            Convex,
            vec![(VarOnly, v4.clone()), (ConstOrParam, arr(&[3], &[2.0, -1.0, 0.5]))],
            &[],
        ),
        case("dotsort", Convex, vec![(VarOnly, m23.clone()), (Const, arr(&[2], &[1.0, 1.0]))], &[]),
        case(
            "dotsort",
            Convex,
            vec![(VarOnly, v3.clone()), (ConstOrParam, arr(&[3], &[-1.0, -0.5, -2.0]))],
            &[],
        ),
        case("cvar", Convex, vec![v(arr(&[5], &[1.0, 5.0, 2.0, 4.0, 3.0]))], &[n(0.5)]),
        case("cvar", Convex, vec![v(v4.clone())], &[n(0.8)]),
        case("cvar", Convex, vec![v(v4.clone())], &[n(0.0)]),
        // ---- new in issue 11 (second part)
        case("mixed_norm", Convex, vec![v(m23.clone())], &[n(2.0), n(1.0)]),
        case("mixed_norm", Convex, vec![v(m32.clone())], &[n(f64::INFINITY), n(2.0)]),
        case("mixed_norm", Convex, vec![v(m23.clone())], &[n(1.5), n(3.0)]),
        case("var", Convex, vec![v(m23.clone())], &[None, None, n(0.0)]),
        case("var", Convex, vec![v(m23.clone())], &[n(1.0), None, n(1.0)]),
        case("var", Convex, vec![v(v4.clone())], &[None, None, n(1.5)]),
        case("std", Convex, vec![v(m32.clone())], &[n(0.0), n(1.0), n(0.0)]),
        case("std", Convex, vec![v(v4.clone())], &[None, None, n(1.0)]),
        case("matrix_frac", Convex, vec![v(v3.clone()), v(pd3.clone())], &[]),
        case("matrix_frac", Convex, vec![v(m32.clone()), v(pd3.clone())], &[]),
        case("matrix_frac", Convex, vec![v(arr(&[2], &[1.0, -0.5])), (ConstOrParam, pd2.clone())], &[]),
        case("tr_inv", Convex, vec![v(pd3.clone())], &[]),
        case("tr_inv", Convex, vec![v(pd2.clone())], &[]),
        case("von_neumann_entr", Concave, vec![v(pd3.clone())], &[]),
        case("von_neumann_entr", Concave, vec![v(arr(&[2, 2], &[0.5, 0.5, 0.5, 0.5]))], &[]),
        case("log_normcdf", Concave, vec![v(arr(&[5], &[-4.0, -1.0, 0.5, 2.5, 3.5]))], &[]),
        case("loggamma", Convex, vec![v(arr(&[5], &[0.05, 0.7, 1.0, 3.0, 12.0]))], &[]),
    ];
    // A 1×1 matrix through every matrix atom.
    for (atom, sense) in [
        ("lambda_max", Convex),
        ("lambda_min", Concave),
        ("log_det", Concave),
        ("sigma_max", Convex),
        ("tr_inv", Convex),
        ("von_neumann_entr", Concave),
    ] {
        c.push(case(atom, sense, vec![v(arr(&[1, 1], &[1.7]))], &[]));
    }
    c
}

#[test]
fn every_atom_meets_its_conic_contract() {
    let cases = cases();
    let mut worst: BTreeMap<&str, (f64, usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for c in &cases {
        for mode in [Mode::Plain, Mode::Offset, Mode::Params] {
            match run(c, mode) {
                Ok((e, fallback)) => {
                    let w = worst.entry(c.atom).or_insert((0.0, 0, 0));
                    w.0 = w.0.max(e);
                    w.1 += 1;
                    w.2 += fallback as usize;
                }
                Err(msg) => failures.push(format!("{}{:?} ({:?}): {msg}", c.atom, c.statics, mode)),
            }
        }
    }
    for (atom, (e, k, f)) in &worst {
        println!("{atom:>14}: {k:>2} solves ({f} at default tolerances), max rel error {e:.1e}");
    }
    assert!(failures.is_empty(), "{} failures:\n\n{}", failures.len(), failures.join("\n\n"));
    // The geometric-program atoms have no conic form of their own (tests/dgp.rs).
    let missing: Vec<&str> = ATOMS
        .iter()
        .filter(|a| !a.geometric_only())
        .map(|a| a.name())
        .filter(|n| !worst.contains_key(n))
        .collect();
    assert!(missing.is_empty(), "atoms without a contract case: {missing:?}");
}

/// A parametric quad_form matrix is only taken by the objective's quadratic part; the
/// atom itself says so instead of producing a wrong form.
#[test]
fn quad_form_with_a_parametric_matrix_outside_the_objective_is_refused() {
    let text = "parameter P[2, 2] psd\nvariable x[2]\nvariable t\nminimize t\nsubject to\n    quad_form(x, P) <= t\n";
    let src = SourceFile::new("qf.dopt", text);
    match frontend::analyze(&src, &Dims::new()) {
        // The analysis may already refuse it (not DPP); if it does not, canonicalization must.
        Err(_) => {}
        Ok(c) => {
            let e = Layer::new(c.program, &c.analysis).unwrap_err();
            assert!(e.message.contains("quad_form"), "{}", e.message);
        }
    }
}

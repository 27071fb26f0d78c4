//! The objective-term rule is written once (`dcp::terms`) and read by both the DCP/DPP
//! check and canonicalization: whatever `check` accepts as a parametric `quad_form`
//! term, canonicalization takes, and the solve matches the hand-solved optimum. Also:
//! DCP-but-not-DPP problems get E06xx codes, and the dcp passes survive a 12,000-`let`
//! chain on an ordinary 8 MB thread.

use dopt::diag::codes::Kind;
use dopt::frontend;
use dopt::source::SourceFile;
use dopt::{Array, Dims, Layer, Values};

/// P = diag(2, 4) (a `psd` parameter), b = (1, 2).
fn values() -> Values {
    Values::from([
        ("P".to_string(), Array::matrix(2, 2, &[2.0, 0.0, 0.0, 4.0]).unwrap()),
        ("b".to_string(), Array::vector(&[1.0, 2.0])),
        ("lam".to_string(), Array::scalar(1.0)),
    ])
}

const DECLS: &str = "parameter P[2, 2] psd\nparameter b[2]\nparameter lam nonneg\nvariable x[2]\n";

/// `check`'s verdict and canonicalization's verdict on the same text: (check ok, layer).
fn verdicts(body: &str) -> (Result<(), Vec<String>>, Option<Layer>) {
    let src = SourceFile::new("t.dopt", format!("{DECLS}{body}\n"));
    match frontend::analyze(&src, &Dims::new()) {
        Ok(c) => {
            let layer = Layer::compile(&c.program, &c.analysis, "");
            (
                Ok(()),
                Some(
                    layer.unwrap_or_else(|e| panic!("`{body}`: check accepts, canon refuses: {}", e.message)),
                ),
            )
        }
        Err(f) => {
            // Canonicalization must refuse what check refuses (the rule is shared).
            let program = frontend::check(&src, &Dims::new()).unwrap();
            let none = std::collections::HashSet::new();
            let facts = dopt::dcp::analyze::analyze(&program, dopt::dcp::analyze::Mode::Dcp, &none);
            let canon = dopt::canon::canonicalize(&program, &facts);
            assert!(canon.is_err(), "`{body}`: check refuses but canon accepts");
            (Err(f.diagnostics.iter().map(|d| d.code.id.to_string()).collect()), None)
        }
    }
}

/// minimize s·xᵀPx − bᵀx: x = P⁻¹b / (2s), value −bᵀP⁻¹b / (4s), bᵀP⁻¹b = 1/2 + 4/4 = 1.5.
fn assert_solves(body: &str, s: f64) {
    let (ok, layer) = verdicts(body);
    assert!(ok.is_ok(), "`{body}`: {ok:?}");
    let out = layer.unwrap().forward(&values()).unwrap();
    let x = &out.variables["x"].data;
    let want = [0.5 / (2.0 * s), 0.5 / (2.0 * s)];
    assert!(
        (x[0] - want[0]).abs() < 1e-6 && (x[1] - want[1]).abs() < 1e-6,
        "`{body}`: x = {x:?}, want {want:?}"
    );
    let v = -1.5 / (4.0 * s);
    assert!((out.objective - v).abs() < 1e-6, "`{body}`: objective {} want {v}", out.objective);
}

#[test]
fn weighted_parametric_quad_forms_are_accepted_by_both_and_solve() {
    assert_solves("minimize quad_form(x, P) / 2 - b @ x", 0.5);
    assert_solves("minimize 2 * quad_form(x, P) - b @ x", 2.0);
    assert_solves("minimize quad_form(x, P) * 2 - b @ x", 2.0);
    assert_solves("minimize -(-quad_form(x, P)) - b @ x", 1.0);
    assert_solves("minimize sum(-b * x) - (-quad_form(x, P))", 1.0);
    assert_solves("minimize (quad_form(x, P) + quad_form(x, P)) / 4 - b @ x", 0.5);
    assert_solves("let t = 0.5 * quad_form(x, P)\nminimize t + t - b @ x", 1.0);
}

#[test]
fn unsupported_parametric_quad_forms_are_refused_by_both_with_e0603() {
    for body in [
        "minimize lam * quad_form(x, P) - b @ x",
        "minimize sum(quad_form(x, P)) - b @ x",
        "maximize -quad_form(x, P) + b @ x",
        "let q = quad_form(x, P)\nminimize q - b @ x\nsubject to\n    q <= 10",
    ] {
        let (verdict, _) = verdicts(body);
        assert_eq!(verdict, Err(vec!["E0603".to_string()]), "`{body}`");
    }
}

fn codes_of(text: &str) -> Vec<(String, Kind, String)> {
    let src = SourceFile::new("t.dopt", text.to_string());
    let f = frontend::analyze(&src, &Dims::new()).err().unwrap_or_else(|| panic!("accepted:\n{text}"));
    f.diagnostics.iter().map(|d| (d.code.id.to_string(), d.code.kind, f.render())).collect()
}

#[test]
fn dcp_but_not_dpp_is_an_e06_error_naming_the_parameter_expression() {
    let cases = [
        ("parameter a[3]\nvariable x[3]\nminimize sum_squares(x - a) + sum(entr(a))", "E0604", "`entr(a)`"),
        ("parameter p\nvariable x\nminimize exp(p) * x\nsubject to\n    x >= 0", "E0602", "`exp(p)`"),
        (
            "parameter p\nvariable x\nminimize x\nsubject to\n    sqrt(p) + square(x) <= 1",
            "E0604",
            "`sqrt(p)`",
        ),
        ("parameter p\nvariable x\nminimize square(x) - sqrt(exp(p))", "E0604", "`exp(p)`"),
    ];
    for (text, code, named) in cases {
        let got = codes_of(text);
        assert_eq!(got.len(), 1, "{text}: {got:?}");
        let (c, kind, rendered) = &got[0];
        assert_eq!((c.as_str(), *kind), (code, Kind::Dpp), "{rendered}");
        assert!(rendered.contains(named), "{text}: does not name {named}:\n{rendered}");
        assert!(rendered.contains("new parameter"), "{text}: no rewrite:\n{rendered}");
        assert!(rendered.contains("t.dopt:"), "{rendered}");
    }
    // A problem that is not DCP keeps its E05 class.
    let got = codes_of("variable x[2]\nminimize sum_squares(x) + sum(log(x))");
    assert_eq!((got[0].0.as_str(), got[0].1), ("E0503", Kind::Dcp));
}

#[test]
fn a_12000_let_chain_passes_the_dcp_check_on_an_8_mb_stack() {
    let n = 12_000;
    let mut text = String::from("variable X[2, 2] symmetric\nvariable y\nlet s0 = X\nlet t0 = y\n");
    for i in 1..=n {
        text.push_str(&format!("let s{i} = -s{}\nlet t{i} = t{} + square(y)\n", i - 1, i - 1));
    }
    text.push_str(&format!("minimize 1 - t{n} * 3 / 2\nsubject to\n    s{n} + s{n}.T >> 0\n"));
    let src = SourceFile::new("deep.dopt", text);
    let program = frontend::check(&src, &Dims::new()).unwrap_or_else(|f| panic!("{}", f.render()));
    let verdict = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || dopt::dcp::check::check(&program, &src).map(|a| a.objective_curvature(&program)))
        .unwrap()
        .join()
        .expect("no stack overflow");
    // 1 − 3t/2 with t convex: concave, so `minimize` is refused (E0505), after
    // walking every term and deciding the symmetry of the 12,000-deep `s`.
    let d = verdict.unwrap_err();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code.id, "E0505");
}

#[test]
fn structurally_equal_doubling_chains_are_compared_in_linear_time() {
    // a60 and b60 are separate nodes, each 2^60 leaves when unfolded; a60 + b60.T is
    // symmetric because they are the same expression (a comparison by unfolding would
    // not finish).
    let mut text = String::from("variable X[2, 2]\nlet a0 = X\nlet b0 = X\n");
    for i in 1..=60 {
        text.push_str(&format!("let a{i} = a{0} + a{0}\nlet b{i} = b{0} + b{0}\n", i - 1));
    }
    text.push_str("minimize trace(X)\nsubject to\n    a60 + b60.T >> 0\n    a60 - b60.T >> 0\n");
    let src = SourceFile::new("double.dopt", text);
    let program = frontend::check(&src, &Dims::new()).unwrap();
    let d = dopt::dcp::check::check(&program, &src).unwrap_err();
    // The sum is symmetric; the difference is not known to be (E0507 on its second line only).
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code.id, "E0507");
    assert!(d[0].message.contains("`a60 - b60.T`"), "{}", d[0].message);
}

/// `quad_over_lin(e, y)` with a constant y > 0 is ‖e‖²/y and goes into P, as cvxpy's QP
/// path takes it: minimize quad_over_lin(x − b, 2) + ¼‖x‖² has x = b·(1/2)/(1/2 + 1/4)
/// = (2/3)·b, value ‖b‖²·(1/2·1/9 + 1/4·4/9)/… computed below. The fuzzers' case, whose
/// optimum sat at the apex of the rotated cone and ended in Clarabel's numerical_error,
/// is now optimal at x = 0. A y ≤ 0 keeps the atom's own form (empty domain: infeasible).
#[test]
fn quad_over_lin_with_a_constant_denominator_goes_into_p() {
    let (ok, layer) = verdicts("minimize quad_over_lin(x - b, 2) + 0.25 * sum_squares(x)");
    assert!(ok.is_ok(), "{ok:?}");
    let layer = layer.unwrap();
    let out = layer.forward(&values()).unwrap();
    // Stationarity: (x − b) + ½x = 0 ⇒ x = (2/3) b.
    let x = &out.variables["x"].data;
    assert!((x[0] - 2.0 / 3.0).abs() < 1e-7 && (x[1] - 4.0 / 3.0).abs() < 1e-7, "x = {x:?}");
    // Value: ‖b/3‖²/2 + ¼‖2b/3‖² = (5/9)/2 + (20/9)/4 = 5/6.
    assert!((out.objective - 5.0 / 6.0).abs() < 1e-7, "objective {}", out.objective);
    // The rotated cone is gone: the quadratic sits in P, so no second-order block is left.
    let src = SourceFile::new(
        "q.dopt",
        format!("{DECLS}minimize quad_over_lin(x - b, 2) + 0.25 * sum_squares(x)\n"),
    );
    let c = frontend::analyze(&src, &Dims::new()).unwrap();
    let cones = format!("{:?}", dopt::layer::cone_program(&c.program, &c.analysis).unwrap().cones);
    assert!(!cones.contains("Soc"), "{cones}");

    let src = SourceFile::new(
        "apex.dopt",
        std::fs::read_to_string("tests/data/fuzz-regressions/quad_over_lin_apex.dopt").unwrap(),
    );
    let c = frontend::analyze(&src, &Dims::new()).unwrap();
    let out = Layer::compile(&c.program, &c.analysis, "").unwrap().forward(&Values::new()).unwrap();
    assert_eq!(out.status, dopt::Status::Optimal);
    // x1 ≥ 0 meets its bound where the gradient is zero too (no strict complementarity),
    // so the interior-point iterate approaches 0 like √μ: 1e-4 at the default tolerances.
    assert!(out.variables.values().all(|v| v.data.iter().all(|e| e.abs() < 1e-3)), "{:?}", out.variables);

    let src = SourceFile::new("neg.dopt", "variable x\nminimize quad_over_lin(x, -1)\n".to_string());
    let c = frontend::analyze(&src, &Dims::new()).unwrap();
    let out = Layer::compile(&c.program, &c.analysis, "").unwrap().forward(&Values::new()).unwrap();
    assert_ne!(out.status, dopt::Status::Optimal);
}

//! Geometric programs (`geometric`): solutions against cvxpy 1.9.3's `gp=True`,
//! gradients against cvxpylayers' `gp=True` layer and finite differences, the DGP
//! verdicts and their diagnostics, parameter values that are not positive, and GP
//! layer files. The reference values are in tests/data/dgp/reference.json, made by
//! tests/data/dgp/make_reference.py.

mod common;

use common::{dopt, temp_path, values};
use dopt::{Array, Dims, Layer, Problem, Settings, Status, Values};
use serde_json::Value;

fn reference() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/dgp/reference.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(v["cvxpy"], "1.9.3");
    v["cases"].as_array().unwrap().clone()
}

fn tight() -> Settings {
    Settings { tol_gap_abs: 1e-12, tol_gap_rel: 1e-12, tol_feas: 1e-12, ..Settings::default() }
}

fn layer(name: &str, text: &str) -> Layer {
    Problem::from_str(name, text)
        .and_then(|p| p.compile(&Dims::new()))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .with_settings(tight())
}

fn flat(v: &Value) -> Vec<f64> {
    dopt::internals::values::array_from_json(v).unwrap().data
}

/// |a − b| ≤ rtol·max(|b|, floor) entry by entry.
fn assert_close(what: &str, a: &[f64], b: &[f64], rtol: f64, floor: f64) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= rtol * y.abs().max(floor),
            "{what}[{i}]: {x} vs {y} (rtol {rtol})\n{a:?}\n{b:?}"
        );
    }
}

/// The largest |entry| of the gradients of a case: the scale of the absolute floor
/// under which an entry counts as zero (an inactive constraint's parameter).
fn scale(g: &Value) -> f64 {
    g.as_object().unwrap().values().flat_map(flat).fold(0.0, |m, v| m.max(v.abs()))
}

#[test]
fn solutions_match_cvxpy_gp() {
    for case in reference() {
        let name = case["name"].as_str().unwrap();
        let l = layer(name, case["dopt"].as_str().unwrap());
        assert!(l.sig.geometric, "{name}");
        let out = l.forward(&values(&case["params"])).unwrap();
        assert!(out.status.is_optimal(), "{name}: {}", out.status);
        let obj = case["objective"].as_f64().unwrap();
        assert_close(&format!("{name} objective"), &[out.objective], &[obj], 1e-6, 0.0);
        for (v, want) in case["variables"].as_object().unwrap() {
            assert_close(&format!("{name} {v}"), &out.variables[v].data, &flat(want), 1e-6, 0.0);
        }
        // The duals are those of the log-domain constraints, as cvxpy reports them.
        for (c, want) in case["duals"].as_object().unwrap() {
            assert_close(&format!("{name} dual {c}"), &out.duals[c].data, &flat(want), 1e-5, 1e-6);
        }
    }
}

#[test]
fn gradients_match_cvxpylayers_gp() {
    for case in reference() {
        let name = case["name"].as_str().unwrap();
        let l = layer(name, case["dopt"].as_str().unwrap());
        let out = l.forward(&values(&case["params"])).unwrap();
        let g = l.backward(&out, &values(&case["dvars"])).unwrap();
        let floor = 1e-3 * scale(&case["gradients"]);
        for (p, want) in case["gradients"].as_object().unwrap() {
            assert_close(&format!("{name} d/d{p}"), &g.params[p].data, &flat(want), 1e-5, floor);
        }
    }
}

/// Σ dvars·x at the parameters, and the objective.
fn loss(l: &Layer, params: &Values, dvars: &Values) -> (f64, f64) {
    // Values only: Clarabel's "almost solved" at these tight tolerances is still
    // accurate enough for a difference quotient.
    let out = l.forward(params).unwrap();
    assert!(matches!(out.status, Status::Optimal | Status::Inaccurate), "{} at {params:?}", out.status);
    (dot(dvars, &out.variables), out.objective)
}

/// A reference case solved and differentiated for its `dvars`.
struct Solved {
    name: String,
    l: Layer,
    params: Values,
    dvars: Values,
    out: dopt::Output,
    g: dopt::Gradients,
}

fn solved(case: &Value) -> Solved {
    let name = case["name"].as_str().unwrap().to_string();
    let l = layer(&name, case["dopt"].as_str().unwrap());
    let params = values(&case["params"]);
    let dvars = values(&case["dvars"]);
    let out = l.forward(&params).unwrap();
    let g = l.backward(&out, &dvars).unwrap();
    Solved { name, l, params, dvars, out, g }
}

/// Σ over the names of `a` of ⟨a[k], b[k]⟩.
fn dot(a: &Values, b: &Values) -> f64 {
    a.iter().map(|(k, x)| x.data.iter().zip(&b[k].data).map(|(u, v)| u * v).sum::<f64>()).sum()
}

#[test]
fn gradients_match_finite_differences_of_the_solution_and_the_objective() {
    for case in reference() {
        let Solved { name, l, params, dvars, out, g } = solved(&case);
        let gobj = l.backward(&out, &Values::from([("objective".to_string(), Array::scalar(1.0))])).unwrap();
        for (p, v) in &params {
            for i in 0..v.data.len() {
                // A relative step: the parameter must stay positive.
                let h = 1e-5 * v.data[i];
                let at = |t: f64| {
                    let mut q = params.clone();
                    q.get_mut(p).unwrap().data[i] += t;
                    loss(&l, &q, &dvars)
                };
                let ((l1, o1), (l0, o0)) = (at(h), at(-h));
                let (fd, fdo) = ((l1 - l0) / (2.0 * h), (o1 - o0) / (2.0 * h));
                let (an, ano) = (g.params[p].data[i], gobj.params[p].data[i]);
                assert!((fd - an).abs() <= 1e-4 * (1.0 + an.abs()), "{name} d/d{p}[{i}]: fd {fd} vs {an}");
                assert!(
                    (fdo - ano).abs() <= 1e-4 * (1.0 + ano.abs()),
                    "{name} dobj/d{p}[{i}]: fd {fdo} vs {ano}"
                );
            }
        }
    }
}

#[test]
fn jvp_is_the_adjoint_of_backward() {
    for case in reference() {
        let Solved { name, l, params, dvars, out, g } = solved(&case);
        // A direction: each parameter scaled by a different amount.
        let dir: Values = params
            .iter()
            .enumerate()
            .map(|(k, (n, a))| {
                let data = a.data.iter().enumerate().map(|(i, v)| v * (0.3 + 0.1 * (k + i) as f64)).collect();
                (n.clone(), Array { shape: a.shape, data })
            })
            .collect();
        let (dx, _) = l.jvp(&out, &dir).unwrap();
        let (lhs, rhs) = (dot(&dvars, &dx), dot(&dir, &g.params));
        assert!(
            (lhs - rhs).abs() <= 1e-7 * (1.0 + rhs.abs()),
            "{name}: <w, J dp> {lhs} vs <J^T w, dp> {rhs}"
        );
    }
}

fn box_params() -> Values {
    let text = r#"{"a_wall": 100, "a_floor": 10, "alpha": 0.5, "beta": 2, "gamma": 0.5, "delta": 2}"#;
    dopt::values_from_json(text).unwrap()
}

/// The typed handles of the Rust API speak the GP's positive values too: the same
/// solution and gradient as the string-keyed call, and a non-positive value refused when
/// it is set.
#[test]
fn handles_map_a_geometric_programs_values_like_names() {
    let l = Problem::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/box_volume.dopt"))
        .unwrap()
        .compile(&Dims::new())
        .unwrap()
        .with_settings(tight());
    let by_name = l.forward(&box_params()).unwrap();
    let mut inputs = l.inputs();
    for (name, v) in box_params() {
        inputs.set(&l.param(&name).unwrap(), v).unwrap();
    }
    let by_handle = l.forward(&inputs).unwrap();
    assert_eq!(by_handle.theta, by_name.theta);
    let w = l.output("w").unwrap();
    assert_close("w", &by_handle.get(&w).unwrap().data, &[15f64.sqrt()], 1e-8, 0.0);
    // d w / d a_wall, by handle and by name
    let mut dw = l.cotangents();
    dw.set(&w, 1.0).unwrap();
    let g = l.backward(&by_handle, &dw).unwrap();
    let g_name = l.backward(&by_name, &Values::from([("w".to_string(), dopt::Array::from(1.0))])).unwrap();
    let a_wall = l.param("a_wall").unwrap();
    assert_close("dw/da_wall", g.get(&a_wall).unwrap(), &g_name.params["a_wall"].data, 1e-12, 0.0);
    // w² = A_w/(2β) − A_f, so dw/dA_w = 1/(4βw)
    assert_close("dw/da_wall closed form", g.get(&a_wall).unwrap(), &[1.0 / (8.0 * 15f64.sqrt())], 1e-6, 0.0);
    let err = inputs.set(&l.param("alpha").unwrap(), 0.0).unwrap_err().render();
    assert!(err.contains("parameter `alpha`: entry 0 is 0") && err.contains("must be positive"), "{err}");
}

#[test]
fn box_volume_has_its_closed_form() {
    // With the wall, floor and h/w ≤ β constraints active: h = βw, w·d = A_f and
    // 2h(w + d) = A_w give w² = A_w/(2β) − A_f, so w = √15, h = 2√15, d = 10/√15, and
    // the volume h·w·d = 2√15·10 = 20√15.
    let l = Problem::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/box_volume.dopt"))
        .unwrap()
        .compile(&Dims::new())
        .unwrap()
        .with_settings(tight());
    let out = l.forward(&box_params()).unwrap();
    let w = 15f64.sqrt();
    assert_close(
        "h w d",
        &[out.variables["h"].data[0], out.variables["w"].data[0], out.variables["d"].data[0]],
        &[2.0 * w, w, 10.0 / w],
        1e-8,
        0.0,
    );
    assert_close("volume", &[out.objective], &[20.0 * w], 1e-8, 0.0);
}

#[test]
fn parameters_that_are_not_positive_are_refused() {
    let l = layer(
        "box.dopt",
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/box_volume.dopt")).unwrap(),
    );
    for bad in [0.0, -2.0, f64::NAN, f64::INFINITY] {
        let mut p = box_params();
        p.get_mut("beta").unwrap().data[0] = bad;
        let e = l.forward(&p).unwrap_err();
        assert_eq!(e.diagnostics[0].code.id, "E0702", "{bad}: {e}");
        let want = if bad.is_finite() { "must be positive" } else { "must be finite" };
        assert!(e.to_string().contains("parameter `beta`") && e.to_string().contains(want), "{bad}: {e}");
    }
}

#[test]
fn a_gp_layer_file_round_trips_and_format_2_files_still_load() {
    let l = layer(
        "box.dopt",
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/box_volume.dopt")).unwrap(),
    );
    let path = temp_path("dgp", "box.layer");
    l.save(&path).unwrap();
    let back = Layer::load(&path).unwrap();
    assert!(back.sig.geometric);
    assert_eq!(back.sig, l.sig);
    let (a, b) = (l.forward(&box_params()).unwrap(), back.forward(&box_params()).unwrap());
    assert_eq!(a.variables, b.variables);
    assert_eq!(a.objective, b.objective);
    let dv = Values::from([("h".to_string(), Array::scalar(1.0))]);
    assert_eq!(l.backward(&a, &dv).unwrap().params, back.backward(&b, &dv).unwrap().params);

    // A file of format 2 (before geometric programs and the solver choice) is format 3
    // without the flag and the last two payload bytes.
    let relu = Problem::from_str(
        "relu.dopt",
        "parameter x\nvariable y\nminimize square(y - x)\nsubject to\n    y >= 0\n",
    )
    .unwrap()
    .compile(&Dims::new())
    .unwrap();
    let loaded = Layer::from_bytes(&common::as_format_2(&relu.to_bytes())).unwrap();
    assert!(!loaded.sig.geometric);
    let y = loaded.forward(&Values::from([("x".to_string(), Array::scalar(-3.0))])).unwrap();
    assert!(y.variables["y"].data[0].abs() < 1e-6);
    // …and a format-2 file cannot carry the GP flag.
    let e = Layer::from_bytes(&common::as_format_2(&l.to_bytes())).unwrap_err().to_string();
    assert!(e.contains("E0902") && e.contains("objective flags"), "{e}");
    let mut v9 = l.to_bytes();
    v9[8..12].copy_from_slice(&9u32.to_le_bytes());
    let e = Layer::from_bytes(&v9).unwrap_err().to_string();
    assert!(e.contains("reads versions 2 to 3"), "{e}");
}

fn check_text(text: &str) -> String {
    match Problem::from_str("gp.dopt", text).and_then(|p| p.compile(&Dims::new())) {
        Ok(_) => "ok".into(),
        Err(e) => e.render(),
    }
}

#[test]
fn dgp_verdicts_accept_the_rules_of_cvxpy() {
    let accepted = [
        // monomials, posynomials, products, quotients, powers
        "minimize x * y + 2 * power(x, -1.5) / y\nsubject to\n    x * y == 2",
        // max of posynomials; min of monomials maximized
        "minimize maximum(x + y, 1 / (x * y))",
        "maximize minimum(x, y, sqrt(x * y))\nsubject to\n    x + y <= 3",
        // geo_mean and inv_prod of a vector, sums with an axis, norms
        "maximize geo_mean(v)\nsubject to\n    sum(v) + norm2(v) <= 4",
        "minimize inv_prod(v) + max(v)\nsubject to\n    sum_squares(v) <= 3",
        // a monomial equals a monomial; a posynomial bounds a monomial from above
        "minimize x\nsubject to\n    x * y == sqrt(y)\n    x + y + x * y <= 10 * x",
        // the geometric-program atoms: prod (a monomial), one_minus_pos of a
        // posynomial, diff_pos of a monomial and a posynomial (log-log concave)
        "minimize prod(v) + sum(prod(v + x, axis=0, keepdims=True))\nsubject to\n    prod(v) == x",
        "maximize one_minus_pos(x + y) * diff_pos(x, y + x * y)",
        "minimize 1 / diff_pos(x, y) + x\nsubject to\n    y / one_minus_pos(v) <= 0.5",
    ];
    for body in accepted {
        let text = format!("geometric\nvariable x\nvariable y\nvariable v[3]\n{body}\n");
        assert_eq!(check_text(&text), "ok", "{body}");
    }
}

#[test]
fn dgp_rejections_point_at_the_offending_expression() {
    let cases = [
        ("subtraction", "minimize x - y"),
        ("negation", "minimize x\nsubject to\n    -x <= y"),
        ("zero_constant", "minimize x + 0 * y"),
        ("unsupported_atom", "minimize x + log(y)"),
        ("sum_with_concave_term", "minimize x + minimum(x, y)"),
        ("minimize_concave", "minimize sqrt(x) * minimum(x, y)"),
        ("maximize_convex", "maximize x + y"),
        ("posynomial_equality", "minimize x\nsubject to\n    total: x + y == 1"),
        ("posynomial_on_the_right", "minimize x\nsubject to\n    x <= y + 1"),
        ("semidefinite", "variable V[2, 2]\nminimize x\nsubject to\n    x * V >> V"),
        ("attribute", "variable w nonpos\nminimize x\nsubject to\n    x >= w"),
        ("geo_mean_weights", "variable v[2]\nmaximize geo_mean(v, [0, 0])"),
        ("matrix_norm", "variable V[2, 2]\nminimize norm(V, 2)"),
        // one_minus_pos is log-log concave: 1 / one_minus_pos(x) is log-log convex
        ("maximize_reciprocal_one_minus_pos", "maximize 1 / one_minus_pos(x)"),
        // one_minus_pos needs a log-log convex argument, diff_pos a concave first one
        ("one_minus_pos_of_a_min", "maximize one_minus_pos(minimum(x, y))"),
        ("diff_pos_of_a_posynomial", "maximize diff_pos(x + y, x)"),
        // diff_pos(x, y) is log-log concave: not a posynomial on the left of `<=`
        ("diff_pos_bounded_above", "minimize x\nsubject to\n    diff_pos(x, y) <= 1"),
        ("diff_pos_of_a_constant", "minimize x + diff_pos(1, 2)"),
    ];
    for (name, body) in cases {
        let text = format!("geometric\nvariable x\nvariable y\n{body}\n");
        let out = check_text(&text);
        assert!(out.contains("E0509") || out.contains("E0510"), "{name}: {out}");
        insta::assert_snapshot!(format!("reject_{name}"), out);
    }
}

#[test]
fn a_gp_written_without_the_marker_gets_a_hint() {
    let text = "variable x\nvariable y\nminimize x * y + 1 / x\nsubject to\n    x / y <= 2\n";
    let out = check_text(text);
    assert!(
        out.contains("E0502")
            && out.contains("this is a geometric program")
            && out.contains("write `geometric` on a line of its own"),
        "{out}"
    );
    // Not a GP (a difference): no hint.
    let out = check_text("variable x\nvariable y\nminimize x * y - x\n");
    assert!(!out.contains("geometric"), "{out}");
    // Marked, the same problem solves: min x·y + 1/x with x ≤ 2y is at y = x/2,
    // f = 2y² + 1/(2y), stationary where 4y = 1/(2y²): y = 1/2, x = 1, f = 3/2.
    // (The log-domain problem is flat along its optimal face: at Clarabel's default
    // tolerance x is off by 5e-5; at 1e-12 it is "almost solved", to 1e-6.)
    let l = layer("gp.dopt", &format!("geometric\n{text}"));
    let out = l.forward(&Values::new()).unwrap();
    assert!(matches!(out.status, Status::Optimal | Status::Inaccurate), "{}", out.status);
    let y = (1.0f64 / 8.0).cbrt();
    assert_close("x y", &[out.variables["x"].data[0], out.variables["y"].data[0]], &[2.0 * y, y], 1e-6, 0.0);
    assert_close("objective", &[out.objective], &[2.0 * y * y + 1.0 / (2.0 * y)], 1e-8, 0.0);
}

#[test]
fn cli_checks_solves_differentiates_and_compiles_a_gp() {
    let params = temp_path("dgp", "box.params.json");
    std::fs::write(
        &params,
        r#"{"a_wall": 100, "a_floor": 10, "alpha": 0.5, "beta": 2, "gamma": 0.5, "delta": 2}"#,
    )
    .unwrap();
    let (code, out, err) = dopt(&["check", "examples/box_volume.dopt"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("geometric program")
            && out.contains("curvature: maximize log-log affine")
            && out.contains("DGP: yes"),
        "{out}"
    );
    let (code, out, err) = dopt(&["solve", "examples/box_volume.dopt", "--params", &params, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!((v["objective"].as_f64().unwrap() - 20.0 * 15f64.sqrt()).abs() < 1e-5, "{out}");
    let dvars = temp_path("dgp", "box.dvars.json");
    std::fs::write(&dvars, r#"{"objective": 1}"#).unwrap();
    let (code, out, err) = dopt(&[
        "grad",
        "examples/box_volume.dopt",
        "--params",
        &params,
        "--dvars",
        &dvars,
        "--json",
        "--tol",
        "1e-10",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    // With h = βw and d = A_f/w, V = h·w·d = β·A_f·w where w² = A_w/(2β) − A_f, so
    // dV/dA_w = β·A_f/(2w)·1/(2β) = A_f/(4w).
    let w = 15f64.sqrt();
    assert!((v["gradients"]["a_wall"].as_f64().unwrap() - 10.0 / (4.0 * w)).abs() < 1e-7, "{out}");
    let layer_path = temp_path("dgp", "box.layer");
    let (code, _, err) = dopt(&["compile", "examples/box_volume.dopt", "-o", &layer_path]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = dopt(&["check", &layer_path]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("geometric program"), "{out}");
    let (code, out, err) = dopt(&["solve", &layer_path, "--params", &params, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!((v["objective"].as_f64().unwrap() - 20.0 * w).abs() < 1e-5, "{out}");
    std::fs::write(
        &params,
        r#"{"a_wall": 100, "a_floor": 0, "alpha": 0.5, "beta": 2, "gamma": 0.5, "delta": 2}"#,
    )
    .unwrap();
    let (code, _, err) = dopt(&["solve", &layer_path, "--params", &params]);
    assert_eq!(code, 1);
    assert!(err.contains("E0702") && err.contains("a_floor") && err.contains("must be positive"), "{err}");
}

/// Every log-domain form at once: the variables are pinned to parameter values, so the
/// optimal value is the objective's value there, computed here by hand, and its
/// gradient is the objective's gradient (checked by differences of the values).
#[test]
fn each_log_domain_form_has_the_value_of_its_expression() {
    let text = "geometric
constant A[2, 2] = [[1, 2], [3, 0.5]]
parameter P[2, 2]
parameter q[2]
variable X[2, 2]
variable v[2]
minimize sum(A @ X) + trace(X) + mean(v) + norm(v, 3) + quad_over_lin(v, X[0, 0]) \\
    + exp(v[0]) + inv_prod(v) + max(X @ v) + sum(X + v) + sum(v @ X) + geo_mean(v, [1, 3]) \\
    + sum(norm2(X, axis=1)) + sum_squares(v) + sum(X @ X) + maximum(v[0], 2 * v[1]) / v[1]
subject to
    X == P
    v == q
";
    let f = |x: &[f64], v: &[f64]| {
        let a = [1.0, 2.0, 3.0, 0.5];
        let mm = |p: &[f64], q: &[f64], i: usize, j: usize| p[2 * i] * q[j] + p[2 * i + 1] * q[2 + j];
        let xv = |i: usize| x[2 * i] * v[0] + x[2 * i + 1] * v[1];
        let mut s = 0.0;
        for i in 0..2 {
            for j in 0..2 {
                s += mm(&a, x, i, j) + x[2 * i + j] + v[j] + v[i] * x[2 * i + j] + mm(x, x, i, j);
            }
            s += (x[2 * i].powi(2) + x[2 * i + 1].powi(2)).sqrt();
        }
        s + x[0]
            + x[3]
            + (v[0] + v[1]) / 2.0
            + (v[0].powi(3) + v[1].powi(3)).cbrt()
            + (v[0] * v[0] + v[1] * v[1]) / x[0]
            + v[0].exp()
            + 1.0 / (v[0] * v[1])
            + xv(0).max(xv(1))
            + v[0].powf(0.25) * v[1].powf(0.75)
            + v[0] * v[0]
            + v[1] * v[1]
            + v[0].max(2.0 * v[1]) / v[1]
    };
    let ten = Settings { tol_gap_abs: 1e-10, tol_gap_rel: 1e-10, tol_feas: 1e-10, ..Settings::default() };
    let l = layer("forms.dopt", text).with_settings(ten);
    let (x, v) = ([1.0, 2.0, 0.5, 3.0], [0.7, 1.6]);
    let params = |x: &[f64], v: &[f64]| {
        Values::from([
            ("P".to_string(), Array::matrix(2, 2, x).unwrap()),
            ("q".to_string(), Array::vector(v)),
        ])
    };
    let out = l.forward(&params(&x, &v)).unwrap();
    assert!(matches!(out.status, Status::Optimal), "{}", out.status);
    assert_close("objective", &[out.objective], &[f(&x, &v)], 1e-7, 0.0);
    let g = l.backward(&out, &Values::from([("objective".to_string(), Array::scalar(1.0))])).unwrap();
    for i in 0..4 {
        let h = 1e-6;
        let (mut up, mut dn) = (x, x);
        up[i] += h;
        dn[i] -= h;
        let fd = (f(&up, &v) - f(&dn, &v)) / (2.0 * h);
        assert_close(&format!("d/dP[{i}]"), &[g.params["P"].data[i]], &[fd], 1e-5, 1.0);
    }
    for i in 0..2 {
        let h = 1e-6;
        let (mut up, mut dn) = (v, v);
        up[i] += h;
        dn[i] -= h;
        let fd = (f(&x, &up) - f(&x, &dn)) / (2.0 * h);
        assert_close(&format!("d/dq[{i}]"), &[g.params["q"].data[i]], &[fd], 1e-5, 1.0);
    }
}

#[test]
fn a_feasibility_gp_with_a_for_constraint() {
    // x[i+1] = 2·x[i] and x[0]·x[2] = 4: x = (1, 2, 4); no objective, reported as 0.
    let text = "geometric\nvariable x[3]\nsubject to\n    step: for i in 0..2: x[i + 1] == 2 * x[i]\n    x[0] * x[2] == 4\n";
    let l = layer("feas.dopt", text);
    let out = l.forward(&Values::new()).unwrap();
    assert!(matches!(out.status, Status::Optimal | Status::Inaccurate), "{}", out.status);
    assert_close("x", &out.variables["x"].data, &[1.0, 2.0, 4.0], 1e-7, 0.0);
    assert_eq!(out.objective, 0.0);
    assert_eq!(out.duals["step"].shape.dims(), &[2]);
}

#[test]
fn the_power_control_example_gives_cvxpys_answer() {
    let case = reference().into_iter().find(|c| c["name"] == "power_control").unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let l = layer(
        "power_control.dopt",
        &std::fs::read_to_string(format!("{root}/examples/power_control.dopt")).unwrap(),
    );
    let params = std::fs::read_to_string(format!("{root}/examples/power_control.params.json")).unwrap();
    let params = dopt::values_from_json(&params).unwrap();
    assert_eq!(params, values(&case["params"]));
    let out = l.forward(&params).unwrap();
    assert_close("objective", &[out.objective], &[case["objective"].as_f64().unwrap()], 1e-6, 0.0);
    assert_close("P", &out.variables["P"].data, &flat(&case["variables"]["P"]), 1e-6, 0.0);
}

/// The geometric-program atoms outside a problem marked `geometric`: refused (E0511)
/// where they are written, with the DCP spelling; a problem that follows the DGP rules
/// also gets the hint that `geometric` would solve it.
#[test]
fn geometric_program_atoms_are_refused_in_a_dcp_problem() {
    let cases = [
        ("prod", "variable v[3] nonneg\nmaximize sum(v)\nsubject to\n    prod(v) <= 1"),
        ("one_minus_pos", "variable x\nmaximize x * one_minus_pos(x)"),
        (
            "diff_pos",
            "variable x\nvariable y\nminimize x + y\nsubject to\n    diff_pos(x, y) >= 1\n    y >= 1",
        ),
    ];
    for (name, text) in cases {
        let out = check_text(text);
        assert!(
            out.contains("E0511") && out.contains(&format!("`{name}` is a geometric-program atom")),
            "{out}"
        );
        insta::assert_snapshot!(format!("dcp_{name}"), out);
    }
}

/// A layer at 1e-10 (at 1e-12 Clarabel ends some of these "almost solved", which has
/// no gradient).
fn gp_layer(name: &str, text: &str) -> Layer {
    let ten = Settings { tol_gap_abs: 1e-10, tol_gap_rel: 1e-10, tol_feas: 1e-10, ..Settings::default() };
    layer(name, text).with_settings(ten)
}

/// A GP's solution (each variable to its own relative tolerance: an interior maximum
/// is flat, so a value accurate to 1e-10 places the point only to about 1e-5), its
/// optimal value, and the gradient of the value in the parameters (`want`), by the
/// layer and by central differences.
fn assert_closed_form(
    name: &str,
    text: &str,
    params: &Values,
    vars: &[(&str, &[f64], f64)],
    value: f64,
    want: &Values,
) {
    let l = gp_layer(name, text);
    let out = l.forward(params).unwrap();
    assert!(matches!(out.status, Status::Optimal | Status::Inaccurate), "{name}: {}", out.status);
    for (v, x, tol) in vars {
        assert_close(&format!("{name} {v}"), &out.variables[*v].data, x, *tol, 0.0);
    }
    assert_close(&format!("{name} value"), &[out.objective], &[value], 1e-8, 0.0);
    assert_objective_gradient(name, &l, &out, params, want);
}

/// Central differences of the optimal value in each parameter entry (relative steps:
/// a GP's parameters stay positive), against the layer's gradient of the objective.
fn assert_objective_gradient(name: &str, l: &Layer, out: &dopt::Output, params: &Values, want: &Values) {
    let g = l.backward(out, &Values::from([("objective".to_string(), Array::scalar(1.0))])).unwrap();
    for (p, v) in params {
        assert_close(&format!("{name} dobj/d{p}"), &g.params[p].data, &want[p].data, 1e-5, 1e-6);
        for i in 0..v.data.len() {
            let h = 1e-5 * v.data[i];
            let at = |t: f64| {
                let mut q = params.clone();
                q.get_mut(p).unwrap().data[i] += t;
                loss(l, &q, &Values::new()).1
            };
            let fd = (at(h) - at(-h)) / (2.0 * h);
            assert!((fd - want[p].data[i]).abs() <= 1e-4 * (1.0 + fd.abs()), "{name} d/d{p}[{i}]: fd {fd}");
        }
    }
}

#[test]
fn prod_has_its_closed_form() {
    // min Σᵢ 1/Πⱼ Zᵢⱼ + Σⱼ 1/Πᵢ Zᵢⱼ over Z ≤ U is at Z = U, and d/dUᵢⱼ of the value is
    // −(1/rowᵢ + 1/colⱼ)/Uᵢⱼ with rowᵢ = Πⱼ Uᵢⱼ, colⱼ = Πᵢ Uᵢⱼ.
    let text = "geometric
parameter U[2, 3]
variable Z[2, 3]
minimize sum(1 / prod(Z, axis=1)) + sum(inv_pos(prod(Z, axis=0, keepdims=True)))
subject to
    Z <= U
";
    let u = [1.0, 2.0, 0.5, 3.0, 1.5, 0.8];
    let params = Values::from([("U".to_string(), Array::matrix(2, 3, &u).unwrap())]);
    let row = [u[0] * u[1] * u[2], u[3] * u[4] * u[5]];
    let col = [u[0] * u[3], u[1] * u[4], u[2] * u[5]];
    let value = 1.0 / row[0] + 1.0 / row[1] + col.iter().map(|c| 1.0 / c).sum::<f64>();
    let grad: Vec<f64> = (0..6).map(|k| -(1.0 / row[k / 3] + 1.0 / col[k % 3]) / u[k]).collect();
    let want = Values::from([("U".to_string(), Array::matrix(2, 3, &grad).unwrap())]);
    assert_closed_form("prod.dopt", text, &params, &[("Z", &u, 1e-7)], value, &want);
}

#[test]
fn one_minus_pos_has_its_closed_form() {
    // max x·y·(1 − x − y) is at x = y = 1/3 (value 1/27): one_minus_pos of a
    // posynomial, at an interior point of its domain x + y < 1. With the factor a,
    // the value is a/27 and its derivative 1/27.
    let text = "geometric
parameter a
variable x
variable y
maximize a * x * y * one_minus_pos(x + y)
";
    let params = Values::from([("a".to_string(), Array::scalar(2.0))]);
    let third = [1.0 / 3.0];
    let want = Values::from([("a".to_string(), Array::scalar(1.0 / 27.0))]);
    let vars: [(&str, &[f64], f64); 2] = [("x", &third, 1e-4), ("y", &third, 1e-4)];
    assert_closed_form("omp.dopt", text, &params, &vars, 2.0 / 27.0, &want);
}

#[test]
fn diff_pos_has_its_closed_form() {
    // max x·(b − x) subject to diff_pos(b, x) ≥ c·x, i.e. x ≤ b/(1 + c). For c = 0.5
    // the bound is inactive: x = b/2, the value b²/4, its derivatives b/2 in b and 0
    // in c (an interior maximum is flat: a value accurate to 1e-10 places x to about
    // 1e-5). For c = 2 it is active: x = b/(1 + c), the value b²c/(1 + c)², with
    // derivatives 2bc/(1 + c)² in b and b²(1 − c)/(1 + c)³ in c.
    let text = "geometric
parameter b
parameter c
variable x
maximize x * diff_pos(b, x)
subject to
    diff_pos(b, x) >= c * x
";
    let b = 3.0;
    for (c, x, xtol, value, db, dc) in
        [(0.5, b / 2.0, 1e-4, b * b / 4.0, b / 2.0, 0.0), (2.0, 1.0, 1e-6, 2.0, 4.0 / 3.0, -1.0 / 3.0)]
    {
        let named = |u: f64, v: f64| {
            Values::from([("b".to_string(), Array::scalar(u)), ("c".to_string(), Array::scalar(v))])
        };
        assert_closed_form("dp.dopt", text, &named(b, c), &[("x", &[x], xtol)], value, &named(db, dc));
    }
}

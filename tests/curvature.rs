//! Agreement with cvxpy's verdicts in `tests/data/reference/curvature.json`: curvature,
//! sign, shape, DCP and DPP of ~130 expressions (parameters count as constants for
//! curvature and sign, as in cvxpy).

use dopt::internals::dcp::analyze::{Mode, analyze};
use dopt::internals::frontend;
use dopt::internals::sema::Dims;
use dopt::internals::source::SourceFile;
use std::collections::HashSet;

fn field<'a>(v: &'a str, key: &str) -> &'a str {
    // Tiny reader for the flat string fields of one case object.
    let at = v.find(&format!("\"{key}\":")).unwrap_or_else(|| panic!("no {key} in {v}"));
    let rest = v[at + key.len() + 3..].trim_start();
    if let Some(r) = rest.strip_prefix('"') {
        let mut end = 0;
        let bytes = r.as_bytes();
        while bytes[end] != b'"' || (end > 0 && bytes[end - 1] == b'\\') {
            end += 1;
        }
        &r[..end]
    } else {
        let end = rest.find([',', '}', ']']).unwrap();
        rest[..end].trim()
    }
}

#[test]
fn agrees_with_cvxpy_on_every_case() {
    let json =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/reference/curvature.json"))
            .unwrap();
    let decls = field(&json, "decls").replace("\\n", "\n");
    let cases_at = json.find("\"cases\"").unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for chunk in json[cases_at..].split("{\"expr\":").skip(1) {
        let case = format!("{{\"expr\":{chunk}");
        let expr = field(&case, "expr").to_string();
        let curvature = field(&case, "curvature");
        let sign = field(&case, "sign");
        let is_dcp = field(&case, "is_dcp") == "true";
        let is_dpp = field(&case, "is_dpp") == "true";
        let shape_at = case.find("\"shape\":").unwrap() + 8;
        let shape_text: String = case[shape_at..].chars().take_while(|c| *c != ']').collect();
        let shape = format!("{}]", shape_text.trim());

        let text = format!("{decls}\nlet e = {expr}\n");
        let src = SourceFile::new("case.dopt", text);
        let p = frontend::check(&src, &Dims::new()).unwrap_or_else(|f| panic!("{expr}:\n{}", f.render()));
        let (_, id) = p.lets.iter().find(|(n, _)| n == "e").unwrap();
        let dcp = analyze(&p, Mode::Dcp, &HashSet::new());
        let dpp = analyze(&p, Mode::Dpp, &HashSet::new());
        let got_curv = dcp.curvature(*id).cvxpy();
        let want_curv = match curvature {
            "QUASICONVEX" | "QUASICONCAVE" => "UNKNOWN",
            c => c,
        };
        let got_shape = p.node(*id).shape.to_string();
        let got = (
            got_curv,
            dcp.sign(*id).cvxpy(),
            dcp.curvature(*id).is_known(),
            dpp.curvature(*id).is_known(),
            got_shape.as_str(),
        );
        let want = (want_curv, sign, is_dcp, is_dpp, shape.as_str());
        if got != want {
            failures.push(format!("{expr}: got {got:?}, cvxpy {want:?}"));
        }
        checked += 1;
    }
    assert!(checked >= 120, "only {checked} cases read");
    assert!(failures.is_empty(), "{} of {checked} cases disagree:\n{}", failures.len(), failures.join("\n"));
}

/// Agreement with cvxpy's verdicts on the atoms of issue 11
/// (`tests/data/atoms/verdicts.json`, written by `make_reference.py` beside it), where a
/// case's `dopt` object, if any, states dopt's intended verdict where it differs from
/// cvxpy's on purpose (its `note` says why).
#[test]
fn agrees_with_cvxpy_on_the_issue_11_atoms() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/atoms/verdicts.json"))
            .unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let decls = json["decls"].as_str().unwrap();
    let mut failures = Vec::new();
    let cases = json["cases"].as_array().unwrap();
    assert!(cases.len() >= 50, "only {} cases", cases.len());
    for case in cases {
        let expr = case["expr"].as_str().unwrap();
        let mut want = case["cvxpy"].clone();
        if let Some(over) = case.get("dopt") {
            for (k, v) in over.as_object().unwrap() {
                want[k] = v.clone();
            }
        }
        assert!(want.get("error").is_none() || case.get("dopt").is_some(), "{expr}: cvxpy rejects it");
        let src = SourceFile::new("case.dopt", format!("{decls}\nlet e = {expr}\n"));
        let p = frontend::check(&src, &Dims::new()).unwrap_or_else(|f| panic!("{expr}:\n{}", f.render()));
        let (_, id) = p.lets.iter().find(|(n, _)| n == "e").unwrap();
        let dcp = analyze(&p, Mode::Dcp, &HashSet::new());
        let dpp = analyze(&p, Mode::Dpp, &HashSet::new());
        let shape: Vec<usize> = p.node(*id).shape.dims().to_vec();
        let want_shape: Vec<usize> = match case["shape"].as_array() {
            Some(s) => s.iter().map(|d| d.as_u64().unwrap() as usize).collect(),
            None => shape.clone(), // cvxpy rejects it: no shape to compare
        };
        let got = (
            dcp.curvature(*id).cvxpy().to_string(),
            dcp.sign(*id).cvxpy().to_string(),
            dcp.curvature(*id).is_known(),
            dpp.curvature(*id).is_known(),
            shape,
        );
        let exp = (
            want["curvature"].as_str().unwrap().to_string(),
            want["sign"].as_str().unwrap().to_string(),
            want["is_dcp"].as_bool().unwrap(),
            want["is_dpp"].as_bool().unwrap(),
            want_shape,
        );
        if got != exp {
            failures.push(format!("{expr}: got {got:?}, want {exp:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The rejections of the issue-11 atoms say what to change: products name their
/// factors, `xexp` asks for a nonnegative argument, `dotsort` for constant weights.
#[test]
fn issue_11_atoms_explain_their_rejections() {
    let reject = |text: &str| {
        let src = SourceFile::new("e.dopt", text);
        frontend::analyze(&src, &Dims::new()).err().unwrap_or_else(|| panic!("accepted: {text}")).render()
    };
    let e = reject("variable x[3]\nminimize sum(xexp(x))\n");
    assert!(e.contains("E0508") && e.contains("xexp(pos(x))") && e.contains("e.dopt:2:14"), "{e}");
    let e = reject("variable x[3]\nvariable y[2]\nminimize dotsort(x, y)\n");
    assert!(e.contains("weights (second argument) must be a constant"), "{e}");
    let e = reject("variable x[3]\nparameter p\nparameter w[2]\nminimize dotsort(p * x, w)\n");
    assert!(e.contains("E0604") && e.contains("free of parameters"), "{e}");
    let e = reject("variable x[3]\nvariable y[3]\nminimize sum(convolve(x, y))\n");
    assert!(e.contains("multiplies two non-constant expressions"), "{e}");
    let e = reject("variable x[2]\nparameter p\nparameter a[2]\nminimize sum_squares(outer(a, p * x))\n");
    assert!(e.contains("E0601") && e.contains("`outer(a, p * x)` multiplies two factors"), "{e}");
}

/// Weighted geo_mean needs constant weights p ≥ 0, not all 0: a parameter or a negative
/// weight is refused with the rule, pointing at the weights.
#[test]
fn weighted_geo_mean_explains_its_weights() {
    let reject = |text: &str| {
        let src = SourceFile::new("g.dopt", text);
        frontend::analyze(&src, &Dims::new()).err().unwrap_or_else(|| panic!("accepted: {text}")).render()
    };
    for text in [
        "parameter w[3] nonneg\nvariable x[3]\nmaximize geo_mean(x, w)\n",
        "variable x[3]\nmaximize geo_mean(x, [1, -1, 2])\n",
        "variable x[3]\nmaximize geo_mean(x, [0, 0, 0])\n",
    ] {
        let e = reject(text);
        // At the call, on the objective's (last) line.
        let at = format!("g.dopt:{}:10", text.lines().count());
        assert!(e.contains("E0508") && e.contains(&at), "{e}");
        assert!(e.contains("must be a constant known when compiling, nonnegative and not all 0"), "{e}");
    }
}

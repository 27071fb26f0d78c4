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

//! The `.dopt` case corpus in `tests/cases/`: each file's header says what to expect.
//!
//! ```text
//! # expect: ok                 (names and shapes only; or an error kind: syntax,
//!                              unknown-name, shape, dim, statement, not-dcp, not-dpp)
//! # expect: dcp                (must also pass the DCP and DPP analysis)
//! # dims: n=3 m=2              (optional: dims given as on the command line)
//! ```
//! A valid case snapshots the `dopt check` summary and the IR listing; an invalid one
//! snapshots the rendered diagnostics and must fail with the expected kind, with a
//! location for every error.

use dopt::internals::frontend;
use std::path::Path;

struct Header {
    expect: String,
    dims: Vec<String>,
}

fn header(text: &str) -> Header {
    let mut h = Header { expect: String::new(), dims: Vec::new() };
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        if let Some(v) = line.strip_prefix("# expect:") {
            h.expect = v.trim().to_string();
        } else if let Some(v) = line.strip_prefix("# dims:") {
            h.dims = v.split_whitespace().map(str::to_string).collect();
        }
    }
    h
}

#[test]
fn case_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "dopt"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "the corpus has only {} cases", files.len());
    for path in files {
        let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let h = header(&text);
        assert!(!h.expect.is_empty(), "{stem}: no `# expect:` header");
        let dims = dopt::internals::cli::parse_dims(&h.dims).unwrap();
        let src = dopt::internals::source::SourceFile::new(format!("tests/cases/{stem}.dopt"), text.clone());
        let dcp_case = matches!(h.expect.as_str(), "dcp" | "not-dcp" | "not-dpp");
        if h.expect == "dcp" {
            match frontend::analyze(&src, &dims) {
                Ok(c) => {
                    let shown = format!(
                        "{}{}",
                        dopt::internals::cli::summary(&src.name, &c.program),
                        dopt::internals::cli::curvature_summary(&c, &src)
                    );
                    insta::assert_snapshot!(format!("dcp__{stem}"), shown);
                }
                Err(f) => panic!("{stem}: expected DCP and DPP, got\n{}", f.render()),
            }
            continue;
        }
        let result = if dcp_case {
            frontend::analyze(&src, &dims).map(|c| c.program)
        } else {
            frontend::check(&src, &dims)
        };
        match (h.expect.as_str(), result) {
            ("ok", Ok(p)) => {
                let shown = format!(
                    "{}\n{}",
                    dopt::internals::cli::summary(&src.name, &p),
                    dopt::internals::sema::listing::program(&p)
                );
                insta::assert_snapshot!(format!("ok__{stem}"), shown);
            }
            ("ok", Err(f)) => panic!("{stem}: expected ok, got\n{}", f.render()),
            (kind, Ok(_)) => panic!("{stem}: expected a `{kind}` error, but the file checks"),
            (kind, Err(f)) => {
                assert!(
                    f.diagnostics.iter().any(|d| d.kind().as_str() == kind),
                    "{stem}: expected a `{kind}` error, got\n{}",
                    f.render()
                );
                for d in &f.diagnostics {
                    assert!(
                        d.primary_span().is_some(),
                        "{stem}: a diagnostic without a location:\n{}",
                        f.render()
                    );
                }
                insta::assert_snapshot!(format!("err__{stem}"), f.render());
            }
        }
    }
}

//! The shared reference files (copied to `tests/data/reference/`): every problem
//! passes the front end and the DCP/DPP analysis; every invalid file is rejected with the expected kind at the
//! line its header names.

use dopt::internals::frontend;
use dopt::internals::sema::Dims;
use std::path::{Path, PathBuf};

fn files(sub: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/reference").join(sub);
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "dopt"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_reference_problem_checks() {
    let problems = files("problems");
    assert_eq!(problems.len(), 15);
    for path in problems {
        let src = frontend::read_source(path.to_str().unwrap()).unwrap();
        let c = frontend::analyze(&src, &Dims::new())
            .unwrap_or_else(|f| panic!("{}:\n{}", path.display(), f.render()));
        let p = &c.program;
        // The dims of the reference JSON are the file's defaults.
        let json = std::fs::read_to_string(path.with_extension("json")).unwrap();
        for (name, dim) in &p.dims {
            let needle = format!("\"{name}\": {}", dim.value);
            assert!(json.contains(&needle), "{}: dim {name} = {} not in the JSON", path.display(), dim.value);
        }
        assert!(!p.vars.is_empty());
    }
}

/// The line numbers named in the `# mistake:` header ("(line 10)", "on line 10").
fn mistake_lines(text: &str) -> Vec<usize> {
    let m = text.lines().find(|l| l.starts_with("# mistake:")).unwrap();
    m.match_indices("line ")
        .filter_map(|(i, _)| {
            m[i + 5..].chars().take_while(|c| c.is_ascii_digit()).collect::<String>().parse().ok()
        })
        .collect()
}

#[test]
fn invalid_files_are_rejected_with_their_kind_at_their_line() {
    let mut checked = 0;
    for path in files("invalid") {
        let text = std::fs::read_to_string(&path).unwrap();
        let kind = text.lines().next().unwrap().strip_prefix("# expect: ").unwrap().trim().to_string();
        let name = format!("invalid/{}", path.file_name().unwrap().to_str().unwrap());
        let src = dopt::internals::source::SourceFile::new(name, text.clone());
        let f = frontend::analyze(&src, &Dims::new())
            .err()
            .unwrap_or_else(|| panic!("{} was accepted", path.display()));
        let d = &f.diagnostics[0];
        assert_eq!(d.kind().as_str(), kind, "{}:\n{}", path.display(), f.render());
        let (line, _) = src.line_col(d.primary_span().unwrap().start as usize);
        let want = mistake_lines(&text);
        assert!(!want.is_empty());
        assert!(
            want.contains(&line),
            "{}: reported on line {line}, the mistake is on line(s) {want:?}\n{}",
            path.display(),
            f.render()
        );
        insta::assert_snapshot!(
            format!("invalid__{}", path.file_stem().unwrap().to_str().unwrap()),
            f.render()
        );
        checked += 1;
    }
    assert_eq!(checked, 12);
}

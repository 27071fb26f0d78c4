//! Property test: random and mutated `.dopt` text never makes the front end panic.
//! Every input either checks or gives diagnostics that all carry a location.
//!
//! The suite runs a short version; set `DOPT_FUZZ_CASES=100000` for a long run.

use dopt::frontend;
use dopt::sema::Dims;
use dopt::source::SourceFile;
use proptest::prelude::*;
use std::path::Path;

const TOKENS: &[&str] = &[
    "dim",
    "parameter",
    "variable",
    "constant",
    "let",
    "def",
    "minimize",
    "maximize",
    "subject",
    "to",
    "subject to",
    "for",
    "in",
    "output",
    "n",
    "m",
    "x",
    "y",
    "A",
    "b",
    "t",
    "T",
    "p",
    "nonneg",
    "psd",
    "symmetric",
    "sum",
    "norm2",
    "norm",
    "quad_form",
    "power",
    "huber",
    "reshape",
    "diag",
    "hstack",
    "vstack",
    "zeros",
    "eye",
    "sum_largest",
    "geo_mean",
    "kron",
    "0",
    "1",
    "2",
    "3",
    "-1",
    "0.5",
    "1e3",
    "1e999",
    ".5",
    "+",
    "-",
    "*",
    "/",
    "@",
    ".T",
    "==",
    "<=",
    ">=",
    ">>",
    "<<",
    "<",
    "=",
    ":",
    ",",
    "..",
    "(",
    ")",
    "[",
    "]",
    "\n",
    "\n",
    " ",
    "#",
    "\\\n",
    "M=",
    "axis=",
    "é",
    "\t",
];

fn corpus() -> Vec<String> {
    let mut v = Vec::new();
    for sub in ["tests/data/reference/problems", "tests/data/reference/invalid", "tests/cases"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(sub);
        if let Ok(rd) = std::fs::read_dir(dir) {
            let mut files: Vec<_> = rd.map(|e| e.unwrap().path()).collect();
            files.sort();
            for f in files {
                if f.extension().is_some_and(|e| e == "dopt") {
                    v.push(std::fs::read_to_string(f).unwrap());
                }
            }
        }
    }
    v
}

/// The whole compile pipeline: parse, check, DCP/DPP analysis and canonicalization.
fn run(text: String) {
    let src = SourceFile::new("fuzz.dopt", text);
    match frontend::analyze(&src, &Dims::new().with("n", 3)) {
        Err(f) => {
            assert!(!f.diagnostics.is_empty());
            // Every diagnostic about a source points into it (E0701 for a `--dim`
            // included: it points at the dim, or the declaration it concerns).
            for d in &f.diagnostics {
                assert!(d.primary_span().is_some(), "{} has no location:\n{}", d.code.id, f.render());
            }
            // Rendering must not panic either, wherever the spans point.
            let _ = f.render();
        }
        Ok(c) => {
            if let Err(d) = dopt::layer::Layer::new(c.program, &c.analysis) {
                let _ = d.render(Some(&src));
            }
        }
    }
}

fn cases() -> u32 {
    std::env::var("DOPT_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(400)
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, usize),
    Duplicate(usize, usize),
    Swap(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0usize..20).prop_map(|(a, l)| Mutation::Delete(a, l)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(a, t)| Mutation::Insert(a, t)),
        (any::<usize>(), 0usize..40).prop_map(|(a, l)| Mutation::Duplicate(a, l)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
    ]
}

fn apply(text: &str, muts: &[Mutation]) -> String {
    let mut b: Vec<u8> = text.as_bytes().to_vec();
    for m in muts {
        let n = b.len().max(1);
        match *m {
            Mutation::Delete(a, l) => {
                let a = a % n;
                let e = (a + l).min(b.len());
                if a < e {
                    b.drain(a..e);
                }
            }
            Mutation::Insert(a, t) => {
                let a = a % (b.len() + 1);
                let tok = TOKENS[t].as_bytes();
                b.splice(a..a, tok.iter().copied());
            }
            Mutation::Duplicate(a, l) => {
                let a = a % n;
                let e = (a + l).min(b.len());
                let piece: Vec<u8> = b[a.min(e)..e].to_vec();
                b.splice(e..e, piece);
            }
            Mutation::Swap(x, y) => {
                if !b.is_empty() {
                    let (x, y) = (x % b.len(), y % b.len());
                    b.swap(x, y);
                }
            }
        }
    }
    // Byte-level edits may split a UTF-8 character; the file reader reports that,
    // so here keep to valid text and exercise the parser.
    String::from_utf8_lossy(&b).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_token_streams_never_panic(toks in prop::collection::vec(0..TOKENS.len(), 0..60)) {
        let text: String = toks.iter().map(|&t| TOKENS[t]).collect::<Vec<_>>().join(" ");
        run(text);
    }

    #[test]
    fn mutated_corpus_files_never_panic(which in any::<usize>(), muts in prop::collection::vec(mutation(), 1..6)) {
        let corpus = corpus();
        let text = apply(&corpus[which % corpus.len()], &muts);
        run(text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        match frontend::source_from_bytes("fuzz.dopt", bytes) {
            Ok(src) => {
                if let Err(f) = frontend::check(&src, &Dims::new()) {
                    let _ = f.render();
                }
            }
            Err(f) => {
                let _ = f.render();
            }
        }
    }
}

#[test]
fn pathological_inputs_are_rejected_not_crashed() {
    let deep_parens = format!("variable x\nminimize {}x{}", "(".repeat(5000), ")".repeat(5000));
    let long_sum = format!("variable x\nminimize {}x", "x + ".repeat(5000));
    let long_postfix = format!("variable x[2,2]\nminimize sum(x{})", ".T".repeat(5000));
    let signs = format!("variable x\nminimize {}x", "- ".repeat(5000));
    let huge_dim = "dim n = 100000000000\nvariable x[n]\n".to_string();
    let huge_const = "dim n = 100000\nconstant Z[n, n] = zeros(n, n)\n".to_string();
    let nested_index = format!("variable x[3]\nminimize {}0{}", "x[".repeat(60), "]".repeat(60));
    for text in [deep_parens, long_sum, long_postfix, signs, huge_dim, huge_const, nested_index] {
        let src = SourceFile::new("p.dopt", text.clone());
        let f = frontend::check(&src, &Dims::new()).expect_err(&text[..40.min(text.len())]);
        assert!(f.diagnostics.iter().all(|d| d.primary_span().is_some()), "{}", f.render());
    }
}

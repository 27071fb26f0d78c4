//! The top-level modules of `src/` use each other without a cycle.
//!
//! The graph is read from the source text: an edge `a → b` for every `crate::b…`
//! path (including `use crate::{b::…, c}` groups and `crate::Name` for a name that
//! `lib.rs` re-exports from `b`) in a file of module `a`. Comments and string
//! literals are skipped, so a doc link is not a dependency. A cycle is printed as
//! `a -> b -> … -> a`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The text with comments removed and the contents of string and character
/// literals blanked (lifetimes are kept).
fn code_only(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < c.len() {
        match c[i] {
            '/' if c.get(i + 1) == Some(&'/') => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '/' if c.get(i + 1) == Some(&'*') => {
                let mut depth = 0;
                while i < c.len() {
                    if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                        depth += 1;
                        i += 2;
                    } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                out.push(' ');
            }
            'r' if c.get(i + 1) == Some(&'#') || (c.get(i + 1) == Some(&'"') && !ident_char(&c, i)) => {
                // A raw string r"…" or r#"…"#.
                let mut j = i + 1;
                let mut hashes = 0;
                while c.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if c.get(j) != Some(&'"') {
                    out.push('r');
                    i += 1;
                    continue;
                }
                j += 1;
                while j < c.len() {
                    if c[j] == '"' && (1..=hashes).all(|h| c.get(j + h) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    j += 1;
                }
                out.push_str("\"\"");
                i = j;
            }
            '"' => {
                i += 1;
                while i < c.len() && c[i] != '"' {
                    i += if c[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("\"\"");
            }
            '\'' if c.get(i + 1) == Some(&'\\') => {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push_str("' '");
            }
            '\'' if c.get(i + 2) == Some(&'\'') => {
                i += 3;
                out.push_str("' '");
            }
            ch => {
                out.push(ch);
                i += 1;
            }
        }
    }
    out
}

/// `c[i - 1]` continues an identifier (so `c[i]` does not start a token).
fn ident_char(c: &[char], i: usize) -> bool {
    i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_')
}

/// The identifier at the start of `s` (after spaces).
fn leading_ident(s: &str) -> &str {
    let s = s.trim_start();
    let end = s.find(|ch: char| !(ch.is_alphanumeric() || ch == '_')).unwrap_or(s.len());
    &s[..end]
}

/// The first segment of each path of a `{…}` group starting at `s` (which begins
/// after the `{`): `{a::X, b, c::{D, E}}` gives a, b, c.
fn group_heads(s: &str) -> Vec<&str> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (k, ch) in s.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' if depth == 0 => {
                heads.push(leading_ident(&s[start..k]));
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                heads.push(leading_ident(&s[start..k]));
                start = k + 1;
            }
            _ => {}
        }
    }
    heads.retain(|h| !h.is_empty());
    heads
}

/// The names each `crate::` path in `code` starts with.
fn crate_path_heads(code: &str) -> Vec<&str> {
    let mut heads = Vec::new();
    let bytes = code.as_bytes();
    for (k, _) in code.match_indices("crate::") {
        let before = if k == 0 { b' ' } else { bytes[k - 1] };
        if before.is_ascii_alphanumeric() || before == b'_' {
            continue;
        }
        let rest = code[k + "crate::".len()..].trim_start();
        match rest.strip_prefix('{') {
            Some(group) => heads.extend(group_heads(group)),
            None => heads.push(leading_ident(rest)),
        }
    }
    heads
}

/// The identifier at the end of `s` (before spaces and closing braces).
fn trailing_ident(s: &str) -> &str {
    let s = s.trim_end_matches(|ch: char| ch.is_whitespace() || ch == '}');
    let start = s.rfind(|ch: char| !(ch.is_alphanumeric() || ch == '_')).map_or(0, |k| k + 1);
    &s[start..]
}

/// The positions where `word` occurs as a whole word in `code`.
fn word_at(code: &str, word: &str) -> Vec<usize> {
    let b = code.as_bytes();
    let is_ident = |x: u8| x.is_ascii_alphanumeric() || x == b'_';
    code.match_indices(word)
        .map(|(k, _)| k)
        .filter(|&k| (k == 0 || !is_ident(b[k - 1])) && b.get(k + word.len()).is_none_or(|&x| !is_ident(x)))
        .collect()
}

/// The top-level modules declared in `lib.rs` (`mod name;`, each a file or a
/// directory), and the names `lib.rs` re-exports mapped to the module they come from.
fn crate_root(lib: &str) -> (BTreeSet<String>, BTreeMap<String, String>) {
    let code = code_only(lib);
    let mut modules = BTreeSet::new();
    for k in word_at(&code, "mod") {
        let rest = &code[k + 3..];
        let name = leading_ident(rest);
        if rest.trim_start()[name.len()..].trim_start().starts_with(';') {
            modules.insert(name.to_string());
        }
    }
    let mut reexports = BTreeMap::new();
    for k in word_at(&code, "use") {
        let stmt = &code[k + 3..];
        let stmt = stmt[..stmt.find(';').unwrap_or(stmt.len())].trim();
        let stmt = stmt.strip_prefix("crate::").or_else(|| stmt.strip_prefix("self::")).unwrap_or(stmt);
        let module = leading_ident(stmt).to_string();
        // The names brought in: the last segment, or each item of the groups.
        let names: Vec<&str> = match stmt.find('{') {
            Some(b) => stmt[b + 1..].split(',').map(trailing_ident).collect(),
            None => vec![trailing_ident(stmt)],
        };
        for n in names.into_iter().filter(|n| !n.is_empty()) {
            reexports.insert(n.to_string(), module.clone());
        }
    }
    (modules, reexports)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The graph of the top-level modules of `src/`.
fn module_graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (modules, reexports) = crate_root(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: Graph = modules.iter().map(|m| (m.clone(), BTreeSet::new())).collect();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let first = rel.components().next().unwrap().as_os_str().to_str().unwrap();
        let from = first.trim_end_matches(".rs");
        if !modules.contains(from) {
            continue; // lib.rs (the root) and main.rs (the binary)
        }
        let code = code_only(&std::fs::read_to_string(&file).unwrap());
        for head in crate_path_heads(&code) {
            let to =
                if modules.contains(head) { Some(head) } else { reexports.get(head).map(|s| s.as_str()) };
            if let Some(to) = to.filter(|to| *to != from) {
                graph.get_mut(from).unwrap().insert(to.to_string());
            }
        }
    }
    graph
}

/// A cycle of the graph as a closed path (first node repeated at the end), if any.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark: BTreeMap<&str, Mark> = graph.keys().map(|k| (k.as_str(), Mark::New)).collect();
    for root in graph.keys() {
        if mark[root.as_str()] != Mark::New {
            continue;
        }
        // Depth-first, with the path and each node's remaining successors.
        let mut path: Vec<(&str, Vec<&str>)> = Vec::new();
        let succ = |n: &str| -> Vec<&str> {
            graph.get(n).map(|s| s.iter().rev().map(|t| t.as_str()).collect()).unwrap_or_default()
        };
        mark.insert(root, Mark::Open);
        path.push((root, succ(root)));
        while let Some((node, next)) = path.last_mut() {
            let node = *node;
            match next.pop() {
                Some(t) => match mark.get(t).copied().unwrap_or(Mark::New) {
                    Mark::Open => {
                        let at = path.iter().position(|(n, _)| *n == t).unwrap();
                        let mut cycle: Vec<String> = path[at..].iter().map(|(n, _)| n.to_string()).collect();
                        cycle.push(t.to_string());
                        return Some(cycle);
                    }
                    Mark::New => {
                        mark.insert(t, Mark::Open);
                        path.push((t, succ(t)));
                    }
                    Mark::Done => {}
                },
                None => {
                    mark.insert(node, Mark::Done);
                    path.pop();
                }
            }
        }
    }
    None
}

fn render(graph: &Graph) -> String {
    graph
        .iter()
        .map(|(m, uses)| format!("{m}: {}", uses.iter().cloned().collect::<Vec<_>>().join(", ")))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn top_level_modules_have_no_cycle() {
    let graph = module_graph();
    if let Some(cycle) = find_cycle(&graph) {
        panic!("the module graph has a cycle: {}\n\nthe graph:\n{}", cycle.join(" -> "), render(&graph));
    }
}

/// The graph is really read: edges that the pipeline cannot do without are found,
/// and the layering of atoms / conic / dcp / canon holds.
#[test]
fn module_graph_has_the_pipeline_edges() {
    let graph = module_graph();
    let uses = |a: &str, b: &str| graph.get(a).is_some_and(|s| s.contains(b));
    for (a, b) in
        [("canon", "conic"), ("canon", "dcp"), ("dcp", "atoms"), ("atoms", "conic"), ("atoms", "ir")]
    {
        assert!(uses(a, b), "expected {a} -> {b} in\n{}", render(&graph));
    }
    for (a, b) in [("atoms", "canon"), ("atoms", "dcp"), ("ir", "atoms"), ("conic", "canon")] {
        assert!(!uses(a, b), "{a} must not use {b}:\n{}", render(&graph));
    }
}

/// The table of ARCHITECTURE.md's "Modules and what they use" section, as a graph.
fn documented_graph() -> Graph {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md")).unwrap();
    let start = text.find("| module | uses |").expect("the module table in ARCHITECTURE.md");
    let mut graph = Graph::new();
    for row in text[start..].lines().skip(2).take_while(|l| l.starts_with('|')) {
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        let uses: BTreeSet<String> =
            cells[1].split(',').map(|u| u.trim().to_string()).filter(|u| !u.is_empty() && u != "—").collect();
        for m in cells[0].split(',') {
            graph.insert(m.trim().trim_matches('`').to_string(), uses.clone());
        }
    }
    graph
}

/// ARCHITECTURE.md shows the graph as it is: a new dependency updates the table.
#[test]
fn architecture_shows_the_module_graph() {
    let (actual, documented) = (module_graph(), documented_graph());
    assert_eq!(
        render(&documented),
        render(&actual),
        "update the table in ARCHITECTURE.md (left: the table, right: the code)"
    );
}

#[test]
fn paths_are_read_from_code_not_comments_or_strings() {
    let src = "use crate::{a::X, b, c::{D, E}};\n\
               // crate::d in a comment\n\
               /// [link](crate::e)\n\
               /* crate::f */ let s = \"crate::g\"; let q = '\"'; let r = r#\"crate::h\"#;\n\
               fn f<'a>(x: &'a crate::i::T) {}\n\
               let y = crate::Name; mycrate::j; $crate::k::m!();";
    let code = code_only(src);
    assert_eq!(crate_path_heads(&code), vec!["a", "b", "c", "i", "Name", "k"]);
}

#[test]
fn root_reexports_map_to_their_module() {
    let (modules, reexports) = crate_root(
        "pub mod a;\nmod b;\n#[cfg(test)]\nmod t { use crate::a::Z; }\npub use a::x::Item;\npub use b::{One, c::{Two as Three}};",
    );
    assert_eq!(modules.into_iter().collect::<Vec<_>>(), vec!["a", "b"]);
    assert_eq!(reexports.get("Item").map(|s| s.as_str()), Some("a"));
    assert_eq!(reexports.get("One").map(|s| s.as_str()), Some("b"));
    assert_eq!(reexports.get("Three").map(|s| s.as_str()), Some("b"));
    assert_eq!(reexports.get("Z").map(|s| s.as_str()), Some("a"));
}

#[test]
fn cycles_are_found_and_printed_as_a_closed_path() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g = Graph::new();
        for (a, b) in edges {
            g.entry(a.to_string()).or_default().insert(b.to_string());
            g.entry(b.to_string()).or_default();
        }
        g
    };
    assert_eq!(find_cycle(&graph(&[("a", "b"), ("b", "c"), ("a", "c")])), None);
    assert_eq!(
        find_cycle(&graph(&[("a", "b"), ("b", "c"), ("c", "d"), ("d", "b")])),
        Some(vec!["b".to_string(), "c".to_string(), "d".to_string(), "b".to_string()])
    );
    assert_eq!(find_cycle(&graph(&[("x", "y"), ("y", "x")])).map(|c| c.len()), Some(3));
}

//! The checker's limits and its growth: `def` expansion is shared and budgeted, long
//! files check in linear work, deep `let` chains need no deep stack, and the messages
//! for out-of-range dims and Python habits are located and say what to write.

use dopt::internals::diag::{Diagnostic, codes};
use dopt::internals::ir::hir;
use dopt::internals::sema::{self, Dims};
use dopt::internals::source::{SourceFile, Span};

/// Parse and check on the calling thread (no big-stack thread), so that a test run
/// on a small stack shows the checker does not recurse per statement.
fn check(text: &str, dims: &Dims) -> Result<hir::Program, Vec<Diagnostic>> {
    let src = SourceFile::new("t.dopt", text);
    let ast = dopt::internals::syntax::parse(&src).map_err(|d| vec![d])?;
    sema::check(&ast, dims)
}

fn check_ok(text: &str) -> hir::Program {
    match check(text, &Dims::new()) {
        Ok(p) => p,
        Err(d) => panic!("{}", dopt::internals::diag::render_all(&d, Some(&SourceFile::new("t.dopt", text)))),
    }
}

/// `def f1(x) = x + x` and `def fK(x) = fK-1(x) + fK-1(BODY)`, objective `sum(fN(y))`.
fn nested_defs(levels: usize, second_arg: &str) -> String {
    let mut s = String::from("variable y[2]\ndef f1(x) = x + x\n");
    for k in 2..=levels {
        s += &format!("def f{k}(x) = f{}(x) + f{}({second_arg})\n", k - 1, k - 1);
    }
    s += &format!("minimize sum(f{levels}(y))\n");
    s
}

#[test]
fn forty_nested_defs_with_equal_arguments_share_their_expansion() {
    // Was: minutes (the def-cycle search walked all 2^40 call paths, and the
    // expansion built 2^40 nodes). Now each fK(x) is expanded once and reused.
    let p = check_ok(&nested_defs(40, "x"));
    // y, then one `+` per level (f1 .. f40), then `sum`.
    assert_eq!(p.nodes.len(), 1 + 40 + 1);
    let top = p.objective.as_ref().unwrap().expr;
    let hir::Op::Atom(_, args, _) = &p.node(top).op else { panic!("sum") };
    let hir::Op::Add(a, b) = p.node(args[0]).op else { panic!("f40 is a sum") };
    assert_eq!(a, b, "the two calls of f39 are one node");
}

#[test]
fn nested_defs_that_cannot_share_stop_at_the_budget_at_the_call() {
    // `x + 1` is a new node at every call, so nothing is shared: 2^40 nodes would be
    // needed. The budget stops the expansion after MAX_DEF_NODES nodes.
    let text = nested_defs(40, "x + 1");
    let d = check(&text, &Dims::new()).unwrap_err();
    assert_eq!(d.len(), 1, "{d:?}");
    let d = &d[0];
    assert_eq!(d.code, codes::TOO_DEEP);
    assert!(d.message.contains("`f40`"), "{}", d.message);
    assert!(d.message.contains(&sema::MAX_DEF_NODES.to_string()), "{}", d.message);
    let call = text.find("f40(y)").unwrap();
    assert_eq!(d.primary_span(), Some(Span::new(call, call + "f40(y)".len())));
    assert!(d.help.iter().any(|h| h.contains("`let`")), "{:?}", d.help);
}

#[test]
fn a_def_cycle_is_still_reported_once() {
    let text = "variable x\ndef f(x) = g(x) + g(x)\ndef g(x) = h(x)\ndef h(x) = f(x)\nminimize f(x)\n";
    let d = check(text, &Dims::new()).unwrap_err();
    let rec: Vec<_> = d.iter().filter(|d| d.code == codes::RECURSION).collect();
    assert_eq!(rec.len(), 1, "{d:?}");
    assert_eq!(rec[0].message, "`def`s call each other in a cycle: f -> g -> h -> f");
    let at = text.find("g(x) +").unwrap();
    assert_eq!(rec[0].primary_span(), Some(Span::new(at, at + 1)));
}

#[test]
fn dim_arguments_for_names_that_are_not_dims_are_located() {
    // From the fuzzer: `--dim n=3` with a file that declares `n` as a variable, or
    // no dim at all, gave E0701 without a location.
    let text = "variable n\nminimize n\n";
    let d = check(text, &Dims::new().with("n", 3)).unwrap_err();
    assert_eq!(d[0].code, codes::BAD_DIM_ARG);
    assert_eq!(d[0].primary_span(), Some(Span::new(9, 10)));

    let text = "variable x\nminimize x\n";
    let d = check(text, &Dims::new().with("n", 3)).unwrap_err();
    assert_eq!(d[0].code, codes::BAD_DIM_ARG);
    assert_eq!(d[0].primary_span(), Some(Span::new(0, 0)));

    let text = "dim size = 2\nvariable x[size]\nminimize sum(x)\n";
    let d = check(text, &Dims::new().with("sise", 3)).unwrap_err();
    assert_eq!(d[0].primary_span(), Some(Span::new(4, 8)));
    assert_eq!(d[0].help, ["did you mean `size`?"]);

    let text = "dim n\nvariable x[n]\nminimize sum(x)\n";
    let d = check(text, &Dims::new().with("n", 0)).unwrap_err();
    assert_eq!(d[0].primary_span(), Some(Span::new(4, 5)));
    assert!(d[0].message.contains("between 1 and 2147483648"), "{}", d[0].message);
}

#[test]
fn a_huge_dim_is_out_of_range_not_a_non_integer() {
    let text = "dim n = 99999999999999999999\nvariable x[n]\nminimize sum(x)\n";
    let d = check(text, &Dims::new()).unwrap_err();
    assert_eq!(d[0].code, codes::BAD_DIM);
    assert_eq!(d[0].message, "dim `n` = 100000000000000000000 is out of range");
    assert_eq!(d[0].help, ["a dim must be between 1 and 2147483648"]);
    assert_eq!(d[0].primary_span(), Some(Span::new(8, 28)));

    let d = check("dim n = 2.5\nvariable x[n]\n", &Dims::new()).unwrap_err();
    assert_eq!((d[0].code, d[0].message.as_str()), (codes::NOT_INTEGER, "dim `n` = 2.5 is not an integer"));

    let d = check("variable x[99999999999999999999]\n", &Dims::new()).unwrap_err();
    assert_eq!(d[0].message, "the integer 100000000000000000000 is out of range");

    let e = dopt::internals::cli::parse_dims(&["n=99999999999999999999".to_string()]).unwrap_err();
    assert_eq!(
        e,
        "error[E0701]: --dim n=99999999999999999999: `99999999999999999999` is out of range: \
         a dim must be between 1 and 2147483648"
    );
    let e = dopt::internals::cli::parse_dims(&["n=ten".to_string()]).unwrap_err();
    assert!(e.ends_with("`ten` is not an integer"), "{e}");
}

#[test]
fn subject_to_with_a_colon_gets_the_dopt_form() {
    let text = "variable x\nminimize x\nsubject to:\n  x >= 1\n";
    let d = check(text, &Dims::new()).unwrap_err();
    assert_eq!(d[0].message, "`subject to` takes no colon");
    let colon = text.find(':').unwrap();
    assert_eq!(d[0].primary_span(), Some(Span::new(colon, colon + 1)));
}

#[test]
fn python_range_in_a_for_gets_the_dopt_range() {
    let text = "dim n = 3\nvariable x[n]\nminimize sum(x)\nsubject to\nfor i in range(n): x[i] >= 0\n";
    let d = check(text, &Dims::new()).unwrap_err();
    let at = text.find("range(n)").unwrap();
    assert_eq!(d[0].primary_span(), Some(Span::new(at, at + "range(n)".len())));
    assert_eq!(d[0].help, ["write `for i in 0..n:`"]);

    let text = "variable x[5]\nminimize sum(x)\nsubject to\nc: for k in range(1, 5): x[k] >= x[k - 1]\n";
    let d = check(text, &Dims::new()).unwrap_err();
    assert_eq!(d[0].help, ["write `for k in 1..5:`"]);
}

/// `let a0 = a1 + 1`, …, `let aN-1 = x`: each let uses the next one, so checking in
/// file order needs the whole chain first.
fn reversed_let_chain(n: usize) -> String {
    let mut s = String::from("variable x\nminimize a0\n");
    for k in 0..n - 1 {
        s += &format!("let a{k} = a{} + 1\n", k + 1);
    }
    s += &format!("let a{} = x\n", n - 1);
    s
}

#[test]
fn a_long_reversed_let_chain_checks_on_a_small_stack() {
    // 12,000 lets used before they are declared: the checker used to recurse once
    // per let (it passed only on the front end's 256 MB thread). 1 MB is plenty now.
    let text = reversed_let_chain(12_000);
    let p = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || check_ok(&text).nodes.len())
        .unwrap()
        .join()
        .unwrap();
    // x, then one constant and one `+` per let but the last.
    assert_eq!(p, 1 + 2 * 11_999);
}

#[test]
fn a_long_dim_chain_checks_on_a_small_stack() {
    let mut text = String::from("variable x[d0]\nminimize sum(x)\n");
    for k in 0..5_000 {
        text += &format!("dim d{k} = d{}\n", k + 1);
    }
    text += "dim d5000 = 7\n";
    let p = std::thread::Builder::new().stack_size(1 << 20).spawn(move || check_ok(&text)).unwrap();
    let p = p.join().unwrap();
    assert_eq!(p.vars[0].shape.dims(), [7]);
    assert_eq!(p.dims.len(), 5_001);
}

// ---------------------------------------------------------------------------
// Growth: the work of checking (HIR nodes created, constraints built) at N and 10·N.

/// Fails when going from `n` to `10 n` multiplies the count by more than 10 (plus a
/// constant for the fixed part of the file).
fn assert_linear(what: &str, small: usize, large: usize) {
    assert!(large <= 10 * small + 20, "{what}: {small} at N but {large} at 10 N (superlinear)");
    assert!(large >= 9 * small, "{what}: {small} at N but {large} at 10 N (the test lost its work)");
}

fn constraint_list(n: usize) -> String {
    let mut s = String::from("variable x[10]\nminimize sum(x)\nsubject to\n");
    for i in 0..n {
        s += &format!("x[{}] >= {}\n", i % 10, i % 7);
    }
    s
}

#[test]
fn long_constraint_lists_check_in_linear_work() {
    // 200,000 one-line constraints made `dopt check` superlinear (the summary scanned
    // every constraint once per statement).
    let (a, b) = (check_ok(&constraint_list(2_000)), check_ok(&constraint_list(20_000)));
    assert_eq!((a.constraints.len(), b.constraints.len()), (2_000, 20_000));
    assert_linear("nodes", a.nodes.len(), b.nodes.len());
    // x, the objective's x and sum, then per constraint: x, the index, the bound.
    assert_eq!(b.nodes.len(), 2 + 3 * 20_000);
}

#[test]
fn long_let_chains_check_in_linear_work() {
    let (a, b) = (check_ok(&reversed_let_chain(1_000)), check_ok(&reversed_let_chain(10_000)));
    assert_eq!((a.lets.len(), b.lets.len()), (1_000, 10_000));
    assert_linear("nodes", a.nodes.len(), b.nodes.len());
}

#[test]
fn wide_for_loops_check_in_linear_work() {
    let text = |n: usize| {
        format!(
            "dim n = {n}\nvariable x[n]\nminimize sum(x)\nsubject to\nfor i in 0..n - 1: x[i] <= x[i + 1]\n"
        )
    };
    let (a, b) = (check_ok(&text(5_000)), check_ok(&text(50_000)));
    assert_eq!((a.constraints.len(), b.constraints.len()), (4_999, 49_999));
    assert_eq!(b.constraints[7].iteration, [("i".to_string(), 7)]);
    assert_linear("nodes", a.nodes.len(), b.nodes.len());
}

#[test]
fn the_check_summary_lists_each_constraint_statement_once() {
    let text = "dim n = 4\nvariable x[n]\nminimize sum(x)\nsubject to\nx[0] >= 1\n\
                for i in 0..n - 1: x[i] <= x[i + 1]\n0 <= x <= 5\nlast: x[3] <= 9\n";
    let src = SourceFile::new("s.dopt", text);
    let c = dopt::internals::frontend::analyze(&src, &Dims::new()).unwrap();
    let s = dopt::internals::cli::curvature_summary(&c, &src);
    assert_eq!(
        s,
        "curvature: minimize affine\n  line 5: affine >= constant\n  \
         line 6: affine <= affine (x3 instances)\n  line 7: constant <= affine, affine <= constant\n  \
         last (line 8): affine <= constant\nDCP: yes; DPP: yes\n"
    );
}

/// The help and the notes of `sum(CALL)` with an unknown function (E0102), over
/// `x[3]` and `X[3, 3]`.
fn unknown_function(call: &str) -> (String, String) {
    let text = format!("variable x[3]\nvariable X[3, 3]\nminimize sum({call})\n");
    let d = check(&text, &Dims::new()).unwrap_err();
    assert_eq!(d[0].code, codes::UNKNOWN_FUNCTION, "{call}");
    (d[0].help.join("\n"), d[0].notes.join("\n"))
}

/// Unknown cvxpy spellings next to the names of newer atoms get their rewrite, not the
/// near spelling (`cummin` is not `cummax`); misspelled new atoms get their own name.
#[test]
fn cvxpy_names_near_new_atoms_get_their_rewrite() {
    let help = |call: &str| unknown_function(call).0;
    assert!(help("cummin(x)").contains("-cummax(-x)"), "{}", help("cummin(x)"));
    assert_eq!(help("cum_max(x)"), "did you mean `cummax`?");
    assert_eq!(help("log_1p(x)"), "did you mean `log1p`?");
    assert_eq!(help("harmonicmean(x)"), "did you mean `harmonic_mean`?");
    assert_eq!(help("upper_triangle(x)"), "did you mean `upper_tri`?");
}

/// cvxpy atoms dopt lacks are named as such, with the rewrite where one exists or the
/// reason there is none; an unknown name whose words mean an atom gets that atom
/// rather than the nearest spelling.
#[test]
fn cvxpy_atoms_dopt_lacks_are_named_with_their_rewrite() {
    let help = |call: &str| unknown_function(call).0;
    let note = |call: &str| unknown_function(call).1;
    assert!(help("stack(x)").contains("vstack(x, y, …)"), "{}", help("stack(x)"));
    // `prod` is a geometric-program atom: in a DCP problem the analysis refuses it
    // (E0511) with the DCP spellings it had as an unknown name.
    let src = SourceFile::new("prod.dopt", "variable x[3]\nminimize sum(prod(x))\n");
    let err =
        dopt::internals::frontend::analyze(&src, &Dims::new()).err().expect("prod refused in a DCP problem");
    assert_eq!(err.diagnostics[0].code, codes::DGP_ONLY);
    let h = err.diagnostics[0].help.join("\n");
    assert!(h.contains("geo_mean(x)") && h.contains("inv_prod(x)") && h.contains("`geometric`"), "{h}");
    for (atom, why) in [
        ("quantum_rel_entr", "no exact form over dopt's cones"),
        ("quantum_rel_entr", "sum(rel_entr(diag(X), diag(Y)))"),
        ("quantum_cond_entr", "no exact form over dopt's cones"),
        ("cumprod", "not DCP"),
        ("sign", "quasiconvex"),
        ("real", "complex"),
    ] {
        let n = note(&format!("{atom}(x)"));
        assert!(n.contains(&format!("`{atom}` is a cvxpy atom that dopt does not have")), "{atom}: {n}");
        assert!(n.contains(why), "{atom}: {n}");
        assert_eq!(help(&format!("{atom}(x)")), "", "{atom}: no spelling guess besides the reason");
    }
    // Meaning over spelling; spelling still serves where no word means an atom.
    for (call, want) in [
        ("nuclear_norm(X)", "norm_nuc"),
        ("frobenius_norm(X)", "norm_fro"),
        ("spectral_norm(X)", "sigma_max"),
        ("max_eigenvalue(X)", "lambda_max"),
        ("min_eigenvalue(X)", "lambda_min"),
        ("entropy(x)", "entr"),
        ("average(x)", "mean"),
        ("total_variation(x)", "tv"),
        ("l1_norm(x)", "norm1"),
        ("softplus(x)", "logistic"),
        ("inner_product(x)", "vdot"),
        ("sum_square(x)", "sum_squares"),
        ("geomean(x)", "geo_mean"),
    ] {
        assert_eq!(help(call), format!("did you mean `{want}`?"), "{call}");
    }
}

/// cvxpy's list form of the joining atoms (`concatenate([x, y])`, numpy's
/// `hstack([x, y])`) says to drop the brackets, where it said only that `x` is a
/// variable; a list of numbers is still a constant argument.
#[test]
fn a_list_of_expressions_to_join_says_to_drop_the_brackets() {
    for (call, atom) in [
        ("concatenate([x, y])", "concatenate"),
        ("hstack([x, 2 * y])", "hstack"),
        ("vstack([x, sum(y) + 1])", "vstack"),
    ] {
        let text = format!("variable x[3]\nparameter y[3]\nminimize sum_squares({call})\n");
        let d = check(&text, &Dims::new()).unwrap_err();
        assert_eq!(d[0].code, codes::NOT_STATIC, "{call}");
        assert!(
            d[0].message.contains(&format!("`{atom}` takes the expressions to join as its arguments")),
            "{}",
            d[0].message
        );
        assert!(d[0].help.join(" ").contains(&format!("`{atom}(x, y, …)`")), "{:?}", d[0].help);
        let at = text.find(call).unwrap() + call.find('[').unwrap();
        assert_eq!(d[0].labels[0].span.start as usize, at, "{call}");
    }
    let ok = "variable x[3]\nminimize sum_squares(concatenate(x, [1, 2], axis=0))\n";
    assert!(check(ok, &Dims::new()).is_ok());
}

/// `bmat` takes a nested list of blocks: another argument is refused with the form to
/// write, and a block or row that does not fit is pointed at.
#[test]
fn bmat_names_the_block_or_row_that_does_not_fit() {
    let first = |call: &str| {
        let text = format!("variable x[3]\nvariable X[3, 3]\nminimize sum_squares({call})\n");
        let d = check(&text, &Dims::new()).unwrap_err().remove(0);
        let at = text.find(call).unwrap();
        (d, at)
    };
    for call in ["bmat(X)", "bmat([X, X])", "bmat([[X], []])", "bmat([[X]], [[X]])"] {
        let (d, _) = first(call);
        assert_eq!(d.code, codes::ARITY, "{call}");
        assert!(d.help[0].contains("bmat([[A, B], [C, D]])"), "{call}: {:?}", d.help);
    }
    let (d, at) = first("bmat([[X, x], [X, X]])");
    assert_eq!(d.code, codes::ATOM_SHAPE);
    assert!(d.message.starts_with("`bmat` cannot join this block"), "{}", d.message);
    assert_eq!((d.labels[0].span.start as usize - at, d.labels[0].message.as_str()), (10, "shape [3]"));
    let (d, at) = first("bmat([[X, X], [X[0:2, :]]])");
    assert!(d.message.starts_with("`bmat` cannot join this row"), "{}", d.message);
    assert_eq!(d.labels[0].span.start as usize - at, 14);
    // Named like the atoms: spelled near, or used as a value.
    assert_eq!(unknown_function("bmatt([[X]])").0, "did you mean `bmat`?");
    let d = check("variable X[3, 3]\nminimize sum_squares(bmat)\n", &Dims::new()).unwrap_err();
    assert_eq!(
        (d[0].code, d[0].message.as_str()),
        (codes::WRONG_SORT, "`bmat` is a function, used here as a value")
    );
    let p = check(
        "variable X[3, 3]\nvariable x[3]\nminimize sum_squares(bmat([[X, X], [x, x]]))\n",
        &Dims::new(),
    )
    .unwrap();
    let last = p.nodes.iter().rev().find(|n| n.shape.size() == 4 * 6).expect("the [4, 6] block matrix");
    assert_eq!(last.shape.dims(), &[4, 6]);
}

/// The table of cvxpy atoms dopt lacks (docs/language.md §8.4) is honest: every name in
/// its first column is unknown here and gets a rewrite or a reason (E0102).
#[test]
fn the_docs_table_of_missing_cvxpy_atoms_matches_the_messages() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/language.md")).unwrap();
    let start = doc.find("### 8.4 cvxpy atoms dopt does not have").expect("§8.4");
    let section = &doc[start..start + doc[start..].find("\n## ").unwrap()];
    let mut names = Vec::new();
    for row in section.lines().filter(|l| l.starts_with("| `")) {
        let first = row.split('|').nth(1).unwrap();
        for name in first.split('`').skip(1).step_by(2) {
            names.push(name.split('(').next().unwrap().to_string());
        }
    }
    assert!(names.len() >= 36, "only {} names in the table", names.len());
    for name in names {
        let (help, note) = unknown_function(&format!("{name}(x)"));
        assert!(
            help.starts_with("write ") || note.contains("is a cvxpy atom that dopt does not have"),
            "{name}: help {help:?}, note {note:?}"
        );
    }
}

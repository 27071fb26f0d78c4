//! The cone programs that canonicalization builds: `dopt canon` snapshots of small
//! problems (each counted by hand in a comment next to it), the exact power-cone
//! trees of `geo_mean` and `norm(x, p)`, and their solved values.

use dopt::frontend;
use dopt::ir::cone::{Cone, ConeProgram};
use dopt::layer::Layer;
use dopt::sema::Dims;
use dopt::solve::{Settings, Status};
use dopt::source::SourceFile;
use dopt::values::Values;

fn layer(text: &str) -> Layer {
    let src = SourceFile::new("case.dopt", text.to_string());
    let c = frontend::analyze(&src, &Dims::new()).unwrap_or_else(|f| panic!("{text}\n{}", f.render()));
    Layer::new(c.program, &c.analysis).unwrap_or_else(|d| panic!("{text}\n{}", d.message))
}

/// The number of entries of M in the rows of one data block (p, q, r, a or b).
fn block_nnz(cp: &ConeProgram, block: &str) -> usize {
    let o = cp.offsets();
    let rows = match block {
        "P" => o.p..o.q,
        "q" => o.q..o.r,
        "r" => o.r..o.a,
        "A" => o.a..o.b,
        "b" => o.b..o.end,
        _ => unreachable!(),
    };
    rows.map(|r| cp.map.outer_view(r).map_or(0, |v| v.nnz())).sum()
}

fn count(cp: &ConeProgram, pred: impl Fn(&Cone) -> bool) -> usize {
    cp.cones.iter().filter(|c| pred(c)).count()
}

/// sparsemax, n = 4: `sum_squares(y - x)` is not a plain variable block, so it gets
/// 4 fresh variables t with t − (y − x) = 0 (4 zero rows) and P = 2·I on t.
/// `sum(y) == 1`: 1 zero row (merged with the 4 before it); `y >= 0`: 4 rows.
/// n = 8, m = 9. A: t−y (8) + sum (4) + y (4) = 16; b: x (4 parameter entries) and
/// the −1 of the sum (1) = 5; P: 4 constant diagonal entries. nnz(M) = 25.
#[test]
fn sparsemax_goes_into_p() {
    let l = layer(
        "dim n = 4\nparameter x[n]\nvariable y[n]\nminimize sum_squares(y - x)\n\
         subject to\n    sum(y) == 1\n    y >= 0\n",
    );
    let cp = &l.cone;
    assert_eq!((cp.n, cp.m), (8, 9));
    assert_eq!(cp.cones, vec![Cone::Zero(5), Cone::Nonneg(4)]);
    assert_eq!((cp.p.nnz(), cp.a.nnz(), cp.map.nnz()), (4, 16, 25));
    assert_eq!(block_nnz(cp, "b"), 5);
    insta::assert_snapshot!("sparsemax", dopt::cli::canon_summary(&l));
}

/// Least norm with a parametric right-hand side: `norm2(A @ x - b)` with a constant
/// 3×2 A is one epigraph variable t and one second-order cone (t, Ax − b) of dim 4;
/// `x >= -1`: 2 nonnegative rows. n = 3, m = 6. A: t (1) + A's 6 entries + 2 = 9;
/// b: the 3 entries of b (parameter) + the two 1s of `x >= -1` → 5; q: t (1).
#[test]
fn second_order_cone() {
    let l = layer(
        "constant A[3, 2] = [[1, 2], [3, 4], [5, 6]]\nparameter b[3]\nvariable x[2]\n\
         minimize norm2(A @ x - b)\nsubject to\n    x >= -1\n",
    );
    let cp = &l.cone;
    assert_eq!((cp.n, cp.m), (3, 6));
    assert_eq!(cp.cones, vec![Cone::Soc(4), Cone::Nonneg(2)]);
    assert_eq!((cp.p.nnz(), cp.a.nnz()), (0, 9));
    assert_eq!((block_nnz(cp, "q"), block_nnz(cp, "b")), (1, 5));
    insta::assert_snapshot!("soc", dopt::cli::canon_summary(&l));
}

/// Maximum entropy with a parametric moment: `entr` of x[3] is 3 hypograph variables
/// and 3 exponential cones (t, x, 1); `sum(x) == 1` and `a @ x == m`: 2 zero rows.
/// n = 6, m = 2 + 9 = 11. A: 3 (sum) + 3 (a is a parameter: 3 A entries) + 3·2
/// (t and x of each cone) = 12; b: 1 (sum) + 1 (m) + 3 (the 1s) = 5; q: 3 (−t).
#[test]
fn exponential_cones() {
    let l = layer(
        "parameter a[3]\nparameter m\nvariable x[3]\nmaximize sum(entr(x))\nsubject to\n    \
         sum(x) == 1\n    a @ x == m\n",
    );
    let cp = &l.cone;
    assert_eq!((cp.n, cp.m), (6, 11));
    assert_eq!(count(cp, |c| *c == Cone::Exp), 3);
    assert_eq!(cp.cones[0], Cone::Exp);
    assert_eq!(*cp.cones.last().unwrap(), Cone::Zero(2));
    assert_eq!((cp.a.nnz(), block_nnz(cp, "A"), block_nnz(cp, "b"), block_nnz(cp, "q")), (12, 12, 5, 3));
    insta::assert_snapshot!("exp", dopt::cli::canon_summary(&l));
}

/// geo_mean of 5 entries: a chain of 4 power cones with α = 1/5, 1/4, 1/3, 1/2, the
/// hypograph t and 3 intermediate means (4 auxiliary variables); norm(z, 3) of 3
/// entries: t and r[3] (4 auxiliary), 3 power cones with α = 1/3 and Σr = t (1 zero
/// row). `x <= 1`: 5 rows; `z == c`: 3 zero rows. No second-order cone anywhere.
/// n = 5 + 3 + 4 + 4 = 16, m = 4·3 + 3·3 + 1 + 5 + 3 = 30.
#[test]
fn power_cones() {
    let l = layer(
        "constant c[3] = [1, -2, 3]\nvariable x[5]\nvariable z[3]\n\
         maximize geo_mean(x) - norm(z, 3)\nsubject to\n    x <= 1\n    z == c\n",
    );
    let cp = &l.cone;
    assert_eq!((cp.n, cp.m), (16, 30));
    assert_eq!(count(cp, |c| matches!(c, Cone::Pow(_))), 7);
    assert_eq!(count(cp, |c| matches!(c, Cone::Soc(_))), 0);
    let alphas: Vec<f64> =
        cp.cones.iter().filter_map(|c| if let Cone::Pow(a) = c { Some(*a) } else { None }).collect();
    let want = [1.0 / 5.0, 1.0 / 4.0, 1.0 / 3.0, 1.0 / 2.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0];
    assert_eq!(alphas, want);
    insta::assert_snapshot!("pow", dopt::cli::canon_summary(&l));
}

/// A small SDP: X[3, 3] psd is its upper triangle (6 columns, no symmetry rows) with
/// a 3×3 PSD cone on it (6 rows); `maximize lambda_min(X + C)` with a symmetric
/// parameter C adds t and a second PSD cone on X + C − tI; `trace(X) == 1`: 1 zero
/// row. n = 6 + 1, m = 6 + 6 + 1 = 13. A: 6 (the first cone: weights 1, √2) + 9 (svec
/// of X − tI: one entry per triangle column, 3 for t) + 3 (trace) = 18; b: svec C
/// (3 + 2·3) + 1 = 10; q: −t.
#[test]
fn psd_cones() {
    let l = layer(
        "parameter C[3, 3] symmetric\nvariable X[3, 3] psd\nmaximize lambda_min(X + C)\n\
         subject to\n    trace(X) == 1\n",
    );
    let cp = &l.cone;
    assert_eq!((cp.n, cp.m, cp.a.nnz()), (7, 13, 18));
    assert_eq!(count(cp, |c| *c == Cone::Psd(3)), 2);
    assert_eq!(count(cp, |c| matches!(c, Cone::Soc(_))), 0);
    insta::assert_snapshot!("psd", dopt::cli::canon_summary(&l));
}

/// The quadratic objective path: `quad_form(x, Q)` with a `psd` parameter Q puts its
/// upper triangle (6 entries, each 2·Q_ij) into P; `2 * sum_squares(x)` of a plain
/// variable adds 4·I on the same diagonal, `quad_form(x, K)` with a constant K adds
/// 2·K (its 5 nonzeros on and above the diagonal, same positions), `square(s)` of a
/// scalar variable adds 2 at (s, s). No cone besides the constraint's, no auxiliary
/// variable: n = 4, m = 1; P: 6 + 1 positions. M's P block: 6 entries with a Q
/// parameter and 6 constant ones (duplicates of one position sum into one entry of
/// M: the 3 x diagonals, K's 2 off-diagonals, s) = 12; q: 3.
#[test]
fn quadratic_objective_goes_into_p() {
    let l = layer(
        "constant K[3, 3] = [[2, 1, 0], [1, 2, 1], [0, 1, 2]]\nparameter Q[3, 3] psd\n\
         parameter q[3]\nvariable x[3]\nvariable s\n\
         minimize quad_form(x, Q) + 2 * sum_squares(x) + quad_form(x, K) + square(s) + q @ x\n\
         subject to\n    sum(x) + s == 1\n",
    );
    let cp = &l.cone;
    assert_eq!((cp.n, cp.m), (4, 1));
    assert_eq!(cp.cones, vec![Cone::Zero(1)]);
    assert_eq!((cp.p.nnz(), block_nnz(cp, "P"), block_nnz(cp, "q")), (7, 12, 3));
    insta::assert_snapshot!("quadratic", dopt::cli::canon_summary(&l));
    // The values: ½ vᵀPv = xᵀ(Q + 2I + K)x + s², so P = 2(Q + 2I + K) ⊕ 2.
    let qm = [3.0, 1.0, -0.5, 1.0, 2.0, 0.25, -0.5, 0.25, 1.5];
    let k = [2.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0, 1.0, 2.0];
    let mut theta = qm.to_vec();
    theta.extend([0.1, -0.2, 0.3]);
    let d = dopt::solve::data(cp, &theta);
    let mut dense = [[0.0; 4]; 4];
    for (j, w) in cp.p.colptr.windows(2).enumerate() {
        for idx in w[0]..w[1] {
            dense[cp.p.rowval[idx]][j] += d.p[idx];
        }
    }
    for i in 0..4 {
        for j in 0..4 {
            let want = match (i, j) {
                (3, 3) => 2.0,
                (3, _) | (_, 3) => 0.0,
                _ if i > j => 0.0,
                _ => 2.0 * (qm[i * 3 + j] + k[i * 3 + j] + if i == j { 2.0 } else { 0.0 }),
            };
            assert!((dense[i][j] - want).abs() < 1e-12, "P[{i}][{j}] = {} vs {want}", dense[i][j]);
        }
    }
    assert_eq!(&d.q[..3], &[0.1, -0.2, 0.3]);
}

/// examples/mpc.dopt: x[2, 11] and u[1, 10] (32 variables); `sum_squares(x - r)`
/// adds 22 fresh variables and 22 zero rows, `rho * sum_squares(u)` puts 10 diagonal
/// entries with the parameter rho into P. init: 2 zero rows; dynamics: 10 × 2; the
/// chain `-1 <= u <= 1`: 2 × 10 nonnegative rows. n = 54, m = 22 + 2 + 20 + 20 = 64.
#[test]
fn mpc_example() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/mpc.dopt")).unwrap();
    let l = layer(&text);
    let cp = &l.cone;
    assert_eq!((cp.n, cp.m), (54, 64));
    assert_eq!(cp.cones, vec![Cone::Zero(44), Cone::Nonneg(20)]);
    assert_eq!((cp.p.nnz(), block_nnz(cp, "P")), (32, 32));
    insta::assert_snapshot!("mpc", dopt::cli::canon_summary(&l));
}

/// Solve `text` with no parameters at tight tolerances.
fn objective(text: &str) -> f64 {
    let l = layer(text);
    let o = l.forward_with(&Values::new(), &Settings::tight()).unwrap();
    assert_eq!(o.status, Status::Optimal, "{text}");
    o.objective
}

fn vector(v: &[f64]) -> String {
    let items: Vec<String> = v.iter().map(|x| format!("{x:?}")).collect();
    format!("[{}]", items.join(", "))
}

/// geo_mean of n = 2…8 entries is a chain of n − 1 power cones (exactly, no
/// second-order cones), and maximizing it over x == c reaches (Πc)^(1/n).
#[test]
fn geo_mean_is_a_tree_of_power_cones_and_exact() {
    for n in 2..=8usize {
        let c: Vec<f64> = (0..n).map(|i| 0.5 + 0.37 * ((i * 7) % 5) as f64 + 0.1 * i as f64).collect();
        let text = format!(
            "constant c[{n}] = {}\nvariable x[{n}]\nmaximize geo_mean(x)\nsubject to\n    x == c\n",
            vector(&c)
        );
        let l = layer(&text);
        assert_eq!(count(&l.cone, |k| matches!(k, Cone::Pow(_))), n - 1, "n = {n}");
        assert!(l.cone.cones.iter().all(|k| matches!(k, Cone::Pow(_) | Cone::Zero(_))), "n = {n}");
        let want = c.iter().product::<f64>().powf(1.0 / n as f64);
        let got = objective(&text);
        assert!((got - want).abs() <= 1e-6 * want, "n = {n}: {got} vs {want}");
    }
}

/// norm(x, p) for p not 1, 2 or ∞: n power cones with α = 1/p and one zero row;
/// minimizing it over x == c reaches (Σ|cᵢ|ᵖ)^(1/p).
#[test]
fn p_norm_is_power_cones_and_exact() {
    let c = [1.0, -2.0, 0.5, 3.0, -0.25];
    for p in [1.25, 1.5, 3.0, 4.5, 7.0] {
        for n in [1, 3, 5] {
            let c = &c[..n];
            let text = format!(
                "constant c[{n}] = {}\nvariable x[{n}]\nminimize norm(x, {p:?})\nsubject to\n    x == c\n",
                vector(c)
            );
            let l = layer(&text);
            let pows: Vec<f64> = l
                .cone
                .cones
                .iter()
                .filter_map(|k| if let Cone::Pow(a) = k { Some(*a) } else { None })
                .collect();
            assert_eq!(pows, vec![1.0 / p; n], "p = {p}, n = {n}");
            assert!(l.cone.cones.iter().all(|k| matches!(k, Cone::Pow(_) | Cone::Zero(_))));
            let want = c.iter().map(|v| v.abs().powf(p)).sum::<f64>().powf(1.0 / p);
            let got = objective(&text);
            assert!((got - want).abs() <= 1e-6 * want, "p = {p}, n = {n}: {got} vs {want}");
        }
    }
}

/// A shared `let` is canonicalized once: `r` is used twice, but there is one
/// second-order cone and one epigraph variable.
#[test]
fn shared_lets_are_canonicalized_once() {
    let text = "constant c[2] = [1, 2]\nvariable x[2]\nlet r = norm2(x - c)\nminimize r + 2 * r\n";
    let l = layer(text);
    assert_eq!(l.cone.cones, vec![Cone::Soc(3)]);
    assert_eq!(l.cone.n, 3);
    assert!(objective(text).abs() < 1e-7);
}

/// examples/dense_qp.dopt (0.5·‖Qx‖² + qᵀx, −1 ≤ x ≤ 1) at n = 30: M has exactly one
/// entry per coefficient, n² + 7n — Q's n² in A (with the n entries of t in t = Qx),
/// 2n box rows, n of P, n of q, 2n of b — never parameters × rows.
#[test]
fn dense_parameter_matrix_map_is_one_entry_per_coefficient() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/dense_qp.dopt")).unwrap();
    let src = SourceFile::new("dense_qp.dopt", text);
    let dims = dopt::cli::parse_dims(&["n=30".to_string()]).unwrap();
    let c = frontend::analyze(&src, &dims).unwrap_or_else(|f| panic!("{}", f.render()));
    let l = Layer::new(c.program, &c.analysis).unwrap();
    let (n, cp) = (30, &l.cone);
    assert_eq!((cp.n, cp.m, cp.nparams), (2 * n, 3 * n, n * n + n));
    assert_eq!(cp.map.nnz(), n * n + 7 * n);
    assert_eq!(
        (block_nnz(cp, "A"), block_nnz(cp, "b"), block_nnz(cp, "P"), block_nnz(cp, "q")),
        (n * n + 3 * n, 2 * n, n, n)
    );
}

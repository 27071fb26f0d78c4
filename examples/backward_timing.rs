//! Times the backward pass (build + factor + one VJP) on a few medium-sized problems.
//! Not part of the test suite: `cargo run --release --example backward_timing`.

use dopt::frontend;
use dopt::ir::hir::Array;
use dopt::layer::{DiffOptions, Layer};
use dopt::sema::Dims;
use dopt::solve::Settings;
use dopt::source::SourceFile;
use dopt::values::Values;
use std::time::Instant;

fn rnd(state: &mut u64) -> f64 {
    *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    ((*state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
}

fn layer(text: &str, dims: &Dims) -> Layer {
    let src = SourceFile::new("timing", text);
    let c = frontend::analyze(&src, dims).unwrap_or_else(|f| panic!("{}", f.render()));
    Layer::new(c.program, &c.analysis).unwrap_or_else(|d| panic!("{}", d.message))
}

fn random_values(l: &Layer, state: &mut u64) -> Values {
    let mut v = Values::new();
    for d in &l.program.params {
        let data = (0..d.shape.size()).map(|_| rnd(state)).map(|x| if d.attrs.nonneg { x.abs() } else { x });
        v.insert(d.name.clone(), Array { shape: d.shape, data: data.collect() });
    }
    v
}

fn time(name: &str, l: &Layer, state: &mut u64) {
    let vals = random_values(l, state);
    let out = l.forward(&vals, &Settings::default()).unwrap_or_else(|d| panic!("{}", d[0].message));
    assert!(out.status.is_optimal(), "{name}: {}", out.status);
    let mut w = Values::new();
    for (k, a) in &out.variables {
        let data = (0..a.data.len()).map(|_| rnd(state)).collect();
        w.insert(k.clone(), Array { shape: a.shape, data });
    }
    let reps = 5;
    let mut best = f64::INFINITY;
    let mut res = 0.0;
    for _ in 0..reps {
        let t = Instant::now();
        let g = l.backward(&out, &w, &DiffOptions::default()).unwrap();
        best = best.min(t.elapsed().as_secs_f64());
        res = g.residual;
    }
    let cp = &l.cone;
    println!(
        "{name:<28} n={:<5} m={:<5} nnz(A)={:<6} backward {:>9.3} ms (best of {reps}), residual {res:.1e}",
        cp.n,
        cp.m,
        cp.a.nnz(),
        best * 1e3
    );
}

fn main() {
    let mut state = 7u64;
    let lasso = "dim m = 100\ndim n = 50\nparameter A[m, n]\nparameter b[m]\nvariable x[n]\n\
                 minimize sum_squares(A @ x - b) + 0.1 * norm1(x)\noutput x\n";
    time("lasso 100x50", &layer(lasso, &Dims::new()), &mut state);
    let socp = "dim m = 100\ndim n = 50\nparameter A[m, n]\nparameter b[m]\nvariable x[n]\n\
                minimize norm2(A @ x - b) + 0.1 * norm1(x)\nsubject to\n    norm2(x) <= 1\noutput x\n";
    time("norm2 regression 100x50", &layer(socp, &Dims::new()), &mut state);
    let mpc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/mpc.dopt")).unwrap();
    let mpc_long = mpc.replace("dim T = 10", "dim T = 300");
    time("mpc T=10", &layer(&mpc, &Dims::new()), &mut state);
    time("mpc T=300", &layer(&mpc_long, &Dims::new()), &mut state);
}

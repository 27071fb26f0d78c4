//! Compiled layers: save → load gives the same layer and the same answers; damaged
//! files are refused with a reason; batches equal single calls, and one failing
//! member does not spoil the others; reused solvers agree with fresh ones.

mod common;
use common::{max_abs_diff, random_vec};
use dopt::{Array, BatchPolicy, Dims, Layer, Problem, Settings, Status, Values};

fn sparsemax(n: i64) -> Layer {
    Problem::from_file("std:sparsemax").unwrap().compile(&Dims::new().with("n", n)).unwrap()
}

fn x(data: &[f64]) -> Values {
    Values::from([("x".to_string(), Array::vector(data))])
}

fn y(data: &[f64]) -> Values {
    Values::from([("y".to_string(), Array::vector(data))])
}

#[test]
fn save_then_load_gives_identical_results() {
    let a = Problem::from_file("tests/data/reference/problems/nearest_correlation.dopt")
        .unwrap()
        .compile(&Dims::new())
        .unwrap();
    let bytes = a.to_bytes();
    let b = Layer::from_bytes(&bytes).unwrap();
    assert_eq!(b.to_bytes(), bytes, "a loaded layer writes the same bytes");
    assert_eq!(a.sig, b.sig);
    let path = std::env::temp_dir().join(format!("dopt-layer-{}.dlayer", std::process::id()));
    a.save(&path).unwrap();
    let c = Layer::load(&path).unwrap();
    let p = Values::from([(
        "C".to_string(),
        Array::matrix(3, 3, &[1.0, 0.9, -0.3, 0.9, 1.0, 0.4, -0.3, 0.4, 1.0]).unwrap(),
    )]);
    let w = Values::from([(
        "X".to_string(),
        Array::matrix(3, 3, &[1.0, 2.0, 0.0, -1.0, 0.5, 1.0, 0.0, 0.0, 3.0]).unwrap(),
    )]);
    let oa = a.forward(&p).unwrap();
    let oc = c.forward(&p).unwrap();
    assert_eq!(oa.status, Status::Optimal);
    assert_eq!(oa.variables["X"].data, oc.variables["X"].data, "bitwise identical solutions");
    assert_eq!(oa.objective, oc.objective);
    let ga = a.backward(&oa, &w).unwrap();
    let gc = c.backward(&oc, &w).unwrap();
    assert_eq!(ga.params["C"].data, gc.params["C"].data);
    std::fs::remove_file(&path).ok();
}

#[test]
fn damaged_layer_files_are_refused_with_a_reason() {
    let bytes = sparsemax(5).to_bytes();
    let err = |b: &[u8]| match Layer::from_bytes(b) {
        Ok(_) => panic!("accepted a damaged file"),
        Err(e) => {
            assert_eq!(e[0].code.id, "E0902");
            e[0].message.clone()
        }
    };
    assert!(err(b"not a layer at all").contains("not a dopt layer file"));
    assert!(err(&bytes[..12]).contains("truncated"));
    assert!(err(&bytes[..bytes.len() - 3]).contains("truncated"));
    assert!(err(&bytes[..bytes.len() / 2]).contains("truncated"));
    let mut v = bytes.clone();
    v[8] = 99;
    let e = err(&v);
    assert!(e.contains("format version 99") && e.contains("compile the layer again"), "{e}");
    let mut v = bytes.clone();
    let mid = v.len() / 2;
    v[mid] ^= 0x10;
    assert!(err(&v).contains("checksum mismatch"));
    let mut v = bytes.clone();
    v.extend_from_slice(b"junk");
    assert!(err(&v).contains("corrupted"));
}

/// Re-seal a modified payload with a valid checksum: what a careless tool might write.
fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
    let end = bytes.len() - 8;
    let sum = dopt::internals::layer::checksum(&bytes[20..end]);
    bytes[end..].copy_from_slice(&sum.to_le_bytes());
    bytes
}

#[test]
fn a_layer_file_with_huge_cone_sizes_is_refused_before_any_allocation() {
    // n = 4, m = 4 rows in two cones (zero 2, nonnegative 2), rewritten to m = 2⁶² rows
    // (zero 2⁶² − 2, nonnegative 2) with the checksum fixed: the cone sizes still add up
    // to m, so only the validation against the patterns can refuse it; planning the
    // solver before it allocated m entries and aborted the process.
    let text = "parameter x[2]\nvariable y[2]\nminimize sum_squares(y - x)\nsubject to\n    pos: y >= 0\n";
    let base = Problem::from_str("relu.dopt", text).unwrap().compile(&Dims::new()).unwrap().to_bytes();
    let le = |v: u64| v.to_le_bytes();
    let sizes = |m: u64| -> Vec<u8> { [&le(4)[..], &le(m), &le(2), &[0], &le(m - 2), &[1], &le(2)].concat() };
    let (old, new) = (sizes(4), sizes(1 << 62));
    let at = base.windows(old.len()).position(|w| w == old.as_slice()).expect("the cone sizes in the file");
    let mut bytes = base.clone();
    bytes[at..at + old.len()].copy_from_slice(&new);
    let e = Layer::from_bytes(&reseal(bytes)).unwrap_err().to_string();
    assert!(e.contains("corrupted layer file"), "{e}");
}

#[test]
fn a_resealed_corrupt_payload_never_panics() {
    // Flip bytes all over the payload and fix the checksum: loading must either fail
    // with a message or give a layer whose calls do not panic.
    let base = sparsemax(4).to_bytes();
    let mut loaded = 0;
    for k in 0..(base.len() - 28) {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut v = base.clone();
            v[20 + k] ^= flip;
            let v = reseal(v);
            if let Ok(l) = Layer::from_bytes(&v) {
                loaded += 1;
                let _ = l.forward(&x(&[0.1, 0.2, 0.3, 0.4]));
            }
        }
    }
    assert!(loaded > 0, "some flips (in values) should still give a usable layer");
}

#[test]
fn batches_equal_single_calls() {
    let l = sparsemax(20).with_settings(Settings::tight());
    let batch: Vec<Values> = (0..16).map(|i| x(&random_vec(20, i + 1))).collect();
    let outs = l.forward_batch(&batch, BatchPolicy::FailBatch).unwrap();
    let fresh = sparsemax(20);
    let cot: Vec<Values> = (0..16).map(|i| y(&random_vec(20, 100 + i))).collect();
    let ok: Vec<_> = outs.into_iter().map(|o| o.unwrap()).collect();
    let grads = l.backward_batch(&ok, &cot, BatchPolicy::FailBatch).unwrap();
    for i in 0..16 {
        let single = fresh.forward_with(&batch[i], &Settings::tight()).unwrap();
        let a = &ok[i].variables["y"].data;
        let b = &single.variables["y"].data;
        let e = max_abs_diff(a, b);
        assert!(e < 1e-9, "member {i}: batch and single solves differ by {e:.1e}");
        let g = grads[i].as_ref().unwrap();
        let gs = fresh.backward(&single, &cot[i]).unwrap();
        let e = max_abs_diff(&g.params["x"].data, &gs.params["x"].data);
        assert!(e < 1e-7, "member {i}: batch and single gradients differ by {e:.1e}");
    }
}

#[test]
fn the_same_calls_give_the_same_bits() {
    // A reused Clarabel solver keeps the equilibration of the data it was set up with,
    // so its answer depends on the solver's history in the last bits. Each caller (a
    // single call, a batch's chunk) has its own place in the pool, so the same sequence
    // of calls gives the same bits, however the threads of a batch are scheduled.
    let text = "dim m = 3\ndim n = 3\nparameter M[m, n]\nvariable x[m]\nvariable v\n\
                maximize v\nsubject to\n    col: transpose(M) @ x >= v\n    sum(x) == 1\n    x >= 0\n";
    let layer = || Problem::from_str("game.dopt", text).unwrap().compile(&Dims::new()).unwrap();
    // Games whose scales differ by 10² between members (the equilibration a solver
    // keeps then matters), several batches and a single call in between.
    let games = |seed: u64| -> Vec<Values> {
        (0..200u64)
            .map(|i| {
                let scale = [0.1, 1.0, 10.0][((seed + i) * 7 % 3) as usize];
                let data: Vec<f64> = random_vec(9, seed * 1000 + i).iter().map(|v| v * scale).collect();
                Values::from([("M".to_string(), Array { shape: dopt::Shape::matrix(3, 3), data })])
            })
            .collect()
    };
    let run = |l: &Layer| -> Vec<Vec<f64>> {
        let mut out = Vec::new();
        for seed in 1..6 {
            let b = l.forward_batch(&games(seed), BatchPolicy::PerMember).unwrap();
            for o in b.into_iter() {
                let o = o.expect("every game has an equilibrium");
                assert_eq!(o.status, Status::Optimal);
                out.push(o.raw.x);
            }
            out.push(l.forward(&games(seed + 7)[3]).unwrap().raw.x);
        }
        out
    };
    let first = run(&layer());
    for _ in 0..3 {
        assert!(run(&layer()) == first, "a second run of the same calls gave other bits");
    }
}

#[test]
fn a_failing_member_does_not_spoil_the_others() {
    // Member 1 has a wrong shape, member 2 a NaN; member 3 is infeasible (lo > hi).
    let l = Problem::from_str(
        "box.dopt",
        "parameter lo\nparameter hi\nparameter c[2]\nvariable x[2]\nminimize sum_squares(x - c)\nsubject to\n    lo <= x\n    x <= hi\n",
    )
    .unwrap()
    .compile(&Dims::new())
    .unwrap();
    let member = |lo: f64, hi: f64, c: &[f64]| -> Values {
        Values::from([
            ("lo".to_string(), Array::scalar(lo)),
            ("hi".to_string(), Array::scalar(hi)),
            ("c".to_string(), Array::vector(c)),
        ])
    };
    let batch = vec![
        member(0.0, 1.0, &[0.5, 2.0]),
        member(0.0, 1.0, &[0.5, 2.0, 3.0]),
        member(0.0, f64::NAN, &[0.5, 2.0]),
        member(1.0, 0.0, &[0.5, 2.0]),
        member(-1.0, 1.0, &[-3.0, 0.25]),
    ];
    let outs = l.forward_batch(&batch, BatchPolicy::PerMember).unwrap();
    assert!(outs[1].as_ref().unwrap_err()[0].message.contains("expected shape [2]"));
    assert!(outs[2].as_ref().unwrap_err()[0].message.contains("must be finite"));
    assert_eq!(outs[3].as_ref().unwrap().status, Status::Infeasible);
    let x0 = &outs[0].as_ref().unwrap().variables["x"].data;
    let x4 = &outs[4].as_ref().unwrap().variables["x"].data;
    assert!((x0[0] - 0.5).abs() < 1e-6 && (x0[1] - 1.0).abs() < 1e-6, "{x0:?}");
    assert!((x4[0] + 1.0).abs() < 1e-6 && (x4[1] - 0.25).abs() < 1e-6, "{x4:?}");
    let e = l.forward_batch(&batch, BatchPolicy::FailBatch).unwrap_err();
    assert!(e[0].message.starts_with("batch member 1:"), "{}", e[0].message);
    // Backward: the infeasible member is refused, the others are differentiated.
    let solved: Vec<_> = [0usize, 3, 4].iter().map(|&i| outs[i].as_ref().unwrap().clone()).collect();
    let dx = Values::from([("x".to_string(), Array::vector(&[1.0, 1.0]))]);
    let grads =
        l.backward_batch(&solved, &[dx.clone(), dx.clone(), dx.clone()], BatchPolicy::PerMember).unwrap();
    // d(x0 + x1)/dc: x0 = c0 inside the box (1), x1 = hi (0); d/dhi = 1.
    let g0 = grads[0].as_ref().unwrap();
    assert!((g0.params["c"].data[0] - 1.0).abs() < 1e-6 && g0.params["c"].data[1].abs() < 1e-6);
    assert!((g0.params["hi"].data[0] - 1.0).abs() < 1e-6);
    assert!(grads[1].as_ref().unwrap_err()[0].message.contains("infeasible"));
    let g2 = grads[2].as_ref().unwrap();
    assert!((g2.params["lo"].data[0] - 1.0).abs() < 1e-6 && (g2.params["c"].data[1] - 1.0).abs() < 1e-6);
    let e = l.backward_batch(&solved, &[dx.clone(), dx.clone(), dx], BatchPolicy::FailBatch).unwrap_err();
    assert!(e[0].message.starts_with("batch member 1:"));
}

#[test]
fn a_reused_solver_agrees_with_a_fresh_one() {
    // The layer keeps its Clarabel solver and only overwrites the data; the answers
    // must be those of a fresh setup, whatever came before.
    let l = sparsemax(30).with_settings(Settings::tight());
    for seed in 0..8 {
        let mut v = random_vec(30, 50 + seed);
        if seed % 2 == 1 {
            v.iter_mut().for_each(|t| *t *= 100.0);
        }
        let reused = l.forward(&x(&v)).unwrap();
        let fresh = sparsemax(30).forward_with(&x(&v), &Settings::tight()).unwrap();
        let e = max_abs_diff(&reused.variables["y"].data, &fresh.variables["y"].data);
        assert!(e < 1e-8, "seed {seed}: reused and fresh solves differ by {e:.1e}");
    }
}

#[test]
fn a_reused_solver_handles_data_unlike_its_setup() {
    // Set up on data whose parametric entries are all zero (A's coefficient row is an
    // explicit zero), then solve real data: the answer must be the fresh one.
    let l = Problem::from_str(
        "scaled.dopt",
        "parameter a[3]\nparameter c[3]\nvariable x[3]\nminimize sum_squares(x - c)\nsubject to\n    a @ x <= 1\n",
    )
    .unwrap()
    .compile(&Dims::new())
    .unwrap()
    .with_settings(Settings::tight());
    let p = |a: &[f64], c: &[f64]| {
        Values::from([("a".to_string(), Array::vector(a)), ("c".to_string(), Array::vector(c))])
    };
    let first = l.forward(&p(&[0.0, 0.0, 0.0], &[1.0, 2.0, 3.0])).unwrap();
    assert!(first.status.is_optimal());
    let second = l.forward(&p(&[1e3, 2e3, -1e3], &[1.0, 2.0, 3.0])).unwrap();
    assert!(second.status.is_optimal(), "{}", second.status);
    // Projection of c onto {aᵀx ≤ 1}: x = c − (aᵀc − 1)/‖a‖² · a.
    let (a, c) = ([1e3, 2e3, -1e3], [1.0, 2.0, 3.0]);
    let ac: f64 = a.iter().zip(&c).map(|(p, q)| p * q).sum();
    let aa: f64 = a.iter().map(|p| p * p).sum();
    for i in 0..3 {
        let want = c[i] - (ac - 1.0) / aa * a[i];
        assert!((second.variables["x"].data[i] - want).abs() < 1e-7, "{:?}", second.variables["x"].data);
    }
}

#[test]
fn an_output_of_another_layer_is_refused() {
    let a = sparsemax(5);
    let b = sparsemax(6);
    let out = a.forward(&x(&[0.1, 0.2, 0.3, 0.4, 0.5])).unwrap();
    let e = b.backward(&out, &y(&[1.0; 6])).unwrap_err();
    assert!(e[0].message.contains("does not come from this layer"), "{}", e[0].message);
    assert!(b.jvp(&out, &x(&[1.0; 6])).is_err());
}

#[test]
fn arrays_whose_data_do_not_fill_their_shape_are_refused() {
    // `Array`'s fields are public: a hand-built one can be inconsistent.
    let l = sparsemax(3);
    let bad = Array { shape: dopt::internals::ir::shape::Shape::vector(3), data: vec![0.1, 0.2] };
    let p = Values::from([("x".to_string(), bad.clone())]);
    let e = l.forward(&p).unwrap_err();
    assert!(e[0].message.contains("shape [3] but 2 entries"), "{}", e[0].message);
    let out = l.forward(&x(&[0.1, 0.2, 0.3])).unwrap();
    let e = l.backward(&out, &Values::from([("y".to_string(), bad.clone())])).unwrap_err();
    assert!(e[0].message.contains("shape [3] but 2 entries"), "{}", e[0].message);
    let e = l.jvp(&out, &p).unwrap_err();
    assert!(e[0].message.contains("shape [3] but 2 entries"), "{}", e[0].message);
}

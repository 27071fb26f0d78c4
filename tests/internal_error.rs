//! Issue #9.3: a panic inside the library is returned as an E0999 `Error`, never
//! unwound into the caller. The hidden test hook (an environment variable naming the
//! boundary function) forces the panic; one test in its own binary, since the
//! variable is process-wide.

use dopt::frontend::FORCE_PANIC_ENV;
use dopt::{Array, BatchPolicy, Dims, Layer, Problem, Values};

fn force(what: &str) {
    // SAFETY: this binary runs one test, so no other thread reads the environment.
    unsafe { std::env::set_var(FORCE_PANIC_ENV, what) }
}

fn assert_internal<T: std::fmt::Debug>(what: &str, r: Result<T, dopt::Error>) {
    let e = r.unwrap_err();
    assert_eq!(e[0].code.id, "E0999", "{what}: {e}");
    assert!(e[0].message.contains(&format!("internal error in `{what}`")), "{e}");
    assert!(e[0].message.contains("forced internal error"), "{e}");
    assert!(e.to_string().contains("please report this bug"), "{e}");
}

#[test]
fn every_boundary_turns_a_panic_into_an_error() {
    let text = "parameter x\nvariable y\nminimize square(y - x)\nsubject to\n    y >= 0\n";
    let problem = Problem::from_str("relu.dopt", text).unwrap();
    let layer = problem.compile(&Dims::new()).unwrap();
    let x = Values::from([("x".to_string(), Array::scalar(2.0))]);
    let out = layer.forward(&x).unwrap();
    let dy = Values::from([("y".to_string(), Array::scalar(1.0))]);
    let bytes = layer.to_bytes();

    force("Problem::from_str");
    assert_internal("Problem::from_str", Problem::from_str("relu.dopt", text));
    force("Problem::compile");
    assert_internal("Problem::compile", problem.compile(&Dims::new()));
    force("Layer::forward");
    assert_internal("Layer::forward", layer.forward(&x));
    force("Layer::backward");
    assert_internal("Layer::backward", layer.backward(&out, &dy));
    force("Layer::jvp");
    assert_internal("Layer::jvp", layer.jvp(&out, &x));
    force("Layer::from_bytes");
    assert_internal("Layer::from_bytes", Layer::from_bytes(&bytes));
    force("values_from_json");
    let e = dopt::values::values_from_json(r#"{"x": 1}"#).unwrap_err();
    assert!(
        e.contains("internal error in `values_from_json`") && e.contains("please report this bug"),
        "{e}"
    );
    // Rayon workers: every member gets its own error, nothing aborts.
    force("Layer::forward_batch");
    let batch = vec![x.clone(); 5];
    let outs = layer.forward_batch(&batch, BatchPolicy::PerMember).unwrap();
    assert_eq!(outs.len(), 5);
    for o in outs {
        assert_internal("Layer::forward_batch", o);
    }
    force("Layer::backward_batch");
    let grads =
        layer.backward_batch(&vec![out.clone(); 3], &vec![dy.clone(); 3], BatchPolicy::PerMember).unwrap();
    for g in grads {
        assert_internal("Layer::backward_batch", g);
    }
    // The layer still works afterwards.
    force("none");
    let y = layer.forward(&x).unwrap().variables["y"].data[0];
    assert!((y - 2.0).abs() < 1e-6);
    assert!((layer.backward(&out, &dy).unwrap().params["x"].data[0] - 1.0).abs() < 1e-6);
}

//! Random and extreme parameter values through solve and backward on the reference
//! problems: every call returns a status or an error, never a panic, and a gradient is
//! finite whenever it is returned.

mod common;

use dopt::internals::ir::hir::Array;
use dopt::{Settings, Values};
use proptest::prelude::*;

/// Values of a few orders of magnitude, signs and special cases.
fn entry() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -3.0..3.0f64,
        1 => Just(0.0),
        1 => prop_oneof![Just(1e12), Just(-1e12), Just(1e-12), Just(1e200), Just(-1e200)],
        1 => prop_oneof![Just(f64::NAN), Just(f64::INFINITY)],
    ]
}

fn cases() -> u32 {
    std::env::var("DOPT_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(60)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_parameter_values_never_panic(which in 0usize..15, seed in prop::collection::vec(entry(), 64)) {
        let names = common::reference_names();
        let name = &names[which % names.len()];
        let layer = common::reference_layer(name);
        let reference = common::values(&common::reference_json(name)["params"]);
        // Replace a few entries of the reference values (in turn) by the drawn ones.
        let mut k = 0;
        let params: Values = reference
            .iter()
            .map(|(p, a)| {
                let mut a: Array = a.clone();
                for (i, v) in a.data.iter_mut().enumerate() {
                    if i % 3 == 0 {
                        *v = seed[k % seed.len()];
                        k += 1;
                    }
                }
                (p.clone(), a)
            })
            .collect();
        let settings = Settings { max_iter: 60, ..Settings::default() };
        match layer.forward_with(&params, &settings) {
            Err(e) => prop_assert!(!e.is_empty()),
            Ok(out) => {
                let weights = common::values(&common::reference_json(name)["weights"]);
                match layer.backward(&out, &weights) {
                    Ok(g) => {
                        prop_assert!(out.status.is_optimal());
                        for a in g.params.values() {
                            prop_assert!(a.data.iter().all(|v| v.is_finite()), "{name}: non-finite gradient");
                        }
                    }
                    Err(e) => prop_assert!(!e.is_empty()),
                }
            }
        }
    }
}

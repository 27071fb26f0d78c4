//! Structured mode: the bytes are the generator's tape (tests/fuzzgen), so every
//! input is a well-formed DCP/DPP program with a known feasible point, checked with
//! the properties of tests/fuzz_pipeline.rs.
#![no_main]

#[path = "../../tests/fuzzgen/mod.rs"]
mod fuzzgen;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut stats = fuzzgen::run::Stats::default();
    if let Err(e) = fuzzgen::run::run_tape(data, &mut stats) {
        panic!("{e}");
    }
});

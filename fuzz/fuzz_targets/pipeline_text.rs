//! Raw bytes as `.dopt` text (up to the first NUL byte; the bytes after it choose
//! parameter values and cotangents) through parse → compile → forward → backward →
//! jvp. A panic, a diagnostic without a location or a non-finite gradient is a crash.
#![no_main]

#[path = "../../tests/fuzzgen/mod.rs"]
mod fuzzgen;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut stats = fuzzgen::run::Stats::default();
    if let Err(e) = fuzzgen::run::run_text(data, &mut stats) {
        panic!("{e}");
    }
});

//! Grammar-aware fuzzing of the whole pipeline, shared by `tests/fuzz_pipeline.rs`
//! (proptest) and `fuzz/` (cargo fuzz): a tape of bytes is turned into a well-formed
//! DCP/DPP program with a known feasible point ([`program`]), which is run through
//! check → canon → forward → backward → jvp with property checks ([`run`]), using
//! the test's own evaluator ([`expr`], [`arr`]) to judge the solution.
#![allow(dead_code)]

pub mod arr;
pub mod expr;
pub mod program;
pub mod run;

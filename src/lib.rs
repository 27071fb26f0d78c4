//! dopt: a modeling language and compiler for differentiable convex optimization.
#![doc = include_str!("../ARCHITECTURE.md")]
// Diagnostics are large values on the cold path; boxing them buys nothing.
#![allow(clippy::result_large_err)]
// Every public item is documented (CI runs clippy with -D warnings).
#![warn(missing_docs)]

pub mod atoms;
pub mod bench;
pub mod blas;
pub mod conic;
pub mod dcp;
pub mod diag;
pub mod frontend;
pub mod ir;
pub mod linalg;
pub mod sema;
pub mod source;
pub mod stdlib;
pub mod syntax;

pub use frontend::Failure as Error;
pub use ir::array::Array;
pub use layer::{BatchPolicy, DiffOptions, Gradients, Layer, Output};
pub use problem::Problem;
pub use sema::Dims;
pub use solve::{Settings, Status};
pub use values::Values;

/// The Rust examples of README.md, compiled and run by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
pub mod canon;
pub mod cli;
pub mod diff;
pub mod layer;
pub mod problem;
pub mod solve;
pub mod values;

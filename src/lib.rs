//! dopt: a modeling language and compiler for differentiable convex optimization.
#![doc = include_str!("../ARCHITECTURE.md")]

pub mod atoms;
pub mod diag;
pub mod frontend;
pub mod ir;
pub mod sema;
pub mod source;
pub mod stdlib;
pub mod syntax;

pub use sema::Dims;
pub mod cli;

//! DCP and DPP analysis over the checked program.

pub use crate::ir::algebra;
pub mod analyze;
pub mod check;
mod explain;
pub mod terms;

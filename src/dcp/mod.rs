//! DCP and DPP analysis over the checked program.

pub mod algebra;
pub mod analyze;
pub mod check;
pub mod terms;

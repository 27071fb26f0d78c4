//! The conic vocabulary the atoms write their forms in: parametric affine
//! expressions ([`Affine`]). It depends on `ir` only, so that `atoms` can use it
//! without depending on `canon` (which walks the program and calls the atoms).

pub mod affine;

pub use affine::{Affine, CONST, ONE, Term};

//! The conic vocabulary the atoms write their forms in: parametric affine
//! expressions ([`Affine`]), numpy broadcasting of them, and the [`ConeBuilder`]
//! that collects variables, cones and P entries. It depends on `ir` only, so that
//! `atoms` can use it without depending on `canon` (which walks the program and
//! calls the atoms).

pub mod affine;
pub mod broadcast;
pub mod builder;

pub use affine::{Affine, CONST, ONE, Term};
pub use broadcast::{broadcast, broadcast_rows};
pub use builder::{ConeBuilder, svec};

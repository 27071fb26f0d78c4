//! The intermediate representations: `ast` (syntax with spans) and `hir` (resolved,
//! shape-checked expression DAG in an arena), `cone` (the cone program) and `svec`
//! (the PSD vectorization).

pub mod ast;
pub mod cone;
pub mod eval;
pub mod hir;
pub mod print;
pub mod shape;
pub mod svec;

//! Derivatives of the solution map: projections onto cones and their Jacobians
//! (`cones`), the implicit differentiation of the KKT conditions (`derivative`), and
//! the sparse LDLᵀ it factors with (`ldl`).

pub mod cones;
pub mod derivative;
pub mod ldl;

//! Derivatives of the solution map: projections onto cones and their Jacobians
//! (`cones`), and the implicit differentiation of the KKT conditions (`derivative`).

pub mod cones;
pub mod derivative;

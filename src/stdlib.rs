//! The standard library of layers, embedded in the binary and named `std:NAME`.

const FILES: &[(&str, &str)] =
    &[("relu", include_str!("../stdlib/relu.dopt")), ("sparsemax", include_str!("../stdlib/sparsemax.dopt"))];

/// The text of `std:NAME`.
pub fn get(name: &str) -> Option<&'static str> {
    FILES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Every name in the standard library.
pub fn names() -> Vec<&'static str> {
    FILES.iter().map(|(n, _)| *n).collect()
}

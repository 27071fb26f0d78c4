//! The standard library of layers, embedded in the binary and named `std:NAME`.

const FILES: &[(&str, &str)] = &[
    ("csoftmax", include_str!("../stdlib/csoftmax.dopt")),
    ("csparsemax", include_str!("../stdlib/csparsemax.dopt")),
    ("lml", include_str!("../stdlib/lml.dopt")),
    ("mpc_box", include_str!("../stdlib/mpc_box.dopt")),
    ("relu", include_str!("../stdlib/relu.dopt")),
    ("sigmoid", include_str!("../stdlib/sigmoid.dopt")),
    ("softmax", include_str!("../stdlib/softmax.dopt")),
    ("sparsemax", include_str!("../stdlib/sparsemax.dopt")),
    ("svm_head", include_str!("../stdlib/svm_head.dopt")),
];

/// The text of `std:NAME`.
pub fn get(name: &str) -> Option<&'static str> {
    FILES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Every name in the standard library.
pub fn names() -> Vec<&'static str> {
    FILES.iter().map(|(n, _)| *n).collect()
}

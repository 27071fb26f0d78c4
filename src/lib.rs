//! dopt compiles convex optimization problems with parameters, written in a small
//! modeling language (`.dopt` files, as you would write them in cvxpy), into
//! **layers**: functions from parameter values to the optimal solution, with an exact
//! derivative (implicit differentiation of the optimality conditions).
//!
//! [`Problem`] reads a problem and checks it (names, shapes, DCP, DPP), and
//! [`Problem::compile`] with the [`Dims`] makes a [`Layer`]: compiled once, called many
//! times. [`Layer::forward`] solves for the parameters' values and returns an
//! [`Output`] (status, objective, variables, duals of named constraints);
//! [`Layer::backward`] maps d(loss)/d(outputs) to d(loss)/d(parameters)
//! ([`Gradients`]) and [`Layer::jvp`] is the forward mode. Values go in and come out
//! by handle ([`Layer::param`] and [`Layer::output`] look a name up once; [`Inputs`] and
//! [`Cotangents`] are set through them, checked when set) or by name ([`Values`]), as
//! [`Array`]s, which convert from numbers, lists and rows. Batches run in parallel under
//! a [`BatchPolicy`] and return a [`Batch`] with a status per member. Every error is an
//! [`Error`] holding located diagnostics, never a panic.
//!
//! ```
//! use dopt::{Array, BatchPolicy, Dims, Layer, Problem, Status, Values};
//!
//! let layer = Problem::from_file("std:sparsemax")?.compile(&Dims::new().with("n", 4))?;
//! // Names are looked up once, here: a misspelling fails now, with a suggestion.
//! let (x, y) = (layer.param("x")?, layer.output("y")?);
//!
//! // Forward: sparsemax(0.8, 0.1, 0.5, -0.3) = (0.65, 0, 0.35, 0).
//! let inputs = layer.inputs().with(&x, [0.8, 0.1, 0.5, -0.3])?; // the shape is checked here
//! let out = layer.forward(&inputs)?;
//! let yv = &out.get(&y)?.data;
//! assert!((yv[0] - 0.65).abs() < 1e-6 && (yv[2] - 0.35).abs() < 1e-6);
//!
//! // Reverse mode: the gradient of y₀ is (½, 0, −½, 0) on the support {0, 2}.
//! let g = layer.backward(&out, &layer.cotangents().with(&y, [1.0, 0.0, 0.0, 0.0])?)?;
//! let gx = g.get(&x)?;
//! assert!((gx[0] - 0.5).abs() < 1e-9 && (gx[2] + 0.5).abs() < 1e-9);
//!
//! // Forward mode: the direction dx = e₀ moves y by the same Jacobian's first column.
//! // (Values, arrays by name, work wherever handles do.)
//! let dx = Values::from([("x".to_string(), Array::from([1.0, 0.0, 0.0, 0.0]))]);
//! let (dy, _duals) = layer.jvp(&out, &dx)?;
//! assert!((dy["y"].data[0] - 0.5).abs() < 1e-9 && (dy["y"].data[2] + 0.5).abs() < 1e-9);
//!
//! // Batches run in parallel; one Result for the call, a status per member.
//! let batch = [inputs.clone(), layer.inputs().with(&x, [2.0, 0.0, 0.0, 0.0])?];
//! let outs = layer.forward_batch(&batch, BatchPolicy::PerMember)?;
//! assert_eq!(outs.statuses(), [Some(Status::Optimal); 2]);
//! assert!((outs.solution(1).unwrap().get(&y)?.data[0] - 1.0).abs() < 1e-6);
//!
//! // Layer files: the bytes of `dopt compile`.
//! let again = Layer::from_bytes(&layer.to_bytes())?;
//! assert_eq!(again.forward(&inputs)?.get(&y)?.data.len(), 4);
//! # Ok::<(), dopt::Error>(())
//! ```
//!
//! The language, the error codes, the command line and the file formats are described
//! in `docs/language.md`, the backward pass in `docs/differentiation.md`, and how the
//! compiler is built in `ARCHITECTURE.md` (in the repository).

// Diagnostics are large values on the cold path; boxing them buys nothing.
#![allow(clippy::result_large_err)]
// Every public item is documented (CI runs clippy with -D warnings).
#![warn(missing_docs)]

mod atoms;
mod bench;
mod blas;
mod canon;
mod cli;
mod conic;
mod dcp;
mod dgp;
mod diag;
mod diff;
mod frontend;
mod ir;
mod layer;
mod linalg;
mod problem;
mod qp;
mod sema;
mod solve;
mod source;
mod stdlib;
mod syntax;
mod values;

pub use frontend::Failure as Error;
pub use ir::array::{Array, ArrayError};
pub use ir::shape::Shape;
pub use layer::{
    Batch, BatchPolicy, ConstraintInfo, CotangentValues, Cotangents, DiffOptions, Gradients, Inputs, Layer,
    Output, OutputHandle, ParamHandle, ParamValues, Signature,
};
pub use problem::Problem;
pub use sema::Dims;
pub use solve::{RawSolution, Settings, SolvedBy, SolverChoice, Status};
pub use values::{Values, values_from_json, values_to_json};

/// The compiler's stages, for the integration tests, the benchmarks, the fuzz targets
/// and the `dopt` binary. Not a stable API: use the items at the crate root.
///
/// The modules of the crate are private, so that the documentation is the user's API;
/// each is re-exported here whole (`internals::atoms` is `crate::atoms`). One
/// re-export keeps every test that reaches into a stage compiling, where moving those
/// tests into unit tests would move thousands of lines and could not serve the fuzz
/// targets, which are another crate.
#[doc(hidden)]
pub mod internals {
    macro_rules! reexport {
        ($($module:ident),* $(,)?) => {
            $(
                #[allow(missing_docs)]
                pub mod $module {
                    pub use crate::$module::*;
                }
            )*
        };
    }
    reexport!(
        atoms, bench, blas, canon, cli, conic, dcp, dgp, diag, diff, frontend, ir, layer, linalg, problem,
        qp, sema, solve, source, stdlib, syntax, values,
    );
}

/// The Rust examples of README.md, compiled and run by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[cfg(test)]
mod tests {
    /// The example on the front page of the documentation is README's "From Rust"
    /// example, character for character (both are run as doctests).
    #[test]
    fn front_page_example_is_the_readmes() {
        let root = env!("CARGO_MANIFEST_DIR");
        let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
        let lib = std::fs::read_to_string(format!("{root}/src/lib.rs")).unwrap();
        let section = &readme[readme.find("## From Rust").expect("a From Rust section")..];
        let start = section.find("```rust\n").expect("a rust block") + "```rust\n".len();
        let readme_code = &section[start..start + section[start..].find("```\n").unwrap()];
        let doc: Vec<&str> = lib.lines().take_while(|l| l.starts_with("//!")).collect();
        let open = doc.iter().position(|l| *l == "//! ```").expect("a doc example");
        let close = open + 1 + doc[open + 1..].iter().position(|l| *l == "//! ```").unwrap();
        let doc_code: String = doc[open + 1..close]
            .iter()
            .map(|l| format!("{}\n", l.strip_prefix("//! ").or(l.strip_prefix("//!")).unwrap()))
            .collect();
        assert_eq!(doc_code, readme_code);
    }
}

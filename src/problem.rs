//! The library's entry point: a problem read from `.dopt` text, compiled into a
//! [`Layer`] for given dims.
//!
//! ```
//! use dopt::{Array, Dims, Problem, Values};
//!
//! let problem = Problem::from_str(
//!     "relu.dopt",
//!     "dim n\nparameter x[n]\nvariable y[n]\nminimize sum_squares(y - x)\nsubject to\n    y >= 0\n",
//! )?;
//! let layer = problem.compile(&Dims::new().with("n", 3))?;
//! let params = Values::from([("x".to_string(), Array::vector(&[1.0, -2.0, 0.5]))]);
//! let out = layer.forward(&params)?;
//! let y = &out.variables["y"].data;
//! assert!((y[0] - 1.0).abs() < 1e-6 && y[1].abs() < 1e-6 && (y[2] - 0.5).abs() < 1e-6);
//!
//! // d(sum(y))/dx = 1[x > 0]
//! let dy = Values::from([("y".to_string(), Array::vector(&[1.0, 1.0, 1.0]))]);
//! let grads = layer.backward(&out, &dy)?;
//! let g = &grads.params["x"].data;
//! assert!((g[0] - 1.0).abs() < 1e-6 && g[1].abs() < 1e-6 && (g[2] - 1.0).abs() < 1e-6);
//! # Ok::<(), dopt::Error>(())
//! ```

use crate::frontend::{self, Failure as Error};
use crate::layer::Layer;
use crate::sema::Dims;
use crate::source::SourceFile;

/// A `.dopt` problem, read and parsed (syntax errors are reported here; names, shapes
/// and DCP/DPP need the dims and are checked by [`Problem::compile`]). A panic inside
/// these functions is a bug in dopt: it is returned as an E0999 error, never unwound
/// into the caller.
///
/// ```
/// use dopt::{Dims, Problem};
///
/// // The projection onto the box [0, u]ⁿ, compiled for n = 3.
/// let problem = Problem::from_str(
///     "box.dopt",
///     "dim n\nparameter x[n]\nparameter u nonneg\nvariable y[n]\n\
///      minimize sum_squares(y - x)\nsubject to\n    y >= 0\n    y <= u\n",
/// )?;
/// let layer = problem.compile(&Dims::new().with("n", 3))?;
/// let (x, u, y) = (layer.param("x")?, layer.param("u")?, layer.output("y")?);
/// let out = layer.forward(&layer.inputs().with(&x, [2.0, -1.0, 0.5])?.with(&u, 1.0)?)?;
/// let want = [1.0, 0.0, 0.5];
/// assert!(out.get(&y)?.data.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6));
///
/// // Errors are located in the text and say what to change; none is a panic.
/// let e = Problem::from_str("bad.dopt", "variable y\nminimize sqrt(y)\n")?.compile(&Dims::new()).unwrap_err();
/// assert!(e.to_string().contains("bad.dopt:2:"), "{e}");
/// let e = problem.compile(&Dims::new()).unwrap_err(); // n has no value
/// assert!(e.to_string().contains("dim `n` has no value"));
/// # Ok::<(), dopt::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Problem {
    source: SourceFile,
}

impl Problem {
    /// Read a `.dopt` file, or `std:NAME` for a standard-library layer.
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Problem, Error> {
        let path = path.as_ref().to_string_lossy().into_owned();
        frontend::guard("Problem::from_file", || Problem::from_source(frontend::read_source(&path)?))
    }

    /// A problem from text; `name` is what messages call the file.
    #[allow(clippy::should_implement_trait)] // it needs a name as well as the text
    pub fn from_str(name: &str, text: &str) -> Result<Problem, Error> {
        frontend::guard("Problem::from_str", || Problem::from_source(SourceFile::new(name, text)))
    }

    fn from_source(source: SourceFile) -> Result<Problem, Error> {
        crate::syntax::parse(&source)
            .map_err(|d| Error { source: Some(source.clone()), diagnostics: vec![d] })?;
        Ok(Problem { source })
    }

    /// The source text.
    pub fn source(&self) -> &SourceFile {
        &self.source
    }

    /// Check names, shapes and DCP/DPP with these dims (the file's defaults fill in
    /// the rest) and reduce the problem to its cone program, once.
    pub fn compile(&self, dims: &Dims) -> Result<Layer, Error> {
        frontend::guard("Problem::compile", || {
            let c = frontend::analyze(&self.source, dims)?;
            Layer::compile(&c.program, &c.analysis, &self.source.name)
                .map_err(|d| Error { source: Some(self.source.clone()), diagnostics: vec![d] })
        })
    }
}

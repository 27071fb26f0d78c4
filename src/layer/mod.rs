//! A compiled problem served as a function: parameter values in, solution out, and
//! the derivative of that map (reverse and forward mode).
//!
//! A [`Layer`] holds only what a call needs: the cone program with its parameter map
//! and the [`Signature`] (names, shapes and attributes of the inputs and outputs).
//! Nothing of the problem's text is looked at per call. This file builds layers;
//! `signature` checks and flattens parameter values, `forward` solves and reads the
//! solution out, `backward` differentiates (reverse and forward mode), `file` saves
//! and loads layers, `batch` runs many calls in parallel, `handles` holds the typed
//! parameter and output handles.

mod backward;
mod batch;
mod file;
mod forward;
mod gp;
mod handles;
mod signature;

pub use backward::{DiffOptions, Gradients};
pub use batch::{Batch, BatchPolicy};
pub use file::{FORMAT_VERSION, checksum, is_layer_file, looks_like_layer_file};
pub use forward::Output;
pub use handles::{CotangentValues, Cotangents, Inputs, OutputHandle, ParamHandle, ParamValues};
pub use signature::{ATTR_RTOL, ConstraintInfo, Signature};

use crate::canon;
use crate::dcp::check::Analysis;
use crate::diag::{Diagnostic, codes};
use crate::diff::derivative::KktSymbolic;
use crate::frontend::{self, Failure as Error};
use crate::ir::cone::ConeProgram;
use crate::ir::hir::Program;
use crate::qp;
use crate::solve::{self, Settings};

/// A compiled problem: call [`Layer::forward`] with parameter values, then
/// [`Layer::backward`] with d(loss)/d(outputs) for d(loss)/d(parameters), or
/// [`Layer::jvp`] for a directional derivative.
///
/// Made by [`Problem::compile`](crate::Problem::compile), or read back from a layer
/// file with [`Layer::load`]. A layer holds the cone program and its parameter map
/// `vec(P, q, r, A, b) = M·[θ; 1]`; a call only applies the map and solves, so the
/// problem is checked and canonicalized once.
///
/// `Layer` is `Send + Sync`: one layer can serve many threads (the batch calls do).
/// Clarabel solvers are kept between calls and reused through their data-update path.
/// `Clone` copies the compiled program, not the solver pool.
///
/// A panic inside a call is a bug in dopt: every public function that does work
/// returns it as an E0999 error instead of unwinding into the caller (a batch member
/// gets its own).
///
/// ```
/// use dopt::{Dims, Problem, Status};
///
/// // y = max(x, 0) as a projection; the constraint's dual is λ = max(−2x, 0).
/// let text = "dim n\nparameter x[n]\nvariable y[n]\nminimize sum_squares(y - x)\n\
///             subject to\n    pos: y >= 0\n";
/// let layer = Problem::from_str("relu.dopt", text)?.compile(&Dims::new().with("n", 2))?;
/// let (x, y, pos) = (layer.param("x")?, layer.output("y")?, layer.output("dual:pos")?);
/// let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(p, q)| (p - q).abs() < 1e-6);
///
/// let out = layer.forward(&layer.inputs().with(&x, [1.5, -2.0])?)?;
/// assert_eq!(out.status, Status::Optimal);
/// assert!(close(&out.get(&y)?.data, &[1.5, 0.0]) && close(&out.get(&pos)?.data, &[0.0, 4.0]));
///
/// // d(y₀ + y₁)/dx = (1, 0); forward mode along dx = (1, 1) gives dy = (1, 0).
/// let g = layer.backward(&out, &layer.cotangents().with(&y, [1.0, 1.0])?)?;
/// assert!(close(g.get(&x)?, &[1.0, 0.0]));
/// let dx = [("x".to_string(), [1.0, 1.0].into())].into_iter().collect();
/// let (dy, _) = layer.jvp(&out, &dx)?;
/// assert!(close(&dy["y"].data, &[1.0, 0.0]));
/// # Ok::<(), dopt::Error>(())
/// ```
#[derive(Debug)]
pub struct Layer {
    /// Names, shapes and attributes of inputs and outputs.
    pub sig: Signature,
    /// The parametrized cone program.
    pub cone: ConeProgram,
    /// Solver settings used by [`Layer::forward`].
    pub settings: Settings,
    /// Options used by [`Layer::backward`] and [`Layer::jvp`].
    pub diff: DiffOptions,
    solvers: std::sync::Mutex<Vec<Option<solve::Workspace>>>,
    /// The symbolic factorization of the derivative system, made at the first
    /// backward/jvp call and shared by every later one (and every thread).
    kkt: std::sync::OnceLock<std::sync::Arc<KktSymbolic>>,
    /// Which columns and rows of the cone program carry parameters (or outputs).
    dependence: std::sync::OnceLock<Dependence>,
    /// The signature's fingerprint, carried by the handles made from it.
    key: u64,
    /// Whether the cone program is a QP and the automatic solver choice (`qp`).
    plan: qp::Plan,
    /// The active-set solver's working sets of earlier calls (warm starts).
    warm: qp::WarmStarts,
}

/// The columns of x and rows of A whose data depend on the parameters; output
/// variables' columns count too.
#[derive(Debug)]
struct Dependence {
    cols: Vec<bool>,
    rows: Vec<bool>,
}

impl Dependence {
    fn of(cp: &ConeProgram) -> Dependence {
        let off = cp.offsets();
        let param = |r: usize| cp.map.outer_view(r).is_some_and(|v| v.iter().any(|(c, _)| c < cp.nparams));
        let mut cols = vec![false; cp.n];
        let mut rows = vec![false; cp.m];
        for j in 0..cp.n {
            for k in cp.p.colptr[j]..cp.p.colptr[j + 1] {
                if param(off.p + k) {
                    cols[j] = true;
                    cols[cp.p.rowval[k]] = true;
                }
            }
            if param(off.q + j) {
                cols[j] = true;
            }
            for k in cp.a.colptr[j]..cp.a.colptr[j + 1] {
                if param(off.a + k) {
                    cols[j] = true;
                    rows[cp.a.rowval[k]] = true;
                }
            }
        }
        for (i, r) in rows.iter_mut().enumerate() {
            *r |= param(off.b + i);
        }
        for range in &cp.var_cols {
            cols[range.clone()].iter_mut().for_each(|c| *c = true);
        }
        Dependence { cols, rows }
    }
}

impl Clone for Layer {
    fn clone(&self) -> Layer {
        Layer::from_parts(self.sig.clone(), self.cone.clone(), self.settings, self.diff).planned()
    }
}

impl Layer {
    /// Reduce a checked, DCP and DPP program to its cone program.
    pub fn new(program: Program, analysis: &Analysis) -> Result<Layer, Diagnostic> {
        Layer::compile(&program, analysis, "")
    }

    /// [`Layer::new`], recording where the program came from.
    pub fn compile(program: &Program, analysis: &Analysis, source: &str) -> Result<Layer, Diagnostic> {
        frontend::catch_panic("Layer::compile", || Layer::compile_unguarded(program, analysis, source))
            .unwrap_or_else(|p| Err(frontend::internal_error("Layer::compile", &p)))
    }

    fn compile_unguarded(program: &Program, analysis: &Analysis, source: &str) -> Result<Layer, Diagnostic> {
        let cone = cone_program(program, analysis)?;
        Ok(Layer::from_parts(
            Signature::of(program, source),
            cone,
            Settings::default(),
            DiffOptions::default(),
        )
        .planned())
    }

    /// The layer with its solver plan made from its cone program. A layer read from a
    /// file is planned only after its cone program has been validated: planning reads
    /// the cone sizes, which a corrupted file could make huge.
    pub(super) fn planned(mut self) -> Layer {
        self.plan = qp::Plan::of(&self.cone);
        self
    }

    fn from_parts(sig: Signature, cone: ConeProgram, settings: Settings, diff: DiffOptions) -> Layer {
        let mut layer = Layer {
            sig,
            plan: qp::Plan::none(),
            warm: qp::WarmStarts::default(),
            cone,
            settings,
            diff,
            solvers: std::sync::Mutex::new(Vec::new()),
            kkt: std::sync::OnceLock::new(),
            dependence: std::sync::OnceLock::new(),
            key: 0,
        };
        layer.key = handles::signature_key(&layer);
        layer
    }

    /// The same layer with other solver settings.
    pub fn with_settings(mut self, settings: Settings) -> Layer {
        self.settings = settings;
        self
    }

    /// Whether calls with `choice` (see [`Settings::solver`]) use the active-set
    /// solver: the cone program is a QP, and the choice (or, for `Auto`, the layer's
    /// automatic choice from its structure) says so.
    pub fn uses_active_set(&self, choice: solve::SolverChoice) -> bool {
        self.plan.uses_active_set(choice)
    }

    /// Whether `Auto` follows each slot's calls on this layer: a QP left to Clarabel
    /// when cold, whose warm calls go to the active set while consecutive calls change
    /// its active set little (see docs/performance.md, "Two solvers").
    pub fn auto_follows_calls(&self) -> bool {
        self.plan.adaptive
    }

    /// The active-set solver's working set kept for warm starts in `slot` (0 for
    /// single calls, i for batch member i): rows of the cone program's nonnegative
    /// cones, empty if none.
    pub fn warm_set(&self, slot: usize) -> Vec<usize> {
        self.warm.get(slot)
    }

    /// Forget the working sets kept for warm starts (the next calls start cold).
    pub fn forget_warm_starts(&self) {
        self.warm.clear();
    }

    /// The same layer with other differentiation options.
    pub fn with_diff_options(mut self, diff: DiffOptions) -> Layer {
        self.diff = diff;
        self
    }
}

/// Most scalar entries of the declared parameters and variables together, and most
/// terms canonicalization produces ([`canon::MAX_TERMS`], counted as the work goes):
/// beyond this the cone program would not fit in memory, and the allocator would
/// abort the process instead of reporting an error.
pub const MAX_PROBLEM_ENTRIES: usize = canon::MAX_TERMS;

/// The cone program of a checked, DCP and DPP program: the size guard, then
/// canonicalization (which enforces its term budget as it goes). `dopt check` runs
/// this too, so that it accepts exactly the files that compile.
pub fn cone_program(program: &Program, analysis: &Analysis) -> Result<ConeProgram, Diagnostic> {
    check_size(program)?;
    canon::canonicalize(program, &analysis.dcp).map_err(|e| e.diagnostic())
}

/// Refuse declarations too large to compile (before any of their entries is built),
/// naming the largest.
fn check_size(program: &Program) -> Result<(), Diagnostic> {
    let decls = || program.params.iter().chain(&program.vars);
    let total = decls().fold(0usize, |a, d| a.saturating_add(d.shape.size()));
    if total <= MAX_PROBLEM_ENTRIES {
        return Ok(());
    }
    let mut d = Diagnostic::error(
        codes::CANON,
        format!(
            "the problem is too large to compile: its parameters and variables have {total} \
             scalar entries (the limit is {MAX_PROBLEM_ENTRIES})"
        ),
    );
    if let Some(big) = decls().max_by_key(|d| d.shape.size()) {
        d = d
            .primary(big.span, format!("`{}` alone has {} entries", big.name, big.shape.size()))
            .help("check the dims the problem is compiled with");
    }
    Err(d)
}

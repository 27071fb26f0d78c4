//! The front end as one call: read a source, parse it, check it.

use crate::diag::{Diagnostic, codes};
use crate::ir::hir;
use crate::sema::{self, Dims};
use crate::source::{SourceFile, Span};
use std::cell::{Cell, RefCell};

/// Stack for parsing and checking: recursion is bounded by the parser's depth limits,
/// and this leaves ample room for them whatever thread the caller is on.
const STACK_BYTES: usize = 256 << 20;

/// Everything that went wrong, with the source to render it against (if any). This is
/// the crate's error type (`dopt::Error`): `Display` renders every diagnostic as
/// `dopt check` prints it, and it dereferences to the list of diagnostics.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The source the spans point into; `None` for errors without a file (bad
    /// parameter values, unreadable paths).
    pub source: Option<SourceFile>,
    /// Every diagnostic, in the order reported (file order for the checks).
    pub diagnostics: Vec<Diagnostic>,
}

impl Failure {
    /// Every diagnostic rendered rustc-style (`error[E0101]: …`, location, source
    /// line, carets), one after the other.
    pub fn render(&self) -> String {
        crate::diag::render_all(&self.diagnostics, self.source.as_ref())
    }
}

impl From<Vec<Diagnostic>> for Failure {
    fn from(diagnostics: Vec<Diagnostic>) -> Failure {
        Failure { source: None, diagnostics }
    }
}

impl From<Diagnostic> for Failure {
    fn from(d: Diagnostic) -> Failure {
        Failure { source: None, diagnostics: vec![d] }
    }
}

impl From<crate::ir::array::ArrayError> for Failure {
    fn from(e: crate::ir::array::ArrayError) -> Failure {
        Failure::from(Diagnostic::error(codes::BAD_PARAMETER, e.to_string()))
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.render().trim_end())
    }
}

impl std::error::Error for Failure {}

impl std::ops::Deref for Failure {
    type Target = [Diagnostic];
    fn deref(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
}

/// Read a `.dopt` file (or `std:NAME` from the standard library). Non-UTF-8 bytes
/// are reported with their line and column.
pub fn read_source(path: &str) -> Result<SourceFile, Failure> {
    if let Some(name) = path.strip_prefix("std:") {
        return match crate::stdlib::get(name) {
            Some(text) => Ok(SourceFile::new(path, text)),
            None => {
                let mut d =
                    Diagnostic::error(codes::UNREADABLE, format!("no standard-library layer `{name}`"))
                        .note(format!("the standard library has: {}", crate::stdlib::names().join(", ")));
                if let Some(s) = crate::diag::suggest::best_match(name, crate::stdlib::names()) {
                    d = d.help(format!("did you mean `std:{s}`?"));
                }
                Err(Failure { source: None, diagnostics: vec![d] })
            }
        };
    }
    let bytes = std::fs::read(path).map_err(|e| Failure {
        source: None,
        diagnostics: vec![Diagnostic::error(codes::UNREADABLE, format!("cannot read `{path}`: {e}"))],
    })?;
    source_from_bytes(path, bytes)
}

/// A source from raw bytes: UTF-8 is required.
pub fn source_from_bytes(name: &str, bytes: Vec<u8>) -> Result<SourceFile, Failure> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(name, text)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bad = e.as_bytes()[at];
            let lossy = SourceFile::new(name, String::from_utf8_lossy(e.as_bytes()).into_owned());
            // In the lossy text the bad byte became U+FFFD at the same char position.
            let offset = String::from_utf8_lossy(&e.as_bytes()[..at]).len();
            let d = Diagnostic::error(codes::NOT_UTF8, format!("invalid UTF-8 byte 0x{bad:02x}"))
                .primary(Span::new(offset, offset + 3), "not UTF-8")
                .help("save the file as UTF-8");
            Err(Failure { source: Some(lossy), diagnostics: vec![d] })
        }
    }
}

/// Parse and check a source with the given dims.
pub fn check(src: &SourceFile, dims: &Dims) -> Result<hir::Program, Failure> {
    let fail = |diagnostics| Failure { source: Some(src.clone()), diagnostics };
    let work = || -> Result<hir::Program, Vec<Diagnostic>> {
        let ast = crate::syntax::parse(src).map_err(|d| vec![d])?;
        sema::check(&ast, dims)
    };
    // Inside a guard, the worker thread keeps quiet about a panic too (it is resumed
    // here and caught by the guard).
    let quiet = GUARDS.with(|g| g.get());
    let result = std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(STACK_BYTES)
            .spawn_scoped(s, || {
                GUARDS.with(|g| g.set(quiet));
                work()
            })
            .map(|h| h.join())
    });
    match result {
        Ok(Ok(r)) => r.map_err(fail),
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        // No thread could be started: run here instead.
        Err(_) => work().map_err(fail),
    }
}

/// A checked program with its DCP/DPP analysis.
pub struct Checked {
    /// The checked program.
    pub program: hir::Program,
    /// Its curvature, sign and parameter-dependence facts (DCP and DPP).
    pub analysis: crate::dcp::check::Analysis,
}

/// Parse, check, and verify that the problem is DCP and DPP. A problem marked
/// `geometric` is checked by the DGP rules and replaced by its log-domain form
/// (`dgp`), which is then analyzed as any other; a DCP rejection of a problem that
/// follows the DGP rules says that `geometric` would make it solvable.
pub fn analyze(src: &SourceFile, dims: &Dims) -> Result<Checked, Failure> {
    let fail = |diagnostics| Failure { source: Some(src.clone()), diagnostics };
    let mut program = check(src, dims)?;
    if program.geometric.is_some() {
        program = crate::dgp::log_program(&program, src).map_err(fail)?;
    }
    match crate::dcp::check::check(&program, src) {
        Ok(analysis) => Ok(Checked { program, analysis }),
        Err(mut diagnostics) => {
            // The hint must never make a rejection worse: a bug in the transform
            // (a panic) only loses the hint.
            let gp = || crate::dgp::is_geometric(&program, src);
            // A geometric-program atom's refusal (E0511) says `geometric` already.
            let own = diagnostics.first().is_some_and(|d| d.code == crate::diag::codes::DGP_ONLY);
            if program.geometric.is_none() && !own && catch_panic("dgp::is_geometric", gp).unwrap_or(false) {
                let hint = "if every variable and parameter is positive, this is a geometric program (it follows the DGP rules): write `geometric` on a line of its own to solve it in the log domain";
                if let Some(d) = diagnostics.first_mut() {
                    *d = d.clone().help(hint);
                }
            }
            Err(fail(diagnostics))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Internal errors: no panic crosses the public API
// ---------------------------------------------------------------------------------------

/// Hidden test hook: when this environment variable names a boundary function
/// (`Layer::forward`, `Problem::compile`, `dopt`, …), that function panics inside its
/// guard, so that tests can check the conversion into E0999. Not for production use.
#[doc(hidden)]
pub const FORCE_PANIC_ENV: &str = "DOPT_FORCE_INTERNAL_ERROR_FOR_TESTS";

thread_local! {
    /// How many guards are active on this thread (their panics are not printed).
    static GUARDS: Cell<u32> = const { Cell::new(0) };
    /// The last caught panic's message with its location, from the panic hook.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Install (once per process) a panic hook that keeps quiet about panics inside a
/// guard, recording their message and location for the error instead, and hands every
/// other panic to the hook that was there before.
fn install_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if GUARDS.with(|g| g.get()) > 0 {
                LAST_PANIC.with(|l| *l.borrow_mut() = Some(info.to_string()));
            } else {
                previous(info);
            }
        }));
    });
}

/// Run `f`, turning a panic into `Err(message)`; `what` names the public function for
/// the message and the test hook ([`FORCE_PANIC_ENV`]). The panic is not printed.
pub fn catch_panic<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    GUARDS.with(|g| g.set(g.get() + 1));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if std::env::var_os(FORCE_PANIC_ENV).is_some_and(|v| v == what) {
            panic!("forced internal error in `{what}` ({FORCE_PANIC_ENV})");
        }
        f()
    }));
    GUARDS.with(|g| g.set(g.get() - 1));
    r.map_err(|payload| {
        let recorded = LAST_PANIC.with(|l| l.borrow_mut().take());
        recorded.unwrap_or_else(|| {
            payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".into())
        })
    })
}

/// The E0999 diagnostic for a panic caught in `what`.
pub fn internal_error(what: &str, panic: &str) -> Diagnostic {
    Diagnostic::error(codes::INTERNAL, format!("internal error in `{what}`: {}", panic.trim_end()))
        .note("this is a bug in dopt, not a problem with the input")
        .help("please report this bug with the input that caused it (the problem file, dims and values)")
}

/// [`catch_panic`] for a function that returns the crate's `Result`: a panic becomes
/// an E0999 error.
pub fn guard<T>(what: &str, f: impl FnOnce() -> Result<T, Failure>) -> Result<T, Failure> {
    catch_panic(what, f).unwrap_or_else(|p| Err(Failure::from(internal_error(what, &p))))
}

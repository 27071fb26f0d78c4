//! Text → syntax tree: the layout pass, then the pest grammar and the Pratt parser.

pub mod layout;
mod parser;

pub use parser::MAX_EXPR_DEPTH;

use crate::diag::{Diagnostic, codes};
use crate::ir::ast::Program;
use crate::source::{SourceFile, Span};

/// Largest source file accepted (bytes).
pub const MAX_SOURCE_BYTES: usize = 4 << 20;

/// Parse a source file. Syntax errors stop at the first one (the grammar cannot
/// recover), with its location and what was expected there.
pub fn parse(src: &SourceFile) -> Result<Program, Diagnostic> {
    if src.text.len() > MAX_SOURCE_BYTES {
        return Err(Diagnostic::error(
            codes::TOO_DEEP,
            format!("the file has {} bytes; at most {} are accepted", src.text.len(), MAX_SOURCE_BYTES),
        ));
    }
    if let Some(i) = src.text.find('\0') {
        return Err(
            Diagnostic::error(codes::SYNTAX, "NUL byte in the source").primary(Span::new(i, i + 1), "here")
        );
    }
    let text = layout::layout(&src.text)?;
    parser::parse_program(&text)
}

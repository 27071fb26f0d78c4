//! Diagnostics as data: a code, a message, labelled spans, notes and help, with one
//! renderer (rustc style: `file:line:col`, the source line, carets under the span).

pub mod codes;
pub mod suggest;

use crate::source::{SourceFile, Span};
pub use codes::{Code, Kind};
use std::fmt::Write as _;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The stage fails.
    Error,
    /// Reported, but the stage goes on (no stage emits warnings yet).
    Warning,
}

/// A span with a message. The primary label says where the problem is; secondary
/// labels add context (a declaration, an argument's shape).
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// The bytes to underline.
    pub span: Span,
    /// Printed after the underline.
    pub message: String,
    /// `^^^` (primary) rather than `---` (secondary).
    pub primary: bool,
}

/// One problem found in the input, built with [`Diagnostic::error`] and the label,
/// note and help builders, and printed by [`Diagnostic::render`]:
///
/// ```text
/// error[E0101]: unknown name `lamda`
///   --> f.dopt:11:35
///    |
/// 11 | minimize sum_squares(A @ x - b) + lamda * sum_squares(x)
///    |                                   ^^^^^ not declared in this file
///    |
///    = help: did you mean `lam`?
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The stable code (`E0101`) and its class.
    pub code: Code,
    /// The headline, one sentence without a final period.
    pub message: String,
    /// Underlined spans, in the order they were added.
    pub labels: Vec<Label>,
    /// `= note:` lines: context.
    pub notes: Vec<String>,
    /// `= help:` lines: what to write instead.
    pub help: Vec<String>,
}

impl Diagnostic {
    /// An error with a code and a headline, no labels yet.
    pub fn error(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            labels: Vec::new(),
            notes: Vec::new(),
            help: Vec::new(),
        }
    }

    /// A warning with a code and a headline.
    pub fn warning(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, message) }
    }

    /// Add the primary label.
    pub fn primary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label { span, message: message.into(), primary: true });
        self
    }

    /// Add a secondary label.
    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label { span, message: message.into(), primary: false });
        self
    }

    /// Add a `= note:` line.
    pub fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Add a `= help:` line.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help.push(help.into());
        self
    }

    /// The class of the code.
    pub fn kind(&self) -> Kind {
        self.code.kind
    }

    /// Severity is [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The primary span, if any.
    pub fn primary_span(&self) -> Option<Span> {
        self.labels.iter().find(|l| l.primary).map(|l| l.span)
    }

    /// Render rustc-style against the source it refers to (`None` for errors that
    /// have no source, such as an unreadable file).
    pub fn render(&self, src: Option<&SourceFile>) -> String {
        let mut out = String::new();
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(out, "{sev}[{}]: {}", self.code.id, self.message);
        let src = src.filter(|_| !self.labels.is_empty());
        let Some(src) = src else {
            for n in &self.notes {
                let _ = writeln!(out, "  = note: {n}");
            }
            for h in &self.help {
                let _ = writeln!(out, "  = help: {h}");
            }
            return out;
        };
        // Lines touched by a label, with the labels on each.
        let mut rows: Vec<(usize, usize, usize, &Label)> = self
            .labels
            .iter()
            .map(|l| {
                let (line, col) = src.line_col(l.span.start as usize);
                let (eline, ecol) = src.line_col(l.span.end as usize);
                let width = if eline == line {
                    ecol.saturating_sub(col).max(1)
                } else {
                    src.line_text(line).chars().count().saturating_sub(col - 1).max(1)
                };
                (line, col, width, l)
            })
            .collect();
        let anchor = self
            .labels
            .iter()
            .find(|l| l.primary)
            .or(self.labels.first())
            .map(|l| src.line_col(l.span.start as usize));
        match anchor {
            Some((line, col)) => {
                let _ = writeln!(out, "  --> {}:{}:{}", src.name, line, col);
            }
            None => {
                let _ = writeln!(out, "  --> {}", src.name);
            }
        }
        rows.sort_by_key(|r| (r.0, !r.3.primary, r.1));
        let gutter = rows.iter().map(|r| r.0.to_string().len()).max().unwrap_or(1);
        let pad = " ".repeat(gutter);
        if !rows.is_empty() {
            let _ = writeln!(out, "{pad} |");
        }
        let mut last_line = 0;
        for (line, col, width, label) in &rows {
            if *line != last_line {
                if last_line != 0 && *line > last_line + 1 {
                    let _ = writeln!(out, "{pad} :");
                }
                let _ = writeln!(out, "{:>gutter$} | {}", line, src.line_text(*line));
                last_line = *line;
            }
            // Keep tabs so that the marker lines up under the text.
            let prefix: String = src
                .line_text(*line)
                .chars()
                .take(col - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let mark = if label.primary { "^" } else { "-" }.repeat(*width);
            let msg = if label.message.is_empty() { String::new() } else { format!(" {}", label.message) };
            let _ = writeln!(out, "{pad} | {prefix}{mark}{msg}");
        }
        if !self.notes.is_empty() || !self.help.is_empty() {
            let _ = writeln!(out, "{pad} |");
        }
        for n in &self.notes {
            let _ = writeln!(out, "{pad} = note: {n}");
        }
        for h in &self.help {
            let _ = writeln!(out, "{pad} = help: {h}");
        }
        out
    }
}

/// Render a list of diagnostics, separated by blank lines.
pub fn render_all(diags: &[Diagnostic], src: Option<&SourceFile>) -> String {
    let mut out = String::new();
    for (i, d) in diags.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&d.render(src));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_rustc() {
        let src = SourceFile::new("f.dopt", "variable x[m]\nminimize sum_squares(A @ x - b)\n");
        let at = src.text.find("A @ x").unwrap();
        let decl = src.text.find("x[m]").unwrap();
        let d = Diagnostic::error(codes::MATMUL_MISMATCH, "bad product")
            .primary(Span::new(at, at + 5), "[5, 3] @ [5]")
            .secondary(Span::new(decl, decl + 1), "declared here")
            .help("change it");
        let text = d.render(Some(&src));
        let expected = "error[E0202]: bad product
  --> f.dopt:2:22
  |
1 | variable x[m]
  |          - declared here
2 | minimize sum_squares(A @ x - b)
  |                      ^^^^^ [5, 3] @ [5]
  |
  = help: change it
";
        assert_eq!(text, expected);
    }
}

//! The layout pass: before the grammar runs, newlines inside `( )` and `[ ]` become
//! spaces (and comments there become spaces too), so that a newline the grammar sees
//! always ends a statement. Every byte keeps its offset, so spans stay exact.
//! Unbalanced brackets are reported here, at the bracket itself.

use crate::diag::{Diagnostic, codes};
use crate::source::Span;

/// Deepest bracket nesting accepted (the parser recurses once per level).
pub const MAX_BRACKET_DEPTH: usize = 64;
/// Longest run of prefix signs (`- - - x`) accepted.
pub const MAX_SIGN_RUN: usize = 64;

/// The text with every newline and comment inside brackets blanked to spaces (same
/// length, same byte offsets). An unclosed or unmatched bracket is E0002; nesting
/// deeper than [`MAX_BRACKET_DEPTH`] or more than [`MAX_SIGN_RUN`] signs in a row is E0003.
pub fn layout(text: &str) -> Result<String, Diagnostic> {
    let mut out: Vec<u8> = text.as_bytes().to_vec();
    let mut stack: Vec<(u8, usize)> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut sign_run = 0usize;
    // Where a string literal without its closing quote began, if one did.
    let mut open_string: Option<usize> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' => {
                // A string literal (up to its closing quote on this line): its `#`,
                // brackets and signs are text, not syntax.
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += 1;
                }
                if i < bytes.len() && bytes[i] == b'"' {
                    i += 1;
                } else {
                    open_string.get_or_insert(start);
                }
                sign_run = 0;
                continue;
            }
            b'#' => {
                let start = i;
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                if !stack.is_empty() {
                    out[start..i].fill(b' ');
                }
                continue;
            }
            b'\n' if !stack.is_empty() => out[i] = b' ',
            b'(' | b'[' => {
                stack.push((b, i));
                if stack.len() > MAX_BRACKET_DEPTH {
                    return Err(Diagnostic::error(
                        codes::TOO_DEEP,
                        format!("brackets nested more than {MAX_BRACKET_DEPTH} deep"),
                    )
                    .primary(Span::new(i, i + 1), "this bracket is too deep"));
                }
            }
            b')' | b']' => {
                let want = if b == b')' { b'(' } else { b'[' };
                match stack.pop() {
                    Some((open, _)) if open == want => {}
                    Some((open, at)) => {
                        let close = if open == b'(' { ')' } else { ']' };
                        return Err(Diagnostic::error(
                            codes::UNCLOSED_DELIMITER,
                            format!("mismatched `{}`: expected `{close}`", b as char),
                        )
                        .primary(Span::new(i, i + 1), format!("expected `{close}` here"))
                        .secondary(Span::new(at, at + 1), format!("to close this `{}`", open as char)));
                    }
                    None => {
                        return Err(Diagnostic::error(
                            codes::UNCLOSED_DELIMITER,
                            format!("unmatched `{}`", b as char),
                        )
                        .primary(Span::new(i, i + 1), "no bracket to close here"));
                    }
                }
            }
            _ => {}
        }
        match b {
            b'-' | b'+' => {
                sign_run += 1;
                if sign_run > MAX_SIGN_RUN {
                    return Err(Diagnostic::error(codes::TOO_DEEP, "too many signs in a row")
                        .primary(Span::new(i, i + 1), format!("more than {MAX_SIGN_RUN} signs")));
                }
            }
            b' ' | b'\t' | b'\r' => {}
            _ => sign_run = 0,
        }
        i += 1;
    }
    if let Some(&(open, at)) = stack.last() {
        let close = if open == b'(' { ')' } else { ']' };
        let (what, opener) = if open == b'(' { ("parenthesis", "(") } else { ("bracket", "[") };
        let d = Diagnostic::error(codes::UNCLOSED_DELIMITER, format!("unclosed `{opener}`"))
            .primary(Span::new(at, at + 1), format!("this {what} is never closed"));
        // A string without its closing quote takes the rest of its line with it.
        let d = match open_string {
            Some(s) if s > at => d
                .secondary(Span::new(s, s + 1), "this string has no closing `\"` on its line")
                .help("close the string with `\"`"),
            _ => d,
        };
        return Err(d
            .note(
                "inside brackets a newline does not end the statement, so everything after this \
                 point was read as part of the same expression",
            )
            .help(format!("add the missing `{close}`")));
    }
    // Only ASCII bytes were replaced by ASCII spaces, so this cannot fail; keep the
    // original text if it somehow did rather than panic.
    Ok(String::from_utf8(out).unwrap_or_else(|_| text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newlines_inside_brackets_become_spaces() {
        let t = "a = f(1,\n  2) # c\nb = [1, # row\n 2]\n";
        let l = layout(t).unwrap();
        assert_eq!(l.len(), t.len());
        assert_eq!(l, "a = f(1,   2) # c\nb = [1,        2]\n");
    }

    #[test]
    fn a_string_is_text_not_syntax() {
        let t = "f(x, \"a#(b\",\n y) # c\n";
        assert_eq!(layout(t).unwrap(), "f(x, \"a#(b\",  y) # c\n");
        // An unclosed string ends at the newline; the bracket is still reported.
        let e = layout("f(x, \"ab)\n").unwrap_err();
        assert_eq!(e.code, codes::UNCLOSED_DELIMITER);
        assert!(e.help.iter().any(|h| h.contains("close the string")), "{:?}", e.help);
    }

    #[test]
    fn unbalanced_brackets_are_located() {
        let e = layout("minimize f(x\nsubject to\n").unwrap_err();
        assert_eq!(e.code, codes::UNCLOSED_DELIMITER);
        assert_eq!(e.primary_span(), Some(Span::new(10, 11)));
        assert!(layout("x)").is_err());
        assert!(layout("f(x]").is_err());
        assert!(layout(&"(".repeat(100)).is_err());
        assert!(layout(&"-".repeat(100)).is_err());
    }
}

//! The error every public entry point returns: a kind and a detail code as the
//! openCypher TCK names them, the phase it was found in, and where.

use crate::query::ast::Span;
use std::fmt;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The kinds of the openCypher TCK plus the ones it does not cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    SyntaxError,
    SemanticError,
    TypeError,
    ArgumentError,
    ParameterMissing,
    EntityNotFound,
    ConstraintVerificationFailed,
    ProcedureError,
    ConstraintError,
    ImportError,
    StorageError,
    Cancelled,
    Timeout,
    /// A statement would hold more rows than its memory limit allows.
    MemoryError,
    /// Usage errors of the CLI and dot commands.
    UsageError,
    /// What a Spark server refused or failed at, or the way to it broke
    /// (`supplygraph spark`).
    SparkError,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::SyntaxError => "SyntaxError",
            ErrorKind::SemanticError => "SemanticError",
            ErrorKind::TypeError => "TypeError",
            ErrorKind::ArgumentError => "ArgumentError",
            ErrorKind::ParameterMissing => "ParameterMissing",
            ErrorKind::EntityNotFound => "EntityNotFound",
            ErrorKind::ConstraintVerificationFailed => "ConstraintVerificationFailed",
            ErrorKind::ProcedureError => "ProcedureError",
            ErrorKind::ConstraintError => "ConstraintError",
            ErrorKind::ImportError => "ImportError",
            ErrorKind::StorageError => "StorageError",
            ErrorKind::Cancelled => "Cancelled",
            ErrorKind::Timeout => "Timeout",
            ErrorKind::MemoryError => "MemoryError",
            ErrorKind::UsageError => "UsageError",
            ErrorKind::SparkError => "SparkError",
        }
    }
}

/// When the error was found: before any row was produced, or while running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Compile,
    Runtime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub kind: ErrorKind,
    /// TCK detail code (`UndefinedVariable`, `InvalidArgumentType`, …); may be empty.
    pub code: &'static str,
    pub phase: Phase,
    pub message: String,
    /// Where in the statement text, when known.
    pub span: Option<Span>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(
        kind: ErrorKind,
        code: &'static str,
        phase: Phase,
        message: impl Into<String>,
    ) -> Error {
        Error {
            kind,
            code,
            phase,
            message: message.into(),
            span: None,
        }
    }

    pub fn compile(
        kind: ErrorKind,
        code: &'static str,
        message: impl Into<String>,
        span: Span,
    ) -> Error {
        Error {
            kind,
            code,
            phase: Phase::Compile,
            message: message.into(),
            span: Some(span),
        }
    }

    pub fn runtime(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Error {
        Error::new(kind, code, Phase::Runtime, message)
    }

    pub fn storage(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::StorageError, "", Phase::Runtime, message)
    }

    pub fn with_span(mut self, span: Span) -> Error {
        if self.span.is_none() {
            self.span = Some(span);
        }
        self
    }

    /// `error[KIND]: message (Code)` — the first line of what the CLI
    /// prints. The code stays on that line when the message has more.
    pub fn headline(&self) -> String {
        let (first, rest) = match self.message.split_once('\n') {
            Some((first, rest)) => (first, Some(rest)),
            None => (self.message.as_str(), None),
        };
        let mut out = format!("error[{}]: {first}", self.kind.as_str());
        if !self.code.is_empty() {
            out.push_str(&format!(" ({})", self.code));
        }
        if let Some(rest) = rest {
            out.push('\n');
            out.push_str(rest);
        }
        out
    }

    /// The headline, then `origin:LINE:COL`, the offending source line and a
    /// caret under the span. `base_line`/`base_col` place `source` inside a
    /// larger file (both 1-based; the column only applies to its first line).
    pub fn render(&self, origin: &str, source: &str, base_line: usize, base_col: usize) -> String {
        let mut out = self.headline();
        if let Some(span) = self.span {
            out.push_str(&point_at(span, origin, source, base_line, base_col));
        }
        out
    }
}

/// `\n  --> origin:LINE:COL`, the source line and a caret under `span`
/// (shared by errors and warnings).
pub(crate) fn point_at(
    span: Span,
    origin: &str,
    source: &str,
    base_line: usize,
    base_col: usize,
) -> String {
    let start = floor_char_boundary(source, span.start.min(source.len()));
    let before = &source[..start];
    let line_idx = before.matches('\n').count();
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = source[line_start..start].chars().count() + 1;
    let line_text = source[line_start..].lines().next().unwrap_or("");
    let shown_col = if line_idx == 0 {
        col + base_col - 1
    } else {
        col
    };
    let mut out = format!(
        "\n  --> {}:{}:{}\n   | {}\n   | {}^",
        origin,
        base_line + line_idx,
        shown_col,
        line_text,
        pad_to(&source[line_start..start])
    );
    let end = floor_char_boundary(source, span.end.min(source.len()));
    let width = source[start..end.max(start)]
        .lines()
        .next()
        .map(UnicodeWidthStr::width)
        .unwrap_or(0);
    if width > 1 {
        out.push_str(&"^".repeat(width - 1));
    }
    out
}

/// Blanks as wide on a terminal as `before`: tabs kept as tabs, wide
/// (CJK) characters as two columns, combining marks as none.
fn pad_to(before: &str) -> String {
    before
        .chars()
        .map(|c| match c {
            '\t' => "\t".to_string(),
            c => " ".repeat(UnicodeWidthChar::width(c).unwrap_or(0)),
        })
        .collect()
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_points_at_the_span() {
        let e = Error::compile(
            ErrorKind::SyntaxError,
            "UndefinedVariable",
            "variable `x` is not defined",
            Span::new(20, 21),
        );
        let text = e.render("<command>", "MATCH (n)\nRETURN n, x", 1, 1);
        assert_eq!(
            text,
            "error[SyntaxError]: variable `x` is not defined (UndefinedVariable)\n  --> <command>:2:11\n   | RETURN n, x\n   |           ^"
        );
    }

    #[test]
    fn the_caret_counts_terminal_columns_and_the_code_stays_on_the_header() {
        let text = "RETURN '中国製品' + x";
        let at = text.find('x').unwrap();
        let e = Error::compile(
            ErrorKind::SyntaxError,
            "UndefinedVariable",
            "variable `x` is not defined\ndefine it first",
            Span::new(at, at + 1),
        );
        let shown = e.render("<command>", text, 1, 1);
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(
            lines[0],
            "error[SyntaxError]: variable `x` is not defined (UndefinedVariable)"
        );
        assert_eq!(lines[1], "define it first");
        // 7 characters before the four CJK ones, which take 2 columns each.
        assert_eq!(lines[2], "  --> <command>:1:17");
        assert_eq!(lines[4], format!("   | {}^", " ".repeat(7 + 8 + 5)));
        let tabbed = Error::compile(ErrorKind::SyntaxError, "", "bad", Span::new(2, 3));
        assert!(tabbed.render("f", "\t\tx", 1, 1).ends_with("   | \t\t^"));
    }
}

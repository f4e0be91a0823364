//! Lexical scanning without the grammar: statement splitting, the REPL's
//! "is this statement finished?" test, and the nesting bound.

use super::{Result, SyntaxError};
use crate::query::ast::Span;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Code,
    Quote(char),
    Backtick,
    LineComment,
    BlockComment,
}

/// One scanned character with the state it was read in.
struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    state: State,
    /// Where the current string, name or comment started.
    token_start: usize,
}

/// What a character was, seen from the code.
#[derive(PartialEq, Eq)]
enum Kind {
    /// Part of code (not string/comment/name): the char itself.
    Code(char),
    /// Inside (or delimiting) a string, backtick name or comment.
    Other,
    /// Inside a comment (or its delimiters).
    Comment,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner {
            text,
            pos: 0,
            state: State::Code,
            token_start: 0,
        }
    }
}

impl Iterator for Scanner<'_> {
    type Item = (usize, Kind);

    fn next(&mut self) -> Option<(usize, Kind)> {
        let at = self.pos;
        let rest = &self.text[at..];
        let c = rest.chars().next()?;
        self.pos += c.len_utf8();
        if self.state == State::Code {
            self.token_start = at;
        }
        let kind = match self.state {
            State::Code => match c {
                '\'' | '"' => {
                    self.state = State::Quote(c);
                    Kind::Other
                }
                '`' => {
                    self.state = State::Backtick;
                    Kind::Other
                }
                '/' if rest.starts_with("//") => {
                    self.pos += 1;
                    self.state = State::LineComment;
                    Kind::Comment
                }
                '/' if rest.starts_with("/*") => {
                    self.pos += 1;
                    self.state = State::BlockComment;
                    Kind::Comment
                }
                _ => Kind::Code(c),
            },
            State::Quote(q) => {
                if c == '\\' {
                    if let Some(n) = self.text[self.pos..].chars().next() {
                        self.pos += n.len_utf8();
                    }
                } else if c == q {
                    self.state = State::Code;
                }
                Kind::Other
            }
            State::Backtick => {
                if c == '`' {
                    if self.text[self.pos..].starts_with('`') {
                        self.pos += 1;
                    } else {
                        self.state = State::Code;
                    }
                }
                Kind::Other
            }
            State::LineComment => {
                if c == '\n' {
                    self.state = State::Code;
                }
                Kind::Comment
            }
            State::BlockComment => {
                if c == '*' && self.text[self.pos..].starts_with('/') {
                    self.pos += 1;
                    self.state = State::Code;
                }
                Kind::Comment
            }
        };
        Some((at, kind))
    }
}

/// Splits a script into statements at `;` outside strings, backtick names
/// and comments. Returns (byte offset of the piece in `script`, piece text
/// without the `;`), skipping pieces that are only whitespace/comments.
pub fn split_statements(script: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut blank = true;
    let mut scanner = Scanner::new(script);
    for (at, kind) in scanner.by_ref() {
        match kind {
            Kind::Code(';') => {
                if !blank {
                    out.push((start, &script[start..at]));
                }
                start = at + 1;
                blank = true;
            }
            Kind::Code(c) if c.is_whitespace() => {}
            Kind::Comment => {}
            _ => blank = false,
        }
    }
    // A comment left open swallowed the rest: that piece is an error to
    // report, not blank.
    if !blank || scanner.state == State::BlockComment {
        out.push((start, &script[start..]));
    }
    out
}

/// True when `text` ends inside an unfinished statement (open string,
/// comment or bracket, or no terminating `;` after non-blank content).
pub fn is_incomplete(text: &str) -> bool {
    let mut depth: i64 = 0;
    let mut pending = false;
    let mut scanner = Scanner::new(text);
    for (_, kind) in scanner.by_ref() {
        match kind {
            Kind::Code(';') if depth <= 0 => {
                pending = false;
                depth = 0;
            }
            Kind::Code('(' | '[' | '{') => {
                depth += 1;
                pending = true;
            }
            Kind::Code(')' | ']' | '}') => {
                depth -= 1;
                pending = true;
            }
            Kind::Code(c) if c.is_whitespace() => {}
            Kind::Comment => {}
            _ => pending = true,
        }
    }
    let open_token = matches!(
        scanner.state,
        State::Quote(_) | State::Backtick | State::BlockComment
    );
    open_token || depth > 0 || pending
}

/// The start and kind of a string, backtick name or block comment that
/// `text` leaves open.
pub(super) fn open_token(text: &str) -> Option<(usize, &'static str)> {
    let mut scanner = Scanner::new(text);
    scanner.by_ref().for_each(drop);
    let what = match scanner.state {
        State::Quote(_) => "unterminated string literal",
        State::Backtick => "unterminated `quoted name`",
        State::BlockComment => "unterminated /* comment",
        State::Code | State::LineComment => return None,
    };
    Some((scanner.token_start, what))
}

/// Length of `text` up to the end of its last token that is neither
/// whitespace nor a comment.
pub(super) fn content_len(text: &str) -> usize {
    let mut end = 0;
    for (at, kind) in Scanner::new(text) {
        match kind {
            Kind::Code(c) if c.is_whitespace() => {}
            Kind::Comment => {}
            Kind::Code(c) => end = at + c.len_utf8(),
            Kind::Other => end = at + text[at..].chars().next().map_or(1, char::len_utf8),
        }
    }
    end
}

/// Fails when brackets nest deeper than `max` (outside strings/comments).
pub(super) fn check_nesting(text: &str, max: usize) -> Result<()> {
    let mut stack: Vec<usize> = Vec::new();
    for (at, kind) in Scanner::new(text) {
        match kind {
            Kind::Code('(' | '[' | '{') => {
                stack.push(at);
                if stack.len() > max {
                    return Err(SyntaxError {
                        message: format!("brackets are nested more than {max} levels deep"),
                        code: "UnexpectedSyntax",
                        span: Span::new(at, at + 1),
                    });
                }
            }
            Kind::Code(')' | ']' | '}') => {
                stack.pop();
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_semicolons_outside_strings_and_comments() {
        let script =
            "MATCH (n) RETURN ';';\n// a; comment\nRETURN `a;b` /* ; */ ;  \n ; RETURN \"x\\\";\"";
        let parts = split_statements(script);
        let texts: Vec<&str> = parts.iter().map(|p| p.1.trim()).collect();
        assert_eq!(
            texts,
            vec![
                "MATCH (n) RETURN ';'",
                "// a; comment\nRETURN `a;b` /* ; */",
                "RETURN \"x\\\";\""
            ]
        );
        for (off, piece) in parts {
            assert_eq!(&script[off..off + piece.len()], piece);
        }
    }

    #[test]
    fn skips_blank_and_comment_only_pieces() {
        assert!(split_statements("  ;; // only\n /* x */ ;").is_empty());
        assert_eq!(split_statements("RETURN 1"), vec![(0, "RETURN 1")]);
    }

    #[test]
    fn incomplete_statements() {
        assert!(is_incomplete("MATCH (n)"));
        assert!(is_incomplete("MATCH (n) RETURN n;\nMATCH (m"));
        assert!(is_incomplete("RETURN 'abc;"));
        assert!(is_incomplete("RETURN 1 /* open;"));
        assert!(is_incomplete("RETURN [1, 2;"));
        assert!(is_incomplete("RETURN `a;"));
        assert!(!is_incomplete("RETURN 1;"));
        assert!(!is_incomplete("RETURN 1; // trailing comment"));
        assert!(!is_incomplete(""));
        assert!(!is_incomplete("   \n "));
        assert!(!is_incomplete("RETURN ';' ;"));
    }

    #[test]
    fn nesting_bound() {
        assert!(check_nesting(&"(".repeat(10), 64).is_ok());
        let err = check_nesting(&"(".repeat(100), 64).unwrap_err();
        assert_eq!(err.span, Span::new(64, 65));
        assert!(check_nesting(&format!("'{}'", "(".repeat(100)), 64).is_ok());
    }
}

//! Highlighting of the line being typed (keywords, strings, numbers,
//! comments, parameters, actors; the bracket matching the one at the cursor)
//! and the hint that closes the brackets left open.

use super::helper::{is_ident, SgHelper};
use crate::query::parse::KEYWORDS;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::Context;
use std::borrow::Cow;

impl Hinter for SgHelper {
    type Hint = String;

    /// At the end of the line, the brackets that close what is open, dimmed.
    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<String> {
        if pos < line.len() || line.trim_start().starts_with('.') {
            return None;
        }
        let mut stack = Vec::new();
        let mut open_string = false;
        for (_, c, kind) in tokens(line) {
            open_string = kind == Kind::OpenString;
            if kind == Kind::Plain {
                match c {
                    '(' => stack.push(')'),
                    '[' => stack.push(']'),
                    '{' => stack.push('}'),
                    ')' | ']' | '}' => {
                        if stack.last() == Some(&c) {
                            stack.pop();
                        } else {
                            return None;
                        }
                    }
                    _ => {}
                }
            }
        }
        if stack.is_empty() || open_string {
            return None;
        }
        Some(stack.iter().rev().collect())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Plain,
    String,
    /// A string not closed on this line.
    OpenString,
    Comment,
    Number,
    Keyword,
    Param,
    Actor,
}

/// Each character of `line` with its byte offset and token kind.
pub(super) fn tokens(line: &str) -> Vec<(usize, char, Kind)> {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut kinds = vec![Kind::Plain; chars.len()];
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        let next = chars.get(i + 1).map(|x| x.1);
        let start = i;
        let kind;
        if c == '/' && next == Some('/') {
            i = chars.len();
            kind = Kind::Comment;
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i].1 == '/' && i > start + 2 && chars[i - 1].1 == '*')
            {
                i += 1;
            }
            i = (i + 1).min(chars.len());
            kind = Kind::Comment;
        } else if c == '\'' || c == '"' {
            i += 1;
            let mut closed = false;
            while i < chars.len() {
                if chars[i].1 == '\\' {
                    i += 2;
                    continue;
                }
                if chars[i].1 == c {
                    closed = true;
                    i += 1;
                    break;
                }
                i += 1;
            }
            i = i.min(chars.len());
            kind = if closed {
                Kind::String
            } else {
                Kind::OpenString
            };
        } else if c == '`' {
            i += 1;
            while i < chars.len() && chars[i].1 != '`' {
                i += 1;
            }
            i = (i + 1).min(chars.len());
            // Backtick names are never brackets or keywords.
            for k in &mut kinds[start..i] {
                *k = Kind::String;
            }
            continue;
        } else if c.is_ascii_digit() && (start == 0 || !is_ident(chars[start - 1].1)) {
            while i < chars.len()
                && (chars[i].1.is_ascii_alphanumeric()
                    || (chars[i].1 == '.'
                        && chars.get(i + 1).is_some_and(|x| x.1.is_ascii_digit())))
            {
                i += 1;
            }
            kind = Kind::Number;
        } else if c == '$' || c == '@' {
            i += 1;
            while i < chars.len() && is_ident(chars[i].1) {
                i += 1;
            }
            kind = if c == '$' { Kind::Param } else { Kind::Actor };
        } else if c.is_alphabetic() || c == '_' {
            while i < chars.len() && is_ident(chars[i].1) {
                i += 1;
            }
            let word: String = chars[start..i].iter().map(|x| x.1).collect();
            let after_dot = start > 0 && chars[start - 1].1 == '.';
            kind = if !after_dot && KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(&word)) {
                Kind::Keyword
            } else {
                Kind::Plain
            };
        } else {
            i += 1;
            kind = Kind::Plain;
        }
        for k in &mut kinds[start..i] {
            *k = kind;
        }
    }
    chars
        .into_iter()
        .zip(kinds)
        .map(|((at, c), k)| (at, c, k))
        .collect()
}

/// The byte offset of the bracket that matches the one at `at`.
pub(super) fn matching_bracket(toks: &[(usize, char, Kind)], at: usize) -> Option<usize> {
    let idx = toks.iter().position(|t| t.0 == at)?;
    let (_, c, kind) = toks[idx];
    if kind != Kind::Plain {
        return None;
    }
    let (open, close, forward) = match c {
        '(' => ('(', ')', true),
        '[' => ('[', ']', true),
        '{' => ('{', '}', true),
        ')' => ('(', ')', false),
        ']' => ('[', ']', false),
        '}' => ('{', '}', false),
        _ => return None,
    };
    let mut depth = 0i32;
    let range: Box<dyn Iterator<Item = &(usize, char, Kind)>> = if forward {
        Box::new(toks[idx..].iter())
    } else {
        Box::new(toks[..=idx].iter().rev())
    };
    for &(pos, ch, k) in range {
        if k != Kind::Plain {
            continue;
        }
        if ch == open {
            depth += if forward { 1 } else { -1 };
        } else if ch == close {
            depth += if forward { -1 } else { 1 };
        }
        if depth == 0 {
            return Some(pos);
        }
    }
    None
}

/// `line` with ANSI colours: keywords bold blue, strings green, numbers
/// yellow, comments grey, parameters magenta, actors cyan, and the bracket
/// at `partner` reverse-video.
pub fn colorize(line: &str, partner: Option<usize>, command_line: bool) -> String {
    let mut out = String::with_capacity(line.len() * 2);
    if command_line {
        let trimmed = line.trim_start();
        let end = (line.len() - trimmed.len())
            + trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        out.push_str("\x1b[1m");
        out.push_str(&line[..end]);
        out.push_str("\x1b[0m");
        out.push_str(&line[end..]);
        return out;
    }
    let mut current: Option<&str> = None;
    for (at, c, kind) in tokens(line) {
        let style = if Some(at) == partner {
            Some("\x1b[1;7m")
        } else {
            match kind {
                Kind::Plain => None,
                Kind::Keyword => Some("\x1b[1;34m"),
                Kind::String | Kind::OpenString => Some("\x1b[32m"),
                Kind::Number => Some("\x1b[33m"),
                Kind::Comment => Some("\x1b[90m"),
                Kind::Param => Some("\x1b[35m"),
                Kind::Actor => Some("\x1b[36m"),
            }
        };
        if style != current {
            if current.is_some() {
                out.push_str("\x1b[0m");
            }
            if let Some(s) = style {
                out.push_str(s);
            }
            current = style;
        }
        out.push(c);
    }
    if current.is_some() {
        out.push_str("\x1b[0m");
    }
    out
}

impl Highlighter for SgHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if !self.color || line.is_empty() {
            return Cow::Borrowed(line);
        }
        let command_line = !self.continuing.get() && line.trim_start().starts_with('.');
        let partner = self
            .bracket
            .get()
            .and_then(|b| matching_bracket(&tokens(line), b));
        Cow::Owned(colorize(line, partner, command_line))
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.color {
            Cow::Owned(format!("\x1b[2m{hint}\x1b[0m"))
        } else {
            Cow::Borrowed(hint)
        }
    }

    fn highlight_char(&self, line: &str, pos: usize, kind: CmdKind) -> bool {
        if !self.color {
            return false;
        }
        if kind == CmdKind::ForcedRefresh {
            self.bracket.set(None);
            return true;
        }
        // The bracket under the cursor, or just before it.
        let at = [pos, pos.wrapping_sub(1)].into_iter().find(|&p| {
            line.get(p..)
                .and_then(|s| s.chars().next())
                .is_some_and(|c| "()[]{}".contains(c))
        });
        self.bracket.set(at);
        true
    }
}

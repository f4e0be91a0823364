//! Literals and names: numbers, strings, parameters, actors, identifiers.

use pest::iterators::Pair;

use super::{integer_overflow, internal, missing, span_of, syntax, Lower, Result, Rule};
use crate::query::ast::{ExprKind, Ident, Span};

impl Lower<'_> {
    /// `integer`, `hex_integer` or `octal_integer`. `9223372036854775808`
    /// (2^63) is accepted provisionally as `i64::MIN`: only a unary minus
    /// directly in front makes it valid (see `expr.rs`).
    pub(super) fn integer(&self, pair: &Pair<'_, Rule>) -> Result<ExprKind> {
        let span = span_of(pair);
        let text = pair.as_str();
        let (digits, radix) = match pair.as_rule() {
            Rule::hex_integer => (&text[2..], 16),
            Rule::octal_integer => (&text[2..], 8),
            _ => (text, 10),
        };
        let value = u128::from_str_radix(digits, radix).map_err(|_| integer_overflow(span))?;
        if value <= i64::MAX as u128 {
            Ok(ExprKind::Int(value as i64))
        } else if value == 1u128 << 63 {
            self.pending_min_int.borrow_mut().push(span);
            Ok(ExprKind::Int(i64::MIN))
        } else {
            Err(integer_overflow(span))
        }
    }

    /// Resolves a provisional `i64::MIN` literal at `span` (it was negated).
    pub(super) fn take_pending_min(&self, span: Span) -> bool {
        let mut pending = self.pending_min_int.borrow_mut();
        match pending.iter().position(|s| *s == span) {
            Some(i) => {
                pending.remove(i);
                true
            }
            None => false,
        }
    }
}

pub(super) fn float(pair: &Pair<'_, Rule>) -> Result<ExprKind> {
    let span = span_of(pair);
    match pair.as_str().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(ExprKind::Float(v)),
        Ok(_) => Err(syntax(
            format!("floating point literal '{}' is too large", pair.as_str()),
            "FloatingPointOverflow",
            span,
        )),
        Err(_) => Err(bad_number(pair)),
    }
}

pub(super) fn bad_number(pair: &Pair<'_, Rule>) -> super::SyntaxError {
    syntax(
        format!("invalid number literal '{}'", pair.as_str()),
        "InvalidNumberLiteral",
        span_of(pair),
    )
}

/// `string_literal`: removes quotes and resolves escapes.
pub(super) fn string(pair: Pair<'_, Rule>) -> Result<String> {
    let span = span_of(&pair);
    let inner = pair
        .into_inner()
        .next()
        .ok_or_else(|| missing(span, "string body"))?;
    unescape(inner.as_str(), span_of(&inner).start)
}

/// Resolves `\\ \' \" \n \t \r \b \f \uXXXX \UXXXXXXXX` in a string body
/// starting at byte `offset` of the statement.
pub(super) fn unescape(raw: &str, offset: usize) -> Result<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else {
            out.push('\\');
            break;
        };
        match e {
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'n' | 'N' => out.push('\n'),
            't' | 'T' => out.push('\t'),
            'r' | 'R' => out.push('\r'),
            'b' | 'B' => out.push('\u{8}'),
            'f' | 'F' => out.push('\u{c}'),
            'u' | 'U' => {
                let len = if e == 'u' { 4 } else { 8 };
                let hex: String = raw[i + 2..].chars().take(len).collect();
                let bad = || {
                    syntax(
                        format!("invalid unicode escape '\\{e}{hex}', expected {len} hex digits"),
                        "InvalidUnicodeLiteral",
                        Span::new(offset + i, offset + i + 2 + hex.len()),
                    )
                };
                if hex.len() != len || !hex.chars().all(|h| h.is_ascii_hexdigit()) {
                    return Err(bad());
                }
                let code = u32::from_str_radix(&hex, 16).map_err(|_| bad())?;
                out.push(char::from_u32(code).ok_or_else(bad)?);
                for _ in 0..len {
                    chars.next();
                }
            }
            other => {
                // Unknown escapes are kept as written.
                out.push('\\');
                out.push(other);
            }
        }
    }
    Ok(out)
}

/// `parameter`: `$name`, `` $`odd name` `` or `$0`.
pub(super) fn parameter(pair: Pair<'_, Rule>) -> Result<String> {
    let span = span_of(&pair);
    let name = pair
        .into_inner()
        .next()
        .ok_or_else(|| missing(span, "parameter name"))?;
    Ok(unquote_name(name.as_str()))
}

/// `actor`: `@name` or `@'quoted name'`; returns the bare name.
pub(super) fn actor(pair: Pair<'_, Rule>) -> Result<String> {
    let span = span_of(&pair);
    let inner = pair
        .into_inner()
        .next()
        .ok_or_else(|| missing(span, "actor name"))?;
    match inner.as_rule() {
        Rule::actor_name => Ok(inner.as_str().to_string()),
        Rule::string_literal => string(inner),
        _ => Err(internal(&inner)),
    }
}

/// `variable`, `schema_name`, `plain_name` or `escaped_name` as an [`Ident`].
pub(super) fn ident(pair: &Pair<'_, Rule>) -> Ident {
    Ident {
        name: unquote_name(pair.as_str()),
        span: span_of(pair),
        sym: crate::query::bind::symbols::Sym::NONE,
    }
}

/// Removes backticks (`` `a``b` `` -> ``a`b``); plain names are unchanged.
pub(super) fn unquote_name(text: &str) -> String {
    let text = text.trim();
    if text.len() >= 2 && text.starts_with('`') && text.ends_with('`') {
        text[1..text.len() - 1].replace("``", "`")
    } else {
        text.to_string()
    }
}

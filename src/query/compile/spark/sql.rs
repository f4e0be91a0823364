//! Spark SQL spelling: identifiers, literals, parameter values.

use super::{unsupported, Ty};
use crate::error::Error;
use crate::query::ast::Span;
use crate::value::Value;

/// A backtick-quoted identifier (Cypher names may hold any character).
pub fn ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A string literal: Spark reads backslash escapes inside quotes.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// An integer literal: BIGINT, as Cypher integers are 64-bit.
pub fn int(i: i64) -> String {
    if i == i64::MIN {
        "CAST(-9223372036854775808 AS BIGINT)".into()
    } else {
        format!("{i}L")
    }
}

pub fn float(f: f64) -> String {
    if f.is_nan() {
        "double('NaN')".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "double('Infinity')".into()
        } else {
            "double('-Infinity')".into()
        }
    } else {
        format!("{f:?}D")
    }
}

/// A parameter's value inlined as a literal, with its type.
pub fn value(v: &Value, span: Span) -> Result<(String, Ty), Error> {
    Ok(match v {
        Value::Null => ("NULL".into(), Ty::Null),
        Value::Bool(b) => (if *b { "TRUE" } else { "FALSE" }.into(), Ty::Bool),
        Value::Int(i) => (int(*i), Ty::Int),
        Value::Float(f) => (float(*f), Ty::Float),
        Value::String(s) => (string(s), Ty::Str),
        Value::List(items) => {
            let mut parts = Vec::new();
            for i in items {
                parts.push(value(i, span)?.0);
            }
            (format!("array({})", parts.join(", ")), Ty::List)
        }
        other => {
            return Err(unsupported(
                &format!("a parameter of type {}", other.type_name()),
                span,
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(ident("a`b"), "`a``b`");
        assert_eq!(string("it's \\ ok"), "'it\\'s \\\\ ok'");
        assert_eq!(int(5), "5L");
        assert_eq!(float(0.5), "0.5D");
        assert_eq!(float(1.0), "1.0D");
    }
}

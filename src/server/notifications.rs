//! A statement's warnings as Bolt `notifications` (protocol 5.0–5.4):
//! what drivers show as `summary.notifications`, as Neo4j sends them.

use crate::result::Warning;
use boltr::types::{BoltDict, BoltValue};

/// The `notifications` list for the SUCCESS summary of `query`.
pub fn to_bolt(warnings: &[Warning], query: &str) -> BoltValue {
    BoltValue::List(warnings.iter().map(|w| one(w, query)).collect())
}

fn one(w: &Warning, query: &str) -> BoltValue {
    let mut d = BoltDict::new();
    let s = |t: &str| BoltValue::String(t.to_string());
    d.insert(
        "code".into(),
        s(&format!("Neo.ClientNotification.Statement.{}", w.code)),
    );
    d.insert("title".into(), s(&w.message));
    d.insert("description".into(), s(&w.message));
    d.insert("severity".into(), s("WARNING"));
    let category = if w.code.starts_with("Unknown") {
        "UNRECOGNIZED"
    } else {
        "GENERIC"
    };
    d.insert("category".into(), s(category));
    if let Some(span) = w.span {
        let start = span.start.min(query.len());
        let before = query.get(..start).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        let mut pos = BoltDict::new();
        pos.insert("offset".into(), BoltValue::Integer(start as i64));
        pos.insert("line".into(), BoltValue::Integer(line as i64));
        pos.insert("column".into(), BoltValue::Integer(column as i64));
        d.insert("position".into(), BoltValue::Dict(pos));
    }
    BoltValue::Dict(d)
}

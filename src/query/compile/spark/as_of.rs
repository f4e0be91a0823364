//! `AS OF t`: a link is kept unless its `since` is after t or its `until`
//! before t where the precisions decide it, as the engine's `AsOf` does.
//! Years are compared as years; a date column is the interval the export
//! wrote (`since_from`..`since_to`), after t when it starts after t ends.

use super::schema::ColType;
use super::{unsupported, Cx};
use crate::error::Error;
use crate::io::format::graph::parquet::date_interval;
use crate::query::ast::{Expr, ExprKind};
use crate::value::{Date, Value};

pub struct AsOf {
    at: Date,
}

fn day(days: i32) -> String {
    format!("date_add(DATE'1970-01-01', {days})")
}

impl AsOf {
    pub fn new(cx: &Cx, e: &Expr) -> Result<AsOf, Error> {
        let v = match &e.kind {
            ExprKind::Int(i) => Value::Int(*i),
            ExprKind::String(s) => Value::String(s.clone()),
            ExprKind::Parameter(p, _) => cx.params.get(p).cloned().unwrap_or_default(),
            _ => Value::Null,
        };
        let at = match v {
            Value::Int(y) => i32::try_from(y).ok().map(Date::year_only),
            Value::String(s) => Date::parse(&s),
            Value::Date(d) => Some(d),
            _ => None,
        };
        match (at, cx.schema) {
            (Some(at), Some(_)) => Ok(AsOf { at }),
            (None, _) => Err(unsupported(
                "AS OF other than a year or date constant",
                e.span,
            )),
            (_, None) => Err(unsupported("AS OF without --schema", e.span)),
        }
    }

    /// The conditions on link `e` (a table alias).
    pub fn conditions(
        &self,
        cx: &Cx,
        e: &str,
        span: crate::query::ast::Span,
    ) -> Result<Vec<String>, Error> {
        let Some(schema) = cx.schema else {
            return Err(unsupported("AS OF without --schema", span));
        };
        let (from, to) = date_interval(&self.at);
        let mut out = Vec::new();
        for (key, after) in [("since", true), ("until", false)] {
            match schema.links.get(key) {
                Some(ColType::Int) => {
                    let op = if after { ">" } else { "<" };
                    out.push(format!(
                        "NOT coalesce({e}.`{key}` {op} {}L, FALSE)",
                        self.at.year
                    ));
                }
                Some(_) => {
                    return Err(unsupported(
                        &format!("AS OF over a '{key}' column of this type"),
                        span,
                    ))
                }
                None if schema.links.contains_key(&format!("{key}_from")) => {
                    out.push(if after {
                        format!("NOT coalesce({e}.`{key}_from` > {}, FALSE)", day(to))
                    } else {
                        format!("NOT coalesce({e}.`{key}_to` < {}, FALSE)", day(from))
                    });
                }
                None => {}
            }
        }
        Ok(out)
    }
}

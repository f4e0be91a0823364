//! CSV output through the `csv` crate: a header row, then one record per row.
//!
//! Strings are written raw (quoted by the CSV rules when needed), null is an
//! empty field, integers plain, floats exact per `value::format_float`
//! (`1.0`, `0.32000000000000006`, `NaN`), dates `2022-03`, estimates
//! `0.6..0.7` (the notation `import` reads), booleans `true`/`false`; lists,
//! maps, nodes, relationships and paths as JSON text, which any CSV consumer
//! can parse further (a list of names may hold commas and `;`).

use super::json::value_to_json;
use crate::result::{Entities, QueryResult};
use crate::value::{format_float, Value};
use std::io::{self, Write};

fn cell(v: &Value, entities: &Entities) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format_float(*f),
        Value::Date(d) => d.to_string(),
        Value::Temporal(t) => t.to_string(),
        Value::Estimate(e) => format!("{}..{}", format_float(e.lo), format_float(e.hi)),
        Value::List(_) | Value::Map(_) | Value::Node(_) | Value::Rel(_) | Value::Path(_) => {
            value_to_json(v, entities)
        }
    }
}

fn to_io(e: ::csv::Error) -> io::Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

pub(super) fn write_csv(out: &mut dyn Write, r: &QueryResult) -> io::Result<()> {
    if r.columns.is_empty() {
        return Ok(());
    }
    let mut w = ::csv::WriterBuilder::new().flexible(false).from_writer(out);
    w.write_record(&r.columns).map_err(to_io)?;
    for row in &r.rows {
        let record =
            (0..r.columns.len()).map(|i| cell(row.get(i).unwrap_or(&Value::Null), &r.entities));
        w.write_record(record).map_err(to_io)?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::super::testdata::{sample, small};
    use super::*;

    fn run(r: &QueryResult) -> String {
        let mut buf = Vec::new();
        write_csv(&mut buf, r).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn every_kind_of_value() {
        let text = run(&sample());
        let mut rd = ::csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(header, sample().columns);
        let rows: Vec<::csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 2);
        let a = &rows[0];
        assert_eq!(&a[0], "Belarus");
        assert_eq!(&a[1], "42");
        assert_eq!(&a[2], "1.0");
        assert_eq!(&a[3], "a, \"quoted\"\nline | pipe");
        assert_eq!(&a[4], "[1, 2]");
        assert_eq!(&a[5], "{\"a\": 1, \"b\": \"x\"}");
        assert_eq!(
            &a[6],
            r#"{"id": 1, "labels": ["Country"], "properties": {"id": "belarus", "name": "Belarus"}}"#
        );
        assert!(a[7].starts_with(r#"{"id": 10, "type": "SUPPLIES""#));
        let p: serde_json::Value = serde_json::from_str(&a[8]).unwrap();
        assert_eq!(p["nodes"][2]["properties"]["name"], "China");
        assert_eq!(&a[9], "2022-03");
        assert_eq!(&a[10], "0.6..0.7");
        assert_eq!(&a[11], r#"{"id": 99, "labels": [], "properties": {}}"#);
        let b = &rows[1];
        assert_eq!(&b[0], "Беларусь 中国");
        assert_eq!(&b[2], "0.5");
        assert_eq!(&b[3], "");
        assert_eq!(&b[4], "[\"it's\", NaN]");
        assert_eq!(&b[6], "Infinity");
        assert_eq!(&b[7], "-Infinity");
        assert_eq!(&b[8], "true");
        assert_eq!(&b[9], "2021");
        assert_eq!(&b[10], "");
        // The raw text quotes only what needs it.
        assert!(text.starts_with("name,n,f,note,"));
        assert!(text.contains(",\"a, \"\"quoted\"\"\nline | pipe\","));
    }

    #[test]
    fn header_only_and_updates() {
        assert_eq!(run(&small(vec![])), "name,n\n");
        assert_eq!(run(&QueryResult::default()), "");
    }
}

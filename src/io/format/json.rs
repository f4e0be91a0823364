//! JSON and JSON Lines output, written by hand so that row objects keep the
//! column order and floats keep their decimal point.

use crate::result::{Entities, NodeData, QueryResult, RelData};
use crate::value::{format_float, NodeId, RelId, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

/// JSON text of a value (see the module documentation of `format` for the shapes).
pub fn value_to_json(v: &Value, entities: &Entities) -> String {
    let mut out = String::new();
    write_json(&mut out, v, entities);
    out
}

fn json_string(out: &mut String, s: &str) {
    match serde_json::to_string(s) {
        Ok(q) => out.push_str(&q),
        // Serialising a &str cannot fail; keep a valid token anyway.
        Err(_) => out.push_str("\"\""),
    }
}

fn write_json(out: &mut String, v: &Value, entities: &Entities) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&format_float(*f)),
        Value::String(s) => json_string(out, s),
        Value::Date(d) => json_string(out, &d.to_string()),
        Value::Temporal(t) => json_string(out, &t.to_string()),
        Value::Estimate(e) => {
            let _ = write!(
                out,
                "{{\"lo\": {}, \"hi\": {}}}",
                format_float(e.lo),
                format_float(e.hi)
            );
        }
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_json(out, item, entities);
            }
            out.push(']');
        }
        Value::Map(map) => write_map(out, map, entities),
        Value::Node(id) => write_node(out, *id, entities),
        Value::Rel(id) => write_rel(out, *id, entities),
        Value::Path(p) => {
            out.push_str("{\"nodes\": [");
            for (i, id) in p.nodes.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_node(out, *id, entities);
            }
            out.push_str("], \"relationships\": [");
            for (i, id) in p.rels.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_rel(out, *id, entities);
            }
            out.push_str("]}");
        }
    }
}

fn write_map(out: &mut String, map: &BTreeMap<String, Value>, entities: &Entities) {
    out.push('{');
    for (i, (k, v)) in map.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        json_string(out, k);
        out.push_str(": ");
        write_json(out, v, entities);
    }
    out.push('}');
}

/// `{"id": n, "labels": [...], "properties": {...}}`; an unknown node keeps
/// that shape with no labels and no properties.
fn write_node(out: &mut String, id: NodeId, entities: &Entities) {
    let empty = BTreeMap::new();
    let (labels, props): (&[String], _) = match entities.nodes.get(&id) {
        Some(NodeData {
            labels, properties, ..
        }) => (labels, properties),
        None => (&[], &empty),
    };
    let _ = write!(out, "{{\"id\": {id}, \"labels\": [");
    for (i, l) in labels.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        json_string(out, l);
    }
    out.push_str("], \"properties\": ");
    write_map(out, props, entities);
    out.push('}');
}

/// `{"id": n, "type": "...", "start": n, "end": n, "properties": {...}}`; an
/// unknown relationship has null type, start and end.
fn write_rel(out: &mut String, id: RelId, entities: &Entities) {
    let _ = write!(out, "{{\"id\": {id}, \"type\": ");
    match entities.rels.get(&id) {
        Some(RelData {
            rel_type,
            start,
            end,
            properties,
            ..
        }) => {
            json_string(out, rel_type);
            let _ = write!(
                out,
                ", \"start\": {start}, \"end\": {end}, \"properties\": "
            );
            write_map(out, properties, entities);
        }
        None => out.push_str("null, \"start\": null, \"end\": null, \"properties\": {}"),
    }
    out.push('}');
}

/// One row as an object whose keys follow the column order.
fn row_object(columns: &[String], row: &[Value], entities: &Entities) -> String {
    let mut out = String::from("{");
    for (i, col) in columns.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        json_string(&mut out, col);
        out.push_str(": ");
        // A short row (should not happen) pads with null rather than panicking.
        write_json(&mut out, row.get(i).unwrap_or(&Value::Null), entities);
    }
    out.push('}');
    out
}

/// The rows as a JSON array, one row object per line.
fn rows_array(r: &QueryResult) -> String {
    if r.rows.is_empty() {
        return "[]".into();
    }
    let mut out = String::from("[\n");
    for (i, row) in r.rows.iter().enumerate() {
        out.push_str("  ");
        out.push_str(&row_object(&r.columns, row, &r.entities));
        out.push_str(if i + 1 < r.rows.len() { ",\n" } else { "\n" });
    }
    out.push(']');
    out
}

/// One array of row objects; nothing for a statement without columns.
pub(super) fn write_json_result(out: &mut dyn Write, r: &QueryResult) -> io::Result<()> {
    if r.columns.is_empty() {
        return Ok(());
    }
    writeln!(out, "{}", rows_array(r))
}

pub(super) fn write_jsonl_result(out: &mut dyn Write, r: &QueryResult) -> io::Result<()> {
    for row in &r.rows {
        writeln!(out, "{}", row_object(&r.columns, row, &r.entities))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testdata::{created, entities, path_value, sample, small};
    use super::*;
    use crate::value::{Date, Estimate};

    fn j(v: &Value) -> String {
        value_to_json(v, &entities())
    }

    fn run(r: &QueryResult, jsonl: bool) -> String {
        let mut buf = Vec::new();
        if jsonl {
            write_jsonl_result(&mut buf, r).unwrap();
        } else {
            write_json_result(&mut buf, r).unwrap();
        }
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn scalars() {
        assert_eq!(j(&Value::Int(3)), "3");
        assert_eq!(j(&Value::Float(1.0)), "1.0");
        assert_eq!(j(&Value::Float(0.5)), "0.5");
        assert_eq!(j(&Value::Float(f64::NAN)), "NaN");
        assert_eq!(j(&Value::Float(f64::INFINITY)), "Infinity");
        assert_eq!(j(&Value::Float(f64::NEG_INFINITY)), "-Infinity");
        assert_eq!(j(&Value::String("a\"b\n€".into())), "\"a\\\"b\\n€\"");
        assert_eq!(
            j(&Value::Date(Date::parse("2022-03").unwrap())),
            "\"2022-03\""
        );
        let e = Value::Estimate(Estimate { lo: 0.6, hi: 1.0 });
        assert_eq!(j(&e), "{\"lo\": 0.6, \"hi\": 1.0}");
        let dt = crate::value::temporal::build::from_string(
            crate::value::temporal::build::Kind::DateTime,
            "2022-02-24T05:00[Europe/Moscow]",
        )
        .unwrap();
        assert_eq!(j(&dt), "\"2022-02-24T05:00+03:00[Europe/Moscow]\"");
        assert_eq!(j(&Value::Null), "null");
    }

    #[test]
    fn entities_and_paths() {
        assert_eq!(
            j(&Value::Node(1)),
            r#"{"id": 1, "labels": ["Country"], "properties": {"id": "belarus", "name": "Belarus"}}"#
        );
        assert_eq!(
            j(&Value::Rel(10)),
            r#"{"id": 10, "type": "SUPPLIES", "start": 1, "end": 2, "properties": {"category": "ammunition"}}"#
        );
        assert_eq!(
            j(&Value::Node(99)),
            r#"{"id": 99, "labels": [], "properties": {}}"#
        );
        assert_eq!(
            j(&Value::Rel(99)),
            r#"{"id": 99, "type": null, "start": null, "end": null, "properties": {}}"#
        );
        let p: serde_json::Value = serde_json::from_str(&j(&path_value())).unwrap();
        assert_eq!(p["nodes"].as_array().unwrap().len(), 3);
        assert_eq!(p["nodes"][2]["properties"]["name"], "China");
        assert_eq!(p["relationships"][1]["start"], 3);
        assert_eq!(p["relationships"][1]["end"], 2);
    }

    #[test]
    fn json_keeps_column_order_and_parses() {
        let mut r = sample();
        // Drop the row with NaN/Infinity so serde_json can parse the rest.
        r.rows.truncate(1);
        let text = run(&r, false);
        let first = text.lines().nth(1).unwrap();
        assert!(first
            .trim_start()
            .starts_with("{\"name\": \"Belarus\", \"n\": 42, \"f\": 1.0"));
        let positions: Vec<usize> = r
            .columns
            .iter()
            .map(|c| first.find(&format!("\"{c}\": ")).unwrap())
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{first}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v[0]["note"], "a, \"quoted\"\nline | pipe");
        assert_eq!(v[0]["share"]["hi"], 0.7);
        assert_eq!(v[0]["since"], "2022-03");
        assert_eq!(v[0]["tags"], serde_json::json!([1, 2]));
    }

    #[test]
    fn json_non_finite_tokens() {
        let text = run(&sample(), false);
        let second = text.lines().nth(2).unwrap();
        assert!(second.contains(r#""tags": ["it's", NaN]"#), "{second}");
        assert!(second.contains(r#""node": Infinity, "rel": -Infinity"#));
        assert!(second.contains(r#""name": "Беларусь 中国""#));
        assert!(second.contains(r#""note": null"#));
    }

    #[test]
    fn one_shape_whatever_the_statement() {
        let r = small(vec![]);
        assert_eq!(run(&r, false), "[]\n");
        assert_eq!(run(&r, true), "");
        // An updating statement with rows prints the same array; its
        // counters are not part of the output.
        let mut r = small(vec![vec![Value::String("x".into()), Value::Int(1)]]);
        r.stats = created();
        let text = run(&r, false);
        assert_eq!(text, "[\n  {\"name\": \"x\", \"n\": 1}\n]\n");
        let update = QueryResult {
            stats: created(),
            ..QueryResult::default()
        };
        assert_eq!(run(&update, false), "");
        assert_eq!(run(&QueryResult::default(), false), "");
    }

    #[test]
    fn jsonl_one_object_per_line() {
        let r = small(vec![
            vec![Value::String("a\nb".into()), Value::Int(1)],
            vec![Value::Null, Value::Float(2.0)],
        ]);
        assert_eq!(
            run(&r, true),
            "{\"name\": \"a\\nb\", \"n\": 1}\n{\"name\": null, \"n\": 2.0}\n"
        );
        // A short row pads with null.
        let r = small(vec![vec![Value::Int(1)]]);
        assert_eq!(run(&r, true), "{\"name\": 1, \"n\": null}\n");
    }
}

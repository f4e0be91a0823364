//! Cypher-notation text of values. [`render_value`] is exact and complete
//! (golden tests, `.params`); [`render_human`] is what tables and Markdown
//! show: floats to at most 15 significant digits (`0.32`, not
//! `0.32000000000000006`) and paths as nodes by name and links by type,
//! `(China)-[:COOPERATES_WITH]->(Belarus)`, unless [`Style::path_props`].

use crate::result::{Entities, NodeData, RelData};
use crate::value::{format_float, NodeId, Path, RelId, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// How values are shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    /// Links inside paths with their properties (`.paths full`).
    pub path_props: bool,
    /// Floats with every digit (`render_value`); else at most 15 significant.
    pub exact_floats: bool,
}

const EXACT: Style = Style {
    path_props: true,
    exact_floats: true,
};

/// Cypher-notation text of a value, exact and complete. A top-level string
/// is returned bare (its characters unchanged); strings nested in lists,
/// maps and entity properties are single-quoted with Cypher escapes
/// (`'it\'s'`).
pub fn render_value(v: &Value, entities: &Entities) -> String {
    render_human(v, entities, EXACT)
}

/// Cypher-notation text of a value in `style` (see the module documentation).
pub fn render_human(v: &Value, entities: &Entities, style: Style) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => {
            let mut out = String::new();
            write_value(&mut out, other, entities, style);
            out
        }
    }
}

/// A float to at most 15 significant digits, as a person reads it; the
/// digits past the 15th are the noise of binary fractions (`0.1 + 0.2`).
/// Magnitudes from 1e16 up or under 1e-6 take an exponent (`1.5e20`).
pub fn short_float(f: f64) -> String {
    if !f.is_finite() {
        return format_float(f);
    }
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    // Rounding up past f64::MAX would read back as infinity.
    let g = if rounded.is_finite() { rounded } else { f };
    // Very large and very small magnitudes read better with an exponent
    // than as hundreds of digits.
    if g != 0.0 && !(1e-6..1e16).contains(&g.abs()) {
        format!("{g:e}")
    } else {
        format_float(g)
    }
}

fn float_text(f: f64, style: Style) -> String {
    if style.exact_floats {
        format_float(f)
    } else {
        short_float(f)
    }
}

/// Appends the nested (quoted-string) Cypher form of `v` to `out`.
fn write_value(out: &mut String, v: &Value, entities: &Entities, style: Style) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&float_text(*f, style)),
        Value::String(s) => quote_string(out, s),
        Value::Date(d) => {
            let _ = write!(out, "{d}");
        }
        Value::Temporal(t) => {
            let _ = write!(out, "{t}");
        }
        Value::Estimate(e) => {
            let _ = write!(
                out,
                "estimate({}, {})",
                float_text(e.lo, style),
                float_text(e.hi, style)
            );
        }
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item, entities, style);
            }
            out.push(']');
        }
        Value::Map(map) => write_map(out, map, entities, style),
        Value::Node(id) => write_node(out, *id, entities, style),
        Value::Rel(id) => write_rel(out, *id, entities, style),
        Value::Path(p) => write_path(out, p, entities, style),
    }
}

/// `'text'` with `\\`, `\'` and control characters escaped.
pub(super) fn quote_string(out: &mut String, s: &str) {
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('\'');
}

/// A map key bare when it is an identifier, else in backticks.
fn write_key(out: &mut String, k: &str) {
    let mut chars = k.chars();
    let ident = match chars.next() {
        Some(c) if c.is_alphabetic() || c == '_' => chars.all(|c| c.is_alphanumeric() || c == '_'),
        _ => false,
    };
    if ident {
        out.push_str(k);
    } else {
        out.push('`');
        out.push_str(&k.replace('`', "``"));
        out.push('`');
    }
}

fn write_map(out: &mut String, map: &BTreeMap<String, Value>, entities: &Entities, style: Style) {
    out.push('{');
    for (i, (k, v)) in map.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_key(out, k);
        out.push_str(": ");
        write_value(out, v, entities, style);
    }
    out.push('}');
}

/// ` {k: v, …}` when there are properties, nothing otherwise.
fn write_props(
    out: &mut String,
    props: &BTreeMap<String, Value>,
    entities: &Entities,
    style: Style,
) {
    if !props.is_empty() {
        out.push(' ');
        write_map(out, props, entities, style);
    }
}

fn write_label(out: &mut String, label: &str) {
    out.push(':');
    write_key(out, label);
}

fn write_node_data(out: &mut String, n: &NodeData, entities: &Entities, style: Style) {
    out.push('(');
    for l in &n.labels {
        write_label(out, l);
    }
    write_props(out, &n.properties, entities, style);
    out.push(')');
}

fn write_node(out: &mut String, id: NodeId, entities: &Entities, style: Style) {
    match entities.nodes.get(&id) {
        Some(n) => write_node_data(out, n, entities, style),
        None => {
            let _ = write!(out, "(#{id})");
        }
    }
}

/// `[:TYPE {k: v}]` (`[:TYPE]` without `props`), or `[#id]` when the
/// relationship is unknown.
fn write_rel_body(
    out: &mut String,
    r: Option<&RelData>,
    id: RelId,
    entities: &Entities,
    style: Style,
    props: bool,
) {
    match r {
        Some(r) => {
            out.push('[');
            write_label(out, &r.rel_type);
            if props {
                write_props(out, &r.properties, entities, style);
            }
            out.push(']');
        }
        None => {
            let _ = write!(out, "[#{id}]");
        }
    }
}

fn write_rel(out: &mut String, id: RelId, entities: &Entities, style: Style) {
    write_rel_body(out, entities.rels.get(&id), id, entities, style, true);
}

/// A node inside a path: `(name)`, else `(id)`, else the full node form
/// (`(:Label)` without properties when links show none either).
fn write_path_node(out: &mut String, id: NodeId, entities: &Entities, style: Style) {
    let Some(n) = entities.nodes.get(&id) else {
        let _ = write!(out, "(#{id})");
        return;
    };
    let short = n
        .properties
        .get("name")
        .filter(|v| !v.is_null())
        .or_else(|| n.properties.get("id").filter(|v| !v.is_null()));
    match short {
        Some(v) => {
            out.push('(');
            out.push_str(&render_human(v, entities, style));
            out.push(')');
        }
        None if style.path_props => write_node_data(out, n, entities, style),
        None => {
            out.push('(');
            for l in &n.labels {
                write_label(out, l);
            }
            out.push(')');
        }
    }
}

fn write_path(out: &mut String, p: &Path, entities: &Entities, style: Style) {
    let Some(&first) = p.nodes.first() else {
        out.push_str("<>");
        return;
    };
    write_path_node(out, first, entities, style);
    for (i, &rid) in p.rels.iter().enumerate() {
        let from = p.nodes.get(i).copied();
        let to = p.nodes.get(i + 1).copied();
        let rel = entities.rels.get(&rid);
        // Forward unless the relationship demonstrably runs the other way.
        let (left, right) = match rel {
            Some(r) if Some(r.start) == from && Some(r.end) == to => ("-", "->"),
            Some(r) if Some(r.start) == to && Some(r.end) == from => ("<-", "-"),
            _ => ("-", "-"),
        };
        out.push_str(left);
        write_rel_body(out, rel, rid, entities, style, style.path_props);
        out.push_str(right);
        match to {
            Some(to) => write_path_node(out, to, entities, style),
            None => out.push_str("()"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testdata::{entities, path_value};
    use super::*;
    use crate::value::{Date, Estimate};

    #[test]
    fn human_style_shortens_floats_and_paths() {
        let h = |v: &Value| render_human(v, &entities(), Style::default());
        assert_eq!(h(&Value::Float(0.1 + 0.2)), "0.3");
        assert_eq!(h(&Value::Float(0.32000000000000006)), "0.32");
        assert_eq!(r(&Value::Float(0.32000000000000006)), "0.32000000000000006");
        assert_eq!(h(&Value::Float(1.0 / 3.0)), "0.333333333333333");
        assert_eq!(h(&Value::Float(1e300)), "1e300");
        assert_eq!(short_float(f64::MAX), "1.7976931348623157e308");
        assert_eq!(short_float(-1.5e20), "-1.5e20");
        assert_eq!(short_float(0.000001), "0.000001");
        assert_eq!(short_float(0.0), "0.0");
        assert_eq!(short_float(5e-324), "5e-324");
        assert_eq!(short_float(2.0 / 3.0 * 1e8), "66666666.6666667");
        assert_eq!(h(&Value::Float(f64::NAN)), "NaN");
        assert_eq!(h(&Value::Float(2.0)), "2.0");
        assert_eq!(h(&Value::List(vec![Value::Float(0.1 + 0.2)])), "[0.3]");
        assert_eq!(
            h(&path_value()),
            "(Belarus)-[:SUPPLIES]->(Russia)<-[:SUPPLIES]-(China)"
        );
        let full = Style {
            path_props: true,
            ..Style::default()
        };
        assert_eq!(
            render_human(&path_value(), &entities(), full),
            r(&path_value())
        );
        let p = Value::Path(Box::new(Path {
            nodes: vec![5, 4],
            rels: vec![12],
        }));
        assert_eq!(h(&p), "(minsk-plant)-[:OWNS]->()");
    }

    fn r(v: &Value) -> String {
        render_value(v, &entities())
    }

    #[test]
    fn scalars() {
        assert_eq!(r(&Value::Null), "null");
        assert_eq!(r(&Value::Bool(true)), "true");
        assert_eq!(r(&Value::Int(-3)), "-3");
        assert_eq!(r(&Value::Float(1.0)), "1.0");
        assert_eq!(r(&Value::Float(0.5)), "0.5");
        assert_eq!(r(&Value::Float(f64::NAN)), "NaN");
        assert_eq!(r(&Value::Float(f64::NEG_INFINITY)), "-Infinity");
        assert_eq!(r(&Value::String("it's".into())), "it's");
        assert_eq!(r(&Value::Date(Date::parse("2022-03").unwrap())), "2022-03");
        assert_eq!(
            r(&Value::Estimate(Estimate { lo: 0.6, hi: 0.7 })),
            "estimate(0.6, 0.7)"
        );
    }

    #[test]
    fn lists_and_maps_quote_strings() {
        let list = Value::List(vec![
            Value::Int(1),
            Value::String("it's\n".into()),
            Value::Null,
            Value::List(vec![]),
        ]);
        assert_eq!(r(&list), r"[1, 'it\'s\n', null, []]");
        let mut m = BTreeMap::new();
        m.insert("b".to_string(), Value::String("x".into()));
        m.insert("a".to_string(), Value::Int(1));
        m.insert("two words".to_string(), Value::Bool(false));
        assert_eq!(r(&Value::Map(m)), "{a: 1, b: 'x', `two words`: false}");
        assert_eq!(r(&Value::Map(BTreeMap::new())), "{}");
    }

    #[test]
    fn entities_render() {
        assert_eq!(
            r(&Value::Node(1)),
            "(:Country {id: 'belarus', name: 'Belarus'})"
        );
        assert_eq!(r(&Value::Node(4)), "()");
        assert_eq!(r(&Value::Rel(10)), "[:SUPPLIES {category: 'ammunition'}]");
        assert_eq!(r(&Value::Node(99)), "(#99)");
        assert_eq!(r(&Value::Rel(99)), "[#99]");
    }

    #[test]
    fn paths_follow_direction() {
        assert_eq!(
            r(&path_value()),
            "(Belarus)-[:SUPPLIES {category: 'ammunition'}]->(Russia)\
             <-[:SUPPLIES {category: 'vehicles'}]-(China)"
        );
        let p = Value::Path(Box::new(Path {
            nodes: vec![5, 4, 98],
            rels: vec![12, 97],
        }));
        assert_eq!(r(&p), "(minsk-plant)-[:OWNS]->()-[#97]-(#98)");
        let broken = Value::Path(Box::new(Path {
            nodes: vec![],
            rels: vec![1],
        }));
        assert_eq!(r(&broken), "<>");
        let short = Value::Path(Box::new(Path {
            nodes: vec![1],
            rels: vec![10, 11],
        }));
        assert_eq!(
            r(&short),
            "(Belarus)-[:SUPPLIES {category: 'ammunition'}]-()\
             -[:SUPPLIES {category: 'electronics'}]-()"
        );
    }
}

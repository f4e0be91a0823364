//! `.export dot|graphml FILE [QUERY]`: the nodes and links a result mentions,
//! for Graphviz (DOT) or Gephi (GraphML). Every string is escaped for its
//! format; a link whose end is not in the result still gets a bare node.

use crate::io::format::render_value;
use crate::result::{Entities, NodeData};
use crate::value::{NodeId, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    GraphMl,
}

impl std::str::FromStr for GraphFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "dot" | "gv" | "graphviz" => Ok(GraphFormat::Dot),
            "graphml" | "gephi" => Ok(GraphFormat::GraphMl),
            _ => Err(format!(
                "unknown export format '{s}': expected dot or graphml"
            )),
        }
    }
}

/// The text of the export.
pub fn export(ent: &Entities, format: GraphFormat) -> String {
    match format {
        GraphFormat::Dot => to_dot(ent),
        GraphFormat::GraphMl => to_graphml(ent),
    }
}

/// How many nodes and links an export of `ent` holds.
pub fn counts(ent: &Entities) -> (usize, usize) {
    (node_ids(ent).len(), ent.rels.len())
}

fn node_ids(ent: &Entities) -> BTreeSet<NodeId> {
    let mut ids: BTreeSet<NodeId> = ent.nodes.keys().copied().collect();
    for r in ent.rels.values() {
        ids.insert(r.start);
        ids.insert(r.end);
    }
    ids
}

/// The caption of a node: its `name`, else its `id`, else `:Label #n`.
fn caption(id: NodeId, data: Option<&NodeData>) -> String {
    let Some(d) = data else {
        return format!("#{id}");
    };
    for key in ["name", "id"] {
        match d.properties.get(key) {
            Some(Value::String(s)) => return s.clone(),
            Some(Value::Null) | None => {}
            Some(v) => return render_value(v, &Entities::default()),
        }
    }
    let labels: String = d.labels.iter().map(|l| format!(":{l}")).collect();
    format!("{labels} #{id}").trim().to_string()
}

fn props_text(props: &BTreeMap<String, Value>) -> String {
    props
        .iter()
        .map(|(k, v)| format!("{k}: {}", render_value(v, &Entities::default())))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A DOT double-quoted string.
pub fn dot_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn to_dot(ent: &Entities) -> String {
    let mut out = String::from("digraph supplygraph {\n  node [shape=box];\n");
    for id in node_ids(ent) {
        let data = ent.nodes.get(&id);
        let _ = write!(out, "  n{id} [label={}", dot_quote(&caption(id, data)));
        if let Some(d) = data {
            let mut tip = d.labels.iter().map(|l| format!(":{l}")).collect::<String>();
            let props = props_text(&d.properties);
            if !props.is_empty() {
                if !tip.is_empty() {
                    tip.push('\n');
                }
                tip.push_str(&props);
            }
            if !tip.is_empty() {
                let _ = write!(out, ", tooltip={}", dot_quote(&tip));
            }
        }
        out.push_str("];\n");
    }
    let mut rels: Vec<_> = ent.rels.values().collect();
    rels.sort_by_key(|r| r.id);
    for r in rels {
        let mut label = r.rel_type.clone();
        if let Some(Value::String(c)) = r.properties.get("category") {
            let _ = write!(label, "\n{c}");
        }
        let _ = write!(
            out,
            "  n{} -> n{} [label={}",
            r.start,
            r.end,
            dot_quote(&label)
        );
        let props = props_text(&r.properties);
        if !props.is_empty() {
            let _ = write!(out, ", tooltip={}", dot_quote(&props));
        }
        out.push_str("];\n");
    }
    out.push_str("}\n");
    out
}

/// Text escaped for XML content and attribute values; characters XML 1.0
/// cannot hold become spaces.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn graphml_type(values: &[&Value]) -> &'static str {
    if values.iter().all(|v| matches!(v, Value::Int(_))) {
        "long"
    } else if values
        .iter()
        .all(|v| matches!(v, Value::Int(_) | Value::Float(_)))
    {
        "double"
    } else if values.iter().all(|v| matches!(v, Value::Bool(_))) {
        "boolean"
    } else {
        "string"
    }
}

fn graphml_value(v: &Value) -> String {
    match v {
        Value::Float(f) if f.is_nan() => "NaN".into(),
        Value::Float(f) if f.is_infinite() => if *f > 0.0 { "INF" } else { "-INF" }.into(),
        other => render_value(other, &Entities::default()),
    }
}

fn to_graphml(ent: &Entities) -> String {
    let mut node_keys: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for d in ent.nodes.values() {
        for (k, v) in &d.properties {
            node_keys.entry(k).or_default().push(v);
        }
    }
    let mut edge_keys: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for r in ent.rels.values() {
        for (k, v) in &r.properties {
            edge_keys.entry(k).or_default().push(v);
        }
    }
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n",
    );
    out.push_str("  <key id=\"label\" for=\"node\" attr.name=\"label\" attr.type=\"string\"/>\n");
    out.push_str("  <key id=\"labels\" for=\"node\" attr.name=\"labels\" attr.type=\"string\"/>\n");
    out.push_str("  <key id=\"type\" for=\"edge\" attr.name=\"type\" attr.type=\"string\"/>\n");
    let mut node_ids_of: BTreeMap<&str, String> = BTreeMap::new();
    for (i, (k, vals)) in node_keys.iter().enumerate() {
        let id = format!("n{i}");
        let _ = writeln!(
            out,
            "  <key id=\"{id}\" for=\"node\" attr.name=\"{}\" attr.type=\"{}\"/>",
            xml_escape(k),
            graphml_type(vals)
        );
        node_ids_of.insert(k, id);
    }
    let mut edge_ids_of: BTreeMap<&str, String> = BTreeMap::new();
    for (i, (k, vals)) in edge_keys.iter().enumerate() {
        let id = format!("e{i}");
        let _ = writeln!(
            out,
            "  <key id=\"{id}\" for=\"edge\" attr.name=\"{}\" attr.type=\"{}\"/>",
            xml_escape(k),
            graphml_type(vals)
        );
        edge_ids_of.insert(k, id);
    }
    out.push_str("  <graph id=\"supplygraph\" edgedefault=\"directed\">\n");
    for id in node_ids(ent) {
        let data = ent.nodes.get(&id);
        let _ = writeln!(out, "    <node id=\"n{id}\">");
        let _ = writeln!(
            out,
            "      <data key=\"label\">{}</data>",
            xml_escape(&caption(id, data))
        );
        if let Some(d) = data {
            if !d.labels.is_empty() {
                let _ = writeln!(
                    out,
                    "      <data key=\"labels\">{}</data>",
                    xml_escape(&d.labels.join(";"))
                );
            }
            for (k, v) in &d.properties {
                if let Some(key) = node_ids_of.get(k.as_str()) {
                    let _ = writeln!(
                        out,
                        "      <data key=\"{key}\">{}</data>",
                        xml_escape(&graphml_value(v))
                    );
                }
            }
        }
        out.push_str("    </node>\n");
    }
    let mut rels: Vec<_> = ent.rels.values().collect();
    rels.sort_by_key(|r| r.id);
    for r in rels {
        let _ = writeln!(
            out,
            "    <edge id=\"e{}\" source=\"n{}\" target=\"n{}\">",
            r.id, r.start, r.end
        );
        let _ = writeln!(
            out,
            "      <data key=\"type\">{}</data>",
            xml_escape(&r.rel_type)
        );
        for (k, v) in &r.properties {
            if let Some(key) = edge_ids_of.get(k.as_str()) {
                let _ = writeln!(
                    out,
                    "      <data key=\"{key}\">{}</data>",
                    xml_escape(&graphml_value(v))
                );
            }
        }
        out.push_str("    </edge>\n");
    }
    out.push_str("  </graph>\n</graphml>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::RelData;

    fn sample() -> Entities {
        let mut ent = Entities::default();
        let mut props = BTreeMap::new();
        props.insert("name".to_string(), Value::String("A \"q\" <&>\n\\".into()));
        props.insert("n".to_string(), Value::Int(3));
        ent.nodes.insert(
            1,
            NodeData {
                id: 1,
                labels: vec!["Country".into()],
                properties: props,
            },
        );
        let mut rp = BTreeMap::new();
        rp.insert("category".to_string(), Value::String("x'y".into()));
        ent.rels.insert(
            7,
            RelData {
                id: 7,
                rel_type: "SUPPLIES".into(),
                start: 1,
                end: 2,
                properties: rp,
            },
        );
        ent
    }

    #[test]
    fn dot_escapes_and_declares_missing_ends() {
        let text = export(&sample(), GraphFormat::Dot);
        assert!(text.contains(r#"n1 [label="A \"q\" <&>\n\\""#), "{text}");
        assert!(text.contains("n2 [label=\"#2\"]"), "{text}");
        assert!(
            text.contains("n1 -> n2 [label=\"SUPPLIES\\nx'y\""),
            "{text}"
        );
        assert_eq!(counts(&sample()), (2, 1));
    }

    #[test]
    fn graphml_escapes_and_types() {
        let text = export(&sample(), GraphFormat::GraphMl);
        assert!(text.contains("A &quot;q&quot; &lt;&amp;&gt;"), "{text}");
        assert!(
            text.contains("attr.name=\"n\" attr.type=\"long\""),
            "{text}"
        );
        assert!(text.contains("<edge id=\"e7\" source=\"n1\" target=\"n2\">"));
        assert!(text.contains("x&apos;y"));
    }
}

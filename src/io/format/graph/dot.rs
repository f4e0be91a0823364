//! DOT for Graphviz. Nodes are captioned by name (else id) with their
//! labels and properties in the tooltip. A link's label shows what a reader
//! of the drawing needs to judge it: its type, its `category` and `share`
//! (`all_exports, share 0.6–0.7`), and its `evidence` and `confidence`
//! (`reported, confidence 0.7`); `alleged` and
//! `unverified` links are dashed, `denied` ones dotted. All properties are in
//! the tooltip (SVG output).

use super::{caption, Parts};
use crate::io::format::{render_human, short_float, Style};
use crate::result::Entities;
use crate::value::Value;
use std::collections::BTreeMap;
use std::io::{self, Write};

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

fn show(v: &Value) -> String {
    render_human(v, &Entities::default(), Style::default())
}

fn props_text(props: &BTreeMap<String, Value>) -> String {
    props
        .iter()
        .map(|(k, v)| format!("{k}: {}", show(v)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A share as the drawing shows it: `0.6–0.7` for an estimate.
fn share_text(v: &Value) -> String {
    match v {
        Value::Estimate(e) => format!("{}–{}", short_float(e.lo), short_float(e.hi)),
        other => show(other),
    }
}

/// The edge label: type; category and share; then evidence and confidence.
fn edge_label(rel_type: &str, props: &BTreeMap<String, Value>) -> String {
    let mut lines = vec![rel_type.to_string()];
    let what: Vec<String> = props
        .get("category")
        .map(show)
        .into_iter()
        .chain(
            props
                .get("share")
                .map(|s| format!("share {}", share_text(s))),
        )
        .collect();
    if !what.is_empty() {
        lines.push(what.join(", "));
    }
    let evidence = props.get("evidence").map(show);
    let confidence = props
        .get("confidence")
        .map(|c| format!("confidence {}", show(c)));
    let judged: Vec<String> = evidence.into_iter().chain(confidence).collect();
    if !judged.is_empty() {
        lines.push(judged.join(", "));
    }
    lines.join("\n")
}

fn edge_style(props: &BTreeMap<String, Value>) -> Option<&'static str> {
    match props.get("evidence") {
        Some(Value::String(e)) => match e.to_ascii_lowercase().as_str() {
            "alleged" | "unverified" => Some("dashed"),
            "denied" => Some("dotted"),
            _ => None,
        },
        _ => None,
    }
}

pub(super) fn write(out: &mut dyn Write, parts: &Parts<'_>) -> io::Result<()> {
    out.write_all(b"digraph supplygraph {\n  node [shape=box];\n")?;
    for &(id, data) in &parts.nodes {
        write!(out, "  n{id} [label={}", dot_quote(&caption(id, data)))?;
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
                write!(out, ", tooltip={}", dot_quote(&tip))?;
            }
        }
        out.write_all(b"];\n")?;
    }
    for r in &parts.rels {
        write!(
            out,
            "  n{} -> n{} [label={}",
            r.start,
            r.end,
            dot_quote(&edge_label(&r.rel_type, &r.properties))
        )?;
        if let Some(style) = edge_style(&r.properties) {
            write!(out, ", style={style}")?;
        }
        let props = props_text(&r.properties);
        if !props.is_empty() {
            write!(out, ", tooltip={}", dot_quote(&props))?;
        }
        out.write_all(b"];\n")?;
    }
    out.write_all(b"}\n")
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    #[test]
    fn labels_show_evidence_and_confidence_and_strings_are_escaped() {
        let ent = sample::graph();
        let mut buf = Vec::new();
        write(&mut buf, &Parts::of(&ent)).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(text.contains(r#"n1 [label="A \"q\" <&>\n\\""#), "{text}");
        assert!(text.contains("n4 [label=\"#4\"];"), "{text}");
        assert!(
            text.contains(
                "n1 -> n2 [label=\"SUPPLIES\\nx'y, share 0.6–0.7\\nreported, confidence 0.32\""
            ),
            "{text}"
        );
        assert!(
            text.contains("n3 -> n2 [label=\"SUPPLIES\\nshare 0.9\\nalleged\", style=dashed"),
            "{text}"
        );
        assert!(text.contains("n3 -> n4 [label=\"OWNS\"];"), "{text}");
        assert!(text.contains("share: estimate(0.6, 0.7)"), "{text}");
    }
}

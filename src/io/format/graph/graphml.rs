//! GraphML for Gephi, yEd and networkx. Every property key gets a
//! `<key attr.type=…>` per kind (node, edge) so readers get typed values:
//! integers `long`, numbers `double`, booleans `boolean`, anything else
//! (and a key whose values mix types) `string`. An estimate key (estimates,
//! possibly mixed with plain numbers) becomes two `double` keys,
//! `KEY_lo` and `KEY_hi` (a plain number `x` is `x..x`). In string keys,
//! lists and maps are JSON text, dates ISO text (`2022-03`), estimates
//! `lo..hi`. Synthetic keys: node `label` (the caption: name, else id) and
//! `labels` (`;`-joined), edge `type` and `label` (the type, which Gephi
//! shows); a property of the same name wins, the synthetic one is then
//! named with a leading `_`.

use super::{caption, Parts};
use crate::io::format::value_to_json;
use crate::result::Entities;
use crate::value::{format_float, Value};
use std::collections::BTreeMap;
use std::io::{self, Write};

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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Long,
    Double,
    Boolean,
    /// Written as two doubles, `KEY_lo` and `KEY_hi`.
    Estimate,
    String,
}

fn kind_of<'v>(values: impl Iterator<Item = &'v Value>) -> Kind {
    let mut kind: Option<Kind> = None;
    for v in values {
        let this = match v {
            Value::Int(_) => Kind::Long,
            Value::Float(_) => Kind::Double,
            Value::Bool(_) => Kind::Boolean,
            Value::Estimate(_) => Kind::Estimate,
            _ => return Kind::String,
        };
        kind = Some(match (kind, this) {
            (None, k) => k,
            (Some(a), b) if a == b => a,
            (Some(Kind::Long | Kind::Double), Kind::Long | Kind::Double) => Kind::Double,
            (
                Some(Kind::Long | Kind::Double | Kind::Estimate),
                Kind::Long | Kind::Double | Kind::Estimate,
            ) => Kind::Estimate,
            _ => return Kind::String,
        });
    }
    kind.unwrap_or(Kind::String)
}

/// A double as GraphML readers parse it (Python's `float`, Java's `Double`).
fn double(f: f64) -> String {
    format_float(f)
}

/// Text of a value in a string key.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => double(*f),
        Value::Bool(b) => b.to_string(),
        Value::Date(d) => d.to_string(),
        Value::Temporal(t) => t.to_string(),
        Value::Estimate(e) => format!("{}..{}", double(e.lo), double(e.hi)),
        other => value_to_json(other, &Entities::default()),
    }
}

/// One declared key: the GraphML id, the attribute name, its type.
struct Key {
    id: String,
    name: String,
    ty: &'static str,
}

/// The keys of one kind (node or edge): for each property, one key, or two
/// for an estimate.
struct Keys {
    by_prop: BTreeMap<String, (Kind, Vec<usize>)>,
    list: Vec<Key>,
}

impl Keys {
    fn new<'a>(
        synthetic: &[&str],
        props: impl Iterator<Item = &'a BTreeMap<String, Value>>,
        next: &mut usize,
    ) -> Keys {
        let mut values: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
        for p in props {
            for (k, v) in p {
                values.entry(k).or_default().push(v);
            }
        }
        let mut list = Vec::new();
        let mut add = |name: String, ty: &'static str, list: &mut Vec<Key>| {
            list.push(Key {
                id: format!("d{next}"),
                name,
                ty,
            });
            *next += 1;
            list.len() - 1
        };
        for s in synthetic {
            let name = if values.contains_key(s) {
                format!("_{s}")
            } else {
                s.to_string()
            };
            add(name, "string", &mut list);
        }
        let mut by_prop = BTreeMap::new();
        for (k, vals) in values {
            let kind = kind_of(vals.into_iter());
            let slots = match kind {
                Kind::Estimate => vec![
                    add(format!("{k}_lo"), "double", &mut list),
                    add(format!("{k}_hi"), "double", &mut list),
                ],
                Kind::Long => vec![add(k.to_string(), "long", &mut list)],
                Kind::Double => vec![add(k.to_string(), "double", &mut list)],
                Kind::Boolean => vec![add(k.to_string(), "boolean", &mut list)],
                Kind::String => vec![add(k.to_string(), "string", &mut list)],
            };
            by_prop.insert(k.to_string(), (kind, slots));
        }
        Keys { by_prop, list }
    }

    fn declare(&self, out: &mut dyn Write, domain: &str) -> io::Result<()> {
        for k in &self.list {
            writeln!(
                out,
                "  <key id=\"{}\" for=\"{domain}\" attr.name=\"{}\" attr.type=\"{}\"/>",
                k.id,
                xml_escape(&k.name),
                k.ty
            )?;
        }
        Ok(())
    }

    /// `<data>` elements of the synthetic values, then of the properties.
    fn data(
        &self,
        out: &mut dyn Write,
        synthetic: &[String],
        props: Option<&BTreeMap<String, Value>>,
    ) -> io::Result<()> {
        let mut put = |slot: usize, value: &str| {
            writeln!(
                out,
                "      <data key=\"{}\">{}</data>",
                self.list[slot].id,
                xml_escape(value)
            )
        };
        for (slot, v) in synthetic.iter().enumerate() {
            if !v.is_empty() {
                put(slot, v)?;
            }
        }
        for (k, v) in props.into_iter().flatten() {
            let Some((kind, slots)) = self.by_prop.get(k) else {
                continue;
            };
            match (kind, v) {
                (Kind::Estimate, Value::Estimate(e)) => {
                    put(slots[0], &double(e.lo))?;
                    put(slots[1], &double(e.hi))?;
                }
                (Kind::Estimate | Kind::Double, v) => {
                    let f = v.as_f64().unwrap_or(f64::NAN);
                    for &slot in slots {
                        put(slot, &double(f))?;
                    }
                }
                (_, v) => put(slots[0], &text(v))?,
            }
        }
        Ok(())
    }
}

const HEADER: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n";

pub(super) fn write(out: &mut dyn Write, parts: &Parts<'_>) -> io::Result<()> {
    let mut next = 0;
    let node_keys = Keys::new(
        &["label", "labels"],
        parts
            .nodes
            .iter()
            .filter_map(|(_, d)| d.map(|d| &d.properties)),
        &mut next,
    );
    let edge_keys = Keys::new(
        &["type", "label"],
        parts.rels.iter().map(|r| &r.properties),
        &mut next,
    );
    out.write_all(HEADER.as_bytes())?;
    node_keys.declare(out, "node")?;
    edge_keys.declare(out, "edge")?;
    out.write_all(b"  <graph id=\"supplygraph\" edgedefault=\"directed\">\n")?;
    for &(id, data) in &parts.nodes {
        writeln!(out, "    <node id=\"n{id}\">")?;
        let labels = data.map(|d| d.labels.join(";")).unwrap_or_default();
        node_keys.data(
            out,
            &[caption(id, data), labels],
            data.map(|d| &d.properties),
        )?;
        out.write_all(b"    </node>\n")?;
    }
    for r in &parts.rels {
        writeln!(
            out,
            "    <edge id=\"e{}\" source=\"n{}\" target=\"n{}\">",
            r.id, r.start, r.end
        )?;
        edge_keys.data(
            out,
            &[r.rel_type.clone(), r.rel_type.clone()],
            Some(&r.properties),
        )?;
        out.write_all(b"    </edge>\n")?;
    }
    out.write_all(b"  </graph>\n</graphml>\n")
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    fn run() -> String {
        let ent = sample::graph();
        let mut buf = Vec::new();
        write(&mut buf, &Parts::of(&ent)).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn kinds_follow_every_value_of_a_key() {
        let k = |vals: &[Value]| kind_of(vals.iter());
        use crate::value::Estimate;
        let est = Value::Estimate(Estimate { lo: 0.1, hi: 0.2 });
        assert_eq!(k(&[Value::Int(1), Value::Int(2)]), Kind::Long);
        assert_eq!(k(&[Value::Int(1), Value::Float(2.5)]), Kind::Double);
        assert_eq!(k(&[Value::Bool(true)]), Kind::Boolean);
        assert_eq!(k(&[Value::Float(0.5), est.clone()]), Kind::Estimate);
        assert_eq!(k(&[est, Value::Bool(true)]), Kind::String);
        assert_eq!(k(&[Value::Int(1), Value::String("x".into())]), Kind::String);
        assert_eq!(k(&[Value::List(vec![])]), Kind::String);
    }

    #[test]
    fn declares_typed_keys_and_escapes() {
        let text = run();
        for decl in [
            "for=\"node\" attr.name=\"label\" attr.type=\"string\"",
            "for=\"node\" attr.name=\"pop\" attr.type=\"string\"",
            "for=\"node\" attr.name=\"aliases\" attr.type=\"string\"",
            "for=\"node\" attr.name=\"founded\" attr.type=\"string\"",
            "for=\"edge\" attr.name=\"share_lo\" attr.type=\"double\"",
            "for=\"edge\" attr.name=\"share_hi\" attr.type=\"double\"",
            "for=\"edge\" attr.name=\"confidence\" attr.type=\"double\"",
            "for=\"edge\" attr.name=\"verified\" attr.type=\"boolean\"",
            "for=\"edge\" attr.name=\"type\" attr.type=\"string\"",
        ] {
            assert!(text.contains(decl), "{decl}\n{text}");
        }
        assert!(!text.contains("attr.name=\"share\""), "{text}");
        assert!(text.contains("A &quot;q&quot; &lt;&amp;&gt;\n\\"), "{text}");
        assert!(
            text.contains("[&quot;Belarus&quot;, &quot;Беларусь&quot;]"),
            "{text}"
        );
        assert!(text.contains(">1990-05</data>"), "{text}");
        assert!(text.contains(">0.32000000000000006</data>"), "{text}");
        assert!(text.contains("<edge id=\"e9\" source=\"n3\" target=\"n4\">"));
        assert!(text.contains("<node id=\"n4\">\n      <data key=\"d0\">#4</data>\n    </node>"));
        assert!(text.contains(">Company;Factory</data>"), "{text}");
        assert!(text.contains(">x&apos;y</data>"));
        // A plain number in an estimate key is both bounds.
        assert_eq!(text.matches(">0.9</data>").count(), 2, "{text}");
    }
}

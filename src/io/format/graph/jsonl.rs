//! JSON lines: one object per node, then one per link, each in the shape of
//! the `json` format with a `kind` first:
//! `{"kind": "node", "id": 1, "labels": [...], "properties": {...}}`,
//! `{"kind": "relationship", "id": 7, "type": "...", "start": 1, "end": 2, "properties": {...}}`.

use super::Parts;
use crate::io::format::value_to_json;
use crate::result::Entities;
use crate::value::Value;
use std::io::{self, Write};

pub(super) fn write(out: &mut dyn Write, parts: &Parts<'_>, ent: &Entities) -> io::Result<()> {
    for &(id, _) in &parts.nodes {
        let obj = value_to_json(&Value::Node(id), ent);
        writeln!(out, "{{\"kind\": \"node\", {}", &obj[1..])?;
    }
    for r in &parts.rels {
        let obj = value_to_json(&Value::Rel(r.id), ent);
        writeln!(out, "{{\"kind\": \"relationship\", {}", &obj[1..])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    #[test]
    fn one_parsable_object_per_node_and_link() {
        let ent = sample::graph();
        let mut buf = Vec::new();
        write(&mut buf, &Parts::of(&ent), &ent).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let objs: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(objs.len(), 7);
        assert_eq!(objs[0]["kind"], "node");
        assert_eq!(objs[0]["properties"]["aliases"][1], "Беларусь");
        assert_eq!(objs[3]["labels"], serde_json::json!([]));
        assert_eq!(objs[4]["kind"], "relationship");
        assert_eq!(objs[4]["type"], "SUPPLIES");
        assert_eq!(objs[4]["properties"]["share"]["lo"], 0.6);
        assert_eq!(objs[6]["end"], 4);
    }
}

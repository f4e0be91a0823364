//! Graph exports: the nodes and links a result mentions (or the whole
//! database, see `cli::export`) as GraphML ([`graphml`]), DOT ([`dot`]),
//! JSON lines ([`jsonl`]), the importer's two CSV files ([`csv_dir`]) or
//! two Parquet tables ([`parquet`]).
//!
//! The nodes exported are every node of `Entities` plus the ends of every
//! link (a link whose end the result does not hold still gets a bare node),
//! in id order; links follow in id order.

pub mod csv_dir;
mod dot;
mod graphml;
mod jsonl;
pub mod parquet;

use super::cypher::render_value;
use crate::result::{Entities, NodeData, RelData};
use crate::value::{NodeId, Value};
use std::collections::BTreeSet;
use std::io;

pub use dot::dot_quote;
pub use graphml::xml_escape;

/// A graph format, as `export --format`, `.export` and `--format` name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    GraphMl,
    Dot,
    Jsonl,
    /// Two files in the importer's format: `actors.csv` and `links.csv`.
    Csv,
    /// Two tables for Spark, DuckDB, pandas: `actors.parquet`, `links.parquet`.
    Parquet,
}

impl std::str::FromStr for GraphFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dot" | "gv" | "graphviz" => Ok(GraphFormat::Dot),
            "graphml" | "gephi" => Ok(GraphFormat::GraphMl),
            "jsonl" => Ok(GraphFormat::Jsonl),
            "csv" => Ok(GraphFormat::Csv),
            "parquet" => Ok(GraphFormat::Parquet),
            _ => Err(format!(
                "unknown export format '{s}': expected graphml, dot, csv, jsonl or parquet"
            )),
        }
    }
}

/// The nodes and links of an export, sorted by id.
pub struct Parts<'a> {
    /// Every node to write; `None` when only its id is known.
    pub nodes: Vec<(NodeId, Option<&'a NodeData>)>,
    pub rels: Vec<&'a RelData>,
}

impl<'a> Parts<'a> {
    pub fn of(ent: &'a Entities) -> Parts<'a> {
        let mut ids: BTreeSet<NodeId> = ent.nodes.keys().copied().collect();
        for r in ent.rels.values() {
            ids.insert(r.start);
            ids.insert(r.end);
        }
        let nodes = ids.into_iter().map(|id| (id, ent.nodes.get(&id))).collect();
        let mut rels: Vec<&RelData> = ent.rels.values().collect();
        rels.sort_by_key(|r| r.id);
        Parts { nodes, rels }
    }
}

/// How many nodes and links an export of `ent` holds.
pub fn counts(ent: &Entities) -> (usize, usize) {
    let p = Parts::of(ent);
    (p.nodes.len(), p.rels.len())
}

/// Writes `ent` as one GraphML, DOT or JSON-lines document. CSV needs a
/// directory: see [`csv_dir::write`].
pub fn write(out: &mut dyn io::Write, ent: &Entities, format: GraphFormat) -> io::Result<()> {
    let parts = Parts::of(ent);
    match format {
        GraphFormat::GraphMl => graphml::write(out, &parts),
        GraphFormat::Dot => dot::write(out, &parts),
        GraphFormat::Jsonl => jsonl::write(out, &parts, ent),
        GraphFormat::Csv | GraphFormat::Parquet => Err(io::Error::other(
            "a CSV or Parquet export is two files: give a directory (-o DIR)",
        )),
    }
}

/// Adds the nodes and links of `more` to `acc` (batch `--format graphml`
/// collects every statement's result into one document).
pub fn merge(acc: &mut Entities, more: &Entities) {
    for (id, n) in &more.nodes {
        acc.nodes.entry(*id).or_insert_with(|| n.clone());
    }
    for (id, r) in &more.rels {
        acc.rels.entry(*id).or_insert_with(|| r.clone());
    }
}

/// Moves the nodes and links of `more` into `acc`, without copying them
/// (a whole-graph export holds every record once, not twice).
pub fn merge_owned(acc: &mut Entities, more: Entities) {
    if acc.nodes.is_empty() && acc.rels.is_empty() {
        *acc = more;
        return;
    }
    for (id, n) in more.nodes {
        acc.nodes.entry(id).or_insert(n);
    }
    for (id, r) in more.rels {
        acc.rels.entry(id).or_insert(r);
    }
}

/// The caption of a node: its `name`, else its `id`, else `:Label #n`.
pub fn caption(id: NodeId, data: Option<&NodeData>) -> String {
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

#[cfg(test)]
pub(super) mod sample {
    use crate::result::{Entities, NodeData, RelData};
    use crate::value::{Date, Estimate, Value};
    use std::collections::BTreeMap;

    fn props(pairs: Vec<(&str, Value)>) -> BTreeMap<String, Value> {
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    /// Two countries (1, 2), a company without a name (3) and a link to a
    /// node the result does not hold (4); every kind of property value.
    pub fn graph() -> Entities {
        let mut ent = Entities::default();
        let s = |x: &str| Value::String(x.into());
        let nodes = [
            (
                1,
                vec!["Country"],
                props(vec![
                    ("id", s("by")),
                    ("name", s("A \"q\" <&>\n\\")),
                    ("pop", Value::Int(9)),
                    ("aliases", Value::List(vec![s("Belarus"), s("Беларусь")])),
                ]),
            ),
            (
                2,
                vec!["Country"],
                props(vec![
                    ("id", s("ru")),
                    ("name", s("Russia")),
                    ("pop", Value::Float(143.5)),
                ]),
            ),
            (
                3,
                vec!["Company", "Factory"],
                props(vec![
                    ("founded", Value::Date(Date::parse("1990-05").unwrap())),
                    ("pop", s("many")),
                ]),
            ),
        ];
        for (id, labels, properties) in nodes {
            ent.nodes.insert(
                id,
                NodeData {
                    id,
                    labels: labels.into_iter().map(String::from).collect(),
                    properties,
                },
            );
        }
        let rels = [
            (
                7,
                "SUPPLIES",
                1,
                2,
                props(vec![
                    ("category", s("x'y")),
                    ("share", Value::Estimate(Estimate { lo: 0.6, hi: 0.7 })),
                    ("confidence", Value::Float(0.32000000000000006)),
                    ("evidence", s("reported")),
                    ("since", Value::Date(Date::parse("2022-02").unwrap())),
                ]),
            ),
            (
                8,
                "SUPPLIES",
                3,
                2,
                props(vec![
                    ("share", Value::Float(0.9)),
                    ("verified", Value::Bool(true)),
                    ("evidence", s("alleged")),
                ]),
            ),
            (9, "OWNS", 3, 4, props(vec![])),
        ];
        for (id, t, start, end, properties) in rels {
            ent.rels.insert(
                id,
                RelData {
                    id,
                    rel_type: t.into(),
                    start,
                    end,
                    properties,
                },
            );
        }
        ent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_hold_the_ends_of_every_link_in_id_order() {
        let ent = sample::graph();
        let p = Parts::of(&ent);
        let ids: Vec<u64> = p.nodes.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, vec![1, 2, 3, 4]);
        assert!(p.nodes[3].1.is_none());
        assert_eq!(
            p.rels.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![7, 8, 9]
        );
        assert_eq!(counts(&ent), (4, 3));
        assert_eq!(caption(3, ent.nodes.get(&3)), ":Company:Factory #3");
        assert_eq!(caption(4, None), "#4");
        assert!("xml".parse::<GraphFormat>().is_err());
        assert_eq!("GraphML".parse::<GraphFormat>(), Ok(GraphFormat::GraphMl));
        let mut buf = Vec::new();
        assert!(write(&mut buf, &ent, GraphFormat::Csv).is_err());
    }

    #[test]
    fn merge_unions_results() {
        let mut acc = Entities::default();
        let ent = sample::graph();
        merge(&mut acc, &ent);
        merge(&mut acc, &ent);
        assert_eq!(acc, ent);
        let mut owned = Entities::default();
        merge_owned(&mut owned, ent.clone());
        merge_owned(&mut owned, ent.clone());
        assert_eq!(owned, ent);
    }
}

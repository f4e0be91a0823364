//! Shared fixtures for the formatters' unit tests.

use crate::result::{Entities, NodeData, QueryResult, RelData, Stats};
use crate::value::{Date, Estimate, Path, Value};
use std::collections::BTreeMap;

fn props(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn s(x: &str) -> Value {
    Value::String(x.into())
}

fn node(id: u64, labels: &[&str], p: &[(&str, Value)]) -> (u64, NodeData) {
    let labels = labels.iter().map(|l| l.to_string()).collect();
    let properties = props(p);
    (
        id,
        NodeData {
            id,
            labels,
            properties,
        },
    )
}

fn rel(id: u64, t: &str, start: u64, end: u64, p: &[(&str, Value)]) -> (u64, RelData) {
    let properties = props(p);
    let rel_type = t.to_string();
    (
        id,
        RelData {
            id,
            rel_type,
            start,
            end,
            properties,
        },
    )
}

/// Belarus(1), Russia(2), China(3), an empty node(4), a plant known by id(5);
/// 10: Belarus→Russia ammunition, 11: China→Belarus electronics,
/// 12: plant→4 OWNS, 13: China→Russia vehicles.
pub fn entities() -> Entities {
    let country = |id: u64, key: &str, name: &str| {
        node(id, &["Country"], &[("id", s(key)), ("name", s(name))])
    };
    let nodes = [
        country(1, "belarus", "Belarus"),
        country(2, "russia", "Russia"),
        country(3, "china", "China"),
        node(4, &[], &[]),
        node(5, &["Factory"], &[("id", s("minsk-plant"))]),
    ];
    let rels = [
        rel(10, "SUPPLIES", 1, 2, &[("category", s("ammunition"))]),
        rel(11, "SUPPLIES", 3, 1, &[("category", s("electronics"))]),
        rel(12, "OWNS", 5, 4, &[]),
        rel(13, "SUPPLIES", 3, 2, &[("category", s("vehicles"))]),
    ];
    Entities {
        nodes: nodes.into_iter().collect(),
        rels: rels.into_iter().collect(),
    }
}

/// Belarus -[10]-> Russia <-[13]- China: two hops, the second one reversed.
pub fn path_value() -> Value {
    Value::Path(Box::new(Path {
        nodes: vec![1, 2, 3],
        rels: vec![10, 13],
    }))
}

/// One column per kind of value, in a non-alphabetical order, two rows.
pub fn sample() -> QueryResult {
    let columns = [
        "name", "n", "f", "note", "tags", "m", "node", "rel", "p", "since", "share", "missing",
    ];
    let mut m = BTreeMap::new();
    m.insert("b".to_string(), s("x"));
    m.insert("a".to_string(), Value::Int(1));
    let row1 = vec![
        s("Belarus"),
        Value::Int(42),
        Value::Float(1.0),
        s("a, \"quoted\"\nline | pipe"),
        Value::List(vec![Value::Int(1), Value::Int(2)]),
        Value::Map(m),
        Value::Node(1),
        Value::Rel(10),
        path_value(),
        Value::Date(Date::parse("2022-03").unwrap()),
        Value::Estimate(Estimate { lo: 0.6, hi: 0.7 }),
        Value::Node(99),
    ];
    let row2 = vec![
        s("Беларусь 中国"),
        Value::Int(-7),
        Value::Float(0.5),
        Value::Null,
        Value::List(vec![s("it's"), Value::Float(f64::NAN)]),
        Value::Map(BTreeMap::new()),
        Value::Float(f64::INFINITY),
        Value::Float(f64::NEG_INFINITY),
        Value::Bool(true),
        Value::Date(Date::year_only(2021)),
        Value::Null,
        Value::Rel(99),
    ];
    QueryResult {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows: vec![row1, row2],
        stats: Stats::default(),
        entities: entities(),
        plan: None,
        warnings: Vec::new(),
    }
}

/// A result of a few plain columns.
pub fn small(rows: Vec<Vec<Value>>) -> QueryResult {
    QueryResult {
        columns: vec!["name".into(), "n".into()],
        rows,
        entities: entities(),
        ..QueryResult::default()
    }
}

pub fn created() -> Stats {
    Stats {
        nodes_created: 2,
        relationships_created: 1,
        properties_set: 3,
        ..Stats::default()
    }
}

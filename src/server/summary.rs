//! A statement's result as Bolt sends it: the summary that ends a result
//! (counters, type, time, notifications, EXPLAIN's and PROFILE's plan),
//! and a whole result computed beforehand (writes; reads stream,
//! `stream.rs`).

use super::values;
use crate::result::QueryResult;
use boltr::server::{BoltRecord, ResultMetadata, ResultStream};
use boltr::types::{BoltDict, BoltValue};
use std::time::Instant;

/// The summary of a result whose rows have been taken (or are sent apart).
pub fn summary(r: &mut QueryResult, started: Instant, query: &str) -> BoltDict {
    let s = &r.stats;
    let mut summary = BoltDict::new();
    let mut stats = BoltDict::new();
    for (key, n) in [
        ("nodes-created", s.nodes_created),
        ("nodes-deleted", s.nodes_deleted),
        ("relationships-created", s.relationships_created),
        ("relationships-deleted", s.relationships_deleted),
        ("labels-added", s.labels_added),
        ("labels-removed", s.labels_removed),
        // Neo4j counts a removed property as one set to null.
        ("properties-set", s.properties_set + s.properties_removed),
    ] {
        if n > 0 {
            stats.insert(key.to_string(), BoltValue::Integer(n as i64));
        }
    }
    let writes = !stats.is_empty();
    if writes {
        stats.insert("contains-updates".into(), BoltValue::Boolean(true));
        summary.insert("stats".into(), BoltValue::Dict(stats));
    }
    summary.insert(
        "type".into(),
        BoltValue::String(if writes { "rw" } else { "r" }.into()),
    );
    summary.insert(
        "t_last".into(),
        BoltValue::Integer(started.elapsed().as_millis() as i64),
    );
    if !r.warnings.is_empty() {
        let notes = super::notifications::to_bolt(&r.warnings, query);
        summary.insert("notifications".into(), notes);
    }
    if let Some(plan) = r.plan.take() {
        // EXPLAIN also returns the plan as rows. Neo4j's shape (`plan` for
        // EXPLAIN, `profile` with rows for PROFILE) is what drivers read as
        // `summary.plan` / `summary.profile`; our text goes along whole.
        let profiled = plan.lines().last().is_some_and(|l| l.starts_with("total "));
        if let Some(tree) = plan_tree(&plan, profiled) {
            let key = if profiled { "profile" } else { "plan" };
            summary.insert(key.into(), tree);
        }
        summary.insert("supplygraph_plan".into(), BoltValue::String(plan));
    }
    summary
}

/// One operator of a rendered plan (`pipeline::render`): its depth, name,
/// details, and PROFILE's rows and milliseconds when printed.
struct Op {
    depth: usize,
    operator: String,
    details: String,
    counts: Option<(i64, f64)>,
}

fn parse_line(line: &str) -> Option<Op> {
    let text = line.trim_start_matches(' ');
    let depth = (line.len() - text.len()) / 2;
    let (operator, rest) = text.split_once(' ').unwrap_or((text, ""));
    if operator.is_empty() {
        return None;
    }
    let words: Vec<&str> = rest.split_whitespace().collect();
    let counts = match words.as_slice() {
        [.., rows, "row" | "rows", ms, "ms"] => rows.parse().ok().zip(ms.parse().ok()),
        _ => None,
    };
    let details = match counts {
        Some(_) => words[..words.len() - 4].join(" "),
        None => rest.trim().to_string(),
    };
    Some(Op {
        depth,
        operator: operator.to_string(),
        details,
        counts,
    })
}

/// The plan as Neo4j's nested map: `operatorType`, `args`, `identifiers`,
/// `children`, and for PROFILE `rows` and `dbHits` (not counted: 0).
fn plan_tree(plan: &str, profiled: bool) -> Option<BoltValue> {
    let ops: Vec<Op> = plan
        .lines()
        .filter(|l| !(profiled && l.starts_with("total ")))
        .filter_map(parse_line)
        .collect();
    fn build(ops: &[Op], at: &mut usize, profiled: bool) -> BoltValue {
        let op = &ops[*at];
        *at += 1;
        let mut children = Vec::new();
        while *at < ops.len() && ops[*at].depth > op.depth {
            children.push(build(ops, at, profiled));
        }
        let mut args = BoltDict::new();
        if !op.details.is_empty() {
            args.insert("Details".into(), BoltValue::String(op.details.clone()));
        }
        let mut m = BoltDict::from([
            (
                "operatorType".to_string(),
                BoltValue::String(op.operator.clone()),
            ),
            ("identifiers".to_string(), BoltValue::List(Vec::new())),
            ("children".to_string(), BoltValue::List(children)),
        ]);
        if profiled {
            let (rows, ms) = op.counts.unwrap_or((0, 0.0));
            args.insert("Time".into(), BoltValue::Float(ms));
            m.insert("rows".into(), BoltValue::Integer(rows));
            m.insert("dbHits".into(), BoltValue::Integer(0));
        }
        m.insert("args".into(), BoltValue::Dict(args));
        BoltValue::Dict(m)
    }
    let mut at = 0;
    let mut roots = Vec::new();
    let mut union = "Union";
    while at < ops.len() {
        // A UNION prints its parts one after the other, a `Union` or
        // `UnionAll` line between them: one root over them.
        if let name @ ("Union" | "UnionAll") = ops[at].operator.as_str() {
            if ops.get(at + 1).is_none_or(|o| o.depth == 0) {
                union = if name == "Union" { "Union" } else { "UnionAll" };
                at += 1;
                continue;
            }
        }
        roots.push(build(&ops, &mut at, profiled));
    }
    match roots.len() {
        0 => None,
        1 => roots.pop(),
        _ => Some(BoltValue::Dict(BoltDict::from([
            ("operatorType".to_string(), BoltValue::String(union.into())),
            ("identifiers".to_string(), BoltValue::List(Vec::new())),
            ("args".to_string(), BoltValue::Dict(BoltDict::new())),
            ("children".to_string(), BoltValue::List(roots)),
        ]))),
    }
}

/// A whole result, paged to the driver by PULL n.
pub fn result_stream(mut r: QueryResult, started: Instant, query: &str) -> ResultStream {
    let records = r
        .rows
        .iter()
        .map(|row| BoltRecord {
            values: row
                .iter()
                .map(|v| values::to_bolt(v, &r.entities))
                .collect(),
        })
        .collect();
    ResultStream {
        summary: summary(&mut r, started, query),
        metadata: ResultMetadata {
            columns: r.columns,
            extra: BoltDict::new(),
        },
        records,
        source: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(v: &'a BoltValue, key: &str) -> &'a BoltValue {
        match v {
            BoltValue::Dict(d) => d.get(key).unwrap_or_else(|| panic!("no {key} in {v:?}")),
            _ => panic!("not a map: {v:?}"),
        }
    }

    #[test]
    fn a_profile_becomes_neo4j_s_nested_plan_with_rows() {
        let plan = "ProduceResults               x          3 rows      0.010 ms\n\
                    \x20 Projection                 x          3 rows      0.020 ms\n\
                    \x20   Unwind                   range(1, 3) AS x  3 rows  0.030 ms\n\
                    total 0.100 ms";
        let tree = plan_tree(plan, true).unwrap();
        assert_eq!(
            get(&tree, "operatorType"),
            &BoltValue::String("ProduceResults".into())
        );
        assert_eq!(get(&tree, "rows"), &BoltValue::Integer(3));
        let BoltValue::List(children) = get(&tree, "children") else {
            panic!()
        };
        let unwind = match get(&children[0], "children") {
            BoltValue::List(c) => c[0].clone(),
            _ => panic!(),
        };
        assert_eq!(
            get(&unwind, "operatorType"),
            &BoltValue::String("Unwind".into())
        );
        assert_eq!(
            get(get(&unwind, "args"), "Details"),
            &BoltValue::String("range(1, 3) AS x".into())
        );
        // EXPLAIN: no counts; a UNION's parts under one root.
        let tree = plan_tree("ProduceResults x\nUnionAll\nProduceResults x", false).unwrap();
        assert_eq!(
            get(&tree, "operatorType"),
            &BoltValue::String("UnionAll".into())
        );
        let BoltValue::List(parts) = get(&tree, "children") else {
            panic!()
        };
        assert_eq!(parts.len(), 2);
        assert!(plan_tree("", false).is_none());
    }
}

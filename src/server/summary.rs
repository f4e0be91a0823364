//! A statement's result as Bolt sends it: the summary that ends a result
//! (counters, type, time, notifications, PROFILE's plan), and a whole
//! result computed beforehand (statements in explicit transactions and
//! writes; reads stream, `stream.rs`).

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
        // EXPLAIN already returns the plan as rows; PROFILE's text goes here.
        summary.insert("supplygraph_plan".into(), BoltValue::String(plan));
    }
    summary
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

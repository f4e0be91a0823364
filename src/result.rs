//! What a statement returns: columns, rows, the update counters, and the
//! nodes and relationships its rows mention, resolved at the end of the
//! statement so that printing needs no store.

use crate::value::{NodeId, RelId, Value};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    pub stats: Stats,
    pub entities: Entities,
    /// `EXPLAIN`/`PROFILE` text, when asked for.
    pub plan: Option<String>,
}

/// The TCK's side-effect counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub nodes_created: u64,
    pub nodes_deleted: u64,
    pub relationships_created: u64,
    pub relationships_deleted: u64,
    pub labels_added: u64,
    pub labels_removed: u64,
    pub properties_set: u64,
    pub properties_removed: u64,
}

impl Stats {
    pub fn is_empty(&self) -> bool {
        *self == Stats::default()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeData {
    pub id: NodeId,
    pub labels: Vec<String>,
    pub properties: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RelData {
    pub id: RelId,
    pub rel_type: String,
    pub start: NodeId,
    pub end: NodeId,
    pub properties: BTreeMap<String, Value>,
}

/// Every node and relationship that appears in a result's rows (inside
/// lists, maps and paths too).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entities {
    pub nodes: HashMap<NodeId, NodeData>,
    pub rels: HashMap<RelId, RelData>,
}

//! What a statement returns: columns, rows, the update counters, and the
//! nodes and relationships its rows mention, resolved at the end of the
//! statement so that printing needs no store.

use crate::query::ast::Span;
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
    /// Things in the statement that look like mistakes (an unknown label, a
    /// date compared with a number): the statement still ran, and front
    /// ends print them to stderr.
    pub warnings: Vec<Warning>,
}

/// A notification, as Neo4j's are: a detail code, a message, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub code: &'static str,
    pub message: String,
    /// Where in the statement text, when known.
    pub span: Option<Span>,
}

impl Warning {
    /// `warning: message (Code)`, then the source line with a caret under
    /// the span, placed in `origin` as `Error::render` does.
    pub fn render(&self, origin: &str, source: &str, base_line: usize, base_col: usize) -> String {
        let mut out = format!("warning: {} ({})", self.message, self.code);
        if let Some(span) = self.span {
            out.push_str(&crate::error::point_at(
                span, origin, source, base_line, base_col,
            ));
        }
        out
    }
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

//! What the REPL knows about the database for completion and `.schema`:
//! names from the catalog, actor ids and names from a scan of the node
//! records, and counts per label, type and property key.

use crate::database::Database;
use crate::store::catalog::NameKind;
use crate::store::codec::{self, RelRecord};
use crate::store::graph::decode_node_block;
use crate::store::{keys, Graph, StorageError};
use crate::value::Value;
use std::collections::BTreeMap;

/// Above this many actors the REPL does not scan them for `@` completion
/// (the scan runs at start and after each statement that changed data).
pub const MAX_ACTOR_SCAN: u64 = 500_000;

/// One actor as `@` completion offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorName {
    pub id: Option<String>,
    pub name: Option<String>,
    pub aliases: Vec<String>,
}

/// Names offered by completion; refreshed after statements that change data.
#[derive(Debug, Default)]
pub struct Vocab {
    pub labels: Vec<String>,
    pub types: Vec<String>,
    pub keys: Vec<String>,
    pub actors: Vec<ActorName>,
    pub params: Vec<String>,
    /// Set when a statement changed data: actors are scanned again.
    pub stale: bool,
}

impl Vocab {
    pub fn refresh(&mut self, db: &Database) {
        let cat = db.graph().catalog();
        self.labels = cat.names(NameKind::Label).to_vec();
        self.types = cat.names(NameKind::Type).to_vec();
        self.keys = cat.names(NameKind::Key).to_vec();
        if self.stale {
            self.actors = if db.graph().meta().nodes <= MAX_ACTOR_SCAN {
                actor_names(db.graph()).unwrap_or_default()
            } else {
                Vec::new()
            };
            self.stale = false;
        }
    }
}

fn string_of(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    }
}

/// Every actor that has an `id` or `name` string property.
pub fn actor_names(graph: &Graph) -> Result<Vec<ActorName>, StorageError> {
    let cat = graph.catalog();
    let (id_key, name_key, alias_key) = (
        cat.id(NameKind::Key, "id"),
        cat.id(NameKind::Key, "name"),
        cat.id(NameKind::Key, "aliases"),
    );
    let mut out = Vec::new();
    for item in graph.store().scan(&[keys::NODE], Some(&[keys::NODE + 1])) {
        let (k, v) = item?;
        for (_, rec) in decode_node_block(&k, &v)? {
            let id = id_key.and_then(|k| string_of(rec.prop(k)));
            let name = name_key.and_then(|k| string_of(rec.prop(k)));
            let aliases = match alias_key.and_then(|k| rec.prop(k)) {
                Some(Value::List(items)) => {
                    items.iter().filter_map(|i| string_of(Some(i))).collect()
                }
                _ => Vec::new(),
            };
            if id.is_some() || name.is_some() {
                out.push(ActorName { id, name, aliases });
            }
        }
    }
    Ok(out)
}

/// Counts for `.schema`: nodes per label, links per type, and how many
/// actors and links carry each property key.
#[derive(Debug, Default)]
pub struct SchemaCounts {
    pub labels: BTreeMap<String, u64>,
    pub types: BTreeMap<String, u64>,
    pub node_keys: BTreeMap<String, u64>,
    pub rel_keys: BTreeMap<String, u64>,
}

pub fn schema_counts(graph: &Graph) -> Result<SchemaCounts, StorageError> {
    let cat = graph.catalog();
    let mut c = SchemaCounts::default();
    for item in graph.store().scan(&[keys::NODE], Some(&[keys::NODE + 1])) {
        let (k, v) = item?;
        for (_, rec) in decode_node_block(&k, &v)? {
            for l in &rec.labels {
                *c.labels
                    .entry(cat.name(NameKind::Label, *l).to_string())
                    .or_default() += 1;
            }
            for (key, _) in &rec.props {
                *c.node_keys
                    .entry(cat.name(NameKind::Key, *key).to_string())
                    .or_default() += 1;
            }
        }
    }
    let mut state = graph.begin();
    let tx = graph.tx(&mut state);
    tx.for_each_rel(|_, bytes| -> Result<(), StorageError> {
        let rec: RelRecord = codec::decode(bytes)?;
        *c.types
            .entry(cat.name(NameKind::Type, rec.rel_type).to_string())
            .or_default() += 1;
        for (key, _) in &rec.props {
            *c.rel_keys
                .entry(cat.name(NameKind::Key, *key).to_string())
                .or_default() += 1;
        }
        Ok(())
    })?;
    Ok(c)
}

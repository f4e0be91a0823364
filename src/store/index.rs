//! Which index entries a node record implies. Writers diff the entries of
//! the old and new record; `check` recomputes them to verify the indexes.

use super::catalog::{Catalog, NameKind};
use super::codec::NodeRecord;
use super::keys;
use crate::value::{NodeId, Value};

/// Property keys that are indexed: `id` (the stable key, unique when a
/// string), and `name`/`aliases` (how people refer to an actor).
pub const INDEXED_KEYS: [&str; 3] = ["id", "name", "aliases"];

pub fn is_indexed(catalog: &Catalog, key: u32) -> bool {
    INDEXED_KEYS.contains(&catalog.name(NameKind::Key, key))
}

/// Every index key for `node` holding `rec`, sorted and deduplicated.
pub fn node_entries(catalog: &Catalog, node: NodeId, rec: &NodeRecord) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = rec
        .labels
        .iter()
        .map(|&l| keys::label_entry(l, node))
        .collect();
    for (key, value) in &rec.props {
        if !is_indexed(catalog, *key) {
            continue;
        }
        let items: &[Value] = match value {
            Value::List(items) => items,
            single => std::slice::from_ref(single),
        };
        for item in items {
            if let Some(k) = keys::prop_entry(*key, item, node) {
                out.push(k);
            }
            if let Value::String(s) = item {
                out.push(keys::actor_entry(s, node));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

//! Which index entries a node record implies, and where they live. Writers
//! diff the entries of the old and new record; `check` recomputes them to
//! verify the indexes.

use super::bucket;
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

/// One index entry: the bucket key and the entry inside the bucket.
pub type Entry = (Vec<u8>, Vec<u8>);

/// Where `nodes_with_prop(key, value)` looks, and what it matches: `None`
/// for values that are not indexed.
pub fn prop_lookup(key: u32, value: &Value) -> Option<(Vec<u8>, Vec<u8>)> {
    let encoded = keys::encode_index_value(value)?;
    Some((keys::prop_bucket(key, &encoded), encoded))
}

/// Where `actors_named(name)` looks, and what it matches.
pub fn actor_lookup(name: &str) -> (Vec<u8>, Vec<u8>) {
    let folded = keys::fold(name);
    (keys::actor_bucket(&folded), folded.into_bytes())
}

/// Every index entry for `node` holding `rec`, sorted and deduplicated.
pub fn node_entries(catalog: &Catalog, node: NodeId, rec: &NodeRecord) -> Vec<Entry> {
    let mut out: Vec<Entry> = rec
        .labels
        .iter()
        .map(|&l| (keys::label_bucket(l, node), bucket::entry(&[], node)))
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
            if let Some((b, encoded)) = prop_lookup(*key, item) {
                out.push((b, bucket::entry(&encoded, node)));
            }
            if let Value::String(s) = item {
                let (b, folded) = actor_lookup(s);
                out.push((b, bucket::entry(&folded, node)));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

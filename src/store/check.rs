//! `check`: walks every record and every index and reports each
//! inconsistency between them.
//!
//! One streaming pass keeps memory bounded: records are read block by block
//! and the index and adjacency entries they imply are folded into multiset
//! digests (count and wrapping sum of a 64-bit hash per entry), compared
//! with digests of the stored entries. Only a keyspace whose digests
//! disagree is walked again in detail to name the entries at fault.

use super::adjacency::{self, Stored};
use super::catalog::NameKind;
use super::graph::{decode_node_block, decode_rel_block, Graph};
use super::keys::{self, Dir};
use super::{bucket, index, KvStore, StorageError};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Default)]
pub struct Report {
    pub nodes: u64,
    pub rels: u64,
    pub problems: Vec<String>,
}

const MAX_PROBLEMS: usize = 1000;

impl Report {
    pub(super) fn problem(&mut self, msg: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(msg);
        }
    }
}

/// Count and wrapping sum of entry hashes: equal multisets, equal digests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Digest {
    count: u64,
    sum: u64,
}

impl Digest {
    fn add(&mut self, parts: &[&[u8]]) {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for p in parts {
            for &b in *p {
                h ^= b as u64;
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
            h ^= 0xff;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // splitmix64 finaliser, so that sums of similar entries do not cancel.
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^= h >> 31;
        self.count += 1;
        self.sum = self.sum.wrapping_add(h);
    }
}

const INDEX_TAGS: [(u8, &str); 3] = [
    (keys::LABEL, "label"),
    (keys::PROP, "property"),
    (keys::ACTOR, "actor name"),
];

fn tag_slot(tag: u8) -> usize {
    (tag - keys::LABEL) as usize
}

fn adj_entry_bytes(node: u64, e: &Stored) -> Vec<u8> {
    let mut b = node.to_be_bytes().to_vec();
    adjacency::push_entry(&mut b, e);
    b
}

/// Which node ids exist: a bitmap up to the id counter, a set beyond it.
struct NodeSet {
    bits: Vec<u64>,
    beyond: HashSet<u64>,
    limit: u64,
}

impl NodeSet {
    fn new(next_node: u64) -> NodeSet {
        // A damaged counter must not allocate wildly: ids past 2^28 (32 MiB
        // of bitmap) go to the set.
        let limit = next_node.min(1 << 28);
        NodeSet {
            bits: vec![0; limit.div_ceil(64) as usize],
            beyond: HashSet::new(),
            limit,
        }
    }
    fn insert(&mut self, id: u64) {
        if id < self.limit {
            self.bits[(id / 64) as usize] |= 1 << (id % 64);
        } else {
            self.beyond.insert(id);
        }
    }
    fn contains(&self, id: u64) -> bool {
        if id < self.limit {
            self.bits[(id / 64) as usize] & (1 << (id % 64)) != 0
        } else {
            self.beyond.contains(&id)
        }
    }
}

pub fn check(graph: &Graph) -> Result<Report, StorageError> {
    let store = graph.store();
    let catalog = graph.catalog();
    let meta = graph.meta();
    let mut report = Report::default();
    let mut nodes = NodeSet::new(meta.next_node);
    let mut expected_index = [Digest::default(); 3];
    let mut max_node = None;
    for item in store.scan(&[keys::NODE], Some(&[keys::NODE + 1])) {
        let (k, v) = item?;
        match decode_node_block(&k, &v) {
            Ok(recs) => {
                for (id, rec) in recs {
                    report.nodes += 1;
                    nodes.insert(id);
                    max_node = max_node.max(Some(id));
                    for (bk, e) in index::node_entries(catalog, id, &rec) {
                        expected_index[tag_slot(bk[0])].add(&[&bk, &e]);
                    }
                }
            }
            Err(e) => report.problem(format!("node block {k:02x?}: {e}")),
        }
    }
    let mut expected_adj = Digest::default();
    let mut max_rel = None;
    for item in store.scan(&[keys::REL], Some(&[keys::REL + 1])) {
        let (k, v) = item?;
        match decode_rel_block(&k, &v) {
            Ok(recs) => {
                for (id, rec) in recs {
                    report.rels += 1;
                    max_rel = max_rel.max(Some(id));
                    for (end, node) in [("start", rec.src), ("end", rec.dst)] {
                        if !nodes.contains(node) {
                            report.problem(format!(
                                "dangling relationship {id}: its {end} node {node} does not exist"
                            ));
                        }
                    }
                    let out = Stored {
                        rel: id,
                        other: rec.dst,
                        rel_type: rec.rel_type,
                        dir: Dir::Out,
                    };
                    let inn = Stored {
                        rel: id,
                        other: rec.src,
                        rel_type: rec.rel_type,
                        dir: Dir::In,
                    };
                    expected_adj.add(&[&adj_entry_bytes(rec.src, &out)]);
                    expected_adj.add(&[&adj_entry_bytes(rec.dst, &inn)]);
                }
            }
            Err(e) => report.problem(format!("relationship block {k:02x?}: {e}")),
        }
    }
    if stored_adjacency(store, &mut report)? != expected_adj {
        adjacency_details(store, &mut report)?;
    }
    for (tag, what) in INDEX_TAGS {
        if stored_index(store, tag, &mut report)? != expected_index[tag_slot(tag)] {
            index_details(graph, tag, what, &mut report)?;
        }
    }
    check_unique_ids(graph, &mut report)?;
    super::check_chunks::check_chunks(store, catalog, &mut report)?;
    if meta.nodes != report.nodes || meta.rels != report.rels {
        report.problem(format!(
            "counters say {} actors and {} links, records hold {} and {}",
            meta.nodes, meta.rels, report.nodes, report.rels
        ));
    }
    if max_node.is_some_and(|m| m >= meta.next_node) || max_rel.is_some_and(|m| m >= meta.next_rel)
    {
        report.problem("id counters are behind the highest record id".into());
    }
    Ok(report)
}

fn stored_adjacency(store: &dyn KvStore, report: &mut Report) -> Result<Digest, StorageError> {
    let mut d = Digest::default();
    for item in store.scan(&[keys::ADJ], Some(&[keys::ADJ + 1])) {
        let (k, v) = item?;
        let Some((node, _)) = keys::parse_adj(&k) else {
            report.problem(format!("malformed adjacency key {k:02x?}"));
            continue;
        };
        for e in adjacency::decode_chunk(&v) {
            match e {
                Ok(e) => d.add(&[&adj_entry_bytes(node, &e)]),
                Err(e) => report.problem(format!("adjacency list of node {node}: {e}")),
            }
        }
    }
    Ok(d)
}

fn stored_index(store: &dyn KvStore, tag: u8, report: &mut Report) -> Result<Digest, StorageError> {
    let mut d = Digest::default();
    for item in store.scan(&[tag], Some(&[tag + 1])) {
        let (k, v) = item?;
        if let Err(e) = bucket::validate(&v) {
            report.problem(format!("index bucket {k:02x?}: {e}"));
            continue;
        }
        for e in bucket::decode(&v)? {
            d.add(&[&k, e]);
        }
    }
    Ok(d)
}

/// Names each adjacency entry that does not match a record, and each
/// record missing from a list (run only when the digests disagree).
fn adjacency_details(store: &dyn KvStore, report: &mut Report) -> Result<(), StorageError> {
    let mut rels: HashMap<u64, (u64, u64, u32)> = HashMap::new();
    for item in store.scan(&[keys::REL], Some(&[keys::REL + 1])) {
        let (k, v) = item?;
        if let Ok(recs) = decode_rel_block(&k, &v) {
            rels.extend(
                recs.into_iter()
                    .map(|(id, r)| (id, (r.src, r.dst, r.rel_type))),
            );
        }
    }
    let mut seen_out: HashSet<u64> = HashSet::new();
    let mut seen_in: HashSet<u64> = HashSet::new();
    for item in store.scan(&[keys::ADJ], Some(&[keys::ADJ + 1])) {
        let (k, v) = item?;
        let Some((node, _)) = keys::parse_adj(&k) else {
            continue;
        };
        for e in adjacency::decode_chunk(&v).map_while(Result::ok) {
            let want = match e.dir {
                Dir::Out => (node, e.other, e.rel_type),
                Dir::In => (e.other, node, e.rel_type),
            };
            let seen = if e.dir == Dir::Out {
                &mut seen_out
            } else {
                &mut seen_in
            };
            if rels.get(&e.rel) != Some(&want) {
                report.problem(format!("adjacency entry of node {node} names relationship {}, which does not match a record", e.rel));
            } else if !seen.insert(e.rel) {
                report.problem(format!(
                    "relationship {} is listed twice in adjacency",
                    e.rel
                ));
            }
        }
    }
    let mut missing: Vec<u64> = rels
        .keys()
        .filter(|r| !seen_out.contains(r) || !seen_in.contains(r))
        .copied()
        .collect();
    missing.sort_unstable();
    for rel in missing {
        report.problem(format!(
            "relationship {rel} is missing from an adjacency list"
        ));
    }
    Ok(())
}

/// Names each entry of one index keyspace without a matching record, and
/// each record missing an entry (run only when the digests disagree).
fn index_details(
    graph: &Graph,
    tag: u8,
    what: &str,
    report: &mut Report,
) -> Result<(), StorageError> {
    let store = graph.store();
    let mut expected: HashSet<(Vec<u8>, Vec<u8>)> = HashSet::new();
    for item in store.scan(&[keys::NODE], Some(&[keys::NODE + 1])) {
        let (k, v) = item?;
        for (id, rec) in decode_node_block(&k, &v).unwrap_or_default() {
            expected.extend(
                index::node_entries(graph.catalog(), id, &rec)
                    .into_iter()
                    .filter(|(bk, _)| bk[0] == tag),
            );
        }
    }
    for item in store.scan(&[tag], Some(&[tag + 1])) {
        let (k, v) = item?;
        let Ok(entries) = bucket::decode(&v) else {
            continue;
        };
        for e in entries {
            if !expected.remove(&(k.clone(), e.to_vec())) {
                report.problem(format!(
                    "{what} index entry for node {} has no matching record",
                    bucket::node_of(e)
                ));
            }
        }
    }
    let mut missing: Vec<u64> = expected.iter().map(|(_, e)| bucket::node_of(e)).collect();
    missing.sort_unstable();
    missing.dedup();
    for node in missing {
        report.problem(format!("node {node} is missing from the {what} index"));
    }
    Ok(())
}

/// Two nodes listed under one string value of `id`.
fn check_unique_ids(graph: &Graph, report: &mut Report) -> Result<(), StorageError> {
    let Some(key) = graph.catalog().id(NameKind::Key, "id") else {
        return Ok(());
    };
    let prefix = keys::prop_prefix(key);
    for item in graph
        .store()
        .scan(&prefix, super::prefix_end(&prefix).as_deref())
    {
        let (_, v) = item?;
        let Ok(entries) = bucket::decode(&v) else {
            continue;
        };
        for w in entries.windows(2) {
            let value = bucket::value_of(w[1]);
            if value.first() == Some(&keys::STRING_TYPE) && bucket::value_of(w[0]) == value {
                let shown = keys::decode_index_string(value).unwrap_or_default();
                report.problem(format!(
                    "duplicate id '{shown}' (node {})",
                    bucket::node_of(w[1])
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;

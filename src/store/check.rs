//! `check`: walks every record and every index and reports each
//! inconsistency between them.

use super::adjacency;
use super::graph::{Graph, NodeRecord, RelRecord};
use super::{codec, index, keys, StorageError};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Default)]
pub struct Report {
    pub nodes: u64,
    pub rels: u64,
    pub problems: Vec<String>,
}

const MAX_PROBLEMS: usize = 1000;

impl Report {
    fn problem(&mut self, msg: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(msg);
        }
    }
}

pub fn check(graph: &Graph) -> Result<Report, StorageError> {
    let store = graph.store();
    let catalog = graph.catalog();
    let mut report = Report::default();
    let mut expected_index: HashSet<Vec<u8>> = HashSet::new();
    let mut node_ids: HashSet<u64> = HashSet::new();
    let mut max_node = None;
    for item in store.scan(&[keys::NODE], Some(&[keys::NODE + 1])) {
        let (k, v) = item?;
        let Some(id) = keys::id_of(&k).filter(|_| k.len() == 9) else {
            report.problem(format!("malformed node key {k:02x?}"));
            continue;
        };
        report.nodes += 1;
        node_ids.insert(id);
        max_node = max_node.max(Some(id));
        match codec::decode::<NodeRecord>(&v, "node") {
            Ok(rec) => expected_index.extend(index::node_entries(catalog, id, &rec)),
            Err(e) => report.problem(format!("node {id}: {e}")),
        }
    }
    let mut rels: HashMap<u64, (u64, u64, u32)> = HashMap::new();
    let mut max_rel = None;
    for item in store.scan(&[keys::REL], Some(&[keys::REL + 1])) {
        let (k, v) = item?;
        let Some(id) = keys::id_of(&k).filter(|_| k.len() == 9) else {
            report.problem(format!("malformed relationship key {k:02x?}"));
            continue;
        };
        report.rels += 1;
        max_rel = max_rel.max(Some(id));
        match codec::decode::<RelRecord>(&v, "relationship") {
            Ok(rec) => {
                for (end, node) in [("start", rec.src), ("end", rec.dst)] {
                    if !node_ids.contains(&node) {
                        report.problem(format!(
                            "dangling relationship {id}: its {end} node {node} does not exist"
                        ));
                    }
                }
                rels.insert(id, (rec.src, rec.dst, rec.rel_type));
            }
            Err(e) => report.problem(format!("relationship {id}: {e}")),
        }
    }
    check_adjacency(graph, &rels, &mut report)?;
    for (tag, what) in [
        (keys::LABEL, "label"),
        (keys::PROP, "property"),
        (keys::ACTOR, "actor name"),
    ] {
        for item in store.scan(&[tag], Some(&[tag + 1])) {
            let (k, _) = item?;
            if !expected_index.remove(&k) {
                let node = keys::trailing_id(&k).unwrap_or(u64::MAX);
                report.problem(format!(
                    "{what} index entry for node {node} has no matching record"
                ));
            }
        }
    }
    for k in &expected_index {
        let node = keys::trailing_id(k).unwrap_or(u64::MAX);
        report.problem(format!(
            "node {node} is missing an index entry (tag {:#04x})",
            k[0]
        ));
    }
    check_unique_ids(graph, &mut report)?;
    let meta = graph.meta();
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

fn check_adjacency(
    graph: &Graph,
    rels: &HashMap<u64, (u64, u64, u32)>,
    report: &mut Report,
) -> Result<(), StorageError> {
    let mut seen_out: HashSet<u64> = HashSet::new();
    let mut seen_in: HashSet<u64> = HashSet::new();
    for item in graph.store().scan(&[keys::ADJ], Some(&[keys::ADJ + 1])) {
        let (k, v) = item?;
        let Some((node, dir, ty, _)) = keys::parse_adj(&k) else {
            report.problem(format!("malformed adjacency key {k:02x?}"));
            continue;
        };
        let entries = match adjacency::decode_chunk(&v) {
            Ok(e) => e,
            Err(e) => {
                report.problem(format!("adjacency list of node {node}: {e}"));
                continue;
            }
        };
        for (rel, other) in entries {
            let want = match dir {
                keys::Dir::Out => (node, other, ty),
                keys::Dir::In => (other, node, ty),
            };
            let seen = if dir == keys::Dir::Out {
                &mut seen_out
            } else {
                &mut seen_in
            };
            if rels.get(&rel) != Some(&want) {
                report.problem(format!("adjacency entry of node {node} names relationship {rel}, which does not match a record"));
            } else if !seen.insert(rel) {
                report.problem(format!("relationship {rel} is listed twice in adjacency"));
            }
        }
    }
    for rel in rels.keys() {
        if !seen_out.contains(rel) || !seen_in.contains(rel) {
            report.problem(format!(
                "relationship {rel} is missing from an adjacency list"
            ));
        }
    }
    Ok(())
}

fn check_unique_ids(graph: &Graph, report: &mut Report) -> Result<(), StorageError> {
    let Some(key) = graph.catalog().id(super::catalog::NameKind::Key, "id") else {
        return Ok(());
    };
    let mut prefix = vec![keys::PROP];
    prefix.extend_from_slice(&key.to_be_bytes());
    prefix.push(0x30); // string values only: a string id is the unique key
    let mut last: Option<Vec<u8>> = None;
    for item in graph
        .store()
        .scan(&prefix, super::prefix_end(&prefix).as_deref())
    {
        let (k, _) = item?;
        let value_part = k[..k.len() - 8].to_vec();
        if last.as_ref() == Some(&value_part) {
            let node = keys::trailing_id(&k).unwrap_or(u64::MAX);
            let shown = String::from_utf8_lossy(&value_part[prefix.len()..value_part.len() - 2])
                .to_string();
            report.problem(format!("duplicate id '{shown}' (node {node})"));
        }
        last = Some(value_part);
    }
    Ok(())
}

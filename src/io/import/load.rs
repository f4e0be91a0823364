//! The one transaction every importer writes through: actors keyed by their
//! string `id`, links buffered a record block at a time, every actor's
//! adjacency list written once at the end, and one commit (all or nothing).

use super::ids::Ids;
use super::link_ends::LinkEnds;
use super::Summary;
use crate::error::Error;
use crate::store::catalog::NameKind;
use crate::store::graph::{EncodedProps, EncodedRels, Graph, NodeRecord, RelRecord, TxState};
use crate::store::keys::BLOCK_SLOTS;
use crate::value::{NodeId, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

pub(crate) struct Load {
    pub tx: TxState,
    /// String `id` → actor, for actors of this load and stored ones looked
    /// up (`ids.rs`).
    pub ids: Ids,
    pending_nodes: Vec<NodeRecord>,
    /// Links staged for the record block being filled, encoded.
    pending_rels: EncodedRels,
    /// Both ends of every link, in link order.
    ends: LinkEnds,
    /// Catalog ids by name, one map per kind (label, type, key).
    names: [HashMap<String, u32>; 3],
    pub id_key: u32,
    /// Whether the database held any actor when the load began: if not,
    /// an id missing from `ids` names no actor, and a new one no stored
    /// actor, without asking the index (at a million actors the lookups
    /// of staged index buckets were most of the node load).
    stored_actors: bool,
    /// Whether the database had ever held a link when the load began: if
    /// not, no actor has an adjacency list before `finish` writes it.
    stored_links: bool,
    pub summary: Summary,
    started: Instant,
}

impl Load {
    pub fn new(graph: &Graph) -> Load {
        let mut tx = graph.begin();
        let id_key = graph.tx(&mut tx).catalog_mut().intern(NameKind::Key, "id");
        let stored_actors = graph.tx(&mut tx).meta().next_node > 0;
        let stored_links = graph.tx(&mut tx).meta().next_rel > 0;
        Load {
            tx,
            ids: Ids::default(),
            pending_nodes: Vec::new(),
            pending_rels: EncodedRels::default(),
            ends: LinkEnds::default(),
            names: Default::default(),
            id_key,
            stored_actors,
            stored_links,
            summary: Summary::default(),
            started: Instant::now(),
        }
    }

    /// The catalog id of a label, link type or property key (interned once).
    pub fn name(&mut self, graph: &Graph, kind: NameKind, name: &str) -> u32 {
        let names = &mut self.names[kind as usize];
        if let Some(&id) = names.get(name) {
            return id;
        }
        let id = graph.tx(&mut self.tx).catalog_mut().intern(kind, name);
        self.names[kind as usize].insert(name.to_string(), id);
        id
    }

    pub fn key(&mut self, graph: &Graph, name: &str) -> u32 {
        self.name(graph, NameKind::Key, name)
    }

    /// The actor with this string id, from this load or the database.
    pub fn find(&mut self, graph: &Graph, key: &str) -> Result<Option<NodeId>, Error> {
        if let Some(n) = self.ids.get(key) {
            return Ok(Some(n));
        }
        if key.is_empty() || !self.stored_actors {
            return Ok(None);
        }
        let found = graph
            .tx(&mut self.tx)
            .nodes_with_prop(self.id_key, &Value::String(key.to_string()))?;
        Ok(found.first().map(|&n| {
            self.ids.insert(key, n);
            n
        }))
    }

    /// Stages an actor; `key` (its string id, also expected among `props`)
    /// must be new to the load and to the database: the error says so.
    pub fn add_node(
        &mut self,
        graph: &Graph,
        key: Option<&str>,
        labels: Vec<u32>,
        props: Vec<(u32, Value)>,
    ) -> Result<NodeId, String> {
        let id = graph.tx(&mut self.tx).meta().next_node + self.pending_nodes.len() as NodeId;
        if let Some(key) = key {
            if self.ids.contains(key) {
                return Err(format!("duplicate id '{key}'"));
            }
            if self.stored_actors {
                let stored = graph
                    .tx(&mut self.tx)
                    .nodes_with_prop(self.id_key, &Value::String(key.to_string()))
                    .map_err(|e| e.to_string())?;
                if !stored.is_empty() {
                    return Err(format!("an actor with id '{key}' already exists"));
                }
            }
            self.ids.insert(key, id);
        }
        self.pending_nodes.push(NodeRecord { labels, props });
        self.summary.nodes += 1;
        Ok(id)
    }

    /// Writes the staged actors (their ids were handed out in order).
    pub fn flush_nodes(&mut self, graph: &Graph) -> Result<(), Error> {
        if !self.pending_nodes.is_empty() {
            let recs = std::mem::take(&mut self.pending_nodes);
            graph.tx(&mut self.tx).create_nodes(recs)?;
        }
        Ok(())
    }

    pub fn add_link(
        &mut self,
        graph: &Graph,
        rel_type: u32,
        src: NodeId,
        dst: NodeId,
        props: Vec<(u32, Value)>,
    ) -> Result<(), Error> {
        self.pending_rels.push(&RelRecord {
            rel_type,
            src,
            dst,
            props,
        });
        self.staged_link(graph, rel_type, src, dst)
    }

    /// `add_link` of a link whose properties were encoded as they were
    /// parsed.
    pub fn add_encoded_link(
        &mut self,
        graph: &Graph,
        rel_type: u32,
        src: NodeId,
        dst: NodeId,
        props: &EncodedProps,
    ) -> Result<(), Error> {
        self.pending_rels.push_parts(rel_type, src, dst, props);
        self.staged_link(graph, rel_type, src, dst)
    }

    /// Takes the link just staged, writing its record block once full.
    fn staged_link(
        &mut self,
        graph: &Graph,
        rel_type: u32,
        src: NodeId,
        dst: NodeId,
    ) -> Result<(), Error> {
        let mut t = graph.tx(&mut self.tx);
        let rel = t.meta().next_rel + self.pending_rels.len() as u64 - 1;
        self.ends.push(rel, src, dst, rel_type);
        if (rel + 1).is_multiple_of(BLOCK_SLOTS as u64) {
            t.create_encoded_rels(&self.pending_rels)?;
            self.pending_rels.clear();
        }
        self.summary.rels += 1;
        Ok(())
    }

    /// Writes what is staged and commits it as one load.
    pub fn finish(mut self, graph: &mut Graph) -> Result<Summary, Error> {
        self.flush_nodes(graph)?;
        let mut t = graph.tx(&mut self.tx);
        if !self.pending_rels.is_empty() {
            t.create_encoded_rels(&std::mem::take(&mut self.pending_rels))?;
        }
        // What only staging needed goes before the commit's peak.
        drop(std::mem::take(&mut self.ids));
        let stored_links = self.stored_links;
        std::mem::take(&mut self.ends).for_each_actor(|node, entries| {
            if stored_links {
                t.append_adjacency_entries(node, entries)
            } else {
                t.write_new_adjacency(node, entries)
            }
        })?;
        graph.commit_load(self.tx)?;
        self.summary.seconds = self.started.elapsed().as_secs_f64();
        Ok(self.summary)
    }
}

/// Progress over every input file: bytes read so far of a total that counts
/// each file once per pass over it.
pub(crate) struct Meter<'a> {
    report: &'a mut dyn FnMut(u64, u64),
    pub done: u64,
    pub total: u64,
    /// Set when what this pass reads is no longer wanted.
    stop: Option<&'a AtomicBool>,
}

impl<'a> Meter<'a> {
    pub fn new(report: &'a mut dyn FnMut(u64, u64), total: u64) -> Meter<'a> {
        Meter {
            report,
            done: 0,
            total,
            stop: None,
        }
    }

    /// A meter for a pass that gives up once `stop` is set.
    pub fn stopping(mut self, stop: &'a AtomicBool) -> Meter<'a> {
        self.stop = Some(stop);
        self
    }

    pub fn stopped(&self) -> bool {
        self.stop.is_some_and(|s| s.load(Ordering::Relaxed))
    }

    /// `bytes` read of the current pass over the current file.
    pub fn at(&mut self, bytes: u64) {
        (self.report)(self.done + bytes, self.total);
    }

    /// A pass over a file of `len` bytes is complete.
    pub fn passed(&mut self, len: u64) {
        self.done += len;
        (self.report)(self.done.min(self.total), self.total);
    }
}

//! The graph on top of the key-value store: opening (format version, meta),
//! transactions as overlays, and the record, adjacency and index updates that
//! keep every index consistent with the records.

use super::adjacency::{self, AdjEntry};
use super::catalog::{Catalog, NameKind};
pub use super::codec::{NodeRecord, RelRecord};
use super::keys::{self, Dir};
use super::{codec, index, KvStore, Overlay, StorageError, View};
use crate::error::{Error, ErrorKind};
use crate::value::{NodeId, RelId, Value};
use std::path::Path;

/// Layout version of this build; older is migrated or refused, newer refused.
pub const FORMAT_VERSION: u32 = 1;

/// Counters kept in the `meta` keyspace.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Meta {
    pub next_node: u64,
    pub next_rel: u64,
    pub nodes: u64,
    pub rels: u64,
}

const META_FIELDS: [&str; 4] = ["next_node", "next_rel", "nodes", "rels"];

impl Meta {
    fn fields(&self) -> [u64; 4] {
        [self.next_node, self.next_rel, self.nodes, self.rels]
    }

    fn load(store: &dyn KvStore) -> Result<Meta, StorageError> {
        let mut v = [0u64; 4];
        for (i, name) in META_FIELDS.iter().enumerate() {
            if let Some(bytes) = store.get(&keys::meta(name))? {
                let arr: [u8; 8] = bytes
                    .as_slice()
                    .try_into()
                    .map_err(|_| StorageError::Corrupt(format!("damaged meta record {name}")))?;
                v[i] = u64::from_be_bytes(arr);
            }
        }
        Ok(Meta {
            next_node: v[0],
            next_rel: v[1],
            nodes: v[2],
            rels: v[3],
        })
    }
}

/// The committed state of an open database.
pub struct Graph {
    store: Box<dyn KvStore>,
    catalog: Catalog,
    meta: Meta,
}

/// What a transaction has staged: its writes, its copy of the catalog and
/// counters. Cloning it is how a statement inside a transaction can be undone.
#[derive(Debug, Clone)]
pub struct TxState {
    pub overlay: Overlay,
    pub catalog: Catalog,
    pub meta: Meta,
}

impl Graph {
    pub fn open(store: Box<dyn KvStore>) -> Result<Graph, StorageError> {
        match store.get(&keys::meta("format"))? {
            Some(v) => {
                let arr: [u8; 4] = v
                    .as_slice()
                    .try_into()
                    .map_err(|_| StorageError::Corrupt("damaged format record".into()))?;
                let version = u32::from_be_bytes(arr);
                if version > FORMAT_VERSION {
                    return Err(StorageError::Format(format!(
                        "database has format version {version}, newer than this build's {FORMAT_VERSION}: upgrade supplygraph"
                    )));
                }
                if version < FORMAT_VERSION {
                    return Err(StorageError::Format(format!(
                        "database has format version {version}, which this build cannot migrate to {FORMAT_VERSION}"
                    )));
                }
            }
            None => {
                if store.scan(&[], None).next().is_some() {
                    return Err(StorageError::Format(
                        "not a supplygraph database (no format record)".into(),
                    ));
                }
                store.apply(vec![(
                    keys::meta("format"),
                    Some(FORMAT_VERSION.to_be_bytes().to_vec()),
                )])?;
            }
        }
        let catalog = Catalog::load(store.as_ref())?;
        let meta = Meta::load(store.as_ref())?;
        Ok(Graph {
            store,
            catalog,
            meta,
        })
    }

    pub fn open_path(path: &Path) -> Result<Graph, StorageError> {
        Graph::open(Box::new(super::sled_store::SledStore::open(path)?))
    }

    pub fn open_memory() -> Result<Graph, StorageError> {
        Graph::open(Box::new(super::memory::MemoryStore::new()))
    }

    pub fn store(&self) -> &dyn KvStore {
        self.store.as_ref()
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn meta(&self) -> Meta {
        self.meta
    }

    pub fn begin(&self) -> TxState {
        TxState {
            overlay: Overlay::default(),
            catalog: self.catalog.clone(),
            meta: self.meta,
        }
    }

    /// Writes everything `tx` staged as one atomic, flushed batch.
    pub fn commit(&mut self, mut tx: TxState) -> Result<(), StorageError> {
        if tx.overlay.is_empty() && tx.meta == self.meta {
            self.catalog = tx.catalog;
            return Ok(());
        }
        let names = tx.catalog.take_added();
        let mut batch = tx.overlay.into_batch();
        batch.extend(names.into_iter().map(|(k, v)| (k, Some(v))));
        for (name, value) in META_FIELDS.iter().zip(tx.meta.fields()) {
            batch.push((keys::meta(name), Some(value.to_be_bytes().to_vec())));
        }
        self.store.apply(batch)?;
        self.catalog = tx.catalog;
        self.meta = tx.meta;
        Ok(())
    }

    pub fn tx<'a>(&'a self, state: &'a mut TxState) -> Tx<'a> {
        Tx {
            store: self.store.as_ref(),
            st: state,
        }
    }
}

/// A transaction at work: reads see its own writes.
pub struct Tx<'a> {
    store: &'a dyn KvStore,
    pub st: &'a mut TxState,
}

fn constraint(msg: String) -> Error {
    Error::runtime(ErrorKind::ConstraintError, "UniqueConstraintViolation", msg)
}

impl<'a> Tx<'a> {
    pub fn view(&self) -> View<'_> {
        View {
            store: self.store,
            overlay: &self.st.overlay,
        }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.st.catalog
    }

    pub fn catalog_mut(&mut self) -> &mut Catalog {
        &mut self.st.catalog
    }

    pub fn meta(&self) -> Meta {
        self.st.meta
    }

    pub fn node(&self, id: NodeId) -> Result<Option<NodeRecord>, StorageError> {
        match self.view().get(&keys::node(id))? {
            Some(bytes) => Ok(Some(codec::decode(&bytes, "node")?)),
            None => Ok(None),
        }
    }

    pub fn rel(&self, id: RelId) -> Result<Option<RelRecord>, StorageError> {
        match self.view().get(&keys::rel(id))? {
            Some(bytes) => Ok(Some(codec::decode(&bytes, "relationship")?)),
            None => Ok(None),
        }
    }

    /// Links of `node` in one direction (both: out then in), of some types.
    pub fn expand(
        &self,
        node: NodeId,
        dir: Option<Dir>,
        types: Option<&[u32]>,
        out: &mut Vec<AdjEntry>,
    ) -> Result<(), StorageError> {
        match dir {
            Some(d) => adjacency::list(self.view(), node, d, types, out),
            None => {
                adjacency::list(self.view(), node, Dir::Out, types, out)?;
                adjacency::list(self.view(), node, Dir::In, types, out)
            }
        }
    }

    pub fn nodes_with_label(&self, label: u32) -> Result<Vec<NodeId>, StorageError> {
        self.ids_under(&keys::label_prefix(label))
    }

    /// Nodes whose indexed property `key` equals `value` (or, for a list
    /// property such as `aliases`, contains it).
    pub fn nodes_with_prop(&self, key: u32, value: &Value) -> Result<Vec<NodeId>, StorageError> {
        match keys::prop_prefix(key, value) {
            Some(prefix) => self.ids_under(&prefix),
            None => Ok(Vec::new()),
        }
    }

    /// Actors whose `id`, `name` or one of `aliases` equals `name`, ignoring case.
    pub fn actors_named(&self, name: &str) -> Result<Vec<NodeId>, StorageError> {
        let mut ids = self.ids_under(&keys::actor_prefix(name))?;
        ids.dedup();
        Ok(ids)
    }

    fn ids_under(&self, prefix: &[u8]) -> Result<Vec<NodeId>, StorageError> {
        let mut out = Vec::new();
        for item in self.view().scan_prefix(prefix) {
            let (k, _) = item?;
            out.push(
                keys::trailing_id(&k)
                    .ok_or_else(|| StorageError::Corrupt("damaged index key".into()))?,
            );
        }
        Ok(out)
    }

    /// Every node id, ascending.
    pub fn all_node_ids(&self) -> Result<Vec<NodeId>, StorageError> {
        let mut out = Vec::new();
        for item in self.view().scan(&[keys::NODE], Some(&[keys::NODE + 1])) {
            let (k, _) = item?;
            out.push(
                keys::id_of(&k).ok_or_else(|| StorageError::Corrupt("damaged node key".into()))?,
            );
        }
        Ok(out)
    }

    /// Every relationship with its record, ascending by id.
    pub fn all_rels(&self) -> impl Iterator<Item = Result<(RelId, RelRecord), StorageError>> + '_ {
        self.view()
            .scan(&[keys::REL], Some(&[keys::REL + 1]))
            .map(|item| {
                let (k, v) = item?;
                let id = keys::id_of(&k)
                    .ok_or_else(|| StorageError::Corrupt("damaged relationship key".into()))?;
                Ok((id, codec::decode(&v, "relationship")?))
            })
    }

    // ------------------------------------------------------------ writes

    pub fn create_node(&mut self, rec: NodeRecord) -> Result<NodeId, Error> {
        let id = self.st.meta.next_node;
        self.check_unique_id(id, &rec)?;
        self.write_node_indexes(id, None, Some(&rec));
        self.st.overlay.put(keys::node(id), codec::encode(&rec));
        self.st.meta.next_node += 1;
        self.st.meta.nodes += 1;
        Ok(id)
    }

    /// Replaces a node's record (labels and properties), updating indexes.
    pub fn update_node(
        &mut self,
        id: NodeId,
        old: &NodeRecord,
        new: NodeRecord,
    ) -> Result<(), Error> {
        self.check_unique_id(id, &new)?;
        self.write_node_indexes(id, Some(old), Some(&new));
        self.st.overlay.put(keys::node(id), codec::encode(&new));
        Ok(())
    }

    /// Deletes a node that has no links left.
    pub fn delete_node(&mut self, id: NodeId, old: &NodeRecord) {
        self.write_node_indexes(id, Some(old), None);
        self.st.overlay.delete(keys::node(id));
        self.st.meta.nodes -= 1;
    }

    /// Creates a link; `adjacency: false` leaves the adjacency lists to the
    /// caller (bulk import appends them grouped, see `append_adjacency`).
    pub fn create_rel(&mut self, rec: RelRecord, adjacency: bool) -> Result<RelId, StorageError> {
        let id = self.st.meta.next_rel;
        if adjacency {
            self.append_adjacency(rec.src, Dir::Out, rec.rel_type, &[(id, rec.dst)])?;
            self.append_adjacency(rec.dst, Dir::In, rec.rel_type, &[(id, rec.src)])?;
        }
        self.st.overlay.put(keys::rel(id), codec::encode(&rec));
        self.st.meta.next_rel += 1;
        self.st.meta.rels += 1;
        Ok(id)
    }

    pub fn append_adjacency(
        &mut self,
        node: NodeId,
        dir: Dir,
        rel_type: u32,
        entries: &[(RelId, NodeId)],
    ) -> Result<(), StorageError> {
        let view = View {
            store: self.store,
            overlay: &self.st.overlay,
        };
        let mut staged = Overlay::default();
        adjacency::append(view, &mut staged, node, dir, rel_type, entries)?;
        for (k, v) in staged.into_batch() {
            match v {
                Some(v) => self.st.overlay.put(k, v),
                None => self.st.overlay.delete(k),
            }
        }
        Ok(())
    }

    pub fn update_rel(&mut self, id: RelId, rec: &RelRecord) {
        self.st.overlay.put(keys::rel(id), codec::encode(rec));
    }

    pub fn delete_rel(&mut self, id: RelId, rec: &RelRecord) -> Result<(), StorageError> {
        for (node, dir) in [(rec.src, Dir::Out), (rec.dst, Dir::In)] {
            let view = View {
                store: self.store,
                overlay: &self.st.overlay,
            };
            let mut staged = Overlay::default();
            adjacency::remove(view, &mut staged, node, dir, rec.rel_type, id)?;
            for (k, v) in staged.into_batch() {
                match v {
                    Some(v) => self.st.overlay.put(k, v),
                    None => self.st.overlay.delete(k),
                }
            }
        }
        self.st.overlay.delete(keys::rel(id));
        self.st.meta.rels -= 1;
        Ok(())
    }

    fn write_node_indexes(
        &mut self,
        id: NodeId,
        old: Option<&NodeRecord>,
        new: Option<&NodeRecord>,
    ) {
        let before = old
            .map(|r| index::node_entries(&self.st.catalog, id, r))
            .unwrap_or_default();
        let after = new
            .map(|r| index::node_entries(&self.st.catalog, id, r))
            .unwrap_or_default();
        for k in &before {
            if after.binary_search(k).is_err() {
                self.st.overlay.delete(k.clone());
            }
        }
        for k in after {
            if before.binary_search(&k).is_err() {
                self.st.overlay.put(k, Vec::new());
            }
        }
    }

    /// A string `id` names one actor only.
    fn check_unique_id(&self, node: NodeId, rec: &NodeRecord) -> Result<(), Error> {
        let Some(key) = self.st.catalog.id(NameKind::Key, "id") else {
            return Ok(());
        };
        for (k, v) in &rec.props {
            if *k == key {
                if let Value::String(s) = v {
                    let holders = self.nodes_with_prop(key, v)?;
                    if holders.iter().any(|&h| h != node) {
                        return Err(constraint(format!("an actor with id '{s}' already exists")));
                    }
                }
            }
        }
        Ok(())
    }
}

impl NodeRecord {
    pub fn prop(&self, key: u32) -> Option<&Value> {
        self.props.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

impl RelRecord {
    pub fn prop(&self, key: u32) -> Option<&Value> {
        self.props.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(g: &Graph, tx: &mut TxState, label: &str, id: &str) -> NodeId {
        let mut t = g.tx(tx);
        let l = t.catalog_mut().intern(NameKind::Label, label);
        let k = t.catalog_mut().intern(NameKind::Key, "id");
        t.create_node(NodeRecord {
            labels: vec![l],
            props: vec![(k, Value::String(id.into()))],
        })
        .unwrap()
    }

    #[test]
    fn committed_graph_reopens_with_records_indexes_and_counters() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut g = Graph::open_path(dir.path()).unwrap();
            let mut tx = g.begin();
            let a = node(&g, &mut tx, "Country", "belarus");
            let b = node(&g, &mut tx, "Country", "russia");
            let mut t = g.tx(&mut tx);
            let ty = t.catalog_mut().intern(NameKind::Type, "SUPPLIES");
            t.create_rel(
                RelRecord {
                    rel_type: ty,
                    src: a,
                    dst: b,
                    props: vec![],
                },
                true,
            )
            .unwrap();
            g.commit(tx).unwrap();
        }
        let g = Graph::open_path(dir.path()).unwrap();
        assert_eq!(g.meta().nodes, 2);
        assert_eq!(g.meta().rels, 1);
        let mut tx = g.begin();
        let t = g.tx(&mut tx);
        let ids = t.actors_named("BELARUS").unwrap();
        assert_eq!(ids, vec![0]);
        let mut out = Vec::new();
        t.expand(0, Some(Dir::Out), None, &mut out).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].other, 1);
        let label = t.catalog().id(NameKind::Label, "Country").unwrap();
        assert_eq!(t.nodes_with_label(label).unwrap(), vec![0, 1]);
    }

    #[test]
    fn a_duplicate_string_id_is_a_constraint_error_and_rollback_leaves_nothing() {
        let mut g = Graph::open_memory().unwrap();
        let mut tx = g.begin();
        node(&g, &mut tx, "Country", "belarus");
        g.commit(tx).unwrap();
        let mut tx = g.begin();
        let mut t = g.tx(&mut tx);
        let k = t.catalog().id(NameKind::Key, "id").unwrap();
        let err = t
            .create_node(NodeRecord {
                labels: vec![],
                props: vec![(k, Value::String("belarus".into()))],
            })
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::ConstraintError);
        drop(tx);
        assert_eq!(g.meta().nodes, 1);
    }

    #[test]
    fn a_newer_format_is_refused() {
        let store = super::super::memory::MemoryStore::new();
        store
            .apply(vec![(
                keys::meta("format"),
                Some(99u32.to_be_bytes().to_vec()),
            )])
            .unwrap();
        let err = Graph::open(Box::new(store)).err().unwrap();
        assert!(matches!(err, StorageError::Format(m) if m.contains("newer")));
    }
}

//! The writing half of `Tx`: every change is a read-modify-write of the
//! packed keys it touches, staged in the transaction's overlay (so that the
//! statement's later reads see it), and bulk creates touch each block,
//! bucket and adjacency list once.

use super::*;

fn constraint(msg: String) -> Error {
    Error::runtime(ErrorKind::ConstraintError, "UniqueConstraintViolation", msg)
}

/// Index changes grouped by bucket key: (entries added, entries removed).
/// A hash map: at scale M a load's 100,000 actors have about 500,000
/// entries in some 12,000 buckets, and put into a `BTreeMap` of byte-string
/// keys they took most of the time of staging the actors, in comparisons
/// and cache misses. The order buckets are written in is the overlay's.
type IndexChanges = fxhash::FxHashMap<Vec<u8>, (Vec<Vec<u8>>, Vec<Vec<u8>>)>;

impl Tx<'_> {
    fn stage(&mut self, writes: adjacency::Writes) {
        for (k, v) in writes {
            match v {
                Some(v) => self.st.overlay.put(k, v),
                None => self.st.overlay.delete(k),
            }
        }
    }

    /// Read-modify-write of one record block: `updates` are (slot, encoded
    /// record, empty to delete).
    fn write_block(
        &mut self,
        key: Vec<u8>,
        updates: &[(usize, impl AsRef<[u8]>)],
    ) -> Result<(), StorageError> {
        let old = self.view().get(&key)?;
        let mut slots = match &old {
            Some(b) => block::slots(b)?,
            None => vec![&[][..]; keys::BLOCK_SLOTS],
        };
        for (i, bytes) in updates {
            slots[*i] = bytes.as_ref();
        }
        match block::encode(&slots) {
            Some(b) => self.st.overlay.put(key, b),
            None => self.st.overlay.delete(key),
        }
        Ok(())
    }

    /// Writes records by id, one read-modify-write per block touched.
    fn write_records(
        &mut self,
        block_of: fn(u64) -> (Vec<u8>, usize),
        records: impl IntoIterator<Item = (u64, impl AsRef<[u8]>)>,
    ) -> Result<(), StorageError> {
        let mut current: Option<Vec<u8>> = None;
        let mut updates = Vec::new();
        for (id, bytes) in records {
            let (key, slot) = block_of(id);
            if current.as_ref() != Some(&key) {
                if let Some(k) = current.take() {
                    self.write_block(k, &updates)?;
                    updates.clear();
                }
                current = Some(key);
            }
            updates.push((slot, bytes));
        }
        if let Some(k) = current {
            self.write_block(k, &updates)?;
        }
        Ok(())
    }

    /// One read-modify-write per index bucket touched.
    fn write_index(&mut self, changes: IndexChanges) -> Result<(), StorageError> {
        for (key, (adds, removes)) in changes {
            let old = self.view().get(&key)?;
            match bucket::apply(old.as_deref(), &adds, &removes)? {
                Some(b) => self.st.overlay.put(key, b),
                None => self.st.overlay.delete(key),
            }
        }
        Ok(())
    }

    pub fn create_node(&mut self, rec: NodeRecord) -> Result<NodeId, Error> {
        Ok(self.create_nodes(vec![rec])?.start)
    }

    /// Creates nodes with consecutive ids, writing each record block and
    /// index bucket once; nothing is staged if a string `id` is taken (by a
    /// stored node or by another of `recs`).
    pub fn create_nodes(&mut self, recs: Vec<NodeRecord>) -> Result<Range<NodeId>, Error> {
        if let Some(key) = self.st.catalog.id(NameKind::Key, "id") {
            // No node was ever made: none holds an id (a load's first lookups).
            let none_stored = self.st.meta.next_node == 0;
            let mut seen: HashSet<&str> = HashSet::new();
            for rec in &recs {
                if let Some(v @ Value::String(s)) = rec.prop(key) {
                    let stored = !none_stored && !self.nodes_with_prop(key, v)?.is_empty();
                    if !seen.insert(s) || stored {
                        return Err(constraint(format!("an actor with id '{s}' already exists")));
                    }
                }
            }
        }
        let first = self.st.meta.next_node;
        let mut changes = IndexChanges::default();
        for (i, rec) in recs.iter().enumerate() {
            for (k, e) in index::node_entries(&self.st.catalog, first + i as u64, rec) {
                changes.entry(k).or_default().0.push(e);
            }
        }
        self.write_index(changes)?;
        let n = recs.len() as u64;
        self.write_records(
            keys::node_block,
            recs.iter()
                .enumerate()
                .map(|(i, r)| (first + i as u64, codec::encode(r))),
        )?;
        self.st.meta.next_node += n;
        self.st.meta.nodes += n;
        Ok(first..first + n)
    }

    /// Replaces a node's record (labels and properties), updating indexes.
    pub fn update_node(
        &mut self,
        id: NodeId,
        old: &NodeRecord,
        new: NodeRecord,
    ) -> Result<(), Error> {
        self.check_unique_id(id, &new)?;
        self.write_node_indexes(id, Some(old), Some(&new))?;
        self.write_records(keys::node_block, [(id, codec::encode(&new))])?;
        Ok(())
    }

    /// Deletes a node that has no links left. A storage error is reported
    /// by `Graph::commit`.
    pub fn delete_node(&mut self, id: NodeId, old: &NodeRecord) {
        let done = self
            .write_node_indexes(id, Some(old), None)
            .and_then(|_| self.write_records(keys::node_block, [(id, Vec::new())]));
        self.defer(done);
        self.st.meta.nodes -= 1;
    }

    fn defer(&mut self, result: Result<(), StorageError>) {
        if let Err(e) = result {
            self.st.deferred.get_or_insert(e);
        }
    }

    /// Creates a link; `adjacency: false` leaves the adjacency lists to the
    /// caller (bulk import appends them grouped, see `append_adjacency`).
    pub fn create_rel(&mut self, rec: RelRecord, adjacency: bool) -> Result<RelId, StorageError> {
        Ok(self.create_rels(vec![rec], adjacency)?.start)
    }

    /// Creates links with consecutive ids, writing each record block once
    /// (and, with `adjacency`, each actor's list once).
    pub fn create_rels(
        &mut self,
        recs: Vec<RelRecord>,
        adjacency: bool,
    ) -> Result<Range<RelId>, StorageError> {
        let first = self.st.meta.next_rel;
        if adjacency {
            let mut lists: BTreeMap<NodeId, Vec<Stored>> = BTreeMap::new();
            for (i, r) in recs.iter().enumerate() {
                let rel = first + i as u64;
                lists.entry(r.src).or_default().push(Stored {
                    rel,
                    other: r.dst,
                    rel_type: r.rel_type,
                    dir: Dir::Out,
                });
                lists.entry(r.dst).or_default().push(Stored {
                    rel,
                    other: r.src,
                    rel_type: r.rel_type,
                    dir: Dir::In,
                });
            }
            for (node, entries) in lists {
                self.append_adjacency_entries(node, &entries)?;
            }
        }
        let mut encoded = codec::EncodedRels::default();
        for r in &recs {
            encoded.push(r);
        }
        self.create_encoded_rels(&encoded)
    }

    /// Creates links with consecutive ids from their encoded records (a
    /// bulk load encodes them as it stages them), leaving the adjacency
    /// lists to the caller.
    pub fn create_encoded_rels(
        &mut self,
        recs: &codec::EncodedRels,
    ) -> Result<Range<RelId>, StorageError> {
        let first = self.st.meta.next_rel;
        let n = recs.len() as u64;
        self.write_records(keys::rel_block, (first..).zip(recs.iter()))?;
        self.st.meta.next_rel += n;
        self.st.meta.rels += n;
        Ok(first..first + n)
    }

    pub fn append_adjacency(
        &mut self,
        node: NodeId,
        dir: Dir,
        rel_type: u32,
        entries: &[(RelId, NodeId)],
    ) -> Result<(), StorageError> {
        let entries: Vec<Stored> = entries
            .iter()
            .map(|&(rel, other)| Stored {
                rel,
                other,
                rel_type,
                dir,
            })
            .collect();
        self.append_adjacency_entries(node, &entries)
    }

    /// Appends to `node`'s list entries of any direction and type at once.
    pub fn append_adjacency_entries(
        &mut self,
        node: NodeId,
        entries: &[Stored],
    ) -> Result<(), StorageError> {
        let writes = adjacency::append(self.view(), node, entries)?;
        self.stage(writes);
        Ok(())
    }

    /// Writes the list of a node that has none, stored or staged: a load
    /// into a database that never held a link writes each actor's list
    /// once, and looking for lists that cannot be there was a third of
    /// that at scale M.
    pub fn write_new_adjacency(
        &mut self,
        node: NodeId,
        entries: &[Stored],
    ) -> Result<(), StorageError> {
        self.stage(adjacency::append_after(None, node, entries)?);
        Ok(())
    }

    /// Replaces a link's properties. A storage error is reported by `Graph::commit`.
    pub fn update_rel(&mut self, id: RelId, rec: &RelRecord) {
        let done = self.write_records(keys::rel_block, [(id, codec::encode(rec))]);
        self.defer(done);
    }

    pub fn delete_rel(&mut self, id: RelId, rec: &RelRecord) -> Result<(), StorageError> {
        for (node, dir) in [(rec.src, Dir::Out), (rec.dst, Dir::In)] {
            let writes = adjacency::remove(self.view(), node, dir, id)?;
            self.stage(writes);
        }
        self.write_records(keys::rel_block, [(id, Vec::new())])?;
        self.st.meta.rels -= 1;
        Ok(())
    }

    fn write_node_indexes(
        &mut self,
        id: NodeId,
        old: Option<&NodeRecord>,
        new: Option<&NodeRecord>,
    ) -> Result<(), StorageError> {
        let before = old
            .map(|r| index::node_entries(&self.st.catalog, id, r))
            .unwrap_or_default();
        let after = new
            .map(|r| index::node_entries(&self.st.catalog, id, r))
            .unwrap_or_default();
        let mut changes = IndexChanges::default();
        for e in &before {
            if after.binary_search(e).is_err() {
                changes.entry(e.0.clone()).or_default().1.push(e.1.clone());
            }
        }
        for e in &after {
            if before.binary_search(e).is_err() {
                changes.entry(e.0.clone()).or_default().0.push(e.1.clone());
            }
        }
        self.write_index(changes)
    }

    /// A string `id` names one actor only.
    fn check_unique_id(&self, node: NodeId, rec: &NodeRecord) -> Result<(), Error> {
        let Some(key) = self.st.catalog.id(NameKind::Key, "id") else {
            return Ok(());
        };
        if let Some(v @ Value::String(s)) = rec.prop(key) {
            let holders = self.nodes_with_prop(key, v)?;
            if holders.iter().any(|&h| h != node) {
                return Err(constraint(format!("an actor with id '{s}' already exists")));
            }
        }
        Ok(())
    }
}

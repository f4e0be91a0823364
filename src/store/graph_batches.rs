//! `CALL { … } IN TRANSACTIONS`: one statement that commits its work in
//! batches, each atomic and durable on its own, as Neo4j runs it. A batch
//! is written like a whole commit (its records, new names and counters in
//! one flushed write) and the transaction goes on with an empty overlay.
//! The graph's own catalog and counters catch up when the statement ends:
//! `Graph::commit` on success, `Graph::adopt_batches` when it fails after
//! some batches (those stay; the failing one is dropped).

use super::{manifest, Graph, Overlay, StorageError, Tx};

impl Tx<'_> {
    /// Makes everything staged so far durable as one batch.
    pub fn commit_batch(&mut self) -> Result<(), StorageError> {
        let st = &mut *self.st;
        if let Some(e) = st.deferred.take() {
            return Err(e);
        }
        let names = st.catalog.take_added();
        st.batched_writes += st.overlay.written();
        let mut batch = std::mem::take(&mut st.overlay).into_batch();
        if batch.is_empty() && names.is_empty() {
            return Ok(());
        }
        batch.extend(names.into_iter().map(|(k, v)| (k, Some(v))));
        let mut meta = st.meta;
        meta.seq += 1;
        super::write_batch(
            self.store,
            self.cache,
            self.columns,
            self.label_counts,
            batch,
            &meta,
        )?;
        st.meta = meta;
        st.overlay = Overlay::default();
        st.committed = Some((st.catalog.clone(), meta));
        match self.store.dir() {
            Some(dir) => manifest::write(dir, &meta.manifest()).map_err(|e| {
                StorageError::Io(format!(
                    "a batch was written, but its manifest could not be: {e}"
                ))
            }),
            None => Ok(()),
        }
    }
}

impl Graph {
    /// After a statement failed: what its committed batches wrote stays,
    /// so the graph takes the catalog and counters they left.
    pub fn adopt_batches(&mut self, tx: &super::TxState) {
        if let Some((catalog, meta)) = &tx.committed {
            self.catalog = catalog.clone();
            self.meta = *meta;
        }
    }
}

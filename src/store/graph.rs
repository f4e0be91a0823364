//! The graph on top of the key-value store: opening (format version, meta),
//! transactions as overlays, and the record, adjacency and index updates that
//! keep every index consistent with the records.

use super::adjacency::{self, AdjEntry, Stored};
use super::adjacency_unpacked;
use super::block_cache::{self, BlockCache, Prefetch};
use super::catalog::{Catalog, NameKind};
pub use super::codec::{EncodedProps, EncodedRels, NodeRecord, RelRecord};
use super::keys::{self, Dir};
use super::link_chunks;
use super::link_columns::{self, ColumnCache, EndsWanted, LinkColumns, Part};
use super::manifest::{self, Kept, Manifest};
use super::{
    block, bucket, codec, index, prefix_end, Batch, KvPair, KvStore, Overlay, StorageError, View,
};
use crate::error::{Error, ErrorKind};
use crate::two_threads::{beside, second_core};
use crate::value::{NodeId, RelId, Value};
use fxhash::{FxHashMap, FxHashSet};
use parking_lot::RwLock;
use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

/// Layout version of this build (`keys.rs` describes it). A database of
/// `MIGRATES_FROM` is moved to it when opened; any other older one, or a
/// newer one, is refused with a clear message.
/// 1: one key per record, index entry and (actor, direction, type) list.
/// 2: records in blocks of 128, one adjacency list per actor, hashed index buckets.
/// 3: records in the hand-written codec (one property reads alone), not bincode.
/// 4: data values compressed by `compress.rs` instead of by sled.
/// 5: as 4, plus a commit count in `meta` and the manifest beside the
///    engine's files (`manifest.rs`), so that a build without them, which
///    would commit without counting, refuses the database; catalog names
///    as bincode entries (`catalog.rs`).
/// 6: as 5, record blocks stored with slot lengths (`block::compact`), so
///    that a build of format 5, which would call them damaged, refuses the
///    database. Blocks of format 5 read as they are, so a database of
///    format 5 is moved to 6 when opened, once it has passed the manifest's
///    check, by writing its format record (with a notice); one of format 4
///    has its names rewritten first. Its blocks stay as they were until a
///    commit rewrites them.
/// 7: as 6, plus link columns kept on disk by a load (`link_chunks.rs`),
///    which every commit that writes a link block deletes for its chunk: a
///    build of format 6 would leave them stale, so it refuses the database.
///    Older databases have none, and are moved to 7 as 5 is to 6.
pub const FORMAT_VERSION: u32 = 7;
/// The older formats `Graph::open` moves to this one in place.
const MIGRATES_FROM: std::ops::RangeInclusive<u32> = 4..=6;
/// The last format with catalog names as bare bytes.
const BARE_NAMES: u32 = 4;

/// Bytes of keys and values per part of a bulk load into an empty database.
/// Small parts keep less of sled's unflushed pages in memory and leave its
/// file with less garbage: at scale M, 48 MiB parts peaked at 770 MiB and
/// left 98 MiB on disk (once opened), 4 MiB parts 460 MiB and 75 MiB, and
/// loaded as fast or faster (every fresh page costs on this kind of machine).
const PART_BYTES: usize = 4 << 20;
/// Keys per part, whatever their size: sled keeps what every write of a
/// batch replaced until the batch ends (`epoch.rs`), so a part of many
/// small values (a million actors with a link or two each) held as much
/// garbage as a part of big ones.
const PART_KEYS: usize = 16 << 10;

/// Meta key present while a bulk load is being written in parts.
const LOAD_MARKER: &str = "load_in_progress";

/// Removes what an interrupted bulk load wrote (`Graph::commit_load`): the
/// database had no records before it, and the load's counters and names
/// were never written, so every record, adjacency and index key goes.
fn undo_interrupted_load(store: &dyn KvStore) -> Result<(), StorageError> {
    let mut batch = Vec::new();
    for item in store.scan(&[keys::NODE], Some(&[keys::LCOL + 1])) {
        batch.push((item?.0, None));
        if batch.len() >= 65536 {
            store.apply(std::mem::take(&mut batch))?;
        }
    }
    batch.push((keys::meta(LOAD_MARKER), None));
    store.apply(batch)
}

/// The format record of this build.
fn format_record() -> (Vec<u8>, Option<Vec<u8>>) {
    (
        keys::meta("format"),
        Some(FORMAT_VERSION.to_be_bytes().to_vec()),
    )
}

/// Compares what the engine recovered with its manifest: refuses a
/// database that lost acknowledged commits, brings the manifest up to date
/// after a stop between a commit and its manifest, and writes one for a
/// database made before manifests (saying so, if it holds anything).
fn check_manifest(
    store: &dyn KvStore,
    kept: Kept,
    meta: &Meta,
    catalog: &Catalog,
) -> Result<Option<String>, StorageError> {
    let Some(dir) = store.dir() else {
        return Ok(None);
    };
    let found = meta.manifest();
    match kept {
        Kept::Found(m) => {
            if manifest::verify(&m, &found).map_err(|why| manifest::damaged(dir, &why))? {
                manifest::write(dir, &found)?;
            }
            Ok(None)
        }
        // Commits were counted, so a manifest was written: it was removed.
        Kept::Missing if meta.seq > 0 => Err(manifest::damaged(
            dir,
            &format!("its manifest file {} is missing", manifest::FILE_NAME),
        )),
        Kept::Missing => {
            manifest::write(dir, &found)?;
            let empty = meta.nodes == 0 && meta.rels == 0 && catalog.is_empty();
            Ok((!empty).then(|| {
                format!(
                    "database {} had no manifest (made by an older build); one was written, and damage from now on will be detected",
                    dir.display()
                )
            }))
        }
    }
}

/// Counters kept in the `meta` keyspace.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Meta {
    pub next_node: u64,
    pub next_rel: u64,
    pub nodes: u64,
    pub rels: u64,
    /// Commits made, written in each commit's own batch and checked
    /// against the manifest on open (`manifest.rs`).
    pub seq: u64,
}

const META_FIELDS: [&str; 5] = ["next_node", "next_rel", "nodes", "rels", "commit_seq"];

impl Meta {
    fn fields(&self) -> [u64; 5] {
        [
            self.next_node,
            self.next_rel,
            self.nodes,
            self.rels,
            self.seq,
        ]
    }

    fn manifest(&self) -> Manifest {
        Manifest {
            format: FORMAT_VERSION,
            seq: self.seq,
            nodes: self.nodes,
            rels: self.rels,
        }
    }

    fn load(store: &dyn KvStore) -> Result<Meta, StorageError> {
        let mut v = [0u64; 5];
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
            seq: v[4],
        })
    }
}

/// The committed state of an open database.
pub struct Graph {
    store: Box<dyn KvStore>,
    catalog: Catalog,
    meta: Meta,
    cache: BlockCache,
    columns: ColumnCache,
    /// Nodes carrying each label, by label id, as last committed: the
    /// planner's estimates and `label_is_universal` read it. Behind a lock,
    /// as the caches: concurrent reads share a `Graph`.
    label_counts: RwLock<FxHashMap<u32, u64>>,
    /// What opening did that the user should hear of.
    notice: Option<String>,
}

/// What a transaction has staged: its writes, its copy of the catalog and
/// counters. Cloning it is how a statement inside a transaction can be undone.
#[derive(Debug, Clone)]
pub struct TxState {
    pub overlay: Overlay,
    pub catalog: Catalog,
    pub meta: Meta,
    /// A storage error met by a write that cannot report one (`delete_node`,
    /// `update_rel`); `commit` refuses the transaction with it.
    deferred: Option<StorageError>,
    /// The catalog and counters as of the last batch `Tx::commit_batch`
    /// made durable (`CALL { … } IN TRANSACTIONS`): what the graph holds
    /// even if the rest of the statement fails.
    committed: Option<(Catalog, Meta)>,
    /// Writes the overlays of batches made durable had taken
    /// (`Tx::writes`).
    batched_writes: u64,
}

/// What a statement inside an explicit transaction may need to undo.
pub struct Savepoint {
    catalog: Catalog,
    meta: Meta,
    deferred: Option<StorageError>,
}

impl TxState {
    /// Starts logging overlay writes so that `rollback_to` can undo them.
    pub fn savepoint(&mut self) -> Savepoint {
        self.overlay.begin_savepoint();
        Savepoint {
            catalog: self.catalog.clone(),
            meta: self.meta,
            deferred: self.deferred.clone(),
        }
    }

    pub fn rollback_to(&mut self, sp: Savepoint) {
        self.overlay.rollback_savepoint();
        self.catalog = sp.catalog;
        self.meta = sp.meta;
        self.deferred = sp.deferred;
    }
}

impl Graph {
    pub fn open(store: Box<dyn KvStore>) -> Result<Graph, StorageError> {
        let kept = match store.dir() {
            Some(dir) => Some(manifest::read(dir)?),
            None => None,
        };
        let mut moves_from = None;
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
                if version == BARE_NAMES {
                    // One batch: the names in their new encoding and the
                    // format record that says so. The catalog cannot load
                    // before it.
                    let mut batch = super::catalog::migrate_from_bare_names(store.as_ref())?;
                    batch.push(format_record());
                    store.apply(batch)?;
                } else if MIGRATES_FROM.contains(&version) {
                    // Written once the database has passed its checks.
                    moves_from = Some(version);
                } else if version < FORMAT_VERSION {
                    return Err(StorageError::Format(format!(
                        "database has format version {version}, which this build (format {FORMAT_VERSION}) cannot read or migrate: import the data again into a new database"
                    )));
                }
            }
            None => {
                if let (Some(dir), Some(Kept::Found(_))) = (store.dir(), &kept) {
                    // A manifest is written only after the format record.
                    return Err(manifest::damaged(dir, "it has lost its format record"));
                }
                if store.scan(&[], None).next().is_some() {
                    return Err(StorageError::Format(
                        "not a supplygraph database (no format record)".into(),
                    ));
                }
                store.apply(vec![format_record()])?;
            }
        }
        if store.get(&keys::meta(LOAD_MARKER))?.is_some() {
            undo_interrupted_load(store.as_ref())?;
        }
        let catalog = Catalog::load(store.as_ref())?;
        let meta = Meta::load(store.as_ref())?;
        let mut notice = match kept {
            Some(kept) => check_manifest(store.as_ref(), kept, &meta, &catalog)?,
            None => None,
        };
        if let Some(version) = moves_from {
            store.apply(vec![format_record()])?;
            let what = match version {
                6 => "link columns kept on disk",
                _ => "record blocks stored compact, link columns kept on disk",
            };
            let moved = format!(
                "database moved from format {version} to {FORMAT_VERSION} ({what}): builds before this one cannot open it"
            );
            notice = Some(match notice {
                Some(before) => format!("{before}; {moved}"),
                None => moved,
            });
        }
        Ok(Graph {
            store,
            catalog,
            meta,
            notice,
            cache: BlockCache::new(block_cache::default_capacity()),
            columns: ColumnCache::new(link_columns::DEFAULT_CAPACITY),
            label_counts: RwLock::default(),
        })
    }

    /// Bytes of committed blocks kept between statements (the block
    /// cache, `block_cache.rs`); lowering it drops blocks at once.
    pub fn set_cache_capacity(&self, bytes: usize) {
        self.cache.set_capacity(bytes);
    }

    pub fn cache_capacity(&self) -> usize {
        self.cache.capacity()
    }

    /// What opening did that the user should hear of (a manifest written
    /// for a database that had none).
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Opens the database in `path`; any damage found on the way is
    /// reported as the database's.
    pub fn open_path(path: &Path) -> Result<Graph, StorageError> {
        let opened =
            super::sled_store::SledStore::open(path).and_then(|store| Graph::open(Box::new(store)));
        opened.map_err(|e| match e {
            StorageError::Corrupt(m) if !m.starts_with("database ") => manifest::damaged(path, &m),
            other => other,
        })
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
            deferred: None,
            committed: None,
            batched_writes: 0,
        }
    }

    /// Writes everything `tx` staged as one atomic, flushed batch.
    pub fn commit(&mut self, mut tx: TxState) -> Result<(), StorageError> {
        if let Some(e) = tx.deferred.take() {
            return Err(e);
        }
        if tx.overlay.is_empty() && tx.meta == self.meta {
            self.catalog = tx.catalog;
            return Ok(());
        }
        let names = tx.catalog.take_added();
        let mut batch = tx.overlay.into_batch();
        batch.extend(names.into_iter().map(|(k, v)| (k, Some(v))));
        // Batches this statement committed already took their numbers.
        tx.meta.seq = self.meta.seq.max(tx.meta.seq) + 1;
        write_batch(
            &*self.store,
            &self.cache,
            &self.columns,
            &self.label_counts,
            batch,
            &tx.meta,
        )?;
        self.catalog = tx.catalog;
        self.meta = tx.meta;
        self.acknowledge()
    }

    /// Records in the manifest what the commit just made durable left.
    fn acknowledge(&self) -> Result<(), StorageError> {
        let Some(dir) = self.store.dir() else {
            return Ok(());
        };
        manifest::write(dir, &self.meta.manifest()).map_err(|e| {
            StorageError::Io(format!(
                "the commit was written, but its manifest could not be: {e}"
            ))
        })
    }

    /// Commits a bulk load. Into a database without records, a large load
    /// is written in parts of about `PART_BYTES`, each flushed, so the
    /// engine's memory stays near its cache size instead of growing with the
    /// whole load (sled holds every page of a batch until it is flushed). It
    /// stays all or nothing: a marker goes down first and the counters and
    /// names, which make the records visible, go down last with the marker's
    /// removal; a database opened with the marker still present is put back
    /// to having no records (`undo_interrupted_load`).
    ///
    /// The chunks of links the load alone wrote get their columns on disk
    /// (`link_chunks.rs`), written with it.
    pub fn commit_load(&mut self, mut tx: TxState) -> Result<(), StorageError> {
        if let Some(e) = tx.deferred.take() {
            return Err(e);
        }
        let chunks = load_chunks(&tx.overlay, self.meta.next_rel, tx.meta.next_rel)?;
        let staged: usize = tx.overlay.staged_bytes();
        if self.meta.nodes != 0 || self.meta.rels != 0 || staged <= PART_BYTES {
            for (k, v) in chunks {
                tx.overlay.put(k, v);
            }
            return self.commit(tx);
        }
        let names = tx.catalog.take_added();
        let marker = keys::meta(LOAD_MARKER);
        self.cache.clear();
        self.columns.clear();
        self.label_counts.write().clear();
        let written = (|| {
            self.store.apply(vec![(marker.clone(), Some(Vec::new()))])?;
            // The last part also carries the names, counters and the
            // marker's removal.
            let mut tail: Vec<_> = names.into_iter().map(|(k, v)| (k, Some(v))).collect();
            tx.meta.seq = self.meta.seq + 1;
            for (name, value) in META_FIELDS.iter().zip(tx.meta.fields()) {
                tail.push((keys::meta(name), Some(value.to_be_bytes().to_vec())));
            }
            tail.push((marker, None));
            let mut tail = Some(tail);
            // Column keys sort after every key the overlay holds.
            let chunks = chunks.into_iter().map(|(k, v)| (k, Some(v)));
            let mut writes = std::mem::take(&mut tx.overlay).into_writes().chain(chunks);
            let mut parts = std::iter::from_fn(|| {
                let mut part = Vec::new();
                let mut bytes = 0;
                for (k, v) in writes.by_ref() {
                    bytes += k.len() + v.as_ref().map_or(0, Vec::len);
                    part.push((k, v));
                    if bytes >= PART_BYTES || part.len() >= PART_KEYS {
                        return Some(part);
                    }
                }
                part.append(&mut tail.take()?);
                Some(part)
            });
            self.store.apply_parts(&mut parts)
        })();
        if let Err(e) = written {
            // Best effort now; the marker makes the next open finish it.
            let _ = undo_interrupted_load(self.store.as_ref());
            return Err(e);
        }
        self.catalog = tx.catalog;
        self.meta = tx.meta;
        self.acknowledge()?;
        // The load is durable whatever this does; a store that cannot
        // open its files again reports so on every later call.
        let _ = self.store.reclaim();
        Ok(())
    }

    pub fn tx<'a>(&'a self, state: &'a mut TxState) -> Tx<'a> {
        Tx {
            store: self.store.as_ref(),
            cache: &self.cache,
            columns: &self.columns,
            label_counts: &self.label_counts,
            st: state,
        }
    }
}

/// A transaction at work: reads see its own writes.
/// Writes `batch` with `meta`'s counters as one atomic, flushed write
/// (a commit, or one batch of IN TRANSACTIONS), first dropping what the
/// caches hold of its keys.
fn write_batch(
    store: &dyn KvStore,
    cache: &BlockCache,
    columns: &ColumnCache,
    label_counts: &RwLock<FxHashMap<u32, u64>>,
    mut batch: Batch,
    meta: &Meta,
) -> Result<(), StorageError> {
    for (name, value) in META_FIELDS.iter().zip(meta.fields()) {
        batch.push((keys::meta(name), Some(value.to_be_bytes().to_vec())));
    }
    drop_chunks(store, &mut batch)?;
    for (k, _) in &batch {
        cache.invalidate(k);
    }
    label_counts.write().clear();
    if batch.iter().any(|(k, _)| k.first() == Some(&keys::REL)) {
        columns.clear();
    }
    let applied = store.apply(batch);
    if applied.is_err() {
        // The engine may have applied part of it; read everything afresh.
        cache.clear();
        columns.clear();
    }
    applied
}

/// The chunks of links that hold `part`'s link slots.
fn part_chunks(part: &Part<'_>) -> Range<u64> {
    let slots = part.slots();
    slots.start >> keys::CHUNK_BITS..slots.end.div_ceil(keys::CHUNK_LINKS as u64)
}

/// Adds to `batch` the deletion of every column on disk of each link chunk
/// whose blocks it writes, unless it writes the chunk's head itself (a
/// load): a column never says other than the records.
fn drop_chunks(store: &dyn KvStore, batch: &mut Batch) -> Result<(), StorageError> {
    let chunk_of = |k: &[u8]| match k.first() {
        Some(&keys::REL) => keys::block_base(k).map(|id| id >> keys::CHUNK_BITS),
        _ => None,
    };
    let mut touched: Vec<u64> = batch.iter().filter_map(|(k, _)| chunk_of(k)).collect();
    if touched.is_empty() {
        return Ok(());
    }
    touched.sort_unstable();
    touched.dedup();
    let written: FxHashSet<u64> = batch
        .iter()
        .filter_map(|(k, v)| match (keys::parse_chunk_column(k), v) {
            (Some((c, keys::CHUNK_HEAD)), Some(_)) => Some(c),
            _ => None,
        })
        .collect();
    for c in touched.into_iter().filter(|c| !written.contains(c)) {
        let prefix = keys::chunk_prefix(c);
        for item in store.scan(&prefix, prefix_end(&prefix).as_deref()) {
            batch.push((item?.0, None));
        }
    }
    Ok(())
}

/// The columns on disk (`link_chunks.rs`) of each chunk that holds links
/// `from..to` of a load's `overlay` only, as (key, value) in key order;
/// the chunks split between two threads, when there are many.
fn load_chunks(overlay: &Overlay, from: u64, to: u64) -> Result<Vec<KvPair>, StorageError> {
    let chunk = keys::CHUNK_LINKS as u64;
    let (first, end) = (from.div_ceil(chunk), to.div_ceil(chunk));
    if first >= end {
        return Ok(Vec::new());
    }
    let encode = |chunks: Range<u64>| -> Result<Vec<KvPair>, StorageError> {
        let mut out = Vec::new();
        for c in chunks {
            let mut records = Vec::new();
            let blocks = keys::chunk_blocks(c);
            for n in blocks.clone() {
                if let Some(Some(b)) = overlay.staged(&keys::tag_u64(keys::REL, n)) {
                    let base = ((n - blocks.start) as usize) << keys::BLOCK_BITS;
                    for (i, r) in block::slots(b)?.into_iter().enumerate() {
                        if !r.is_empty() {
                            records.push((base + i, r));
                        }
                    }
                }
            }
            if let Some(columns) = link_chunks::encode(records)? {
                out.extend(
                    columns
                        .into_iter()
                        .map(|(key, v)| (keys::chunk_column(c, key), v)),
                );
            }
        }
        Ok(out)
    };
    let mid = first + (end - first) / 2;
    let (a, b) = match end - first >= 2 && second_core() {
        true => beside(
            "link columns",
            || encode(first..mid),
            || encode(mid..end),
            || encode(mid..end),
            || StorageError::Corrupt("a thread writing link columns stopped unexpectedly".into()),
        ),
        false => (encode(first..end), Ok(Vec::new())),
    };
    let mut out = a?;
    out.extend(b?);
    Ok(out)
}

pub struct Tx<'a> {
    store: &'a dyn KvStore,
    cache: &'a BlockCache,
    columns: &'a ColumnCache,
    label_counts: &'a RwLock<FxHashMap<u32, u64>>,
    pub st: &'a mut TxState,
}

#[path = "graph_write.rs"]
mod write;

#[path = "graph_batches.rs"]
mod batches;

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
        self.with_record(keys::NODE, id, codec::decode)
    }

    pub fn rel(&self, id: RelId) -> Result<Option<RelRecord>, StorageError> {
        self.with_record(keys::REL, id, codec::decode)
    }

    /// Property `key` of node `id` (`None` if the node does not exist),
    /// decoding nothing else.
    pub fn node_prop(&self, id: NodeId, key: u32) -> Result<Option<Option<Value>>, StorageError> {
        self.with_record(keys::NODE, id, |b| codec::node_prop(b, key))
    }

    /// Property `key` of link `id` (`None` if the link does not exist).
    pub fn rel_prop(&self, id: RelId, key: u32) -> Result<Option<Option<Value>>, StorageError> {
        self.with_record(keys::REL, id, |b| codec::rel_prop(b, key))
    }

    /// Property `key` of link `id` when it is absent, null or a number
    /// (`codec::rel_prop_number`); `None` for a link that does not exist.
    pub fn rel_prop_number(
        &self,
        id: RelId,
        key: u32,
    ) -> Result<Option<Option<codec::Number>>, StorageError> {
        self.with_record(keys::REL, id, |b| codec::rel_prop_number(b, key))
    }

    /// Whether property `key` of link `id` is the string `want`
    /// (`codec::rel_prop_is_str`); `None` for a link that does not exist.
    pub fn rel_prop_is_str(
        &self,
        id: RelId,
        key: u32,
        want: &str,
    ) -> Result<Option<Option<bool>>, StorageError> {
        self.with_record(keys::REL, id, |b| codec::rel_prop_is_str(b, key, want))
    }

    /// Hints that link `id`'s record will be read soon: stage `what` of
    /// `BlockCache::prefetch` (the cache's entry, the offsets, the record,
    /// asked for in that order a few links apart). Only committed, kept
    /// blocks.
    pub fn prefetch_rel(&self, id: RelId, what: Prefetch) {
        if self.st.overlay.is_empty() {
            let (n, slot) = keys::block_and_slot(id);
            self.cache.prefetch(keys::REL, n, slot, what);
        }
    }

    /// `prefetch_rel` for each stage of each node record in `asks`, under
    /// one hold of the cache; returns how many records were asked for
    /// (the `Record` stages; none while this transaction has staged writes).
    pub fn prefetch_nodes(&self, asks: impl Iterator<Item = (NodeId, Prefetch)>) -> usize {
        if !self.st.overlay.is_empty() {
            return 0;
        }
        let kept = self.cache.read();
        let mut records = 0;
        for (id, what) in asks {
            let (n, slot) = keys::block_and_slot(id);
            kept.prefetch(keys::NODE, n, slot, what);
            records += (what == Prefetch::Record) as usize;
        }
        records
    }

    /// `f` over the record of each of links `ids`, in order, as
    /// `with_record` reads one (`None`: no such link). Kept blocks are read
    /// under one hold of the cache, each record asked for a few links ahead
    /// (`block_cache::PIPELINE`), so that the reads of records in thousands
    /// of blocks wait on memory together; the rest are read one by one.
    /// From `SPLIT_READS` links on, and with a second core to be had, the
    /// second half is read on another thread under the same hold (a second
    /// hold taken there could wait behind a writer that waits for the
    /// first): the 112,896 links into the workload's hub at scale L spend
    /// most of their time waiting on memory, and two cores wait together.
    /// The records of blocks not kept are read from the engine after, on
    /// two threads as well.
    pub fn with_rels<R: Send>(
        &self,
        ids: &[RelId],
        f: impl Fn(&[u8]) -> Result<R, StorageError> + Sync,
    ) -> Result<Vec<Option<R>>, StorageError> {
        let mut out: Vec<Option<R>> = ids.iter().map(|_| None).collect();
        let mut missed = Vec::new();
        if self.st.overlay.is_empty() {
            let kept = self.cache.read();
            let split = match ids.len() >= SPLIT_READS && second_core() {
                true => ids.len() / 2,
                false => ids.len(),
            };
            let (ids_now, ids_later) = ids.split_at(split);
            let (out_now, out_later) = out.split_at_mut(split);
            let (kept, f) = (&kept, &f);
            let mut now = || read_kept(kept, ids_now, out_now, f);
            let (now, later) = match ids_later.is_empty() {
                true => (now(), Ok(Vec::new())),
                // Without a second thread, the later half is read from
                // the engine below.
                false => beside(
                    "record reads",
                    now,
                    move || read_kept(kept, ids_later, out_later, f),
                    || Ok((0..ids_later.len()).collect()),
                    reads_stopped,
                ),
            };
            missed.extend(now?);
            missed.extend(later?.into_iter().map(|j| j + split));
        } else {
            missed.extend(0..ids.len());
        }
        // Blocks not kept are read from the engine and decompressed: a
        // hub's first read at scale L (Q2: 96,057 links in some 55,000
        // blocks) split between two cores as the kept reads are, in two
        // halves, each half's first error reported in order.
        let read = |js: &[usize]| -> Result<Vec<Option<R>>, StorageError> {
            js.iter()
                .map(|&j| self.with_record(keys::REL, ids[j], &f))
                .collect()
        };
        let split = match self.st.overlay.is_empty() && missed.len() >= SPLIT_READS && second_core()
        {
            true => missed.len() / 2,
            false => missed.len(),
        };
        let (now, later) = missed.split_at(split);
        let (now, later) = match later.is_empty() {
            true => (read(now), Ok(Vec::new())),
            false => beside(
                "record reads",
                || read(now),
                || read(later),
                || read(later),
                reads_stopped,
            ),
        };
        for (&j, r) in missed.iter().zip(now?.into_iter().chain(later?)) {
            out[j] = r;
        }
        Ok(out)
    }

    /// `f(j, record)` for each `j < n` whose link `id_at(j)` has its
    /// record in a kept block, under one hold of the cache. Links in blocks
    /// not kept, and every link while this transaction has staged writes,
    /// are left out: nothing is read from the engine. For a caller that
    /// reads what it can ahead and the rest when it needs it, a few links
    /// at a time: nothing is asked for ahead (as `with_rels` does), which
    /// for a dozen records already in the processor's caches cost more
    /// than it saved (Q8 at M, its links read this way: 29 µs asking
    /// ahead, 25 not).
    pub fn with_kept_rels(
        &self,
        n: usize,
        id_at: impl Fn(usize) -> Option<RelId>,
        mut f: impl FnMut(usize, &[u8]) -> Result<(), StorageError>,
    ) -> Result<(), StorageError> {
        if !self.st.overlay.is_empty() {
            return Ok(());
        }
        let kept = self.cache.read();
        for j in 0..n {
            let Some(id) = id_at(j) else {
                continue;
            };
            let (b, slot) = keys::block_and_slot(id);
            if let Some(read) = kept.with(keys::REL, b, |blk| in_slot(blk, slot, |r| f(j, r))) {
                read?;
            }
        }
        Ok(())
    }

    /// How many writes this transaction has staged so far, batches made
    /// durable included: unchanged between two calls, nothing it reads
    /// has changed in between.
    pub fn writes(&self) -> u64 {
        self.st.batched_writes + self.st.overlay.written()
    }

    /// Type, source and target of link `id`.
    pub fn rel_ends(&self, id: RelId) -> Result<Option<(u32, NodeId, NodeId)>, StorageError> {
        self.with_record(keys::REL, id, codec::rel_ends)
    }

    /// Whether node `id` exists and carries every one of `labels`.
    pub fn node_has_labels(&self, id: NodeId, labels: &[u32]) -> Result<bool, StorageError> {
        Ok(self
            .with_record(keys::NODE, id, |b| codec::node_has_labels(b, labels))?
            .unwrap_or(false))
    }

    /// Whether node `id` has `labels` (none: true) and, when it has them,
    /// whether its property `key` is the string `want`, compared where it
    /// is stored (`None`: another kind), from one read of its record for
    /// up to 64 labels (`codec::node_has_labels_and_str`); `None` for a
    /// node that does not exist.
    pub fn node_has_labels_and_str(
        &self,
        id: NodeId,
        labels: &[u32],
        key: u32,
        want: &str,
    ) -> Result<Option<(bool, Option<bool>)>, StorageError> {
        self.with_record(keys::NODE, id, |b| {
            codec::node_has_labels_and_str(b, labels, key, want)
        })
    }

    /// Applies `f` to the stored bytes of record `id` of keyspace `tag`
    /// (`NODE` or `REL`).
    fn with_record<R>(
        &self,
        tag: u8,
        id: u64,
        f: impl FnOnce(&[u8]) -> Result<R, StorageError>,
    ) -> Result<Option<R>, StorageError> {
        let (n, slot) = keys::block_and_slot(id);
        let mut f = Some(f);
        if self.st.overlay.is_empty() {
            // A kept block is read in place, without taking a share of it.
            let hit = self
                .cache
                .with(tag, n, |b| f.take().map(|f| in_slot(b, slot, f)));
            if let Some(Some(read)) = hit {
                return read;
            }
        }
        let Some(f) = f else {
            return Ok(None);
        };
        match self.block(tag, n)? {
            Some(b) => in_slot(&b, slot, f),
            None => Ok(None),
        }
    }

    /// Block `n` of keyspace `tag`: the overlay's if this transaction wrote
    /// it, else the committed one, through the graph's block cache.
    fn block(&self, tag: u8, n: u64) -> Result<Option<BlockRef<'_>>, StorageError> {
        self.block_kept_or_not(tag, n, true)
    }

    /// `block`, but a block read from the engine is kept only if `keep`:
    /// a pass over every block (`link_columns`) would otherwise fill the
    /// cache with blocks it reads once, and on this kind of machine the
    /// memory the cache takes costs more to hand out (zeroed pages) than
    /// the reads themselves.
    fn block_kept_or_not(
        &self,
        tag: u8,
        n: u64,
        keep: bool,
    ) -> Result<Option<BlockRef<'_>>, StorageError> {
        if !self.st.overlay.is_empty() {
            if let Some(staged) = self.st.overlay.staged(&keys::tag_u64(tag, n)) {
                return Ok(staged.map(BlockRef::Staged));
            }
        }
        if let Some(b) = self.cache.get(tag, n) {
            return Ok(Some(BlockRef::Shared(b)));
        }
        Ok(match self.store.get(&keys::tag_u64(tag, n))? {
            Some(v) => {
                // Checked once here, so that a record is read from a kept
                // block without its header's version (`in_slot`).
                block::validate(&v)?;
                if !keep {
                    return Ok(Some(BlockRef::Owned(v)));
                }
                let b: Arc<[u8]> = Arc::from(v);
                self.cache.insert(tag, n, b.clone());
                Some(BlockRef::Shared(b))
            }
            None => None,
        })
    }

    /// Calls `f` with the id and stored bytes of every link, ascending by
    /// id; `f` reads what it needs (`codec::rel_ends`, `codec::rel_prop`).
    pub fn for_each_rel<E: From<StorageError>>(
        &self,
        mut f: impl FnMut(RelId, &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        for n in 0..self.rel_blocks() {
            self.for_each_rel_in_block(n, &mut f)?;
        }
        Ok(())
    }

    /// How many link blocks there are to read with `for_each_rel_in_block`.
    pub fn rel_blocks(&self) -> u64 {
        (self.st.meta.next_rel >> keys::BLOCK_BITS) + 1
    }

    /// `for_each_rel` over the links of block `n` only: a scan that must
    /// stop early (LIMIT) or act between links reads one block at a time.
    pub fn for_each_rel_in_block<E: From<StorageError>>(
        &self,
        n: u64,
        f: impl FnMut(RelId, &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        self.for_each_in_block(keys::REL, n, f)
    }

    /// `for_each_rel_in_block` for the nodes of node block `n` (node `id`
    /// is in block `id >> keys::BLOCK_BITS`): a pass over many nodes reads
    /// each block once, not once per node.
    pub fn for_each_node_in_block<E: From<StorageError>>(
        &self,
        n: u64,
        f: impl FnMut(NodeId, &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        self.for_each_in_block(keys::NODE, n, f)
    }

    fn for_each_in_block<E: From<StorageError>>(
        &self,
        tag: u8,
        n: u64,
        f: impl FnMut(u64, &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        self.for_each_in_block_kept_or_not(tag, n, true, f)
    }

    fn for_each_in_block_kept_or_not<E: From<StorageError>>(
        &self,
        tag: u8,
        n: u64,
        keep: bool,
        mut f: impl FnMut(u64, &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let Some(b) = self.block_kept_or_not(tag, n, keep)? else {
            return Ok(());
        };
        let base = n << keys::BLOCK_BITS;
        for (i, bytes) in block::slots(&b)?.into_iter().enumerate() {
            if !bytes.is_empty() {
                f(base + i as u64, bytes)?;
            }
        }
        Ok(())
    }

    /// The committed links as columns (`link_columns.rs`): their ends as
    /// `ends` asks (`EndsWanted::Types` or `Nodes`) and the properties
    /// `keys`, built on first use and kept until a commit writes a link.
    /// `check` runs every 1024 links of a build (cancellation). `None` when
    /// this transaction has staged a link (its records must be read) or
    /// there are too many links for columns.
    ///
    /// A build reads each chunk of links from its columns on disk where
    /// they answer (`link_chunks.rs`: the types, and every column asked
    /// for kept), else every link block of the chunk: those the cache does
    /// not hold are read without being kept. From `SPLIT_READS` links on,
    /// with a second core, the two halves of the chunks are read and
    /// decoded on two threads. At scale L (78,000 blocks) a first aggregate
    /// from the records took 1.4 s, not 3.7-5.0 s, and 0.8 GB less memory
    /// (Q6, a fresh process).
    pub fn link_columns<E: From<StorageError> + Send>(
        &self,
        keys: &[u32],
        ends: EndsWanted,
        check: impl Fn() -> Result<(), E> + Sync,
    ) -> Result<Option<LinkColumns>, E> {
        if self.links_staged() {
            return Ok(None);
        }
        let next_rel = self.st.meta.next_rel;
        let Some(mut b) = link_columns::Builder::new(self.columns, next_rel, keys, ends) else {
            return Ok(None);
        };
        if b.has_work() {
            let blocks = self.rel_blocks();
            b.fill(
                self.chunk_split(),
                self.two_parts(),
                |part| -> Result<(), E> {
                    for c in part_chunks(part) {
                        check()?;
                        if self.chunk_into(part, c)? {
                            continue;
                        }
                        let chunk = keys::chunk_blocks(c);
                        for n in chunk.start..chunk.end.min(blocks) {
                            if n % 8 == 0 {
                                check()?;
                            }
                            self.for_each_in_block_kept_or_not(
                                keys::REL,
                                n,
                                false,
                                |id, bytes| Ok::<(), E>(part.add(id, bytes)?),
                            )?;
                        }
                    }
                    Ok(())
                },
            )?;
        }
        Ok(Some(b.finish()))
    }

    /// Property `key` of every committed link as a column: the kept one,
    /// or one built from the columns on disk when every chunk keeps it and
    /// reading the records of `links` links would read more blocks than
    /// there are chunks (Q2's hub at scale L: 96,057 links in some 55,000
    /// blocks, against 4,883 chunks). `None` otherwise, or while this
    /// transaction has staged a link.
    pub fn link_column(
        &self,
        key: u32,
        links: usize,
    ) -> Result<Option<Arc<link_columns::Column>>, StorageError> {
        if self.links_staged() {
            return Ok(None);
        }
        if let Some(kept) = self.columns.kept(key) {
            return Ok(Some(kept));
        }
        let chunks = self.st.meta.next_rel.div_ceil(keys::CHUNK_LINKS as u64);
        if chunks == 0 || (links as u64) < chunks {
            return Ok(None);
        }
        let next_rel = self.st.meta.next_rel;
        let wanted = EndsWanted::None;
        let Some(mut b) = link_columns::Builder::new(self.columns, next_rel, &[key], wanted) else {
            return Ok(None);
        };
        /// Why a build from the chunks stopped.
        enum Stop {
            /// A chunk does not keep the column.
            NotKept,
            Failed(StorageError),
        }
        impl From<StorageError> for Stop {
            fn from(e: StorageError) -> Stop {
                Stop::Failed(e)
            }
        }
        let built = b.fill(self.chunk_split(), self.two_parts(), |part| {
            for c in part_chunks(part) {
                if !self.chunk_into(part, c)? {
                    return Err(Stop::NotKept);
                }
            }
            Ok(())
        });
        match built {
            Ok(()) => Ok(b.finish().columns.pop().map(|(_, c)| c)),
            Err(Stop::NotKept) => Ok(None),
            Err(Stop::Failed(e)) => Err(e),
        }
    }

    /// Where a build splits the link slots: between the two halves of the
    /// chunks, so that each chunk is read by one part.
    fn chunk_split(&self) -> usize {
        let chunks = self.st.meta.next_rel.div_ceil(keys::CHUNK_LINKS as u64);
        usize::try_from((chunks / 2) << keys::CHUNK_BITS).unwrap_or(usize::MAX)
    }

    /// Whether a build's two parts go on two threads.
    fn two_parts(&self) -> bool {
        self.st.meta.next_rel >= SPLIT_READS as u64 && second_core()
    }

    /// Fills `part`'s share of chunk `c` from its columns on disk, if
    /// they answer for all the part wants: not the sources and targets,
    /// and of each property wanted, its kept column or that no link of the
    /// chunk has it. `Ok(false)` when they do not, or were never written.
    fn chunk_into(&self, part: &mut Part<'_>, c: u64) -> Result<bool, StorageError> {
        if part.wants_nodes() {
            return Ok(false);
        }
        let Some(head) = self.store.get(&keys::chunk_column(c, keys::CHUNK_HEAD))? else {
            return Ok(false);
        };
        let head = link_chunks::head(&head, part.wants_types())?;
        let mut columns = Vec::with_capacity(part.keys().len());
        for &key in part.keys() {
            columns.push(match head.answers(key) {
                None => return Ok(false),
                Some(false) => None,
                Some(true) => match self.store.get(&keys::chunk_column(c, key))? {
                    Some(stored) => Some(link_chunks::column(&stored)?),
                    None => {
                        return Err(StorageError::Corrupt(format!(
                            "link column chunk {c} lacks a column its head lists"
                        )))
                    }
                },
            });
        }
        part.add_chunk(c << keys::CHUNK_BITS, &head.types, &columns)?;
        Ok(true)
    }

    /// Whether this transaction has staged a write to a link record.
    pub fn links_staged(&self) -> bool {
        self.st.overlay.touches_prefix(&[keys::REL])
    }

    /// Property `key` of every committed link, if a scan kept it as a
    /// column (`link_columns`) and this transaction has staged no link: a
    /// read by link id then costs an array index, not a record's decoding.
    /// Never builds one.
    pub fn kept_link_column(&self, key: u32) -> Option<Arc<link_columns::Column>> {
        if self.links_staged() {
            return None;
        }
        self.columns.kept(key)
    }

    /// Links of `node` in one direction (both: out then in), of some types.
    pub fn expand(
        &self,
        node: NodeId,
        dir: Option<Dir>,
        types: Option<&[u32]>,
        out: &mut Vec<AdjEntry>,
    ) -> Result<(), StorageError> {
        let listed =
            self.with_committed_list(node, |b| adjacency_unpacked::list(b, dir, types, out))?;
        match listed {
            Some(()) => Ok(()),
            None => adjacency::list(self.view(), node, dir, types, out),
        }
    }

    /// Reads `node`'s committed list (nothing is staged under it) and keeps
    /// it in the block cache, unpacked.
    fn keep_list(&self, node: NodeId) -> Result<Arc<[u8]>, StorageError> {
        let packed = adjacency::read_list(self.view(), node)?;
        let list: Arc<[u8]> = Arc::from(adjacency_unpacked::unpack(&packed)?);
        self.cache.insert(keys::ADJ, node, list.clone());
        Ok(list)
    }

    /// Whether this transaction has staged a change to `node`'s list.
    fn list_staged(&self, node: NodeId) -> bool {
        !self.st.overlay.is_empty() && self.st.overlay.touches_prefix(&keys::adj_prefix(node))
    }

    /// `f` over `node`'s committed list, read in place where the block
    /// cache keeps it (read and kept there first if it is not: a share of
    /// the kept list costs two atomic operations more than the lookup, once
    /// per node a walk expands); `None` when this transaction has staged a
    /// change to it, which only the transaction's own view lists.
    fn with_committed_list<R>(
        &self,
        node: NodeId,
        mut f: impl FnMut(&[u8]) -> R,
    ) -> Result<Option<R>, StorageError> {
        if self.list_staged(node) {
            return Ok(None);
        }
        if let Some(r) = self.cache.with(keys::ADJ, node, &mut f) {
            return Ok(Some(r));
        }
        Ok(Some(f(&self.keep_list(node)?)))
    }

    /// How many links `expand(node, dir, None, _)` would list, counted
    /// from the list's header without listing them (a hub's 112,896 links
    /// at scale L cost a lookup once the list is kept, not a copy).
    pub fn degree(&self, node: NodeId, dir: Option<Dir>) -> Result<usize, StorageError> {
        if let Some(n) = self.with_committed_list(node, |b| adjacency_unpacked::count(b, dir))? {
            return Ok(n);
        }
        let mut out = Vec::new();
        self.expand(node, dir, None, &mut out)?;
        Ok(out.len())
    }

    /// Whether `expand(node, dir, types, _)` would list a link to one of
    /// `ends` (ascending), and how many links were looked at to know: the
    /// committed list is read in place, none is copied out.
    pub fn links_reach(
        &self,
        node: NodeId,
        dir: Option<Dir>,
        types: Option<&[u32]>,
        ends: &[NodeId],
    ) -> Result<(bool, usize), StorageError> {
        let committed =
            self.with_committed_list(node, |b| adjacency_unpacked::reaches(b, dir, types, ends))?;
        if let Some(r) = committed {
            return Ok(r);
        }
        let mut out = Vec::new();
        self.expand(node, dir, types, &mut out)?;
        let at = out
            .iter()
            .position(|e| ends.binary_search(&e.other).is_ok());
        Ok((at.is_some(), at.map_or(out.len(), |i| i + 1)))
    }

    /// Nodes with `label`, ascending.
    pub fn nodes_with_label(&self, label: u32) -> Result<Vec<NodeId>, StorageError> {
        let mut out = Vec::new();
        for item in self.view().scan_prefix(&keys::label_prefix(label)) {
            bucket::all_nodes(&item?.1, &mut out)?;
        }
        Ok(out)
    }

    /// Whether every node carries `label`, so that a pattern need not check
    /// it (every check of `(b:Actor)` in a traversal of a graph of actors
    /// would read the node). False in a transaction that has written
    /// something (its patterns check every label).
    pub fn label_is_universal(&self, label: u32) -> Result<bool, StorageError> {
        if !self.st.overlay.is_empty() {
            return Ok(false);
        }
        Ok(self.label_count(label)? == self.st.meta.nodes)
    }

    /// `label_is_universal` when the label's count is remembered, without
    /// counting it: `None` when that would scan the label's buckets (at
    /// scale L a million entries, for a point lookup that needs one
    /// node's labels).
    pub fn label_is_universal_if_known(&self, label: u32) -> Option<bool> {
        if !self.st.overlay.is_empty() {
            return Some(false);
        }
        let n = *self.label_counts.read().get(&label)?;
        Some(n == self.st.meta.nodes)
    }

    /// How many nodes carry `label`: known from one scan of the label's
    /// buckets, remembered until the next commit. In a transaction that
    /// has written, the count last committed if one is remembered (the
    /// planner only estimates with it), else one counted with its writes.
    pub fn label_count(&self, label: u32) -> Result<u64, StorageError> {
        if let Some(&n) = self.label_counts.read().get(&label) {
            return Ok(n);
        }
        let n = self.nodes_with_label(label)?.len() as u64;
        if self.st.overlay.is_empty() {
            self.label_counts.write().insert(label, n);
        }
        Ok(n)
    }

    /// Whether any node carries `label` (reads at most until the first id).
    pub fn label_in_use(&self, label: u32) -> Result<bool, StorageError> {
        let mut ids = Vec::new();
        for item in self.view().scan_prefix(&keys::label_prefix(label)) {
            bucket::all_nodes(&item?.1, &mut ids)?;
            if !ids.is_empty() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Nodes whose indexed property `key` equals `value` (or, for a list
    /// property such as `aliases`, contains it), ascending.
    pub fn nodes_with_prop(&self, key: u32, value: &Value) -> Result<Vec<NodeId>, StorageError> {
        match index::prop_lookup(key, value) {
            Some((b, encoded)) => self.bucket_lookup(&b, &encoded),
            None => Ok(Vec::new()),
        }
    }

    /// Actors whose `id`, `name` or one of `aliases` equals `name`, ignoring case.
    pub fn actors_named(&self, name: &str) -> Result<Vec<NodeId>, StorageError> {
        let (b, folded) = index::actor_lookup(name);
        let mut ids = self.bucket_lookup(&b, &folded)?;
        ids.dedup();
        Ok(ids)
    }

    /// Reads an index bucket through the block cache when this transaction
    /// has not written it: a point lookup (Q1) then pays neither the engine
    /// read nor the decompression again, and halves its way through the
    /// bucket (`bucket::keep`).
    fn bucket_lookup(&self, key: &[u8], value: &[u8]) -> Result<Vec<NodeId>, StorageError> {
        let mut out = Vec::new();
        let cached = keys::cache_slot(key)
            .filter(|_| self.st.overlay.is_empty() || self.st.overlay.staged(key).is_none());
        let Some((tag, n)) = cached else {
            if let Some(b) = self.view().get(key)? {
                bucket::nodes_matching(&b, value, &mut out)?;
            }
            return Ok(out);
        };
        if let Some(found) = self
            .cache
            .with(tag, n, |b| bucket::kept_nodes_matching(b, value, &mut out))
        {
            found?;
            return Ok(out);
        }
        if let Some(v) = self.store.get(key)? {
            let b: Arc<[u8]> = Arc::from(bucket::keep(&v)?);
            self.cache.insert(tag, n, b.clone());
            bucket::kept_nodes_matching(&b, value, &mut out)?;
        }
        Ok(out)
    }

    /// Every node id, ascending.
    pub fn all_node_ids(&self) -> Result<Vec<NodeId>, StorageError> {
        let mut out = Vec::new();
        for item in self.view().scan(&[keys::NODE], Some(&[keys::NODE + 1])) {
            let (k, v) = item?;
            let base = keys::block_base(&k)
                .ok_or_else(|| StorageError::Corrupt("damaged node key".into()))?;
            for (i, s) in block::slots(&v)?.iter().enumerate() {
                if !s.is_empty() {
                    out.push(base + i as u64);
                }
            }
        }
        Ok(out)
    }
}

/// The records of one relationship block, ascending by id.
pub fn decode_rel_block(key: &[u8], block: &[u8]) -> Result<Vec<(RelId, RelRecord)>, StorageError> {
    decode_block(key, block, "relationship")
}

/// The records of one node block, ascending by id.
pub fn decode_node_block(
    key: &[u8],
    block: &[u8],
) -> Result<Vec<(NodeId, NodeRecord)>, StorageError> {
    decode_block(key, block, "node")
}

/// A record block borrowed from the overlay or shared with the cache.
enum BlockRef<'a> {
    Staged(&'a [u8]),
    Shared(Arc<[u8]>),
    /// Read for one pass, not kept.
    Owned(Vec<u8>),
}

impl std::ops::Deref for BlockRef<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            BlockRef::Staged(b) => b,
            BlockRef::Shared(b) => b,
            BlockRef::Owned(b) => b,
        }
    }
}

/// Links read at once from which `Tx::with_rels` reads on two threads: a
/// thread costs some tens of microseconds, the records of a few hundred
/// links.
const SPLIT_READS: usize = 4096;

/// The error of a thread of `Tx::with_rels` that stopped unexpectedly.
fn reads_stopped() -> StorageError {
    StorageError::Corrupt("a thread reading records stopped unexpectedly".into())
}

/// `Tx::with_rels`'s reads of kept blocks for `ids`, into `out`; returns
/// the positions of the links whose blocks are not kept.
fn read_kept<R>(
    kept: &block_cache::Reader<'_>,
    ids: &[RelId],
    out: &mut [Option<R>],
    f: &impl Fn(&[u8]) -> Result<R, StorageError>,
) -> Result<Vec<usize>, StorageError> {
    let mut missed = Vec::new();
    for (j, &id) in ids.iter().enumerate() {
        for (d, what) in block_cache::PIPELINE {
            if let Some(&ahead) = ids.get(j + d) {
                let (n, slot) = keys::block_and_slot(ahead);
                kept.prefetch(keys::REL, n, slot, what);
            }
        }
        let (n, slot) = keys::block_and_slot(id);
        match kept.with(keys::REL, n, |b| in_slot(b, slot, f)) {
            Some(read) => out[j] = read?,
            None => missed.push(j),
        }
    }
    Ok(missed)
}

fn in_slot<R>(
    block: &[u8],
    slot: usize,
    f: impl FnOnce(&[u8]) -> Result<R, StorageError>,
) -> Result<Option<R>, StorageError> {
    // Every block reaching here was validated: read from the engine and
    // checked by `Tx::block` before it was kept, or staged by this build.
    match block::slot_of_valid(block, slot)? {
        Some(bytes) => f(bytes).map(Some),
        None => Ok(None),
    }
}

fn decode_block<T: codec::Record>(
    key: &[u8],
    b: &[u8],
    what: &str,
) -> Result<Vec<(u64, T)>, StorageError> {
    let base = keys::block_base(key)
        .ok_or_else(|| StorageError::Corrupt(format!("damaged {what} block key")))?;
    let mut out = Vec::new();
    for (i, s) in block::slots(b)?.into_iter().enumerate() {
        if !s.is_empty() {
            out.push((base + i as u64, codec::decode(s)?));
        }
    }
    Ok(out)
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

    #[test]
    fn a_version_1_database_is_refused_with_a_clear_message() {
        let store = super::super::memory::MemoryStore::new();
        store
            .apply(vec![(
                keys::meta("format"),
                Some(1u32.to_be_bytes().to_vec()),
            )])
            .unwrap();
        let err = Graph::open(Box::new(store)).err().unwrap();
        assert!(
            matches!(&err, StorageError::Format(m) if m.contains("version 1") && m.contains("import the data again")),
            "{err}"
        );
    }
}

#[cfg(test)]
#[path = "graph_tests.rs"]
mod layout_tests;

#[cfg(test)]
#[path = "link_chunks_tests.rs"]
mod link_chunks_tests;

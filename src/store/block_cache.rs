//! Committed record blocks and adjacency lists kept between statements, so
//! that a repeated scan or traversal does not go back to the engine (a sled
//! read copies the whole 12 KB block) for every record or neighbourhood. Only `Graph::commit` changes what
//! is committed, and it drops the blocks it writes, so the cache never serves
//! a stale block; a transaction's own staged blocks are read from its overlay
//! and never enter the cache.
//!
//! Concurrent reads share it (the server runs them side by side): one
//! reader-writer lock, held only for a lookup or an insert, never while the
//! engine is read.

use super::keys;
use crate::prefetch::prefetch_line;
use fxhash::FxHashMap;
use parking_lot::{RwLock, RwLockReadGuard};
use std::sync::Arc;

/// The least kept by default: the link records of about three million links.
pub const MIN_DEFAULT_CAPACITY: usize = 256 << 20;

/// Bytes kept by default: a quarter of the machine's memory, at least
/// `MIN_DEFAULT_CAPACITY` (as DuckDB's memory limit and Kùzu's buffer pool
/// are fractions of RAM). Only what statements read is kept, so a small
/// database never takes that much. A fixed 256 MiB held the records of one
/// million links but not those of ten million (about 1 GB): a traversal
/// touching most link blocks, such as the 112,896 links into the workload's
/// hub at scale L, then read and decompressed every block from the engine
/// on every run (160x the time at a tenth of the data).
pub fn default_capacity() -> usize {
    // SAFETY: sysconf only reads configuration values.
    let (pages, page) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    if pages <= 0 || page <= 0 {
        return MIN_DEFAULT_CAPACITY;
    }
    let ram = (pages as u128 * page as u128).min(usize::MAX as u128) as usize;
    (ram / 4).max(MIN_DEFAULT_CAPACITY)
}

pub struct BlockCache {
    inner: RwLock<Inner>,
}

struct Inner {
    /// Index buckets, adjacency lists, and record blocks beyond `dense`.
    blocks: FxHashMap<(u8, u64), Arc<[u8]>>,
    /// Node and link record blocks by block number (their numbers are
    /// dense): a lookup is one array index, with no hash to probe, and a
    /// prefetch can ask for the entry itself ahead (`Prefetch::Entry`).
    dense: [Vec<Option<Arc<[u8]>>>; 2],
    /// Where the next eviction from `dense` starts, per array.
    cursor: [usize; 2],
    bytes: usize,
    capacity: usize,
}

/// Record blocks numbered below this are kept in `Inner::dense` (64 MiB of
/// entries at most, for half a billion records).
const DENSE_BLOCKS: u64 = 1 << 22;

/// Where record block `block` of keyspace `tag` lies in `Inner::dense`.
fn dense_slot(tag: u8, block: u64) -> Option<(usize, usize)> {
    let d = match tag {
        keys::NODE => 0,
        keys::REL => 1,
        _ => return None,
    };
    (block < DENSE_BLOCKS).then_some((d, block as usize))
}

/// What `BlockCache::prefetch` asks for, in the order a read needs them.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Prefetch {
    /// The cache's entry for the block (record blocks only).
    Entry,
    /// The slot's offsets in the block's header.
    Offsets,
    /// The record the offsets point at.
    Record,
}

/// How far ahead of its read each stage of a record is asked for, in
/// records, when records are read in turn: each stage a few reads after
/// the one it depends on.
pub const PIPELINE: [(usize, Prefetch); 3] = [
    (6, Prefetch::Entry),
    (4, Prefetch::Offsets),
    (2, Prefetch::Record),
];

impl BlockCache {
    pub fn new(capacity: usize) -> BlockCache {
        BlockCache {
            inner: RwLock::new(Inner {
                blocks: FxHashMap::default(),
                dense: [Vec::new(), Vec::new()],
                cursor: [0, 0],
                bytes: 0,
                capacity,
            }),
        }
    }

    /// Keeps at most `capacity` bytes from now on, dropping blocks at
    /// once if it holds more.
    pub fn set_capacity(&self, capacity: usize) {
        let mut c = self.inner.write();
        c.capacity = capacity;
        if c.bytes > capacity {
            c.shrink_to(capacity, 0);
        }
    }

    pub fn capacity(&self) -> usize {
        self.inner.read().capacity
    }

    pub fn get(&self, tag: u8, block: u64) -> Option<Arc<[u8]>> {
        self.inner.read().lookup(tag, block).cloned()
    }

    /// `f` over the kept block, without taking a share of it; `None` if
    /// the block is not kept.
    #[inline]
    pub fn with<R>(&self, tag: u8, block: u64, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        self.read().with(tag, block, f)
    }

    /// Asks the processor to start loading what a read of slot `slot` of
    /// kept block `block` needs at stage `what` (`Reader::prefetch`).
    pub fn prefetch(&self, tag: u8, block: u64, slot: usize, what: Prefetch) {
        self.read().prefetch(tag, block, slot, what);
    }

    /// The kept blocks, held for reading until the reader is dropped: a
    /// read of many records takes the lock once, not per record (each take
    /// is a locked instruction, which also keeps the reads around it from
    /// waiting on memory together). The thread holding it must call no
    /// other method of the cache meanwhile: the lock is not reentrant (a
    /// second read waits behind a waiting writer, which waits for the first).
    pub fn read(&self) -> Reader<'_> {
        Reader(self.inner.read())
    }

    /// Keeps `bytes`; when full, first drops about a quarter of the blocks
    /// (in hash order, which is as good as random for a scan larger than
    /// the cache and keeps most of a working set that fits).
    pub fn insert(&self, tag: u8, block: u64, bytes: Arc<[u8]>) {
        let mut c = self.inner.write();
        if bytes.len() > c.capacity {
            return;
        }
        if c.bytes + bytes.len() > c.capacity {
            let target = c.capacity / 4 * 3;
            c.shrink_to(target, bytes.len());
        }
        c.bytes += bytes.len();
        if let Some(old) = c.put(tag, block, bytes) {
            c.bytes -= old.len();
        }
    }

    /// Forgets what is kept for `key`: a record block, an index bucket, or
    /// the adjacency list one of whose chunks `key` is.
    pub fn invalidate(&self, key: &[u8]) {
        if let Some(entry) = keys::cache_slot(key) {
            let mut c = self.inner.write();
            if let Some(old) = c.take(entry.0, entry.1) {
                c.bytes -= old.len();
            }
        }
    }

    pub fn clear(&self) {
        let mut c = self.inner.write();
        c.blocks.clear();
        c.dense = [Vec::new(), Vec::new()];
        c.bytes = 0;
    }
}

/// The kept blocks, read under one hold of the cache's lock
/// (`BlockCache::read`).
pub struct Reader<'a>(RwLockReadGuard<'a, Inner>);

impl Reader<'_> {
    /// `f` over the kept block; `None` if the block is not kept.
    pub fn with<R>(&self, tag: u8, block: u64, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        self.0.lookup(tag, block).map(|b| f(b))
    }

    /// Asks the processor to start loading, ahead of a read, what a read
    /// of slot `slot` of kept block `block` needs at stage `what`: the
    /// cache's entry, the slot's offsets, or the record they point at. Each
    /// stage reads what the one before asked for, so a caller asks for
    /// them in that order, a few reads apart (`PIPELINE`; else this waits
    /// on memory itself). Nothing happens for a block not kept. A hint: it
    /// changes no result, only how many reads wait on memory, one after
    /// another, when records of thousands of blocks are read in turn.
    pub fn prefetch(&self, tag: u8, block: u64, slot: usize, what: Prefetch) {
        let c = &self.0;
        if what == Prefetch::Entry {
            if let Some((d, i)) = dense_slot(tag, block) {
                if let Some(entry) = c.dense[d].get(i) {
                    prefetch_line(entry);
                }
            }
            return;
        }
        let Some(b) = c.lookup(tag, block) else {
            return;
        };
        let at = match what {
            Prefetch::Record => match crate::store::block::slot_start(b, slot) {
                Some(at) => at,
                None => return,
            },
            _ if slot < keys::BLOCK_SLOTS => 1 + 4 * slot.saturating_sub(1),
            _ => return,
        };
        if let Some(byte) = b.get(at) {
            prefetch_line(byte);
        }
        // A record's first 64 bytes, which hold its ends and first
        // properties, lie on two lines unless it begins a line: with the
        // second left to the read, the 112,896 link records into the
        // workload's hub at scale L, tested for a category, waited on it in
        // turn (Q2 there 17.7 -> 15.0 ms).
        if what == Prefetch::Record {
            if let Some(byte) = b.get(at + 63) {
                prefetch_line(byte);
            }
        }
    }
}

impl Inner {
    fn lookup(&self, tag: u8, block: u64) -> Option<&Arc<[u8]>> {
        match dense_slot(tag, block) {
            Some((d, i)) => self.dense[d].get(i)?.as_ref(),
            None => self.blocks.get(&(tag, block)),
        }
    }

    /// Keeps `bytes` for the block, returning what was kept before.
    fn put(&mut self, tag: u8, block: u64, bytes: Arc<[u8]>) -> Option<Arc<[u8]>> {
        match dense_slot(tag, block) {
            Some((d, i)) => {
                let v = &mut self.dense[d];
                if v.len() <= i {
                    v.resize(i + 1, None);
                }
                v[i].replace(bytes)
            }
            None => self.blocks.insert((tag, block), bytes),
        }
    }

    fn take(&mut self, tag: u8, block: u64) -> Option<Arc<[u8]>> {
        match dense_slot(tag, block) {
            Some((d, i)) => self.dense[d].get_mut(i)?.take(),
            None => self.blocks.remove(&(tag, block)),
        }
    }

    /// How many blocks are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        let dense = self.dense.iter().flatten().filter(|b| b.is_some()).count();
        self.blocks.len() + dense
    }

    /// Drops blocks until `room` more bytes fit in `target`: record blocks
    /// first, from where the last eviction stopped on (round the arrays,
    /// as good as random for a scan larger than the cache), then the
    /// others in hash order.
    fn shrink_to(&mut self, target: usize, room: usize) {
        for d in 0..2 {
            let len = self.dense[d].len();
            let mut at = self.cursor[d];
            for _ in 0..len {
                if self.bytes + room <= target {
                    break;
                }
                at = (at + 1) % len;
                if let Some(old) = self.dense[d][at].take() {
                    self.bytes -= old.len();
                }
            }
            self.cursor[d] = at;
        }
        let mut freed = Vec::new();
        let mut left = self.bytes;
        for (k, v) in &self.blocks {
            if left + room <= target {
                break;
            }
            left -= v.len();
            freed.push(*k);
        }
        for k in freed {
            self.blocks.remove(&k);
        }
        self.bytes = left;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_within_capacity_and_forgets_invalidated_blocks() {
        let c = BlockCache::new(1000);
        for b in 0..50u64 {
            c.insert(keys::REL, b, Arc::from(vec![0u8; 100]));
            assert!(c.inner.read().bytes <= 1000);
        }
        assert!(c.get(keys::REL, 49).is_some());
        let (key, _) = keys::rel_block(49 << keys::BLOCK_BITS);
        c.invalidate(&key);
        assert!(c.get(keys::REL, 49).is_none());
        c.insert(keys::NODE, 49, Arc::from(vec![1u8; 10]));
        assert!(c.get(keys::REL, 49).is_none());
        assert!(c.get(keys::NODE, 49).is_some());
        c.insert(keys::NODE, 4, Arc::from(vec![1u8; 2000]));
        assert!(c.get(keys::NODE, 4).is_none());
        c.insert(keys::ADJ, 7, Arc::from(vec![1u8; 10]));
        c.invalidate(&keys::adj_chunk(7, 3));
        assert!(c.get(keys::ADJ, 7).is_none());
        c.clear();
        assert!(c.get(keys::NODE, 49).is_none());
    }

    #[test]
    fn a_smaller_capacity_drops_blocks_at_once() {
        let c = BlockCache::new(1000);
        for b in 0..10u64 {
            c.insert(keys::REL, b, Arc::from(vec![0u8; 100]));
        }
        assert_eq!(c.inner.read().bytes, 1000);
        c.set_capacity(250);
        assert!(c.inner.read().bytes <= 250);
        assert_eq!(c.inner.read().len() * 100, c.inner.read().bytes);
        c.insert(keys::REL, 20, Arc::from(vec![0u8; 300]));
        assert!(c.get(keys::REL, 20).is_none());
        c.set_capacity(0);
        assert_eq!(c.inner.read().len(), 0);
    }

    #[test]
    fn prefetching_changes_nothing() {
        let c = BlockCache::new(1 << 20);
        let mut b = None;
        for i in [0usize, 3, 127] {
            b = crate::store::block::with_slot(b.as_deref(), i, b"record").unwrap();
        }
        let b: Arc<[u8]> = Arc::from(b.unwrap());
        c.insert(keys::REL, 5, b.clone());
        for slot in [0, 1, 3, 127, 128, usize::MAX] {
            for what in [Prefetch::Entry, Prefetch::Offsets, Prefetch::Record] {
                c.prefetch(keys::REL, 5, slot, what);
                c.prefetch(keys::REL, 6, slot, what);
                c.prefetch(keys::NODE, 5, slot, what);
                c.prefetch(keys::REL, DENSE_BLOCKS + 5, slot, what);
                c.prefetch(keys::ADJ, 5, slot, what);
            }
        }
        // A block too short for its header is passed over.
        c.insert(keys::REL, 7, Arc::from(vec![1u8; 3]));
        c.prefetch(keys::REL, 7, 100, Prefetch::Record);
        assert_eq!(c.get(keys::REL, 5).as_deref(), Some(&b[..]));
        assert_eq!(c.inner.read().bytes, b.len() + 3);
    }

    #[test]
    fn record_blocks_past_the_dense_arrays_are_kept_all_the_same() {
        let c = BlockCache::new(1000);
        for (tag, b) in [(keys::REL, DENSE_BLOCKS), (keys::NODE, 3), (keys::REL, 3)] {
            c.insert(tag, b, Arc::from(vec![tag; 100]));
        }
        assert_eq!(c.get(keys::REL, DENSE_BLOCKS).unwrap()[0], keys::REL);
        assert_eq!(c.get(keys::NODE, 3).unwrap()[0], keys::NODE);
        assert_eq!(c.get(keys::REL, 3).unwrap()[0], keys::REL);
        assert!(c.get(keys::REL, 4).is_none() && c.get(keys::NODE, 4).is_none());
        // Replacing a block counts its bytes once.
        c.insert(keys::REL, 3, Arc::from(vec![9u8; 50]));
        assert_eq!(c.inner.read().bytes, 250);
        assert_eq!(c.with(keys::REL, 3, |b| b.len()), Some(50));
        // Evictions go round: filling the cache many times over keeps it
        // within capacity and keeps the newest block.
        for b in 0..100u64 {
            c.insert(keys::NODE, b, Arc::from(vec![1u8; 100]));
            assert!(c.inner.read().bytes <= 1000);
            assert!(c.get(keys::NODE, b).is_some());
            let inner = c.inner.read();
            let kept: usize = inner
                .dense
                .iter()
                .flatten()
                .flatten()
                .map(|b| b.len())
                .sum();
            let others: usize = inner.blocks.values().map(|b| b.len()).sum();
            assert_eq!(kept + others, inner.bytes);
        }
        let (key, _) = keys::rel_block(DENSE_BLOCKS << keys::BLOCK_BITS);
        c.invalidate(&key);
        assert!(c.get(keys::REL, DENSE_BLOCKS).is_none());
    }

    #[test]
    fn the_default_is_at_least_the_old_fixed_size() {
        assert!(default_capacity() >= MIN_DEFAULT_CAPACITY);
    }
}

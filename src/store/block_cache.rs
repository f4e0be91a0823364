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
use fxhash::FxHashMap;
use parking_lot::RwLock;
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
    blocks: FxHashMap<(u8, u64), Arc<[u8]>>,
    bytes: usize,
    capacity: usize,
}

impl BlockCache {
    pub fn new(capacity: usize) -> BlockCache {
        BlockCache {
            inner: RwLock::new(Inner {
                blocks: FxHashMap::default(),
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
        self.inner.read().blocks.get(&(tag, block)).cloned()
    }

    /// `f` over the kept block, without taking a share of it; `None` if
    /// the block is not kept.
    pub fn with<R>(&self, tag: u8, block: u64, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        self.inner.read().blocks.get(&(tag, block)).map(|b| f(b))
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
        if let Some(old) = c.blocks.insert((tag, block), bytes) {
            c.bytes -= old.len();
        }
    }

    /// Forgets what is kept for `key`: a record block, an index bucket, or
    /// the adjacency list one of whose chunks `key` is.
    pub fn invalidate(&self, key: &[u8]) {
        if let Some(entry) = keys::cache_slot(key) {
            let mut c = self.inner.write();
            if let Some(old) = c.blocks.remove(&entry) {
                c.bytes -= old.len();
            }
        }
    }

    pub fn clear(&self) {
        let mut c = self.inner.write();
        c.blocks.clear();
        c.bytes = 0;
    }
}

impl Inner {
    /// Drops blocks (in hash order) until `room` more bytes fit in `target`.
    fn shrink_to(&mut self, target: usize, room: usize) {
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
        assert_eq!(c.inner.read().blocks.len() * 100, c.inner.read().bytes);
        c.insert(keys::REL, 20, Arc::from(vec![0u8; 300]));
        assert!(c.get(keys::REL, 20).is_none());
        c.set_capacity(0);
        assert!(c.inner.read().blocks.is_empty());
    }

    #[test]
    fn the_default_is_at_least_the_old_fixed_size() {
        assert!(default_capacity() >= MIN_DEFAULT_CAPACITY);
    }
}

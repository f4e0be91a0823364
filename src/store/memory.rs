//! An in-memory engine for tests and `--memory`.

use super::{Batch, KvIter, KvPair, KvStore, StorageError};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::RwLock;

#[derive(Default)]
pub struct MemoryStore {
    map: RwLock<BTreeMap<Vec<u8>, Vec<u8>>>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }
}

fn poisoned() -> StorageError {
    StorageError::Io("in-memory store lock poisoned".into())
}

impl KvStore for MemoryStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.map.read().map_err(|_| poisoned())?.get(key).cloned())
    }

    fn scan<'a>(&'a self, start: &[u8], end: Option<&[u8]>) -> KvIter<'a> {
        self.collect_range(start, end, false)
    }

    fn scan_rev<'a>(&'a self, start: &[u8], end: Option<&[u8]>) -> KvIter<'a> {
        self.collect_range(start, end, true)
    }

    fn apply(&self, batch: Batch) -> Result<(), StorageError> {
        let mut map = self.map.write().map_err(|_| poisoned())?;
        for (k, v) in batch {
            match v {
                Some(v) => map.insert(k, v),
                None => map.remove(&k),
            };
        }
        Ok(())
    }

    fn size_on_disk(&self) -> u64 {
        0
    }
}

impl MemoryStore {
    fn collect_range<'a>(&'a self, start: &[u8], end: Option<&[u8]>, rev: bool) -> KvIter<'a> {
        Box::new(Chunks {
            store: self,
            low: Bound::Included(start.to_vec()),
            high: match end {
                Some(e) => Bound::Excluded(e.to_vec()),
                None => Bound::Unbounded,
            },
            rev,
            buf: std::collections::VecDeque::new(),
            chunk: FIRST_CHUNK,
            done: false,
        })
    }
}

/// Entries copied out per lock at first; the chunk doubles up to `MAX_CHUNK`.
const FIRST_CHUNK: usize = 2;
const MAX_CHUNK: usize = 4096;

/// A scan that copies entries out a chunk at a time, so that no lock is held
/// while the caller iterates and a caller that wants only the first entry
/// (or a few) does not pay for the whole range: `collect`ing it all made
/// every such lookup linear in the store, and a million small commits on
/// `--memory` quadratic.
struct Chunks<'a> {
    store: &'a MemoryStore,
    low: Bound<Vec<u8>>,
    high: Bound<Vec<u8>>,
    rev: bool,
    buf: std::collections::VecDeque<KvPair>,
    chunk: usize,
    done: bool,
}

impl Chunks<'_> {
    fn refill(&mut self) -> Result<(), StorageError> {
        let map = self.store.map.read().map_err(|_| poisoned())?;
        if !nonempty(&self.low, &self.high) {
            // `BTreeMap::range` panics on an inverted range.
            self.done = true;
            return Ok(());
        }
        let range = map.range((self.low.clone(), self.high.clone()));
        let taken: Vec<_> = if self.rev {
            range.rev().take(self.chunk).collect()
        } else {
            range.take(self.chunk).collect()
        };
        if taken.len() < self.chunk {
            self.done = true;
        }
        if let Some((last, _)) = taken.last() {
            let past = Bound::Excluded(last.to_vec());
            if self.rev {
                self.high = past;
            } else {
                self.low = past;
            }
        }
        self.buf
            .extend(taken.into_iter().map(|(k, v)| (k.clone(), v.clone())));
        self.chunk = (self.chunk * 2).min(MAX_CHUNK);
        Ok(())
    }
}

fn nonempty(low: &Bound<Vec<u8>>, high: &Bound<Vec<u8>>) -> bool {
    match (low, high) {
        (Bound::Included(l), Bound::Included(h)) => l <= h,
        (Bound::Included(l) | Bound::Excluded(l), Bound::Included(h) | Bound::Excluded(h)) => l < h,
        _ => true,
    }
}

impl Iterator for Chunks<'_> {
    type Item = Result<KvPair, StorageError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.buf.is_empty() && !self.done {
            if let Err(e) = self.refill() {
                self.done = true;
                return Some(Err(e));
            }
        }
        self.buf.pop_front().map(Ok)
    }
}

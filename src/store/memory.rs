//! An in-memory engine for tests and `--memory`.

use super::{Batch, KvIter, KvStore, StorageError};
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
        let guard = match self.map.read() {
            Ok(g) => g,
            Err(_) => return Box::new(std::iter::once(Err(poisoned()))),
        };
        let upper = match end {
            Some(e) => Bound::Excluded(e.to_vec()),
            None => Bound::Unbounded,
        };
        // Collected so that no lock is held while the caller iterates.
        let mut items: Vec<_> = guard
            .range((Bound::Included(start.to_vec()), upper))
            .map(|(k, v)| Ok((k.clone(), v.clone())))
            .collect();
        if rev {
            items.reverse();
        }
        Box::new(items.into_iter())
    }
}

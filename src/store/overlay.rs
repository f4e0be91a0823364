//! A transaction's staged writes. Reads through a `View` see the overlay on
//! top of the committed store; commit turns the overlay into one batch.

use super::{prefix_end, Batch, KvIter, KvPair, KvStore, StorageError};
use std::collections::BTreeMap;
use std::iter::Peekable;
use std::ops::Bound;

#[derive(Debug, Clone, Default)]
pub struct Overlay {
    writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// While a savepoint is open: each written key with its staged entry
    /// before the write (`None`: it had none), in write order.
    undo: Option<Vec<(Vec<u8>, Option<Option<Vec<u8>>>)>>,
    /// Writes made to it, undone ones included: a reader that read ahead
    /// compares this to see whether what it read may have changed.
    written: u64,
}

impl Overlay {
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    pub fn len(&self) -> usize {
        self.writes.len()
    }

    /// Bytes of the staged keys and values.
    pub fn staged_bytes(&self) -> usize {
        self.writes
            .iter()
            .map(|(k, v)| k.len() + v.as_ref().map_or(0, Vec::len))
            .sum()
    }

    /// What this overlay staged under `key`: `Some(None)` for a delete,
    /// `None` when the committed value shows through.
    pub fn staged(&self, key: &[u8]) -> Option<Option<&[u8]>> {
        self.writes.get(key).map(|v| v.as_deref())
    }

    /// Whether anything is staged under a key starting with `prefix`.
    pub fn touches_prefix(&self, prefix: &[u8]) -> bool {
        self.writes
            .range::<[u8], _>((Bound::Included(prefix), Bound::Unbounded))
            .next()
            .is_some_and(|(k, _)| k.starts_with(prefix))
    }

    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.log(&key);
        self.writes.insert(key, Some(value));
    }

    pub fn delete(&mut self, key: Vec<u8>) {
        self.log(&key);
        self.writes.insert(key, None);
    }

    /// How many writes this overlay has taken (`put`, `delete`, a
    /// savepoint's rollback), never fewer than before.
    pub fn written(&self) -> u64 {
        self.written
    }

    fn log(&mut self, key: &[u8]) {
        self.written += 1;
        if let Some(undo) = &mut self.undo {
            undo.push((key.to_vec(), self.writes.get(key).cloned()));
        }
    }

    pub fn begin_savepoint(&mut self) {
        self.undo = Some(Vec::new());
    }

    pub fn release_savepoint(&mut self) {
        self.undo = None;
    }

    /// Undoes every write since `begin_savepoint`.
    pub fn rollback_savepoint(&mut self) {
        self.written += 1;
        for (key, before) in self.undo.take().unwrap_or_default().into_iter().rev() {
            match before {
                Some(entry) => self.writes.insert(key, entry),
                None => self.writes.remove(&key),
            };
        }
    }

    pub fn into_batch(self) -> Batch {
        // (A savepoint's log is dropped with it.)
        self.writes.into_iter().collect()
    }

    /// The staged writes in key order, freed as they are taken (a bulk
    /// load's overlay is its largest structure).
    pub fn into_writes(self) -> impl Iterator<Item = (Vec<u8>, Option<Vec<u8>>)> {
        self.writes.into_iter()
    }
}

/// Read access to the store as the transaction sees it.
#[derive(Clone, Copy)]
pub struct View<'a> {
    pub store: &'a dyn KvStore,
    pub overlay: &'a Overlay,
}

impl<'a> View<'a> {
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        match self.overlay.writes.get(key) {
            Some(staged) => Ok(staged.clone()),
            None => self.store.get(key),
        }
    }

    /// Keys in `[start, end)` in order, staged writes merged in.
    pub fn scan(&self, start: &[u8], end: Option<&[u8]>) -> KvIter<'a> {
        let base = self.store.scan(start, end);
        if self.overlay.is_empty() {
            return base;
        }
        let upper = match end {
            Some(e) => Bound::Excluded(e.to_vec()),
            None => Bound::Unbounded,
        };
        let staged: Vec<Write> = self
            .overlay
            .writes
            .range((Bound::Included(start.to_vec()), upper))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Box::new(Merge {
            base: base.peekable(),
            staged: staged.into_iter().peekable(),
        })
    }

    /// The greatest key starting with `prefix`, with its value, staged writes
    /// (and deletes) taken into account.
    pub fn last_under(&self, prefix: &[u8]) -> Result<Option<KvPair>, StorageError> {
        let end = prefix_end(prefix);
        let upper = match &end {
            Some(e) => Bound::Excluded(e.clone()),
            None => Bound::Unbounded,
        };
        let staged = self
            .overlay
            .writes
            .range((Bound::Included(prefix.to_vec()), upper))
            .rev()
            .find_map(|(k, v)| v.as_ref().map(|v| (k, v)));
        let mut base = None;
        for item in self.store.scan_rev(prefix, end.as_deref()) {
            let (k, v) = item?;
            if !self.overlay.writes.contains_key(&k) {
                base = Some((k, v));
                break;
            }
        }
        Ok(match (staged, base) {
            (Some((sk, sv)), Some((bk, bv))) => Some(if *sk > bk {
                (sk.clone(), sv.clone())
            } else {
                (bk, bv)
            }),
            (Some((sk, sv)), None) => Some((sk.clone(), sv.clone())),
            (None, base) => base,
        })
    }

    pub fn scan_prefix(&self, prefix: &[u8]) -> KvIter<'a> {
        let end = prefix_end(prefix);
        self.scan(prefix, end.as_deref())
    }
}

/// A staged put (`Some`) or delete (`None`).
type Write = (Vec<u8>, Option<Vec<u8>>);

struct Merge<'a> {
    base: Peekable<KvIter<'a>>,
    staged: Peekable<std::vec::IntoIter<Write>>,
}

impl Iterator for Merge<'_> {
    type Item = Result<KvPair, StorageError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let take_staged = match (self.base.peek(), self.staged.peek()) {
                (None, None) => return None,
                (Some(Err(_)), _) => return self.base.next(),
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(Ok((bk, _))), Some((sk, _))) => {
                    if sk == bk {
                        self.base.next();
                        true
                    } else {
                        sk < bk
                    }
                }
            };
            if take_staged {
                match self.staged.next() {
                    Some((k, Some(v))) => return Some(Ok((k, v))),
                    Some((_, None)) => continue,
                    None => return None,
                }
            }
            return self.base.next();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::MemoryStore;

    #[test]
    fn staged_writes_shadow_the_store_in_gets_and_scans() {
        let store = MemoryStore::new();
        store
            .apply(vec![
                (vec![1], Some(vec![1])),
                (vec![2], Some(vec![2])),
                (vec![4], Some(vec![4])),
            ])
            .unwrap();
        let mut ov = Overlay::default();
        ov.delete(vec![2]);
        ov.put(vec![3], vec![3]);
        ov.put(vec![4], vec![40]);
        let view = View {
            store: &store,
            overlay: &ov,
        };
        assert_eq!(view.get(&[2]).unwrap(), None);
        let all: Vec<_> = view.scan(&[0], None).map(|r| r.unwrap()).collect();
        assert_eq!(
            all,
            vec![(vec![1], vec![1]), (vec![3], vec![3]), (vec![4], vec![40])]
        );
        let some: Vec<_> = view.scan(&[2], Some(&[4])).map(|r| r.unwrap().0).collect();
        assert_eq!(some, vec![vec![3]]);
        assert_eq!(view.last_under(&[]).unwrap(), Some((vec![4], vec![40])));
        assert_eq!(view.last_under(&[2]).unwrap(), None);
        assert_eq!(view.last_under(&[1]).unwrap(), Some((vec![1], vec![1])));
        let mut ov = Overlay::default();
        ov.delete(vec![4]);
        let view = View {
            store: &store,
            overlay: &ov,
        };
        assert_eq!(view.last_under(&[]).unwrap(), Some((vec![2], vec![2])));
    }

    #[test]
    fn a_savepoint_rollback_restores_the_staged_entries() {
        let mut ov = Overlay::default();
        ov.put(vec![1], vec![1]);
        ov.delete(vec![2]);
        ov.begin_savepoint();
        ov.put(vec![1], vec![10]);
        ov.put(vec![2], vec![20]);
        ov.put(vec![3], vec![30]);
        ov.delete(vec![1]);
        ov.rollback_savepoint();
        assert_eq!(
            ov.into_batch(),
            vec![(vec![1], Some(vec![1])), (vec![2], None)]
        );
    }
}

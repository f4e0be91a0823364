//! The nodes a breadth-first search has reached (`ends_once`), or a
//! distinct count past its small set has counted (`EndTally`): a bit per
//! node id, in words each thread keeps from one search to the next, with
//! the words set listed so that emptying the set costs what the search
//! set, not the size of the graph. A hash set grown per search cost Q4 at
//! scale M an eighth of its time (260 inserts) and an allocation.

use crate::value::NodeId;
use fxhash::FxHashSet;
use std::cell::RefCell;

/// Ids from this on go to a hash set: a thread keeps at most this many
/// bits (2 MiB) between searches.
const MOST_BITS: u64 = 1 << 24;

/// A kept hash set larger than this is dropped when emptied.
const KEEP_BEYOND: usize = 4096;

#[derive(Default)]
pub(super) struct Reached {
    words: Vec<u64>,
    /// The words set since the set was last emptied.
    touched: Vec<u32>,
    /// Ids from `MOST_BITS` on.
    beyond: FxHashSet<NodeId>,
    len: usize,
}

thread_local! {
    static KEPT: RefCell<Reached> = RefCell::new(Reached::default());
}

impl Reached {
    /// The thread's kept set, empty. A search begun within a search (a
    /// subquery in the end's map) takes a new one.
    pub fn take() -> Reached {
        KEPT.try_with(|k| std::mem::take(&mut *k.borrow_mut()))
            .unwrap_or_default()
    }

    /// Empties the set and keeps it for the thread's next search.
    pub fn give_back(mut self) {
        for &w in &self.touched {
            self.words[w as usize] = 0;
        }
        self.touched.clear();
        if self.beyond.capacity() > KEEP_BEYOND {
            self.beyond = Default::default();
        }
        self.beyond.clear();
        self.len = 0;
        // A thread on its way out keeps nothing.
        let _ = KEPT.try_with(|k| *k.borrow_mut() = self);
    }

    /// Adds `id`: whether it was not there.
    #[inline]
    pub fn insert(&mut self, id: NodeId) -> bool {
        if id >= MOST_BITS {
            let new = self.beyond.insert(id);
            self.len += usize::from(new);
            return new;
        }
        let (w, bit) = ((id >> 6) as usize, 1u64 << (id & 63));
        if w >= self.words.len() {
            self.words.resize(w + 1, 0);
        }
        let word = &mut self.words[w];
        if *word & bit != 0 {
            return false;
        }
        if *word == 0 {
            self.touched.push(w as u32);
        }
        *word |= bit;
        self.len += 1;
        true
    }

    pub fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_taken_once_and_the_set_comes_back_empty() {
        let mut r = Reached::take();
        for id in [5, 64, 5, MOST_BITS + 3, 63, MOST_BITS + 3, 0, 64] {
            r.insert(id);
        }
        assert_eq!(r.len(), 5);
        assert!(!r.insert(63) && !r.insert(MOST_BITS + 3));
        r.give_back();
        // The same thread's next search: nothing is left from the last.
        let mut again = Reached::take();
        assert!(again.words.iter().all(|&w| w == 0) && again.words.len() >= 2);
        assert!(again.insert(5) && again.insert(MOST_BITS + 3));
        // A search within it gets a set of its own.
        let mut inner = Reached::take();
        assert!(inner.insert(5));
        inner.give_back();
        again.give_back();
    }
}

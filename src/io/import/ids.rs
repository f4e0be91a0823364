//! The string `id` → actor map of a load. Every link looks up both of its
//! ends here (twenty million lookups at ten million links), and with
//! `HashMap<String, NodeId>` each lookup missed the cache twice: once in
//! the table and once in the key's own allocation, compared by `memcmp`
//! (with the SipHash, 16% of a load's time). Ids of up to 23 bytes, such as
//! `a0012345`, are kept inline in the table here, hashed and compared as
//! three words; longer ones go to an ordinary map.
//!
//! The inline table is open addressing over one array, so that a load can
//! ask for an id's slot a few links before it looks the id up (`prefetch`):
//! links name their ends in no order, and at a million actors each lookup
//! still waited on memory (`Ids::get`, 4.6 s of a 29 s load at scale L).

use crate::prefetch::prefetch_line;
use crate::value::NodeId;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

/// Bytes an inline id can hold (one more holds its length).
const INLINE: usize = 23;

/// An id of at most `INLINE` bytes: its length, then its bytes, zero-padded.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Short([u64; 3]);

impl Short {
    fn new(key: &str) -> Option<Short> {
        let b = key.as_bytes();
        if b.len() > INLINE {
            return None;
        }
        let mut raw = [0u8; 24];
        raw[0] = b.len() as u8;
        raw[1..=b.len()].copy_from_slice(b);
        let word = |i: usize| u64::from_le_bytes(raw[i * 8..i * 8 + 8].try_into().unwrap());
        Some(Short([word(0), word(1), word(2)]))
    }
}

impl Hash for Short {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for w in self.0 {
            state.write_u64(w);
        }
    }
}

/// A multiply-and-fold hash from a random seed: every byte of the id
/// reaches the low bits that pick a bucket (Fx's plain multiply leaves the
/// last digits of `a0012345` out of them) and the high bits of the tag.
#[derive(Clone, Copy)]
struct Seeded(u64);

impl BuildHasher for Seeded {
    type Hasher = Mix;
    fn build_hasher(&self) -> Mix {
        Mix(self.0)
    }
}

struct Mix(u64);

const K: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for Mix {
    fn write_u64(&mut self, w: u64) {
        let h = (self.0 ^ w).wrapping_mul(K);
        self.0 = h ^ (h >> 32);
    }

    fn write(&mut self, bytes: &[u8]) {
        for c in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(w));
        }
    }

    fn finish(&self) -> u64 {
        let h = self.0.wrapping_mul(K);
        h ^ (h >> 29)
    }
}

/// One slot of the inline table: two to a cache line.
#[derive(Clone, Copy)]
#[repr(C, align(32))]
struct Slot {
    key: Short,
    node: NodeId,
}

/// A free slot: no `Short` starts with this word (its low byte is a
/// length of at most `INLINE`).
const FREE: Short = Short([u64::MAX, 0, 0]);

pub(crate) struct Ids {
    /// A power of two long, at most half full; linear probing.
    slots: Vec<Slot>,
    short: usize,
    hasher: Seeded,
    long: HashMap<String, NodeId>,
}

impl Default for Ids {
    fn default() -> Ids {
        Ids {
            slots: Vec::new(),
            short: 0,
            hasher: Seeded(RandomState::new().hash_one(0u64) | 1),
            long: HashMap::new(),
        }
    }
}

impl Ids {
    pub fn get(&self, key: &str) -> Option<NodeId> {
        match Short::new(key) {
            Some(s) => self.find(s).map(|i| self.slots[i].node),
            None => self.long.get(key).copied(),
        }
    }

    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Asks for the memory `get(key)` will read first. Changes nothing.
    pub fn prefetch(&self, key: &str) {
        if let (Some(s), false) = (Short::new(key), self.slots.is_empty()) {
            prefetch_line(&self.slots[self.home(s)]);
        }
    }

    pub fn insert(&mut self, key: &str, node: NodeId) {
        let Some(s) = Short::new(key) else {
            self.long.insert(key.to_string(), node);
            return;
        };
        if let Some(i) = self.find(s) {
            self.slots[i].node = node;
            return;
        }
        if (self.short + 1) * 2 > self.slots.len() {
            self.grow();
        }
        self.place(Slot { key: s, node });
        self.short += 1;
    }

    /// Where probing for `s` starts.
    fn home(&self, s: Short) -> usize {
        self.hasher.hash_one(s) as usize & (self.slots.len() - 1)
    }

    /// The slot holding `s`.
    fn find(&self, s: Short) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(s);
        loop {
            match self.slots[i].key {
                k if k == s => return Some(i),
                FREE => return None,
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Puts a slot whose key is not in the table into the first free slot
    /// of its probe.
    fn place(&mut self, slot: Slot) {
        let mask = self.slots.len() - 1;
        let mut i = self.home(slot.key);
        while self.slots[i].key != FREE {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
    }

    fn grow(&mut self) {
        let len = (self.slots.len() * 2).max(64);
        let empty = Slot { key: FREE, node: 0 };
        let old = std::mem::replace(&mut self.slots, vec![empty; len]);
        for slot in old.into_iter().filter(|s| s.key != FREE) {
            self.place(slot);
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.short + self.long.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_ids_are_found_and_kept_apart() {
        let mut ids = Ids::default();
        let long = "x".repeat(INLINE + 1);
        let edge = "y".repeat(INLINE);
        for (i, k) in ["a0000001", "", "a0000001\0", &long, &edge, "é"]
            .iter()
            .enumerate()
        {
            assert!(!ids.contains(k));
            ids.insert(k, i as NodeId);
        }
        assert_eq!(ids.len(), 6);
        assert_eq!(ids.get("a0000001"), Some(0));
        assert_eq!(ids.get(""), Some(1));
        // Zero padding does not make a trailing NUL the same id.
        assert_eq!(ids.get("a0000001\0"), Some(2));
        assert_eq!(ids.get(&long), Some(3));
        assert_eq!(ids.get(&edge), Some(4));
        assert_eq!(ids.get("é"), Some(5));
        assert_eq!(ids.get("a0000002"), None);
        assert_eq!(ids.get(&"x".repeat(INLINE + 2)), None);
        ids.insert("a0000001", 9);
        assert_eq!((ids.get("a0000001"), ids.len()), (Some(9), 6));
    }

    #[test]
    fn a_table_that_grows_keeps_every_id() {
        let mut ids = Ids::default();
        for i in 0..10_000u64 {
            let k = format!("a{i:07}");
            ids.prefetch(&k);
            ids.insert(&k, i * 3);
        }
        assert_eq!(ids.len(), 10_000);
        assert!(ids.slots.len() >= 2 * ids.short, "at most half full");
        for i in 0..10_000u64 {
            assert_eq!(ids.get(&format!("a{i:07}")), Some(i * 3));
        }
        assert_eq!(ids.get("a0010000"), None);
        assert_eq!(Ids::default().get("a0000001"), None);
        Ids::default().prefetch("a0000001");
    }

    #[test]
    fn ids_differing_in_their_last_digits_spread_over_buckets() {
        let s = Seeded(12345);
        let mut low = std::collections::HashSet::new();
        for i in 0..4096 {
            let key = Short::new(&format!("a{i:07}")).unwrap();
            low.insert(s.hash_one(key) & 4095);
        }
        // Fx put such ids into a handful of buckets; a fair hash fills
        // about 63% of 4096 with 4096 keys.
        assert!(low.len() > 2000, "{} buckets", low.len());
    }
}

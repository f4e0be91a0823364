//! The string `id` → actor map of a load. Every link looks up both of its
//! ends here (twenty million lookups at ten million links), and with
//! `HashMap<String, NodeId>` each lookup missed the cache twice: once in
//! the table and once in the key's own allocation, compared by `memcmp`
//! (with the SipHash, 16% of a load's time). Ids of up to 23 bytes, such as
//! `a0012345`, are kept inline in the table here, hashed and compared as
//! three words; longer ones go to an ordinary map.

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

pub(crate) struct Ids {
    short: HashMap<Short, NodeId, Seeded>,
    long: HashMap<String, NodeId>,
}

impl Default for Ids {
    fn default() -> Ids {
        Ids {
            short: HashMap::with_hasher(Seeded(RandomState::new().hash_one(0u64) | 1)),
            long: HashMap::new(),
        }
    }
}

impl Ids {
    pub fn get(&self, key: &str) -> Option<NodeId> {
        match Short::new(key) {
            Some(s) => self.short.get(&s).copied(),
            None => self.long.get(key).copied(),
        }
    }

    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn insert(&mut self, key: &str, node: NodeId) {
        match Short::new(key) {
            Some(s) => self.short.insert(s, node),
            None => self.long.insert(key.to_string(), node),
        };
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.short.len() + self.long.len()
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

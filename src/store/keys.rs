//! Every key of the store (format versions 2 to 7; format 4 compresses the
//! values of every keyspace but META, CATALOG and LCOL, `compress.rs`). A key is a tag byte naming its
//! keyspace followed by big-endian fixed-width integers, so that byte order
//! is tuple order and one keyspace, or one actor's part of it, is one ordered
//! prefix scan. Nothing here goes through bincode.
//!
//! Keys are few and values packed (sled pays ~10 µs and a lot of memory per
//! key, PITFALLS.md):
//!
//! | key | value |
//! |---|---|
//! | `META, name` | counters (format 5: `commit_seq` too), format version |
//! | `CATALOG, kind u8, id u32` | interned name |
//! | `NODE, id>>7 u64` | block of 128 node records (`block.rs`; format 6 stores it compact) |
//! | `REL, id>>7 u64` | block of 128 relationship records (`block.rs`; format 6 stores it compact) |
//! | `ADJ, node u64, chunk u32` | up to 1024 adjacency entries, both directions, all types (`adjacency.rs`) |
//! | `LABEL, label u32, node>>10 u64` | bucket of node ids (`bucket.rs`) |
//! | `PROP, key u32, hash(value) & 0xfff u32` | bucket of (encoded value, node) |
//! | `ACTOR, hash(folded name) & 0xfff u32` | bucket of (folded name, node) |
//! | `LCOL, id>>11 u64, key u32` | links' types (key `u32::MAX`) or one property as a column (`link_chunks.rs`, format 7) |
//!
//! The bucket hash is part of the format: 32-bit FNV-1a (offset basis
//! `0x811c9dc5`, prime `0x01000193`) over the bytes of `encode_index_value`
//! (property index) or of the folded name's UTF-8 (actor index), masked to
//! its low 12 bits.

use crate::value::{NodeId, RelId, Value};

pub const META: u8 = 0x00;
pub const CATALOG: u8 = 0x01;
pub const NODE: u8 = 0x02;
pub const REL: u8 = 0x03;
pub const ADJ: u8 = 0x04;
pub const LABEL: u8 = 0x05;
pub const PROP: u8 = 0x06;
pub const ACTOR: u8 = 0x07;
pub const LCOL: u8 = 0x08;

/// Records per node or relationship block: `id >> BLOCK_BITS` names the block.
pub const BLOCK_BITS: u32 = 7;
pub const BLOCK_SLOTS: usize = 1 << BLOCK_BITS;
/// Links per link column chunk: `id >> CHUNK_BITS` names the chunk.
pub const CHUNK_BITS: u32 = 11;
pub const CHUNK_LINKS: usize = 1 << CHUNK_BITS;
/// The key under which a chunk keeps its links' types and which
/// properties it holds.
pub const CHUNK_HEAD: u32 = u32::MAX;
/// Node ids per label bucket: `node >> LABEL_RANGE_BITS` names the bucket.
pub const LABEL_RANGE_BITS: u32 = 10;
/// Hash buckets per indexed property key, and of the actor-name index.
pub const HASH_BUCKETS: u32 = 1 << 12;

/// Direction of an adjacency entry, seen from its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dir {
    Out = 0,
    In = 1,
}

pub fn meta(name: &str) -> Vec<u8> {
    let mut k = vec![META];
    k.extend_from_slice(name.as_bytes());
    k
}

/// Interned names: `CATALOG, kind, id` -> name.
pub fn catalog(kind: u8, id: u32) -> Vec<u8> {
    let mut k = vec![CATALOG, kind];
    k.extend_from_slice(&id.to_be_bytes());
    k
}

pub fn tag_u64(tag: u8, n: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(9);
    k.push(tag);
    k.extend_from_slice(&n.to_be_bytes());
    k
}

/// `LCOL, chunk`: every column of one link chunk.
pub fn chunk_prefix(chunk: u64) -> Vec<u8> {
    tag_u64(LCOL, chunk)
}

/// `LCOL, chunk, key`: one column of a link chunk (`CHUNK_HEAD`: its head).
pub fn chunk_column(chunk: u64, key: u32) -> Vec<u8> {
    let mut k = chunk_prefix(chunk);
    k.extend_from_slice(&key.to_be_bytes());
    k
}

/// The link blocks whose records chunk `chunk` holds.
pub fn chunk_blocks(chunk: u64) -> std::ops::Range<u64> {
    let per_chunk = 1u64 << (CHUNK_BITS - BLOCK_BITS);
    chunk * per_chunk..(chunk + 1) * per_chunk
}

/// The chunk and column of an `LCOL` key.
pub fn parse_chunk_column(key: &[u8]) -> Option<(u64, u32)> {
    if key.len() != 13 || key[0] != LCOL {
        return None;
    }
    let chunk = u64::from_be_bytes(key[1..9].try_into().ok()?);
    let col = u32::from_be_bytes(key[9..13].try_into().ok()?);
    Some((chunk, col))
}

/// The block holding node `id`, and the slot in it.
pub fn node_block(id: NodeId) -> (Vec<u8>, usize) {
    (tag_u64(NODE, id >> BLOCK_BITS), slot(id))
}

/// The block holding relationship `id`, and the slot in it.
pub fn rel_block(id: RelId) -> (Vec<u8>, usize) {
    (tag_u64(REL, id >> BLOCK_BITS), slot(id))
}

/// The block number and slot of record `id`.
pub fn block_and_slot(id: u64) -> (u64, usize) {
    (id >> BLOCK_BITS, slot(id))
}

fn slot(id: u64) -> usize {
    (id & (BLOCK_SLOTS as u64 - 1)) as usize
}

/// The id of the first record of a `NODE`/`REL` block key.
pub fn block_base(key: &[u8]) -> Option<u64> {
    if key.len() != 9 {
        return None;
    }
    let block = u64::from_be_bytes(key[1..9].try_into().ok()?);
    block.checked_mul(BLOCK_SLOTS as u64)
}

/// Where the block cache keeps what is stored under `key`: a record block
/// by its number, an adjacency list (all its chunks) by its actor, an index
/// bucket by the rest of its key; `None` for what it does not keep.
pub fn cache_slot(key: &[u8]) -> Option<(u8, u64)> {
    let (&tag, rest) = key.split_first()?;
    match tag {
        NODE | REL | PROP => Some((tag, u64::from_be_bytes(rest.try_into().ok()?))),
        ACTOR => Some((tag, u32::from_be_bytes(rest.try_into().ok()?) as u64)),
        ADJ => parse_adj(key).map(|(node, _)| (ADJ, node)),
        _ => None,
    }
}

/// `ADJ, node` — every adjacency chunk of one actor.
pub fn adj_prefix(node: NodeId) -> Vec<u8> {
    tag_u64(ADJ, node)
}

/// `ADJ, node, chunk`.
pub fn adj_chunk(node: NodeId, chunk: u32) -> Vec<u8> {
    let mut k = adj_prefix(node);
    k.extend_from_slice(&chunk.to_be_bytes());
    k
}

/// Decodes an adjacency key into (node, chunk).
pub fn parse_adj(key: &[u8]) -> Option<(NodeId, u32)> {
    if key.len() != 13 || key[0] != ADJ {
        return None;
    }
    let node = u64::from_be_bytes(key[1..9].try_into().ok()?);
    let chunk = u32::from_be_bytes(key[9..13].try_into().ok()?);
    Some((node, chunk))
}

pub fn label_prefix(label: u32) -> Vec<u8> {
    let mut k = vec![LABEL];
    k.extend_from_slice(&label.to_be_bytes());
    k
}

/// The label bucket that lists `node` if it has `label`.
pub fn label_bucket(label: u32, node: NodeId) -> Vec<u8> {
    let mut k = label_prefix(label);
    k.extend_from_slice(&(node >> LABEL_RANGE_BITS).to_be_bytes());
    k
}

/// The property bucket where nodes whose property `key` equals the value
/// encoded as `encoded` are listed.
pub fn prop_bucket(key: u32, encoded: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(9);
    k.push(PROP);
    k.extend_from_slice(&key.to_be_bytes());
    k.extend_from_slice(&bucket_of(encoded).to_be_bytes());
    k
}

/// `PROP, key` — every bucket of one property index.
pub fn prop_prefix(key: u32) -> Vec<u8> {
    let mut k = vec![PROP];
    k.extend_from_slice(&key.to_be_bytes());
    k
}

/// The actor-name bucket of an already folded name.
pub fn actor_bucket(folded: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(5);
    k.push(ACTOR);
    k.extend_from_slice(&bucket_of(folded.as_bytes()).to_be_bytes());
    k
}

/// 32-bit FNV-1a (part of the on-disk format: do not change).
pub fn fnv1a(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in bytes {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

fn bucket_of(bytes: &[u8]) -> u32 {
    fnv1a(bytes) & (HASH_BUCKETS - 1)
}

/// Case folding used by actor literals (`@belarus` matches `Belarus`).
pub fn fold(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Canonical encoding of the values a property index holds (a type byte,
/// then big-endian bytes with the sign bit flipped, or the string's bytes
/// escaped and terminated). `None` for values that are not indexed.
pub fn encode_index_value(v: &Value) -> Option<Vec<u8>> {
    // Each sized for its value (a point lookup encodes one on every run),
    // a string's zero bytes aside.
    let out = match v {
        Value::Bool(b) => vec![0x10, *b as u8],
        Value::Int(i) => {
            let mut out = Vec::with_capacity(9);
            out.push(0x20);
            out.extend_from_slice(&((*i as u64) ^ (1 << 63)).to_be_bytes());
            out
        }
        Value::Float(f) => {
            let bits = f.to_bits();
            let ordered = if bits >> 63 == 1 {
                !bits
            } else {
                bits ^ (1 << 63)
            };
            let mut out = Vec::with_capacity(9);
            out.push(0x21);
            out.extend_from_slice(&ordered.to_be_bytes());
            out
        }
        Value::String(s) => {
            let mut out = Vec::with_capacity(s.len() + 3);
            out.push(STRING_TYPE);
            for part in s.as_bytes().split_inclusive(|&b| b == 0) {
                out.extend_from_slice(part);
                if part.last() == Some(&0) {
                    out.push(0xff);
                }
            }
            out.extend_from_slice(&[0, 0]);
            out
        }
        _ => return None,
    };
    Some(out)
}

/// Type byte of an encoded string value (the unique `id` values).
pub const STRING_TYPE: u8 = 0x30;

/// The string inside an encoded string value, for messages.
pub fn decode_index_string(encoded: &[u8]) -> Option<String> {
    let body = encoded
        .strip_prefix(&[STRING_TYPE])?
        .strip_suffix(&[0, 0])?;
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        out.push(body[i]);
        i += if body[i] == 0 { 2 } else { 1 };
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_keys_sort_numerically_and_name_their_slot() {
        let ids = [0u64, 1, 127, 128, 65_536, u64::MAX];
        for w in ids.windows(2) {
            assert!(node_block(w[0]).0 <= node_block(w[1]).0);
        }
        assert_eq!(node_block(127).0, node_block(0).0);
        assert_ne!(rel_block(128).0, rel_block(127).0);
        assert_eq!(rel_block(130).1, 2);
        assert_eq!(block_base(&node_block(300).0), Some(256));
    }

    #[test]
    fn the_cache_keeps_blocks_lists_and_buckets_apart() {
        let (node, _) = node_block(300);
        let (rel, _) = rel_block(300);
        assert_eq!(cache_slot(&node), Some((NODE, 2)));
        assert_eq!(cache_slot(&rel), Some((REL, 2)));
        assert_eq!(cache_slot(&adj_chunk(300, 0)), Some((ADJ, 300)));
        assert_eq!(cache_slot(&adj_chunk(300, 7)), Some((ADJ, 300)));
        let prop = prop_bucket(3, b"x");
        assert_eq!(
            cache_slot(&prop),
            Some((PROP, 3 << 32 | bucket_of(b"x") as u64))
        );
        assert_eq!(
            cache_slot(&actor_bucket("x")),
            Some((ACTOR, bucket_of(b"x") as u64))
        );
        assert_eq!(cache_slot(&meta("format")), None);
        assert_eq!(cache_slot(&label_bucket(1, 5)), None);
        assert_eq!(cache_slot(&[NODE, 1]), None);
    }

    #[test]
    fn adjacency_keys_group_by_actor_then_chunk() {
        let a = adj_chunk(7, 0);
        let b = adj_chunk(7, 1);
        let c = adj_chunk(8, 0);
        assert!(a < b && b < c);
        assert!(b.starts_with(&adj_prefix(7)));
        assert_eq!(parse_adj(&b), Some((7, 1)));
        assert_eq!(parse_adj(&adj_prefix(7)), None);
    }

    #[test]
    fn the_bucket_hash_is_fnv1a() {
        // Published FNV-1a 32-bit test vectors: the format depends on them.
        assert_eq!(fnv1a(b""), 0x811c_9dc5);
        assert_eq!(fnv1a(b"a"), 0xe40c_292c);
        assert_eq!(fnv1a(b"foobar"), 0xbf9c_f968);
        assert!(bucket_of(b"foobar") < HASH_BUCKETS);
    }

    #[test]
    fn label_buckets_cover_ranges_of_ids() {
        assert_eq!(label_bucket(1, 0), label_bucket(1, 1023));
        assert!(label_bucket(1, 1023) < label_bucket(1, 1024));
        assert!(label_bucket(1, 5).starts_with(&label_prefix(1)));
    }

    #[test]
    fn index_values_encode_canonically() {
        let s = encode_index_value(&Value::String("a\0b".into())).unwrap();
        assert_eq!(decode_index_string(&s).as_deref(), Some("a\0b"));
        // A zero byte is escaped wherever it stands, the last one too.
        let s = encode_index_value(&Value::String("\0a\0".into())).unwrap();
        assert_eq!(s, [STRING_TYPE, 0, 0xff, b'a', 0, 0xff, 0, 0]);
        assert_ne!(
            encode_index_value(&Value::Int(1)),
            encode_index_value(&Value::Float(1.0))
        );
        assert_eq!(encode_index_value(&Value::List(vec![])), None);
        assert_eq!(actor_bucket(&fold(" Belarus ")), actor_bucket("belarus"));
    }
}

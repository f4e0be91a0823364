//! Every key of the store. A key is a tag byte naming its keyspace followed
//! by big-endian fixed-width integers (and escaped strings), so that byte
//! order is tuple order and one keyspace, or one actor's part of it, is one
//! ordered prefix scan. Nothing here goes through bincode.

use crate::value::{NodeId, RelId, Value};

pub const META: u8 = 0x00;
pub const CATALOG: u8 = 0x01;
pub const NODE: u8 = 0x02;
pub const REL: u8 = 0x03;
pub const ADJ: u8 = 0x04;
pub const LABEL: u8 = 0x05;
pub const PROP: u8 = 0x06;
pub const ACTOR: u8 = 0x07;

/// Direction of an adjacency list, seen from its owner.
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

pub fn node(id: NodeId) -> Vec<u8> {
    let mut k = Vec::with_capacity(9);
    k.push(NODE);
    k.extend_from_slice(&id.to_be_bytes());
    k
}

pub fn rel(id: RelId) -> Vec<u8> {
    let mut k = Vec::with_capacity(9);
    k.push(REL);
    k.extend_from_slice(&id.to_be_bytes());
    k
}

pub fn id_of(key: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = key.get(1..9)?.try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}

/// `ADJ, node, dir` — every list of one actor in one direction.
pub fn adj_dir_prefix(node: NodeId, dir: Dir) -> Vec<u8> {
    let mut k = Vec::with_capacity(22);
    k.push(ADJ);
    k.extend_from_slice(&node.to_be_bytes());
    k.push(dir as u8);
    k
}

/// `ADJ, node, dir, type` — the chunks of one list.
pub fn adj_type_prefix(node: NodeId, dir: Dir, rel_type: u32) -> Vec<u8> {
    let mut k = adj_dir_prefix(node, dir);
    k.extend_from_slice(&rel_type.to_be_bytes());
    k
}

/// `ADJ, node, dir, type, chunk` — one chunk of a packed adjacency list.
pub fn adj_chunk(node: NodeId, dir: Dir, rel_type: u32, chunk: u32) -> Vec<u8> {
    let mut k = adj_type_prefix(node, dir, rel_type);
    k.extend_from_slice(&chunk.to_be_bytes());
    k
}

/// Decodes an adjacency key into (node, dir, type, chunk).
pub fn parse_adj(key: &[u8]) -> Option<(NodeId, Dir, u32, u32)> {
    if key.len() != 18 || key[0] != ADJ {
        return None;
    }
    let node = u64::from_be_bytes(key[1..9].try_into().ok()?);
    let dir = match key[9] {
        0 => Dir::Out,
        1 => Dir::In,
        _ => return None,
    };
    let ty = u32::from_be_bytes(key[10..14].try_into().ok()?);
    let chunk = u32::from_be_bytes(key[14..18].try_into().ok()?);
    Some((node, dir, ty, chunk))
}

pub fn label_prefix(label: u32) -> Vec<u8> {
    let mut k = vec![LABEL];
    k.extend_from_slice(&label.to_be_bytes());
    k
}

pub fn label_entry(label: u32, node: NodeId) -> Vec<u8> {
    let mut k = label_prefix(label);
    k.extend_from_slice(&node.to_be_bytes());
    k
}

/// The node id at the end of an index key.
pub fn trailing_id(key: &[u8]) -> Option<NodeId> {
    let n = key.len();
    let bytes: [u8; 8] = key.get(n.checked_sub(8)?..)?.try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}

/// `PROP, key, value` — the prefix under which the nodes whose property
/// `key` equals `value` are listed. `None` for values that are not indexed.
pub fn prop_prefix(key: u32, value: &Value) -> Option<Vec<u8>> {
    let mut k = vec![PROP];
    k.extend_from_slice(&key.to_be_bytes());
    encode_index_value(value, &mut k)?;
    Some(k)
}

pub fn prop_entry(key: u32, value: &Value, node: NodeId) -> Option<Vec<u8>> {
    let mut k = prop_prefix(key, value)?;
    k.extend_from_slice(&node.to_be_bytes());
    Some(k)
}

/// `ACTOR, folded name` — the prefix for case-insensitive actor lookup.
pub fn actor_prefix(name: &str) -> Vec<u8> {
    let mut k = vec![ACTOR];
    encode_string(&fold(name), &mut k);
    k
}

pub fn actor_entry(name: &str, node: NodeId) -> Vec<u8> {
    let mut k = actor_prefix(name);
    k.extend_from_slice(&node.to_be_bytes());
    k
}

/// Case folding used by actor literals (`@belarus` matches `Belarus`).
pub fn fold(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Order-preserving encoding of the values an index holds: a type byte,
/// then big-endian bytes with the sign bit flipped, or an escaped string.
fn encode_index_value(v: &Value, out: &mut Vec<u8>) -> Option<()> {
    match v {
        Value::Bool(b) => {
            out.push(0x10);
            out.push(*b as u8);
        }
        Value::Int(i) => {
            out.push(0x20);
            out.extend_from_slice(&((*i as u64) ^ (1 << 63)).to_be_bytes());
        }
        Value::Float(f) => {
            out.push(0x21);
            let bits = f.to_bits();
            let ordered = if bits >> 63 == 1 { !bits } else { bits ^ (1 << 63) };
            out.extend_from_slice(&ordered.to_be_bytes());
        }
        Value::String(s) => {
            out.push(0x30);
            encode_string(s, out);
        }
        _ => return None,
    }
    Some(())
}

/// Escapes `0x00` as `0x00 0xFF` and terminates with `0x00 0x00`, so that a
/// string is never a prefix of a longer one and order is byte order.
fn encode_string(s: &str, out: &mut Vec<u8>) {
    for &b in s.as_bytes() {
        out.push(b);
        if b == 0 {
            out.push(0xff);
        }
    }
    out.extend_from_slice(&[0, 0]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_keys_sort_numerically() {
        let ids = [0u64, 1, 255, 256, 65_536, u64::MAX];
        for w in ids.windows(2) {
            assert!(node(w[0]) < node(w[1]));
            assert!(rel(w[0]) < rel(w[1]));
        }
        assert_eq!(id_of(&node(256)), Some(256));
    }

    #[test]
    fn adjacency_keys_group_by_actor_then_type_then_chunk() {
        let a = adj_chunk(7, Dir::Out, 1, 0);
        let b = adj_chunk(7, Dir::Out, 1, 1);
        let c = adj_chunk(7, Dir::Out, 2, 0);
        let d = adj_chunk(7, Dir::In, 0, 0);
        let e = adj_chunk(8, Dir::Out, 0, 0);
        assert!(a < b && b < c && c < d && d < e);
        assert!(a.starts_with(&adj_type_prefix(7, Dir::Out, 1)));
        assert!(c.starts_with(&adj_dir_prefix(7, Dir::Out)));
        assert_eq!(parse_adj(&c), Some((7, Dir::Out, 2, 0)));
    }

    #[test]
    fn index_values_sort_in_value_order() {
        let ints = [i64::MIN, -5, -1, 0, 1, 300, i64::MAX];
        let keys: Vec<_> = ints.iter().map(|i| prop_prefix(1, &Value::Int(*i)).unwrap()).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        let floats = [f64::NEG_INFINITY, -2.5, -0.0, 0.5, 1e300];
        let keys: Vec<_> = floats.iter().map(|f| prop_prefix(1, &Value::Float(*f)).unwrap()).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        let strs = ["", "a", "a\0", "aa", "b"];
        let keys: Vec<_> = strs
            .iter()
            .map(|s| prop_prefix(1, &Value::String(s.to_string())).unwrap())
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn a_string_is_not_a_prefix_of_a_longer_one() {
        let short = prop_prefix(1, &Value::String("ab".into())).unwrap();
        let long = prop_entry(1, &Value::String("abc".into()), 3).unwrap();
        assert!(!long.starts_with(&short));
        assert_eq!(trailing_id(&long), Some(3));
    }

    #[test]
    fn actor_keys_fold_case() {
        assert_eq!(actor_prefix("Belarus"), actor_prefix(" belarus "));
    }
}

//! Packed adjacency lists: the links of one actor, in one direction and of
//! one type, are a few chunk records of 16-byte entries (link id, other
//! actor), so a neighbourhood is one short prefix scan. Packed lists measured
//! 10x smaller and 30x faster to load than one key per link (ANCHORS.md).

use super::keys::{self, Dir};
use super::{KvPair, Overlay, StorageError, View};
use crate::value::{NodeId, RelId};

/// Entries per chunk: small enough that appending to a hub rewrites a few
/// KiB, large enough that most actors have one chunk per type.
pub const CHUNK_ENTRIES: usize = 256;
const ENTRY: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdjEntry {
    pub rel: RelId,
    pub other: NodeId,
    pub rel_type: u32,
}

pub fn decode_chunk(
    bytes: &[u8],
) -> Result<impl Iterator<Item = (RelId, NodeId)> + '_, StorageError> {
    if !bytes.len().is_multiple_of(ENTRY) {
        return Err(StorageError::Corrupt("damaged adjacency list".into()));
    }
    Ok(bytes.chunks_exact(ENTRY).map(|e| {
        let mut rel = [0u8; 8];
        let mut other = [0u8; 8];
        rel.copy_from_slice(&e[..8]);
        other.copy_from_slice(&e[8..]);
        (u64::from_be_bytes(rel), u64::from_be_bytes(other))
    }))
}

fn push_entry(buf: &mut Vec<u8>, rel: RelId, other: NodeId) {
    buf.extend_from_slice(&rel.to_be_bytes());
    buf.extend_from_slice(&other.to_be_bytes());
}

/// Appends entries to the list `(node, dir, rel_type)`, filling its last chunk
/// first.
pub fn append(
    view: View<'_>,
    overlay: &mut Overlay,
    node: NodeId,
    dir: Dir,
    rel_type: u32,
    entries: &[(RelId, NodeId)],
) -> Result<(), StorageError> {
    let prefix = keys::adj_type_prefix(node, dir, rel_type);
    let mut last: Option<KvPair> = None;
    for item in view.scan_prefix(&prefix) {
        last = Some(item?);
    }
    let (mut chunk_no, mut buf) = match last {
        Some((k, v)) => {
            let (_, _, _, no) = keys::parse_adj(&k)
                .ok_or_else(|| StorageError::Corrupt("damaged adjacency key".into()))?;
            (no, v)
        }
        None => (0, Vec::new()),
    };
    for &(rel, other) in entries {
        if buf.len() / ENTRY >= CHUNK_ENTRIES {
            overlay.put(
                keys::adj_chunk(node, dir, rel_type, chunk_no),
                std::mem::take(&mut buf),
            );
            chunk_no += 1;
        }
        push_entry(&mut buf, rel, other);
    }
    if !buf.is_empty() {
        overlay.put(keys::adj_chunk(node, dir, rel_type, chunk_no), buf);
    }
    Ok(())
}

/// Removes link `rel` from the list `(node, dir, rel_type)`.
pub fn remove(
    view: View<'_>,
    overlay: &mut Overlay,
    node: NodeId,
    dir: Dir,
    rel_type: u32,
    rel: RelId,
) -> Result<bool, StorageError> {
    let prefix = keys::adj_type_prefix(node, dir, rel_type);
    let chunks: Vec<KvPair> = view.scan_prefix(&prefix).collect::<Result<_, _>>()?;
    for (k, v) in chunks {
        let entries: Vec<(RelId, NodeId)> = decode_chunk(&v)?.collect();
        if let Some(pos) = entries.iter().position(|e| e.0 == rel) {
            let mut buf = Vec::with_capacity(v.len() - ENTRY);
            for (i, (r, o)) in entries.into_iter().enumerate() {
                if i != pos {
                    push_entry(&mut buf, r, o);
                }
            }
            if buf.is_empty() {
                overlay.delete(k);
            } else {
                overlay.put(k, buf);
            }
            return Ok(true);
        }
    }
    Ok(false)
}

/// The links of `node` in direction `dir`, of the given types (all if `None`).
pub fn list(
    view: View<'_>,
    node: NodeId,
    dir: Dir,
    types: Option<&[u32]>,
    out: &mut Vec<AdjEntry>,
) -> Result<(), StorageError> {
    match types {
        None => scan_into(view, &keys::adj_dir_prefix(node, dir), out),
        Some(types) => {
            for &t in types {
                scan_into(view, &keys::adj_type_prefix(node, dir, t), out)?;
            }
            Ok(())
        }
    }
}

fn scan_into(view: View<'_>, prefix: &[u8], out: &mut Vec<AdjEntry>) -> Result<(), StorageError> {
    for item in view.scan_prefix(prefix) {
        let (k, v) = item?;
        let (_, _, rel_type, _) = keys::parse_adj(&k)
            .ok_or_else(|| StorageError::Corrupt("damaged adjacency key".into()))?;
        out.extend(decode_chunk(&v)?.map(|(rel, other)| AdjEntry {
            rel,
            other,
            rel_type,
        }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::MemoryStore;
    use crate::store::KvStore;

    #[test]
    fn long_lists_span_chunks_and_removal_finds_any_entry() {
        let store = MemoryStore::new();
        let mut ov = Overlay::default();
        let entries: Vec<(u64, u64)> = (0..600).map(|i| (i, 1000 + i)).collect();
        let empty = Overlay::default();
        append(
            View {
                store: &store,
                overlay: &empty,
            },
            &mut ov,
            5,
            Dir::Out,
            2,
            &entries[..300],
        )
        .unwrap();
        store.apply(std::mem::take(&mut ov).into_batch()).unwrap();
        append(
            View {
                store: &store,
                overlay: &empty,
            },
            &mut ov,
            5,
            Dir::Out,
            2,
            &entries[300..],
        )
        .unwrap();
        store.apply(std::mem::take(&mut ov).into_batch()).unwrap();
        let chunks = store
            .scan(
                &keys::adj_type_prefix(5, Dir::Out, 2),
                Some(&keys::adj_type_prefix(5, Dir::Out, 3)),
            )
            .count();
        assert_eq!(chunks, 3);
        let mut out = Vec::new();
        list(
            View {
                store: &store,
                overlay: &empty,
            },
            5,
            Dir::Out,
            None,
            &mut out,
        )
        .unwrap();
        assert_eq!(
            out.iter().map(|e| (e.rel, e.other)).collect::<Vec<_>>(),
            entries
        );
        assert!(remove(
            View {
                store: &store,
                overlay: &empty
            },
            &mut ov,
            5,
            Dir::Out,
            2,
            299
        )
        .unwrap());
        store.apply(std::mem::take(&mut ov).into_batch()).unwrap();
        out.clear();
        list(
            View {
                store: &store,
                overlay: &empty,
            },
            5,
            Dir::Out,
            Some(&[2]),
            &mut out,
        )
        .unwrap();
        assert_eq!(out.len(), 599);
        assert!(!out.iter().any(|e| e.rel == 299));
    }
}

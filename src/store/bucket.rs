//! Index buckets: the value of a `LABEL`, `PROP` or `ACTOR` key, a sorted set
//! of entries. Hand-written format (no bincode):
//!
//! ```text
//! (length u32 BE | entry bytes)*     entries ascending by bytes, no duplicates
//! ```
//!
//! An entry is the indexed value's bytes followed by the node id (u64 BE):
//! for a label bucket the value part is empty, for a property bucket it is
//! `keys::encode_index_value`, for the actor bucket the folded name. Several
//! values share a hash bucket, so lookups compare the value part exactly.

use super::StorageError;
use crate::value::NodeId;

fn damaged() -> StorageError {
    StorageError::Corrupt("damaged index bucket".into())
}

/// One entry: `value` then the node id.
pub fn entry(value: &[u8], node: NodeId) -> Vec<u8> {
    let mut e = Vec::with_capacity(value.len() + 8);
    e.extend_from_slice(value);
    e.extend_from_slice(&node.to_be_bytes());
    e
}

/// The node an entry lists (entries are at least 8 bytes once decoded).
pub fn node_of(entry: &[u8]) -> NodeId {
    let n = entry.len();
    let mut b = [0u8; 8];
    b.copy_from_slice(&entry[n - 8..]);
    u64::from_be_bytes(b)
}

/// The value part of an entry.
pub fn value_of(entry: &[u8]) -> &[u8] {
    &entry[..entry.len() - 8]
}

/// The entries of a bucket, in stored order; checks framing, not order.
pub fn decode(bucket: &[u8]) -> Result<Vec<&[u8]>, StorageError> {
    entries(bucket).collect()
}

/// The entries of a bucket read in place, in stored order; a damaged frame
/// is the last item.
fn entries(bucket: &[u8]) -> impl Iterator<Item = Result<&[u8], StorageError>> {
    let mut rest = bucket;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let framed = rest.split_first_chunk::<4>().and_then(|(len, tail)| {
            let len = u32::from_be_bytes(*len) as usize;
            (len >= 8 && len <= tail.len()).then(|| tail.split_at(len))
        });
        Some(match framed {
            Some((e, next)) => {
                rest = next;
                Ok(e)
            }
            None => {
                rest = &[];
                Err(damaged())
            }
        })
    })
}

/// Checks framing and that entries are strictly ascending.
pub fn validate(bucket: &[u8]) -> Result<(), StorageError> {
    let entries = decode(bucket)?;
    if entries.windows(2).any(|w| w[0] >= w[1]) {
        return Err(damaged());
    }
    Ok(())
}

/// Pushes the nodes of the entries whose value part is exactly `value`.
/// Reads entries in place and stops at the first that sorts after every
/// entry `value` can have: a bucket of the `id` index holds some 250
/// entries at scale L (ten times M's, for the same 4,096 buckets), and
/// listing them all first cost a point lookup more than the rest of it.
/// Damage past that entry goes unseen here (`check` reads it all). Used
/// for a bucket this transaction staged, made whole by `apply`; a
/// committed one is read through `keep`, which checks all of it.
pub fn nodes_matching(
    bucket: &[u8],
    value: &[u8],
    out: &mut Vec<NodeId>,
) -> Result<(), StorageError> {
    matching_from(entries(bucket), value, out)
}

/// Pushes the nodes of the entries of `from` (in stored order) whose value
/// part is exactly `value`, until one sorts after every entry `value` can
/// have.
fn matching_from<'b>(
    from: impl Iterator<Item = Result<&'b [u8], StorageError>>,
    value: &[u8],
    out: &mut Vec<NodeId>,
) -> Result<(), StorageError> {
    for e in from {
        let e = e?;
        if e.len() == value.len() + 8 && e.starts_with(value) {
            out.push(node_of(e));
        } else if after_all(e, value) {
            break;
        }
    }
    Ok(())
}

/// A bucket as the block cache keeps it: its bytes, then where each entry
/// starts (u32 LE each), then how many entries (u32 LE). A lookup then
/// halves its way to a value instead of reading the entries before it: a
/// bucket of the `id` index holds some 250 entries at scale L, and reading
/// them one by one made a point lookup there twice M's (2.0 against 1.0
/// µs prepared). Building it reads the whole bucket once and checks its
/// framing and order (which halving relies on), so damage anywhere in it
/// is an error on the first lookup.
pub fn keep(bucket: &[u8]) -> Result<Vec<u8>, StorageError> {
    let mut starts = Vec::new();
    let mut at = 0usize;
    let mut last: Option<&[u8]> = None;
    for e in entries(bucket) {
        let e = e?;
        if last.is_some_and(|l| l >= e) {
            return Err(damaged());
        }
        last = Some(e);
        starts.push(u32::try_from(at + 4).map_err(|_| damaged())?);
        at += 4 + e.len();
    }
    let mut kept = Vec::with_capacity(bucket.len() + 4 * starts.len() + 4);
    kept.extend_from_slice(bucket);
    for s in &starts {
        kept.extend_from_slice(&s.to_le_bytes());
    }
    kept.extend_from_slice(&(starts.len() as u32).to_le_bytes());
    Ok(kept)
}

/// `nodes_matching` over a bucket made by `keep`: finds by halving the
/// first entry that sorts at or after `value`, then reads on from there.
pub fn kept_nodes_matching(
    kept: &[u8],
    value: &[u8],
    out: &mut Vec<NodeId>,
) -> Result<(), StorageError> {
    let (rest, count) = kept.split_last_chunk::<4>().ok_or_else(damaged)?;
    let count = u32::from_le_bytes(*count) as usize;
    let table_at = count
        .checked_mul(4)
        .and_then(|t| rest.len().checked_sub(t))
        .ok_or_else(damaged)?;
    let (bucket, table) = rest.split_at(table_at);
    let entry_at = |i: usize| -> Result<&[u8], StorageError> {
        let s = table[4 * i..4 * i + 4].try_into().map_err(|_| damaged())?;
        let start = u32::from_le_bytes(s) as usize;
        let len = bucket
            .get(start.wrapping_sub(4)..start)
            .ok_or_else(damaged)?;
        let len = u32::from_be_bytes(len.try_into().map_err(|_| damaged())?) as usize;
        let end = start.checked_add(len).ok_or_else(damaged)?;
        bucket.get(start..end).ok_or_else(damaged)
    };
    // The first entry not below `value`: every entry below it sorts before
    // `value` followed by any node id, so none of them matches.
    let (mut lo, mut hi) = (0, count);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if entry_at(mid)? < value {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    matching_from((lo..count).map(entry_at), value, out)
}

/// Whether `e` sorts after `value` followed by any node id: after every
/// entry `value` can have, and so are all the entries after it.
fn after_all(e: &[u8], value: &[u8]) -> bool {
    let n = value.len().min(e.len());
    match e[..n].cmp(&value[..n]) {
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Equal => e.len() > value.len() && e[value.len()..] > [0xFF; 8][..],
    }
}

/// Pushes the node of every entry.
pub fn all_nodes(bucket: &[u8], out: &mut Vec<NodeId>) -> Result<(), StorageError> {
    for e in entries(bucket) {
        out.push(node_of(e?));
    }
    Ok(())
}

pub fn encode<'e>(entries: impl IntoIterator<Item = &'e [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        out.extend_from_slice(&(e.len() as u32).to_be_bytes());
        out.extend_from_slice(e);
    }
    out
}

/// `old` without `removes`, with `adds`: the new bucket, `None` if empty.
pub fn apply(
    old: Option<&[u8]>,
    adds: &[Vec<u8>],
    removes: &[Vec<u8>],
) -> Result<Option<Vec<u8>>, StorageError> {
    let mut all: Vec<&[u8]> = match old {
        Some(b) => decode(b)?,
        None => Vec::new(),
    };
    if !removes.is_empty() {
        all.retain(|e| !removes.iter().any(|r| r.as_slice() == *e));
    }
    all.extend(adds.iter().map(Vec::as_slice));
    all.sort_unstable();
    all.dedup();
    Ok((!all.is_empty()).then(|| encode(all)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_stay_sorted_and_unique() {
        let b = apply(
            None,
            &[
                entry(b"b", 2),
                entry(b"a", 9),
                entry(b"a", 1),
                entry(b"a", 1),
            ],
            &[],
        )
        .unwrap()
        .unwrap();
        validate(&b).unwrap();
        let mut nodes = Vec::new();
        nodes_matching(&b, b"a", &mut nodes).unwrap();
        assert_eq!(nodes, vec![1, 9]);
        let b = apply(Some(&b), &[entry(b"c", 3)], &[entry(b"a", 9)])
            .unwrap()
            .unwrap();
        let mut nodes = Vec::new();
        all_nodes(&b, &mut nodes).unwrap();
        assert_eq!(nodes, vec![1, 2, 3]);
        assert_eq!(
            apply(
                Some(&b),
                &[],
                &[entry(b"a", 1), entry(b"b", 2), entry(b"c", 3)]
            )
            .unwrap(),
            None
        );
    }

    #[test]
    fn a_value_does_not_match_its_prefix_or_extension() {
        let b = apply(
            None,
            &[entry(b"ab", 1), entry(b"abc", 2), entry(b"a", 3)],
            &[],
        )
        .unwrap()
        .unwrap();
        let mut nodes = Vec::new();
        nodes_matching(&b, b"ab", &mut nodes).unwrap();
        assert_eq!(nodes, vec![1]);
    }

    /// A lookup stops at the first entry past its value's and finds the
    /// same nodes as reading the whole bucket would, among values that
    /// are prefixes of one another and node ids of every byte.
    #[test]
    fn a_lookup_finds_what_a_whole_read_finds() {
        let values: [&[u8]; 6] = [b"", b"a", b"ab", b"ab\xff", b"abc", b"b"];
        let nodes = [0, 1, 0xff, u64::MAX, 0x61_62_63, 1 << 56];
        let entries: Vec<Vec<u8>> = values
            .iter()
            .enumerate()
            .flat_map(|(i, v)| nodes.iter().skip(i % 2).map(|&n| entry(v, n)))
            .collect();
        let b = apply(None, &entries, &[]).unwrap().unwrap();
        for want in values.iter().chain([&b"aa"[..], b"abd", b"c"].iter()) {
            let mut found = Vec::new();
            nodes_matching(&b, want, &mut found).unwrap();
            let whole: Vec<NodeId> = decode(&b)
                .unwrap()
                .into_iter()
                .filter(|e| value_of(e) == *want)
                .map(node_of)
                .collect();
            assert_eq!(found, whole, "{want:?}");
            let mut kept = Vec::new();
            kept_nodes_matching(&keep(&b).unwrap(), want, &mut kept).unwrap();
            assert_eq!(kept, whole, "kept {want:?}");
        }
        // A lookup stops past its value's entries: damage after them is
        // not read.
        let mut tail = b.clone();
        tail.extend([0, 0, 0, 1]);
        let (mut found, mut whole) = (Vec::new(), Vec::new());
        nodes_matching(&tail, b"ab", &mut found).unwrap();
        nodes_matching(&b, b"ab", &mut whole).unwrap();
        assert_eq!((found.len(), found), (nodes.len(), whole));
        // A value after every entry reads them all, and the damage.
        assert!(nodes_matching(&tail, &[0xFF; 9], &mut Vec::new()).is_err());
        // Damage before the value's entries is still an error.
        let mut cut = b.clone();
        cut[3] = 3;
        assert!(nodes_matching(&cut, b"b", &mut Vec::new()).is_err());
    }

    /// Over buckets of every size up to 300 entries, of values that share
    /// long prefixes and are prefixes of one another, a kept bucket's
    /// lookup finds what reading every entry finds.
    #[test]
    fn a_kept_bucket_finds_what_a_whole_read_finds() {
        let mut rng = crate::test_rng::XorShift(0x9e37_79b9_7f4a_7c15);
        let mut below = |n: u64| rng.next() % n;
        for size in (0..40).chain([100, 255, 256, 300]) {
            let entries: Vec<Vec<u8>> = (0..size)
                .map(|_| {
                    let len = below(4) as usize;
                    let v: Vec<u8> = (0..len).map(|_| b"ab\0\xff"[below(4) as usize]).collect();
                    entry(&v, below(5) * 0x3f00_0000_0000_00ff)
                })
                .collect();
            let b = apply(None, &entries, &[]).unwrap().unwrap_or_default();
            let kept = keep(&b).unwrap();
            let mut wants: Vec<Vec<u8>> = entries.iter().map(|e| value_of(e).to_vec()).collect();
            wants.extend([
                vec![],
                b"b\xff\xff\xff".to_vec(),
                vec![0xff; 9],
                b"a\0".to_vec(),
            ]);
            for want in &wants {
                let whole: Vec<NodeId> = decode(&b)
                    .unwrap()
                    .into_iter()
                    .filter(|e| value_of(e) == &want[..])
                    .map(node_of)
                    .collect();
                let mut found = Vec::new();
                kept_nodes_matching(&kept, want, &mut found).unwrap();
                assert_eq!(found, whole, "{size} {want:?}");
            }
        }
    }

    #[test]
    fn damaged_buckets_are_errors_not_panics() {
        let b = apply(None, &[entry(b"xy", 1), entry(b"z", 2)], &[])
            .unwrap()
            .unwrap();
        for cut in 1..b.len() {
            let _ = decode(&b[..cut]);
            let _ = validate(&b[..cut]);
            let _ = nodes_matching(&b[..cut], b"z", &mut Vec::new());
            // Cut anywhere but between its two entries, it is damaged.
            assert_eq!(keep(&b[..cut]).is_err(), cut != 4 + 2 + 8, "{cut}");
        }
        // Out of order, or with an entry twice, it is damaged.
        assert!(keep(&encode([&entry(b"z", 2)[..], &entry(b"xy", 1)[..]])).is_err());
        assert!(keep(&encode([&entry(b"z", 2)[..], &entry(b"z", 2)[..]])).is_err());
        // A kept bucket cut anywhere, or with a byte changed, is an error
        // or an answer, never a panic.
        let kept = keep(&b).unwrap();
        for cut in 0..kept.len() {
            let _ = kept_nodes_matching(&kept[..cut], b"z", &mut Vec::new());
            for flip in [0x01, 0x80, 0xff] {
                let mut k = kept.clone();
                k[cut] ^= flip;
                let _ = kept_nodes_matching(&k, b"z", &mut Vec::new());
                let _ = kept_nodes_matching(&k, b"xy", &mut Vec::new());
            }
        }
        let swapped = encode([&entry(b"z", 2)[..], &entry(b"xy", 1)[..]]);
        assert!(validate(&swapped).is_err());
    }
}

//! The form in which the block cache keeps an adjacency list: decoded once
//! into fixed-width entries, outgoing links first. A traversal then reads a
//! neighbourhood without decoding varints and without stepping over the
//! direction it does not follow (a hub's thousands of incoming links cost
//! nothing to an outgoing expansion; decoding was two thirds of Q4 at M).
//! It lives only in memory, never on disk:
//!
//! ```text
//! outgoing count u32 LE | (rel u64 LE | other u64 LE | type u32 LE)*
//! ```

use super::adjacency::{decode_chunk, AdjEntry};
use super::keys::Dir;
use super::StorageError;

const ENTRY: usize = 20;
const HEADER: usize = 4;

/// The unpacked form of a stored list (its chunks back to back).
pub fn unpack(packed: &[u8]) -> Result<Vec<u8>, StorageError> {
    let mut outs = Vec::new();
    let mut ins = Vec::new();
    if !packed.is_empty() {
        for e in decode_chunk(packed) {
            let e = e?;
            let to = if e.dir == Dir::Out {
                &mut outs
            } else {
                &mut ins
            };
            to.extend_from_slice(&e.rel.to_le_bytes());
            to.extend_from_slice(&e.other.to_le_bytes());
            to.extend_from_slice(&e.rel_type.to_le_bytes());
        }
    }
    let count = u32::try_from(outs.len() / ENTRY)
        .map_err(|_| StorageError::Corrupt("adjacency list too long".into()))?;
    let mut all = Vec::with_capacity(HEADER + outs.len() + ins.len());
    all.extend_from_slice(&count.to_le_bytes());
    all.append(&mut outs);
    all.append(&mut ins);
    Ok(all)
}

/// As `adjacency::list`, over an unpacked list: the links in direction
/// `dir` (both: outgoing, then incoming), of the given types, in the order
/// they were added.
pub fn list(unpacked: &[u8], dir: Option<Dir>, types: Option<&[u32]>, out: &mut Vec<AdjEntry>) {
    let (part, _) = entries(unpacked, dir).as_chunks::<ENTRY>();
    // One type (most hops name one) is compared, not looked for in a list.
    match types {
        None => out.extend(part.iter().map(entry)),
        Some(&[t]) => {
            out.reserve(part.len());
            out.extend(part.iter().filter(|e| rel_type(e) == t).map(entry));
        }
        Some(t) => {
            out.reserve(part.len());
            out.extend(part.iter().filter(|e| t.contains(&rel_type(e))).map(entry));
        }
    }
}

fn entry(e: &[u8; ENTRY]) -> AdjEntry {
    let (rel, rest) = e.split_first_chunk::<8>().expect("an entry is 20 bytes");
    let (other, _) = rest.split_first_chunk::<8>().expect("an entry is 20 bytes");
    AdjEntry {
        rel: u64::from_le_bytes(*rel),
        other: u64::from_le_bytes(*other),
        rel_type: rel_type(e),
    }
}

fn rel_type(e: &[u8; ENTRY]) -> u32 {
    u32::from_le_bytes([e[16], e[17], e[18], e[19]])
}

/// Whether `list` would give a link to one of `ends` (ascending), and how
/// many links it looked at to know: read in place, without listing them.
pub fn reaches(
    unpacked: &[u8],
    dir: Option<Dir>,
    types: Option<&[u32]>,
    ends: &[u64],
) -> (bool, usize) {
    let (part, _) = entries(unpacked, dir).as_chunks::<ENTRY>();
    for (i, e) in part.iter().enumerate() {
        let other = u64::from_le_bytes(e[8..16].try_into().expect("8 bytes"));
        if ends.binary_search(&other).is_ok() && types.is_none_or(|t| t.contains(&rel_type(e))) {
            return (true, i + 1);
        }
    }
    (false, part.len())
}

/// How many links `list` would give in direction `dir` with no type
/// filter, counted from the header without reading an entry.
pub fn count(unpacked: &[u8], dir: Option<Dir>) -> usize {
    entries(unpacked, dir).len() / ENTRY
}

/// The entries of direction `dir` (both: all), back to back.
fn entries(unpacked: &[u8], dir: Option<Dir>) -> &[u8] {
    let Some((count, entries)) = unpacked.split_first_chunk::<HEADER>() else {
        return &[];
    };
    let split = (u32::from_le_bytes(*count) as usize * ENTRY).min(entries.len());
    match dir {
        Some(Dir::Out) => &entries[..split],
        Some(Dir::In) => &entries[split..],
        None => entries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::adjacency::{self, push_entry, Stored};

    #[test]
    fn lists_what_the_packed_form_lists_in_every_direction_and_type() {
        let entries: Vec<Stored> = (0..300u64)
            .map(|i| Stored {
                rel: i * 1_000_003,
                other: u64::MAX - i,
                rel_type: (i % 4) as u32 + if i == 7 { u32::MAX >> 2 } else { 0 },
                dir: if i % 3 == 0 { Dir::In } else { Dir::Out },
            })
            .collect();
        let mut packed = Vec::new();
        entries.iter().for_each(|e| push_entry(&mut packed, e));
        let unpacked = unpack(&packed).unwrap();
        for dir in [None, Some(Dir::Out), Some(Dir::In)] {
            for types in [None, Some(&[1u32][..]), Some(&[0, 3][..]), Some(&[][..])] {
                let (mut want, mut got) = (Vec::new(), Vec::new());
                adjacency::list_packed(&packed, dir, types, &mut want).unwrap();
                list(&unpacked, dir, types, &mut got);
                assert_eq!(got, want, "{dir:?} {types:?}");
                if types.is_none() {
                    assert_eq!(count(&unpacked, dir), want.len(), "{dir:?}");
                }
                for ends in [&[][..], &[u64::MAX - 7][..], &[5, u64::MAX - 299][..]] {
                    let (found, looked) = reaches(&unpacked, dir, types, ends);
                    let at = want.iter().position(|e| ends.contains(&e.other));
                    assert_eq!(found, at.is_some(), "{dir:?} {types:?} {ends:?}");
                    if at.is_none() {
                        assert_eq!(looked, count(&unpacked, dir), "{dir:?} {types:?} {ends:?}");
                    }
                }
            }
        }
        let mut none = Vec::new();
        list(&unpack(&[]).unwrap(), None, None, &mut none);
        assert!(none.is_empty());
        assert_eq!(count(&unpack(&[]).unwrap(), None), 0);
        assert_eq!(count(&[], Some(Dir::In)), 0);
        assert!(unpack(&[0x80]).is_err());
    }
}

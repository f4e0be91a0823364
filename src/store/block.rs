//! Record blocks: the node (or relationship) records whose ids share
//! `id >> BLOCK_BITS`, packed into one value so that a million links are a
//! few thousand keys. Hand-written format (no bincode):
//!
//! ```text
//! version u8 (= 1) | end offset u32 BE × BLOCK_SLOTS | slot bytes ...
//! ```
//!
//! Slot `i` spans `end[i-1]..end[i]` of the bytes after the header (`0` for
//! `i = 0`); an empty slot is a record that does not exist (never created or
//! deleted). A slot holds one `codec::encode`d record, so reading one record
//! decodes only its own bytes.

use super::keys::BLOCK_SLOTS;
use super::StorageError;

const VERSION: u8 = 1;
const HEADER: usize = 1 + 4 * BLOCK_SLOTS;

fn damaged() -> StorageError {
    StorageError::Corrupt("damaged record block".into())
}

fn end(block: &[u8], i: usize) -> usize {
    let at = 1 + 4 * i;
    u32::from_be_bytes([block[at], block[at + 1], block[at + 2], block[at + 3]]) as usize
}

/// Checks the header: version, offsets ascending and ending at the block's end.
pub fn validate(block: &[u8]) -> Result<(), StorageError> {
    if block.len() < HEADER || block[0] != VERSION {
        return Err(damaged());
    }
    let mut prev = 0;
    for i in 0..BLOCK_SLOTS {
        let e = end(block, i);
        if e < prev {
            return Err(damaged());
        }
        prev = e;
    }
    if HEADER + prev != block.len() {
        return Err(damaged());
    }
    Ok(())
}

/// The bytes of slot `i`, `None` if empty. Reads only two offsets.
pub fn slot(block: &[u8], i: usize) -> Result<Option<&[u8]>, StorageError> {
    if block.first() != Some(&VERSION) {
        return Err(damaged());
    }
    slot_of_valid(block, i)
}

/// `slot` of a block that has passed `validate` (one kept by the block
/// cache, or staged by this build): the same bytes, read without the
/// version byte, which lies on the block's first cache line while the
/// offsets of most slots and the record lie on others. A hop into a hub
/// reads one record from each of thousands of blocks (at scale L, 112,896
/// links into the workload's hub), where that line was a cache miss of
/// its own. Offsets are still bounds-checked: a damaged block is an error,
/// never a panic.
pub fn slot_of_valid(block: &[u8], i: usize) -> Result<Option<&[u8]>, StorageError> {
    if block.len() < HEADER || i >= BLOCK_SLOTS {
        return Err(damaged());
    }
    let start = if i == 0 { 0 } else { end(block, i - 1) };
    let stop = end(block, i);
    let bytes = block
        .get(HEADER + start..HEADER + stop)
        .ok_or_else(damaged)?;
    Ok((!bytes.is_empty()).then_some(bytes))
}

/// Where slot `i`'s bytes begin in `block`, if the header is all there
/// (for a prefetch: not checked against the block's end).
pub fn slot_start(block: &[u8], i: usize) -> Option<usize> {
    if block.len() < HEADER || i >= BLOCK_SLOTS {
        return None;
    }
    Some(HEADER + if i == 0 { 0 } else { end(block, i - 1) })
}

/// Every slot of a block (empty slices for empty slots), checked.
pub fn slots(block: &[u8]) -> Result<Vec<&[u8]>, StorageError> {
    validate(block)?;
    let mut out = Vec::with_capacity(BLOCK_SLOTS);
    let mut start = 0;
    for i in 0..BLOCK_SLOTS {
        let stop = end(block, i);
        out.push(&block[HEADER + start..HEADER + stop]);
        start = stop;
    }
    Ok(out)
}

/// Packs `BLOCK_SLOTS` slots; `None` when every slot is empty (the block's
/// key is then deleted).
pub fn encode(slots: &[&[u8]]) -> Option<Vec<u8>> {
    debug_assert_eq!(slots.len(), BLOCK_SLOTS);
    let total: usize = slots.iter().map(|s| s.len()).sum();
    if total == 0 {
        return None;
    }
    let mut out = Vec::with_capacity(HEADER + total);
    out.push(VERSION);
    let mut e = 0u32;
    for s in slots {
        e += s.len() as u32;
        out.extend_from_slice(&e.to_be_bytes());
    }
    for s in slots {
        out.extend_from_slice(s);
    }
    Some(out)
}

/// `block` (or an empty one) with slot `i` replaced; `None` if it ends up empty.
pub fn with_slot(
    block: Option<&[u8]>,
    i: usize,
    value: &[u8],
) -> Result<Option<Vec<u8>>, StorageError> {
    let mut all = match block {
        Some(b) => slots(b)?,
        None => vec![&[][..]; BLOCK_SLOTS],
    };
    all[i] = value;
    Ok(encode(&all))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_round_trip_and_read_alone() {
        let mut b = None;
        for (i, v) in [
            (0usize, &b"zero"[..]),
            (5, b"five"),
            (127, b"last"),
            (6, b""),
        ] {
            b = with_slot(b.as_deref(), i, v).unwrap();
        }
        let b = b.unwrap();
        validate(&b).unwrap();
        assert_eq!(slot(&b, 0).unwrap(), Some(&b"zero"[..]));
        assert_eq!(slot(&b, 5).unwrap(), Some(&b"five"[..]));
        assert_eq!(slot(&b, 127).unwrap(), Some(&b"last"[..]));
        assert_eq!(slot(&b, 1).unwrap(), None);
        assert_eq!(slot(&b, 6).unwrap(), None);
        let all = slots(&b).unwrap();
        assert_eq!(all.iter().filter(|s| !s.is_empty()).count(), 3);
    }

    #[test]
    fn deleting_every_slot_empties_the_block() {
        let b = with_slot(None, 3, b"x").unwrap().unwrap();
        let b2 = with_slot(Some(&b), 4, b"y").unwrap().unwrap();
        let b3 = with_slot(Some(&b2), 3, b"").unwrap().unwrap();
        assert_eq!(slot(&b3, 3).unwrap(), None);
        assert_eq!(slot(&b3, 4).unwrap(), Some(&b"y"[..]));
        assert_eq!(with_slot(Some(&b3), 4, b"").unwrap(), None);
    }

    #[test]
    fn damaged_blocks_are_errors_not_panics() {
        let b = with_slot(None, 9, b"hello").unwrap().unwrap();
        for cut in 0..b.len() {
            assert!(validate(&b[..cut]).is_err());
            let _ = slot(&b[..cut], 9);
        }
        let mut bad = b.clone();
        bad[1 + 4 * 3 + 3] = 0xff; // slot 3 ends past slot 4's end
        assert!(validate(&bad).is_err());
        assert!(slot(&[9u8; HEADER], 0).is_err());
    }

    #[test]
    fn a_valid_block_reads_the_same_without_its_version_byte() {
        let mut b = None;
        for (i, v) in [(0usize, &b"zero"[..]), (17, b"x"), (127, b"last")] {
            b = with_slot(b.as_deref(), i, v).unwrap();
        }
        let b = b.unwrap();
        validate(&b).unwrap();
        for i in 0..BLOCK_SLOTS {
            assert_eq!(
                slot_of_valid(&b, i).unwrap(),
                slot(&b, i).unwrap(),
                "slot {i}"
            );
        }
        assert!(slot_of_valid(&b, BLOCK_SLOTS).is_err());
        // Damaged offsets are errors, not panics.
        for cut in 0..b.len() {
            let _ = slot_of_valid(&b[..cut], 127);
        }
        let mut bad = b.clone();
        bad[1 + 4 * 17 + 3] = 0xff;
        assert!(slot_of_valid(&bad, 17).is_err() || slot_of_valid(&bad, 18).is_err());
    }
}

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
//!
//! That is the form read in memory. On disk (format 6) a block is stored as
//!
//! ```text
//! version u8 (= 2) | slot length varint × BLOCK_SLOTS | slot bytes ...
//! ```
//!
//! (`compact`, `expand`): zstd shrinks four-byte ascending offsets poorly,
//! and lengths of records under 128 bytes are one byte each, which took
//! the link records at scale M from 26.3 to 24.3 MiB. Blocks of formats up
//! to 5 (version 1) are read as they are.

use super::keys::BLOCK_SLOTS;
use super::varint;
use super::StorageError;

const VERSION: u8 = 1;
/// Version of the stored form, slot lengths instead of end offsets.
const STORED_VERSION: u8 = 2;
/// The most bytes `expand` adds: a header of one-byte lengths grows to
/// `HEADER`. A stored block read with this much room to spare expands
/// without a new allocation.
pub const EXPANDS_BY: usize = HEADER - 1 - BLOCK_SLOTS;
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

/// The stored form of a block in the memory form. Anything else (`encode`
/// makes nothing else) is stored as it is.
pub fn compact(block: &[u8]) -> Vec<u8> {
    if validate(block).is_err() {
        return block.to_vec();
    }
    let body = &block[HEADER..];
    let mut out = Vec::with_capacity(1 + 2 * BLOCK_SLOTS + body.len());
    out.push(STORED_VERSION);
    let mut start = 0;
    for i in 0..BLOCK_SLOTS {
        let stop = end(block, i);
        varint::push(&mut out, (stop - start) as u64);
        start = stop;
    }
    out.extend_from_slice(body);
    out
}

/// The memory form of a stored block: `compact`'s form is rebuilt in
/// place. Anything else, a block of version 1 (formats up to 5) or damage
/// such as lengths that do not add up to the bytes after them, is
/// returned as it is, for `validate` to take or refuse where it is read
/// (and `check` to report).
pub fn expand(stored: Vec<u8>) -> Vec<u8> {
    match lengths(&stored) {
        Some((ends, at)) => rebuild(stored, &ends, at),
        None => stored,
    }
}

/// The end offsets of a stored block in `compact`'s form, and where its
/// records begin; `None` if it is not one.
fn lengths(stored: &[u8]) -> Option<([u32; BLOCK_SLOTS], usize)> {
    if stored.first() != Some(&STORED_VERSION) {
        return None;
    }
    let mut ends = [0u32; BLOCK_SLOTS];
    let mut at = 1;
    let mut total: u32 = 0;
    for e in ends.iter_mut() {
        let n = u32::try_from(varint::read(stored, &mut at)?).ok()?;
        total = total.checked_add(n)?;
        *e = total;
    }
    (total as usize == stored.len() - at).then_some((ends, at))
}

/// `stored`'s records after a header of `ends`, moved once.
fn rebuild(mut stored: Vec<u8>, ends: &[u32; BLOCK_SLOTS], at: usize) -> Vec<u8> {
    let body = stored.len() - at;
    if at <= HEADER {
        stored.resize(HEADER + body, 0);
        stored.copy_within(at..at + body, HEADER);
    } else {
        // Only lengths written with needless bytes make a longer header.
        stored.copy_within(at..at + body, HEADER);
        stored.truncate(HEADER + body);
    }
    stored[0] = VERSION;
    for (i, e) in ends.iter().enumerate() {
        stored[1 + 4 * i..5 + 4 * i].copy_from_slice(&e.to_be_bytes());
    }
    stored
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block holding `slots` (slot, record), the others empty.
    fn block_of(slots: &[(usize, &[u8])]) -> Vec<u8> {
        let filled = slots.iter().fold(None, |b: Option<Vec<u8>>, (i, v)| {
            with_slot(b.as_deref(), *i, v).unwrap()
        });
        filled.unwrap()
    }

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
        let b = block_of(&[(0, b"zero"), (17, b"x"), (127, b"last")]);
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

    #[test]
    fn the_stored_form_is_smaller_and_expands_to_the_same_block() {
        let b = block_of(&[(0, b"zero"), (17, b"x"), (127, b"last")]);
        let stored = compact(&b);
        assert_eq!(stored.len(), 1 + BLOCK_SLOTS + 9);
        assert_eq!(expand(stored), b);
        // A slot over 127 bytes takes a longer length; blocks of version 1
        // (formats up to 5) read unchanged.
        let long = vec![7u8; 300];
        let b = with_slot(Some(&b), 64, &long).unwrap().unwrap();
        assert_eq!(expand(compact(&b)), b);
        assert_eq!(expand(b.clone()), b);
        // What is not a valid block is kept as it is, and still refused.
        assert_eq!(compact(&b[..40]), &b[..40]);
        assert!(validate(&expand(b[..40].to_vec())).is_err());
        // Lengths written with needless bytes make a header longer than
        // the memory form's: the records move the other way.
        let mut padded = vec![STORED_VERSION];
        for i in 0..BLOCK_SLOTS {
            let n = match i {
                0 | 127 => 4,
                17 => 1,
                _ => 0,
            };
            padded.extend_from_slice(&[0x80 | n, 0x80, 0x80, 0x80, 0]);
        }
        padded.extend_from_slice(b"zeroxlast");
        let short = block_of(&[(0, b"zero"), (17, b"x"), (127, b"last")]);
        assert!(padded.len() > HEADER + 9);
        assert_eq!(expand(padded), short);
    }

    #[test]
    fn a_damaged_stored_block_is_refused_not_a_panic() {
        let stored = compact(&block_of(&[(3, b"three"), (90, b"ninety")]));
        let refused = |x: Vec<u8>| validate(&expand(x)).is_err();
        for cut in 0..stored.len() {
            assert!(refused(stored[..cut].to_vec()), "cut at {cut}");
        }
        let mut longer = stored.clone();
        longer.push(0);
        assert!(refused(longer));
        let mut bad = stored.clone();
        bad[4] = 0xff; // slot 3's length runs on into the next varint
        assert!(refused(bad));
        // Lengths past u32, alone or added up, are damage too.
        for lengths in [[u32::MAX as u64, u64::MAX], [u32::MAX as u64, 1]] {
            let mut huge = vec![STORED_VERSION];
            for i in 0..BLOCK_SLOTS {
                varint::push(&mut huge, lengths.get(i).copied().unwrap_or(0));
            }
            assert!(refused(huge));
        }
        assert!(refused(vec![9, 0, 0]));
    }
}

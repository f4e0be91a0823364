//! Value compression of the on-disk store (format 4).
//!
//! sled's own compression makes a new zstd context for every page it writes,
//! and that cost more than the compressing itself (at scale M, a quarter of
//! the load). Here each thread keeps one compressor and one decompressor, and
//! only the values of the data keyspaces are compressed: records, adjacency
//! and index buckets. Meta and catalog values stay as they are, so the format
//! record of any database reads the same way.
//!
//! A data value is one tag byte, then either the value itself (`RAW`) or the
//! varint length of the value and a zstd frame (`ZSTD`). Record blocks are
//! compressed in their stored form (`block::compact`, format 6).

use super::block;
use super::keys;
use super::varint;
use super::StorageError;
use std::cell::RefCell;

const RAW: u8 = 0;
const ZSTD: u8 = 1;
/// Values shorter than this are not worth a zstd frame.
pub(super) const MIN_BYTES: usize = 48;
/// Adjacency lists shorter than this are not tried: their varints are
/// nearly random bytes, so at scale M none of 92,600 lists under 256 bytes
/// and 4 of 4,524 under 512 came out smaller, and trying them all took
/// 0.15 s of a two-second load.
const MIN_ADJ_BYTES: usize = 512;
/// zstd's fastest level: most of the gain, little of the time.
const LEVEL: i32 = 1;
/// The largest value `unpack` accepts (a damaged length must not allocate
/// without bound).
const MAX_BYTES: u64 = 1 << 30;

thread_local! {
    static COMPRESSOR: RefCell<Option<zstd::block::Compressor>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<zstd::block::Decompressor>> = const { RefCell::new(None) };
}

/// Whether values under `key` are stored packed. Link column chunks
/// pack each of their parts themselves (`link_chunks.rs`).
fn packed(key: &[u8]) -> bool {
    !matches!(
        key.first(),
        None | Some(&keys::META) | Some(&keys::CATALOG) | Some(&keys::LCOL)
    )
}

/// Whether values under `key` are record blocks.
fn is_block(key: &[u8]) -> bool {
    matches!(key.first(), Some(&keys::NODE) | Some(&keys::REL))
}

/// The stored form of `value` under `key`.
pub fn pack(key: &[u8], value: Vec<u8>) -> Vec<u8> {
    if !packed(key) {
        return value;
    }
    if is_block(key) {
        return pack_bytes(&block::compact(&value), MIN_BYTES);
    }
    match key.first() {
        Some(&keys::ADJ) => pack_bytes(&value, MIN_ADJ_BYTES),
        _ => pack_bytes(&value, MIN_BYTES),
    }
}

/// What format 5 stored for a block (the block packed as any other value,
/// not `compact`ed): for tests of older databases and of damage.
#[cfg(test)]
pub(crate) fn pack_as_format_5(value: &[u8]) -> Vec<u8> {
    pack_bytes(value, MIN_BYTES)
}

/// A data value's bytes packed: a zstd frame when the value has at least
/// `min` bytes and the frame is smaller, or else the bytes themselves.
pub(super) fn pack_bytes(value: &[u8], min: usize) -> Vec<u8> {
    if value.len() >= min {
        let frame = COMPRESSOR.with(|c| {
            c.borrow_mut()
                .get_or_insert_with(zstd::block::Compressor::new)
                .compress(value, LEVEL)
        });
        if let Ok(frame) = frame {
            if frame.len() + 6 < value.len() {
                let mut out = Vec::with_capacity(frame.len() + 6);
                out.push(ZSTD);
                varint::push(&mut out, value.len() as u64);
                out.extend_from_slice(&frame);
                return out;
            }
        }
    }
    let mut out = Vec::with_capacity(value.len() + 1);
    out.push(RAW);
    out.extend_from_slice(value);
    out
}

/// The value stored as `stored` under `key`.
pub fn unpack(key: &[u8], stored: &[u8]) -> Result<Vec<u8>, StorageError> {
    if !packed(key) {
        return Ok(stored.to_vec());
    }
    match is_block(key) {
        true => Ok(block::expand(unpack_bytes(stored, block::EXPANDS_BY)?)),
        false => unpack_bytes(stored, 0),
    }
}

/// A packed value's bytes, with room for `spare` more.
pub(super) fn unpack_bytes(stored: &[u8], spare: usize) -> Result<Vec<u8>, StorageError> {
    let damaged = || StorageError::Corrupt("damaged compressed value".into());
    match stored.split_first() {
        Some((&RAW, rest)) => {
            let mut v = Vec::with_capacity(rest.len() + spare);
            v.extend_from_slice(rest);
            Ok(v)
        }
        Some((&ZSTD, rest)) => {
            let mut at = 0;
            let len = varint::read(rest, &mut at).ok_or_else(damaged)?;
            if len > MAX_BYTES {
                return Err(damaged());
            }
            let mut v = Vec::with_capacity(len as usize + spare);
            let out = DECOMPRESSOR.with(|d| {
                d.borrow_mut()
                    .get_or_insert_with(zstd::block::Decompressor::new)
                    .decompress_to_buffer(&rest[at..], &mut v)
            });
            match out {
                Ok(n) if n as u64 == len => Ok(v),
                _ => Err(damaged()),
            }
        }
        _ => Err(damaged()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_damage_is_an_error() {
        let adj = [keys::ADJ, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0];
        let repetitive: Vec<u8> = b"ammunition,confirmed,src-1234;".repeat(40);
        for v in [
            vec![],
            vec![7u8; 3],
            repetitive.clone(),
            (0..=255).collect(),
        ] {
            let stored = pack(&adj, v.clone());
            assert_eq!(unpack(&adj, &stored).unwrap(), v);
        }
        assert!(pack(&adj, repetitive.clone()).len() < repetitive.len() / 4);
        // Meta and catalog values are stored as they are.
        let meta = [keys::META, b'f'];
        assert_eq!(pack(&meta, vec![0, 0, 0, 4]), vec![0, 0, 0, 4]);
        assert_eq!(unpack(&meta, &[0, 0, 0, 4]).unwrap(), vec![0, 0, 0, 4]);
        let mut stored = pack(&adj, repetitive);
        let n = stored.len();
        stored[n / 2] ^= 0x5a;
        stored.truncate(n - 3);
        assert!(unpack(&adj, &stored).is_err());
        assert!(unpack(&adj, &[9, 1, 2]).is_err());
        assert!(unpack(&adj, &[]).is_err());
        assert!(unpack(&adj, &[ZSTD, 0xff, 0xff, 0xff, 0xff, 0x7f]).is_err());
    }

    #[test]
    fn short_adjacency_lists_are_not_tried() {
        let adj = [keys::ADJ, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0];
        let index = [keys::PROP, 0, 0, 0, 1];
        let short = vec![3u8; MIN_ADJ_BYTES - 1];
        let long = vec![3u8; MIN_ADJ_BYTES];
        let stored = pack(&adj, short.clone());
        assert_eq!(stored[0], RAW);
        assert_eq!(unpack(&adj, &stored).unwrap(), short);
        let stored = pack(&adj, long.clone());
        assert_eq!(stored[0], ZSTD);
        assert_eq!(unpack(&adj, &stored).unwrap(), long);
        // Other keyspaces keep the general threshold.
        assert_eq!(pack(&index, vec![3u8; MIN_BYTES])[0], ZSTD);
        assert_eq!(pack(&index, vec![3u8; MIN_BYTES - 1])[0], RAW);
    }

    #[test]
    fn blocks_are_stored_compact_and_older_blocks_read_as_they_are() {
        let key = [keys::REL, 0, 0, 0, 0, 0, 0, 0, 1];
        let recs: Vec<String> = (0..keys::BLOCK_SLOTS)
            .map(|i| format!("link {i}, ammunition, confirmed, src-{}", i * 37 % 1000))
            .collect();
        let slots: Vec<&[u8]> = recs.iter().map(|r| r.as_bytes()).collect();
        let b = block::encode(&slots).unwrap();
        let compact = block::compact(&b);
        let stored = pack(&key, b.clone());
        assert_eq!(unpack(&key, &stored).unwrap(), b);
        let old = pack_as_format_5(&b);
        assert!(stored.len() < old.len(), "{} {}", stored.len(), old.len());
        assert_eq!(unpack(&key, &old).unwrap(), b);
        let mut raw = vec![RAW];
        raw.extend_from_slice(&b);
        assert_eq!(unpack(&key, &raw).unwrap(), b);
        // Lengths that do not match the records are damage, refused where
        // the block is read.
        let mut damaged = vec![RAW];
        damaged.extend_from_slice(&compact[..compact.len() - 1]);
        assert!(block::validate(&unpack(&key, &damaged).unwrap()).is_err());
        // A frame that holds more than its stated length is damage, even
        // when the more fits the room kept for expanding.
        let frame = zstd::block::compress(&compact, LEVEL).unwrap();
        let mut short = vec![ZSTD];
        varint::push(&mut short, compact.len() as u64 - 1);
        short.extend_from_slice(&frame);
        assert!(unpack(&key, &short).is_err());
    }
}

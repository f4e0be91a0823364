//! Link columns kept on disk (format 7). A filter over a hub's links or an
//! aggregate over every link reads one property of many links; from the
//! records it decompresses and walks whole blocks of 128 links for each
//! (Q2's first run at scale L read some 55,000 blocks for 96,057 links,
//! Q6's all 78,000). So a bulk load also writes, for each run of
//! `CHUNK_LINKS` link ids (a chunk), the type of every link and some of
//! their properties as columns, each under its own key:
//!
//! ```text
//! LCOL, chunk, CHUNK_HEAD -> version u8 (= 1) | key count varint
//!                            | (key varint, kept u8) × count
//!                            | packed(type + 1 varint × CHUNK_LINKS; 0: no link)
//! LCOL, chunk, key        -> packed(value count varint | (length varint, encoded value) × count
//!                                   | code varint × CHUNK_LINKS; 0: absent, c + 1: value c)
//! ```
//!
//! `packed` is `compress::pack_bytes`; an encoded value is as the record
//! holds it (`codec::rel_scan`). The head lists every property some link
//! of the chunk has, and whether its column is kept: one whose values are
//! all null, booleans or numbers, or at most `FEW_VALUES` distinct ones
//! (categories, years, confidences). Other columns (free text, mostly
//! distinct strings) are read from the records: kept, the workload's
//! `source` alone would have added 4 MiB at scale M to the 6.8 the kept
//! ones take, past the disk the store may take (1.2× Kùzu's).
//!
//! The columns are what the records say or they are not there: any commit
//! that writes a link block deletes every column of that block's chunk in
//! the same batch (`Graph::commit`), and readers read the records of a chunk
//! without a head. Only a load writes them, for the chunks that hold its
//! own links alone.

use super::keys::{CHUNK_HEAD, CHUNK_LINKS};
use super::link_columns::ABSENT;
use super::{codec, compress, varint, StorageError};
use fxhash::FxHashMap;

const VERSION: u8 = 1;

/// A column of text or other values is kept when a chunk holds at most
/// this many distinct ones.
pub const FEW_VALUES: usize = 256;

fn damaged() -> StorageError {
    StorageError::Corrupt("damaged link column chunk".into())
}

/// What a chunk's head says.
#[derive(Debug, PartialEq)]
pub struct Head {
    /// The type of each link slot of the chunk, `ABSENT` for none; empty
    /// when not asked for (`head`).
    pub types: Vec<u32>,
    /// Each property some link of the chunk has, and whether its column
    /// is kept, ascending by key.
    pub keys: Vec<(u32, bool)>,
}

impl Head {
    /// How the chunk answers for property `key`: `Some(true)` from its
    /// column, `Some(false)` as absent from every link, `None` not at all
    /// (its records must be read).
    pub fn answers(&self, key: u32) -> Option<bool> {
        match self.keys.binary_search_by_key(&key, |&(k, _)| k) {
            Ok(i) => self.keys[i].1.then_some(true),
            Err(_) => Some(false),
        }
    }
}

/// One kept column of a chunk: `value(codes[i] - 1)` for slot `i`, or
/// absent where the code is 0.
#[derive(Debug, PartialEq)]
pub struct Column {
    bytes: Vec<u8>,
    /// Where each value lies in `bytes`.
    spans: Vec<(usize, usize)>,
    pub codes: Vec<u32>,
}

impl Column {
    /// Encoded value `c` (a code less one).
    pub fn value(&self, c: usize) -> &[u8] {
        let (a, b) = self.spans[c];
        &self.bytes[a..b]
    }

    pub fn values(&self) -> usize {
        self.spans.len()
    }
}

/// One property's column while a chunk is encoded.
struct Building<'r> {
    key: u32,
    codes: Vec<u32>,
    values: Vec<&'r [u8]>,
    dictionary: FxHashMap<&'r [u8], u32>,
    /// Every value so far is null, a boolean or a number.
    plain: bool,
    /// Too many values that are not: the column is not kept.
    given_up: bool,
    /// The last slot given a value (the first of a key in a record counts).
    last: usize,
}

impl<'r> Building<'r> {
    fn new(key: u32) -> Building<'r> {
        Building {
            key,
            codes: vec![0; CHUNK_LINKS],
            values: Vec::new(),
            dictionary: FxHashMap::default(),
            plain: true,
            given_up: false,
            last: usize::MAX,
        }
    }

    fn add(&mut self, slot: usize, raw: &'r [u8]) {
        if self.last == slot || self.given_up {
            return;
        }
        self.last = slot;
        self.plain &= codec::is_plain_scalar(raw);
        let next = self.values.len() as u32 + 1;
        let code = *self.dictionary.entry(raw).or_insert(next);
        if code == next {
            self.values.push(raw);
            if !self.plain && self.values.len() > FEW_VALUES {
                self.given_up = true;
                self.values = Vec::new();
                self.dictionary = FxHashMap::default();
                return;
            }
        }
        self.codes[slot] = code;
    }

    fn kept(&self) -> bool {
        !self.given_up
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        varint::push(&mut out, self.values.len() as u64);
        for v in &self.values {
            varint::push(&mut out, v.len() as u64);
            out.extend_from_slice(v);
        }
        for &c in &self.codes {
            varint::push(&mut out, c as u64);
        }
        compress::pack_bytes(&out, compress::MIN_BYTES)
    }
}

/// The columns of one chunk, as (column key, value) with the head first,
/// from the records of its links: `records` gives each link's slot in
/// the chunk (below `CHUNK_LINKS`, ascending) and its stored bytes. `None`
/// for a chunk without links.
pub fn encode<'r>(
    records: impl IntoIterator<Item = (usize, &'r [u8])>,
) -> Result<Option<Vec<(u32, Vec<u8>)>>, StorageError> {
    let mut types = vec![0u32; CHUNK_LINKS];
    let mut columns: Vec<Building<'r>> = Vec::new();
    let mut any = false;
    for (slot, bytes) in records {
        if slot >= CHUNK_LINKS {
            return Err(damaged());
        }
        any = true;
        let base = bytes.as_ptr() as usize;
        let (ty, _, _) = codec::rel_scan(bytes, |key, raw| {
            let at = match columns.iter().position(|c| c.key == key) {
                Some(at) => at,
                None => {
                    columns.push(Building::new(key));
                    columns.len() - 1
                }
            };
            // The value as a part of the record, which outlives the scan.
            let from = raw.as_ptr() as usize - base;
            columns[at].add(slot, &bytes[from..from + raw.len()]);
            Ok(true)
        })?;
        types[slot] = ty.checked_add(1).ok_or_else(damaged)?;
    }
    if !any {
        return Ok(None);
    }
    columns.sort_unstable_by_key(|c| c.key);
    let mut head = vec![VERSION];
    varint::push(&mut head, columns.len() as u64);
    for c in &columns {
        varint::push(&mut head, c.key as u64);
        head.push(c.kept() as u8);
    }
    let mut packed_types = Vec::with_capacity(CHUNK_LINKS);
    for &t in &types {
        varint::push(&mut packed_types, t as u64);
    }
    head.extend(compress::pack_bytes(&packed_types, compress::MIN_BYTES));
    let mut out = vec![(CHUNK_HEAD, head)];
    for c in columns.iter().filter(|c| c.kept()) {
        out.push((c.key, c.encode()));
    }
    Ok(Some(out))
}

/// `CHUNK_LINKS` varints from `at`, each checked by `ok`, ending `bytes`.
fn codes(bytes: &[u8], mut at: usize, ok: impl Fn(u64) -> bool) -> Result<Vec<u32>, StorageError> {
    let mut out = Vec::with_capacity(CHUNK_LINKS);
    for _ in 0..CHUNK_LINKS {
        let c = varint::read(bytes, &mut at)
            .filter(|&c| ok(c))
            .ok_or_else(damaged)?;
        out.push(c as u32);
    }
    match at == bytes.len() {
        true => Ok(out),
        false => Err(damaged()),
    }
}

/// Reads a chunk's head, its links' types only if `types` (a filter
/// that reads one column wants the list of properties alone).
pub fn head(bytes: &[u8], types: bool) -> Result<Head, StorageError> {
    if bytes.first() != Some(&VERSION) {
        return Err(damaged());
    }
    let mut at = 1;
    let n = varint::read(bytes, &mut at).ok_or_else(damaged)?;
    let mut keys = Vec::new();
    for _ in 0..n {
        let key = varint::read(bytes, &mut at)
            .and_then(|k| u32::try_from(k).ok())
            .filter(|&k| k != CHUNK_HEAD)
            .ok_or_else(damaged)?;
        let kept = match bytes.get(at) {
            Some(0) => false,
            Some(1) => true,
            _ => return Err(damaged()),
        };
        at += 1;
        if keys.last().is_some_and(|&(k, _)| k >= key) {
            return Err(damaged());
        }
        keys.push((key, kept));
    }
    if !types {
        return match bytes.len() > at {
            true => Ok(Head {
                types: Vec::new(),
                keys,
            }),
            false => Err(damaged()),
        };
    }
    let packed = compress::unpack_bytes(&bytes[at..], 0)?;
    let types = codes(&packed, 0, |t| t <= u32::MAX as u64)?
        .into_iter()
        .map(|t| t.checked_sub(1).unwrap_or(ABSENT))
        .collect();
    Ok(Head { types, keys })
}

/// Reads one kept column of a chunk.
pub fn column(stored: &[u8]) -> Result<Column, StorageError> {
    let bytes = compress::unpack_bytes(stored, 0)?;
    let mut at = 0;
    let n = varint::read(&bytes, &mut at).ok_or_else(damaged)?;
    if n > CHUNK_LINKS as u64 {
        return Err(damaged());
    }
    let mut spans = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let len = varint::read(&bytes, &mut at).ok_or_else(damaged)? as usize;
        let end = at.checked_add(len).filter(|&e| e <= bytes.len());
        let end = end.ok_or_else(damaged)?;
        spans.push((at, end));
        at = end;
    }
    let codes = codes(&bytes, at, |c| c <= n)?;
    Ok(Column {
        bytes,
        spans,
        codes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::codec::{encode as encode_record, RelRecord};
    use crate::value::Value;

    fn link(ty: u32, props: Vec<(u32, Value)>) -> Vec<u8> {
        encode_record(&RelRecord {
            rel_type: ty,
            src: 1,
            dst: 2,
            props,
        })
    }

    /// The value of `key` in slot `i`, read back from the encoded chunk.
    fn read(cols: &[(u32, Vec<u8>)], key: u32, i: usize) -> Option<Value> {
        let (_, stored) = cols.iter().find(|(k, _)| *k == key)?;
        let col = column(stored).unwrap();
        match col.codes[i] {
            0 => None,
            c => Some(codec::decode_value(col.value(c as usize - 1)).unwrap()),
        }
    }

    #[test]
    fn a_chunk_reads_back_as_its_records() {
        let many: Vec<Vec<u8>> = (0..600)
            .map(|i| {
                let text = Value::String(format!("note {i}"));
                let few = Value::String(["arms", "fuel", "food"][i % 3].into());
                let number = match i % 4 {
                    0 => Value::Float(i as f64 / 8.0),
                    1 => Value::Null,
                    _ => Value::Int(i as i64 * 1_000_003),
                };
                let mut props = vec![(5, few), (9, number), (7, text)];
                if i % 5 == 0 {
                    props.truncate(1);
                }
                // A key twice: the first counts.
                props.push((5, Value::String("later".into())));
                link((i % 2) as u32, props)
            })
            .collect();
        let slots: Vec<usize> = (0..600).map(|i| i * 3 + 1).collect();
        let cols = encode(slots.iter().copied().zip(many.iter().map(|r| &r[..])))
            .unwrap()
            .unwrap();
        let (k, h) = &cols[0];
        assert_eq!(*k, CHUNK_HEAD);
        let h = head(h, true).unwrap();
        // 600 distinct texts are not kept; few strings and numbers are.
        assert_eq!(h.keys, vec![(5, true), (7, false), (9, true)]);
        assert_eq!(h.answers(5), Some(true));
        assert_eq!(h.answers(7), None);
        assert_eq!(h.answers(8), Some(false));
        assert_eq!(
            cols.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            [CHUNK_HEAD, 5, 9]
        );
        for (j, &i) in slots.iter().enumerate() {
            let rec = &many[j];
            assert_eq!(h.types[i], (j % 2) as u32);
            for key in [5, 9] {
                assert_eq!(
                    read(&cols, key, i),
                    codec::rel_prop(rec, key).unwrap(),
                    "{j} {key}"
                );
            }
        }
        for i in (0..CHUNK_LINKS).filter(|i| i % 3 != 1 || *i > 1798) {
            assert_eq!(h.types[i], ABSENT);
            assert_eq!(read(&cols, 5, i), None);
        }
        assert_eq!(encode(std::iter::empty()).unwrap(), None);
    }

    #[test]
    fn damaged_chunks_are_errors() {
        let rec = link(3, vec![(1, Value::String("x".repeat(100)))]);
        let cols = encode([(0, &rec[..]), (CHUNK_LINKS - 1, &rec[..])])
            .unwrap()
            .unwrap();
        let (h, col) = (&cols[0].1, &cols[1].1);
        assert!(head(h, true).is_ok() && column(col).is_ok());
        assert_eq!(head(h, false).unwrap().keys, vec![(1, true)]);
        for cut in 0..h.len() {
            assert!(head(&h[..cut], true).is_err(), "{cut}");
        }
        for cut in 0..col.len() {
            assert!(column(&col[..cut]).is_err(), "{cut}");
        }
        let mut longer = col.clone();
        longer.push(0);
        assert!(column(&longer).is_err());
        let mut version = h.clone();
        version[0] = 2;
        assert!(head(&version, false).is_err());
        // A slot beyond the chunk is refused.
        assert!(encode([(CHUNK_LINKS, &rec[..])]).is_err());
    }
}

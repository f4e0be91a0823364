//! Record encoding: node and link records as bytes, behind a version byte.
//! Hand-written so that one property, a link's ends or a node's labels can be
//! read straight from the stored bytes without decoding the rest (a scan over
//! a million links reads one or two properties of each), and compact (floats
//! with few decimals, as in most data, take two or three bytes). Keys never
//! come here (`keys.rs`).
//!
//! ```text
//! node:  version | label count | label*          | (key | value)*
//! link:  version | type        | src     | dst   | (key | value)*
//! value: tag byte | payload          (see `Tag`; integers are varints)
//! ```
//!
//! Properties run to the end of the record; null properties are not stored.

use super::varint;
use super::StorageError;
use crate::value::temporal::{DateTime, Duration, LocalDateTime, LocalTime, Time};
use crate::value::{Date, Estimate, Path, Temporal, Value};
use std::collections::BTreeMap;

/// Structured, rarely written records (the manifest) go through bincode
/// 2.0.1, whose format is frozen; fixed-width integers so that a value's
/// size does not depend on its magnitude.
fn structured_config() -> impl bincode::config::Config {
    bincode::config::standard()
        .with_big_endian()
        .with_fixed_int_encoding()
}

pub fn encode_structured<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Encoding into a Vec fails only for types serde cannot describe,
    // which no caller passes.
    bincode::serde::encode_to_vec(value, structured_config()).unwrap_or_default()
}

/// Decodes a structured record of at most `limit` bytes; trailing bytes are damage.
pub fn decode_structured<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    limit: usize,
) -> Result<T, String> {
    if bytes.len() > limit {
        return Err(format!("{} bytes, more than {limit}", bytes.len()));
    }
    let (value, used) =
        bincode::serde::decode_from_slice(bytes, structured_config()).map_err(|e| e.to_string())?;
    if used != bytes.len() {
        return Err(format!(
            "{} unexpected bytes at the end",
            bytes.len() - used
        ));
    }
    Ok(value)
}

/// Version byte in front of every record (1 was bincode, before format 3).
const RECORD_VERSION: u8 = 2;
/// Deepest nesting of lists and maps read back, so damaged bytes cannot recurse wildly.
const MAX_DEPTH: usize = 32;

/// A node as stored: interned labels and property keys.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeRecord {
    pub labels: Vec<u32>,
    pub props: Vec<(u32, Value)>,
}

/// A relationship as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RelRecord {
    pub rel_type: u32,
    pub src: u64,
    pub dst: u64,
    pub props: Vec<(u32, Value)>,
}

/// The value tags.
mod tag {
    pub const NULL: u8 = 0;
    pub const FALSE: u8 = 1;
    pub const TRUE: u8 = 2;
    pub const INT: u8 = 3;
    /// A float as its 8 IEEE bytes, little-endian.
    pub const FLOAT: u8 = 4;
    /// A float that is exactly `mantissa / 10^scale`: scale byte, zigzag mantissa.
    pub const DECIMAL: u8 = 5;
    pub const STRING: u8 = 6;
    /// Year (zigzag), month and day (0 = not given).
    pub const DATE: u8 = 7;
    pub const ESTIMATE: u8 = 8;
    pub const LIST: u8 = 9;
    pub const MAP: u8 = 10;
    pub const NODE: u8 = 11;
    pub const REL: u8 = 12;
    pub const PATH: u8 = 13;
    /// Temporal values (added in the same format: older records never hold
    /// them, so older databases read unchanged). Nanoseconds of day as a varint.
    pub const LOCAL_TIME: u8 = 14;
    /// Nanoseconds of day, offset seconds (zigzag).
    pub const TIME: u8 = 15;
    /// Epoch day (zigzag), nanoseconds of day.
    pub const LOCAL_DATE_TIME: u8 = 16;
    /// Epoch day (zigzag), nanoseconds of day, offset (zigzag), zone name
    /// (length-prefixed, empty for a fixed offset).
    pub const DATE_TIME: u8 = 17;
    /// Months, days, seconds (zigzag each), nanoseconds.
    pub const DURATION: u8 = 18;
}

/// Powers of ten exact in an f64, for the decimal float form.
const POW10: [f64; 7] = [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6];

/// A record kind this module can write and read.
pub trait Record: Sized {
    const WHAT: &'static str;
    fn write(&self, out: &mut Vec<u8>);
    fn read(r: &mut Reader<'_>) -> Result<Self, StorageError>;
}

pub fn encode<T: Record>(rec: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.push(RECORD_VERSION);
    rec.write(&mut out);
    out
}

pub fn decode<T: Record>(bytes: &[u8]) -> Result<T, StorageError> {
    let mut r = Reader::open(bytes, T::WHAT)?;
    T::read(&mut r)
}

/// The type, source and target of a stored link, reading nothing else.
pub fn rel_ends(bytes: &[u8]) -> Result<(u32, u64, u64), StorageError> {
    let mut r = Reader::open(bytes, RelRecord::WHAT)?;
    Ok((r.u32()?, r.varint()?, r.varint()?))
}

/// A stored link's bytes, read up to its properties (past its type and
/// ends).
fn rel_props(bytes: &[u8]) -> Result<Reader<'_>, StorageError> {
    let mut r = Reader::open(bytes, RelRecord::WHAT)?;
    r.varint()?;
    r.varint()?;
    r.varint()?;
    Ok(r)
}

/// The type, source and target of a stored link, handing `prop` each
/// property's key and encoded value (`decode_value` reads it) on the way:
/// one pass over the record however many properties the caller keeps.
/// `prop` returns whether to read on: a caller that has what it wants
/// stops there, and the rest of the record is not read.
pub fn rel_scan(
    bytes: &[u8],
    mut prop: impl FnMut(u32, &[u8]) -> Result<bool, StorageError>,
) -> Result<(u32, u64, u64), StorageError> {
    let mut r = Reader::open(bytes, RelRecord::WHAT)?;
    let ends = (r.u32()?, r.varint()?, r.varint()?);
    while !r.done() {
        let key = r.u32()?;
        let start = r.at;
        r.skip_value(0)?;
        if !prop(key, &bytes[start..r.at])? {
            break;
        }
    }
    Ok(ends)
}

/// Whether an encoded value (as `rel_scan` hands it over) is null, a
/// boolean or a number.
pub fn is_plain_scalar(raw: &[u8]) -> bool {
    use tag::*;
    matches!(
        raw.first(),
        Some(&(NULL | FALSE | TRUE | INT | FLOAT | DECIMAL))
    )
}

/// One value as `rel_scan` hands it over.
pub fn decode_value(raw: &[u8]) -> Result<Value, StorageError> {
    let mut r = Reader {
        bytes: raw,
        at: 0,
        what: "value",
    };
    let v = r.value(0)?;
    if !r.done() {
        return Err(r.damaged());
    }
    Ok(v)
}

/// Whether a stored node carries every one of `labels`.
pub fn node_has_labels(bytes: &[u8], labels: &[u32]) -> Result<bool, StorageError> {
    let mut r = Reader::open(bytes, NodeRecord::WHAT)?;
    if labels.len() > 64 {
        let have = NodeRecord::read(&mut r)?.labels;
        return Ok(labels.iter().all(|l| have.contains(l)));
    }
    has_labels(&mut r, labels)
}

/// `node_has_labels` and, for a node that has them, `node_prop_is_str`,
/// from one read of the record for up to 64 labels: a pattern node with a
/// label and a string property (`(a:Actor {id: $id})`) read it twice.
pub fn node_has_labels_and_str(
    bytes: &[u8],
    labels: &[u32],
    key: u32,
    want: &str,
) -> Result<(bool, Option<bool>), StorageError> {
    if labels.len() > 64 {
        return Ok(match node_has_labels(bytes, labels)? {
            true => (true, node_prop_is_str(bytes, key, want)?),
            false => (false, None),
        });
    }
    let mut r = Reader::open(bytes, NodeRecord::WHAT)?;
    if !has_labels(&mut r, labels)? {
        return Ok((false, None));
    }
    Ok((true, prop_is_str(r, key, want)?))
}

/// Whether the label list `r` is at holds every one of `labels` (at most
/// 64), leaving `r` past it, at the properties.
fn has_labels(r: &mut Reader<'_>, labels: &[u32]) -> Result<bool, StorageError> {
    let n = r.varint()?;
    let mut found = 0u64; // bit i: labels[i] seen
    for _ in 0..n {
        let l = r.u32()?;
        for (i, want) in labels.iter().enumerate() {
            if *want == l {
                found |= 1 << i;
            }
        }
    }
    Ok(labels.is_empty() || found == u64::MAX >> (64 - labels.len()))
}

/// A stored node's bytes, read up to its properties (past its labels).
fn node_props(bytes: &[u8]) -> Result<Reader<'_>, StorageError> {
    let mut r = Reader::open(bytes, NodeRecord::WHAT)?;
    let n = r.varint()?;
    for _ in 0..n {
        r.varint()?;
    }
    Ok(r)
}

/// Property `key` of a stored node, skipping over the others.
pub fn node_prop(bytes: &[u8], key: u32) -> Result<Option<Value>, StorageError> {
    node_props(bytes)?.find_prop(key)
}

/// Whether property `key` of a stored node holds a string, read from its
/// tag without decoding it (a string `id` is unique: `check_unique_id`).
pub fn node_prop_is_string(bytes: &[u8], key: u32) -> Result<bool, StorageError> {
    let mut r = node_props(bytes)?;
    Ok(r.seek(key)? && r.bytes.get(r.at) == Some(&tag::STRING))
}

/// Property `key` of a stored link, skipping over the others.
pub fn rel_prop(bytes: &[u8], key: u32) -> Result<Option<Value>, StorageError> {
    let mut r = rel_props(bytes)?;
    r.find_prop(key)
}

/// A link property read by `rel_prop_number`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// Absent, or stored as null.
    Null,
    Int(i64),
    Float(f64),
}

impl Number {
    pub fn value(self) -> Value {
        match self {
            Number::Null => Value::Null,
            Number::Int(i) => Value::Int(i),
            Number::Float(f) => Value::Float(f),
        }
    }

    /// A value that is null or a number, as one.
    pub fn of(v: &Value) -> Option<Number> {
        match v {
            Value::Null => Some(Number::Null),
            Value::Int(i) => Some(Number::Int(*i)),
            Value::Float(f) => Some(Number::Float(*f)),
            _ => None,
        }
    }

    /// The number as a float, as `Value::as_f64` has it (null: NaN).
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Null => f64::NAN,
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

/// Property `key` of a stored link when it is absent, null, an integer or
/// a float; `None` for any other kind of value, left undecoded. For a walk
/// that tests the links it meets in bulk: an intact record is read in
/// place, without a `Reader` (whose moves were almost half of this read's
/// own time in Q8 at L), and anything else again the checked way, which
/// reports damage.
pub fn rel_prop_number(bytes: &[u8], key: u32) -> Result<Option<Number>, StorageError> {
    let plain = rel_props_at(bytes)
        .and_then(|at| seek_plain(bytes, at, key))
        .and_then(|found| match found {
            None => Some(Some(Number::Null)),
            Some(at) => plain_number(bytes, at),
        });
    if let Some(read) = plain {
        return Ok(read);
    }
    let mut r = rel_props(bytes)?;
    if !r.seek(key)? {
        return Ok(Some(Number::Null));
    }
    Ok(match r.bytes.get(r.at) {
        Some(&(tag::NULL | tag::INT | tag::FLOAT | tag::DECIMAL)) => match r.value(0)? {
            Value::Int(i) => Some(Number::Int(i)),
            Value::Float(f) => Some(Number::Float(f)),
            _ => Some(Number::Null),
        },
        _ => None,
    })
}

/// Where a link record's properties begin, past its version, type and
/// ends; `None` for anything but an intact header.
fn rel_props_at(bytes: &[u8]) -> Option<usize> {
    if bytes.first() != Some(&RECORD_VERSION) {
        return None;
    }
    let mut at = 1;
    for _ in 0..3 {
        varint::read(bytes, &mut at)?;
    }
    Some(at)
}

/// The value at `at` when it is null or a number (`Some(None)`: another
/// kind), decoded as `Reader::value` decodes it; `None` at damage.
fn plain_number(bytes: &[u8], mut at: usize) -> Option<Option<Number>> {
    let t = *bytes.get(at)?;
    at += 1;
    Some(Some(match t {
        tag::NULL => Number::Null,
        tag::INT => Number::Int(varint::unzigzag(varint::read(bytes, &mut at)?)),
        tag::FLOAT => {
            let b: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
            Number::Float(f64::from_le_bytes(b))
        }
        tag::DECIMAL => {
            let p = *POW10.get(*bytes.get(at)? as usize)?;
            at += 1;
            Number::Float(varint::unzigzag(varint::read(bytes, &mut at)?) as f64 / p)
        }
        _ => return Some(None),
    }))
}

/// Whether property `key` of a stored link is the string `want`, compared
/// in its stored bytes rather than decoded into a value (a WHERE
/// `r.category = 'ammunition'` over a hub's hundred thousand links).
/// Absent is `Some(false)` (null passes no WHERE); `None` when the property
/// holds something other than a string, which the caller then reads whole.
pub fn rel_prop_is_str(bytes: &[u8], key: u32, want: &str) -> Result<Option<bool>, StorageError> {
    prop_is_str(rel_props(bytes)?, key, want)
}

/// `rel_prop_is_str` for a stored node.
pub fn node_prop_is_str(bytes: &[u8], key: u32, want: &str) -> Result<Option<bool>, StorageError> {
    prop_is_str(node_props(bytes)?, key, want)
}

/// Whether property `key` of the properties `r` is at is the string
/// `want`, compared where it is stored; `None` when it holds another kind.
fn prop_is_str(mut r: Reader<'_>, key: u32, want: &str) -> Result<Option<bool>, StorageError> {
    if r.seek(key)? {
        if r.bytes.get(r.at) != Some(&tag::STRING) {
            return Ok(None);
        }
        r.byte()?;
        let n = r.varint()?;
        let b = r.take(n)?;
        if b == want.as_bytes() {
            return Ok(Some(true));
        }
        // As a decoded read would, a string that is not UTF-8 is damage.
        return match b.is_ascii() || std::str::from_utf8(b).is_ok() {
            true => Ok(Some(false)),
            false => Err(r.damaged()),
        };
    }
    Ok(Some(false))
}

impl Record for NodeRecord {
    const WHAT: &'static str = "node";

    fn write(&self, out: &mut Vec<u8>) {
        varint::push(out, self.labels.len() as u64);
        for l in &self.labels {
            varint::push(out, *l as u64);
        }
        write_props(&self.props, out);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, StorageError> {
        let n = r.varint()?;
        let mut labels = Vec::with_capacity(n.min(64) as usize);
        for _ in 0..n {
            labels.push(r.u32()?);
        }
        Ok(NodeRecord {
            labels,
            props: r.props()?,
        })
    }
}

impl Record for RelRecord {
    const WHAT: &'static str = "relationship";

    fn write(&self, out: &mut Vec<u8>) {
        write_rel_ends(self.rel_type, self.src, self.dst, out);
        write_props(&self.props, out);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, StorageError> {
        Ok(RelRecord {
            rel_type: r.u32()?,
            src: r.varint()?,
            dst: r.varint()?,
            props: r.props()?,
        })
    }
}

/// A link's properties in their stored form, encoded where a bulk load
/// parses them (its reader thread) and copied into the record as they are:
/// a row's values need no allocation of their own for the writing thread
/// to free (at ten million links, a seventh of the loading thread's time
/// went to freeing what the reader had made).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct EncodedProps(Vec<u8>);

impl EncodedProps {
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Adds a property; a null one is not stored.
    pub fn push(&mut self, key: u32, value: &Value) {
        if !value.is_null() {
            varint::push(&mut self.0, key as u64);
            write_value(value, &mut self.0);
        }
    }

    /// Adds a string property, as `push` of `Value::String` would.
    pub fn push_str(&mut self, key: u32, s: &str) {
        varint::push(&mut self.0, key as u64);
        write_str(s, &mut self.0);
    }
}

/// Link records encoded back to back: a block of them as a bulk load
/// stages it, in one buffer that is reused.
#[derive(Debug, Default)]
pub struct EncodedRels {
    bytes: Vec<u8>,
    /// Where each record ends in `bytes`.
    ends: Vec<usize>,
}

impl EncodedRels {
    pub fn push(&mut self, rec: &RelRecord) {
        self.bytes.push(RECORD_VERSION);
        rec.write(&mut self.bytes);
        self.ends.push(self.bytes.len());
    }

    /// Adds the record `push` would of a link with these properties.
    pub fn push_parts(&mut self, rel_type: u32, src: u64, dst: u64, props: &EncodedProps) {
        self.bytes.push(RECORD_VERSION);
        write_rel_ends(rel_type, src, dst, &mut self.bytes);
        self.bytes.extend_from_slice(&props.0);
        self.ends.push(self.bytes.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    /// The records in the order they were pushed.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(a, &b)| &self.bytes[a..b])
    }
}

fn write_rel_ends(rel_type: u32, src: u64, dst: u64, out: &mut Vec<u8>) {
    varint::push(out, rel_type as u64);
    varint::push(out, src);
    varint::push(out, dst);
}

fn write_props(props: &[(u32, Value)], out: &mut Vec<u8>) {
    for (k, v) in props {
        if !v.is_null() {
            varint::push(out, *k as u64);
            write_value(v, out);
        }
    }
}

/// `x` as `(scale, mantissa)` when `mantissa / 10^scale` gives back exactly
/// the same bits (so -0.0, NaN and long fractions keep the 8-byte form).
fn as_decimal(x: f64) -> Option<(u8, i64)> {
    if !x.is_finite() || x == 0.0 && x.is_sign_negative() {
        return None;
    }
    for (scale, p) in POW10.iter().enumerate() {
        let m = (x * p).round();
        if m.abs() >= 9.0e15 {
            return None;
        }
        if (m / p).to_bits() == x.to_bits() {
            return Some((scale as u8, m as i64));
        }
    }
    None
}

fn write_temporal(t: &Temporal, out: &mut Vec<u8>) {
    let z = |out: &mut Vec<u8>, i: i64| varint::push(out, varint::zigzag(i));
    match t {
        Temporal::LocalTime(t) => {
            out.push(tag::LOCAL_TIME);
            varint::push(out, t.nanos);
        }
        Temporal::Time(t) => {
            out.push(tag::TIME);
            varint::push(out, t.nanos);
            z(out, t.offset as i64);
        }
        Temporal::LocalDateTime(t) => {
            out.push(tag::LOCAL_DATE_TIME);
            z(out, t.days);
            varint::push(out, t.nanos);
        }
        Temporal::DateTime(t) => {
            out.push(tag::DATE_TIME);
            z(out, t.local.days);
            varint::push(out, t.local.nanos);
            z(out, t.offset as i64);
            let name = t.zone.as_deref().unwrap_or("");
            varint::push(out, name.len() as u64);
            out.extend_from_slice(name.as_bytes());
        }
        Temporal::Duration(d) => {
            out.push(tag::DURATION);
            z(out, d.months);
            z(out, d.days);
            z(out, d.seconds);
            varint::push(out, d.nanos as u64);
        }
    }
}

fn write_str(s: &str, out: &mut Vec<u8>) {
    out.push(tag::STRING);
    varint::push(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn write_value(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.push(tag::NULL),
        Value::Bool(false) => out.push(tag::FALSE),
        Value::Bool(true) => out.push(tag::TRUE),
        Value::Int(i) => {
            out.push(tag::INT);
            varint::push(out, varint::zigzag(*i));
        }
        Value::Float(f) => match as_decimal(*f) {
            Some((scale, m)) => {
                out.push(tag::DECIMAL);
                out.push(scale);
                varint::push(out, varint::zigzag(m));
            }
            None => {
                out.push(tag::FLOAT);
                out.extend_from_slice(&f.to_le_bytes());
            }
        },
        Value::String(s) => write_str(s, out),
        Value::Date(d) => {
            out.push(tag::DATE);
            varint::push(out, varint::zigzag(d.year as i64));
            out.push(d.month.unwrap_or(0));
            out.push(d.day.unwrap_or(0));
        }
        Value::Temporal(t) => write_temporal(t, out),
        Value::Estimate(e) => {
            out.push(tag::ESTIMATE);
            out.extend_from_slice(&e.lo.to_le_bytes());
            out.extend_from_slice(&e.hi.to_le_bytes());
        }
        Value::List(items) => {
            out.push(tag::LIST);
            varint::push(out, items.len() as u64);
            for i in items {
                write_value(i, out);
            }
        }
        Value::Map(m) => {
            out.push(tag::MAP);
            varint::push(out, m.len() as u64);
            for (k, v) in m {
                varint::push(out, k.len() as u64);
                out.extend_from_slice(k.as_bytes());
                write_value(v, out);
            }
        }
        Value::Node(id) => {
            out.push(tag::NODE);
            varint::push(out, *id);
        }
        Value::Rel(id) => {
            out.push(tag::REL);
            varint::push(out, *id);
        }
        Value::Path(p) => {
            out.push(tag::PATH);
            varint::push(out, p.nodes.len() as u64);
            for n in &p.nodes {
                varint::push(out, *n);
            }
            varint::push(out, p.rels.len() as u64);
            for r in &p.rels {
                varint::push(out, *r);
            }
        }
    }
}

/// A cursor over one record's bytes; every read is bounds-checked.
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    what: &'static str,
}

/// The position of the value of property `key` among the properties from
/// `at` on (`None` inside: absent), stepping over plain values only: `None`
/// at anything else, or at damage.
fn seek_plain(bytes: &[u8], mut at: usize, key: u32) -> Option<Option<usize>> {
    while at < bytes.len() {
        let k = varint::read(bytes, &mut at)?;
        if k == u64::from(key) {
            return Some(Some(at));
        }
        if k > u64::from(u32::MAX) {
            return None;
        }
        let t = *bytes.get(at)?;
        at += 1;
        let n = match t {
            tag::NULL | tag::FALSE | tag::TRUE => 0,
            tag::INT | tag::NODE | tag::REL => {
                varint::read(bytes, &mut at)?;
                0
            }
            tag::FLOAT => 8,
            tag::DECIMAL => {
                bytes.get(at)?;
                at += 1;
                varint::read(bytes, &mut at)?;
                0
            }
            tag::STRING => varint::read(bytes, &mut at)?,
            tag::DATE => {
                varint::read(bytes, &mut at)?;
                2
            }
            tag::ESTIMATE => 16,
            _ => return None,
        };
        at = at
            .checked_add(usize::try_from(n).ok()?)
            .filter(|&end| end <= bytes.len())?;
    }
    Some(None)
}

impl<'a> Reader<'a> {
    fn open(bytes: &'a [u8], what: &'static str) -> Result<Reader<'a>, StorageError> {
        match bytes.first() {
            Some(&RECORD_VERSION) => Ok(Reader { bytes, at: 1, what }),
            Some(v) => Err(StorageError::Format(format!(
                "{what} record has version {v}, this build reads version {RECORD_VERSION}"
            ))),
            None => Err(StorageError::Corrupt(format!("empty {what} record"))),
        }
    }

    fn damaged(&self) -> StorageError {
        StorageError::Corrupt(format!(
            "damaged {} record (byte {} of {})",
            self.what,
            self.at,
            self.bytes.len()
        ))
    }

    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn varint(&mut self) -> Result<u64, StorageError> {
        varint::read(self.bytes, &mut self.at).ok_or_else(|| self.damaged())
    }

    fn u32(&mut self) -> Result<u32, StorageError> {
        let v = self.varint()?;
        u32::try_from(v).map_err(|_| self.damaged())
    }

    /// Nanoseconds within one day; more is damage.
    fn day_nanos(&mut self) -> Result<u64, StorageError> {
        let n = self.varint()?;
        if n >= crate::value::temporal::NANOS_PER_DAY as u64 {
            return Err(self.damaged());
        }
        Ok(n)
    }

    /// A UTC offset in seconds, within ±18 hours.
    fn offset(&mut self) -> Result<i32, StorageError> {
        let o = varint::unzigzag(self.varint()?);
        if o.abs() > 18 * 3600 {
            return Err(self.damaged());
        }
        Ok(o as i32)
    }

    fn byte(&mut self) -> Result<u8, StorageError> {
        let b = *self.bytes.get(self.at).ok_or_else(|| self.damaged())?;
        self.at += 1;
        Ok(b)
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], StorageError> {
        let end = usize::try_from(n)
            .ok()
            .and_then(|n| self.at.checked_add(n))
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| self.damaged())?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn f64(&mut self) -> Result<f64, StorageError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(f64::from_le_bytes(a))
    }

    fn string(&mut self) -> Result<String, StorageError> {
        let n = self.varint()?;
        let b = self.take(n)?;
        String::from_utf8(b.to_vec()).map_err(|_| self.damaged())
    }

    fn props(&mut self) -> Result<Vec<(u32, Value)>, StorageError> {
        let mut out = Vec::new();
        while !self.done() {
            let k = self.u32()?;
            out.push((k, self.value(0)?));
        }
        Ok(out)
    }

    fn find_prop(&mut self, key: u32) -> Result<Option<Value>, StorageError> {
        match self.seek(key)? {
            true => self.value(0).map(Some),
            false => Ok(None),
        }
    }

    /// Moves to the value of property `key` among the properties from here
    /// on: false (at the end) when it is absent. Plain values are stepped
    /// over by `seek_plain`, without an error value made and checked at
    /// each step (a link's test in Q8 read five properties to reach
    /// `confidence`); anything else, or damage, is read the checked way,
    /// from here again, which reports the damage.
    fn seek(&mut self, key: u32) -> Result<bool, StorageError> {
        if let Some(found) = seek_plain(self.bytes, self.at, key) {
            self.at = found.unwrap_or(self.bytes.len());
            return Ok(found.is_some());
        }
        while !self.done() {
            if self.u32()? == key {
                return Ok(true);
            }
            self.skip_value(0)?;
        }
        Ok(false)
    }

    /// A count of items that follow, each at least one byte long.
    fn count(&mut self) -> Result<usize, StorageError> {
        let n = self.varint()?;
        if n > (self.bytes.len() - self.at) as u64 {
            return Err(self.damaged());
        }
        Ok(n as usize)
    }

    fn value(&mut self, depth: usize) -> Result<Value, StorageError> {
        if depth > MAX_DEPTH {
            return Err(self.damaged());
        }
        Ok(match self.byte()? {
            tag::NULL => Value::Null,
            tag::FALSE => Value::Bool(false),
            tag::TRUE => Value::Bool(true),
            tag::INT => Value::Int(varint::unzigzag(self.varint()?)),
            tag::FLOAT => Value::Float(self.f64()?),
            tag::DECIMAL => {
                let scale = self.byte()? as usize;
                let p = *POW10.get(scale).ok_or_else(|| self.damaged())?;
                Value::Float(varint::unzigzag(self.varint()?) as f64 / p)
            }
            tag::STRING => Value::String(self.string()?),
            tag::DATE => {
                let year =
                    i32::try_from(varint::unzigzag(self.varint()?)).map_err(|_| self.damaged())?;
                let month = self.byte()?;
                let day = self.byte()?;
                Value::Date(Date {
                    year,
                    month: (month != 0).then_some(month),
                    day: (day != 0).then_some(day),
                })
            }
            tag::LOCAL_TIME => Value::Temporal(Temporal::LocalTime(LocalTime {
                nanos: self.day_nanos()?,
            })),
            tag::TIME => Value::Temporal(Temporal::Time(Time {
                nanos: self.day_nanos()?,
                offset: self.offset()?,
            })),
            tag::LOCAL_DATE_TIME => Value::Temporal(Temporal::LocalDateTime(LocalDateTime {
                days: varint::unzigzag(self.varint()?),
                nanos: self.day_nanos()?,
            })),
            tag::DATE_TIME => {
                let local = LocalDateTime {
                    days: varint::unzigzag(self.varint()?),
                    nanos: self.day_nanos()?,
                };
                let offset = self.offset()?;
                let zone = self.string()?;
                Value::Temporal(Temporal::DateTime(Box::new(DateTime {
                    local,
                    offset,
                    zone: (!zone.is_empty()).then_some(zone),
                })))
            }
            tag::DURATION => {
                let months = varint::unzigzag(self.varint()?);
                let days = varint::unzigzag(self.varint()?);
                let seconds = varint::unzigzag(self.varint()?);
                let nanos = self.varint()?;
                if nanos >= 1_000_000_000 {
                    return Err(self.damaged());
                }
                Value::Temporal(Temporal::Duration(Box::new(Duration {
                    months,
                    days,
                    seconds,
                    nanos: nanos as i32,
                })))
            }
            tag::ESTIMATE => Value::Estimate(Estimate {
                lo: self.f64()?,
                hi: self.f64()?,
            }),
            tag::LIST => {
                let n = self.count()?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.value(depth + 1)?);
                }
                Value::List(items)
            }
            tag::MAP => {
                let n = self.count()?;
                let mut m = BTreeMap::new();
                for _ in 0..n {
                    let k = self.string()?;
                    m.insert(k, self.value(depth + 1)?);
                }
                Value::Map(m)
            }
            tag::NODE => Value::Node(self.varint()?),
            tag::REL => Value::Rel(self.varint()?),
            tag::PATH => {
                let n = self.count()?;
                let mut nodes = Vec::with_capacity(n);
                for _ in 0..n {
                    nodes.push(self.varint()?);
                }
                let n = self.count()?;
                let mut rels = Vec::with_capacity(n);
                for _ in 0..n {
                    rels.push(self.varint()?);
                }
                Value::Path(Box::new(Path { nodes, rels }))
            }
            _ => return Err(self.damaged()),
        })
    }

    fn skip_value(&mut self, depth: usize) -> Result<(), StorageError> {
        if depth > MAX_DEPTH {
            return Err(self.damaged());
        }
        match self.byte()? {
            tag::NULL | tag::FALSE | tag::TRUE => {}
            tag::INT | tag::NODE | tag::REL => {
                self.varint()?;
            }
            tag::FLOAT => {
                self.take(8)?;
            }
            tag::DECIMAL => {
                self.byte()?;
                self.varint()?;
            }
            tag::STRING => {
                let n = self.varint()?;
                self.take(n)?;
            }
            tag::DATE => {
                self.varint()?;
                self.take(2)?;
            }
            tag::ESTIMATE => {
                self.take(16)?;
            }
            tag::LOCAL_TIME..=tag::DURATION => {
                // Rare in scans: read it whole from its tag.
                self.at -= 1;
                self.value(depth)?;
            }
            tag::LIST => {
                for _ in 0..self.count()? {
                    self.skip_value(depth + 1)?;
                }
            }
            tag::MAP => {
                for _ in 0..self.count()? {
                    let n = self.varint()?;
                    self.take(n)?;
                    self.skip_value(depth + 1)?;
                }
            }
            tag::PATH => {
                for _ in 0..2 {
                    for _ in 0..self.count()? {
                        self.varint()?;
                    }
                }
            }
            _ => return Err(self.damaged()),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_value() -> Vec<Value> {
        vec![
            Value::Bool(true),
            Value::Bool(false),
            Value::Int(-42),
            Value::Int(i64::MAX),
            Value::Int(i64::MIN),
            Value::Float(0.1),
            Value::Float(0.57),
            Value::Float(-2.125),
            Value::Float(1e300),
            Value::Float(-0.0),
            Value::Float(f64::NAN),
            Value::Float(f64::NEG_INFINITY),
            Value::Float(std::f64::consts::PI),
            Value::String("Беларусь, \"quoted\"".into()),
            Value::String(String::new()),
            Value::Date(Date::parse("2022-03").unwrap()),
            Value::Date(Date::parse("2022-03-01").unwrap()),
            Value::Temporal(Temporal::LocalTime(LocalTime {
                nanos: 45_296_000_000_123,
            })),
            Value::Temporal(Temporal::Time(Time {
                nanos: 1,
                offset: -5400,
            })),
            Value::Temporal(Temporal::LocalDateTime(LocalDateTime {
                days: -719_000,
                nanos: 7,
            })),
            Value::Temporal(Temporal::DateTime(Box::new(DateTime {
                local: LocalDateTime {
                    days: 5397,
                    nanos: 0,
                },
                offset: 3600,
                zone: Some("Europe/Stockholm".into()),
            }))),
            Value::Temporal(Temporal::DateTime(Box::new(DateTime {
                local: LocalDateTime { days: 0, nanos: 0 },
                offset: -36_000,
                zone: None,
            }))),
            Value::Temporal(Temporal::Duration(Box::new(Duration {
                months: -149,
                days: 14,
                seconds: -58_390,
                nanos: 999_999_999,
            }))),
            Value::Date(Date::parse("-44").unwrap_or(Date {
                year: -44,
                month: None,
                day: None,
            })),
            Value::Estimate(Estimate { lo: 0.6, hi: 0.7 }),
            Value::List(vec![Value::String("a".into()), Value::Int(2)]),
            Value::List(vec![]),
            Value::Map(BTreeMap::from([("k".to_string(), Value::Int(1))])),
            Value::Node(7),
            Value::Rel(u64::MAX),
            Value::Path(Box::new(Path {
                nodes: vec![1, 2],
                rels: vec![3],
            })),
        ]
    }

    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
            _ => a == b,
        }
    }

    #[test]
    fn records_round_trip_every_value_type_bit_for_bit() {
        let props: Vec<(u32, Value)> = every_value()
            .into_iter()
            .enumerate()
            .map(|(i, v)| (i as u32 + 1, v))
            .collect();
        let node = NodeRecord {
            labels: vec![0, 3],
            props: props.clone(),
        };
        let back = decode::<NodeRecord>(&encode(&node)).unwrap();
        assert_eq!(back.labels, node.labels);
        assert_eq!(back.props.len(), props.len());
        for ((k1, v1), (k2, v2)) in back.props.iter().zip(&props) {
            assert_eq!(k1, k2);
            assert!(same(v1, v2), "{v1:?} != {v2:?}");
        }
        let rel = RelRecord {
            rel_type: 2,
            src: 1,
            dst: u64::MAX,
            props,
        };
        let bytes = encode(&rel);
        let back = decode::<RelRecord>(&bytes).unwrap();
        assert_eq!((back.rel_type, back.src, back.dst), (2, 1, u64::MAX));
        assert_eq!(rel_ends(&bytes).unwrap(), (2, 1, u64::MAX));
        // One pass hands over every property in order, each decodable alone.
        let mut seen = Vec::new();
        let ends = rel_scan(&bytes, |k, raw| {
            seen.push((k, decode_value(raw)?));
            Ok(true)
        })
        .unwrap();
        assert_eq!(ends, (2, 1, u64::MAX));
        assert_eq!(seen.len(), rel.props.len());
        for ((k1, v1), (k2, v2)) in seen.iter().zip(&rel.props) {
            assert_eq!(k1, k2);
            assert!(same(v1, v2), "{v1:?} != {v2:?}");
        }
        // A scan told to stop hands over nothing more.
        let mut calls = 0;
        let ends = rel_scan(&bytes, |_, _| {
            calls += 1;
            Ok(calls < 2)
        })
        .unwrap();
        assert_eq!((ends, calls), ((2, 1, u64::MAX), 2));
    }

    /// A bulk load's records, encoded in parts, are the bytes `encode`
    /// gives, back to back: every value type, a null left out, strings
    /// pushed as text, no properties at all.
    #[test]
    fn records_encoded_in_parts_are_those_encoded_whole() {
        let mut props: Vec<(u32, Value)> = every_value()
            .into_iter()
            .enumerate()
            .map(|(i, v)| (i as u32 + 1, v))
            .collect();
        props.insert(2, (99, Value::Null));
        props.push((7, Value::String("é, \"quoted\"".into())));
        let whole = RelRecord {
            rel_type: 3,
            src: 300,
            dst: u64::MAX,
            props: props.clone(),
        };
        let mut parts = EncodedProps::default();
        parts.push(5, &Value::Int(1));
        parts.clear();
        for (k, v) in &props {
            match v {
                Value::String(s) => parts.push_str(*k, s),
                v => parts.push(*k, v),
            }
        }
        let bare = RelRecord {
            rel_type: 0,
            src: 0,
            dst: 1,
            props: Vec::new(),
        };
        let mut rels = EncodedRels::default();
        rels.push_parts(3, 300, u64::MAX, &parts);
        rels.push(&bare);
        rels.push_parts(0, 0, 1, &EncodedProps::default());
        rels.push(&whole);
        assert_eq!(rels.len(), 4);
        let got: Vec<&[u8]> = rels.iter().collect();
        let (whole, bare) = (encode(&whole), encode(&bare));
        assert_eq!(got, [&whole[..], &bare[..], &bare[..], &whole[..]]);
        rels.clear();
        assert!(rels.is_empty() && rels.iter().next().is_none());
    }

    #[test]
    fn one_property_reads_alone_and_nulls_are_not_stored() {
        let rel = RelRecord {
            rel_type: 1,
            src: 10,
            dst: 20,
            props: vec![
                (0, Value::String("ammunition".into())),
                (1, Value::Null),
                (2, Value::Float(0.57)),
                (3, Value::List(vec![Value::Int(1)])),
                (4, Value::Int(2020)),
            ],
        };
        let b = encode(&rel);
        assert_eq!(rel_prop(&b, 4).unwrap(), Some(Value::Int(2020)));
        assert_eq!(rel_prop(&b, 2).unwrap(), Some(Value::Float(0.57)));
        assert_eq!(rel_prop(&b, 1).unwrap(), None);
        assert_eq!(rel_prop(&b, 9).unwrap(), None);
        assert_eq!(decode::<RelRecord>(&b).unwrap().props.len(), 4);
        // A string compared in place: equal, unequal, absent, not a string.
        assert_eq!(rel_prop_is_str(&b, 0, "ammunition").unwrap(), Some(true));
        assert_eq!(rel_prop_is_str(&b, 0, "ammunitio").unwrap(), Some(false));
        assert_eq!(rel_prop_is_str(&b, 0, "").unwrap(), Some(false));
        assert_eq!(rel_prop_is_str(&b, 9, "ammunition").unwrap(), Some(false));
        assert_eq!(rel_prop_is_str(&b, 1, "ammunition").unwrap(), Some(false));
        assert_eq!(rel_prop_is_str(&b, 3, "ammunition").unwrap(), None);
        assert_eq!(rel_prop_is_str(&b, 4, "2020").unwrap(), None);
        // A stored string that is not UTF-8 is damage, as when decoded.
        let mut bad = encode(&RelRecord {
            rel_type: 1,
            src: 10,
            dst: 20,
            props: vec![(0, Value::String("ab".into()))],
        });
        let last = bad.len() - 1;
        bad[last] = 0xff;
        assert!(rel_prop(&bad, 0).is_err());
        assert!(rel_prop_is_str(&bad, 0, "ab").is_err());
        let node = NodeRecord {
            labels: vec![4, 9],
            props: vec![
                (2, Value::Int(7)),
                (5, Value::String("belarus".into())),
                (6, Value::List(vec![Value::String("x".into())])),
            ],
        };
        let b = encode(&node);
        // Whether a property is a string, from its tag: after another, not
        // a string, absent.
        assert!(node_prop_is_string(&b, 5).unwrap());
        assert!(!node_prop_is_string(&b, 2).unwrap());
        assert!(!node_prop_is_string(&b, 6).unwrap());
        assert!(!node_prop_is_string(&b, 8).unwrap());
        assert!(node_prop_is_string(&b[..b.len() - 1], 8).is_err());
        assert!(node_has_labels(&b, &[9, 4]).unwrap());
        assert!(node_has_labels(&b, &[]).unwrap());
        assert!(!node_has_labels(&b, &[4, 5]).unwrap());
        assert!(node_has_labels(&b, &[4, 4]).unwrap());
        assert!(!node_has_labels(&b, &[5, 5]).unwrap());
        assert_eq!(
            node_prop(&b, 5).unwrap(),
            Some(Value::String("belarus".into()))
        );
        // A node's string compared in place, past its labels: equal,
        // unequal, absent, a list holding it, not a string, cut short.
        assert_eq!(node_prop_is_str(&b, 5, "belarus").unwrap(), Some(true));
        assert_eq!(node_prop_is_str(&b, 5, "belaru").unwrap(), Some(false));
        assert_eq!(node_prop_is_str(&b, 8, "belarus").unwrap(), Some(false));
        assert_eq!(node_prop_is_str(&b, 6, "x").unwrap(), None);
        assert_eq!(node_prop_is_str(&b, 2, "7").unwrap(), None);
        assert!(node_prop_is_str(&b[..b.len() - 1], 8, "x").is_err());
        // Both from one read: the labels' verdict, and the string's only
        // for a node that has them.
        let both = |labels: &[u32], key, want| node_has_labels_and_str(&b, labels, key, want);
        assert_eq!(both(&[9], 5, "belarus").unwrap(), (true, Some(true)));
        assert_eq!(both(&[4, 9], 5, "belaru").unwrap(), (true, Some(false)));
        assert_eq!(both(&[4, 5], 5, "belarus").unwrap(), (false, None));
        assert_eq!(both(&[], 6, "x").unwrap(), (true, None));
        assert_eq!(both(&[4], 8, "x").unwrap(), (true, Some(false)));
        for n in [64, 70] {
            let mut many: Vec<u32> = (0..n).map(|i| [4, 9][i % 2]).collect();
            assert_eq!(both(&many, 5, "belarus").unwrap(), (true, Some(true)));
            many[n - 1] = 5;
            assert_eq!(both(&many, 5, "belarus").unwrap(), (false, None), "{n}");
        }
        assert!(node_has_labels_and_str(&b[..b.len() - 1], &[4], 8, "x").is_err());
    }

    /// The checked way alone, as `Reader::seek` reads when `seek_plain`
    /// gives up.
    fn checked_prop(bytes: &[u8], key: u32) -> Result<Option<Value>, StorageError> {
        let mut r = Reader::open(bytes, RelRecord::WHAT)?;
        r.varint()?;
        r.varint()?;
        r.varint()?;
        while !r.done() {
            if r.u32()? == key {
                return r.value(0).map(Some);
            }
            r.skip_value(0)?;
        }
        Ok(None)
    }

    /// Stepping over plain values unchecked finds what the checked way
    /// finds, and fails where it fails (the same error): every key of a
    /// record of every value kind, and one absent, over every cut of it and
    /// with each byte flipped.
    #[test]
    fn a_plain_seek_reads_as_the_checked_way() {
        // Every kind in one record, and then the plain kinds alone (in the
        // first, the walk gives up at the first temporal value).
        let plain = |v: &Value| {
            let mut b = Vec::new();
            write_value(v, &mut b);
            !matches!(b[0], tag::LIST | tag::MAP | tag::PATH) && b[0] < tag::LOCAL_TIME
        };
        for only_plain in [false, true] {
            let mut props: Vec<(u32, Value)> = every_value()
                .into_iter()
                .filter(|v| !only_plain || plain(v))
                .enumerate()
                .map(|(i, v)| (i as u32 * 3, v))
                .collect();
            props.push((u32::MAX, Value::Float(0.5)));
            seeks_agree(&props);
        }
    }

    fn seeks_agree(props: &[(u32, Value)]) {
        let bytes = encode(&RelRecord {
            rel_type: 1,
            src: 300,
            dst: 5,
            props: props.to_vec(),
        });
        let keys: Vec<u32> = props.iter().map(|p| p.0).chain([1, 7]).collect();
        let agree = |b: &[u8], key: u32| {
            // As printed: a NaN (in a damaged record) equals itself.
            let (fast, slow) = (rel_prop(b, key), checked_prop(b, key));
            assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "key {key}");
            // A number read in place is the checked read's, or nothing for
            // another kind, which is left undecoded (damage in it too).
            let number = slow.map(|v| match v {
                None | Some(Value::Null) => Some(Number::Null),
                Some(Value::Int(i)) => Some(Number::Int(i)),
                Some(Value::Float(f)) => Some(Number::Float(f)),
                Some(_) => None,
            });
            match (rel_prop_number(b, key), number) {
                (Ok(None), Err(_)) => {}
                (read, number) => {
                    assert_eq!(format!("{read:?}"), format!("{number:?}"), "key {key}")
                }
            }
        };
        for &k in &keys {
            assert_eq!(
                rel_prop(&bytes, k).unwrap().is_some(),
                k % 3 == 0 || k == u32::MAX
            );
            for cut in 0..=bytes.len() {
                agree(&bytes[..cut], k);
            }
            let mut flipped = bytes.clone();
            for i in 1..flipped.len() {
                for bits in [0xa5, 0x80, 0x01] {
                    flipped[i] ^= bits;
                    agree(&flipped, k);
                    flipped[i] ^= bits;
                }
            }
        }
    }

    #[test]
    fn typical_floats_take_three_bytes() {
        let mut out = Vec::new();
        write_value(&Value::Float(0.57), &mut out);
        assert_eq!(out.len(), 3);
        out.clear();
        write_value(&Value::Float(0.123), &mut out);
        assert_eq!(out.len(), 4);
    }

    #[test]
    fn damaged_records_are_errors_not_panics() {
        let bytes = encode(&RelRecord {
            rel_type: 1,
            src: 300,
            dst: 5,
            props: every_value()
                .into_iter()
                .enumerate()
                .map(|(i, v)| (i as u32, v))
                .collect(),
        });
        for cut in 0..bytes.len() {
            let _ = decode::<RelRecord>(&bytes[..cut]);
            let _ = rel_prop(&bytes[..cut], 20);
            let _ = rel_scan(&bytes[..cut], |_, raw| decode_value(raw).map(|_| true));
            let _ = decode_value(&bytes[cut..]);
            let _ = decode::<NodeRecord>(&bytes[..cut]);
        }
        let mut flipped = bytes.clone();
        for i in 1..flipped.len() {
            flipped[i] ^= 0xa5;
            let _ = decode::<RelRecord>(&flipped);
            let _ = rel_prop(&flipped, 3);
            let _ = rel_scan(&flipped, |_, raw| decode_value(raw).map(|_| true));
            flipped[i] ^= 0xa5;
        }
        assert!(matches!(
            decode::<NodeRecord>(&[9, 0]),
            Err(StorageError::Format(_))
        ));
        assert!(decode::<NodeRecord>(&[RECORD_VERSION, 0xff, 0xff, 0xff]).is_err());
        // A list claiming more items than there are bytes.
        assert!(decode::<NodeRecord>(&[RECORD_VERSION, 0, 1, tag::LIST, 0x7f]).is_err());
    }
}

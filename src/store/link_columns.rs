//! Committed links as columns, kept between statements for scans that
//! aggregate over every link (`exec::link_aggregate`): the type and ends of
//! every link in three arrays, and each property asked for as one code per
//! link into the values it takes. Such a scan then walks a few arrays
//! instead of decoding a million records, and a grouping key that is one
//! property groups by code.
//!
//! Built on first use from the records, or from the columns a load kept
//! on disk (`link_chunks.rs`) where they answer. Any commit that writes a link
//! record drops all of it (`Graph::commit`), and a transaction that has
//! staged a link reads its records instead, so a column never answers with
//! anything but the records' current values. Concurrent reads share it
//! behind a mutex, taken only to look up or keep columns, never while one
//! is built (two reads may then build the same column; one is kept).

use super::{codec, keys, link_chunks, StorageError};
use crate::two_threads::beside;
use crate::value::Value;
use fxhash::FxHashMap;
use parking_lot::Mutex;
use std::sync::Arc;

/// Code of a link that lacks the property, and type of an empty slot.
pub const ABSENT: u32 = u32::MAX;

/// Bytes kept by default: the ends and a few properties of ten million links.
pub const DEFAULT_CAPACITY: usize = 512 << 20;

/// Distinct encoded values a column shares before it stops looking values
/// up (a column of mostly distinct numbers then costs no table).
const DICTIONARY_LIMIT: usize = 1 << 16;

/// Type, source and target of every link slot, by link id.
pub struct Ends {
    /// `ABSENT` for a slot without a link (never created, or deleted).
    pub ty: Vec<u32>,
    /// Empty when built without them (`EndsWanted::Types`).
    pub src: Vec<u64>,
    pub dst: Vec<u64>,
}

/// What a build makes of the links' ends. An aggregate that reads no
/// node (Q6) needs the types only, which the columns on disk hold; the
/// sources and targets are read from the records.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EndsWanted {
    /// None: the build makes columns only (`Builder::finish` gives no ends).
    None,
    Types,
    Nodes,
}

/// One property of every link: `values[codes[id]]`, or absent.
pub struct Column {
    pub codes: Vec<u32>,
    pub values: Vec<Value>,
}

impl Column {
    /// The property of link slot `i` (`None`: absent).
    pub fn get(&self, i: usize) -> Option<&Value> {
        self.values.get(*self.codes.get(i)? as usize)
    }

    /// Where link slot `i` stands in a memo kept per value (`memo_len`
    /// entries): its code, or after every code when the link lacks the
    /// property.
    pub fn memo_index(&self, i: usize) -> Option<usize> {
        let code = *self.codes.get(i)?;
        Some(match code {
            ABSENT => self.values.len(),
            c => c as usize,
        })
    }

    /// Hints that link slot `i`'s code will be read soon.
    pub fn prefetch(&self, i: usize) {
        if let Some(c) = self.codes.get(i) {
            crate::prefetch::prefetch_line(c);
        }
    }

    pub fn memo_len(&self) -> usize {
        self.values.len() + 1
    }

    fn bytes(&self) -> usize {
        let heap: usize = self
            .values
            .iter()
            .map(|v| match v {
                Value::String(s) => s.len(),
                Value::List(items) => items.len() * std::mem::size_of::<Value>(),
                _ => 0,
            })
            .sum();
        self.codes.len() * 4 + self.values.len() * std::mem::size_of::<Value>() + heap
    }
}

/// Bytes of the ends of one link slot.
const ENDS_BYTES: usize = 20;

impl Ends {
    fn bytes(&self) -> usize {
        self.ty.len() * 4 + (self.src.len() + self.dst.len()) * 8
    }

    /// Whether the sources and targets were built.
    pub fn has_nodes(&self) -> bool {
        self.src.len() == self.ty.len() && self.dst.len() == self.ty.len()
    }
}

/// The columns one scan asked for.
pub struct LinkColumns {
    pub ends: Arc<Ends>,
    /// (property key, its column), in the order asked for.
    pub columns: Vec<(u32, Arc<Column>)>,
}

impl LinkColumns {
    /// The column of property `key`, if it was asked for.
    pub fn column(&self, key: u32) -> Option<&Column> {
        self.columns
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, c)| c.as_ref())
    }
}

/// The kept columns of a graph.
pub struct ColumnCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    ends: Option<Arc<Ends>>,
    columns: FxHashMap<u32, Arc<Column>>,
    bytes: usize,
    capacity: usize,
}

impl ColumnCache {
    pub fn new(capacity: usize) -> ColumnCache {
        ColumnCache {
            inner: Mutex::new(Inner {
                capacity,
                ..Inner::default()
            }),
        }
    }

    pub fn clear(&self) {
        let mut c = self.inner.lock();
        c.ends = None;
        c.columns.clear();
        c.bytes = 0;
    }

    /// Bytes kept now.
    pub fn bytes(&self) -> usize {
        self.inner.lock().bytes
    }

    /// The column of `key`, if one is kept.
    pub fn kept(&self, key: u32) -> Option<Arc<Column>> {
        self.inner.lock().columns.get(&key).cloned()
    }

    /// What is kept of the ends and of each column of `keys`.
    fn get(&self, keys: &[u32]) -> (Option<Arc<Ends>>, Vec<Option<Arc<Column>>>) {
        let c = self.inner.lock();
        (
            c.ends.clone(),
            keys.iter().map(|k| c.columns.get(k).cloned()).collect(),
        )
    }

    /// Keeps what was just built; when full, first drops the other columns.
    /// Something larger than the whole capacity is used once and not kept.
    fn keep(&self, ends: Option<&Arc<Ends>>, columns: &[(u32, Arc<Column>)]) {
        let mut c = self.inner.lock();
        // Ends with nodes are not given up for ends without.
        let lesser = |kept: &Ends, new: &Ends| kept.has_nodes() && !new.has_nodes();
        if let Some(e) = ends.filter(|e| !c.ends.as_ref().is_some_and(|k| lesser(k, e))) {
            if e.bytes() <= c.capacity {
                // Another read may have kept the same ends meanwhile.
                if let Some(old) = c.ends.take() {
                    c.bytes -= old.bytes();
                }
                c.bytes += e.bytes();
                c.ends = Some(e.clone());
            }
        }
        for (k, col) in columns {
            let size = col.bytes();
            if let Some(old) = c.columns.remove(k) {
                c.bytes -= old.bytes();
            }
            if c.bytes + size > c.capacity {
                let ends = c.ends.as_ref().map_or(0, |e| e.bytes());
                c.columns.clear();
                c.bytes = ends;
            }
            if c.bytes + size <= c.capacity {
                c.bytes += size;
                c.columns.insert(*k, col.clone());
            }
        }
    }
}

/// One column on its way: the code of every link slot, and its values
/// once the parts that found them are joined.
struct ColumnBuilder {
    key: u32,
    codes: Vec<u32>,
    values: Vec<Value>,
}

/// The values one part found for one column, and while there are few of
/// them, the code of each encoded value.
struct PartValues {
    values: Vec<Value>,
    dictionary: Option<FxHashMap<Box<[u8]>, u32>>,
}

impl PartValues {
    fn new() -> PartValues {
        PartValues {
            values: Vec::new(),
            dictionary: Some(FxHashMap::default()),
        }
    }

    /// The code of encoded value `raw`, a new one if not seen yet.
    fn code(&mut self, raw: &[u8]) -> Result<u32, StorageError> {
        if let Some(&code) = self.dictionary.as_ref().and_then(|d| d.get(raw)) {
            return Ok(code);
        }
        let code = next_code(self.values.len())?;
        self.values.push(codec::decode_value(raw)?);
        if let Some(d) = &mut self.dictionary {
            if d.len() < DICTIONARY_LIMIT {
                d.insert(raw.into(), code);
            } else {
                self.dictionary = None;
            }
        }
        Ok(code)
    }
}

/// The code after `len` values, if it is not `ABSENT` or beyond.
fn next_code(len: usize) -> Result<u32, StorageError> {
    u32::try_from(len)
        .ok()
        .filter(|&c| c != ABSENT)
        .ok_or_else(|| StorageError::Corrupt("too many link values for a column".into()))
}

/// The ends of a run of link slots, being filled.
struct EndsPart<'b> {
    ty: &'b mut [u32],
    /// Sources and targets, when wanted.
    nodes: Option<(&'b mut [u64], &'b mut [u64])>,
}

/// The link slots from `base` on of a build, filled by `add` from their
/// records, apart from the other part (on another thread).
pub struct Part<'b> {
    base: usize,
    len: usize,
    ends: Option<EndsPart<'b>>,
    keys: Vec<u32>,
    codes: Vec<&'b mut [u32]>,
    values: Vec<PartValues>,
    /// Where each missing property's encoded value lies in the current record.
    found: Vec<Option<(usize, usize)>>,
}

impl<'b> Part<'b> {
    fn new(
        base: usize,
        len: usize,
        ends: Option<EndsPart<'b>>,
        codes: Vec<&'b mut [u32]>,
        keys: &[u32],
    ) -> Part<'b> {
        Part {
            base,
            len,
            ends,
            keys: keys.to_vec(),
            values: codes.iter().map(|_| PartValues::new()).collect(),
            found: vec![None; codes.len()],
            codes,
        }
    }

    /// The link slots this part fills.
    pub fn slots(&self) -> std::ops::Range<u64> {
        self.base as u64..(self.base + self.len) as u64
    }

    /// The properties this part builds columns of.
    pub fn keys(&self) -> &[u32] {
        &self.keys
    }

    /// Whether this part fills the types of links.
    pub fn wants_types(&self) -> bool {
        self.ends.is_some()
    }

    /// Whether this part fills the sources and targets of links.
    pub fn wants_nodes(&self) -> bool {
        self.ends.as_ref().is_some_and(|e| e.nodes.is_some())
    }

    /// Takes the links of the chunk from link slot `first` on, from its
    /// columns on disk: `types` by slot in the chunk, and for each of
    /// `keys()` its column (`None`: no link has the property). Only the
    /// chunk's slots within `slots()` are read; the sources and targets
    /// must not be wanted.
    pub fn add_chunk(
        &mut self,
        first: u64,
        types: &[u32],
        columns: &[Option<link_chunks::Column>],
    ) -> Result<(), StorageError> {
        let damaged = || StorageError::Corrupt("link column chunk does not fit its build".into());
        if self.wants_nodes() || columns.len() != self.keys.len() {
            return Err(damaged());
        }
        let range = self.slots();
        let chunk = keys::CHUNK_LINKS as u64;
        let (lo, hi) = (first.max(range.start), (first + chunk).min(range.end));
        if self.ends.is_some() && types.len() != keys::CHUNK_LINKS {
            return Err(damaged());
        }
        if lo >= hi {
            return Ok(());
        }
        let at = |id: u64| ((id - first) as usize, (id - range.start) as usize);
        if let Some(e) = &mut self.ends {
            for id in lo..hi {
                let (s, p) = at(id);
                e.ty[p] = types[s];
            }
        }
        for (j, col) in columns.iter().enumerate() {
            let Some(col) = col else {
                continue;
            };
            let moved = (0..col.values())
                .map(|c| self.values[j].code(col.value(c)))
                .collect::<Result<Vec<u32>, _>>()?;
            for id in lo..hi {
                let (s, p) = at(id);
                if let Some(c) = col.codes[s].checked_sub(1) {
                    self.codes[j][p] = moved[c as usize];
                }
            }
        }
        Ok(())
    }

    /// Takes the record of link `id`, one of `slots()`.
    pub fn add(&mut self, id: u64, bytes: &[u8]) -> Result<(), StorageError> {
        let i = usize::try_from(id)
            .ok()
            .and_then(|i| i.checked_sub(self.base))
            .filter(|&i| i < self.len)
            .ok_or_else(|| StorageError::Corrupt(format!("link {id} beyond the link counter")))?;
        self.found.iter_mut().for_each(|f| *f = None);
        let (keys, found) = (&self.keys, &mut self.found);
        let base = bytes.as_ptr() as usize;
        // Once every property wanted is found, the rest is not read (Q6
        // wants the first two of a link's eight).
        let mut missing = keys.len();
        let (ty, src, dst) = codec::rel_scan(bytes, |k, raw| {
            if missing == 0 {
                return Ok(false);
            }
            // The first of a key counts, as for `codec::rel_prop`.
            if let Some(j) = keys.iter().position(|&c| c == k) {
                if found[j].is_none() {
                    let at = raw.as_ptr() as usize - base;
                    found[j] = Some((at, at + raw.len()));
                    missing -= 1;
                }
            }
            Ok(missing > 0)
        })?;
        if let Some(e) = &mut self.ends {
            e.ty[i] = ty;
            if let Some((s, d)) = &mut e.nodes {
                s[i] = src;
                d[i] = dst;
            }
        }
        for (j, f) in self.found.iter().enumerate() {
            if let Some((a, b)) = *f {
                self.codes[j][i] = self.values[j].code(&bytes[a..b])?;
            }
        }
        Ok(())
    }
}

/// Builds the columns of one scan: the kept ones are reused, the missing
/// ones (and the ends, if not kept) are filled from each link record in
/// one pass (`fill`), and kept by `finish`. Dropped unfinished (the pass
/// failed or was cancelled), it keeps nothing.
pub struct Builder<'c> {
    cache: &'c ColumnCache,
    keys: Vec<u32>,
    slots: usize,
    ends: EndsState,
    kept: Vec<Option<Arc<Column>>>,
    columns: Vec<ColumnBuilder>,
}

/// The ends of a build.
enum EndsState {
    Kept(Arc<Ends>),
    Building(Ends),
    NotWanted,
}

impl<'c> Builder<'c> {
    /// `None` when the ends of all link slots would not fit the cache
    /// (scans then read the records).
    pub fn new(
        cache: &'c ColumnCache,
        slots: u64,
        keys: &[u32],
        wanted: EndsWanted,
    ) -> Option<Builder<'c>> {
        let n = usize::try_from(slots).ok()?;
        if n.checked_mul(ENDS_BYTES)? > cache.inner.lock().capacity {
            return None;
        }
        let mut keys = keys.to_vec();
        keys.sort_unstable();
        keys.dedup();
        let (ends, kept) = cache.get(&keys);
        let columns: Vec<ColumnBuilder> = keys
            .iter()
            .zip(&kept)
            .filter(|(_, c)| c.is_none())
            .map(|(&key, _)| ColumnBuilder {
                key,
                codes: vec![ABSENT; n],
                values: Vec::new(),
            })
            .collect();
        let nodes = wanted == EndsWanted::Nodes;
        let ends = match ends {
            _ if wanted == EndsWanted::None => EndsState::NotWanted,
            Some(e) if e.has_nodes() || !nodes => EndsState::Kept(e),
            _ => EndsState::Building(Ends {
                ty: vec![ABSENT; n],
                src: if nodes { vec![0; n] } else { Vec::new() },
                dst: if nodes { vec![0; n] } else { Vec::new() },
            }),
        };
        Some(Builder {
            cache,
            keys,
            slots: n,
            ends,
            kept,
            columns,
        })
    }

    /// Whether anything must be read from the records.
    pub fn has_work(&self) -> bool {
        matches!(self.ends, EndsState::Building(_)) || !self.columns.is_empty()
    }

    /// Fills the link slots below `at` and those from `at` on as two parts,
    /// each by `fill` (which adds the record of every link of
    /// `Part::slots`): on two threads when `two`, else one after the
    /// other. The first part's error is reported before the second's.
    /// A column's values are then those the first part found, followed by
    /// those only the second found, and each code of the second part is
    /// moved to its value's place.
    pub fn fill<E: From<StorageError> + Send>(
        &mut self,
        at: usize,
        two: bool,
        fill: impl Fn(&mut Part<'_>) -> Result<(), E> + Sync,
    ) -> Result<(), E> {
        let at = at.min(self.slots);
        let keys: Vec<u32> = self.columns.iter().map(|c| c.key).collect();
        let (mut heads, mut tails) = (Vec::new(), Vec::new());
        for c in &mut self.columns {
            let (h, t) = c.codes.split_at_mut(at);
            heads.push(h);
            tails.push(t);
        }
        let (head_ends, tail_ends) = match &mut self.ends {
            EndsState::Kept(_) | EndsState::NotWanted => (None, None),
            EndsState::Building(e) => {
                let nodes = e.has_nodes();
                let (ty0, ty1) = e.ty.split_at_mut(at);
                let (nodes0, nodes1) = match nodes {
                    true => {
                        let (src0, src1) = e.src.split_at_mut(at);
                        let (dst0, dst1) = e.dst.split_at_mut(at);
                        (Some((src0, dst0)), Some((src1, dst1)))
                    }
                    false => (None, None),
                };
                (
                    Some(EndsPart {
                        ty: ty0,
                        nodes: nodes0,
                    }),
                    Some(EndsPart {
                        ty: ty1,
                        nodes: nodes1,
                    }),
                )
            }
        };
        let mut head = Part::new(0, at, head_ends, heads, &keys);
        let tail = Mutex::new(Part::new(at, self.slots - at, tail_ends, tails, &keys));
        let fill = &fill;
        let (first, second) = match two && at < self.slots {
            false => {
                let first = fill(&mut head);
                let second = match first.is_ok() {
                    true => fill(&mut tail.lock()),
                    false => Ok(()),
                };
                (first, second)
            }
            true => beside(
                "link columns",
                || fill(&mut head),
                || fill(&mut tail.lock()),
                || fill(&mut tail.lock()),
                || {
                    E::from(StorageError::Corrupt(
                        "a thread building link columns stopped unexpectedly".into(),
                    ))
                },
            ),
        };
        first?;
        second?;
        let (heads, tails) = (head.values, tail.into_inner().values);
        for ((c, h), t) in self.columns.iter_mut().zip(heads).zip(tails) {
            c.join(at, h, t)?;
        }
        Ok(())
    }

    /// The columns asked for, in the order of the keys; what was built is
    /// kept. A build that wanted no ends has none (`ty` empty).
    pub fn finish(self) -> LinkColumns {
        let built: Vec<(u32, Arc<Column>)> = self
            .columns
            .into_iter()
            .map(|c| {
                let col = Column {
                    codes: c.codes,
                    values: c.values,
                };
                (c.key, Arc::new(col))
            })
            .collect();
        let ends = match self.ends {
            EndsState::Kept(kept) => {
                self.cache.keep(None, &built);
                kept
            }
            EndsState::Building(new) => {
                let new = Arc::new(new);
                self.cache.keep(Some(&new), &built);
                new
            }
            EndsState::NotWanted => {
                self.cache.keep(None, &built);
                Arc::new(Ends {
                    ty: Vec::new(),
                    src: Vec::new(),
                    dst: Vec::new(),
                })
            }
        };
        let mut fresh = built.into_iter().map(|(_, c)| c);
        let columns = self
            .keys
            .iter()
            .zip(self.kept)
            .filter_map(|(k, c)| Some((*k, c.or_else(|| fresh.next())?)))
            .collect();
        LinkColumns { ends, columns }
    }
}

impl ColumnBuilder {
    /// Takes the values of the part below slot `at` (`head`) and of the
    /// part from `at` on (`tail`): the tail's values not among the head's
    /// follow them, and the tail's codes are moved to match.
    fn join(&mut self, at: usize, head: PartValues, tail: PartValues) -> Result<(), StorageError> {
        let mut values = head.values;
        let moved: Vec<u32> = match (head.dictionary, tail.dictionary) {
            // Both parts coded each value once: a value both found keeps
            // the head's code.
            (Some(seen), Some(theirs)) => {
                let mut raw: Vec<Option<Box<[u8]>>> = vec![None; tail.values.len()];
                for (bytes, code) in theirs {
                    raw[code as usize] = Some(bytes);
                }
                let mut moved = Vec::with_capacity(raw.len());
                for (bytes, value) in raw.into_iter().zip(tail.values) {
                    match bytes.and_then(|b| seen.get(&b).copied()) {
                        Some(code) => moved.push(code),
                        None => {
                            moved.push(next_code(values.len())?);
                            values.push(value);
                        }
                    }
                }
                moved
            }
            // Equal values may hold different codes (as past
            // `DICTIONARY_LIMIT` in one part): the tail's follow.
            _ => {
                let from = values.len();
                if let Some(last) = (from + tail.values.len()).checked_sub(1) {
                    next_code(last)?;
                }
                values.extend(tail.values);
                (from..values.len()).map(|c| c as u32).collect()
            }
        };
        if moved.iter().enumerate().any(|(i, &c)| i as u32 != c) {
            for c in &mut self.codes[at..] {
                if *c != ABSENT {
                    *c = moved[*c as usize];
                }
            }
        }
        self.values = values;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(n: usize) -> Arc<Column> {
        Arc::new(Column {
            codes: vec![0; n],
            values: vec![Value::Int(1)],
        })
    }

    #[test]
    fn the_cache_stays_within_capacity() {
        let c = ColumnCache::new(1000);
        let ends = Arc::new(Ends {
            ty: vec![0; 10],
            src: vec![0; 10],
            dst: vec![0; 10],
        });
        c.keep(Some(&ends), &[(1, column(100))]);
        assert_eq!(c.bytes(), 200 + column(100).bytes());
        // A second column that does not fit beside the first replaces it.
        c.keep(None, &[(2, column(150))]);
        let (e, cols) = c.get(&[1, 2]);
        assert!(e.is_some());
        assert!(cols[0].is_none() && cols[1].is_some());
        assert!(c.bytes() <= 1000);
        // Larger than the whole cache: not kept.
        c.keep(None, &[(3, column(1000))]);
        assert!(c.get(&[3]).1[0].is_none());
        assert!(c.bytes() <= 1000);
        c.clear();
        assert_eq!(c.bytes(), 0);
        assert!(c.get(&[2]).0.is_none());
        // More links than the cache holds ends for: no columns.
        assert!(Builder::new(&ColumnCache::new(199), 10, &[1], EndsWanted::Nodes).is_none());
        assert!(Builder::new(&ColumnCache::new(200), 10, &[1], EndsWanted::Nodes).is_some());
    }

    fn record(ty: u32, props: Vec<(u32, Value)>) -> Vec<u8> {
        codec::encode(&codec::RelRecord {
            rel_type: ty,
            src: 10 + u64::from(ty),
            dst: 20,
            props,
        })
    }

    /// Fills a build of `records` (slot = index, `None`: no link) split
    /// at `at`, on one thread or two.
    fn build(records: &[Option<Vec<u8>>], at: usize, two: bool) -> LinkColumns {
        let cache = ColumnCache::new(1 << 20);
        let mut b = Builder::new(&cache, records.len() as u64, &[1, 2], EndsWanted::Nodes).unwrap();
        b.fill(at, two, |part| -> Result<(), StorageError> {
            for id in part.slots() {
                if let Some(r) = &records[id as usize] {
                    part.add(id, r)?;
                }
            }
            Ok(())
        })
        .unwrap();
        b.finish()
    }

    /// Two parts give what one pass gives: a value both found keeps one
    /// code, one only the second found follows the first's values.
    #[test]
    fn parts_filled_apart_join_as_one_pass() {
        let s = |x: &str| Value::String(x.into());
        let records: Vec<Option<Vec<u8>>> = vec![
            Some(record(0, vec![(1, s("fuel")), (2, Value::Int(5))])),
            None,
            Some(record(1, vec![(1, s("drones"))])),
            Some(record(0, vec![(1, s("shells")), (2, Value::Int(5))])),
            Some(record(0, vec![(1, s("fuel")), (2, Value::Int(7))])),
            Some(record(0, vec![(2, Value::Int(6))])),
            Some(record(1, vec![(1, s("armoured personnel carriers"))])),
            Some(record(1, vec![(2, s("armoured personnel carriers"))])),
            Some(record(1, vec![(1, s("armoured personnel carriers"))])),
        ];
        let one = build(&records, records.len(), false);
        let cat = one.column(1).unwrap();
        let long = s("armoured personnel carriers");
        assert_eq!(cat.values, vec![s("fuel"), s("drones"), s("shells"), long]);
        assert_eq!(cat.codes, vec![0, ABSENT, 1, 2, 0, ABSENT, 3, ABSENT, 3]);
        for two in [false, true] {
            for at in 0..=records.len() {
                let split = build(&records, at, two);
                assert_eq!(split.ends.ty, one.ends.ty, "split at {at}");
                assert_eq!(split.ends.src, one.ends.src);
                for key in [1, 2] {
                    let (a, b) = (one.column(key).unwrap(), split.column(key).unwrap());
                    let got: Vec<_> = (0..records.len()).map(|i| b.get(i)).collect();
                    let want: Vec<_> = (0..records.len()).map(|i| a.get(i)).collect();
                    assert_eq!(got, want, "key {key} split at {at}");
                    // Each value has one code, in the order first met.
                    assert_eq!(b.values, a.values, "key {key} split at {at}");
                }
            }
        }
        // Split after "shells": the second part's "fuel" takes the first's code.
        let split = build(&records, 4, true);
        assert_eq!(split.column(1).unwrap().codes, cat.codes);
    }

    /// A part past `DICTIONARY_LIMIT` values gives equal values new codes;
    /// the join then appends the other part's values as they are.
    #[test]
    fn a_part_without_a_dictionary_joins_by_appending() {
        let mut head = PartValues::new();
        let mut tail = PartValues::new();
        // A value's bytes as `codec::rel_scan` hands them over.
        let raw = |i: i64| {
            let mut raw = Vec::new();
            codec::rel_scan(&record(0, vec![(1, Value::Int(i))]), |_, r| {
                raw = r.to_vec();
                Ok(true)
            })
            .unwrap();
            raw
        };
        for i in 0..=DICTIONARY_LIMIT as i64 {
            tail.code(&raw(i)).unwrap();
        }
        assert!(tail.dictionary.is_none());
        assert_eq!(tail.code(&raw(0)).unwrap() as usize, DICTIONARY_LIMIT + 1);
        head.code(&raw(3)).unwrap();
        let mut col = ColumnBuilder {
            key: 1,
            codes: vec![0, ABSENT, 0, 1, DICTIONARY_LIMIT as u32 + 1],
            values: Vec::new(),
        };
        col.join(2, head, tail).unwrap();
        assert_eq!(
            col.codes,
            vec![0, ABSENT, 1, 2, DICTIONARY_LIMIT as u32 + 2]
        );
        assert_eq!(col.values[0], Value::Int(3));
        assert_eq!(col.values[1], Value::Int(0));
        assert_eq!(col.values[DICTIONARY_LIMIT + 2], Value::Int(0));
    }

    /// The first part's error is the one reported, whichever thread
    /// meets its error first.
    #[test]
    fn the_first_parts_error_is_reported() {
        let cache = ColumnCache::new(1 << 20);
        for two in [false, true] {
            let mut b = Builder::new(&cache, 8, &[1], EndsWanted::Nodes).unwrap();
            let got = b.fill(4, two, |part| -> Result<(), StorageError> {
                if part.slots().start > 0 {
                    return Err(StorageError::Io("second".into()));
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
                Err(StorageError::Io("first".into()))
            });
            assert!(matches!(got, Err(StorageError::Io(m)) if m == "first"));
            // A record beyond its part is refused.
            let mut b = Builder::new(&cache, 8, &[1], EndsWanted::Nodes).unwrap();
            let got = b.fill(4, two, |part| -> Result<(), StorageError> {
                part.add(part.slots().end, &record(0, vec![]))
            });
            assert!(matches!(got, Err(StorageError::Corrupt(_))));
        }
    }
}

//! Committed links as columns, kept between statements for scans that
//! aggregate over every link (`exec::link_aggregate`): the type and ends of
//! every link in three arrays, and each property asked for as one code per
//! link into the values it takes. Such a scan then walks a few arrays
//! instead of decoding a million records, and a grouping key that is one
//! property groups by code.
//!
//! Built from the records on first use. Any commit that writes a link
//! record drops all of it (`Graph::commit`), and a transaction that has
//! staged a link reads its records instead, so a column never answers with
//! anything but the records' current values. Concurrent reads share it
//! behind a mutex, taken only to look up or keep columns, never while one
//! is built (two reads may then build the same column; one is kept).

use super::{codec, StorageError};
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
    pub src: Vec<u64>,
    pub dst: Vec<u64>,
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
        self.ty.len() * ENDS_BYTES
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
        if let Some(e) = ends {
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

/// One column on its way: codes so far, the values, and while there are
/// few of them, the code of each encoded value.
struct ColumnBuilder {
    key: u32,
    codes: Vec<u32>,
    values: Vec<Value>,
    dictionary: Option<FxHashMap<Box<[u8]>, u32>>,
}

impl ColumnBuilder {
    fn add(&mut self, id: usize, raw: &[u8]) -> Result<(), StorageError> {
        if let Some(&code) = self.dictionary.as_ref().and_then(|d| d.get(raw)) {
            self.codes[id] = code;
            return Ok(());
        }
        let code = u32::try_from(self.values.len())
            .ok()
            .filter(|&c| c != ABSENT)
            .ok_or_else(|| StorageError::Corrupt("too many link values for a column".into()))?;
        self.values.push(codec::decode_value(raw)?);
        self.codes[id] = code;
        if let Some(d) = &mut self.dictionary {
            if d.len() < DICTIONARY_LIMIT {
                d.insert(raw.into(), code);
            } else {
                self.dictionary = None;
            }
        }
        Ok(())
    }
}

/// Builds the columns of one scan: the kept ones are reused, the missing
/// ones (and the ends, if not kept) are filled by `add` from each link
/// record in one pass, and kept by `finish`. Dropped unfinished (the pass
/// failed or was cancelled), it keeps nothing.
pub struct Builder<'c> {
    cache: &'c ColumnCache,
    keys: Vec<u32>,
    slots: usize,
    /// The kept ends (`Ok`), or the ends being built.
    ends: Result<Arc<Ends>, Ends>,
    kept: Vec<Option<Arc<Column>>>,
    columns: Vec<ColumnBuilder>,
    /// Where each missing property's encoded value lies in the current record.
    found: Vec<Option<(usize, usize)>>,
}

impl<'c> Builder<'c> {
    /// `None` when the ends of all link slots would not fit the cache
    /// (scans then read the records).
    pub fn new(cache: &'c ColumnCache, slots: u64, keys: &[u32]) -> Option<Builder<'c>> {
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
                dictionary: Some(FxHashMap::default()),
            })
            .collect();
        Some(Builder {
            cache,
            keys,
            slots: n,
            ends: ends.ok_or_else(|| Ends {
                ty: vec![ABSENT; n],
                src: vec![0; n],
                dst: vec![0; n],
            }),
            kept,
            found: vec![None; columns.len()],
            columns,
        })
    }

    /// Whether anything must be read from the records.
    pub fn has_work(&self) -> bool {
        self.ends.is_err() || !self.columns.is_empty()
    }

    /// Takes the record of link `id`.
    pub fn add(&mut self, id: u64, bytes: &[u8]) -> Result<(), StorageError> {
        let i = usize::try_from(id)
            .ok()
            .filter(|&i| i < self.slots)
            .ok_or_else(|| StorageError::Corrupt(format!("link {id} beyond the link counter")))?;
        self.found.iter_mut().for_each(|f| *f = None);
        let (columns, found) = (&self.columns, &mut self.found);
        let base = bytes.as_ptr() as usize;
        let (ty, src, dst) = codec::rel_scan(bytes, |k, raw| {
            if let Some(j) = columns.iter().position(|c| c.key == k) {
                let at = raw.as_ptr() as usize - base;
                found[j] = Some((at, at + raw.len()));
            }
            Ok(())
        })?;
        if let Err(e) = &mut self.ends {
            e.ty[i] = ty;
            e.src[i] = src;
            e.dst[i] = dst;
        }
        for (c, f) in self.columns.iter_mut().zip(&self.found) {
            if let Some((a, b)) = *f {
                c.add(i, &bytes[a..b])?;
            }
        }
        Ok(())
    }

    /// The columns asked for, in the order of the keys; what was built is kept.
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
            Ok(kept) => {
                self.cache.keep(None, &built);
                kept
            }
            Err(new) => {
                let new = Arc::new(new);
                self.cache.keep(Some(&new), &built);
                new
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
        assert!(Builder::new(&ColumnCache::new(199), 10, &[1]).is_none());
        assert!(Builder::new(&ColumnCache::new(200), 10, &[1]).is_some());
    }
}

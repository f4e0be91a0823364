//! Factorised counting inside a MATCH (`Rule::CountFactor`): when the
//! clauses after it only count rows, the matches of one input row that
//! agree on what those clauses read go on as one row and their number,
//! as Kùzu's factorised tables count without flattening. The table is a
//! partial aggregate (as DuckDB's): bounded in entries and in the
//! statement's memory budget, past which a match is simply sent on alone.

use super::memory::{row_bytes, MemoryBudget};
use super::ops;
use crate::value::Value;

/// Most entries held for one input row.
const MOST: usize = 1 << 18;

pub struct CountedRuns {
    /// Positions of the columns read by value.
    keys: Vec<usize>,
    index: fxhash::FxHashMap<String, usize>,
    /// Each entry's first match and how many rows it stands for.
    rows: Vec<(Vec<Value>, u64)>,
    key: String,
    held: usize,
    /// The entry the last match went to: matches of one input row come in
    /// runs that agree on the keys, counted without building their key.
    last: Option<usize>,
}

impl CountedRuns {
    pub fn new(keys: Vec<usize>) -> Self {
        CountedRuns {
            keys,
            index: Default::default(),
            rows: Vec::new(),
            key: String::new(),
            held: 0,
            last: None,
        }
    }

    pub fn keys(&self) -> &[usize] {
        &self.keys
    }

    /// Counts `weight` rows equal to `r`, or gives it back when it cannot
    /// be held: then it goes on by itself.
    pub fn add(
        &mut self,
        mem: &mut MemoryBudget,
        r: &[Value],
        weight: u64,
    ) -> Option<(Vec<Value>, u64)> {
        if let Some(at) = self.last {
            let (held, n) = &mut self.rows[at];
            if self.keys.iter().all(|&k| same(&held[k], &r[k])) {
                *n += weight;
                return None;
            }
        }
        self.key.clear();
        for &k in &self.keys {
            ops::group_key(&r[k], &mut self.key);
            self.key.push('|');
        }
        if let Some(&at) = self.index.get(self.key.as_str()) {
            let (held, n) = &mut self.rows[at];
            // The key text groups 1 and 1.0 together; a later clause may
            // tell them apart.
            if self.keys.iter().all(|&k| held[k] == r[k]) {
                *n += weight;
                self.last = Some(at);
                return None;
            }
            return Some((r.to_vec(), weight));
        }
        let bytes = row_bytes(r) + 2 * self.key.len() + 64;
        if self.rows.len() >= MOST || mem.charge(bytes, "Match").is_err() {
            return Some((r.to_vec(), weight));
        }
        self.held += bytes;
        self.last = Some(self.rows.len());
        self.index.insert(self.key.clone(), self.rows.len());
        self.rows.push((r.to_vec(), weight));
        None
    }

    /// Holds nothing, as `new` made it (`Operator::reset`); what it held
    /// was charged to a budget of a run that is over.
    pub fn reset(&mut self) {
        *self = CountedRuns::new(std::mem::take(&mut self.keys));
    }

    /// The counted rows, in the order their first match came; the table is
    /// left empty.
    pub fn drain(&mut self, mem: &mut MemoryBudget) -> std::vec::IntoIter<(Vec<Value>, u64)> {
        mem.release(std::mem::take(&mut self.held));
        self.index.clear();
        self.last = None;
        std::mem::take(&mut self.rows).into_iter()
    }
}

/// Whether two key values are the same for the run check: entities by id,
/// else equal values of one type (anything else takes the keyed path).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Node(x), Value::Node(y)) => x == y,
        (Value::Rel(x), Value::Rel(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_returning_keys_count_alike() {
        let mut mem = MemoryBudget::new(1 << 20);
        let mut runs = CountedRuns::new(vec![0]);
        let rows = [
            (Value::Node(1), 1),
            (Value::Node(1), 2),
            (Value::Node(2), 1),
            (Value::Node(1), 5),
            (Value::Int(1), 1),
            (Value::Float(1.0), 1),
            (Value::Null, 1),
            (Value::Null, 1),
        ];
        for (k, w) in rows {
            let alone = runs.add(&mut mem, &[k.clone(), Value::Int(7)], w);
            // 1.0 shares 1's key text but not its value: it goes on alone.
            assert_eq!(alone.is_some(), k == Value::Float(1.0), "{k:?}");
        }
        let got: Vec<(Value, u64)> = runs
            .drain(&mut mem)
            .map(|(r, n)| (r[0].clone(), n))
            .collect();
        assert_eq!(
            got,
            vec![
                (Value::Node(1), 8),
                (Value::Node(2), 1),
                (Value::Int(1), 1),
                (Value::Null, 2),
            ]
        );
    }
}

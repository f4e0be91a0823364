//! What every streaming operator is (`pipeline.rs` builds them): it takes
//! its input a batch of rows at a time and hands its own rows on in
//! batches, through an `Out`.
//!
//! Batches follow DuckDB's vectors (up to 1,024 rows here, DuckDB's 2,048):
//! per-batch work (the call into the next operator, cancellation and the
//! timeout, PROFILE's clock) is paid once per batch, not once per row. A
//! run's first batch holds one row and each next one twice the last, so a
//! consumer that needs one row (LIMIT 1, EXISTS) costs one row of work
//! upstream, and a long stream moves in full batches after ten.

use super::context::Ctx;
use super::memory::shallow_row_bytes;
use super::pattern::Flow;
use super::pipeline::PlanLine;
use super::projection::Rows;
use crate::error::Error;
use crate::value::Value;
use std::time::Instant;

/// The most rows a batch holds.
pub const BATCH_ROWS: usize = 1024;

/// A batch goes on once its rows' values own this many bytes, so rows
/// carrying large lists or strings are not held a thousand at a time.
const BATCH_BYTES: usize = 1 << 20;

/// Rows on their way from one operator to the next, each with its weight:
/// the number of equal rows it stands for (`Rule::CountFactor`). Weights
/// are kept only once one is not 1, so most batches are their rows alone.
#[derive(Default)]
pub struct Batch {
    rows: Vec<Vec<Value>>,
    /// Empty: every weight is 1. Else one per row.
    weights: Vec<u64>,
}

impl Batch {
    /// The rows, without their weights.
    pub fn rows(&self) -> &[Vec<Value>] {
        &self.rows
    }

    /// A batch of one row: what a chain is started with.
    pub fn one(row: Vec<Value>) -> Self {
        Batch {
            rows: vec![row],
            weights: Vec::new(),
        }
    }

    #[inline(always)]
    pub fn push(&mut self, row: Vec<Value>, weight: u64) {
        if weight != 1 || !self.weights.is_empty() {
            self.push_weight(weight);
        }
        self.rows.push(row);
    }

    #[cold]
    fn push_weight(&mut self, weight: u64) {
        // The rows before the first weight not 1 weigh 1 each.
        self.weights.resize(self.rows.len(), 1);
        self.weights.push(weight);
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The number of rows the batch stands for.
    pub fn weight(&self) -> u64 {
        match self.weights.is_empty() {
            true => self.rows.len() as u64,
            false => self.weights.iter().sum(),
        }
    }

    /// Takes the rows out with their weights, leaving the batch empty with
    /// its room kept: the producer fills the same batch again.
    pub fn drain(&mut self) -> BatchRows<'_> {
        BatchRows {
            rows: self.rows.drain(..),
            weights: self.weights.drain(..),
        }
    }

    /// Whether every row weighs 1.
    pub fn unweighted(&self) -> bool {
        self.weights.is_empty()
    }

    /// The rows, to be changed where they lie (weights are left as they
    /// are: only for an unweighted batch).
    pub fn rows_mut(&mut self) -> &mut Vec<Vec<Value>> {
        &mut self.rows
    }

    fn clear(&mut self) {
        self.rows.clear();
        self.weights.clear();
    }
}

/// A batch's rows with their weights, as `Batch::drain` takes them.
pub struct BatchRows<'b> {
    rows: std::vec::Drain<'b, Vec<Value>>,
    weights: std::vec::Drain<'b, u64>,
}

impl Iterator for BatchRows<'_> {
    type Item = (Vec<Value>, u64);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let row = self.rows.next()?;
        Some((row, self.weights.next().unwrap_or(1)))
    }
}

/// What every operator counts for PROFILE.
#[derive(Default)]
pub struct Counters {
    pub rows: u64,
    pub nanos: u128,
}

/// A streaming operator: takes batches, pushes its own rows to the next.
/// `Send`, so that a statement's kept plan (`plan_cache.rs`) may be taken
/// up by whichever thread runs the statement next.
pub trait Operator: Send {
    /// One input batch, whose rows it takes (`Batch::drain`). `Flow::Stop`:
    /// send no more.
    fn push(&mut self, ctx: &mut Ctx<'_, '_>, batch: &mut Batch) -> Result<Flow, Error>;
    /// The input is done: breakers emit what they hold.
    fn finish(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), Error>;
    /// This operator's plan lines (itself, then its details).
    fn describe(&self, out: &mut Vec<PlanLine>);
    fn next(&self) -> Option<&dyn Operator>;
    /// The rows the result operator at the end of the chain kept.
    fn take_rows(&mut self) -> Rows;
    /// Time spent in this operator and those after it (PROFILE).
    fn inclusive_nanos(&self) -> u128 {
        0
    }
    /// Forgets what a run left in this operator and those after it, as
    /// if just built, holding nothing: a kept plan runs again from here
    /// (`plan_cache.rs`). What a run left is dropped, not cleared, so an
    /// idle plan keeps no room a large run grew (a MATCH keeps a few small
    /// buffers, under 7 KiB: `pattern::Scratch`, `EndTally`).
    fn reset(&mut self);
    /// Whether it takes rows one at a time by reference (`fold`): a
    /// grouping projection, which folds each row into its groups and keeps
    /// none of them.
    fn folds(&self) -> bool {
        false
    }
    /// One row standing for `weight` rows, as `push` would take it in a
    /// batch of its own, but lent: the producer builds no row and no batch
    /// (`Rule::FoldIntoGroups`). Only where `folds`: a grouping never
    /// answers `Flow::Stop`, which this default would drop.
    fn fold(&mut self, ctx: &mut Ctx<'_, '_>, row: &[Value], weight: u64) -> Result<(), Error> {
        let mut one = Batch::default();
        one.push(row.to_vec(), weight);
        self.push(ctx, &mut one).map(|_| ())
    }
    /// For a grouping without keys whose one aggregate is `count(DISTINCT
    /// v)` (only where `folds`): `n` distinct values of `v` its producer
    /// counted itself, none of which any row it folds holds
    /// (`pattern::EndTally`).
    fn fold_count(&mut self, _ctx: &mut Ctx<'_, '_>, _n: usize) -> Result<(), Error> {
        Err(no_groups())
    }
}

/// A count handed to an operator that does not group: the plan is wrong.
pub fn no_groups() -> Error {
    Error::runtime(
        crate::error::ErrorKind::SemanticError,
        "PlanMismatch",
        "a count was handed to an operator that does not group",
    )
}

pub type Next<'q> = Box<dyn Operator + 'q>;

/// Calls `f` with each row of `batch` as many times as its weight says,
/// until it answers `Flow::Stop`: for operators that see rows one by one
/// rather than count them.
pub fn each_copy(
    batch: &mut Batch,
    mut f: impl FnMut(Vec<Value>) -> Result<Flow, Error>,
) -> Result<Flow, Error> {
    for (row, weight) in batch.drain() {
        if weight > 1 {
            for _ in 1..weight {
                if f(row.clone())? == Flow::Stop {
                    return Ok(Flow::Stop);
                }
            }
        }
        if weight > 0 && f(row)? == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
    Ok(Flow::More)
}

/// An operator's output on its way to the next operator: rows gather into
/// a batch that goes on when it is full, when the input batch that made
/// them is done (`flush`), and at the end (`finish`).
pub struct Out<'q> {
    pub next: Next<'q>,
    pub c: Counters,
    rows: Batch,
    bytes: usize,
    /// How many rows the batch being filled may hold.
    cap: usize,
    /// The next operator answered `Flow::Stop`: nothing more goes to it.
    stopped: bool,
}

impl<'q> Out<'q> {
    pub fn new(next: Next<'q>) -> Self {
        Out {
            next,
            c: Counters::default(),
            rows: Batch::default(),
            bytes: 0,
            cap: 1,
            stopped: false,
        }
    }

    /// Adds a row standing for `weight` rows; the batch goes on if full.
    #[inline]
    pub fn emit(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        row: Vec<Value>,
        weight: u64,
    ) -> Result<Flow, Error> {
        self.c.rows += weight;
        self.bytes += shallow_row_bytes(&row);
        self.rows.push(row, weight);
        if self.rows.len() >= self.cap || self.bytes >= BATCH_BYTES {
            return self.flush(ctx);
        }
        Ok(Flow::More)
    }

    /// Hands on the rows gathered so far.
    #[inline(never)]
    pub fn flush(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<Flow, Error> {
        if self.stopped {
            self.rows.clear();
            return Ok(Flow::Stop);
        }
        if self.rows.is_empty() {
            return Ok(Flow::More);
        }
        self.cap = (self.cap * 2).min(BATCH_ROWS);
        self.bytes = 0;
        let flow = self.next.push(ctx, &mut self.rows);
        // Rows a consumer that stopped (or failed) left are dropped.
        self.rows.clear();
        self.stopped = flow? == Flow::Stop;
        Ok(if self.stopped { Flow::Stop } else { Flow::More })
    }

    /// The end of one input batch: the rows it made go on. They go on
    /// after a failure too, as they would one at a time (a streamed result
    /// shows them before its error), and when the operator itself answers
    /// `Flow::Stop` (a met LIMIT).
    pub fn end_batch(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        made: Result<Flow, Error>,
    ) -> Result<Flow, Error> {
        match made {
            Ok(Flow::More) => self.flush(ctx),
            Ok(Flow::Stop) => self.flush(ctx).map(|_| Flow::Stop),
            // An error of a row made earlier comes first, as it would one
            // row at a time (and as it does when rows are folded).
            Err(err) => self.flush(ctx).and(Err(err)),
        }
    }

    /// Lends the next operator a row standing for `weight` rows
    /// (`Operator::fold`), counted as if emitted; nothing may be gathered
    /// in this `Out` meanwhile.
    #[inline]
    pub fn fold(&mut self, ctx: &mut Ctx<'_, '_>, row: &[Value], weight: u64) -> Result<(), Error> {
        debug_assert!(self.rows.is_empty());
        self.c.rows += weight;
        self.next.fold(ctx, row, weight)
    }

    /// Hands on a batch the operator changed where it lay (its rows are
    /// counted here); nothing may be gathered in this `Out` meanwhile.
    pub fn pass(&mut self, ctx: &mut Ctx<'_, '_>, batch: &mut Batch) -> Result<Flow, Error> {
        debug_assert!(self.rows.is_empty());
        if self.stopped {
            return Ok(Flow::Stop);
        }
        self.c.rows += batch.weight();
        if batch.is_empty() {
            return Ok(Flow::More);
        }
        let flow = self.next.push(ctx, batch)?;
        self.stopped = flow == Flow::Stop;
        Ok(flow)
    }

    /// As built: no rows gathered, nothing counted, the next operator
    /// reset too (`Operator::reset`).
    pub fn reset(&mut self) {
        self.c = Counters::default();
        // Dropped too: up to 512 statements keep plans, and a batch that
        // grew to `BATCH_ROWS` holds 32 KiB.
        self.rows = Batch::default();
        self.bytes = 0;
        self.cap = 1;
        self.stopped = false;
        self.next.reset();
    }

    /// Hands on what is left, then tells the next operator its input is
    /// done. The next run starts again from a batch of one row.
    pub fn finish(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), Error> {
        self.flush(ctx)?;
        self.rows.clear();
        self.cap = 1;
        self.stopped = false;
        self.next.finish(ctx)
    }
}

/// PROFILE wraps every operator: its time is what its calls took, less what
/// the operator after it took within them. The clock is read once per
/// batch, and once per row folded into a grouping (`Operator::fold`).
pub struct Profiled<'q> {
    pub inner: Next<'q>,
    pub nanos: u128,
}

impl<'q> Operator for Profiled<'q> {
    fn push(&mut self, ctx: &mut Ctx<'_, '_>, batch: &mut Batch) -> Result<Flow, Error> {
        let t = Instant::now();
        let r = self.inner.push(ctx, batch);
        self.nanos += t.elapsed().as_nanos();
        r
    }
    fn finish(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), Error> {
        let t = Instant::now();
        let r = self.inner.finish(ctx);
        self.nanos += t.elapsed().as_nanos();
        r
    }
    fn describe(&self, out: &mut Vec<PlanLine>) {
        let at = out.len();
        self.inner.describe(out);
        let downstream = self.inner.next().map_or(0, |n| n.inclusive_nanos());
        if let Some(l) = out.get_mut(at) {
            l.nanos = self.nanos.saturating_sub(downstream);
        }
    }
    fn next(&self) -> Option<&dyn Operator> {
        self.inner.next()
    }
    fn take_rows(&mut self) -> Rows {
        self.inner.take_rows()
    }
    fn inclusive_nanos(&self) -> u128 {
        self.nanos
    }
    fn reset(&mut self) {
        self.nanos = 0;
        self.inner.reset();
    }
    fn folds(&self) -> bool {
        self.inner.folds()
    }
    fn fold(&mut self, ctx: &mut Ctx<'_, '_>, row: &[Value], weight: u64) -> Result<(), Error> {
        let t = Instant::now();
        let r = self.inner.fold(ctx, row, weight);
        self.nanos += t.elapsed().as_nanos();
        r
    }
    fn fold_count(&mut self, ctx: &mut Ctx<'_, '_>, n: usize) -> Result<(), Error> {
        self.inner.fold_count(ctx, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_kept_once_one_is_not_1() {
        let mut first = Batch::default();
        first.push(vec![], 3);
        assert_eq!(first.drain().map(|(_, w)| w).collect::<Vec<_>>(), vec![3]);
        let mut b = Batch::one(vec![]);
        b.push(vec![], 1);
        assert!(b.weights.is_empty());
        b.push(vec![], 5);
        assert_eq!(b.weights, vec![1, 1, 5]);
        assert_eq!((b.len(), b.weight()), (3, 7));
        let w: Vec<u64> = b.drain().map(|(_, w)| w).collect();
        assert_eq!(w, vec![1, 1, 5]);
        assert!(b.is_empty() && b.weights.is_empty());
    }

    #[test]
    fn each_copy_repeats_rows_by_weight_and_stops_when_told() {
        let batch = || {
            let mut b = Batch::one(vec![Value::Int(1)]);
            b.push(vec![Value::Int(2)], 0);
            b.push(vec![Value::Int(3)], 1);
            b.weights[0] = 2;
            b
        };
        let mut got = Vec::new();
        let flow = each_copy(&mut batch(), |r| {
            got.push(r);
            Ok(Flow::More)
        });
        assert_eq!(flow.unwrap(), Flow::More);
        let one = |i| vec![Value::Int(i)];
        assert_eq!(got, vec![one(1), one(1), one(3)]);
        let mut seen = 0;
        let flow = each_copy(&mut batch(), |_| {
            seen += 1;
            Ok(if seen == 2 { Flow::Stop } else { Flow::More })
        });
        assert_eq!((flow.unwrap(), seen), (Flow::Stop, 2));
    }
}

//! The physical plan: a chain of operators per query part that rows stream
//! through in batches (`operator.rs`), pushed from the first clause towards
//! the result (DuckDB's push model). Nothing is materialised between
//! clauses but a batch; only the breakers (grouping, ORDER BY, the eager
//! barrier before a write, the result) hold rows, and they charge what
//! they hold to the statement's memory budget. A consumer that has all it needs (LIMIT, EXISTS) answers
//! `Flow::Stop` and the producers stop working.
//!
//! The same operators print the plan: EXPLAIN describes the chain it built
//! without running it, PROFILE runs it and adds each operator's rows and
//! time, so the two always show the same tree.

use super::call;
use super::context::Ctx;
use super::counted_runs::CountedRuns;
use super::eval::{eval, truthy, Env};
use super::link_aggregate;
use super::liveness;
use super::memory::row_bytes;
use super::operator::{each_copy, Batch, Counters, Next, Operator, Out, Profiled};
use super::pattern::{self, Access, AsOf, Conjunct, EndTally, Flow, PartPlan};
use super::projection::{self, Grouper, OutRow, Rows};
use super::read_ahead::ReadAhead;
use super::rules::Rule;
use super::subquery;
use super::write;
use crate::error::{Error, ErrorKind};
use crate::query::ast::{
    Clause, Direction, Expr, ExprKind, Match, NodePattern, PatternPart, Projection, Query,
    RelPattern, SingleQuery,
};
use crate::query::bind::func::{Func, Scalar};
use crate::query::bind::symbols::{Names, Symbols};
use crate::value::Value;

/// One line of a printed plan: depth, operator, details, and (PROFILE) rows
/// and time.
#[derive(Debug, Clone)]
pub struct PlanLine {
    pub depth: usize,
    pub operator: String,
    pub details: String,
    pub rows: u64,
    pub nanos: u128,
}

fn line(depth: usize, c: &Counters, operator: &str, details: String) -> PlanLine {
    PlanLine {
        depth,
        operator: operator.to_string(),
        details,
        rows: c.rows,
        nanos: c.nanos,
    }
}

// ---------------------------------------------------------------- result

/// What the end of a chain does with its rows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Produce {
    /// The statement's result: kept, or streamed to `ctx.sink`.
    Result,
    /// A subquery's rows, kept for the operator that runs it.
    Rows,
    /// `EXISTS { … }`: one row is the answer; the chain stops there.
    First,
    /// `COUNT { … }`: one empty row kept per row, so only the count costs.
    Count,
}

/// The end of a chain: keeps the rows the statement returns (or counts
/// those of a statement without RETURN, which returns none).
struct ProduceOp {
    columns: Vec<String>,
    keep: bool,
    mode: Produce,
    rows: Rows,
    c: Counters,
}

impl ProduceOp {
    fn row(&mut self, ctx: &mut Ctx<'_, '_>, row: Vec<Value>) -> Result<Flow, Error> {
        self.c.rows += 1;
        match self.mode {
            Produce::Result | Produce::Rows => {}
            Produce::First => {
                // Charged as `Count` is: `subquery::release` gives it back.
                ctx.mem.charge(row_bytes(&[]), "SemiApply")?;
                self.rows.push(Vec::new());
                return Ok(Flow::Stop);
            }
            Produce::Count => {
                ctx.mem.charge(row_bytes(&[]), "Count")?;
                self.rows.push(Vec::new());
                return Ok(Flow::More);
            }
        }
        // A streamed result (`exec::stream_query`): the row goes on at once,
        // unless a UNION's earlier row was the same.
        if let (true, Produce::Result, Some(sink)) = (self.keep, self.mode, ctx.sink.as_mut()) {
            if let Some(seen) = ctx.union_seen.as_mut() {
                let key = union_key(&row);
                if seen.contains(&key) {
                    return Ok(Flow::More);
                }
                ctx.mem.charge(key.len() + 32, "Union")?;
                seen.insert(key);
            }
            return sink.row(&ctx.tx, row);
        }
        if self.keep {
            ctx.mem.charge(row_bytes(&row), "ProduceResults")?;
            self.rows.push(row);
        }
        Ok(Flow::More)
    }
}

impl Operator for ProduceOp {
    fn push(&mut self, ctx: &mut Ctx<'_, '_>, batch: &mut Batch) -> Result<Flow, Error> {
        ctx.check_batch(batch.len())?;
        each_copy(batch, |row| self.row(ctx, row))
    }
    fn finish(&mut self, _: &mut Ctx<'_, '_>) -> Result<(), Error> {
        Ok(())
    }
    fn describe(&self, out: &mut Vec<PlanLine>) {
        let details = match self.mode {
            Produce::First => "(the first row answers; the rest are not sought)".into(),
            Produce::Count => "(rows are counted, not kept)".into(),
            _ if self.keep => self.columns.join(", "),
            _ => "(no result: rows are counted, not kept)".into(),
        };
        out.push(line(0, &self.c, "ProduceResults", details));
    }
    fn next(&self) -> Option<&dyn Operator> {
        None
    }
    fn take_rows(&mut self) -> Rows {
        std::mem::take(&mut self.rows)
    }
    fn reset(&mut self) {
        self.rows = Vec::new();
        self.c = Counters::default();
    }
}

// ----------------------------------------------------------------- match

struct MatchOp<'q> {
    m: &'q Match,
    /// Input columns no later clause reads (see `liveness`).
    dead: Vec<usize>,
    /// The columns of the rows it hands on: the input's, then `new`.
    names: Names,
    new: Vec<String>,
    conj: Vec<Conjunct<'q>>,
    plan: Vec<PartPlan>,
    /// `Rule::PredicatePushdown`, as EXPLAIN shows it.
    early: bool,
    /// `AS OF`, evaluated at the first row.
    as_of: Option<Option<AsOf>>,
    /// `Rule::CountFactor`: matches of one input row that agree on the
    /// columns later clauses read by value (`liveness::count_keys`) go on
    /// as one row with their number.
    runs: Option<CountedRuns>,
    /// `Rule::PruneHops`: the next clause only counts distinct values
    /// (`liveness::counts_distinct_only`), so a variable-length hop may
    /// send each of its ends once.
    ends_once: bool,
    /// `Rule::FoldIntoGroups`: the next operator groups, and each match is
    /// lent to it as it is found (`Operator::fold`), not copied into a batch.
    fold: bool,
    /// With `fold`, when the next clause's one item is `count(DISTINCT v)`
    /// (and the MATCH is not OPTIONAL): the distinct nodes of `v`, counted
    /// here.
    tally: Option<EndTally>,
    /// What matching keeps between rows and runs.
    scratch: pattern::Scratch,
    out: Out<'q>,
}

impl<'q> MatchOp<'q> {
    /// Hands on a row standing for `weight` rows.
    fn send(&mut self, ctx: &mut Ctx<'_, '_>, row: Vec<Value>, weight: u64) -> Result<Flow, Error> {
        match self.fold {
            true => self.out.fold(ctx, &row, weight).map(|_| Flow::More),
            false => self.out.emit(ctx, row, weight),
        }
    }

    /// Matches one input row standing for `weight` rows.
    fn row(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        mut row: Vec<Value>,
        weight: u64,
    ) -> Result<Flow, Error> {
        clear(&mut row, &self.dead);
        let as_of = match self.as_of {
            Some(a) => a,
            None => {
                let a = match &self.m.as_of {
                    Some(e) => {
                        let v = eval(e, &Env::new(Names::empty(), &[]), ctx)?;
                        Some(AsOf::new(ctx, &v).map_err(|err| err.with_span(e.span))?)
                    }
                    None => None,
                };
                *self.as_of.insert(a)
            }
        };
        let MatchOp {
            m,
            names,
            new,
            conj,
            plan,
            runs,
            ends_once,
            fold,
            tally,
            scratch,
            out,
            ..
        } = self;
        if let Some(t) = tally {
            t.set_weight(weight);
        }
        let mut any = false;
        let flow = {
            let mut sink = |ctx: &mut Ctx<'_, '_>, r: &[Value]| {
                any = true;
                let alone = match runs {
                    Some(runs) => runs.add(&mut ctx.mem, r, weight),
                    None if *fold => return out.fold(ctx, r, weight).map(|_| Flow::More),
                    None => Some((r.to_vec(), weight)),
                };
                match (alone, *fold) {
                    (Some((r, n)), true) => out.fold(ctx, &r, n).map(|_| Flow::More),
                    (Some((r, n)), false) => out.emit(ctx, r, n),
                    (None, _) => Ok(Flow::More),
                }
            };
            pattern::match_row(
                ctx,
                names,
                &row,
                &m.pattern,
                plan,
                new.len(),
                conj,
                as_of,
                *ends_once,
                tally.as_mut(),
                scratch,
                &mut sink,
            )?
        };
        let drained = match self.runs.as_mut() {
            Some(runs) => runs.drain(&mut ctx.mem),
            None => Vec::new().into_iter(),
        };
        for (r, n) in drained {
            if flow == Flow::More && self.send(ctx, r, n)? == Flow::Stop {
                return Ok(Flow::Stop);
            }
        }
        if flow == Flow::Stop {
            return Ok(Flow::Stop);
        }
        if !any && self.m.optional {
            let mut r = row;
            r.extend(std::iter::repeat_n(Value::Null, self.new.len()));
            return self.send(ctx, r, weight);
        }
        Ok(Flow::More)
    }
}

impl<'q> Operator for MatchOp<'q> {
    fn push(&mut self, ctx: &mut Ctx<'_, '_>, batch: &mut Batch) -> Result<Flow, Error> {
        ctx.check_batch(batch.len())?;
        let mut made = Ok(Flow::More);
        for (row, weight) in batch.drain() {
            made = self.row(ctx, row, weight);
            if !matches!(made, Ok(Flow::More)) {
                break;
            }
        }
        self.out.end_batch(ctx, made)
    }
    fn finish(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), Error> {
        if let Some(t) = &mut self.tally {
            let (n, ends) = t.take();
            self.out.c.rows += ends;
            if n > 0 {
                self.out.next.fold_count(ctx, n)?;
            }
        }
        self.out.finish(ctx)
    }
    fn describe(&self, out: &mut Vec<PlanLine>) {
        let name = if self.m.optional {
            "OptionalMatch"
        } else {
            "Match"
        };
        let mut details = Vec::new();
        if self.m.as_of.is_some() {
            details.push("AS OF validity on every link".to_string());
        }
        if self.m.where_.is_some() {
            details.push(format!(
                "{} WHERE conjunct(s), {}",
                self.conj.len(),
                if self.early {
                    "each checked once its variables are bound"
                } else {
                    "checked on each matched row"
                }
            ));
        }
        if let Some(runs) = &self.runs {
            let read: Vec<&str> = runs
                .keys()
                .iter()
                .filter_map(|&k| self.names.get(k))
                .map(String::as_str)
                .collect();
            details.push(format!(
                "matches alike in [{}] sent as one counted row",
                read.join(", ")
            ));
        }
        // A fold changes no plan (only how rows reach the aggregation); a
        // tally counts in place of it.
        match &self.tally {
            Some(t) if t.counts_rows() => {
                details.push("rows counted here for the aggregation".into())
            }
            Some(_) => details.push("distinct nodes counted here for the aggregation".into()),
            None => {}
        }
        out.push(line(0, &self.out.c, name, details.join("; ")));
        for pp in &self.plan {
            let part = &self.m.pattern[pp.part];
            let (op, how) = match &pp.access {
                Access::LinkScan => ("LinkScan", "first hop's links in id order".to_string()),
                // A lone node is found by its access path itself.
                Access::Walk { start, .. } if part.element.chain.is_empty() => {
                    let shown = start.to_string();
                    let (op, rest) = shown.split_once(' ').unwrap_or((&shown, ""));
                    let mut l = line(1, &Counters::default(), op, print_part(part));
                    if op == "NodeIndexSeek" {
                        l.details = format!("{} by {}", l.details, rest.trim_matches(['(', ')']));
                    }
                    l.rows = u64::MAX;
                    out.push(l);
                    continue;
                }
                Access::Walk { reversed, start } => (
                    "Expand",
                    format!(
                        "from {start}{}",
                        if *reversed { ", walking backwards" } else { "" }
                    ),
                ),
                Access::PathSearch { start } => ("PathSearch", format!("from {start}")),
            };
            let mut d = format!("{}: {how}", print_part(part));
            if part.element.chain.iter().any(|(r, _)| r.length.is_some()) {
                d.push_str("; variable-length hops walked with an explicit stack");
            }
            let c = Counters::default();
            let mut l = line(1, &c, op, d);
            l.rows = u64::MAX;
            out.push(l);
        }
    }
    fn next(&self) -> Option<&dyn Operator> {
        Some(self.out.next.as_ref())
    }
    fn take_rows(&mut self) -> Rows {
        self.out.next.take_rows()
    }
    fn reset(&mut self) {
        // `AS OF` may read a parameter: evaluated again by the next run.
        self.as_of = None;
        if let Some(runs) = &mut self.runs {
            runs.reset();
        }
        if let Some(t) = &mut self.tally {
            t.reset();
        }
        self.scratch.reset();
        self.out.reset();
    }
}

/// Drops the values of columns nobody reads again before a row fans out.
fn clear(row: &mut [Value], dead: &[usize]) {
    for &i in dead {
        if let Some(v) = row.get_mut(i) {
            *v = Value::Null;
        }
    }
}

// ---------------------------------------------------------------- unwind

struct UnwindOp<'q> {
    expr: &'q Expr,
    /// Input columns no later clause reads (see `liveness`).
    dead: Vec<usize>,
    /// Input columns only this UNWIND reads: cleared once its list is
    /// evaluated, before each item's row copies them.
    dead_after: Vec<usize>,
    var: &'q str,
    names: Names,
    out: Out<'q>,
}

impl<'q> UnwindOp<'q> {
    fn row(&mut self, ctx: &mut Ctx<'_, '_>, mut row: Vec<Value>) -> Result<Flow, Error> {
        clear(&mut row, &self.dead);
        // `UNWIND range(…)` walks the range instead of building it, so a
        // LIMIT downstream stops it early and no list is held.
        if let ExprKind::Function {
            distinct: false,
            args,
            func: Func::Scalar(Scalar::Range),
            ..
        } = &self.expr.kind
        {
            if (2..=3).contains(&args.len()) {
                let env = Env::new(&self.names, &row);
                let args = args
                    .iter()
                    .map(|a| eval(a, &env, ctx))
                    .collect::<Result<Vec<_>, _>>()?;
                let (lo, step, count) = super::functions::range_of(&args)?;
                clear(&mut row, &self.dead_after);
                let mut i: u128 = 0;
                while i < count {
                    let x = (lo as i128 + i as i128 * step as i128) as i64;
                    let mut r = Vec::with_capacity(row.len() + 1);
                    r.extend_from_slice(&row);
                    r.push(Value::Int(x));
                    if self.out.emit(ctx, r, 1)? == Flow::Stop {
                        return Ok(Flow::Stop);
                    }
                    i += 1;
                }
                return Ok(Flow::More);
            }
        }
        let v = eval(self.expr, &Env::new(&self.names, &row), ctx)?;
        clear(&mut row, &self.dead_after);
        let items = match v {
            Value::Null => vec![],
            Value::List(items) => items,
            other => vec![other],
        };
        for item in items {
            let mut r = Vec::with_capacity(row.len() + 1);
            r.extend_from_slice(&row);
            r.push(item);
            if self.out.emit(ctx, r, 1)? == Flow::Stop {
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::More)
    }
}

impl<'q> Operator for UnwindOp<'q> {
    fn push(&mut self, ctx: &mut Ctx<'_, '_>, batch: &mut Batch) -> Result<Flow, Error> {
        ctx.check_batch(batch.len())?;
        let made = each_copy(batch, |row| self.row(ctx, row));
        self.out.end_batch(ctx, made)
    }
    fn finish(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), Error> {
        self.out.finish(ctx)
    }
    fn describe(&self, out: &mut Vec<PlanLine>) {
        out.push(line(0, &self.out.c, "Unwind", format!("AS {}", self.var)));
    }
    fn next(&self) -> Option<&dyn Operator> {
        Some(self.out.next.as_ref())
    }
    fn take_rows(&mut self) -> Rows {
        self.out.next.take_rows()
    }
    fn reset(&mut self) {
        self.out.reset();
    }
}

// ------------------------------------------------------------ projection

/// A row's projected columns: the variables `*` keeps, then the items.
fn project_row(
    ctx: &mut Ctx<'_, '_>,
    p: &Projection,
    names: &Names,
    star: &[usize],
    row: &[Value],
) -> Result<Vec<Value>, Error> {
    let mut out = Vec::with_capacity(star.len() + p.items.len());
    out.extend(star.iter().map(|&i| row[i].clone()));
    let env = Env::new(names, row);
    for item in &p.items {
        out.push(eval(&item.expr, &env, ctx)?);
    }
    Ok(out)
}

/// WITH/RETURN without aggregates or ORDER BY: each row is projected and
/// passed on as it comes; DISTINCT keeps the keys it has seen, SKIP and
/// LIMIT count, and a met LIMIT stops everything upstream.
struct ProjectOp<'q> {
    p: &'q Projection,
    where_: Option<&'q Expr>,
    names: Names,
    cols: Names,
    star: Vec<usize>,
    bounds: Option<(usize, Option<usize>)>,
    seen: Option<fxhash::FxHashSet<String>>,
    held: usize,
    skipped: usize,
    taken: usize,
    /// Node records the projection reads, asked for rows ahead.
    read_ahead: ReadAhead,
    out: Out<'q>,
}

impl<'q> ProjectOp<'q> {
    /// One input row's output row, if it has one, and `Flow::Stop` once
    /// the LIMIT is met.
    fn project(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        row: Vec<Value>,
    ) -> Result<(Option<Vec<Value>>, Flow), Error> {
        let (skip, limit) = match self.bounds {
            Some(b) => b,
            None => *self.bounds.insert(projection::skip_limit(ctx, self.p)?),
        };
        if limit.is_some_and(|l| self.taken >= l) {
            return Ok((None, Flow::Stop));
        }
        let out = project_row(ctx, self.p, &self.names, &self.star, &row)?;
        if let Some(seen) = &mut self.seen {
            let mut key = String::new();
            for v in &out {
                super::ops::group_key(v, &mut key);
                key.push('|');
            }
            let bytes = key.len() + 48;
            if !seen.insert(key) {
                return Ok((None, Flow::More));
            }
            ctx.mem.charge(bytes, "Distinct")?;
            self.held += bytes;
        }
        if self.skipped < skip {
            self.skipped += 1;
            return Ok((None, Flow::More));
        }
        self.taken += 1;
        let keep = match self.where_ {
            None => true,
            Some(w) => {
                let source = Env::new(&self.names, &row);
                let env = projection::after_projection(&self.cols, &out, Some(&source), None);
                truthy(&eval(w, &env, ctx)?)? == Some(true)
            }
        };
        let flow = match limit {
            Some(l) if self.taken >= l => Flow::Stop,
            _ => Flow::More,
        };
        Ok((keep.then_some(out), flow))
    }

    /// An unweighted batch is projected where it lies, each row replaced
    /// by its output, and handed on as it is: a projection or filter adds
    /// no copy of the rows.
    fn project_in_place(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        batch: &mut Batch,
    ) -> Result<Flow, Error> {
        let nodes = self.read_ahead.nodes(batch.rows());
        let rows = batch.rows_mut();
        let mut kept = 0;
        let mut flow = Flow::More;
        for at in 0..rows.len() {
            self.read_ahead.ask(ctx, &nodes, at);
            let row = std::mem::take(&mut rows[at]);
            let (out, f) = match self.project(ctx, row) {
                Ok(done) => done,
                Err(err) => {
                    // The rows before the failure still go on.
                    rows.truncate(kept);
                    let _ = self.out.pass(ctx, batch);
                    return Err(err);
                }
            };
            if let Some(out) = out {
                rows[kept] = out;
                kept += 1;
            }
            if f == Flow::Stop {
                flow = Flow::Stop;
                break;
            }
        }
        rows.truncate(kept);
        // A met LIMIT: its last rows still go on.
        match self.out.pass(ctx, batch)? {
            Flow::Stop => Ok(Flow::Stop),
            Flow::More => Ok(flow),
        }
    }
}

impl<'q> Operator for ProjectOp<'q> {
    fn push(&mut self, ctx: &mut Ctx<'_, '_>, batch: &mut Batch) -> Result<Flow, Error> {
        ctx.check_batch(batch.len())?;
        if batch.unweighted() {
            return self.project_in_place(ctx, batch);
        }
        let made = each_copy(batch, |row| {
            let (out, flow) = self.project(ctx, row)?;
            match out {
                Some(out) => match self.out.emit(ctx, out, 1)? {
                    Flow::Stop => Ok(Flow::Stop),
                    Flow::More => Ok(flow),
                },
                None => Ok(flow),
            }
        });
        self.out.end_batch(ctx, made)
    }
    fn finish(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), Error> {
        if self.bounds.is_none() {
            // SKIP and LIMIT are checked even when no row came.
            projection::skip_limit(ctx, self.p)?;
        }
        ctx.mem.release(std::mem::take(&mut self.held));
        self.seen = None;
        self.out.finish(ctx)
    }
    fn describe(&self, out: &mut Vec<PlanLine>) {
        describe_projection(
            self.p,
            self.where_,
            &self.cols,
            &self.out.c,
            false,
            false,
            out,
        );
    }
    fn next(&self) -> Option<&dyn Operator> {
        Some(self.out.next.as_ref())
    }
    fn take_rows(&mut self) -> Rows {
        self.out.next.take_rows()
    }
    fn reset(&mut self) {
        // SKIP and LIMIT may read parameters: evaluated again.
        self.bounds = None;
        self.seen = self.p.distinct.then(Default::default);
        (self.held, self.skipped, self.taken) = (0, 0, 0);
        self.out.reset();
    }
}

/// WITH/RETURN that aggregates or sorts: a pipeline breaker. Grouping keeps
/// one entry per group; sorting keeps the projected rows (with LIMIT, only
/// the best `skip + limit` of them at a time: a top-k).
struct BreakerOp<'q> {
    p: &'q Projection,
    where_: Option<&'q Expr>,
    names: Names,
    cols: Names,
    grouper: Option<Grouper<'q>>,
    /// Positions of the variables `*` projects.
    star: Vec<usize>,
    /// Whether it groups (`grouper` is some), as PROFILE names it.
    aggregates: bool,
    groups: usize,
    key_vals: Vec<Value>,
    rows: Vec<OutRow>,
    /// ORDER BY with LIMIT: how many rows the sort can ever return (SKIP +
    /// LIMIT), evaluated at the first row; the buffer is cut back to them
    /// whenever it grows past twice that, so a top-k holds O(k) rows.
    keep: Option<Option<usize>>,
    /// ORDER BY … LIMIT under `Rule::TopK`: the buffer is cut back as it
    /// fills (after DISTINCT over it, when the projection has one).
    top_k: bool,
    /// The output column of each ORDER BY key, when every key is one.
    sort_at: Option<Vec<usize>>,
    /// Whether the last cut back kept all `keep` rows: a row that sorts
    /// with or after the last of them is beyond the top and is dropped as
    /// it comes (Q2 at scale L sorted 11,852 names for its first 100).
    full: bool,
    /// Under DISTINCT, whether a sort key has held a number. 1 and 1.0 are
    /// one row to DISTINCT, which keeps the first to come, yet they sort
    /// apart: a later 1 must not take the place of a 1.0 cut back or
    /// dropped. From the first number on, every row is held, as without
    /// a top-k (rows cut or dropped before held no number, so a later row
    /// equal to one of them sorts as it did).
    numbers: bool,
    held: usize,
    /// A count folded in (`fold_count`) before any group was made, when
    /// the projection is that count alone (no key, no expression around
    /// it, no SKIP, LIMIT, ORDER BY or WHERE): `finish` gives its one row
    /// without making the group (for Q3, making and finishing the group
    /// cost more than counting its 29 ends).
    folded: Option<i64>,
    /// Node records the projection reads, asked for rows ahead.
    read_ahead: ReadAhead,
    out: Out<'q>,
}

impl<'q> BreakerOp<'q> {
    /// Sorts the buffer and keeps its first `k` rows; what it holds is
    /// accounted anew.
    fn cut_back(&mut self, ctx: &mut Ctx<'_, '_>, k: usize) -> Result<(), Error> {
        let mut rows = std::mem::take(&mut self.rows);
        if self.p.distinct {
            projection::distinct_rows(&mut rows);
        }
        self.rows = projection::order_rows(ctx, self.p, &self.names, &self.cols, rows, 0, Some(k))?;
        self.full = self.rows.len() >= k;
        ctx.mem.release(std::mem::take(&mut self.held));
        let held: usize = self
            .rows
            .iter()
            .map(|(out, src, _)| row_bytes(out) + src.as_deref().map_or(0, row_bytes) + 32)
            .sum();
        ctx.mem.charge(held, self.name())?;
        self.held = held;
        Ok(())
    }

    /// Whether output row `out`, arriving now, can no longer be among the
    /// rows kept: the last cut back kept `k` rows, all of which sort
    /// before it or level with it and came first.
    fn beyond_top(&self, out: &[Value]) -> bool {
        let (true, false, Some(Some(k))) = (self.full, self.numbers, self.keep) else {
            return false;
        };
        let Some(at) = &self.sort_at else {
            return false;
        };
        match k.checked_sub(1).and_then(|last| self.rows.get(last)) {
            Some((worst, _, _)) => projection::sorts_with_or_after(self.p, at, out, worst),
            None => k == 0,
        }
    }

    fn name(&self) -> &'static str {
        match (self.aggregates, self.p.order_by.is_empty()) {
            (true, _) => "Aggregate",
            (false, _) if self.top_k => "Top",
            _ => "Sort",
        }
    }
}

impl<'q> BreakerOp<'q> {
    /// Folds a row standing for `weight` equal rows into the groups:
    /// counted whole by a grouping that only counts, else once per copy.
    fn group(&mut self, ctx: &mut Ctx<'_, '_>, row: &[Value], weight: u64) -> Result<(), Error> {
        let name = self.name();
        let Some(g) = self.grouper.as_mut() else {
            return Err(super::operator::no_groups());
        };
        match weight {
            1 => g.add_row(ctx, &self.names, row, &mut self.key_vals)?,
            _ if g.counts_only() => {
                let w = i64::try_from(weight).map_err(|_| super::ops::overflow())?;
                g.add_row_weighted(ctx, &self.names, row, &mut self.key_vals, w)?;
            }
            // A weight may stand for billions of rows: the copies look at
            // cancellation and the timeout as they go.
            _ => {
                for _ in 0..weight {
                    ctx.tick()?;
                    g.add_row(ctx, &self.names, row, &mut self.key_vals)?;
                }
            }
        }
        if g.groups() > self.groups {
            self.groups = g.groups();
            // The group's key, first row and accumulators.
            let bytes = 2 * row_bytes(row) + 64;
            ctx.mem.charge(bytes, name)?;
            self.held += bytes;
        }
        Ok(())
    }

    /// A row standing for `weight` equal rows, taken as copies (no grouping).
    fn copies(&mut self, ctx: &mut Ctx<'_, '_>, row: Vec<Value>, weight: u64) -> Result<(), Error> {
        let mut one = Batch::default();
        one.push(row, weight);
        each_copy(&mut one, |r| {
            ctx.tick()?;
            self.row(ctx, r).map(|_| Flow::More)
        })?;
        Ok(())
    }

    /// One row of a projection that does not group.
    fn row(&mut self, ctx: &mut Ctx<'_, '_>, row: Vec<Value>) -> Result<(), Error> {
        let name = self.name();
        let out = project_row(ctx, self.p, &self.names, &self.star, &row)?;
        if self.p.distinct && !self.numbers {
            self.numbers = self
                .sort_at
                .as_ref()
                .is_some_and(|at| at.iter().any(|&i| out.get(i).is_some_and(holds_number)));
        }
        if self.beyond_top(&out) {
            return Ok(());
        }
        let bytes = row_bytes(&out) + row_bytes(&row) + 32;
        ctx.mem.charge(bytes, name)?;
        self.held += bytes;
        self.rows.push((out, Some(row), None));
        let keep = match self.keep {
            Some(k) => k,
            None => {
                let k = if self.top_k && !self.aggregates {
                    let (skip, limit) = projection::skip_limit(ctx, self.p)?;
                    limit.map(|l| l.saturating_add(skip))
                } else {
                    None
                };
                *self.keep.insert(k)
            }
        };
        if let (Some(k), false) = (keep, self.numbers) {
            if self.rows.len() >= k.saturating_mul(2).max(1024) {
                self.cut_back(ctx, k)?;
            }
        }
        Ok(())
    }
}

impl<'q> Operator for BreakerOp<'q> {
    fn push(&mut self, ctx: &mut Ctx<'_, '_>, batch: &mut Batch) -> Result<Flow, Error> {
        ctx.check_batch(batch.len())?;
        let nodes = self.read_ahead.nodes(batch.rows());
        for (j, (row, weight)) in batch.drain().enumerate() {
            self.read_ahead.ask(ctx, &nodes, j);
            match (weight, self.grouper.is_some()) {
                (_, true) => self.group(ctx, &row, weight)?,
                (1, false) => self.row(ctx, row)?,
                _ => self.copies(ctx, row, weight)?,
            }
        }
        Ok(Flow::More)
    }
    fn folds(&self) -> bool {
        self.grouper.is_some()
    }
    fn fold(&mut self, ctx: &mut Ctx<'_, '_>, row: &[Value], weight: u64) -> Result<(), Error> {
        self.group(ctx, row, weight)
    }
    fn fold_count(&mut self, ctx: &mut Ctx<'_, '_>, n: usize) -> Result<(), Error> {
        let name = self.name();
        // Only a grouping without keys whose one aggregate is the count.
        let Some(g) = self
            .grouper
            .as_mut()
            .filter(|g| g.key_exprs().next().is_none() && g.aggregates().len() == 1)
        else {
            return Err(super::operator::no_groups());
        };
        let n = i64::try_from(n).map_err(|_| super::ops::overflow())?;
        let p = self.p;
        let alone = p.skip.is_none() && p.limit.is_none() && p.order_by.is_empty();
        if alone && self.where_.is_none() && g.groups() == 0 && g.is_one_aggregate() {
            let was = self.folded.unwrap_or(0);
            self.folded = Some(was.checked_add(n).ok_or_else(super::ops::overflow)?);
            return Ok(());
        }
        count_into_group(g, &self.names, n);
        if g.groups() > self.groups {
            self.groups = g.groups();
            let bytes = 2 * row_bytes(&[]) + 64;
            ctx.mem.charge(bytes, name)?;
            self.held += bytes;
        }
        Ok(())
    }
    fn finish(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), Error> {
        if let (Some(n), Some(g)) = (self.folded.take(), &mut self.grouper) {
            if g.groups() == 0 {
                self.out.emit(ctx, vec![Value::Int(n)], 1)?;
                return self.out.finish(ctx);
            }
            // Should rows make the group after the count was folded, it
            // joins them.
            count_into_group(g, &self.names, n);
        }
        let out = match &mut self.grouper {
            Some(g) => g.finish(ctx, &self.names)?,
            None => std::mem::take(&mut self.rows),
        };
        let rows = projection::finish_rows(ctx, self.p, &self.names, &self.cols, out, self.where_)?;
        ctx.mem.release(std::mem::take(&mut self.held));
        for r in rows {
            if self.out.emit(ctx, r, 1)? == Flow::Stop {
                break;
            }
        }
        self.out.finish(ctx)
    }
    fn describe(&self, out: &mut Vec<PlanLine>) {
        describe_projection(
            self.p,
            self.where_,
            &self.cols,
            &self.out.c,
            self.aggregates,
            self.top_k,
            out,
        );
    }
    fn next(&self) -> Option<&dyn Operator> {
        Some(self.out.next.as_ref())
    }
    fn take_rows(&mut self) -> Rows {
        self.out.next.take_rows()
    }
    fn reset(&mut self) {
        if let Some(g) = &mut self.grouper {
            g.reset();
        }
        self.groups = 0;
        self.key_vals = Vec::new();
        self.rows = Vec::new();
        self.keep = None;
        self.full = false;
        self.numbers = false;
        self.held = 0;
        self.folded = None;
        self.out.reset();
    }
}

/// Adds `n` distinct values to the one count of a grouping without keys,
/// in its one group, made as `Grouper::finish` makes it for no rows.
fn count_into_group(g: &mut Grouper<'_>, names: &Names, n: i64) {
    let nulls: Vec<Value> = names.iter().map(|_| Value::Null).collect();
    let gi = g.group(&mut Vec::new(), || nulls);
    g.add_count(gi, 0, n);
}

fn describe_projection(
    p: &Projection,
    where_: Option<&Expr>,
    cols: &[String],
    c: &Counters,
    grouping: bool,
    top_k: bool,
    out: &mut Vec<PlanLine>,
) {
    let mut steps = Vec::new();
    if grouping {
        steps.push("hash aggregation".to_string());
    }
    if p.distinct {
        steps.push("distinct".into());
    }
    if !p.order_by.is_empty() {
        steps.push(if top_k {
            "top-k sort".into()
        } else {
            "sort".into()
        });
    }
    if p.skip.is_some() {
        steps.push("skip".into());
    }
    if p.limit.is_some() {
        steps.push("limit: stops its input".into());
    }
    if where_.is_some() {
        steps.push("filter".into());
    }
    let op = if grouping {
        "Aggregate"
    } else if !p.order_by.is_empty() {
        "Sort"
    } else {
        "Projection"
    };
    let mut d = cols.join(", ");
    if !steps.is_empty() {
        d.push_str(&format!(" ({})", steps.join(", ")));
    }
    out.push(line(0, c, op, d));
}

/// Whether `v` is or holds a number (`BreakerOp::numbers`).
fn holds_number(v: &Value) -> bool {
    match v {
        Value::Int(_) | Value::Float(_) | Value::Estimate(_) => true,
        Value::List(items) => items.iter().any(holds_number),
        Value::Map(m) => m.values().any(holds_number),
        _ => false,
    }
}

// --------------------------------------------------------- fused scan

/// `MATCH (a)-[r:T]->(b) … RETURN keys, aggregates` as one pass over the
/// links kept as columns (`link_aggregate.rs`), in place of Match and
/// Aggregate. The input rows are only counted: the pattern binds nothing
/// they hold, so each would match the same links.
struct LinkAggregateOp<'q> {
    m: &'q Match,
    p: &'q Projection,
    where_: Option<&'q Expr>,
    times: u64,
    out: Out<'q>,
}

impl<'q> Operator for LinkAggregateOp<'q> {
    fn push(&mut self, ctx: &mut Ctx<'_, '_>, batch: &mut Batch) -> Result<Flow, Error> {
        ctx.check_batch(batch.len())?;
        self.times += batch.weight();
        Ok(Flow::More)
    }
    fn finish(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), Error> {
        let run = link_aggregate::run(ctx, self.m, self.p, self.where_, self.times)?;
        let Some((_, rows)) = run else {
            return Err(Error::runtime(
                ErrorKind::SemanticError,
                "PlanMismatch",
                "the fused link aggregation planned for this query did not apply",
            ));
        };
        for r in rows {
            if self.out.emit(ctx, r, 1)? == Flow::Stop {
                break;
            }
        }
        self.out.finish(ctx)
    }
    fn describe(&self, out: &mut Vec<PlanLine>) {
        out.push(line(
            0,
            &self.out.c,
            "LinkAggregate",
            format!(
                "{} grouped in one pass over the links (kept as columns)",
                print_part(&self.m.pattern[0])
            ),
        ));
    }
    fn next(&self) -> Option<&dyn Operator> {
        Some(self.out.next.as_ref())
    }
    fn take_rows(&mut self) -> Rows {
        self.out.next.take_rows()
    }
    fn reset(&mut self) {
        self.times = 0;
        self.out.reset();
    }
}

// ------------------------------------------------------- count product

/// `MATCH (a), (b), (c) RETURN count(*)`: parts that share no variable
/// match independently, so the count of their cross product is the product
/// of their counts. Each part is walked once, nothing is held, and
/// 2,000 × 2,000 × 2,000 rows are counted in 3 × 2,000 steps (Kùzu's
/// factorised counting does the same).
struct CountProductOp<'q> {
    m: &'q Match,
    /// The WHERE's conjuncts by part (`part_conjuncts`).
    conj: Vec<Vec<pattern::Conjunct<'q>>>,
    /// Input rows seen: each matches the parts alike.
    times: u64,
    out: Out<'q>,
}

/// Whether `MATCH m RETURN/WITH p [WHERE w]` is a count of independent parts.
fn counts_by_product(m: &Match, p: &Projection, w: Option<&Expr>, symbols: &Symbols) -> bool {
    let counts_rows =
        matches!(p.items.as_slice(), [it] if matches!(it.expr.kind, ExprKind::CountStar));
    if !counts_rows
        || p.distinct
        || p.star
        || !p.order_by.is_empty()
        || p.skip.is_some()
        || p.limit.is_some()
        || w.is_some()
        || m.optional
        || m.as_of.is_some()
        || m.pattern.len() < 2
        || part_conjuncts(m, symbols).is_none()
    {
        return false;
    }
    // Links must be unique across the parts of a MATCH: with links in one
    // part only, the parts cannot share any.
    if m.pattern
        .iter()
        .filter(|pt| !pt.element.chain.is_empty())
        .count()
        > 1
    {
        return false;
    }
    let mut seen: Vec<String> = Vec::new();
    for part in &m.pattern {
        if part.kind != crate::query::ast::PathKind::Normal {
            return false;
        }
        let mut vars = Vec::new();
        pattern::pattern_vars(&part.element, &mut vars);
        let own = own_vars(part);
        // A property map reading another variable ties the parts together.
        if vars.iter().any(|v| !own.contains(&v.as_str())) {
            return false;
        }
        if own.iter().any(|v| seen.iter().any(|s| s == v)) {
            return false;
        }
        seen.extend(own.iter().map(|v| v.to_string()));
    }
    true
}

/// The variables `part` binds.
fn own_vars(part: &PatternPart) -> Vec<&str> {
    let e = &part.element;
    std::iter::once(&e.start)
        .chain(e.chain.iter().map(|(_, n)| n))
        .filter_map(|n| n.variable.as_ref().map(|v| v.name.as_str()))
        .chain(
            e.chain
                .iter()
                .filter_map(|(r, _)| r.variable.as_ref().map(|v| v.name.as_str())),
        )
        .collect()
}

/// The MATCH's WHERE conjuncts by part, when each reads the variables of
/// one part only: a part's matches are then filtered alone, and the
/// product counts the rows the whole WHERE keeps (as Kùzu's factorised
/// count does). `None` when one ties parts together, reads no variable,
/// or calls `rand()` (once per row is not once per part's match).
fn part_conjuncts<'q>(m: &'q Match, symbols: &Symbols) -> Option<Vec<Vec<pattern::Conjunct<'q>>>> {
    let mut by_part: Vec<Vec<pattern::Conjunct<'q>>> =
        m.pattern.iter().map(|_| Vec::new()).collect();
    for c in pattern::conjuncts(m.where_.as_ref(), symbols) {
        if c.vars.is_empty() || calls_rand(c.expr) {
            return None;
        }
        let at = m.pattern.iter().position(|part| {
            let own = own_vars(part);
            c.vars.iter().all(|v| own.contains(&v.as_str()))
        })?;
        by_part[at].push(c);
    }
    Some(by_part)
}

fn calls_rand(e: &Expr) -> bool {
    if let ExprKind::Function {
        func: Func::Scalar(Scalar::Rand),
        ..
    } = &e.kind
    {
        return true;
    }
    let mut found = false;
    e.for_each_child(|c| {
        if let crate::query::ast::Child::Expr(x) = c {
            found |= calls_rand(x);
        }
    });
    found
}

impl<'q> Operator for CountProductOp<'q> {
    fn push(&mut self, ctx: &mut Ctx<'_, '_>, batch: &mut Batch) -> Result<Flow, Error> {
        ctx.check_batch(batch.len())?;
        self.times += batch.weight();
        Ok(Flow::More)
    }
    fn finish(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), Error> {
        // Every input row matches the same parts: the count is their number
        // times the product (no part is walked for no row).
        let overflow = || {
            Error::runtime(
                ErrorKind::ArgumentError,
                "IntegerOverflow",
                "count(*) of this cross product does not fit in a 64-bit integer",
            )
        };
        let mut total = i64::try_from(self.times).map_err(|_| overflow())?;
        for (at, part) in self.m.pattern.iter().enumerate() {
            if total == 0 {
                break;
            }
            let parts = std::slice::from_ref(part);
            let plan = pattern::plan_parts(ctx, &[], parts);
            let new = Names::new(pattern::new_variables(parts, &[]), &ctx.symbols);
            let mut n: i64 = 0;
            let mut sink = |_: &mut Ctx<'_, '_>, _: &[Value]| {
                n += 1;
                Ok(Flow::More)
            };
            let conj = self.conj.get(at).map_or(&[][..], |c| c.as_slice());
            let fresh = new.len();
            pattern::match_row(
                ctx,
                &new,
                &[],
                parts,
                &plan,
                fresh,
                conj,
                None,
                false,
                None,
                &mut pattern::Scratch::default(),
                &mut sink,
            )?;
            total = total.checked_mul(n).ok_or_else(overflow)?;
        }
        self.out.emit(ctx, vec![Value::Int(total)], 1)?;
        self.out.finish(ctx)
    }
    fn describe(&self, out: &mut Vec<PlanLine>) {
        out.push(line(
            0,
            &self.out.c,
            "CountProduct",
            "count(*) as the product of each part's count (the parts share no variable)".into(),
        ));
        for (at, part) in self.m.pattern.iter().enumerate() {
            let mut details = print_part(part);
            if let Some(n) = self.conj.get(at).map(Vec::len).filter(|&n| n > 0) {
                details.push_str(&format!(" WHERE {n} conjunct(s) of its own"));
            }
            let mut l = line(1, &Counters::default(), "Count", details);
            l.rows = u64::MAX;
            out.push(l);
        }
    }
    fn next(&self) -> Option<&dyn Operator> {
        Some(self.out.next.as_ref())
    }
    fn take_rows(&mut self) -> Rows {
        self.out.next.take_rows()
    }
    fn reset(&mut self) {
        self.times = 0;
        self.out.reset();
    }
}

// ---------------------------------------------------------------- writes

/// An updating clause. openCypher has a clause see the whole result of the
/// one before it, so the rows are gathered first (an eager barrier): reads
/// upstream never see this clause's writes half done.
struct WriteOp<'q> {
    clause: &'q Clause,
    /// Names before and after the clause.
    names: Names,
    out_names: Names,
    rows: Rows,
    held: usize,
    out: Out<'q>,
}

impl<'q> Operator for WriteOp<'q> {
    fn push(&mut self, ctx: &mut Ctx<'_, '_>, batch: &mut Batch) -> Result<Flow, Error> {
        ctx.check_batch(batch.len())?;
        each_copy(batch, |row| {
            let bytes = row_bytes(&row);
            ctx.mem.charge(bytes, "Eager")?;
            self.held += bytes;
            self.rows.push(row);
            Ok(Flow::More)
        })
    }
    fn finish(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), Error> {
        let rows = std::mem::take(&mut self.rows);
        let out = run_write(ctx, self.clause, &self.names, &self.out_names, rows)?;
        ctx.mem.release(std::mem::take(&mut self.held));
        for r in out {
            if self.out.emit(ctx, r, 1)? == Flow::Stop {
                break;
            }
        }
        self.out.finish(ctx)
    }
    fn describe(&self, out: &mut Vec<PlanLine>) {
        let (op, d) = match self.clause {
            Clause::Create(c) => (
                "Create",
                c.pattern
                    .iter()
                    .map(print_part)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            Clause::Merge(m) => ("Merge", print_part(&m.part)),
            Clause::Set(_) => ("SetProperties", String::new()),
            Clause::Remove(_) => ("Remove", String::new()),
            Clause::Delete(d) if d.detach => ("DetachDelete", String::new()),
            Clause::Delete(_) => ("Delete", String::new()),
            _ => ("Write", String::new()),
        };
        let d = if d.is_empty() {
            "eager: its input is gathered before anything is written".to_string()
        } else {
            format!("{d} (eager: its input is gathered before anything is written)")
        };
        out.push(line(0, &self.out.c, op, d));
    }
    fn next(&self) -> Option<&dyn Operator> {
        Some(self.out.next.as_ref())
    }
    fn take_rows(&mut self) -> Rows {
        self.out.next.take_rows()
    }
    fn reset(&mut self) {
        self.rows = Vec::new();
        self.held = 0;
        self.out.reset();
    }
}

/// Puts a row whose variables are in `have` order into `want` order.
fn reorder(have: &[String], row: &[Value], want: &[String]) -> Vec<Value> {
    want.iter()
        .map(|name| {
            have.iter()
                .rposition(|x| x == name)
                .map(|i| row[i].clone())
                .unwrap_or(Value::Null)
        })
        .collect()
}

fn run_write(
    ctx: &mut Ctx<'_, '_>,
    clause: &Clause,
    names: &Names,
    out_names: &Names,
    rows: Rows,
) -> Result<Rows, Error> {
    Ok(match clause {
        Clause::Create(c) => {
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                ctx.tick()?;
                let mut n = names.clone();
                let mut r = row;
                write::create_pattern(ctx, &mut n, &mut r, &c.pattern)?;
                out.push(reorder(&n, &r, out_names));
            }
            out
        }
        Clause::Merge(mg) => {
            let parts = std::slice::from_ref(&mg.part);
            let new = out_names.len() - names.len();
            let plan = pattern::plan_parts(ctx, names, parts);
            let mut out = Vec::new();
            for row in rows {
                ctx.tick()?;
                super::merge_null_check(ctx, &mg.part, names, &row)?;
                let mut matched = Vec::new();
                pattern::match_row(
                    ctx,
                    out_names,
                    &row,
                    parts,
                    &plan,
                    new,
                    &[],
                    None,
                    false,
                    None,
                    &mut pattern::Scratch::default(),
                    &mut |_, r| {
                        matched.push(r.to_vec());
                        Ok(Flow::More)
                    },
                )?;
                if matched.is_empty() {
                    let mut n = names.clone();
                    let mut r = row.clone();
                    write::create_pattern(ctx, &mut n, &mut r, parts)?;
                    let r2 = reorder(&n, &r, out_names);
                    write::set_items(ctx, out_names, &r2, &mg.on_create)?;
                    out.push(r2);
                } else {
                    for r in matched {
                        write::set_items(ctx, out_names, &r, &mg.on_match)?;
                        out.push(r);
                    }
                }
            }
            out
        }
        Clause::Set(s) => {
            for row in &rows {
                ctx.tick()?;
                write::set_items(ctx, names, row, &s.items)?;
            }
            rows
        }
        Clause::Remove(rm) => {
            for row in &rows {
                ctx.tick()?;
                write::remove_items(ctx, names, row, &rm.items)?;
            }
            rows
        }
        Clause::Delete(d) => {
            // Links first, then nodes: `DELETE a, r, b` must not trip
            // over `a` still having `r`.
            let mut targets = Vec::new();
            for row in &rows {
                for e in &d.exprs {
                    targets.push((eval(e, &Env::new(names, row), ctx)?, e.span));
                }
            }
            for (v, span) in &targets {
                ctx.tick()?;
                write::delete_links_of(ctx, v).map_err(|err| err.with_span(*span))?;
            }
            for (v, span) in &targets {
                ctx.tick()?;
                write::delete_value(ctx, v, d.detach).map_err(|err| err.with_span(*span))?;
            }
            rows
        }
        _ => rows,
    })
}

// ------------------------------------------------------------------ call

struct CallOp<'q> {
    call: &'q crate::query::ast::Call,
    names: Names,
    standalone: bool,
    out: Out<'q>,
}

impl<'q> Operator for CallOp<'q> {
    fn push(&mut self, ctx: &mut Ctx<'_, '_>, batch: &mut Batch) -> Result<Flow, Error> {
        ctx.check_batch(batch.len())?;
        let made = each_copy(batch, |row| {
            let (_, out) = call::run_call(ctx, self.call, &self.names, vec![row], self.standalone)?;
            for r in out {
                if self.out.emit(ctx, r, 1)? == Flow::Stop {
                    return Ok(Flow::Stop);
                }
            }
            Ok(Flow::More)
        });
        self.out.end_batch(ctx, made)
    }
    fn finish(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), Error> {
        self.out.finish(ctx)
    }
    fn describe(&self, out: &mut Vec<PlanLine>) {
        out.push(line(
            0,
            &self.out.c,
            "ProcedureCall",
            self.call.procedure.join("."),
        ));
    }
    fn next(&self) -> Option<&dyn Operator> {
        Some(self.out.next.as_ref())
    }
    fn take_rows(&mut self) -> Rows {
        self.out.next.take_rows()
    }
    fn reset(&mut self) {
        self.out.reset();
    }
}

// ------------------------------------------------------------ subqueries

/// `CALL { … }`: an apply. For each row the subquery runs from the
/// variables it imports; each row it returns joins a copy of the input row
/// (none: the row is dropped), and a unit subquery passes the row on once.
///
/// `IN TRANSACTIONS`: the input rows are held first (the batches commit
/// under the operators that produce them), then run a batch at a time,
/// each batch committed before the next starts.
struct CallSubqueryOp<'q> {
    call: &'q crate::query::ast::CallSubquery,
    names: Names,
    /// The subquery's plan, for EXPLAIN.
    lines: Vec<PlanLine>,
    /// `IN TRANSACTIONS`: the input rows so far, and their bytes.
    held: Rows,
    held_bytes: usize,
    out: Out<'q>,
}

impl<'q> CallSubqueryOp<'q> {
    fn apply(&mut self, ctx: &mut Ctx<'_, '_>, row: Vec<Value>) -> Result<Flow, Error> {
        match subquery::run_call(ctx, &self.call.query, &self.names, &row)? {
            None => self.out.emit(ctx, row, 1),
            Some(rows) => {
                for r in rows {
                    let mut out = row.clone();
                    out.extend(r);
                    if self.out.emit(ctx, out, 1)? == Flow::Stop {
                        return Ok(Flow::Stop);
                    }
                }
                Ok(Flow::More)
            }
        }
    }

    /// Runs the held rows a batch at a time, committing each batch.
    fn run_batches(&mut self, ctx: &mut Ctx<'_, '_>, size: usize) -> Result<(), Error> {
        let rows = std::mem::take(&mut self.held);
        ctx.mem.release(std::mem::take(&mut self.held_bytes));
        let mut in_batch = 0;
        for row in rows {
            ctx.tick()?;
            let mut flow = match self.apply(ctx, row) {
                Ok(flow) => flow,
                Err(err) => return self.out.end_batch(ctx, Err(err)).map(drop),
            };
            in_batch += 1;
            if in_batch == size {
                // What the batch returned goes on before it commits.
                if self.out.flush(ctx)? == Flow::Stop {
                    flow = Flow::Stop;
                }
                ctx.tx.commit_batch()?;
                in_batch = 0;
            }
            if flow == Flow::Stop {
                break;
            }
        }
        self.out.flush(ctx)?;
        ctx.tx.commit_batch()?;
        Ok(())
    }
}

impl<'q> Operator for CallSubqueryOp<'q> {
    fn push(&mut self, ctx: &mut Ctx<'_, '_>, batch: &mut Batch) -> Result<Flow, Error> {
        ctx.check_batch(batch.len())?;
        let made = each_copy(batch, |row| {
            if self.call.in_transactions.is_none() {
                return self.apply(ctx, row);
            }
            let bytes = row_bytes(&row);
            ctx.mem.charge(bytes, "Apply (IN TRANSACTIONS)")?;
            self.held_bytes += bytes;
            self.held.push(row);
            Ok(Flow::More)
        });
        self.out.end_batch(ctx, made)
    }
    fn finish(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), Error> {
        if let Some(t) = &self.call.in_transactions {
            let size = subquery::batch_size(ctx, t)?;
            self.run_batches(ctx, size)?;
        }
        self.out.finish(ctx)
    }
    fn describe(&self, out: &mut Vec<PlanLine>) {
        let unit = subquery::is_unit(&self.call.query);
        out.push(line(
            0,
            &self.out.c,
            "Apply",
            format!(
                "{}{}",
                if unit {
                    "CALL { … } once per row; the row passes on (unit subquery)"
                } else {
                    "CALL { … } once per row; each row it returns joins the input row"
                },
                match &self.call.in_transactions {
                    Some(_) => "; IN TRANSACTIONS: the rows are held, each batch committed",
                    None => "",
                }
            ),
        ));
        out.extend(self.lines.iter().cloned());
    }
    fn next(&self) -> Option<&dyn Operator> {
        Some(self.out.next.as_ref())
    }
    fn take_rows(&mut self) -> Rows {
        self.out.next.take_rows()
    }
    fn reset(&mut self) {
        self.held = Vec::new();
        self.held_bytes = 0;
        self.out.reset();
    }
}

/// An operator whose expressions hold subqueries: it runs as it is, and
/// EXPLAIN shows under it the apply each subquery is evaluated by.
struct Described<'q> {
    inner: Next<'q>,
    lines: Vec<PlanLine>,
}

impl<'q> Operator for Described<'q> {
    fn push(&mut self, ctx: &mut Ctx<'_, '_>, batch: &mut Batch) -> Result<Flow, Error> {
        self.inner.push(ctx, batch)
    }
    fn finish(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), Error> {
        self.inner.finish(ctx)
    }
    fn describe(&self, out: &mut Vec<PlanLine>) {
        self.inner.describe(out);
        out.extend(self.lines.iter().cloned());
    }
    fn next(&self) -> Option<&dyn Operator> {
        self.inner.next()
    }
    fn take_rows(&mut self) -> Rows {
        self.inner.take_rows()
    }
    fn reset(&mut self) {
        self.inner.reset();
    }
    fn inclusive_nanos(&self) -> u128 {
        self.inner.inclusive_nanos()
    }
    fn folds(&self) -> bool {
        self.inner.folds()
    }
    fn fold(&mut self, ctx: &mut Ctx<'_, '_>, row: &[Value], weight: u64) -> Result<(), Error> {
        self.inner.fold(ctx, row, weight)
    }
    fn fold_count(&mut self, ctx: &mut Ctx<'_, '_>, n: usize) -> Result<(), Error> {
        self.inner.fold_count(ctx, n)
    }
}

// ---------------------------------------------------------------- build

/// One query part's chain, first operator first, and its result columns.
pub struct Chain<'q> {
    head: Next<'q>,
    pub columns: Vec<String>,
    /// Its rows start with the variables of the enclosing query (a
    /// subquery that imports them), else empty.
    imports: bool,
    /// It may be kept and run again (`plan_cache.rs`): it only reads,
    /// calls no procedure, and nothing chosen in building it read a
    /// parameter's value.
    reusable: bool,
}

/// The plan of a whole statement: the parts of a UNION, each a chain.
pub struct Pipeline<'q> {
    parts: Vec<Chain<'q>>,
    /// UNION (not ALL) somewhere: duplicate rows are removed.
    distinct: bool,
    union_spans: Vec<crate::query::ast::Span>,
}

/// Builds the operators of `q`, planning each MATCH against the catalog.
pub fn build<'q>(ctx: &mut Ctx<'_, '_>, q: &'q Query) -> Result<Pipeline<'q>, Error> {
    ctx.bind(&q.symbols);
    build_in(ctx, q, &[], &|_| false, Produce::Result)
}

/// Builds `q` as a subquery: the rows of each part that `imports` start
/// with the variables `outer` (their values given to `Pipeline::run_from`),
/// the others empty; they end as `produce` says.
pub fn build_in<'q>(
    ctx: &mut Ctx<'_, '_>,
    q: &'q Query,
    outer: &[String],
    imports: &dyn Fn(&SingleQuery) -> bool,
    produce: Produce,
) -> Result<Pipeline<'q>, Error> {
    let start = |sq: &SingleQuery| if imports(sq) { outer } else { &[] };
    // A COUNT over a UNION (not ALL) needs the rows to drop the duplicates.
    let produce = match produce {
        Produce::Count if q.unions.iter().any(|u| !u.all) => Produce::Rows,
        p => p,
    };
    let mut parts = vec![build_single(ctx, &q.first, start(&q.first), produce)?];
    let mut distinct = false;
    let mut union_spans = Vec::new();
    for u in &q.unions {
        parts.push(build_single(ctx, &u.query, start(&u.query), produce)?);
        distinct |= !u.all;
        union_spans.push(u.span);
    }
    Ok(Pipeline {
        parts,
        distinct,
        union_spans,
    })
}

/// The names of the variables after each clause of `q`, and whether the
/// part returns rows.
fn build_single<'q>(
    ctx: &mut Ctx<'_, '_>,
    q: &'q SingleQuery,
    start: &[String],
    produce: Produce,
) -> Result<Chain<'q>, Error> {
    // Walk forward to know each clause's input names, then build backward
    // (each operator owns the next).
    enum Step<'q> {
        /// With the variables it binds.
        Match(&'q Match, Vec<String>),
        Fused(&'q Match, &'q Projection, Option<&'q Expr>),
        CountProduct(&'q Match),
        Clause(&'q Clause),
    }
    let mut steps: Vec<(Step<'q>, Vec<String>, usize)> = Vec::new();
    let mentioned = liveness::Mentioned::new(&q.clauses);
    let mut names: Vec<String> = start.to_vec();
    let standalone = q.clauses.len() == 1 && start.is_empty();
    let mut reusable = !ctx.profiling;
    let mut returned: Option<Vec<String>> = None;
    let mut at = 0;
    while let Some(clause) = q.clauses.get(at) {
        at += 1;
        // The fused plans take a MATCH in any position whose pattern binds
        // nothing the rows before it hold: it then matches the same way for
        // every input row.
        if let (Clause::Match(m), Some((p, w, is_return))) =
            (clause, q.clauses.get(at).and_then(super::projection_of))
        {
            let fresh = !pattern::binds_any_of(&m.pattern, &names);
            if fresh && ctx.rules.on(Rule::CountProduct) && counts_by_product(m, p, w, &ctx.symbols)
            {
                at += 1;
                let cols = projection::columns(p, &names);
                if is_return {
                    returned = Some(cols.clone());
                }
                steps.push((Step::CountProduct(m), names.clone(), at - 2));
                names = cols;
                continue;
            }
            if fresh && ctx.rules.on(Rule::LinkAggregate) && link_aggregate::fuses(ctx, m, p) {
                at += 1;
                let cols = projection::columns(p, &names);
                if is_return {
                    returned = Some(cols.clone());
                }
                // Whether it fuses may depend on the parameters' values.
                reusable &= ctx.symbols.params().is_empty();
                steps.push((Step::Fused(m, p, w), names.clone(), at - 2));
                names = cols;
                continue;
            }
        }
        let before = names.clone();
        reusable &= matches!(
            clause,
            Clause::Match(_) | Clause::Unwind(_) | Clause::With(_) | Clause::Return(_)
        );
        match clause {
            Clause::Match(m) => {
                let new = pattern::new_variables(&m.pattern, &before);
                names.extend(new.iter().cloned());
                steps.push((Step::Match(m, new), before, at - 1));
                continue;
            }
            Clause::Unwind(u) => names.push(u.variable.name.clone()),
            Clause::With(w) => names = projection::columns(&w.projection, &before),
            Clause::Return(r) => {
                names = projection::columns(&r.projection, &before);
                returned = Some(names.clone());
            }
            Clause::Create(c) => names.extend(pattern::new_variables(&c.pattern, &before)),
            Clause::Merge(mg) => {
                names.extend(pattern::new_variables(
                    std::slice::from_ref(&mg.part),
                    &before,
                ));
            }
            Clause::Set(_) | Clause::Remove(_) | Clause::Delete(_) => {}
            Clause::Call(c) => {
                let columns = Names::new(before.clone(), &ctx.symbols);
                let (new, _) = call::run_call(ctx, c, &columns, vec![], standalone)?;
                if standalone {
                    returned = Some(new.clone());
                }
                names.extend(new);
            }
            Clause::CallSubquery(c) => {
                let returned = subquery::call_columns(ctx, &c.query, &before)?;
                names.extend(returned);
            }
        }
        steps.push((Step::Clause(clause), before, at - 1));
    }
    let columns = returned.clone().unwrap_or_default();
    let mut next: Next<'q> = Box::new(ProduceOp {
        mode: produce,
        columns: columns.clone(),
        keep: returned.is_some(),
        rows: Vec::new(),
        c: Counters::default(),
    });
    if ctx.profiling {
        next = Box::new(Profiled {
            inner: next,
            nanos: 0,
        });
    }
    // Output names of each step: the input names of the step after it.
    let mut after = names;
    for (step, before, at) in steps.into_iter().rev() {
        // The step's rows' columns, with the statement's symbols bound to
        // them (the one operator built below takes it).
        let bound = Names::new(before.clone(), &ctx.symbols);
        let clause_of = q.clauses.get(at);
        // The columns a fan-out (MATCH, UNWIND) clears first.
        let dead = |at: usize| match mentioned.from(at) {
            Some(later) if ctx.rules.on(Rule::DeadColumns) => liveness::dead(&before, later),
            _ => Vec::new(),
        };
        // The variables a MATCH's expressions see: its input's and its own.
        let mut visible = None;
        next = match step {
            Step::CountProduct(m) => Box::new(CountProductOp {
                m,
                conj: part_conjuncts(m, &ctx.symbols).unwrap_or_default(),
                times: 0,
                out: Out::new(next),
            }),
            Step::Fused(m, p, where_) => Box::new(LinkAggregateOp {
                m,
                p,
                where_,
                times: 0,
                out: Out::new(next),
            }),
            Step::Match(m, new) => {
                let plan = pattern::plan_parts(ctx, &before, &m.pattern);
                let runs = match ctx.rules.on(Rule::CountFactor) {
                    true => {
                        let out: Vec<String> = before.iter().chain(&new).cloned().collect();
                        // Nothing to fold when later clauses read every
                        // variable the MATCH binds: its matches all differ.
                        liveness::count_keys(&q.clauses, at, &out)
                            .filter(|k| (before.len()..out.len()).any(|i| !k.contains(&i)))
                            .map(CountedRuns::new)
                    }
                    false => None,
                };
                let mut names = bound;
                names.extend(new.iter().cloned(), &ctx.symbols);
                visible = Some(names.to_vec());
                let ends_once =
                    ctx.rules.on(Rule::PruneHops) && liveness::counts_distinct_only(&q.clauses, at);
                let fold = ctx.rules.on(Rule::FoldIntoGroups) && next.folds();
                let tally = match (
                    fold && !m.optional,
                    liveness::counted_variable(&q.clauses, at),
                ) {
                    (true, Some(var)) => names.slot(var).map(|slot| EndTally::new(var, slot)),
                    (true, None) if liveness::counts_rows_only(&q.clauses, at) => {
                        Some(EndTally::rows())
                    }
                    _ => None,
                };
                // Every row goes to a tally of rows: none is left to fold.
                let runs = runs.filter(|_| !tally.as_ref().is_some_and(EndTally::counts_rows));
                Box::new(MatchOp {
                    m,
                    dead: dead(at),
                    names,
                    new,
                    conj: pattern::conjuncts(m.where_.as_ref(), &ctx.symbols),
                    plan,
                    early: ctx.rules.on(Rule::PredicatePushdown),
                    as_of: None,
                    runs,
                    ends_once,
                    fold,
                    tally,
                    scratch: pattern::Scratch::default(),
                    out: Out::new(next),
                })
            }
            Step::Clause(clause) => match clause {
                Clause::Unwind(u) => Box::new(UnwindOp {
                    expr: &u.expr,
                    dead_after: dead(at + 1),
                    dead: dead(at),
                    var: &u.variable.name,
                    names: bound,
                    out: Out::new(next),
                }),
                Clause::With(w) => {
                    projection_op(ctx, &w.projection, w.where_.as_ref(), bound, next)
                }
                Clause::Return(r) => projection_op(ctx, &r.projection, None, bound, next),
                Clause::CallSubquery(c) => Box::new(CallSubqueryOp {
                    lines: subquery::call_plan(ctx, &c.query, &before),
                    call: c,
                    names: bound,
                    held: Vec::new(),
                    held_bytes: 0,
                    out: Out::new(next),
                }),
                Clause::Call(c) => Box::new(CallOp {
                    call: c,
                    names: bound,
                    standalone,
                    out: Out::new(next),
                }),
                _ => Box::new(WriteOp {
                    clause,
                    names: bound,
                    out_names: Names::new(after.clone(), &ctx.symbols),
                    rows: Vec::new(),
                    held: 0,
                    out: Out::new(next),
                }),
            },
        };
        if let Some(c) = clause_of {
            let visible = match (visible, c) {
                (Some(v), _) => v,
                (None, Clause::Match(m)) => {
                    let mut v = before.clone();
                    v.extend(pattern::new_variables(&m.pattern, &before));
                    v
                }
                (None, _) => before.clone(),
            };
            let lines = subquery::expression_plans(ctx, c, &visible);
            if !lines.is_empty() {
                next = Box::new(Described { inner: next, lines });
            }
        }
        if ctx.profiling {
            next = Box::new(Profiled {
                inner: next,
                nanos: 0,
            });
        }
        after = before;
    }
    Ok(Chain {
        head: next,
        columns,
        imports: !start.is_empty(),
        reusable,
    })
}

fn projection_op<'q>(
    ctx: &Ctx<'_, '_>,
    p: &'q Projection,
    where_: Option<&'q Expr>,
    names: Names,
    next: Next<'q>,
) -> Next<'q> {
    let cols = Names::new(projection::columns(p, &names), &ctx.symbols);
    let star = projection::star_slots_of(p, &cols, &names);
    let read_ahead = ReadAhead::of(ctx, p, &names);
    let sort_at = projection::sort_columns(p, &cols);
    let grouper = Grouper::new(p, &names);
    // A DISTINCT top-k needs its sort keys among the output columns, to
    // tell which rows sort alike; a grouping one ranks its groups itself
    // (`projection::ranked_groups`), never under DISTINCT.
    let top_k = ctx.rules.on(Rule::TopK)
        && !p.order_by.is_empty()
        && p.limit.is_some()
        && (!p.distinct || (grouper.is_none() && sort_at.is_some()));
    match grouper {
        Some(g) => Box::new(BreakerOp {
            p,
            where_,
            names,
            cols,
            grouper: Some(g),
            star: star.clone(),
            aggregates: true,
            groups: 0,
            key_vals: Vec::new(),
            rows: Vec::new(),
            keep: None,
            top_k,
            sort_at,
            full: false,
            numbers: false,
            held: 0,
            folded: None,
            read_ahead: ReadAhead::default(),
            out: Out::new(next),
        }),
        None if !p.order_by.is_empty() => Box::new(BreakerOp {
            p,
            where_,
            names,
            cols,
            grouper: None,
            star: star.clone(),
            aggregates: false,
            groups: 0,
            key_vals: Vec::new(),
            rows: Vec::new(),
            keep: None,
            top_k,
            sort_at,
            full: false,
            numbers: false,
            held: 0,
            folded: None,
            read_ahead,
            out: Out::new(next),
        }),
        None => Box::new(ProjectOp {
            p,
            where_,
            names,
            star,
            cols,
            bounds: None,
            seen: p.distinct.then(Default::default),
            held: 0,
            skipped: 0,
            taken: 0,
            read_ahead,
            out: Out::new(next),
        }),
    }
}

impl<'q> Pipeline<'q> {
    /// The result's columns, known once built (`exec::stream_query`).
    pub fn columns(&self) -> &[String] {
        self.parts.first().map_or(&[], |c| &c.columns)
    }

    /// Whether the plan may be kept and run again (`Chain::reusable`).
    pub fn reusable(&self) -> bool {
        self.parts.iter().all(|c| c.reusable)
    }

    /// Forgets what the last run left (`Operator::reset`).
    pub fn reset(&mut self) {
        for chain in &mut self.parts {
            chain.head.reset();
        }
    }

    /// Runs every part; returns the columns and rows of the result.
    pub fn run(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(Vec<String>, Rows), Error> {
        self.run_from(ctx, &[])
    }

    /// Runs every part from one row: `outer` (the values of the variables
    /// it was built with) for a part that imports them, else an empty one.
    pub fn run_from(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        outer: &[Value],
    ) -> Result<(Vec<String>, Rows), Error> {
        for chain in &mut self.parts {
            let row = if chain.imports {
                outer.to_vec()
            } else {
                Vec::new()
            };
            chain.head.push(ctx, &mut Batch::one(row))?;
            chain.head.finish(ctx)?;
        }
        self.same_columns()?;
        let columns = self.parts[0].columns.clone();
        let mut rows = Vec::new();
        for chain in &mut self.parts {
            rows.extend(chain.head.take_rows());
        }
        if self.distinct {
            let mut seen = fxhash::FxHashSet::default();
            rows.retain(|r| seen.insert(union_key(r)));
        }
        Ok((columns, rows))
    }

    /// As `run`, with the rows going to `ctx.sink` as each part makes them
    /// (`exec::stream_query`): a UNION is its parts one after the other,
    /// and UNION (not ALL) drops a row sent before, keeping one key per row
    /// sent, charged against the memory limit. The parts' columns are
    /// compared before anything runs.
    pub fn stream(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), Error> {
        self.same_columns()?;
        if self.distinct {
            ctx.union_seen = Some(Default::default());
        }
        let ran = self.parts.iter_mut().try_for_each(|chain| {
            chain.head.push(ctx, &mut Batch::one(Vec::new()))?;
            chain.head.finish(ctx)
        });
        ctx.union_seen = None;
        ran
    }

    fn same_columns(&self) -> Result<(), Error> {
        let columns = &self.parts[0].columns;
        for (chain, span) in self.parts[1..].iter().zip(&self.union_spans) {
            if &chain.columns != columns {
                return Err(Error::compile(
                    ErrorKind::SyntaxError,
                    "DifferentColumnsInUnion",
                    "all parts of a UNION must return the same columns",
                    *span,
                ));
            }
        }
        Ok(())
    }

    /// The plan as lines, root (the result) first, as EXPLAIN and PROFILE
    /// print it.
    pub fn lines(&self) -> Vec<PlanLine> {
        let mut all = Vec::new();
        for (i, chain) in self.parts.iter().enumerate() {
            if i > 0 {
                all.push(PlanLine {
                    depth: 0,
                    operator: if self.distinct { "Union" } else { "UnionAll" }.into(),
                    details: String::new(),
                    rows: u64::MAX,
                    nanos: 0,
                });
            }
            let mut ops: Vec<Vec<PlanLine>> = Vec::new();
            let mut at: Option<&dyn Operator> = Some(chain.head.as_ref());
            while let Some(op) = at {
                let mut l = Vec::new();
                op.describe(&mut l);
                ops.push(l);
                at = op.next();
            }
            // Root first: the result, then each operator towards the source.
            for (depth, l) in ops.into_iter().rev().enumerate() {
                for mut x in l {
                    x.depth += depth;
                    all.push(x);
                }
            }
        }
        all
    }
}

/// A row's identity for UNION's duplicate removal.
fn union_key(row: &[Value]) -> String {
    let mut k = String::new();
    for v in row {
        super::ops::group_key(v, &mut k);
        k.push('|');
    }
    k
}

/// Prints plan lines as a table: EXPLAIN without counts, PROFILE with them.
pub fn render(lines: &[PlanLine], profile: bool) -> String {
    let left: Vec<String> = lines
        .iter()
        .map(|l| {
            let head = format!("{}{}", "  ".repeat(l.depth), l.operator);
            if l.details.is_empty() {
                head
            } else {
                format!("{head:<28} {}", l.details)
            }
        })
        .collect();
    // PROFILE's figures line up in one column after the widest operator.
    let width = left.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for (l, s) in lines.iter().zip(left) {
        let mut s = s;
        if profile && l.rows != u64::MAX {
            let pad = width - s.chars().count();
            s = format!(
                "{s}{:pad$}  {:>10} {:<4} {:>10.3} ms",
                "",
                l.rows,
                if l.rows == 1 { "row" } else { "rows" },
                l.nanos as f64 / 1e6
            );
        }
        out.push_str(s.trim_end());
        out.push('\n');
    }
    out.trim_end().to_string()
}

// --------------------------------------------------------------- printing

fn print_node(n: &NodePattern) -> String {
    let mut s = String::from("(");
    if let Some(v) = &n.variable {
        s.push_str(&v.name);
    }
    for l in &n.labels {
        s.push(':');
        s.push_str(&l.name);
    }
    if let Some(a) = &n.actor {
        if n.variable.is_some() {
            s.push(' ');
        }
        s.push('@');
        s.push_str(&a.name);
    }
    if n.properties.is_some() {
        s.push_str(" {…}");
    }
    s.push(')');
    s
}

fn print_rel(r: &RelPattern) -> String {
    let mut inner = String::new();
    if let Some(v) = &r.variable {
        inner.push_str(&v.name);
    }
    for (i, t) in r.types.iter().enumerate() {
        inner.push(if i == 0 { ':' } else { '|' });
        inner.push_str(&t.name);
    }
    if let Some(l) = r.length {
        inner.push('*');
        match (l.min, l.max) {
            (Some(a), Some(b)) if a == b => inner.push_str(&a.to_string()),
            (a, b) => {
                if let Some(a) = a {
                    inner.push_str(&a.to_string());
                }
                inner.push_str("..");
                if let Some(b) = b {
                    inner.push_str(&b.to_string());
                }
            }
        }
    }
    if r.properties.is_some() {
        inner.push_str(" {…}");
    }
    let body = if inner.is_empty() {
        String::new()
    } else {
        format!("[{inner}]")
    };
    match r.direction {
        Direction::Outgoing => format!("-{body}->"),
        Direction::Incoming => format!("<-{body}-"),
        Direction::Both => format!("-{body}-"),
    }
}

/// A pattern part as written (property maps elided).
pub fn print_part(p: &PatternPart) -> String {
    let mut s = String::new();
    if let Some(v) = &p.variable {
        s.push_str(&v.name);
        s.push_str(" = ");
    }
    let e = &p.element;
    let mut body = print_node(&e.start);
    for (r, n) in &e.chain {
        body.push_str(&print_rel(r));
        body.push_str(&print_node(n));
    }
    match p.kind {
        crate::query::ast::PathKind::Normal => s.push_str(&body),
        crate::query::ast::PathKind::Shortest => s.push_str(&format!("shortestPath({body})")),
        crate::query::ast::PathKind::AllShortest => {
            s.push_str(&format!("allShortestPaths({body})"))
        }
        crate::query::ast::PathKind::Strongest => s.push_str(&format!("strongestPath({body})")),
    }
    s
}

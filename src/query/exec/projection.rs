//! WITH / RETURN: projection, implicit grouping with aggregates, DISTINCT,
//! ORDER BY, SKIP and LIMIT.

use super::context::Ctx;
use super::eval::{eval, AggKey, AggValues, Columns, Env};
use super::ops;
use crate::error::{Error, ErrorKind};
use crate::query::ast::{Child, Expr, ExprKind, Projection, SortItem};
use crate::query::bind::func::{Aggregate, Func};
use crate::query::bind::symbols::Names;
use crate::value::Value;
use std::borrow::Cow;
use std::collections::HashMap;

pub type Rows = Vec<Vec<Value>>;

/// `count(*)` or a non-DISTINCT `count(x)`: what a row standing for
/// several equal rows adds to is its number of rows.
pub fn is_plain_count(a: &Expr) -> bool {
    match &a.kind {
        ExprKind::CountStar => true,
        ExprKind::Function {
            distinct: false,
            args,
            func: Func::Aggregate(Aggregate::Count),
            ..
        } => args.len() == 1,
        _ => false,
    }
}

/// Every aggregate call inside `e` (not inside another aggregate).
pub fn aggregates_in<'q>(e: &'q Expr, out: &mut Vec<&'q Expr>) {
    match &e.kind {
        ExprKind::CountStar => out.push(e),
        ExprKind::Function { func, .. } if func.is_aggregate() => out.push(e),
        _ => e.for_each_child(|c| {
            // Patterns hold no aggregates.
            if let Child::Expr(x) = c {
                aggregates_in(x, out)
            }
        }),
    }
}

/// Output columns of a projection: `*` expands to the names in scope
/// (sorted, as Cypher does), then the items.
pub fn columns(p: &Projection, in_scope: &[String]) -> Vec<String> {
    let mut cols = Vec::new();
    if p.star {
        let mut vars: Vec<String> = in_scope
            .iter()
            .filter(|n| !n.starts_with(' '))
            .cloned()
            .collect();
        vars.sort();
        vars.dedup();
        cols.extend(vars);
    }
    for item in &p.items {
        cols.push(
            item.alias
                .as_ref()
                .map(|a| a.name.clone())
                .unwrap_or_else(|| item.text.clone()),
        );
    }
    cols
}

/// One aggregate's state for one group, beside its count (kept apart, in
/// `Grouper::counts`: counting touches only that dense array). `sum` keeps a
/// running total; the others keep the values they need at the end.
struct Acc {
    values: Vec<Value>,
    /// Running total of `sum`.
    total: Option<Value>,
    /// The second argument of `percentileDisc`/`percentileCont`.
    param: Option<Box<Value>>,
}

/// What one aggregate call keeps, the same for every group.
struct AggKind {
    sum: bool,
    /// DISTINCT drops a repeated value as it arrives.
    distinct: bool,
    /// `count(DISTINCT x)`: nodes and links are counted at the end
    /// (`Seen::defer`), not as they arrive.
    count_distinct: bool,
    /// Whether `finish` needs the values themselves (not for count or sum).
    keeps_values: bool,
}

impl AggKind {
    fn new(a: &Expr) -> AggKind {
        let (sum, count, distinct) = match &a.kind {
            ExprKind::Function { func, distinct, .. } => (
                *func == Func::Aggregate(Aggregate::Sum),
                *func == Func::Aggregate(Aggregate::Count),
                *distinct,
            ),
            _ => (false, true, false),
        };
        AggKind {
            sum,
            distinct,
            count_distinct: count && distinct,
            keeps_values: !sum && !count,
        }
    }
}

/// The values DISTINCT aggregates have taken, for every group and aggregate
/// at once. Nodes and links go by id in a compact set (8 bytes an entry
/// while group, aggregate and id are small, 16 beyond: these sets grow to
/// one entry per row), other values by their grouping key.
#[derive(Default)]
struct Seen {
    /// group << 40 | (aggregate × 2 + 1 for a link) << 32 | id
    packed: fxhash::FxHashSet<u64>,
    /// (group, aggregate × 2 + 1 for a link, id), when they do not pack.
    ids: fxhash::FxHashSet<(u32, u32, u64)>,
    others: fxhash::FxHashSet<(usize, usize, String)>,
    /// What `count(DISTINCT x)` took of nodes and links, packed as in
    /// `packed`, repeats included until `compact` drops them.
    deferred: Vec<u64>,
    /// Entries of `deferred` after its last compaction.
    compacted: usize,
}

/// group << 40 | aggregate slot << 32 | id: how `Seen` packs a node or link
/// it takes (group < 2^24, slot < 2^8, id < 2^32).
fn pack(g: u32, slot: u32, id: u64) -> u64 {
    u64::from(g) << 40 | u64::from(slot) << 32 | id
}

/// Deferred entries are sorted and deduplicated whenever they have doubled
/// since the last time and number at least this many, so that repeats
/// never hold more than about twice the memory of a set.
const COMPACT_AT: usize = 1 << 20;

impl Seen {
    /// Takes node or link `v` of a `count(DISTINCT …)` to be counted by
    /// `deferred_counts`; false for any other value (then `insert` it). With
    /// many groups, one sort at the end is much cheaper than a hash set
    /// probed at random for every row (at M, Q7's 425,000 rows).
    fn defer(&mut self, (g, a): (usize, usize), v: &Value) -> bool {
        let (id, link) = match v {
            Value::Node(n) => (*n, 0),
            Value::Rel(r) => (*r, 1),
            _ => return false,
        };
        if g >= 1 << 24 || a >= 1 << 7 || id >= 1 << 32 {
            return false;
        }
        self.deferred.push(pack(g as u32, a as u32 * 2 + link, id));
        if self.deferred.len() >= COMPACT_AT.max(2 * self.compacted) {
            self.compact();
        }
        true
    }

    fn compact(&mut self) {
        self.deferred.sort_unstable();
        self.deferred.dedup();
        self.compacted = self.deferred.len();
    }

    /// Adds to `counts` (indexed group × `aggs` + aggregate) the distinct
    /// deferred entries.
    fn deferred_counts(&mut self, aggs: usize, counts: &mut [i64]) {
        self.compact();
        for &x in &self.deferred {
            let (g, a) = ((x >> 40) as usize, ((x >> 32) & 0xff) as usize / 2);
            if let Some(c) = counts.get_mut(g * aggs + a) {
                *c += 1;
            }
        }
        self.deferred = Vec::new();
    }

    /// Whether this (group, aggregate, id) is new.
    fn id(&mut self, (g, a, id): (u32, u32, u64)) -> bool {
        if g < 1 << 24 && a < 1 << 8 && id < 1 << 32 {
            // FxHash's low bits, which pick the bucket, come from the low
            // bits of its input only: mix first (a bijection), or every
            // entry of one id would share a bucket.
            let mut x = pack(g, a, id);
            x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            self.packed.insert(x ^ (x >> 31))
        } else {
            self.ids.insert((g, a, id))
        }
    }

    /// Whether `v` is new for aggregate `at.1` of group `at.0`.
    fn insert(&mut self, at: (usize, usize), v: &Value) -> bool {
        let small = |i: usize| u32::try_from(i).ok();
        match (v, small(at.0), small(at.1 * 2 + 1)) {
            (Value::Node(n), Some(g), Some(a)) => self.id((g, a - 1, *n)),
            (Value::Rel(r), Some(g), Some(a)) => self.id((g, a, *r)),
            (other, ..) => {
                let mut k = String::new();
                ops::group_key(other, &mut k);
                self.others.insert((at.0, at.1, k))
            }
        }
    }
}

impl Acc {
    fn new(kind: &AggKind) -> Acc {
        Acc {
            values: Vec::new(),
            total: kind.sum.then_some(Value::Int(0)),
            param: None,
        }
    }

    /// Takes one non-null argument value; `at` is (group, aggregate).
    fn add(
        &mut self,
        kind: &AggKind,
        count: &mut i64,
        v: Cow<'_, Value>,
        seen: &mut Seen,
        at: (usize, usize),
    ) -> Result<(), Error> {
        if kind.count_distinct && seen.defer(at, &v) {
            return Ok(());
        }
        if kind.distinct && !seen.insert(at, &v) {
            return Ok(());
        }
        *count += 1;
        if !kind.sum && !kind.keeps_values {
            return Ok(());
        }
        match &mut self.total {
            Some(total) => {
                if !matches!(*v, Value::Int(_) | Value::Float(_) | Value::Estimate(_)) {
                    return Err(ops::type_error(format!(
                        "sum() cannot add {}",
                        v.type_name()
                    )));
                }
                *total = ops::add(total, &v)?;
            }
            None if kind.keeps_values => self.values.push(v.into_owned()),
            None => {}
        }
        Ok(())
    }
}

/// One output row on its way through DISTINCT, ORDER BY and WITH … WHERE:
/// the projected values, the source row (ORDER BY may name variables the
/// projection dropped) and, for a grouping projection, the aggregate values.
pub type OutRow = (Vec<Value>, Option<Vec<Value>>, Option<AggValues>);

/// Positions in `names` of the variables `*` projects, for an operator
/// that resolves them once when planned.
pub(crate) fn star_slots_of(p: &Projection, cols: &[String], names: &[String]) -> Vec<usize> {
    star_slots(p, cols, &last_slots(names))
}

/// Each name's last position in `names` (the one `Env::lookup` finds): one
/// pass, so that resolving every column of a 100,000-column row is linear.
fn last_slots(names: &[String]) -> HashMap<&str, usize> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect()
}

/// Positions in `names` of the variables `*` projects (in column order).
fn star_slots(p: &Projection, cols: &[String], slots: &HashMap<&str, usize>) -> Vec<usize> {
    if !p.star {
        return vec![];
    }
    cols.iter()
        .take(cols.len() - p.items.len())
        .filter_map(|c| slots.get(c.as_str()).copied())
        .collect()
}

/// For each item that is a bare variable of the row, its position: the
/// value is copied without evaluating (and without a name lookup per row).
fn direct_slots(p: &Projection, slots: &HashMap<&str, usize>) -> Vec<Option<usize>> {
    p.items.iter().map(|it| var_slot(&it.expr, slots)).collect()
}

/// When `e` is a bare variable of the row, its position.
fn var_slot(e: &Expr, slots: &HashMap<&str, usize>) -> Option<usize> {
    match &e.kind {
        ExprKind::Variable(v, _) => slots.get(v.as_str()).copied(),
        _ => None,
    }
}

/// What a grouper made, as `Grouper::take_groups` hands it over.
struct Taken {
    group_rows: Vec<(Vec<Value>, Vec<Value>)>,
    accs: Vec<Acc>,
    counts: Vec<i64>,
    seen: Seen,
}

/// Implicit grouping: the items without aggregates are the key, and every
/// group keeps one accumulator per aggregate. Rows arrive one at a time, so
/// a caller can feed it without first building every row.
pub struct Grouper<'q> {
    p: &'q Projection,
    star: Vec<usize>,
    /// Items (indexes into `p.items`) that form the grouping key.
    key_items: Vec<usize>,
    /// For each key item, its row position when it is a bare variable.
    key_slots: Vec<Option<usize>>,
    /// Aggregates of the items, then those only ORDER BY uses.
    aggs: Vec<&'q Expr>,
    /// For each aggregate whose argument is a bare variable of the row,
    /// its position: read in place, not evaluated into a copy.
    arg_slots: Vec<Option<usize>>,
    kinds: Vec<AggKind>,
    groups: fxhash::FxHashMap<String, usize>,
    /// Per group: key values, the first source row, accumulators.
    group_rows: Vec<(Vec<Value>, Vec<Value>)>,
    /// Accumulators of every group, `aggs.len()` per group, side by side:
    /// one memory access per row and aggregate, not two; their counts
    /// likewise, apart.
    accs: Vec<Acc>,
    counts: Vec<i64>,
    seen: Seen,
    key: String,
    /// For each item, `None` when it is a key and `Some(ai)` when it is
    /// aggregate `ai` itself; `None` unless every item is one or the other
    /// and ORDER BY adds no aggregate. `finish` then builds rows without
    /// evaluating anything.
    direct: Option<Vec<Option<usize>>>,
    /// Finished aggregates, `aggs.len()` per group: emptied buffer kept
    /// between runs of a kept plan.
    done: Vec<Option<Value>>,
}

/// Groups whose buffers an emptied grouper keeps for its next run: a point
/// query's one group then allocates none of them again.
const GROUPS_KEPT: usize = 4;

impl<'q> Grouper<'q> {
    /// `None` when the projection has no aggregate (no grouping).
    pub fn new(p: &'q Projection, names: &[String]) -> Option<Grouper<'q>> {
        let mut aggs: Vec<&Expr> = Vec::new();
        for item in &p.items {
            aggregates_in(&item.expr, &mut aggs);
        }
        if aggs.is_empty() {
            return None;
        }
        // ORDER BY may aggregate too (`ORDER BY count(*)`).
        for s in &p.order_by {
            aggregates_in(&s.expr, &mut aggs);
        }
        let key_items: Vec<usize> = p
            .items
            .iter()
            .enumerate()
            .filter(|(_, it)| {
                let mut a = Vec::new();
                aggregates_in(&it.expr, &mut a);
                a.is_empty()
            })
            .map(|(i, _)| i)
            .collect();
        let slots = last_slots(names);
        let direct = direct_slots(p, &slots);
        let arg_slots = aggs
            .iter()
            .map(|a| match &a.kind {
                ExprKind::Function { args, .. } => args.first().and_then(|x| var_slot(x, &slots)),
                _ => None,
            })
            .collect();
        let finished: Option<Vec<Option<usize>>> = p
            .items
            .iter()
            .enumerate()
            .map(|(i, it)| match key_items.contains(&i) {
                true => Some(None),
                false => aggs
                    .iter()
                    .position(|a| std::ptr::eq(*a, &it.expr))
                    .map(Some),
            })
            .collect();
        let finished = finished.filter(|d| d.iter().flatten().count() == aggs.len());
        Some(Grouper {
            arg_slots,
            p,
            star: star_slots(p, &columns(p, names), &slots),
            key_slots: key_items.iter().map(|&i| direct[i]).collect(),
            key_items,
            kinds: aggs.iter().map(|a| AggKind::new(a)).collect(),
            aggs,
            groups: Default::default(),
            group_rows: Vec::new(),
            accs: Vec::new(),
            counts: Vec::new(),
            seen: Seen::default(),
            key: String::new(),
            direct: finished,
            done: Vec::new(),
        })
    }

    /// Makes room for `n` more groups at once (a caller that knows how
    /// many keys it will bring), so that a million groups are not copied
    /// at every doubling of the arrays that hold them.
    pub fn reserve(&mut self, n: usize) {
        let aggs = n.saturating_mul(self.aggs.len());
        self.groups.reserve(n);
        self.group_rows.reserve(n);
        self.accs.reserve(aggs);
        self.counts.reserve(aggs);
    }

    /// How many groups there are so far.
    pub fn groups(&self) -> usize {
        self.group_rows.len()
    }

    /// The expressions of the grouping key, in order.
    pub fn key_exprs(&self) -> impl Iterator<Item = &'q Expr> + '_ {
        self.key_items.iter().map(|&i| &self.p.items[i].expr)
    }

    /// Whether each output row is the one aggregate and nothing else (no
    /// key, no `*`, no expression around it).
    pub fn is_one_aggregate(&self) -> bool {
        self.key_items.is_empty()
            && self.star.is_empty()
            && self.direct.as_deref() == Some(&[Some(0)][..])
    }

    /// Every aggregate call, each once per occurrence.
    pub fn aggregates(&self) -> &[&'q Expr] {
        &self.aggs
    }

    /// The index of `row`'s group (made if new), its key values built in
    /// `key_vals`.
    fn group_of(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        env: &Env<'_>,
        row: &[Value],
        key_vals: &mut Vec<Value>,
    ) -> Result<usize, Error> {
        for &i in &self.star {
            key_vals.push(row[i].clone());
        }
        for (&i, at) in self.key_items.iter().zip(&self.key_slots) {
            key_vals.push(match *at {
                Some(at) => row[at].clone(),
                None => eval(&self.p.items[i].expr, env, ctx)?,
            });
        }
        Ok(self.group(key_vals, || row.to_vec()))
    }

    /// Adds one source row, evaluating key and arguments with `eval`.
    pub fn add_row(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        names: &Names,
        row: &[Value],
        key_vals: &mut Vec<Value>,
    ) -> Result<(), Error> {
        let env = Env::new(names, row);
        let gi = self.group_of(ctx, &env, row, key_vals)?;
        self.accumulate_row(gi, row, |x| eval(x, &env, ctx))
    }

    /// Whether every aggregate is `count(*)` or a non-DISTINCT `count(…)`:
    /// a row standing for several equal rows can then be added at once.
    pub fn counts_only(&self) -> bool {
        self.aggs.iter().all(|a| is_plain_count(a))
    }

    /// `add_row` for `weight` rows equal to `row` (only when `counts_only`).
    pub fn add_row_weighted(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        names: &Names,
        row: &[Value],
        key_vals: &mut Vec<Value>,
        weight: i64,
    ) -> Result<(), Error> {
        let env = Env::new(names, row);
        let gi = self.group_of(ctx, &env, row, key_vals)?;
        for (ai, a) in self.aggs.iter().enumerate() {
            let counted = match &a.kind {
                ExprKind::Function { args, .. } => match args.first() {
                    Some(x) => !eval(x, &env, ctx)?.is_null(),
                    None => false,
                },
                _ => true,
            };
            if counted {
                let c = &mut self.counts[gi * self.aggs.len() + ai];
                *c = c.checked_add(weight).ok_or_else(ops::overflow)?;
            }
        }
        Ok(())
    }

    /// The group of a row with these key values (star variables first, then
    /// `key_exprs`; the buffer is left empty), created with `first_row` if
    /// it is new.
    pub fn group(
        &mut self,
        key_vals: &mut Vec<Value>,
        first_row: impl FnOnce() -> Vec<Value>,
    ) -> usize {
        // No key (`RETURN count(*)`): one group, never hashed.
        if key_vals.is_empty() {
            return match self.group_rows.is_empty() {
                true => self.new_group(key_vals, first_row),
                false => 0,
            };
        }
        self.key.clear();
        for v in key_vals.iter() {
            ops::group_key(v, &mut self.key);
            self.key.push('|');
        }
        match self.groups.get(self.key.as_str()) {
            Some(&g) => {
                key_vals.clear();
                g
            }
            None => {
                self.groups.insert(self.key.clone(), self.group_rows.len());
                self.new_group(key_vals, first_row)
            }
        }
    }

    /// A group its caller knows no other key equals (one actor's own node,
    /// or its string `id`, which the store keeps unique): made without
    /// hashing its key, since no later key can look it up.
    pub fn new_group(
        &mut self,
        key_vals: &mut Vec<Value>,
        first_row: impl FnOnce() -> Vec<Value>,
    ) -> usize {
        self.group_rows
            .push((std::mem::take(key_vals), first_row()));
        self.accs.extend(self.kinds.iter().map(Acc::new));
        self.counts.extend(self.kinds.iter().map(|_| 0));
        self.group_rows.len() - 1
    }

    /// Feeds aggregate `ai` of group `gi` what `accumulate` would for
    /// `count` rows whose arguments are non-null integers adding up to
    /// `total` (added when the aggregate is a sum; 0 for `count(*)`). Only
    /// for `count(*)` and non-DISTINCT `count(…)` and `sum(…)`: the fused
    /// link scan's typed path, which reads integers straight from columns,
    /// one link at a time or summed in a tight loop that checks its own
    /// sums for overflow in the same order.
    pub fn add_totals(
        &mut self,
        gi: usize,
        ai: usize,
        count: i64,
        total: i64,
    ) -> Result<(), Error> {
        let at = gi * self.aggs.len() + ai;
        self.counts[at] += count;
        if self.kinds[ai].sum {
            match &mut self.accs[at].total {
                Some(Value::Int(t)) => *t = t.checked_add(total).ok_or_else(ops::overflow)?,
                Some(t) => *t = ops::add(t, &Value::Int(total))?,
                None => {}
            }
        }
        Ok(())
    }

    /// Adds `n` to the count of `count(*)` or `count(DISTINCT …)`
    /// aggregate `ai` of group `gi`: rows, or values its caller counted as
    /// distinct itself, all of them, so that no other value reaches that
    /// aggregate of that group (a MATCH's tally, the fused link scan's
    /// per-node path).
    pub fn add_count(&mut self, gi: usize, ai: usize, n: i64) {
        debug_assert!(
            self.kinds[ai].count_distinct || matches!(self.aggs[ai].kind, ExprKind::CountStar)
        );
        self.counts[gi * self.aggs.len() + ai] += n;
    }

    /// Feeds one row of group `gi` (from `group`) to its aggregates.
    pub fn accumulate(
        &mut self,
        gi: usize,
        arg: impl FnMut(&'q Expr) -> Result<Value, Error>,
    ) -> Result<(), Error> {
        self.accumulate_row(gi, &[], arg)
    }

    /// `accumulate` for source row `row`, whose values an argument that is
    /// a bare variable is read from in place (`arg_slots`), not evaluated
    /// into a copy.
    fn accumulate_row(
        &mut self,
        gi: usize,
        row: &[Value],
        mut arg: impl FnMut(&'q Expr) -> Result<Value, Error>,
    ) -> Result<(), Error> {
        for (ai, a) in self.aggs.iter().enumerate() {
            let at = gi * self.aggs.len() + ai;
            match &a.kind {
                ExprKind::CountStar => self.counts[at] += 1,
                ExprKind::Function { args, .. } => {
                    let v = match args.first() {
                        Some(x) => match self.arg_slots[ai].and_then(|s| row.get(s)) {
                            Some(v) => Cow::Borrowed(v),
                            None => Cow::Owned(arg(x)?),
                        },
                        None => Cow::Owned(Value::Null),
                    };
                    let acc = &mut self.accs[at];
                    if !v.is_null() {
                        let (kind, count) = (&self.kinds[ai], &mut self.counts[at]);
                        acc.add(kind, count, v, &mut self.seen, (gi, ai))?;
                    }
                    if let Some(x) = args.get(1) {
                        if acc.param.is_none() {
                            acc.param = Some(Box::new(arg(x)?));
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Drops every group made so far: the grouper then answers as `new`
    /// made it, holding at most the small emptied buffers `keep_buffers`
    /// keeps (`Operator::reset`).
    pub fn reset(&mut self) {
        let t = self.take_groups();
        let done = std::mem::take(&mut self.done);
        self.keep_buffers(t.group_rows, t.accs, t.counts, done);
    }

    /// Takes out every group made so far, leaving none.
    fn take_groups(&mut self) -> Taken {
        self.groups = Default::default();
        self.key = String::new();
        Taken {
            group_rows: std::mem::take(&mut self.group_rows),
            accs: std::mem::take(&mut self.accs),
            counts: std::mem::take(&mut self.counts),
            seen: std::mem::take(&mut self.seen),
        }
    }

    /// Puts the emptied buffers of a finished run back when they are small
    /// (`GROUPS_KEPT`), for the next run of a kept plan.
    fn keep_buffers(
        &mut self,
        mut group_rows: Vec<(Vec<Value>, Vec<Value>)>,
        mut accs: Vec<Acc>,
        mut counts: Vec<i64>,
        mut done: Vec<Option<Value>>,
    ) {
        if group_rows.capacity() <= GROUPS_KEPT && accs.capacity() <= GROUPS_KEPT * self.aggs.len()
        {
            group_rows.clear();
            accs.clear();
            counts.clear();
            done.clear();
            self.group_rows = group_rows;
            self.accs = accs;
            self.counts = counts;
            self.done = done;
        }
    }

    /// One output row per group (one row of empty aggregates when nothing
    /// arrived and there is no key).
    pub fn finish(&mut self, ctx: &mut Ctx<'_, '_>, names: &Names) -> Result<Vec<OutRow>, Error> {
        let p = self.p;
        let Taken {
            mut group_rows,
            mut accs,
            mut counts,
            mut seen,
        } = self.take_groups();
        if group_rows.is_empty() && self.key_items.is_empty() && self.star.is_empty() {
            group_rows.push((vec![], names.iter().map(|_| Value::Null).collect()));
            accs.extend(self.kinds.iter().map(Acc::new));
            counts.extend(self.kinds.iter().map(|_| 0));
        }
        seen.deferred_counts(self.aggs.len(), &mut counts);
        let mut out = Vec::with_capacity(group_rows.len());
        if let Some(direct) = &self.direct {
            let n = self.aggs.len();
            let mut done = std::mem::take(&mut self.done);
            for (at, (acc, count)) in accs.drain(..).zip(counts.iter()).enumerate() {
                done.push(Some(finish(self.aggs[at % n], acc, *count)?));
            }
            // With ORDER BY … LIMIT over keys and aggregates, the groups are
            // ranked first and only those kept become rows.
            let shape = (&self.star[..], &self.key_items[..], &direct[..]);
            let (rows, fin) = (&group_rows, &done);
            let kept = ranked_groups(ctx, p, shape, rows.len(), |g| {
                (&rows[g].0[..], &fin[g * n..(g + 1) * n])
            })
            .unwrap_or_else(|| (0..group_rows.len()).collect());
            for g in kept {
                let (key_vals, first_row) = std::mem::take(&mut group_rows[g]);
                let done = &mut done[g * n..(g + 1) * n];
                let mut row_out = Vec::with_capacity(self.star.len() + p.items.len());
                let mut kv = key_vals.into_iter();
                for _ in &self.star {
                    row_out.push(kv.next().unwrap_or(Value::Null));
                }
                for d in direct {
                    row_out.push(
                        match d {
                            None => kv.next(),
                            Some(ai) => done[*ai].take(),
                        }
                        .unwrap_or(Value::Null),
                    );
                }
                out.push((row_out, Some(first_row), None));
            }
            self.keep_buffers(group_rows, accs, counts, done);
            return Ok(out);
        }
        let mut accs = accs.into_iter().zip(counts);
        for (key_vals, first_row) in group_rows {
            let mut values = AggValues::default();
            for (a, (acc, count)) in self.aggs.iter().zip(accs.by_ref()) {
                values.insert(AggKey::of(a), finish(a, acc, count)?);
            }
            let mut row_out = Vec::with_capacity(self.star.len() + p.items.len());
            let mut kv = key_vals.into_iter();
            for _ in &self.star {
                row_out.push(kv.next().unwrap_or(Value::Null));
            }
            for (i, item) in p.items.iter().enumerate() {
                if self.key_items.contains(&i) {
                    row_out.push(kv.next().unwrap_or(Value::Null));
                } else {
                    let env = Env {
                        columns: Columns::Row(names),
                        row: &first_row,
                        outer: None,
                        aggs: Some(&values),
                    };
                    row_out.push(eval(&item.expr, &env, ctx)?);
                }
            }
            out.push((row_out, Some(first_row), Some(values)));
        }
        Ok(out)
    }
}

/// The groups an `ORDER BY … LIMIT` keeps, in rank order, when each sort
/// key is a grouping key or an aggregate of the output row (`direct`, as
/// `Grouper::finish` has it): ranked on the values `group(g)` gives (its
/// key values, its finished aggregates) before any row is built, so a
/// top-10 over a million groups builds ten rows. Ties keep group order, as
/// `order_rows` does, which then sorts the kept rows the same way. `None`
/// when that does not apply (or SKIP/LIMIT fail: `order_rows` says so).
fn ranked_groups<'v>(
    ctx: &mut Ctx<'_, '_>,
    p: &Projection,
    (star, key_items, direct): (&[usize], &[usize], &[Option<usize>]),
    groups: usize,
    group: impl Fn(usize) -> (&'v [Value], &'v [Option<Value>]),
) -> Option<Vec<usize>> {
    if p.distinct || p.order_by.is_empty() || p.limit.is_none() {
        return None;
    }
    let (skip, limit) = skip_limit(ctx, p).ok()?;
    // Where each sort key is read: a key value, or an aggregate.
    let at: Vec<Result<usize, usize>> = p
        .order_by
        .iter()
        .map(|s| {
            let i = order_item(p, s)?;
            match direct.get(i)? {
                Some(ai) => Some(Err(*ai)),
                None => Some(Ok(star.len() + key_items.iter().position(|&k| k == i)?)),
            }
        })
        .collect::<Option<_>>()?;
    let value = |g: usize, a: &Result<usize, usize>| -> &'v Value {
        let (keys, aggs) = group(g);
        match a {
            Ok(j) => keys.get(*j).unwrap_or(&NULL),
            Err(ai) => aggs.get(*ai).and_then(Option::as_ref).unwrap_or(&NULL),
        }
    };
    Some(top(
        (0..groups).collect(),
        skip,
        limit,
        |&a: &usize, &b: &usize| {
            sort_order(p, at.iter().map(|x| (value(a, x), value(b, x)))).then(a.cmp(&b))
        },
    ))
}

/// The null a missing sort value reads as (none is missing in practice).
static NULL: Value = Value::Null;

/// The projected item an ORDER BY item names: the item a bare name is the
/// alias of (an alias hides the variable it shadows: `RETURN x AS y, -x AS
/// x ORDER BY x` sorts by `-x`), else the same expression.
pub(crate) fn order_item(p: &Projection, s: &SortItem) -> Option<usize> {
    if let ExprKind::Variable(v, _) = &s.expr.kind {
        let named = p
            .items
            .iter()
            .position(|it| it.alias.as_ref().is_some_and(|a| &a.name == v));
        if named.is_some() {
            return named;
        }
    }
    p.items.iter().position(|it| it.expr.same_as(&s.expr))
}

/// DISTINCT over projected rows: of equal rows, the first is kept, in place.
pub(crate) fn distinct_rows(out: &mut Vec<OutRow>) {
    let mut seen = fxhash::FxHashSet::default();
    out.retain(|(r, _, _)| {
        let mut key = String::new();
        for v in r {
            ops::group_key(v, &mut key);
            key.push('|');
        }
        seen.insert(key)
    });
}

/// The output column of each ORDER BY key, `None` for a key that is not
/// one (an ORDER BY item written exactly as a projected item is that
/// column).
fn sort_column_each(p: &Projection, cols: &Names) -> Vec<Option<usize>> {
    p.order_by
        .iter()
        .map(|s| order_item(p, s).map(|i| cols.len() - p.items.len() + i))
        .collect()
}

/// The output column of each ORDER BY key, when every key is one.
pub(crate) fn sort_columns(p: &Projection, cols: &Names) -> Option<Vec<usize>> {
    sort_column_each(p, cols).into_iter().collect()
}

/// Whether output row `a` sorts after `b` or level with it, by the ORDER BY
/// keys in columns `at` (`sort_columns`): a row that arrives later and
/// does so can never rank before `b`.
pub(crate) fn sorts_with_or_after(p: &Projection, at: &[usize], a: &[Value], b: &[Value]) -> bool {
    sort_order(p, at.iter().map(|&i| (&a[i], &b[i]))) != std::cmp::Ordering::Less
}

/// DISTINCT, ORDER BY, SKIP, LIMIT and WITH … WHERE over projected rows.
pub fn finish_rows(
    ctx: &mut Ctx<'_, '_>,
    p: &Projection,
    names: &Names,
    cols: &Names,
    mut out: Vec<OutRow>,
    where_: Option<&Expr>,
) -> Result<Rows, Error> {
    if p.distinct {
        distinct_rows(&mut out);
    }
    // SKIP and LIMIT, once evaluated (ORDER BY needs them to sort only the
    // rows it keeps).
    let mut bounds: Option<(usize, Option<usize>)> = None;
    if !p.order_by.is_empty() {
        let (skip, limit) = *bounds.insert(skip_limit(ctx, p)?);
        out = order_rows(ctx, p, names, cols, out, skip, limit)?;
    }
    let (skip, limit) = match bounds {
        Some(b) => b,
        None => skip_limit(ctx, p)?,
    };
    if skip > 0 {
        out = out.into_iter().skip(skip).collect();
    }
    if let Some(l) = limit {
        out.truncate(l);
    }
    let Some(pred) = where_ else {
        return Ok(out.into_iter().map(|(r, _, _)| r).collect());
    };
    // WITH … WHERE sees the new columns and the variables before it (after
    // DISTINCT or grouping the checker lets it read those only through
    // grouping keys, which every source row of the group holds alike).
    let mut kept = Vec::with_capacity(out.len());
    for (r, src, values) in out {
        let source = src.as_deref().map(|s| Env::new(names, s));
        let env = after_projection(cols, &r, source.as_ref(), values.as_ref());
        if super::eval::truthy(&eval(pred, &env, ctx)?)? == Some(true) {
            kept.push(r);
        }
    }
    Ok(kept)
}

/// What an expression after the projection sees: the output columns, and
/// around them the source row's variables (when there is one).
pub(crate) fn after_projection<'r>(
    cols: &'r Names,
    row: &'r [Value],
    source: Option<&'r Env<'r>>,
    aggs: Option<&'r AggValues>,
) -> Env<'r> {
    Env {
        columns: Columns::Row(cols),
        row,
        outer: source,
        aggs,
    }
}

/// How two rows compare under ORDER BY, given their sort keys in order.
fn sort_order<'v>(
    p: &Projection,
    keys: impl Iterator<Item = (&'v Value, &'v Value)>,
) -> std::cmp::Ordering {
    for (s, (a, b)) in p.order_by.iter().zip(keys) {
        let o = ops::order(a, b);
        let o = if s.descending { o.reverse() } else { o };
        if o != std::cmp::Ordering::Equal {
            return o;
        }
    }
    std::cmp::Ordering::Equal
}

/// `out` sorted by the projection's ORDER BY, only its first `skip + limit`
/// rows kept. A top-k operator calls it on its buffer as it fills.
#[allow(clippy::too_many_arguments)]
pub(crate) fn order_rows(
    ctx: &mut Ctx<'_, '_>,
    p: &Projection,
    names: &Names,
    cols: &Names,
    mut out: Vec<OutRow>,
    skip: usize,
    limit: Option<usize>,
) -> Result<Vec<OutRow>, Error> {
    let projected = sort_column_each(p, cols);
    if let Some(at) = projected.iter().copied().collect::<Option<Vec<usize>>>() {
        // Every sort key is an output column: rank the rows' positions (a
        // top-k over a million groups then moves numbers, not rows), and
        // take the rows kept in their rank.
        let ranked = top(
            (0..out.len()).collect(),
            skip,
            limit,
            |&a: &usize, &b: &usize| {
                sort_order(p, at.iter().map(|&i| (&out[a].0[i], &out[b].0[i]))).then(a.cmp(&b))
            },
        );
        let mut rank = vec![usize::MAX; out.len()];
        for (k, &i) in ranked.iter().enumerate() {
            rank[i] = k;
        }
        let mut placed: Vec<Option<OutRow>> = Vec::new();
        placed.resize_with(ranked.len(), || None);
        for (row, k) in out.into_iter().zip(rank) {
            if let Some(slot) = placed.get_mut(k) {
                *slot = Some(row);
            }
        }
        out = placed.into_iter().flatten().collect();
    } else {
        // Sort keys see the projected columns first, then (unless the
        // projection aggregated or was DISTINCT) the source row.
        let mut keyed = Vec::with_capacity(out.len());
        for (i, (r, src, values)) in out.into_iter().enumerate() {
            // After DISTINCT or grouping, through grouping keys only (the checker).
            let source = src.as_deref().map(|s| Env::new(names, s));
            let env = after_projection(cols, &r, source.as_ref(), values.as_ref());
            let mut keys = Vec::with_capacity(p.order_by.len());
            for (s, pos) in p.order_by.iter().zip(&projected) {
                // An ORDER BY item written exactly as a projected item is that column.
                keys.push(match *pos {
                    Some(i) => r[i].clone(),
                    None => eval(&s.expr, &env, ctx)?,
                });
            }
            keyed.push((keys, i, (r, src, values)));
        }
        let ranked = top(keyed, skip, limit, |a, b| {
            sort_order(p, a.0.iter().zip(&b.0)).then(a.1.cmp(&b.1))
        });
        out = ranked.into_iter().map(|(_, _, r)| r).collect();
    }
    Ok(out)
}

/// Up to this many kept rows, `top` keeps them sorted as the rows pass.
const SMALL_TOP: usize = 64;

/// `rows` sorted by `cmp`, of which only the first `skip + limit` are kept
/// (and so sorted). `cmp` ends on arrival order, so ties keep it, as a
/// stable sort would.
fn top<T>(
    mut rows: Vec<T>,
    skip: usize,
    limit: Option<usize>,
    cmp: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> Vec<T> {
    if let Some(keep) = limit.map(|l| l.saturating_add(skip)) {
        if keep < rows.len() && keep <= SMALL_TOP {
            // A few kept rows, in order: most rows cost one comparison with
            // the last of them, where a selection moves every row.
            let mut kept: Vec<T> = Vec::with_capacity(keep + 1);
            for r in rows {
                if kept.len() == keep && kept.last().is_none_or(|l| cmp(&r, l).is_ge()) {
                    continue;
                }
                let at = kept.partition_point(|k| cmp(k, &r).is_le());
                kept.insert(at, r);
                kept.truncate(keep);
            }
            return kept;
        }
        if keep < rows.len() {
            if keep > 0 {
                rows.select_nth_unstable_by(keep - 1, &cmp);
            }
            rows.truncate(keep);
        }
    }
    rows.sort_unstable_by(&cmp);
    rows
}

/// The SKIP and LIMIT of a projection.
pub(crate) fn skip_limit(
    ctx: &mut Ctx<'_, '_>,
    p: &Projection,
) -> Result<(usize, Option<usize>), Error> {
    let skip = match &p.skip {
        Some(e) => count_arg(ctx, e, "SKIP")?,
        None => 0,
    };
    let limit = match &p.limit {
        Some(e) => Some(count_arg(ctx, e, "LIMIT")?),
        None => None,
    };
    Ok((skip, limit))
}

fn uses_parameter(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Parameter(..) => true,
        ExprKind::Binary(_, a, b) => uses_parameter(a) || uses_parameter(b),
        ExprKind::Unary(_, a) => uses_parameter(a),
        ExprKind::Function { args, .. } => args.iter().any(uses_parameter),
        _ => false,
    }
}

fn count_arg(ctx: &mut Ctx<'_, '_>, e: &Expr, what: &str) -> Result<usize, Error> {
    let v = eval(e, &Env::new(Names::empty(), &[]), ctx).map_err(|err| {
        if err.code == "UndefinedVariable" {
            Error::compile(
                ErrorKind::SyntaxError,
                "NonConstantExpression",
                format!("{what} must be a constant expression"),
                e.span,
            )
        } else {
            err
        }
    })?;
    let (code, msg) = match v {
        Value::Int(i) if i >= 0 => return Ok(i as usize),
        Value::Int(_) => (
            "NegativeIntegerArgument",
            format!("{what} must not be negative"),
        ),
        _ => (
            "InvalidArgumentType",
            format!("{what} must be a non-negative integer"),
        ),
    };
    let mut err = Error::compile(ErrorKind::SyntaxError, code, msg, e.span);
    // A parameter's value is only known when the query runs.
    if uses_parameter(e) {
        err.phase = crate::error::Phase::Runtime;
    }
    Err(err)
}

fn finish(a: &Expr, acc: Acc, count: i64) -> Result<Value, Error> {
    // DISTINCT was applied as the values arrived (`Acc::add`).
    let (name, f) = match &a.kind {
        ExprKind::CountStar => return Ok(Value::Int(count)),
        ExprKind::Function {
            name,
            func: Func::Aggregate(f),
            ..
        } => (name, *f),
        _ => return Ok(Value::Null),
    };
    use Aggregate::*;
    let acc_param = acc.param.map(|b| *b);
    let values = acc.values;
    Ok(match f {
        Count => Value::Int(count),
        Collect => Value::List(values),
        Sum => acc.total.unwrap_or(Value::Int(0)),
        Avg => {
            if values.is_empty() {
                return Ok(Value::Null);
            }
            let mut total = Value::Float(0.0);
            for v in &values {
                if !matches!(v, Value::Int(_) | Value::Float(_) | Value::Estimate(_)) {
                    return Err(ops::type_error(format!(
                        "avg() cannot average {}",
                        v.type_name()
                    )));
                }
                total = ops::add(
                    &total,
                    &match v {
                        Value::Int(i) => Value::Float(*i as f64),
                        o => o.clone(),
                    },
                )?;
            }
            ops::arith('/', &total, &Value::Float(values.len() as f64))?
        }
        PercentileDisc | PercentileCont => {
            let p = match acc_param {
                None | Some(Value::Null) => return Ok(Value::Null),
                Some(v) => v.as_f64().ok_or_else(|| {
                    ops::type_error(format!("{name}() needs a number between 0 and 1"))
                })?,
            };
            if !(0.0..=1.0).contains(&p) {
                return Err(Error::runtime(
                    ErrorKind::ArgumentError,
                    "NumberOutOfRange",
                    format!("{name}() needs a percentile between 0.0 and 1.0, got {p}"),
                ));
            }
            let mut nums: Vec<f64> = Vec::with_capacity(values.len());
            for v in &values {
                nums.push(v.as_f64().ok_or_else(|| {
                    ops::type_error(format!("{name}() cannot take {}", v.type_name()))
                })?);
            }
            if nums.is_empty() {
                return Ok(Value::Null);
            }
            let mut order: Vec<usize> = (0..nums.len()).collect();
            order.sort_by(|a, b| nums[*a].total_cmp(&nums[*b]));
            let n = nums.len();
            if f == PercentileDisc {
                let idx = ((p * n as f64).ceil() as usize)
                    .saturating_sub(1)
                    .min(n - 1);
                values[order[idx]].clone()
            } else {
                let pos = p * (n - 1) as f64;
                let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
                let (a, b) = (nums[order[lo]], nums[order[hi]]);
                Value::Float(a + (b - a) * (pos - lo as f64))
            }
        }
        Stdev | StdevP => {
            let nums: Vec<f64> = values.iter().filter_map(|v| v.as_f64()).collect();
            let n = nums.len() as f64;
            let sample = f == Stdev;
            if nums.is_empty() || (sample && nums.len() < 2) {
                return Ok(Value::Float(0.0));
            }
            let mean = nums.iter().sum::<f64>() / n;
            let var = nums.iter().map(|x| (x - mean).powi(2)).sum::<f64>()
                / if sample { n - 1.0 } else { n };
            Value::Float(var.sqrt())
        }
        Min | Max => {
            let mut best: Option<Value> = None;
            for v in values {
                best = Some(match best {
                    None => v,
                    Some(b) => {
                        let o = ops::order(&v, &b);
                        let take = if f == Min { o.is_lt() } else { o.is_gt() };
                        if take {
                            v
                        } else {
                            b
                        }
                    }
                });
            }
            best.unwrap_or(Value::Null)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deferred `count(DISTINCT …)` entries count each (group, aggregate,
    /// node or link) once, across compactions, and keep nodes and links
    /// of the same id apart.
    #[test]
    fn deferred_distinct_counts_survive_compaction() {
        let mut seen = Seen::default();
        let (groups, aggs) = (3usize, 2usize);
        let mut want = vec![0i64; groups * aggs];
        let mut firsts = std::collections::HashSet::new();
        for i in 0..(3 * COMPACT_AT as u64) {
            let (g, a, id) = ((i % 3) as usize, (i / 7 % 2) as usize, i % 1000);
            let v = if i % 5 == 0 {
                Value::Rel(id)
            } else {
                Value::Node(id)
            };
            assert!(seen.defer((g, a), &v));
            if firsts.insert((g, a, matches!(v, Value::Rel(_)), id)) {
                want[g * aggs + a] += 1;
            }
        }
        assert!(seen.compacted > 0, "compacted on the way");
        assert!(seen.deferred.len() < 2 * COMPACT_AT + 10_000);
        assert!(!seen.defer((0, 0), &Value::Int(1)));
        assert!(!seen.defer((1 << 24, 0), &Value::Node(1)));
        let mut got = vec![0i64; groups * aggs];
        seen.deferred_counts(aggs, &mut got);
        assert_eq!(got, want);
        assert!(seen.deferred.is_empty());
    }
}

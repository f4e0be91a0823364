//! A fused plan for the analyst's commonest question shape,
//! `MATCH (a)-[r:T]->(b) [WHERE …] RETURN|WITH keys, aggregates …`:
//! one pass over the links feeds the groups directly. No row is built per
//! link. The links come from the graph's kept link columns
//! (`store::link_columns`: ends and the properties the query reads, built on
//! first use), or inside a transaction that has written links, from the
//! records themselves, whose properties are read from the bytes in hand.
//!
//! It takes a query only when it can evaluate every expression itself
//! (the three variables, their properties, constants and operators), and it
//! visits links in the order of the general plan's link scan, so `collect()`
//! and first-row semantics give the same answer. Anything else goes to the
//! general plan; `tests/link_aggregate.rs` runs both on the same data, from
//! kept columns, from records, and after each kind of committed change.

use super::context::{Cancel, Ctx};
use super::eval::{binary_values, logic, truthy};
use super::ops;
use super::pattern::{and_parts, new_variables, rel_types, without_universal_labels, TypeCodes};
use super::projection::{columns, finish_rows, order_item, skip_limit, Grouper, Rows};
use crate::error::{Error, ErrorKind};
use crate::prefetch::prefetch_line;
use crate::query::ast::{
    BinaryOp, Direction, Expr, ExprKind, Match, NodePattern, PathKind, Projection, RelPattern,
    Span, UnaryOp,
};
use crate::query::bind::func::{Aggregate, Func};
use crate::query::bind::symbols::Names as Columns;
use crate::store::catalog::NameKind;
use crate::store::codec;
use crate::store::link_columns::{Column, Ends, EndsWanted, LinkColumns, ABSENT};
use crate::two_threads::second_core;
use crate::value::{NodeId, RelId, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Which part of one matched link a variable names.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Slot {
    Start,
    Rel,
    End,
}

/// An expression over one matched link, compiled from the AST.
#[derive(Debug)]
enum Simple {
    Var(Slot),
    /// A property of the link (`None`: a key no record has).
    RelProp(Option<u32>),
    NodeProp(Slot, Option<u32>),
    Const(Value),
    List(Vec<Simple>),
    Not(Box<Simple>),
    IsNull(Box<Simple>, bool),
    Logic(BinaryOp, Box<Simple>, Box<Simple>),
    /// The operator, its operands, and where it was written (for warnings).
    Binary(BinaryOp, Box<Simple>, Box<Simple>, Span),
}

/// Where a link's own properties are read: its record, or slot `usize`
/// of the kept columns.
#[derive(Clone, Copy)]
enum Props<'b> {
    Record(&'b [u8]),
    Columns(&'b LinkColumns, usize),
}

/// One link as matched: start and end already follow the pattern's direction.
struct Link<'b> {
    id: RelId,
    start: NodeId,
    end: NodeId,
    props: Props<'b>,
}

impl<'b> Link<'b> {
    /// Kept link slot `i`, its ends as matched (`incoming`: from its stored
    /// target to its source).
    fn kept(cols: &'b LinkColumns, i: usize, incoming: bool) -> Link<'b> {
        let ends = &cols.ends;
        Link::kept_between(cols, i, incoming, (ends.src[i], ends.dst[i]))
    }

    /// `kept` for columns built without the links' sources and targets
    /// (`EndsWanted::Types`), given link slot `i`'s as `(src, dst)`.
    fn kept_between(
        cols: &'b LinkColumns,
        i: usize,
        incoming: bool,
        (src, dst): (NodeId, NodeId),
    ) -> Link<'b> {
        let (start, end) = match incoming {
            true => (dst, src),
            false => (src, dst),
        };
        Link {
            id: i as RelId,
            start,
            end,
            props: Props::Columns(cols, i),
        }
    }
}

/// `two_threads::beside` for a link scan: `later` on a second thread.
fn beside<A, B: Send>(
    now: impl FnOnce() -> A,
    later: impl FnOnce() -> Result<B, Error> + Send,
    instead: impl FnOnce() -> Result<B, Error>,
) -> (A, Result<B, Error>) {
    crate::two_threads::beside("link scan", now, later, instead, || {
        Error::runtime(
            ErrorKind::StorageError,
            "InternalError",
            "a link scan's thread stopped unexpectedly",
        )
    })
}

/// What the group of a link is remembered by, when the keys allow it.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Memo {
    None,
    /// Every key reads this node only.
    Node(Slot),
    /// Every key reads this link property only: remembered by its column
    /// code (when the links come from columns).
    RelProp(u32),
}

impl Simple {
    fn uses_link(&self) -> bool {
        match self {
            Simple::Var(_) | Simple::RelProp(_) | Simple::NodeProp(..) => true,
            Simple::Const(_) => false,
            Simple::List(items) => items.iter().any(Simple::uses_link),
            Simple::Not(x) | Simple::IsNull(x, _) => x.uses_link(),
            Simple::Logic(_, a, b) | Simple::Binary(_, a, b, _) => a.uses_link() || b.uses_link(),
        }
    }

    /// The link properties this expression reads; `whole` is set when it
    /// reads the link itself.
    fn rel_keys(&self, out: &mut Vec<u32>, whole: &mut bool) {
        match self {
            Simple::RelProp(Some(k)) => out.push(*k),
            Simple::Var(Slot::Rel) => *whole = true,
            Simple::Var(_) | Simple::RelProp(None) | Simple::NodeProp(..) | Simple::Const(_) => {}
            Simple::List(items) => items.iter().for_each(|i| i.rel_keys(out, whole)),
            Simple::Not(x) | Simple::IsNull(x, _) => x.rel_keys(out, whole),
            Simple::Logic(_, a, b) | Simple::Binary(_, a, b, _) => {
                a.rel_keys(out, whole);
                b.rel_keys(out, whole);
            }
        }
    }

    /// Marks the slots this expression reads (start, link, end).
    fn reads(&self, out: &mut [bool; 3]) {
        match self {
            Simple::Var(s) | Simple::NodeProp(s, _) => out[*s as usize] = true,
            Simple::RelProp(_) => out[Slot::Rel as usize] = true,
            Simple::Const(_) => {}
            Simple::List(items) => items.iter().for_each(|i| i.reads(out)),
            Simple::Not(x) | Simple::IsNull(x, _) => x.reads(out),
            Simple::Logic(_, a, b) | Simple::Binary(_, a, b, _) => {
                a.reads(out);
                b.reads(out);
            }
        }
    }

    fn eval(&self, ctx: &Ctx<'_, '_>, l: &Link<'_>) -> Result<Value, Error> {
        Ok(match self {
            Simple::Var(Slot::Start) => Value::Node(l.start),
            Simple::Var(Slot::End) => Value::Node(l.end),
            Simple::Var(Slot::Rel) => Value::Rel(l.id),
            Simple::RelProp(Some(k)) => match l.props {
                Props::Record(bytes) => codec::rel_prop(bytes, *k)?.unwrap_or(Value::Null),
                Props::Columns(cols, i) => cols
                    .column(*k)
                    .and_then(|c| c.get(i))
                    .cloned()
                    .unwrap_or(Value::Null),
            },
            Simple::RelProp(None) | Simple::NodeProp(_, None) => Value::Null,
            Simple::NodeProp(slot, Some(k)) => {
                let n = if *slot == Slot::Start { l.start } else { l.end };
                ctx.node_prop(n, *k)?.unwrap_or(Value::Null)
            }
            Simple::Const(v) => v.clone(),
            Simple::List(items) => Value::List(
                items
                    .iter()
                    .map(|i| i.eval(ctx, l))
                    .collect::<Result<_, _>>()?,
            ),
            Simple::Not(x) => match truthy(&x.eval(ctx, l)?)? {
                Some(b) => Value::Bool(!b),
                None => Value::Null,
            },
            Simple::IsNull(x, negated) => Value::Bool(x.eval(ctx, l)?.is_null() != *negated),
            Simple::Logic(op, a, b) => {
                let x = truthy(&a.eval(ctx, l)?)?;
                let y = truthy(&b.eval(ctx, l)?)?;
                logic(*op, x, y)
            }
            Simple::Binary(op, a, b, span) => {
                let (x, y) = (a.eval(ctx, l)?, b.eval(ctx, l)?);
                ctx.note_comparison(*op, &x, &y, Some(*span));
                binary_values(ctx, *op, x, y)?
            }
        })
    }
}

/// What compiling needs from the database: key ids and parameter values.
/// EXPLAIN compiles without a database: every key and parameter is unknown
/// then, which changes values, never whether the plan applies.
struct Names<'a> {
    keys: &'a dyn Fn(&str) -> Option<u32>,
    params: Option<&'a BTreeMap<String, Value>>,
}

struct Plan<'q> {
    start: &'q NodePattern,
    rel: &'q RelPattern,
    end: &'q NodePattern,
    /// WHERE conjuncts that read no link (checked once), then the others,
    /// each with the one link property it reads if that is all it reads
    /// (its outcome is then remembered per column code).
    once: Vec<Simple>,
    each: Vec<(Simple, Option<u32>)>,
    keys: Vec<Simple>,
    /// The one node or link property every key reads, if so: the group is
    /// then remembered per node (or value), and the keys are evaluated once
    /// per node, not per link.
    memo: Memo,
    /// Every link property the plan reads.
    rel_keys: Vec<u32>,
    /// Aggregate arguments by the address of their expression.
    args: Vec<(*const Expr, Simple)>,
    /// The slot of each variable the pattern introduces, in scope order.
    row: Vec<Slot>,
    names: Vec<String>,
}

impl<'q> Plan<'q> {
    /// The plan, with the grouping it feeds; `None` when the query is not
    /// of the fused shape.
    fn new(m: &'q Match, p: &'q Projection, env: &Names<'_>) -> Option<(Plan<'q>, Grouper<'q>)> {
        if m.optional || m.as_of.is_some() || p.star {
            return None;
        }
        let [part] = m.pattern.as_slice() else {
            return None;
        };
        let e = &part.element;
        let [(r, end)] = e.chain.as_slice() else {
            return None;
        };
        let start = &e.start;
        let plain = |n: &NodePattern| n.properties.is_none() && n.actor.is_none();
        if part.variable.is_some()
            || part.kind != PathKind::Normal
            || r.length.is_some()
            || r.properties.is_some()
            || !plain(start)
            || !plain(end)
            // The general plan scans links only then; keep its row order.
            || (r.types.is_empty() && !(start.labels.is_empty() && end.labels.is_empty()))
        {
            return None;
        }
        let mut vars: Vec<(&str, Slot)> = Vec::new();
        for (v, slot) in [
            (&start.variable, Slot::Start),
            (&r.variable, Slot::Rel),
            (&end.variable, Slot::End),
        ] {
            if let Some(v) = v {
                if vars.iter().any(|(n, _)| *n == v.name) {
                    return None;
                }
                vars.push((&v.name, slot));
            }
        }
        let names = new_variables(&m.pattern, &[]);
        let row = names
            .iter()
            .map(|n| vars.iter().find(|(v, _)| v == n).map(|(_, s)| *s))
            .collect::<Option<Vec<_>>>()?;
        let compile = |x: &Expr| compile(x, &vars, env);
        let mut once = Vec::new();
        let mut each = Vec::new();
        for c in and_parts(m.where_.as_ref()) {
            let s = compile(c)?;
            if s.uses_link() {
                each.push(s);
            } else {
                once.push(s);
            }
        }
        let grouper = Grouper::new(p, &names)?;
        let keys = grouper
            .key_exprs()
            .map(compile)
            .collect::<Option<Vec<_>>>()?;
        let mut read = [false; 3];
        keys.iter().for_each(|k| k.reads(&mut read));
        let memo = match read {
            [true, false, false] => Memo::Node(Slot::Start),
            [false, false, true] => Memo::Node(Slot::End),
            _ => only_rel_prop(&keys).map_or(Memo::None, Memo::RelProp),
        };
        let each: Vec<(Simple, Option<u32>)> = each
            .into_iter()
            .map(|s| {
                let k = only_rel_prop(std::slice::from_ref(&s));
                (s, k)
            })
            .collect();
        let mut args = Vec::new();
        for a in grouper.aggregates() {
            if let ExprKind::Function { args: xs, .. } = &a.kind {
                for x in xs {
                    args.push((x as *const Expr, compile(x)?));
                }
            }
        }
        let (mut rel_keys, mut whole) = (Vec::new(), false);
        let each_exprs = each.iter().map(|(s, _)| s);
        for s in each_exprs.chain(&keys).chain(args.iter().map(|(_, s)| s)) {
            s.rel_keys(&mut rel_keys, &mut whole);
        }
        rel_keys.sort_unstable();
        rel_keys.dedup();
        let plan = Plan {
            start,
            rel: r,
            end,
            once,
            each,
            keys,
            memo,
            rel_keys,
            args,
            row,
            names,
        };
        Some((plan, grouper))
    }

    fn arg(&self, x: &Expr) -> &Simple {
        let at = self.args.iter().position(|(p, _)| std::ptr::eq(*p, x));
        // Every argument of every aggregate was compiled in `new`.
        &self.args[at.unwrap_or(0)].1
    }

    fn first_row(&self, l: &Link<'_>) -> Vec<Value> {
        self.row
            .iter()
            .map(|s| match s {
                Slot::Start => Value::Node(l.start),
                Slot::Rel => Value::Rel(l.id),
                Slot::End => Value::Node(l.end),
            })
            .collect()
    }
}

/// The one link property `exprs` read, when that is all they read of the
/// match (constants aside).
fn only_rel_prop(exprs: &[Simple]) -> Option<u32> {
    let (mut read, mut keys, mut whole) = ([false; 3], Vec::new(), false);
    for e in exprs {
        e.reads(&mut read);
        e.rel_keys(&mut keys, &mut whole);
    }
    keys.dedup();
    match (read, keys.as_slice(), whole) {
        ([false, true, false], [k], false) => Some(*k),
        _ => None,
    }
}

fn compile(e: &Expr, vars: &[(&str, Slot)], env: &Names<'_>) -> Option<Simple> {
    let sub = |x: &Expr| compile(x, vars, env).map(Box::new);
    Some(match &e.kind {
        ExprKind::Null => Simple::Const(Value::Null),
        ExprKind::Bool(b) => Simple::Const(Value::Bool(*b)),
        ExprKind::Int(i) => Simple::Const(Value::Int(*i)),
        ExprKind::Float(f) => Simple::Const(Value::Float(*f)),
        ExprKind::String(s) => Simple::Const(Value::String(s.clone())),
        ExprKind::Parameter(name, _) => match env.params {
            // A missing parameter is the general plan's error to report.
            Some(params) => Simple::Const(params.get(name)?.clone()),
            None => Simple::Const(Value::Null),
        },
        ExprKind::Variable(name, _) => Simple::Var(vars.iter().find(|(n, _)| n == name)?.1),
        ExprKind::Property(target, key) => {
            let ExprKind::Variable(name, _) = &target.kind else {
                return None;
            };
            let slot = vars.iter().find(|(n, _)| n == name)?.1;
            let k = (env.keys)(&key.name);
            match slot {
                Slot::Rel => Simple::RelProp(k),
                node => Simple::NodeProp(node, k),
            }
        }
        ExprKind::List(items) => Simple::List(
            items
                .iter()
                .map(|i| compile(i, vars, env))
                .collect::<Option<_>>()?,
        ),
        ExprKind::Unary(UnaryOp::Not, x) => Simple::Not(sub(x)?),
        ExprKind::IsNull { expr, negated } => Simple::IsNull(sub(expr)?, *negated),
        ExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or | BinaryOp::Xor), a, b) => {
            Simple::Logic(*op, sub(a)?, sub(b)?)
        }
        ExprKind::Binary(op, a, b) => {
            Simple::Binary(*op, sub(a)?, sub(b)?, Span::new(a.span.start, b.span.end))
        }
        _ => return None,
    })
}

/// Whether `MATCH m` followed by the projection `p` runs as one fused pass:
/// the planner's rule, decided with what `run` will see (the catalog and
/// the parameters), so `run` then always applies.
pub fn fuses(ctx: &Ctx<'_, '_>, m: &Match, p: &Projection) -> bool {
    let keys = |k: &str| ctx.key_id(k);
    let env = Names {
        keys: &keys,
        params: Some(ctx.params),
    };
    Plan::new(m, p, &env).is_some()
}

/// Most nodes for which the per-node group memo is kept (64 MiB).
const MEMO_NODES: u64 = 1 << 24;

/// Label ids a node must carry beyond those every node carries; `None` when
/// one of them is unknown, so nothing can match.
fn label_ids(ctx: &Ctx<'_, '_>, n: &NodePattern) -> Result<Option<Vec<u32>>, Error> {
    let n = without_universal_labels(ctx, n)?;
    Ok(n.labels
        .iter()
        .map(|l| ctx.code(NameKind::Label, l.sym, &l.name))
        .collect())
}

/// How one aggregate takes a link on the typed path (kept columns only).
enum Typed {
    /// `count(*)`.
    Rows,
    /// Non-DISTINCT `count(r.k)` or `sum(r.k)`.
    Ints(Ints),
}

/// A non-DISTINCT `count` or `sum` of one link property, read by column
/// code: per code, the count and the integer it adds (null: none; a
/// count adds 0), and one more entry, adding nothing, for a link without
/// the property.
struct Ints {
    col: Arc<Column>,
    table: Vec<(i64, i64)>,
}

impl Ints {
    /// What link slot `i` adds: its code's entry, or the last one when it
    /// lacks the property (`ABSENT` is above every code).
    fn at(&self, i: usize) -> (i64, i64) {
        let last = self.table.len() - 1;
        let code = self
            .col
            .codes
            .get(i)
            .map_or(last, |&c| (c as usize).min(last));
        self.table[code]
    }
}

/// The typed path's plan: every aggregate is `count(*)`, or a non-DISTINCT
/// `count` or `sum` of one link property whose kept values are all
/// integers or null (the analyst's totals per category). Each link then
/// adds integers read by column code; no value is built or evaluated.
fn typed(plan: &Plan<'_>, grouper: &Grouper<'_>, cols: &LinkColumns) -> Option<Vec<Typed>> {
    grouper
        .aggregates()
        .iter()
        .map(|a| match &a.kind {
            ExprKind::CountStar => Some(Typed::Rows),
            ExprKind::Function {
                distinct: false,
                args,
                func: Func::Aggregate(f @ (Aggregate::Sum | Aggregate::Count)),
                ..
            } if args.len() == 1 => {
                let sum = *f == Aggregate::Sum;
                let Simple::RelProp(Some(k)) = plan.arg(&args[0]) else {
                    return None;
                };
                let (_, col) = cols.columns.iter().find(|(key, _)| key == k)?;
                let mut table = col
                    .values
                    .iter()
                    .map(|v| match v {
                        Value::Null => Some((0, 0)),
                        Value::Int(i) => Some((1, if sum { *i } else { 0 })),
                        _ if !sum => Some((1, 0)),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()?;
                table.push((0, 0));
                let col = col.clone();
                Some(Typed::Ints(Ints { col, table }))
            }
            _ => None,
        })
        .collect()
}

/// How one aggregate takes a link on the per-node path.
#[derive(Clone, Copy, PartialEq, Debug)]
enum PerNode {
    /// `count(*)`, or a non-DISTINCT `count` of a matched variable (never
    /// null): one per link.
    Rows,
    /// `count(DISTINCT x)` of the node at the other end from the one the
    /// groups are remembered by.
    Distinct,
}

/// The per-node path's plan, for `RETURN d.id, count(DISTINCT s)` (the
/// workload's Q7): the keys read one node only (groups are remembered per
/// node, `Memo::Node`), and every aggregate is a count of rows or
/// `count(DISTINCT …)` of the other end, at least one of them distinct.
/// A link then costs a counter and one pair (group, other end) in a flat
/// array, counted once at the end (`Scan::finish_per_node`), instead of a
/// `Value` handed to each group's DISTINCT set. Returns the slot of the
/// other end and how each aggregate takes a link.
fn per_node(plan: &Plan<'_>, grouper: &Grouper<'_>) -> Option<(Slot, Vec<PerNode>)> {
    let (key, other) = match plan.memo {
        Memo::Node(Slot::Start) => (Slot::Start, Slot::End),
        Memo::Node(Slot::End) => (Slot::End, Slot::Start),
        _ => return None,
    };
    // Keys that cannot fail nor warn: evaluated after the scan, in node
    // order, they answer as they would at each node's first link.
    let plain = |k: &Simple| match k {
        Simple::NodeProp(s, _) | Simple::Var(s) => *s == key,
        Simple::Const(_) => true,
        _ => false,
    };
    if !plan.keys.iter().all(plain) {
        return None;
    }
    let mut distinct = false;
    let aggs = grouper
        .aggregates()
        .iter()
        .map(|a| match &a.kind {
            ExprKind::CountStar => Some(PerNode::Rows),
            ExprKind::Function {
                distinct: d,
                args,
                func: Func::Aggregate(Aggregate::Count),
                ..
            } if args.len() == 1 => match (plan.arg(&args[0]), *d) {
                (Simple::Var(_), false) => Some(PerNode::Rows),
                (Simple::Var(s), true) if *s == other => {
                    distinct = true;
                    Some(PerNode::Distinct)
                }
                _ => None,
            },
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    distinct.then_some((other, aggs))
}

/// Distinct values per group among `pairs` (group, value), every group
/// below `groups` and every value below `values`: the pairs are bucketed
/// by group (a counting sort, `rows[g]` of them in group `g`), then each
/// bucket is counted with one stamp per value. Linear: no hashing, no
/// comparison sort, whatever the number of groups.
fn distinct_per_group(
    pairs: &[(u32, u32)],
    rows: &[i64],
    values: usize,
    mut tick: impl FnMut() -> Result<(), Error>,
) -> Result<Vec<i64>, Error> {
    let mut at = Vec::with_capacity(rows.len() + 1);
    let mut sum = 0usize;
    for &r in rows {
        at.push(sum);
        sum += usize::try_from(r).unwrap_or(0);
    }
    at.push(sum);
    let bounds = at.clone();
    let mut bucketed = vec![0u32; sum];
    for (n, &(g, v)) in pairs.iter().enumerate() {
        if n % 4096 == 0 {
            tick()?;
        }
        if let Some(a) = pairs.get(n + AHEAD).and_then(|p| at.get(p.0 as usize)) {
            prefetch_line(a);
        }
        let slot = &mut at[g as usize];
        bucketed[*slot] = v;
        *slot += 1;
    }
    let mut stamp = vec![u32::MAX; values];
    let mut out = Vec::with_capacity(rows.len());
    for (g, w) in bounds.windows(2).enumerate() {
        if g % 4096 == 0 {
            tick()?;
        }
        let mut distinct = 0;
        for (k, &v) in bucketed[w[0]..w[1]].iter().enumerate() {
            if let Some(s) = bucketed
                .get(w[0] + k + AHEAD)
                .and_then(|&u| stamp.get(u as usize))
            {
                prefetch_line(s);
            }
            let s = &mut stamp[v as usize];
            if *s != g as u32 {
                *s = g as u32;
                distinct += 1;
            }
        }
        out.push(distinct);
    }
    Ok(out)
}

/// How many items ahead the per-node path's random reads are asked for.
const AHEAD: usize = 16;

/// Fewest links the typed path splits between two threads (and the
/// per-node path reads on one before it splits the rest).
const PARALLEL_LINKS: usize = 1 << 15;

/// What the per-node path's walk over a range of links reads.
struct PerNodeWalk<'a> {
    ends: &'a Ends,
    /// The stored end each link is counted for.
    keyed: &'a [NodeId],
    incoming: bool,
    wanted: &'a (dyn Fn(u32) -> bool + Sync),
    /// The column each WHERE conjunct reads, its outcome kept per code.
    by_code: &'a [&'a Column],
    cancel: &'a Cancel,
}

/// The outcome of conjunct `j` for column code `at`, at link `l`; `None`
/// when it cannot be known there.
type Outcome<'f> = dyn FnMut(usize, usize, &Link<'_>) -> Result<Option<bool>, Error> + 'f;

/// Conjunct outcomes found by evaluating each conjunct at the first link
/// with a column code, and kept in `outcomes` by code.
fn evaluated<'o>(
    c: &'o Ctx<'_, '_>,
    plan: &'o Plan<'_>,
    outcomes: &'o mut [Vec<u8>],
) -> impl FnMut(usize, usize, &Link<'_>) -> Result<Option<bool>, Error> + 'o {
    move |j, at, l| {
        let mut none = 0;
        let known = outcomes[j].get_mut(at).unwrap_or(&mut none);
        if *known == 0 {
            let ok = truthy(&plan.each[j].0.eval(c, l)?)? == Some(true);
            *known = if ok { 1 } else { 2 };
        }
        Ok(Some(*known == 1))
    }
}

impl PerNodeWalk<'_> {
    /// Counts the links of `range` that pass, in order, for their nodes
    /// (`memo` numbers them in `pn`). Stops at a link whose outcome
    /// `outcome` cannot give, and returns that link.
    fn range(
        &self,
        range: std::ops::Range<usize>,
        cols: &LinkColumns,
        memo: &mut [u32],
        pn: &mut PerNodeScan,
        outcome: &mut Outcome<'_>,
    ) -> Result<Option<usize>, Error> {
        let ends = self.ends;
        for i in range {
            if i % 1024 == 0 {
                self.cancel.check()?;
            }
            if let Some(&n) = self.keyed.get(i + AHEAD) {
                if let (Some(m), Some(l)) = (memo.get(n as usize), pn.links.get(n as usize)) {
                    prefetch_line(m);
                    prefetch_line(l);
                }
            }
            if !(self.wanted)(ends.ty[i]) {
                continue;
            }
            let l = Link::kept(cols, i, self.incoming);
            let mut pass = true;
            for (j, col) in self.by_code.iter().enumerate() {
                let at = col.memo_index(i).unwrap_or(usize::MAX);
                match outcome(j, at, &l)? {
                    None => return Ok(Some(i)),
                    Some(true) => {}
                    Some(false) => {
                        pass = false;
                        break;
                    }
                }
            }
            if pass {
                pn.take(memo, l.id, l.start, l.end);
            }
        }
        Ok(None)
    }
}

/// What the typed path gathers for one memo slot (a grouping key's column
/// code, or the one slot of a scan without keys): its first link, its
/// rows, and per integer aggregate (`Ints`) the values counted and the
/// integers added.
#[derive(Clone, Copy)]
struct SlotTotal<const N: usize> {
    first: usize,
    rows: i64,
    adds: [(i64, i64); N],
}

impl<const N: usize> SlotTotal<N> {
    const EMPTY: SlotTotal<N> = SlotTotal {
        first: usize::MAX,
        rows: 0,
        adds: [(0, 0); N],
    };
}

/// Which link types the tight loop takes: those whose code less `from`
/// is at most `span`, so one comparison answers for one type, a run of
/// codes, or every type (every code below `ABSENT`).
#[derive(Clone, Copy)]
struct Wanted {
    from: u32,
    span: u32,
}

impl Wanted {
    /// `None` when the types asked for are not a run of codes.
    fn of(types: Option<&[u32]>) -> Option<Wanted> {
        let Some(types) = types else {
            return Some(Wanted {
                from: 0,
                span: ABSENT - 1,
            });
        };
        let mut codes = types.to_vec();
        codes.sort_unstable();
        codes.dedup();
        let (&from, &to) = (codes.first()?, codes.last()?);
        (u64::from(to - from) + 1 == codes.len() as u64 && to != ABSENT).then_some(Wanted {
            from,
            span: to - from,
        })
    }

    fn takes(self, ty: u32) -> bool {
        ty.wrapping_sub(self.from) <= self.span
    }
}

/// Links the tight loop takes between checks for cancellation.
const CHUNK: usize = 4096;

/// The key codes of a scan without keys: every link in slot 0.
static ONE_SLOT: [u32; CHUNK] = [0; CHUNK];

/// Takes links `from..from + ty.len()` into `totals`: those whose type
/// (`ty`) is wanted, each in the slot of its code in `key` (at most the
/// last slot, where links without the key go), and each adding to the
/// aggregates what its code in their column gives in their table.
/// `key` and every column of `codes` hold at least `ty.len()` codes.
/// Not inlined: alone, its loop keeps every value in a register.
#[inline(never)]
fn gather_chunk<const N: usize>(
    totals: &mut [SlotTotal<N>],
    from: usize,
    ty: &[u32],
    wanted: Wanted,
    key: &[u32],
    codes: [&[u32]; N],
    adds: [&[(i64, i64)]; N],
) -> Result<(), Error> {
    let n = ty.len();
    let (key, codes) = (&key[..n], codes.map(|c| &c[..n]));
    let last = totals.len() - 1;
    for (j, (&t, &k)) in ty.iter().zip(key).enumerate() {
        if !wanted.takes(t) {
            continue;
        }
        let s = &mut totals[(k as usize).min(last)];
        if s.rows == 0 {
            s.first = from + j;
        }
        s.rows += 1;
        for a in 0..N {
            let table = adds[a];
            let (count, x) = table[(codes[a][j] as usize).min(table.len() - 1)];
            let add = &mut s.adds[a];
            add.0 += count;
            add.1 = add.1.checked_add(x).ok_or_else(ops::overflow)?;
        }
    }
    Ok(())
}

/// Both halves of one scan as one.
fn merge<const N: usize>(
    mut a: Vec<SlotTotal<N>>,
    b: Vec<SlotTotal<N>>,
) -> Result<Vec<SlotTotal<N>>, Error> {
    for (a, b) in a.iter_mut().zip(b) {
        a.first = a.first.min(b.first);
        a.rows += b.rows;
        for (x, y) in a.adds.iter_mut().zip(b.adds) {
            x.0 += y.0;
            x.1 = x.1.checked_add(y.1).ok_or_else(ops::overflow)?;
        }
    }
    Ok(a)
}

/// What the per-node path gathers during the scan. Nodes are numbered in
/// the order their first link arrives (the scan's memo holds the number),
/// which is the order the general path creates their groups in.
struct PerNodeScan {
    other: Slot,
    aggs: Vec<PerNode>,
    /// Per node number: the first link (id, start, end).
    firsts: Vec<(RelId, NodeId, NodeId)>,
    /// Per node id: its links counted. Beside the memo, read at the same
    /// node (both asked for ahead), not at its number, which is known only
    /// once the memo is read: a link costs one wait on memory, not two.
    /// Below `u32::MAX` (`PerNodeScan::fits`).
    links: Vec<u32>,
    /// Per node number: its links, once the scan is over (`count_rows`).
    rows: Vec<i64>,
    /// (node number, node at the other end) of every link.
    pairs: Vec<(u32, u32)>,
    /// Node ids are below this (the stamps of `distinct_per_group`).
    nodes: usize,
}

impl PerNodeScan {
    /// An empty scan of the same shape, numbering its own nodes, with room
    /// for the pairs of `links` links.
    fn fresh(&self, links: usize) -> PerNodeScan {
        PerNodeScan {
            other: self.other,
            aggs: self.aggs.clone(),
            firsts: Vec::new(),
            // Counts for a scan that takes links (none: a stand-in).
            links: match links {
                0 => Vec::new(),
                _ => vec![0; self.links.len()],
            },
            rows: Vec::new(),
            pairs: Vec::with_capacity(links),
            nodes: self.nodes,
        }
    }

    /// Takes in `later`, gathered with a memo of its own over links that
    /// all come after this scan's: its nodes that are new here are numbered
    /// after this scan's, in their own order, so that every node keeps the
    /// number one pass would give it.
    fn absorb(&mut self, memo: &mut [u32], later: PerNodeScan) {
        let mut number = Vec::with_capacity(later.firsts.len());
        for &(id, start, end) in &later.firsts {
            let key = match self.other {
                Slot::Start => end,
                _ => start,
            } as usize;
            let m = &mut memo[key];
            if *m == u32::MAX {
                *m = self.firsts.len() as u32;
                self.firsts.push((id, start, end));
            }
            self.links[key] += later.links[key];
            number.push(*m);
        }
        self.pairs.extend(
            later
                .pairs
                .into_iter()
                .map(|(n, o)| (number[n as usize], o)),
        );
    }

    /// Counts link `id` (from `start` to `end`, as matched) for the node
    /// its groups are remembered by, numbering that node at its first
    /// link (`memo`, by node id).
    fn take(&mut self, memo: &mut [u32], id: RelId, start: NodeId, end: NodeId) {
        // Node ids are below MEMO_NODES (checked when the path is chosen):
        // they and the node ordinals fit 32 bits.
        let (key, other) = match self.other {
            Slot::Start => (end, start),
            _ => (start, end),
        };
        let m = &mut memo[key as usize];
        if *m == u32::MAX {
            *m = self.firsts.len() as u32;
            self.firsts.push((id, start, end));
        }
        self.links[key as usize] += 1;
        self.pairs.push((*m, other as u32));
    }

    /// Whether `links` link slots, visited `times` times, keep every
    /// node's count in `links` below `u32::MAX`.
    fn fits(links: u64, times: u64) -> bool {
        links.saturating_mul(times) < u64::from(u32::MAX)
    }

    /// Each node's links by its number, from their counts by node id.
    fn count_rows(&mut self, memo: &[u32]) {
        self.rows = vec![0; self.firsts.len()];
        for (&at, &n) in memo.iter().zip(&self.links) {
            if at != u32::MAX {
                self.rows[at as usize] = i64::from(n);
            }
        }
        self.links = Vec::new();
    }
}

/// An `ORDER BY … LIMIT` whose first sort key is one of the per-node
/// path's counts. When every node is a group of its own, only the nodes
/// whose count ranks among the first `keep` can be in the answer: only
/// they need keys read and groups made (Q7 at L: a few dozen of a million).
#[derive(Clone, Copy, Debug)]
struct Top {
    /// The aggregate (`Grouper::aggregates`) the first sort key is.
    agg: usize,
    descending: bool,
    /// SKIP plus LIMIT.
    keep: usize,
}

impl Top {
    /// `None` when the projection does not rank so, or its SKIP or LIMIT
    /// fails (`finish_rows` then says why).
    fn of(
        ctx: &mut Ctx<'_, '_>,
        p: &Projection,
        grouper: &Grouper<'_>,
        where_: Option<&Expr>,
    ) -> Option<Top> {
        if p.distinct || where_.is_some() || p.limit.is_none() {
            return None;
        }
        let first = p.order_by.first()?;
        let item = &p.items.get(order_item(p, first)?)?.expr;
        let agg = grouper
            .aggregates()
            .iter()
            .position(|a| std::ptr::eq(*a, item))?;
        let (skip, limit) = skip_limit(ctx, p).ok()?;
        Some(Top {
            agg,
            descending: first.descending,
            keep: skip.saturating_add(limit?),
        })
    }

    /// Per node, whether its count (`counts`, by node number) is at least
    /// as good as the `keep`th best: ties with it rank by later sort keys,
    /// so they stay. `keep` is in `1..counts.len()`.
    fn candidates(&self, counts: &[i64]) -> Vec<bool> {
        let mut order = counts.to_vec();
        let at = self.keep - 1;
        let bar = match self.descending {
            true => *order.select_nth_unstable_by(at, |a, b| b.cmp(a)).1,
            false => *order.select_nth_unstable(at).1,
        };
        counts
            .iter()
            .map(|&n| match self.descending {
                true => n >= bar,
                false => n <= bar,
            })
            .collect()
    }
}

/// Whether a grouping key is a node's own: the node itself, or its `id`
/// (key code), which is unique when a string.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Own {
    No,
    Node,
    Id(u32),
}

/// A node's first link as the per-node path kept it (id, start, end): its
/// keys read the nodes only.
fn first_link((id, start, end): (RelId, NodeId, NodeId)) -> Link<'static> {
    Link {
        id,
        start,
        end,
        props: Props::Record(&[]),
    }
}

/// One fused scan at work: the plan, the groups it feeds and what it
/// remembers between links.
struct Scan<'q, 'c, 'x> {
    c: &'c Ctx<'x, 'x>,
    plan: &'q Plan<'q>,
    grouper: Grouper<'q>,
    types: Option<TypeCodes>,
    start_labels: Vec<u32>,
    end_labels: Vec<u32>,
    /// Group of each node id or column code (u32::MAX: not seen yet).
    memo: Vec<u32>,
    /// Per conjunct of `each` remembered by code: its outcome for each code
    /// (0: not known yet, 1: true, 2: false or null).
    outcomes: Vec<Vec<u8>>,
    key_vals: Vec<Value>,
    /// The typed path, when the links come from columns and it applies.
    typed: Option<Vec<Typed>>,
    /// The per-node path, when it applies.
    per_node: Option<PerNodeScan>,
}

impl Scan<'_, '_, '_> {
    /// The group of link `l`, from its keys, remembered at `at` in the
    /// memo.
    fn group_of(&mut self, l: &Link<'_>, at: usize) -> Result<usize, Error> {
        for k in &self.plan.keys {
            self.key_vals.push(k.eval(self.c, l)?);
        }
        let plan = self.plan;
        let gi = self.grouper.group(&mut self.key_vals, || plan.first_row(l));
        if let Some(m) = self.memo.get_mut(at) {
            *m = u32::try_from(gi).unwrap_or(u32::MAX);
        }
        Ok(gi)
    }

    /// One visit of every link, from the kept columns or the records.
    fn pass(
        &mut self,
        kept: Option<&LinkColumns>,
        tick: &mut dyn FnMut() -> Result<(), Error>,
    ) -> Result<(), Error> {
        // Without the links' sources and targets (`EndsWanted::Types`),
        // only the plainest shape reads the columns.
        match kept {
            Some(cols) if self.tight(cols)? => {}
            Some(cols) if cols.ends.has_nodes() && self.tight_per_node(cols)? => {}
            Some(cols) if cols.ends.has_nodes() => {
                let ends = &cols.ends;
                for (i, &ty) in ends.ty.iter().enumerate() {
                    tick()?;
                    if ty != ABSENT {
                        let props = Props::Columns(cols, i);
                        self.link(i as RelId, ty, ends.src[i], ends.dst[i], props)?;
                    }
                }
            }
            _ => {
                let c = self.c;
                c.tx.for_each_rel(|id, bytes| -> Result<(), Error> {
                    tick()?;
                    let (ty, src, dst) = codec::rel_ends(bytes)?;
                    self.link(id, ty, src, dst, Props::Record(bytes))
                })?
            }
        }
        Ok(())
    }

    /// The typed path's loop over kept columns, for the plainest shape:
    /// one direction, no labels, no WHERE that reads a link, and keys that
    /// read one link property or nothing, types asked for that are a run of
    /// codes (or none), and at most three aggregates that read a property.
    /// A link then costs its type, one code to find its key's slot and the
    /// codes its aggregates read; counts and sums gather per slot (two
    /// halves of the links on two threads, when large) and go to the groups
    /// at the end. `Ok(false)` when the shape is not that plain.
    fn tight(&mut self, cols: &LinkColumns) -> Result<bool, Error> {
        let plain = self.typed.is_some()
            && self.plan.each.is_empty()
            && self.start_labels.is_empty()
            && self.end_labels.is_empty()
            && self.plan.rel.direction != Direction::Both;
        // The memo slot of link `i`'s group: its key's code, or one slot.
        let key = match self.plan.memo {
            Memo::RelProp(k) if plain && !self.memo.is_empty() => match cols.column(k) {
                Some(col) => Some(col),
                None => return Ok(false),
            },
            Memo::None if plain && self.plan.keys.is_empty() => {
                self.memo = vec![u32::MAX];
                None
            }
            _ => return Ok(false),
        };
        let ends = &cols.ends;
        // Every link has a code in the key's column (`Column` keeps one
        // per link slot).
        if key.is_some_and(|col| col.codes.len() < ends.ty.len()) {
            return Ok(false);
        }
        let Some(wanted) = Wanted::of(self.types.as_deref()) else {
            return Ok(false);
        };
        let typed = self.typed.iter().flatten();
        match typed.filter(|t| matches!(t, Typed::Ints(..))).count() {
            0 => self.tight_with::<0>(cols, key, wanted),
            1 => self.tight_with::<1>(cols, key, wanted),
            2 => self.tight_with::<2>(cols, key, wanted),
            3 => self.tight_with::<3>(cols, key, wanted),
            _ => Ok(false),
        }
    }

    /// `tight` for `N` aggregates that add integers.
    fn tight_with<const N: usize>(
        &mut self,
        cols: &LinkColumns,
        key: Option<&Column>,
        wanted: Wanted,
    ) -> Result<bool, Error> {
        let Some(typed) = self.typed.take() else {
            return Ok(false);
        };
        // Counts of rows are the slot's rows; the others each read a column.
        let ints: Vec<&Ints> = typed
            .iter()
            .filter_map(|t| match t {
                Typed::Rows => None,
                Typed::Ints(ints) => Some(ints),
            })
            .collect();
        let Ok(ints) = <[&Ints; N]>::try_from(ints) else {
            self.typed = Some(typed);
            return Ok(false);
        };
        let ends = &cols.ends;
        let slots = key.map_or(1, Column::memo_len);
        let links = ends.ty.len();
        let cancel = self.c.cancel;
        let codes = ints.map(|a| a.col.codes.as_slice());
        let adds = ints.map(|a| a.table.as_slice());
        // Every link has a code in each column (`Column` keeps one per
        // link slot).
        if codes.iter().any(|c| c.len() < links) {
            self.typed = Some(typed);
            return Ok(false);
        }
        let gather = |range: std::ops::Range<usize>| -> Result<Vec<SlotTotal<N>>, Error> {
            let mut t = vec![SlotTotal::<N>::EMPTY; slots];
            let mut from = range.start;
            while from < range.end {
                cancel.check()?;
                let to = range.end.min(from + CHUNK);
                let key = key.map_or(&ONE_SLOT[..to - from], |col| &col.codes[from..to]);
                let codes = codes.map(|c| &c[from..to]);
                gather_chunk(&mut t, from, &ends.ty[from..to], wanted, key, codes, adds)?;
                from = to;
            }
            Ok(t)
        };
        // Halves of the links on two threads, when there are enough of them
        // and every sum's addends share a sign: then a running sum
        // overflows in some order only if the total does, and the halves
        // answer as one pass would.
        let one_sign = typed.iter().all(|t| match t {
            // A count adds 0 (of both signs).
            Typed::Ints(a) => {
                a.table.iter().all(|&(_, x)| x >= 0) || a.table.iter().all(|&(_, x)| x <= 0)
            }
            Typed::Rows => true,
        });
        let t = if one_sign && second_core() && links >= PARALLEL_LINKS {
            let mid = links / 2;
            let (a, b) = beside(
                || gather(0..mid),
                || gather(mid..links),
                || gather(mid..links),
            );
            merge(a?, b?)?
        } else {
            gather(0..links)?
        };
        // Groups are made in the order of their first links, as one pass
        // over the links makes them.
        let mut order: Vec<usize> = (0..slots).filter(|&s| t[s].rows > 0).collect();
        order.sort_unstable_by_key(|&s| t[s].first);
        let incoming = self.plan.rel.direction == Direction::Incoming;
        for slot in order {
            let first = t[slot].first;
            // A group's first row may show its nodes: built without them,
            // they are read from the record of the group's first link.
            let l = match cols.ends.has_nodes() {
                true => Link::kept(cols, first, incoming),
                false => {
                    let ends = self.c.tx.rel_ends(first as RelId)?;
                    let (_, src, dst) = ends.ok_or_else(|| {
                        Error::storage(format!("link {first} of a kept column has no record"))
                    })?;
                    Link::kept_between(cols, first, incoming, (src, dst))
                }
            };
            let gi = self.group_of(&l, slot)?;
            let mut adds = t[slot].adds.iter();
            for (ai, ty) in typed.iter().enumerate() {
                let (count, total) = match ty {
                    Typed::Rows => (t[slot].rows, 0),
                    Typed::Ints(..) => adds.next().copied().unwrap_or_default(),
                };
                self.grouper.add_totals(gi, ai, count, total)?;
            }
        }
        Ok(true)
    }

    /// The per-node path's loop over kept columns, when no label is asked
    /// for, the direction is one way and every WHERE conjunct over the link
    /// reads one property whose outcome is remembered per column code: a
    /// link then costs its type, a code per conjunct and the node's
    /// counters, as `link` would give them without its general steps.
    /// `Ok(false)` when the shape is not that plain.
    fn tight_per_node(&mut self, cols: &LinkColumns) -> Result<bool, Error> {
        let plan = self.plan;
        if self.per_node.is_none()
            || !self.start_labels.is_empty()
            || !self.end_labels.is_empty()
            || plan.rel.direction == Direction::Both
        {
            return Ok(false);
        }
        let by_code: Option<Vec<&Column>> = plan
            .each
            .iter()
            .zip(&self.outcomes)
            .map(|((_, by), known)| {
                let col = cols.column((*by)?)?;
                (known.len() == col.memo_len()).then_some(col)
            })
            .collect();
        let (Some(by_code), Some(mut pn)) = (by_code, self.per_node.take()) else {
            return Ok(false);
        };
        let types = self.types.as_deref();
        let wanted = |ty: u32| match types {
            Some(t) => t.contains(&ty),
            None => ty != ABSENT,
        };
        let ends = &cols.ends;
        let incoming = plan.rel.direction == Direction::Incoming;
        // The stored end each link is counted for (at random in the memo).
        let keyed: &[NodeId] = match (pn.other, incoming) {
            (Slot::Start, false) | (Slot::End, true) => &ends.dst,
            _ => &ends.src,
        };
        let walk = PerNodeWalk {
            ends,
            keyed,
            incoming,
            wanted: &wanted,
            by_code: &by_code,
            cancel: self.c.cancel,
        };
        let c = self.c;
        let links = ends.ty.len();
        // The first links, here: they meet most codes, whose outcomes the
        // other thread can then read.
        let prefix = links.min(PARALLEL_LINKS);
        walk.range(
            0..prefix,
            cols,
            &mut self.memo,
            &mut pn,
            &mut evaluated(c, plan, &mut self.outcomes),
        )?;
        let mut from = prefix;
        if second_core() && links - prefix >= PARALLEL_LINKS {
            // The later half on another thread, with its own numbering, taken
            // in after the earlier half: nodes keep the order their first
            // links came in. At a code whose outcome is not known yet it
            // stops, and this thread goes on from there after both.
            let mid = prefix + (links - prefix) / 2;
            let seen: Vec<Vec<u8>> = self.outcomes.clone();
            let known = |j: usize, at: usize, _: &Link<'_>| -> Result<Option<bool>, Error> {
                Ok(match seen[j].get(at).copied().unwrap_or(0) {
                    0 => None,
                    o => Some(o == 1),
                })
            };
            let later = pn.fresh(links - mid);
            let nodes = self.memo.len();
            let (memo, outcomes) = (&mut self.memo, &mut self.outcomes);
            // No thread to be had: this one goes on from the middle.
            let none = pn.fresh(0);
            let (earlier, later) = beside(
                || {
                    walk.range(
                        prefix..mid,
                        cols,
                        memo,
                        &mut pn,
                        &mut evaluated(c, plan, outcomes),
                    )
                },
                || {
                    let (mut own, mut later, mut known) = (vec![u32::MAX; nodes], later, known);
                    walk.range(mid..links, cols, &mut own, &mut later, &mut known)
                        .map(|stop| (later, stop))
                },
                || Ok((none, Some(mid))),
            );
            earlier?;
            let (later, stop) = later?;
            pn.absorb(&mut self.memo, later);
            from = stop.unwrap_or(links);
        }
        walk.range(
            from..links,
            cols,
            &mut self.memo,
            &mut pn,
            &mut evaluated(c, plan, &mut self.outcomes),
        )?;
        self.per_node = Some(pn);
        Ok(true)
    }

    /// Hands the groups what the per-node path gathered: the keys of each
    /// node, read in node id order (records side by side, not one random
    /// record per group), its group, made in the order the nodes arrived,
    /// then the counts of each group. With a ranking `top` over groups of
    /// one node each, only the nodes that can rank get keys and groups.
    fn finish_per_node(&mut self, top: Option<Top>) -> Result<(), Error> {
        let Some(mut pn) = self.per_node.take() else {
            return Ok(());
        };
        pn.count_rows(&self.memo);
        let (c, plan) = (self.c, self.plan);
        // A key that holds the node itself, or its string `id` (unique in
        // the store), is no other node's: its group is made without hashing.
        let id_key = c.key_id("id");
        let own: Vec<Own> = plan
            .keys
            .iter()
            .map(|k| match k {
                Simple::Var(_) => Own::Node,
                Simple::NodeProp(_, Some(k)) if Some(*k) == id_key => Own::Id(*k),
                _ => Own::No,
            })
            .collect();
        // Per node number: its distinct other ends, counted before any
        // group is made when the ranking needs them.
        let mut node_distinct = None;
        let ranking = top.and_then(|t| Some((t, *pn.aggs.get(t.agg)?)));
        let kept = match ranking {
            Some((t, by)) if t.keep > 0 && t.keep < pn.firsts.len() => {
                let counts = match by {
                    PerNode::Rows => &pn.rows,
                    PerNode::Distinct => &*node_distinct.insert(distinct_per_group(
                        &pn.pairs,
                        &pn.rows,
                        pn.nodes,
                        || c.cancel.check(),
                    )?),
                };
                let ranked = t.candidates(counts);
                self.others_own(&own, &ranked)?.then_some(ranked)
            }
            _ => None,
        };
        // Whether keys `kv` are their node's alone.
        let unique = |kv: &[Value]| {
            kv.iter()
                .zip(&own)
                .any(|(v, &own)| own != Own::No && matches!(v, Value::Node(_) | Value::String(_)))
        };
        // The keys of the nodes kept (by node number: the `n`th keys are
        // node number `number(n)`'s).
        let kept_keys = match &kept {
            // A few nodes: read where they are.
            Some(ranked) => {
                let numbers: Vec<usize> = (0..ranked.len()).filter(|&i| ranked[i]).collect();
                let mut keys = Vec::with_capacity(numbers.len());
                for &i in &numbers {
                    let l = first_link(pn.firsts[i]);
                    let kv = plan.keys.iter().map(|k| k.eval(c, &l));
                    keys.push(kv.collect::<Result<Vec<_>, _>>()?);
                }
                // Kept nodes that could share a group (no string `id`)
                // would leave fewer groups than ranked, or a group that
                // ranks otherwise: then every node's keys are read.
                keys.iter().all(|kv| unique(kv)).then_some((numbers, keys))
            }
            None => None,
        };
        let (numbers, mut keys) = match kept_keys {
            Some((numbers, keys)) => (Some(numbers), keys),
            None => (None, self.every_nodes_keys(&pn)?),
        };
        let number = |n: usize| numbers.as_ref().map_or(n, |m| m[n]);
        let read = keys.len();
        // At most one group per node (fewer when nodes share keys).
        self.grouper.reserve(read);
        let mut group = vec![u32::MAX; pn.firsts.len()];
        for n in 0..read {
            let i = number(n);
            if let Some(v) = keys.get(n + AHEAD).and_then(|kv| kv.first()) {
                prefetch_line(v);
            }
            let kv = &mut keys[n];
            let unique = unique(kv);
            let first_row = || plan.first_row(&first_link(pn.firsts[i]));
            let gi = match unique {
                true => self.grouper.new_group(kv, first_row),
                false => self.grouper.group(kv, first_row),
            };
            group[i] = gi as u32;
        }
        drop(keys);
        // Nodes with equal keys share a group: count per group.
        let mut rows = vec![0i64; self.grouper.groups()];
        for (&g, &r) in group.iter().zip(&pn.rows) {
            if g != u32::MAX {
                rows[g as usize] += r;
            }
        }
        let distinct = match pn.aggs.contains(&PerNode::Distinct) {
            true => match node_distinct {
                // Each group one node's: its count is the node's.
                Some(by_node) if rows.len() == read => {
                    let mut d = vec![0; rows.len()];
                    for (&g, n) in group.iter().zip(by_node) {
                        if g != u32::MAX {
                            d[g as usize] = n;
                        }
                    }
                    d
                }
                _ => {
                    // Each node its own group, in their order (ids, or the
                    // nodes themselves): the pairs already name their
                    // groups. Else they are renamed, those of nodes left
                    // out dropped.
                    if group.iter().enumerate().any(|(i, &g)| g as usize != i) {
                        pn.pairs.retain_mut(|p| {
                            p.0 = group[p.0 as usize];
                            p.0 != u32::MAX
                        });
                    }
                    distinct_per_group(&pn.pairs, &rows, pn.nodes, || c.cancel.check())?
                }
            },
            false => Vec::new(),
        };
        drop(pn.pairs);
        for (gi, &n) in rows.iter().enumerate() {
            for (ai, a) in pn.aggs.iter().enumerate() {
                match a {
                    PerNode::Rows => self.grouper.add_totals(gi, ai, n, 0)?,
                    PerNode::Distinct => self.grouper.add_count(gi, ai, distinct[gi]),
                }
            }
        }
        Ok(())
    }

    /// The keys of every node the per-node path numbered, by number, read
    /// in node id order (records side by side, not one random record per
    /// node).
    fn every_nodes_keys(&self, pn: &PerNodeScan) -> Result<Vec<Vec<Value>>, Error> {
        let (c, plan) = (self.c, self.plan);
        let mut keys: Vec<Vec<Value>> = Vec::new();
        keys.resize_with(pn.firsts.len(), Vec::new);
        for (node, &at) in self.memo.iter().enumerate() {
            if node % 4096 == 0 {
                c.cancel.check()?;
            }
            // Nodes are numbered as their first links came: their slots
            // are read at random, so asked for a few nodes ahead.
            if let Some(&a) = self.memo.get(node + AHEAD) {
                if let (Some(k), Some(f)) = (keys.get(a as usize), pn.firsts.get(a as usize)) {
                    prefetch_line(k);
                    prefetch_line(f);
                }
            }
            if at != u32::MAX {
                let l = first_link(pn.firsts[at as usize]);
                let kv = &mut keys[at as usize];
                for k in &plan.keys {
                    kv.push(k.eval(c, &l)?);
                }
            }
        }
        Ok(keys)
    }

    /// Whether the nodes a ranking leaves out (`ranked` false, by node
    /// number) each have keys of their own, so that none would share a
    /// group with another and no group of theirs could outrank the ones
    /// kept: some key is the node itself, or its `id`, a string for every
    /// node left out.
    fn others_own(&self, own: &[Own], ranked: &[bool]) -> Result<bool, Error> {
        if own.contains(&Own::Node) {
            return Ok(true);
        }
        let Some(id) = own.iter().find_map(|o| match o {
            Own::Id(k) => Some(*k),
            _ => None,
        }) else {
            return Ok(false);
        };
        let c = self.c;
        let left_out = |node: u64| match self.memo.get(node as usize) {
            Some(&at) => at != u32::MAX && !ranked[at as usize],
            None => false,
        };
        // Nearly every node is left out: their records are read block by
        // block, in id order.
        let (mut strings, mut all) = (0, true);
        let per_block = 1u64 << crate::store::keys::BLOCK_BITS;
        for block in 0..(self.memo.len() as u64).div_ceil(per_block) {
            c.cancel.check()?;
            c.tx.for_each_node_in_block(block, |node, bytes| -> Result<(), Error> {
                if all && left_out(node) {
                    match codec::node_prop_is_string(bytes, id)? {
                        true => strings += 1,
                        false => all = false,
                    }
                }
                Ok(())
            })?;
            if !all {
                return Ok(false);
            }
        }
        // Every node left out was read (none is missing).
        Ok(strings == ranked.iter().filter(|&&r| !r).count())
    }

    /// Feeds link `id` (type `ty`, stored from `src` to `dst`) to the groups.
    fn link(
        &mut self,
        id: RelId,
        ty: u32,
        src: NodeId,
        dst: NodeId,
        props: Props<'_>,
    ) -> Result<(), Error> {
        if self.types.as_ref().is_some_and(|t| !t.contains(&ty)) {
            return Ok(());
        }
        let c = self.c;
        let ends: &[(NodeId, NodeId)] = match self.plan.rel.direction {
            Direction::Outgoing => &[(src, dst)],
            Direction::Incoming => &[(dst, src)],
            Direction::Both if src == dst => &[(src, dst)],
            Direction::Both => &[(src, dst), (dst, src)],
        };
        'ends: for &(start, end) in ends {
            for (n, want) in [(start, &self.start_labels), (end, &self.end_labels)] {
                if !want.is_empty() && !c.tx.node_has_labels(n, want)? {
                    continue 'ends;
                }
            }
            let l = Link {
                id,
                start,
                end,
                props,
            };
            for (j, (s, by)) in self.plan.each.iter().enumerate() {
                let at = match (by, props) {
                    (Some(k), Props::Columns(cols, i)) => {
                        cols.column(*k).and_then(|col| col.memo_index(i))
                    }
                    _ => None,
                };
                let slot = at.and_then(|at| self.outcomes.get_mut(j)?.get_mut(at));
                let pass = match slot {
                    Some(&mut known) if known != 0 => known == 1,
                    slot => {
                        let pass = truthy(&s.eval(c, &l)?)? == Some(true);
                        if let Some(m) = slot {
                            *m = if pass { 1 } else { 2 };
                        }
                        pass
                    }
                };
                if !pass {
                    continue 'ends;
                }
            }
            if let Some(pn) = &mut self.per_node {
                pn.take(&mut self.memo, id, start, end);
                continue 'ends;
            }
            let at = match (self.plan.memo, props) {
                (Memo::Node(Slot::Start), _) => start as usize,
                (Memo::Node(_), _) => end as usize,
                (Memo::RelProp(k), Props::Columns(cols, i)) => cols
                    .column(k)
                    .and_then(|col| col.memo_index(i))
                    .unwrap_or(usize::MAX),
                _ => usize::MAX,
            };
            let gi = match self.memo.get(at) {
                Some(&known) if known != u32::MAX => known as usize,
                _ => self.group_of(&l, at)?,
            };
            match (&self.typed, props) {
                (Some(typed), Props::Columns(_, i)) => {
                    for (ai, t) in typed.iter().enumerate() {
                        match t {
                            Typed::Rows => self.grouper.add_totals(gi, ai, 1, 0)?,
                            Typed::Ints(a) => match a.at(i) {
                                (0, _) => {}
                                (n, x) => self.grouper.add_totals(gi, ai, n, x)?,
                            },
                        }
                    }
                }
                _ => {
                    let plan = self.plan;
                    self.grouper.accumulate(gi, |x| plan.arg(x).eval(c, &l))?;
                }
            }
        }
        Ok(())
    }
}

/// Runs `MATCH m` (the first clause) and the projection `p` together.
/// `Ok(None)` when the query is not of the fused shape.
/// `times` is the number of input rows: the general plan would match the
/// pattern once per row, so the links are visited that many times, into
/// the same groups (none at all for no input row).
pub fn run(
    ctx: &mut Ctx<'_, '_>,
    m: &Match,
    p: &Projection,
    where_: Option<&Expr>,
    times: u64,
) -> Result<Option<(Vec<String>, Rows)>, Error> {
    let plan = {
        let keys = |k: &str| ctx.key_id(k);
        let env = Names {
            keys: &keys,
            params: Some(ctx.params),
        };
        Plan::new(m, p, &env)
    };
    let Some((plan, grouper)) = plan else {
        return Ok(None);
    };
    let top = Top::of(ctx, p, &grouper, where_);
    let types = rel_types(ctx, plan.rel);
    let labels = (label_ids(ctx, plan.start)?, label_ids(ctx, plan.end)?);
    let c: &Ctx<'_, '_> = ctx;
    let none = Link {
        id: 0,
        start: 0,
        end: 0,
        props: Props::Record(&[]),
    };
    // As the general plan: the conjuncts that read no link first, even when
    // no link can match (their errors are errors all the same).
    let mut live = times > 0;
    for s in &plan.once {
        if live && truthy(&s.eval(c, &none)?)? != Some(true) {
            live = false;
        }
    }
    live &= !types.as_ref().is_some_and(|t| t.is_empty());
    let mut scan = Scan {
        c,
        plan: &plan,
        grouper,
        types,
        start_labels: Vec::new(),
        end_labels: Vec::new(),
        memo: Vec::new(),
        outcomes: Vec::new(),
        key_vals: Vec::new(),
        typed: None,
        per_node: None,
    };
    if let (true, (Some(start_labels), Some(end_labels))) = (live, labels) {
        // The plainest shape (`Scan::tight`) reads the links' types and
        // properties only, which the columns on disk hold; the sources and
        // targets are built when another path is taken.
        let plain = times == 1
            && plan.each.is_empty()
            && start_labels.is_empty()
            && end_labels.is_empty()
            && plan.rel.direction != Direction::Both
            && match plan.memo {
                Memo::RelProp(_) => true,
                Memo::None => plan.keys.is_empty(),
                Memo::Node(_) => false,
            };
        scan.start_labels = start_labels;
        scan.end_labels = end_labels;
        let ends = match plain {
            true => EndsWanted::Types,
            false => EndsWanted::Nodes,
        };
        let check = || c.cancel.check();
        let mut kept = c.tx.link_columns(&plan.rel_keys, ends, check)?;
        // Node ids are dense, and so are column codes: the memos are arrays
        // (none past MEMO_NODES entries).
        let memo_len = |k: Option<u32>| {
            let n = k
                .and_then(|k| kept.as_ref()?.column(k))
                .map_or(0, Column::memo_len);
            if n as u64 <= MEMO_NODES {
                n
            } else {
                0
            }
        };
        scan.memo = match plan.memo {
            Memo::Node(_) if c.tx.meta().next_node <= MEMO_NODES => {
                vec![u32::MAX; c.tx.meta().next_node as usize]
            }
            Memo::RelProp(k) => vec![u32::MAX; memo_len(Some(k))],
            _ => Vec::new(),
        };
        scan.outcomes = plan
            .each
            .iter()
            .map(|(_, by)| vec![0u8; memo_len(*by)])
            .collect();
        // The typed path gathers one pass into flat arrays; repeated passes
        // take the general one.
        scan.typed = match times {
            1 => kept
                .as_ref()
                .and_then(|cols| typed(&plan, &scan.grouper, cols)),
            _ => None,
        };
        if plain && scan.typed.is_none() {
            kept =
                c.tx.link_columns(&plan.rel_keys, EndsWanted::Nodes, check)?;
        }
        let mut seen: u32 = 0;
        let mut tick = || {
            seen = seen.wrapping_add(1);
            match seen.is_multiple_of(1024) {
                true => c.cancel.check(),
                false => Ok(()),
            }
        };
        // Groups remembered per node, fed counts of rows and of distinct
        // other ends: pairs counted at the end. The node ids fit the memo,
        // and so in 32 bits, as do the group numbers.
        // A node's count grows by at most one per link slot and pass (both
        // ways, a link meets a node once, or once as a loop); twice that
        // is a bound to spare.
        let visits = c.tx.meta().next_rel.saturating_mul(2);
        if !scan.memo.is_empty() && scan.typed.is_none() && PerNodeScan::fits(visits, times) {
            // A pair per link: room for every link slot from the start (only
            // what is written is touched), not a copy at each doubling.
            let slots = kept.as_ref().map_or(0, |k| k.ends.ty.len());
            scan.per_node = per_node(&plan, &scan.grouper).map(|(other, aggs)| PerNodeScan {
                other,
                aggs,
                firsts: Vec::new(),
                links: vec![0; scan.memo.len()],
                rows: Vec::new(),
                pairs: Vec::with_capacity(slots),
                nodes: scan.memo.len(),
            });
        }
        for _ in 0..times {
            scan.pass(kept.as_ref(), &mut tick)?;
        }
        scan.finish_per_node(top)?;
    }
    let names = Columns::new(plan.names.clone(), &ctx.symbols);
    let out = scan.grouper.finish(ctx, &names)?;
    let cols = Columns::new(columns(p, &plan.names), &ctx.symbols);
    let rows = finish_rows(ctx, p, &names, &cols, out, where_)?;
    Ok(Some((cols.into_vec(), rows)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One comparison answers for the types asked for when they are a run
    /// of codes, in any order and with repeats; else the tight loop is not
    /// taken.
    #[test]
    fn wanted_types_are_a_run_of_codes() {
        let takes = |types: Option<&[u32]>| {
            Wanted::of(types).map(|w| (0..8).filter(|&t| w.takes(t)).collect::<Vec<u32>>())
        };
        assert_eq!(takes(Some(&[3])), Some(vec![3]));
        assert_eq!(takes(Some(&[4, 2, 3, 3])), Some(vec![2, 3, 4]));
        assert_eq!(takes(Some(&[0, 7])), None);
        assert_eq!(takes(Some(&[])), None);
        assert_eq!(takes(None), Some((0..8).collect()));
        let any = Wanted::of(None).unwrap();
        assert!(any.takes(ABSENT - 1) && !any.takes(ABSENT));
        assert!(Wanted::of(Some(&[ABSENT - 1, ABSENT])).is_none());
    }

    /// A node's count of links in 32 bits is taken only where no node can
    /// reach `u32::MAX` of them: every visit of every link slot to one node.
    #[test]
    fn per_node_counts_fit_their_bits() {
        let max = u64::from(u32::MAX);
        assert!(PerNodeScan::fits(max - 1, 1));
        assert!(!PerNodeScan::fits(max, 1));
        assert!(PerNodeScan::fits(max / 3, 2));
        assert!(!PerNodeScan::fits(max / 2 + 1, 2));
        assert!(!PerNodeScan::fits(u64::MAX, 2));
        assert!(PerNodeScan::fits(0, u64::MAX));
    }

    fn distinct(pairs: &[(u32, u32)], groups: usize, values: usize) -> Vec<i64> {
        let mut rows = vec![0i64; groups];
        pairs.iter().for_each(|&(g, _)| rows[g as usize] += 1);
        distinct_per_group(pairs, &rows, values, || Ok(())).unwrap()
    }

    #[test]
    fn distinct_per_group_counts_each_value_once_per_group() {
        // Repeats within a group count once; the same value in two groups
        // counts in both; a group's pairs need not be adjacent.
        let pairs = [
            (0, 5),
            (1, 5),
            (0, 5),
            (2, 0),
            (0, 1),
            (1, 5),
            (2, 0),
            (0, 0),
        ];
        assert_eq!(distinct(&pairs, 3, 6), vec![3, 1, 1]);
        assert_eq!(distinct(&[], 0, 0), Vec::<i64>::new());
        // A group without pairs counts nothing.
        assert_eq!(distinct(&[(1, 2), (1, 2)], 3, 3), vec![0, 1, 0]);
    }

    #[test]
    fn distinct_per_group_agrees_with_sets() {
        let mut rng = crate::test_rng::XorShift(0x9e37_79b9_7f4a_7c15);
        let mut next = || rng.next();
        let (groups, values) = (37, 50);
        let pairs: Vec<(u32, u32)> = (0..5000)
            .map(|_| ((next() % groups) as u32, (next() % values) as u32))
            .collect();
        let mut sets = vec![std::collections::BTreeSet::new(); groups as usize];
        pairs.iter().for_each(|&(g, v)| {
            sets[g as usize].insert(v);
        });
        let want: Vec<i64> = sets.iter().map(|s| s.len() as i64).collect();
        assert_eq!(distinct(&pairs, groups as usize, values as usize), want);
    }

    #[test]
    fn distinct_per_group_stops_when_told() {
        let rows = [2i64];
        let stop = || {
            let kind = crate::error::ErrorKind::Cancelled;
            Err(Error::runtime(kind, "", "stop"))
        };
        assert!(distinct_per_group(&[(0, 1), (0, 1)], &rows, 2, stop).is_err());
    }
}

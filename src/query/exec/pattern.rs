//! Pattern matching: node candidates from the most selective source (a bound
//! variable, an actor literal, an indexed property, a label), expansion
//! through the adjacency lists, variable-length trails, shortest and
//! strongest paths, with WHERE conjuncts checked as soon as their variables
//! are bound.

use super::context::Ctx;
use super::eval::{eval, truthy, Columns, Env};
use super::ops;
pub use super::part_plan::{plan_parts, Access, PartPlan, Source};
use crate::error::{Error, ErrorKind};
use crate::query::ast::{
    Child, Direction, Expr, ExprKind, Ident, NodePattern, PathKind, PatternElement, PatternPart,
    RelPattern,
};
use crate::query::bind::symbols::{Names, Sym, Symbols};
use crate::store::adjacency::AdjEntry;
use crate::store::block_cache::PIPELINE;
use crate::store::catalog::NameKind;
use crate::store::codec::{self, RelRecord};
use crate::store::keys::Dir;
use crate::value::{Date, NodeId, Path, RelId, Value};
use hop_prune::Outcome;
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

mod before_end;
mod ends_once;
pub use ends_once::EndTally;
mod hop_prune;
mod link_compare;
mod link_filter;
mod prop_map;
mod reached;

/// What a consumer of matched rows tells the matcher: go on, or stop the
/// search (a LIMIT is met, an EXISTS found its first match).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    More,
    Stop,
}

/// Where matched rows go, one at a time: nothing is collected here.
pub type RowSink<'s> = dyn FnMut(&mut Ctx<'_, '_>, &[Value]) -> Result<Flow, Error> + 's;

/// Links used by the trail being matched. Trails are short but a variable-length
/// step may walk a million links: a list while short, a hash set beside it past
/// `USED_LIST`, so membership never costs the trail's length.
#[derive(Default)]
struct Used {
    list: Vec<RelId>,
    set: fxhash::FxHashSet<RelId>,
}

const USED_LIST: usize = 32;

impl Used {
    fn contains(&self, r: &RelId) -> bool {
        if self.list.len() <= USED_LIST {
            self.list.contains(r)
        } else {
            self.set.contains(r)
        }
    }

    fn push(&mut self, r: RelId) {
        self.list.push(r);
        if self.list.len() > USED_LIST {
            if self.set.is_empty() {
                self.set.extend(self.list.iter().copied());
            } else {
                self.set.insert(r);
            }
        }
    }

    fn pop(&mut self) {
        if let Some(r) = self.list.pop() {
            if self.list.len() >= USED_LIST {
                self.set.remove(&r);
            } else if !self.set.is_empty() {
                self.set.clear();
            }
        }
    }
}

pub fn resolve_actor(ctx: &Ctx<'_, '_>, name: &str) -> Result<NodeId, Error> {
    let ids = ctx.tx.actors_named(name)?;
    match ids.as_slice() {
        [one] => Ok(*one),
        [] => Err(Error::runtime(
            ErrorKind::EntityNotFound,
            "UnknownActor",
            format!("no actor is called '{name}' (by id, name or alias)"),
        )),
        many => {
            let mut names = Vec::new();
            let (idk, namek) = (ctx.key_id("id"), ctx.key_id("name"));
            for id in many.iter().take(10) {
                let rec = ctx.node(*id)?;
                let shown = idk
                    .and_then(|k| rec.prop(k))
                    .or_else(|| namek.and_then(|k| rec.prop(k)))
                    .map(|v| match v {
                        Value::String(s) => s.clone(),
                        o => format!("{o:?}"),
                    });
                names.push(format!("@{}", shown.unwrap_or_else(|| format!("#{id}"))));
            }
            Err(Error::runtime(
                ErrorKind::ArgumentError,
                "AmbiguousActor",
                format!("'{name}' names {} actors: {}", many.len(), names.join(", ")),
            ))
        }
    }
}

/// A WHERE conjunct and the variables it needs.
pub struct Conjunct<'q> {
    pub expr: &'q Expr,
    pub vars: Vec<String>,
    /// `vars` as the statement's symbols (`Sym::NONE` for `*` and names
    /// no variable has), looked up once when the conjuncts are made.
    pub syms: Vec<Sym>,
    /// `var.key = 'text'` (either way round): when `var` holds a link, the
    /// conjunct holds exactly when the stored property is that string, so
    /// it is checked in the record's bytes without decoding a value.
    pub str_eq: Option<StrEq<'q>>,
    /// `var.key op number` (`link_compare`): when `var` holds a link, the
    /// conjunct is judged in the record's bytes where the property is a
    /// number or null.
    pub compare: Option<link_compare::LinkCompare<'q>>,
}

/// The parts of a `var.key = 'text'` conjunct.
pub struct StrEq<'q> {
    pub var: Sym,
    pub key: &'q str,
    pub text: &'q str,
}

impl<'q> StrEq<'q> {
    fn of(e: &'q Expr) -> Option<StrEq<'q>> {
        let ExprKind::Binary(crate::query::ast::BinaryOp::Eq, a, b) = &e.kind else {
            return None;
        };
        let side = |p: &'q Expr, t: &'q Expr| match (&p.kind, &t.kind) {
            (ExprKind::Property(v, key), ExprKind::String(text)) => match &v.kind {
                ExprKind::Variable(_, var) => Some(StrEq {
                    var: *var,
                    key: &key.name,
                    text,
                }),
                _ => None,
            },
            _ => None,
        };
        side(a, b).or_else(|| side(b, a))
    }
}

pub fn conjuncts<'q>(e: Option<&'q Expr>, symbols: &Symbols) -> Vec<Conjunct<'q>> {
    and_parts(e)
        .into_iter()
        .map(|e| {
            let mut vars = Vec::new();
            free_vars(e, &mut vars);
            let syms = vars.iter().map(|v| symbols.get(v)).collect();
            Conjunct {
                expr: e,
                vars,
                syms,
                str_eq: StrEq::of(e),
                compare: link_compare::LinkCompare::of(e),
            }
        })
        .collect()
}

/// The operands of a WHERE's top-level ANDs.
pub fn and_parts(e: Option<&Expr>) -> Vec<&Expr> {
    fn split<'q>(e: &'q Expr, out: &mut Vec<&'q Expr>) {
        match &e.kind {
            ExprKind::Binary(crate::query::ast::BinaryOp::And, a, b) => {
                split(a, out);
                split(b, out);
            }
            _ => out.push(e),
        }
    }
    let mut out = Vec::new();
    if let Some(e) = e {
        split(e, &mut out);
    }
    out
}

/// Variables a pattern names or reads in its property maps.
pub fn pattern_vars(p: &PatternElement, out: &mut Vec<String>) {
    let node = |n: &NodePattern, out: &mut Vec<String>| {
        if let Some(v) = &n.variable {
            out.push(v.name.clone());
        }
        if let Some(p) = &n.properties {
            free_vars(p, out);
        }
    };
    node(&p.start, out);
    for (r, n) in &p.chain {
        if let Some(v) = &r.variable {
            out.push(v.name.clone());
        }
        if let Some(p) = &r.properties {
            free_vars(p, out);
        }
        node(n, out);
    }
}

/// Variables an expression reads (conservatively: comprehension variables
/// are included too, which only delays when a conjunct is checked).
pub fn free_vars(e: &Expr, out: &mut Vec<String>) {
    match &e.kind {
        ExprKind::Variable(v, _) => out.push(v.clone()),
        _ => e.for_each_child(|c| match c {
            Child::Expr(x) => free_vars(x, out),
            Child::Pattern(p) => pattern_vars(p, out),
            // Every name the subquery mentions (inner ones too: that only
            // delays a conjunct); `*` when it projects everything.
            Child::Query(q) => {
                if super::liveness::query_vars(q, out) {
                    out.push("*".into());
                }
            }
        }),
    }
}

/// The validity window `AS OF t` keeps: links whose `since` is not after `t`
/// and whose `until` is not before it (partial dates that overlap `t` count).
#[derive(Clone, Copy)]
pub struct AsOf {
    pub at: Date,
    since: Option<u32>,
    until: Option<u32>,
}

impl AsOf {
    pub fn new(ctx: &Ctx<'_, '_>, v: &Value) -> Result<AsOf, Error> {
        let at = to_date(v).ok_or_else(|| {
            Error::runtime(
                ErrorKind::TypeError,
                "InvalidArgumentType",
                format!("AS OF needs a year or a date, got {}", v.type_name()),
            )
        })?;
        Ok(AsOf {
            at,
            since: ctx.key_id("since"),
            until: ctx.key_id("until"),
        })
    }

    fn admits(&self, props: &[(u32, Value)]) -> bool {
        let get = |k: Option<u32>| {
            k.and_then(|k| props.iter().find(|(p, _)| *p == k))
                .and_then(|(_, v)| to_date(v))
        };
        if let Some(s) = get(self.since) {
            if s.partial_cmp_dates(&self.at) == Some(std::cmp::Ordering::Greater) {
                return false;
            }
        }
        if let Some(u) = get(self.until) {
            if u.partial_cmp_dates(&self.at) == Some(std::cmp::Ordering::Less) {
                return false;
            }
        }
        true
    }
}

fn to_date(v: &Value) -> Option<Date> {
    match v {
        Value::Int(y) => Some(Date::year_only(*y as i32)),
        Value::Date(d) => Some(*d),
        Value::Temporal(t) => t.date(),
        Value::String(s) => Date::parse(s),
        _ => None,
    }
}

/// Row slots (or conjuncts) one step bound (or checked), to undo when it
/// backtracks: a step binds a few, kept inline, not allocated per match.
type Slots = smallvec::SmallVec<[usize; 4]>;

/// Matching state for one input row.
struct Matcher<'m, 'q> {
    names: &'m Names,
    row: Vec<Value>,
    bound: Vec<bool>,
    used: Used,
    conjuncts: &'m [Conjunct<'q>],
    /// Each conjunct's `str_eq` as the row slot of its variable and the
    /// code of its key, looked up once, not per link.
    str_eqs: Vec<Option<(usize, u32)>>,
    /// Each conjunct's `compare` bound to the run, likewise (empty when
    /// no conjunct has one).
    compares: Vec<Option<link_compare::Bound>>,
    checked: Vec<bool>,
    as_of: Option<AsOf>,
    /// How each part is found, in the order they are matched.
    plan: &'m [PartPlan],
    sink: &'m mut RowSink<'m>,
    /// The sink said stop: every loop unwinds without matching further.
    stopped: bool,
    outer: Option<&'m Env<'m>>,
    /// `Rule::PredicatePushdown`: conjuncts are checked as soon as their
    /// variables are bound; else only on the finished row.
    early: bool,
    /// Only which distinct rows are sent matters (`ends_once`).
    ends_once: bool,
    /// The one thing counted after the MATCH is the distinct nodes of
    /// this tally's variable: a row holding one there is counted, not
    /// sent, and so is a breadth-first hop's end bound to it, and the end
    /// of each link of a last single hop (`tally_ends`).
    tally: Option<&'m mut EndTally>,
    /// Links a tallied hop has taken whose tests need nothing but the
    /// link (`LinkTests::link_only`), held to be tested in one batch
    /// across the lists of many nodes (`test_held`).
    held: Option<(LinkTests, Vec<AdjEntry>)>,
    scratch: &'m mut Scratch,
}

/// What a MATCH keeps between its input rows, and between the runs of a
/// kept plan (which is dropped at every commit), rather than making it
/// again. A MATCH's operator keeps one; a pattern matched on its own
/// (a pattern expression, MERGE, a count of parts) has a fresh one.
#[derive(Default)]
pub struct Scratch {
    /// Hop ends without the labels every node carries, made at the first
    /// expansion that needs each rather than at every one (a clone of the
    /// pattern each time: 8% of Q3 at M). Made again after a write (`at`:
    /// `Tx::writes` when they were made). Keyed by the pattern's address
    /// in the statement, which outlives the operator, and whether made
    /// for a start node (`Matcher::start_pattern`).
    made: Vec<((usize, bool), Arc<NodePattern>)>,
    at: u64,
    /// Emptied buffers for the links of a node a walk expands, one for
    /// each depth of a walk in progress (allocating each anew was 6% of
    /// Q3 at M, and Q8 expands 94 nodes).
    lists: Vec<Vec<AdjEntry>>,
    /// The emptied row and bound flags of the last input row matched, for
    /// the next (allocated anew, two of a point query's few allocations).
    row: Vec<Value>,
    bound: Vec<bool>,
    /// The trail of the last part walked from its start nodes, likewise.
    trail: PathBuild,
}

/// Buffers kept during a run at most, and the entries a kept one may hold.
const LISTS_KEPT: usize = 16;
const LIST_KEPT_LEN: usize = 4096;

/// What an idle plan keeps of them (`Scratch::reset`): a few small ones,
/// 6 KiB at most, so that a point query's next run allocates none.
const LISTS_IDLE: usize = 4;
const LIST_IDLE_LEN: usize = 64;

/// Slots of a row (and nodes or links of a trail) kept for the next input
/// row.
const ROW_KEPT_LEN: usize = 64;

/// Puts `v`, emptied, in `slot` unless it grew past `ROW_KEPT_LEN`.
fn keep_emptied<T>(slot: &mut Vec<T>, mut v: Vec<T>) {
    if v.capacity() <= ROW_KEPT_LEN {
        v.clear();
        *slot = v;
    }
}

impl Scratch {
    fn list(&mut self) -> Vec<AdjEntry> {
        self.lists.pop().unwrap_or_default()
    }

    fn keep_row(&mut self, row: Vec<Value>, bound: Vec<bool>) {
        keep_emptied(&mut self.row, row);
        keep_emptied(&mut self.bound, bound);
    }

    fn keep_trail(&mut self, trail: PathBuild) {
        keep_emptied(&mut self.trail.nodes, trail.nodes);
        keep_emptied(&mut self.trail.rels, trail.rels);
    }

    fn give_back(&mut self, mut list: Vec<AdjEntry>) {
        if self.lists.len() < LISTS_KEPT && list.capacity() <= LIST_KEPT_LEN {
            list.clear();
            self.lists.push(list);
        }
    }

    /// Between runs: drops every list buffer but a few small ones (the row,
    /// bound flags and trail are kept only while small: `ROW_KEPT_LEN`).
    pub fn reset(&mut self) {
        self.lists.retain(|l| l.capacity() <= LIST_IDLE_LEN);
        self.lists.truncate(LISTS_IDLE);
    }
}

impl Matcher<'_, '_> {
    /// `n` without the labels every node carries (`without_universal_labels`),
    /// for a hop's end: it exists.
    fn end_pattern(
        &mut self,
        ctx: &Ctx<'_, '_>,
        n: &NodePattern,
    ) -> Result<Arc<NodePattern>, Error> {
        let key = (n as *const NodePattern as usize, false);
        if let Some(end) = self.kept_pattern(ctx, key) {
            return Ok(end);
        }
        let end = Arc::new(without_universal_labels(ctx, n)?);
        self.scratch.made.push((key, Arc::clone(&end)));
        Ok(end)
    }

    /// `n` without the labels every node carries, for a start node found
    /// by an index or a scan, so known to exist (a point lookup of
    /// `(a:Actor {id: $id})` read the node's record once for its labels,
    /// then again for its `id`). `None` for a pattern without labels, for
    /// one whose node comes from the row (`binds_from_row`), and unless
    /// whether each label is universal is known without counting its nodes:
    /// a point lookup checks one node's labels for less.
    fn start_pattern(&mut self, ctx: &Ctx<'_, '_>, n: &NodePattern) -> Option<Arc<NodePattern>> {
        if n.labels.is_empty() || self.binds_from_row(n) {
            return None;
        }
        let key = (n as *const NodePattern as usize, true);
        if let Some(start) = self.kept_pattern(ctx, key) {
            return Some(start);
        }
        // While a count is unknown, every run asks again.
        let start = Arc::new(drop_labels(ctx, n, |id| {
            ctx.tx.label_is_universal_if_known(id)
        })?);
        self.scratch.made.push((key, Arc::clone(&start)));
        Some(start)
    }

    /// The pattern made for `key` since the last write, if any.
    fn kept_pattern(&mut self, ctx: &Ctx<'_, '_>, key: (usize, bool)) -> Option<Arc<NodePattern>> {
        let kept = &mut *self.scratch;
        if ctx.tx.writes() != kept.at {
            kept.made.clear();
            kept.at = ctx.tx.writes();
        }
        kept.made
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, p)| Arc::clone(p))
    }

    /// Whether `n`'s variable is bound already: its node came from the
    /// row, not from the store, and may have been deleted since (by a
    /// batch of `CALL { … } IN TRANSACTIONS` committed before it), so its
    /// labels are checked, universal or not.
    fn binds_from_row(&self, n: &NodePattern) -> bool {
        n.variable
            .as_ref()
            .is_some_and(|v| self.bound_value(v.sym).is_some())
    }

    fn slot(&self, sym: Sym) -> Option<usize> {
        self.names.slot(sym)
    }

    fn bound_value(&self, sym: Sym) -> Option<&Value> {
        self.slot(sym)
            .filter(|&i| self.bound[i])
            .map(|i| &self.row[i])
    }

    /// Binds `var` to `value` unless it is already bound, recording the slot
    /// in `newly` so that backtracking can unbind it.
    fn bind_unbound(&mut self, var: Option<&Ident>, value: Value, newly: &mut Slots) {
        if let Some(i) = var.and_then(|v| self.slot(v.sym)) {
            if !self.bound[i] {
                self.bound[i] = true;
                self.row[i] = value;
                newly.push(i);
            }
        }
    }

    fn env(&self) -> Env<'_> {
        Env {
            columns: Columns::Row(self.names),
            row: &self.row,
            outer: self.outer,
            aggs: None,
        }
    }

    /// Whether every one of `syms` is bound (in the row or outside the
    /// pattern), or is `but`.
    fn syms_bound(&self, syms: &[Sym], but: Option<Sym>) -> bool {
        syms.iter().all(|&v| {
            Some(v) == but
                || match self.slot(v) {
                    Some(s) => self.bound[s],
                    None => self.outer.is_some_and(|o| o.lookup(v).is_some()),
                }
        })
    }

    /// Checks every conjunct whose variables are now bound; `Ok(false)` prunes.
    fn check_ready(&mut self, ctx: &mut Ctx<'_, '_>, newly: &mut Slots) -> Result<bool, Error> {
        if !self.early {
            return Ok(true);
        }
        for i in 0..self.conjuncts.len() {
            if self.checked[i] {
                continue;
            }
            if !self.syms_bound(&self.conjuncts[i].syms, None) {
                continue;
            }
            self.checked[i] = true;
            newly.push(i);
            let known = match self.record_slot(i).map(|at| (at, &self.row[at])) {
                Some((at, &Value::Rel(id))) => self.judge_in_record(ctx, i, at, id)?,
                _ => None,
            };
            let pass = match known {
                Some(pass) => pass,
                None => truthy(&eval(self.conjuncts[i].expr, &self.env(), ctx)?)? == Some(true),
            };
            if !pass {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The row slot of the variable whose link record conjunct `i` can be
    /// judged in (`str_eq`, `compare`), if it has such a form.
    fn record_slot(&self, i: usize) -> Option<usize> {
        match (&self.conjuncts[i].str_eq, self.str_eqs[i]) {
            (Some(_), Some((at, _))) => Some(at),
            _ => self.compares.get(i)?.as_ref().map(|b| b.slot()),
        }
    }

    /// Conjunct `i` for link `id` held at row slot `at`, judged in the
    /// link's record without evaluating the conjunct; `None` when it must
    /// be evaluated (no such form, or another kind of value stored).
    fn judge_in_record(
        &self,
        ctx: &Ctx<'_, '_>,
        i: usize,
        at: usize,
        id: RelId,
    ) -> Result<Option<bool>, Error> {
        if self.record_slot(i) != Some(at) {
            return Ok(None);
        }
        let c = &self.conjuncts[i];
        match (&c.str_eq, self.str_eqs[i], self.compares.get(i)) {
            (Some(f), Some((_, k)), _) => ctx
                .rel_prop_is_str(id, k, f.text)
                .map_err(|e| e.with_span(c.expr.span)),
            (_, _, Some(Some(b))) => b.judge(ctx, id, c),
            _ => Ok(None),
        }
    }

    /// Whether link `id` passes `conjuncts`, whose one variable not bound
    /// is the link's at row slot `at`: each judged in the record, or else
    /// evaluated with the link bound there for the moment.
    fn link_passes(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        at: usize,
        id: RelId,
        conjuncts: &[usize],
    ) -> Result<bool, Error> {
        for &i in conjuncts {
            let pass = match self.judge_in_record(ctx, i, at, id)? {
                Some(pass) => pass,
                None => {
                    self.row[at] = Value::Rel(id);
                    self.bound[at] = true;
                    let v = eval(self.conjuncts[i].expr, &self.env(), ctx);
                    self.row[at] = Value::Null;
                    self.bound[at] = false;
                    truthy(&v?)? == Some(true)
                }
            };
            if !pass {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn uncheck(&mut self, newly: &[usize]) {
        for &i in newly {
            self.checked[i] = false;
        }
    }
}

/// Matches `parts` against one input row, in the order and by the access
/// paths of `plan` (from `plan_parts`), handing each row extended by the
/// pattern's new variables to `sink`. `names` are the columns of the rows
/// handed on: the input row's, then the `new` the pattern binds. With
/// `ends_once`, only which distinct rows reach the sink matters (see
/// `ends_once`); with a `tally`, rows it counts do not reach the sink.
/// Returns `Flow::Stop` when the sink stopped the search.
#[allow(clippy::too_many_arguments)]
pub fn match_row(
    ctx: &mut Ctx<'_, '_>,
    names: &Names,
    row: &[Value],
    parts: &[PatternPart],
    plan: &[PartPlan],
    new: usize,
    conj: &[Conjunct<'_>],
    as_of: Option<AsOf>,
    ends_once: bool,
    tally: Option<&mut EndTally>,
    scratch: &mut Scratch,
    sink: &mut RowSink<'_>,
) -> Result<Flow, Error> {
    let mut full = std::mem::take(&mut scratch.row);
    full.extend_from_slice(row);
    full.extend(std::iter::repeat_n(Value::Null, new));
    let mut bound = std::mem::take(&mut scratch.bound);
    bound.extend(std::iter::repeat_n(true, row.len()));
    bound.extend(std::iter::repeat_n(false, new));
    let str_eqs = conj
        .iter()
        .map(|c| {
            let f = c.str_eq.as_ref()?;
            Some((names.slot(f.var)?, ctx.key_id(f.key)?))
        })
        .collect();
    // Most statements have none: no allocation per input row then.
    let compares = match conj.iter().any(|c| c.compare.is_some()) {
        true => conj
            .iter()
            .map(|c| c.compare.as_ref()?.bind(ctx, names))
            .collect(),
        false => Vec::new(),
    };
    let mut m = Matcher {
        names,
        row: full,
        bound,
        used: Used::default(),
        conjuncts: conj,
        str_eqs,
        compares,
        checked: vec![false; conj.len()],
        as_of,
        plan,
        sink,
        stopped: false,
        outer: None,
        early: ctx.rules.on(super::rules::Rule::PredicatePushdown),
        ends_once,
        tally,
        held: None,
        scratch,
    };
    let mut newly = Slots::new();
    if m.check_ready(ctx, &mut newly)? {
        match_parts(ctx, &mut m, parts, 0)?;
    }
    // The tally is read, or weighs its rows anew, after this input row.
    test_held(ctx, &mut m)?;
    if let Some((_, links)) = m.held.take() {
        m.scratch.give_back(links);
    }
    let flow = if m.stopped { Flow::Stop } else { Flow::More };
    m.scratch.keep_row(m.row, m.bound);
    Ok(flow)
}

/// Matches the `i`-th part of the plan and those after it.
fn match_parts(
    ctx: &mut Ctx<'_, '_>,
    m: &mut Matcher<'_, '_>,
    parts: &[PatternPart],
    i: usize,
) -> Result<(), Error> {
    ctx.tick()?;
    if m.stopped {
        return Ok(());
    }
    let Some(pp) = m.plan.get(i) else {
        // Every conjunct must have been checked by now.
        for (j, c) in m.conjuncts.iter().enumerate() {
            if !m.checked[j] {
                let env = m.env();
                if truthy(&eval(c.expr, &env, ctx)?)? != Some(true) {
                    return Ok(());
                }
            }
        }
        if m.tally.as_deref_mut().is_some_and(|t| t.add_row(&m.row)) {
            return Ok(());
        }
        if (m.sink)(ctx, &m.row)? == Flow::Stop {
            m.stopped = true;
        }
        return Ok(());
    };
    let part = &parts[pp.part];
    match &pp.access {
        Access::LinkScan => rel_scan(ctx, m, parts, i),
        Access::Walk { reversed, .. } => {
            let reversed = *reversed;
            let steps = steps_of(&part.element, reversed);
            let start = if reversed {
                part.element
                    .chain
                    .last()
                    .map(|(_, n)| n)
                    .unwrap_or(&part.element.start)
            } else {
                &part.element.start
            };
            let candidates = node_candidates(ctx, m, start)?;
            let dropped = m.start_pattern(ctx, start);
            let start = dropped.as_deref().unwrap_or(start);
            let mut trail = std::mem::take(&mut m.scratch.trail);
            for n in candidates {
                trail.nodes.clear();
                trail.nodes.push(n);
                trail.rels.clear();
                let mut newly_bound = Slots::new();
                if !bind_node(ctx, m, start, n, &mut newly_bound)? {
                    continue;
                }
                let mut newly = Slots::new();
                if m.check_ready(ctx, &mut newly)? {
                    match_steps(ctx, m, parts, i, &steps, 0, &mut trail, reversed)?;
                }
                m.uncheck(&newly);
                unbind(m, &newly_bound);
                if m.stopped {
                    break;
                }
            }
            m.scratch.keep_trail(trail);
            Ok(())
        }
        Access::PathSearch { .. } => match_shortest(ctx, m, parts, i),
    }
}

#[derive(Default)]
struct PathBuild {
    nodes: Vec<NodeId>,
    rels: Vec<RelId>,
}

/// One hop of a chain as walked: the relationship and the node after it.
struct Step<'q> {
    rel: &'q RelPattern,
    node: &'q NodePattern,
    /// Walking against the written direction.
    flipped: bool,
}

/// A chain's steps, inline for up to four hops (made for every input row).
type Steps<'q> = smallvec::SmallVec<[Step<'q>; 4]>;

fn steps_of(e: &PatternElement, reversed: bool) -> Steps<'_> {
    if !reversed {
        return e
            .chain
            .iter()
            .map(|(r, n)| Step {
                rel: r,
                node: n,
                flipped: false,
            })
            .collect();
    }
    let mut out = Steps::new();
    for i in (0..e.chain.len()).rev() {
        let node = if i == 0 { &e.start } else { &e.chain[i - 1].1 };
        out.push(Step {
            rel: &e.chain[i].0,
            node,
            flipped: true,
        });
    }
    out
}

fn rel_scan(
    ctx: &mut Ctx<'_, '_>,
    m: &mut Matcher<'_, '_>,
    parts: &[PatternPart],
    i: usize,
) -> Result<(), Error> {
    let e = &parts[m.plan[i].part].element;
    let (r, next) = &e.chain[0];
    let types = rel_types(ctx, r);
    if types.as_ref().is_some_and(|t| t.is_empty()) {
        return Ok(());
    }
    // The relationship's property map, evaluated once, by key id.
    let wanted: Option<Vec<(Option<u32>, Value)>> = match &r.properties {
        Some(p) => {
            let env = m.env();
            match eval(p, &env, ctx)? {
                Value::Map(map) => {
                    Some(map.into_iter().map(|(k, v)| (ctx.key_id(&k), v)).collect())
                }
                _ => {
                    return Err(Error::runtime(
                        ErrorKind::TypeError,
                        "InvalidArgumentType",
                        "properties in a pattern must be a map",
                    ))
                }
            }
        }
        None => None,
    };
    let steps = steps_of(e, false);
    let bound_rel = r
        .variable
        .as_ref()
        .and_then(|v| m.bound_value(v.sym).cloned());
    // Ends of a link always exist, so a label every node carries need not
    // be checked per link (`(:Actor)-[r]->(:Actor)` over a graph of actors).
    let start = without_universal_labels(ctx, &e.start)?;
    let next = &without_universal_labels(ctx, next)?;
    // One block of links at a time: a LIMIT above stops the scan, and no
    // list of every link is built.
    let mut links: Vec<(RelId, NodeId, NodeId)> = Vec::new();
    for block in 0..ctx.tx.rel_blocks() {
        links.clear();
        ctx.tx
            .for_each_rel_in_block(block, |id, bytes| -> Result<(), Error> {
                let (ty, src, dst) = codec::rel_ends(bytes)?;
                if types.as_ref().is_some_and(|t| !t.contains(&ty)) {
                    return Ok(());
                }
                if m.as_of.is_some() || wanted.is_some() {
                    let rec: RelRecord = codec::decode(bytes)?;
                    if m.as_of.as_ref().is_some_and(|a| !a.admits(&rec.props)) {
                        return Ok(());
                    }
                    if let Some(w) = &wanted {
                        let ok = w.iter().all(|(k, v)| {
                            k.and_then(|k| rec.prop(k))
                                .is_some_and(|have| ops::equals(have, v) == Some(true))
                        });
                        if !ok {
                            return Ok(());
                        }
                    }
                }
                links.push((id, src, dst));
                Ok(())
            })?;
        for &(rel, src, dst) in &links {
            ctx.tick()?;
            if m.used.contains(&rel) || bound_rel.as_ref().is_some_and(|b| *b != Value::Rel(rel)) {
                continue;
            }
            let ends: &[(NodeId, NodeId)] = match r.direction {
                Direction::Outgoing => &[(src, dst)],
                Direction::Incoming => &[(dst, src)],
                Direction::Both if src == dst => &[(src, dst)],
                Direction::Both => &[(src, dst), (dst, src)],
            };
            for &(a, b) in ends {
                let mut newly = Slots::new();
                if !bind_node(ctx, m, &start, a, &mut newly)? {
                    unbind(m, &newly);
                    continue;
                }
                m.bind_unbound(r.variable.as_ref(), Value::Rel(rel), &mut newly);
                if !bind_node(ctx, m, next, b, &mut newly)? {
                    unbind(m, &newly);
                    continue;
                }
                m.used.push(rel);
                let mut trail = PathBuild {
                    nodes: vec![a, b],
                    rels: vec![rel],
                };
                let mut checked = Slots::new();
                if m.check_ready(ctx, &mut checked)? {
                    match_steps(ctx, m, parts, i, &steps, 1, &mut trail, false)?;
                }
                m.uncheck(&checked);
                m.used.pop();
                unbind(m, &newly);
                if m.stopped {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

/// `n` without the labels that every node of the graph carries (none are
/// dropped inside a transaction that has written: see `label_is_universal`).
pub(crate) fn without_universal_labels(
    ctx: &Ctx<'_, '_>,
    n: &NodePattern,
) -> Result<NodePattern, Error> {
    let mut failed = None;
    let out = drop_labels(ctx, n, |id| match ctx.tx.label_is_universal(id) {
        Ok(u) => Some(u),
        Err(e) => {
            failed = Some(e);
            None
        }
    });
    match (out, failed) {
        (_, Some(e)) => Err(e.into()),
        (out, None) => Ok(out.unwrap_or_else(|| n.clone())),
    }
}

/// `n` without the labels `universal(label)` says every node carries
/// (none of an empty graph's), or `None` as soon as it answers `None`:
/// every label is asked about before the pattern is cloned.
fn drop_labels(
    ctx: &Ctx<'_, '_>,
    n: &NodePattern,
    mut universal: impl FnMut(u32) -> Option<bool>,
) -> Option<NodePattern> {
    let total = ctx.tx.meta().nodes;
    // Inline: a point lookup asks on every run while a count is unknown.
    let mut dropped: smallvec::SmallVec<[bool; 8]> = smallvec::SmallVec::new();
    for l in &n.labels {
        dropped.push(match ctx.code(NameKind::Label, l.sym, &l.name) {
            Some(id) => total > 0 && universal(id)?,
            None => false,
        });
    }
    let mut out = n.clone();
    let mut at = dropped.iter();
    out.labels.retain(|_| at.next() == Some(&false));
    Some(out)
}

fn node_candidates(
    ctx: &mut Ctx<'_, '_>,
    m: &Matcher<'_, '_>,
    n: &NodePattern,
) -> Result<Vec<NodeId>, Error> {
    if let Some(v) = &n.variable {
        if let Some(val) = m.bound_value(v.sym) {
            return Ok(match val {
                Value::Node(id) => vec![*id],
                Value::Null => vec![],
                o => {
                    return Err(Error::runtime(
                        ErrorKind::TypeError,
                        "VariableTypeConflict",
                        format!("`{}` is a {}, not a node", v.name, o.type_name()),
                    ))
                }
            });
        }
    }
    if let Some(a) = &n.actor {
        return Ok(vec![
            resolve_actor(ctx, &a.name).map_err(|e| e.with_span(a.span))?
        ]);
    }
    // A map whose key repeats keeps its last value: not looked up by entry.
    if let Some(entries) = n.properties.as_ref().and_then(prop_map::written_out) {
        for (k, expr) in entries {
            if !crate::store::index::INDEXED_KEYS.contains(&k.name.as_str()) {
                continue;
            }
            let Some(key) = ctx.code(NameKind::Key, k.sym, &k.name) else {
                return Ok(vec![]);
            };
            let env = m.env();
            let v = eval(expr, &env, ctx)?;
            if matches!(
                v,
                Value::String(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_)
            ) {
                let mut ids = ctx.tx.nodes_with_prop(key, &v)?;
                if let Value::Int(i) = v {
                    ids.extend(ctx.tx.nodes_with_prop(key, &Value::Float(i as f64))?);
                    ids.sort_unstable();
                    ids.dedup();
                }
                return Ok(ids);
            }
        }
    }
    if let Some(l) = n.labels.first() {
        return match ctx.code(NameKind::Label, l.sym, &l.name) {
            Some(id) => Ok(ctx.tx.nodes_with_label(id)?),
            None => Ok(vec![]),
        };
    }
    Ok(ctx.tx.all_node_ids()?)
}

/// Binds `n` to the pattern's variable after checking labels, properties and
/// the actor literal. Returns false when it does not match.
fn bind_node(
    ctx: &mut Ctx<'_, '_>,
    m: &mut Matcher<'_, '_>,
    p: &NodePattern,
    n: NodeId,
    newly: &mut Slots,
) -> Result<bool, Error> {
    if !node_fits(ctx, m, p, n)? {
        return Ok(false);
    }
    m.bind_unbound(p.variable.as_ref(), Value::Node(n), newly);
    Ok(true)
}

/// Whether `n` may bind the pattern's node: its variable's value if bound,
/// labels, properties and the actor literal.
fn node_fits(
    ctx: &mut Ctx<'_, '_>,
    m: &Matcher<'_, '_>,
    p: &NodePattern,
    n: NodeId,
) -> Result<bool, Error> {
    node_fits_with(ctx, m, p, n, true)
}

/// `node_fits`, reading the property map only when `map` says so.
fn node_fits_with(
    ctx: &mut Ctx<'_, '_>,
    m: &Matcher<'_, '_>,
    p: &NodePattern,
    n: NodeId,
    map: bool,
) -> Result<bool, Error> {
    if let Some(v) = &p.variable {
        if let Some(val) = m.bound_value(v.sym) {
            if *val != Value::Node(n) {
                return Ok(false);
            }
        }
    }
    let mut labels: smallvec::SmallVec<[u32; 4]> = smallvec::SmallVec::new();
    for l in &p.labels {
        match ctx.code(NameKind::Label, l.sym, &l.name) {
            Some(id) => labels.push(id),
            None => return Ok(false),
        }
    }
    // The labels are read with the map's first property where it can be;
    // alone, the node's label list is read, not its properties.
    match p.properties.as_ref().filter(|_| map) {
        Some(props) => {
            if !prop_map::node_matches(ctx, &m.env(), n, props, &labels)? {
                return Ok(false);
            }
        }
        None if !labels.is_empty() && !ctx.tx.node_has_labels(n, &labels)? => return Ok(false),
        None => {}
    }
    if let Some(a) = &p.actor {
        if resolve_actor(ctx, &a.name).map_err(|e| e.with_span(a.span))? != n {
            return Ok(false);
        }
    }
    Ok(true)
}

fn unbind(m: &mut Matcher<'_, '_>, slots: &[usize]) {
    for &i in slots {
        m.bound[i] = false;
        m.row[i] = Value::Null;
    }
}

/// The codes of a hop's link types, held inline: a walk asks for them once
/// per node it expands (Q3: seven heap allocations a run, as a `Vec`).
pub(crate) type TypeCodes = smallvec::SmallVec<[u32; 4]>;

pub(crate) fn rel_types(ctx: &Ctx<'_, '_>, r: &RelPattern) -> Option<TypeCodes> {
    if r.types.is_empty() {
        return None;
    }
    Some(
        r.types
            .iter()
            .filter_map(|t| ctx.code(NameKind::Type, t.sym, &t.name))
            .collect(),
    )
}

fn walk_dir(r: &RelPattern, flipped: bool) -> Option<Dir> {
    match (r.direction, flipped) {
        (Direction::Both, _) => None,
        (Direction::Outgoing, false) | (Direction::Incoming, true) => Some(Dir::Out),
        _ => Some(Dir::In),
    }
}

/// The links a hop may take from `node`, filtered by type, AS OF and the
/// relationship's property map, in a buffer from the matcher's scratch
/// (given back with `Scratch::give_back`).
fn hop_entries(
    ctx: &mut Ctx<'_, '_>,
    m: &mut Matcher<'_, '_>,
    node: NodeId,
    r: &RelPattern,
    flipped: bool,
) -> Result<Vec<AdjEntry>, Error> {
    let mut out = m.scratch.list();
    hop_entries_into(ctx, m, node, r, flipped, &mut out)?;
    Ok(out)
}

/// `hop_entries` in a buffer of its own, for a search that holds the
/// matcher shared.
fn fresh_hop_entries(
    ctx: &mut Ctx<'_, '_>,
    m: &Matcher<'_, '_>,
    node: NodeId,
    r: &RelPattern,
    flipped: bool,
) -> Result<Vec<AdjEntry>, Error> {
    let mut out = Vec::new();
    hop_entries_into(ctx, m, node, r, flipped, &mut out)?;
    Ok(out)
}

/// `hop_entries` into `out`, emptied first: a search that expands many
/// nodes reuses one buffer.
fn hop_entries_into(
    ctx: &mut Ctx<'_, '_>,
    m: &Matcher<'_, '_>,
    node: NodeId,
    r: &RelPattern,
    flipped: bool,
    out: &mut Vec<AdjEntry>,
) -> Result<(), Error> {
    out.clear();
    let types = rel_types(ctx, r);
    if types.as_ref().is_some_and(|t| t.is_empty()) {
        return Ok(());
    }
    let dir = walk_dir(r, flipped);
    ctx.tx.expand(node, dir, types.as_deref(), out)?;
    if dir.is_none() {
        // A self-loop appears in both lists; undirected matching sees it once.
        let mut seen = HashSet::new();
        out.retain(|e| e.other != node || seen.insert(e.rel));
    }
    if m.as_of.is_some() || r.properties.is_some() {
        // Sifted in place: the buffer stays the caller's.
        let mut kept = 0;
        for i in 0..out.len() {
            let e = out[i];
            let rec = ctx.rel(e.rel)?;
            if let Some(a) = &m.as_of {
                if !a.admits(&rec.props) {
                    continue;
                }
            }
            if let Some(p) = &r.properties {
                if !prop_map::record_matches(ctx, &m.env(), p, &rec.props)? {
                    continue;
                }
            }
            out[kept] = e;
            kept += 1;
        }
        out.truncate(kept);
    }
    Ok(())
}

/// A hop's links are prefetched (`Tx::prefetch_rel`, each stage of a
/// record's read `PIPELINE` links ahead of it) from this many on.
const PREFETCH_FROM: usize = 64;

#[allow(clippy::too_many_arguments)]
fn match_steps(
    ctx: &mut Ctx<'_, '_>,
    m: &mut Matcher<'_, '_>,
    parts: &[PatternPart],
    part_i: usize,
    steps: &[Step<'_>],
    si: usize,
    trail: &mut PathBuild,
    reversed: bool,
) -> Result<(), Error> {
    if m.stopped {
        return Ok(());
    }
    let Some(step) = steps.get(si) else {
        let part = &parts[m.plan[part_i].part];
        let mut newly = Slots::new();
        if let Some(v) = &part.variable {
            let mut nodes = trail.nodes.clone();
            let mut rels = trail.rels.clone();
            if reversed {
                nodes.reverse();
                rels.reverse();
            }
            if let Some(i) = m.slot(v.sym) {
                m.row[i] = Value::Path(Box::new(Path { nodes, rels }));
                m.bound[i] = true;
                newly.push(i);
            }
        }
        let mut checked = Slots::new();
        if m.check_ready(ctx, &mut checked)? {
            match_parts(ctx, m, parts, part_i + 1)?;
        }
        m.uncheck(&checked);
        unbind(m, &newly);
        return Ok(());
    };
    let here = *trail.nodes.last().unwrap_or(&0);
    match step.rel.length {
        None => {
            let entries = hop_entries(ctx, m, here, step.rel, step.flipped)?;
            let bound_rel = step
                .rel
                .variable
                .as_ref()
                .and_then(|v| m.bound_value(v.sym).cloned());
            // Every end of a link exists: a label every node carries is not
            // checked (at scale L, reading 112,896 node records for `(s:Actor)`
            // cost a quarter of Q2).
            let dropped;
            let end = match step.node.labels.is_empty() || entries.is_empty() {
                true => step.node,
                false => {
                    dropped = m.end_pattern(ctx, step.node)?;
                    &*dropped
                }
            };
            if let Some(tests) = tallies_ends(m, part_i, steps, si).filter(|_| bound_rel.is_none())
            {
                let r = match &tests {
                    Some(t) => tally_tested_ends(ctx, m, end, t, &entries),
                    None => tally_ends(ctx, m, end, &entries),
                };
                m.scratch.give_back(entries);
                return r;
            }
            // A link filtered by `r.key = 'text'` is sifted in batches
            // before it is bound (`link_filter`). Otherwise a named link is
            // most likely read (a WHERE on its property): over a long list
            // (a hub's), each record is asked for ahead of its turn, so
            // that the reads of several records, each in its own block,
            // wait on memory together and not one by one.
            let filter = match entries.len() >= link_filter::MIN_LINKS {
                true => link_filter::find(ctx, m, step, entries.len()),
                false => None,
            };
            let ahead =
                filter.is_none() && step.rel.variable.is_some() && entries.len() >= PREFETCH_FROM;
            for part in link_filter::batches(&entries, filter.is_some()) {
                let mut sifted = filter.as_ref().map(|f| f.sift(ctx, m, part));
                for (j, &e) in part.iter().enumerate() {
                    if ahead {
                        for (d, what) in PIPELINE {
                            if let Some(a) = part.get(j + d) {
                                ctx.tx.prefetch_rel(a.rel, what);
                            }
                        }
                    }
                    if let Some(s) = &mut sifted {
                        if !s.admits(ctx, m, j) {
                            continue;
                        }
                    }
                    if m.used.contains(&e.rel) {
                        continue;
                    }
                    if let Some(b) = &bound_rel {
                        if *b != Value::Rel(e.rel) {
                            continue;
                        }
                    }
                    let mut newly = Slots::new();
                    m.bind_unbound(step.rel.variable.as_ref(), Value::Rel(e.rel), &mut newly);
                    if !bind_node(ctx, m, end, e.other, &mut newly)? {
                        unbind(m, &newly);
                        continue;
                    }
                    m.used.push(e.rel);
                    trail.nodes.push(e.other);
                    trail.rels.push(e.rel);
                    let mut checked = Slots::new();
                    if m.check_ready(ctx, &mut checked)? {
                        match_steps(ctx, m, parts, part_i, steps, si + 1, trail, reversed)?;
                    }
                    m.uncheck(&checked);
                    trail.nodes.pop();
                    trail.rels.pop();
                    m.used.pop();
                    unbind(m, &newly);
                    if m.stopped {
                        break;
                    }
                }
                if let Some(s) = &mut sifted {
                    s.release(m);
                }
                if m.stopped {
                    break;
                }
            }
            m.scratch.give_back(entries);
            Ok(())
        }
        Some(range) => {
            let min = range.min.unwrap_or(1);
            let max = range.max.unwrap_or(u64::MAX);
            let bound_list = step
                .rel
                .variable
                .as_ref()
                .and_then(|v| m.bound_value(v.sym).cloned());
            // Every end of a hop exists: labels all nodes carry go unchecked.
            let end = m.end_pattern(ctx, step.node)?;
            let hops = Hops {
                end: &end,
                min,
                max,
                bound_list: bound_list.as_ref(),
                end_ids: hop_prune::end_ids(ctx, &end)?,
                test: hop_prune::link_test(ctx, m, parts, part_i, steps, si, &end),
                writes: ctx.tx.writes(),
                map_matched: Cell::new(None),
            };
            if ends_once::applies(m, parts, part_i, steps, si, &hops) {
                return ends_once::walk(ctx, m, parts, part_i, steps, si, trail, reversed, &hops);
            }
            var_hops(ctx, m, parts, part_i, steps, si, trail, reversed, &hops)
        }
    }
}

/// The WHERE conjuncts a tallied hop tests each of its links by: the only
/// variable they need that is not bound is the hop's link, at `slot`.
#[derive(Clone)]
struct LinkTests {
    slot: usize,
    conjuncts: Slots,
    /// They need nothing else bound: a link's test gives the same at any
    /// time during the input row, so links are held to be tested in
    /// batches whose records are read together (`test_held`).
    link_only: bool,
}

/// Links held for their tests before they are read in one batch: enough
/// for the reads of their records to wait on memory together.
const HELD_LINKS: usize = 1024;

/// Whether the single hop (the `si`-th step of part `part_i` in the plan's
/// order) is the last thing the pattern matches and each of its links
/// would only end a row the tally counts: its end is the counted
/// variable, and every WHERE conjunct was checked before it, or needs
/// only the hop's link (`Some(Some(tests))`). Its ends then go to the
/// tally as they are found, without binding the end and link and
/// finishing a row for each (Q3's second hop: 36 links for 28 ends, about
/// 60 ns a link that way; a WHERE `r.confidence > 0.9` on the second hop
/// into the workload's hub at M, 120,000 links: some 1,100 instructions a
/// link saved).
fn tallies_ends(
    m: &Matcher<'_, '_>,
    part_i: usize,
    steps: &[Step<'_>],
    si: usize,
) -> Option<Option<LinkTests>> {
    let step = &steps[si];
    if part_i + 1 != m.plan.len()
        || si + 1 != steps.len()
        || !m.tally.as_ref().is_some_and(|t| t.counts(step.node))
    {
        return None;
    }
    let mut unchecked = (0..m.checked.len()).filter(|&i| !m.checked[i]).peekable();
    if unchecked.peek().is_none() {
        return Some(None);
    }
    // Only with conjuncts checked as soon as they can be, as in the rows
    // this stands for.
    let link = step.rel.variable.as_ref().filter(|_| m.early)?.sym;
    let slot = m.slot(link)?;
    let conjuncts: Slots = unchecked.collect();
    let syms = |i: usize| &m.conjuncts[i].syms;
    let link_only = conjuncts
        .iter()
        .all(|&i| syms(i).iter().all(|&v| v == link));
    conjuncts
        .iter()
        .all(|&i| m.syms_bound(syms(i), Some(link)))
        .then_some(Some(LinkTests {
            slot,
            conjuncts,
            link_only,
        }))
}

/// Counts the end of every link of `entries` that the pattern may take
/// (one the pattern has not used, to a node that fits `end`), or for a
/// tally of rows, how many links it may take.
fn tally_ends(
    ctx: &mut Ctx<'_, '_>,
    m: &mut Matcher<'_, '_>,
    end: &NodePattern,
    entries: &[AdjEntry],
) -> Result<(), Error> {
    let check = end_needs_check(m, end);
    let rows = m.tally.as_ref().is_some_and(|t| t.counts_rows());
    let mut taken = 0;
    for e in entries {
        ctx.tick()?;
        if m.used.contains(&e.rel) || (check && !node_fits(ctx, m, end, e.other)?) {
            continue;
        }
        match m.tally.as_deref_mut() {
            Some(t) if !rows => t.add_repeated(e.other),
            _ => taken += 1,
        }
    }
    if let Some(t) = m.tally.as_deref_mut().filter(|_| rows) {
        t.add_rows(taken);
    }
    Ok(())
}

/// Whether a hop's end must be checked on the node a link leads to: it
/// is bound, or has labels, a map or an actor id.
#[inline]
fn end_needs_check(m: &Matcher<'_, '_>, end: &NodePattern) -> bool {
    let unbound = end
        .variable
        .as_ref()
        .is_none_or(|v| m.bound_value(v.sym).is_none());
    !(unbound && end.labels.is_empty() && end.properties.is_none() && end.actor.is_none())
}

/// `tally_ends` for links a WHERE tests: those whose tests need only the
/// link are held to be tested in batches (`hold`); the rest are tested
/// in turn, a hub's records asked for ahead as in `match_steps`. Kept
/// apart from `tally_ends`, whose loop (Q3's) stays as small as it was.
#[inline(never)]
fn tally_tested_ends(
    ctx: &mut Ctx<'_, '_>,
    m: &mut Matcher<'_, '_>,
    end: &NodePattern,
    tests: &LinkTests,
    entries: &[AdjEntry],
) -> Result<(), Error> {
    let check = end_needs_check(m, end);
    let rows = m.tally.as_ref().is_some_and(|t| t.counts_rows());
    let ahead = !tests.link_only && entries.len() >= PREFETCH_FROM;
    let mut taken = 0;
    for (j, e) in entries.iter().enumerate() {
        ctx.tick()?;
        if ahead {
            for (d, what) in PIPELINE {
                if let Some(a) = entries.get(j + d) {
                    ctx.tx.prefetch_rel(a.rel, what);
                }
            }
        }
        if m.used.contains(&e.rel) || (check && !node_fits(ctx, m, end, e.other)?) {
            continue;
        }
        if tests.link_only {
            hold(ctx, m, tests, *e)?;
            continue;
        }
        if !m.link_passes(ctx, tests.slot, e.rel, &tests.conjuncts)? {
            continue;
        }
        match m.tally.as_deref_mut() {
            Some(t) if !rows => t.add_repeated(e.other),
            _ => taken += 1,
        }
    }
    if let Some(t) = m.tally.as_deref_mut().filter(|_| rows) {
        t.add_rows(taken);
    }
    Ok(())
}

/// Holds link `e` of a tallied hop for its `tests` (those of the one
/// hop an input row tallies), testing what is held once there are enough.
fn hold(
    ctx: &mut Ctx<'_, '_>,
    m: &mut Matcher<'_, '_>,
    tests: &LinkTests,
    e: AdjEntry,
) -> Result<(), Error> {
    let (_, links) = match &mut m.held {
        Some(h) => h,
        None => m.held.insert((tests.clone(), m.scratch.list())),
    };
    links.push(e);
    if links.len() >= HELD_LINKS {
        test_held(ctx, m)?;
    }
    Ok(())
}

/// Tests the held links of a tallied hop and counts those that pass, as
/// `tally_ends` counts: their records asked for a few links ahead, so
/// that the reads of records in many blocks (a hub's second hop, some
/// eight links to a node) wait on memory together rather than in turn.
fn test_held(ctx: &mut Ctx<'_, '_>, m: &mut Matcher<'_, '_>) -> Result<(), Error> {
    let Some((tests, mut links)) = m.held.take() else {
        return Ok(());
    };
    let rows = m.tally.as_ref().is_some_and(|t| t.counts_rows());
    let mut taken = 0;
    for (j, e) in links.iter().enumerate() {
        ctx.tick()?;
        for (d, what) in PIPELINE {
            if let Some(a) = links.get(j + d) {
                ctx.tx.prefetch_rel(a.rel, what);
            }
        }
        if !m.link_passes(ctx, tests.slot, e.rel, &tests.conjuncts)? {
            continue;
        }
        match m.tally.as_deref_mut() {
            Some(t) if !rows => t.add_repeated(e.other),
            _ => taken += 1,
        }
    }
    if let Some(t) = m.tally.as_deref_mut().filter(|_| rows) {
        t.add_rows(taken);
    }
    links.clear();
    m.held = Some((tests, links));
    Ok(())
}

/// What stays the same through one variable-length step's recursion.
struct Hops<'h> {
    /// The step's end node, without the labels every node carries.
    end: &'h NodePattern,
    min: u64,
    max: u64,
    /// The list of links the step's variable is already bound to, if so.
    bound_list: Option<&'h Value>,
    /// The only nodes the end's property map can match (`hop_prune`),
    /// in ascending order.
    end_ids: Option<Vec<NodeId>>,
    /// The conjunct links are tested by before the walk goes on from them.
    test: Option<hop_prune::LinkTest<'h>>,
    /// `Tx::writes` when the walk began: after a write, neither cuts.
    writes: u64,
    /// The last end the walk bound whose property map it read, while
    /// nothing has been written since the walk began: Q8's 10 paths all
    /// end at one node, read once.
    map_matched: Cell<Option<NodeId>>,
}

impl Hops<'_> {
    /// Whether `node` cannot be the end: not among the end's ids, while
    /// nothing has been written since the walk began.
    fn passes_over(&self, ctx: &Ctx<'_, '_>, node: NodeId) -> bool {
        self.not_an_end(node) && ctx.tx.writes() == self.writes
    }

    /// Whether `node` is not among the end's ids (false without them),
    /// written or not: for a caller that has checked `Tx::writes` once for
    /// many nodes.
    fn not_an_end(&self, node: NodeId) -> bool {
        match self.end_ids.as_deref() {
            None => false,
            Some([one]) => *one != node,
            Some(ids) => ids.binary_search(&node).is_err(),
        }
    }
}

/// One depth of a variable-length walk: the links out of the trail's end.
struct Level {
    entries: Vec<AdjEntry>,
    /// How many of `entries` were tried.
    tried: usize,
    /// Where the outcomes of the link test for `entries` begin in the
    /// walk's list of them.
    base: usize,
    /// Up to which of `entries` the link test was had ahead.
    had_to: usize,
}

impl Level {
    /// Steps over the next links that end at a node that cannot be the
    /// end (`Hops::passes_over`), counting each the walk has not used, as
    /// the walk's turn for it would.
    fn pass_over(&mut self, ctx: &mut Ctx<'_, '_>, m: &Matcher<'_, '_>, hops: &Hops<'_>) {
        if ctx.tx.writes() != hops.writes {
            return;
        }
        while let Some(e) = self
            .entries
            .get(self.tried)
            .filter(|e| hops.not_an_end(e.other))
        {
            if !m.used.contains(&e.rel) {
                ctx.hops_cut.nodes += 1;
            }
            self.tried += 1;
        }
    }
}

/// How many links of a node a walk's link test reads at once, ahead of
/// the walk (`LinkTest::ahead`).
const AHEAD: usize = 64;

/// A variable-length step as a depth-first walk with an explicit stack of
/// the links still to try at each depth: a trail of a million links costs
/// memory for its links, never a stack frame per hop.
#[allow(clippy::too_many_arguments)]
fn var_hops(
    ctx: &mut Ctx<'_, '_>,
    m: &mut Matcher<'_, '_>,
    parts: &[PatternPart],
    part_i: usize,
    steps: &[Step<'_>],
    si: usize,
    trail: &mut PathBuild,
    reversed: bool,
    hops: &Hops<'_>,
) -> Result<(), Error> {
    let step = &steps[si];
    let mut hop_rels: Vec<RelId> = Vec::new();
    // Per depth, the links out of the trail's end still to try; the
    // outcomes of the link test had ahead for them are in `known`.
    let mut stack: Vec<Level> = Vec::new();
    let mut known: Vec<Outcome> = Vec::new();
    let mut before_end = before_end::BeforeEnd::new(step, m.as_of.is_some());
    let mut arrived = true;
    loop {
        ctx.tick()?;
        if m.stopped {
            break;
        }
        let depth = hop_rels.len() as u64;
        let here = *trail.nodes.last().unwrap_or(&0);
        if arrived {
            arrived = false;
            if depth >= hops.min {
                if hops.passes_over(ctx, here) {
                    ctx.hops_cut.nodes += 1;
                } else {
                    var_end(
                        ctx, m, parts, part_i, steps, si, trail, reversed, hops, &hop_rels,
                    )?;
                }
            }
            // The links listed here would be at the last depth, where
            // only those to an end are taken.
            let before_last = depth + 1 == hops.max && depth + 1 >= hops.min;
            if before_last && !before_end.may_reach(ctx, step, hops, here)? {
                ctx.hops_cut.unlisted += 1;
            } else if depth < hops.max {
                let entries = hop_entries(ctx, m, here, step.rel, step.flipped)?;
                let base = known.len();
                if hops.test.is_some() {
                    known.resize(base + entries.len(), Outcome::Unknown);
                }
                stack.push(Level {
                    entries,
                    tried: 0,
                    base,
                    had_to: 0,
                });
                continue;
            }
        } else if let Some(level) = stack.last_mut() {
            // A hop to the last depth that ends nowhere is not taken, nor
            // its link tested.
            let last = depth + 1 == hops.max && depth + 1 >= hops.min;
            if last {
                // Most links of a walk are at its last depth (Q8: some 600
                // of 720), and most of those end nowhere: they are passed
                // over here, without a turn of the walk each.
                level.pass_over(ctx, m, hops);
            }
            if let Some(e) = level.entries.get(level.tried).copied() {
                // The test had ahead for the next few links at once, not all
                // of them: a walk stopped early (a LIMIT) has read at most
                // a few more than it needed, even at a hub.
                if let Some(t) = hops.test.as_ref().filter(|_| level.tried >= level.had_to) {
                    // What `admits` would be asked below: after a write, nothing.
                    let fresh = ctx.tx.writes() == hops.writes;
                    let wanted = |e: &AdjEntry| fresh && !(last && hops.not_an_end(e.other));
                    let (from, to) = (level.tried, (level.tried + AHEAD).min(level.entries.len()));
                    let chunk = known
                        .get_mut(level.base + from..level.base + to)
                        .unwrap_or_default();
                    let had = t.ahead(ctx, &level.entries[from..to], wanted, chunk);
                    ctx.hops_cut.ahead += had as u64;
                    level.had_to = to;
                }
                let outcome = known.get(level.base + level.tried).copied();
                level.tried += 1;
                // At the last depth, `pass_over` has left only links that
                // can reach the end.
                if m.used.contains(&e.rel) {
                    continue;
                }
                if let Some(t) = &hops.test {
                    if ctx.tx.writes() == hops.writes {
                        let admitted = match outcome {
                            Some(Outcome::Admits) => true,
                            Some(Outcome::Refuses) => false,
                            Some(Outcome::Unknown) | None => t.admits(ctx, m, e.rel)?,
                        };
                        if !admitted {
                            ctx.hops_cut.links += 1;
                            continue;
                        }
                    }
                }
                m.used.push(e.rel);
                hop_rels.push(e.rel);
                trail.nodes.push(e.other);
                trail.rels.push(e.rel);
                arrived = true;
                continue;
            }
            if let Some(level) = stack.pop() {
                m.scratch.give_back(level.entries);
                known.truncate(level.base);
            }
        }
        // Back off the last hop: its links are all tried (or it is at max).
        if hop_rels.pop().is_none() {
            break;
        }
        trail.nodes.pop();
        trail.rels.pop();
        m.used.pop();
    }
    // A stop leaves the trail as it was on entry.
    for _ in 0..hop_rels.len() {
        trail.nodes.pop();
        trail.rels.pop();
        m.used.pop();
    }
    Ok(())
}

/// The variable-length step may end here: bind its list and end node, then
/// match what follows.
#[allow(clippy::too_many_arguments)]
fn var_end(
    ctx: &mut Ctx<'_, '_>,
    m: &mut Matcher<'_, '_>,
    parts: &[PatternPart],
    part_i: usize,
    steps: &[Step<'_>],
    si: usize,
    trail: &mut PathBuild,
    reversed: bool,
    hops: &Hops<'_>,
    hop_rels: &[RelId],
) -> Result<(), Error> {
    let step = &steps[si];
    let here = *trail.nodes.last().unwrap_or(&0);
    let mut newly = Slots::new();
    // The list of links is built only when something reads it.
    let list_value = (step.rel.variable.is_some() || hops.bound_list.is_some()).then(|| {
        let mut l: Vec<Value> = hop_rels.iter().map(|r| Value::Rel(*r)).collect();
        if step.flipped {
            l.reverse();
        }
        Value::List(l)
    });
    if !hops
        .bound_list
        .is_none_or(|b| list_value.as_ref() == Some(b))
    {
        return Ok(());
    }
    if let Some(list_value) = list_value {
        m.bind_unbound(step.rel.variable.as_ref(), list_value, &mut newly);
    }
    // The end's map holds only values known before the walk when it has
    // ids (`hop_prune::end_ids`): a node it matched matches it again.
    let fresh = ctx.tx.writes() == hops.writes && hops.end_ids.is_some();
    let map = !(fresh && hops.map_matched.get() == Some(here));
    if node_fits_with(ctx, m, hops.end, here, map)? {
        m.bind_unbound(hops.end.variable.as_ref(), Value::Node(here), &mut newly);
        if fresh {
            hops.map_matched.set(Some(here));
        }
        let mut checked = Slots::new();
        // A link test that saw every link the conjunct ranges over has
        // checked it (Q8: its `all(...)` over each of the 10 paths' links,
        // read again, was a fifth of the query).
        let written = ctx.tx.writes() != hops.writes;
        if let Some(i) = hops.test.as_ref().and_then(|t| t.covers(written)) {
            if !m.checked[i] {
                m.checked[i] = true;
                checked.push(i);
            }
        }
        if m.check_ready(ctx, &mut checked)? {
            match_steps(ctx, m, parts, part_i, steps, si + 1, trail, reversed)?;
        }
        m.uncheck(&checked);
    }
    unbind(m, &newly);
    Ok(())
}

/// `shortestPath`, `allShortestPaths` and `strongestPath` parts: both ends
/// are bound or enumerated, then a breadth-first (or best-first) search.
fn match_shortest(
    ctx: &mut Ctx<'_, '_>,
    m: &mut Matcher<'_, '_>,
    parts: &[PatternPart],
    i: usize,
) -> Result<(), Error> {
    let part = &parts[m.plan[i].part];
    let e = &part.element;
    let Some((r, end)) = e.chain.first().filter(|_| e.chain.len() == 1) else {
        return Err(Error::compile(
            ErrorKind::SyntaxError,
            "InvalidShortestPath",
            "shortestPath needs exactly one relationship pattern",
            part.span,
        ));
    };
    let starts = node_candidates(ctx, m, &e.start)?;
    let dropped = m.start_pattern(ctx, &e.start);
    let start = dropped.as_deref().unwrap_or(&e.start);
    for s in starts {
        let mut newly = Slots::new();
        if !bind_node(ctx, m, start, s, &mut newly)? {
            continue;
        }
        let ends = node_candidates(ctx, m, end)?;
        let end_set: HashSet<NodeId> = ends.iter().copied().collect();
        let paths = match part.kind {
            PathKind::Strongest => strongest(ctx, m, s, r, &end_set)?,
            kind => bfs(ctx, m, s, r, &end_set, kind == PathKind::AllShortest)?,
        };
        for p in paths {
            let last = *p.nodes.last().unwrap_or(&s);
            let mut nb = Slots::new();
            if !bind_node(ctx, m, end, last, &mut nb)? {
                unbind(m, &nb);
                continue;
            }
            if let Some(v) = &r.variable {
                if let Some(idx) = m.slot(v.sym) {
                    m.row[idx] = if r.length.is_some() {
                        Value::List(p.rels.iter().map(|x| Value::Rel(*x)).collect())
                    } else {
                        p.rels
                            .first()
                            .map(|x| Value::Rel(*x))
                            .unwrap_or(Value::Null)
                    };
                    m.bound[idx] = true;
                    nb.push(idx);
                }
            }
            if let Some(v) = &part.variable {
                if let Some(idx) = m.slot(v.sym) {
                    m.row[idx] = Value::Path(Box::new(p.clone()));
                    m.bound[idx] = true;
                    nb.push(idx);
                }
            }
            let mut checked = Slots::new();
            if m.check_ready(ctx, &mut checked)? {
                match_parts(ctx, m, parts, i + 1)?;
            }
            m.uncheck(&checked);
            unbind(m, &nb);
            if m.stopped {
                break;
            }
        }
        unbind(m, &newly);
        if m.stopped {
            break;
        }
    }
    Ok(())
}

fn bfs(
    ctx: &mut Ctx<'_, '_>,
    m: &Matcher<'_, '_>,
    start: NodeId,
    r: &RelPattern,
    ends: &HashSet<NodeId>,
    all: bool,
) -> Result<Vec<Path>, Error> {
    let (min, max) = match r.length {
        Some(l) => (l.min.unwrap_or(1), l.max.unwrap_or(u64::MAX)),
        None => (1, 1),
    };
    let mut out = Vec::new();
    if min == 0 && ends.contains(&start) {
        out.push(Path {
            nodes: vec![start],
            rels: vec![],
        });
        if ends.len() == 1 {
            return Ok(out);
        }
    }
    if let (false, 1, [goal]) = (all, min, ends.iter().collect::<Vec<_>>().as_slice()) {
        if **goal != start {
            return Ok(bfs_two_way(ctx, m, start, **goal, r, max)?
                .into_iter()
                .collect());
        }
    }
    // Predecessors per node at its BFS depth.
    let mut depth: HashMap<NodeId, u64> = HashMap::from([(start, 0)]);
    let mut preds: HashMap<NodeId, Vec<(NodeId, RelId)>> = HashMap::new();
    let mut frontier = vec![start];
    let mut d = 0;
    let mut found: Vec<NodeId> = Vec::new();
    // Each end gets its own shortest paths: the search goes on until every
    // end is reached (not just the nearest), or nothing more is.
    let goals = ends.iter().filter(|&&n| n != start).count();
    while !frontier.is_empty() && d < max && found.len() < goals {
        d += 1;
        let mut next = Vec::new();
        for &n in &frontier {
            ctx.tick()?;
            for e in fresh_hop_entries(ctx, m, n, r, false)? {
                match depth.get(&e.other) {
                    None => {
                        depth.insert(e.other, d);
                        preds.entry(e.other).or_default().push((n, e.rel));
                        next.push(e.other);
                        if ends.contains(&e.other) && d >= min {
                            found.push(e.other);
                        }
                    }
                    Some(&od) if od == d && all => {
                        preds.entry(e.other).or_default().push((n, e.rel))
                    }
                    _ => {}
                }
            }
        }
        frontier = next;
    }
    for f in found {
        let mut paths = vec![(vec![f], vec![])];
        let mut complete = Vec::new();
        while let Some((nodes, rels)) = paths.pop() {
            let head = nodes[nodes.len() - 1];
            if head == start {
                let mut n = nodes;
                let mut rr: Vec<RelId> = rels;
                n.reverse();
                rr.reverse();
                complete.push(Path { nodes: n, rels: rr });
                if !all {
                    break;
                }
                continue;
            }
            for (p, rel) in preds.get(&head).map(|v| v.as_slice()).unwrap_or(&[]) {
                let mut n = nodes.clone();
                n.push(*p);
                let mut rr = rels.clone();
                rr.push(*rel);
                paths.push((n, rr));
                if !all {
                    break;
                }
            }
        }
        out.extend(complete);
    }
    Ok(out)
}

/// One shortest path from `start` to `goal` of at most `max` links, searching
/// from both ends and always growing the smaller frontier: a search that
/// cannot succeed stops as soon as either side runs dry (a goal nothing
/// reaches costs one expansion, not the whole graph).
fn bfs_two_way(
    ctx: &mut Ctx<'_, '_>,
    m: &Matcher<'_, '_>,
    start: NodeId,
    goal: NodeId,
    r: &RelPattern,
    max: u64,
) -> Result<Option<Path>, Error> {
    // Parent of each reached node (towards its side's root) and its depth.
    let mut sides: [HashMap<NodeId, (NodeId, RelId, u64)>; 2] = [
        HashMap::from([(start, (start, 0, 0))]),
        HashMap::from([(goal, (goal, 0, 0))]),
    ];
    let mut frontiers = [vec![start], vec![goal]];
    let mut depths = [0u64, 0u64];
    while !frontiers[0].is_empty() && !frontiers[1].is_empty() && depths[0] + depths[1] < max {
        let s = usize::from(frontiers[1].len() < frontiers[0].len());
        let d = depths[s] + 1;
        let mut next = Vec::new();
        // The best meeting found in this level: (total length, node).
        let mut meet: Option<(u64, NodeId)> = None;
        for &n in &std::mem::take(&mut frontiers[s]) {
            ctx.tick()?;
            for e in fresh_hop_entries(ctx, m, n, r, s == 1)? {
                if sides[s].contains_key(&e.other) {
                    continue;
                }
                sides[s].insert(e.other, (n, e.rel, d));
                next.push(e.other);
                if let Some(&(_, _, od)) = sides[1 - s].get(&e.other) {
                    if d + od <= max && meet.is_none_or(|(best, _)| d + od < best) {
                        meet = Some((d + od, e.other));
                    }
                }
            }
        }
        depths[s] = d;
        frontiers[s] = next;
        if let Some((_, x)) = meet {
            // Back from the meeting node to the start, turned round, then on to the goal.
            let walk = |side: &HashMap<NodeId, (NodeId, RelId, u64)>, path: &mut Path| {
                let mut at = x;
                // Each side's root is its own parent, at depth 0.
                while let Some(&(p, rel, _)) = side.get(&at).filter(|e| e.2 > 0) {
                    path.nodes.push(p);
                    path.rels.push(rel);
                    at = p;
                }
            };
            let mut path = Path {
                nodes: vec![x],
                rels: vec![],
            };
            walk(&sides[0], &mut path);
            path.nodes.reverse();
            path.rels.reverse();
            walk(&sides[1], &mut path);
            return Ok(Some(path));
        }
    }
    Ok(None)
}

/// The path maximising the product of link confidences (Dijkstra on -ln c).
fn strongest(
    ctx: &mut Ctx<'_, '_>,
    m: &Matcher<'_, '_>,
    start: NodeId,
    r: &RelPattern,
    ends: &HashSet<NodeId>,
) -> Result<Vec<Path>, Error> {
    let max = r.length.and_then(|l| l.max).unwrap_or(u64::MAX);
    let conf = ctx.key_id("confidence");
    let mut best: HashMap<NodeId, (f64, u64, Option<(NodeId, RelId)>)> =
        HashMap::from([(start, (0.0, 0, None))]);
    let mut queue: Vec<(f64, NodeId)> = vec![(0.0, start)];
    let mut done: HashSet<NodeId> = HashSet::new();
    while let Some(pos) = queue
        .iter()
        .enumerate()
        .min_by(|a, b| a.1 .0.total_cmp(&b.1 .0))
        .map(|(i, _)| i)
    {
        let (cost, n) = queue.swap_remove(pos);
        if !done.insert(n) {
            continue;
        }
        if ends.contains(&n) && n != start {
            let mut nodes = vec![n];
            let mut rels = vec![];
            let mut cur = n;
            while let Some((_, _, Some((p, rel)))) = best.get(&cur) {
                nodes.push(*p);
                rels.push(*rel);
                cur = *p;
            }
            nodes.reverse();
            rels.reverse();
            return Ok(vec![Path { nodes, rels }]);
        }
        let hops = best.get(&n).map(|b| b.1).unwrap_or(0);
        if hops >= max {
            continue;
        }
        for e in fresh_hop_entries(ctx, m, n, r, false)? {
            ctx.tick()?;
            let c = conf
                .and_then(|k| {
                    ctx.tx
                        .rel(e.rel)
                        .ok()
                        .flatten()
                        .and_then(|rec| rec.prop(k).and_then(|v| v.as_f64()))
                })
                .unwrap_or(1.0);
            if c <= 0.0 {
                continue;
            }
            let nc = cost - c.min(1.0).ln();
            if best.get(&e.other).is_none_or(|b| nc < b.0) {
                best.insert(e.other, (nc, hops + 1, Some((n, e.rel))));
                queue.push((nc, e.other));
            }
        }
    }
    Ok(vec![])
}

/// Named variables a pattern introduces that are not yet in scope, in order.
pub fn new_variables(parts: &[PatternPart], in_scope: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |v: &Option<Ident>| {
        if let Some(v) = v {
            if !in_scope.contains(&v.name) && !out.contains(&v.name) {
                out.push(v.name.clone());
            }
        }
    };
    for p in parts {
        add(&p.element.start.variable);
        for (r, n) in &p.element.chain {
            add(&r.variable);
            add(&n.variable);
        }
        add(&p.variable);
    }
    out
}

/// Whether `parts` name a variable of `in_scope`. A pattern that names
/// none matches the same way whatever the row before it holds.
pub fn binds_any_of(parts: &[PatternPart], in_scope: &[String]) -> bool {
    let bound = |v: &Option<Ident>| v.as_ref().is_some_and(|v| in_scope.contains(&v.name));
    parts.iter().any(|p| {
        bound(&p.variable)
            || bound(&p.element.start.variable)
            || p.element
                .chain
                .iter()
                .any(|(r, n)| bound(&r.variable) || bound(&n.variable))
    })
}

/// `WHERE (a)-[:T]->()`: whether at least one match exists (the search
/// stops at the first).
pub fn exists(
    ctx: &mut Ctx<'_, '_>,
    env: &Env<'_>,
    element: &PatternElement,
) -> Result<bool, Error> {
    let mut found = false;
    each_match(ctx, env, None, element, &mut |_, _| {
        found = true;
        Ok(Flow::Stop)
    })?;
    Ok(found)
}

/// Matches a pattern written inside an expression against the variables
/// of `env`, handing each row (the flattened scope, then the pattern's new
/// variables) to `sink`; returns all the names.
fn each_match(
    ctx: &mut Ctx<'_, '_>,
    env: &Env<'_>,
    var: Option<&Ident>,
    element: &PatternElement,
    sink: &mut RowSink<'_>,
) -> Result<Names, Error> {
    let (names, row) = flatten_env(env);
    let part = PatternPart {
        variable: var.cloned(),
        kind: PathKind::Normal,
        element: element.clone(),
        span: element.span,
    };
    let parts = [part];
    let new = new_variables(&parts, &names);
    let plan = plan_parts(ctx, &names, &parts);
    let fresh = new.len();
    let mut all = Names::new(names, &ctx.symbols);
    all.extend(new, &ctx.symbols);
    match_row(
        ctx,
        &all,
        &row,
        &parts,
        &plan,
        fresh,
        &[],
        None,
        false,
        None,
        &mut Scratch::default(),
        sink,
    )?;
    Ok(all)
}

pub(crate) fn flatten_env(env: &Env<'_>) -> (Vec<String>, Vec<Value>) {
    let (mut names, mut row) = match env.outer {
        Some(o) => flatten_env(o),
        None => (Vec::new(), Vec::new()),
    };
    names.extend(env.columns.names());
    row.extend(env.row.iter().cloned());
    (names, row)
}

/// Rows of a pattern matched inside an expression, with the variables it binds.
pub fn comprehension_rows(
    ctx: &mut Ctx<'_, '_>,
    env: &Env<'_>,
    var: Option<&Ident>,
    element: &PatternElement,
) -> Result<(Names, Vec<Vec<Value>>), Error> {
    let mut rows = Vec::new();
    let names = each_match(ctx, env, var, element, &mut |_, r| {
        rows.push(r.to_vec());
        Ok(Flow::More)
    })?;
    Ok((names, rows))
}

pub fn shortest_expr(
    ctx: &mut Ctx<'_, '_>,
    env: &Env<'_>,
    element: &PatternElement,
    all: bool,
) -> Result<Value, Error> {
    let (names, row) = flatten_env(env);
    // The path's column: a name no variable in scope has (a user may call
    // one `` ` path` ``), found by `Sym::PATH`.
    let hidden = std::iter::successors(Some(" path".to_string()), |n| Some(format!("{n}'")))
        .find(|n| !names.contains(n))
        .unwrap_or_default();
    let part = PatternPart {
        variable: Some(Ident {
            name: hidden.clone(),
            span: element.span,
            sym: Sym::PATH,
        }),
        kind: if all {
            PathKind::AllShortest
        } else {
            PathKind::Shortest
        },
        element: element.clone(),
        span: element.span,
    };
    let parts = [part];
    let new = new_variables(&parts, &names);
    let plan = plan_parts(ctx, &names, &parts);
    let fresh = new.len();
    let mut columns = Names::new(names, &ctx.symbols);
    for n in new {
        match n == hidden {
            true => columns.push_as(n, Sym::PATH),
            false => columns.push(n, &ctx.symbols),
        }
    }
    let idx = columns.slot(Sym::PATH);
    let mut paths: Vec<Value> = Vec::new();
    match_row(
        ctx,
        &columns,
        &row,
        &parts,
        &plan,
        fresh,
        &[],
        None,
        false,
        None,
        &mut Scratch::default(),
        &mut |_, r| {
            paths.extend(idx.and_then(|i| r.get(i)).cloned());
            Ok(if all { Flow::More } else { Flow::Stop })
        },
    )?;
    Ok(if all {
        Value::List(paths)
    } else {
        paths.into_iter().next().unwrap_or(Value::Null)
    })
}

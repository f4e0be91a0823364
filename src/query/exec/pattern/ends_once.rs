//! The ends of a variable-length hop, each once, found breadth-first
//! (`Rule::PruneHops`), when only which distinct rows the MATCH sends
//! matters: the clause after it counts distinct values and nothing else
//! (`liveness::counts_distinct_only`), and neither the hop's links nor the
//! path are named. Walking every trail costs one step per trail, and trails
//! grow as the degree to the power of their length (Q4 walks 262 trails of
//! 1 to 3 links to 243 distinct ends; `[*]` over a dense graph does not end
//! in any time); a breadth-first search reads each reachable node's links
//! once, as Neo4j's pruning var-length expand does.
//!
//! Over a directed hop of at least 0 or 1 links the ends are the same set.
//! A node other than the start ends a trail of at most `max` links exactly
//! when a walk of at most `max` links reaches it: its shortest walk repeats
//! no link. The start ends a trail of 1 or more links exactly when a link
//! back to it leaves a node within `max - 1` links: its shortest closed
//! walk is a cycle. Links the pattern used before the hop are left out of
//! the search, as they are out of every trail. Undirected hops (a link
//! walked there and back is a closed walk, not a trail) and hops of at
//! least 2 links are walked trail by trail. The search holds one entry per
//! node it reaches, charged to the statement's memory limit.
//!
//! An end's map is checked as for a trail, with the end's ids
//! (`hop_prune::end_ids`) first.
//!
//! When the one thing counted is `count(DISTINCT b)` of the hop's end `b`
//! (Q4: the actors reachable within 3 links), an end is not bound and sent
//! as a row through the groups: it goes into an `EndTally`, whose count the
//! groups take at the end (`Rule::FoldIntoGroups`). A row cost Q4 about
//! 100 ns an end; a set entry costs a few. So does the end of each link of
//! a pattern's last single hop (`pattern::tally_ends`: Q3's second hop).
//! When the one thing counted is `count(*)`, a tally of rows counts each
//! such link, and each row, as one (`EndTally::rows`).

use super::reached::Reached;
use super::{hop_entries_into, node_fits, var_end, walk_dir, Hops, Matcher, PathBuild, Step};
use crate::error::Error;
use crate::query::ast::PatternPart;
use crate::query::bind::symbols::Sym;
use crate::query::exec::context::Ctx;
use crate::value::{NodeId, Value};

/// Bytes charged per node the search has seen: its set entry and its place
/// in a frontier.
const SEEN_BYTES: usize = 24;

/// Ids whose room an emptied tally keeps.
const IDS_KEPT: usize = 64;

/// A tally's entries are sorted and their repeats dropped once they reach
/// this many, and then each time they double.
const TALLY_COMPACT_AT: usize = 1024;

/// Slots of a tally's small set: a power of two.
const SMALL_SLOTS: usize = 64;

/// The most distinct nodes the small set holds (half its slots, so that a
/// probe ends soon); past them, the tally pushes and sorts.
const SMALL_MAX: usize = SMALL_SLOTS / 2;

/// The distinct nodes one MATCH bound to the variable that the next
/// clause's `count(DISTINCT v)` counts, over all its input rows: hop ends
/// found breadth-first, the ends of a last single hop's links
/// (`pattern::tally_ends`), and `v` of the rows it would otherwise send.
///
/// The first few distinct nodes go into a small fixed hash set, which a
/// point query's count never leaves (sorting Q3's 29 ends out at the end
/// cost more than finding them). Past it, a node that may repeat goes into
/// a bit per node id, the thread's kept set (`Reached`): pushed and sorted
/// out instead, the ends of a 2-hop count through a hub at scale M (two
/// million walks to 81,355 nodes) were sorted 38 times a run, 85% of its
/// time. The ends of a search, each found once, are pushed: a hash set
/// growing from nothing cost Q4 more than its search. Like the groups'
/// own distinct counts (`projection::Seen`), none of it is charged to the
/// memory limit (a bit a node of the graph, or 8 bytes an end):
/// charged, it failed where the groups it stands in for did not.
pub struct EndTally {
    var: Sym,
    /// `v`'s position in the MATCH's rows.
    slot: usize,
    /// The small set: each node as its id plus one, 0 for a free slot.
    small: [u64; SMALL_SLOTS],
    /// Nodes in the small set.
    small_len: usize,
    /// The set the small one overflowed into: repeated nodes go there,
    /// the small set empty, until the tally is emptied.
    spilled: Option<Reached>,
    /// The ends of searches, as found.
    ids: Vec<NodeId>,
    /// Entries already sorted and distinct, at the last compaction.
    compacted: usize,
    /// Ends counted (PROFILE's rows).
    ends: u64,
    /// Whether every entry came from one search, which finds each end
    /// once: then they are distinct without sorting.
    one_search: Option<bool>,
    /// Counting rows (`count(*)`), not distinct nodes: each row the MATCH
    /// would send counts as many as its input row's `weight`.
    rows: Option<RowCount>,
}

/// What a tally of rows counts.
#[derive(Default)]
struct RowCount {
    /// The weight of the input row being matched (`set_weight`).
    weight: u64,
    /// Rows counted, by weight.
    counted: u64,
}

impl EndTally {
    pub fn new(var: Sym, slot: usize) -> Self {
        EndTally {
            var,
            slot,
            small: [0; SMALL_SLOTS],
            small_len: 0,
            spilled: None,
            ids: Vec::new(),
            compacted: 0,
            ends: 0,
            one_search: None,
            rows: None,
        }
    }

    /// A tally of the rows a MATCH would send to `count(*)`, as the one
    /// thing the next clause reads of them: the end of each link of a
    /// last single hop is a row, counted without being bound and sent (a
    /// 2-hop `count(*)` through the workload's hub at scale M: 120,000
    /// rows).
    pub fn rows() -> Self {
        EndTally {
            rows: Some(RowCount::default()),
            ..EndTally::new(Sym::NONE, usize::MAX)
        }
    }

    /// The weight of the input row matched next: each of its rows stands
    /// for that many.
    pub fn set_weight(&mut self, weight: u64) {
        if let Some(r) = &mut self.rows {
            r.weight = weight;
        }
    }

    /// A search for ends begins (`walk`).
    fn search_begins(&mut self) {
        self.one_search = Some(self.one_search.is_none());
    }

    /// Counts node `n`, found by a search that finds each node once
    /// (`search_begins`): pushed as it comes.
    pub fn add(&mut self, n: NodeId) {
        self.ends += 1;
        self.push(n);
    }

    /// Counts `n` rows of the input row being matched (a tally of rows).
    pub(super) fn add_rows(&mut self, n: u64) {
        self.ends += n;
        if let Some(r) = &mut self.rows {
            r.counted = r.counted.saturating_add(n.saturating_mul(r.weight));
        }
    }

    /// Counts node `n`, which may have been counted before (the end of a
    /// walk, a row's value): in the small set while it holds them all.
    pub(super) fn add_repeated(&mut self, n: NodeId) {
        self.one_search = Some(false);
        self.ends += 1;
        if self.spilled.is_some() || !self.add_small(n) {
            self.add_spilled(n);
        }
    }

    /// Counts `n` past the small set. Out of line: inlined, its registers
    /// made every count in the small set save and restore six (Q3: 1%).
    #[inline(never)]
    fn add_spilled(&mut self, n: NodeId) {
        match &mut self.spilled {
            Some(set) => set.insert(n),
            None => self.spill().insert(n),
        };
    }

    fn push(&mut self, n: NodeId) {
        self.ids.push(n);
        if self.ids.len() >= TALLY_COMPACT_AT.max(2 * self.compacted) {
            self.compact();
        }
    }

    /// Counts `n` in the small set: false when it is full or cannot hold
    /// `n` (`u64::MAX`, whose id plus one is no free slot's 0).
    fn add_small(&mut self, n: NodeId) -> bool {
        let Some(key) = n.checked_add(1) else {
            return false;
        };
        // Fibonacci hashing: the product's top bits pick the slot.
        let mut i = (n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize;
        loop {
            match self.small[i] {
                0 => break,
                k if k == key => return true,
                _ => i = (i + 1) % SMALL_SLOTS,
            }
        }
        if self.small_len == SMALL_MAX {
            return false;
        }
        self.small[i] = key;
        self.small_len += 1;
        true
    }

    /// Moves the small set's nodes into the thread's kept set, where the
    /// tally goes on.
    #[cold]
    fn spill(&mut self) -> &mut Reached {
        let mut set = Reached::take();
        for &k in self.small.iter().filter(|&&k| k != 0) {
            set.insert(k - 1);
        }
        self.clear_small();
        self.spilled.insert(set)
    }

    fn clear_small(&mut self) {
        if self.small_len > 0 {
            self.small = [0; SMALL_SLOTS];
            self.small_len = 0;
        }
    }

    fn compact(&mut self) {
        self.ids.sort_unstable();
        self.ids.dedup();
        self.compacted = self.ids.len();
    }

    /// Counts the row's value when it is a node: true. Else (null, or a
    /// value that is no node) the row goes on to the groups.
    pub fn add_row(&mut self, row: &[Value]) -> bool {
        if self.rows.is_some() {
            self.add_rows(1);
            return true;
        }
        match row.get(self.slot) {
            Some(Value::Node(n)) => {
                self.add_repeated(*n);
                true
            }
            _ => false,
        }
    }

    /// The number of distinct nodes counted (of rows, by weight, for a
    /// tally of rows), and how many counts that took; the tally is emptied.
    pub fn take(&mut self) -> (usize, u64) {
        // A search's nodes and the other sets' may meet.
        let n = match (&mut self.rows, &mut self.spilled) {
            (Some(r), _) => usize::try_from(std::mem::take(&mut r.counted)).unwrap_or(usize::MAX),
            (None, Some(set)) => {
                for &id in &self.ids {
                    set.insert(id);
                }
                set.len()
            }
            (None, None) => {
                if self.small_len > 0 && !self.ids.is_empty() {
                    let small = self.small.iter().filter(|&&k| k != 0);
                    self.ids.extend(small.map(|k| k - 1));
                    self.clear_small();
                }
                if self.one_search != Some(true) && !self.ids.is_empty() {
                    self.compact();
                }
                self.small_len + self.ids.len()
            }
        };
        self.one_search = None;
        self.empty();
        self.compacted = 0;
        (n, std::mem::take(&mut self.ends))
    }

    /// Drops the ids, keeping a small buffer (512 bytes at most) for the
    /// next run of a kept plan (growing it from nothing again was 3% of Q3
    /// at M).
    fn empty(&mut self) {
        self.clear_small();
        if let Some(set) = self.spilled.take() {
            set.give_back();
        }
        match self.ids.capacity() <= IDS_KEPT {
            true => self.ids.clear(),
            false => self.ids = Vec::new(),
        }
    }

    /// As new, holding nothing.
    pub fn reset(&mut self) {
        self.empty();
        self.one_search = None;
        self.compacted = 0;
        self.ends = 0;
        if let Some(r) = &mut self.rows {
            *r = RowCount::default();
        }
    }

    /// Whether each link's end at hop end `p` is what the tally counts: it
    /// binds the counted variable, or each is a row.
    pub(super) fn counts(&self, p: &crate::query::ast::NodePattern) -> bool {
        self.rows.is_some() || p.variable.as_ref().is_some_and(|v| v.sym == self.var)
    }

    /// Whether it counts rows, not distinct nodes.
    pub fn counts_rows(&self) -> bool {
        self.rows.is_some()
    }
}

/// Whether the variable-length `step` (the `si`-th of part `part_i` in the
/// plan's order) may send each of its ends once. Nothing matched after it
/// may tell its trails apart (`hop_prune::ends_the_pattern`), and every
/// WHERE conjunct was checked before it.
pub(super) fn applies(
    m: &Matcher<'_, '_>,
    parts: &[PatternPart],
    part_i: usize,
    steps: &[Step<'_>],
    si: usize,
    hops: &Hops<'_>,
) -> bool {
    let step = &steps[si];
    m.ends_once
        && hops.min <= 1
        && step.rel.variable.is_none()
        && parts[m.plan[part_i].part].variable.is_none()
        && walk_dir(step.rel, step.flipped).is_some()
        && super::hop_prune::ends_the_pattern(m, part_i, steps, si, hops.end)
        && m.checked.iter().all(|&c| c)
}

/// Where in the pattern the hop's ends go on from.
struct At<'a, 'h> {
    parts: &'a [PatternPart],
    part_i: usize,
    steps: &'a [Step<'a>],
    si: usize,
    reversed: bool,
    hops: &'a Hops<'h>,
}

/// Sends each end of the hop once, nearest first.
#[allow(clippy::too_many_arguments)]
pub(super) fn walk(
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
    ctx.hops_cut.searches += 1;
    // A search finds each end once, not each row: never for a count of rows.
    if let Some(t) = m.tally.as_deref_mut().filter(|t| t.counts(hops.end)) {
        debug_assert!(!t.counts_rows());
        t.search_begins();
    }
    let at = At {
        parts,
        part_i,
        steps,
        si,
        reversed,
        hops,
    };
    let mut charged = 0;
    let mut seen = Reached::take();
    let r = search(ctx, m, &at, trail, &mut seen, &mut charged);
    seen.give_back();
    ctx.mem.release(charged);
    r
}

/// The search itself, over the empty set `seen`; `charged` is what it has
/// taken of the statement's memory, released by the caller however it
/// ends.
fn search(
    ctx: &mut Ctx<'_, '_>,
    m: &mut Matcher<'_, '_>,
    at: &At<'_, '_>,
    trail: &mut PathBuild,
    seen: &mut Reached,
    charged: &mut usize,
) -> Result<(), Error> {
    let step = &at.steps[at.si];
    let start = *trail.nodes.last().unwrap_or(&0);
    seen.insert(start);
    // Ends any node fits, counted by the tally: counted as reached, with
    // nothing to check (Q4's 243 ends spent a fifth of it in the checks).
    let end = at.hops.end;
    let any_counted = m.tally.as_ref().is_some_and(|t| t.counts(end))
        && end.labels.is_empty()
        && end.properties.is_none()
        && end.actor.is_none()
        && end
            .variable
            .as_ref()
            .is_none_or(|v| m.bound_value(v.sym).is_none());
    let mut start_ends = at.hops.min == 0;
    if start_ends {
        end_at(ctx, m, at, trail, start)?;
    }
    let mut frontier = vec![start];
    let mut entries = Vec::new();
    let mut depth = 0;
    while !frontier.is_empty() && depth < at.hops.max && !m.stopped {
        depth += 1;
        // Nodes first reached at the last depth are not searched from.
        let last = depth == at.hops.max;
        let mut next = Vec::new();
        for &n in &frontier {
            hop_entries_into(ctx, m, n, step.rel, step.flipped, &mut entries)?;
            for &e in &entries {
                ctx.tick()?;
                if m.used.contains(&e.rel) {
                    continue;
                }
                if e.other == start {
                    if start_ends {
                        continue;
                    }
                    start_ends = true;
                } else if !seen.insert(e.other) {
                    continue;
                } else if !last {
                    next.push(e.other);
                }
                match (any_counted, m.tally.as_deref_mut()) {
                    (true, Some(t)) => t.add(e.other),
                    _ => end_at(ctx, m, at, trail, e.other)?,
                }
                if m.stopped {
                    return Ok(());
                }
            }
        }
        // The set holds every node seen, charged a level at a time (a walk
        // trail by trail holds only its trail: under a tight limit this
        // search may stop with MemoryLimit where that walk would not).
        let bytes = seen.len() * SEEN_BYTES - *charged;
        ctx.mem.charge(bytes, "a variable-length hop's search")?;
        *charged += bytes;
        frontier = next;
    }
    Ok(())
}

/// Sends `node` on as the hop's end, unless the end's ids rule it out.
fn end_at(
    ctx: &mut Ctx<'_, '_>,
    m: &mut Matcher<'_, '_>,
    at: &At<'_, '_>,
    trail: &mut PathBuild,
    node: NodeId,
) -> Result<(), Error> {
    if at.hops.passes_over(ctx, node) {
        ctx.hops_cut.nodes += 1;
        return Ok(());
    }
    if m.tally.as_ref().is_some_and(|t| t.counts(at.hops.end)) {
        if node_fits(ctx, m, at.hops.end, node)? {
            if let Some(t) = m.tally.as_deref_mut() {
                t.add(node);
            }
        }
        return Ok(());
    }
    trail.nodes.push(node);
    let r = var_end(
        ctx,
        m,
        at.parts,
        at.part_i,
        at.steps,
        at.si,
        trail,
        at.reversed,
        at.hops,
        &[],
    );
    trail.nodes.pop();
    r
}

#[cfg(test)]
mod tests {
    use super::{EndTally, SMALL_MAX};
    use crate::database::{Database, Params};
    use crate::query::bind::symbols::Sym;
    use crate::query::exec::rules::{Rule, Rules};
    use std::time::{Duration, Instant};

    /// `layers` layers of `width` nodes, each linked to every node of the
    /// next layer, and the last layer back to the first node: from it,
    /// `width ^ layers` trails.
    fn ladder(layers: i64, width: i64) -> Database {
        let mut db = Database::open_memory().unwrap();
        let mut p = Params::new();
        p.insert("layers".into(), crate::value::Value::Int(layers));
        p.insert("width".into(), crate::value::Value::Int(width));
        for q in [
            "UNWIND range(0, $layers) AS l UNWIND range(0, $width - 1) AS i
             CREATE (:L {id: 'l' + toString(l) + '_' + toString(i), l: l})",
            "MATCH (a:L), (b:L) WHERE b.l = a.l + 1 CREATE (a)-[:T]->(b)",
            "MATCH (a:L {id: 'l' + toString($layers) + '_0'}), (b:L {id: 'l0_0'}) CREATE (a)-[:T]->(b)",
        ] {
            db.execute(q, &p).unwrap();
        }
        db
    }

    fn answer(db: &mut Database, q: &str) -> Result<Vec<String>, String> {
        db.execute(q, &Params::new())
            .map(|r| {
                let mut rows: Vec<String> = r.rows.iter().map(|row| format!("{row:?}")).collect();
                rows.sort();
                rows
            })
            .map_err(|e| e.to_string())
    }

    fn plan(db: &mut Database, q: &str) -> String {
        db.execute(&format!("PROFILE {q}"), &Params::new())
            .unwrap()
            .plan
            .unwrap()
    }

    /// The answer of `q`, asserted the same when run again by the plan
    /// kept from the first run and with its rows sent to the groups
    /// (`Rule::FoldIntoGroups` off).
    fn answer_kept_and_as_rows(db: &mut Database, q: &str) -> Result<Vec<String>, String> {
        let on = answer(db, q);
        assert_eq!(answer(db, q), on, "{q}, again");
        db.rules = Rules::default().without(Rule::FoldIntoGroups);
        assert_eq!(answer(db, q), on, "{q}, as rows");
        db.rules = Rules::default();
        on
    }

    const BREADTH_FIRST: &str = "searched breadth-first, each end sent once: ";

    /// The ends sent once each count as every trail's ends do: bounded and
    /// unbounded hops, at least 0 links, a cycle back to the start, a
    /// self-loop, parallel links, the hop's own map, an end found by id,
    /// links the pattern used before, a bound end, a WHERE checked before
    /// the hop, an OPTIONAL MATCH with no end. Shapes it must not take (a
    /// named path or list, a count of rows, an undirected hop, at least 2
    /// links, a WHERE on the end) walk every trail and answer the same.
    #[test]
    fn each_end_once_counts_as_every_trail() {
        let mut db = ladder(4, 3);
        for q in [
            "MATCH (a:L {id: 'l1_0'}) CREATE (a)-[:T {w: 1}]->(a)",
            "MATCH (a:L {id: 'l0_0'}), (b:L {id: 'l1_1'}) CREATE (a)-[:U {w: 1}]->(b), (a)-[:U {w: 2}]->(b)",
        ] {
            answer(&mut db, q).unwrap();
        }
        let once = [
            "MATCH (a:L {id: 'l0_0'})-[*1..3]->(b) RETURN count(DISTINCT b)",
            "MATCH (a:L {id: 'l0_0'})-[*]->(b) RETURN count(DISTINCT b), count(DISTINCT b.l)",
            "MATCH (a:L {id: 'l0_0'})-[:T*0..2]->(b) RETURN count(DISTINCT b) AS n ORDER BY n",
            "MATCH (a:L {id: 'l2_1'})-[*1..3]->(b) RETURN count(DISTINCT b)",
            "MATCH (a:L {id: 'l2_1'})-[*1..4]->(b) RETURN count(DISTINCT b)",
            "MATCH (a:L {id: 'l3_0'})<-[*1..2]-(b) RETURN count(DISTINCT b.id)",
            "MATCH (x:L {id: 'l4_0'})-[:T]->(a:L {id: 'l0_0'}), (a)-[*1..5]->(b) RETURN count(DISTINCT b)",
            "MATCH (a:L)-[*1..2]->(b:L {l: 3}) WHERE a.l = 2 RETURN count(DISTINCT a), count(DISTINCT b)",
            "MATCH (a:L {l: 1}) WITH a MATCH (a)-[*1..2]->(b) WITH count(DISTINCT b) AS n RETURN n",
            "MATCH (a:L {id: 'l1_0'})-[*1..2]->(b) RETURN count(DISTINCT b)",
            "MATCH (a:L {id: 'l0_0'})-[:U*0..3 {w: 1}]->(b) RETURN count(DISTINCT b)",
            "MATCH (a:L {id: 'l0_0'})-[:T*0..6]->(b) RETURN count(DISTINCT b)",
            "MATCH (a:L {id: 'l0_0'})-[*1..4]->(b:L {id: 'l3_2'}) RETURN count(DISTINCT b)",
            "MATCH (b:L {id: 'l2_1'}) MATCH (a:L {id: 'l0_0'})-[*1..3]->(b) RETURN count(DISTINCT a)",
            "OPTIONAL MATCH (a:L {id: 'l0_1'})<-[*1..2]-(b) RETURN count(DISTINCT b)",
        ];
        let trail_by_trail = [
            "MATCH p = (a:L {id: 'l0_0'})-[*1..3]->(b) RETURN count(DISTINCT b)",
            "MATCH (a:L {id: 'l0_0'})-[rs*1..3]->(b) RETURN count(DISTINCT b)",
            "MATCH (a:L {id: 'l0_0'})-[*1..3]->(b) RETURN count(b)",
            "MATCH (a:L {id: 'l0_0'})-[*1..3]->(b) RETURN DISTINCT b.l",
            "MATCH (a:L {id: 'l2_1'})-[*1..2]-(b) RETURN count(DISTINCT b)",
            "MATCH (a:L {id: 'l0_0'})-[*2..3]->(b) RETURN count(DISTINCT b)",
            "MATCH (a:L {id: 'l0_0'})-[*1..3]->(b) WHERE b.l > 1 RETURN count(DISTINCT b)",
            "MATCH (a:L {id: 'l0_0'})-[*1..3]->(b) RETURN count(DISTINCT b), collect(DISTINCT b.l)",
        ];
        for (qs, expect) in [(&once[..], true), (&trail_by_trail[..], false)] {
            for q in qs {
                let on = answer(&mut db, q);
                assert!(on.is_ok(), "{q}: {on:?}");
                assert_eq!(plan(&mut db, q).contains(BREADTH_FIRST), expect, "{q}");
                db.rules = Rules::default().without(Rule::PruneHops);
                assert_eq!(answer(&mut db, q), on, "{q}");
                db.rules = Rules::default();
            }
        }
        assert_eq!(
            answer(&mut db, once[6]).unwrap(),
            ["[Int(12)]"],
            "the link back to the start is used before the hop"
        );
    }

    /// The small set, its overflow into the thread's kept set, and a
    /// search's pushed ids and their compactions count each node once,
    /// however the ids repeat, hash to one slot, or are the largest id;
    /// and an emptied tally counts anew.
    #[test]
    fn a_tally_counts_each_node_once_in_and_past_its_small_set() {
        let mut t = EndTally::new(Sym(0), 0);
        let mut seen = std::collections::BTreeSet::new();
        let mut check = |t: &mut EndTally, ids: &[u64], walk: bool| {
            for &n in ids {
                match walk {
                    true => t.add_repeated(n),
                    false => t.add(n),
                }
                seen.insert(n);
            }
            let (n, ends) = t.take();
            assert_eq!((n, ends), (seen.len(), ids.len() as u64), "{ids:?}");
            seen.clear();
        };
        let repeats: Vec<u64> = (0..200).map(|i| i % 7 * 1_000_003).collect();
        check(&mut t, &repeats, true);
        // Ids 2^58 apart share a slot.
        let one_slot: Vec<u64> = (0..40).map(|i| (i % 20) << 58).collect();
        check(&mut t, &one_slot, true);
        for distinct in [SMALL_MAX - 1, SMALL_MAX, SMALL_MAX + 1, 3000] {
            let ids: Vec<u64> = (0..distinct as u64 * 3)
                .map(|i| i % distinct as u64)
                .collect();
            check(&mut t, &ids, true);
            let once: Vec<u64> = (0..distinct as u64).map(|i| i * 37).collect();
            t.search_begins();
            check(&mut t, &once, false);
        }
        // A search's nodes meet walk ends, in the small set and past it.
        for extra in [0, SMALL_MAX as u64 * 2] {
            t.search_begins();
            (1..=3).for_each(|n| t.add(n));
            (2..=5 + extra).for_each(|n| t.add_repeated(n));
            assert_eq!(t.take(), (5 + extra as usize, 7 + extra));
        }
        check(&mut t, &[u64::MAX, 0, u64::MAX, 5, 0], true);
        check(&mut t, &[], true);
        check(&mut t, &[9, 9], true);
        // Past the small set, ids beyond the bits a thread keeps and ids
        // within them, repeated.
        let wide: Vec<u64> = (0..300u64)
            .map(|i| match i % 3 {
                0 => i % 50,
                1 => (1 << 40) + i % 40,
                _ => u64::MAX - i % 30,
            })
            .collect();
        check(&mut t, &wide, true);
        // Two tallies past their small sets at once on one thread (a MATCH
        // in a subquery of another): each counts its own nodes, and the
        // thread's kept set comes back empty for the next.
        let mut other = EndTally::new(Sym(1), 0);
        for n in 0..100u64 {
            t.add_repeated(n % 60);
            other.add_repeated(1000 + n % 70);
        }
        assert_eq!(other.take(), (70, 100));
        assert_eq!(t.take(), (60, 100));
        let fresh: Vec<u64> = (0..90).map(|i| 1000 + i % 45).collect();
        check(&mut t, &fresh, true);
    }

    /// A pattern's last single hop counts its ends in the tally as it finds
    /// them (`pattern::tally_ends`), and answers as when each is bound and
    /// sent as a row: a self-loop the pattern's first hop took (not taken
    /// twice), parallel links, a label only some nodes carry, the end's map,
    /// an end bound before, a link used by an earlier part, an end seen in
    /// another part, many input rows, and a WHERE on the end (checked on
    /// each row instead). The count is given as the row alone when it is
    /// (`BreakerOp::folded`), and goes through the group under SKIP, LIMIT,
    /// ORDER BY, a WITH's WHERE, an expression, DISTINCT, and rows that
    /// made the group first.
    #[test]
    fn a_last_hop_counts_its_ends_as_its_rows_would() {
        let mut db = ladder(3, 3);
        for q in [
            "MATCH (a:L {id: 'l0_0'}) CREATE (a)-[:T]->(a)",
            "MATCH (a:L {id: 'l1_1'}) CREATE (a)-[:T]->(a), (a)-[:T]->(a)",
            "MATCH (a:L {id: 'l1_0'}), (b:L {id: 'l2_2'}) CREATE (a)-[:T]->(b), (a)-[:T]->(b)",
            "MATCH (a:L {id: 'l2_0'}) SET a:Red",
            "MATCH (a:L {id: 'l0_0'}) CREATE (a)-[:U]->(:M {id: 'm0', l: 9})",
        ] {
            answer(&mut db, q).unwrap();
        }
        let queries = [
            "MATCH (a:L {id: 'l0_0'})-[:T]->()-[:T]->(c) RETURN count(DISTINCT c)",
            "MATCH (a:L {id: 'l0_0'})-[:T]->()-[:T]->(c:L) RETURN count(DISTINCT c)",
            "MATCH (a:L {id: 'l1_1'})-[:T]->()-[:T]->(c) RETURN count(DISTINCT c)",
            "MATCH (a:L {id: 'l1_1'})-[:T]->(c) RETURN count(DISTINCT c)",
            "MATCH (a:L)-[:T]->(x)-[:T]->(c:Red) RETURN count(DISTINCT c)",
            "MATCH (a:L)-[:T]->(c {l: 2}) RETURN count(DISTINCT c)",
            "MATCH (a:L)-[:T]->(c {l: a.l}) RETURN count(DISTINCT c)",
            "MATCH (c:L {id: 'l1_1'})-[:T]->(x)-[:T]->(c) RETURN count(DISTINCT c)",
            "MATCH (a:L {id: 'l1_1'})-[r:T]->(), (a)-[:T]->(c) RETURN count(DISTINCT c)",
            "MATCH (c:L {id: 'l2_2'}), (a:L)-[]->(c) RETURN count(DISTINCT c)",
            "MATCH (a:L) MATCH (a)-[]->(c) RETURN count(DISTINCT c)",
            "MATCH (a:L)-[]-(c) RETURN count(DISTINCT c)",
            "MATCH (a:L)<-[:T]-(c) RETURN count(DISTINCT c)",
            "MATCH (a:L {id: 'l0_0'})-->(c:M) RETURN count(DISTINCT c)",
            "MATCH (a:L)-[:T]->(x)-[:T]->(c) WHERE c.l = 2 RETURN count(DISTINCT c)",
            "MATCH (a:L)-[:T]->(x)-[:T]->(c) WHERE a.l = 0 RETURN count(DISTINCT c)",
            "MATCH (a:L {id: 'l1_1'})-[:T]->()-[r:T]->(c) RETURN count(DISTINCT c)",
            "MATCH (a:L)-[:T]->(c {l: 10 / (a.l - 1)}) RETURN count(DISTINCT c)",
            // The count given alone, and where it is not the row alone.
            "MATCH (a:L {id: 'l9'})-[:T]->(c) RETURN count(DISTINCT c)",
            "UNWIND [1, 2] AS i MATCH (a:L {id: 'l0_0'})-[:T]->(c) RETURN count(DISTINCT c)",
            "MATCH (a:L) OPTIONAL MATCH (a)-[:U]->(c) RETURN count(DISTINCT c)",
            "MATCH (a:L)-[:T]->(c) RETURN count(DISTINCT c) AS n SKIP 1",
            "MATCH (a:L)-[:T]->(c) RETURN count(DISTINCT c) AS n LIMIT 0",
            "MATCH (a:L)-[:T]->(c) RETURN count(DISTINCT c) AS n ORDER BY n",
            "MATCH (a:L)-[:T]->(c) WITH count(DISTINCT c) AS n WHERE n > 3 RETURN n",
            "MATCH (a:L)-[:T]->(c) WITH count(DISTINCT c) AS n WHERE n > 99 RETURN n",
            "MATCH (a:L)-[:T]->(c) RETURN count(DISTINCT c) + 1 AS n",
            "MATCH (a:L)-[:T]->(c) RETURN DISTINCT count(DISTINCT c) AS n",
            // Rows whose `c` is null go to the group; the rest are counted.
            "UNWIND ['l0_0', 'l9', 'l1_1'] AS id OPTIONAL MATCH (c:L {id: id}) \
             MATCH (a:L {id: 'l2_2'}) RETURN count(DISTINCT c)",
        ];
        let mut counted = Vec::new();
        for q in queries {
            let on = answer_kept_and_as_rows(&mut db, q);
            counted.push(on.map(|r| r.concat()).unwrap_or_else(|e| e));
        }
        assert!(counted[17].contains("division by zero"), "{}", counted[17]);
        // Read off the ladder by hand. From l0_0: layer 2, and layer 1 again
        // through its self-loop, which is not taken twice to end at l0_0.
        // From l1_1: layers 2 and 3, and l1_1 itself by its two self-loops.
        // l2_0 alone is red.
        let by_hand = ["[Int(6)]", "[Int(6)]", "[Int(7)]", "[Int(4)]", "[Int(1)]"];
        assert_eq!(counted[..5], by_hand);
        let alone = ["[Int(0)]", "[Int(4)]", "[Int(1)]", "", "", "[Int(10)]"];
        assert_eq!(counted[18..24], alone);
        assert_eq!(
            counted[24..],
            ["[Int(10)]", "", "[Int(11)]", "[Int(10)]", "[Int(2)]"]
        );
    }

    /// A `count(*)` counts the rows a MATCH would send, where it finds
    /// them: the last hop's links, each a row, and each finished row, by
    /// the weight of its input row; as when the rows are sent, over
    /// self-loops, parallel links, a named path or link, several parts,
    /// many and weighted input rows, a WHERE checked on the row, a
    /// variable-length hop, no match at all, and where the count is not
    /// the row alone.
    #[test]
    fn a_count_of_rows_counts_them_as_they_are_found() {
        let mut db = ladder(3, 3);
        for q in [
            "MATCH (a:L {id: 'l0_0'}) CREATE (a)-[:T]->(a)",
            "MATCH (a:L {id: 'l1_0'}), (b:L {id: 'l2_2'}) CREATE (a)-[:T]->(b), (a)-[:T]->(b)",
        ] {
            answer(&mut db, q).unwrap();
        }
        let queries = [
            "MATCH (a:L {id: 'l0_0'})-[:T]->()-[:T]->(c) RETURN count(*)",
            "MATCH (a:L)-[:T]->(x)-[:T]->(c) RETURN count(*)",
            "MATCH p = (a:L {id: 'l0_0'})-[:T]->()-[:T]->(c) RETURN count(*)",
            "MATCH (a:L)-[r:T]->(c) RETURN count(*)",
            "MATCH (a:L {id: 'l1_0'}), (b:L)-[:T]->(c) RETURN count(*)",
            "UNWIND [1, 2, 3] AS i MATCH (a:L {id: 'l0_0'})-[:T]->(c) RETURN count(*)",
            "MATCH (a:L)-[:T]->(x) WITH a, x MATCH (x)-[:T]->(c) RETURN count(*)",
            "MATCH (a:L)-[:T]->(x) WITH a MATCH (a)-[:T]->(c) RETURN count(*)",
            "MATCH (a:L)-[:T]->(x) MATCH (a)-[:T]->()-[:T]->(c) RETURN count(*)",
            "MATCH (a:L)-[:T]->(x)-[:T]->(c) WHERE c.l = 2 RETURN count(*)",
            "MATCH (a:L {id: 'l0_0'})-[*1..3]->(c) RETURN count(*)",
            "MATCH (a:L {id: 'l9'})-[:T]->(c) RETURN count(*)",
            "MATCH (a:L)-[:T]->(c) RETURN count(*) AS n ORDER BY n",
            "MATCH (a:L)-[:T]->(c) RETURN count(*) AS n SKIP 1",
            "MATCH (a:L)-[:T]->(c) WITH count(*) AS n WHERE n > 3 RETURN n",
            "MATCH (a:L)-[:T]->(c) RETURN count(*) + 1 AS n",
            "MATCH (a:L) OPTIONAL MATCH (a)-[:U]->(c) RETURN count(*)",
        ];
        let mut counted = Vec::new();
        for q in queries {
            let on = answer_kept_and_as_rows(&mut db, q);
            counted.push(on.map(|r| r.concat()).unwrap_or_else(|e| e));
        }
        // By hand: from l0_0 its loop then its 3 other links (the loop is
        // not taken twice), and through layer 1 3 + 3 + 5 (l1_0's two
        // extra links): 14; 27 links between layers, the 2 extra, the link
        // back and the loop: 31; 3 input rows of l0_0's 4 links: 12.
        assert_eq!(counted[0], "[Int(14)]");
        assert_eq!(counted[3], "[Int(31)]");
        assert_eq!(counted[5], "[Int(12)]");
        assert!(plan(&mut db, queries[1]).contains("rows counted here"));
        assert!(!plan(&mut db, queries[15]).contains("counted here"));
    }

    /// A last hop whose link a WHERE tests counts the links that pass as
    /// the rows would, and as when conjuncts wait for the finished row
    /// (`Rule::PredicatePushdown` off): a number compared in the record
    /// either way round, a string, a float, an expression of the link
    /// alone, a date stored (evaluated, not read in place), a number
    /// compared with a string, tests that need another variable, one
    /// on the end (not counted in place), an input row's variable, many
    /// input rows, an error, and enough links to be tested in several
    /// batches.
    #[test]
    fn a_last_hop_tests_its_links_as_its_rows_would() {
        let mut db = ladder(3, 40);
        for q in [
            "MATCH (a:L)-[r:T]->(b:L) SET r.w = (a.l * 7 + b.l * 3 + size(b.id)) % 5, \
             r.tag = CASE WHEN b.l % 2 = 0 THEN 'even' ELSE 'odd' END",
            "MATCH (a:L {l: 1})-[r:T]->(b) SET r.d = date('2020-01-0' + toString(1 + r.w))",
            "MATCH (a:L {id: 'l1_3'})-[r:T]->(b) SET r.w = 'three'",
        ] {
            answer(&mut db, q).unwrap();
        }
        let hop = "MATCH (a:L {l: 0})-[:T]->(x)-[r:T]->(c)";
        let wheres = [
            "r.w > 2",
            "2 >= r.w",
            "r.tag = 'even'",
            "r.w <= 1.5",
            "r.w * 2 + 1 > 4",
            "r.d < date('2020-01-03')",
            "r.w <> 'three'",
            "r.w < x.l + 1",
            "r.w > 2 OR x.id = 'l1_5'",
            "r.w > 2 AND c.l = 2",
            "r.w > 2 AND r.tag = 'odd'",
            "r.w / 0 > 1",
        ];
        let mut counted = Vec::new();
        for w in wheres {
            for ret in ["count(DISTINCT c)", "count(*)"] {
                let q = format!("{hop} WHERE {w} RETURN {ret}");
                let on = answer_kept_and_as_rows(&mut db, &q);
                db.rules = Rules::default().without(Rule::PredicatePushdown);
                assert_eq!(answer(&mut db, &q), on, "{q}, checked on the row");
                db.rules = Rules::default();
                counted.push(on.map(|r| r.concat()).unwrap_or_else(|e| e));
            }
        }
        assert!(counted[22].contains("by zero"), "{}", counted[22]);
        // Many input rows, each counted by its own weight, and a test that
        // reads one of them.
        for q in [
            "UNWIND [1, 2, 3] AS i MATCH (a:L {id: 'l0_0'})-[:T]->(x)-[r:T]->(c) \
             WHERE r.w > 1 RETURN count(*)",
            "UNWIND [1, 2, 3] AS i MATCH (a:L {id: 'l0_0'})-[:T]->(x)-[r:T]->(c) \
             WHERE r.w > i RETURN count(*)",
            "UNWIND [1, 2, 3] AS i MATCH (a:L {id: 'l0_0'})-[:T]->(x)-[r:T]->(c) \
             WHERE r.w > i RETURN count(DISTINCT c)",
        ] {
            let on = answer_kept_and_as_rows(&mut db, q);
            db.rules = Rules::default().without(Rule::PredicatePushdown);
            assert_eq!(answer(&mut db, q), on, "{q}, checked on the row");
            db.rules = Rules::default();
            counted.push(on.map(|r| r.concat()).unwrap_or_else(|e| e));
        }
        // By hand: a link from layer 1 to c in layer 2 has w = (7 + 6 +
        // size(c.id)) % 5, 3 for the 30 c of a two-digit id and 2 for the
        // other 10, except l1_3's links (a string); 40 starts reach each
        // of the 39 other x.
        assert_eq!(
            counted[..4],
            ["[Int(30)]", "[Int(46800)]", "[Int(10)]", "[Int(15600)]"]
        );
    }

    /// Past the small set, through the kept plan again and as rows: 40
    /// starts reach layer 2 by 64,000 walks; from every node, the walks of
    /// 2 links end at 121 of the 160 (all but layer 0, bar `l0_0`, reached
    /// by the link back from `l3_0`).
    #[test]
    fn a_last_hop_past_the_small_set_counts_as_its_rows_would() {
        let mut db = ladder(3, 40);
        for (q, n) in [
            (
                "MATCH (a:L {l: 0})-[:T]->()-[:T]->(c) RETURN count(DISTINCT c)",
                40,
            ),
            (
                "MATCH (a:L)-[:T]->()-[:T]->(c) RETURN count(DISTINCT c)",
                121,
            ),
            (
                "MATCH (a:L)<-[:T]-()<-[:T]-(c) RETURN count(DISTINCT c)",
                121,
            ),
        ] {
            let want = Ok(vec![format!("[Int({n})]")]);
            assert_eq!(answer_kept_and_as_rows(&mut db, q), want, "{q}");
        }
    }

    /// 3^40 trails lead from the first node; the search reads each of the
    /// 121 nodes' links once. (The deadline only turns a regression into a
    /// failure instead of a hang.)
    #[test]
    fn an_unbounded_hop_over_countless_trails_ends() {
        let mut db = ladder(40, 3);
        db.cancel.deadline = Some(Instant::now() + Duration::from_secs(120));
        let q = "MATCH (a:L {id: 'l0_0'})-[*]->(b) RETURN count(DISTINCT b)";
        assert_eq!(answer(&mut db, q).unwrap(), ["[Int(121)]"]);
        assert!(plan(&mut db, q).contains(&format!("{BREADTH_FIRST}1 searches")));
    }
}

//! How a MATCH finds its parts: which part goes first, from which end, and
//! whether a part starts by scanning links or by walking from nodes. Decided
//! once per MATCH from the variables bound before it, so EXPLAIN prints what
//! runs.
//!
//! With `Rule::StartByCardinality` the choice follows estimated rows, from
//! the statistics the store keeps: node and link totals, and the nodes of
//! each label (counted once per commit). A bound variable, an actor literal
//! and an id or name seek are taken as one row each; a walk from `c` nodes
//! reads about `c · (1 + 2·links/nodes)` adjacency entries (both directions
//! are kept), a link scan reads every link once. Kùzu and Neo4j estimate
//! from the same counts; neither keeps histograms by default. Without the
//! rule the choice follows a fixed rank of access kinds.

use super::context::Ctx;
use super::pattern::{free_vars, new_variables};
use super::rules::Rule;
use crate::query::ast::{Expr, ExprKind, NodePattern, PathKind, PatternElement, PatternPart};
use crate::store::catalog::NameKind;

#[derive(Debug, Clone, PartialEq)]
pub struct PartPlan {
    /// The part's position in the pattern as written.
    pub part: usize,
    pub access: Access,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Access {
    /// The first hop's links read in id order, then the rest of the chain.
    LinkScan,
    /// One end's candidates, then the chain hop by hop through adjacency
    /// (`reversed`: from the last node back to the first).
    Walk { reversed: bool, start: Source },
    /// shortestPath, allShortestPaths or strongestPath from each start.
    PathSearch { start: Source },
}

/// Where a node pattern's candidates come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Bound(String),
    Actor(String),
    IndexSeek(String),
    LabelScan(String),
    AllNodes,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Bound(v) => write!(f, "Argument ({v})"),
            Source::Actor(a) => write!(f, "ActorSeek (@{a})"),
            Source::IndexSeek(k) => write!(f, "NodeIndexSeek ({k})"),
            Source::LabelScan(l) => write!(f, "NodeByLabelScan (:{l})"),
            Source::AllNodes => write!(f, "AllNodesScan"),
        }
    }
}

/// Orders the parts of one MATCH and picks each one's access path: the
/// part that is cheapest to start goes first, and the variables it binds
/// make the parts that share them cheap in turn. Ties keep the written
/// order.
pub fn plan_parts(ctx: &Ctx<'_, '_>, in_scope: &[String], parts: &[PatternPart]) -> Vec<PartPlan> {
    let est = Estimates::new(ctx);
    let mut bound: Vec<String> = in_scope.to_vec();
    let mut left: Vec<usize> = (0..parts.len()).collect();
    let mut out = Vec::with_capacity(parts.len());
    while !left.is_empty() {
        let is_bound = |v: &str| bound.iter().any(|b| b == v);
        let choices: Vec<(Cost, Access)> = left
            .iter()
            .map(|&i| est.best(&is_bound, &parts[i]))
            .collect();
        let mut best = 0;
        for k in 1..left.len() {
            if choices[k].0 < choices[best].0 {
                best = k;
            }
        }
        let i = left.remove(best);
        let access = choices.into_iter().nth(best).map(|(_, a)| a);
        out.push(PartPlan {
            part: i,
            access: access.unwrap_or(Access::LinkScan),
        });
        bound.extend(new_variables(std::slice::from_ref(&parts[i]), &bound));
    }
    out
}

/// What starting a part costs: estimated rows read, then the rank of the
/// access kind (so that equal estimates prefer a bound variable to a seek).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
struct Cost(f64, u8);

struct Estimates<'c, 'a, 'g> {
    ctx: &'c Ctx<'a, 'g>,
    by_cardinality: bool,
    nodes: f64,
    links: f64,
}

impl<'c, 'a, 'g> Estimates<'c, 'a, 'g> {
    fn new(ctx: &'c Ctx<'a, 'g>) -> Self {
        let meta = ctx.tx.meta();
        Estimates {
            ctx,
            by_cardinality: ctx.rules.on(Rule::StartByCardinality),
            nodes: meta.nodes as f64,
            links: meta.rels as f64,
        }
    }

    /// The cheapest way to start `part`, and its cost.
    fn best(&self, is_bound: &dyn Fn(&str) -> bool, part: &PatternPart) -> (Cost, Access) {
        let e = &part.element;
        let last = e.chain.last().map(|(_, n)| n).unwrap_or(&e.start);
        // Each end's source is found once: finding one clones its name and
        // may walk a property map.
        let (first_src, last_src) = (
            source(self.ctx, is_bound, &e.start),
            source(self.ctx, is_bound, last),
        );
        let (first_rank, last_rank) = (rank_of(&first_src), rank_of(&last_src));
        // A seekable end is taken as one row, fewer than any scan: no label
        // need be counted for a part that has one (nor for a cold start).
        let seek = part.kind == PathKind::Normal && first_rank.min(last_rank) < LABEL_SCAN;
        let cost = |n: &NodePattern, src: &Source, rank: u8| {
            if seek {
                Cost(0.0, rank)
            } else {
                self.start(n, src, rank)
            }
        };
        let from_start = cost(&e.start, &first_src, first_rank);
        let from_last = cost(last, &last_src, last_rank);
        if part.kind != PathKind::Normal {
            // A path search needs both ends: it costs its dearer one.
            let cost = if from_last > from_start {
                from_last
            } else {
                from_start
            };
            return (cost, Access::PathSearch { start: first_src });
        }
        let reversed = !e.chain.is_empty() && from_last < from_start;
        let walk = if reversed { from_last } else { from_start };
        let scan = self.scan_cost(is_bound, e, [first_rank, last_rank]);
        let access = Access::Walk {
            reversed,
            start: if reversed { last_src } else { first_src },
        };
        match scan {
            // The fixed rank takes a link scan wherever one may start.
            Some(scan) if scan < walk || !self.by_cardinality => (scan, Access::LinkScan),
            _ => (walk, access),
        }
    }

    /// The cost of starting at `n`, whose candidates come from `src`.
    fn start(&self, n: &NodePattern, src: &Source, rank: u8) -> Cost {
        if !self.by_cardinality {
            return Cost(0.0, rank);
        }
        let rows = match src {
            Source::Bound(_) | Source::Actor(_) | Source::IndexSeek(_) => 1.0,
            Source::LabelScan(_) => self.label_rows(n).max(1.0),
            Source::AllNodes => self.nodes,
        };
        let per_node = 1.0 + 2.0 * self.links / self.nodes.max(1.0);
        Cost(rows * per_node, rank)
    }

    /// The fewest nodes of the labels `n` requires (0 for a label no node
    /// has ever carried).
    fn label_rows(&self, n: &NodePattern) -> f64 {
        let mut rows = self.nodes;
        for l in &n.labels {
            let count = match self.ctx.tx.catalog().id(NameKind::Label, &l.name) {
                Some(id) => self.ctx.tx.label_count(id).map_or(self.nodes, |c| c as f64),
                None => 0.0,
            };
            rows = rows.min(count);
        }
        rows
    }

    /// What reading the first hop's links in id order costs, when a part
    /// may start so: its first hop is one link, and neither end nor the far
    /// end of the chain is bound or seekable (those are walked from).
    /// `ends`: the ranks of the part's first and last node.
    fn scan_cost(
        &self,
        is_bound: &dyn Fn(&str) -> bool,
        e: &PatternElement,
        ends: [u8; 2],
    ) -> Option<Cost> {
        let (r, next) = e.chain.first()?;
        if r.length.is_some() {
            return None;
        }
        let second = if e.chain.len() == 1 {
            ends[1]
        } else {
            rank_of(&source(self.ctx, is_bound, next))
        };
        let ranks = [ends[0], second, ends[1]];
        if ranks.iter().any(|&k| k < LABEL_SCAN) {
            return None;
        }
        if self.by_cardinality {
            return Some(Cost(self.links, LABEL_SCAN));
        }
        // The fixed rank: a typed first hop, or nothing narrowing its ends.
        let untyped_all = ranks[0] == ALL_NODES && ranks[1] == ALL_NODES;
        (!r.types.is_empty() || untyped_all).then_some(Cost(0.0, LABEL_SCAN))
    }
}

const LABEL_SCAN: u8 = 3;
const ALL_NODES: u8 = 4;

/// Rank of an access kind by how few candidates it usually yields.
fn rank_of(s: &Source) -> u8 {
    match s {
        Source::Bound(_) => 0,
        Source::Actor(_) => 1,
        Source::IndexSeek(_) => 2,
        Source::LabelScan(_) => LABEL_SCAN,
        Source::AllNodes => ALL_NODES,
    }
}

/// Where the matcher finds the candidates of `n`.
fn source(ctx: &Ctx<'_, '_>, is_bound: &dyn Fn(&str) -> bool, n: &NodePattern) -> Source {
    if let Some(v) = n.variable.as_ref().filter(|v| is_bound(&v.name)) {
        return Source::Bound(v.name.clone());
    }
    if let Some(a) = &n.actor {
        return Source::Actor(a.name.clone());
    }
    if let Some(Expr {
        kind: ExprKind::Map(entries),
        ..
    }) = &n.properties
    {
        // A value that reads a variable bound later cannot be looked up yet.
        let ready = |v: &Expr| {
            let mut vars = Vec::new();
            free_vars(v, &mut vars);
            vars.iter().all(|v| is_bound(v))
        };
        if let Some((k, _)) = entries.iter().find(|(k, v)| {
            crate::store::index::INDEXED_KEYS.contains(&k.name.as_str())
                && ctx.key_id(&k.name).is_some()
                && ready(v)
        }) {
            return Source::IndexSeek(k.name.clone());
        }
    }
    match n.labels.first() {
        Some(l) => Source::LabelScan(l.name.clone()),
        None => Source::AllNodes,
    }
}

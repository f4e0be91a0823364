//! The graph algorithms behind `CALL algo.…`: degree, weakly connected
//! components, PageRank and chokepoints.
//!
//! Parallel links are never merged: every link is counted (degree) or
//! carries rank (PageRank) on its own, so three SUPPLIES links from Belarus
//! to Russia weigh three times one. With a `weight` option each link counts
//! its weight instead of 1, and the weights of parallel links add up.

use super::algo_options::{type_ids, Options, Side};
use super::context::Ctx;
use crate::error::Error;
use crate::result::Warning;
use crate::store::keys::Dir;
use crate::value::{NodeId, Value};
use std::collections::{HashMap, HashSet, VecDeque};

/// `algo.degree({types, direction, weight, defaultWeight})`: per node, its
/// outgoing and incoming links and `degree`, the links of `direction`
/// (default both). Counts are integers; weighted sums are floats.
pub fn degree(ctx: &mut Ctx<'_, '_>, config: Option<&Value>) -> Result<Vec<Vec<Value>>, Error> {
    const P: &str = "algo.degree";
    let o = Options::read(
        ctx,
        P,
        config,
        &["types", "direction", "weight", "defaultWeight"],
    )?;
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for n in ctx.tx.all_node_ids()? {
        ctx.tick()?;
        let mut sums = [0.0f64; 2];
        for (i, dir) in [Dir::Out, Dir::In].into_iter().enumerate() {
            buf.clear();
            ctx.tx.expand(n, Some(dir), o.types.as_deref(), &mut buf)?;
            for e in &buf {
                sums[i] += o.weight_of(ctx, P, e.rel)?;
            }
        }
        let [o_sum, i_sum] = sums;
        let d = match o.direction {
            Side::Out => o_sum,
            Side::In => i_sum,
            Side::Both => o_sum + i_sum,
        };
        let num = |x: f64| {
            if o.weighted {
                Value::Float(x)
            } else {
                Value::Int(x as i64)
            }
        };
        out.push(vec![Value::Node(n), num(o_sum), num(i_sum), num(d)]);
    }
    Ok(out)
}

/// Outgoing links of every node, once, as (neighbour, weight).
type Lists = HashMap<NodeId, Vec<(NodeId, f64)>>;

fn out_lists(
    ctx: &mut Ctx<'_, '_>,
    proc: &str,
    o: Option<&Options>,
) -> Result<(Vec<NodeId>, Lists), Error> {
    let nodes = ctx.tx.all_node_ids()?;
    let mut adj = HashMap::with_capacity(nodes.len());
    let mut buf = Vec::new();
    let types = o.and_then(|o| o.types.as_deref());
    for &n in &nodes {
        ctx.tick()?;
        buf.clear();
        ctx.tx.expand(n, Some(Dir::Out), types, &mut buf)?;
        let mut list = Vec::with_capacity(buf.len());
        for e in &buf {
            let w = match o {
                Some(o) => o.weight_of(ctx, proc, e.rel)?,
                None => 1.0,
            };
            list.push((e.other, w));
        }
        adj.insert(n, list);
    }
    Ok((nodes, adj))
}

/// `algo.wcc()`: components numbered by their smallest node id.
pub fn wcc(ctx: &mut Ctx<'_, '_>) -> Result<Vec<Vec<Value>>, Error> {
    let (nodes, adj) = out_lists(ctx, "algo.wcc", None)?;
    let mut parent: HashMap<NodeId, NodeId> = nodes.iter().map(|&n| (n, n)).collect();
    fn find(p: &mut HashMap<NodeId, NodeId>, mut x: NodeId) -> NodeId {
        while p[&x] != x {
            let up = p[&p[&x]];
            p.insert(x, up);
            x = up;
        }
        x
    }
    for (&a, outs) in &adj {
        for &(b, _) in outs {
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            if ra != rb {
                parent.insert(ra.max(rb), ra.min(rb));
            }
        }
    }
    Ok(nodes
        .iter()
        .map(|&n| vec![Value::Node(n), Value::Int(find(&mut parent, n) as i64)])
        .collect())
}

/// `algo.pagerank({damping, iterations, weight, types, defaultWeight})`:
/// each step a node keeps `1 - damping` spread evenly and passes `damping`
/// of its rank along its links in proportion to their weights; a node with
/// no outgoing weight spreads its rank over every node. Scores sum to 1.
pub fn pagerank(ctx: &mut Ctx<'_, '_>, config: Option<&Value>) -> Result<Vec<Vec<Value>>, Error> {
    const P: &str = "algo.pagerank";
    let o = Options::read(
        ctx,
        P,
        config,
        &["damping", "iterations", "weight", "types", "defaultWeight"],
    )?;
    let (nodes, adj) = out_lists(ctx, P, Some(&o))?;
    if let Some((_, w)) = adj.values().flatten().find(|(_, w)| *w < 0.0) {
        return Err(Error::runtime(
            crate::error::ErrorKind::ArgumentError,
            "NumberOutOfRange",
            format!("{P}: a link weighs {w}; PageRank needs weights of 0 or more"),
        ));
    }
    let total: HashMap<NodeId, f64> = adj
        .iter()
        .map(|(&v, outs)| (v, outs.iter().map(|(_, w)| w).sum()))
        .collect();
    let n = nodes.len().max(1) as f64;
    let d = o.damping;
    let mut score: HashMap<NodeId, f64> = nodes.iter().map(|&v| (v, 1.0 / n)).collect();
    for _ in 0..o.iterations {
        ctx.cancel.check()?;
        let dangling: f64 = nodes
            .iter()
            .filter(|v| total[v] <= 0.0)
            .map(|v| score[v])
            .sum();
        let mut next: HashMap<NodeId, f64> = nodes
            .iter()
            .map(|&v| (v, (1.0 - d) / n + d * dangling / n))
            .collect();
        for &v in &nodes {
            if total[&v] > 0.0 {
                let rank = d * score[&v] / total[&v];
                for (w, weight) in &adj[&v] {
                    *next.entry(*w).or_insert(0.0) += rank * weight;
                }
            }
        }
        score = next;
    }
    Ok(nodes
        .iter()
        .map(|&v| vec![Value::Node(v), Value::Float(score[&v])])
        .collect())
}

/// Actors that every directed path from `from` to `to` passes through, in
/// path order: the candidates lie on any one path, and each is tested by
/// searching again without it. No rows either way, so a warning tells "no
/// path at all" from "paths, but no single actor on all of them".
pub fn chokepoints(ctx: &mut Ctx<'_, '_>, args: &[Value]) -> Result<Vec<Vec<Value>>, Error> {
    const P: &str = "algo.chokepoints";
    let (Some(Value::Node(from)), Some(Value::Node(to))) = (args.first(), args.get(1)) else {
        return Ok(vec![]);
    };
    let types = match args.get(2) {
        None | Some(Value::Null) => None,
        Some(v) => Some(type_ids(ctx, P, v)?),
    };
    let over = match args.get(2) {
        Some(Value::List(t)) if !t.is_empty() => " over the types given",
        Some(Value::String(_)) => " over the type given",
        _ => "",
    };
    let Some(path) = bfs_path(ctx, *from, *to, types.as_deref(), None)? else {
        note(
            ctx,
            "NoPathWarning",
            format!(
                "{P}: there is no path from {} to {}{over}, so there is nothing to cut",
                actor(ctx, *from),
                actor(ctx, *to)
            ),
        );
        return Ok(vec![]);
    };
    let mut out = Vec::new();
    for (i, &v) in path
        .iter()
        .enumerate()
        .skip(1)
        .take(path.len().saturating_sub(2))
    {
        if bfs_path(ctx, *from, *to, types.as_deref(), Some(v))?.is_none() {
            out.push(vec![Value::Node(v), Value::Int(i as i64)]);
        }
    }
    if out.is_empty() {
        let why = match path.len() {
            1 => "they are the same actor",
            2 => "a direct link joins them, which no actor between them can cut",
            _ => "paths exist, but no single actor lies on all of them",
        };
        note(
            ctx,
            "NoSingleChokepointWarning",
            format!(
                "{P}: from {} to {}{over}: {why}",
                actor(ctx, *from),
                actor(ctx, *to)
            ),
        );
    }
    Ok(out)
}

fn note(ctx: &Ctx<'_, '_>, code: &'static str, message: String) {
    let mut warnings = ctx.warnings.borrow_mut();
    if warnings.iter().any(|w| w.message == message) {
        return;
    }
    warnings.push(Warning {
        code,
        message,
        span: None,
    });
}

/// An actor as a message names it: `@id`, else its node id.
fn actor(ctx: &Ctx<'_, '_>, n: NodeId) -> String {
    let id = ctx
        .key_id("id")
        .and_then(|k| ctx.node_prop(n, k).ok().flatten());
    match id {
        Some(Value::String(s)) => format!("@{s}"),
        Some(Value::Int(i)) => format!("@{i}"),
        _ => format!("node {n}"),
    }
}

fn bfs_path(
    ctx: &mut Ctx<'_, '_>,
    from: NodeId,
    to: NodeId,
    types: Option<&[u32]>,
    without: Option<NodeId>,
) -> Result<Option<Vec<NodeId>>, Error> {
    let mut prev: HashMap<NodeId, NodeId> = HashMap::new();
    let mut seen: HashSet<NodeId> = HashSet::from([from]);
    let mut queue = VecDeque::from([from]);
    let mut buf = Vec::new();
    while let Some(n) = queue.pop_front() {
        ctx.tick()?;
        if n == to {
            let mut path = vec![to];
            let mut cur = to;
            while let Some(&p) = prev.get(&cur) {
                path.push(p);
                cur = p;
            }
            path.reverse();
            return Ok(Some(path));
        }
        buf.clear();
        ctx.tx.expand(n, Some(Dir::Out), types, &mut buf)?;
        for e in &buf {
            if Some(e.other) != without && seen.insert(e.other) {
                prev.insert(e.other, n);
                queue.push_back(e.other);
            }
        }
    }
    Ok(None)
}

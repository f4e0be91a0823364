//! `MATCH p = shortestPath((a)-[:T*..n]->(b))` with `a` and `b` bound: the
//! length of a shortest path, by a breadth-first `WITH RECURSIVE`.
//!
//! Spark's recursive CTEs allow neither aggregation nor anti-joins on the
//! recursive side, so one row per (a, b) pair carries its frontier and the
//! set of actors seen, and a step expands the frontier through an adjacency
//! map built once (`__adj`) and carried in the row, so that a level is a
//! projection of one row per pair, with no scan or shuffle. That map is one
//! value: fine for millions of links, not for billions (see README).

use super::pattern::{filter, select_list};
use super::sql::{ident, string};
use super::{unsupported, Cx, Kind, Scope, Var};
use crate::error::Error;
use crate::query::ast::{Direction, Match, NodePattern, PathKind};

/// Spark's default limit on recursion levels (`spark.sql.cteRecursionLevelLimit`).
const MAX_LEVELS: u64 = 100;

fn bound_node(scope: &Scope, np: &NodePattern) -> Result<String, Error> {
    match &np.variable {
        Some(v)
            if scope.kind_of(&v.name) == Some(Kind::Node)
                && np.labels.is_empty()
                && np.properties.is_none()
                && np.actor.is_none() =>
        {
            Ok(v.name.clone())
        }
        _ => Err(unsupported(
            "shortestPath between nodes not bound by an earlier MATCH",
            np.span,
        )),
    }
}

pub fn shortest_match(cx: &mut Cx, scope: Scope, m: &Match) -> Result<Scope, Error> {
    let [part] = &m.pattern[..] else {
        return Err(unsupported("shortestPath beside other patterns", m.span));
    };
    if m.optional {
        return Err(unsupported("OPTIONAL MATCH of a shortest path", m.span));
    }
    if part.kind != PathKind::Shortest {
        return Err(unsupported("allShortestPaths and strongestPath", part.span));
    }
    let el = &part.element;
    let [(rel, end)] = &el.chain[..] else {
        return Err(unsupported(
            "shortestPath over more than one hop pattern",
            el.span,
        ));
    };
    let from = bound_node(&scope, &el.start)?;
    let to = bound_node(&scope, end)?;
    if rel.variable.is_some() || rel.properties.is_some() {
        return Err(unsupported(
            "a named or property-filtered link in shortestPath",
            rel.span,
        ));
    }
    let (min, max) = match rel.length {
        Some(l) => (l.min.unwrap_or(1), l.max.unwrap_or(MAX_LEVELS)),
        None => (1, 1),
    };
    if min > 1 || max > MAX_LEVELS {
        return Err(unsupported(
            &format!("shortestPath with a minimum above 1 or a maximum above {MAX_LEVELS}"),
            rel.span,
        ));
    }
    let types = if rel.types.is_empty() {
        String::new()
    } else {
        let t: Vec<String> = rel.types.iter().map(|t| string(&t.name)).collect();
        format!(" WHERE `_type` IN ({})", t.join(", "))
    };
    let edges = match rel.direction {
        Direction::Outgoing => format!("SELECT `_src` AS s, `_dst` AS n FROM links{types}"),
        Direction::Incoming => format!("SELECT `_dst` AS s, `_src` AS n FROM links{types}"),
        Direction::Both => format!(
            "SELECT `_src` AS s, `_dst` AS n FROM links{types} UNION ALL SELECT `_dst` AS s, `_src` AS n FROM links{types}"
        ),
    };
    let (fi, ti) = (ident(&from), ident(&to));
    let (p, b, x) = (cx.fresh("p"), cx.fresh("b"), cx.fresh("l"));
    let pairs = format!(
        "SELECT DISTINCT {p}.{fi}.`_id` AS src, {p}.{ti}.`_id` AS dst FROM {}",
        scope.from(&p)
    );
    let bfs = format!(
        "WITH RECURSIVE __adj AS (
    SELECT map_from_entries(collect_list(struct(s, n))) AS m
    FROM (SELECT s, collect_set(n) AS n FROM ({edges}) __e GROUP BY s) __g
  ), __bfs(src, dst, frontier, seen, d, adj) AS (
    SELECT src, dst, array(src), array(src), 0L, __adj.m FROM ({pairs}) __s CROSS JOIN __adj
    UNION ALL
    SELECT src, dst, nf, array_union(seen, nf), d + 1, adj FROM (
      SELECT r.src, r.dst, r.seen, r.d, r.adj,
        array_except(array_distinct(flatten(transform(r.frontier, {x} -> coalesce(try_element_at(r.adj, {x}), array())))), r.seen) AS nf
      FROM __bfs r
      WHERE r.d < {max} AND NOT array_contains(r.frontier, r.dst)
    ) __n WHERE size(nf) > 0
  )
  SELECT src, dst, min(d) AS d FROM __bfs
  WHERE array_contains(frontier, dst) AND d >= {min} GROUP BY src, dst"
    );
    let mut cols = scope.columns(&p);
    let mut vars = scope.vars.clone();
    if let Some(v) = &part.variable {
        cols.push(format!("named_struct('len', {b}.d) AS {}", ident(&v.name)));
        vars.push(Var {
            name: v.name.clone(),
            kind: Kind::PathLen,
        });
    }
    let sql = format!(
        "SELECT {} FROM {} JOIN (\n  {bfs}\n) {b} ON {b}.src = {p}.{fi}.`_id` AND {b}.dst = {p}.{ti}.`_id`",
        select_list(cols),
        scope.from(&p)
    );
    let out = Scope {
        sql: Some(sql),
        vars,
    };
    match &m.where_ {
        Some(w) => filter(cx, out, w),
        None => Ok(out),
    }
}

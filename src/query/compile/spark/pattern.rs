//! MATCH and OPTIONAL MATCH: a pattern as joins of `actors` and `links`.
//!
//! Each part is walked from its bound or most constrained end (Spark joins
//! in the order written: no cost-based reordering by default). A bounded
//! variable-length hop is unrolled: one SELECT per combination of lengths,
//! joined by UNION ALL; every link of one match differs from every other
//! (`e1._id <> e2._id`), Cypher's trail semantics. An anonymous node with
//! no labels or properties needs no join: a link's ends always exist.

use super::as_of::AsOf;
use super::expr::{expr, Env};
use super::sql::{ident, string};
use super::{unsupported, Cx, Kind, Scope, Ty, Var};
use crate::error::Error;
use crate::query::ast::{
    Direction, Expr, ExprKind, Match, NodePattern, PathKind, RelPattern, Span,
};
use std::collections::HashMap;

/// Most SELECTs one MATCH may unroll to.
const MAX_BRANCHES: usize = 64;
/// Longest hop a variable-length pattern may unroll to.
const MAX_UNROLL: u64 = 10;

pub fn match_clause(cx: &mut Cx, scope: Scope, m: &Match) -> Result<Scope, Error> {
    if m.pattern.iter().any(|p| p.kind != PathKind::Normal) {
        if let Some(t) = &m.as_of {
            return Err(unsupported("AS OF with a shortest path", t.span));
        }
        return super::shortest::shortest_match(cx, scope, m);
    }
    if m.optional {
        optional(cx, scope, m)
    } else {
        plain(cx, scope, m)
    }
}

/// A SELECT list; SQL needs one column even where Cypher has none.
pub fn select_list(cols: Vec<String>) -> String {
    if cols.is_empty() {
        "1 AS __one".into()
    } else {
        cols.join(", ")
    }
}

/// `SELECT cols FROM (scope) WHERE pred`.
pub fn filter(cx: &mut Cx, scope: Scope, pred: &Expr) -> Result<Scope, Error> {
    let env = Env::of_scope(&scope);
    let (p, t) = expr(cx, &env, pred)?;
    let p = if t == Ty::Null {
        format!("CAST({p} AS BOOLEAN)")
    } else {
        p
    };
    let a = cx.fresh("f");
    let sql = format!(
        "SELECT {} FROM {} WHERE {p}",
        select_list(scope.columns(&a)),
        scope.from(&a)
    );
    Ok(Scope {
        sql: Some(sql),
        vars: scope.vars,
    })
}

fn plain(cx: &mut Cx, scope: Scope, m: &Match) -> Result<Scope, Error> {
    // The lengths each variable-length hop takes, in pattern order.
    let mut ranges: Vec<Vec<u64>> = Vec::new();
    for part in &m.pattern {
        for (rel, _) in &part.element.chain {
            if let Some(len) = rel.length {
                let min = len.min.unwrap_or(1);
                let Some(max) = len.max else {
                    return Err(unsupported(
                        "a variable-length pattern without an upper bound",
                        rel.span,
                    ));
                };
                if min == 0 {
                    return Err(unsupported(
                        "a variable-length pattern of length 0",
                        rel.span,
                    ));
                }
                if max > MAX_UNROLL {
                    return Err(unsupported(
                        &format!("a variable-length pattern longer than {MAX_UNROLL}"),
                        rel.span,
                    ));
                }
                ranges.push((min..=max).collect());
            }
        }
    }
    let mut combos: Vec<Vec<u64>> = vec![vec![]];
    for r in &ranges {
        let mut next = Vec::new();
        for c in &combos {
            for len in r {
                let mut c = c.clone();
                c.push(*len);
                next.push(c);
            }
        }
        combos = next;
        if combos.len() > MAX_BRANCHES {
            return Err(unsupported(
                "variable-length patterns with this many combinations of lengths",
                m.span,
            ));
        }
    }
    let mut selects = Vec::new();
    let mut vars = Vec::new();
    for lengths in &combos {
        let (sql, out) = branch(cx, &scope, m, lengths)?;
        selects.push(sql);
        vars = out;
    }
    let mut all = scope.vars.clone();
    all.extend(vars);
    let out = Scope {
        sql: Some(selects.join("\nUNION ALL\n")),
        vars: all,
    };
    match &m.where_ {
        Some(w) => filter(cx, out, w),
        None => Ok(out),
    }
}

/// OPTIONAL MATCH: the match over the distinct bound values it uses, left
/// joined to the rows so far (its WHERE inside, as Cypher requires).
fn optional(cx: &mut Cx, scope: Scope, m: &Match) -> Result<Scope, Error> {
    let mut used = Vec::new();
    for part in &m.pattern {
        let mut names = vec![part.element.start.variable.as_ref()];
        for (r, n) in &part.element.chain {
            names.push(r.variable.as_ref());
            names.push(n.variable.as_ref());
        }
        used.extend(names.into_iter().flatten().map(|i| i.name.clone()));
    }
    if let Some(w) = &m.where_ {
        variables(w, &mut used);
    }
    let keys: Vec<Var> = scope
        .vars
        .iter()
        .filter(|v| used.contains(&v.name))
        .cloned()
        .collect();
    let k = cx.fresh("k");
    let key_scope = Scope {
        sql: Some(match &scope.sql {
            Some(_) => format!(
                "SELECT DISTINCT {} FROM {}",
                select_list(
                    keys.iter()
                        .map(|v| format!("{k}.{} AS {}", ident(&v.name), ident(&v.name)))
                        .collect()
                ),
                scope.from(&k)
            ),
            None => "SELECT 1 AS __one".into(),
        }),
        vars: keys.clone(),
    };
    let inner = plain(
        cx,
        key_scope,
        &Match {
            optional: false,
            ..m.clone()
        },
    )?;
    let (p, mm) = (cx.fresh("p"), cx.fresh("m"));
    let mut on = Vec::new();
    for v in &keys {
        let n = ident(&v.name);
        match v.kind {
            Kind::Node | Kind::Rel => on.push(format!("{p}.{n}.`_id` = {mm}.{n}.`_id`")),
            Kind::Value(_) => on.push(format!("{p}.{n} <=> {mm}.{n}")),
            _ => {
                return Err(unsupported(
                    &format!("OPTIONAL MATCH on the path or list {}", v.name),
                    m.span,
                ))
            }
        }
    }
    let new: Vec<Var> = inner
        .vars
        .iter()
        .filter(|v| !keys.iter().any(|k| k.name == v.name))
        .cloned()
        .collect();
    let mut cols = scope.columns(&p);
    cols.extend(
        new.iter()
            .map(|v| format!("{mm}.{} AS {}", ident(&v.name), ident(&v.name))),
    );
    let on = if on.is_empty() {
        "TRUE".to_string()
    } else {
        on.join(" AND ")
    };
    let sql = format!(
        "SELECT {} FROM {} LEFT JOIN {} ON {on}",
        select_list(cols),
        scope.from(&p),
        inner.from(&mm)
    );
    let mut vars = scope.vars;
    vars.extend(new);
    Ok(Scope {
        sql: Some(sql),
        vars,
    })
}

/// Every variable name `e` mentions.
fn variables(e: &Expr, out: &mut Vec<String>) {
    super::expr::walk(e, &mut |x| {
        if let ExprKind::Variable(v, _) = &x.kind {
            out.push(v.clone());
        }
    });
}

/// Builds one SELECT of a MATCH, every variable-length hop at a fixed length.
struct Branch<'s> {
    scope: &'s Scope,
    as_of: Option<(AsOf, Span)>,
    from: String,
    conds: Vec<String>,
    /// Node variable -> (key SQL, struct SQL) for variables bound so far.
    nodes: HashMap<String, (String, String)>,
    out: Vec<(Var, String)>,
    edges: Vec<String>,
}

/// A node of the unrolled pattern: a pattern's node, or one inside a
/// variable-length hop (anonymous and free).
type Step<'a> = Option<&'a NodePattern>;

fn flip(d: Direction) -> Direction {
    match d {
        Direction::Outgoing => Direction::Incoming,
        Direction::Incoming => Direction::Outgoing,
        Direction::Both => Direction::Both,
    }
}

impl<'s> Branch<'s> {
    fn join(&mut self, table: &str, alias: &str, on: Option<String>) {
        if self.from.is_empty() {
            self.from = format!("{table} {alias}");
            if let Some(c) = on {
                self.conds.push(c);
            }
        } else {
            match on {
                Some(c) => self
                    .from
                    .push_str(&format!("\n  JOIN {table} {alias} ON {c}")),
                None => self
                    .from
                    .push_str(&format!("\n  CROSS JOIN {table} {alias}")),
            }
        }
    }

    fn bound(&self, name: &str) -> Option<(String, String)> {
        if let Some(k) = self.nodes.get(name) {
            return Some(k.clone());
        }
        match self.scope.kind_of(name) {
            Some(Kind::Node) => {
                let s = format!("__p.{}", ident(name));
                Some((format!("{s}.`_id`"), s))
            }
            _ => None,
        }
    }

    /// Visits a node reached through `far` (None: the part's first node).
    /// Returns its key, or None for a free first node (the next hop starts
    /// from the links table).
    fn node(
        &mut self,
        cx: &mut Cx,
        np: Step,
        far: Option<String>,
    ) -> Result<Option<String>, Error> {
        let Some(np) = np else {
            return Ok(far);
        };
        if let Some(a) = &np.actor {
            return Err(unsupported("an actor literal in a pattern", a.span));
        }
        let name = np.variable.as_ref().map(|v| v.name.clone());
        if let Some(n) = &name {
            if self.scope.kind_of(n).is_some_and(|k| k != Kind::Node) {
                return Err(unsupported(&format!("{n} as a node here"), np.span));
            }
        }
        let (key, base) = match name.as_deref().and_then(|n| self.bound(n)) {
            Some((key, base)) => {
                if let Some(f) = far {
                    self.conds.push(format!("{f} = {key}"));
                }
                (key, base)
            }
            None => {
                if name.is_none()
                    && np.labels.is_empty()
                    && np.properties.is_none()
                    && far.is_some()
                {
                    return Ok(far);
                }
                if name.is_none() && np.labels.is_empty() && np.properties.is_none() {
                    return Ok(None);
                }
                let t = cx.fresh("n");
                self.join("actors", &t, far.map(|f| format!("{t}.`_id` = {f}")));
                let key = format!("{t}.`_id`");
                if let Some(n) = &name {
                    self.nodes.insert(n.clone(), (key.clone(), t.clone()));
                    self.out.push((
                        Var {
                            name: n.clone(),
                            kind: Kind::Node,
                        },
                        format!("struct({t}.*)"),
                    ));
                }
                (key, t)
            }
        };
        for l in &np.labels {
            self.conds.push(format!(
                "array_contains({base}.`_labels`, {})",
                string(&l.name)
            ));
        }
        if let Some(p) = &np.properties {
            self.properties(cx, &base, false, p)?;
        }
        Ok(Some(key))
    }

    fn properties(&mut self, cx: &mut Cx, base: &str, rel: bool, map: &Expr) -> Result<(), Error> {
        let ExprKind::Map(items) = &map.kind else {
            return Err(unsupported("a property map given as a parameter", map.span));
        };
        let env = Env::default();
        for (i, (k, v)) in items.iter().enumerate() {
            // A key written again keeps its last value, as in any map.
            if items[i + 1..].iter().any(|(later, _)| later.name == k.name) {
                continue;
            }
            let (vs, _) = expr(cx, &env, v)?;
            let col = super::expr::property_column(cx, base, rel, v, &k.name)?;
            self.conds.push(format!("{col} = {vs}"));
        }
        Ok(())
    }

    /// Joins one link leaving `cur` in direction `dir`; returns its alias
    /// and the key of the node it reaches.
    fn hop(
        &mut self,
        cx: &mut Cx,
        rel: &RelPattern,
        dir: Direction,
        cur: Option<String>,
    ) -> Result<(String, String), Error> {
        if let Some(v) = &rel.variable {
            if self.scope.kind_of(&v.name).is_some() {
                return Err(unsupported(
                    &format!("the bound relationship {} in a pattern", v.name),
                    rel.span,
                ));
            }
        }
        let e = cx.fresh("e");
        let (near, far) = match dir {
            Direction::Outgoing => ("_src", "_dst"),
            _ => ("_dst", "_src"),
        };
        let mut on = Vec::new();
        let far_key = match (dir, &cur) {
            (Direction::Both, Some(c)) => {
                on.push(format!("({e}.`_src` = {c} OR {e}.`_dst` = {c})"));
                format!("(CASE WHEN {e}.`_src` = {c} THEN {e}.`_dst` ELSE {e}.`_src` END)")
            }
            (Direction::Both, None) => {
                return Err(unsupported(
                    "an undirected link between two unconstrained nodes",
                    rel.span,
                ))
            }
            (_, Some(c)) => {
                on.push(format!("{e}.`{near}` = {c}"));
                format!("{e}.`{far}`")
            }
            (_, None) => format!("{e}.`{far}`"),
        };
        if !rel.types.is_empty() {
            let types: Vec<String> = rel.types.iter().map(|t| string(&t.name)).collect();
            on.push(format!("{e}.`_type` IN ({})", types.join(", ")));
        }
        let on = (!on.is_empty()).then(|| on.join(" AND "));
        self.join("links", &e, on);
        if let Some(p) = &rel.properties {
            self.properties(cx, &e, true, p)?;
        }
        if let Some((a, span)) = &self.as_of {
            let conds = a.conditions(cx, &e, *span)?;
            self.conds.extend(conds);
        }
        self.edges.push(e.clone());
        Ok((e, far_key))
    }
}

/// How much a node narrows the search: bound beats a property map beats nothing.
fn score(scope: &Scope, seen: &[String], np: &NodePattern) -> u8 {
    match &np.variable {
        Some(v) if scope.kind_of(&v.name).is_some() || seen.contains(&v.name) => 3,
        _ if np.properties.is_some() || np.actor.is_some() => 2,
        _ => 0,
    }
}

fn branch(
    cx: &mut Cx,
    scope: &Scope,
    m: &Match,
    lengths: &[u64],
) -> Result<(String, Vec<Var>), Error> {
    let as_of = match &m.as_of {
        Some(t) => Some((AsOf::new(cx, t)?, t.span)),
        None => None,
    };
    let mut b = Branch {
        scope,
        as_of,
        from: String::new(),
        conds: Vec::new(),
        nodes: HashMap::new(),
        out: Vec::new(),
        edges: Vec::new(),
    };
    if scope.sql.is_some() {
        b.from = scope.from("__p");
    }
    let mut lengths = lengths.iter();
    let mut seen: Vec<String> = Vec::new();
    for part in &m.pattern {
        let el = &part.element;
        // Unroll: steps[i] -- hops[i] -- steps[i+1]; `orig` is the chain index.
        let mut steps: Vec<Step> = vec![Some(&el.start)];
        let mut hops: Vec<(&RelPattern, usize)> = Vec::new();
        for (i, (rel, np)) in el.chain.iter().enumerate() {
            let len = match rel.length {
                Some(_) => *lengths.next().unwrap_or(&1),
                None => 1,
            };
            for j in 0..len {
                hops.push((rel, i));
                steps.push(if j + 1 == len { Some(np) } else { None });
            }
        }
        let first = score(scope, &seen, &el.start);
        let last = el.chain.last().map_or(0, |(_, n)| score(scope, &seen, n));
        let reversed = last > first;
        let mut edge_of = vec![String::new(); hops.len()];
        if reversed {
            let mut cur = b.node(cx, steps[hops.len()], None)?;
            for i in (0..hops.len()).rev() {
                let (rel, _) = hops[i];
                let (e, far) = b.hop(cx, rel, flip(rel.direction), cur)?;
                edge_of[i] = e.clone();
                if let Some(v) = rel.variable.as_ref().filter(|_| rel.length.is_none()) {
                    b.out.push((rel_var(&v.name), format!("struct({e}.*)")));
                }
                cur = b.node(cx, steps[i], Some(far))?;
            }
        } else {
            let mut cur = b.node(cx, steps[0], None)?;
            for (i, (rel, _)) in hops.iter().enumerate() {
                let (e, far) = b.hop(cx, rel, rel.direction, cur)?;
                edge_of[i] = e.clone();
                if let Some(v) = rel.variable.as_ref().filter(|_| rel.length.is_none()) {
                    b.out.push((rel_var(&v.name), format!("struct({e}.*)")));
                }
                cur = b.node(cx, steps[i + 1], Some(far))?;
            }
        }
        if hops.is_empty() && b.from.is_empty() {
            return Err(unsupported(
                "a pattern of one unconstrained anonymous node",
                el.span,
            ));
        }
        // Variable-length relationships: their links in path order.
        for (i, (rel, _)) in el.chain.iter().enumerate() {
            if let (Some(v), Some(_)) = (&rel.variable, rel.length) {
                let links: Vec<String> = hops
                    .iter()
                    .zip(&edge_of)
                    .filter(|((_, o), _)| *o == i)
                    .map(|(_, e)| format!("struct({e}.*)"))
                    .collect();
                b.out.push((
                    Var {
                        name: v.name.clone(),
                        kind: Kind::RelList,
                    },
                    format!("array({})", links.join(", ")),
                ));
            }
        }
        if let Some(p) = &part.variable {
            if hops.is_empty() {
                return Err(unsupported("a path of length 0", part.span));
            }
            let links: Vec<String> = edge_of.iter().map(|e| format!("struct({e}.*)")).collect();
            b.out.push((
                Var {
                    name: p.name.clone(),
                    kind: Kind::Path,
                },
                format!(
                    "named_struct('len', {}L, 'rels', array({}))",
                    hops.len(),
                    links.join(", ")
                ),
            ));
        }
        for n in std::iter::once(&el.start).chain(el.chain.iter().map(|(_, n)| n)) {
            if let Some(v) = &n.variable {
                seen.push(v.name.clone());
            }
        }
    }
    // Trail semantics: no link twice in one match.
    for i in 0..b.edges.len() {
        for j in i + 1..b.edges.len() {
            b.conds
                .push(format!("{}.`_id` <> {}.`_id`", b.edges[i], b.edges[j]));
        }
    }
    let mut cols = scope.columns("__p");
    cols.extend(
        b.out
            .iter()
            .map(|(v, s)| format!("{s} AS {}", ident(&v.name))),
    );
    let mut sql = format!("SELECT {}\nFROM {}", select_list(cols), b.from);
    if !b.conds.is_empty() {
        sql.push_str(&format!("\nWHERE {}", b.conds.join("\n  AND ")));
    }
    Ok((sql, b.out.into_iter().map(|(v, _)| v).collect()))
}

fn rel_var(name: &str) -> Var {
    Var {
        name: name.to_string(),
        kind: Kind::Rel,
    }
}

//! Which variables a query still reads after each clause. A row fans out
//! at UNWIND and MATCH: every output row copies its input row, so a value
//! nobody reads again (a large list kept by WITH) would be copied into
//! each of them. Those columns are cleared before the fan-out, as Kùzu and
//! DuckDB prune columns that later operators do not use.

use super::pattern::{free_vars, pattern_vars};
use super::projection::{aggregates_in, is_plain_count};
use crate::query::ast::{Clause, Expr, ExprKind, PatternPart, Query, RemoveItem, SetItem};
use crate::query::bind::func::{Aggregate, Func};
use crate::query::bind::symbols::Sym;

/// For each clause `i`, the variables that clauses `i..` mention, or none
/// when one of them projects `*` (then every variable stays). Walking back
/// from the last clause only adds names, so each clause's are a prefix of
/// one list.
pub struct Mentioned {
    names: Vec<String>,
    /// Per clause, how many of `names` it and the later clauses mention.
    ends: Vec<Option<usize>>,
}

impl Mentioned {
    pub fn new(clauses: &[Clause]) -> Mentioned {
        let mut names = Vec::new();
        let mut ends = vec![None; clauses.len()];
        let mut star = false;
        for (i, c) in clauses.iter().enumerate().rev() {
            // `*`: a subquery in it projects everything (`pattern::free_vars`).
            star = star || clause_vars(c, &mut names) || names.iter().any(|n| n == "*");
            if !star {
                ends[i] = Some(names.len());
            }
        }
        Mentioned { names, ends }
    }

    /// What clauses `i..` mention: `None` past the last clause,
    /// `Some(None)` when every variable stays.
    pub fn from(&self, i: usize) -> Option<Option<&[String]>> {
        let end = self.ends.get(i)?;
        Some(end.map(|e| &self.names[..e]))
    }
}

/// Adds the variables the clauses of `q` read or bind; true when one
/// projects `*`.
pub fn query_vars(q: &Query, out: &mut Vec<String>) -> bool {
    let mut star = false;
    for sq in std::iter::once(&q.first).chain(q.unions.iter().map(|u| &u.query)) {
        for c in &sq.clauses {
            star |= clause_vars(c, out);
        }
    }
    star
}

/// The indexes of `names` that no later clause reads.
pub fn dead(names: &[String], mentioned: Option<&[String]>) -> Vec<usize> {
    match mentioned {
        None => Vec::new(),
        Some(m) => names
            .iter()
            .enumerate()
            .filter(|(_, n)| !m.contains(n))
            .map(|(i, _)| i)
            .collect(),
    }
}

/// Factorised counting (`Rule::CountFactor`): when the clauses after the
/// MATCH at `at` are MATCHes up to a WITH or RETURN whose aggregates are
/// all plain counts, the indexes of `names` (that MATCH's output) that
/// those clauses read by value. Matches that agree on them are counted
/// alike: the rest are unread, or only counted by a bare `count(v)`, and a
/// bound `v` is never null. `None` when the shape does not hold.
pub fn count_keys(clauses: &[Clause], at: usize, names: &[String]) -> Option<Vec<usize>> {
    let mut read = Vec::new();
    for c in clauses.get(at + 1..)? {
        let (p, where_) = match c {
            Clause::Match(_) => {
                clause_vars(c, &mut read);
                continue;
            }
            Clause::With(w) => (&w.projection, w.where_.as_ref()),
            Clause::Return(r) => (&r.projection, None),
            _ => return None,
        };
        let mut aggs = Vec::new();
        for item in &p.items {
            aggregates_in(&item.expr, &mut aggs);
        }
        if p.star || aggs.is_empty() || !aggs.iter().all(|a| is_plain_count(a)) {
            return None;
        }
        for s in &p.order_by {
            aggregates_in(&s.expr, &mut aggs);
            free_vars(&s.expr, &mut read);
        }
        if !aggs.iter().all(|a| is_plain_count(a)) {
            return None;
        }
        for item in &p.items {
            match &item.expr.kind {
                ExprKind::Function { args, .. } if is_plain_count(&item.expr) => {
                    if !matches!(args[0].kind, ExprKind::Variable(..)) {
                        free_vars(&args[0], &mut read);
                    }
                }
                _ => free_vars(&item.expr, &mut read),
            }
        }
        if let Some(w) = where_ {
            free_vars(w, &mut read);
        }
        // A subquery reads every variable (`pattern::free_vars`).
        if read.iter().any(|n| n == "*") {
            return None;
        }
        let keys = names
            .iter()
            .enumerate()
            .filter(|(_, n)| read.contains(n))
            .map(|(i, _)| i)
            .collect();
        return Some(keys);
    }
    None
}

/// Whether the clause after the MATCH at `at` is a WITH or RETURN whose
/// every item is `count(DISTINCT v)` or `count(DISTINCT v.key)`: its one
/// row then depends on which distinct rows the MATCH sends, not on how
/// many of each nor in what order. Whether reading `v.key` fails (`v` not
/// a node, link or map) depends only on the value counted, and the values
/// are the same either way.
/// A variable-length hop may then send each of its ends once
/// (`pattern::ends_once`).
pub fn counts_distinct_only(clauses: &[Clause], at: usize) -> bool {
    let Some((p, ..)) = clauses.get(at + 1).and_then(super::projection_of) else {
        return false;
    };
    let counted = |e: &Expr| match &e.kind {
        ExprKind::Variable(..) => true,
        ExprKind::Property(t, _) => matches!(t.kind, ExprKind::Variable(..)),
        _ => false,
    };
    let mut in_order = Vec::new();
    for s in &p.order_by {
        aggregates_in(&s.expr, &mut in_order);
    }
    !p.star
        && in_order.is_empty()
        && !p.items.is_empty()
        && p.items.iter().all(|item| match &item.expr.kind {
            ExprKind::Function {
                distinct: true,
                args,
                func: Func::Aggregate(Aggregate::Count),
                ..
            } => matches!(&args[..], [a] if counted(a)),
            _ => false,
        })
}

/// When `counts_distinct_only` holds and the clause's one item is
/// `count(DISTINCT v)` of a bare variable: `v` (`pattern::EndTally`).
pub fn counted_variable(clauses: &[Clause], at: usize) -> Option<Sym> {
    // Every item is a `count(DISTINCT …)`: only the argument is left to see.
    if !counts_distinct_only(clauses, at) {
        return None;
    }
    let (p, ..) = super::projection_of(clauses.get(at + 1)?)?;
    match p.items.as_slice() {
        [item] => match &item.expr.kind {
            ExprKind::Function { args, .. } => match args.first().map(|a| &a.kind) {
                Some(ExprKind::Variable(_, sym)) => Some(*sym),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// Whether the clause after the MATCH at `at` reads nothing of its rows
/// but how many there are: its one item is `count(*)`, and no aggregate
/// is in its ORDER BY (`pattern::EndTally::rows`).
pub fn counts_rows_only(clauses: &[Clause], at: usize) -> bool {
    let Some((p, ..)) = clauses.get(at + 1).and_then(super::projection_of) else {
        return false;
    };
    let mut in_order = Vec::new();
    for s in &p.order_by {
        aggregates_in(&s.expr, &mut in_order);
    }
    !p.star
        && in_order.is_empty()
        && matches!(&p.items[..], [item] if matches!(item.expr.kind, ExprKind::CountStar))
}

/// Adds the variables `c` reads or binds; true when it projects `*`.
fn clause_vars(c: &Clause, out: &mut Vec<String>) -> bool {
    let expr = |e: &Expr, out: &mut Vec<String>| free_vars(e, out);
    let opt = |e: &Option<Expr>, out: &mut Vec<String>| {
        if let Some(e) = e {
            free_vars(e, out)
        }
    };
    match c {
        Clause::Match(m) => {
            parts(&m.pattern, out);
            opt(&m.as_of, out);
            opt(&m.where_, out);
        }
        Clause::Unwind(u) => expr(&u.expr, out),
        Clause::With(w) => {
            opt(&w.where_, out);
            return projection(&w.projection, out);
        }
        Clause::Return(r) => return projection(&r.projection, out),
        Clause::Create(cr) => parts(&cr.pattern, out),
        Clause::Merge(m) => {
            parts(std::slice::from_ref(&m.part), out);
            m.on_create
                .iter()
                .chain(&m.on_match)
                .for_each(|s| set_item(s, out));
        }
        Clause::Set(s) => s.items.iter().for_each(|s| set_item(s, out)),
        Clause::Remove(r) => {
            for item in &r.items {
                match item {
                    RemoveItem::Property { target, .. } => expr(target, out),
                    RemoveItem::Labels { variable, .. } => out.push(variable.name.clone()),
                }
            }
        }
        Clause::Delete(d) => d.exprs.iter().for_each(|e| expr(e, out)),
        Clause::Call(call) => {
            call.args.iter().flatten().for_each(|e| expr(e, out));
            opt(&call.where_, out);
        }
        Clause::CallSubquery(c) => return query_vars(&c.query, out),
    }
    false
}

fn projection(p: &crate::query::ast::Projection, out: &mut Vec<String>) -> bool {
    for item in &p.items {
        free_vars(&item.expr, out);
    }
    for s in &p.order_by {
        free_vars(&s.expr, out);
    }
    p.star
}

fn set_item(s: &SetItem, out: &mut Vec<String>) {
    match s {
        SetItem::Property { target, value, .. } => {
            free_vars(target, out);
            free_vars(value, out);
        }
        SetItem::Replace {
            variable, value, ..
        }
        | SetItem::Append {
            variable, value, ..
        } => {
            out.push(variable.name.clone());
            free_vars(value, out);
        }
        SetItem::Labels { variable, .. } => out.push(variable.name.clone()),
    }
}

fn parts(ps: &[PatternPart], out: &mut Vec<String>) {
    for p in ps {
        if let Some(v) = &p.variable {
            out.push(v.name.clone());
        }
        pattern_vars(&p.element, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::ast::Body;

    fn clauses(text: &str) -> Vec<Clause> {
        let stmt = crate::query::parse::parse_statement(text).unwrap();
        match stmt.body {
            Body::Query(q) => q.first.clauses,
            _ => unreachable!(),
        }
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_list_nobody_reads_again_is_dead_at_the_next_unwind() {
        let c =
            clauses("WITH range(1, 9) AS l UNWIND l AS x UNWIND range(1, 9) AS y RETURN count(*)");
        let m = Mentioned::new(&c);
        assert_eq!(
            dead(&names(&["l"]), m.from(1).unwrap()),
            Vec::<usize>::new()
        );
        assert_eq!(dead(&names(&["l", "x"]), m.from(2).unwrap()), vec![0, 1]);
        assert!(m.from(4).is_none());
    }

    #[test]
    fn star_keeps_everything_and_a_later_reference_keeps_its_variable() {
        let c = clauses("WITH [1] AS l UNWIND [2] AS x WITH * RETURN x");
        assert_eq!(Mentioned::new(&c).from(1), Some(None));
        let c = clauses("WITH [1] AS l UNWIND [2] AS x MATCH (n {k: l[0]}) RETURN n");
        assert_eq!(
            dead(&names(&["l"]), Mentioned::new(&c).from(1).unwrap()),
            Vec::<usize>::new()
        );
        let c = clauses("WITH [1] AS l UNWIND [2] AS x SET x.a = size(l) RETURN 1");
        assert_eq!(
            dead(&names(&["l"]), Mentioned::new(&c).from(1).unwrap()),
            Vec::<usize>::new()
        );
    }
}

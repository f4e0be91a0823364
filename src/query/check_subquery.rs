//! The scoping rules of subqueries, as Neo4j 5 has them. `EXISTS`, `COUNT`
//! and `COLLECT { … }` see every variable around them and cannot update;
//! `CALL { … }` sees only what its importing `WITH` names. Nothing bound
//! inside is visible outside, and a subquery may not bind anew a name the
//! scope around it holds.

use super::*;
use crate::query::exec::subquery::imports;

/// Checks the body of an expression subquery against the scope around it.
pub(super) fn expression(
    ck: &Checker<'_>,
    s: &Subquery,
    scope: &[(String, Kind)],
) -> Result<(), Error> {
    isolated(ck, || {
        check_query_in(ck, &s.query, scope, Part::Expr(s.kind))
    })
    .map(|_| ())
}

/// `IN TRANSACTIONS` commits the statement's work as it goes: only the
/// statement itself may, and its batch size is a constant.
pub(super) fn in_transactions(ck: &Checker<'_>, c: &CallSubquery, part: Part) -> Result<(), Error> {
    let Some(t) = &c.in_transactions else {
        return Ok(());
    };
    if part != Part::Top {
        return Err(err(
            "InvalidClauseComposition",
            "CALL { … } IN TRANSACTIONS cannot be nested in a subquery".into(),
            t.span,
        ));
    }
    if let Some(n) = &t.rows {
        expr(ck, n, &[], false).map_err(|e| {
            if e.code == "UndefinedVariable" {
                err(
                    "NonConstantExpression",
                    "the batch size of IN TRANSACTIONS must be a constant".into(),
                    n.span,
                )
            } else {
                e
            }
        })?;
    }
    Ok(())
}

/// The columns `CALL { … }` adds to the row: those its RETURN yields, none
/// of which the scope around it may already hold.
pub(super) fn call_columns(
    ck: &Checker<'_>,
    c: &CallSubquery,
    scope: &[(String, Kind)],
) -> Result<Vec<String>, Error> {
    let cols = isolated(ck, || check_query_in(ck, &c.query, scope, Part::Call))?;
    let mut out = Vec::new();
    for (name, _) in cols {
        if scope.iter().any(|(n, _)| *n == name) {
            return Err(err(
                "VariableAlreadyBound",
                format!(
                    "variable `{name}` is already defined: CALL {{ … }} cannot return it again"
                ),
                return_span(&c.query).unwrap_or(c.span),
            ));
        }
        out.push(name);
    }
    Ok(out)
}

pub(super) use crate::query::exec::subquery::is_unit;

fn return_span(q: &Query) -> Option<Span> {
    q.first.clauses.iter().rev().find_map(|c| match c {
        Clause::Return(r) => Some(r.span),
        _ => None,
    })
}

/// The scope a `CALL { … }` part starts from: the scope around it when its
/// first clause is an importing `WITH` (which then narrows it to what it
/// names), else nothing. An importing `WITH` names variables only.
pub(super) fn imported(q: &SingleQuery, outer: &[(String, Kind)]) -> Result<Scope, Error> {
    if !imports(q, &|n| outer.iter().any(|(o, _)| o == n)) {
        return Ok(Vec::new());
    }
    if let Some(Clause::With(w)) = q.clauses.first() {
        let p = &w.projection;
        let simple = p.items.iter().all(|it| {
            matches!(&it.expr.kind, ExprKind::Variable(v, _)
                if it.alias.as_ref().is_none_or(|a| a.name == *v))
        }) && !p.distinct
            && p.order_by.is_empty()
            && p.skip.is_none()
            && p.limit.is_none()
            && w.where_.is_none();
        if !simple {
            return Err(err(
                "InvalidClauseComposition",
                "an importing WITH may only name variables of the outer scope \
                 (WITH a, b or WITH *): project or filter in a second WITH"
                    .into(),
                w.span,
            ));
        }
    }
    Ok(outer.to_vec())
}

/// Refuses what a subquery may not hold: updates inside an expression, and
/// a name bound anew that the scope around it holds.
pub(super) fn clause_allowed(
    c: &Clause,
    outer: &[(String, Kind)],
    part: Part,
) -> Result<(), Error> {
    let Part::Expr(kind) = part else {
        return Ok(());
    };
    let what = match c {
        Clause::Create(x) => Some(("CREATE", x.span)),
        Clause::Merge(x) => Some(("MERGE", x.span)),
        Clause::Set(x) => Some(("SET", x.span)),
        Clause::Remove(x) => Some(("REMOVE", x.span)),
        Clause::Delete(x) => Some(("DELETE", x.span)),
        Clause::CallSubquery(x) if !x.query.is_read_only() => Some(("CALL { … }", x.span)),
        _ => None,
    };
    if let Some((clause, span)) = what {
        return Err(err(
            "InvalidClauseComposition",
            format!(
                "{} {{ … }} cannot update the graph: {clause} is not allowed inside it",
                kind.keyword()
            ),
            span,
        ));
    }
    let shadows = |name: &Ident| -> Result<(), Error> {
        if outer.iter().any(|(n, _)| *n == name.name) {
            return Err(err(
                "VariableAlreadyBound",
                format!(
                    "variable `{}` shadows a variable of the outer scope: rename it",
                    name.name
                ),
                name.span,
            ));
        }
        Ok(())
    };
    match c {
        Clause::Unwind(u) => shadows(&u.variable),
        Clause::With(w) => w
            .projection
            .items
            .iter()
            .try_for_each(|it| match &it.alias {
                Some(a) if !matches!(&it.expr.kind, ExprKind::Variable(v, _) if *v == a.name) => {
                    shadows(a)
                }
                _ => Ok(()),
            }),
        _ => Ok(()),
    }
}

/// `COLLECT { … }` ends with a RETURN of one column; `EXISTS` and `COUNT`
/// may end with any reading clause.
pub(super) fn ends_ok(q: &SingleQuery, kind: SubqueryKind) -> Result<(), Error> {
    if kind != SubqueryKind::Collect {
        return Ok(());
    }
    match q.clauses.last() {
        Some(Clause::Return(r)) if !r.projection.star && r.projection.items.len() == 1 => Ok(()),
        Some(Clause::Return(r)) => Err(err(
            "InvalidClauseComposition",
            "COLLECT { … } must RETURN exactly one column".into(),
            r.span,
        )),
        _ => Err(err(
            "InvalidClauseComposition",
            "COLLECT { … } must end with a RETURN of one column".into(),
            q.span,
        )),
    }
}

/// Runs a nested check with the per-projection state of the enclosing one
/// set aside and put back.
fn isolated<T>(ck: &Checker<'_>, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    let aggs = ck.projected_aggs.take();
    let agg_scope = ck.agg_scope.take();
    let locals = ck.non_numeric_locals.take();
    let r = f();
    *ck.projected_aggs.borrow_mut() = aggs;
    *ck.agg_scope.borrow_mut() = agg_scope;
    *ck.non_numeric_locals.borrow_mut() = locals;
    r
}

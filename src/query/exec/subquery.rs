//! Subqueries at run time, as applies: for each outer row the subquery's
//! own chain of operators is planned from the variables it sees and run
//! from that row. `EXISTS { … }` is a semi-apply (the chain stops at its
//! first row), `COUNT { … }` counts its rows without keeping them,
//! `COLLECT { … }` keeps its one column, `CALL { … }` (`pipeline.rs`) joins
//! the rows it returns to the input row. What a subquery holds is charged
//! to the statement's memory budget and its work to the statement's
//! timeout, as any operator's.

use super::context::Ctx;
use super::eval::Env;
use super::memory::row_bytes;
use super::pattern::{flatten_env, free_vars};
use super::pipeline::{self, PlanLine, Produce};
use super::projection::Rows;
use crate::error::{Error, ErrorKind};
use crate::query::ast::{
    Child, Clause, Expr, ExprKind, InTransactions, Query, RemoveItem, SetItem, SingleQuery,
    Subquery, SubqueryKind, UnaryOp,
};
use crate::query::bind::symbols::Names;
use crate::query::print::print_expr;
use crate::value::Value;

/// Whether a part of `CALL { … }` imports variables of the enclosing
/// query: its first clause is a WITH that reads one (or `WITH *`).
pub(crate) fn imports(q: &SingleQuery, outer: &dyn Fn(&str) -> bool) -> bool {
    let Some(Clause::With(w)) = q.clauses.first() else {
        return false;
    };
    if w.projection.star {
        return true;
    }
    let mut vars = Vec::new();
    for it in &w.projection.items {
        free_vars(&it.expr, &mut vars);
    }
    vars.iter().any(|v| outer(v))
}

/// A `CALL { … }` that returns nothing: each input row passes on once.
pub(crate) fn is_unit(q: &Query) -> bool {
    !q.first
        .clauses
        .iter()
        .any(|c| matches!(c, Clause::Return(_)))
}

/// The value of `EXISTS|COUNT|COLLECT { … }` for the row of `env`.
pub(crate) fn eval(ctx: &mut Ctx<'_, '_>, env: &Env<'_>, s: &Subquery) -> Result<Value, Error> {
    let (names, row) = flatten_env(env);
    let mut p = pipeline::build_in(ctx, &s.query, &names, &|_| true, produce_of(s.kind))?;
    let (_, rows) = p.run_from(ctx, &row)?;
    release(ctx, &rows);
    Ok(match s.kind {
        SubqueryKind::Exists => Value::Bool(!rows.is_empty()),
        SubqueryKind::Count => Value::Int(rows.len() as i64),
        SubqueryKind::Collect => Value::List(
            rows.into_iter()
                .filter_map(|r| r.into_iter().next())
                .collect(),
        ),
    })
}

fn produce_of(kind: SubqueryKind) -> Produce {
    match kind {
        SubqueryKind::Exists => Produce::First,
        SubqueryKind::Count => Produce::Count,
        SubqueryKind::Collect => Produce::Rows,
    }
}

/// The rows `CALL { … }` returns for one input row (the values of `names`),
/// only the columns it adds; `None` for a unit subquery.
pub(crate) fn run_call(
    ctx: &mut Ctx<'_, '_>,
    q: &Query,
    names: &[String],
    row: &[Value],
) -> Result<Option<Rows>, Error> {
    let imports_from = |sq: &SingleQuery| imports(sq, &|n| names.iter().any(|o| o == n));
    let mut p = pipeline::build_in(ctx, q, names, &imports_from, Produce::Rows)?;
    let (_, rows) = p.run_from(ctx, row)?;
    release(ctx, &rows);
    Ok((!is_unit(q)).then_some(rows))
}

/// How many input rows `IN TRANSACTIONS` runs per committed batch.
pub(crate) fn batch_size(ctx: &mut Ctx<'_, '_>, t: &InTransactions) -> Result<usize, Error> {
    let Some(e) = &t.rows else {
        return Ok(DEFAULT_BATCH);
    };
    match super::eval::eval(e, &Env::new(Names::empty(), &[]), ctx)? {
        Value::Int(n) if n > 0 => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
        v => Err(Error::runtime(
            ErrorKind::ArgumentError,
            "InvalidArgumentValue",
            format!(
                "IN TRANSACTIONS OF n ROWS needs a positive integer, got {}",
                match v {
                    Value::Int(n) => n.to_string(),
                    other => format!("a {}", other.type_name()),
                }
            ),
        )
        .with_span(e.span)),
    }
}

/// Rows per batch of `IN TRANSACTIONS` without `OF n ROWS`, as in Neo4j.
const DEFAULT_BATCH: usize = 1000;

/// The columns `CALL { … }` adds after the variables `names`.
pub(crate) fn call_columns(
    ctx: &mut Ctx<'_, '_>,
    q: &Query,
    names: &[String],
) -> Result<Vec<String>, Error> {
    let imports_from = |sq: &SingleQuery| imports(sq, &|n| names.iter().any(|o| o == n));
    Ok(
        pipeline::build_in(ctx, q, names, &imports_from, Produce::Rows)?
            .columns()
            .to_vec(),
    )
}

/// The subquery's plan under the Apply of `CALL { … }`, for EXPLAIN.
pub(crate) fn call_plan(ctx: &mut Ctx<'_, '_>, q: &Query, names: &[String]) -> Vec<PlanLine> {
    let imports_from = |sq: &SingleQuery| imports(sq, &|n| names.iter().any(|o| o == n));
    match pipeline::build_in(ctx, q, names, &imports_from, Produce::Rows) {
        Ok(p) => nested(p.lines(), 1),
        Err(_) => Vec::new(),
    }
}

/// The rows a subquery kept were handed over: the budget no longer holds them.
fn release(ctx: &mut Ctx<'_, '_>, rows: &Rows) {
    let bytes: usize = rows.iter().map(|r| row_bytes(r)).sum();
    ctx.mem.release(bytes);
}

fn nested(lines: Vec<PlanLine>, by: usize) -> Vec<PlanLine> {
    lines
        .into_iter()
        .map(|mut l| {
            l.depth += by;
            l.rows = u64::MAX;
            l
        })
        .collect()
}

/// For EXPLAIN: the apply of each subquery in the expressions of `c` (whose
/// expressions see `names`), with the subquery's plan under it.
pub(crate) fn expression_plans(
    ctx: &mut Ctx<'_, '_>,
    c: &Clause,
    names: &[String],
) -> Vec<PlanLine> {
    let mut found = Vec::new();
    clause_exprs(c, &mut |e| subqueries_in(e, false, &mut found));
    let mut out = Vec::new();
    for (e, s, negated) in found {
        let (operator, how) = match (s.kind, negated) {
            (SubqueryKind::Exists, false) => ("SemiApply", "stops at the first row"),
            (SubqueryKind::Exists, true) => ("AntiSemiApply", "stops at the first row"),
            (SubqueryKind::Count, _) => ("Apply", "counts the rows"),
            (SubqueryKind::Collect, _) => ("Apply", "collects the column"),
        };
        out.push(PlanLine {
            depth: 1,
            operator: operator.into(),
            details: format!("{}: {how}, once per row", print_expr(e)),
            rows: u64::MAX,
            nanos: 0,
        });
        if let Ok(p) = pipeline::build_in(ctx, &s.query, names, &|_| true, produce_of(s.kind)) {
            out.extend(nested(p.lines(), 2));
        }
    }
    out
}

/// The subqueries in `e` (not those nested in them), each with whether a
/// NOT applies to it directly.
fn subqueries_in<'e>(e: &'e Expr, negated: bool, out: &mut Vec<(&'e Expr, &'e Subquery, bool)>) {
    match &e.kind {
        ExprKind::Subquery(s) => out.push((e, s, negated)),
        ExprKind::Unary(UnaryOp::Not, x) => subqueries_in(x, !negated, out),
        _ => e.for_each_child(|c| {
            if let Child::Expr(x) = c {
                subqueries_in(x, false, out)
            }
        }),
    }
}

/// Every expression a clause evaluates itself (a `CALL { … }` runs its own).
fn clause_exprs<'e>(c: &'e Clause, f: &mut dyn FnMut(&'e Expr)) {
    let parts = |ps: &'e [crate::query::ast::PatternPart], f: &mut dyn FnMut(&'e Expr)| {
        for p in ps {
            let e = &p.element;
            let props = std::iter::once(&e.start.properties).chain(
                e.chain
                    .iter()
                    .flat_map(|(r, n)| [&r.properties, &n.properties]),
            );
            props.flatten().for_each(&mut *f);
        }
    };
    let set = |s: &'e SetItem, f: &mut dyn FnMut(&'e Expr)| match s {
        SetItem::Property { target, value, .. } => {
            f(target);
            f(value);
        }
        SetItem::Replace { value, .. } | SetItem::Append { value, .. } => f(value),
        SetItem::Labels { .. } => {}
    };
    let projection = |p: &'e crate::query::ast::Projection, f: &mut dyn FnMut(&'e Expr)| {
        p.items.iter().for_each(|i| f(&i.expr));
        p.order_by.iter().for_each(|s| f(&s.expr));
    };
    match c {
        Clause::Match(m) => {
            parts(&m.pattern, f);
            m.where_.iter().for_each(&mut *f);
        }
        Clause::Unwind(u) => f(&u.expr),
        Clause::With(w) => {
            projection(&w.projection, f);
            w.where_.iter().for_each(&mut *f);
        }
        Clause::Return(r) => projection(&r.projection, f),
        Clause::Create(cr) => parts(&cr.pattern, f),
        Clause::Merge(m) => {
            parts(std::slice::from_ref(&m.part), f);
            m.on_create
                .iter()
                .chain(&m.on_match)
                .for_each(|s| set(s, f));
        }
        Clause::Set(s) => s.items.iter().for_each(|s| set(s, f)),
        Clause::Remove(r) => {
            for item in &r.items {
                if let RemoveItem::Property { target, .. } = item {
                    f(target)
                }
            }
        }
        Clause::Delete(d) => d.exprs.iter().for_each(f),
        Clause::Call(call) => {
            call.args.iter().flatten().for_each(&mut *f);
            call.where_.iter().for_each(f);
        }
        Clause::CallSubquery(_) => {}
    }
}

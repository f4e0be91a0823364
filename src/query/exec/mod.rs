//! Runs a parsed query clause by clause over rows of values.

pub mod algo;
pub mod algo_options;
pub mod call;
pub mod context;
pub mod eval;
pub mod functions;
pub mod link_aggregate;
pub mod ops;
pub mod pattern;
pub mod procedures;
pub mod projection;
pub mod write;

use crate::error::{Error, ErrorKind};
use crate::query::ast::{Clause, Expr, Projection, Query, SingleQuery};
use crate::value::Value;
use context::Ctx;
use eval::{eval, Env};
use projection::Rows;

/// One line of the plan with the rows it produced (for PROFILE).
#[derive(Debug, Clone)]
pub struct StepProfile {
    pub operator: String,
    pub rows: usize,
    pub micros: u128,
}

pub fn run_query(
    ctx: &mut Ctx<'_, '_>,
    q: &Query,
    profile: &mut Vec<StepProfile>,
) -> Result<(Vec<String>, Rows), Error> {
    let (cols, mut rows) = run_single(ctx, &q.first, profile)?;
    let mut all_distinct = false;
    for u in &q.unions {
        let (c2, r2) = run_single(ctx, &u.query, profile)?;
        if c2 != cols {
            return Err(Error::compile(
                ErrorKind::SyntaxError,
                "DifferentColumnsInUnion",
                "all parts of a UNION must return the same columns",
                u.span,
            ));
        }
        rows.extend(r2);
        if !u.all {
            all_distinct = true;
        }
    }
    if all_distinct {
        let mut seen = std::collections::HashSet::new();
        rows.retain(|r| {
            let mut k = String::new();
            for v in r {
                ops::group_key(v, &mut k);
                k.push('|');
            }
            seen.insert(k)
        });
    }
    Ok((cols, rows))
}

fn describe(c: &Clause) -> String {
    match c {
        Clause::Match(m) => format!(
            "{}Match ({} pattern part{})",
            if m.optional { "Optional" } else { "" },
            m.pattern.len(),
            if m.pattern.len() == 1 { "" } else { "s" }
        ),
        Clause::Unwind(u) => format!("Unwind AS {}", u.variable.name),
        Clause::With(_) => "With (projection)".into(),
        Clause::Return(_) => "Return (projection)".into(),
        Clause::Create(_) => "Create".into(),
        Clause::Merge(_) => "Merge".into(),
        Clause::Set(_) => "Set".into(),
        Clause::Remove(_) => "Remove".into(),
        Clause::Delete(d) => {
            if d.detach {
                "DetachDelete".into()
            } else {
                "Delete".into()
            }
        }
        Clause::Call(c) => format!("Call {}", c.procedure.join(".")),
    }
}

fn run_single(
    ctx: &mut Ctx<'_, '_>,
    q: &SingleQuery,
    profile: &mut Vec<StepProfile>,
) -> Result<(Vec<String>, Rows), Error> {
    let mut names: Vec<String> = Vec::new();
    let mut rows: Rows = vec![vec![]];
    let mut returned: Option<Vec<String>> = None;
    let mut at = 0;
    while let Some(clause) = q.clauses.get(at) {
        at += 1;
        let started = std::time::Instant::now();
        if let (0, Clause::Match(m), Some((p, where_, is_return))) =
            (at - 1, clause, q.clauses.get(at).and_then(projection_of))
        {
            if let Some((cols, out)) = link_aggregate::run(ctx, m, p, where_)? {
                at += 1;
                if is_return {
                    returned = Some(cols.clone());
                }
                names = cols;
                rows = out;
                profile.push(StepProfile {
                    operator: "LinkAggregate (Match + grouping in one link scan)".into(),
                    rows: rows.len(),
                    micros: started.elapsed().as_micros(),
                });
                continue;
            }
        }
        match clause {
            Clause::Match(m) => {
                let conj = pattern::conjuncts(m.where_.as_ref());
                let new = pattern::new_variables(&m.pattern, &names);
                let as_of = match &m.as_of {
                    Some(e) => {
                        let v = eval(e, &Env::new(&[], &[]), ctx)?;
                        Some(pattern::AsOf::new(ctx, &v).map_err(|err| err.with_span(e.span))?)
                    }
                    None => None,
                };
                let mut out = Vec::new();
                for row in &rows {
                    let matched =
                        pattern::match_row(ctx, &names, row, &m.pattern, &new, &conj, as_of)?;
                    if matched.is_empty() && m.optional {
                        let mut r = row.clone();
                        r.extend(std::iter::repeat_n(Value::Null, new.len()));
                        out.push(r);
                    } else {
                        out.extend(matched);
                    }
                }
                names.extend(new);
                rows = out;
            }
            Clause::Unwind(u) => {
                let mut out = Vec::new();
                for row in &rows {
                    let v = eval(&u.expr, &Env::new(&names, row), ctx)?;
                    let items = match v {
                        Value::Null => vec![],
                        Value::List(items) => items,
                        other => vec![other],
                    };
                    for item in items {
                        let mut r = row.clone();
                        r.push(item);
                        out.push(r);
                    }
                }
                names.push(u.variable.name.clone());
                rows = out;
            }
            Clause::With(w) => {
                let (cols, out) =
                    projection::project(ctx, &w.projection, &names, rows, w.where_.as_ref())?;
                names = cols;
                rows = out;
            }
            Clause::Return(r) => {
                let (cols, out) = projection::project(ctx, &r.projection, &names, rows, None)?;
                returned = Some(cols.clone());
                names = cols;
                rows = out;
            }
            Clause::Create(c) => {
                let mut out = Vec::with_capacity(rows.len());
                let mut out_names = names.clone();
                for row in rows {
                    let mut n = names.clone();
                    let mut r = row;
                    write::create_pattern(ctx, &mut n, &mut r, &c.pattern)?;
                    out_names = n;
                    out.push(r);
                }
                if out.is_empty() {
                    out_names.extend(pattern::new_variables(&c.pattern, &names));
                }
                names = out_names;
                rows = out;
            }
            Clause::Merge(mg) => {
                let parts = std::slice::from_ref(&mg.part);
                let new = pattern::new_variables(parts, &names);
                let mut out = Vec::new();
                for row in rows {
                    merge_null_check(ctx, &mg.part, &names, &row)?;
                    let matched = pattern::match_row(ctx, &names, &row, parts, &new, &[], None)?;
                    let mut all = names.clone();
                    all.extend(new.iter().cloned());
                    if matched.is_empty() {
                        let mut n = names.clone();
                        let mut r = row.clone();
                        write::create_pattern(ctx, &mut n, &mut r, parts)?;
                        // Reorder to the canonical column order.
                        let r2: Vec<Value> = all
                            .iter()
                            .map(|name| {
                                n.iter()
                                    .rposition(|x| x == name)
                                    .map(|i| r[i].clone())
                                    .unwrap_or(Value::Null)
                            })
                            .collect();
                        write::set_items(ctx, &all, &r2, &mg.on_create)?;
                        out.push(r2);
                    } else {
                        for r in matched {
                            write::set_items(ctx, &all, &r, &mg.on_match)?;
                            out.push(r);
                        }
                    }
                }
                names.extend(new);
                rows = out;
            }
            Clause::Set(s) => {
                for row in &rows {
                    write::set_items(ctx, &names, row, &s.items)?;
                }
            }
            Clause::Remove(rm) => {
                for row in &rows {
                    write::remove_items(ctx, &names, row, &rm.items)?;
                }
            }
            Clause::Delete(d) => {
                // Links first, then nodes: `DELETE a, r, b` must not trip
                // over `a` still having `r`.
                let mut targets = Vec::new();
                for row in &rows {
                    for e in &d.exprs {
                        targets.push((eval(e, &Env::new(&names, row), ctx)?, e.span));
                    }
                }
                for (v, span) in &targets {
                    write::delete_links_of(ctx, v).map_err(|err| err.with_span(*span))?;
                }
                for (v, span) in &targets {
                    write::delete_value(ctx, v, d.detach).map_err(|err| err.with_span(*span))?;
                }
            }
            Clause::Call(c) => {
                let standalone = q.clauses.len() == 1;
                let (new_names, out) = call::run_call(ctx, c, &names, rows, standalone)?;
                if standalone {
                    returned = Some(new_names.clone());
                }
                names.extend(new_names);
                rows = out;
            }
        }
        profile.push(StepProfile {
            operator: describe(clause),
            rows: rows.len(),
            micros: started.elapsed().as_micros(),
        });
    }
    match returned {
        Some(cols) => Ok((cols, rows)),
        None => Ok((vec![], vec![])),
    }
}

/// The projection of a WITH or RETURN clause, its WHERE, and whether it is RETURN.
fn projection_of(c: &Clause) -> Option<(&Projection, Option<&Expr>, bool)> {
    match c {
        Clause::With(w) => Some((&w.projection, w.where_.as_ref(), false)),
        Clause::Return(r) => Some((&r.projection, None, true)),
        _ => None,
    }
}

/// MERGE cannot match or create a property whose value is null.
fn merge_null_check(
    ctx: &mut Ctx<'_, '_>,
    part: &crate::query::ast::PatternPart,
    names: &[String],
    row: &[Value],
) -> Result<(), Error> {
    let e = &part.element;
    let maps = std::iter::once(&e.start.properties)
        .chain(
            e.chain
                .iter()
                .flat_map(|(r, n)| [&r.properties, &n.properties]),
        )
        .flatten();
    for m in maps {
        if let Value::Map(m) = eval(m, &Env::new(names, row), ctx)? {
            if let Some((k, _)) = m.iter().find(|(_, v)| v.is_null()) {
                return Err(Error::runtime(
                    ErrorKind::SemanticError,
                    "MergeReadOwnWrites",
                    format!("MERGE cannot use a null value for property `{k}`"),
                ));
            }
        }
    }
    Ok(())
}

//! Runs a parsed query: `pipeline.rs` plans it into streaming operators;
//! the other modules are what those operators call (pattern matching,
//! expressions, projection, writes, procedures).

pub mod algo;
pub mod algo_options;
pub mod call;
pub mod context;
pub mod counted_runs;
pub mod eval;
pub mod functions;
pub mod link_aggregate;
pub mod liveness;
pub mod memory;
pub mod operator;
pub mod ops;
pub mod part_plan;
pub mod pattern;
pub mod pipeline;
pub mod plan_cache;
pub mod procedures;
pub mod projection;
mod read_ahead;
pub mod rules;
pub mod sink;
pub mod subquery;
pub mod temporal_fns;
pub mod temporal_ops;
pub mod write;

use crate::error::{Error, ErrorKind};
use crate::query::ast::{Clause, Expr, Projection, Query, Statement};
use crate::value::Value;
use context::Ctx;
use eval::{eval, Env};
use plan_cache::PlanCache;
use projection::Rows;
use std::sync::Arc;

/// Runs a query: plans it, then streams rows through its operators.
pub fn run_query(ctx: &mut Ctx<'_, '_>, q: &Query) -> Result<(Vec<String>, Rows), Error> {
    pipeline::build(ctx, q)?.run(ctx)
}

/// As `run_query`, with the rows going to `ctx.sink` as they are produced
/// (it hears the columns first); returns the columns. A UNION streams its
/// parts one after the other (`Pipeline::stream`).
pub fn stream_query(ctx: &mut Ctx<'_, '_>, q: &Query) -> Result<Vec<String>, Error> {
    let mut p = pipeline::build(ctx, q)?;
    stream_built(ctx, &mut p)
}

/// As `run_query`, with the plan `cache` kept from an earlier run of `stmt`
/// (whose query it runs) when it still holds (`plan_cache.rs`).
pub fn run_kept(
    ctx: &mut Ctx<'_, '_>,
    stmt: &Arc<Statement>,
    cache: &PlanCache,
) -> Result<(Vec<String>, Rows), Error> {
    cache.run(ctx, stmt, |ctx, p| p.run(ctx))
}

/// As `stream_query`, with a kept plan as `run_kept` has it.
pub fn stream_kept(
    ctx: &mut Ctx<'_, '_>,
    stmt: &Arc<Statement>,
    cache: &PlanCache,
) -> Result<Vec<String>, Error> {
    cache.run(ctx, stmt, stream_built)
}

fn stream_built(
    ctx: &mut Ctx<'_, '_>,
    p: &mut pipeline::Pipeline<'_>,
) -> Result<Vec<String>, Error> {
    let columns = p.columns().to_vec();
    if let Some(sink) = ctx.sink.as_mut() {
        sink.columns(&columns)?;
    }
    p.stream(ctx)?;
    Ok(columns)
}

/// PROFILE with the rows going to `ctx.sink` as `stream_query` sends them;
/// returns the columns and the plan with its counts, known only once the
/// last row is made (the Bolt server sends it in the result's summary).
pub fn stream_profile(ctx: &mut Ctx<'_, '_>, q: &Query) -> Result<(Vec<String>, String), Error> {
    ctx.profiling = true;
    let mut p = pipeline::build(ctx, q)?;
    let columns = stream_built(ctx, &mut p)?;
    Ok((
        columns,
        pipeline::render(&p.lines(), true) + &profile_notes(ctx),
    ))
}

/// The plan `run_query` would run, as EXPLAIN prints it.
pub fn explain(ctx: &mut Ctx<'_, '_>, q: &Query) -> Result<String, Error> {
    Ok(pipeline::render(&pipeline::build(ctx, q)?.lines(), false))
}

/// Runs a query with every operator counting its rows and time; returns the
/// result and the plan as PROFILE prints it.
pub fn profile(ctx: &mut Ctx<'_, '_>, q: &Query) -> Result<(Vec<String>, Rows, String), Error> {
    ctx.profiling = true;
    let mut p = pipeline::build(ctx, q)?;
    let (cols, rows) = p.run(ctx)?;
    let plan = pipeline::render(&p.lines(), true) + &profile_notes(ctx);
    Ok((cols, rows, plan))
}

/// What PROFILE says below the operators: how many links a string test
/// sifted before binding them (`pattern::link_filter`), and kept; what
/// variable-length hops cut (`pattern::hop_prune`); how many node records
/// projections asked for ahead (`read_ahead`).
fn profile_notes(ctx: &Ctx<'_, '_>) -> String {
    let mut notes = match ctx.sifted {
        [0, _] => String::new(),
        [read, kept] => format!("\nlinks sifted before binding: {read}, {kept} kept"),
    };
    let context::HopsCut {
        links,
        nodes,
        searches,
        ahead,
        unlisted,
    } = ctx.hops_cut;
    if links + nodes > 0 {
        notes.push_str(&format!(
            "\nvariable-length hops: {links} links not walked on from, {nodes} nodes passed over by the end's ids"
        ));
    }
    if ahead > 0 {
        notes.push_str(&format!(
            "\nvariable-length hops: {ahead} links tested ahead of the walk"
        ));
    }
    if unlisted > 0 {
        notes.push_str(&format!(
            "\nvariable-length hops: {unlisted} nodes before the last hop not expanded, with no link to the end"
        ));
    }
    if searches > 0 {
        notes.push_str(&format!(
            "\nvariable-length hops searched breadth-first, each end sent once: {searches} searches"
        ));
    }
    if ctx.read_ahead > 0 {
        notes.push_str(&format!(
            "\nnode records asked for ahead of projecting: {}",
            ctx.read_ahead
        ));
    }
    notes
}

/// The projection of a WITH or RETURN clause, its WHERE, and whether it is RETURN.
pub(crate) fn projection_of(c: &Clause) -> Option<(&Projection, Option<&Expr>, bool)> {
    match c {
        Clause::With(w) => Some((&w.projection, w.where_.as_ref(), false)),
        Clause::Return(r) => Some((&r.projection, None, true)),
        _ => None,
    }
}

/// MERGE cannot match or create a property whose value is null.
pub(crate) fn merge_null_check(
    ctx: &mut Ctx<'_, '_>,
    part: &crate::query::ast::PatternPart,
    names: &crate::query::bind::symbols::Names,
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

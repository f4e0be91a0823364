//! `compile --target spark-sql`: a read query as one Spark SQL statement
//! over the tables `export --format parquet` writes (`actors`, `links`,
//! registered as views of those names).
//!
//! Each clause wraps the relation built so far in a new SELECT whose columns
//! are exactly the variables in scope, named as in the query. A node or
//! relationship variable is a struct of its table row (`struct(t.*)`), so
//! `a.name` is a struct field in SQL as in Cypher; a path is a struct with
//! its length and its links. Patterns become joins started from the bound
//! or most constrained end; a bounded variable-length hop `*m..n` becomes a
//! UNION ALL of fixed-length joins whose link ids differ pairwise (trail
//! semantics); `shortestPath` a breadth-first `WITH RECURSIVE`. A construct
//! without a faithful Spark form is an `Unsupported` error at its position,
//! never an approximate query.

mod as_of;
mod expr;
mod expr_fn;
mod pattern;
mod project;
pub mod schema;
mod shortest;
mod sql;
#[cfg(test)]
mod tests;

use crate::database::Params;
use crate::error::{Error, ErrorKind};
use crate::query::ast::{Body, Clause, Query, SingleQuery, Span, Statement};
pub use schema::Schema;

/// The error for a construct that has no Spark form here.
pub fn unsupported(what: &str, span: Span) -> Error {
    Error::compile(
        ErrorKind::SemanticError,
        "Unsupported",
        format!("{what} cannot run on Spark"),
        span,
    )
}

/// `CALL`: the graph algorithms would map to GraphFrames (`pageRank`,
/// `connectedComponents`), a separate jar that Spark does not ship and that
/// no package registry reachable here serves, so they are refused naming
/// it; other procedures have no Spark form at all.
fn call(c: &crate::query::ast::Call) -> Error {
    let name = c.procedure.join(".");
    let graphframes = match name.to_ascii_lowercase().as_str() {
        "algo.pagerank" => Some("pageRank"),
        "algo.wcc" => Some("connectedComponents"),
        _ => None,
    };
    match graphframes {
        Some(method) => unsupported(
            &format!(
                "CALL {name} (GraphFrames' {method}) needs the GraphFrames jar and its \
                 Spark Connect plugin, which are not installed here; so it"
            ),
            c.span,
        ),
        None => unsupported(&format!("CALL {name}"), c.span),
    }
}

/// What a column of the relation holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A struct of an `actors` row.
    Node,
    /// A struct of a `links` row.
    Rel,
    /// An array of `links` structs (a variable-length relationship).
    RelList,
    /// `named_struct('len', n, 'rels', array(link structs))`.
    Path,
    /// `named_struct('len', n)`: a shortest path, its length only.
    PathLen,
    /// Any other value, of the type given.
    Value(Ty),
}

/// The type of a value, where known: it picks `concat` or `+`, `div` or `/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Int,
    Float,
    Bool,
    Str,
    List,
    Null,
    Unknown,
}

#[derive(Clone, Debug)]
pub struct Var {
    pub name: String,
    pub kind: Kind,
}

/// The relation built so far: a SELECT whose columns are `vars`, in order,
/// or `None` before the first clause (one row, no columns).
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub sql: Option<String>,
    pub vars: Vec<Var>,
}

impl Scope {
    pub fn kind_of(&self, name: &str) -> Option<Kind> {
        self.vars.iter().find(|v| v.name == name).map(|v| v.kind)
    }

    /// `(sql) alias`, or a one-row relation before the first clause.
    pub fn from(&self, alias: &str) -> String {
        match &self.sql {
            Some(s) => format!("({s}) {alias}"),
            None => format!("(SELECT 1 AS __one) {alias}"),
        }
    }

    /// The columns as `alias.`v` AS `v``.
    pub fn columns(&self, alias: &str) -> Vec<String> {
        self.vars
            .iter()
            .map(|v| format!("{alias}.{} AS {}", sql::ident(&v.name), sql::ident(&v.name)))
            .collect()
    }
}

/// Compile-time state: parameters, schema, fresh alias numbers.
pub struct Cx<'a> {
    pub params: &'a Params,
    pub schema: Option<&'a Schema>,
    next: usize,
}

impl Cx<'_> {
    pub fn fresh(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("__{prefix}{}", self.next)
    }
}

/// Stack reserved for compiling a deeply nested statement (as
/// `Database::execute` does for running one): the checker and the
/// compiler recurse over the tree.
const DEEP_STACK_BYTES: usize = 1 << 30;

/// The Spark SQL text of a read statement.
pub fn compile(
    stmt: &Statement,
    params: &Params,
    schema: Option<&Schema>,
) -> Result<String, Error> {
    if stmt.depth <= crate::query::parse::SHALLOW_DEPTH {
        return compile_shallow(stmt, params, schema);
    }
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("deep statement".into())
            .stack_size(DEEP_STACK_BYTES)
            .spawn_scoped(scope, || compile_shallow(stmt, params, schema))
            .map_err(|e| {
                Error::runtime(
                    ErrorKind::StorageError,
                    "ResourceExhausted",
                    format!("cannot start a thread for a deeply nested statement: {e}"),
                )
            })?
            .join()
            .unwrap_or_else(|_| {
                Err(Error::runtime(
                    ErrorKind::StorageError,
                    "InternalError",
                    "the compiler stopped unexpectedly",
                ))
            })
    })
}

fn compile_shallow(
    stmt: &Statement,
    params: &Params,
    schema: Option<&Schema>,
) -> Result<String, Error> {
    let Body::Query(q) = &stmt.body else {
        return Err(unsupported("a transaction statement", stmt.span));
    };
    if stmt.mode != crate::query::ast::Mode::Normal {
        return Err(unsupported("EXPLAIN or PROFILE", stmt.span));
    }
    crate::query::check::check_query_with(q, params)?;
    let mut cx = Cx {
        params,
        schema,
        next: 0,
    };
    compile_query(&mut cx, q)
}

fn compile_query(cx: &mut Cx, q: &Query) -> Result<String, Error> {
    let mut out = compile_single(cx, &q.first)?;
    for u in &q.unions {
        let next = compile_single(cx, &u.query)?;
        let op = if u.all { "UNION ALL" } else { "UNION" };
        out = format!("{out}\n{op}\n{next}");
    }
    Ok(out)
}

fn compile_single(cx: &mut Cx, q: &SingleQuery) -> Result<String, Error> {
    let mut scope = Scope::default();
    let mut returned = None;
    for clause in &q.clauses {
        match clause {
            Clause::Match(m) => scope = pattern::match_clause(cx, scope, m)?,
            Clause::Unwind(u) => scope = project::unwind(cx, scope, u)?,
            Clause::With(w) => {
                scope = project::projection(cx, scope, &w.projection, w.where_.as_ref())?
            }
            Clause::Return(r) => {
                scope = project::projection(cx, scope, &r.projection, None)?;
                // A path's row carries its links, not its nodes: it cannot
                // print as a path does.
                if scope
                    .vars
                    .iter()
                    .any(|v| matches!(v.kind, Kind::Path | Kind::PathLen))
                {
                    return Err(unsupported(
                        "returning a path (not its length or links)",
                        r.span,
                    ));
                }
                returned = Some(r.span);
            }
            Clause::Call(c) => return Err(call(c)),
            Clause::CallSubquery(c) => return Err(unsupported("CALL { … }", c.span)),
            Clause::Create(c) => return Err(unsupported("CREATE (a write)", c.span)),
            Clause::Merge(c) => return Err(unsupported("MERGE (a write)", c.span)),
            Clause::Set(c) => return Err(unsupported("SET (a write)", c.span)),
            Clause::Remove(c) => return Err(unsupported("REMOVE (a write)", c.span)),
            Clause::Delete(c) => return Err(unsupported("DELETE (a write)", c.span)),
        }
    }
    match (returned, scope.sql) {
        (Some(_), Some(sql)) => Ok(sql),
        _ => Err(unsupported("a query without RETURN", q.span)),
    }
}

//! The public entry point: open a database, run statements.
//!
//! ```
//! let mut db = supplygraph::Database::open_memory().unwrap();
//! db.execute("CREATE (:Country {id: 'by', name: 'Belarus'})", &Default::default()).unwrap();
//! let r = db.execute("MATCH (c:Country) RETURN c.name AS name", &Default::default()).unwrap();
//! assert_eq!(r.rows[0][0], supplygraph::value::Value::String("Belarus".into()));
//! ```

use crate::error::{Error, ErrorKind, Phase};
use crate::query::ast::{Body, Mode, Query, Statement};
use crate::query::exec;
use crate::query::exec::context::{Cancel, Ctx};
use crate::query::exec::plan_cache::PlanCache;
use crate::query::exec::procedures::{self, Procedures};
use crate::query::exec::rules::Rules;
use crate::query::parse;
use crate::result::{Entities, NodeData, QueryResult, RelData, Warning};
use crate::store::catalog::Catalog;
use crate::store::graph::{Graph, Tx, TxState};
use crate::store::StorageError;
use crate::value::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

pub type Params = BTreeMap<String, Value>;

/// A statement parsed and checked once by `Database::prepare`; its plan is
/// kept between runs as its text's is.
#[derive(Debug, Clone)]
pub struct Prepared {
    parsed: Arc<Parsed>,
    /// The database that prepared it (`Database::serial`): its kept plan
    /// and name verdict hold only there.
    db: u64,
}

/// A statement parsed once, kept by its text, and whether the checker has
/// passed it: a repeated statement is checked again only for the
/// parameters it reads (the checker's other verdicts do not depend on
/// them), as a prepared one is. Its plan is kept between runs too.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub(crate) stmt: Arc<Statement>,
    checked: std::sync::atomic::AtomicBool,
    /// Whether the unknown-name walk found nothing to report over a
    /// committed catalog: it never will again, as committed names are never
    /// taken back (`notify::unknown_names` hashes each name otherwise, on
    /// every run).
    names_known: std::sync::atomic::AtomicBool,
    pub(crate) plan: PlanCache,
}

impl Parsed {
    /// Checks `q` (this statement's query) for a run with `params`.
    pub(crate) fn check(&self, q: &Query, params: &Params) -> Result<(), Error> {
        use std::sync::atomic::Ordering::Relaxed;
        if self.checked.load(Relaxed) && given_all(q, params) {
            return Ok(());
        }
        crate::query::check::check_query_with(q, params)?;
        self.checked.store(true, Relaxed);
        Ok(())
    }

    /// `notify::unknown_names` for this statement's query `q` over
    /// `catalog`, skipped once it found nothing over a committed one.
    /// `committed` says whether `catalog` is: an explicit transaction's
    /// holds names a rollback may take back.
    pub(crate) fn unknown_names(
        &self,
        q: &Query,
        catalog: &Catalog,
        committed: bool,
    ) -> Vec<Warning> {
        use std::sync::atomic::Ordering::Relaxed;
        if self.names_known.load(Relaxed) {
            return Vec::new();
        }
        let warnings = crate::query::notify::unknown_names(q, catalog);
        if warnings.is_empty() && committed {
            self.names_known.store(true, Relaxed);
        }
        warnings
    }
}

/// Whether `params` holds every parameter `q` reads.
fn given_all(q: &Query, params: &Params) -> bool {
    q.symbols.params().iter().all(|n| params.contains_key(n))
}

pub struct Database {
    graph: Graph,
    /// An explicit transaction opened with BEGIN.
    open_tx: Option<TxState>,
    /// Cancellation for the statement that is running.
    pub cancel: Cancel,
    /// Procedures defined by tables (the TCK's test procedures).
    procedures: Procedures,
    /// Statements parsed before, by their exact text: a query repeated with
    /// new parameters skips the parser. Behind a mutex for concurrent
    /// reads (`stream_read`), held only to look up or insert.
    parsed: parking_lot::Mutex<fxhash::FxHashMap<String, Arc<Parsed>>>,
    /// Bytes one statement's operators may hold (`None`: the default, half
    /// the machine's memory).
    memory_limit: Option<usize>,
    /// The planner's rewrites that may fire: all, but in tests that
    /// compare a plan with and without one.
    pub(crate) rules: Rules,
    /// This database among those the process opened: a statement prepared
    /// by another runs here as if new (`Prepared::db`).
    serial: u64,
}

/// The next `Database::serial`.
static NEXT_SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn next_serial() -> u64 {
    NEXT_SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Stack of the thread a deeply nested statement runs on: reserved, not
/// committed, so it costs only what the statement uses; far more than
/// `parse::MAX_TREE_DEPTH` levels take, even in a debug build.
const DEEP_STACK_BYTES: usize = 1 << 30;

/// Most statements `Database::parsed` keeps; past it, it starts afresh.
const PARSED_STATEMENTS: usize = 512;

impl Database {
    pub fn open(path: &Path) -> Result<Database, StorageError> {
        Ok(Database {
            graph: Graph::open_path(path)?,
            open_tx: None,
            cancel: Cancel::default(),
            procedures: Procedures::new(),
            parsed: Default::default(),
            memory_limit: None,
            rules: Default::default(),
            serial: next_serial(),
        })
    }

    pub fn open_memory() -> Result<Database, StorageError> {
        Ok(Database {
            graph: Graph::open_memory()?,
            open_tx: None,
            cancel: Cancel::default(),
            procedures: Procedures::new(),
            parsed: Default::default(),
            memory_limit: None,
            rules: Default::default(),
            serial: next_serial(),
        })
    }

    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    pub fn graph_mut(&mut self) -> &mut Graph {
        &mut self.graph
    }

    /// Defines a procedure answered from a table: `header` names the input
    /// then output columns of `rows`.
    pub fn define_procedure(
        &mut self,
        signature: &str,
        header: Vec<String>,
        rows: Vec<Vec<Value>>,
    ) -> Result<(), String> {
        let mut p = procedures::parse_signature(signature)?;
        let want: Vec<&String> = p.inputs.iter().chain(&p.outputs).map(|(n, _)| n).collect();
        if !header.is_empty() && header.iter().collect::<Vec<_>>() != want {
            return Err(format!(
                "table columns {header:?} do not match the signature's fields {want:?}"
            ));
        }
        p.rows = Some(rows);
        self.procedures.insert(p.name.to_ascii_lowercase(), p);
        Ok(())
    }

    /// Limits what one statement's sorts, groups, DISTINCT sets, eager
    /// barriers and result may hold, in bytes; past it the statement fails
    /// with `MemoryLimit`.
    pub fn set_memory_limit(&mut self, bytes: usize) {
        self.memory_limit = Some(bytes);
    }

    /// Bytes of committed record blocks, adjacency lists and index
    /// buckets kept between statements (`--cache-size`); the default is a
    /// quarter of the machine's memory, at least 256 MiB. Only what
    /// statements read is kept.
    pub fn set_cache_size(&mut self, bytes: usize) {
        self.graph.set_cache_capacity(bytes);
    }

    /// Turns one planner rewrite off for the statements that follow (as
    /// DuckDB's `disabled_optimizers`): to tell a rewrite's fault from the
    /// executor's, or to compare plans. `name` is one of `rule_names`.
    pub fn disable_rule(&mut self, name: &str) -> Result<(), String> {
        let rule = Rules::named(name).ok_or_else(|| {
            format!(
                "no planner rule {name}; the rules are {}",
                Self::rule_names().join(", ")
            )
        })?;
        self.rules = self.rules.without(rule);
        Ok(())
    }

    /// The planner rewrites `disable_rule` knows.
    pub fn rule_names() -> Vec<String> {
        Rules::all().iter().map(|r| format!("{r:?}")).collect()
    }

    pub fn in_transaction(&self) -> bool {
        self.open_tx.is_some()
    }

    /// The statement `text`, parsed once and then kept by its text.
    pub(crate) fn statement(&self, text: &str) -> Result<Arc<Parsed>, Error> {
        if let Some(p) = self.parsed.lock().get(text) {
            return Ok(Arc::clone(p));
        }
        let stmt = Arc::new(
            parse::parse_statement(text)
                .map_err(|e| Error::compile(ErrorKind::SyntaxError, e.code, e.message, e.span))?,
        );
        let p = Arc::new(Parsed {
            stmt,
            checked: Default::default(),
            names_known: Default::default(),
            plan: Default::default(),
        });
        let mut parsed = self.parsed.lock();
        if parsed.len() >= PARSED_STATEMENTS {
            parsed.clear();
        }
        parsed.insert(text.to_string(), Arc::clone(&p));
        Ok(p)
    }

    /// Parses and runs one statement. A failing statement changes nothing.
    pub fn execute(&mut self, text: &str, params: &Params) -> Result<QueryResult, Error> {
        let p = self.statement(text)?;
        let stmt = &p.stmt;
        on_stack(stmt, || match &stmt.body {
            Body::Query(q) => {
                p.check(q, params)?;
                self.run_checked(q, stmt.mode, params, Some(&p))
            }
            _ => self.execute_parsed(stmt, params),
        })
    }

    /// Parses and checks a statement once, to be run many times with new
    /// parameters by `run_prepared` (as SQLite's and DuckDB's prepared
    /// statements): a run skips the parser, the checker and the text's
    /// lookup.
    pub fn prepare(&mut self, text: &str) -> Result<Prepared, Error> {
        let parsed = self.statement(text)?;
        let stmt = &parsed.stmt;
        on_stack(stmt, || match &stmt.body {
            Body::Query(q) => crate::query::check::check_query(q),
            _ => Ok(()),
        })?;
        Ok(Prepared {
            parsed,
            db: self.serial,
        })
    }

    /// Runs a statement made by `prepare` with `params`, as `execute` would
    /// run its text.
    pub fn run_prepared(&mut self, p: &Prepared, params: &Params) -> Result<QueryResult, Error> {
        let stmt = &p.parsed.stmt;
        let Body::Query(q) = &stmt.body else {
            return on_stack(stmt, || self.execute_parsed(stmt, params));
        };
        // A run without a parameter the statement reads is refused: the
        // checker names the missing one, with its position.
        if !given_all(q, params) {
            crate::query::check::check_query_with(q, params)?;
        }
        // Prepared by another database: its plan's names and statistics
        // are that one's, so it is planned here anew.
        let parsed = (p.db == self.serial).then_some(&*p.parsed);
        on_stack(stmt, || self.run_checked(q, stmt.mode, params, parsed))
    }

    /// A statement's context over `tx`, under this database's planner rules
    /// and memory limit.
    fn ctx<'a, 'g>(&'a self, tx: Tx<'g>, params: &'a Params, cancel: &'a Cancel) -> Ctx<'a, 'g> {
        let mut ctx = Ctx::new(tx, params, &self.procedures, cancel);
        ctx.rules = self.rules;
        if let Some(limit) = self.memory_limit {
            ctx.mem = crate::query::exec::memory::MemoryBudget::new(limit);
        }
        ctx
    }

    pub fn execute_parsed(
        &mut self,
        stmt: &Statement,
        params: &Params,
    ) -> Result<QueryResult, Error> {
        let query = match &stmt.body {
            Body::Begin => {
                if self.open_tx.is_some() {
                    return Err(Error::new(
                        ErrorKind::SemanticError,
                        "TransactionAlreadyOpen",
                        Phase::Compile,
                        "a transaction is already open",
                    ));
                }
                self.open_tx = Some(self.graph.begin());
                return Ok(QueryResult::default());
            }
            Body::Commit => {
                let tx = self.open_tx.take().ok_or_else(|| {
                    Error::new(
                        ErrorKind::SemanticError,
                        "NoOpenTransaction",
                        Phase::Compile,
                        "there is no open transaction to commit",
                    )
                })?;
                self.graph.commit(tx)?;
                return Ok(QueryResult::default());
            }
            Body::Rollback => {
                self.open_tx.take().ok_or_else(|| {
                    Error::new(
                        ErrorKind::SemanticError,
                        "NoOpenTransaction",
                        Phase::Compile,
                        "there is no open transaction to roll back",
                    )
                })?;
                return Ok(QueryResult::default());
            }
            Body::Query(q) => q,
        };
        crate::query::check::check_query_with(query, params)?;
        self.run_checked(query, stmt.mode, params, None)
    }

    /// Runs a query the checker has passed: `query` is the statement of
    /// `parsed`, when given, whose kept plan it runs with outside an
    /// explicit transaction (`plan_cache.rs`).
    fn run_checked(
        &mut self,
        query: &Query,
        mode: Mode,
        params: &Params,
        parsed: Option<&Parsed>,
    ) -> Result<QueryResult, Error> {
        // Inside BEGIN … COMMIT a failing statement is undone through a
        // savepoint: its overlay writes are logged, not the whole state copied.
        let explicit = self.open_tx.is_some();
        if explicit && mode != Mode::Explain && query.commits_in_batches() {
            return Err(Error::compile(
                ErrorKind::SemanticError,
                "InvalidTransaction",
                "CALL { … } IN TRANSACTIONS commits as it goes, so it can only run in an \
                 implicit transaction: COMMIT or ROLLBACK the open one first",
                in_transactions_span(query),
            ));
        }
        let mut state = match self.open_tx.take() {
            Some(tx) => tx,
            None => self.graph.begin(),
        };
        if mode == Mode::Explain {
            // Planned against the catalog as it is, then dropped: nothing runs.
            let plan = {
                let mut ctx = self.ctx(self.graph.tx(&mut state), params, &self.cancel);
                exec::explain(&mut ctx, query)
            };
            if explicit {
                self.open_tx = Some(state);
            }
            let plan = plan?;
            return Ok(QueryResult {
                warnings: crate::query::notify::unknown_names(query, self.graph.catalog()),
                columns: vec!["plan".into()],
                rows: plan
                    .lines()
                    .map(|l| vec![Value::String(l.to_string())])
                    .collect(),
                plan: Some(plan),
                ..Default::default()
            });
        }
        let savepoint = explicit.then(|| state.savepoint());
        // PROFILE's total; a clock read saved for every other statement.
        let started = (mode == Mode::Profile).then(std::time::Instant::now);
        let mut plan_text = None;
        let outcome = {
            let mut ctx = self.ctx(self.graph.tx(&mut state), params, &self.cancel);
            let mut warnings = match parsed {
                Some(p) => p.unknown_names(query, ctx.tx.catalog(), !explicit),
                None => crate::query::notify::unknown_names(query, ctx.tx.catalog()),
            };
            let ran = if mode == Mode::Profile {
                exec::profile(&mut ctx, query).map(|(c, r, p)| {
                    plan_text = Some(p);
                    (c, r)
                })
            } else {
                match parsed.filter(|_| !explicit) {
                    Some(p) => exec::run_kept(&mut ctx, &p.stmt, &p.plan),
                    None => exec::run_query(&mut ctx, query),
                }
            };
            match ran.and_then(|r| ctx.finish_counts().map(|_| r)) {
                Ok((columns, rows)) => resolve(&ctx.tx, &rows).map(|entities| QueryResult {
                    columns,
                    rows,
                    stats: ctx.stats,
                    entities,
                    plan: None,
                    warnings: {
                        warnings.append(ctx.warnings.get_mut());
                        warnings
                    },
                }),
                Err(e) => Err(e),
            }
        };
        let mut result = match outcome {
            Ok(r) => r,
            Err(e) => {
                match savepoint {
                    Some(sp) => {
                        state.rollback_to(sp);
                        self.open_tx = Some(state);
                    }
                    // Batches of IN TRANSACTIONS committed before the error stay.
                    None => self.graph.adopt_batches(&state),
                }
                return Err(e);
            }
        };
        if let (Some(mut text), Some(started)) = (plan_text, started) {
            text.push_str(&format!(
                "\ntotal {:.3} ms",
                started.elapsed().as_secs_f64() * 1000.0
            ));
            result.plan = Some(text);
        }
        if explicit {
            state.overlay.release_savepoint();
            self.open_tx = Some(state);
        } else {
            self.graph.commit(state)?;
        }
        Ok(result)
    }
}

/// Where the `IN TRANSACTIONS` of a query is written.
fn in_transactions_span(q: &Query) -> crate::query::ast::Span {
    std::iter::once(&q.first)
        .chain(q.unions.iter().map(|u| &u.query))
        .flat_map(|q| &q.clauses)
        .find_map(|c| match c {
            crate::query::ast::Clause::CallSubquery(s) => {
                s.in_transactions.as_ref().map(|t| t.span)
            }
            _ => None,
        })
        .unwrap_or_default()
}

/// Runs `f` on this thread, or for a statement nested deeper than
/// `parse::SHALLOW_DEPTH` on one whose stack is known to hold it, whatever
/// thread called.
fn on_stack<R: Send>(
    stmt: &Statement,
    f: impl FnOnce() -> Result<R, Error> + Send,
) -> Result<R, Error> {
    if stmt.depth <= parse::SHALLOW_DEPTH {
        return f();
    }
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("deep statement".into())
            .stack_size(DEEP_STACK_BYTES)
            .spawn_scoped(scope, f)
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
                    "the statement stopped unexpectedly",
                ))
            })
    })
}

#[path = "database_read.rs"]
mod read;
pub use read::RowSink;

/// Loads every node and relationship the rows mention.
fn resolve(tx: &Tx<'_>, rows: &[Vec<Value>]) -> Result<Entities, Error> {
    let mut ent = Entities::default();
    fn visit(tx: &Tx<'_>, v: &Value, ent: &mut Entities) -> Result<(), Error> {
        match v {
            Value::Node(id) => add_node(tx, *id, ent),
            Value::Rel(id) => add_rel(tx, *id, ent),
            Value::Path(p) => {
                for n in &p.nodes {
                    add_node(tx, *n, ent)?;
                }
                for r in &p.rels {
                    add_rel(tx, *r, ent)?;
                }
                Ok(())
            }
            Value::List(items) => items.iter().try_for_each(|i| visit(tx, i, ent)),
            Value::Map(m) => m.values().try_for_each(|i| visit(tx, i, ent)),
            _ => Ok(()),
        }
    }
    fn add_node(tx: &Tx<'_>, id: u64, ent: &mut Entities) -> Result<(), Error> {
        if ent.nodes.contains_key(&id) {
            return Ok(());
        }
        if let Some(rec) = tx.node(id)? {
            let cat = tx.catalog();
            ent.nodes.insert(
                id,
                NodeData {
                    id,
                    labels: rec
                        .labels
                        .iter()
                        .map(|l| {
                            cat.name(crate::store::catalog::NameKind::Label, *l)
                                .to_string()
                        })
                        .collect(),
                    properties: cat.props_map(&rec.props),
                },
            );
        }
        Ok(())
    }
    fn add_rel(tx: &Tx<'_>, id: u64, ent: &mut Entities) -> Result<(), Error> {
        if ent.rels.contains_key(&id) {
            return Ok(());
        }
        if let Some(rec) = tx.rel(id)? {
            let cat = tx.catalog();
            ent.rels.insert(
                id,
                RelData {
                    id,
                    rel_type: cat
                        .name(crate::store::catalog::NameKind::Type, rec.rel_type)
                        .to_string(),
                    start: rec.src,
                    end: rec.dst,
                    properties: cat.props_map(&rec.props),
                },
            );
            add_node(tx, rec.src, ent)?;
            add_node(tx, rec.dst, ent)?;
        }
        Ok(())
    }
    for r in rows {
        for v in r {
            visit(tx, v, &mut ent)?;
        }
    }
    Ok(ent)
}

impl crate::tck::Engine for Database {
    fn fresh() -> Result<Self, Error> {
        Database::open_memory().map_err(Error::from)
    }

    fn execute(
        &mut self,
        query: &str,
        params: &BTreeMap<String, Value>,
    ) -> Result<QueryResult, Error> {
        Database::execute(self, query, params)
    }

    fn register_procedure(
        &mut self,
        signature: &str,
        header: Vec<String>,
        rows: Vec<Vec<Value>>,
    ) -> Result<(), String> {
        self.define_procedure(signature, header, rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_statement_is_parsed_once_and_runs_with_its_new_parameters() {
        let mut db = Database::open_memory().unwrap();
        let q = "UNWIND range(1, $n) AS i RETURN count(i) AS c";
        for n in [3, 5, 0] {
            let mut p = Params::new();
            p.insert("n".into(), Value::Int(n));
            assert_eq!(db.execute(q, &p).unwrap().rows, vec![vec![Value::Int(n)]]);
        }
        assert_eq!(db.parsed.lock().len(), 1);
        // A statement that does not parse is not kept, and fails each time.
        for _ in 0..2 {
            assert!(db.execute("MATCH (n RETURN n", &Params::new()).is_err());
        }
        assert_eq!(db.parsed.lock().len(), 1);
        for i in 0..PARSED_STATEMENTS + 1 {
            db.execute(&format!("RETURN {i} AS x"), &Params::new())
                .unwrap();
        }
        assert!(db.parsed.lock().len() <= PARSED_STATEMENTS);
    }

    #[test]
    fn a_statement_checked_once_is_still_refused_without_its_parameters() {
        let mut db = Database::open_memory().unwrap();
        let q = "RETURN $x + 1 AS y";
        let mut p = Params::new();
        p.insert("x".into(), Value::Int(1));
        assert_eq!(db.execute(q, &p).unwrap().rows, vec![vec![Value::Int(2)]]);
        let e = db.execute(q, &Params::new()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::ParameterMissing, "{e:?}");
        assert_eq!(db.execute(q, &p).unwrap().rows, vec![vec![Value::Int(2)]]);
        // One that fails the checker is checked again at every run.
        let bad = "MATCH (n) RETURN m";
        for _ in 0..2 {
            let e = db.execute(bad, &Params::new()).unwrap_err();
            assert_eq!(e.code, "UndefinedVariable", "{e:?}");
        }
    }
}

#[cfg(test)]
#[path = "database_prepared_tests.rs"]
pub(crate) mod prepared_tests;

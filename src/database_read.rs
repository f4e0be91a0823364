//! Reads beside other reads: `Database::stream_read` runs a statement with
//! `&self`, in a transaction state of its own that is never committed, so
//! that the Bolt server can run many at once under a read lock while
//! writes wait for the write lock. Its rows go to a `RowSink` as the
//! pipeline produces them, so nothing holds the whole result: a UNION
//! part after part, PROFILE with its plan at the end.
//! `stream_read_in_transaction` does the same inside an open transaction.

use super::{on_stack, resolve, Database, Params, Parsed};
use crate::error::{Error, ErrorKind, Phase};
use crate::query::ast::{Body, Mode};
use crate::query::exec;
use crate::query::exec::context::Cancel;
use crate::query::exec::pattern::Flow;
use crate::query::exec::sink::ResultSink;
use crate::result::{Entities, QueryResult};
use crate::store::graph::{Tx, TxState};
use crate::value::Value;

/// Takes a streamed result.
pub trait RowSink: Send {
    /// The result's columns, once the statement is planned, before any row.
    fn columns(&mut self, columns: &[String]) -> Result<(), Error>;
    /// One row, with the nodes and relationships it mentions. `Ok(false)`
    /// stops the statement (the reader has gone); an error fails it.
    fn row(&mut self, row: Vec<Value>, entities: &Entities) -> Result<bool, Error>;
}

/// The error for a statement that could write, run as a read.
pub fn access_mode() -> Error {
    Error::new(
        ErrorKind::UsageError,
        "AccessMode",
        Phase::Compile,
        "a statement that can change the database cannot run as a read",
    )
}

impl Database {
    /// Runs a statement that only reads, with `&self`: its rows go to
    /// `sink` as they are produced; the result returned has the columns,
    /// warnings and PROFILE's plan, and no rows. A statement whose clauses
    /// can write (`Statement::is_read_only`) is refused with `AccessMode`
    /// before it runs, and nothing is ever committed. `cancel` is this
    /// statement's own (flag and deadline), not `self.cancel`.
    pub fn stream_read(
        &self,
        text: &str,
        params: &Params,
        cancel: &Cancel,
        sink: &mut dyn RowSink,
    ) -> Result<QueryResult, Error> {
        let p = self.statement(text)?;
        if !p.stmt.is_read_only() {
            return Err(access_mode());
        }
        // As `execute`: a deep tree runs where the stack holds it.
        on_stack(&p.stmt, || self.read_fresh(&p, params, cancel, sink))
    }

    /// As `stream_read`, keeping the rows: the whole result.
    pub fn execute_read(
        &self,
        text: &str,
        params: &Params,
        cancel: &Cancel,
    ) -> Result<QueryResult, Error> {
        let mut keep = Keep::default();
        let mut r = self.stream_read(text, params, cancel, &mut keep)?;
        r.rows = keep.rows;
        r.entities = keep.entities;
        Ok(r)
    }

    /// As `stream_read`, inside the explicit transaction that is open
    /// (BEGIN): the statement sees its uncommitted writes, and its rows go
    /// to `sink` as they are made. Without an open transaction it is
    /// `stream_read`. A statement that can write is refused (`AccessMode`):
    /// writes run whole through `execute`. The transaction stays open
    /// whatever the outcome; a read leaves it as it was.
    pub fn stream_read_in_transaction(
        &mut self,
        text: &str,
        params: &Params,
        cancel: &Cancel,
        sink: &mut dyn RowSink,
    ) -> Result<QueryResult, Error> {
        let Some(mut state) = self.open_tx.take() else {
            return self.stream_read(text, params, cancel, sink);
        };
        let ran = self.statement(text).and_then(|p| {
            if !p.stmt.is_read_only() {
                return Err(access_mode());
            }
            let this = &*self;
            on_stack(&p.stmt, || {
                this.read_parsed(&mut state, &p, params, cancel, sink, false)
            })
        });
        self.open_tx = Some(state);
        ran
    }

    /// Bytes one statement may hold (`--memory-limit`, or the default).
    pub fn memory_limit(&self) -> usize {
        self.memory_limit
            .unwrap_or_else(crate::query::exec::memory::default_limit)
    }

    fn read_fresh(
        &self,
        stmt: &Parsed,
        params: &Params,
        cancel: &Cancel,
        sink: &mut dyn RowSink,
    ) -> Result<QueryResult, Error> {
        let mut state = self.graph.begin();
        self.read_parsed(&mut state, stmt, params, cancel, sink, true)
    }

    /// Runs a read-only statement over `state` (`fresh`, or an open
    /// transaction's, which it must leave unchanged). A fresh one runs with
    /// the statement's kept plan (`plan_cache.rs`).
    fn read_parsed(
        &self,
        state: &mut TxState,
        parsed: &Parsed,
        params: &Params,
        cancel: &Cancel,
        sink: &mut dyn RowSink,
        fresh: bool,
    ) -> Result<QueryResult, Error> {
        let stmt = &parsed.stmt;
        let Body::Query(query) = &stmt.body else {
            return Err(access_mode());
        };
        parsed.check(query, params)?;
        let staged = state.overlay.len();
        let mut ctx = self.ctx(self.graph.tx(state), params, cancel);
        let mut out = QueryResult {
            warnings: parsed.unknown_names(query, ctx.tx.catalog(), fresh),
            ..Default::default()
        };
        match stmt.mode {
            Mode::Explain => {
                let plan = exec::explain(&mut ctx, query)?;
                let rows = plan.lines().map(|l| vec![Value::String(l.into())]);
                out.columns = vec!["plan".into()];
                feed(&ctx.tx, &out.columns, rows, sink)?;
                out.plan = Some(plan);
            }
            // The rows stream; the plan with its counts is known at the end.
            Mode::Profile => {
                let started = std::time::Instant::now();
                ctx.sink = Some(Box::new(Resolving { sink }));
                let ran = exec::stream_profile(&mut ctx, query);
                ctx.sink = None;
                let (columns, mut plan) = ran?;
                plan.push_str(&format!(
                    "\ntotal {:.3} ms",
                    started.elapsed().as_secs_f64() * 1000.0
                ));
                out.columns = columns;
                out.plan = Some(plan);
            }
            Mode::Normal => {
                ctx.sink = Some(Box::new(Resolving { sink }));
                let ran = match fresh {
                    true => exec::stream_kept(&mut ctx, stmt, &parsed.plan),
                    false => exec::stream_query(&mut ctx, query),
                };
                ctx.sink = None;
                out.columns = ran?;
            }
        }
        ctx.finish_counts()?;
        // Unreachable for a statement without updating clauses; if it were
        // reached, nothing was committed, and the reader hears why.
        if !ctx.stats.is_empty() || ctx.tx.st.overlay.len() != staged {
            return Err(access_mode());
        }
        out.warnings.append(ctx.warnings.get_mut());
        Ok(out)
    }
}

/// Hands rows already made to `sink`, each with its entities.
fn feed(
    tx: &Tx<'_>,
    columns: &[String],
    rows: impl IntoIterator<Item = Vec<Value>>,
    sink: &mut dyn RowSink,
) -> Result<(), Error> {
    sink.columns(columns)?;
    for row in rows {
        let entities = resolve(tx, std::slice::from_ref(&row))?;
        if !sink.row(row, &entities)? {
            break;
        }
    }
    Ok(())
}

/// The pipeline's sink: resolves each row's entities for the reader.
struct Resolving<'s> {
    sink: &'s mut dyn RowSink,
}

impl ResultSink for Resolving<'_> {
    fn columns(&mut self, columns: &[String]) -> Result<(), Error> {
        self.sink.columns(columns)
    }

    fn row(&mut self, tx: &Tx<'_>, row: Vec<Value>) -> Result<Flow, Error> {
        let entities = resolve(tx, std::slice::from_ref(&row))?;
        Ok(if self.sink.row(row, &entities)? {
            Flow::More
        } else {
            Flow::Stop
        })
    }
}

/// Keeps a whole result (`execute_read`).
#[derive(Default)]
struct Keep {
    rows: Vec<Vec<Value>>,
    entities: Entities,
}

impl RowSink for Keep {
    fn columns(&mut self, _: &[String]) -> Result<(), Error> {
        Ok(())
    }

    fn row(&mut self, row: Vec<Value>, entities: &Entities) -> Result<bool, Error> {
        self.rows.push(row);
        for (id, n) in &entities.nodes {
            self.entities.nodes.entry(*id).or_insert_with(|| n.clone());
        }
        for (id, r) in &entities.rels {
            self.entities.rels.entry(*id).or_insert_with(|| r.clone());
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A read inside BEGIN sees the transaction's names; its finding that
    /// all are known is not kept, as a ROLLBACK takes them back.
    #[test]
    fn a_read_inside_a_transaction_keeps_no_verdict_on_its_names() {
        let mut db = Database::open_memory().unwrap();
        let cancel = Cancel::default();
        let q = "MATCH (n:Foo) RETURN count(n) AS c";
        let warned = |db: &mut Database| {
            let mut keep = Keep::default();
            let r = db.stream_read_in_transaction(q, &Params::new(), &cancel, &mut keep);
            r.unwrap().warnings.len()
        };
        assert_eq!(warned(&mut db), 1);
        db.execute("BEGIN", &Params::new()).unwrap();
        db.execute("CREATE (:Foo)", &Params::new()).unwrap();
        assert_eq!(warned(&mut db), 0);
        db.execute("ROLLBACK", &Params::new()).unwrap();
        assert_eq!(warned(&mut db), 1);
        assert_eq!(db.execute(q, &Params::new()).unwrap().warnings.len(), 1);
    }

    fn db_with(n: i64) -> Database {
        let mut db = Database::open_memory().unwrap();
        let mut p = Params::new();
        p.insert("n".into(), Value::Int(n));
        db.execute("UNWIND range(1, $n) AS i CREATE (:A {i: i})", &p)
            .unwrap();
        db
    }

    #[test]
    fn a_database_is_shared_by_threads_that_read_at_once() {
        fn sync<T: Sync + Send>() {}
        sync::<Database>();
        let db = Arc::new(db_with(100));
        let q = "MATCH (a:A) WHERE a.i % 2 = 0 RETURN count(a) AS c, sum(a.i) AS s";
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let db = Arc::clone(&db);
                std::thread::spawn(move || {
                    (0..20)
                        .map(|_| {
                            db.execute_read(q, &Params::new(), &Cancel::default())
                                .unwrap()
                                .rows
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for t in threads {
            for rows in t.join().unwrap() {
                assert_eq!(rows, vec![vec![Value::Int(50), Value::Int(2550)]]);
            }
        }
    }

    #[test]
    fn a_statement_that_can_write_is_refused_and_changes_nothing() {
        let db = db_with(3);
        for q in ["CREATE (:B)", "MATCH (a:A) SET a.i = 0", "BEGIN"] {
            let e = db
                .execute_read(q, &Params::new(), &Cancel::default())
                .unwrap_err();
            assert_eq!(e.code, "AccessMode", "{q}");
        }
        let r = db
            .execute_read(
                "MATCH (a:A) RETURN sum(a.i) AS s",
                &Params::new(),
                &Cancel::default(),
            )
            .unwrap();
        assert_eq!(r.rows, vec![vec![Value::Int(6)]]);
        assert!(!db.in_transaction());
    }

    /// Stops after `after` rows; counts what it saw.
    struct StopAfter {
        columns: Vec<String>,
        rows: usize,
        after: usize,
    }

    impl RowSink for StopAfter {
        fn columns(&mut self, columns: &[String]) -> Result<(), Error> {
            self.columns = columns.to_vec();
            Ok(())
        }
        fn row(&mut self, _: Vec<Value>, _: &Entities) -> Result<bool, Error> {
            self.rows += 1;
            Ok(self.rows < self.after)
        }
    }

    #[test]
    fn rows_stream_to_the_sink_and_a_sink_that_stops_stops_the_statement() {
        let db = db_with(3);
        let mut sink = StopAfter {
            columns: vec![],
            rows: 0,
            after: 5,
        };
        // Far more rows than memory would hold: the sink stops it at 5.
        let r = db
            .stream_read(
                "UNWIND range(1, 1000000000000) AS x RETURN x",
                &Params::new(),
                &Cancel::default(),
                &mut sink,
            )
            .unwrap();
        assert_eq!(sink.rows, 5);
        assert_eq!(sink.columns, vec!["x".to_string()]);
        assert_eq!(r.columns, sink.columns);
        assert!(r.rows.is_empty());
        // Nodes arrive with their entities; a UNION and EXPLAIN too.
        let r = db
            .execute_read(
                "MATCH (a:A) RETURN a ORDER BY a.i UNION ALL RETURN 1 AS a",
                &Params::new(),
                &Cancel::default(),
            )
            .unwrap();
        assert_eq!(r.rows.len(), 4);
        assert_eq!(r.entities.nodes.len(), 3);
        let r = db
            .execute_read(
                "EXPLAIN MATCH (a) RETURN a",
                &Params::new(),
                &Cancel::default(),
            )
            .unwrap();
        assert_eq!(r.columns, vec!["plan".to_string()]);
        assert!(r.plan.is_some() && !r.rows.is_empty());
    }

    #[test]
    fn a_union_streams_part_after_part_and_union_drops_rows_sent_before() {
        let db = db_with(3);
        // The first part alone would never end: its rows go out as made.
        let mut sink = StopAfter {
            columns: vec![],
            rows: 0,
            after: 5,
        };
        db.stream_read(
            "UNWIND range(1, 1000000000000) AS x RETURN x UNION RETURN 1 AS x",
            &Params::new(),
            &Cancel::default(),
            &mut sink,
        )
        .unwrap();
        assert_eq!(sink.rows, 5);
        let r = db
            .execute_read(
                "UNWIND [1, 2, 2] AS x RETURN x UNION MATCH (a:A) RETURN a.i AS x \
                 UNION RETURN 1 AS x",
                &Params::new(),
                &Cancel::default(),
            )
            .unwrap();
        let xs: Vec<_> = r.rows.iter().map(|r| r[0].clone()).collect();
        assert_eq!(xs, [1, 2, 3].map(Value::Int));
        // The parts' columns are compared before anything runs.
        let e = db
            .execute_read(
                "UNWIND range(1, 1000000000000) AS x RETURN x UNION RETURN 1 AS y",
                &Params::new(),
                &Cancel::default(),
            )
            .unwrap_err();
        assert_eq!(e.code, "DifferentColumnsInUnion");
        // What UNION keeps to drop repeats counts against the memory limit.
        let mut small = db_with(0);
        small.set_memory_limit(100_000);
        let e = small
            .execute_read(
                "UNWIND range(1, 100000) AS x RETURN x UNION RETURN 0 AS x",
                &Params::new(),
                &Cancel::default(),
            )
            .unwrap_err();
        assert_eq!(e.code, "MemoryLimit");
    }

    #[test]
    fn profile_streams_its_rows_and_reports_its_plan_at_the_end() {
        let db = db_with(3);
        let mut sink = StopAfter {
            columns: vec![],
            rows: 0,
            after: usize::MAX,
        };
        let r = db
            .stream_read(
                "PROFILE MATCH (a:A) RETURN a.i AS i",
                &Params::new(),
                &Cancel::default(),
                &mut sink,
            )
            .unwrap();
        assert_eq!(
            (sink.rows, sink.columns.clone()),
            (3, vec!["i".to_string()])
        );
        let plan = r.plan.unwrap();
        assert!(
            plan.contains("ProduceResults") && plan.contains("3 rows"),
            "{plan}"
        );
        assert!(plan.contains("total"), "{plan}");
    }

    #[test]
    fn a_read_in_an_open_transaction_sees_its_writes_and_leaves_it_open() {
        let mut db = db_with(2);
        db.execute("BEGIN", &Params::new()).unwrap();
        db.execute("CREATE (:A {i: 3})", &Params::new()).unwrap();
        let mut keep = Keep::default();
        let q = "MATCH (a:A) RETURN sum(a.i) AS s";
        db.stream_read_in_transaction(q, &Params::new(), &Cancel::default(), &mut keep)
            .unwrap();
        assert_eq!(keep.rows, vec![vec![Value::Int(6)]]);
        let e = db
            .stream_read_in_transaction(
                "CREATE (:B)",
                &Params::new(),
                &Cancel::default(),
                &mut Keep::default(),
            )
            .unwrap_err();
        assert_eq!(e.code, "AccessMode");
        assert!(db.in_transaction());
        // Others do not see it until it commits.
        let r = db
            .execute_read(q, &Params::new(), &Cancel::default())
            .unwrap();
        assert_eq!(r.rows, vec![vec![Value::Int(3)]]);
        db.execute("COMMIT", &Params::new()).unwrap();
        let r = db
            .execute_read(q, &Params::new(), &Cancel::default())
            .unwrap();
        assert_eq!(r.rows, vec![vec![Value::Int(6)]]);
    }

    #[test]
    fn a_read_stops_on_its_own_cancel_flag() {
        let db = db_with(1);
        let cancel = Cancel::default();
        cancel
            .flag
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let e = db
            .execute_read(
                "UNWIND range(1, 100000000) AS x RETURN count(x) AS c",
                &Params::new(),
                &cancel,
            )
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Cancelled);
        assert!(!db.cancel.flag.load(std::sync::atomic::Ordering::Relaxed));
    }
}

//! The database behind boltr's connection handling, behind one
//! reader-writer lock.
//!
//! An auto-commit statement that cannot write (`Statement::is_read_only`)
//! takes the read lock and runs beside other reads, its rows streaming to
//! the client (`stream.rs`). Everything else needs `&mut Database` and the
//! write lock, on tokio's blocking pool: an auto-commit write holds it
//! while it runs (it commits, flushed, as in the CLI); an explicit
//! transaction (Bolt BEGIN) holds it from BEGIN to COMMIT or ROLLBACK,
//! because the engine has one open transaction and nobody else may see or
//! add to its uncommitted writes. The lock is fair: once a writer waits,
//! later readers queue behind it. A statement waits at most `lock_wait`,
//! then gets the transient `LockAcquisitionTimeout` that managed
//! transactions retry. A transaction left idle longer than `tx_idle` is
//! rolled back, and a read stream not pulled for as long is stopped, so
//! that one stalled client cannot stop the rest.

use super::stream::{self, ReadGuard};
use super::{errors, summary, values};
use crate::database::{Database, Params};
use crate::query::exec::context::Cancel;
use boltr::error::BoltError;
use boltr::server::{
    BoltBackend, ResultStream, RoutingServer, RoutingTable, SessionConfig, SessionHandle,
    SessionProperty, TransactionHandle,
};
use boltr::types::{BoltDict, BoltValue};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::sync::OwnedRwLockWriteGuard;

/// The database, `None` once the server has closed it.
pub type DbLock = Arc<tokio::sync::RwLock<Option<Database>>>;
type Guard = OwnedRwLockWriteGuard<Option<Database>>;

/// Statement texts `Shared::reads_alone` keeps its answer for.
const KNOWN_TEXTS: usize = 512;

pub struct Config {
    /// Refuse every statement that would change the database.
    pub read_only: bool,
    /// Longest a statement may run (`--timeout`).
    pub timeout: Option<Duration>,
    /// Longest a statement or BEGIN waits for another session's transaction.
    pub lock_wait: Duration,
    /// Longest an explicit transaction may sit between two messages.
    pub tx_idle: Duration,
    /// `host:port` for ROUTE answers when the driver does not say how it
    /// reached us.
    pub address: String,
}

/// What the server's sessions share.
pub struct Shared {
    pub db: DbLock,
    /// The database's cancel flag: set at shutdown, it stops the write
    /// that is running (reads have their own, `reads`).
    pub cancel: Arc<AtomicBool>,
    pub config: Config,
    /// Set when shutdown begins: no new statement or transaction starts.
    pub closing: AtomicBool,
    sessions: Mutex<HashMap<String, Session>>,
    next_session: AtomicU64,
    commits: AtomicU64,
    /// The cancel flags of the reads that may be running (shutdown sets them).
    reads: Mutex<Vec<Weak<AtomicBool>>>,
    /// Whether a statement text can only read, by text.
    read_only: Mutex<HashMap<String, bool>>,
}

#[derive(Default)]
struct Session {
    tx: Option<TxState>,
}

enum TxState {
    /// Open, waiting for the client's next message.
    Held(TxSlot),
    /// A statement of it is running (its slot is on the blocking pool).
    Busy,
    /// Ended by the server (idle too long, shutdown, a write in a read
    /// transaction): what to tell the client, as a status code and text.
    Ended(&'static str, String),
}

struct TxSlot {
    guard: Guard,
    read: bool,
    /// The driver's transaction timeout (BEGIN `tx_timeout`), per statement.
    timeout: Option<Duration>,
    last_used: Instant,
}

impl Shared {
    pub fn new(db: Database, config: Config) -> Arc<Shared> {
        let cancel = db.cancel.flag.clone();
        Arc::new(Shared {
            db: Arc::new(tokio::sync::RwLock::new(Some(db))),
            cancel,
            config,
            closing: AtomicBool::new(false),
            sessions: Mutex::new(HashMap::new()),
            next_session: AtomicU64::new(1),
            commits: AtomicU64::new(0),
            reads: Mutex::new(Vec::new()),
            read_only: Mutex::new(HashMap::new()),
        })
    }

    /// Whether `query` runs as a read beside others: its clauses cannot
    /// write. Text that does not parse goes there too, and fails there.
    fn reads_alone(&self, query: &str) -> bool {
        let mut known = self.read_only.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(&r) = known.get(query) {
            return r;
        }
        let r = crate::query::parse::parse_statement(query)
            .map(|s| s.is_read_only())
            .unwrap_or(true);
        if known.len() >= KNOWN_TEXTS {
            known.clear();
        }
        known.insert(query.to_string(), r);
        r
    }

    /// A fresh cancel flag for a read, set at shutdown.
    fn read_flag(&self) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        let mut reads = self.reads.lock().unwrap_or_else(|p| p.into_inner());
        reads.retain(|r| r.strong_count() > 0);
        reads.push(Arc::downgrade(&flag));
        flag
    }

    /// Stops every read that is running.
    pub fn cancel_reads(&self) {
        let reads = self.reads.lock().unwrap_or_else(|p| p.into_inner());
        for flag in reads.iter().filter_map(Weak::upgrade) {
            flag.store(true, Ordering::Relaxed);
        }
    }

    /// The read lock, as `lock` the write lock.
    async fn read_lock(&self) -> Result<ReadGuard, BoltError> {
        if self.closing.load(Ordering::Relaxed) {
            return Err(errors::shutting_down());
        }
        let wait = self.config.lock_wait;
        let guard = tokio::time::timeout(wait, Arc::clone(&self.db).read_owned())
            .await
            .map_err(|_| errors::lock_timeout(wait))?;
        match guard.as_ref() {
            None => Err(errors::shutting_down()),
            Some(_) => Ok(guard),
        }
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        // A panic elsewhere while holding it leaves plain data behind.
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn lock(&self) -> Result<Guard, BoltError> {
        if self.closing.load(Ordering::Relaxed) {
            return Err(errors::shutting_down());
        }
        let wait = self.config.lock_wait;
        let mut guard = tokio::time::timeout(wait, Arc::clone(&self.db).write_owned())
            .await
            .map_err(|_| errors::lock_timeout(wait))?;
        match guard.as_mut() {
            None => Err(errors::shutting_down()),
            Some(db) => {
                // Whoever held the lock ended its transaction; if not (a
                // statement that left one open), it must not leak into ours.
                if db.in_transaction() {
                    let _ = db.execute("ROLLBACK", &Params::new());
                }
                Ok(guard)
            }
        }
    }

    /// Rolls back explicit transactions idle for longer than `older_than`
    /// (all of them for `Duration::ZERO`); the client learns why from its
    /// next message in that transaction.
    pub async fn end_transactions(&self, older_than: Duration, code: &'static str, why: &str) {
        let slots: Vec<TxSlot> = {
            let mut sessions = self.sessions();
            let mut out = Vec::new();
            for s in sessions.values_mut() {
                let stale = matches!(&s.tx, Some(TxState::Held(slot)) if slot.last_used.elapsed() >= older_than);
                if stale {
                    if let Some(TxState::Held(slot)) =
                        s.tx.replace(TxState::Ended(code, why.to_string()))
                    {
                        out.push(slot);
                    }
                }
            }
            out
        };
        for slot in slots {
            let _ = tokio::task::spawn_blocking(move || rollback_slot(slot)).await;
        }
    }

    fn take_slot(&self, session: &SessionHandle) -> Result<TxSlot, BoltError> {
        let mut sessions = self.sessions();
        let s = sessions.entry(session.0.clone()).or_default();
        match s.tx.take() {
            Some(TxState::Held(slot)) => {
                s.tx = Some(TxState::Busy);
                Ok(slot)
            }
            Some(TxState::Ended(code, why)) => Err(errors::failure(code, why)),
            other => {
                s.tx = other;
                Err(errors::failure(
                    "Neo.ClientError.Request.Invalid",
                    "there is no open transaction in this session",
                ))
            }
        }
    }

    fn put_slot(&self, session: &SessionHandle, mut slot: TxSlot) {
        slot.last_used = Instant::now();
        let mut sessions = self.sessions();
        sessions.entry(session.0.clone()).or_default().tx = Some(TxState::Held(slot));
    }

    /// Ends the session's transaction (ROLLBACK, RESET, disconnect).
    async fn drop_transaction(&self, session: &SessionHandle) {
        let slot = {
            let mut sessions = self.sessions();
            match sessions.get_mut(&session.0).and_then(|s| s.tx.take()) {
                Some(TxState::Held(slot)) => Some(slot),
                _ => None,
            }
        };
        if let Some(slot) = slot {
            let _ = tokio::task::spawn_blocking(move || rollback_slot(slot)).await;
        }
    }

    fn bookmark(&self) -> BoltValue {
        let n = self.commits.fetch_add(1, Ordering::Relaxed) + 1;
        BoltValue::String(format!("supplygraph:{n}"))
    }

    /// Shortest of the server's and the driver's statement time limits.
    fn limit(&self, driver: Option<Duration>) -> Option<Duration> {
        match (self.config.timeout, driver) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

fn rollback_slot(mut slot: TxSlot) {
    if let Some(db) = slot.guard.as_mut() {
        if db.in_transaction() {
            let _ = db.execute("ROLLBACK", &Params::new());
        }
    }
}

/// `tx_timeout` (milliseconds) from a RUN or BEGIN.
fn driver_timeout(extra: &BoltDict) -> Option<Duration> {
    match extra.get("tx_timeout") {
        Some(BoltValue::Integer(ms)) if *ms > 0 => Some(Duration::from_millis(*ms as u64)),
        _ => None,
    }
}

fn read_mode(extra: &BoltDict) -> bool {
    matches!(extra.get("mode"), Some(BoltValue::String(m)) if m == "r")
}

/// Whether a statement's text is BEGIN, COMMIT or ROLLBACK: transactions
/// over Bolt are the driver's BEGIN/COMMIT messages, which also move the
/// database lock; the statements would bypass it.
fn is_transaction_statement(query: &str) -> bool {
    let mut rest = query.trim_start();
    loop {
        if let Some(r) = rest.strip_prefix("//") {
            rest = r
                .split_once('\n')
                .map(|(_, r)| r)
                .unwrap_or("")
                .trim_start();
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r
                .split_once("*/")
                .map(|(_, r)| r)
                .unwrap_or("")
                .trim_start();
        } else {
            break;
        }
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    ["BEGIN", "COMMIT", "ROLLBACK"]
        .iter()
        .any(|k| word.eq_ignore_ascii_case(k))
}

/// How a statement runs.
struct Run {
    /// Inside an explicit transaction.
    explicit: bool,
    /// Refuse writes (read access mode or `--read-only`).
    read: bool,
    read_only_server: bool,
    limit: Option<Duration>,
}

/// The result, and whether an explicit transaction must end because of it.
struct Outcome {
    result: Result<ResultStream, BoltError>,
    doom: bool,
}

fn run_statement(db: &mut Database, query: &str, params: &Params, how: &Run) -> Outcome {
    let fail = |e| Outcome {
        result: Err(e),
        doom: false,
    };
    if is_transaction_statement(query) {
        return fail(errors::failure(
            "Neo.ClientError.Request.Invalid",
            "BEGIN, COMMIT and ROLLBACK are not statements over Bolt: use the driver's \
             transactions (session.begin_transaction, execute_read/execute_write)",
        ));
    }
    let started = Instant::now();
    let no_params = Params::new();
    db.cancel.deadline = how.limit.map(|l| started + l);
    // A read in auto-commit runs inside a transaction of its own, so that a
    // statement that turns out to write can be undone.
    let wrap = how.read && !how.explicit;
    let outcome = if wrap {
        match db.execute("BEGIN", &no_params) {
            Err(e) => Err(e),
            Ok(_) => match db.execute(query, params) {
                Ok(r) if !r.stats.is_empty() => {
                    let _ = db.execute("ROLLBACK", &no_params);
                    Ok(r)
                }
                Ok(r) => db.execute("COMMIT", &no_params).map(|_| r),
                Err(e) => {
                    let _ = db.execute("ROLLBACK", &no_params);
                    Err(e)
                }
            },
        }
    } else {
        db.execute(query, params)
    };
    db.cancel.deadline = None;
    let r = match outcome {
        Ok(r) => r,
        Err(e) => return fail(errors::to_bolt(&e, query)),
    };
    if how.read && !r.stats.is_empty() {
        let why = if how.read_only_server {
            "the server was started with --read-only: statements that change the database are refused"
        } else {
            "writing in a read transaction (read access mode) is not allowed"
        };
        return Outcome {
            result: Err(errors::failure("Neo.ClientError.Statement.AccessMode", why)),
            doom: how.explicit,
        };
    }
    Outcome {
        result: Ok(summary::result_stream(r, started, query)),
        doom: false,
    }
}

fn convert_params(parameters: &HashMap<String, BoltValue>) -> Result<Params, BoltError> {
    parameters
        .iter()
        .map(|(k, v)| Ok((k.clone(), values::from_bolt(v, k)?)))
        .collect::<Result<Params, String>>()
        .map_err(|m| errors::failure("Neo.ClientError.Statement.TypeError", m))
}

fn join_error(e: tokio::task::JoinError) -> BoltError {
    errors::failure(
        "Neo.DatabaseError.General.UnknownError",
        format!("the statement's worker failed: {e}"),
    )
}

/// boltr calls this for every session; it wraps the shared state.
pub struct Backend(pub Arc<Shared>);

#[async_trait::async_trait]
impl BoltBackend for Backend {
    async fn create_session(&self, _config: &SessionConfig) -> Result<SessionHandle, BoltError> {
        let id = self.0.next_session.fetch_add(1, Ordering::Relaxed);
        let handle = SessionHandle(format!("s{id}"));
        self.0
            .sessions()
            .insert(handle.0.clone(), Session::default());
        Ok(handle)
    }

    async fn close_session(&self, session: &SessionHandle) -> Result<(), BoltError> {
        self.0.drop_transaction(session).await;
        self.0.sessions().remove(&session.0);
        Ok(())
    }

    /// One database per server: the `db` a driver names is not checked.
    async fn configure_session(
        &self,
        _session: &SessionHandle,
        _property: SessionProperty,
    ) -> Result<(), BoltError> {
        Ok(())
    }

    async fn reset_session(&self, session: &SessionHandle) -> Result<(), BoltError> {
        self.0.drop_transaction(session).await;
        if let Some(s) = self.0.sessions().get_mut(&session.0) {
            s.tx = None;
        }
        Ok(())
    }

    async fn execute(
        &self,
        session: &SessionHandle,
        query: &str,
        parameters: &HashMap<String, BoltValue>,
        extra: &BoltDict,
        transaction: Option<&TransactionHandle>,
    ) -> Result<ResultStream, BoltError> {
        let shared = &self.0;
        let params = convert_params(parameters)?;
        let text = query.to_string();
        if transaction.is_none() && shared.reads_alone(query) {
            let guard = shared.read_lock().await?;
            let limit = shared.limit(driver_timeout(extra));
            let read = stream::Read {
                text,
                params,
                cancel: Cancel {
                    flag: shared.read_flag(),
                    deadline: limit.map(|l| Instant::now() + l),
                },
                idle: shared.config.tx_idle,
            };
            return stream::start(guard, read).await;
        }
        if transaction.is_none() {
            let mut guard = shared.lock().await?;
            let how = Run {
                explicit: false,
                read: shared.config.read_only || read_mode(extra),
                read_only_server: shared.config.read_only,
                limit: shared.limit(driver_timeout(extra)),
            };
            return tokio::task::spawn_blocking(move || match guard.as_mut() {
                Some(db) => run_statement(db, &text, &params, &how).result,
                None => Err(errors::shutting_down()),
            })
            .await
            .map_err(join_error)?;
        }
        let mut slot = shared.take_slot(session)?;
        let how = Run {
            explicit: true,
            read: slot.read,
            read_only_server: shared.config.read_only,
            limit: shared.limit(slot.timeout),
        };
        let joined = tokio::task::spawn_blocking(move || {
            let outcome = match slot.guard.as_mut() {
                Some(db) => run_statement(db, &text, &params, &how),
                None => Outcome {
                    result: Err(errors::shutting_down()),
                    doom: true,
                },
            };
            (slot, outcome)
        })
        .await;
        let (slot, outcome) = match joined {
            Ok(x) => x,
            Err(e) => {
                // The slot (and with it the lock) went down with the task.
                if let Some(s) = shared.sessions().get_mut(&session.0) {
                    s.tx = None;
                }
                return Err(join_error(e));
            }
        };
        // After the shutdown's grace period (the cancel flag is set) a
        // transaction must not go back to holding the database.
        let ended = if outcome.doom {
            Some((
                "Neo.ClientError.Transaction.TransactionTerminated",
                "the transaction was rolled back after a write in read access mode",
            ))
        } else if shared.cancel.load(Ordering::Relaxed) {
            Some((
                "Neo.TransientError.General.DatabaseUnavailable",
                "the server shut down before the transaction ended; it was rolled back",
            ))
        } else {
            None
        };
        if let Some((code, why)) = ended {
            if let Some(s) = shared.sessions().get_mut(&session.0) {
                s.tx = Some(TxState::Ended(code, why.into()));
            }
            let _ = tokio::task::spawn_blocking(move || rollback_slot(slot)).await;
        } else {
            shared.put_slot(session, slot);
        }
        outcome.result
    }

    async fn begin_transaction(
        &self,
        session: &SessionHandle,
        extra: &BoltDict,
    ) -> Result<TransactionHandle, BoltError> {
        let shared = &self.0;
        {
            let mut sessions = shared.sessions();
            let s = sessions.entry(session.0.clone()).or_default();
            match &s.tx {
                Some(TxState::Held(_) | TxState::Busy) => {
                    return Err(errors::failure(
                        "Neo.ClientError.Transaction.TransactionStartFailed",
                        "a transaction is already open in this session",
                    ))
                }
                _ => s.tx = None,
            }
        }
        let mut guard = shared.lock().await?;
        if let Some(db) = guard.as_mut() {
            db.execute("BEGIN", &Params::new())
                .map_err(|e| errors::to_bolt(&e, "BEGIN"))?;
        }
        shared.put_slot(
            session,
            TxSlot {
                guard,
                read: shared.config.read_only || read_mode(extra),
                timeout: driver_timeout(extra),
                last_used: Instant::now(),
            },
        );
        Ok(TransactionHandle(session.0.clone()))
    }

    async fn commit(
        &self,
        session: &SessionHandle,
        _transaction: &TransactionHandle,
    ) -> Result<BoltDict, BoltError> {
        let shared = &self.0;
        let mut slot = shared.take_slot(session)?;
        let committed = tokio::task::spawn_blocking(move || match slot.guard.as_mut() {
            Some(db) => db
                .execute("COMMIT", &Params::new())
                .map(|_| ())
                .map_err(|e| errors::to_bolt(&e, "COMMIT")),
            None => Err(errors::shutting_down()),
        })
        .await;
        if let Some(s) = shared.sessions().get_mut(&session.0) {
            s.tx = None;
        }
        committed.map_err(join_error)??;
        Ok(BoltDict::from([(
            "bookmark".to_string(),
            shared.bookmark(),
        )]))
    }

    async fn rollback(
        &self,
        session: &SessionHandle,
        _transaction: &TransactionHandle,
    ) -> Result<(), BoltError> {
        // Ended by the server already: rolled back, nothing to tell.
        self.0.drop_transaction(session).await;
        if let Some(s) = self.0.sessions().get_mut(&session.0) {
            s.tx = None;
        }
        Ok(())
    }

    async fn get_server_info(&self) -> Result<BoltDict, BoltError> {
        Ok(BoltDict::from([(
            "server".to_string(),
            BoltValue::String(format!("supplygraph/{}", env!("CARGO_PKG_VERSION"))),
        )]))
    }

    /// One server does everything: it is the writer, reader and router.
    async fn route(
        &self,
        routing_context: &BoltDict,
        _bookmarks: &[String],
        db: Option<&str>,
    ) -> Result<RoutingTable, BoltError> {
        let address = routing_context
            .get("address")
            .and_then(|a| a.as_str())
            .unwrap_or(&self.0.config.address)
            .to_string();
        Ok(RoutingTable {
            ttl: 300,
            db: db.unwrap_or("neo4j").to_string(),
            servers: ["WRITE", "READ", "ROUTE"]
                .iter()
                .map(|role| RoutingServer {
                    addresses: vec![address.clone()],
                    role: role.to_string(),
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_statements_are_recognised_behind_comments() {
        for q in ["BEGIN", "  commit;", "// note\nROLLBACK", "/* a */ begin"] {
            assert!(is_transaction_statement(q), "{q}");
        }
        for q in ["RETURN 1", "MATCH (begin) RETURN begin", "", "/* unclosed"] {
            assert!(!is_transaction_statement(q), "{q}");
        }
    }

    fn run(db: &mut Database, q: &str, read: bool) -> Outcome {
        let how = Run {
            explicit: false,
            read,
            read_only_server: false,
            limit: None,
        };
        run_statement(db, q, &Params::new(), &how)
    }

    #[test]
    fn a_write_in_read_mode_is_refused_and_changes_nothing() {
        let mut db = Database::open_memory().unwrap();
        let out = run(&mut db, "CREATE (:A)", true);
        match out.result {
            Err(BoltError::Query { code, .. }) => {
                assert_eq!(code, "Neo.ClientError.Statement.AccessMode")
            }
            _ => panic!("the write was not refused"),
        }
        assert!(!db.in_transaction());
        let out = run(&mut db, "MATCH (n) RETURN count(n) AS c", true);
        let r = out.result.unwrap_or_else(|_| panic!("the read failed"));
        assert_eq!(r.records[0].values, vec![BoltValue::Integer(0)]);
        // The same statement in write mode commits, and reports counters.
        let r = run(&mut db, "CREATE (:A {x: 1})", false)
            .result
            .unwrap_or_else(|_| panic!("the write failed"));
        let Some(BoltValue::Dict(stats)) = r.summary.get("stats") else {
            panic!("no stats")
        };
        assert_eq!(stats.get("nodes-created"), Some(&BoltValue::Integer(1)));
        assert_eq!(stats.get("properties-set"), Some(&BoltValue::Integer(1)));
    }

    #[test]
    fn a_failing_statement_reports_a_neo4j_code() {
        let mut db = Database::open_memory().unwrap();
        let out = run(&mut db, "MATCH (n RETURN n", false);
        let Err(BoltError::Query { code, message }) = out.result else {
            panic!("no error")
        };
        assert_eq!(code, "Neo.ClientError.Statement.SyntaxError");
        assert!(message.contains("(line 1, column"), "{message}");
        let out = run(&mut db, "BEGIN", false);
        assert!(out.result.is_err());
        assert!(!db.in_transaction());
    }
}

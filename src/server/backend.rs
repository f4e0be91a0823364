//! The database behind boltr's connection handling, behind one
//! reader-writer lock.
//!
//! An auto-commit statement that cannot write (`Statement::is_read_only`)
//! takes the read lock and runs beside other reads, its rows streaming to
//! the client (`stream.rs`). A read transaction (BEGIN with access mode
//! `r`, as `execute_read` sends it, and every transaction of a
//! `--read-only` server) holds the read lock from BEGIN to its end, shared
//! with other reads and with its own statements, which stream the same
//! way; one that can write is refused with `AccessMode` before it runs.
//!
//! Everything else needs `&mut Database` and the write lock, on tokio's
//! blocking pool: an auto-commit write holds it while it runs (it commits,
//! flushed, as in the CLI); a write transaction holds it from BEGIN to
//! COMMIT or ROLLBACK, because the engine has one open transaction and
//! nobody else may see or add to its uncommitted writes. Its reads stream
//! too, the lock lent to the statement while it runs (`TxState::Lent`);
//! its writes run whole. The lock is fair: once a writer waits, later
//! readers queue behind it. A statement waits at most `lock_wait`, then
//! gets the transient `LockAcquisitionTimeout` that managed transactions
//! retry. A transaction left idle longer than `tx_idle` is rolled back,
//! and a read stream not pulled for as long is stopped, so that one
//! stalled client cannot stop the rest.

use super::stream::{self, Access, ReadGuard};
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
use tokio::sync::oneshot;

/// The database, `None` once the server has closed it.
pub type DbLock = Arc<tokio::sync::RwLock<Option<Database>>>;
type Guard = stream::WriteGuard;

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
    /// A read of a write transaction streams, the lock lent to it; the
    /// slot comes back through `back` when it ends.
    Lent(Lent),
    /// Ended by the server (idle too long, shutdown): what to tell the
    /// client, as a status code and text.
    Ended(&'static str, String),
}

struct Lent {
    back: oneshot::Receiver<TxSlot>,
    /// Finish without waiting for the reader (the transaction goes on).
    detach: Arc<AtomicBool>,
    /// Stop (the transaction ends).
    cancel: Arc<AtomicBool>,
}

struct TxSlot {
    access: TxAccess,
    /// The driver's transaction timeout (BEGIN `tx_timeout`), per statement.
    timeout: Option<Duration>,
    last_used: Instant,
}

enum TxAccess {
    /// A read transaction: the read lock, shared with its statements.
    Read(Arc<ReadGuard>),
    /// A write transaction: the write lock, over the database's open
    /// transaction.
    Write(Guard),
}

/// What to do with a read of the transaction still streaming when its
/// lock is wanted back.
#[derive(Clone, Copy)]
enum Reclaim {
    /// Let it finish, its rows kept for the client (RUN, COMMIT).
    Finish,
    /// Stop it (ROLLBACK, RESET, disconnect).
    Stop,
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
                // A lent lock that came back is held again.
                if let Some(TxState::Lent(lent)) = s.tx.as_mut() {
                    if let Ok(slot) = lent.back.try_recv() {
                        s.tx = Some(TxState::Held(slot));
                    }
                }
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

    /// The session's transaction, marked busy until `put_slot`; a lock lent
    /// to a streaming read is taken back first (`how`).
    async fn take_slot(&self, session: &SessionHandle, how: Reclaim) -> Result<TxSlot, BoltError> {
        let lent = {
            let mut sessions = self.sessions();
            let s = sessions.entry(session.0.clone()).or_default();
            match s.tx.take() {
                Some(TxState::Held(slot)) => {
                    s.tx = Some(TxState::Busy);
                    return Ok(slot);
                }
                Some(TxState::Lent(lent)) => {
                    s.tx = Some(TxState::Busy);
                    lent
                }
                Some(TxState::Ended(code, why)) => return Err(errors::failure(code, why)),
                other => {
                    s.tx = other;
                    return Err(errors::failure(
                        "Neo.ClientError.Request.Invalid",
                        "there is no open transaction in this session",
                    ));
                }
            }
        };
        match how {
            Reclaim::Finish => lent.detach.store(true, Ordering::Relaxed),
            Reclaim::Stop => lent.cancel.store(true, Ordering::Relaxed),
        }
        match lent.back.await {
            Ok(slot) => Ok(slot),
            Err(_) => {
                // The statement's worker went down with the lock.
                if let Some(s) = self.sessions().get_mut(&session.0) {
                    s.tx = None;
                }
                Err(errors::failure(
                    "Neo.DatabaseError.General.UnknownError",
                    "the transaction's statement stopped unexpectedly; the transaction was rolled back",
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
        let holds = matches!(
            self.sessions().get(&session.0).and_then(|s| s.tx.as_ref()),
            Some(TxState::Held(_) | TxState::Lent(_))
        );
        if !holds {
            if let Some(s) = self.sessions().get_mut(&session.0) {
                s.tx = None;
            }
            return;
        }
        if let Ok(slot) = self.take_slot(session, Reclaim::Stop).await {
            let _ = tokio::task::spawn_blocking(move || rollback_slot(slot)).await;
        }
        if let Some(s) = self.sessions().get_mut(&session.0) {
            s.tx = None;
        }
    }

    /// A streamed read's settings: its own cancel flag (set at shutdown)
    /// and deadline.
    fn read(&self, text: String, params: Params, timeout: Option<Duration>) -> stream::Read {
        let limit = self.limit(timeout);
        stream::Read {
            text,
            params,
            cancel: Cancel {
                flag: self.read_flag(),
                deadline: limit.map(|l| Instant::now() + l),
            },
            idle: self.config.tx_idle,
            detach: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The refusal of a statement that can write, in read access mode.
    fn refuse_write(&self) -> BoltError {
        errors::failure(
            "Neo.ClientError.Statement.AccessMode",
            if self.config.read_only {
                "the server was started with --read-only: statements that change the database \
                 are refused"
            } else {
                "writing in a read transaction (read access mode) is not allowed: the statement \
                 can change the database (CREATE, MERGE, SET, REMOVE or DELETE)"
            },
        )
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

fn rollback_slot(slot: TxSlot) {
    if let TxAccess::Write(mut guard) = slot.access {
        if let Some(db) = guard.as_mut() {
            if db.in_transaction() {
                let _ = db.execute("ROLLBACK", &Params::new());
            }
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

/// Runs a statement whole under the write lock: an auto-commit write
/// (committed, flushed) or a write transaction's statement. `limit` is
/// its time limit.
fn run_statement(
    db: &mut Database,
    query: &str,
    params: &Params,
    limit: Option<Duration>,
) -> Result<ResultStream, BoltError> {
    let started = Instant::now();
    db.cancel.deadline = limit.map(|l| started + l);
    let outcome = db.execute(query, params);
    db.cancel.deadline = None;
    outcome
        .map(|r| summary::result_stream(r, started, query))
        .map_err(|e| errors::to_bolt(&e, query))
}

fn transaction_statement() -> BoltError {
    errors::failure(
        "Neo.ClientError.Request.Invalid",
        "BEGIN, COMMIT and ROLLBACK are not statements over Bolt: use the driver's \
         transactions (session.begin_transaction, execute_read/execute_write)",
    )
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
        if is_transaction_statement(query) {
            return Err(transaction_statement());
        }
        let params = convert_params(parameters)?;
        let text = query.to_string();
        let reads = shared.reads_alone(query);
        if transaction.is_none() {
            if reads {
                let guard = shared.read_lock().await?;
                let read = shared.read(text, params, driver_timeout(extra));
                return stream::start(Access::Shared(Arc::new(guard)), read).await;
            }
            if shared.config.read_only || read_mode(extra) {
                return Err(shared.refuse_write());
            }
            let mut guard = shared.lock().await?;
            let limit = shared.limit(driver_timeout(extra));
            return tokio::task::spawn_blocking(move || match guard.as_mut() {
                Some(db) => run_statement(db, &text, &params, limit),
                None => Err(errors::shutting_down()),
            })
            .await
            .map_err(join_error)?;
        }
        let slot = shared.take_slot(session, Reclaim::Finish).await?;
        let timeout = slot.timeout;
        let guard = match slot.access {
            TxAccess::Read(ref guard) => {
                // A read transaction: its statements share its read lock.
                let guard = Arc::clone(guard);
                shared.put_slot(session, slot);
                if !reads {
                    return Err(shared.refuse_write());
                }
                let read = shared.read(text, params, timeout);
                return stream::start(Access::Shared(guard), read).await;
            }
            TxAccess::Write(guard) => guard,
        };
        if reads && !shared.cancel.load(Ordering::Relaxed) {
            // A read in a write transaction streams with the lock lent to
            // it; the transaction's next message takes it back.
            let read = shared.read(text, params, timeout);
            let (give, back) = oneshot::channel();
            if let Some(s) = shared.sessions().get_mut(&session.0) {
                s.tx = Some(TxState::Lent(Lent {
                    back,
                    detach: Arc::clone(&read.detach),
                    cancel: Arc::clone(&read.cancel.flag),
                }));
            }
            let give_back = move |guard| {
                let _ = give.send(TxSlot {
                    access: TxAccess::Write(guard),
                    timeout,
                    last_used: Instant::now(),
                });
            };
            return stream::start(Access::Lent(guard, Box::new(give_back)), read).await;
        }
        let limit = shared.limit(timeout);
        let mut slot = TxSlot {
            access: TxAccess::Write(guard),
            timeout,
            last_used: Instant::now(),
        };
        let joined = tokio::task::spawn_blocking(move || {
            let result = match &mut slot.access {
                TxAccess::Write(guard) => match guard.as_mut() {
                    Some(db) => run_statement(db, &text, &params, limit),
                    None => Err(errors::shutting_down()),
                },
                TxAccess::Read(_) => Err(errors::shutting_down()),
            };
            (slot, result)
        })
        .await;
        let (slot, result) = match joined {
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
        if shared.cancel.load(Ordering::Relaxed) {
            if let Some(s) = shared.sessions().get_mut(&session.0) {
                s.tx = Some(TxState::Ended(
                    "Neo.TransientError.General.DatabaseUnavailable",
                    "the server shut down before the transaction ended; it was rolled back".into(),
                ));
            }
            let _ = tokio::task::spawn_blocking(move || rollback_slot(slot)).await;
        } else {
            shared.put_slot(session, slot);
        }
        result
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
                Some(TxState::Held(_) | TxState::Busy | TxState::Lent(_)) => {
                    return Err(errors::failure(
                        "Neo.ClientError.Transaction.TransactionStartFailed",
                        "a transaction is already open in this session",
                    ))
                }
                _ => s.tx = None,
            }
        }
        // A read transaction shares the read lock; a write transaction
        // takes the write lock and opens the database's transaction.
        let access = if shared.config.read_only || read_mode(extra) {
            TxAccess::Read(Arc::new(shared.read_lock().await?))
        } else {
            let mut guard = shared.lock().await?;
            if let Some(db) = guard.as_mut() {
                db.execute("BEGIN", &Params::new())
                    .map_err(|e| errors::to_bolt(&e, "BEGIN"))?;
            }
            TxAccess::Write(guard)
        };
        shared.put_slot(
            session,
            TxSlot {
                access,
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
        let slot = shared.take_slot(session, Reclaim::Finish).await?;
        // A read transaction has nothing to commit: its lock is released.
        let committed = tokio::task::spawn_blocking(move || match slot.access {
            TxAccess::Write(mut guard) => match guard.as_mut() {
                Some(db) => db
                    .execute("COMMIT", &Params::new())
                    .map(|_| ())
                    .map_err(|e| errors::to_bolt(&e, "COMMIT")),
                None => Err(errors::shutting_down()),
            },
            TxAccess::Read(_) => Ok(()),
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

    #[test]
    fn a_write_reports_its_counters_and_a_failure_its_neo4j_code() {
        let mut db = Database::open_memory().unwrap();
        let r = run_statement(&mut db, "CREATE (:A {x: 1})", &Params::new(), None)
            .unwrap_or_else(|_| panic!("the write failed"));
        let Some(BoltValue::Dict(stats)) = r.summary.get("stats") else {
            panic!("no stats")
        };
        assert_eq!(stats.get("nodes-created"), Some(&BoltValue::Integer(1)));
        assert_eq!(stats.get("properties-set"), Some(&BoltValue::Integer(1)));
        let Err(BoltError::Query { code, message }) =
            run_statement(&mut db, "MATCH (n RETURN n", &Params::new(), None)
        else {
            panic!("no error")
        };
        assert_eq!(code, "Neo.ClientError.Statement.SyntaxError");
        assert!(message.contains("(line 1, column"), "{message}");
    }

    fn backend() -> Backend {
        let db = Database::open_memory().unwrap();
        Backend(Shared::new(
            db,
            Config {
                read_only: false,
                timeout: None,
                lock_wait: Duration::from_secs(5),
                tx_idle: Duration::from_secs(60),
                address: "127.0.0.1:7687".into(),
            },
        ))
    }

    fn mode(m: &str) -> BoltDict {
        BoltDict::from([("mode".to_string(), BoltValue::String(m.into()))])
    }

    /// Runs `q` and pulls its whole result: the first column of each row.
    async fn rows(
        b: &Backend,
        s: &SessionHandle,
        tx: Option<&TransactionHandle>,
        q: &str,
    ) -> Result<Vec<BoltValue>, BoltError> {
        let mut r = b
            .execute(s, q, &HashMap::new(), &BoltDict::new(), tx)
            .await?;
        let mut out: Vec<BoltValue> = r.records.drain(..).map(|x| x.values[0].clone()).collect();
        if let Some(mut source) = r.source.take() {
            loop {
                let pulled = source.pull(100).await?;
                out.extend(pulled.records.into_iter().map(|x| x.values[0].clone()));
                if pulled.summary.is_some() {
                    break;
                }
            }
        }
        Ok(out)
    }

    fn code(e: BoltError) -> String {
        match e {
            BoltError::Query { code, .. } => code,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn read_transactions_overlap_and_refuse_writes_and_a_write_transaction_streams_its_reads() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let b = backend();
            let cfg = SessionConfig {
                user_agent: "test".into(),
                database: None,
            };
            let (s1, s2, s3) = (
                b.create_session(&cfg).await.unwrap(),
                b.create_session(&cfg).await.unwrap(),
                b.create_session(&cfg).await.unwrap(),
            );
            rows(&b, &s3, None, "UNWIND range(1, 3) AS i CREATE (:A {i: i})")
                .await
                .unwrap();
            // Two read transactions open at once, each reading.
            let t1 = b.begin_transaction(&s1, &mode("r")).await.unwrap();
            let t2 = b.begin_transaction(&s2, &mode("r")).await.unwrap();
            let q = "MATCH (a:A) RETURN count(a) AS c";
            assert_eq!(
                rows(&b, &s1, Some(&t1), q).await.unwrap(),
                [BoltValue::Integer(3)]
            );
            assert_eq!(
                rows(&b, &s2, Some(&t2), q).await.unwrap(),
                [BoltValue::Integer(3)]
            );
            // A write in one is refused and changes nothing.
            let e = rows(&b, &s1, Some(&t1), "CREATE (:A {i: 9})")
                .await
                .unwrap_err();
            assert_eq!(code(e), "Neo.ClientError.Statement.AccessMode");
            b.commit(&s1, &t1).await.unwrap();
            b.rollback(&s2, &t2).await.unwrap();
            // A write transaction: a read sees its own writes, a second
            // statement while the first result is open keeps that result,
            // and the commit lands.
            let t3 = b.begin_transaction(&s3, &BoltDict::new()).await.unwrap();
            rows(&b, &s3, Some(&t3), "CREATE (:A {i: 4})")
                .await
                .unwrap();
            let mut open = b
                .execute(
                    &s3,
                    "MATCH (a:A) RETURN a.i AS i ORDER BY i",
                    &HashMap::new(),
                    &BoltDict::new(),
                    Some(&t3),
                )
                .await
                .unwrap();
            assert!(
                open.source.is_some(),
                "the read in a write transaction is not streamed"
            );
            assert_eq!(
                rows(&b, &s3, Some(&t3), q).await.unwrap(),
                [BoltValue::Integer(4)]
            );
            let pulled = open.source.as_mut().unwrap().pull(10).await.unwrap();
            let got: Vec<_> = pulled.records.iter().map(|r| r.values[0].clone()).collect();
            assert_eq!(got, (1..=4).map(BoltValue::Integer).collect::<Vec<_>>());
            b.commit(&s3, &t3).await.unwrap();
            assert_eq!(
                rows(&b, &s1, None, q).await.unwrap(),
                [BoltValue::Integer(4)]
            );
        });
    }
}

//! `supplygraph serve`: one process owns the database and speaks Bolt 5.1–5.4
//! to the Neo4j drivers. boltr does the wire (handshake, chunks, PackStream,
//! the connection state machine, PULL/DISCARD paging); `backend` runs
//! statements on the database (reads side by side, writes one at a time),
//! `stream` feeds a read's rows to PULL n as they are made, `summary`,
//! `values` and `errors` translate.

mod auth;
mod backend;
mod errors;
mod notifications;
mod stream;
mod summary;
mod values;

use crate::database::Database;
use backend::{Backend, Config, Shared};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

pub struct Options {
    pub listen: SocketAddr,
    /// `(user, password)`; `None` accepts any client.
    pub auth: Option<(String, String)>,
    pub read_only: bool,
    /// Longest a statement may run.
    pub timeout: Option<Duration>,
    /// Longest an explicit transaction may sit idle before it is rolled back.
    pub tx_idle: Duration,
    /// Longest a statement waits for another session's transaction.
    pub lock_wait: Duration,
    /// On Ctrl-C or SIGTERM, how long open transactions may take to finish.
    pub grace: Duration,
    /// Bytes one statement may hold (`--memory-limit`); `None`: the default.
    pub memory_limit: Option<usize>,
    /// Bytes of blocks kept between statements (`--cache-size`); `None`: the default.
    pub cache_size: Option<usize>,
}

/// Serves until Ctrl-C or SIGTERM, then drains and closes the database.
/// `label` names the database in what it prints.
pub fn serve(mut db: Database, label: &str, opts: Options) -> Result<(), String> {
    if let Some(bytes) = opts.memory_limit {
        db.set_memory_limit(bytes);
    }
    if let Some(bytes) = opts.cache_size {
        db.set_cache_size(bytes);
    }
    // Statements run on the runtime's blocking threads; they get the stack
    // the CLI's thread has (reserved, not committed), so a long path or a
    // deep value is as safe through a driver as from the shell.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(1 << 30)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server's runtime: {e}"))?;
    runtime.block_on(run(db, label, opts))
}

async fn run(db: Database, label: &str, opts: Options) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", opts.listen))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;
    let shared = Shared::new(
        db,
        Config {
            read_only: opts.read_only,
            timeout: opts.timeout,
            lock_wait: opts.lock_wait,
            tx_idle: opts.tx_idle,
            address: local.to_string(),
        },
    );
    let watchdog = tokio::spawn(end_idle_transactions(Arc::clone(&shared)));
    let mut server = boltr::server::BoltServer::builder(Backend(Arc::clone(&shared)))
        .max_sessions(1024)
        .shutdown(signal());
    if let Some((user, password)) = opts.auth.clone() {
        server = server.auth(auth::Basic { user, password });
    }
    println!(
        "supplygraph serve: {label} on bolt://{local}{}{}",
        if opts.auth.is_some() {
            " (auth required)"
        } else {
            ""
        },
        if opts.read_only { " (read-only)" } else { "" }
    );
    let _ = std::io::stdout().flush();
    let served = server.serve_listener(listener).await;
    // Stopped accepting. Drain: running statements and open transactions
    // get `grace` to finish, new ones are refused; then the running one is
    // cancelled, the rest rolled back, and the database closed (flushed).
    shared.closing.store(true, Ordering::Relaxed);
    eprintln!("supplygraph serve: shutting down");
    let deadline = tokio::time::Instant::now() + opts.grace;
    // The lock is taken while a statement runs, a read streams and a
    // transaction is open, and nothing new takes it once `closing` is set.
    while shared.db.try_write().is_err() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    shared.cancel.store(true, Ordering::Relaxed);
    shared.cancel_reads();
    watchdog.abort();
    // A statement of a transaction may still be finishing (cancelled): roll
    // back whatever holds the database until the lock is ours.
    let mut guard = loop {
        shared
            .end_transactions(
                Duration::ZERO,
                "Neo.TransientError.General.DatabaseUnavailable",
                "the server shut down before the transaction ended; it was rolled back",
            )
            .await;
        let wait = tokio::time::timeout(
            Duration::from_millis(100),
            Arc::clone(&shared.db).write_owned(),
        );
        if let Ok(guard) = wait.await {
            break guard;
        }
        shared.cancel_reads();
    };
    let db = guard.take();
    drop(guard);
    let closed = tokio::task::spawn_blocking(move || drop(db)).await;
    eprintln!("supplygraph serve: {label} closed");
    served.map_err(|e| format!("the server stopped: {e}"))?;
    closed.map_err(|e| format!("closing the database failed: {e}"))
}

/// Rolls back explicit transactions idle for longer than `tx_idle`.
async fn end_idle_transactions(shared: Arc<Shared>) {
    let limit = shared.config.tx_idle;
    let tick = (limit / 4).clamp(Duration::from_millis(50), Duration::from_secs(1));
    let why = format!(
        "the transaction was idle for more than {:.1} s and was rolled back (--tx-idle-timeout)",
        limit.as_secs_f64()
    );
    loop {
        tokio::time::sleep(tick).await;
        shared
            .end_transactions(
                limit,
                "Neo.ClientError.Transaction.TransactionTimedOut",
                &why,
            )
            .await;
    }
}

/// Ctrl-C, or SIGTERM on Unix. A signal that cannot be watched never fires.
async fn signal() {
    async fn ctrl_c() {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => ctrl_c().await,
        }
    }
    #[cfg(not(unix))]
    ctrl_c().await;
}

//! Reads that stream. An auto-commit statement that cannot write runs on
//! the blocking pool under the database's read lock, beside other reads
//! (`Database::stream_read`), and hands its rows, converted to Bolt
//! records, to a bounded channel in batches; boltr's PULL n takes records
//! from the other end (`RecordSource`), so a result is never held whole:
//! the producer waits while the channel is full.
//!
//! The read lock is held until the statement has produced its last row,
//! or stops: DISCARD, RESET, a new statement or a closed connection drop
//! the stream, which sets the statement's cancel flag. A client that stops
//! pulling without leaving keeps it for at most `--tx-idle-timeout` (the
//! limit on an idle transaction), or the statement's timeout if shorter;
//! then the statement is stopped, the lock released, and its next PULL
//! fails with `TransactionTimedOut`.

use super::{errors, summary, values};
use crate::database::{Database, Params, RowSink};
use crate::error::{Error, ErrorKind};
use crate::query::exec::context::Cancel;
use crate::result::Entities;
use crate::value::Value;
use boltr::error::BoltError;
use boltr::server::{BoltRecord, Pulled, RecordSource, ResultMetadata, ResultStream};
use boltr::types::{BoltDict, BoltValue};
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::sync::OwnedRwLockReadGuard;

/// Records per batch on the channel, and batches the channel holds: a
/// stream holds at most about `BATCH_ROWS * (BATCHES + 2)` records beyond
/// what the client has pulled.
const BATCH_ROWS: usize = 256;
const BATCHES: usize = 4;
/// A part batch goes out when the reader has taken everything and this long
/// has passed since the last batch (a slow statement's first rows).
const LINGER: Duration = Duration::from_millis(5);
/// How often a producer waiting for the reader looks at its cancel flag
/// and deadlines.
const POLL: Duration = Duration::from_millis(100);

pub type ReadGuard = OwnedRwLockReadGuard<Option<Database>>;

/// One read to run.
pub struct Read {
    pub text: String,
    pub params: Params,
    /// The statement's own flag (set by DISCARD, a dropped stream, or
    /// shutdown) and deadline.
    pub cancel: Cancel,
    /// Longest the producer waits for the reader to pull.
    pub idle: Duration,
}

enum Item {
    Columns(Vec<String>),
    Rows(Vec<BoltRecord>),
}

/// How the statement ended: the summary, or the failure. Set before the
/// channel closes.
type Outcome = Arc<parking_lot::Mutex<Option<Result<BoltDict, BoltError>>>>;

/// Starts `read` under `guard`; answers once its columns are known, or
/// with the failure that came before them (syntax, semantics, planning).
pub async fn start(guard: ReadGuard, read: Read) -> Result<ResultStream, BoltError> {
    let (tx, rx) = mpsc::channel(BATCHES);
    let outcome: Outcome = Default::default();
    let mut stream = Stream {
        rx,
        buffer: VecDeque::new(),
        outcome: Arc::clone(&outcome),
        failed: None,
        cancel: read.cancel.clone(),
        started: Instant::now(),
    };
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || produce(guard, read, tx, handle, outcome));
    match stream.rx.recv().await {
        Some(Item::Columns(columns)) => Ok(ResultStream {
            metadata: ResultMetadata {
                columns,
                extra: BoltDict::new(),
            },
            records: Vec::new(),
            summary: BoltDict::new(),
            source: Some(Box::new(stream)),
        }),
        Some(Item::Rows(_)) => Err(worker_failed()),
        None => Err(match stream.outcome.lock().take() {
            Some(Err(e)) => e,
            _ => worker_failed(),
        }),
    }
}

/// Runs the statement on a blocking thread, the read lock held until it
/// ends.
fn produce(
    guard: ReadGuard,
    read: Read,
    tx: mpsc::Sender<Item>,
    handle: tokio::runtime::Handle,
    outcome: Outcome,
) {
    let started = Instant::now();
    let mut sink = ChannelSink {
        tx,
        handle,
        batch: Vec::new(),
        last_sent: started,
        cancel: read.cancel.clone(),
        idle: read.idle,
        stopped: None,
    };
    let ran = match guard.as_ref() {
        Some(db) => db.stream_read(&read.text, &read.params, &read.cancel, &mut sink),
        None => Err(Error::runtime(
            ErrorKind::Cancelled,
            "",
            "the server is shutting down",
        )),
    };
    // Rows made before a failure still go out, then the failure.
    let flushed = sink.flush();
    let end = match (ran, sink.stopped.take()) {
        (_, Some(why)) => Err(why),
        (Ok(mut r), None) if flushed => Ok(summary::summary(&mut r, started, &read.text)),
        (Ok(_), None) => Err(worker_failed()),
        (Err(e), None) => Err(errors::to_bolt(&e, &read.text)),
    };
    // Writers may go on while the reader takes the last batches.
    drop(guard);
    *outcome.lock() = Some(end);
    // Dropping the sender closes the channel: the reader hears the end.
    drop(sink);
}

/// The statement's side of the channel.
struct ChannelSink {
    tx: mpsc::Sender<Item>,
    handle: tokio::runtime::Handle,
    batch: Vec<BoltRecord>,
    last_sent: Instant,
    cancel: Cancel,
    idle: Duration,
    /// Why the statement was stopped while it waited for the reader.
    stopped: Option<BoltError>,
}

impl ChannelSink {
    /// Sends `item`, waiting while the channel is full: false when the
    /// reader has gone, the stream was cancelled, or the reader has not
    /// pulled for `idle` or beyond the statement's deadline.
    fn send(&mut self, item: Item) -> bool {
        if self.tx.is_closed() {
            return false;
        }
        let item = match self.tx.try_send(item) {
            Ok(()) => {
                self.last_sent = Instant::now();
                return true;
            }
            Err(TrySendError::Closed(_)) => return false,
            Err(TrySendError::Full(item)) => item,
        };
        let waiting = Instant::now();
        loop {
            if let Err(e) = self.cancel.check() {
                self.stopped = Some(errors::to_bolt(&e, ""));
                return false;
            }
            if waiting.elapsed() >= self.idle {
                self.stopped = Some(errors::failure(
                    "Neo.ClientError.Transaction.TransactionTimedOut",
                    format!(
                        "the result was not pulled for more than {:.1} s: the statement was stopped \
                         and its read lock released (--tx-idle-timeout)",
                        self.idle.as_secs_f64()
                    ),
                ));
                return false;
            }
            let wait = self.idle.saturating_sub(waiting.elapsed()).min(POLL);
            match self
                .handle
                .block_on(tokio::time::timeout(wait, self.tx.reserve()))
            {
                Ok(Ok(permit)) => {
                    permit.send(item);
                    self.last_sent = Instant::now();
                    return true;
                }
                Ok(Err(_)) => return false,
                Err(_) => {}
            }
        }
    }

    /// Sends the batch being filled, if any.
    fn flush(&mut self) -> bool {
        if self.batch.is_empty() {
            return true;
        }
        let batch = std::mem::take(&mut self.batch);
        self.send(Item::Rows(batch))
    }
}

impl RowSink for ChannelSink {
    fn columns(&mut self, columns: &[String]) -> Result<(), Error> {
        if self.send(Item::Columns(columns.to_vec())) {
            Ok(())
        } else {
            Err(Error::runtime(
                ErrorKind::Cancelled,
                "",
                "the reader has gone",
            ))
        }
    }

    fn row(&mut self, row: Vec<Value>, entities: &Entities) -> Result<bool, Error> {
        self.batch.push(BoltRecord {
            values: row.iter().map(|v| values::to_bolt(v, entities)).collect(),
        });
        let full = self.batch.len() >= BATCH_ROWS;
        // The reader has taken all there was: a slow statement's rows go
        // out without waiting for a whole batch.
        let drained = self.tx.capacity() == BATCHES && self.last_sent.elapsed() >= LINGER;
        if full || drained {
            return Ok(self.flush());
        }
        Ok(true)
    }
}

/// The reader's side: what boltr's PULL n and DISCARD take records from.
struct Stream {
    rx: mpsc::Receiver<Item>,
    buffer: VecDeque<BoltRecord>,
    outcome: Outcome,
    /// A failure to report at the next PULL, after the records before it.
    failed: Option<BoltError>,
    cancel: Cancel,
    started: Instant,
}

impl Stream {
    /// Stops the statement: it sees its flag, or a closed channel.
    fn stop(&mut self) {
        self.cancel.flag.store(true, Ordering::Relaxed);
        self.rx.close();
        self.buffer.clear();
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.stop();
    }
}

#[async_trait::async_trait]
impl RecordSource for Stream {
    async fn pull(&mut self, n: usize) -> Result<Pulled, BoltError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let mut records = Vec::with_capacity(n.min(4 * BATCH_ROWS));
        loop {
            while records.len() < n {
                match self.buffer.pop_front() {
                    Some(r) => records.push(r),
                    None => break,
                }
            }
            // Whether more follow is known only from the next batch or
            // the end.
            if records.len() == n && !self.buffer.is_empty() {
                return Ok(Pulled {
                    records,
                    summary: None,
                });
            }
            match self.rx.recv().await {
                Some(Item::Rows(rows)) => self.buffer.extend(rows),
                Some(Item::Columns(_)) => {}
                None => {
                    let end = self
                        .outcome
                        .lock()
                        .take()
                        .unwrap_or_else(|| Err(worker_failed()));
                    return match end {
                        Ok(summary) => Ok(Pulled {
                            records,
                            summary: Some(summary),
                        }),
                        Err(e) if records.is_empty() => Err(e),
                        Err(e) => {
                            self.failed = Some(e);
                            Ok(Pulled {
                                records,
                                summary: None,
                            })
                        }
                    };
                }
            }
        }
    }

    async fn discard(&mut self) -> BoltDict {
        self.stop();
        BoltDict::from([
            ("type".to_string(), BoltValue::String("r".into())),
            (
                "t_last".to_string(),
                BoltValue::Integer(self.started.elapsed().as_millis() as i64),
            ),
        ])
    }
}

fn worker_failed() -> BoltError {
    errors::failure(
        "Neo.DatabaseError.General.UnknownError",
        "the statement's worker stopped unexpectedly",
    )
}

//! Reads that stream. A statement that cannot write runs on the blocking
//! pool and hands its rows, converted to Bolt records, to a bounded
//! channel in batches; boltr's PULL n takes records from the other end
//! (`RecordSource`), so a result is never held whole: the producer waits
//! while the channel is full. It runs under the database's read lock
//! beside other reads (`Database::stream_read`: auto-commit, or a read
//! transaction's statement, the transaction holding the lock too), or
//! inside an explicit write transaction under its write lock, lent to the
//! statement (`Database::stream_read_in_transaction`).
//!
//! A lent lock goes back to the transaction when the statement ends. When
//! the client moves on in that transaction (another RUN, COMMIT) with the
//! result still open, the statement is told to finish without waiting for
//! the reader (`detach`): its remaining rows are kept (`Spill`, against
//! the memory limit) for the client to pull later, as Bolt allows several
//! open results in a transaction.
//!
//! The lock is held until the statement has produced its last row,
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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard};

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
pub type WriteGuard = OwnedRwLockWriteGuard<Option<Database>>;

/// What a streamed statement runs under.
pub enum Access {
    /// The read lock, shared with other reads (and with the other
    /// statements of a read transaction, which holds it too).
    Shared(Arc<ReadGuard>),
    /// An explicit write transaction's lock, lent to the statement; the
    /// function takes it back when the statement ends.
    Lent(WriteGuard, Box<dyn FnOnce(WriteGuard) + Send>),
}

/// One read to run.
pub struct Read {
    pub text: String,
    pub params: Params,
    /// The statement's own flag (set by DISCARD, a dropped stream, or
    /// shutdown) and deadline.
    pub cancel: Cancel,
    /// Longest the producer waits for the reader to pull.
    pub idle: Duration,
    /// Set when the statement must finish without waiting for the reader
    /// (its lent lock is wanted back); the rest of its rows are kept.
    pub detach: Arc<AtomicBool>,
}

/// Rows a detached statement made after the channel's, in order.
#[derive(Default)]
struct Spill {
    records: VecDeque<BoltRecord>,
    bytes: usize,
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
pub async fn start(access: Access, read: Read) -> Result<ResultStream, BoltError> {
    let (tx, rx) = mpsc::channel(BATCHES);
    let outcome: Outcome = Default::default();
    let spill: Arc<parking_lot::Mutex<Spill>> = Default::default();
    let mut stream = Stream {
        rx,
        buffer: VecDeque::new(),
        outcome: Arc::clone(&outcome),
        spill: Arc::clone(&spill),
        failed: None,
        cancel: read.cancel.clone(),
        started: Instant::now(),
    };
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || produce(access, read, tx, handle, outcome, spill));
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

/// Runs the statement on a blocking thread, the lock held until it ends.
fn produce(
    access: Access,
    read: Read,
    tx: mpsc::Sender<Item>,
    handle: tokio::runtime::Handle,
    outcome: Outcome,
    spill: Arc<parking_lot::Mutex<Spill>>,
) {
    let started = Instant::now();
    let mut sink = ChannelSink {
        tx,
        handle,
        batch: Vec::new(),
        batch_bytes: 0,
        last_sent: started,
        cancel: read.cancel.clone(),
        idle: read.idle,
        detach: Arc::clone(&read.detach),
        spill,
        spill_limit: usize::MAX,
        stopped: None,
    };
    let gone = || {
        Err(Error::runtime(
            ErrorKind::Cancelled,
            "",
            "the server is shutting down",
        ))
    };
    let (ran, lent) = match access {
        Access::Shared(guard) => {
            let ran = match guard.as_ref().as_ref() {
                Some(db) => db.stream_read(&read.text, &read.params, &read.cancel, &mut sink),
                None => gone(),
            };
            (ran, None)
        }
        Access::Lent(mut guard, back) => {
            let ran = match guard.as_mut() {
                Some(db) => {
                    sink.spill_limit = db.memory_limit();
                    db.stream_read_in_transaction(&read.text, &read.params, &read.cancel, &mut sink)
                }
                None => gone(),
            };
            (ran, Some((guard, back)))
        }
    };
    // Rows made before a failure still go out, then the failure.
    let flushed = sink.flush();
    let end = match (ran, sink.stopped.take()) {
        (_, Some(why)) => Err(why),
        (Ok(mut r), None) if flushed => Ok(summary::summary(&mut r, started, &read.text)),
        (Ok(_), None) => Err(worker_failed()),
        (Err(e), None) => Err(errors::to_bolt(&e, &read.text)),
    };
    // Writers (or the transaction's next statement) may go on while the
    // reader takes the last batches.
    if let Some((guard, back)) = lent {
        back(guard);
    }
    *outcome.lock() = Some(end);
    // Dropping the sender closes the channel: the reader hears the end.
    drop(sink);
}

/// The statement's side of the channel.
struct ChannelSink {
    tx: mpsc::Sender<Item>,
    handle: tokio::runtime::Handle,
    batch: Vec<BoltRecord>,
    /// `memory::row_bytes` of the rows in `batch`.
    batch_bytes: usize,
    last_sent: Instant,
    cancel: Cancel,
    idle: Duration,
    detach: Arc<AtomicBool>,
    spill: Arc<parking_lot::Mutex<Spill>>,
    /// Most bytes a detached statement may keep (the memory limit).
    spill_limit: usize,
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
        if self.detach.load(Ordering::Relaxed) {
            return self.keep(item);
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
            if self.detach.load(Ordering::Relaxed) {
                return self.keep(item);
            }
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

    /// Keeps `item`'s rows for the reader to take after the channel's:
    /// false when that would pass the memory limit.
    fn keep(&mut self, item: Item) -> bool {
        let Item::Rows(rows) = item else {
            return true;
        };
        let mut spill = self.spill.lock();
        spill.bytes = spill.bytes.saturating_add(self.batch_bytes);
        if spill.bytes > self.spill_limit {
            self.stopped = Some(errors::failure(
                "Neo.TransientError.General.MemoryPoolOutOfMemoryError",
                format!(
                    "the rest of an open result, kept while the transaction went on, would hold \
                     more than the statement's memory limit of {} (--memory-limit): pull or \
                     discard a result before the next statement",
                    crate::query::exec::memory::human(self.spill_limit)
                ),
            ));
            return false;
        }
        spill.records.extend(rows);
        true
    }

    /// Sends the batch being filled, if any.
    fn flush(&mut self) -> bool {
        if self.batch.is_empty() {
            return true;
        }
        let batch = std::mem::take(&mut self.batch);
        let sent = self.send(Item::Rows(batch));
        self.batch_bytes = 0;
        sent
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
        self.batch_bytes += crate::query::exec::memory::row_bytes(&row);
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
    spill: Arc<parking_lot::Mutex<Spill>>,
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
        self.spill.lock().records.clear();
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
                    // A detached statement's rows follow the channel's.
                    let kept = std::mem::take(&mut self.spill.lock().records);
                    if !kept.is_empty() {
                        self.buffer.extend(kept);
                        continue;
                    }
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

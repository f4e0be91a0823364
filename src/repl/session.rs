//! One session of statements and dot commands, shared by every front end:
//! the REPL, `-c`, `-f`, stdin, `--init` and `.read` all run through
//! [`Session::run_script`] (or, at the prompt, [`Session::run_statements`]
//! and [`Session::command`]), so a dot command means the same everywhere.
//!
//! A failing statement or dot command sets `failed` (exit status 1) and,
//! with `bail`, stops the script. Update counters go under a table, and to
//! stderr in every other format. In batch use (`batch`), output that cannot
//! be written (a reader gone away) stops the run, and the `graphml` and
//! `dot` formats collect the nodes and links of every result for
//! [`Session::finish`] to write as one document; at the prompt each result
//! is a document of its own.

use super::stop_writer::{StopWriter, STOPPED};
use super::vocab::Vocab;
use crate::database::{Database, Params};
use crate::error::ErrorKind;
use crate::io::format::graph::{self, GraphFormat};
use crate::io::format::{describe_stats, write_result, Format, Style, TableOptions};
use crate::query::parse;
use crate::result::{Entities, QueryResult};
use std::cell::RefCell;
use std::io::{IsTerminal, Write};
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Where results go (`.output`).
pub(super) enum Output {
    Stdout,
    File(std::io::BufWriter<std::fs::File>),
}

/// The state of one session.
pub struct Session<'a> {
    pub db: &'a mut Database,
    pub params: Params,
    pub format: Format,
    pub timeout: Option<Duration>,
    pub timer: bool,
    /// How table cells show values (`.paths`).
    pub style: Style,
    pub(super) output: Output,
    /// The last result with columns, for `.export`.
    pub last: Option<QueryResult>,
    /// Terminal width, for tables printed to the terminal.
    pub width: Option<usize>,
    pub vocab: Rc<RefCell<Vocab>>,
    pub quit: bool,
    /// Stop a script at its first failure (`--bail`).
    pub bail: bool,
    /// Some statement or dot command failed.
    pub failed: bool,
    /// Batch use (`-c`, `-f`, stdin, `--init`): graph formats collect every
    /// result into one document, and a failed write stops the run.
    pub batch: bool,
    /// A write to the output failed.
    output_broken: bool,
    /// What `batch` gathered, and in which format to write it.
    collected: Option<(GraphFormat, Entities)>,
    /// Nesting of `.read`.
    pub(super) depth: usize,
    /// Set when Ctrl-C cancelled a statement: the rest of the input is dropped.
    pub(super) cancelled: bool,
}

/// How one statement ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Failed,
    Cancelled,
}

impl<'a> Session<'a> {
    pub fn new(db: &'a mut Database, params: Params, format: Format) -> Session<'a> {
        Session {
            db,
            params,
            format,
            timeout: None,
            timer: false,
            style: Style::default(),
            output: Output::Stdout,
            last: None,
            width: None,
            vocab: Rc::new(RefCell::new(Vocab {
                stale: true,
                ..Vocab::default()
            })),
            quit: false,
            bail: false,
            failed: false,
            batch: false,
            output_broken: false,
            collected: None,
            depth: 0,
            cancelled: false,
        }
    }

    /// Reports a failed dot command on stderr.
    pub(super) fn fail(&mut self, message: impl std::fmt::Display) {
        eprintln!("{message}");
        self.failed = true;
    }

    /// Writes with `f` to the current output, then flushes it.
    pub(super) fn emit(&mut self, f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) {
        let flag = std::sync::Arc::clone(&self.db.cancel.flag);
        let result = match &mut self.output {
            Output::Stdout => {
                // Stdout is line-buffered: a large result would be a write per line.
                let mut w = std::io::BufWriter::new(StopWriter {
                    inner: std::io::stdout().lock(),
                    flag: &flag,
                });
                f(&mut w).and_then(|_| w.flush())
            }
            Output::File(file) => {
                let mut w = StopWriter {
                    inner: file,
                    flag: &flag,
                };
                f(&mut w).and_then(|_| w.flush())
            }
        };
        if result.is_err() && flag.swap(false, Ordering::Relaxed) {
            // Ctrl-C while printing: stop like a cancelled statement.
            self.fail(format!("error[Cancelled]: {STOPPED} (Cancelled)"));
            self.cancelled = true;
            return;
        }
        if let Err(e) = result {
            self.fail(format!(
                "error[StorageError]: cannot write output: {e} (OutputFailed)"
            ));
            self.output_broken = true;
        }
    }

    /// The width to fit tables to: the terminal's, when results go to it.
    fn table_width(&self) -> Option<usize> {
        match self.output {
            Output::Stdout if std::io::stdout().is_terminal() => self.width,
            _ => None,
        }
    }

    /// Runs a script: statements, and dot commands on lines of their own
    /// between statements. The last statement may omit its `;`. False when
    /// Ctrl-C, `.quit` or `--bail` stopped it.
    pub fn run_script(&mut self, text: &str, origin: &str) -> bool {
        let mut buf = String::new();
        let mut buf_line = 1;
        for (i, line) in text.lines().enumerate() {
            if buf.trim().is_empty() && line.trim_start().starts_with('.') {
                buf.clear();
                let failed_before = self.failed;
                self.failed = false;
                self.command(line.trim());
                if self.failed {
                    eprintln!(
                        "  --> {origin}:{}:{}",
                        i + 1,
                        line.len() - line.trim_start().len() + 1
                    );
                }
                let stop = self.failed && self.bail || self.output_stops();
                self.failed |= failed_before;
                if self.quit || self.cancelled || stop {
                    return false;
                }
                continue;
            }
            if buf.trim().is_empty() {
                buf.clear();
                buf_line = i + 1;
            }
            buf.push_str(line);
            buf.push('\n');
            if super::is_complete(&buf) {
                if !self.run_statements(&buf, origin, buf_line) {
                    return false;
                }
                buf.clear();
            }
        }
        buf.trim().is_empty() || self.run_statements(&buf, origin, buf_line)
    }

    /// Runs every statement of `whole`, which starts at line `base_line` of
    /// `origin`. False when one was cancelled, or failed under `--bail`.
    pub fn run_statements(&mut self, whole: &str, origin: &str, base_line: usize) -> bool {
        for (offset, stmt) in parse::split_statements(whole) {
            let before = &whole[..offset];
            let line = base_line + before.matches('\n').count();
            let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            match self.run_one(stmt, origin, line, col) {
                Outcome::Cancelled => {
                    self.cancelled = true;
                    return false;
                }
                Outcome::Failed if self.bail => return false,
                _ if self.output_stops() || self.cancelled => return false,
                _ => {}
            }
        }
        true
    }

    /// Nothing more can be shown: a batch stops (as `--bail` would).
    fn output_stops(&self) -> bool {
        self.batch && self.output_broken
    }

    /// Runs a statement for a dot command, without printing it.
    pub(super) fn execute_quiet(&mut self, stmt: &str) -> Result<QueryResult, crate::error::Error> {
        self.db.cancel.flag.store(false, Ordering::Relaxed);
        self.db.cancel.deadline = self.timeout.map(|t| Instant::now() + t);
        let result = self.db.execute(stmt, &self.params);
        self.db.cancel.deadline = None;
        self.db.cancel.flag.store(false, Ordering::Relaxed);
        if result.as_ref().is_ok_and(|r| !r.stats.is_empty()) {
            self.vocab.borrow_mut().stale = true;
        }
        result
    }

    /// Runs one statement and prints its result or error.
    pub fn run_one(&mut self, stmt: &str, origin: &str, line: usize, col: usize) -> Outcome {
        self.db.cancel.flag.store(false, Ordering::Relaxed);
        self.db.cancel.deadline = self.timeout.map(|t| Instant::now() + t);
        let started = Instant::now();
        let result = self.db.execute(stmt, &self.params);
        let elapsed = started.elapsed();
        self.db.cancel.deadline = None;
        self.db.cancel.flag.store(false, Ordering::Relaxed);
        match result {
            Ok(r) => {
                if !r.stats.is_empty() {
                    self.vocab.borrow_mut().stale = true;
                }
                for w in &r.warnings {
                    eprintln!("{}", w.render(origin, stmt, line, col));
                }
                self.print_result(&r, elapsed);
                if !r.columns.is_empty() && r.plan.is_none() {
                    self.last = Some(r);
                }
                Outcome::Ok
            }
            Err(e) => {
                self.failed = true;
                eprintln!("{}", e.render(origin, stmt, line, col));
                if e.kind == ErrorKind::Cancelled {
                    Outcome::Cancelled
                } else {
                    Outcome::Failed
                }
            }
        }
    }

    fn print_result(&mut self, r: &QueryResult, elapsed: Duration) {
        let ms = elapsed.as_secs_f64() * 1000.0;
        if let Some(plan) = &r.plan {
            let plan = plan.clone();
            self.emit(|w| writeln!(w, "{plan}"));
            if r.columns == ["plan"] {
                return;
            }
        }
        let n = r.rows.len() as u64;
        let footer = format!(
            "{} ({ms:.1} ms)",
            crate::io::format::count(n, "row", "rows")
        );
        let table = self.format == Format::Table && !r.columns.is_empty();
        if !r.stats.is_empty() && self.format != Format::Table {
            eprintln!("{}", describe_stats(&r.stats));
        }
        match self.format.graph() {
            Some(g) if self.batch => {
                let (format, acc) = self
                    .collected
                    .get_or_insert_with(|| (g, Entities::default()));
                // The last graph format asked for is the one written.
                *format = g;
                graph::merge(acc, &r.entities);
            }
            _ => {
                let opts = TableOptions {
                    max_width: self.table_width(),
                    footer: (self.timer && table).then(|| footer.clone()),
                    style: self.style,
                };
                let format = self.format;
                self.emit(|w| write_result(w, r, format, &opts));
            }
        }
        if self.timer && !table {
            if r.columns.is_empty() {
                eprintln!("({ms:.1} ms)");
            } else {
                eprintln!("{footer}");
            }
        }
    }

    /// Writes what the graph formats collected in batch use, if anything.
    pub fn write_collected(&mut self) {
        if let Some((format, ent)) = self.collected.take() {
            self.emit(|w| graph::write(w, &ent, format));
        }
    }

    /// Ends the session: writes what the graph formats collected, closes
    /// `.output`.
    pub fn finish(&mut self) {
        self.write_collected();
        self.close_output();
    }
}

//! The interactive shell: `supplygraph [DB]` on a terminal.
//!
//! A statement may span lines and ends with `;` (prompt `supplygraph> `,
//! continuation `      ...> `); several statements on one line run in
//! order. A line starting with `.` between statements is a dot command
//! (`commands.rs`). History persists in `$SUPPLYGRAPH_HISTORY`, else the
//! user's data directory. Ctrl-C while a statement runs cancels it (the
//! handler in `cli` sets `Database.cancel.flag`); at the prompt it clears the
//! line and the statement being typed; Ctrl-D leaves.

mod commands;
mod data;
pub mod export;
pub mod helper;
mod highlight;
pub mod vocab;

use crate::database::{Database, Params};
use crate::error::ErrorKind;
use crate::io::format::{write_result, Format, TableOptions};
use crate::query::parse;
use crate::result::QueryResult;
use helper::SgHelper;
use rustyline::config::{ColorMode, CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::history::{DefaultHistory, History};
use rustyline::Editor;
use std::cell::RefCell;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use vocab::Vocab;

pub const PROMPT: &str = "supplygraph> ";
pub const CONTINUATION: &str = "      ...> ";

/// Where results go (`.output`).
enum Output {
    Stdout,
    File(std::io::BufWriter<std::fs::File>),
}

/// The state of one interactive session.
pub struct Session<'a> {
    pub db: &'a mut Database,
    pub params: Params,
    pub format: Format,
    pub timeout: Option<Duration>,
    pub timer: bool,
    output: Output,
    /// The last result with columns, for `.export`.
    pub last: Option<QueryResult>,
    /// Terminal width, for tables printed to the terminal.
    pub width: Option<usize>,
    pub vocab: Rc<RefCell<Vocab>>,
    pub quit: bool,
    /// Nesting of `.read`.
    depth: usize,
    /// Set when Ctrl-C cancelled a statement: the rest of the input is dropped.
    cancelled: bool,
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
            output: Output::Stdout,
            last: None,
            width: None,
            vocab: Rc::new(RefCell::new(Vocab {
                stale: true,
                ..Vocab::default()
            })),
            quit: false,
            depth: 0,
            cancelled: false,
        }
    }

    /// Writes with `f` to the current output, then flushes it.
    fn emit(&mut self, f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) {
        let result = match &mut self.output {
            Output::Stdout => {
                let stdout = std::io::stdout();
                let mut lock = stdout.lock();
                f(&mut lock).and_then(|_| lock.flush())
            }
            Output::File(file) => f(file).and_then(|_| file.flush()),
        };
        if let Err(e) = result {
            eprintln!("error[StorageError]: cannot write output: {e}");
        }
    }

    fn table_width(&self) -> Option<usize> {
        match self.output {
            Output::Stdout if std::io::stdout().is_terminal() => self.width,
            _ => None,
        }
    }

    /// Runs a script: statements, and dot commands on lines of their own
    /// between statements. The last statement may omit its `;`. False when
    /// Ctrl-C or `.quit` stopped it.
    pub fn run_script(&mut self, text: &str, origin: &str) -> bool {
        let mut buf = String::new();
        let mut buf_line = 1;
        for (i, line) in text.lines().enumerate() {
            if buf.trim().is_empty() && line.trim_start().starts_with('.') {
                buf.clear();
                self.command(line.trim());
                if self.quit || self.cancelled {
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
            if is_complete(&buf) {
                if !self.run_statements(&buf, origin, buf_line) {
                    return false;
                }
                buf.clear();
            }
        }
        buf.trim().is_empty() || self.run_statements(&buf, origin, buf_line)
    }

    /// Runs every statement of `whole`, which starts at line `base_line` of
    /// `origin`. False when one was cancelled.
    pub fn run_statements(&mut self, whole: &str, origin: &str, base_line: usize) -> bool {
        for (offset, stmt) in parse::split_statements(whole) {
            let before = &whole[..offset];
            let line = base_line + before.matches('\n').count();
            let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            if self.run_one(stmt, origin, line, col) == Outcome::Cancelled {
                self.cancelled = true;
                return false;
            }
        }
        true
    }

    /// Runs a statement for a dot command, without printing it.
    fn execute_quiet(&mut self, stmt: &str) -> Result<QueryResult, crate::error::Error> {
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
                self.print_result(&r, elapsed);
                if !r.columns.is_empty() && r.plan.is_none() {
                    self.last = Some(r);
                }
                Outcome::Ok
            }
            Err(e) => {
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
        let n = r.rows.len();
        let footer = format!("{n} row{} ({ms:.1} ms)", if n == 1 { "" } else { "s" });
        let table = self.format == Format::Table && !r.columns.is_empty();
        let opts = TableOptions {
            max_width: self.table_width(),
            footer: (self.timer && table).then(|| footer.clone()),
        };
        let format = self.format;
        self.emit(|w| write_result(w, r, format, &opts));
        if self.timer && !table {
            if r.columns.is_empty() {
                eprintln!("({ms:.1} ms)");
            } else {
                eprintln!("{footer}");
            }
        }
    }
}

/// True when `buf` holds whole statements: complete by the parser's
/// measure, or ended by a `;` outside strings and comments even though a
/// bracket is left open (so that a typo gets its error instead of an
/// endless continuation prompt).
pub fn is_complete(buf: &str) -> bool {
    if !parse::is_incomplete(buf) {
        return true;
    }
    let t = buf.trim_end();
    t.ends_with(';')
        && parse::split_statements(t)
            .last()
            .is_none_or(|(off, s)| off + s.len() < t.len())
}

/// The history file: `$SUPPLYGRAPH_HISTORY`, else
/// `$XDG_DATA_HOME/supplygraph/history`, else
/// `~/.local/share/supplygraph/history`.
pub fn history_path() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(p) = var("SUPPLYGRAPH_HISTORY") {
        return Some(PathBuf::from(p));
    }
    let data = var("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(data.join("supplygraph").join("history"))
}

fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

/// Runs the shell until Ctrl-D or `.quit`.
pub fn run(
    db: &mut Database,
    params: Params,
    format: Format,
    timeout: Option<Duration>,
    db_label: &str,
) -> ExitCode {
    let color = use_color();
    let built = Config::builder()
        .history_ignore_space(true)
        .auto_add_history(false)
        .completion_type(CompletionType::List)
        .color_mode(if color {
            ColorMode::Enabled
        } else {
            ColorMode::Disabled
        })
        .max_history_size(1000)
        .and_then(|b| b.history_ignore_dups(true));
    let config = match built {
        Ok(b) => b.build(),
        Err(_) => Config::default(),
    };
    let mut rl: Editor<SgHelper, DefaultHistory> = match Editor::with_config(config) {
        Ok(rl) => rl,
        Err(e) => {
            eprintln!("error[UsageError]: cannot start the line editor: {e}");
            return ExitCode::from(crate::cli::EXIT_USAGE);
        }
    };
    let mut session = Session::new(db, params, format);
    session.timeout = timeout;
    rl.set_helper(Some(SgHelper::new(session.vocab.clone(), color)));
    let history = history_path();
    if let Some(h) = &history {
        if let Some(dir) = h.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = rl.load_history(h);
    }
    println!(
        "supplygraph {} — database {}\nEnter \".help\" for usage hints; statements end with ';', Ctrl-D leaves.",
        env!("CARGO_PKG_VERSION"),
        db_label
    );
    let mut buffer = String::new();
    while !session.quit {
        session.vocab.borrow_mut().refresh(session.db);
        session.vocab.borrow_mut().params = session.params.keys().cloned().collect();
        if let Some(h) = rl.helper() {
            h.continuing.set(!buffer.is_empty());
        }
        let prompt = if buffer.is_empty() {
            PROMPT
        } else {
            CONTINUATION
        };
        match rl.readline(prompt) {
            Ok(text) => {
                session.width = rl.dimensions().map(|(cols, _)| cols as usize);
                for line in text.split('\n') {
                    handle_line(&mut session, &mut rl, &mut buffer, line);
                    if session.quit || session.cancelled {
                        break;
                    }
                }
                if session.cancelled {
                    session.cancelled = false;
                    buffer.clear();
                }
                if let Some(h) = &history {
                    let _ = rl.save_history(h);
                }
            }
            Err(ReadlineError::Interrupted) => {
                if buffer.is_empty() {
                    eprintln!("(Ctrl-D or .quit to leave)");
                }
                buffer.clear();
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("error[UsageError]: cannot read input: {e}");
                break;
            }
        }
    }
    if let Some(h) = &history {
        let _ = rl.save_history(h);
    }
    session.close_output();
    ExitCode::SUCCESS
}

/// One line typed at the prompt.
fn handle_line(
    session: &mut Session<'_>,
    rl: &mut Editor<SgHelper, DefaultHistory>,
    buffer: &mut String,
    line: &str,
) {
    if buffer.trim().is_empty() && line.trim_start().starts_with('.') {
        buffer.clear();
        let _ = rl.history_mut().add(line.trim());
        session.command(line.trim());
        return;
    }
    if buffer.is_empty() && line.trim().is_empty() {
        return;
    }
    if !buffer.is_empty() {
        buffer.push('\n');
    }
    buffer.push_str(line);
    if !is_complete(buffer) {
        return;
    }
    let text = std::mem::take(buffer);
    let _ = rl.history_mut().add(text.trim());
    session.run_statements(&text, "<repl>", 1);
}

#[cfg(test)]
mod tests {
    #[test]
    fn statements_end_at_a_semicolon_outside_strings() {
        use super::is_complete;
        assert!(is_complete("RETURN 1;"));
        assert!(!is_complete("RETURN 1"));
        assert!(!is_complete("MATCH (n\nRETURN n"));
        assert!(is_complete("MATCH (n RETURN n;"));
        assert!(!is_complete("RETURN 'a;"));
        assert!(!is_complete("RETURN 1 // x;"));
        assert!(is_complete("RETURN 1; RETURN 2;"));
        assert!(!is_complete("RETURN 1; RETURN 2"));
    }
}

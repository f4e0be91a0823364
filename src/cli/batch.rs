//! Non-interactive statements: `-c`, `-f`, `--init` and stdin. They run in
//! one `repl::Session`, as the REPL's do, so dot commands work the same in
//! every one of them; a failure is reported with its position and the batch
//! goes on unless `--bail`.

use crate::database::{Database, Params};
use crate::error::{Error, ErrorKind};
use crate::io::format::Format;
use crate::repl::Session;
use std::io::{IsTerminal, Write};

/// Where a script came from, for error positions.
pub struct Script {
    pub origin: String,
    pub text: String,
}

pub struct Runner<'a> {
    pub session: Session<'a>,
}

impl<'a> Runner<'a> {
    pub fn new(
        db: &'a mut Database,
        params: Params,
        format: Format,
        bail: bool,
        timeout: Option<std::time::Duration>,
    ) -> Runner<'a> {
        let mut session = Session::new(db, params, format);
        session.bail = bail;
        session.timeout = timeout;
        session.batch = true;
        if std::io::stdout().is_terminal() {
            session.width = terminal_width();
        }
        Runner { session }
    }

    /// Runs every statement and dot command of a script; false if `--bail`,
    /// `.quit` or Ctrl-C stopped it. `out` is flushed first, so that what a
    /// caller wrote before stays in order.
    pub fn run_script(&mut self, script: &Script, out: &mut dyn Write) -> bool {
        let _ = out.flush();
        self.session.run_script(&script.text, &script.origin)
    }

    /// Some statement or dot command failed.
    pub fn failed(&self) -> bool {
        self.session.failed
    }

    /// Writes what the graph formats collected and closes `.output`.
    pub fn finish(&mut self) {
        self.session.finish();
    }
}

/// The width of the terminal on stdout: its size, else `$COLUMNS`, else 80
/// (as rustyline assumes when a terminal reports no size).
pub fn terminal_width() -> Option<usize> {
    let reported = window_columns().filter(|&c| c > 0);
    let env = || std::env::var("COLUMNS").ok()?.trim().parse().ok();
    Some(reported.or_else(env).unwrap_or(80))
}

#[cfg(unix)]
fn window_columns() -> Option<usize> {
    // SAFETY: TIOCGWINSZ only writes a `winsize` into the struct it is given.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
    ok.then_some(ws.ws_col as usize)
}

#[cfg(not(unix))]
fn window_columns() -> Option<usize> {
    None
}

/// Parses `NAME=VALUE` where VALUE is a Cypher literal.
pub fn parse_param(db: &mut Database, arg: &str) -> Result<(String, crate::value::Value), Error> {
    let Some((name, value)) = arg.split_once('=') else {
        return Err(Error::new(
            ErrorKind::UsageError,
            "",
            crate::error::Phase::Compile,
            format!("--param needs NAME=VALUE, got '{arg}'"),
        ));
    };
    let name = name.trim().trim_start_matches('$').to_string();
    let r = db
        .execute(&format!("RETURN {value} AS v"), &Params::new())
        .map_err(|e| Error {
            message: format!("--param {name}: {}", e.message),
            ..e
        })?;
    let v = r
        .rows
        .into_iter()
        .next()
        .and_then(|r| r.into_iter().next())
        .unwrap_or_default();
    Ok((name, v))
}

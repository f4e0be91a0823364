//! Non-interactive statements: `-c`, `-f`, and stdin. Each statement runs
//! on its own; a failure is reported with its position and the batch goes
//! on unless `--bail`.

use crate::database::{Database, Params};
use crate::error::{Error, ErrorKind};
use crate::io::format::{write_result, Format, TableOptions};
use crate::query::parse;
use std::io::Write;

/// Where a script came from, for error positions.
pub struct Script {
    pub origin: String,
    pub text: String,
}

pub struct Runner<'a> {
    pub db: &'a mut Database,
    pub params: Params,
    pub format: Format,
    pub bail: bool,
    pub timeout: Option<std::time::Duration>,
    pub failed: bool,
}

impl Runner<'_> {
    /// Runs every statement of a script; false if `--bail` stopped it.
    pub fn run_script(&mut self, script: &Script, out: &mut dyn Write) -> bool {
        for (offset, stmt) in parse::split_statements(&script.text) {
            let ok = self.run_one(&script.origin, &script.text, offset, stmt, out);
            if !ok && self.bail {
                return false;
            }
        }
        true
    }

    fn run_one(
        &mut self,
        origin: &str,
        whole: &str,
        offset: usize,
        stmt: &str,
        out: &mut dyn Write,
    ) -> bool {
        self.db
            .cancel
            .flag
            .store(false, std::sync::atomic::Ordering::Relaxed);
        self.db.cancel.deadline = self.timeout.map(|t| std::time::Instant::now() + t);
        let result = self.db.execute(stmt, &self.params);
        self.db.cancel.deadline = None;
        match result {
            Ok(r) => {
                if let Some(plan) = &r.plan {
                    let _ = writeln!(out, "{plan}");
                    if r.columns == ["plan"] {
                        return true;
                    }
                }
                if let Err(e) = write_result(out, &r, self.format, &TableOptions::default()) {
                    // Nothing more can be shown: stop as `--bail` would,
                    // and exit non-zero.
                    eprintln!("error[StorageError]: cannot write output: {e} (OutputFailed)");
                    self.failed = true;
                    self.bail = true;
                    return false;
                }
                true
            }
            Err(e) => {
                self.failed = true;
                let before = &whole[..offset];
                let line = before.matches('\n').count() + 1;
                let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
                eprintln!("{}", e.render(origin, stmt, line, col));
                false
            }
        }
    }
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

//! `supplygraph spark --remote sc://HOST:PORT --data DIR (-c QUERY | -f FILE)…`:
//! each read statement compiled as `compile --target spark-sql` compiles it
//! and run on a Spark Connect server, over the tables of `export --format
//! parquet` registered as the session's temporary views `actors` and
//! `links`. Results print in the usual formats.

use super::compile::{compile_one, read_params, read_scripts, statements};
use super::{EXIT_FAILED, EXIT_OPEN, EXIT_USAGE};
use crate::io::format::{write_result, Format, TableOptions};
use crate::query::compile::spark::Schema;
use crate::spark_connect::{Remote, Session};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Shown under `spark --help`.
pub const HELP: &str = "DIR is the output of `supplygraph export DB --format parquet -o DIR`: its
columns are read here (as compile --schema does), and the server reads its
files, at DIR's absolute path or at --data-uri URI when the server sees them
elsewhere (hdfs://…, s3a://…). They become the session's temporary views
`actors` and `links`, dropped when the command ends.

Errors: a construct without a Spark form is `error[SemanticError]: …
cannot run on Spark (Unsupported)` at its position; what Spark refuses is
`error[SparkError]: Spark: [CONDITION] …`.

Exit status: 0 every statement ran, 1 some did not, 2 usage error,
3 the server could not be reached.";

#[derive(clap::Args, Debug)]
pub struct SparkArgs {
    /// The Spark Connect server: sc://HOST[:PORT] (port 15002 by default).
    #[arg(long, value_name = "URL")]
    pub remote: String,
    /// The directory of an `export --format parquet`.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// Where the server reads DIR's files, if not at DIR's absolute path.
    #[arg(long, value_name = "URI")]
    pub data_uri: Option<String>,
    /// Run a query (may repeat).
    #[arg(short = 'c', value_name = "QUERY", allow_hyphen_values = true)]
    pub commands: Vec<String>,
    /// Run the statements of a file (may repeat).
    #[arg(short = 'f', value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Bind $NAME to a Cypher literal (inlined into the SQL).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Result format.
    #[arg(long, default_value = "table", value_parser = ["table", "csv", "json", "jsonl", "markdown"])]
    pub format: String,
    /// Print each statement's row count and time on Spark to stderr.
    #[arg(long)]
    pub timer: bool,
    /// Stop at the first failing statement.
    #[arg(long)]
    pub bail: bool,
}

/// `'text'` as a Spark SQL string literal.
fn sql_string(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Where the server finds `DIR/NAME.parquet`.
fn table_location(base: &str, name: &str) -> String {
    format!("{}/{name}.parquet", base.trim_end_matches('/'))
}

pub fn run(args: &SparkArgs) -> ExitCode {
    let usage = |msg: String| {
        eprintln!("error[UsageError]: {msg}");
        ExitCode::from(EXIT_USAGE)
    };
    let remote = match Remote::parse(&args.remote) {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    let format: Format = match args.format.parse() {
        Ok(f) => f,
        Err(e) => return usage(e),
    };
    let schema = match Schema::from_dir(&args.data) {
        Ok(s) => s,
        Err(e) => return usage(format!("--data: {e}")),
    };
    let base = match &args.data_uri {
        Some(uri) => uri.clone(),
        None => match absolute(&args.data) {
            Ok(p) => p,
            Err(e) => return usage(format!("--data {}: {e}", args.data.display())),
        },
    };
    let params = match read_params(&args.params) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let scripts = match read_scripts(&args.commands, &args.files) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut session = match Session::connect(&remote) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}", e.headline());
            return ExitCode::from(EXIT_OPEN);
        }
    };
    for table in ["actors", "links"] {
        let ddl = format!(
            "CREATE OR REPLACE TEMPORARY VIEW {table} USING parquet OPTIONS (path {})",
            sql_string(&table_location(&base, table))
        );
        if let Err(e) = session.sql(&ddl) {
            eprintln!("{}", e.headline());
            session.release();
            return ExitCode::from(EXIT_OPEN);
        }
    }
    let opts = TableOptions {
        max_width: std::io::IsTerminal::is_terminal(&std::io::stdout())
            .then(super::batch::terminal_width)
            .flatten(),
        ..TableOptions::default()
    };
    let mut failed = false;
    'scripts: for (origin, text) in &scripts {
        for (stmt, line, col) in statements(text) {
            let result = compile_one(stmt, &params, Some(&schema)).and_then(|sql| {
                let start = Instant::now();
                session.sql(&sql).map(|r| (r, start.elapsed()))
            });
            match result {
                Ok((r, elapsed)) => {
                    let mut out = std::io::stdout().lock();
                    if let Err(e) = write_result(&mut out, &r, format, &opts) {
                        eprintln!("error[UsageError]: cannot write the result: {e}");
                        failed = true;
                        break 'scripts;
                    }
                    if args.timer {
                        let n = crate::io::format::count(r.rows.len() as u64, "row", "rows");
                        eprintln!("{n} ({:.1} ms on Spark)", elapsed.as_secs_f64() * 1000.0);
                    }
                }
                Err(e) => {
                    eprintln!("{}", e.render(origin, stmt, line, col));
                    failed = true;
                    if args.bail {
                        break 'scripts;
                    }
                }
            }
        }
    }
    session.release();
    if failed {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}

fn absolute(dir: &Path) -> std::io::Result<String> {
    Ok(std::fs::canonicalize(dir)?.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_quoted_as_spark_string_literals() {
        assert_eq!(sql_string(r"/d/it's\x"), r"'/d/it\'s\\x'");
        assert_eq!(
            table_location("hdfs://n/g/", "links"),
            "hdfs://n/g/links.parquet"
        );
    }
}

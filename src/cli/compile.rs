//! `supplygraph compile --target spark-sql [-c QUERY]... [-f FILE]...
//! [--schema DIR] [--param NAME=VALUE]...`: prints the Spark SQL of each
//! read statement, `;`-terminated, for `spark.sql(...)` over the tables of
//! `export --format parquet`. Nothing is run and no database is opened.

use super::{EXIT_FAILED, EXIT_USAGE};
use crate::error::{Error, ErrorKind};
use crate::query::compile::spark::{self, Schema};
use crate::query::parse;
use crate::Params;
use std::path::PathBuf;
use std::process::ExitCode;

/// Shown under `compile --help`.
pub const HELP: &str = "The SQL reads two views, `actors` and `links`, over the files of
`supplygraph export DB --format parquet -o DIR`. With --schema DIR the
compiler reads their columns: a property the export lacks is null, and
estimates, dates and the types of `+` and `/` are known. In PySpark:

  for t in ('actors', 'links'):
      spark.read.parquet(f'DIR/{t}.parquet').createOrReplaceTempView(t)
  spark.sql(compiled).show()

A construct without a faithful Spark form (writes, CALL, AS OF, unbounded
variable-length patterns, …) is an `Unsupported` error at its position.

Exit status: 0 every statement compiled, 1 some did not, 2 usage error.";

#[derive(clap::Args, Debug)]
pub struct CompileArgs {
    /// The target language.
    #[arg(long, value_parser = ["spark-sql"], default_value = "spark-sql")]
    pub target: String,
    /// Compile a query (may repeat).
    #[arg(short = 'c', value_name = "QUERY", allow_hyphen_values = true)]
    pub commands: Vec<String>,
    /// Compile the statements of a file (may repeat).
    #[arg(short = 'f', value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The directory of an `export --format parquet`, for its columns.
    #[arg(long, value_name = "DIR")]
    pub schema: Option<PathBuf>,
    /// Bind $NAME to a Cypher literal (inlined into the SQL).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
}

pub fn run(args: &CompileArgs) -> ExitCode {
    let schema = match &args.schema {
        Some(dir) => match Schema::from_dir(dir) {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("error[UsageError]: --schema: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        },
        None => None,
    };
    let params = match read_params(&args.params) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let scripts = match read_scripts(&args.commands, &args.files) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut failed = false;
    for (origin, text) in &scripts {
        for (stmt, line, col) in statements(text) {
            match compile_one(stmt, &params, schema.as_ref()) {
                Ok(sql) => println!("{sql};"),
                Err(e) => {
                    eprintln!("{}", e.render(origin, stmt, line, col));
                    failed = true;
                }
            }
        }
    }
    if failed {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}

/// `--param NAME=VALUE`s, each value a Cypher literal the engine evaluates.
pub(super) fn read_params(args: &[String]) -> Result<Params, ExitCode> {
    let mut params = Params::new();
    if args.is_empty() {
        return Ok(params);
    }
    let mut db = crate::Database::open_memory().map_err(|e| {
        eprintln!("{}", e.headline());
        ExitCode::from(EXIT_FAILED)
    })?;
    for p in args {
        let (k, v) = super::batch::parse_param(&mut db, p).map_err(|e| {
            eprintln!("{}", e.headline());
            ExitCode::from(EXIT_USAGE)
        })?;
        params.insert(k, v);
    }
    Ok(params)
}

/// `(origin, text)` of every `-c` and `-f`, in order; at least one.
pub(super) fn read_scripts(
    commands: &[String],
    files: &[PathBuf],
) -> Result<Vec<(String, String)>, ExitCode> {
    let mut scripts: Vec<(String, String)> = commands
        .iter()
        .map(|c| ("<command>".to_string(), c.clone()))
        .collect();
    for f in files {
        let text = std::fs::read_to_string(f).map_err(|e| {
            eprintln!("error[UsageError]: cannot read {}: {e}", f.display());
            ExitCode::from(EXIT_USAGE)
        })?;
        scripts.push((f.display().to_string(), text));
    }
    if scripts.is_empty() {
        eprintln!("error[UsageError]: nothing to run: give -c QUERY or -f FILE");
        return Err(ExitCode::from(EXIT_USAGE));
    }
    Ok(scripts)
}

/// The statements of a script with their 1-based line and column.
pub(super) fn statements(text: &str) -> impl Iterator<Item = (&str, usize, usize)> {
    parse::split_statements(text)
        .into_iter()
        .map(move |(offset, stmt)| {
            let before = &text[..offset];
            let line = 1 + before.matches('\n').count();
            let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            (stmt, line, col)
        })
}

pub(super) fn compile_one(
    text: &str,
    params: &Params,
    schema: Option<&Schema>,
) -> Result<String, Error> {
    let stmt = parse::parse_statement(text)
        .map_err(|e| Error::compile(ErrorKind::SyntaxError, e.code, e.message, e.span))?;
    spark::compile(&stmt, params, schema)
}

//! The command line: `supplygraph [DB] …`, `supplygraph import …`,
//! `supplygraph export …`, `supplygraph compile …`, `supplygraph spark …`, `supplygraph check DB`. Exit codes: 0 ok, 1 a
//! statement failed, 2 usage, 3 the database could not be opened.

mod admin;
mod batch;
mod compile;
mod export;
mod repl;
mod serve;
mod spark;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_OPEN: u8 = 3;

/// The exit codes, as `--help` lists them.
const EXIT_CODES_HELP: &str = "Exit status:
  0  every statement succeeded
  1  some statement failed (the batch goes on unless --bail)
  2  usage error (bad option, unreadable file)
  3  the database could not be opened (in use by another process, damaged, newer format)";

#[derive(Parser, Debug)]
#[command(
    name = "supplygraph",
    version,
    about = "An embedded graph database for analysing who supplies whom"
)]
#[command(args_conflicts_with_subcommands = true)]
#[command(after_help = EXIT_CODES_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Database directory (created if missing).
    #[arg(value_name = "DB")]
    pub db: Option<PathBuf>,
    /// Run a query (may repeat).
    #[arg(short = 'c', value_name = "QUERY", allow_hyphen_values = true)]
    pub commands: Vec<String>,
    /// Run the statements of a file (may repeat).
    #[arg(short = 'f', value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Result format. json: one array of row objects per statement (update
    /// counters go to stderr); graphml, dot: the nodes and links of every
    /// result, as one document.
    #[arg(long, default_value = "table", value_parser = ["table", "csv", "json", "jsonl", "markdown", "graphml", "dot"])]
    pub format: String,
    /// Run FILE, then open the REPL.
    #[arg(long, value_name = "FILE")]
    pub init: Option<PathBuf>,
    /// Use a temporary in-memory database.
    #[arg(long)]
    pub memory: bool,
    /// Stop at the first failing statement.
    #[arg(long)]
    pub bail: bool,
    /// Bind $NAME to a Cypher literal: --param "who='Belarus'".
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Cancel a statement that runs longer than SECS.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Bytes one statement's sorts, groups, DISTINCT sets and results may
    /// hold (512M, 2G, …); past it the statement fails with MemoryLimit.
    /// Default: half the machine's memory.
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<String>,
    /// Bytes of records, adjacency lists and index buckets kept between
    /// statements (512M, 4G, …). Default: a quarter of the machine's
    /// memory, at least 256M; only what statements read is kept.
    #[arg(long, value_name = "SIZE")]
    pub cache_size: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Bulk-load CSV, FollowTheMoney or SIPRI files into a database (all or nothing).
    #[command(after_help = admin::IMPORT_HELP)]
    Import(admin::ImportArgs),
    /// Write the whole graph, or the nodes and links of a query's results,
    /// as GraphML (Gephi, yEd, networkx), DOT (Graphviz), JSON lines, or
    /// CSV files that `import` reads back.
    #[command(after_help = export::HELP)]
    Export {
        /// Database directory (must exist).
        #[arg(value_name = "DB")]
        db: PathBuf,
        /// Output format.
        #[arg(long, value_parser = ["graphml", "dot", "csv", "jsonl", "parquet"])]
        format: String,
        /// Export the nodes and links this query's results hold (every
        /// node, relationship and path in them) instead of the whole graph.
        #[arg(short = 'c', value_name = "QUERY")]
        query: Option<String>,
        /// Write to FILE (csv: to the directory DIR) instead of stdout.
        #[arg(short = 'o', value_name = "FILE|DIR")]
        output: Option<PathBuf>,
        /// Bind $NAME to a Cypher literal for the query.
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
    },
    /// Compile read queries to another engine's language (Spark SQL over
    /// the tables of `export --format parquet`).
    #[command(after_help = compile::HELP)]
    Compile(compile::CompileArgs),
    /// Run read queries on a Spark Connect server, over the tables of
    /// `export --format parquet`.
    #[command(after_help = spark::HELP)]
    Spark(spark::SparkArgs),
    /// Serve a database over Bolt to the Neo4j drivers and tools.
    Serve(serve::ServeArgs),
    /// Verify every index against the records.
    Check {
        #[arg(value_name = "DB")]
        db: PathBuf,
    },
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Some(Command::Import(args)) => admin::import(args),
        Some(Command::Export {
            db,
            format,
            query,
            output,
            params,
        }) => export::run(&db, &format, query.as_deref(), output.as_deref(), &params),
        Some(Command::Check { db }) => admin::check(&db),
        Some(Command::Compile(args)) => compile::run(&args),
        Some(Command::Spark(args)) => spark::run(&args),
        Some(Command::Serve(args)) => serve::serve(&args),
        None => run(cli),
    }
}

fn run(cli: Cli) -> ExitCode {
    use std::io::{IsTerminal, Read};
    let db_label = if cli.memory {
        "(in memory)".to_string()
    } else {
        cli.db
            .as_deref()
            .unwrap_or(std::path::Path::new("supplygraph.db"))
            .display()
            .to_string()
    };
    let db_path = cli
        .db
        .as_deref()
        .unwrap_or(std::path::Path::new("supplygraph.db"));
    // A mistyped path would otherwise answer silently from an empty database.
    let creating = !cli.memory && !db_path.exists();
    let opened = if cli.memory {
        crate::Database::open_memory()
    } else {
        crate::Database::open(
            cli.db
                .as_deref()
                .unwrap_or(std::path::Path::new("supplygraph.db")),
        )
    };
    let mut db = match opened {
        Ok(db) => db,
        Err(e) => {
            eprintln!("{}", e.headline());
            return ExitCode::from(EXIT_OPEN);
        }
    };
    if let Some(notice) = db.graph().notice() {
        eprintln!("note: {notice}");
    }
    if creating {
        eprintln!("created new database {}", db_path.display());
    }
    let flag = db.cancel.flag.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, std::sync::atomic::Ordering::Relaxed));
    let format: crate::io::format::Format = match cli.format.parse() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error[UsageError]: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mut params = crate::Params::new();
    for p in &cli.params {
        match batch::parse_param(&mut db, p) {
            Ok((k, v)) => {
                params.insert(k, v);
            }
            Err(e) => {
                eprintln!("{}", e.headline());
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    let timeout = match cli.timeout {
        Some(t) if t.is_finite() && t > 0.0 => Some(std::time::Duration::from_secs_f64(t)),
        Some(_) => {
            eprintln!("error[UsageError]: --timeout needs a positive number of seconds");
            return ExitCode::from(EXIT_USAGE);
        }
        None => None,
    };
    if let Some(size) = &cli.memory_limit {
        match crate::query::exec::memory::parse_limit(size) {
            Ok(bytes) => db.set_memory_limit(bytes),
            Err(e) => {
                eprintln!("error[UsageError]: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    if let Some(size) = &cli.cache_size {
        match crate::query::exec::memory::parse_cache_size(size) {
            Ok(bytes) => db.set_cache_size(bytes),
            Err(e) => {
                eprintln!("error[UsageError]: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    let mut runner = batch::Runner::new(&mut db, params, format, cli.bail, timeout);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut scripts = Vec::new();
    if let Some(init) = &cli.init {
        match std::fs::read_to_string(init) {
            Ok(text) => scripts.push(batch::Script {
                origin: init.display().to_string(),
                text,
            }),
            Err(e) => {
                eprintln!("error[UsageError]: cannot read {}: {e}", init.display());
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    for c in &cli.commands {
        scripts.push(batch::Script {
            origin: "<command>".into(),
            text: c.clone(),
        });
    }
    for f in &cli.files {
        match std::fs::read_to_string(f) {
            Ok(text) => scripts.push(batch::Script {
                origin: f.display().to_string(),
                text,
            }),
            Err(e) => {
                eprintln!("error[UsageError]: cannot read {}: {e}", f.display());
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    let interactive =
        cli.commands.is_empty() && cli.files.is_empty() && std::io::stdin().is_terminal();
    if cli.commands.is_empty() && cli.files.is_empty() && !interactive {
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            eprintln!("error[UsageError]: cannot read standard input: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
        scripts.push(batch::Script {
            origin: "<stdin>".into(),
            text,
        });
    }
    for s in &scripts {
        if !runner.run_script(s, &mut out) {
            break;
        }
    }
    drop(out);
    if interactive {
        return repl::run(&mut runner, &db_label);
    }
    runner.finish();
    if runner.failed() {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}

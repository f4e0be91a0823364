//! The command line: `supplygraph [DB] …`, `supplygraph import …`,
//! `supplygraph check DB`. Exit codes: 0 ok, 1 a statement failed, 2 usage,
//! 3 the database could not be opened.

mod admin;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_OPEN: u8 = 3;

#[derive(Parser, Debug)]
#[command(name = "supplygraph", version, about = "An embedded graph database for analysing who supplies whom")]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Database directory (created if missing).
    #[arg(value_name = "DB")]
    pub db: Option<PathBuf>,
    /// Run a query (may repeat).
    #[arg(short = 'c', value_name = "QUERY")]
    pub commands: Vec<String>,
    /// Run the statements of a file (may repeat).
    #[arg(short = 'f', value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Result format.
    #[arg(long, default_value = "table", value_parser = ["table", "csv", "json", "jsonl", "markdown"])]
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
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Bulk-load CSV files into a database (all or nothing).
    Import {
        #[arg(value_name = "DB")]
        db: PathBuf,
        /// Node files, [LABEL=]FILE.
        #[arg(long, num_args = 1.., value_name = "[LABEL=]FILE")]
        nodes: Vec<String>,
        /// Relationship files, [TYPE=]FILE.
        #[arg(long, num_args = 1.., value_name = "[TYPE=]FILE")]
        relationships: Vec<String>,
    },
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
        Some(Command::Import { db, nodes, relationships }) => admin::import(&db, &nodes, &relationships),
        Some(Command::Check { db }) => admin::check(&db),
        None => {
            eprintln!("error[UsageError]: queries are not available yet");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

//! `import` and `check`.

use super::{EXIT_FAILED, EXIT_OPEN, EXIT_USAGE};
use crate::io::format::count;
use crate::io::import::{self, Source};
use crate::store::{check, Graph};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn open_graph(db: &Path) -> Result<Graph, ExitCode> {
    let graph = Graph::open_path(db).map_err(|e| {
        eprintln!("{}", e.headline());
        ExitCode::from(EXIT_OPEN)
    })?;
    if let Some(notice) = graph.notice() {
        eprintln!("note: {notice}");
    }
    Ok(graph)
}

/// `supplygraph import DB …`.
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// Database directory (created if missing; removed again if the import fails).
    #[arg(value_name = "DB")]
    pub db: PathBuf,
    /// CSV actor files, [LABEL=]FILE: an `id` column, optional `labels` or `kind`.
    #[arg(long, num_args = 1.., value_name = "[LABEL=]FILE")]
    pub nodes: Vec<String>,
    /// CSV link files, [TYPE=]FILE: `src`, `dst` (actor ids) and `type` columns.
    #[arg(long, num_args = 1.., value_name = "[TYPE=]FILE")]
    pub relationships: Vec<String>,
    /// FollowTheMoney entity files (JSON lines, as OpenSanctions and Aleph publish).
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub ftm: Vec<PathBuf>,
    /// SIPRI Arms Transfers Database trade registers (CSV export).
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub sipri: Vec<PathBuf>,
    /// Links (CSV, FtM) may create the actors they name that exist nowhere.
    #[arg(long)]
    pub create_missing_actors: bool,
    /// Read CSV columns under other names: NEW=COLUMN,… (e.g. src=Supplier,dst=Recipient).
    #[arg(long, value_name = "NEW=COLUMN,...")]
    pub map: Vec<String>,
}

/// The rules `import --help` prints after the arguments.
pub const IMPORT_HELP: &str = "\
All or nothing: every file is checked before anything is written; on an error
nothing is imported (a database directory the import created is removed) and
the error names FILE:LINE (and the column or field).

CSV files (RFC 4180, UTF-8): the first line is the header; fields containing
commas, quotes or line breaks are quoted (\"a, b\"), a quote inside one is
doubled (\"\"); a quote that is never closed is an error at its line. Actor
files need `id` (unique); `labels` (`;`-separated) or `kind` gives labels.
Link files need `src` and `dst` (actor ids) and `type` (or TYPE= on the file).
Every other column is a property, typed by inference (integer, float,
boolean, estimate `lo..hi`, else string; empty = absent) or by the header:
`name:int|float|bool|string|date|string[]` (dates `2022`, `2022-03`,
`2022-03-01`; string[] is `;`-separated). --map NEW=COLUMN reads COLUMN as NEW
(NEW may carry a type: `since:date=Year`).

--ftm: things become actors labelled by their schema and its parents (a
Company is :Company:Organization:LegalEntity:Asset), with `id`, `name` (the
caption), `aliases` and every property as a list (dates as dates, numbers as
numbers). Ownership, Directorship, Family, Membership, … become links
(OWNS, DIRECTS, RELATED_TO, BELONGS_TO, …) with `id`, `since`/`until` from
startDate/endDate (for AS OF), and `share` (Ownership percentage / 100).
Sanctions become SANCTIONS links from an :Authority actor per authority.
Entity-valued properties of actors become links (addressEntity ->
ADDRESS_ENTITY). References to entities in no input are counted on stderr.

--sipri: suppliers and recipients become actors (:Country, :NonStateActor for
`*`, :Organization for `**`, :Unknown), id `sipri:NAME`; each deal a SUPPLIES
link with designation, category, ordered, delivered, orderYear, deliveryYears,
the `?` flags as booleans (orderYearUncertain, …), status, comments, tivUnit,
tivOrder, tivDelivered (0 delivered TIV = estimate 0..0.5), since/until.";

pub fn import(args: ImportArgs) -> ExitCode {
    let map = match import::ColumnMap::parse(&args.map) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error[UsageError]: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let inputs = import::Inputs {
        nodes: args.nodes.iter().map(|s| Source::parse(s)).collect(),
        rels: args
            .relationships
            .iter()
            .map(|s| Source::parse(s))
            .collect(),
        ftm: args.ftm,
        sipri: args.sipri,
        create_missing_actors: args.create_missing_actors,
        map,
    };
    if inputs.is_empty() {
        eprintln!(
            "error[UsageError]: import needs --nodes, --relationships, --ftm or --sipri files"
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let db = args.db.as_path();
    // A failed import leaves no directory it created behind.
    let created = !db.exists();
    let remove_created = || {
        if created {
            let _ = std::fs::remove_dir_all(db);
        }
    };
    let mut graph = match open_graph(db) {
        Ok(g) => g,
        Err(code) => {
            remove_created();
            return code;
        }
    };
    let bar = progress_bar();
    let mut report = |done: u64, total: u64| {
        if let Some(b) = &bar {
            b.set_length(total.max(1));
            b.set_position(done.min(total));
        }
    };
    let result = import::import_inputs(&mut graph, &inputs, &mut report);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    match result {
        Ok(summary) => {
            for note in &summary.notes {
                eprintln!("note: {note}");
            }
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", e.headline());
            eprintln!("nothing was imported");
            drop(graph);
            remove_created();
            ExitCode::from(EXIT_FAILED)
        }
    }
}

fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(1);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {percent:>3}% {bytes}/{total_bytes} {eta}",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

pub fn check(db: &Path) -> ExitCode {
    if !db.exists() {
        eprintln!(
            "error[StorageError]: database {} does not exist (DatabaseNotFound)",
            db.display()
        );
        return ExitCode::from(EXIT_OPEN);
    }
    let graph = match open_graph(db) {
        Ok(g) => g,
        Err(code) => return code,
    };
    match check::check(&graph) {
        Ok(report) if report.problems.is_empty() => {
            println!(
                "ok: {}, {}",
                count(report.nodes, "actor", "actors"),
                count(report.rels, "link", "links")
            );
            ExitCode::SUCCESS
        }
        Ok(report) => {
            for p in &report.problems {
                println!("inconsistency: {p}");
            }
            println!(
                "{}: {}, {}",
                count(
                    report.problems.len() as u64,
                    "inconsistency",
                    "inconsistencies"
                ),
                count(report.nodes, "actor", "actors"),
                count(report.rels, "link", "links")
            );
            ExitCode::from(EXIT_FAILED)
        }
        Err(e) => {
            eprintln!("{}", e.headline());
            ExitCode::from(EXIT_OPEN)
        }
    }
}

//! `supplygraph export DB --format graphml|dot|csv|jsonl|parquet [-c QUERY] [-o FILE]`:
//! the whole graph, or the nodes and links of a query's results, through
//! the `Database` API and the writers of `io::format::graph`.

use super::{EXIT_FAILED, EXIT_OPEN, EXIT_USAGE};
use crate::io::format::count;
use crate::io::format::graph::{self, GraphFormat};
use crate::result::Entities;
use crate::{Database, Params};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Shown under `export --help`.
pub const HELP: &str = "Formats:
  graphml  typed attributes per property key (long, double, boolean, string; a key
           of mixed types is string); an estimate is two doubles KEY_lo and KEY_hi;
           lists as JSON text, dates as ISO text. Opens in Gephi, yEd, networkx.
  dot      Graphviz; links labelled with type, category, share, evidence and
           confidence; alleged and unverified links dashed, denied dotted.
  jsonl    one object per node, then per link: {\"kind\": \"node\", \"id\", \"labels\",
           \"properties\"}, {\"kind\": \"relationship\", \"id\", \"type\", \"start\", \"end\",
           \"properties\"}.
  csv      -o DIR is required: DIR/actors.csv and DIR/links.csv in the importer's
           format, typed headers included, so that
           supplygraph import NEW --nodes DIR/actors.csv --relationships DIR/links.csv
           gives the graph back (what cannot come back exactly is warned about).
  parquet  -o DIR is required: DIR/actors.parquet (_id, _labels, one typed column
           per property) and DIR/links.parquet (_id, _src, _dst, _type, properties);
           an estimate is KEY_lo, KEY_hi; a date the interval KEY_from, KEY_to.
           Read by Spark, DuckDB, pandas; the tables of `compile --target spark-sql`.

Examples:
  supplygraph export db --format graphml -o graph.graphml
  supplygraph export db --format dot -c \"MATCH p = (@china)-[*..3]->(@russia) RETURN p\" | dot -Tsvg > paths.svg
  supplygraph export db --format csv -o backup/

Exit status: 0 ok, 1 the query failed or the output could not be written,
2 usage error, 3 the database could not be opened (or does not exist).";

/// The nodes and links to export: the whole graph, or what `query` returns.
/// The queries run in a transaction that is rolled back, so that an export
/// never changes the database, whatever the query.
fn collect(db: &mut Database, query: Option<&str>, params: &Params) -> Result<Entities, String> {
    let queries: Vec<&str> = match query {
        Some(q) => vec![q],
        None => vec!["MATCH (n) RETURN n", "MATCH ()-[r]->() RETURN r"],
    };
    let control = |db: &mut Database, stmt: &str| {
        db.execute(stmt, &Params::new())
            .map(drop)
            .map_err(|e| e.render("<export>", stmt, 1, 1))
    };
    control(db, "BEGIN")?;
    let mut ent = Entities::default();
    let mut outcome = Ok(());
    for q in queries {
        let stmt = q.trim().trim_end_matches(';');
        match db.execute(stmt, params) {
            Ok(r) => {
                for w in &r.warnings {
                    eprintln!("{}", w.render("<command>", stmt, 1, 1));
                }
                graph::merge_owned(&mut ent, r.entities)
            }
            Err(e) => {
                outcome = Err(e.render("<command>", q, 1, 1));
                break;
            }
        }
    }
    control(db, "ROLLBACK")?;
    outcome.map(|()| ent)
}

pub fn run(
    db_path: &Path,
    format: &str,
    query: Option<&str>,
    output: Option<&Path>,
    params: &[String],
) -> ExitCode {
    let format: GraphFormat = match format.parse() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error[UsageError]: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if matches!(format, GraphFormat::Csv | GraphFormat::Parquet) && output.is_none() {
        eprintln!("error[UsageError]: a {format:?} export is two files (actors, links): give a directory with -o DIR");
        return ExitCode::from(EXIT_USAGE);
    }
    // Exporting never creates a database: a mistyped path is an error.
    if !db_path.exists() {
        eprintln!("error[StorageError]: no database at {}", db_path.display());
        return ExitCode::from(EXIT_OPEN);
    }
    let mut db = match Database::open(db_path) {
        Ok(db) => db,
        Err(e) => {
            eprintln!("error[StorageError]: {e}");
            return ExitCode::from(EXIT_OPEN);
        }
    };
    let mut bound = Params::new();
    for p in params {
        match super::batch::parse_param(&mut db, p) {
            Ok((k, v)) => {
                bound.insert(k, v);
            }
            Err(e) => {
                eprintln!("{}", e.headline());
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    let ent = match collect(&mut db, query, &bound) {
        Ok(ent) => ent,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let (n, m) = graph::counts(&ent);
    let written = match (format, output) {
        (GraphFormat::Csv, Some(dir)) => graph::csv_dir::write(dir, &ent).map(|r| r.warnings),
        (GraphFormat::Parquet, Some(dir)) => graph::parquet::write(dir, &ent).map(|r| r.warnings),
        (_, Some(file)) => std::fs::File::create(file)
            .map(std::io::BufWriter::new)
            .and_then(|mut w| {
                graph::write(&mut w, &ent, format)?;
                w.flush()
            })
            .map(|()| Vec::new()),
        (_, None) => {
            // Stdout is line-buffered: a large graph would be a write per line.
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            graph::write(&mut w, &ent, format)
                .and_then(|()| w.flush())
                .map(|()| Vec::new())
        }
    };
    if query.is_some() && n == 0 {
        eprintln!("warning: the query's results hold no nodes or links (return them: RETURN p, not RETURN p.name)");
    }
    match written {
        Ok(warnings) => {
            for w in warnings {
                eprintln!("warning: {w}");
            }
            if let Some(o) = output {
                eprintln!(
                    "wrote {} and {} to {}",
                    count(n as u64, "actor", "actors"),
                    count(m as u64, "link", "links"),
                    o.display()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            let place = output.map_or("stdout".to_string(), |o| o.display().to_string());
            eprintln!("error[StorageError]: cannot write {place}: {e}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

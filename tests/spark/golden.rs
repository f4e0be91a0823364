//! The golden statements on Spark: each file's graph is built by the
//! embedded engine statement by statement, as tests/golden.rs does; every
//! statement that compiles and expects rows then runs on Spark over the
//! graph as it stands (exported to Parquet again after anything that may
//! have changed it), and its rows, rendered in Cypher notation, must equal
//! the file's (as multisets unless `-CHECK_ORDER`).
//!
//! One kind of difference is allowed, and counted: the statements in
//! [`ORDER_OF_COLLECT`]. (A float divided by 0, Spark's `[DIVIDE_BY_ZERO]`
//! in ANSI mode, compiles to Cypher's ±Infinity or NaN.)

use std::path::Path;
use supplygraph::io::format::graph::{merge_owned, parquet};
use supplygraph::query::compile::spark::{compile, Schema};
use supplygraph::result::Entities;
use supplygraph::spark_connect::{Remote, Session};
use supplygraph::{Database, Params};

/// Exports the whole graph to `dir` and points the session's views at it.
fn publish(db: &mut Database, dir: &Path, session: &mut Session) -> Schema {
    let mut ent = Entities::default();
    for q in ["MATCH (n) RETURN n", "MATCH ()-[r]->() RETURN r"] {
        merge_owned(&mut ent, db.execute(q, &Params::new()).unwrap().entities);
    }
    parquet::write(dir, &ent).unwrap();
    for t in ["actors", "links"] {
        let path = dir.join(format!("{t}.parquet"));
        session
            .sql(&format!(
                "CREATE OR REPLACE TEMPORARY VIEW {t} USING parquet OPTIONS (path '{}')",
                path.display()
            ))
            .unwrap();
    }
    Schema::from_dir(dir).unwrap()
}

/// Statements whose `collect()` comes back in another order: Cypher collects
/// in the order rows arrive, which no clause here fixes, and Spark's rows
/// arrive in another order after the shuffle a DISTINCT aggregate makes.
const ORDER_OF_COLLECT: &[&str] = &[
    "UNWIND [1, 2, 3] AS x RETURN sum(x), avg(x), min(x), max(x), collect(x), count(DISTINCT x % 2)",
];

#[derive(Default)]
struct Tally {
    ran: usize,
    matched: usize,
    collect_order: usize,
    differ: Vec<String>,
}

fn run_file(path: &Path, session: &mut Session, tmp: &Path, tally: &mut Tally) {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut db = Database::open_memory().unwrap();
    let mut published: Option<Schema> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end();
        i += 1;
        if let Some(name) = line.strip_prefix("-DATASET ") {
            super::golden_files::load_fixture(&mut db, name);
            published = None;
            continue;
        }
        let Some(query) = line.strip_prefix("-STATEMENT ") else {
            continue;
        };
        let mut ordered = false;
        while i < lines.len() && !lines[i].starts_with("----") {
            ordered |= lines[i].trim() == "-CHECK_ORDER";
            i += 1;
        }
        let header = lines.get(i).copied().unwrap_or("---- ok").trim();
        i += 1;
        let expected_rows = header
            .strip_prefix("---- ")
            .and_then(|n| n.parse::<usize>().ok());
        if let Some(n) = expected_rows {
            i += n;
        }
        // Compiled against the schema of the graph before the statement.
        let sql = match (
            &expected_rows,
            supplygraph::query::parse::parse_statement(query),
        ) {
            (Some(_), Ok(stmt)) => {
                if published.is_none() {
                    let dir = tmp.join(format!("g{}", tally.ran + tally.differ.len() + i));
                    published = Some(publish(&mut db, &dir, session));
                }
                compile(&stmt, &Params::new(), published.as_ref()).ok()
            }
            _ => None,
        };
        let embedded = db.execute(query, &Params::new());
        let Some(sql) = sql else {
            // Not run on Spark: it may have changed the graph.
            published = None;
            continue;
        };
        if embedded.is_err() {
            continue;
        }
        let n = expected_rows.unwrap();
        let mut want: Vec<String> = lines[i - n..i]
            .iter()
            .map(|l| l.trim_end().to_string())
            .collect();
        tally.ran += 1;
        let got = session
            .sql(&sql)
            .map(|r| super::golden_files::render_rows(&r.rows, &r.entities));
        match got {
            Ok(mut got) => {
                if !ordered {
                    got.sort();
                    want.sort();
                }
                if got == want {
                    tally.matched += 1;
                } else if ORDER_OF_COLLECT.contains(&query) {
                    tally.collect_order += 1;
                } else {
                    tally.differ.push(format!(
                        "{}: {query}\n  expected:\n    {}\n  spark:\n    {}\n  sql: {sql}",
                        path.display(),
                        want.join("\n    "),
                        got.join("\n    ")
                    ));
                }
            }
            Err(e) => tally.differ.push(format!(
                "{}: {query}\n  spark failed: {}\n  sql: {sql}",
                path.display(),
                e.headline()
            )),
        }
    }
}

pub fn statements_that_compile_answer_as_expected(url: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let files = super::golden_files::query_files();
    // Two sessions side by side, half the files each.
    let tallies: Vec<Tally> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|k| {
                let (files, tmp) = (&files, tmp.path());
                s.spawn(move || {
                    let mut session = Session::connect(&Remote::parse(url).unwrap()).unwrap();
                    let mut tally = Tally::default();
                    for (n, f) in files.iter().enumerate().filter(|(n, _)| n % 2 == k) {
                        run_file(f, &mut session, &tmp.join(format!("f{n}")), &mut tally);
                    }
                    session.release();
                    tally
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut tally = Tally::default();
    for t in tallies {
        tally.ran += t.ran;
        tally.matched += t.matched;
        tally.collect_order += t.collect_order;
        tally.differ.extend(t.differ);
    }
    eprintln!(
        "golden statements on Spark: {} ran, {} matched, {} with collect() in another order, \
         {} differ",
        tally.ran,
        tally.matched,
        tally.collect_order,
        tally.differ.len()
    );
    assert!(
        tally.differ.is_empty(),
        "{} of {} differ:\n{}",
        tally.differ.len(),
        tally.ran,
        tally.differ.join("\n")
    );
    assert!(tally.ran > 200, "only {} ran", tally.ran);
}

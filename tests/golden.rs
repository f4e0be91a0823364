//! Golden query files (`tests/queries/*.test`), in the style of Kùzu's test
//! files:
//!
//! ```text
//! -DATASET belarus-2025        (optional: import fixtures/<name>/actors.csv + links.csv)
//! -CASE name                   (starts a case; the database is fresh per file)
//! -STATEMENT <one line of Cypher>
//! -CHECK_ORDER                 (optional, before ----: rows must come in this order)
//! -WARNING <message (Code)>    (optional, before ----, may repeat: the statement's
//!                               warnings, exactly; -NO_WARNING: none. Without
//!                               either, warnings are not checked. BLESS does not
//!                               rewrite them.)
//! ---- ok | ---- N | ---- error
//! <N rows: values rendered in Cypher notation, joined by " | ">
//! <or, after ---- error: the exact error headline>
//! ```
//! A failing case prints its expected and actual outcome. `BLESS=1 cargo test
//! --test golden` also rewrites each file with a failing case so that every
//! case expects what it now gives (review the diff before committing it).

use std::path::Path;
use supplygraph::query::exec::context::Cancel;
use supplygraph::{Database, Error, Params, QueryResult};

#[path = "common/golden_files.rs"]
mod golden_files;

fn run_file(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut db = Database::open_memory().unwrap();
    let mut failures = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    // The file as it would be with every case's actual outcome (BLESS=1).
    let mut blessed: Vec<String> = Vec::new();
    let mut i = 0;
    let mut case = String::new();
    while i < lines.len() {
        let line = lines[i].trim_end();
        i += 1;
        blessed.push(lines[i - 1].to_string());
        if let Some(name) = line.strip_prefix("-DATASET ") {
            golden_files::load_fixture(&mut db, name);
        } else if let Some(name) = line.strip_prefix("-CASE ") {
            case = name.trim().to_string();
        } else if let Some(query) = line.strip_prefix("-STATEMENT ") {
            let mut ordered = false;
            let mut want_warnings: Option<Vec<String>> = None;
            while i < lines.len() && !lines[i].starts_with("----") {
                if lines[i].trim() == "-CHECK_ORDER" {
                    ordered = true;
                }
                if lines[i].trim() == "-NO_WARNING" {
                    want_warnings.get_or_insert_with(Vec::new);
                }
                if let Some(w) = lines[i].strip_prefix("-WARNING ") {
                    want_warnings
                        .get_or_insert_with(Vec::new)
                        .push(w.trim().to_string());
                }
                blessed.push(lines[i].to_string());
                i += 1;
            }
            let header = lines.get(i).copied().unwrap_or("---- ok").trim();
            let header_at = i.min(lines.len());
            i += 1;
            let where_ = format!("{}: case '{}': {}", path.display(), case, query);
            // Rows rendered in Cypher notation (sorted unless ordered), or
            // the error's headline.
            let first = outcome(db.execute(query, &Params::new()), ordered);
            if let (Ok((_, got)), Some(want)) = (&first, &want_warnings) {
                if want != got {
                    failures.push(format!(
                        "{where_}\n  expected warnings:\n    {}\n  actual:\n    {}",
                        want.join("\n    "),
                        got.join("\n    ")
                    ));
                }
            }
            // A read runs again with the plan its first run kept
            // (`plan_cache.rs`), as a streamed read and by its text: the
            // same rows, warnings or error each time.
            if repeatable(query) && !db.in_transaction() {
                let again = db.execute_read(query, &Params::new(), &Cancel::default());
                if !matches!(&again, Err(e) if e.code == "AccessMode") {
                    let by_text = db.execute(query, &Params::new());
                    for (how, r) in [("read", again), ("text", by_text)] {
                        let r = outcome(r, ordered);
                        if r != first {
                            failures.push(format!(
                                "{where_}\n  run again ({how}) gave {r:?}\n  first run gave {first:?}"
                            ));
                        }
                    }
                }
            }
            let actual = first.map(|(rows, _)| rows);
            let failed = match header {
                "---- ok" => match &actual {
                    Ok(_) => false,
                    Err(h) => {
                        failures.push(format!("{where_}\n  expected success, got {h}"));
                        true
                    }
                },
                "---- error" => {
                    let want = lines.get(i).copied().unwrap_or("").trim();
                    i += 1;
                    match &actual {
                        Ok(_) => {
                            failures.push(format!(
                                "{where_}\n  expected error {want}, but it succeeded"
                            ));
                            true
                        }
                        Err(h) if h != want => {
                            failures.push(format!("{where_}\n  expected {want}\n  actual   {h}"));
                            true
                        }
                        Err(_) => false,
                    }
                }
                h => {
                    let n: usize = h
                        .trim_start_matches("----")
                        .trim()
                        .parse()
                        .unwrap_or_else(|_| panic!("{where_}: bad header {h}"));
                    let mut want: Vec<String> = lines[i..(i + n).min(lines.len())]
                        .iter()
                        .map(|l| l.trim_end().to_string())
                        .collect();
                    i += n;
                    if !ordered {
                        want.sort();
                    }
                    match &actual {
                        Err(h) => {
                            failures.push(format!("{where_}\n  expected {n} rows, got {h}"));
                            true
                        }
                        Ok(got) if *got != want => {
                            failures.push(format!(
                                "{where_}\n  expected:\n    {}\n  actual:\n    {}",
                                want.join("\n    "),
                                got.join("\n    ")
                            ));
                            true
                        }
                        Ok(_) => false,
                    }
                }
            };
            // A case that passes keeps its text as written.
            if !failed {
                let kept = &lines[header_at..i.min(lines.len())];
                blessed.extend(kept.iter().map(|l| l.to_string()));
            } else {
                match &actual {
                    Ok(_) if header == "---- ok" => blessed.push("---- ok".into()),
                    Ok(got) => {
                        blessed.push(format!("---- {}", got.len()));
                        blessed.extend(got.iter().cloned());
                    }
                    Err(h) => {
                        blessed.push("---- error".into());
                        blessed.push(h.clone());
                    }
                }
            }
        }
    }
    if !failures.is_empty() && std::env::var_os("BLESS").is_some_and(|v| v == "1") {
        let mut out = blessed.join("\n");
        out.push('\n');
        std::fs::write(path, out).unwrap();
    }
    failures
}

/// A statement's rows in Cypher notation (sorted unless `ordered`) and its
/// warnings, or its error's headline.
#[allow(clippy::type_complexity)]
fn outcome(
    r: Result<QueryResult, Error>,
    ordered: bool,
) -> Result<(Vec<String>, Vec<String>), String> {
    let r = r.map_err(|e| e.headline())?;
    let warnings = r
        .warnings
        .iter()
        .map(|w| format!("{} ({})", w.message, w.code))
        .collect();
    let mut rows = golden_files::render_rows(&r.rows, &r.entities);
    if !ordered {
        rows.sort();
    }
    Ok((rows, warnings))
}

/// Whether a statement answers the same when run again: it reads no clock
/// and draws no random number.
fn repeatable(query: &str) -> bool {
    let q = query.to_lowercase();
    ![
        "rand(",
        "uuid(",
        "timestamp(",
        "date()",
        "time()",
        ".statement(",
        ".transaction(",
        ".realtime(",
    ]
    .iter()
    .any(|f| q.contains(f))
}

#[test]
fn golden_query_files() {
    let files = golden_files::query_files();
    assert!(!files.is_empty());
    let mut failures = Vec::new();
    for f in &files {
        failures.extend(run_file(f));
    }
    assert!(
        failures.is_empty(),
        "{} golden case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

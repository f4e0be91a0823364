//! Golden query files (`tests/queries/*.test`), in the style of Kùzu's test
//! files:
//!
//! ```text
//! -DATASET belarus-2025        (optional: import fixtures/<name>/actors.csv + links.csv)
//! -CASE name                   (starts a case; the database is fresh per file)
//! -STATEMENT <one line of Cypher>
//! -CHECK_ORDER                 (optional, before ----: rows must come in this order)
//! ---- ok | ---- N | ---- error
//! <N rows: values rendered in Cypher notation, joined by " | ">
//! <or, after ---- error: the exact error headline>
//! ```
//! Set `BLESS=1` to print the actual output of failing cases.

use std::path::Path;
use supplygraph::io::format::render_value;
use supplygraph::io::import::{import, Source};
use supplygraph::{Database, Params};

fn run_file(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut db = Database::open_memory().unwrap();
    let mut failures = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    let mut case = String::new();
    while i < lines.len() {
        let line = lines[i].trim_end();
        i += 1;
        if let Some(name) = line.strip_prefix("-DATASET ") {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures")
                .join(name.trim());
            let nodes = [Source::parse(dir.join("actors.csv").to_str().unwrap())];
            let rels = [Source::parse(dir.join("links.csv").to_str().unwrap())];
            import(db.graph_mut(), &nodes, &rels, &mut |_, _| {}).unwrap();
        } else if let Some(name) = line.strip_prefix("-CASE ") {
            case = name.trim().to_string();
        } else if let Some(query) = line.strip_prefix("-STATEMENT ") {
            let mut ordered = false;
            while i < lines.len() && !lines[i].starts_with("----") {
                if lines[i].trim() == "-CHECK_ORDER" {
                    ordered = true;
                }
                i += 1;
            }
            let header = lines.get(i).copied().unwrap_or("---- ok").trim();
            i += 1;
            let result = db.execute(query, &Params::new());
            let where_ = format!("{}: case '{}': {}", path.display(), case, query);
            match header {
                "---- ok" => {
                    if let Err(e) = result {
                        failures.push(format!(
                            "{where_}\n  expected success, got {}",
                            e.headline()
                        ));
                    }
                }
                "---- error" => {
                    let want = lines.get(i).copied().unwrap_or("").trim();
                    i += 1;
                    match result {
                        Ok(_) => failures.push(format!(
                            "{where_}\n  expected error {want}, but it succeeded"
                        )),
                        Err(e) if e.headline() != want => failures.push(format!(
                            "{where_}\n  expected {want}\n  actual   {}",
                            e.headline()
                        )),
                        Err(_) => {}
                    }
                }
                h => {
                    let n: usize = h
                        .trim_start_matches("----")
                        .trim()
                        .parse()
                        .unwrap_or_else(|_| panic!("{where_}: bad header {h}"));
                    let mut want: Vec<String> = lines[i..i + n]
                        .iter()
                        .map(|l| l.trim().to_string())
                        .collect();
                    i += n;
                    match result {
                        Err(e) => failures.push(format!(
                            "{where_}\n  expected {n} rows, got {}",
                            e.headline()
                        )),
                        Ok(r) => {
                            let mut got: Vec<String> = r
                                .rows
                                .iter()
                                .map(|row| {
                                    row.iter()
                                        .map(|v| render_value(v, &r.entities))
                                        .collect::<Vec<_>>()
                                        .join(" | ")
                                })
                                .collect();
                            if !ordered {
                                want.sort();
                                got.sort();
                            }
                            if got != want {
                                failures.push(format!(
                                    "{where_}\n  expected:\n    {}\n  actual:\n    {}",
                                    want.join("\n    "),
                                    got.join("\n    ")
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    failures
}

#[test]
fn golden_query_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/queries");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "test"))
        .collect();
    files.sort();
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

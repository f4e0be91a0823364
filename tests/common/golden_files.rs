//! What the golden query files (`tests/queries/*.test`) share between the
//! runners that read them: the embedded one (tests/golden.rs) and Spark's
//! (tests/spark/golden.rs).

use std::path::{Path, PathBuf};
use supplygraph::io::format::render_value;
use supplygraph::io::import::{import, Source};
use supplygraph::result::Entities;
use supplygraph::value::Value;
use supplygraph::Database;

/// Every golden file, in name order.
pub fn query_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/queries");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "test"))
        .collect();
    files.sort();
    files
}

/// `-DATASET name`: imports `fixtures/<name>/actors.csv` and `links.csv`.
pub fn load_fixture(db: &mut Database, name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name.trim());
    let nodes = [Source::parse(dir.join("actors.csv").to_str().unwrap())];
    let rels = [Source::parse(dir.join("links.csv").to_str().unwrap())];
    import(db.graph_mut(), &nodes, &rels, &mut |_, _| {}).unwrap();
}

/// Each row as the files write it: its values in Cypher notation, joined
/// by " | ".
pub fn render_rows(rows: &[Vec<Value>], entities: &Entities) -> Vec<String> {
    rows.iter()
        .map(|row| {
            row.iter()
                .map(|v| render_value(v, entities))
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}

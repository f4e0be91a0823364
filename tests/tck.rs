//! Regression gate: every scenario named in `tests/tck-passing.txt` (one
//! `features/<path>.feature :: <scenario name> [#n]` per line) must still pass.
//! Regenerate the list with `cargo run --bin tck -- --update-list tests/tck-passing.txt`.

use std::io::Write;
use std::path::Path;
use supplygraph::tck::{self, Filter};
use supplygraph::Database;

/// Written straight to stderr so that it shows even when the test passes.
fn note(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}

#[test]
fn tck_passing_scenarios_still_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tck_dir = root.join("../shared/tck");
    let features = tck_dir.join("features");
    if !features.is_dir() {
        note(&format!("TCK not found at {}, skipping", tck_dir.display()));
        return;
    }
    let list_path = root.join("tests/tck-passing.txt");
    let listed = match tck::read_list(&list_path) {
        Ok(l) => l,
        Err(e) => {
            note(&format!(
                "no passing list at {} ({e}), nothing to check",
                list_path.display()
            ));
            return;
        }
    };
    if listed.is_empty() {
        note(&format!(
            "{} lists no scenarios, nothing to check",
            list_path.display()
        ));
        return;
    }
    let filter = Filter {
        only: Some(listed.iter().cloned().collect()),
        ..Filter::default()
    };
    let summary = tck::run_features::<Database>(&features, &filter);
    assert!(
        summary.load_errors.is_empty(),
        "cannot load TCK files: {:#?}",
        summary.load_errors
    );
    let bad = tck::list_failures(&summary, &listed, true);
    if !bad.is_empty() {
        let mut msg = format!(
            "{} of {} scenarios in tests/tck-passing.txt no longer pass:\n",
            bad.len(),
            listed.len()
        );
        for (id, why) in &bad {
            msg.push_str(&format!("  {id}\n"));
            for line in why.lines() {
                msg.push_str(&format!("      {line}\n"));
            }
        }
        panic!("{msg}");
    }
    note(&format!(
        "TCK gate: all {} listed scenarios pass",
        listed.len()
    ));
}

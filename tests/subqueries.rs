//! `CALL { … } IN TRANSACTIONS` through the real binary, on disk: each
//! batch is durable on its own, so what a failing statement committed
//! before its failing batch is there after a reopen, and the database
//! checks clean and keeps allocating fresh ids.

use std::path::Path;
use std::process::{Command, Output};

fn run(db: &Path, query: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_supplygraph"))
        .arg(db)
        .args(["--format", "csv", "-c", query])
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn batches_committed_before_a_failure_stay_after_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    // Rows 1..=20 commit in two batches; row 25 divides by zero in the third.
    let o = run(
        &db,
        "UNWIND range(1, 30) AS i CALL { WITH i CREATE (:Batch {i: i, v: 10 / (25 - i)}) } \
         IN TRANSACTIONS OF 10 ROWS",
    );
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("DivisionByZero"),
        "{o:?}"
    );
    let o = run(
        &db,
        "MATCH (b:Batch) RETURN count(b) AS n, max(b.i) AS last",
    );
    assert_eq!(stdout(&o), "n,last\n20,20\n");
    // New nodes get ids of their own after the adopted batches.
    let o = run(
        &db,
        "CREATE (:After) WITH 1 AS one MATCH (n) RETURN count(DISTINCT id(n)) AS ids",
    );
    assert_eq!(stdout(&o), "ids\n21\n", "{o:?}");
    let o = Command::new(env!("CARGO_BIN_EXE_supplygraph"))
        .arg("check")
        .arg(&db)
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    assert!(stdout(&o).contains("ok: 21 actors, 0 links"), "{o:?}");
}

#[test]
fn a_batched_delete_commits_every_batch() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let o = run(&db, "UNWIND range(1, 2500) AS i CREATE (:Item {i: i})");
    assert!(o.status.success(), "{o:?}");
    let o = run(
        &db,
        "MATCH (n:Item) WHERE n.i % 2 = 0 CALL { WITH n DELETE n } IN TRANSACTIONS \
         RETURN count(*) AS deleted",
    );
    assert_eq!(stdout(&o), "deleted\n1250\n", "{o:?}");
    let o = run(
        &db,
        "MATCH (n:Item) RETURN count(n) AS n, sum(n.i % 2) AS odd",
    );
    assert_eq!(stdout(&o), "n,odd\n1250,1250\n");
}

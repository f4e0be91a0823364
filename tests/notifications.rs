//! Drives the real binary: warnings about unknown names and about a date
//! compared with a number go to stderr with their position, while the
//! statement still runs and the exit status stays 0.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_supplygraph"))
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/belarus-2025")
        .join(name)
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn fixture_db(dir: &Path) -> PathBuf {
    let db = dir.join("db");
    let o = bin()
        .arg("import")
        .arg(&db)
        .arg("--nodes")
        .arg(fixture("actors.csv"))
        .arg("--relationships")
        .arg(fixture("links.csv"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    db
}

#[test]
fn unknown_names_warn_on_stderr_with_the_closest_name_and_a_position() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_db(dir.path());
    let o = bin()
        .arg(&db)
        .args([
            "--format",
            "csv",
            "-c",
            "MATCH (a:Countyr) RETURN a.nme AS n",
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(out, "n\n");
    assert_eq!(
        err,
        "warning: the database has no label :Countyr; did you mean :Country? (UnknownLabelWarning)\n  \
         --> <command>:1:10\n   | MATCH (a:Countyr) RETURN a.nme AS n\n   |          ^^^^^^^\n\
         warning: the database has no property key nme; did you mean a.name? (UnknownPropertyKeyWarning)\n  \
         --> <command>:1:28\n   | MATCH (a:Countyr) RETURN a.nme AS n\n   |                            ^^^\n"
    );
    // A file's statement is placed at its line in the file.
    let script = dir.path().join("q.cypher");
    std::fs::write(
        &script,
        "RETURN 1 AS one;\n\nMATCH ()-[r:SUPLIES]->() RETURN count(r) AS c;\n",
    )
    .unwrap();
    let o = bin()
        .arg(&db)
        .args(["--format", "csv", "-f"])
        .arg(&script)
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(out, "one\n1\nc\n0\n");
    assert!(err.starts_with("warning: the database has no relationship type :SUPLIES; did you mean :SUPPLIES? (UnknownRelationshipTypeWarning)\n"), "{err}");
    assert!(err.contains("q.cypher:3:13\n"), "{err}");
}

#[test]
fn known_names_and_written_names_are_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_db(dir.path());
    let o = bin()
        .arg(&db)
        .args([
            "--format",
            "csv",
            "-c",
            "MATCH (a:Country {id: 'belarus'})-[r:SUPPLIES]->(b) WHERE r.since >= date('2022') RETURN count(r) AS c",
            "-c",
            "CREATE (w:Warehouse {city: 'Minsk'}) RETURN w.city AS city",
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(out, "c\n5\ncity\nMinsk\n");
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn a_date_compared_with_a_number_warns_and_partial_dates_follow_as_of() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_db(dir.path());
    let o = bin()
        .arg(&db)
        .args([
            "--format",
            "csv",
            "-c",
            "MATCH ()-[r:INVADES]->() WHERE r.since >= 2022 RETURN count(r) AS c",
            "-c",
            "MATCH ()-[r:INVADES]->() WHERE r.since >= date('2022') RETURN count(r) AS c",
            "-c",
            "MATCH ()-[r:INVADES]->() AS OF 2022 RETURN count(r) AS c",
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(out, "c\n0\nc\n1\nc\n1\n");
    assert_eq!(
        err.matches("warning:").count(),
        1,
        "one warning for the one statement: {err}"
    );
    assert!(err.starts_with("warning: a date (2022-02) compared with a number (2022) is never true; write date('2022') (DateComparedWithNumberWarning)\n  --> <command>:1:32\n"), "{err}");
}

/// The same statement run again in one session (its parse and its finding
/// on names kept between runs): warned of until a commit makes the name;
/// a name made inside BEGIN quiets it only until ROLLBACK.
#[test]
fn a_repeated_statement_warns_until_a_commit_makes_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("q.cypher");
    let q = "MATCH (s:Supplier) RETURN count(s) AS c;\n";
    let text_of = [
        q,
        q,
        "BEGIN;\nCREATE (:Supplier);\n",
        q,
        "ROLLBACK;\n",
        q,
        "CREATE (:Supplier);\n",
        q,
        q,
    ]
    .concat();
    std::fs::write(&script, text_of).unwrap();
    let o = bin()
        .args(["--memory", "--format", "csv", "-f"])
        .arg(&script)
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(out, "c\n0\nc\n0\nc\n1\nc\n0\nc\n1\nc\n1\n", "{err}");
    // Lines 1, 2 and 7 (after ROLLBACK) warn; inside BEGIN and after the
    // commit, none.
    let at: Vec<&str> = err
        .lines()
        .filter_map(|l| l.trim().strip_prefix("--> "))
        .collect();
    assert_eq!(at.len(), 3, "{err}");
    for (place, line) in at.iter().zip([1, 2, 7]) {
        assert!(
            place.ends_with(&format!("q.cypher:{line}:10")),
            "{place}\n{err}"
        );
    }
    assert_eq!(err.matches("UnknownLabelWarning").count(), 3, "{err}");
}

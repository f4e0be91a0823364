//! Drives the real binary: the `.import` dot command takes the same inputs
//! and options as `supplygraph import` (CSV, FollowTheMoney, SIPRI,
//! `--create-missing-actors`, `--map`), in any front end of the session.

use std::path::Path;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_supplygraph"))
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn run(commands: &[String]) -> Output {
    let mut cmd = bin();
    cmd.args(["--memory", "--format", "csv"]);
    for c in commands {
        cmd.args(["-c", c]);
    }
    cmd.output().unwrap()
}

#[test]
fn dot_import_reads_ftm_sipri_and_mapped_csv() {
    let dir = tempfile::tempdir().unwrap();
    let ftm = dir.path().join("e.ftm.json");
    std::fs::write(
        &ftm,
        concat!(
            r#"{"id": "c1", "schema": "Company", "properties": {"name": ["Acme; Sons"]}}"#,
            "\n",
            r#"{"id": "p1", "schema": "Person", "properties": {"name": ["Ann"]}}"#,
            "\n",
            r#"{"id": "o1", "schema": "Ownership", "properties": {"owner": ["p1"], "asset": ["c1"], "startDate": ["2020-05"]}}"#,
            "\n",
        ),
    )
    .unwrap();
    let deals = dir.path().join("deals.csv");
    std::fs::write(&deals, "Seller,Buyer,kind\nacme,zeta,SUPPLIES\n").unwrap();
    let o = run(&[
        format!(".import --ftm {}", ftm.display()),
        format!(
            ".import --relationships {} --map src=Seller,dst=Buyer,type=kind --create-missing-actors",
            deals.display()
        ),
        "MATCH (a)-[r:OWNS]->(c) AS OF 2020 RETURN a.name AS owner, c.name AS asset".into(),
        "MATCH (a)-[:SUPPLIES]->(b) RETURN a.id AS a, b.id AS b".into(),
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("imported 2 actors, 1 link in "),
        "{out}"
    );
    assert!(
        lines[1].starts_with("imported 2 actors, 1 link in "),
        "{out}"
    );
    assert_eq!(
        lines[2..].join("\n"),
        "owner,asset\nAnn,Acme; Sons\na,b\nacme,zeta",
        "{out}"
    );
    assert!(err.contains("3 entities: 2 actors, 1 link"), "{err}");
    assert!(
        err.contains("created 2 actors that its links name"),
        "{err}"
    );

    let register = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/arms-transfers/trade-register-focus.csv");
    if !register.exists() {
        eprintln!("SKIPPED the SIPRI part: {} is absent", register.display());
        return;
    }
    let o = run(&[
        format!(".import --sipri {}", register.display()),
        "MATCH (:Country {name: 'Russia'})-[r:SUPPLIES]->() RETURN count(r) > 0 AS some".into(),
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.ends_with("some\ntrue\n"), "{out}");
    assert!(err.contains("deals (SUPPLIES links)"), "{err}");
}

#[test]
fn dot_import_refuses_unknown_options_and_unlabelled_files() {
    let o = run(&[
        ".import --bogus x".into(),
        ".import file.csv".into(),
        ".import".into(),
    ]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err.contains("error[UsageError]: unknown option --bogus"),
        "{err}"
    );
    assert!(
        err.contains("error[UsageError]: file.csv: say what it holds first (--nodes, --relationships, --ftm or --sipri) (InvalidArguments)"),
        "{err}"
    );
    assert!(err.contains("usage: .import [--nodes"), "{err}");
}

//! Drives the real binary: the algorithms' options, `YIELD *`, and the
//! warnings that tell "no path" from "no single chokepoint".

use std::path::{Path, PathBuf};
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

fn fixture_db(dir: &Path) -> PathBuf {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/belarus-2025");
    let db = dir.join("db");
    let o = bin()
        .arg("import")
        .arg(&db)
        .arg("--nodes")
        .arg(fixture.join("actors.csv"))
        .arg("--relationships")
        .arg(fixture.join("links.csv"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    db
}

fn csv(db: &Path, queries: &[&str]) -> (String, String, Option<i32>) {
    let mut cmd = bin();
    cmd.arg(db).args(["--format", "csv"]);
    for q in queries {
        cmd.args(["-c", q]);
    }
    let o = cmd.output().unwrap();
    let (out, err) = text(&o);
    (out, err, o.status.code())
}

#[test]
fn yield_star_gives_every_field_of_a_standalone_call() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_db(dir.path());
    for (call, header) in [
        (
            "CALL algo.degree({direction: 'out'}) YIELD *",
            "node,out_degree,in_degree,degree",
        ),
        (
            "CALL algo.degree YIELD *",
            "node,out_degree,in_degree,degree",
        ),
        (
            "CALL algo.pagerank({damping: 0.9, iterations: 5}) YIELD *",
            "node,score",
        ),
        ("CALL algo.wcc() YIELD *", "node,component"),
    ] {
        let (out, err, code) = csv(&db, &[call]);
        assert_eq!(code, Some(0), "{call}: {err}");
        let mut lines = out.lines();
        assert_eq!(lines.next(), Some(header), "{call}");
        assert_eq!(lines.count(), 10, "{call}: {out}");
    }
    let (out, err, code) = csv(&db, &["CALL algo.chokepoints(@china, @russia) YIELD *"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("node,position\n"), "{out}");
    assert!(out.ends_with(",1\n") && out.lines().count() == 2, "{out}");
}

#[test]
fn options_tune_the_algorithms_and_a_wrong_one_is_a_positioned_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_db(dir.path());
    let (out, err, code) = csv(
        &db,
        &["CALL algo.degree({types: ['SUPPLIES'], direction: 'out', weight: 'confidence'}) YIELD node, degree \
           WHERE node.id = 'belarus_factories' RETURN degree"],
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "degree\n1.2\n");
    let (out, _, _) = csv(
        &db,
        &["CALL algo.pagerank({iterations: 0}) YIELD score RETURN min(score) = max(score) AS even"],
    );
    assert_eq!(out, "even\ntrue\n");
    let (_, err, code) = csv(&db, &["CALL algo.pagerank({damping: 0.85, iteration: 3})"]);
    assert_eq!(code, Some(1));
    assert!(
        err.starts_with("error[ArgumentError]: algo.pagerank has no option `iteration`; did you mean iterations? "),
        "{err}"
    );
    assert!(
        err.contains("(InvalidArgumentValue)\n  --> <command>:1:1\n"),
        "{err}"
    );
}

#[test]
fn chokepoints_warn_apart_no_path_and_no_single_chokepoint() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_db(dir.path());
    let (out, err, code) = csv(
        &db,
        &[
            "CALL algo.chokepoints(@ukraine, @china) YIELD node RETURN node.id AS id",
            "CALL algo.chokepoints(@belarus, @russia) YIELD node RETURN node.id AS id",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "id\nid\n");
    assert!(err.contains("warning: algo.chokepoints: there is no path from @ukraine to @china, so there is nothing to cut (NoPathWarning)"), "{err}");
    assert!(err.contains("warning: algo.chokepoints: from @belarus to @russia: a direct link joins them, which no actor between them can cut (NoSingleChokepointWarning)"), "{err}");
}

//! Drives the real binary: a count of one is singular everywhere a count is
//! printed (import, check, PROFILE, EXPLAIN, the timer footer, import notes).

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

#[test]
fn one_of_anything_is_singular() {
    let dir = tempfile::tempdir().unwrap();
    let actors = dir.path().join("actors.csv");
    let links = dir.path().join("links.csv");
    std::fs::write(&actors, "id,name\nby,Belarus\n").unwrap();
    std::fs::write(&links, "src,dst,type\nby,ru,SUPPLIES\n").unwrap();
    let db = dir.path().join("db");
    let o = bin()
        .arg("import")
        .arg(&db)
        .arg("--nodes")
        .arg(&actors)
        .arg("--relationships")
        .arg(&links)
        .arg("--create-missing-actors")
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.starts_with("imported 2 actors, 1 link in "), "{out}");
    assert!(
        format!("{out}{err}").contains("created 1 actor that its links name"),
        "{out}{err}"
    );

    let o = bin().arg("check").arg(&db).output().unwrap();
    assert_eq!(
        text(&o).0.trim_end().lines().last(),
        Some("ok: 2 actors, 1 link")
    );

    let o = bin()
        .arg(&db)
        .args([
            "-c",
            "PROFILE MATCH (a {id: 'by'}) RETURN a.name",
            "-c",
            "EXPLAIN MATCH (a)-[r]->(b) RETURN a",
            "-c",
            ".timer on",
            "-c",
            "MATCH (a {id: 'by'}) RETURN a.name",
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let profile: Vec<&str> = out
        .lines()
        .take_while(|l| !l.starts_with("total"))
        .collect();
    assert!(!profile.is_empty(), "{out}");
    for line in profile {
        assert!(line.contains(" 1 row "), "{line}");
    }
    assert!(
        out.contains("expand 1 hop pattern through adjacency"),
        "{out}"
    );
    assert!(out.contains("\n1 row ("), "{out}");
    assert!(
        !out.contains("1 rows") && !err.contains("1 rows"),
        "{out}{err}"
    );

    // A row whose field count differs from the header's says how many.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "id,name,kind\nx\n").unwrap();
    let o = bin()
        .arg("import")
        .arg(dir.path().join("db2"))
        .arg("--nodes")
        .arg(&bad)
        .output()
        .unwrap();
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("row has 1 field, the header has 3"), "{err}");
}

//! `--cache-size`: how many bytes of committed blocks a session keeps
//! between statements. Any size gives the same answers (1 byte keeps
//! nothing, so every record, adjacency list and index bucket is read from the
//! engine each time); a size that is not one is a usage error.

use std::process::{Command, Output};

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let o: Output = Command::new(env!("CARGO_BIN_EXE_supplygraph"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Writes a chain of 300 actors (three record blocks, committed), then
/// reads it back hop by hop, by index, and as a whole.
#[test]
fn every_cache_size_gives_the_same_answers() {
    let script = "UNWIND range(0, 299) AS i CREATE (:Actor {id: 'a' + toString(i), n: i});
         MATCH (a:Actor), (b:Actor) WHERE b.n = a.n + 1 CREATE (a)-[:SUPPLIES {v: a.n}]->(b);
         MATCH (a:Actor {id: 'a0'})-[:SUPPLIES*1..299]->(b:Actor) RETURN count(b) AS reached;
         MATCH (a:Actor)-[r:SUPPLIES]->(b:Actor {id: 'a150'}) RETURN a.id, r.v;
         MATCH (a:Actor)-[r:SUPPLIES]->(b:Actor) RETURN sum(r.v) AS total, count(*) AS links;";
    let mut outs = Vec::new();
    for size in ["1", "64K", "1G"] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        let db = db.to_str().unwrap();
        let (code, out, err) = run(&[db, "--cache-size", size, "--format", "csv", "-c", script]);
        assert_eq!(code, Some(0), "--cache-size {size}: {err}");
        outs.push((size, out));
    }
    let want = "reached\n299\na.id,r.v\na149,149\ntotal,links\n44551,299\n";
    for (size, out) in &outs {
        assert_eq!(out, want, "--cache-size {size}");
    }
}

#[test]
fn a_cache_size_must_be_a_size() {
    let (code, out, err) = run(&["--memory", "--cache-size", "lots", "-c", "RETURN 1"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("--cache-size needs a size"), "{err}");
}

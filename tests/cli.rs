//! Drives the real binary: import, check, batch queries, formats, exit codes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

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

fn import_fixture(db: &Path) {
    let o = bin()
        .arg("import")
        .arg(db)
        .arg("--nodes")
        .arg(fixture("actors.csv"))
        .arg("--relationships")
        .arg(fixture("links.csv"))
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.starts_with("imported 10 actors, 19 links in "), "{out}");
}

#[test]
fn import_then_check_then_query() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    import_fixture(&db);
    let o = bin().arg("check").arg(&db).output().unwrap();
    assert_eq!(
        text(&o).0.trim_end().lines().last(),
        Some("ok: 10 actors, 19 links")
    );
    let o = bin()
        .arg(&db)
        .args([
            "--format",
            "csv",
            "-c",
            "MATCH (c:Country) RETURN c.id AS id ORDER BY id",
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(text(&o).0, "id\nbelarus\nchina\niran\nrussia\nukraine\n");
}

#[test]
fn a_bad_row_names_file_line_and_column_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let nodes = dir.path().join("n.csv");
    let links = dir.path().join("l.csv");
    std::fs::write(&nodes, "id,name,size:int\na,A,1\nb,B,2\n").unwrap();
    for (body, needle) in [
        (
            "src,dst,type\na,b,T\na,zz,T\n",
            "l.csv:3:2 (column 'dst'): unknown actor 'zz'",
        ),
        (
            "src,dst,type,w:int\na,b,T,1\na,b,T,x\n",
            "l.csv:3:4 (column 'w'): 'x' is not an integer",
        ),
        ("src,dst\na,b\n", "missing required column 'type'"),
        (
            "src,dst,type\na,b\n",
            "l.csv:2: row has 2 fields, the header has 3",
        ),
    ] {
        std::fs::write(&links, body).unwrap();
        let o = bin()
            .arg("import")
            .arg(&db)
            .arg("--nodes")
            .arg(&nodes)
            .arg("--relationships")
            .arg(&links)
            .output()
            .unwrap();
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(1));
        assert!(
            err.contains("error[ImportError]") && err.contains(needle),
            "{err}"
        );
        // The import created the directory, so its failure removes it.
        assert!(!db.exists());
    }
    std::fs::write(&nodes, "id,name\na,A\na,B\n").unwrap();
    let o = bin()
        .arg("import")
        .arg(&db)
        .arg("--nodes")
        .arg(&nodes)
        .output()
        .unwrap();
    assert!(
        text(&o)
            .1
            .contains("n.csv:3:1 (column 'id'): duplicate id 'a'"),
        "{}",
        text(&o).1
    );
}

#[test]
fn formats_and_exit_codes() {
    let q = "UNWIND [1, 2] AS x RETURN x, x * 1.5 AS y, 'a,b' AS s";
    let o = bin()
        .args(["--memory", "--format", "json", "-c", q])
        .output()
        .unwrap();
    assert_eq!(text(&o).0, "[\n  {\"x\": 1, \"y\": 1.5, \"s\": \"a,b\"},\n  {\"x\": 2, \"y\": 3.0, \"s\": \"a,b\"}\n]\n");
    let o = bin()
        .args(["--memory", "--format", "jsonl", "-c", q])
        .output()
        .unwrap();
    assert_eq!(text(&o).0.lines().count(), 2);
    let o = bin()
        .args(["--memory", "--format", "csv", "-c", q])
        .output()
        .unwrap();
    assert_eq!(text(&o).0, "x,y,s\n1,1.5,\"a,b\"\n2,3.0,\"a,b\"\n");
    let o = bin()
        .args(["--memory", "--format", "markdown", "-c", "RETURN 1 AS one"])
        .output()
        .unwrap();
    assert!(text(&o).0.starts_with("| one |"));
    // A failing statement: exit 1, positioned error, later statements still run.
    let o = bin()
        .args([
            "--memory",
            "--format",
            "csv",
            "-c",
            "RETURN nope",
            "-c",
            "RETURN 2 AS two",
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("error[SyntaxError]: variable `nope` is not defined (UndefinedVariable)\n  --> <command>:1:8"), "{err}");
    assert_eq!(out, "two\n2\n");
    // --bail stops at the first failure.
    let o = bin()
        .args([
            "--memory",
            "--bail",
            "--format",
            "csv",
            "-c",
            "RETURN nope",
            "-c",
            "RETURN 2 AS two",
        ])
        .output()
        .unwrap();
    assert_eq!(text(&o).0, "");
    // Usage error.
    let o = bin()
        .args(["--format", "xml", "--memory", "-c", "RETURN 1"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    // Parameters.
    let o = bin()
        .args([
            "--memory",
            "--format",
            "csv",
            "--param",
            "who='Belarus'",
            "-c",
            "RETURN $who AS w",
        ])
        .output()
        .unwrap();
    assert_eq!(text(&o).0, "w\nBelarus\n");
}

#[test]
fn statements_from_stdin_and_files_with_file_positions() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("q.cypher");
    std::fs::write(
        &f,
        "CREATE (:A {v: 1});\n// comment\nMATCH (a:A)\nRETURN a.v AS v, b;\n",
    )
    .unwrap();
    let o = bin()
        .args(["--memory", "--format", "csv", "-f"])
        .arg(&f)
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert!(err.contains(&format!("{}:4:18", f.display())), "{err}");
    let mut child = bin()
        .args(["--memory", "--format", "csv"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"CREATE (:A {v: 1}); MATCH (a:A) RETURN a.v AS v")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(text(&o).0, "v\n1\n");
}

#[test]
fn a_database_in_use_gives_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    // The first process holds the database while it waits on its stdin.
    let mut holder = bin()
        .arg(&db)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut tries = 0;
    let o = loop {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let o = bin().arg(&db).args(["-c", "RETURN 1"]).output().unwrap();
        tries += 1;
        if o.status.code() == Some(3) || tries > 25 {
            break o;
        }
    };
    // sled has no shared read-only open: the second process is told why,
    // and to query through `supplygraph serve` instead.
    let serve = bin()
        .arg("serve")
        .arg(&db)
        .args(["--no-auth", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    drop(holder.stdin.take());
    let _ = holder.wait();
    assert_eq!(o.status.code(), Some(3));
    let err = text(&o).1;
    assert!(
        err.starts_with(&format!(
            "error[StorageError]: database {} is in use by another process (DatabaseLocked)\n",
            db.display()
        )),
        "{err}"
    );
    assert!(err.contains("no shared read-only open"), "{err}");
    assert!(
        err.contains(&format!(
            "`supplygraph serve {} [--read-only]`",
            db.display()
        )),
        "{err}"
    );
    assert_eq!(serve.status.code(), Some(3), "{}", text(&serve).1);
    assert!(
        text(&serve)
            .1
            .contains("in use by another process (DatabaseLocked)"),
        "{}",
        text(&serve).1
    );
}

#[test]
fn a_damaged_database_gives_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    std::fs::create_dir_all(&db).unwrap();
    std::fs::write(db.join("conf"), b"\xff\xfe garbage").unwrap();
    std::fs::write(db.join("db"), vec![0xabu8; 4096]).unwrap();
    let o = bin().arg(&db).args(["-c", "RETURN 1"]).output().unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", text(&o).1);
    assert!(text(&o).1.starts_with("error[StorageError]"));
}

#[test]
fn a_database_of_an_older_format_is_refused_with_a_clear_message() {
    // Format 2 left sled without compression; format 3 used sled's own.
    for (version, sled_compression) in [(2u32, false), (3, true)] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        {
            let old = sled::Config::new()
                .path(&db)
                .use_compression(sled_compression)
                .open()
                .unwrap();
            let mut key = vec![0u8];
            key.extend_from_slice(b"format");
            old.insert(key, &version.to_be_bytes()).unwrap();
            old.flush().unwrap();
        }
        let o = bin().arg(&db).args(["-c", "RETURN 1"]).output().unwrap();
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(3), "{err}");
        assert!(
            err.contains(&format!("format version {version}"))
                && err.contains("import the data again"),
            "{err}"
        );
    }
}

/// A database whose format record says 5 (a build of format 5 made it)
/// opens, says once that it was moved to this build's format, and answers.
#[test]
fn a_format_5_database_is_moved_with_a_notice_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let q = "MATCH (a:A {id: 'x'})-[:L]->(b) RETURN b.id AS id";
    let made = bin()
        .arg(&db)
        .args(["-c", "CREATE (:A {id: 'x'})-[:L]->(:A {id: 'y'})"])
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", text(&made).1);
    {
        let engine = sled::Config::new().path(&db).open().unwrap();
        let mut key = vec![0u8];
        key.extend_from_slice(b"format");
        engine.insert(key, &5u32.to_be_bytes()).unwrap();
        engine.flush().unwrap();
    }
    let moved = bin()
        .arg(&db)
        .args(["--format", "csv", "-c", q])
        .output()
        .unwrap();
    let (out, err) = text(&moved);
    assert!(moved.status.success(), "{err}");
    assert!(
        err.contains("note: database moved from format 5 to 7"),
        "{err}"
    );
    assert_eq!(out, "id\ny\n");
    let again = bin()
        .arg(&db)
        .args(["--format", "csv", "-c", q])
        .output()
        .unwrap();
    let (out, err) = text(&again);
    assert!(again.status.success() && !err.contains("moved"), "{err}");
    assert_eq!(out, "id\ny\n");
}

#[test]
fn explain_profile_and_timeout_through_the_binary() {
    // EXPLAIN plans against the catalog: once `id` is a known key, a
    // property map on it is an index seek, whichever end it is written on.
    let o = bin()
        .args([
            "--memory",
            "-c",
            "CREATE (:Country {id: 'x'})",
            "-c",
            "EXPLAIN MATCH (b)<-[:SUPPLIES]-(a:Country {id: 'x'}) RETURN b",
        ])
        .output()
        .unwrap();
    let (out, _) = text(&o);
    assert!(o.status.success());
    assert!(
        out.contains("NodeIndexSeek (id), walking backwards")
            && out.contains("ProduceResults")
            && out.contains("  Projection"),
        "{out}"
    );
    let o = bin()
        .args([
            "--memory",
            "--format",
            "csv",
            "-c",
            "PROFILE UNWIND [1, 2, 3] AS x RETURN x",
        ])
        .output()
        .unwrap();
    let (out, _) = text(&o);
    let unwind = out.lines().find(|l| l.trim_start().starts_with("Unwind"));
    assert!(
        unwind.is_some_and(|l| l.contains("AS x") && l.contains(" 3 rows "))
            && out.contains("total"),
        "{out}"
    );
    assert!(out.ends_with("x\n1\n2\n3\n"), "{out}");
    // A statement that runs past --timeout stops with a Timeout error and exit 1.
    let o = bin()
        .args([
            "--memory",
            "--timeout",
            "0.05",
            "-c",
            "UNWIND range(1, 2000000) AS x WITH x WHERE x % 7 = 0 RETURN count(*)",
        ])
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.starts_with("error[Timeout]: query stopped"), "{err}");
}

/// Through the binary: a top-k over the fused per-node count (groups
/// ranked before rows are built, ids as their own groups), and a WHERE
/// `r.c = 'x'` checked in the link records' bytes, over links whose `c`
/// is another string, an integer, or repeats.
#[test]
fn ranked_counts_and_string_filters_on_links() {
    let o = bin()
        .args([
            "--memory",
            "--format",
            "csv",
            "-c",
            "CREATE (a {id: 'a'}), (b {id: 'b'}), (c {id: 'c'}), (d {id: 'd'})
             CREATE (a)-[:L {c: 'x'}]->(d), (a)-[:L {c: 'x'}]->(d), (b)-[:L {c: 'x'}]->(d),
                    (c)-[:L {c: 'x'}]->(d), (a)-[:L {c: 'x'}]->(c), (b)-[:L {c: 'x'}]->(c),
                    (a)-[:L {c: 'x'}]->(b), (c)-[:L {c: 'y'}]->(a), (d)-[:L {c: 1}]->(a)",
            "-c",
            "PROFILE MATCH (s)-[r:L]->(d) WHERE r.c = 'x'
             RETURN d.id AS id, count(DISTINCT s) AS n ORDER BY n DESC, id SKIP 1 LIMIT 2",
            "-c",
            "MATCH (s)-[r:L]->(d {id: 'd'}) WHERE 'x' = r.c RETURN DISTINCT s.id AS s ORDER BY s",
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("LinkAggregate"), "{out}");
    assert!(out.ends_with("id,n\nc,2\nb,1\ns\na\nb\nc\n"), "{out}");
}

/// Through the binary: a ranking by a per-node count reads the keys of the
/// nodes that can rank only when each node is its own group. Two nodes
/// without an id first make one group (6 distinct suppliers, first); with
/// string ids every node stands alone.
#[test]
fn a_ranking_by_counts_groups_nodes_without_ids_together() {
    let ranked = |tie: &str| {
        format!("MATCH (s)-[r:T]->(x) RETURN x.id AS id, count(DISTINCT s) AS n ORDER BY n DESC{tie} LIMIT 3")
    };
    let o = bin()
        .args([
            "--memory",
            "--format",
            "csv",
            "-c",
            "CREATE (a {id: 'a'}), (b {n: 'b'}), (c {n: 'c'}), (d {id: 'd'}), (e {id: 'e'}),
                    (s1), (s2), (s3), (s4), (s5), (s6)
             CREATE (s1)-[:T]->(a), (s2)-[:T]->(a), (s3)-[:T]->(a), (s4)-[:T]->(a), (s5)-[:T]->(a),
                    (s1)-[:T]->(b), (s2)-[:T]->(b), (s3)-[:T]->(b), (s4)-[:T]->(c), (s5)-[:T]->(c),
                    (s6)-[:T]->(c), (s1)-[:T]->(d), (s2)-[:T]->(d), (s1)-[:T]->(e)",
            "-c",
            &ranked(""),
            "-c",
            "MATCH (x) WHERE x.n IS NOT NULL SET x.id = x.n",
            "-c",
            &ranked(", id"),
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        out.contains("id,n\n,6\na,5\nd,2\n") && out.contains("id,n\na,5\nb,3\nc,3\n"),
        "{out}"
    );
}

#[test]
fn a_statement_run_again_answers_for_its_new_parameters_and_new_data() {
    // The second and third runs of the MATCH reuse the plan of the first
    // (`plan_cache.rs`): LIMIT is read again, and the CREATE between them
    // makes the last one plan again.
    let script = "CREATE (:T {n: 1}), (:T {n: 2}), (:T {n: 3});
.param k 1
MATCH (t:T) RETURN t.n AS n ORDER BY n LIMIT $k;
.param k 3
MATCH (t:T) RETURN t.n AS n ORDER BY n LIMIT $k;
CREATE (:T {n: 0});
MATCH (t:T) RETURN t.n AS n ORDER BY n LIMIT $k;
";
    let o = run_with_stdin(
        &["--memory".as_ref(), "--format".as_ref(), "csv".as_ref()],
        script,
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(out, "n\n1\nn\n1\n2\n3\nn\n0\n1\n2\n");
}

#[test]
fn a_kept_plans_aggregate_without_a_key_answers_each_run_afresh() {
    // The second run of each MATCH reuses the first's plan, its one group's
    // buffers and its MATCH's row and trail (`projection::Grouper`,
    // `pattern::Scratch`): a run without rows still answers one row.
    let script = "CREATE (:T {n: 1}), (:T {n: 2}), (:T {n: 3})-[:L]->(:T {n: 4});
.param k 1
MATCH (t:T) WHERE t.n > $k RETURN count(*) AS c, collect(t.n) AS l, min(t.n) AS lo;
.param k 9
MATCH (t:T) WHERE t.n > $k RETURN count(*) AS c, collect(t.n) AS l, min(t.n) AS lo;
.param k 3
MATCH (t:T {n: $k})-[:L]->(u) RETURN count(DISTINCT u) AS d;
.param k 1
MATCH (t:T {n: $k})-[:L]->(u) RETURN count(DISTINCT u) AS d;
";
    let o = run_with_stdin(
        &["--memory".as_ref(), "--format".as_ref(), "csv".as_ref()],
        script,
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        out.starts_with("c,l,lo\n3,\"[2, 3, 4]\",2\nc,l,lo\n0,[],\nd\n1\nd\n0\n"),
        "{out}"
    );
}

/// Through the binary: a string test on a hub's 100 links sifts them before
/// binding (`SiftLinks`), PROFILE says how many it kept, and the rows are
/// those the test keeps.
#[test]
fn a_hubs_links_are_sifted_by_a_string_test() {
    let o = bin()
        .args([
            "--memory",
            "--format",
            "csv",
            "-c",
            "CREATE (h:H) WITH h UNWIND range(0, 99) AS i
             CREATE (:S {i: i})-[:L {k: 'k' + toString(i % 5)}]->(h)",
            "-c",
            "PROFILE MATCH (h:H)<-[r:L]-(s) WHERE r.k = 'k3' RETURN s.i AS i ORDER BY i LIMIT 3",
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        out.contains("links sifted before binding: 100, 20 kept"),
        "{out}"
    );
    assert!(out.ends_with("i\n3\n8\n13\n"), "{out}");
}

/// Through the binary: counts of a 2-hop pattern through a hub, taken
/// where its last hop's links are found (past the tally's small set of
/// distinct ends, counts of rows, and links a WHERE tests), answer as
/// the rows they stand for do (read off the graph by hand).
#[test]
fn counts_through_a_hub_are_taken_where_its_links_are_found() {
    let count = |q: &str| format!("MATCH (h:Hub)<-[:SUPPLIES]-(s)<-[r:SUPPLIES]-(f) {q}");
    let o = bin()
        .args([
            "--memory",
            "--format",
            "csv",
            "-c",
            "CREATE (h:Hub) WITH h UNWIND range(0, 59) AS i
             CREATE (s:Mid {i: i})-[:SUPPLIES]->(h) WITH s, i
             UNWIND range(0, 49) AS k WITH s, i, k WHERE (k + 50 - i % 50) % 50 < 40
             CREATE (:Far {k: k, i: i})-[:SUPPLIES {w: k % 7}]->(s)",
            "-c",
            &count("RETURN count(DISTINCT f.k) AS ks, count(*) AS walks"),
            "-c",
            &count("RETURN count(DISTINCT f) AS far"),
            "-c",
            &count("RETURN count(*) AS walks"),
            "-c",
            &count("WHERE r.w > 5 RETURN count(DISTINCT f) AS far"),
            "-c",
            &count("WHERE r.w > 5 RETURN count(*) AS walks"),
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    // 60 middle nodes, each with 40 far nodes of its own: 2,400; of them,
    // those whose k % 7 = 6 (k = 6, 13, ..., 48): 7 of every 50 ks, each
    // reached from the 48 middle nodes i = 0..59 whose window holds it.
    assert_eq!(
        out,
        "ks,walks\n50,2400\nfar\n2400\nwalks\n2400\nfar\n336\nwalks\n336\n"
    );
}

/// Through the binary: a hub's 9,000 links sifted by `r.c = 'x'` in
/// batches, the long ones read on two threads, answer alike while their
/// records are read from the engine and once they are kept; PROFILE, on
/// the first run, counts every link sifted and only those that pass kept.
#[test]
fn a_hubs_links_are_sifted_alike_cold_and_kept() {
    let q = "MATCH (h:Hub)<-[r:SUPPLIES]-(s) WHERE r.c = 'x'
             RETURN s.i AS i ORDER BY i DESC LIMIT 2";
    let profiled = format!("PROFILE {q}");
    let o = bin()
        .args([
            "--memory",
            "--format",
            "csv",
            "-c",
            "CREATE (h:Hub) WITH h UNWIND range(0, 8999) AS i
             CREATE (:S {i: i})-[:SUPPLIES {c: CASE i % 3 WHEN 0 THEN 'x' ELSE 'y' END}]->(h)",
            "-c",
            &profiled,
            "-c",
            q,
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    // Read from the engine, every link was judged by its record all the same.
    assert!(
        out.contains("links sifted before binding: 9000, 3000 kept"),
        "{out}"
    );
    assert_eq!(out.matches("i\n8997\n8994\n").count(), 2, "{out}");
}

/// Through the binary: a variable-length hop does not walk on from a link
/// that fails the path's all(), passes over nodes that are not its end's
/// id (`PruneHops`), and under count(DISTINCT) sends each end once;
/// PROFILE says so, and the counts are those of every trail.
#[test]
fn variable_length_hops_are_cut_short() {
    let o = bin()
        .args([
            "--memory",
            "--format",
            "csv",
            "--param",
            "from='a'",
            "--param",
            "to='d'",
            "-c",
            "CREATE (a:N {id: 'a'})-[:T {c: 0.9}]->(b:N {id: 'b'})-[:T {c: 0.8}]->(d:N {id: 'd'}),
                    (a)-[:T {c: 0.1}]->(c:N {id: 'c'})-[:T {c: 0.9}]->(d), (b)-[:T {c: 0.9}]->(:N {id: 'e'}),
                    (a)-[:T {c: 0.9}]->(:N {id: 'f'})",
            "-c",
            "PROFILE MATCH p = (x:N {id: $from})-[*1..2]->(y:N {id: $to})
             WHERE all(r IN relationships(p) WHERE r.c >= 0.5) RETURN count(p) AS n",
            "-c",
            "PROFILE MATCH (x:N {id: 'a'})-[*]->(y) RETURN count(DISTINCT y) AS n",
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let cut =
        "variable-length hops: 1 links not walked on from, 3 nodes passed over by the end's ids";
    // f has no link to d: its links are not listed.
    let unlisted = "1 nodes before the last hop not expanded, with no link to the end";
    let once = "variable-length hops searched breadth-first, each end sent once: 1 searches";
    let (first, second) = out.split_once(once).unwrap_or_else(|| panic!("{out}"));
    assert!(first.contains(cut) && first.contains("n\n1\n"), "{out}");
    assert!(first.contains(unlisted), "{out}");
    // Links whose record the cache held were tested ahead of the walk.
    assert!(first.contains("links tested ahead of the walk"), "{out}");
    assert!(second.contains("n\n5\n"), "{out}");
    // The ends are counted where they are found (`Rule::FoldIntoGroups`).
    let (p1, p2) = out.split_once("n\n1\n").unwrap_or_else(|| panic!("{out}"));
    let counted = "distinct nodes counted here";
    assert!(!p1.contains(counted) && p2.contains(counted), "{out}");
}

/// Through the binary: a projection of node properties over many rows
/// asks for the nodes' records ahead (`ReadNodesAhead`), PROFILE says how
/// many, and the rows are the same as without PROFILE.
#[test]
fn a_projection_reads_its_nodes_records_ahead() {
    let q = "MATCH (a:A)-[:L]->(b) RETURN a.i AS i, b.j AS j ORDER BY i DESC LIMIT 3";
    let o = bin()
        .args([
            "--memory",
            "--format",
            "csv",
            "-c",
            "UNWIND range(0, 199) AS i CREATE (:A {i: i})-[:L]->(:B {j: i * 2})",
            "-c",
            &format!("PROFILE {q}"),
            "-c",
            q,
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let asked: u64 = out
        .split("node records asked for ahead of projecting: ")
        .nth(1)
        .and_then(|t| t.lines().next()?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    // Two nodes a row; the first rows of each batch are not asked ahead.
    assert!(asked > 200 && asked <= 400, "{out}");
    let rows = "i,j\n199,398\n198,396\n197,394\n";
    assert_eq!(out.matches(rows).count(), 2, "{out}");
}

/// Runs the binary with `args` and `stdin` piped in.
fn run_with_stdin(args: &[&std::ffi::OsStr], stdin: &str) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn dot_commands_work_in_init_files_stdin_and_read() {
    let dir = tempfile::tempdir().unwrap();
    let init = dir.path().join("init.cypher");
    let inner = dir.path().join("inner.cypher");
    std::fs::write(
        &init,
        "// settings first\n.mode csv\nCREATE (:A {v: 1});\nMATCH (a:A) RETURN a.v AS v;\n",
    )
    .unwrap();
    std::fs::write(&inner, ".mode json\nRETURN 'inner' AS w;\n").unwrap();
    // --init's `.mode csv` holds for the statements that follow it, and for
    // stdin after it; `.read` runs a file whose dot commands work too.
    let stdin = format!(
        "RETURN 2 AS two;\n.read {}\nRETURN 3 AS three",
        inner.display()
    );
    let o = run_with_stdin(
        &["--memory".as_ref(), "--init".as_ref(), init.as_os_str()],
        &stdin,
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(
        out,
        "v\n1\ntwo\n2\n[\n  {\"w\": \"inner\"}\n]\n[\n  {\"three\": 3}\n]\n"
    );
    // The same from -c and -f (the -c ones run first).
    let o = bin()
        .args(["--memory", "-f"])
        .arg(&inner)
        .args(["-c", ".mode csv", "-c", "RETURN 4 AS four"])
        .output()
        .unwrap();
    assert_eq!(text(&o).0, "four\n4\n[\n  {\"w\": \"inner\"}\n]\n");
    // A wrong dot command fails like a statement: positioned, exit 1, and
    // the batch goes on unless --bail.
    let bad = dir.path().join("bad.cypher");
    std::fs::write(&bad, "RETURN 1 AS one;\n  .mode xml\nRETURN 2 AS two;\n").unwrap();
    let o = bin()
        .args(["--memory", "--format", "csv", "-f"])
        .arg(&bad)
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err.contains("error[UsageError]: unknown format 'xml'"),
        "{err}"
    );
    assert!(err.contains(&format!("--> {}:2:3", bad.display())), "{err}");
    assert_eq!(out, "one\n1\ntwo\n2\n");
    let o = bin()
        .args(["--memory", "--bail", "--format", "csv", "-f"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o).0, "one\n1\n");
}

#[test]
fn json_is_one_array_per_statement_and_counters_go_to_stderr() {
    let o = bin()
        .args([
            "--memory",
            "--format",
            "json",
            "-c",
            "CREATE (a:A {v: 1}) RETURN a.v AS v",
            "-c",
            "CREATE (:B)",
            "-c",
            "MATCH (n) RETURN count(n) AS n",
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(out, "[\n  {\"v\": 1}\n]\n[\n  {\"n\": 2}\n]\n");
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        vec!["+1 node, +1 label, +1 property", "+1 node, +1 label"]
    );
    // Tables keep their counters under the table.
    let o = bin()
        .args(["--memory", "-c", "CREATE (:B)"])
        .output()
        .unwrap();
    assert_eq!(text(&o).0, "+1 node, +1 label\n");
}

#[test]
fn csv_writes_lists_as_json_and_keeps_exact_floats_while_tables_round() {
    let q = "RETURN ['a, b', 'c'] AS l, 0.1 + 0.2 AS f";
    let o = bin()
        .args(["--memory", "--format", "csv", "-c", q])
        .output()
        .unwrap();
    assert_eq!(
        text(&o).0,
        "l,f\n\"[\"\"a, b\"\", \"\"c\"\"]\",0.30000000000000004\n"
    );
    let o = bin()
        .args(["--memory", "--format", "json", "-c", q])
        .output()
        .unwrap();
    assert!(text(&o).0.contains("\"f\": 0.30000000000000004"));
    let o = bin().args(["--memory", "-c", q]).output().unwrap();
    let out = text(&o).0;
    assert!(out.contains("│ ['a, b', 'c'] │ 0.3 │"), "{out}");
}

#[test]
fn tables_show_paths_by_name_and_full_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    import_fixture(&db);
    let q = "MATCH p = (@china)-[:COOPERATES_WITH]->(@belarus)-[:ALLIED_WITH]->(@russia) RETURN p";
    let o = bin().arg(&db).args(["-c", q]).output().unwrap();
    let out = text(&o).0;
    assert!(
        out.contains("│ (China)-[:COOPERATES_WITH]->(Belarus)-[:ALLIED_WITH]->(Russia) │"),
        "{out}"
    );
    let o = bin()
        .arg(&db)
        .args(["-c", ".paths full", "-c", q])
        .output()
        .unwrap();
    let out = text(&o).0;
    assert!(out.contains("(China)-[:COOPERATES_WITH {"), "{out}");
    // Batch output is never cut to a width, however long the cells.
    let long = "x".repeat(500);
    let o = bin()
        .args(["--memory", "-c", &format!("RETURN '{long}' AS s")])
        .output()
        .unwrap();
    assert!(text(&o).0.contains(&long));
}

#[test]
fn a_new_database_is_announced_and_help_lists_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("typo.db");
    let o = bin()
        .arg(&db)
        .args(["-c", "RETURN 1 AS one"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(
        text(&o).1,
        format!("created new database {}\n", db.display())
    );
    // Opening it again says nothing.
    let o = bin()
        .arg(&db)
        .args(["-c", "RETURN 1 AS one"])
        .output()
        .unwrap();
    assert_eq!(text(&o).1, "");
    let o = bin().arg("--help").output().unwrap();
    let out = text(&o).0;
    for code in [
        "0  every statement",
        "1  some statement failed",
        "2  usage error",
        "3  the database could not be opened",
    ] {
        assert!(out.contains(code), "{code}: {out}");
    }
}

#[test]
fn counts_agree_with_their_number() {
    let o = bin()
        .args([
            "--memory",
            "-c",
            "CREATE (:Solo {k: 1})-[:ONE]->(:Other)",
            "-c",
            ".schema",
        ])
        .output()
        .unwrap();
    let out = text(&o).0;
    assert!(out.contains(":Solo   1 actor\n"), "{out}");
    assert!(out.contains(":ONE  1 link\n"), "{out}");
    assert!(out.contains("k  1 actor\n"), "{out}");
}

/// A reader that goes away stops the batch at the first failed write: the
/// statements after it do not run, and the exit status says so.
#[test]
fn a_closed_output_stops_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let mut child = bin()
        .arg(&db)
        .args(["-c", "UNWIND range(1, 100000) AS i RETURN i"])
        .args(["-c", "CREATE (:After)"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(1), "{err}");
    assert!(
        err.contains("cannot write output") && err.contains("(OutputFailed)"),
        "{err}"
    );
    let o = bin()
        .arg(&db)
        .args([
            "--format",
            "csv",
            "-c",
            "MATCH (n:After) RETURN count(n) AS n",
        ])
        .output()
        .unwrap();
    assert_eq!(text(&o).0, "n\n0\n");
}

/// What the binder numbers once per statement answers as written, from
/// the binary: a `--param` in a WHERE and a comprehension, function names
/// in any case, a variable named `` ` path` `` beside `shortestPath` in an
/// expression, and `=~` patterns that change on every row.
#[test]
fn bound_names_answer_as_written() {
    let o = bin()
        .args([
            "--memory",
            "--format",
            "csv",
            "--param",
            "lo=3",
            "-c",
            "UNWIND range(1, 4) AS x WITH x WHERE x >= $lo
             RETURN x, [y IN range(1, 2) | y * $lo + x] AS l, toUpper('a') + TOUPPER('b') AS u ORDER BY x",
            "-c",
            "CREATE (:BN {id: 'x'})-[:BT]->(:BN {id: 'y'})",
            "-c",
            "MATCH (a:BN {id: 'x'}), (b:BN {id: 'y'}) WITH a, b, 5 AS ` path`
             RETURN length(shortestPath((a)-[*]->(b))) AS l, ` path` AS p",
            "-c",
            "UNWIND range(1, 100) AS i
             RETURN count(CASE WHEN toString(i) =~ (toString(i % 70) + '.*') THEN 1 END) AS n",
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(
        out,
        "x,l,u\n3,\"[6, 9]\",AB\n4,\"[7, 10]\",AB\nl,p\n1,5\nn\n70\n"
    );
}

/// Through the binary: a last hop's ends counted where they are found take
/// no link twice (a's self-loop does not end a walk of two links back at
/// a), and a path whose links a hop's test admitted is counted without its
/// `all(...)` checked again, the link it cut (b to c) left out.
#[test]
fn a_last_hop_and_a_tested_path_count_as_their_rows() {
    let o = bin()
        .args([
            "--memory",
            "--format",
            "csv",
            "-c",
            "CREATE (a {id: 'a'}), (b {id: 'b'}), (c {id: 'c'})
             CREATE (a)-[:T {w: 1}]->(a), (a)-[:T {w: 1}]->(b), (b)-[:T {w: 0}]->(c)",
            "-c",
            "MATCH ({id: 'a'})-[:T]->()-[:T]->(e) RETURN count(DISTINCT e) AS n",
            "-c",
            "MATCH p = ({id: 'a'})-[*1..2]->(e) WHERE all(r IN relationships(p) WHERE r.w > 0)
             RETURN count(p) AS paths",
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(out, "n\n2\npaths\n3\n");
}

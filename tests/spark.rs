//! The same queries on a real Spark: a local Spark Connect server
//! (`local[2]`, started from the pip pyspark by
//! tests/python/spark_connect_server.py), then
//!
//! - the workload's Q1–Q8 and ten more queries through the binary,
//!   `supplygraph spark --remote`, each answer equal to the embedded
//!   engine's `--format json` (tests/python/test_spark.py);
//! - every golden statement (`tests/queries/*.test`) that compiles, run on
//!   Spark over that file's graph as it stands at the statement, its rows
//!   equal to the file's expected rows (as multisets unless `-CHECK_ORDER`).
//!
//! Skipped with a message when python3, pyspark or java is missing, but
//! required when `CI` is set (.ci/run installs them).
//!
//! The workload data is gen.py's at 2,000 actors / 20,000 links, Q5 for 3
//! of its 12 pairs (each is seconds of recursive Spark jobs);
//! SUPPLYGRAPH_SPARK_SCALE=S runs the workload's S scale, all 12 pairs.
//! SUPPLYGRAPH_SPARK_REMOTE=sc://HOST:PORT uses that server instead of
//! starting one; SUPPLYGRAPH_SPARK_ONLY=workload (or golden) runs one part.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

fn gen_py() -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var("SUPPLYGRAPH_BENCH_GEN")
            .ok()
            .map(PathBuf::from),
        Some(manifest.join("../shared/bench/gen.py")),
        Some(PathBuf::from("/work/shared/bench/gen.py")),
    ];
    candidates.into_iter().flatten().find(|p| p.exists())
}

/// Whether PySpark and a Java runtime are there; in CI their absence fails.
fn spark_ready() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import pyspark"])
        .output()
        .is_ok_and(|o| o.status.success())
        && Command::new("java")
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install pyspark and Java 17 (.ci/run, tests/python/requirements.txt)"
        );
        eprintln!(
            "SKIPPED: the Spark test needs python3 with pyspark (pip install -r \
             tests/python/requirements.txt) and java"
        );
    }
    ok
}

/// A Spark Connect server for the test's life: the helper stops it when
/// its standard input closes, which dropping this (or the test dying) does.
struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    url: String,
}

impl Server {
    fn start() -> Server {
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/spark_connect_server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().to_string();
        assert!(
            url.starts_with("sc://"),
            "the Spark Connect server did not start"
        );
        Server { child, stdin, url }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// One server, then the workload through the binary and the golden
/// statements through the same client library the binary uses.
#[test]
fn the_same_answers_on_spark() {
    if !spark_ready() {
        return;
    }
    let Some(gen) = gen_py() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs shared/bench/gen.py beside the repository"
        );
        eprintln!("SKIPPED: gen.py not found (set SUPPLYGRAPH_BENCH_GEN)");
        return;
    };
    let (server, url) = match std::env::var("SUPPLYGRAPH_SPARK_REMOTE") {
        Ok(url) => (None, url),
        Err(_) => {
            let s = Server::start();
            let url = s.url.clone();
            (Some(s), url)
        }
    };
    let only = std::env::var("SUPPLYGRAPH_SPARK_ONLY").unwrap_or_default();
    // Side by side, in two sessions: much of a small Spark query's time is
    // scheduling latency, which overlaps.
    if only.is_empty() {
        errors_through_the_binary(&url);
    }
    std::thread::scope(|s| {
        let workload =
            (only != "golden").then(|| s.spawn(|| workload_through_the_binary(&gen, &url)));
        if only != "workload" {
            golden::statements_that_compile_answer_as_expected(&url);
        }
        if let Some(w) = workload {
            if let Err(panic) = w.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
    drop(server);
}

fn workload_through_the_binary(gen: &Path, url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let full = std::env::var("SUPPLYGRAPH_SPARK_SCALE").as_deref() == Ok("S");
    let (actors, links) = if full {
        ("10000", "100000")
    } else {
        ("2000", "20000")
    };
    let out = Command::new("python3")
        .arg(gen)
        .args(["--actors", actors, "--links", links, "--out"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "gen.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/test_spark.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_supplygraph"))
        .arg(&data)
        .arg(dir.path().join("work"))
        .args(["--remote", url])
        .args(if full { None } else { Some("--quick") })
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}");
    assert!(
        out.status.success(),
        "Spark answers differ or failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("passed, 0 failed"), "{stdout}");
}

/// What Spark refuses and what cannot run there: clear errors, exit 1, and
/// the other statements still run; a table prints as the CLI's does.
fn errors_through_the_binary(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let pq = dir.path().join("pq");
    let (db, pq) = (db.to_str().unwrap(), pq.to_str().unwrap());
    let made = cli(&[
        db,
        "-c",
        "CREATE (:Actor {id: 'a', n: 1})-[:SUPPLIES {value: 5}]->(:Actor {id: 'b', n: 2})",
    ]);
    assert!(made.status.success());
    assert!(cli(&["export", db, "--format", "parquet", "-o", pq])
        .status
        .success());
    let out = cli(&[
        "spark",
        "--remote",
        url,
        "--data",
        pq,
        "-c",
        "UNWIND [1, 0] AS x RETURN 10 / x AS y",
        "-c",
        "CALL algo.pagerank() YIELD node, score RETURN node",
        "-c",
        "MATCH (a:Actor)-[r]->(b) RETURN a.id AS a, r.value AS v, b",
    ]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("error[SparkError]: Spark: [DIVIDE_BY_ZERO]"),
        "{stderr}"
    );
    assert!(
        stderr.contains("needs the GraphFrames jar") && stderr.contains("<command>:1:1"),
        "{stderr}"
    );
    assert!(
        stdout.contains("│ a │ 5 │ (:Actor {id: 'b', n: 2}) │"),
        "{stdout}"
    );
}

#[path = "spark/golden.rs"]
mod golden;

#[path = "common/golden_files.rs"]
mod golden_files;

/// Every statement of the golden query files compiles or is refused with an
/// error; none panics, whatever the construct.
#[test]
fn compile_never_panics_on_the_golden_queries() {
    use supplygraph::query::compile::spark::{compile, Schema};
    let schema = Schema::workload();
    let (mut compiled, mut refused) = (0, 0);
    for file in golden_files::query_files() {
        let text = std::fs::read_to_string(file).unwrap();
        for line in text.lines() {
            let Some(q) = line.strip_prefix("-STATEMENT ") else {
                continue;
            };
            let Ok(stmt) = supplygraph::query::parse::parse_statement(q) else {
                continue;
            };
            match compile(&stmt, &Default::default(), Some(&schema)) {
                Ok(sql) => {
                    assert!(sql.starts_with("SELECT"), "{q}\n{sql}");
                    compiled += 1;
                }
                Err(_) => refused += 1,
            }
        }
    }
    eprintln!("golden statements: {compiled} compiled, {refused} refused");
    assert!(compiled > 20, "{compiled} compiled, {refused} refused");
}

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_supplygraph"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn spark_usage_errors_and_an_unreachable_server() {
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("pq");
    let pq = pq.to_str().unwrap();
    let db = dir.path().join("db");
    let db = db.to_str().unwrap();
    assert!(cli(&[db, "-c", "CREATE (:Actor {id: 'a'})"])
        .status
        .success());
    assert!(cli(&["export", db, "--format", "parquet", "-o", pq])
        .status
        .success());
    let run = |remote: &str, data: &str| {
        cli(&[
            "spark",
            "--remote",
            remote,
            "--data",
            data,
            "-c",
            "RETURN 1 AS x",
        ])
    };
    let out = run("http://localhost:1", pq);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an sc:// address"));
    assert_eq!(
        run("sc://127.0.0.1:1", "/nonexistent/dir").status.code(),
        Some(2)
    );
    // Port 1 on the loopback: nothing listens there.
    let out = run("sc://127.0.0.1:1", pq);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("error[SparkError]: cannot reach Spark Connect at sc://127.0.0.1:1"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn compile_and_parquet_export_from_the_command_line() {
    let out = cli(&[
        "compile",
        "--target",
        "spark-sql",
        "-c",
        "MATCH (a) RETURN a.name AS n;\nMATCH (a)-[*]->(b) RETURN b",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.starts_with("SELECT `a`.`name` AS `n` FROM"),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with(';'), "{stdout}");
    assert!(
        stderr.contains("cannot run on Spark (Unsupported)") && stderr.contains("<command>:2:10"),
        "{stderr}"
    );
    assert_eq!(cli(&["compile"]).status.code(), Some(2));

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let db = db.to_str().unwrap();
    let made = cli(&[
        db,
        "-c",
        "CREATE (:Country {id: 'by', share: estimate(0.6, 0.7)})-[:SUPPLIES {since: date('2022-03')}]->(:Country {id: 'ru'})",
    ]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    assert_eq!(
        cli(&["export", db, "--format", "parquet"]).status.code(),
        Some(2)
    );
    let pq = dir.path().join("pq");
    let out = cli(&[
        "export",
        db,
        "--format",
        "parquet",
        "-o",
        pq.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(pq.join("actors.parquet").exists() && pq.join("links.parquet").exists());
    // The schema read back: the estimate has no plain column.
    let out = cli(&[
        "compile",
        "--schema",
        pq.to_str().unwrap(),
        "-c",
        "MATCH (a) RETURN a.share AS s",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("estimate property 'share'"));
}

//! Drives the workload runner (src/bin/workload.rs) on a tiny generated
//! dataset: every answer must match the expected one. No timing assertions.

use std::path::{Path, PathBuf};
use std::process::Command;

const GEN: &str = "/work/shared/bench/gen.py";

fn runner() -> Command {
    Command::new(env!("CARGO_BIN_EXE_workload"))
}

/// Generates 2,000 actors / 20,000 links into `dir`; None (with a message)
/// when python3 or the generator is not available.
fn generate(dir: &Path) -> Option<PathBuf> {
    let gen = std::env::var("SUPPLYGRAPH_BENCH_GEN").unwrap_or_else(|_| GEN.to_string());
    if !Path::new(&gen).exists() {
        eprintln!("skipped: {gen} not found (set SUPPLYGRAPH_BENCH_GEN)");
        return None;
    }
    let data = dir.join("data");
    let status = Command::new("python3")
        .arg(&gen)
        .args(["--actors", "2000", "--links", "20000", "--out"])
        .arg(&data)
        .output();
    match status {
        Ok(o) if o.status.success() => Some(data),
        Ok(o) => panic!("gen.py failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => {
            eprintln!("skipped: cannot run python3: {e}");
            None
        }
    }
}

fn json_lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

#[test]
fn runner_answers_every_query_correctly() {
    let dir = tempfile::tempdir().unwrap();
    let Some(data) = generate(dir.path()) else {
        return;
    };
    let db = dir.path().join("db");
    let o = runner()
        .arg(&data)
        .arg("--db")
        .arg(&db)
        .args(["--loads", "1", "--reps", "1", "--timeout", "600"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "runner failed:\n{err}");
    let lines = json_lines(&o.stdout);
    let names: Vec<&str> = lines.iter().map(|l| l["query"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["L", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q8", "C"]
    );
    for l in &lines {
        assert_eq!(l["system"], "supplygraph");
        assert!(l["median_s"].is_number(), "{l}");
        assert!(l["disk_bytes"].as_u64().unwrap() > 0, "{l}");
        assert!(l["peak_rss_bytes"].as_u64().unwrap() > 0, "{l}");
    }
    assert_eq!(lines[5]["result"].as_array().unwrap().len(), 12);

    // Q1..Q8 again as prepared statements, on the same database: the same
    // answers (a wrong one exits with 2).
    let o = runner()
        .arg(&data)
        .arg("--db")
        .arg(&db)
        .args([
            "--loads",
            "0",
            "--prepared",
            "--reps",
            "1",
            "--timeout",
            "600",
        ])
        .args(["--queries", "Q1,Q2,Q3,Q4,Q5,Q6,Q7,Q8"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "prepared run failed:\n{err}");
    assert_eq!(json_lines(&o.stdout).len(), 8);

    // The same database, checked against data that no longer matches it:
    // a wrong answer must fail the run.
    let actors = data.join("actors.csv");
    let text = std::fs::read_to_string(&actors).unwrap();
    let params: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("params.json")).unwrap()).unwrap();
    let id = params["Q1_ID"].as_str().unwrap();
    let changed: String = text
        .lines()
        .map(|l| {
            if l.starts_with(&format!("{id},")) {
                let mut f: Vec<&str> = l.split(',').collect();
                f[1] = "Renamed Ltd";
                f.join(",")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&actors, changed + "\n").unwrap();
    let o = runner()
        .arg(&data)
        .arg("--db")
        .arg(&db)
        .args(["--loads", "0", "--queries", "Q1", "--reps", "1"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "a wrong answer must fail");
    let lines = json_lines(&o.stdout);
    assert!(lines[0]["note"]
        .as_str()
        .unwrap()
        .starts_with("WRONG RESULT"));
}

#[test]
fn runner_rejects_unknown_queries() {
    let o = runner()
        .args(["/nonexistent", "--queries", "Q9"])
        .output()
        .unwrap();
    assert!(!o.status.success());
}

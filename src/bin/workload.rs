//! The supply-network workload runner (shared/bench/WORKLOAD.md): loads a
//! generated dataset through the real import path, runs Q1–Q8 through
//! `Database::execute` and the cold start C, checks every answer, and prints
//! one JSON line per item in the anchors' format
//! (shared/bench/anchors/common.py).
//!
//! usage: workload DATA_DIR [--db DIR] [--loads N] [--queries Q1,Q3,..] [--timeout SECS]
//!
//! Each load runs in a fresh child process (`--load-only`), as does each
//! cold start (`--cold`) and the computation of the expected answers
//! (`--expected`), so that the peak RSS reported for the loads and the
//! queries is the database's own. A wrong answer or a failing query makes
//! the exit status non-zero; a query that hits `--timeout` is reported as a
//! timeout (`median_s` null) and does not.

#[path = "workload/expected.rs"]
mod expected;
#[path = "workload/queries.rs"]
mod queries;
#[path = "workload/sha1.rs"]
mod sha1;

/// The same allocator as the `supplygraph` binary.
#[global_allocator]
static ALLOCATOR: supplygraph::allocator::MiMalloc = supplygraph::allocator::MiMalloc;

use clap::Parser;
use expected::WorkParams;
use queries::*;
use serde_json::{json, Value as J};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};
use supplygraph::io::import::{self, Source};
use supplygraph::store::sled_store::dir_size;
use supplygraph::value::Value;
use supplygraph::{Database, ErrorKind, Params, QueryResult};

const QUERIES: [&str; 8] = ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q8"];

#[derive(Parser, Debug)]
#[command(
    name = "workload",
    about = "Runs the supply-network workload (shared/bench/WORKLOAD.md)"
)]
struct Args {
    /// Directory made by shared/bench/gen.py (actors.csv, links.csv, params.json).
    data: PathBuf,
    /// Database directory (replaced by every load); default a directory under the temp dir.
    #[arg(long)]
    db: Option<PathBuf>,
    /// Number of loads, each into a fresh database in a fresh process; 0 reuses --db as it is.
    #[arg(long, default_value_t = 3)]
    loads: usize,
    /// Comma-separated subset of Q1..Q8 and C to run (default all).
    #[arg(long, value_delimiter = ',')]
    queries: Option<Vec<String>>,
    /// Per-query (Q5: per 12-pair unit; C: per process) timeout in seconds.
    #[arg(long, default_value_t = 120.0)]
    timeout: f64,
    /// Timed runs per query.
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// Untimed warm-up runs per query.
    #[arg(long, default_value_t = 1)]
    warm: usize,
    /// Run Q1..Q8 as prepared statements (`Database::prepare` once, then
    /// `run_prepared`), so a figure leaves out the parser and checker.
    #[arg(long)]
    prepared: bool,
    /// Child mode: one load into --db, print one JSON line.
    #[arg(long, hide = true)]
    load_only: bool,
    /// Child mode: open --db, answer Q1 for this actor id, print one JSON line.
    #[arg(long, hide = true)]
    cold: Option<String>,
    /// Child mode: print the expected answers as one JSON line.
    #[arg(long, hide = true)]
    expected: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let outcome = if args.load_only {
        load_child(&args)
    } else if let Some(id) = &args.cold {
        cold_child(&args, id)
    } else if args.expected {
        expected_child(&args)
    } else {
        run(&args)
    };
    match outcome {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("workload: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn db_dir(args: &Args) -> PathBuf {
    args.db.clone().unwrap_or_else(|| {
        let base = args
            .data
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "data".into());
        std::env::temp_dir().join(format!("supplygraph-workload-{base}"))
    })
}

/// `VmHWM` of this process, in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Resets `VmHWM` to the current RSS (Linux `clear_refs` 5); false if not possible.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn load_child(args: &Args) -> Result<ExitCode, String> {
    let db = db_dir(args);
    let nodes = [Source::parse(&format!(
        "Actor={}",
        args.data.join("actors.csv").display()
    ))];
    let rels = [Source::parse(
        &args.data.join("links.csv").to_string_lossy(),
    )];
    let t0 = Instant::now();
    let mut database =
        Database::open(&db).map_err(|e| format!("cannot open {}: {e}", db.display()))?;
    let summary = import::import(database.graph_mut(), &nodes, &rels, &mut |_, _| {})
        .map_err(|e| e.headline())?;
    drop(database); // flushes: the data is durable once this returns
    let secs = t0.elapsed().as_secs_f64();
    let rec = json!({
        "load_s": secs,
        "import_s": summary.seconds,
        "nodes": summary.nodes,
        "rels": summary.rels,
        "disk_bytes": dir_size(&db),
        "peak_rss_bytes": peak_rss(),
    });
    println!("{rec}");
    Ok(ExitCode::SUCCESS)
}

fn cold_child(args: &Args, id: &str) -> Result<ExitCode, String> {
    let t0 = Instant::now();
    let db = db_dir(args);
    let mut database =
        Database::open(&db).map_err(|e| format!("cannot open {}: {e}", db.display()))?;
    let params = Params::from([("id".to_string(), Value::String(id.to_string()))]);
    let r = database.execute(Q1, &params).map_err(|e| e.headline())?;
    let result = norm("Q1", &[r]).map_err(|e| format!("Q1: {e}"))?;
    drop(database);
    let rec = json!({
        "result": result,
        "inproc_s": t0.elapsed().as_secs_f64(),
        "peak_rss_bytes": peak_rss(),
    });
    println!("{rec}");
    Ok(ExitCode::SUCCESS)
}

fn expected_child(args: &Args) -> Result<ExitCode, String> {
    let p = WorkParams::load(&args.data)?;
    let exp = expected::compute(&args.data, &p)?;
    println!(
        "{}",
        serde_json::to_string(&exp).map_err(|e| e.to_string())?
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs this binary again with `extra` arguments; returns the last stdout
/// line as JSON and the whole-process wall time.
fn child(args: &Args, extra: &[&str], timeout: Option<f64>) -> Result<(J, f64), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(exe);
    cmd.arg(&args.data)
        .arg("--db")
        .arg(db_dir(args))
        .args(extra);
    cmd.stdout(std::process::Stdio::piped());
    let t0 = Instant::now();
    let mut proc = cmd
        .spawn()
        .map_err(|e| format!("cannot start child: {e}"))?;
    if let Some(limit) = timeout {
        loop {
            if proc.try_wait().map_err(|e| e.to_string())?.is_some() {
                break;
            }
            if t0.elapsed().as_secs_f64() > limit {
                let _ = proc.kill();
                let _ = proc.wait();
                return Err(format!("TIMEOUT after {limit} s"));
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }
    let out = proc.wait_with_output().map_err(|e| e.to_string())?;
    let secs = t0.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!("child {:?} failed: {}", extra, out.status));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or("");
    let rec = serde_json::from_str(last).map_err(|e| format!("child printed {last:?}: {e}"))?;
    Ok((rec, secs))
}

fn median(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn round6(xs: &[f64]) -> Vec<f64> {
    xs.iter().map(|x| (x * 1e6).round() / 1e6).collect()
}

struct Out {
    scale: String,
    failures: Vec<String>,
    timeouts: Vec<String>,
}

impl Out {
    fn emit(
        &self,
        query: &str,
        times: &[f64],
        result: J,
        disk: Option<u64>,
        note: Option<String>,
        extra: J,
    ) {
        let mut rec = json!({
            "system": "supplygraph",
            "version": env!("CARGO_PKG_VERSION"),
            "scale": self.scale,
            "query": query,
            "median_s": median(times),
            "runs_s": round6(times),
            "result": result,
            "disk_bytes": disk,
            "note": note,
        });
        if let (Some(m), J::Object(e)) = (rec.as_object_mut(), extra) {
            m.extend(e);
        }
        println!("{rec}");
    }
}

fn str_of(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => Err(format!("expected a string, got {other:?}")),
    }
}

fn int_of(v: &Value) -> Result<i64, String> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Float(f) if f.fract() == 0.0 => Ok(*f as i64),
        other => Err(format!("expected an integer, got {other:?}")),
    }
}

/// The normalised, comparable form of a query's result (common.py `norm_result`).
/// `rs` holds one result, or the 12 of Q5.
fn norm(q: &str, rs: &[QueryResult]) -> Result<J, String> {
    let rows = &rs[0].rows;
    let one = |rows: &Vec<Vec<Value>>| -> Result<i64, String> {
        match rows.as_slice() {
            [row] if row.len() == 1 => int_of(&row[0]),
            _ => Err(format!("expected one row of one column, got {rows:?}")),
        }
    };
    Ok(match q {
        "Q1" => match rows.as_slice() {
            [row] if row.len() == 2 => json!([str_of(&row[0])?, int_of(&row[1])?]),
            _ => return Err(format!("expected one row of two columns, got {rows:?}")),
        },
        "Q2" => {
            let names = rows
                .iter()
                .map(|r| str_of(r.first().unwrap_or(&Value::Null)))
                .collect::<Result<Vec<_>, _>>()?;
            expected::q2_digest(&names)
        }
        "Q5" => J::Array(
            rs.iter()
                .map(|r| match r.rows.as_slice() {
                    [] => Ok(J::Null),
                    [row] if row.len() == 1 => int_of(&row[0]).map(|i| json!(i)),
                    other => Err(format!("expected at most one row, got {other:?}")),
                })
                .collect::<Result<_, _>>()?,
        ),
        "Q6" => J::Array(
            rows.iter()
                .map(|r| match r.as_slice() {
                    [c, s, n] => Ok(json!([str_of(c)?, int_of(s)?, int_of(n)?])),
                    other => Err(format!("expected 3 columns, got {other:?}")),
                })
                .collect::<Result<_, String>>()?,
        ),
        "Q7" => J::Array(
            rows.iter()
                .map(|r| match r.as_slice() {
                    [i, n] => Ok(json!([str_of(i)?, int_of(n)?])),
                    other => Err(format!("expected 2 columns, got {other:?}")),
                })
                .collect::<Result<_, String>>()?,
        ),
        _ => json!(one(rows)?),
    })
}

enum Failure {
    Timeout(String),
    Error(String),
}

/// Runs one workload query (Q5: the 12 pairs) once, under a deadline.
fn run_once(
    db: &mut Database,
    q: &str,
    p: &WorkParams,
    timeout: f64,
    prepared: bool,
) -> Result<(f64, Vec<QueryResult>), Failure> {
    let s = |v: &str| Value::String(v.to_string());
    let one = |k: &str, v: &str| Params::from([(k.to_string(), s(v))]);
    let (text, params): (&str, Vec<Params>) = match q {
        "Q1" => (Q1, vec![one("id", &p.q1_id)]),
        "Q2" => (Q2, vec![one("hub", &p.hub)]),
        "Q3" => (Q3, vec![one("mid", &p.mid)]),
        "Q4" => (Q4, vec![one("mid", &p.mid)]),
        "Q5" => (
            Q5,
            p.pairs
                .iter()
                .map(|(f, t)| Params::from([("from".to_string(), s(f)), ("to".to_string(), s(t))]))
                .collect(),
        ),
        "Q6" => (Q6, vec![Params::new()]),
        "Q7" => (Q7, vec![Params::new()]),
        "Q8" => (
            Q8,
            vec![Params::from([
                ("from".to_string(), s(&p.pairs[0].0)),
                ("to".to_string(), s(&p.pairs[0].1)),
            ])],
        ),
        other => return Err(Failure::Error(format!("unknown query {other}"))),
    };
    let statement = match prepared {
        true => Some(db.prepare(text).map_err(|e| Failure::Error(e.headline()))?),
        false => None,
    };
    let t0 = Instant::now();
    db.cancel.deadline = Some(t0 + Duration::from_secs_f64(timeout));
    let mut results = Vec::with_capacity(params.len());
    for prm in &params {
        let ran = match &statement {
            Some(st) => db.run_prepared(st, prm),
            None => db.execute(text, prm),
        };
        match ran {
            Ok(r) => results.push(r),
            Err(e) if e.kind == ErrorKind::Timeout => {
                db.cancel.deadline = None;
                return Err(Failure::Timeout(format!("TIMEOUT after {timeout} s")));
            }
            Err(e) => {
                db.cancel.deadline = None;
                return Err(Failure::Error(e.headline()));
            }
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    db.cancel.deadline = None;
    Ok((secs, results))
}

fn check(out: &mut Out, q: &str, got: &J, exp: Option<&J>) -> Option<String> {
    match exp {
        Some(e) if e == got => None,
        Some(e) => {
            let msg = format!("WRONG RESULT: expected {e}");
            out.failures.push(format!("{q}: {msg}, got {got}"));
            Some(msg)
        }
        None => None,
    }
}

fn run(args: &Args) -> Result<ExitCode, String> {
    let selected: Vec<String> = match &args.queries {
        Some(list) => list
            .iter()
            .map(|s| s.trim().to_uppercase())
            .filter(|s| !s.is_empty())
            .collect(),
        None => QUERIES
            .iter()
            .map(|s| s.to_string())
            .chain(["C".to_string()])
            .collect(),
    };
    for s in &selected {
        if !QUERIES.contains(&s.as_str()) && s != "C" && s != "L" {
            return Err(format!("unknown query '{s}' (Q1..Q8, C)"));
        }
    }
    let p = WorkParams::load(&args.data)?;
    let mut out = Out {
        scale: p.scale(),
        failures: Vec::new(),
        timeouts: Vec::new(),
    };
    eprintln!("workload: computing the expected answers");
    let (exp, _) = child(args, &["--expected"], None)?;
    let exp: BTreeMap<String, J> = serde_json::from_value(exp).map_err(|e| e.to_string())?;
    let db = db_dir(args);

    // L: each load into a fresh database, in a fresh process.
    let mut disk = if db.exists() {
        Some(dir_size(&db))
    } else {
        None
    };
    if args.loads > 0 {
        let (mut times, mut procs, mut rss) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..args.loads {
            if db.exists() {
                std::fs::remove_dir_all(&db)
                    .map_err(|e| format!("cannot remove {}: {e}", db.display()))?;
            }
            eprintln!(
                "workload: load {}/{} into {}",
                i + 1,
                args.loads,
                db.display()
            );
            let (rec, wall) = child(args, &["--load-only"], None)?;
            times.push(rec["load_s"].as_f64().unwrap_or(f64::NAN));
            procs.push(wall);
            rss.push(rec["peak_rss_bytes"].as_u64().unwrap_or(0));
            disk = rec["disk_bytes"].as_u64();
        }
        out.emit(
            "L",
            &times,
            J::Null,
            disk,
            Some("import --nodes Actor=actors.csv --relationships links.csv into a fresh DB, open to flushed close; one process per load".into()),
            json!({
                "peak_rss_bytes": rss.iter().max(),
                "load_peak_rss_bytes": rss,
                "process_s": round6(&procs),
            }),
        );
    } else if !db.exists() {
        return Err(format!(
            "--loads 0 needs an existing database at {}",
            db.display()
        ));
    }

    // Q1..Q8 in this process.
    let mut database =
        Database::open(&db).map_err(|e| format!("cannot open {}: {e}", db.display()))?;
    for q in QUERIES.iter().filter(|q| selected.iter().any(|s| s == *q)) {
        eprintln!("workload: {q}");
        let reset = reset_peak_rss();
        let mut times = Vec::new();
        let mut last: Option<J> = None;
        let mut failure: Option<Failure> = None;
        for i in 0..args.warm + args.reps {
            match run_once(&mut database, q, &p, args.timeout, args.prepared) {
                Ok((secs, rs)) => {
                    if i >= args.warm {
                        times.push(secs);
                    }
                    match norm(q, &rs) {
                        Ok(j) => last = Some(j),
                        Err(e) => {
                            failure = Some(Failure::Error(format!("unexpected result shape: {e}")));
                            break;
                        }
                    }
                }
                Err(f) => {
                    failure = Some(f);
                    break;
                }
            }
        }
        let rss = json!({
            "peak_rss_bytes": peak_rss(),
            "peak_rss_scope": if reset { "this query (VmHWM reset before it)" } else { "process so far" },
        });
        match failure {
            Some(Failure::Timeout(msg)) => {
                out.timeouts.push(q.to_string());
                out.emit(q, &[], J::Null, disk, Some(msg), rss);
            }
            Some(Failure::Error(msg)) => {
                out.failures.push(format!("{q}: {msg}"));
                out.emit(q, &[], J::Null, disk, Some(format!("ERROR: {msg}")), rss);
            }
            None => {
                let got = last.unwrap_or(J::Null);
                let note = check(&mut out, q, &got, exp.get(*q));
                let note = note.or_else(|| {
                    (*q == "Q5").then(|| {
                        "12 pairs (10 connected + 2 no-path), one query each, total time"
                            .to_string()
                    })
                });
                out.emit(q, &times, got, disk, note, rss);
            }
        }
    }
    drop(database);

    // C: fresh processes that open the database and answer Q1.
    if selected.iter().any(|s| s == "C") {
        eprintln!("workload: C");
        let (mut times, mut inner, mut rss) = (Vec::new(), Vec::new(), Vec::new());
        let mut last = J::Null;
        let mut failure = None;
        for i in 0..args.warm + args.reps {
            match child(args, &["--cold", &p.q1_id], Some(args.timeout)) {
                Ok((rec, wall)) => {
                    if i >= args.warm {
                        times.push(wall);
                        inner.push(rec["inproc_s"].as_f64().unwrap_or(f64::NAN));
                        rss.push(rec["peak_rss_bytes"].as_u64().unwrap_or(0));
                    }
                    last = rec["result"].clone();
                }
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        // What the database takes once it has been opened: sled leaves the
        // segments a load freed as holes then (vendor/sled/PATCHED.md).
        let extra = json!({
            "peak_rss_bytes": rss.iter().max(),
            "inproc_median_s": median(&inner),
            "disk_bytes_opened": dir_size(&db),
        });
        match failure {
            Some(msg) if msg.starts_with("TIMEOUT") => {
                out.timeouts.push("C".into());
                out.emit("C", &[], J::Null, disk, Some(msg), extra);
            }
            Some(msg) => {
                out.failures.push(format!("C: {msg}"));
                out.emit(
                    "C",
                    &[],
                    J::Null,
                    disk,
                    Some(format!("ERROR: {msg}")),
                    extra,
                );
            }
            None => {
                let note = check(&mut out, "C", &last, exp.get("Q1"))
                    .unwrap_or_else(|| "process start + Database::open + Q1 + exit".into());
                out.emit("C", &times, last, disk, Some(note), extra);
            }
        }
    }

    if !out.timeouts.is_empty() {
        eprintln!(
            "workload: timed out (not counted as failures): {}",
            out.timeouts.join(", ")
        );
    }
    if out.failures.is_empty() {
        eprintln!("workload: all results match the expected answers");
        Ok(ExitCode::SUCCESS)
    } else {
        for f in &out.failures {
            eprintln!("workload: FAILED {f}");
        }
        Ok(ExitCode::from(2))
    }
}

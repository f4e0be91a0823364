//! The streaming executor from the binary: LIMIT stops work, patterns that
//! never end run at flat memory until their timeout, breakers fail cleanly
//! past `--memory-limit`, long chains need no stack per hop, and EXPLAIN
//! shows the tree PROFILE runs.

use std::process::{Command, Output};
use supplygraph::{Database, Params};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_supplygraph"))
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let o: Output = bin().args(args).output().unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A complete directed graph on `n` nodes: its trails are beyond counting.
fn complete_graph(n: usize) -> String {
    format!(
        "UNWIND range(1, {n}) AS i CREATE (:N {{id: i}});
         MATCH (a:N), (b:N) WHERE a <> b CREATE (a)-[:L]->(b);"
    )
}

#[test]
fn limit_stops_the_rows_before_it() {
    // A billion values: past range()'s cap as a list, so only a streaming
    // UNWIND that LIMIT stops can answer.
    let (code, out, err) = run(&[
        "--memory",
        "--format",
        "csv",
        "--timeout",
        "60",
        "-c",
        "UNWIND range(1, 1000000000) AS x RETURN x LIMIT 2",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "x\n1\n2\n");
    // The first trail of an endless variable-length pattern.
    let script = format!(
        "{} MATCH (a)-[*]->(b) RETURN b.id AS id LIMIT 1;",
        complete_graph(12)
    );
    let (code, out, err) = run(&[
        "--memory",
        "--format",
        "csv",
        "--timeout",
        "60",
        "-c",
        &script,
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.lines().filter(|l| *l != "id").count(), 1, "{out}");
}

#[test]
fn an_endless_path_count_ends_with_its_timeout() {
    let script = format!(
        "{} MATCH p = (a)-[*]-(b) RETURN count(p);",
        complete_graph(16)
    );
    let (code, _, err) = run(&["--memory", "--timeout", "2", "-c", &script]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("error[Timeout]"), "{err}");
}

#[test]
fn breakers_fail_cleanly_past_the_memory_limit_and_streams_do_not() {
    for (q, op) in [
        ("UNWIND range(1, 300000) AS x RETURN x ORDER BY -x", "Sort"),
        (
            "UNWIND range(1, 300000) AS x RETURN x, count(*)",
            "Aggregate",
        ),
        ("UNWIND range(1, 300000) AS x RETURN x", "ProduceResults"),
    ] {
        let (code, out, err) = run(&["--memory", "--memory-limit", "1M", "-c", q]);
        assert_eq!(code, Some(1), "{q}: {err}");
        assert!(out.is_empty(), "{q}: {out}");
        assert!(
            err.starts_with(&format!("error[MemoryError]: {op} would hold more"))
                && err.contains("(MemoryLimit)"),
            "{q}: {err}"
        );
    }
    // A million rows counted, a top-3 of 300,000 rows sorted, a list kept
    // beside a million fanned-out rows: within 1 MiB, as nothing is held.
    for (q, want) in [
        (
            "UNWIND range(1, 100) AS a UNWIND range(1, 100) AS b UNWIND range(1, 100) AS c RETURN count(*)",
            "1000000",
        ),
        (
            "UNWIND range(1, 300000) AS x RETURN x ORDER BY x DESC LIMIT 3",
            "300000\n299999\n299998",
        ),
        (
            "WITH range(1, 1000) AS l UNWIND l AS x UNWIND range(1, 1000) AS y RETURN count(*)",
            "1000000",
        ),
    ] {
        let (code, out, err) = run(&[
            "--memory",
            "--memory-limit",
            "1M",
            "--format",
            "csv",
            "-c",
            q,
        ]);
        assert_eq!(code, Some(0), "{q}: {err}");
        assert_eq!(out.lines().skip(1).collect::<Vec<_>>().join("\n"), want);
    }
    let (code, _, err) = run(&["--memory", "--memory-limit", "lots", "-c", "RETURN 1"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--memory-limit needs a size"), "{err}");
}

/// The variable-length walk keeps its own stack: a 100,000-link chain is
/// walked on a thread with 256 KiB of stack.
#[test]
fn a_long_chain_is_walked_without_stack_per_hop() {
    let mut db = Database::open_memory().unwrap();
    let p = Params::new();
    db.execute("UNWIND range(0, 100000) AS i CREATE (:N {id: i})", &p)
        .unwrap();
    db.execute(
        "UNWIND range(0, 99999) AS i MATCH (a:N {id: i}), (b:N {id: i + 1}) CREATE (a)-[:NEXT]->(b)",
        &p,
    )
    .unwrap();
    let walked = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            db.execute(
                "MATCH (a:N {id: 0})-[*]->(b) RETURN count(b) AS n, max(b.id) AS last",
                &Params::new(),
            )
            .map(|r| r.rows)
            .map_err(|e| e.to_string())
        })
        .unwrap()
        .join()
        .expect("the walk overflowed its stack");
    let rows = walked.unwrap();
    assert_eq!(format!("{:?}", rows[0]), "[Int(100000), Int(100000)]");
}

/// EXPLAIN prints the operators PROFILE runs: the same lines once PROFILE's
/// figures are taken off.
#[test]
fn explain_and_profile_show_the_same_tree() {
    let mut db = Database::open_memory().unwrap();
    let p = Params::new();
    db.execute(
        "CREATE (a:Country {id: 'a', name: 'A'})-[:SUPPLIES {value: 1}]->(b:Company {id: 'b', country: 'a'}),
                (b)-[:SUPPLIES {value: 2}]->(c:Country {id: 'c'}), (c)-[:OWNS]->(a)",
        &p,
    )
    .unwrap();
    let queries = [
        "MATCH (a)-[r1]->(b)-[r2]->(c), (c)<-[s1]-(z {id: 'a'}) RETURN count(*)",
        "MATCH (s)-[r:SUPPLIES]->(t) RETURN t.id, count(r), sum(r.value)",
        "MATCH (a:Country) OPTIONAL MATCH (a)-[o]-(m) RETURN a.id, count(o) ORDER BY a.id LIMIT 1",
        "MATCH (c:Company), (n:Country {id: c.country}) RETURN c.id, n.id",
        "MATCH p = shortestPath((x {id: 'a'})-[*]-(y {id: 'c'})) RETURN length(p)",
        "UNWIND range(1, 5) AS x WITH x WHERE x > 2 RETURN DISTINCT x % 2 AS m UNION RETURN 7 AS m",
        "MATCH (a {id: 'a'}) WHERE exists((a)-[:SUPPLIES]->()) SET a.seen = true RETURN a.id",
    ];
    for q in queries {
        let explained = db.execute(&format!("EXPLAIN {q}"), &p).unwrap();
        let explained: Vec<String> = explained
            .rows
            .iter()
            .map(|r| match &r[0] {
                supplygraph::value::Value::String(s) => s.trim_end().to_string(),
                other => panic!("{other:?}"),
            })
            .collect();
        let profiled = db.execute(&format!("PROFILE {q}"), &p).unwrap();
        let plan = profiled.plan.expect("PROFILE returns its plan");
        let stripped: Vec<String> = plan
            .lines()
            .take_while(|l| !l.starts_with("total "))
            .filter(|l| !l.is_empty())
            .map(strip_figures)
            .collect();
        assert_eq!(explained, stripped, "{q}\n{plan}");
        assert!(plan.contains(" ms"), "{plan}");
    }
}

/// A PROFILE line without its `N rows T ms` tail.
fn strip_figures(line: &str) -> String {
    let Some(mut rest) = line.trim_end().strip_suffix(" ms") else {
        return line.trim_end().to_string();
    };
    // Drop the time, `row`/`rows`, and the count, from the end.
    for _ in 0..3 {
        rest = rest.trim_end();
        rest = &rest[..rest.rfind(' ').unwrap_or(0)];
    }
    rest.trim_end().to_string()
}

/// Parts that share no variable are counted each once: 8e9 rows of a
/// three-way cross product, counted within 1 MiB; and the product agrees
/// with the general plan where it applies and where it must not.
#[test]
fn a_cross_product_is_counted_without_its_rows() {
    let script = "UNWIND range(1, 2000) AS i CREATE (:N {id: i});
         UNWIND range(1, 30) AS i MATCH (a:N {id: i}), (b:N {id: i + 1}) CREATE (a)-[:L]->(b);
         MATCH (a), (b), (c) RETURN count(*) AS n;
         MATCH (a:N), (x)-[:L]->(y) RETURN count(*) AS n;
         MATCH (a:N), (x)-[:L]->(y) RETURN count(*) + 0 AS n;
         MATCH (a {id: 5}), (x)-[:L]->(y {id: 7}) RETURN count(*) AS n;
         MATCH (x)-[:L]->(y), (y)-[:L]->(z) RETURN count(*) AS n;
         MATCH (x)-[r:L]->(y), (z)-[s:L]->(w) RETURN count(*) AS n;
         EXPLAIN MATCH (a), (b), (c) RETURN count(*);";
    let (code, out, err) = run(&[
        "--memory",
        "--memory-limit",
        "1M",
        "--timeout",
        "120",
        "--format",
        "csv",
        "-c",
        script,
    ]);
    assert_eq!(code, Some(0), "{err}");
    let numbers: Vec<&str> = out
        .lines()
        .filter(|l| l.chars().all(|c| c.is_ascii_digit()) && !l.is_empty())
        .collect();
    // 30 links; 2000 × 30; the same by the general plan; 1 × 1; the
    // 29 two-hop chains; 30 × 29 ordered pairs of distinct links.
    assert_eq!(
        numbers,
        ["8000000000", "60000", "60000", "1", "29", "870"],
        "{out}"
    );
    assert!(out.contains("CountProduct"), "{out}");
}

/// A value built inside one expression is held by no operator; the process
/// is watched instead, so ten billion list items end in MemoryLimit (and
/// --timeout reaches a comprehension), never in an allocation abort.
#[test]
fn a_runaway_expression_stops_with_memory_limit_or_timeout() {
    let q = "RETURN size([x IN range(1, 10000000) | range(1, 1000)]) AS n";
    let (code, out, err) = run(&["--memory", "--memory-limit", "64M", "-c", q]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        err.starts_with("error[MemoryError]: the statement's values grew the process past")
            && err.contains("(MemoryLimit)"),
        "{err}"
    );
    let q = "RETURN reduce(s = 0, x IN range(1, 10000000) | s + size([y IN range(1, 100) WHERE y > x])) AS n";
    let (code, _, err) = run(&["--memory", "--timeout", "0.5", "-c", q]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.starts_with("error[Timeout]"), "{err}");
}

/// The rows PROFILE counts for `operator` (its first line).
fn profiled_rows(plan: &str, operator: &str) -> u64 {
    let line = plan
        .lines()
        .find(|l| l.trim_start().starts_with(operator))
        .unwrap_or_else(|| panic!("no {operator} in\n{plan}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| *w == "rows" || *w == "row")
        .unwrap_or_else(|| panic!("no row count in {line}"));
    words[at - 1].parse().unwrap()
}

#[test]
fn rows_move_in_batches_that_double_from_one_to_1024() {
    // x = 50,600 passes the filter in the batch that brings it: the batches
    // hold 1, 2, 4, …, 1,024 rows (2,047 in all), then 1,024 each, so
    // UNWIND has made 2,047 + 48 × 1,024 = 51,199 rows when LIMIT stops it.
    // Rows one at a time would make 50,600; batches of 512, 50,687.
    let (code, out, err) = run(&[
        "--memory",
        "-c",
        "PROFILE UNWIND range(1, 100000) AS x WITH x WHERE x = 50600 RETURN x LIMIT 1",
        "-c",
        "PROFILE UNWIND range(1, 100000) AS x RETURN x LIMIT 5",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let plans: Vec<&str> = out.split("total").collect();
    assert_eq!(profiled_rows(plans[0], "Unwind"), 51_199, "{out}");
    assert_eq!(profiled_rows(plans[0], "Projection"), 1, "{out}");
    // LIMIT 5: batches of 1, 2 and 4 rows, then the LIMIT is met.
    assert_eq!(profiled_rows(plans[1], "Unwind"), 7, "{out}");
    assert!(out.contains("│ 5 │"), "{out}");
}

/// Runs the binary and waits for it with `wait4`, which gives that one
/// child's peak resident size: its stdout, stderr, exit code and peak bytes.
#[allow(clippy::zombie_processes)] // `wait4` reaps it, which clippy cannot see.
fn run_measured(args: &[&str]) -> (Option<i32>, String, String, u64) {
    use std::io::Read;
    let mut child = bin()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (mut out, mut err) = (String::new(), String::new());
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut e = String::new();
        stderr.read_to_string(&mut e).unwrap();
        e
    });
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    err.push_str(&reader.join().unwrap());
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for
    // the child spawned above, which nothing else waits for.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    // Linux gives ru_maxrss in KiB.
    (code, out, err, usage.ru_maxrss as u64 * 1024)
}

#[test]
fn large_rows_go_on_before_a_batch_fills() {
    // Each row carries its own copy of a 4 MiB string. A batch is handed on
    // once its rows own 1 MiB, so rows this size go on one at a time; the
    // 512-row batch that 1,000 small rows would reach would hold 2 GiB.
    let (code, out, err, peak) = run_measured(&[
        "--memory",
        "--format",
        "csv",
        "-c",
        "WITH reduce(s = 'x', i IN range(1, 22) | s + s) AS s
         UNWIND range(1, 1000) AS x RETURN sum(size(s)) AS total",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, format!("total\n{}\n", 4_194_304u64 * 1000));
    assert!(peak < 400 << 20, "peak resident size {} MiB", peak >> 20);
}

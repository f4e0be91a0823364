//! The binary never exits by a signal on hostile input, and says what went
//! wrong with the exit code the CLI contract gives (issue 16).

use std::io::Read;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_supplygraph"))
}

/// Runs the statements of `script` from a file on an in-memory database.
fn run_file(script: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("q.cypher");
    std::fs::write(&file, script).unwrap();
    bin().arg("--memory").arg("-f").arg(&file).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn deep_input_is_an_error_not_a_stack_overflow() {
    let chains = [
        format!("RETURN 1{}", "+1".repeat(5_800)),
        format!("RETURN 2{}", "^1".repeat(5_800)),
        format!("RETURN 1{}", " = 1".repeat(5_800)),
        format!("WITH {{a: 1}} AS x RETURN x{}", ".a".repeat(7_900)),
        format!("WITH [1] AS x RETURN x{}", "[0]".repeat(7_900)),
        format!("RETURN 1{}", " IS NULL".repeat(7_900)),
        format!("RETURN {}1", "-".repeat(7_900)),
        format!("RETURN {}1", "NOT ".repeat(7_900)),
        format!("RETURN 1{}", "+1".repeat(100_000)),
    ];
    for q in &chains {
        let o = run_file(q);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}…: {:?} {}",
            &q[..40],
            o.status,
            stderr(&o)
        );
        assert!(stderr(&o).contains("nested too deeply"), "{}", stderr(&o));
    }
}

#[test]
fn a_statement_inside_the_depth_limit_runs() {
    let o = run_file(&format!("RETURN 1{} AS n", "+1".repeat(990)));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("991"));
}

#[test]
fn a_command_starting_with_a_minus_is_a_statement_not_an_option() {
    let o = bin().args(["--memory", "-c", "-1"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("error[SyntaxError]"), "{}", stderr(&o));
}

#[test]
fn an_unterminated_comment_alone_is_an_error() {
    let o = bin()
        .args(["--memory", "-c", "/* unterminated"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("unterminated /* comment"),
        "{}",
        stderr(&o)
    );
}

/// A reader that goes away: the first result that cannot be written stops
/// the run, the statements after it do not run, and the exit code says so.
#[test]
fn a_closed_output_stops_at_the_first_failed_write() {
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
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("cannot write output"), "{err}");
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
    assert_eq!(String::from_utf8_lossy(&o.stdout), "n\n0\n");
}

/// A variable-length match along a 30,000-link chain recurses once per hop
/// in the executor: the CLI's large stack holds it (8 MiB did not).
#[test]
fn a_long_chain_under_a_variable_length_pattern_does_not_overflow() {
    let o = run_file(
        "UNWIND range(0, 30000) AS i CREATE (:N {id: 'n' + i});
         UNWIND range(0, 29999) AS i MATCH (a:N {id: 'n' + i}), (b:N {id: 'n' + (i + 1)}) CREATE (a)-[:T]->(b);
         MATCH p = (:N {id: 'n0'})-[*]->(:N {id: 'n30000'}) RETURN length(p) AS len;",
    );
    assert!(o.status.success(), "{:?} {}", o.status, stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("30000"));
}

//! Drives the real binary's REPL in a pseudo-terminal: multi-line entry,
//! history across runs, completion, Ctrl-C, errors, dot commands, export.

#![cfg(unix)]

use rexpect::session::{spawn_command, PtySession};
use std::path::{Path, PathBuf};
use std::process::Command;

const TIMEOUT_MS: u64 = 30_000;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_supplygraph"))
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/belarus-2025")
        .join(name)
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
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

struct Shell {
    p: PtySession,
}

impl Shell {
    /// Starts `supplygraph ARGS` in a pty with its own history file and
    /// waits for the first prompt.
    fn start(args: &[&str], history: &Path) -> Shell {
        let mut cmd = bin();
        cmd.args(args)
            .env("SUPPLYGRAPH_HISTORY", history)
            .env("NO_COLOR", "1")
            .env("TERM", "xterm");
        let mut p = spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawn in a pty");
        p.exp_string("Enter \".help\"").expect("banner");
        let mut sh = Shell { p };
        sh.prompt();
        sh
    }

    fn send(&mut self, text: &str) {
        self.p.send(text).unwrap();
        self.p.flush().unwrap();
    }

    fn line(&mut self, text: &str) {
        self.send(text);
        self.send("\r");
    }

    fn expect(&mut self, needle: &str) -> String {
        match self.p.exp_string(needle) {
            Ok(before) => before,
            Err(e) => panic!("expected {needle:?}: {e}"),
        }
    }

    /// Waits for a fresh prompt: rustyline turns bracketed paste on as
    /// each `readline` starts, which tells it from the repaints of typing.
    fn prompt(&mut self) {
        self.expect("\x1b[?2004h");
        self.expect("supplygraph> ");
    }

    fn quit(mut self) {
        self.p.send_control('d').unwrap();
        self.p.exp_eof().expect("exit on Ctrl-D");
    }
}

#[test]
fn multi_line_entry_and_history_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let hist = dir.path().join("history");
    let dbs = db.to_str().unwrap();
    let mut sh = Shell::start(&[dbs], &hist);
    sh.line("RETURN 1 +");
    sh.expect("      ...> ");
    sh.line("41 AS answer;");
    sh.expect("42");
    sh.prompt();
    // Two statements on one line run in order.
    sh.line("RETURN 'first' AS a; RETURN 'second' AS b;");
    let out = sh.expect("second");
    assert!(out.contains("first"), "{out}");
    sh.prompt();
    sh.quit();
    let saved = std::fs::read_to_string(&hist).unwrap();
    assert!(saved.contains("answer"), "{saved}");

    let mut sh = Shell::start(&[dbs], &hist);
    // Up twice: the two-statement line, then the multi-line statement.
    sh.send("\x1b[A");
    sh.send("\x1b[A");
    sh.send("\r");
    sh.expect("42");
    sh.prompt();
    sh.quit();
}

#[test]
fn completes_labels_and_actors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    import_fixture(&db);
    let mut sh = Shell::start(&[db.to_str().unwrap()], &dir.path().join("h"));
    sh.send("MATCH (n:Coun");
    sh.send("\t");
    sh.line(") RETURN count(n) AS countries;");
    sh.expect("countries");
    sh.expect("        5 ");
    sh.prompt();
    sh.send("MATCH (a @luk");
    sh.send("\t");
    sh.line(") RETURN a.name AS who;");
    sh.expect("Alexander Lukashenko");
    sh.prompt();
    sh.quit();
}

#[test]
fn ctrl_c_cancels_a_long_query_and_keeps_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let mut sh = Shell::start(&["--memory"], &dir.path().join("h"));
    sh.line("UNWIND range(1, 60) AS i CREATE (:N {i: i});");
    sh.prompt();
    sh.line("MATCH (a:N), (b:N) WHERE a.i < b.i AND b.i - a.i <= 6 CREATE (a)-[:L]->(b);");
    sh.prompt();
    sh.line("MATCH p = ()-[*]-() RETURN count(p);");
    std::thread::sleep(std::time::Duration::from_millis(2000));
    sh.p.send_control('c').unwrap();
    sh.expect("Cancelled");
    sh.prompt();
    sh.line("RETURN 6 * 7 AS after;");
    sh.expect("42");
    sh.prompt();
    // Ctrl-C at the prompt clears the statement being typed.
    sh.line("RETURN 1 +");
    sh.expect("...> ");
    sh.p.send_control('c').unwrap();
    sh.prompt();
    sh.line("RETURN 'clean' AS state;");
    sh.expect("clean");
    sh.prompt();
    sh.quit();
}

#[test]
fn errors_show_a_caret_and_dot_commands_work() {
    let dir = tempfile::tempdir().unwrap();
    let mut sh = Shell::start(&["--memory"], &dir.path().join("h"));
    sh.line("MATCH (n) RETURN nope;");
    sh.expect("error[SyntaxError]");
    sh.expect("<repl>:1:18");
    sh.expect("| MATCH (n) RETURN nope");
    sh.expect("^^^^");
    sh.prompt();
    sh.line(".mode csv");
    sh.prompt();
    sh.line("RETURN 1 AS a, 'x' AS b;");
    sh.expect("a,b\r\n1,x");
    sh.prompt();
    let script = dir.path().join("script.cypher");
    std::fs::write(
        &script,
        "CREATE (:T {v: 'from file'});\n.mode table\nMATCH (t:T)\nRETURN t.v AS v;\n",
    )
    .unwrap();
    sh.line(&format!(".read {}", script.display()));
    sh.expect(" from file ");
    sh.prompt();
    sh.line(".timer on");
    sh.prompt();
    sh.line("UNWIND [1, 2, 3] AS x RETURN x;");
    sh.expect("3 rows (");
    sh.prompt();
    sh.line(".moed csv");
    sh.expect("did you mean .mode?");
    sh.prompt();
    sh.line(".param who 'Belarus'");
    sh.prompt();
    sh.line("RETURN $who AS who;");
    sh.expect(" Belarus ");
    sh.prompt();
    sh.line(".quit");
    sh.p.exp_eof().unwrap();
}

#[test]
fn export_dot_is_accepted_by_graphviz() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    import_fixture(&db);
    let dot = dir.path().join("out.dot");
    let graphml = dir.path().join("out.graphml");
    let mut sh = Shell::start(&[db.to_str().unwrap()], &dir.path().join("h"));
    sh.line(".schema");
    sh.expect(":Country");
    sh.expect("5 actors");
    sh.expect(":SUPPLIES");
    sh.prompt();
    sh.line(".stats");
    sh.expect("actors      10");
    sh.expect("links       19");
    sh.prompt();
    sh.line(".explain MATCH (n) RETURN n");
    sh.expect("AllNodesScan");
    sh.prompt();
    let out = dir.path().join("out.csv");
    sh.line(".mode csv");
    sh.prompt();
    sh.line(&format!(".output {}", out.display()));
    sh.prompt();
    sh.line("MATCH (c:Country) RETURN c.id AS id ORDER BY id;");
    sh.prompt();
    sh.line(".output stdout");
    sh.prompt();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "id\nbelarus\nchina\niran\nrussia\nukraine\n"
    );
    sh.line(".mode table");
    sh.prompt();
    sh.line("MATCH p = (@belarus)-[:SUPPLIES]->() RETURN p;");
    sh.expect("(Belarus)-[:SUPPLIES");
    sh.prompt();
    sh.line(&format!(".export dot {}", dot.display()));
    sh.expect("wrote ");
    sh.prompt();
    sh.line(&format!(
        ".export graphml {} MATCH (a)-[r]->(b) RETURN a, r, b",
        graphml.display()
    ));
    sh.expect("wrote 10 actors and 19 links");
    sh.prompt();
    sh.quit();
    let text = std::fs::read_to_string(&dot).unwrap();
    assert!(text.starts_with("digraph"), "{text}");
    assert!(text.contains("label=\"Belarus\""), "{text}");
    let xml = std::fs::read_to_string(&graphml).unwrap();
    assert!(xml.contains("<graphml"), "{xml}");
    match Command::new("dot").arg("-Tsvg").arg(&dot).output() {
        Ok(o) => assert!(
            o.status.success(),
            "dot rejected the export: {}\n{text}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(_) => {
            eprintln!("SKIPPED: Graphviz `dot` is not installed; the DOT file was not validated")
        }
    }
}

/// A load larger than one written part ends by reopening the database's
/// files in place (`KvStore::reclaim`): the session goes on with the
/// same database, reads the load, writes after it, and all of it is there
/// for the next process.
#[test]
fn a_large_import_leaves_the_session_on_its_database() {
    let dir = tempfile::tempdir().unwrap();
    let (db, actors, links) = (
        dir.path().join("db"),
        dir.path().join("actors.csv"),
        dir.path().join("links.csv"),
    );
    // About 6 MB of names: more than one 4 MiB part.
    let padding = "x".repeat(300);
    let mut a = String::from("id,name\n");
    let mut l = String::from("src,dst,type,category\n");
    for i in 0..20_000 {
        a.push_str(&format!("a{i},actor {i} {padding}\n"));
        l.push_str(&format!("a{i},a{},SUPPLIES,fuel\n", (i * 7 + 1) % 20_000));
    }
    std::fs::write(&actors, a).unwrap();
    std::fs::write(&links, l).unwrap();
    let mut sh = Shell::start(&[db.to_str().unwrap()], &dir.path().join("h"));
    sh.line(&format!(
        ".import --nodes Actor={} --relationships {}",
        actors.display(),
        links.display()
    ));
    sh.expect("imported 20000 actors, 20000 links in ");
    sh.prompt();
    sh.line(".mode csv");
    sh.prompt();
    sh.line("MATCH (:Actor)-[r:SUPPLIES]->(b {id: 'a8'}) RETURN count(r) AS n;");
    sh.expect("n\r\n1");
    sh.prompt();
    sh.line("CREATE (:Late {id: 'late'});");
    sh.prompt();
    sh.quit();
    let o = bin()
        .arg(&db)
        .args(["--format", "csv", "-c", "MATCH (n) RETURN count(n) AS n"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), "n\n20001\n");
}

/// `--init` runs in the session the prompt then uses, so its settings hold;
/// long cells are cut to the terminal's width; `.export csv` writes the
/// importer's two files.
#[test]
fn init_settings_hold_at_the_prompt_and_long_cells_are_cut() {
    let dir = tempfile::tempdir().unwrap();
    let init = dir.path().join("init.cypher");
    std::fs::write(
        &init,
        ".mode csv\nCREATE (:A {id: 'a'})-[:T {w: 0.1}]->(:B {id: 'b'});\n",
    )
    .unwrap();
    let init_arg = init.to_str().unwrap();
    let mut sh = Shell::start(&["--memory", "--init", init_arg], &dir.path().join("h"));
    sh.line("MATCH (a:A) RETURN a.id AS id;");
    sh.expect("id\r\na\r\n");
    sh.prompt();
    sh.line(".mode table");
    sh.prompt();
    let long = "y".repeat(400);
    sh.line(&format!("RETURN '{long}' AS s;"));
    sh.expect("' AS s;");
    // rexpect reads bytes as chars: the UTF-8 bytes of `…`.
    let shown = sh.expect("\u{e2}\u{80}\u{a6}");
    assert!(shown.contains(&"y".repeat(40)), "{shown}");
    assert!(!shown.contains(&"y".repeat(300)), "not cut: {shown}");
    sh.prompt();
    let out = dir.path().join("csv");
    sh.line(&format!(
        ".export csv {} MATCH p = ()-[]->() RETURN p",
        out.display()
    ));
    sh.expect("wrote 2 actors and 1 link to ");
    sh.prompt();
    sh.quit();
    let links = std::fs::read_to_string(out.join("links.csv")).unwrap();
    assert_eq!(links, "src,dst,type,w:float\na,b,T,0.1\n");
}

/// `-c` on a terminal cuts long cells to its width too; piped, it does not
/// (tests/cli.rs).
#[test]
fn batch_tables_on_a_terminal_fit_its_width() {
    let long = "z".repeat(300);
    let mut cmd = bin();
    cmd.args(["--memory", "-c", &format!("RETURN '{long}' AS s, 1 AS n")]);
    let mut p = spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawn in a pty");
    let out = p.exp_eof().expect("exit");
    assert!(out.contains("\u{e2}\u{80}\u{a6}"), "not cut: {out}");
    assert!(!out.contains(&"z".repeat(200)), "not cut: {out}");
    assert!(out.contains(&"z".repeat(40)), "{out}");
}

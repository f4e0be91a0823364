//! `supplygraph export` and `--format graphml|dot`, checked by real
//! readers: networkx reads the GraphML (skipped, with a message, when
//! python3 or networkx is missing), Graphviz `dot` the DOT (likewise), and
//! the importer reads the CSV files back into the same graph.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

fn ok(o: Output) -> String {
    let (out, err) = text(&o);
    assert!(o.status.success(), "exit {:?}: {err}", o.status.code());
    out
}

fn import(db: &Path, nodes: &Path, links: &Path) {
    ok(bin()
        .arg("import")
        .arg(db)
        .arg("--nodes")
        .arg(nodes)
        .arg("--relationships")
        .arg(links)
        .output()
        .unwrap());
}

fn fixture_db(dir: &Path) -> PathBuf {
    let db = dir.join("db");
    import(&db, &fixture("actors.csv"), &fixture("links.csv"));
    db
}

/// What networkx makes of a GraphML file: counts and the Python types of
/// every attribute, or None when python3 or networkx is missing.
fn networkx_summary(file: &Path) -> Option<serde_json::Value> {
    const SCRIPT: &str = r#"
import json, sys
import networkx as nx
G = nx.read_graphml(sys.argv[1])
types = {}
for _, d in G.nodes(data=True):
    for k, v in d.items():
        types.setdefault("node." + k, set()).add(type(v).__name__)
for e in G.edges(data=True):
    for k, v in e[-1].items():
        types.setdefault("edge." + k, set()).add(type(v).__name__)
print(json.dumps({"nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
                  "directed": G.is_directed(),
                  "types": {k: sorted(v) for k, v in types.items()}}))
"#;
    let probe = Command::new("python3")
        .args(["-c", "import networkx"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!(
            "SKIPPED: python3 with networkx is not installed (pip install networkx); the GraphML was not read by networkx"
        );
        return None;
    }
    let o = Command::new("python3")
        .args(["-c", SCRIPT])
        .arg(file)
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "networkx rejected the GraphML: {err}");
    Some(serde_json::from_str(&out).unwrap())
}

fn types(summary: &serde_json::Value, key: &str) -> Vec<String> {
    summary["types"][key]
        .as_array()
        .unwrap_or_else(|| panic!("no attribute {key}: {summary}"))
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn graphml_of_the_whole_graph_reads_into_networkx_with_typed_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_db(dir.path());
    let file = dir.path().join("g.graphml");
    let o = bin()
        .arg("export")
        .arg(&db)
        .args(["--format", "graphml", "-o"])
        .arg(&file)
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("wrote 10 actors and 19 links to "), "{err}");
    // The same document on stdout.
    let stdout = ok(bin()
        .arg("export")
        .arg(&db)
        .args(["--format", "graphml"])
        .output()
        .unwrap());
    assert_eq!(stdout, std::fs::read_to_string(&file).unwrap());
    let Some(s) = networkx_summary(&file) else {
        return;
    };
    assert_eq!(s["nodes"], 10, "{s}");
    assert_eq!(s["edges"], 19, "{s}");
    assert_eq!(s["directed"], true);
    for (key, want) in [
        ("node.name", "str"),
        ("node.aliases", "str"),
        ("node.labels", "str"),
        ("edge.type", "str"),
        ("edge.confidence", "float"),
        ("edge.share_lo", "float"),
        ("edge.share_hi", "float"),
        ("edge.since", "str"),
    ] {
        assert_eq!(types(&s, key), vec![want], "{key}: {s}");
    }
    assert!(s["types"].get("edge.share").is_none(), "{s}");
}

#[test]
fn graphml_keys_are_typed_by_every_value_and_a_query_exports_its_paths() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    ok(bin()
        .arg(&db)
        .args([
            "-c",
            "CREATE (:A {id: 'a', n: 1, ok: true, mixed: 1, tags: ['x;y', 'z']})-[:T {w: 2, f: 0.5}]->(:B {id: 'b', n: 2, ok: false, mixed: 'two'})-[:T {w: 3, f: 1}]->(:C {id: 'c'})",
        ])
        .output()
        .unwrap());
    let file = dir.path().join("q.graphml");
    ok(bin()
        .arg("export")
        .arg(&db)
        .args([
            "--format",
            "graphml",
            "-c",
            "MATCH p = ({id: 'a'})-[:T*2]->() RETURN p",
            "-o",
        ])
        .arg(&file)
        .output()
        .unwrap());
    let xml = std::fs::read_to_string(&file).unwrap();
    assert!(xml.contains("attr.name=\"n\" attr.type=\"long\""), "{xml}");
    assert!(
        xml.contains("attr.name=\"f\" attr.type=\"double\""),
        "{xml}"
    );
    assert!(
        xml.contains("attr.name=\"ok\" attr.type=\"boolean\""),
        "{xml}"
    );
    assert!(
        xml.contains("attr.name=\"mixed\" attr.type=\"string\""),
        "{xml}"
    );
    let Some(s) = networkx_summary(&file) else {
        return;
    };
    assert_eq!(
        (s["nodes"].as_u64(), s["edges"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(types(&s, "node.n"), vec!["int"]);
    assert_eq!(types(&s, "node.ok"), vec!["bool"]);
    assert_eq!(types(&s, "node.mixed"), vec!["str"]);
    assert_eq!(types(&s, "node.tags"), vec!["str"]);
    assert_eq!(types(&s, "edge.w"), vec!["int"]);
    assert_eq!(types(&s, "edge.f"), vec!["float"]);
}

#[test]
fn batch_graphml_collects_every_statement_into_one_document() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_db(dir.path());
    let o = bin()
        .arg(&db)
        .args([
            "--format",
            "graphml",
            "-c",
            "MATCH (a)-[r:INVADES]->(b) RETURN r",
            "-c",
            "MATCH (a)-[r:LEADS]->(b) RETURN a, r, b",
            "-c",
            "RETURN 1 AS not_a_graph",
        ])
        .output()
        .unwrap();
    let out = ok(o);
    assert_eq!(out.matches("<graphml").count(), 1, "{out}");
    let file = dir.path().join("b.graphml");
    std::fs::write(&file, &out).unwrap();
    let invades = out.matches(">INVADES</data>").count();
    let leads = out.matches(">LEADS</data>").count();
    assert!(invades >= 2 && leads >= 2, "{out}");
    if let Some(s) = networkx_summary(&file) {
        assert_eq!(s["edges"].as_u64(), Some(((invades + leads) / 2) as u64));
    }
}

#[test]
fn dot_labels_show_evidence_and_graphviz_accepts_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_db(dir.path());
    let out = ok(bin()
        .arg("export")
        .arg(&db)
        .args([
            "--format",
            "dot",
            "-c",
            "MATCH p = (@china)-[*..3]->(@russia) RETURN p",
        ])
        .output()
        .unwrap());
    assert!(out.starts_with("digraph supplygraph {"), "{out}");
    assert!(out.contains("label=\"China\""), "{out}");
    assert!(out.contains(", confidence "), "{out}");
    assert!(
        out.contains("\\nreported, confidence 0.6\""),
        "edge labels carry evidence and confidence: {out}"
    );
    // The batch form writes the same kind of document.
    let batch = ok(bin()
        .arg(&db)
        .args([
            "--format",
            "dot",
            "-c",
            "MATCH p = (@china)-[*..3]->(@russia) RETURN p",
        ])
        .output()
        .unwrap());
    assert_eq!(batch, out);
    let file = dir.path().join("g.dot");
    std::fs::write(&file, &out).unwrap();
    match Command::new("dot").arg("-Tsvg").arg(&file).output() {
        Ok(o) => assert!(
            o.status.success(),
            "dot rejected the export: {}\n{out}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(_) => {
            eprintln!("SKIPPED: Graphviz `dot` is not installed; the DOT file was not validated")
        }
    }
}

/// Every node and link of a database as sorted JSON lines, ids left out.
fn contents(db: &Path) -> Vec<String> {
    let out = ok(bin()
        .arg(db)
        .args([
            "--format",
            "jsonl",
            "-c",
            "MATCH (n) RETURN labels(n) AS l, properties(n) AS p",
            "-c",
            "MATCH (a)-[r]->(b) RETURN a.id AS a, type(r) AS t, b.id AS b, properties(r) AS p",
        ])
        .output()
        .unwrap());
    let mut lines: Vec<String> = out.lines().map(String::from).collect();
    lines.sort();
    lines
}

#[test]
fn csv_export_imports_back_into_the_same_graph() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_db(dir.path());
    // Values the fixture lacks: integers, booleans, a list with a comma.
    ok(bin()
        .arg(&db)
        .args([
            "-c",
            "MATCH (a {id: 'belarus'}), (b {id: 'russia'}) CREATE (a)-[:TRADES {n: 3, ok: true, f: 0.1, tags: ['a, b', 'c']}]->(b)",
        ])
        .output()
        .unwrap());
    let out = dir.path().join("csv");
    let o = bin()
        .arg("export")
        .arg(&db)
        .args(["--format", "csv", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains("warning"), "{err}");
    let header = std::fs::read_to_string(out.join("links.csv")).unwrap();
    assert!(
        header.starts_with("src,dst,type,category:string,confidence:float,"),
        "{header}"
    );
    let copy = dir.path().join("copy");
    import(&copy, &out.join("actors.csv"), &out.join("links.csv"));
    let (a, b) = (contents(&db), contents(&copy));
    assert_eq!(a.len(), 30);
    assert_eq!(a, b);
}

#[test]
fn jsonl_has_one_object_per_node_and_link() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_db(dir.path());
    let out = ok(bin()
        .arg("export")
        .arg(&db)
        .args(["--format", "jsonl"])
        .output()
        .unwrap());
    let objs: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objs.len(), 29);
    assert_eq!(objs.iter().filter(|o| o["kind"] == "node").count(), 10);
    let link = objs.iter().find(|o| o["kind"] == "relationship").unwrap();
    assert!(link["type"].is_string() && link["start"].is_u64(), "{link}");
}

#[test]
fn export_errors_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_db(dir.path());
    // CSV needs a directory.
    let o = bin()
        .arg("export")
        .arg(&db)
        .args(["--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("-o DIR"), "{}", text(&o).1);
    // An unknown format is a usage error.
    let o = bin()
        .arg("export")
        .arg(&db)
        .args(["--format", "xml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    // A missing database is not created.
    let missing = dir.path().join("nope");
    let o = bin()
        .arg("export")
        .arg(&missing)
        .args(["--format", "dot"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
    assert!(text(&o).1.contains("no database at"), "{}", text(&o).1);
    assert!(!missing.exists());
    // A failing query: exit 1, positioned error, nothing on stdout.
    let o = bin()
        .arg("export")
        .arg(&db)
        .args(["--format", "dot", "-c", "MATCH (n) RETURN nope"])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err.contains("error[SyntaxError]") && err.contains("<command>:1:"),
        "{err}"
    );
    assert_eq!(out, "");
    // An updating query exports what it returns and changes nothing.
    let out = ok(bin()
        .arg("export")
        .arg(&db)
        .args([
            "--format",
            "jsonl",
            "-c",
            "CREATE (n:Ghost {id: 'g'}) RETURN n",
        ])
        .output()
        .unwrap());
    assert!(out.contains("\"Ghost\""), "{out}");
    let o = bin()
        .arg(&db)
        .args([
            "--format",
            "csv",
            "-c",
            "MATCH (n:Ghost) RETURN count(n) AS n",
        ])
        .output()
        .unwrap();
    assert_eq!(text(&o).0, "n\n0\n");
    // `export --help` explains the formats.
    let help = ok(bin().args(["export", "--help"]).output().unwrap());
    assert!(
        help.contains("KEY_lo") && help.contains("actors.csv"),
        "{help}"
    );
}

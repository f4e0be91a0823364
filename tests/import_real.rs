//! The FollowTheMoney and SIPRI importers on the real samples in
//! `../shared/data` (skipped, saying so, where that folder is absent). The
//! expectations are computed here from the raw files, independently of the
//! importer, or are facts read off the files by hand.

use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use supplygraph::io::import::{import_inputs, Inputs, Summary};
use supplygraph::value::Value;
use supplygraph::{Database, Params};

fn sample(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("SKIPPED: {} is absent", p.display());
        None
    }
}

fn ftm_sample() -> Option<PathBuf> {
    sample("opensanctions-zala/entities.ftm.json")
}

fn sipri_sample() -> Option<PathBuf> {
    sample("arms-transfers/trade-register-focus.csv")
}

fn load(inputs: &Inputs) -> (Database, Summary) {
    let mut db = Database::open_memory().unwrap();
    let summary = import_inputs(db.graph_mut(), inputs, &mut |_, _| {}).unwrap();
    (db, summary)
}

fn query(db: &mut Database, q: &str) -> Vec<Vec<Value>> {
    db.execute(q, &Params::new())
        .unwrap_or_else(|e| panic!("{q}: {}", e.headline()))
        .rows
}

fn one(db: &mut Database, q: &str) -> Value {
    let rows = query(db, q);
    assert_eq!(rows.len(), 1, "{q}: {rows:?}");
    rows[0][0].clone()
}

fn int(db: &mut Database, q: &str) -> i64 {
    match one(db, q) {
        Value::Int(n) => n,
        v => panic!("{q}: {v:?}"),
    }
}

fn entities(path: &Path) -> Vec<Json> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn values<'a>(e: &'a Json, prop: &str) -> Vec<&'a str> {
    e["properties"][prop]
        .as_array()
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default()
}

/// Counts expected from the raw FtM file: actors for things (Company,
/// Person, Address, Passport here), one `:Authority` per authority name, and
/// links per type, counting only ends whose entity is in the file.
struct FtmExpected {
    things: i64,
    authorities: i64,
    links: Vec<(&'static str, i64)>,
}

fn expected_ftm(raw: &[Json]) -> FtmExpected {
    let ids: HashSet<&str> = raw.iter().filter_map(|e| e["id"].as_str()).collect();
    let of = |schema: &'static str| raw.iter().filter(move |e| e["schema"] == schema);
    // Links made by an edge schema: one per (source, target) present in the file.
    let pairs = |schema: &'static str, s: &str, t: &str| -> i64 {
        of(schema)
            .map(|e| {
                let n = |p| values(e, p).iter().filter(|v| ids.contains(*v)).count();
                (n(s) * n(t)) as i64
            })
            .sum()
    };
    let authorities: BTreeSet<&str> = of("Sanction")
        .flat_map(|e| values(e, "authority"))
        .collect();
    let sanctions: i64 = of("Sanction")
        .map(|e| {
            let a = values(e, "authority").len().max(1);
            let t = values(e, "entity")
                .iter()
                .filter(|v| ids.contains(*v))
                .count();
            (a * t) as i64
        })
        .sum();
    let addresses: i64 = raw
        .iter()
        .flat_map(|e| values(e, "addressEntity"))
        .filter(|v| ids.contains(*v))
        .count() as i64;
    let dangling = raw
        .iter()
        .flat_map(|e| values(e, "addressEntity"))
        .filter(|v| !ids.contains(*v))
        .count();
    assert_eq!(
        dangling, 16,
        "SOURCE.md counts 16 dangling addressEntity references"
    );

    let count = |schema: &'static str| of(schema).count() as i64;
    FtmExpected {
        things: count("Company") + count("Person") + count("Address") + count("Passport"),
        authorities: authorities.len() as i64,
        links: vec![
            ("OWNS", pairs("Ownership", "owner", "asset")),
            ("DIRECTS", pairs("Directorship", "director", "organization")),
            ("RELATED_TO", pairs("Family", "person", "relative")),
            ("SANCTIONS", sanctions),
            ("ADDRESS_ENTITY", addresses),
            ("HOLDER", pairs("Passport", "holder", "holder")),
        ],
    }
}

#[test]
fn ftm_sample_becomes_actors_links_and_sanctions() {
    let Some(path) = ftm_sample() else { return };
    let raw = entities(&path);
    let want = expected_ftm(&raw);
    let of = |schema: &'static str| raw.iter().filter(move |e| e["schema"] == schema);
    let count = |schema: &'static str| of(schema).count() as i64;
    let (mut db, summary) = load(&Inputs {
        ftm: vec![path.clone()],
        ..Inputs::default()
    });
    assert_eq!(summary.nodes as i64, want.things + want.authorities);
    assert_eq!(
        int(&mut db, "MATCH (c:Company) RETURN count(c)"),
        count("Company")
    );
    assert_eq!(
        int(&mut db, "MATCH (p:Person) RETURN count(p)"),
        count("Person")
    );
    // Parent schemata are labels too.
    assert_eq!(
        int(&mut db, "MATCH (e:LegalEntity) RETURN count(e)"),
        count("Company") + count("Person")
    );
    assert_eq!(
        int(&mut db, "MATCH (a:Authority) RETURN count(a)"),
        want.authorities
    );
    let links = &want.links;
    for &(t, n) in links {
        assert_eq!(
            int(&mut db, &format!("MATCH ()-[r:{t}]->() RETURN count(r)")),
            n,
            "{t}"
        );
    }
    assert_eq!(
        summary.rels as i64,
        links.iter().map(|(_, n)| n).sum::<i64>()
    );
    let notes = summary.notes.join("\n");
    assert!(
        notes.contains("16 references to entities not in the input"),
        "{notes}"
    );
    assert!(notes.contains("addressEntity 16"), "{notes}");

    // Kalashnikov's 49 % stake in LLC CST (Zala Aero), from 2016-03-29, read off the file.
    let row = &query(
        &mut db,
        "MATCH (o)-[r:OWNS {id: 'ru-29477727b21c0f44d9c8b2e0c3697b8e028f8f5f'}]->(a) \
         RETURN o.id, a.id, r.share, toString(r.since), r.until, r.percentage, r.schema",
    )[0];
    assert_eq!(row[0], Value::String("NK-nR5AXM9AVPq4pQaSPSaVam".into()));
    assert_eq!(row[1], Value::String("NK-abdzbEBkqyT29GyREbiURZ".into()));
    assert_eq!(row[2], Value::Float(0.49));
    assert_eq!(row[3], Value::String("2016-03-29".into()));
    assert_eq!(row[4], Value::Null);
    assert_eq!(row[5], Value::List(vec![Value::Int(49)]));
    assert_eq!(row[6], Value::String("Ownership".into()));

    // AS OF reads startDate/endDate: the stakes in LLC CST valid in 2020,
    // counted from the raw file at year precision.
    let year = |e: &Json, p: &str| -> Option<i32> {
        values(e, p)
            .first()
            .and_then(|d| d.get(..4))
            .and_then(|y| y.parse().ok())
    };
    let valid_2020 = of("Ownership")
        .filter(|e| values(e, "asset") == ["NK-abdzbEBkqyT29GyREbiURZ"])
        .filter(|e| year(e, "startDate").is_none_or(|y| y <= 2020))
        .filter(|e| year(e, "endDate").is_none_or(|y| y >= 2020))
        .count() as i64;
    let owned = |at: &str| {
        format!(
            "MATCH (o)-[r:OWNS]->(a {{id: 'NK-abdzbEBkqyT29GyREbiURZ'}}) AS OF {at} RETURN count(r)"
        )
    };
    assert_eq!(int(&mut db, &owned("2020")), valid_2020);
    assert!(int(&mut db, &owned("2010")) < valid_2020);

    // A name with ';' in it is one alias, and finds its actor.
    let alias = "NPO Izhmash OAO;OJSC Concern Kalashnikov";
    assert!(raw.iter().any(|e| values(e, "alias").contains(&alias)));
    assert_eq!(
        one(
            &mut db,
            &format!("MATCH (a:Company) WHERE '{alias}' IN a.aliases RETURN a.id")
        ),
        Value::String("NK-nR5AXM9AVPq4pQaSPSaVam".into())
    );
    assert_eq!(
        one(
            &mut db,
            &format!("MATCH (a) WHERE a = @\"{alias}\" RETURN a.id")
        ),
        Value::String("NK-nR5AXM9AVPq4pQaSPSaVam".into())
    );
    // Dates are dates and lists stay lists, for every person (compared with
    // the file rather than copied from it: the records are real people).
    for person in of("Person") {
        let want: Vec<Value> = values(person, "birthDate")
            .iter()
            .map(|d| Value::Date(supplygraph::value::Date::parse(d).unwrap()))
            .collect();
        let got = one(
            &mut db,
            &format!(
                "MATCH (p:Person {{id: '{}'}}) RETURN p.birthDate",
                person["id"].as_str().unwrap()
            ),
        );
        assert_eq!(got, Value::List(want));
    }
    // Who sanctions LLC CST, by authority: as many as the file's Sanctions say.
    let on_cst: BTreeMap<&str, i64> = of("Sanction")
        .filter(|e| values(e, "entity") == ["NK-abdzbEBkqyT29GyREbiURZ"])
        .flat_map(|e| values(e, "authority"))
        .fold(BTreeMap::new(), |mut m, a| {
            *m.entry(a).or_default() += 1;
            m
        });
    let rows = query(
        &mut db,
        "MATCH (a:Authority)-[r:SANCTIONS]->({id: 'NK-abdzbEBkqyT29GyREbiURZ'}) \
         RETURN a.name, count(r) ORDER BY a.name",
    );
    let got: BTreeMap<String, i64> = rows
        .iter()
        .map(|r| match (&r[0], &r[1]) {
            (Value::String(a), Value::Int(n)) => (a.clone(), *n),
            other => panic!("{other:?}"),
        })
        .collect();
    let want: BTreeMap<String, i64> = on_cst.iter().map(|(a, n)| (a.to_string(), *n)).collect();
    assert_eq!(got, want);
}

#[test]
fn ftm_create_missing_actors_makes_stubs_for_dangling_references() {
    let Some(path) = ftm_sample() else { return };
    let (mut db, summary) = load(&Inputs {
        ftm: vec![path],
        create_missing_actors: true,
        ..Inputs::default()
    });
    assert!(!summary
        .notes
        .join("\n")
        .contains("not in the input, so no link"));
    // The 16 dangling references name 16 or fewer distinct addresses.
    let stubs = int(&mut db, "MATCH (a:Address {stub: true}) RETURN count(a)");
    assert!((1..=16).contains(&stubs), "{stubs}");
    assert_eq!(
        int(
            &mut db,
            "MATCH (x)-[r:ADDRESS_ENTITY]->(a:Address {stub: true}) RETURN count(r)"
        ),
        16
    );
}

/// The register's rows as the `csv` crate reads them, by header.
fn register(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let headers = rdr.headers().unwrap().clone();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .map(String::from)
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn sipri_sample_becomes_supplies_links() {
    let Some(path) = sipri_sample() else { return };
    let rows = register(&path);
    let actors: BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| [r["Supplier"].as_str(), r["Recipient"].as_str()])
        .collect();
    let (mut db, summary) = load(&Inputs {
        sipri: vec![path.clone()],
        ..Inputs::default()
    });
    assert_eq!(summary.rels as usize, rows.len());
    assert_eq!(summary.nodes as usize, actors.len());
    assert_eq!(
        int(&mut db, "MATCH ()-[r:SUPPLIES]->() RETURN count(r)") as usize,
        rows.len()
    );
    let groups = actors
        .iter()
        .filter(|a| a.ends_with('*') && !a.ends_with("**"))
        .count();
    let orgs = actors.iter().filter(|a| a.ends_with("**")).count();
    assert_eq!(
        int(&mut db, "MATCH (a:NonStateActor) RETURN count(a)") as usize,
        groups
    );
    assert_eq!(
        int(&mut db, "MATCH (a:Organization) RETURN count(a)") as usize,
        orgs
    );
    // Russia's deals and units ordered, summed from the raw rows.
    let from_russia: Vec<_> = rows.iter().filter(|r| r["Supplier"] == "Russia").collect();
    let ordered: i64 = from_russia
        .iter()
        .filter_map(|r| r["Number ordered"].parse::<i64>().ok())
        .sum();
    let uncertain = from_russia
        .iter()
        .filter(|r| r["Number ordered uncertain"] == "?")
        .count() as i64;
    let q = "MATCH (s:Country {name: 'Russia'})-[r:SUPPLIES]->() \
             RETURN count(r), sum(r.ordered), sum(CASE WHEN r.orderedUncertain THEN 1 ELSE 0 END)";
    let row = &query(&mut db, q)[0];
    assert_eq!(
        row[..],
        [
            Value::Int(from_russia.len() as i64),
            Value::Int(ordered),
            Value::Int(uncertain)
        ]
    );
    // The file's first deal: Afghanistan gets 6 Mi-17 (second-hand) from
    // Russia, ordered 2010 (uncertain), delivered 2011, TIV 2.9 / 17.4 / 17.4.
    let row = &query(
        &mut db,
        "MATCH (s {name: 'Russia'})-[r:SUPPLIES {designation: 'Mi-17', orderYear: 2010}]->(t {name: 'Afghanistan'}) \
         RETURN r.ordered, r.orderedUncertain, r.orderYearUncertain, r.deliveredUncertain, \
                r.deliveryYears, r.status, r.category, r.tivUnit, r.tivOrder, r.tivDelivered, toString(r.since)",
    )[0];
    assert_eq!(
        row[..],
        [
            Value::Int(6),
            Value::Bool(true),
            Value::Bool(true),
            Value::Bool(false),
            Value::List(vec![Value::Int(2011)]),
            Value::String("Second hand".into()),
            Value::String("transport helicopter".into()),
            Value::Float(2.9),
            Value::Float(17.4),
            Value::Float(17.4),
            Value::String("2010".into()),
        ]
    );
    // Deliveries over several years stay a list; a delivered TIV of 0 for
    // something delivered is the estimate 0..0.5.
    let multi = rows
        .iter()
        .filter(|r| r["Year(s) of delivery"].contains(';'))
        .count() as i64;
    assert_eq!(
        int(
            &mut db,
            "MATCH ()-[r:SUPPLIES]->() WHERE size(r.deliveryYears) > 1 RETURN count(r)"
        ),
        multi
    );
    let tiny = rows
        .iter()
        .filter(|r| {
            r["SIPRI TIV of delivered weapons"] == "0"
                && r["Number delivered"].parse::<i64>().unwrap_or(0) > 0
        })
        .count() as i64;
    assert_eq!(
        int(
            &mut db,
            "MATCH ()-[r:SUPPLIES]->() WHERE hi(r.tivDelivered) = 0.5 AND lo(r.tivDelivered) = 0.0 RETURN count(r)"
        ),
        tiny
    );
}

#[test]
fn sipri_register_in_its_original_form_reads_the_same() {
    let Some(path) = sipri_sample() else { return };
    // SIPRI's own export: a preamble, blank headers on the flag columns and
    // Windows-1252 text.
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap()
        .replace("Order year uncertain", " ")
        .replace("Number ordered uncertain", " ")
        .replace("Number delivered uncertain", " ");
    let mut raw = b"SIPRI Arms Transfers Database\nNotes\n\nSource: SIPRI\n".to_vec();
    raw.extend(header.as_bytes());
    raw.push(b'\n');
    for l in lines {
        raw.extend(
            l.chars()
                .map(|c| if (c as u32) < 256 { c as u8 } else { b'?' }),
        );
        raw.push(b'\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("trade-register.csv");
    std::fs::write(&original, raw).unwrap();
    let (mut a, sa) = load(&Inputs {
        sipri: vec![path],
        ..Inputs::default()
    });
    let (mut b, sb) = load(&Inputs {
        sipri: vec![original],
        ..Inputs::default()
    });
    assert_eq!((sa.nodes, sa.rels), (sb.nodes, sb.rels));
    let q = "MATCH ()-[r:SUPPLIES]->() RETURN count(r), sum(CASE WHEN r.deliveredUncertain THEN 1 ELSE 0 END), sum(r.delivered)";
    assert_eq!(query(&mut a, q), query(&mut b, q));
}

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
fn binary_imports_both_samples_and_answers_queries() {
    let (Some(ftm), Some(sipri)) = (ftm_sample(), sipri_sample()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let o = bin()
        .arg("import")
        .arg(&db)
        .arg("--ftm")
        .arg(&ftm)
        .arg("--sipri")
        .arg(&sipri)
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let rows = register(&sipri).len();
    let want = expected_ftm(&entities(&ftm));
    let sipri_actors: BTreeSet<String> = register(&sipri)
        .into_iter()
        .flat_map(|r| [r["Supplier"].clone(), r["Recipient"].clone()])
        .collect();
    let actors = want.things + want.authorities + sipri_actors.len() as i64;
    let links = want.links.iter().map(|(_, n)| n).sum::<i64>() + rows as i64;
    assert!(
        out.starts_with(&format!("imported {actors} actors, {links} links in ")),
        "{out}"
    );
    assert!(
        err.contains("16 references to entities not in the input"),
        "{err}"
    );
    assert!(err.contains(&format!("{rows} deals")), "{err}");
    let o = bin().arg("check").arg(&db).output().unwrap();
    assert!(o.status.success(), "{}", text(&o).1);

    let o = bin()
        .arg(&db)
        .args([
            "--format",
            "csv",
            "-c",
            "MATCH (s)-[r:SUPPLIES]->(t:Country {name: 'Ukraine'}) WHERE s.name = 'Russia' RETURN count(r) AS n",
        ])
        .output()
        .unwrap();
    let raw = register(&sipri);
    let n = raw
        .iter()
        .filter(|r| r["Supplier"] == "Russia" && r["Recipient"] == "Ukraine")
        .count();
    assert_eq!(text(&o).0, format!("n\n{n}\n"), "{}", text(&o).1);

    let o = bin()
        .arg(&db)
        .args([
            "--format",
            "json",
            "-c",
            "MATCH (o)-[r:OWNS]->(a {id: 'NK-abdzbEBkqyT29GyREbiURZ'}) WHERE r.share >= 0.5 \
             RETURN r.id AS id, r.share AS share ORDER BY id",
        ])
        .output()
        .unwrap();
    let got: Json =
        serde_json::from_str(&text(&o).0).unwrap_or_else(|e| panic!("{e}: {:?}", text(&o)));
    let want: Vec<Json> = entities(&ftm)
        .into_iter()
        .filter(|e| e["schema"] == "Ownership")
        .filter(|e| values(e, "asset") == ["NK-abdzbEBkqyT29GyREbiURZ"])
        .filter_map(|e| {
            let p: f64 = values(&e, "percentage").first()?.parse().ok()?;
            (p >= 50.0).then(|| serde_json::json!({"id": e["id"], "share": p / 100.0}))
        })
        .collect();
    let mut want = want;
    want.sort_by_key(|j| j["id"].as_str().unwrap().to_string());
    assert!(!want.is_empty());
    assert_eq!(got, Json::Array(want));
}

#[test]
fn binary_csv_with_map_and_create_missing_actors() {
    let Some(sipri) = sipri_sample() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let run = |extra: &[&str]| {
        bin()
            .arg("import")
            .arg(&db)
            .arg("--relationships")
            .arg(format!("SUPPLIES={}", sipri.display()))
            .args(extra)
            .output()
            .unwrap()
    };
    // Without the mapping the file has no src/dst: refused, nothing left behind.
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).1.contains("missing required column 'src'"),
        "{}",
        text(&o).1
    );
    assert!(!db.exists());
    // Mapped but actors unknown: refused, naming the line and column.
    let o = run(&["--map", "src=Supplier,dst=Recipient"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o)
            .1
            .contains(":2:2 (column 'src'): unknown actor 'Russia'"),
        "{}",
        text(&o).1
    );
    assert!(!db.exists());
    let o = run(&[
        "--map",
        "src=Supplier,dst=Recipient",
        "--create-missing-actors",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let rows = register(&sipri);
    let actors: BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| [r["Supplier"].as_str(), r["Recipient"].as_str()])
        .collect();
    assert!(
        out.starts_with(&format!(
            "imported {} actors, {} links",
            actors.len(),
            rows.len()
        )),
        "{out}"
    );
    let o = bin()
        .arg(&db)
        .args(["--format", "csv", "-c", "MATCH (s {name: 'China'})-[r:SUPPLIES]->() RETURN count(r) AS n, min(r.`Year of order`) AS first"])
        .output()
        .unwrap();
    let china: Vec<_> = rows.iter().filter(|r| r["Supplier"] == "China").collect();
    let first = china
        .iter()
        .map(|r| r["Year of order"].parse::<i64>().unwrap())
        .min()
        .unwrap();
    assert_eq!(text(&o).0, format!("n,first\n{},{first}\n", china.len()));
}

#[test]
fn unterminated_quote_is_refused_with_its_line_and_no_directory_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("actors.csv");
    let mut body = String::from("id,name\n");
    for i in 1..=1000 {
        if i == 4 {
            body += "a4,\"Acme Ltd\n";
        } else {
            body += &format!("a{i},Actor {i}\n");
        }
    }
    std::fs::write(&csv, body).unwrap();
    let db = dir.path().join("db");
    let o = bin()
        .arg("import")
        .arg(&db)
        .arg("--nodes")
        .arg(&csv)
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("actors.csv:5:2 (column 'name'): unterminated quoted field"),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(!db.exists());
}

#[test]
fn bad_ftm_input_is_refused_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("e.json");
    let good = r#"{"id": "p1", "schema": "Person", "properties": {"name": ["A"]}}"#;
    for (bad, want) in [
        (
            r#"{"id": "p2", "schema": "Person", "properties": {"name": "B"}}"#,
            "e.json:3: not a FollowTheMoney entity",
        ),
        ("{not json", "e.json:3: not a FollowTheMoney entity"),
        (
            r#"{"id": "p1", "schema": "Company"}"#,
            "e.json:3 (field 'id'): duplicate id 'p1'",
        ),
        ("\u{0}\u{1}", "e.json:3: not a FollowTheMoney entity"),
    ] {
        std::fs::write(&file, format!("{good}\n\n{bad}\n")).unwrap();
        let db = dir.path().join("db");
        let o = bin()
            .arg("import")
            .arg(&db)
            .arg("--ftm")
            .arg(&file)
            .output()
            .unwrap();
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains(want), "{bad}: {err}");
        assert!(!db.exists());
    }
}

#[test]
fn import_help_describes_arguments_and_csv_rules() {
    let o = bin().args(["import", "--help"]).output().unwrap();
    let (out, _) = text(&o);
    assert!(o.status.success());
    for want in [
        "--ftm",
        "--sipri",
        "--map",
        "--create-missing-actors",
        "--nodes",
        "never closed",
        "doubled",
        "All or nothing",
    ] {
        assert!(out.contains(want), "{want}: {out}");
    }
}

/// Through the binary: a link file's properties of every column type
/// (encoded as they are parsed, on the reading thread) read back as
/// written, an empty cell as no property, whichever columns a row leaves
/// empty.
#[test]
fn link_properties_of_every_column_type_read_back_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let (actors, links, db) = (
        dir.path().join("a.csv"),
        dir.path().join("l.csv"),
        dir.path().join("db"),
    );
    std::fs::write(&actors, "id,name\na1,A\na2,B\n").unwrap();
    std::fs::write(
        &links,
        "src,dst,type,w:int,share:float,ok:bool,note,since:date,tags:string[],est,at:datetime,gap:int\n\
         a1,a2,SUPPLIES,3,0.25,true,\"é, \"\"q\"\"\",2020-05,x;y,10..20,2024-01-02T03:04:05Z,\n\
         a2,a1,OWNS,-7,3.141592653589793,false,,2019,,1.5,,4\n",
    )
    .unwrap();
    let o = bin()
        .arg("import")
        .arg(&db)
        .arg("--nodes")
        .arg(&actors)
        .arg("--relationships")
        .arg(&links)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let o = bin()
        .arg(&db)
        .args([
            "--format",
            "jsonl",
            "-c",
            "MATCH (s)-[r]->() RETURN s.id AS s, type(r) AS t, properties(r) AS p ORDER BY s",
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(
        out,
        concat!(
            r#"{"s": "a1", "t": "SUPPLIES", "p": {"at": "2024-01-02T03:04:05Z", "est": {"lo": 10.0, "hi": 20.0}, "note": "é, \"q\"", "ok": true, "share": 0.25, "since": "2020-05", "tags": ["x", "y"], "w": 3}}"#,
            "\n",
            r#"{"s": "a2", "t": "OWNS", "p": {"est": 1.5, "gap": 4, "ok": false, "share": 3.141592653589793, "since": "2019", "w": -7}}"#,
            "\n"
        )
    );
}

/// A database at `dir/db` made by importing the Belarus fixture with the
/// binary.
fn imported_fixture(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("db");
    let fixture = |f: &str| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/belarus-2025")
            .join(f)
    };
    let o = bin()
        .arg("import")
        .arg(&db)
        .arg("--nodes")
        .arg(fixture("actors.csv"))
        .arg("--relationships")
        .arg(fixture("links.csv"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    db
}

#[test]
fn a_failed_import_into_an_existing_database_keeps_it_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported_fixture(dir.path());
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"id\": \"x\", \"schema\": \"Person\"}\n[]\n").unwrap();
    let o = bin()
        .arg("import")
        .arg(&db)
        .arg("--ftm")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o)
            .1
            .contains("bad.json:2: not a FollowTheMoney entity"),
        "{}",
        text(&o).1
    );
    let o = bin().arg("check").arg(&db).output().unwrap();
    assert_eq!(text(&o).0.trim(), "ok: 10 actors, 19 links");
}

/// A second import of links into a database that has links appends to the
/// lists the first import wrote: every path through them is still found.
#[test]
fn a_second_import_of_links_extends_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported_fixture(dir.path());
    let more = dir.path().join("more.csv");
    std::fs::write(
        &more,
        "src,dst,type,category\nchina_manufacturers,belarus_factories,SUPPLIES,electronics\nbelarus,russia,SUPPLIES,optics\n",
    )
    .unwrap();
    let o = bin()
        .arg("import")
        .arg(&db)
        .arg("--relationships")
        .arg(&more)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let q = "MATCH ({id: 'china_manufacturers'})-[r*1..3]->(b {id: 'russia'})
             RETURN [x IN r | x.category] AS via ORDER BY via";
    let o = bin()
        .arg(&db)
        .args(["--format", "csv", "-c", q])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let out = text(&o).0;
    // Through the new link to the factories, and through Belarus's old and
    // new links to Russia.
    assert!(out.contains("electronics"), "{out}");
    assert!(out.contains("optics"), "{out}");
    let o = bin()
        .arg(&db)
        .args([
            "--format",
            "csv",
            "-c",
            "MATCH ({id: 'belarus'})-[r]->({id: 'russia'}) RETURN count(r) AS n",
        ])
        .output()
        .unwrap();
    assert_eq!(text(&o).0, "n\n9\n");
    let o = bin().arg("check").arg(&db).output().unwrap();
    assert_eq!(text(&o).0.trim(), "ok: 10 actors, 21 links");
}

/// Arbitrary bytes in any importer's input give an error or an import, never
/// a panic (a panic would exit with 101).
#[test]
fn garbage_never_panics_an_importer() {
    let dir = tempfile::tempdir().unwrap();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet = b"ab,\"\n\r;:*?{}[]0123456789.- \xff\xc3";
    for round in 0..24 {
        let len = (next() % 200) as usize;
        let mut bytes: Vec<u8> = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        let (flag, prefix): (&str, &[u8]) = match round % 4 {
            0 => ("--ftm", b"{\"id\": \"a\", \"schema\": \"Ownership\", \"properties\": {\"owner\": [\"a\"]}}\n"),
            1 => ("--sipri", b"Recipient,Supplier,Year of order,Weapon designation\n"),
            2 => ("--nodes", b"id,name\n"),
            _ => ("--relationships", b"src,dst,type\n"),
        };
        bytes.splice(0..0, prefix.iter().copied());
        let file = dir.path().join(format!("in{round}"));
        std::fs::write(&file, &bytes).unwrap();
        let db = dir.path().join(format!("db{round}"));
        let o = bin()
            .arg("import")
            .arg(&db)
            .arg(flag)
            .arg(&file)
            .arg("--create-missing-actors")
            .output()
            .unwrap();
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{flag} {:?}: {:?}",
            String::from_utf8_lossy(&bytes),
            text(&o)
        );
    }
}

#[test]
fn an_open_quote_in_a_middle_column_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("actors.csv");
    std::fs::write(&csv, "id,name,note\na1,A,x\na2,\"B,y\na3,C,z\n").unwrap();
    let db = dir.path().join("db");
    let o = bin()
        .arg("import")
        .arg(&db)
        .arg("--nodes")
        .arg(&csv)
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("actors.csv:3:2 (column 'name'): unterminated quoted field"),
        "{err}"
    );
}

#[test]
fn ftm_edge_ends_missing_from_the_input_are_counted_or_stubbed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("e.json");
    std::fs::write(
        &file,
        [
            r#"{"id": "own1", "schema": "Ownership", "properties": {"owner": ["ghost"], "asset": ["c1"], "startDate": ["2020-05"], "endDate": ["2022"], "percentage": ["40", "60"]}}"#,
            r#"{"id": "c1", "schema": "Company", "caption": "C; One", "properties": {"name": ["C; One"], "incorporationDate": ["2001-02-03T00:00:00"]}}"#,
            r#"{"id": "s1", "schema": "Sanction", "properties": {"entity": ["c1"]}}"#,
            r#"{"id": "half", "schema": "Directorship", "properties": {"organization": ["c1"]}}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let inputs = |create| Inputs {
        ftm: vec![file.clone()],
        create_missing_actors: create,
        ..Inputs::default()
    };
    let (mut db, summary) = load(&inputs(false));
    let notes = summary.notes.join("\n");
    assert!(
        notes.contains("1 reference to an entity not in the input, so no link made (owner 1)"),
        "{notes}"
    );
    assert_eq!(int(&mut db, "MATCH ()-[r:OWNS]->() RETURN count(r)"), 0);
    // A Sanction naming no authority comes from "unknown authority".
    assert_eq!(
        one(
            &mut db,
            "MATCH (a:Authority)-[:SANCTIONS]->({id: 'c1'}) RETURN a.name"
        ),
        Value::String("unknown authority".into())
    );
    // A Directorship without its director stays an actor, linked to its organization.
    assert_eq!(
        one(
            &mut db,
            "MATCH (d:Directorship)-[:ORGANIZATION]->(c) RETURN c.name"
        ),
        Value::String("C; One".into())
    );
    assert_eq!(
        one(
            &mut db,
            "MATCH (c:Company) RETURN toString(c.incorporationDate[0])"
        ),
        Value::String("2001-02-03".into())
    );

    let (mut db, _) = load(&inputs(true));
    let row = &query(
        &mut db,
        "MATCH (o:LegalEntity {stub: true})-[r:OWNS]->(c {id: 'c1'}) \
         RETURN o.id, toString(r.since), toString(r.until), lo(r.share), hi(r.share)",
    )[0];
    assert_eq!(
        row[..],
        [
            Value::String("ghost".into()),
            Value::String("2020-05".into()),
            Value::String("2022".into()),
            Value::Float(0.4),
            Value::Float(0.6)
        ]
    );
    // AS OF uses the validity: in 2019 the stake did not exist yet, in 2021 it did.
    let at = |y| format!("MATCH ()-[r:OWNS]->() AS OF {y} RETURN count(r)");
    assert_eq!(int(&mut db, &at(2019)), 0);
    assert_eq!(int(&mut db, &at(2021)), 1);
    assert_eq!(int(&mut db, &at(2023)), 0);
}

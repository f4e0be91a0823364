//! Value matching, table comparison and helper tests.

use crate::error::Phase;
use crate::result::{Entities, NodeData, QueryResult, RelData};
use crate::tck::compare::{self, compare_table, matches, multiset_match, Mode};
use crate::tck::notation;
use crate::tck::run::{parse_error_step, split_statements};
use crate::tck::{report, scenario_id};
use crate::value::{Date, Path as VPath, Value};

fn ents() -> Entities {
    let mut e = Entities::default();
    let node = |id, labels: &[&str], props: &[(&str, Value)]| NodeData {
        id,
        labels: labels.iter().map(|s| s.to_string()).collect(),
        properties: props
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    };
    e.nodes.insert(
        1,
        node(1, &["B", "A"], &[("name", Value::String("x".into()))]),
    );
    e.nodes.insert(2, node(2, &[], &[]));
    e.rels.insert(
        7,
        RelData {
            id: 7,
            rel_type: "T".into(),
            start: 1,
            end: 2,
            properties: [("w".to_string(), Value::Float(0.5))].into(),
        },
    );
    e
}

fn m(exp: &str, act: &Value) -> bool {
    matches(&notation::parse(exp).unwrap(), act, &ents(), false)
}

#[test]
fn value_matching() {
    assert!(m("(:A:B {name: 'x'})", &Value::Node(1)));
    assert!(m("(:B:A {name: 'x'})", &Value::Node(1)));
    assert!(!m("(:A {name: 'x'})", &Value::Node(1)));
    assert!(!m("(:A:B)", &Value::Node(1)));
    assert!(m("()", &Value::Node(2)));
    assert!(!m("()", &Value::Node(3)));
    assert!(m("[:T {w: 0.5}]", &Value::Rel(7)));
    assert!(!m("[:T {w: 1}]", &Value::Rel(7)));
    assert!(!m("[:U {w: 0.5}]", &Value::Rel(7)));
    let p = Value::Path(Box::new(VPath {
        nodes: vec![1, 2],
        rels: vec![7],
    }));
    assert!(m("<(:A:B {name: 'x'})-[:T {w: 0.5}]->()>", &p));
    assert!(!m("<(:A:B {name: 'x'})<-[:T {w: 0.5}]-()>", &p));
    let back = Value::Path(Box::new(VPath {
        nodes: vec![2, 1],
        rels: vec![7],
    }));
    assert!(m("<()<-[:T {w: 0.5}]-(:A:B {name: 'x'})>", &back));
    assert!(m(
        "<()>",
        &Value::Path(Box::new(VPath {
            nodes: vec![2],
            rels: vec![]
        }))
    ));
    assert_eq!(
        compare::render(&back, &ents()),
        "<()<-[:T {w: 0.5}]-(:B:A {name: 'x'})>"
    );
    assert!(m("NaN", &Value::Float(f64::NAN)));
    assert!(!m("NaN", &Value::Float(1.0)));
    assert!(m("3985764.3405892686", &Value::Float(3985764.3405892687)));
    assert!(m("0.30000000000000004", &Value::Float(0.1 + 0.2)));
    assert!(!m("0.3", &Value::Float(0.31)));
    assert!(!m("1", &Value::Float(1.0)));
    assert!(!m("1.0", &Value::Int(1)));
    assert!(m("-Inf", &Value::Float(f64::NEG_INFINITY)));
    assert!(m(
        "{a: [1, null]}",
        &Value::Map(
            [(
                "a".to_string(),
                Value::List(vec![Value::Int(1), Value::Null])
            )]
            .into()
        )
    ));
    assert!(!m(
        "{a: 1}",
        &Value::Map(
            [
                ("a".to_string(), Value::Int(1)),
                ("b".to_string(), Value::Null)
            ]
            .into()
        )
    ));
    assert!(m(
        "'2022-03'",
        &Value::Date(Date::parse("2022-03").unwrap())
    ));
    assert!(!m(
        "[1, 2]",
        &Value::List(vec![Value::Int(2), Value::Int(1)])
    ));
    let l = Value::List(vec![Value::Int(2), Value::Int(1), Value::Int(2)]);
    assert!(matches(
        &notation::parse("[2, 2, 1]").unwrap(),
        &l,
        &ents(),
        true
    ));
    assert!(!matches(
        &notation::parse("[1, 1, 2]").unwrap(),
        &l,
        &ents(),
        true
    ));
}

fn table(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[test]
fn table_comparison() {
    let res = QueryResult {
        columns: vec!["a".into(), "b".into()],
        rows: vec![
            vec![Value::Int(1), Value::Node(2)],
            vec![Value::Int(1), Value::Node(2)],
            vec![Value::Int(2), Value::Null],
        ],
        entities: ents(),
        ..Default::default()
    };
    let any = Mode::default();
    let ordered = Mode {
        ordered: true,
        ..Default::default()
    };
    let t = table(&[&["a", "b"], &["2", "null"], &["1", "()"], &["1", "()"]]);
    assert!(compare_table(&t, &res, any).is_ok());
    assert!(compare_table(&t, &res, ordered).is_err());
    // Multiplicities count.
    let t2 = table(&[&["a", "b"], &["2", "null"], &["1", "()"], &["2", "null"]]);
    let err = compare_table(&t2, &res, any).unwrap_err();
    assert!(err.contains("1 missing, 1 unexpected"), "{err}");
    let t3 = table(&[&["a", "b"], &["1", "()"], &["1", "()"], &["2", "null"]]);
    assert!(compare_table(&t3, &res, ordered).is_ok());
    let err = compare_table(&table(&[&["a", "b"], &["1", "(:X"]]), &res, any).unwrap_err();
    assert!(err.contains("cannot parse"), "{err}");
    let empty = QueryResult {
        columns: vec!["a".into()],
        ..Default::default()
    };
    assert!(compare_table(&table(&[&["a"]]), &empty, any).is_ok());
    assert!(compare_table(&table(&[&["a"], &["1"]]), &empty, any).is_err());
    // Exact matching even when greedy choice would fail.
    assert!(multiset_match(&[1, 2], &[2, 1], |a, b| a <= b).is_ok());
}

#[test]
fn misc_helpers() {
    assert_eq!(
        split_statements("CREATE (a {x: ';'});\n// c;\nCREATE (b);\n"),
        vec!["CREATE (a {x: ';'})", "CREATE (b)"]
    );
    let e = parse_error_step("a TypeError should be raised at any time: *").unwrap();
    assert_eq!(
        (e.kind.as_str(), e.phase, e.code.as_str()),
        ("TypeError", None, "*")
    );
    let e = parse_error_step("a SyntaxError should be raised at compile time: UndefinedVariable")
        .unwrap();
    assert_eq!(e.phase, Some(Phase::Compile));
    assert!(parse_error_step("a SyntaxError should be raised at noon: X").is_none());
    assert_eq!(
        scenario_id("features/a/B.feature", "[1] x", Some(3)),
        "features/a/B.feature :: [1] x #3"
    );
    assert_eq!(
        report::parse_list("# c\n\n a :: b \n"),
        vec!["a :: b".to_string()]
    );
}

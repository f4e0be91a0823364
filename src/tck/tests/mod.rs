//! Runner tests: a fake engine on crafted features, and parsing the real
//! TCK under `../shared/tck` (skipped with a note when it is absent).

use super::*;
use crate::error::{Error, ErrorKind, Phase};
use crate::result::{NodeData, QueryResult, Stats};
use crate::value::{Date, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn tck_dir() -> Option<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tck");
    if d.join("features").is_dir() {
        Some(d)
    } else {
        eprintln!("TCK not found at {}, skipping", d.display());
        None
    }
}

/// A fake engine answering a fixed set of queries; `CREATE (:A)` and
/// `MATCH (n) RETURN n` keep a little state.
struct Fake {
    nodes: Vec<NodeData>,
    procs: Vec<String>,
}

fn one(col: &str, v: Value) -> QueryResult {
    QueryResult {
        columns: vec![col.into()],
        rows: vec![vec![v]],
        ..Default::default()
    }
}

impl Engine for Fake {
    fn fresh() -> Result<Self, Error> {
        Ok(Fake {
            nodes: Vec::new(),
            procs: Vec::new(),
        })
    }

    fn execute(
        &mut self,
        query: &str,
        params: &BTreeMap<String, Value>,
    ) -> Result<QueryResult, Error> {
        let q = query.trim();
        Ok(match q {
            "RETURN 1 AS x" => one("x", Value::Int(1)),
            "RETURN 1.0 AS x" => one("x", Value::Float(1.0)),
            "RETURN $p AS p" => one("p", params.get("p").cloned().unwrap_or_default()),
            "RETURN [3, 1, 2] AS l" => one(
                "l",
                Value::List(vec![Value::Int(3), Value::Int(1), Value::Int(2)]),
            ),
            "RETURN date('1984-10-11') AS d" => {
                one("d", Value::Date(Date::parse("1984-10-11").unwrap()))
            }
            "UNWIND [2, 1] AS x RETURN x" => QueryResult {
                columns: vec!["x".into()],
                rows: vec![vec![Value::Int(2)], vec![Value::Int(1)]],
                ..Default::default()
            },
            "CREATE (:A)" => {
                let id = self.nodes.len() as u64;
                self.nodes.push(NodeData {
                    id,
                    labels: vec!["A".into()],
                    properties: BTreeMap::new(),
                });
                QueryResult {
                    stats: Stats {
                        nodes_created: 1,
                        labels_added: 1,
                        ..Default::default()
                    },
                    ..Default::default()
                }
            }
            "MATCH (n) RETURN n" => {
                let mut r = QueryResult {
                    columns: vec!["n".into()],
                    ..Default::default()
                };
                for n in &self.nodes {
                    r.rows.push(vec![Value::Node(n.id)]);
                    r.entities.nodes.insert(n.id, n.clone());
                }
                r
            }
            "CALL test.p()" if self.procs.iter().any(|p| p.starts_with("test.p()")) => {
                one("out", Value::String("A".into()))
            }
            "BAD" => {
                return Err(Error::new(
                    ErrorKind::SyntaxError,
                    "UnexpectedSyntax",
                    Phase::Compile,
                    "bad",
                ))
            }
            "DIVIDE" => {
                return Err(Error::runtime(
                    ErrorKind::ArgumentError,
                    "NumberOutOfRange",
                    "/ by zero",
                ))
            }
            "PANIC" => panic!("fake engine panics"),
            "HANG" => {
                std::thread::sleep(Duration::from_secs(5));
                QueryResult::default()
            }
            _ => {
                return Err(Error::new(
                    ErrorKind::SyntaxError,
                    "UnknownQuery",
                    Phase::Compile,
                    format!("fake engine does not know `{q}`"),
                ))
            }
        })
    }

    fn register_procedure(
        &mut self,
        signature: &str,
        header: Vec<String>,
        rows: Vec<Vec<Value>>,
    ) -> Result<(), String> {
        assert_eq!(header, vec!["out".to_string()]);
        assert_eq!(rows, vec![vec![Value::String("A".into())]]);
        self.procs.push(signature.to_string());
        Ok(())
    }
}

/// Accepts everything and returns nothing (checks that every TCK step is known).
struct Null;

impl Engine for Null {
    fn fresh() -> Result<Self, Error> {
        Ok(Null)
    }
    fn execute(&mut self, _: &str, _: &BTreeMap<String, Value>) -> Result<QueryResult, Error> {
        Ok(QueryResult::default())
    }
    fn register_procedure(
        &mut self,
        _: &str,
        _: Vec<String>,
        _: Vec<Vec<Value>>,
    ) -> Result<(), String> {
        Ok(())
    }
}

const FEATURE: &str = r#"Feature: Fake1 - runner self-test

  Scenario: [1] pass
    Given an empty graph
    When executing query:
      """
      RETURN 1 AS x
      """
    Then the result should be, in any order:
      | x |
      | 1 |
    And no side effects

  Scenario: [2] int is not float
    Given any graph
    When executing query:
      """
      RETURN 1.0 AS x
      """
    Then the result should be, in any order:
      | x |
      | 1 |

  Scenario: [3] side effects and nodes
    Given an empty graph
    And having executed:
      """
      CREATE (:A)
      """
    When executing query:
      """
      CREATE (:A)
      """
    Then the result should be empty
    And the side effects should be:
      | +nodes  | 1 |
      | +labels | 1 |
    When executing control query:
      """
      MATCH (n) RETURN n
      """
    Then the result should be, in any order:
      | n    |
      | (:A) |
      | (:A) |

  Scenario: [4] wrong side effects
    Given an empty graph
    When executing query:
      """
      CREATE (:A)
      """
    Then the result should be empty
    And no side effects

  Scenario: [5] expected error
    Given any graph
    When executing query:
      """
      BAD
      """
    Then a SyntaxError should be raised at compile time: UnexpectedSyntax

  Scenario: [6] wrong phase
    Given any graph
    When executing query:
      """
      DIVIDE
      """
    Then a ArgumentError should be raised at compile time: NumberOutOfRange

  Scenario: [7] any time and wildcard
    Given any graph
    When executing query:
      """
      DIVIDE
      """
    Then a ArgumentError should be raised at any time: *
    And no side effects

  Scenario: [8] panics
    Given any graph
    When executing query:
      """
      PANIC
      """
    Then the result should be empty

  Scenario: [9] unknown step
    Given a graph made of cheese

  Scenario: [10] order matters
    Given any graph
    When executing query:
      """
      UNWIND [2, 1] AS x RETURN x
      """
    Then the result should be, in order:
      | x |
      | 1 |
      | 2 |

  Scenario: [11] any order
    Given any graph
    When executing query:
      """
      UNWIND [2, 1] AS x RETURN x
      """
    Then the result should be, in any order:
      | x |
      | 1 |
      | 2 |

  Scenario: [12] lists ignoring order
    Given any graph
    When executing query:
      """
      RETURN [3, 1, 2] AS l
      """
    Then the result should be (ignoring element order for lists):
      | l         |
      | [1, 2, 3] |

  Scenario Outline: [13] parameters
    Given any graph
    And parameters are:
      | p | <v> |
    When executing query:
      """
      RETURN $p AS p
      """
    Then the result should be, in any order:
      | p     |
      | <exp> |

    Examples:
      | v           | exp         |
      | 'a\'b'      | 'a\'b'      |
      | [1, {k: 2}] | [1, {k: 2}] |
      | 1           | 2           |

  Scenario: [14] error expected, query succeeds
    Given any graph
    When executing query:
      """
      RETURN 1 AS x
      """
    Then a SyntaxError should be raised at compile time: UnexpectedSyntax

  Scenario: [15] unexpected error
    Given any graph
    When executing query:
      """
      DIVIDE
      """
    Then the result should be empty

  Scenario: [16] wrong column name
    Given any graph
    When executing query:
      """
      RETURN 1 AS x
      """
    Then the result should be, in any order:
      | y |
      | 1 |

  Scenario: [17] dates as strings, procedures, named graphs
    Given the tiny graph
    And there exists a procedure test.p() :: (out :: STRING?):
      | out |
      | 'A' |
    When executing query:
      """
      RETURN date('1984-10-11') AS d
      """
    Then the result should be, in any order:
      | d            |
      | '1984-10-11' |
    When executing control query:
      """
      MATCH (n) RETURN n
      """
    Then the result should be, in any order:
      | n    |
      | (:A) |
      | (:A) |
    When executing control query:
      """
      CALL test.p()
      """
    Then the result should be, in any order:
      | out |
      | 'A' |

  Scenario: [18] hangs
    Given any graph
    When executing query:
      """
      HANG
      """
    Then the result should be empty
"#;

fn scratch_tck(tag: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("tck-selftest-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("features/fake")).unwrap();
    std::fs::create_dir_all(root.join("graphs/tiny")).unwrap();
    std::fs::write(root.join("features/fake/Fake1.feature"), FEATURE).unwrap();
    std::fs::write(
        root.join("graphs/tiny/tiny.cypher"),
        "CREATE (:A);\nCREATE (:A);\n",
    )
    .unwrap();
    root
}

#[test]
fn fake_engine_scenarios() {
    let root = scratch_tck("fake");
    let filter = Filter {
        timeout: Duration::from_millis(1500),
        ..Default::default()
    };
    let summary = run_features::<Fake>(&root.join("features"), &filter);
    assert!(summary.load_errors.is_empty(), "{:?}", summary.load_errors);
    let outcome = |id: &str| {
        let full = format!("features/fake/Fake1.feature :: {id}");
        summary
            .get(&full)
            .unwrap_or_else(|| panic!("no result for {full}"))
            .outcome
            .clone()
    };
    let pass = |id: &str| assert_eq!(outcome(id), Outcome::Passed, "{id}");
    let fail = |id: &str, needle: &str| match outcome(id) {
        Outcome::Failed(m) => assert!(m.contains(needle), "{id}: `{needle}` not in:\n{m}"),
        Outcome::Passed => panic!("{id} should fail"),
    };
    pass("[1] pass");
    fail("[2] int is not float", "+ | 1.0 |");
    pass("[3] side effects and nodes");
    fail("[4] wrong side effects", "+nodes: expected 0, got 1");
    pass("[5] expected error");
    fail(
        "[6] wrong phase",
        "actual:   ArgumentError at runtime: NumberOutOfRange",
    );
    pass("[7] any time and wildcard");
    fail("[8] panics", "panicked: fake engine panics");
    fail("[9] unknown step", "unknown step");
    fail("[10] order matters", "in order");
    pass("[11] any order");
    pass("[12] lists ignoring order");
    pass("[13] parameters #1");
    pass("[13] parameters #2");
    fail("[13] parameters #3", "- | 2 |");
    fail(
        "[14] error expected, query succeeds",
        "but the query succeeded",
    );
    fail(
        "[15] unexpected error",
        "the query failed: error[ArgumentError]",
    );
    fail("[16] wrong column name", "columns differ");
    pass("[17] dates as strings, procedures, named graphs");
    fail("[18] hangs", "timed out");
    assert_eq!(summary.timed_out, 1);
    assert_eq!(summary.results.len(), 20);
    assert_eq!(report::final_line(&summary), "9 passed, 11 failed");
    let table = report::folder_table(&summary);
    assert!(table.contains("fake"), "{table}");
    let text = report::render(&summary);
    assert!(text.ends_with("\n9 passed, 11 failed"), "{text}");
    assert!(report::failure_details(&summary)
        .contains("FAIL features/fake/Fake1.feature :: [2] int is not float"));

    // Lists: write, read back, check.
    let list = root.join("passing.txt");
    write_list(&list, &summary.passing_ids()).unwrap();
    let mut listed = read_list(&list).unwrap();
    assert_eq!(listed.len(), 9);
    assert!(list_failures(&summary, &listed, true).is_empty());
    listed.push("features/fake/Fake1.feature :: [4] wrong side effects".into());
    listed.push("features/fake/Fake1.feature :: [99] gone".into());
    let bad = list_failures(&summary, &listed, true);
    assert_eq!(bad.len(), 2);
    assert_eq!(list_failures(&summary, &listed, false).len(), 1);

    // Subsets.
    let only: std::collections::BTreeSet<String> =
        ["features/fake/Fake1.feature :: [13] parameters #2".to_string()].into();
    let sub = run_features::<Fake>(
        &root.join("features"),
        &Filter {
            only: Some(only),
            ..Default::default()
        },
    );
    assert_eq!(report::final_line(&sub), "1 passed, 0 failed");
    let sub = run_features::<Fake>(
        &root.join("features"),
        &Filter {
            scenario: Some("parameters".into()),
            feature: Some("Fake1".into()),
            ..Default::default()
        },
    );
    assert_eq!(report::final_line(&sub), "2 passed, 1 failed");
    let _ = std::fs::remove_dir_all(&root);
}

mod notation_tests;
mod real;
mod values;

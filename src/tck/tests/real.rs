//! Tests against the real TCK under `../shared/tck` (skipped when absent).

use super::{tck_dir, Null};
use crate::tck::notation::{self, Expected};
use crate::tck::{load_features, report, run_features, Filter, Outcome};

/// Every TCK file parses; prints the scenario count (outlines expanded).
#[test]
fn real_tck_parses() {
    let Some(dir) = tck_dir() else { return };
    let (scenarios, errors) = load_features(&dir.join("features"));
    assert!(errors.is_empty(), "{errors:#?}");
    println!("TCK scenarios (outlines expanded): {}", scenarios.len());
    eprintln!("TCK scenarios (outlines expanded): {}", scenarios.len());
    assert!(scenarios.len() >= 3800, "{}", scenarios.len());
    let mut ids: Vec<&str> = scenarios.iter().map(|s| s.id.as_str()).collect();
    ids.sort();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "scenario ids must be unique");
    let match5 = scenarios
        .iter()
        .filter(|s| s.feature_path == "features/clauses/match/Match5.feature")
        .collect::<Vec<_>>();
    assert_eq!(match5.len(), 29);
    assert!(match5
        .iter()
        .all(|s| s.scenario.steps[0].text == "an empty graph"));
    // Every scenario has a `When` and no placeholder is left over.
    for s in &scenarios {
        assert!(
            s.scenario
                .steps
                .iter()
                .any(|st| st.text.starts_with("executing query")),
            "{}",
            s.id
        );
        if s.scenario.example.is_some() {
            for st in &s.scenario.steps {
                let all = format!("{} {:?} {:?}", st.text, st.docstring, st.table);
                assert!(
                    !all.contains("<lhs>") && !all.contains("<result>"),
                    "{}: {all}",
                    s.id
                );
            }
        }
    }
}

/// Every cell of every expected-result, parameter and procedure table parses.
#[test]
fn real_tck_cells_parse() {
    let Some(dir) = tck_dir() else { return };
    let (scenarios, _) = load_features(&dir.join("features"));
    let (mut cells, mut bad) = (0usize, Vec::new());
    let mut non_values = Vec::new();
    let mut check = |id: &str, c: &str| {
        cells += 1;
        if let Err(e) = notation::parse(c) {
            bad.push(format!("{id}: {e}"));
        }
    };
    for s in &scenarios {
        for st in &s.scenario.steps {
            let Some(t) = &st.table else { continue };
            if st.text.starts_with("the result should be")
                || st.text.starts_with("there exists a procedure")
            {
                for row in t.iter().skip(1) {
                    row.iter().for_each(|c| check(&s.id, c));
                }
            } else if st.text == "parameters are:" {
                for row in t {
                    check(&s.id, &row[1]);
                    if notation::parse_value(&row[1]).is_err() {
                        non_values.push(format!("{}: parameter {} is not a value", s.id, row[1]));
                    }
                }
            }
        }
    }
    eprintln!("TCK value cells parsed: {cells}");
    bad.extend(non_values);
    assert!(
        bad.is_empty(),
        "{} bad cells:\n{}",
        bad.len(),
        bad.join("\n")
    );
    assert!(cells > 5000, "{cells}");
}

/// With an engine that accepts everything, no scenario may fail for an
/// unknown step or a malformed table: only for result mismatches.
#[test]
fn real_tck_every_step_is_known() {
    let Some(dir) = tck_dir() else { return };
    let summary = run_features::<Null>(&dir.join("features"), &Filter::default());
    let odd: Vec<String> = summary
        .results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Failed(m)
                if m.contains("unknown step")
                    || m.contains("cannot parse")
                    || m.contains("needs a")
                    || m.contains("graph script")
                    || m.contains("panicked") =>
            {
                Some(format!("{}: {m}", r.id))
            }
            _ => None,
        })
        .collect();
    assert!(odd.is_empty(), "{}", odd.join("\n"));
    eprintln!("{}", report::render(&summary));
    // Trivially passing with an empty engine: scenarios expecting empty results and no effects.
    assert!(summary.passed() > 0);
}

#[test]
fn expected_values_render_back() {
    for s in [
        "[1, 2.5, 'x', null, true]",
        "<(:A)-[:T]->()>",
        "{a: {b: []}}",
    ] {
        let e: Expected = notation::parse(s).unwrap();
        assert_eq!(notation::parse(&e.to_string()).unwrap(), e);
    }
}

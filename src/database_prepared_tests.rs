//! `Database::prepare` and `run_prepared` against `execute`.

use super::{Database, Params};
use crate::error::ErrorKind;
use crate::value::Value;

/// Parameters from name-value pairs.
pub(crate) fn params(pairs: &[(&str, Value)]) -> Params {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// A database in memory after `setup` has run.
fn db_after(setup: &str) -> Database {
    let mut db = Database::open_memory().unwrap();
    db.execute(setup, &Params::new()).unwrap();
    db
}

#[test]
fn a_prepared_statement_answers_as_its_text_does_with_each_new_parameter() {
    let mut db = db_after("UNWIND range(1, 20) AS i CREATE (:Actor {id: 'a' + toString(i), n: i})");
    let q = "MATCH (a:Actor) WHERE a.n > $min RETURN a.id ORDER BY a.n LIMIT $k";
    let p = db.prepare(q).unwrap();
    for (min, k) in [(0, 3), (15, 10), (19, 1), (20, 5)] {
        let ps = params(&[("min", Value::Int(min)), ("k", Value::Int(k))]);
        let prepared = db.run_prepared(&p, &ps).unwrap();
        let plain = db.execute(q, &ps).unwrap();
        assert_eq!(prepared.columns, plain.columns);
        assert_eq!(prepared.rows, plain.rows, "min {min}, k {k}");
    }
    let x = db.prepare("RETURN $x").unwrap();
    let r = db.run_prepared(&x, &params(&[("x", Value::Int(7))]));
    assert_eq!(r.unwrap().rows, vec![vec![Value::Int(7)]]);
}

#[test]
fn a_prepared_write_commits_at_every_run() {
    let mut db = Database::open_memory().unwrap();
    let p = db.prepare("CREATE (:Actor {id: $id})").unwrap();
    for i in 0..5 {
        let r = db
            .run_prepared(&p, &params(&[("id", Value::String(format!("a{i}")))]))
            .unwrap();
        assert_eq!(r.stats.nodes_created, 1);
    }
    let n = db
        .execute("MATCH (a:Actor) RETURN count(a)", &Params::new())
        .unwrap();
    assert_eq!(n.rows, vec![vec![Value::Int(5)]]);
    // Inside BEGIN … ROLLBACK, prepared runs are undone with the rest.
    let begin = db.prepare("BEGIN").unwrap();
    db.run_prepared(&begin, &Params::new()).unwrap();
    db.run_prepared(&p, &params(&[("id", Value::String("x".into()))]))
        .unwrap();
    db.execute("ROLLBACK", &Params::new()).unwrap();
    let n = db
        .execute("MATCH (a:Actor) RETURN count(a)", &Params::new())
        .unwrap();
    assert_eq!(n.rows, vec![vec![Value::Int(5)]]);
}

#[test]
fn a_missing_parameter_is_refused_with_its_position_and_changes_nothing() {
    let mut db = Database::open_memory().unwrap();
    let p = db.prepare("CREATE (:Actor {id: $id, n: $n})").unwrap();
    let e = db
        .run_prepared(&p, &params(&[("id", Value::String("a".into()))]))
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::ParameterMissing);
    assert!(e.to_string().contains("$n"), "{e}");
    let plain = db
        .execute(
            "CREATE (:Actor {id: $id, n: $n})",
            &params(&[("id", Value::String("a".into()))]),
        )
        .unwrap_err();
    assert_eq!(e.to_string(), plain.to_string());
    let n = db
        .execute("MATCH (a) RETURN count(a)", &Params::new())
        .unwrap();
    assert_eq!(n.rows, vec![vec![Value::Int(0)]]);
}

#[test]
fn a_statement_that_cannot_run_is_refused_when_prepared() {
    let mut db = Database::open_memory().unwrap();
    let e = db.prepare("MATCH (a) RETURN b").unwrap_err();
    assert!(e.to_string().contains("`b` is not defined"), "{e}");
    let e = db.prepare("MATCH (a RETURN a").unwrap_err();
    assert_eq!(e.kind, ErrorKind::SyntaxError);
}

/// Parameters are bound to their values once per run: in a WHERE, inside
/// `EXISTS { … }`, in a comprehension and a LIMIT, each run sees its own.
#[test]
fn every_run_binds_its_own_parameters_wherever_the_statement_reads_them() {
    let mut db = db_after("UNWIND range(1, 10) AS i CREATE (:Actor {n: i})");
    let q =
        "MATCH (a:Actor) WHERE a.n >= $lo AND EXISTS { MATCH (b:Actor) WHERE b.n = a.n + $step } \
             RETURN a.n AS n, [x IN range(1, 2) | x * $step] AS l, $lo AS lo ORDER BY n LIMIT $k";
    let p = db.prepare(q).unwrap();
    for (lo, step, k) in [(1, 1, 2), (5, 3, 10), (9, 2, 1)] {
        let ps = params(&[
            ("lo", Value::Int(lo)),
            ("step", Value::Int(step)),
            ("k", Value::Int(k)),
        ]);
        let prepared = db.run_prepared(&p, &ps).unwrap();
        assert_eq!(prepared.rows, db.execute(q, &ps).unwrap().rows);
        let want: Vec<Vec<Value>> = (lo..=10 - step)
            .take(k as usize)
            .map(|n| {
                let l = vec![Value::Int(step), Value::Int(2 * step)];
                vec![Value::Int(n), Value::List(l), Value::Int(lo)]
            })
            .collect();
        assert_eq!(prepared.rows, want, "lo {lo}, step {step}, k {k}");
    }
}

/// A property map on a variable-length end compares a parameter's value
/// where it is, run after run, as a literal of the same value does.
#[test]
fn a_parameter_in_a_pattern_map_matches_as_its_value_written_out() {
    let mut db =
        db_after("CREATE (:P {id: 'a'})-[:R]->(:P {id: 'b', n: 2})-[:R]->(:P {id: 'c', n: 3})");
    let q = "MATCH (a:P {id: 'a'})-[*1..2]->(x:P {id: $to}) RETURN count(*) AS n";
    let p = db.prepare(q).unwrap();
    for (to, want) in [
        (Value::String("c".into()), 1),
        (Value::String("b".into()), 1),
        (Value::String("z".into()), 0),
        (Value::Int(2), 0),
        (Value::Null, 0),
    ] {
        let ps = params(&[("to", to.clone())]);
        let prepared = db.run_prepared(&p, &ps).unwrap();
        assert_eq!(prepared.rows, vec![vec![Value::Int(want)]], "{to:?}");
        let literal = match &to {
            Value::String(s) => format!("'{s}'"),
            Value::Int(i) => i.to_string(),
            _ => "null".into(),
        };
        let written = q.replace("$to", &literal);
        let plain = db.execute(&written, &Params::new()).unwrap();
        assert_eq!(plain.rows, prepared.rows, "{written}");
    }
    let both = "MATCH (a:P {id: 'a'})-[*1..2]->(x:P {n: $n, id: $to}) RETURN x.id";
    let r = db.execute(
        both,
        &params(&[("n", Value::Int(3)), ("to", Value::String("c".into()))]),
    );
    assert_eq!(r.unwrap().rows, vec![vec![Value::String("c".into())]]);
}

#[test]
fn a_statement_prepared_by_another_database_runs_on_this_ones_names() {
    // The same counters in both, and the labels' codes the other way round.
    let mut one = db_after("CREATE (:A {v: 1}), (:B {v: 2})");
    let mut two = db_after("CREATE (:B {v: 3}), (:A {v: 4})");
    let p = one.prepare("MATCH (n:A) RETURN n.v").unwrap();
    for _ in 0..2 {
        let r = one.run_prepared(&p, &Params::new()).unwrap();
        assert_eq!(r.rows, vec![vec![Value::Int(1)]]);
        let r = two.run_prepared(&p, &Params::new()).unwrap();
        assert_eq!(r.rows, vec![vec![Value::Int(4)]]);
    }
}

#[test]
fn an_unknown_name_is_warned_of_until_a_commit_makes_it_known() {
    let mut db = Database::open_memory().unwrap();
    let q = "MATCH (n:Foo) RETURN count(n) AS c";
    let p = db.prepare(q).unwrap();
    // Each answer is compared with one from the statement parsed anew,
    // which keeps no verdict.
    let stmt = crate::query::parse::parse_statement(q).unwrap();
    let warned = |db: &mut Database| {
        let anew = db.execute_parsed(&stmt, &Params::new()).unwrap().warnings;
        let by_text = db.execute(q, &Params::new()).unwrap().warnings;
        let prepared = db.run_prepared(&p, &Params::new()).unwrap().warnings;
        assert_eq!((by_text.len(), prepared.len()), (anew.len(), anew.len()));
        !prepared.is_empty()
    };
    assert!(warned(&mut db));
    // Known inside a transaction that is then rolled back: still unknown.
    db.execute("BEGIN", &Params::new()).unwrap();
    db.execute("CREATE (:Foo)", &Params::new()).unwrap();
    assert!(!warned(&mut db));
    db.execute("ROLLBACK", &Params::new()).unwrap();
    assert!(warned(&mut db));
    db.execute("CREATE (:Foo)", &Params::new()).unwrap();
    assert!(!warned(&mut db));
    db.execute("MATCH (n:Foo) DELETE n", &Params::new())
        .unwrap();
    assert!(!warned(&mut db));
}

#[test]
fn a_node_with_labels_and_a_string_id_matches_only_with_both() {
    let mut db = db_after("CREATE (:A {id: 'x'}), (:B {id: 'y'}), (:A {id: 7}), (:A:B {id: 'z'})");
    let count = |db: &mut Database, q: &str, s: Value| {
        let p = db.prepare(q).unwrap();
        let ps = params(&[("s", s)]);
        let r = db.run_prepared(&p, &ps).unwrap().rows;
        assert_eq!(db.execute(q, &ps).unwrap().rows, r, "{q}");
        r
    };
    let one = |n| vec![vec![Value::Int(n)]];
    let s = |v: &str| Value::String(v.into());
    let a = "MATCH (n:A {id: $s}) RETURN count(n)";
    assert_eq!(count(&mut db, a, s("x")), one(1));
    // The id is there, the label is not.
    assert_eq!(count(&mut db, a, s("y")), one(0));
    assert_eq!(count(&mut db, a, s("z")), one(1));
    // Stored as a number: not the string, but the number.
    assert_eq!(count(&mut db, a, s("7")), one(0));
    assert_eq!(count(&mut db, a, Value::Int(7)), one(1));
    let ab = "MATCH (n:A:B {id: $s}) RETURN count(n)";
    assert_eq!(count(&mut db, ab, s("z")), one(1));
    assert_eq!(count(&mut db, ab, s("x")), one(0));
    let unknown = "MATCH (n:A:C {id: $s}) RETURN count(n)";
    assert_eq!(count(&mut db, unknown, s("z")), one(0));
    // Reached by a link, not looked up: the labels and the id from one read.
    db.execute(
        "MATCH (x {id: 'x'}), (y {id: 'y'}), (z {id: 'z'}) CREATE (x)-[:T]->(y), (x)-[:T]->(z)",
        &Params::new(),
    )
    .unwrap();
    let hop = "MATCH ({id: 'x'})-[:T]->(n:B {id: $s}) RETURN count(n)";
    assert_eq!(count(&mut db, hop, s("y")), one(1));
    assert_eq!(count(&mut db, hop, s("z")), one(1));
    let hop_a = "MATCH ({id: 'x'})-[:T]->(n:A {id: $s}) RETURN count(n)";
    assert_eq!(count(&mut db, hop_a, s("y")), one(0));
    assert_eq!(count(&mut db, hop_a, s("z")), one(1));
}

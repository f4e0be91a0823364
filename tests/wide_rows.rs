//! Very wide projections (issue 16): a 100,000-column RETURN was quadratic
//! (40 s) in the check's column-name bookkeeping, and RETURN of as many
//! variables was quadratic in name lookups. Checked here for correctness at
//! that size; the time is measured by hand (README, issue 16 note).

use supplygraph::value::Value;
use supplygraph::{Database, Params};

/// Wide enough that a quadratic step shows (20,000² name comparisons),
/// small enough for a debug build.
const N: usize = 20_000;

fn items(f: impl Fn(usize) -> String) -> String {
    (0..N).map(f).collect::<Vec<_>>().join(", ")
}

fn run(q: &str) -> supplygraph::QueryResult {
    let mut db = Database::open_memory().unwrap();
    db.execute(q, &Params::new()).unwrap()
}

fn assert_columns(r: &supplygraph::QueryResult, name: impl Fn(usize) -> String) {
    assert_eq!(r.columns.len(), N);
    assert_eq!(r.rows.len(), 1);
    for (i, (c, v)) in r.columns.iter().zip(&r.rows[0]).enumerate() {
        assert_eq!(*c, name(i));
        assert_eq!(*v, Value::Int(i as i64), "column {c}");
    }
}

#[test]
fn a_return_of_20000_aliased_columns() {
    let r = run(&format!("RETURN {}", items(|i| format!("{i} AS c{i}"))));
    assert_columns(&r, |i| format!("c{i}"));
}

#[test]
fn a_return_of_20000_variables_and_of_star() {
    let with = format!("WITH {}", items(|i| format!("{i} AS c{i}")));
    let r = run(&format!("{with} RETURN {}", items(|i| format!("c{i}"))));
    assert_columns(&r, |i| format!("c{i}"));
    // `*` lists the variables by name.
    let r = run(&format!("{with} RETURN *"));
    let mut names: Vec<String> = (0..N).map(|i| format!("c{i}")).collect();
    names.sort();
    assert_eq!(r.columns, names);
    for (c, v) in r.columns.iter().zip(&r.rows[0]) {
        assert_eq!(Value::Int(c[1..].parse().unwrap()), *v);
    }
    // Grouped by 20,000 keys.
    let r = run(&format!(
        "{with} RETURN {}, count(*) AS n",
        items(|i| format!("c{i}"))
    ));
    assert_eq!(r.columns.len(), N + 1);
    assert_eq!(r.rows[0][N - 1], Value::Int(N as i64 - 1));
    assert_eq!(r.rows[0][N], Value::Int(1));
}

#[test]
fn a_name_repeated_at_the_end_of_20000_columns_is_still_a_conflict() {
    let q = format!("RETURN {}, 1 AS c7", items(|i| format!("{i} AS c{i}")));
    let mut db = Database::open_memory().unwrap();
    let e = db.execute(&q, &Params::new()).unwrap_err();
    assert_eq!(e.code, "ColumnNameConflict", "{}", e.message);
    assert_eq!(e.span.map(|s| s.start), Some(q.len() - "1 AS c7".len()));
}

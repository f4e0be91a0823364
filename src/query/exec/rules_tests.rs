//! Each rule fires (the plan, or what the statement may hold, changes when
//! it is turned off) and keeps results equal (every query of `QUERIES`
//! answers the same rows with and without it).

use super::{Rule, Rules};
use crate::database::{Database, Params};
use crate::value::{Date, Value};

/// 4 countries and 300 companies; each company is in a country and
/// supplies two others.
fn graph() -> Database {
    let mut db = Database::open_memory().unwrap();
    for setup in [
        "UNWIND range(0, 3) AS i CREATE (:Country {id: 'c' + toString(i), name: 'C' + toString(i)})",
        "UNWIND range(0, 299) AS i CREATE (:Company {id: 'k' + toString(i), size: i % 17, country: 'c' + toString(i % 4)})",
        "UNWIND range(0, 299) AS i
         MATCH (a:Company {id: 'k' + toString(i)}), (c:Country {id: 'c' + toString(i % 4)})
         CREATE (a)-[:IN]->(c)",
        "UNWIND range(0, 299) AS i
         MATCH (a:Company {id: 'k' + toString(i)}),
               (b:Company {id: 'k' + toString((i * 7 + 3) % 300)}),
               (d:Company {id: 'k' + toString((i * 13 + 5) % 300)})
         CREATE (a)-[:SUPPLIES {qty: i % 10}]->(b), (a)-[:SUPPLIES {qty: i % 3}]->(d)",
    ] {
        db.execute(setup, &Params::new()).unwrap();
    }
    db
}

const QUERIES: &[&str] = &[
    "MATCH (k:Company)-[:IN]->(c:Country) RETURN k.id, c.id",
    "MATCH (a:Company)-[r:SUPPLIES]->(b) WHERE a.size > 5 AND b.size < 10 AND r.qty <> 3 RETURN a.id, b.id, r.qty",
    "MATCH (a:Company)-[:SUPPLIES]->(b)-[:SUPPLIES]->(c) WHERE c.size = a.size RETURN count(*)",
    "MATCH (c:Country {id: 'c1'})<-[:IN]-(k), (k)-[:SUPPLIES]->(m) RETURN m.id, k.id",
    "MATCH (m)<-[:SUPPLIES]-(k), (c:Country)<-[:IN]-(k) WHERE c.name = 'C2' RETURN m.id, k.id",
    "MATCH (a:Country), (b:Company) RETURN count(*)",
    "MATCH (a:Country), (b:Company)-[:SUPPLIES]->() RETURN count(*)",
    "MATCH (a)-[r:SUPPLIES]->(b) RETURN b.country, count(r), sum(r.qty)",
    "MATCH (a)-[r:SUPPLIES]->(b:Company) WHERE r.qty > 4 RETURN count(*)",
    "MATCH (a:Company) RETURN a.id ORDER BY a.size DESC, a.id LIMIT 7",
    "MATCH (a:Company) RETURN a.id ORDER BY a.size, a.id SKIP 3 LIMIT 5",
    "WITH range(1, 30) AS l UNWIND l AS x MATCH (k:Company {size: x % 17}) RETURN x, count(k)",
    "MATCH (c:Country) OPTIONAL MATCH (c)<-[:IN]-(k:Company) WHERE k.size > 15 RETURN c.id, count(k)",
    "MATCH p = shortestPath((a:Company {id: 'k1'})-[:SUPPLIES*]->(b:Company {id: 'k2'})) RETURN length(p)",
    // The fused plans after other clauses: one input row, several, none,
    // and patterns that read what the rows before hold (not fused).
    "MATCH (c:Country {id: 'c1'}) MATCH (a)-[r:SUPPLIES]->(b) RETURN b.country, count(r), sum(r.qty)",
    "UNWIND [1, 2, 3] AS i MATCH (a)-[r:SUPPLIES]->(b) RETURN b.country, count(*), sum(r.qty), min(r.qty)",
    "UNWIND [1, 2] AS i MATCH (a)-[r:SUPPLIES]->(b) RETURN size(collect(r.qty)), sum(r.qty)",
    "MATCH (c:Country {id: 'none'}) MATCH (a)-[r:SUPPLIES]->(b) RETURN count(*), sum(r.qty)",
    "UNWIND [1, 2] AS i MATCH (a)-[r:SUPPLIES]->(b) WITH b.country AS c, count(*) AS n WHERE n > 100 RETURN c, n",
    "MATCH (a:Company {id: 'k1'}) MATCH (a)-[r:SUPPLIES]->(b) RETURN count(*), sum(r.qty)",
    "MATCH (k:Company {size: 3}) MATCH (a)-[r:SUPPLIES]->(b) WHERE r.qty = k.size RETURN count(*)",
    "UNWIND range(1, 3) AS i MATCH (a:Country), (b:Company) RETURN count(*)",
    "MATCH (c:Country {id: 'none'}) MATCH (a:Country), (b:Company) RETURN count(*)",
    // Count products with WHERE conjuncts of one part each (nulls, a
    // pattern predicate, an empty part), and ones that tie parts (not fused).
    "MATCH (a:Country), (b:Company), (c:Company) WHERE a.id <> 'c2' AND b.size > 3 AND c.size < b.size + 20 AND c.missing IS NULL RETURN count(*)",
    "MATCH (a:Country), (b:Company)-[r:SUPPLIES]->(d) WHERE r.qty > 5 AND (a)<-[:IN]-(:Company {size: 3}) AND a.nope > 1 RETURN count(*)",
    "MATCH (a:Country), (b:Company)-[r:SUPPLIES]->(d) WHERE r.qty > 5 AND (a)<-[:IN]-(:Company {size: 3}) RETURN count(*)",
    "MATCH (a:Country), (b:Company) WHERE a.id = b.country RETURN count(*)",
    // Counted runs of matches: optional ones with and without a match,
    // keys read by later patterns, by the projection, by ORDER BY.
    "MATCH (a)-[:SUPPLIES]-(b) OPTIONAL MATCH (a)-[o1]-(m) RETURN count(o1)",
    "MATCH (a:Company)-[:SUPPLIES]->(b) OPTIONAL MATCH (b)-[o:IN]->(c:Country {id: 'c1'}) RETURN a.size, count(o), count(*)",
    "MATCH (c:Country) OPTIONAL MATCH (c)<-[:IN]-(k) WHERE k.size > 14 RETURN c.id, count(k), count(*)",
    "MATCH (a:Company)-[:SUPPLIES]->(b) MATCH (b)-[:SUPPLIES]->(d) WITH a, count(d) AS n WHERE n > 3 RETURN count(*), sum(n)",
    "MATCH (a:Company)-[:SUPPLIES]->(b) RETURN b.country AS k, count(*) AS n ORDER BY n DESC, k",
    "MATCH (a:Company)-[:SUPPLIES]->(b)-[:SUPPLIES]->(c) RETURN count(DISTINCT c), count(b)",
    // Top-k past its buffer's cut backs: ties kept in arrival order,
    // DISTINCT rows equal to ones cut or dropped, 1 and 1.0 (one row to
    // DISTINCT, sorted apart), the best rows last.
    "UNWIND range(1, 3000) AS x RETURN DISTINCT toString(x % 10) AS r, toString(x % 20) AS s ORDER BY r LIMIT 3",
    "UNWIND range(1, 3000) AS x RETURN DISTINCT x % 10 AS r, x % 20 AS s ORDER BY r DESC LIMIT 3",
    "UNWIND [[1.0, 'c'], [1.0, 'a']] + [x IN range(1, 1100) | [2, 'z']] + [[1, 'a']] AS p RETURN DISTINCT p[0] AS v, p[1] AS w ORDER BY v LIMIT 1",
    "UNWIND [[1, 'c'], [1, 'a']] + [x IN range(1, 1100) | [0, 'z']] + [[1.0, 'a']] AS p RETURN DISTINCT p[0] AS v, p[1] AS w ORDER BY v DESC LIMIT 1",
    "UNWIND range(1, 3000) AS x RETURN DISTINCT 'k' + toString(3000 - x) AS s ORDER BY s LIMIT 4",
    "UNWIND range(1, 3000) AS x RETURN x % 7 AS r, x AS y ORDER BY r LIMIT 3",
    "MATCH (a:Company) WITH DISTINCT a.country AS c, a.size AS z ORDER BY c LIMIT 2 RETURN c, z",
    // Variable-length hops cut at links that fail all() or none() over the
    // path's links, or ended by id.
    "MATCH p = (a:Company {id: 'k5'})-[:SUPPLIES*1..3]->(b) WHERE all(r IN relationships(p) WHERE r.qty >= 2) RETURN b.id, length(p)",
    "MATCH p = (a:Company {id: 'k1'})-[*1..4]->(b:Company {id: 'k135'}) WHERE none(r IN relationships(p) WHERE r.qty = 0) RETURN count(p)",
    "MATCH (a:Company {id: 'k2'})-[rs:SUPPLIES*1..3]->(b) WHERE all(r IN rs WHERE r.qty <> 1 AND r.qty IS NOT NULL) RETURN count(*), count(DISTINCT b)",
    "MATCH p = (a:Company {id: 'k1'})-[*1..3]->(b:Company {id: 'k73'}) RETURN length(p)",
    // Rows lent to the groups, and distinct nodes counted in place: one
    // search, several (their ends overlap), rows of a fixed pattern, a
    // WITH … WHERE after, an OPTIONAL MATCH, values that are not nodes,
    // several aggregates, weighted rows.
    "MATCH (a:Company {id: 'k1'})-[*1..3]->(b) RETURN count(DISTINCT b)",
    "UNWIND [1, 2, 1] AS i MATCH (a:Company {id: 'k' + toString(i)})-[*1..3]->(b:Company) RETURN count(DISTINCT b) AS n",
    "MATCH (a:Company)-[:SUPPLIES]->(b)-[:SUPPLIES]->(c) WHERE a.size = 3 RETURN count(DISTINCT c)",
    "MATCH (a:Company {id: 'k1'})-[*0..2]->(b) WITH count(DISTINCT b) AS n WHERE n > 1 RETURN n",
    "MATCH (c:Country) OPTIONAL MATCH (c)<-[:IN]-(k {size: 3}) RETURN count(DISTINCT k)",
    "MATCH (a:Company {id: 'k1'}) UNWIND [a, 1, a, 'x', 1, null] AS v MATCH (b:Company {id: 'k2'}) RETURN count(DISTINCT v)",
    "MATCH (a:Company {id: 'k3'})-[*1..2]->(b) RETURN count(DISTINCT b), count(DISTINCT b.size)",
    "MATCH (a:Company)-[:SUPPLIES]->(b) RETURN b.size % 3 AS k, count(*), collect(DISTINCT a.size % 4) ORDER BY k",
];

fn rows(db: &mut Database, q: &str) -> Vec<String> {
    let r = db
        .execute(q, &Params::new())
        .unwrap_or_else(|e| panic!("{q}: {e}"));
    let mut out: Vec<String> = r.rows.iter().map(|row| format!("{row:?}")).collect();
    // ORDER BY answers in order; the rest in any.
    if !q.contains("ORDER BY") {
        out.sort();
    }
    out
}

fn explain(db: &mut Database, q: &str) -> String {
    let r = db.execute(&format!("EXPLAIN {q}"), &Params::new()).unwrap();
    r.plan.unwrap()
}

/// The plan and figures `PROFILE q` prints.
fn profile(db: &mut Database, q: &str) -> String {
    let r = db.execute(&format!("PROFILE {q}"), &Params::new()).unwrap();
    r.plan.unwrap()
}

/// A database in memory holding what `statements` create, in turn.
fn db_with(statements: &[&str]) -> Database {
    let mut db = Database::open_memory().unwrap();
    for q in statements {
        db.execute(q, &Params::new())
            .unwrap_or_else(|e| panic!("{q}: {e}"));
    }
    db
}

#[test]
fn every_rule_keeps_every_result_equal() {
    let mut db = graph();
    let with_all: Vec<Vec<String>> = QUERIES.iter().map(|q| rows(&mut db, q)).collect();
    assert!(with_all.iter().all(|r| !r.is_empty()));
    for rule in Rules::all() {
        db.rules = Rules::default().without(rule);
        for (q, want) in QUERIES.iter().zip(&with_all) {
            assert_eq!(&rows(&mut db, q), want, "{rule:?} changes the rows of {q}");
        }
    }
}

/// The plan of `q` with every rule, and without `rule`.
fn plans(q: &str, rule: Rule) -> (String, String) {
    let mut db = graph();
    let on = explain(&mut db, q);
    db.rules = Rules::default().without(rule);
    (on, explain(&mut db, q))
}

#[test]
fn start_by_cardinality_walks_from_the_few_countries() {
    let q = "MATCH (k:Company)-[:IN]->(c:Country) RETURN k.id, c.id";
    let (on, off) = plans(q, Rule::StartByCardinality);
    assert!(
        on.contains("from NodeByLabelScan (:Country), walking backwards"),
        "{on}"
    );
    assert!(off.contains("LinkScan"), "{off}");
}

#[test]
fn start_by_cardinality_puts_the_smaller_label_first() {
    let q = "MATCH (b:Company), (a:Country) WHERE b.country = a.id RETURN count(*)";
    let (on, off) = plans(q, Rule::StartByCardinality);
    let first_scan = |p: &str| {
        p.lines()
            .find(|l| l.contains("NodeByLabelScan"))
            .unwrap()
            .to_string()
    };
    assert!(first_scan(&on).contains("(a:Country)"), "{on}");
    assert!(first_scan(&off).contains("(b:Company)"), "{off}");
}

/// `r.key = 'text'` on a link is checked in the record's bytes when
/// pushed into the match (`Conjunct::str_eq`): it keeps exactly what
/// evaluating it on the finished row keeps, whatever the property holds.
#[test]
fn string_equality_in_the_record_keeps_what_evaluation_keeps() {
    let mut db = Database::open_memory().unwrap();
    db.execute(
        "CREATE (a:N {id: 'a', c: 'x'}), (b:N {id: 'b', c: 1})
         CREATE (a)-[:L {i: 1, c: 'x'}]->(b), (a)-[:L {i: 2, c: 'xy'}]->(b),
                (a)-[:L {i: 3, c: 1}]->(b), (a)-[:L {i: 4, c: ['x']}]->(b),
                (a)-[:L {i: 5}]->(b), (a)-[:L {i: 6, c: 'é'}]->(b),
                (a)-[:L {i: 7, c: ''}]->(b), (b)-[:L {i: 8, c: 'x'}]->(a)",
        &Params::new(),
    )
    .unwrap();
    let cases = [
        (
            "MATCH (a)-[r:L]->(b) WHERE r.c = 'x' RETURN r.i ORDER BY r.i",
            "[Int(1)] [Int(8)]",
        ),
        (
            "MATCH (a)-[r:L]->(b) WHERE 'x' = r.c RETURN r.i ORDER BY r.i",
            "[Int(1)] [Int(8)]",
        ),
        (
            "MATCH (a)-[r:L]->(b) WHERE r.c = 'é' RETURN r.i",
            "[Int(6)]",
        ),
        ("MATCH (a)-[r:L]->(b) WHERE r.c = '' RETURN r.i", "[Int(7)]"),
        (
            "MATCH (a)-[r:L]->(b) WHERE r.c = 'x' AND a.c = 'x' RETURN r.i",
            "[Int(1)]",
        ),
        ("MATCH (a)-[r:L]->(b) WHERE r.nokey = 'x' RETURN r.i", ""),
        (
            "MATCH (a)-[r:L]->(b) WHERE a.c = 'x' AND r.c = 'xy' RETURN b.id",
            "[String(\"b\")]",
        ),
    ];
    for (q, want) in cases {
        db.rules = Rules::default();
        let pushed = rows(&mut db, q);
        assert_eq!(pushed.join(" "), want, "{q}");
        db.rules = Rules::default().without(Rule::PredicatePushdown);
        assert_eq!(rows(&mut db, q), pushed, "{q}");
    }
}

#[test]
fn predicate_pushdown_checks_conjuncts_inside_the_match() {
    let q = "MATCH (a:Company)-[:SUPPLIES]->(b) WHERE a.size > 5 RETURN b.id";
    let (on, off) = plans(q, Rule::PredicatePushdown);
    assert!(
        on.contains("each checked once its variables are bound"),
        "{on}"
    );
    assert!(off.contains("checked on each matched row"), "{off}");
}

#[test]
fn count_product_multiplies_counts() {
    let (on, off) = plans(
        "MATCH (a:Country), (b:Company) RETURN count(*)",
        Rule::CountProduct,
    );
    assert!(on.contains("CountProduct"), "{on}");
    assert!(!off.contains("CountProduct"), "{off}");
}

#[test]
fn count_product_filters_each_part_by_its_own_conjuncts() {
    let q = "MATCH (a:Country), (b:Company), (c:Company) WHERE a.id <> 'c2' AND b.size > 3 RETURN count(*)";
    let (on, off) = plans(q, Rule::CountProduct);
    assert!(on.contains("CountProduct"), "{on}");
    assert!(on.contains("WHERE 1 conjunct(s) of its own"), "{on}");
    assert!(!off.contains("CountProduct"), "{off}");
    let mut db = graph();
    // 3 countries × the companies over size 3 × all 300.
    let big = rows(
        &mut db,
        "MATCH (b:Company) WHERE b.size > 3 RETURN count(*)",
    );
    let n: i64 = big[0]
        .trim_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap();
    assert_eq!(rows(&mut db, q), vec![format!("[Int({})]", 3 * n * 300)]);
    // A conjunct over two parts, or none, or rand(): the general plan.
    for q in [
        "MATCH (a:Country), (b:Company) WHERE a.id = b.country RETURN count(*)",
        "MATCH (a:Country), (b:Company) WHERE 1 < 2 RETURN count(*)",
        "MATCH (a:Country), (b:Company) WHERE rand() < a.size RETURN count(*)",
    ] {
        assert!(!explain(&mut db, q).contains("CountProduct"), "{q}");
    }
}

#[test]
fn link_aggregate_fuses_the_scan_and_the_grouping() {
    let (on, off) = plans(
        "MATCH (a)-[r:SUPPLIES]->(b) RETURN b.country, count(r)",
        Rule::LinkAggregate,
    );
    assert!(on.contains("LinkAggregate"), "{on}");
    assert!(
        !off.contains("LinkAggregate") && off.contains("Aggregate"),
        "{off}"
    );
}

#[test]
fn fused_plans_fire_after_other_clauses() {
    let (on, _) = plans(
        "UNWIND [1, 2] AS i MATCH (a)-[r:SUPPLIES]->(b) RETURN b.country, count(r)",
        Rule::LinkAggregate,
    );
    assert!(on.contains("LinkAggregate"), "{on}");
    let (on, _) = plans(
        "MATCH (c:Country {id: 'c1'}) MATCH (a:Country), (b:Company) RETURN count(*)",
        Rule::CountProduct,
    );
    assert!(on.contains("CountProduct"), "{on}");
    // A pattern over a variable the rows hold matches per row.
    let (on, _) = plans(
        "MATCH (a:Company {id: 'k1'}) MATCH (a)-[r:SUPPLIES]->(b) RETURN count(*)",
        Rule::LinkAggregate,
    );
    assert!(!on.contains("LinkAggregate"), "{on}");
}

#[test]
fn count_factor_sends_runs_of_matches_as_counted_rows() {
    let q = "MATCH (a)-[:SUPPLIES]-(b) OPTIONAL MATCH (a)-[o1]-(m) RETURN count(o1)";
    let (on, off) = plans(q, Rule::CountFactor);
    assert!(
        on.contains("matches alike in [a] sent as one counted row"),
        "{on}"
    );
    assert!(on.contains("matches alike in [] sent"), "{on}");
    assert!(!off.contains("counted row"), "{off}");
    // PROFILE counts the rows a counted row stands for: the 1,200 matches
    // of the first MATCH (600 links, each both ways).
    let mut db = graph();
    let r = db.execute(&format!("PROFILE {q}"), &Params::new()).unwrap();
    let plan = r.plan.unwrap();
    assert!(plan.contains("1200 rows"), "{plan}");
    // A count of distinct values needs every value: no runs.
    let (on, _) = plans(
        "MATCH (a:Company)-[:SUPPLIES]->(b) RETURN count(DISTINCT b)",
        Rule::CountFactor,
    );
    assert!(!on.contains("counted row"), "{on}");
}

/// Whether `q` runs within `limit` bytes with every rule, and without `rule`.
fn fits(q: &str, limit: usize, rule: Rule) -> (bool, String) {
    let mut db = graph();
    db.set_memory_limit(limit);
    let on = db.execute(q, &Params::new()).is_ok();
    db.rules = Rules::default().without(rule);
    let off = match db.execute(q, &Params::new()) {
        Ok(_) => "ran".to_string(),
        Err(e) => e.to_string(),
    };
    (on, off)
}

/// `q`, a top-k over 200,000 rows, fits in 2 MiB with `Rule::TopK` and
/// not without, and EXPLAIN says `label` with it and no top-k without.
fn holds_only_the_rows_it_keeps(q: &str, label: &str) {
    let (on, off) = fits(q, 2 << 20, Rule::TopK);
    assert!(on);
    assert!(off.contains("MemoryLimit"), "{off}");
    let (on, off) = plans(q, Rule::TopK);
    assert!(on.contains(label), "{on}");
    assert!(!off.contains("top-k"), "{off}");
}

#[test]
fn top_k_holds_only_the_rows_it_keeps() {
    holds_only_the_rows_it_keeps(
        "UNWIND range(1, 200000) AS x RETURN x ORDER BY x DESC LIMIT 3",
        "top-k sort",
    );
}

#[test]
fn a_distinct_top_k_holds_only_the_rows_it_keeps() {
    holds_only_the_rows_it_keeps(
        "UNWIND range(1, 200000) AS x RETURN DISTINCT toString(x) AS s ORDER BY s DESC LIMIT 3",
        "distinct, top-k sort",
    );
}

#[test]
fn dead_columns_are_not_carried_into_held_rows() {
    // The sort holds each row it is given: with `l` cleared, 2,000 small
    // rows; with it kept, 2,000 copies of a 2,000-item list.
    let q = "WITH range(1, 2000) AS l UNWIND l AS x RETURN x ORDER BY x";
    let (on, off) = fits(q, 4 << 20, Rule::DeadColumns);
    assert!(on);
    assert!(off.contains("MemoryLimit"), "{off}");
}

#[test]
fn fold_into_groups_counts_distinct_ends_where_they_are_found() {
    let q = "MATCH (a:Company {id: 'k1'})-[*1..3]->(b) RETURN count(DISTINCT b)";
    let (on, off) = plans(q, Rule::FoldIntoGroups);
    assert!(on.contains("distinct nodes counted here"), "{on}");
    assert!(!off.contains("distinct nodes counted here"), "{off}");
    // Not with a grouping key, nor a count of anything else.
    for q in [
        "MATCH (a:Company)-[*1..2]->(b) RETURN a.size, count(DISTINCT b)",
        "MATCH (a:Company {id: 'k1'})-[*1..3]->(b) RETURN count(DISTINCT b.size)",
        "MATCH (a:Company {id: 'k1'})-[*1..3]->(b) RETURN count(b)",
    ] {
        let (on, _) = plans(q, Rule::FoldIntoGroups);
        assert!(!on.contains("distinct nodes counted here"), "{q}: {on}");
    }
    // PROFILE counts the ends as the Match's rows, as when they were sent.
    let profile = |db: &mut Database| {
        let r = db.execute(&format!("PROFILE {q}"), &Params::new()).unwrap();
        let plan = r.plan.unwrap();
        let line = plan
            .lines()
            .find(|l| l.trim_start().starts_with("Match"))
            .unwrap()
            .to_string();
        (
            r.rows,
            line.split("rows")
                .next()
                .unwrap()
                .rsplit(' ')
                .nth(1)
                .unwrap()
                .to_string(),
        )
    };
    let mut db = graph();
    let on = profile(&mut db);
    db.rules = Rules::default().without(Rule::FoldIntoGroups);
    assert_eq!(profile(&mut db), on);
}

/// Counted in place, nodes are held as the groups would hold them: a
/// count of 20,000 distinct nodes answers under a limit the rule-off plan
/// answers under (the breadth-first search's own set is charged, and meets
/// a tight limit with or without the rule).
#[test]
fn a_tally_answers_where_the_groups_would() {
    let mut db = Database::open_memory().unwrap();
    db.execute(
        "UNWIND range(0, 20000) AS i CREATE (:N {id: i})",
        &Params::new(),
    )
    .unwrap();
    db.execute(
        "MATCH (a:N), (b:N {id: a.id + 1}) CREATE (a)-[:T]->(b)",
        &Params::new(),
    )
    .unwrap();
    db.set_memory_limit(64 << 10);
    for q in [
        "MATCH (a:N)-[:T]->()-[:T]->(b) RETURN count(DISTINCT b)",
        "MATCH (a:N) RETURN count(DISTINCT a)",
    ] {
        let on = db.execute(q, &Params::new()).map(|r| r.rows);
        db.rules = Rules::default().without(Rule::FoldIntoGroups);
        let off = db.execute(q, &Params::new()).map(|r| r.rows);
        db.rules = Rules::default();
        assert!(on.is_ok(), "{q}: {on:?}");
        assert_eq!(format!("{on:?}"), format!("{off:?}"), "{q}");
    }
    let q = "MATCH (a:N {id: 0})-[*1..30000]->(b) RETURN count(DISTINCT b)";
    let err = db.execute(q, &Params::new()).unwrap_err();
    assert!(err.to_string().contains("search"), "{err}");
    db.set_memory_limit(64 << 20);
    let r = db.execute(q, &Params::new()).unwrap();
    assert_eq!(r.rows, vec![vec![crate::value::Value::Int(20000)]]);
}

/// A row's error in the groups comes before a later row's error in the
/// MATCH, with rows folded or sent in batches.
#[test]
fn errors_come_in_row_order_with_and_without_folding() {
    let q = "UNWIND [1, 'x', 0] AS i MATCH (a:Country {id: 'c1'})
             WHERE 1 / (CASE WHEN i = 0 THEN 0 ELSE 1 END) = 1 RETURN sum(i)";
    let mut db = graph();
    let on = db.execute(q, &Params::new()).unwrap_err().to_string();
    db.rules = Rules::default().without(Rule::FoldIntoGroups);
    let off = db.execute(q, &Params::new()).unwrap_err().to_string();
    assert!(on.contains("sum() cannot add"), "{on}");
    assert_eq!(on, off);
}

/// A walk's link test had ahead (`LinkTest::ahead`), from records and from
/// a kept column, keeps the rows and warnings of testing each link as the
/// walk meets it, and the rows of walking every trail to its end: links
/// holding integers, floats stored as decimals and as doubles, nulls,
/// nothing, strings, booleans and dates, tested against numbers and a
/// date, with ends found by id and not.
#[test]
fn link_tests_had_ahead_keep_rows_and_warnings() {
    let mut db = Database::open_memory().unwrap();
    db.execute(
        "UNWIND range(0, 59) AS i CREATE (:N {id: 'n' + toString(i)})",
        &Params::new(),
    )
    .unwrap();
    db.execute(
        "UNWIND range(0, 59) AS i UNWIND range(1, 3) AS k
         MATCH (a:N {id: 'n' + toString(i)}), (b:N {id: 'n' + toString((i * k * 7 + k) % 60)})
         WITH a, b, i, (i + k) % 9 AS kind, i * 0.37 + k AS f
         CREATE (a)-[:L {c: CASE kind
             WHEN 0 THEN i % 4 WHEN 1 THEN f WHEN 2 THEN toFloat(i) / 3.0 WHEN 3 THEN null
             WHEN 4 THEN 'text' WHEN 5 THEN true WHEN 6 THEN date('2020-01-01')
             WHEN 7 THEN 1.5 ELSE 2 END}]->(b)",
        &Params::new(),
    )
    .unwrap();
    let queries = [
        "MATCH p = (a:N {id: 'n6'})-[*1..3]->(b) WHERE all(r IN relationships(p) WHERE r.c >= 1.5) RETURN b.id, length(p)",
        "MATCH p = (a:N {id: 'n0'})-[*1..3]->(b:N {id: 'n57'}) WHERE all(r IN relationships(p) WHERE 2 > r.c) RETURN count(p)",
        "MATCH p = (a:N {id: 'n3'})-[*1..3]->(b) WHERE none(r IN relationships(p) WHERE r.c = 2) RETURN count(p)",
        "MATCH p = (a:N {id: 'n4'})-[rs*1..3]->(b) WHERE all(r IN rs WHERE r.c < $d) RETURN b.id, length(p)",
        "MATCH p = (a:N {id: 'n7'})-[*1..3]->(b) WHERE all(r IN relationships(p) WHERE r.c >= $x) RETURN b.id, length(p)",
        "MATCH p = (a:N {id: 'n5'})-[*1..3]->(b) WHERE all(r IN relationships(p) WHERE r.nokey >= 0) RETURN count(p)",
    ];
    let given = crate::database::prepared_tests::params(&[
        ("d", Value::Date(Date::parse("2021-01-01").unwrap())),
        ("x", Value::Int(1)),
    ]);
    // Rows in the order they come: a walk cut short keeps the order too.
    let run = |db: &mut Database, q: &str| {
        let r = db.execute(q, &given).unwrap();
        let rows: Vec<String> = r.rows.iter().map(|row| format!("{row:?}")).collect();
        let warnings: Vec<String> = r.warnings.iter().map(|w| w.message.clone()).collect();
        (rows, warnings)
    };
    // Every trail walked to its end: the rows.
    db.rules = Rules::default().without(Rule::PruneHops);
    let walked: Vec<_> = queries.iter().map(|q| run(&mut db, q).0).collect();
    db.rules = Rules::default();
    // Each link tested as the walk meets it, none ahead: a transaction
    // that has staged a write reads no record ahead (`Tx::with_kept_rels`).
    // Its warnings may differ from a whole walk's (`hop_prune`), not from
    // a walk that tests links ahead.
    db.execute("BEGIN", &Params::new()).unwrap();
    db.execute("CREATE (:Other)", &Params::new()).unwrap();
    let met: Vec<_> = queries.iter().map(|q| run(&mut db, q)).collect();
    db.execute("ROLLBACK", &Params::new()).unwrap();
    assert!(walked[0].len() > 10, "{walked:?}");
    assert_eq!(walked[1], ["[Int(1)]"]);
    assert!(walked[4].len() > 10, "{walked:?}");
    for ((q, rows), (met_rows, _)) in queries.iter().zip(&walked).zip(&met) {
        assert_eq!(rows, met_rows, "cut: {q}");
    }
    // Links holding numbers compared with a date warn (the test is not
    // had ahead), as do dates compared with a number.
    assert!(!met[3].1.is_empty() && !met[0].1.is_empty(), "{met:?}");
    for (q, want) in queries.iter().zip(&met) {
        assert_eq!(&run(&mut db, q), want, "from records: {q}");
    }
    // A scan over every link keeps `c` as a column; the walks read it.
    db.execute(
        "MATCH ()-[r:L]->() RETURN r.c AS c, count(*)",
        &Params::new(),
    )
    .unwrap();
    for (q, want) in queries.iter().zip(&met) {
        assert_eq!(&run(&mut db, q), want, "from the column: {q}");
    }
}

/// A walk stopped early reads few links ahead: from a hub of 300 links,
/// `LIMIT 1` has the test of one chunk had ahead, not of every link, and
/// PROFILE says how many.
#[test]
fn a_walk_stopped_early_reads_few_links_ahead() {
    let mut db = Database::open_memory().unwrap();
    db.execute(
        "CREATE (h:N {id: 'h'}) WITH h UNWIND range(1, 300) AS i
         CREATE (h)-[:L {w: i}]->(:N {id: 'x' + toString(i)})",
        &Params::new(),
    )
    .unwrap();
    let q = "MATCH p = (h:N {id: 'h'})-[*1..2]->(x) WHERE all(r IN relationships(p) WHERE r.w >= 0) RETURN x.id";
    let ahead = |db: &mut Database, q: &str| -> u64 {
        profile(db, q)
            .split_once("variable-length hops: ")
            .and_then(|(_, rest)| rest.split_once(" links tested ahead"))
            .and_then(|(n, _)| n.rsplit(' ').next()?.parse().ok())
            .unwrap_or(0)
    };
    // The first walk reads the records into the cache, the second has
    // every test ahead.
    db.execute(q, &Params::new()).unwrap();
    assert_eq!(ahead(&mut db, q), 300);
    let limited = ahead(&mut db, &format!("{q} LIMIT 1"));
    assert!((1..=64).contains(&limited), "{limited}");
}

/// A walk counts, as passed over by the end's ids, each node it reaches
/// that cannot be the end, and each link at its last depth to such a node
/// that the trail has not used (`Level::pass_over` steps over those
/// without a turn of the walk each).
#[test]
fn nodes_passed_over_are_counted_as_the_walk_would_reach_them() {
    let mut db = db_with(&["CREATE (a:N {id: 'a'})-[:L]->(b:N {id: 'b'})-[:L]->(a),
                (b)-[:L]->(c:N {id: 'c'})-[:L]->(a), (z:N {id: 'z'}),
                (a)-[:L]->(z), (c)-[:L]->(z)"]);
    let q = "MATCH (a:N {id: 'a'})-[*1..3]->(z:N {id: 'z'}) RETURN z";
    assert_eq!(db.execute(q, &Params::new()).unwrap().rows.len(), 3);
    let plan = profile(&mut db, q);
    // Reached: b, then a and c at depth 2, each with a link to z. At the
    // last depth, a's link to b is the trail's first (not counted), c's
    // link to a is not.
    assert!(
        plan.contains("0 links not walked on from, 4 nodes passed over"),
        "{plan}"
    );
}

/// One hop before the last depth, a node is expanded only if it links to
/// an end: found in its own list, or among the nodes the end lists once
/// the walk has looked at as many links as the end has. Rows and their
/// order stay those of walking every trail, in every direction, for types,
/// a lower bound, hops of at most one link, an end that is a hub, an id the
/// index finds only in a list, and a link to the end staged in the
/// transaction; a hop with a property map lists every node.
#[test]
fn nodes_before_the_last_hop_are_expanded_only_towards_the_end() {
    let mut db = db_with(&[
        "UNWIND range(0, 39) AS i CREATE (:N {id: 'n' + toString(i)})",
        "CREATE (:N {id: 'e'}), (:N {id: 'h'}), (:N {id: ['x', 'y']})",
        "UNWIND range(0, 39) AS i
         MATCH (a:N {id: 'n' + toString(i)}), (b:N {id: 'n' + toString((i * 7 + 3) % 40)}),
               (c:N {id: 'n' + toString((i * 11 + 5) % 40)}), (d:N {id: 'n' + toString((i + 1) % 40)})
         CREATE (a)-[:L]->(b), (a)-[:L]->(c), (a)-[:M]->(d)",
        // Links into e and out of it join different nodes.
        "MATCH (a:N), (e:N {id: 'e'}) WHERE a.id IN ['n24', 'n20', 'n2', 'n5'] CREATE (a)-[:L]->(e)",
        "MATCH (a:N), (e:N {id: 'e'}) WHERE a.id IN ['n11', 'n25', 'n39'] CREATE (e)-[:M]->(a)",
        "MATCH (a:N), (h:N {id: 'h'}) WHERE a.id STARTS WITH 'n' AND a.id <> 'n0' CREATE (a)-[:L]->(h)",
        "MATCH (a:N), (x:N) WHERE a.id IN ['n3', 'n25'] AND x.id = ['x', 'y'] CREATE (a)-[:L]->(x)",
    ]);
    let queries = [
        "MATCH p = (a:N {id: 'n0'})-[*1..3]->(e:N {id: 'e'}) RETURN [n IN nodes(p) | n.id]",
        "MATCH p = (a:N {id: 'n0'})-[:L*2..3]->(e:N {id: 'e'}) RETURN [n IN nodes(p) | n.id]",
        "MATCH p = (a:N {id: 'n0'})-[*3..3]->(e:N {id: 'e'}) RETURN [n IN nodes(p) | n.id]",
        "MATCH p = (a:N {id: 'n0'})<-[*1..3]-(e:N {id: 'e'}) RETURN [n IN nodes(p) | n.id]",
        "MATCH p = (a:N {id: 'n0'})-[*1..3]-(e:N {id: 'e'}) RETURN [n IN nodes(p) | n.id]",
        "MATCH p = (a:N {id: 'n0'})-[:M*1..3]->(e:N {id: 'e'}) RETURN [n IN nodes(p) | n.id]",
        "MATCH p = (a:N {id: 'n0'})-[*1..3]->(h:N {id: 'h'}) RETURN [n IN nodes(p) | n.id]",
        "MATCH p = (a:N {id: 'n0'})-[*1..3]->(x:N {id: 'x'}) RETURN [n IN nodes(p) | n.id]",
        "MATCH p = (a:N {id: 'n0'})-[*1..3]->(x:N {id: 'nothing'}) RETURN [n IN nodes(p) | n.id]",
        "MATCH (e:N {id: 'e'}) MATCH p = (a:N {id: 'n1'})-[*1..3]->(e) RETURN [n IN nodes(p) | n.id]",
        "MATCH p = (a:N {id: 'n5'})-[*0..1]->(e:N {id: 'e'}) RETURN [n IN nodes(p) | n.id]",
        "MATCH p = (a:N {id: 'n0'})-[*1]->(e:N {id: 'e'}) RETURN [n IN nodes(p) | n.id]",
    ];
    let run = |db: &mut Database| -> Vec<Vec<String>> {
        queries
            .iter()
            .map(|q| {
                let r = db
                    .execute(q, &Params::new())
                    .unwrap_or_else(|e| panic!("{q}: {e}"));
                r.rows.iter().map(|row| format!("{row:?}")).collect()
            })
            .collect()
    };
    db.rules = Rules::default().without(Rule::PruneHops);
    let walked = run(&mut db);
    db.rules = Rules::default();
    assert_eq!(run(&mut db), walked);
    for (i, rows) in walked.iter().enumerate() {
        // Only links of type L lead to e; no node's id is 'x' (one holds
        // it in a list), nor 'nothing'; n0 has no link to e.
        assert_eq!(
            rows.is_empty(),
            [5, 7, 8, 11].contains(&i),
            "{}: {rows:?}",
            queries[i]
        );
    }
    for q in [queries[0], queries[6]] {
        let plan = profile(&mut db, q);
        assert!(
            plan.contains("nodes before the last hop not expanded"),
            "{plan}"
        );
    }
    // Over links of type M, n0 reaches only n2 one hop before the last
    // depth, and n2's link to e is of type L.
    let plan = profile(&mut db, queries[5]);
    assert!(
        plan.contains("hops: 1 nodes before the last hop not expanded"),
        "{plan}"
    );
    // A property map on the hop reads each listed link's record: every
    // node is listed, and its error is raised either way.
    let failing = "MATCH (a:N {id: 'n0'})-[:L*1 {w: 1 / 0}]->(e:N {id: 'e'}) RETURN e";
    for rules in [Rules::default().without(Rule::PruneHops), Rules::default()] {
        db.rules = rules;
        let e = db.execute(failing, &Params::new()).unwrap_err();
        assert!(e.to_string().contains("zero"), "{e}");
    }
    // A link to e staged in the transaction, from a node reached one hop
    // before the last depth: it lists the link from the overlay.
    for (q, more) in [
        ("CREATE ()-[:L]->(:Other)", 0),
        (
            "MATCH (a:N {id: 'n38'}), (e:N {id: 'e'}) CREATE (a)-[:L]->(e)",
            2,
        ),
    ] {
        db.execute("BEGIN", &Params::new()).unwrap();
        db.execute(q, &Params::new()).unwrap();
        db.rules = Rules::default().without(Rule::PruneHops);
        let staged = run(&mut db);
        db.rules = Rules::default();
        assert_eq!(run(&mut db), staged, "after {q}");
        assert_eq!(staged[0].len(), walked[0].len() + more, "after {q}");
        db.execute("ROLLBACK", &Params::new()).unwrap();
    }
}

/// Links to the end among 150 of a node, the first at the tenth, then
/// every third: the walk steps over the others to each, and the outcomes
/// of the test had ahead from there stay those of their own links (read
/// nine places off, each would be its opposite).
#[test]
fn links_to_the_end_past_the_chunks_keep_their_own_outcomes() {
    let mut db = db_with(&[
        "CREATE (h:N {id: 'h'}), (z:N {id: 'z'}) WITH h, z UNWIND range(1, 150) AS i
             CALL { WITH h, z, i WITH h, z, i WHERE i >= 10 AND i % 3 = 1
                    CREATE (h)-[:L {w: i, c: i % 2}]->(z) }
             CALL { WITH h, i WITH h, i WHERE NOT (i >= 10 AND i % 3 = 1)
                    CREATE (h)-[:L {w: i, c: i % 2}]->(:N {id: 'x' + toString(i)}) }",
    ]);
    let q = "MATCH p = (h:N {id: 'h'})-[*1..1]->(z:N {id: 'z'})
             WHERE all(r IN relationships(p) WHERE r.c >= 1)
             RETURN relationships(p)[0].w AS w ORDER BY w";
    let expected: Vec<Vec<Value>> = (10..=150)
        .filter(|i| i % 3 == 1 && i % 2 == 1)
        .map(|i| vec![Value::Int(i)])
        .collect();
    // Read from the engine, then from the cache with the test had ahead:
    // for each of the 47 links to the end, none of the others.
    assert_eq!(db.execute(q, &Params::new()).unwrap().rows, expected);
    let r = db.execute(&format!("PROFILE {q}"), &Params::new()).unwrap();
    assert_eq!(r.rows, expected);
    let plan = r.plan.unwrap_or_default();
    assert!(plan.contains("47 links tested ahead"), "{plan}");
}

/// A start node bound from the row may have been deleted by a batch
/// committed since; its labels are checked even when every node that is
/// left carries them (and that is known: the hop to `(x:S)` counted them).
#[test]
fn a_start_node_from_the_row_keeps_its_labels_checked() {
    let mut db = db_with(&[
        "UNWIND range(1, 5) AS i CREATE (:S {i: i, id: 's' + toString(i)})",
        "MATCH (a:S {id: 's1'}), (b:S {id: 's2'}), (c:S {id: 's3'})
             CREATE (a)-[:L]->(b)-[:L]->(c)",
    ]);
    let shortest =
        "MATCH p = shortestPath((a:S {id: 's1'})-[*]->(b:S {id: 's3'})) RETURN length(p)";
    assert_eq!(
        db.execute(shortest, &Params::new()).unwrap().rows,
        vec![vec![Value::Int(2)]]
    );
    let rows = db
        .execute(
            "MATCH (s:S) WHERE s.i > 2 CALL { WITH s DETACH DELETE s } IN TRANSACTIONS
             WITH collect(s) AS gone MATCH ()-[:L]->(x:S) WITH gone, count(x) AS left
             UNWIND gone AS s MATCH (s:S) RETURN count(*) AS n",
            &Params::new(),
        )
        .unwrap()
        .rows;
    assert_eq!(rows, vec![vec![Value::Int(0)]]);
    assert_eq!(
        db.execute(shortest, &Params::new()).unwrap().rows,
        Vec::<Vec<Value>>::new()
    );
}

/// A kept column of more values than the walk keeps outcomes for is
/// tested value by value, and one of few values through the outcomes
/// kept per value: both answer as a walk that tests every link.
#[test]
fn link_tests_from_a_column_of_many_values_or_few_agree() {
    let mut db = db_with(&[
        "CREATE (h:N {id: 'h'}), (z:N {id: 'z'}) WITH h, z UNWIND range(0, 4999) AS i
             CREATE (h)-[:L {many: i * 0.001, few: i % 7}]->(z)",
    ]);
    // Each column is kept by a scan over every link.
    for key in ["many", "few"] {
        let q = format!("MATCH ()-[r:L]->() RETURN r.{key} AS v, count(*)");
        db.execute(&q, &Params::new()).unwrap();
    }
    for (test, want) in [("r.many >= 2.5", 2500), ("r.few < 3", 2144)] {
        let q = format!(
            "MATCH p = (h:N {{id: 'h'}})-[*1..1]->(z:N {{id: 'z'}})
             WHERE all(r IN relationships(p) WHERE {test}) RETURN count(p) AS n"
        );
        let n = |db: &mut Database| db.execute(&q, &Params::new()).unwrap().rows;
        assert_eq!(n(&mut db), vec![vec![Value::Int(want)]], "{test}");
        let plan = profile(&mut db, &q);
        assert!(plan.contains("5000 links tested ahead"), "{plan}");
        db.rules = Rules::default().without(Rule::PruneHops);
        assert_eq!(n(&mut db), vec![vec![Value::Int(want)]], "{test}");
        db.rules = Rules::default();
    }
}

//! The fused link-scan aggregation (`exec::link_aggregate`) against the
//! general plan on the same data: every query runs once as written (fused,
//! which PROFILE must confirm) and once with `WITH *` before its projection
//! (`general`), which keeps the MATCH from feeding the aggregation and so
//! runs the general plan. Rows
//! must agree exactly, in order; errors must agree in kind.

use supplygraph::value::Value;
use supplygraph::{Database, Params};

fn graph() -> Database {
    let mut db = Database::open_memory().expect("memory database");
    let setup = [
        "CREATE (a:Actor:State {id: 'a', name: 'A', size: 3}),
                (b:Actor {id: 'b', name: 'B', size: 1.5}),
                (c:Actor:Factory {id: 'c', name: 'C'}),
                (d:Actor:State {id: 'd', size: 3.0}),
                (e:Other {id: 'e', name: 'E'})",
        "MATCH (a {id: 'a'}), (b {id: 'b'}), (c {id: 'c'}), (d {id: 'd'}), (e {id: 'e'})
         CREATE (a)-[:SUPPLIES {category: 'ammunition', value: 10, confidence: 0.9, n: 1,
                                big: 9223372036854775807}]->(b),
                (a)-[:SUPPLIES {category: 'vehicles', value: 2.5, confidence: 0.4}]->(c),
                (b)-[:SUPPLIES {category: 'ammunition', value: 7, confidence: 0.5, n: 2, big: 1}]->(c),
                (c)-[:SUPPLIES {category: 'ammunition', confidence: 0.7}]->(d),
                (d)-[:SUPPLIES {category: null, value: 1}]->(a),
                (c)-[:SUPPLIES {category: 'electronics', value: -3, confidence: 1}]->(c),
                (a)-[:OWNS {share: 0.5, n: 5}]->(d),
                (e)-[:SUPPLIES {category: 'vehicles', value: 100, confidence: 0.95, n: 40}]->(a),
                (b)-[:OWNS]->(e)",
    ];
    for s in setup {
        db.execute(s, &Params::new()).expect("setup");
    }
    db
}

const QUERIES: &[&str] = &[
    "MATCH ()-[r:SUPPLIES]->() RETURN r.category AS category, sum(r.value) AS total, count(*) AS links ORDER BY category",
    "MATCH (s:Actor)-[r:SUPPLIES]->(d:Actor) WHERE r.confidence >= 0.5 RETURN d.id AS id, count(DISTINCT s) AS suppliers ORDER BY suppliers DESC, id ASC LIMIT 10",
    "MATCH (s)-[r:SUPPLIES]->(d) RETURN collect(r.value) AS values, collect(d.id) AS ends",
    "MATCH (s)-[r:SUPPLIES]-(d) RETURN s.id AS s, collect(d.id) AS ds, count(r) AS n ORDER BY s",
    "MATCH (s)<-[r:SUPPLIES|OWNS]-(d) RETURN s.id, min(r.value), max(r.value), avg(r.value), count(r.share) ORDER BY s.id",
    "MATCH (s:State)-[r:SUPPLIES|OWNS]->(d:State) RETURN count(*) AS n",
    "MATCH ()-[r]->() RETURN count(*) AS n, count(DISTINCT r.category) AS cats",
    "MATCH (a)-[r]->(b) RETURN a.id AS a, count(*) AS n ORDER BY n DESC, a",
    "MATCH (a:Factory)-[r:SUPPLIES]->(b) RETURN a.name, sum(r.value) * 2 AS twice, count(*) + 1 AS more",
    "MATCH (a)-[r:SUPPLIES]->(b) WHERE r.category IS NULL OR NOT r.confidence < 0.8 RETURN b.id, count(*) ORDER BY b.id",
    "MATCH (a)-[r:SUPPLIES]->(b) WHERE a.size = 3 XOR b.size = 3 RETURN r.category, count(*) ORDER BY r.category",
    "MATCH (a)-[r:SUPPLIES]->(b) WHERE r.category IN ['vehicles', 'electronics'] RETURN a.id + '>' + b.id AS hop, sum(r.value) ORDER BY hop",
    "MATCH (a)-[r:SUPPLIES]->(b) WHERE r.category STARTS WITH 'a' AND r.value > 5 RETURN count(*)",
    "MATCH (a)-[r:SUPPLIES]->(b) WHERE false RETURN count(*) AS n, collect(a.id) AS xs",
    "MATCH (a)-[r:SUPPLIES]->(b) WHERE $min <= r.value RETURN b, count(*) AS n ORDER BY n, b.id",
    "MATCH (a)-[r:NOPE]->(b) RETURN count(*) AS n",
    "MATCH (a:Missing)-[r:SUPPLIES]->(b) RETURN count(*) AS n",
    "MATCH (a)-[r:SUPPLIES]->(b) RETURN r.nokey AS k, count(*) AS n",
    "MATCH (a)-[r:SUPPLIES]->(b) RETURN DISTINCT a.size IS NULL AS unsized, count(*) AS n ORDER BY unsized",
    "MATCH (a)-[r:SUPPLIES]->(b) WITH a.id AS id, sum(r.value) AS total WHERE total > 5 RETURN id, total ORDER BY id",
    "MATCH (a)-[r:SUPPLIES]->(b) WITH a, count(*) AS n ORDER BY n DESC, a.id LIMIT 2 RETURN a.id, n",
    "MATCH (a)-[r:SUPPLIES]->(b) RETURN percentileDisc(r.value, 0.5) AS p, stDev(r.value) AS sd",
    "MATCH (a)-[r:SUPPLIES]->(b) RETURN count(*) AS n ORDER BY count(*) SKIP 0",
    "MATCH (a)-[r:SUPPLIES]->(b) RETURN size(collect(a.id)) AS n",
    // Keys that read one node only: groups are remembered per node, and
    // different nodes can still share a group (a.size 3 and 3.0).
    "MATCH (a)-[r:SUPPLIES]->(b) RETURN a.size AS size, count(*) AS n, collect(b.id) AS bs ORDER BY size",
    "MATCH (a)<-[r:SUPPLIES]-(b) RETURN a.size + 1 AS size, count(DISTINCT b) AS n, sum(r.value) AS v ORDER BY size",
    "MATCH (a)-[r:SUPPLIES|OWNS]-(b) RETURN b, b.name AS name, count(*) AS n ORDER BY name, n",
    // Counts and integer sums read straight from the columns (`r.n` holds
    // only integers; `r.value` a float too, which only a count may read so).
    "MATCH (a)-[r:SUPPLIES]->(b) RETURN r.category AS c, sum(r.n) AS total, count(r.n) AS ns, count(r.value) AS vs, count(*) AS links ORDER BY c",
    "MATCH (a)-[r]->(b) WHERE r.confidence > 0.45 OR r.share IS NOT NULL RETURN b.id AS b, sum(r.n) + 1 AS t, count(*) AS k ORDER BY b",
    "MATCH (a)-[r:OWNS]->(b) RETURN sum(r.n) AS t, count(r.n) AS c, sum(r.nokey) AS none",
    // The tight loop over columns: against the stored direction, over
    // every type, and counting integers whose sum would overflow.
    "MATCH (a)<-[r:SUPPLIES]-(b) RETURN r.category AS c, count(*) AS n, sum(r.n) AS t ORDER BY c",
    "MATCH ()-[r]->() RETURN r.n AS n, count(r.n) AS ns, count(*) AS links ORDER BY n",
    "MATCH ()-[r:SUPPLIES]->() RETURN count(r.big) AS bigs, count(*) AS n",
    // Counts of distinct other ends per node (the per-node path): nodes
    // sharing a group (a.size 3 and 3.0), both directions, the node itself
    // as the key, labels checked. Sorted: the general plan may start from
    // a label and meet the groups in another order.
    "MATCH (s)-[r:SUPPLIES|OWNS]->(d) RETURN d.id AS id, count(DISTINCT s) AS n, count(*) AS links, count(r) AS rs ORDER BY id",
    "MATCH (a)<-[r]-(b) RETURN a.size AS size, count(DISTINCT b) AS n, count(*) AS k ORDER BY size",
    "MATCH (a)-[r:SUPPLIES]-(b) RETURN b.name AS name, count(DISTINCT a) AS n ORDER BY name",
    "MATCH (a)-[r]->(b) RETURN b, count(DISTINCT a) AS n ORDER BY b.id",
    "MATCH (a:State)-[r:SUPPLIES|OWNS]->(b) RETURN b.id AS id, count(DISTINCT a) AS n, 1 AS one ORDER BY id",
    "MATCH (a)-[r:SUPPLIES|OWNS]->(b:State) WHERE r.confidence > 0.1 OR r.n > 2 RETURN b.id AS id, count(DISTINCT a) AS n ORDER BY id",
    "MATCH (a)-[r]->(b) RETURN b.id AS id, count(DISTINCT b) AS n ORDER BY id",
];

/// Queries that fail: the fused plan must fail with the same error.
const ERRORS: &[&str] = &[
    "MATCH (a)-[r:SUPPLIES]->(b) RETURN sum(r.category)",
    "MATCH (a)-[r:SUPPLIES]->(b) WHERE r.value RETURN count(*)",
    "MATCH (a)-[r:NOPE]->(b) WHERE 1 / 0 = 1 RETURN count(*)",
    "MATCH (a)-[r:SUPPLIES]->(b) WHERE 'x' RETURN count(*)",
    "MATCH (a)-[r:SUPPLIES]->(b) RETURN a.id, sum(r.value + a.name)",
    "MATCH (a)-[r:SUPPLIES]->(b) RETURN sum(r.big)",
];

/// Queries the fused plan must leave to the general one.
const NOT_FUSED: &[&str] = &[
    "MATCH (a)-[r:SUPPLIES*1..2]->(b) RETURN count(*)",
    "MATCH (a {id: 'a'})-[r]->(b) RETURN count(*)",
    "MATCH (a)-[r]->(a) RETURN count(*)",
    "MATCH (a:State)-[r]->(b) RETURN count(*)",
    "MATCH (a)-[r:SUPPLIES]->(b) RETURN count(toUpper(a.id))",
    "MATCH (a)-[r:SUPPLIES]->(b) RETURN a.id AS id",
    "OPTIONAL MATCH (a)-[r:SUPPLIES]->(b) RETURN count(*)",
    "MATCH p = (a)-[r:SUPPLIES]->(b) RETURN count(p)",
];

/// `q` as the general plan runs it: a `WITH *` before its first
/// projection keeps the MATCH from feeding an aggregation directly.
/// (`WITH 1 AS one` before the MATCH no longer does: the planner fuses the
/// scan in any clause position, repeated per input row.)
fn general(q: &str) -> String {
    let at = [" RETURN ", " WITH "]
        .iter()
        .flat_map(|k| q.match_indices(k).map(|(i, _)| i))
        .filter(|&i| !q[..i].ends_with("STARTS") && !q[..i].ends_with("ENDS"))
        .min()
        .expect("a projection");
    format!("{} WITH *{}", &q[..at], &q[at..])
}

/// A query's rows, or its error's kind and code.
type Outcome = Result<Vec<Vec<Value>>, String>;

fn outcome(db: &mut Database, q: &str, params: &Params) -> Outcome {
    db.execute(q, params)
        .map(|r| r.rows)
        .map_err(|e| format!("{}/{}", e.kind.as_str(), e.code))
}

fn fused(db: &mut Database, q: &str, params: &Params) -> bool {
    db.execute(&format!("PROFILE {q}"), params)
        .ok()
        .and_then(|r| r.plan)
        .is_some_and(|p| p.contains("LinkAggregate"))
}

#[test]
fn fused_link_aggregation_answers_as_the_general_plan() {
    let mut db = graph();
    let mut general = graph();
    general.disable_rule("LinkAggregate").unwrap();
    let mut params = Params::new();
    params.insert("min".into(), Value::Int(2));
    for q in QUERIES {
        let want = outcome(&mut general, q, &params);
        assert!(
            !fused(&mut general, q, &params),
            "fused with the rule off: {q}"
        );
        assert_eq!(outcome(&mut db, q, &params), want, "{q}");
        // After another clause, once per input row: the same rows.
        let after = format!("WITH 1 AS one {q}");
        assert_eq!(outcome(&mut db, &after, &params), want, "{after}");
        // From two input rows: each group's figures from both.
        let twice = format!("UNWIND [1, 2] AS two {q}");
        let want_twice = outcome(&mut general, &twice, &params);
        assert_eq!(outcome(&mut db, &twice, &params), want_twice, "{twice}");
        if want.is_ok() {
            assert!(fused(&mut db, q, &params), "not fused: {q}");
            assert!(fused(&mut db, &after, &params), "not fused: {after}");
            assert!(fused(&mut db, &twice, &params), "not fused: {twice}");
        }
    }
    for q in ERRORS {
        let want = outcome(&mut general, q, &params);
        assert!(want.is_err(), "{q}: {want:?}");
        assert_eq!(outcome(&mut db, q, &params), want, "{q}");
    }
    for q in NOT_FUSED {
        assert!(!fused(&mut db, q, &params), "fused: {q}");
    }
    assert!(general.disable_rule("NoSuchRule").is_err());
}

/// 300 `:N` nodes with the properties `props` (of `i`, 0 to 299) and 3,000
/// `:L` links with `w` from 0 to 4, from node `(j * 7919) % 300` to node
/// `(j * j) % ends`, the nodes found by their integer property `by`.
fn nodes_and_links(props: &str, by: &str, ends: u32) -> Database {
    let mut db = Database::open_memory().expect("memory database");
    let p = Params::new();
    db.execute(
        &format!("UNWIND range(0, 299) AS i CREATE (:N {props})"),
        &p,
    )
    .expect("nodes");
    db.execute(
        &format!(
            "UNWIND range(0, 2999) AS j MATCH (a:N {{{by}: (j * 7919) % 300}}), (b:N {{{by}: (j * j) % {ends}}})
             CREATE (a)-[:L {{w: j % 5}}]->(b)"
        ),
        &p,
    )
    .expect("links");
    db
}

/// The answers of every query, fused, and of the general plan.
fn answers(db: &mut Database, params: &Params) -> Vec<(String, Outcome)> {
    let mut out = Vec::new();
    for q in QUERIES.iter().chain(ERRORS) {
        out.push((q.to_string(), outcome(db, q, params)));
        let general = general(q);
        out.push((general.clone(), outcome(db, &general, params)));
    }
    out
}

#[test]
fn kept_link_columns_answer_as_the_records_and_follow_every_commit() {
    let mut db = graph();
    let mut params = Params::new();
    params.insert("min".into(), Value::Int(2));
    // First from the columns as built, then as kept.
    let built = answers(&mut db, &params);
    assert_eq!(answers(&mut db, &params), built);
    // Inside a transaction that has staged a link (to the same values), the
    // fused plan reads the records instead: the same answers.
    db.execute("BEGIN", &params).expect("begin");
    db.execute("MATCH ()-[r:OWNS]->() SET r.share = r.share", &params)
        .expect("stage links");
    assert_eq!(answers(&mut db, &params), built);
    db.execute("ROLLBACK", &params).expect("rollback");
    // Each committed change to the links shows in the fused answers.
    let changes = [
        "MATCH ()-[r:SUPPLIES {category: 'vehicles'}]->() SET r.value = 1000, r.category = 'fuel'",
        "MATCH (a {id: 'a'}), (b {id: 'b'}) CREATE (b)-[:SUPPLIES {category: 'drones', value: 4, confidence: 0.6}]->(a)",
        "MATCH ()-[r:SUPPLIES {category: 'ammunition'}]->(:Factory) DELETE r",
        "MATCH ()-[r:OWNS]->() REMOVE r.share",
        "MATCH (n {id: 'e'}) DETACH DELETE n",
    ];
    let mut before = built;
    for change in changes {
        db.execute(change, &params).expect(change);
        let after = answers(&mut db, &params);
        for pair in after.chunks(2) {
            assert_eq!(pair[0].1, pair[1].1, "after {change}: {}", pair[0].0);
        }
        assert_ne!(after, before, "{change} changed no answer");
        before = after;
    }
}

#[test]
fn fused_aggregation_sees_the_transactions_own_writes() {
    let mut db = graph();
    let p = Params::new();
    let q = "MATCH (a)-[r:SUPPLIES]->(b) RETURN r.category AS c, count(*) AS n ORDER BY c";
    db.execute("BEGIN", &p).expect("begin");
    db.execute(
        "MATCH (a {id: 'a'}), (b {id: 'b'}) CREATE (a)-[:SUPPLIES {category: 'fuel'}]->(b)",
        &p,
    )
    .expect("create");
    db.execute(
        "MATCH ()-[r:SUPPLIES {category: 'vehicles'}]->() DELETE r",
        &p,
    )
    .expect("delete");
    let inside = outcome(&mut db, q, &p).expect("fused inside the transaction");
    assert_eq!(inside, outcome(&mut db, &general(q), &p).unwrap());
    assert!(inside.contains(&vec![Value::String("fuel".into()), Value::Int(1)]));
    assert!(!inside
        .iter()
        .any(|r| r[0] == Value::String("vehicles".into())));
    db.execute("ROLLBACK", &p).expect("rollback");
    let after = outcome(&mut db, q, &p).unwrap();
    assert!(after.contains(&vec![Value::String("vehicles".into()), Value::Int(2)]));
}

/// Counts of distinct suppliers per node on a graph with many links per
/// node, repeated pairs and keys shared by several nodes: the per-node
/// path (pairs counted at the end) against the general plan, from kept
/// columns and from the records inside a transaction.
#[test]
fn distinct_counts_per_node_answer_as_the_general_plan() {
    let mut db = nodes_and_links("{id: i, k: i % 7}", "id", 97);
    let p = Params::new();
    let queries = [
        "MATCH (a)-[r:L]->(b) WHERE r.w >= 2 RETURN b.id AS id, count(DISTINCT a) AS n, count(*) AS c ORDER BY id",
        "MATCH (a)-[r:L]->(b) RETURN b.k AS k, count(DISTINCT a) AS n, count(*) AS c ORDER BY k",
        "MATCH (a:N)<-[r:L]-(b:N) WHERE r.w <> 1 RETURN a.id AS id, count(DISTINCT b) AS n ORDER BY n DESC, id LIMIT 5",
        "MATCH (a)-[r:L]->(b) RETURN a.k AS k, count(DISTINCT b) AS n ORDER BY k",
        "MATCH (a)-[r:L]-(b) RETURN a.id AS id, count(DISTINCT b) AS n, count(r) AS rs ORDER BY id",
    ];
    let run = |db: &mut Database| {
        let mut out = Vec::new();
        for q in queries {
            let got = outcome(db, q, &p);
            let want = outcome(db, &general(q), &p);
            assert!(want.as_ref().is_ok_and(|rows| !rows.is_empty()), "{q}");
            assert_eq!(got, want, "{q}");
            assert!(fused(db, q, &p), "not fused: {q}");
            out.push(got);
        }
        out
    };
    // Unsorted, the groups come in the order of the fused scan's links: as
    // the per-link fused path gives them (a `min` keeps a query off the
    // per-node path).
    for q in [
        "MATCH (a)-[r:L]->(b) WHERE r.w >= 2 RETURN b.id AS id, count(DISTINCT a) AS n, count(*) AS c",
        "MATCH (a)<-[r:L]-(b) RETURN a.k AS k, count(DISTINCT b) AS n",
    ] {
        let per_node = outcome(&mut db, q, &p).expect(q);
        let per_link = outcome(&mut db, &format!("{q}, min(0) AS z"), &p).expect(q);
        let per_link: Vec<Vec<Value>> = per_link
            .into_iter()
            .map(|mut r| {
                r.pop();
                r
            })
            .collect();
        assert_eq!(per_node, per_link, "{q}");
    }
    let kept = run(&mut db);
    db.execute("BEGIN", &p).expect("begin");
    db.execute("MATCH ()-[r:L {w: 4}]->() SET r.w = 4", &p)
        .expect("stage links");
    assert_eq!(run(&mut db), kept);
    db.execute("ROLLBACK", &p).expect("rollback");
}

/// Groups keyed by a node's own `id` are made without hashing when the id
/// is a string (unique in the store); nodes without an id, or with equal
/// integer ids, still share one group. And a top-k over the groups
/// (ranked before rows are built) keeps what the whole order's slice has,
/// ties in the same order, fused or not, for small and large LIMITs.
#[test]
fn own_keys_and_ranked_groups_answer_as_the_whole_order() {
    let mut db = nodes_and_links(
        "{i: i, id: CASE WHEN i < 100 THEN 'n' + toString(i) WHEN i < 200 THEN null ELSE i % 3 END}",
        "i",
        293,
    );
    let p = Params::new();
    let grouped = [
        "MATCH (a)-[r:L]->(b) WHERE r.w >= 1 RETURN b.id AS id, count(DISTINCT a) AS n, count(*) AS c",
        "MATCH (a)-[r:L]->(b) RETURN b AS node, b.id AS id, count(DISTINCT a) AS n",
        "MATCH (a)<-[r:L]-(b) RETURN a.id AS id, count(DISTINCT b) AS n",
    ];
    for q in grouped {
        let sorted = format!("{q} ORDER BY n DESC");
        let whole = outcome(&mut db, &sorted, &p).expect(q);
        assert_eq!(
            Ok(whole.clone()),
            outcome(&mut db, &general(&sorted), &p),
            "{q}"
        );
        assert!(fused(&mut db, &sorted, &p), "not fused: {q}");
        // Nulls and the integer ids 0, 1, 2 each make one group.
        if !q.contains("b AS node") {
            let ids: Vec<&Value> = whole.iter().map(|r| &r[0]).collect();
            assert_eq!(ids.iter().filter(|v| v.is_null()).count(), 1, "{q}");
            assert_eq!(
                ids.iter().filter(|v| matches!(v, Value::Int(_))).count(),
                3,
                "{q}"
            );
        }
        for (skip, limit) in [(0, 1), (0, 5), (3, 7), (0, 64), (10, 80), (0, 1000)] {
            let top = format!("{sorted} SKIP {skip} LIMIT {limit}");
            let want: Vec<Vec<Value>> = whole.iter().skip(skip).take(limit).cloned().collect();
            assert_eq!(outcome(&mut db, &top, &p), Ok(want.clone()), "{top}");
            assert_eq!(outcome(&mut db, &general(&top), &p), Ok(want), "{top}");
        }
    }
}

#[test]
fn explain_names_the_fused_plan() {
    let mut db = graph();
    let plan = |db: &mut Database, q: &str| {
        db.execute(&format!("EXPLAIN {q}"), &Params::new())
            .expect("explain")
            .plan
            .unwrap_or_default()
    };
    assert!(plan(&mut db, QUERIES[0]).contains("LinkAggregate"));
    assert!(!plan(&mut db, NOT_FUSED[0]).contains("LinkAggregate"));
}

#[test]
fn a_fused_scan_stops_when_the_statement_is_cancelled_or_times_out() {
    let mut db = Database::open_memory().expect("memory database");
    let p = Params::new();
    db.execute(
        "UNWIND range(1, 5000) AS i CREATE (:A {i: i})-[:T {v: i % 7}]->(:B)",
        &p,
    )
    .expect("setup");
    let q = "MATCH (a)-[r:T]->(b) RETURN r.v AS v, count(*) AS n";
    assert!(fused(&mut db, q, &p));
    db.cancel.deadline = Some(std::time::Instant::now());
    let err = db.execute(q, &p).expect_err("past its deadline");
    assert_eq!(err.kind.as_str(), "Timeout");
    db.cancel.deadline = None;
    db.cancel
        .flag
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let err = db.execute(q, &p).expect_err("cancelled");
    assert_eq!(err.kind.as_str(), "Cancelled");
    db.cancel
        .flag
        .store(false, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(db.execute(q, &p).expect("runs again").rows.len(), 7);
}

/// Two databases of `n` `:N` nodes (`i` from 0) and an `:L` link with
/// the properties `props` (of `a` and `b`) from every node to every node:
/// the second answers with the general plan (LinkAggregate off).
fn every_pair_linked(n: u32, props: &str) -> (Database, Database) {
    let make = || {
        let mut db = Database::open_memory().expect("memory database");
        let p = Params::new();
        db.execute(
            &format!("UNWIND range(0, {}) AS i CREATE (:N {{i: i}})", n - 1),
            &p,
        )
        .expect("nodes");
        db.execute(
            &format!("MATCH (a:N), (b:N) CREATE (a)-[:L {props}]->(b)"),
            &p,
        )
        .expect("links");
        db
    };
    let mut general = make();
    general.disable_rule("LinkAggregate").unwrap();
    (make(), general)
}

/// Past `PARALLEL_LINKS` (32,768) links the typed scan reads two halves on
/// two threads: groups, counts, sums, their order and an overflowing sum
/// must come out as one pass of the general plan gives them.
#[test]
fn a_scan_split_between_threads_answers_as_one_pass() {
    let (mut db, mut general) = every_pair_linked(
        200,
        "{c: 'k' + toString((a.i * 7 + b.i) % 13), w: (a.i + b.i) % 50,
          neg: -((a.i * b.i) % 9), big: 4611686018427387904}",
    );
    let p = Params::new();
    for q in [
        "MATCH ()-[r:L]->() RETURN r.c AS c, sum(r.w) AS s, count(*) AS n",
        "MATCH ()-[r:L]->() RETURN r.c AS c, count(r.w) AS n, sum(r.neg) AS s ORDER BY s, c",
        "MATCH ()-[r:L]->() RETURN count(*), sum(r.w), sum(r.neg)",
        "MATCH (a)-[r:L]->(b) RETURN r.c, sum(r.big)",
        "MATCH (a)-[r:L]->(b) RETURN sum(r.big)",
    ] {
        let want = outcome(&mut general, q, &p);
        assert_eq!(outcome(&mut db, q, &p), want, "{q}");
        match q.contains("big") {
            true => assert!(want.is_err(), "{q}: {want:?}"),
            false => assert!(fused(&mut db, q, &p), "not fused: {q}"),
        }
    }
}

/// The per-node path (distinct counts per node) reads its first 32,768
/// links on one thread and splits the rest; the later half stops at a
/// WHERE outcome not met before (here a `conf` only the last links hold)
/// and the first thread goes on from there. Groups, their order and
/// their counts must come out as one pass of the general plan gives them.
#[test]
fn a_per_node_scan_split_between_threads_answers_as_one_pass() {
    let (mut db, mut general) = every_pair_linked(
        256,
        "{conf: CASE WHEN a.i >= 250 THEN 0.99 ELSE ((a.i * 7 + b.i) % 10) / 10.0 END}",
    );
    let p = Params::new();
    for q in [
        "MATCH (s:N)-[r:L]->(d:N) WHERE r.conf >= 0.3 RETURN d.i AS id, count(DISTINCT s) AS n ORDER BY n DESC, id LIMIT 10",
        "MATCH (s)-[r:L]->(d) WHERE r.conf >= 0.3 RETURN d.i, count(DISTINCT s), count(*)",
        "MATCH (d)<-[r:L]-(s) WHERE r.conf > 0.5 RETURN d, count(DISTINCT s), count(r)",
        "MATCH (s)-[r:L]->(d) WHERE r.conf > 0.95 RETURN s.i, count(DISTINCT d)",
    ] {
        let want = outcome(&mut general, q, &p);
        assert!(matches!(&want, Ok(rows) if !rows.is_empty()), "{q}: {want:?}");
        assert_eq!(outcome(&mut db, q, &p), want, "{q}");
        assert!(fused(&mut db, q, &p), "not fused: {q}");
    }
}

/// A ranking by a count (`ORDER BY n DESC … LIMIT`) reads the keys of the
/// nodes that can rank only, when every node is a group of its own (here
/// every `id` a string): ties at the bar, both directions, SKIP, a LIMIT
/// from a parameter, the count written out in ORDER BY. Then ids that are
/// not strings among the nodes left out, which could share a group and
/// outrank the rest: the answers must stay the whole order's.
#[test]
fn a_ranking_by_counts_answers_as_the_whole_order() {
    let mut db = nodes_and_links("{i: i, id: 'n' + toString(i)}", "i", 293);
    let queries = [
        "MATCH (a)-[r:L]->(b) WHERE r.w >= 1 RETURN b.id AS id, count(DISTINCT a) AS n, count(*) AS c ORDER BY n DESC, id",
        "MATCH (a)-[r:L]->(b) RETURN b.id AS id, count(DISTINCT a) AS n, count(*) AS c ORDER BY c, id DESC",
        "MATCH (a)<-[r:L]-(b) RETURN a.id AS id, count(DISTINCT b) AS n ORDER BY count(DISTINCT b) DESC",
        "MATCH (a)-[r:L]->(b) WHERE r.w <> 2 RETURN b.id AS id, count(DISTINCT a) AS n ORDER BY n",
        "MATCH (a)-[r:L]->(b) RETURN b.id AS id, b.i AS i, count(*) AS c ORDER BY c DESC",
    ];
    let check = |db: &mut Database, stage: &str| {
        for q in queries {
            let whole = outcome(db, q, &Params::new()).expect(q);
            assert_eq!(Ok(whole.clone()), outcome(db, &general(q), &Params::new()));
            assert!(whole.len() > 60, "{q}: {} rows", whole.len());
            for (skip, limit) in [(0, 1), (0, 10), (4, 6), (0, 40), (30, 25)] {
                let mut p = Params::new();
                p.insert("k".into(), Value::Int(limit));
                let top = format!("{q} SKIP {skip} LIMIT $k");
                let want: Vec<Vec<Value>> = whole
                    .iter()
                    .skip(skip)
                    .take(limit as usize)
                    .cloned()
                    .collect();
                assert_eq!(outcome(db, &top, &p), Ok(want), "{stage}: {top}");
                assert!(fused(db, &top, &p), "not fused: {top}");
            }
        }
    };
    check(&mut db, "string ids");
    // Ranks differ by little: some ranking's bar falls among ties.
    let n = "MATCH (a)-[r:L]->(b) RETURN b, count(DISTINCT a) AS n ORDER BY n DESC SKIP 9 LIMIT 2";
    let bar = outcome(&mut db, n, &Params::new()).expect(n);
    assert_eq!(bar[0][1], bar[1][1], "no tie at the tenth place: {bar:?}");
    for (stage, change) in [
        ("an integer id", "MATCH (n:N {i: 290}) SET n.id = 7"),
        ("a missing id", "MATCH (n:N {i: 3}) REMOVE n.id"),
        (
            "many missing ids",
            "MATCH (n:N) WHERE n.i >= 200 REMOVE n.id",
        ),
    ] {
        db.execute(change, &Params::new()).expect(change);
        check(&mut db, stage);
    }
    // The nodes without an id now share one group, first by its counts.
    let q =
        "MATCH (a)-[r:L]->(b) RETURN b.id AS id, count(DISTINCT a) AS n ORDER BY n DESC LIMIT 1";
    let first = outcome(&mut db, q, &Params::new()).expect(q);
    assert_eq!(first[0][0], Value::Null, "{first:?}");
}

/// Nodes kept by a ranking that share a key (no `id`, or equal integer
/// ids) make one group: fewer groups than were ranked, or one that ranks
/// elsewhere. The answers must be the general plan's.
#[test]
fn kept_nodes_that_share_a_key_answer_as_the_general_plan() {
    let mut db = Database::open_memory().expect("memory database");
    let mut general = Database::open_memory().expect("memory database");
    general.disable_rule("LinkAggregate").unwrap();
    let setup = [
        "CREATE (:X {id: 'a'}), (:X {n: 'b'}), (:X {n: 'c'}), (:X {id: 'd'}), (:X {id: 'e'})",
        "UNWIND range(1, 6) AS i CREATE (:S {i: i})",
        "UNWIND [['a', [1, 2, 3, 4, 5]], ['b', [1, 2, 3]], ['c', [4, 5, 6]], ['d', [1, 2]], ['e', [1]]] AS p
         MATCH (x:X) WHERE x.id = p[0] OR x.n = p[0]
         UNWIND p[1] AS i MATCH (s:S {i: i}) CREATE (s)-[:T]->(x)",
    ];
    for db in [&mut db, &mut general] {
        for q in setup {
            db.execute(q, &Params::new()).expect(q);
        }
    }
    let queries = [
        "MATCH (s)-[r:T]->(x) RETURN x.id AS id, count(DISTINCT s) AS n ORDER BY n DESC LIMIT 3",
        "MATCH (s)-[r:T]->(x) RETURN x.id AS id, count(DISTINCT s) AS n ORDER BY n LIMIT 2",
        "MATCH (s)-[r:T]->(x) RETURN x.id AS id, count(*) AS n ORDER BY n DESC, id SKIP 1 LIMIT 2",
    ];
    let check = |db: &mut Database, general: &mut Database, stage: &str| {
        for q in queries {
            let want = outcome(general, q, &Params::new());
            assert!(
                matches!(&want, Ok(rows) if rows.len() >= 2),
                "{q}: {want:?}"
            );
            assert_eq!(outcome(db, q, &Params::new()), want, "{stage}: {q}");
            assert!(fused(db, q, &Params::new()), "not fused: {q}");
        }
    };
    check(&mut db, &mut general, "no ids");
    for db in [&mut db, &mut general] {
        db.execute(
            "MATCH (x:X) WHERE x.id IS NULL SET x.id = 1",
            &Params::new(),
        )
        .expect("equal ids");
    }
    check(&mut db, &mut general, "equal integer ids");
}

/// The tight loop over columns takes types asked for that are a run of
/// codes with one comparison, and at most three aggregates that read a
/// property; other types and more aggregates take the general loop. Each
/// answers as the general plan.
#[test]
fn types_and_aggregates_of_the_tight_loop_answer_as_the_general_plan() {
    let make = || {
        let mut db = Database::open_memory().expect("memory database");
        let link = |m: u32, rel: &str| {
            format!(
                "MATCH (a:N), (b:N) WHERE a.i % 4 = {m} AND b.i = (a.i * 7) % 60 CREATE (a)-[{rel}]->(b)"
            )
        };
        for q in [
            "UNWIND range(0, 59) AS i CREATE (:N {i: i})".to_string(),
            link(0, ":A {c: 'k' + toString(a.i % 3), x: a.i, y: 2}"),
            link(1, ":B {c: 'k' + toString(a.i % 3), x: -a.i}"),
            link(2, ":C {c: 'k' + toString(a.i % 5), y: a.i * 3}"),
            link(3, ":D {x: 1, y: 1}"),
        ] {
            db.execute(&q, &Params::new()).expect("setup");
        }
        db
    };
    let (mut db, mut general) = (make(), make());
    general.disable_rule("LinkAggregate").unwrap();
    let p = Params::new();
    let all = "count(*) AS n, sum(r.x) AS x, count(r.y) AS ys";
    for types in [
        "", ":A", ":D", ":A|B", ":C|B|B", ":A|B|C|D", ":A|C", ":B|D", ":D|NOPE", ":NOPE",
    ] {
        for q in [
            format!("MATCH ()-[r{types}]->() RETURN r.c AS c, {all} ORDER BY c"),
            format!("MATCH ()-[r{types}]->() RETURN {all}"),
            format!(
                "MATCH ()<-[r{types}]-() RETURN r.c AS c, sum(r.x) AS x, sum(r.y) AS y, \
                 count(r.x) AS xs, count(r.y) AS ys, count(*) AS n ORDER BY c"
            ),
        ] {
            let want = outcome(&mut general, &q, &p);
            assert!(want.is_ok(), "{q}: {want:?}");
            assert_eq!(outcome(&mut db, &q, &p), want, "{q}");
            assert!(fused(&mut db, &q, &p), "not fused: {q}");
        }
    }
}

//! Golden SQL for a few queries, and the `Unsupported` errors with their
//! positions. That the SQL answers as the engine does is tests/spark.rs.

use super::{compile, Schema};
use crate::database::Params;
use crate::query::parse::parse_statement;
use crate::value::Value;

fn sql(text: &str, params: &[(&str, Value)]) -> Result<String, String> {
    let stmt = parse_statement(text).map_err(|e| e.message)?;
    let params: Params = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let schema = Schema::workload();
    compile(&stmt, &params, Some(&schema)).map_err(|e| {
        let span = e.span.map(|s| &text[s.start..s.end]).unwrap_or("");
        format!("{} ({}) at '{span}'", e.message, e.code)
    })
}

fn s(v: &str) -> Value {
    Value::String(v.into())
}

#[test]
fn aggregate_over_links_groups_implicitly() {
    let got = sql(
        "MATCH ()-[r:SUPPLIES]->() RETURN r.category AS category, sum(r.value) AS total_value, count(*) AS links ORDER BY category",
        &[],
    )
    .unwrap();
    assert_eq!(
        got,
        "SELECT __o3.`category` AS `category`, __o3.`total_value` AS `total_value`, __o3.`links` AS `links` \
FROM (SELECT `r`.`category` AS `category`, coalesce(sum(`r`.`value`), 0L) AS `total_value`, count(1) AS `links` \
FROM (SELECT struct(__e1.*) AS `r`\nFROM links __e1\nWHERE __e1.`_type` IN ('SUPPLIES')) __w2 \
GROUP BY `r`.`category`) __o3 ORDER BY `category` ASC NULLS LAST"
    );
}

#[test]
fn fixed_hops_join_from_the_constrained_end_with_distinct_links() {
    let got = sql(
        "MATCH (c:Actor)<-[:SUPPLIES]-(:Actor)<-[:SUPPLIES]-(a:Actor {id: $mid}) RETURN count(DISTINCT c) AS n",
        &[("mid", s("a1"))],
    )
    .unwrap();
    // Walked from `a` (it has a property map), so the links are joined
    // from their `_src`; the two links must differ.
    assert_eq!(
        got,
        "SELECT count(DISTINCT `c`.`_id`) AS `n` FROM (SELECT struct(__n1.*) AS `a`, struct(__n5.*) AS `c`
FROM actors __n1
  JOIN links __e2 ON __e2.`_src` = __n1.`_id` AND __e2.`_type` IN ('SUPPLIES')
  JOIN actors __n3 ON __n3.`_id` = __e2.`_dst`
  JOIN links __e4 ON __e4.`_src` = __n3.`_id` AND __e4.`_type` IN ('SUPPLIES')
  JOIN actors __n5 ON __n5.`_id` = __e4.`_dst`
WHERE array_contains(__n1.`_labels`, 'Actor')
  AND __n1.`id` = 'a1'
  AND array_contains(__n3.`_labels`, 'Actor')
  AND array_contains(__n5.`_labels`, 'Actor')
  AND __e2.`_id` <> __e4.`_id`) __w6"
    );
}

#[test]
fn variable_length_unrolls_into_one_select_per_length() {
    let got = sql(
        "MATCH p = (a:Actor {id: 'x'})-[*1..3]->(b:Actor {id: 'y'}) WHERE all(r IN relationships(p) WHERE r.confidence >= 0.5) RETURN count(p) AS paths",
        &[],
    )
    .unwrap();
    assert_eq!(got.matches("UNION ALL").count(), 2, "{got}");
    assert!(
        got.contains("named_struct('len', 3L, 'rels', array(struct("),
        "{got}"
    );
    assert!(got.contains("forall(`p`.rels, __l"), "{got}");
    // Three links pairwise distinct in the longest branch.
    assert!(got.contains("<> __e"), "{got}");
}

#[test]
fn optional_match_is_a_left_join_on_the_bound_node() {
    let got = sql(
        "MATCH (a:Actor {id: 'x'}) OPTIONAL MATCH (a)-[r]->() RETURN a.name AS name, count(r) AS out_links",
        &[],
    )
    .unwrap();
    assert!(got.contains("LEFT JOIN"), "{got}");
    assert!(got.contains("SELECT DISTINCT"), "{got}");
    assert!(got.ends_with("GROUP BY `a`.`name`"), "{got}");
}

#[test]
fn every_workload_query_compiles() {
    let p = [
        ("id", s("a")),
        ("hub", s("b")),
        ("mid", s("c")),
        ("from", s("d")),
        ("to", s("e")),
    ];
    for q in [
        "MATCH (a:Actor {id: $id}) OPTIONAL MATCH (a)-[r]->() RETURN a.name AS name, count(r) AS out_links",
        "MATCH (s:Actor)-[r:SUPPLIES]->(h:Actor {id: $hub}) WHERE r.category = 'ammunition' RETURN DISTINCT s.name AS name ORDER BY name LIMIT 100",
        "MATCH (a:Actor {id: $mid})-[*1..3]->(b:Actor) RETURN count(DISTINCT b) AS n",
        "MATCH (a:Actor {id: $from}), (b:Actor {id: $to}) MATCH p = shortestPath((a)-[*1..30]->(b)) RETURN length(p) AS hops",
        "MATCH (s:Actor)-[r:SUPPLIES]->(d:Actor) WHERE r.confidence >= 0.5 RETURN d.id AS id, count(DISTINCT s) AS suppliers ORDER BY suppliers DESC, id ASC LIMIT 10",
        "UNWIND [1, 2, 3] AS x WITH x WHERE x > 1 RETURN x * 2 AS y ORDER BY y DESC SKIP 1",
    ] {
        sql(q, &p).unwrap_or_else(|e| panic!("{q}: {e}"));
    }
}

#[test]
fn constructs_without_a_spark_form_are_unsupported_where_written() {
    for (q, what) in [
        ("CREATE (n)", "CREATE (n)"),
        ("MATCH (a), (b) RETURN a < b AS x", "a < b"),
        ("MATCH (a) RETURN trim(a.name) AS t", "trim(a.name)"),
        ("MATCH (a)-[*]->(b) RETURN b", "-[*]->"),
        ("MATCH (a)-[*0..2]->(b) RETURN b", "-[*0..2]->"),
        ("MATCH (a)-[r]->(b) AS OF 2021.5 RETURN b", "2021.5"),
        ("MATCH (@belarus)-->(b) RETURN b", "@belarus"),
        (
            "MATCH (a) RETURN a.name + a.id AS x, reduce(s = 0, x IN [1] | s + x) AS y",
            "reduce(s = 0, x IN [1] | s + x)",
        ),
        (
            "MATCH (a) RETURN single(x IN [1] WHERE x > 0) AS y",
            "single(x IN [1] WHERE x > 0)",
        ),
        (
            "CALL algo.wcc() YIELD node RETURN node",
            "CALL algo.wcc() YIELD node",
        ),
        (
            "MATCH (a), (b) MATCH p = allShortestPaths((a)-[*]->(b)) RETURN p",
            "p = allShortestPaths((a)-[*]->(b))",
        ),
    ] {
        let e = sql(q, &[]).expect_err(q);
        assert!(e.contains("cannot run on Spark (Unsupported)"), "{q}: {e}");
        assert!(e.ends_with(&format!("at '{what}'")), "{q}: {e}");
    }
}

#[test]
fn estimates_and_dates_need_their_bounds_and_missing_keys_are_null() {
    let mut schema = Schema::workload();
    for c in ["share_lo", "share_hi"] {
        schema
            .actors
            .insert(c.into(), super::schema::ColType::Float);
    }
    let stmt = parse_statement("MATCH (a) RETURN a.share AS s").unwrap();
    let e = compile(&stmt, &Params::new(), Some(&schema)).unwrap_err();
    assert_eq!(e.code, "Unsupported");
    assert!(e.message.contains("estimate"), "{}", e.message);
    // `since` is a link property: on an actor it is null, as in Cypher;
    // a string never equals an integer.
    let got = sql("MATCH (a) RETURN a.name = 1 AS x, a.since AS y", &[]).unwrap();
    assert!(got.starts_with("SELECT (CASE WHEN `a`.`name` IS NULL OR 1L IS NULL THEN NULL ELSE FALSE END) AS `x`, NULL AS `y`"), "{got}");
}

#[test]
fn as_of_keeps_links_valid_then() {
    let got = sql("MATCH (a)-[r]->(b) AS OF 2021 RETURN count(*) AS n", &[]).unwrap();
    assert!(got.contains("NOT coalesce(__e"), "{got}");
    assert!(got.contains(".`since` > 2021L, FALSE)"), "{got}");
    assert!(got.contains(".`until` < 2021L, FALSE)"), "{got}");
}

#[test]
fn the_algorithms_name_what_they_would_need() {
    let e = sql("CALL algo.pagerank() YIELD node, score RETURN node", &[]).unwrap_err();
    assert!(
        e.starts_with("CALL algo.pagerank (GraphFrames' pageRank) needs the GraphFrames jar"),
        "{e}"
    );
    assert!(e.contains("cannot run on Spark (Unsupported)"), "{e}");
    let e = sql("CALL algo.wcc() YIELD node RETURN node", &[]).unwrap_err();
    assert!(e.contains("GraphFrames' connectedComponents"), "{e}");
    let e = sql("CALL algo.chokepoints() YIELD node RETURN node", &[]).unwrap_err();
    assert!(
        e.starts_with("CALL algo.chokepoints cannot run on Spark"),
        "{e}"
    );
}

#[test]
fn a_float_divided_by_zero_is_infinity_or_nan_not_an_error() {
    let got = sql("UNWIND [1.5, -2.0, 0.0] AS x RETURN x / 0, x % 0", &[]).unwrap();
    assert!(got.contains("WHEN 0L = 0 THEN CASE WHEN"), "{got}");
    assert!(
        got.contains("double('Infinity')") && got.contains("double('-Infinity')"),
        "{got}"
    );
    assert!(got.contains("double('NaN')"), "{got}");
    // Integers still divide as Spark's `div` (0 is Cypher's error too).
    let got = sql("UNWIND [3] AS x RETURN x / 2", &[]).unwrap();
    assert!(got.contains(" div 2L") && !got.contains("NaN"), "{got}");
}

#[test]
fn nan_compares_as_cypher_has_it() {
    let got = sql(
        "WITH 0.0 / 0.0 AS nan RETURN nan = nan, nan <> nan, nan > 1",
        &[],
    )
    .unwrap();
    assert!(
        got.contains("WHEN isnan(`nan`) OR isnan(`nan`) THEN FALSE ELSE `nan` = `nan` END"),
        "{got}"
    );
    assert!(got.contains("THEN TRUE ELSE `nan` <> `nan` END"), "{got}");
    // Integers compare as before.
    let got = sql("UNWIND [1] AS x RETURN x > 0", &[]).unwrap();
    assert!(!got.contains("isnan"), "{got}");
}

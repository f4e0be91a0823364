//! Unit tests of the parser: one group per construct, then precedence,
//! errors and robustness.

use super::*;
use crate::query::ast::*;

pub(super) fn parse(text: &str) -> Statement {
    match parse_statement(text) {
        Ok(s) => s,
        Err(e) => panic!("{text:?} failed: {e} at {:?}", e.span),
    }
}

pub(super) fn err(text: &str) -> SyntaxError {
    match parse_statement(text) {
        Ok(s) => panic!("{text:?} parsed: {s:?}"),
        Err(e) => e,
    }
}

pub(super) fn clauses(text: &str) -> Vec<Clause> {
    match parse(text).body {
        Body::Query(q) => q.first.clauses,
        other => panic!("not a query: {other:?}"),
    }
}

/// The expression of `RETURN <expr>`.
pub(super) fn expr(text: &str) -> Expr {
    match clauses(&format!("RETURN {text}")).remove(0) {
        Clause::Return(r) => r.projection.items.into_iter().next().unwrap().expr,
        c => panic!("{c:?}"),
    }
}

/// The WHERE predicate of `MATCH (n) WHERE <expr>`.
pub(super) fn predicate(text: &str) -> Expr {
    match clauses(&format!("MATCH (n) WHERE {text} RETURN n")).remove(0) {
        Clause::Match(m) => m.where_.unwrap(),
        c => panic!("{c:?}"),
    }
}

/// A compact rendering of an expression tree to compare shapes.
pub(super) fn show(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Null => "null".into(),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Int(i) => i.to_string(),
        ExprKind::Float(f) => format!("{f:?}"),
        ExprKind::String(s) => format!("'{s}'"),
        ExprKind::Parameter(p, _) => format!("${p}"),
        ExprKind::Variable(v, _) => v.clone(),
        ExprKind::Actor(a) => format!("@{a}"),
        ExprKind::List(l) => format!("[{}]", l.iter().map(show).collect::<Vec<_>>().join(", ")),
        ExprKind::Map(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", k.name, show(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ExprKind::Property(e, k) => format!("{}.{}", show(e), k.name),
        ExprKind::Index(e, i) => format!("{}[{}]", show(e), show(i)),
        ExprKind::Slice(e, a, b) => format!(
            "{}[{}..{}]",
            show(e),
            a.as_ref().map(|x| show(x)).unwrap_or_default(),
            b.as_ref().map(|x| show(x)).unwrap_or_default()
        ),
        ExprKind::Unary(op, e) => format!("({op:?} {})", show(e)),
        ExprKind::Binary(op, a, b) => format!("({} {op:?} {})", show(a), show(b)),
        ExprKind::IsNull { expr, negated } => {
            format!(
                "({} IS{} NULL)",
                show(expr),
                if *negated { " NOT" } else { "" }
            )
        }
        ExprKind::HasLabels(e, l) => format!(
            "({}:{})",
            show(e),
            l.iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>()
                .join(":")
        ),
        ExprKind::Function {
            name,
            distinct,
            args,
            ..
        } => format!(
            "{name}({}{})",
            if *distinct { "DISTINCT " } else { "" },
            args.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        ExprKind::CountStar => "count(*)".into(),
        other => format!("{other:?}"),
    }
}

pub(super) fn shape(text: &str) -> String {
    show(&expr(text))
}

// ---------------------------------------------------------------- statements

#[test]
fn modes_and_transactions() {
    assert_eq!(parse("EXPLAIN MATCH (n) RETURN n").mode, Mode::Explain);
    assert_eq!(parse("profile RETURN 1").mode, Mode::Profile);
    assert_eq!(parse("RETURN 1;").mode, Mode::Normal);
    assert_eq!(parse("BEGIN").body, Body::Begin);
    assert_eq!(parse("commit;").body, Body::Commit);
    assert_eq!(parse(" ROLLBACK ").body, Body::Rollback);
}

#[test]
fn union() {
    let Body::Query(q) = parse("RETURN 1 AS x UNION ALL RETURN 2 AS x UNION RETURN 3 AS x").body
    else {
        panic!()
    };
    assert_eq!(q.unions.len(), 2);
    assert!(q.unions[0].all);
    assert!(!q.unions[1].all);
}

#[test]
fn match_clauses() {
    let c = clauses("OPTIONAL MATCH (a)-->(b), (c) AS OF 2022 WHERE a.x = 1 RETURN a");
    let Clause::Match(m) = &c[0] else { panic!() };
    assert!(m.optional);
    assert_eq!(m.pattern.len(), 2);
    assert_eq!(show(m.as_of.as_ref().unwrap()), "2022");
    assert_eq!(
        show(m.where_.as_ref().unwrap()),
        "((a.x) Eq 1)".replace("(a.x)", "a.x")
    );
}

/// A pattern map's key carries its number among the store names, as a
/// property read's does: a run finds its code by it, not by a hash lookup.
#[test]
fn a_pattern_maps_keys_are_numbered_as_store_names() {
    let stmt = parse("MATCH (a {id: $x})-[r {w: 1}]->(b) WHERE b.id = 2 RETURN a");
    let Body::Query(q) = &stmt.body else { panic!() };
    let Clause::Match(m) = &q.first.clauses[0] else {
        panic!()
    };
    let element = &m.pattern[0].element;
    let key = |e: &Option<Expr>| match &e.as_ref().unwrap().kind {
        ExprKind::Map(entries) => entries[0].0.sym,
        k => panic!("{k:?}"),
    };
    let stored = q.symbols.stored();
    let id = key(&element.start.properties);
    assert_eq!(stored.get(id.0 as usize).map(String::as_str), Some("id"));
    let w = key(&element.chain[0].0.properties);
    assert_eq!(stored.get(w.0 as usize).map(String::as_str), Some("w"));
    let ExprKind::Binary(_, lhs, _) = &m.where_.as_ref().unwrap().kind else {
        panic!()
    };
    let ExprKind::Property(_, read) = &lhs.kind else {
        panic!()
    };
    assert_eq!(read.sym, id, "the same number as the read of b.id");
}

#[test]
fn with_and_return_projections() {
    let c = clauses(
        "MATCH (n) WITH DISTINCT n.name AS name, n ORDER BY name DESC, n.x ASCENDING SKIP 1 LIMIT 2 \
         WHERE name <> 'x' RETURN *, name AS y ORDER BY y DESCENDING",
    );
    let Clause::With(w) = &c[1] else { panic!() };
    assert!(w.projection.distinct);
    assert_eq!(w.projection.items.len(), 2);
    assert_eq!(w.projection.items[0].alias.as_ref().unwrap().name, "name");
    assert_eq!(w.projection.items[0].text, "n.name");
    assert_eq!(w.projection.order_by.len(), 2);
    assert!(w.projection.order_by[0].descending);
    assert!(!w.projection.order_by[1].descending);
    assert_eq!(show(w.projection.skip.as_ref().unwrap()), "1");
    assert_eq!(show(w.projection.limit.as_ref().unwrap()), "2");
    assert!(w.where_.is_some());
    let Clause::Return(r) = &c[2] else { panic!() };
    assert!(r.projection.star);
    assert_eq!(r.projection.items.len(), 1);
    assert!(r.projection.order_by[0].descending);
}

#[test]
fn projection_text_is_the_source_slice() {
    let c = clauses("MATCH (a) RETURN a.name, count(*), a.x   +  1 , a.y /* c */ AS z");
    let Clause::Return(r) = &c[1] else { panic!() };
    let texts: Vec<&str> = r.projection.items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(texts, vec!["a.name", "count(*)", "a.x   +  1", "a.y"]);
    assert_eq!(r.projection.items[0].expr.span, Span::new(17, 23));
}

#[test]
fn unwind() {
    let c = clauses("UNWIND [1, 2] AS x RETURN x");
    let Clause::Unwind(u) = &c[0] else { panic!() };
    assert_eq!(u.variable.name, "x");
    assert_eq!(show(&u.expr), "[1, 2]");
}

#[test]
fn create_merge_set_remove_delete() {
    let c = clauses(
        "CREATE (a:A {k: 1})-[:T]->(b) MERGE (x:X {id: 1}) ON MATCH SET x.seen = true \
         ON CREATE SET x.new = 1, x:New ON MATCH SET x += {a: 1} \
         SET a.p = 1, (b).q = 2, a = {x: 1}, a += $m, a:B:C \
         REMOVE a.p, a:B DETACH DELETE a, b DELETE x",
    );
    let Clause::Create(cr) = &c[0] else { panic!() };
    assert_eq!(cr.pattern[0].element.chain.len(), 1);
    let Clause::Merge(m) = &c[1] else { panic!() };
    assert_eq!(m.on_match.len(), 2);
    assert_eq!(m.on_create.len(), 2);
    let Clause::Set(s) = &c[2] else { panic!() };
    assert!(matches!(&s.items[0], SetItem::Property { key, .. } if key.name == "p"));
    assert!(
        matches!(&s.items[1], SetItem::Property { target, key, .. } if key.name == "q" && show(target) == "b")
    );
    assert!(matches!(&s.items[2], SetItem::Replace { variable, .. } if variable.name == "a"));
    assert!(matches!(&s.items[3], SetItem::Append { value, .. } if show(value) == "$m"));
    assert!(matches!(&s.items[4], SetItem::Labels { labels, .. } if labels.len() == 2));
    let Clause::Remove(r) = &c[3] else { panic!() };
    assert!(matches!(&r.items[0], RemoveItem::Property { key, .. } if key.name == "p"));
    assert!(matches!(&r.items[1], RemoveItem::Labels { labels, .. } if labels[0].name == "B"));
    let Clause::Delete(d) = &c[4] else { panic!() };
    assert!(d.detach);
    assert_eq!(d.exprs.len(), 2);
    let Clause::Delete(d) = &c[5] else { panic!() };
    assert!(!d.detach);
}

#[test]
fn write_pattern_checks() {
    assert_eq!(err("CREATE ()-->()").code, "NoSingleRelationshipType");
    assert_eq!(
        err("CREATE (a)-[:T]-(b)").code,
        "RequiresDirectedRelationship"
    );
    assert_eq!(
        err("CREATE (a)<-[:T]->(b)").code,
        "RequiresDirectedRelationship"
    );
    assert_eq!(
        err("CREATE ()-[:A|:B]->()").code,
        "NoSingleRelationshipType"
    );
    assert_eq!(err("CREATE ()-[:T*2]->()").code, "CreatingVarLength");
    assert_eq!(err("MERGE (a)-[:T*2]->(b)").code, "CreatingVarLength");
    assert_eq!(err("MERGE (a)-->(b)").code, "NoSingleRelationshipType");
    assert!(parse_statement("MATCH ()-[r]->() CREATE ()-[r]->()").is_ok());
    assert!(parse_statement("MERGE (a)-[:T]-(b)").is_ok());
    assert_eq!(err("MATCH (n $param) RETURN n").code, "InvalidParameterUse");
    assert_eq!(err("MERGE (a)-[r:T $p]->(b)").code, "InvalidParameterUse");
    assert!(parse_statement("CREATE (n $param)").is_ok());
}

#[test]
fn set_nested_property_target() {
    let c = clauses("MATCH (n) SET n.a.b = 1");
    let Clause::Set(s) = &c[1] else { panic!() };
    let SetItem::Property { target, key, .. } = &s.items[0] else {
        panic!()
    };
    assert_eq!(show(target), "n.a");
    assert_eq!(key.name, "b");
}

#[test]
fn call_clauses() {
    let c = clauses(
        "CALL algo.chokepoints(@china, @russia) YIELD node, score AS s WHERE s > 1 RETURN node",
    );
    let Clause::Call(call) = &c[0] else { panic!() };
    assert_eq!(call.procedure, vec!["algo", "chokepoints"]);
    assert_eq!(call.args.as_ref().unwrap().len(), 2);
    let y = call.yields.as_ref().unwrap();
    assert_eq!(y[1].alias.as_ref().unwrap().name, "s");
    assert!(call.where_.is_some());
    let c = clauses("CALL db.labels");
    let Clause::Call(call) = &c[0] else { panic!() };
    assert!(call.args.is_none());
    let c = clauses("CALL db.labels() YIELD *");
    let Clause::Call(call) = &c[0] else { panic!() };
    assert!(call.yield_star);
}

#[test]
fn call_passing_mode_errors() {
    assert_eq!(
        err("CALL a.b YIELD x RETURN x").code,
        "InvalidArgumentPassingMode"
    );
    assert_eq!(err("CALL a.b() YIELD * RETURN x").code, "UnexpectedSyntax");
}

// ------------------------------------------------------------------ patterns

pub(super) fn first_part(text: &str) -> PatternPart {
    match clauses(text).remove(0) {
        Clause::Match(m) => m.pattern.into_iter().next().unwrap(),
        c => panic!("{c:?}"),
    }
}

#[test]
fn node_patterns() {
    let p = first_part("MATCH (a:L1:L2 {k: 'v'}) RETURN a");
    let n = &p.element.start;
    assert_eq!(n.variable.as_ref().unwrap().name, "a");
    assert_eq!(n.labels.len(), 2);
    assert_eq!(show(n.properties.as_ref().unwrap()), "{k: 'v'}");
    let Clause::Create(c) = &clauses("CREATE (a $props)")[0] else {
        panic!()
    };
    assert_eq!(
        show(c.pattern[0].element.start.properties.as_ref().unwrap()),
        "$props"
    );
    let p = first_part("MATCH () RETURN 1");
    assert!(p.element.start.variable.is_none());
}

#[test]
fn actor_patterns() {
    let p = first_part(
        "MATCH (@belarus)-[:SUPPLIES*..3]->(b:Country @\"Republic of Belarus\") RETURN b",
    );
    assert_eq!(p.element.start.actor.as_ref().unwrap().name, "belarus");
    let (_, b) = &p.element.chain[0];
    assert_eq!(b.actor.as_ref().unwrap().name, "Republic of Belarus");
    assert_eq!(b.labels[0].name, "Country");
    let p = first_part("MATCH (x @'china') RETURN x");
    assert_eq!(p.element.start.actor.as_ref().unwrap().name, "china");
    assert_eq!(shape("@belarus"), "@belarus");
}

#[test]
fn relationship_patterns() {
    let p = first_part(
        "MATCH (a)-[r:T1|T2|:T3 *1..3 {k: 1}]->(b)<-[]-(c)-[]-(d)-->(e)<--(f)--(g)<-->(h) RETURN a",
    );
    let rels: Vec<&RelPattern> = p.element.chain.iter().map(|(r, _)| r).collect();
    assert_eq!(rels[0].variable.as_ref().unwrap().name, "r");
    assert_eq!(rels[0].types.len(), 3);
    assert_eq!(rels[0].types[2].name, "T3");
    assert_eq!(
        rels[0].length,
        Some(LengthRange {
            min: Some(1),
            max: Some(3)
        })
    );
    assert!(rels[0].properties.is_some());
    let dirs: Vec<Direction> = rels.iter().map(|r| r.direction).collect();
    use Direction::*;
    assert_eq!(
        dirs,
        vec![Outgoing, Incoming, Both, Outgoing, Incoming, Both, Both]
    );
}

#[test]
fn variable_lengths() {
    let len = |s: &str| {
        let p = first_part(&format!("MATCH (a)-[{s}]->(b) RETURN a"));
        p.element.chain[0].0.length
    };
    let r = |min, max| Some(LengthRange { min, max });
    assert_eq!(len(""), None);
    assert_eq!(len("*"), r(None, None));
    assert_eq!(len("*2"), r(Some(2), Some(2)));
    assert_eq!(len("*1..3"), r(Some(1), Some(3)));
    assert_eq!(len(":T*..5"), r(None, Some(5)));
    assert_eq!(len("*2.."), r(Some(2), None));
    assert_eq!(len("* 0 .. 2"), r(Some(0), Some(2)));
    assert_eq!(
        err("MATCH (a)-[:T..]->(b) RETURN a").code,
        "InvalidRelationshipPattern"
    );
    assert_eq!(
        err("MATCH (a)-[:T*-2]->(b) RETURN a").code,
        "InvalidRelationshipPattern"
    );
}

#[test]
fn named_and_shortest_paths() {
    let p = first_part("MATCH p = shortestPath((a)-[*]-(b)) RETURN p");
    assert_eq!(p.variable.as_ref().unwrap().name, "p");
    assert_eq!(p.kind, PathKind::Shortest);
    assert_eq!(
        first_part("MATCH p = ALLSHORTESTPATHS((a)-[*]-(b)) RETURN p").kind,
        PathKind::AllShortest
    );
    assert_eq!(
        first_part("MATCH p = strongestPath((a)-[*]-(b)) RETURN p").kind,
        PathKind::Strongest
    );
    assert_eq!(
        first_part("MATCH p = (a)-->(b) RETURN p").kind,
        PathKind::Normal
    );
    assert!(matches!(
        expr("shortestPath((a)-[*]-(b))").kind,
        ExprKind::ShortestPathExpr { all: false, .. }
    ));
}

#[test]
fn pattern_predicates_only_in_where() {
    let e = predicate("(n)-[:T]->() AND NOT (n)<--(:X)");
    assert!(
        matches!(&e.kind, ExprKind::Binary(BinaryOp::And, a, _) if matches!(a.kind, ExprKind::PatternPredicate(_)))
    );
    assert!(matches!(
        predicate("exists((n)-->())").kind,
        ExprKind::Function { .. }
    ));
    assert_eq!(err("MATCH (n) RETURN (n)-[]->()").code, "UnexpectedSyntax");
    assert_eq!(
        err("MATCH (n) WITH (n)-->() AS x RETURN x").code,
        "UnexpectedSyntax"
    );
    // A parenthesised node alone is an expression, not a pattern.
    assert_eq!(shape("(n)"), "n");
    assert_eq!(shape("(a) - (b)"), "(a Sub b)");
}

#[test]
fn subqueries() {
    // The short form is its pattern and WHERE as a lone MATCH.
    let e = predicate("EXISTS { (n)-[:T]->(m) WHERE m.x = 1 }");
    let ExprKind::Subquery(s) = &e.kind else {
        panic!("{e:?}")
    };
    assert!(s.short && s.kind == SubqueryKind::Exists);
    assert!(matches!(&s.query.first.clauses[..], [Clause::Match(m)] if m.where_.is_some()));
    // The full form keeps its clauses; COUNT and COLLECT alike.
    for (text, kind) in [
        ("COUNT { MATCH (n)-->(m) RETURN m }", SubqueryKind::Count),
        (
            "collect { MATCH (n)-->(m) RETURN m.x }",
            SubqueryKind::Collect,
        ),
        (
            "exists { MATCH (n) RETURN n UNION MATCH (n) RETURN n }",
            SubqueryKind::Exists,
        ),
    ] {
        let ExprKind::Subquery(s) = expr(text).kind else {
            panic!("{text}")
        };
        assert!(!s.short && s.kind == kind, "{text}");
    }
    // `exists(…)` and `count(…)` stay functions.
    assert!(matches!(
        expr("exists(n.x)").kind,
        ExprKind::Function { .. }
    ));
    assert!(matches!(expr("count(n)").kind, ExprKind::Function { .. }));
    // A pattern inside a subquery's RETURN is not in a WHERE.
    err("MATCH (n) WHERE EXISTS { MATCH (m) RETURN (m)-->() } RETURN n");
    let c = clauses("MATCH (n) CALL { WITH n MATCH (n)-->(m) RETURN m } RETURN m");
    assert!(matches!(&c[1], Clause::CallSubquery(s) if s.query.first.clauses.len() == 3));
}

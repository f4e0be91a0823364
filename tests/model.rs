//! Model-based test of the updating clauses: seeded random sequences of
//! CREATE, MERGE, SET, REMOVE, DELETE and DETACH DELETE (with BEGIN …
//! COMMIT / ROLLBACK and failing statements) run on the database and on a
//! plain in-memory model; after every step the whole graph read back by
//! queries must equal the model, index lookups must agree with it, and
//! `check` must find the indexes consistent with the records.

use std::collections::{BTreeMap, BTreeSet};
use supplygraph::value::Value;
use supplygraph::{Database, ErrorKind, Params};

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e3779b97f4a7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

type Props = BTreeMap<String, Value>;

#[derive(Clone, Debug, PartialEq)]
struct MNode {
    labels: BTreeSet<String>,
    props: Props,
}

#[derive(Clone, Debug, PartialEq)]
struct MLink {
    ty: String,
    src: i64,
    dst: i64,
    props: Props,
}

/// Nodes and links by their `k` property (a key the database knows nothing
/// special about, never changed once set).
#[derive(Clone, Debug, Default, PartialEq)]
struct Model {
    nodes: BTreeMap<i64, MNode>,
    links: BTreeMap<i64, MLink>,
    next_k: i64,
}

impl Model {
    fn key(&mut self) -> i64 {
        self.next_k += 1;
        self.next_k
    }

    fn id_owner(&self, id: &str) -> Option<i64> {
        self.nodes
            .iter()
            .find(|(_, n)| n.props.get("id") == Some(&Value::String(id.into())))
            .map(|(k, _)| *k)
    }

    fn degree(&self, k: i64) -> usize {
        self.links
            .values()
            .filter(|l| l.src == k || l.dst == k)
            .count()
    }

    /// Applies `key = v` (null removes); an `id` another node has is an error.
    fn set_node_prop(&mut self, k: i64, key: &str, v: &Value) -> Result<(), ErrorKind> {
        if key == "id" {
            if let Value::String(s) = v {
                if self.id_owner(s).is_some_and(|o| o != k) {
                    return Err(ErrorKind::ConstraintError);
                }
            }
        }
        let n = self.nodes.get_mut(&k).unwrap();
        if v.is_null() {
            n.props.remove(key);
        } else {
            n.props.insert(key.into(), v.clone());
        }
        Ok(())
    }
}

const IDS: usize = 24;
const LABELS: [&str; 4] = ["Actor", "Company", "Country", "Factory"];
const TYPES: [&str; 3] = ["SUPPLIES", "OWNS", "ALLIED_WITH"];
const NAMES: [&str; 4] = ["Belarus", "Iran", "acme", ""];

fn lit(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format!("{f:?}"),
        Value::String(s) => format!("'{s}'"),
        Value::List(items) => format!("[{}]", items.iter().map(lit).collect::<Vec<_>>().join(", ")),
        other => panic!("no literal for {other:?}"),
    }
}

fn id_value(rng: &mut Rng) -> Value {
    Value::String(format!("id{}", rng.below(IDS)))
}

/// A value for property `key`: ids are strings from a small pool (so that
/// they collide), names strings, aliases lists of strings; others anything.
fn value_for(rng: &mut Rng, key: &str, allow_null: bool) -> Value {
    if allow_null && rng.chance(20) {
        return Value::Null;
    }
    match key {
        "id" => id_value(rng),
        "name" => Value::String(rng.pick(&NAMES).to_string()),
        "aliases" => Value::List(
            (0..rng.below(3))
                .map(|_| Value::String(rng.pick(&NAMES).to_string()))
                .collect(),
        ),
        _ => match rng.below(6) {
            0 => Value::Int(rng.below(100) as i64 - 20),
            1 => Value::String(format!("s{}", rng.below(5))),
            2 => Value::Bool(rng.chance(50)),
            3 => Value::Float(rng.below(40) as f64 * 0.25 - 3.0),
            4 => Value::List((0..rng.below(3)).map(|i| Value::Int(i as i64)).collect()),
            _ => Value::Int(rng.below(3) as i64),
        },
    }
}

const NODE_KEYS: [&str; 5] = ["id", "name", "aliases", "p", "q"];
const LINK_KEYS: [&str; 4] = ["category", "value", "confidence", "since"];

fn props_lit(props: &Props) -> String {
    let items: Vec<String> = props
        .iter()
        .map(|(k, v)| format!("{k}: {}", lit(v)))
        .collect();
    format!("{{{}}}", items.join(", "))
}

fn labels_lit(labels: &BTreeSet<String>) -> String {
    labels.iter().map(|l| format!(":{l}")).collect()
}

/// What a statement should do: the model after it, or the error kind.
type Expect = Result<Model, ErrorKind>;

/// One random updating statement and its expected outcome.
fn gen(rng: &mut Rng, m: &Model) -> (String, Expect) {
    let mut next = m.clone();
    let node_keys: Vec<i64> = m.nodes.keys().copied().collect();
    let link_keys: Vec<i64> = m.links.keys().copied().collect();
    let big = m.nodes.len() > 40;
    let op = if node_keys.is_empty() {
        0
    } else {
        rng.below(17)
    };
    match op {
        // CREATE a node
        0 | 1 => {
            let k = next.key();
            let mut labels = BTreeSet::new();
            for _ in 0..rng.below(3) {
                labels.insert(rng.pick(&LABELS).to_string());
            }
            let mut props = Props::new();
            props.insert("k".into(), Value::Int(k));
            for _ in 0..rng.below(4) {
                let key = rng.pick(&NODE_KEYS);
                props.insert(key.to_string(), value_for(rng, key, false));
            }
            let q = format!("CREATE (n{} {})", labels_lit(&labels), props_lit(&props));
            if let Some(Value::String(id)) = props.get("id") {
                if m.id_owner(id).is_some() {
                    return (q, Err(ErrorKind::ConstraintError));
                }
            }
            next.nodes.insert(k, MNode { labels, props });
            (q, Ok(next))
        }
        // CREATE a link between two existing nodes (perhaps the same one)
        2 | 3 => {
            let a = *rng.pick(&node_keys);
            let b = *rng.pick(&node_keys);
            let k = next.key();
            let ty = rng.pick(&TYPES).to_string();
            let mut props = Props::new();
            props.insert("k".into(), Value::Int(k));
            for _ in 0..rng.below(3) {
                let key = rng.pick(&LINK_KEYS);
                props.insert(key.to_string(), value_for(rng, key, false));
            }
            let q = format!(
                "MATCH (a {{k: {a}}}), (b {{k: {b}}}) CREATE (a)-[:{ty} {}]->(b)",
                props_lit(&props)
            );
            next.links.insert(
                k,
                MLink {
                    ty,
                    src: a,
                    dst: b,
                    props,
                },
            );
            (q, Ok(next))
        }
        // CREATE a link to a new node, which may have a colliding id
        4 => {
            let a = *rng.pick(&node_keys);
            let kl = next.key();
            let kn = next.key();
            let mut props = Props::new();
            props.insert("k".into(), Value::Int(kn));
            if rng.chance(60) {
                props.insert("id".into(), id_value(rng));
            }
            let q = format!(
                "MATCH (a {{k: {a}}}) CREATE (a)<-[:OWNS {{k: {kl}}}]-(b:Company {})",
                props_lit(&props)
            );
            if let Some(Value::String(id)) = props.get("id") {
                if m.id_owner(id).is_some() {
                    return (q, Err(ErrorKind::ConstraintError));
                }
            }
            next.nodes.insert(
                kn,
                MNode {
                    labels: ["Company".to_string()].into(),
                    props,
                },
            );
            let mut lp = Props::new();
            lp.insert("k".into(), Value::Int(kl));
            next.links.insert(
                kl,
                MLink {
                    ty: "OWNS".into(),
                    src: kn,
                    dst: a,
                    props: lp,
                },
            );
            (q, Ok(next))
        }
        // SET n.key = value (null removes)
        5 | 6 => {
            let a = *rng.pick(&node_keys);
            let key = rng.pick(&NODE_KEYS);
            let v = value_for(rng, key, true);
            let q = format!("MATCH (n {{k: {a}}}) SET n.{key} = {}", lit(&v));
            match next.set_node_prop(a, key, &v) {
                Ok(()) => (q, Ok(next)),
                Err(e) => (q, Err(e)),
            }
        }
        // SET n += {map}
        7 => {
            let a = *rng.pick(&node_keys);
            let mut map = Props::new();
            for _ in 0..1 + rng.below(3) {
                let key = rng.pick(&NODE_KEYS);
                map.insert(key.to_string(), value_for(rng, key, true));
            }
            let q = format!("MATCH (n {{k: {a}}}) SET n += {}", props_lit(&map));
            for (key, v) in &map {
                if let Err(e) = next.set_node_prop(a, key, v) {
                    return (q, Err(e));
                }
            }
            (q, Ok(next))
        }
        // SET n:Label / REMOVE n:Label
        8 => {
            let a = *rng.pick(&node_keys);
            let l = rng.pick(&LABELS).to_string();
            let q = if rng.chance(50) {
                next.nodes.get_mut(&a).unwrap().labels.insert(l.clone());
                format!("MATCH (n {{k: {a}}}) SET n:{l}")
            } else {
                next.nodes.get_mut(&a).unwrap().labels.remove(&l);
                format!("MATCH (n {{k: {a}}}) REMOVE n:{l}")
            };
            (q, Ok(next))
        }
        // REMOVE n.key
        9 => {
            let a = *rng.pick(&node_keys);
            let key = rng.pick(&NODE_KEYS);
            next.nodes.get_mut(&a).unwrap().props.remove(*key);
            (format!("MATCH (n {{k: {a}}}) REMOVE n.{key}"), Ok(next))
        }
        // SET / REMOVE a link property
        10 if !link_keys.is_empty() => {
            let r = *rng.pick(&link_keys);
            let key = rng.pick(&LINK_KEYS);
            let props = &mut next.links.get_mut(&r).unwrap().props;
            let q = if rng.chance(25) {
                props.remove(*key);
                format!("MATCH ()-[r {{k: {r}}}]->() REMOVE r.{key}")
            } else {
                let v = value_for(rng, key, true);
                if v.is_null() {
                    props.remove(*key);
                } else {
                    props.insert(key.to_string(), v.clone());
                }
                format!("MATCH ()-[r {{k: {r}}}]->() SET r.{key} = {}", lit(&v))
            };
            (q, Ok(next))
        }
        // DELETE a link
        11 if !link_keys.is_empty() => {
            let r = *rng.pick(&link_keys);
            next.links.remove(&r);
            (format!("MATCH ()-[r {{k: {r}}}]->() DELETE r"), Ok(next))
        }
        // DETACH DELETE a node (more often when the graph is big)
        12 | 13 if big || rng.chance(40) => {
            let a = *rng.pick(&node_keys);
            next.nodes.remove(&a);
            next.links.retain(|_, l| l.src != a && l.dst != a);
            (format!("MATCH (n {{k: {a}}}) DETACH DELETE n"), Ok(next))
        }
        // DELETE a node: fails while it has links
        14 => {
            let a = *rng.pick(&node_keys);
            let q = format!("MATCH (n {{k: {a}}}) DELETE n");
            if m.degree(a) > 0 {
                return (q, Err(ErrorKind::ConstraintVerificationFailed));
            }
            next.nodes.remove(&a);
            (q, Ok(next))
        }
        // MERGE a node by id
        15 => {
            let id = id_value(rng);
            let Value::String(s) = &id else {
                unreachable!()
            };
            let q = format!(
                "MERGE (n:Actor {{id: {}}}) ON CREATE SET n.k = {} \
                 ON MATCH SET n.hits = coalesce(n.hits, 0) + 1",
                lit(&id),
                m.next_k + 1
            );
            match m.id_owner(s) {
                Some(o) if m.nodes[&o].labels.contains("Actor") => {
                    let n = next.nodes.get_mut(&o).unwrap();
                    let hits = match n.props.get("hits") {
                        Some(Value::Int(h)) => h + 1,
                        _ => 1,
                    };
                    n.props.insert("hits".into(), Value::Int(hits));
                    (q, Ok(next))
                }
                // a node without the label holds the id: creating one more is refused
                Some(_) => (q, Err(ErrorKind::ConstraintError)),
                None => {
                    let k = next.key();
                    next.nodes.insert(
                        k,
                        MNode {
                            labels: ["Actor".to_string()].into(),
                            props: [("id".to_string(), id), ("k".to_string(), Value::Int(k))]
                                .into(),
                        },
                    );
                    (q, Ok(next))
                }
            }
        }
        // MERGE a link between two existing nodes
        _ => {
            let a = *rng.pick(&node_keys);
            let b = *rng.pick(&node_keys);
            let ty = rng.pick(&TYPES[..2]).to_string();
            let cat = Value::String(format!("c{}", rng.below(2)));
            let q = format!(
                "MATCH (a {{k: {a}}}), (b {{k: {b}}}) MERGE (a)-[r:{ty} {{category: {}}}]->(b) \
                 ON CREATE SET r.k = {} ON MATCH SET r.hits = coalesce(r.hits, 0) + 1",
                lit(&cat),
                m.next_k + 1
            );
            let matching: Vec<i64> = m
                .links
                .iter()
                .filter(|(_, l)| {
                    l.src == a && l.dst == b && l.ty == ty && l.props.get("category") == Some(&cat)
                })
                .map(|(k, _)| *k)
                .collect();
            if matching.is_empty() {
                let k = next.key();
                next.links.insert(
                    k,
                    MLink {
                        ty,
                        src: a,
                        dst: b,
                        props: [
                            ("category".to_string(), cat),
                            ("k".to_string(), Value::Int(k)),
                        ]
                        .into(),
                    },
                );
            } else {
                for r in matching {
                    let props = &mut next.links.get_mut(&r).unwrap().props;
                    let hits = match props.get("hits") {
                        Some(Value::Int(h)) => h + 1,
                        _ => 1,
                    };
                    props.insert("hits".into(), Value::Int(hits));
                }
            }
            (q, Ok(next))
        }
    }
}

fn rows(db: &mut Database, q: &str) -> Vec<Vec<Value>> {
    match db.execute(q, &Params::new()) {
        Ok(r) => r.rows,
        Err(e) => panic!("{q}: {} ({})", e.message, e.kind.as_str()),
    }
}

fn as_int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        other => panic!("expected an integer, got {other:?}"),
    }
}

fn as_map(v: &Value) -> Props {
    match v {
        Value::Map(m) => m.clone(),
        other => panic!("expected a map, got {other:?}"),
    }
}

/// The graph as the database reports it, in the model's shape.
fn read_back(db: &mut Database) -> (BTreeMap<i64, MNode>, BTreeMap<i64, MLink>) {
    let mut nodes = BTreeMap::new();
    for r in rows(db, "MATCH (n) RETURN n.k, labels(n), properties(n)") {
        let labels = match &r[1] {
            Value::List(l) => l
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => panic!("label {other:?}"),
                })
                .collect(),
            other => panic!("labels {other:?}"),
        };
        let old = nodes.insert(
            as_int(&r[0]),
            MNode {
                labels,
                props: as_map(&r[2]),
            },
        );
        assert!(old.is_none(), "two nodes with k = {:?}", r[0]);
    }
    let mut links = BTreeMap::new();
    for r in rows(
        db,
        "MATCH (a)-[r]->(b) RETURN r.k, type(r), a.k, b.k, properties(r)",
    ) {
        let Value::String(ty) = &r[1] else {
            panic!("type {:?}", r[1])
        };
        let old = links.insert(
            as_int(&r[0]),
            MLink {
                ty: ty.clone(),
                src: as_int(&r[2]),
                dst: as_int(&r[3]),
                props: as_map(&r[4]),
            },
        );
        assert!(old.is_none(), "link with k = {:?} seen twice", r[0]);
    }
    (nodes, links)
}

fn sorted_ints(rs: Vec<Vec<Value>>) -> Vec<i64> {
    let mut v: Vec<i64> = rs.iter().map(|r| as_int(&r[0])).collect();
    v.sort();
    v
}

/// Compares every node and link the database returns with the model; `deep`
/// adds the counts, index lookups, adjacency from both sides and `check`.
fn compare(db: &mut Database, m: &Model, deep: bool, ctx: &str) {
    let (nodes, links) = read_back(db);
    if nodes != m.nodes {
        for (k, n) in &m.nodes {
            assert_eq!(nodes.get(k), Some(n), "{ctx}: node k={k}");
        }
        panic!(
            "{ctx}: extra nodes {:?}",
            nodes
                .keys()
                .filter(|k| !m.nodes.contains_key(k))
                .collect::<Vec<_>>()
        );
    }
    if links != m.links {
        for (k, l) in &m.links {
            assert_eq!(links.get(k), Some(l), "{ctx}: link k={k}");
        }
        panic!(
            "{ctx}: extra links {:?}",
            links
                .keys()
                .filter(|k| !m.links.contains_key(k))
                .collect::<Vec<_>>()
        );
    }
    if !deep {
        return;
    }
    let c = rows(db, "MATCH (n) RETURN count(n)");
    assert_eq!(as_int(&c[0][0]), m.nodes.len() as i64, "{ctx}: node count");
    let c = rows(db, "MATCH ()-[r]->() RETURN count(r)");
    assert_eq!(as_int(&c[0][0]), m.links.len() as i64, "{ctx}: link count");
    for i in 0..IDS {
        let got = sorted_ints(rows(db, &format!("MATCH (n {{id: 'id{i}'}}) RETURN n.k")));
        let want: Vec<i64> = m.id_owner(&format!("id{i}")).into_iter().collect();
        assert_eq!(got, want, "{ctx}: lookup by id{i}");
    }
    for name in NAMES {
        let got = sorted_ints(rows(
            db,
            &format!("MATCH (n {{name: '{name}'}}) RETURN n.k"),
        ));
        let want: Vec<i64> = m
            .nodes
            .iter()
            .filter(|(_, n)| n.props.get("name") == Some(&Value::String(name.into())))
            .map(|(k, _)| *k)
            .collect();
        assert_eq!(got, want, "{ctx}: lookup by name {name:?}");
    }
    for l in LABELS {
        let got = sorted_ints(rows(db, &format!("MATCH (n:{l}) RETURN n.k")));
        let want: Vec<i64> = m
            .nodes
            .iter()
            .filter(|(_, n)| n.labels.contains(l))
            .map(|(k, _)| *k)
            .collect();
        assert_eq!(got, want, "{ctx}: label scan :{l}");
    }
    for ty in TYPES {
        let got = sorted_ints(rows(db, &format!("MATCH ()-[r:{ty}]->() RETURN r.k")));
        let want: Vec<i64> = m
            .links
            .iter()
            .filter(|(_, l)| l.ty == ty)
            .map(|(k, _)| *k)
            .collect();
        assert_eq!(got, want, "{ctx}: type scan :{ty}");
    }
    // adjacency from each side: incoming per node, and undirected degree
    let got = rows(db, "MATCH (b)<-[r]-(a) RETURN b.k, r.k, a.k");
    let mut got: Vec<(i64, i64, i64)> = got
        .iter()
        .map(|r| (as_int(&r[0]), as_int(&r[1]), as_int(&r[2])))
        .collect();
    got.sort();
    let mut want: Vec<(i64, i64, i64)> = m.links.iter().map(|(k, l)| (l.dst, *k, l.src)).collect();
    want.sort();
    assert_eq!(got, want, "{ctx}: incoming adjacency");
    // an undirected pattern sees a self-loop once (TCK Match2 [3])
    for k in m.nodes.keys().take(8) {
        let got = rows(db, &format!("MATCH (n {{k: {k}}})-[r]-() RETURN count(r)"));
        assert_eq!(
            as_int(&got[0][0]) as usize,
            m.degree(*k),
            "{ctx}: degree of k={k}"
        );
    }
    let report = supplygraph::store::check::check(db.graph()).unwrap();
    assert!(
        report.problems.is_empty(),
        "{ctx}: check: {:?}",
        report.problems
    );
}

#[derive(Debug, Default)]
struct Tally {
    failed: usize,
    failed_in_tx: usize,
    commits: usize,
    rollbacks: usize,
}

/// Runs `steps` random statements from `seed`; returns the final model.
fn run_seed(db: &mut Database, seed: u64, steps: usize, tally: &mut Tally) -> Model {
    let mut rng = Rng::new(seed);
    let mut model = Model::default();
    // model as of BEGIN, while a transaction is open
    let mut saved: Option<Model> = None;
    for step in 0..steps {
        let ctx = format!("seed {seed} step {step}");
        let roll = rng.below(100);
        if saved.is_none() && roll < 6 {
            rows(db, "BEGIN");
            saved = Some(model.clone());
            continue;
        }
        if saved.is_some() && roll < 8 {
            let commit = rng.chance(50);
            if commit {
                tally.commits += 1;
                rows(db, "COMMIT");
            } else {
                tally.rollbacks += 1;
                rows(db, "ROLLBACK");
                model = saved.clone().unwrap();
            }
            saved = None;
            compare(
                db,
                &model,
                true,
                &format!("{ctx} after {}", if commit { "COMMIT" } else { "ROLLBACK" }),
            );
            continue;
        }
        let (q, expect) = gen(&mut rng, &model);
        let before = model.clone();
        let result = db.execute(&q, &Params::new());
        match (result, expect) {
            (Ok(r), Ok(next)) => {
                let s = r.stats;
                let created = next
                    .nodes
                    .keys()
                    .filter(|k| !before.nodes.contains_key(k))
                    .count();
                let deleted = before
                    .nodes
                    .keys()
                    .filter(|k| !next.nodes.contains_key(k))
                    .count();
                let lcreated = next
                    .links
                    .keys()
                    .filter(|k| !before.links.contains_key(k))
                    .count();
                let ldeleted = before
                    .links
                    .keys()
                    .filter(|k| !next.links.contains_key(k))
                    .count();
                assert_eq!(
                    (
                        s.nodes_created,
                        s.nodes_deleted,
                        s.relationships_created,
                        s.relationships_deleted
                    ),
                    (
                        created as u64,
                        deleted as u64,
                        lcreated as u64,
                        ldeleted as u64
                    ),
                    "{ctx}: counters of {q}"
                );
                model = next;
            }
            (Err(e), Err(kind)) => {
                assert_eq!(e.kind, kind, "{ctx}: {q}: {}", e.message);
                tally.failed += 1;
                if saved.is_some() {
                    tally.failed_in_tx += 1;
                }
            }
            (Ok(_), Err(kind)) => panic!("{ctx}: {q} succeeded, expected {}", kind.as_str()),
            (Err(e), Ok(_)) => panic!("{ctx}: {q} failed: {} ({})", e.message, e.kind.as_str()),
        }
        assert_eq!(db.in_transaction(), saved.is_some(), "{ctx}: {q}");
        if step % 1000 == 0 {
            compare(db, &model, false, &format!("{ctx}: {q}"));
        }
    }
    if saved.is_some() {
        rows(db, "COMMIT");
    }
    compare(db, &model, true, &format!("seed {seed} end"));
    model
}

#[test]
fn random_updates_match_the_model_in_memory() {
    let mut tally = Tally::default();
    for seed in 1..=20 {
        let mut db = Database::open_memory().unwrap();
        run_seed(&mut db, seed, 200, &mut tally);
    }
    eprintln!("{tally:?}");
    assert!(tally.failed_in_tx > 0 && tally.commits > 0 && tally.rollbacks > 0);
}

#[test]
fn random_updates_match_the_model_on_disk_and_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let model = {
        let mut db = Database::open(&path).unwrap();
        run_seed(&mut db, 1001, 200, &mut Tally::default())
    };
    let mut db = Database::open(&path).unwrap();
    compare(&mut db, &model, true, "after reopening");
}

#[test]
fn a_transaction_survives_a_failing_statement() {
    let mut db = Database::open_memory().unwrap();
    rows(&mut db, "CREATE (:Actor {id: 'by', k: 1})");
    rows(&mut db, "BEGIN");
    rows(&mut db, "CREATE (:Actor {id: 'ru', k: 2})");
    // a duplicate id inside a statement that also did other work
    let e = db
        .execute(
            "MATCH (a {id: 'ru'}) SET a.x = 1 CREATE (a)-[:SUPPLIES {k: 3}]->(:Actor {id: 'by', k: 4})",
            &Params::new(),
        )
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::ConstraintError);
    assert!(db.in_transaction());
    let mut m = Model::default();
    for (k, id) in [(1, "by"), (2, "ru")] {
        m.nodes.insert(
            k,
            MNode {
                labels: ["Actor".to_string()].into(),
                props: [
                    ("id".to_string(), Value::String(id.into())),
                    ("k".to_string(), Value::Int(k)),
                ]
                .into(),
            },
        );
    }
    compare(&mut db, &m, true, "after the failing statement");
    rows(
        &mut db,
        "MATCH (a {id: 'ru'}), (b {id: 'by'}) CREATE (a)-[:SUPPLIES {k: 5}]->(b)",
    );
    rows(&mut db, "COMMIT");
    m.links.insert(
        5,
        MLink {
            ty: "SUPPLIES".into(),
            src: 2,
            dst: 1,
            props: [("k".to_string(), Value::Int(5))].into(),
        },
    );
    compare(&mut db, &m, true, "after COMMIT");
    // and ROLLBACK undoes a whole transaction, failures included
    rows(&mut db, "BEGIN");
    rows(&mut db, "MATCH (n) DETACH DELETE n");
    assert!(db
        .execute(
            "CREATE (:X {id: 'x', k: 9}), (:Y {id: 'x', k: 10})",
            &Params::new()
        )
        .is_err());
    compare(&mut db, &Model::default(), false, "inside the transaction");
    rows(&mut db, "ROLLBACK");
    compare(&mut db, &m, true, "after ROLLBACK");
}

//! The executor against an oracle on random small graphs (issue 16): random
//! MATCH … WHERE … RETURN count(*) / count(DISTINCT …) / sum(…) queries are
//! answered by the database and by a naive evaluator written here over the
//! same graph (nested loops over every assignment, trail semantics,
//! three-valued logic), and must agree.
//!
//! Graph `g` uses seed `g`; a failure names the seed and the query. The
//! default is 120 graphs of 25 queries; `SUPPLYGRAPH_FUZZ_GRAPHS=N` runs N
//! (nightly: 50,000 with `cargo test --release --test fuzz_oracle`).

#[path = "common/rng.rs"]
mod rng;

use rng::Rng;
use supplygraph::value::Value;
use supplygraph::{Database, Params};

struct Node {
    labels: Vec<&'static str>,
    v: Option<i64>,
}

struct Link {
    src: usize,
    dst: usize,
    ty: &'static str,
    w: Option<i64>,
}

struct Graph {
    nodes: Vec<Node>,
    links: Vec<Link>,
}

fn maybe(rng: &mut Rng, n: usize) -> Option<i64> {
    (rng.below(4) != 0).then(|| rng.below(n) as i64)
}

fn random_graph(rng: &mut Rng) -> Graph {
    let nodes = (0..1 + rng.below(7))
        .map(|_| Node {
            labels: ["A", "B"]
                .into_iter()
                .filter(|_| rng.below(2) == 0)
                .collect(),
            v: maybe(rng, 4),
        })
        .collect::<Vec<_>>();
    let links = (0..rng.below(12))
        .map(|_| Link {
            src: rng.below(nodes.len()),
            dst: rng.below(nodes.len()),
            ty: rng.pick(&["T", "U"]),
            w: maybe(rng, 3),
        })
        .collect();
    Graph { nodes, links }
}

fn lit(x: Option<i64>) -> String {
    x.map_or("null".into(), |x| x.to_string())
}

fn load(g: &Graph) -> Database {
    let mut db = Database::open_memory().unwrap();
    let p = Params::new();
    for (i, n) in g.nodes.iter().enumerate() {
        let labels: String = n.labels.iter().map(|l| format!(":{l}")).collect();
        db.execute(
            &format!("CREATE ({labels} {{i: {i}, v: {}}})", lit(n.v)),
            &p,
        )
        .unwrap();
    }
    for l in &g.links {
        db.execute(
            &format!(
                "MATCH (a {{i: {}}}), (b {{i: {}}}) CREATE (a)-[:{} {{w: {}}}]->(b)",
                l.src,
                l.dst,
                l.ty,
                lit(l.w)
            ),
            &p,
        )
        .unwrap();
    }
    db
}

/// A predicate over the variables: its Cypher text and its meaning.
enum Pred {
    Cmp(usize, &'static str, i64),
    IsNull(usize, bool),
    Not(Box<Pred>),
    And(Box<Pred>, Box<Pred>),
    Or(Box<Pred>, Box<Pred>),
}

/// The variables of a query: nodes `a`, `b`, `c` and links `r`, `s`.
const VARS: [&str; 5] = ["a", "b", "c", "r", "s"];

fn random_pred(rng: &mut Rng, vars: &[usize], depth: usize) -> Pred {
    let var = rng.pick(vars);
    match rng.below(if depth == 0 { 2 } else { 5 }) {
        0 => Pred::Cmp(
            var,
            rng.pick(&["=", "<>", "<", "<=", ">", ">="]),
            rng.below(4) as i64,
        ),
        1 => Pred::IsNull(var, rng.below(2) == 0),
        2 => Pred::Not(Box::new(random_pred(rng, vars, depth - 1))),
        3 => Pred::And(
            Box::new(random_pred(rng, vars, depth - 1)),
            Box::new(random_pred(rng, vars, depth - 1)),
        ),
        _ => Pred::Or(
            Box::new(random_pred(rng, vars, depth - 1)),
            Box::new(random_pred(rng, vars, depth - 1)),
        ),
    }
}

fn prop(var: usize) -> String {
    format!("{}.{}", VARS[var], if var < 3 { "v" } else { "w" })
}

fn show(p: &Pred) -> String {
    match p {
        Pred::Cmp(v, op, k) => format!("{} {op} {k}", prop(*v)),
        Pred::IsNull(v, true) => format!("{} IS NULL", prop(*v)),
        Pred::IsNull(v, false) => format!("{} IS NOT NULL", prop(*v)),
        Pred::Not(x) => format!("NOT ({})", show(x)),
        Pred::And(x, y) => format!("({}) AND ({})", show(x), show(y)),
        Pred::Or(x, y) => format!("({}) OR ({})", show(x), show(y)),
    }
}

/// Three-valued: `None` is null.
fn holds(p: &Pred, val: &dyn Fn(usize) -> Option<i64>) -> Option<bool> {
    match p {
        Pred::Cmp(v, op, k) => val(*v).map(|x| match *op {
            "=" => x == *k,
            "<>" => x != *k,
            "<" => x < *k,
            "<=" => x <= *k,
            ">" => x > *k,
            _ => x >= *k,
        }),
        Pred::IsNull(v, is) => Some(val(*v).is_none() == *is),
        Pred::Not(x) => holds(x, val).map(|b| !b),
        Pred::And(x, y) => match (holds(x, val), holds(y, val)) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        Pred::Or(x, y) => match (holds(x, val), holds(y, val)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
    }
}

/// One hop of a pattern: its direction and type filter.
struct Hop {
    dir: &'static str,
    ty: Option<&'static str>,
}

impl Hop {
    fn text(&self, var: &str) -> String {
        let ty = self.ty.map_or(String::new(), |t| format!(":{t}"));
        match self.dir {
            "->" => format!("-[{var}{ty}]->"),
            "<-" => format!("<-[{var}{ty}]-"),
            _ => format!("-[{var}{ty}]-"),
        }
    }

    /// The nodes reached from `from` over link `l` (an undirected self-loop
    /// once, as in openCypher).
    fn step(&self, l: &Link, from: usize) -> Option<usize> {
        if self.ty.is_some_and(|t| t != l.ty) {
            return None;
        }
        match self.dir {
            "->" => (l.src == from).then_some(l.dst),
            "<-" => (l.dst == from).then_some(l.src),
            _ if l.src == from => Some(l.dst),
            _ => (l.dst == from).then_some(l.src),
        }
    }
}

/// Every match of the pattern: node per node variable, link per link one.
fn matches(g: &Graph, labels: &[Option<&str>], hops: &[Hop]) -> Vec<(Vec<usize>, Vec<usize>)> {
    let fits = |n: usize, i: usize| labels[i].is_none_or(|l| g.nodes[n].labels.contains(&l));
    let mut out: Vec<(Vec<usize>, Vec<usize>)> = (0..g.nodes.len())
        .filter(|&n| fits(n, 0))
        .map(|n| (vec![n], vec![]))
        .collect();
    for (h, hop) in hops.iter().enumerate() {
        let mut next = Vec::new();
        for (ns, ls) in &out {
            for (li, l) in g.links.iter().enumerate() {
                if ls.contains(&li) {
                    continue; // trail semantics
                }
                if let Some(to) = hop.step(l, *ns.last().unwrap()) {
                    if fits(to, h + 1) {
                        let mut ns = ns.clone();
                        ns.push(to);
                        let mut ls = ls.clone();
                        ls.push(li);
                        next.push((ns, ls));
                    }
                }
            }
        }
        out = next;
    }
    out
}

/// A random query and the answer the oracle gives.
fn query(g: &Graph, rng: &mut Rng) -> (String, Value) {
    let hops: Vec<Hop> = (0..rng.below(3))
        .map(|_| Hop {
            dir: rng.pick(&["->", "<-", "-"]),
            ty: rng.pick(&[None, Some("T"), Some("U")]),
        })
        .collect();
    let labels: Vec<Option<&str>> = (0..=hops.len())
        .map(|_| rng.pick(&[None, None, Some("A"), Some("B")]))
        .collect();
    let mut text = String::from("MATCH ");
    for (i, l) in labels.iter().enumerate() {
        text.push_str(&format!(
            "({}{})",
            VARS[i],
            l.map_or(String::new(), |l| format!(":{l}"))
        ));
        if let Some(h) = hops.get(i) {
            text.push_str(&h.text(VARS[3 + i]));
        }
    }
    let vars: Vec<usize> = (0..=hops.len()).chain(3..3 + hops.len()).collect();
    let pred = (rng.below(4) != 0).then(|| random_pred(rng, &vars, 2));
    if let Some(p) = &pred {
        text.push_str(&format!(" WHERE {}", show(p)));
    }
    let kept: Vec<_> = matches(g, &labels, &hops)
        .into_iter()
        .filter(|(ns, ls)| {
            pred.as_ref().is_none_or(|p| {
                let val = |v: usize| match v {
                    0..3 => g.nodes[ns[v]].v,
                    _ => g.links[ls[v - 3]].w,
                };
                holds(p, &val) == Some(true)
            })
        })
        .collect();
    let target = rng.pick(&vars);
    let value_of = |(ns, ls): &(Vec<usize>, Vec<usize>)| match target {
        0..3 => g.nodes[ns[target]].v,
        _ => g.links[ls[target - 3]].w,
    };
    let answer = match rng.below(3) {
        0 => {
            text.push_str(" RETURN count(*)");
            Value::Int(kept.len() as i64)
        }
        1 => {
            text.push_str(&format!(" RETURN count(DISTINCT {})", VARS[target]));
            let mut ids: Vec<usize> = kept
                .iter()
                .map(|(ns, ls)| {
                    if target < 3 {
                        ns[target]
                    } else {
                        ls[target - 3]
                    }
                })
                .collect();
            ids.sort();
            ids.dedup();
            Value::Int(ids.len() as i64)
        }
        _ => {
            text.push_str(&format!(" RETURN sum({})", prop(target)));
            Value::Int(kept.iter().filter_map(value_of).sum())
        }
    };
    (text, answer)
}

#[test]
fn random_queries_on_random_graphs_agree_with_a_naive_evaluator() {
    let graphs: u64 = std::env::var("SUPPLYGRAPH_FUZZ_GRAPHS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    let mut failures = Vec::new();
    let mut queries = 0u64;
    for seed in 0..graphs {
        let mut rng = Rng(seed);
        let g = random_graph(&mut rng);
        let mut db = load(&g);
        for _ in 0..25 {
            let (q, want) = query(&g, &mut rng);
            queries += 1;
            match db.execute(&q, &Params::new()) {
                Ok(r) if r.rows.len() == 1 && r.rows[0] == [want.clone()] => {}
                Ok(r) => failures.push(format!(
                    "seed {seed}: {q}\n  got {:?}, want {want:?}",
                    r.rows
                )),
                Err(e) => failures.push(format!("seed {seed}: {q}\n  error {}", e.message)),
            }
        }
    }
    eprintln!("{queries} queries on {graphs} random graphs");
    failures.truncate(20);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

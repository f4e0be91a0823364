//! Micro-benchmarks of the hot paths that the workload queries (Q1–Q8,
//! `src/bin/workload.rs`) spend their time in, so that a change to one of
//! them can be measured in seconds instead of through a whole workload run.
//!
//! - `keys`: building the keys every record, adjacency and index read starts
//!   with (`keys::rel_block`, `keys::adj_chunk`, `keys::tag_u64`) and the
//!   canonical encoding of an indexed string (`keys::encode_index_value`),
//!   done once per lookup by `id`/`name`.
//! - `codec`: a typical link record (type, ends and the eight workload
//!   properties) encoded and decoded whole, and the partial reads that scans
//!   use instead of decoding: one property (`codec::rel_prop`), a link's ends
//!   (`codec::rel_ends`), a node's labels (`codec::node_has_labels`). A scan
//!   over every link pays these once per link.
//! - `expand`: `Tx::expand` of the actor with the most outgoing links and of
//!   a median actor, on a generated graph of 2,000 actors and 20,000 links
//!   with skewed degrees (as `shared/bench/gen.py` makes them), with the
//!   adjacency lists in the block cache as in a warm query; and a 2-hop
//!   count from the median actor (the workload's Q3) through
//!   `Database::execute`, parsing and planning included.
//! - `aggregate`: the workload's two aggregations over every `SUPPLIES`
//!   link on the same graph through `Database::execute`: Q6 (sum and count
//!   by category, a full link scan reading two properties of each) and Q7
//!   (suppliers with confidence >= 0.5 per target, `count(DISTINCT)`, top 10).
//!
//! - `statement`: `RETURN $x`, what a statement costs beyond its work
//!   (parse cache, checks, planning, transaction, result), by its text
//!   and prepared (`Database::prepare`); Q3 prepared, beside
//!   `expand/two_hop_query` by its text.
//!
//! Run with `cargo bench --bench hot_paths` (add `-- expand` to run one
//! group). Nothing here asserts on timings.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

/// The same allocator as the `supplygraph` binary and the workload runner.
#[global_allocator]
static ALLOCATOR: supplygraph::allocator::MiMalloc = supplygraph::allocator::MiMalloc;

/// The workload runner's query texts (Q3, Q6, Q7 are measured here).
#[allow(dead_code)]
#[path = "../src/bin/workload/queries.rs"]
mod queries;

use std::hint::black_box;
use supplygraph::store::catalog::NameKind;
use supplygraph::store::codec;
use supplygraph::store::keys::{self, Dir};
use supplygraph::store::{NodeRecord, RelRecord};
use supplygraph::value::{NodeId, Value};
use supplygraph::{Database, Params};

const ACTORS: usize = 2_000;
const LINKS: usize = 20_000;

const CATEGORIES: [&str; 8] = [
    "ammunition",
    "vehicles",
    "electronics",
    "fuel",
    "machine_tools",
    "drones",
    "components",
    "chemicals",
];
const EVIDENCE: [&str; 4] = ["confirmed", "reported", "alleged", "unverified"];
const KINDS: [&str; 4] = ["company", "factory", "person", "organization"];

/// Property keys of the stand-alone records in `codec` (ids as a catalog
/// would give them, in the order the import interns them).
mod key {
    pub const CATEGORY: u32 = 0;
    pub const VALUE: u32 = 1;
    pub const SHARE: u32 = 2;
    pub const SINCE: u32 = 3;
    pub const UNTIL: u32 = 4;
    pub const CONFIDENCE: u32 = 5;
    pub const EVIDENCE: u32 = 6;
    pub const SOURCE: u32 = 7;
    pub const ID: u32 = 8;
    pub const NAME: u32 = 9;
    pub const KIND: u32 = 10;
}

/// A deterministic xorshift generator: the same graph on every run, no
/// dependency for it.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A float in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn keys_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("keys");
    g.bench_function("rel_block", |b| {
        b.iter(|| keys::rel_block(black_box(1_234_567)))
    });
    g.bench_function("adj_chunk", |b| {
        b.iter(|| keys::adj_chunk(black_box(98_765), black_box(3)))
    });
    g.bench_function("tag_u64", |b| {
        b.iter(|| keys::tag_u64(black_box(keys::NODE), black_box(4_321)))
    });
    let id = Value::String("a0001234".into());
    g.bench_function("encode_index_value/string", |b| {
        b.iter(|| keys::encode_index_value(black_box(&id)))
    });
    g.finish();
}

/// A typical link: the eight workload properties, `until` null.
fn typical_link() -> RelRecord {
    RelRecord {
        rel_type: 0,
        src: 1_234,
        dst: 56_789,
        props: vec![
            (key::CATEGORY, Value::String("ammunition".into())),
            (key::VALUE, Value::Int(1_250)),
            (key::SHARE, Value::Float(0.123)),
            (key::SINCE, Value::Int(2019)),
            (key::UNTIL, Value::Null),
            (key::CONFIDENCE, Value::Float(0.57)),
            (key::EVIDENCE, Value::String("reported".into())),
            (key::SOURCE, Value::String("src-0042".into())),
        ],
    }
}

fn codec_group(c: &mut Criterion) {
    let rel = typical_link();
    let bytes = codec::encode(&rel);
    assert_eq!(codec::decode::<RelRecord>(&bytes).unwrap().props.len(), 7);
    let node = codec::encode(&NodeRecord {
        labels: vec![0],
        props: vec![
            (key::ID, Value::String("a0001234".into())),
            (key::NAME, Value::String("Actor 1234 Ltd".into())),
            (key::KIND, Value::String("company".into())),
        ],
    });

    let mut g = c.benchmark_group("codec");
    g.bench_function("encode/link", |b| b.iter(|| codec::encode(black_box(&rel))));
    g.bench_function("decode/link", |b| {
        b.iter(|| codec::decode::<RelRecord>(black_box(&bytes)).unwrap())
    });
    // The first property, and one behind four others (Q7's filter).
    g.bench_function("rel_prop/category", |b| {
        b.iter(|| codec::rel_prop(black_box(&bytes), black_box(key::CATEGORY)).unwrap())
    });
    g.bench_function("rel_prop/confidence", |b| {
        b.iter(|| codec::rel_prop(black_box(&bytes), black_box(key::CONFIDENCE)).unwrap())
    });
    g.bench_function("rel_ends", |b| {
        b.iter(|| codec::rel_ends(black_box(&bytes)).unwrap())
    });
    g.bench_function("node_has_labels", |b| {
        b.iter(|| codec::node_has_labels(black_box(&node), black_box(&[0])).unwrap())
    });
    g.finish();
}

/// Draws from `weights` given their running sums.
fn pick(rng: &mut Rng, cumulative: &[f64]) -> usize {
    let total = cumulative[cumulative.len() - 1];
    let x = rng.unit() * total;
    cumulative
        .partition_point(|&c| c <= x)
        .min(cumulative.len() - 1)
}

fn running_sums(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    weights
        .scan(0.0, |acc, w| {
            *acc += w;
            Some(*acc)
        })
        .collect()
}

/// The generated graph, committed, and the two actors expanded: the one
/// with the most outgoing links and one of median out-degree.
struct Bench {
    db: Database,
    hub: NodeId,
    median: NodeId,
    /// The median actor's `id` property.
    median_id: String,
}

/// `ACTORS` actors and `LINKS` links written through the store API in one
/// transaction. Sources are drawn with weight 1/rank^0.8 over the actors in
/// id order, targets likewise over a shuffled order, so a few hubs have
/// hundreds of links and the median actor a handful.
fn build_graph() -> Bench {
    let mut db = Database::open_memory().unwrap();
    let mut rng = Rng(0x2025_0101_dead_beef);

    let graph = db.graph_mut();
    let mut state = graph.begin();
    let mut t = graph.tx(&mut state);
    let cat = t.catalog_mut();
    let actor = cat.intern(NameKind::Label, "Actor");
    let supplies = cat.intern(NameKind::Type, "SUPPLIES");
    let owns = cat.intern(NameKind::Type, "OWNS");
    let [id, name, kind, category, value, share, since, until, confidence, evidence, source] = [
        "id",
        "name",
        "kind",
        "category",
        "value",
        "share",
        "since",
        "until",
        "confidence",
        "evidence",
        "source",
    ]
    .map(|k| cat.intern(NameKind::Key, k));

    let nodes: Vec<NodeRecord> = (0..ACTORS)
        .map(|i| NodeRecord {
            labels: vec![actor],
            props: vec![
                (id, Value::String(format!("a{i:07}"))),
                (name, Value::String(format!("Actor {i} Ltd"))),
                (kind, Value::String(KINDS[i % KINDS.len()].into())),
            ],
        })
        .collect();
    let ids = t.create_nodes(nodes).unwrap();
    let first = ids.start;

    let rank_weight = |r: usize| 1.0 / ((r + 1) as f64).powf(0.8);
    let src_sums = running_sums((0..ACTORS).map(rank_weight));
    // Target ranking: actor (i * 7919) % ACTORS has rank i (7919 is prime to 2,000).
    let mut dst_weight = vec![0.0; ACTORS];
    for (r, w) in (0..ACTORS).map(|r| (r, rank_weight(r))) {
        dst_weight[r * 7919 % ACTORS] = w;
    }
    let dst_sums = running_sums(dst_weight.into_iter());
    let category_sums = running_sums((0..CATEGORIES.len()).map(rank_weight));

    let mut out_degree = vec![0usize; ACTORS];
    let mut links = Vec::with_capacity(LINKS);
    for _ in 0..LINKS {
        let s = pick(&mut rng, &src_sums);
        let d = loop {
            let d = pick(&mut rng, &dst_sums);
            if d != s {
                break d;
            }
        };
        out_degree[s] += 1;
        let year = 2000 + rng.below(26) as i64;
        let mut props = vec![
            (
                category,
                Value::String(CATEGORIES[pick(&mut rng, &category_sums)].into()),
            ),
            (value, Value::Int(1 + rng.below(5_000) as i64)),
            (share, Value::Float(rng.below(1_001) as f64 / 1_000.0)),
            (since, Value::Int(year)),
        ];
        if rng.below(5) == 0 {
            props.push((until, Value::Int(year + rng.below(3) as i64)));
        }
        props.extend([
            (confidence, Value::Float(rng.below(101) as f64 / 100.0)),
            (
                evidence,
                Value::String(EVIDENCE[rng.below(4) as usize].into()),
            ),
            (
                source,
                Value::String(format!("src-{:04}", rng.below(10_000))),
            ),
        ]);
        links.push(RelRecord {
            rel_type: if rng.below(100) < 85 { supplies } else { owns },
            src: first + s as u64,
            dst: first + d as u64,
            props,
        });
    }
    t.create_rels(links, true).unwrap();
    graph.commit(state).unwrap();

    let hub = (0..ACTORS).max_by_key(|&i| out_degree[i]).unwrap();
    let mut by_degree: Vec<usize> = (0..ACTORS).collect();
    by_degree.sort_by_key(|&i| (out_degree[i], i));
    let median = by_degree[ACTORS / 2];
    let count = db
        .execute("MATCH ()-[r]->() RETURN count(r)", &Params::new())
        .unwrap();
    assert_eq!(count.rows[0][0], Value::Int(LINKS as i64));
    Bench {
        db,
        hub: first + hub as u64,
        median: first + median as u64,
        median_id: format!("a{median:07}"),
    }
}

/// `expand` and `aggregate` share one graph, built once.
fn graph_groups(c: &mut Criterion) {
    let Bench {
        mut db,
        hub,
        median,
        median_id,
    } = build_graph();

    let mut g = c.benchmark_group("expand");
    {
        let graph = db.graph();
        let mut state = graph.begin();
        let tx = graph.tx(&mut state);
        let mut out = Vec::new();
        for (what, node) in [("hub", hub), ("median", median)] {
            out.clear();
            tx.expand(node, Some(Dir::Out), None, &mut out).unwrap();
            g.bench_function(
                BenchmarkId::new("out", format!("{what}-{}links", out.len())),
                |b| {
                    b.iter(|| {
                        out.clear();
                        tx.expand(black_box(node), Some(Dir::Out), None, &mut out)
                            .unwrap();
                        black_box(out.len())
                    })
                },
            );
        }
    }
    let params = Params::from([("mid".to_string(), Value::String(median_id))]);
    // Checked once before timing: each query returns the rows it should (count only).
    let two_hop = db.execute(queries::Q3, &params).unwrap();
    assert!(matches!(two_hop.rows[..], [ref r] if matches!(r[0], Value::Int(n) if n > 0)));
    g.sample_size(30);
    g.bench_function("two_hop_query/median", |b| {
        b.iter(|| db.execute(black_box(queries::Q3), &params).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("aggregate");
    g.sample_size(20);
    let none = Params::new();
    assert_eq!(db.execute(queries::Q6, &none).unwrap().rows.len(), 8);
    assert_eq!(db.execute(queries::Q7, &none).unwrap().rows.len(), 10);
    for (what, q) in [("by_category", queries::Q6), ("top_targets", queries::Q7)] {
        g.bench_function(what, |b| {
            b.iter(|| db.execute(black_box(q), &none).unwrap())
        });
    }
    g.finish();

    // What one statement costs beyond its work, on the same database.
    let mut g = c.benchmark_group("statement");
    let x = Params::from([("x".to_string(), Value::Int(1))]);
    assert_eq!(
        db.execute("RETURN $x", &x).unwrap().rows,
        vec![vec![Value::Int(1)]]
    );
    g.bench_function("return_param", |b| {
        b.iter(|| db.execute(black_box("RETURN $x"), &x).unwrap())
    });
    let prepared = db.prepare("RETURN $x").unwrap();
    g.bench_function("return_param/prepared", |b| {
        b.iter(|| db.run_prepared(black_box(&prepared), &x).unwrap())
    });
    let two_hop = db.prepare(queries::Q3).unwrap();
    g.bench_function("two_hop_query/prepared", |b| {
        b.iter(|| db.run_prepared(black_box(&two_hop), &params).unwrap())
    });
    g.finish();
}

criterion_group!(benches, keys_group, codec_group, graph_groups);
criterion_main!(benches);

//! Procedures for `CALL … YIELD …`: the graph algorithms (`algo.degree`,
//! `algo.wcc`, `algo.pagerank`, `algo.chokepoints`) and procedures defined
//! by a table of rows (the TCK registers its test procedures that way).

use super::context::Ctx;
use super::ops;
use crate::error::{Error, ErrorKind};
use crate::store::catalog::NameKind;
use crate::store::keys::Dir;
use crate::value::{NodeId, Value};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

/// A declared procedure: its inputs and outputs as (name, type), and for a
/// table procedure the rows (input values then output values).
#[derive(Debug, Clone)]
pub struct Procedure {
    pub name: String,
    pub inputs: Vec<(String, String)>,
    pub outputs: Vec<(String, String)>,
    pub rows: Option<Vec<Vec<Value>>>,
    /// Inputs after this many may be left out (they are null).
    pub required: usize,
}

pub type Procedures = BTreeMap<String, Procedure>;

fn fields(s: &str) -> Result<Vec<(String, String)>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(vec![]);
    }
    s.split(',')
        .map(|f| {
            let (n, t) = f
                .split_once("::")
                .ok_or_else(|| format!("field '{f}' needs `name :: TYPE`"))?;
            Ok((
                n.trim().to_string(),
                t.trim().trim_end_matches('?').to_ascii_uppercase(),
            ))
        })
        .collect()
}

/// Parses `ns.name(in :: INTEGER?, …) :: (out :: STRING?, …)`.
pub fn parse_signature(sig: &str) -> Result<Procedure, String> {
    let sig = sig.trim().trim_end_matches(':').trim();
    let open = sig.find('(').ok_or("missing '(' in procedure signature")?;
    let close = sig[open..]
        .find(')')
        .map(|i| i + open)
        .ok_or("missing ')' in procedure signature")?;
    let name = sig[..open].trim().to_string();
    let mut inputs = fields(&sig[open + 1..close])?;
    // `name :: TYPE? = null` marks an optional trailing input.
    let required = inputs
        .iter()
        .position(|(_, t)| t.contains('='))
        .unwrap_or(inputs.len());
    for (_, t) in inputs.iter_mut() {
        if let Some((ty, _)) = t.split_once('=') {
            *t = ty.trim().trim_end_matches('?').to_string();
        }
    }
    let rest = sig[close + 1..].trim().trim_start_matches("::").trim();
    let outputs = fields(rest.trim_start_matches('(').trim_end_matches(')'))?;
    Ok(Procedure {
        name,
        inputs,
        outputs,
        rows: None,
        required,
    })
}

fn builtin(name: &str) -> Option<Procedure> {
    let sig = match name.to_ascii_lowercase().as_str() {
        "algo.degree" => "algo.degree() :: (node :: NODE?, out_degree :: INTEGER?, in_degree :: INTEGER?, degree :: INTEGER?)",
        "algo.wcc" => "algo.wcc() :: (node :: NODE?, component :: INTEGER?)",
        "algo.pagerank" => "algo.pagerank() :: (node :: NODE?, score :: FLOAT?)",
        "algo.chokepoints" => "algo.chokepoints(from :: NODE?, to :: NODE?, types :: ANY? = null) :: (node :: NODE?, position :: INTEGER?)",
        _ => return None,
    };
    parse_signature(sig).ok()
}

/// The procedure named `name`: registered ones first, then the built-ins.
pub fn lookup(registered: &Procedures, name: &str) -> Option<Procedure> {
    registered
        .get(&name.to_ascii_lowercase())
        .cloned()
        .or_else(|| builtin(name))
}

/// Whether `v` may be passed where `ty` is declared.
pub fn accepts(ty: &str, v: &Value) -> bool {
    match (ty, v) {
        (_, Value::Null) | ("ANY", _) => true,
        ("INTEGER", Value::Int(_)) => true,
        ("FLOAT", Value::Int(_) | Value::Float(_)) => true,
        ("NUMBER", Value::Int(_) | Value::Float(_) | Value::Estimate(_)) => true,
        ("STRING", Value::String(_)) => true,
        ("BOOLEAN", Value::Bool(_)) => true,
        ("NODE", Value::Node(_)) => true,
        ("RELATIONSHIP", Value::Rel(_)) => true,
        ("LIST", Value::List(_)) | ("MAP", Value::Map(_)) => true,
        _ => ty.starts_with("LIST") && matches!(v, Value::List(_)),
    }
}

/// Runs `p` with `args`; each result row holds the outputs in order.
pub fn run(ctx: &mut Ctx<'_, '_>, p: &Procedure, args: &[Value]) -> Result<Vec<Vec<Value>>, Error> {
    if let Some(rows) = &p.rows {
        let n = p.inputs.len();
        return Ok(rows
            .iter()
            .filter(|r| {
                r.iter().take(n).zip(args).all(|(want, got)| {
                    (want.is_null() && got.is_null()) || ops::equals(want, got) == Some(true)
                })
            })
            .map(|r| r[n..].to_vec())
            .collect());
    }
    match p.name.to_ascii_lowercase().as_str() {
        "algo.degree" => degree(ctx),
        "algo.wcc" => wcc(ctx),
        "algo.pagerank" => pagerank(ctx),
        "algo.chokepoints" => chokepoints(ctx, args),
        _ => Err(Error::runtime(
            ErrorKind::ProcedureError,
            "ProcedureNotFound",
            format!("there is no procedure {}", p.name),
        )),
    }
}

fn degree(ctx: &mut Ctx<'_, '_>) -> Result<Vec<Vec<Value>>, Error> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for n in ctx.tx.all_node_ids()? {
        ctx.tick()?;
        buf.clear();
        ctx.tx.expand(n, Some(Dir::Out), None, &mut buf)?;
        let o = buf.len() as i64;
        buf.clear();
        ctx.tx.expand(n, Some(Dir::In), None, &mut buf)?;
        let i = buf.len() as i64;
        out.push(vec![
            Value::Node(n),
            Value::Int(o),
            Value::Int(i),
            Value::Int(o + i),
        ]);
    }
    Ok(out)
}

/// Out-neighbours of every node, once, for the whole-graph algorithms.
fn out_lists(ctx: &mut Ctx<'_, '_>) -> Result<(Vec<NodeId>, HashMap<NodeId, Vec<NodeId>>), Error> {
    let nodes = ctx.tx.all_node_ids()?;
    let mut adj = HashMap::with_capacity(nodes.len());
    let mut buf = Vec::new();
    for &n in &nodes {
        ctx.tick()?;
        buf.clear();
        ctx.tx.expand(n, Some(Dir::Out), None, &mut buf)?;
        adj.insert(n, buf.iter().map(|e| e.other).collect::<Vec<_>>());
    }
    Ok((nodes, adj))
}

fn wcc(ctx: &mut Ctx<'_, '_>) -> Result<Vec<Vec<Value>>, Error> {
    let (nodes, adj) = out_lists(ctx)?;
    let mut parent: HashMap<NodeId, NodeId> = nodes.iter().map(|&n| (n, n)).collect();
    fn find(p: &mut HashMap<NodeId, NodeId>, mut x: NodeId) -> NodeId {
        while p[&x] != x {
            let up = p[&p[&x]];
            p.insert(x, up);
            x = up;
        }
        x
    }
    for (&a, outs) in &adj {
        for &b in outs {
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            if ra != rb {
                parent.insert(ra.max(rb), ra.min(rb));
            }
        }
    }
    // Components are numbered by their smallest node id.
    Ok(nodes
        .iter()
        .map(|&n| vec![Value::Node(n), Value::Int(find(&mut parent, n) as i64)])
        .collect())
}

fn pagerank(ctx: &mut Ctx<'_, '_>) -> Result<Vec<Vec<Value>>, Error> {
    let (nodes, adj) = out_lists(ctx)?;
    let n = nodes.len().max(1) as f64;
    let mut score: HashMap<NodeId, f64> = nodes.iter().map(|&v| (v, 1.0 / n)).collect();
    for _ in 0..20 {
        ctx.cancel.check()?;
        let dangling: f64 = nodes
            .iter()
            .filter(|v| adj[v].is_empty())
            .map(|v| score[v])
            .sum();
        let mut next: HashMap<NodeId, f64> = nodes
            .iter()
            .map(|&v| (v, 0.15 / n + 0.85 * dangling / n))
            .collect();
        for &v in &nodes {
            let outs = &adj[&v];
            if !outs.is_empty() {
                let share = 0.85 * score[&v] / outs.len() as f64;
                for w in outs {
                    *next.entry(*w).or_insert(0.0) += share;
                }
            }
        }
        score = next;
    }
    Ok(nodes
        .iter()
        .map(|&v| vec![Value::Node(v), Value::Float(score[&v])])
        .collect())
}

/// Actors that every directed path from `from` to `to` passes through, in
/// path order: the candidates lie on any one path, and each is tested by
/// searching again without it.
fn chokepoints(ctx: &mut Ctx<'_, '_>, args: &[Value]) -> Result<Vec<Vec<Value>>, Error> {
    let (Some(Value::Node(from)), Some(Value::Node(to))) = (args.first(), args.get(1)) else {
        return Ok(vec![]);
    };
    let types: Option<Vec<u32>> = match args.get(2) {
        Some(Value::List(items)) => Some(
            items
                .iter()
                .filter_map(|t| {
                    if let Value::String(s) = t {
                        ctx.tx.catalog().id(NameKind::Type, s)
                    } else {
                        None
                    }
                })
                .collect(),
        ),
        Some(Value::String(s)) => {
            Some(ctx.tx.catalog().id(NameKind::Type, s).into_iter().collect())
        }
        _ => None,
    };
    let Some(path) = bfs_path(ctx, *from, *to, types.as_deref(), None)? else {
        return Ok(vec![]);
    };
    let mut out = Vec::new();
    for (i, &v) in path
        .iter()
        .enumerate()
        .skip(1)
        .take(path.len().saturating_sub(2))
    {
        if bfs_path(ctx, *from, *to, types.as_deref(), Some(v))?.is_none() {
            out.push(vec![Value::Node(v), Value::Int(i as i64)]);
        }
    }
    Ok(out)
}

fn bfs_path(
    ctx: &mut Ctx<'_, '_>,
    from: NodeId,
    to: NodeId,
    types: Option<&[u32]>,
    without: Option<NodeId>,
) -> Result<Option<Vec<NodeId>>, Error> {
    let mut prev: HashMap<NodeId, NodeId> = HashMap::new();
    let mut seen: HashSet<NodeId> = HashSet::from([from]);
    let mut queue = VecDeque::from([from]);
    let mut buf = Vec::new();
    while let Some(n) = queue.pop_front() {
        ctx.tick()?;
        if n == to {
            let mut path = vec![to];
            let mut cur = to;
            while let Some(&p) = prev.get(&cur) {
                path.push(p);
                cur = p;
            }
            path.reverse();
            return Ok(Some(path));
        }
        buf.clear();
        ctx.tx.expand(n, Some(Dir::Out), types, &mut buf)?;
        for e in &buf {
            if Some(e.other) != without && seen.insert(e.other) {
                prev.insert(e.other, n);
                queue.push_back(e.other);
            }
        }
    }
    Ok(None)
}

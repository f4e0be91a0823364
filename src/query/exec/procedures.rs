//! Procedures for `CALL … YIELD …`: the signatures of the graph algorithms
//! (`algo.degree`, `algo.wcc`, `algo.pagerank`, `algo.chokepoints`, run in
//! `algo.rs`) and procedures defined by a table of rows (the TCK registers
//! its test procedures that way).

use super::context::Ctx;
use super::{algo, ops};
use crate::error::{Error, ErrorKind};
use crate::value::Value;
use std::collections::BTreeMap;

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
        "algo.degree" => "algo.degree(config :: MAP? = null) :: (node :: NODE?, out_degree :: NUMBER?, in_degree :: NUMBER?, degree :: NUMBER?)",
        "algo.wcc" => "algo.wcc() :: (node :: NODE?, component :: INTEGER?)",
        "algo.pagerank" => "algo.pagerank(config :: MAP? = null) :: (node :: NODE?, score :: FLOAT?)",
        "algo.chokepoints" => "algo.chokepoints(from :: NODE?, to :: NODE?, types :: ANY? = null) :: (node :: NODE?, position :: INTEGER?)",
        _ => return None,
    };
    parse_signature(sig).ok()
}

/// The output fields of built-in procedure `name`, for messages.
pub fn builtin_outputs(name: &str) -> Option<Vec<String>> {
    builtin(name).map(|p| p.outputs.into_iter().map(|(n, _)| n).collect())
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
        "algo.degree" => algo::degree(ctx, args.first()),
        "algo.wcc" => algo::wcc(ctx),
        "algo.pagerank" => algo::pagerank(ctx, args.first()),
        "algo.chokepoints" => algo::chokepoints(ctx, args),
        _ => Err(Error::runtime(
            ErrorKind::ProcedureError,
            "ProcedureNotFound",
            format!("there is no procedure {}", p.name),
        )),
    }
}

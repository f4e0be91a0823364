//! A pattern's property map (`(n {id: $to})`, `-[r {category: 'fuel'}]->`)
//! checked against a candidate. A variable-length hop checks its end's map
//! at every node it reaches, so a map written out in the pattern is matched
//! entry by entry, with no map built per candidate and, for a node, only
//! the properties it names read from the record (Q8 at scale M built a
//! map and decoded the whole record of each of thousands of nodes).

use super::super::context::Ctx;
use super::super::eval::{eval, Env};
use super::super::ops;
use crate::error::{Error, ErrorKind};
use crate::query::ast::{Expr, ExprKind, Ident};
use crate::store::catalog::NameKind;
use crate::value::{NodeId, Value};

/// Whether node `n` has the properties of `props` and carries every one
/// of `labels` (which are tested before any property is evaluated).
pub(super) fn node_matches(
    ctx: &mut Ctx<'_, '_>,
    env: &Env<'_>,
    n: NodeId,
    props: &Expr,
    labels: &[u32],
) -> Result<bool, Error> {
    let entries = written_out(props);
    // A node without a record (deleted earlier in the statement) matches
    // nothing, with nothing evaluated, as when it was decoded. Reading the
    // first entry's property tells, with no other read.
    let first = entries
        .and_then(|e| e.first())
        .and_then(|(k, _)| ctx.code(NameKind::Key, k.sym, &k.name));
    // A string known without evaluating anything (a parameter, a literal)
    // is compared where the record stores it, not decoded into a value of
    // its own; the read tells whether the node exists, and the node's
    // `labels` are read with it. Else they are read first, alone.
    let first_str = first.zip(entries.and_then(|e| known_str(ctx, &e.first()?.1)));
    if first_str.is_none() && !labels.is_empty() && !ctx.tx.node_has_labels(n, labels)? {
        return Ok(false);
    }
    if let Some(entries) = entries {
        let mut compared = None;
        if let Some((key, want)) = first_str {
            match ctx.tx.node_has_labels_and_str(n, labels, key, want)? {
                None | Some((false, _)) => return Ok(false),
                Some((true, equal)) => compared = equal,
            }
        }
        // Else (another kind too) the first entry's value is decoded.
        let (rest, all, mut read_first) = match compared {
            Some(equal) => (&entries[1..], equal, None),
            None => {
                let read = match first {
                    Some(key) => match ctx.tx.node_prop(n, key)? {
                        Some(value) => Some(value),
                        None => return Ok(false),
                    },
                    None if !ctx.tx.node_has_labels(n, &[])? => return Ok(false),
                    None => None,
                };
                (entries, true, read)
            }
        };
        // `has` is asked first for the first entry when its key is stored.
        return entries_match(ctx, env, rest, all, |ctx, key, want| {
            let actual = match read_first.take() {
                Some(value) => value,
                None => ctx.tx.node_prop(n, key)?.flatten(),
            };
            Ok(actual.is_some_and(|a| ops::equals(&a, want) == Some(true)))
        });
    }
    let Some(rec) = ctx.tx.node(n)? else {
        return Ok(false);
    };
    map_matches(ctx, env, props, &rec.props)
}

/// Whether a record with properties `have` has those of `props`.
pub(super) fn record_matches(
    ctx: &mut Ctx<'_, '_>,
    env: &Env<'_>,
    props: &Expr,
    have: &[(u32, Value)],
) -> Result<bool, Error> {
    match written_out(props) {
        Some(entries) => entries_match(ctx, env, entries, true, |_, key, want| {
            Ok(stored_equals(have, Some(key), want))
        }),
        None => map_matches(ctx, env, props, have),
    }
}

/// The entries of a map written out in the pattern, unless a key repeats
/// (the map then keeps its last value: evaluated whole, as any map).
pub(super) fn written_out(props: &Expr) -> Option<&[(Ident, Expr)]> {
    let ExprKind::Map(entries) = &props.kind else {
        return None;
    };
    let repeats = entries
        .iter()
        .enumerate()
        .any(|(i, (k, _))| entries[..i].iter().any(|(j, _)| j.name == k.name));
    (!repeats).then_some(entries.as_slice())
}

/// Every entry's value is evaluated, in order, as the map's would be, so
/// that an error in any entry is raised whether or not an earlier one
/// matched; `has(ctx, key, want)` says whether the candidate's value of a
/// stored key equals `want`. A parameter's value is compared where it is.
/// `all`: whether the entries before these matched.
fn entries_match(
    ctx: &mut Ctx<'_, '_>,
    env: &Env<'_>,
    entries: &[(Ident, Expr)],
    mut all: bool,
    mut has: impl FnMut(&mut Ctx<'_, '_>, u32, &Value) -> Result<bool, Error>,
) -> Result<bool, Error> {
    for (k, e) in entries {
        let given = match &e.kind {
            ExprKind::Parameter(p, sym) => ctx.param(*sym, p),
            _ => None,
        };
        let owned;
        let want = match given {
            Some(v) => v,
            None => {
                owned = eval(e, env, ctx)?;
                &owned
            }
        };
        if all {
            all = match ctx.code(NameKind::Key, k.sym, &k.name) {
                Some(key) => has(ctx, key, want)?,
                None => false,
            };
        }
    }
    Ok(all)
}

/// The string `e` is when it is known without evaluating it.
fn known_str<'c>(ctx: &Ctx<'c, '_>, e: &'c Expr) -> Option<&'c str> {
    let v = match &e.kind {
        ExprKind::Parameter(p, sym) => ctx.param(*sym, p)?,
        ExprKind::String(s) => return Some(s),
        _ => return None,
    };
    match v {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// `props` evaluated to a map, matched against `have`.
fn map_matches(
    ctx: &mut Ctx<'_, '_>,
    env: &Env<'_>,
    props: &Expr,
    have: &[(u32, Value)],
) -> Result<bool, Error> {
    let Value::Map(want) = eval(props, env, ctx)? else {
        return Err(Error::runtime(
            ErrorKind::TypeError,
            "InvalidArgumentType",
            "properties in a pattern must be a map",
        ));
    };
    Ok(want
        .iter()
        .all(|(k, v)| stored_equals(have, ctx.key_id(k), v)))
}

/// Whether `have` holds property `key` (`None`: a key the store lacks)
/// equal to `want`.
fn stored_equals(have: &[(u32, Value)], key: Option<u32>, want: &Value) -> bool {
    have.iter()
        .find(|(p, _)| Some(*p) == key)
        .is_some_and(|(_, a)| ops::equals(a, want) == Some(true))
}

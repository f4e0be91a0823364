//! Updating clauses: CREATE, MERGE, SET, REMOVE, DELETE. Each runs over the
//! rows its input produced (the input is fully read first, so reads before a
//! write see a consistent snapshot).

use super::context::{Ctx, Entity};
use super::eval::{eval, Env};
use super::ops::type_error;
use crate::error::{Error, ErrorKind, Phase};
use crate::query::ast::{
    Direction, Expr, NodePattern, PatternPart, RelPattern, RemoveItem, SetItem,
};
use crate::query::bind::symbols::Names;
use crate::store::catalog::NameKind;
use crate::store::graph::{NodeRecord, RelRecord};
use crate::value::{NodeId, Value};
use std::collections::BTreeMap;

fn storable(v: Value, key: &str) -> Result<Option<Value>, Error> {
    match v {
        Value::Null => Ok(None),
        Value::List(items) => {
            for i in &items {
                if !matches!(
                    i,
                    Value::Bool(_)
                        | Value::Int(_)
                        | Value::Float(_)
                        | Value::String(_)
                        | Value::Date(_)
                        | Value::Temporal(_)
                        | Value::Estimate(_)
                ) {
                    return Err(Error::runtime(
                        ErrorKind::TypeError,
                        "InvalidPropertyType",
                        format!("property `{key}` cannot hold a list of {}", i.type_name()),
                    ));
                }
            }
            Ok(Some(Value::List(items)))
        }
        Value::Map(_) | Value::Node(_) | Value::Rel(_) | Value::Path(_) => Err(Error::runtime(
            ErrorKind::TypeError,
            "InvalidPropertyType",
            format!("property `{key}` cannot hold a {}", v.type_name()),
        )),
        v => Ok(Some(v)),
    }
}

fn eval_props(
    ctx: &mut Ctx<'_, '_>,
    env: &Env<'_>,
    e: Option<&Expr>,
) -> Result<Vec<(u32, Value)>, Error> {
    let Some(e) = e else { return Ok(vec![]) };
    let v = eval(e, env, ctx)?;
    let Value::Map(m) = v else {
        return Err(type_error("properties must be a map"));
    };
    let mut out = Vec::new();
    for (k, v) in m {
        if let Some(v) = storable(v, &k)? {
            let id = ctx.tx.catalog_mut().intern(NameKind::Key, &k);
            out.push((id, v));
        }
    }
    Ok(out)
}

pub fn create_node(ctx: &mut Ctx<'_, '_>, env: &Env<'_>, p: &NodePattern) -> Result<NodeId, Error> {
    let props = eval_props(ctx, env, p.properties.as_ref())?;
    let mut labels = Vec::new();
    for l in &p.labels {
        let id = ctx.tx.catalog_mut().intern(NameKind::Label, &l.name);
        if !labels.contains(&id) {
            labels.push(id);
        }
    }
    ctx.stats.nodes_created += 1;
    for l in &labels {
        ctx.touch_label(*l)?;
    }
    let keys: Vec<u32> = props.iter().map(|(k, _)| *k).collect();
    let id = ctx.tx.create_node(NodeRecord { labels, props })?;
    ctx.created_nodes.insert(id);
    for k in keys {
        ctx.note_prop(Entity::Node(id), k, None);
    }
    Ok(id)
}

pub fn create_rel(
    ctx: &mut Ctx<'_, '_>,
    env: &Env<'_>,
    r: &RelPattern,
    from: NodeId,
    to: NodeId,
) -> Result<u64, Error> {
    // CREATE rejects undirected patterns at compile time; MERGE creates them outgoing.
    let (src, dst) = match r.direction {
        Direction::Incoming => (to, from),
        Direction::Outgoing | Direction::Both => (from, to),
    };
    let [t] = r.types.as_slice() else {
        return Err(Error::compile(
            ErrorKind::SyntaxError,
            "NoSingleRelationshipType",
            "a relationship needs exactly one type to be created",
            r.span,
        ));
    };
    let props = eval_props(ctx, env, r.properties.as_ref())?;
    let ty = ctx.tx.catalog_mut().intern(NameKind::Type, &t.name);
    ctx.stats.relationships_created += 1;
    let keys: Vec<u32> = props.iter().map(|(k, _)| *k).collect();
    let id = ctx.tx.create_rel(
        RelRecord {
            rel_type: ty,
            src,
            dst,
            props,
        },
        true,
    )?;
    ctx.created_rels.insert(id);
    for k in keys {
        ctx.note_prop(Entity::Rel(id), k, None);
    }
    Ok(id)
}

/// Creates a pattern for one row, binding its new variables into `row`.
pub fn create_pattern(
    ctx: &mut Ctx<'_, '_>,
    names: &mut Names,
    row: &mut Vec<Value>,
    parts: &[PatternPart],
) -> Result<(), Error> {
    for part in parts {
        let mut nodes = Vec::new();
        let mut rels = Vec::new();
        let node_of = |ctx: &mut Ctx<'_, '_>,
                       names: &mut Names,
                       row: &mut Vec<Value>,
                       n: &NodePattern|
         -> Result<NodeId, Error> {
            if let Some(v) = &n.variable {
                if let Some(i) = names.slot(v.sym) {
                    return match &row[i] {
                        Value::Node(id) => Ok(*id),
                        Value::Null => Err(Error::runtime(
                            ErrorKind::SemanticError,
                            "CreateOnNull",
                            format!("cannot create a relationship to null `{}`", v.name),
                        )),
                        o => Err(Error::runtime(
                            ErrorKind::TypeError,
                            "VariableTypeConflict",
                            format!("`{}` is a {}, not a node", v.name, o.type_name()),
                        )),
                    };
                }
            }
            if let Some(a) = &n.actor {
                return super::pattern::resolve_actor(ctx, &a.name);
            }
            let env = Env::new(names, row);
            let id = create_node(ctx, &env, n)?;
            if let Some(v) = &n.variable {
                names.push_as(v.name.clone(), v.sym);
                row.push(Value::Node(id));
            }
            Ok(id)
        };
        let mut prev = node_of(ctx, names, row, &part.element.start)?;
        nodes.push(prev);
        for (r, n) in &part.element.chain {
            let next = node_of(ctx, names, row, n)?;
            let env = Env::new(names, row);
            let rel = create_rel(ctx, &env, r, prev, next)?;
            if let Some(v) = &r.variable {
                names.push_as(v.name.clone(), v.sym);
                row.push(Value::Rel(rel));
            }
            rels.push(rel);
            nodes.push(next);
            prev = next;
        }
        if let Some(v) = &part.variable {
            names.push_as(v.name.clone(), v.sym);
            row.push(Value::Path(Box::new(crate::value::Path { nodes, rels })));
        }
    }
    Ok(())
}

/// Sets (or, with `None`, removes) one property in a record's list and
/// counts the change.
/// Sets (or, with `None`, removes) one property in a record's list, noting
/// its value before the statement for the counters.
fn apply_prop(
    ctx: &mut Ctx<'_, '_>,
    who: Entity,
    props: &mut Vec<(u32, Value)>,
    k: u32,
    v: Option<Value>,
) {
    let had = props.iter().position(|(p, _)| *p == k);
    ctx.note_prop(who, k, had.map(|i| props[i].1.clone()));
    match (had, v) {
        (Some(i), Some(v)) => props[i].1 = v,
        (None, Some(v)) => props.push((k, v)),
        (Some(i), None) => {
            props.remove(i);
        }
        (None, None) => {}
    }
}

fn set_prop(ctx: &mut Ctx<'_, '_>, target: &Value, key: &str, value: Value) -> Result<(), Error> {
    let v = storable(value, key)?;
    let k = ctx.tx.catalog_mut().intern(NameKind::Key, key);
    match target {
        Value::Null => Ok(()),
        Value::Node(id) => {
            let old = ctx.node(*id)?;
            let mut new = old.clone();
            apply_prop(ctx, Entity::Node(*id), &mut new.props, k, v);
            ctx.tx.update_node(*id, &old, new)
        }
        Value::Rel(id) => {
            let mut rec = ctx.rel(*id)?;
            apply_prop(ctx, Entity::Rel(*id), &mut rec.props, k, v);
            ctx.tx.update_rel(*id, &rec);
            Ok(())
        }
        o => Err(type_error(format!(
            "cannot set a property on {}",
            o.type_name()
        ))),
    }
}

fn props_of(ctx: &Ctx<'_, '_>, v: &Value) -> Result<BTreeMap<String, Value>, Error> {
    Ok(match v {
        Value::Map(m) => m.clone(),
        Value::Node(id) => ctx.props_map(&ctx.node(*id)?.props),
        Value::Rel(id) => ctx.props_map(&ctx.rel(*id)?.props),
        Value::Null => BTreeMap::new(),
        o => return Err(type_error(format!("expected a map, got {}", o.type_name()))),
    })
}

pub fn set_items(
    ctx: &mut Ctx<'_, '_>,
    names: &Names,
    row: &[Value],
    items: &[SetItem],
) -> Result<(), Error> {
    for item in items {
        let env = Env::new(names, row);
        match item {
            SetItem::Property {
                target, key, value, ..
            } => {
                let t = eval(target, &env, ctx)?;
                let v = eval(value, &env, ctx)?;
                set_prop(ctx, &t, &key.name, v)?;
            }
            SetItem::Replace {
                variable, value, ..
            }
            | SetItem::Append {
                variable, value, ..
            } => {
                let t = env.lookup(variable.sym).cloned().unwrap_or(Value::Null);
                let v = eval(value, &env, ctx)?;
                let new = props_of(ctx, &v)?;
                if t.is_null() {
                    continue;
                }
                if matches!(item, SetItem::Replace { .. }) {
                    let old = props_of(ctx, &t)?;
                    for k in old.keys() {
                        if !new.contains_key(k) {
                            set_prop(ctx, &t, k, Value::Null)?;
                        }
                    }
                }
                for (k, v) in new {
                    set_prop(ctx, &t, &k, v)?;
                }
            }
            SetItem::Labels {
                variable, labels, ..
            } => {
                let t = env.lookup(variable.sym).cloned().unwrap_or(Value::Null);
                let Value::Node(id) = t else { continue };
                let old = ctx.node(id)?;
                let mut new = old.clone();
                for l in labels {
                    let lid = ctx.tx.catalog_mut().intern(NameKind::Label, &l.name);
                    if !new.labels.contains(&lid) {
                        new.labels.push(lid);
                        ctx.touch_label(lid)?;
                    }
                }
                ctx.tx.update_node(id, &old, new)?;
            }
        }
    }
    Ok(())
}

pub fn remove_items(
    ctx: &mut Ctx<'_, '_>,
    names: &Names,
    row: &[Value],
    items: &[RemoveItem],
) -> Result<(), Error> {
    for item in items {
        let env = Env::new(names, row);
        match item {
            RemoveItem::Property { target, key, .. } => {
                let t = eval(target, &env, ctx)?;
                set_prop(ctx, &t, &key.name, Value::Null)?;
            }
            RemoveItem::Labels {
                variable, labels, ..
            } => {
                let t = env.lookup(variable.sym).cloned().unwrap_or(Value::Null);
                let Value::Node(id) = t else { continue };
                let old = ctx.node(id)?;
                let mut new = old.clone();
                for l in labels {
                    if let Some(lid) = ctx.code(NameKind::Label, l.sym, &l.name) {
                        if let Some(pos) = new.labels.iter().position(|x| *x == lid) {
                            new.labels.remove(pos);
                            ctx.touch_label(lid)?;
                        }
                    }
                }
                ctx.tx.update_node(id, &old, new)?;
            }
        }
    }
    Ok(())
}

pub fn delete_value(ctx: &mut Ctx<'_, '_>, v: &Value, detach: bool) -> Result<(), Error> {
    match v {
        Value::Null => Ok(()),
        Value::Rel(id) => delete_rel(ctx, *id),
        Value::Node(id) => {
            if ctx.deleted_nodes.contains(id) {
                return Ok(());
            }
            let mut links = Vec::new();
            ctx.tx.expand(*id, None, None, &mut links)?;
            if !links.is_empty() {
                if !detach {
                    return Err(Error::new(
                        ErrorKind::ConstraintVerificationFailed,
                        "DeleteConnectedNode",
                        Phase::Runtime,
                        format!(
                            "node {id} still has {} relationship{}: use DETACH DELETE",
                            links.len(),
                            if links.len() == 1 { "" } else { "s" }
                        ),
                    ));
                }
                for l in links {
                    delete_rel(ctx, l.rel)?;
                }
            }
            let rec = ctx.node(*id)?;
            for l in &rec.labels {
                ctx.touch_label(*l)?;
            }
            ctx.tx.delete_node(*id, &rec);
            ctx.deleted_nodes.insert(*id);
            // A node created and deleted by the same statement leaves no trace.
            if ctx.created_nodes.remove(id) {
                ctx.stats.nodes_created -= 1;
            } else {
                ctx.stats.nodes_deleted += 1;
            }
            for (k, v) in &rec.props {
                ctx.note_prop(Entity::Node(*id), *k, Some(v.clone()));
            }
            Ok(())
        }
        Value::Path(p) => {
            for r in &p.rels {
                delete_rel(ctx, *r)?;
            }
            for n in &p.nodes {
                delete_value(ctx, &Value::Node(*n), detach)?;
            }
            Ok(())
        }
        Value::List(items) => {
            for i in items {
                delete_value(ctx, i, detach)?;
            }
            Ok(())
        }
        o => Err(Error::runtime(
            ErrorKind::TypeError,
            "InvalidArgumentType",
            format!("cannot delete a {}", o.type_name()),
        )),
    }
}

/// Deletes the relationships a DELETE target names directly (a
/// relationship, the links of a path, or those inside a list).
pub fn delete_links_of(ctx: &mut Ctx<'_, '_>, v: &Value) -> Result<(), Error> {
    match v {
        Value::Rel(id) => delete_rel(ctx, *id),
        Value::Path(p) => p.rels.iter().try_for_each(|r| delete_rel(ctx, *r)),
        Value::List(items) => items.iter().try_for_each(|i| delete_links_of(ctx, i)),
        _ => Ok(()),
    }
}

fn delete_rel(ctx: &mut Ctx<'_, '_>, id: u64) -> Result<(), Error> {
    if ctx.deleted_rels.contains(&id) {
        return Ok(());
    }
    let Some(rec) = ctx.tx.rel(id)? else {
        return Ok(());
    };
    ctx.tx.delete_rel(id, &rec)?;
    ctx.deleted_rels.insert(id);
    ctx.deleted_rel_types.insert(id, rec.rel_type);
    if ctx.created_rels.remove(&id) {
        ctx.stats.relationships_created -= 1;
    } else {
        ctx.stats.relationships_deleted += 1;
    }
    for (k, v) in &rec.props {
        ctx.note_prop(Entity::Rel(id), *k, Some(v.clone()));
    }
    Ok(())
}

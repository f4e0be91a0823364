//! Function calls: aggregates, scalar functions, and the domain's path
//! functions that have a relational form.

use super::expr::{expr, list_of, var, Env};
use super::schema::ColType;
use super::{unsupported, Cx, Kind, Ty};
use crate::error::Error;
use crate::query::ast::Expr;

pub fn function(
    cx: &mut Cx,
    env: &Env,
    e: &Expr,
    name: &str,
    distinct: bool,
    args: &[Expr],
) -> Result<(String, Ty), Error> {
    let lower = name.to_ascii_lowercase();
    let arg = |i: usize| args.get(i).ok_or_else(|| unsupported(name, e.span));
    // Entities are counted and compared by id.
    let entity_arg = |cx: &mut Cx| -> Result<(String, Ty), Error> {
        let a = arg(0)?;
        match var(env, a) {
            Some((s, Kind::Node | Kind::Rel)) if distinct => {
                Ok((format!("{s}.`_id`"), Ty::Unknown))
            }
            _ => expr(cx, env, a),
        }
    };
    let d = if distinct { "DISTINCT " } else { "" };
    if distinct
        && !matches!(
            lower.as_str(),
            "count" | "sum" | "avg" | "min" | "max" | "collect"
        )
    {
        return Err(unsupported("DISTINCT in a non-aggregate function", e.span));
    }
    if matches!(
        lower.as_str(),
        "count" | "sum" | "avg" | "min" | "max" | "collect"
    ) && args.len() != 1
    {
        return Err(unsupported(name, e.span));
    }
    Ok(match lower.as_str() {
        "count" => (format!("count({d}{})", entity_arg(cx)?.0), Ty::Int),
        // Cypher's sum of no rows is 0, SQL's is NULL.
        "sum" => {
            let (s, t) = expr(cx, env, arg(0)?)?;
            match t {
                // Only nulls: Spark's sum of its null type is a double.
                Ty::Null => ("0L".into(), Ty::Int),
                Ty::Float => (format!("coalesce(sum({d}{s}), 0.0D)"), t),
                _ => (format!("coalesce(sum({d}{s}), 0L)"), t),
            }
        }
        "avg" => (format!("avg({d}{})", expr(cx, env, arg(0)?)?.0), Ty::Float),
        "min" | "max" => {
            let (s, t) = expr(cx, env, arg(0)?)?;
            (format!("{lower}({d}{s})"), t)
        }
        "collect" => {
            let (s, _) = entity_arg(cx)?;
            let f = if distinct {
                "collect_set"
            } else {
                "collect_list"
            };
            (format!("{f}({s})"), Ty::List)
        }
        "id" => match var(env, arg(0)?) {
            Some((s, Kind::Node | Kind::Rel)) => (format!("{s}.`_id`"), Ty::Int),
            _ => return Err(unsupported("id() of a non-entity", e.span)),
        },
        "labels" => match var(env, arg(0)?) {
            Some((s, Kind::Node)) => (format!("{s}.`_labels`"), Ty::List),
            _ => return Err(unsupported("labels() of a non-node", e.span)),
        },
        "type" => match var(env, arg(0)?) {
            Some((s, Kind::Rel)) => (format!("{s}.`_type`"), Ty::Str),
            _ => return Err(unsupported("type() of a non-relationship", e.span)),
        },
        "length" => match var(env, arg(0)?) {
            Some((s, Kind::Path | Kind::PathLen)) => (format!("{s}.len"), Ty::Int),
            _ => return Err(unsupported("length() of a non-path", e.span)),
        },
        "relationships" => match var(env, arg(0)?) {
            Some((s, Kind::Path)) => (format!("{s}.rels"), Ty::List),
            _ => return Err(unsupported("relationships() of this path", e.span)),
        },
        // The engine's product of link confidences (1 where absent) and
        // its sorted distinct string sources.
        "confidence" => {
            let (ls, _) = relationships(env, e, arg(0)?)?;
            let conf = link_column(cx, "confidence", &[ColType::Int, ColType::Float], e)?;
            let l = cx.fresh("l");
            let acc = cx.fresh("acc");
            let factor = match conf {
                Some(c) => format!("coalesce(CAST({l}.{c} AS DOUBLE), 1.0D)"),
                None => "1.0D".into(),
            };
            (
                format!("aggregate({ls}, 1.0D, ({acc}, {l}) -> {acc} * {factor})"),
                Ty::Float,
            )
        }
        "sources" => {
            let (ls, _) = relationships(env, e, arg(0)?)?;
            let l = cx.fresh("l");
            match link_column(cx, "source", &[ColType::Str], e)? {
                Some(c) => (
                    format!(
                        "array_sort(array_distinct(filter(transform({ls}, {l} -> {l}.{c}), {l} -> {l} IS NOT NULL)))"
                    ),
                    Ty::List,
                ),
                None => ("CAST(array() AS ARRAY<STRING>)".into(), Ty::List),
            }
        }
        "size" => {
            let (s, t) = expr(cx, env, arg(0)?)?;
            match t {
                Ty::List => (format!("size({s})"), Ty::Int),
                Ty::Str => (format!("char_length({s})"), Ty::Int),
                Ty::Null => ("NULL".into(), Ty::Null),
                _ => return Err(unsupported("size() of a value of unknown type", e.span)),
            }
        }
        "head" => (
            format!("try_element_at({}, 1)", list_of(cx, env, arg(0)?)?.0),
            Ty::Unknown,
        ),
        "last" => (
            format!("try_element_at({}, -1)", list_of(cx, env, arg(0)?)?.0),
            Ty::Unknown,
        ),
        // Not trim(): Spark's trims spaces only, the engine's all whitespace.
        "toupper" | "tolower" => {
            let (s, t) = expr(cx, env, arg(0)?)?;
            if t != Ty::Str && t != Ty::Null {
                return Err(unsupported(
                    &format!("{name}() of a value not known to be a string"),
                    e.span,
                ));
            }
            let f = if lower == "toupper" { "upper" } else { "lower" };
            (format!("{f}({s})"), Ty::Str)
        }
        "coalesce" => {
            let mut parts = Vec::new();
            let mut ty = Ty::Unknown;
            for a in args {
                let (s, t) = expr(cx, env, a)?;
                if ty == Ty::Unknown || ty == Ty::Null {
                    ty = t;
                }
                parts.push(s);
            }
            (format!("coalesce({})", parts.join(", ")), ty)
        }
        "abs" => {
            let (s, t) = expr(cx, env, arg(0)?)?;
            (format!("abs({s})"), t)
        }
        "tointeger" => {
            let (s, t) = expr(cx, env, arg(0)?)?;
            match t {
                Ty::Int | Ty::Float | Ty::Str | Ty::Null => (
                    // Out of range is null in Cypher; Spark's cast would clamp
                    // doubles at the bounds (2^63 is exactly representable).
                    match t {
                        Ty::Int => s,
                        // An integer string exactly, else through a double
                        // ('1.5' is 1); out of range is null in Cypher, where
                        // Spark's cast would clamp at the bounds.
                        _ => format!(
                            "(CASE {exact}WHEN try_cast({s} AS DOUBLE) >= -9.223372036854775808E18 \
                             AND try_cast({s} AS DOUBLE) < 9.223372036854775808E18 \
                             THEN try_cast(try_cast({s} AS DOUBLE) AS BIGINT) END)",
                            exact = if t == Ty::Str {
                                format!("WHEN {s} RLIKE '^[+-]?[0-9]+$' THEN try_cast({s} AS BIGINT) ")
                            } else {
                                String::new()
                            }
                        ),
                    },
                    Ty::Int,
                ),
                _ => {
                    return Err(unsupported(
                        "toInteger() of a value of unknown type",
                        e.span,
                    ))
                }
            }
        }
        "tofloat" => {
            let (s, t) = expr(cx, env, arg(0)?)?;
            match t {
                Ty::Int | Ty::Float | Ty::Str | Ty::Null => {
                    (format!("try_cast({s} AS DOUBLE)"), Ty::Float)
                }
                _ => return Err(unsupported("toFloat() of a value of unknown type", e.span)),
            }
        }
        "tostring" => {
            let (s, t) = expr(cx, env, arg(0)?)?;
            match t {
                // Floats print differently (Cypher keeps `.0`): not compiled.
                Ty::Int | Ty::Str | Ty::Null => (format!("CAST({s} AS STRING)"), Ty::Str),
                Ty::Bool => (format!("lower(CAST({s} AS STRING))"), Ty::Str),
                _ => return Err(unsupported("toString() of this type", e.span)),
            }
        }
        "range" if args.len() == 2 => {
            let (a, at) = expr(cx, env, arg(0)?)?;
            let (b, bt) = expr(cx, env, arg(1)?)?;
            if at != Ty::Int || bt != Ty::Int {
                return Err(unsupported("range() of non-integers", e.span));
            }
            let l = cx.fresh("l");
            // Cypher's range(3, 1) is empty; Spark's sequence would count down.
            (
                format!("filter(sequence({a}, greatest({a}, {b})), {l} -> {l} <= {b})"),
                Ty::List,
            )
        }
        _ => return Err(unsupported(&format!("the function {name}()"), e.span)),
    })
}

fn e_name(e: &Expr) -> &str {
    match &e.kind {
        crate::query::ast::ExprKind::Function { name, .. } => name,
        _ => "this function",
    }
}

/// The links of a path or a variable-length relationship.
fn relationships(env: &Env, e: &Expr, a: &Expr) -> Result<(String, Kind), Error> {
    match var(env, a) {
        Some((s, Kind::Path)) => Ok((format!("{s}.rels"), Kind::Rel)),
        Some((s, Kind::RelList)) => Ok((s.to_string(), Kind::Rel)),
        _ => Err(unsupported(
            &format!("{} of this argument", e_name(e)),
            a.span,
        )),
    }
}

/// The links column `key` when the schema has it with one of `types`; None
/// when the schema says the links have no such property.
fn link_column(cx: &Cx, key: &str, types: &[ColType], e: &Expr) -> Result<Option<String>, Error> {
    let Some(schema) = cx.schema else {
        return Err(unsupported(
            &format!("{}() without --schema", e_name(e)),
            e.span,
        ));
    };
    match schema.links.get(key) {
        Some(t) if types.contains(t) => Ok(Some(format!("`{key}`"))),
        Some(_) => Err(unsupported(
            &format!("{}() over '{key}' values of this type", e_name(e)),
            e.span,
        )),
        None => Ok(None),
    }
}

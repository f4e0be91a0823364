//! WITH, RETURN and UNWIND: projections with implicit grouping, DISTINCT,
//! ORDER BY (Cypher's null placement spelled out), SKIP and LIMIT.

use super::expr::{expr, has_aggregate, list_of, var, Env};
use super::pattern::{filter, select_list};
use super::sql::ident;
use super::{unsupported, Cx, Kind, Scope, Var};
use crate::error::Error;
use crate::query::ast::{Expr, ExprKind, Projection, Unwind};

/// SKIP and LIMIT must be constants; Spark wants them written out.
fn count(cx: &mut Cx, e: &Expr) -> Result<i64, Error> {
    let env = Env::default();
    let (s, _) = expr(cx, &env, e)?;
    s.trim_end_matches('L')
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| unsupported("a SKIP or LIMIT that is not a constant", e.span))
}

pub fn projection(
    cx: &mut Cx,
    scope: Scope,
    proj: &Projection,
    where_: Option<&Expr>,
) -> Result<Scope, Error> {
    let env = Env::of_scope(&scope);
    // (name, SQL, kind, expression) per output column.
    let mut items: Vec<(String, String, Kind, Option<&Expr>)> = Vec::new();
    if proj.star {
        // `*` is the variables in name order, as the engine returns them.
        let mut vars: Vec<&Var> = scope.vars.iter().collect();
        vars.sort_by(|a, b| a.name.cmp(&b.name));
        for v in vars {
            items.push((v.name.clone(), ident(&v.name), v.kind, None));
        }
    }
    for it in &proj.items {
        let name = it
            .alias
            .as_ref()
            .map_or(it.text.clone(), |a| a.name.clone());
        let (s, ty) = expr(cx, &env, &it.expr)?;
        let kind = match var(&env, &it.expr) {
            Some((_, k)) => k,
            None => Kind::Value(ty),
        };
        items.retain(|i| i.0 != name);
        items.push((name, s, kind, Some(&it.expr)));
    }
    let aggregating = proj.items.iter().any(|i| has_aggregate(&i.expr));
    let a = cx.fresh("w");
    let mut cols: Vec<String> = items
        .iter()
        .map(|(n, s, _, _)| format!("{s} AS {}", ident(n)))
        .collect();
    // ORDER BY may name the variables before the projection (not after an
    // aggregation or DISTINCT): they ride along as hidden columns.
    let hidden: Vec<&Var> = if aggregating || proj.distinct || proj.order_by.is_empty() {
        Vec::new()
    } else {
        scope
            .vars
            .iter()
            .filter(|v| !items.iter().any(|i| i.0 == v.name))
            .collect()
    };
    cols.extend(
        hidden
            .iter()
            .map(|v| format!("{a}.{} AS {}", ident(&v.name), ident(&v.name))),
    );
    let distinct = if proj.distinct { "DISTINCT " } else { "" };
    let mut sql = format!(
        "SELECT {distinct}{} FROM {}",
        select_list(cols),
        scope.from(&a)
    );
    if aggregating {
        let keys: Vec<&String> = items
            .iter()
            .filter(|(_, _, _, e)| !e.is_some_and(has_aggregate))
            .map(|(_, s, _, _)| s)
            .collect();
        if !keys.is_empty() {
            sql.push_str(&format!(
                " GROUP BY {}",
                keys.iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    let vars: Vec<Var> = items
        .iter()
        .map(|(n, _, k, _)| Var {
            name: n.clone(),
            kind: *k,
        })
        .collect();
    if !proj.order_by.is_empty() || proj.skip.is_some() || proj.limit.is_some() {
        let mut sort_env = Env::default();
        for v in &hidden {
            sort_env.push(&v.name, ident(&v.name), v.kind);
        }
        for v in &vars {
            sort_env.push(&v.name, ident(&v.name), v.kind);
        }
        let mut keys = Vec::new();
        for s in &proj.order_by {
            // A bare name is the output column of that name (an alias hides
            // the variable it shadows); else an expression projected
            // already is sorted by its column.
            let named = match &s.expr.kind {
                ExprKind::Variable(v, _) => items.iter().find(|(n, ..)| n == v),
                _ => None,
            };
            let projected = named.or_else(|| {
                items
                    .iter()
                    .find(|(_, _, _, e)| e.is_some_and(|e| e.same_as(&s.expr)))
            });
            let k = match projected {
                Some((n, _, _, _)) => ident(n),
                None => {
                    if aggregating && has_aggregate(&s.expr) {
                        return Err(unsupported("ORDER BY an aggregate not returned", s.span));
                    }
                    expr(cx, &sort_env, &s.expr)?.0
                }
            };
            // Cypher puts nulls last ascending, first descending.
            keys.push(if s.descending {
                format!("{k} DESC NULLS FIRST")
            } else {
                format!("{k} ASC NULLS LAST")
            });
        }
        let b = cx.fresh("o");
        let visible: Vec<String> = vars
            .iter()
            .map(|v| format!("{b}.{} AS {}", ident(&v.name), ident(&v.name)))
            .collect();
        let mut outer = format!("SELECT {} FROM ({sql}) {b}", select_list(visible));
        if !keys.is_empty() {
            outer.push_str(&format!(" ORDER BY {}", keys.join(", ")));
        }
        if let Some(l) = &proj.limit {
            outer.push_str(&format!(" LIMIT {}", count(cx, l)?));
        }
        if let Some(s) = &proj.skip {
            outer.push_str(&format!(" OFFSET {}", count(cx, s)?));
        }
        sql = outer;
    }
    let out = Scope {
        sql: Some(sql),
        vars,
    };
    match where_ {
        Some(w) => filter(cx, out, w),
        None => Ok(out),
    }
}

pub fn unwind(cx: &mut Cx, scope: Scope, u: &Unwind) -> Result<Scope, Error> {
    let env = Env::of_scope(&scope);
    let (list, kind) = match &u.expr.kind {
        ExprKind::Null => return Err(unsupported("UNWIND of null", u.expr.span)),
        _ => list_of(cx, &env, &u.expr)?,
    };
    let (a, x) = (cx.fresh("u"), cx.fresh("x"));
    let mut cols = scope.columns(&a);
    cols.push(format!(
        "{x}.{} AS {}",
        ident(&u.variable.name),
        ident(&u.variable.name)
    ));
    let sql = format!(
        "SELECT {} FROM {} LATERAL VIEW explode({list}) {x} AS {}",
        cols.join(", "),
        scope.from(&a),
        ident(&u.variable.name)
    );
    let mut vars: Vec<Var> = scope
        .vars
        .into_iter()
        .filter(|v| v.name != u.variable.name)
        .collect();
    vars.push(Var {
        name: u.variable.name.clone(),
        kind,
    });
    Ok(Scope {
        sql: Some(sql),
        vars,
    })
}

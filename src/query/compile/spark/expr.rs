//! Expressions: Cypher's operators and functions as Spark SQL, where the two
//! agree on nulls and types; anything else is `Unsupported`.

use super::schema::ColType;
use super::sql::{self, ident};
use super::{unsupported, Cx, Kind, Scope, Ty};
use crate::error::Error;
use crate::query::ast::{BinaryOp, Expr, ExprKind, Quantifier, UnaryOp};

/// Variables visible to an expression: name, SQL text, kind (innermost last).
#[derive(Clone, Default)]
pub struct Env {
    vars: Vec<(String, String, Kind)>,
}

impl Env {
    /// The columns of `scope`, referred to unqualified.
    pub fn of_scope(scope: &Scope) -> Env {
        Env {
            vars: scope
                .vars
                .iter()
                .map(|v| (v.name.clone(), ident(&v.name), v.kind))
                .collect(),
        }
    }

    pub fn push(&mut self, name: &str, sql: String, kind: Kind) {
        self.vars.push((name.to_string(), sql, kind));
    }

    fn get(&self, name: &str) -> Option<(&str, Kind)> {
        self.vars
            .iter()
            .rev()
            .find(|v| v.0 == name)
            .map(|v| (v.1.as_str(), v.2))
    }
}

const AGGREGATES: [&str; 6] = ["count", "sum", "avg", "min", "max", "collect"];

/// Whether `e` holds an aggregate (outside of nothing: Cypher forbids nesting).
pub fn has_aggregate(e: &Expr) -> bool {
    let mut found = false;
    walk(e, &mut |x| {
        found |= match &x.kind {
            ExprKind::CountStar => true,
            ExprKind::Function { name, .. } => {
                AGGREGATES.contains(&name.to_ascii_lowercase().as_str())
            }
            _ => false,
        }
    });
    found
}

/// Calls `f` on `e` and every expression inside it.
pub fn walk(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    let mut each = |x: &Expr| walk(x, f);
    match &e.kind {
        ExprKind::List(items) => items.iter().for_each(&mut each),
        ExprKind::Map(items) => items.iter().for_each(|(_, v)| each(v)),
        ExprKind::Property(x, _) | ExprKind::HasLabels(x, _) => each(x),
        ExprKind::IsNull { expr, .. } | ExprKind::Unary(_, expr) => each(expr),
        ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
            each(a);
            each(b)
        }
        ExprKind::Slice(a, b, c) => {
            each(a);
            b.iter().for_each(|x| each(x));
            c.iter().for_each(|x| each(x));
        }
        ExprKind::Function { args, .. } => args.iter().for_each(&mut each),
        ExprKind::Case {
            operand,
            whens,
            else_,
        } => {
            operand.iter().for_each(|x| each(x));
            whens.iter().for_each(|(a, b)| {
                each(a);
                each(b)
            });
            else_.iter().for_each(|x| each(x));
        }
        ExprKind::ListComprehension {
            list,
            predicate,
            map,
            ..
        } => {
            each(list);
            predicate.iter().for_each(|x| each(x));
            map.iter().for_each(|x| each(x));
        }
        ExprKind::Quantifier {
            list, predicate, ..
        } => {
            each(list);
            predicate.iter().for_each(|x| each(x));
        }
        _ => {}
    }
}

fn ty_of(c: ColType) -> Ty {
    match c {
        ColType::Int => Ty::Int,
        ColType::Float => Ty::Float,
        ColType::Bool => Ty::Bool,
        ColType::Str => Ty::Str,
        ColType::List => Ty::List,
        ColType::Date | ColType::Other => Ty::Unknown,
    }
}

/// `base.key` for a node or link struct, checked against the schema: a key
/// the tables lack is null, as a missing property is.
fn property(cx: &Cx, base: &str, rel: bool, e: &Expr, key: &str) -> Result<(String, Ty), Error> {
    let Some(schema) = cx.schema else {
        return Ok((format!("{base}.{}", ident(key)), Ty::Unknown));
    };
    let cols = if rel { &schema.links } else { &schema.actors };
    if ["_id", "_labels", "_src", "_dst", "_type"].contains(&key) {
        // The tables' own columns: a property of that name was left out.
        return Err(unsupported(
            &format!("the property '{key}' (not exported)"),
            e.span,
        ));
    }
    match cols.get(key) {
        Some(ColType::Date) | Some(ColType::Other) => Err(unsupported(
            &format!("the property '{key}' (of its type)"),
            e.span,
        )),
        Some(t) => Ok((format!("{base}.{}", ident(key)), ty_of(*t))),
        None if cols.contains_key(&format!("{key}_lo")) => Err(unsupported(
            &format!("the estimate property '{key}' (use lo() or hi())"),
            e.span,
        )),
        None if cols.contains_key(&format!("{key}_from")) => Err(unsupported(
            &format!("the partial-date property '{key}'"),
            e.span,
        )),
        None => Ok(("NULL".into(), Ty::Null)),
    }
}

/// The column of property `key` of the struct `base` (NULL where absent).
pub fn property_column(
    cx: &Cx,
    base: &str,
    rel: bool,
    e: &Expr,
    key: &str,
) -> Result<String, Error> {
    property(cx, base, rel, e, key).map(|(s, _)| s)
}

/// The variable `e` names, with its SQL and kind.
pub fn var<'e>(env: &'e Env, e: &Expr) -> Option<(&'e str, Kind)> {
    match &e.kind {
        ExprKind::Variable(v, _) => env.get(v),
        _ => None,
    }
}

fn numeric(t: Ty) -> bool {
    matches!(t, Ty::Int | Ty::Float)
}

/// Compiles `e`; `Ty` is its type where known.
pub fn expr(cx: &mut Cx, env: &Env, e: &Expr) -> Result<(String, Ty), Error> {
    Ok(match &e.kind {
        ExprKind::Null => ("NULL".into(), Ty::Null),
        ExprKind::Bool(b) => (if *b { "TRUE" } else { "FALSE" }.into(), Ty::Bool),
        ExprKind::Int(i) => (sql::int(*i), Ty::Int),
        ExprKind::Float(f) => (sql::float(*f), Ty::Float),
        ExprKind::String(s) => (sql::string(s), Ty::Str),
        ExprKind::Parameter(p, _) => match cx.params.get(p) {
            Some(v) => sql::value(v, e.span)?,
            None => return Err(unsupported(&format!("the unbound parameter ${p}"), e.span)),
        },
        ExprKind::Variable(v, _) => match env.get(v) {
            Some((s, Kind::Value(t))) => (s.to_string(), t),
            Some((s, Kind::RelList)) => (s.to_string(), Ty::List),
            Some((s, _)) => (s.to_string(), Ty::Unknown),
            None => return Err(unsupported(&format!("the variable {v} here"), e.span)),
        },
        ExprKind::List(items) => {
            let mut parts = Vec::new();
            let mut elem: Option<Ty> = None;
            for i in items {
                let (s, t) = expr(cx, env, i)?;
                // Spark's arrays hold one type: it would make `[1, 2.5]`
                // doubles (`1.0`) or fail on `[1, 'a']`.
                if t != Ty::Null {
                    if elem.is_some_and(|x| x != t) || t == Ty::Unknown || t == Ty::List {
                        return Err(unsupported(
                            "a list whose elements are not all of one known scalar type",
                            e.span,
                        ));
                    }
                    elem = Some(t);
                }
                parts.push(s);
            }
            if parts.is_empty() {
                // Typed, or its elements would be Spark's null type (whose
                // sum is a double).
                ("CAST(array() AS ARRAY<BIGINT>)".into(), Ty::List)
            } else {
                (format!("array({})", parts.join(", ")), Ty::List)
            }
        }
        ExprKind::Property(base, key) => match var(env, base) {
            Some((s, Kind::Node)) => {
                let s = s.to_string();
                property(cx, &s, false, e, &key.name)?
            }
            Some((s, Kind::Rel)) => {
                let s = s.to_string();
                property(cx, &s, true, e, &key.name)?
            }
            _ => return Err(unsupported("property access on a map or value", e.span)),
        },
        ExprKind::Unary(op, x) => {
            let (s, t) = expr(cx, env, x)?;
            match op {
                UnaryOp::Not => (format!("(NOT {s})"), Ty::Bool),
                UnaryOp::Neg => (format!("(- {s})"), t),
                UnaryOp::Pos => (s, t),
            }
        }
        ExprKind::Binary(op, a, b) => binary(cx, env, e, *op, a, b)?,
        ExprKind::IsNull { expr: x, negated } => {
            let (s, _) = expr(cx, env, x)?;
            let not = if *negated { "NOT " } else { "" };
            (format!("({s} IS {not}NULL)"), Ty::Bool)
        }
        ExprKind::HasLabels(x, labels) => match var(env, x) {
            Some((s, Kind::Node)) => {
                let s = s.to_string();
                let parts: Vec<String> = labels
                    .iter()
                    .map(|l| format!("array_contains({s}.`_labels`, {})", sql::string(&l.name)))
                    .collect();
                (format!("({})", parts.join(" AND ")), Ty::Bool)
            }
            _ => return Err(unsupported("a label test on a non-node", e.span)),
        },
        ExprKind::Function {
            name,
            distinct,
            args,
            ..
        } => super::expr_fn::function(cx, env, e, name, *distinct, args)?,
        ExprKind::CountStar => ("count(1)".into(), Ty::Int),
        ExprKind::Case {
            operand,
            whens,
            else_,
        } => {
            let mut out = String::from("CASE");
            if let Some(o) = operand {
                out.push(' ');
                out.push_str(&expr(cx, env, o)?.0);
            }
            let mut ty = Ty::Unknown;
            for (w, t) in whens {
                let (ws, wt) = expr(cx, env, w)?;
                // Spark wants a boolean condition, not its null type.
                let ws = if wt == Ty::Null && operand.is_none() {
                    format!("CAST({ws} AS BOOLEAN)")
                } else {
                    ws
                };
                let (ts, tt) = expr(cx, env, t)?;
                ty = tt;
                out.push_str(&format!(" WHEN {ws} THEN {ts}"));
            }
            if let Some(x) = else_ {
                out.push_str(&format!(" ELSE {}", expr(cx, env, x)?.0));
            }
            out.push_str(" END");
            (out, ty)
        }
        ExprKind::ListComprehension {
            variable,
            list,
            predicate,
            map,
        } => {
            let (ls, kind) = list_of(cx, env, list)?;
            let lambda = cx.fresh("l");
            let mut inner = env.clone();
            inner.push(&variable.name, lambda.clone(), kind);
            let mut out = ls;
            if let Some(p) = predicate {
                let (ps, _) = expr(cx, &inner, p)?;
                out = format!("filter({out}, {lambda} -> {ps})");
            }
            if let Some(m) = map {
                let (ms, _) = expr(cx, &inner, m)?;
                out = format!("transform({out}, {lambda} -> {ms})");
            }
            (out, Ty::List)
        }
        ExprKind::Quantifier {
            kind,
            variable,
            list,
            predicate,
        } => {
            let (ls, k) = list_of(cx, env, list)?;
            let lambda = cx.fresh("l");
            let mut inner = env.clone();
            inner.push(&variable.name, lambda.clone(), k);
            let ps = match predicate {
                Some(p) => expr(cx, &inner, p)?.0,
                None => return Err(unsupported("a quantifier without WHERE", e.span)),
            };
            // Spark's forall/exists are three-valued as Cypher's all/any.
            let s = match kind {
                Quantifier::All => format!("forall({ls}, {lambda} -> {ps})"),
                Quantifier::Any => format!("exists({ls}, {lambda} -> {ps})"),
                Quantifier::None => format!("(NOT exists({ls}, {lambda} -> {ps}))"),
                Quantifier::Single => return Err(unsupported("single()", e.span)),
            };
            (s, Ty::Bool)
        }
        ExprKind::Index(list, index) => {
            let (ls, _) = list_of(cx, env, list)?;
            let (is, it) = expr(cx, env, index)?;
            if it != Ty::Int {
                return Err(unsupported("indexing with a non-integer", e.span));
            }
            (
                format!(
                    "(CASE WHEN {is} >= 0 THEN try_element_at({ls}, try_cast({is} + 1 AS INT)) ELSE try_element_at({ls}, try_cast({is} AS INT)) END)"
                ),
                Ty::Unknown,
            )
        }
        ExprKind::Actor(_) => {
            return Err(unsupported(
                "an actor literal (resolve it to an id first)",
                e.span,
            ))
        }
        ExprKind::Map(_) => return Err(unsupported("a map value", e.span)),
        ExprKind::Slice(..) => return Err(unsupported("list slicing", e.span)),
        ExprKind::PatternComprehension { .. } => {
            return Err(unsupported("a pattern comprehension", e.span))
        }
        ExprKind::Reduce { .. } => return Err(unsupported("reduce()", e.span)),
        ExprKind::PatternPredicate(_) => return Err(unsupported("a pattern predicate", e.span)),
        ExprKind::Subquery(s) => {
            return Err(unsupported(
                &format!("{} {{ … }}", s.kind.keyword()),
                e.span,
            ))
        }
        ExprKind::ShortestPathExpr { .. } => {
            return Err(unsupported("shortestPath() as an expression", e.span))
        }
    })
}

/// A list to iterate over, and the kind of its elements.
pub fn list_of(cx: &mut Cx, env: &Env, e: &Expr) -> Result<(String, Kind), Error> {
    if let Some((s, Kind::RelList)) = var(env, e) {
        return Ok((s.to_string(), Kind::Rel));
    }
    if let ExprKind::Function { name, args, .. } = &e.kind {
        if name.eq_ignore_ascii_case("relationships") && args.len() == 1 {
            if let Some((s, Kind::Path)) = var(env, &args[0]) {
                return Ok((format!("{s}.rels"), Kind::Rel));
            }
        }
    }
    // The elements of a literal list or a list parameter have known types.
    let items: Vec<Ty> = match &e.kind {
        ExprKind::List(items) => {
            let mut tys = Vec::new();
            for i in items {
                tys.push(expr(cx, env, i)?.1);
            }
            tys
        }
        ExprKind::Parameter(p, _) => match cx.params.get(p) {
            Some(crate::value::Value::List(items)) => items
                .iter()
                .map(|v| sql::value(v, e.span).map(|x| x.1))
                .collect::<Result<_, _>>()?,
            _ => vec![Ty::Unknown],
        },
        _ => vec![Ty::Unknown],
    };
    let elem = match items.first() {
        Some(t) if items.iter().all(|x| x == t) => *t,
        _ => Ty::Unknown,
    };
    let (s, t) = expr(cx, env, e)?;
    if t != Ty::List {
        return Err(unsupported(
            "iterating over a value not known to be a list",
            e.span,
        ));
    }
    Ok((s, Kind::Value(elem)))
}

fn binary(
    cx: &mut Cx,
    env: &Env,
    e: &Expr,
    op: BinaryOp,
    a: &Expr,
    b: &Expr,
) -> Result<(String, Ty), Error> {
    if op == BinaryOp::In {
        let (as_, at) = expr(cx, env, a)?;
        if at == Ty::List {
            return Err(unsupported(
                "IN with a list on the left (Cypher's nulls inside lists)",
                a.span,
            ));
        }
        // A literal list is SQL's IN, with the same null logic as Cypher's.
        if let ExprKind::List(items) = &b.kind {
            if items.is_empty() {
                return Ok(("FALSE".into(), Ty::Bool));
            }
            let mut parts = Vec::new();
            for i in items {
                parts.push(expr(cx, env, i)?.0);
            }
            return Ok((format!("({as_} IN ({}))", parts.join(", ")), Ty::Bool));
        }
        let (bs, bt) = expr(cx, env, b)?;
        if bt != Ty::List {
            return Err(unsupported(
                "IN over a value not known to be a list",
                b.span,
            ));
        }
        return Ok((format!("array_contains({bs}, {as_})"), Ty::Bool));
    }
    let (l, lt) = expr(cx, env, a)?;
    let (r, rt) = expr(cx, env, b)?;
    let cmp = |o: &str| Ok((format!("({l} {o} {r})"), Ty::Bool));
    match op {
        BinaryOp::Or => cmp("OR"),
        BinaryOp::And => cmp("AND"),
        BinaryOp::Xor => Ok((format!("(({l} OR {r}) AND NOT ({l} AND {r}))"), Ty::Bool)),
        BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            // Entities compare by identity, values by value.
            let entity = |x: &Expr| {
                matches!(
                    var(env, x),
                    Some((
                        _,
                        Kind::Node | Kind::Rel | Kind::RelList | Kind::Path | Kind::PathLen
                    ))
                )
            };
            if lt == Ty::List || rt == Ty::List {
                return Err(unsupported(
                    "comparing lists (Cypher's nulls inside lists)",
                    e.span,
                ));
            }
            if (entity(a) || entity(b)) && !matches!(op, BinaryOp::Eq | BinaryOp::Ne) {
                return Err(unsupported("ordering nodes, links or paths", e.span));
            }
            let (l, r) = match (var(env, a), var(env, b)) {
                (Some((x, Kind::Node | Kind::Rel)), Some((y, Kind::Node | Kind::Rel))) => {
                    (format!("{x}.`_id`"), format!("{y}.`_id`"))
                }
                _ if entity(a) || entity(b) => {
                    return Err(unsupported("this comparison of entities", e.span))
                }
                _ => (l.clone(), r.clone()),
            };
            let o = match op {
                BinaryOp::Eq => "=",
                BinaryOp::Ne => "<>",
                BinaryOp::Lt => "<",
                BinaryOp::Le => "<=",
                BinaryOp::Gt => ">",
                _ => ">=",
            };
            if lt != rt && !(numeric(lt) && numeric(rt)) && lt != Ty::Null && rt != Ty::Null {
                if lt != Ty::Unknown && rt != Ty::Unknown {
                    // Cypher: values of different types are not equal, and not ordered.
                    return Ok((
                        match op {
                            BinaryOp::Eq => {
                                "(CASE WHEN {l} IS NULL OR {r} IS NULL THEN NULL ELSE FALSE END)"
                            }
                            BinaryOp::Ne => {
                                "(CASE WHEN {l} IS NULL OR {r} IS NULL THEN NULL ELSE TRUE END)"
                            }
                            _ => "CAST(NULL AS BOOLEAN)",
                        }
                        .replace("{l}", &l)
                        .replace("{r}", &r),
                        Ty::Bool,
                    ));
                }
                if cx.schema.is_some() || !(lt == Ty::Unknown && rt == Ty::Unknown) {
                    return Err(unsupported(
                        "a comparison of values whose types may differ",
                        e.span,
                    ));
                }
            }
            // NaN is unequal to everything and unordered in Cypher; Spark
            // makes it equal to itself and larger than every number.
            if lt == Ty::Float || rt == Ty::Float {
                let nan = if op == BinaryOp::Ne { "TRUE" } else { "FALSE" };
                return Ok((
                    format!(
                        "(CASE WHEN {l} IS NULL OR {r} IS NULL THEN CAST(NULL AS BOOLEAN) \
                         WHEN isnan({l}) OR isnan({r}) THEN {nan} ELSE {l} {o} {r} END)"
                    ),
                    Ty::Bool,
                ));
            }
            Ok((format!("({l} {o} {r})"), Ty::Bool))
        }
        BinaryOp::StartsWith | BinaryOp::EndsWith | BinaryOp::Contains => {
            let f = match op {
                BinaryOp::StartsWith => "startswith",
                BinaryOp::EndsWith => "endswith",
                _ => "contains",
            };
            match (lt, rt) {
                // Spark would cast a number to a string; Cypher answers null.
                (Ty::Str, Ty::Str) => Ok((format!("{f}({l}, {r})"), Ty::Bool)),
                (Ty::Str | Ty::Null, Ty::Str | Ty::Null) => {
                    Ok(("CAST(NULL AS BOOLEAN)".into(), Ty::Bool))
                }
                (Ty::Unknown, _) | (_, Ty::Unknown) => Err(unsupported(
                    &format!("{} on operands not known to be strings", f.to_uppercase()),
                    e.span,
                )),
                _ => Ok(("CAST(NULL AS BOOLEAN)".into(), Ty::Bool)),
            }
        }
        BinaryOp::Regex => Ok((format!("({l} RLIKE concat('^(?:', {r}, ')$'))"), Ty::Bool)),
        BinaryOp::Add => match (lt, rt) {
            (Ty::Str, Ty::Str | Ty::Int | Ty::Float) | (Ty::Int | Ty::Float, Ty::Str) => {
                Ok((format!("concat({l}, {r})"), Ty::Str))
            }
            (Ty::List, Ty::List) => Ok((format!("concat({l}, {r})"), Ty::List)),
            (x, y) if numeric(x) && numeric(y) => Ok((format!("({l} + {r})"), arith(x, y))),
            (Ty::Null, _) | (_, Ty::Null) => Ok(("NULL".into(), Ty::Null)),
            _ => Err(unsupported("'+' on operands of unknown type", e.span)),
        },
        BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Mod | BinaryOp::Div => {
            if !(numeric(lt) && numeric(rt)) {
                if lt == Ty::Null || rt == Ty::Null {
                    return Ok(("NULL".into(), Ty::Null));
                }
                return Err(unsupported(
                    "arithmetic on operands not known to be numbers",
                    e.span,
                ));
            }
            let t = arith(lt, rt);
            // A float divided by zero is ±Infinity or NaN in Cypher, where
            // Spark's ANSI mode fails with [DIVIDE_BY_ZERO].
            if t == Ty::Float && matches!(op, BinaryOp::Div | BinaryOp::Mod) {
                let by_zero = match op {
                    BinaryOp::Div => format!(
                        "CASE WHEN {l} > 0 THEN double('Infinity') \
                         WHEN {l} < 0 THEN double('-Infinity') ELSE double('NaN') END"
                    ),
                    _ => "double('NaN')".into(),
                };
                let o = if op == BinaryOp::Div { "/" } else { "%" };
                return Ok((
                    format!(
                        "(CASE WHEN {l} IS NULL OR {r} IS NULL THEN CAST(NULL AS DOUBLE) \
                         WHEN {r} = 0 THEN {by_zero} ELSE {l} {o} {r} END)"
                    ),
                    t,
                ));
            }
            let o = match (op, t) {
                (BinaryOp::Sub, _) => "-",
                (BinaryOp::Mul, _) => "*",
                (BinaryOp::Mod, _) => "%",
                // Integer division truncates, as Spark's `div` does.
                (_, Ty::Int) => "div",
                _ => "/",
            };
            Ok((format!("({l} {o} {r})"), t))
        }
        BinaryOp::Pow => Ok((format!("power({l}, {r})"), Ty::Float)),
        // Compiled above, before its operands.
        BinaryOp::In => Err(unsupported("IN", e.span)),
    }
}

fn arith(a: Ty, b: Ty) -> Ty {
    if a == Ty::Int && b == Ty::Int {
        Ty::Int
    } else {
        Ty::Float
    }
}

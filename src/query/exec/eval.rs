//! Expression evaluation over one row.

use super::context::Ctx;
use super::functions;
use super::ops::{self, type_error};
use super::pattern;
use crate::error::{Error, ErrorKind};
use crate::query::ast::{BinaryOp, Expr, ExprKind, Ident, Quantifier, Span, UnaryOp};
use crate::query::bind::func::{Func, Scalar};
use crate::query::bind::symbols::{Names, Sym};
use crate::store::catalog::NameKind;
use crate::value::temporal;
use crate::value::Value;
use std::collections::BTreeMap;

/// Aggregate results of the current group, by the address of the call node.
pub type AggValues = fxhash::FxHashMap<AggKey, Value>;

/// An aggregate call by its place in the statement's tree (an address, not
/// a pointer: rows holding it may move between threads with a kept plan).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AggKey(usize);

impl AggKey {
    pub fn of(e: &Expr) -> AggKey {
        AggKey(e as *const Expr as usize)
    }
}

/// The columns of an `Env`'s row.
#[derive(Clone, Copy)]
pub enum Columns<'r> {
    /// An operator's rows, their symbols bound when it was built.
    Row(&'r Names),
    /// A comprehension's own variables, by their symbols.
    Locals(&'r [&'r Ident]),
}

impl Columns<'_> {
    pub fn names(&self) -> Vec<String> {
        match self {
            Columns::Row(names) => names.to_vec(),
            Columns::Locals(vars) => vars.iter().map(|v| v.name.clone()).collect(),
        }
    }
}

/// Variables visible to an expression: a row and, for comprehensions, the
/// scope around it.
#[derive(Clone, Copy)]
pub struct Env<'r> {
    pub columns: Columns<'r>,
    pub row: &'r [Value],
    pub outer: Option<&'r Env<'r>>,
    pub aggs: Option<&'r AggValues>,
}

impl<'r> Env<'r> {
    pub fn new(names: &'r Names, row: &'r [Value]) -> Self {
        Env {
            columns: Columns::Row(names),
            row,
            outer: None,
            aggs: None,
        }
    }

    /// The value of variable `sym`: its column here, else in the scope around.
    #[inline]
    pub fn lookup(&self, sym: Sym) -> Option<&Value> {
        let slot = match self.columns {
            Columns::Row(names) => names.slot(sym),
            Columns::Locals(vars) => vars.iter().rposition(|v| v.sym == sym),
        };
        match slot {
            Some(i) => self.row.get(i),
            None => self.outer.and_then(|o| o.lookup(sym)),
        }
    }

    fn agg(&self, e: &Expr) -> Option<&Value> {
        match self.aggs.and_then(|a| a.get(&AggKey::of(e))) {
            Some(v) => Some(v),
            None => self.outer.and_then(|o| o.agg(e)),
        }
    }
}

/// The items of a list operand, `None` for null, else a type error.
fn list_or_null(v: Value) -> Result<Option<Vec<Value>>, Error> {
    match v {
        Value::Null => Ok(None),
        Value::List(items) => Ok(Some(items)),
        o => Err(type_error(format!(
            "expected a list, got {}",
            o.type_name()
        ))),
    }
}

pub fn truthy(v: &Value) -> Result<Option<bool>, Error> {
    match v {
        Value::Bool(b) => Ok(Some(*b)),
        Value::Null => Ok(None),
        other => Err(type_error(format!(
            "expected a boolean, got {}",
            other.type_name()
        ))),
    }
}

pub fn eval(e: &Expr, env: &Env<'_>, ctx: &mut Ctx<'_, '_>) -> Result<Value, Error> {
    eval_inner(e, env, ctx).map_err(|err| err.with_span(e.span))
}

fn eval_inner(e: &Expr, env: &Env<'_>, ctx: &mut Ctx<'_, '_>) -> Result<Value, Error> {
    Ok(match &e.kind {
        ExprKind::Null => Value::Null,
        ExprKind::Bool(b) => Value::Bool(*b),
        ExprKind::Int(i) => Value::Int(*i),
        ExprKind::Float(f) => Value::Float(*f),
        ExprKind::String(s) => Value::String(s.clone()),
        ExprKind::Parameter(p, sym) => match ctx.param(*sym, p) {
            Some(v) => v.clone(),
            None => {
                return Err(Error::runtime(
                    ErrorKind::ParameterMissing,
                    "MissingParameter",
                    format!("parameter ${p} is not given"),
                ))
            }
        },
        ExprKind::Variable(name, sym) => match env.lookup(*sym) {
            Some(v) => v.clone(),
            None => {
                return Err(Error::new(
                    ErrorKind::SyntaxError,
                    "UndefinedVariable",
                    crate::error::Phase::Compile,
                    format!("variable `{name}` is not defined"),
                ))
            }
        },
        ExprKind::Actor(name) => Value::Node(pattern::resolve_actor(ctx, name)?),
        ExprKind::List(items) => Value::List(
            items
                .iter()
                .map(|i| eval(i, env, ctx))
                .collect::<Result<_, _>>()?,
        ),
        ExprKind::Map(entries) => {
            let mut m = BTreeMap::new();
            for (k, v) in entries {
                let v = eval(v, env, ctx)?;
                m.insert(k.name.clone(), v);
            }
            Value::Map(m)
        }
        ExprKind::Property(target, key) => {
            let t = eval(target, env, ctx)?;
            property(ctx, &t, &key.name, key.sym)?
        }
        ExprKind::Index(target, index) => {
            let t = eval(target, env, ctx)?;
            let i = eval(index, env, ctx)?;
            index_value(ctx, &t, &i)?
        }
        ExprKind::Slice(target, from, to) => {
            let t = eval(target, env, ctx)?;
            let f = from.as_ref().map(|x| eval(x, env, ctx)).transpose()?;
            let to = to.as_ref().map(|x| eval(x, env, ctx)).transpose()?;
            slice(&t, f, to)?
        }
        ExprKind::Unary(op, inner) => {
            let v = eval(inner, env, ctx)?;
            match op {
                UnaryOp::Not => match truthy(&v)? {
                    Some(b) => Value::Bool(!b),
                    None => Value::Null,
                },
                UnaryOp::Pos => match v {
                    Value::Int(_) | Value::Float(_) | Value::Estimate(_) | Value::Null => v,
                    o => {
                        return Err(type_error(format!(
                            "cannot apply unary + to {}",
                            o.type_name()
                        )))
                    }
                },
                UnaryOp::Neg => match v {
                    Value::Int(i) => Value::Int(i.checked_neg().ok_or_else(|| {
                        Error::runtime(
                            ErrorKind::ArgumentError,
                            "NumberOutOfRange",
                            "integer overflow",
                        )
                    })?),
                    Value::Float(f) => Value::Float(-f),
                    Value::Estimate(x) => Value::Estimate(crate::value::Estimate {
                        lo: -x.hi,
                        hi: -x.lo,
                    }),
                    Value::Null => Value::Null,
                    o => return Err(type_error(format!("cannot negate {}", o.type_name()))),
                },
            }
        }
        ExprKind::Binary(op, a, b) => binary(*op, a, b, env, ctx)?,
        ExprKind::IsNull { expr, negated } => {
            let v = eval(expr, env, ctx)?;
            Value::Bool(v.is_null() != *negated)
        }
        ExprKind::HasLabels(target, labels) => {
            let t = eval(target, env, ctx)?;
            match t {
                Value::Null => Value::Null,
                Value::Node(id) => {
                    let rec = ctx.node(id)?;
                    let all = labels.iter().all(|l| {
                        ctx.code(NameKind::Label, l.sym, &l.name)
                            .is_some_and(|lid| rec.labels.contains(&lid))
                    });
                    Value::Bool(all)
                }
                // `r:T` on a relationship tests its type.
                Value::Rel(id) => {
                    let ty = ctx.rel(id)?.rel_type;
                    Value::Bool(
                        labels
                            .iter()
                            .all(|l| ctx.code(NameKind::Type, l.sym, &l.name) == Some(ty)),
                    )
                }
                o => {
                    return Err(type_error(format!(
                        "cannot check labels of {}",
                        o.type_name()
                    )))
                }
            }
        }
        ExprKind::Function {
            name,
            distinct,
            args,
            func,
        } => {
            if func.is_aggregate() {
                return env.agg(e).cloned().ok_or_else(|| {
                    Error::compile(
                        ErrorKind::SyntaxError,
                        "InvalidAggregation",
                        format!("aggregate {name}(...) is not allowed here"),
                        e.span,
                    )
                });
            }
            let _ = distinct;
            // `exists((a)-[:T]->(b))` asks whether the pattern matches, not
            // whether its (boolean) answer is null.
            if let [Expr {
                kind: ExprKind::PatternPredicate(element),
                ..
            }] = args.as_slice()
            {
                if *func == Func::Scalar(Scalar::Exists) {
                    return Ok(Value::Bool(pattern::exists(ctx, env, element)?));
                }
            }
            let mut vals = Vec::with_capacity(args.len());
            for a in args {
                vals.push(eval(a, env, ctx)?);
            }
            functions::call(ctx, name, *func, vals)?
        }
        ExprKind::CountStar => {
            return env.agg(e).cloned().ok_or_else(|| {
                Error::compile(
                    ErrorKind::SyntaxError,
                    "InvalidAggregation",
                    "count(*) is not allowed here",
                    e.span,
                )
            });
        }
        ExprKind::Case {
            operand,
            whens,
            else_,
        } => {
            let subject = operand.as_ref().map(|o| eval(o, env, ctx)).transpose()?;
            for (w, t) in whens {
                let c = eval(w, env, ctx)?;
                let hit = match &subject {
                    Some(s) => ops::equals(s, &c) == Some(true),
                    None => truthy(&c).unwrap_or(None) == Some(true),
                };
                if hit {
                    return eval(t, env, ctx);
                }
            }
            match else_ {
                Some(x) => eval(x, env, ctx)?,
                None => Value::Null,
            }
        }
        ExprKind::ListComprehension {
            variable,
            list,
            predicate,
            map,
        } => {
            let l = eval(list, env, ctx)?;
            let Some(items) = list_or_null(l)? else {
                return Ok(Value::Null);
            };
            let vars = [variable];
            let mut out = Vec::new();
            for item in items {
                ctx.tick()?;
                let row = [item];
                let inner = Env {
                    columns: Columns::Locals(&vars),
                    row: &row,
                    outer: Some(env),
                    aggs: None,
                };
                if let Some(p) = predicate {
                    if truthy(&eval(p, &inner, ctx)?)? != Some(true) {
                        continue;
                    }
                }
                out.push(match map {
                    Some(m) => eval(m, &inner, ctx)?,
                    None => row[0].clone(),
                });
            }
            Value::List(out)
        }
        ExprKind::Quantifier {
            kind,
            variable,
            list,
            predicate,
        } => {
            let l = eval(list, env, ctx)?;
            let Some(items) = list_or_null(l)? else {
                return Ok(Value::Null);
            };
            let vars = [variable];
            let (mut trues, mut nulls) = (0usize, 0usize);
            for item in items.iter() {
                ctx.tick()?;
                let row = [item.clone()];
                let inner = Env {
                    columns: Columns::Locals(&vars),
                    row: &row,
                    outer: Some(env),
                    aggs: None,
                };
                let r = match predicate {
                    Some(p) => truthy(&eval(p, &inner, ctx)?)?,
                    None => truthy(&row[0])?,
                };
                match r {
                    Some(true) => trues += 1,
                    None => nulls += 1,
                    Some(false) => {}
                }
            }
            let n = items.len();
            let falses = n - trues - nulls;
            let r = match kind {
                Quantifier::All => {
                    if falses > 0 {
                        Some(false)
                    } else if nulls > 0 {
                        None
                    } else {
                        Some(true)
                    }
                }
                Quantifier::Any => {
                    if trues > 0 {
                        Some(true)
                    } else if nulls > 0 {
                        None
                    } else {
                        Some(false)
                    }
                }
                Quantifier::None => {
                    if trues > 0 {
                        Some(false)
                    } else if nulls > 0 {
                        None
                    } else {
                        Some(true)
                    }
                }
                Quantifier::Single => {
                    if trues > 1 {
                        Some(false)
                    } else if nulls > 0 {
                        None
                    } else {
                        Some(trues == 1)
                    }
                }
            };
            r.map(Value::Bool).unwrap_or(Value::Null)
        }
        ExprKind::Reduce {
            accumulator,
            init,
            variable,
            list,
            expr,
        } => {
            let mut acc = eval(init, env, ctx)?;
            let l = eval(list, env, ctx)?;
            let Some(items) = list_or_null(l)? else {
                return Ok(Value::Null);
            };
            let vars = [accumulator, variable];
            for item in items {
                ctx.tick()?;
                let row = [acc, item];
                let inner = Env {
                    columns: Columns::Locals(&vars),
                    row: &row,
                    outer: Some(env),
                    aggs: None,
                };
                acc = eval(expr, &inner, ctx)?;
            }
            acc
        }
        ExprKind::PatternPredicate(element) => Value::Bool(pattern::exists(ctx, env, element)?),
        ExprKind::Subquery(s) => super::subquery::eval(ctx, env, s)?,
        ExprKind::PatternComprehension {
            variable,
            pattern: element,
            predicate,
            map,
        } => {
            let (names, rows) = pattern::comprehension_rows(ctx, env, variable.as_ref(), element)?;
            let mut out = Vec::new();
            for row in rows {
                let inner = Env {
                    columns: Columns::Row(&names),
                    row: &row,
                    outer: Some(env),
                    aggs: None,
                };
                if let Some(p) = predicate {
                    if truthy(&eval(p, &inner, ctx)?)? != Some(true) {
                        continue;
                    }
                }
                out.push(eval(map, &inner, ctx)?);
            }
            Value::List(out)
        }
        ExprKind::ShortestPathExpr { all, element } => {
            pattern::shortest_expr(ctx, env, element, *all)?
        }
    })
}

fn binary(
    op: BinaryOp,
    a: &Expr,
    b: &Expr,
    env: &Env<'_>,
    ctx: &mut Ctx<'_, '_>,
) -> Result<Value, Error> {
    use BinaryOp::*;
    if matches!(op, And | Or | Xor) {
        let x = truthy(&eval(a, env, ctx)?)?;
        // Short-circuit only where the answer is already decided.
        match (op, x) {
            (And, Some(false)) => {
                let _ = truthy(&eval(b, env, ctx)?)?;
                return Ok(Value::Bool(false));
            }
            (Or, Some(true)) => {
                let _ = truthy(&eval(b, env, ctx)?)?;
                return Ok(Value::Bool(true));
            }
            _ => {}
        }
        let y = truthy(&eval(b, env, ctx)?)?;
        return Ok(logic(op, x, y));
    }
    let x = eval(a, env, ctx)?;
    let y = eval(b, env, ctx)?;
    ctx.note_comparison(op, &x, &y, Some(Span::new(a.span.start, b.span.end)));
    binary_values(ctx, op, x, y)
}

/// `AND`, `OR`, `XOR` over three-valued truth (`None` is null).
pub fn logic(op: BinaryOp, x: Option<bool>, y: Option<bool>) -> Value {
    use BinaryOp::*;
    let r = match op {
        And => match (x, y) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        Or => match (x, y) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        _ => x.zip(y).map(|(p, q)| p != q),
    };
    r.map(Value::Bool).unwrap_or(Value::Null)
}

/// `=`, `<>`, `<`, `<=`, `>`, `>=` on evaluated operands (`None`: null).
pub fn compare_values(op: BinaryOp, x: &Value, y: &Value) -> Option<bool> {
    match op {
        BinaryOp::Eq => ops::equals(x, y),
        BinaryOp::Ne => ops::equals(x, y).map(|b| !b),
        _ => ops::compare_op(op, x, y),
    }
}

/// Every binary operator but the logical ones, on evaluated operands.
pub fn binary_values(ctx: &Ctx<'_, '_>, op: BinaryOp, x: Value, y: Value) -> Result<Value, Error> {
    use BinaryOp::*;
    if matches!(op, Eq | Ne | Lt | Le | Gt | Ge) {
        return Ok(compare_values(op, &x, &y)
            .map(Value::Bool)
            .unwrap_or(Value::Null));
    }
    Ok(match op {
        Add => ops::add(&x, &y)?,
        Sub => ops::arith('-', &x, &y)?,
        Mul => ops::arith('*', &x, &y)?,
        Div => ops::arith('/', &x, &y)?,
        Mod => ops::arith('%', &x, &y)?,
        Pow => ops::arith('^', &x, &y)?,
        In => match y {
            Value::Null => Value::Null,
            Value::List(items) => {
                let mut unknown = false;
                for i in &items {
                    match ops::equals(&x, i) {
                        Some(true) => return Ok(Value::Bool(true)),
                        None => unknown = true,
                        Some(false) => {}
                    }
                }
                if unknown {
                    Value::Null
                } else {
                    Value::Bool(false)
                }
            }
            o => {
                return Err(type_error(format!(
                    "IN expects a list, got {}",
                    o.type_name()
                )))
            }
        },
        StartsWith | EndsWith | Contains => match (&x, &y) {
            (Value::String(s), Value::String(t)) => Value::Bool(match op {
                StartsWith => s.starts_with(t.as_str()),
                EndsWith => s.ends_with(t.as_str()),
                _ => s.contains(t.as_str()),
            }),
            _ => Value::Null,
        },
        Regex => match (&x, &y) {
            (Value::String(s), Value::String(p)) => Value::Bool(ctx.regex_match(p, s)?),
            _ => Value::Null,
        },
        And | Or | Xor | Eq | Ne | Lt | Le | Gt | Ge => Value::Null,
    })
}

/// `target.key`. `sym` numbers `key` among the statement's store names
/// (`Sym::NONE` for a key known only at run time): its code is then the one
/// bound to the run (`Ctx::code`).
pub fn property(ctx: &Ctx<'_, '_>, target: &Value, key: &str, sym: Sym) -> Result<Value, Error> {
    Ok(match target {
        Value::Null => Value::Null,
        Value::Node(id) => match ctx.code(NameKind::Key, sym, key) {
            Some(k) => ctx.node_prop(*id, k)?.unwrap_or(Value::Null),
            None => {
                ctx.node(*id)?;
                Value::Null
            }
        },
        Value::Rel(id) => match ctx.code(NameKind::Key, sym, key) {
            Some(k) => ctx.rel_prop(*id, k)?.unwrap_or(Value::Null),
            None => {
                ctx.rel(*id)?;
                Value::Null
            }
        },
        Value::Map(m) => m.get(key).cloned().unwrap_or(Value::Null),
        Value::Date(d) => temporal::components::of_date(d, key).unwrap_or(Value::Null),
        Value::Temporal(t) => temporal::components::of_temporal(t, key).unwrap_or(Value::Null),
        Value::Estimate(e) => match key {
            "lo" => Value::Float(e.lo),
            "hi" => Value::Float(e.hi),
            _ => Value::Null,
        },
        o => {
            return Err(type_error(format!(
                "cannot read property `{key}` of {}",
                o.type_name()
            )))
        }
    })
}

fn index_value(ctx: &Ctx<'_, '_>, t: &Value, i: &Value) -> Result<Value, Error> {
    Ok(match (t, i) {
        (Value::Null, _) | (_, Value::Null) => Value::Null,
        (Value::List(items), Value::Int(i)) => {
            let n = items.len() as i64;
            let idx = if *i < 0 { n + i } else { *i };
            if idx < 0 || idx >= n {
                Value::Null
            } else {
                items[idx as usize].clone()
            }
        }
        (Value::Map(_) | Value::Node(_) | Value::Rel(_), Value::String(k)) => {
            property(ctx, t, k, Sym::NONE)?
        }
        (Value::Map(_) | Value::Node(_) | Value::Rel(_), o) => {
            return Err(Error::runtime(
                ErrorKind::TypeError,
                "MapElementAccessByNonString",
                format!("map keys are strings, got {}", o.type_name()),
            ))
        }
        (Value::List(_), o) => {
            return Err(type_error(format!(
                "list index must be an integer, got {}",
                o.type_name()
            )))
        }
        (o, _) => return Err(type_error(format!("cannot index into {}", o.type_name()))),
    })
}

fn slice(t: &Value, from: Option<Value>, to: Option<Value>) -> Result<Value, Error> {
    let items = match t {
        Value::Null => return Ok(Value::Null),
        Value::List(items) => items,
        o => return Err(type_error(format!("cannot slice {}", o.type_name()))),
    };
    let n = items.len() as i64;
    let bound = |v: Option<Value>, default: i64| -> Result<Option<i64>, Error> {
        match v {
            None => Ok(Some(default)),
            Some(Value::Null) => Ok(None),
            Some(Value::Int(i)) => Ok(Some(if i < 0 { (n + i).max(0) } else { i.min(n) })),
            Some(o) => Err(type_error(format!(
                "slice bounds must be integers, got {}",
                o.type_name()
            ))),
        }
    };
    let (Some(f), Some(t)) = (bound(from, 0)?, bound(to, n)?) else {
        return Ok(Value::Null);
    };
    if f >= t {
        return Ok(Value::List(vec![]));
    }
    Ok(Value::List(items[f as usize..t as usize].to_vec()))
}

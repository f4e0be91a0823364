//! Scalar functions, dispatched on the `Func` the parser resolved. Aggregates
//! are computed by the projection (`projection.rs`).

use super::context::Ctx;
use super::ops::type_error;
use crate::error::{Error, ErrorKind};
use crate::query::bind::func::{Func, Scalar};
use crate::value::Value;
use std::collections::BTreeSet;

/// The integer part of `f`, if an i64 holds it (2^63 does not: `as`
/// would saturate it to i64::MAX).
fn float_to_int(f: f64) -> Option<i64> {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63, exact in f64
    let t = f.trunc();
    (-LIMIT..LIMIT).contains(&t).then_some(t as i64)
}

/// How many arguments `arity` allows, in words: "1", "1 to 3", "at least 1".
pub fn describe_arity(lo: usize, hi: usize) -> String {
    match (lo, hi) {
        (lo, hi) if lo == hi => lo.to_string(),
        (lo, usize::MAX) => format!("at least {lo}"),
        (lo, hi) => format!("{lo} to {hi}"),
    }
}

fn arg_error(name: &str, v: &Value) -> Error {
    let msg = format!("{name}() cannot take {}", v.type_name());
    match name.to_ascii_lowercase().as_str() {
        // Conversions reject values they cannot convert, not types they never take.
        "type" | "labels" | "tostring" | "tointeger" | "tofloat" | "toboolean" => {
            Error::runtime(ErrorKind::TypeError, "InvalidArgumentValue", msg)
        }
        "range" => Error::runtime(ErrorKind::ArgumentError, "InvalidArgumentType", msg),
        _ => type_error(msg),
    }
}

/// Calls `func`, as `name` wrote it (for messages), on `args`.
pub fn call(
    ctx: &mut Ctx<'_, '_>,
    name: &str,
    func: Func,
    mut args: Vec<Value>,
) -> Result<Value, Error> {
    use Scalar::*;
    let f = match func {
        Func::Scalar(f) => f,
        Func::Temporal(lower) => return super::temporal_fns::call(lower, args, ctx.now()),
        Func::Aggregate(_) | Func::Unknown => {
            return Err(Error::runtime(
                ErrorKind::SyntaxError,
                "UnknownFunction",
                format!("unknown function {name}()"),
            ))
        }
    };
    let a0 = args.first().cloned().unwrap_or(Value::Null);
    // Most functions return null for a null argument.
    let null_in =
        !matches!(f, Coalesce | Exists | Rand | Pi | E | Timestamp | Size) && a0.is_null();
    if null_in {
        return Ok(Value::Null);
    }
    Ok(match f {
        Id => match a0 {
            Value::Node(i) | Value::Rel(i) => Value::Int(i as i64),
            o => return Err(arg_error(name, &o)),
        },
        Labels => match a0 {
            Value::Node(i) => {
                let rec = ctx.node(i)?;
                Value::List(
                    rec.labels
                        .iter()
                        .map(|l| Value::String(ctx.label_name(*l)))
                        .collect(),
                )
            }
            o => return Err(arg_error(name, &o)),
        },
        Type => match a0 {
            Value::Rel(i) => match ctx.deleted_rel_types.get(&i) {
                Some(&t) => Value::String(ctx.type_name(t)),
                None => Value::String(ctx.type_name(ctx.rel(i)?.rel_type)),
            },
            o => return Err(arg_error(name, &o)),
        },
        Properties => match a0 {
            Value::Node(i) => Value::Map(ctx.props_map(&ctx.node(i)?.props)),
            Value::Rel(i) => Value::Map(ctx.props_map(&ctx.rel(i)?.props)),
            Value::Map(m) => Value::Map(m),
            o => return Err(arg_error(name, &o)),
        },
        Keys => match a0 {
            Value::Node(i) => Value::List(
                ctx.node(i)?
                    .props
                    .iter()
                    .map(|(k, _)| Value::String(ctx.key_name(*k)))
                    .collect(),
            ),
            Value::Rel(i) => Value::List(
                ctx.rel(i)?
                    .props
                    .iter()
                    .map(|(k, _)| Value::String(ctx.key_name(*k)))
                    .collect(),
            ),
            Value::Map(m) => Value::List(m.keys().map(|k| Value::String(k.clone())).collect()),
            o => return Err(arg_error(name, &o)),
        },
        Length => match a0 {
            Value::Path(p) => Value::Int(p.rels.len() as i64),
            Value::String(s) => Value::Int(s.chars().count() as i64),
            Value::List(l) => Value::Int(l.len() as i64),
            o => return Err(arg_error(name, &o)),
        },
        Size => match a0 {
            Value::Null => Value::Null,
            Value::String(s) => Value::Int(s.chars().count() as i64),
            Value::List(l) => Value::Int(l.len() as i64),
            Value::Map(m) => Value::Int(m.len() as i64),
            o => return Err(arg_error(name, &o)),
        },
        Nodes => match a0 {
            Value::Path(p) => Value::List(p.nodes.iter().map(|n| Value::Node(*n)).collect()),
            o => return Err(arg_error(name, &o)),
        },
        Relationships => match a0 {
            Value::Path(p) => Value::List(p.rels.iter().map(|r| Value::Rel(*r)).collect()),
            o => return Err(arg_error(name, &o)),
        },
        StartNode | EndNode => match a0 {
            Value::Rel(i) => {
                let r = ctx.rel(i)?;
                Value::Node(if f == StartNode { r.src } else { r.dst })
            }
            o => return Err(arg_error(name, &o)),
        },
        Head => list_arg(name, a0)?
            .into_iter()
            .next()
            .unwrap_or(Value::Null),
        Last => list_arg(name, a0)?.pop().unwrap_or(Value::Null),
        Tail => Value::List(list_arg(name, a0)?.into_iter().skip(1).collect()),
        Reverse => match a0 {
            Value::String(s) => Value::String(s.chars().rev().collect()),
            Value::List(mut l) => {
                l.reverse();
                Value::List(l)
            }
            o => return Err(arg_error(name, &o)),
        },
        Range => {
            let (lo, step, count) = range_of(&args)?;
            if count > 10_000_000 {
                return Err(Error::runtime(
                    ErrorKind::ArgumentError,
                    "NumberOutOfRange",
                    "range() would produce more than 10,000,000 values",
                ));
            }
            Value::List(
                (0..count as i64)
                    .map(|i| Value::Int(lo + i * step))
                    .collect(),
            )
        }
        Coalesce => args
            .into_iter()
            .find(|v| !v.is_null())
            .unwrap_or(Value::Null),
        Exists => Value::Bool(!a0.is_null()),
        ToString => match a0 {
            Value::String(s) => Value::String(s),
            Value::Int(i) => Value::String(i.to_string()),
            Value::Float(f) => Value::String(crate::value::format_float(f)),
            Value::Bool(b) => Value::String(b.to_string()),
            Value::Date(d) => Value::String(d.to_string()),
            Value::Temporal(t) => Value::String(t.to_string()),
            Value::Estimate(e) => Value::String(e.to_string()),
            o => return Err(arg_error(name, &o)),
        },
        ToInteger => match a0 {
            Value::Int(i) => Value::Int(i),
            Value::Float(f) => float_to_int(f).map_or(Value::Null, Value::Int),
            Value::String(s) => {
                let t = s.trim();
                let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
                let integral = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
                match t.parse::<i64>() {
                    Ok(i) => Value::Int(i),
                    // Too many digits for an i64: rounding it as a float
                    // would make up an answer.
                    Err(_) if integral => Value::Null,
                    Err(_) => t
                        .parse::<f64>()
                        .ok()
                        .and_then(float_to_int)
                        .map_or(Value::Null, Value::Int),
                }
            }
            Value::Bool(b) => Value::Int(b as i64),
            o => return Err(arg_error(name, &o)),
        },
        ToFloat => match a0 {
            Value::Int(i) => Value::Float(i as f64),
            Value::Float(f) => Value::Float(f),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .map(Value::Float)
                .unwrap_or(Value::Null),
            o => return Err(arg_error(name, &o)),
        },
        ToBoolean => match a0 {
            Value::Bool(b) => Value::Bool(b),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::Null,
            },
            Value::Int(i) => Value::Bool(i != 0),
            o => return Err(arg_error(name, &o)),
        },
        ToUpper | ToLower | Trim | LTrim | RTrim => {
            let s = str_arg(name, a0)?;
            Value::String(match f {
                ToUpper => s.to_uppercase(),
                ToLower => s.to_lowercase(),
                Trim => s.trim().to_string(),
                LTrim => s.trim_start().to_string(),
                _ => s.trim_end().to_string(),
            })
        }
        Split => {
            let s = str_arg(name, a0)?;
            match args.swap_remove(1) {
                Value::Null => Value::Null,
                // An empty separator splits into characters, as Neo4j does.
                Value::String(sep) if sep.is_empty() => {
                    Value::List(s.chars().map(|c| Value::String(c.to_string())).collect())
                }
                Value::String(sep) => Value::List(
                    s.split(sep.as_str())
                        .map(|p| Value::String(p.to_string()))
                        .collect(),
                ),
                o => return Err(arg_error(name, &o)),
            }
        }
        Substring => {
            let s: Vec<char> = str_arg(name, a0)?.chars().collect();
            let start = int_arg(name, &args[1])?;
            if start < 0 {
                return Err(Error::runtime(
                    ErrorKind::ArgumentError,
                    "NumberOutOfRange",
                    "substring() start must not be negative",
                ));
            }
            let start = (start as usize).min(s.len());
            let len = match args.get(2) {
                Some(v) => {
                    let l = int_arg(name, v)?;
                    if l < 0 {
                        return Err(Error::runtime(
                            ErrorKind::ArgumentError,
                            "NumberOutOfRange",
                            "substring() length must not be negative",
                        ));
                    }
                    l as usize
                }
                None => s.len(),
            };
            Value::String(
                s[start..(start.saturating_add(len)).min(s.len())]
                    .iter()
                    .collect(),
            )
        }
        Replace => {
            let s = str_arg(name, a0)?;
            match (&args[1], &args[2]) {
                (Value::String(f), Value::String(t)) => Value::String(s.replace(f.as_str(), t)),
                (Value::Null, _) | (_, Value::Null) => Value::Null,
                (o, _) => return Err(arg_error(name, o)),
            }
        }
        Left | Right => {
            let s: Vec<char> = str_arg(name, a0)?.chars().collect();
            let n = int_arg(name, &args[1])?;
            if n < 0 {
                return Err(Error::runtime(
                    ErrorKind::ArgumentError,
                    "NumberOutOfRange",
                    format!("{name}() length must not be negative"),
                ));
            }
            let n = (n as usize).min(s.len());
            Value::String(if f == Left {
                s[..n].iter().collect()
            } else {
                s[s.len() - n..].iter().collect()
            })
        }
        Abs => match a0 {
            Value::Int(i) => Value::Int(i.checked_abs().ok_or_else(|| {
                Error::runtime(
                    ErrorKind::ArgumentError,
                    "NumberOutOfRange",
                    "integer overflow",
                )
            })?),
            Value::Float(f) => Value::Float(f.abs()),
            o => return Err(arg_error(name, &o)),
        },
        Sign => match a0 {
            Value::Int(i) => Value::Int(i.signum()),
            Value::Float(f) => Value::Int(if f > 0.0 {
                1
            } else if f < 0.0 {
                -1
            } else {
                0
            }),
            o => return Err(arg_error(name, &o)),
        },
        Ceil | Floor | Round | Sqrt | Exp | Log | Log10 | Sin | Cos | Tan => {
            let x = a0.as_f64().ok_or_else(|| arg_error(name, &a0))?;
            Value::Float(match f {
                Ceil => x.ceil(),
                Floor => x.floor(),
                // Ties round towards positive infinity, as in Neo4j.
                Round if (x - x.trunc()).abs() == 0.5 => x.ceil(),
                Round => x.round(),
                Sqrt => x.sqrt(),
                Exp => x.exp(),
                Log => x.ln(),
                Log10 => x.log10(),
                Sin => x.sin(),
                Cos => x.cos(),
                _ => x.tan(),
            })
        }
        Rand => Value::Float(pseudo_random()),
        Pi => Value::Float(std::f64::consts::PI),
        E => Value::Float(std::f64::consts::E),
        Timestamp => Value::Int(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0),
        ),
        Estimate => match (a0.as_f64(), args[1].as_f64()) {
            (Some(lo), Some(hi)) if lo <= hi => Value::Estimate(crate::value::Estimate { lo, hi }),
            (Some(_), Some(_)) => {
                return Err(Error::runtime(
                    ErrorKind::ArgumentError,
                    "InvalidArgumentValue",
                    "estimate(lo, hi) needs lo <= hi",
                ))
            }
            _ => return Err(type_error("estimate() takes two numbers")),
        },
        Lo | Hi => match a0 {
            Value::Estimate(e) => Value::Float(if f == Lo { e.lo } else { e.hi }),
            Value::Int(_) | Value::Float(_) => a0,
            o => return Err(arg_error(name, &o)),
        },
        Confidence | Sources | Weakest => evidence(ctx, name, f, a0)?,
    })
}

/// `confidence(p)`, `sources(p)`, `weakest(p)` over a path or a list of links.
fn evidence(ctx: &mut Ctx<'_, '_>, name: &str, which: Scalar, v: Value) -> Result<Value, Error> {
    let rels: Vec<u64> = match v {
        Value::Path(p) => p.rels,
        Value::Rel(r) => vec![r],
        Value::List(items) => items
            .iter()
            .filter_map(|i| {
                if let Value::Rel(r) = i {
                    Some(*r)
                } else {
                    None
                }
            })
            .collect(),
        o => return Err(arg_error(name, &o)),
    };
    let conf_key = ctx.key_id("confidence");
    let source_key = ctx.key_id("source");
    let mut product = 1.0;
    let mut sources = BTreeSet::new();
    let mut weakest: Option<(f64, u64)> = None;
    for r in rels {
        let rec = ctx.rel(r)?;
        let c = conf_key
            .and_then(|k| rec.prop(k))
            .and_then(|v| v.as_f64())
            .unwrap_or(1.0);
        product *= c;
        if weakest.is_none_or(|(w, _)| c < w) {
            weakest = Some((c, r));
        }
        if let Some(Value::String(s)) = source_key.and_then(|k| rec.prop(k)) {
            sources.insert(s.clone());
        }
    }
    Ok(match which {
        Scalar::Confidence => Value::Float(product),
        Scalar::Sources => Value::List(sources.into_iter().map(Value::String).collect()),
        _ => weakest.map(|(_, r)| Value::Rel(r)).unwrap_or(Value::Null),
    })
}

fn list_arg(name: &str, v: Value) -> Result<Vec<Value>, Error> {
    match v {
        Value::List(l) => Ok(l),
        o => Err(arg_error(name, &o)),
    }
}

fn str_arg(name: &str, v: Value) -> Result<String, Error> {
    match v {
        Value::String(s) => Ok(s),
        o => Err(arg_error(name, &o)),
    }
}

/// `range(lo, hi[, step])` as its first value, step and number of values,
/// so that UNWIND can walk it without building the list.
pub(crate) fn range_of(args: &[Value]) -> Result<(i64, i64, u128), Error> {
    let name = "range";
    let lo = int_arg(name, args.first().unwrap_or(&Value::Null))?;
    let hi = int_arg(name, args.get(1).unwrap_or(&Value::Null))?;
    let step = match args.get(2) {
        Some(v) => int_arg(name, v)?,
        None => 1,
    };
    if step == 0 {
        return Err(Error::runtime(
            ErrorKind::ArgumentError,
            "NumberOutOfRange",
            "range() step must not be zero",
        ));
    }
    let count = if (step > 0 && hi < lo) || (step < 0 && hi > lo) {
        0
    } else {
        ((hi as i128 - lo as i128) / step as i128 + 1) as u128
    };
    Ok((lo, step, count))
}

fn int_arg(name: &str, v: &Value) -> Result<i64, Error> {
    match v {
        Value::Int(i) => Ok(*i),
        o => Err(arg_error(name, o)),
    }
}

fn pseudo_random() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// `=~`'s pattern, compiled to match a whole string.
pub fn regex(pattern: &str) -> Result<regex::Regex, Error> {
    regex::Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
        Error::runtime(
            ErrorKind::ArgumentError,
            "InvalidArgumentValue",
            format!("invalid regular expression: {e}"),
        )
    })
}

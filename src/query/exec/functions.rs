//! Scalar functions, by lower-case name. Aggregates are computed by the
//! projection (`aggregate.rs`); here they are only recognised.

use super::context::Ctx;
use super::ops::type_error;
use crate::error::{Error, ErrorKind};
use crate::value::{Estimate, Value};
use std::collections::BTreeSet;

pub const AGGREGATES: [&str; 10] = [
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "collect",
    "percentiledisc",
    "percentilecont",
    "stdev",
    "stdevp",
];

pub fn is_aggregate(name: &str) -> bool {
    AGGREGATES.iter().any(|a| a.eq_ignore_ascii_case(name))
}

/// Every scalar function with its accepted argument counts, for compile-time checks
/// and REPL completion.
pub const SCALARS: &[(&str, usize, usize)] = &[
    ("id", 1, 1),
    ("labels", 1, 1),
    ("type", 1, 1),
    ("properties", 1, 1),
    ("keys", 1, 1),
    ("length", 1, 1),
    ("nodes", 1, 1),
    ("relationships", 1, 1),
    ("startnode", 1, 1),
    ("endnode", 1, 1),
    ("size", 1, 1),
    ("head", 1, 1),
    ("last", 1, 1),
    ("tail", 1, 1),
    ("reverse", 1, 1),
    ("range", 2, 3),
    ("coalesce", 1, usize::MAX),
    ("tostring", 1, 1),
    ("tointeger", 1, 1),
    ("tofloat", 1, 1),
    ("toboolean", 1, 1),
    ("toupper", 1, 1),
    ("tolower", 1, 1),
    ("trim", 1, 1),
    ("ltrim", 1, 1),
    ("rtrim", 1, 1),
    ("split", 2, 2),
    ("substring", 2, 3),
    ("replace", 3, 3),
    ("left", 2, 2),
    ("right", 2, 2),
    ("abs", 1, 1),
    ("ceil", 1, 1),
    ("floor", 1, 1),
    ("round", 1, 1),
    ("sign", 1, 1),
    ("sqrt", 1, 1),
    ("exp", 1, 1),
    ("log", 1, 1),
    ("log10", 1, 1),
    ("rand", 0, 0),
    ("pi", 0, 0),
    ("e", 0, 0),
    ("sin", 1, 1),
    ("cos", 1, 1),
    ("tan", 1, 1),
    ("exists", 1, 1),
    ("estimate", 2, 2),
    ("lo", 1, 1),
    ("hi", 1, 1),
    ("confidence", 1, 1),
    ("sources", 1, 1),
    ("weakest", 1, 1),
    ("timestamp", 0, 0),
];

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

pub fn arity(name: &str) -> Option<(usize, usize)> {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("percentile") && is_aggregate(&lower) {
        return Some((2, 2));
    }
    if is_aggregate(&lower) {
        return Some((1, 1));
    }
    SCALARS
        .iter()
        .chain(super::temporal_fns::FUNCTIONS)
        .find(|(n, _, _)| *n == lower)
        .map(|(_, lo, hi)| (*lo, *hi))
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

pub fn call(ctx: &mut Ctx<'_, '_>, name: &str, mut args: Vec<Value>) -> Result<Value, Error> {
    let lower = name.to_ascii_lowercase();
    if super::temporal_fns::is_temporal(&lower) {
        return super::temporal_fns::call(&lower, args, ctx.now());
    }
    let a0 = args.first().cloned().unwrap_or(Value::Null);
    // Most functions return null for a null argument.
    let null_in = !matches!(
        lower.as_str(),
        "coalesce" | "exists" | "rand" | "pi" | "e" | "timestamp"
    ) && a0.is_null();
    if null_in && lower != "size" {
        return Ok(Value::Null);
    }
    Ok(match lower.as_str() {
        "id" => match a0 {
            Value::Node(i) | Value::Rel(i) => Value::Int(i as i64),
            o => return Err(arg_error(name, &o)),
        },
        "labels" => match a0 {
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
        "type" => match a0 {
            Value::Rel(i) => match ctx.deleted_rel_types.get(&i) {
                Some(&t) => Value::String(ctx.type_name(t)),
                None => Value::String(ctx.type_name(ctx.rel(i)?.rel_type)),
            },
            o => return Err(arg_error(name, &o)),
        },
        "properties" => match a0 {
            Value::Node(i) => Value::Map(ctx.props_map(&ctx.node(i)?.props)),
            Value::Rel(i) => Value::Map(ctx.props_map(&ctx.rel(i)?.props)),
            Value::Map(m) => Value::Map(m),
            o => return Err(arg_error(name, &o)),
        },
        "keys" => match a0 {
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
        "length" => match a0 {
            Value::Path(p) => Value::Int(p.rels.len() as i64),
            Value::String(s) => Value::Int(s.chars().count() as i64),
            Value::List(l) => Value::Int(l.len() as i64),
            o => return Err(arg_error(name, &o)),
        },
        "size" => match a0 {
            Value::Null => Value::Null,
            Value::String(s) => Value::Int(s.chars().count() as i64),
            Value::List(l) => Value::Int(l.len() as i64),
            Value::Map(m) => Value::Int(m.len() as i64),
            o => return Err(arg_error(name, &o)),
        },
        "nodes" => match a0 {
            Value::Path(p) => Value::List(p.nodes.iter().map(|n| Value::Node(*n)).collect()),
            o => return Err(arg_error(name, &o)),
        },
        "relationships" => match a0 {
            Value::Path(p) => Value::List(p.rels.iter().map(|r| Value::Rel(*r)).collect()),
            o => return Err(arg_error(name, &o)),
        },
        "startnode" | "endnode" => match a0 {
            Value::Rel(i) => {
                let r = ctx.rel(i)?;
                Value::Node(if lower == "startnode" { r.src } else { r.dst })
            }
            o => return Err(arg_error(name, &o)),
        },
        "head" => list_arg(name, a0)?
            .into_iter()
            .next()
            .unwrap_or(Value::Null),
        "last" => list_arg(name, a0)?.pop().unwrap_or(Value::Null),
        "tail" => Value::List(list_arg(name, a0)?.into_iter().skip(1).collect()),
        "reverse" => match a0 {
            Value::String(s) => Value::String(s.chars().rev().collect()),
            Value::List(mut l) => {
                l.reverse();
                Value::List(l)
            }
            o => return Err(arg_error(name, &o)),
        },
        "range" => {
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
        "coalesce" => args
            .into_iter()
            .find(|v| !v.is_null())
            .unwrap_or(Value::Null),
        "exists" => Value::Bool(!a0.is_null()),
        "tostring" => match a0 {
            Value::String(s) => Value::String(s),
            Value::Int(i) => Value::String(i.to_string()),
            Value::Float(f) => Value::String(crate::value::format_float(f)),
            Value::Bool(b) => Value::String(b.to_string()),
            Value::Date(d) => Value::String(d.to_string()),
            Value::Temporal(t) => Value::String(t.to_string()),
            Value::Estimate(e) => Value::String(e.to_string()),
            o => return Err(arg_error(name, &o)),
        },
        "tointeger" => match a0 {
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
        "tofloat" => match a0 {
            Value::Int(i) => Value::Float(i as f64),
            Value::Float(f) => Value::Float(f),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .map(Value::Float)
                .unwrap_or(Value::Null),
            o => return Err(arg_error(name, &o)),
        },
        "toboolean" => match a0 {
            Value::Bool(b) => Value::Bool(b),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::Null,
            },
            Value::Int(i) => Value::Bool(i != 0),
            o => return Err(arg_error(name, &o)),
        },
        "toupper" | "tolower" | "trim" | "ltrim" | "rtrim" => {
            let s = str_arg(name, a0)?;
            Value::String(match lower.as_str() {
                "toupper" => s.to_uppercase(),
                "tolower" => s.to_lowercase(),
                "trim" => s.trim().to_string(),
                "ltrim" => s.trim_start().to_string(),
                _ => s.trim_end().to_string(),
            })
        }
        "split" => {
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
        "substring" => {
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
        "replace" => {
            let s = str_arg(name, a0)?;
            match (&args[1], &args[2]) {
                (Value::String(f), Value::String(t)) => Value::String(s.replace(f.as_str(), t)),
                (Value::Null, _) | (_, Value::Null) => Value::Null,
                (o, _) => return Err(arg_error(name, o)),
            }
        }
        "left" | "right" => {
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
            Value::String(if lower == "left" {
                s[..n].iter().collect()
            } else {
                s[s.len() - n..].iter().collect()
            })
        }
        "abs" => match a0 {
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
        "sign" => match a0 {
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
        "ceil" | "floor" | "round" | "sqrt" | "exp" | "log" | "log10" | "sin" | "cos" | "tan" => {
            let f = a0.as_f64().ok_or_else(|| arg_error(name, &a0))?;
            Value::Float(match lower.as_str() {
                "ceil" => f.ceil(),
                "floor" => f.floor(),
                // Ties round towards positive infinity, as in Neo4j.
                "round" if (f - f.trunc()).abs() == 0.5 => f.ceil(),
                "round" => f.round(),
                "sqrt" => f.sqrt(),
                "exp" => f.exp(),
                "log" => f.ln(),
                "log10" => f.log10(),
                "sin" => f.sin(),
                "cos" => f.cos(),
                _ => f.tan(),
            })
        }
        "rand" => Value::Float(pseudo_random()),
        "pi" => Value::Float(std::f64::consts::PI),
        "e" => Value::Float(std::f64::consts::E),
        "timestamp" => Value::Int(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0),
        ),
        "estimate" => match (a0.as_f64(), args[1].as_f64()) {
            (Some(lo), Some(hi)) if lo <= hi => Value::Estimate(Estimate { lo, hi }),
            (Some(_), Some(_)) => {
                return Err(Error::runtime(
                    ErrorKind::ArgumentError,
                    "InvalidArgumentValue",
                    "estimate(lo, hi) needs lo <= hi",
                ))
            }
            _ => return Err(type_error("estimate() takes two numbers")),
        },
        "lo" | "hi" => match a0 {
            Value::Estimate(e) => Value::Float(if lower == "lo" { e.lo } else { e.hi }),
            Value::Int(_) | Value::Float(_) => a0,
            o => return Err(arg_error(name, &o)),
        },
        "confidence" | "sources" | "weakest" => evidence(ctx, &lower, a0)?,
        _ => {
            return Err(Error::runtime(
                ErrorKind::SyntaxError,
                "UnknownFunction",
                format!("unknown function {name}()"),
            ))
        }
    })
}

/// `confidence(p)`, `sources(p)`, `weakest(p)` over a path or a list of links.
fn evidence(ctx: &mut Ctx<'_, '_>, which: &str, v: Value) -> Result<Value, Error> {
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
        o => return Err(arg_error(which, &o)),
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
        "confidence" => Value::Float(product),
        "sources" => Value::List(sources.into_iter().map(Value::String).collect()),
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

pub fn regex_match(pattern: &str, s: &str) -> Result<bool, Error> {
    let re = regex::Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
        Error::runtime(
            ErrorKind::ArgumentError,
            "InvalidArgumentValue",
            format!("invalid regular expression: {e}"),
        )
    })?;
    Ok(re.is_match(s))
}

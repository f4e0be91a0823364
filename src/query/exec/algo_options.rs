//! The option map of the tunable algorithms (`algo.degree({…})`,
//! `algo.pagerank({…})`): each key checked, a misspelt one named with its
//! nearest option, and link weights read one way for every algorithm.

use super::context::Ctx;
use crate::error::{Error, ErrorKind};
use crate::query::notify::closest;
use crate::result::Warning;
use crate::store::catalog::NameKind;
use crate::value::{RelId, Value};
use std::collections::BTreeMap;

/// What the option maps may hold; each algorithm takes some of them.
#[derive(Debug, Clone)]
pub struct Options {
    /// Type ids the links must have (`None`: every type).
    pub types: Option<Vec<u32>>,
    /// `algo.degree`: the links its `degree` column counts.
    pub direction: Side,
    /// Property key id of the link weight (`None`: every link weighs 1).
    pub weight: Option<u32>,
    /// Whether a weight property was asked for (it may not exist yet).
    pub weighted: bool,
    /// Weight of a link without the weight property.
    pub default_weight: f64,
    pub damping: f64,
    pub iterations: u32,
}

fn arg_error(code: &'static str, msg: String) -> Error {
    Error::runtime(ErrorKind::ArgumentError, code, msg)
}

/// Most PageRank iterations: far past convergence, short of a hang.
const MAX_ITERATIONS: i64 = 10_000;

impl Options {
    /// Reads `config` (a map or null) for procedure `proc`, which accepts
    /// the keys `allowed`.
    pub fn read(
        ctx: &Ctx<'_, '_>,
        proc: &str,
        config: Option<&Value>,
        allowed: &[&str],
    ) -> Result<Options, Error> {
        let mut o = Options {
            types: None,
            direction: Side::Both,
            weight: None,
            weighted: false,
            default_weight: 1.0,
            damping: 0.85,
            iterations: 20,
        };
        let empty = BTreeMap::new();
        let map = match config {
            None | Some(Value::Null) => &empty,
            Some(Value::Map(m)) => m,
            Some(v) => {
                return Err(Error::runtime(
                    ErrorKind::TypeError,
                    "InvalidArgumentType",
                    format!("{proc} takes a map of options, got {}", v.type_name()),
                ))
            }
        };
        for (key, v) in map {
            if !allowed.contains(&key.as_str()) {
                let known: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
                let hint = closest(key, &known)
                    .map(|k| format!("did you mean {k}? "))
                    .unwrap_or_default();
                return Err(arg_error(
                    "InvalidArgumentValue",
                    format!(
                        "{proc} has no option `{key}`; {hint}(options: {})",
                        allowed.join(", ")
                    ),
                ));
            }
            if v.is_null() {
                continue;
            }
            match key.as_str() {
                "types" => o.types = Some(type_ids(ctx, proc, v)?),
                "direction" => o.direction = direction(proc, v)?,
                "weight" => {
                    let Value::String(name) = v else {
                        return Err(wrong(proc, key, "the name of a link property", v));
                    };
                    o.weighted = true;
                    o.weight = ctx.key_id(name);
                    if o.weight.is_none() {
                        unknown_name(ctx, proc, NameKind::Key, name);
                    }
                }
                "defaultWeight" => {
                    o.default_weight = number(v)
                        .filter(|f| f.is_finite())
                        .ok_or_else(|| wrong(proc, key, "a number", v))?
                }
                "damping" => {
                    o.damping = number(v)
                        .filter(|d| (0.0..1.0).contains(d))
                        .ok_or_else(|| {
                            arg_error(
                                "NumberOutOfRange",
                                format!("{proc}: damping must be a number from 0 up to (not including) 1, got {}", shown(v)),
                            )
                        })?
                }
                "iterations" => match v {
                    Value::Int(i) if (0..=MAX_ITERATIONS).contains(i) => o.iterations = *i as u32,
                    _ => {
                        return Err(arg_error(
                            "NumberOutOfRange",
                            format!(
                                "{proc}: iterations must be an integer from 0 to {MAX_ITERATIONS}, got {}",
                                shown(v)
                            ),
                        ))
                    }
                },
                _ => {}
            }
        }
        Ok(o)
    }

    /// The weight of link `rel`: its weight property as a number (an
    /// estimate by its midpoint), `default_weight` when it has none, 1
    /// when no weight was asked for.
    pub fn weight_of(&self, ctx: &Ctx<'_, '_>, proc: &str, rel: RelId) -> Result<f64, Error> {
        if !self.weighted {
            return Ok(1.0);
        }
        let Some(key) = self.weight else {
            return Ok(self.default_weight);
        };
        match ctx.rel_prop(rel, key)? {
            None | Some(Value::Null) => Ok(self.default_weight),
            Some(Value::Estimate(e)) => Ok((e.lo + e.hi) / 2.0),
            Some(v) => number(&v).filter(|f| f.is_finite()).ok_or_else(|| {
                Error::runtime(
                    ErrorKind::TypeError,
                    "InvalidArgumentType",
                    format!(
                        "{proc}: link {rel} has weight {} ({}), not a finite number",
                        shown(&v),
                        v.type_name()
                    ),
                )
            }),
        }
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => format!("'{s}'"),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => crate::value::format_float(*f),
        other => other.type_name().to_string(),
    }
}

fn wrong(proc: &str, key: &str, want: &str, v: &Value) -> Error {
    Error::runtime(
        ErrorKind::TypeError,
        "InvalidArgumentType",
        format!("{proc}: option `{key}` must be {want}, got {}", shown(v)),
    )
}

/// Which links of a node `algo.degree`'s `degree` column counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Out,
    In,
    Both,
}

fn direction(proc: &str, v: &Value) -> Result<Side, Error> {
    match v {
        Value::String(s) if s.eq_ignore_ascii_case("out") => Ok(Side::Out),
        Value::String(s) if s.eq_ignore_ascii_case("in") => Ok(Side::In),
        Value::String(s) if s.eq_ignore_ascii_case("both") => Ok(Side::Both),
        _ => Err(arg_error(
            "InvalidArgumentValue",
            format!(
                "{proc}: direction must be 'out', 'in' or 'both', got {}",
                shown(v)
            ),
        )),
    }
}

/// Type ids from a name or a list of names; a name the database does not
/// hold matches no link, with a warning.
pub fn type_ids(ctx: &Ctx<'_, '_>, proc: &str, v: &Value) -> Result<Vec<u32>, Error> {
    let names: Vec<&Value> = match v {
        Value::List(items) => items.iter().collect(),
        one => vec![one],
    };
    let mut ids = Vec::new();
    for n in names {
        let Value::String(s) = n else {
            return Err(wrong(proc, "types", "a type name or a list of them", n));
        };
        match ctx.tx.catalog().id(NameKind::Type, s) {
            Some(id) => ids.push(id),
            None => unknown_name(ctx, proc, NameKind::Type, s),
        }
    }
    Ok(ids)
}

/// Warns that an option names a type or key the database does not hold.
fn unknown_name(ctx: &Ctx<'_, '_>, proc: &str, kind: NameKind, name: &str) {
    let (code, what) = match kind {
        NameKind::Type => ("UnknownRelationshipTypeWarning", "relationship type"),
        _ => ("UnknownPropertyKeyWarning", "property key"),
    };
    let hint = closest(name, ctx.tx.catalog().names(kind))
        .map(|k| format!("; did you mean '{k}'?"))
        .unwrap_or_default();
    let message = format!("{proc}: the database has no {what} '{name}'{hint}");
    let mut warnings = ctx.warnings.borrow_mut();
    if !warnings.iter().any(|w| w.message == message) {
        warnings.push(Warning {
            code,
            message,
            span: None,
        });
    }
}

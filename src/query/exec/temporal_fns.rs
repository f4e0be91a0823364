//! The temporal functions: `date()`, `localtime()`, `time()`,
//! `localdatetime()`, `datetime()` (from text, a map, another temporal value,
//! or nothing: now), their `.truncate`, `.statement`, `.transaction` and
//! `.realtime` forms, `datetime.fromepoch[millis]`, `duration()` and
//! `duration.between/inMonths/inDays/inSeconds`.

use super::ops::type_error;
use crate::error::Error;
use crate::value::temporal::between::{between, Unit};
use crate::value::temporal::build::{self, Kind};
use crate::value::temporal::duration::{self, Num, UNITS};
use crate::value::temporal::{invalid, DateTime, Duration, Temporal, TimeZoneArg};
use crate::value::Value;
use std::collections::BTreeMap;

/// Names and argument counts, for compile-time checks and completion.
pub const FUNCTIONS: &[(&str, usize, usize)] = &[
    ("date", 0, 1),
    ("localtime", 0, 1),
    ("time", 0, 1),
    ("localdatetime", 0, 1),
    ("datetime", 0, 1),
    ("duration", 1, 1),
    ("date.truncate", 2, 3),
    ("localtime.truncate", 2, 3),
    ("time.truncate", 2, 3),
    ("localdatetime.truncate", 2, 3),
    ("datetime.truncate", 2, 3),
    ("date.statement", 0, 1),
    ("localtime.statement", 0, 1),
    ("time.statement", 0, 1),
    ("localdatetime.statement", 0, 1),
    ("datetime.statement", 0, 1),
    ("date.transaction", 0, 1),
    ("localtime.transaction", 0, 1),
    ("time.transaction", 0, 1),
    ("localdatetime.transaction", 0, 1),
    ("datetime.transaction", 0, 1),
    ("date.realtime", 0, 1),
    ("localtime.realtime", 0, 1),
    ("time.realtime", 0, 1),
    ("localdatetime.realtime", 0, 1),
    ("datetime.realtime", 0, 1),
    ("datetime.fromepoch", 2, 2),
    ("datetime.fromepochmillis", 1, 1),
    ("duration.between", 2, 2),
    ("duration.inmonths", 2, 2),
    ("duration.indays", 2, 2),
    ("duration.inseconds", 2, 2),
];

/// The current instant in nanoseconds since the epoch.
pub fn now_nanos() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0)
}

fn zone_arg(v: Option<&Value>) -> Result<Option<TimeZoneArg>, Error> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => TimeZoneArg::parse(s).map(Some),
        Some(o) => Err(type_error(format!(
            "a time zone is a string, not {}",
            o.type_name()
        ))),
    }
}

fn duration_value(d: Duration) -> Value {
    Value::Temporal(Temporal::Duration(Box::new(d)))
}

/// `duration(map)`: the units of `UNITS`, integers or floats.
fn duration_from_map(m: &BTreeMap<String, Value>) -> Result<Duration, Error> {
    let mut v = [Num::Int(0); 10];
    for (k, val) in m {
        let lower = k.to_ascii_lowercase();
        let Some(i) = UNITS.iter().position(|u| *u == lower) else {
            return Err(invalid(format!("{k} is not a unit of a duration")));
        };
        v[i] = match val {
            Value::Int(n) => Num::Int(*n),
            Value::Float(f) => Num::Float(*f),
            Value::Null => Num::Int(0),
            o => {
                return Err(invalid(format!(
                    "a duration's {k} is a number, not {}",
                    o.type_name()
                )))
            }
        };
    }
    Duration::from_units(&v)
}

/// Calls the temporal function `lower` (one of `FUNCTIONS`); `now` is the
/// statement's clock.
pub fn call(lower: &str, args: Vec<Value>, now: i128) -> Result<Value, Error> {
    let (base, method) = match lower.split_once('.') {
        Some((b, m)) => (b, Some(m)),
        None => (lower, None),
    };
    if base == "duration" {
        return duration_fn(method, args);
    }
    let kind =
        Kind::from_name(base).ok_or_else(|| invalid(format!("unknown function {lower}()")))?;
    match method {
        None => match args.first() {
            None => build::current(kind, None, now),
            Some(Value::Null) => Ok(Value::Null),
            Some(Value::String(s)) => build::from_string(kind, s),
            Some(Value::Map(m)) => build::from_map(kind, m, now),
            // The domain's year: `date(2022)` is the partial date `2022`.
            Some(Value::Int(y)) if kind == Kind::Date => {
                if (0..=9999).contains(y) {
                    Ok(Value::Date(crate::value::Date::year_only(*y as i32)))
                } else {
                    Err(crate::error::Error::runtime(
                        crate::error::ErrorKind::ArgumentError,
                        "NumberOutOfRange",
                        format!("date({y}): a year must be from 0 to 9999"),
                    ))
                }
            }
            Some(v @ (Value::Date(_) | Value::Temporal(_))) => build::from_value(kind, v, now),
            Some(o) => Err(type_error(format!(
                "{base}() takes a string, a map or a temporal value, not {}",
                o.type_name()
            ))),
        },
        Some("statement" | "transaction" | "realtime") => match args.first() {
            Some(Value::Null) => Ok(Value::Null),
            // realtime: the clock as it reads now, not at the statement's start.
            zone if method == Some("realtime") => {
                build::current(kind, zone_arg(zone)?, now_nanos())
            }
            zone => build::current(kind, zone_arg(zone)?, now),
        },
        Some("truncate") => {
            let unit = match args.first() {
                Some(Value::String(u)) => u.clone(),
                Some(Value::Null) | None => return Ok(Value::Null),
                Some(o) => {
                    return Err(type_error(format!(
                        "a truncation unit is a string, not {}",
                        o.type_name()
                    )))
                }
            };
            let v = args.get(1).cloned().unwrap_or(Value::Null);
            if v.is_null() {
                return Ok(Value::Null);
            }
            let map = match args.get(2) {
                None | Some(Value::Null) => BTreeMap::new(),
                Some(Value::Map(m)) => m.clone(),
                Some(o) => {
                    return Err(type_error(format!(
                        "truncate's third argument is a map, not {}",
                        o.type_name()
                    )))
                }
            };
            build::truncate(kind, &unit, &v, &map, now)
        }
        Some("fromepoch") | Some("fromepochmillis") if kind == Kind::DateTime => {
            let int = |v: Option<&Value>| match v {
                Some(Value::Int(i)) => Ok(Some(*i as i128)),
                Some(Value::Null) => Ok(None),
                Some(o) => Err(type_error(format!(
                    "epoch values are integers, not {}",
                    o.type_name()
                ))),
                None => Ok(Some(0)),
            };
            let instant = if method == Some("fromepoch") {
                match (int(args.first())?, int(args.get(1))?) {
                    (Some(s), Some(n)) => s * 1_000_000_000 + n,
                    _ => return Ok(Value::Null),
                }
            } else {
                match int(args.first())? {
                    Some(ms) => ms * 1_000_000,
                    None => return Ok(Value::Null),
                }
            };
            Ok(Value::Temporal(Temporal::DateTime(Box::new(
                DateTime::at_instant(instant, &TimeZoneArg::Offset(0))?,
            ))))
        }
        _ => Err(invalid(format!("unknown function {lower}()"))),
    }
}

fn duration_fn(method: Option<&str>, args: Vec<Value>) -> Result<Value, Error> {
    let unit = match method {
        None => {
            return match args.first() {
                None | Some(Value::Null) => Ok(Value::Null),
                Some(Value::String(s)) => duration::parse(s).map(duration_value),
                Some(Value::Map(m)) => duration_from_map(m).map(duration_value),
                Some(v @ Value::Temporal(Temporal::Duration(_))) => Ok(v.clone()),
                Some(o) => Err(type_error(format!(
                    "duration() takes a string or a map, not {}",
                    o.type_name()
                ))),
            }
        }
        Some("between") => Unit::All,
        Some("inmonths") => Unit::Months,
        Some("indays") => Unit::Days,
        Some("inseconds") => Unit::Seconds,
        Some(m) => return Err(invalid(format!("unknown function duration.{m}()"))),
    };
    let (a, b) = (
        args.first().cloned().unwrap_or(Value::Null),
        args.get(1).cloned().unwrap_or(Value::Null),
    );
    if a.is_null() || b.is_null() {
        return Ok(Value::Null);
    }
    match between(&a, &b, unit) {
        Some(r) => r.map(duration_value),
        None => Err(type_error(format!(
            "duration.between takes two temporal values, not {} and {}",
            a.type_name(),
            b.type_name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: Value) -> String {
        match v {
            Value::Temporal(t) => t.to_string(),
            Value::Date(d) => d.to_string(),
            o => format!("{o:?}"),
        }
    }

    fn s(x: &str) -> Value {
        Value::String(x.into())
    }

    #[test]
    fn every_function_is_reachable_by_its_listed_name() {
        let now = 1_000_000_000_000_000_000; // 2001-09-09T01:46:40Z
        assert_eq!(
            text(call("datetime", vec![], now).unwrap()),
            "2001-09-09T01:46:40Z"
        );
        assert_eq!(
            text(call("date.statement", vec![], now).unwrap()),
            "2001-09-09"
        );
        assert_eq!(
            text(call("localtime.transaction", vec![s("+02:00")], now).unwrap()),
            "03:46:40"
        );
        assert_eq!(
            text(
                call(
                    "datetime.fromepochmillis",
                    vec![Value::Int(237_821_673_987)],
                    now
                )
                .unwrap()
            ),
            "1977-07-15T13:34:33.987Z"
        );
        assert_eq!(
            text(
                call(
                    "date.truncate",
                    vec![
                        s("month"),
                        call("date", vec![s("2001-09-09")], now).unwrap()
                    ],
                    now
                )
                .unwrap()
            ),
            "2001-09-01"
        );
        assert!(call("date.truncate", vec![s("month"), s("2001-09-09")], now).is_err());
        assert_eq!(
            text(call("duration.indays", vec![s("x"), Value::Null], now).unwrap()),
            "Null"
        );
        assert!(call("duration.between", vec![s("x"), s("y")], now).is_err());
        assert_eq!(
            text(call("date", vec![Value::Int(2022)], now).unwrap()),
            "2022"
        );
        assert!(call("date", vec![Value::Int(12_022)], now).is_err());
        assert_eq!(
            call("time.realtime", vec![Value::Null], now).unwrap(),
            Value::Null
        );
    }
}

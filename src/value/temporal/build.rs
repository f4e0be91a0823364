//! Building temporal values: from a map of components (`{year: 1984,
//! week: 10, dayOfWeek: 3}`), optionally over a base value (`{date: d,
//! day: 28}`, `{time: t, timezone: '+05:00'}`), from another temporal value
//! (selection: `date(datetime)`), from text, and by truncation
//! (`datetime.truncate('week', dt, {dayOfWeek: 2})`).

use super::calendar::{
    civil_from_days, day_of_quarter, days_from_civil, days_in_month, is_leap, iso_week, quarter,
    week_one, weekday, weeks_in_year, year_in_range,
};
use super::{
    invalid, parse, DateTime, LocalDateTime, LocalTime, Temporal, Time, TimeZoneArg, NANOS_PER_DAY,
    NANOS_PER_SECOND,
};
use crate::error::Error;
use crate::value::{Date, Value};
use std::collections::BTreeMap;

/// The five constructors: `date`, `localtime`, `time`, `localdatetime`, `datetime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Date,
    LocalTime,
    Time,
    LocalDateTime,
    DateTime,
}

impl Kind {
    pub fn from_name(name: &str) -> Option<Kind> {
        Some(match name {
            "date" => Kind::Date,
            "localtime" => Kind::LocalTime,
            "time" => Kind::Time,
            "localdatetime" => Kind::LocalDateTime,
            "datetime" => Kind::DateTime,
            _ => return None,
        })
    }

    fn has_date(self) -> bool {
        matches!(self, Kind::Date | Kind::LocalDateTime | Kind::DateTime)
    }

    fn has_time(self) -> bool {
        !matches!(self, Kind::Date)
    }

    fn has_zone(self) -> bool {
        matches!(self, Kind::Time | Kind::DateTime)
    }
}

const DATE_KEYS: [&str; 8] = [
    "year",
    "month",
    "day",
    "week",
    "dayofweek",
    "ordinalday",
    "quarter",
    "dayofquarter",
];
const TIME_KEYS: [&str; 6] = [
    "hour",
    "minute",
    "second",
    "millisecond",
    "microsecond",
    "nanosecond",
];

/// The parts a value is assembled from: a day, a time of day, the zone
/// that time was given in, and its offset there (what a `time` keeps of a
/// date-time in a named zone).
#[derive(Debug, Clone, Default)]
struct Parts {
    days: Option<i64>,
    nanos: Option<u64>,
    zone: Option<TimeZoneArg>,
    offset: Option<i32>,
}

impl Parts {
    /// The zone a value of `kind` built from these parts starts in.
    fn zone_for(self, kind: Kind) -> Option<TimeZoneArg> {
        match kind {
            Kind::Time => self.offset.map(TimeZoneArg::Offset),
            Kind::DateTime => self.zone,
            _ => None,
        }
    }
}

fn parts_of(v: &Value) -> Option<Parts> {
    Some(match v {
        Value::Date(d) => Parts {
            days: Some(d.first_day()),
            ..Parts::default()
        },
        Value::Temporal(Temporal::LocalTime(t)) => Parts {
            nanos: Some(t.nanos),
            ..Parts::default()
        },
        Value::Temporal(Temporal::Time(t)) => Parts {
            nanos: Some(t.nanos),
            zone: Some(TimeZoneArg::Offset(t.offset)),
            offset: Some(t.offset),
            ..Parts::default()
        },
        Value::Temporal(Temporal::LocalDateTime(t)) => Parts {
            days: Some(t.days),
            nanos: Some(t.nanos),
            ..Parts::default()
        },
        Value::Temporal(Temporal::DateTime(t)) => Parts {
            days: Some(t.local.days),
            nanos: Some(t.local.nanos),
            zone: Some(t.zone_arg()),
            offset: Some(t.offset),
        },
        _ => return None,
    })
}

/// The integer component `key` of a map, if given.
fn int(map: &BTreeMap<String, Value>, key: &str) -> Result<Option<i64>, Error> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Int(i)) => Ok(Some(*i)),
        Some(o) => Err(invalid(format!(
            "{key} must be an integer, not {}",
            o.type_name()
        ))),
    }
}

fn check(v: i64, lo: i64, hi: i64, what: &str) -> Result<u32, Error> {
    if v < lo || v > hi {
        return Err(invalid(format!("{what} {v} is not in {lo}..{hi}")));
    }
    Ok(v as u32)
}

fn year(y: i64) -> Result<i64, Error> {
    if !year_in_range(y) {
        return Err(invalid(format!("year {y} is out of range")));
    }
    Ok(y)
}

/// The day the date components name, over `base` where they leave gaps.
fn resolve_date(m: &BTreeMap<String, Value>, base: Option<i64>) -> Result<i64, Error> {
    let b = base.map(civil_from_days);
    let y = int(m, "year")?;
    let need_year = |y: Option<i64>, from_base: Option<i64>| {
        y.or(from_base)
            .ok_or_else(|| invalid("a date needs a year"))
            .and_then(year)
    };
    if m.contains_key("week") || m.contains_key("dayofweek") {
        let wy = need_year(y, base.map(|d| iso_week(d).0))?;
        let week = int(m, "week")?
            .or(base.map(|d| iso_week(d).1 as i64))
            .unwrap_or(1);
        let week = check(week, 1, weeks_in_year(wy) as i64, "week")?;
        let dow = int(m, "dayofweek")?
            .or(base.map(|d| weekday(d) as i64))
            .unwrap_or(1);
        let dow = check(dow, 1, 7, "dayOfWeek")?;
        return Ok(week_one(wy) + (week as i64 - 1) * 7 + dow as i64 - 1);
    }
    if let Some(ord) = int(m, "ordinalday")? {
        let yy = need_year(y, b.map(|b| b.0))?;
        let ord = check(ord, 1, if is_leap(yy) { 366 } else { 365 }, "ordinalDay")?;
        return Ok(days_from_civil(yy, 1, 1) + ord as i64 - 1);
    }
    if m.contains_key("quarter") || m.contains_key("dayofquarter") {
        let yy = need_year(y, b.map(|b| b.0))?;
        let q = int(m, "quarter")?
            .or(b.map(|b| quarter(b.1) as i64))
            .unwrap_or(1);
        let q = check(q, 1, 4, "quarter")?;
        let first = days_from_civil(yy, (q - 1) * 3 + 1, 1);
        if let Some(dq) = int(m, "dayofquarter")? {
            let len = days_from_civil(yy + (q == 4) as i64, if q == 4 { 1 } else { q * 3 + 1 }, 1)
                - first;
            let dq = check(dq, 1, len, "dayOfQuarter")?;
            return Ok(first + dq as i64 - 1);
        }
        return Ok(match b {
            Some((_, bm, bd)) => {
                let month = (q - 1) * 3 + (bm - 1) % 3 + 1;
                days_from_civil(yy, month, bd.min(days_in_month(yy, month)))
            }
            None => first,
        });
    }
    let yy = need_year(y, b.map(|b| b.0))?;
    let month = int(m, "month")?.or(b.map(|b| b.1 as i64)).unwrap_or(1);
    let month = check(month, 1, 12, "month")?;
    let day = int(m, "day")?.or(b.map(|b| b.2 as i64)).unwrap_or(1);
    let day = check(day, 1, days_in_month(yy, month) as i64, "day")?;
    Ok(days_from_civil(yy, month, day))
}

/// The time of day the time components name, over `base`. `add_sub` adds
/// sub-second components to the base's instead of replacing them (truncation).
fn resolve_time(
    m: &BTreeMap<String, Value>,
    base: Option<u64>,
    add_sub: bool,
) -> Result<u64, Error> {
    let b = base.unwrap_or(0) as i64;
    let h = int(m, "hour")?.unwrap_or(b / 3_600_000_000_000);
    let h = check(h, 0, 23, "hour")? as i64;
    let mi = int(m, "minute")?.unwrap_or(b / 60_000_000_000 % 60);
    let mi = check(mi, 0, 59, "minute")? as i64;
    let s = int(m, "second")?.unwrap_or(b / NANOS_PER_SECOND % 60);
    let s = check(s, 0, 59, "second")? as i64;
    let (ms, us, ns) = (
        int(m, "millisecond")?,
        int(m, "microsecond")?,
        int(m, "nanosecond")?,
    );
    let base_sub = b % NANOS_PER_SECOND;
    let sub = if ms.is_none() && us.is_none() && ns.is_none() {
        base_sub
    } else {
        let ms = check(ms.unwrap_or(0), 0, 999, "millisecond")? as i64;
        let us_max = if m.contains_key("millisecond") {
            999
        } else {
            999_999
        };
        let us = check(us.unwrap_or(0), 0, us_max, "microsecond")? as i64;
        let ns_max = if m.contains_key("microsecond") {
            999
        } else if m.contains_key("millisecond") {
            999_999
        } else {
            999_999_999
        };
        let ns = check(ns.unwrap_or(0), 0, ns_max, "nanosecond")? as i64;
        let given = ms * 1_000_000 + us * 1000 + ns;
        if add_sub {
            check(base_sub + given, 0, NANOS_PER_SECOND - 1, "nanosecond")? as i64
        } else {
            given
        }
    };
    Ok((((h * 60 + mi) * 60 + s) * NANOS_PER_SECOND + sub) as u64)
}

fn zone_field(m: &BTreeMap<String, Value>) -> Result<Option<TimeZoneArg>, Error> {
    match m.get("timezone") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => TimeZoneArg::parse(s).map(Some),
        Some(o) => Err(invalid(format!(
            "timezone must be a string, not {}",
            o.type_name()
        ))),
    }
}

/// A zone's offset for a bare time of day: a named zone's offset now.
fn time_offset(z: &TimeZoneArg, now: i128) -> Result<i32, Error> {
    match z {
        TimeZoneArg::Offset(o) => Ok(*o),
        TimeZoneArg::Named(n) => super::zone::offset_at(n, now),
    }
}

/// The value of `kind` from its parts, converting a time given in one zone
/// into `zone` when both are known.
fn assemble(
    kind: Kind,
    days: i64,
    nanos: u64,
    from: Option<TimeZoneArg>,
    zone: Option<TimeZoneArg>,
    now: i128,
) -> Result<Value, Error> {
    Ok(match kind {
        Kind::Date => {
            Value::Date(Date::from_days(days).ok_or_else(|| super::out_of_range("date"))?)
        }
        Kind::LocalTime => Value::Temporal(Temporal::LocalTime(LocalTime { nanos })),
        Kind::LocalDateTime => {
            Value::Temporal(Temporal::LocalDateTime(LocalDateTime { days, nanos }))
        }
        Kind::Time => {
            let (nanos, offset) = match (from, zone) {
                (Some(f), Some(z)) => {
                    let (fo, zo) = (time_offset(&f, now)?, time_offset(&z, now)?);
                    let n = (nanos as i64 - fo as i64 * NANOS_PER_SECOND
                        + zo as i64 * NANOS_PER_SECOND)
                        .rem_euclid(NANOS_PER_DAY);
                    (n as u64, zo)
                }
                (Some(z), None) | (None, Some(z)) => (nanos, time_offset(&z, now)?),
                (None, None) => (nanos, 0),
            };
            Value::Temporal(Temporal::Time(Time { nanos, offset }))
        }
        Kind::DateTime => {
            let local = LocalDateTime { days, nanos };
            let dt = match (from, zone) {
                (Some(f), Some(z)) => {
                    let at = DateTime::in_zone_local(local, &f)?;
                    DateTime::at_instant(at.instant_nanos(), &z)?
                }
                (Some(z), None) | (None, Some(z)) => DateTime::in_zone_local(local, &z)?,
                (None, None) => DateTime::fixed(local, 0),
            };
            Value::Temporal(Temporal::DateTime(Box::new(dt)))
        }
    })
}

/// `datetime({epochSeconds: s, nanosecond: n})` or `{epochMillis: ms}`: the instant.
fn from_epoch(m: &BTreeMap<String, Value>) -> Result<Option<i128>, Error> {
    let (s, ms) = (int(m, "epochseconds")?, int(m, "epochmillis")?);
    if s.is_none() && ms.is_none() {
        return Ok(None);
    }
    if m.keys().any(|k| {
        DATE_KEYS.contains(&k.as_str())
            || matches!(
                k.as_str(),
                "hour" | "minute" | "second" | "date" | "time" | "datetime"
            )
    }) {
        return Err(invalid(
            "epochSeconds and epochMillis take only sub-second components and a timezone",
        ));
    }
    let sub = int(m, "millisecond")?.unwrap_or(0) as i128 * 1_000_000
        + int(m, "microsecond")?.unwrap_or(0) as i128 * 1000
        + int(m, "nanosecond")?.unwrap_or(0) as i128;
    Ok(Some(
        s.map_or(0, |s| s as i128 * NANOS_PER_SECOND as i128)
            + ms.map_or(0, |ms| ms as i128 * 1_000_000)
            + sub,
    ))
}

/// `kind(map)`.
pub fn from_map(kind: Kind, map: &BTreeMap<String, Value>, now: i128) -> Result<Value, Error> {
    let m: BTreeMap<String, Value> = map
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect();
    for k in m.keys() {
        let ok = (kind.has_date() && (DATE_KEYS.contains(&k.as_str()) || k == "date"))
            || (kind.has_time() && (TIME_KEYS.contains(&k.as_str()) || k == "time"))
            || (kind.has_zone() && k == "timezone")
            || (kind == Kind::Date && k == "timezone")
            || (matches!(kind, Kind::LocalDateTime | Kind::DateTime) && k == "datetime")
            || (kind == Kind::DateTime && matches!(k.as_str(), "epochseconds" | "epochmillis"));
        if !ok {
            return Err(invalid(format!("{k} is not a component of a {kind:?}")));
        }
    }
    let base = |key: &str| -> Result<Option<Parts>, Error> {
        match m.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => parts_of(v).map(Some).ok_or_else(|| {
                invalid(format!(
                    "{key} must be a temporal value, not {}",
                    v.type_name()
                ))
            }),
        }
    };
    if let Some(dt) = from_epoch(&m)? {
        let zone = zone_field(&m)?.unwrap_or(TimeZoneArg::Offset(0));
        return Ok(Value::Temporal(Temporal::DateTime(Box::new(
            DateTime::at_instant(dt, &zone)?,
        ))));
    }
    let whole = base("datetime")?;
    let date_base = base("date")?.or_else(|| whole.clone());
    let time_base = base("time")?.or_else(|| whole.clone());
    let zone = zone_field(&m)?;
    // Only a zone: the current moment there.
    if m.len() == 1 && zone.is_some() {
        return current(kind, zone, now);
    }
    let days = if kind.has_date() {
        resolve_date(&m, date_base.and_then(|p| p.days))?
    } else {
        0
    };
    let (tn, from) = match time_base {
        Some(p) => (p.nanos, p.zone_for(kind)),
        None => (None, None),
    };
    let nanos = if kind.has_time() {
        resolve_time(&m, tn, false)?
    } else {
        0
    };
    assemble(
        kind,
        days,
        nanos,
        from,
        if kind.has_zone() { zone } else { None },
        now,
    )
}

/// `kind(value)`: the parts of another temporal value that `kind` holds.
pub fn from_value(kind: Kind, v: &Value, now: i128) -> Result<Value, Error> {
    if let (Kind::Date, Value::Date(d)) = (kind, v) {
        return Ok(Value::Date(*d));
    }
    let p = parts_of(v)
        .ok_or_else(|| invalid(format!("cannot make a {kind:?} from {}", v.type_name())))?;
    if kind.has_date() && p.days.is_none() {
        return Err(invalid(format!("a {} has no date", v.type_name())));
    }
    if matches!(kind, Kind::LocalTime | Kind::Time) && p.nanos.is_none() {
        return Err(invalid(format!("a {} has no time", v.type_name())));
    }
    let (days, nanos) = (p.days.unwrap_or(0), p.nanos.unwrap_or(0));
    assemble(kind, days, nanos, p.zone_for(kind), None, now)
}

/// `kind(string)`.
pub fn from_string(kind: Kind, s: &str) -> Result<Value, Error> {
    Ok(match kind {
        Kind::Date => Value::Date(parse::date(s)?),
        Kind::LocalTime => Value::Temporal(Temporal::LocalTime(parse::local_time(s)?)),
        Kind::Time => Value::Temporal(Temporal::Time(parse::time(s)?)),
        Kind::LocalDateTime => Value::Temporal(Temporal::LocalDateTime(parse::local_datetime(s)?)),
        Kind::DateTime => Value::Temporal(Temporal::DateTime(Box::new(parse::datetime(s)?))),
    })
}

/// The current moment (`now`, nanoseconds since the epoch) as `kind`, in
/// `zone` (UTC when none is given).
pub fn current(kind: Kind, zone: Option<TimeZoneArg>, now: i128) -> Result<Value, Error> {
    let zone = zone.unwrap_or(TimeZoneArg::Offset(0));
    let dt = DateTime::at_instant(now, &zone)?;
    let local = dt.local;
    Ok(match kind {
        Kind::Date => {
            Value::Date(Date::from_days(local.days).ok_or_else(|| super::out_of_range("date"))?)
        }
        Kind::LocalTime => Value::Temporal(Temporal::LocalTime(LocalTime { nanos: local.nanos })),
        Kind::Time => Value::Temporal(Temporal::Time(Time {
            nanos: local.nanos,
            offset: dt.offset,
        })),
        Kind::LocalDateTime => Value::Temporal(Temporal::LocalDateTime(local)),
        Kind::DateTime => Value::Temporal(Temporal::DateTime(Box::new(dt))),
    })
}

/// `kind.truncate(unit, value, map)`: `value` cut down to `unit`, then the
/// map's components set (sub-second ones added to what is left).
pub fn truncate(
    kind: Kind,
    unit: &str,
    v: &Value,
    map: &BTreeMap<String, Value>,
    now: i128,
) -> Result<Value, Error> {
    let p = parts_of(v).ok_or_else(|| invalid(format!("cannot truncate {}", v.type_name())))?;
    let unit_l = unit.to_ascii_lowercase();
    let date_unit = matches!(
        unit_l.as_str(),
        "millennium"
            | "century"
            | "decade"
            | "year"
            | "weekyear"
            | "quarter"
            | "month"
            | "week"
            | "day"
    );
    let time_unit = matches!(
        unit_l.as_str(),
        "hour" | "minute" | "second" | "millisecond" | "microsecond"
    );
    if !date_unit && !time_unit {
        return Err(invalid(format!("unknown truncation unit '{unit}'")));
    }
    if kind.has_date() && p.days.is_none() {
        return Err(invalid(format!(
            "a {} has no date to truncate",
            v.type_name()
        )));
    }
    if kind == Kind::Date && time_unit {
        return Err(invalid(format!("a date cannot be truncated to the {unit}")));
    }
    if !kind.has_date() && date_unit && unit_l != "day" {
        return Err(invalid(format!("a time cannot be truncated to the {unit}")));
    }
    let mut days = p.days.unwrap_or(0);
    let mut nanos = p.nanos.unwrap_or(0);
    let (y, mo, _) = civil_from_days(days);
    if date_unit {
        nanos = 0;
        days = match unit_l.as_str() {
            "millennium" => days_from_civil(y.div_euclid(1000) * 1000, 1, 1),
            "century" => days_from_civil(y.div_euclid(100) * 100, 1, 1),
            "decade" => days_from_civil(y.div_euclid(10) * 10, 1, 1),
            "year" => days_from_civil(y, 1, 1),
            "weekyear" => week_one(iso_week(days).0),
            "quarter" => days - day_of_quarter(days) as i64 + 1,
            "month" => days_from_civil(y, mo, 1),
            "week" => days - weekday(days) as i64 + 1,
            _ => days,
        };
    } else {
        let step: u64 = match unit_l.as_str() {
            "hour" => 3_600_000_000_000,
            "minute" => 60_000_000_000,
            "second" => 1_000_000_000,
            "millisecond" => 1_000_000,
            _ => 1000,
        };
        nanos = nanos / step * step;
    }
    let m: BTreeMap<String, Value> = map
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect();
    if kind.has_date() && m.keys().any(|k| DATE_KEYS.contains(&k.as_str())) {
        days = resolve_date(&m, Some(days))?;
    }
    if kind.has_time() && m.keys().any(|k| TIME_KEYS.contains(&k.as_str())) {
        nanos = resolve_time(&m, Some(nanos), true)?;
    }
    // A zone in the map replaces the value's (the wall clock stays).
    let zone = zone_field(&m)?;
    let keep = match zone {
        Some(z) if kind.has_zone() => Some(z),
        _ => p.zone_for(kind),
    };
    assemble(kind, days, nanos, keep, None, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn week_and_quarter_dates() {
        let d = from_map(
            Kind::Date,
            &map(&[
                ("year", Value::Int(1984)),
                ("week", Value::Int(10)),
                ("dayOfWeek", Value::Int(3)),
            ]),
            0,
        )
        .unwrap();
        assert_eq!(d, Value::Date(Date::full(1984, 3, 7)));
        let base = Value::Date(Date::full(1984, 11, 11));
        let q = from_map(
            Kind::Date,
            &map(&[("date", base), ("quarter", Value::Int(3))]),
            0,
        )
        .unwrap();
        assert_eq!(q, Value::Date(Date::full(1984, 8, 11)));
        assert!(from_map(Kind::Date, &map(&[("month", Value::Int(3))]), 0).is_err());
        assert!(from_map(
            Kind::Date,
            &map(&[("year", Value::Int(1984)), ("day", Value::Int(32))]),
            0
        )
        .is_err());
    }

    #[test]
    fn time_converts_between_zones() {
        let t = from_string(Kind::Time, "12:31:14.645876+01:00").unwrap();
        let r = from_map(
            Kind::Time,
            &map(&[("time", t), ("timezone", Value::String("+05:00".into()))]),
            0,
        )
        .unwrap();
        assert_eq!(r.to_string_for_test(), "16:31:14.645876+05:00");
    }

    #[test]
    fn truncation() {
        let dt = from_string(Kind::DateTime, "2017-10-11T12:31:14.645876123+01:00").unwrap();
        let r = truncate(
            Kind::Date,
            "millennium",
            &dt,
            &map(&[("day", Value::Int(2))]),
            0,
        )
        .unwrap();
        assert_eq!(r, Value::Date(Date::full(2000, 1, 2)));
        let r = truncate(
            Kind::LocalTime,
            "microsecond",
            &dt,
            &map(&[("nanosecond", Value::Int(2))]),
            0,
        )
        .unwrap();
        assert_eq!(r.to_string_for_test(), "12:31:14.645876002");
        assert!(truncate(Kind::Date, "hour", &dt, &BTreeMap::new(), 0).is_err());
    }

    trait Text {
        fn to_string_for_test(&self) -> String;
    }
    impl Text for Value {
        fn to_string_for_test(&self) -> String {
            match self {
                Value::Temporal(t) => t.to_string(),
                Value::Date(d) => d.to_string(),
                o => format!("{o:?}"),
            }
        }
    }
}

//! Component selection: `d.year`, `t.minute`, `dt.timezone`, `dur.days`.
//! A partial date answers only what its precision knows (`date('2022').month`
//! is null).

use super::calendar::{self, civil_from_days};
use super::format::{offset_numeric, offset_text};
use super::{Temporal, NANOS_PER_SECOND};
use crate::value::{Date, Value};

fn date_part(days: i64, key: &str) -> Option<Value> {
    let (y, m, d) = civil_from_days(days);
    Some(Value::Int(match key {
        "year" => y,
        "quarter" => calendar::quarter(m) as i64,
        "month" => m as i64,
        "week" => calendar::iso_week(days).1 as i64,
        "weekyear" => calendar::iso_week(days).0,
        "day" => d as i64,
        "ordinalday" => calendar::ordinal_day(days) as i64,
        "weekday" | "dayofweek" => calendar::weekday(days) as i64,
        "dayofquarter" => calendar::day_of_quarter(days) as i64,
        _ => return None,
    }))
}

fn time_part(nanos: u64, key: &str) -> Option<Value> {
    let n = nanos as i64;
    Some(Value::Int(match key {
        "hour" => n / 3_600_000_000_000,
        "minute" => n / 60_000_000_000 % 60,
        "second" => n / NANOS_PER_SECOND % 60,
        "millisecond" => n % NANOS_PER_SECOND / 1_000_000,
        "microsecond" => n % NANOS_PER_SECOND / 1000,
        "nanosecond" => n % NANOS_PER_SECOND,
        _ => return None,
    }))
}

fn zone_part(offset: i32, zone: Option<&str>, key: &str) -> Option<Value> {
    Some(match key {
        "timezone" => Value::String(match zone {
            Some(z) => z.to_string(),
            None => offset_text(offset),
        }),
        "offset" => Value::String(offset_numeric(offset)),
        "offsetminutes" => Value::Int(offset as i64 / 60),
        "offsetseconds" => Value::Int(offset as i64),
        _ => return None,
    })
}

/// The component `key` (any case) of a date; `None` when the type has no such
/// component, `Some(Null)` when a partial date does not know it.
pub fn of_date(d: &Date, key: &str) -> Option<Value> {
    let key = key.to_ascii_lowercase();
    match d.to_days() {
        Some(days) => date_part(days, &key),
        None => match key.as_str() {
            "year" => Some(Value::Int(d.year as i64)),
            "month" => Some(d.month.map_or(Value::Null, |m| Value::Int(m as i64))),
            "quarter" => Some(d.month.map_or(Value::Null, |m| {
                Value::Int(calendar::quarter(m as u32) as i64)
            })),
            _ => date_part(0, &key).map(|_| Value::Null),
        },
    }
}

pub fn of_temporal(t: &Temporal, key: &str) -> Option<Value> {
    let key = key.to_ascii_lowercase();
    let key = key.as_str();
    match t {
        Temporal::LocalTime(t) => time_part(t.nanos, key),
        Temporal::Time(t) => time_part(t.nanos, key).or_else(|| zone_part(t.offset, None, key)),
        Temporal::LocalDateTime(t) => date_part(t.days, key).or_else(|| time_part(t.nanos, key)),
        Temporal::DateTime(t) => date_part(t.local.days, key)
            .or_else(|| time_part(t.local.nanos, key))
            .or_else(|| zone_part(t.offset, t.zone.as_deref(), key))
            .or_else(|| {
                let instant = t.instant_nanos();
                let ns = NANOS_PER_SECOND as i128;
                let v = match key {
                    "epochseconds" => instant.div_euclid(ns),
                    "epochmillis" => instant.div_euclid(1_000_000),
                    _ => return None,
                };
                i64::try_from(v).ok().map(Value::Int)
            }),
        Temporal::Duration(d) => d.component(key).map(Value::Int),
    }
}

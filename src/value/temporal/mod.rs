//! openCypher's temporal values beside the domain's partial `Date`:
//! `localtime`, `time`, `localdatetime`, `datetime` and `duration`.
//!
//! Dates stay `value::Date` (a full date is one of day precision), so that the
//! partial dates of supply data (`2022-03`) and the TCK's dates are one type
//! with one comparison rule. Everything here is plain integers; time-zone
//! rules come from `zone.rs` (the tz database bundled by `jiff`).

pub mod arith;
pub mod between;
pub mod build;
pub mod calendar;
pub mod components;
pub mod duration;
pub mod format;
pub mod parse;
pub mod zone;

pub use duration::Duration;

use crate::error::{Error, ErrorKind};
use serde::{Deserialize, Serialize};

pub const NANOS_PER_SECOND: i64 = 1_000_000_000;
pub const NANOS_PER_DAY: i64 = 86_400 * NANOS_PER_SECOND;

/// A time of day without a zone: nanoseconds since midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LocalTime {
    pub nanos: u64,
}

/// A time of day at a fixed UTC offset (seconds east of UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Time {
    pub nanos: u64,
    pub offset: i32,
}

/// A date and time without a zone: days since 1970-01-01 and nanoseconds
/// since that day's midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LocalDateTime {
    pub days: i64,
    pub nanos: u64,
}

/// A date and time at an offset, and in a named zone when `zone` is set (the
/// offset is then the zone's offset at that moment).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DateTime {
    pub local: LocalDateTime,
    pub offset: i32,
    pub zone: Option<String>,
}

/// The temporal values other than dates. Boxed where large, so that `Value`
/// keeps its size.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Temporal {
    LocalTime(LocalTime),
    Time(Time),
    LocalDateTime(LocalDateTime),
    DateTime(Box<DateTime>),
    Duration(Box<Duration>),
}

impl Temporal {
    /// The day of a (local) date-time, as a full date: what `AS OF` and a
    /// link's `since`/`until` compare by.
    pub fn date(&self) -> Option<crate::value::Date> {
        match self {
            Temporal::LocalDateTime(t) => crate::value::Date::from_days(t.days),
            Temporal::DateTime(t) => crate::value::Date::from_days(t.local.days),
            _ => None,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Temporal::LocalTime(_) => "LocalTime",
            Temporal::Time(_) => "Time",
            Temporal::LocalDateTime(_) => "LocalDateTime",
            Temporal::DateTime(_) => "DateTime",
            Temporal::Duration(_) => "Duration",
        }
    }
}

impl Time {
    /// Nanoseconds since midnight UTC (may fall outside one day): the order of times.
    pub fn utc_nanos(&self) -> i64 {
        self.nanos as i64 - self.offset as i64 * NANOS_PER_SECOND
    }
}

impl LocalDateTime {
    pub fn from_parts(days: i64, nanos: u64) -> LocalDateTime {
        LocalDateTime { days, nanos }
    }

    /// Seconds since the epoch, reading this local time as UTC.
    pub fn epoch_seconds(&self) -> i64 {
        self.days * 86_400 + (self.nanos / NANOS_PER_SECOND as u64) as i64
    }

    /// Total nanoseconds since the epoch, as UTC (i128: ±999,999,999 years fit).
    pub fn epoch_nanos(&self) -> i128 {
        self.days as i128 * NANOS_PER_DAY as i128 + self.nanos as i128
    }

    pub fn from_epoch_nanos(n: i128) -> Option<LocalDateTime> {
        let day = NANOS_PER_DAY as i128;
        let days = i64::try_from(n.div_euclid(day)).ok()?;
        Some(LocalDateTime {
            days,
            nanos: n.rem_euclid(day) as u64,
        })
    }
}

impl DateTime {
    /// The instant, as nanoseconds since the epoch in UTC.
    pub fn instant_nanos(&self) -> i128 {
        self.local.epoch_nanos() - self.offset as i128 * NANOS_PER_SECOND as i128
    }

    /// A date-time at a fixed offset.
    pub fn fixed(local: LocalDateTime, offset: i32) -> DateTime {
        DateTime {
            local,
            offset,
            zone: None,
        }
    }

    /// The local date-time in `zone` whose wall clock reads `local`; a
    /// wall-clock time skipped by a transition moves forward by the gap, one
    /// that occurs twice takes the earlier offset (as java.time does).
    pub fn in_zone_local(local: LocalDateTime, zone: &TimeZoneArg) -> Result<DateTime, Error> {
        match zone {
            TimeZoneArg::Offset(o) => Ok(DateTime::fixed(local, *o)),
            TimeZoneArg::Named(name) => {
                let (local, offset) = zone::resolve_local(name, local)?;
                Ok(DateTime {
                    local,
                    offset,
                    zone: Some(name.clone()),
                })
            }
        }
    }

    /// The same instant seen in `zone`.
    pub fn at_instant(instant: i128, zone: &TimeZoneArg) -> Result<DateTime, Error> {
        let offset = match zone {
            TimeZoneArg::Offset(o) => *o,
            TimeZoneArg::Named(name) => zone::offset_at(name, instant)?,
        };
        let local = LocalDateTime::from_epoch_nanos(instant + offset as i128 * 1_000_000_000)
            .filter(|l| calendar::year_in_range(calendar::civil_from_days(l.days).0))
            .ok_or_else(|| out_of_range("date-time"))?;
        Ok(DateTime {
            local,
            offset,
            zone: match zone {
                TimeZoneArg::Named(n) => Some(n.clone()),
                TimeZoneArg::Offset(_) => None,
            },
        })
    }

    pub fn zone_arg(&self) -> TimeZoneArg {
        match &self.zone {
            Some(n) => TimeZoneArg::Named(n.clone()),
            None => TimeZoneArg::Offset(self.offset),
        }
    }
}

/// A `timezone` as written: a fixed offset or a tz database name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeZoneArg {
    Offset(i32),
    Named(String),
}

impl TimeZoneArg {
    /// Parses `Z`, `+01:00`, `+0100`, `-02`, `+02:05:59` or a zone name
    /// (checked against the tz database).
    pub fn parse(s: &str) -> Result<TimeZoneArg, Error> {
        if let Some(o) = parse::offset(s) {
            return Ok(TimeZoneArg::Offset(o));
        }
        zone::check_name(s)?;
        Ok(TimeZoneArg::Named(zone::canonical_name(s)))
    }
}

/// A bad temporal string or map: an `ArgumentError`, as other bad arguments.
pub fn invalid(msg: impl Into<String>) -> Error {
    Error::runtime(ErrorKind::ArgumentError, "InvalidArgumentValue", msg)
}

pub fn out_of_range(what: &str) -> Error {
    Error::runtime(
        ErrorKind::ArgumentError,
        "NumberOutOfRange",
        format!("the {what} is out of the supported range"),
    )
}

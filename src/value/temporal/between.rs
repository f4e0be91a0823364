//! `duration.between(a, b)` and `duration.inMonths/inDays/inSeconds`, as
//! java.time's `until` counts: whole months, then whole days, then the rest
//! in nanoseconds. When either value has no date only times of day are
//! compared; a local value met with a zoned one is read in that zone; two
//! zoned values are compared in the first one's zone. A partial date counts
//! from the first day of its span.

use super::arith::plus_months_days;
use super::calendar::civil_from_days;
use super::{DateTime, Duration, LocalDateTime, Temporal, TimeZoneArg, NANOS_PER_SECOND};
use crate::error::Error;
use crate::value::Value;

/// One side: its local date-time (if it has a date), its time of day, and zone.
struct Side {
    days: Option<i64>,
    nanos: u64,
    zone: Option<TimeZoneArg>,
}

fn side(v: &Value) -> Option<Side> {
    Some(match v {
        Value::Date(d) => Side {
            days: Some(d.first_day()),
            nanos: 0,
            zone: None,
        },
        Value::Temporal(Temporal::LocalTime(t)) => Side {
            days: None,
            nanos: t.nanos,
            zone: None,
        },
        Value::Temporal(Temporal::Time(t)) => Side {
            days: None,
            nanos: t.nanos,
            zone: Some(TimeZoneArg::Offset(t.offset)),
        },
        Value::Temporal(Temporal::LocalDateTime(t)) => Side {
            days: Some(t.days),
            nanos: t.nanos,
            zone: None,
        },
        Value::Temporal(Temporal::DateTime(t)) => Side {
            days: Some(t.local.days),
            nanos: t.local.nanos,
            zone: Some(t.zone_arg()),
        },
        _ => return None,
    })
}

/// What to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    All,
    Months,
    Days,
    Seconds,
}

/// `None` when either side is not a temporal instant (the caller's type error).
pub fn between(a: &Value, b: &Value, unit: Unit) -> Option<Result<Duration, Error>> {
    let (x, y) = (side(a)?, side(b)?);
    Some(compute(x, y, unit))
}

fn compute(x: Side, y: Side, unit: Unit) -> Result<Duration, Error> {
    let (Some(xd), Some(yd)) = (x.days, y.days) else {
        if matches!(unit, Unit::Months | Unit::Days) {
            return Ok(Duration::default());
        }
        // Times of day: the side without a date takes the other's day, the
        // side without a zone the other's zone (local times stay local).
        let day = x.days.or(y.days).unwrap_or(0);
        let at = |s: &Side, other: &Side| -> Result<i128, Error> {
            let local = LocalDateTime {
                days: s.days.unwrap_or(day),
                nanos: s.nanos,
            };
            match s.zone.as_ref().or(other.zone.as_ref()) {
                None => Ok(local.epoch_nanos()),
                Some(TimeZoneArg::Offset(o)) if s.days.is_none() => {
                    Ok(local.epoch_nanos() - *o as i128 * NANOS_PER_SECOND as i128)
                }
                Some(z) => Ok(DateTime::in_zone_local(local, z)?.instant_nanos()),
            }
        };
        return Duration::new(0, 0, 0, at(&y, &x)? - at(&x, &y)?);
    };
    let xl = LocalDateTime {
        days: xd,
        nanos: x.nanos,
    };
    let yl = LocalDateTime {
        days: yd,
        nanos: y.nanos,
    };
    // Both in one zone (the first's, or the only one given), or both local.
    let zone = x.zone.clone().or_else(|| y.zone.clone());
    let (start, end) = match &zone {
        None => (None, None),
        Some(z) => {
            let start = match &x.zone {
                Some(xz) => DateTime::in_zone_local(xl, xz)?,
                None => DateTime::in_zone_local(xl, z)?,
            };
            let end = match &y.zone {
                Some(yz) => DateTime::in_zone_local(yl, yz)?,
                None => DateTime::in_zone_local(yl, z)?,
            };
            let end = DateTime::at_instant(end.instant_nanos(), z)?;
            (Some(start), Some(end))
        }
    };
    let (sl, el) = match (&start, &end) {
        (Some(s), Some(e)) => (s.local, e.local),
        _ => (xl, yl),
    };
    let instant = |l: LocalDateTime| -> Result<i128, Error> {
        match &zone {
            None => Ok(l.epoch_nanos()),
            Some(z) => Ok(DateTime::in_zone_local(l, z)?.instant_nanos()),
        }
    };
    let end_instant = match &end {
        Some(e) => e.instant_nanos(),
        None => el.epoch_nanos(),
    };
    match unit {
        Unit::Months => return Duration::new(months_until(sl, el), 0, 0, 0),
        Unit::Days => return Duration::new(0, days_until(sl, el), 0, 0),
        Unit::Seconds => return Duration::new(0, 0, 0, end_instant - instant(sl)?),
        Unit::All => {}
    }
    let months = months_until(sl, el);
    let after_months = LocalDateTime {
        days: plus_months_days(sl.days, months, 0)?,
        nanos: sl.nanos,
    };
    let days = days_until(after_months, el);
    let after_days = LocalDateTime {
        days: plus_months_days(after_months.days, 0, days)?,
        nanos: sl.nanos,
    };
    Duration::new(months, days, 0, end_instant - instant(after_days)?)
}

/// The end day, moved a day back (forward) when its time of day has not yet
/// reached the start's, as `LocalDateTime::until` does for date units.
fn end_day(s: LocalDateTime, e: LocalDateTime) -> i64 {
    if e.days > s.days && e.nanos < s.nanos {
        e.days - 1
    } else if e.days < s.days && e.nanos > s.nanos {
        e.days + 1
    } else {
        e.days
    }
}

fn months_until(s: LocalDateTime, e: LocalDateTime) -> i64 {
    let (sy, sm, sd) = civil_from_days(s.days);
    let (ey, em, ed) = civil_from_days(end_day(s, e));
    let mut months = (ey * 12 + em as i64) - (sy * 12 + sm as i64);
    let days = ed as i64 - sd as i64;
    if months > 0 && days < 0 {
        months -= 1;
    } else if months < 0 && days > 0 {
        months += 1;
    }
    months
}

fn days_until(s: LocalDateTime, e: LocalDateTime) -> i64 {
    end_day(s, e) - s.days
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::temporal::build::{from_string, Kind};

    fn d(kind: Kind, s: &str) -> Value {
        from_string(kind, s).unwrap()
    }

    #[test]
    fn calendar_then_clock() {
        let a = d(Kind::Date, "1984-10-11");
        let b = d(Kind::LocalDateTime, "2016-07-21T21:45:22.142");
        let r = between(&a, &b, Unit::All).unwrap().unwrap();
        assert_eq!(r.to_string(), "P31Y9M10DT21H45M22.142S");
        let r = between(&a, &b, Unit::Days).unwrap().unwrap();
        assert_eq!(r.to_string(), "P11606D");
    }

    #[test]
    fn across_a_daylight_saving_change() {
        let a = d(Kind::DateTime, "2017-10-28T23:00+02:00[Europe/Stockholm]");
        let b = d(Kind::DateTime, "2017-10-29T04:00+01:00[Europe/Stockholm]");
        assert_eq!(
            between(&a, &b, Unit::All).unwrap().unwrap().to_string(),
            "PT6H"
        );
        let t1 = d(Kind::Time, "14:30");
        let t2 = d(Kind::Time, "16:30+0100");
        assert_eq!(
            between(&t1, &t2, Unit::All).unwrap().unwrap().to_string(),
            "PT1H"
        );
    }
}

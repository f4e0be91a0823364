//! Temporal ± duration, as java.time adds (and Neo4j with it): months first
//! (the day clamped to the month's length), then days, then seconds and
//! nanoseconds. A date takes only the whole days of the seconds part; a time
//! only the seconds part, wrapping around midnight. In a named zone months
//! and days move the wall clock, seconds move the instant.

use super::calendar::{civil_from_days, days_from_civil, days_in_month, year_in_range};
use super::{
    invalid, out_of_range, DateTime, Duration, LocalDateTime, LocalTime, Time, TimeZoneArg,
    NANOS_PER_DAY,
};
use crate::error::Error;
use crate::value::Date;

/// `days` plus `months` months and `ddays` days.
pub fn plus_months_days(days: i64, months: i64, ddays: i64) -> Result<i64, Error> {
    let mut days = days;
    if months != 0 {
        let (y, m, d) = civil_from_days(days);
        let total = (y as i128) * 12 + (m as i128 - 1) + months as i128;
        let ny = total.div_euclid(12);
        let nm = (total.rem_euclid(12) + 1) as u32;
        let ny = i64::try_from(ny).map_err(|_| out_of_range("date"))?;
        if !year_in_range(ny) {
            return Err(out_of_range("date"));
        }
        days = days_from_civil(ny, nm, d.min(days_in_month(ny, nm)));
    }
    let days = days
        .checked_add(ddays)
        .ok_or_else(|| out_of_range("date"))?;
    let (y, _, _) = civil_from_days(days);
    if !year_in_range(y) {
        return Err(out_of_range("date"));
    }
    Ok(days)
}

/// A date plus a duration. A partial date keeps its precision and takes only
/// whole units of it (`date('2022-03') + duration('P1M')` is `2022-04`); a
/// duration finer than its precision is an error, since the result would
/// claim a day the date does not know.
pub fn date_plus(d: &Date, dur: &Duration) -> Result<Date, Error> {
    let whole_days = dur.seconds / 86_400;
    if let Some(days) = d.to_days() {
        let days = plus_months_days(days, dur.months, dur.days + whole_days)?;
        return Date::from_days(days).ok_or_else(|| out_of_range("date"));
    }
    let month_precision = d.month.is_some();
    if dur.days != 0 || whole_days != 0 || (!month_precision && dur.months % 12 != 0) {
        return Err(invalid(format!(
            "cannot add {dur} to the partial date {d}: it is only known to the {}",
            if month_precision { "month" } else { "year" }
        )));
    }
    let days = plus_months_days(d.first_day(), dur.months, 0)?;
    let (y, m, _) = civil_from_days(days);
    Ok(Date {
        year: y as i32,
        month: d.month.map(|_| m as u8),
        day: None,
    })
}

pub fn local_time_plus(t: LocalTime, dur: &Duration) -> LocalTime {
    let n = t.nanos as i128 + dur.second_nanos();
    LocalTime {
        nanos: n.rem_euclid(NANOS_PER_DAY as i128) as u64,
    }
}

pub fn time_plus(t: Time, dur: &Duration) -> Time {
    Time {
        nanos: local_time_plus(LocalTime { nanos: t.nanos }, dur).nanos,
        offset: t.offset,
    }
}

pub fn local_datetime_plus(t: LocalDateTime, dur: &Duration) -> Result<LocalDateTime, Error> {
    let days = plus_months_days(t.days, dur.months, dur.days)?;
    let moved = LocalDateTime {
        days,
        nanos: t.nanos,
    }
    .epoch_nanos()
        + dur.second_nanos();
    let r = LocalDateTime::from_epoch_nanos(moved).ok_or_else(|| out_of_range("date-time"))?;
    if !year_in_range(civil_from_days(r.days).0) {
        return Err(out_of_range("date-time"));
    }
    Ok(r)
}

pub fn datetime_plus(t: &DateTime, dur: &Duration) -> Result<DateTime, Error> {
    match &t.zone {
        None => Ok(DateTime::fixed(
            local_datetime_plus(t.local, dur)?,
            t.offset,
        )),
        Some(z) => {
            let zone = TimeZoneArg::Named(z.clone());
            let days = plus_months_days(t.local.days, dur.months, dur.days)?;
            let wall = DateTime::in_zone_local(
                LocalDateTime {
                    days,
                    nanos: t.local.nanos,
                },
                &zone,
            )?;
            DateTime::at_instant(wall.instant_nanos() + dur.second_nanos(), &zone)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_clamp_the_day() {
        let jan31 = days_from_civil(2023, 1, 31);
        assert_eq!(
            civil_from_days(plus_months_days(jan31, 1, 0).unwrap()),
            (2023, 2, 28)
        );
    }

    #[test]
    fn partial_dates_keep_precision() {
        let m = Date::parse("2022-03").unwrap();
        let p1m = super::super::duration::parse("P1M").unwrap();
        assert_eq!(date_plus(&m, &p1m).unwrap().to_string(), "2022-04");
        let y = Date::parse("2022").unwrap();
        assert!(date_plus(&y, &p1m).is_err());
        let p1y = super::super::duration::parse("P1Y").unwrap();
        assert_eq!(date_plus(&y, &p1y).unwrap().to_string(), "2023");
    }
}

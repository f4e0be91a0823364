//! openCypher durations: months, days and seconds kept apart (a month or a
//! day has no fixed length), nanoseconds in `0..1e9` beside the seconds.
//! Fractions cascade down as Neo4j does: a fraction of a month is an
//! average month (30.436875 days), of a day 86,400 seconds.

use super::{invalid, out_of_range, NANOS_PER_SECOND};
use crate::error::Error;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Duration {
    pub months: i64,
    pub days: i64,
    pub seconds: i64,
    /// Always in `0..1_000_000_000`; the sign lives in `seconds`.
    pub nanos: i32,
}

/// Seconds in an average Gregorian month (365.2425 / 12 days).
pub const AVG_SECONDS_PER_MONTH: f64 = 2_629_746.0;
const SECONDS_PER_DAY: f64 = 86_400.0;

/// A component as given: exact, or with a fraction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    fn f(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}

/// The ten units a duration map or string may name, in order.
pub const UNITS: [&str; 10] = [
    "years",
    "months",
    "weeks",
    "days",
    "hours",
    "minutes",
    "seconds",
    "milliseconds",
    "microseconds",
    "nanoseconds",
];

fn f64_to_i64(f: f64) -> Result<i64, Error> {
    if !f.is_finite() || f.abs() >= 9.2e18 {
        return Err(out_of_range("duration"));
    }
    Ok(f as i64)
}

impl Duration {
    /// Normalises seconds and nanoseconds (nanoseconds may be any size).
    pub fn new(months: i64, days: i64, seconds: i128, nanos: i128) -> Result<Duration, Error> {
        let total = seconds
            .checked_mul(NANOS_PER_SECOND as i128)
            .and_then(|s| s.checked_add(nanos))
            .ok_or_else(|| out_of_range("duration"))?;
        let ns = NANOS_PER_SECOND as i128;
        Ok(Duration {
            months,
            days,
            seconds: i64::try_from(total.div_euclid(ns)).map_err(|_| out_of_range("duration"))?,
            nanos: total.rem_euclid(ns) as i32,
        })
    }

    /// From the values of `UNITS` (absent ones zero): exact for integers,
    /// cascading fractions downwards otherwise.
    pub fn from_units(v: &[Num; 10]) -> Result<Duration, Error> {
        if v.iter().all(|n| matches!(n, Num::Int(_))) {
            let i = |k: usize| match v[k] {
                Num::Int(i) => i as i128,
                Num::Float(_) => 0,
            };
            let months = i(0) * 12 + i(1);
            let days = i(2) * 7 + i(3);
            let seconds = i(4) * 3600 + i(5) * 60 + i(6);
            let nanos = i(7) * 1_000_000 + i(8) * 1_000 + i(9);
            let months = i64::try_from(months).map_err(|_| out_of_range("duration"))?;
            let days = i64::try_from(days).map_err(|_| out_of_range("duration"))?;
            return Duration::new(months, days, seconds, nanos);
        }
        let f = |k: usize| v[k].f();
        Duration::approximate(
            f(0) * 12.0 + f(1),
            f(2) * 7.0 + f(3),
            f(4) * 3600.0 + f(5) * 60.0 + f(6),
            f(7) * 1e6 + f(8) * 1e3 + f(9),
        )
    }

    /// Whole units kept, each fraction carried to the next smaller unit.
    pub fn approximate(
        months: f64,
        days: f64,
        seconds: f64,
        nanos: f64,
    ) -> Result<Duration, Error> {
        let m = f64_to_i64(months)?;
        let days = days + (months - m as f64) * AVG_SECONDS_PER_MONTH / SECONDS_PER_DAY;
        let d = f64_to_i64(days)?;
        let seconds = seconds + (days - d as f64) * SECONDS_PER_DAY;
        let s = f64_to_i64(seconds)?;
        let nanos = nanos + (seconds - s as f64) * 1e9;
        let n = f64_to_i64(nanos.round_ties_even_compat())?;
        Duration::new(m, d, s as i128, n as i128)
    }

    pub fn is_zero(&self) -> bool {
        self.months == 0 && self.days == 0 && self.seconds == 0 && self.nanos == 0
    }

    pub fn negate(&self) -> Result<Duration, Error> {
        let neg = |x: i64| x.checked_neg().ok_or_else(|| out_of_range("duration"));
        Duration::new(
            neg(self.months)?,
            neg(self.days)?,
            -(self.seconds as i128),
            -(self.nanos as i128),
        )
    }

    pub fn add(&self, o: &Duration) -> Result<Duration, Error> {
        Duration::new(
            self.months
                .checked_add(o.months)
                .ok_or_else(|| out_of_range("duration"))?,
            self.days
                .checked_add(o.days)
                .ok_or_else(|| out_of_range("duration"))?,
            self.seconds as i128 + o.seconds as i128,
            self.nanos as i128 + o.nanos as i128,
        )
    }

    pub fn sub(&self, o: &Duration) -> Result<Duration, Error> {
        self.add(&o.negate()?)
    }

    /// `d * n`: exact for an integer, approximate (fractions cascade) otherwise.
    pub fn mul(&self, n: Num) -> Result<Duration, Error> {
        match n {
            Num::Int(i) => {
                let m = |x: i64| x.checked_mul(i).ok_or_else(|| out_of_range("duration"));
                Duration::new(
                    m(self.months)?,
                    m(self.days)?,
                    self.seconds as i128 * i as i128,
                    self.nanos as i128 * i as i128,
                )
            }
            Num::Float(f) => Duration::approximate(
                self.months as f64 * f,
                self.days as f64 * f,
                self.seconds as f64 * f,
                self.nanos as f64 * f,
            ),
        }
    }

    pub fn div(&self, n: Num) -> Result<Duration, Error> {
        let f = n.f();
        if f == 0.0 {
            return Err(crate::error::Error::runtime(
                crate::error::ErrorKind::ArgumentError,
                "DivisionByZero",
                "division of a duration by zero",
            ));
        }
        Duration::approximate(
            self.months as f64 / f,
            self.days as f64 / f,
            self.seconds as f64 / f,
            self.nanos as f64 / f,
        )
    }

    /// Total nanoseconds of the seconds part.
    pub fn second_nanos(&self) -> i128 {
        self.seconds as i128 * NANOS_PER_SECOND as i128 + self.nanos as i128
    }

    /// A component (`d.years`, `d.minutesOfHour`, …); `None` for an unknown
    /// key or a total too large for an integer.
    pub fn component(&self, key: &str) -> Option<i64> {
        // Seconds floored, nanoseconds of the second non-negative, as Neo4j reads them.
        let (s, n) = (self.seconds as i128, self.nanos as i128);
        let v: i128 = match key.to_ascii_lowercase().as_str() {
            "years" => self.months as i128 / 12,
            "quarters" => self.months as i128 / 3,
            "months" => self.months as i128,
            "weeks" => self.days as i128 / 7,
            "days" => self.days as i128,
            "hours" => s / 3600,
            "minutes" => s / 60,
            "seconds" => s,
            "milliseconds" => s * 1000 + n / 1_000_000,
            "microseconds" => s * 1_000_000 + n / 1000,
            "nanoseconds" => s * NANOS_PER_SECOND as i128 + n,
            "quartersofyear" => self.months as i128 / 3 % 4,
            "monthsofquarter" => self.months as i128 % 3,
            "monthsofyear" => self.months as i128 % 12,
            "daysofweek" => self.days as i128 % 7,
            "minutesofhour" => s / 60 % 60,
            "secondsofminute" => s % 60,
            "millisecondsofsecond" => n / 1_000_000,
            "microsecondsofsecond" => n / 1000,
            "nanosecondsofsecond" => n,
            _ => return None,
        };
        i64::try_from(v).ok()
    }
}

/// `f64::round_ties_even` under a name that says why: nanoseconds computed
/// through doubles land a hair off an integer (3.4999999 for 3.5 - 0.0000001).
trait RoundNanos {
    fn round_ties_even_compat(self) -> f64;
}

impl RoundNanos for f64 {
    fn round_ties_even_compat(self) -> f64 {
        // Truncate as Neo4j does, unless within a millionth of the next integer.
        let r = self.round();
        if (self - r).abs() < 1e-6 {
            r
        } else {
            self.trunc()
        }
    }
}

/// Parses an ISO 8601 duration: `P1Y2M3W4DT5H6M7.5S` (any unit may be
/// negative or, the smallest, fractional), or `P2012-02-02T14:37:21.545`.
pub fn parse(s: &str) -> Result<Duration, Error> {
    let bad = |at: usize, why: &str| {
        invalid(format!(
            "'{s}' is not a duration: {why} at position {}",
            at + 1
        ))
    };
    let b = s.as_bytes();
    let (neg, start) = match b.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    if !matches!(b.get(start), Some(b'P' | b'p')) {
        return Err(bad(start, "expected P"));
    }
    let body = &s[start + 1..];
    let d = if body.as_bytes().first().is_some_and(|c| c.is_ascii_digit())
        && body.contains('-')
        && body.len() >= 10
        && !body.contains(['Y', 'y', 'W', 'w', 'D', 'd'])
    {
        alternative(body).ok_or_else(|| bad(start + 1, "expected YYYY-MM-DDThh:mm:ss"))?
    } else {
        designators(body, start + 1, &bad)?
    };
    if neg {
        d.negate()
    } else {
        Ok(d)
    }
}

fn designators(
    body: &str,
    offset: usize,
    bad: &dyn Fn(usize, &str) -> Error,
) -> Result<Duration, Error> {
    let mut v = [Num::Int(0); 10];
    let b = body.as_bytes();
    let mut i = 0;
    let mut in_time = false;
    let mut any = false;
    let mut last_unit = 0usize;
    while i < b.len() {
        if matches!(b[i], b'T' | b't') {
            if in_time {
                return Err(bad(offset + i, "a second T"));
            }
            in_time = true;
            i += 1;
            continue;
        }
        let start = i;
        if matches!(b[i], b'-' | b'+') {
            i += 1;
        }
        let digits = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == digits {
            return Err(bad(offset + i, "expected a number"));
        }
        let mut frac: Option<(usize, usize)> = None;
        if i < b.len() && matches!(b[i], b'.' | b',') {
            let f0 = i + 1;
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == f0 {
                return Err(bad(offset + i, "expected digits after the point"));
            }
            frac = Some((f0, i));
        }
        let Some(&unit) = b.get(i) else {
            return Err(bad(offset + i, "expected a unit"));
        };
        let k = match (in_time, unit.to_ascii_uppercase()) {
            (false, b'Y') => 0,
            (false, b'M') => 1,
            (false, b'W') => 2,
            (false, b'D') => 3,
            (true, b'H') => 4,
            (true, b'M') => 5,
            (true, b'S') => 6,
            _ => return Err(bad(offset + i, "unexpected unit")),
        };
        if any && k <= last_unit {
            return Err(bad(offset + i, "units out of order"));
        }
        let whole: i64 = body[digits..digits + (frac.map_or(i, |f| f.0 - 1) - digits)]
            .parse()
            .map_err(|_| bad(offset + start, "number too large"))?;
        let negative = b[start] == b'-';
        let whole = if negative { -whole } else { whole };
        match frac {
            None => v[k] = Num::Int(whole),
            Some((f0, f1)) if k == 6 => {
                // Seconds: exact nanoseconds from the digits.
                let mut digits: String = body[f0..f1].chars().take(9).collect();
                while digits.len() < 9 {
                    digits.push('0');
                }
                let n: i64 = digits.parse().unwrap_or(0);
                v[6] = Num::Int(whole);
                v[9] = Num::Int(if negative { -n } else { n });
            }
            Some(_) => {
                let text = &body[start..i].replace(',', ".");
                let f: f64 = text
                    .parse()
                    .map_err(|_| bad(offset + start, "bad number"))?;
                v[k] = Num::Float(f);
            }
        }
        any = true;
        last_unit = k;
        i += 1;
    }
    if !any {
        return Err(bad(offset + b.len(), "no components"));
    }
    Duration::from_units(&v)
}

/// `YYYY-MM-DDThh:mm:ss[.f]` as a duration of that many of each unit.
fn alternative(body: &str) -> Option<Duration> {
    let (date, time) = match body.split_once(['T', 't']) {
        Some((d, t)) => (d, Some(t)),
        None => (body, None),
    };
    let mut dp = date.split('-');
    let y: i64 = dp.next()?.parse().ok()?;
    let m: i64 = dp.next()?.parse().ok()?;
    let d: i64 = dp.next()?.parse().ok()?;
    let mut v = [Num::Int(0); 10];
    v[0] = Num::Int(y);
    v[1] = Num::Int(m);
    v[3] = Num::Int(d);
    if let Some(t) = time {
        let lt = super::parse::local_time(t).ok()?;
        v[9] = Num::Int(lt.nanos as i64);
    }
    Duration::from_units(&v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Num)]) -> Duration {
        let mut v = [Num::Int(0); 10];
        for (k, n) in pairs {
            v[UNITS.iter().position(|u| u == k).unwrap()] = *n;
        }
        Duration::from_units(&v).unwrap()
    }

    #[test]
    fn fractions_cascade() {
        assert_eq!(
            map(&[("months", Num::Float(0.75))]).to_string(),
            "P22DT19H51M49.5S"
        );
        assert_eq!(map(&[("weeks", Num::Float(2.5))]).to_string(), "P17DT12H");
        assert_eq!(
            map(&[("minutes", Num::Float(1.5)), ("seconds", Num::Int(1))]).to_string(),
            "PT1M31S"
        );
    }

    #[test]
    fn strings_round_trip() {
        for s in [
            "P14DT16H12M",
            "P12Y5M-14DT16H",
            "PT11M",
            "PT1.999S",
            "PT-1.999S",
            "PT-2.001S",
            "P1DT-0.001S",
            "PT-1M-0.001S",
            "PT0S",
        ] {
            assert_eq!(parse(s).unwrap().to_string(), s);
        }
        assert_eq!(parse("P5M1.5D").unwrap().to_string(), "P5M1DT12H");
        assert_eq!(parse("PT0.75M").unwrap().to_string(), "PT45S");
        assert_eq!(
            parse("P2012-02-02T14:37:21.545").unwrap().to_string(),
            "P2012Y2M2DT14H37M21.545S"
        );
        for bad in ["", "P", "PT", "P1", "P1X", "PT1D", "P1M1Y", "Q1D", "P--1D"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn components() {
        let d = parse("P1Y4M10DT1H1M1.111111111S").unwrap();
        assert_eq!(d.component("quarters"), Some(5));
        assert_eq!(d.component("minutes"), Some(61));
        assert_eq!(d.component("daysOfWeek"), Some(3));
        assert_eq!(d.component("nanosecondsOfSecond"), Some(111_111_111));
    }
}

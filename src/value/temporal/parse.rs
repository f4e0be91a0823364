//! Temporal values from ISO 8601 text, in the extended (`2015-07-21`,
//! `21:40:32.142`) and basic (`20150721`, `214032.142`) forms, with week
//! (`2015-W30-2`) and ordinal (`2015-202`) dates, offsets (`Z`, `+01:00`,
//! `-0130`, `+02`) and zone names (`…[Europe/Stockholm]`). Errors name the
//! position (1-based) of the first character that does not fit.

use super::calendar::{self, days_in_month, week_one, weeks_in_year, year_in_range};
use super::{invalid, DateTime, LocalDateTime, LocalTime, Time, TimeZoneArg, NANOS_PER_SECOND};
use crate::error::Error;
use crate::value::Date;

struct Cursor<'a> {
    s: &'a str,
    b: &'a [u8],
    at: usize,
    what: &'static str,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str, what: &'static str) -> Cursor<'a> {
        Cursor {
            s,
            b: s.as_bytes(),
            at: 0,
            what,
        }
    }

    fn err(&self, why: &str) -> Error {
        invalid(format!(
            "'{}' is not a {}: {why} at position {}",
            self.s,
            self.what,
            self.at + 1
        ))
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.at).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn digits_ahead(&self) -> usize {
        self.b[self.at..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    }

    /// Exactly `n` digits.
    fn num(&mut self, n: usize, name: &str) -> Result<i64, Error> {
        if self.digits_ahead() < n {
            return Err(self.err(&format!("expected {n} digits of {name}")));
        }
        let v = self.s[self.at..self.at + n].parse().unwrap_or(0);
        self.at += n;
        Ok(v)
    }

    fn done(&self) -> bool {
        self.at == self.b.len()
    }

    fn end(&self) -> Result<(), Error> {
        if self.done() {
            Ok(())
        } else {
            Err(self.err("unexpected text"))
        }
    }

    fn range(&self, v: i64, lo: i64, hi: i64, name: &str, start: usize) -> Result<u32, Error> {
        if v < lo || v > hi {
            let c = Cursor { at: start, ..*self };
            return Err(c.err(&format!("{name} {v} is not in {lo}..{hi}")));
        }
        Ok(v as u32)
    }
}

/// A date: `YYYY` and `YYYY-MM` (`YYYYMM`) are partial dates of year and
/// month precision, as the domain writes them; every other form is a full date.
pub fn date(s: &str) -> Result<Date, Error> {
    let mut c = Cursor::new(s.trim(), "date");
    let d = date_at(&mut c)?;
    c.end()?;
    Ok(d)
}

fn date_at(c: &mut Cursor<'_>) -> Result<Date, Error> {
    let year = match c.peek() {
        Some(sign @ (b'+' | b'-')) => {
            c.at += 1;
            let n = c.digits_ahead();
            if !(4..=9).contains(&n) {
                return Err(c.err("expected a year of 4 to 9 digits"));
            }
            let y = c.num(n, "the year")?;
            if sign == b'-' {
                -y
            } else {
                y
            }
        }
        _ => c.num(4, "the year")?,
    };
    if !year_in_range(year) {
        return Err(c.err("year out of range"));
    }
    let year32 = year as i32;
    let dashed = c.eat(b'-');
    match c.peek() {
        None | Some(b'T' | b't') if !dashed => Ok(Date::year_only(year32)),
        Some(b'W' | b'w') => {
            c.at += 1;
            let at = c.at;
            let week = c.num(2, "the week")?;
            let week = c.range(week, 1, weeks_in_year(year) as i64, "week", at)?;
            let mut dow = 1;
            let dashed_day = c.eat(b'-');
            if dashed_day || c.peek().is_some_and(|b| b.is_ascii_digit()) {
                let at = c.at;
                dow = c.range(c.peek_num(1)?, 1, 7, "day of week", at)?;
                c.at += 1;
            }
            let days = week_one(year) + (week as i64 - 1) * 7 + dow as i64 - 1;
            Date::from_days(days).ok_or_else(|| c.err("out of range"))
        }
        _ => {
            let n = c.digits_ahead();
            let at = c.at;
            // Three digits: an ordinal day (`2015-202`, `2015202`).
            if n == 3 {
                let ord = c.num(3, "the day of the year")?;
                let max = if calendar::is_leap(year) { 366 } else { 365 };
                let ord = c.range(ord, 1, max, "day of year", at)?;
                return Date::from_days(calendar::days_from_civil(year, 1, 1) + ord as i64 - 1)
                    .ok_or_else(|| c.err("out of range"));
            }
            let month = c.num(2, "the month")?;
            let month = c.range(month, 1, 12, "month", at)? as u8;
            if dashed && !c.eat(b'-') {
                if c.done() || matches!(c.peek(), Some(b'T' | b't')) {
                    return Ok(Date {
                        year: year32,
                        month: Some(month),
                        day: None,
                    });
                }
                return Err(c.err("expected '-'"));
            }
            if !dashed && (c.done() || matches!(c.peek(), Some(b'T' | b't'))) {
                return Ok(Date {
                    year: year32,
                    month: Some(month),
                    day: None,
                });
            }
            let at = c.at;
            let day = c.num(2, "the day")?;
            let day = c.range(day, 1, days_in_month(year, month as u32) as i64, "day", at)?;
            Ok(Date::full(year32, month, day as u8))
        }
    }
}

impl Cursor<'_> {
    fn peek_num(&self, n: usize) -> Result<i64, Error> {
        if self.digits_ahead() < n {
            return Err(self.err("expected a digit"));
        }
        Ok(self.s[self.at..self.at + n].parse().unwrap_or(0))
    }
}

/// `HH[:MM[:SS[.f]]]` or `HH[MM[SS[.f]]]`.
pub fn local_time(s: &str) -> Result<LocalTime, Error> {
    let mut c = Cursor::new(s.trim(), "time");
    let t = time_at(&mut c)?;
    c.end()?;
    Ok(t)
}

fn time_at(c: &mut Cursor<'_>) -> Result<LocalTime, Error> {
    let at = c.at;
    let h = c.num(2, "the hour")?;
    let h = c.range(h, 0, 23, "hour", at)? as u64;
    let (mut m, mut sec, mut n) = (0u64, 0u64, 0u64);
    let colon = c.eat(b':');
    if colon || c.digits_ahead() >= 2 {
        let at = c.at;
        m = c.num(2, "the minute")? as u64;
        c.range(m as i64, 0, 59, "minute", at)?;
        let more = if colon {
            c.eat(b':')
        } else {
            c.digits_ahead() >= 2
        };
        if more {
            let at = c.at;
            sec = c.num(2, "the second")? as u64;
            c.range(sec as i64, 0, 59, "second", at)?;
            if c.eat(b'.') || c.eat(b',') {
                let k = c.digits_ahead();
                if k == 0 || k > 9 {
                    return Err(c.err("expected 1 to 9 digits of fraction"));
                }
                let digits = &c.s[c.at..c.at + k];
                n = digits.parse::<u64>().unwrap_or(0) * 10u64.pow(9 - k as u32);
                c.at += k;
            }
        }
    }
    Ok(LocalTime {
        nanos: ((h * 60 + m) * 60 + sec) * NANOS_PER_SECOND as u64 + n,
    })
}

/// `Z`, `±HH`, `±HHMM`, `±HH:MM`, `±HH:MM:SS`, `±HHMMSS`, within ±18:00.
pub fn offset(s: &str) -> Option<i32> {
    let mut c = Cursor::new(s, "offset");
    let o = offset_at(&mut c).ok()?;
    c.done().then_some(o)
}

fn offset_at(c: &mut Cursor<'_>) -> Result<i32, Error> {
    if c.eat(b'Z') || c.eat(b'z') {
        return Ok(0);
    }
    let sign = match c.peek() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Err(c.err("expected an offset")),
    };
    c.at += 1;
    let h = c.num(2, "the offset hours")?;
    let mut m = 0;
    let mut s = 0;
    let colon = c.eat(b':');
    if colon || c.digits_ahead() >= 2 {
        m = c.num(2, "the offset minutes")?;
        let more = if colon {
            c.eat(b':')
        } else {
            c.digits_ahead() >= 2
        };
        if more {
            s = c.num(2, "the offset seconds")?;
        }
    }
    if m > 59 || s > 59 || h * 3600 + m * 60 + s > 18 * 3600 {
        return Err(c.err("offset out of range"));
    }
    Ok(sign * (h * 3600 + m * 60 + s) as i32)
}

/// A time with an offset; none given reads as UTC.
pub fn time(s: &str) -> Result<Time, Error> {
    let mut c = Cursor::new(s.trim(), "time");
    let t = time_at(&mut c)?;
    let offset = if c.done() { 0 } else { offset_at(&mut c)? };
    c.end()?;
    Ok(Time {
        nanos: t.nanos,
        offset,
    })
}

/// `date[Ttime]`; a partial date part stands for its first day.
pub fn local_datetime(s: &str) -> Result<LocalDateTime, Error> {
    let mut c = Cursor::new(s.trim(), "local date-time");
    let d = date_at(&mut c)?;
    let days = d.first_day();
    let mut nanos = 0;
    if c.eat(b'T') || c.eat(b't') {
        nanos = time_at(&mut c)?.nanos;
    }
    c.end()?;
    Ok(LocalDateTime { days, nanos })
}

/// `date[Ttime][offset][[zone]]`: a zone name decides the offset; with
/// neither, the time is UTC.
pub fn datetime(s: &str) -> Result<DateTime, Error> {
    let mut c = Cursor::new(s.trim(), "date-time");
    let d = date_at(&mut c)?;
    let days = d.first_day();
    let mut nanos = 0;
    if c.eat(b'T') || c.eat(b't') {
        nanos = time_at(&mut c)?.nanos;
    }
    let offset = match c.peek() {
        Some(b'Z' | b'z' | b'+' | b'-') => Some(offset_at(&mut c)?),
        _ => None,
    };
    let mut zone = None;
    if c.eat(b'[') {
        let rest = &c.s[c.at..];
        let Some(close) = rest.find(']') else {
            return Err(c.err("expected ']'"));
        };
        zone = Some(rest[..close].to_string());
        c.at += close + 1;
    }
    c.end()?;
    let local = LocalDateTime { days, nanos };
    match (zone, offset) {
        (Some(z), offset) => {
            let tz = TimeZoneArg::parse(&z)?;
            match (tz, offset) {
                // `…+01:00[Europe/Stockholm]`: the instant the offset names, in the zone.
                (TimeZoneArg::Named(n), Some(o)) => {
                    let instant = local.epoch_nanos() - o as i128 * NANOS_PER_SECOND as i128;
                    DateTime::at_instant(instant, &TimeZoneArg::Named(n))
                }
                (tz, _) => DateTime::in_zone_local(local, &tz),
            }
        }
        (None, o) => Ok(DateTime::fixed(local, o.unwrap_or(0))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_form() {
        for (s, want) in [
            ("2015-07-21", "2015-07-21"),
            ("20150721", "2015-07-21"),
            ("2015-W30-2", "2015-07-21"),
            ("2015W302", "2015-07-21"),
            ("2015-W30", "2015-07-20"),
            ("2015W30", "2015-07-20"),
            ("2015-202", "2015-07-21"),
            ("2015202", "2015-07-21"),
            ("2015-07", "2015-07"),
            ("2015", "2015"),
            ("+999999999-12-31", "+999999999-12-31"),
            ("-0044-03-15", "-0044-03-15"),
        ] {
            assert_eq!(date(s).unwrap().to_string(), want, "{s}");
        }
        for bad in [
            "2015-13-01",
            "2015-02-30",
            "15",
            "2015-W54",
            "2015-07-21x",
            "",
        ] {
            assert!(date(bad).is_err(), "{bad}");
        }
        let e = date("2015-13-01").unwrap_err().to_string();
        assert!(e.contains("position 6"), "{e}");
    }

    #[test]
    fn times_and_offsets() {
        assert_eq!(
            local_time("214032.142").unwrap().to_string(),
            "21:40:32.142"
        );
        assert_eq!(local_time("21").unwrap().to_string(), "21:00");
        assert_eq!(time("2140-00:00").unwrap().to_string(), "21:40Z");
        assert_eq!(time("2140-02").unwrap().to_string(), "21:40-02:00");
        assert_eq!(time("22+18:00").unwrap().to_string(), "22:00+18:00");
        assert!(time("22+19:00").is_err());
        assert!(local_time("24:00").is_err());
        assert_eq!(offset("+02:05:59"), Some(7559));
    }

    /// Any text gives a value or an error, never a panic.
    #[test]
    fn arbitrary_text_never_panics() {
        let alphabet: Vec<char> = "0123456789-+:.,TWZPYMDHSz[]/é ".chars().collect();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let len = (seed >> 59) as usize;
            let s: String = (0..len)
                .map(|i| alphabet[((seed >> (i * 3 % 56)) as usize) % alphabet.len()])
                .collect();
            let _ = date(&s);
            let _ = local_time(&s);
            let _ = time(&s);
            let _ = local_datetime(&s);
            let _ = datetime(&s);
            let _ = super::super::duration::parse(&s);
        }
        for s in [
            "+999999999-12-31T23:59:59.999999999+18:00",
            "-999999999-01-01T00:00-18:00",
            "P9223372036854775807Y",
            "PT9223372036854775807H",
            "P-9223372036854775808M",
            "PT0.9999999999S",
            "9999-12-31T23:59[Europe/Stockholm]",
        ] {
            let _ = datetime(s);
            let _ = super::super::duration::parse(s);
        }
    }

    #[test]
    fn datetimes() {
        assert_eq!(
            local_datetime("2015T214032").unwrap().to_string(),
            "2015-01-01T21:40:32"
        );
        assert_eq!(
            datetime("2015-07-21T21:40:32.142[Europe/London]")
                .unwrap()
                .to_string(),
            "2015-07-21T21:40:32.142+01:00[Europe/London]"
        );
        assert_eq!(
            datetime("1818-07-21T21:40:32.142[Europe/Stockholm]")
                .unwrap()
                .to_string(),
            "1818-07-21T21:40:32.142+00:53:28[Europe/Stockholm]"
        );
        assert!(datetime("2015-07-21T21:40[Nowhere/City]").is_err());
    }
}

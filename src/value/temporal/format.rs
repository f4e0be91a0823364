//! ISO 8601 text of temporal values, as openCypher prints them (java.time's
//! forms): `12:31:14.645`, `12:00+01:00`, `1984-10-11T12:00Z`,
//! `…+01:00[Europe/Stockholm]`, `P1Y2M3DT4H5M6.7S`.

use super::{calendar, DateTime, Duration, LocalDateTime, LocalTime, Temporal, Time};
use std::fmt::{self, Write};

/// A year as java.time prints it: four digits at least, `+` above 9999.
pub fn write_year(f: &mut impl Write, y: i64) -> fmt::Result {
    if y > 9999 {
        write!(f, "+{y}")
    } else if y < 0 {
        write!(f, "-{:04}", -y)
    } else {
        write!(f, "{y:04}")
    }
}

/// `HH:MM`, then `:SS` and a fraction in groups of three digits when not zero.
pub fn write_time(f: &mut impl Write, nanos: u64) -> fmt::Result {
    let h = nanos / 3_600_000_000_000;
    let m = nanos / 60_000_000_000 % 60;
    let s = nanos / 1_000_000_000 % 60;
    let n = nanos % 1_000_000_000;
    write!(f, "{h:02}:{m:02}")?;
    if s != 0 || n != 0 {
        write!(f, ":{s:02}")?;
        if n != 0 {
            if n.is_multiple_of(1_000_000) {
                write!(f, ".{:03}", n / 1_000_000)?;
            } else if n.is_multiple_of(1000) {
                write!(f, ".{:06}", n / 1000)?;
            } else {
                write!(f, ".{n:09}")?;
            }
        }
    }
    Ok(())
}

/// `Z` for UTC, else `+HH:MM` (`+HH:MM:SS` when seconds are set).
pub fn offset_text(secs: i32) -> String {
    if secs == 0 {
        return "Z".into();
    }
    offset_numeric(secs)
}

/// `+HH:MM[:SS]`, also for zero (`+00:00`).
pub fn offset_numeric(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    let (h, m, s) = (a / 3600, a / 60 % 60, a % 60);
    if s == 0 {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}:{m:02}:{s:02}")
    }
}

pub fn write_date(f: &mut impl Write, days: i64) -> fmt::Result {
    let (y, m, d) = calendar::civil_from_days(days);
    write_year(f, y)?;
    write!(f, "-{m:02}-{d:02}")
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_time(f, self.nanos)
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_time(f, self.nanos)?;
        f.write_str(&offset_text(self.offset))
    }
}

impl fmt::Display for LocalDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_date(f, self.days)?;
        f.write_char('T')?;
        write_time(f, self.nanos)
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.local, offset_text(self.offset))?;
        if let Some(z) = &self.zone {
            write!(f, "[{z}]")?;
        }
        Ok(())
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("PT0S");
        }
        f.write_char('P')?;
        let (y, mo) = (self.months / 12, self.months % 12);
        if y != 0 {
            write!(f, "{y}Y")?;
        }
        if mo != 0 {
            write!(f, "{mo}M")?;
        }
        if self.days != 0 {
            write!(f, "{}D", self.days)?;
        }
        if self.seconds != 0 || self.nanos != 0 {
            f.write_char('T')?;
            let negative = self.seconds < 0;
            let (s, n) = if negative && self.nanos > 0 {
                (self.seconds + 1, 1_000_000_000 - self.nanos as i64)
            } else {
                (self.seconds, self.nanos as i64)
            };
            let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
            if h != 0 {
                write!(f, "{h}H")?;
            }
            if m != 0 {
                write!(f, "{m}M")?;
            }
            if sec != 0 || n != 0 {
                if sec == 0 && negative {
                    f.write_char('-')?;
                }
                write!(f, "{sec}")?;
                if n != 0 {
                    let digits = format!("{n:09}");
                    write!(f, ".{}", digits.trim_end_matches('0'))?;
                }
                f.write_char('S')?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Temporal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Temporal::LocalTime(t) => t.fmt(f),
            Temporal::Time(t) => t.fmt(f),
            Temporal::LocalDateTime(t) => t.fmt(f),
            Temporal::DateTime(t) => t.fmt(f),
            Temporal::Duration(d) => d.fmt(f),
        }
    }
}

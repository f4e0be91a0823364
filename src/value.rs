//! The values a query computes with and a record stores.
//!
//! Nodes, relationships and paths are carried by id only: a row stays cheap to
//! copy, and whatever is printed is resolved against the store at the end of a
//! statement (see `result::Entities`).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

pub mod temporal;

pub use temporal::Temporal;

pub type NodeId = u64;
pub type RelId = u64;

/// A calendar date of year, month or day precision (`2022`, `2022-03`, `2022-03-01`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Date {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

/// An uncertain number known to lie between two bounds (`60–70%` is `0.6..0.7`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub lo: f64,
    pub hi: f64,
}

/// A path as alternating nodes and relationships: `nodes.len() == rels.len() + 1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Path {
    pub nodes: Vec<NodeId>,
    pub rels: Vec<RelId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Date(Date),
    /// Times, date-times and durations (dates are `Date`).
    Temporal(Temporal),
    Estimate(Estimate),
    List(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Node(NodeId),
    Rel(RelId),
    /// Boxed: paths are rare, and every other value is smaller for it.
    Path(Box<Path>),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether the value may be stored as a property (no entities, no nulls in lists).
    pub fn is_storable(&self) -> bool {
        match self {
            Value::Node(_) | Value::Rel(_) | Value::Path(_) | Value::Map(_) | Value::Null => false,
            Value::List(items) => items
                .iter()
                .all(|v| !matches!(v, Value::List(_)) && v.is_storable()),
            _ => true,
        }
    }

    /// The openCypher type name, used in error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "Null",
            Value::Bool(_) => "Boolean",
            Value::Int(_) => "Integer",
            Value::Float(_) => "Float",
            Value::String(_) => "String",
            Value::Date(_) => "Date",
            Value::Temporal(t) => t.type_name(),
            Value::Estimate(_) => "Estimate",
            Value::List(_) => "List",
            Value::Map(_) => "Map",
            Value::Node(_) => "Node",
            Value::Rel(_) => "Relationship",
            Value::Path(_) => "Path",
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }
}

impl Date {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, checking that the day exists
    /// (the domain's forms; `date()` also reads ISO week and ordinal dates,
    /// see `temporal::parse::date`).
    pub fn parse(s: &str) -> Option<Date> {
        let s = s.trim();
        let mut parts = s.split('-');
        let y = parts.next()?;
        if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let month = match parts.next() {
            None => None,
            Some(m) if m.len() == 2 && m.bytes().all(|b| b.is_ascii_digit()) => {
                let m: u8 = m.parse().ok()?;
                if !(1..=12).contains(&m) {
                    return None;
                }
                Some(m)
            }
            Some(_) => return None,
        };
        let day = match parts.next() {
            None => None,
            Some(d) if d.len() == 2 && d.bytes().all(|b| b.is_ascii_digit()) => {
                let d: u8 = d.parse().ok()?;
                if d < 1 || d > days_in_month(year, month?) {
                    return None;
                }
                Some(d)
            }
            Some(_) => return None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(Date { year, month, day })
    }

    pub fn year_only(year: i32) -> Date {
        Date {
            year,
            month: None,
            day: None,
        }
    }

    /// Compares two dates, or `None` when their precisions leave the order open
    /// (`2022` against `2022-03`).
    pub fn partial_cmp_dates(&self, other: &Date) -> Option<std::cmp::Ordering> {
        use std::cmp::Ordering::*;
        match self.year.cmp(&other.year) {
            Equal => {}
            o => return Some(o),
        }
        match (self.month, other.month) {
            (None, None) => return Some(Equal),
            (Some(a), Some(b)) if a != b => return Some(a.cmp(&b)),
            (Some(_), Some(_)) => {}
            _ => return None,
        }
        match (self.day, other.day) {
            (None, None) => Some(Equal),
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            _ => None,
        }
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 {
                29
            } else {
                28
            }
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        temporal::format::write_year(f, self.year as i64)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
            if let Some(d) = self.day {
                write!(f, "-{d:02}")?;
            }
        }
        Ok(())
    }
}

impl Estimate {
    /// Parses `lo..hi` (CSV notation); `lo <= hi` is required.
    pub fn parse(s: &str) -> Option<Estimate> {
        let s = s.trim();
        // Not `split_once("..")`: its substring searcher costs more to set
        // up than the field takes to scan, and a load tries every field.
        let at = s.as_bytes().windows(2).position(|w| w == b"..")?;
        let (a, b) = (&s[..at], &s[at + 2..]);
        let lo: f64 = a.trim().parse().ok()?;
        let hi: f64 = b.trim().parse().ok()?;
        if lo.is_nan() || hi.is_nan() || lo > hi {
            return None;
        }
        Some(Estimate { lo, hi })
    }
}

/// Formats a float as Cypher does: always with a decimal point or exponent.
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else if f == f.trunc() && f.abs() < 1e16 {
        format!("{f:.1}")
    } else {
        let s = format!("{f}");
        if s.contains('.') || s.contains('e') {
            s
        } else {
            format!("{s}.0")
        }
    }
}

impl fmt::Display for Estimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "estimate({}, {})",
            format_float(self.lo),
            format_float(self.hi)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_with_precision() {
        assert_eq!(Date::parse("2022"), Some(Date::year_only(2022)));
        assert_eq!(
            Date::parse("2022-03").unwrap().to_string(),
            "2022-03".to_string()
        );
        assert_eq!(Date::parse("2024-02-29").unwrap().day, Some(29));
        assert_eq!(Date::parse("2023-02-29"), None);
        assert_eq!(Date::parse("2022-13"), None);
        assert_eq!(Date::parse("22"), None);
    }

    #[test]
    fn partial_dates_compare_only_where_precision_decides() {
        let y = Date::parse("2022").unwrap();
        let m = Date::parse("2022-03").unwrap();
        let d = Date::parse("2021-12-31").unwrap();
        assert_eq!(y.partial_cmp_dates(&m), None);
        assert_eq!(d.partial_cmp_dates(&m), Some(std::cmp::Ordering::Less));
    }

    #[test]
    fn estimates_parse() {
        assert_eq!(
            Estimate::parse("0.6..0.7"),
            Some(Estimate { lo: 0.6, hi: 0.7 })
        );
        assert_eq!(Estimate::parse("0.7..0.6"), None);
        assert_eq!(
            Estimate::parse(" 1 .. 2 "),
            Some(Estimate { lo: 1.0, hi: 2.0 })
        );
        for bad in ["0.6", "0.6.0.7", "..", "1..2..3", "1...2", "é..1"] {
            assert_eq!(Estimate::parse(bad), None, "{bad}");
        }
    }

    /// Temporal values are boxed where large so that every row stays cheap.
    #[test]
    fn values_stay_small() {
        assert!(
            std::mem::size_of::<Value>() <= 32,
            "{}",
            std::mem::size_of::<Value>()
        );
        assert!(std::mem::size_of::<Temporal>() <= 24);
    }

    #[test]
    fn floats_keep_a_decimal_point() {
        assert_eq!(format_float(1.0), "1.0");
        assert_eq!(format_float(0.25), "0.25");
        assert_eq!(format_float(1e20), "100000000000000000000.0");
        assert_eq!(format_float(f64::NAN), "NaN");
    }
}

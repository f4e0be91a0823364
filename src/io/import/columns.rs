//! CSV header parsing and per-column typing:
//! `name:int|float|bool|string|date|string[]` and the temporal
//! `localtime|time|localdatetime|datetime|duration` annotations, otherwise a
//! type inferred from every value of the column (temporal values are never
//! inferred: `2022` stays a number unless the header says `:date`).

use crate::value::temporal::{duration, parse, Temporal};
use crate::value::{Estimate, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Int,
    Float,
    Bool,
    String,
    Date,
    StringList,
    LocalTime,
    Time,
    LocalDateTime,
    DateTime,
    Duration,
    /// Inferred only: numbers with at least one `lo..hi` estimate.
    Estimate,
}

impl ColType {
    fn parse(s: &str) -> Option<ColType> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "int" | "integer" | "long" => ColType::Int,
            "float" | "double" => ColType::Float,
            "bool" | "boolean" => ColType::Bool,
            "string" | "str" => ColType::String,
            "date" => ColType::Date,
            "string[]" | "str[]" => ColType::StringList,
            "localtime" => ColType::LocalTime,
            "time" => ColType::Time,
            "localdatetime" => ColType::LocalDateTime,
            "datetime" => ColType::DateTime,
            "duration" => ColType::Duration,
            "estimate" => ColType::Estimate,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// Set by an annotation, else by inference over the whole file.
    pub ty: Option<ColType>,
}

/// Splits `name:type`; an unknown type is an error naming it.
pub fn parse_header(field: &str) -> Result<Column, String> {
    let field = field.trim().trim_start_matches('\u{feff}');
    match field.rsplit_once(':') {
        Some((name, ty)) if !name.is_empty() => match ColType::parse(ty) {
            Some(t) => Ok(Column { name: name.trim().to_string(), ty: Some(t) }),
            None => Err(format!("unknown column type '{ty}' in header '{field}' (use int, float, bool, string, date, string[], localtime, time, localdatetime, datetime or duration)")),
        },
        _ if field.is_empty() => Err("empty column name in header".into()),
        _ => Ok(Column { name: field.to_string(), ty: None }),
    }
}

/// What the values seen so far allow a column to be.
#[derive(Debug, Clone, Copy)]
pub struct Inference {
    int: bool,
    float: bool,
    bool_: bool,
    estimate: bool,
    seen_estimate: bool,
    seen_any: bool,
}

impl Default for Inference {
    fn default() -> Self {
        Inference {
            int: true,
            float: true,
            bool_: true,
            estimate: true,
            seen_estimate: false,
            seen_any: false,
        }
    }
}

impl Inference {
    pub fn observe(&mut self, raw: &str) {
        if raw.is_empty() {
            return;
        }
        self.seen_any = true;
        // Only the readings still possible are tried: a text column of a
        // large file settles in a few rows and then costs nothing.
        if !(self.int || self.float || self.bool_ || self.estimate) {
            return;
        }
        let is_int = self.int && raw.parse::<i64>().is_ok();
        let is_float = is_int || ((self.float || self.estimate) && parse_float(raw).is_some());
        let is_est = self.estimate && !is_float && Estimate::parse(raw).is_some();
        self.int &= is_int;
        self.float &= is_float;
        self.bool_ =
            self.bool_ && (raw.eq_ignore_ascii_case("true") || raw.eq_ignore_ascii_case("false"));
        self.estimate &= is_float || is_est;
        self.seen_estimate |= is_est;
    }

    pub fn result(&self) -> ColType {
        if !self.seen_any {
            ColType::String
        } else if self.int {
            ColType::Int
        } else if self.float {
            ColType::Float
        } else if self.bool_ {
            ColType::Bool
        } else if self.estimate && self.seen_estimate {
            ColType::Estimate
        } else {
            ColType::String
        }
    }
}

fn parse_float(raw: &str) -> Option<f64> {
    // Rust accepts "inf"/"nan" spellings that a CSV writer rarely means as numbers.
    if raw
        .bytes()
        .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E')
    {
        return None;
    }
    raw.parse::<f64>().ok()
}

/// Converts one non-empty field; the error says what was expected.
pub fn convert(raw: &str, ty: ColType) -> Result<Value, String> {
    let bad = |what: &str| format!("'{raw}' is not {what}");
    Ok(match ty {
        ColType::Int => Value::Int(raw.trim().parse().map_err(|_| bad("an integer"))?),
        ColType::Float => Value::Float(parse_float(raw.trim()).ok_or_else(|| bad("a number"))?),
        ColType::Bool => match raw.trim().to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(bad("true or false")),
        },
        ColType::String => Value::String(raw.to_string()),
        ColType::Date => {
            Value::Date(parse::date(raw).map_err(|_| bad("a date (YYYY, YYYY-MM or YYYY-MM-DD)"))?)
        }
        ColType::LocalTime => Value::Temporal(Temporal::LocalTime(
            parse::local_time(raw).map_err(|e| e.message)?,
        )),
        ColType::Time => Value::Temporal(Temporal::Time(parse::time(raw).map_err(|e| e.message)?)),
        ColType::LocalDateTime => Value::Temporal(Temporal::LocalDateTime(
            parse::local_datetime(raw).map_err(|e| e.message)?,
        )),
        ColType::DateTime => Value::Temporal(Temporal::DateTime(Box::new(
            parse::datetime(raw).map_err(|e| e.message)?,
        ))),
        ColType::Duration => Value::Temporal(Temporal::Duration(Box::new(
            duration::parse(raw.trim()).map_err(|e| e.message)?,
        ))),
        ColType::StringList => Value::List(
            raw.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        ),
        ColType::Estimate => match Estimate::parse(raw) {
            Some(e) => Value::Estimate(e),
            None => Value::Float(
                parse_float(raw.trim()).ok_or_else(|| bad("a number or an estimate lo..hi"))?,
            ),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    trait Text {
        fn to_string_lossy(&self) -> String;
    }
    impl Text for Value {
        fn to_string_lossy(&self) -> String {
            match self {
                Value::Temporal(t) => t.to_string(),
                o => format!("{o:?}"),
            }
        }
    }

    fn infer(values: &[&str]) -> ColType {
        let mut inf = Inference::default();
        values.iter().for_each(|v| inf.observe(v));
        inf.result()
    }

    #[test]
    fn inference_picks_the_narrowest_type_that_fits_every_value() {
        assert_eq!(infer(&["1", "", "20"]), ColType::Int);
        assert_eq!(infer(&["1", "2.5"]), ColType::Float);
        assert_eq!(infer(&["true", "FALSE"]), ColType::Bool);
        assert_eq!(infer(&["0.9", "0.6..0.7"]), ColType::Estimate);
        assert_eq!(infer(&["1", "x"]), ColType::String);
        assert_eq!(infer(&["nan"]), ColType::String);
        assert_eq!(infer(&["", ""]), ColType::String);
        // Readings that fail once are not tried again, in any order.
        assert_eq!(infer(&["0.6..0.7", "3", "0.1..0.2"]), ColType::Estimate);
        assert_eq!(infer(&["2.5", "true"]), ColType::String);
        assert_eq!(infer(&["x", "1", "true", "0.6..0.7"]), ColType::String);
        assert_eq!(infer(&["true", "1"]), ColType::String);
        assert_eq!(infer(&["1", "2", "0.6..0.7"]), ColType::Estimate);
    }

    #[test]
    fn headers_carry_annotations() {
        let c = parse_header("since:date").unwrap();
        assert_eq!((c.name.as_str(), c.ty), ("since", Some(ColType::Date)));
        assert!(parse_header("x:complex").is_err());
        assert_eq!(
            parse_header("aliases:string[]").unwrap().ty,
            Some(ColType::StringList)
        );
    }

    #[test]
    fn conversion_reports_bad_values() {
        assert_eq!(convert("12", ColType::Int).unwrap(), Value::Int(12));
        assert!(convert("12x", ColType::Int)
            .unwrap_err()
            .contains("not an integer"));
        assert!(convert("2022-13", ColType::Date).is_err());
        assert_eq!(
            convert("2022-03-01T10:00+01:00", ColType::DateTime)
                .unwrap()
                .to_string_lossy(),
            "2022-03-01T10:00+01:00"
        );
        assert_eq!(
            convert("P1Y2M", ColType::Duration)
                .unwrap()
                .to_string_lossy(),
            "P1Y2M"
        );
        assert_eq!(
            convert("12:30", ColType::LocalTime)
                .unwrap()
                .to_string_lossy(),
            "12:30"
        );
        assert_eq!(
            convert("12:30Z", ColType::Time).unwrap().to_string_lossy(),
            "12:30Z"
        );
        assert_eq!(
            convert("2022-03-01T12:30", ColType::LocalDateTime)
                .unwrap()
                .to_string_lossy(),
            "2022-03-01T12:30"
        );
        let e = convert("2022-03-01T25:00", ColType::DateTime).unwrap_err();
        assert!(e.contains("position 12"), "{e}");
        assert_eq!(
            parse_header("t:datetime").unwrap().ty,
            Some(ColType::DateTime)
        );
        assert_eq!(
            convert("a; b", ColType::StringList).unwrap(),
            Value::List(vec![Value::String("a".into()), Value::String("b".into())])
        );
    }
}

//! Operators on temporal values: equality, comparison, the ORDER BY order,
//! and arithmetic (temporal ± duration, duration ± duration, duration × ÷
//! number). Values of different temporal types are never equal and do not
//! compare (null), as in openCypher; durations are equal when their months,
//! days and seconds are, and do not compare. Times and date-times order by
//! instant, then by offset and zone (as java.time and so Neo4j do): the same
//! instant at another offset is not equal.

use super::ops::type_error;
use crate::error::Error;
use crate::value::temporal::{arith, duration::Num, Duration, Temporal};
use crate::value::Value;
use std::cmp::Ordering;

/// The instant or time that orders a value within its type.
fn key(t: &Temporal) -> (u8, i128) {
    match t {
        Temporal::LocalTime(x) => (0, x.nanos as i128),
        Temporal::Time(x) => (1, x.utc_nanos() as i128),
        Temporal::LocalDateTime(x) => (2, x.epoch_nanos()),
        Temporal::DateTime(x) => (3, x.instant_nanos()),
        Temporal::Duration(_) => (4, 0),
    }
}

/// `a = b` for two temporal values.
pub fn equals(a: &Temporal, b: &Temporal) -> bool {
    key(a).0 == key(b).0 && order(a, b) == Ordering::Equal
}

/// `a < b` and friends: the same type (not durations), in `order`'s order.
pub fn compare(a: &Temporal, b: &Temporal) -> Option<Ordering> {
    if key(a).0 != key(b).0 || matches!(a, Temporal::Duration(_)) {
        return None;
    }
    Some(order(a, b))
}

/// openCypher's orderability rank among temporal types (dates rank between
/// local date-times and times; see `ops::order_rank`).
pub fn rank(t: &Temporal) -> u8 {
    match t {
        Temporal::DateTime(_) => 0,
        Temporal::LocalDateTime(_) => 1,
        Temporal::Time(_) => 3,
        Temporal::LocalTime(_) => 4,
        Temporal::Duration(_) => 5,
    }
}

/// The total order within one type: by instant, then by what tells equal
/// instants apart (offset, zone), durations by their parts.
pub fn order(a: &Temporal, b: &Temporal) -> Ordering {
    match (a, b) {
        (Temporal::Duration(x), Temporal::Duration(y)) => {
            (x.months, x.days, x.seconds, x.nanos).cmp(&(y.months, y.days, y.seconds, y.nanos))
        }
        (Temporal::Time(x), Temporal::Time(y)) => {
            key(a).cmp(&key(b)).then_with(|| x.offset.cmp(&y.offset))
        }
        (Temporal::DateTime(x), Temporal::DateTime(y)) => key(a)
            .cmp(&key(b))
            .then_with(|| x.offset.cmp(&y.offset))
            .then_with(|| x.zone.cmp(&y.zone)),
        _ => key(a).cmp(&key(b)),
    }
}

fn dur(v: &Value) -> Option<&Duration> {
    match v {
        Value::Temporal(Temporal::Duration(d)) => Some(d),
        _ => None,
    }
}

fn num(v: &Value) -> Option<Num> {
    match v {
        Value::Int(i) => Some(Num::Int(*i)),
        Value::Float(f) => Some(Num::Float(*f)),
        _ => None,
    }
}

fn plus(t: &Value, d: &Duration) -> Result<Value, Error> {
    Ok(match t {
        Value::Date(x) => Value::Date(arith::date_plus(x, d)?),
        Value::Temporal(Temporal::LocalTime(x)) => {
            Value::Temporal(Temporal::LocalTime(arith::local_time_plus(*x, d)))
        }
        Value::Temporal(Temporal::Time(x)) => {
            Value::Temporal(Temporal::Time(arith::time_plus(*x, d)))
        }
        Value::Temporal(Temporal::LocalDateTime(x)) => {
            Value::Temporal(Temporal::LocalDateTime(arith::local_datetime_plus(*x, d)?))
        }
        Value::Temporal(Temporal::DateTime(x)) => {
            Value::Temporal(Temporal::DateTime(Box::new(arith::datetime_plus(x, d)?)))
        }
        Value::Temporal(Temporal::Duration(x)) => {
            Value::Temporal(Temporal::Duration(Box::new(x.add(d)?)))
        }
        o => {
            return Err(type_error(format!(
                "cannot add a Duration to {}",
                o.type_name()
            )))
        }
    })
}

/// Whether `op` on these operands is temporal arithmetic (`temporal_arith` decides).
pub fn involved(a: &Value, b: &Value) -> bool {
    matches!(a, Value::Temporal(_)) || matches!(b, Value::Temporal(_))
}

/// `a op b` where one side is temporal: `+ - * /`.
pub fn arith(op: char, a: &Value, b: &Value) -> Result<Value, Error> {
    let bad = || {
        type_error(format!(
            "cannot apply {op} to {} and {}",
            a.type_name(),
            b.type_name()
        ))
    };
    match op {
        '+' => match (dur(a), dur(b)) {
            (_, Some(d)) => plus(a, d),
            (Some(d), None) => plus(b, d),
            _ => Err(bad()),
        },
        '-' => match dur(b) {
            Some(d) => plus(a, &d.negate()?),
            None => Err(bad()),
        },
        '*' => match (dur(a), num(b), dur(b), num(a)) {
            (Some(d), Some(n), _, _) | (_, _, Some(d), Some(n)) => {
                Ok(Value::Temporal(Temporal::Duration(Box::new(d.mul(n)?))))
            }
            _ => Err(bad()),
        },
        '/' => match (dur(a), num(b)) {
            (Some(d), Some(n)) => Ok(Value::Temporal(Temporal::Duration(Box::new(d.div(n)?)))),
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::temporal::build::{from_string, Kind};

    fn v(kind: Kind, s: &str) -> Value {
        from_string(kind, s).unwrap()
    }

    fn t(v: &Value) -> &Temporal {
        match v {
            Value::Temporal(t) => t,
            _ => panic!("not temporal"),
        }
    }

    #[test]
    fn instants_compare_across_offsets_but_are_equal_only_at_the_same_one() {
        let a = v(Kind::Time, "12:00+01:00");
        let b = v(Kind::Time, "11:00Z");
        assert!(!equals(t(&a), t(&b)));
        assert_eq!(compare(t(&a), t(&b)), Some(Ordering::Greater));
        let c = v(Kind::Time, "10:59Z");
        assert_eq!(compare(t(&a), t(&c)), Some(Ordering::Greater));
        assert_eq!(compare(t(&c), t(&b)), Some(Ordering::Less));
        let lt = v(Kind::LocalTime, "12:00");
        assert_eq!(compare(t(&a), t(&lt)), None);
        assert!(!equals(t(&a), t(&lt)));
    }

    #[test]
    fn durations_are_equal_by_parts_and_never_ordered() {
        let d1 = Value::Temporal(Temporal::Duration(Box::new(
            crate::value::temporal::duration::parse("PT60M").unwrap(),
        )));
        let d2 = Value::Temporal(Temporal::Duration(Box::new(
            crate::value::temporal::duration::parse("PT1H").unwrap(),
        )));
        let day = Value::Temporal(Temporal::Duration(Box::new(
            crate::value::temporal::duration::parse("P1D").unwrap(),
        )));
        assert!(equals(t(&d1), t(&d2)));
        assert!(!equals(t(&day), t(&d2)));
        assert_eq!(compare(t(&d1), t(&day)), None);
    }

    #[test]
    fn arithmetic_dispatch() {
        let d = Value::Temporal(Temporal::Duration(Box::new(
            crate::value::temporal::duration::parse("P1M1D").unwrap(),
        )));
        let date = Value::Date(crate::value::Date::full(2023, 1, 31));
        let r = arith('+', &date, &d).unwrap();
        assert_eq!(r, Value::Date(crate::value::Date::full(2023, 3, 1)));
        assert_eq!(arith('+', &d, &date).unwrap(), r);
        let back = arith('-', &r, &d).unwrap();
        assert_eq!(back, Value::Date(crate::value::Date::full(2023, 1, 31)));
        let twice = arith('*', &Value::Int(2), &d).unwrap();
        assert_eq!(twice.to_string_for_test(), "P2M2D");
        assert!(arith('-', &d, &date).is_err());
        assert!(arith('/', &Value::Int(2), &d).is_err());
        assert!(arith('+', &date, &Value::Int(1)).is_err());
    }

    trait Text {
        fn to_string_for_test(&self) -> String;
    }
    impl Text for Value {
        fn to_string_for_test(&self) -> String {
            match self {
                Value::Temporal(t) => t.to_string(),
                o => format!("{o:?}"),
            }
        }
    }
}

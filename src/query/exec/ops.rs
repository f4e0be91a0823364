//! openCypher value semantics: equality and comparison with three-valued
//! logic, the total order of ORDER BY, and arithmetic (with estimates).

use crate::error::{Error, ErrorKind};
use crate::store::codec::Number;
use crate::value::{Estimate, Value};
use std::cmp::Ordering;

pub fn type_error(msg: impl Into<String>) -> Error {
    Error::runtime(ErrorKind::TypeError, "InvalidArgumentType", msg)
}

/// `a = b`: `None` when null decides (null anywhere, or incomparable parts).
pub fn equals(a: &Value, b: &Value) -> Option<bool> {
    use Value::*;
    match (a, b) {
        (Null, _) | (_, Null) => None,
        (Int(x), Int(y)) => Some(x == y),
        (Int(_) | Float(_), Int(_) | Float(_)) => {
            let (x, y) = (a.as_f64()?, b.as_f64()?);
            Some(x == y)
        }
        (Estimate(_), _) | (_, Estimate(_)) => match compare(a, b)? {
            Ordering::Equal => bounds(a)
                .zip(bounds(b))
                .map(|(x, y)| x.0 == x.1 && y.0 == y.1)
                .and_then(|exact| if exact { Some(true) } else { None }),
            _ => Some(false),
        },
        (Bool(x), Bool(y)) => Some(x == y),
        (String(x), String(y)) => Some(x == y),
        (Date(x), Date(y)) => x.partial_cmp_dates(y).map(|o| o == Ordering::Equal),
        (Temporal(x), Temporal(y)) => Some(super::temporal_ops::equals(x, y)),
        (List(x), List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            let mut unknown = false;
            for (p, q) in x.iter().zip(y) {
                match equals(p, q) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            if unknown {
                None
            } else {
                Some(true)
            }
        }
        (Map(x), Map(y)) => {
            if x.len() != y.len() || x.keys().ne(y.keys()) {
                return Some(false);
            }
            let mut unknown = false;
            for (p, q) in x.values().zip(y.values()) {
                match equals(p, q) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            if unknown {
                None
            } else {
                Some(true)
            }
        }
        (Node(x), Node(y)) => Some(x == y),
        (Rel(x), Rel(y)) => Some(x == y),
        (Path(x), Path(y)) => Some(x == y),
        _ => Some(false),
    }
}

fn bounds(v: &Value) -> Option<(f64, f64)> {
    match v {
        Value::Estimate(e) => Some((e.lo, e.hi)),
        Value::Int(_) | Value::Float(_) => {
            let f = v.as_f64()?;
            Some((f, f))
        }
        _ => None,
    }
}

/// `a < b` and friends: `None` when the values are not comparable or null
/// decides, or when an estimate's bounds leave the order open.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    use Value::*;
    match (a, b) {
        (Null, _) | (_, Null) => None,
        (Int(x), Int(y)) => Some(x.cmp(y)),
        (Int(_) | Float(_), Int(_) | Float(_)) => {
            let (x, y) = (a.as_f64()?, b.as_f64()?);
            x.partial_cmp(&y)
        }
        (Estimate(_), Int(_) | Float(_) | Estimate(_)) | (Int(_) | Float(_), Estimate(_)) => {
            let (x, y) = (bounds(a)?, bounds(b)?);
            if x.1 < y.0 {
                Some(Ordering::Less)
            } else if x.0 > y.1 {
                Some(Ordering::Greater)
            } else if x.0 == x.1 && y.0 == y.1 && x.0 == y.0 {
                Some(Ordering::Equal)
            } else {
                None
            }
        }
        (String(x), String(y)) => Some(x.cmp(y)),
        (Bool(x), Bool(y)) => Some(x.cmp(y)),
        (Date(x), Date(y)) => x.partial_cmp_dates(y),
        (Temporal(x), Temporal(y)) => super::temporal_ops::compare(x, y),
        (List(x), List(y)) => {
            for (p, q) in x.iter().zip(y) {
                match compare(p, q)? {
                    Ordering::Equal => {}
                    o => return Some(o),
                }
            }
            Some(x.len().cmp(&y.len()))
        }
        _ => None,
    }
}

/// `<`, `<=`, `>`, `>=`: null where the values are not comparable; false
/// against NaN; for estimates, decided by the bounds where they decide.
pub fn compare_op(op: crate::query::ast::BinaryOp, a: &Value, b: &Value) -> Option<bool> {
    use crate::query::ast::BinaryOp::*;
    if matches!(a, Value::Estimate(_)) || matches!(b, Value::Estimate(_)) {
        let ((alo, ahi), (blo, bhi)) = (bounds(a)?, bounds(b)?);
        let (sure_true, sure_false) = match op {
            Lt => (ahi < blo, alo >= bhi),
            Le => (ahi <= blo, alo > bhi),
            Gt => (alo > bhi, ahi <= blo),
            _ => (alo >= bhi, ahi < blo),
        };
        return if sure_true {
            Some(true)
        } else if sure_false {
            Some(false)
        } else {
            None
        };
    }
    if let (Value::Date(x), Value::Date(y)) = (a, b) {
        return Some(date_order(op, x.partial_cmp_dates(y)));
    }
    let nan = |v: &Value| matches!(v, Value::Float(f) if f.is_nan());
    if (nan(a) || nan(b)) && a.as_f64().is_some() && b.as_f64().is_some() {
        return Some(false);
    }
    let o = compare(a, b)?;
    Some(match op {
        Lt => o.is_lt(),
        Le => o.is_le(),
        Gt => o.is_gt(),
        _ => o.is_ge(),
    })
}

/// `=`, `<>`, `<`, `<=`, `>`, `>=` of two numbers or nulls as `equals` and
/// `compare_op` answer them, without making a value of either: the link
/// tests that read numbers in a record's bytes (Q8's 190 links at scale
/// M) spent a tenth of the query making, comparing and dropping values.
pub fn compare_numbers(op: crate::query::ast::BinaryOp, a: Number, b: Number) -> Option<bool> {
    use crate::query::ast::BinaryOp::*;
    let order = match (a, b) {
        (Number::Null, _) | (_, Number::Null) => return None,
        (Number::Int(x), Number::Int(y)) => Some(x.cmp(&y)),
        (x, y) => x.as_f64().partial_cmp(&y.as_f64()),
    };
    // `order` is `None` only against NaN: unequal, and unordered.
    Some(match op {
        Eq => order == Some(Ordering::Equal),
        Ne => order != Some(Ordering::Equal),
        Lt => order.is_some_and(Ordering::is_lt),
        Le => order.is_some_and(Ordering::is_le),
        Gt => order.is_some_and(Ordering::is_gt),
        _ => order.is_some_and(Ordering::is_ge),
    })
}

/// The one rule for partial dates, the rule `AS OF` keeps links by: a date
/// stands for every day of its span (`2022` is the whole year). `<` and `>`
/// hold when one span lies wholly before or after the other; `<=` and `>=`
/// are their negations, true when the spans overlap. So `date('2022-02') >=
/// date('2022')` and `<= date('2022')` are both true, as `AS OF 2022` keeps a
/// link with `since: 2022-02` (`since <= t AND (until IS NULL OR until >= t)`).
/// `ordering` is `None` when one span contains the other.
fn date_order(op: crate::query::ast::BinaryOp, ordering: Option<Ordering>) -> bool {
    use crate::query::ast::BinaryOp::*;
    match op {
        Lt => ordering == Some(Ordering::Less),
        Gt => ordering == Some(Ordering::Greater),
        Le => ordering != Some(Ordering::Greater),
        _ => ordering != Some(Ordering::Less),
    }
}

fn order_rank(v: &Value) -> u8 {
    match v {
        Value::Map(_) => 0,
        Value::Node(_) => 1,
        Value::Rel(_) => 2,
        Value::List(_) => 3,
        Value::Path(_) => 4,
        // Date-times, local date-times, dates, times, local times, durations.
        Value::Temporal(t) => 5 + super::temporal_ops::rank(t),
        Value::Date(_) => 7,
        Value::String(_) => 11,
        Value::Bool(_) => 12,
        Value::Int(_) | Value::Float(_) | Value::Estimate(_) => 13,
        Value::Null => 14,
    }
}

/// The total order of ORDER BY (and of DISTINCT grouping): types in
/// openCypher's orderability order, NaN after all numbers, null last.
pub fn order(a: &Value, b: &Value) -> Ordering {
    use Value::*;
    let (ra, rb) = (order_rank(a), order_rank(b));
    if ra != rb {
        return ra.cmp(&rb);
    }
    match (a, b) {
        (Int(x), Int(y)) => x.cmp(y),
        (Int(_) | Float(_) | Estimate(_), Int(_) | Float(_) | Estimate(_)) => {
            let x = bounds(a).map(|b| b.0).unwrap_or(f64::NAN);
            let y = bounds(b).map(|b| b.0).unwrap_or(f64::NAN);
            match (x.is_nan(), y.is_nan()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                _ => x.partial_cmp(&y).unwrap_or(Ordering::Equal).then_with(|| {
                    // Keep 1 and 1.0 apart deterministically.
                    matches!(a, Float(_)).cmp(&matches!(b, Float(_)))
                }),
            }
        }
        (String(x), String(y)) => x.cmp(y),
        (Bool(x), Bool(y)) => x.cmp(y),
        (Date(x), Date(y)) => (x.year, x.month, x.day).cmp(&(y.year, y.month, y.day)),
        (Temporal(x), Temporal(y)) => super::temporal_ops::order(x, y),
        (List(x), List(y)) => {
            for (p, q) in x.iter().zip(y) {
                match order(p, q) {
                    Ordering::Equal => {}
                    o => return o,
                }
            }
            x.len().cmp(&y.len())
        }
        (Map(x), Map(y)) => {
            let kx: Vec<_> = x.iter().collect();
            let ky: Vec<_> = y.iter().collect();
            for ((k1, v1), (k2, v2)) in kx.iter().zip(&ky) {
                match k1.cmp(k2).then_with(|| order(v1, v2)) {
                    Ordering::Equal => {}
                    o => return o,
                }
            }
            kx.len().cmp(&ky.len())
        }
        (Node(x), Node(y)) | (Rel(x), Rel(y)) => x.cmp(y),
        (Path(x), Path(y)) => x.nodes.cmp(&y.nodes).then_with(|| x.rels.cmp(&y.rels)),
        _ => Ordering::Equal,
    }
}

/// Grouping equality: like `order(..) == Equal` but 1 and 1.0 group together
/// as in Cypher, and null equals null.
pub fn same_group(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            let (x, y) = (
                a.as_f64().unwrap_or(f64::NAN),
                b.as_f64().unwrap_or(f64::NAN),
            );
            x == y || (x.is_nan() && y.is_nan())
        }
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_group(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && same_group(v1, v2))
        }
        _ => order(a, b) == Ordering::Equal,
    }
}

/// A hashable key for grouping and DISTINCT: numbers by value so that 1
/// and 1.0 land together.
pub fn group_key(v: &Value, out: &mut String) {
    use std::fmt::Write;
    match v {
        Value::Null => out.push('N'),
        Value::Bool(b) => out.push_str(if *b { "Btrue" } else { "Bfalse" }),
        Value::Int(i) => {
            // Spelled as `{:?}` spells the equal float (`n3.0`), without
            // the float formatter: grouping by integers is common.
            if i.unsigned_abs() < 9_000_000_000_000_000 {
                out.push('n');
                push_int(out, *i);
                out.push_str(".0");
            } else {
                out.push('i');
                push_int(out, *i);
            }
        }
        Value::Float(f) => {
            // 0.0 = -0.0, so they are one group; `+ 0.0` turns -0.0 into 0.0.
            let _ = write!(out, "n{:?}", f + 0.0);
        }
        Value::String(s) => {
            out.push('S');
            push_uint(out, s.len() as u64);
            out.push(':');
            out.push_str(s);
        }
        Value::Date(d) => {
            let _ = write!(out, "D{d}");
        }
        Value::Temporal(t) => {
            let _ = write!(out, "T{t}");
        }
        Value::Estimate(e) => {
            let _ = write!(out, "E{:?},{:?}", e.lo + 0.0, e.hi + 0.0);
        }
        Value::List(items) => {
            out.push('[');
            for i in items {
                group_key(i, out);
                out.push(',');
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (k, v) in m {
                let _ = write!(out, "{}:{k}=", k.len());
                group_key(v, out);
                out.push(',');
            }
            out.push('}');
        }
        Value::Node(n) => {
            out.push('v');
            push_uint(out, *n);
        }
        Value::Rel(r) => {
            out.push('r');
            push_uint(out, *r);
        }
        Value::Path(p) => {
            let _ = write!(out, "p{:?}{:?}", p.nodes, p.rels);
        }
    }
}

/// Appends the decimal digits of `i` (as `{i}` would, without `fmt`).
fn push_int(out: &mut String, i: i64) {
    if i < 0 {
        out.push('-');
    }
    push_uint(out, i.unsigned_abs());
}

fn push_uint(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(d as char);
    }
}

fn est(v: &Value) -> Option<Estimate> {
    bounds(v).map(|(lo, hi)| Estimate { lo, hi })
}

fn est_value(lo: f64, hi: f64) -> Value {
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    Value::Estimate(Estimate { lo, hi })
}

pub fn overflow() -> Error {
    Error::runtime(
        ErrorKind::ArgumentError,
        "NumberOutOfRange",
        "integer overflow",
    )
}

pub fn add(a: &Value, b: &Value) -> Result<Value, Error> {
    use Value::*;
    Ok(match (a, b) {
        (Null, _) | (_, Null) => Null,
        (Int(x), Int(y)) => Int(x.checked_add(*y).ok_or_else(overflow)?),
        (Temporal(_), List(_)) | (List(_), Temporal(_)) => concat(a, b),
        (Temporal(_), _) | (_, Temporal(_)) => super::temporal_ops::arith('+', a, b)?,
        (Int(_) | Float(_), Int(_) | Float(_)) => {
            Float(a.as_f64().unwrap_or(0.0) + b.as_f64().unwrap_or(0.0))
        }
        (Estimate(_), Int(_) | Float(_) | Estimate(_)) | (Int(_) | Float(_), Estimate(_)) => {
            let (x, y) = (
                est(a).unwrap_or(crate::value::Estimate { lo: 0.0, hi: 0.0 }),
                est(b).unwrap_or(crate::value::Estimate { lo: 0.0, hi: 0.0 }),
            );
            est_value(x.lo + y.lo, x.hi + y.hi)
        }
        (String(x), String(y)) => String(format!("{x}{y}")),
        (List(_), _) | (_, List(_)) => concat(a, b),
        (String(x), Int(_) | Float(_)) => String(format!("{x}{}", display_number(b))),
        (Int(_) | Float(_), String(y)) => String(format!("{}{y}", display_number(a))),
        _ => {
            return Err(type_error(format!(
                "cannot add {} and {}",
                a.type_name(),
                b.type_name()
            )))
        }
    })
}

/// `list + list`, `list + x`, `x + list`.
fn concat(a: &Value, b: &Value) -> Value {
    use Value::*;
    match (a, b) {
        (List(x), List(y)) => List(x.iter().chain(y).cloned().collect()),
        (List(x), y) => {
            let mut v = x.clone();
            v.push(y.clone());
            List(v)
        }
        (x, List(y)) => {
            let mut v = vec![x.clone()];
            v.extend(y.iter().cloned());
            List(v)
        }
        _ => Null,
    }
}

fn display_number(v: &Value) -> std::string::String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::Float(f) => crate::value::format_float(*f),
        _ => std::string::String::new(),
    }
}

pub fn arith(op: char, a: &Value, b: &Value) -> Result<Value, Error> {
    use Value::*;
    if a.is_null() || b.is_null() {
        return Ok(Null);
    }
    if super::temporal_ops::involved(a, b) || (matches!(a, Date(_)) && op == '-') {
        return super::temporal_ops::arith(op, a, b);
    }
    if let (Int(x), Int(y)) = (a, b) {
        return Ok(match op {
            '-' => Int(x.checked_sub(*y).ok_or_else(overflow)?),
            '*' => Int(x.checked_mul(*y).ok_or_else(overflow)?),
            '/' => {
                if *y == 0 {
                    return Err(Error::runtime(
                        ErrorKind::ArgumentError,
                        "DivisionByZero",
                        "division by zero",
                    ));
                }
                Int(x.checked_div(*y).ok_or_else(overflow)?)
            }
            '%' => {
                if *y == 0 {
                    return Err(Error::runtime(
                        ErrorKind::ArgumentError,
                        "DivisionByZero",
                        "division by zero",
                    ));
                }
                Int(x.checked_rem(*y).unwrap_or(0))
            }
            '^' => Float((*x as f64).powf(*y as f64)),
            _ => Null,
        });
    }
    if matches!(a, Estimate(_)) || matches!(b, Estimate(_)) {
        if let (Some(x), Some(y)) = (est(a), est(b)) {
            let corners = |f: fn(f64, f64) -> f64| {
                let c = [f(x.lo, y.lo), f(x.lo, y.hi), f(x.hi, y.lo), f(x.hi, y.hi)];
                let lo = c.iter().cloned().fold(f64::INFINITY, f64::min);
                let hi = c.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                est_value(lo, hi)
            };
            return Ok(match op {
                '-' => est_value(x.lo - y.hi, x.hi - y.lo),
                '*' => corners(|p, q| p * q),
                '/' => corners(|p, q| p / q),
                _ => {
                    return Err(type_error(format!(
                        "operator {op} is not defined for estimates"
                    )))
                }
            });
        }
    }
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => Ok(Float(match op {
            '-' => x - y,
            '*' => x * y,
            '/' => x / y,
            '%' => x % y,
            '^' => x.powf(y),
            _ => f64::NAN,
        })),
        _ => Err(type_error(format!(
            "cannot apply {op} to {} and {}",
            a.type_name(),
            b.type_name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_and_mixed_numbers() {
        assert_eq!(equals(&Value::Int(1), &Value::Float(1.0)), Some(true));
        assert_eq!(equals(&Value::Null, &Value::Int(1)), None);
        assert_eq!(
            equals(
                &Value::List(vec![Value::Int(1), Value::Null]),
                &Value::List(vec![Value::Int(2), Value::Null])
            ),
            Some(false)
        );
        assert_eq!(compare(&Value::Int(1), &Value::String("a".into())), None);
    }

    #[test]
    fn integer_group_keys_match_the_equal_floats_and_the_formatter() {
        let key = |v: &Value| {
            let mut k = String::new();
            group_key(v, &mut k);
            k
        };
        for i in [
            0i64,
            1,
            -1,
            7,
            10,
            -10,
            123_456_789,
            8_999_999_999_999_999,
            -8_999_999_999_999_999,
        ] {
            assert_eq!(key(&Value::Int(i)), key(&Value::Float(i as f64)), "{i}");
            assert_eq!(key(&Value::Int(i)), format!("n{:?}", i as f64), "{i}");
        }
        for i in [9_000_000_000_000_000i64, i64::MAX, i64::MIN] {
            assert_eq!(key(&Value::Int(i)), format!("i{i}"));
        }
        assert_eq!(key(&Value::Node(u64::MAX)), format!("v{}", u64::MAX));
        assert_eq!(key(&Value::String("ab".into())), "S2:ab");
        assert_eq!(key(&Value::Bool(false)), "Bfalse");
    }

    #[test]
    fn numbers_compare_as_their_values_do() {
        use crate::query::ast::BinaryOp::*;
        let numbers = [
            Number::Null,
            Number::Int(2),
            Number::Int(3),
            Number::Int(-3),
            Number::Int(i64::MAX),
            Number::Int(i64::MAX - 1),
            Number::Float(2.0),
            Number::Float(2.5),
            Number::Float(-0.0),
            Number::Float(9.223372036854776e18),
            Number::Float(f64::NAN),
            Number::Float(f64::INFINITY),
        ];
        let mut compared = 0;
        for op in [Eq, Ne, Lt, Le, Gt, Ge] {
            for a in numbers {
                for b in numbers {
                    let (x, y) = (a.value(), b.value());
                    let by_value = match op {
                        Eq => equals(&x, &y),
                        Ne => equals(&x, &y).map(|e| !e),
                        _ => compare_op(op, &x, &y),
                    };
                    assert_eq!(compare_numbers(op, a, b), by_value, "{a:?} {op:?} {b:?}");
                    compared += 1;
                }
            }
        }
        assert_eq!(compared, 6 * 12 * 12);
    }

    #[test]
    fn estimates_compare_only_where_bounds_decide() {
        let e = Value::Estimate(Estimate { lo: 0.6, hi: 0.7 });
        assert_eq!(compare(&e, &Value::Float(0.5)), Some(Ordering::Greater));
        assert_eq!(compare(&e, &Value::Float(0.65)), None);
        let sum = add(&e, &e).unwrap();
        assert!(
            matches!(sum, Value::Estimate(x) if (x.lo - 1.2).abs() < 1e-9 && (x.hi - 1.4).abs() < 1e-9)
        );
    }

    #[test]
    fn ordering_puts_null_last_and_nan_after_numbers() {
        let mut v = [
            Value::Null,
            Value::Float(f64::NAN),
            Value::Int(3),
            Value::String("a".into()),
            Value::Float(1.5),
        ];
        v.sort_by(order);
        assert!(matches!(v[0], Value::String(_)));
        assert_eq!(v[1], Value::Float(1.5));
        assert_eq!(v[2], Value::Int(3));
        assert!(matches!(v[3], Value::Float(f) if f.is_nan()));
        assert_eq!(v[4], Value::Null);
    }
}

//! Our values as Bolt values and back.
//!
//! Out: nodes, relationships and paths become the Bolt 5 structures (with
//! element ids `n<id>` and `r<id>`, stable while the entity exists), a date
//! of day precision a Bolt `Date`, a partial date its ISO text (`"2022"`,
//! `"2022-03"`), times, date-times and durations the Bolt 5 structures
//! (`Time`, `LocalTime`, `DateTime` and `DateTimeZoneId` with UTC seconds,
//! `LocalDateTime`, `Duration`), an estimate the map `{lo, hi}`. In
//! (parameters): the same, and null, booleans, integers, floats, strings,
//! lists and maps; byte arrays and points are refused with a TypeError.

use crate::result::Entities;
use crate::value::temporal::{self as tv, Temporal};
use crate::value::{Date, Path, Value};
use boltr::types::{
    BoltDate, BoltDateTime, BoltDateTimeZoneId, BoltDict, BoltDuration, BoltLocalDateTime,
    BoltLocalTime, BoltNode, BoltPath, BoltRelationship, BoltTime, BoltUnboundRelationship,
    BoltValue,
};
use std::collections::BTreeMap;

/// Element id of node `id`.
pub fn node_element_id(id: u64) -> String {
    format!("n{id}")
}

/// Element id of relationship `id`.
pub fn rel_element_id(id: u64) -> String {
    format!("r{id}")
}

/// Converts one result value, resolving entities against `ent` (filled by
/// the statement that produced the value).
pub fn to_bolt(v: &Value, ent: &Entities) -> BoltValue {
    match v {
        Value::Null => BoltValue::Null,
        Value::Bool(b) => BoltValue::Boolean(*b),
        Value::Int(i) => BoltValue::Integer(*i),
        Value::Float(f) => BoltValue::Float(*f),
        Value::String(s) => BoltValue::String(s.clone()),
        Value::Date(d) => date_to_bolt(d),
        Value::Temporal(t) => temporal_to_bolt(t),
        Value::Estimate(e) => BoltValue::Dict(BoltDict::from([
            ("lo".to_string(), BoltValue::Float(e.lo)),
            ("hi".to_string(), BoltValue::Float(e.hi)),
        ])),
        Value::List(items) => BoltValue::List(items.iter().map(|i| to_bolt(i, ent)).collect()),
        Value::Map(m) => BoltValue::Dict(map_to_bolt(m, ent)),
        Value::Node(id) => BoltValue::Node(node(*id, ent)),
        Value::Rel(id) => BoltValue::Relationship(rel(*id, ent)),
        Value::Path(p) => BoltValue::Path(path(p, ent)),
    }
}

fn map_to_bolt(m: &BTreeMap<String, Value>, ent: &Entities) -> BoltDict {
    m.iter()
        .map(|(k, v)| (k.clone(), to_bolt(v, ent)))
        .collect()
}

/// Seconds and nanoseconds of a nanosecond count, the nanoseconds non-negative.
fn split_nanos(n: i128) -> (i64, i64) {
    let ns = tv::NANOS_PER_SECOND as i128;
    (
        n.div_euclid(ns).clamp(i64::MIN as i128, i64::MAX as i128) as i64,
        n.rem_euclid(ns) as i64,
    )
}

fn temporal_to_bolt(t: &Temporal) -> BoltValue {
    match t {
        Temporal::LocalTime(t) => BoltValue::LocalTime(BoltLocalTime {
            nanoseconds: t.nanos as i64,
        }),
        Temporal::Time(t) => BoltValue::Time(BoltTime {
            nanoseconds: t.nanos as i64,
            tz_offset_seconds: t.offset as i64,
        }),
        Temporal::LocalDateTime(t) => {
            let (seconds, nanoseconds) = split_nanos(t.epoch_nanos());
            BoltValue::LocalDateTime(BoltLocalDateTime {
                seconds,
                nanoseconds,
            })
        }
        Temporal::DateTime(t) => {
            let (seconds, nanoseconds) = split_nanos(t.instant_nanos());
            match &t.zone {
                Some(z) => BoltValue::DateTimeZoneId(BoltDateTimeZoneId {
                    seconds,
                    nanoseconds,
                    tz_id: z.clone(),
                }),
                None => BoltValue::DateTime(BoltDateTime {
                    seconds,
                    nanoseconds,
                    tz_offset_seconds: t.offset as i64,
                }),
            }
        }
        Temporal::Duration(d) => BoltValue::Duration(BoltDuration {
            months: d.months,
            days: d.days,
            seconds: d.seconds,
            nanoseconds: d.nanos as i64,
        }),
    }
}

/// A Bolt temporal parameter as our value; `None` for a value out of range.
fn temporal_from_bolt(v: &BoltValue) -> Option<Result<Value, String>> {
    let ns = tv::NANOS_PER_SECOND as i128;
    let day_nanos = |n: i64| (0..tv::NANOS_PER_DAY).contains(&n).then_some(n as u64);
    let out = |t: Option<Temporal>| Some(t.map(Value::Temporal).ok_or_else(String::new));
    match v {
        BoltValue::LocalTime(t) => {
            out(day_nanos(t.nanoseconds).map(|nanos| Temporal::LocalTime(tv::LocalTime { nanos })))
        }
        BoltValue::Time(t) => out((|| {
            let offset = i32::try_from(t.tz_offset_seconds).ok()?;
            Some(Temporal::Time(tv::Time {
                nanos: day_nanos(t.nanoseconds)?,
                offset,
            }))
        })()),
        BoltValue::LocalDateTime(t) => out(tv::LocalDateTime::from_epoch_nanos(
            t.seconds as i128 * ns + t.nanoseconds as i128,
        )
        .map(Temporal::LocalDateTime)),
        BoltValue::DateTime(t) => {
            let instant = t.seconds as i128 * ns + t.nanoseconds as i128;
            let Ok(offset) = i32::try_from(t.tz_offset_seconds) else {
                return out(None);
            };
            out(
                tv::DateTime::at_instant(instant, &tv::TimeZoneArg::Offset(offset))
                    .ok()
                    .map(|d| Temporal::DateTime(Box::new(d))),
            )
        }
        BoltValue::DateTimeZoneId(t) => {
            let instant = t.seconds as i128 * ns + t.nanoseconds as i128;
            Some(
                tv::TimeZoneArg::parse(&t.tz_id)
                    .and_then(|z| tv::DateTime::at_instant(instant, &z))
                    .map(|d| Value::Temporal(Temporal::DateTime(Box::new(d))))
                    .map_err(|e| e.to_string()),
            )
        }
        BoltValue::Duration(d) => Some(
            tv::Duration::new(d.months, d.days, d.seconds as i128, d.nanoseconds as i128)
                .map(|d| Value::Temporal(Temporal::Duration(Box::new(d))))
                .map_err(|e| e.to_string()),
        ),
        _ => None,
    }
}

fn date_to_bolt(d: &Date) -> BoltValue {
    match (d.month, d.day) {
        (Some(m), Some(day)) => BoltValue::Date(BoltDate {
            days: days_from_civil(d.year as i64, m as i64, day as i64),
        }),
        _ => BoltValue::String(d.to_string()),
    }
}

/// A node the rows mention but the store no longer holds (deleted by the
/// statement that returns it) goes out without labels or properties.
fn node(id: u64, ent: &Entities) -> BoltNode {
    let data = ent.nodes.get(&id);
    BoltNode {
        id: id as i64,
        labels: data.map(|d| d.labels.clone()).unwrap_or_default(),
        properties: data
            .map(|d| map_to_bolt(&d.properties, ent))
            .unwrap_or_default(),
        element_id: node_element_id(id),
    }
}

fn rel(id: u64, ent: &Entities) -> BoltRelationship {
    let data = ent.rels.get(&id);
    let (start, end) = data.map(|d| (d.start, d.end)).unwrap_or((0, 0));
    BoltRelationship {
        id: id as i64,
        start_node_id: start as i64,
        end_node_id: end as i64,
        rel_type: data.map(|d| d.rel_type.clone()).unwrap_or_default(),
        properties: data
            .map(|d| map_to_bolt(&d.properties, ent))
            .unwrap_or_default(),
        element_id: rel_element_id(id),
        start_element_id: node_element_id(start),
        end_element_id: node_element_id(end),
    }
}

/// A Bolt path lists each distinct node and relationship once, then walks
/// them by index: relationship indices count from 1 and are negative when the
/// step goes against the relationship's direction.
fn path(p: &Path, ent: &Entities) -> BoltPath {
    let mut nodes: Vec<u64> = Vec::new();
    let mut rels: Vec<u64> = Vec::new();
    let mut indices = Vec::with_capacity(p.rels.len() * 2);
    let index_of = |list: &mut Vec<u64>, id: u64| -> i64 {
        match list.iter().position(|x| *x == id) {
            Some(i) => i as i64,
            None => {
                list.push(id);
                list.len() as i64 - 1
            }
        }
    };
    if let Some(first) = p.nodes.first() {
        index_of(&mut nodes, *first);
    }
    for (i, r) in p.rels.iter().enumerate() {
        let from = p.nodes.get(i).copied().unwrap_or_default();
        let to = p.nodes.get(i + 1).copied().unwrap_or_default();
        let ri = index_of(&mut rels, *r) + 1;
        let forward = ent
            .rels
            .get(r)
            .map(|d| d.start == from && d.end == to)
            .unwrap_or(true);
        indices.push(if forward { ri } else { -ri });
        indices.push(index_of(&mut nodes, to));
    }
    BoltPath {
        nodes: nodes.iter().map(|n| node(*n, ent)).collect(),
        rels: rels
            .iter()
            .map(|r| {
                let full = rel(*r, ent);
                BoltUnboundRelationship {
                    id: full.id,
                    rel_type: full.rel_type,
                    properties: full.properties,
                    element_id: full.element_id,
                }
            })
            .collect(),
        indices,
    }
}

/// Converts one parameter; `name` is the path to it, for the error text.
pub fn from_bolt(v: &BoltValue, name: &str) -> Result<Value, String> {
    Ok(match v {
        BoltValue::Null => Value::Null,
        BoltValue::Boolean(b) => Value::Bool(*b),
        BoltValue::Integer(i) => Value::Int(*i),
        BoltValue::Float(f) => Value::Float(*f),
        BoltValue::String(s) => Value::String(s.clone()),
        BoltValue::List(items) => Value::List(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| from_bolt(x, &format!("{name}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        BoltValue::Dict(d) => Value::Map(
            d.iter()
                .map(|(k, x)| Ok((k.clone(), from_bolt(x, &format!("{name}.{k}"))?)))
                .collect::<Result<_, String>>()?,
        ),
        BoltValue::Date(d) => {
            let (year, month, day) = civil_from_days(d.days)
                .ok_or_else(|| format!("parameter ${name}: the date is out of range"))?;
            Value::Date(Date {
                year,
                month: Some(month),
                day: Some(day),
            })
        }
        other if temporal_from_bolt(other).is_some() => {
            match temporal_from_bolt(other).unwrap_or_else(|| Err(String::new())) {
                Ok(v) => v,
                Err(e) if e.is_empty() => {
                    return Err(format!("parameter ${name}: the value is out of range"))
                }
                Err(e) => return Err(format!("parameter ${name}: {e}")),
            }
        }
        other => {
            return Err(format!(
                "parameter ${name}: {} values are not supported by supplygraph \
                 (use null, booleans, integers, floats, strings, lists, maps, dates, \
                 times, date-times or durations)",
                kind_name(other)
            ))
        }
    })
}

fn kind_name(v: &BoltValue) -> &'static str {
    match v {
        BoltValue::Bytes(_) => "byte array",
        BoltValue::Node(_) => "Node",
        BoltValue::Relationship(_) | BoltValue::UnboundRelationship(_) => "Relationship",
        BoltValue::Path(_) => "Path",
        BoltValue::Time(_) => "Time",
        BoltValue::LocalTime(_) => "LocalTime",
        BoltValue::DateTime(_) | BoltValue::DateTimeZoneId(_) => "DateTime",
        BoltValue::LocalDateTime(_) => "LocalDateTime",
        BoltValue::Duration(_) => "Duration",
        BoltValue::Point2D(_) | BoltValue::Point3D(_) => "Point",
        _ => "these",
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of `days_from_civil`, or `None` outside the years a `Date`
/// holds (four digits: 0000–9999).
pub fn civil_from_days(days: i64) -> Option<(i32, u8, u8)> {
    // Beyond ±10^7 days the year has more than four digits anyway; the bound
    // also keeps the arithmetic far from overflow.
    if !(-800_000..=3_000_000).contains(&days) {
        return None;
    }
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    if !(0..=9999).contains(&y) {
        return None;
    }
    Some((y as i32, m as u8, d as u8))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{NodeData, RelData};
    use bytes::BytesMut;

    /// Encodes with boltr's PackStream and decodes again.
    fn wire(v: &BoltValue) -> BoltValue {
        let mut buf = BytesMut::new();
        boltr::packstream::encode_value(&mut buf, v);
        let mut bytes = buf.freeze();
        let back = boltr::packstream::decode_value(&mut bytes).unwrap();
        assert!(bytes.is_empty(), "bytes left after {v:?}");
        back
    }

    #[test]
    fn dates_convert_both_ways() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2022, 3, 1), 19_052);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(civil_from_days(19_052), Some((2022, 3, 1)));
        for days in [-719_528, -1, 0, 59, 60, 11_016, 2_932_896] {
            let (y, m, d) = civil_from_days(days).unwrap();
            assert_eq!(days_from_civil(y as i64, m as i64, d as i64), days);
        }
        assert_eq!(civil_from_days(i64::MAX), None);
        assert_eq!(civil_from_days(i64::MIN), None);
        assert_eq!(civil_from_days(2_932_897), None, "year 10000");
    }

    #[test]
    fn scalars_lists_and_maps_round_trip_through_packstream() {
        let ent = Entities::default();
        let mut m = BTreeMap::new();
        m.insert(
            "k".to_string(),
            Value::List(vec![Value::Int(1), Value::Null]),
        );
        let values = vec![
            Value::Null,
            Value::Bool(true),
            Value::Bool(false),
            Value::Int(0),
            Value::Int(-16),
            Value::Int(-17),
            Value::Int(127),
            Value::Int(128),
            Value::Int(-129),
            Value::Int(32_768),
            Value::Int(i32::MIN as i64 - 1),
            Value::Int(i64::MAX),
            Value::Int(i64::MIN),
            Value::Float(0.25),
            Value::Float(-0.0),
            Value::Float(f64::INFINITY),
            Value::String(String::new()),
            Value::String("Беларусь ✓".into()),
            Value::String("x".repeat(70_000)),
            Value::List((0..300).map(Value::Int).collect()),
            Value::Map(m),
            Value::Date(Date::parse("2022-03-01").unwrap()),
        ];
        for v in values {
            let back = from_bolt(&wire(&to_bolt(&v, &ent)), "p").unwrap();
            assert_eq!(back, v);
        }
        let nan = from_bolt(&wire(&to_bolt(&Value::Float(f64::NAN), &ent)), "p").unwrap();
        assert!(matches!(nan, Value::Float(f) if f.is_nan()));
    }

    #[test]
    fn partial_dates_and_estimates_have_documented_shapes() {
        let ent = Entities::default();
        let y = to_bolt(&Value::Date(Date::parse("2022").unwrap()), &ent);
        assert_eq!(y, BoltValue::String("2022".into()));
        let m = to_bolt(&Value::Date(Date::parse("2022-03").unwrap()), &ent);
        assert_eq!(m, BoltValue::String("2022-03".into()));
        let e = to_bolt(
            &Value::Estimate(crate::value::Estimate { lo: 0.6, hi: 0.7 }),
            &ent,
        );
        assert_eq!(
            wire(&e),
            BoltValue::Dict(BoltDict::from([
                ("lo".to_string(), BoltValue::Float(0.6)),
                ("hi".to_string(), BoltValue::Float(0.7)),
            ]))
        );
    }

    fn graph() -> Entities {
        let mut ent = Entities::default();
        for (id, name) in [(1u64, "a"), (2, "b")] {
            ent.nodes.insert(
                id,
                NodeData {
                    id,
                    labels: vec!["Country".into()],
                    properties: BTreeMap::from([("name".to_string(), Value::String(name.into()))]),
                },
            );
        }
        ent.rels.insert(
            7,
            RelData {
                id: 7,
                rel_type: "SUPPLIES".into(),
                start: 1,
                end: 2,
                properties: BTreeMap::new(),
            },
        );
        ent
    }

    #[test]
    fn entities_become_bolt_structures() {
        let ent = graph();
        let BoltValue::Node(n) = wire(&to_bolt(&Value::Node(1), &ent)) else {
            panic!("not a node")
        };
        assert_eq!((n.id, n.element_id.as_str()), (1, "n1"));
        assert_eq!(n.labels, vec!["Country".to_string()]);
        let BoltValue::Relationship(r) = wire(&to_bolt(&Value::Rel(7), &ent)) else {
            panic!("not a relationship")
        };
        assert_eq!(
            (r.start_node_id, r.end_node_id, r.rel_type.as_str()),
            (1, 2, "SUPPLIES")
        );
        assert_eq!(
            (r.start_element_id.as_str(), r.end_element_id.as_str()),
            ("n1", "n2")
        );
    }

    #[test]
    fn a_path_walks_its_relationships_with_their_direction() {
        let ent = graph();
        // b <- a ... walked from b: the relationship is traversed backwards,
        // then forwards again back to b.
        let p = Path {
            nodes: vec![2, 1, 2],
            rels: vec![7, 7],
        };
        let BoltValue::Path(bp) = wire(&to_bolt(&Value::Path(Box::new(p)), &ent)) else {
            panic!("not a path")
        };
        assert_eq!(
            bp.nodes.iter().map(|n| n.id).collect::<Vec<_>>(),
            vec![2, 1]
        );
        assert_eq!(bp.rels.len(), 1);
        assert_eq!(bp.indices, vec![-1, 1, 1, 0]);
        let single = Path {
            nodes: vec![1],
            rels: vec![],
        };
        let BoltValue::Path(bp) = to_bolt(&Value::Path(Box::new(single)), &ent) else {
            panic!("not a path")
        };
        assert_eq!((bp.nodes.len(), bp.indices.len()), (1, 0));
    }

    #[test]
    fn temporal_values_are_bolt_structures_both_ways() {
        use crate::value::temporal::build::{from_string, Kind};
        let ent = Entities::default();
        for (kind, text) in [
            (Kind::LocalTime, "12:31:14.645876123"),
            (Kind::Time, "12:31:14-01:30"),
            (Kind::LocalDateTime, "1969-12-31T23:59:59.5"),
            (Kind::DateTime, "2022-02-24T05:00+03:00"),
            (Kind::DateTime, "2022-02-24T05:00[Europe/Moscow]"),
        ] {
            let v = from_string(kind, text).unwrap();
            let b = to_bolt(&v, &ent);
            assert_eq!(from_bolt(&b, "p").unwrap(), v, "{text} as {b:?}");
        }
        // UTC seconds on the wire (Bolt 5), the zone by name.
        let v = from_string(Kind::DateTime, "1970-01-01T03:00[Europe/Moscow]").unwrap();
        let BoltValue::DateTimeZoneId(z) = to_bolt(&v, &ent) else {
            panic!("not a DateTimeZoneId")
        };
        assert_eq!((z.seconds, z.tz_id.as_str()), (0, "Europe/Moscow"));
        let d = Value::Temporal(Temporal::Duration(Box::new(
            crate::value::temporal::duration::parse("PT-1.5S").unwrap(),
        )));
        let BoltValue::Duration(bd) = to_bolt(&d, &ent) else {
            panic!("not a Duration")
        };
        assert_eq!((bd.seconds, bd.nanoseconds), (-2, 500_000_000));
        assert_eq!(from_bolt(&BoltValue::Duration(bd), "p").unwrap(), d);
        let bad = BoltValue::LocalTime(BoltLocalTime { nanoseconds: -1 });
        assert!(from_bolt(&bad, "t").unwrap_err().contains("$t"));
    }

    #[test]
    fn unsupported_parameters_are_refused_with_their_name() {
        let e = from_bolt(&BoltValue::List(vec![BoltValue::Bytes(vec![1, 2])]), "xs").unwrap_err();
        assert!(e.contains("$xs[0]") && e.contains("byte array"), "{e}");
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics() {
        // A cheap deterministic generator: every short prefix of a few
        // thousand pseudo-random byte strings, plus each marker byte alone
        // followed by junk.
        let mut rng = crate::test_rng::XorShift(0x9E37_79B9_7F4A_7C15);
        let mut next = || rng.next();
        for _ in 0..4000 {
            let len = (next() % 40) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let mut buf = bytes::Bytes::from(bytes);
            if let Ok(v) = boltr::packstream::decode_value(&mut buf) {
                let _ = from_bolt(&v, "p");
            }
            let _ = boltr::message::decode::decode_client_message(&buf);
        }
        for marker in 0..=255u8 {
            let mut bytes = vec![marker];
            bytes.extend_from_slice(&[0xFF; 9]);
            let _ = boltr::packstream::decode_value(&mut bytes::Bytes::from(bytes.clone()));
            let _ = boltr::message::decode::decode_client_message(&bytes);
        }
    }
}

//! Notation parser unit tests.

use crate::tck::notation::*;
use crate::value::Value;

fn round(s: &str) -> String {
    parse(s).unwrap().to_string()
}

#[test]
fn scalars() {
    assert_eq!(parse("null").unwrap(), Expected::Null);
    assert_eq!(parse(" true ").unwrap(), Expected::Bool(true));
    assert_eq!(parse("-42").unwrap(), Expected::Int(-42));
    assert_eq!(
        parse("-9223372036854775808").unwrap(),
        Expected::Int(i64::MIN)
    );
    assert_eq!(parse("1.0").unwrap(), Expected::Float(1.0));
    assert_eq!(parse("1e-5").unwrap(), Expected::Float(1e-5));
    assert_eq!(
        parse("-1.2635418652381264e305").unwrap(),
        Expected::Float(-1.2635418652381264e305)
    );
    assert!(matches!(parse("NaN").unwrap(), Expected::Float(f) if f.is_nan()));
    assert_eq!(parse("-Inf").unwrap(), Expected::Float(f64::NEG_INFINITY));
    assert_eq!(parse("Infinity").unwrap(), Expected::Float(f64::INFINITY));
    assert_eq!(
        parse(r"'a\'b\\c'").unwrap(),
        Expected::String(r"a'b\c".into())
    );
    assert_eq!(parse("''").unwrap(), Expected::String(String::new()));
    assert_eq!(parse(r"'\u00e4'").unwrap(), Expected::String("ä".into()));
    assert!(parse("12abc").is_err());
    assert!(parse("'open").is_err());
    assert!(parse("1 2").is_err());
    assert!(parse("").is_err());
    assert!(parse("99999999999999999999").is_err());
}

#[test]
fn structures() {
    assert_eq!(round("[1, 'a', null, [ ], {}]"), "[1, 'a', null, [], {}]");
    assert_eq!(
        round("{name: 'Popeye', level: 9001}"),
        "{level: 9001, name: 'Popeye'}"
    );
    assert_eq!(
        round("(:A:B {name: 'x', num: 1})"),
        "(:A:B {name: 'x', num: 1})"
    );
    assert_eq!(round("()"), "()");
    assert_eq!(round("({name: 'a'})"), "({name: 'a'})");
    assert_eq!(round("[:T]"), "[:T]");
    assert_eq!(round("[[:T {k: 1}], []]"), "[[:T {k: 1}], []]");
    assert_eq!(round("<()>"), "<()>");
    assert_eq!(
        round("<(:A)-[:T]->(:B)<-[:U {x: 1.5}]-()>"),
        "<(:A)-[:T]->(:B)<-[:U {x: 1.5}]-()>"
    );
    assert_eq!(round("{`a b`: 1}"), "{a b: 1}");
    assert!(parse("{a: 1, a: 2}").is_err());
    assert!(parse("<(:A)-[:T]-(:B)>").is_err());
    assert!(parse("[1, 2").is_err());
}

#[test]
fn parameter_values() {
    assert_eq!(
        parse_value("[1, {a: 'x'}]").unwrap(),
        Value::List(vec![
            Value::Int(1),
            Value::Map([("a".to_string(), Value::String("x".into()))].into())
        ])
    );
    assert!(parse_value("(:A)").is_err());
}

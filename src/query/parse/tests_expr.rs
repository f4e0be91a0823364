//! Parser unit tests, part 2: expressions, precedence, names, errors and
//! robustness (helpers live in `tests.rs`).

use super::tests::{clauses, err, expr, first_part, parse, shape, show};
use super::*;
use crate::query::ast::*;

// --------------------------------------------------------------- expressions

#[test]
fn literals() {
    assert_eq!(shape("null"), "null");
    assert_eq!(shape("TRUE"), "true");
    assert_eq!(shape("False"), "false");
    assert_eq!(shape("42"), "42");
    assert_eq!(shape("0x1F"), "31");
    assert_eq!(shape("0o17"), "15");
    assert_eq!(shape("-9223372036854775808"), i64::MIN.to_string());
    assert_eq!(shape("-0x8000000000000000"), i64::MIN.to_string());
    assert_eq!(shape("1.5"), "1.5");
    assert_eq!(shape(".5"), "0.5");
    assert_eq!(shape("1e10"), "10000000000.0");
    assert_eq!(shape("1.5e-3"), "0.0015");
    assert_eq!(shape("-2"), "-2");
    assert_eq!(shape(r"'a\'b\n\u00e9\\'"), "'a'b\né\\'");
    assert_eq!(shape(r#""dq\"x""#), "'dq\"x'");
    assert_eq!(shape("$name"), "$name");
    assert_eq!(shape("$0"), "$0");
    assert_eq!(shape("[1, 'a', [ ]]"), "[1, 'a', []]");
    assert_eq!(
        shape("{a: 1, `b c`: 2, match: 3}"),
        "{a: 1, b c: 2, match: 3}"
    );
}

#[test]
fn literal_errors() {
    let e = err("RETURN 9223372036854775808 AS literal");
    assert_eq!(e.code, "IntegerOverflow");
    assert_eq!(e.span, Span::new(7, 26));
    assert_eq!(err("RETURN -9223372036854775809").code, "IntegerOverflow");
    assert_eq!(err("RETURN -(9223372036854775808)").code, "IntegerOverflow");
    assert_eq!(err("RETURN 0x8000000000000000").code, "IntegerOverflow");
    assert_eq!(
        err("RETURN 0o1000000000000000000000").code,
        "IntegerOverflow"
    );
    assert_eq!(err("RETURN 1.34E999").code, "FloatingPointOverflow");
    assert_eq!(err("RETURN 0x AS literal").code, "InvalidNumberLiteral");
    assert_eq!(err("RETURN 0x1A2b3j4D5E6f7").code, "InvalidNumberLiteral");
    assert_eq!(err("RETURN 9223372h54775808").code, "InvalidNumberLiteral");
    assert_eq!(err("RETURN 1e").code, "InvalidNumberLiteral");
    assert_eq!(err("RETURN 9223372#54775808").code, "UnexpectedSyntax");
    let e = err(r"RETURN '\uH'");
    assert_eq!(e.code, "InvalidUnicodeLiteral");
    assert_eq!(e.span.start, 8);
    assert_eq!(err("RETURN 42 — 41").code, "InvalidUnicodeCharacter");
}

#[test]
fn function_calls() {
    assert_eq!(shape("count(*)"), "count(*)");
    assert_eq!(shape("COUNT(DISTINCT x)"), "COUNT(DISTINCT x)");
    assert_eq!(shape("toUpper(n.name)"), "toUpper(n.name)");
    assert_eq!(shape("algo.degree()"), "algo.degree()");
    assert_eq!(shape("exists(n.prop)"), "exists(n.prop)");
    assert_eq!(shape("`my fn`(1)"), "my fn(1)");
}

#[test]
fn case_expressions() {
    let ExprKind::Case {
        operand,
        whens,
        else_,
    } = expr("CASE n.x WHEN 1 THEN 'a' WHEN 2 THEN 'b' ELSE 'c' END").kind
    else {
        panic!()
    };
    assert_eq!(show(&operand.unwrap()), "n.x");
    assert_eq!(whens.len(), 2);
    assert!(else_.is_some());
    let ExprKind::Case {
        operand,
        whens,
        else_,
    } = expr("case when a > 1 then 1 end").kind
    else {
        panic!()
    };
    assert!(operand.is_none());
    assert_eq!(show(&whens[0].0), "(a Gt 1)");
    assert!(else_.is_none());
}

#[test]
fn comprehensions_and_quantifiers() {
    let ExprKind::ListComprehension {
        variable,
        list,
        predicate,
        map,
    } = expr("[x IN range(1, 10) WHERE x % 2 = 0 | x * 2]").kind
    else {
        panic!()
    };
    assert_eq!(variable.name, "x");
    assert_eq!(show(&list), "range(1, 10)");
    assert_eq!(show(&predicate.unwrap()), "((x Mod 2) Eq 0)");
    assert_eq!(show(&map.unwrap()), "(x Mul 2)");
    let ExprKind::PatternComprehension {
        variable,
        pattern,
        predicate,
        map,
    } = expr("[p = (a)-[:T]->(b:B) WHERE b.x > 1 | b.name]").kind
    else {
        panic!()
    };
    assert_eq!(variable.unwrap().name, "p");
    assert_eq!(pattern.chain.len(), 1);
    assert!(predicate.is_some());
    assert_eq!(show(&map), "b.name");
    for (text, kind) in [
        ("all", Quantifier::All),
        ("ANY", Quantifier::Any),
        ("none", Quantifier::None),
        ("single", Quantifier::Single),
    ] {
        let ExprKind::Quantifier {
            kind: k, predicate, ..
        } = expr(&format!("{text}(x IN [1] WHERE x > 0)")).kind
        else {
            panic!()
        };
        assert_eq!(k, kind);
        assert!(predicate.is_some());
    }
    let ExprKind::Reduce {
        accumulator,
        init,
        variable,
        expr: body,
        ..
    } = expr("reduce(acc = 0, x IN [1, 2] | acc + x)").kind
    else {
        panic!()
    };
    assert_eq!(
        (accumulator.name.as_str(), variable.name.as_str()),
        ("acc", "x")
    );
    assert_eq!(show(&init), "0");
    assert_eq!(show(&body), "(acc Add x)");
}

#[test]
fn postfix_operators() {
    assert_eq!(shape("n.a.b"), "n.a.b");
    assert_eq!(shape("l[0]"), "l[0]");
    assert_eq!(shape("l[1..3]"), "l[1..3]");
    assert_eq!(shape("l[..3]"), "l[..3]");
    assert_eq!(shape("l[1..]"), "l[1..]");
    assert_eq!(shape("n.count"), "n.count");
    assert_eq!(shape("n.`weird key`"), "n.weird key");
    assert_eq!(shape("(n).x"), "n.x");
    assert_eq!(shape("n:A:Match"), "(n:A:Match)");
    assert_eq!(shape("x IS NULL"), "(x IS NULL)");
    assert_eq!(shape("x is not null"), "(x IS NOT NULL)");
}

// ---------------------------------------------------------------- precedence

#[test]
fn boolean_precedence() {
    assert_eq!(shape("a OR b XOR c"), "(a Or (b Xor c))");
    assert_eq!(shape("a XOR b AND c"), "(a Xor (b And c))");
    assert_eq!(shape("a OR b AND c"), "(a Or (b And c))");
    assert_eq!(shape("NOT a AND b"), "((Not a) And b)");
    assert_eq!(shape("NOT a = b"), "(Not (a Eq b))");
    assert_eq!(shape("NOT a IS NULL"), "(Not (a IS NULL))");
}

#[test]
fn comparison_and_predicate_precedence() {
    assert_eq!(shape("a = b IS NULL"), "(a Eq (b IS NULL))");
    assert_eq!(shape("a = b IN c"), "(a Eq (b In c))");
    assert_eq!(shape("a AND b IN c"), "(a And (b In c))");
    assert_eq!(shape("a + b IN c"), "((a Add b) In c)");
    assert_eq!(shape("a STARTS WITH b + c"), "(a StartsWith (b Add c))");
    assert_eq!(
        shape("s ENDS WITH 'x' OR s CONTAINS 'y'"),
        "((s EndsWith 'x') Or (s Contains 'y'))"
    );
    assert_eq!(shape("a =~ 'x.*'"), "(a Regex 'x.*')");
    assert_eq!(shape("a <> b"), "(a Ne b)");
}

#[test]
fn chained_comparisons() {
    assert_eq!(shape("a < b < c"), "((a Lt b) And (b Lt c))");
    assert_eq!(
        shape("a < b <= c = d"),
        "(((a Lt b) And (b Le c)) And (c Eq d))"
    );
    assert_eq!(shape("(a < b) < c"), "((a Lt b) Lt c)");
}

#[test]
fn arithmetic_precedence() {
    assert_eq!(shape("1 + 2 * 3"), "(1 Add (2 Mul 3))");
    assert_eq!(shape("1 - 2 - 3"), "((1 Sub 2) Sub 3)");
    assert_eq!(shape("4 * 2 % 3 / 2"), "(((4 Mul 2) Mod 3) Div 2)");
    assert_eq!(shape("2 ^ 3 ^ 2"), "((2 Pow 3) Pow 2)");
    assert_eq!(shape("2 * 3 ^ 2"), "(2 Mul (3 Pow 2))");
    assert_eq!(shape("-3 ^ 2"), "(-3 Pow 2)");
    assert_eq!(shape("-x ^ 2"), "((Neg x) Pow 2)");
    assert_eq!(shape("-(3 ^ 2)"), "(Neg (3 Pow 2))");
    assert_eq!(shape("-n.x"), "(Neg n.x)");
    assert_eq!(shape("+1"), "(Pos 1)");
    assert_eq!(shape("1 - -1"), "(1 Sub -1)");
}

#[test]
fn spans_are_byte_offsets() {
    let e = expr("a.b + 1");
    assert_eq!(e.span, Span::new(7, 14));
    let ExprKind::Binary(_, l, r) = &e.kind else {
        panic!()
    };
    assert_eq!(l.span, Span::new(7, 10));
    assert_eq!(r.span, Span::new(13, 14));
    let s = parse("  RETURN 1;");
    assert_eq!(s.span, Span::new(0, 11));
}

// ------------------------------------------------------------------- names

#[test]
fn identifiers_and_keywords_as_names() {
    let p = first_part("MATCH (`weird``name`:Match:`Label 2`) RETURN 1");
    assert_eq!(
        p.element.start.variable.as_ref().unwrap().name,
        "weird`name"
    );
    assert_eq!(p.element.start.labels[1].name, "Label 2");
    assert_eq!(shape("größe"), "größe");
    assert_eq!(shape("matches"), "matches");
    assert_eq!(shape("n.return"), "n.return");
    assert_eq!(shape("{return: 1}"), "{return: 1}");
    let p = first_part("MATCH ()-[:CONTAINS|Order]->() RETURN 1");
    assert_eq!(p.element.chain[0].0.types[0].name, "CONTAINS");
}

#[test]
fn comments() {
    let c = clauses("MATCH (n) // find\n/* all */ RETURN n // done");
    assert_eq!(c.len(), 2);
    let Clause::Return(r) = &clauses("RETURN 1 // x")[0] else {
        panic!()
    };
    assert_eq!(r.projection.items[0].text, "1");
    assert_eq!(r.projection.items[0].span, Span::new(7, 8));
}

#[test]
fn keyword_list_matches_grammar() {
    let grammar = include_str!("../../../grammar/cypher.pest");
    let mut rules = Vec::new();
    for line in grammar.lines() {
        let Some((name, rest)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        if !rest.trim_start().starts_with("@{ ^\"") {
            continue;
        }
        if name.chars().all(|c| c.is_ascii_uppercase() || c == '_') && !name.is_empty() {
            let word = rest.split('"').nth(1).unwrap().to_uppercase();
            rules.push(word);
        }
    }
    assert!(rules.len() > 40);
    for w in &rules {
        assert!(KEYWORDS.contains(&w.as_str()), "{w} missing from KEYWORDS");
    }
    for k in KEYWORDS {
        assert!(rules.iter().any(|w| w == k), "{k} is not a grammar keyword");
    }
}

// ------------------------------------------------------------------- errors

#[test]
fn error_messages_use_words() {
    let e = err("RETRUN n");
    assert_eq!(e.code, "UnexpectedSyntax");
    assert_eq!(e.span, Span::new(0, 6));
    assert!(
        e.message
            .starts_with("unexpected 'RETRUN', expected a clause such as MATCH, RETURN or CREATE"),
        "{}",
        e.message
    );
    let e = err("MATCH (n RETURN n");
    assert!(e.message.contains("')'"), "{}", e.message);
    let e = err("MATCH (n");
    assert!(
        e.message
            .starts_with("unexpected end of input, expected ')'"),
        "{}",
        e.message
    );
    assert_eq!(e.span, Span::new(8, 8));
    let e = err("MATCH (n) RETURN n +");
    assert!(
        e.message.contains("expected an expression"),
        "{}",
        e.message
    );
    let e = err("RETURN {1} AS literal");
    assert_eq!(e.code, "UnexpectedSyntax");
    assert_eq!(e.to_string(), format!("{} (UnexpectedSyntax)", e.message));
    for text in [
        "RETURN [, ]",
        "RETURN {k1#k: 1}",
        "RETURN [[[]]",
        "",
        "   ",
        "MATCH",
    ] {
        let e = err(text);
        assert_eq!(e.code, "UnexpectedSyntax", "{text}");
        assert!(!e.message.contains('_'), "rule name leaked: {}", e.message);
    }
}

#[test]
fn never_panics_on_malformed_input() {
    let samples = [
        "MATCH (a)-[r:T*1..3]->(b) WHERE a.x > 1 AND b.y STARTS WITH 'x' RETURN a, count(*) ORDER BY a.x DESC LIMIT 3",
        "CREATE (a:A {k: [1, 2.5, 'x', $p, {m: null}]})-[:T]->(b) MERGE (c) ON CREATE SET c.x = 1",
        "RETURN CASE WHEN x THEN [y IN l WHERE y > 0 | y ^ 2] ELSE reduce(a = 0, z IN l | a + z) END",
        "CALL algo.pagerank() YIELD node, score WHERE score > 0.5 RETURN node // c\n/* x */",
    ];
    let mut inputs: Vec<String> = Vec::new();
    for s in samples {
        for i in 0..=s.len() {
            if s.is_char_boundary(i) {
                inputs.push(s[..i].to_string());
                inputs.push(format!(
                    "{}{}",
                    &s[..i],
                    &s[i..].replace(['(', ')', '[', ']'], "")
                ));
            }
        }
    }
    // Pseudo-random token soup.
    let tokens = [
        "MATCH",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "-",
        ">",
        "<",
        "*",
        "..",
        ":",
        "'",
        "\"",
        "`",
        "$",
        "@",
        "RETURN",
        "WHERE",
        "n",
        "1",
        "0x",
        "1e",
        ",",
        "|",
        "=",
        "+",
        "/*",
        "//",
        "\\",
        "é",
        "CASE",
        "END",
        "NOT",
        "IN",
        "9223372036854775808",
        ".",
        ";",
        "\n",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..1500 {
        let mut s = String::new();
        for _ in 0..(seed % 24) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            s.push_str(tokens[(seed % tokens.len() as u64) as usize]);
            if seed.is_multiple_of(3) {
                s.push(' ');
            }
        }
        inputs.push(s);
    }
    for text in &inputs {
        let _ = parse_statement(text);
        let _ = split_statements(text);
        let _ = is_incomplete(text);
    }
}

#[test]
fn deep_nesting_errors_instead_of_overflowing() {
    for open in ["(", "[", "{a:", "-(", "NOT ("] {
        let text = format!("RETURN {}1", open.repeat(10_000));
        let e = err(&text);
        assert_eq!(e.code, "UnexpectedSyntax");
    }
    let e = err(&format!("RETURN {}1", "- ".repeat(10_000)));
    assert_eq!(e.code, "UnexpectedSyntax");
    let e = err(&format!("RETURN {}1", "NOT ".repeat(10_000)));
    assert_eq!(e.code, "UnexpectedSyntax");
    // Reasonable nesting still works.
    let text = format!("RETURN {}1{}", "(".repeat(40), ")".repeat(40));
    assert_eq!(shape(&text[7..]), "1");
    // Every operator is a level of the tree the checker and evaluator
    // recurse over: a chain past the limit is an error at the operator
    // that crosses it, one inside it parses.
    let long = format!("RETURN 1{}", " + 1".repeat(5_000));
    let e = err(&long);
    assert_eq!(e.code, "UnexpectedSyntax");
    assert_eq!(&long[e.span.start..e.span.end], "+");
    for op in [" + 1", ".a", "[0]", " IS NULL", " ^ 2"] {
        let text = format!("RETURN 1{}", op.repeat(super::MAX_TREE_DEPTH - 10));
        let stmt = parse_statement(&text).unwrap();
        assert!(stmt.depth > super::SHALLOW_DEPTH, "{op}");
        assert!(
            err(&format!("RETURN 1{}", op.repeat(super::MAX_TREE_DEPTH)))
                .message
                .contains("too deeply")
        );
    }
}

//! The TCK's value notation, used in result tables, `parameters are` tables
//! and procedure tables: `null`, `true`, `42`, `1.5`, `NaN`, `'str'`,
//! `[1, 2]`, `{k: v}`, nodes `(:A:B {k: v})`, relationships `[:T {k: v}]`
//! and paths `<(:A)-[:T]->(:B)<-[:U]-()>`.

use crate::value::{format_float, Value};
use std::collections::BTreeMap;
use std::fmt;

/// An expected value. Entities are described by content, not identity.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    List(Vec<Expected>),
    Map(BTreeMap<String, Expected>),
    Node(ExpNode),
    Rel(ExpRel),
    Path(ExpPath),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExpNode {
    pub labels: Vec<String>,
    pub properties: BTreeMap<String, Expected>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExpRel {
    pub rel_type: String,
    pub properties: BTreeMap<String, Expected>,
}

/// `start (-[rel]-> | <-[rel]-) node ...`; `forward` is true for `->`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExpPath {
    pub start: ExpNode,
    pub steps: Vec<(ExpRel, bool, ExpNode)>,
}

/// Parses one cell. The whole input must be consumed.
pub fn parse(text: &str) -> Result<Expected, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        src: text,
        i: 0,
    };
    let v = p.value()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.fail("trailing input"));
    }
    Ok(v)
}

/// Parses a cell into a runtime value (for parameters and procedure rows);
/// nodes, relationships and paths are rejected.
pub fn parse_value(text: &str) -> Result<Value, String> {
    to_value(&parse(text)?)
}

pub fn to_value(e: &Expected) -> Result<Value, String> {
    Ok(match e {
        Expected::Null => Value::Null,
        Expected::Bool(b) => Value::Bool(*b),
        Expected::Int(i) => Value::Int(*i),
        Expected::Float(f) => Value::Float(*f),
        Expected::String(s) => Value::String(s.clone()),
        Expected::List(l) => Value::List(l.iter().map(to_value).collect::<Result<_, _>>()?),
        Expected::Map(m) => Value::Map(
            m.iter()
                .map(|(k, v)| Ok((k.clone(), to_value(v)?)))
                .collect::<Result<_, String>>()?,
        ),
        Expected::Node(_) | Expected::Rel(_) | Expected::Path(_) => {
            return Err(format!("`{e}` cannot be used as a parameter value"))
        }
    })
}

struct Parser<'a> {
    s: &'a [u8],
    src: &'a str,
    i: usize,
}

impl Parser<'_> {
    fn fail(&self, what: &str) -> String {
        format!("{what} at offset {} in `{}`", self.i, self.src)
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.fail(&format!("expected `{}`", c as char)))
        }
    }

    fn rest(&self) -> &str {
        &self.src[self.i..]
    }

    fn keyword(&mut self, kw: &str) -> bool {
        let r = self.rest();
        if r.starts_with(kw)
            && !r[kw.len()..]
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            self.i += kw.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<Expected, String> {
        match self.peek() {
            None => Err(self.fail("expected a value")),
            Some(b'\'') | Some(b'"') => Ok(Expected::String(self.string()?)),
            Some(b'(') => Ok(Expected::Node(self.node()?)),
            Some(b'<') => self.path(),
            Some(b'{') => Ok(Expected::Map(self.map()?)),
            Some(b'[') => {
                let save = self.i;
                self.i += 1;
                if self.peek() == Some(b':') {
                    self.i = save;
                    return Ok(Expected::Rel(self.rel()?));
                }
                let mut items = Vec::new();
                if !self.eat(b']') {
                    loop {
                        items.push(self.value()?);
                        if self.eat(b']') {
                            break;
                        }
                        self.expect(b',')?;
                    }
                }
                Ok(Expected::List(items))
            }
            Some(_) => {
                for (kw, v) in [
                    ("null", Expected::Null),
                    ("true", Expected::Bool(true)),
                    ("false", Expected::Bool(false)),
                    ("NaN", Expected::Float(f64::NAN)),
                    ("Infinity", Expected::Float(f64::INFINITY)),
                    ("Inf", Expected::Float(f64::INFINITY)),
                    ("-Infinity", Expected::Float(f64::NEG_INFINITY)),
                    ("-Inf", Expected::Float(f64::NEG_INFINITY)),
                ] {
                    if self.keyword(kw) {
                        return Ok(v);
                    }
                }
                self.number()
            }
        }
    }

    fn number(&mut self) -> Result<Expected, String> {
        let start = self.i;
        let s = self.s;
        let mut j = self.i;
        if j < s.len() && (s[j] == b'-' || s[j] == b'+') {
            j += 1;
        }
        let digits_start = j;
        while j < s.len() && s[j].is_ascii_digit() {
            j += 1;
        }
        let mut float = false;
        if j < s.len() && s[j] == b'.' && s.get(j + 1).is_some_and(|b| b.is_ascii_digit()) {
            float = true;
            j += 1;
            while j < s.len() && s[j].is_ascii_digit() {
                j += 1;
            }
        }
        if j == digits_start {
            return Err(self.fail("expected a value"));
        }
        if j < s.len() && (s[j] == b'e' || s[j] == b'E') {
            let mut k = j + 1;
            if k < s.len() && (s[k] == b'-' || s[k] == b'+') {
                k += 1;
            }
            if k < s.len() && s[k].is_ascii_digit() {
                float = true;
                while k < s.len() && s[k].is_ascii_digit() {
                    k += 1;
                }
                j = k;
            }
        }
        if j < s.len() && (s[j].is_ascii_alphanumeric() || s[j] == b'_') {
            return Err(self.fail("malformed number"));
        }
        let text = &self.src[start..j];
        self.i = j;
        if float {
            text.parse::<f64>()
                .map(Expected::Float)
                .map_err(|e| format!("bad float `{text}`: {e}"))
        } else {
            text.parse::<i64>()
                .map(Expected::Int)
                .map_err(|e| format!("bad integer `{text}`: {e}"))
        }
    }

    fn string(&mut self) -> Result<String, String> {
        let quote = self.s[self.i];
        self.i += 1;
        let mut out = String::new();
        let mut chars = self.src[self.i..].char_indices();
        while let Some((off, c)) = chars.next() {
            if c == quote as char {
                self.i += off + 1;
                return Ok(out);
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next().map(|(_, c)| c) {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('b') => out.push('\u{8}'),
                Some('f') => out.push('\u{c}'),
                Some(c @ ('u' | 'U')) => {
                    let n = if c == 'u' { 4 } else { 8 };
                    let hex: String = (0..n)
                        .filter_map(|_| chars.next().map(|(_, c)| c))
                        .collect();
                    let ch = u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .ok_or_else(|| self.fail("bad unicode escape"))?;
                    out.push(ch);
                }
                Some(c @ ('\\' | '\'' | '"')) => out.push(c),
                Some(c) => {
                    out.push('\\');
                    out.push(c);
                }
                None => break,
            }
        }
        Err(self.fail("unterminated string"))
    }

    fn ident(&mut self) -> Result<String, String> {
        self.ws();
        if self.s.get(self.i) == Some(&b'`') {
            let rest = &self.src[self.i + 1..];
            let end = rest
                .find('`')
                .ok_or_else(|| self.fail("unterminated `name`"))?;
            let name = rest[..end].to_string();
            self.i += end + 2;
            return Ok(name);
        }
        let start = self.i;
        let rest = self.rest();
        let len = rest
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '$'))
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        if len == 0 {
            return Err(self.fail("expected a name"));
        }
        self.i += len;
        Ok(self.src[start..self.i].to_string())
    }

    fn map(&mut self) -> Result<BTreeMap<String, Expected>, String> {
        self.expect(b'{')?;
        let mut m = BTreeMap::new();
        if self.eat(b'}') {
            return Ok(m);
        }
        loop {
            let k = self.ident()?;
            self.expect(b':')?;
            let v = self.value()?;
            if m.insert(k.clone(), v).is_some() {
                return Err(self.fail(&format!("duplicate key `{k}`")));
            }
            if self.eat(b'}') {
                return Ok(m);
            }
            self.expect(b',')?;
        }
    }

    fn node(&mut self) -> Result<ExpNode, String> {
        self.expect(b'(')?;
        let mut n = ExpNode::default();
        while self.eat(b':') {
            n.labels.push(self.ident()?);
        }
        if self.peek() == Some(b'{') {
            n.properties = self.map()?;
        }
        self.expect(b')')?;
        Ok(n)
    }

    fn rel(&mut self) -> Result<ExpRel, String> {
        self.expect(b'[')?;
        self.expect(b':')?;
        let mut r = ExpRel {
            rel_type: self.ident()?,
            ..Default::default()
        };
        if self.peek() == Some(b'{') {
            r.properties = self.map()?;
        }
        self.expect(b']')?;
        Ok(r)
    }

    fn path(&mut self) -> Result<Expected, String> {
        self.expect(b'<')?;
        let mut p = ExpPath {
            start: self.node()?,
            steps: Vec::new(),
        };
        loop {
            match self.peek() {
                Some(b'>') => {
                    self.i += 1;
                    return Ok(Expected::Path(p));
                }
                Some(b'<') => {
                    self.i += 1;
                    self.expect(b'-')?;
                    let r = self.rel()?;
                    self.expect(b'-')?;
                    p.steps.push((r, false, self.node()?));
                }
                Some(b'-') => {
                    self.i += 1;
                    let r = self.rel()?;
                    self.expect(b'-')?;
                    self.expect(b'>')?;
                    p.steps.push((r, true, self.node()?));
                }
                _ => return Err(self.fail("expected `-`, `<-` or `>` in path")),
            }
        }
    }
}

/// Writes a string in the notation (single quotes; `'` and `\` escaped).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out.push('\'');
    out
}

pub(crate) fn write_map<T>(
    f: &mut fmt::Formatter<'_>,
    m: &BTreeMap<String, T>,
    item: impl Fn(&mut fmt::Formatter<'_>, &T) -> fmt::Result,
) -> fmt::Result {
    f.write_str("{")?;
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{k}: ")?;
        item(f, v)?;
    }
    f.write_str("}")
}

impl fmt::Display for ExpNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        for l in &self.labels {
            write!(f, ":{l}")?;
        }
        if !self.properties.is_empty() {
            if !self.labels.is_empty() {
                f.write_str(" ")?;
            }
            write_map(f, &self.properties, |f, v| write!(f, "{v}"))?;
        }
        f.write_str(")")
    }
}

impl fmt::Display for ExpRel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[:{}", self.rel_type)?;
        if !self.properties.is_empty() {
            f.write_str(" ")?;
            write_map(f, &self.properties, |f, v| write!(f, "{v}"))?;
        }
        f.write_str("]")
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Null => f.write_str("null"),
            Expected::Bool(b) => write!(f, "{b}"),
            Expected::Int(i) => write!(f, "{i}"),
            Expected::Float(x) => f.write_str(&format_float(*x)),
            Expected::String(s) => f.write_str(&quote(s)),
            Expected::List(l) => {
                f.write_str("[")?;
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Expected::Map(m) => write_map(f, m, |f, v| write!(f, "{v}")),
            Expected::Node(n) => write!(f, "{n}"),
            Expected::Rel(r) => write!(f, "{r}"),
            Expected::Path(p) => {
                write!(f, "<{}", p.start)?;
                for (r, fwd, n) in &p.steps {
                    if *fwd {
                        write!(f, "-{r}->{n}")?;
                    } else {
                        write!(f, "<-{r}-{n}")?;
                    }
                }
                f.write_str(">")
            }
        }
    }
}

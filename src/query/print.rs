//! Prints a syntax tree back as statement text that the parser reads as the
//! same tree (spans and `ProjectionItem::text` aside).
//!
//! Operators are parenthesised so precedence never changes: every binary,
//! unary, `IS [NOT] NULL` and label-check expression is wrapped, except the
//! left operand of a left-associative operator of the same level
//! (`(a + b + c)`, `(x AND y AND z)`), so long chains do not nest brackets
//! past the parser's limit. Comparisons never chain (`a < b < c` parses as
//! `a < b AND b < c`), so their operands are always wrapped. Names are
//! backticked when they are not plain ASCII names or are keywords; strings
//! are single-quoted with escapes; floats print with Rust's shortest
//! round-trip formatting (`1e300`, `0.1`, `(-0.0)`). The grammar has no NaN
//! or infinity literal (the parser rejects overflowing floats), so those
//! print as divisions (`(0.0 / 0.0)`), which do not read back as a `Float`.
//!
//! Not kept: comments, keyword case, `ON CREATE`/`ON MATCH` interleaving (all
//! `ON CREATE SET` items print first), and the source text of an unaliased
//! column (`RETURN a.x+1` prints as `RETURN (a.x + 1)`, so the column's
//! name changes with it).

use std::fmt::{self, Display, Write};

use crate::query::ast::*;
use crate::query::parse::KEYWORDS;

/// The statement as text the parser accepts.
pub fn print_statement(s: &Statement) -> String {
    s.to_string()
}

/// An expression as text the parser accepts.
pub fn print_expr(e: &Expr) -> String {
    e.to_string()
}

/// The tree as `Debug` text with what the round trip may change reset:
/// spans, [`Statement::depth`] (brackets add levels) and
/// [`ProjectionItem::text`] (the source text of a column). Two statements
/// with the same shape mean the same.
pub fn shape_of(st: &Statement) -> String {
    let mut st = st.clone();
    st.depth = 0;
    // Symbols are numbered in the order names are written, which printing
    // may change (SET items gathered by ON CREATE/ON MATCH).
    if let crate::query::ast::Body::Query(q) = &mut st.body {
        q.symbols = crate::query::ast::Symbols::none();
    }
    let text = format!("{st:?}");
    static SYM: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let sym = SYM.get_or_init(|| regex::Regex::new(r"Sym\(\d+\)").expect("a valid pattern"));
    let text = sym.replace_all(&text, "Sym").into_owned();
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(i) = rest.find("Span {") {
        out.push_str(&rest[..i]);
        rest = rest[i..]
            .find('}')
            .map(|j| &rest[i + j + 1..])
            .unwrap_or("");
    }
    out.push_str(rest);
    clear_item_texts(&out)
}

/// Empties every `text: "…"` field of the `Debug` text (the items of
/// subqueries' projections too). Inside a string value a quote is
/// escaped, so `text: "` only starts the field.
fn clear_item_texts(debug: &str) -> String {
    const FIELD: &str = "text: \"";
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(i) = rest.find(FIELD) {
        out.push_str(&rest[..i + FIELD.len()]);
        let mut chars = rest[i + FIELD.len()..].char_indices();
        let mut end = rest.len() - i - FIELD.len();
        while let Some((j, c)) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    end = j;
                    break;
                }
                _ => {}
            }
        }
        rest = &rest[i + FIELD.len() + end..];
    }
    out.push_str(rest);
    out
}

impl Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut p = Printer::default();
        p.statement(self);
        f.write_str(&p.out)
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut p = Printer::default();
        p.expr(self);
        f.write_str(&p.out)
    }
}

impl Display for PatternElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut p = Printer::default();
        p.element(self);
        f.write_str(&p.out)
    }
}

fn is_keyword(name: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(name))
}

fn is_plain(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A name (variable, label, key, type…): backticked unless plain and no keyword.
fn name(n: &str) -> String {
    if is_plain(n) && !is_keyword(n) {
        n.to_string()
    } else {
        format!("`{}`", n.replace('`', "``"))
    }
}

/// A single-quoted string literal.
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

fn float(v: f64) -> String {
    if v.is_nan() {
        "(0.0 / 0.0)".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "(1.0 / 0.0)"
        } else {
            "(-1.0 / 0.0)"
        }
        .into()
    } else if v.is_sign_negative() {
        format!("(-{:?})", -v)
    } else {
        // `{:?}` is the shortest text that reads back as the same f64 and
        // always has a `.` or an exponent (`1.0`, `1e300`, `1e-7`).
        format!("{v:?}")
    }
}

/// Operator levels, lowest first (the parser's Pratt table).
fn level(op: BinaryOp) -> u8 {
    use BinaryOp::*;
    match op {
        Or => 1,
        Xor => 2,
        And => 3,
        Eq | Ne | Lt | Le | Gt | Ge | Regex => 5,
        In | StartsWith | EndsWith | Contains => 6,
        Add | Sub => 7,
        Mul | Div | Mod => 8,
        Pow => 9,
    }
}

fn op_text(op: BinaryOp) -> &'static str {
    use BinaryOp::*;
    match op {
        Or => "OR",
        Xor => "XOR",
        And => "AND",
        Eq => "=",
        Ne => "<>",
        Lt => "<",
        Le => "<=",
        Gt => ">",
        Ge => ">=",
        Regex => "=~",
        Add => "+",
        Sub => "-",
        Mul => "*",
        Div => "/",
        Mod => "%",
        Pow => "^",
        In => "IN",
        StartsWith => "STARTS WITH",
        EndsWith => "ENDS WITH",
        Contains => "CONTAINS",
    }
}

#[derive(Default)]
struct Printer {
    out: String,
}

impl Printer {
    fn s(&mut self, text: &str) {
        self.out.push_str(text);
    }

    fn list<T>(&mut self, items: &[T], sep: &str, mut each: impl FnMut(&mut Self, &T)) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.s(sep);
            }
            each(self, item);
        }
    }

    // ------------------------------------------------------------ statements

    fn statement(&mut self, st: &Statement) {
        match st.mode {
            Mode::Normal => {}
            Mode::Explain => self.s("EXPLAIN "),
            Mode::Profile => self.s("PROFILE "),
        }
        match &st.body {
            Body::Begin => self.s("BEGIN"),
            Body::Commit => self.s("COMMIT"),
            Body::Rollback => self.s("ROLLBACK"),
            Body::Query(q) => self.query(q),
        }
    }

    fn query(&mut self, q: &Query) {
        self.single(&q.first);
        for u in &q.unions {
            self.s(if u.all { " UNION ALL " } else { " UNION " });
            self.single(&u.query);
        }
    }

    fn single(&mut self, q: &SingleQuery) {
        self.list(&q.clauses, " ", |p, c| p.clause(c));
    }

    fn clause(&mut self, c: &Clause) {
        match c {
            Clause::Match(m) => {
                if m.optional {
                    self.s("OPTIONAL ");
                }
                self.s("MATCH ");
                self.list(&m.pattern, ", ", |p, part| p.part(part));
                if let Some(e) = &m.as_of {
                    self.s(" AS OF ");
                    self.expr(e);
                }
                self.where_(&m.where_);
            }
            Clause::Unwind(u) => {
                self.s("UNWIND ");
                self.expr(&u.expr);
                self.s(" AS ");
                self.s(&name(&u.variable.name));
            }
            Clause::With(w) => {
                self.s("WITH ");
                self.projection(&w.projection);
                self.where_(&w.where_);
            }
            Clause::Return(r) => {
                self.s("RETURN ");
                self.projection(&r.projection);
            }
            Clause::Create(c) => {
                self.s("CREATE ");
                self.list(&c.pattern, ", ", |p, part| p.part(part));
            }
            Clause::Merge(m) => {
                self.s("MERGE ");
                self.part(&m.part);
                if !m.on_create.is_empty() {
                    self.s(" ON CREATE SET ");
                    self.list(&m.on_create, ", ", |p, i| p.set_item(i));
                }
                if !m.on_match.is_empty() {
                    self.s(" ON MATCH SET ");
                    self.list(&m.on_match, ", ", |p, i| p.set_item(i));
                }
            }
            Clause::Set(s) => {
                self.s("SET ");
                self.list(&s.items, ", ", |p, i| p.set_item(i));
            }
            Clause::Remove(r) => {
                self.s("REMOVE ");
                self.list(&r.items, ", ", |p, i| match i {
                    RemoveItem::Property { target, key, .. } => p.property_target(target, key),
                    RemoveItem::Labels {
                        variable, labels, ..
                    } => {
                        p.s(&name(&variable.name));
                        p.labels(labels);
                    }
                });
            }
            Clause::Delete(d) => {
                self.s(if d.detach {
                    "DETACH DELETE "
                } else {
                    "DELETE "
                });
                self.list(&d.exprs, ", ", |p, e| p.expr(e));
            }
            Clause::Call(c) => self.call(c),
            Clause::CallSubquery(c) => {
                self.s("CALL { ");
                self.query(&c.query);
                self.s(" }");
                if let Some(t) = &c.in_transactions {
                    self.s(" IN TRANSACTIONS");
                    if let Some(n) = &t.rows {
                        self.s(" OF ");
                        self.expr(n);
                        self.s(" ROWS");
                    }
                }
            }
        }
    }

    fn where_(&mut self, w: &Option<Expr>) {
        if let Some(e) = w {
            self.s(" WHERE ");
            self.expr(e);
        }
    }

    fn projection(&mut self, pr: &Projection) {
        if pr.distinct {
            self.s("DISTINCT ");
        }
        if pr.star {
            self.s("*");
            if !pr.items.is_empty() {
                self.s(", ");
            }
        }
        self.list(&pr.items, ", ", |p, item| {
            p.expr(&item.expr);
            if let Some(a) = &item.alias {
                p.s(" AS ");
                p.s(&name(&a.name));
            }
        });
        if !pr.order_by.is_empty() {
            self.s(" ORDER BY ");
            self.list(&pr.order_by, ", ", |p, s| {
                p.expr(&s.expr);
                if s.descending {
                    p.s(" DESC");
                }
            });
        }
        if let Some(e) = &pr.skip {
            self.s(" SKIP ");
            self.expr(e);
        }
        if let Some(e) = &pr.limit {
            self.s(" LIMIT ");
            self.expr(e);
        }
    }

    fn set_item(&mut self, item: &SetItem) {
        match item {
            SetItem::Property {
                target, key, value, ..
            } => {
                self.property_target(target, key);
                self.s(" = ");
                self.expr(value);
            }
            SetItem::Replace {
                variable, value, ..
            } => {
                self.s(&name(&variable.name));
                self.s(" = ");
                self.expr(value);
            }
            SetItem::Append {
                variable, value, ..
            } => {
                self.s(&name(&variable.name));
                self.s(" += ");
                self.expr(value);
            }
            SetItem::Labels {
                variable, labels, ..
            } => {
                self.s(&name(&variable.name));
                self.labels(labels);
            }
        }
    }

    /// `target.key` where the grammar wants an atom and postfix accesses.
    fn property_target(&mut self, target: &Expr, key: &Ident) {
        self.postfix_operand(target);
        self.s(".");
        self.s(&name(&key.name));
    }

    fn call(&mut self, c: &Call) {
        self.s("CALL ");
        let parts: Vec<String> = c.procedure.iter().map(|n| name(n)).collect();
        self.s(&parts.join("."));
        if let Some(args) = &c.args {
            self.s("(");
            self.list(args, ", ", |p, e| p.expr(e));
            self.s(")");
        }
        if c.yield_star {
            self.s(" YIELD *");
        } else if let Some(items) = &c.yields {
            self.s(" YIELD ");
            self.list(items, ", ", |p, y| {
                p.s(&name(&y.field.name));
                if let Some(a) = &y.alias {
                    p.s(" AS ");
                    p.s(&name(&a.name));
                }
            });
            self.where_(&c.where_);
        }
    }

    // -------------------------------------------------------------- patterns

    fn part(&mut self, part: &PatternPart) {
        if let Some(v) = &part.variable {
            self.s(&name(&v.name));
            self.s(" = ");
        }
        let wrap = match part.kind {
            PathKind::Normal => None,
            PathKind::Shortest => Some("shortestPath("),
            PathKind::AllShortest => Some("allShortestPaths("),
            PathKind::Strongest => Some("strongestPath("),
        };
        if let Some(w) = wrap {
            self.s(w);
        }
        self.element(&part.element);
        if wrap.is_some() {
            self.s(")");
        }
    }

    fn element(&mut self, el: &PatternElement) {
        self.node(&el.start);
        for (rel, node) in &el.chain {
            self.rel(rel);
            self.node(node);
        }
    }

    fn labels(&mut self, labels: &[Ident]) {
        for l in labels {
            self.s(":");
            self.s(&name(&l.name));
        }
    }

    fn node(&mut self, n: &NodePattern) {
        self.s("(");
        if let Some(v) = &n.variable {
            self.s(&name(&v.name));
        }
        self.labels(&n.labels);
        if let Some(a) = &n.actor {
            if n.variable.is_some() || !n.labels.is_empty() {
                self.s(" ");
            }
            self.actor(&a.name);
        }
        if let Some(props) = &n.properties {
            if n.variable.is_some() || !n.labels.is_empty() || n.actor.is_some() {
                self.s(" ");
            }
            self.expr(props);
        }
        self.s(")");
    }

    fn rel(&mut self, r: &RelPattern) {
        self.s(if r.direction == Direction::Incoming {
            "<-"
        } else {
            "-"
        });
        let detail = r.variable.is_some()
            || !r.types.is_empty()
            || r.length.is_some()
            || r.properties.is_some();
        if detail {
            self.s("[");
            if let Some(v) = &r.variable {
                self.s(&name(&v.name));
            }
            for (i, t) in r.types.iter().enumerate() {
                self.s(if i == 0 { ":" } else { "|" });
                self.s(&name(&t.name));
            }
            if let Some(len) = r.length {
                self.s("*");
                match (len.min, len.max) {
                    (None, None) => {}
                    (Some(a), Some(b)) if a == b => self.s(&a.to_string()),
                    (min, max) => {
                        if let Some(a) = min {
                            self.s(&a.to_string());
                        }
                        self.s("..");
                        if let Some(b) = max {
                            self.s(&b.to_string());
                        }
                    }
                }
            }
            if let Some(props) = &r.properties {
                self.s(" ");
                self.expr(props);
            }
            self.s("]");
        }
        self.s(if r.direction == Direction::Outgoing {
            "->"
        } else {
            "-"
        });
    }

    fn actor(&mut self, a: &str) {
        self.s("@");
        if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            self.s(a);
        } else {
            self.s(&string(a));
        }
    }

    // ----------------------------------------------------------- expressions

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Binary(..) => {
                self.s("(");
                self.bare(e);
                self.s(")");
            }
            _ => self.bare(e),
        }
    }

    /// An operand of `.key`, `[i]` or `[a..b]`: wrapped unless it binds at
    /// least as tightly (numbers are wrapped too: `(1).x`).
    fn postfix_operand(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Int(_) | ExprKind::Float(_) => {
                self.s("(");
                self.expr(e);
                self.s(")");
            }
            _ => self.expr(e),
        }
    }

    /// `e` without the brackets `expr` puts around a binary operator.
    fn bare(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Null => self.s("NULL"),
            ExprKind::Bool(b) => self.s(if *b { "true" } else { "false" }),
            ExprKind::Int(v) => {
                if *v < 0 {
                    self.s(&format!("({v})"));
                } else {
                    self.s(&v.to_string());
                }
            }
            ExprKind::Float(v) => self.s(&float(*v)),
            ExprKind::String(s) => self.s(&string(s)),
            ExprKind::Parameter(p, _) => {
                self.s("$");
                if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) || is_plain(p) {
                    self.s(p);
                } else {
                    self.s(&format!("`{}`", p.replace('`', "``")));
                }
            }
            ExprKind::Variable(v, _) => self.s(&name(v)),
            ExprKind::Actor(a) => self.actor(a),
            ExprKind::List(items) => {
                self.s("[");
                self.list(items, ", ", |p, e| p.expr(e));
                self.s("]");
            }
            ExprKind::Map(entries) => {
                self.s("{");
                self.list(entries, ", ", |p, (k, v)| {
                    p.s(&name(&k.name));
                    p.s(": ");
                    p.expr(v);
                });
                self.s("}");
            }
            ExprKind::Property(target, key) => self.property_target(target, key),
            ExprKind::Index(target, index) => {
                self.postfix_operand(target);
                self.s("[");
                self.expr(index);
                self.s("]");
            }
            ExprKind::Slice(target, from, to) => {
                self.postfix_operand(target);
                self.s("[");
                if let Some(from) = from {
                    self.expr(from);
                }
                self.s("..");
                if let Some(to) = to {
                    self.expr(to);
                }
                self.s("]");
            }
            ExprKind::Unary(op, inner) => {
                self.s(match op {
                    UnaryOp::Not => "(NOT ",
                    UnaryOp::Neg => "(-",
                    UnaryOp::Pos => "(+",
                });
                match &inner.kind {
                    // Prefix chains stay flat: `(NOT NOT x)`, `(- -x)`.
                    ExprKind::Unary(inner_op, x)
                        if *op == UnaryOp::Not || *inner_op != UnaryOp::Not =>
                    {
                        if *op != UnaryOp::Not {
                            self.s(" ");
                        }
                        self.bare_unary(*inner_op, x);
                    }
                    _ => self.expr(inner),
                }
                self.s(")");
            }
            ExprKind::Binary(op, lhs, rhs) => {
                let same_level = matches!(&lhs.kind,
                    ExprKind::Binary(l, _, _) if level(*l) == level(*op) && level(*op) != 5);
                if same_level {
                    self.bare(lhs);
                } else {
                    self.expr(lhs);
                }
                self.s(" ");
                self.s(op_text(*op));
                self.s(" ");
                self.expr(rhs);
            }
            ExprKind::IsNull { .. } | ExprKind::HasLabels(..) => {
                self.s("(");
                self.null_or_labels(e);
                self.s(")");
            }
            ExprKind::Function {
                name: fname,
                distinct,
                args,
                ..
            } => {
                let parts: Vec<String> = fname.split('.').map(name).collect();
                self.s(&parts.join("."));
                self.s("(");
                if *distinct {
                    self.s("DISTINCT ");
                }
                self.list(args, ", ", |p, e| p.expr(e));
                self.s(")");
            }
            ExprKind::CountStar => self.s("count(*)"),
            ExprKind::Case {
                operand,
                whens,
                else_,
            } => {
                self.s("CASE");
                if let Some(o) = operand {
                    self.s(" ");
                    self.expr(o);
                }
                for (w, t) in whens {
                    self.s(" WHEN ");
                    self.expr(w);
                    self.s(" THEN ");
                    self.expr(t);
                }
                if let Some(e) = else_ {
                    self.s(" ELSE ");
                    self.expr(e);
                }
                self.s(" END");
            }
            ExprKind::ListComprehension {
                variable,
                list,
                predicate,
                map,
            } => {
                self.s("[");
                self.s(&name(&variable.name));
                self.s(" IN ");
                self.expr(list);
                self.comp_tail(predicate, map.as_deref());
                self.s("]");
            }
            ExprKind::PatternComprehension {
                variable,
                pattern,
                predicate,
                map,
            } => {
                self.s("[");
                if let Some(v) = variable {
                    self.s(&name(&v.name));
                    self.s(" = ");
                }
                self.element(pattern);
                self.comp_tail(predicate, Some(map));
                self.s("]");
            }
            ExprKind::Quantifier {
                kind,
                variable,
                list,
                predicate,
            } => {
                self.s(match kind {
                    Quantifier::All => "all(",
                    Quantifier::Any => "any(",
                    Quantifier::None => "none(",
                    Quantifier::Single => "single(",
                });
                self.s(&name(&variable.name));
                self.s(" IN ");
                self.expr(list);
                self.comp_tail(predicate, None);
                self.s(")");
            }
            ExprKind::Reduce {
                accumulator,
                init,
                variable,
                list,
                expr,
            } => {
                self.s("reduce(");
                self.s(&name(&accumulator.name));
                self.s(" = ");
                self.expr(init);
                self.s(", ");
                self.s(&name(&variable.name));
                self.s(" IN ");
                self.expr(list);
                self.s(" | ");
                self.expr(expr);
                self.s(")");
            }
            ExprKind::Subquery(sq) => {
                self.s(sq.kind.keyword());
                self.s(" { ");
                match (&sq.query.first.clauses[..], sq.short) {
                    ([Clause::Match(m)], true) => {
                        self.list(&m.pattern, ", ", |p, part| p.part(part));
                        self.where_(&m.where_);
                    }
                    _ => self.query(&sq.query),
                }
                self.s(" }");
            }
            ExprKind::PatternPredicate(el) => {
                self.s("(");
                self.element(el);
                self.s(")");
            }
            ExprKind::ShortestPathExpr { all, element } => {
                self.s(if *all {
                    "allShortestPaths("
                } else {
                    "shortestPath("
                });
                self.element(element);
                self.s(")");
            }
        }
    }

    /// `x IS NULL` / `x:A` without brackets; a chain of them stays flat
    /// (`x IS NULL IS NULL`, `x:A IS NULL`), except a label check on a label
    /// check, which would merge into one (`(x:A):B` is not `x:A:B`).
    fn null_or_labels(&mut self, e: &Expr) {
        let flat = |inner: &Expr| match &inner.kind {
            ExprKind::IsNull { .. } => true,
            ExprKind::HasLabels(..) => matches!(e.kind, ExprKind::IsNull { .. }),
            _ => false,
        };
        match &e.kind {
            ExprKind::IsNull { expr, negated } => {
                if flat(expr) {
                    self.null_or_labels(expr);
                } else {
                    self.expr(expr);
                }
                self.s(if *negated { " IS NOT NULL" } else { " IS NULL" });
            }
            ExprKind::HasLabels(expr, labels) => {
                if flat(expr) {
                    self.null_or_labels(expr);
                } else {
                    self.expr(expr);
                }
                self.labels(labels);
            }
            _ => self.expr(e),
        }
    }

    /// `op x` without the surrounding bracket (a prefix chain).
    fn bare_unary(&mut self, op: UnaryOp, x: &Expr) {
        let e = Expr {
            kind: ExprKind::Unary(op, Box::new(x.clone())),
            span: Span::default(),
        };
        let mut inner = Printer::default();
        inner.bare(&e);
        // Drop the `(` and `)` that `bare` put around the unary.
        let text = &inner.out[1..inner.out.len() - 1];
        self.s(text);
    }

    fn comp_tail(&mut self, predicate: &Option<Box<Expr>>, map: Option<&Expr>) {
        if let Some(p) = predicate {
            self.s(" WHERE ");
            self.expr(p);
        }
        if let Some(m) = map {
            self.s(" | ");
            self.expr(m);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse::parse_statement;

    /// Parses `src`, prints, parses again: same tree; returns the print.
    fn round_trip(src: &str) -> String {
        let first = parse_statement(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        let printed = print_statement(&first);
        let second = parse_statement(&printed)
            .unwrap_or_else(|e| panic!("{src}\nprinted {printed}\nfails: {e}"));
        assert_eq!(
            shape_of(&first),
            shape_of(&second),
            "{src}\nprinted {printed}"
        );
        assert_eq!(printed, print_statement(&second));
        printed
    }

    #[test]
    fn prints_clauses() {
        assert_eq!(
            round_trip("explain match (a:Country {id:'x'})-[r:SUPPLIES|SELLS*1..3]->(b) where a.x>1 return distinct a.name as n order by n desc skip 1 limit 2"),
            "EXPLAIN MATCH (a:Country {id: 'x'})-[r:SUPPLIES|SELLS*1..3]->(b) WHERE (a.x > 1) \
             RETURN DISTINCT a.name AS n ORDER BY n DESC SKIP 1 LIMIT 2"
        );
        round_trip("PROFILE OPTIONAL MATCH p = shortestPath((a)-[*]-(b)), q = allShortestPaths((a)<-[:T*2]-(c)) AS OF 2020 WHERE true RETURN *, p");
        round_trip("MATCH s = strongestPath((a @belarus)-[*..5]->(@'x y')) RETURN s");
        round_trip("MATCH (b @\"Republic of Belarus\" {k: 1})<-[r {v: 2}]->() RETURN b");
        round_trip("UNWIND [1, 2] AS x WITH x, count(*) AS c WHERE c > 1 RETURN x UNION ALL RETURN 1 AS x UNION RETURN 2 AS x");
        round_trip("CREATE (a:A {x: $p})-[:T]->(b:`B c`) SET a.y = 1, a = {z: 2}, a += {w: 3}, a:L:M, (a).q.r = 4");
        round_trip("MERGE p = (a:A {id: 1}) ON CREATE SET a.new = true ON MATCH SET a.seen = a.seen + 1 ON CREATE SET a:X");
        round_trip("MATCH (n) REMOVE n.x, n:A:B, n.a.b DETACH DELETE n, [n][0]");
        round_trip("CALL algo.chokepoints($x, 2) YIELD actor AS a, `score` WHERE a.x > 1 RETURN a");
        round_trip("CALL db.labels YIELD *");
        round_trip("CALL db.labels");
        round_trip("BEGIN");
        round_trip("COMMIT;");
        round_trip("ROLLBACK");
        round_trip("MATCH (a)-[*2..]-(b)-[*]-(c)-[*..3]-(d)-[]-(e)<-->(f) RETURN 1");
    }

    #[test]
    fn prints_expressions() {
        round_trip(
            "RETURN 1 + 2 * 3 ^ 4 - -5 / +6 % 7, NOT a OR b XOR c AND d, a < b < c, a = b <> c",
        );
        round_trip("RETURN a IS NULL, a IS NOT NULL, a:A:B, n.x:A IS NULL, -n.x, (-n).x, -(1 + 2)");
        round_trip(
            "RETURN a IS NULL IS NOT NULL, a IS NULL:A, (a:A):B, a:A:B IS NULL, (a + 1) IS NULL",
        );
        round_trip("RETURN 'a\\'b\\\\c\\n\\t\\u00e9', \"dq\\\"\", '\\q'");
        round_trip("RETURN $0, $name, $`odd name`, @x, @'y z', `weird``name`, `MATCH`");
        round_trip(
            "RETURN [1, [2]][0], [1, 2, 3][1..], [1, 2][..1], [1][..], {a: 1, `b c`: [2]}.a",
        );
        round_trip("RETURN count(*), count(DISTINCT x), toUpper('a'), algo.degree(n), `all`(1)");
        round_trip("RETURN CASE x WHEN 1 THEN 'a' ELSE 'b' END, CASE WHEN x THEN 1 END");
        round_trip("RETURN [x IN l], [x IN l WHERE x > 1], [x IN l | x * 2], [x IN l WHERE x | x]");
        round_trip("MATCH (a) RETURN [(a)-->(b) | b], [p = (a)-[:T]->(b:B) WHERE b.x | p]");
        round_trip(
            "RETURN all(x IN l WHERE x), any(x IN l), none(x IN l WHERE x), single(x IN l WHERE x)",
        );
        round_trip("RETURN reduce(acc = 0, x IN l | acc + x), shortestPath((a)-[*]->(b))");
        round_trip("MATCH (a) WHERE (a)-->() AND NOT (a)<-[:T]-(:B) RETURN a");
        round_trip("RETURN NOT NOT x, - - x, -+x, NOT -x, -(NOT x), 1 IN [1] IN [true]");
        round_trip(
            "RETURN -9223372036854775808, 9223372036854775807, -(-9223372036854775808), 0x1F, 0o17",
        );
        round_trip("RETURN (1).x, 1.5[0], 'a' STARTS WITH 'b', 'a' ENDS WITH 'b', 'a' CONTAINS 'b', 'a' =~ 'b'");
        round_trip(
            "RETURN null, true, false, [], {}, 1 - 2 - 3, 1 - (2 - 3), 2 ^ 3 ^ 4, 2 ^ (3 ^ 4)",
        );
    }

    #[test]
    fn floats_read_back_as_the_same_f64() {
        for text in [
            "1e300",
            "-0.0",
            "0.1",
            "1.0",
            "-1e-300",
            "123456789.123456789",
            "1e16",
            "5e-324",
            "1.7976931348623157e308",
            ".5",
            "2.5E+3",
        ] {
            let printed = round_trip(&format!("RETURN {text}"));
            let st = parse_statement(&printed).unwrap();
            let Body::Query(q) = &st.body else { panic!() };
            let Clause::Return(r) = &q.first.clauses[0] else {
                panic!()
            };
            let ExprKind::Float(v) = r.projection.items[0].expr.kind else {
                panic!("{printed}")
            };
            let want: f64 = text.parse().unwrap();
            assert_eq!(v.to_bits(), want.to_bits(), "{text} -> {printed}");
        }
        assert_eq!(float(-0.0), "(-0.0)");
        assert_eq!(float(1e300), "1e300");
    }

    #[test]
    fn names_are_escaped_when_needed() {
        assert_eq!(name("abc_1"), "abc_1");
        assert_eq!(name("a b"), "`a b`");
        assert_eq!(name("a`b"), "`a``b`");
        assert_eq!(name("match"), "`match`");
        assert_eq!(name(""), "``");
        assert_eq!(name("中国"), "`中国`");
        assert_eq!(string("a'b\\"), "'a\\'b\\\\'");
        round_trip("MATCH (`中国`:`ラベル` {`键`: '值'}) RETURN `中国`.`键` AS ``, `a``b`");
    }
}

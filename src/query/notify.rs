//! Notifications about names: a label, relationship type or property key
//! that a statement reads but the database has never held is most often a
//! typo, and it silently matches nothing. Each such name gets a warning with
//! the closest known name of its kind (`:Countyr` → `did you mean
//! :Country?`). Names the statement itself writes (CREATE, MERGE, SET) are
//! not reported: they will exist once it has run.

use super::ast::*;
use crate::result::Warning;
use crate::store::catalog::{Catalog, NameKind};
use std::collections::HashSet;

/// The warnings for the unknown names `q` reads, in the order written.
pub fn unknown_names(q: &Query, catalog: &Catalog) -> Vec<Warning> {
    // The parser numbers every name a statement reads (and those it
    // writes): when the store knows each as what it is written as, there
    // is nothing to report, and the statement need not be walked.
    let all_known = q.symbols.stored_with_kinds().all(|(name, mut kinds)| {
        kinds.all(|k| catalog.id(crate::store::catalog::KINDS[k], name).is_some())
    });
    if all_known {
        return Vec::new();
    }
    let mut w = Walk::default();
    w.query(q);
    let mut out = Vec::new();
    let mut reported = HashSet::new();
    for r in &w.reads {
        let (kind, written) = match r.kind {
            NameKind::Label => (r.kind, &w.written_labels),
            NameKind::Type => (r.kind, &w.written_types),
            NameKind::Key => (r.kind, &w.written_keys),
        };
        if catalog.id(kind, &r.name).is_some()
            || written.contains(&r.name)
            || !reported.insert((kind, r.name.clone()))
        {
            continue;
        }
        out.push(warning(r, catalog.names(kind)));
    }
    out
}

fn warning(r: &Read, known: &[String]) -> Warning {
    let (code, what, shown) = match r.kind {
        NameKind::Label => ("UnknownLabelWarning", "label", format!(":{}", r.name)),
        NameKind::Type => (
            "UnknownRelationshipTypeWarning",
            "relationship type",
            format!(":{}", r.name),
        ),
        NameKind::Key => ("UnknownPropertyKeyWarning", "property key", r.name.clone()),
    };
    let mut message = format!("the database has no {what} {shown}");
    match closest(&r.name, known) {
        Some(best) => {
            let hint = match (&r.kind, &r.owner) {
                (NameKind::Key, Some(owner)) => format!("{owner}.{best}"),
                (NameKind::Key, None) => best.to_string(),
                _ => format!(":{best}"),
            };
            message.push_str(&format!("; did you mean {hint}?"));
        }
        None => message.push_str(", so this part matches nothing"),
    }
    Warning {
        code,
        message,
        span: Some(r.span),
    }
}

/// The known name nearest to `name`: the same letters in another case
/// first, else the fewest edits (a swap of two letters counts as one), if
/// few enough for a typo: at most a third of the name, and at least one.
pub fn closest<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(name)) {
        return Some(k);
    }
    let limit = (name.chars().count() / 3).max(1);
    known
        .iter()
        .map(|k| (edits(&name.to_lowercase(), &k.to_lowercase()), k))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, k)| k.as_str())
}

/// Optimal string alignment distance (Levenshtein plus adjacent swaps).
fn edits(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // A name far longer than any typo of the other is not worth a table.
    if a.len().abs_diff(b.len()) > 3 || a.len() > 256 || b.len() > 256 {
        return usize::MAX;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            d[i * w + j] = if i == 0 {
                j
            } else if j == 0 {
                i
            } else {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut v = (d[(i - 1) * w + j] + 1)
                    .min(d[i * w + j - 1] + 1)
                    .min(d[(i - 1) * w + j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    v = v.min(d[(i - 2) * w + j - 2] + 1);
                }
                v
            };
        }
    }
    d[a.len() * w + b.len()]
}

/// A name the statement reads, with the variable it is read on (`a` in
/// `a.nme`) for the hint.
struct Read {
    kind: NameKind,
    name: String,
    owner: Option<String>,
    span: Span,
}

#[derive(Default)]
struct Walk {
    reads: Vec<Read>,
    written_labels: HashSet<String>,
    written_types: HashSet<String>,
    written_keys: HashSet<String>,
    /// Variables bound to nodes or links by a pattern: only their
    /// properties are checked (`m.x` on a map `m` is no property key).
    entities: HashSet<String>,
}

impl Walk {
    fn read(&mut self, kind: NameKind, id: &Ident, owner: Option<String>) {
        self.reads.push(Read {
            kind,
            name: id.name.clone(),
            owner,
            span: id.span,
        });
    }

    fn query(&mut self, q: &Query) {
        for sq in std::iter::once(&q.first).chain(q.unions.iter().map(|u| &u.query)) {
            for c in &sq.clauses {
                self.clause(c);
            }
        }
    }

    fn clause(&mut self, c: &Clause) {
        match c {
            Clause::Match(m) => {
                for p in &m.pattern {
                    self.element(&p.element, false);
                }
                self.opt(m.as_of.as_ref());
                self.opt(m.where_.as_ref());
            }
            Clause::Unwind(u) => self.expr(&u.expr),
            Clause::With(w) => {
                self.projection(&w.projection);
                self.opt(w.where_.as_ref());
            }
            Clause::Return(r) => self.projection(&r.projection),
            Clause::Create(cr) => {
                for p in &cr.pattern {
                    self.element(&p.element, true);
                }
            }
            Clause::Merge(mg) => {
                self.element(&mg.part.element, true);
                for s in mg.on_create.iter().chain(&mg.on_match) {
                    self.set_item(s);
                }
            }
            Clause::Set(s) => s.items.iter().for_each(|i| self.set_item(i)),
            Clause::Remove(r) => {
                for i in &r.items {
                    if let RemoveItem::Property { target, .. } = i {
                        self.expr(target);
                    }
                }
            }
            Clause::Delete(d) => d.exprs.iter().for_each(|e| self.expr(e)),
            Clause::Call(c) => {
                c.args.iter().flatten().for_each(|e| self.expr(e));
                self.opt(c.where_.as_ref());
            }
            Clause::CallSubquery(c) => self.query(&c.query),
        }
    }

    fn set_item(&mut self, s: &SetItem) {
        match s {
            SetItem::Property {
                target, key, value, ..
            } => {
                self.written_keys.insert(key.name.clone());
                self.expr(target);
                self.expr(value);
            }
            SetItem::Replace { value, .. } | SetItem::Append { value, .. } => {
                self.map_keys_written(value);
                self.expr(value);
            }
            SetItem::Labels { labels, .. } => {
                for l in labels {
                    self.written_labels.insert(l.name.clone());
                }
            }
        }
    }

    fn map_keys_written(&mut self, e: &Expr) {
        if let ExprKind::Map(items) = &e.kind {
            for (k, _) in items {
                self.written_keys.insert(k.name.clone());
            }
        }
    }

    fn projection(&mut self, p: &Projection) {
        p.items.iter().for_each(|i| self.expr(&i.expr));
        p.order_by.iter().for_each(|s| self.expr(&s.expr));
        self.opt(p.skip.as_ref());
        self.opt(p.limit.as_ref());
    }

    fn element(&mut self, el: &PatternElement, writes: bool) {
        let nodes = std::iter::once(&el.start).chain(el.chain.iter().map(|(_, n)| n));
        for n in nodes {
            if let Some(v) = &n.variable {
                self.entities.insert(v.name.clone());
            }
            for l in &n.labels {
                if writes {
                    self.written_labels.insert(l.name.clone());
                } else {
                    self.read(NameKind::Label, l, None);
                }
            }
            self.properties(n.properties.as_ref(), n.variable.as_ref(), writes);
        }
        for (r, _) in &el.chain {
            if let Some(v) = &r.variable {
                self.entities.insert(v.name.clone());
            }
            for t in &r.types {
                if writes {
                    self.written_types.insert(t.name.clone());
                } else {
                    self.read(NameKind::Type, t, None);
                }
            }
            self.properties(r.properties.as_ref(), r.variable.as_ref(), writes);
        }
    }

    fn properties(&mut self, props: Option<&Expr>, var: Option<&Ident>, writes: bool) {
        let Some(e) = props else { return };
        if writes {
            self.map_keys_written(e);
        } else if let ExprKind::Map(items) = &e.kind {
            for (k, _) in items {
                self.read(NameKind::Key, k, var.map(|v| v.name.clone()));
            }
        }
        self.expr(e);
    }

    fn opt(&mut self, e: Option<&Expr>) {
        if let Some(e) = e {
            self.expr(e);
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Property(target, key) => {
                if let ExprKind::Variable(v, _) = &target.kind {
                    if self.entities.contains(v) {
                        self.read(NameKind::Key, key, Some(v.clone()));
                    }
                }
            }
            ExprKind::HasLabels(_, labels) => {
                for l in labels {
                    self.read(NameKind::Label, l, None);
                }
            }
            _ => {}
        }
        e.for_each_child(|c| match c {
            Child::Expr(x) => self.expr(x),
            Child::Pattern(p) => self.element(p, false),
            Child::Query(q) => self.query(q),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_closest_name_allows_a_typo_not_a_different_word() {
        let k = known(&["Country", "Company", "name", "since"]);
        assert_eq!(closest("Countyr", &k), Some("Country"));
        assert_eq!(closest("country", &k), Some("Country"));
        assert_eq!(closest("nme", &k), Some("name"));
        assert_eq!(closest("sinse", &k), Some("since"));
        assert_eq!(closest("weight", &k), None);
        assert_eq!(closest("", &k), None);
        assert_eq!(closest("x", &[]), None);
    }
}

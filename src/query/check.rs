//! Compile-time checks that the grammar cannot make: variables in scope,
//! aggregate placement, function names and arities, column names. Errors
//! carry the TCK's detail codes. Also renders EXPLAIN.

use super::ast::*;
use super::bind::func::{Func, Scalar};
use super::exec::functions;
use crate::error::{Error, ErrorKind};
use std::cell::RefCell;
use std::collections::HashMap;

#[path = "check_subquery.rs"]
mod subquery;

#[path = "check_grouping.rs"]
mod grouping;

fn err(code: &'static str, msg: String, span: Span) -> Error {
    Error::compile(ErrorKind::SyntaxError, code, msg, span)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Node,
    Rel,
    Path,
    Any,
    /// A number, string, boolean or list known from a literal.
    Scalar,
    /// A map known from a literal.
    Map,
    /// The list of links of a variable-length relationship.
    Rels,
}

/// What a projected expression is known to be without running it.
fn kind_of(e: &Expr, scope: Vars<'_>) -> Kind {
    match &e.kind {
        ExprKind::Variable(v, _) => scope.kind(v).unwrap_or(Kind::Any),
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Bool(_)
        | ExprKind::String(_)
        | ExprKind::List(_) => Kind::Scalar,
        ExprKind::Map(_) => Kind::Map,
        _ => Kind::Any,
    }
}

type Scope = Vec<(String, Kind)>;

/// The checker's state for one statement: what it was given and what the
/// projection being checked has set, passed down the walk (a statement
/// checked inside another, or on another thread, has its own).
#[derive(Default)]
struct Checker<'p> {
    /// The parameters given to the statement (`None`: not known yet).
    params: Option<&'p crate::database::Params>,
    /// The aggregates the projection computes: the same call in its ORDER BY
    /// may read the variables before the projection (`agg_scope`).
    projected_aggs: RefCell<Vec<Expr>>,
    agg_scope: RefCell<Vec<(String, Kind)>>,
    /// Comprehension variables known not to be numbers (see Quantifier).
    non_numeric_locals: RefCell<Vec<String>>,
}

/// Sets the variables that aggregate arguments may read (ORDER BY of an
/// aggregating projection) until dropped.
struct AggScope<'c, 'p>(&'c Checker<'p>);

impl<'c, 'p> AggScope<'c, 'p> {
    fn set(ck: &'c Checker<'p>, vars: Vec<(String, Kind)>, projected: Vec<Expr>) -> Self {
        *ck.agg_scope.borrow_mut() = vars;
        *ck.projected_aggs.borrow_mut() = projected;
        AggScope(ck)
    }
}

impl Drop for AggScope<'_, '_> {
    fn drop(&mut self) {
        self.0.agg_scope.borrow_mut().clear();
        self.0.projected_aggs.borrow_mut().clear();
    }
}

/// Checks `q` before it runs; every `$param` it uses must be in `params`.
pub fn check_query_with(q: &Query, params: &crate::database::Params) -> Result<(), Error> {
    let ck = Checker {
        params: Some(params),
        ..Default::default()
    };
    check_query_in(&ck, q, &[], Part::Top).map(|_| ())
}

/// Checks `q` without its parameters (a prepared statement gets new ones at
/// every run).
pub fn check_query(q: &Query) -> Result<(), Error> {
    check_query_in(&Checker::default(), q, &[], Part::Top).map(|_| ())
}

/// Where a query being checked stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    /// The statement itself.
    Top,
    /// The body of `EXISTS|COUNT|COLLECT { … }`: sees the enclosing scope.
    Expr(SubqueryKind),
    /// The body of `CALL { … }`: sees what its first WITH imports.
    Call,
}

/// Checks `q` as `part` with `outer` around it; returns the columns of its
/// first part's RETURN (none without one).
fn check_query_in(
    ck: &Checker<'_>,
    q: &Query,
    outer: &[(String, Kind)],
    part: Part,
) -> Result<Scope, Error> {
    if let Some(first) = q.unions.first() {
        if let Some(u) = q.unions.iter().find(|u| u.all != first.all) {
            return Err(err(
                "InvalidClauseComposition",
                "UNION and UNION ALL cannot be mixed in one query".into(),
                u.span,
            ));
        }
    }
    let returned = check_single(ck, &q.first, outer, part)?;
    for u in &q.unions {
        check_single(ck, &u.query, outer, part)?;
    }
    let cols = |s: &SingleQuery| -> Option<Vec<String>> {
        s.clauses.iter().rev().find_map(|c| {
            if let Clause::Return(r) = c {
                Some(
                    r.projection
                        .items
                        .iter()
                        .map(|i| {
                            i.alias
                                .as_ref()
                                .map(|a| a.name.clone())
                                .unwrap_or(i.text.clone())
                        })
                        .collect(),
                )
            } else {
                None
            }
        })
    };
    let first = cols(&q.first);
    for u in &q.unions {
        if cols(&u.query) != first {
            return Err(err(
                "DifferentColumnsInUnion",
                "all parts of a UNION must return the same columns".into(),
                u.span,
            ));
        }
    }
    Ok(returned)
}

/// Checks one part of a query; returns the columns of its RETURN.
fn check_single(
    ck: &Checker<'_>,
    q: &SingleQuery,
    outer: &[(String, Kind)],
    part: Part,
) -> Result<Scope, Error> {
    let mut returned = Vec::new();
    let mut scope: Scope = match part {
        Part::Top => Vec::new(),
        Part::Expr(_) => outer.to_vec(),
        Part::Call => subquery::imported(q, outer)?,
    };
    let n = q.clauses.len();
    for (i, c) in q.clauses.iter().enumerate() {
        if part != Part::Top {
            subquery::clause_allowed(c, outer, part)?;
        }
        match c {
            Clause::Match(m) => {
                bind_pattern(ck, &mut scope, &m.pattern, false)?;
                if let Some(e) = &m.as_of {
                    expr(ck, e, &[], false)?;
                }
                if let Some(w) = &m.where_ {
                    not_entity_predicate(w, &scope)?;
                    expr(ck, w, &scope, false)?;
                }
            }
            Clause::Unwind(u) => {
                expr(ck, &u.expr, &scope, false)?;
                if scope.iter().any(|(n, _)| *n == u.variable.name) {
                    return Err(err(
                        "VariableAlreadyBound",
                        format!("variable `{}` is already defined", u.variable.name),
                        u.variable.span,
                    ));
                }
                scope.push((u.variable.name.clone(), Kind::Any));
            }
            Clause::With(w) => {
                let new_scope = projection(ck, &w.projection, &scope, true)?;
                if let Some(p) = &w.where_ {
                    let mut aggs = Vec::new();
                    for it in &w.projection.items {
                        super::exec::projection::aggregates_in(&it.expr, &mut aggs);
                    }
                    let mut where_scope = new_scope.clone();
                    if aggs.is_empty() && !w.projection.distinct {
                        where_scope.extend(scope.iter().cloned());
                    } else {
                        // The rows before only through a grouping key
                        // (`grouping`); else the names are not defined here.
                        let cols: Vec<String> = new_scope.iter().map(|(n, _)| n.clone()).collect();
                        if grouping::ambiguous(p, &grouping::keys(&w.projection), &cols).is_none() {
                            where_scope = scope
                                .iter()
                                .cloned()
                                .chain(new_scope.iter().cloned())
                                .collect();
                        }
                    }
                    expr(ck, p, &where_scope, false)?;
                }
                scope = new_scope;
            }
            Clause::Return(r) => {
                returned = projection(ck, &r.projection, &scope, false)?;
                if i + 1 != n {
                    return Err(err(
                        "InvalidClauseComposition",
                        "RETURN must be the last clause".into(),
                        r.span,
                    ));
                }
            }
            Clause::Create(c) => {
                // Variables this CREATE introduces, part by part.
                let mut created: Vec<String> = Vec::new();
                for part in &c.pattern {
                    for (r, _) in &part.element.chain {
                        if let Some(v) = &r.variable {
                            if scope.iter().any(|(n, _)| *n == v.name) {
                                return Err(err(
                                    "VariableAlreadyBound",
                                    format!(
                                        "relationship variable `{}` is already defined",
                                        v.name
                                    ),
                                    v.span,
                                ));
                            }
                        }
                        if r.types.len() != 1 {
                            return Err(err(
                                "NoSingleRelationshipType",
                                "a relationship needs exactly one type to be created".into(),
                                r.span,
                            ));
                        }
                        if r.direction == Direction::Both {
                            return Err(err(
                                "RequiresDirectedRelationship",
                                "a relationship must have a direction to be created".into(),
                                r.span,
                            ));
                        }
                    }
                    let lone = part.element.chain.is_empty();
                    for np in nodes_of(&part.element) {
                        if let Some(v) = &np.variable {
                            let known = scope.iter().any(|(n, _)| *n == v.name)
                                || created.contains(&v.name);
                            if known && (lone || !np.labels.is_empty() || np.properties.is_some()) {
                                return Err(err(
                                    "VariableAlreadyBound",
                                    format!("variable `{}` is already defined", v.name),
                                    v.span,
                                ));
                            }
                            if !known {
                                created.push(v.name.clone());
                            }
                        }
                    }
                }
                bind_pattern(ck, &mut scope, &c.pattern, true)?;
            }
            Clause::Merge(m) => {
                let e = &m.part.element;
                let bound = |v: &Ident| scope.iter().any(|(n, _)| *n == v.name);
                // MERGE creates what it does not find, so everything it names
                // anew must be creatable, and nothing bound may be re-declared.
                if e.chain.is_empty() && e.start.variable.as_ref().is_some_and(bound) {
                    let v = e.start.variable.as_ref().map(|v| v.span).unwrap_or(m.span);
                    return Err(err(
                        "VariableAlreadyBound",
                        "MERGE of a single bound node has nothing to create".into(),
                        v,
                    ));
                }
                for np in nodes_of(e) {
                    if let Some(v) = np.variable.as_ref().filter(|v| bound(v)) {
                        if !np.labels.is_empty() || np.properties.is_some() {
                            return Err(err(
                                "VariableAlreadyBound",
                                format!("variable `{}` is already defined", v.name),
                                v.span,
                            ));
                        }
                    }
                }
                for (r, _) in &e.chain {
                    if let Some(v) = r.variable.as_ref().filter(|v| bound(v)) {
                        return Err(err(
                            "VariableAlreadyBound",
                            format!("relationship variable `{}` is already defined", v.name),
                            v.span,
                        ));
                    }
                    if r.types.len() != 1 {
                        return Err(err(
                            "NoSingleRelationshipType",
                            "MERGE needs exactly one relationship type".into(),
                            r.span,
                        ));
                    }
                }
                bind_pattern(ck, &mut scope, std::slice::from_ref(&m.part), true)?;
                for s in m.on_create.iter().chain(&m.on_match) {
                    set_item(ck, s, &scope)?;
                }
            }
            Clause::Set(s) => {
                for item in &s.items {
                    set_item(ck, item, &scope)?;
                }
            }
            Clause::Remove(r) => {
                for item in &r.items {
                    match item {
                        RemoveItem::Property { target, .. } => expr(ck, target, &scope, false)?,
                        RemoveItem::Labels { variable, .. } => var(variable, &scope)?,
                    }
                }
            }
            Clause::Delete(d) => {
                for e in &d.exprs {
                    expr(ck, e, &scope, false)?;
                    if !matches!(
                        e.kind,
                        ExprKind::Variable(..)
                            | ExprKind::Property(..)
                            | ExprKind::Index(..)
                            | ExprKind::Function { .. }
                            | ExprKind::HasLabels(..)
                    ) {
                        return Err(err(
                            "InvalidArgumentType",
                            "DELETE takes nodes, relationships or paths".into(),
                            e.span,
                        ));
                    }
                    if matches!(e.kind, ExprKind::HasLabels(..)) {
                        return Err(err(
                            "InvalidDelete",
                            "DELETE takes variables (nodes, relationships or paths)".into(),
                            e.span,
                        ));
                    }
                }
            }
            Clause::Call(c) => {
                if let Some(args) = &c.args {
                    for a in args {
                        expr(ck, a, &scope, false)?;
                        let mut aggs = Vec::new();
                        super::exec::projection::aggregates_in(a, &mut aggs);
                        if let Some(agg) = aggs.first() {
                            return Err(err(
                                "InvalidAggregation",
                                "procedure arguments cannot aggregate".into(),
                                agg.span,
                            ));
                        }
                    }
                }
                for y in c.yields.iter().flatten() {
                    let v = y.alias.as_ref().unwrap_or(&y.field);
                    if scope.iter().any(|(n, _)| *n == v.name) {
                        return Err(err(
                            "VariableAlreadyBound",
                            format!("variable `{}` is already defined", v.name),
                            v.span,
                        ));
                    }
                    scope.push((v.name.clone(), Kind::Any));
                }
                if let Some(w) = &c.where_ {
                    expr(ck, w, &scope, false)?;
                }
            }
            Clause::CallSubquery(c) => {
                subquery::in_transactions(ck, c, part)?;
                for name in subquery::call_columns(ck, c, &scope)? {
                    scope.push((name, Kind::Any));
                }
            }
        }
    }
    if let Part::Expr(kind) = part {
        subquery::ends_ok(q, kind)?;
        return Ok(returned);
    }
    if let Some(last) = q.clauses.last() {
        let ends_ok = matches!(
            last,
            Clause::Return(_)
                | Clause::Create(_)
                | Clause::Merge(_)
                | Clause::Set(_)
                | Clause::Remove(_)
                | Clause::Delete(_)
                | Clause::Call(_)
        ) || matches!(last, Clause::CallSubquery(c) if subquery::is_unit(&c.query));
        if !ends_ok {
            return Err(err(
                "InvalidClauseComposition",
                "a query must end with RETURN or an updating clause".into(),
                q.span,
            ));
        }
    }
    Ok(returned)
}

/// Arguments whose kind is known at compile time and never accepted.
fn wrong_static_argument(func: Func, k: Kind) -> bool {
    match func {
        Func::Scalar(Scalar::Labels) => {
            matches!(k, Kind::Path | Kind::Rel | Kind::Scalar | Kind::Map)
        }
        Func::Scalar(Scalar::Type) => {
            matches!(k, Kind::Node | Kind::Path | Kind::Scalar | Kind::Map)
        }
        Func::Scalar(Scalar::Properties) => matches!(k, Kind::Scalar | Kind::Path),
        Func::Scalar(Scalar::Length) => matches!(k, Kind::Node | Kind::Rel),
        Func::Scalar(Scalar::Size) => matches!(k, Kind::Path),
        _ => false,
    }
}

/// A literal that can never be a boolean cannot be an operand of AND/OR/XOR/NOT.
/// A WHERE whose predicate is a node, relationship or path variable
/// (`WHERE (n)`): never a boolean.
fn not_entity_predicate(e: &Expr, scope: &[(String, Kind)]) -> Result<(), Error> {
    if matches!(e.kind, ExprKind::Variable(..))
        && matches!(
            kind_of(e, Vars::of(scope)),
            Kind::Node | Kind::Rel | Kind::Path
        )
    {
        return Err(err(
            "InvalidArgumentType",
            "WHERE needs a boolean, not a node, relationship or path".into(),
            e.span,
        ));
    }
    Ok(())
}

fn not_boolean_literal(e: &Expr) -> Result<(), Error> {
    if matches!(
        e.kind,
        ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::String(_)
            | ExprKind::List(_)
            | ExprKind::Map(_)
    ) {
        return Err(err(
            "InvalidArgumentType",
            "a boolean operator needs boolean operands".into(),
            e.span,
        ));
    }
    Ok(())
}

fn var(v: &Ident, scope: &Scope) -> Result<(), Error> {
    if scope.iter().any(|(n, _)| *n == v.name) {
        Ok(())
    } else {
        Err(err(
            "UndefinedVariable",
            format!("variable `{}` is not defined", v.name),
            v.span,
        ))
    }
}

fn set_item(ck: &Checker<'_>, s: &SetItem, scope: &Scope) -> Result<(), Error> {
    match s {
        SetItem::Property { target, value, .. } => {
            expr(ck, target, scope, false)?;
            expr(ck, value, scope, false)
        }
        SetItem::Replace {
            variable, value, ..
        }
        | SetItem::Append {
            variable, value, ..
        } => {
            var(variable, scope)?;
            expr(ck, value, scope, false)
        }
        SetItem::Labels { variable, .. } => var(variable, scope),
    }
}

fn nodes_of(e: &PatternElement) -> Vec<&NodePattern> {
    let mut v = vec![&e.start];
    v.extend(e.chain.iter().map(|(_, n)| n));
    v
}

fn bind(scope: &mut Scope, v: &Ident, kind: Kind) -> Result<(), Error> {
    match scope.iter().find(|(n, _)| *n == v.name) {
        Some((_, k)) if *k != kind && *k != Kind::Any => Err(err(
            "VariableTypeConflict",
            format!(
                "variable `{}` is already bound to a different kind of value",
                v.name
            ),
            v.span,
        )),
        Some(_) => Ok(()),
        None => {
            scope.push((v.name.clone(), kind));
            Ok(())
        }
    }
}

fn bind_pattern(
    ck: &Checker<'_>,
    scope: &mut Scope,
    parts: &[PatternPart],
    creating: bool,
) -> Result<(), Error> {
    let before = scope.clone();
    let mut rels_here: Vec<String> = Vec::new();
    for part in parts {
        for np in nodes_of(&part.element) {
            if let Some(p) = &np.properties {
                expr(ck, p, scope, false)?;
            }
            if let Some(v) = &np.variable {
                bind(scope, v, Kind::Node)?;
            }
        }
        for (r, _) in &part.element.chain {
            if let Some(p) = &r.properties {
                expr(ck, p, scope, false)?;
            }
            if let Some(v) = &r.variable {
                if rels_here.contains(&v.name) && !creating {
                    return Err(err(
                        "RelationshipUniquenessViolation",
                        format!(
                            "relationship variable `{}` is used twice in one pattern",
                            v.name
                        ),
                        v.span,
                    ));
                }
                rels_here.push(v.name.clone());
                if r.length.is_some() {
                    // A list bound before may be walked again (`[r1, r2] AS rs
                    // … -[rs*]->`): the hops must be its links, in order.
                    match before.iter().rev().find(|(n, _)| *n == v.name) {
                        Some((_, Kind::Node | Kind::Rel | Kind::Path | Kind::Map)) => {
                            return Err(err(
                                "VariableAlreadyBound",
                                format!("variable `{}` is already defined", v.name),
                                v.span,
                            ))
                        }
                        Some(_) => {}
                        None => bind(scope, v, Kind::Rels)?,
                    }
                } else {
                    bind(scope, v, Kind::Rel)?;
                }
            }
        }
        if let Some(v) = &part.variable {
            if scope.iter().any(|(n, _)| *n == v.name) {
                return Err(err(
                    "VariableAlreadyBound",
                    format!("variable `{}` is already defined", v.name),
                    v.span,
                ));
            }
            scope.push((v.name.clone(), Kind::Path));
        }
    }
    Ok(())
}

fn projection(
    ck: &Checker<'_>,
    p: &Projection,
    scope: &Scope,
    is_with: bool,
) -> Result<Scope, Error> {
    if !is_with && p.star && scope.iter().all(|(n, _)| n.starts_with(' ')) && p.items.is_empty() {
        return Err(err(
            "NoVariablesInScope",
            "RETURN * needs at least one variable in scope".into(),
            Span::default(),
        ));
    }
    let index: HashMap<&str, Kind> = scope.iter().map(|(n, k)| (n.as_str(), *k)).collect();
    let vars = Vars {
        list: scope,
        index: Some(&index),
    };
    // Columns by name with their slot in `slots`: a RETURN of 100,000 items
    // must not scan the columns so far for each one (it took 40 s).
    let mut slots: Vec<Option<(String, Kind)>> = Vec::with_capacity(p.items.len());
    let mut at: HashMap<String, usize> = HashMap::with_capacity(p.items.len());
    if p.star {
        for (n, k) in scope {
            if let Some(i) = at.insert(n.clone(), slots.len()) {
                slots[i] = None;
            }
            slots.push(Some((n.clone(), *k)));
        }
    }
    let mut has_agg = false;
    for item in &p.items {
        expr_in(ck, &item.expr, vars, true)?;
        let mut aggs = Vec::new();
        super::exec::projection::aggregates_in(&item.expr, &mut aggs);
        has_agg |= !aggs.is_empty();
        let name = match (&item.alias, &item.expr.kind) {
            (Some(a), _) => a.name.clone(),
            (None, ExprKind::Variable(v, _)) => v.clone(),
            (None, _) if is_with => {
                let missing = err(
                    "NoExpressionAlias",
                    format!(
                        "expression `{}` in WITH needs an alias (AS name)",
                        item.text
                    ),
                    item.span,
                );
                // An ambiguous aggregation in ORDER BY is reported first.
                return Err(grouping::ambiguous_order(p).unwrap_or(missing));
            }
            (None, _) => item.text.clone(),
        };
        if at.contains_key(&name) && !(p.star && index.contains_key(name.as_str())) {
            return Err(err(
                "ColumnNameConflict",
                format!("column `{name}` is defined twice"),
                item.span,
            ));
        }
        let kind = kind_of(&item.expr, vars);
        // A name that replaces a variable of `*` moves to the end, as before.
        if let Some(i) = at.insert(name.clone(), slots.len()) {
            slots[i] = None;
        }
        slots.push(Some((name, kind)));
    }
    let out: Scope = slots.into_iter().flatten().collect();
    let keys = grouping::keys(p);
    let star_names: Vec<String> = if p.star {
        scope.iter().map(|(n, _)| n.clone()).collect()
    } else {
        Vec::new()
    };
    if has_agg {
        for item in &p.items {
            let mut a = Vec::new();
            super::exec::projection::aggregates_in(&item.expr, &mut a);
            if a.is_empty() {
                continue;
            }
            if let Some(at) = grouping::ambiguous(&item.expr, &keys, &star_names) {
                return Err(grouping::ambiguity_error(at));
            }
        }
    }
    // ORDER BY sees the new columns, and the old variables unless the
    // projection aggregates or is DISTINCT; aggregates inside it still read
    // the old variables.
    let mut sort_scope = out.clone();
    if !(has_agg || p.distinct) {
        sort_scope.extend(scope.iter().cloned());
    }
    let mut projected_aggs: Vec<Expr> = Vec::new();
    if has_agg {
        for it in &p.items {
            let mut a = Vec::new();
            super::exec::projection::aggregates_in(&it.expr, &mut a);
            projected_aggs.extend(a.into_iter().cloned());
        }
    }
    let _agg_scope = AggScope::set(ck, scope.to_vec(), projected_aggs);
    let out_names: Vec<String> = out.iter().map(|(n, _)| n.clone()).collect();
    let with_keys: Scope = scope.iter().chain(out.iter()).cloned().collect();
    for s in &p.order_by {
        if (has_agg || p.distinct) && p.items.iter().any(|it| it.expr.same_as(&s.expr)) {
            continue;
        }
        if has_agg || p.distinct {
            // The rows before, through grouping keys, and the projected
            // aggregates (`grouping`).
            let mut a = Vec::new();
            super::exec::projection::aggregates_in(&s.expr, &mut a);
            let projected = a.iter().all(|x| {
                p.items.iter().any(|it| {
                    let mut b = Vec::new();
                    super::exec::projection::aggregates_in(&it.expr, &mut b);
                    b.iter().any(|y| y.same_as(x))
                })
            });
            match grouping::ambiguous(&s.expr, &keys, &out_names) {
                // A variable no item reads at all is simply not defined here.
                Some(at) if !a.is_empty() && grouping::projected_somewhere(at, p) => {
                    return Err(grouping::ambiguity_error(at))
                }
                None if projected => {
                    expr(ck, &s.expr, &with_keys, has_agg)?;
                    continue;
                }
                _ => {}
            }
        }
        expr(ck, &s.expr, &sort_scope, has_agg)?;
    }
    for e in p.skip.iter().chain(p.limit.iter()) {
        expr(ck, e, &[], false).map_err(|e| {
            if e.code == "UndefinedVariable" {
                Error {
                    code: "NonConstantExpression",
                    ..e
                }
            } else {
                e
            }
        })?;
    }
    Ok(out)
}

/// The variables an expression may read: a list and, for a projection's
/// items, an index of it, so that checking N items that each name a
/// variable of an N-column scope is linear, not quadratic.
#[derive(Clone, Copy)]
struct Vars<'a> {
    list: &'a [(String, Kind)],
    index: Option<&'a HashMap<&'a str, Kind>>,
}

impl<'a> Vars<'a> {
    fn of(list: &'a [(String, Kind)]) -> Self {
        Vars { list, index: None }
    }

    fn has(&self, v: &str) -> bool {
        self.kind(v).is_some()
    }

    /// The kind of the last variable named `v`.
    fn kind(&self, v: &str) -> Option<Kind> {
        match self.index {
            Some(ix) => ix.get(v).copied(),
            None => self
                .list
                .iter()
                .rev()
                .find(|(n, _)| n == v)
                .map(|(_, k)| *k),
        }
    }
}

fn expr(
    ck: &Checker<'_>,
    e: &Expr,
    scope: &[(String, Kind)],
    aggregates_allowed: bool,
) -> Result<(), Error> {
    expr_in(ck, e, Vars::of(scope), aggregates_allowed)
}

fn expr_in(
    ck: &Checker<'_>,
    e: &Expr,
    scope: Vars<'_>,
    aggregates_allowed: bool,
) -> Result<(), Error> {
    let mut locals: Vec<String> = Vec::new();
    walk(ck, e, scope, &mut locals, aggregates_allowed, false)
}

fn walk(
    ck: &Checker<'_>,
    e: &Expr,
    scope: Vars<'_>,
    locals: &mut Vec<String>,
    agg_ok: bool,
    in_agg: bool,
) -> Result<(), Error> {
    let rec = |x: &Expr, locals: &mut Vec<String>| walk(ck, x, scope, locals, agg_ok, in_agg);
    match &e.kind {
        ExprKind::Variable(v, _) => {
            if !locals.contains(v) && !scope.has(v) {
                return Err(err(
                    "UndefinedVariable",
                    format!("variable `{v}` is not defined"),
                    e.span,
                ));
            }
        }
        ExprKind::Parameter(name, _) => {
            let missing = ck.params.is_some_and(|given| !given.contains_key(name));
            if missing {
                return Err(Error::compile(
                    ErrorKind::ParameterMissing,
                    "MissingParameter",
                    format!("parameter ${name} is not given"),
                    e.span,
                ));
            }
        }
        ExprKind::CountStar => {
            if in_agg {
                return Err(err(
                    "NestedAggregation",
                    "count(*) cannot be nested in another aggregate".into(),
                    e.span,
                ));
            }
            if !agg_ok {
                return Err(err(
                    "InvalidAggregation",
                    "count(*) is not allowed here".into(),
                    e.span,
                ));
            }
        }
        ExprKind::Function {
            name, args, func, ..
        } => {
            let aggregate = func.is_aggregate();
            if aggregate {
                if !agg_ok {
                    return Err(err(
                        "InvalidAggregation",
                        format!("aggregate {name}(...) is not allowed here"),
                        e.span,
                    ));
                }
                if in_agg {
                    return Err(err(
                        "NestedAggregation",
                        format!("aggregate {name}(...) cannot be nested in another aggregate"),
                        e.span,
                    ));
                }
            }
            match func.arity() {
                None => {
                    return Err(err(
                        "UnknownFunction",
                        format!("unknown function {name}()"),
                        e.span,
                    ))
                }
                _ if args
                    .first()
                    .is_some_and(|a| wrong_static_argument(*func, kind_of(a, scope))) =>
                {
                    return Err(err(
                        "InvalidArgumentType",
                        format!("{name}() cannot take that kind of value"),
                        args[0].span,
                    ));
                }
                Some((lo, hi)) if args.len() < lo || args.len() > hi => {
                    return Err(err(
                        "InvalidNumberOfArguments",
                        format!(
                            "{name}() takes {} argument(s), got {}",
                            functions::describe_arity(lo, hi),
                            args.len()
                        ),
                        e.span,
                    ))
                }
                _ => {}
            }
            if in_agg && *func == Func::Scalar(Scalar::Rand) {
                return Err(err(
                    "NonConstantExpression",
                    "rand() cannot be aggregated: its value changes with every call".into(),
                    e.span,
                ));
            }
            let extended: Vec<(String, Kind)>;
            let projected = aggregate && ck.projected_aggs.borrow().iter().any(|x| x.same_as(e));
            let arg_scope = if projected {
                extended = ck
                    .agg_scope
                    .borrow()
                    .iter()
                    .chain(scope.list)
                    .cloned()
                    .collect();
                Vars::of(&extended)
            } else {
                scope
            };
            for a in args {
                walk(ck, a, arg_scope, locals, agg_ok, in_agg || aggregate)?;
            }
        }
        ExprKind::Property(t, _) | ExprKind::HasLabels(t, _) | ExprKind::Unary(_, t) => {
            let local = matches!(t.kind, ExprKind::Variable(ref v, _) if locals.contains(v));
            if matches!(e.kind, ExprKind::Property(..)) && !local {
                let kind = match kind_of(t, scope) {
                    Kind::Scalar => Some(ErrorKind::TypeError),
                    Kind::Path => Some(ErrorKind::SyntaxError),
                    _ => None,
                };
                if let Some(kind) = kind {
                    return Err(Error::compile(
                        kind,
                        "InvalidArgumentType",
                        "only nodes, relationships and maps have properties".to_string(),
                        t.span,
                    ));
                }
            }
            if matches!(e.kind, ExprKind::Unary(UnaryOp::Not, _)) {
                not_boolean_literal(t)?;
            }
            rec(t, locals)?
        }
        ExprKind::Binary(BinaryOp::And | BinaryOp::Or | BinaryOp::Xor, a, b) => {
            for x in [a, b] {
                not_boolean_literal(x)?;
                rec(x, locals)?;
            }
        }
        ExprKind::Binary(
            op @ (BinaryOp::Sub
            | BinaryOp::Mul
            | BinaryOp::Div
            | BinaryOp::Mod
            | BinaryOp::Pow
            | BinaryOp::Add),
            a,
            b,
        ) => {
            for x in [a, b] {
                // `+` also concatenates lists with any value, so only the
                // other operators reject non-numbers outright.
                let non_numeric_local = matches!(&x.kind, ExprKind::Variable(v, _) if ck.non_numeric_locals.borrow().contains(v));
                let bad = *op != BinaryOp::Add
                    && (non_numeric_local
                        || matches!(
                            x.kind,
                            ExprKind::Bool(_)
                                | ExprKind::Map(_)
                                | ExprKind::String(_)
                                | ExprKind::List(_)
                        ));
                if bad {
                    return Err(err(
                        "InvalidArgumentType",
                        "arithmetic needs numbers".into(),
                        x.span,
                    ));
                }
                rec(x, locals)?;
            }
        }
        ExprKind::Binary(BinaryOp::In, a, b) => {
            if matches!(
                b.kind,
                ExprKind::Int(_)
                    | ExprKind::Float(_)
                    | ExprKind::String(_)
                    | ExprKind::Bool(_)
                    | ExprKind::Map(_)
            ) {
                return Err(err(
                    "InvalidArgumentType",
                    "IN needs a list on its right".into(),
                    b.span,
                ));
            }
            rec(a, locals)?;
            rec(b, locals)?;
        }
        ExprKind::ListComprehension {
            variable,
            list,
            predicate,
            map,
        } => {
            rec(list, locals)?;
            locals.push(variable.name.clone());
            for x in predicate.iter().chain(map.iter()) {
                walk(ck, x, scope, locals, false, in_agg)?;
            }
            locals.pop();
        }
        ExprKind::Quantifier {
            variable,
            list,
            predicate,
            ..
        } => {
            rec(list, locals)?;
            locals.push(variable.name.clone());
            // Over a literal list of strings or booleans the variable is known
            // not to be a number.
            let non_numeric = matches!(&list.kind, ExprKind::List(items) if !items.is_empty()
                && items.iter().all(|i| matches!(i.kind, ExprKind::String(_) | ExprKind::Bool(_))));
            if non_numeric {
                ck.non_numeric_locals
                    .borrow_mut()
                    .push(variable.name.clone());
            }
            let r = predicate
                .iter()
                .try_for_each(|x| walk(ck, x, scope, locals, false, in_agg));
            if non_numeric {
                ck.non_numeric_locals.borrow_mut().pop();
            }
            r?;
            locals.pop();
        }
        ExprKind::Reduce {
            accumulator,
            init,
            variable,
            list,
            expr,
        } => {
            rec(init, locals)?;
            rec(list, locals)?;
            locals.push(accumulator.name.clone());
            locals.push(variable.name.clone());
            walk(ck, expr, scope, locals, false, in_agg)?;
            locals.pop();
            locals.pop();
        }
        ExprKind::PatternPredicate(p) => {
            let nodes = nodes_of(p).into_iter().filter_map(|n| n.variable.as_ref());
            let rels = p.chain.iter().filter_map(|(r, _)| r.variable.as_ref());
            for v in nodes.chain(rels) {
                if !locals.contains(&v.name) && !scope.has(&v.name) {
                    return Err(err(
                        "UndefinedVariable",
                        format!("variable `{}` is not defined", v.name),
                        v.span,
                    ));
                }
            }
        }
        ExprKind::PatternComprehension {
            variable,
            pattern,
            predicate,
            map,
        } => {
            let mut added = 0;
            for np in nodes_of(pattern) {
                if let Some(v) = &np.variable {
                    locals.push(v.name.clone());
                    added += 1;
                }
            }
            for (r, _) in &pattern.chain {
                if let Some(v) = &r.variable {
                    locals.push(v.name.clone());
                    added += 1;
                }
            }
            if let Some(v) = variable {
                locals.push(v.name.clone());
                added += 1;
            }
            for x in predicate.iter() {
                walk(ck, x, scope, locals, false, in_agg)?;
            }
            walk(ck, map, scope, locals, false, in_agg)?;
            for _ in 0..added {
                locals.pop();
            }
        }
        ExprKind::Subquery(s) => {
            // `index`, when there is one, indexes this same list.
            let mut visible: Scope = scope.list.to_vec();
            visible.extend(locals.iter().map(|l| (l.clone(), Kind::Any)));
            subquery::expression(ck, s, &visible)?;
        }
        // Lists, maps, indexes, slices, CASE, IS NULL and the other
        // operators: their subexpressions, under the same rules.
        _ => e.try_for_each_child(|c| match c {
            Child::Expr(x) => rec(x, locals),
            Child::Pattern(_) | Child::Query(_) => Ok(()),
        })?,
    }
    Ok(())
}

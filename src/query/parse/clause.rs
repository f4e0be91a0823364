//! Queries and clauses.

use pest::iterators::Pair;

use super::literal::ident;
use super::{internal, missing, span_of, syntax, Lower, Result, Rule};
use crate::query::ast::{
    Call, CallSubquery, Clause, Create, Delete, Direction, Expr, ExprKind, InTransactions, Match,
    Merge, PatternPart, Projection, ProjectionItem, Query, Remove, RemoveItem, Return, SetClause,
    SetItem, SingleQuery, SortItem, Subquery, SubqueryKind, UnionPart, Unwind, With, YieldItem,
};

impl Lower<'_> {
    pub(super) fn query(&self, pair: Pair<'_, Rule>) -> Result<Query> {
        let span = span_of(&pair);
        let mut first = None;
        let mut unions = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::single_query => first = Some(self.single_query(p)?),
                Rule::union_part => {
                    let mut all = false;
                    let mut kw_span = span_of(&p);
                    let mut query = None;
                    for c in p.into_inner() {
                        match c.as_rule() {
                            Rule::UNION => kw_span = span_of(&c),
                            Rule::ALL => {
                                all = true;
                                kw_span.end = span_of(&c).end;
                            }
                            Rule::single_query => query = Some(self.single_query(c)?),
                            _ => return Err(internal(&c)),
                        }
                    }
                    let query = query.ok_or_else(|| missing(kw_span, "query after UNION"))?;
                    unions.push(UnionPart {
                        all,
                        query,
                        span: kw_span,
                    });
                }
                _ => return Err(internal(&p)),
            }
        }
        Ok(Query {
            first: first.ok_or_else(|| missing(span, "query"))?,
            unions,
            symbols: crate::query::ast::Symbols::none(),
        })
    }

    fn single_query(&self, pair: Pair<'_, Rule>) -> Result<SingleQuery> {
        let span = span_of(&pair);
        let clauses = pair
            .into_inner()
            .map(|p| self.clause(p))
            .collect::<Result<Vec<_>>>()?;
        // A CALL sharing its query with other clauses must pass its
        // arguments explicitly and name what it yields.
        if clauses.len() > 1 {
            for c in &clauses {
                if let Clause::Call(call) = c {
                    if call.args.is_none() {
                        return Err(syntax(
                            "a procedure call inside a larger query needs its arguments in \
                             parentheses, e.g. CALL ns.proc()",
                            "InvalidArgumentPassingMode",
                            call.span,
                        ));
                    }
                    if call.yield_star {
                        let name = call.procedure.join(".");
                        let fields = crate::query::exec::procedures::builtin_outputs(&name)
                            .map(|f| format!(": YIELD {}", f.join(", ")))
                            .unwrap_or_default();
                        return Err(syntax(
                            format!(
                                "YIELD * is only allowed in a query that is just the CALL; \
                                 name the fields to yield{fields}"
                            ),
                            "UnexpectedSyntax",
                            call.span,
                        ));
                    }
                }
            }
        }
        Ok(SingleQuery { clauses, span })
    }

    fn clause(&self, pair: Pair<'_, Rule>) -> Result<Clause> {
        Ok(match pair.as_rule() {
            Rule::match_clause => Clause::Match(self.match_clause(pair)?),
            Rule::unwind_clause => Clause::Unwind(self.unwind(pair)?),
            Rule::with_clause => Clause::With(self.with(pair)?),
            Rule::return_clause => {
                let span = span_of(&pair);
                let proj = self.only_child(pair, Rule::projection)?;
                Clause::Return(Return {
                    projection: self.projection(proj)?,
                    span,
                })
            }
            Rule::create_clause => {
                let span = span_of(&pair);
                let pat = self.only_child(pair, Rule::pattern)?;
                let pattern = self.pattern(pat)?;
                for part in &pattern {
                    check_created(part, true)?;
                }
                Clause::Create(Create { pattern, span })
            }
            Rule::merge_clause => Clause::Merge(self.merge(pair)?),
            Rule::set_clause => {
                let span = span_of(&pair);
                let items = pair
                    .into_inner()
                    .filter(|p| p.as_rule() != Rule::SET)
                    .map(|p| self.set_item(p))
                    .collect::<Result<_>>()?;
                Clause::Set(SetClause { items, span })
            }
            Rule::remove_clause => Clause::Remove(self.remove(pair)?),
            Rule::delete_clause => {
                let span = span_of(&pair);
                let mut detach = false;
                let mut exprs = Vec::new();
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::DETACH => detach = true,
                        Rule::DELETE => {}
                        Rule::expr => exprs.push(self.expr(p)?),
                        _ => return Err(internal(&p)),
                    }
                }
                Clause::Delete(Delete {
                    detach,
                    exprs,
                    span,
                })
            }
            Rule::call_clause => Clause::Call(self.call(pair)?),
            Rule::call_subquery => {
                let span = span_of(&pair);
                let mut query = None;
                let mut in_transactions = None;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::CALL => {}
                        Rule::query => query = Some(self.subquery_body(p)?),
                        Rule::in_transactions => {
                            let tx_span = span_of(&p);
                            let mut rows = None;
                            for c in p.into_inner() {
                                if c.as_rule() == Rule::expr {
                                    rows = Some(self.expr(c)?);
                                }
                            }
                            in_transactions = Some(InTransactions {
                                rows,
                                span: tx_span,
                            });
                        }
                        _ => return Err(internal(&p)),
                    }
                }
                Clause::CallSubquery(CallSubquery {
                    query: query.ok_or_else(|| missing(span, "subquery"))?,
                    in_transactions,
                    span,
                })
            }
            _ => return Err(internal(&pair)),
        })
    }

    /// The query inside `{ … }`: a WHERE around the subquery does not make
    /// its clauses predicates (a pattern is an expression only in its own WHERE).
    pub(super) fn subquery_body(&self, pair: Pair<'_, Rule>) -> Result<Query> {
        let outer = self.where_depth.replace(0);
        let q = self.query(pair);
        self.where_depth.set(outer);
        q
    }

    /// `EXISTS|COUNT|COLLECT { query }` or `{ pattern [WHERE …] }`.
    pub(super) fn subquery(&self, pair: Pair<'_, Rule>) -> Result<ExprKind> {
        let span = span_of(&pair);
        let mut kind = None;
        let mut body = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::EXISTS => kind = Some(SubqueryKind::Exists),
                Rule::COUNT => kind = Some(SubqueryKind::Count),
                Rule::COLLECT => kind = Some(SubqueryKind::Collect),
                Rule::query => body = Some((self.subquery_body(p)?, false)),
                Rule::subquery_pattern => {
                    let inner_span = span_of(&p);
                    let mut m = Match {
                        optional: false,
                        pattern: Vec::new(),
                        as_of: None,
                        where_: None,
                        span: inner_span,
                    };
                    let outer = self.where_depth.replace(0);
                    let lowered = (|| {
                        for c in p.into_inner() {
                            match c.as_rule() {
                                Rule::pattern => {
                                    m.pattern = self.pattern(c)?;
                                    check_no_parameter_maps(&m.pattern)?;
                                }
                                Rule::where_clause => m.where_ = Some(self.where_clause(c)?),
                                _ => return Err(internal(&c)),
                            }
                        }
                        Ok(())
                    })();
                    self.where_depth.set(outer);
                    lowered?;
                    let query = Query {
                        symbols: crate::query::ast::Symbols::none(),
                        first: SingleQuery {
                            clauses: vec![Clause::Match(m)],
                            span: inner_span,
                        },
                        unions: Vec::new(),
                    };
                    body = Some((query, true));
                }
                _ => return Err(internal(&p)),
            }
        }
        let kind = kind.ok_or_else(|| missing(span, "EXISTS, COUNT or COLLECT"))?;
        let (query, short) = body.ok_or_else(|| missing(span, "subquery"))?;
        Ok(ExprKind::Subquery(Box::new(Subquery {
            kind,
            query,
            short,
        })))
    }

    fn where_clause(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        self.in_where(|| self.first_expr(pair))
    }

    fn match_clause(&self, pair: Pair<'_, Rule>) -> Result<Match> {
        let span = span_of(&pair);
        let mut m = Match {
            optional: false,
            pattern: Vec::new(),
            as_of: None,
            where_: None,
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::OPTIONAL => m.optional = true,
                Rule::MATCH => {}
                Rule::pattern => {
                    m.pattern = self.pattern(p)?;
                    check_no_parameter_maps(&m.pattern)?;
                }
                Rule::as_of => m.as_of = Some(self.first_expr(p)?),
                Rule::where_clause => m.where_ = Some(self.where_clause(p)?),
                _ => return Err(internal(&p)),
            }
        }
        Ok(m)
    }

    fn unwind(&self, pair: Pair<'_, Rule>) -> Result<Unwind> {
        let span = span_of(&pair);
        let (mut expr, mut variable) = (None, None);
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::expr => expr = Some(self.expr(p)?),
                Rule::variable => variable = Some(self.variable_ident(&p)),
                Rule::UNWIND | Rule::AS => {}
                _ => return Err(internal(&p)),
            }
        }
        Ok(Unwind {
            expr: expr.ok_or_else(|| missing(span, "expression"))?,
            variable: variable.ok_or_else(|| missing(span, "variable"))?,
            span,
        })
    }

    fn with(&self, pair: Pair<'_, Rule>) -> Result<With> {
        let span = span_of(&pair);
        let (mut projection, mut where_) = (None, None);
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::WITH => {}
                Rule::projection => projection = Some(self.projection(p)?),
                Rule::where_clause => where_ = Some(self.where_clause(p)?),
                _ => return Err(internal(&p)),
            }
        }
        Ok(With {
            projection: projection.ok_or_else(|| missing(span, "projection"))?,
            where_,
            span,
        })
    }

    /// `projection`, shared by `WITH` and `RETURN`.
    fn projection(&self, pair: Pair<'_, Rule>) -> Result<Projection> {
        let mut proj = Projection {
            distinct: false,
            star: false,
            items: Vec::new(),
            order_by: Vec::new(),
            skip: None,
            limit: None,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::DISTINCT => proj.distinct = true,
                Rule::star => proj.star = true,
                Rule::projection_item => {
                    let item = self.projection_item(p)?;
                    proj.items.push(item);
                }
                Rule::order_by => {
                    for s in p.into_inner() {
                        match s.as_rule() {
                            Rule::ORDER | Rule::BY => {}
                            Rule::sort_item => proj.order_by.push(self.sort_item(s)?),
                            _ => return Err(internal(&s)),
                        }
                    }
                }
                Rule::skip => proj.skip = Some(self.first_expr(p)?),
                Rule::limit => proj.limit = Some(self.first_expr(p)?),
                _ => return Err(internal(&p)),
            }
        }
        Ok(proj)
    }

    fn projection_item(&self, pair: Pair<'_, Rule>) -> Result<ProjectionItem> {
        let span = span_of(&pair);
        let (mut expr, mut alias, mut text) = (None, None, String::new());
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::expr => {
                    let sp = span_of(&p);
                    text = self.text[sp.start..sp.end].to_string();
                    expr = Some(self.expr(p)?);
                }
                Rule::AS => {}
                Rule::variable => alias = Some(self.variable_ident(&p)),
                _ => return Err(internal(&p)),
            }
        }
        Ok(ProjectionItem {
            expr: expr.ok_or_else(|| missing(span, "expression"))?,
            alias,
            text,
            span,
        })
    }

    fn sort_item(&self, pair: Pair<'_, Rule>) -> Result<SortItem> {
        let span = span_of(&pair);
        let (mut expr, mut descending) = (None, false);
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::expr => expr = Some(self.expr(p)?),
                Rule::DESC | Rule::DESCENDING => descending = true,
                Rule::ASC | Rule::ASCENDING => {}
                _ => return Err(internal(&p)),
            }
        }
        Ok(SortItem {
            expr: expr.ok_or_else(|| missing(span, "expression"))?,
            descending,
            span,
        })
    }

    fn merge(&self, pair: Pair<'_, Rule>) -> Result<Merge> {
        let span = span_of(&pair);
        let (mut part, mut on_create, mut on_match) = (None, Vec::new(), Vec::new());
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::MERGE => {}
                Rule::pattern_part => part = Some(self.pattern_part(p)?),
                Rule::on_create | Rule::on_match => {
                    let target = if p.as_rule() == Rule::on_create {
                        &mut on_create
                    } else {
                        &mut on_match
                    };
                    for c in p.into_inner() {
                        match c.as_rule() {
                            Rule::ON | Rule::CREATE | Rule::MATCH | Rule::SET => {}
                            _ => target.push(self.set_item(c)?),
                        }
                    }
                }
                _ => return Err(internal(&p)),
            }
        }
        let part = part.ok_or_else(|| missing(span, "pattern"))?;
        check_created(&part, false)?;
        check_no_parameter_maps(std::slice::from_ref(&part))?;
        Ok(Merge {
            part,
            on_create,
            on_match,
            span,
        })
    }

    fn set_item(&self, pair: Pair<'_, Rule>) -> Result<SetItem> {
        let span = span_of(&pair);
        let rule = pair.as_rule();
        let mut it = pair.into_inner();
        let first = it.next().ok_or_else(|| missing(span, "set target"))?;
        Ok(match rule {
            Rule::set_property => {
                let (target, key) = self.property_target(first)?;
                let value = it.next().ok_or_else(|| missing(span, "value"))?;
                SetItem::Property {
                    target,
                    key,
                    value: self.expr(value)?,
                    span,
                }
            }
            Rule::set_labels => SetItem::Labels {
                variable: self.variable_ident(&first),
                labels: self.labels(it.next().ok_or_else(|| missing(span, "labels"))?)?,
                span,
            },
            Rule::set_append | Rule::set_replace => {
                let value = it.next().ok_or_else(|| missing(span, "value"))?;
                let (variable, value) = (self.variable_ident(&first), self.expr(value)?);
                if rule == Rule::set_append {
                    SetItem::Append {
                        variable,
                        value,
                        span,
                    }
                } else {
                    SetItem::Replace {
                        variable,
                        value,
                        span,
                    }
                }
            }
            _ => return Err(missing(span, "SET item")),
        })
    }

    /// `property_target`: `atom (.k | [i])* .key` -> (target expr, key).
    fn property_target(&self, pair: Pair<'_, Rule>) -> Result<(Expr, crate::query::ast::Ident)> {
        let span = span_of(&pair);
        let mut parts: Vec<Pair<'_, Rule>> = pair.into_inner().collect();
        let last = parts.pop().ok_or_else(|| missing(span, "property"))?;
        let key = last
            .into_inner()
            .next()
            .ok_or_else(|| missing(span, "property key"))?;
        let mut parts = parts.into_iter();
        let atom = parts.next().ok_or_else(|| missing(span, "target"))?;
        let mut target = self.atom(atom)?;
        for access in parts {
            target = self.postfix(target, access)?;
        }
        Ok((target, ident(&key)))
    }

    fn remove(&self, pair: Pair<'_, Rule>) -> Result<Remove> {
        let span = span_of(&pair);
        let mut items = Vec::new();
        for p in pair.into_inner() {
            let item_span = span_of(&p);
            match p.as_rule() {
                Rule::REMOVE => {}
                Rule::remove_labels => {
                    let mut it = p.into_inner();
                    let var = it.next().ok_or_else(|| missing(item_span, "variable"))?;
                    let labels = it.next().ok_or_else(|| missing(item_span, "labels"))?;
                    items.push(RemoveItem::Labels {
                        variable: self.variable_ident(&var),
                        labels: self.labels(labels)?,
                        span: item_span,
                    });
                }
                Rule::remove_property => {
                    let target = self.only_child(p, Rule::property_target)?;
                    let (target, key) = self.property_target(target)?;
                    items.push(RemoveItem::Property {
                        target,
                        key,
                        span: item_span,
                    });
                }
                _ => return Err(internal(&p)),
            }
        }
        Ok(Remove { items, span })
    }

    fn call(&self, pair: Pair<'_, Rule>) -> Result<Call> {
        let span = span_of(&pair);
        let mut call = Call {
            procedure: Vec::new(),
            args: None,
            yields: None,
            yield_star: false,
            where_: None,
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::CALL | Rule::YIELD => {}
                Rule::procedure_name => {
                    call.procedure = p.into_inner().map(|n| ident(&n).name).collect();
                }
                Rule::call_args => {
                    call.args = Some(
                        p.into_inner()
                            .map(|e| self.expr(e))
                            .collect::<Result<_>>()?,
                    );
                }
                Rule::yield_star => call.yield_star = true,
                Rule::yield_items => {
                    let mut items = Vec::new();
                    for y in p.into_inner() {
                        match y.as_rule() {
                            Rule::yield_item => {
                                let (mut field, mut alias) = (None, None);
                                for c in y.into_inner() {
                                    match c.as_rule() {
                                        Rule::schema_name => field = Some(ident(&c)),
                                        Rule::variable => alias = Some(self.variable_ident(&c)),
                                        Rule::AS => {}
                                        _ => return Err(internal(&c)),
                                    }
                                }
                                items.push(YieldItem {
                                    field: field.ok_or_else(|| missing(span, "yield field"))?,
                                    alias,
                                });
                            }
                            Rule::where_clause => call.where_ = Some(self.where_clause(y)?),
                            _ => return Err(internal(&y)),
                        }
                    }
                    call.yields = Some(items);
                }
                _ => return Err(internal(&p)),
            }
        }
        Ok(call)
    }
}

/// Relationships written by CREATE (`create`) or MERGE: one type, a single
/// hop, and for CREATE a direction.
fn check_created(part: &PatternPart, create: bool) -> Result<()> {
    for (rel, _) in &part.element.chain {
        if create && rel.direction == Direction::Both {
            return Err(syntax(
                "a relationship created by CREATE needs a direction (-> or <-)",
                "RequiresDirectedRelationship",
                rel.span,
            ));
        }
        // Untyped but named: maybe a bound variable; the planner decides.
        if rel.types.len() > 1 || (rel.types.is_empty() && rel.variable.is_none()) {
            return Err(syntax(
                "a relationship to create needs exactly one type, e.g. -[:SUPPLIES]->",
                "NoSingleRelationshipType",
                rel.span,
            ));
        }
        if rel.length.is_some() {
            return Err(syntax(
                "a variable-length relationship cannot be created",
                "CreatingVarLength",
                rel.span,
            ));
        }
    }
    Ok(())
}

/// MATCH and MERGE take property maps, not `$parameter`s, in patterns.
fn check_no_parameter_maps(parts: &[PatternPart]) -> Result<()> {
    for part in parts {
        let el = &part.element;
        let props = std::iter::once(&el.start.properties).chain(
            el.chain
                .iter()
                .flat_map(|(r, n)| [&r.properties, &n.properties]),
        );
        for p in props.flatten() {
            if matches!(p.kind, ExprKind::Parameter(..)) {
                return Err(syntax(
                    "a parameter cannot stand for a property map in MATCH or MERGE; \
                     write {key: $param}",
                    "InvalidParameterUse",
                    p.span,
                ));
            }
        }
    }
    Ok(())
}

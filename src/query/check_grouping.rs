//! What an aggregating or DISTINCT projection lets its expressions read of
//! the rows before it. Outside its aggregate calls, an item that aggregates
//! (`me.age + count(*)`), and an ORDER BY or WHERE after the projection,
//! may name a variable only as a grouping key: a variable the projection
//! returns as it is, or a property of a variable (`me.age`) it returns as
//! it is. Anything else (even a larger expression that is returned, such as
//! `me.age + you.age`) would have one value per source row, not per group:
//! `AmbiguousAggregationExpression`, as openCypher has it.

use super::*;

/// The first part of `e` that reads the rows before the projection other
/// than through a grouping key. `keys` are the projection's items without
/// aggregates; `columns` the names the projection returns.
pub(super) fn ambiguous<'e>(e: &'e Expr, keys: &[&Expr], columns: &[String]) -> Option<&'e Expr> {
    let is_key = |x: &Expr| keys.iter().any(|k| k.same_as(x));
    match &e.kind {
        ExprKind::CountStar => None,
        ExprKind::Function { func, .. } if func.is_aggregate() => None,
        ExprKind::Variable(v, _) => (!columns.contains(v) && !is_key(e)).then_some(e),
        ExprKind::Property(t, _) if matches!(t.kind, ExprKind::Variable(..)) => {
            let ExprKind::Variable(v, _) = &t.kind else {
                return None;
            };
            (!is_key(e) && !is_key(t) && !columns.contains(v)).then_some(e)
        }
        // Their own variables are not the rows': left to the scope check.
        ExprKind::ListComprehension { .. }
        | ExprKind::Quantifier { .. }
        | ExprKind::Reduce { .. }
        | ExprKind::PatternComprehension { .. }
        | ExprKind::PatternPredicate(_)
        | ExprKind::Subquery(_) => None,
        _ => {
            let mut found = None;
            e.for_each_child(|c| {
                if let (None, Child::Expr(x)) = (&found, c) {
                    found = ambiguous(x, keys, columns);
                }
            });
            found
        }
    }
}

pub(super) fn ambiguity_error(at: &Expr) -> Error {
    err(
        "AmbiguousAggregationExpression",
        format!(
            "`{}` is read beside an aggregate but is no grouping key: \
             return it (or its variable) as a column of its own",
            crate::query::print::print_expr(at)
        ),
        at.span,
    )
}

/// The error of the first ORDER BY item of `p` that aggregates and reads
/// the rows before other than through a grouping key the items name.
pub(super) fn ambiguous_order(p: &Projection) -> Option<Error> {
    let keys = keys(p);
    p.order_by.iter().find_map(|s| {
        let mut a = Vec::new();
        super::super::exec::projection::aggregates_in(&s.expr, &mut a);
        if a.is_empty() {
            return None;
        }
        ambiguous(&s.expr, &keys, &[])
            .filter(|at| projected_somewhere(at, p))
            .map(ambiguity_error)
    })
}

/// Whether the variable `at` reads (`v` or `v.key`) is read by some item
/// of `p`.
pub(super) fn projected_somewhere(at: &Expr, p: &Projection) -> bool {
    let v = match &at.kind {
        ExprKind::Property(t, _) => match &t.kind {
            ExprKind::Variable(v, _) => v,
            _ => return true,
        },
        ExprKind::Variable(v, _) => v,
        _ => return true,
    };
    p.items.iter().any(|it| {
        let mut vars = Vec::new();
        crate::query::exec::pattern::free_vars(&it.expr, &mut vars);
        vars.contains(v)
    })
}

/// The items of `p` that are grouping keys (no aggregate in them).
pub(super) fn keys(p: &Projection) -> Vec<&Expr> {
    p.items
        .iter()
        .map(|it| &it.expr)
        .filter(|e| {
            let mut a = Vec::new();
            super::super::exec::projection::aggregates_in(e, &mut a);
            a.is_empty()
        })
        .collect()
}

//! The CALL clause: argument checks, implicit arguments from parameters,
//! YIELD with aliases, and WHERE after YIELD.

use super::context::Ctx;
use super::eval::{eval, truthy, Env};
use super::procedures;
use super::projection::Rows;
use crate::error::{Error, ErrorKind};
use crate::query::ast::{Call, ExprKind};
use crate::query::bind::symbols::Names;
use crate::value::Value;

fn syntax(code: &'static str, msg: String, c: &Call) -> Error {
    Error::compile(ErrorKind::SyntaxError, code, msg, c.span)
}

/// Runs `c` for every input row. Returns the names it adds and the rows.
pub fn run_call(
    ctx: &mut Ctx<'_, '_>,
    c: &Call,
    names: &Names,
    rows: Rows,
    standalone: bool,
) -> Result<(Vec<String>, Rows), Error> {
    let name = c.procedure.join(".");
    let Some(p) = procedures::lookup(ctx.procedures, &name) else {
        return Err(Error::compile(
            ErrorKind::ProcedureError,
            "ProcedureNotFound",
            format!("there is no procedure {name}"),
            c.span,
        ));
    };
    if let Some(args) = &c.args {
        if args.len() < p.required || args.len() > p.inputs.len() {
            let takes = if p.required == p.inputs.len() {
                p.inputs.len().to_string()
            } else {
                format!("{} to {}", p.required, p.inputs.len())
            };
            return Err(syntax(
                "InvalidNumberOfArguments",
                format!("{name} takes {takes} argument(s), got {}", args.len()),
                c,
            ));
        }
        for (a, (_, ty)) in args.iter().zip(&p.inputs) {
            let literal = match &a.kind {
                ExprKind::Int(i) => Some(Value::Int(*i)),
                ExprKind::Float(f) => Some(Value::Float(*f)),
                ExprKind::String(s) => Some(Value::String(s.clone())),
                ExprKind::Bool(b) => Some(Value::Bool(*b)),
                _ => None,
            };
            if literal.is_some_and(|v| !procedures::accepts(ty, &v)) {
                return Err(Error::compile(
                    ErrorKind::SyntaxError,
                    "InvalidArgumentType",
                    format!("{name} expects {ty} here"),
                    a.span,
                ));
            }
        }
    } else {
        // Inputs past `required` may be left out (null), as with parentheses.
        for (input, _) in p.inputs.iter().take(p.required) {
            if !ctx.params.contains_key(input) {
                return Err(Error::compile(ErrorKind::ParameterMissing, "MissingParameter", format!("{name} takes its argument `{input}` from parameter ${input}, which is not given"), c.span));
            }
        }
    }
    // Which outputs become variables, under which names.
    let yields: Vec<(usize, String)> = match &c.yields {
        Some(items) => {
            let mut out: Vec<(usize, String)> = Vec::new();
            for y in items {
                let Some(i) = p.outputs.iter().position(|(n, _)| *n == y.field.name) else {
                    return Err(Error::compile(
                        ErrorKind::SyntaxError,
                        "UndefinedVariable",
                        format!("{name} yields no field `{}`", y.field.name),
                        y.field.span,
                    ));
                };
                let as_name = y.alias.as_ref().unwrap_or(&y.field).clone();
                if names.contains(&as_name.name) || out.iter().any(|(_, n)| *n == as_name.name) {
                    return Err(Error::compile(
                        ErrorKind::SyntaxError,
                        "VariableAlreadyBound",
                        format!("variable `{}` is already defined", as_name.name),
                        as_name.span,
                    ));
                }
                out.push((i, as_name.name));
            }
            out
        }
        None if standalone || c.yield_star => p
            .outputs
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (i, n.clone()))
            .collect(),
        None => vec![],
    };
    let new_names: Vec<String> = yields.iter().map(|(_, n)| n.clone()).collect();
    // The WHERE after YIELD, and what it sees: the input's columns, then
    // the yielded ones.
    let filter = c.where_.as_ref().map(|w| {
        let mut all = names.clone();
        all.extend(new_names.iter().cloned(), &ctx.symbols);
        (w, all)
    });
    let mut out = Vec::new();
    for row in rows {
        ctx.tick()?;
        let env = Env::new(names, &row);
        let mut args: Vec<Value> = match &c.args {
            Some(args) => args
                .iter()
                .map(|a| eval(a, &env, ctx))
                .collect::<Result<_, _>>()?,
            None => p
                .inputs
                .iter()
                .map(|(n, _)| ctx.params.get(n).cloned().unwrap_or(Value::Null))
                .collect(),
        };
        args.resize(p.inputs.len(), Value::Null);
        for (a, (input, ty)) in args.iter().zip(&p.inputs) {
            if !procedures::accepts(ty, a) {
                return Err(Error::runtime(
                    ErrorKind::TypeError,
                    "InvalidArgumentType",
                    format!(
                        "{name}: argument `{input}` must be {ty}, got {}",
                        a.type_name()
                    ),
                ));
            }
        }
        let noted = ctx.warnings.borrow().len();
        let results = procedures::run(ctx, &p, &args).map_err(|e| e.with_span(c.span))?;
        // The procedure's warnings point at its call.
        for w in ctx.warnings.get_mut().iter_mut().skip(noted) {
            w.span.get_or_insert(c.span);
        }
        if p.outputs.is_empty() {
            // A void procedure passes its input row through (standalone: no rows).
            if !standalone {
                out.push(row);
            }
            continue;
        }
        for r in results {
            let mut extended = row.clone();
            extended.extend(
                yields
                    .iter()
                    .map(|(i, _)| r.get(*i).cloned().unwrap_or(Value::Null)),
            );
            if let Some((w, all)) = &filter {
                if truthy(&eval(w, &Env::new(all, &extended), ctx)?)? != Some(true) {
                    continue;
                }
            }
            out.push(extended);
        }
    }
    Ok((new_names, out))
}

//! Functions resolved from their names once, when a statement is parsed:
//! evaluation dispatches on a `Func` and never lowercases a name per row.
//! Aggregates and scalars are matched as enums; a temporal function keeps
//! its static lower-case name, which `temporal_fns::call` splits at its dot.

/// What a function call in the AST names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Aggregate(Aggregate),
    Scalar(Scalar),
    /// A temporal function, by its lower-case name in
    /// `exec::temporal_fns::FUNCTIONS`.
    Temporal(&'static str),
    /// No such function: the checker reports it with its position.
    Unknown,
}

macro_rules! named {
    ($(#[$doc:meta])* $enum:ident, $table:ident { $($variant:ident = $name:literal, $lo:expr, $hi:expr;)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $enum {
            $($variant,)*
        }

        /// Lower-case name, variant, and the argument counts accepted.
        pub const $table: &[(&str, $enum, usize, usize)] = &[
            $(($name, $enum::$variant, $lo, $hi),)*
        ];
    };
}

named! {
    /// The aggregates: the projection computes them over a group.
    Aggregate, AGGREGATES {
        Count = "count", 1, 1;
        Sum = "sum", 1, 1;
        Avg = "avg", 1, 1;
        Min = "min", 1, 1;
        Max = "max", 1, 1;
        Collect = "collect", 1, 1;
        PercentileDisc = "percentiledisc", 2, 2;
        PercentileCont = "percentilecont", 2, 2;
        Stdev = "stdev", 1, 1;
        StdevP = "stdevp", 1, 1;
    }
}

named! {
    /// The scalar functions (`exec::functions::call`).
    Scalar, SCALARS {
        Id = "id", 1, 1;
        Labels = "labels", 1, 1;
        Type = "type", 1, 1;
        Properties = "properties", 1, 1;
        Keys = "keys", 1, 1;
        Length = "length", 1, 1;
        Nodes = "nodes", 1, 1;
        Relationships = "relationships", 1, 1;
        StartNode = "startnode", 1, 1;
        EndNode = "endnode", 1, 1;
        Size = "size", 1, 1;
        Head = "head", 1, 1;
        Last = "last", 1, 1;
        Tail = "tail", 1, 1;
        Reverse = "reverse", 1, 1;
        Range = "range", 2, 3;
        Coalesce = "coalesce", 1, usize::MAX;
        ToString = "tostring", 1, 1;
        ToInteger = "tointeger", 1, 1;
        ToFloat = "tofloat", 1, 1;
        ToBoolean = "toboolean", 1, 1;
        ToUpper = "toupper", 1, 1;
        ToLower = "tolower", 1, 1;
        Trim = "trim", 1, 1;
        LTrim = "ltrim", 1, 1;
        RTrim = "rtrim", 1, 1;
        Split = "split", 2, 2;
        Substring = "substring", 2, 3;
        Replace = "replace", 3, 3;
        Left = "left", 2, 2;
        Right = "right", 2, 2;
        Abs = "abs", 1, 1;
        Ceil = "ceil", 1, 1;
        Floor = "floor", 1, 1;
        Round = "round", 1, 1;
        Sign = "sign", 1, 1;
        Sqrt = "sqrt", 1, 1;
        Exp = "exp", 1, 1;
        Log = "log", 1, 1;
        Log10 = "log10", 1, 1;
        Rand = "rand", 0, 0;
        Pi = "pi", 0, 0;
        E = "e", 0, 0;
        Sin = "sin", 1, 1;
        Cos = "cos", 1, 1;
        Tan = "tan", 1, 1;
        Exists = "exists", 1, 1;
        Estimate = "estimate", 2, 2;
        Lo = "lo", 1, 1;
        Hi = "hi", 1, 1;
        Confidence = "confidence", 1, 1;
        Sources = "sources", 1, 1;
        Weakest = "weakest", 1, 1;
        Timestamp = "timestamp", 0, 0;
    }
}

impl Func {
    /// The function `name` names, in any case (`toUpper`, `COUNT`).
    pub fn resolve(name: &str) -> Func {
        let lower = name.to_ascii_lowercase();
        if let Some((_, a, _, _)) = AGGREGATES.iter().find(|(n, ..)| *n == lower) {
            return Func::Aggregate(*a);
        }
        if let Some((_, s, _, _)) = SCALARS.iter().find(|(n, ..)| *n == lower) {
            return Func::Scalar(*s);
        }
        match crate::query::exec::temporal_fns::FUNCTIONS
            .iter()
            .find(|(n, ..)| *n == lower)
        {
            Some((n, ..)) => Func::Temporal(n),
            None => Func::Unknown,
        }
    }

    pub fn is_aggregate(self) -> bool {
        matches!(self, Func::Aggregate(_))
    }

    /// The argument counts it takes; `None` for an unknown function.
    pub fn arity(self) -> Option<(usize, usize)> {
        match self {
            Func::Aggregate(a) => AGGREGATES
                .iter()
                .find(|(_, x, ..)| *x == a)
                .map(|(_, _, lo, hi)| (*lo, *hi)),
            Func::Scalar(s) => SCALARS
                .iter()
                .find(|(_, x, ..)| *x == s)
                .map(|(_, _, lo, hi)| (*lo, *hi)),
            Func::Temporal(name) => crate::query::exec::temporal_fns::FUNCTIONS
                .iter()
                .find(|(n, ..)| *n == name)
                .map(|(_, lo, hi)| (*lo, *hi)),
            Func::Unknown => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_in_any_case_and_tables_have_no_repeats() {
        assert_eq!(Func::resolve("toUpper"), Func::Scalar(Scalar::ToUpper));
        assert_eq!(Func::resolve("COUNT"), Func::Aggregate(Aggregate::Count));
        assert_eq!(
            Func::resolve("Date.Truncate"),
            Func::Temporal("date.truncate")
        );
        assert_eq!(Func::resolve("algo.degree"), Func::Unknown);
        assert_eq!(Func::resolve("range").arity(), Some((2, 3)));
        assert_eq!(Func::resolve("percentileCont").arity(), Some((2, 2)));
        assert_eq!(Func::Unknown.arity(), None);
        let mut names: Vec<&str> = AGGREGATES
            .iter()
            .map(|(n, ..)| *n)
            .chain(SCALARS.iter().map(|(n, ..)| *n))
            .chain(
                crate::query::exec::temporal_fns::FUNCTIONS
                    .iter()
                    .map(|(n, ..)| *n),
            )
            .collect();
        let all = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all);
        for (n, s, ..) in SCALARS {
            assert_eq!(Func::resolve(n), Func::Scalar(*s));
        }
    }
}

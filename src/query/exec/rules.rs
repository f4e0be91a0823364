//! The planner's rewrites, each one a switch: on by default; turned off by
//! tests, which show for each that it fires (the plan changes) and that the
//! rows stay the same without it (`rules_tests.rs`), and by
//! `Database::disable_rule` (as DuckDB's `disabled_optimizers`), to tell a
//! rewrite's fault from the executor's.

/// One rewrite the planner may apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// WHERE conjuncts are checked inside the match as soon as their
    /// variables are bound, not on the finished row.
    PredicatePushdown,
    /// A MATCH's parts, their start ends and link scan against walk are
    /// chosen by estimated cardinality (label counts, links per node), not
    /// by the kind of access alone.
    StartByCardinality,
    /// ORDER BY … LIMIT keeps only SKIP + LIMIT rows while sorting.
    TopK,
    /// `count(*)` over parts that share no variable is the product of the
    /// parts' counts.
    CountProduct,
    /// MATCH over every link with an aggregating RETURN or WITH becomes one
    /// scan of the link columns.
    LinkAggregate,
    /// Columns no later clause reads are cleared before a clause fans rows
    /// out.
    DeadColumns,
    /// A MATCH feeding only `count`s sends one row, with its number, for
    /// each run of matches that agree on what later clauses read.
    CountFactor,
    /// A hop's links tested by `r.key = 'text'` are sifted in batches, their
    /// records read together, before the matcher binds the ones that pass.
    SiftLinks,
    /// A projection that reads properties of node variables over many rows
    /// asks for the nodes' records a few rows ahead.
    ReadNodesAhead,
    /// A variable-length hop does not walk on from a link that fails an
    /// `all(r IN relationships(p) WHERE …)` conjunct (or passes a `none`,
    /// or ranges over the hop's own list), and tests the nodes it reaches
    /// against its end's `{id: …}` looked up in the index.
    PruneHops,
    /// A MATCH whose rows go straight to a grouping projection lends it
    /// each match as it is found: no row is copied and no batch built.
    /// When that projection is one `count(DISTINCT v)`, the MATCH counts
    /// the nodes of `v` itself (`pattern::EndTally`).
    FoldIntoGroups,
}

const ALL: [Rule; 11] = [
    Rule::PredicatePushdown,
    Rule::StartByCardinality,
    Rule::TopK,
    Rule::CountProduct,
    Rule::LinkAggregate,
    Rule::DeadColumns,
    Rule::CountFactor,
    Rule::SiftLinks,
    Rule::ReadNodesAhead,
    Rule::PruneHops,
    Rule::FoldIntoGroups,
];

/// Which rules are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules(u32);

impl Default for Rules {
    fn default() -> Self {
        Rules(ALL.iter().fold(0, |m, r| m | bit(*r)))
    }
}

fn bit(r: Rule) -> u32 {
    1 << (r as u32)
}

impl Rules {
    pub fn on(self, r: Rule) -> bool {
        self.0 & bit(r) != 0
    }

    pub fn without(self, r: Rule) -> Rules {
        Rules(self.0 & !bit(r))
    }

    pub fn all() -> [Rule; 11] {
        ALL
    }

    /// The rule called `name` (as `Rule`'s variants are spelled, any case).
    pub fn named(name: &str) -> Option<Rule> {
        ALL.into_iter()
            .find(|r| format!("{r:?}").eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;

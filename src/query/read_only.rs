//! Whether a statement can change the database, from its AST alone: the
//! Bolt server runs a statement that cannot side by side with other reads
//! (`Database::stream_read`), and one that can under the write lock.

use super::ast::{Body, Clause, Query, Statement};

impl Statement {
    /// True when no clause of it can write: no CREATE, MERGE, SET, REMOVE
    /// or DELETE in any part of a UNION. BEGIN, COMMIT and ROLLBACK are not
    /// reads. CALL names a procedure, and every procedure reads. A `CALL { … }` writes when its query
    /// does; the subqueries of expressions cannot write (the checker
    /// refuses updating clauses in them).
    pub fn is_read_only(&self) -> bool {
        match &self.body {
            Body::Query(q) => q.is_read_only(),
            Body::Begin | Body::Commit | Body::Rollback => false,
        }
    }
}

impl Query {
    pub fn is_read_only(&self) -> bool {
        std::iter::once(&self.first)
            .chain(self.unions.iter().map(|u| &u.query))
            .flat_map(|q| &q.clauses)
            .all(|c| match c {
                Clause::Match(_)
                | Clause::Unwind(_)
                | Clause::With(_)
                | Clause::Return(_)
                | Clause::Call(_) => true,
                Clause::CallSubquery(c) => c.query.is_read_only(),
                Clause::Create(_)
                | Clause::Merge(_)
                | Clause::Set(_)
                | Clause::Remove(_)
                | Clause::Delete(_) => false,
            })
    }
}

impl Query {
    /// Whether a `CALL { … } IN TRANSACTIONS` commits as it runs (only the
    /// statement's own clauses may hold one).
    pub fn commits_in_batches(&self) -> bool {
        std::iter::once(&self.first)
            .chain(self.unions.iter().map(|u| &u.query))
            .flat_map(|q| &q.clauses)
            .any(|c| matches!(c, Clause::CallSubquery(s) if s.in_transactions.is_some()))
    }
}

#[cfg(test)]
mod tests {
    use crate::query::parse::parse_statement;

    fn read_only(q: &str) -> bool {
        parse_statement(q)
            .unwrap_or_else(|e| panic!("{q}: {}", e.message))
            .is_read_only()
    }

    #[test]
    fn every_updating_clause_makes_a_statement_a_write() {
        for q in [
            "MATCH (n) RETURN n",
            "UNWIND range(1, 3) AS x RETURN x",
            "MATCH (a) WITH a MATCH (a)-->(b) RETURN b UNION ALL MATCH (c) RETURN c AS b",
            "CALL algo.wcc() YIELD node, component RETURN node, component",
            "EXPLAIN MATCH (n) RETURN n",
            "RETURN [x IN range(1, 3) | x * 2] AS xs",
            "MATCH (n) WHERE EXISTS { MATCH (n)-->(m) RETURN m } RETURN COUNT { (n)-->() } AS k",
            "MATCH (n) CALL { WITH n MATCH (n)-->(m) RETURN m } RETURN m",
        ] {
            assert!(read_only(q), "{q}");
        }
        for q in [
            "CREATE (:A)",
            "MERGE (a:A {id: 1}) RETURN a",
            "MATCH (n) SET n.x = 1",
            "MATCH (n) REMOVE n:A",
            "MATCH (n) DETACH DELETE n",
            "MATCH (n) DELETE n",
            "MATCH (n) RETURN n UNION MATCH (m) CREATE (x:B) RETURN x AS n",
            "PROFILE CREATE (:A)",
            "MATCH (n) CALL { WITH n SET n.seen = true } RETURN count(*) AS c",
            "CALL { CALL { CREATE (:A) } RETURN 1 AS one } RETURN one",
            "BEGIN",
            "COMMIT",
            "ROLLBACK",
        ] {
            assert!(!read_only(q), "{q}");
        }
    }
}

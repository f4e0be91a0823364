//! Compilers from the query language to other engines' languages, so that a
//! graph too large for one machine can be queried where it lives.

pub mod spark;

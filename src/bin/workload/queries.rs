//! The query texts of shared/bench/WORKLOAD.md, as the runner sends them
//! (the criterion benchmarks include this file too).

pub const Q1: &str = "MATCH (a:Actor {id: $id})
OPTIONAL MATCH (a)-[r]->()
RETURN a.name AS name, count(r) AS out_links";
pub const Q2: &str = "MATCH (s:Actor)-[r:SUPPLIES]->(h:Actor {id: $hub})
WHERE r.category = 'ammunition'
RETURN DISTINCT s.name AS name
ORDER BY name
LIMIT 100";
pub const Q3: &str = "MATCH (a:Actor {id: $mid})-[:SUPPLIES]->(:Actor)-[:SUPPLIES]->(c:Actor)
RETURN count(DISTINCT c) AS n";
pub const Q4: &str = "MATCH (a:Actor {id: $mid})-[*1..3]->(b:Actor)
RETURN count(DISTINCT b) AS n";
pub const Q5: &str = "MATCH (a:Actor {id: $from}), (b:Actor {id: $to})
MATCH p = shortestPath((a)-[*1..30]->(b))
RETURN length(p) AS hops";
pub const Q6: &str = "MATCH ()-[r:SUPPLIES]->()
RETURN r.category AS category, sum(r.value) AS total_value, count(*) AS links
ORDER BY category";
pub const Q7: &str = "MATCH (s:Actor)-[r:SUPPLIES]->(d:Actor)
WHERE r.confidence >= 0.5
RETURN d.id AS id, count(DISTINCT s) AS suppliers
ORDER BY suppliers DESC, id ASC
LIMIT 10";
pub const Q8: &str = "MATCH p = (a:Actor {id: $from})-[*1..3]->(b:Actor {id: $to})
WHERE all(r IN relationships(p) WHERE r.confidence >= 0.5)
RETURN count(p) AS paths";

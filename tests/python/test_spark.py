"""Runs the workload's Q1-Q8 (and ten more queries) on Apache Spark through
the binary, `supplygraph spark --remote sc://...`, over the tables of
`supplygraph export --format parquet`, and compares every answer with the
embedded engine's (`supplygraph DB -c ... --format json`).

    python3 tests/python/test_spark.py BIN DATA_DIR WORK_DIR [--quick] [--repeat N]
        [--remote sc://HOST:PORT] [--queries Q1,Q5,...]

DATA_DIR holds gen.py's actors.csv, links.csv and params.json. Without
--remote a local Spark Connect server (local[2]) is started from the pip
pyspark for the run (spark_connect_server.py). Prints one line per query
with both times and exits non-zero on any difference. --quick runs Q5 for
3 of its 12 pairs, two with a path and one without (each shortest path is a recursive query of one Spark job
per level: seconds each on local[2]). --repeat N runs each Spark query N
more times in the same session and reports the median of those (warm);
Spark's times are the binary's `--timer` (the query on Spark, without
process start and view registration), the embedded one the whole process.
"""

import json
import math
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from spark_connect_server import Server  # noqa: E402

Q = {
    "Q1": """MATCH (a:Actor {id: $id})
OPTIONAL MATCH (a)-[r]->()
RETURN a.name AS name, count(r) AS out_links""",
    "Q2": """MATCH (s:Actor)-[r:SUPPLIES]->(h:Actor {id: $hub})
WHERE r.category = 'ammunition'
RETURN DISTINCT s.name AS name
ORDER BY name
LIMIT 100""",
    "Q3": """MATCH (a:Actor {id: $mid})-[:SUPPLIES]->(:Actor)-[:SUPPLIES]->(c:Actor)
RETURN count(DISTINCT c) AS n""",
    "Q4": """MATCH (a:Actor {id: $mid})-[*1..3]->(b:Actor)
RETURN count(DISTINCT b) AS n""",
    "Q5": """MATCH (a:Actor {id: $from}), (b:Actor {id: $to})
MATCH p = shortestPath((a)-[*1..30]->(b))
RETURN length(p) AS hops""",
    "Q6": """MATCH ()-[r:SUPPLIES]->()
RETURN r.category AS category, sum(r.value) AS total_value, count(*) AS links
ORDER BY category""",
    "Q7": """MATCH (s:Actor)-[r:SUPPLIES]->(d:Actor)
WHERE r.confidence >= 0.5
RETURN d.id AS id, count(DISTINCT s) AS suppliers
ORDER BY suppliers DESC, id ASC
LIMIT 10""",
    "Q8": """MATCH p = (a:Actor {id: $from})-[*1..3]->(b:Actor {id: $to})
WHERE all(r IN relationships(p) WHERE r.confidence >= 0.5)
RETURN count(p) AS paths""",
}
# Beyond the workload: the other constructs the compiler maps, on the same data.
EXTRA = {
    "X1 undirected": """MATCH (a:Actor {id: $mid})-[r]-(b)
RETURN type(r) AS t, count(*) AS n, count(DISTINCT b) AS far ORDER BY t""",
    "X2 incoming *2": """MATCH (a:Actor {id: $mid})<-[:OWNS|SUPPLIES*2]-(b)
RETURN count(*) AS walks, count(DISTINCT b) AS far""",
    "X3 unwind, optional": """UNWIND ['a0000001', 'a0000002', 'nope'] AS k
OPTIONAL MATCH (a:Actor) WHERE a.id = k
RETURN k, a.name AS name ORDER BY k""",
    "X4 with, skip": """MATCH (s:Actor)-[r:SUPPLIES]->(d:Actor {id: $hub})
WITH s, sum(r.value) AS v WHERE v > 2000
RETURN s.name AS name, v ORDER BY v DESC, name SKIP 2 LIMIT 5""",
    "X5 order by unreturned": """MATCH (a:Actor {kind: 'country'})
RETURN a.name AS name ORDER BY a.id DESC LIMIT 3""",
    "X6 list var, quantifier": """MATCH (a:Actor {id: $mid})-[r*1..2]->(b)
WHERE all(x IN r WHERE x.since >= 2005)
RETURN count(*) AS n, sum(size(r)) AS links""",
    "X7 labels, distinct": """MATCH (c:Country)<-[:SUPPLIES]-(x)
RETURN c.name AS name, count(x) AS n, size(collect(DISTINCT x.kind)) AS kinds
ORDER BY n DESC, name LIMIT 5""",
    "X8 null logic": """MATCH (a:Actor)-[r:OWNS]->(b:Actor)
WHERE r.confidence > 0.9 AND (r.until IS NULL OR r.until >= 2024) AND b.name STARTS WITH 'Plant'
RETURN count(*) AS n, sum(r.value) AS v, min(r.since) AS first, max(b.country) AS c""",
    "X9 as of": """MATCH (a:Actor {id: $hub})<-[r:SUPPLIES]-(s) AS OF 2012
RETURN count(*) AS n, min(r.since) AS first, max(r.until) AS last""",
    "X10 evidence": """MATCH p = (a:Actor {id: $mid})-[:SUPPLIES*2]->(b)
RETURN b.id AS b, confidence(p) >= 0.25 AS strong, sources(p) AS s""",
}
Q.update(EXTRA)
ORDERED = {"Q2", "Q6", "Q7", "X1 undirected", "X3 unwind, optional", "X4 with, skip",
           "X5 order by unreturned", "X7 labels, distinct"}


def runs(params, quick=False):
    """(query name, label, params) for every run: Q5 once per pair."""
    out = []
    for name in Q:
        if name == "Q5":
            pairs = params["PAIRS"] + params["NOPATH"]
            for i, p in enumerate(pairs):
                if quick and i not in (0, 9, 11):
                    continue
                out.append((name, f"Q5[{i}]", {"from": p["from"], "to": p["to"]}))
        elif name == "Q8":
            p = params["PAIRS"][0]
            out.append((name, name, {"from": p["from"], "to": p["to"]}))
        else:
            out.append((name, name, {"id": params["Q1_ID"], "hub": params["HUB"], "mid": params["MID"]}))
    return out


def param_args(text, values):
    args = []
    for k, v in values.items():
        if "$" + k in text:
            args += ["--param", f"{k}='{v}'"]
    return args


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"FAILED: {' '.join(cmd)}\n{r.stderr}")
    return r


def norm(rows, ordered):
    def v(x):
        if isinstance(x, float) and not math.isnan(x) and x == int(x):
            return int(x)
        if isinstance(x, float):
            return round(x, 9)
        return x

    rows = [tuple(v(x) for x in r) for r in rows]
    return rows if ordered else sorted(rows, key=repr)


def spark_times(stderr):
    """The `N rows (T ms on Spark)` lines of --timer, in seconds."""
    return [float(line.split("(")[1].split()[0]) / 1000 for line in stderr.splitlines()
            if line.endswith("ms on Spark)")]


def first_json(text):
    """The first JSON array of a --format json output."""
    got, _ = json.JSONDecoder().raw_decode(text.lstrip())
    return got


def main():
    binary, data, work = sys.argv[1:4]
    opts = sys.argv[4:]
    quick = "--quick" in opts
    repeat = int(opts[opts.index("--repeat") + 1]) if "--repeat" in opts else 0
    only = set(opts[opts.index("--queries") + 1].split(",")) if "--queries" in opts else None
    os.makedirs(work, exist_ok=True)
    db, pq = os.path.join(work, "db"), os.path.join(work, "parquet")
    params = json.load(open(os.path.join(data, "params.json")))
    if not os.path.exists(db):
        run([binary, "import", db, "--nodes", "Actor=" + os.path.join(data, "actors.csv"),
             "--relationships", os.path.join(data, "links.csv")])
    if not os.path.exists(os.path.join(pq, "links.parquet")):
        run([binary, "export", db, "--format", "parquet", "-o", pq])
    if "--remote" in opts:
        return check(binary, db, pq, params, opts[opts.index("--remote") + 1], quick, repeat, only)
    with Server() as url:
        return check(binary, db, pq, params, url, quick, repeat, only)


def check(binary, db, pq, params, url, quick, repeat, only):
    failures, totals = [], {}
    todo = [r for r in runs(params, quick) if only is None or r[0] in only]
    for name, label, values in todo:
        text = Q[name]
        pargs = param_args(text, values)
        t0 = time.time()
        embedded = json.loads(run([binary, db, "--format", "json", "-c", text] + pargs).stdout or "[]")
        t1 = time.time()
        r = run([binary, "spark", "--remote", url, "--data", pq, "--format", "json", "--timer"]
                + ["-c", text] * (1 + repeat) + pargs)
        got_rows = first_json(r.stdout)
        times = spark_times(r.stderr)
        spark = sorted(times[1:])[len(times[1:]) // 2] if repeat else times[0]
        cols = list(got_rows[0].keys()) if got_rows else []
        got = [tuple(row[c] for c in cols) for row in got_rows]
        want = [tuple(row[c] for c in cols) for row in embedded]
        ok = len(got_rows) == len(embedded) and norm(got, name in ORDERED) == norm(want, name in ORDERED)
        e, s = totals.get(name, (0.0, 0.0))
        totals[name] = (e + t1 - t0, s + spark)
        print(f"{'ok  ' if ok else 'DIFF'} {label}: {len(got)} rows; embedded {t1 - t0:.2f} s (process), "
              f"spark {spark:.2f} s{' (cold ' + format(times[0], '.2f') + ' s)' if repeat else ''}", flush=True)
        if not ok:
            failures.append(label)
            print("  spark:   ", norm(got, name in ORDERED)[:5])
            print("  embedded:", norm(want, name in ORDERED)[:5])
    for name, (e, s) in totals.items():
        print(f"time {name}: embedded {e:.2f} s, spark local[2] {s:.2f} s")
    if failures:
        sys.exit(f"{len(failures)} differ: {', '.join(failures)}")
    print(f"{len(todo)} passed, 0 failed")

if __name__ == "__main__":
    main()

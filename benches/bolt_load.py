"""Queries per second through `supplygraph serve`, measured with the neo4j
Python driver: N client processes (one driver and one session each) run one
workload query in a loop for a fixed time.

    python3 benches/bolt_load.py PORT PARAMS_JSON [--seconds 5] [--clients 1,4,16] [--queries Q1,Q3]
                                 [--modes run,read]

`run` sends each query as an auto-commit statement (`session.run`); `read`
as a managed read transaction (`session.execute_read`: BEGIN in read mode,
RUN, PULL, COMMIT).

PARAMS_JSON is the `params.json` of shared/bench/gen.py's output; the
database is that data loaded with `supplygraph import DB --nodes
Actor=actors.csv --relationships links.csv`. Loopback only; bounded by
--seconds per configuration.
"""

import argparse
import json
import multiprocessing
import time

from neo4j import GraphDatabase

QUERIES = {
    "Q1": (
        "MATCH (a:Actor {id: $id}) OPTIONAL MATCH (a)-[r]->() "
        "RETURN a.name AS name, count(r) AS out_links",
        lambda p: {"id": p["Q1_ID"]},
    ),
    "Q3": (
        "MATCH (a:Actor {id: $mid})-[:SUPPLIES]->(:Actor)-[:SUPPLIES]->(c:Actor) "
        "RETURN count(DISTINCT c) AS n",
        lambda p: {"mid": p["MID"]},
    ),
}


def client(port, query, params, mode, seconds, start, out):
    d = GraphDatabase.driver(f"bolt://127.0.0.1:{port}")
    with d.session() as s:
        if mode == "read":
            def once():
                return s.execute_read(lambda tx: tx.run(query, params).single())
        else:
            def once():
                return s.run(query, params).single()
        once()  # connect and warm up before the clock
        start.wait()
        n = 0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            once()
            n += 1
    d.close()
    out.put(n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("params")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--clients", default="1,4,16")
    ap.add_argument("--queries", default="Q1,Q3")
    ap.add_argument("--modes", default="run")
    a = ap.parse_args()
    with open(a.params) as f:
        params = json.load(f)
    runs = [
        (name, mode, int(n))
        for name in a.queries.split(",")
        for mode in a.modes.split(",")
        for n in a.clients.split(",")
    ]
    for name, mode, n in runs:
        query, bind = QUERIES[name]
        start = multiprocessing.Barrier(n + 1)
        out = multiprocessing.Queue()
        procs = [
            multiprocessing.Process(
                target=client,
                args=(a.port, query, bind(params), mode, a.seconds, start, out),
            )
            for _ in range(n)
        ]
        for p in procs:
            p.start()
        start.wait()
        t0 = time.monotonic()
        total = sum(out.get(timeout=a.seconds + 120) for _ in procs)
        elapsed = max(time.monotonic() - t0, a.seconds)
        for p in procs:
            p.join(30)
        print(json.dumps({"query": name, "mode": mode, "clients": n, "queries": total,
                          "seconds": round(elapsed, 2), "qps": round(total / elapsed, 1)}),
              flush=True)


if __name__ == "__main__":
    main()

"""Checks `supplygraph serve` with the official Neo4j Python driver.

Run by tests/bolt.rs: `python3 bolt_checks.py SCENARIO PORT [ARGS...]`.
Each scenario prints `ok NAME` per check and exits non-zero (with the
traceback) at the first that fails. The database starts empty for each
scenario that the Rust test starts a fresh server for.
"""

import datetime
import logging
import math
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
import warnings

import neo4j
from neo4j import GraphDatabase, exceptions


def ok(name):
    print(f"ok {name}", flush=True)


def driver(port, auth=None, **kw):
    return GraphDatabase.driver(f"bolt://127.0.0.1:{port}", auth=auth, **kw)


def expect(exc_class, fn, *args, contains=None, **kw):
    try:
        fn(*args, **kw)
    except exc_class as e:
        if contains is not None and contains not in str(e):
            raise AssertionError(f"{exc_class.__name__} without {contains!r}: {e}")
        return e
    raise AssertionError(f"{exc_class.__name__} was not raised")


# ----------------------------------------------------------------- basics


def basics(port):
    d = driver(port)
    d.verify_connectivity()
    ok("verify_connectivity")

    with d.session() as s:
        summary = s.run(
            "CREATE (b:Country {id: 'by', name: 'Belarus'})"
            "-[:SUPPLIES {category: 'ammunition', share: estimate(0.6, 0.7), since: date('2022')}]->"
            "(r:Country {id: 'ru', name: 'Russia'}), (c:Country {id: 'cn', name: 'China'})"
            "-[:SUPPLIES {category: 'electronics', confidence: 0.8}]->(b)"
        ).consume()
        c = summary.counters
        assert (c.nodes_created, c.relationships_created, c.labels_added) == (3, 2, 1), c
        assert c.properties_set == 11, c.properties_set
        assert c.contains_updates
        ok("session.run with counters")

        rec = s.run("MATCH (n:Country {id: 'by'}) RETURN n, n.name AS name").single()
        n = rec["n"]
        assert isinstance(n, neo4j.graph.Node)
        assert n.labels == frozenset({"Country"}) and n["name"] == "Belarus"
        assert n.element_id.startswith("n"), n.element_id
        again = s.run("MATCH (n:Country {id: 'by'}) RETURN n").single()["n"]
        assert again.element_id == n.element_id
        ok("nodes with stable element ids")

        rec = s.run(
            "MATCH (a {id: 'by'})-[r:SUPPLIES]->(b) RETURN r, b, r.share AS share, r.since AS since"
        ).single()
        r = rec["r"]
        assert isinstance(r, neo4j.graph.Relationship)
        assert r.type == "SUPPLIES" and r["category"] == "ammunition"
        assert r.start_node.element_id == n.element_id
        assert r.end_node.element_id == rec["b"].element_id and rec["b"]["name"] == "Russia"
        assert rec["share"] == {"lo": 0.6, "hi": 0.7}, rec["share"]
        assert rec["since"] == "2022", rec["since"]
        ok("relationships, estimates as {lo, hi}, partial dates as text")

        p = s.run(
            "MATCH p = (@china)-[:SUPPLIES*2]->(@russia) RETURN p"
        ).single()["p"]
        assert isinstance(p, neo4j.graph.Path)
        assert [x["name"] for x in p.nodes] == ["China", "Belarus", "Russia"]
        assert [x.type for x in p.relationships] == ["SUPPLIES", "SUPPLIES"]
        assert p.start_node["id"] == "cn" and p.end_node["id"] == "ru"
        back = s.run("MATCH p = (@russia)<-[:SUPPLIES]-(@belarus) RETURN p").single()["p"]
        assert back.start_node["id"] == "ru" and back.end_node["id"] == "by"
        rel = back.relationships[0]
        assert rel.start_node["id"] == "by" and rel.end_node["id"] == "ru"
        ok("paths in both directions")

        # Values of every type out.
        rec = s.run(
            "RETURN null AS n, true AS t, 1 AS i, -129 AS small, 9223372036854775807 AS big, "
            "0.5 AS f, 'Беларусь' AS s, [1, 'a', [2.0, null]] AS l, {k: {j: [true]}} AS m, "
            "date('2022-03-01') AS d, date('2022-03') AS ym"
        ).single()
        assert rec["n"] is None and rec["t"] is True
        assert rec["i"] == 1 and rec["small"] == -129 and rec["big"] == 2**63 - 1
        assert rec["f"] == 0.5 and rec["s"] == "Беларусь"
        assert rec["l"] == [1, "a", [2.0, None]] and rec["m"] == {"k": {"j": [True]}}
        assert rec["d"] == neo4j.time.Date(2022, 3, 1), rec["d"]
        assert rec["ym"] == "2022-03"
        ok("values of every type out")

        # Temporal values out, as the driver's own types.
        rec = s.run(
            "RETURN date('2022-02-24') AS d, localtime('12:31:14.645876123') AS lt, "
            "time('12:31:14+01:00') AS t, localdatetime('2022-02-24T05:00:00.5') AS ldt, "
            "datetime('2022-02-24T05:00+03:00') AS dt, "
            "datetime('2022-02-24T05:00[Europe/Moscow]') AS dtz, "
            "duration('P1Y2M3DT4H5M6.5S') AS dur"
        ).single()
        assert type(rec["d"]) is neo4j.time.Date and rec["d"] == neo4j.time.Date(2022, 2, 24)
        assert rec["lt"] == neo4j.time.Time(12, 31, 14, 645876123), rec["lt"]
        assert rec["t"].iso_format() == "12:31:14.000000000+01:00", rec["t"]
        assert rec["ldt"] == neo4j.time.DateTime(2022, 2, 24, 5, 0, 0, 500000000), rec["ldt"]
        assert rec["dt"].iso_format() == "2022-02-24T05:00:00.000000000+03:00", rec["dt"]
        assert rec["dtz"].iso_format() == "2022-02-24T05:00:00.000000000+03:00", rec["dtz"]
        assert "Moscow" in str(rec["dtz"].tzinfo), rec["dtz"].tzinfo
        assert rec["dur"] == neo4j.time.Duration(years=1, months=2, days=3, hours=4, minutes=5,
                                                 seconds=6.5), rec["dur"]
        # ... and back in as parameters, equal to what came out.
        for name in ["d", "lt", "t", "ldt", "dt", "dtz", "dur"]:
            back = s.run("RETURN $v AS v, toString($v) AS text", v=rec[name]).single()
            assert back["v"] == rec[name], (name, back["v"], rec[name])
        ok("temporal values out and back in")

    # Parameters of every type in: echoed, and stored then read back.
    params = {
        "null": None,
        "true": True,
        "false": False,
        "zero": 0,
        "tiny": -16,
        "i8": -128,
        "i16": 32767,
        "i32": -(2**31),
        "i64": 2**63 - 1,
        "i64min": -(2**63),
        "float": 3.25,
        "neg0": -0.0,
        "inf": float("inf"),
        "str": "supply ✓ chain",
        "empty": "",
        "long": "x" * 70000,
        "list": [1, 2, 3],
        "mixed": [1, "two", 3.0, None, [4]],
        "map": {"a": 1, "b": {"c": [1, "d"]}},
        "date": datetime.date(2022, 3, 1),
        "ndate": neo4j.time.Date(1969, 12, 31),
    }
    with d.session() as s:
        for name, value in params.items():
            got = s.run(f"RETURN ${name} AS v", {name: value}).single()["v"]
            if isinstance(value, datetime.date):
                got = got.to_native()
            assert got == value and type(got) is type(value), (name, got, value)
        assert math.isnan(s.run("RETURN $v AS v", v=float("nan")).single()["v"])
        for name in ["true", "i64", "i64min", "float", "str", "list", "date"]:
            s.run(f"CREATE (:Param {{name: '{name}', v: ${name}}})", {name: params[name]}).consume()
        for rec in s.run("MATCH (p:Param) RETURN p.name AS name, p.v AS v"):
            got = rec["v"]
            if isinstance(got, neo4j.time.Date):
                got = got.to_native()
            assert got == params[rec["name"]], rec
        ok("parameters of every type")

        expect(exceptions.CypherTypeError, lambda: s.run("RETURN $b", b=b"\x00\x01").consume(),
               contains="byte array")
        got = s.run("RETURN toString($t) AS t", t=datetime.datetime(2022, 1, 1, 12, 0)).single()
        assert got["t"] == "2022-01-01T12:00", got["t"]
        expect(exceptions.CypherTypeError,
               lambda: s.run("RETURN $p", p=neo4j.spatial.CartesianPoint((1.0, 2.0))).consume(),
               contains="Point")
        ok("unsupported parameter types refused")

    # execute_query
    records, summary, keys = d.execute_query(
        "MATCH (c:Country) RETURN c.name AS name ORDER BY name"
    )
    assert keys == ["name"] and [r["name"] for r in records] == ["Belarus", "China", "Russia"]
    records, summary, _ = d.execute_query(
        "CREATE (:Tmp {v: $v})", v=1, routing_=neo4j.RoutingControl.WRITE
    )
    assert summary.counters.nodes_created == 1
    records, _, _ = d.execute_query(
        "MATCH (t:Tmp) RETURN count(t) AS c", routing_=neo4j.RoutingControl.READ
    )
    assert records[0]["c"] == 1
    df = d.execute_query(
        "MATCH (c:Country) RETURN c.name AS name, c.id AS id ORDER BY id",
        result_transformer_=neo4j.Result.to_df,
    )
    assert list(df.columns) == ["name", "id"] and list(df["id"]) == ["by", "cn", "ru"], df
    ok("execute_query (read, write, to_df transformer)")

    # to_df and graph() on session results
    with d.session() as s:
        df = s.run("UNWIND range(1, 5) AS i RETURN i, i * 0.5 AS half, toString(i) AS s").to_df()
        assert df.shape == (5, 3) and list(df["i"]) == [1, 2, 3, 4, 5]
        assert list(df["half"]) == [0.5, 1.0, 1.5, 2.0, 2.5]
        df = s.run("MATCH (n:Country) RETURN n ORDER BY n.id").to_df(expand=True)
        assert "n().prop.name" in df.columns and list(df["n().prop.name"]) == ["Belarus", "China", "Russia"], df.to_dict()
        g = s.run("MATCH p = (a)-[r:SUPPLIES]->(b) RETURN p").graph()
        assert len(g.nodes) == 3 and len(g.relationships) == 2
        assert {r.type for r in g.relationships} == {"SUPPLIES"}
        ok("result.to_df() and result.graph()")

    # Paging: PULL n with has_more, and DISCARD
    with d.session(fetch_size=7) as s:
        result = s.run("UNWIND range(1, 100) AS i RETURN i")
        got = [r["i"] for r in result]
        assert got == list(range(1, 101)), got[:10]
        result = s.run("UNWIND range(1, 100) AS i RETURN i")
        first = [next(result)["i"] for _ in range(3)]
        summary = result.consume()
        assert first == [1, 2, 3] and summary.query == "UNWIND range(1, 100) AS i RETURN i"
        # Two results open at once in one transaction (qid).
        with s.begin_transaction() as tx:
            a = tx.run("UNWIND range(1, 20) AS i RETURN i")
            b = tx.run("UNWIND range(101, 120) AS i RETURN i")
            assert [r["i"] for r in b] == list(range(101, 121))
            assert [r["i"] for r in a] == list(range(1, 21))
            tx.commit()
        ok("PULL n pages, DISCARD, several open results in a transaction")

    # Explicit and managed transactions
    with d.session() as s:
        tx = s.begin_transaction()
        tx.run("CREATE (:TxTest {v: 1})").consume()
        assert tx.run("MATCH (t:TxTest) RETURN count(t) AS c").single()["c"] == 1
        tx.rollback()
        assert s.run("MATCH (t:TxTest) RETURN count(t) AS c").single()["c"] == 0
        with s.begin_transaction() as tx:
            tx.run("CREATE (:TxTest {v: 2})").consume()
            tx.run("CREATE (:TxTest {v: 3})").consume()
            tx.commit()
        assert s.run("MATCH (t:TxTest) RETURN sum(t.v) AS c").single()["c"] == 5
        ok("explicit transactions commit and roll back")

        calls = []

        def work(tx, n):
            calls.append(1)
            tx.run("UNWIND range(1, $n) AS i CREATE (:Managed {i: i})", n=n).consume()
            return tx.run("MATCH (m:Managed) RETURN count(m) AS c").single()["c"]

        assert s.execute_write(work, 4) == 4 and len(calls) == 1
        got = s.execute_read(lambda tx: tx.run("MATCH (m:Managed) RETURN count(m) AS c").single()["c"])
        assert got == 4
        ok("execute_write / execute_read")

        # A write inside a read transaction is refused and leaves nothing.
        e = expect(exceptions.ClientError,
                   lambda: s.execute_read(lambda tx: tx.run("CREATE (:Nope)").consume()))
        assert e.code == "Neo.ClientError.Statement.AccessMode", e.code
        e = expect(exceptions.ClientError, lambda: d.execute_query(
            "CREATE (:Nope)", routing_=neo4j.RoutingControl.READ))
        assert e.code == "Neo.ClientError.Statement.AccessMode", e.code
        assert s.run("MATCH (n:Nope) RETURN count(n) AS c").single()["c"] == 0
        ok("writes refused in read access mode")

        # A failing statement fails the transaction; the session goes on.
        tx = s.begin_transaction()
        tx.run("CREATE (:Half)").consume()
        expect(exceptions.CypherTypeError, lambda: tx.run("RETURN 1 + true").consume())
        expect(exceptions.TransactionError, tx.commit)
        tx.close()
        assert s.run("MATCH (n:Half) RETURN count(n) AS c").single()["c"] == 0
        ok("a failed transaction is rolled back")

    # Error classes, codes and positions
    with d.session() as s:
        e = expect(exceptions.CypherSyntaxError, lambda: s.run("MATCH (n RETURN n").consume())
        assert e.code == "Neo.ClientError.Statement.SyntaxError"
        assert "(line 1, column 10 (offset: 9))" in e.message, e.message
        e = expect(exceptions.ClientError, lambda: s.run("RETURN $missing").consume())
        assert e.code == "Neo.ClientError.Statement.ParameterMissing", e.code
        e = expect(exceptions.CypherSyntaxError, lambda: s.run("MATCH (n) RETURN x").consume())
        assert "line 1, column 18" in e.message, e.message
        e = expect(exceptions.CypherTypeError, lambda: s.run("RETURN 1 + true").consume())
        assert e.code == "Neo.ClientError.Statement.TypeError"
        e = expect(exceptions.ClientError, lambda: s.run("MATCH (n) RETURN @nobody").consume())
        assert e.code.startswith("Neo.ClientError."), e.code
        e = expect(exceptions.ClientError, lambda: s.run("BEGIN").consume())
        assert e.code == "Neo.ClientError.Request.Invalid"
        # The session is usable after every failure.
        assert s.run("RETURN 42 AS x").single()["x"] == 42
        ok("error classes, codes and positions")

    # The driver's transaction timeout stops a statement (the server's
    # --timeout works the same way).
    with d.session() as s:
        q = neo4j.Query(
            "UNWIND range(1, 2000) AS i UNWIND range(1, 2000) AS j RETURN count(*) AS c",
            timeout=0.001,
        )
        e = expect(exceptions.ClientError, lambda: s.run(q).consume())
        assert e.code == "Neo.ClientError.Transaction.TransactionTimedOut", e.code
        assert s.run("RETURN 1 AS x").single()["x"] == 1
        ok("a statement past its timeout is stopped")

    # Small queries in a row are not held back by Nagle's algorithm (the
    # server sets TCP_NODELAY): 50 would take at least 2 s with 40 ms each.
    with d.session() as s:
        started = time.monotonic()
        for i in range(50):
            assert s.run("RETURN $i AS i", i=i).single()["i"] == i
        took = time.monotonic() - started
        assert took < 1.5, took
        ok(f"50 queries in a row in {took * 1000:.0f} ms")

    # EXPLAIN returns the plan as rows
    with d.session() as s:
        rows = [r["plan"] for r in s.run("EXPLAIN MATCH (n:Country) RETURN n")]
        assert rows and all(isinstance(x, str) for x in rows)
        ok("EXPLAIN")

    # Warnings arrive as notifications: the closest name, and where
    with d.session() as s:
        summary = s.run("MATCH (n:Countyr) RETURN n").consume()
        with warnings.catch_warnings():
            # Deprecated for gql_status_objects, which Bolt 5.5 brings.
            warnings.simplefilter("ignore", DeprecationWarning)
            notes = summary.notifications or []
            quiet = s.run("MATCH (n:Country) RETURN n").consume().notifications
        codes = [n["code"] for n in notes]
        assert codes == ["Neo.ClientNotification.Statement.UnknownLabelWarning"], notes
        assert "did you mean :Country?" in notes[0]["description"], notes
        assert notes[0]["severity"] == "WARNING", notes
        assert notes[0]["position"] == {"offset": 9, "line": 1, "column": 10}, notes
        assert not quiet, quiet
        ok("warnings as notifications")
    d.close()


# ------------------------------------------------------------ managed retry


def retry(port):
    """A managed transaction that meets another session's open transaction
    gets a transient error (the server was started with a short --lock-wait)
    and the driver retries it until it succeeds."""
    d = driver(port)
    holding = threading.Event()

    def hold():
        with d.session() as s:
            tx = s.begin_transaction()
            tx.run("CREATE (:Holder)").consume()
            holding.set()
            time.sleep(2.0)
            tx.commit()

    t = threading.Thread(target=hold)
    t.start()
    holding.wait(10)
    # The driver says when it retries: count those warnings.
    retries = []

    class Count(logging.Handler):
        def emit(self, record):
            if "will be retried" in record.getMessage():
                retries.append(record.getMessage())

    handler = Count()
    logging.getLogger("neo4j.session").addHandler(handler)
    calls = []

    def work(tx):
        calls.append(time.monotonic())
        tx.run("CREATE (:Retried)").consume()

    with d.session() as s:
        s.execute_write(work)
    t.join()
    logging.getLogger("neo4j.session").removeHandler(handler)
    assert retries and "LockAcquisitionTimeout" in retries[0], retries
    assert len(calls) == 1, calls
    with d.session() as s:
        c = s.run("MATCH (h:Holder) WITH count(h) AS h MATCH (r:Retried) RETURN h, count(r) AS r").single()
        assert (c["h"], c["r"]) == (1, 1), c
        # A plain auto-commit statement meeting the lock sees the transient error.
        with d.session() as other:
            tx = other.begin_transaction()
            e = expect(exceptions.TransientError, lambda: s.run("RETURN 1").consume())
            assert e.code == "Neo.TransientError.Transaction.LockAcquisitionTimeout", e.code
            tx.rollback()
        assert s.run("RETURN 1 AS x").single()["x"] == 1
    ok(f"managed transaction retried after a transient error ({len(retries)} retries)")
    d.close()


# -------------------------------------------------------------------- idle


def idle(port):
    """The server runs with --tx-idle-timeout 0.5: an explicit transaction
    left idle stops holding the database, and its writes are rolled back."""
    d = driver(port)
    s = d.session()
    tx = s.begin_transaction()
    tx.run("CREATE (:Idle)").consume()
    started = time.monotonic()
    # Without the rollback this would wait for the lock (30 s by default).
    d.execute_query("CREATE (:Other)")
    waited = time.monotonic() - started
    assert waited < 10, waited
    time.sleep(0.5)
    e = expect(exceptions.ClientError, lambda: tx.run("RETURN 1").consume())
    assert e.code == "Neo.ClientError.Transaction.TransactionTimedOut", e.code
    assert "idle" in e.message, e.message
    tx.close()
    s.close()
    c = d.execute_query("MATCH (i:Idle) WITH count(i) AS i MATCH (o:Other) RETURN i, count(o) AS o").records[0]
    assert (c["i"], c["o"]) == (0, 1), c
    ok(f"an idle transaction is rolled back and releases the database (the other writer waited {waited:.1f} s)")

    # A read stream that the client stops pulling holds the read lock for
    # --tx-idle-timeout at most: a write then goes through, and the stalled
    # client learns why once it pulls what was already made.
    s = d.session(fetch_size=10)
    result = s.run("UNWIND range(1, 1000000) AS x RETURN x")
    assert next(result)["x"] == 1
    started = time.monotonic()
    d.execute_query("CREATE (:AfterStall)")
    waited = time.monotonic() - started
    assert waited < 10, waited
    e = expect(exceptions.ClientError, lambda: list(result))
    assert e.code == "Neo.ClientError.Transaction.TransactionTimedOut", e.code
    assert "not pulled" in e.message, e.message
    s.close()
    ok(f"a read stream left unpulled is stopped and releases the database (the writer waited {waited:.1f} s)")
    d.close()


# -------------------------------------------------------------------- auth


def auth(port, user, password):
    bad = driver(port, auth=(user, password + "x"))
    expect(exceptions.AuthError, bad.verify_connectivity)
    bad.close()
    none = driver(port)
    expect(exceptions.AuthError, none.verify_connectivity)
    none.close()
    good = driver(port, auth=neo4j.basic_auth(user, password))
    assert good.execute_query("RETURN 1 AS x").records[0]["x"] == 1
    # Per-query credentials re-authenticate a pooled connection (LOGOFF,
    # LOGON): wrong ones fail, and the driver's own go on working.
    expect(exceptions.AuthError, lambda: good.execute_query("RETURN 1", auth_=(user, "wrong")))
    r = good.execute_query("RETURN 2 AS x", auth_=(user, password))
    assert r.records[0]["x"] == 2
    assert good.execute_query("RETURN 3 AS x").records[0]["x"] == 3
    good.close()
    ok("AuthError for wrong or missing credentials, the right ones work, also re-authenticating")


# --------------------------------------------------------------- read-only


def read_only(port):
    d = driver(port)
    e = expect(exceptions.ClientError, lambda: d.execute_query("CREATE (:X)"))
    assert e.code == "Neo.ClientError.Statement.AccessMode" and "--read-only" in e.message, e
    with d.session() as s:
        e = expect(exceptions.ClientError, lambda: s.execute_write(lambda tx: tx.run("CREATE (:X)").consume()))
        assert e.code == "Neo.ClientError.Statement.AccessMode" and "--read-only" in e.message, e
        assert s.run("MATCH (n) RETURN count(n) AS c").single()["c"] == int(sys.argv[3])
        # Every transaction is a read transaction: they read side by side.
        with d.session() as other:
            tx = other.begin_transaction()
            assert tx.run("MATCH (n) RETURN count(n) AS c").single()["c"] == int(sys.argv[3])
            got = s.execute_read(lambda t: t.run("MATCH (n) RETURN count(n) AS c").single()["c"])
            assert got == int(sys.argv[3])
            tx.commit()
    ok("a --read-only server refuses writes and serves reads")
    d.close()


# -------------------------------------------------------------- concurrency


READS = 60


def reader(port, out):
    """Reads the number of :W nodes; writes add them in pairs, so an odd count
    would be a torn write, and a count going down a lost one."""
    d = driver(port)
    seen = []
    with d.session() as s:
        for i in range(READS):
            if i % 2:
                c = s.run("MATCH (w:W) RETURN count(w) AS c").single()["c"]
            else:
                c = s.execute_read(lambda tx: tx.run("MATCH (w:W) RETURN count(w) AS c").single()["c"])
            seen.append(c)
    d.close()
    bad = [c for c in seen if c % 2]
    down = [(a, b) for a, b in zip(seen, seen[1:]) if b < a]
    out.put((len(seen), bad, down, seen[-1]))


def writer(port, pairs):
    d = driver(port)
    with d.session() as s:
        for i in range(pairs):
            if i % 2:
                s.run("CREATE (:W {i: $i}), (:W {i: $i})", i=i).consume()
            else:
                def two(tx, i=i):
                    tx.run("CREATE (:W {i: $i})", i=i).consume()
                    tx.run("CREATE (:W {i: $i})", i=i).consume()
                s.execute_write(two)
    d.close()


def concurrent(port):
    import queue

    pairs = 40
    q_threads = queue.Queue()
    q_procs = multiprocessing.Queue()
    threads = [threading.Thread(target=reader, args=(port, q_threads)) for _ in range(4)]
    procs = [multiprocessing.Process(target=reader, args=(port, q_procs)) for _ in range(3)]
    wproc = multiprocessing.Process(target=writer, args=(port, pairs))
    wthread = threading.Thread(target=writer, args=(port, pairs))
    started = time.monotonic()
    # Processes first: forking while reader threads run could copy a lock
    # one of them holds into the child.
    for x in procs + [wproc] + threads + [wthread]:
        x.start()
    results = [q_threads.get(timeout=120) for _ in threads] + [q_procs.get(timeout=120) for _ in procs]
    for x in threads + [wthread]:
        x.join(120)
    for p in procs + [wproc]:
        p.join(120)
        assert p.exitcode == 0, p.exitcode
    elapsed = time.monotonic() - started
    for n, bad, down, last in results:
        assert n == READS and not bad and not down, (n, bad, down)
    d = driver(port)
    c = d.execute_query("MATCH (w:W) RETURN count(w) AS c, count(DISTINCT w.i) AS d").records[0]
    assert (c["c"], c["d"]) == (4 * pairs, pairs), c
    d.close()
    ok(
        f"7 readers (4 threads, 3 processes) x {READS} reads beside 2 writers x {pairs} pairs "
        f"in {elapsed:.1f} s: no torn or lost writes, {4 * pairs} nodes at the end"
    )


# ------------------------------------------------------- killed mid-stream


def child_stream(port):
    d = driver(port)
    s = d.session(fetch_size=10)
    result = s.run("UNWIND range(1, 200000) AS i RETURN i, 'row ' + toString(i) AS s")
    for _ in range(5):
        next(result)
    print("streaming", flush=True)
    time.sleep(60)


def child_read_transaction(port):
    d = driver(port)
    s = d.session(fetch_size=10, default_access_mode=neo4j.READ_ACCESS)
    tx = s.begin_transaction()
    result = tx.run("UNWIND range(1, 200000) AS i RETURN i")
    next(result)
    print("in a read transaction", flush=True)
    time.sleep(60)


def child_transaction(port):
    d = driver(port)
    s = d.session()
    tx = s.begin_transaction()
    tx.run("CREATE (:Killed)").consume()
    print("in transaction", flush=True)
    time.sleep(60)


def killed(port):
    me = os.path.abspath(__file__)
    for scenario, marker in [
        ("child_stream", "streaming"),
        ("child_transaction", "in transaction"),
        ("child_read_transaction", "in a read transaction"),
    ]:
        child = subprocess.Popen([sys.executable, me, scenario, str(port)], stdout=subprocess.PIPE, text=True)
        line = child.stdout.readline().strip()
        assert line == marker, line
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        d = driver(port)
        started = time.monotonic()
        # The killed client's transaction held the database: its connection
        # closing must release it well before the lock wait runs out.
        d.execute_query("CREATE (:After)")
        assert time.monotonic() - started < 5, time.monotonic() - started
        c = d.execute_query("MATCH (k:Killed) RETURN count(k) AS c").records[0]["c"]
        assert c == 0, c
        d.close()
        ok(f"a client killed while {marker} leaves the server serving")


# --------------------------------------------------------------- streaming


def vm_hwm_mb(pid):
    """Peak resident memory of process `pid`, in MB (Linux)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc/PID/status")


def side_by_side(port):
    """The server runs with --timeout 6: a read that runs until then holds
    the read lock the whole time, and quick reads in other sessions answer
    meanwhile (the slow one is still running when they are done)."""
    d = driver(port)
    started = threading.Event()
    outcome = []

    def slow():
        with d.session() as s:
            result = s.run("UNWIND range(1, 10000000000) AS x WITH x WHERE x < 0 RETURN x")
            # run() returned: the server has planned it and it is running.
            started.set()
            try:
                result.consume()
                outcome.append("finished")
            except exceptions.ClientError as e:
                outcome.append(e.code)

    t = threading.Thread(target=slow)
    t.start()
    assert started.wait(30)
    # Auto-commit statements (session.run), and a read transaction.
    with d.session() as s:
        answers = [s.run("RETURN $i AS i", i=i).single()["i"] for i in range(5)]
    with d.session(default_access_mode=neo4j.READ_ACCESS) as s:
        answers.append(s.run("MATCH (n) RETURN count(n) AS c").single()["c"])
        answers.append(s.execute_read(lambda tx: tx.run("RETURN 5 AS x").single()["x"]))
    assert answers == [0, 1, 2, 3, 4, 0, 5], answers
    assert t.is_alive(), "the slow read ended before the quick ones answered"
    t.join(60)
    assert outcome == ["Neo.ClientError.Transaction.TransactionTimedOut"], outcome
    ok("quick reads answer while another session's read runs (it then meets --timeout)")

    # A stream left open (a few records pulled) does not stop other reads.
    s = d.session(fetch_size=100)
    big = s.run("UNWIND range(1, 1000000) AS x RETURN x")
    first = [next(big)["x"] for _ in range(10)]
    assert first == list(range(1, 11)), first
    with d.session() as other:
        assert other.run("RETURN 7 AS x").single()["x"] == 7
    assert next(big)["x"] == 11
    s.close()
    ok("a read answers while another session's stream is open")
    d.close()


def big_stream(port, pid):
    """5 million rows pulled 1000 at a time: the server's peak memory stays
    far below what holding the result would take."""
    d = driver(port)
    with d.session(fetch_size=1000) as s:
        n = total = 0
        for rec in s.run("UNWIND range(1, 5000000) AS x RETURN x"):
            n += 1
            total += rec[0]
    assert (n, total) == (5000000, 5000000 * 5000001 // 2), (n, total)
    peak = vm_hwm_mb(pid)
    assert peak < 400, f"the server peaked at {peak:.0f} MB"
    ok(f"5,000,000 rows streamed in batches of 1000; server peak {peak:.0f} MB")
    d.close()


def abandoned_stream(port):
    """A client that takes the first records of a large result and closes
    its session (DISCARD) or its driver (disconnect) stops the statement:
    a write goes through at once, and the server goes on serving."""
    for how in ["session", "driver"]:
        d = driver(port)
        s = d.session(fetch_size=50)
        result = s.run("UNWIND range(1, 5000000) AS x RETURN x")
        assert [next(result)["x"] for _ in range(3)] == [1, 2, 3]
        if how == "session":
            s.close()
        else:
            d.close()
        w = driver(port)
        c = w.execute_query("CREATE (:AfterAbandon) RETURN 1 AS one").summary.counters
        assert c.nodes_created == 1, c
        assert w.execute_query("MATCH (a:AfterAbandon) RETURN count(a) AS c").records[0]["c"] == (
            1 if how == "session" else 2
        )
        w.close()
        if how == "session":
            d.close()
    ok("a client that stops after the first records (session or driver closed) leaves the server serving")


def write_during_stream(port):
    """A write waits while a read streams (it holds the read lock), then
    succeeds once the stream is consumed; counts are checked."""
    d = driver(port)
    d.execute_query("UNWIND range(1, 3) AS i CREATE (:Before {i: i})")
    s = d.session(fetch_size=100)
    result = s.run("UNWIND range(1, 100000) AS x RETURN x")
    assert next(result)["x"] == 1
    written = []

    def write():
        w = driver(port)
        summary = w.execute_query("CREATE (:During {i: 1}), (:During {i: 2})").summary
        written.append(summary.counters.nodes_created)
        w.close()

    t = threading.Thread(target=write)
    t.start()
    time.sleep(0.5)
    assert t.is_alive() and not written, "the write did not wait for the open read stream"
    rest = [r["x"] for r in result]
    assert len(rest) == 99999 and rest[-1] == 100000, len(rest)
    s.close()
    t.join(30)
    assert written == [2], written
    c = d.execute_query(
        "MATCH (b:Before) WITH count(b) AS b MATCH (x:During) RETURN b, count(x) AS during"
    ).records[0]
    assert (c["b"], c["during"]) == (3, 2), c
    ok("a write during an open read stream waits for it, then succeeds")
    d.close()


# ------------------------------------------------------- read transactions


def read_transactions(port):
    """The server runs with --lock-wait 2. A managed read transaction holds
    the read lock, shared: while thread A's read transaction is open with a
    result half pulled, thread B's execute_read, a READ session's explicit
    transaction and execute_query with READ routing all complete (a read
    transaction holding the write lock would keep them waiting past the
    lock wait and the driver's retries). A write in a read transaction is
    refused with AccessMode and changes nothing; a write waits for the read
    transactions, then goes through."""
    d = driver(port, max_transaction_retry_time=5.0)
    d.execute_query("UNWIND range(1, 10) AS i CREATE (:R {i: i})")
    opened = threading.Event()
    release = threading.Event()
    got = []

    def a():
        def work(tx):
            result = tx.run("UNWIND range(1, 5000) AS x RETURN x")
            first = [next(result)["x"] for _ in range(3)]
            opened.set()
            assert release.wait(60)
            return first + [sum(1 for _ in result)]

        with d.session(fetch_size=10) as s:
            got.append(s.execute_read(work))

    t = threading.Thread(target=a)
    t.start()
    assert opened.wait(60)
    try:
        started = time.monotonic()
        with d.session() as s:
            c = s.execute_read(lambda tx: tx.run("MATCH (r:R) RETURN count(r) AS c").single()["c"])
        assert c == 10, c
        waited = time.monotonic() - started
        assert t.is_alive(), "A's read transaction ended before B's"
        with d.session(default_access_mode=neo4j.READ_ACCESS) as s:
            with s.begin_transaction() as tx:
                rows = [r["i"] for r in tx.run("MATCH (r:R) RETURN r.i AS i ORDER BY i")]
                assert rows == list(range(1, 11)), rows
                tx.commit()
        records = d.execute_query(
            "MATCH (r:R) RETURN sum(r.i) AS s", routing_=neo4j.RoutingControl.READ
        ).records
        assert records[0]["s"] == 55, records
        # A write in a read transaction, beside A: refused, nothing changes.
        with d.session() as s:
            e = expect(exceptions.ClientError,
                       lambda: s.execute_read(lambda tx: tx.run("CREATE (:R {i: 99})").consume()))
            assert e.code == "Neo.ClientError.Statement.AccessMode", e.code
            assert "read access mode" in e.message, e.message
        assert t.is_alive()
    finally:
        release.set()
    t.join(60)
    assert got == [[1, 2, 3, 4997]], got
    ok(f"managed read transactions overlap (B's execute_read answered in {waited:.2f} s while A's was open)")

    # A write waits for an open read transaction, then goes through.
    s2 = d.session(default_access_mode=neo4j.READ_ACCESS)
    rtx = s2.begin_transaction()
    assert rtx.run("MATCH (r:R) RETURN count(r) AS c").single()["c"] == 10
    written = []

    def write():
        w = driver(port)
        written.append(w.execute_query("CREATE (:R {i: 11})").summary.counters.nodes_created)
        w.close()

    w = threading.Thread(target=write)
    w.start()
    time.sleep(0.5)
    assert w.is_alive() and not written, "the write did not wait for the read transaction"
    # Still the same answer inside the read transaction: nothing committed.
    assert rtx.run("MATCH (r:R) RETURN count(r) AS c").single()["c"] == 10
    rtx.commit()
    s2.close()
    w.join(30)
    assert written == [1], written
    c = d.execute_query("MATCH (r:R) RETURN count(r) AS c").records[0]["c"]
    assert c == 11, c
    ok("a write waits for an open read transaction, then goes through")
    d.close()


# ----------------------------------------------- streaming where it could not


def streams(port):
    """Results that were computed whole now stream: a read in a write
    transaction (it sees the transaction's writes), a UNION, PROFILE (its
    plan in the summary, at the end). An endless range answers its first
    records and stops on consume(); computed whole, it would never answer."""
    endless = "UNWIND range(1, 1000000000000) AS x RETURN x"
    d = driver(port)
    with d.session(fetch_size=10) as s:
        def work(tx):
            tx.run("CREATE (:InTx {i: 1}), (:InTx {i: 2})").consume()
            result = tx.run(endless)
            first = [next(result)["x"] for _ in range(3)]
            result.consume()
            c = tx.run("MATCH (t:InTx) RETURN count(t) AS c").single()["c"]
            return first, c

        assert s.execute_write(work) == ([1, 2, 3], 2)
        assert s.run("MATCH (t:InTx) RETURN count(t) AS c").single()["c"] == 2
        ok("a read in a write transaction streams and sees the transaction's writes")

        # Two results of one write transaction open at once, the first
        # large: it is kept while the second runs, then pulled whole.
        with s.begin_transaction() as tx:
            a = tx.run("UNWIND range(1, 20000) AS x RETURN x")
            assert next(a)["x"] == 1
            tx.run("CREATE (:InTx {i: 3})").consume()
            b = tx.run("MATCH (t:InTx) RETURN count(t) AS c")
            assert b.single()["c"] == 3
            rest = [r["x"] for r in a]
            assert rest == list(range(2, 20001)), (len(rest), rest[:3])
            tx.commit()
        ok("an open result of a write transaction is kept while the next statements run")

        for q in [f"{endless} UNION ALL RETURN 0 AS x", f"{endless} UNION RETURN 0 AS x"]:
            result = s.run(q)
            assert [next(result)["x"] for _ in range(3)] == [1, 2, 3]
            result.consume()
        rows = [r["x"] for r in s.run("UNWIND [1, 2, 2] AS x RETURN x UNION UNWIND [2, 3] AS x RETURN x")]
        assert rows == [1, 2, 3], rows
        with d.session(default_access_mode=neo4j.READ_ACCESS) as r:
            def union(tx):
                result = tx.run(f"{endless} UNION ALL RETURN 0 AS x")
                first = [next(result)["x"] for _ in range(3)]
                result.consume()
                return first
            assert r.execute_read(union) == [1, 2, 3]
        ok("UNION streams part after part (UNION drops rows sent before)")

        result = s.run("PROFILE UNWIND range(1, 2000) AS x RETURN x")
        rows = [r["x"] for r in result]
        summary = result.consume()
        assert rows == list(range(1, 2001)), len(rows)
        plan = summary.metadata.get("supplygraph_plan", "")
        assert "ProduceResults" in plan and "2000 rows" in plan and "total" in plan, plan
        profile = summary.profile
        assert profile and profile["operatorType"] == "ProduceResults", profile
        assert profile["rows"] == 2000, profile
        ok("PROFILE streams its rows; its plan and counts come in the summary")
    d.close()


# ---------------------------------------------------------------- routing


def routing(port):
    """A neo4j:// driver asks for the routing table (ROUTE) and finds this
    one server as writer, reader and router."""
    d = GraphDatabase.driver(f"neo4j://127.0.0.1:{port}")
    d.verify_connectivity()
    d.execute_query("CREATE (:Routed)")
    records = d.execute_query(
        "MATCH (r:Routed) RETURN count(r) AS c", routing_=neo4j.RoutingControl.READ
    ).records
    assert records[0]["c"] == 1, records
    with d.session(default_access_mode=neo4j.READ_ACCESS) as s:
        assert s.execute_read(lambda tx: tx.run("RETURN 1 AS x").single()["x"]) == 1
    ok("neo4j:// routing driver: ROUTE names this server for every role")
    d.close()


# ----------------------------------------------------------------- limits


def limits(port):
    """The server runs with --memory-limit 16M and --timeout 3: a statement
    past either fails alone (memory: a transient error, as Neo4j's memory
    pool) and the session goes on."""
    d = driver(port)
    with d.session() as s:
        e = expect(exceptions.TransientError, lambda: s.run(
            "UNWIND range(1, 5000000) AS x RETURN x ORDER BY x DESC").consume())
        assert e.code == "Neo.TransientError.General.MemoryPoolOutOfMemoryError", e.code
        assert "memory limit" in e.message, e.message
        assert s.run("RETURN 1 AS x").single()["x"] == 1
        # The same in a write transaction, which is rolled back.
        tx = s.begin_transaction()
        tx.run("CREATE (:Big)").consume()
        expect(exceptions.TransientError, lambda: tx.run(
            "UNWIND range(1, 5000000) AS x RETURN x ORDER BY x DESC").consume())
        tx.close()
        assert s.run("MATCH (b:Big) RETURN count(b) AS c").single()["c"] == 0
        e = expect(exceptions.ClientError, lambda: s.run(
            "UNWIND range(1, 100000000000) AS x WITH x WHERE x < 0 RETURN x").consume())
        assert e.code == "Neo.ClientError.Transaction.TransactionTimedOut", e.code
        assert s.run("RETURN 2 AS x").single()["x"] == 2
    ok("per-statement memory limit and timeout on the server")
    d.close()


# ---------------------------------------------------------------- shutdown


def before_shutdown(port):
    d = driver(port)
    d.execute_query("UNWIND range(1, 10) AS i CREATE (:Kept {i: i})")
    s = d.session()
    tx = s.begin_transaction()
    tx.run("CREATE (:Uncommitted)").consume()
    print("ready", flush=True)
    # The server is stopped now; the open transaction must not survive.
    sys.stdin.readline()
    try:
        tx.commit()
        print("committed", flush=True)
    except Exception as e:  # noqa: BLE001 - any failure is the expected outcome
        print(f"refused {type(e).__name__}", flush=True)


if __name__ == "__main__":
    scenario, port = sys.argv[1], int(sys.argv[2])
    fns = {
        "basics": lambda: basics(port),
        "retry": lambda: retry(port),
        "idle": lambda: idle(port),
        "auth": lambda: auth(port, *sys.argv[3].split(":", 1)),
        "read_only": lambda: read_only(port),
        "concurrent": lambda: concurrent(port),
        "killed": lambda: killed(port),
        "child_stream": lambda: child_stream(port),
        "child_transaction": lambda: child_transaction(port),
        "child_read_transaction": lambda: child_read_transaction(port),
        "read_transactions": lambda: read_transactions(port),
        "streams": lambda: streams(port),
        "routing": lambda: routing(port),
        "limits": lambda: limits(port),
        "before_shutdown": lambda: before_shutdown(port),
        "side_by_side": lambda: side_by_side(port),
        "big_stream": lambda: big_stream(port, int(sys.argv[3])),
        "abandoned_stream": lambda: abandoned_stream(port),
        "write_during_stream": lambda: write_during_stream(port),
    }
    fns[scenario]()

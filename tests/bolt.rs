//! `supplygraph serve` with real clients: the official neo4j Python driver
//! (tests/python/bolt_checks.py, skipped with a message when python3, neo4j
//! or pandas is missing, but required when `CI` is set) and raw bytes from
//! a socket (malformed input, version negotiation, a RUN/PULL exchange),
//! and a smoke test with the JavaScript driver (tests/js, when node is there).
//! Every server listens on a free loopback port.

use boltr::message::decode::decode_server_message;
use boltr::message::encode::encode_client_message;
use boltr::message::{ClientMessage, ServerMessage};
use boltr::types::{BoltDict, BoltValue};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_supplygraph");

struct Server {
    child: Child,
    port: u16,
    db: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        let mut s = Server::start_on(&db, args);
        s._dir = Some(dir);
        s
    }

    fn start_on(db: &Path, args: &[&str]) -> Server {
        Server::start_listening(db, "127.0.0.1:0", args)
    }

    /// On `listen` (any port: 0); the port it says it took.
    fn start_listening(db: &Path, listen: &str, args: &[&str]) -> Server {
        let host = listen.rsplit_once(':').map_or(listen, |(h, _)| h);
        let mut child = Command::new(BIN)
            .arg("serve")
            .arg(db)
            .args(["--listen", listen])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
        let port = line
            .split(&format!("bolt://{host}:"))
            .nth(1)
            .and_then(|p| p.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                let _ = child.kill();
                let mut err = String::new();
                let _ = child.stderr.take().unwrap().read_to_string(&mut err);
                panic!("the server did not say where it listens: {line:?} {err}")
            });
        Server {
            child,
            port,
            db: db.to_path_buf(),
            _dir: None,
        }
    }

    /// SIGTERM, then the exit status (killed after 30 s).
    fn stop(&mut self) -> ExitStatus {
        self.stop_with("TERM")
    }

    /// Sends `signal` (TERM, INT), then the exit status (killed after 30 s).
    fn stop_with(&mut self, signal: &str) -> ExitStatus {
        // The shell's own `kill`: no binary beyond sh is needed.
        let _ = Command::new("sh")
            .args(["-c", &format!("kill -{signal} {}", self.child.id())])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not stop within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stderr(&mut self) -> String {
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        err
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Whether the Python driver can run; in CI its absence is a failure.
fn python_ready() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import neo4j, pandas"])
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install the neo4j Python driver and pandas (.ci/run)"
        );
        eprintln!(
            "SKIPPED: python3 with the neo4j driver and pandas is not installed \
             (pip install -r tests/python/requirements.txt)"
        );
    }
    ok
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/bolt_checks.py")
}

/// Runs one scenario of bolt_checks.py; fails with its output if it fails
/// or takes more than 5 minutes.
fn python(scenario: &str, port: u16, extra: &[&str]) -> String {
    python_within(scenario, port, extra, Duration::from_secs(300))
}

/// As `python`, with a time limit of `limit`.
fn python_within(scenario: &str, port: u16, extra: &[&str], limit: Duration) -> String {
    let mut child = Command::new("python3")
        .arg(script())
        .arg(scenario)
        .arg(port.to_string())
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("python scenario {scenario} ran longer than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = reader.join().unwrap();
    let err = err_reader.join().unwrap();
    print!("{out}");
    assert!(
        status.success(),
        "python scenario {scenario} failed:\n{out}\n{err}"
    );
    out
}

fn cli(db: &Path, query: &str) -> String {
    let out = Command::new(BIN)
        .arg(db)
        .args(["--format", "csv", "-c", query])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn python_driver_sessions_transactions_values_and_errors() {
    if !python_ready() {
        return;
    }
    let mut s = Server::start(&[]);
    let out = python("basics", s.port, &[]);
    assert!(out.contains("ok EXPLAIN"), "{out}");
    assert!(out.contains("ok temporal values out and back in"), "{out}");
    assert!(s.stop().success());
}

#[test]
fn python_driver_managed_transaction_retries_a_transient_lock_timeout() {
    if !python_ready() {
        return;
    }
    let mut s = Server::start(&["--lock-wait", "0.5"]);
    python("retry", s.port, &[]);
    assert!(s.stop().success());
}

#[test]
fn an_idle_transaction_is_rolled_back_and_releases_the_database() {
    if !python_ready() {
        return;
    }
    let mut s = Server::start(&["--tx-idle-timeout", "0.5"]);
    python("idle", s.port, &[]);
    assert!(s.stop().success());
}

#[test]
fn python_driver_auth() {
    if !python_ready() {
        return;
    }
    let mut s = Server::start(&["--auth", "analyst:s3cret pass"]);
    python("auth", s.port, &["analyst:s3cret pass"]);
    assert!(s.stop().success());
}

#[test]
fn python_driver_concurrent_threads_and_processes_with_a_writer() {
    if !python_ready() {
        return;
    }
    let mut s = Server::start(&[]);
    python("concurrent", s.port, &[]);
    assert!(s.stop().success());
    // What the clients wrote is on disk, whole.
    assert_eq!(cli(&s.db, "MATCH (w:W) RETURN count(w) AS c"), "c\n160\n");
}

#[test]
fn python_client_killed_mid_stream_or_in_a_transaction_leaves_the_server_serving() {
    if !python_ready() {
        return;
    }
    let mut s = Server::start(&[]);
    python("killed", s.port, &[]);
    assert!(s.stop().success());
}

#[test]
fn python_driver_reads_run_side_by_side() {
    if !python_ready() {
        return;
    }
    let mut s = Server::start(&["--timeout", "6"]);
    python("side_by_side", s.port, &[]);
    assert!(s.stop().success());
}

#[test]
fn python_driver_pulls_a_large_result_in_batches_at_flat_memory() {
    if !python_ready() {
        return;
    }
    let mut s = Server::start(&[]);
    let pid = s.child.id().to_string();
    // The Python driver takes minutes to decode 5,000,000 records on a
    // busy machine, against a debug build.
    python_within("big_stream", s.port, &[&pid], Duration::from_secs(900));
    assert!(s.stop().success());
}

#[test]
fn python_client_that_stops_pulling_and_a_write_during_a_stream() {
    if !python_ready() {
        return;
    }
    let mut s = Server::start(&[]);
    python("abandoned_stream", s.port, &[]);
    python("write_during_stream", s.port, &[]);
    assert!(s.stop().success());
    assert_eq!(
        cli(&s.db, "MATCH (d:During) RETURN count(d) AS c"),
        "c\n2\n"
    );
}

#[test]
fn read_only_server_refuses_writes() {
    if !python_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    cli(&db, "UNWIND range(1, 5) AS i CREATE (:N {i: i})");
    let mut s = Server::start_on(&db, &["--read-only"]);
    python("read_only", s.port, &["5"]);
    assert!(s.stop().success());
    assert_eq!(cli(&db, "MATCH (n) RETURN count(n) AS c"), "c\n5\n");
}

#[test]
fn sigterm_rolls_back_open_transactions_and_closes_the_database() {
    shutdown_drains_and_closes("TERM");
}

#[test]
fn ctrl_c_rolls_back_open_transactions_and_closes_the_database() {
    shutdown_drains_and_closes("INT");
}

/// `signal` while a transaction is open: the server waits for it (at most
/// --grace), rolls it back, closes the database; reopened, it holds what
/// was committed and passes `check`.
fn shutdown_drains_and_closes(signal: &str) {
    if !python_ready() {
        return;
    }
    let mut s = Server::start(&["--grace", "1"]);
    let mut client = Command::new("python3")
        .arg(script())
        .args(["before_shutdown", &s.port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(client.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    let started = Instant::now();
    let status = s.stop_with(signal);
    assert!(status.success(), "{status:?} {}", s.stderr());
    // It waited for the open transaction, at most the grace period.
    assert!(started.elapsed() >= Duration::from_millis(900));
    let err = s.stderr();
    assert!(
        err.contains("shutting down") && err.contains("closed"),
        "{err}"
    );
    writeln!(client.stdin.take().unwrap()).unwrap();
    let answer = lines.next().unwrap().unwrap();
    assert!(answer.starts_with("refused"), "{answer}");
    let _ = client.wait();
    assert_eq!(
        cli(
            &s.db,
            "MATCH (k:Kept) WITH count(k) AS k OPTIONAL MATCH (u:Uncommitted) RETURN k, count(u) AS u"
        ),
        "k,u\n10,0\n"
    );
    let check = Command::new(BIN).arg("check").arg(&s.db).output().unwrap();
    assert!(check.status.success());
}

#[test]
fn javascript_driver_smoke() {
    let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js");
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !node || !js.join("node_modules/neo4j-driver").exists() {
        // With node present, CI must have installed the driver (.ci/run).
        assert!(
            !node || std::env::var_os("CI").is_none(),
            "CI must install tests/js (npm ci)"
        );
        eprintln!("SKIPPED: node or tests/js/node_modules (cd tests/js && npm ci) is missing");
        return;
    }
    let mut s = Server::start(&[]);
    let out = Command::new("node")
        .arg(js.join("smoke.mjs"))
        .arg(s.port.to_string())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("ok js driver"),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(s.stop().success());
}

#[test]
fn python_driver_read_transactions_overlap() {
    if !python_ready() {
        return;
    }
    // A short lock wait: a read transaction that took the write lock would
    // make the other sessions' reads fail well within the test.
    let mut s = Server::start(&["--lock-wait", "2"]);
    python("read_transactions", s.port, &[]);
    assert!(s.stop().success());
    assert_eq!(cli(&s.db, "MATCH (r:R) RETURN count(r) AS c"), "c\n11\n");
}

#[test]
fn python_driver_streams_reads_in_write_transactions_unions_and_profile() {
    if !python_ready() {
        return;
    }
    let mut s = Server::start(&[]);
    python("streams", s.port, &[]);
    assert!(s.stop().success());
    assert_eq!(cli(&s.db, "MATCH (t:InTx) RETURN count(t) AS c"), "c\n3\n");
}

#[test]
fn python_routing_driver() {
    if !python_ready() {
        return;
    }
    let mut s = Server::start(&[]);
    python("routing", s.port, &[]);
    assert!(s.stop().success());
}

#[test]
fn python_driver_meets_the_memory_limit_and_timeout() {
    if !python_ready() {
        return;
    }
    let mut s = Server::start(&["--memory-limit", "16M", "--timeout", "3"]);
    python("limits", s.port, &[]);
    assert!(s.stop().success());
}

#[test]
fn beyond_loopback_auth_is_on() {
    if !python_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Credentials from the environment, as the README says.
    let db = dir.path().join("db");
    let mut child = Command::new(BIN)
        .arg("serve")
        .arg(&db)
        .args(["--listen", "0.0.0.0:0"])
        .env("SUPPLYGRAPH_AUTH", "analyst:s3cret")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let mut s = Server {
        port: line
            .split("bolt://0.0.0.0:")
            .nth(1)
            .and_then(|p| p.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}")),
        child,
        db,
        _dir: Some(dir),
    };
    assert!(line.contains("auth required"), "{line}");
    python("auth", s.port, &["analyst:s3cret"]);
    assert!(s.stop().success());
}

#[test]
fn a_public_address_needs_auth() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .arg("serve")
        .arg(dir.path().join("db"))
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--auth"));
}

// ------------------------------------------------------------ raw sockets

const MAGIC: [u8; 4] = [0x60, 0x60, 0xB0, 0x17];

fn connect(port: u16) -> TcpStream {
    let c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c
}

/// Handshake offering `versions` (`[reserved, range, minor, major]` each).
fn handshake(c: &mut TcpStream, versions: [[u8; 4]; 4]) -> [u8; 4] {
    let mut req = MAGIC.to_vec();
    for v in versions {
        req.extend_from_slice(&v);
    }
    c.write_all(&req).unwrap();
    let mut answer = [0u8; 4];
    c.read_exact(&mut answer).unwrap();
    answer
}

fn send(c: &mut TcpStream, msg: &ClientMessage) {
    let mut buf = bytes::BytesMut::new();
    encode_client_message(&mut buf, msg);
    let mut framed = Vec::new();
    for chunk in buf.chunks(65_535) {
        framed.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
        framed.extend_from_slice(chunk);
    }
    framed.extend_from_slice(&[0, 0]);
    c.write_all(&framed).unwrap();
}

/// The next message, or `None` once the server closed the connection.
fn receive(c: &mut TcpStream) -> Option<ServerMessage> {
    let mut data = Vec::new();
    loop {
        let mut len = [0u8; 2];
        c.read_exact(&mut len).ok()?;
        let len = u16::from_be_bytes(len) as usize;
        if len == 0 {
            if data.is_empty() {
                continue;
            }
            return Some(decode_server_message(&data).unwrap());
        }
        let mut chunk = vec![0u8; len];
        c.read_exact(&mut chunk).ok()?;
        data.extend_from_slice(&chunk);
    }
}

/// Reads until the server closes the connection (or 10 s pass).
fn closed(c: &mut TcpStream) -> bool {
    let mut sink = [0u8; 4096];
    loop {
        match c.read(&mut sink) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) => {
                return matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
                )
            }
        }
    }
}

fn dict(pairs: &[(&str, BoltValue)]) -> BoltDict {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn s(v: &str) -> BoltValue {
    BoltValue::String(v.into())
}

/// HELLO, LOGON, then `RETURN $x + 1`, pulled one row at a time.
fn run_query(port: u16) {
    let mut c = connect(port);
    // A range offer (5.8 down to 5.0) gets the highest version served: 5.4.
    assert_eq!(
        handshake(
            &mut c,
            [[0, 0, 1, 0xFF], [0, 8, 8, 5], [0, 2, 4, 4], [0; 4]]
        ),
        [0, 0, 4, 5]
    );
    send(
        &mut c,
        &ClientMessage::Hello {
            extra: dict(&[("user_agent", s("raw/1"))]),
        },
    );
    assert!(matches!(
        receive(&mut c),
        Some(ServerMessage::Success { .. })
    ));
    send(
        &mut c,
        &ClientMessage::Logon {
            auth: dict(&[("scheme", s("none"))]),
        },
    );
    assert!(matches!(
        receive(&mut c),
        Some(ServerMessage::Success { .. })
    ));
    send(
        &mut c,
        &ClientMessage::Run {
            query: "UNWIND [$x, $x + 1] AS y RETURN y".into(),
            parameters: dict(&[("x", BoltValue::Integer(41))]),
            extra: BoltDict::new(),
        },
    );
    let Some(ServerMessage::Success { metadata }) = receive(&mut c) else {
        panic!("RUN failed")
    };
    assert_eq!(metadata.get("fields"), Some(&BoltValue::List(vec![s("y")])));
    for (want, more) in [(41, true), (42, false)] {
        send(
            &mut c,
            &ClientMessage::Pull {
                extra: dict(&[("n", BoltValue::Integer(1))]),
            },
        );
        assert_eq!(
            receive(&mut c),
            Some(ServerMessage::Record {
                data: vec![BoltValue::Integer(want)]
            })
        );
        let Some(ServerMessage::Success { metadata }) = receive(&mut c) else {
            panic!("PULL failed")
        };
        assert_eq!(metadata.get("has_more"), Some(&BoltValue::Boolean(more)));
    }
    // ROUTE names this one server for every role; TELEMETRY is acknowledged.
    send(
        &mut c,
        &ClientMessage::Route {
            routing: dict(&[("address", s(&format!("127.0.0.1:{port}")))]),
            bookmarks: vec![],
            extra: BoltDict::new(),
        },
    );
    let Some(ServerMessage::Success { metadata }) = receive(&mut c) else {
        panic!("ROUTE failed")
    };
    let Some(BoltValue::Dict(rt)) = metadata.get("rt") else {
        panic!("no routing table")
    };
    let Some(BoltValue::List(servers)) = rt.get("servers") else {
        panic!("no servers")
    };
    assert_eq!(servers.len(), 3);
    send(&mut c, &ClientMessage::Telemetry { api: 1 });
    assert!(matches!(
        receive(&mut c),
        Some(ServerMessage::Success { .. })
    ));
    send(&mut c, &ClientMessage::Goodbye);
    assert!(closed(&mut c));
}

#[test]
fn raw_bolt_exchange_and_malformed_input_never_stop_the_server() {
    let mut server = Server::start(&[]);
    let port = server.port;
    run_query(port);

    // Not Bolt at all: closed without an answer.
    let mut c = connect(port);
    c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert!(closed(&mut c));

    // Only Bolt 4 offered: the "no version" answer, then closed.
    let mut c = connect(port);
    assert_eq!(
        handshake(&mut c, [[0, 0, 4, 4], [0, 0, 3, 4], [0; 4], [0; 4]]),
        [0; 4]
    );
    assert!(closed(&mut c));

    // A message that is not PackStream, before HELLO: FAILURE or close.
    let mut c = connect(port);
    assert_eq!(
        handshake(&mut c, [[0, 0, 4, 5], [0; 4], [0; 4], [0; 4]]),
        [0, 0, 4, 5]
    );
    c.write_all(&[0, 5, 0xFF, 0xFE, 0xC1, 0x00, 0xB3, 0, 0])
        .unwrap();
    match receive(&mut c) {
        None | Some(ServerMessage::Failure { .. }) => {}
        Some(other) => panic!("garbage got {other:?}"),
    }

    // A query that fails mid-session: FAILURE, IGNORED until RESET.
    let mut c = connect(port);
    handshake(&mut c, [[0, 0, 4, 5], [0; 4], [0; 4], [0; 4]]);
    send(
        &mut c,
        &ClientMessage::Hello {
            extra: BoltDict::new(),
        },
    );
    receive(&mut c);
    send(
        &mut c,
        &ClientMessage::Logon {
            auth: dict(&[("scheme", s("none"))]),
        },
    );
    receive(&mut c);
    send(
        &mut c,
        &ClientMessage::Run {
            query: "RETURN 1 +".into(),
            parameters: BoltDict::new(),
            extra: BoltDict::new(),
        },
    );
    let Some(ServerMessage::Failure { metadata }) = receive(&mut c) else {
        panic!("no FAILURE")
    };
    assert_eq!(
        metadata.get("code"),
        Some(&s("Neo.ClientError.Statement.SyntaxError"))
    );
    send(
        &mut c,
        &ClientMessage::Pull {
            extra: BoltDict::new(),
        },
    );
    assert_eq!(receive(&mut c), Some(ServerMessage::Ignored));
    send(&mut c, &ClientMessage::Reset);
    assert!(matches!(
        receive(&mut c),
        Some(ServerMessage::Success { .. })
    ));

    // Pseudo-random bytes after a good handshake, on 200 connections (and
    // half of them straight after HELLO): each ends in a FAILURE or a close.
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for i in 0..200 {
        let mut c = connect(port);
        handshake(&mut c, [[0, 0, 4, 5], [0; 4], [0; 4], [0; 4]]);
        if i % 2 == 1 {
            send(
                &mut c,
                &ClientMessage::Hello {
                    extra: BoltDict::new(),
                },
            );
            receive(&mut c);
        }
        let len = (next() % 64) as usize + 1;
        let body: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let mut framed = (len as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&body);
        framed.extend_from_slice(&[0, 0]);
        let _ = c.write_all(&framed);
        let _ = c.shutdown(std::net::Shutdown::Write);
        let _ = closed(&mut c);
    }

    // Still serving.
    run_query(port);
    assert!(server.stop().success());
}

/// HELLO and LOGON on a fresh connection.
fn logged_on(port: u16) -> TcpStream {
    let mut c = connect(port);
    handshake(&mut c, [[0, 0, 4, 5], [0; 4], [0; 4], [0; 4]]);
    for msg in [
        ClientMessage::Hello {
            extra: dict(&[("user_agent", s("raw/1"))]),
        },
        ClientMessage::Logon {
            auth: dict(&[("scheme", s("none"))]),
        },
    ] {
        send(&mut c, &msg);
        assert!(matches!(
            receive(&mut c),
            Some(ServerMessage::Success { .. })
        ));
    }
    c
}

/// Sends `msg`, then reads the records up to the SUCCESS or FAILURE.
fn exchange(c: &mut TcpStream, msg: &ClientMessage) -> (Vec<i64>, ServerMessage) {
    send(c, msg);
    let mut got = Vec::new();
    loop {
        match receive(c) {
            Some(ServerMessage::Record { data }) => match data.as_slice() {
                [BoltValue::Integer(i)] => got.push(*i),
                other => panic!("unexpected record {other:?}"),
            },
            Some(end) => return (got, end),
            None => panic!("the server closed the connection"),
        }
    }
}

fn has_more(end: &ServerMessage) -> bool {
    match end {
        ServerMessage::Success { metadata } => {
            metadata.get("has_more") == Some(&BoltValue::Boolean(true))
        }
        other => panic!("not a SUCCESS: {other:?}"),
    }
}

fn n(k: i64) -> BoltDict {
    dict(&[("n", BoltValue::Integer(k))])
}

#[test]
fn raw_pull_and_discard_take_from_a_streamed_read_and_a_failure_ends_it() {
    let server = Server::start(&[]);
    let mut c = logged_on(server.port);
    let run = |q: &str| ClientMessage::Run {
        query: q.into(),
        parameters: BoltDict::new(),
        extra: BoltDict::new(),
    };
    let (_, end) = exchange(&mut c, &run("UNWIND range(1, 100000000) AS x RETURN x"));
    assert!(matches!(end, ServerMessage::Success { .. }), "{end:?}");
    let (rows, end) = exchange(&mut c, &ClientMessage::Pull { extra: n(3) });
    assert_eq!((rows, has_more(&end)), (vec![1, 2, 3], true));
    let (rows, end) = exchange(&mut c, &ClientMessage::Discard { extra: n(5) });
    assert_eq!((rows, has_more(&end)), (vec![], true));
    let (rows, end) = exchange(&mut c, &ClientMessage::Pull { extra: n(2) });
    assert_eq!((rows, has_more(&end)), (vec![9, 10], true));
    // DISCARD of all stops the statement (a hundred million rows) at once.
    let (rows, end) = exchange(&mut c, &ClientMessage::Discard { extra: n(-1) });
    assert_eq!((rows, has_more(&end)), (vec![], false));

    // The last PULL of a result carries its summary.
    exchange(&mut c, &run("UNWIND range(1, 600) AS x RETURN x"));
    let (rows, end) = exchange(&mut c, &ClientMessage::Pull { extra: n(600) });
    assert_eq!(rows, (1..=600).collect::<Vec<_>>());
    let ServerMessage::Success { metadata } = &end else {
        panic!("{end:?}")
    };
    assert_eq!(metadata.get("has_more"), Some(&BoltValue::Boolean(false)));
    assert_eq!(metadata.get("type"), Some(&s("r")));

    // A failure in the third row: the rows before it, then FAILURE.
    exchange(&mut c, &run("UNWIND [1, 2, 0] AS x RETURN 10 / x"));
    let (rows, end) = exchange(&mut c, &ClientMessage::Pull { extra: n(-1) });
    assert_eq!(rows, vec![10, 5]);
    assert!(matches!(end, ServerMessage::Failure { .. }), "{end:?}");
    let (_, end) = exchange(&mut c, &ClientMessage::Reset);
    assert!(matches!(end, ServerMessage::Success { .. }), "{end:?}");
    exchange(&mut c, &run("RETURN 7 AS x"));
    let (rows, end) = exchange(&mut c, &ClientMessage::Pull { extra: n(-1) });
    assert_eq!((rows, has_more(&end)), (vec![7], false));
}

"""Starts a local Spark Connect server from the pip `pyspark` (its
`spark-submit` and the spark-connect jar it ships; nothing is downloaded)
and stops it again. Used by test_spark.py and golden_spark.py.

    python3 tests/python/spark_connect_server.py [PORT]

prints the server's sc:// address once it listens, then serves until its
standard input closes (so a test that dies takes the server with it) or
Ctrl-C, and stops it. SUPPLYGRAPH_SPARK_DRIVER_MEMORY sets the driver's
heap (default 2g; the M scale's shortest paths want more).
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`with Server() as url:` a server on local[2] at sc://127.0.0.1:PORT."""

    def __init__(self, port=None, timeout=300):
        self.port = port or free_port()
        self.timeout = timeout
        self.proc = None

    def __enter__(self):
        import pyspark

        home = os.path.dirname(pyspark.__file__)
        self.log = tempfile.NamedTemporaryFile(prefix="spark-connect-", suffix=".log", delete=False)
        env = dict(os.environ, SPARK_HOME=home, SPARK_CONNECT_MODE="0")
        self.proc = subprocess.Popen(
            [os.path.join(home, "bin", "spark-submit"), "--class", CLASS,
             "--name", "supplygraph-tests", "--master", "local[2]",
             "--conf", f"spark.connect.grpc.binding.port={self.port}",
             "--conf", "spark.ui.enabled=false",
             "--conf", "spark.sql.shuffle.partitions=2",
             "--driver-memory", os.environ.get("SUPPLYGRAPH_SPARK_DRIVER_MEMORY", "2g")],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the Spark Connect server exited:\n{self.tail()}")
            if "Spark Connect server started" in open(self.log.name, errors="replace").read():
                return f"sc://127.0.0.1:{self.port}"
            time.sleep(0.5)
        self.__exit__(None, None, None)
        raise RuntimeError(f"the Spark Connect server did not start in {self.timeout} s:\n{self.tail()}")

    def tail(self):
        return "".join(open(self.log.name, errors="replace").readlines()[-30:])

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if exc and exc[0] is None:
            os.unlink(self.log.name)
        return False


if __name__ == "__main__":
    with Server(int(sys.argv[1]) if len(sys.argv) > 1 else None, timeout=600) as url:
        print(url, flush=True)
        try:
            sys.stdin.read()
        except KeyboardInterrupt:
            pass

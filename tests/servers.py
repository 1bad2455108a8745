"""Pytest fixtures that start real SPARQL servers for the integration tests of ``kg push`` / remote queries.

Each server runs on 127.0.0.1 on a free port, with its data in a temporary folder, for the whole test session,
and is stopped at the end. A missing server binary skips the tests that need it (with the reason), unless the
environment variable ``KG_REQUIRE_SERVERS=1`` is set (CI): then it is a failure, so CI cannot pass silently
without them.

- Oxigraph server: the ``oxigraph`` binary of the PyPI package ``oxigraph`` (beside the Python interpreter or
  on PATH), started with ``--union-default-graph`` so its default graph is the union of the named graphs, as
  the local store queries it.
- Virtuoso: ``virtuoso-t`` from Debian's ``virtuoso-opensource-7-bin``, started in the foreground with the ini
  template ``tests/virtuoso/virtuoso.ini``; writes go to ``/sparql-graph-crud-auth`` with Digest auth dba/dba.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from kg.remote import Endpoint

HERE = Path(__file__).resolve().parent
VIRTUOSO_INI = HERE / "virtuoso" / "virtuoso.ini"
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class Server:
    """A running server: where to query, where to write, and with which credentials."""

    name: str
    query_url: str
    graph_store_url: str
    auth: tuple[str, str] | None = None
    auth_type: str = "digest"
    log: Path | None = None

    def endpoint(self, **overrides) -> Endpoint:
        fields = dict(query_url=self.query_url, graph_store_url=self.graph_store_url, auth=self.auth,
                      auth_type=self.auth_type, timeout=60.0)
        fields.update(overrides)
        return Endpoint(**fields)

    def push_args(self) -> list[str]:
        """The ``kg push`` options that reach this server."""
        args = ["--endpoint", self.query_url, "--graph-store", self.graph_store_url]
        if self.auth:
            args += ["--auth", ":".join(self.auth), "--auth-type", self.auth_type]
        return args


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def missing(reason: str) -> None:
    if os.environ.get("KG_REQUIRE_SERVERS") == "1":
        pytest.fail(f"{reason} (KG_REQUIRE_SERVERS=1)")
    pytest.skip(reason)


def wait_until_ready(proc: subprocess.Popen, url: str, log: Path) -> None:
    """Poll ``url`` until it answers 200; fail with the server's log when it dies or takes too long."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{_tail(log)}")
        try:
            if requests.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    stop(proc)
    raise RuntimeError(f"server not ready after {START_TIMEOUT:g} s:\n{_tail(log)}")


def stop(proc: subprocess.Popen) -> None:
    """Stop the server we started (by its own process id): SIGTERM, then SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("oxigraph")


def run_oxigraph(folder: Path, *options: str):
    """Start an Oxigraph server in ``folder``; a generator yielding the Server, stopping it when closed."""
    binary = oxigraph_binary()
    if binary is None:
        missing("the Oxigraph server is not installed (pip install oxigraph)")
    port = free_port()
    log = folder / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([binary, "serve", "--location", str(folder / "data"),
                                 "--bind", f"127.0.0.1:{port}", *options],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(proc, f"{base}/query", log)
        yield Server("oxigraph", f"{base}/query", f"{base}/store", log=log)
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """Oxigraph serving the union of its named graphs as the default graph, as the local store is queried."""
    yield from run_oxigraph(tmp_path_factory.mktemp("oxigraph"), "--union-default-graph")


@pytest.fixture
def oxigraph_server_without_union(tmp_path):
    """A misconfigured Oxigraph server: its default graph is only its own (empty) default graph."""
    yield from run_oxigraph(tmp_path)


def virtuoso_ini(folder: Path, http_port: int, isql_port: int) -> Path:
    text = string.Template(VIRTUOSO_INI.read_text(encoding="utf-8")).substitute(
        DIR=str(folder), HTTP_PORT=http_port, ISQL_PORT=isql_port)
    path = folder / "virtuoso.ini"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    binary = shutil.which("virtuoso-t")
    if binary is None:
        missing("Virtuoso is not installed (apt-get install virtuoso-opensource-7-bin)")
    folder = tmp_path_factory.mktemp("virtuoso")
    http_port, isql_port = free_port(), free_port()
    while isql_port == http_port:
        isql_port = free_port()
    ini = virtuoso_ini(folder, http_port, isql_port)
    log = folder / "stdout.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([binary, "+configfile", str(ini), "+foreground"], cwd=folder,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{http_port}"
    try:
        wait_until_ready(proc, f"{base}/sparql", log)
        yield Server("virtuoso", f"{base}/sparql", f"{base}/sparql-graph-crud-auth", auth=("dba", "dba"),
                     auth_type="digest", log=folder / "virtuoso.log")
    finally:
        stop(proc)


@pytest.fixture(params=["oxigraph", "virtuoso"])
def sparql_server(request) -> Server:
    """Each real server in turn."""
    return request.getfixturevalue(f"{request.param}_server")

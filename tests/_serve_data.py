"""Shared by the endpoint's security and admission tests: a store built by the real pipeline, plain HTTP from a
chosen client address, and a listener that records every connection made to it.
"""
from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.parse
from pathlib import Path

from bench.generate import generate
from kg.build import build

# a cross product over every triple, four times: far beyond any time limit
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
# sorting a three-way cross product: holds every row in memory (grows by hundreds of MB a second)
MEMORY_HOG = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g LIMIT 1"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def build_store(root: Path, articles: int = 12) -> Path:
    generate(root / "data", articles, seed=11)
    store = root / "store"
    summary = build([root / "data"], out_dir=None, store_path=store, html=False)
    assert summary.violations == 0
    return store


def request(server, method: str, path: str = "sparql", *, params: dict | None = None, body: bytes | None = None,
            headers: dict | None = None, source: str = "127.0.0.1", timeout: float = 60) -> tuple[int, dict, bytes]:
    """One request on a fresh connection from the address ``source`` (any 127.x.y.z reaches loopback)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout, source_address=(source, 0))
    try:
        url = "/" + path + ("?" + urllib.parse.urlencode(params) if params else "")
        conn.request(method, url, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def count_quads(server) -> int:
    status, _, body = request(server, "GET", params={"query": COUNT_ALL, "format": "csv"})
    assert status == 200, body
    return int(body.decode().splitlines()[1])


class Listener:
    """A TCP socket on 127.0.0.1 that records every connection (and what was sent) and answers like a SPARQL
    endpoint with one row, ?x = "from-listener"."""

    ANSWER = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"from-listener"}}]}}'

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.hits: list[bytes] = []
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(2)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                    self.hits.append(data)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                                 b"Connection: close\r\nContent-Length: " + str(len(self.ANSWER)).encode()
                                 + b"\r\n\r\n" + self.ANSWER)
                except OSError:
                    self.hits.append(data or b"(connection)")

    def settle(self) -> list[bytes]:
        """The connections so far, after a moment for late ones to arrive."""
        time.sleep(0.3)
        return list(self.hits)

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        self.sock.close()

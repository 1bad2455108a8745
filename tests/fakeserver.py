"""A small SPARQL server on 127.0.0.1 for the tests of `kg push`'s checks: it can behave like a real Graph Store
(storing what it is sent in a pyoxigraph store and answering queries from it) or misbehave the ways servers and
proxies do in practice (an HTML login page with 200, a redirect to a login page, 204 without storing anything).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pyoxigraph
from pyoxigraph import NamedNode

LOGIN_PAGE = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body><form>Password</form></body></html>"


@dataclass
class Behaviour:
    """How the server answers writes: ``status``, ``content_type`` and ``body`` of the answer, ``location`` for
    redirects, and whether PUTs, POSTs and DELETEs really change the store."""

    status: int = 204
    content_type: str | None = None
    body: bytes = b""
    location: str | None = None
    store_puts: bool = True
    store_posts: bool = True
    store_deletes: bool = True


@dataclass
class FakeServer:
    url: str
    behaviour: Behaviour
    store: pyoxigraph.Store
    requests: list[tuple[str, str]] = field(default_factory=list)   # (method, path) of every request

    @property
    def query_url(self) -> str:
        return self.url + "/query"


def start(behaviour: Behaviour) -> tuple[FakeServer, ThreadingHTTPServer]:
    store = pyoxigraph.Store()
    holder: dict[str, FakeServer] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def _answer(self, status: int, body: bytes = b"", content_type: str | None = None,
                    location: str | None = None) -> None:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _query(self, text: str) -> None:
            result = store.query(text, use_default_graph_as_union=True)
            data = result.serialize(format=pyoxigraph.QueryResultsFormat.JSON)
            self._answer(200, data, "application/sparql-results+json")

        def do_GET(self):
            server = holder["server"]
            parts = urlsplit(self.path)
            server.requests.append(("GET", parts.path))
            if parts.path == "/query":
                self._query(parse_qs(parts.query)["query"][0])
            elif parts.path == "/login":
                self._answer(200, LOGIN_PAGE, "text/html; charset=utf-8")
            else:
                self._answer(404, b"not found", "text/plain")

        def _write(self, method: str) -> None:
            server = holder["server"]
            parts = urlsplit(self.path)
            server.requests.append((method, parts.path))
            body = self._body()
            if parts.path == "/query" and method == "POST":
                self._query(parse_qs(body.decode())["query"][0])
                return
            if parts.path != "/store":
                self._answer(404, b"not found", "text/plain")
                return
            graph = NamedNode(parse_qs(parts.query)["graph"][0])
            if (method == "PUT" and behaviour.store_puts) or (method == "POST" and behaviour.store_posts):
                if method == "PUT" and store.contains_named_graph(graph):
                    store.remove_graph(graph)
                for quad in pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.TURTLE):
                    store.add(pyoxigraph.Quad(quad.subject, quad.predicate, quad.object, graph))
            elif method == "DELETE" and behaviour.store_deletes and store.contains_named_graph(graph):
                store.remove_graph(graph)
            self._answer(behaviour.status, behaviour.body, behaviour.content_type, behaviour.location)

        def do_PUT(self):
            self._write("PUT")

        def do_POST(self):
            self._write("POST")

        def do_DELETE(self):
            self._write("DELETE")

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    if behaviour.location and behaviour.location.startswith("/"):
        behaviour.location = url + behaviour.location
    holder["server"] = FakeServer(url, behaviour, store)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return holder["server"], httpd

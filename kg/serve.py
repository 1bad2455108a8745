"""``kg serve``: the stored graph over the SPARQL 1.1 Protocol, with a small query page.

Routes:
    GET  /sparql?query=...            SPARQL 1.1 Protocol query via GET (also accepted at /)
    POST /sparql                      query as application/sparql-query or a form (query=...)
    POST /sparql  update=... or application/sparql-update
                                      refused with 403 unless the server was started with allow_updates
    GET  /saved/NAME?PARAM=VALUE      a saved query (queries/*.rq) with its parameters bound as values
    GET  /queries.json                the saved queries: name, title, description, parameters, text
    GET  /                            the query page;  GET /graph  out/graph.html when it has been built

Results by ``Accept`` or ``format=``: SPARQL JSON (default), XML, CSV, TSV; CONSTRUCT/DESCRIBE as Turtle
(default), JSON-LD, N-Triples or RDF/XML. The default graph is the union of the named graphs, as for
``kg query``, unless the request names ``default-graph-uri``s. Every query runs in a worker process
(``kg.serve_pool``) under a time limit (503 when exceeded) and a result-size limit (cut, with an
``X-KG-Truncated`` header). Request bodies and query strings above the size limit get 413.
"""
from __future__ import annotations

import ipaddress
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from .errors import InputError, KgError, StoreError
from .serve_formats import parse_accept
from .serve_pool import Job, PoolBusy, QueryTimeout, Reply, WorkerPool, default_workers

PAGE = Path(__file__).with_name("serve_page.html")
DEFAULT_PORT = 7878


@dataclass
class ServeConfig:
    store_path: Path = Path(".kg/store")
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    timeout: float = 30.0             # seconds per query, waiting for a free worker included
    max_results: int = 10_000         # rows (or triples) per result; more are cut off
    max_request_bytes: int = 1_000_000
    allow_updates: bool = False
    workers: int = field(default_factory=default_workers)
    out_dir: Path = Path("out")       # where `kg viz` wrote graph.html
    queries_dir: Path | None = None   # saved queries; default: the package's queries/
    log: Callable[[str], None] | None = None   # access log sink (the CLI passes stderr)


def _prefixes() -> dict[str, str]:
    try:
        from .mapping import PREFIXES
    except ImportError:  # pragma: no cover - the mapper is part of the package
        return {}
    return dict(PREFIXES)


def _saved_queries(folder: Path | None) -> dict:
    from . import query as kgquery

    try:
        return kgquery.saved_queries(folder)
    except (OSError, FileNotFoundError):
        return {}


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class SparqlServer:
    """The endpoint: a threading HTTP front and a pool of query workers. Use as a context manager."""

    def __init__(self, config: ServeConfig):
        self.config = config
        store = Path(config.store_path)
        if not store.is_dir():
            raise StoreError(f"no store at {store}", hint="run 'kg build' first or pass --store")
        if config.timeout <= 0:
            raise InputError(f"the timeout must be positive, got {config.timeout}")
        if config.max_results < 1:
            raise InputError(f"the result limit must be at least 1, got {config.max_results}")
        self.prefixes = _prefixes()
        self.pool = WorkerPool(store, size=config.workers)
        try:
            self.httpd = ThreadingHTTPServer((config.host, config.port), _Handler)
        except OSError as exc:
            self.pool.close()
            raise InputError(f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}",
                             hint="pick another --port or --host") from exc
        self.httpd.daemon_threads = True
        self.httpd.app = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None
        # when bound to loopback only, refuse other Host headers (DNS rebinding from a web page)
        self.allowed_hosts = None
        if _is_loopback(config.host):
            self.allowed_hosts = {"localhost", "127.0.0.1", "[::1]", "::1", config.host}

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        host = self.config.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}/"

    def serve_forever(self) -> None:
        try:
            self.httpd.serve_forever(poll_interval=0.2)
        finally:
            self.close()

    def start(self) -> "SparqlServer":
        """Serve in a background thread (for tests and notebooks)."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="kg-serve", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.httpd.server_close()
        self.pool.close()

    def __enter__(self) -> "SparqlServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------------------------------ handling
    def query(self, text: str, *, accept: str | None, fmt: str | None, default_graphs=(), named_graphs=(),
              substitutions=None) -> Reply:
        job = Job(text=text, accept=parse_accept(accept), format=fmt, max_results=self.config.max_results,
                  default_graphs=list(default_graphs), named_graphs=list(named_graphs),
                  substitutions=dict(substitutions or {}), prefixes=self.prefixes)
        try:
            return self.pool.run(job, self.config.timeout)
        except QueryTimeout:
            return Reply.text(503, f"the query ran longer than the {self.config.timeout:g} s time limit and "
                                   "was stopped; add a LIMIT or narrow the pattern", **{"Retry-After": "1"})
        except PoolBusy:
            return Reply.text(503, f"all {self.pool.size} query workers stayed busy for "
                                   f"{self.config.timeout:g} s; try again", **{"Retry-After": "1"})

    def update(self, text: str) -> Reply:
        if not self.config.allow_updates:
            return Reply.text(403, "this endpoint is read-only: SPARQL updates are refused "
                                   "(start 'kg serve --allow-updates' to accept them)")
        try:
            return self.pool.update(text, self.prefixes, self.config.timeout)
        except QueryTimeout:
            return Reply.text(503, f"the update ran longer than the {self.config.timeout:g} s time limit "
                                   "and was stopped")

    def saved(self, name: str, params: dict[str, str], *, accept: str | None, fmt: str | None) -> Reply:
        from . import query as kgquery

        queries = _saved_queries(self.config.queries_dir)
        if name not in queries:
            return Reply.text(404, f"no saved query named {name!r}; GET /queries.json lists them")
        try:
            bound = kgquery.bind_params(queries[name], params)
        except KgError as exc:
            return Reply.text(400, str(exc))
        return self.query(queries[name].text, accept=accept, fmt=fmt, substitutions=bound)

    def queries_json(self) -> Reply:
        out = []
        for name, q in sorted(_saved_queries(self.config.queries_dir).items()):
            out.append({"name": name, "title": q.title, "description": q.description, "text": q.text,
                        "params": [{"name": p.name, "type": p.type, "default": p.default,
                                    "optional": p.optional, "doc": p.doc} for p in q.params]})
        return Reply(200, "application/json", json.dumps(out, ensure_ascii=False, indent=1).encode("utf-8"))

    def page(self) -> Reply:
        return Reply(200, "text/html; charset=utf-8", PAGE.read_bytes(), {
            "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; "
                                       "style-src 'unsafe-inline'; connect-src 'self'; form-action 'self'"})

    def graph_page(self) -> Reply:
        path = Path(self.config.out_dir) / "graph.html"
        if not path.is_file():
            return Reply.text(404, f"{path} has not been built yet; run 'kg viz' first")
        return Reply(200, "text/html; charset=utf-8", path.read_bytes())


_FORM = "application/x-www-form-urlencoded"


class _Handler(BaseHTTPRequestHandler):
    server_version = "newskg-sparql"
    protocol_version = "HTTP/1.1"
    timeout = 60  # seconds a client may stall while sending its request (socket timeout)

    @property
    def app(self) -> SparqlServer:
        return self.server.app  # type: ignore[attr-defined]

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's signature
        if self.app.config.log is not None:
            self.app.config.log(f"{self.address_string()} - {format % args}")

    # -- plumbing ----------------------------------------------------------------------------------
    def send(self, reply: Reply, *, head_only: bool = False) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not head_only:
            self.wfile.write(reply.body)

    def fail(self, status: int, message: str, **headers) -> None:
        self.send(Reply.text(status, message, **headers))

    def host_allowed(self) -> bool:
        allowed = self.app.allowed_hosts
        if allowed is None:
            return True
        host = (self.headers.get("Host") or "").strip().lower()
        if host.startswith("["):
            name = host[: host.find("]") + 1]
        else:
            name = host.rsplit(":", 1)[0] if ":" in host else host
        return name in allowed

    def split(self) -> tuple[str, dict[str, list[str]]]:
        parts = urlsplit(self.path)
        return parts.path, parse_qs(parts.query, keep_blank_values=True)

    # -- verbs -------------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        self.handle_get()

    def do_HEAD(self) -> None:  # noqa: N802
        path, _ = self.split()
        if path in ("/", "/index.html"):
            self.send(self.app.page(), head_only=True)
        else:
            self.fail(405, "HEAD is only supported for the page; use GET or POST", Allow="GET, POST")

    def handle_get(self) -> None:
        if not self.host_allowed():
            return self.fail(403, "Host header not allowed: this server only answers to localhost")
        if len(self.path) > self.app.config.max_request_bytes:
            return self.fail(413, f"the request is larger than {self.app.config.max_request_bytes} bytes")
        path, params = self.split()
        if path in ("/sparql", "/query", "/"):
            if "update" in params:
                return self.fail(405 if self.app.config.allow_updates else 403,
                                 "updates are not accepted by GET; POST them" if self.app.config.allow_updates
                                 else "this endpoint is read-only: SPARQL updates are refused")
            if "query" in params:
                return self.run_protocol_query(params["query"], params)
            if path == "/":
                return self.send(self.app.page())
            return self.fail(400, "missing the 'query' parameter (GET /sparql?query=...)")
        if path == "/queries.json":
            return self.send(self.app.queries_json())
        if path.startswith("/saved/"):
            name = path[len("/saved/"):]
            fmt = _first(params, "format") or _first(params, "output")
            given = {k: v[-1] for k, v in params.items() if k not in ("format", "output")}
            return self.send(self.app.saved(name, given, accept=self.headers.get("Accept"), fmt=fmt))
        if path in ("/graph", "/graph.html"):
            return self.send(self.app.graph_page())
        return self.fail(404, f"nothing at {path}; try / (the query page) or /sparql")

    def do_POST(self) -> None:  # noqa: N802
        if not self.host_allowed():
            self.close_connection = True
            return self.fail(403, "Host header not allowed: this server only answers to localhost")
        path, params = self.split()
        if path not in ("/sparql", "/query", "/"):
            self.close_connection = True
            return self.fail(404, f"nothing to POST to at {path}; use /sparql")
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            self.close_connection = True
            return self.fail(411, "a POST needs a Content-Length header")
        try:
            length = int(length_header)
            if length < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            return self.fail(400, f"bad Content-Length {length_header!r}")
        limit = self.app.config.max_request_bytes
        if length > limit:
            self.close_connection = True  # do not read what we refuse
            return self.fail(413, f"the request body has {length} bytes; the limit is {limit}")
        body = self.rfile.read(length)
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return self.fail(400, "the request body is not UTF-8")
        if media == "application/sparql-query":
            return self.run_protocol_query([text], params)
        if media == "application/sparql-update":
            return self.send(self.app.update(text))
        if media == _FORM:
            form = parse_qs(text, keep_blank_values=True)
            merged = {**params, **form}
            if "update" in form:
                if "query" in form:
                    return self.fail(400, "send either 'query' or 'update', not both")
                return self.send(self.app.update(form["update"][-1]))
            if "query" in form:
                return self.run_protocol_query(form["query"], merged)
            return self.fail(400, "the form has neither a 'query' nor an 'update' field")
        return self.fail(415, f"unsupported Content-Type {media or '(none)'!r}; send application/sparql-query, "
                              f"{_FORM} or application/sparql-update")

    def run_protocol_query(self, queries: list[str], params: dict[str, list[str]]) -> None:
        if len(queries) != 1:
            return self.fail(400, "exactly one 'query' parameter is allowed")
        text = queries[0]
        if not text.strip():
            return self.fail(400, "the query is empty")
        fmt = _first(params, "format") or _first(params, "output")
        reply = self.app.query(text, accept=self.headers.get("Accept"), fmt=fmt,
                               default_graphs=params.get("default-graph-uri", []),
                               named_graphs=params.get("named-graph-uri", []))
        self.send(reply)


def _first(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None


def serve(config: ServeConfig, *, ready: Callable[[SparqlServer], None] | None = None) -> None:
    """Run the endpoint until interrupted. ``ready`` is called once it listens (the CLI prints the URL)."""
    server = SparqlServer(config)
    if ready is not None:
        ready(server)
    server.serve_forever()


__all__ = ["ServeConfig", "SparqlServer", "serve", "DEFAULT_PORT"]

"""``kg serve``: the stored graph over the SPARQL 1.1 Protocol, with a query workbench and entity pages.

Routes:
    GET  /sparql?query=...            SPARQL 1.1 Protocol query via GET (also accepted at /)
    POST /sparql                      query as application/sparql-query or a form (query=...)
    POST /sparql  update=... or application/sparql-update
                                      refused with 403 unless the server was started with allow_updates
    GET  /saved/NAME?PARAM=VALUE      a saved query (queries/*.rq) with its parameters bound as values;
                                      limit=N and offset=N give one page of its rows
    GET  /queries.json                the saved queries: name, title, description, parameters, text
    GET  /                            the query workbench (YASGUI, kg.serve_workbench; its files under /assets/,
                                      /workbench.json, /saved-text/NAME);  GET /graph  out/graph.html when built
    GET  /id/REST, /page/REST, /data/REST
                                      the thing BASE + REST: 303 to its HTML page or RDF description (kg.serve_entity)
    OPTIONS *                         CORS preflight: 204 with --cors for an allowed origin, else 403 (kg.serve_cors)

Results by ``Accept`` or ``format=``: SPARQL JSON (default), XML, CSV, TSV; CONSTRUCT/DESCRIBE as Turtle
(default), JSON-LD, N-Triples or RDF/XML. The default graph is the union of the named graphs, as for
``kg query``, unless the request names ``default-graph-uri``s. Requests are read and answered on one event loop
(``kg.serve_http``); every query runs in a worker process (``kg.serve_pool``) under a time limit (503 when exceeded) and a result-size limit (cut, with an
``X-KG-Truncated`` header). Request bodies and query strings above the size limit get 413.

The endpoint makes no outbound request: ``SERVICE`` (and ``LOAD`` in updates) is refused with 403 unless federation
is on and the target is allow-listed (``kg.serve_federation``; queries are scanned in the worker, updates here),
and the workers cannot open network sockets anyway (``kg.serve_sandbox``). Updates, when allowed, must come from
this origin (``Origin`` / ``Sec-Fetch-Site`` checked; form-encoded ones need a same-origin ``Origin``). Queries are
admitted per client (``kg.serve_pool.Admission``); connections are bounded in number and must send their request
within ``request_time`` seconds. docs/serve.md and docs/security.md state the guarantees.
"""
from __future__ import annotations

import email.utils
import gc
import logging
import hashlib
import ipaddress
import json
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from .errors import InputError, KgError, QueryError, StoreError
from .vocab import DEFAULT_BASE
from .serve_cache import Prepared, PreparedTable, ResultCache, deterministic
from .serve_cors import Cors, parse_origins
from .serve_entity import EntityPages
from .serve_federation import check_allow_list, refusal
from .serve_formats import parse_accept
from .serve_http import Front
from .serve_loop import Loop
from .serve_workbench import asset_reply, info_reply, page_reply, saved_text_reply
from .serve_pool import (Admission, ClientBusy, Job, Outcome, PoolBusy, QueryTimeout, Reply, ShortLaneTimeout,
                         WorkerPool, live_stamp, default_workers)
from .store import KgStore, live_version

if TYPE_CHECKING:
    from .query import SavedQuery
    from .terms import Term

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
    federation: bool = False          # let SERVICE (and LOAD) reach the endpoints in allow_service
    allow_service: tuple[str, ...] = ()   # URL prefixes SERVICE/LOAD may reach when federation is on
    per_client: int = 4               # queries one client address may have running or waiting (429 beyond)
    max_waiting: int = 16             # queries waiting for a worker, all clients together (503 beyond)
    short_time: float = 2.0           # seconds a query may hold the worker kept for short queries
    worker_memory_mb: int = 1024      # data memory per worker process, MiB (0: no cap)
    max_connections: int = 64         # open connections, all clients together (503 beyond)
    max_client_connections: int = 16  # open connections per client address (503 beyond)
    request_time: float = 20.0        # seconds a client has to send a whole request (and idle keep-alive)
    out_dir: Path = Path("out")       # where `kg viz` wrote graph.html
    queries_dir: Path | None = None   # saved queries; default: the package's queries/
    base: str = DEFAULT_BASE          # IRIs under it are served at /id/... (entity pages)
    cors: str | None = None           # None: no CORS; "*": any origin; else comma-separated allowed origins
    cache_mb: int = 64                # answers kept per live store version, MiB (0: none; off with federation)
    log: Callable[[str], None] | None = None   # access log sink (the CLI passes stderr)


def _prefixes() -> dict[str, str]:
    try:
        from .vocab import PREFIXES
    except ImportError:  # pragma: no cover - the mapper is part of the package
        return {}
    return dict(PREFIXES)


def _saved_queries(folder: Path | None) -> dict[str, SavedQuery]:
    from . import query as kgquery

    try:
        return kgquery.saved_queries(folder)
    except (OSError, FileNotFoundError):
        return {}


def _queries_json(queries: dict[str, SavedQuery]) -> bytes:
    out = []
    for name, q in sorted(queries.items()):
        out.append({"name": name, "title": q.title, "description": q.description, "text": q.text,
                    "params": [{"name": p.name, "type": p.type, "default": p.default,
                                "optional": p.optional, "doc": p.doc} for p in q.params]})
    return json.dumps(out, ensure_ascii=False, indent=1).encode("utf-8")


class _NeedsThread(Exception):
    """A saved query needs another query first (resolving a name): it is answered in a thread, not on the loop."""


class _Failed(Exception):
    """A query a saved query needed first (resolving a name) did not answer 200: its reply goes to the client."""

    def __init__(self, reply: Reply):
        super().__init__(reply.status)
        self.reply = reply


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class SparqlServer:
    """The endpoint: an HTTP front on an event loop (kg.serve_http) and a pool of query workers. Use as a
    context manager."""

    def __init__(self, config: ServeConfig):
        self.config = config
        store = Path(config.store_path)
        KgStore(store, read_only=True).close()   # a missing, old-layout or damaged store: StoreError (exit 3)
        if config.timeout <= 0:
            raise InputError(f"the timeout must be positive, got {config.timeout}")
        if config.max_results < 1:
            raise InputError(f"the result limit must be at least 1, got {config.max_results}")
        try:
            self.allow_service = check_allow_list(config.allow_service)
        except ValueError as exc:
            raise InputError(str(exc)) from exc
        if self.allow_service and not config.federation:
            raise InputError("--allow-service needs --federation (SERVICE is refused without it)")
        if config.federation and not self.allow_service:
            raise InputError("--federation needs at least one --allow-service URL (the endpoints SERVICE may reach)")
        for name in ("per_client", "max_waiting", "max_connections", "max_client_connections"):
            if getattr(config, name) < 1:
                raise InputError(f"{name.replace('_', '-')} must be at least 1, got {getattr(config, name)}")
        if config.short_time <= 0 or config.request_time <= 0 or config.worker_memory_mb < 0 or config.cache_mb < 0:
            raise InputError("--short-time and --request-time must be positive, --worker-memory and --cache at "
                             "least 0")
        self.cors = Cors(parse_origins(config.cors))
        self.prefixes = _prefixes()
        self.entities = EntityPages(self, config.base, store)
        # read and parsed once: a request for a saved query costs no file access
        self.saved_queries = _saved_queries(config.queries_dir)
        self.store_path = store
        self._store_text = str(store)
        self._started = f"{time.time_ns():x}"
        self._live: tuple[tuple[int, int, int] | None, str] = (None, "")   # LIVE's stamp and the version it named
        self._queries_json = _queries_json(self.saved_queries)
        self._tags: dict[tuple[str, str, str], str] = {}   # ETags by (version, URL, Accept)
        self.prepared = PreparedTable()
        # a remote endpoint (federation) may answer differently each time: nothing is kept then
        self.results = ResultCache(0 if config.federation else config.cache_mb * 2**20)
        self.loop = Loop()
        self.pool = WorkerPool(store, size=config.workers, admission=Admission(
            per_client=config.per_client, max_waiting=config.max_waiting, short_time=config.short_time,
            memory_mb=config.worker_memory_mb, network=config.federation), loop=self.loop, prefixes=self.prefixes)
        try:
            self.httpd = Front(self.loop, (config.host, config.port), lambda address: _Exchange(self, address),
                               max_connections=config.max_connections,
                               max_client_connections=config.max_client_connections,
                               request_time=config.request_time)
        except OSError as exc:
            self.pool.close()
            self.loop.close()
            raise InputError(f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}",
                             hint="pick another --port or --host") from exc
        self._thread: threading.Thread | None = None
        self._closed = False
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
        # what is loaded by now lives as long as the server: the collector need not look at it again
        gc.freeze()
        try:
            self.loop.run()
        finally:
            self.close()

    def start(self) -> SparqlServer:
        """Serve in a background thread (for tests and notebooks)."""
        self._thread = threading.Thread(target=self.loop.run, name="kg-serve", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop listening, close the connections, stop the workers (queries still running end with 503)."""
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            # graceful: no new connections; queries waiting or running answer 503 (the pool's close), and what
            # is being answered is written (for up to 2 s) before the loop stops and the connections close
            self.loop.call_soon(self.httpd.stop_listening)
            self.pool.close()
            deadline = time.monotonic() + 2.0
            while self.httpd.answering() and time.monotonic() < deadline:
                time.sleep(0.02)
            self.loop.stop()
            self._thread.join(timeout=5)
            self._thread = None
        self.httpd.close()
        self.pool.close()
        self.loop.close()

    def __enter__(self) -> SparqlServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------------------------ handling
    def query(self, text: str, *, accept: str | None, fmt: str | None, default_graphs: Sequence[str] = (),
              named_graphs: Sequence[str] = (), substitutions: Mapping[str, Term] | None = None,
              client: str = "") -> Reply:
        """Run a query in a worker and wait for its answer (from a thread other than the loop's)."""
        job = self._job(text, accept, fmt, default_graphs, named_graphs, substitutions)
        if isinstance(job, Reply):
            return job
        try:
            return self.pool.run(job, self.config.timeout, client)
        except Exception as exc:  # noqa: BLE001 - the pool's refusals, each answered by its status
            return self.answer(exc)

    def _job(self, text: str, accept: str | None, fmt: str | None, default_graphs: Sequence[str],
             named_graphs: Sequence[str], substitutions: Mapping[str, Term] | None) -> Job | Reply:
        for name, graphs in (("default-graph-uri", default_graphs), ("named-graph-uri", named_graphs)):
            for graph in graphs:
                problem = _iri_problem(graph)
                if problem:
                    return Reply.text(400, f"{name} {graph!r} is not an absolute IRI: {problem}")
        return Job(text=text, accept=parse_accept(accept), format=fmt, max_results=self.config.max_results,
                   default_graphs=list(default_graphs), named_graphs=list(named_graphs),
                   substitutions=dict(substitutions or {}), prefixes=self.prefixes,
                   federation=self.config.federation, allow_service=self.allow_service)

    def answer(self, outcome: Outcome) -> Reply:
        """The reply for a query's outcome: the worker's reply, or the pool's refusal as 429/503."""
        if isinstance(outcome, Reply):
            return outcome
        try:
            raise outcome
        except ClientBusy:
            return Reply.text(429, f"this client already has {self.config.per_client} queries running or waiting; "
                                   "wait for one to finish", **{"Retry-After": "2"})
        except ShortLaneTimeout:
            return Reply.text(503, f"every other query worker is busy with a long query, and this query ran longer "
                                   f"than the {self.config.short_time:g} s allowed on the worker kept for short "
                                   "queries; try again later", **{"Retry-After": "5"})
        except QueryTimeout:
            return Reply.text(503, f"the query ran longer than the {self.config.timeout:g} s time limit and "
                                   "was stopped; add a LIMIT or narrow the pattern", **{"Retry-After": "1"})
        except PoolBusy as exc:
            if exc.args and exc.args[0] == "queue":
                return Reply.text(503, f"{self.config.max_waiting} queries are already waiting for a worker; "
                                       "try again", **{"Retry-After": "2"})
            return Reply.text(503, f"all {self.pool.size} query workers stayed busy for "
                                   f"{self.config.timeout:g} s; try again", **{"Retry-After": "1"})
        except Exception as exc:  # noqa: BLE001 - whatever else went wrong is the server's 500, not a crash
            return Reply.text(500, f"internal error: {type(exc).__name__}: {exc}")

    def update(self, text: str) -> Reply:
        if not self.config.allow_updates:
            return Reply.text(403, "this endpoint is read-only: SPARQL updates are refused "
                                   "(start 'kg serve --allow-updates' to accept them)")
        refused = refusal(text, update=True, federation=self.config.federation, allow_list=self.allow_service,
                          prefixes=self.prefixes)
        if refused:
            return Reply.text(403, refused)
        try:
            return self.pool.update(text, self.prefixes, self.config.timeout)
        except PoolBusy:
            return Reply.text(503, f"another update kept the store busy for {self.config.timeout:g} s; try again",
                              **{"Retry-After": "2"})
        except QueryTimeout:
            return Reply.text(503, f"the update ran longer than the {self.config.timeout:g} s time limit "
                                   "and was stopped")

    def saved(self, name: str, params: dict[str, str], *, accept: str | None, fmt: str | None,
              client: str = "", limit: str | None = None, offset: str | None = None) -> Reply:
        """A saved query with its parameters handled as ``kg query`` does (kg.query): friendly names of
        countries, entities, indicators … resolved to registry keys, projected parameters bound by substitution
        and the others by a VALUES block (``split_bindings``)."""
        prepared = self.saved_job(name, params, lambda text: self._records(text, client), limit, offset)
        if isinstance(prepared, Reply):
            return prepared
        text, substituted = prepared
        return self.query(text, accept=accept, fmt=fmt, substitutions=substituted, client=client)

    def saved_job(self, name: str, params: dict[str, str], records: Callable[[str], list[dict[str, object]]],
                  limit: str | None = None, offset: str | None = None) -> tuple[str, dict[str, Term]] | Reply:
        """A saved query's text and substitutions with its parameters bound (``records`` runs the queries
        that resolve friendly names), or the reply that refuses it."""
        from . import query as kgquery

        query = self.saved_queries.get(name)
        if query is None:
            return Reply.text(404, f"no saved query named {name!r}; GET /queries.json lists them")
        try:
            page = _page(limit, offset)
            given, _ = kgquery.resolve_saved_params(query, params, records)
            bound = kgquery.bind_params(query, given)
            text, substituted = kgquery.split_bindings(kgquery.text_for(query, lambda probe: bool(records(probe))),
                                                       bound)
            if page is not None:
                text = kgquery.page_text(text, *page) or text
        except KgError as exc:
            return Reply.text(400, str(exc) + (f" ({exc.hint})" if getattr(exc, "hint", None) else ""))
        except _Failed as exc:
            return exc.reply
        return text, dict(substituted)

    def _records(self, text: str, client: str) -> list[dict[str, object]]:
        """Rows of a SELECT run by the workers, as dicts of plain values (for resolving friendly names)."""
        from .results import QueryResult
        from .remote import parse_json_results

        reply = self.query(text, accept=None, fmt="json", client=client)
        if reply.status != 200:
            raise _Failed(reply)
        result = parse_json_results("the store", reply.body)
        return QueryResult(kind="select", variables=result.variables, rows=[tuple(r) for r in result.rows]).records()

    def live(self) -> str | None:
        """The store's live version, checked with one ``stat`` of ``LIVE`` (read only when it changed, see
        kg.serve_pool); None when it cannot be read."""
        stamp = live_stamp(self._store_text)
        if stamp is None:
            return None
        known = self._live
        if stamp != known[0]:
            try:
                known = self._live = (stamp, live_version(self.store_path) or "")
            except StoreError:
                return None
        return known[1]

    def etag(self, target: str, accept: str | None, version: str | None = None) -> str | None:
        """The ``ETag`` of a GET query's answer: the live version (``version``, else ``live()``), this server's
        start (the saved queries and limits it read) and the request."""
        if version is None:
            version = self.live()
            if version is None:
                return None
        index = (version, target, accept or "")
        tag = self._tags.get(index)
        if tag is None:
            key = "\0".join((self._started, version, target, accept or ""))
            tag = '"' + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32] + '"'
            if len(target) <= 8192:
                if len(self._tags) >= 512:
                    self._tags.clear()
                self._tags[index] = tag
        return tag

    def prepare(self, text: str, accept: str | None, fmt: str | None,
                substitutions: Mapping[str, Term] | None) -> Prepared | None:
        """A query of the loop's fast path made ready for a worker (None: it needs the thread's checks)."""
        job = self._job(text, accept, fmt, (), (), substitutions)
        if isinstance(job, Reply):
            return None
        return Prepared(self.pool.payload(job), self.results.enabled and deterministic(text))

    def run_prepared(self, prepared: Prepared, key: tuple[str, ...], client: str,
                     done: Callable[[Reply], None]) -> None:
        """Answer a prepared query from the loop's thread: from the cache when the live version's answer to
        ``key`` is kept there, else by a worker (and kept when it may be, and the version stayed live)."""
        version = self.live() if prepared.cacheable else None
        if version is not None:
            kept = self.results.get(version, key)
            if kept is not None:
                return done(kept)

        def answered(outcome: Outcome) -> None:
            reply = self.answer(outcome)
            if version is not None and reply.status == 200 and self.live() == version:
                self.results.put(version, key, reply)
            done(reply)
        self.pool.submit_payload(prepared.payload, self.config.timeout, client, answered)
        return None

    def queries_json(self) -> Reply:
        return Reply(200, "application/json", self._queries_json)

    def page(self) -> Reply:
        return page_reply()

    def saved_text(self, name: str, params: dict[str, str], client: str = "") -> Reply:
        try:
            return saved_text_reply(self.saved_queries.get(name), name, params,
                                    lambda text: self._records(text, client))
        except _Failed as exc:
            return exc.reply

    def graph_page(self) -> Reply:
        path = Path(self.config.out_dir) / "graph.html"
        if not path.is_file():
            return Reply.text(404, f"{path} has not been built yet; run 'kg viz' first")
        return Reply(200, "text/html; charset=utf-8", path.read_bytes())


_FORM = "application/x-www-form-urlencoded"


def _page(limit: str | None, offset: str | None) -> tuple[int | None, int] | None:
    """``(limit, offset)`` from a saved query's ``limit``/``offset`` URL parameters (None when neither is
    given); QueryError when one is not a whole number of 0 or more."""
    if limit is None and offset is None:
        return None
    numbers: list[int | None] = []
    for name, raw in (("limit", limit), ("offset", offset)):
        if raw is None:
            numbers.append(None)
        elif raw.strip().isdigit():
            numbers.append(int(raw.strip()))
        else:
            raise QueryError(f"{name} must be a whole number of 0 or more, got {raw!r}")
    return numbers[0], numbers[1] or 0


def _iri_problem(value: str) -> str | None:
    """Why ``value`` cannot name a graph (None when it can)."""
    from pyoxigraph import NamedNode

    if not urlsplit(value).scheme:
        return "it has no scheme"
    try:
        NamedNode(value)
    except ValueError as exc:
        return str(exc)
    return None


_PHRASES = {status.value: status.phrase for status in HTTPStatus}
_SERVER_LINE = "Server: newskg-sparql"
_FIXED_HEADERS = "X-Content-Type-Options: nosniff"
_DATE: dict[int, str] = {}


def _http_date() -> str:
    """The ``Date`` header's value, formatted once a second."""
    now = int(time.time())
    text = _DATE.get(now)
    if text is None:
        _DATE.clear()
        text = _DATE[now] = email.utils.formatdate(now, usegmt=True)
    return text


class _Headers(dict[str, str]):
    """Request headers by lower-cased name; ``get`` ignores case. The first of repeated headers wins, as with
    ``email.message.Message.get`` (what the standard handler gives)."""

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        # (dict.get's overloads promise the default's type; this one lowers the name first)
        return super().get(name.lower(), default)

    def value(self, name: str) -> str:
        """The header's value, "" when absent."""
        return super().get(name.lower(), "")

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return super().__contains__(name.lower() if isinstance(name, str) else name)


class _Exchange:
    """One request and its answer: the request line and headers as the standard handler reads them (with its
    answers to bad requests), the routes, and the answer as bytes in ``out`` (one write: status line, headers and
    body). kg.serve_http reads the request and writes ``out``; ``start_fast`` answers a query by GET on the
    loop, ``handle`` answers anything in a thread."""

    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/0.9"

    def __init__(self, app: SparqlServer, client_address: tuple[str, int]):
        self.app = app
        self.client_address = client_address
        self.out = bytearray()
        self.body = b""
        self.close_connection = True
        self.expect_continue = False
        self.command: str | None = None
        self.path = ""
        self.request_version = self.default_request_version
        self.requestline = ""
        self.headers = _Headers()
        self._version = (0, 9)

    def request_line(self, raw: bytes) -> bool:
        """The request line (what ``BaseHTTPRequestHandler.parse_request`` checks first, with its answers)."""
        line = str(raw, "iso-8859-1").rstrip("\r\n")
        self.requestline = line
        words = line.split()
        if not words:
            return False
        if len(words) != 3 or not words[2].startswith("HTTP/"):
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({line!r})")
            return False
        command, path, version = words
        try:
            major, minor = version[5:].split(".")
            if not (major.isdigit() and minor.isdigit()) or len(major) > 10 or len(minor) > 10:
                raise ValueError(version)
            number = (int(major), int(minor))
        except ValueError:
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request version ({version!r})")
            return False
        if number >= (2, 0):
            self.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f"Invalid HTTP version ({version})")
            return False
        if number >= (1, 1):
            self.close_connection = False
        if path.startswith("//"):
            path = "/" + path.lstrip("/")
        self.command, self.path, self.request_version = command, path, version
        self._version = number
        return True

    def header_lines(self, lines: list[bytes]) -> bool:
        """The header lines (without the e-mail parser, which cost more than the rest of a request)."""
        headers = _Headers()
        last = ""
        for raw in lines:
            text = raw.decode("iso-8859-1")
            if text[0] in " \t" and last:  # an obsolete folded line continues the header before it
                headers[last] = headers[last] + " " + text.strip()
                continue
            name, colon, value = text.partition(":")
            if not colon:
                continue
            last = name.strip().lower()
            if not dict.__contains__(headers, last):
                dict.__setitem__(headers, last, value.strip())
        self.headers = headers
        connection = headers.value("connection").lower()
        if connection == "close":
            self.close_connection = True
        elif connection == "keep-alive":
            self.close_connection = False
        if headers.value("expect").lower() == "100-continue" and self._version >= (1, 1):
            self.expect_continue = True
        return True

    def supported(self) -> bool:
        return self.command in _VERBS

    def handle(self) -> None:
        """Answer the request (in a thread: it may wait for queries)."""
        try:
            getattr(self, _VERBS[self.command or ""])()
        except Exception as exc:  # a bug answers 500 (and is logged), it does not hang the client
            logging.getLogger("kg.serve").exception("kg serve: answering %r failed", self.requestline)
            self.out.clear()
            self.close_connection = True
            self.send(Reply.text(500, f"internal error: {type(exc).__name__}"))

    def start_fast(self, finish: Callable[[], None]) -> bool:
        """A query started on the loop: by GET (``/sparql?query=``, ``/saved/NAME`` whose parameters need no
        look-up) or by POST (``application/sparql-query``, or a form with ``query``); ``finish`` is called once
        its answer is in ``out``. False: answer it with ``handle`` in a thread (everything else, and every
        request these routes refuse, so each refusal keeps the one place that words it)."""
        if not self.host_allowed():
            return False
        if self.command == "POST":
            return self._post_fast(finish)
        if self.command != "GET" or len(self.path) > self.app.config.max_request_bytes:
            return False
        accept = self.headers.get("Accept")
        key = (self.path, accept or "")
        prepared = self.app.prepared.get(key)
        if prepared is None:
            prepared = self._prepare_get(accept)
            if prepared is None:
                return False
            self.app.prepared.put(key, prepared)
        version = self.app.live()
        tag = self.app.etag(self.path, accept, version) if version is not None else None
        revalidate = {"ETag": tag, "Cache-Control": "no-cache", "Vary": "Accept"} if tag else {}
        if tag and tag in [t.strip().removeprefix("W/") for t in (self.headers.get("If-None-Match") or "").split(",")]:
            self.send(Reply(304, "", b"", revalidate))
            finish()
            return True

        def done(reply: Reply) -> None:
            if reply.status == 200:
                reply.headers.update(revalidate)
            self.send(reply)
            finish()
        self.app.run_prepared(prepared, ("GET", *key), self.client, done)
        return True

    def _prepare_get(self, accept: str | None) -> Prepared | None:
        """The fast path's GET request (a protocol query, a saved query whose parameters need no look-up) made
        ready for a worker; None: answered in a thread."""
        path, params = self.split()
        fmt = _first(params, "format") or _first(params, "output")
        if path in ("/sparql", "/query", "/"):
            queries = params.get("query")
            if "update" in params or queries is None or not _one_query(queries, params):
                return None
            text, substitutions = queries[0], None
        elif path.startswith("/saved/"):
            given = {k: v[-1] for k, v in params.items() if k not in ("format", "output", "limit", "offset")}

            def no_lookup(_text: str) -> list[dict[str, object]]:
                raise _NeedsThread()
            try:
                saved = self.app.saved_job(path[len("/saved/"):], given, no_lookup, _first(params, "limit"),
                                           _first(params, "offset"))
            except _NeedsThread:
                return None
            if isinstance(saved, Reply):
                return None    # answered (a 400 or 404) in a thread, as before
            text, substitutions = saved
        else:
            return None
        return self.app.prepare(text, accept, fmt, substitutions)

    def _post_fast(self, finish: Callable[[], None]) -> bool:
        """A protocol query by POST (what ``verb_post`` does for one, without a thread; no ETag, as there)."""
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        accept = self.headers.get("Accept") or ""
        key = ("POST", self.path, media, accept, self.body.decode("latin-1"))
        prepared = self.app.prepared.get(key[1:])
        if prepared is None:
            prepared = self._prepare_post(media)
            if prepared is None:
                return False
            self.app.prepared.put(key[1:], prepared)

        def done(reply: Reply) -> None:
            self.send(reply)
            finish()
        self.app.run_prepared(prepared, key, self.client, done)
        return True

    def _prepare_post(self, media: str) -> Prepared | None:
        """A protocol query by POST made ready for a worker; None: answered in a thread (``verb_post``)."""
        _, params = self.split()
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if media == "application/sparql-query":
            queries: list[str] | None = [text]
            merged = params
        elif media == _FORM:
            form = parse_qs(text, keep_blank_values=True)
            if "update" in form:
                return None
            queries, merged = form.get("query"), {**params, **form}
        else:
            return None
        if queries is None or not _one_query(queries, merged):
            return None
        return self.app.prepare(queries[0], self.headers.get("Accept"),
                                _first(merged, "format") or _first(merged, "output"), None)

    def body_length(self) -> int | None:
        """How many body bytes to read before answering (0 but for a POST); None when a POST is refused before
        its body is read (its answer, with the connection to be closed, is in ``out``)."""
        if self.command != "POST":
            return 0
        if not self.host_allowed():
            self.close_connection = True
            self.fail(403, "Host header not allowed: this server only answers to localhost")
            return None
        path, _ = self.split()
        if path not in ("/sparql", "/query", "/"):
            self.close_connection = True
            self.fail(404, f"nothing to POST to at {path}; use /sparql")
            return None
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            self.close_connection = True
            self.fail(411, "a POST needs a Content-Length header")
            return None
        try:
            length = int(length_header)
            if length < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            self.fail(400, f"bad Content-Length {length_header!r}")
            return None
        limit = self.app.config.max_request_bytes
        if length > limit:
            self.close_connection = True  # do not read what we refuse
            self.fail(413, f"the request body has {length} bytes; the limit is {limit}")
            return None
        return length

    @property
    def client(self) -> str:
        return str(self.client_address[0])

    def address_string(self) -> str:
        return str(self.client_address[0])

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.log_message('"%s" %s %s', self.requestline, str(code), str(size))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the standard handler's signature
        if self.app.config.log is not None:
            self.app.config.log(f"{self.address_string()} - {format % args}")

    # -- plumbing ----------------------------------------------------------------------------------
    def send(self, reply: Reply, *, head_only: bool = False) -> None:
        """The status line, the headers and the body in one write: a reply split over two small writes waits
        for the client's delayed acknowledgement of the first (40 ms per request on a kept-alive connection)."""
        if self.app.config.log is not None:
            self.log_request(reply.status)
        phrase = _PHRASES.get(reply.status, "")
        lines = [f"{self.protocol_version} {reply.status} {phrase}", _SERVER_LINE, "Date: " + _http_date(),
                 "Content-Type: " + reply.content_type, f"Content-Length: {len(reply.body)}", _FIXED_HEADERS]
        if reply.status == 304:
            lines[3:6] = [_FIXED_HEADERS]   # no body: no type or length (a 304 must not give other ones than the 200)
        if "Cache-Control" not in reply.headers:
            lines.append("Cache-Control: no-store")
        lines.extend(f"{name}: {value}" for name, value in reply.headers.items())
        headers = getattr(self, "headers", None)   # none yet when the request line itself was refused
        if self.command != "OPTIONS" and headers is not None:  # a preflight carries its own (kg.serve_cors)
            lines.extend(f"{name}: {value}" for name, value in self.app.cors.response_headers(headers.get("Origin")))
        if self.close_connection:
            lines.append("Connection: close")
        elif self.request_version == "HTTP/1.0":
            # an HTTP/1.0 client that asked for keep-alive (ab -k) keeps the connection only when told so;
            # without this header it waits for the close that never comes
            lines.append("Connection: keep-alive")
        lines.append("\r\n")
        head = "\r\n".join(lines).encode("latin-1", "strict")
        self.out += head
        if not head_only:
            self.out += reply.body

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What the standard handler refuses itself (a bad request line, too long or too many headers, an
        unknown method): a plain-text answer with its status line (never an HTML page, nor a bare body as to an
        HTTP/0.9 client), and the connection is closed."""
        self.close_connection = True
        status = int(code)
        self.send(Reply.text(status, message or _PHRASES.get(status, "error")), head_only=self.command == "HEAD")

    def fail(self, status: int, message: str, **headers: str) -> None:
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
    def verb_get(self) -> None:
        self.handle_get()

    def verb_head(self) -> None:
        path, params = self.split()
        if path in ("/", "/index.html"):
            self.send(self.app.page(), head_only=True)
        elif path.startswith(("/id/", "/page/", "/data/", "/assets/")) and self.host_allowed():
            self.send(self.extra_route(path, params) or Reply.text(404, f"nothing at {path}"), head_only=True)
        else:
            self.fail(405, "HEAD is only supported for the page; use GET or POST", Allow="GET, POST")

    def verb_options(self) -> None:
        """A CORS preflight (or a plain OPTIONS): plain-text answers, never the base class's HTML 501."""
        if not self.host_allowed():
            return self.fail(403, "Host header not allowed: this server only answers to localhost")
        status, message, headers = self.app.cors.preflight(
            self.headers.get("Origin"), self.headers.get("Access-Control-Request-Method"),
            self.headers.get("Access-Control-Request-Headers"),
            (self.headers.get("Access-Control-Request-Private-Network") or "").lower() == "true")
        reply = Reply(status, "text/plain; charset=utf-8", (message + "\n").encode() if message else b"")
        for name, value in headers:
            reply.headers[name] = value
        self.send(reply)

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
                return self.cached_get(lambda: self.run_protocol_query(params["query"], params, send=False))
            if path == "/":
                return self.send(self.app.page())
            return self.fail(400, "missing the 'query' parameter (GET /sparql?query=...)")
        if path == "/queries.json":
            return self.send(self.app.queries_json())
        if path.startswith("/saved/"):
            name = path[len("/saved/"):]
            fmt = _first(params, "format") or _first(params, "output")
            given = {k: v[-1] for k, v in params.items() if k not in ("format", "output", "limit", "offset")}
            return self.cached_get(lambda: self.app.saved(name, given, accept=self.headers.get("Accept"), fmt=fmt,
                                                          client=self.client, limit=_first(params, "limit"),
                                                          offset=_first(params, "offset")))
        if path in ("/graph", "/graph.html"):
            return self.send(self.app.graph_page())
        routed = self.extra_route(path, params)
        if routed is not None:
            return self.send(routed)
        return self.fail(404, f"nothing at {path}; try / (the query workbench), /sparql or /id/...")

    def cached_get(self, answer: Callable[[], Reply | None]) -> None:
        """A query by GET, with an ``ETag`` naming the store's live version, this server's start and the request
        (URL and ``Accept``): a client that sends it back in ``If-None-Match`` gets 304 without the query being
        run. Nothing is cached here; an unchanged answer is just not sent again."""
        tag = self.app.etag(self.path, self.headers.get("Accept"))
        revalidate = {"ETag": tag, "Cache-Control": "no-cache", "Vary": "Accept"} if tag else {}
        if tag and tag in [t.strip().removeprefix("W/") for t in (self.headers.get("If-None-Match") or "").split(",")]:
            return self.send(Reply(304, "", b"", revalidate))
        reply = answer()
        if reply is None:
            return None
        if reply.status == 200:
            reply.headers.update(revalidate)
        return self.send(reply)

    def extra_route(self, path: str, params: dict[str, list[str]]) -> Reply | None:
        """The workbench's files and helpers, and the entity pages (None: not one of these paths)."""
        app = self.app
        if path == "/favicon.ico":
            return Reply(204, "image/x-icon", b"")
        if path.startswith("/assets/"):
            return asset_reply(path[len("/assets/"):])
        if path == "/workbench.json":
            return info_reply(app.prefixes, app.config.base)
        if path.startswith("/saved-text/"):
            return app.saved_text(path[len("/saved-text/"):], {k: v[-1] for k, v in params.items()}, self.client)
        for prefix in ("/id/", "/page/", "/data/"):
            if path.startswith(prefix):
                rest = path[len(prefix):]
                if prefix == "/id/":
                    return app.entities.thing(rest, self.headers.get("Accept"), self.client)
                if prefix == "/page/":
                    return app.entities.page(rest, _first(params, "lang"), self.client)
                return app.entities.data(rest, _first(params, "format"), self.headers.get("Accept"), self.client)
        return None

    def verb_post(self) -> None:
        """A POST whose body has been read (``body_length`` refused the others before reading it)."""
        _, params = self.split()
        body = self.body
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return self.fail(400, "the request body is not UTF-8")
        if media == "application/sparql-query":
            self.run_protocol_query([text], params)
            return None
        if media == "application/sparql-update":
            return self.run_update(text, media)
        if media == _FORM:
            form = parse_qs(text, keep_blank_values=True)
            merged = {**params, **form}
            if "update" in form:
                if "query" in form:
                    return self.fail(400, "send either 'query' or 'update', not both")
                return self.run_update(form["update"][-1], media)
            if "query" in form:
                self.run_protocol_query(form["query"], merged)
                return None
            return self.fail(400, "the form has neither a 'query' nor an 'update' field")
        return self.fail(415, f"unsupported Content-Type {media or '(none)'!r}; send application/sparql-query, "
                              f"{_FORM} or application/sparql-update")

    def run_update(self, text: str, media: str) -> None:
        if self.app.config.allow_updates:
            problem = self.foreign_origin(media)
            if problem:
                return self.fail(403, f"update refused: {problem}")
        self.send(self.app.update(text))

    def foreign_origin(self, media: str) -> str | None:
        """Why this state-changing request may come from another site (None when it is this site's own).

        A browser names the page's origin in ``Origin`` on every cross-origin POST (``null`` from sandboxed
        frames and some redirects) and says ``Sec-Fetch-Site: cross-site``/``same-site``; both must point here.
        A form-encoded POST is what another site's page can send without asking (no CORS preflight), so it
        must also carry ``Origin``: clients that are not browsers send updates as application/sparql-update,
        which no page on another origin can send without a preflight this server never grants.
        """
        site = (self.headers.get("Sec-Fetch-Site") or "").strip().lower()
        if site and site not in ("same-origin", "none"):
            return f"Sec-Fetch-Site: {site} (updates are only accepted from this server's own page)"
        origin = self.headers.get("Origin")
        if origin is not None:
            if not self.same_origin(origin.strip()):
                return f"Origin {origin.strip()!r} is not this server"
        elif media == _FORM:
            return ("a form-encoded update needs an Origin header naming this server; "
                    "send updates as application/sparql-update")
        return None

    def same_origin(self, origin: str) -> bool:
        parts = urlsplit(origin)
        host = (self.headers.get("Host") or "").strip().lower()
        if parts.scheme not in ("http", "https") or not host or parts.path or parts.query:
            return False
        default = ":80" if parts.scheme == "http" else ":443"
        netloc = parts.netloc.lower()
        return netloc == host or netloc + default == host or netloc == host + default \
            or (netloc.endswith(default) and netloc[: -len(default)] == host)

    def run_protocol_query(self, queries: list[str], params: dict[str, list[str]], *, send: bool = True
                           ) -> Reply | None:
        """Run the query; send the reply (``send``) or return it."""
        if len(queries) != 1:
            reply = Reply.text(400, "exactly one 'query' parameter is allowed")
        elif not queries[0].strip():
            reply = Reply.text(400, "the query is empty")
        else:
            fmt = _first(params, "format") or _first(params, "output")
            reply = self.app.query(queries[0], accept=self.headers.get("Accept"), fmt=fmt,
                                   default_graphs=params.get("default-graph-uri", []),
                                   named_graphs=params.get("named-graph-uri", []), client=self.client)
        if not send:
            return reply
        self.send(reply)
        return None


def _one_query(queries: list[str], params: dict[str, list[str]]) -> bool:
    """Whether a protocol request holds one non-empty query and names no graphs (the loop's fast path takes it;
    the others are refused or checked in a thread)."""
    return len(queries) == 1 and bool(queries[0].strip()) \
        and "default-graph-uri" not in params and "named-graph-uri" not in params


_VERBS = {"GET": "verb_get", "HEAD": "verb_head", "OPTIONS": "verb_options", "POST": "verb_post"}


def _first(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None


def serve(config: ServeConfig, *, ready: Callable[[SparqlServer], None] | None = None) -> None:
    """Run the endpoint until interrupted. ``ready`` is called once it listens (the CLI prints the URL)."""
    server = SparqlServer(config)
    if ready is not None:
        ready(server)
    server.serve_forever()


__all__ = ["DEFAULT_PORT", "ServeConfig", "SparqlServer", "serve"]

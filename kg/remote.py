"""External SPARQL 1.1 servers: push the named graphs there, and run queries there.

Pushing uses the SPARQL 1.1 Graph Store HTTP Protocol: each named graph of the local store (the registry graph,
the editions graph, one per article and the conflicts index) and the ontology graph are sent with ``PUT`` (which replaces that graph, so pushing twice changes nothing); a graph
larger than the batch size is sent as one ``PUT`` followed by ``POST`` requests that add the remaining batches.

Every upload is verified: a write counts as done only when the server answers 200, 201 or 204 (the successes
the Graph Store Protocol allows) with no HTML page as the answer (a login or proxy page served with 200 is a
failure), a redirect is never followed (the body would be dropped on the way: a 3xx is a failure naming where
it pointed), and after the last upload the server is asked, by one COUNT query per hundred graphs on the query
endpoint, whether each graph holds exactly the number of triples sent. Anything else is a ``RemoteError``
(exit 4) that says what the server did.

Querying uses the SPARQL 1.1 Protocol (``GET``, or form ``POST`` for long queries) and asks for SPARQL JSON
results. Remote servers do not know pyoxigraph's substitutions, so parameters are bound by a ``VALUES`` block,
built from serialized RDF terms, placed at the start of the outermost ``WHERE`` group (kg.sparql_text.bind_values).

Servers differ in small ways (see docs/remote.md): Virtuoso wants HTTP Digest authentication for writes and
hangs on ``POST`` with ``application/sparql-query``; Oxigraph serves the union of its graphs as the default graph
only when started with ``--union-default-graph``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph
import requests
from pyoxigraph import BlankNode, Literal, NamedNode

from .errors import InputError, RemoteError
from .mapping import Iris
from .results import QueryResult
from .settings import SETTINGS
from .sparql_text import bind_values, query_shape, sparql_term
from .vocab import PREFIXES, XSD_BOOLEAN, XSD_STRING

if TYPE_CHECKING:
    from .store import Store

DEFAULT_BATCH_SIZE = 20_000
DEFAULT_TIMEOUT = float(SETTINGS["remote_timeout"].default)   # seconds; kg.settings says where it is set
AUTH_TYPES = ("basic", "digest")
# Longer queries are sent by form POST instead of GET, to stay clear of URL length limits.
MAX_GET_QUERY = 2_000

Term = NamedNode | BlankNode | Literal


# -- connection -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Endpoint:
    """A SPARQL server: its query endpoint, its Graph Store endpoint and how to authenticate."""

    query_url: str
    graph_store_url: str | None = None
    auth: tuple[str, str] | None = None
    auth_type: str = "digest"
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        check_url(self.query_url, "--endpoint")
        if self.graph_store_url is not None:
            check_url(self.graph_store_url, "--graph-store")
        if self.auth_type not in AUTH_TYPES:
            raise InputError(f"unknown authentication type {self.auth_type!r}", hint="use basic or digest")

    def store_url(self) -> str:
        """The Graph Store endpoint: the one given, or the one this kind of server has beside its query URL."""
        if self.graph_store_url:
            return self.graph_store_url
        return graph_store_url_for(self.query_url, authenticated=self.auth is not None)

    def session(self) -> requests.Session:
        session = requests.Session()
        if self.auth is not None:
            user, password = self.auth
            if self.auth_type == "digest":
                session.auth = requests.auth.HTTPDigestAuth(user, password)
            else:
                session.auth = requests.auth.HTTPBasicAuth(user, password)
        session.headers["User-Agent"] = "kg (newskg)"
        return session


def check_url(url: str, what: str) -> None:
    """InputError (exit 2) unless ``url`` is an http(s) URL with a host and a valid port and nothing a URL may
    not hold, so that a typo is reported as such and not as an unreachable server (exit 4)."""
    def refuse(why: str) -> InputError:
        return InputError(f"{what} {url!r} is not an http(s) URL: {why}", hint="e.g. http://127.0.0.1:7878/query")

    if re.search(r"[\x00-\x20\x7f]", url):
        raise refuse("it contains a space or control character")
    try:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https"):
            raise refuse("the scheme must be http or https")
        if not parts.hostname:
            raise refuse("it names no host")
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in 0..65535
    except ValueError as exc:
        raise refuse(str(exc)) from None


def parse_auth(text: str) -> tuple[str, str]:
    """``user:password`` (the password may contain ``:``)."""
    user, sep, password = text.partition(":")
    if not sep or not user:
        raise InputError(f"--auth {text!r} is not of the form user:password")
    return user, password


def graph_store_url_for(query_url: str, *, authenticated: bool = False) -> str:
    """Derive the Graph Store endpoint of the well-known servers from their query endpoint.

    Oxigraph ``/query`` → ``/store``; Virtuoso ``/sparql`` → ``/sparql-graph-crud-auth`` (or
    ``/sparql-graph-crud`` without credentials); Fuseki ``/DATASET/query`` or ``/DATASET/sparql`` →
    ``/DATASET/data``. Anything else needs ``--graph-store``.
    """
    parts = urlsplit(query_url)
    path = parts.path.rstrip("/")
    if path == "/query":
        new = "/store"
    elif path == "/sparql":
        new = "/sparql-graph-crud-auth" if authenticated else "/sparql-graph-crud"
    elif path.endswith("/query") or path.endswith("/sparql"):
        new = path.rsplit("/", 1)[0] + "/data"
    else:
        raise InputError(f"cannot tell the Graph Store endpoint of {query_url}", hint="give it with --graph-store")
    return urlunsplit((parts.scheme, parts.netloc, new, "", ""))


def _request(session: requests.Session, method: str, url: str, *, timeout: float, allow: tuple[int, ...] = (),
             **kwargs: Any) -> requests.Response:
    """One HTTP request; any failure becomes a one-line RemoteError naming the server URL and the status
    (statuses in ``allow`` are not failures).

    Only GET follows redirects. Any other method would be re-sent as a body-less GET (or not at all), so a
    3xx answer to it is a failure that says where the server pointed."""
    follow = method == "GET"
    try:
        response = session.request(method, url, timeout=timeout, allow_redirects=follow, **kwargs)
    except requests.exceptions.Timeout:
        raise RemoteError(f"{url}: no answer within {timeout:g} s") from None
    except requests.exceptions.ConnectionError as exc:
        raise RemoteError(f"{url}: cannot connect ({_reason(exc)})") from None
    except requests.exceptions.RequestException as exc:
        raise RemoteError(f"{url}: request failed ({_reason(exc)})") from None
    if 300 <= response.status_code < 400 and not follow and response.status_code not in allow:
        target = response.headers.get("Location") or "nowhere (no Location header)"
        raise RemoteError(f"{url}: HTTP {response.status_code} {response.reason or ''}".rstrip()
                          + f" to {method}, redirecting to {target[:200]}; kg never follows a redirect with an "
                          "upload", hint="give the final address with --endpoint/--graph-store; a login page "
                          "means the server wants other credentials (--auth)")
    if response.status_code >= 400 and response.status_code not in allow:
        detail = _first_line(response.text)
        hint = None
        if response.status_code == 401:
            hint = "check --auth (Virtuoso wants --auth-type digest)"
        text = f"{url}: HTTP {response.status_code} {response.reason or ''}".rstrip()
        if detail:
            text += f": {detail}"
        raise RemoteError(text, hint=hint)
    return response


# What the Graph Store Protocol allows as the answer to a successful PUT, POST or DELETE.
WRITE_SUCCESS = (200, 201, 204)
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _write(session: requests.Session, method: str, url: str, *, timeout: float, allow: tuple[int, ...] = (),
           **kwargs: Any) -> requests.Response:
    """A PUT, POST or DELETE that must have succeeded: 200, 201 or 204 and no HTML page as the answer.

    Virtuoso answers writes with an empty body labelled text/html, which is fine; a body that is an HTML page
    (a login form, a proxy's error page served with 200) means the graph was not stored."""
    response = _request(session, method, url, timeout=timeout, allow=allow, **kwargs)
    if response.status_code in allow:
        return response
    status = f"HTTP {response.status_code} {response.reason or ''}".rstrip()
    if response.status_code not in WRITE_SUCCESS:
        raise RemoteError(f"{url}: {status} to {method} is not a success the Graph Store Protocol allows "
                          "(200, 201 or 204)", hint="check that --graph-store is the server's Graph Store endpoint")
    if _is_html_page(response):
        raise RemoteError(f"{url}: {status} to {method} came back as an HTML page ({_first_line(response.text)!r}), "
                          "not as a Graph Store answer, so the graph was not stored",
                          hint="check --graph-store and --auth (a login or proxy page?)")
    return response


def _is_html_page(response: requests.Response) -> bool:
    media = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    head = response.content[:512].lstrip().lower()
    return (media in _HTML_TYPES and bool(head)) or head.startswith((b"<!doctype html", b"<html"))


def _reason(exc: Exception) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "No route to host",
                   "Temporary failure in name resolution", "timed out"):
        if marker in text:
            return marker.lower()
    return _first_line(text)[:200] or type(exc).__name__


def _first_line(text: str) -> str:
    for raw in (text or "").splitlines():
        words = " ".join(re.sub(r"<[^>]+>", " ", raw).split())  # HTML error pages: keep the words
        if words:
            return words[:200]
    return ""


# -- push -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GraphPush:
    graph: str
    triples: int
    requests: int


@dataclass
class PushSummary:
    graph_store: str
    graphs: list[GraphPush] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def triples(self) -> int:
        return sum(g.triples for g in self.graphs)


def graph_lines(store: Store, graph: str) -> tuple[list[str], bool]:
    """The triples of one named graph as sorted N-Triples lines, and whether any holds a blank node."""
    lines = []
    blank = False
    for quad in store.quads(graph):
        blank = blank or isinstance(quad.subject, BlankNode) or isinstance(quad.object, BlankNode)
        lines.append(f"{quad.subject} {quad.predicate} {quad.object} .\n")
    lines.sort()
    return lines, blank


def batches(lines: list[str], size: int, *, splittable: bool = True) -> list[list[str]]:
    """Split into batches of at most ``size`` triples. A graph with blank nodes is not splittable: labels
    are scoped to one request, so splitting it would break the links between its triples."""
    if size < 1:
        raise InputError(f"batch size must be at least 1, not {size}")
    if len(lines) <= size or not splittable:
        return [lines]
    return [lines[i:i + size] for i in range(0, len(lines), size)]


def push_graph(session: requests.Session, store_url: str, graph: str, lines: list[str], *,
               batch_size: int = DEFAULT_BATCH_SIZE, splittable: bool = True,
               timeout: float = DEFAULT_TIMEOUT) -> GraphPush:
    """Replace ``graph`` on the server by ``lines``: PUT the first batch, POST the others."""
    parts = batches(lines, batch_size, splittable=splittable)
    for index, part in enumerate(parts):
        body = "".join(part).encode("utf-8")
        _write(session, "PUT" if index == 0 else "POST", store_url, timeout=timeout,
               params={"graph": graph}, data=body,
               headers={"Content-Type": "text/turtle; charset=utf-8"})
    return GraphPush(graph, len(lines), len(parts))


def ontology_lines() -> list[str]:
    """The ontology graph's triples as sorted N-Triples lines (its blank nodes labelled as the exports do)."""
    from .export import ontology_quads
    return sorted(f"{q.subject} {q.predicate} {q.object} .\n" for q in ontology_quads())


def push_store(store: Store, endpoint: Endpoint, *, graphs: Iterable[str] | None = None,
               batch_size: int = DEFAULT_BATCH_SIZE, prune: bool = False,
               progress: Callable[[GraphPush], None] | None = None, base: str | None = None,
               ontology: bool = True) -> PushSummary:
    """Push each named graph of ``store`` (default: all of them, and the ontology graph, in IRI order) to
    ``endpoint``.

    The ontology (``ontology/kg.ttl``) goes up as its own graph (``https://w3id.org/newskg/ontology``, as in the
    TriG and JSON-LD exports), so a SPARQL server holding our data also holds the classes it is typed with.

    With ``prune``, graphs the server holds in the store's graph namespace (``BASE graph/``, from ``base``, the
    store's recorded base IRI) that the store does not have any more (articles removed from the corpus) are
    deleted afterwards; nothing else is touched.

    Afterwards the server must hold exactly the triples sent in each graph (and none of the pruned graphs);
    RemoteError otherwise.
    """
    from .vocab import ONTOLOGY_GRAPH
    local = store.graphs()
    names = (sorted(local + [ONTOLOGY_GRAPH]) if ontology else local) if graphs is None else list(graphs)
    summary = PushSummary(endpoint.store_url())
    with endpoint.session() as session:
        for name in names:
            if name == ONTOLOGY_GRAPH and name not in local:
                lines, blank = ontology_lines(), True
            else:
                lines, blank = graph_lines(store, name)
            pushed = push_graph(session, summary.graph_store, name, lines, batch_size=batch_size,
                                splittable=not blank, timeout=endpoint.timeout)
            summary.graphs.append(pushed)
            if progress is not None:
                progress(pushed)
        verify_counts(endpoint, {g.graph: g.triples for g in summary.graphs}, summary.graph_store)
        if prune:
            keep = set(local)
            namespaces = [Iris(base).graph_namespace()] if base else graph_namespaces(local)
            for namespace in namespaces:
                for name in remote_graphs(endpoint, namespace):
                    if name not in keep:
                        _write(session, "DELETE", summary.graph_store, timeout=endpoint.timeout,
                               params={"graph": name}, allow=(404,))
                        summary.removed.append(name)
            if summary.removed:
                left = sorted(set(summary.removed) & {g for ns in namespaces for g in remote_graphs(endpoint, ns)})
                if left:
                    raise RemoteError(f"{summary.graph_store}: the server still holds {left[0]} after deleting it"
                                      + (f" (and {len(left) - 1} more)" if len(left) > 1 else ""))
    return summary


VERIFY_GRAPHS_PER_QUERY = 100


def verify_counts(endpoint: Endpoint, expected: Mapping[str, int], store_url: str | None = None) -> None:
    """Ask the server how many triples each graph holds; RemoteError naming the first graph that does not hold
    the number in ``expected`` (what was sent), and how many more differ."""
    wrong: list[tuple[str, int, int]] = []
    names = sorted(expected)
    for start in range(0, len(names), VERIFY_GRAPHS_PER_QUERY):
        part = names[start:start + VERIFY_GRAPHS_PER_QUERY]
        values = " ".join(sparql_term(NamedNode(name)) for name in part)
        result = query_endpoint(endpoint, f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} "
                                          "GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        held: dict[str, int] = {}
        for row in result.rows:
            try:
                graph, count = row[0], row[1]
                if graph is None or count is None:
                    raise TypeError("unbound")
                held[graph.value] = int(count.value)
            except (AttributeError, IndexError, TypeError, ValueError):
                raise RemoteError(f"{endpoint.query_url}: unreadable answer to the triple count after the push "
                                  f"({row!r:.200})") from None
        wrong += [(name, held.get(name, 0), expected[name]) for name in part if held.get(name, 0) != expected[name]]
    if wrong:
        name, got, sent = wrong[0]
        more = f" (and {len(wrong) - 1} more graphs differ)" if len(wrong) > 1 else ""
        raise RemoteError(f"{store_url or endpoint.store_url()}: the upload was not stored: after the push "
                          f"{endpoint.query_url} holds {got} triples in {name}, not the {sent} sent{more}",
                          hint="check that --graph-store and --endpoint are the same server and that --auth may "
                               "write")


def graph_namespaces(names: Iterable[str]) -> list[str]:
    """The namespaces our graphs are named in, for a store that does not record its base IRI: each name up to
    and including ``/graph/``."""
    return sorted({name[:name.index("/graph/") + len("/graph/")] for name in names if "/graph/" in name})


def remote_graphs(endpoint: Endpoint, namespace: str) -> list[str]:
    """The named graphs on the server whose IRI starts with ``namespace`` (graphs with triples)."""
    query = bind_values("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), ?ns)) }",
                        {"ns": Literal(namespace)})
    result = query_endpoint(endpoint, query)
    return sorted(row[0].value for row in result.rows if isinstance(row[0], NamedNode))


# -- remote query -----------------------------------------------------------------------------------------

_ACCEPT = {
    "SELECT": "application/sparql-results+json",
    "ASK": "application/sparql-results+json",
    "CONSTRUCT": "application/n-triples, text/turtle;q=0.9",
    "DESCRIBE": "application/n-triples, text/turtle;q=0.9",
}


def query_endpoint(endpoint: Endpoint, query: str, bindings: Mapping[str, Term] | None = None) -> QueryResult:
    """Run ``query`` on the server with ``bindings`` bound as VALUES; the answer parsed into terms."""
    form = query_shape(query).form
    text = bind_values(query, bindings or {})
    url = endpoint.query_url
    headers = {"Accept": _ACCEPT[form]}
    with endpoint.session() as session:
        # Form POST, never application/sparql-query: Virtuoso hangs on that (docs/remote.md).
        if len(text.encode("utf-8")) <= MAX_GET_QUERY:
            response = _request(session, "GET", url, timeout=endpoint.timeout, params={"query": text},
                                headers=headers)
        else:
            response = _request(session, "POST", url, timeout=endpoint.timeout, data={"query": text},
                                headers=headers)
    result = parse_response(url, response.headers.get("Content-Type", ""), response.content)
    if form == "ASK" and result.kind == "select":
        # Virtuoso answers ASK in JSON as a one-row table {"__ASK_RETVAL": 1}.
        values = [row[0] for row in result.rows if row and row[0] is not None]
        result = QueryResult("ask", boolean=bool(values) and values[0].value not in ("0", "false"))
    return result


def parse_response(url: str, content_type: str, body: bytes) -> QueryResult:
    media = content_type.split(";", 1)[0].strip().lower()
    if media in ("application/sparql-results+json", "application/json"):
        return parse_json_results(url, body)
    formats = {"text/turtle": pyoxigraph.RdfFormat.TURTLE, "application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES,
               "text/plain": pyoxigraph.RdfFormat.N_TRIPLES, "application/rdf+xml": pyoxigraph.RdfFormat.RDF_XML}
    if media in formats:
        try:
            quads = list(pyoxigraph.parse(body, format=formats[media]))
        except SyntaxError as exc:
            raise RemoteError(f"{url}: unreadable {media} answer: {_first_line(str(exc))}") from None
        return QueryResult("graph", triples=[q.triple for q in quads])
    raise RemoteError(f"{url}: unexpected answer of type {media or 'unknown'}")


def parse_json_results(url: str, body: bytes) -> QueryResult:
    """SPARQL 1.1 Query Results JSON (also Virtuoso's older ``typed-literal``) → terms."""
    try:
        data = json.loads(body)
        if "boolean" in data:
            return QueryResult("ask", boolean=bool(data["boolean"]))
        variables = list(data["head"]["vars"])
        rows = [tuple(_json_term(binding.get(v)) for v in variables) for binding in data["results"]["bindings"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RemoteError(f"{url}: unreadable SPARQL JSON results ({type(exc).__name__}: {exc})") from None
    return QueryResult("select", variables=variables, rows=rows)


def _json_term(value: Mapping[str, Any] | None) -> Term | None:
    if value is None:
        return None
    kind = value["type"]
    text = value["value"]
    if kind == "uri":
        return NamedNode(text)
    if kind == "bnode":
        return BlankNode(text)
    if kind in ("literal", "typed-literal"):
        lang = value.get("xml:lang") or value.get("lang")
        if lang:
            return Literal(text, language=lang.lower())
        datatype = value.get("datatype")
        if datatype == XSD_BOOLEAN and text in ("0", "1"):
            text = "true" if text == "1" else "false"  # Virtuoso writes booleans as 0/1
        if datatype and datatype != XSD_STRING:
            return Literal(text, datatype=NamedNode(datatype))
        return Literal(text)
    raise ValueError(f"unsupported term type {kind!r}")


# -- saved queries on a remote server ---------------------------------------------------------------------

_PREFIX_DECL = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:", re.I)


def with_prefixes(query: str, prefixes: Mapping[str, str]) -> str:
    """Declare the prefixes the local runner predefines and the query does not declare itself.

    The declarations go on the query's first line, so line numbers in a server's error message still match
    the file.
    """
    declared = {m.group(1) or "" for m in _PREFIX_DECL.finditer(query)}
    missing = [f"PREFIX {name}: {sparql_term(NamedNode(iri))}" for name, iri in sorted(prefixes.items())
               if name not in declared]
    return " ".join(missing + [query]) if missing else query


def run_remote_query(endpoint: Endpoint, text: str, params: Mapping[str, Term] | None = None) -> QueryResult:
    """Run a query on the server with kg's prefixes declared and ``params`` bound as VALUES; the result is the
    same :class:`kg.results.QueryResult` the local store returns, so local and remote results compare."""
    result = query_endpoint(endpoint, with_prefixes(bind_values(text, params or {}), PREFIXES))
    if not (result.rows or result.boolean or result.triples):
        check_union_default_graph(endpoint)
    return result


class RemoteStore:
    """A SPARQL server seen as a store that runs queries: ``query`` as kg.store.Store.query, so saved queries
    (kg.query.run_saved) run the same way on either."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    def query(self, text: str, params: dict[str, Term] | None = None, *, source: str = "<query>",
              limit: int | None = None, offset: int = 0) -> QueryResult:
        """``text`` on the server, one page of its rows when ``limit``/``offset`` are given (LIMIT/OFFSET
        appended to the text, or the rows cut here when the query ends in modifiers of its own)."""
        from .query import page_text

        if limit is None and not offset:
            return run_remote_query(self.endpoint, text, params)
        text = bind_values(text, params or {})   # before paging: the page anchor gets its own VALUES block
        paged = page_text(text, limit, offset)
        result = run_remote_query(self.endpoint, paged if paged is not None else text)
        if paged is None:
            result.rows = result.rows[offset:None if limit is None else offset + limit]
        return result


def check_union_default_graph(endpoint: Endpoint) -> None:
    """Raise RemoteError when the server's default graph is empty although its named graphs are not: such a
    server answers every saved query with nothing (Oxigraph started without ``--union-default-graph``)."""
    if query_endpoint(endpoint, "ASK { ?s ?p ?o }").boolean:
        return
    if query_endpoint(endpoint, "ASK { GRAPH ?g { ?s ?p ?o } }").boolean:
        raise RemoteError(f"{endpoint.query_url}: the default graph is empty but the named graphs are not, so "
                          "queries see no data", hint="serve the union of the named graphs as the default graph "
                          "(oxigraph serve --union-default-graph; see docs/remote.md)")

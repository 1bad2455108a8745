"""Saved and ad-hoc SPARQL queries against the Oxigraph store.

A saved query is a ``.rq`` file whose leading comment lines describe it::

    # title: H100 GPU holdings, largest first
    # description: Every observation of H100 GPUs held, with who the figure is attributed to.
    #   Continuation lines of the description are indented.
    # param: country string = KR -- ISO 3166-1 alpha-2 code of the country
    # param: article string (optional) -- article id; every article when omitted

Parameters are bound as RDF terms (pyoxigraph substitutions, SEP-0007), never pasted into the query text.
The default graph of every query is the union of all named graphs.

A shipped saved query may have an *indexed* text (``kg/index_queries/NAME.rq``) that reads an index a build
keeps in the store (``conflicting-figures``, ``implied-only-facts``, ``unsourced-facts``, ``facts-per-source``,
``country-profile``: the graph of kg.conflicts). ``kg query``, the API and ``kg serve`` run it when the store holds that index in this
code's layout (:func:`text_for`); the text in ``queries/`` stays the portable one, computed from the facts alone,
for a store loaded from an export or built by other code. Both give the same rows.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pyoxigraph
from pyoxigraph import Literal, NamedNode, QueryBoolean, QuerySolutions, QueryTriples, Triple, Variable

from .assets import queries_dir
from .conflicts import INDEX_VERSION
from .errors import InputError, Location, QueryError, display_path
from .results import QueryResult
from .terms import Term
from .sparql_text import TOKEN, bind_values, page_anchor, solution_modifiers, without_narrowers
from .vocab import NKGI, PREFIXES, XSD

if TYPE_CHECKING:
    from .resolve import Resolution

PARAM_TYPES = ("string", "integer", "decimal", "iri", "date", "boolean")
_PARAM_RE = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[a-z]+)"
    r"(?:\s*=\s*(?P<default>.*?)|\s+(?P<optional>\(optional\)))?\s*(?:--\s*(?P<doc>.*))?$")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None
    optional: bool
    doc: str


@dataclass
class SavedQuery:
    name: str
    path: Path
    text: str
    title: str = ""
    description: str = ""
    params: list[Param] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------ saved queries
def parse_header(path: Path, text: str) -> SavedQuery:
    query = SavedQuery(name=path.stem, path=path, text=text)
    last = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        body = stripped[1:].strip()
        key, sep, value = body.partition(":")
        key = key.strip().lower()
        if sep and key in ("title", "description", "param"):
            value = value.strip()
            if key == "title":
                query.title = value
            elif key == "description":
                query.description = (query.description + " " + value).strip()
            else:
                match = _PARAM_RE.match(value)
                if not match or match.group("type") not in PARAM_TYPES:
                    raise QueryError("malformed param line", location=Location.of(path, number),
                                     hint="write '# param: NAME TYPE [= DEFAULT] -- description' with TYPE one of "
                                          + ", ".join(PARAM_TYPES))
                default = match.group("default")
                query.params.append(Param(match.group("name"), match.group("type"),
                                          default.strip() if default else None,
                                          bool(match.group("optional")), (match.group("doc") or "").strip()))
            last = key
        elif last == "description" and line.startswith("#  "):
            query.description = (query.description + " " + body).strip()
    return query


def saved_queries(folder: Path | None = None) -> dict[str, SavedQuery]:
    folder = folder or queries_dir()
    out = {}
    for path in sorted(folder.glob("*.rq")):
        out[path.stem] = parse_header(path, path.read_text(encoding="utf-8"))
    return out


_INDEXED_DIR = Path(__file__).resolve().parent / "index_queries"
# The layout version of the index kg.conflicts keeps, as this code writes it: a store whose index has another
# layout (built by older code, not rebuilt since) runs the portable texts, which read the facts alone
HAS_INDEX = f"SELECT ?index WHERE {{ ?index <{NKGI}version> {INDEX_VERSION} }} LIMIT 1"


@functools.cache   # read once per process: kg serve asks on every saved-query request
def _indexed_texts() -> tuple[Path, dict[str, str]]:
    """The shipped queries' folder and the indexed texts by query name."""
    texts = {path.stem: path.read_text(encoding="utf-8") for path in sorted(_INDEXED_DIR.glob("*.rq"))}
    return queries_dir().resolve(), texts


def indexed_text(query: SavedQuery) -> str | None:
    """The indexed text of a shipped saved query, or None (a query of the user's own, or none written)."""
    shipped, texts = _indexed_texts()
    if query.name not in texts or query.path.parent.resolve() != shipped:
        return None
    return texts[query.name]


def text_for(query: SavedQuery, has_rows: Callable[[str], bool]) -> str:
    """The text to run for a saved query: its indexed text when there is one and the store holds the index
    (``has_rows(HAS_INDEX)``, run on that store), else its own."""
    indexed = indexed_text(query)
    return indexed if indexed is not None and has_rows(HAS_INDEX) else query.text


def find_query(name_or_file: str) -> SavedQuery:
    """A saved query by name, or a ``.rq`` file by path."""
    path = Path(name_or_file)
    if path.suffix == ".rq" or path.is_file():
        if not path.is_file():
            raise InputError("no such query file", location=Location.of(path))
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read query file: {' '.join(str(exc).split())}", location=Location.of(path),
                             hint="save it as UTF-8") from None
        return parse_header(path, text)
    queries = saved_queries()
    if name_or_file not in queries:
        raise InputError(f"no saved query named {name_or_file!r}",
                         hint="'kg queries' lists them: " + ", ".join(sorted(queries)))
    return queries[name_or_file]


# ------------------------------------------------------------------------------------------------ parameters
def to_term(param: Param, raw: str) -> Term:
    """Turn a parameter's text into an RDF term of its declared type, or raise QueryError."""
    def bad(expected: str) -> QueryError:
        return QueryError(f"parameter {param.name!r} must be {expected}, got {raw!r}")

    if param.type == "string":
        return Literal(raw)
    if param.type == "integer":
        if not re.fullmatch(r"[+-]?\d+", raw.strip()):
            raise bad("a whole number")
        return Literal(str(int(raw)), datatype=NamedNode(XSD + "integer"))
    if param.type == "decimal":
        try:
            value = Decimal(raw.strip())
        except InvalidOperation:
            raise bad("a number") from None
        if not value.is_finite():
            raise bad("a finite number")
        return Literal(format(value, "f"), datatype=NamedNode(XSD + "decimal"))
    if param.type == "date":
        try:
            return Literal(dt.date.fromisoformat(raw.strip()).isoformat(), datatype=NamedNode(XSD + "date"))
        except ValueError:
            raise bad("a date YYYY-MM-DD") from None
    if param.type == "boolean":
        if raw.strip().lower() not in ("true", "false"):
            raise bad("true or false")
        return Literal(raw.strip().lower(), datatype=NamedNode(XSD + "boolean"))
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*", raw.strip()):
        raise bad("an absolute IRI")
    return NamedNode(raw.strip())


def bind_params(query: SavedQuery | None, given: dict[str, str]) -> dict[str, Term]:
    """Check ``given`` against the query's declared parameters and return variable name -> RDF term."""
    declared = {p.name: p for p in query.params} if query else {}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        known = ", ".join(sorted(declared)) or "none"
        raise QueryError(f"unknown parameter {unknown[0]!r}", hint=f"this query takes: {known}")
    bound: dict[str, Term] = {}
    for name, param in declared.items():
        raw = given.get(name, param.default)
        if raw is None:
            if param.optional:
                continue
            raise QueryError(f"missing parameter {name!r} ({param.doc or param.type})",
                             hint=f"pass --param {name}=VALUE")
        bound[name] = to_term(param, raw)
    return bound


def parse_param_args(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"malformed parameter {pair!r}", hint="write --param NAME=VALUE")
        out[name.strip()] = value
    return out


# ------------------------------------------------------------------------------------------------ execution
_LOCATION_RE = re.compile(r"(?:line|at) (\d+)(?:[:,]? ?(?:column )?(\d+))?", re.I)


class Queryable(Protocol):
    """What runs a query: the local store (``kg.store.Store``) or a remote server (``kg.remote.RemoteStore``)."""

    def query(self, text: str, params: dict[str, Term] | None = None, *, source: str = "<query>",
              limit: int | None = None, offset: int = 0) -> QueryResult: ...


@dataclass(frozen=True)
class Dataset:
    """The graphs a query reads, as the SPARQL protocol names them (``default-graph-uri``, ``named-graph-uri``);
    an empty list keeps kg's default (the union of the named graphs; every named graph)."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


def execute(db: pyoxigraph.Store, text: str, params: dict[str, Term] | None = None, *, source: str = "<query>",
            limit: int | None = None, offset: int = 0, dataset: Dataset | None = None,
            prefixes: dict[str, str] | None = None, cap: int | None = None) -> QueryResult:
    """Run ``text`` on a pyoxigraph database (the body of ``kg.store.Store.query``, which every local query goes
    through); parameters are already-bound RDF terms.

    ``limit``/``offset`` give one page of a SELECT's rows (``page_text``): appended to the query as
    ``LIMIT``/``OFFSET`` so the store stops early, or, when the query already ends in a solution modifier of its
    own, cut from its rows while they are read.

    Parameters the query projects are bound by pyoxigraph's substitutions (SEP-0007), which pre-bind the variable
    everywhere in the query; pyoxigraph refuses a substitution of a variable the SELECT does not project, so
    the others are bound by a VALUES block at the start of the outermost WHERE group (as for remote servers).

    ``dataset``: the SPARQL protocol's default and named graphs (``default-graph-uri``/``named-graph-uri``);
    without it the default graph is the union of the named graphs. ``prefixes`` replaces kg's predeclared ones.
    ``cap``: at most that many rows (or triples) are read; ``truncated`` says whether there were more.
    """
    text, substituted = split_bindings(text, params or {})
    substitutions: dict[Variable, Term | Triple] = {Variable(k): v for k, v in substituted.items()}
    window: tuple[int, int | None] | None = None
    if limit is None:   # every row (from the offset on): a page narrower would read every row's keys again
        text = without_narrowers(text)
    if limit is not None or offset:
        paged = page_text(text, limit, offset)
        if paged is None:
            window = (offset, limit)
        else:
            text = paged
    try:
        graphs: dict[str, Any] = {"use_default_graph_as_union": True}
        if dataset is not None and dataset.default_graphs:
            graphs = {"default_graph": [NamedNode(g) for g in dataset.default_graphs]}
        if dataset is not None and dataset.named_graphs:
            graphs["named_graphs"] = [NamedNode(g) for g in dataset.named_graphs]
        result = db.query(text, prefixes=dict(PREFIXES) if prefixes is None else (prefixes or None),
                          substitutions=substitutions or None, **graphs)
        # results are computed while they are read, so errors (e.g. a SERVICE call failing) surface here
        return collect(result, window, cap)
    except SyntaxError as exc:
        message = str(exc).splitlines()[0] if str(exc) else "syntax error"
        raise QueryError(f"SPARQL syntax error: {message}", location=_query_location(source, message)) from exc
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryError(f"the query failed: {' '.join(str(exc).split())}", location=Location(source)) from exc


def projected_variables(text: str) -> set[str] | None:
    """The variables a SELECT or DESCRIBE projects (``None`` for ``SELECT *``, ASK and CONSTRUCT, which
    accept a substitution of any variable): bare variables of the clause and the targets of ``AS``."""

    form = None
    names: set[str] = set()
    depth = 0
    after_as = False
    for match in TOKEN.finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind in ("comment", "space"):
            continue
        if form is None:
            if kind == "name" and token.upper() in ("SELECT", "DESCRIBE", "ASK", "CONSTRUCT"):
                form = token.upper()
                if form in ("ASK", "CONSTRUCT"):
                    return None
            continue
        if kind == "open" or (kind == "name" and token.upper() in ("WHERE", "FROM")):
            break
        if token == "*" and depth == 0:
            return None
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif kind == "var" and (depth == 0 or after_as):
            names.add(token[1:])
        after_as = kind == "name" and token.upper() == "AS"
    return names


def split_bindings(text: str, params: dict[str, Term]) -> tuple[str, dict[str, Term]]:
    """``(text, substitutions)``: the projected parameters stay substitutions, the others become VALUES. The
    parameters the query's page anchor projects are bound by VALUES as well, inside the anchor and at the top (as
    remote servers get them): pyoxigraph's substitutions do not always narrow a sub-select, and the anchor then
    computed and sorted every row before the parameter was joined (``unsourced-facts`` for one article of 10,000:
    0.8-1.0 s of CPU, 3 ms with the VALUES; docs/queries-performance.md)."""
    if not params:
        return text, {}
    projected = projected_variables(text)
    anchor = page_anchor(text)
    anchored = anchor.variables if anchor is not None else frozenset()
    substituted = {k: v for k, v in params.items() if projected is None or k in projected}
    rest = {k: v for k, v in params.items() if k not in substituted or k in anchored}
    return bind_values(text, rest), substituted


def _query_location(source: str, message: str) -> Location:
    match = _LOCATION_RE.search(message)
    if match:
        return Location(source, int(match.group(1)), int(match.group(2)) if match.group(2) else None)
    return Location(source)


def check_page(limit: int | None, offset: int) -> None:
    if limit is not None and limit < 0:
        raise QueryError(f"the limit must be 0 or more, got {limit}")
    if offset < 0:
        raise QueryError(f"the offset must be 0 or more, got {offset}")


def page_text(text: str, limit: int | None, offset: int) -> str | None:
    """``text`` with ``LIMIT``/``OFFSET`` appended, or None when the query already ends in ``LIMIT``, ``OFFSET``
    or a trailing ``VALUES`` block (its rows are then cut while read). QueryError for a query that has no rows
    to page (ASK, CONSTRUCT, DESCRIBE) and for a negative limit or offset.

    A query can name the rows its pages are made of: a sub-select whose only solution modifier is an ``ORDER BY``
    that repeats the query's own (the *page anchor*) gets the ``LIMIT`` and ``OFFSET`` too, so the rest of the
    query runs for that page's rows only, and the query itself gets just the ``LIMIT``. The query must then give
    exactly one row per row of the anchor (docs/queries-performance.md). A sub-select inside the anchor whose only
    solution modifier is an ``ORDER BY`` on the first keys of the query's own (a *page narrower*, one row per row of
    the anchor) gets ``LIMIT offset + limit``: the anchor then reads only the rows whose first keys are among the
    narrower's, which hold the page. With no limit the narrower is left as it is: the same rows on every server
    (the local store empties it first, :func:`execute`; an emptied group makes Virtuoso answer no rows)."""

    check_page(limit, offset)
    scan = solution_modifiers(text)
    if scan.own_limit:
        return None
    if scan.form != "SELECT":
        raise QueryError(f"a limit or offset pages the rows of a SELECT query; this is {scan.form or 'not'} a query",
                         hint="drop --limit/--offset, or write LIMIT into the query")
    modifiers = (f" LIMIT {limit}" if limit is not None else "") + (f" OFFSET {offset}" if offset else "")
    anchor = scan.anchor
    if anchor is None:
        return f"{text}\n{modifiers.strip()}\n"
    inserts = [(anchor.close, modifiers.strip())]
    if limit is not None:
        inserts += [(sub.close, f"LIMIT {offset + limit}") for sub in anchor.narrowers]
    for at, words in sorted(inserts, reverse=True):
        text = f"{text[:at]}{words} {text[at:]}"
    outer = f"LIMIT {limit}\n" if limit is not None else ""
    return f"{text}\n{outer}"


def collect(result: QueryBoolean | QuerySolutions | QueryTriples,
            window: tuple[int, int | None] | None = None, cap: int | None = None) -> QueryResult:
    """The whole result as a QueryResult; ``window`` = (offset, limit) keeps only those rows of a SELECT
    (the rest are not decoded); ``cap``: at most that many rows or triples, ``truncated`` when there were more."""
    if isinstance(result, QueryBoolean):
        if window is not None:
            raise QueryError("a limit or offset pages the rows of a SELECT query; this is an ASK query")
        return QueryResult(kind="ask", boolean=bool(result))
    if isinstance(result, QuerySolutions):
        variables = [v.value for v in result.variables]
        solutions = iter(result)
        if window is not None:
            start, count = window
            solutions = islice(solutions, start, None if count is None else start + count)
        if cap is not None:
            solutions = islice(solutions, cap + 1)
        rows = [tuple(solution) for solution in solutions]   # a solution iterates its values in variable order
        truncated = cap is not None and len(rows) > cap
        return QueryResult(kind="select", variables=variables, rows=rows[:cap] if truncated else rows,
                           truncated=truncated)
    if isinstance(result, QueryTriples):
        if window is not None:
            raise QueryError("a limit or offset pages the rows of a SELECT query; this is a CONSTRUCT or DESCRIBE")
        triples = list(result if cap is None else islice(result, cap + 1))
        truncated = cap is not None and len(triples) > cap
        return QueryResult(kind="graph", triples=triples[:cap] if truncated else triples, truncated=truncated)
    raise AssertionError(type(result))  # pragma: no cover


def run_saved(store: Queryable, name_or_file: str, given: dict[str, str] | None = None, *,
              limit: int | None = None, offset: int = 0) -> QueryResult:
    """Run a saved query on the local store or a remote server (anything with ``.query``: kg.store.Store,
    kg.remote.RemoteStore); friendly values of country, entity, indicator, ranking … parameters are resolved to
    registry keys against what that store holds first (``result.resolved`` says to what). ``limit``/``offset``:
    one page of its rows (see kg.query.execute)."""
    check_page(limit, offset)
    query = find_query(name_or_file)
    given, resolved = resolve_saved_params(query, given or {}, lambda text: store.query(text).records())
    params = bind_params(query, given)
    text = text_for(query, lambda probe: bool(store.query(probe).rows))
    result = store.query(text, params, source=display_path(query.path), limit=limit, offset=offset)
    result.resolved = resolved
    return result


def resolve_saved_params(query: SavedQuery, given: dict[str, str], names: Callable[[str], list[dict[str, object]]]
                         ) -> tuple[dict[str, str], list[Resolution]]:
    """``given`` with resolvable string parameters replaced by registry keys (see kg.resolve), and the list of
    resolutions; ``names(text)`` runs a SELECT where the registry lives (store or endpoint) as dict rows."""
    from .resolve import resolve_params

    declared = [p.name for p in query.params if p.type == "string"]
    return resolve_params(declared, given, names)

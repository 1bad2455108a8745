"""The library facade: what ``kg`` does, as functions for notebooks, scripts and the ``kg`` command itself.

    >>> from kg import api
    >>> api.build(["data"])                                   # doctest: +SKIP
    >>> api.query("country-rankings", {"country": "FR"}).records()   # doctest: +SKIP
    >>> api.facts(as_frame=True)                              # a pandas DataFrame   # doctest: +SKIP

kg/cli.py only parses options, calls these functions and renders what they return. Every function that reads the
store opens it here (``open_store``: the folder given, else ``KG_STORE``, else ``.kg/store``; kg.settings), and every
query, local or remote, is dispatched by one rule (``run``).

Everything returns plain rows (lists of dicts); ``as_frame=True`` or ``QueryResult.dataframe()`` gives a pandas
DataFrame with real column types (numbers, nullable integers, booleans, dates, categories; see kg.frames) when
pandas is installed (``pip install 'newskg[pandas]'``), and a one-line KgError saying so when it is not.
Errors are ``kg.errors.KgError`` subclasses with one-line messages.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from . import settings
from .errors import InputError
from .results import QueryResult
from .store import KgStore

if TYPE_CHECKING:
    import pandas

    from .build import BuildSummary
    from .charts import ChartSummary
    from .remote import GraphPush, PushSummary, RemoteStore
    from .report import ValidationReport
    from .viz import VizSummary

PathLike = str | Path
Progress = Callable[[str, int, int], None]


# ------------------------------------------------------------------------------------------------ opening
def store_path(given: PathLike | None = None) -> Path:
    """The store folder: the one given, else KG_STORE, else .kg/store (kg.settings)."""
    return Path(settings.value("store", given))


def open_store(store: PathLike | None = None) -> KgStore:
    """The live version of the store, read-only (a context manager: ``with api.open_store() as s: s.query(…)``).
    StoreError (exit 3) when there is no complete build."""
    return KgStore(store_path(store), read_only=True)


def remote_store(endpoint: str, *, auth: tuple[str, str] | None = None, auth_type: str = "digest",
                 timeout: float | None = None) -> RemoteStore:
    """A SPARQL server that runs queries as the local store does (kg.remote.RemoteStore); each answer is waited
    for ``timeout`` seconds, else the setting ``remote_timeout`` (KG_REMOTE_TIMEOUT, default 120)."""
    from .remote import Endpoint, RemoteStore

    return RemoteStore(Endpoint(endpoint, None, auth, auth_type, settings.seconds("remote_timeout", timeout)))


# ------------------------------------------------------------------------------------------------ build, check, export
def build(paths: Iterable[PathLike] = ("data",), *, out_dir: PathLike | None = "out", store: PathLike | None = None,
          base: str | None = None, html: bool = True, text_dir: PathLike | None = None, reviewed_only: bool = False,
          shacl_engine: str | None = None, progress: Progress | None = None) -> BuildSummary:
    """Build the graph from fact sheets (see ``kg build``); returns counts and the validation report."""
    from .build import build as _build

    return _build([Path(p) for p in paths] or [Path("data")], out_dir=Path(out_dir) if out_dir is not None else None,
                  store_path=store_path(store), base=settings.value("base", base),
                  text_dir=Path(text_dir) if text_dir is not None else None, progress=progress, html=html,
                  reviewed_only=reviewed_only, shacl_engine=shacl_engine)


def validate(*, store: PathLike | None = None, shacl_engine: str | None = None) -> ValidationReport:
    """SHACL validation of everything the store holds again (``kg validate``)."""
    from .build import validate_store

    with open_store(store) as opened:
        return validate_store(opened, shacl_engine)


def export(fmt: str = "turtle", *, store: PathLike | None = None, base: str | None = None,
           output: PathLike | None = None, text_dir: PathLike | None = None) -> bytes:
    """The stored graph as ``fmt`` (turtle, trig, jsonld, nt, nquads) or one of its standard views (datacube,
    schemaorg, annotations, quickstatements; ``text_dir`` only for annotations), written atomically to
    ``output`` when given."""
    from .atomic import write_bytes
    from .export import export as _export
    from .views import VIEWS, render_view

    if text_dir is not None and fmt != "annotations":
        raise InputError("--text-dir only applies to --format annotations")
    base = settings.value("base", base)
    target = Path(output) if output is not None else None
    with open_store(store) as opened:
        if fmt not in VIEWS:
            return _export(opened, fmt, base, target)
        data = render_view(opened, fmt, base, text_dir=Path(text_dir) if text_dir is not None else None)
    if target is not None:
        write_bytes(target, data)
    return data


def push(endpoint: str, *, graph_store: str | None = None, auth: tuple[str, str] | None = None,
         auth_type: str = "digest", timeout: float | None = None, store: PathLike | None = None,
         batch_size: int | None = None, prune: bool = False,
         progress: Callable[[GraphPush], None] | None = None) -> PushSummary:
    """Upload every named graph of the store and the ontology graph to a SPARQL server (``kg push``)."""
    from .remote import DEFAULT_BATCH_SIZE, Endpoint, push_store

    target = Endpoint(endpoint, graph_store, auth, auth_type, settings.seconds("remote_timeout", timeout))
    with open_store(store) as opened:
        return push_store(opened, target, batch_size=batch_size or DEFAULT_BATCH_SIZE, prune=prune,
                          base=opened.base, progress=progress)


# ------------------------------------------------------------------------------------------------ queries
def _looks_like_sparql(text: str) -> bool:
    words = {w.upper() for w in text.replace("{", " ").split()[:50]}
    return bool(words & {"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"})


def run(saved: str | None = None, text: str | None = None, params: dict[str, str] | None = None, *,
        store: PathLike | None = None, endpoint: str | None = None, auth: tuple[str, str] | None = None,
        auth_type: str = "digest", timeout: float | None = None, limit: int | None = None,
        offset: int = 0) -> QueryResult:
    """Run the saved query ``saved`` (name or .rq path) with ``params``, or the SPARQL ``text``: on ``endpoint``
    when one is given, else on the local store. The one rule ``kg query`` and :func:`query` share.

    Friendly parameter values are resolved against what that store or server holds (``result.resolved``);
    ``limit``/``offset``: one page of the rows of a SELECT, in the query's order."""
    if (saved is None) == (text is None):
        raise InputError("give a saved query name or file, or SPARQL text (not both)")
    if text is not None and params:
        raise InputError("parameters work with saved queries only", hint="write the values into the query text")
    from .query import run_saved   # here: kg build, which imports this module, runs no saved query

    if endpoint is not None:
        target = remote_store(endpoint, auth=auth, auth_type=auth_type, timeout=timeout)
        return (target.query(text, limit=limit, offset=offset) if text is not None
                else run_saved(target, str(saved), dict(params or {}), limit=limit, offset=offset))
    with open_store(store) as opened:
        return (opened.query(text, limit=limit, offset=offset) if text is not None
                else run_saved(opened, str(saved), dict(params or {}), limit=limit, offset=offset))


def query(name_or_text: str, params: dict[str, str] | None = None, *, store: PathLike | None = None,
          endpoint: str | None = None, auth: tuple[str, str] | None = None, auth_type: str = "digest",
          timeout: float | None = None, limit: int | None = None, offset: int = 0) -> QueryResult:
    """Run a saved query (name or .rq path) with parameters, or SPARQL text, locally or on ``endpoint``
    (see :func:`run`; text is told from a name by its SELECT, CONSTRUCT, ASK or DESCRIBE).

    The result has ``.variables``, ``.rows`` (RDF terms), ``.records()`` (plain Python values),
    ``.dataframe()``, and ``.resolved``: what friendly parameter values (``{"country": "Korea"}``,
    ``{"indicator": "H100"}``) were resolved to, e.g. ``country=Korea → KR (South Korea)``.
    ``limit``/``offset``: one page of the rows of a SELECT, in the query's order (``limit=50`` is a first page).
    """
    sparql = _looks_like_sparql(name_or_text)
    return run(None if sparql else name_or_text, name_or_text if sparql else None, None if sparql else params,
               store=store, endpoint=endpoint, auth=auth, auth_type=auth_type, timeout=timeout, limit=limit,
               offset=offset)


# ------------------------------------------------------------------------------------------------ tables
def facts_table(article: str | None = None, *, store: PathLike | None = None, extended: bool = False,
                limit: int | None = None, offset: int = 0) -> tuple[list[str], list[list[str]]]:
    """The flat facts table (``kg facts``): its column names and rows of text cells."""
    from .facts import columns, facts_rows

    with open_store(store) as opened:
        return columns(extended), facts_rows(opened, article=article, extended=extended, limit=limit, offset=offset)


def facts(article: str | None = None, *, store: PathLike | None = None, as_frame: bool = False,
          extended: bool = False, exact: bool = False, limit: int | None = None,
          offset: int = 0) -> list[dict[str, str]] | pandas.DataFrame:
    """The flat facts table as a list of dicts of text cells, as ``kg facts --format csv`` writes them.

    ``as_frame=True`` gives a typed pandas DataFrame instead: ``value``/``value_high`` float64 (``exact=True``:
    Decimal objects), ``rank``/``out_of`` Int64, ``approximate``/``draft``/``proposed`` boolean, ``kind``/``unit``/
    ``qualifier`` categories, the rest strings (``period`` too: it mixes years, months and dates), empty cells
    ``<NA>`` (see kg.frames). ``extended=True`` adds the columns of ``kg facts --extended`` (qualifier,
    value_high, inferred, draft, proposed). ``limit``/``offset``: one page of the rows, in the same order."""
    if as_frame:
        from .frames import require_pandas

        require_pandas()  # before opening the store: a missing extra is said first
    names, cells = facts_table(article, store=store, extended=extended, limit=limit, offset=offset)
    if as_frame:
        from .frames import facts_frame

        return facts_frame(names, cells, exact=exact)
    return [dict(zip(names, row, strict=True)) for row in cells]


def articles_table(*, store: PathLike | None = None) -> tuple[list[str], list[list[str]]]:
    """What ``kg articles`` prints: id, title, publication date, publisher, number of facts, draft or reviewed."""
    from .facts import ARTICLE_COLUMNS, articles_rows

    with open_store(store) as opened:
        return list(ARTICLE_COLUMNS), articles_rows(opened)


def articles(*, store: PathLike | None = None, as_frame: bool = False) -> list[dict[str, str]] | pandas.DataFrame:
    """The articles in the store (``kg articles``) as dicts of text cells: article, title, published, publisher,
    facts, status (``draft`` or ``reviewed``). ``as_frame=True``: a DataFrame with ``published`` as datetime64,
    ``facts`` as Int64 and ``status`` as a category."""
    if not as_frame:
        names, rows = articles_table(store=store)
        return [dict(zip(names, row, strict=True)) for row in rows]
    from .facts import ARTICLE_COLUMNS
    from .frames import require_pandas
    from .query import run_saved

    pandas = require_pandas()
    with open_store(store) as opened:
        frame = run_saved(opened, "articles").dataframe()[ARTICLE_COLUMNS]
    return frame.assign(status=frame["status"].astype(pandas.CategoricalDtype(["draft", "reviewed"])))


# ------------------------------------------------------------------------------------------------ views
def viz(out: PathLike, *, store: PathLike | None = None, lang: str = "en", article: str | None = None,
        subject: str | None = None, query: PathLike | None = None, max_nodes: int | None = None,
        explore: bool | None = None) -> VizSummary:
    """Write the interactive network view (``kg viz``) to ``out``; see kg.viz.build_html for the options."""
    from .viz import write_html

    with open_store(store) as opened:
        return write_html(opened, out, lang=lang, article=article, subject=subject, query=query,
                          max_nodes=max_nodes, explore=explore)


def chart(kind: str, name: str, out: PathLike, *, store: PathLike | None = None, lang: str = "en",
          fmt: str | None = None) -> ChartSummary:
    """Write the ``kind`` chart of ``name`` (``kg chart``) to ``out`` as HTML, SVG or PNG."""
    from .charts import write_chart

    with open_store(store) as opened:
        return write_chart(opened, kind, name, out, lang=lang, fmt=fmt)

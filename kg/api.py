"""The library API for notebooks and scripts: build, query with parameters, facts.

    >>> from kg import api
    >>> api.build(["data"])                                   # doctest: +SKIP
    >>> api.query("country-rankings", {"country": "FR"}).records()   # doctest: +SKIP
    >>> api.facts(as_frame=True)                              # a pandas DataFrame   # doctest: +SKIP

Everything returns plain rows (lists of dicts); ``as_frame=True`` or ``QueryResult.dataframe()`` gives a pandas
DataFrame with real column types (numbers, nullable integers, booleans, dates, categories; see kg.frames) when
pandas is installed (``pip install 'newskg[pandas]'``), and a one-line KgError saying so when it is not.
Errors are ``kg.errors.KgError`` subclasses with one-line messages.
"""
from __future__ import annotations

from pathlib import Path

from .build import BuildSummary
from .build import build as _build
from .facts import ARTICLE_COLUMNS, articles_rows, columns, facts_rows
from . import settings
from .query import QueryResult, run_saved
from .store import KgStore


def build(paths=("data",), *, out_dir: str | Path | None = "out", store: str | Path | None = None,
          base: str | None = None, html: bool = True) -> BuildSummary:
    """Build the graph from fact sheets (see ``kg build``); returns counts and the validation report."""
    return _build([Path(p) for p in paths], out_dir=Path(out_dir) if out_dir is not None else None,
                  store_path=_store(store), base=settings.value("base", base), html=html)


def _store(given: str | Path | None) -> Path:
    """The store folder: the one given, else KG_STORE, else .kg/store (kg.settings)."""
    return Path(settings.value("store", given))


def _looks_like_sparql(text: str) -> bool:
    words = {w.upper() for w in text.replace("{", " ").split()[:50]}
    return bool(words & {"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"})


def query(name_or_text: str, params: dict[str, str] | None = None, *, store: str | Path | None = None,
          endpoint: str | None = None, auth: tuple[str, str] | None = None, limit: int | None = None,
          offset: int = 0) -> QueryResult:
    """Run a saved query (name or .rq path) with parameters, or SPARQL text, locally or on ``endpoint``.

    The result has ``.variables``, ``.rows`` (RDF terms), ``.records()`` (plain Python values),
    ``.dataframe()``, and ``.resolved``: what friendly parameter values (``{"country": "Korea"}``,
    ``{"indicator": "H100"}``) were resolved to, e.g. ``country=Korea → KR (South Korea)``.
    ``limit``/``offset``: one page of the rows of a SELECT, in the query's order (``limit=50`` is a first page).
    """
    if endpoint is not None:
        from .remote import Endpoint, RemoteStore

        remote = RemoteStore(Endpoint(endpoint, None, auth, "digest", settings.seconds("remote_timeout")))
        if _looks_like_sparql(name_or_text):
            return remote.query(name_or_text, limit=limit, offset=offset)
        return run_saved(remote, name_or_text, dict(params or {}), limit=limit, offset=offset)
    with KgStore(_store(store), read_only=True) as opened:
        if _looks_like_sparql(name_or_text):
            return opened.query(name_or_text, limit=limit, offset=offset)
        return run_saved(opened, name_or_text, dict(params or {}), limit=limit, offset=offset)


def facts(article: str | None = None, *, store: str | Path | None = None, as_frame: bool = False,
          extended: bool = False, exact: bool = False, limit: int | None = None, offset: int = 0):
    """The flat facts table as a list of dicts of text cells, as ``kg facts --format csv`` writes them.

    ``as_frame=True`` gives a typed pandas DataFrame instead: ``value``/``value_high`` float64 (``exact=True``:
    Decimal objects), ``rank``/``out_of`` Int64, ``approximate``/``draft``/``proposed`` boolean, ``kind``/``unit``/
    ``qualifier`` categories, the rest strings (``period`` too: it mixes years, months and dates), empty cells
    ``<NA>`` (see kg.frames). ``extended=True`` adds the columns of ``kg facts --extended`` (qualifier,
    value_high, inferred, draft, proposed). ``limit``/``offset``: one page of the rows, in the same order."""
    names = columns(extended)
    if as_frame:
        from .frames import require_pandas

        require_pandas()  # before opening the store: a missing extra is said first
    with KgStore(_store(store), read_only=True) as opened:
        cells = facts_rows(opened, article=article, extended=extended, limit=limit, offset=offset)
    if as_frame:
        from .frames import facts_frame

        return facts_frame(names, cells, exact=exact)
    return [dict(zip(names, row)) for row in cells]


def articles(*, store: str | Path | None = None, as_frame: bool = False):
    """The articles in the store (``kg articles``) as dicts of text cells: article, title, published, publisher,
    facts, status (``draft`` or ``reviewed``). ``as_frame=True``: a DataFrame with ``published`` as datetime64,
    ``facts`` as Int64 and ``status`` as a category."""
    if as_frame:
        from .frames import require_pandas

        pandas = require_pandas()
    with KgStore(_store(store), read_only=True) as opened:
        if not as_frame:
            return [dict(zip(ARTICLE_COLUMNS, row)) for row in articles_rows(opened)]
        frame = run_saved(opened, "articles").dataframe()[ARTICLE_COLUMNS]
    return frame.assign(status=frame["status"].astype(pandas.CategoricalDtype(["draft", "reviewed"])))

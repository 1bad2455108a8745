"""The flat tables read from the stored RDF by saved queries: the facts table (one row per fact, ``facts``) and
the articles list (one row per article, ``articles``)."""
from __future__ import annotations

from .query import run_saved
from .terms import lexical
from .store import Store

COLUMNS = ["article", "kind", "subject", "subject_id", "measure", "value", "unit", "rank", "out_of", "group",
           "period", "source", "approximate"]
# `kg facts --extended`: the 13 columns above (which the corpus scorer requires exactly), then these.
EXTENDED_COLUMNS = COLUMNS + ["qualifier", "value_high", "inferred", "draft", "proposed"]


def columns(extended: bool = False) -> list[str]:
    return list(EXTENDED_COLUMNS if extended else COLUMNS)


def facts_rows(store: Store, *, article: str | None = None, extended: bool = False, limit: int | None = None,
               offset: int = 0) -> list[list[str]]:
    """Rows of plain text cells in ``columns(extended)`` order, from an open store (kg.store.Store);
    ``limit``/``offset``: one page of them, in the same order."""
    result = run_saved(store, "facts", {"article": article} if article else {}, limit=limit, offset=offset)
    index = [result.variables.index(c) for c in columns(extended)]
    return [[lexical(row[i]) for i in index] for row in result.rows]


ARTICLE_COLUMNS = ["article", "title", "published", "publisher", "facts", "status"]


def articles_rows(store: Store) -> list[list[str]]:
    """One row of text cells per article (``ARTICLE_COLUMNS``), newest first, from an open store."""
    result = run_saved(store, "articles")
    index = [result.variables.index(c) for c in ARTICLE_COLUMNS]
    return [[lexical(row[i]) for i in index] for row in result.rows]

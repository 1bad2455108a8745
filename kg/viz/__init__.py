"""The interactive network view: ``kg viz`` and the ``graph.html`` that ``kg build`` writes.

    from kg.viz import write_html
    write_html(store, "out/graph.html", lang="en")          # store: a kg.store.Store (KgStore, or Store(db))

Steps, one module each: ``collect`` reads facts and resources from the store (SPARQL), ``project`` turns
them into a networkx graph and cuts large graphs down, ``from_query`` draws a CONSTRUCT/SELECT result
instead, ``render`` writes the page with pyvis and our own template (``template.html.j2``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..atomic import write_text
from ..errors import InputError
from ..store import Store
from . import collect
from .from_query import project_query, read_query
from .project import LANGS, Attrs, Projection, label_of, limit, project_facts
from .render import PHYSICS_MAX_EDGES, PHYSICS_MAX_NODES, render

DEFAULT_MAX_NODES = 250
DEFAULT_MAX_EDGES = 1000
# explore mode draws only what the reader asks for, so the page can carry a larger graph
EXPLORE_MAX_NODES = 1000
EXPLORE_MAX_EDGES = 3000


@dataclass(frozen=True)
class VizSummary:
    """What was written: shown counts, and the totals before a large graph was cut down."""

    path: Path | None
    nodes: int
    edges: int
    total_nodes: int
    total_facts: int
    shown_facts: int
    truncated: bool
    size: int
    explore: bool = False


def _articles(resources: dict[str, collect.Resource]) -> dict[str, Attrs]:
    out: dict[str, Attrs] = {}
    for iri, res in resources.items():
        if res.cls != "Article":
            continue
        out[iri] = {"id": collect.local_name(iri), "labels": {lang: label_of(res, iri, lang) for lang in LANGS},
                    "issued": min(res.props.get("issued", {""}))}
    return out


def build_html(store: Store, *, lang: str = "en", article: str | None = None, subject: str | None = None,
               query: str | Path | None = None, max_nodes: int | None = None, max_edges: int | None = None,
               explore: bool | None = None) -> tuple[str, Projection]:
    """The page as a string, and the projection it shows. Same store and options: same bytes.

    ``explore``: open in explore mode (empty, grown from a search); None decides by size: a graph too large
    to lay out in the browser (render.PHYSICS_MAX_NODES / _EDGES) is explored. ``max_nodes`` / ``max_edges``
    default to 250 / 1,000, or 1,000 / 3,000 in explore mode."""
    if lang not in LANGS:
        raise InputError(f"unknown language {lang!r}", hint=f"use one of {', '.join(LANGS)}")
    if (max_nodes is not None and max_nodes < 1) or (max_edges is not None and max_edges < 1):
        raise InputError("--max-nodes and the edge limit must be at least 1")
    if query is not None and (article is not None or subject is not None):
        raise InputError("--query cannot be combined with --article or --subject", hint="filter in the query")
    resources = collect.read_resources(store)
    title = {"en": "News knowledge graph", "ko": "뉴스 지식 그래프"}
    if query is not None:
        graph = project_query(store, read_query(query), resources, name=str(query))
        title = {lang_: f"{title[lang_]} · {Path(query).name}" for lang_ in LANGS}
    else:
        article_iri = collect.find_article(store, article) if article is not None else None
        subject_iri = collect.find_subject(store, subject) if subject is not None else None
        facts = collect.read_facts(store, article=article_iri, subject=subject_iri)
        graph = project_facts(facts, resources)
        focus = article_iri or subject_iri
        if focus is not None:
            res = resources.get(focus)
            title = {lang_: f"{title[lang_]} · {label_of(res, focus, lang_)}" for lang_ in LANGS}
    if explore is None:
        explore = graph.number_of_nodes() > PHYSICS_MAX_NODES or graph.number_of_edges() > PHYSICS_MAX_EDGES
    proj = limit(graph, max_nodes=max_nodes or (EXPLORE_MAX_NODES if explore else DEFAULT_MAX_NODES),
                 max_edges=max_edges or (EXPLORE_MAX_EDGES if explore else DEFAULT_MAX_EDGES))
    proj.explore = explore
    page = render(proj, lang=lang, title=title, articles=_articles(resources), explore=explore)
    return page, proj


def write_html(store: Store, path: str | Path, **options: Any) -> VizSummary:
    """Write the page to ``path`` atomically; options as for :func:`build_html`."""
    html, proj = build_html(store, **options)
    data = html.encode("utf-8")
    write_text(path, html)
    return VizSummary(Path(path), proj.graph.number_of_nodes(), proj.graph.number_of_edges(), proj.total_nodes,
                      proj.total_facts, proj.shown_facts, proj.truncated, len(data), proj.explore)

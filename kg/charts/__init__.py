"""Charts of the facts: ``kg chart indicator|country|ranking NAME -o file.html|svg|png``.

    from kg.charts import chart_spec, chart_page, write_chart, entity_chart, vendor_scripts, embed_fragment
    spec = chart_spec(store, "indicator", "H100", lang="ko")       # Vega-Lite dict; NAME: any key, name, alias
    html = chart_page(store, "country", "Korea")                   # one self-contained, offline page
    write_chart(store, "ranking", "unido-cip", "out/cip.png")      # .html, .svg or .png by the suffix
    chart = entity_chart(store, iri, lang="en")                    # for an entity page: its chart, or None
    page_html = vendor_scripts() + embed_fragment(chart.spec, "chart-1")

Steps, one module each: ``data`` reads the rows from the store (SPARQL, names resolved like saved-query
parameters), ``spec`` writes the Vega-Lite specification with Altair, ``render`` makes pages and images.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..atomic import write_bytes
from ..errors import InputError
from ..resolve import Resolution
from ..store import Store
from ..vocab import NKG
from .data import KINDS, LANGS, ChartData, query_text, read_chart_data
from .render import embed_fragment, page, static_image, vendor_scripts
from .spec import spec as _spec

__all__ = [
    "FORMATS",
    "KINDS",
    "Chart",
    "ChartSummary",
    "chart",
    "chart_page",
    "chart_spec",
    "embed_fragment",
    "entity_chart",
    "vendor_scripts",
    "write_chart",
]
FORMATS = ("html", "svg", "png")
# classes of an entity page's node -> the chart kind drawn for it
ENTITY_KINDS = {"Indicator": "indicator", "Country": "country", "RankingSeries": "ranking"}


@dataclass(frozen=True)
class Chart:
    """A chart ready to render: its kind, what NAME resolved to, the Vega-Lite spec and its title."""

    kind: str
    key: str
    lang: str
    title: str
    spec: dict[str, Any]
    rows: int
    resolution: Resolution


@dataclass(frozen=True)
class ChartSummary:
    path: Path
    format: str
    rows: int
    resolution: Resolution


def chart(store: Store, kind: str, name: str, *, lang: str = "en") -> Chart:
    """The ``kind`` chart (indicator, country, ranking) of ``name`` (any registry key, name or alias)."""
    if lang not in LANGS:
        raise InputError(f"unknown language {lang!r}", hint=f"use one of {', '.join(LANGS)}")
    if kind not in KINDS:
        raise InputError(f"unknown chart kind {kind!r}", hint=f"use one of {', '.join(KINDS)}")
    data: ChartData = read_chart_data(store, kind, name)
    spec = _spec(data, lang)
    title = str(spec.get("title", {}).get("text", data.labels[lang])) if isinstance(spec.get("title"), dict) \
        else data.labels[lang]
    return Chart(kind, data.key, lang, title, spec, len(data.rows), data.resolution)


def chart_spec(store: Store, kind: str, name: str, *, lang: str = "en") -> dict[str, Any]:
    """The Vega-Lite specification (JSON-ready dict) of a chart; see :func:`chart`."""
    return chart(store, kind, name, lang=lang).spec


def chart_page(store: Store, kind: str, name: str, *, lang: str = "en") -> str:
    """A self-contained HTML page of a chart (no request leaves it)."""
    made = chart(store, kind, name, lang=lang)
    return page(made.spec, title=made.title, lang=lang)


def entity_chart(store: Store, iri: str, *, lang: str = "en") -> Chart | None:
    """The chart an entity page shows for the node ``iri``: an indicator's figures, a country's ranks, a
    ranking's table; None when the node is of another class or the store has nothing to draw for it."""
    lang = lang if lang in LANGS else "en"   # a page in another language still gets a chart
    rows = store.query(query_text("entity-class"), {"node": ox.NamedNode(iri)},
                       source="kg/charts/queries/entity-class.rq").records()
    for row in sorted(rows, key=lambda r: (str(r["class"]), str(r["key"]))):
        kind = ENTITY_KINDS.get(str(row["class"]).removeprefix(NKG))
        if kind is None:
            continue
        try:
            return chart(store, kind, str(row["key"]), lang=lang)
        except InputError:  # nothing to draw (no figures, no ranks)
            return None
    return None


def write_chart(store: Store, kind: str, name: str, path: str | Path, *, lang: str = "en",
                fmt: str | None = None) -> ChartSummary:
    """Write a chart to ``path`` atomically as HTML, SVG or PNG (``fmt``, else from the file's suffix)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise InputError(f"cannot tell the chart format from {path.name!r}",
                         hint="name the file .html, .svg or .png (or pass --format)")
    made = chart(store, kind, name, lang=lang)
    if fmt == "html":
        data = page(made.spec, title=made.title, lang=lang).encode("utf-8")
    else:
        data = static_image(made.spec, fmt)
    write_bytes(path, data)
    return ChartSummary(path, fmt, made.rows, made.resolution)

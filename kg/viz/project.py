"""Project facts onto a network a reader can take in at a glance.

The projection (why: docs/viz.md): entities, indicators, rankings and groups are nodes; each fact is one
labelled edge from its subject to what it measures ("Tesla —35,000 GPUs (Air Street Capital)→ H100 GPUs
held"); whoever a fact is attributed to is a node with one "reports" edge per thing it reports on; a few
registry links (works for, subsidiary of, publishes) give context. Everything is a networkx MultiDiGraph
whose node and edge attributes are exactly what the page shows.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from typing import TYPE_CHECKING, Any, TypeAlias

import networkx as nx

from ..model import romanised
from .collect import Fact, Resource, local_name
from .numbers import scale_words, with_unit

# The network: nodes are IRIs; node and edge attributes are the JSON-ready dicts the page reads (networkx keeps
# attributes as plain dicts, so their values are Any to it)
if TYPE_CHECKING:   # networkx's classes are generic in their stubs only
    FactNetwork: TypeAlias = nx.MultiDiGraph[str]
Attrs = dict[str, Any]

LANGS = ("en", "ko")
RELATION_LABELS = {
    "worksFor": ("works for", "소속"),
    "parentOrganization": ("subsidiary of", "자회사"),
    "publisher": ("publishes", "발표"),
}
SOURCE_LABEL = ("reports", "출처")
AGGREGATE_DETAILS = 10  # facts listed in the details of a merged edge
MEMBER_LABEL = ("member", "소속")


def label_of(res: Resource | None, iri: str, lang: str) -> str:
    """The label of a resource in ``lang``, falling back to English, untagged, any, then the IRI's name."""
    if res is not None:
        for key in (lang, "en", ""):
            if res.labels.get(key):
                return res.labels[key]
        if res.labels:   # a proposed entry's own name (ko) before its romanisation (ko-Latn)
            return res.labels[min(res.labels, key=lambda tag: (romanised(tag), tag))]
    return local_name(iri)


def format_number(lexical: str | None) -> str:
    """A decimal's lexical form with thousands separators and no exponent or trailing zeros."""
    if lexical is None:
        return ""
    try:
        num = Decimal(lexical.strip())
    except InvalidOperation:
        return lexical
    if not num.is_finite():
        return lexical
    if num == num.to_integral_value():
        return f"{int(num):,}"
    return f"{num.normalize():,f}"


# How a qualified figure reads on the page: (English prefix, Korean prefix, Korean suffix) around the number.
QUALIFIER_WORDS = {
    "LowerBound": ("≥ ", "", " 이상"), "UpperBound": ("≤ ", "최대 ", ""), "Range": ("", "", ""),
    "Target": ("target ", "목표 ", ""), "Forecast": ("forecast ", "전망 ", ""), "Estimate": ("est. ", "추정 ", ""),
}


def qualify(text: str, qualifier: str | None, lang: str) -> str:
    if not qualifier or qualifier not in QUALIFIER_WORDS:
        return text
    en, ko_prefix, ko_suffix = QUALIFIER_WORDS[qualifier]
    return f"{ko_prefix}{text}{ko_suffix}" if lang == "ko" else f"{en}{text}"


def format_amount(value: str | None, unit_label: str, approximate: bool, lang: str,
                  value_high: str | None = None) -> str:
    """A figure with its unit and scale words: "≈2.4 billion Canadian dollars", "약 24억 캐나다 달러"; a range
    "35,000–85,000 GPUs" / "3만5000~8만5000대". ``≈`` / ``약`` also marks a figure the scale words round."""
    num, exact = scale_words(value, lang)
    if value_high is not None:
        high, exact_high = scale_words(value_high, lang)
        num += ("~" if lang == "ko" else "–") + high
        exact = exact and exact_high
    approx = approximate or not exact
    text = with_unit(num, unit_label, lang)
    if lang == "ko":
        return f"{'약 ' if approx else ''}{text}"
    return f"{'≈' if approx else ''}{text}".rstrip()


@dataclass
class Projection:
    """The network, plus what the page says about how it was cut down."""

    graph: FactNetwork
    total_nodes: int
    total_facts: int
    shown_facts: int
    aggregated: bool = False
    explore: bool = False       # the page opens empty and grows from a search (set by kg.viz.build_html)

    @property
    def truncated(self) -> bool:
        return self.graph.number_of_nodes() < self.total_nodes or self.shown_facts < self.total_facts


def _node_attrs(iri: str, resources: dict[str, Resource]) -> Attrs:
    res = resources.get(iri)
    return {
        "cls": res.cls if res is not None else "Other",
        "labels": {lang: label_of(res, iri, lang) for lang in LANGS},
        "aliases": sorted(res.aliases) if res is not None else [],
        "props": {k: sorted(v) for k, v in sorted(res.props.items())} if res is not None else {},
    }


def add_node(graph: FactNetwork, iri: str, resources: dict[str, Resource]) -> None:
    if iri not in graph:
        graph.add_node(iri, **_node_attrs(iri, resources))


def fact_detail(fact: Fact, resources: dict[str, Resource]) -> Attrs:
    """What the page shows about one fact, both languages prepared."""
    detail: Attrs = {
        "iri": fact.iri, "kind": fact.kind, "subject": fact.subject, "target": fact.target,
        "article": fact.article, "source": fact.source, "attribution": fact.attribution,
        "period": fact.period, "periodNote": fact.period_note, "approximate": fact.approximate,
        "asWritten": fact.as_written, "evidence": fact.evidence, "definedAt": fact.defined_at,
        "note": fact.note, "rank": fact.rank, "outOf": fact.out_of, "inferred": fact.inferred,
    }
    for lang in LANGS:
        if fact.kind == "observation":
            unit = label_of(resources.get(fact.unit), fact.unit, lang) if fact.unit else ""
            detail[f"value_{lang}"] = format_amount(fact.value, unit, fact.approximate, lang, fact.value_high)
            if fact.value is not None and scale_words(fact.value, lang)[0] != format_number(fact.value):
                detail[f"exact_{lang}"] = with_unit(format_number(fact.value), unit, lang)  # 2,400,000,000 …
            if fact.eq_value is not None:
                eq_unit = label_of(resources.get(fact.eq_unit), fact.eq_unit, lang) if fact.eq_unit else ""
                detail[f"equivalent_{lang}"] = format_amount(fact.eq_value, eq_unit, fact.eq_approximate, lang)
        elif fact.kind == "rank":
            if lang == "ko":
                detail[f"value_{lang}"] = f"{fact.out_of}개 중 {fact.rank}위" if fact.out_of else f"{fact.rank}위"
            else:
                detail[f"value_{lang}"] = f"#{fact.rank} of {fact.out_of}" if fact.out_of else f"#{fact.rank}"
        else:
            detail[f"value_{lang}"] = MEMBER_LABEL[LANGS.index(lang)]
        detail[f"value_{lang}"] = qualify(detail[f"value_{lang}"], fact.qualifier, lang)
    return {k: v for k, v in detail.items() if v not in (None, "", False)}


def fact_label(detail: Attrs, resources: dict[str, Resource], lang: str) -> str:
    text = str(detail.get(f"value_{lang}", ""))
    source = detail.get("source")
    if source:
        text = f"{text} ({label_of(resources.get(source), source, lang)})"
    return text


def project_facts(facts: list[Fact], resources: dict[str, Resource]) -> FactNetwork:
    """The full network of ``facts``: fact edges, source edges and registry context."""
    graph: FactNetwork = nx.MultiDiGraph()
    reports: dict[tuple[str, str], list[str]] = defaultdict(list)
    for fact in facts:
        if fact.target is None:
            continue
        add_node(graph, fact.subject, resources)
        add_node(graph, fact.target, resources)
        detail = fact_detail(fact, resources)
        graph.add_edge(
            fact.subject, fact.target, key=fact.iri, kind="fact", facts=[detail], articles=[fact.article],
            labels={lang: fact_label(detail, resources, lang) for lang in LANGS},
        )
        if fact.source:
            add_node(graph, fact.source, resources)
            reports[(fact.source, fact.target)].append(fact.article)
    for (source, target), articles in sorted(reports.items()):
        graph.add_edge(source, target, key=f"reports:{source}>{target}", kind="source", facts=[],
                       count=len(articles), articles=sorted(set(articles)), labels=dict(zip(LANGS, SOURCE_LABEL, strict=True)))
    _add_context(graph, resources)
    return graph


def _add_context(graph: FactNetwork, resources: dict[str, Resource]) -> None:
    """Registry links from nodes already drawn: employer, parent company, publisher of a ranking."""
    for iri in sorted(graph.nodes):
        res = resources.get(iri)
        if res is None:
            continue
        for relation, other in sorted(res.links):
            if other not in resources or other == iri:
                continue
            if relation == "publisher":
                if res.cls not in ("Ranking", "RankingSeries", "Classification"):
                    continue  # an article's publisher is not part of the fact network
                src, dst = other, iri
            else:
                src, dst = iri, other
            key = f"{relation}:{src}>{dst}"
            if graph.has_edge(src, dst, key=key) or graph.has_edge(src, dst, key=f"reports:{src}>{dst}"):
                continue  # drawn already, or the publisher is also the source of facts about it
            add_node(graph, src, resources)
            add_node(graph, dst, resources)
            graph.add_edge(src, dst, key=key, kind="relation", facts=[], articles=[],
                           labels=dict(zip(LANGS, RELATION_LABELS[relation], strict=True)))


def _degree_rank(graph: FactNetwork) -> list[str]:
    # a source counts every fact it reports, so that the organisations behind the figures stay in view
    return sorted(graph.nodes, key=lambda n: (-graph.degree(n, weight="count"), n))


def limit(graph: FactNetwork, *, max_nodes: int, max_edges: int) -> Projection:
    """Cut a large network down to what a browser draws fluently, saying what was left out.

    Keeps the ``max_nodes`` best-connected nodes; if more than ``max_edges`` fact edges remain, parallel facts
    between two nodes become one edge ("12 facts"), and if that is still too many, the heaviest ``max_edges``
    fact edges and the heaviest ``max_edges / 2`` source and registry edges stay.
    """
    total_nodes = graph.number_of_nodes()
    total_facts = sum(1 for *_, d in graph.edges(data=True) if d["kind"] == "fact")
    if total_nodes > max_nodes:
        graph = graph.subgraph(_degree_rank(graph)[:max_nodes]).copy()
    facts = [(u, v, k, d) for u, v, k, d in graph.edges(keys=True, data=True) if d["kind"] == "fact"]
    aggregated = False
    if len(facts) > max_edges:
        aggregated = True
        groups: dict[tuple[str, str], list[Attrs]] = defaultdict(list)
        for u, v, k, d in facts:
            graph.remove_edge(u, v, key=k)
            groups[(u, v)].append(d)
        for (u, v), items in groups.items():
            details = sorted((f for d in items for f in d["facts"]), key=lambda f: f["iri"])
            articles = sorted({a for d in items for a in d["articles"]})
            if len(items) == 1:
                graph.add_edge(u, v, key=details[0]["iri"], **items[0])
            else:
                graph.add_edge(u, v, key=f"facts:{u}>{v}", kind="aggregate", facts=details[:AGGREGATE_DETAILS],
                               count=len(items), articles=articles,
                               labels={"en": f"{len(items)} facts", "ko": f"사실 {len(items)}건"})
        # facts compete with facts, context (sources, registry links) with context, heaviest first
        edges = sorted(graph.edges(keys=True, data=True), key=lambda e: (-e[3].get("count", 1), e[0], e[1], e[2]))
        fact_edges = [e for e in edges if e[3]["kind"] in ("fact", "aggregate")]
        context = [e for e in edges if e[3]["kind"] not in ("fact", "aggregate")]
        for u, v, k, _ in fact_edges[max_edges:] + context[max(1, max_edges // 2):]:
            graph.remove_edge(u, v, key=k)
        graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])
    shown = sum(d.get("count", 1) for *_, d in graph.edges(data=True) if d["kind"] in ("fact", "aggregate"))
    return Projection(graph, total_nodes, total_facts, shown, aggregated)


def layout(graph: FactNetwork) -> dict[str, tuple[int, int]]:
    """Fixed positions for a graph too large to lay out in the browser (deterministic: seeded)."""
    simple: nx.Graph[str] = nx.Graph()
    simple.add_nodes_from(sorted(graph.nodes))
    simple.add_edges_from(sorted((u, v) for u, v in graph.edges() if u != v))
    scale = 60 * max(1.0, len(simple) ** 0.5)
    if len(simple) < 500:
        pos = nx.spring_layout(simple, seed=20250130, iterations=60, scale=scale)
        return {n: (round(float(x)), round(float(y))) for n, (x, y) in pos.items()}
    # networkx switches to a sparse solver that needs scipy from 500 nodes on; the dense one (numpy only)
    # handles the explore mode's 1,000 nodes in a few seconds
    import numpy as np
    from networkx.drawing import layout as nx_layout

    order = list(simple.nodes)
    # weight=None: every edge counts 1 (networkx's documented meaning; the stubs only allow a str)
    matrix = nx.to_numpy_array(simple, nodelist=order, weight=None)  # type: ignore[call-overload]
    # the dense solver is private to networkx and absent from its stubs
    raw = nx_layout._fruchterman_reingold(  # type: ignore[attr-defined]
        matrix, iterations=60, seed=np.random.RandomState(20250130))
    raw = nx_layout.rescale_layout(raw, scale=scale)
    return {n: (round(float(x)), round(float(y))) for n, (x, y) in zip(order, raw, strict=True)}

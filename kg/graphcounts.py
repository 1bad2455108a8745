"""What ``kg build`` reports of the whole graph (facts, entities, triples, drafts), counted per named graph.

Each graph's counts are made once, when the graph is made (from the quads as the store gives them back), and kept
in the build state, so a build that changes one article adds up the kept counts instead of querying the whole
store. Counting per graph gives what queries over the union would give because a graph holds the statements
about its own nodes (an article, its facts and their draft flag are in the article's graph); entities are kept
as sets, since many articles mention the same ones. tests/test_build.py compares the totals with the queries.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from .vocab import NKG, OWL, RDF, SCHEMA, WIKIDATA_ENTITY, XSD

GraphCounts = dict[str, Any]   # as the build state keeps them (JSON)
WIKIDATA_ITEM = WIKIDATA_ENTITY + "Q"
_REPORTED_IN = f"{NKG}reportedIn"
_MENTIONS = {f"{NKG}subject", f"{NKG}attributedTo", f"{SCHEMA}mentions"}
_SAME_AS = f"{OWL}sameAs"
_TYPE, _DRAFT = f"{RDF}type", f"{NKG}draft"
_ARTICLE_NODE = NamedNode(f"{NKG}Article")
_BOOLEAN = NamedNode(f"{XSD}boolean")
FIELDS = ("quads", "facts", "draft_articles", "draft_facts")


def graph_counts(quads: Iterable[Quad], base: str) -> GraphCounts:
    """The counts of one graph: quads, facts (distinct subjects of nkg:reportedIn), entities (objects of
    nkg:subject, nkg:attributedTo, schema:mentions) and those with an owl:sameAs to a Wikidata item, draft
    articles (typed nkg:Article with nkg:draft true) and their facts. Entities are kept as ``_key`` names them
    (IRIs under ``base`` without it: most of the build state is these lists)."""
    total = 0
    reported: set[tuple[str, str]] = set()   # (fact, article it is reported in)
    entities: set[str] = set()
    linked: set[str] = set()
    articles: set[str] = set()
    drafts: set[str] = set()
    for quad in quads:
        total += 1
        predicate = quad.predicate.value
        obj = quad.object
        if predicate == _REPORTED_IN:
            reported.add((str(quad.subject), str(obj)))
        elif predicate in _MENTIONS:
            entities.add(_key(obj, base))
        elif predicate == _SAME_AS:
            if isinstance(obj, NamedNode) and obj.value.startswith(WIKIDATA_ITEM):
                linked.add(_key(quad.subject, base))
        elif predicate == _TYPE:
            if obj == _ARTICLE_NODE:
                articles.add(str(quad.subject))
        elif predicate == _DRAFT and isinstance(obj, Literal) and obj.value == "true" and obj.datatype == _BOOLEAN:
            drafts.add(str(quad.subject))
    draft_articles = articles & drafts
    return {"quads": total, "facts": len({fact for fact, _ in reported}), "draft_articles": len(draft_articles),
            "draft_facts": len({fact for fact, article in reported if article in draft_articles}),
            "entities": sorted(entities), "linked": sorted(linked)}


def _key(term: object, base: str) -> str:
    """A term as the counts keep it: "~" and the rest of an IRI under ``base``, any other IRI as it is, a blank
    node or literal in N-Triples form (an absolute IRI starts with a letter, so the three never meet)."""
    if isinstance(term, NamedNode):
        return "~" + term.value[len(base):] if term.value.startswith(base) else term.value
    return str(term)


def is_graph_counts(value: object) -> bool:
    """Whether ``value`` (read back from a build state, whose checksum holds) has the shape ``graph_counts``
    gives (the entity lists are not walked: the checksum already says the build wrote them)."""
    return (isinstance(value, dict) and all(type(value.get(name)) is int and value[name] >= 0 for name in FIELDS)
            and isinstance(value.get("entities"), list) and isinstance(value.get("linked"), list))


@dataclass
class Totals:
    quads: int = 0
    facts: int = 0
    entities: int = 0
    entities_without_wikidata: int = 0
    draft_articles: int = 0
    draft_facts: int = 0

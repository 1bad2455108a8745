"""Read what the network view needs from the store: facts and the resources they mention.

Everything is read with SPARQL over the union of the named graphs. Values supplied by the user (an article
id, a subject key) reach the queries as bound values, never as query text. Names are matched by local name
(``.../entity/KR``), so the view works with any base IRI.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..errors import InputError
from ..results import QueryResult
from ..terms import Term
from ..store import Store
from ..vocab import DCTERMS_TITLE as DCT_TITLE
from ..vocab import NKG, RDF_TYPE, RDFS_LABEL
from ..vocab import SKOS_ALT_LABEL as SKOS_ALT

# Classes of the resources the view draws, most specific first: a node takes the first class it has.
NODE_CLASSES = (
    "Person", "Publisher", "Company", "Organization", "Country", "CountryGroup", "Event", "Indicator",
    "Ranking", "RankingSeries", "Group", "Classification", "Article", "Unit", "Agent", "Place", "Source",
)
FACT_KINDS = {"Observation": "observation", "RankEntry": "rank", "GroupMembership": "membership"}

# Literal properties shown in a node's details (by local name), in display order.
DETAIL_PROPERTIES = (
    "isoCode", "jobTitle", "description", "year", "size", "tier", "issued", "language", "url", "dateNote",
    "unitKind", "code", "draft", "definedIn",
)
# Links between resources that the view draws as context edges (by local name).
RELATIONS = ("worksFor", "parentOrganization", "publisher")

# The view's queries, one .rq file each (kg/viz/queries/, packaged with the module; not saved queries).
QUERIES = Path(__file__).resolve().parent / "queries"


def query_text(name: str) -> str:
    """The text of ``kg/viz/queries/<name>.rq``."""
    return (QUERIES / f"{name}.rq").read_text(encoding="utf-8")


@dataclass
class Resource:
    """A thing the view may draw as a node, with what its details panel shows."""

    iri: str
    types: set[str] = field(default_factory=set)
    labels: dict[str, str] = field(default_factory=dict)      # language tag ("" untagged) -> label
    aliases: set[str] = field(default_factory=set)
    props: dict[str, set[str]] = field(default_factory=dict)  # local name -> literal values
    links: set[tuple[str, str]] = field(default_factory=set)  # (relation local name, target IRI)

    @property
    def cls(self) -> str:
        for name in NODE_CLASSES:
            if name in self.types:
                return name
        return "Other"


@dataclass
class Fact:
    """One fact as the view shows it; values are the literals' lexical forms."""

    iri: str
    kind: str
    subject: str
    target: str | None
    article: str
    source: str | None = None
    attribution: str | None = None
    value: str | None = None
    unit: str | None = None
    rank: str | None = None
    out_of: str | None = None
    period: str | None = None
    period_note: str | None = None
    approximate: bool = False
    as_written: str | None = None
    evidence: str | None = None
    eq_value: str | None = None
    eq_unit: str | None = None
    eq_approximate: bool = False
    defined_at: str | None = None
    note: str | None = None
    qualifier: str | None = None     # local name of the nkg:qualifier individual (LowerBound, Range, ...)
    value_high: str | None = None
    inferred: str | None = None      # why the fact was inferred (nkg:derivationNote)


def local_name(iri: str) -> str:
    """The last segment of an IRI (after ``#`` or ``/``)."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[cut + 1:] if cut >= 0 and cut + 1 < len(iri) else iri


def term_text(term: Term) -> str:
    """A term's string: the IRI of a named node, the lexical form of a literal, ``_:id`` for a blank node."""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def run(store: Store, name: str, params: dict[str, Term] | None = None) -> QueryResult:
    """Run the view's query ``name`` (kg/viz/queries/NAME.rq) with ``params`` bound."""
    return store.query(query_text(name), params, source=f"kg/viz/queries/{name}.rq")


def read_resources(store: Store) -> dict[str, Resource]:
    """Every entity, indicator, ranking, group, article and unit, with labels, aliases and details."""
    resources: dict[str, Resource] = {}
    for s, pred, o in run(store, "resources").rows:
        assert s is not None and pred is not None and o is not None   # the query binds all three
        p = pred.value
        iri = term_text(s)
        res = resources.get(iri)
        if res is None:
            res = resources[iri] = Resource(iri)
        if p == RDF_TYPE:
            if o.value.startswith(NKG):
                res.types.add(o.value[len(NKG):])
        elif p in (RDFS_LABEL, DCT_TITLE) and isinstance(o, ox.Literal):
            lang = o.language or ""
            # keep the smallest label per language, so a resource with two labels renders the same every time
            if lang not in res.labels or o.value < res.labels[lang]:
                res.labels[lang] = o.value
        elif p == SKOS_ALT and isinstance(o, ox.Literal):
            res.aliases.add(o.value)
        elif isinstance(o, ox.Literal):
            name = local_name(p)
            if name in DETAIL_PROPERTIES:
                res.props.setdefault(name, set()).add(o.value)
        elif isinstance(o, ox.NamedNode):
            name = local_name(p)
            if name in RELATIONS:
                res.links.add((name, o.value))
    return resources


def _flag(term: Term | None) -> bool:
    return term is not None and term.value in ("true", "1")


def _opt(term: Term | None) -> str | None:
    return None if term is None else term_text(term)


def _text(term: Term | None) -> str:
    """The text of a variable the query always binds (``""`` if it did not)."""
    return "" if term is None else term_text(term)


def read_facts(store: Store, *, article: str | None = None, subject: str | None = None) -> list[Fact]:
    """Facts, optionally only those reported in ``article`` or about ``subject`` (IRIs)."""
    params: dict[str, Term] = {}
    if article is not None:
        params["article"] = ox.NamedNode(article)
    if subject is not None:
        params["subject"] = ox.NamedNode(subject)
    facts: dict[str, Fact] = {}
    for row in run(store, "facts", params).bindings():
        iri = _text(row["fact"])
        if iri in facts:  # a second value of a single-valued property: keep the first, deterministically
            continue
        facts[iri] = Fact(
            iri=iri,
            kind=FACT_KINDS.get(local_name(_text(row["kind"])), "observation"),
            subject=_text(row["subject"]),
            target=_opt(row["target"]),
            article=_text(row["article"]),
            source=_opt(row["source"]),
            attribution=None if row["attribution"] is None else local_name(_text(row["attribution"])),
            value=_opt(row["value"]),
            unit=_opt(row["unit"]),
            rank=_opt(row["rank"]),
            out_of=_opt(row["outOf"]),
            period=_opt(row["period"]),
            period_note=_opt(row["periodNote"]),
            approximate=_flag(row["approximate"]),
            as_written=_opt(row["asWritten"]),
            evidence=_opt(row["evidence"]),
            eq_value=_opt(row["eqValue"]),
            eq_unit=_opt(row["eqUnit"]),
            eq_approximate=_flag(row["eqApproximate"]),
            defined_at=_opt(row["definedAt"]),
            note=_opt(row["note"]),
            qualifier=None if row["qualifier"] is None else local_name(_text(row["qualifier"])),
            value_high=_opt(row["valueHigh"]),
            inferred=_opt(row["inferred"]),
        )
    return [facts[k] for k in sorted(facts)]


def find_article(store: Store, article_id: str) -> str:
    """The IRI of the article with id ``article_id``; InputError when the store has none."""
    rows = run(store, "find-article", {"suffix": ox.Literal(f"/article/{article_id}")}).rows
    found = sorted(_text(r[0]) for r in rows)
    if not found:
        raise InputError(f"no article with id {article_id!r} in the store", hint="check the id with `kg query`")
    return found[0]


def find_subject(store: Store, key: str) -> str:
    """The IRI of the entity keyed ``key`` (registry key or ISO 3166 code, any case); InputError if none."""
    params: dict[str, Term] = {"suffix": ox.Literal(f"/entity/{key}"), "iso_code": ox.Literal(key.upper())}
    found = sorted(_text(r[0]) for r in run(store, "find-subject", params).rows)
    if not found:
        raise InputError(f"no entity with key or ISO code {key!r} in the store",
                         hint="use a registry key (tesla) or an ISO 3166 code (KR)")
    exact = [iri for iri in found if iri.endswith(f"/entity/{key}")]
    return (exact or found)[0]

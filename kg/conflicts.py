"""The conflicts graph: every cell whose figures disagree, computed when the store is written, for the saved query
`conflicting-figures` (docs/queries-performance.md says why).

A *cell* is a kind (observation or rank entry), a subject, a measure (an indicator in one unit, or a ranking
series in one edition: the *key*), a class (reported, target, forecast) and a period; a figure without a period
belongs to every period of its subject, measure, key and class, and to a cell of its own (period ""). Every figure
stands for an interval (a value v: [v, v]; a lower bound [v, +inf); an upper bound (-inf, v]; a range [v, high]),
and a cell is in conflict when its highest low end lies above its lowest high end. Its row shows the fact whose
high end is the lowest (a) and the one whose low end is the highest (b) (the last by fact IRI on a tie), the
number of facts in the cell and the number of different figures: what the saved query's portable text
(``queries/conflicting-figures.rq``) computes from the facts; its indexed text (``kg/index_queries/``) reads them
from here (``tests/test_conflicts.py`` compares both).

The graph (``<base>graph/conflicts``, terms in the ``nkgi:`` namespace, kg.vocab.NKGI) holds, per *block* (a kind,
subject and measure: the rows that are neighbours in the query's order), a node with the block's members (one
line per fact, ``nkgi:members``), the articles they come from (``nkgi:article``) and, when it has rows, its order
number (``nkgi:order``, spaced ``ORDER_STEP`` apart when numbered afresh), its sort key and how many rows it has;
and per row a node ``<block>/<n>`` with the row's values and its rank (order number * ``ROWS_PER_BLOCK`` + n), the
one integer the query sorts on. Computed whole, it is written block by block from sorted runs of its inputs
(kg.conflictruns: from the runs a build's validation batches write, or from the store's facts, ``refresh``), so
memory is bounded by the largest block; ``Index.make`` computes the same quads from every fact at once (the
reference the tests compare with); ``Index.update`` computes again only the blocks the changed articles' facts
were or are in (a new block takes an order number between its neighbours').
It is an index derived from the facts: the exports leave it out, a build brings it up to date and an update
through the endpoint computes it again (``refresh``), so it never describes facts the store no longer holds.

The same blocks (with a third kind, group memberships: subject and group) serve other saved queries: a block's
implied facts that no stated fact of the block backs (same key and figure: ``implied-only-facts``) and its
unattributed facts (``unsourced-facts``) are entries ``<base>conflict/i/<hash of the fact>`` and ``…/u/<hash>``
(``nkgi:impliedFact`` or ``nkgi:unattributedFact``, and ``nkgi:articleId``), computed again with the block and
written only where they differ. And the facts are counted per source
(``facts-per-source``): per source node (``nkg:none`` for none) its facts, stated and implied facts and articles
(``<base>conflict/source/<hash>``), and per article and source in 256 buckets of articles
(``<base>conflict/counts/<xx>``), from which a build takes its changed articles' part out of the totals. The graph's
layout has a version (``INDEX_VERSION``); a build computes a graph of another layout whole. Every block node also
names its subject, kind, measure and facts (``Layout._profile_quads``), which ``country-profile``'s indexed text
reads to find a country's facts of its first measures.
"""
from __future__ import annotations

import bisect
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from decimal import Decimal, InvalidOperation

import pyoxigraph
from pyoxigraph import Literal, NamedNode

from .mapping import Iris
from .vocab import DCTERMS, DEFAULT_BASE, NKG, NKGI, RDF_TYPE, XSD

if TYPE_CHECKING:
    from .store import KgStore, Store

# kind, subject, measure, key, class: the part of a cell shared by all its periods
Group = tuple[str, str, str, str, str]
# kind, subject, measure: the cells a build computes again together (their rows are neighbours in the order)
Block = tuple[str, str, str]
# a fact as the store gives it: kind, subject, measure, key, period ("" for none), fact, figure, qualifier IRI
# ("" for none), high figure (None), attribution IRI ("" for none). A group membership is a member of the block
# (membership, subject, group) with key its group and an empty string as figure: it never makes a cell, but the
# block tells whether an implied membership is backed by a stated one, and lists the unattributed ones.
Raw = tuple[str, str, str, str, str, str, Literal, str, Literal | None, str]
INFINITY = Decimal("Infinity")
ORDER_STEP = 1 << 20     # between two blocks' order numbers when they are numbered afresh
ROWS_PER_BLOCK = 1 << 16  # a row's rank: its block's order number times this, plus its place in the block

# Every observation and rank entry with what places it in a cell and its figure, one sub-select per pattern
# (docs/queries-performance.md, rule 12: hash joins of whole index scans)
MEMBERS = """
PREFIX nkg: <https://w3id.org/newskg/ontology#>
SELECT ?kind ?subjectNode ?measureNode ?key ?periodValue ?fact ?figure ?q ?figureHigh ?attribution ?source WHERE {
  {
    { SELECT ?fact WHERE { ?fact a nkg:Observation } }
    { SELECT ?fact ?measureNode WHERE { ?fact nkg:indicator ?measureNode } }
    { SELECT ?fact ?key WHERE { ?fact nkg:unit ?key } }
    { SELECT ?fact ?figure WHERE { ?fact nkg:value ?figure } }
    { SELECT ?fact ?subjectNode WHERE { ?fact nkg:subject ?subjectNode } }
    OPTIONAL { SELECT ?fact ?periodValue WHERE { ?fact nkg:period ?periodValue } }
    BIND("observation" AS ?kind)
  } UNION {
    { SELECT ?fact WHERE { ?fact a nkg:RankEntry } }
    { SELECT ?fact ?key WHERE { ?fact nkg:ranking ?key } }
    { SELECT ?fact ?figure WHERE { ?fact nkg:rank ?figure } }
    { SELECT ?fact ?subjectNode WHERE { ?fact nkg:subject ?subjectNode } }
    { SELECT ?key ?measureNode WHERE { ?key nkg:rankingSeries ?measureNode } }
    BIND("rank" AS ?kind)
  } UNION {
    { SELECT ?fact WHERE { ?fact a nkg:GroupMembership } }
    { SELECT ?fact ?key WHERE { ?fact nkg:group ?key } }
    { SELECT ?fact ?subjectNode WHERE { ?fact nkg:subject ?subjectNode } }
    BIND(?key AS ?measureNode)
    BIND("" AS ?figure)
    BIND("membership" AS ?kind)
  }
  OPTIONAL { SELECT ?fact ?q WHERE { ?fact nkg:qualifier ?q } }
  OPTIONAL { SELECT ?fact ?figureHigh WHERE { ?fact nkg:valueHigh ?figureHigh } }
  OPTIONAL { SELECT ?fact ?attribution WHERE { ?fact nkg:attribution ?attribution } }
  OPTIONAL { SELECT ?fact ?source WHERE { ?fact nkg:attributedTo ?source } }
}
"""

_CLASSES = {NKG + "Target": "target", NKG + "Forecast": "forecast"}
NONE = NKG + "none"   # the source of the facts whose article names none (facts-per-source)
# article node -> source (NONE for none) -> [facts, stated facts, implied facts]
Counts = defaultdict[str, defaultdict[str, list[int]]]
_IMPLIED, _STATED, _UNATTRIBUTED = NKG + "Implied", NKG + "Stated", NKG + "Unattributed"
INDEX_VERSION = 7   # the graph's layout: a build computes it whole when the store holds another
_UPPER, _LOWER = NKG + "UpperBound", NKG + "LowerBound"
_KIND_ORDER = {"observation": 1, "rank": 2, "membership": 3}   # country-profile's ?order of each kind
_NUMERIC = {XSD + name for name in ("decimal", "integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                    "positiveInteger", "nonPositiveInteger", "negativeInteger", "unsignedLong",
                                    "unsignedInt", "unsignedShort", "unsignedByte", "double", "float")}


@dataclass(frozen=True)
class Member:
    """One fact as a member of the cells of its group."""
    fact: str
    period: str          # "" when the fact has none
    figure: Literal
    low: Decimal
    high: Decimal


@dataclass(frozen=True)
class Cell:
    """A cell in conflict and the two facts the query shows for it."""
    group: Group
    period: str
    fact_a: str
    figure_a: Literal
    fact_b: str
    figure_b: Literal
    facts: int
    figures: int


Row = tuple[Any, ...]
# an entry of the index for implied-only-facts or unsourced-facts: its predicate's name and the fact
Entry = tuple[str, str]


def _number(term: object) -> Decimal | None:
    if not isinstance(term, Literal) or term.datatype.value not in _NUMERIC:
        return None
    try:
        return Decimal(term.value.strip().replace("INF", "Infinity"))
    except InvalidOperation:
        return None


def scan(db: pyoxigraph.Store) -> tuple[list[Raw], Counts]:
    """Every observation, rank entry and group membership of the store (its union graph), and the facts' counts
    per article and source."""
    solutions = db.query(MEMBERS, use_default_graph_as_union=True)
    assert isinstance(solutions, pyoxigraph.QuerySolutions)
    raws: list[Raw] = []
    attributed: dict[str, tuple[str, str]] = {}   # fact -> attribution, source
    append = raws.append
    for kind, subject, measure, key, period, fact, figure, q, high, attribution, source in solutions:
        if not isinstance(figure, Literal):
            continue
        name = fact.value
        how = "" if attribution is None else attribution.value
        append((kind.value, subject.value, measure.value, key.value, "" if period is None else period.value, name,
                figure, "" if q is None else q.value, high if isinstance(high, Literal) else None, how))
        if how:
            attributed[name] = (how, NONE if source is None else source.value)
    counts: Counts = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    for name, (how, source) in attributed.items():
        _count(counts, name, how, source)
    return raws, counts


def _count(counts: Counts, fact: str, attribution: str, source: str) -> None:
    row = counts[_article(fact)][source]
    row[0] += 1
    row[1] += attribution == _STATED
    row[2] += attribution == _IMPLIED


def graph_counts(db: pyoxigraph.Store, graphs: Iterable[str]) -> Counts:
    """The facts' counts per article and source of the named graphs ``graphs`` (a build's changed article
    graphs)."""
    counts: Counts = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    attribution_p, source_p = NamedNode(NKG + "attribution"), NamedNode(NKG + "attributedTo")
    for name in graphs:
        attributions: dict[str, list[str]] = defaultdict(list)
        sources: dict[str, list[str]] = defaultdict(list)
        for quad in db.quads_for_pattern(None, attribution_p, None, NamedNode(name)):
            attributions[_text(quad.subject)].append(_text(quad.object))
        for quad in db.quads_for_pattern(None, source_p, None, NamedNode(name)):
            sources[_text(quad.subject)].append(_text(quad.object))
        for fact, kinds in attributions.items():
            for attribution in kinds:
                for source in sources.get(fact) or [NONE]:
                    _count(counts, fact, attribution, source)
    return counts


def graph_members(db: pyoxigraph.Store, graphs: Iterable[str]) -> list[Raw]:
    """The observations and rank entries whose statements are in the named graphs ``graphs`` (a build's changed
    article graphs), read with a few lookups per graph; a rank entry's edition may be in another graph."""
    out: list[Raw] = []
    series_of: dict[str, list[str]] = {}
    for name in graphs:
        facts: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        for quad in db.quads_for_pattern(None, None, None, NamedNode(name)):
            if isinstance(quad.subject, NamedNode) and quad.predicate.value in _READ:
                facts[quad.subject.value][quad.predicate.value].append(quad.object)
        for fact, values in facts.items():
            types = {t.value for t in values[_TYPE]}
            attributions = [a.value for a in values[NKG + "attribution"] if isinstance(a, NamedNode)] or [""]
            if NKG + "GroupMembership" in types:
                out += [("membership", subject.value, group.value, group.value, "", fact, _EMPTY, "", None,
                         attribution) for attribution in attributions for group in values[NKG + "group"]
                        for subject in values[NKG + "subject"]]
            for kind, measures in (("observation", values[NKG + "indicator"]), ("rank", values[NKG + "ranking"])):
                if NKG + ("Observation" if kind == "observation" else "RankEntry") not in types:
                    continue
                keys = values[NKG + "unit"] if kind == "observation" else values[NKG + "ranking"]
                figures = values[NKG + "value"] if kind == "observation" else values[NKG + "rank"]
                periods = [p.value for p in values[NKG + "period"]] if kind == "observation" else []
                for key in keys:
                    if kind == "observation":
                        pairs = [(measure.value, key.value) for measure in measures]
                    else:
                        if key.value not in series_of:
                            series_of[key.value] = [_text(q.object) for q in db.quads_for_pattern(
                                key, NamedNode(NKG + "rankingSeries"), None, None)]
                        pairs = [(series, key.value) for series in series_of[key.value]]
                    for measure, key_value in pairs:
                        for subject in values[NKG + "subject"]:
                            for figure in figures:
                                for period in periods or [""]:
                                    for q in values[NKG + "qualifier"] or [None]:
                                        for high in values[NKG + "valueHigh"] or [None]:
                                            if isinstance(figure, Literal):
                                                out += [(kind, subject.value, measure, key_value, period, fact,
                                                         figure, q.value if q is not None else "",
                                                         high if isinstance(high, Literal) else None, attribution)
                                                        for attribution in attributions]
    return out


_TYPE = RDF_TYPE
_READ = {_TYPE, *(NKG + p for p in ("indicator", "unit", "value", "subject", "period", "ranking", "rank",
                                     "qualifier", "valueHigh", "group", "attribution"))}
_EMPTY = Literal("")


_DATATYPES = {XSD + "decimal": "", XSD + "integer": "i", XSD + "string": "s"}
_ATTRIBUTIONS = {_IMPLIED: "I", _STATED: "S", _UNATTRIBUTED: "U", "": ""}
_ATTRIBUTION_NAMES = {short: full for full, short in _ATTRIBUTIONS.items()}
_DATATYPE_NAMES = {short: full for full, short in _DATATYPES.items()}


def _datatype(name: str) -> NamedNode:
    return NamedNode(_DATATYPE_NAMES.get(name, name))


def _encode_members(block: Block, raws: Iterable[Raw]) -> str:
    """A block's members as text: the block, then one line per fact (the usual datatypes and nkg: qualifiers
    abbreviated: this text is most of the graph)."""
    lines = []
    for _kind, _subject, _measure, key, period, fact, figure, q, high, attribution in raws:
        lines.append("\t".join((key, period, fact, figure.value, _DATATYPES.get(figure.datatype.value,
                                                                                figure.datatype.value),
                                q[len(NKG) - 1:] if q.startswith(NKG) else q, "" if high is None else high.value,
                                "-" if high is None else _DATATYPES.get(high.datatype.value, high.datatype.value),
                                _ATTRIBUTIONS.get(attribution, attribution))))
    return "\t".join(block) + "\n" + "\n".join(sorted(lines))


def _decode_members(text: str) -> list[Raw]:
    head, _, body = text.partition("\n")
    kind, subject, measure = head.split("\t")
    out: list[Raw] = []
    for line in body.split("\n") if body else []:
        key, period, fact, value, datatype, q, high, high_type, attribution = line.split("\t")
        out.append((kind, subject, measure, key, period, fact, Literal(value, datatype=_datatype(datatype)),
                    NKG[:-1] + q if q.startswith("#") else q,
                    None if high_type == "-" else Literal(high, datatype=_datatype(high_type)),
                    _ATTRIBUTION_NAMES.get(attribution, attribution)))
    return out


def by_group(raws: Iterable[Raw]) -> dict[Group, list[Member]]:
    """The members of each group; facts whose figures are not numbers are left out (the shapes require them)."""
    out: dict[Group, list[Member]] = defaultdict(list)
    for kind, subject, measure, key, period, fact, figure, qualifier, high_term, _attribution in raws:
        figure_value = _number(figure)
        high_value = _number(high_term) if high_term is not None else None
        if figure_value is None or (high_term is not None and high_value is None):
            continue
        low = -INFINITY if qualifier == _UPPER else figure_value
        high = INFINITY if qualifier == _LOWER else (high_value if high_value is not None else figure_value)
        group = (kind, subject, measure, key, _CLASSES.get(qualifier, ""))
        out[group].append(Member(fact, period, figure, low, high))
    return out


def cells(group: Group, facts: list[Member]) -> list[Cell]:
    """The cells of one group that are in conflict."""
    out = []
    for period in sorted({m.period for m in facts}):
        inside = [m for m in facts if m.period == period or m.period == ""]
        lowest_high = min(m.high for m in inside)
        highest_low = max(m.low for m in inside)
        if not highest_low > lowest_high:
            continue
        a = max((m for m in inside if m.high == lowest_high), key=lambda m: m.fact)
        b = max((m for m in inside if m.low == highest_low), key=lambda m: m.fact)
        figures = {(m.figure.value, m.figure.datatype.value) for m in inside}
        out.append(Cell(group, period, a.fact, a.figure, b.fact, b.figure, len({m.fact for m in inside}),
                        len(figures)))
    return out


def implied_only(raws: Iterable[Raw]) -> list[str]:
    """The implied facts of one block that no stated fact backs (what ``implied-only-facts`` lists): none of the
    block's stated facts gives the same figure (value, rank or group) for the same key (unit, edition or group)."""
    raws = list(raws)
    stated = {(r[3], r[6]) for r in raws if r[9] == _STATED}
    return sorted({r[5] for r in raws if r[9] == _IMPLIED} - {r[5] for r in raws if r[9] == _IMPLIED
                                                                and (r[3], r[6]) in stated})


def _bucket(article: str) -> str:
    """The bucket of an article's counts (256 of them)."""
    return hashlib.sha256(article.encode()).hexdigest()[:2]


def _totals(articles: Iterable[dict[str, list[int]]],
            totals: dict[str, list[int]] | None = None) -> dict[str, list[int]]:
    """Per source: facts, stated facts, implied facts, articles; added to ``totals`` when given (a caller counting
    the articles bucket by bucket)."""
    if totals is None:
        totals = defaultdict(lambda: [0, 0, 0, 0])
    for counts in articles:
        for source, (n, stated, implied) in counts.items():
            row = totals[source]
            row[0] += n
            row[1] += stated
            row[2] += implied
            row[3] += 1
    return totals


def entries(raws: Iterable[Raw]) -> set[Entry]:
    """A block's entries: its implied facts no stated fact backs and its unattributed facts."""
    raws = list(raws)
    return {*(("impliedFact", fact) for fact in implied_only(raws)),
            *(("unattributedFact", r[5]) for r in raws if r[9] == _UNATTRIBUTED)}


def _order_number(term: Literal) -> Decimal:
    value = _number(term)
    assert value is not None, "a member's figure is a number"
    return value


def block_rows(raws: Iterable[Raw], ids: dict[str, str]) -> list[Row]:
    """The query's rows of one block's facts (none for a subject or measure without an identifier, as the
    query's join), without duplicates, in the query's order: figure a, figure b, fact a, fact b, facts (the rest
    only makes the order total)."""
    out = set()
    grouped = by_group(raws)
    for group in grouped:
        for cell in cells(group, grouped[group]):
            _kind, subject, measure, _key, _class = cell.group
            if subject in ids and measure in ids:
                out.add((_order_number(cell.figure_a), _order_number(cell.figure_b), cell.fact_a, cell.fact_b,
                         cell.facts, cell.figures, str(cell.figure_a), str(cell.figure_b), cell.figure_a,
                         cell.figure_b))
    return sorted(out, key=lambda row: row[:8])


def identifiers(db: pyoxigraph.Store, nodes: Iterable[str] | None = None) -> dict[str, str]:
    """The dcterms:identifier of every node (or of ``nodes``); kg.mapping gives each entry exactly one."""
    predicate = NamedNode(DCTERMS + "identifier")
    if nodes is None:
        quads: Iterable[pyoxigraph.Quad] = db.quads_for_pattern(None, predicate, None, None)
    else:
        quads = (q for node in set(nodes) for q in db.quads_for_pattern(NamedNode(node), predicate, None, None))
    out: dict[str, str] = {}
    for quad in quads:
        if isinstance(quad.subject, NamedNode) and isinstance(quad.object, Literal):
            known = out.get(quad.subject.value)
            out[quad.subject.value] = _text(quad.object) if known is None else min(known, _text(quad.object))
    return out


def _text(term: object) -> str:
    """A term's value (an IRI, a literal's lexical form); a quoted triple, which kg never writes, as its text."""
    return term.value if isinstance(term, (NamedNode, Literal, pyoxigraph.BlankNode)) else str(term)


def _article(fact: str) -> str:
    """The article node a fact belongs to (kg.mapping.Iris.fact: ``<article>/fact/<id>``)."""
    return fact.rpartition("/fact/")[0]


class Layout:
    """The quads of the conflicts graph's nodes (kg.conflictruns writes a graph with them, block by block)."""

    def __init__(self, iris: Iris) -> None:
        self.graph = iris.conflicts_graph()
        self.node_base = iris.base + "conflict/"
        self._predicates: dict[str, NamedNode] = {}

    def _block_node(self, block: Block) -> NamedNode:
        return NamedNode(self.node_base + hashlib.sha256("\x1f".join(block).encode()).hexdigest()[:32])

    def _p(self, name: str) -> NamedNode:
        known = self._predicates.get(name)
        if known is None:
            known = self._predicates[name] = NamedNode(NKGI + name)
        return known

    def _quads(self, block: Block, raws: list[Raw], rows: list[Row], order: int | None,
               ids: dict[str, str], *, ranks: bool = True) -> list[pyoxigraph.Quad]:
        """A block's quads; its rows' when it has an ``order`` number. Without ``ranks`` its rows' quads but for
        the order number and the rows' ranks (``_rank_quads``: kg.conflictruns writes them once every block's
        order is known)."""
        node, graph, p = self._block_node(block), self.graph, self._p
        kind, subject, measure = block
        out = [pyoxigraph.Quad(node, p("members"), Literal(_encode_members(block, raws)), graph)]
        out += [pyoxigraph.Quad(node, p("article"), NamedNode(a), graph) for a in sorted({_article(r[5]) for r in raws})]
        out += self._profile_quads(node, block, raws)
        if rows and (order is not None or not ranks):
            if order is not None and ranks:
                out += self._rank_quads(block, order, 0)
            out.append(pyoxigraph.Quad(node, p("rows"), Literal(len(rows)), graph))
            out.append(pyoxigraph.Quad(node, p("sortKey"), Literal("\t".join((kind, ids[subject], ids[measure]))),
                                       graph))
            for number, row in enumerate(rows, start=1):
                fact_a, fact_b, facts, figures, figure_a, figure_b = row[2], row[3], row[4], row[5], row[8], row[9]
                cell = NamedNode(f"{node.value}/{number}")
                if order is not None and ranks:
                    out.append(pyoxigraph.Quad(cell, p("rank"), Literal(order * ROWS_PER_BLOCK + number), graph))
                for predicate, value in (("kind", Literal(kind)),
                                         ("subject", NamedNode(subject)), ("subjectId", Literal(ids[subject])),
                                         ("measure", NamedNode(measure)), ("measureId", Literal(ids[measure])),
                                         ("factA", NamedNode(fact_a)), ("figureA", figure_a),
                                         ("factB", NamedNode(fact_b)), ("figureB", figure_b),
                                         ("facts", Literal(facts)), ("figures", Literal(figures))):
                    out.append(pyoxigraph.Quad(cell, p(predicate), value, graph))
        return out

    def _profile_quads(self, node: NamedNode, block: Block, raws: list[Raw]) -> list[pyoxigraph.Quad]:
        """What ``country-profile``'s indexed text reads of a block: its subject, its kind's place in the query's
        order (``nkgi:kindOrder``: 1 observation, 2 rank, 3 membership), its measure (the group of a membership)
        and each of its facts (``nkgi:member``), so that a first page finds the country's facts of its first
        measures without reading every fact of the country (docs/queries-performance.md)."""
        kind, subject, measure = block
        graph, p = self.graph, self._p
        out = [pyoxigraph.Quad(node, p("blockSubject"), NamedNode(subject), graph),
               pyoxigraph.Quad(node, p("kindOrder"), Literal(_KIND_ORDER[kind]), graph),
               pyoxigraph.Quad(node, p("blockMeasure"), NamedNode(measure), graph)]
        out += [pyoxigraph.Quad(node, p("member"), NamedNode(fact), graph) for fact in sorted({r[5] for r in raws})]
        return out

    def _rank_quads(self, block: Block, order: int, rows: int) -> list[pyoxigraph.Quad]:
        """A block's order number and the ranks of its first ``rows`` rows."""
        node, graph, p = self._block_node(block), self.graph, self._p
        out = [pyoxigraph.Quad(node, p("order"), Literal(order), graph)]
        out += [pyoxigraph.Quad(NamedNode(f"{node.value}/{number}"), p("rank"),
                                Literal(order * ROWS_PER_BLOCK + number), graph) for number in range(1, rows + 1)]
        return out

    def _entry_node(self, entry: Entry) -> NamedNode:
        return NamedNode(self.node_base + entry[0][0] + "/" + hashlib.sha256(entry[1].encode()).hexdigest()[:32])

    def _entry_quads(self, entries: Iterable[Entry], ids: dict[str, str]) -> list[pyoxigraph.Quad]:
        """An entry of implied-only-facts or unsourced-facts: the fact and its article's identifier."""
        out = []
        for entry in sorted(entries):
            article = ids.get(_article(entry[1]))
            if article is not None:
                node = self._entry_node(entry)
                out.append(pyoxigraph.Quad(node, self._p(entry[0]), NamedNode(entry[1]), self.graph))
                out.append(pyoxigraph.Quad(node, self._p("articleId"), Literal(article), self.graph))
                out.append(self._entry_page_quad(node, entry, article))
        return out

    def _entry_page_quad(self, node: NamedNode, entry: Entry, article: str) -> pyoxigraph.Quad:
        """The entry's article identifier once more, under a predicate of its kind's own (``nkgi:impliedArticle``,
        ``nkgi:unattributedArticle``): one index scan then lists the articles of one kind's entries, which the page
        narrowers of ``implied-only-facts`` and ``unsourced-facts`` sort (docs/queries-performance.md)."""
        return pyoxigraph.Quad(node, self._p(entry[0].removesuffix("Fact") + "Article"), Literal(article), self.graph)

    def _version(self) -> pyoxigraph.Quad:
        return pyoxigraph.Quad(NamedNode(self.node_base + "index"), self._p("version"), Literal(INDEX_VERSION),
                               self.graph)

    def _source_node(self, source: str) -> NamedNode:
        return NamedNode(self.node_base + "source/" + hashlib.sha256(source.encode()).hexdigest()[:32])

    def _bucket_node(self, bucket: str) -> NamedNode:
        return NamedNode(self.node_base + "counts/" + bucket)

    def _bucket_quad(self, bucket: str, articles: dict[str, dict[str, list[int]]]) -> pyoxigraph.Quad:
        """The facts of a bucket's articles counted per article and source, kept so that a build can take an
        article's part out of the totals (one node per bucket of articles: fewer quads than one per article)."""
        lines = "\n".join(f"{article}\t{source}\t{n}\t{stated}\t{implied}" for article in sorted(articles)
                          for source, (n, stated, implied) in sorted(articles[article].items()))
        return pyoxigraph.Quad(self._bucket_node(bucket), self._p("sourceCounts"), Literal(lines), self.graph)

    def _source_quads(self, totals: dict[str, list[int]]) -> list[pyoxigraph.Quad]:
        """Per source (NONE for none): its facts, stated facts, implied facts and articles (facts-per-source)."""
        out = []
        for source, values in sorted(totals.items()):
            if values[0] <= 0:
                continue
            node = self._source_node(source)
            out.append(pyoxigraph.Quad(node, self._p("countedSource"), NamedNode(source), self.graph))
            for name, value in zip(("sourceFacts", "sourceStated", "sourceImplied", "sourceArticles"), values,
                                   strict=True):
                out.append(pyoxigraph.Quad(node, self._p(name), Literal(value), self.graph))
        return out


class Index(Layout):
    """The conflicts graph of a store being written: made whole (``make``) or brought up to date for some
    articles (``update``)."""

    def __init__(self, db: pyoxigraph.Store, iris: Iris) -> None:
        super().__init__(iris)
        self.db = db

    def current(self) -> bool:
        """Whether the store's graph has this code's layout (else it must be made whole)."""
        return any(True for _ in self.db.quads_for_pattern(*self._version()))

    def make(self) -> list[pyoxigraph.Quad]:
        """The whole graph, from every fact of the store."""
        blocks: dict[Block, list[Raw]] = defaultdict(list)
        raws, counts = scan(self.db)
        for raw in raws:
            blocks[raw[:3]].append(raw)
        del raws
        ids = identifiers(self.db)
        made = {block: block_rows(raws, ids) for block, raws in blocks.items()}
        keyed = sorted((block[0], ids[block[1]], ids[block[2]], block) for block, rows in made.items() if rows)
        orders = {item[3]: (number + 1) * ORDER_STEP for number, item in enumerate(keyed)}
        out = [self._version()]
        for block in sorted(blocks):
            out += self._quads(block, blocks[block], made[block], orders.get(block), ids)
        out += self._entry_quads({entry for raws in blocks.values() for entry in entries(raws)}, ids)
        buckets: dict[str, dict[str, dict[str, list[int]]]] = defaultdict(dict)
        for article, by_source in counts.items():
            buckets[_bucket(article)][article] = by_source
        out += [self._bucket_quad(bucket, buckets[bucket]) for bucket in sorted(buckets)]
        out += self._source_quads(_totals(counts.values()))
        return out

    def _update_counts(self, gone: set[str], graphs: Iterable[str]) -> tuple[set[pyoxigraph.Quad], set[pyoxigraph.Quad]]:
        """The quads of the per-source counts before and after the articles ``gone`` were replaced by ``graphs``."""
        before: set[pyoxigraph.Quad] = set()
        old: dict[str, dict[str, list[int]]] = defaultdict(dict)   # the gone articles' counts
        kept: dict[str, dict[str, dict[str, list[int]]]] = defaultdict(dict)   # bucket -> the others'
        fresh = graph_counts(self.db, graphs)
        for bucket in sorted({_bucket(article) for article in gone | set(fresh)}):
            kept[bucket] = {}
            for held in self.db.quads_for_pattern(self._bucket_node(bucket), self._p("sourceCounts"), None,
                                                  self.graph):
                before.add(held)
                for line in _text(held.object).split("\n"):
                    if line:
                        article, source, *numbers = line.split("\t")
                        into = old if article in gone else kept[bucket]
                        into.setdefault(article, {})[source] = [int(n) for n in numbers]
        totals: dict[str, list[int]] = {}   # the sources these articles count facts of: their totals now
        for source in sorted({source for articles in (old, fresh) for counts in articles.values() for source in counts}):
            values: dict[str, Any] = {}
            for quad in self.db.quads_for_pattern(self._source_node(source), None, None, self.graph):
                before.add(quad)
                values[quad.predicate.value[len(NKGI):]] = quad.object
            totals[source] = [int(_text(values[name])) if name in values else 0 for name in (
                "sourceFacts", "sourceStated", "sourceImplied", "sourceArticles")]
        for sign, articles in ((-1, old), (1, fresh)):
            for counts in articles.values():
                for source, (n, stated, implied) in counts.items():
                    row = totals.setdefault(source, [0, 0, 0, 0])
                    for index, value in enumerate((n, stated, implied, 1)):
                        row[index] += sign * value
        after = set(self._source_quads(totals))
        for article, by_source in fresh.items():
            kept[_bucket(article)][article] = by_source
        after.update(self._bucket_quad(bucket, articles) for bucket, articles in kept.items() if articles)
        return before, after

    def update(self, articles: Iterable[str], graphs: Iterable[str]) -> int | None:
        """Bring the graph up to date after the graphs of ``articles`` (article node IRIs: changed or removed)
        were replaced by ``graphs`` (the changed ones, as the store now holds them): every block a fact of
        theirs was or is in is computed again from its other members (kept in the graph) and theirs. False
        (nothing written) when the blocks' order numbers leave no room for a new block: then ``make`` it."""
        db, graph, p = self.db, self.graph, self._p
        gone, graphs = set(articles), list(graphs)
        fresh: dict[Block, list[Raw]] = defaultdict(list)
        for raw in graph_members(db, graphs):
            fresh[raw[:3]].append(raw)
        nodes = {self._block_node(block): block for block in fresh}
        touched: dict[str, list[Raw]] = {}   # block node -> its members now
        for article in gone:
            for quad in db.quads_for_pattern(None, p("article"), NamedNode(article), graph):
                assert isinstance(quad.subject, NamedNode)
                touched[quad.subject.value] = []
        for node in nodes:
            touched.setdefault(node.value, [])
        old: dict[str, tuple[list[pyoxigraph.Quad], int | None, int]] = {}
        old_entries: set[Entry] = set()
        for name in touched:
            node = NamedNode(name)
            quads = list(db.quads_for_pattern(node, None, None, graph))
            order = rows = None
            for quad in quads:
                if quad.predicate == p("members") and _text(quad.object):
                    members = _decode_members(_text(quad.object))
                    old_entries |= entries(members)
                    touched[name] = [r for r in members if _article(r[5]) not in gone]
                elif quad.predicate == p("order"):
                    order = int(_text(quad.object))
                elif quad.predicate == p("rows"):
                    rows = int(_text(quad.object))
            for number in range(1, (rows or 0) + 1):
                quads += db.quads_for_pattern(NamedNode(f"{name}/{number}"), None, None, graph)
            old[name] = (quads, order, rows or 0)
        for node, block in nodes.items():
            touched[node.value] += fresh[block]
        blocks = {name: raws[0][:3] for name, raws in touched.items() if raws}
        new_entries = {entry for raws in touched.values() for entry in entries(raws)}
        ids = identifiers(db, [*(n for block in blocks.values() for n in block[1:]),
                               *(_article(fact) for _name, fact in new_entries - old_entries)])
        made = {name: block_rows(raws, ids) for name, raws in touched.items() if raws}
        orders: dict[str, int] = {}
        new_blocks = [name for name, rows in made.items() if rows and old[name][1] is None]
        if new_blocks:
            placed = self._placed(exclude={name for name in touched if not made.get(name)})
            for name in new_blocks:
                block = blocks[name]
                key = (block[0], ids[block[1]], ids[block[2]])
                at = bisect.bisect(placed, (key, 0))
                low = placed[at - 1][1] if at > 0 else 0
                high = placed[at][1] if at < len(placed) else low + 2 * ORDER_STEP
                if high - low < 2 or (high - 1) * ROWS_PER_BLOCK >= 1 << 62:
                    return None
                orders[name] = (low + high) // 2
                placed.insert(at, (key, orders[name]))
        for name, (_quads, order, _rows) in old.items():
            if order is not None and made.get(name):
                orders[name] = order
        if any(len(rows) >= ROWS_PER_BLOCK for rows in made.values()):
            return None
        # only what differs is written: rows before the first changed one keep their quads
        before, after = self._update_counts(gone, graphs)
        # the entries that came or went (an entry's node follows from its fact alone)
        for entry in old_entries - new_entries:
            before.update(db.quads_for_pattern(self._entry_node(entry), None, None, graph))
        after.update(self._entry_quads(new_entries - old_entries, ids))
        before.update(quad for quads, _order, _rows in old.values() for quad in quads)
        after.update(quad for name, raws in touched.items() if raws
                     for quad in self._quads(blocks[name], raws, made[name], orders.get(name), ids))
        removed, added = before - after, after - before
        for quad in removed:
            db.remove(quad)
        db.extend(added)
        return len(added) - len(removed)

    def _placed(self, exclude: set[str]) -> list[tuple[tuple[str, ...], int]]:
        """The blocks that have rows, as (sort key, order number), sorted (those in ``exclude`` left out)."""
        keys = {_text(q.subject): tuple(_text(q.object).split("\t"))
                for q in self.db.quads_for_pattern(None, self._p("sortKey"), None, self.graph)}
        out = [(keys[_text(q.subject)], int(_text(q.object)))
               for q in self.db.quads_for_pattern(None, self._p("order"), None, self.graph)
               if _text(q.subject) in keys and _text(q.subject) not in exclude]
        return sorted(out)


def refresh(store: KgStore, iris: Iris | None = None) -> int:
    """Compute the conflicts graph of a store being written (a build's or an update's new version) again from
    every fact it holds now, replacing the one it holds, block by block from sorted runs (kg.conflictruns: memory
    bounded by the largest block, not the store); its number of quads."""
    from .conflictruns import refresh as from_runs   # kg.conflictruns builds on this module
    return from_runs(store, iris or Iris(store.base or DEFAULT_BASE))


def current(store: Store, iris: Iris) -> bool:
    """Whether the store's conflicts graph has this code's layout (``INDEX_VERSION``): a build computes one of
    another layout whole."""
    return Index(store.db, iris).current()


def count(store: Store, iris: Iris) -> int:
    """The conflicts graph's number of quads, counted by the store (0.2 s at 10,000 articles: a build keeps it
    in its state instead)."""
    result = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iris.conflicts_graph().value}> {{ ?s ?p ?o }} }}")
    value = result.rows[0][0]
    return int(value.value) if isinstance(value, Literal) else 0


def bring_up_to_date(store: KgStore, iris: Iris, articles: list[str], graphs: list[str], *, whole: bool,
                     known: int | None) -> int:
    """After a build replaced the graphs of ``articles`` (ids; ``graphs``: the changed ones' graph IRIs): the
    conflicts graph computed again for the blocks they touch, or whole (``whole``, or when there is none yet, or
    when the order numbers need to be given afresh). Its number of quads (``known``: what it was, if known)."""
    if whole or not store.has_graph(iris.conflicts_graph().value) or not Index(store.db, iris).current():
        return refresh(store, iris)
    delta = Index(store.db, iris).update([iris.article(a).value for a in articles], graphs)
    if delta is None:
        return refresh(store, iris)
    return known + delta if known is not None else count(store, iris)

"""Map the typed model to RDF: deterministic IRIs, one named graph per article, provenance on every fact.

The output is plain lists of pyoxigraph quads keyed by graph IRI; the store and the exporters take it from there.
The IRI scheme and the vocabulary are described in docs/model.md.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar
from urllib.parse import quote, unquote, urlsplit

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from .errors import InputError, Location
from .model import Article, Entity, Fact, Labels, Registry, display_name, romanised

from .vocab import DCTERMS, DEFAULT_BASE, NKG, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, WIKIDATA_ENTITY, XSD

T = TypeVar("T")

ENTITY_CLASS = {
    "country": "Country", "company": "Company", "organization": "Organization", "person": "Person",
    "country-group": "CountryGroup", "event": "Event", "publisher": "Publisher",
}
FACT_CLASS = {"observation": "Observation", "rank": "RankEntry", "membership": "GroupMembership"}
ATTRIBUTION_INDIVIDUAL = {"stated": "Stated", "implied": "Implied", "none": "Unattributed"}
QUALIFIER_INDIVIDUAL = {"lower-bound": "LowerBound", "upper-bound": "UpperBound", "range": "Range",
                        "target": "Target", "forecast": "Forecast", "estimate": "Estimate"}


@dataclass(frozen=True)
class LabelWords:
    """How a fact's label reads in one language, the names of its subject, measure and unit filled in."""

    qualifiers: dict[str, str]   # before a qualified figure ("at least 10000 GPUs"; a range has no word)
    about: str                   # before an approximate figure
    dash: str                    # between the ends of a range
    tight_units: bool            # a one-word unit name follows the figure with no space (3400대)
    rank: str                    # a rank: {approx} {rank} {of}
    of: str                      # the number of places ranked: {n}


# The languages a fact's label can be written in (docs/model.md, "Fact labels"); English is the default.
LABEL_WORDS = {
    "en": LabelWords({"lower-bound": "at least ", "upper-bound": "at most ", "range": "", "target": "target ",
                      "forecast": "forecast ", "estimate": "estimated "},
                     "about ", "–", False, "rank {approx}{rank}{of}", " of {n}"),
    "ko": LabelWords({"lower-bound": "최소 ", "upper-bound": "최대 ", "range": "", "target": "목표 ",
                      "forecast": "전망 ", "estimate": "추정 "},
                     "약 ", "~", True, "{of}{approx}{rank}위", "{n}개 중 "),
}
# The tag of a label with names in a language no LABEL_WORDS entry writes (the English words around them)
MIXED_LANGUAGES = "mul"


@functools.cache   # the vocabulary's few hundred terms, asked for on every quad
def n(term: str) -> NamedNode:
    return NamedNode(NKG + term)


TYPE = NamedNode(RDF + "type")
LABEL = NamedNode(RDFS + "label")
ALT_LABEL = NamedNode(SKOS + "altLabel")
HIDDEN_LABEL = NamedNode(SKOS + "hiddenLabel")
DESCRIPTION = NamedNode(DCTERMS + "description")
NOTE = NamedNode(SKOS + "note")
IDENTIFIER = NamedNode(DCTERMS + "identifier")


def decimal_lexical(value: Decimal) -> str:
    """A canonical xsd:decimal lexical form: no exponent, no trailing zeros after the point."""
    text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".") or "0"
    if text in ("-0", ""):
        text = "0"
    return text


def lit_decimal(value: Decimal) -> Literal:
    return Literal(decimal_lexical(value), datatype=NamedNode(XSD + "decimal"))


def lit_int(value: int, datatype: str = "integer") -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + datatype))


def lit_bool(value: bool) -> Literal:
    return Literal("true" if value else "false", datatype=NamedNode(XSD + "boolean"))


def lit_str(value: str) -> Literal:
    return Literal(value)


def lit_lang(value: str, lang: str) -> Literal:
    return Literal(value, language=lang)


def format_decimal(value: Decimal) -> str:
    return decimal_lexical(value)


_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]')


def check_base(base: str) -> str:
    """``base`` when it can prefix every IRI a build mints; InputError (at ``--base``) otherwise.

    It must be an absolute IRI (a scheme, and a host for http(s)), hold no space or character IRIs forbid, and
    end with '/': keys are appended as path segments (``entity/KR``, ``graph/article/<id>``). A base ending in
    '#' is refused here, before anything is read: every IRI would then be a fragment of one document, and
    tools that recognise our IRIs by their path (``…/entity/KR``) would not find them."""
    def refuse(why: str, hint: str = "e.g. https://w3id.org/newskg/id/") -> InputError:
        return InputError(f"base IRI {base!r} {why}", location=Location("--base"), hint=hint)

    if not _SCHEME_RE.match(base):
        raise refuse("is not an absolute IRI (it has no scheme such as https:)")
    bad = _NOT_IN_IRI.search(base)
    if bad:
        raise refuse(f"contains {'a space' if bad.group() == ' ' else f'the character U+{ord(bad.group()):04X}'}, "
                     "which IRIs may not hold")
    if base.endswith("#"):
        raise refuse("ends with '#'; kg mints IRIs as paths under the base (entity/KR, graph/article/…), so it "
                     "must end with '/'", hint=f"e.g. {base[:-1]}/")
    if not base.endswith("/"):
        raise refuse("must end with '/'")
    try:
        parts = urlsplit(base)
        if parts.scheme.lower() in ("http", "https") and not parts.hostname:
            raise refuse("has no host")
        NamedNode(base + "x")
    except ValueError as exc:
        raise refuse(f"is not a valid IRI ({exc})") from None
    return base


@functools.lru_cache(maxsize=1 << 16)
def _quote_part(part: str) -> str:
    # the same keys (entities, indicators, "article", "fact") are quoted over and over: urllib's quote was half
    # of the mapping time of a large build
    return quote(part, safe="-_.~")


@dataclass(frozen=True)
class Iris:
    """All IRIs under one base. Keys are percent-encoded so any slug stays a valid IRI."""

    base: str = DEFAULT_BASE

    def __post_init__(self) -> None:
        check_base(self.base)

    def _iri(self, *parts: str) -> NamedNode:
        return NamedNode(self.base + "/".join(map(_quote_part, parts)))

    def entity(self, key: str) -> NamedNode:
        return self._iri("entity", key)

    def indicator(self, key: str) -> NamedNode:
        return self._iri("indicator", key)

    def unit(self, key: str) -> NamedNode:
        return self._iri("unit", key)

    def ranking_series(self, key: str) -> NamedNode:
        return self._iri("ranking", key)

    def ranking(self, key: str, year: int | None, article_id: str | None = None) -> NamedNode:
        """A ranking edition: ``ranking/{key}/{year}``; an undated one is ``ranking/{key}/undated/{article}``
        (the edition one article reports), or ``ranking/{key}/undated`` when the registry says the series has
        one edition (``article_id`` None)."""
        if year is not None:
            return self._iri("ranking", key, str(year))
        return self._iri("ranking", key, "undated", *([article_id] if article_id else []))

    def classification(self, key: str) -> NamedNode:
        return self._iri("classification", key)

    def classification_edition(self, key: str, year: int | None, article_id: str | None = None) -> NamedNode:
        """A classification edition: ``classification/{key}/edition/{year}``, or ``…/edition/undated/{article}``
        (``…/edition/undated`` when the registry says the classification has one edition)."""
        if year is not None:
            return self._iri("classification", key, "edition", str(year))
        return self._iri("classification", key, "edition", "undated", *([article_id] if article_id else []))

    def group(self, key: str) -> NamedNode:
        scheme, _, local = key.partition("/")
        return self._iri("classification", scheme, local)

    def article(self, article_id: str) -> NamedNode:
        return self._iri("article", article_id)

    def fact(self, article_id: str, fact_id: str) -> NamedNode:
        return self._iri("article", article_id, "fact", fact_id)

    def article_graph(self, article_id: str) -> NamedNode:
        return self._iri("graph", "article", article_id)

    def registry_graph(self) -> NamedNode:
        return self._iri("graph", "registry")

    def rankings_graph(self) -> NamedNode:
        return self._iri("graph", "rankings")

    def conflicts_graph(self) -> NamedNode:
        """The store's index of the cells whose figures disagree (kg.conflicts): derived, never exported."""
        return self._iri("graph", "conflicts")

    def graph_namespace(self) -> str:
        """The prefix every graph this base names starts with (``BASE graph/``)."""
        return self.base + "graph/"

    def graph_kind(self, name: str) -> tuple[str, str | None] | None:
        """What the graph named ``name`` holds, read from the IRI scheme rather than guessed from a suffix:
        ("registry", None), ("rankings", None), ("conflicts", None), ("article", article id), or None for a name this base did not
        mint (another base's graph, the ontology graph, anything else on a server)."""
        if name == self.registry_graph().value:
            return ("registry", None)
        if name == self.rankings_graph().value:
            return ("rankings", None)
        if name == self.conflicts_graph().value:
            return ("conflicts", None)
        prefix = self._iri("graph", "article").value + "/"
        if name.startswith(prefix):
            local = name[len(prefix):]
            if local and "/" not in local and self.article_graph(unquote(local)).value == name:
                return ("article", unquote(local))
        return None


Term = NamedNode | BlankNode | Literal
# what an emitter is given: a term, or (an emitter writing text only) the N-Triples text of one
Given = Term | str
_TEXTS: dict[NamedNode, str] = {}   # N-Triples text of the IRIs written so far (bounded by _MAX_TEXTS)
_MAX_TEXTS = 1 << 16
# what the N-Triples form of a string literal escapes (pyoxigraph's str() of a Literal; tests/test_mapping.py
# checks every code point), and lone surrogates, which a Literal refuses
_ESCAPED = re.compile("[\x00-\x1f\"\\\\\x7f\ufffe\uffff\ud800-\udfff]")
_LANG_SUFFIX: dict[str, str] = {}   # language tag -> '@' and the tag as a Literal writes it (lower case)
_XSD_INTEGER, _XSD_BOOLEAN, _XSD_DECIMAL = (f"^^<{XSD}{name}>" for name in ("integer", "boolean", "decimal"))


def _text(term: Given) -> str:
    """``term`` as N-Triples text (what ``str`` of a pyoxigraph term gives), IRIs cached: most quads repeat the
    same predicates, classes, entities and indicators; a ``str`` is that text already."""
    if type(term) is NamedNode:
        text = _TEXTS.get(term)
        if text is None:
            text = str(term)
            if len(_TEXTS) < _MAX_TEXTS:
                _TEXTS[term] = text
        return text
    return term if isinstance(term, str) else str(term)


class _Emitter:
    """Collects the quads of one graph: as pyoxigraph quads, or (``text=True``) as N-Quads lines, which skips
    making a Python object per quad (most of the mapping's time in a large build).

    ``node``, ``lang``, ``string``, ``integer``, ``boolean`` and ``decimal`` make the terms ``add`` is given: in
    text mode, for the values that need no escaping, their N-Triples text straight away (what ``str`` of the
    pyoxigraph term gives; a pyoxigraph term and its ``str`` cost about 1–2 µs per literal)."""

    def __init__(self, graph: NamedNode, text: bool = False):
        self.graph = graph
        self.quads: list[Quad] = []
        self.lines: list[str] | None = [] if text else None
        self._end = f" {_text(graph)} .\n"

    def add(self, s: NamedNode | BlankNode | str, p: NamedNode, o: Given) -> None:
        if self.lines is not None:
            self.lines.append(f"{_text(s)} {_text(p)} {_text(o)}{self._end}")
        else:
            assert not isinstance(s, str) and not isinstance(o, str), "terms as text are for text mode only"
            self.quads.append(Quad(s, p, o, self.graph))

    def node(self, iri: NamedNode) -> NamedNode | str:
        """A subject used for many statements (an article, a fact): in text mode its text, made once (and not
        kept in the cache of IRIs that repeat across sheets)."""
        return iri if self.lines is None else str(iri)

    def lang(self, value: str, lang: str) -> Literal | str:
        if self.lines is None or _ESCAPED.search(value):
            return lit_lang(value, lang)
        suffix = _LANG_SUFFIX.get(lang)
        if suffix is None:
            suffix = _LANG_SUFFIX[lang] = str(lit_lang("", lang))[2:]   # checks the tag as a Literal does
        return f'"{value}"{suffix}'

    def string(self, value: str) -> Literal | str:
        if self.lines is None or _ESCAPED.search(value):
            return lit_str(value)
        return f'"{value}"'

    def integer(self, value: int) -> Literal | str:
        return lit_int(value) if self.lines is None else f'"{value}"{_XSD_INTEGER}'

    def boolean(self, value: bool) -> Literal | str:
        if self.lines is None:
            return lit_bool(value)
        return f'"true"{_XSD_BOOLEAN}' if value else f'"false"{_XSD_BOOLEAN}'

    def decimal(self, value: Decimal) -> Literal | str:
        return lit_decimal(value) if self.lines is None else f'"{decimal_lexical(value)}"{_XSD_DECIMAL}'

    def labels(self, s: NamedNode, labels: dict[str, str], predicate: NamedNode = LABEL) -> None:
        for lang in sorted(labels):
            self.add(s, predicate, lit_lang(labels[lang], lang))

    def aliases(self, s: NamedNode, aliases: dict[str, list[str]], predicate: NamedNode = ALT_LABEL) -> None:
        for lang in sorted(aliases):
            for alias in aliases[lang]:
                self.add(s, predicate, lit_lang(alias, lang))


# ------------------------------------------------------------------------------------------------ registry
def registry_quads(registry: Registry, iris: Iris) -> list[Quad]:
    e = _Emitter(iris.registry_graph())
    for key in sorted(registry.entities):
        _entity(e, registry.entities[key], iris)
    for key in sorted(registry.units):
        unit = registry.units[key]
        s = iris.unit(key)
        e.add(s, TYPE, n("Unit"))
        e.labels(s, unit.label)
        e.add(s, n("code"), lit_str(key))
        e.add(s, n("unitKind"), lit_str(unit.kind))
        _proposed(e, s, unit.proposed)
        _same_as(e, s, unit.wikidata)
        e.add(s, n("definedAt"), lit_str(str(unit.origin)))
    for key in sorted(registry.indicators):
        ind = registry.indicators[key]
        s = iris.indicator(key)
        e.add(s, TYPE, n("Indicator"))
        e.add(s, IDENTIFIER, lit_str(key))
        e.labels(s, ind.label)
        e.labels(s, ind.description, DESCRIPTION)
        e.add(s, n("unit"), iris.unit(ind.unit))
        e.add(s, n("nonNegative"), lit_bool(ind.non_negative))
        e.aliases(s, ind.keywords, HIDDEN_LABEL)
        _proposed(e, s, ind.proposed)
        _same_as(e, s, ind.wikidata)
        e.add(s, n("definedAt"), lit_str(str(ind.origin)))
    for key in sorted(registry.rankings):
        series = registry.rankings[key]
        s = iris.ranking_series(key)
        e.add(s, TYPE, n("RankingSeries"))
        e.add(s, IDENTIFIER, lit_str(key))
        e.labels(s, series.label)
        e.labels(s, series.description, DESCRIPTION)
        e.aliases(s, series.keywords, HIDDEN_LABEL)
        if series.publisher:
            e.add(s, n("publisher"), iris.entity(series.publisher))
        if series.criterion:
            e.add(s, n("criterion"), iris.indicator(series.criterion))
        if series.size:
            e.add(s, n("size"), lit_int(series.size))
        if series.one_edition:
            e.add(s, n("oneEdition"), lit_bool(True))
        _proposed(e, s, series.proposed)
        _same_as(e, s, series.wikidata)
        e.add(s, n("definedAt"), lit_str(str(series.origin)))
    for key in sorted(registry.classifications):
        scheme = registry.classifications[key]
        s = iris.classification(key)
        e.add(s, TYPE, n("Classification"))
        e.add(s, IDENTIFIER, lit_str(key))
        e.labels(s, scheme.label)
        e.labels(s, scheme.description, DESCRIPTION)
        if scheme.publisher:
            e.add(s, n("publisher"), iris.entity(scheme.publisher))
        if scheme.one_edition:
            e.add(s, n("oneEdition"), lit_bool(True))
        _proposed(e, s, scheme.proposed)
        _same_as(e, s, scheme.wikidata)
        e.add(s, n("definedAt"), lit_str(str(scheme.origin)))
        for gkey in sorted(scheme.groups):
            group = scheme.groups[gkey]
            g = iris.group(group.key)
            e.add(g, TYPE, n("Group"))
            e.add(g, IDENTIFIER, lit_str(group.key))
            e.labels(g, group.label)
            e.aliases(g, group.keywords, HIDDEN_LABEL)
            e.add(g, NamedNode(SKOS + "inScheme"), s)
            if group.tier is not None:
                e.add(g, n("tier"), lit_int(group.tier))
            _proposed(e, g, group.proposed)
            _same_as(e, g, group.wikidata)
            e.add(g, n("definedAt"), lit_str(str(group.origin)))
    return e.quads


def _entity(e: _Emitter, entity: Entity, iris: Iris) -> None:
    s = iris.entity(entity.key)
    e.add(s, TYPE, n(ENTITY_CLASS[entity.type]))
    e.add(s, IDENTIFIER, lit_str(entity.key))
    e.labels(s, entity.label)
    e.aliases(s, entity.aliases)
    e.labels(s, entity.description, DESCRIPTION)
    if entity.iso_code:
        e.add(s, n("isoCode"), lit_str(entity.iso_code))
    if entity.iso_alpha3:
        e.add(s, n("isoAlpha3"), lit_str(entity.iso_alpha3))
    if entity.iso_numeric:
        e.add(s, n("isoNumeric"), lit_str(entity.iso_numeric))
    _same_as(e, s, entity.wikidata)
    if entity.country:
        e.add(s, n("country"), iris.entity(entity.country))
    if entity.parent:
        e.add(s, n("parentOrganization"), iris.entity(entity.parent))
    if entity.role:
        e.labels(s, entity.role, NamedNode(SCHEMA + "jobTitle"))
    if entity.employer:
        e.add(s, NamedNode(SCHEMA + "worksFor"), iris.entity(entity.employer))
    _proposed(e, s, entity.proposed)
    if entity.origin is not None:
        e.add(s, n("definedAt"), lit_str(str(entity.origin)))



def _same_as(e: _Emitter, s: NamedNode, wikidata: str | None) -> None:
    """A registry entry with a Wikidata id is the same as that item: owl:sameAs and schema:sameAs to its IRI."""
    if wikidata:
        item = NamedNode(WIKIDATA_ENTITY + wikidata)
        e.add(s, NamedNode(OWL + "sameAs"), item)
        e.add(s, NamedNode(SCHEMA + "sameAs"), item)


def _proposed(e: _Emitter, s: NamedNode, proposed: bool) -> None:
    """A registry entry a draft proposed and nobody has reviewed yet says so; reviewed entries say nothing."""
    if proposed:
        e.add(s, n("proposed"), lit_bool(True))


# ------------------------------------------------------------------------------------------------ articles
def article_quads(article: Article, registry: Registry, iris: Iris) -> list[Quad]:
    """The article's graph as quads."""
    e = _Emitter(iris.article_graph(article.meta.id))
    _article(e, article, registry, iris)
    return e.quads


def article_nquads(article: Article, registry: Registry, iris: Iris) -> tuple[bytes, int]:
    """The article's graph as N-Quads text (the same statements as ``article_quads``, in the same order) and the
    number of quads: what a build spools and bulk-loads, made without a Python object per quad."""
    e = _Emitter(iris.article_graph(article.meta.id), text=True)
    _article(e, article, registry, iris)
    assert e.lines is not None
    return "".join(e.lines).encode("utf-8"), len(e.lines)


def _article(e: _Emitter, article: Article, registry: Registry, iris: Iris) -> None:
    meta = article.meta
    a = e.node(iris.article(meta.id))
    e.add(a, TYPE, n("Article"))
    e.add(a, IDENTIFIER, e.string(meta.id))
    e.add(a, NamedNode(DCTERMS + "title"), e.lang(meta.title, meta.language))
    if meta.title_en:
        e.add(a, NamedNode(DCTERMS + "title"), e.lang(meta.title_en, "en"))
    e.add(a, LABEL, e.lang(meta.title_en or meta.title, "en" if meta.title_en else meta.language))
    e.add(a, NamedNode(DCTERMS + "publisher"), iris.entity(meta.publisher))
    e.add(a, NamedNode(DCTERMS + "language"), e.string(meta.language))
    e.add(a, NamedNode(DCTERMS + "issued"), Literal(meta.published.isoformat(), datatype=NamedNode(XSD + "date")))
    if meta.published_note:
        e.add(a, n("dateNote"), e.lang(meta.published_note, "en"))
    if meta.url:
        e.add(a, NamedNode(SCHEMA + "url"), Literal(meta.url, datatype=NamedNode(XSD + "anyURI")))
    if meta.text_sha256:
        e.add(a, n("textSha256"), e.string(meta.text_sha256))
    e.add(a, n("draft"), e.boolean(meta.draft))
    for key in meta.mentions:
        e.add(a, NamedNode(SCHEMA + "mentions"), iris.entity(key))
    e.add(a, n("definedIn"), e.string(meta.origin.path))
    e.add(a, n("definedAt"), e.string(str(meta.origin)))

    own = sorted({(ed[0], ed[1]) for f in article.facts
                  if (ed := fact_edition(f, registry)) is not None and not ed[3]})
    for kind, key in own:
        _edition(e, kind, key, None, registry, iris, article.id)
    for fact in article.facts:
        _fact(e, article, fact, registry, iris)


# An edition as the build state keeps it: ("ranking:{series key}" or "classification:{key}", year or None).
Edition = tuple[str, "int | None"]


def fact_edition(fact: Fact, registry: Registry) -> tuple[str, str, int | None, bool] | None:
    """(kind, key, year, shared) of the edition a rank entry or membership belongs to; None for observations.

    The year is the fact sheet's ``period`` (for ranks and memberships, the edition's year). A dated edition is
    shared by every article that names it; an undated one only when the registry says the series (or
    classification) has one edition (``one_edition: true``): otherwise two articles' undated mentions may be
    different editions, and each article gets an undated edition of its own."""
    year = fact.period.year if fact.period else None
    if fact.kind == "rank" and fact.ranking is not None:
        return "ranking", fact.ranking, year, year is not None or registry.rankings[fact.ranking].one_edition
    group = registry.group(fact.group) if fact.kind == "membership" and fact.group is not None else None
    if group is not None:
        key = group.classification
        return "classification", key, year, year is not None or registry.classifications[key].one_edition
    return None


def edition_iri(kind: str, key: str, year: int | None, iris: Iris, article_id: str | None = None) -> NamedNode:
    if kind == "ranking":
        return iris.ranking(key, year, article_id)
    return iris.classification_edition(key, year, article_id)


def article_editions(article: Article, registry: Registry) -> set[Edition]:
    """The shared editions (graph ``id:graph/rankings``) an article's rank entries and memberships point to."""
    found: set[Edition] = set()
    for fact in article.facts:
        edition = fact_edition(fact, registry)
        if edition is not None and edition[3]:
            found.add((f"{edition[0]}:{edition[1]}", edition[2]))
    return found


def _edition(e: _Emitter, kind: str, key: str, year: int | None, registry: Registry, iris: Iris,
             article_id: str | None = None) -> None:
    node = edition_iri(kind, key, year, iris, article_id)
    series = registry.rankings[key] if kind == "ranking" else None
    label, publisher = (series.label, series.publisher) if series else \
        (registry.classifications[key].label, registry.classifications[key].publisher)
    if series:
        e.add(node, TYPE, n("Ranking"))
        e.add(node, n("rankingSeries"), iris.ranking_series(key))
    else:
        e.add(node, TYPE, n("ClassificationEdition"))
        e.add(node, n("classification"), iris.classification(key))
    for lang in sorted(label):
        text = label[lang] + (f" {year}" if year is not None else "")
        e.add(node, LABEL, lit_lang(text, lang))
    if publisher:
        e.add(node, n("publisher"), iris.entity(publisher))
    if series and series.criterion:
        e.add(node, n("criterion"), iris.indicator(series.criterion))
    if year is not None:
        e.add(node, n("year"), Literal(f"{year:04d}", datatype=NamedNode(XSD + "gYear")))
    if series and series.size:
        e.add(node, n("size"), lit_int(series.size))
    if article_id is not None:   # the undated edition as one article reports it (not nkg:reportedIn: facts')
        e.add(node, n("undatedIn"), iris.article(article_id))


def editions_quads(editions: set[Edition], registry: Registry, iris: Iris) -> list[Quad]:
    """The editions graph: one node per shared (series or classification, year) edition used by any article.

    Shared editions live in one graph rather than in each article graph that uses them: the union default graph
    of a SPARQL store is a multiset, so copies in many graphs multiplied every join through an edition. An
    undated edition of one article lives in that article's graph.
    """
    e = _Emitter(iris.rankings_graph())
    for ref, year in sorted(editions, key=lambda k: (k[0], -1 if k[1] is None else k[1])):
        kind, _, key = ref.partition(":")
        _edition(e, kind, key, year, registry, iris)
    return e.quads


def _given(value: T | None, field: str, fact: Fact) -> T:
    """A field the loader requires of the fact's kind (a rank's rank, an observation's value, …)."""
    if value is None:
        raise AssertionError(f"{fact.origin}: a {fact.kind} fact without {field} passed the loader")
    return value


def _period_literal(fact: Fact) -> Literal:
    p = _given(fact.period, "period", fact)
    datatype = {"year": "gYear", "month": "gYearMonth", "day": "date"}[p.precision]
    return Literal(p.iso(), datatype=NamedNode(XSD + datatype))


def _label_parts(fact: Fact, registry: Registry) -> list[Labels]:
    """The labels of the registry entries a fact's label names: subject, then measure, unit or group."""
    parts = [registry.entities[fact.subject].label]
    if fact.kind == "observation":
        parts += [registry.indicators[_given(fact.indicator, "indicator", fact)].label,
                  registry.units[_given(fact.unit, "unit", fact)].label]
    elif fact.kind == "rank":
        parts.append(registry.rankings[_given(fact.ranking, "ranking", fact)].label)
    else:
        group = _given(registry.group(_given(fact.group, "group", fact)), "a known group", fact)
        parts += [registry.classifications[group.classification].label, group.label]
    return parts


def label_language(parts: list[Labels], article_language: str) -> str:
    """The language a fact's label is written in: English when every entry it names has an English name; else the
    article's language, or else a proposed entry's own one, when LABEL_WORDS writes it and every entry has a name in
    it or in English; else MIXED_LANGUAGES (the English words with each entry's own name)."""
    if all(part.get("en") for part in parts):
        return "en"
    own = [tag for part in parts if not part.get("en") for tag in sorted(part) if not romanised(tag)]
    for lang in dict.fromkeys([article_language, *own]):
        if lang in LABEL_WORDS and all(part.get(lang) or part.get("en") for part in parts):
            return lang
    return MIXED_LANGUAGES


def fact_label(fact: Fact, registry: Registry, article_language: str = "en") -> tuple[str, str]:
    """A one-line label of a fact and its language tag, e.g. ("Tesla — NVIDIA H100 GPUs held: 35000 GPUs", "en");
    ("한빛로보틱스 — 로봇 특허 출원: 1200건", "ko") when an entry it names is a proposed one without an English name
    (:func:`label_language`)."""
    lang = label_language(_label_parts(fact, registry), article_language)
    words = LABEL_WORDS.get(lang, LABEL_WORDS["en"])
    name_in = lang if lang in LABEL_WORDS else "en"
    subject = display_name(registry.entities[fact.subject].label, name_in)
    approx = words.qualifiers[fact.qualifier] if fact.qualifier else ""
    approx += words.about if fact.approximate else ""
    if fact.kind == "observation":
        unit = display_name(registry.units[_given(fact.unit, "unit", fact)].label, name_in)
        measure = display_name(registry.indicators[_given(fact.indicator, "indicator", fact)].label, name_in)
        figure = format_decimal(_given(fact.value, "value", fact))
        if fact.value_high is not None:
            figure += words.dash + format_decimal(fact.value_high)
        space = "" if words.tight_units and " " not in unit else " "
        return f"{subject} — {measure}: {approx}{figure}{space}{unit}", lang
    if fact.kind == "rank":
        measure = display_name(registry.rankings[_given(fact.ranking, "ranking", fact)].label, name_in)
        when = f" {fact.period.year}" if fact.period else ""
        of = words.of.format(n=fact.out_of) if fact.out_of else ""
        return f"{subject} — {measure}{when}: {words.rank.format(approx=approx, rank=fact.rank, of=of)}", lang
    group = _given(registry.group(_given(fact.group, "group", fact)), "a known group", fact)
    scheme = display_name(registry.classifications[group.classification].label, name_in)
    return f"{subject} — {scheme}: {approx}{display_name(group.label, name_in)}", lang


def _fact(e: _Emitter, article: Article, fact: Fact, registry: Registry, iris: Iris) -> None:
    s = e.node(iris.fact(article.id, fact.id))
    lang = article.meta.language
    e.add(s, TYPE, n(FACT_CLASS[fact.kind]))
    e.add(s, LABEL, e.lang(*fact_label(fact, registry, lang)))
    e.add(s, n("subject"), iris.entity(fact.subject))
    e.add(s, n("reportedIn"), iris.article(article.id))
    if fact.source:
        e.add(s, n("attributedTo"), iris.entity(fact.source))
    e.add(s, n("attribution"), n(ATTRIBUTION_INDIVIDUAL[fact.attribution]))
    e.add(s, n("evidence"), e.lang(fact.evidence.text, lang))
    if fact.evidence.start is not None:
        e.add(s, n("evidenceStart"), e.integer(fact.evidence.start))
        e.add(s, n("evidenceEnd"), e.integer(_given(fact.evidence.end, "evidence end", fact)))
    e.add(s, n("approximate"), e.boolean(fact.approximate))
    if fact.qualifier:
        e.add(s, n("qualifier"), n(QUALIFIER_INDIVIDUAL[fact.qualifier]))
    e.add(s, n("derivation"), n("Inferred" if fact.inferred else "ReadFromText"))
    if fact.inferred:
        e.add(s, n("derivationNote"), e.string(fact.inferred))
    if article.meta.draft:
        e.add(s, n("draft"), e.boolean(True))
    # how and when the fact entered the graph: from a reviewed fact sheet or a `kg extract` draft, on the date
    # the fact sheet records (never the build's clock: rebuilds stay byte-identical)
    e.add(s, n("entryMethod"), n("ExtractDraft" if article.meta.draft else "ReviewedFactSheet"))
    if article.meta.recorded:
        e.add(s, NamedNode(PROV + "generatedAtTime"),
              Literal(f"{article.meta.recorded.isoformat()}T00:00:00", datatype=NamedNode(XSD + "dateTime")))
    edition = fact_edition(fact, registry)
    if fact.period and edition is None:   # an observation's period; a rank's or tier's year is its edition's
        e.add(s, n("period"), _period_literal(fact))
    if fact.period_note:
        e.add(s, n("periodNote"), e.lang(fact.period_note, "en"))
    if fact.confidence is not None:
        e.add(s, n("confidence"), e.decimal(fact.confidence))
    if fact.note:
        e.add(s, NOTE, e.lang(fact.note, "en"))
    if fact.as_written:
        e.add(s, n("asWritten"), e.lang(fact.as_written, lang))
    e.add(s, n("definedAt"), e.string(str(fact.origin)))
    if fact.kind == "observation":
        e.add(s, n("indicator"), iris.indicator(_given(fact.indicator, "indicator", fact)))
        e.add(s, n("value"), e.decimal(_given(fact.value, "value", fact)))
        if fact.value_high is not None:
            e.add(s, n("valueHigh"), e.decimal(fact.value_high))
        e.add(s, n("unit"), iris.unit(_given(fact.unit, "unit", fact)))
        if fact.equivalent:
            e.add(s, n("equivalentValue"), e.decimal(fact.equivalent.value))
            e.add(s, n("equivalentUnit"), iris.unit(fact.equivalent.unit))
            e.add(s, n("equivalentApproximate"), e.boolean(fact.equivalent.approximate))
    elif edition is not None:
        kind, key, year, shared = edition
        node = edition_iri(kind, key, year, iris, None if shared else article.id)
        e.add(s, n("edition"), node)
        if fact.kind == "rank":
            e.add(s, n("ranking"), node)
            e.add(s, n("rank"), e.integer(_given(fact.rank, "rank", fact)))
            if fact.out_of:
                e.add(s, n("outOf"), e.integer(fact.out_of))
        else:
            assert fact.group is not None, f"{fact.origin}: a membership without its group passed the loader"
            e.add(s, n("group"), iris.group(fact.group))

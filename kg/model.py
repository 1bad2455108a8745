"""The typed facts a fact sheet holds, after loading and checking, before mapping to RDF."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .yamlsource import Period

ENTITY_TYPES = ("country", "company", "organization", "person", "country-group", "event", "publisher")
UNIT_KINDS = ("currency", "count", "rate", "ratio", "other")

Labels = dict[str, str]          # language tag -> text
Aliases = dict[str, list[str]]   # language tag -> names


def romanised(tag: str) -> bool:
    """Whether a label's language tag marks a romanisation (``ko-Latn``): a reading aid, not a name the source gave."""
    return tag.lower().endswith("-latn")


def display_name(labels: Labels, lang: str = "en") -> str:
    """The name to show of a registry entry: its label in ``lang``, else English, else a label in another language
    (a proposed entry may have no English label: the Korean name an article gave), a romanisation last."""
    for tag in (lang, "en"):
        if labels.get(tag):
            return labels[tag]
    names = sorted(labels, key=lambda tag: (romanised(tag), tag))
    return labels[names[0]] if names else ""


@dataclass(frozen=True)
class Origin:
    """Where a registry entry or fact was defined: path as shown to users, and 1-based line."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class Entity:
    key: str
    type: str
    label: Labels
    origin: Origin | None
    aliases: Aliases = field(default_factory=dict)
    country: str | None = None          # ISO code of the home country
    parent: str | None = None
    role: Labels = field(default_factory=dict)
    employer: str | None = None
    description: Labels = field(default_factory=dict)
    iso_code: str | None = None         # countries only
    iso_alpha3: str | None = None       # countries only, from pycountry
    iso_numeric: str | None = None      # countries only, three digits, from pycountry
    proposed: bool = False              # proposed by a draft, not yet reviewed
    wikidata: str | None = None         # Wikidata item id (Q…), when known


@dataclass
class Unit:
    key: str
    label: Labels
    kind: str
    origin: Origin
    proposed: bool = False              # proposed by a draft, not yet reviewed
    wikidata: str | None = None         # Wikidata item id (Q…), when known


@dataclass
class Indicator:
    key: str
    label: Labels
    unit: str
    origin: Origin
    description: Labels = field(default_factory=dict)
    non_negative: bool = True
    keywords: Aliases = field(default_factory=dict)   # words that signal it in text (for kg extract)
    proposed: bool = False              # proposed by a draft, not yet reviewed
    wikidata: str | None = None         # Wikidata item id (Q…), when known
    required: Aliases = field(default_factory=dict)   # kg extract: one of these words must be in the sentence


@dataclass
class RankingSeries:
    key: str
    label: Labels
    publisher: str | None
    origin: Origin
    criterion: str | None = None
    size: int | None = None
    description: Labels = field(default_factory=dict)
    keywords: Aliases = field(default_factory=dict)
    proposed: bool = False              # proposed by a draft, not yet reviewed
    wikidata: str | None = None         # Wikidata item id (Q…), when known
    one_edition: bool = False           # every undated mention is one edition (else one per article)


@dataclass
class Group:
    key: str                 # "classification/group"
    local_key: str
    classification: str
    label: Labels
    origin: Origin
    tier: int | None = None
    keywords: Aliases = field(default_factory=dict)
    proposed: bool = False              # proposed by a draft, not yet reviewed
    wikidata: str | None = None         # Wikidata item id (Q…), when known


@dataclass
class Classification:
    key: str
    label: Labels
    publisher: str | None
    origin: Origin
    groups: dict[str, Group] = field(default_factory=dict)
    description: Labels = field(default_factory=dict)
    proposed: bool = False              # proposed by a draft, not yet reviewed
    wikidata: str | None = None         # Wikidata item id (Q…), when known
    one_edition: bool = False           # every undated mention is one edition (else one per article)


@dataclass
class Language:
    """What the extractor needs to know about the articles written in one language (``languages:`` section)."""

    key: str                               # language tag: ko, en
    origin: Origin
    home_country: str | None = None        # the country "우리나라", "국내", "정부" refer to, by default
    home_words: list[str] = field(default_factory=list)    # words naming the home country as a last resort
    proposed: bool = False
    scopes: dict[str, Scope] = field(default_factory=dict)   # SCOPES name → the words that give it
    demonyms: dict[str, list[str]] = field(default_factory=dict)   # ISO country → words naming it ("Korean")


# What an indicator's scope means to kg extract (the ``scopes:`` of a ``languages:`` entry).
SCOPES = {
    "market": "the size of a market: read only where a market is named; a company or a guessed holder of it is "
              "the world",
    "government": "a government's figure: a ministry or agency holding it stands for its country",
    "change": "a change (growth rate): a percentage is read as this indicator only where the sentence says it "
              "changed, and as no other indicator there",
}


@dataclass
class Scope:
    """Words of one language that give an indicator a scope: in its label (``label``) and, for ``market``, in the
    sentence (``sentence``)."""

    name: str
    label: list[str] = field(default_factory=list)
    sentence: list[str] = field(default_factory=list)


@dataclass
class Registry:
    entities: dict[str, Entity] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)
    rankings: dict[str, RankingSeries] = field(default_factory=dict)
    classifications: dict[str, Classification] = field(default_factory=dict)
    languages: dict[str, Language] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def group(self, key: str) -> Group | None:
        classification, _, local = key.partition("/")
        scheme = self.classifications.get(classification)
        return scheme.groups.get(local) if scheme else None


@dataclass
class Evidence:
    text: str
    start: int | None = None
    end: int | None = None


@dataclass
class Equivalent:
    value: Decimal
    unit: str
    approximate: bool = False


@dataclass
class Fact:
    id: str
    kind: str
    subject: str
    evidence: Evidence
    attribution: str
    origin: Origin
    source: str | None = None
    approximate: bool = False
    period: Period | None = None
    period_note: str | None = None
    confidence: Decimal | None = None
    note: str | None = None
    qualifier: str | None = None        # one of kg.schema.QUALIFIERS
    inferred: str | None = None         # why the analyst inferred the fact; None: read from the text
    # observation
    indicator: str | None = None
    value: Decimal | None = None
    value_high: Decimal | None = None   # the high end of a range
    unit: str | None = None
    as_written: str | None = None
    equivalent: Equivalent | None = None
    # rank
    ranking: str | None = None
    rank: int | None = None
    out_of: int | None = None
    # membership
    group: str | None = None


@dataclass
class ArticleMeta:
    id: str
    title: str
    publisher: str
    language: str
    published: dt.date
    origin: Origin
    title_en: str | None = None
    published_note: str | None = None
    url: str | None = None
    text_sha256: str | None = None
    mentions: list[str] = field(default_factory=list)
    draft: bool = False
    recorded: dt.date | None = None    # when the analyst recorded (or kg extract drafted) the fact sheet


@dataclass
class Article:
    meta: ArticleMeta
    facts: list[Fact]
    path: Path
    content: bytes            # the fact sheet's bytes, for change detection

    @property
    def id(self) -> str:
        return self.meta.id


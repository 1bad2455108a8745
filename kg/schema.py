"""The fact-sheet format, declared once: every key of a fact sheet, its type, whether it is required, which kinds of
fact carry it, its allowed values and a line of help; and the one ``FactKey`` (what makes two facts the same fact).

Three things are driven by this declaration, so they cannot drift apart:

- the loader (``kg.load``): which keys a mapping may hold, which it must hold, and how each value is read and
  typed (the messages come from ``kg.yamlsource``: ``FILE:LINE:COLUMN: fact x.rank must be a whole number ...``);
- the draft writer (``kg.extract.draft``): the order of the keys it writes, and that it writes no other;
- the key tables of docs/fact-sheets.md, between the ``<!-- schema: ... -->`` markers (``python3 dev.py docs``
  writes them; a test fails when they are out of date).

What is not a matter of one key (references to the registries, ``rank <= out_of``, a range's two ends,
``attribution`` against ``source``, evidence offsets) stays in the loader, next to the reads declared here.
"""
from __future__ import annotations

from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any, Literal, NamedTuple

from .errors import InputError, Location
from .yamlsource import Mapping, Node

FACT_KINDS = ("observation", "rank", "membership")
ATTRIBUTIONS = ("stated", "implied", "none")
# How the text bounds or frames a figure (absent: the figure is stated as it is). A range keeps its low end in
# ``value`` and its high end in ``value_high``; bounds and ranges are observations' and ranks' business only.
QUALIFIERS = ("lower-bound", "upper-bound", "range", "target", "forecast", "estimate")
# Which qualifiers each kind of fact may carry: a membership can be planned or forecast but not bounded, and a
# rank has no second number to close a range with.
KIND_QUALIFIERS: dict[str, tuple[str, ...]] = {
    "observation": QUALIFIERS,
    "rank": tuple(q for q in QUALIFIERS if q != "range"),
    "membership": ("target", "forecast", "estimate"),
}
# The key naming what a fact measures, by kind: its indicator, ranking series or classification group.
MEASURE_FIELD = {"observation": "indicator", "rank": "ranking", "membership": "group"}

# How a value is written, and so how the loader reads it (the ``kg.yamlsource.Node`` accessor it uses).
Type = Literal["text", "key", "number", "whole number", "true/false", "date", "period", "list of keys", "mapping",
               "list of facts"]
_SCALAR_READERS = {
    "text": Node.string,               # text; a bare true/false or nothing is refused
    "key": Node.text_or_number,        # a registry key or an as-written figure: text even where YAML sees a number
    "number": Node.decimal,            # an exact decimal
    "true/false": Node.boolean,
    "date": Node.date,                 # YYYY-MM-DD
    "period": Node.period,             # YYYY, YYYY-MM or YYYY-MM-DD
}


# What a key refers to, which the loader checks the registries define (every ISO country is an entity).
Refers = Literal["entity", "indicator", "unit", "ranking", "group"]


@dataclass(frozen=True)
class Field:
    """One key of a fact-sheet mapping."""

    name: str
    type: Type
    help: str
    required: bool = False
    kinds: tuple[str, ...] = FACT_KINDS   # facts only: the kinds of fact that may carry the key
    values: tuple[str, ...] = ()          # the allowed values, when there is a fixed list
    minimum: int | None = None            # whole numbers: the smallest allowed
    refers: Refers | None = None          # keys: what the registries must define under this key

    def node(self, body: Mapping) -> Node | None:
        """The key's value node: ``InputError`` at the mapping when a required key is missing (or has no value)."""
        return body.require(self.name) if self.required else body.get(self.name)

    def read(self, body: Mapping, prefix: str) -> Any:
        """The key's value, typed (None when an optional key is absent); refused with ``prefix.name`` and the
        value's file:line:column when it is of the wrong type."""
        node = self.node(body)
        return None if node is None else self.value(node, prefix)

    def value(self, node: Node, prefix: str) -> Any:
        what = f"{prefix}.{self.name}"
        if self.type == "whole number":
            return node.integer(what, minimum=self.minimum)
        reader = _SCALAR_READERS.get(self.type)
        if reader is None:
            raise TypeError(f"{self.name} is a {self.type}, not a single value")
        return reader(node, what)


@dataclass(frozen=True)
class Section:
    """The keys of one mapping of a fact sheet (``article``, a fact, a fact's ``evidence`` or ``equivalent``)."""

    name: str          # as the docs name the mapping
    fields: tuple[Field, ...]

    @cached_property
    def _by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    @cached_property
    def _keys(self) -> dict[str | None, frozenset[str]]:
        return {kind: frozenset(f.name for f in self.fields if kind is None or kind in f.kinds)
                for kind in (None, *FACT_KINDS)}

    def __getitem__(self, name: str) -> Field:
        return self._by_name[name]

    def keys(self, kind: str | None = None) -> frozenset[str]:
        """The keys allowed (for a fact: of that kind)."""
        return self._keys[kind]

    @cached_property
    def _required(self) -> dict[str | None, tuple[str, ...]]:
        return {kind: tuple(f.name for f in self.fields if f.required and (kind is None or kind in f.kinds))
                for kind in (None, *FACT_KINDS)}

    def required(self, kind: str | None = None) -> tuple[str, ...]:
        return self._required[kind]

    def ordered(self, values: AnyMapping[str, Any], kind: str | None = None) -> dict[str, Any]:
        """``values`` with its keys in the declared order (how drafts are written); a key the section does not
        allow (for that kind), or a missing required one, is a programming error (``ValueError``)."""
        # drafts write a few shapes of mapping thousands of times: each shape (kind and keys as given) is checked
        # and put in order once
        shape = (kind, tuple(values))
        order = self._orders.get(shape)
        if order is None:
            unknown = values.keys() - self.keys(kind)
            missing = [k for k in self.required(kind) if k not in values]
            if unknown or missing:
                raise ValueError(f"{self.name}: " + "; ".join(
                    part for part in (f"unknown keys {sorted(unknown)}" if unknown else "",
                                      f"missing keys {sorted(missing)}" if missing else "") if part))
            if len(self._orders) > 4096:
                self._orders.clear()
            declared = tuple(name for name in self._names if name in values)
            order = self._orders[shape] = () if declared == shape[1] else declared
        if not order:
            return dict(values)      # given in the declared order already (as the draft writer gives them)
        return {name: values[name] for name in order}

    @cached_property
    def _orders(self) -> dict[tuple[str | None, tuple[str, ...]], tuple[str, ...]]:
        """The declared order of the keys of each shape of mapping given to :meth:`ordered` (``()``: the order
        they are given in)."""
        return {}

    @cached_property
    def _names(self) -> tuple[str, ...]:
        """The field names in the declared order (``ordered`` runs per drafted fact: no attribute per field)."""
        return tuple(f.name for f in self.fields)


_ENTITY = "an entity key (or an ISO country code)"

SHEET = Section("fact sheet", (
    Field("article", "mapping", "what the article is (the keys below)", required=True),
    Field("facts", "list of facts", "the facts read from it (the keys below); may be empty"),
))

ARTICLE = Section("article", (
    Field("id", "key", "the article's key, a slug; equals the file name without `.yaml`", required=True),
    Field("title", "text", "the headline as printed", required=True),
    Field("title_en", "text", "an English translation of the title"),
    Field("publisher", "key", "entity key of the publisher", required=True, refers="entity"),
    Field("language", "text", "BCP 47 language tag of the text (`ko`, `en`)", required=True),
    Field("published", "date", "the publication date", required=True),
    Field("published_note", "text", "how the date was inferred when the text does not print it"),
    Field("url", "text", "where the article was published"),
    Field("text_sha256", "text", "SHA-256 (64 lowercase hex digits) of the text the evidence offsets refer to"),
    Field("mentions", "list of keys", "every entity the article names, fact or no fact, each once", refers="entity"),
    Field("draft", "true/false", "true for output of `kg extract` not yet reviewed"),
    Field("recorded", "date", "the day the fact sheet was recorded (prov:generatedAtTime of its facts)"),
))

_OBS: tuple[str, ...] = ("observation",)
_RANK: tuple[str, ...] = ("rank",)

FACT = Section("fact", (
    Field("id", "key", "the fact's key, a slug, unique within the article", required=True),
    Field("kind", "text", "what sort of fact", required=True, values=FACT_KINDS),
    Field("subject", "key", f"who or what the fact is about: {_ENTITY}", required=True, refers="entity"),
    Field("indicator", "key", "indicator key: what is measured", required=True, kinds=_OBS, refers="indicator"),
    Field("value", "number", "plain number in the unit's base (no 만/억; 5000억 → 500000000000); a range's low end",
          required=True, kinds=_OBS),
    Field("value_high", "number", "the high end of a range (with `qualifier: range` only)", kinds=_OBS),
    Field("unit", "key", "unit key; defaults to the indicator's unit", kinds=_OBS, refers="unit"),
    Field("ranking", "key", "ranking series key", required=True, kinds=_RANK, refers="ranking"),
    Field("rank", "whole number", "the place, 1 or more", required=True, kinds=_RANK, minimum=1),
    Field("out_of", "whole number", "how many were ranked (at least `rank`)", kinds=_RANK, minimum=1),
    Field("as_written", "key", "the figure exactly as the evidence prints it", kinds=("observation", "rank")),
    Field("equivalent", "mapping", "an equivalent the article gives in brackets (keys below)", kinds=_OBS),
    Field("group", "key", "classification group, `CLASSIFICATION/GROUP`", required=True, kinds=("membership",),
          refers="group"),
    Field("approximate", "true/false", "true when the article hedges (약, 정도, about); default false"),
    Field("qualifier", "text", "how the text bounds or frames the figure (see below)", values=QUALIFIERS),
    Field("period", "period", "the year, month or day the figure refers to (a ranking's edition year)"),
    Field("period_note", "text", "how the period was inferred"),
    Field("source", "key", f"who the article attributes the figure to: {_ENTITY}", refers="entity"),
    Field("attribution", "text", "`none` exactly when there is no `source`; `implied`: from the context only",
          required=True, values=ATTRIBUTIONS),
    Field("evidence", "mapping", "the sentence the fact was read from (keys below)", required=True),
    Field("confidence", "number", "the extractor's confidence, 0..1 (drafts)"),
    Field("note", "text", "anything a reviewer should know"),
    Field("inferred", "text", "why the fact was inferred rather than read (absent: read from the text)"),
))

EVIDENCE = Section("evidence", (
    Field("text", "text", "the sentence, quoted exactly", required=True),
    Field("start", "whole number", "character offset (Python str index) of the quote in the article text; "
          "with `end`", minimum=0),
    Field("end", "whole number", "offset just after the quote: `end - start` is the length of `text`", minimum=1),
))

EQUIVALENT = Section("equivalent", (
    Field("value", "number", "the equivalent figure (\"5000억위안(약 100조원)\": 100조원)", required=True),
    Field("unit", "key", "its unit key", required=True, refers="unit"),
    Field("approximate", "true/false", "true when the equivalent is hedged; default false"),
))

SECTIONS = (SHEET, ARTICLE, FACT, EVIDENCE, EQUIVALENT)


# ------------------------------------------------------------------------------------------------ the fact key
class FactKey(NamedTuple):
    """What makes two facts the same fact: kind, subject, measure (indicator, ranking or group) and amount.

    Evidence, period, source, attribution and approximateness are not part of it. ``amount`` is canonical decimal
    text for values and ranks (so 35000, "35000.0" and 3.5E4 agree) and "" for memberships. A named tuple (made,
    hashed and compared in C): the draft writer keys every figure it reads by one."""

    kind: str
    subject: str
    measure: str
    amount: str

    @classmethod
    def of(cls, kind: str, subject: object, measure: object, value: object = None, rank: object = None
           ) -> FactKey:
        """The key of a fact given by its parts; ``value`` counts for observations, ``rank`` for rank entries."""
        amount = canonical_amount(value) if kind == "observation" else canonical_amount(rank) if kind == "rank" \
            else ""
        return cls(kind, str(subject if subject is not None else ""), str(measure if measure is not None else ""),
                   amount)

    def __str__(self) -> str:
        if self.kind == "observation":
            return f"{self.subject} {self.measure} = {self.amount}"
        if self.kind == "rank":
            return f"{self.subject} {self.measure} #{self.amount}"
        return f"{self.subject} in {self.measure}"


def canonical_amount(value: Any) -> str:
    """``value`` as canonical decimal text ("35000", "44.4"), so 35000, "35000.0" and 3.5E4 agree.

    Floats (PyYAML reads ``44.4`` as a float) go through their shortest repr, never their binary value.
    A value that is not a number is returned as ``"?" + text`` so it can never match a number.
    """
    if isinstance(value, bool) or value is None:
        return f"?{value!r}"
    if isinstance(value, Decimal):
        number = value        # what its text reads back as (drafts ask with Decimals: no text round trip)
    else:
        if isinstance(value, float):
            value = repr(value)
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except (InvalidOperation, ValueError):
            return f"?{value!r}"
    if not number.is_finite():
        return f"?{value!r}"
    text = str(number)
    if text.isdigit() and len(text) <= _PLAIN_DIGITS:
        return text           # a whole number written with no exponent (most figures): already canonical
    if number == number.to_integral_value():
        return str(number.quantize(_ONE))
    return format(number.normalize(), "f")


_ONE = Decimal(1)
# digits that a whole number may have for ``quantize`` (at the default precision) to keep it as it is
_PLAIN_DIGITS = 28


def fact_key(fact: AnyMapping[str, Any]) -> FactKey:
    """The key of one fact mapping as found under ``facts:`` in a fact sheet (gold or draft)."""
    kind = str(fact.get("kind", ""))
    measure_field = MEASURE_FIELD.get(kind)
    return FactKey.of(kind, fact.get("subject", ""), fact.get(measure_field, "") if measure_field else "",
                      value=fact.get("value"), rank=fact.get("rank"))


# ------------------------------------------------------------------------------------------------ the docs tables
DOC_START = "<!-- schema: {name}: generated by `python3 dev.py docs` from kg/schema.py; do not edit -->"
DOC_END = "<!-- /schema: {name} -->"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def section_table(section: Section) -> str:
    """One section's keys as a Markdown table: key, (for facts) the kinds carrying it, type, required, values."""
    is_fact = section is FACT
    head = ["key", *(["kinds"] if is_fact else []), "type", "required", "meaning"]
    rows = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for f in section.fields:
        kinds = "every kind" if f.kinds == FACT_KINDS else ", ".join(f.kinds)
        meaning = f.help + (" — one of " + ", ".join(f"`{v}`" for v in f.values) if f.values else "")
        type_text = f"{f.type} → {f.refers}" if f.refers else f.type
        cells = [f"`{f.name}`", *([kinds] if is_fact else []), type_text, "yes" if f.required else "",
                 _cell(meaning)]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def document(text: str, where: str = "docs/fact-sheets.md") -> str:
    """``text`` with every section's table between its markers replaced by the table the declaration gives."""
    for section in SECTIONS:
        start_mark, end_mark = DOC_START.format(name=section.name), DOC_END.format(name=section.name)
        start, end = text.find(start_mark), text.find(end_mark)
        if start < 0 or end < start:
            raise InputError(f"no {start_mark!r} … {end_mark!r} block to fill", location=Location.of(where))
        text = text[: start + len(start_mark)] + "\n" + section_table(section) + text[end:]
    return text


"""The words of a language, read from its data files ``kg/extract/lang/<code>/units.yaml`` and ``words.yaml``.

A language's number reader needs to know which words after a figure are its unit: counters ("개", "명", "GPUs"),
currency words ("달러", "dollars"). These are data, not code: each language package ships a ``units.yaml``::

    units:                                   # word after a number → the unit it names
      달러: {unit: USD, kind: currency}       # currency: an ISO 4217 code CLDR (babel) knows
      명: {unit: person, kind: count}         # count, ratio, score: a unit key

The file is checked when the package is imported; a mistake stops with an ``InputError`` naming file:line:column.
Currency codes must be ISO 4217 codes of CLDR (``babel.numbers.list_currencies``), the same list the proposals of
currency units come from (``kg.extract.propose``); the words are the hand-written extras CLDR has no entry for
(counters, colloquial currency words such as "달러" or "bucks").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ...yamlsource import Node, Source
from . import LANG_DIR

QUANTITY_KINDS = ("count", "currency", "ratio", "score")
_UNIT_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")


@cache
def _currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def read_units(path: Path) -> dict[str, tuple[str, str]]:
    """The unit words of ``path``: word → (unit key, kind), in the file's order."""
    top = Source(path).root.mapping("a language's unit words")
    top.check_keys({"units"})
    node = top.require("units")
    out: dict[str, tuple[str, str]] = {}
    for word, word_node, body_node in node.mapping("units").items():
        what = f"units.{word}"
        if not word.strip() or word != word.strip():
            raise word_node.fail(f"{what}: a unit word must not be empty or start or end with a space")
        body = body_node.mapping(what)
        body.check_keys({"unit", "kind"})
        kind_node = body.require("kind")
        kind = kind_node.string(f"{what}.kind")
        if kind not in QUANTITY_KINDS:
            raise kind_node.fail(f"{what}: unknown kind {kind!r}", hint=f"use one of: {', '.join(QUANTITY_KINDS)}")
        unit_node = body.require("unit")
        unit = unit_node.string(f"{what}.unit")
        if kind == "currency" and unit not in _currencies():
            raise unit_node.fail(f"{what}: {unit!r} is not an ISO 4217 currency code CLDR knows",
                                 hint="write the currency's three-letter code, e.g. USD")
        if not _UNIT_KEY.match(unit):
            raise unit_node.fail(f"{what}: bad unit key {unit!r}", hint="letters, digits and hyphens")
        out[word] = (unit, kind)
    return out


def package_units(code: str) -> dict[str, tuple[str, str]]:
    """The unit words of the language package ``code`` (its ``units.yaml``)."""
    return read_units(LANG_DIR / code / "units.yaml")


@dataclass(frozen=True)
class LanguageWords:
    """The word lists of a language's ``words.yaml`` (how it marks unattributed estimates, overall ranks, bounds,
    forecasts and ranges; which words before a rank are no pillar; which label words name nothing)."""

    unattributed: tuple[str, ...] = ()
    overall: tuple[str, ...] = ()
    qualifiers: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    forecast: tuple[str, ...] = ()
    range_gap: str | None = None
    range_between: tuple[str, str] | None = None
    range_not_after: str | None = None
    not_pillar: frozenset[str] = frozenset()
    bare_upper_bound: tuple[str, ...] = ()
    label_stopwords: frozenset[str] = frozenset()


_QUALIFIER_SIDES = ("before", "after")
_QUALIFIED = ("upper-bound", "lower-bound")


def _words(node: Node, what: str) -> list[str]:
    out = []
    for item in node.sequence(what):
        word = item.string(what)
        if not word.strip():
            raise item.fail(f"{what}: a word is blank", hint="remove it")
        out.append(word)
    return out


def _regex(node: Node, what: str) -> str:
    text = node.string(what)
    try:
        re.compile(text)
    except re.error as exc:
        raise node.fail(f"{what}: not a regular expression ({exc})") from None
    return text


def read_words(path: Path) -> LanguageWords:
    """The word lists of ``path`` (a language package's ``words.yaml``), checked with file:line:column errors."""
    top = Source(path).root.mapping("a language's word lists")
    top.check_keys({"unattributed", "overall", "qualifiers", "forecast", "range_gap", "range_between",
                    "range_not_after", "not_pillar", "bare_upper_bound", "label_stopwords"})
    qualifiers: dict[str, dict[str, list[str]]] = {}
    if (node := top.get("qualifiers")) is not None:
        for name, name_node, body_node in node.mapping("qualifiers").items():
            if name not in _QUALIFIED:
                raise name_node.fail(f"qualifiers: unknown qualifier {name!r}", hint="use " + " or ".join(_QUALIFIED))
            body = body_node.mapping(f"qualifiers.{name}")
            body.check_keys(set(_QUALIFIER_SIDES))
            qualifiers[name] = {side: _words(side_node, f"qualifiers.{name}.{side}")
                                for side, _, side_node in body.items()}
    between: tuple[str, str] | None = None
    if (node := top.get("range_between")) is not None:
        parts = node.sequence("range_between")
        if len(parts) != 2:
            raise node.fail("range_between: two regular expressions, before the first figure and between the two")
        between = (_regex(parts[0], "range_between"), _regex(parts[1], "range_between"))

    def words(key: str) -> tuple[str, ...]:
        node = top.get(key)
        return tuple(_words(node, key)) if node is not None else ()

    def regex(key: str) -> str | None:
        node = top.get(key)
        return _regex(node, key) if node is not None else None

    return LanguageWords(unattributed=words("unattributed"), overall=words("overall"), qualifiers=qualifiers,
                         forecast=words("forecast"), range_gap=regex("range_gap"), range_between=between,
                         range_not_after=regex("range_not_after"), not_pillar=frozenset(words("not_pillar")),
                         bare_upper_bound=words("bare_upper_bound"),
                         label_stopwords=frozenset(words("label_stopwords")))


def package_words(package_dir: Path) -> LanguageWords:
    """The word lists of the language package in ``package_dir`` (its ``words.yaml``)."""
    return read_words(package_dir / "words.yaml")

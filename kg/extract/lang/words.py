"""The unit words of a language, read from its data file ``kg/extract/lang/<code>/units.yaml``.

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
from functools import cache
from pathlib import Path

from ...yamlsource import Source

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


def package_units(package_file: str) -> dict[str, tuple[str, str]]:
    """The unit words of the language package whose module file is ``package_file`` (its ``units.yaml``)."""
    return read_units(Path(package_file).with_name("units.yaml"))

"""Friendly parameter values: resolve a country, entity, indicator, ranking or classification given by any
registry key, name or alias (English or Korean, any case) to its registry key.

The names are read from the store (the registry graph: ``dcterms:identifier``, ``nkg:isoCode``, ``rdfs:label``,
``skos:altLabel``, ``skos:hiddenLabel``), never from the YAML files, so this works for any store and any
endpoint. Which parameters are resolved is decided by their name (``RESOLVED_PARAMS``).
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from collections.abc import Callable, Mapping, Sequence

from .errors import QueryError

# a row of the names query: key, name, strength, en (plain values or text)
NameRow = Mapping[str, object]

# parameter name -> (what it is called in messages, the classes its values are keys of)
_ENTITY_CLASSES = ("Country", "Company", "Organization", "Person", "CountryGroup", "Event", "Publisher")
RESOLVED_PARAMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "country": ("country", ("Country",)),
    "company": ("company", ("Company",)),
    "entity": ("entity", _ENTITY_CLASSES),
    "subject": ("entity", _ENTITY_CLASSES),
    "indicator": ("indicator", ("Indicator",)),
    "ranking": ("ranking", ("RankingSeries",)),
    "classification": ("classification", ("Classification",)),
}

# How strongly a name identifies its node: a key or ISO code beats a label, a label beats an alias, an alias
# beats a search keyword. A value is resolved by the strongest kind of name it matches.
_NAMES_QUERY = """
SELECT DISTINCT ?key ?name ?strength ?en WHERE {{
  VALUES ?class {{ {classes} }}
  ?node a ?class ; dcterms:identifier ?key .
  {{ ?node dcterms:identifier ?id BIND(STR(?id) AS ?name) BIND(0 AS ?strength) }}
  UNION {{ ?node nkg:isoCode ?code BIND(STR(?code) AS ?name) BIND(0 AS ?strength) }}
  UNION {{ ?node rdfs:label ?label BIND(STR(?label) AS ?name) BIND(1 AS ?strength) }}
  UNION {{ ?node skos:altLabel ?alias BIND(STR(?alias) AS ?name) BIND(2 AS ?strength) }}
  UNION {{ ?node skos:hiddenLabel ?word BIND(STR(?word) AS ?name) BIND(3 AS ?strength) }}
  OPTIONAL {{ ?node rdfs:label ?enLabel FILTER(LANGMATCHES(LANG(?enLabel), "en")) }}
  OPTIONAL {{ ?node rdfs:label ?ownLabel FILTER(!BOUND(?enLabel) && !STRENDS(LCASE(LANG(?ownLabel)), "-latn")) }}
  BIND(COALESCE(?enLabel, ?ownLabel) AS ?en)
}}
"""


@dataclass(frozen=True)
class Resolution:
    """``param`` given as ``given`` was resolved to the registry key ``key``, whose English name is ``label`` (a
    proposed entry without one: its own name, e.g. Korean; never a romanisation)."""

    param: str
    given: str
    key: str
    label: str

    @property
    def changed(self) -> bool:
        return self.given != self.key

    def __str__(self) -> str:
        name = f" ({self.label})" if self.label and self.label != self.key else ""
        return f"{self.param}={self.given} → {self.key}{name}"


def normalise(text: str) -> str:
    """Compare names case- and width-insensitively, with runs of spaces as one."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()


def names_query(classes: tuple[str, ...]) -> str:
    return _NAMES_QUERY.format(classes=" ".join(f"nkg:{c}" for c in classes))


def resolve_value(param: str, raw: str, rows: Sequence[NameRow]) -> Resolution:
    """Resolve ``raw`` against ``rows`` of the names query (dicts with key, name, strength, en)."""
    what = RESOLVED_PARAMS[param][0]
    wanted = normalise(raw)
    english: dict[str, str] = {}
    for row in rows:
        if row.get("en") and str(row["key"]) not in english:
            english[str(row["key"])] = str(row["en"])
    matches: dict[int, set[str]] = {}
    for row in rows:
        if normalise(str(row["name"])) == wanted:
            matches.setdefault(int(str(row["strength"])), set()).add(str(row["key"]))
    if matches:
        keys = sorted(matches[min(matches)])
        if len(keys) > 1:
            choices = ", ".join(_describe(k, english) for k in keys)
            raise QueryError(f"{param}={raw!r} is ambiguous: it names the {what} {choices}",
                             hint=f"give the key, e.g. --param {param}={keys[0]}")
        key = keys[0]
        return Resolution(param, raw, key, english.get(key, ""))
    raise QueryError(f"unknown {what} {raw!r} for parameter {param!r}", hint=_closest(param, raw, rows, english))


def _describe(key: str, english: dict[str, str]) -> str:
    label = english.get(key)
    return f"{key} ({label})" if label and label != key else key


def _closest(param: str, raw: str, rows: Sequence[NameRow], english: dict[str, str]) -> str:
    by_name: dict[str, set[str]] = {}
    for row in rows:
        by_name.setdefault(normalise(str(row["name"])), set()).add(str(row["key"]))
    close = difflib.get_close_matches(normalise(raw), list(by_name), n=8, cutoff=0.5)
    keys: list[str] = []
    for name in close:
        for key in sorted(by_name[name]):
            if key not in keys:
                keys.append(key)
    if not keys:
        return f"no registry key, name or alias is close; keys look like {_examples(rows)}"
    return "closest matches: " + ", ".join(_describe(k, english) for k in keys[:5])


def _examples(rows: Sequence[NameRow]) -> str:
    keys = sorted({str(r["key"]) for r in rows})
    return ", ".join(keys[:3]) + (" …" if len(keys) > 3 else "") if keys else "(the store holds none)"


def resolve_params(declared: list[str], given: dict[str, str],
                   names: Callable[[str], Sequence[NameRow]]) -> tuple[dict[str, str], list[Resolution]]:
    """Replace the values of resolvable parameters in ``given`` by registry keys.

    ``declared`` are the query's parameter names; ``names(text)`` runs a SPARQL SELECT (on the store or an
    endpoint) and returns its rows as dicts of plain values. Parameters not in ``RESOLVED_PARAMS`` pass as given.
    """
    out = dict(given)
    resolved = []
    for param in declared:
        if param not in given or param not in RESOLVED_PARAMS:
            continue
        rows = names(names_query(RESOLVED_PARAMS[param][1]))
        resolution = resolve_value(param, given[param], rows)
        out[param] = resolution.key
        resolved.append(resolution)
    return out, resolved

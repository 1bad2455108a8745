"""The build state's record of each graph, kept as one compact string and decoded only when needed, and the sums
over every graph kept beside them, so a build that changes one article reads and writes what that article
changed, not a JSON object per article.

An entry (the build state's "graphs": key -> entry; kg.store) is ``"<hash> <draft> <results> <body>"``: the hash
of what the graph was built from, ``1``/``0`` for a draft / reviewed article's sheet (``-`` for the registry graph), the
number of validation results the graph holds, and its body as compact JSON: ``{"counts": ..., "editions": ...,
"results": ...}`` (kg.graphcounts counts, the ranking editions the article uses, its validation results). The
hash, the draft flag and whether there are results are read without decoding the body.

``Sums`` (the build state's "sums") adds up every entry's counts and editions, with how many graphs hold each
entity and each edition, so a build subtracts the entries it replaces and adds the new ones instead of adding up all of
them (the totals a build reports, and the editions the shared rankings graph is made from).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .graphcounts import FIELDS, GraphCounts, Totals, is_graph_counts

Entry = str
Body = dict[str, Any]   # {"counts": GraphCounts, "editions": [[series, year or None]...], "results": [...]}
Edition = tuple[str, int | None]
K = TypeVar("K")


def make_entry(digest: str, draft: bool | None, results: list[dict[str, Any]], editions: list[list[Any]] | None,
               counts: GraphCounts) -> Entry:
    """The entry of one graph (``editions`` None: the registry graph, which has no sheet)."""
    body: Body = {"counts": counts, "results": results}
    if editions is not None:
        body["editions"] = editions
    flag = "-" if draft is None else "1" if draft else "0"
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return f"{digest} {flag} {len(results)} {text}"


def entry_hash(entry: Entry) -> str:
    return entry[:entry.index(" ")]


def entry_draft(entry: Entry) -> bool:
    # read in place: splitting would copy the body (the state's outline is checked when it is read, kg.store)
    return entry[entry.index(" ") + 1] == "1"


def has_results(entry: Entry) -> bool:
    return not entry.startswith("0 ", entry.index(" ") + 3)


def entry_body(entry: Entry) -> Body:
    """The decoded body; ValueError when it is not one (a state written by a faulty build)."""
    body = json.loads(entry.split(" ", 3)[3])
    if not (isinstance(body, dict) and is_graph_counts(body.get("counts"))
            and isinstance(body.get("results"), list) and all(isinstance(r, dict) for r in body["results"])
            and isinstance(body.get("editions", []), list)
            and all(isinstance(e, list) and len(e) == 2 and isinstance(e[0], str)
                    and (e[1] is None or type(e[1]) is int) for e in body.get("editions", []))):
        raise ValueError("not a graph record")
    return body


# an entry's outline: hash, draft flag, number of results (ASCII digits), the start of the body
_OUTLINE = re.compile(r"[^ ]+ [01-] [0-9]+ \{")


def is_entry(value: object) -> bool:
    """Whether ``value`` has an entry's outline (the body is checked when decoded)."""
    return isinstance(value, str) and _OUTLINE.match(value) is not None


def first_non_entry(entries: dict[str, object]) -> str | None:
    """The key of the first value of ``entries`` that has no entry's outline, or None (10,000 entries are
    checked per build: matched in one loop, without copying a body)."""
    match = _OUTLINE.match
    for key, value in entries.items():
        if type(value) is not str or match(value) is None:
            return key
    return None


@dataclass
class Sums:
    """The counts and editions of a set of entries added up (see the module docstring)."""
    scalars: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    entities: Counter[str] = field(default_factory=Counter)
    linked: Counter[str] = field(default_factory=Counter)
    editions: Counter[Edition] = field(default_factory=Counter)

    def add(self, body: Body, sign: int = 1) -> None:
        counts = body["counts"]
        for name in FIELDS:
            self.scalars[name] += sign * counts[name]
        _count(self.entities, counts["entities"], sign)
        _count(self.linked, counts["linked"], sign)
        _count(self.editions, [(e[0], e[1]) for e in body.get("editions", [])], sign)

    def totals(self, more: Iterable[GraphCounts] = ()) -> Totals:
        """The totals of the entries summed, with the counts of other graphs (``more``) added."""
        entities, linked = set(self.entities), set(self.linked)
        out = Totals(**{name: self.scalars[name] for name in FIELDS})
        for one in more:
            out.quads += one["quads"]
            out.facts += one["facts"]
            out.draft_articles += one["draft_articles"]
            out.draft_facts += one["draft_facts"]
            entities.update(one["entities"])
            linked.update(one["linked"])
        out.entities = len(entities)
        out.entities_without_wikidata = len(entities - linked)
        return out

    def to_json(self) -> dict[str, Any]:
        return {**self.scalars, "entities": dict(sorted(self.entities.items())),
                "linked": dict(sorted(self.linked.items())),
                "editions": sorted([ref, year, n] for (ref, year), n in self.editions.items())}

    @classmethod
    def from_json(cls, value: object) -> Sums:
        """The sums as ``to_json`` gave them; ValueError when ``value`` is not of that shape."""
        if not (isinstance(value, dict) and all(type(value.get(name)) is int for name in FIELDS)
                and isinstance(value.get("entities"), dict) and isinstance(value.get("linked"), dict)
                and isinstance(value.get("editions"), list)):
            raise ValueError("not the sums of a build state")
        sums = cls({name: value[name] for name in FIELDS}, Counter(value["entities"]), Counter(value["linked"]))
        for item in value["editions"]:
            if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], str)
                    and (item[1] is None or type(item[1]) is int) and type(item[2]) is int):
                raise ValueError("not the sums of a build state")
            sums.editions[(item[0], item[1])] = item[2]
        if not all(type(n) is int and n > 0 for n in (*sums.entities.values(), *sums.linked.values())):
            raise ValueError("not the sums of a build state")
        return sums

    def copy(self) -> Sums:
        return Sums(dict(self.scalars), Counter(self.entities), Counter(self.linked), Counter(self.editions))


def _count(target: Counter[K], items: Iterable[K], sign: int) -> None:
    for item in items:
        target[item] += sign
        if target[item] == 0:
            del target[item]


def replaced(sums: Sums, old: dict[str, Entry], new: dict[str, Entry]) -> Sums:
    """``sums`` (of the entries ``old``) made the sums of ``new``: entries that differ are taken out and put in;
    the rest (most of them, in an incremental build) are not decoded."""
    out = sums.copy()
    for key, entry in old.items():
        if new.get(key) != entry:
            out.add(entry_body(entry), -1)
    for key, entry in new.items():
        if old.get(key) != entry:
            out.add(entry_body(entry))
    return out


def sums_of(entries: Iterable[Entry]) -> Sums:
    out = Sums()
    for entry in entries:
        out.add(entry_body(entry))
    return out

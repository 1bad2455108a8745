"""Open-world drafting: registry entries proposed for what an article names and the registries lack.

A :class:`Proposals` collects, for one article, the indicators, ranking series, units, entities and
classifications a draft refers to but the registries do not define. Before proposing, a name is looked up in the
registry (labels and aliases, compared normalised: case, spaces and punctuation ignored) and among the article's
earlier proposals, so "the same label → the same key". Proposed entries are written in the registries' own format
with ``proposed: true`` (``kg.extract.write_batch`` merges them into ``OUT/registries/*.yaml``).

Keys are slugs of the English label, or of a romanisation of a Korean one (Revised Romanisation, letter by
letter: "데이터 센터" → ``deiteo-senteo``), so they are stable across runs and articles.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import cache
from typing import Any

from ..model import Registry, display_name

# a proposed registry entry, in the registries' YAML shape (label, description, type, …)
Entry = dict[str, Any]

SECTIONS = ("entities", "units", "indicators", "rankings", "classifications")

# Revised Romanisation of Hangul, syllable by syllable (no sound changes across syllables: keys, not phonetics)
_INITIAL = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
_MEDIAL = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi",
           "yu", "eu", "ui", "i"]
_FINAL = ["", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t",
          "ng", "t", "t", "k", "t", "p", "t"]


def romanize(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch) - 0xAC00
        if 0 <= code < 11172:
            out.append(_INITIAL[code // 588] + _MEDIAL[(code % 588) // 28] + _FINAL[code % 28])
        else:
            out.append(ch)
    return "".join(out)


_SLUG = re.compile(r"[^a-z0-9]+")


def key_for(text: str, fallback: str = "proposed") -> str:
    slug = _SLUG.sub("-", romanize(unicodedata.normalize("NFKC", text)).lower()).strip("-")
    return slug[:60].strip("-") or fallback


def normal(text: str) -> str:
    """A name compared loosely: NFKC, case-folded, without spaces, punctuation or quotes."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


_NOT_WORD = re.compile(r"[\W_]+")


# English labels of the generic units the number readers give (the readers name them by these keys)
_UNIT_NAMES = {
    "percent": ("per cent", "%", "ratio"), "point": ("points", "점", "other"), "hour": ("hours", "시간", "count"),
    "item": ("items", "개", "count"), "unit": ("units", "대", "count"), "place": ("places", "곳", "count"),
    "country": ("countries", "개국", "count"), "company": ("companies", "개사", "count"),
    "person": ("persons", "명", "count"), "case": ("cases", "건", "count"), "site": ("sites", "개소", "count"),
}


@cache
def _currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def currency_labels(code: str) -> dict[str, str] | None:
    """Korean and English names of an ISO 4217 currency, from CLDR (babel)."""
    if code not in _currencies():
        return None
    from babel.numbers import get_currency_name

    return {"en": get_currency_name(code, locale="en"), "ko": get_currency_name(code, locale="ko")}


_INDEXES: dict[int, tuple[Registry, dict[tuple[str, str], str]]] = {}


def _registry_index(registry: Registry) -> dict[tuple[str, str], str]:
    """Normalised labels and aliases of the registry's entries → keys (built once per registry)."""
    hit = _INDEXES.get(id(registry))
    if hit is not None and hit[0] is registry:
        return hit[1]
    index: dict[tuple[str, str], str] = {}
    for section, items in (("indicators", registry.indicators), ("rankings", registry.rankings)):
        for key, item in items.items():
            for text in item.label.values():
                index.setdefault((section, normal(text)), key)
    for key, ent in registry.entities.items():
        for text in list(ent.label.values()) + [a for v in ent.aliases.values() for a in v]:
            index.setdefault(("entities", normal(text)), key)
    for key, cls in registry.classifications.items():
        for text in cls.label.values():
            index.setdefault(("classifications", normal(text)), key)
    if len(_INDEXES) > 4:
        _INDEXES.clear()
    _INDEXES[id(registry)] = (registry, index)
    return index


class Proposals:
    """The registry entries one article's draft proposes (each marked ``proposed: true``)."""

    def __init__(self, registry: Registry):
        self.registry = registry
        self.entries: dict[str, dict[str, Entry]] = {s: {} for s in SECTIONS}
        self._base = _registry_index(registry)          # shared by the articles of a process
        self._index: dict[tuple[str, str], str] = {}     # this article's proposals

    def _lookup(self, section: str, name: str) -> str | None:
        k = (section, normal(name))
        return self._index.get(k) or self._base.get(k)

    def _taken(self, section: str, key: str) -> bool:
        if key in self.entries[section]:
            return True
        if section == "entities":
            return key in self.registry.entities or key.upper() == key
        known: dict[str, Mapping[str, object]] = {
            "units": self.registry.units, "indicators": self.registry.indicators,
            "rankings": self.registry.rankings, "classifications": self.registry.classifications}
        return key in known[section]

    def _add(self, section: str, names: list[str], base: str, entry: Entry) -> str:
        for name in names:
            hit = self._lookup(section, name)
            if hit is not None:
                return hit
        key, n = base, 2
        while self._taken(section, key):
            key, n = f"{base}-{n}", n + 1
        self.entries[section][key] = {**entry, "proposed": True}
        for name in names:
            self._index.setdefault((section, normal(name)), key)
        return key

    # ------------------------------------------------------------------------------------------ entries
    def unit(self, code: str | None, counter: str | None = None) -> str | None:
        """The registry key for a unit the readers named; proposed when the registries lack it."""
        if code is None:
            return None
        if code in self.registry.units or code in self.entries["units"]:
            return code
        labels = currency_labels(code)
        if labels is not None:
            self.entries["units"][code] = {"label": labels, "kind": "currency", "proposed": True}
            return code
        en, ko, kind = _UNIT_NAMES.get(code, (code, counter or code, "other"))
        self.entries["units"][code] = {"label": {"en": en, "ko": counter if counter and kind == "count" else ko},
                                       "kind": kind, "proposed": True}
        return code

    def unit_kind(self, code: str | None) -> str | None:
        if code is None:
            return None
        unit = self.registry.units.get(code)
        if unit is not None:
            return unit.kind
        entry = self.entries["units"].get(code)
        return entry["kind"] if entry else None

    def indicator(self, phrase: str, lang: str, unit: str | None, note: str) -> str:
        """An indicator named by the article's own noun phrase (both labels carry it until a reviewer
        translates)."""
        label = {"en": phrase, "ko": phrase} if lang != "en" else {"en": phrase}
        return self._add("indicators", [phrase], key_for(phrase, "indicator"),
                         {"label": label, "unit": unit, "description": {"en": note}})

    def ranking(self, name: str, lang: str, publisher: str | None, note: str, *, en: str | None = None) -> str:
        label = {"en": en or name, "ko": name} if lang != "en" else {"en": name}
        entry: Entry = {"label": label}
        if publisher:
            entry["publisher"] = publisher
        entry["description"] = {"en": note}
        return self._add("rankings", [name], key_for(name, "ranking"), entry)

    def entity(self, name: str, lang: str, etype: str, note: str, country: str | None = None) -> str:
        label = {"en": name} if lang == "en" else {"en": name, lang: name}
        entry: Entry = {"type": etype, "label": label}
        if country:
            entry["country"] = country
        entry["description"] = {"en": note}
        return self._add("entities", [name], key_for(name, "entity"), entry)

    def known_entity(self, name: str) -> str | None:
        return self._lookup("entities", name)

    def label(self, section: str, key: str) -> str | None:
        entry = self.entries[section].get(key)
        return str(entry["label"]["en"]) if entry and "en" in entry["label"] else None

    def to_dict(self, text: str = "") -> dict[str, dict[str, Entry]]:
        """The proposals as written (:func:`written_labels`): while the article is read, a Korean proposal's
        ``label.en`` holds the Korean name (the readers compare names with it); no Hangul stays in it."""
        return {s: {k: _written(s, e, text) for k, e in sorted(v.items())}
                for s, v in self.entries.items() if v}


_HANGUL = re.compile(r"[가-힣ㄱ-ㅎㅏ-ㅣ]")
# an English name or acronym in brackets right after a Korean one ("경제협력개발기구(OECD)") or the Korean one in
# brackets right after it ("OECD(경제협력개발기구)"): letters, spaces, &.'- only (no digits: "(H100)" is a model)
_LATIN_NAME = r"([A-Za-z][A-Za-z&.'’ -]{0,58}[A-Za-z.])"
ROMANISED = "ko-Latn"     # the language tag of a romanised Korean label
NO_ENGLISH = "the article gives no English name: add label.en when accepting"


def given_english(name: str, text: str) -> str | None:
    """The English name the article gives in brackets beside ``name`` ("람다랩스(Lambda Labs)",
    "OECD(경제협력개발기구)"), or None."""
    if not text or not name:
        return None
    # both forms need a bracket right before or after the name (at most one space between): looked for first
    n, i = len(name), text.find(name)
    while i >= 0 and "(" not in text[i + n:i + n + 2] and "(" not in text[max(0, i - 2):i]:
        i = text.find(name, i + 1)
    if i < 0:
        return None
    given = re.search(re.escape(name) + r"\s?\(\s?" + _LATIN_NAME + r"\s?\)", text) \
        or re.search(_LATIN_NAME + r"\s?\(\s?" + re.escape(name) + r"\s?\)", text)
    return given.group(1).strip() if given else None


def written_labels(label: Mapping[str, str], text: str, *, acronyms: bool = True) -> dict[str, str]:
    """The labels of a proposal as written: an English label only when it is English the article gives.

    ``label`` is the proposal as read, whose ``en`` may hold the Korean name. Then ``ko`` is the article's name,
    ``en`` the English name the article gives in brackets beside it (absent when it gives none; with
    ``acronyms=False`` an all-capital one such as "IT" in "기술(IT)" glosses the word rather than names it, and does
    not count) and ``ko-Latn`` the Korean name romanised (Revised Romanisation, letter by letter, Latin parts kept)
    for readers of Latin script.
    """
    en = label.get("en")
    if not isinstance(en, str) or not _HANGUL.search(en):
        return dict(label)
    ko = label.get("ko") or en
    out = {k: v for k, v in label.items() if k != "en"}
    out["ko"] = ko
    english = given_english(ko, text) or (given_english(en, text) if en != ko else None)
    if english and not acronyms and not re.search(r"[a-z]", english):
        english = None
    if english:
        out["en"] = english
    elif _HANGUL.search(ko):
        out[ROMANISED] = romanize(ko)
    return dict(sorted(out.items()))


def _written(section: str, entry: Entry, text: str) -> Entry:
    """``entry`` as written: its labels by :func:`written_labels`; with no English label, its description says
    that a reviewer should add one."""
    label = entry.get("label") or {}
    # entities are often named by an acronym (BCG, OECD); a measure, ranking or classification is not
    labels = written_labels(label, text, acronyms=section == "entities")
    if labels == label:
        return entry
    out = {**entry, "label": labels}
    if "en" not in labels and section != "units":          # a unit entry has no description
        note = (entry.get("description") or {}).get("en")
        out["description"] = {**(entry.get("description") or {}),
                              "en": f"{note}; {NO_ENGLISH}" if note else NO_ENGLISH}
    if "proposed" in out:
        out["proposed"] = out.pop("proposed")   # last, as the registries write it
    return out


def reading_names(registry: Registry) -> Registry:
    """``registry`` ready for reading articles: a proposed entry without an English label (a Korean proposal of an
    earlier batch) gets its name in another language as ``label.en`` in memory, as the article's own proposals
    have while it is read (the readers compare names with ``label.en``). Nothing of this is written."""
    items: list[Any] = [*registry.entities.values(), *registry.units.values(), *registry.indicators.values(),
                        *registry.rankings.values(), *registry.classifications.values()]
    items += [g for c in registry.classifications.values() for g in c.groups.values()]
    for item in items:
        if "en" not in item.label:
            item.label["en"] = display_name(item.label)
    return registry

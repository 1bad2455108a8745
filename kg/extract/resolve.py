"""Entity resolution: find registry entities named in a text (labels, aliases, CLDR country names, Hanja).

A ``Gazetteer`` is built once per process from a ``kg.model.Registry``. ``find`` returns non-overlapping
mentions, longest name first. Care taken with ambiguity:
- a Korean name must not be glued to Hangul before it, and what follows must be a particle or a non-letter
  ("메타는" is Meta, "메타버스" is not);
- a single Hanja abbreviation (韓 美 中 佛 英 獨 日 加) counts only when it stands alone: not inside a run of
  other Chinese characters ("中小企業"), except next to another country abbreviation ("美中");
- English names match on word boundaries and case-sensitively (so "Meta" is not "metadata"); of the
  ISO codes only "US" is taken as a name, because most two-letter codes are ordinary words ("IT", "AI").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any
from collections.abc import Callable, Iterable
from operator import methodcaller

from ..model import Registry

PARTICLE_START = set("은는이가을를의에와과도로으만보처까부및께엔서랑하나였")   # 였: the copula ("싱가포르였다")
HANJA_ABBREV = {"韓": "KR", "美": "US", "中": "CN", "佛": "FR", "英": "GB", "獨": "DE", "日": "JP", "加": "CA",
                "露": "RU", "濠": "AU", "伊": "IT", "印": "IN"}
_HANGUL = re.compile(r"[가-힣]")
_START = methodcaller("start")


@dataclass(frozen=True)
class Mention:
    key: str
    type: str
    start: int
    end: int
    text: str


@cache
def _iso_names() -> dict[str, dict[str, str]]:
    import pycountry

    from ..load import country_name

    names: dict[str, dict[str, str]] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        names[code] = {lang: n for lang in ("en", "ko") if (n := country_name(code, lang))}
    return names


def _short_forms(name: str) -> list[str]:
    """How articles write a CLDR name: without its bracketed or "SAR China" qualifier ("홍콩(중국 특별행정구)" →
    "홍콩", "Hong Kong SAR China" → "Hong Kong"), and a Korean name also without its spaces ("유럽 연합" →
    "유럽연합")."""
    out = []
    short = re.sub(r"\s*\([^)]*\)$", "", name)
    short = re.sub(r"\s+SAR\s+China$", "", short)
    if short != name and len(short) >= 2:
        out.append(short)
    if " " in name and _HANGUL.search(name):
        out.append(name.replace(" ", ""))
    return out


def trie_pattern(words: Iterable[str]) -> str:
    """One regex matching any of ``words``, the longest where several start at the same place (as an alternation
    sorted longest first would), written as a trie: at each character one branch, so a search costs about the
    length of the text, not the number of words times it."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + pattern(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # a word may end here: the longer words through this node are tried first (greedy), then the end
        return f"(?:{body})?" if "" in node else body

    return pattern(root) or r"(?!)"


# the names' trie is searched as this many regexes, each for the names of one range of first characters: at a place
# where a name may begin, the regex engine tries the branches of the trie's root one after the other (about 200
# first characters, most of them Hangul), and a quarter of them costs less than the three more searches
TRIE_PARTS = 4


def trie_parts(words: Iterable[str], parts: int = TRIE_PARTS) -> list[re.Pattern[str]]:
    """:func:`trie_pattern` of ``words`` split by first character into ``parts`` regexes. A name that begins at a
    place belongs to exactly one of them, and there it matches what the whole trie matches, so the leftmost match
    of the parts from a place is the whole trie's (``Gazetteer.find``; a hypothesis test compares them)."""
    words = list(words)
    firsts = sorted({w[0] for w in words if w})
    size = max(1, -(-len(firsts) // max(1, parts)))
    groups = [set(firsts[i:i + size]) for i in range(0, len(firsts), size)] or [set()]
    return [re.compile(trie_pattern([w for w in words if w and w[0] in group])) for group in groups]


class Gazetteer:
    """Names → entity keys for one registry, with a Korean and an English matcher."""

    def __init__(self, registry: Registry):
        self.registry = registry
        self.types: dict[str, str] = {}
        names: dict[str, str] = {}

        def add(name: str | None, key: str, etype: str, *, weak: bool = False) -> None:
            if not name or (len(name) < 2 and name not in HANJA_ABBREV):
                return
            self.types.setdefault(key, etype)
            if weak and name in names:
                return
            names.setdefault(name, key)

        for key, ent in registry.entities.items():
            for text in ent.label.values():
                add(text, key, ent.type)
            for values in ent.aliases.values():
                for text in values:
                    add(text, key, ent.type)
        for code, labels in _iso_names().items():
            for text in labels.values():
                add(text, code, "country", weak=True)
                for variant in _short_forms(text):
                    add(variant, code, "country", weak=True)
                # CLDR has "대한민국"; articles write "한국" (in countries.yaml), "South Korea" also as "Korea"
        for hanja, code in HANJA_ABBREV.items():
            add(hanja, code, "country", weak=True)
        add("US", "US", "country", weak=True)
        # demonyms name the country in English prose ("South Korean workers produced …", "Koreans worked …"),
        # and Korean papers write "국내" (at home) for Korea: the `demonyms` of the registry's languages
        for language in registry.languages.values():
            for code, words in language.demonyms.items():
                for word in words:
                    add(word, code, "country", weak=True)
        self.names = names
        self._parts = trie_parts(names)
        self._edges = {name: _edge_tests(name) for name in names}
        self._of_type: dict[str, re.Pattern[str]] = {}
        # no name spans a line break, so :meth:`find` of a text is :meth:`find` of each of its lines
        self._by_line = not any("\n" in n for n in names)

    def _type_pattern(self, etype: str) -> re.Pattern[str]:
        """A regex matching any name of an entity of type ``etype`` (built once per type)."""
        pattern = self._of_type.get(etype)
        if pattern is None:
            pattern = self._of_type[etype] = re.compile(trie_pattern(
                n for n, k in self.names.items() if self.types.get(k, "country") == etype))
        return pattern

    def may_name(self, text: str, etype: str) -> bool:
        """Whether ``text`` holds a name of an entity of type ``etype`` at all (then :meth:`find` may find one;
        if not, it finds none of that type)."""
        return self._type_pattern(etype).search(text) is not None

    def find_of_type(self, text: str, etype: str) -> list[Mention]:
        """The mentions of :meth:`find` that name an entity of type ``etype`` (a whole article is searched for
        its publisher): ``find`` runs only on the lines holding one of their names. No name spans a line break,
        and :meth:`_accept` reads a line break as it reads the end of the text, so ``find`` of a text is ``find``
        of each of its lines (a test compares the two)."""
        if not self._by_line:
            return [m for m in self.find(text) if m.type == etype]
        pattern = self._type_pattern(etype)
        out: list[Mention] = []
        hit = pattern.search(text)
        while hit is not None:
            start = text.rfind("\n", 0, hit.start()) + 1
            end = text.find("\n", hit.end())
            if end < 0:
                end = len(text)
            out.extend(Mention(m.key, m.type, m.start + start, m.end + start, m.text)
                       for m in self.find(text[start:end]) if m.type == etype)
            hit = pattern.search(text, end)
        return out

    def korean_words(self) -> list[str]:
        """Names to add to the Korean analyser as proper nouns (no spaces, some Hangul)."""
        return sorted(n for n in self.names if " " not in n and _HANGUL.search(n) and len(n) >= 2)

    def label(self, key: str, lang: str) -> str:
        ent = self.registry.entities.get(key)
        if ent is not None:
            return ent.label.get(lang) or ent.label.get("en") or key
        return _iso_names().get(key, {}).get(lang) or key

    def find(self, text: str) -> list[Mention]:
        """The names of ``text``, left to right, none overlapping: :meth:`find_stepwise`'s mentions. Each part's
        matches are found in one ``finditer`` and merged by start; as long as each starts after the one before
        and is accepted (almost always), that is what the stepwise search finds (it searches a part again only
        after an overlap or a rejected match: then it is run instead)."""
        found = [m for part in self._parts for m in part.finditer(text)]
        if len(found) > 1:
            found.sort(key=_START)
        out: list[Mention] = []
        end, n = 0, len(text)
        names, types, edges = self.names, self.types, self._edges
        for m in found:
            a, b = m.span()
            name = m.group()
            before, after = edges[name]
            if a < end or (before is not None and a > 0 and before(text[a - 1])) \
                    or (after is not None and b < n and after(text[b])):
                return self.find_stepwise(text)
            key = names[name]
            out.append(Mention(key, types.get(key, "country"), a, b, name))
            end = b
        return out

    def find_stepwise(self, text: str) -> list[Mention]:
        """Non-overlapping mentions, left to right: from a place on, the leftmost match of the parts (the whole
        trie's match there); a match :meth:`_accept` refuses is passed over one character on."""
        out: list[Mention] = []
        pos = 0
        parts = self._parts
        ahead = [p.search(text) for p in parts]      # each part's next match at or after ``pos``
        while True:
            m = None
            for i, cached in enumerate(ahead):
                found = cached
                if found is not None and found.start() < pos:
                    found = ahead[i] = parts[i].search(text, pos)
                if found is not None and (m is None or found.start() < m.start()):
                    m = found
            if m is None:
                break
            name = m.group(0)
            if self._accept(text, m.start(), m.end(), name):
                key = self.names[name]
                out.append(Mention(key, self.types.get(key, "country"), m.start(), m.end(), name))
                pos = m.end()
            else:
                pos = m.start() + 1
        return out

    def _accept(self, text: str, start: int, end: int, name: str) -> bool:
        before = text[start - 1] if start > 0 else ""
        after = text[end] if end < len(text) else ""
        first, last = name[0], name[-1]
        if len(name) == 1 and _is_han(first):
            ok_before = not before or not _is_han(before) or before in HANJA_ABBREV
            ok_after = not after or not _is_han(after) or after in HANJA_ABBREV
            return ok_before and ok_after
        if _is_hangul(first) and before and _is_hangul(before):
            return False
        if _is_hangul(last) and after and _is_hangul(after) and after not in PARTICLE_START:
            return False
        if _is_latin(first) and before and _is_latin(before):
            return False
        return not (_is_latin(last) and after and _is_latin(after) and not name.endswith("."))


def _edge_tests(name: str) -> tuple[Callable[[str], bool] | None, Callable[[str], bool] | None]:
    """What :meth:`Gazetteer._accept` asks of the characters around ``name``, decided once per name: a test of
    the character before it and one of the character after it that refuses the match (None: any character,
    or none, is fine)."""
    first, last = name[0], name[-1]
    if len(name) == 1 and _is_han(first):
        return _is_other_han, _is_other_han
    before = _is_hangul if _is_hangul(first) else _is_latin if _is_latin(first) else None
    after = _glues_hangul if _is_hangul(last) else \
        _is_latin if _is_latin(last) and not name.endswith(".") else None
    return before, after


def _is_other_han(ch: str) -> bool:
    """A Chinese character other than a country's abbreviation (a lone abbreviation must not be glued to one)."""
    return _is_han(ch) and ch not in HANJA_ABBREV


def _glues_hangul(ch: str) -> bool:
    """Hangul after a Korean name that makes it part of a longer word (not a particle)."""
    return _is_hangul(ch) and ch not in PARTICLE_START


# one character each (the checks of ``Gazetteer._accept``, per match, without a regex call)
def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _is_hangul(ch: str) -> bool:
    return "가" <= ch <= "힣"


def _is_latin(ch: str) -> bool:
    return "A" <= ch <= "Z" or "a" <= ch <= "z" or "0" <= ch <= "9"

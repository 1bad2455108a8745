"""Literal gates: a pattern is searched only in texts that hold a word every one of its matches holds.

Python's regex engine skips quickly to where a match can begin only when the pattern opens with literal characters
and is case-sensitive; a pattern that opens with ``\\b``, a lookaround, or an alternation of words under
``re.IGNORECASE`` is tried at every character of the text. Most sentences hold none of a pattern's words, so
:class:`Gated` first asks whether one of them occurs (``str`` containment, lower-cased for a case-insensitive
pattern) and runs the regex only then: the same matches, found where they are, for a fraction of the cost.

The words are read from the compiled pattern itself (the standard library's regex parser): for every alternative,
a run of literal characters every match of it holds (of a group or a repeat taken at least once, too), the most
telling run where there are several ("spot|place|position" rather than "the"). When some alternative holds no
literal at all (only character classes, optional parts, backreferences), or a case-insensitive pattern's literal
is a letter outside ASCII, there is no gate and the pattern is always searched.
Case-insensitively, a text character matches an ASCII letter when its lower case is that letter, except for "İ",
"ı" and "ſ", which the regex engine also takes for "i" and "s": a text holding one of them is always searched.
``tests/test_extract_fast_paths.py`` compares the gated searches with the plain ones on random text.

Once the gate has passed, a pattern the regex engine would try at every character (it opens with a word boundary,
a lookaround, or words under ``re.IGNORECASE``) is matched only where one of the words every match begins with
occurs (:func:`leading_words`, ``Gated.starts``). :class:`PrefixMatches` gives a pattern's matches before each of
many positions of one text from one scan of it. ``tests/test_extract_speed_x9c.py`` compares both with the plain
searches.
"""
from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from typing import Any

# the standard library's regex parser (``sre_parse`` under its current name); untyped, private, stable since 3.11
_parser: Any = importlib.import_module("re._parser")
_const: Any = importlib.import_module("re._constants")

# characters the regex engine matches case-insensitively with an ASCII letter whose lower case is not that letter
_ODD_CASE = re.compile("[\u0130\u0131\u017f]")


def _odd_case(text: str) -> bool:
    """``_ODD_CASE.search(text) is not None``, by ``str`` containment (the regex engine tries a character set at
    every character)."""
    return "\u0130" in text or "\u0131" in text or "\u017f" in text


def _uncased(ch: str) -> bool:
    """A character that only matches itself, with or without ``re.IGNORECASE`` (Hangul, Han, digits, spaces …)."""
    return ch.isascii() or not (ch.lower() != ch or ch.upper() != ch or ch.casefold() != ch)


# words too common to tell texts apart: another word the match needs is preferred
_COMMON = frozenset({"the", "of", "and", "in", "to", "a", "an", "is", "at", "on", "for", "by", "as", "or"})


def _score(words: list[str]) -> tuple[int, int, int]:
    shortest = min(len(w) for w in words)
    return (shortest if not any(w.strip().lower() in _COMMON for w in words) else 0, shortest, -len(words))


def _required(items: list[tuple[Any, Any]]) -> list[str] | None:
    """Words one of which every match of the sequence ``items`` holds (the most telling such set), or None."""
    options: list[list[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            options.append(["".join(run)])
            run.clear()

    for op, av in items:
        if op is _const.LITERAL:
            run.append(chr(av))
            continue
        flush()
        found: list[str] | None = None
        if op is _const.SUBPATTERN and not av[1] and not av[2]:      # a group without inline flags
            found = _required(list(av[3].data))
        elif op is _const.BRANCH:
            found = []
            for branch in av[1]:
                words = _required(list(branch.data))
                if words is None:
                    found = None
                    break
                found += words
        elif op in (_const.MAX_REPEAT, _const.MIN_REPEAT) and av[0] >= 1:   # "x+", "(?:…){2,}": there at least once
            found = _required(list(av[2].data))
        if found:
            options.append(found)
    flush()
    return max(options, key=_score) if options else None


def _parsed(pattern: re.Pattern[str]) -> Any:
    """The regex engine's parse of ``pattern`` (its private parser's tree), or None when it cannot be read for
    words: the parser refuses it, or it is verbose, locale-dependent or not a text pattern."""
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - whatever the private parser raises: then simply no gate or shortcut
        return None
    if parsed.state.flags & (re.VERBOSE | re.LOCALE) or not isinstance(pattern.pattern, str):
        return None
    return parsed


def literal_words(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """Words one of which every match of ``pattern`` holds (lower-cased for a case-insensitive pattern), or None
    when the pattern has no such set. Shorter words that lie inside longer ones replace them."""
    parsed = _parsed(pattern)
    if parsed is None:
        return None
    found = _required(list(parsed.data))
    if not found:
        return None
    fold = bool(parsed.state.flags & re.IGNORECASE)
    if fold:
        if not all(_uncased(ch) for word in found for ch in word):
            return None
        found = [w.lower() for w in found]
    unique = sorted(set(found), key=lambda w: (len(w), w))
    kept: list[str] = []
    for w in unique:
        if not any(k in w for k in kept):
            kept.append(w)
    return tuple(kept)


# zero-width at the place a match begins: a match of what follows begins at the same place
_ZERO_WIDTH = (_const.AT, _const.ASSERT, _const.ASSERT_NOT)


def _leading(items: list[tuple[Any, Any]]) -> list[str] | None:
    """Words one of which every match of the sequence ``items`` begins with, or None."""
    i = 0
    while i < len(items) and items[i][0] in _ZERO_WIDTH:
        i += 1
    if i == len(items):
        return None
    op, av = items[i]
    if op is _const.LITERAL:
        run = []
        while i < len(items) and items[i][0] is _const.LITERAL:
            run.append(chr(items[i][1]))
            i += 1
        return ["".join(run)]
    if op is _const.SUBPATTERN and not av[1] and not av[2]:      # a group without inline flags
        return _leading(list(av[3].data))
    if op is _const.BRANCH:
        found: list[str] = []
        for branch in av[1]:
            words = _leading(list(branch.data))
            if words is None:
                return None
            found += words
        return found
    if op in (_const.MAX_REPEAT, _const.MIN_REPEAT) and av[0] >= 1:   # "x+": begins with its first x
        return _leading(list(av[2].data))
    return None


def _scanned_by_prefix(items: list[tuple[Any, Any]]) -> bool:
    """Does the regex engine skip to where a match can begin (the sequence opens with a literal, or with an
    alternation whose branches all do)? Then it needs no help finding those places."""
    while items and items[0][0] is _const.SUBPATTERN and not items[0][1][1] and not items[0][1][2]:
        items = list(items[0][1][3].data)
    if not items:
        return False
    op, av = items[0]
    if op is _const.LITERAL:
        return True
    return op is _const.BRANCH and all(b.data and b.data[0][0] is _const.LITERAL for b in av[1])


def leading_words(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """Words one of which every match of ``pattern`` begins with (lower-cased for a case-insensitive pattern), when
    the regex engine would try the pattern at every character (it opens with a word boundary, a lookaround, or
    words under ``re.IGNORECASE``); None otherwise. A word that begins with a shorter one is left out."""
    parsed = _parsed(pattern)
    if parsed is None:
        return None
    flags = parsed.state.flags
    items = list(parsed.data)
    fold = bool(flags & re.IGNORECASE)
    if not fold and _scanned_by_prefix(items):
        return None
    found = _leading(items)
    if not found:
        return None
    if fold:
        if not all(_uncased(ch) for word in found for ch in word):
            return None
        found = [w.lower() for w in found]
    kept: list[str] = []
    for w in sorted(set(found), key=lambda w: (len(w), w)):
        if not any(w.startswith(k) for k in kept):
            kept.append(w)
    return tuple(kept)


# the text lower-cased last: (text, lower-cased, whether it holds an odd-case letter); several gates ask about one
# sentence in a row (one tuple, replaced whole: a thread never reads one text's lower case with another's)
_LOWER: list[tuple[str, str, bool]] = [("", "", False)]


def _lowered(text: str) -> tuple[str, bool]:
    """The text lower-cased, and whether it holds a letter the regex engine folds unlike ``str.lower``."""
    last = _LOWER[0]
    if last[0] is not text:
        last = _LOWER[0] = (text, text.lower(), not text.isascii() and _odd_case(text))
    return last[1], last[2]


class Gated:
    """A compiled pattern searched only in texts that hold one of its :func:`literal_words`."""

    __slots__ = ("_begins", "_places", "_whole", "fold", "pattern", "starts", "words")

    def __init__(self, pattern: re.Pattern[str]):
        self.pattern = pattern
        self.words = literal_words(pattern)
        self.fold = bool(pattern.flags & re.IGNORECASE)
        # the words every match begins with, when the regex engine would try every character (``leading_words``):
        # then a search tries only where one of them begins
        self.starts = leading_words(pattern) if self.words is not None else None
        self._begins: tuple[str | None, list[int] | None] = (None, [])   # the text asked last and those places
        # the text asked about last in windows, and where its words are in it ((start, end) of each occurrence;
        # one tuple, replaced whole)
        self._places: tuple[str | None, list[tuple[int, int]] | None] = (None, [])
        self._whole: tuple[str | None, bool] = (None, True)     # the text asked last whole, and may_match of it

    def may_match(self, text: str, pos: int = 0, endpos: int | None = None) -> bool:
        """False only when no match can be in ``text`` (between ``pos`` and ``endpos``, where a match of
        ``search(text, pos, endpos)`` takes its characters)."""
        words = self.words
        if words is None:
            return True
        if pos == 0 and endpos is None:
            low = text
            if self.fold:
                low, odd = _lowered(text)   # the same offsets: only "İ" changes length, and it is never searched
                if odd:
                    return True
            # a loop, not any(...): asked of every sentence, where a generator costs more than the tests themselves
            for w in words:  # noqa: SIM110 - see the line above
                if w in low:
                    return True
            return False
        # a window (before or after a figure, a name): several windows of one sentence are asked in a row, so the
        # places of the words in the whole text are found once per text and each window compared with them
        cached = self._places
        if cached[0] is not text:
            cached = self._places = (text, self._find_places(text))
        places = cached[1]
        if places is None:
            return True                      # a letter the regex engine folds unlike str.lower: always searched
        # the regex engine reads a negative pos or endpos as 0 (str.find would count from the end)
        start, end = max(pos, 0), len(text) if endpos is None else max(endpos, 0)
        for a, b in places:  # noqa: SIM110 - as above
            if a >= start and b <= end:
                return True
        return False

    def _find_places(self, text: str) -> list[tuple[int, int]] | None:
        """(start, end) of every occurrence of the words in ``text`` (overlapping ones too), or None when the
        text holds a letter the regex engine folds unlike ``str.lower``."""
        low = text
        if self.fold:
            low, odd = _lowered(text)
            if odd:
                return None
        places = []
        for w in self.words or ():
            n = len(w)
            p = low.find(w)
            while p >= 0:
                places.append((p, p + n))
                p = low.find(w, p + 1)
        return places

    def _beginnings(self, text: str) -> list[int] | None:
        """Where a match can begin in ``text``: the places of the words every match begins with, in order (None
        when the pattern has no such words or the text holds a letter the regex engine folds unlike
        ``str.lower``); remembered for the text asked last."""
        starts = self.starts
        if starts is None:
            return None
        cached = self._begins
        if cached[0] is text:
            return cached[1]
        low, odd = _lowered(text) if self.fold else (text, False)
        places: list[int] | None = None
        if not odd:
            places = []
            for w in starts:
                p = low.find(w)
                while p >= 0:
                    places.append(p)
                    p = low.find(w, p + 1)
            places.sort()
        self._begins = (text, places)
        return places

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        if not self.may_match(text, pos, endpos):
            return None
        places = self._beginnings(text)
        if places is None:
            return self.pattern.search(text, pos) if endpos is None else self.pattern.search(text, pos, endpos)
        return next(self._at(places, text, pos, endpos), None)

    def match(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        if not self.may_match(text, pos, endpos):
            return None
        return self.pattern.match(text, pos) if endpos is None else self.pattern.match(text, pos, endpos)

    def search_in(self, text: str, start: int, end: int) -> re.Match[str] | None:
        """``search(text[start:end])`` (the slice as its own text, matched as before), not tried when the whole
        ``text`` holds none of the words: a rule asking about slices of one sentence for each figure or name (a
        clause before it, the words after it) tests the sentence once instead of every slice."""
        if not self.in_text(text):
            return None
        return self.search(text[max(start, 0):end])

    def match_in(self, text: str, start: int, end: int) -> re.Match[str] | None:
        """``match(text[start:end])``, gated as :meth:`search_in`."""
        if not self.in_text(text):
            return None
        return self.match(text[max(start, 0):end])

    def in_text(self, text: str) -> bool:
        """``may_match(text)``, remembered for the text asked last (one tuple, replaced whole)."""
        last = self._whole
        if last[0] is not text:
            last = self._whole = (text, self.may_match(text))
        return last[1]

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match[str]]:
        if not self.may_match(text, pos, endpos):
            return iter(())
        places = self._beginnings(text)
        if places is None:
            return self.pattern.finditer(text, pos) if endpos is None else self.pattern.finditer(text, pos, endpos)
        return iter(list(self._at(places, text, pos, endpos)))

    def _at(self, places: list[int], text: str, pos: int, endpos: int | None) -> Iterator[re.Match[str]]:
        """The matches starting at ``places`` (where the words every match begins with occur) within ``pos`` and
        ``endpos``, each searched from the end of the one before: every match holds one of the words, so none
        is empty."""
        # the regex engine reads a negative pos or endpos as 0
        start, end = max(pos, 0), len(text) if endpos is None else max(endpos, 0)
        match = self.pattern.match
        for p in places:
            if p < start:
                continue
            if p >= end:
                break
            m = match(text, p) if endpos is None else match(text, p, endpos)
            if m is not None:
                yield m
                start = m.end()

    def findall(self, text: str) -> list[Any]:
        return self.pattern.findall(text) if self.may_match(text) else []


def gated(pattern: str, flags: int = 0) -> Gated:
    """``re.compile(pattern, flags)`` behind its literal gate."""
    return Gated(re.compile(pattern, flags))


class PrefixMatches:
    """``pattern.finditer(text, 0, pos)`` for many ``pos`` of one text (the clause marks before each figure and
    rank of a sentence): the text is scanned once, and only its last few characters before ``pos`` again.

    ``reach`` bounds how far past the place where it is tried the pattern reads (its longest match and what its
    lookaheads and word boundaries look at). A match of the whole text that ends at least ``reach`` characters
    before ``pos`` is found alike in ``text[:pos]``, and so is every try before it; from the end of the last such
    match the pattern is searched as before, up to ``pos``. ``tests/test_extract_speed_x9c.py`` compares the two
    on random texts."""

    __slots__ = ("_last", "pattern", "reach")

    def __init__(self, pattern: re.Pattern[str], reach: int):
        self.pattern = pattern
        self.reach = reach
        self._last: tuple[str | None, list[re.Match[str]]] = (None, [])   # the text scanned last and its matches

    def before(self, text: str, pos: int) -> list[re.Match[str]]:
        """The matches of ``pattern.finditer(text, 0, pos)``."""
        last = self._last
        if last[0] is not text:
            last = self._last = (text, list(self.pattern.finditer(text)))
        out: list[re.Match[str]] = []
        resume, limit = 0, pos - self.reach
        for m in last[1]:
            if m.end() > limit:
                break
            out.append(m)
            resume = m.end()
        out.extend(self.pattern.finditer(text, resume, pos))
        return out

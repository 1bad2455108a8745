"""Keyword scores of measures, the table's words looked up once per sentence.

A figure's measure is chosen from the keywords of the registry's indicators and rankings found in its segment, its
sentence and the previous sentence (``Engine._score``), and a rank's from its window and its sentence. Every figure
and rank of a sentence asks about another window of the same sentence, so the words of a keyword table are looked
up in the sentence once (:class:`SentenceHits`: which words, and where) and a window is scored from the places of
those few words. The scores are those of comparing the table with the window's text alone (:func:`score_text`;
``tests/test_extract_fast_paths.py`` checks this on random texts and windows):

- words are compared as the language compares them: lower-cased where case folds (English, on a word boundary
  before the word: "of" is not in "offer"), else with spaces removed (Korean: "AI 지수" / "AI지수");
- per measure, its words longest first; a word inside a longer word already matched counts once.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

#: a measure key with its words as they are compared and their weights (longest first)
Row = tuple[str, list[tuple[str, float]]]
#: the rows of a table, by index
Rows = list[Row]
#: word → the rows that have it
Vocabulary = dict[str, list[int]]


def boundary_ok(low: str, word: str, fold: bool) -> bool:
    """``word`` in ``low`` (already compared form); where case folds, with no letter or digit right before it."""
    if word not in low:
        return False
    if not fold:
        return True
    return _boundary(word).search(low) is not None


_BOUNDARY_CACHE: dict[str, re.Pattern[str]] = {}


def _boundary(word: str) -> re.Pattern[str]:
    pattern = _BOUNDARY_CACHE.get(word)
    if pattern is None:
        if len(_BOUNDARY_CACHE) > 4096:
            _BOUNDARY_CACHE.clear()
        pattern = _BOUNDARY_CACHE[word] = re.compile(r"(?<![a-z0-9])" + re.escape(word))
    return pattern


def score_text(rows: Rows, vocabulary: Vocabulary, low: str, fold: bool) -> dict[str, float]:
    """The keyword weight found in one text (already in its compared form) per key, keys in table order: the
    table compared with the whole text (what :meth:`SentenceHits.score` gives for a window of a sentence)."""
    out: dict[str, float] = {}
    present = [w for w in vocabulary if w in low]
    if present:                # only the keys with a word in the text are looked at
        for i in sorted({i for w in present for i in vocabulary[w]}):
            key, row = rows[i]
            total = 0.0
            matched: list[str] = []
            for lw, wt in row:   # longest first; a word inside a match counts once
                if lw in low and not any(lw in m for m in matched) and boundary_ok(low, lw, fold):
                    matched.append(lw)
                    total += wt
            if total > 0:
                out[key] = total
    return out


def compared(text: str, fold: bool) -> str:
    """A text as keywords are compared with it: lower-cased where case folds, else without spaces."""
    return text.lower() if fold else text.replace(" ", "")


class KeywordTable:
    """A keyword table as it is compared: per measure key its words (lower-cased where case folds, else without
    spaces) with their weights, longest first; each word's rows; and for each word of a row the earlier (longer
    or equal) words of the row that hold it, since a word inside a matched one counts once."""

    def __init__(self, table: Mapping[str, list[tuple[str, float]]], fold: bool):
        self.fold = fold
        self.rows: Rows = [(key, [(compared(w, fold), wt) for w, wt in words]) for key, words in table.items()]
        self.vocabulary: Vocabulary = {}
        for i, (_, words) in enumerate(self.rows):
            for w, _ in words:
                self.vocabulary.setdefault(w, []).append(i)
        self.held_by = [[(w, wt, tuple(o for o, _ in row[:j] if w in o)) for j, (w, wt) in enumerate(row)]
                        for _, row in self.rows]

    def hits(self, text: str) -> SentenceHits:
        return SentenceHits(self, text)


_WORD_CHAR = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


class SentenceHits:
    """The words of one keyword table that occur in one sentence, and where, for the scores of windows of the
    sentence: a window can only hold those, so each window is scored from their places instead of comparing the
    whole table with its text."""

    __slots__ = ("_memo", "exact", "fold", "low", "places", "rows", "rows_here", "text", "vocabulary", "words")

    def __init__(self, table: KeywordTable, text: str):
        fold, vocabulary = table.fold, table.vocabulary
        self.text, self.fold, self.rows, self.vocabulary = text, fold, table.rows, vocabulary
        low = self.low = compared(text, fold)
        # lower-casing maps character to character unless a character expands ("İ") or depends on its context
        # (final sigma): then a window is compared on its own text instead
        self.exact = not fold or (len(low) == len(text) and "\u03a3" not in text)
        self.words = [w for w in vocabulary if w in low]
        # every place of each word (overlapping ones too), and whether a word boundary comes before it
        self.places: list[tuple[str, int, list[tuple[int, bool]]]] = []
        for w in self.words:
            found = []
            p = low.find(w)
            while p >= 0:
                found.append((p, not fold or p == 0 or low[p - 1] not in _WORD_CHAR))
                p = low.find(w, p + 1)
            self.places.append((w, len(w), found))
        # the rows with a word here, with only their words here (in the row's order): no other word can be in a
        # window of the sentence
        here = set(self.words)
        self.rows_here: dict[int, tuple[str, list[tuple[str, float, tuple[str, ...]]]]] = {
            i: (table.rows[i][0], [x for x in table.held_by[i] if x[0] in here])
            for i in sorted({i for w in self.words for i in vocabulary[w]})}
        self._memo: dict[tuple[int, int | None], dict[str, float]] = {}

    def score(self, start: int = 0, end: int | None = None) -> dict[str, float]:
        """The keyword weight per key in ``text[start:end]``, as :func:`score_text` finds it in that text (the
        same mapping for the same window: do not change it)."""
        memo = self._memo.get((start, end))
        if memo is None:
            memo = self._memo[(start, end)] = self._score(start, end)
        return memo

    def _score(self, start: int, end: int | None) -> dict[str, float]:
        if not self.exact or start < 0 or (end is not None and end < 0):
            # lowered alone, the window may differ from the sentence's lowered text: the whole table
            return score_text(self.rows, self.vocabulary, compared(self.text[start:end], self.fold), self.fold)
        if not self.words:
            return {}
        text = self.text
        n = len(text)
        stop = n if end is None else min(end, n)
        a = min(start, n)
        if a >= stop:
            return {}
        if not self.fold:           # the window in the text without its spaces
            a, stop = a - text.count(" ", 0, a), stop - text.count(" ", 0, stop)
        # the words in the window with a word boundary before them there: only rows with one of them score
        counted: set[str] = set()
        for w, size, found in self.places:
            last = stop - size
            for p, ok in found:
                if p > last:
                    break
                if p >= a and (ok or p == a):
                    counted.add(w)
                    break
        out: dict[str, float] = {}
        if counted:
            vocabulary, rows_here = self.vocabulary, self.rows_here
            for i in sorted({i for w in counted for i in vocabulary[w]}):
                key, row = rows_here[i]
                total = 0.0
                matched: set[str] = set()
                for lw, wt, containers in row:   # longest first; a word inside a match counts once
                    if lw in counted and (not containers or matched.isdisjoint(containers)):
                        matched.add(lw)
                        total += wt
                if total > 0:
                    out[key] = total
        return out

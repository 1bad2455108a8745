"""Keyword scores of measures, found once per sentence and summed for any window of it.

A figure's measure is chosen from the keywords of the registry's indicators and rankings found in its segment, its
sentence and the previous sentence (``Engine._score``), and a rank's from its window and its sentence. Every figure
and rank of a sentence asks about another window of the same sentence, so the words of a keyword table are looked
up in the sentence once (:class:`SentenceHits`: where each word occurs) and a window's score is read from those
positions. The scores are those of scoring the window's text on its own (``tests/test_extract_fast_paths.py``
checks this on random texts and windows):

- words are compared as the language compares them: lower-cased where case folds (English, on a word boundary
  before the word: "of" is not in "offer"), else with spaces removed (Korean: "AI 지수" / "AI지수");
- per measure, its words longest first; a word inside a longer word already matched counts once.
"""
from __future__ import annotations

import re

#: one row per measure key: its words as they are compared, with their weights (longest first)
Rows = list[tuple[str, list[tuple[str, float]]]]
#: word → the rows that have it
Vocabulary = dict[str, list[int]]

_WORD_CHAR = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


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
    """The keyword weight found in one text (already in its compared form) per key, keys in table order."""
    out: dict[str, float] = {}
    present = [w for w in vocabulary if w in low]   # one pass over the table's words, then only the keys
    if present:                                     # with a word in the text are looked at
        for i in sorted({i for w in present for i in vocabulary[w]}):
            key, words = rows[i]
            total = 0.0
            matched: list[str] = []
            for lw, wt in words:   # longest first; a word inside a match counts once
                if lw in low and not any(lw in m for m in matched) and boundary_ok(low, lw, fold):
                    matched.append(lw)
                    total += wt
            if total > 0:
                out[key] = total
    return out


def compared(text: str, fold: bool) -> str:
    """A text as keywords are compared with it: lower-cased where case folds, else without spaces."""
    return text.lower() if fold else text.replace(" ", "")


class SentenceHits:
    """Where each word of one keyword table occurs in one sentence, for the scores of windows of the sentence."""

    __slots__ = ("_memo", "exact", "fold", "hits", "low", "rows", "text", "vocabulary")

    def __init__(self, rows: Rows, vocabulary: Vocabulary, text: str, fold: bool):
        self.text, self.fold, self.rows, self.vocabulary = text, fold, rows, vocabulary
        low = self.low = compared(text, fold)
        # lower-casing maps character to character unless a character expands ("İ") or depends on its context
        # (final sigma): then a window is compared on its own text instead
        self.exact = not fold or (len(low) == len(text) and "\u03a3" not in text)
        # word → (start, boundary before it holds in the sentence) of every occurrence, overlapping ones too
        hits: dict[str, list[tuple[int, bool]]] = {}
        for w in vocabulary:
            p = low.find(w)
            if p < 0:
                continue
            places = []
            while p >= 0:
                places.append((p, not fold or p == 0 or low[p - 1] not in _WORD_CHAR))
                p = low.find(w, p + 1)
            hits[w] = places
        self.hits = hits
        self._memo: dict[tuple[int, int], dict[str, float]] = {}

    def score(self, start: int = 0, end: int | None = None) -> dict[str, float]:
        """The keyword weight per key in ``text[start:end]``, as :func:`score_text` finds it in that text (the
        same mapping for the same window: do not change it)."""
        end = len(self.text) if end is None else end
        memo = self._memo.get((start, end))
        if memo is None:
            memo = self._memo[(start, end)] = self._score(start, end)
        return memo

    def _score(self, start: int, end: int) -> dict[str, float]:
        n = len(self.text)
        if start < 0 or end < 0 or not self.exact:
            return score_text(self.rows, self.vocabulary, compared(self.text[start:end], self.fold), self.fold)
        end = min(end, n)
        if start >= end:
            return {}
        if self.fold:
            a, b = start, end
        else:                       # positions in the text without its spaces
            a, b = start - self.text.count(" ", 0, start), end - self.text.count(" ", 0, end)
        inside: set[str] = set()    # words in the window
        counted: set[str] = set()   # ... with a word boundary before them in the window
        for w, places in self.hits.items():
            last = b - len(w)
            for p, ok in places:
                if p > last:
                    break
                if p >= a:
                    inside.add(w)
                    if ok or p == a:
                        counted.add(w)
                        break
        out: dict[str, float] = {}
        if inside:
            rows, vocabulary = self.rows, self.vocabulary
            for i in sorted({i for w in inside for i in vocabulary[w]}):
                key, words = rows[i]
                total = 0.0
                matched: list[str] = []
                for lw, wt in words:   # longest first; a word inside a match counts once
                    if lw in counted and not any(lw in m for m in matched):
                        matched.append(lw)
                        total += wt
                if total > 0:
                    out[key] = total
        return out

"""Keyword scores of measures, the table's words looked up once per sentence.

A figure's measure is chosen from the keywords of the registry's indicators and rankings found in its segment, its
sentence and the previous sentence (``Engine._score``), and a rank's from its window and its sentence. Every figure
and rank of a sentence asks about another window of the same sentence, so the words of a keyword table are looked
up in the sentence once (:class:`SentenceHits`) and a window is compared with those few words only. The scores are
those of scoring the window's text on its own (``tests/test_extract_fast_paths.py`` checks this on random texts
and windows):

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


def score_text(rows: Rows | Mapping[int, Row], vocabulary: Vocabulary, low: str, fold: bool,
               words: list[str] | None = None) -> dict[str, float]:
    """The keyword weight found in one text (already in its compared form) per key, keys in table order.
    ``words``: the only words of the vocabulary that can be in the text (default: all)."""
    out: dict[str, float] = {}
    present = [w for w in (vocabulary if words is None else words) if w in low]
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


class SentenceHits:
    """The words of one keyword table that occur in one sentence, for the scores of windows of the sentence: a
    window can only hold those, so each window is compared with them instead of the whole table."""

    __slots__ = ("_memo", "exact", "fold", "low", "rows", "rows_here", "text", "vocabulary", "words")

    def __init__(self, rows: Rows, vocabulary: Vocabulary, text: str, fold: bool):
        self.text, self.fold, self.rows, self.vocabulary = text, fold, rows, vocabulary
        low = self.low = compared(text, fold)
        # lower-casing maps character to character unless a character expands ("İ") or depends on its context
        # (final sigma): then a window is compared on its own text instead
        self.exact = not fold or (len(low) == len(text) and "\u03a3" not in text)
        self.words = [w for w in vocabulary if w in low]
        # the rows with a word here, with only their words here (in the row's order): no other word can be in a
        # window of the sentence
        here = set(self.words)
        self.rows_here: dict[int, Row] = {}
        for i in sorted({i for w in self.words for i in vocabulary[w]}):
            key, row = rows[i]
            self.rows_here[i] = (key, [(w, wt) for w, wt in row if w in here])
        self._memo: dict[tuple[int, int | None], dict[str, float]] = {}

    def score(self, start: int = 0, end: int | None = None) -> dict[str, float]:
        """The keyword weight per key in ``text[start:end]``, as :func:`score_text` finds it in that text (the
        same mapping for the same window: do not change it)."""
        memo = self._memo.get((start, end))
        if memo is None:
            memo = self._memo[(start, end)] = self._score(start, end)
        return memo

    def _score(self, start: int, end: int | None) -> dict[str, float]:
        if not self.exact:
            # lowered alone, the window may differ from the sentence's lowered text: the whole table
            return score_text(self.rows, self.vocabulary, compared(self.text[start:end], self.fold), self.fold)
        if not self.words:
            return {}
        if start < 0 or (end is not None and end < 0):
            return score_text(self.rows_here, self.vocabulary, compared(self.text[start:end], self.fold), self.fold,
                              self.words)
        if start == 0 and end is None:
            return score_text(self.rows_here, self.vocabulary, self.low, self.fold, self.words)
        if self.fold:
            window = self.low[start:end]
        else:                       # the window in the text without its spaces
            text = self.text
            n = len(text)
            stop = n if end is None else min(end, n)
            a = min(start, n)
            window = self.low[a - text.count(" ", 0, a):stop - text.count(" ", 0, stop)] if a < stop else ""
        return score_text(self.rows_here, self.vocabulary, window, self.fold, self.words)

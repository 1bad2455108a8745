"""Shortcuts of the figure side of the extractor (issue 9's speed round) give what the slow way gave.

- ``PrefixMatches.before(text, pos)``: the clause marks before each figure of a sentence, from one scan of the
  sentence, must be the matches of ``pattern.finditer(text, 0, pos)`` (hypothesis, on random texts built from the
  marks' own words, for both languages' segment patterns).
"""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from kg.extract.gates import PrefixMatches
from kg.extract.lang.en import patterns as en
from kg.extract.lang.ko import patterns as ko

# pieces of text that make and unmake the segment marks: commas before "which"/"whichever", "vs"/"vs.", "and"
# before a verb, brackets, words cut anywhere by the position asked
_PIECES = [",", ";", "，", " ", "  ", "which", "who", "whichever", "whom", " and ", " and", "and ", " vs", "vs.",
           "VS", "…", " compared with ", " compared", " while ", " but ", "(", ")", "fell", "x", "한국", "1위", "."]


def _texts() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(_PIECES), max_size=14).map("".join)


def _spans(matches: list[re.Match[str]]) -> list[tuple[int, int]]:
    return [m.span() for m in matches]


@given(texts=st.lists(_texts(), min_size=1, max_size=3))
@settings(max_examples=400, deadline=None)
def test_prefix_matches_are_the_matches_of_the_text_cut_at_the_position(texts: list[str]) -> None:
    for prefix in (en._SEGMENTS, ko._SEGMENTS):
        for text in texts:
            for pos in range(len(text) + 1):
                assert _spans(prefix.before(text, pos)) == _spans(list(prefix.pattern.finditer(text, 0, pos))), \
                    (text, pos)


def test_a_reach_too_short_would_be_caught() -> None:
    # the comma's lookahead reads "who" and the character after it: "A, whom" cut after "who" holds no mark
    short = PrefixMatches(en._SEGMENT, 0)
    text = "A, whom"
    assert _spans(list(en._SEGMENT.finditer(text, 0, 6))) == []
    assert _spans(short.before(text, 6)) == [(1, 2)]
    assert _spans(en._SEGMENTS.before(text, 6)) == []


@given(text=_texts())
@settings(max_examples=200, deadline=None)
def test_segment_starts_are_those_of_the_text_cut_at_each_position(text: str) -> None:
    def slow_en(pos: int) -> int:
        start = 0
        for m in en._SEGMENT.finditer(text, 0, pos):
            if text.count("(", 0, m.start()) > text.count(")", 0, m.start()):
                continue
            if m.group(0).strip() == "and" and en._VERB_AFTER_AND.match(text, m.end()):
                continue
            start = m.end()
        return start

    def slow_ko(pos: int) -> int:
        start = 0
        for m in ko._SEGMENT.finditer(text, 0, pos):
            if not text.count("(", 0, m.start()) > text.count(")", 0, m.start()):
                start = m.end()
        return start

    en_rules, ko_rules = en.EnglishRules.__new__(en.EnglishRules), ko.KoreanRules.__new__(ko.KoreanRules)
    for pos in range(len(text) + 1):
        assert en_rules.segment_start(text, pos) == slow_en(pos)
        assert ko_rules.segment_start(text, pos) == slow_ko(pos)


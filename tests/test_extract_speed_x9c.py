"""Shortcuts of the figure side of the extractor (issue 9's speed round) give what the slow way gave.

- ``PrefixMatches.before(text, pos)``: the clause marks before each figure of a sentence, from one scan of the
  sentence, must be the matches of ``pattern.finditer(text, 0, pos)`` (hypothesis, on random texts built from the
  marks' own words, for both languages' segment patterns);
- a gated pattern the regex engine would try at every character (an opening word boundary or lookaround, words
  under IGNORECASE) is tried only where one of the words every match begins with occurs (``Gated.starts``): the
  same matches as the pattern's own search (hypothesis, on random patterns and on the extractor's patterns).
"""
from __future__ import annotations

import importlib
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from kg.extract.gates import Gated, PrefixMatches, leading_words
from kgtest import regex_patterns
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

    en_rules, ko_rules = en.EnglishRules(), ko.KoreanRules([])
    for pos in range(len(text) + 1):
        assert en_rules.segment_start(text, pos) == slow_en(pos)
        assert ko_rules.segment_start(text, pos) == slow_ko(pos)


# --- searches tried only where a match can begin (Gated.starts, gates.leading_words)

LETTERS = "abkisAB가나 "
ODD = "İıſKK"                # fold to i, i, s, k case-insensitively
def _patterns() -> st.SearchStrategy[str]:
    return regex_patterns(LETTERS, lookahead=True)


@given(pattern=_patterns(), fold=st.booleans(), text=st.text(LETTERS + ODD + "1-_xyzKIS", max_size=24))
@settings(max_examples=1500, deadline=None)
def test_every_match_begins_with_a_leading_word_and_is_found_from_them(pattern: str, fold: bool, text: str) -> None:
    compiled = re.compile(pattern, re.IGNORECASE if fold else 0)
    starts = leading_words(compiled)
    plain = list(compiled.finditer(text))
    if starts is not None and not any(ch in text for ch in "İıſ"):
        low = text.lower() if fold else text
        for m in plain:
            assert low.startswith(starts, m.start()), (pattern, text, m)
    gate = Gated(compiled)
    assert [(m.span(), m.groups()) for m in gate.finditer(text)] == [(m.span(), m.groups()) for m in plain]
    for pos in range(-1, len(text) + 2):
        for endpos in (None, pos + 3, len(text) - 1):
            a = gate.search(text, pos, endpos)
            b = compiled.search(text, pos) if endpos is None else compiled.search(text, pos, endpos)
            assert (a and a.span()) == (b and b.span())
            a_all = list(gate.finditer(text, pos, endpos))
            b_all = list(compiled.finditer(text, pos) if endpos is None else compiled.finditer(text, pos, endpos))
            assert [m.span() for m in a_all] == [m.span() for m in b_all]


def test_leading_words_are_those_a_match_opens_with_and_only_where_the_engine_scans_every_character() -> None:
    assert leading_words(re.compile(r"\b(?:keeps|keep|took)\s+(?:the\s+)?top\b", re.IGNORECASE)) == ("keep", "took")
    assert leading_words(re.compile(r"(?<![\d.])(?:19|20)\d\d")) == ("19", "20")
    # the regex engine skips to a literal opening by itself; an optional opening word gives no place
    assert leading_words(re.compile(r"(?:kept|took) the")) is None
    assert leading_words(re.compile(r"\b(?:the\s+)?top", re.IGNORECASE)) is None


_GATED = [(f"{mod.__name__}.{name}", value) for mod in (en, ko, importlib.import_module("kg.extract.readers"),
                                                         importlib.import_module("kg.extract.lang.en.numbers"),
                                                         importlib.import_module("kg.extract.dates"))
          for name, value in vars(mod).items() if isinstance(value, Gated) and value.starts is not None]


def test_the_extractor_has_patterns_searched_from_their_leading_words() -> None:
    assert len(_GATED) >= 10


@given(data=st.data())
@settings(max_examples=400, deadline=None)
def test_the_extractors_patterns_find_from_their_leading_words_what_they_find_alone(data: st.DataObject) -> None:
    name, gate = data.draw(st.sampled_from(_GATED))
    words = list(gate.starts or ()) + list(gate.words or ())
    pieces = st.one_of(st.sampled_from(words), st.sampled_from([w.title() for w in words]),
                       st.sampled_from([" ", "the ", " top", " place", ", ", "1", "20", "24", "st ", "no."]),
                       st.text("abtTSs .1", max_size=3))
    text = "".join(data.draw(st.lists(pieces, max_size=10)))
    assert [(m.span(), m.groups()) for m in gate.finditer(text)] == \
        [(m.span(), m.groups()) for m in gate.pattern.finditer(text)], name
    pos = data.draw(st.integers(min_value=-3, max_value=len(text) + 2))
    endpos = data.draw(st.one_of(st.none(), st.integers(min_value=-3, max_value=len(text) + 2)))
    found = gate.search(text, pos, endpos)
    plain = gate.pattern.search(text, pos) if endpos is None else gate.pattern.search(text, pos, endpos)
    assert (found and found.span()) == (plain and plain.span()), name


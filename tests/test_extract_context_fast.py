"""The sentence context's shortcuts (issue 9: the rules' own cost) give what the slow way gave.

- quotations are only searched in a sentence holding a quotation mark: the same spans as the regex alone;
- a list segment's start counts brackets in place instead of in a copy of the text before it;
- a holder is searched among ``SentenceContext.free`` (the names not excluded, of a type that can hold a figure)
  and each name's topic test is asked once per sentence: both must be what the sentence's names and the
  language's ``is_topic`` say, in every sentence of real articles.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.extract import _engine
from kg.extract.context import NOT_SUBJECT_TYPES, ArticleState, sentence_context
from kg.extract.engine import QUOTE
from kg.extract.lang.en.patterns import EnglishRules
from kg.extract.lang.en import patterns as en_patterns
from kg.extract.lang.ko import patterns as ko_patterns
from kg.extract.propose import Proposals
from kg.load import load_registries

ROOT = Path(__file__).resolve().parent.parent


@given(text=st.text("ab “”\"'., 한", max_size=30))
@settings(max_examples=300, deadline=None)
def test_quotations_are_found_where_the_regex_alone_finds_them(text: str) -> None:
    assert EnglishRules().quote_spans(text) == [(m.start(), m.end()) for m in QUOTE.finditer(text)]


def _segment_start_slow(pattern: re.Pattern[str], text: str, pos: int, english: bool) -> int:
    """``segment_start`` as it was written: the brackets counted in a copy of the text before each separator."""
    start = 0
    for m in pattern.finditer(text, 0, pos):
        if text[:m.start()].count("(") > text[:m.start()].count(")"):
            continue
        if english and m.group(0).strip() == "and" and en_patterns._VERB_AFTER_AND.match(text, m.end()):
            continue
        start = m.end()
    return start


@pytest.fixture(scope="module")
def registry():
    return load_registries([ROOT / "data" / "registries", ROOT / "eval" / "registries"])


@given(text=st.text("ab (),; and while vs VS…，", max_size=40), data=st.data())
@settings(max_examples=300, deadline=None)
def test_segments_start_where_counting_brackets_in_a_copy_says(registry, text: str, data: st.DataObject) -> None:
    pos = data.draw(st.integers(0, len(text)))
    en, ko = _engine(registry, "en").rules, _engine(registry, "ko").rules
    assert en.segment_start(text, pos) == _segment_start_slow(en_patterns._SEGMENT, text, pos, True)
    assert ko.segment_start(text, pos) == _segment_start_slow(ko_patterns._SEGMENT, text, pos, False)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_holders_and_topics_are_those_of_the_sentence(registry, lang: str) -> None:
    """In every sentence of the evaluation articles of a language: ``free`` is the names neither excluded nor of
    a type that cannot hold a figure, and the cached topic test answers as the language's rules do."""
    eng = _engine(registry, lang)
    checked = 0
    for path in sorted((ROOT / "eval" / "articles").glob(f"eval-{lang}-*.txt")):
        text = path.read_text(encoding="utf-8")
        st = ArticleState(text, 2025, Proposals(registry))
        for s in eng.rules.sentences(text, len(text)):
            st.enter(s)
            ctx = sentence_context(eng, s, st)
            if not ctx.idle:
                assert ctx.free == [m for m in ctx.mentions if (m.start, m.end) not in ctx.excluded
                                    and m.type not in NOT_SUBJECT_TYPES]
                assert ctx.registered_ids == {id(m) for m in ctx.mentions if m in ctx.registered}
                for m in ctx.mentions:
                    assert ctx.is_topic(m) == eng.rules.is_topic(s.text, m)
                checked += 1
            st.leave(ctx)
    assert checked >= 10


@given(text=st.text("0129년해대 지난작올전금보다", max_size=30), data=st.data())
@settings(max_examples=300, deadline=None)
def test_korean_years_are_found_where_the_regex_alone_finds_them(text: str, data: st.DataObject) -> None:
    """A window holding neither 년 nor 해 is not searched for years: the same years as the search."""
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    slow = [y.span() for y in ko_patterns._YEAR.finditer(text, start, end)
            if not ko_patterns._COMPARED_YEAR.match(text, y.end())]
    assert [y.span() for y in ko_patterns._years(text, start, end)] == slow

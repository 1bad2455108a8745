"""The draft writer's and the name finder's shortcuts for speed (issue 9) give what the plain way gave.

- a Decimal figure is checked against the fact sheet's limits without counting its trailing zeros when its
  written exponent already keeps it within them: the verdict must be ``kg.yamlsource.decimal_problem``'s;
- ``kg.schema.canonical_amount`` reads a Decimal as it is (no text round trip): the same text as from its text;
- ``Section.ordered`` checks and orders each shape of mapping once: the same mapping, the same errors;
- the name finder searches its trie in parts and takes the leftmost of their matches: the names the whole trie
  finds, in any text (tests/test_extract_fast_paths.py checks one text);
- the publisher's names are looked for only in the lines that hold one: the mentions the whole text gives;
- a confidence's two-place text is made once per value: the same Decimal, a new object each time;
- the unknown-name and ranking-title patterns skip places where they cannot match: the same matches as the plain
  patterns.
"""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.extract import phrases
from kg.extract.draft import _confidence, _within_limits
from kg.extract.resolve import Gazetteer, trie_pattern
from kg.load import load_registries
from kg.extract.context import Candidate, Sentence
from kg.schema import EVIDENCE, FACT, FactKey, canonical_amount
from kg.yamlsource import decimal_problem

ROOT = Path(__file__).resolve().parent.parent
DECIMALS = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.builds(lambda digits, exponent, sign: Decimal((sign, tuple(int(d) for d in digits), exponent)),
              st.text("0123456789", min_size=1, max_size=25), st.integers(-40, 40), st.integers(0, 1)),
)


def _candidate(value: Decimal, equivalent: object = None) -> Candidate:
    # a real Candidate: the compiled rules (kg compile) check the type of what they are given
    return Candidate(kind="observation", subject=None, measure=None, sentence=Sentence(0, 0, "", 0), span=(0, 0),
                     confidence=1.0, value=value, equivalent=None if equivalent is None else {"value": equivalent})


@given(value=DECIMALS, equivalent=st.one_of(st.none(), DECIMALS))
@settings(max_examples=1000, deadline=None)
def test_a_decimal_figure_is_within_limits_exactly_when_the_loader_would_take_it(value: Decimal,
                                                                                 equivalent: Decimal | None) -> None:
    expected = not any(decimal_problem(Decimal(str(n))) for n in (value, equivalent) if n is not None)
    assert _within_limits(_candidate(value, equivalent)) is expected


@given(value=DECIMALS)
@settings(max_examples=1000, deadline=None)
def test_a_decimal_amount_is_the_amount_of_its_text(value: Decimal) -> None:
    if not value.is_finite():        # not a number: named as given
        assert canonical_amount(value) == f"?{value!r}"
        return
    try:                             # what canonical_amount made of any number before its shortcut
        expected = str(value.quantize(Decimal(1))) if value == value.to_integral_value() \
            else format(value.normalize(), "f")
    except ArithmeticError:          # more digits than the context holds: then it raises as it did
        with pytest.raises(ArithmeticError):
            canonical_amount(value)
        with pytest.raises(ArithmeticError):
            canonical_amount(str(value))
        return
    assert canonical_amount(value) == canonical_amount(str(value)) == expected


def test_a_fact_key_is_compared_and_hashed_by_its_four_parts() -> None:
    a = FactKey.of("observation", "KR", "gpus", value=Decimal("3.5E4"))
    b = FactKey.of("observation", "KR", "gpus", value=35000)
    assert a == b and hash(a) == hash(b) and a.amount == "35000"
    assert str(a) == "KR gpus = 35000" and repr(a) == \
        "FactKey(kind='observation', subject='KR', measure='gpus', amount='35000')"
    assert sorted([FactKey.of("rank", "US", "x", rank=2), FactKey.of("rank", "KR", "x", rank=3)])[0].subject == "KR"


def test_each_shape_of_mapping_is_ordered_and_checked_as_the_first_time() -> None:
    fact = {"kind": "rank", "id": "r", "ranking": "x", "subject": "KR", "rank": 3,
            "evidence": {}, "attribution": "none"}
    first = FACT.ordered(fact, "rank")
    again = FACT.ordered(dict(fact, rank=4), "rank")
    assert list(first) == list(again) == ["id", "kind", "subject", "ranking", "rank", "attribution", "evidence"]
    assert again["rank"] == 4
    with pytest.raises(ValueError, match="unknown keys"):
        FACT.ordered(fact, "observation")          # the same keys, another kind
    with pytest.raises(ValueError, match="missing keys"):
        FACT.ordered({k: v for k, v in fact.items() if k != "rank"}, "rank")
    assert list(EVIDENCE.ordered({"end": 3, "text": "abc", "start": 0})) == ["text", "start", "end"]
    assert list(EVIDENCE.ordered({"end": 4, "text": "abcd", "start": 0})) == ["text", "start", "end"]
    given = {"text": "abc", "start": 0, "end": 3}
    ordered = EVIDENCE.ordered(given)
    assert ordered == given and list(ordered) == list(given) and ordered is not given   # a mapping of its own


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer(load_registries([ROOT / "data" / "registries", ROOT / "eval" / "registries"]))


PIECES = ["한국", "미국", "중국", "메타", "메타버스", "엔비디아", "NVIDIA", "South Korea", "Korea", "US", "韓", "美",
          "中", "은 ", "는 ", "과 ", ", ", " and ", "the ", "x", "가", "Meta", "data", " "]


@given(pieces=st.lists(st.sampled_from(PIECES), max_size=14))
@settings(max_examples=400, deadline=None)
def test_names_are_found_in_any_text_as_the_whole_trie_finds_them(gazetteer: Gazetteer, pieces: list[str]) -> None:
    text = "".join(pieces)
    whole = _whole_trie(gazetteer)
    spans, pos = [], 0
    while (m := whole.search(text, pos)) is not None:
        if gazetteer._accept(text, m.start(), m.end(), m.group(0)):
            spans.append(m.span())
            pos = m.end()
        else:
            pos = m.start() + 1
    assert [(m.start, m.end) for m in gazetteer.find(text)] == spans


_WHOLE: dict[int, re.Pattern[str]] = {}


def _whole_trie(gazetteer: Gazetteer) -> re.Pattern[str]:
    if id(gazetteer) not in _WHOLE:
        _WHOLE[id(gazetteer)] = re.compile(trie_pattern(gazetteer.names))
    return _WHOLE[id(gazetteer)]


PUBLISHER_PIECES = PIECES + ["\n", "\n", "매일경제", "매경", "MK", "Maeil Business", "Tortoise Media", "Tortoise",
                             "한울일보", "The Eval Herald", "신문", "기자", "."]


@given(pieces=st.lists(st.sampled_from(PUBLISHER_PIECES), max_size=16))
@settings(max_examples=400, deadline=None)
def test_the_names_of_a_type_are_found_line_by_line_as_in_the_whole_text(gazetteer: Gazetteer,
                                                                        pieces: list[str]) -> None:
    text = "".join(pieces)
    for etype in ("publisher", "country", "company"):
        assert gazetteer.find_of_type(text, etype) == [m for m in gazetteer.find(text) if m.type == etype]
        assert gazetteer.may_name(text, etype) is any(
            n in text for n, k in gazetteer.names.items() if gazetteer.types.get(k, "country") == etype)


@given(value=st.floats(min_value=0, max_value=2))
@settings(max_examples=300, deadline=None)
def test_a_confidence_is_written_as_its_value_rounded_to_two_places(value: float) -> None:
    for _ in range(2):               # converted, then from the memo: equal, and never the same object
        first, second = _confidence(value), _confidence(value)
        assert first == second == Decimal(str(round(value, 2))) and first is not second
        assert str(first) == str(Decimal(str(round(value, 2))))


_OLD_EN_NAME = re.compile(r"(?<![\w’'])((?:[A-Z][\w&’'-]*[A-Za-z0-9]|[A-Z])(?:\s+(?:[A-Z][\w&-]*[A-Za-z0-9]|[A-Z]))*)")


@given(text=st.text("AZaz09 &’'-.\n가", max_size=40))
@settings(max_examples=1000, deadline=None)
def test_english_names_are_found_where_the_lookbehind_first_pattern_finds_them(text: str) -> None:
    assert [(m.span(1), m.group(1)) for m in phrases._EN_NAME.finditer(text)] == \
        [(m.span(1), m.group(1)) for m in _OLD_EN_NAME.finditer(text)]


@given(text=st.text("ab가나 .\n(", max_size=50), lo=st.integers(0, 50), hi=st.integers(0, 50))
@settings(max_examples=1000, deadline=None)
def test_the_words_before_an_index_word_are_found_as_a_search_from_the_window_start_finds_them(
        text: str, lo: int, hi: int) -> None:
    lo, hi = min(lo, hi, len(text)), min(max(lo, hi), len(text))
    start = phrases.words_from(text, lo, hi)
    assert lo <= start <= hi
    fast, slow = phrases._KO_WORDS_BEFORE.search(text, start, hi), phrases._KO_WORDS_BEFORE.search(text, lo, hi)
    assert (fast and (fast.span(), fast.group(1))) == (slow and (slow.span(), slow.group(1)))


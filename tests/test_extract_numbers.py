"""The Korean and English number parsers: examples from news text and round-trip properties."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given, strategies as st

from kg.extract.lang.en.numbers import find_en_quantities, find_en_ranks, parse_en_number
from kg.extract.lang.ko.numbers import (
    NotANumber, find_ko_quantities, find_ko_ranks, format_ko_number, parse_ko_number,
)


@pytest.mark.parametrize("text,value", [
    ("35만", 350000), ("3만5000", 35000), ("3.5만", 35000), ("5000억", 500000000000),
    ("1조2000억", 1200000000000), ("47만8000", 478000), ("2,500", 2500), ("44.4", Decimal("44.4")),
    ("3천억", 300000000000), ("3천5백만", 35000000), ("1억2345만6789", 123456789),
])
def test_parse_ko_examples(text, value):
    assert parse_ko_number(text) == Decimal(value)


@pytest.mark.parametrize("text", ["", "만", "3만4억", "abc", "3..5", "5만3만"])
def test_parse_ko_rejects(text):
    with pytest.raises(NotANumber):
        parse_ko_number(text)


@given(st.integers(min_value=0, max_value=10**16), st.sampled_from(["mixed", "comma", "plain"]))
def test_format_then_parse_ko(value, style):
    assert parse_ko_number(format_ko_number(value, style)) == value


@given(st.integers(min_value=1, max_value=99999), st.sampled_from(["만", "억", "조"]))
def test_round_myriads_with_decimal(tenths, myriad):
    # "3.5만": a decimal times a myriad
    written = f"{Decimal(tenths) / 10}{myriad}"
    expected = Decimal(tenths) / 10 * {"만": 10**4, "억": 10**8, "조": 10**12}[myriad]
    assert parse_ko_number(written) == expected


@given(st.integers(min_value=1, max_value=10**13), st.sampled_from(["대", "명", "개사", "원", "달러", "위안"]))
def test_found_quantity_is_written_in_text(value, counter):
    # "30대" is an age group (thirties), deliberately not a figure; see test_not_figures_ko
    assume(not (counter == "대" and value % 10 == 0 and 10 <= value <= 90))
    text = f"회사는 {format_ko_number(value)}{counter}를 보유했다."
    found = find_ko_quantities(text)
    assert len(found) == 1
    q = found[0]
    assert q.value == value and text[q.start:q.end] == q.as_written
    assert q.as_written.endswith(counter)


@pytest.mark.parametrize("text", ["H100 GPU", "20대 청년", "2군에 해당", "2000년대 들어", "2023년 발표", "A100"])
def test_not_figures_ko(text):
    assert find_ko_quantities(text) == []


def test_approximate_markers_ko():
    found = find_ko_quantities("약 1만대, 2000개 정도, 10만여명, 100조원 안팎, 300대 가량, 5000대")
    assert [q.approximate for q in found] == [True, True, True, True, True, False]
    assert [q.value for q in found][:3] == [10000, 2000, 100000]


def test_ranks_ko_skip_yuan():
    ranks = find_ko_ranks("5000억위안, 38개국 가운데 33위, 위원회 1위로")
    assert [r.rank for r in ranks] == [33, 1]


@pytest.mark.parametrize("text,value", [
    ("35,000", 35000), ("1.2 billion", 1200000000), ("500 billion", 500000000000), ("44.4", Decimal("44.4")),
    ("2 million", 2000000), ("3.5 trillion", 3500000000000),
])
def test_parse_en_examples(text, value):
    assert parse_en_number(text) == Decimal(value)


@given(st.integers(min_value=0, max_value=10**15))
def test_format_then_parse_en(value):
    assert parse_en_number(f"{value:,}") == value


def test_en_quantities():
    text = "Meta holds 350,000 GPUs, about $500 billion, 44.4 dollars per hour, roughly 2,000 H100s and 12% more."
    found = find_en_quantities(text)
    got = [(q.as_written, q.value, q.unit, q.approximate) for q in found]
    assert ("350,000 GPUs", 350000, "unit", False) in got
    assert ("$500 billion", 500000000000, "USD", True) in got
    assert ("44.4 dollars", Decimal("44.4"), "USD", False) in got
    for q in found:
        assert text[q.start:q.end] == q.as_written
    assert all("H100" not in q.as_written or q.value == 2000 for q in found)


def test_en_ranks():
    ranks = find_en_ranks("Korea ranked 33rd of 38 countries, up from 13th place; first among peers, No. 4")
    assert [r.rank for r in ranks][:2] == [33, 13]

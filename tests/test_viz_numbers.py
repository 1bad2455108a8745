"""Scale words on the network page and in charts: 24억 캐나다 달러, 2.4 billion Canadian dollars; never a wrong figure."""
from __future__ import annotations

import re
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kg.viz.numbers import scale_words, with_unit
from kg.viz.project import format_amount

KO_UNITS = {"조": 10 ** 12, "억": 10 ** 8, "만": 10 ** 4}
EN_UNITS = {"trillion": 10 ** 12, "billion": 10 ** 9, "million": 10 ** 6}


def read_korean(text: str) -> Decimal:
    """The number a Korean grouping such as 1조2000억35 stands for."""
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("-")
    if not re.search("[조억만]", text):
        return sign * Decimal(text.replace(",", ""))
    total = 0
    for count, word in re.findall(r"(\d+)([조억만]?)", text):
        total += int(count) * KO_UNITS.get(word, 1)
    return Decimal(sign * total)


def read_english(text: str) -> Decimal:
    number, _, word = text.partition(" ")
    return Decimal(number.replace(",", "")) * EN_UNITS.get(word, 1)


def test_examples_from_the_issue():
    assert format_amount("2400000000", "Canadian dollars", False, "en") == "2.4 billion Canadian dollars"
    assert format_amount("2400000000", "캐나다 달러", False, "ko") == "24억 캐나다 달러"
    assert format_amount("500000000000", "위안", False, "ko") == "5000억 위안"
    assert format_amount("35000", "대", False, "ko") == "3만5000대"
    assert format_amount("35000", "GPUs", False, "en") == "35,000 GPUs"      # below a million: digits
    assert format_amount("1234567", "dollars", False, "en") == "≈1.235 million dollars"  # rounded: marked
    assert format_amount("44.4", "시간당 달러", False, "ko") == "44.4 시간당 달러"


@given(st.integers(min_value=-10 ** 16, max_value=10 ** 16))
def test_korean_grouping_is_exact(n):
    text, exact = scale_words(str(n), "ko")
    assert exact and read_korean(text) == n


@given(st.decimals(min_value=-10 ** 15, max_value=10 ** 15, places=2, allow_nan=False))
def test_english_scale_words_are_exact_or_say_so(value):
    text, exact = scale_words(str(value), "en")
    shown = read_english(text)
    if exact:
        assert shown == value
    else:
        assert abs(shown - value) <= abs(value) * Decimal("0.0005")  # three decimals of the scale word


def test_unit_spacing():
    assert with_unit("24억", "달러", "ko") == "24억 달러"
    assert with_unit("3만5000", "대", "ko") == "3만5000대"
    assert with_unit("2.4 billion", "US dollars", "en") == "2.4 billion US dollars"

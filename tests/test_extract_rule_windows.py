"""The figure readers' shortcuts (issue 9: the rules' own cost) give what the slow way gave.

- a gated pattern asked about a slice of a sentence (``search_in`` / ``match_in``) finds what the pattern finds in
  that slice, and ``finditer`` in a window what the pattern finds there;
- English ordinals are looked for only in sentences holding a suffixed digit, "No." or "number": the same ranks;
- a figure's unit fit is read from one table per unit, kind and counter: what the fit of each indicator says.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kg.extract
from kg.extract import _engine
from kg.extract.figures import Quantity
from kg.extract.gates import Gated
from kg.extract.lang.en import numbers as en_numbers
from kg.load import load_registries

ROOT = Path(__file__).resolve().parent.parent


def _all_gated() -> list[tuple[str, Gated]]:
    found = []
    for info in pkgutil.walk_packages(kg.extract.__path__, "kg.extract."):
        module = importlib.import_module(info.name)
        found += [(f"{info.name}.{name}", value) for name, value in vars(module).items() if isinstance(value, Gated)]
    return found


GATED = _all_gated()
WORD_CHARS = "".join(sorted({ch for _, g in GATED for w in (g.words or ()) for ch in w + w.upper()}))


def _same(a: re.Match[str] | None, b: re.Match[str] | None) -> bool:
    return (a and (a.span(), a.groups())) == (b and (b.span(), b.groups()))


@given(data=st.data())
@settings(max_examples=400, deadline=None)
def test_slices_and_windows_of_a_sentence_find_what_the_pattern_finds(data) -> None:
    name, gate = data.draw(st.sampled_from(GATED))
    words = list(gate.words or ("x",))
    pieces = st.one_of(st.sampled_from(words), st.sampled_from([w.upper() for w in words]),
                       st.text(WORD_CHARS + "İıſ ,.1(", max_size=4))
    text = "".join(data.draw(st.lists(pieces, max_size=8)))
    # several slices of one sentence in a row, as a rule asks for each figure or name
    for _ in range(data.draw(st.integers(1, 4))):
        start = data.draw(st.integers(0, len(text) + 2))
        end = data.draw(st.integers(0, len(text) + 70))
        assert _same(gate.search_in(text, start, end), gate.pattern.search(text[start:end])), name
        assert _same(gate.match_in(text, start, end), gate.pattern.match(text[start:end])), name
        endpos = data.draw(st.one_of(st.none(), st.integers(-3, len(text) + 2)))
        found = gate.finditer(text, start) if endpos is None else gate.finditer(text, start, endpos)
        plain = gate.pattern.finditer(text, start) if endpos is None else gate.pattern.finditer(text, start, endpos)
        assert [(m.span(), m.groups()) for m in found] == [(m.span(), m.groups()) for m in plain], name


@given(text=st.lists(st.sampled_from(["1st", "22nd", "3rd", "4th", "No. 5", "no. 6", "number 7", "Number 8", "th",
                                      "9", "10", "st", " ", ", ", "first", "fifth", "edition", "the ", "on the ",
                                      "June 30, 2023", "$5", "No.", "12"]), max_size=10).map("".join))
@settings(max_examples=500, deadline=None)
def test_english_ordinals_are_found_as_without_the_hint(text: str) -> None:
    fast = en_numbers.find_en_ranks(text)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(en_numbers, "_ORDINAL_HINT", re.compile(""))       # every sentence scanned
        assert en_numbers.find_en_ranks(text) == fast


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_a_figures_unit_fits_are_those_of_each_indicator(lang: str) -> None:
    registry = load_registries([ROOT / "data" / "registries", ROOT / "eval" / "registries"])
    eng = _engine(registry, lang)
    shapes = [(None, None, None), ("percent", "ratio", "%"), ("person", "count", "명"), ("unit", "count", "대"),
              ("USD", "currency", "달러"), ("KRW", "currency", "원"), ("point", None, "점"), ("hour", "count", "hours"),
              ("company", "count", "companies"), ("item", "count", "개"), ("place", "count", "곳")]
    for unit, kind, counter in shapes:
        q = Quantity(Decimal(3), unit, kind, counter, False, 0, 1, "3")
        table = eng.unit_fits(q)
        assert set(table) == set(registry.indicators)
        for key in registry.indicators:
            assert table[key] == eng._unit_fit(key, q) == eng._unit_fits(key, q, "")

"""The unit words of each language are data (kg/extract/lang/<code>/units.yaml), checked when read."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from babel.numbers import list_currencies

from kg.errors import InputError
from kg.extract.lang.en.numbers import find_en_quantities
from kg.extract.lang.ko.numbers import find_ko_quantities
from kg.extract.lang.words import package_units, read_units
from kg.extract.languages import LANGUAGES

LANG_DIR = Path(__file__).resolve().parents[1] / "kg" / "extract" / "lang"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "units.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_every_language_ships_units_whose_currencies_are_cldr_codes(code: str) -> None:
    units = read_units(LANG_DIR / code / "units.yaml")
    currencies = {unit for unit, kind in units.values() if kind == "currency"}
    assert currencies and currencies <= set(list_currencies())
    assert any(kind == "count" for _, kind in units.values())


def test_the_number_readers_use_the_data_files() -> None:
    ko = package_units("ko")
    assert ko["달러"] == ("USD", "currency") and ko["개국"] == ("country", "count")
    [q] = find_ko_quantities("수출은 5000억 달러였다")
    assert (q.value, q.unit, q.kind) == (Decimal(500000000000), "USD", "currency")
    [q] = find_en_quantities("Meta holds 350,000 GPUs.")
    assert (q.value, q.unit, q.kind) == (Decimal(350000), "unit", "count")
    [q] = find_en_quantities("a share of 36 percent")
    assert (q.unit, q.kind) == ("percent", "ratio")


def test_read_units_keeps_the_file_order(tmp_path: Path) -> None:
    path = _write(tmp_path, "units:\n  zeta: {unit: item, kind: count}\n  bucks: {unit: USD, kind: currency}\n")
    assert list(read_units(path).items()) == [("zeta", ("item", "count")), ("bucks", ("USD", "currency"))]


@pytest.mark.parametrize(("text", "message", "line"), [
    ("units:\n  bucks: {unit: USX, kind: currency}\n", "not an ISO 4217 currency code", 2),
    ("units:\n  개: {unit: item, kind: counts}\n", "unknown kind 'counts'", 2),
    ("units:\n  개: {unit: item}\n", "missing the required key 'kind'", 2),
    ("units:\n  개: {unit: 'a b', kind: count}\n", "bad unit key", 2),
    ("units:\n  개: {unit: item, kind: count, plural: 개들}\n", "unknown key 'plural'", 2),
    ("counters:\n  개: {unit: item, kind: count}\n", "unknown key 'counters'", 1),
])
def test_a_wrong_entry_names_file_and_line(tmp_path: Path, text: str, message: str, line: int) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as err:
        read_units(path)
    assert message in str(err.value)
    assert err.value.location is not None and err.value.location.line == line
    assert "units.yaml" in str(err.value.location)


# ------------------------------------------------------------------------------------------ words.yaml
@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_every_language_ships_word_lists_that_reach_its_entry(code: str) -> None:
    from kg.extract.lang.words import read_words

    words = read_words(LANG_DIR / code / "words.yaml")
    spec = LANGUAGES[code]
    assert words.unattributed and spec.unattributed == words.unattributed
    assert spec.qualifier_words == words.qualifiers and set(words.qualifiers) == {"upper-bound", "lower-bound"}
    assert spec.forecast == words.forecast and spec.range_gap == words.range_gap
    assert words.label_stopwords and spec.label_stopwords == words.label_stopwords


@pytest.mark.parametrize(("text", "message", "line"), [
    ("overall: [overall, '  ']\n", "a word is blank", 1),
    ("qualifiers:\n  about: {before: [about]}\n", "unknown qualifier 'about'", 2),
    ("qualifiers:\n  upper-bound: {around: [up to]}\n", "unknown key 'around'", 2),
    ("range_gap: '\\s?[~'\n", "not a regular expression", 1),
    ("range_between: ['\\bbetween\\s+']\n", "two regular expressions", 1),
    ("forecasts: [forecast]\n", "unknown key 'forecasts'", 1),
])
def test_a_wrong_word_list_names_file_and_line(tmp_path: Path, text: str, message: str, line: int) -> None:
    from kg.extract.lang.words import read_words

    path = tmp_path / "words.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_words(path)
    assert message in str(err.value)
    assert err.value.location is not None and err.value.location.line == line

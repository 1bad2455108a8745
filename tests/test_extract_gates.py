"""Literal gates (kg/extract/gates.py): a pattern searched only in texts holding one of its words finds what the
pattern alone finds, whatever the pattern and the text (hypothesis), including the characters the regex engine
folds to ASCII letters ("İ", "ı", "ſ", the Kelvin sign)."""
from __future__ import annotations

import importlib
import pkgutil
import re

from hypothesis import given, settings
from hypothesis import strategies as st

import kg.extract
from kg.extract.gates import Gated, literal_words
from kgtest import regex_patterns

ODD = "İıſKK"                # fold to i, i, s, k case-insensitively


def _all_gated() -> list[tuple[str, Gated]]:
    """Every gated pattern at module level in kg.extract and its language packages."""
    found = []
    for info in pkgutil.walk_packages(kg.extract.__path__, "kg.extract."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, Gated):
                found.append((f"{info.name}.{name}", value))
    return found


GATED = _all_gated()
WORD_CHARS = "".join(sorted({ch for _, g in GATED for w in (g.words or ()) for ch in w + w.upper()}))


def test_the_extractor_gates_its_patterns_and_most_have_words() -> None:
    assert len(GATED) >= 15
    assert sum(g.words is not None for _, g in GATED) >= 15


@given(data=st.data())
@settings(max_examples=400, deadline=None)
def test_gated_patterns_of_the_extractor_find_what_the_patterns_find(data) -> None:
    name, gate = data.draw(st.sampled_from(GATED))
    words = list(gate.words or ("x",))
    pieces = st.one_of(st.sampled_from(words), st.sampled_from([w.upper() for w in words]),
                       st.sampled_from([w.title() for w in words]), st.text(WORD_CHARS + ODD + " ,.1", max_size=4))
    text = "".join(data.draw(st.lists(pieces, max_size=8)))
    plain = [(m.span(), m.groups()) for m in gate.pattern.finditer(text)]
    assert [(m.span(), m.groups()) for m in gate.finditer(text)] == plain, name
    assert (gate.search(text) is None) == (not plain), name
    assert gate.findall(text) == gate.pattern.findall(text), name
    # in a window, as the readers search before or after a figure (negative offsets as the regex engine reads them)
    pos = data.draw(st.integers(min_value=-3, max_value=len(text) + 2))
    endpos = data.draw(st.one_of(st.none(), st.integers(min_value=-3, max_value=len(text) + 2)))
    for method in ("search", "match"):
        found = getattr(gate, method)(text, pos, endpos)
        plain_one = getattr(gate.pattern, method)(text, pos) if endpos is None \
            else getattr(gate.pattern, method)(text, pos, endpos)
        assert (found and (found.span(), found.groups())) == (plain_one and (plain_one.span(), plain_one.groups())), name


# random patterns from the shapes the extractor writes: words, alternations, optional and repeated groups,
# word boundaries and lookarounds, with and without IGNORECASE
LETTERS = "abkisAB가나 "
def _patterns() -> st.SearchStrategy[str]:
    return regex_patterns(LETTERS)


@given(pattern=_patterns(), fold=st.booleans(), text=st.text(LETTERS + ODD + "1-_xyzKIS", max_size=24))
@settings(max_examples=1500, deadline=None)
def test_a_gate_never_skips_a_text_the_pattern_matches(pattern: str, fold: bool, text: str) -> None:
    compiled = re.compile(pattern, re.IGNORECASE if fold else 0)
    gate = Gated(compiled)
    plain = [m.span() for m in compiled.finditer(text)]
    assert [m.span() for m in gate.finditer(text)] == plain
    if plain:
        assert gate.may_match(text)
    for pos in range(-1, len(text) + 2):
        for endpos in (None, pos + 3, len(text) - 1):
            a = gate.search(text, pos, endpos)
            b = compiled.search(text, pos) if endpos is None else compiled.search(text, pos, endpos)
            assert (a and a.span()) == (b and b.span())


def test_words_are_read_from_every_alternative_and_the_most_telling_run() -> None:
    # "the" is too common to tell texts apart: one of the word sets of four letters or more
    assert literal_words(re.compile(r"\b(?:took|held)\s+the\s+(?:top|first)\s+(?:spot|place)\b")) \
        in {("held", "took"), ("spot", "place")}
    assert literal_words(re.compile(r"\b(first|second)\b", re.IGNORECASE)) == ("first", "second")
    assert literal_words(re.compile(r"(?:AI\ pioneers?|Tier\ 1)", re.IGNORECASE)) == ("tier 1", "ai pioneer")
    # a common word with the spaces around it is as common: " of" tells texts apart no better than "of"
    assert literal_words(re.compile(r"\b(?:aim|goal) of\s+\d", re.IGNORECASE)) == ("aim", "goal")
    assert literal_words(re.compile(r"[Aa]ccording|x?[yz]")) is None     # an alternative with no literal
    assert literal_words(re.compile("Σ", re.IGNORECASE)) is None          # a cased letter outside ASCII


def test_a_text_with_a_letter_the_engine_folds_to_ascii_is_searched() -> None:
    gate = Gated(re.compile(r"\bfirst\b", re.IGNORECASE))
    assert gate.search("the fİrst place") is not None
    assert gate.search("the fırst place") is not None
    assert gate.search("the second place") is None


@given(text=st.text(st.sampled_from(list("가힣각힢힣\ud7a4\ud7ffퟻ가나aAzZ[`@{ 1é€") + ["\U0001f600"]), max_size=40)
       | st.text(max_size=40))
@settings(max_examples=800, deadline=None)
def test_letters_are_counted_on_bytes_as_the_regexes_count_them(text: str) -> None:
    """kg.extract.text.letter_counts (the language of an article) counts what [가-힣] and [A-Za-z] find."""
    from kg.extract.text import letter_counts

    assert letter_counts(text) == (len(re.findall("[가-힣]", text)), len(re.findall("[A-Za-z]", text)))


def _plain_may_match(gate: Gated, text: str, pos: int, endpos: int | None) -> bool:
    """The gate computed straight from its words, for every call on its own (no text remembered)."""
    if gate.words is None:
        return True
    if gate.fold and re.search("[\u0130\u0131\u017f]", text):
        return True
    low = text.lower() if gate.fold else text
    start, end = max(pos, 0), len(text) if endpos is None else max(endpos, 0)
    return any(low.find(w, start, end) >= 0 for w in gate.words)


@given(data=st.data())
@settings(max_examples=400, deadline=None)
def test_windows_asked_in_a_row_of_one_text_are_gated_as_each_alone(data) -> None:
    """A gate remembers where its words are in the text it was last asked about in windows; windows of one text
    asked in a row, of texts taken in turns (equal texts that are other objects too), are answered as each window
    alone is, and the searches find what the plain pattern finds."""
    name, gate = data.draw(st.sampled_from(GATED))
    words = list(gate.words or ("x",))
    pieces = st.one_of(st.sampled_from(words), st.sampled_from([w.upper() for w in words]),
                       st.text(WORD_CHARS + ODD + " ,.1", max_size=4))
    texts = data.draw(st.lists(st.lists(pieces, max_size=8).map("".join), min_size=1, max_size=3))
    texts += ["".join(list(t)) for t in texts]          # equal texts, other objects
    calls = data.draw(st.lists(st.tuples(st.sampled_from(range(len(texts))), st.integers(-3, 40),
                                         st.one_of(st.none(), st.integers(-3, 40))), max_size=12))
    for i, pos, endpos in calls:
        text = texts[i]
        assert gate.may_match(text, pos, endpos) == _plain_may_match(gate, text, pos, endpos), name
        found = gate.search(text, pos, endpos)
        plain = gate.pattern.search(text, pos) if endpos is None else gate.pattern.search(text, pos, endpos)
        assert (found and (found.span(), found.groups())) == (plain and (plain.span(), plain.groups())), name


@given(text=st.text(st.sampled_from(list("İıſKKiIsS가a ")), max_size=12) | st.text(max_size=20))
@settings(max_examples=500, deadline=None)
def test_odd_case_letters_are_found_as_the_regex_finds_them(text: str) -> None:
    from kg.extract.gates import _ODD_CASE, _odd_case

    assert _odd_case(text) == (_ODD_CASE.search(text) is not None)

"""The name finder's and the draft's shortcuts give what the plain way gives (hypothesis and examples)."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.extract.resolve import Gazetteer, _edge_tests
from kg.load import load_registries

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer(load_registries([ROOT / "data" / "registries", ROOT / "eval" / "registries"]))


# names, names inside longer words, names glued to each other (overlaps), lone and paired Hanja, particles
PIECES = ["한국", "미국", "중국", "메타", "메타버스", "엔비디아", "NVIDIA", "South Korea", "Korea", "Koreans", "US",
          "韓", "美", "中", "小", "企業", "은 ", "는 ", "과", "가", ", ", " and ", "the ", "x", "9", "Meta", "data",
          "Inc.", ".", " ", "\n", "(", ")"]


@given(pieces=st.lists(st.sampled_from(PIECES), max_size=16))
@settings(max_examples=500, deadline=None)
def test_names_merged_from_each_parts_matches_are_the_stepwise_search_s(gazetteer: Gazetteer,
                                                                       pieces: list[str]) -> None:
    text = "".join(pieces)
    assert gazetteer.find(text) == gazetteer.find_stepwise(text)


@given(before=st.sampled_from(["", "가", "은", "a", "9", " ", "中", "美", "小", ".", "("]),
       after=st.sampled_from(["", "가", "은", "a", "9", " ", "中", "美", "小", ".", "("]),
       name=st.sampled_from(["한국", "메타", "NVIDIA", "Korea", "US", "韓", "美", "中", "中国", "Inc."]))
@settings(max_examples=300, deadline=None)
def test_a_names_edge_tests_refuse_what_accept_refuses(gazetteer: Gazetteer, before: str, after: str,
                                                       name: str) -> None:
    text = before + name + after
    test_before, test_after = _edge_tests(name)
    refused = (test_before is not None and before != "" and test_before(before)) \
        or (test_after is not None and after != "" and test_after(after))
    assert refused is not gazetteer._accept(text, len(before), len(before) + len(name), name)


def test_a_name_inside_a_word_and_an_overlap_are_found_as_the_stepwise_search_finds_them(
        gazetteer: Gazetteer) -> None:
    # "메타버스" is no Meta; a lone Hanja inside other Chinese characters is no country
    for text in ["메타버스와 메타는", "中小企業 韓美中", "South Korean and Korea", "NVIDIAs and NVIDIA."]:
        assert gazetteer.find(text) == gazetteer.find_stepwise(text)
    assert [m.text for m in gazetteer.find("메타버스와 메타는")] == ["메타"]

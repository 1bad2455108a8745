"""The name finder's and the draft's shortcuts give what the plain way gives (hypothesis and examples)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.extract import phrases
from kg.extract.context import Sentence
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


def _names_ko_plainly(s: Sentence, known: list[tuple[int, int]], not_names: set[str]) -> list[tuple[int, int, str]]:
    """The Korean unknown-name reader as it was written before its shortcuts: every token looked at in turn."""
    out: list[tuple[int, int, str]] = []
    text, tokens = s.text, s.proper_nouns
    for i, (a, b, form, tag) in enumerate(tokens):
        if tag not in ("NNP", "SL") or len(form) < 2 or form in not_names:
            continue
        if tag == "SL" and not re.fullmatch(r"[A-Z][A-Za-z0-9&-]*[A-Za-z]", form):
            continue
        end, j = b, i + 1
        while j < len(tokens) and tokens[j][3] in ("NNP", "SL") and tokens[j][0] - end <= 1:
            end, j = tokens[j][1], j + 1
        if i > 0 and tokens[i - 1][3] in ("NNP", "SL") and a - tokens[i - 1][1] <= 1:
            continue
        if any(x < end and a < y for x, y in known):
            continue
        nxt = tokens[j] if j < len(tokens) else None
        if (nxt is None or nxt[0] != end or nxt[3] not in ("JKS", "JX", "JKG", "JC", "JKB", "JKO", "VCP")) \
                and not (text[end:end + 1] == "(" or text[end:end + 1] == ","):
            continue
        out.append((a, end, text[a:end]))
    return out


WORDS = [("메타", "NNP"), ("xAI", "SL"), ("SMIC", "SL"), ("H100", "SL"), ("옥스퍼드", "NNP"), ("인사이츠", "NNP"),
         ("가", "JKS"), ("는", "JX"), ("의", "JKG"), ("시장", "NNG"), ("늘", "VV"), ("(", "SSO"), (",", "SP"),
         ("x", "SL"), ("AI", "SL")]


@given(words=st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(["", " "])), max_size=12),
       known=st.lists(st.tuples(st.integers(0, 40), st.integers(1, 8)), max_size=3),
       not_names=st.sets(st.sampled_from(["메타", "AI", "시장", "SMIC"]), max_size=2))
@settings(max_examples=400, deadline=None)
def test_korean_unknown_names_are_read_from_the_name_tokens_as_from_every_token(
        words: list[tuple[tuple[str, str], str]], known: list[tuple[int, int]], not_names: set[str]) -> None:
    text, tokens = "", []
    for (form, tag), space in words:
        tokens.append((len(text), len(text) + len(form), form, tag))
        text += form + space
    s = Sentence(0, len(text), text, 0, proper_nouns=tokens)
    spans = [(a, a + n) for a, n in known]
    assert phrases.names_ko(s, spans, not_names) == _names_ko_plainly(s, spans, not_names)


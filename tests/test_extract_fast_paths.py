"""The extractor's shortcuts for speed (issue 9: >= 80 articles/s per process) give what the slow way gave.

- the name finder's one regex is a trie, and must match what an alternation of the names sorted longest first
  matches (hypothesis, on random names and texts);
- Korean lines are split at sentence-final punctuation and only sentences with a digit go through kiwipiepy:
  their morphemes must sit at the right offsets of the sentence, whatever sentence of the line it is, and the
  other sentences must be there too (they carry topics and attributions);
- drafts are written by libyaml's emitter where it writes what PyYAML's pure-Python emitter writes, and by the
  Python emitter elsewhere: the output must be the Python emitter's, byte for byte, whatever the data.
"""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extracthelp import draft, keys
from kg.extract import _engine
from kg.extract.draft import dump_yaml, dump_yaml_python
from kg.extract.resolve import Gazetteer, trie_parts, trie_pattern
from kg.extract.scoring import compared, score_text
from kg.load import load_registries

ROOT = Path(__file__).resolve().parent.parent
ALPHABET = "ab.c한국가 ("


@given(words=st.sets(st.text(ALPHABET, min_size=1, max_size=6), min_size=1, max_size=12),
       texts=st.lists(st.text(ALPHABET + "dx", max_size=30), min_size=1, max_size=5))
@settings(max_examples=300, deadline=None)
def test_trie_matches_the_longest_first_alternation(words: set[str], texts: list[str]) -> None:
    slow = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
    fast = re.compile(trie_pattern(words))
    for text in texts:
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in slow.finditer(text)]
        for pos in range(len(text) + 1):
            a, b = fast.search(text, pos), slow.search(text, pos)
            assert (a and a.span()) == (b and b.span())


@given(words=st.sets(st.text(ALPHABET, min_size=1, max_size=6), min_size=1, max_size=12),
       texts=st.lists(st.text(ALPHABET + "dx", max_size=30), min_size=1, max_size=5),
       parts=st.integers(min_value=1, max_value=5))
@settings(max_examples=300, deadline=None)
def test_the_trie_split_by_first_character_finds_what_the_whole_trie_finds(words: set[str], texts: list[str],
                                                                         parts: int) -> None:
    whole = re.compile(trie_pattern(words))
    split = trie_parts(words, parts)
    for text in texts:
        for pos in range(len(text) + 1):
            found = [m for p in split if (m := p.search(text, pos)) is not None]
            leftmost = min(found, key=lambda m: m.start()) if found else None
            expected = whole.search(text, pos)
            assert (leftmost and leftmost.span()) == (expected and expected.span())


def test_names_are_found_as_the_whole_trie_finds_them(registry) -> None:
    gaz = Gazetteer(registry)
    whole = re.compile(trie_pattern(gaz.names))
    text = "한국과 미국, 중국은 메타버스가 아닌 메타, 엔비디아와 NVIDIA, South Korea and the US, 韓 美中"
    spans, pos = [], 0
    while (m := whole.search(text, pos)) is not None:
        if gaz._accept(text, m.start(), m.end(), m.group(0)):
            spans.append(m.span())
            pos = m.end()
        else:
            pos = m.start() + 1
    assert [(m.start, m.end) for m in gaz.find(text)] == spans
    assert len(spans) >= 8


def test_trie_of_no_words_matches_nothing() -> None:
    assert re.compile(trie_pattern([])).search("anything") is None


@pytest.fixture(scope="module")
def registry():
    return load_registries([ROOT / "data" / "registries"])


def test_korean_sentences_with_a_figure_get_morphemes_at_their_offsets(registry) -> None:
    text = ("AI 경쟁\n\n전문가들은 옥스퍼드인사이츠가 중요하다고 말했다. 한국은 종합 순위에서 6위를 차지했다. 정부는 계획을 밝혔다.\n"
            "정부는 관련 법안을 제출할 계획이다. 코어위브는 25만대를 보유했다.\n")
    sentences = _engine(registry, "ko").rules.sentences(text, len(text))
    assert [s.text for s in sentences] == ["AI 경쟁", "전문가들은 옥스퍼드인사이츠가 중요하다고 말했다.",
                                           "한국은 종합 순위에서 6위를 차지했다.", "정부는 계획을 밝혔다.",
                                           "정부는 관련 법안을 제출할 계획이다.", "코어위브는 25만대를 보유했다."]
    assert [s.para for s in sentences] == [0, 1, 1, 1, 2, 2]
    for s in sentences:
        assert text[s.start:s.end] == s.text
        assert bool(s.proper_nouns) == bool(re.search(r"\d", s.text))     # morphemes only where a figure can be
        for a, b, form, tag in s.proper_nouns:
            if tag.startswith("NN"):
                assert s.text[a:b] == form
    last = sentences[-1]
    assert any(form == "코어위브" and last.text[a:b] == "코어위브" for a, b, form, _ in last.proper_nouns)


def test_a_name_the_registries_lack_is_read_in_a_later_sentence_of_a_line(registry) -> None:
    # the morphemes of the second sentence are offset right: the unknown holder is found before its figure
    d = draft(registry, "AI 경쟁\n\n업계는 투자가 중요하다고 말했다. 코어위브는 H100 GPU 25만대를 보유하고 있다.\n", "ko")
    [(subject, kind, measure, value)] = keys(d)
    assert (kind, measure, value) == ("observation", "h100-gpus-held", 250000)
    assert d.proposals["entities"][subject]["label"]["ko"] == "코어위브"


# keys as drafts have them (field names, registry keys) and some that look like other YAML types; any key at all
KEYS = st.one_of(st.text("abnoyesul0123456789_-", min_size=1, max_size=8), st.sampled_from(["no", "null", "on", "1e3"]),
                 st.text(max_size=6))
SCALARS = st.one_of(st.text(), st.text("가나 .:-#'\"\n\t\x85\u2028\ufeff\U0001F600\xa0", max_size=40),
                    st.decimals(allow_nan=False, allow_infinity=False), st.integers(), st.booleans(), st.none(),
                    st.dates(), st.floats(allow_nan=False))


@given(data=st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(KEYS, inner, max_size=4)), max_leaves=20),
       shared=st.booleans())
@settings(max_examples=500, deadline=None)
def test_drafts_are_written_as_the_python_emitter_writes_them(data: Any, shared: bool) -> None:
    doc = {"facts": [data, data] if shared else [data]}     # one object twice: an anchor and an alias
    assert dump_yaml(doc) == dump_yaml_python(doc)


def test_a_real_draft_is_written_as_the_python_emitter_writes_it(registry) -> None:
    d = draft(registry, "AI 경쟁\n\n코어위브는 H100 GPU 25만대를 보유하고 있다. 메타는 35만대로 1위다 😀.\n", "ko")
    for doc in (d.sheet, {"article": "t", "pending_facts": d.pending}, d.proposals,
                {"facts": [{"value": Decimal("12.50"), "text": "SK\x85하이닉스"}]}):
        assert dump_yaml(doc) == dump_yaml_python(doc)


def test_a_sentence_analysed_before_gets_the_same_morphemes_at_its_new_place(registry) -> None:
    from kg.extract.lang.ko import patterns

    rules = _engine(registry, "ko").rules
    line = "코어위브는 H100 GPU 25만대를 보유했다. 메타는 35만대로 1위다."
    first = f"AI 경쟁\n\n{line}\n"
    second = f"다른 기사\n\n업계는 2024년 투자가 늘었다고 말했다. {line}\n정부는 5조원을 투입한다.\n"
    patterns._ANALYSED.clear()
    fresh = rules.sentences(second, len(second))
    patterns._ANALYSED.clear()
    rules.sentences(first, len(first))                  # the line's sentences analysed at other offsets
    assert rules.sentences(second, len(second)) == fresh
    assert any(s.text.startswith("코어위브") and s.proper_nouns for s in fresh)


@pytest.fixture(scope="module")
def engines(registry):
    return {lang: _engine(registry, lang) for lang in ("ko", "en")}


def _pieces(registry) -> list[str]:
    """Keywords of both languages' tables, cut and joined with spaces, case changes and letters around them."""
    out: set[str] = set()
    for lang in ("ko", "en"):
        eng = _engine(registry, lang)
        for table in (eng.ind_keywords, eng.rank_keywords):
            for words in table.values():
                out |= {w for w, _ in words}
    return sorted(out)


@given(data=st.data())
@settings(max_examples=300, deadline=None)
def test_a_window_scores_what_its_text_scores_on_its_own(engines, registry, data) -> None:
    """Keyword hits are found once per sentence; any window's score equals scoring the window's text alone
    (word boundaries at the window's edge, Korean spacing, case folding, characters that lower-case longer)."""
    pieces = _pieces(registry)
    parts = data.draw(st.lists(st.one_of(st.sampled_from(pieces), st.sampled_from(pieces).map(str.upper),
                                         st.text("ab 1,.한국İΣ", max_size=4)), max_size=8))
    text = "".join(parts)
    edges = [len("".join(parts[:i])) for i in range(len(parts) + 1)]      # where a piece starts: a word's edge
    lang = data.draw(st.sampled_from(["ko", "en"]))
    eng = engines[lang]
    table = data.draw(st.sampled_from([eng.ind_keywords, eng.rank_keywords]))
    start = data.draw(st.one_of(st.integers(0, len(text) + 2), st.sampled_from(edges)))
    end = data.draw(st.one_of(st.none(), st.integers(0, len(text) + 2)))
    fold = eng.language.fold_case
    keywords = eng.keyword_table(table)
    window = text[start:end]
    expected = score_text(keywords.rows, keywords.vocabulary, compared(window, fold), fold)
    assert eng.hits(table, text).score(start, end) == expected
    assert list(eng.hits(table, text).score(start, end)) == list(expected)      # the same order of keys


KO_FIGURE_ALPHABET = "0123456789,. 만억조천백약여위명개대원달러%H가-:년월일\n"


@given(text=st.text(KO_FIGURE_ALPHABET, max_size=40))
@settings(max_examples=500, deadline=None)
def test_korean_figures_are_found_where_the_regex_alone_finds_them(text: str) -> None:
    """The Korean figure scan tries the figure regex only where a run of digits begins: the same matches as the
    regex searching every position; a number written in digits alone parses as the general parser parses it."""
    from kg.extract.lang.ko import numbers

    fast = [(m.span(), m.groupdict()) for m in numbers._quantity_matches(text)]
    assert fast == [(m.span(), m.groupdict()) for m in numbers.QUANTITY_RE.finditer(text)]
    for m in numbers.QUANTITY_RE.finditer(text):
        num = m.group("num").strip()
        if numbers._PLAIN.fullmatch(num):
            assert numbers.parse_ko_number(num) == _general_parse(num)


def _general_parse(num: str) -> Decimal:
    """parse_ko_number's section loop on its own (no shortcut for digits alone)."""
    from kg.extract.figures import normal
    from kg.extract.lang.ko import numbers

    total = Decimal(0)
    for m in numbers._PART_RE.finditer(num):
        total += Decimal(m.group(1).replace(",", ""))
    return normal(Decimal(0) + total)


@given(text=st.text("AIpioners tTiercountry123 선도국가등급안정적경쟁-first of three", max_size=40))
@settings(max_examples=300, deadline=None)
def test_group_names_are_found_where_the_full_pattern_finds_them(group_engines, text: str) -> None:
    """A sentence is searched for group names only where the same pattern without its lookarounds matches:
    whatever the text, the answer is the full pattern's."""
    for eng in group_engines.values():
        for gate in (eng.any_group, eng.any_weak_group):
            assert gate.loose is not None                   # the shortcut is in use
            assert (gate.search(text) is None) == (gate.pattern.search(text) is None)


@pytest.fixture(scope="module")
def group_engines():
    """Engines of registries that hold groups (the evaluation sets' tiers besides the shipped ones)."""
    both = load_registries([ROOT / "data" / "registries", ROOT / "eval" / "registries"])
    assert both.classifications
    return {lang: _engine(both, lang) for lang in ("ko", "en")}


@given(text=st.text("0123456789 .:-/,JanJuneOctSeptMayDec월일년 (Yonhap)", max_size=40))
@settings(max_examples=500, deadline=None)
def test_a_date_search_skipped_would_have_found_nothing(text: str) -> None:
    """find_dates skips a search where the words it needs are absent (a month's name, 월, a colon): there, the
    search finds nothing, so the dates are the same."""
    from kg.extract import dates

    if dates._MONTH_START.search(text) is None:
        assert not list(dates._EN_MDY.finditer(text)) and not list(dates._EN_DMY.finditer(text))
    if "월" not in text:
        assert not list(dates._KOREAN.finditer(text))
    if ":" not in text:
        assert not list(dates._CLOCK.finditer(text))


EN_FIGURE_ALPHABET = "0123456789,. \u00a0\t$€£¥₩₹US$C$A$Rs.rsucbnmkthousandmillionGPUs%points-a"


@given(text=st.text(EN_FIGURE_ALPHABET, max_size=40))
@settings(max_examples=500, deadline=None)
def test_english_figures_are_found_where_the_regex_alone_finds_them(text: str) -> None:
    """The English figure scan tries the figure regex only just before and at each run of digits: the same
    matches as the regex searching every position."""
    from kg.extract.lang.en import numbers

    fast = [(m.span(), m.groupdict()) for m in numbers._quantity_matches(text)]
    assert fast == [(m.span(), m.groupdict()) for m in numbers.QUANTITY_RE.finditer(text)]


@given(text=st.text("0123456789 .,\u00a0NnoumberNo.stndrdth-a", max_size=40))
@settings(max_examples=500, deadline=None)
def test_english_ordinals_are_found_where_the_regex_alone_finds_them(text: str) -> None:
    from kg.extract.lang.en import numbers

    assert [m.span() for m in numbers._ordinal_matches(text)] == [m.span() for m in numbers.ORDINAL_RE.finditer(text)]


@given(text=st.text("0123456789 .,·~∼→->위안원가a", max_size=40))
@settings(max_examples=500, deadline=None)
def test_korean_ranks_are_found_where_the_regexes_alone_find_them(text: str) -> None:
    from kg.extract.lang.ko import numbers

    for pattern in (numbers._RANK_PLACE, numbers._RANK_SPAN, numbers._RANK_BEFORE_CHANGE, numbers._RANK_PAIR_FIRST):
        fast = [(m.span(), m.groups()) for m in numbers._at_digit_runs(pattern, text)]
        assert fast == [(m.span(), m.groups()) for m in pattern.finditer(text)]


@given(word=st.text("Abc. _é1", min_size=1, max_size=4), article=st.text("Abc. _é1,\n\t\u00a0xyzA", max_size=40))
@settings(max_examples=800, deadline=None)
def test_a_name_written_inside_a_sentence_is_found_as_the_regex_finds_it(word: str, article: str) -> None:
    from kg.extract.phrases import _written_inside

    expected = re.search(rf"[a-z,]\s+{re.escape(word)}\b", article) is not None
    assert _written_inside.__wrapped__(word, article) == expected


@given(name=st.text("OEC가나 ", min_size=1, max_size=3), text=st.text("OEC가나 ()Lab s.,", max_size=40))
@settings(max_examples=800, deadline=None)
def test_an_english_name_in_brackets_is_found_as_the_regexes_find_it(name: str, text: str) -> None:
    from kg.extract.propose import _LATIN_NAME, given_english

    given = re.search(re.escape(name) + r"\s?\(\s?" + _LATIN_NAME + r"\s?\)", text) \
        or re.search(_LATIN_NAME + r"\s?\(\s?" + re.escape(name) + r"\s?\)", text)
    assert given_english(name, text) == (given.group(1).strip() if given else None)


@given(line=st.text(".!?다요\"”’')x \t\u00a0", max_size=12))
@settings(max_examples=800, deadline=None)
def test_headlines_are_told_as_the_regexes_tell_them(line: str) -> None:
    from kg.extract.lang.en.patterns import EnglishRules
    from kg.extract.lang.ko.patterns import KoreanRules

    rules = KoreanRules([])
    rules.scan_tables("")
    for lang_rules, pattern, limit in ((rules, r"[.!?다요][\"”’']?\s*$", 80),
                                      (EnglishRules(), r"[.!?][\"”’')]*\s*$", 120)):
        text = "x\n" + line + "\n"
        sentences = lang_rules.sentences(text, len(text)) if line.strip() else []
        for s in sentences:
            if s.start >= 2:
                assert s.headline == (not re.search(pattern, line) and len(line) < limit), (line, s)

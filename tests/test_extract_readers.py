"""Readers of real-article forms: compound Korean numbers with spaces, figures right after a full stop, dates and
bylines (never figures; the publication date when --date is not given), ordinals that are not places."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import assume, given, strategies as st

from kg.extract.dates import find_dates, publication_date
from kg.extract.lang.en.numbers import find_en_quantities, find_en_ranks
from kg.extract.lang.ko.numbers import find_ko_quantities, find_ko_ranks, format_ko_number, parse_ko_number
from kg.extract.text import read_article


# ------------------------------------------------------------------------------------------ Korean numbers
@pytest.mark.parametrize("text,value", [
    ("47만 8천", 478000), ("47만 8000", 478000), ("1조 2000억", 1200000000000), ("1조 2천억", 1200000000000),
    ("255억 2천만", 25520000000), ("376억 8,600만", 37686000000), ("3억 5000만", 350000000),
])
def test_parse_ko_spaced_compounds(text, value):
    assert parse_ko_number(text) == Decimal(value)


_STYLES = st.sampled_from(["mixed", "thousands"])


@given(st.integers(min_value=0, max_value=10**16), _STYLES, st.booleans())
def test_format_the_korean_way_then_parse(value, style, spaced):
    assert parse_ko_number(format_ko_number(value, style, spaced=spaced)) == value


@given(st.integers(min_value=1, max_value=10**15), _STYLES, st.booleans(), st.booleans(),
       st.sampled_from(["명", "대", "개", "곳", "원", "달러"]))
def test_spaced_figure_is_found_whole_in_a_sentence(value, style, spaced, gap, counter):
    written = format_ko_number(value, style, spaced=spaced) + (" " if gap else "") + counter
    assume(not (counter == "대" and value % 10 == 0 and 10 <= value <= 90))     # "30대": an age group
    text = f"지난해 이 회사는 {written}를 기록했다."
    found = find_ko_quantities(text)
    assert [q.value for q in found] == [value]
    assert found[0].as_written == written and text[found[0].start:found[0].end] == written


@pytest.mark.parametrize("text,values", [
    ("인구는 5만 2023년 통계", [Decimal(50000)]),           # a year after a myriad is not its last section
    ("매출은 47만 8천 명이 아니라", [Decimal(478000)]),
    ("1조 2000억 원을 투자한다", [Decimal(1200000000000)]),
])
def test_spaced_sections_only_where_they_continue_the_number(text, values):
    assert [q.value for q in find_ko_quantities(text)] == values


def test_figure_and_rank_right_after_a_full_stop():
    text = "미국이 1위를 차지했다.2위는 28개를 보유한 중국이었다.3만대는 적다."
    assert [r.rank for r in find_ko_ranks(text)] == [1, 2]
    assert [q.value for q in find_ko_quantities(text)] == [28, 30000]
    # a full stop after a digit is still a decimal or version point
    assert [q.as_written for q in find_ko_quantities("버전 3.5.2에서 5대")] == ["3.5", "5대"]


# ------------------------------------------------------------------------------------------ dates
@pytest.mark.parametrize("text,date", [
    ("입력 2025-06-24 09:10", dt.date(2025, 6, 24)),
    ("2024.09.25", dt.date(2024, 9, 25)),
    ("2024. 9. 25.", dt.date(2024, 9, 25)),
    ("2024년 9월 25일", dt.date(2024, 9, 25)),
    ("Posted August. 11, 2008 06:49", dt.date(2008, 8, 11)),
    ("June 30, 2023", dt.date(2023, 6, 30)),
    ("30 June 2023", dt.date(2023, 6, 30)),
    ("Sept. 5, 2021", dt.date(2021, 9, 5)),
])
def test_dates_read(text, date):
    found = [d for d in find_dates(text) if d.month]
    assert len(found) == 1 and found[0].date() == date


def test_partial_dates_need_a_year():
    (d,) = [d for d in find_dates("SEOUL, Oct. 17 (Yonhap) -- The index") if d.month]
    assert d.byline and d.date() is None and d.date(2023) == dt.date(2023, 10, 17)


@pytest.mark.parametrize("text", ["입력 2025-06-24 09:10", "2024.09.25 발표", "2024년 9월 25일 발표"])
def test_korean_dates_are_not_figures(text):
    assert find_ko_quantities(text) == [] and find_ko_ranks(text) == []


@pytest.mark.parametrize("text", ["Posted August. 11, 2008 06:49", "SEOUL, Oct. 17 (Yonhap) --",
                                  "on June 30, 2023, the ministry said", "published 2024-09-25"])
def test_english_dates_are_not_figures(text):
    assert find_en_quantities(text) == [] and find_en_ranks(text) == []


def test_publication_date_prefers_a_byline_over_a_date_in_the_body():
    head = "제목\n지난 2024년 3월 2일 발표된 자료를 보면\n입력 2024.09.25 10:00 | 홍길동 기자\n본문"
    assert publication_date(head) == (dt.date(2024, 9, 25), "2024.09.25 10:00")
    # a date inside a long body sentence is an event date, not the publication date
    assert publication_date("The ministry said on June 30, 2023, that the country had counted more workers "
                            "than in any year before.") is None


@pytest.mark.parametrize("head,date", [
    ("Go to contents\n\nLabor productivity\n\nPosted August. 11, 2008 06:49,   \n\nBody text here.",
     "2008-08-11"),
    ("한국 AI 순위\n기자 | 입력 2025-06-24 09:10\n한국은 6위를 기록했다.", "2025-06-24"),
    ("Title\nThe Review | June 30, 2023 | By A. Writer\nBody.", "2023-06-30"),
])
def test_read_article_takes_the_byline_date(tmp_path, head, date):
    path = tmp_path / "a.txt"
    path.write_text(head, encoding="utf-8")
    article = read_article(path)
    assert article.published == dt.date.fromisoformat(date)
    assert article.published_note.startswith("date read from the text")


def test_read_article_without_a_date_leaves_it_unknown(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("SEOUL, Oct. 17 (Yonhap) -- Korea ranked sixth.", encoding="utf-8")
    assert read_article(path).published is None


# ------------------------------------------------------------------------------------------ ordinals
@pytest.mark.parametrize("text", [
    "It is the fourth edition of the index.", "for the first time since 2020", "in the first quarter of 2024",
    "On the 9th, the firm said", "its 33rd anniversary", "the second half of the year",
])
def test_ordinals_that_are_not_places(text):
    assert find_en_ranks(text) == []


def test_ordinals_that_are_places_stay():
    assert [r.rank for r in find_en_ranks("Korea ranked sixth, the 33rd of 38, in fourth place")] == [6, 33, 4]

"""Korean rules that keep real-article drafts precise (issue 9): pillars of a known ranking, restricted rankings,
comparison years, places that are not places, counts that are not values, one fact for one figure. Every
sentence is written for the test."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from extracthelp import draft
from kg.load import load_registries

ROOT = Path(__file__).resolve().parent.parent
AI = "tortoise-global-ai-index"
PUBLISHED = dt.date(2025, 6, 2)


@pytest.fixture(scope="module")
def registry():
    return load_registries([ROOT / "data" / "registries"])


def ko(registry, text: str):
    return draft(registry, text, "ko", published=PUBLISHED)


def rank_rows(d) -> set[tuple]:
    """(subject, ranking label in Korean or key, rank, period) of every drafted rank."""
    out = set()
    for f in d.sheet["facts"]:
        if f["kind"] != "rank":
            continue
        entry = d.proposals.get("rankings", {}).get(f["ranking"])
        label = entry["label"]["ko"] if entry else f["ranking"]
        out.add((f["subject"], label, f["rank"], None if f.get("period") is None else str(f["period"])))
    return out


def pillar(label: str) -> str | None:
    return label.split(" - ", 1)[1] if " - " in label else None


def problems(d) -> dict:
    return {(p.get("subject"), p.get("value", p.get("rank"))): p["problem"] for p in d.pending}


# ------------------------------------------------------------------------------------------ pillars
def test_pillar_of_a_registry_ranking_with_a_change(registry):
    """"연구 항목도 9위에서 4위로": the pillar's places, not the index's, the earlier one last year's."""
    d = ko(registry, "토터스미디어의 AI 지수에서 한국은 종합 7위였다. 연구 항목도 규제 완화 등에 힘입어 9위에서 4위로 올랐다.")
    rows = rank_rows(d)
    assert ("KR", AI, 7, None) in rows
    assert {(s, pillar(lab), r, p) for s, lab, r, p in rows if lab != AI} == {("KR", "연구", 9, "2024"),
                                                                          ("KR", "연구", 4, None)}


def test_pillar_with_its_score_in_brackets(registry):
    d = ko(registry, "토터스미디어의 AI 지수에서 일본은 개발(55.1점) 부문에서 독일에 이어 2위를 차지했다.")
    rows = {(s, pillar(lab), r) for s, lab, r, _ in rank_rows(d)}
    assert ("JP", "개발", 2) in rows
    assert not any(lab == AI for _, lab, _, _ in rank_rows(d))


def test_two_pillars_paired_with_two_places(registry):
    d = ko(registry, "토터스미디어의 AI 지수에서 한국은 종합 7위였다. 다만 연구와 개발 부문에서는 15위와 21위를 각각 기록했다.")
    rows = {(s, pillar(lab), r) for s, lab, r, _ in rank_rows(d)}
    assert {("KR", "연구", 15), ("KR", "개발", 21), ("KR", None, 7)} == rows


def test_listed_pillars_after_a_topic(registry):
    d = ko(registry, "토터스미디어의 AI 지수에서 한국은 종합 7위였다. 독일은 연구 4위, 개발 9위를 기록했다.")
    rows = {(s, pillar(lab), r) for s, lab, r, _ in rank_rows(d)}
    assert {("DE", "연구", 4), ("DE", "개발", 9)} <= rows
    assert ("DE", None, 4) not in rows


def test_a_spread_of_places_over_pillars_is_no_place(registry):
    d = ko(registry, "토터스미디어의 AI 지수에서 한국은 종합 7위였다. 인재와 연구, 개발 부문에서 각각 3~7위로 높은 평가를 받았다.")
    assert {(s, r) for s, _, r, _ in rank_rows(d)} == {("KR", 7)}
    assert len(d.sheet["facts"]) == 1


def test_a_pillar_compared_with_last_year(registry):
    """"지난해와 비교해 인재(8위→5위)": the earlier place is last year's; the verb is no part of the pillar."""
    d = ko(registry, "토터스미디어의 AI 지수에서 한국은 종합 7위였다. 지난해와 비교해 인재(8위→5위) 항목에서 순위가 올랐다.")
    rows = {(s, pillar(lab), r, p) for s, lab, r, p in rank_rows(d)}
    assert {("KR", "인재", 8, "2024"), ("KR", "인재", 5, None)} <= rows


def test_spacing_does_not_change_the_keywords(registry):
    """Korean spacing varies ("AI 지수" / "AI지수"): a spaced keyword scores the same either way."""
    from kg.extract import _engine

    engine = _engine(registry, "ko")
    for text in ("글로벌AI지수에서 한국은 종합 7위였다.", "글로벌 AI 지수에서 한국은 종합 7위였다."):
        scores = engine._text_score(engine.rank_keywords, text)
        assert max(scores, key=scores.get) == AI


# ------------------------------------------------------------------------------------------ restricted rankings
def test_a_rank_within_a_part_of_the_ranked(registry):
    """"인구 1억 명 이상 국가로만 따지면 … 3위": a ranking of that part; the names' own places stay the index's."""
    d = ko(registry, "IMD 국가경쟁력 평가에서 한국은 27위였다. 인구 1억 명 이상 국가로만 따지면 일본(12위)·독일(15위) 등에 이어 3위다.")
    rows = rank_rows(d)
    scoped = {(s, pillar(lab), r) for s, lab, r, _ in rows if pillar(lab)}
    assert scoped == {("KR", "인구 1억 명 이상 국가", 3)}
    assert {("JP", 12), ("DE", 15), ("KR", 27)} == {(s, r) for s, lab, r, _ in rows if not pillar(lab)}
    assert problems(d)[("KR", Decimal(100000000))].startswith("the threshold of a class")


def test_a_club_named_with_its_definition(registry):
    d = ko(registry, "IMD 국가경쟁력 평가에서 한국은 27위였다. "
                     "40-60클럽(국민소득 4만 달러·인구 6000만 명 이상 국가) 중에서는 미국, 일본에 이어 3위다.")
    scoped = {(s, pillar(lab), r) for s, lab, r, _ in rank_rows(d) if pillar(lab)}
    assert ("KR", "40-60클럽", 3) in scoped
    # neither threshold of the club is a value of Korea
    assert not any(f["kind"] == "observation" for f in d.sheet["facts"])
    found = problems(d)
    assert found[("KR", Decimal(40000))].startswith("the threshold of a class")
    assert found[("KR", Decimal(60000000))].startswith("the threshold of a class")


def test_a_count_of_countries_is_no_restriction(registry):
    d = ko(registry, "IMD 국가경쟁력 평가에서 한국은 평가대상 64개국 중에서는 20위였다.")
    assert not any(pillar(lab) for _, lab, _, _ in rank_rows(d))


# ------------------------------------------------------------------------------------------ years and places
def test_the_year_compared_with_is_not_the_period(registry):
    d = ko(registry, "토터스미디어의 AI 지수에서 한국은 전년보다 세 계단 오른 9위를 기록했다.")
    assert rank_rows(d) == {("KR", AI, 9, None)}
    d = ko(registry, "토터스미디어의 AI 지수에서 한국은 지난해와 비교해 두 계단 오른 9위를 기록했다.")
    assert rank_rows(d) == {("KR", AI, 9, None)}
    # a year right before its own place still dates it
    d = ko(registry, "토터스미디어의 AI 지수에서 한국은 9위로 지난해(11위)보다 두 계단 올랐다.")
    assert ("KR", AI, 11, "2024") in rank_rows(d)


def test_about_a_place_is_no_place(registry):
    d = ko(registry, "토터스미디어의 AI 지수에서 일본은 2010년부터 2015년까지 15위 안팎을 유지했다.")
    assert rank_rows(d) == set()


def test_one_fact_for_a_figure_stated_with_and_without_its_year(registry):
    d = ko(registry, "OECD 노동생산성 비교에서 한국은 30위에 그쳤다. "
                     "2024년 한국의 시간당 노동생산성은 50.1달러로 OECD 38개국 중 30위였다.")
    ranks = [f for f in d.sheet["facts"] if f["kind"] == "rank"]
    assert [(f["subject"], f["rank"], str(f["period"]), f.get("out_of")) for f in ranks] == [("KR", 30, "2024", 38)]
    assert problems(d)[("KR", 30)].startswith("the same figure")


def test_an_older_year_keeps_its_own_fact(registry):
    d = ko(registry, "OECD 노동생산성 비교에서 한국은 30위에 그쳤다. 2019년에도 30위였다.")
    assert {(f["rank"], f.get("period")) for f in d.sheet["facts"]} == {(30, None), (30, 2019)}


# ------------------------------------------------------------------------------------------ counts
@pytest.mark.parametrize("text,value,reason", [
    ("토터스미디어의 AI 지수는 5개 항목의 역량을 수치화했다.", 5, "the number of parts of a measure"),
    ("정부는 15개 은행과 함께 AI 펀드를 조성했다.", 15, "the number of partners"),
    ("IMD 국가경쟁력 평가에서 매출 1조원 이상 기업은 35곳이었다.", 1000000000000, "the threshold of a class"),
])
def test_counts_and_thresholds_that_are_not_values(registry, text, value, reason):
    d = ko(registry, text)
    assert not any(f["kind"] == "observation" and Decimal(str(f["value"])) == value for f in d.sheet["facts"])
    assert any(p.get("value") == value and p["problem"].startswith(reason) for p in d.pending)


# ------------------------------------------------------------------------------------------ ranks by their figure
def test_ranks_ordered_by_the_figures_stated_with_them(registry):
    """No ranking is named: the places order the holders' figures, so the ranking is proposed from their measure
    and says so (``criterion``)."""
    d = ko(registry, "조사 결과 반도체 공장은 미국(15개)에 가장 많았다. 2위는 12개를 보유한 일본이었으며 3위는 독일(9개) 순서였다.")
    ranks = {(f["subject"], f["ranking"], f["rank"]) for f in d.sheet["facts"] if f["kind"] == "rank"}
    values = {f["subject"]: f["indicator"] for f in d.sheet["facts"] if f["kind"] == "observation"}
    assert {(s, r) for s, _, r in ranks} == {("US", 1), ("JP", 2), ("DE", 3)}
    (series,) = {k for _, k, _ in ranks}
    entry = d.proposals["rankings"][series]
    assert entry["proposed"] is True and entry["label"]["ko"].endswith("순위")
    assert entry["criterion"] == values["US"] == values["JP"] == values["DE"]
    assert not any(p["kind"] == "rank" for p in d.pending)


def test_a_rank_takes_the_first_figure_after_it(registry):
    d = ko(registry, "트렌드포스에 따르면 2위는 대만의 UMC가 매출 10억 달러로 점유율 5.1%를 기록했다.")
    (rank,) = [f for f in d.sheet["facts"] if f["kind"] == "rank"]
    revenue = next(f for f in d.sheet["facts"] if f["kind"] == "observation" and f["value"] == 1000000000)
    assert d.proposals["rankings"][rank["ranking"]]["criterion"] == revenue["indicator"]
    assert rank["subject"] == revenue["subject"]


def test_a_parallel_clause_shares_the_year_of_its_starting_value(registry):
    """"A는 지난해 4분기 X%에서 …, B는 Y%에서 …": both starting values are last year's."""
    d = ko(registry, "TSMC는 지난해 4분기 점유율 55.2%에서 1.1%p 올랐고, 인텔은 9.3%에서 0.4%p 낮아졌다.")
    periods = {(f["subject"], f.get("period")) for f in d.sheet["facts"] if f["kind"] == "observation"}
    assert periods == {("tsmc", 2024), ("intel", 2024)}
    # without a change from a starting value the other clause keeps its own (absent) year
    d = ko(registry, "TSMC는 지난해 점유율이 55.2%였고, 인텔은 9.3%였다.")
    assert ("intel", None) in {(f["subject"], f.get("period")) for f in d.sheet["facts"]}


def test_a_rank_stated_with_a_rate_of_change_ranks_the_rate(registry):
    d = ko(registry, "일본은 시간당 노동생산성 순위에서 28위였다. 일본의 실질 노동생산성 상승률은 2.3%로 회원국 가운데 7위였다.")
    rate = next(f for f in d.sheet["facts"] if f["kind"] == "observation")
    by_rank = {f["rank"]: f["ranking"] for f in d.sheet["facts"] if f["kind"] == "rank"}
    assert by_rank[7] != by_rank[28]
    assert d.proposals["rankings"][by_rank[7]]["criterion"] == rate["indicator"]
    # a level stated with its rank stays in the ranking of that level
    d = ko(registry, "OECD 통계에서 2024년 한국의 시간당 노동생산성은 50.1달러로 OECD 38개국 중 30위였다.")
    assert {(f["ranking"], f["rank"]) for f in d.sheet["facts"] if f["kind"] == "rank"} == \
        {("oecd-labour-productivity", 30)}


@pytest.mark.parametrize("text", [
    "한국의 노동생산성을 미국과 비교하면 1인당 62%, 시간당 66% 수준이다.",
    "한국의 1인당 노동생산성은 미국 대비 62% 수준이다.",
])
def test_a_share_of_a_yardsticks_value_is_a_ratio(registry, text):
    """Ratios are not facts (pending with the reason); the yardstick is not the holder."""
    d = ko(registry, text)
    assert not [f for f in d.sheet["facts"] if f["kind"] == "observation"]
    ratio = [p for p in d.pending if p.get("value") == 62]
    assert ratio and ratio[0]["problem"].startswith("a ratio") and ratio[0].get("subject") == "KR"


def test_a_figure_without_a_yardstick_is_no_ratio(registry):
    d = ko(registry, "TSMC의 점유율은 67.7%에 그쳤다.")
    assert [Decimal(str(f["value"])) for f in d.sheet["facts"]] == [Decimal("67.7")]


def test_a_pillar_named_like_its_ranking_keeps_its_marker(registry):
    """A pillar whose word is part of the ranking's own name ("정부" of "정부AI준비지수") is labelled "정부 부문"."""
    d = ko(registry, "옥스퍼드인사이츠의 ‘정부AI준비지수’에서 독일은 종합 9위였다. "
                     "독일은 정부 부문에서 80.1점(5위), 기술 부문에서 70.2점(8위)을 기록했다.")
    pillars = {r: pillar(lab) for _, lab, r, _ in rank_rows(d)}
    assert pillars == {9: None, 5: "정부 부문", 8: "기술"}


def test_the_word_of_a_ranking_proposed_from_figures_is_the_languages(registry, monkeypatch):
    """The "순위" of "<measure> 순위" is the language's ``ranking_word`` in the registry of languages."""
    import dataclasses

    from kg.extract.languages import LANGUAGES

    monkeypatch.setitem(LANGUAGES, "ko", dataclasses.replace(LANGUAGES["ko"], ranking_word="랭킹"))
    d = ko(registry, "조사 결과 반도체 공장은 미국(15개)에 가장 많았다. 2위는 12개를 보유한 일본이었으며 3위는 독일(9개) 순서였다.")
    (series,) = {f["ranking"] for f in d.sheet["facts"] if f["kind"] == "rank"}
    assert d.proposals["rankings"][series]["label"]["ko"].endswith(" 랭킹")

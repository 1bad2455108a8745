"""The extractor reads measures and groups from the registry, not from tables in code (issue 5, round 2).

A measure or group an analyst adds to the registry must be found in text without code changes: by its labels'
content words, its ``keywords``, its ranking's publisher and its unit. Every sentence here is written for the test;
the registry entries are made up for it and added to a copy of the project's registries.
"""
from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest

from extracthelp import draft, keys
from kg.load import load_registries
from kg.model import Classification, Group, Indicator, Origin, RankingSeries, Unit

ROOT = Path(__file__).resolve().parent.parent
O = Origin("test", 1)


@pytest.fixture(scope="module")
def base():
    return load_registries([ROOT / "data" / "registries", ROOT / "eval" / "registries"])


@pytest.fixture(scope="module")
def registry(base):
    reg = copy.deepcopy(base)
    reg.units["robot"] = Unit("robot", {"en": "robots", "ko": "대"}, "count", O)
    reg.units["pt"] = Unit("pt", {"en": "score points", "ko": "점"}, "other", O)
    reg.indicators["robot-installations"] = Indicator(
        "robot-installations", {"en": "Industrial robot installations", "ko": "산업용 로봇 설치 대수"}, "robot", O)
    reg.indicators["x17"] = Indicator("x17", {"en": "Indicator X-17", "ko": "지표 X-17"}, "robot", O,
                                      keywords={"en": ["cobots"], "ko": ["협동로봇"]})
    reg.indicators["robot-readiness-score"] = Indicator(
        "robot-readiness-score", {"en": "Robot readiness score", "ko": "로봇 준비도 점수"}, "pt", O)
    reg.rankings["zq-league"] = RankingSeries("zq-league", {"en": "ZQ league table", "ko": "ZQ 리그"}, "imf", O)
    cls = Classification("trade-bands", {"en": "Trade bands", "ko": "교역 등급"}, "oecd", O)
    for n in (1, 2, 3):
        cls.groups[f"band-{n}"] = Group(f"trade-bands/band-{n}", f"band-{n}", "trade-bands",
                                        {"en": f"Band {n} economies", "ko": f"{n}군 국가"}, O, tier=n)
    reg.classifications["trade-bands"] = cls
    return reg


# ------------------------------------------------------------------------------------------ measures from labels
@pytest.mark.parametrize("text,lang", [
    ("Japan installed 46,000 industrial robots last year.", "en"),
    ("일본은 지난해 산업용 로봇 4만6000대를 설치했다.", "ko"),
])
def test_a_new_indicator_is_found_by_its_label_and_unit(registry, text, lang):
    assert ("JP", "observation", "robot-installations", Decimal(46000)) in keys(draft(registry, text, lang))


def test_without_the_registry_entry_the_figure_is_not_a_fact(base):
    got = keys(draft(base, "Japan installed 46,000 industrial robots last year.", "en"))
    assert not any(k[2] == "robot-installations" for k in got)


@pytest.mark.parametrize("text,lang", [
    ("Germany runs 9,500 cobots in its car plants.", "en"),
    ("독일은 자동차 공장에서 협동로봇 9500대를 운용한다.", "ko"),
])
def test_a_new_indicator_is_found_by_its_registry_keywords(registry, text, lang):
    assert ("DE", "observation", "x17", Decimal(9500)) in keys(draft(registry, text, lang))


def test_a_ranking_is_found_by_its_publisher(registry):
    got = keys(draft(registry, "Norway ranked fourth in the ZQ table of the IMF this year.", "en"))
    assert ("NO", "rank", "zq-league", 4) in got


# ------------------------------------------------------------------------------------------ index scores
@pytest.mark.parametrize("text,lang", [
    ("Korea scored 71.5 out of 100 in the robot readiness assessment.", "en"),
    ("한국은 로봇 준비도 평가에서 100점 만점에 71.5점을 받았다.", "ko"),
])
def test_an_index_score_fits_a_score_indicator_and_the_scale_is_no_fact(registry, text, lang):
    d = draft(registry, text, lang)
    got = keys(d)
    assert ("KR", "observation", "robot-readiness-score", Decimal("71.5")) in got
    assert not any(k[3] == Decimal(100) for k in got if k[1] == "observation")


def test_a_score_is_never_a_count_of_people(registry):
    got = keys(draft(registry, "한국은 AI 인력 평가에서 84.3점을 받았다.", "ko"))
    assert not any(k[2] == "ai-workforce" for k in got)


# ------------------------------------------------------------------------------------------ groups
def test_ordinal_tier_names_from_the_group_labels_en(registry):
    text = ("Under the OECD's new scheme, Canada and Mexico sit in the second of three bands, "
            "while Chile is in the third band. The first band includes Norway, Denmark and Finland.")
    got = keys(draft(registry, text, "en"))
    assert {("CA", "membership", "trade-bands/band-2", None), ("MX", "membership", "trade-bands/band-2", None),
            ("CL", "membership", "trade-bands/band-3", None), ("NO", "membership", "trade-bands/band-1", None),
            ("DK", "membership", "trade-bands/band-1", None), ("FI", "membership", "trade-bands/band-1", None)} <= got


def test_tier_names_and_members_after_the_group_ko(registry):
    text = "OECD의 새 분류에서 캐나다와 멕시코는 2군에 속했다. 3군에는 칠레, 페루, 콜롬비아가 포함됐다."
    got = keys(draft(registry, text, "ko"))
    assert {("CA", "membership", "trade-bands/band-2", None), ("MX", "membership", "trade-bands/band-2", None),
            ("CL", "membership", "trade-bands/band-3", None), ("PE", "membership", "trade-bands/band-3", None),
            ("CO", "membership", "trade-bands/band-3", None)} <= got


def test_a_bare_ordinal_tier_needs_its_classification_named(registry):
    got = keys(draft(registry, "Canada and Mexico sit in the second band of the league.", "en"))
    assert not any(k[1] == "membership" for k in got)


# ------------------------------------------------------------------------------------------ choosing among measures
@pytest.fixture(scope="module")
def shares(registry):
    reg = copy.deepcopy(registry)
    reg.indicators["lidar-sales-share"] = Indicator(
        "lidar-sales-share", {"en": "Share of lidar sales", "ko": "라이다 매출 점유율"}, "percent", O)
    reg.indicators["radar-market-share"] = Indicator(
        "radar-market-share", {"en": "Radar market share", "ko": "레이더 시장 점유율"}, "percent", O)
    return reg


def test_a_whole_label_beats_words_of_another_label_found_apart(shares):
    text = "시장조사업체들이 발표한 자료에 따르면 삼성전자의 라이다 매출 점유율은 40.5%로 집계됐다."
    got = keys(draft(shares, text, "ko"))
    assert ("samsung-electronics", "observation", "lidar-sales-share", Decimal("40.5")) in got
    assert not any(k[2] == "radar-market-share" for k in got)


def test_how_many_are_ranked_is_not_a_figure_and_does_not_change_the_measure(registry):
    text = ("2023년 한국의 시간당 노동생산성은 49.2달러로 OECD 38개 회원국 중 31위였다. "
            "미국은 97.4달러로 7위였다.")
    got = keys(draft(registry, text, "ko"))
    assert not any(k[3] == Decimal(38) for k in got if k[1] == "observation")
    assert ("US", "observation", "labour-productivity-per-hour", Decimal("97.4")) in got


# ------------------------------------------------------------------------------------------ not a level
@pytest.mark.parametrize("text,lang,value", [
    ("SK하이닉스의 HBM 점유율은 선두와의 격차가 12.5%포인트로 벌어졌다.", "ko", "12.5"),
    ("SK Hynix's HBM share is 12.5 percentage points ahead of the rest.", "en", "12.5"),
    ("삼성전자는 HBM 점유율 30%대 회복을 노린다.", "ko", "30"),
    ("SK하이닉스의 HBM 점유율은 10%에도 못 미친다.", "ko", "10"),
])
def test_points_ranges_and_shortfalls_are_not_levels(registry, text, lang, value):
    d = draft(registry, text, lang)
    assert Decimal(value) not in {k[3] for k in keys(d) if k[1] == "observation"}
    assert any(Decimal(str(p.get("value"))) == Decimal(value) for p in d.pending)


# ------------------------------------------------------------------------------------------ subjects and sources
def test_an_institute_estimating_mid_sentence_is_the_source_not_the_subject(registry):
    text = "KDI는 국내 AI 인력을 4만2000명으로 추산했는데, 이는 3년 전의 두 배다."
    d = draft(registry, text, "ko")
    facts = [f for f in d.sheet["facts"] if f["kind"] == "observation" and Decimal(str(f["value"])) == 42000]
    assert facts and facts[0]["subject"] == "KR" and facts[0]["source"] == "kdi"


def test_looking_at_a_report_is_an_attribution(registry):
    text = "과학기술정보통신부가 공개한 자료를 보면 국내 AI 인력은 4만2000명이다."
    d = draft(registry, text, "ko")
    facts = [f for f in d.sheet["facts"] if f["kind"] == "observation"]
    assert facts and facts[0]["subject"] == "KR" and facts[0]["source"] == "msit"


def test_a_rank_right_before_a_name_is_that_names(registry):
    text = "토터스미디어의 글로벌 AI 지수에서 한국은 6위였다. 1위 미국은 압도적이었고, 2위 중국은 격차를 좁혔다."
    got = keys(draft(registry, text, "ko"))
    assert {("US", "rank", "tortoise-global-ai-index", 1), ("CN", "rank", "tortoise-global-ai-index", 2)} <= got


# ------------------------------------------------------------------------------------------ numbers as words
def test_english_number_words_with_a_unit_or_scale_are_figures(registry):
    d = draft(registry, "Canada employs three million AI workers, the ministry said.", "en")
    assert ("CA", "observation", "ai-workforce", Decimal(3000000)) in keys(d)
    fact = next(f for f in d.sheet["facts"] if f["kind"] == "observation")
    assert fact["as_written"] == "three million" and fact["as_written"] in fact["evidence"]["text"]


@pytest.mark.parametrize("text", [
    "Two-thirds of Canadian AI workers are in Toronto.",
    "Canada is one of the three largest employers of AI workers.",
    "Canada trained AI workers for three years.",
])
def test_fractions_and_bare_number_words_are_not_figures(registry, text):
    assert not any(k[1] == "observation" for k in keys(draft(registry, text, "en")))


def test_a_day_of_the_month_is_never_a_figure(registry):
    text = "SEOUL, June 18 (Wire) — Naver now runs about 4,000 Nvidia H100 processors, two people said."
    got = keys(draft(registry, text, "en"))
    assert ("naver", "observation", "h100-gpus-held", Decimal(4000)) in got
    assert not any(k[3] == Decimal(18) for k in got)


# ------------------------------------------------------------------------------------------ Korean rank phrasing
def test_respectively_pairs_only_its_own_clause_ko(registry):
    text = ("토터스미디어의 글로벌 AI 지수에서 한국은 6위였다. "
            "미국과 중국이 각각 1위와 2위에 올랐고, 독일(7위)과 일본(8위)이 한국의 뒤를 이었다.")
    got = keys(draft(registry, text, "ko"))
    assert {("US", "rank", "tortoise-global-ai-index", 1), ("CN", "rank", "tortoise-global-ai-index", 2),
            ("DE", "rank", "tortoise-global-ai-index", 7), ("JP", "rank", "tortoise-global-ai-index", 8)} <= got


@pytest.mark.parametrize("pair", ["2·3위", "2, 3위"])
def test_two_places_with_one_wi_pair_with_two_names(registry, pair):
    text = f"토터스미디어의 글로벌 AI 지수에서 한국은 6위였다. 1위는 미국이었으며 중국과 영국이 {pair}로 뒤를 이었다."
    got = keys(draft(registry, text, "ko"))
    assert {("US", "rank", "tortoise-global-ai-index", 1), ("CN", "rank", "tortoise-global-ai-index", 2),
            ("GB", "rank", "tortoise-global-ai-index", 3)} <= got
    assert ("GB", "rank", "tortoise-global-ai-index", 2) not in got


def test_a_name_before_the_copula_is_a_name(registry):
    got = keys(draft(registry, "토터스미디어의 글로벌 AI 지수에서 1위는 싱가포르였다.", "ko"))
    assert ("SG", "rank", "tortoise-global-ai-index", 1) in got


def test_a_score_goes_to_the_criterion_of_the_ranking_the_article_is_about(registry):
    reg = copy.deepcopy(registry)
    reg.indicators["zz-readiness-score"] = Indicator(
        "zz-readiness-score", {"en": "Other readiness score", "ko": "다른 준비도 점수"}, "pt", O)
    reg.rankings["zq-league"].criterion = "robot-readiness-score"
    text = "IMF의 ZQ 리그에서 한국은 5위였다. 한국의 점수는 100점 만점에 71.5점이었다."
    got = keys(draft(reg, text, "ko"))
    assert ("KR", "observation", "robot-readiness-score", Decimal("71.5")) in got


# ------------------------------------------------------------------------------------------ English rank phrasing
def test_put_x_first_and_rates_x_highest_are_ranks_en(registry):
    text = ("Tortoise Media's Global AI Index put Canada first this year. "
            "Another index from Tortoise rates Israel highest among 60 economies.")
    got = keys(draft(registry, text, "en"))
    assert {("CA", "rank", "tortoise-global-ai-index", 1), ("IL", "rank", "tortoise-global-ai-index", 1)} <= got


def test_respectively_pairs_the_figures_right_before_it_with_followers(registry):
    registry = copy.deepcopy(registry)
    registry.rankings["zq-league"].criterion = "robot-readiness-score"
    text = ("The ZQ table of the IMF rates Norway highest with a score of 0.91, followed by Sweden and Finland at "
            "0.88 and 0.86 respectively.")
    got = keys(draft(registry, text, "en"))
    assert {("NO", "rank", "zq-league", 1), ("SE", "rank", "zq-league", 2), ("FI", "rank", "zq-league", 3)} <= got
    assert {("NO", "observation", "robot-readiness-score", Decimal("0.91")),
            ("SE", "observation", "robot-readiness-score", Decimal("0.88")),
            ("FI", "observation", "robot-readiness-score", Decimal("0.86"))} <= got


def test_the_publisher_of_a_country_ranking_is_not_its_holder(registry):
    d = draft(registry, "韓 노동생산성 OECD 31위\n\n한국의 시간당 노동생산성은 OECD 38개국 가운데 31위였다.", "ko")
    got = keys(d)
    assert ("KR", "rank", "oecd-labour-productivity", 31) in got
    assert not any(k[0] == "oecd" for k in got)


# ------------------------------------------------------------------------------------------ English subjects/measures
def test_a_compared_figure_in_a_named_place_is_that_places(registry):
    text = "Canada's AI workforce stood at 150,000 people, against 2.1 million in the European Union as a whole."
    got = keys(draft(registry, text, "en"))
    assert ("CA", "observation", "ai-workforce", Decimal(150000)) in got
    assert ("european-union", "observation", "ai-workforce", Decimal(2100000)) in got


def test_a_narrower_measure_named_after_the_figure_in_its_clause_en(registry):
    reg = copy.deepcopy(registry)
    reg.indicators["robot-share"] = Indicator(
        "robot-share", {"en": "Share of industrial robots", "ko": "산업용 로봇 비중"}, "percent", O)
    reg.indicators["robot-share-by-maker"] = Indicator(
        "robot-share-by-maker", {"en": "Share of industrial robots by maker country", "ko": "제조국별 산업용 로봇 비중"},
        "percent", O)
    text = "Japan accounts for 45% of the world's industrial robots by maker country, the federation said."
    got = keys(draft(reg, text, "en"))
    assert ("JP", "observation", "robot-share-by-maker", Decimal(45)) in got


# ------------------------------------------------------------------------------------------ more not-facts, currencies
@pytest.mark.parametrize("text,value", [
    ("미 상무부 규칙에서 한국은 1등급 국가 18곳에 포함됐다.", "18"),
    ("업계에 따르면 GPU 1장 값이 5000만원을 웃도는 상황이다.", "1"),
    ("업계에 따르면 GPU 1장 값이 5000만원을 웃도는 상황이다.", "50000000"),
])
def test_group_sizes_unit_prices_and_exceeded_marks_are_not_facts(registry, text, value):
    d = draft(registry, text, "ko")
    assert Decimal(value) not in {k[3] for k in keys(d) if k[1] == "observation"}


@pytest.mark.parametrize("text,value,unit", [
    ("Canada will invest C$2.6 billion in AI compute, the government said.", 2600000000, "CAD"),
    ("India will invest ₹10,372 crore in AI compute, the government said.", 103720000000, "INR"),
])
def test_more_currency_signs_and_scales(registry, text, value, unit):
    from kg.extract.lang.en.numbers import find_en_quantities
    q = find_en_quantities(text)[0]
    assert (q.value, q.unit) == (Decimal(value), unit) and q.as_written in text


# ------------------------------------------------------------------------------------- domain words as registry data
def test_required_words_come_from_the_indicator_entry(registry):
    text = "Japan installed 46,000 industrial robots last year."
    reg = copy.deepcopy(registry)
    reg.indicators["robot-installations"].required = {"en": ["humanoid"]}
    assert not any(k[2] == "robot-installations" for k in keys(draft(reg, text, "en")))
    got = keys(draft(reg, "Japan installed 46,000 industrial humanoid robots last year.", "en"))
    assert ("JP", "observation", "robot-installations", Decimal(46000)) in got


def test_a_market_scope_comes_from_the_languages_registry(registry):
    reg = copy.deepcopy(registry)
    reg.units["USD"] = reg.units.get("USD") or Unit("USD", {"en": "US dollars"}, "currency", O)
    reg.indicators["robot-bazaar-size"] = Indicator("robot-bazaar-size", {"en": "Robot bazaar size"}, "USD", O,
                                                    keywords={"en": ["robot bazaar"]})
    text = "Samsung Electronics said its robot bazaar sales reached $40 billion this year."
    # without a scope the company holds the figure; with the registry saying "bazaar size" is a market's size and
    # "bazaar" names one, the figure is the world's
    assert keys(draft(reg, text, "en")) == {
        ("samsung-electronics", "observation", "robot-bazaar-size", Decimal(40_000_000_000))}
    reg = copy.deepcopy(reg)
    reg.languages["en"].scopes["market"].label.append("bazaar size")
    reg.languages["en"].scopes["market"].sentence.append("bazaar")
    assert keys(draft(reg, text, "en")) == {("world", "observation", "robot-bazaar-size", Decimal(40_000_000_000))}


@pytest.mark.parametrize("body,message,line", [
    ("languages:\n  en:\n    scopes:\n      markets: {label: [market size]}\n", "unknown scope 'markets'", 4),
    ("languages:\n  en:\n    scopes:\n      market: {labels: [market size]}\n", "labels", 4),
    ("languages:\n  en:\n    scopes:\n      market: {label: [market size, '  ']}\n", "a word is blank", 4),
    ("indicators:\n  x:\n    label: {en: X}\n    unit: percent\n    required: {english: [x]}\n", "not a language", 5),
])
def test_bad_domain_entries_are_input_errors_at_their_line(tmp_path, body, message, line):
    from kg.errors import InputError

    (tmp_path / "r.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(InputError, match=message) as err:
        load_registries([ROOT / "data" / "registries", tmp_path])
    assert f"r.yaml:{line}" in str(err.value)


def test_demonyms_come_from_the_languages_registry(registry):
    text = "Kiwi factories installed 4,000 industrial robots last year."
    assert not any(k[0] == "NZ" for k in keys(draft(registry, text, "en")))
    reg = copy.deepcopy(registry)
    reg.languages["en"].demonyms["NZ"] = ["Kiwi"]
    assert ("NZ", "observation", "robot-installations", Decimal(4000)) in keys(draft(reg, text, "en"))


@pytest.mark.parametrize("body,message,line", [
    ("languages:\n  ja:\n    demonyms:\n      Korea: [Korean]\n", "not an ISO country code", 4),
    ("languages:\n  ja:\n    demonyms:\n      KR: [Korean, ' ']\n", "a word is blank", 4),
    ("languages:\n  ja:\n    demonyms:\n      KR: Korean\n", "demonyms.KR", 4),
])
def test_bad_demonyms_are_input_errors_at_their_line(tmp_path, body, message, line):
    from kg.errors import InputError

    (tmp_path / "r.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(InputError, match=message) as err:
        load_registries([ROOT / "data" / "registries", tmp_path])
    assert f"r.yaml:{line}" in str(err.value)

"""General rules added so `kg extract` works beyond the seed article (issue 5, extractor quality).

Every sentence here is written for the test; none is taken from the evaluation articles. Each test pins one rule:
it fails when the rule is removed.
"""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from extracthelp import draft, keys
from kg.load import load_registries

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def registry():
    return load_registries([ROOT / "data" / "registries", ROOT / "eval" / "registries"])


def values(d):
    """Values drafted as plain facts (a bound, target or forecast carries its qualifier instead)."""
    return {Decimal(str(f["value"])) for f in d.sheet["facts"] if f["kind"] == "observation" and not f.get("qualifier")}


def qualifiers(d, figure):
    """The qualifiers the draft gives ``figure`` (issue 9: a bound or a target is a qualified fact; with no
    subject it stays pending, still qualified)."""
    return {f.get("qualifier") for f in d.sheet["facts"] + d.pending
            if f["kind"] == "observation" and Decimal(str(f["value"])) == Decimal(figure)}


# ------------------------------------------------------------------------------------------ choosing the ranking
def test_ranking_named_earlier_carries_to_later_paragraphs_ko(registry):
    text = ("토터스미디어의 글로벌 AI 지수에서 이스라엘이 7위에 올랐다.\n\n"
            "1위는 미국이 차지했다. 스페인은 15위, 이탈리아는 20위였다.")
    got = keys(draft(registry, text, "ko"))
    assert {("IL", "rank", "tortoise-global-ai-index", 7), ("US", "rank", "tortoise-global-ai-index", 1),
            ("ES", "rank", "tortoise-global-ai-index", 15), ("IT", "rank", "tortoise-global-ai-index", 20)} <= got


def test_ranking_named_earlier_carries_en(registry):
    text = ("Israel ranked 7th in Tortoise Media's Global AI Index this year.\n\n"
            "Spain came 15th. Italy placed 20th.")
    got = keys(draft(registry, text, "en"))
    assert {("ES", "rank", "tortoise-global-ai-index", 15), ("IT", "rank", "tortoise-global-ai-index", 20)} <= got


def test_sub_index_only_with_its_own_words_near_the_rank(registry):
    text = ("토터스미디어의 글로벌 AI 지수에서 캐나다는 9위를 기록했다. 캐나다는 인재 부문에서는 4위였다. "
            "스웨덴은 종합 14위로 한 계단 내려갔다.")
    got = keys(draft(registry, text, "ko"))
    assert ("CA", "rank", "tortoise-global-ai-index", 9) in got
    assert ("CA", "rank", "tortoise-ai-talent", 4) in got
    assert ("SE", "rank", "tortoise-global-ai-index", 14) in got
    assert not any(k[2] == "tortoise-ai-talent" and k[0] == "SE" for k in got)


def test_sub_index_word_far_after_the_rank_does_not_choose_it(registry):
    text = ("In Tortoise Media's Global AI Index, Spain ranked 11th, up from 14th last year, "
            "helped by strong marks for infrastructure.")
    got = keys(draft(registry, text, "en"))
    assert ("ES", "rank", "tortoise-global-ai-index", 14) in got
    assert not any(k[2] == "tortoise-ai-infrastructure" for k in got)


def test_declared_size_of_a_ranking_picks_it(registry):
    text = "조사 대상 주요 20개국 가운데 일본의 AI 인력 규모는 11위였다."
    assert ("JP", "rank", "msit-ai-workforce", 11) in keys(draft(registry, text, "ko"))


def test_english_filler_words_of_labels_choose_nothing(registry):
    # "of", "countries", "20", "major" are words of the MSIT ranking's label; they must not pick it
    text = "Of the 20 major countries surveyed, Spain was ninth."
    assert not any(k[2] == "msit-ai-workforce" for k in keys(draft(registry, text, "en")))


# ------------------------------------------------------------------------------------------ rank phrases
def test_rank_as_topic_then_its_holder_ko(registry):
    text = "OECD 시간당 노동생산성 순위에서 1위는 덴마크가 차지했다."
    assert ("DK", "rank", "oecd-labour-productivity", 1) in keys(draft(registry, text, "ko"))


def test_top_spot_and_followed_by_en(registry):
    text = ("Denmark kept the top spot in the OECD ranking of labour productivity per hour, "
            "followed by Norway and Switzerland.")
    got = keys(draft(registry, text, "en"))
    assert {("DK", "rank", "oecd-labour-productivity", 1), ("NO", "rank", "oecd-labour-productivity", 2),
            ("CH", "rank", "oecd-labour-productivity", 3)} <= got


def test_followed_by_en_after_an_ordinal(registry):
    text = "In the Tortoise Global AI Index, Canada was fifth, followed by Israel and Spain."
    got = keys(draft(registry, text, "en"))
    assert {("CA", "rank", "tortoise-global-ai-index", 5), ("IL", "rank", "tortoise-global-ai-index", 6),
            ("ES", "rank", "tortoise-global-ai-index", 7)} <= got


# ------------------------------------------------------------------------------------------ subjects and sources
def test_english_demonyms_name_the_country(registry):
    text = "South Korean workers produced $51.20 of GDP per hour worked in 2024, OECD data show."
    assert ("KR", "observation", "labour-productivity-per-hour", Decimal("51.2")) in keys(draft(registry, text, "en"))


def test_korean_domestic_means_korea(registry):
    text = "과학기술정보통신부에 따르면 국내 AI 인력은 6만1000명으로 집계됐다."
    assert ("KR", "observation", "ai-workforce", 61000) in keys(draft(registry, text, "ko"))


def test_names_inside_an_according_to_phrase_are_not_subjects_ko(registry):
    text = "한국개발연구원이 OECD 자료를 분석한 보고서에 따르면 2024년 한국의 시간당 노동생산성은 50.3달러였다."
    d = draft(registry, text, "ko")
    assert keys(d) == {("KR", "observation", "labour-productivity-per-hour", Decimal("50.3"))}


def test_names_inside_an_according_to_phrase_are_not_subjects_en(registry):
    text = ("Canadian workers produced $70.10 of GDP per hour worked, according to a review of OECD data by "
            "the Korea Development Institute.")
    assert keys(draft(registry, text, "en")) == {("CA", "observation", "labour-productivity-per-hour",
                                                  Decimal("70.1"))}


def test_reporting_topic_is_the_source_not_the_subject_ko(registry):
    text = "트렌드포스는 마이크론의 HBM 시장 점유율이 19%라고 집계했다."
    d = draft(registry, text, "ko")
    facts = d.sheet["facts"]
    assert {(f["subject"], f.get("source")) for f in facts} == {("micron", "trendforce")}


def test_subject_named_after_a_figure_that_opens_the_sentence_en(registry):
    text = "About 37% of the top-tier AI researchers tracked by MacroPolo worked at Chinese institutions in 2024."
    assert ("CN", "observation", "top-ai-researchers-share", 37) in keys(draft(registry, text, "en"))


def test_measure_named_earlier_carries_to_a_bare_list(registry):
    text = ("2024년 덴마크의 시간당 노동생산성은 98.2달러였다.\n\n"
            "스웨덴은 88.4달러, 핀란드는 80.6달러였다.")
    got = keys(draft(registry, text, "ko"))
    assert {("SE", "observation", "labour-productivity-per-hour", Decimal("88.4")),
            ("FI", "observation", "labour-productivity-per-hour", Decimal("80.6"))} <= got


# ------------------------------------------------------------------------------------------ not facts
@pytest.mark.parametrize("text,lang,figure", [
    ("국내 대학들이 보유한 H100 GPU는 모두 합쳐도 5000대가 채 되지 않는다.", "ko", 5000),
    ("엔비디아 H100 한 대의 임대료는 시간당 3달러를 넘는다.", "ko", 3),
    ("Fewer than 30,000 H100 GPUs are installed across Korean universities.", "en", 30000),
    ("Renting an H100 in Seoul costs more than $3 an hour.", "en", 3),
])
def test_bounds_are_qualified_facts(registry, text, lang, figure):
    d = draft(registry, text, lang)
    assert Decimal(figure) not in values(d)
    expected = "upper-bound" if re.search(r"채|Fewer", text) else "lower-bound"
    assert qualifiers(d, figure) == {expected}


@pytest.mark.parametrize("text,lang,figure", [
    ("한국의 1인당 연간 노동시간은 1872시간으로 OECD 평균보다 약 200시간 길었다.", "ko", 200),
    ("Koreans worked 1,872 hours in 2024, some 200 hours more than the OECD average.", "en", 200),
])
def test_differences_are_not_facts(registry, text, lang, figure):
    got = values(draft(registry, text, lang))
    assert Decimal(figure) not in got and Decimal(1872) in got


@pytest.mark.parametrize("text,lang,figure", [
    ("정부는 2030년까지 AI 인재 5만명을 양성하겠다고 밝혔다.", "ko", 50000),
    ("The ministry aims to train 50,000 AI specialists by 2030.", "en", 50000),
    ("The plan is to raise labour productivity growth to 3% a year by 2031.", "en", 3),
])
def test_targets_are_qualified_facts(registry, text, lang, figure):
    d = draft(registry, text, lang)
    assert Decimal(figure) not in values(d)
    assert qualifiers(d, figure) <= {"target"}


def test_money_pledged_is_a_commitment_fact(registry):
    text = "Germany pledged €5 billion for AI research and compute, the government said."
    assert ("DE", "observation", "ai-investment-commitment", Decimal(5000000000)) in keys(draft(registry, text, "en"))


def test_fraction_is_not_a_figure_ko(registry):
    text = "한국 AI 인력 6만명, 미국의 10분의 1 수준"
    assert Decimal(1) not in values(draft(registry, text, "ko"))


def test_every_new_reading_keeps_the_figure_in_its_evidence(registry):
    """The never-invent-a-number property over the sentences of this file."""
    texts = [("토터스미디어의 글로벌 AI 지수에서 이스라엘이 7위에 올랐다.\n\n1위는 미국이 차지했다.", "ko"),
             ("Denmark kept the top spot in the OECD labour productivity ranking, followed by Norway.", "en"),
             ("About 37% of the top-tier AI researchers tracked by MacroPolo worked at Chinese institutions.", "en")]
    for text, lang in texts:
        for f in draft(registry, text, lang).sheet["facts"]:
            ev = f["evidence"]
            assert text[ev["start"]:ev["end"]] == ev["text"]
            if f.get("as_written"):
                assert f["as_written"] in ev["text"]
                digits = re.sub(r"\D", "", f["as_written"])
                assert not digits or digits in re.sub(r"\D", "", ev["text"])


# ------------------------------------------------------------------------------------------ memberships
def test_same_group_takes_the_group_named_before_ko(registry):
    text = "BCG의 AI 성숙도 분류에서 프랑스는 'AI 안정적 경쟁국가'에 속했고, 스페인과 이탈리아도 같은 그룹으로 분류됐다."
    got = keys(draft(registry, text, "ko"))
    assert {("FR", "membership", "bcg-ai-maturity/steady-contenders", None),
            ("ES", "membership", "bcg-ai-maturity/steady-contenders", None),
            ("IT", "membership", "bcg-ai-maturity/steady-contenders", None)} <= got


def test_same_tier_en(registry):
    text = 'BCG counts Israel among the "AI pioneers". Sweden and Finland are in the same tier.'
    got = keys(draft(registry, text, "en"))
    assert {("SE", "membership", "bcg-ai-maturity/ai-pioneers", None),
            ("FI", "membership", "bcg-ai-maturity/ai-pioneers", None)} <= got


def test_members_set_off_by_dashes_before_the_group_en(registry):
    text = 'BCG puts three economies — Israel, Sweden and Finland — in its top tier of "AI pioneers".'
    got = keys(draft(registry, text, "en"))
    assert {("IL", "membership", "bcg-ai-maturity/ai-pioneers", None),
            ("SE", "membership", "bcg-ai-maturity/ai-pioneers", None),
            ("FI", "membership", "bcg-ai-maturity/ai-pioneers", None)} <= got


# ------------------------------------------------------------------------------------------ scope of a rank
def test_the_place_a_rank_is_counted_in_is_not_its_holder_ko(registry):
    text = "스탠퍼드대 AI 인덱스에 따르면 지난해 캐나다의 민간 AI 투자는 세계 9위였다."
    got = keys(draft(registry, text, "ko"))
    assert ("CA", "rank", "stanford-private-ai-investment", 9) in got
    assert not any(k[0] == "world" for k in got)


def test_reporting_verb_must_be_a_word_of_its_own_en(registry):
    text = "Micron itself accounts for about 19% of the HBM market, analysts estimate."
    got = keys(draft(registry, text, "en"))
    assert ("micron", "observation", "hbm-market-share", 19) in got


@pytest.mark.parametrize("text,lang,figure", [
    ("정부는 2028년까지 AI 예산을 3조원으로 늘릴 계획이다.", "ko", 3000000000000),
    ("The government plans to lift the AI budget to 3 trillion won by 2028.", "en", 3000000000000),
])
def test_raising_money_to_a_level_is_a_target(registry, text, lang, figure):
    d = draft(registry, text, lang)
    assert Decimal(figure) not in values(d) and qualifiers(d, figure) == {"target"}


def test_relative_clause_keeps_its_antecedent_as_subject_en(registry):
    text = "Israel came seventh in Tortoise Media's Global AI Index, ahead of Switzerland, which placed ninth."
    got = keys(draft(registry, text, "en"))
    assert {("IL", "rank", "tortoise-global-ai-index", 7), ("CH", "rank", "tortoise-global-ai-index", 9)} <= got
    assert ("IL", "rank", "tortoise-global-ai-index", 9) not in got


def test_rank_out_of_another_number_does_not_take_the_carried_ranking(registry):
    text = ("Tortoise Media's Global AI Index ranked Israel 7th of 83 countries.\n\n"
            "Spain was 3rd of 12 southern European economies.")
    got = keys(draft(registry, text, "en"))
    assert ("ES", "rank", "tortoise-global-ai-index", 3) not in got


def test_aside_between_commas_keeps_its_name_as_subject_en(registry):
    text = "In the Tortoise Global AI Index, Britain rose to 4th, while Japan, at 12th, slipped."
    got = keys(draft(registry, text, "en"))
    assert ("JP", "rank", "tortoise-global-ai-index", 12) in got and ("GB", "rank", "tortoise-global-ai-index", 12) not in got


def test_the_company_said_makes_it_subject_and_source_en(registry):
    text = "Naver operates about 12,000 H100 GPUs, the company said."
    facts = draft(registry, text, "en").sheet["facts"]
    assert [(f["subject"], f["value"], f.get("source")) for f in facts] == [("naver", 12000, "naver")]


@pytest.mark.parametrize("text,lang", [
    ("국내 AI 인력은 6만1000명으로 전년보다 약 7% 늘었다.", "ko"),
    ("Korea's AI workforce grew 7% to 61,000 people last year.", "en"),
])
def test_a_change_in_percent_goes_to_a_growth_indicator(registry, text, lang):
    got = keys(draft(registry, text, lang))
    assert ("KR", "observation", "ai-workforce-growth", 7) in got
    assert ("KR", "observation", "ai-workforce", 61000) in got


def test_a_change_in_percent_never_becomes_a_share(registry):
    text = "SK하이닉스의 HBM 시장 점유율은 55%였다. 매출은 전년 대비 12% 증가했다."
    got = keys(draft(registry, text, "ko"))
    assert ("sk-hynix", "observation", "hbm-market-share", 55) in got
    assert not any(k[3] == 12 and k[2] == "hbm-market-share" for k in got)


def test_curated_keywords_outweigh_label_words_en(registry):
    text = "The US government will invest $500 billion in AI infrastructure."
    assert ("US", "observation", "ai-investment-commitment", 500000000000) in keys(draft(registry, text, "en"))


@pytest.mark.parametrize("text,lang,figure", [
    ("Nvidia's market value topped $4 trillion on Thursday.", "en", 4000000000000),
    ("국내 생성형 AI 스타트업 수는 올해 1000개사를 돌파했다.", "ko", 1000),
])
def test_passing_a_mark_is_a_bound(registry, text, lang, figure):
    d = draft(registry, text, lang)
    assert Decimal(figure) not in values(d) and qualifiers(d, figure) <= {"lower-bound"}


def test_n_out_of_m_people_is_a_proportion_not_a_count_ko(registry):
    text = "해외로 떠난 AI 인력 10명 중 7명은 미국 기업에 취업했다."
    assert not values(draft(registry, text, "ko"))


def test_holder_after_for_en(registry):
    text = "SK Hynix controls about 60% of the HBM market, compared with 20% for Micron."
    got = keys(draft(registry, text, "en"))
    assert {("sk-hynix", "observation", "hbm-market-share", 60), ("micron", "observation", "hbm-market-share", 20)} <= got


def test_company_reporting_its_own_figure_en(registry):
    text = "Elon Musk's xAI said its cluster in Memphis had reached 150,000 GPUs."
    facts = draft(registry, text, "en").sheet["facts"]
    assert [(f["subject"], f["value"], f.get("source")) for f in facts] == [("xai", 150000, "xai")]


def test_possessive_noun_phrase_is_not_a_reporter_en(registry):
    text = "SK Hynix, which supplies most of Nvidia's high-bandwidth memory, said it controls about 60% of the HBM market."
    facts = draft(registry, text, "en").sheet["facts"]
    assert all(f.get("source") != "nvidia" for f in facts)
    assert ("sk-hynix", "observation", "hbm-market-share", 60) in keys(draft(registry, text, "en"))


def test_appositive_between_name_and_rank_en(registry):
    text = ("In the Tortoise Global AI Index the US was first, and China, the second-largest AI economy, "
            "stayed in second place.")
    got = keys(draft(registry, text, "en"))
    assert ("CN", "rank", "tortoise-global-ai-index", 2) in got
    assert ("US", "rank", "tortoise-global-ai-index", 2) not in got


def test_a_year_earlier_after_a_rank_is_its_period_en(registry):
    text = "In the Tortoise Global AI Index, Spain improved to 11th from 14th a year earlier."
    facts = draft(registry, text, "en").sheet["facts"]
    assert {f["rank"]: f.get("period") for f in facts if f["subject"] == "ES"}[14] == 2024


@pytest.mark.parametrize("text,lang", [
    ("D램 시장에서는 SK하이닉스가 매출 기준 38%로 삼성전자(34.1%)를 앞섰다.", "ko"),
    ("In DRAM revenue, SK Hynix took 38% against Samsung Electronics (34.1%).", "en"),
])
def test_a_figure_in_brackets_belongs_to_the_name_before(registry, text, lang):
    got = keys(draft(registry, text, lang))
    assert ("samsung-electronics", "observation", "dram-revenue-share", Decimal("34.1")) in got
    assert ("sk-hynix", "observation", "dram-revenue-share", Decimal("34.1")) not in got


def test_a_market_size_is_the_worlds_not_a_companys(registry):
    text = "삼성전자의 HBM 점유율은 30%였다. 업계는 내년 HBM 시장 규모를 약 500억달러로 본다."
    got = keys(draft(registry, text, "ko"))
    assert ("world", "observation", "hbm-market-size", 50000000000) in got
    assert not any(k[0] == "samsung-electronics" and k[2] == "hbm-market-size" for k in got)


def test_spelled_out_memory_names_choose_the_market_en(registry):
    text = "In high-bandwidth memory, the stacked DRAM used in AI chips, Micron held a 24% share."
    assert ("micron", "observation", "hbm-market-share", 24) in keys(draft(registry, text, "en"))


def test_sentence_naming_no_one_continues_the_articles_subject_en(registry):
    text = ("South Korean workers produced $51.20 of GDP per hour worked in 2024, OECD data show.\n\n"
            "Economists blame the services sector.\n\n"
            "Productivity per hour grew 1.3% in 2024, the statistics office said.")
    assert ("KR", "observation", "labour-productivity-growth", Decimal("1.3")) in keys(draft(registry, text, "en"))


def test_government_word_is_korea_in_korean_papers(registry):
    text = "과기정통부 발표에 따르면 내년 AI 분야 정부 예산은 1조5000억원으로 잡혔다."
    assert ("KR", "observation", "government-ai-budget", 1500000000000) in keys(draft(registry, text, "ko"))


def test_a_ministrys_budget_is_its_countrys(registry):
    text = "과기정통부는 올해 AI 예산 2500억원을 편성했다."
    got = keys(draft(registry, text, "ko"))
    assert ("KR", "observation", "government-ai-budget", 250000000000) in got
    assert not any(k[0] == "msit" for k in got)


def test_a_market_size_needs_a_market_named(registry):
    text = "Samsung Electronics plans to spend 10 trillion won on new HBM lines."
    assert not any(k[2] == "hbm-market-size" for k in keys(draft(registry, text, "en")))


def test_unknown_name_inside_an_attribution_phrase_is_not_proposed_as_subject(registry):
    text = "과학기술정책연구원이 발표한 보고서에 따르면 국내 AI 인력은 6만2000명이다."
    d = draft(registry, text, "ko")
    assert ("KR", "observation", "ai-workforce", 62000) in keys(d)


def test_gpus_counted_in_jang_ko(registry):
    text = "기업별로는 네이버가 GPU 1만5000장으로 가장 많았고 카카오(6000장)가 뒤를 이었다. 장관은 GPU 장비를 점검했다."
    got = keys(draft(registry, text, "ko"))
    assert ("naver", "observation", "ai-gpus-held", 15000) in got
    assert ("kakao", "observation", "ai-gpus-held", 6000) in got
    assert not any(k[2] == "ai-companies" for k in got)


def test_the_n_in_country_en(registry):
    text = "Korea had about 60,000 AI workers last year, roughly a tenth of the 580,000 in the United States."
    got = keys(draft(registry, text, "en"))
    assert ("US", "observation", "ai-workforce", 580000) in got and ("KR", "observation", "ai-workforce", 580000) not in got


def test_talent_leaving_en(registry):
    text = "Some 1,300 AI graduates left to work abroad in 2024, according to the Korea Development Institute."
    assert ("KR", "observation", "ai-talent-outflow", 1300) in keys(draft(registry, "Korea lost talent.\n\n" + text, "en"))


def test_topped_the_table_and_bare_ordinals_after_names_en(registry):
    text = ("In the OECD ranking of labour productivity per hour, Luxembourg topped the table at $160.20, "
            "with Ireland second and Norway third.")
    got = keys(draft(registry, text, "en"))
    assert {("LU", "rank", "oecd-labour-productivity", 1), ("IE", "rank", "oecd-labour-productivity", 2),
            ("NO", "rank", "oecd-labour-productivity", 3),
            ("LU", "observation", "labour-productivity-per-hour", Decimal("160.2"))} <= got


def test_a_yardstick_is_not_the_subject(registry):
    text = "In labour productivity per hour, Japan ranked 30th, three places above Korea, at $52.90."
    got = keys(draft(registry, text, "en"))
    assert ("JP", "observation", "labour-productivity-per-hour", Decimal("52.9")) in got
    assert not any(k[0] == "KR" for k in got)
    text_ko = "시간당 노동생산성에서 일본은 한국보다 높은 52.9달러를 기록했다."
    got = keys(draft(registry, text_ko, "ko"))
    assert ("JP", "observation", "labour-productivity-per-hour", Decimal("52.9")) in got


def test_the_year_before_after_a_rank(registry):
    text = "Korea's labour productivity ranked 33rd in the OECD in 2024, down from 31st the year before."
    facts = draft(registry, text, "en").sheet["facts"]
    assert {f["rank"]: f.get("period") for f in facts if f["kind"] == "rank"}.get(31) == 2024


@pytest.mark.parametrize("text,lang,figure", [
    ('한 업계 관계자는 "5년 안에 AI 예산 10조원을 달성하는 것이 목표"라고 말했다.', "ko", 10000000000000),
    ("The ministry set a target of $10 billion in AI investment.", "en", 10000000000),
    ("Korea aims to reach $12 billion of private AI investment by 2027.", "en", 12000000000),
])
def test_money_goals_are_targets(registry, text, lang, figure):
    d = draft(registry, text, lang)
    assert Decimal(figure) not in values(d) and qualifiers(d, figure) == {"target"}


def test_a_forecast_is_not_a_goal_en(registry):
    text = "The global HBM market is expected to reach about $40 billion this year."
    assert ("world", "observation", "hbm-market-size", 40000000000) in keys(draft(registry, text, "en"))


@pytest.mark.parametrize("text,lang", [
    ("토터스미디어 글로벌 AI 지수에서 캐나다와 독일이 각각 8위와 9위를 기록했다.", "ko"),
    ("In the Tortoise Global AI Index, Canada and Germany ranked eighth and ninth, respectively.", "en"),
])
def test_respectively_pairs_names_and_ranks_in_order(registry, text, lang):
    got = keys(draft(registry, text, lang))
    assert {("CA", "rank", "tortoise-global-ai-index", 8), ("DE", "rank", "tortoise-global-ai-index", 9)} <= got
    assert ("DE", "rank", "tortoise-global-ai-index", 8) not in got


def test_respectively_pairs_names_and_figures_ko(registry):
    text = "메타와 xAI는 H100을 각각 35만대, 10만대 보유했다."
    got = keys(draft(registry, text, "ko"))
    assert {("meta", "observation", "h100-gpus-held", 350000), ("xai", "observation", "h100-gpus-held", 100000)} <= got


@pytest.mark.parametrize("text,lang", [
    ('BCG defines "AI pioneers" as economies with strong talent. Korea is not among the AI pioneers. '
     'The report lists Israel as an AI pioneer.', "en"),
    ("BCG는 'AI 선도국가'를 인재와 인프라를 갖춘 나라로 정의했다. 한국은 'AI 선도국가'에 들지 못했다. "
     "이스라엘은 'AI 선도국가'로 분류됐다.", "ko"),
])
def test_negated_or_defining_mentions_of_a_group_are_not_memberships(registry, text, lang):
    got = keys(draft(registry, text, lang))
    assert got == {("IL", "membership", "bcg-ai-maturity/ai-pioneers", None)}


@pytest.mark.parametrize("text,lang", [
    ("토터스미디어 AI 지수에서 영국은 3위 자리를 싱가포르에 내줬다. 싱가포르가 3위에 올랐다.", "ko"),
    ("In the Tortoise Global AI Index, Britain no longer ranks third. Singapore is now third.", "en"),
])
def test_a_place_lost_is_not_held(registry, text, lang):
    got = keys(draft(registry, text, lang))
    assert ("SG", "rank", "tortoise-global-ai-index", 3) in got
    assert ("GB", "rank", "tortoise-global-ai-index", 3) not in got

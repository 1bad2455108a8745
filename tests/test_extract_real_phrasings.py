"""How real articles name ranks, holders and years (issue 9, item 2). Every sentence is written for the test."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from extracthelp import draft, keys
from kg.errors import InputError
from kg.load import load_registries

ROOT = Path(__file__).resolve().parent.parent
AI = "tortoise-global-ai-index"
H100 = "h100-gpus-held"


@pytest.fixture(scope="module")
def registry():
    return load_registries([ROOT / "data" / "registries"])


def ranks(d):
    return {(f["subject"], f["rank"], None if f.get("period") is None else str(f["period"]))
            for f in d.sheet["facts"] if f["kind"] == "rank"}


def pending(d):
    """(subject, value) of every figure read, drafted (under a registry or proposed measure) or pending."""
    read = {(f["subject"], Decimal(str(f["value"]))) for f in d.sheet["facts"] if f["kind"] == "observation"}
    return read | {(p.get("subject"), p.get("value")) for p in d.pending}


# ------------------------------------------------------------------------------------------ Korean rank lists
@pytest.mark.parametrize("text,expected", [
    ("AI 지수 순위에서 2위 덴마크, 3위 스위스, 4위 네덜란드, 5위는 홍콩 등이었다.",
     {("DK", 2), ("CH", 3), ("NL", 4), ("HK", 5)}),
    ("AI 지수 순위에서 1위는 미국, 2위는 중국이었다.", {("US", 1), ("CN", 2)}),
    ("AI 지수에서 1위는 100점을 받은 미국이, 2위는 53.8점을 받은 중국이 차지했다.", {("US", 1), ("CN", 2)}),
    ("AI 지수에서 2위는 28점을 받은 독일이었으며 3위는 일본(22점) 순서였다.", {("DE", 2), ("JP", 3)}),
])
def test_korean_rank_lists(registry, text, expected):
    d = draft(registry, text, "ko")
    assert {(s, r) for s, r, _ in ranks(d)} == expected


def test_korean_holder_named_after_the_figure(registry):
    d = draft(registry, "H100 GPU 보유 순위에서 2위는 28만대를 보유한 독일이었으며 3위는 일본(22만대) 순서였다.", "ko")
    assert {("DE", "observation", H100, Decimal(280000)), ("JP", "observation", H100, Decimal(220000))} <= keys(d)
    d = draft(registry, "AI 지수에서 1위는 100점을 받은 미국이, 2위는 53.8점을 받은 중국이 차지했다.", "ko")
    assert {("US", Decimal(100)), ("CN", Decimal("53.8"))} <= pending(d)


def test_korean_scores_listed_with_each(registry):
    d = draft(registry, "싱가포르는 AI 지수 32.3점으로 3위에, 영국과 프랑스는 각각 29.8, 28.1점을 기록해 4·5위에 올랐다.", "ko")
    assert {("SG", 3), ("GB", 4), ("FR", 5)} == {(s, r) for s, r, _ in ranks(d)}
    assert {("SG", Decimal("32.3")), ("GB", Decimal("29.8")), ("FR", Decimal("28.1"))} <= pending(d)


def test_korean_one_figure_for_several_names(registry):
    d = draft(registry, "한국과 일본에 각각 4만대, 인도 5만대의 H100 GPU가 있다.", "ko")
    assert {("KR", "observation", H100, Decimal(40000)), ("JP", "observation", H100, Decimal(40000)),
            ("IN", "observation", H100, Decimal(50000))} == keys(d)
    d = draft(registry, "메타와 테슬라는 모두 15만대의 H100 GPU를 보유했다.", "ko")
    assert {("meta", "observation", H100, Decimal(150000)), ("tesla", "observation", H100, Decimal(150000))} == keys(d)
    d = draft(registry, "메타와 테슬라는 H100 GPU를 각각 15만대와 10만대 보유했다.", "ko")
    assert {("meta", "observation", H100, Decimal(150000)), ("tesla", "observation", H100, Decimal(100000))} == keys(d)


def test_korean_rank_changes_and_years(registry):
    d = draft(registry, "한국, AI 지수 28→23위로 상승", "ko", published=dt.date(2020, 6, 16))
    assert ranks(d) == {("KR", 28, "2019"), ("KR", 23, None)}
    d = draft(registry, "한국은 AI 지수 세부 항목인 정부 전략(6위→4위)에서 순위가 올랐다.", "ko", published=dt.date(2024, 9, 25))
    assert ("KR", 6, "2023") in ranks(d) and ("KR", 4, None) in ranks(d)
    d = draft(registry, "일본도 AI 지수에서 30위에서 34위로 낮아졌다.", "ko", published=dt.date(2020, 6, 16))
    assert ranks(d) == {("JP", 30, "2019"), ("JP", 34, None)}
    # an explicit year before the earlier place wins
    d = draft(registry, "한국은 AI 지수에서 2021년 13위에서 지난해 5위로 올랐다.", "ko", published=dt.date(2025, 1, 1))
    assert ranks(d) == {("KR", 13, "2021"), ("KR", 5, "2024")}


def test_korean_one_rank_for_several_years(registry):
    d = draft(registry, "우리나라는 AI 지수에서 2019년과 2020년 8위, 2021년 7위였고 2011년부터 2013년까지는 22위, "
                        "2016~2017년 29위였다.", "ko")
    assert ranks(d) == {("KR", 8, "2019"), ("KR", 8, "2020"), ("KR", 7, "2021"), ("KR", 22, "2011"),
                        ("KR", 22, "2012"), ("KR", 22, "2013"), ("KR", 29, "2016"), ("KR", 29, "2017")}


def test_korean_places_before_a_rank_with_their_own_places(registry):
    d = draft(registry, "한국은 캐나다(8위)·미국(10위)·호주(18위) 등에 이어 AI 지수 8위다.", "ko")
    assert {(s, r) for s, r, _ in ranks(d)} == {("CA", 8), ("US", 10), ("AU", 18), ("KR", 8)}


def test_home_country_of_a_korean_paper(registry):
    d = draft(registry, "우리나라는 AI 지수에서 5위를 차지했다.", "ko")
    assert {(s, r) for s, r, _ in ranks(d)} == {("KR", 5)}
    # "정부" with no other name: the home country the registry gives for Korean articles
    d = draft(registry, "정부는 H100 GPU 1만대를 확보했다.", "ko")
    assert ("KR", "observation", H100, Decimal(10000)) in keys(d)


def test_home_country_comes_from_the_registry(registry):
    import copy

    reg = copy.deepcopy(registry)
    reg.languages["ko"].home_country = "JP"
    d = draft(reg, "정부는 H100 GPU 1만대를 확보했다.", "ko")
    assert ("JP", "observation", H100, Decimal(10000)) in keys(d)
    reg = copy.deepcopy(registry)
    del reg.languages["ko"]
    d = draft(reg, "정부는 H100 GPU 1만대를 확보했다.", "ko")
    assert keys(d) == set()


def test_languages_section_is_checked(tmp_path):
    (tmp_path / "languages.yaml").write_text("languages:\n  ko:\n    home_country: XX\n", encoding="utf-8")
    with pytest.raises(InputError, match="XX"):
        load_registries([tmp_path])
    (tmp_path / "languages.yaml").write_text("languages:\n  ko:\n    home_town: KR\n", encoding="utf-8")
    with pytest.raises(InputError, match="home_town"):
        load_registries([tmp_path])


def test_yardsticks_are_subjects_of_their_own(registry):
    d = draft(registry, "Korean workers produced 20.40 dollars an hour of labour productivity. The OECD average "
                        "was 38 dollars and the G7 average 45.10 dollars.", "en")
    subjects = {f["subject"] for f in d.sheet["facts"]} | {p.get("subject") for p in d.pending}
    assert {"KR", "oecd-member-countries", "g7"} <= subjects and "oecd" not in subjects
    d = draft(registry, "한국의 시간당 노동생산성은 53.3달러였고 OECD 평균은 64.7달러였다.", "ko")
    assert ("oecd-member-countries", Decimal("64.7")) in {(f["subject"], Decimal(str(f["value"])))
                                                         for f in d.sheet["facts"]}


# ------------------------------------------------------------------------------------------ English
def test_english_scores_next_to_ranks(registry):
    d = draft(registry, "Korea ranked sixth in the Tortoise AI index with 40.3 points while the U.S. topped the list "
                        "with 100 points followed by China with 61.5 points. Singapore and the U.K. outranked Korea "
                        "with 49.7 and 41.8 points, respectively.", "en")
    assert {(s, r) for s, r, _ in ranks(d)} == {("KR", 6), ("US", 1), ("CN", 2)}
    assert {("KR", Decimal("40.3")), ("US", Decimal(100)), ("CN", Decimal("61.5")), ("SG", Decimal("49.7")),
            ("GB", Decimal("41.8"))} <= pending(d)


def test_english_joint_holders(registry):
    d = draft(registry, "Meta and Tesla are tied for first place with a purchase volume of 150,000 units of "
                        "H100 GPUs.", "en")
    assert {("meta", "observation", H100, Decimal(150000)), ("tesla", "observation", H100, Decimal(150000))} == \
        {k for k in keys(d) if k[1] == "observation"}
    # the shared place is a rank in a ranking by the figure's measure (proposed)
    assert {(k[0], k[3]) for k in keys(d) if k[1] == "rank"} == {("meta", 1), ("tesla", 1)}
    d = draft(registry, "Google, Amazon, Meta, and Tencent jointly rank third with a purchase volume of 50,000 "
                        "units of H100 GPUs.", "en")
    assert {k[0] for k in keys(d)} == {"google", "amazon", "meta", "tencent"}
    d = draft(registry, "Meta and Tesla follow closely behind with 20,000 H100 GPUs each.", "en")
    assert {k[0] for k in keys(d)} == {"meta", "tesla"}
    d = draft(registry, "Meta and Tesla purchased 30,000 and 25,000 units of H100 GPUs respectively.", "en")
    assert {("meta", "observation", H100, Decimal(30000)), ("tesla", "observation", H100, Decimal(25000))} == keys(d)


def test_english_counted_things_after_modifiers(registry):
    d = draft(registry, "Korea had only six AI-related listed companies, compared to 172 in the U.S.", "en")
    assert ("KR", "observation", "ai-companies", Decimal(6)) in keys(d)
    d = draft(registry, "Meta bought 35,000 of the advanced H100 GPUs.", "en")
    assert ("meta", "observation", H100, Decimal(35000)) in keys(d)


def test_holder_after_a_passive_verb_and_maker_before_a_model_number(registry):
    d = draft(registry, "Some 35,000 H100 GPUs were bought by Meta last year.", "en")
    assert keys(d) == {("meta", "observation", H100, Decimal(35000))}
    assert d.sheet["facts"][0].get("source") is None          # "by Meta" is the buyer, not a source
    d = draft(registry, "Meta holds 35,000 of NVIDIA's H100 GPUs.", "en")
    assert keys(d) == {("meta", "observation", H100, Decimal(35000))}
    d = draft(registry, "NVIDIA's H100 GPUs sold well: Tesla bought 15,000 units.", "en")
    assert keys(d) == {("tesla", "observation", H100, Decimal(15000))}
    d = draft(registry, "엔비디아의 H100 GPU 3만대를 가진 메타가 선두다.", "ko")
    assert keys(d) == {("meta", "observation", H100, Decimal(30000))}


def test_the_name_after_followed_by_holds_the_figure_after_it(registry):
    # "followed by X with N": X is the next holder in order, not a source the figure is attributed to
    d = draft(registry, "Tesla held 35,000 H100 GPUs last year, followed by Meta with 30,000 units.", "en")
    assert keys(d) == {("tesla", "observation", H100, Decimal(35000)), ("meta", "observation", H100, Decimal(30000))}
    assert all(f.get("source") is None for f in d.sheet["facts"])


def test_superlatives_stated_with_their_figure_are_first_places(registry):
    d = draft(registry, "Luxembourg had the most productive workers in the OECD with average labour productivity "
                        "of 72.20 dollars an hour.", "en")
    assert ("LU", "rank", "oecd-labour-productivity", 1) in keys(d)
    # not when the sentence says after whom, or gives no figure
    assert not any(k[1] == "rank" for k in keys(draft(
        registry, "Korea had the largest number of H100 GPUs after the U.S. and China, 35,000 units.", "en")))
    assert not any(k[1] == "rank" for k in keys(draft(registry, "한국의 시간당 노동생산성 증가율이 가장 높았다.", "ko")))
    d = draft(registry, "시간당 노동생산성은 아일랜드(154.9달러)가 가장 높았다.", "ko")
    assert ("IE", "rank", "oecd-labour-productivity", 1) in keys(d)


def test_places_counted_from_the_bottom_are_not_ranks(registry):
    d = draft(registry, "Labour productivity per hour was the fourth worst in the OECD, and Korea came 33rd.", "en")
    assert {k[3] for k in keys(d) if k[1] == "rank"} == {33}


def test_top_n_of_a_kind_is_not_a_count(registry):
    d = draft(registry, "이 지수는 세계 3대 지수로 꼽힌다. 메타는 H100 GPU 3대를 샀다.", "ko")
    assert keys(d) == {("meta", "observation", H100, Decimal(3))}
    assert any("top N" in p["problem"] for p in d.pending)


def test_how_many_countries_a_ranking_covers(registry):
    d = draft(registry, "토터스미디어가 세계 93개국의 AI 역량을 분석한 '글로벌 AI 지수' 순위에서, 우리나라는 종합 5위로 "
                        "올라섰다.", "ko")
    (fact,) = [f for f in d.sheet["facts"] if f["kind"] == "rank"]
    assert (fact["subject"], fact["rank"], fact["out_of"]) == ("KR", 5, 93)


def test_the_publication_year_is_no_period_of_its_own(registry):
    d = draft(registry, "한국은 AI 지수에서 5위를 차지했다. 우리나라는 올해 AI 지수 5위를 기록했다.", "ko",
              published=dt.date(2025, 12, 8))
    assert [(f["subject"], f["rank"]) for f in d.sheet["facts"]] == [("KR", 5)]


def test_figures_compared_in_a_list_belong_to_the_places_named_after_them(registry):
    d = draft(registry, "Korea had only six AI-related listed companies, compared to 172 in the U.S. and 161 in China.",
              "en")
    assert keys(d) == {("KR", "observation", "ai-companies", Decimal(6)),
                       ("US", "observation", "ai-companies", Decimal(172)),
                       ("CN", "observation", "ai-companies", Decimal(161))}


def test_us_dollars_written_out(registry):
    d = draft(registry, "Hourly labour productivity of Korean workers was 20.40 U.S. dollars.", "en")
    assert keys(d) == {("KR", "observation", "labour-productivity-per-hour", Decimal("20.40"))}


def test_a_repeated_rank_keeps_the_size_of_the_list(registry):
    d = draft(registry, "우리나라가 토터스미디어의 AI 지수에서 세계 5위를 차지했다.\n토터스미디어가 세계 93개국의 AI 역량을 분석한 "
                        "'글로벌 AI 지수' 순위에서, 우리나라는 종합 5위로 올라섰다.", "ko")
    (fact,) = [f for f in d.sheet["facts"] if f["kind"] == "rank"]
    assert (fact["subject"], fact["rank"], fact["out_of"]) == ("KR", 5, 93)


# ------------------------------------------------------------------------------------------ tables
KO_TABLE = "토터스미디어가 AI 지수 순위를 발표했다.\n2024 글로벌 AI 지수 (점수)\n1. 미국 100\n2. 중국 61.47\n3. 싱가포르 38.16\n본문은 계속된다."
EN_TABLE = ("Tortoise Media published its Global AI Index.\nGlobal AI Index 2024 (scores)\n1. United States 100\n"
            "2. China 61.47\n3. Singapore 38.16\n4) South Korea 24.73\nThe text goes on.")


@pytest.mark.parametrize("text,lang", [(KO_TABLE, "ko"), (EN_TABLE, "en")])
def test_numbered_table_under_a_header(registry, text, lang):
    d = draft(registry, text, lang)
    expected = {("US", 1), ("CN", 2), ("SG", 3)} | ({("KR", 4)} if lang == "en" else set())
    assert {(s, r) for s, r, _ in ranks(d)} == expected
    assert all(f["ranking"] == AI for f in d.sheet["facts"] if f["kind"] == "rank")
    # the scores are read as scores of the row's name
    assert {("US", Decimal(100)), ("CN", Decimal("61.47")), ("SG", Decimal("38.16"))} <= pending(d)
    for f in d.sheet["facts"]:
        assert f["as_written"] in f["evidence"]["text"] and "\n" not in f["evidence"]["text"]


def test_table_of_places_and_lists_that_are_not_tables(registry):
    d = draft(registry, "The Global AI Index ranking\nUnited States 1\nChina 2\nSingapore 3", "en")
    assert {(s, r) for s, r, _ in ranks(d)} == {("US", 1), ("CN", 2), ("SG", 3)}
    # a numbered list of sentences, or numbers that do not count up, is no ranking
    d = draft(registry, "Its strengths in the Global AI Index:\n1. Talent is strong.\n2. China is near.\n3. Japan is "
                        "far.", "en")
    assert ranks(d) == set()
    d = draft(registry, "Global AI Index\n5. United States 100\n9. China 61.47\n2. Singapore 38.16", "en")
    assert ranks(d) == set()


def test_a_range_of_places_for_the_names_listed_before_it(registry):
    d = draft(registry, "시간당 노동생산성 1위 국가는 아일랜드(154.9달러)였다. 이어 노르웨이(136.7달러), 룩셈부르크(128.8달러), "
                        "벨기에(112.8달러), 덴마크(103.9달러)가 2∼5위에 올랐다.", "ko")
    assert {(s, r) for s, r, _ in ranks(d)} == {("IE", 1), ("NO", 2), ("LU", 3), ("BE", 4), ("DK", 5)}
    assert {f["as_written"] for f in d.sheet["facts"] if f["kind"] == "rank" and f["rank"] > 1} == {"2∼5위"}


def test_reaching_the_top_of_a_ranking(registry):
    d = draft(registry, "Singapore reached the top of the Global AI Index ranking for the first time since 2020.", "en")
    assert {(s, r) for s, r, _ in ranks(d)} == {("SG", 1)}


def test_counted_things_named_by_their_kind(registry):
    # 가속기 (accelerators) counted in 개 are the GPUs the indicator counts
    d = draft(registry, "메타는 엔비디아 H100 가속기 3만개를 확보했다.", "ko")
    assert keys(d) == {("meta", "observation", H100, Decimal(30000))}


def test_english_one_rank_for_several_years(registry):
    d = draft(registry, "In the Global AI Index Korea ranked eighth in 2019 and 2020, 22nd from 2011 to 2013 and 3rd in "
                        "2023.", "en")
    assert ranks(d) == {("KR", 8, "2019"), ("KR", 8, "2020"), ("KR", 22, "2011"), ("KR", 22, "2012"),
                        ("KR", 22, "2013"), ("KR", 3, "2023")}

"""The first article's fact sheet, checked against the article itself.

The expectations below were worked out by reading the seed article (and from facts about the world), not copied
from the YAML: if a fact is dropped, mis-valued, mis-attributed or invented, a test here fails.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from kg.load import discover, load_article, load_registries
from sharedfiles import SEED_TEXT, needs

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
ARTICLE_ID = "mk-2025-korea-ai-competitiveness"
SEED = SEED_TEXT

needs_seed = needs(SEED)


@pytest.fixture(scope="module")
def registry():
    """The registries as kg build reads them (kg.load.discover, then load_registries)."""
    return load_registries(discover([DATA])[0])


@pytest.fixture(scope="module")
def article(registry):
    """The seed fact sheet as kg build reads it (the one sheet kg.load.discover finds in data/)."""
    files = discover([DATA])[1]
    assert [p.stem for p in files] == [ARTICLE_ID], f"expected one article {ARTICLE_ID}"
    return load_article(files[0], registry)


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def _measure(fact) -> str:
    return fact.indicator or fact.ranking or fact.group


def _number(fact):
    if fact.kind == "observation":
        return fact.value
    if fact.kind == "rank":
        return fact.rank
    return None


# Every fact of the article: (kind, subject, indicator | ranking | group, value | rank | None,
#                             source | None, attribution, approximate)
EXPECTED_FACTS = [
    # "영국 에어스트리트캐피털 보고서에 따르면 H100 기준으로 메타는 35만대, xAI는 10만대, 테슬라는 3만5000대, ..."
    ("observation", "meta", "h100-gpus-held", Decimal(350000), "air-street-capital", "stated", False),
    ("observation", "xai", "h100-gpus-held", Decimal(100000), "air-street-capital", "stated", False),
    ("observation", "tesla", "h100-gpus-held", Decimal(35000), "air-street-capital", "stated", False),
    ("observation", "aws", "h100-gpus-held", Decimal(30000), "air-street-capital", "stated", False),
    ("observation", "google", "h100-gpus-held", Decimal(26000), "air-street-capital", "stated", False),
    # Yoo Young-sang: "H100 GPU가 2000개 정도밖에 없다"; "일각에서는 약 1만대를 보유했다고 추정"
    ("observation", "KR", "h100-gpus-held", Decimal(2000), "yoo-young-sang", "stated", True),
    ("observation", "KR", "h100-gpus-held", Decimal(10000), None, "none", True),
    # BCG AI maturity matrix: Korea tier 2; five pioneers (sentence after the BCG one: implied)
    ("membership", "KR", "bcg-ai-maturity/steady-contenders", None, "bcg", "stated", False),
    ("membership", "US", "bcg-ai-maturity/ai-pioneers", None, "bcg", "implied", False),
    ("membership", "CN", "bcg-ai-maturity/ai-pioneers", None, "bcg", "implied", False),
    ("membership", "CA", "bcg-ai-maturity/ai-pioneers", None, "bcg", "implied", False),
    ("membership", "SG", "bcg-ai-maturity/ai-pioneers", None, "bcg", "implied", False),
    ("membership", "GB", "bcg-ai-maturity/ai-pioneers", None, "bcg", "implied", False),
    ("rank", "KR", "bcg-ai-operating-environment", 35, "bcg", "implied", False),
    # 한국산업연합포럼: 주요 30개국 AI 인력 47만8000명; 한국 약 2500명, 세계 22위 수준
    ("observation", "major-30-countries", "ai-workforce", Decimal(478000), "kiaf", "stated", False),
    ("observation", "KR", "ai-workforce", Decimal(2500), "kiaf", "implied", True),
    ("rank", "KR", "kiaf-ai-workforce", 22, "kiaf", "implied", True),
    # China: patents 2nd after the US; 5000억위안(약 100조원); 4300개사 — no source named
    ("rank", "CN", "ai-patent-applications", 2, None, "none", False),
    ("rank", "US", "ai-patent-applications", 1, None, "none", False),
    ("observation", "CN", "ai-industry-size", Decimal(500_000_000_000), None, "none", False),
    ("observation", "CN", "ai-companies", Decimal(4300), None, "none", False),
    # UNIDO CIP: Korea 4th after Germany, China, Ireland
    ("rank", "DE", "unido-cip", 1, "unido", "stated", False),
    ("rank", "CN", "unido-cip", 2, "unido", "stated", False),
    ("rank", "IE", "unido-cip", 3, "unido", "stated", False),
    ("rank", "KR", "unido-cip", 4, "unido", "stated", False),
    # OECD: 44.4 dollars per hour, 33rd of 38
    ("observation", "KR", "labour-productivity-per-hour", Decimal("44.4"), "oecd", "stated", False),
    ("rank", "KR", "oecd-labour-productivity", 33, "oecd", "stated", False),
    # Tortoise Media: France 13th in 2023, 5th last year
    ("rank", "FR", "tortoise-global-ai-index", 13, "tortoise-media", "stated", False),
    ("rank", "FR", "tortoise-global-ai-index", 5, "tortoise-media", "stated", False),
]


def test_the_fact_sheet_holds_exactly_the_facts_of_the_article(article):
    got = Counter((f.kind, f.subject, _measure(f), _number(f), f.source, f.attribution, f.approximate)
                  for f in article.facts)
    want = Counter(EXPECTED_FACTS)
    assert got - want == Counter(), "facts the article does not support (or with wrong details)"
    assert want - got == Counter(), "facts of the article missing from the fact sheet"


def test_fact_ids_are_unique_slugs(article):
    ids = [f.id for f in article.facts]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]*", i) for i in ids)


def test_both_korean_h100_figures_are_kept_with_different_sources(article):
    korea = [f for f in article.facts if f.subject == "KR" and f.indicator == "h100-gpus-held"]
    assert sorted(f.value for f in korea) == [2000, 10000]
    by_value = {int(f.value): f for f in korea}
    assert by_value[2000].source == "yoo-young-sang" and by_value[2000].attribution == "stated"
    assert by_value[10000].source is None and by_value[10000].attribution == "none"
    assert all(f.approximate for f in korea), "정도 and 약 are hedges"


def test_yuan_industry_size_has_the_won_equivalent_as_one_fact(article):
    (size,) = [f for f in article.facts if f.indicator == "ai-industry-size"]
    assert (size.subject, size.value, size.unit) == ("CN", Decimal(500_000_000_000), "CNY")
    assert size.equivalent is not None
    assert (size.equivalent.value, size.equivalent.unit) == (Decimal(10) ** 14, "KRW")
    assert size.equivalent.approximate is True
    assert not [f for f in article.facts if f.kind == "observation" and f.unit == "KRW"]


def test_units_follow_the_indicator(article):
    units = {f.indicator: f.unit for f in article.facts if f.kind == "observation"}
    assert units == {"h100-gpus-held": "GPU", "ai-workforce": "person", "ai-industry-size": "CNY",
                     "ai-companies": "company", "labour-productivity-per-hour": "USD-per-hour"}


def test_oecd_rank_is_out_of_38_and_no_other_rank_invents_a_size(article):
    sized = {(f.subject, f.ranking): f.out_of for f in article.facts if f.kind == "rank" and f.out_of}
    assert sized == {("KR", "oecd-labour-productivity"): 38}


def test_publication_date_and_last_year_resolution(article):
    meta = article.meta
    assert meta.published == dt.date(2025, 1, 30)
    assert meta.published_note and "related" in meta.published_note.lower()
    france = {f.rank: f.period.iso() if f.period else None
              for f in article.facts if f.subject == "FR" and f.ranking == "tortoise-global-ai-index"}
    # "2023년 13위에서 지난해 5위로": last year = the year before publication
    assert france == {13: "2023", 5: str(meta.published.year - 1)}


def test_periods_are_given_only_where_the_article_supports_them(article):
    dated = {(f.subject, _measure(f), _number(f)): f.period.iso() for f in article.facts if f.period}
    assert dated == {
        ("meta", "h100-gpus-held", 350000): "2024", ("xai", "h100-gpus-held", 100000): "2024",
        ("tesla", "h100-gpus-held", 35000): "2024", ("aws", "h100-gpus-held", 30000): "2024",
        ("google", "h100-gpus-held", 26000): "2024",
        ("KR", "h100-gpus-held", 2000): "2024-11",
        ("FR", "tortoise-global-ai-index", 13): "2023", ("FR", "tortoise-global-ai-index", 5): "2024",
    }
    for fact in article.facts:
        if fact.period:
            assert fact.period_note, f"{fact.id}: a period needs a note saying how it was inferred"


def test_every_as_written_occurs_in_its_evidence(article):
    observations = [f for f in article.facts if f.kind == "observation"]
    assert all(f.as_written for f in observations), "every observation keeps the figure as printed"
    for fact in observations:
        assert fact.as_written in fact.evidence.text, fact.id


AS_WRITTEN = {  # the figure as the article prints it, read independently
    ("meta", 350000): "35만대", ("xai", 100000): "10만대", ("tesla", 35000): "3만5000대",
    ("aws", 30000): "3만대", ("google", 26000): "2만6000대", ("KR", 2000): "2000개", ("KR", 10000): "1만대",
    ("major-30-countries", 478000): "47만8000명", ("KR", 2500): "2500명", ("CN", 500_000_000_000): "5000억위안",
    ("CN", 4300): "4300개사", ("KR", Decimal("44.4")): "44.4달러",
}


def test_as_written_matches_the_printed_figure(article):
    got = {(f.subject, f.value): f.as_written for f in article.facts if f.kind == "observation"}
    assert got == {(s, Decimal(v)): w for (s, v), w in AS_WRITTEN.items()}


@needs_seed
def test_text_hash_is_that_of_the_seed_text(article):
    assert article.meta.text_sha256 == hashlib.sha256(SEED.read_bytes()).hexdigest()


@needs_seed
def test_evidence_offsets_slice_the_seed_text_exactly(article, seed_text):
    for fact in article.facts:
        ev = fact.evidence
        assert ev.start is not None and ev.end is not None, fact.id
        assert seed_text[ev.start:ev.end] == ev.text, fact.id


@needs_seed
def test_evidence_is_a_whole_sentence_of_the_body(article, seed_text):
    body_start = seed_text.index("인공지능(AI) 학습")  # first body line, after the seven headline lines
    for fact in article.facts:
        ev = fact.evidence
        assert ev.start >= body_start, f"{fact.id}: evidence from a headline"
        assert ev.start == 0 or seed_text[ev.start - 1] in " \n", f"{fact.id}: starts mid-sentence"
        assert ev.text.endswith("."), f"{fact.id}: ends mid-sentence"


@needs_seed
def test_loader_accepts_the_offsets_against_the_text(tmp_path):
    from kg import api

    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / f"{ARTICLE_ID}.txt").write_bytes(SEED.read_bytes())
    summary = api.build([DATA], out_dir=None, store=tmp_path / "store", text_dir=texts, html=False)  # kg build --text-dir
    assert summary.changed == [ARTICLE_ID] and summary.conforms


# Names as the article prints them -> the entity they denote.
NAMED_IN_TEXT = {
    "엔비디아": "nvidia", "테슬라": "tesla", "구글": "google", "웨이모": "waymo", "오픈AI": "openai",
    "딥시크": "deepseek", "에어스트리트캐피털": "air-street-capital", "메타": "meta", "xAI": "xai",
    "아마존웹서비스(AWS)": "aws", "유영상": "yoo-young-sang", "SK텔레콤": "sk-telecom", "SK AI 서밋": "sk-ai-summit",
    "보스턴컨설팅그룹(BCG)": "bcg", "한국산업연합포럼": "kiaf", "주요 30개국": "major-30-countries",
    "조주완": "cho-joo-wan", "LG전자": "lg-electronics", "CES": "ces", "클레이튼 크리스텐슨": "clayton-christensen",
    "하버드대": "harvard-university", "유엔산업개발기구(UNIDO)": "unido", "경제협력개발기구(OECD)": "oecd",
    "화웨이": "huawei", "텐센트": "tencent", "TCL": "tcl", "BYD": "byd", "니오": "nio", "엑스펑": "xpeng",
    "에마뉘엘 마크롱": "emmanuel-macron", "토터스미디어": "tortoise-media", "미스트랄AI": "mistral-ai",
    "매일경제": "maeil-business",
    "한국": "KR", "미국": "US", "중국": "CN", "영국": "GB", "캐나다": "CA", "싱가포르": "SG", "독일": "DE",
    "아일랜드": "IE", "프랑스": "FR",
}


@needs_seed
def test_every_name_in_the_text_is_mentioned(article, seed_text):
    for name, key in NAMED_IN_TEXT.items():
        assert name in seed_text, f"test table is wrong: {name!r} is not in the article"
        assert key in article.meta.mentions, f"{name} ({key}) is named in the article but not in mentions"


def test_mentions_are_exactly_the_named_entities(article):
    assert sorted(article.meta.mentions) == sorted(set(NAMED_IN_TEXT.values()))


def test_every_mention_and_reference_exists_in_the_registry(registry, article):
    entities = registry.entities
    for key in article.meta.mentions:
        assert key in entities, key
    for fact in article.facts:
        assert fact.subject in entities
        assert fact.source is None or fact.source in entities
    assert entities[article.meta.publisher].type == "publisher"


@needs_seed
def test_each_mentioned_entity_appears_under_its_korean_label_or_an_alias(registry, article, seed_text):
    body = seed_text[: seed_text.index("- “")]   # the article, without the related-articles list
    for key in article.meta.mentions:
        entity = registry.entities[key]
        names = [entity.label.get("ko"), *entity.aliases.get("ko", []), *entity.aliases.get("en", []),
                 entity.label.get("en")]
        assert any(n and n in body for n in names), f"{key}: none of its names occur in the article"


def test_every_entity_has_english_and_korean_labels(registry, article):
    for key in article.meta.mentions:
        label = registry.entities[key].label
        assert label.get("en") and label.get("ko"), key


def test_registry_facts_about_the_world(registry):
    entities = registry.entities
    assert entities["KR"].label["en"] == "South Korea"   # from babel, not typed by us
    home = {"tesla": "US", "google": "US", "waymo": "US", "openai": "US", "meta": "US", "xai": "US", "aws": "US",
            "nvidia": "US", "bcg": "US", "deepseek": "CN", "huawei": "CN", "tencent": "CN", "tcl": "CN",
            "byd": "CN", "nio": "CN", "xpeng": "CN", "sk-telecom": "KR", "lg-electronics": "KR", "kiaf": "KR",
            "maeil-business": "KR", "air-street-capital": "GB", "tortoise-media": "GB", "mistral-ai": "FR",
            "harvard-university": "US"}
    assert {k: entities[k].country for k in home} == home
    assert entities["oecd"].country is None and entities["unido"].country is None
    assert entities["google"].parent == "alphabet"
    assert entities["waymo"].parent == "alphabet"
    assert entities["aws"].parent == "amazon"
    assert entities["yoo-young-sang"].employer == "sk-telecom"
    assert entities["cho-joo-wan"].employer == "lg-electronics"
    assert entities["clayton-christensen"].employer == "harvard-university"
    assert entities["ces"].type == entities["sk-ai-summit"].type == "event"
    assert entities["major-30-countries"].type == "country-group"


def test_country_aliases_cover_the_headline_hanja(registry):
    entities = registry.entities
    hanja = {"韓": "KR", "美": "US", "中": "CN", "英": "GB", "佛": "FR", "獨": "DE", "日": "JP"}
    for char, code in hanja.items():
        assert char in entities[code].aliases.get("ko", []), f"{char} -> {code}"
    assert "한국" in entities["KR"].aliases["ko"]


def test_bcg_tiers(registry):
    scheme = registry.classifications["bcg-ai-maturity"]
    assert scheme.publisher == "bcg"
    tiers = {g.local_key: (g.tier, g.label["en"], g.label["ko"]) for g in scheme.groups.values()}
    assert tiers["ai-pioneers"] == (1, "AI pioneers", "AI 선도국가")
    assert tiers["steady-contenders"][0] == 2 and tiers["steady-contenders"][2] == "AI 안정적 경쟁국가"

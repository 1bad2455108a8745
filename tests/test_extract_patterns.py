"""Phrase patterns of `kg extract`, Korean and English, each on a sentence written for the test."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from kg.extract import extract_text
from kg.extract.resolve import Gazetteer
from kg.extract.text import ArticleText
from kg.load import load_registries
from extracthelp import fact_tuple

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def registry():
    return load_registries([ROOT / "data" / "registries", ROOT / "eval" / "registries"])


def draft_of(registry, text: str, lang: str, published=dt.date(2025, 1, 30)):
    article = ArticleText(path=Path("t.txt"), text=text, title="t", body_end=len(text), language=lang,
                          published=published, published_note=None, publisher_name=None, url=None, from_html=False)
    return extract_text(article, registry, article_id="t", publisher="maeil-business").sheet["facts"]


def keys(facts):
    return {fact_tuple(f) for f in facts}


def test_holder_list_ko(registry):
    facts = draft_of(registry, "에어스트리트캐피털 보고서에 따르면 H100 기준으로 메타는 35만대, 테슬라는 3만5000대의 GPU를 보유하고 있다.", "ko")
    assert keys(facts) == {("meta", "observation", "h100-gpus-held", 350000),
                           ("tesla", "observation", "h100-gpus-held", 35000)}
    assert {f["source"] for f in facts} == {"air-street-capital"}
    assert {f["attribution"] for f in facts} == {"stated"}
    assert {f["as_written"] for f in facts} == {"35만대", "3만5000대"}


def test_rank_after_others_and_out_of_ko(registry):
    text = ("한국은 유엔산업개발기구(UNIDO) 제조업경쟁력지수(CIP) 순위에서 독일, 중국, 아일랜드에 이은 4위지만, "
            "경제협력개발기구(OECD) 기준 시간당 노동생산성은 44.4달러로 38개국 가운데 33위다.")
    facts = draft_of(registry, text, "ko")
    assert keys(facts) >= {("DE", "rank", "unido-cip", 1), ("CN", "rank", "unido-cip", 2),
                           ("IE", "rank", "unido-cip", 3), ("KR", "rank", "unido-cip", 4),
                           ("KR", "rank", "oecd-labour-productivity", 33),
                           ("KR", "observation", "labour-productivity-per-hour", Decimal("44.4"))}
    oecd = next(f for f in facts if f.get("ranking") == "oecd-labour-productivity")
    assert oecd["out_of"] == 38 and oecd["source"] == "oecd"
    assert next(f for f in facts if f["subject"] == "DE")["source"] == "unido"


def test_rank_change_relative_year_ko(registry):
    text = "프랑스는 AI 순위(토터스미디어 발표)가 2023년 13위에서 지난해 5위로 뛰어올랐다."
    facts = draft_of(registry, text, "ko", published=dt.date(2025, 1, 30))
    got = {(f["rank"], f["period"]) for f in facts if f["kind"] == "rank"}
    assert got == {(13, 2023), (5, 2024)}
    assert all(f["source"] == "tortoise-media" for f in facts)
    later = draft_of(registry, text, "ko", published=dt.date(2026, 3, 1))
    assert {(f["rank"], f["period"]) for f in later} == {(13, 2023), (5, 2025)}


def test_group_membership_and_implied_attribution_ko(registry):
    text = ("보스턴컨설팅그룹(BCG)이 발표한 ‘AI 성숙도 매트릭스’에 따르면 한국은 2군에 해당하는 ‘AI 안정적 경쟁국가’다. "
            "미국, 중국, 캐나다, 싱가포르, 영국 5개국만 ‘AI 선도국가’다.")
    facts = draft_of(registry, text, "ko")
    assert keys(facts) == {("KR", "membership", "bcg-ai-maturity/steady-contenders", None)} | {
        (c, "membership", "bcg-ai-maturity/ai-pioneers", None) for c in ("US", "CN", "CA", "SG", "GB")}
    kr = next(f for f in facts if f["subject"] == "KR")
    us = next(f for f in facts if f["subject"] == "US")
    assert (kr["source"], kr["attribution"]) == ("bcg", "stated")
    assert (us["source"], us["attribution"]) == ("bcg", "implied")


def test_equivalent_in_brackets_is_one_fact(registry):
    facts = draft_of(registry, "중국은 산업 규모는 5000억위안(약 100조원), AI 전문 기업은 4300개사에 달한다.", "ko")
    size = [f for f in facts if f.get("indicator") == "ai-industry-size"]
    assert len(size) == 1
    assert size[0]["value"] == 500000000000
    assert size[0]["equivalent"] == {"value": 100000000000000, "unit": "KRW", "approximate": True}
    assert not any(f.get("value") == 100000000000000 for f in facts)
    assert ("CN", "observation", "ai-companies", 4300) in keys(facts)


def test_quoted_person_then_unattributed_estimate_ko(registry):
    text = ("유영상 SK텔레콤 대표는 “한국은 전체를 통틀어 H100 GPU가 2000개 정도밖에 없다”고 말했다. "
            "일각에서는 약 1만대를 보유했다고 추정한다.")
    facts = draft_of(registry, text, "ko")
    by_value = {f["value"]: f for f in facts}
    assert by_value[2000]["subject"] == "KR" and by_value[2000]["source"] == "yoo-young-sang"
    assert by_value[2000]["approximate"] is True
    assert by_value[10000]["subject"] == "KR" and by_value[10000]["attribution"] == "none"
    assert by_value[10000]["approximate"] is True


def test_hanja_abbreviations(registry):
    gaz = Gazetteer(registry)
    assert [m.key for m in gaz.find("테슬라 3.5만대vs韓 2000대")] == ["tesla", "KR"]
    assert [m.key for m in gaz.find("美中 갈등")] == ["US", "CN"]
    assert gaz.find("中小企業 지원") == []            # 中 inside a Chinese word is not China
    assert [m.key for m in gaz.find("메타버스 시장과 메타는")] == ["meta"]


def test_english_patterns(registry):
    text = ("According to Air Street Capital, Meta holds 350,000 H100 GPUs, xAI 100,000 and Tesla 35,000. "
            "Korea ranked fourth behind Germany, China and Ireland in UNIDO's Competitive Industrial Performance "
            "index, but its labour productivity of 44.4 dollars per hour ranked 33rd of 38 OECD countries. "
            "France rose from 13th in 2023 to fifth last year in the Tortoise Global AI Index. "
            "China's AI industry is worth 500 billion yuan (about $69 billion).")
    facts = draft_of(registry, text, "en")
    assert keys(facts) >= {
        ("meta", "observation", "h100-gpus-held", 350000), ("xai", "observation", "h100-gpus-held", 100000),
        ("tesla", "observation", "h100-gpus-held", 35000), ("DE", "rank", "unido-cip", 1),
        ("IE", "rank", "unido-cip", 3), ("KR", "rank", "unido-cip", 4),
        ("KR", "rank", "oecd-labour-productivity", 33), ("FR", "rank", "tortoise-global-ai-index", 13),
        ("FR", "rank", "tortoise-global-ai-index", 5), ("CN", "observation", "ai-industry-size", 500000000000)}
    assert not any(f.get("value") in (38, 2023, 69000000000) for f in facts)
    fr = {f["rank"]: f["period"] for f in facts if f["subject"] == "FR"}
    assert fr == {13: 2023, 5: 2024}


def test_unknown_subject_is_proposed_and_drafted(registry):
    text = "에어스트리트캐피털 보고서에 따르면 H100 기준으로 메타는 35만대, 코어위브는 25만대의 GPU를 보유하고 있다."
    article = ArticleText(path=Path("t.txt"), text=text, title="t", body_end=len(text), language="ko",
                          published=dt.date(2025, 1, 30), published_note=None, publisher_name=None, url=None,
                          from_html=False)
    draft = extract_text(article, registry, article_id="t", publisher="maeil-business")
    entities = draft.proposals["entities"]
    key = next(k for k, e in entities.items() if e["label"].get("ko") == "코어위브")
    assert entities[key]["proposed"] is True
    assert keys(draft.sheet["facts"]) == {("meta", "observation", "h100-gpus-held", 350000),
                                          (key, "observation", "h100-gpus-held", 250000)}


def test_unknown_quoted_person_is_proposed_with_title_and_employer(registry):
    text = "홍길동 SK텔레콤 부사장은 “국내 H100 GPU는 3000대 정도”라고 말했다."
    article = ArticleText(path=Path("t.txt"), text=text, title="t", body_end=len(text), language="ko",
                          published=dt.date(2025, 1, 30), published_note=None, publisher_name=None, url=None,
                          from_html=False)
    draft = extract_text(article, registry, article_id="t", publisher="maeil-business")
    proposals = draft.proposals["entities"]
    person = next(e for e in proposals.values() if e["type"] == "person")
    assert person["label"]["ko"] == "홍길동" and person["role"]["ko"] == "부사장"
    assert person["employer"] == "sk-telecom"
    english = "“We hold about 3,000 H100 GPUs,” said Jane Park, chief executive of SK Telecom."
    article = ArticleText(path=Path("e.txt"), text=english, title="t", body_end=len(english), language="en",
                          published=dt.date(2025, 1, 30), published_note=None, publisher_name=None, url=None,
                          from_html=False)
    draft = extract_text(article, registry, article_id="e", publisher="maeil-business")
    person = next(e for e in draft.proposals["entities"].values() if e["type"] == "person")
    assert person["label"] == {"en": "Jane Park"} and person["employer"] == "sk-telecom"

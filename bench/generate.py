"""Synthetic but realistic corpus generator for benchmarks and large-graph experiments.

``python -m bench.generate --articles N --seed S -o DIR`` writes::

    DIR/registries/{countries,entities,units,indicators,rankings,classifications}.yaml
    DIR/articles/<article-id>.yaml      one fact sheet per article (docs/fact-sheets.md format)
    DIR/texts/<article-id>.txt          the article text the evidence offsets refer to

The corpus mixes what real business news contains: observations with round and hedged ("약", "about")
values and bracketed equivalents, rank entries with ``out_of``, group memberships, stated / implied /
absent attribution, and figures that disagree for the same subject, indicator and period across articles.
About seven articles in ten are Korean, the rest English. Output is a pure function of (articles, seed).
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import math
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

try:  # the C emitter is ~10x faster; output is identical
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover
    from yaml import SafeDumper as _Dumper

# --------------------------------------------------------------------------------------------------
# Vocabulary (ko, en) pairs. Names are invented, apart from a few well-known international bodies.

COUNTRIES = [
    "KR", "US", "CN", "JP", "DE", "FR", "GB", "CA", "SG", "IN", "IL", "NL", "SE", "CH", "FI", "DK", "NO",
    "AU", "NZ", "IE", "ES", "IT", "PT", "AT", "BE", "PL", "CZ", "HU", "EE", "LU", "TW", "HK", "VN", "TH",
    "MY", "ID", "PH", "AE", "SA", "QA", "TR", "BR", "MX", "AR", "CL", "CO", "ZA", "EG", "NG", "KE",
]
COUNTRY_ALIASES = {
    "KR": {"ko": ["한국", "韓", "남한"], "en": ["Korea", "Republic of Korea"]},
    "US": {"ko": ["美"], "en": ["USA", "America"]},
    "CN": {"ko": ["中"], "en": ["PRC"]},
    "JP": {"ko": ["日"]},
    "GB": {"ko": ["영국", "英"], "en": ["Britain", "UK"]},
    "FR": {"ko": ["佛"]},
    "DE": {"ko": ["獨"]},
}
# the names used in generated sentences (the short forms a newspaper writes)
COUNTRY_SHORT_KO = {"KR": "한국", "GB": "영국", "US": "미국", "CN": "중국", "JP": "일본"}
COUNTRY_SHORT_EN = {"KR": "South Korea", "US": "the United States", "GB": "the United Kingdom", "NL": "the Netherlands",
                    "AE": "the United Arab Emirates", "PH": "the Philippines", "CZ": "the Czech Republic"}

COMPANY_STEMS = [
    ("한빛", "Hanbit"), ("미래", "Mirae"), ("대한", "Daehan"), ("새별", "Saebyeol"), ("푸른", "Pureun"),
    ("동방", "Dongbang"), ("누리", "Nuri"), ("한결", "Hangyeol"), ("아라", "Ara"), ("태양", "Taeyang"),
    ("은하", "Eunha"), ("다온", "Daon"), ("보람", "Boram"), ("하늘", "Haneul"), ("가온", "Gaon"),
    ("세움", "Seum"), ("라온", "Raon"), ("별빛", "Byeolbit"), ("온누리", "Onnuri"), ("한울", "Hanul"),
    ("노바", "Nova"), ("퀀텀", "Quantum"), ("알파", "Alpha"), ("오메가", "Omega"), ("네오", "Neo"),
    ("벡터", "Vector"), ("시그마", "Sigma"), ("루멘", "Lumen"), ("테라", "Terra"), ("제니스", "Zenith"),
]
COMPANY_SUFFIXES = [
    ("반도체", "Semiconductor"), ("전자", "Electronics"), ("AI", "AI"), ("로보틱스", "Robotics"),
    ("바이오", "Bio"), ("에너지", "Energy"), ("모빌리티", "Mobility"), ("클라우드", "Cloud"),
    ("소프트", "Soft"), ("텔레콤", "Telecom"), ("화학", "Chemical"), ("중공업", "Heavy Industries"),
    ("랩스", "Labs"), ("시스템즈", "Systems"), ("데이터", "Data"),
]
ORG_SCOPES = [("한국", "Korea"), ("글로벌", "Global"), ("아시아", "Asia"), ("국제", "International")]
ORG_TOPICS = [
    ("인공지능", "Artificial Intelligence"), ("산업", "Industry"), ("디지털", "Digital"), ("반도체", "Semiconductor"),
    ("미래기술", "Future Technology"), ("경제", "Economic"), ("정책", "Policy"), ("데이터", "Data"),
]
ORG_KINDS = [("연구원", "Institute"), ("협회", "Association"), ("포럼", "Forum"), ("재단", "Foundation"),
             ("위원회", "Commission"), ("센터", "Center")]
WELL_KNOWN_ORGS = [
    ("oecd", "경제협력개발기구", "OECD", None),
    ("imf", "국제통화기금", "International Monetary Fund", None),
    ("wipo", "세계지식재산기구", "World Intellectual Property Organization", None),
    ("bcg", "보스턴컨설팅그룹", "Boston Consulting Group", "US"),
    ("air-street-capital", "에어스트리트캐피털", "Air Street Capital", "GB"),
    ("tortoise-media", "토터스미디어", "Tortoise Media", "GB"),
    ("stanford-hai", "스탠퍼드 인간중심AI연구소", "Stanford HAI", "US"),
    ("imd", "국제경영개발대학원", "IMD", "CH"),
]
FAMILY = [("김", "Kim"), ("이", "Lee"), ("박", "Park"), ("최", "Choi"), ("정", "Jung"), ("강", "Kang"),
          ("조", "Cho"), ("윤", "Yoon"), ("장", "Jang"), ("임", "Lim")]
GIVEN = [("민준", "Min-jun"), ("서연", "Seo-yeon"), ("지훈", "Ji-hoon"), ("수빈", "Su-bin"), ("현우", "Hyun-woo"),
         ("지민", "Ji-min"), ("영호", "Young-ho"), ("은지", "Eun-ji"), ("태현", "Tae-hyun"), ("하은", "Ha-eun"),
         ("도윤", "Do-yoon"), ("예린", "Ye-rin"), ("성민", "Sung-min"), ("유진", "Yu-jin"), ("재원", "Jae-won")]
ROLES = [({"en": "CEO", "ko": "대표"}, "company"), ({"en": "CTO", "ko": "최고기술책임자"}, "company"),
         ({"en": "Chair", "ko": "회장"}, "company"), ({"en": "Senior Fellow", "ko": "선임연구위원"}, "organization"),
         ({"en": "President", "ko": "원장"}, "organization")]
PUBLISHERS = [("hanbit-daily", "한빛일보", "Hanbit Daily"), ("mirae-economy", "미래경제", "Mirae Economy"),
              ("seoul-business-times", "서울비즈니스타임스", "Seoul Business Times"),
              ("daehan-news", "대한뉴스", "Daehan News"), ("tech-herald", "테크헤럴드", "Tech Herald"),
              ("asia-market-wire", "아시아마켓와이어", "Asia Market Wire"),
              ("global-ai-review", "글로벌AI리뷰", "Global AI Review"),
              ("nuri-ilbo", "누리일보", "Nuri Ilbo"), ("economy-insight", "이코노미인사이트", "Economy Insight"),
              ("korea-industry-journal", "한국산업저널", "Korea Industry Journal")]
COUNTRY_GROUPS = [("major-30-countries", "주요 30개국", "30 major countries"),
                  ("oecd-members", "OECD 회원국", "OECD members"), ("g7", "주요 7개국", "G7"),
                  ("asean", "아세안", "ASEAN"), ("eu", "유럽연합", "European Union")]
EVENTS = [("sk-ai-summit", "SK AI 서밋", "SK AI Summit"), ("ces", "CES", "CES"),
          ("mwc", "모바일월드콩그레스", "Mobile World Congress"), ("ai-seoul-forum", "AI 서울 포럼", "AI Seoul Forum")]

# unit key -> (ko label, en label, kind, ko counter written after numbers, en word after numbers)
UNITS = {
    "GPU": ("대", "GPUs", "count", "대", "GPUs"),
    "person": ("명", "people", "count", "명", "people"),
    "company": ("개사", "companies", "count", "개사", "companies"),
    "patent": ("건", "patents", "count", "건", "patents"),
    "model": ("개", "models", "count", "개", "models"),
    "KRW": ("원", "South Korean won", "currency", "원", "won"),
    "USD": ("달러", "US dollars", "currency", "달러", "dollars"),
    "CNY": ("위안", "Chinese yuan", "currency", "위안", "yuan"),
    "EUR": ("유로", "euros", "currency", "유로", "euros"),
    "percent": ("%", "per cent", "ratio", "%", "per cent"),
    "USD-per-hour": ("시간당 달러", "US dollars per hour worked", "rate", "달러", "dollars an hour"),
    "MW": ("메가와트", "megawatts", "other", "메가와트", "megawatts"),
    "TWh": ("테라와트시", "terawatt hours", "other", "테라와트시", "terawatt hours"),
}
# indicator key -> (ko, en, unit, subject kinds, low, high, decimals, non_negative)
INDICATORS = {
    "h100-gpus-held": ("엔비디아 H100 GPU 보유량", "NVIDIA H100 GPUs held", "GPU", ("company", "country"), 1e3, 4e5, 0, True),
    "ai-workforce": ("AI 인력", "AI workforce", "person", ("country", "group"), 1e3, 9e5, 0, True),
    "ai-companies": ("AI 전문 기업 수", "AI companies", "company", ("country",), 50, 2e4, 0, True),
    "ai-patents-filed": ("AI 특허 출원 건수", "AI patent applications", "patent", ("country", "company"), 100, 5e4, 0, True),
    "ai-industry-size": ("AI 산업 규모", "AI industry size", "CNY", ("country",), 1e10, 1e12, 0, True),
    "ai-investment": ("AI 투자액", "AI investment", "USD", ("country", "company"), 1e8, 1e11, 0, True),
    "rd-spending": ("연구개발 투자", "R&D spending", "KRW", ("company", "country"), 1e10, 3e13, 0, True),
    "gdp-growth": ("경제성장률", "GDP growth", "percent", ("country",), -3, 8, 1, False),
    "labour-productivity-per-hour": ("시간당 노동생산성", "labour productivity per hour worked", "USD-per-hour",
                                     ("country",), 15, 130, 1, True),
    "data-centre-capacity": ("데이터센터 용량", "data-centre capacity", "MW", ("country", "company"), 50, 9000, 0, True),
    "ai-adoption-rate": ("AI 도입률", "AI adoption rate", "percent", ("country", "group"), 2, 80, 1, True),
    "revenue": ("매출", "revenue", "KRW", ("company",), 1e11, 3e14, 0, True),
    "operating-profit": ("영업이익", "operating profit", "KRW", ("company",), -5e12, 5e13, 0, False),
    "employees": ("임직원 수", "employees", "person", ("company",), 50, 2e5, 0, True),
    "foundation-models": ("파운데이션 모델 수", "foundation models released", "model", ("country", "company"), 1, 120, 0, True),
    "semiconductor-exports": ("반도체 수출액", "semiconductor exports", "USD", ("country",), 1e9, 2e11, 0, True),
    "ai-venture-funding": ("AI 벤처 투자 유치액", "AI venture funding", "EUR", ("country",), 1e8, 5e10, 0, True),
    "electricity-use-by-data-centres": ("데이터센터 전력 사용량", "electricity used by data centres", "TWh",
                                        ("country",), 1, 250, 1, True),
}
# ranking key -> (ko, en, publisher, criterion, size, subject kind)
RANKINGS = {
    "oecd-labour-productivity": ("OECD 시간당 노동생산성", "OECD labour productivity per hour worked", "oecd",
                                 "labour-productivity-per-hour", 38, "country"),
    "tortoise-global-ai-index": ("글로벌 AI 지수", "Global AI Index", "tortoise-media", None, 83, "country"),
    "tortoise-ai-operating-environment": ("AI 운영 환경", "AI operating environment", "tortoise-media", None, 83, "country"),
    "wipo-global-innovation-index": ("글로벌 혁신지수", "Global Innovation Index", "wipo", None, 133, "country"),
    "imd-digital-competitiveness": ("IMD 디지털 경쟁력", "IMD World Digital Competitiveness", "imd", None, 67, "country"),
    "stanford-ai-vibrancy": ("AI 활력 지수", "Global AI Vibrancy", "stanford-hai", None, 36, "country"),
    "ai-talent-ranking": ("AI 인재 순위", "AI talent ranking", None, "ai-workforce", None, "country"),
    "ai-patent-ranking": ("AI 특허 순위", "AI patent ranking", "wipo", "ai-patents-filed", None, "country"),
    "gpu-holdings-ranking": ("GPU 보유 순위", "GPU holdings ranking", "air-street-capital", "h100-gpus-held", None, "company"),
    "ai-company-revenue-ranking": ("AI 기업 매출 순위", "AI company revenue ranking", None, "revenue", 100, "company"),
    "rd-investment-ranking": ("연구개발 투자 순위", "R&D investment ranking", None, "rd-spending", 50, "company"),
}
# classification key -> (ko, en, publisher, [(group key, ko, en)])
CLASSIFICATIONS = {
    "bcg-ai-maturity": ("BCG AI 성숙도 매트릭스", "BCG AI Maturity Matrix", "bcg", [
        ("ai-pioneers", "AI 선도국가", "AI pioneers"), ("steady-contenders", "AI 안정적 경쟁국가", "Steady AI contenders"),
        ("rising-contenders", "AI 신흥 경쟁국가", "Rising AI contenders"), ("ai-practitioners", "AI 실천국가", "AI practitioners")]),
    "ai-readiness-tiers": ("AI 준비도 등급", "AI readiness tiers", "oecd", [
        ("leaders", "선도 그룹", "Leaders"), ("followers", "추격 그룹", "Followers"), ("laggards", "후발 그룹", "Laggards")]),
    "ai-regulation-approach": ("AI 규제 방식", "AI regulation approach", None, [
        ("comprehensive", "포괄 규제", "Comprehensive regulation"), ("sectoral", "분야별 규제", "Sectoral regulation"),
        ("voluntary", "자율 규제", "Voluntary guidelines")]),
}


# --------------------------------------------------------------------------------------------------
# Number rendering as newspapers write them


def ko_number(n: int) -> str:
    """Korean newspaper form of a non-negative integer: 35000 -> "3만5000", 5e11 -> "5000억"."""
    if n == 0:
        return "0"
    parts = []
    for size, word in ((10**12, "조"), (10**8, "억"), (10**4, "만")):
        if n >= size:
            parts.append(f"{n // size}{word}")
            n %= size
    if n:
        parts.append(str(n))
    return "".join(parts)


def en_number(n: int) -> str:
    if n >= 10**9 and n % 10**7 == 0:
        return f"{n / 10**9:g} billion"
    if n >= 10**6 and n % 10**4 == 0:
        return f"{n / 10**6:g} million"
    return f"{n:,}"


def topic_particle(word: str) -> str:
    """은 or 는 after ``word`` (은 after a final consonant); 은(는) when the last letter is not Hangul."""
    last = word[-1]
    if "가" <= last <= "힣":
        return "은" if (ord(last) - 0xAC00) % 28 else "는"
    if last.isdigit() or last.isascii():
        return "은(는)"
    return "은"


def round_sig(x: float, digits: int) -> int:
    if x == 0:
        return 0
    sign = -1 if x < 0 else 1
    x = abs(x)
    mag = len(str(int(x))) - digits
    step = 10 ** max(mag, 0)
    return sign * max(step, round(x / step) * step)


# --------------------------------------------------------------------------------------------------


@dataclass
class Registry:
    entities: dict = field(default_factory=dict)          # key -> entity dict (YAML form)
    ko: dict = field(default_factory=dict)                # key -> Korean name used in sentences
    en: dict = field(default_factory=dict)                # key -> English name used in sentences
    by_type: dict = field(default_factory=dict)           # type -> [keys]
    sources: list = field(default_factory=list)           # keys facts may be attributed to


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-").replace("--", "-")


def build_registry(rng: random.Random) -> tuple[Registry, dict]:
    from babel import Locale

    ko_names, en_names = Locale("ko").territories, Locale("en").territories
    reg = Registry()

    def add(key, kind, ko, en, **extra):
        ent = {"type": kind, "label": {"en": en, "ko": ko}}
        ent.update({k: v for k, v in extra.items() if v is not None})
        reg.entities[key] = ent
        reg.ko[key], reg.en[key] = ko, en
        reg.by_type.setdefault(kind, []).append(key)

    for code in COUNTRIES:
        reg.ko[code] = COUNTRY_SHORT_KO.get(code, ko_names[code])
        reg.en[code] = COUNTRY_SHORT_EN.get(code, en_names[code])
        reg.by_type.setdefault("country", []).append(code)

    for key, ko, en, country in WELL_KNOWN_ORGS:
        add(key, "organization", ko, en, country=country)
    orgs = [(s, t, k) for s in ORG_SCOPES for t in ORG_TOPICS for k in ORG_KINDS]
    for (sko, sen), (tko, ten), (kko, ken) in rng.sample(orgs, 60):
        add(_slug(f"{sen} {ten} {ken}"), "organization", f"{sko}{tko}{kko}", f"{sen} {ten} {ken}",
            country="KR" if sen == "Korea" else rng.choice(COUNTRIES[:12]))
    companies = [(p, s) for p in COMPANY_STEMS for s in COMPANY_SUFFIXES]
    chosen = rng.sample(companies, 240)
    for i, ((pko, pen), (sko, sen)) in enumerate(chosen):
        key = _slug(f"{pen} {sen}")
        parent = None
        if i >= 40 and rng.random() < 0.15:  # some are subsidiaries of one of the first 40
            (_, ppen), (_, psen) = chosen[rng.randrange(40)]
            parent = _slug(f"{ppen} {psen}")
        aliases = {"en": [f"{pen} {sen} Inc."]} if rng.random() < 0.3 else None
        add(key, "company", f"{pko}{sko}", f"{pen} {sen}", country=rng.choice(["KR"] * 6 + COUNTRIES[1:10]),
            parent=parent, aliases=aliases)
    people = [(f, g) for f in FAMILY for g in GIVEN]
    for (fko, fen), (gko, gen) in rng.sample(people, 100):
        role, employer_type = rng.choice(ROLES)
        employer = rng.choice(reg.by_type[employer_type])
        add(_slug(f"{fen} {gen}"), "person", f"{fko}{gko}", f"{fen} {gen}", role=dict(role), employer=employer)
    for key, ko, en in PUBLISHERS:
        add(key, "publisher", ko, en, country="KR")
    for key, ko, en in COUNTRY_GROUPS:
        add(key, "country-group", ko, en)
    for key, ko, en in EVENTS:
        add(key, "event", ko, en)
    assert len(reg.entities) == sum(len(v) for k, v in reg.by_type.items() if k != "country"), "duplicate key"
    reg.sources = reg.by_type["organization"] + reg.by_type["company"][:80] + reg.by_type["person"]

    docs = {
        "countries": {"countries": {c: {"aliases": a} for c, a in COUNTRY_ALIASES.items()}},
        "entities": {"entities": reg.entities},
        "units": {"units": {k: {"label": {"en": en, "ko": ko}, "kind": kind}
                            for k, (ko, en, kind, _, _) in UNITS.items()}},
        "indicators": {"indicators": {
            k: {"label": {"en": en, "ko": ko}, "unit": unit, "non_negative": nonneg}
            for k, (ko, en, unit, _, _, _, _, nonneg) in INDICATORS.items()}},
        "rankings": {"rankings": {
            k: {key: val for key, val in (("label", {"en": en, "ko": ko}), ("publisher", pub),
                                          ("criterion", crit), ("size", size)) if val is not None}
            for k, (ko, en, pub, crit, size, _) in RANKINGS.items()}},
        "classifications": {"classifications": {
            k: {key: val for key, val in (
                ("label", {"en": en, "ko": ko}), ("publisher", pub),
                ("groups", {g: {"label": {"en": gen, "ko": gko}, "tier": i + 1}
                            for i, (g, gko, gen) in enumerate(groups)})) if val is not None}
            for k, (ko, en, pub, groups) in CLASSIFICATIONS.items()}},
    }
    return reg, docs


# --------------------------------------------------------------------------------------------------
# Facts


class ArticleWriter:
    """Generates one article: its sentences (the text) and the facts read from them."""

    def __init__(self, gen: CorpusGenerator, index: int):
        self.gen, self.rng, self.reg = gen, gen.rng, gen.reg
        self.index = index
        self.lang = "ko" if self.rng.random() < 0.7 else "en"
        self.id = f"syn-{index + 1:06d}"
        self.published = dt.date(2023, 1, 1) + dt.timedelta(days=self.rng.randrange(3 * 365))
        self.publisher = self.rng.choice(self.reg.by_type["publisher"])
        self.sentences: list[str] = []
        self.facts: list[dict] = []
        self.mentions: list[str] = []
        self.context_source: str | None = None  # the source the previous sentence named (for implied)

    def name(self, key: str) -> str:
        self.mention(key)
        return (self.reg.ko if self.lang == "ko" else self.reg.en)[key]

    def mention(self, key: str) -> None:
        if key not in self.mentions:
            self.mentions.append(key)

    def subject_for(self, kinds) -> str:
        kind = self.rng.choice(kinds)
        if kind == "country":
            # Korean news is about Korea and its rivals most of the time
            return "KR" if self.rng.random() < 0.25 else self.rng.choice(COUNTRIES[:20] if self.rng.random() < .8 else COUNTRIES)
        if kind == "group":
            return self.rng.choice(self.reg.by_type["country-group"])
        return self.rng.choice(self.reg.by_type["company"])

    def attribution(self) -> tuple[str | None, str]:
        r = self.rng.random()
        if r < 0.6:
            return self.rng.choice(self.reg.sources), "stated"
        if r < 0.8 and self.context_source:
            return self.context_source, "implied"
        return None, "none"

    def add_sentence(self, text: str) -> tuple[int, int]:
        start = sum(len(s) + 1 for s in self.sentences)  # sentences are joined with "\n"
        self.sentences.append(text)
        return start, start + len(text)

    def source_phrase(self, source: str, ko_tail: str = "에 따르면") -> str:
        name = self.name(source)
        entity = self.reg.entities[source]
        if entity["type"] == "person":
            if self.lang == "ko":
                return f"{name} {entity['role']['ko']}에 따르면"
            return f"According to {name}, {entity['role']['en']} of {self.reg.en[entity['employer']]}"
        if self.lang == "ko":
            doc = "보고서" if entity["type"] == "organization" else "발표"
            return f"{name} {doc}{ko_tail}"
        return f"According to {name}"

    # -- observations ---------------------------------------------------------------------------

    def observation(self, fid: int) -> dict:
        rng = self.rng
        hot = self.gen.hot_topics
        if hot and rng.random() < 0.2:
            subject, indicator, period, values = rng.choice(hot)
            raw = rng.choice(values)
        else:
            indicator = rng.choice(list(INDICATORS))
            subject = self.subject_for(INDICATORS[indicator][3])
            period = self.published.year - rng.choice((0, 1, 1, 1, 2))
            raw = None
        ko_ind, en_ind, unit, _, low, high, decimals, _ = INDICATORS[indicator]
        if raw is None:
            raw = self.gen.draw_value(low, high, decimals)
        approximate = rng.random() < 0.3
        source, attribution = self.attribution()
        fact = {"id": f"f{fid:03d}", "kind": "observation", "subject": subject, "indicator": indicator}
        value_text, as_written, equivalent = self.render_value(raw, unit, decimals, approximate)
        fact["value"] = raw
        if as_written:
            fact["as_written"] = as_written
        if equivalent:
            fact["equivalent"] = equivalent
        fact["approximate"] = approximate
        fact["period"] = period
        if source:
            fact["source"] = source
        fact["attribution"] = attribution
        subj = self.name(subject)
        if self.lang == "ko":
            ind = ko_ind
            body = f"{subj}의 {period}년 {ind}{topic_particle(ind)} {value_text}"
            ending = rng.choice(["에 달한다", "로 나타났다", " 수준이다", "로 집계됐다"])
            if attribution == "stated":
                text = f"{self.source_phrase(source)} {body}{ending}."
            elif attribution == "implied":
                text = f"이에 따르면 {body}{ending}."
            else:
                text = f"{body}인 것으로 알려졌다."
        else:
            body = f"{subj}'s {en_ind} {'was' if period < self.published.year else 'is'} {value_text} in {period}"
            if attribution == "stated":
                text = f"{self.source_phrase(source)}, {body}."
            elif attribution == "implied":
                text = f"By the same measure, {body}."
            else:
                text = f"{body[0].upper()}{body[1:]}, it is said."
        fact["evidence"] = self.evidence(text)
        if source:
            self.context_source = source
        return fact

    def render_value(self, raw, unit: str, decimals: int, approximate: bool):
        """(text in the sentence, as_written or None, equivalent or None)."""
        _, _, _, ko_word, en_word = UNITS[unit]
        equivalent = None
        if decimals:
            num = f"{raw}"
            text = f"{num}{ko_word}" if self.lang == "ko" else f"{num} {en_word}"
            as_written = text if self.rng.random() < 0.5 else None
        else:
            n = int(raw)
            neg = n < 0
            if self.lang == "ko":
                text = ("-" if neg else "") + ko_number(abs(n)) + ko_word
            else:
                text = ("-" if neg else "") + en_number(abs(n)) + " " + en_word
            as_written = text
        hedge_ko, hedge_en = self.rng.choice([("약 ", "about "), ("", "some "), ("", "around ")])
        if approximate:
            text = f"{hedge_ko}{text}" if self.lang == "ko" else f"{hedge_en}{text}"
            if self.lang == "ko" and not hedge_ko:
                text = f"{text} 정도"
            if as_written:
                as_written = text
        if unit in ("CNY", "USD", "EUR") and raw > 0 and self.rng.random() < 0.5:
            rate = {"CNY": 190, "USD": 1350, "EUR": 1450}[unit]
            krw = round_sig(int(raw) * rate, 2)
            equivalent = {"value": krw, "unit": "KRW", "approximate": True}
            if self.lang == "ko":
                text = f"{text}(약 {ko_number(krw)}원)"
            else:
                text = f"{text} (about {en_number(krw)} won)"
            if as_written:
                as_written = text
        return text, as_written, equivalent

    def evidence(self, text: str) -> dict:
        start, end = self.add_sentence(text)
        return {"text": text, "start": start, "end": end}

    # -- ranks and memberships ------------------------------------------------------------------

    def rank(self, fid: int) -> dict:
        rng = self.rng
        key = rng.choice(list(RANKINGS))
        ko_r, en_r, publisher, _, size, kind = RANKINGS[key]
        subject = self.subject_for((kind,))
        out_of = size or rng.choice([None, 20, 30, 50, 100, 150])
        top = out_of or 60
        rank = rng.randint(1, top) if subject != "KR" else rng.randint(1, min(top, 40))
        period = self.published.year - rng.choice((0, 1, 1))
        if publisher and rng.random() < 0.8:
            source, attribution = publisher, ("stated" if rng.random() < 0.7 else "implied")
        else:
            source, attribution = self.attribution()
        fact = {"id": f"f{fid:03d}", "kind": "rank", "subject": subject, "ranking": key, "rank": rank}
        if out_of:
            fact["out_of"] = out_of
        fact["period"] = period
        if source:
            fact["source"] = source
        fact["attribution"] = attribution
        subj = self.name(subject)
        if self.lang == "ko":
            pos = f"{out_of}{'개국' if kind == 'country' else '개사'} 중 {rank}위" if out_of else f"{rank}위"
            core = f"{period}년 '{ko_r}'에서 {subj}{topic_particle(subj)} {pos}를 기록했다."
            if attribution == "stated":
                text = f"{self.name(source)}{'가' if topic_particle(self.reg.ko[source]) == '는' else '이'} 발표한 {core}"
            elif attribution == "implied":
                text = f"같은 평가의 {core}"
            else:
                text = core
        else:
            pos = f"{rank} out of {out_of}" if out_of else f"number {rank}"
            core = f"{subj} ranked {pos} in the {period} {en_r}"
            if attribution == "stated":
                text = f"{core} published by {self.name(source)}."
            elif attribution == "implied":
                text = f"In the same assessment, {core}."
            else:
                text = f"{core}."
        fact["evidence"] = self.evidence(text)
        if source:
            self.context_source = source
        return fact

    def membership(self, fid: int) -> dict:
        rng = self.rng
        key = rng.choice(list(CLASSIFICATIONS))
        ko_c, en_c, publisher, groups = CLASSIFICATIONS[key]
        subject = self.subject_for(("country",))
        # a country's tier depends on the classification and the edition (the year) only, so articles of one year
        # agree (one tier per subject per edition, a shape) while tiers move between editions; the random draws
        # of earlier versions are still made, so the rest of a generated corpus is unchanged
        if rng.random() >= 0.9:
            rng.randrange(len(groups))
        gi = (COUNTRIES.index(subject) * 7 + len(key) + self.published.year) % len(groups)
        gkey, gko, gen_ = groups[gi]
        if publisher:
            source, attribution = publisher, rng.choice(["stated", "stated", "implied"])
        else:
            source, attribution = self.attribution()
        fact = {"id": f"f{fid:03d}", "kind": "membership", "subject": subject, "group": f"{key}/{gkey}"}
        fact["period"] = self.published.year
        if source:
            fact["source"] = source
        fact["attribution"] = attribution
        subj = self.name(subject)
        if self.lang == "ko":
            core = f"{subj}{topic_particle(subj)} '{ko_c}'에서 '{gko}'에 해당한다."
            text = f"{self.name(source)}에 따르면 {core}" if attribution == "stated" else core
        else:
            core = f"{subj} is among the {gen_} of the {en_c}."
            text = f"According to {self.name(source)}, {core[0].lower()}{core[1:]}" if attribution == "stated" else core
        fact["evidence"] = self.evidence(text)
        return fact

    # -- whole article --------------------------------------------------------------------------

    def write(self) -> tuple[dict, str]:
        rng = self.rng
        n_facts = max(1, int(rng.gauss(10, 4)))
        kinds = rng.choices(["observation", "rank", "membership"], weights=[6, 3, 1.5], k=n_facts)
        lead = None
        if self.lang == "ko":
            lead_subject = self.name(rng.choice(["KR"] * 3 + COUNTRIES[1:8]))
            lead = f"{lead_subject} AI 경쟁력, 어디까지 왔나"
        else:
            lead_subject = self.name(rng.choice(["KR"] * 3 + COUNTRIES[1:8]))
            lead = f"Where {lead_subject} stands in the AI race"
        self.add_sentence(lead)
        for i, kind in enumerate(kinds, start=1):
            self.facts.append(getattr(self, kind)(i))
        article = {"id": self.id, "title": lead}
        if self.lang == "ko" and rng.random() < 0.5:
            article["title_en"] = f"AI competitiveness: where things stand ({self.id})"
        text = "\n".join(self.sentences) + "\n"
        article.update({
            "publisher": self.publisher,
            "language": self.lang,
            "published": self.published,
            "url": f"https://news.example.org/{self.publisher}/{self.published:%Y/%m}/{self.id}",
            "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "mentions": list(self.mentions),
            "draft": False,
        })
        return {"article": article, "facts": self.facts}, text


class CorpusGenerator:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.reg, self.registry_docs = build_registry(self.rng)
        # (subject, indicator, period) reported differently by different articles
        self.hot_topics = []
        for _ in range(40):
            indicator = self.rng.choice(list(INDICATORS))
            _, _, _, kinds, low, high, decimals, _ = INDICATORS[indicator]
            subject = "KR" if self.rng.random() < 0.3 else (
                self.rng.choice(COUNTRIES[:15]) if "country" in kinds else self.rng.choice(self.reg.by_type["company"][:30]))
            if subject in COUNTRIES and "country" not in kinds:
                subject = self.rng.choice(self.reg.by_type["company"][:30])
            if subject not in COUNTRIES and "company" not in kinds:
                subject = "KR"
            values = [self.draw_value(low, high, decimals) for _ in range(self.rng.choice((2, 3)))]
            self.hot_topics.append((subject, indicator, 2023, values))

    def draw_value(self, low: float, high: float, decimals: int):
        rng = self.rng
        if decimals:
            return round(rng.uniform(low, high), decimals)
        if low < 0:  # profits and losses
            return round_sig(rng.uniform(low, high), 2) if rng.random() < 0.3 else round_sig(
                10 ** rng.uniform(10, 13.5), 2)
        return round_sig(10 ** rng.uniform(math.log10(low), math.log10(high)), rng.choice((1, 2, 2, 3)))


def _dump(data) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000,
                     default_flow_style=False)


def generate(out_dir: str | Path, articles: int, seed: int = 1, *, texts: bool = True) -> dict:
    """Write the corpus to ``out_dir``; returns counts ``{"articles", "facts", "entities"}``."""
    if articles < 0:
        raise ValueError("articles must be >= 0")
    out = Path(out_dir)
    gen = CorpusGenerator(seed)
    (out / "registries").mkdir(parents=True, exist_ok=True)
    (out / "articles").mkdir(parents=True, exist_ok=True)
    if texts:
        (out / "texts").mkdir(parents=True, exist_ok=True)
    for name, doc in gen.registry_docs.items():
        (out / "registries" / f"{name}.yaml").write_text(_dump(doc), encoding="utf-8")
    facts = 0
    for i in range(articles):
        sheet, text = ArticleWriter(gen, i).write()
        facts += len(sheet["facts"])
        aid = sheet["article"]["id"]
        (out / "articles" / f"{aid}.yaml").write_text(_dump(sheet), encoding="utf-8")
        if texts:
            (out / "texts" / f"{aid}.txt").write_text(text, encoding="utf-8")
    return {"articles": articles, "facts": facts, "entities": len(gen.reg.entities)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", "-n", type=int, required=True, help="number of articles to write")
    parser.add_argument("--seed", "-s", type=int, default=1, help="random seed (same seed, same corpus)")
    parser.add_argument("-o", "--out", required=True, help="output folder (registries/, articles/, texts/)")
    parser.add_argument("--no-texts", action="store_true", help="do not write texts/<id>.txt")
    args = parser.parse_args(argv)
    if args.articles < 0:
        parser.error("--articles must be >= 0")
    counts = generate(args.out, args.articles, args.seed, texts=not args.no_texts)
    print(f"wrote {counts['articles']} articles, {counts['facts']} facts, {counts['entities']} registry entities "
          f"to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

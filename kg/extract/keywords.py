"""Keyword tables: which words in a sentence point to which indicator or ranking series of the registries.

Kept here, not in the registry files (the loader accepts no unknown keys there). Keys that the registries do not
define are ignored, so the tables may name more than the current registries hold. The registry's own labels
(ko and en) count as keywords too, split into words (see ``kg.extract.engine``).
"""
from __future__ import annotations

INDICATOR_KEYWORDS: dict[str, dict[str, list[str]]] = {
    "h100-gpus-held": {
        "ko": ["H100", "GPU", "그래픽처리장치", "엔비디아", "AI 칩", "반도체 칩"],
        "en": ["H100", "GPU", "GPUs", "graphics processing unit", "Nvidia", "NVIDIA", "accelerators"],
    },
    "ai-workforce": {
        "ko": ["AI 인력", "인력", "인재", "전문 인력", "전문가", "개발자", "연구자"],
        "en": ["workforce", "talent", "specialists", "engineers", "researchers", "AI workers", "professionals"],
    },
    "ai-industry-size": {
        "ko": ["산업 규모", "시장 규모", "AI 산업", "산업규모", "시장규모"],
        "en": ["industry size", "AI industry", "market size", "industry is worth", "sector is worth", "market"],
    },
    "ai-companies": {
        "ko": ["전문 기업", "AI 기업", "기업", "업체", "스타트업", "회사"],
        "en": ["AI companies", "companies", "firms", "startups", "businesses"],
    },
    "labour-productivity-per-hour": {
        "ko": ["노동생산성", "시간당", "생산성"],
        "en": ["labour productivity", "labor productivity", "productivity", "per hour", "an hour"],
    },
    "ai-investment": {
        "ko": ["투자", "투자액", "투자 규모"],
        "en": ["investment", "invested", "investing", "private investment"],
    },
    "ai-investment-commitment": {
        "ko": ["투자 계획", "펀드", "조성", "투자하기로", "투입하기로", "투자를 약속", "출자"],
        "en": ["pledged", "pledge", "will invest", "commitment", "committed", "earmarked", "fund", "mobilise",
               "mobilize", "initiative", "plans to invest"],
    },
    "hopper-gpus-purchased": {
        "ko": ["구매", "사들", "구입", "매입", "주문"],
        "en": ["bought", "buy", "buys", "purchased", "purchases", "ordered", "acquired"],
    },
    "hbm-market-share": {
        "ko": ["고대역폭메모리", "HBM"],
        "en": ["high-bandwidth memory", "high bandwidth memory", "HBM"],
    },
    "dram-revenue-share": {
        "ko": ["D램", "디램"],
        "en": ["DRAM revenue", "DRAM market", "DRAM sales"],
    },
    "foundry-market-share": {
        "ko": ["파운드리", "위탁생산"],
        "en": ["foundry", "contract chipmaking", "contract chip-making", "contract manufacturing"],
    },
    "ai-talent-outflow": {
        "ko": ["해외로 떠난", "해외 유출", "유출", "해외로 이직", "해외 취업", "두뇌 유출"],
        "en": ["left to work abroad", "left the country", "moved abroad", "went abroad", "brain drain", "outflow",
               "emigrated", "leaving the country"],
    },
    "government-ai-budget": {
        "ko": ["예산", "정부 예산", "예산안"],
        "en": ["budget", "government said it would spend", "will spend", "would spend"],
    },
    "private-ai-investment": {
        "ko": ["민간 투자", "민간 AI 투자"],
        "en": ["private investment", "private AI investment", "venture"],
    },
}

# Words that must be in the sentence for a figure to be read as the indicator at all (besides a unit match).
INDICATOR_REQUIRED: dict[str, dict[str, list[str]]] = {
    "h100-gpus-held": {"ko": ["H100"], "en": ["H100"]},
    "labour-productivity-per-hour": {"ko": ["생산성", "시간당"], "en": ["productivity", "per hour", "an hour"]},
}

RANKING_KEYWORDS: dict[str, dict[str, list[str]]] = {
    "unido-cip": {
        "ko": ["제조업경쟁력지수", "제조업 경쟁력", "CIP", "UNIDO", "유엔산업개발기구"],
        "en": ["Competitive Industrial Performance", "CIP", "UNIDO", "manufacturing competitiveness"],
    },
    "oecd-labour-productivity": {
        "ko": ["노동생산성", "시간당"],
        "en": ["labour productivity", "labor productivity", "productivity", "per hour"],
    },
    "tortoise-global-ai-index": {
        "ko": ["토터스", "글로벌 AI 지수", "AI 순위", "AI 지수", "AI 경쟁력 순위"],
        "en": ["Tortoise", "Global AI Index", "AI index", "AI ranking"],
    },
    "ai-patent-applications": {
        "ko": ["특허"],
        "en": ["patent"],
    },
    "bcg-ai-operating-environment": {
        "ko": ["운영 환경", "운영환경"],
        "en": ["operating environment"],
    },
    "kiaf-ai-workforce": {
        "ko": ["AI 인력", "인력", "인재"],
        "en": ["AI workforce", "AI talent", "talent", "workforce"],
    },
}

# Sentence openers that make a figure unattributed ("일각에서는 ... 추정", "some estimate").
UNATTRIBUTED_MARKERS = {
    "ko": ["일각에서는", "일각에선", "업계에서는", "업계에선", "시장에서는", "다른 추정", "일부에서는"],
    "en": ["Some estimate", "some estimate", "Other estimates", "other estimates", "Some analysts", "Others put"],
}

# Words that say a rank is the overall one, not a sub-index's ("종합 12위", "12th overall").
OVERALL_WORDS = {
    "ko": ["종합", "전체 순위", "총점"],
    "en": ["overall", "composite", "total score"],
}

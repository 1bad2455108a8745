"""Linguistic word lists of each language, which ``kg.extract.languages`` gives to the engine.

The words that name a measure, the words an indicator cannot be read without and the words of scopes are in the
registries (``keywords:`` and ``required:`` of indicators, ``scopes:`` of ``languages:``; docs/fact-sheets.md);
what is left here is how a language marks unattributed estimates, overall ranks, bounds, forecasts and ranges.
"""
from __future__ import annotations

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

# How a sentence bounds or frames a figure (docs/fact-sheets.md `qualifier`). A figure the language rules call a
# bound or a target (``not_a_fact``) is a fact with the qualifier these words give; forecast words make a figure
# that is a fact a forecast. "before"/"after": the words right before or after the figure.
QUALIFIER_WORDS = {
    "ko": {
        "upper-bound": {"before": ["최대", "많아야", "기껏"],
                        "after": ["이하", "미만", "못 미", "채 되지", "채 안", "안 되", "밑돌", "에 그칠", "까지"]},
        "lower-bound": {"before": ["최소", "적어도"],
                        "after": ["이상", "넘", "초과", "웃돌", "돌파", "넘어", "상회", "여"]},
    },
    "en": {
        "upper-bound": {"before": ["up to", "fewer than", "less than", "under", "at most", "below", "no more than",
                                   "as many as", "as much as"],
                        "after": ["or less", "or fewer", "at most"]},
        "lower-bound": {"before": ["more than", "over", "at least", "exceeding", "above", "upwards of",
                                   "in excess of", "topped", "tops", "surpassed", "exceeded"],
                        "after": ["or more", "plus", "and up"]},
    },
}
FORECAST_WORDS = {
    "ko": ["전망", "예상", "예측", "관측", "내다봤", "내다본", "추산된다", "것으로 보인다", "할 것으로"],
    "en": ["forecast", "forecasts", "projected", "projects", "expected to", "is expected", "are expected",
           "will expand", "will reach", "will grow", "will rise", "foresees", "predicts", "predicted", "outlook"],
}
# words between two figures that make them one range ("35,000~85,000명", "between 35,000 and 85,000")
# ("A and B" only after "between"; "A to B" not after "from", which is a change)
RANGE_GAP = {"ko": r"\s?[~∼〜～]\s?", "en": r"\s?[~∼–]\s?|\s+to\s+(?:about\s+)?(?:US)?\$?"}
RANGE_BETWEEN = {"ko": None, "en": (r"\bbetween\s+(?:about\s+|around\s+|some\s+)?(?:US)?\$?$", r"\s+and\s+(?:US)?\$?")}
RANGE_NOT_AFTER = {"ko": None, "en": r"\bfrom\s+(?:about\s+|around\s+)?(?:US)?\$?$"}

# Words right before a rank that name where or how it is counted, not a pillar of the ranking ("세계 6위", "종합 5위")
NOT_PILLAR = {"세계", "전 세계", "종합", "전체", "국가", "아시아", "유럽", "역대", "최저", "최고", "순위", "종합순위", "공동",
              "단독", "각각", "기록", "지난해", "올해", "작년", "계단", "평균", "점수", "종합점수", "국내", "글로벌",
              "OECD", "중", "가운데", "만에", "처음", "최초", "차지", "사상", "이는", "전년", "당시"}

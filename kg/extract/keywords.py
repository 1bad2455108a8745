"""Keyword tables: which words in a sentence point to which indicator or ranking series of the registries.

The words that name a measure are in the registries (``keywords:``, plus the entries' own labels and a ranking's
publisher, see ``kg.extract.engine``); what is left here is linguistic: markers of unattributed estimates and of
overall ranks, and the words an indicator cannot be read without.
"""
from __future__ import annotations

# Measure-specific words now live in the registries (`keywords:` of indicators, ranking series and groups, see
# docs/fact-sheets.md), where an analyst adding a measure also says how articles name it. These tables stay for
# words that cannot go there yet; they are merged with the registry's keywords.
INDICATOR_KEYWORDS: dict[str, dict[str, list[str]]] = {}

# Words that must be in the sentence for a figure to be read as the indicator at all (besides a unit match).
INDICATOR_REQUIRED: dict[str, dict[str, list[str]]] = {
    "h100-gpus-held": {"ko": ["H100"], "en": ["H100"]},
    "labour-productivity-per-hour": {"ko": ["생산성", "시간당"], "en": ["productivity", "per hour", "an hour"]},
}

RANKING_KEYWORDS: dict[str, dict[str, list[str]]] = {}

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

"""The extractor's tuning numbers, named: confidences of subject choices and weights of measure evidence.

Every number the readers use to prefer one reading over another lives here, so a change of tuning is one edit in
one place (and shows in review as such). Changing any of them changes drafts: re-run ``kg eval-extract --corpus``
and the synthetic sets (docs/evaluation.md) before and after.
"""
from __future__ import annotations

from typing import Final

# How sure the extractor is of a figure's subject, by where the subject was found (``SentenceContext.subject_at``).
CONFIDENCE: Final[dict[str, float]] = {
    "respectively": 0.85,          # "미국과 중국이 각각 1위와 2위", "… respectively"
    "bracket": 0.85,               # "삼성전자(33.7%)": the name the bracket belongs to
    "named_after": 0.8,            # "1위는 미국이 차지했고": the holder named after the figure
    "segment_topic": 0.9,          # the topic (은/는, a clause subject) of the figure's own list segment
    "segment": 0.8,                # another name of the figure's segment
    "aside": 0.75,                 # "Japan, at 12th, slipped": the name before an aside set off by commas
    "unknown_name": 0.6,           # a name the registries lack
    "topic_before": 0.8,           # the sentence topic, before the figure
    "topic_after": 0.7,            # the sentence topic, after the figure
    "previous_sentence": 0.6,      # the subject of the previous sentence of the paragraph
    "home_country": 0.6,           # "정부", "국내": the home country of the language (registry ``languages:``)
    "earlier_paragraph": 0.5,      # the last subject of an earlier paragraph, in a sentence naming no one
    "inferred_order": 0.75,        # a rank inferred from the order of a list ("after A and B", "followed by")
    "same_group": 0.75,            # "일본과 독일도 같은 그룹": the group named before
    "group_member": 0.85,          # a name listed as a group's member
    "joint_max": 0.8,              # a figure held jointly by the names of a list (at most)
    "proposed_holder": 0.6,        # an unregistered name proposed as the holder of a figure
    "weak_subject": 0.6,           # at most this: a guessed subject, which a market's size replaces by the world
    "world_market": 0.6,           # the world as the holder of a market's size
}

# Factors applied to a confidence.
FACTOR: Final[dict[str, float]] = {
    "headline": 0.6,               # a figure read in a headline
    "carried_series": 0.9,         # a rank whose ranking is carried from earlier sentences, not named here
    "carried_measure": 0.85,       # a figure whose measure is carried from earlier sentences
    "bare_number": 0.8,            # a figure without counter or currency
    "joint_holder": 0.9,           # the other names of "A and B … N units"
}

# Weights of the evidence for a measure (an indicator or a ranking series): where its words are found.
MEASURE: Final[dict[str, float]] = {
    # indicator words: the figure's own segment (to a few characters after it), the sentence, the previous one
    "figure_segment": 3.0,
    "sentence": 1.5,
    "previous_sentence": 0.7,
    # ranking words: the rank's window, the sentence; the previous sentence only when this one names none
    "rank_window": 3.0,
    "rank_sentence": 1.0,
    "rank_previous_sentence": 0.5,
    "publisher_named": 2.0,        # the ranking's publisher is the source or is named in the sentence
    "size_fits": 4.0,              # "주요 20개국 가운데 9위" for a ranking of 20
    "size_differs": -2.0,          # a rank out of another number than the ranking's size
    "current": 1.5,                # the ranking (or its criterion) the article is talking about
    "narrower_own_words": 2.0,     # a narrower measure whose own words are right at the figure
    # keyword tables built from the registry
    "curated": 1.5,                # a registry ``keywords`` word ...
    "curated_per_word": 0.1,       # ... plus this per word of it
    "label_word": 1.0,             # a content word of the label; an acronym of the English label; the publisher
    "label_min": 2.0,              # the whole label at least ...
    "label_base": 0.5,             # ... or this plus the weights of its words
}

# How far around a figure the readers look (characters).
WINDOW: Final[dict[str, int]] = {
    "measure_after": 12,           # measure words right after a figure ("12%의 점유율")
    "measure_after_clause": 90,    # languages that name the measure after the figure: to the end of the clause
}

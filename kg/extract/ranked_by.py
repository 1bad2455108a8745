"""Ranks by the figure stated with them: "3위는 X가 매출 N달러로 …", "1위는 Y(26개)", "Z ranked third with N".

A rank no registry ranking fits and no ranking title of the article names is still a place in an order, and the
sentence often says by what: the holder's own figure in the same sentence. Such a rank becomes a rank of a
proposed ranking "<the figure's measure> 순위" / "<measure> ranking" (the language's ``ranking_word``), whose ``criterion`` is that measure, instead
of being left pending. One proposal serves every rank of the article ordered by the same measure.
"""
from __future__ import annotations

import re

from ..model import Registry
from .engine import Candidate
from .languages import LANGUAGES
from .propose import Proposals

NO_SERIES = "no ranking series matches the context"
_NOTE = "proposed by kg extract: the order of the figures stated with the ranks; check the name and publisher"


def _ranking_word(lang: str) -> str:
    """The word naming a ranking in ``lang`` ("순위", "ranking"), from the registry of languages."""
    spec = LANGUAGES.get(lang)
    return spec.ranking_word if spec is not None else "ranking"


def _label(registry: Registry, proposals: Proposals, indicator: str, lang: str) -> str | None:
    if indicator in registry.indicators:
        labels = registry.indicators[indicator].label
    else:
        entry = proposals.entries["indicators"].get(indicator)
        labels = entry["label"] if entry else {}
    return labels.get(lang) or labels.get("en")


def _criterion(rank: Candidate, candidates: list[Candidate]) -> Candidate | None:
    """The holder's figure in the rank's sentence (``candidates``: the figures of that sentence): the first after
    the rank, else the nearest before it."""
    own = [c for c in candidates if c.kind == "observation" and c.sentence is rank.sentence
           and c.subject == rank.subject and c.measure is not None and c.problem is None]
    after = [c for c in own if c.span[0] >= rank.span[1]]
    if after:
        return min(after, key=lambda c: c.span[0])
    before = [c for c in own if c.span[1] <= rank.span[0]]
    return max(before, key=lambda c: c.span[0]) if before else None


# a measure that is a rate of change ("실질 노동생산성 상승률", "growth rate of …")
_CHANGE = re.compile(r"상승률|증가율|성장률|감소율|증감률|하락률|\bgrowth\b|\bchange\b|\bincrease\b", re.IGNORECASE)
# between a figure and the rank it is ranked by, in one clause: "1.2%로 OECD 국가 중 9위", "1.2%, ninth among"
_FIGURE_TO_RANK = re.compile(r"[^,;.\d]{0,30}")


def _changed_criterion(rank: Candidate, candidates: list[Candidate], registry: Registry,
                       proposals: Proposals, lang: str) -> Candidate | None:
    """"상승률은 1.2%로 OECD 국가 중 9위": a rank stated right after its holder's rate of change ranks that rate,
    not the level the registry ranking orders by (``candidates``: the figures of the rank's sentence)."""
    series = registry.rankings.get(rank.measure or "")
    entry = proposals.entries["rankings"].get(rank.measure or "")
    if series is not None:
        criterion_key = series.criterion
        criterion = (_label(registry, proposals, series.criterion, lang) if series.criterion else None) \
            or series.label.get(lang) or series.label.get("en") or ""
    elif entry is not None:
        criterion_key = entry.get("criterion")
        criterion = entry["label"].get(lang) or entry["label"].get("en") or ""
    else:
        return None
    text = rank.sentence.text
    before = [c for c in candidates if c.kind == "observation" and c.sentence is rank.sentence
              and c.subject == rank.subject and c.measure not in (None, criterion_key) and c.problem is None
              and c.span[1] <= rank.span[0]]
    if not before:
        return None
    figure = max(before, key=lambda c: c.span[0])
    if figure.measure is None:
        return None
    label = _label(registry, proposals, figure.measure, lang) or ""
    if _CHANGE.search(label) and not _CHANGE.search(criterion) \
            and _FIGURE_TO_RANK.fullmatch(text, figure.span[1], rank.span[0]):
        return figure
    return None


def rank_by_figures(candidates: list[Candidate], registry: Registry, proposals: Proposals, lang: str) -> None:
    """Give every rank left without a ranking the proposed ranking of its holder's figure, and a rank of a
    rate of change the ranking of that rate (in place)."""
    # the figures of each sentence, in order: a rank looks only at its own sentence's (only ranks change below)
    figures: dict[int, list[Candidate]] = {}
    for c in candidates:
        if c.kind == "observation":
            figures.setdefault(id(c.sentence), []).append(c)
    for rank in candidates:
        if rank.kind == "rank" and rank.problem is None and rank.subject is not None:
            changed = _changed_criterion(rank, figures.get(id(rank.sentence), []), registry, proposals, lang)
            label = _label(registry, proposals, changed.measure, lang) \
                if changed is not None and changed.measure is not None else None
            if changed is not None and changed.measure is not None and label:
                series = registry.rankings.get(rank.measure or "")
                publisher = series.publisher if series is not None else \
                    proposals.entries["rankings"].get(rank.measure or "", {}).get("publisher")
                key = proposals.ranking(f"{label} {_ranking_word(lang)}", lang, publisher, _NOTE)
                proposals.entries["rankings"].get(key, {}).setdefault("criterion", changed.measure)
                rank.measure = key
                rank.note = rank.note or f"ranked by the rate stated with it ({changed.as_written})"
            continue
        if rank.kind != "rank" or rank.problem != NO_SERIES or rank.subject is None:
            continue
        figure = _criterion(rank, figures.get(id(rank.sentence), []))
        if figure is None or figure.measure is None:
            continue
        label = _label(registry, proposals, figure.measure, lang)
        if not label:
            continue
        publisher = rank.source if rank.source in registry.entities or \
            rank.source in proposals.entries["entities"] else None
        key = proposals.ranking(f"{label} {_ranking_word(lang)}", lang, publisher, _NOTE)
        entry = proposals.entries["rankings"].get(key)
        if entry is not None:
            entry.setdefault("criterion", figure.measure)
        rank.measure, rank.problem = key, None
        rank.note = rank.note or f"ranked by the figure stated with it ({figure.as_written})"

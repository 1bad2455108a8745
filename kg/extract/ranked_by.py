"""Ranks by the figure stated with them: "3위는 X가 매출 N달러로 …", "1위는 Y(26개)", "Z ranked third with N".

A rank no registry ranking fits and no ranking title of the article names is still a place in an order, and the
sentence often says by what: the holder's own figure in the same sentence. Such a rank becomes a rank of a
proposed ranking "<the figure's measure> 순위" / "<measure> ranking", whose ``criterion`` is that measure, instead
of being left pending. One proposal serves every rank of the article ordered by the same measure.
"""
from __future__ import annotations

from .engine import Candidate
from .propose import Proposals
from ..model import Registry

NO_SERIES = "no ranking series matches the context"
_SUFFIX = {"ko": "순위", "en": "ranking"}
_NOTE = "proposed by kg extract: the order of the figures stated with the ranks; check the name and publisher"


def _label(registry: Registry, proposals: Proposals, indicator: str, lang: str) -> str | None:
    if indicator in registry.indicators:
        labels = registry.indicators[indicator].label
    else:
        entry = proposals.entries["indicators"].get(indicator)
        labels = entry["label"] if entry else {}
    return labels.get(lang) or labels.get("en")


def _criterion(rank: Candidate, candidates: list[Candidate]) -> Candidate | None:
    """The holder's figure in the rank's sentence: the first after the rank, else the nearest before it."""
    own = [c for c in candidates if c.kind == "observation" and c.sentence is rank.sentence
           and c.subject == rank.subject and c.measure is not None and c.problem is None]
    after = [c for c in own if c.span[0] >= rank.span[1]]
    if after:
        return min(after, key=lambda c: c.span[0])
    before = [c for c in own if c.span[1] <= rank.span[0]]
    return max(before, key=lambda c: c.span[0]) if before else None


def rank_by_figures(candidates: list[Candidate], registry: Registry, proposals: Proposals, lang: str) -> None:
    """Give every rank left without a ranking the proposed ranking of its holder's figure (in place)."""
    for rank in candidates:
        if rank.kind != "rank" or rank.problem != NO_SERIES or rank.subject is None:
            continue
        figure = _criterion(rank, candidates)
        if figure is None or figure.measure is None:
            continue
        label = _label(registry, proposals, figure.measure, lang)
        if not label:
            continue
        publisher = rank.source if rank.source in registry.entities or \
            rank.source in proposals.entries["entities"] else None
        key = proposals.ranking(f"{label} {_SUFFIX.get(lang, 'ranking')}", lang, publisher, _NOTE)
        entry = proposals.entries["rankings"].get(key)
        if entry is not None:
            entry.setdefault("criterion", figure.measure)
        rank.measure, rank.problem = key, None
        rank.note = rank.note or f"ranked by the figure stated with it ({figure.as_written})"

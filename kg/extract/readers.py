"""The readers of the extractor: each turns one sentence's context into candidate facts of one kind.

``Engine.run`` builds the :class:`~kg.extract.context.SentenceContext` of every sentence and hands it, with the
:class:`~kg.extract.context.ArticleState`, to each reader of :data:`READERS` in turn:

- :class:`RankReader`: ranks ("33위", "33rd"), their ranking series, and the places a list implies;
- :class:`QuantityReader`: figures with their measure, unit, qualifier and equivalent;
- :class:`GroupReader`: memberships of a classification's groups ("1등급 국가", "the second tier");
- :class:`SameGroupReader`: "일본과 독일도 같은 그룹" after a group was named;
- :class:`JointHolderReader`, :class:`ExtraPeriodReader`: one fact for every name or year of a list
  (language hooks ``joint_holders`` / ``extra_periods``);
- :class:`SeriesFromFiguresReader`: a rank no ranking fits, by the figure or market stated with it;
- :class:`QuotedSpeakerReader`: a quoted person the registries lack, on the facts of the quotation.

A new sentence pattern of one language belongs in that language's rules (``patterns_*``); a new kind of reading
that holds for every language is a new reader added to :data:`READERS` (docs/extract.md).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol, TypedDict

from .context import ArticleState, Candidate, Sentence, SentenceContext
from .figures import Quantity
from .gates import gated
from .languages import alternatives
from .resolve import Mention
from .scoring import SentenceHits
from .weights import CONFIDENCE, FACTOR, MEASURE, WINDOW

if TYPE_CHECKING:
    from .engine import Engine


class Reader(Protocol):
    """Reads one sentence's context into candidates. A reader with ``every_sentence = False`` promises to find
    nothing in a sentence with no rank, figure or group name; when every reader of an engine says so, such sentences
    get a short context (what carries to the next sentence) and no reader (``Engine.run``). A reader without the
    attribute sees every sentence with its full context."""

    def read(self, eng: Engine, ctx: SentenceContext, st: ArticleState) -> None: ...


_RANK_CHANGE = re.compile(r"\s?(?:→|->|에서)\s?")
# where an English figure's clause ends (its measure may be named after it)
_CLAUSE_STOP = re.compile(r"[,;:]|\s(?:but|while|whereas|and)\s")
# between a rank and the figure it is ranked by: "first place with a purchase volume of ", "third, at "
_FIGURE_AFTER_RANK = re.compile(r"\s*(?:place|spot|position)?,?\s+(?:with|at|on)\b[^;:]{0,60}", re.IGNORECASE)

# the languages' ``score_context``, ``score_bound``, ``out_of_before`` (kg/extract/languages.py)
_SCORE_CONTEXT = gated(alternatives("score_context"), re.IGNORECASE)
_SCORE_BOUND = re.compile(alternatives("score_bound"), re.IGNORECASE)
_OUT_OF_BEFORE = gated(alternatives("out_of_before"), re.IGNORECASE)


# differences in percentage points, ranges ("30%대", "in the 30s") and shortfalls ("10%에도 못 미친다"): not a level
_POINTS_AFTER = re.compile(alternatives("points_after"), re.IGNORECASE)   # the languages' ``points_after``
_RANGE_AFTER = re.compile(alternatives("range_after"))       # the languages' ``range_after``
_SHORT_AFTER = re.compile(alternatives("short_after"))       # the languages' ``short_after``


def _weighted(parts: Iterable[tuple[dict[str, float], float]]) -> dict[str, float]:
    """Keyword weight per key over windows already scored, each with its weight: ``Engine._score`` of the windows
    (the same sums in the same order, keys in the order found)."""
    scores: dict[str, float] = {}
    for found, weight in parts:
        for key, raw in found.items():
            scores[key] = scores.get(key, 0.0) + raw * weight
    return scores


class _RankBase(TypedDict):
    """The fields a rank and the ranks inferred beside it share (Candidate's keywords)."""

    sentence: Sentence
    measure: str | None
    kind: str
    source: str | None
    attribution: str
    period: str | None
    period_note: str | None


def _not_a_level(text: str, q: Quantity) -> str | None:
    after = text[q.end:q.end + 24]
    if q.unit == "times":
        return "a ratio (\u201c9배\u201d, \u201c12 times\u201d), not a value"
    if _POINTS_AFTER.match(after):
        return "a difference in percentage points, not a level"
    if q.unit == "percent" and _RANGE_AFTER.match(after):
        return "a range (\u201c30%대\u201d), not a figure"
    if _SHORT_AFTER.match(after):
        return "a bound (falls short of the figure), not the figure"
    if q.kind == "count" and _PRICE_AFTER.match(after):
        return "the count a price is quoted for (\u201cGPU 1장 값\u201d), not a figure"
    return None


_PRICE_AFTER = re.compile(alternatives("price_after"), re.IGNORECASE)   # the languages' ``price_after``
_SIZE_AFTER = re.compile(alternatives("size_after"))    # the languages' ``size_after``: "10개 중", a group's size


_MEMBERS_SEP = re.compile(r"^\s*(?:,|,?\s*and|&|/|및|와|과|·|,?\s*그리고)\s*(?:the\s+)?$")


def _members_after(text: str, pos: int, mentions: list[Mention],
                   intro: re.Pattern[str] | None) -> list[Mention]:
    """Members listed right after a group phrase and an introducing word ("… tier includes A, B and C")."""
    m = intro.match(text[pos:]) if intro else None
    if m is None:
        return []
    at = pos + m.end()
    out: list[Mention] = []
    for men in sorted(mentions, key=lambda x: x.start):
        if men.start < at:
            continue
        if men.start != at and not (out and _MEMBERS_SEP.match(text[at:men.start])) and not (not out and men.start == at):
            break
        out.append(men)
        at = men.end
    return out


class RankReader:
    """Ranks: the holder, the ranking series (registry keywords near the rank, its publisher, its size, the ranking
    the article is talking about; else the article's own ranking, proposed), source and period; the places a list
    implies ("after A and B", "followed by C")."""

    every_sentence = False           # nothing to read without a rank, figure or group name

    def read(self, eng: Engine, ctx: SentenceContext, st: ArticleState) -> None:
        s, rules, out, mentions = ctx.s, eng.rules, st.out, ctx.mentions
        rank_list, others_for, followers_for = ctx.rank_list, ctx.others_for, ctx.followers_for
        subject_at, source_at = ctx.subject_at, ctx.source_at
        named_here = {m.key for m in mentions}
        prev_rank_end = 0
        # where the rankings' words are in the sentence, and the sentence's score (``Engine._score``'s window alike
        # for every rank): found for the first rank
        sentence_hits: SentenceHits | None = None
        whole: tuple[dict[str, float], float] = ({}, 0.0)
        for i_rank, r in enumerate(rank_list):
            next_start = rank_list[i_rank + 1].start if i_rank + 1 < len(rank_list) else len(s.text)
            win = rules.rank_window(s.text, r, prev_rank_end, next_start)
            subj, conf, unknown = subject_at(r.start, r.end)
            src, attribution = source_at(r.start)
            seg = ctx.segment_at(r.start)
            # the nearest evidence decides: the previous sentence only counts when this one names no ranking
            if sentence_hits is None:
                sentence_hits = eng.hits(eng.rank_keywords, s.text)
                whole = (sentence_hits.score(), MEASURE["rank_sentence"])
            scores = _weighted(((sentence_hits.score(win[0], win[1]), MEASURE["rank_window"]), whole)) \
                or _weighted(((eng.hits(eng.rank_keywords, st.prev_text).score(), MEASURE["rank_previous_sentence"]),))
            for key in list(scores):
                pub = eng.registry.rankings[key].publisher
                if pub and (pub == src or pub in named_here):
                    scores[key] += MEASURE["publisher_named"]
            out_of = rules.out_of(s.text, r)
            if out_of is None and not ctx.sizes and st.ranked_size is not None and st.ranked_size >= r.rank:
                out_of = st.ranked_size       # "… covers 40 countries. France ranked ninth"
            for key in scores:
                size = eng.registry.rankings[key].size
                if size and out_of == size:          # "주요 20개국 가운데 9위" for a ranking of 20
                    scores[key] += MEASURE["size_fits"]
                elif size and out_of:
                    scores[key] += MEASURE["size_differs"]
            own_words = bool(scores)
            # a rank "out of" another number than the ranking's belongs to another list
            current = st.current_series
            fits_current = current is not None and subj is not None \
                and eng._etype(subj) in current[1] \
                and (out_of is None or current[2] is None or out_of == current[2])
            if fits_current and current is not None:
                # the article keeps talking about one publisher's ranking unless its words say otherwise: the
                # ranking named earlier competes like a keyword of this sentence
                family = eng.registry.rankings[current[0]].publisher
                for key in scores:
                    if key != current[0] and family and eng.registry.rankings[key].publisher == family:
                        scores[key] += MEASURE["current"]
                scores[current[0]] = scores.get(current[0], 0.0) + MEASURE["current"]
            scores = eng._narrowest(scores, s.text[win[0]:rules.near_end(s.text, r, win[1])], eng.parent,
                                     eng.distinctive)
            series = max(scores, key=lambda k: (round(scores[k], 6), -eng.breadth[k], k)) if scores else None
            carried_in = False
            if fits_current and current is not None and series == current[0] and not own_words:
                carried_in = True
                conf *= FACTOR["carried_series"]
            proposed_series = None
            pub_named = series in eng.registry.rankings and \
                eng.registry.rankings[series].publisher in st.named | {None}
            pillar = rules.pillar_of(s.text, r) if hasattr(rules, "pillar_of") else None
            # the ranking the article is about: the pillar's own words may match another ranking's keywords
            parent = (st.current_series[0] if st.current_series else None) or st.opened.get("series") or (
                eng.parent.get(series, series) if series else None)
            if pillar and parent:
                # "in the areas of infrastructure and research, ranking fourth and seventh, respectively"
                series = proposed_series = eng._pillar(parent, pillar, st.proposals)
            elif series is None or not pub_named:
                # no registry ranking, or one of a publisher the article never names: the article's own
                # ranking (a pillar of it, or the one it names by title) when it has one
                proposed_series = eng._open_series(s, r, prev_rank_end, mentions, src, st.proposals, st.opened,
                                                    st.current_series, strict=series is not None)
            else:
                # "연구 항목도 9위에서 4위로": a pillar of a registry ranking whose pillars the registry lacks
                proposed_series = eng._registry_pillar(s, r, prev_rank_end, mentions, series, st.proposals,
                                                       st.opened)
            if st.current_series is not None:
                st.opened["series_known"] = True
            if proposed_series is not None:
                series = proposed_series
            elif series is not None and not s.headline and not carried_in:
                kept_size = st.current_series[2] if st.current_series and st.current_series[0] == series else None
                st.current_series = (eng.parent.get(series, series),
                                  {eng._etype(subj)} | ({"country", "country-group"}
                                                         if eng._etype(subj) in ("country", "country-group")
                                                         else set()),
                                  out_of or kept_size or eng.registry.rankings[series].size)
            pub = eng.registry.rankings[series].publisher if series in eng.registry.rankings else None
            if pub and src != pub and pub in named_here:
                src, attribution = pub, "stated"
            if series and src is None:
                if pub and pub in named_here:
                    src, attribution = pub, "stated"
                elif pub and (st.carried == pub or carried_in):
                    src, attribution = pub, "implied"
            period = rules.period_before(s.text, r.start, r.end, max(seg, prev_rank_end), st.published_year)
            base = _RankBase(sentence=s, measure=series, kind="rank", source=src, attribution=attribution,
                             period=period[0] if period else None, period_note=period[1] if period else None)
            problem = None if series else "no ranking series matches the context"
            holder_problem = None
            if series in eng.registry.rankings and eng._etype(subj) in ("organization", "publisher") and (
                    subj in (pub, src) or (st.current_series and st.current_series[0] == eng.parent.get(series, series)
                                           and "country" in st.current_series[1])):
                # "OECD 31위", "IMD … 6위": the publisher, the reporter or an institute is not a holder of a
                # ranking of countries
                holder_problem = "an organisation that publishes or reports a ranking is not its holder"
            out.append(Candidate(subject=subj, span=(r.start, r.end), confidence=conf * (FACTOR["headline"] if s.headline else 1),
                                 rank=r.rank, out_of=out_of, as_written=r.as_written, subject_name=unknown,
                                 problem=problem or holder_problem or (None if subj else "no subject found"),
                                 **base))
            for i, other in enumerate(others_for.get(r.start, [])):
                rank = r.rank - len(others_for[r.start]) + i
                if rank >= 1:
                    out.append(Candidate(subject=other.key, span=(r.start, r.end), confidence=CONFIDENCE["inferred_order"],
                                         rank=rank, out_of=out_of, problem=problem,
                                         note=f"rank inferred from the order of “{s.text[other.start:r.end]}”",
                                         **base))
            if subj and series:
                # "first …, followed by Norway and Luxembourg": the next places in order
                for i, other in enumerate(followers_for.get(r.start, []), start=1):
                    out.append(Candidate(subject=other.key, span=(r.start, r.end), confidence=CONFIDENCE["inferred_order"],
                                         rank=r.rank + i, out_of=out_of, problem=problem,
                                         note=f"rank inferred from the order of “{s.text[r.start:other.end]}”",
                                         **base))
            if subj:
                ctx.last_subject = subj
            if i_rank > 0 and _RANK_CHANGE.fullmatch(s.text[prev_rank_end:r.start]):
                # "6위→4위", "7위에서 6위로": the first is the previous edition's place
                now = int(period[0]) if period and period[0].isdigit() else st.published_year
                for c in st.mine():
                    if c.sentence is s and c.kind == "rank" and c.span[1] == prev_rank_end and c.period is None \
                            and c.subject == subj:
                        c.period = str(now - 1)
                        c.period_note = f"the earlier place of the change “{s.text[c.span[0]:r.end]}”: the previous edition"
            prev_rank_end = r.end


class QuantityReader:
    """Figures: which are figures at all (not sizes, scales, ratios), their qualifier and range, holder, source,
    measure (registry keywords near the figure that fit its unit, else the article's own words, proposed),
    period and equivalent; one fact per holder of "A and B … N"."""

    every_sentence = False           # nothing to read without a rank, figure or group name

    def read(self, eng: Engine, ctx: SentenceContext, st: ArticleState) -> None:
        s, rules, out, mentions = ctx.s, eng.rules, st.out, ctx.mentions
        quantities, respective = ctx.quantities, ctx.respective
        count_context, group_spans = ctx.count_context, ctx.group_spans
        subject_at, source_at = ctx.subject_at, ctx.source_at
        equivalents: set[int] = set()
        range_high, range_skip = eng._ranges(s.text, quantities)
        # what every figure of the sentence asks alike: decided once
        score_context: bool | None = None          # the sentence is about scores (for bare numbers)
        market_named = eng.market_named(s.text)
        required_here: dict[str, bool] = {}        # an indicator's required words are here or in the sentence before
        # where the indicators' words are in the sentence, and the scores of the sentence and the one before
        # (``Engine._score``'s windows alike for every figure): found for the first figure scored
        sentence_hits: SentenceHits | None = None
        whole: tuple[tuple[dict[str, float], float], ...] = ()
        for found in quantities:
            if id(found) in range_skip:
                continue          # the high end of a range, drafted with its low end
            high = range_high.get(id(found))
            q = found
            if high is not None and q.unit is None:
                q = Quantity(q.value, high.unit, high.kind, high.counter, q.approximate, q.start, q.end,
                             q.as_written)
            if id(q) in equivalents or rules.is_size_counter(q) \
                    or (q.kind == "count" and _SIZE_AFTER.match(s.text[q.end:q.end + 12])):
                continue          # "38개 회원국 중", "188개국 가운데": how many are ranked, not a figure
            if q.unit is None and not count_context:
                if score_context is None:
                    score_context = bool(eng.score_indicators) and _SCORE_CONTEXT.search(s.text) is not None
                if not score_context:
                    continue
            if group_spans and any(0 <= q.start - gm.end() <= 1 for gm, _ in group_spans):
                continue          # "1등급 국가 18곳", "AI pioneers, 5 countries": the size of the group
            if _SCORE_BOUND.match(s.text[q.end:q.end + 12]) or _OUT_OF_BEFORE.search(s.text, max(0, q.start - 20), q.start):
                continue          # "100점 만점", "out of 100": the scale, not a score
            not_fact = rules.not_a_fact(s.text, q, st.published_year) or _not_a_level(s.text, q)
            qualifier = eng._qualifier(s.text, q, not_fact)
            if qualifier is not None:
                not_fact = None   # a bound or a target is a fact that says so (docs/fact-sheets.md)
            elif high is not None and not not_fact:
                qualifier = "range"
            eq = rules.equivalent_after(s.text, q, quantities)
            if eq is not None:
                equivalents.add(id(eq))
            subj, conf, unknown = subject_at(q.start, q.end)
            src, attribution = source_at(q.start)
            seg = ctx.segment_at(q.start)
            after = WINDOW["measure_after"]
            if sentence_hits is None:
                sentence_hits = eng.hits(eng.ind_keywords, s.text)
                whole = ((sentence_hits.score(), MEASURE["sentence"]),
                         (eng.hits(eng.ind_keywords, st.prev_text).score(), MEASURE["previous_sentence"]))
            scores = _weighted(((sentence_hits.score(seg, q.end + after), MEASURE["figure_segment"]),) + whole)
            near_end = q.end + after
            if eng.language.measure_after_figure:
                # English names the measure after the figure too: "47% of the world's top AI researchers by
                # undergraduate degree" (to the end of the clause)
                stop = _CLAUSE_STOP.search(s.text[q.end:q.end + WINDOW["measure_after_clause"]])
                near_end = q.end + (stop.start() if stop else WINDOW["measure_after_clause"])
            scores = eng._narrowest(scores, s.text[seg:near_end], eng.ind_parent, eng.ind_distinctive,
                                     s.text[seg:q.end + after])
            criterion = eng.registry.rankings[st.current_series[0]].criterion if st.current_series else None
            if criterion in scores:
                scores[criterion] += MEASURE["current"]  # the ranking the article is about orders by this measure
            fitting = {}
            change = q.unit == "percent" and rules.is_change(s.text, q)
            unit_fits = eng.unit_fits(q)
            for key, score in scores.items():
                fits, unit = unit_fits[key]
                if not fits:
                    continue
                if q.unit == "percent" and change != (key in eng.change_indicators):
                    continue             # "12% 늘었다" is a growth rate, "a 12% share" is not
                if key in eng.required:
                    ok = required_here.get(key)
                    if ok is None:
                        ok = required_here[key] = any(w in s.text or w in st.prev_text for w in eng.required[key])
                    if not ok:
                        continue
                if key in eng.market_indicators and not market_named:
                    continue             # a market's size is only read where a market is named
                fitting[key] = (score, unit)
            indicator = None
            if not fitting and st.current_indicator is not None:
                fits, carried_unit = eng._unit_fits(st.current_indicator, q, s.text)
                if fits and (q.unit != "percent" or change == (st.current_indicator in eng.change_indicators)):
                    # the measure named earlier in the article ("미국은 97.1달러로 8위" after "시간당 노동생산성은 …")
                    fitting[st.current_indicator] = (0.0, carried_unit)
                    indicator = st.current_indicator
                    conf *= FACTOR["carried_measure"]
            elif fitting:
                indicator = max(fitting, key=lambda k: (round(fitting[k][0], 6), -eng.breadth[k], k))
                if not s.headline:
                    st.current_indicator = indicator
            unit = fitting[indicator][1] if indicator else None
            if indicator in eng.market_indicators and not market_named:
                indicator, unit = None, None          # a market's size is only read where a market is named
            if indicator in eng.market_indicators and "world" in eng.registry.entities \
                    and (eng._etype(subj) == "company" or (subj is not None and conf <= CONFIDENCE["weak_subject"])):
                subj, conf = "world", CONFIDENCE["world_market"]
            if indicator in eng.government_indicators and subj is not None and eng._etype(subj) == "organization":
                # a ministry's budget is its government's: the country the registry gives it
                country = getattr(eng.registry.entities[subj], "country", None)
                if country:
                    subj = country
            period = rules.period_before(s.text, q.start, q.end, seg, st.published_year)
            equivalent = None
            if eq is not None and st.proposals.unit(eq.unit, eq.counter) is not None:
                equivalent = {"value": eq.value, "unit": eq.unit, "approximate": eq.approximate}
            if unit is not None and unit not in eng.registry.units:
                st.proposals.unit(unit, q.counter)
            if indicator is None and q.unit is not None and not (not_fact and not qualifier):
                indicator, unit, conf = eng._open_indicator(s, q, seg, mentions, st.proposals, st.opened,
                                                             st.current_series, conf)
            if unknown and (any(ch.isdigit() for ch in unknown) or unknown.lower() in eng.measure_words_folded):
                unknown = None                # "H100", "Productivity …": a product or a measure word, not a name
            if subj is None and unknown and indicator is not None:
                subj, conf = st.proposals.entity(unknown, eng.language.code, "company",
                                              "named as the holder of a figure; type and labels are guesses"), CONFIDENCE["proposed_holder"]
            problem = not_fact
            if problem:
                pass
            elif indicator is None:
                problem = "no indicator matches the context and unit"
            elif subj is None:
                problem = "no subject found"
            if q.unit is None and q.kind is None and indicator:
                conf *= FACTOR["bare_number"]
            out.append(Candidate(
                kind="observation", subject=subj, measure=indicator, sentence=s, span=(q.start, q.end),
                confidence=conf * (FACTOR["headline"] if s.headline else 1), value=q.value, unit=unit,
                as_written=(s.text[q.start:high.end] if high is not None and qualifier == "range" else q.as_written),
                equivalent=equivalent, approximate=q.approximate,
                period=period[0] if period else None, period_note=period[1] if period else None,
                source=src, attribution=attribution, subject_name=unknown, problem=problem,
                qualifier=qualifier, value_high=high.value if high is not None and qualifier == "range" else None))
            if subj and not problem:
                # "Meta and Microsoft … 150,000 units", "Google, Amazon, Oracle, and Tencent jointly … 50,000":
                # one figure for every name of the list that is its subject
                for other in eng._joint_holders(s.text, q, subj, ctx.free, quantities, respective):
                    out.append(Candidate(kind="observation", subject=other, measure=indicator, sentence=s,
                                         span=(q.start, q.end), confidence=conf * FACTOR["joint_holder"], value=q.value, unit=unit,
                                         as_written=q.as_written, equivalent=equivalent,
                                         approximate=q.approximate, period=period[0] if period else None,
                                         period_note=period[1] if period else None, source=src,
                                         attribution=attribution, qualifier=qualifier,
                                         note="the figure of every name in the list before it"))
            if subj:
                ctx.last_subject = subj


class GroupReader:
    """Memberships: a group of a registry classification named in the sentence, and its members (listed after
    or before it, else the sentence's subject)."""

    every_sentence = False           # nothing to read without a rank, figure or group name

    def read(self, eng: Engine, ctx: SentenceContext, st: ArticleState) -> None:
        s, rules, out, mentions, excluded = ctx.s, eng.rules, st.out, ctx.mentions, ctx.excluded
        subject_at, source_at = ctx.subject_at, ctx.source_at
        strong_hits = ctx.group_spans
        # "the second tier", "3등급": only for a classification named here or earlier in the article, and not
        # when the sentence names a group of another classification ("'steady AI contenders' in the second tier")
        named = {m.key for m in mentions}
        strong_cls = {g[4] for _, g in strong_hits}
        weak_hits = [(gm, g) for g in eng.groups if g[1] is not None and strong_cls <= {g[4]}
                     and (g[3] in named or g[4] in st.seen_classifications) for gm in g[1].finditer(s.text)
                     if not any(a.start() < gm.end() and gm.start() < a.end() for a, _ in strong_hits)]
        for gm, (_, _, group_key, publisher, classification) in strong_hits + weak_hits:
            st.seen_classifications.add(classification)
            if rules.negated_group(s.text, gm.start(), gm.end()):
                continue                  # "한국은 'AI 선도국가'에 들지 못했다", "Korea is not among the …"
            candidates_m = [m for m in mentions if (m.start, m.end) not in excluded and m.key != publisher]
            # "The second tier includes India and Saudi Arabia", "2등급에는 인도와 사우디가 포함됐다"
            members = _members_after(s.text, gm.end(), candidates_m, eng.language.members_intro) \
                or rules.list_before(s.text, gm.start(), candidates_m)
            if not members:
                subj, conf, _ = subject_at(gm.start())
                if subj is None:
                    continue
                members_keys = [(subj, conf)]
            else:
                members_keys = [(m.key, CONFIDENCE["group_member"]) for m in members]
            src, attribution = source_at(gm.start())
            if src is None and publisher and st.carried == publisher:
                src, attribution = publisher, "implied"
            members_keys = [(k, c) for k, c in members_keys
                            if k != publisher and eng._etype(k) not in ("organization", "publisher")]
            for key, conf in members_keys:
                out.append(Candidate(kind="membership", subject=key, measure=group_key, sentence=s,
                                     span=(gm.start(), gm.end()), confidence=conf, source=src,
                                     attribution=attribution))
            st.last_group = (group_key, src, attribution)


class SameGroupReader:
    """"일본과 독일도 같은 그룹으로 분류됐다", "France and Japan are in the same tier": the group named last."""

    every_sentence = False           # nothing to read without a rank, figure or group name

    def read(self, eng: Engine, ctx: SentenceContext, st: ArticleState) -> None:
        s, rules, out, mentions, excluded = ctx.s, eng.rules, st.out, ctx.mentions, ctx.excluded
        if st.last_group is not None:
            # "일본과 독일도 같은 그룹으로 분류됐다", "France and Japan are in the same tier"
            for same in rules.same_group(s.text):
                members = rules.same_group_members(s.text, same, [m for m in mentions
                                                                 if (m.start, m.end) not in excluded])
                for m in members:
                    out.append(Candidate(kind="membership", subject=m.key, measure=st.last_group[0], sentence=s,
                                         span=same, confidence=CONFIDENCE["same_group"], source=st.last_group[1],
                                         attribution=st.last_group[2] if st.last_group[1] else "none",
                                         note=f"the group named before “{s.text[same[0]:same[1]]}”"))


class JointHolderReader:
    """"Meta and Microsoft are tied for first place with 150,000 units", "한국과 일본에 각각 4개": one rank or figure
    held jointly by every name of a list (language hook ``joint_holders``)."""

    every_sentence = False           # nothing to read without a rank, figure or group name

    def read(self, eng: Engine, ctx: SentenceContext, st: ArticleState) -> None:
        s, rules, out, free = ctx.s, eng.rules, st.out, ctx.free
        if hasattr(rules, "joint_holders"):
            mine = [c for c in st.mine() if c.sentence is s and c.kind != "membership" and c.subject]
            holders: dict[tuple[int, int], list[Mention]] = {}    # a rank's inferred places share its span
            for c in mine:
                found = holders.get(c.span)
                if found is None:
                    found = holders[c.span] = rules.joint_holders(s.text, c.span, free)
                for m in found:
                    if m.key != c.subject and not any(o.sentence is s and o.span == c.span and o.subject == m.key
                                                      for o in st.mine()):
                        out.append(replace(c, subject=m.key, confidence=min(c.confidence, CONFIDENCE["joint_max"]),
                                           note=f"held jointly by the names of “{s.text[m.start:c.span[1]]}”"))


class ExtraPeriodReader:
    """"2019년과 2020년 8위": one rank for several years (language hook ``extra_periods``)."""

    every_sentence = False           # nothing to read without a rank, figure or group name

    def read(self, eng: Engine, ctx: SentenceContext, st: ArticleState) -> None:
        s, rules, out = ctx.s, eng.rules, st.out
        if hasattr(rules, "extra_periods"):
            for c in [c for c in st.mine() if c.sentence is s and c.kind == "rank"]:
                for period, note in rules.extra_periods(s.text, c.span):
                    if period != c.period:
                        out.append(replace(c, period=period, period_note=note))


class SeriesFromFiguresReader:
    """A rank no ranking fits, stated with the figure it is ranked by ("tied for second place with a fleet of 900
    units") or with the market it is a place in ("the top spot in the robot market"): the ranking by that measure
    or in that market is proposed (language hook ``ranking_scope``)."""

    every_sentence = False           # nothing to read without a rank, figure or group name

    def read(self, eng: Engine, ctx: SentenceContext, st: ArticleState) -> None:
        s, proposals = ctx.s, st.proposals
        note = "proposed by kg extract: a ranking by the measure or in the market named with the rank; check the name"
        for c in st.mine():
            if c.sentence is not s or c.kind != "rank" or c.measure is not None or c.subject is None:
                continue
            name = None
            for o in st.mine():
                if o.sentence is s and o.kind == "observation" and o.measure and o.subject == c.subject \
                        and not o.problem and o.span[0] > c.span[1] \
                        and _FIGURE_AFTER_RANK.fullmatch(s.text, c.span[1], o.span[0]):
                    name = eng.registry.indicators[o.measure].label.get("en") \
                        if o.measure in eng.registry.indicators else proposals.label("indicators", o.measure)
                    break
            if name is None and hasattr(eng.rules, "ranking_scope"):
                name = eng.rules.ranking_scope(s.text, c.span[1])
            if name:
                key = proposals.ranking(name, eng.language.code, c.source if eng._etype(c.source) in (
                    "organization", "company", "publisher") else None, note)
                c.measure, c.problem = key, None


class QuotedSpeakerReader:
    """A quoted person the registries lack: noted on the facts inside the quotation, to be proposed."""

    every_sentence = False           # nothing to read without a rank, figure or group name

    def read(self, eng: Engine, ctx: SentenceContext, st: ArticleState) -> None:
        s, new_speaker, quotes = ctx.s, ctx.new_speaker, ctx.quotes
        if new_speaker is not None:
            for c in st.mine():
                if c.sentence is s and c.source is None and any(a <= c.span[0] < b for a, b in quotes):
                    c.speaker = new_speaker
                    c.note = (f"quoted: {new_speaker['name']} ({new_speaker.get('role') or '?'}), "
                              "not in the registries; proposed as a new entity")


# The order matters: ranks before figures (a rank's list is not a figure's subject), groups after both, then the
# readers that copy or annotate what the others found in the sentence.
READERS: tuple[Reader, ...] = (RankReader(), QuantityReader(), GroupReader(), SameGroupReader(),
                               JointHolderReader(), ExtraPeriodReader(), SeriesFromFiguresReader(),
                               QuotedSpeakerReader())

"""What the readers of the extractor work on: the article state and one sentence's context.

:class:`ArticleState` is what carries from sentence to sentence (the source carried over, the subject of the
previous sentence, the ranking and the measure the article is talking about, the open-world proposals, the facts
found so far). :class:`SentenceContext` is what one sentence offers every reader (its entity mentions, sources,
quotations, ranks and figures, the names that cannot be holders) and the two decisions all readers share:
:meth:`SentenceContext.subject_at` and :meth:`SentenceContext.source_at`. :func:`sentence_context` builds it; the
readers (``kg.extract.readers``) turn it into candidate facts.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .figures import Quantity, RankMention
from .propose import Proposals
from .resolve import Mention
from .weights import CONFIDENCE

if TYPE_CHECKING:
    from .engine import Engine

NOT_SUBJECT_TYPES = {"publisher", "event"}
SOURCE_TYPES = {"company", "organization", "person", "publisher"}

Span = tuple[int, int]
# a word as the Korean analyser tags it: local start and end offsets, form, part-of-speech tag (NNP, SL, JKS, …)
Token = tuple[int, int, str, str]
# the open world's memory of an article: "series" (the ranking proposed), ("indicator", unit) (the measure proposed
# for figures of a unit), "last_rank" (sentence, end, series key of the last rank read)
Opened = dict[str | tuple[str, str | None], Any]
# the ranking an article talks about: its key, the entity types it ranks, its size
CurrentSeries = tuple[str, set[str | None], int | None]


@dataclass
class Sentence:
    start: int
    end: int
    text: str
    para: int
    headline: bool = False
    proper_nouns: list[Token] = field(default_factory=list)   # local offsets, unknown-name hints


@dataclass
class Candidate:
    kind: str
    subject: str | None
    measure: str | None
    sentence: Sentence
    span: tuple[int, int]                      # local offsets of the figure or group label in the sentence
    confidence: float
    value: Decimal | None = None
    unit: str | None = None
    as_written: str | None = None
    equivalent: dict[str, Any] | None = None
    approximate: bool = False
    rank: int | None = None
    out_of: int | None = None
    period: str | None = None
    period_note: str | None = None
    source: str | None = None
    attribution: str = "none"
    note: str | None = None
    subject_name: str | None = None            # a name the registries do not know
    speaker: dict[str, Any] | None = None      # an unregistered quoted person: {name, role, employer}
    problem: str | None = None                 # why the candidate cannot go into the draft
    qualifier: str | None = None               # lower-bound, upper-bound, range, target, forecast, estimate
    value_high: Decimal | None = None          # the high end of a range (``value`` is the low end)


@dataclass
class ArticleState:
    """What carries from one sentence to the next while an article is read."""

    text: str
    published_year: int
    proposals: Proposals
    out: list[Candidate] = field(default_factory=list)
    all_mentions: list[Mention] = field(default_factory=list)
    carried: str | None = None                 # the source carried from an earlier sentence of the paragraph
    prev_subject: str | None = None            # the subject of the previous sentence of the paragraph
    prev_text: str = ""
    para: int = -1
    current_series: CurrentSeries | None = None   # ranking talked about: key, types, size
    current_indicator: str | None = None       # the measure the article is talking about
    article_subject: str | None = None         # the last subject of an earlier paragraph
    last_group: tuple[str, str | None, str] | None = None   # the group named last in the paragraph ("같은 그룹")
    seen_classifications: set[str] = field(default_factory=set)   # classifications whose groups were named
    opened: Opened = field(default_factory=dict)   # open world: the ranking title and proposals in use
    named: set[str] = field(default_factory=set)          # registry entities the article has named
    prev_count: Quantity | None = None         # the last count of the sentence before (same paragraph)
    ranked_size: int | None = None             # "covering 40 countries": how many the ranking ranks
    first_out: int = 0                         # where the current sentence's candidates begin in ``out``

    def enter(self, s: Sentence) -> None:
        """A new sentence: a new paragraph ends what carries inside a paragraph."""
        self.first_out = len(self.out)
        if s.para != self.para:
            self.article_subject = self.prev_subject or self.article_subject
            self.para, self.carried, self.prev_subject, self.prev_text = s.para, None, None, ""
            self.prev_count, self.ranked_size = None, None
            self.last_group = None             # "같은 그룹" refers to a group of the same paragraph

    def mine(self) -> list[Candidate]:
        """The candidates of the current sentence (the readers look at these, not at the whole article's)."""
        return self.out[self.first_out:]

    def leave(self, ctx: SentenceContext) -> None:
        """What carries to the next sentence: its source, its subject, its text."""
        if ctx.marks:
            self.carried = ctx.marks[-1][1].key
        elif ctx.speaker is not None or ctx.unattributed or ctx.new_speaker is not None:
            self.carried = None
        if ctx.topic is not None:
            self.prev_subject = ctx.topic.key
        elif ctx.last_subject:
            self.prev_subject = ctx.last_subject
        self.prev_text = ctx.s.text
        counts = [q for q in ctx.quantities if q.kind == "count" and q.unit and not ctx.rules.is_size_counter(q)]
        self.prev_count = counts[-1] if counts else None
        if ctx.sizes and not ctx.rank_list:
            self.ranked_size = int(ctx.sizes[-1].value)


def holds_any(text: str, words: Iterable[str]) -> bool:
    """Does ``text`` hold one of ``words``? (a loop, not ``any(w in text for w in words)``: asked of every sentence
    and figure, where a generator costs more than the tests themselves)"""
    for w in words:  # noqa: SIM110 - see the docstring
        if w in text:
            return True
    return False


# between a name and the clause it is the subject of: a comma, or an aside set off by commas
# ("China, the second-largest AI economy, stayed …")
_BRACKET_BEFORE = re.compile(r"\s?\(\s?$")
_ASIDE_GAP = re.compile(r",\s*(?:(?:the|a|an|its|which|who|once|now|still|up|down|ahead|behind|above|below|"
                        r"\w+\s+(?:places?|spots?|notches?|rungs?))\b[^,;]{0,60},\s*)?")


@dataclass
class SentenceContext:
    """One sentence as every reader sees it."""

    s: Sentence
    state: ArticleState
    rules: Any
    mentions: list[Mention]                    # registry names and, outside headlines, names the registries lack
    registered: list[Mention]                  # registry names only
    marks: list[tuple[int, Mention, str]]      # stated sources: position, name, scope ("forward" / "sentence")
    speaker: Mention | None
    quotes: list[Span]
    new_speaker: dict[str, Any] | None         # a quoted person the registries lack
    unattributed: bool                         # "일각에서는", "some estimate": no source carries
    topic: Mention | None
    self_source: Mention | None
    excluded: set[Span]                        # names that cannot hold a figure here (sources, scopes, …)
    attr_spans: list[Span]
    respective: dict[int, Mention] = field(default_factory=dict)   # figure or rank position → its name
    rank_list: list[RankMention] = field(default_factory=list)
    others_for: dict[int, list[Mention]] = field(default_factory=dict)      # rank → names ranked before it
    followers_for: dict[int, list[Mention]] = field(default_factory=dict)   # rank → names ranked after it
    quantities: list[Quantity] = field(default_factory=list)
    sizes: list[Quantity] = field(default_factory=list)      # "38개국 중", "of 40 countries": how many are ranked
    free: list[Mention] = field(default_factory=list)        # names that may hold a figure
    count_context: bool = False                # the sentence counts things: a bare number may be a count
    group_spans: list[tuple[re.Match[str], Any]] = field(default_factory=list)
    last_subject: str | None = None            # the last subject a reader gave a figure or rank
    idle: bool = False                         # no rank, figure or group: the readers are not asked
    segments: dict[int, int] = field(default_factory=dict)   # position → start of its segment (segment_at)
    topical: dict[int, bool] = field(default_factory=dict)   # id of a name → rules.is_topic (is_topic)
    registered_ids: set[int] = field(default_factory=set)    # ids of the registry names (``registered``)

    def segment_at(self, pos: int) -> int:
        """``rules.segment_start`` of the sentence at ``pos``, once per position: the holder's search and the
        readers' measure windows both ask for it."""
        seg = self.segments.get(pos)
        if seg is None:
            seg = self.segments[pos] = self.rules.segment_start(self.s.text, pos)
        return seg

    def source_at(self, pos: int) -> tuple[str | None, str]:
        """The source of what is at ``pos`` and how it is attributed (stated, implied, none)."""
        if self.marks:                         # most sentences state no source
            forward = [m for p, m, scope in self.marks if scope == "forward" and p <= pos]
            if forward:
                return forward[-1].key, "stated"
        if self.self_source is not None and self.self_source.start < pos:
            return self.self_source.key, "stated"
        if self.marks:
            whole = [m for p, m, scope in self.marks if scope == "sentence"]
            if whole:
                return whole[0].key, "stated"
        if self.speaker is not None and any(a <= pos < b for a, b in self.quotes):
            return self.speaker.key, "stated"
        if self.speaker is not None and not self.quotes:
            return self.speaker.key, "stated"
        if self.self_source is not None:
            return self.self_source.key, "stated"
        if self.unattributed:
            return None, "none"
        if self.state.carried:
            return self.state.carried, "implied"
        return None, "none"

    def is_topic(self, m: Mention) -> bool:
        """``rules.is_topic`` of a name of the sentence, once per name: each figure's holder search asks it."""
        found = self.topical.get(id(m))
        if found is None:
            found = self.topical[id(m)] = self.rules.is_topic(self.s.text, m)
        return found

    def subject_at(self, pos: int, end: int | None = None) -> tuple[str | None, float, str | None]:
        """The holder of what is at ``pos``..``end``: (registry key, confidence, a name the registries lack)."""
        s, rules, mentions = self.s, self.rules, self.mentions
        c = CONFIDENCE
        if pos in self.respective:                 # "미국과 중국이 각각 1위와 2위", "… respectively"
            return self.respective[pos].key, c["respectively"], None
        # "삼성전자(33.7%)", "SK Hynix (36%)": the name the bracket belongs to
        # (searched only when a bracket is there: asked of every figure)
        opener = _BRACKET_BEFORE.search(s.text, max(0, pos - 3), pos) if "(" in s.text[max(0, pos - 3):pos] else None
        if opener:
            named = [m for m in mentions if m.end == opener.start() and m.type not in NOT_SUBJECT_TYPES]
            if named:
                return named[0].key, c["bracket"], None
        free = self.free                       # the names that may hold a figure here
        if end is not None:
            # "1위는 미국이 차지했고", "About 42% of the researchers worked at US institutions"
            after = rules.subject_after(s.text, pos, end, free)
            if after is not None:
                return after.key, c["named_after"], None
        seg = self.segment_at(pos)
        inseg = [m for m in free if seg <= m.start and m.end <= pos]
        if inseg:
            registered = self.registered_ids
            if any(id(m) in registered for m in inseg):
                # a registered holder beats a name the registries lack ("xAI's Colossus cluster holds …"),
                # unless that name is the topic ("중국의 SMIC가")
                inseg = [m for m in inseg if id(m) in registered or self.is_topic(m)]
            topical = [m for m in inseg if self.is_topic(m)]
            return (topical or inseg)[-1].key, c["segment_topic" if topical else "segment"], None
        if seg > 0:
            # an aside set off by commas: "Japan, at 12th, slipped"
            lead = [m for m in free if m.end <= seg and _ASIDE_GAP.fullmatch(s.text[m.end:seg])]
            if lead:
                # "Japan ranked 30th, three places above Korea, at $52.90": the name before the aside
                aside = [m for m in lead if s.text[m.end:seg].count(",") >= 2]
                return (aside[0] if aside else lead[-1]).key, c["aside"], None
        unknown = rules.unknown_subject(s, seg, pos)
        if unknown and not any(unknown in m.text or m.text in unknown for m in mentions) \
                and not any(unknown in s.text[a:b] for a, b in self.attr_spans):
            return None, c["unknown_name"], unknown
        topic = self.topic
        if topic is not None and topic.start < pos:
            return topic.key, c["topic_before"], None
        if topic is not None:
            return topic.key, c["topic_after"], None
        st = self.state
        if st.prev_subject:
            return st.prev_subject, c["previous_sentence"], None
        home = rules.home_subject(s.text)
        if home:
            return home, c["home_country"], None
        if st.article_subject and not free:
            # a sentence naming no one continues the article's last subject across a paragraph break
            return st.article_subject, c["earlier_paragraph"], None
        return None, 0.0, None


def sentence_context(eng: Engine, s: Sentence, st: ArticleState) -> SentenceContext:
    """Everything about one sentence that the readers share: names, sources, quotations, ranks, figures, and
    which names cannot hold a figure (sources, places a rank is counted in, names compared with)."""
    rules = eng.rules
    lang = eng.language
    mentions = eng.gaz.find(s.text)
    st.all_mentions.extend(mentions)
    st.named.update(m.key for m in mentions)
    registered = mentions
    if not s.headline:
        mentions = sorted(mentions + eng.unknown_names(s, mentions, st.proposals, st.text), key=lambda m: m.start)
    eng.see_titles(s, mentions, None, st.opened)
    marks = rules.source_marks(s.text, mentions)
    source_positions = {(m.start, m.end) for _, m, _ in marks}
    speaker = rules.speaker(s.text, mentions)
    if speaker is not None:
        source_positions.add((speaker.start, speaker.end))
    quotes = rules.quote_spans(s.text)
    new_speaker = rules.unknown_speaker(s.text, registered) if speaker is None and quotes else None
    if new_speaker is not None:       # the quoted person is not a holder of what they say
        mentions = [m for m in mentions if m in registered or m.text not in new_speaker["name"]]
    elif speaker is None and quotes:
        # "요미우리는 “…”고 분석했다": an unregistered name speaking outside the quotation is its source
        outside = [m for m in mentions if m not in registered and rules.is_topic(s.text, m)
                   and not any(a <= m.start < b for a, b in quotes)]
        if outside:
            speaker = outside[0]
            source_positions.add((speaker.start, speaker.end))
    if lang.org_after is not None:
        # "스위스 국제경영개발대학원(IMD)", "영국 옥스퍼드인사이츠": a country naming where an organisation is from
        named_at = {o.start for o in mentions if o.type != "country"}
        for m in mentions:
            if m.type == "country" and ((m.end + 1 in named_at and s.text[m.end] == " ")
                                        or lang.org_after.match(s.text, m.end)):
                source_positions.add((m.start, m.end))
    unattributed = holds_any(s.text, eng.unattributed)
    topic = next((m for m in mentions if (m.start, m.end) not in source_positions
                  and m.type not in NOT_SUBJECT_TYPES and rules.is_topic(s.text, m)), None)
    # ranks first: "after others" lists must not be taken as subjects of figures
    rank_list = rules.ranks(s.text)
    quantities = [q for q in rules.quantities(s.text) if not any(m.start <= q.start < m.end for m in mentions)]
    if st.prev_count is not None and hasattr(rules, "elliptical_count") \
            and not any(q.kind == "count" for q in quantities):
        # "France had eight listed firms, against 50 in Germany. Italy had 14 while Spain had five.": bare
        # numbers in the holders' places count what the sentence before counted (hook)
        prev = st.prev_count
        quantities = [replace(q, unit=prev.unit, kind=prev.kind, counter=prev.counter)
                      if rules.elliptical_count(s.text, q) else q
                      for q in rules.elliptical_numbers(s.text, quantities)]
    group_spans = [(gm, g) for g in eng.groups for gm in g[0].finditer(s.text)] \
        if eng.any_group.search(s.text) else []
    if eng.skip_idle and not (rank_list or quantities or group_spans or eng.any_weak_group.search(s.text)
                              or (st.last_group is not None and rules.same_group(s.text))):
        # nothing for a reader to read (most sentences): only what carries to the next sentence is needed
        return SentenceContext(s, st, rules, mentions, registered, marks, speaker, quotes, new_speaker, unattributed,
                               topic, None, set(source_positions), [], idle=True)
    self_source = rules.self_source(s.text, mentions)
    source_keys = {m.key for _, m, _ in marks} | ({speaker.key} if speaker is not None else set())
    excluded = set(source_positions) | {(m.start, m.end) for m in mentions if m.key in source_keys}
    excluded |= {(m.start, m.end) for m in rules.compared_with(s.text, mentions)}
    attr_spans = rules.attribution_spans(s.text)
    excluded |= {(m.start, m.end) for m in mentions if any(a <= m.start < b for a, b in attr_spans)}
    ctx = SentenceContext(s, st, rules, mentions, registered, marks, speaker, quotes, new_speaker, unattributed,
                          topic, self_source, excluded, attr_spans)

    ctx.rank_list = rank_list
    # "세계 11위", "OECD 38개국 중 31위": the place a rank is counted in is not its holder
    excluded.update((m.start, m.end) for m in rules.scope_mentions(s.text, mentions, rank_list))
    for r in rank_list:
        others = rules.others_before_rank(s.text, r, mentions)
        if others:
            ctx.others_for[r.start] = others
            excluded.update((m.start, m.end) for m in others)
        followers = rules.followers_after_rank(s.text, r, mentions)
        if followers:
            ctx.followers_for[r.start] = followers
            excluded.update((m.start, m.end) for m in followers)
    ctx.quantities = quantities
    ctx.sizes = [q for q in quantities if rules.is_size_counter(q)]
    # what subject_at searches (``excluded`` is complete from here on)
    ctx.free = free = [m for m in mentions if (m.start, m.end) not in excluded and m.type not in NOT_SUBJECT_TYPES]
    ctx.registered_ids = {id(m) for m in registered}
    ctx.respective.update(rules.respectively(s.text, free, [(r.start, r.end) for r in rank_list]))
    # names that follow a rank ("first, followed by Denmark and the US at 0.78 and 0.77 respectively")
    # still pair with figures
    followed = [m for ms in ctx.followers_for.values() for m in ms]
    ctx.respective.update(rules.respectively(s.text, sorted(free + followed, key=lambda m: m.start),
                                             [(q.start, q.end) for q in quantities]))
    ctx.count_context = any(o.kind == "count" or (o.unit is None and (rules.bare_ok(s.text, o)
                                                                      or eng.unit_noun_after(s.text, o)))
                            for o in quantities)
    ctx.group_spans = group_spans
    return ctx

"""The language-neutral part of the extractor: sentences in, candidate facts out.

For every sentence of the article body it finds entity mentions (``resolve``), figures and ranks (``numbers_*``),
and the language rules (``patterns_ko`` / ``patterns_en``) tell it where attributions, subjects, list
separators, "after X" rank phrases, "out of N" and years are. The engine then decides, per figure:

- the subject: the nearest entity in the figure's list segment, else the sentence's topic, else the subject of the
  previous sentence in the same paragraph (each fallback lowers the confidence);
- the measure: the indicator or ranking series whose keywords (``keywords.py`` plus the registry's own labels) are
  nearest to the figure and whose unit fits the figure's counter or currency;
- the source: a stated attribution before the figure in the same sentence ("X에 따르면", "according to X", a quoted
  speaker), else the attribution carried from an earlier sentence of the paragraph (recorded as implied), else none.

A figure whose subject or measure cannot be decided is not guessed: it is reported back (``unmatched``) for the
reviewer, and a subject name the registries do not know becomes a proposed registry entry.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from typing import Protocol

from ..model import Registry
from . import phrases
from .keywords import (FORECAST_WORDS, INDICATOR_KEYWORDS, INDICATOR_REQUIRED, NOT_PILLAR, OVERALL_WORDS,
                       QUALIFIER_WORDS, RANGE_BETWEEN, RANGE_GAP, RANGE_NOT_AFTER, RANKING_KEYWORDS,
                       UNATTRIBUTED_MARKERS)
from .numbers_ko import Quantity, RankMention
from .propose import Proposals
from .resolve import Gazetteer, Mention

NOT_SUBJECT_TYPES = {"publisher", "event"}
SOURCE_TYPES = {"company", "organization", "person", "publisher"}


@dataclass
class Sentence:
    start: int
    end: int
    text: str
    para: int
    headline: bool = False
    proper_nouns: list[tuple[int, int, str]] = field(default_factory=list)   # local offsets, unknown-name hints


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
    equivalent: dict | None = None
    approximate: bool = False
    rank: int | None = None
    out_of: int | None = None
    period: str | None = None
    period_note: str | None = None
    source: str | None = None
    attribution: str = "none"
    note: str | None = None
    subject_name: str | None = None            # a name the registries do not know
    speaker: dict | None = None                # an unregistered quoted person: {name, role, employer}
    problem: str | None = None                 # why the candidate cannot go into the draft
    qualifier: str | None = None               # lower-bound, upper-bound, range, target, forecast, estimate
    value_high: Decimal | None = None          # the high end of a range (``value`` is the low end)


# A sentence longer than this is read in pieces (cut at a comma or space): rules look around each figure within
# its sentence, so an unbounded "sentence" (a table flattened into one line, a page without full stops) would make
# extraction quadratic in the line's length; real sentences are far shorter.
MAX_SENTENCE = 600


# between a rank and the figure it is ranked by: "first place with a purchase volume of ", "third, at "
_FIGURE_AFTER_RANK = re.compile(r"\s*(?:place|spot|position)?,?\s+(?:with|at|on)\b[^;:]{0,60}", re.IGNORECASE)
_RANK_CHANGE = re.compile(r"\s?(?:→|->|에서)\s?")
_ORG_AFTER = re.compile(r" [가-힣A-Za-z]{0,12}(?:대학원|대학교|대학|연구소|연구원|재단|협회|조사기관|기관|본부|신문|일보|"
                        r"위원회|미디어|통신|방송)(?![가-힣])")


def _bounded(sentences: list[Sentence]) -> list[Sentence]:
    out: list[Sentence] = []
    for s in sentences:
        if len(s.text) <= MAX_SENTENCE:
            out.append(s)
            continue
        a = 0
        n = len(s.text)
        tokens = sorted(s.proper_nouns)
        t = 0
        while a < n:
            b = min(n, a + MAX_SENTENCE)
            if b < n:
                cut = max(s.text.rfind(", ", a + MAX_SENTENCE // 2, b), s.text.rfind(" ", a + MAX_SENTENCE // 2, b))
                if cut > a:
                    b = cut + 1
            piece = s.text[a:b]
            lead = len(piece) - len(piece.lstrip())
            piece_text = piece.strip()
            if piece_text:
                start = a + lead
                end = start + len(piece_text)
                mine = []
                while t < len(tokens) and tokens[t][0] < end:     # tokens in order: one pass over them
                    x, y, *rest = tokens[t]
                    if start <= x and y <= end:
                        mine.append((x - start, y - start, *rest))
                    t += 1
                out.append(Sentence(s.start + start, s.start + end, piece_text, s.para, s.headline, mine))
            a = b
    return out


class Rules(Protocol):
    lang: str

    def sentences(self, text: str, body_end: int) -> list[Sentence]: ...
    def quantities(self, text: str) -> list[Quantity]: ...
    def ranks(self, text: str) -> list[RankMention]: ...
    def source_marks(self, text: str, mentions: list[Mention]) -> list[tuple[int, Mention, str]]: ...
    def quote_spans(self, text: str) -> list[tuple[int, int]]: ...
    def attribution_spans(self, text: str) -> list[tuple[int, int]]: ...
    def speaker(self, text: str, mentions: list[Mention]) -> Mention | None: ...
    def unknown_speaker(self, text: str, mentions: list[Mention]) -> dict | None: ...
    def is_topic(self, text: str, mention: Mention) -> bool: ...
    def segment_start(self, text: str, pos: int) -> int: ...
    def others_before_rank(self, text: str, rank: RankMention, mentions: list[Mention]) -> list[Mention]: ...
    def out_of(self, text: str, rank: RankMention) -> int | None: ...
    def period_before(self, text: str, start: int, end: int, window_start: int,
                      published_year: int) -> tuple[str, str | None] | None: ...
    def equivalent_after(self, text: str, q: Quantity, quantities: list[Quantity]) -> Quantity | None: ...
    def list_before(self, text: str, pos: int, mentions: list[Mention]) -> list[Mention]: ...
    def unknown_subject(self, sentence: Sentence, seg_start: int, pos: int) -> str | None: ...
    def is_size_counter(self, q: Quantity) -> bool: ...
    def rank_window(self, text: str, rank: RankMention, prev_end: int, next_start: int) -> tuple[int, int]: ...
    def near_end(self, text: str, rank: RankMention, window_end: int) -> int: ...
    def subject_after(self, text: str, start: int, end: int, mentions: list[Mention]) -> Mention | None: ...
    def followers_after_rank(self, text: str, rank: RankMention, mentions: list[Mention]) -> list[Mention]: ...
    def home_subject(self, text: str) -> str | None: ...
    def negated_group(self, text: str, start: int, end: int) -> bool: ...
    def respectively(self, text: str, mentions: list[Mention], items: list[tuple[int, int]]) -> dict[int, Mention]: ...
    def compared_with(self, text: str, mentions: list[Mention]) -> list[Mention]: ...
    def is_change(self, text: str, q: Quantity) -> bool: ...
    def self_source(self, text: str, mentions: list[Mention]) -> Mention | None: ...
    def same_group(self, text: str) -> list[tuple[int, int]]: ...
    def same_group_members(self, text: str, span: tuple[int, int], mentions: list[Mention]) -> list[Mention]: ...
    def scope_mentions(self, text: str, mentions: list[Mention], ranks: list[RankMention]) -> list[Mention]: ...
    def bare_ok(self, text: str, q: Quantity) -> bool: ...
    def not_a_fact(self, text: str, q: Quantity, year: int) -> str | None: ...


# Label words that say nothing about which measure is meant ("AI workforce of 20 major countries (MSIT survey)":
# "workforce" and "MSIT" count, "of", "20", "major", "countries" do not).
_LABEL_STOPWORDS = {
    "en": {"of", "the", "by", "and", "in", "per", "for", "to", "a", "an", "on", "at", "or", "with", "from", "as",
           "major", "countries", "country", "number", "ranking", "rankings", "rank", "share", "held", "produced",
           "worked", "survey", "growth", "size", "total", "global", "world", "index", "top", "leading", "largest",
           "biggest", "best", "year", "annual", "yearly", "list", "report", "new", "first", "second", "third"},
    "ko": {"순위", "규모", "주요", "국가별", "부문", "수", "기준", "세계", "글로벌", "전체", "보유량"},
}


def _words(label: str, lang: str = "en") -> list[str]:
    stop = _LABEL_STOPWORDS.get(lang, set())
    return [w for w in re.split(r"[\s()\-,/]+", label)
            if len(w) >= 2 and w.lower() not in stop and not re.fullmatch(r"[\d.,]+\w{0,3}", w)]


def _contains(text: str, word: str, fold: bool) -> bool:
    """``word`` in ``text``; for English on word boundaries ("of" is not in "offer", "GPU" is in "GPUs")."""
    if word not in text:
        return False
    if not fold:
        return True
    return _boundary(word).search(text) is not None


# between a name and the clause it is the subject of: a comma, or an aside set off by commas
# ("China, the second-largest AI economy, stayed …")
_BRACKET_BEFORE = re.compile(r"\s?\(\s?$")
_ASIDE_GAP = re.compile(r",\s*(?:(?:the|a|an|its|which|who|once|now|still|up|down|ahead|behind|above|below|"
                        r"\w+\s+(?:places?|spots?|notches?|rungs?))\b[^,;]{0,60},\s*)?")


def _is_score_unit(unit) -> bool:
    """A unit of index scores (its label says points / 점), whatever its declared kind."""
    if unit is None:
        return False
    return (unit.label.get("ko") or "").strip() == "점" or bool(
        re.search(r"\bpoints?\b|\bscore", unit.label.get("en") or "", re.IGNORECASE))


_SCORE_CONTEXT = re.compile(r"\bscor\w*|\bpoints?\b|\brates?\b|\brated\b|점수|지수", re.IGNORECASE)
_SCORE_BOUND = re.compile(r"^\s?(?:점\s?)?만점|^\s?points?\s+possible", re.IGNORECASE)
_OUT_OF_BEFORE = re.compile(r"(?:out\s+of|\bof\s+a\s+possible)\s*$", re.IGNORECASE)


# differences in percentage points, ranges ("30%대", "in the 30s") and shortfalls ("10%에도 못 미친다"): not a level
_POINTS_AFTER = re.compile(r"\s?(?:%\s?)?(?:포인트|p(?![A-Za-z]))|\s*(?:percentage|per\s?cent(?:age)?)\s+points?\b"
                           r"|\s?pp\b|\s*points?\s+(?:higher|lower|more|less|above|below|ahead|behind)\b",
                           re.IGNORECASE)
_RANGE_AFTER = re.compile(r"대(?:로|의|에|를|까지|초반|중반|후반|였|이|가|\s|$|[.,])")
_SHORT_AFTER = re.compile(r"\s?(?:에도|에)\s?(?:못|채\s?못)\s?미(?:친|치|쳤|칩)")


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


_PRICE_AFTER = re.compile(r"\s?(?:값|가격|당\s?(?:가격|값))|\s+(?:costs?|sells?)\s", re.IGNORECASE)
_SIZE_AFTER = re.compile(r"^\s?(?:[가-힣]{1,4}\s?)?(?:중에서|중|가운데)(?![가-힣])")

_ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh",
                  8: "eighth", 9: "ninth", 10: "tenth"}
_GROUP_HEAD = re.compile(r"\s*(?:countries|nations|economies|states|국가|나라)$", re.IGNORECASE)


def _group_pattern(group, lang: str) -> tuple[re.Pattern, re.Pattern | None]:
    """How articles name a group: its labels (English plural optional), its ``keywords``, the label without a
    generic head noun ("Tier 1 countries" → "Tier 1", "1등급 국가" → "1등급") and, for a numbered tier, the
    ordinal forms ("the second tier", "the first of three tiers")."""
    texts = {group.label.get(lang), group.label.get("en")} - {None}
    texts |= set((group.keywords or {}).get(lang, [])) | set((group.keywords or {}).get("en", []))
    alts: set[str] = set()
    for text in texts:
        for t in {text}:
            t = t.strip()
            if len(t) < 2:
                continue
            if re.fullmatch(r"[\x00-\x7f]+", t):
                body = re.escape(t[:-1] if t.endswith("s") else t) + "s?"
                alts.add(r"(?<![\w-])" + body + r"(?![\w-])")
            else:
                alts.add(r"(?<![\d가-힣])" + re.escape(t) if t[0].isdigit() else re.escape(t))
    strong = "|".join(sorted(alts, key=len, reverse=True))
    alts = set()
    for text in texts:
        t = _GROUP_HEAD.sub("", text).strip()
        if t != text and len(t) >= 2:
            if re.fullmatch(r"[\x00-\x7f]+", t):
                alts.add(r"(?<![\w-])" + re.escape(t) + r"(?![\w-])")
            else:
                alts.add((r"(?<![\d가-힣])" if t[0].isdigit() else "") + re.escape(t))
    n = group.tier
    if n:
        for text in texts:
            m = re.search(rf"\b([A-Za-z]+)\s+{n}\b", text) or re.search(rf"\b{n}(?:st|nd|rd|th)?\s+([A-Za-z]+)", text)
            if m and m.group(1).lower() not in ("the", "of", "a") and n in _ORDINAL_WORDS:
                word = re.escape(m.group(1).lower())
                alts.add(rf"(?<![\w-])(?:{_ORDINAL_WORDS[n]}(?:-|\s+){word}|{_ORDINAL_WORDS[n]}\s+of\s+(?:two|three|"
                         rf"four|five|six|\d+)\s+{word}s|{word}[-\s]{n})(?![\w-])")
            k = re.search(rf"(?<!\d){n}\s?([가-힣]{{1,2}})", text)
            if k and k.group(1) in ("등급", "군", "그룹", "단계", "티어"):
                alts.add(rf"(?<![\d.]){n}\s?{k.group(1)}(?![가-힣]{{0}}[0-9])")
    weak = "|".join(sorted(alts, key=len, reverse=True))
    return re.compile(strong, re.IGNORECASE), (re.compile(weak, re.IGNORECASE) if weak else None)


_MEMBERS_INTRO = {
    "en": re.compile(r"^\s*(?:countries\s+|nations\s+)?(?:includes?|included|comprises?|comprised|consists?\s+of|"
                     r"covers?|covered|takes?\s+in|took\s+in|:)\s+(?:the\s+)?"),
    "ko": re.compile(r"^\s*(?:국가|나라)?(?:에는|으로는|로는|엔)\s+"),
}
_MEMBERS_SEP = re.compile(r"^\s*(?:,|,?\s*and|&|/|및|와|과|·|,?\s*그리고)\s*(?:the\s+)?$")


def _members_after(text: str, pos: int, mentions: list[Mention], lang: str) -> list[Mention]:
    """Members listed right after a group phrase and an introducing word ("… tier includes A, B and C")."""
    intro = _MEMBERS_INTRO.get(lang)
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


@lru_cache(maxsize=4096)
def _boundary(word: str) -> re.Pattern:
    return re.compile(r"(?<![a-z0-9])" + re.escape(word))


QUOTE = re.compile(r"[“\"]([^”\"]{2,})[”\"]")


class QuotedSpeakers:
    """What both languages' rules share about quotations: where they are, and the registered person speaking."""

    def quote_spans(self, text: str) -> list[tuple[int, int]]:
        return [(m.start(), m.end()) for m in QUOTE.finditer(text)]

    def speaker(self, text: str, mentions: list[Mention]) -> Mention | None:
        quotes = self.quote_spans(text)
        if not quotes:
            return None
        people = [m for m in mentions if m.type == "person" and not any(a <= m.start < b for a, b in quotes)]
        return people[0] if people else None


class Engine:
    def __init__(self, registry: Registry, gazetteer: Gazetteer, rules: Rules):
        self.registry = registry
        self.gaz = gazetteer
        self.rules = rules
        if hasattr(rules, "use_registry"):
            rules.use_registry(registry)        # the language's entry of the registry (home country and words)
        lang = rules.lang
        self.ind_keywords = self._table(INDICATOR_KEYWORDS, registry.indicators, lang)
        self.rank_keywords = self._table(RANKING_KEYWORDS, registry.rankings, lang, registry.entities)
        self.required = {k: v.get(lang, []) for k, v in INDICATOR_REQUIRED.items() if k in registry.indicators}
        self.groups = []
        for c in registry.classifications.values():
            for g in c.groups.values():
                strong, weak = _group_pattern(g, lang)
                self.groups.append((strong, weak, g.key, c.publisher, c.key))
        self.unattributed = UNATTRIBUTED_MARKERS.get(lang, [])
        counted = {(u.label.get("en") or "").lower() for u in registry.units.values() if u.kind == "count"}
        for ind in registry.indicators.values():      # "9,500 cobots": a keyword of an indicator of counts
            unit = registry.units.get(ind.unit)
            if unit is not None and unit.kind == "count":
                counted |= {w.lower() for w in (ind.keywords or {}).get("en", []) if re.fullmatch(r"[A-Za-z-]{3,}s", w)}
        nouns = sorted(counted - {""}, key=len, reverse=True)
        self._count_nouns = re.compile(r"\s+(?:[\w-]+\s+){0,2}?(?:" + "|".join(re.escape(n) for n in nouns)
                                       + r")\b", re.IGNORECASE) if nouns and lang == "en" else None
        # words of measure names are not names of holders ("DRAM", "GPU", "AI")
        self.measure_words = {w for part in (registry.indicators, registry.rankings, registry.units)
                              for item in part.values()
                              for text in list(item.label.values()) + [k for v in (getattr(item, "keywords", None) or {}).values() for k in v]
                              for w in re.split(r"[\s()/,]+", text) if w}
        self.measure_words_folded = {w.lower() for w in self.measure_words}
        self.score_indicators = {k for k, ind in registry.indicators.items()
                                 if _is_score_unit(registry.units.get(ind.unit))}
        self._score_cache: dict[tuple[int, str], dict[str, float]] = {}
        self._fold_cache: dict[tuple[int, str], list[tuple[str, float]]] = {}
        # on equal evidence the broader measure (fewer label words) is chosen, not the alphabetically last
        self.breadth = {k: len(_words(item.label.get("en", ""), "en"))
                        for part in (registry.indicators, registry.rankings) for k, item in part.items()}
        # the size of a market is the market's, not a company's: without a named country it is the world's
        self.market_indicators = {k for k, ind in registry.indicators.items()
                                  if re.search(r"\bmarket size\b", ind.label.get("en", ""), re.IGNORECASE)
                                  or "시장 규모" in ind.label.get("ko", "")}
        self.government_indicators = {k for k, ind in registry.indicators.items()
                                      if re.search(r"\bgovernment\b", ind.label.get("en", ""), re.IGNORECASE)}
        self.change_indicators = {k for k, ind in registry.indicators.items()
                                  if re.search(r"\b(?:growth|change|increase|decrease|decline)\b",
                                               ind.label.get("en", ""), re.IGNORECASE)
                                  or re.search(r"증가율|증감률|성장률|변화율", ind.label.get("ko", ""))}
        self.parent, self.distinctive = self._sub_series(registry.rankings, self.rank_keywords, "publisher")
        self.ind_parent, self.ind_distinctive = self._sub_series(registry.indicators, self.ind_keywords, "unit")

    def _sub_series(self, items: dict, table: dict[str, list[tuple[str, float]]],
                    same: str) -> tuple[dict[str, str], dict[str, list[str]]]:
        """Narrower measures: a ranking series ("Tortoise Global AI Index - talent" of "Tortoise Global AI Index")
        or an indicator whose English label holds all the words of another one's label and more, with the same
        publisher (rankings) or unit (indicators). A narrower measure is only chosen when one of its own words
        (not the broader one's) is near the figure or rank."""
        def label_words(key):
            return {w.lower() for w in re.split(r"[\s()\-,/]+", items[key].label.get("en", "")) if w}
        words = {key: label_words(key) for key in items}
        parent: dict[str, str] = {}
        for key, item in items.items():
            best = None
            for other, o in items.items():
                if other == key or not getattr(item, same) or getattr(o, same) != getattr(item, same):
                    continue
                if words[other] and words[other] < words[key] and (best is None or len(words[other]) > len(words[best])):
                    best = other
            if best:
                parent[key] = best
        distinctive: dict[str, list[str]] = {}
        for key, par in parent.items():
            theirs = {w for w, _ in table.get(par, [])}
            distinctive[key] = [w for w, _ in table.get(key, []) if w not in theirs
                                and not any(w in t for t in theirs)]
        return parent, distinctive

    def _narrowest(self, scores: dict[str, float], near: str, parent: dict[str, str],
                   distinctive: dict[str, list[str]], nearest: str | None = None) -> dict[str, float]:
        """Drop narrower measures whose own words are not near the figure (their score goes to the broader one);
        a narrower measure whose own words are in ``nearest`` (default: ``near``) gets a bonus."""
        fold = self.rules.lang != "ko"
        text = near.lower() if fold else near
        close = text if nearest is None else (nearest.lower() if fold else nearest)
        overall = any(w in text for w in OVERALL_WORDS.get(self.rules.lang, []))
        out = dict(scores)
        for key in list(out):
            par = parent.get(key)
            if par is None:
                continue
            own = [w for w in distinctive.get(key, []) if _contains(text, w.lower() if fold else w, fold)]
            if overall or not own:
                out[par] = max(out.get(par, 0.0), out.pop(key))
            elif any(_contains(close, w.lower() if fold else w, fold) for w in distinctive.get(key, [])):
                out[key] += 2.0          # the narrower measure's own words are there: it is the more specific
        return out

    def _unit_noun_after(self, text: str, q: Quantity) -> bool:
        """A bare English count followed by the noun of a registry count unit ("46,000 industrial robots")."""
        if self._count_nouns is None:
            return False
        return bool(self._count_nouns.match(text, q.end))

    def _etype(self, key: str | None) -> str | None:
        ent = self.registry.entities.get(key) if key else None
        return ent.type if ent else None

    @staticmethod
    def _table(table: dict, registry_part: dict, lang: str,
               entities: dict | None = None) -> dict[str, list[tuple[str, float]]]:
        """Words that signal each measure, with weights: the registry entry's own ``keywords`` (and any left in
        ``keywords.py``) weigh most, then its label as a whole, then the label's content words; a ranking's
        publisher (its labels and aliases) counts like a label word."""
        out: dict[str, list[tuple[str, float]]] = {}
        for key, item in registry_part.items():
            words: dict[str, float] = {}
            curated = list(table.get(key, {}).get(lang, [])) + list((getattr(item, "keywords", None) or {}).get(lang, []))
            for w in curated:
                words[w] = max(words.get(w, 0), 1.5 + 0.1 * len(w.split()))   # curated words beat label words
            label = item.label.get(lang)
            if label:
                parts = [w for w in _words(label, lang) if w.upper() != "AI"]
                for w in parts:
                    words.setdefault(w, 1.0)
                # the whole label outweighs its words found apart (a word inside a matched label counts once)
                words.setdefault(label, max(2.0, 0.5 + sum(words.get(w, 1.0) for w in set(parts))))
            if lang != "en" and item.label.get("en"):
                # Korean articles write Latin acronyms and brand words as in English ("DRAM", "IMD", "Gartner")
                for w in _words(item.label["en"], "en"):
                    if re.fullmatch(r"[A-Z][A-Za-z0-9&]*[A-Z0-9][A-Za-z0-9&]*", w) and w.upper() != "AI":
                        words.setdefault(w, 1.0)
            publisher = entities.get(getattr(item, "publisher", None) or "") if entities else None
            if publisher is not None:
                names = [publisher.label.get(lang), publisher.label.get("en")]
                names += list((getattr(publisher, "aliases", None) or {}).get(lang, []))
                names += list((getattr(publisher, "aliases", None) or {}).get("en", []))
                for n in names:
                    if n and len(n) >= 2:
                        words.setdefault(n, 1.0)
            out[key] = sorted(words.items(), key=lambda kv: -len(kv[0]))
        return out

    # ------------------------------------------------------------------------------------------ scoring
    def _score(self, table: dict[str, list[tuple[str, float]]], contexts: list[tuple[str, float]]) -> dict[str, float]:
        scores: dict[str, float] = {}
        for text, weight in contexts:
            if not text:
                continue
            for key, raw in self._text_score(table, text).items():
                scores[key] = scores.get(key, 0.0) + raw * weight
        return scores

    def _text_score(self, table: dict[str, list[tuple[str, float]]], text: str) -> dict[str, float]:
        """Keyword weight found in one text per key (cached: a sentence is scored for each of its figures)."""
        cache = self._score_cache
        ck = (id(table), text)
        hit = cache.get(ck)
        if hit is not None:
            return hit
        fold = self.rules.lang != "ko"
        # Korean spacing varies ("AI 지수" / "AI지수", "운영 환경" / "운영환경"): compared without spaces
        low = text.lower() if fold else text.replace(" ", "")
        out: dict[str, float] = {}
        for key, words in table.items():
            total = 0.0
            matched: list[str] = []
            for lw, wt in self._folded(table, key, fold):   # longest first; a word inside a match counts once
                if not fold:
                    lw = lw.replace(" ", "")
                if lw in low and not any(lw in m for m in matched) and _contains(low, lw, fold):
                    matched.append(lw)
                    total += wt
            if total > 0:
                out[key] = total
        if len(cache) > 4096:
            cache.clear()
        cache[ck] = out
        return out

    def _folded(self, table: dict, key: str, fold: bool) -> list[tuple[str, float]]:
        ck = (id(table), key)
        words = self._fold_cache.get(ck)
        if words is None:
            words = [(w.lower() if fold else w, wt) for w, wt in table[key]]
            self._fold_cache[ck] = words
        return words

    def _unit_fits(self, indicator_key: str, q: Quantity, sentence_text: str) -> tuple[bool, str | None]:
        """Does the figure's counter fit the indicator's unit? Returns (fits, explicit unit or None)."""
        ind = self.registry.indicators[indicator_key]
        unit = self.registry.units.get(ind.unit)
        kind = unit.kind if unit else "other"
        if q.kind == "currency":
            if kind == "currency":
                if q.unit == ind.unit:
                    return True, None
                return (q.unit in self.registry.units), q.unit
            if kind == "rate":
                return ind.unit.split("-")[0] == q.unit, None
            return False, None
        if kind in ("currency", "rate"):
            return False, None
        if _is_score_unit(unit):
            # index scores: "84.3점", "70.1 points", or a bare number in a sentence about scores
            return q.unit == "point" or (q.unit is None and q.kind is None), None
        if q.unit == "point":
            return False, None
        if kind == "ratio":
            return q.unit == "percent", None
        if kind == "count":
            label_ko = (unit.label.get("ko") if unit else None) or ""
            label_en = ((unit.label.get("en") if unit else None) or "").lower()
            if q.unit is None:
                return True, None
            if q.unit == ind.unit or (q.counter and (q.counter == label_ko or q.counter.lower() == label_en)):
                return True, None
            if q.unit == "hour" or label_ko == "시간" or label_en == "hours":
                return False, None
            if q.unit == "person":
                return label_ko == "명" or label_en in ("persons", "people"), None
            if q.unit == "company":
                return label_ko in ("개사", "곳", "개") or "compan" in label_en, None
            if q.unit == "unit":          # 대, 장: machines and cards, never people or companies
                return label_ko not in ("명", "개사", "곳", "시간") and label_en not in ("persons", "people") \
                    and "compan" not in label_en, None
            if q.unit == "item":
                return label_ko not in ("명",) and label_en not in ("persons", "people"), None
            if q.unit == "place":
                return label_ko in ("곳", "개사") or "compan" in label_en, None
            return False, None
        return False, None


    # ------------------------------------------------------------------------------------------ open world
    def _qualifier(self, text: str, q: Quantity, reason: str | None) -> str | None:
        """The qualifier of a figure the language rules set aside as a bound or a target (then a fact), or of
        a fact framed as a forecast; None when neither."""
        lang = self.rules.lang
        words = QUALIFIER_WORDS.get(lang, {})
        before = text[max(0, q.start - 24):q.start]
        after = text[q.end:q.end + 16]
        if reason is None or reason.startswith("a bound"):
            b = before.rstrip().lower()
            a1, a2 = after.lstrip("을를은는이가 ").lower(), after.lower()
            for qual in ("upper-bound", "lower-bound"):
                w = words.get(qual, {})
                if any(b.endswith(x) for x in w.get("before", [])) \
                        or any(a1.startswith(x) or a2.startswith(x) for x in w.get("after", [])):
                    if reason is not None or qual == "upper-bound" and lang == "ko" and "최대" in before:
                        return qual
            if reason is not None:
                return None
        if reason is not None and reason.startswith("a target"):
            return "target"
        if reason is not None:
            return None
        clause = self._clause(text, q)
        if any(w in clause for w in FORECAST_WORDS.get(lang, [])):
            return "forecast"
        return None

    def _clause(self, text: str, q: Quantity) -> str:
        cut = max(text.rfind(",", 0, q.start), text.rfind(";", 0, q.start))
        end = min([i for i in (text.find(";", q.end),) if i >= 0] + [len(text)])
        return text[cut + 1:end] if self.rules.lang == "en" else text[q.start:]

    def _ranges(self, text: str, quantities: list[Quantity]) -> tuple[dict[int, Quantity], set[int]]:
        """"35,000~85,000명", "between $2 billion and $3 billion": the low figure → the high one."""
        lang = self.rules.lang
        gap = RANGE_GAP.get(lang)
        between = RANGE_BETWEEN.get(lang)
        not_after = RANGE_NOT_AFTER.get(lang)
        high: dict[int, Quantity] = {}
        skip: set[int] = set()
        for a, b in zip(quantities, quantities[1:]):
            lead = text[max(0, a.start - 40):a.start]
            between_gap = between is not None and re.search(between[0], lead) \
                and re.fullmatch(between[1], text[a.end:b.start])
            plain = gap is not None and re.fullmatch(gap, text[a.end:b.start]) \
                and not (not_after and re.search(not_after, lead))
            if not (between_gap or plain) or a.unit not in (None, b.unit) or a.value >= b.value:
                continue
            high[id(a)] = b
            skip.add(id(b))
        return high, skip

    def _phrase(self, s: Sentence, q: Quantity, seg: int, mentions: list[Mention]) -> tuple[str, str] | None:
        names = [(m.start, m.end) for m in mentions]
        if self.rules.lang == "ko":
            return phrases.measure_ko(s, q, seg, names)
        return phrases.measure_en(s, q, seg, names)

    _JOINT_SEP = re.compile(r"\s*(?:,|,?\s*and|&|와|과|및|·|,?\s*그리고)\s*(?:the\s+)?")

    def _joint_holders(self, text: str, q: Quantity, subj: str, mentions: list[Mention], excluded: set,
                       quantities: list[Quantity], respective: dict) -> list[str]:
        if q.start in respective or any(o is not q and o.start < q.start and o.end > q.start - 120 for o in quantities):
            return []
        free = [m for m in mentions if (m.start, m.end) not in excluded and m.type not in NOT_SUBJECT_TYPES
                and m.end <= q.start]
        holder = next((m for m in reversed(free) if m.key == subj), None)
        if holder is None or any(m.start > holder.end for m in free):
            return []
        between = text[holder.end:q.start]
        if re.search(r"[;.]|respectively|각각\s?\S+\s?,|\b(?:than|against|compared|versus|vs)\b|보다", between):
            return []
        chain = []
        first = holder
        for m in reversed([m for m in free if m.end <= holder.start]):
            if m.type != holder.type or not self._JOINT_SEP.fullmatch(text[m.end:first.start]):
                break
            chain.insert(0, m.key)
            first = m
        return [k for k in dict.fromkeys(chain) if k != subj]

    def _unknown_names(self, s: Sentence, mentions: list[Mention], proposals: Proposals, article: str) -> list[Mention]:
        """Names the registries lack, as provisional mentions of proposed entities (kept only if a fact uses
        them)."""
        known = [(m.start, m.end) for m in mentions]
        if self.rules.lang == "ko":
            found = phrases.names_ko(s, known, self.measure_words)
        else:
            found = phrases.names_en(s.text, known, self.measure_words | self.measure_words_folded, article)
        out = []
        for a, b, name in found:
            key = proposals.known_entity(name)
            etype = self._etype(key) if key in self.registry.entities else None
            if key is None:
                etype = phrases.guess_type(name)
                key = proposals.entity(name, self.rules.lang, etype,
                                       "a name the article gives and the registries lack; type and labels are guesses")
            out.append(Mention(key, etype or phrases.guess_type(name), a, b, name))
        return out

    def _open_indicator(self, s: Sentence, q: Quantity, seg: int, mentions: list[Mention], proposals: Proposals,
                        opened: dict, current_series, conf: float) -> tuple[str | None, str | None, float]:
        """No registry indicator fits: the article's own noun phrase for the measure becomes a proposed one, or
        the measure proposed earlier in the article for figures of this unit carries over."""
        unit = proposals.unit(q.unit, q.counter)
        found = self._phrase(s, q, seg, mentions)
        carried = opened.get(("indicator", q.unit))
        key = None
        note = "proposed by kg extract from the article's words for the measure; check the label and unit"
        if found and found[1] == "strong":
            key = proposals.indicator(found[0], self.rules.lang, unit, note)
        elif carried:
            key, conf = carried, conf * 0.85
        elif found:
            key = proposals.indicator(found[0], self.rules.lang, unit, note)
        elif q.unit == "point":
            series = opened.get("series") or (current_series[0] if current_series else None)
            label = proposals.label("rankings", series) if series in proposals.entries["rankings"] else \
                (self.registry.rankings[series].label.get("en") if series in self.registry.rankings else None)
            if label:
                word = "점수" if self.rules.lang == "ko" else "score"
                key = proposals.indicator(f"{label} {word}", self.rules.lang, unit, note)
        if key is None:
            return None, None, conf
        opened.setdefault(("indicator", q.unit), key)   # the article's first measure of this unit carries
        default = self.registry.indicators[key].unit if key in self.registry.indicators else \
            proposals.entries["indicators"][key]["unit"]
        return key, (unit if unit != default else None), conf

    def _open_series(self, s: Sentence, r: RankMention, prev_end: int, mentions: list[Mention], src: str | None,
                     proposals: Proposals, opened: dict, current_series, strict: bool = False) -> str | None:
        """No registry ranking fits a rank: a pillar named with it ("인재(12위→10위)") is a sub-ranking of the
        ranking the article is about; "12위→10위" continues the rank before; a ranking named by its title here
        or earlier in the article is proposed; else the ranking proposed earlier carries over. ``strict``: a
        registry ranking was found, only a pillar or a title in this sentence replaces it."""
        lang = self.rules.lang
        note = "proposed by kg extract from the article's name for the ranking; check the name and publisher"
        last = opened.get("last_rank")
        if last and last[0] is s and re.fullmatch(r"\s?(?:→|->|에서|위에서|에서\s?\d{4}년\s?)\s?", s.text[last[1]:r.start]):
            return last[2]
        parent = opened.get("series") or (current_series[0] if current_series else None)
        key = None
        if lang == "ko" and parent:
            pillar = phrases.sub_ranking_ko(s.text, r, prev_end)
            if pillar and pillar not in NOT_PILLAR and not any(pillar in m.text or m.text in pillar for m in mentions):
                key = self._pillar(parent, pillar, proposals)
                opened["sentence_pillar"] = (s, key)
        if key is None and opened.get("pillar_title") and opened["pillar_title"][0] is s and parent:
            key = self._pillar(parent, opened["pillar_title"][1], proposals)
        if key is None and opened.get("sentence_pillar") and opened["sentence_pillar"][0] is s:
            key = opened["sentence_pillar"][1]     # a later rank of the sentence that named a pillar
        if key is None:
            title = opened.get("title")
            if strict and opened.get("title_sentence") is not s:
                # a registry ranking of a publisher the article never names: the article's own ranking instead
                return parent if parent and parent not in self.registry.rankings else (
                    parent if parent and self.registry.rankings[parent].publisher in self._named else None)
            if title is not None:
                key = proposals.ranking(title, lang, opened.get("publisher"), note)
                opened["series"] = key
            else:
                key = None if strict else opened.get("series")
        if key is not None:
            opened["last_rank"] = (s, r.end, key)
        return key

    def _series_from_figures(self, s: Sentence, out: list[Candidate], proposals: Proposals) -> None:
        """A rank no ranking fits, stated with the figure it is ranked by ("tied for second place with a fleet of
        900 units") or with the market it is a place in ("the top spot in the robot market"):
        the ranking by that measure or in that market is proposed (hook: ``rules.ranking_scope``)."""
        note = "proposed by kg extract: a ranking by the measure or in the market named with the rank; check the name"
        for c in out:
            if c.sentence is not s or c.kind != "rank" or c.measure is not None or c.subject is None:
                continue
            name = None
            for o in out:
                if o.sentence is s and o.kind == "observation" and o.measure and o.subject == c.subject \
                        and not o.problem and o.span[0] > c.span[1] \
                        and _FIGURE_AFTER_RANK.fullmatch(s.text, c.span[1], o.span[0]):
                    name = self.registry.indicators[o.measure].label.get("en") \
                        if o.measure in self.registry.indicators else proposals.label("indicators", o.measure)
                    break
            if name is None and hasattr(self.rules, "ranking_scope"):
                name = self.rules.ranking_scope(s.text, c.span[1])
            if name:
                key = proposals.ranking(name, self.rules.lang, c.source if self._etype(c.source) in (
                    "organization", "company", "publisher") else None, note)
                c.measure, c.problem = key, None

    def _registry_pillar(self, s: Sentence, r: RankMention, prev_end: int, mentions: list[Mention], series: str,
                         proposals: Proposals, opened: dict) -> str | None:
        """Korean: a pillar named with a rank ("연구 항목도 9위에서 4위로", "개발(55.1점) 부문에서 2위") that the
        keywords gave to a registry ranking with no other series of its publisher (so no pillar of it is
        registered): the pillar of that ranking is proposed; the later place of a change keeps the earlier's."""
        pub = self.registry.rankings[series].publisher
        if pub is None or any(k != series and rk.publisher == pub for k, rk in self.registry.rankings.items()):
            return None
        last = opened.get("last_rank")
        if last and last[0] is s and last[2] != series \
                and re.fullmatch(r"\s?(?:→|->|에서|위에서)\s?", s.text[last[1]:r.start]):
            return last[2]
        pillar = phrases.sub_ranking_ko(s.text, r, prev_end)
        labels = list(self.registry.rankings[series].label.values())
        if not pillar or pillar in NOT_PILLAR or any(pillar in m.text or m.text in pillar for m in mentions) \
                or any(pillar.replace(" ", "") in label.replace(" ", "") for label in labels):
            return None
        key = self._pillar(series, pillar, proposals)
        opened["last_rank"] = (s, r.end, key)
        return key

    def _pillar(self, parent: str, pillar: str, proposals: Proposals) -> str:
        note = "proposed by kg extract: a pillar of a ranking the article names; check the name"
        if parent in self.registry.rankings:
            p = self.registry.rankings[parent]
            label_ko, label_en, pub = p.label.get("ko") or p.label["en"], p.label["en"], p.publisher
        else:
            e = proposals.entries["rankings"][parent]
            label_ko, label_en, pub = e["label"].get("ko", e["label"]["en"]), e["label"]["en"], e.get("publisher")
        if self.rules.lang == "ko" and pillar.replace(" ", "") in label_ko.replace(" ", ""):
            pillar = f"{pillar} 부문"     # "정부AI준비지수 - 정부 부문": the pillar told apart from the ranking's name
        name = f"{label_en} - {pillar}" if self.rules.lang == "en" else f"{label_ko} - {pillar}"
        return proposals.ranking(name, self.rules.lang, pub, note, en=f"{label_en} - {pillar}")

    def _see_titles(self, s: Sentence, mentions: list[Mention], src: str | None, opened: dict) -> None:
        """Remember the ranking a sentence names by its title (and the organisation it names), for the ranks
        of this and later sentences that no registry ranking fits."""
        find = phrases.ranking_ko if self.rules.lang == "ko" else phrases.ranking_en
        title = find(s.text, 0, len(s.text))
        if title is None:
            return
        orgs = [m for m in mentions if m.type in ("organization", "company", "publisher") and m.start < len(s.text)]
        if (opened.get("title") is not None or opened.get("series_known")) and title.endswith("순위") \
                and not re.search(r"지수|인덱스|평가|랭킹", title):
            opened["pillar_title"] = (s, title[:-2].strip())     # "'운영 환경 순위'": a pillar of the ranking
            return
        if opened.get("title") is not None and not self.rules.ranks(s.text):
            return                        # a sentence listing other indices does not change the article's ranking
        opened["title_sentence"] = s
        if title != opened.get("title"):
            opened["title"] = title
            opened["series"] = None
            opened["publisher"] = orgs[0].key if orgs else (src if self._etype(src) in ("organization", "company")
                                                            else None)

    # ------------------------------------------------------------------------------------------ main loop
    def run(self, text: str, body_end: int, published_year: int) -> tuple[list[Candidate], list[Mention], Proposals]:
        rules = self.rules
        proposals = Proposals(self.registry)
        out: list[Candidate] = []
        all_mentions: list[Mention] = []
        carried: str | None = None
        prev_subject: str | None = None
        prev_text: str = ""
        para = -1
        current_series: tuple | None = None    # the ranking the article is talking about: key, subject types, size
        current_indicator: str | None = None              # the measure the article is talking about
        article_subject: str | None = None                # the last subject of an earlier paragraph
        last_group: tuple | None = None                   # the group named last in the paragraph ("같은 그룹")
        last_group_para = -1
        seen_classifications: set[str] = set()            # classifications whose groups the article named
        opened: dict = {}                                 # open world: the ranking title and proposals in use
        named_so_far: set[str] = set()                    # registry entities the article has named
        self._named = named_so_far
        prev_count: Quantity | None = None                # the last count of the sentence before (same paragraph)
        ranked_size: int | None = None                    # "covering 40 countries": how many the ranking ranks
        for s in _bounded(rules.sentences(text, body_end)):
            if s.para != para:
                article_subject = prev_subject or article_subject
                para, carried, prev_subject, prev_text = s.para, None, None, ""
                prev_count, ranked_size = None, None
            mentions = self.gaz.find(s.text)
            all_mentions.extend(mentions)
            named_so_far.update(m.key for m in mentions)
            registered = mentions
            if not s.headline:
                mentions = sorted(mentions + self._unknown_names(s, mentions, proposals, text), key=lambda m: m.start)
            self._see_titles(s, mentions, None, opened)
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
            if rules.lang == "ko":
                # "스위스 국제경영개발대학원(IMD)", "영국 옥스퍼드인사이츠": a country naming where an organisation is from
                for m in mentions:
                    if m.type == "country" and (any(o.start == m.end + 1 and o.type != "country" and s.text[m.end] == " "
                                                    for o in mentions) or _ORG_AFTER.match(s.text, m.end)):
                        source_positions.add((m.start, m.end))
            unattributed = any(w in s.text for w in self.unattributed)
            topic = next((m for m in mentions if (m.start, m.end) not in source_positions
                          and m.type not in NOT_SUBJECT_TYPES and rules.is_topic(s.text, m)), None)

            self_source = rules.self_source(s.text, mentions)

            def source_at(pos: int) -> tuple[str | None, str]:
                forward = [m for p, m, scope in marks if scope == "forward" and p <= pos]
                if forward:
                    return forward[-1].key, "stated"
                if self_source is not None and self_source.start < pos:
                    return self_source.key, "stated"
                whole = [m for p, m, scope in marks if scope == "sentence"]
                if whole:
                    return whole[0].key, "stated"
                if speaker is not None and any(a <= pos < b for a, b in quotes):
                    return speaker.key, "stated"
                if speaker is not None and not quotes:
                    return speaker.key, "stated"
                if self_source is not None:
                    return self_source.key, "stated"
                if unattributed:
                    return None, "none"
                if carried:
                    return carried, "implied"
                return None, "none"

            source_keys = {m.key for _, m, _ in marks} | ({speaker.key} if speaker is not None else set())
            excluded = set(source_positions) | {(m.start, m.end) for m in mentions if m.key in source_keys}
            excluded |= {(m.start, m.end) for m in rules.compared_with(s.text, mentions)}
            attr_spans = rules.attribution_spans(s.text)
            excluded |= {(m.start, m.end) for m in mentions if any(a <= m.start < b for a, b in attr_spans)}

            respective: dict[int, Mention] = {}

            def subject_at(pos: int, end: int | None = None) -> tuple[str | None, float, str | None]:
                if pos in respective:                 # "미국과 중국이 각각 1위와 2위", "… respectively"
                    return respective[pos].key, 0.85, None
                # "삼성전자(33.7%)", "SK Hynix (36%)": the name the bracket belongs to
                opener = _BRACKET_BEFORE.search(s.text, max(0, pos - 3), pos)
                if opener:
                    named = [m for m in mentions if m.end == opener.start() and m.type not in NOT_SUBJECT_TYPES]
                    if named:
                        return named[0].key, 0.85, None
                if end is not None:
                    # "1위는 미국이 차지했고", "About 42% of the researchers worked at US institutions"
                    after = rules.subject_after(s.text, pos, end, [m for m in mentions if (m.start, m.end) not in excluded
                                                                   and m.type not in NOT_SUBJECT_TYPES])
                    if after is not None:
                        return after.key, 0.8, None
                seg = rules.segment_start(s.text, pos)
                inseg = [m for m in mentions if seg <= m.start and m.end <= pos and (m.start, m.end) not in excluded
                         and m.type not in NOT_SUBJECT_TYPES]
                if any(m in registered for m in inseg):
                    # a registered holder beats a name the registries lack ("xAI's Colossus cluster holds …"),
                    # unless that name is the topic ("중국의 SMIC가")
                    inseg = [m for m in inseg if m in registered or rules.is_topic(s.text, m)]
                topical = [m for m in inseg if rules.is_topic(s.text, m)]
                if topical:
                    return topical[-1].key, 0.9, None
                if inseg:
                    return inseg[-1].key, 0.8, None
                if seg > 0:
                    # an aside set off by commas: "Japan, at 12th, slipped"
                    lead = [m for m in mentions if m.end <= seg and (m.start, m.end) not in excluded
                            and m.type not in NOT_SUBJECT_TYPES and _ASIDE_GAP.fullmatch(s.text[m.end:seg])]
                    if lead:
                        # "Japan ranked 30th, three places above Korea, at $52.90": the name before the aside
                        aside = [m for m in lead if s.text[m.end:seg].count(",") >= 2]
                        return (aside[0] if aside else lead[-1]).key, 0.75, None
                unknown = rules.unknown_subject(s, seg, pos)
                if unknown and not any(unknown in m.text or m.text in unknown for m in mentions) \
                        and not any(unknown in s.text[a:b] for a, b in attr_spans):
                    return None, 0.6, unknown
                if topic is not None and topic.start < pos:
                    return topic.key, 0.8, None
                if topic is not None:
                    return topic.key, 0.7, None
                if prev_subject:
                    return prev_subject, 0.6, None
                home = rules.home_subject(s.text)
                if home:
                    return home, 0.6, None
                if article_subject and not any(m.type not in NOT_SUBJECT_TYPES and (m.start, m.end) not in excluded
                                               for m in mentions):
                    # a sentence naming no one continues the article's last subject across a paragraph break
                    return article_subject, 0.5, None
                return None, 0.0, None

            last_subject = None
            # ranks first: "after others" lists must not be taken as subjects of figures
            rank_list = rules.ranks(s.text)
            # "세계 11위", "OECD 38개국 중 31위": the place a rank is counted in is not its holder
            excluded.update((m.start, m.end) for m in rules.scope_mentions(s.text, mentions, rank_list))
            others_for: dict[int, list[Mention]] = {}
            followers_for: dict[int, list[Mention]] = {}
            for r in rank_list:
                others = rules.others_before_rank(s.text, r, mentions)
                if others:
                    others_for[r.start] = others
                    excluded.update((m.start, m.end) for m in others)
                followers = rules.followers_after_rank(s.text, r, mentions)
                if followers:
                    followers_for[r.start] = followers
                    excluded.update((m.start, m.end) for m in followers)
            quantities = [q for q in rules.quantities(s.text)
                          if not any(m.start <= q.start < m.end for m in mentions)]
            if prev_count is not None and hasattr(rules, "elliptical_count") \
                    and not any(q.kind == "count" for q in quantities):
                # "France had eight listed firms, against 50 in Germany. Italy had 14 while Spain had five.": bare
                # numbers in the holders' places count what the sentence before counted (hook)
                quantities = [replace(q, unit=prev_count.unit, kind=prev_count.kind, counter=prev_count.counter)
                              if rules.elliptical_count(s.text, q) else q
                              for q in rules.elliptical_numbers(s.text, quantities)]
            sizes = [q for q in quantities if rules.is_size_counter(q)]
            free = [m for m in mentions if (m.start, m.end) not in excluded and m.type not in NOT_SUBJECT_TYPES]
            respective.update(rules.respectively(s.text, free, [(r.start, r.end) for r in rank_list]))
            # names that follow a rank ("first, followed by Denmark and the US at 0.78 and 0.77 respectively")
            # still pair with figures
            followed = [m for ms in followers_for.values() for m in ms]
            respective.update(rules.respectively(s.text, sorted(free + followed, key=lambda m: m.start),
                                                 [(q.start, q.end) for q in quantities]))
            equivalents = set()
            count_context = any(o.kind == "count" or (o.unit is None and (rules.bare_ok(s.text, o)
                                                                          or self._unit_noun_after(s.text, o)))
                                for o in quantities)
            group_spans = [(gm, g) for g in self.groups for gm in g[0].finditer(s.text)]
            prev_rank_end = 0
            for i_rank, r in enumerate(rank_list):
                next_start = rank_list[i_rank + 1].start if i_rank + 1 < len(rank_list) else len(s.text)
                win = rules.rank_window(s.text, r, prev_rank_end, next_start)
                subj, conf, unknown = subject_at(r.start, r.end)
                src, attribution = source_at(r.start)
                seg = rules.segment_start(s.text, r.start)
                # the nearest evidence decides: the previous sentence only counts when this one names no ranking
                scores = self._score(self.rank_keywords, [(s.text[win[0]:win[1]], 3.0), (s.text, 1.0)]) \
                    or self._score(self.rank_keywords, [(prev_text, 0.5)])
                for key in list(scores):
                    pub = self.registry.rankings[key].publisher
                    if pub and (pub == src or any(m.key == pub for m in mentions)):
                        scores[key] += 2.0
                out_of = rules.out_of(s.text, r)
                if out_of is None and not sizes and ranked_size is not None and ranked_size >= r.rank:
                    out_of = ranked_size       # "… covers 40 countries. France ranked ninth"
                for key in scores:
                    size = self.registry.rankings[key].size
                    if size and out_of == size:          # "주요 20개국 가운데 9위" for a ranking of 20
                        scores[key] += 4.0
                    elif size and out_of:
                        scores[key] -= 2.0
                own_words = bool(scores)
                # a rank "out of" another number than the ranking's belongs to another list
                fits_current = current_series is not None and subj is not None \
                    and self._etype(subj) in current_series[1] \
                    and (out_of is None or current_series[2] is None or out_of == current_series[2])
                if fits_current:
                    # the article keeps talking about one publisher's ranking unless its words say otherwise: the
                    # ranking named earlier competes like a keyword of this sentence
                    family = self.registry.rankings[current_series[0]].publisher
                    for key in scores:
                        if key != current_series[0] and family and self.registry.rankings[key].publisher == family:
                            scores[key] += 1.5
                    scores[current_series[0]] = scores.get(current_series[0], 0.0) + 1.5
                scores = self._narrowest(scores, s.text[win[0]:rules.near_end(s.text, r, win[1])], self.parent,
                                         self.distinctive)
                series = max(scores, key=lambda k: (round(scores[k], 6), -self.breadth[k], k)) if scores else None
                carried_in = False
                if fits_current and series == current_series[0] and not own_words:
                    carried_in = True
                    conf *= 0.9
                proposed_series = None
                pub_named = series in self.registry.rankings and \
                    self.registry.rankings[series].publisher in named_so_far | {None}
                pillar = rules.pillar_of(s.text, r) if hasattr(rules, "pillar_of") else None
                # the ranking the article is about: the pillar's own words may match another ranking's keywords
                parent = (current_series[0] if current_series else None) or opened.get("series") or (
                    self.parent.get(series, series) if series else None)
                if pillar and parent:
                    # "in the areas of infrastructure and research, ranking fourth and seventh, respectively"
                    series = proposed_series = self._pillar(parent, pillar, proposals)
                elif series is None or not pub_named:
                    # no registry ranking, or one of a publisher the article never names: the article's own
                    # ranking (a pillar of it, or the one it names by title) when it has one
                    proposed_series = self._open_series(s, r, prev_rank_end, mentions, src, proposals, opened,
                                                        current_series, strict=series is not None)
                elif rules.lang == "ko":
                    # "연구 항목도 9위에서 4위로": a pillar of a registry ranking whose pillars the registry lacks
                    proposed_series = self._registry_pillar(s, r, prev_rank_end, mentions, series, proposals, opened)
                if current_series is not None:
                    opened["series_known"] = True
                if proposed_series is not None:
                    series = proposed_series
                elif series is not None and not s.headline and not carried_in:
                    kept_size = current_series[2] if current_series and current_series[0] == series else None
                    current_series = (self.parent.get(series, series),
                                      {self._etype(subj)} | ({"country", "country-group"}
                                                             if self._etype(subj) in ("country", "country-group")
                                                             else set()),
                                      out_of or kept_size or self.registry.rankings[series].size)
                pub = self.registry.rankings[series].publisher if series in self.registry.rankings else None
                if pub and src != pub and any(m.key == pub for m in mentions):
                    src, attribution = pub, "stated"
                if series and src is None:
                    if pub and any(m.key == pub for m in mentions):
                        src, attribution = pub, "stated"
                    elif pub and (carried == pub or carried_in):
                        src, attribution = pub, "implied"
                period = rules.period_before(s.text, r.start, r.end, max(seg, prev_rank_end), published_year)
                base = dict(sentence=s, measure=series, kind="rank", source=src, attribution=attribution,
                            period=period[0] if period else None, period_note=period[1] if period else None)
                problem = None if series else "no ranking series matches the context"
                holder_problem = None
                if series in self.registry.rankings and self._etype(subj) in ("organization", "publisher") and (
                        subj in (pub, src) or (current_series and current_series[0] == self.parent.get(series, series)
                                               and "country" in current_series[1])):
                    # "OECD 31위", "IMD … 6위": the publisher, the reporter or an institute is not a holder of a
                    # ranking of countries
                    holder_problem = "an organisation that publishes or reports a ranking is not its holder"
                out.append(Candidate(subject=subj, span=(r.start, r.end), confidence=conf * (0.6 if s.headline else 1),
                                     rank=r.rank, out_of=out_of, as_written=r.as_written, subject_name=unknown,
                                     problem=problem or holder_problem or (None if subj else "no subject found"),
                                     **base))
                for i, other in enumerate(others_for.get(r.start, [])):
                    rank = r.rank - len(others_for[r.start]) + i
                    if rank >= 1:
                        out.append(Candidate(subject=other.key, span=(r.start, r.end), confidence=0.75,
                                             rank=rank, out_of=out_of, problem=problem,
                                             note=f"rank inferred from the order of “{s.text[other.start:r.end]}”",
                                             **base))
                if subj and series:
                    # "first …, followed by Norway and Luxembourg": the next places in order
                    for i, other in enumerate(followers_for.get(r.start, []), start=1):
                        out.append(Candidate(subject=other.key, span=(r.start, r.end), confidence=0.75,
                                             rank=r.rank + i, out_of=out_of, problem=problem,
                                             note=f"rank inferred from the order of “{s.text[r.start:other.end]}”",
                                             **base))
                if subj:
                    last_subject = subj
                if i_rank > 0 and _RANK_CHANGE.fullmatch(s.text[prev_rank_end:r.start]):
                    # "6위→4위", "7위에서 6위로": the first is the previous edition's place
                    now = int(period[0]) if period and period[0].isdigit() else published_year
                    for c in out:
                        if c.sentence is s and c.kind == "rank" and c.span[1] == prev_rank_end and c.period is None \
                                and c.subject == subj:
                            c.period = str(now - 1)
                            c.period_note = f"the earlier place of the change “{s.text[c.span[0]:r.end]}”: the previous edition"
                prev_rank_end = r.end
            range_high, range_skip = self._ranges(s.text, quantities)
            for q in quantities:
                if id(q) in range_skip:
                    continue          # the high end of a range, drafted with its low end
                high = range_high.get(id(q))
                if high is not None and q.unit is None:
                    q = Quantity(q.value, high.unit, high.kind, high.counter, q.approximate, q.start, q.end,
                                 q.as_written)
                if id(q) in equivalents or rules.is_size_counter(q) \
                        or (q.kind == "count" and _SIZE_AFTER.match(s.text[q.end:q.end + 12])):
                    continue          # "38개 회원국 중", "188개국 가운데": how many are ranked, not a figure
                if q.unit is None and not count_context and not (self.score_indicators and
                                                                 _SCORE_CONTEXT.search(s.text)):
                    continue
                if any(0 <= q.start - gm.end() <= 1 for gm, _ in group_spans):
                    continue          # "1등급 국가 18곳", "AI pioneers, 5 countries": the size of the group
                if _SCORE_BOUND.match(s.text[q.end:q.end + 12]) or _OUT_OF_BEFORE.search(s.text, max(0, q.start - 20), q.start):
                    continue          # "100점 만점", "out of 100": the scale, not a score
                not_fact = rules.not_a_fact(s.text, q, published_year) or _not_a_level(s.text, q)
                qualifier = self._qualifier(s.text, q, not_fact)
                if qualifier is not None:
                    not_fact = None   # a bound or a target is a fact that says so (docs/fact-sheets.md)
                elif high is not None and not not_fact:
                    qualifier = "range"
                eq = rules.equivalent_after(s.text, q, quantities)
                if eq is not None:
                    equivalents.add(id(eq))
                subj, conf, unknown = subject_at(q.start, q.end)
                src, attribution = source_at(q.start)
                seg = rules.segment_start(s.text, q.start)
                contexts = [(s.text[seg:q.end + 12], 3.0), (s.text, 1.5), (prev_text, 0.7)]
                scores = self._score(self.ind_keywords, contexts)
                near_end = q.end + 12
                if rules.lang == "en":
                    # English names the measure after the figure too: "47% of the world's top AI researchers by
                    # undergraduate degree" (to the end of the clause)
                    stop = re.search(r"[,;:]|\s(?:but|while|whereas|and)\s", s.text[q.end:q.end + 90])
                    near_end = q.end + (stop.start() if stop else 90)
                scores = self._narrowest(scores, s.text[seg:near_end], self.ind_parent, self.ind_distinctive,
                                         s.text[seg:q.end + 12])
                criterion = self.registry.rankings[current_series[0]].criterion if current_series else None
                if criterion in scores:
                    scores[criterion] += 1.5  # the ranking the article is about orders by this measure
                fitting = {}
                market_named = bool(re.search(r"market|시장", s.text, re.IGNORECASE))
                change = q.unit == "percent" and rules.is_change(s.text, q)
                for key, score in scores.items():
                    fits, unit = self._unit_fits(key, q, s.text)
                    if q.unit == "percent" and change != (key in self.change_indicators):
                        fits = False         # "12% 늘었다" is a growth rate, "a 12% share" is not
                    need = self.required.get(key)
                    if need and not any(w in s.text or w in prev_text for w in need):
                        fits = False
                    if key in self.market_indicators and not market_named:
                        fits = False         # a market's size is only read where a market is named
                    if fits:
                        fitting[key] = (score, unit)
                if not fitting and current_indicator is not None and self._unit_fits(current_indicator, q, s.text)[0] \
                        and (q.unit != "percent" or change == (current_indicator in self.change_indicators)):
                    # the measure named earlier in the article ("미국은 97.1달러로 8위" after "시간당 노동생산성은 …")
                    fitting[current_indicator] = (0.0, self._unit_fits(current_indicator, q, s.text)[1])
                    conf *= 0.85
                elif fitting and not s.headline:
                    current_indicator = max(fitting, key=lambda k: (round(fitting[k][0], 6), -self.breadth[k], k))
                indicator = max(fitting, key=lambda k: (round(fitting[k][0], 6), -self.breadth[k], k)) if fitting else None
                unit = fitting[indicator][1] if indicator else None
                if indicator in self.market_indicators and not re.search(r"market|시장", s.text, re.IGNORECASE):
                    indicator, unit = None, None          # a market's size is only read where a market is named
                if indicator in self.market_indicators and "world" in self.registry.entities \
                        and (self._etype(subj) == "company" or (subj is not None and conf <= 0.6)):
                    subj, conf = "world", 0.6
                if indicator in self.government_indicators and self._etype(subj) == "organization":
                    # a ministry's budget is its government's: the country the registry gives it
                    country = getattr(self.registry.entities[subj], "country", None)
                    if country:
                        subj = country
                period = rules.period_before(s.text, q.start, q.end, seg, published_year)
                equivalent = None
                if eq is not None and proposals.unit(eq.unit, eq.counter) is not None:
                    equivalent = {"value": eq.value, "unit": eq.unit, "approximate": eq.approximate}
                if unit is not None and unit not in self.registry.units:
                    proposals.unit(unit, q.counter)
                if indicator is None and q.unit is not None and not (not_fact and not qualifier):
                    indicator, unit, conf = self._open_indicator(s, q, seg, mentions, proposals, opened,
                                                                 current_series, conf)
                if unknown and (any(ch.isdigit() for ch in unknown) or unknown.lower() in self.measure_words_folded):
                    unknown = None                # "H100", "Productivity …": a product or a measure word, not a name
                if subj is None and unknown and indicator is not None:
                    subj, conf = proposals.entity(unknown, rules.lang, "company",
                                                  "named as the holder of a figure; type and labels are guesses"), 0.6
                problem = not_fact
                if problem:
                    pass
                elif indicator is None:
                    problem = "no indicator matches the context and unit"
                elif subj is None:
                    problem = "no subject found"
                if q.unit is None and q.kind is None and indicator:
                    conf *= 0.8
                out.append(Candidate(
                    kind="observation", subject=subj, measure=indicator, sentence=s, span=(q.start, q.end),
                    confidence=conf * (0.6 if s.headline else 1), value=q.value, unit=unit,
                    as_written=(s.text[q.start:high.end] if high is not None and qualifier == "range" else q.as_written),
                    equivalent=equivalent, approximate=q.approximate,
                    period=period[0] if period else None, period_note=period[1] if period else None,
                    source=src, attribution=attribution, subject_name=unknown, problem=problem,
                    qualifier=qualifier, value_high=high.value if high is not None and qualifier == "range" else None))
                if subj and not problem:
                    # "Meta and Microsoft … 150,000 units", "Google, Amazon, Oracle, and Tencent jointly … 50,000":
                    # one figure for every name of the list that is its subject
                    for other in self._joint_holders(s.text, q, subj, mentions, excluded, quantities, respective):
                        out.append(Candidate(kind="observation", subject=other, measure=indicator, sentence=s,
                                             span=(q.start, q.end), confidence=conf * 0.9, value=q.value, unit=unit,
                                             as_written=q.as_written, equivalent=equivalent,
                                             approximate=q.approximate, period=period[0] if period else None,
                                             period_note=period[1] if period else None, source=src,
                                             attribution=attribution, qualifier=qualifier,
                                             note="the figure of every name in the list before it"))
                if subj:
                    last_subject = subj
            if s.para != last_group_para:
                last_group, last_group_para = None, s.para
            strong_hits = [(gm, g) for g in self.groups for gm in g[0].finditer(s.text)]
            # "the second tier", "3등급": only for a classification named here or earlier in the article, and not
            # when the sentence names a group of another classification ("'steady AI contenders' in the second tier")
            named = {m.key for m in mentions}
            strong_cls = {g[4] for _, g in strong_hits}
            weak_hits = [(gm, g) for g in self.groups if g[1] is not None and strong_cls <= {g[4]}
                         and (g[3] in named or g[4] in seen_classifications) for gm in g[1].finditer(s.text)
                         if not any(a.start() < gm.end() and gm.start() < a.end() for a, _ in strong_hits)]
            for gm, (_, _, group_key, publisher, classification) in strong_hits + weak_hits:
                seen_classifications.add(classification)
                if True:
                    if rules.negated_group(s.text, gm.start(), gm.end()):
                        continue                  # "한국은 'AI 선도국가'에 들지 못했다", "Korea is not among the …"
                    candidates_m = [m for m in mentions if (m.start, m.end) not in excluded and m.key != publisher]
                    # "The second tier includes India and Saudi Arabia", "2등급에는 인도와 사우디가 포함됐다"
                    members = _members_after(s.text, gm.end(), candidates_m, rules.lang) \
                        or rules.list_before(s.text, gm.start(), candidates_m)
                    if not members:
                        subj, conf, unknown = subject_at(gm.start())
                        if subj is None:
                            continue
                        members_keys = [(subj, conf)]
                    else:
                        members_keys = [(m.key, 0.85) for m in members]
                    src, attribution = source_at(gm.start())
                    if src is None and publisher and carried == publisher:
                        src, attribution = publisher, "implied"
                    members_keys = [(k, c) for k, c in members_keys
                                    if k != publisher and self._etype(k) not in ("organization", "publisher")]
                    for key, conf in members_keys:
                        out.append(Candidate(kind="membership", subject=key, measure=group_key, sentence=s,
                                             span=(gm.start(), gm.end()), confidence=conf, source=src,
                                             attribution=attribution))
                    last_group = (group_key, src, attribution)
            if last_group is not None:
                # "일본과 독일도 같은 그룹으로 분류됐다", "France and Japan are in the same tier"
                for same in rules.same_group(s.text):
                    members = rules.same_group_members(s.text, same, [m for m in mentions
                                                                     if (m.start, m.end) not in excluded])
                    for m in members:
                        out.append(Candidate(kind="membership", subject=m.key, measure=last_group[0], sentence=s,
                                             span=same, confidence=0.75, source=last_group[1],
                                             attribution=last_group[2] if last_group[1] else "none",
                                             note=f"the group named before “{s.text[same[0]:same[1]]}”"))
            # "Meta and Microsoft are tied for first place with 150,000 units", "한국과 일본에 각각 4개": one rank or
            # figure held jointly by every name of a list (hook: ``rules.joint_holders``)
            if hasattr(rules, "joint_holders"):
                mine = [c for c in out if c.sentence is s and c.kind != "membership" and c.subject]
                for c in mine:
                    for m in rules.joint_holders(s.text, c.span, free):
                        if m.key != c.subject and not any(o.sentence is s and o.span == c.span and o.subject == m.key
                                                          for o in out):
                            out.append(replace(c, subject=m.key, confidence=min(c.confidence, 0.8),
                                               note=f"held jointly by the names of “{s.text[m.start:c.span[1]]}”"))
            # "2019년과 2020년 8위": one rank for several years (hook: ``rules.extra_periods``)
            if hasattr(rules, "extra_periods"):
                for c in [c for c in out if c.sentence is s and c.kind == "rank"]:
                    for period, note in rules.extra_periods(s.text, c.span):
                        if period != c.period:
                            out.append(replace(c, period=period, period_note=note))
            self._series_from_figures(s, out, proposals)
            if new_speaker is not None:
                for c in out:
                    if c.sentence is s and c.source is None and any(a <= c.span[0] < b for a, b in quotes):
                        c.speaker = new_speaker
                        c.note = (f"quoted: {new_speaker['name']} ({new_speaker.get('role') or '?'}), "
                                  "not in the registries; proposed as a new entity")
            # what carries to the next sentence
            if marks:
                carried = marks[-1][1].key
            elif speaker is not None or unattributed or new_speaker is not None:
                carried = None
            if topic is not None:
                prev_subject = topic.key
            elif last_subject:
                prev_subject = last_subject
            prev_text = s.text
            counts = [q for q in quantities if q.kind == "count" and q.unit and not rules.is_size_counter(q)]
            prev_count = counts[-1] if counts else None
            if sizes and not rank_list:
                ranked_size = int(sizes[-1].value)
        return out, all_mentions, proposals

"""The language-neutral part of the extractor: sentences in, candidate facts out.

``Engine.run`` is a loop: for every sentence of the article body it builds the sentence's context
(``kg.extract.context``: entity mentions from ``resolve``, figures and ranks from the language's rules, sources,
quotations) and hands it to each reader of ``kg.extract.readers`` (ranks, figures, group memberships, …), which
append candidate facts to the article state. The language comes from ``kg.extract.languages``; tuning numbers from
``kg.extract.weights``. This module keeps what the readers share about the registry, deciding per figure:

- the subject: the nearest entity in the figure's list segment, else the sentence's topic, else the subject of the
  previous sentence in the same paragraph (each fallback lowers the confidence);
- the measure: the indicator or ranking series whose keywords (the registry's ``keywords`` and labels) are
  nearest to the figure and whose unit fits the figure's counter or currency;
- the source: a stated attribution before the figure in the same sentence ("X에 따르면", "according to X", a quoted
  speaker), else the attribution carried from an earlier sentence of the paragraph (recorded as implied), else none.

A figure whose subject or measure cannot be decided is not guessed: it is reported back (``unmatched``) for the
reviewer, and a subject name the registries do not know becomes a proposed registry entry.
"""
from __future__ import annotations

import re
from itertools import pairwise
from collections.abc import Mapping
from typing import Any, Protocol

from mypy_extensions import trait

from ..model import Entity, Group, Indicator, RankingSeries, Registry, Unit
from . import phrases
from .context import (NOT_SUBJECT_TYPES, SOURCE_TYPES, ArticleState, Candidate, CurrentSeries, Opened, Sentence,
                      Token, holds_any, sentence_context)
from .figures import Quantity, RankMention
from .gates import Gated, gated
from .languages import LANGUAGES, LanguageSpec, alternatives
from .propose import Proposals
from .readers import READERS, Reader
from .resolve import Gazetteer, Mention
from .scoring import KeywordTable, SentenceHits, boundary_ok
from .weights import MEASURE

__all__ = [
    "MAX_SENTENCE",
    "NOT_SUBJECT_TYPES",
    "SOURCE_TYPES",
    "Candidate",
    "Engine",
    "QuotedSpeakers",
    "Rules",
    "Sentence",
]


# A sentence longer than this is read in pieces (cut at a comma or space): rules look around each figure within
# its sentence, so an unbounded "sentence" (a table flattened into one line, a page without full stops) would make
# extraction quadratic in the line's length; real sentences are far shorter.
MAX_SENTENCE = 600


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
                mine: list[Token] = []
                while t < len(tokens) and tokens[t][0] < end:     # tokens in order: one pass over them
                    x, y, form, tag = tokens[t]
                    if start <= x and y <= end:
                        mine.append((x - start, y - start, form, tag))
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
    def unknown_speaker(self, text: str, mentions: list[Mention]) -> dict[str, Any] | None: ...
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


def _words(label: str, lang: str = "en") -> list[str]:
    """The content words of a label in language ``lang`` (its ``label_stopwords`` dropped)."""
    spec = LANGUAGES.get(lang)
    stop = spec.label_stopwords if spec else frozenset()
    return [w for w in re.split(r"[\s()\-,/]+", label)
            if len(w) >= 2 and w.lower() not in stop and not re.fullmatch(r"[\d.,]+\w{0,3}", w)]


def _is_score_unit(unit: Unit | None) -> bool:
    """A unit of index scores (its label says points / 점), whatever its declared kind."""
    if unit is None:
        return False
    return (unit.label.get("ko") or "").strip() == "점" or bool(
        re.search(r"\bpoints?\b|\bscore", unit.label.get("en") or "", re.IGNORECASE))


_GROUP_HEAD = re.compile(rf"\s*(?:{alternatives('group_heads')})$", re.IGNORECASE)   # the languages' group_heads


def _group_pattern(group: Group, lang: str) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    """How articles name a group: its labels (English plural optional), its ``keywords``, the label without a
    generic head noun ("Tier 1 countries" → "Tier 1", "1등급 국가" → "1등급") and, for a numbered tier, the
    ordinal forms ("the second tier", "the first of three tiers")."""
    texts = {t for t in (group.label.get(lang), group.label.get("en")) if t is not None}
    texts |= set((group.keywords or {}).get(lang, [])) | set((group.keywords or {}).get("en", []))
    alts: set[str] = set()
    for text in texts:
        for raw in {text}:
            t = raw.strip()
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
            for spec in LANGUAGES.values():     # "the second tier", "2등급": each language's tier_forms
                if spec.tier_forms is not None:
                    alts |= spec.tier_forms(text, n)
    weak = "|".join(sorted(alts, key=len, reverse=True))
    return re.compile(strong, re.IGNORECASE), (re.compile(weak, re.IGNORECASE) if weak else None)


# a lookaround with no bracket inside, not quantified: dropping it leaves a pattern that matches wherever the
# original matches (and perhaps elsewhere)
_LOOKAROUND = re.compile(r"\(\?<?[!=][^()]*\)(?![?*+{])")


class Prefiltered:
    """A pattern searched only where the same pattern without its lookarounds matches: an alternation whose
    branches begin with a lookbehind is tried at every position of the text, the same branches without it are
    found by the regex engine's scan for their first characters (several times faster on text that holds none,
    which is most sentences)."""

    def __init__(self, pattern: re.Pattern[str]):
        self.pattern = pattern
        self.gate = Gated(pattern)          # first: does the text hold a word a match begins with (gates.py)
        loose = _LOOKAROUND.sub("", pattern.pattern)
        self.loose: re.Pattern[str] | None = None
        if loose != pattern.pattern and not re.search(r"\(\?<?[!=]", loose):
            try:
                self.loose = re.compile(loose, pattern.flags)
            except re.error:
                self.loose = None

    def search(self, text: str) -> re.Match[str] | None:
        if not self.gate.may_match(text):
            return None
        if self.loose is not None and self.loose.search(text) is None:
            return None
        return self.pattern.search(text)


QUOTE = re.compile(r"[“\"]([^”\"]{2,})[”\"]")
# between a holder and its figure: another clause, "respectively", a comparison ("than", "보다")
_NOT_JOINT = re.compile(r"[;.]|respectively|각각\s?\S+\s?,|\b(?:than|against|compared|versus|vs)\b|보다")
_JOINT_SEP = re.compile(rf"\s*(?:{alternatives('list_separators')})\s*(?:the\s+)?")   # list_separators


@trait          # a mixin of both languages' rules (mypyc compiles a class with two bases only when they are traits)
class QuotedSpeakers:
    """What both languages' rules share about quotations: where they are, and the registered person speaking."""

    def quote_spans(self, text: str) -> list[tuple[int, int]]:
        if '"' not in text and "“" not in text:
            return []                      # most sentences quote no one: no scan for a quotation mark
        return [(m.start(), m.end()) for m in QUOTE.finditer(text)]

    def speaker(self, text: str, mentions: list[Mention]) -> Mention | None:
        quotes = self.quote_spans(text)
        if not quotes:
            return None
        people = [m for m in mentions if m.type == "person" and not any(a <= m.start < b for a, b in quotes)]
        return people[0] if people else None


class Engine:
    def __init__(self, registry: Registry, gazetteer: Gazetteer, language: LanguageSpec,
                 readers: tuple[Reader, ...] = READERS):
        self.registry = registry
        self.gaz = gazetteer
        self.language = language
        # the language's range patterns, compiled once (``_ranges`` asks them of every pair of figures)
        rb = language.range_between
        self._range_patterns = (re.compile(language.range_gap) if language.range_gap is not None else None,
                                (re.compile(rb[0]), re.compile(rb[1])) if rb is not None else None,
                                re.compile(language.range_not_after) if language.range_not_after else None)
        self.readers = readers
        # sentences with nothing to read get a short context and no reader, unless a reader asks to see them all
        self.skip_idle = all(getattr(r, "every_sentence", True) is False for r in readers)
        rules = language.make_rules(gazetteer)
        self.rules: Any = rules
        if hasattr(rules, "use_registry"):
            rules.use_registry(registry)        # the language's entry of the registry (home country and words)
        lang = language.code
        self.ind_keywords = self._table(registry.indicators, lang)
        self.rank_keywords = self._table(registry.rankings, lang, registry.entities)
        # words one of which must be in the sentence (or the previous one) for the indicator to be read at all
        self.required = {k: ind.required[lang] for k, ind in registry.indicators.items() if ind.required.get(lang)}
        self.groups = []
        for c in registry.classifications.values():
            for g in c.groups.values():
                strong, weak = _group_pattern(g, lang)
                self.groups.append((strong, weak, g.key, c.publisher, c.key))
        # one search tells whether a sentence names any group at all (most do not)
        self.any_group = Prefiltered(re.compile("|".join(f"(?:{g[0].pattern})" for g in self.groups) or r"(?!)",
                                                re.IGNORECASE))
        self.any_weak_group = Prefiltered(re.compile("|".join(f"(?:{g[1].pattern})" for g in self.groups
                                                              if g[1] is not None) or r"(?!)", re.IGNORECASE))
        self.unattributed = list(language.unattributed)
        counted = {(u.label.get("en") or "").lower() for u in registry.units.values() if u.kind == "count"}
        for ind in registry.indicators.values():      # "9,500 cobots": a keyword of an indicator of counts
            unit = registry.units.get(ind.unit)
            if unit is not None and unit.kind == "count":
                counted |= {w.lower() for w in (ind.keywords or {}).get("en", []) if re.fullmatch(r"[A-Za-z-]{3,}s", w)}
        nouns = sorted(counted - {""}, key=len, reverse=True)
        self._count_nouns = re.compile(r"\s+(?:[\w-]+\s+){0,2}?(?:" + "|".join(re.escape(n) for n in nouns)
                                       + r")\b", re.IGNORECASE) if nouns and language.count_nouns_after else None
        # words of measure names are not names of holders ("DRAM", "GPU", "AI")
        self.measure_words = {w for part in (registry.indicators, registry.rankings, registry.units)
                              for item in part.values()
                              for text in list(item.label.values()) + [k for v in (getattr(item, "keywords", None) or {}).values() for k in v]
                              for w in re.split(r"[\s()/,]+", text) if w}
        self.measure_words_folded = {w.lower() for w in self.measure_words}
        self.score_units = {k for k, unit in registry.units.items() if _is_score_unit(unit)}
        self.score_indicators = {k for k, ind in registry.indicators.items() if ind.unit in self.score_units}
        # the language's qualifier words as tuples, for str.startswith / str.endswith
        self._bound_words = {qual: (tuple(language.qualifier_words.get(qual, {}).get("before", [])),
                                    tuple(language.qualifier_words.get(qual, {}).get("after", [])))
                             for qual in ("upper-bound", "lower-bound")}
        self._hits_cache: dict[tuple[int, str], SentenceHits] = {}
        self._series_of_publisher: dict[str, int] = {}      # how many ranking series each publisher has
        for ranking in registry.rankings.values():
            if ranking.publisher:
                self._series_of_publisher[ranking.publisher] = self._series_of_publisher.get(ranking.publisher, 0) + 1
        self._fit_cache: dict[tuple[str | None, str | None, str | None], dict[str, tuple[bool, str | None]]] = {}
        self._keyword_tables: dict[int, KeywordTable] = {}    # by the id of ind_keywords / rank_keywords
        # on equal evidence the broader measure (fewer label words) is chosen, not the alphabetically last
        self.breadth = {k: len(_words(item.label.get("en", ""), "en"))
                        for part in (registry.indicators, registry.rankings) for k, item in part.items()}
        # indicators of a scope (registry ``languages: … scopes:``): a market's size (the market's, not a company's:
        # without a named country it is the world's), a government's figure, a change
        self.market_indicators = self._scoped(registry, "market")
        self.government_indicators = self._scoped(registry, "government")
        self.change_indicators = self._scoped(registry, "change")
        market_words = sorted({w for entry in registry.languages.values() if "market" in entry.scopes
                               for w in entry.scopes["market"].sentence})
        self._market_named = gated("|".join(re.escape(w) for w in market_words), re.IGNORECASE) \
            if market_words else None
        self.parent, self.distinctive = self._sub_series(registry.rankings, self.rank_keywords, "publisher")
        self.ind_parent, self.ind_distinctive = self._sub_series(registry.indicators, self.ind_keywords, "unit")

    @staticmethod
    def _scoped(registry: Registry, name: str) -> set[str]:
        """Indicators whose label in some language holds one of that language's words for the scope ``name``
        (as a whole word, case-insensitively, in languages compared that way; as a substring otherwise)."""
        tests: list[tuple[str, re.Pattern[str] | None, list[str]]] = []
        for code, entry in sorted(registry.languages.items()):
            scope = entry.scopes.get(name)
            if scope is None or not scope.label:
                continue
            spec = LANGUAGES.get(code)
            if spec is None or spec.fold_case:
                alts = "|".join(re.escape(w) for w in scope.label)
                tests.append((code, re.compile(rf"\b(?:{alts})\b", re.IGNORECASE), []))
            else:
                tests.append((code, None, list(scope.label)))
        out: set[str] = set()
        for key, ind in registry.indicators.items():
            for code, pattern, words in tests:
                label = ind.label.get(code, "")
                if (pattern.search(label) if pattern is not None else any(w in label for w in words)):
                    out.add(key)
        return out

    def market_named(self, text: str) -> bool:
        """Does the sentence name a market (a word of any language's ``market`` scope ``sentence`` words)?"""
        return self._market_named is not None and self._market_named.search(text) is not None

    def _sub_series(self, items: Mapping[str, Indicator] | Mapping[str, RankingSeries], table: dict[str, list[tuple[str, float]]],
                    same: str) -> tuple[dict[str, str], dict[str, list[str]]]:
        """Narrower measures: a ranking series ("Tortoise Global AI Index - talent" of "Tortoise Global AI Index")
        or an indicator whose English label holds all the words of another one's label and more, with the same
        publisher (rankings) or unit (indicators). A narrower measure is only chosen when one of its own words
        (not the broader one's) is near the figure or rank."""
        def label_words(key: str) -> set[str]:
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
        if not any(key in parent for key in scores):
            return dict(scores)          # no narrower measure among them
        fold = self.language.fold_case
        text = near.lower() if fold else near
        close = text if nearest is None else (nearest.lower() if fold else nearest)
        overall = any(w in text for w in self.language.overall)
        out = dict(scores)
        for key in list(out):
            par = parent.get(key)
            if par is None:
                continue
            own = [w for w in distinctive.get(key, []) if boundary_ok(text, w.lower() if fold else w, fold)]
            if overall or not own:
                out[par] = max(out.get(par, 0.0), out.pop(key))
            elif any(boundary_ok(close, w.lower() if fold else w, fold) for w in distinctive.get(key, [])):
                out[key] += MEASURE["narrower_own_words"]          # the narrower measure's own words are there: it is the more specific
        return out

    def unit_noun_after(self, text: str, q: Quantity) -> bool:
        """A bare English count followed by the noun of a registry count unit ("46,000 industrial robots")."""
        if self._count_nouns is None:
            return False
        return bool(self._count_nouns.match(text, q.end))

    def _etype(self, key: str | None) -> str | None:
        ent = self.registry.entities.get(key) if key else None
        return ent.type if ent else None

    def _table(self, registry_part: Mapping[str, Any], lang: str,
               entities: Mapping[str, Entity] | None = None) -> dict[str, list[tuple[str, float]]]:
        """Words that signal each measure, with weights (``weights.MEASURE``): the registry entry's own ``keywords``
        weigh most, then its label as a whole, then the label's content words; a ranking's
        publisher (its labels and aliases) counts like a label word."""
        out: dict[str, list[tuple[str, float]]] = {}
        for key, item in registry_part.items():
            words: dict[str, float] = {}
            curated = list((getattr(item, "keywords", None) or {}).get(lang, []))
            for w in curated:
                words[w] = max(words.get(w, 0), MEASURE["curated"] + MEASURE["curated_per_word"] * len(w.split()))   # curated words beat label words
            label = item.label.get(lang)
            if label:
                parts = [w for w in _words(label, lang) if w.upper() != "AI"]
                for w in parts:
                    words.setdefault(w, MEASURE["label_word"])
                # the whole label outweighs its words found apart (a word inside a matched label counts once)
                words.setdefault(label, max(MEASURE["label_min"], MEASURE["label_base"]
                                            + sum(words.get(w, MEASURE["label_word"]) for w in set(parts))))
            if self.language.latin_acronyms and item.label.get("en"):
                # Korean articles write Latin acronyms and brand words as in English ("DRAM", "IMD", "Gartner")
                for w in _words(item.label["en"], "en"):
                    if re.fullmatch(r"[A-Z][A-Za-z0-9&]*[A-Z0-9][A-Za-z0-9&]*", w) and w.upper() != "AI":
                        words.setdefault(w, MEASURE["label_word"])
            publisher = entities.get(getattr(item, "publisher", None) or "") if entities else None
            if publisher is not None:
                names = [publisher.label.get(lang), publisher.label.get("en")]
                names += list((getattr(publisher, "aliases", None) or {}).get(lang, []))
                names += list((getattr(publisher, "aliases", None) or {}).get("en", []))
                for n in names:
                    if n and len(n) >= 2:
                        words.setdefault(n, MEASURE["label_word"])
            out[key] = sorted(words.items(), key=lambda kv: -len(kv[0]))
        return out

    # ------------------------------------------------------------------------------------------ scoring
    def _score(self, table: dict[str, list[tuple[str, float]]],
               contexts: list[tuple[str, int, int | None, float]]) -> dict[str, float]:
        """Keyword weight per key over windows ``text[start:end]`` (each weighted), keys in the order found."""
        scores: dict[str, float] = {}
        for text, start, end, weight in contexts:
            for key, raw in self.hits(table, text).score(start, end).items():
                scores[key] = scores.get(key, 0.0) + raw * weight
        return scores

    def hits(self, table: dict[str, list[tuple[str, float]]], text: str) -> SentenceHits:
        """Where the table's words occur in a sentence (cached: each figure and rank of it scores a window)."""
        cache = self._hits_cache
        ck = (id(table), text)
        found = cache.get(ck)
        if found is None:
            if len(cache) > 4096:
                cache.clear()
            found = cache[ck] = self.keyword_table(table).hits(text)
        return found

    def _text_score(self, table: dict[str, list[tuple[str, float]]], text: str) -> dict[str, float]:
        """Keyword weight found in one text per key. Korean spacing varies ("AI 지수" / "AI지수", "운영 환경" /
        "운영환경"): in a language compared without case folding, words are compared without spaces."""
        return self.hits(table, text).score()

    def keyword_table(self, table: dict[str, list[tuple[str, float]]]) -> KeywordTable:
        """The table's keywords as they are compared (``scoring.KeywordTable``), built once."""
        found = self._keyword_tables.get(id(table))
        if found is None:
            found = self._keyword_tables[id(table)] = KeywordTable(table, self.language.fold_case)
        return found

    def _unit_fits(self, indicator_key: str, q: Quantity, sentence_text: str) -> tuple[bool, str | None]:
        """Does the figure's counter fit the indicator's unit? Returns (fits, explicit unit or None)."""
        return self.unit_fits(q)[indicator_key]

    def unit_fits(self, q: Quantity) -> dict[str, tuple[bool, str | None]]:
        """``_unit_fits`` of the figure for every indicator: decided by the figure's unit, kind and counter alone,
        so one table per engine for each of these (a figure's reader looks up every indicator its words name)."""
        ck = (q.unit, q.kind, q.counter)
        table = self._fit_cache.get(ck)
        if table is None:
            table = self._fit_cache[ck] = {key: self._unit_fit(key, q) for key in self.registry.indicators}
        return table

    def _unit_fit(self, indicator_key: str, q: Quantity) -> tuple[bool, str | None]:
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
        if ind.unit in self.score_units:
            # index scores: "84.3점", "70.1 points", or a bare number in a sentence about scores
            return q.unit == "point" or (q.unit is None and q.kind is None), None
        if q.unit == "point":
            return False, None
        if kind == "ratio":
            return q.unit == "percent", None
        if kind == "count":
            # the unit's label in each language, as that language compares words
            labels = [(spec, ((unit.label.get(code) if unit else None) or "").lower() if spec.fold_case
                       else (unit.label.get(code) if unit else None) or "") for code, spec in LANGUAGES.items()]

            def counts(what: str) -> bool:        # the unit counts people, companies, places or hours
                return any((pattern := spec.unit_classes.get(what)) is not None and pattern.fullmatch(label)
                           for spec, label in labels)

            if q.unit is None:
                return True, None
            if q.unit == ind.unit or (q.counter and any(
                    (q.counter.lower() if spec.fold_case else q.counter) == label for spec, label in labels)):
                return True, None
            if q.unit == "hour" or counts("hour"):
                return False, None
            if q.unit == "person":
                return counts("person"), None
            if q.unit == "company":
                return counts("company"), None
            if q.unit == "unit":          # 대, 장: machines and cards, never people, companies or hours
                return not (counts("person") or counts("place") or counts("hour")), None
            if q.unit == "item":
                return not counts("person"), None
            if q.unit == "place":
                return counts("place"), None
            return False, None
        return False, None


    # ------------------------------------------------------------------------------------------ open world
    def _qualifier(self, text: str, q: Quantity, reason: str | None) -> str | None:
        """The qualifier of a figure the language rules set aside as a bound or a target (then a fact), or of
        a fact framed as a forecast; None when neither."""
        before = text[max(0, q.start - 24):q.start]
        after = text[q.end:q.end + 16]
        # a plain figure is only a bound with a bare upper-bound word before it
        bare = reason is None and holds_any(before, self.language.bare_upper_bound)
        if (reason is not None and reason.startswith("a bound")) or bare:
            b = before.rstrip().lower()
            a1, a2 = after.lstrip("을를은는이가 ").lower(), after.lower()
            for qual in ("upper-bound", "lower-bound"):
                ends, starts = self._bound_words[qual]
                if (b.endswith(ends) or a1.startswith(starts) or a2.startswith(starts)) \
                        and (reason is not None or qual == "upper-bound"):
                    return qual
            if reason is not None:
                return None
        if reason is not None and reason.startswith("a target"):
            return "target"
        if reason is not None:
            return None
        clause = self.language.clause(text, q)
        if holds_any(clause, self.language.forecast):
            return "forecast"
        return None

    def _ranges(self, text: str, quantities: list[Quantity]) -> tuple[dict[int, Quantity], set[int]]:
        """"35,000~85,000명", "between $2 billion and $3 billion": the low figure → the high one."""
        gap, between, not_after = self._range_patterns
        high: dict[int, Quantity] = {}
        skip: set[int] = set()
        for a, b in pairwise(quantities):
            lead = text[max(0, a.start - 40):a.start]
            between_gap = between is not None and between[0].search(lead) \
                and between[1].fullmatch(text[a.end:b.start])
            plain = gap is not None and gap.fullmatch(text[a.end:b.start]) \
                and not (not_after and not_after.search(lead))
            if not (between_gap or plain) or a.unit not in (None, b.unit) or a.value >= b.value:
                continue
            high[id(a)] = b
            skip.add(id(b))
        return high, skip

    def _phrase(self, s: Sentence, q: Quantity, seg: int, mentions: list[Mention]) -> tuple[str, str] | None:
        return self.language.measure_phrase(s, q, seg, [(m.start, m.end) for m in mentions])


    def _joint_holders(self, text: str, q: Quantity, subj: str, holders: list[Mention],
                       quantities: list[Quantity], respective: Mapping[int, object]) -> list[str]:
        """The other names of a list ending in the figure's holder ("Meta and Microsoft … 150,000 units");
        ``holders``: the names of the sentence that may hold a figure (``SentenceContext.free``)."""
        if q.start in respective or any(o is not q and o.start < q.start and o.end > q.start - 120 for o in quantities):
            return []
        free = [m for m in holders if m.end <= q.start]
        holder = next((m for m in reversed(free) if m.key == subj), None)
        if holder is None or any(m.start > holder.end for m in free):
            return []
        between = text[holder.end:q.start]
        if _NOT_JOINT.search(between):
            return []
        chain: list[str] = []
        first = holder
        for m in reversed([m for m in free if m.end <= holder.start]):
            if m.type != holder.type or not _JOINT_SEP.fullmatch(text[m.end:first.start]):
                break
            chain.insert(0, m.key)
            first = m
        return [k for k in dict.fromkeys(chain) if k != subj]

    def unknown_names(self, s: Sentence, mentions: list[Mention], proposals: Proposals, article: str) -> list[Mention]:
        """Names the registries lack, as provisional mentions of proposed entities (kept only if a fact uses
        them)."""
        known = [(m.start, m.end) for m in mentions]
        found = self.language.find_names(s, known, self.measure_words, self.measure_words_folded, article)
        out = []
        for a, b, name in found:
            key = proposals.known_entity(name)
            etype = self._etype(key) if key in self.registry.entities else None
            if key is None:
                etype = phrases.guess_type(name)
                key = proposals.entity(name, self.language.code, etype,
                                       "a name the article gives and the registries lack; type and labels are guesses")
            out.append(Mention(key, etype or phrases.guess_type(name), a, b, name))
        return out

    def _open_indicator(self, s: Sentence, q: Quantity, seg: int, mentions: list[Mention], proposals: Proposals,
                        opened: Opened, current_series: CurrentSeries | None,
                        conf: float) -> tuple[str | None, str | None, float]:
        """No registry indicator fits: the article's own noun phrase for the measure becomes a proposed one, or
        the measure proposed earlier in the article for figures of this unit carries over."""
        unit = proposals.unit(q.unit, q.counter)
        found = self._phrase(s, q, seg, mentions)
        carried = opened.get(("indicator", q.unit))
        key = None
        note = "proposed by kg extract from the article's words for the measure; check the label and unit"
        if found and found[1] == "strong":
            key = proposals.indicator(found[0], self.language.code, unit, note)
        elif carried:
            key, conf = carried, conf * 0.85
        elif found:
            key = proposals.indicator(found[0], self.language.code, unit, note)
        elif q.unit == "point":
            series = opened.get("series") or (current_series[0] if current_series else None)
            label = proposals.label("rankings", series) if series in proposals.entries["rankings"] else \
                (self.registry.rankings[series].label.get("en") if series in self.registry.rankings else None)
            if label:
                key = proposals.indicator(f"{label} {self.language.score_word}", self.language.code, unit, note)
        if key is None:
            return None, None, conf
        opened.setdefault(("indicator", q.unit), key)   # the article's first measure of this unit carries
        default = self.registry.indicators[key].unit if key in self.registry.indicators else \
            proposals.entries["indicators"][key]["unit"]
        return key, (unit if unit != default else None), conf

    def _open_series(self, s: Sentence, r: RankMention, prev_end: int, mentions: list[Mention], src: str | None,
                     proposals: Proposals, opened: Opened, current_series: CurrentSeries | None,
                     strict: bool = False) -> str | None:
        """No registry ranking fits a rank: a pillar named with it ("인재(12위→10위)") is a sub-ranking of the
        ranking the article is about; "12위→10위" continues the rank before; a ranking named by its title here
        or earlier in the article is proposed; else the ranking proposed earlier carries over. ``strict``: a
        registry ranking was found, only a pillar or a title in this sentence replaces it."""
        lang = self.language.code
        note = "proposed by kg extract from the article's name for the ranking; check the name and publisher"
        last = opened.get("last_rank")
        if last and last[0] is s and re.fullmatch(r"\s?(?:→|->|에서|위에서|에서\s?\d{4}년\s?)\s?", s.text[last[1]:r.start]):
            carried: str = last[2]   # the series of the rank before, in the same sentence
            return carried
        parent = opened.get("series") or (current_series[0] if current_series else None)
        key = None
        if self.language.sub_ranking is not None and parent:
            pillar = self.language.sub_ranking(s.text, r, prev_end)
            if pillar and pillar not in self.language.not_pillar and not any(pillar in m.text or m.text in pillar for m in mentions):
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

    def _registry_pillar(self, s: Sentence, r: RankMention, prev_end: int, mentions: list[Mention], series: str,
                         proposals: Proposals, opened: Opened) -> str | None:
        """A pillar named with a rank ("연구 항목도 9위에서 4위로", "개발(55.1점) 부문에서 2위"; languages with a
        ``sub_ranking`` reader) that the keywords gave to a registry ranking with no other series of its publisher
        (so no pillar of it is registered): the pillar of that ranking is proposed; the later place of a change
        keeps the earlier's."""
        if self.language.sub_ranking is None:
            return None
        pub = self.registry.rankings[series].publisher
        if pub is None or self._series_of_publisher.get(pub, 0) > 1:
            return None
        last = opened.get("last_rank")
        if last and last[0] is s and last[2] != series \
                and re.fullmatch(r"\s?(?:→|->|에서|위에서)\s?", s.text[last[1]:r.start]):
            carried: str = last[2]   # the series of the rank before, in the same sentence
            return carried
        pillar = self.language.sub_ranking(s.text, r, prev_end)
        labels = list(self.registry.rankings[series].label.values())
        if not pillar or pillar in self.language.not_pillar or any(pillar in m.text or m.text in pillar for m in mentions) \
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
        marker = self.language.pillar_marker
        if marker and pillar.replace(" ", "") in label_ko.replace(" ", ""):
            pillar = f"{pillar} {marker}"     # "정부AI준비지수 - 정부 부문": the pillar told apart from the ranking's name
        name = f"{label_en} - {pillar}" if self.language.names_in_english else f"{label_ko} - {pillar}"
        return proposals.ranking(name, self.language.code, pub, note, en=f"{label_en} - {pillar}")

    def see_titles(self, s: Sentence, mentions: list[Mention], src: str | None, opened: Opened) -> None:
        """Remember the ranking a sentence names by its title (and the organisation it names), for the ranks
        of this and later sentences that no registry ranking fits."""
        title = self.language.ranking_title(s.text, 0, len(s.text))
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
        """Read an article: every sentence of its body through every reader, in order."""
        st = ArticleState(text, published_year, Proposals(self.registry))
        self._named = st.named
        for s in _bounded(self.rules.sentences(text, body_end)):
            st.enter(s)
            ctx = sentence_context(self, s, st)
            if not ctx.idle:
                for reader in self.readers:
                    reader.read(self, ctx, st)
            st.leave(ctx)
        return st.out, st.all_mentions, st.proposals

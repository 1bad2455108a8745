"""The registry of article languages: everything the extractor does differently per language, in one entry each.

The engine and the readers never test a language code; they ask the article's :class:`LanguageSpec`:

- ``rules``: the language's sentence rules, in the language's package ``kg.extract.lang.<code>``
  (``lang/ko/patterns.py`` ``KoreanRules``, ``lang/en/patterns.py`` ``EnglishRules``): sentence splitting, figures
  and ranks (through the package's number reader ``lang/<code>/numbers.py``), sources, topics, lists, periods
  (through ``dates``);
- the language's phrase readers (``phrases``): the article's words for a measure, a ranking title, a pillar, and
  names the registries lack;
- the language's word lists (``lang/<code>/words.yaml``, read by ``lang/words.py``): unattributed-estimate
  openers, "overall" words, qualifier and forecast words, range separators, words that are no pillar;
- a few switches of how text is compared (case folding, measure words after the figure).

Adding a language is adding a package ``kg/extract/lang/<code>/`` and one :data:`LANGUAGES` entry (docs/extract.md, *Adding a language*).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from collections.abc import Callable

from . import phrases
from .figures import Quantity, RankMention
from .lang.en import groups as en_groups
from .lang.ko import groups as ko_groups
from .lang import LANG_DIR
from .lang.words import package_words

if TYPE_CHECKING:
    from .context import Sentence
    from .resolve import Gazetteer

MeasurePhrase = Callable[["Sentence", Quantity, int, list[tuple[int, int]]], "tuple[str, str] | None"]
NameFinder = Callable[["Sentence", list[tuple[int, int]], set[str], set[str], str], list[tuple[int, int, str]]]


@dataclass(frozen=True)
class LanguageSpec:
    code: str
    make_rules: Callable[[Gazetteer], Any]          # the sentence rules (kg.extract.engine.Rules)
    measure_phrase: MeasurePhrase                   # "점유율 6.0%" → ("점유율", "strong")
    find_names: NameFinder                          # names the registries lack
    ranking_title: Callable[[str, int, int], str | None]        # "'2024년 글로벌 AI지수'"
    clause: Callable[[str, Quantity], str]          # the part of a sentence whose words frame a figure
    sub_ranking: Callable[[str, RankMention, int], str | None] | None = None   # a pillar named with a rank
    fold_case: bool = True                          # compare words case-insensitively, on word boundaries
    measure_after_figure: bool = False              # the measure may be named after the figure, to the clause end
    count_nouns_after: bool = False                 # "46,000 industrial robots": a count unit's noun after a number
    latin_acronyms: bool = False                    # borrow Latin acronyms of English labels ("DRAM", "IMD")
    org_after: re.Pattern[str] | None = None        # "스위스 국제경영개발대학원": a country naming an organisation's home
    score_word: str = "score"                       # "<ranking> score" for a proposed score indicator
    ranking_word: str = "ranking"                   # "<measure> ranking" for a ranking proposed by its figures
    names_in_english: bool = False                  # a proposed pillar is named from the English label
    pillar_marker: str | None = None                # "부문": added to a pillar whose word is in its ranking's name
    label_stopwords: frozenset[str] = frozenset()   # label words that say nothing about which measure is meant
    members_intro: re.Pattern[str] | None = None    # "… tier includes A, B and C"
    unattributed: tuple[str, ...] = ()              # sentence openers of unattributed estimates
    overall: tuple[str, ...] = ()                   # words of an overall rank ("종합", "overall")
    qualifier_words: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    bare_upper_bound: tuple[str, ...] = ()          # words before a plain figure that make it an upper bound
    forecast: tuple[str, ...] = ()
    range_gap: str | None = None                    # between the two figures of a range
    range_between: tuple[str, str] | None = None    # "between A and B": before A, between A and B
    range_not_after: str | None = None              # "from A to B" is a change, not a range
    not_pillar: frozenset[str] = frozenset()        # words before a rank that are not a ranking's pillar
    # shared patterns: every language's forms apply to every article (a Korean article may quote "percentage points"),
    # so the readers join them over all of LANGUAGES (:func:`alternatives`); each is a tuple of regex alternatives
    points_after: tuple[str, ...] = ()              # after a figure: a difference in points ("%포인트", "percentage points")
    size_after: tuple[str, ...] = ()                # after a count: the size of a group it is taken from ("10개 중")
    group_heads: tuple[str, ...] = ()               # generic head nouns of a group's label ("countries", "국가")
    list_separators: tuple[str, ...] = ()           # between the names of a list ("and", "와", "·")
    range_after: tuple[str, ...] = ()               # after a percentage: a range of values ("30%대")
    short_after: tuple[str, ...] = ()               # after a figure: falling short of it ("10%에도 못 미친다")
    price_after: tuple[str, ...] = ()               # after a count: the count a price is quoted for ("1장 값", "costs")
    score_context: tuple[str, ...] = ()             # words of a sentence about scores ("점수", "points", "rated")
    score_bound: tuple[str, ...] = ()               # after a figure: the top of a scale ("100점 만점", "points possible")
    out_of_before: tuple[str, ...] = ()             # before a figure: the top of a scale follows ("out of")
    # the forms of a numbered tier n of a group labelled ``text`` in this language ("the second tier", "2등급")
    tier_forms: Callable[[str, int], set[str]] | None = None
    # what a registry unit counts, by its label in this language (the whole label, matched as a pattern; casefolded
    # when ``fold_case``): person, company, place, hour (``Engine._unit_fits``: "명" counts people, "개사" companies)
    unit_classes: dict[str, re.Pattern[str]] = field(default_factory=dict)


def _korean_rules(gaz: Gazetteer) -> Any:
    from .lang.ko.patterns import KoreanRules

    return KoreanRules(gaz.korean_words())


def _english_rules(gaz: Gazetteer) -> Any:
    from .lang.en.patterns import EnglishRules

    return EnglishRules()


def _names_ko(s: Sentence, known: list[tuple[int, int]], measure_words: set[str], folded: set[str],
              article: str) -> list[tuple[int, int, str]]:
    return phrases.names_ko(s, known, measure_words)


_NOT_NAMES: dict[tuple[int, int], tuple[set[str], set[str], set[str]]] = {}


def _names_en(s: Sentence, known: list[tuple[int, int]], measure_words: set[str], folded: set[str],
              article: str) -> list[tuple[int, int, str]]:
    # the engine's two word sets are built once: their union once per pair, not per sentence
    hit = _NOT_NAMES.get((id(measure_words), id(folded)))
    if hit is None or hit[0] is not measure_words or hit[1] is not folded:
        if len(_NOT_NAMES) > 16:
            _NOT_NAMES.clear()
        hit = _NOT_NAMES[(id(measure_words), id(folded))] = (measure_words, folded, measure_words | folded)
    return phrases.names_en(s.text, known, hit[2], article)


def _clause_ko(text: str, q: Quantity) -> str:
    return text[q.start:]                 # Korean frames a figure after it ("… 늘어날 전망이다")


def _clause_en(text: str, q: Quantity) -> str:
    cut = max(text.rfind(",", 0, q.start), text.rfind(";", 0, q.start))
    end = min([i for i in (text.find(";", q.end),) if i >= 0] + [len(text)])
    return text[cut + 1:end]


def _word_lists(code: str) -> dict[str, Any]:
    """The word-list fields of a language's entry, from its package's ``words.yaml`` (kg/extract/lang/words.py)."""
    w = package_words(LANG_DIR / code)
    return {"unattributed": w.unattributed, "overall": w.overall, "qualifier_words": w.qualifiers,
            "forecast": w.forecast, "range_gap": w.range_gap, "range_between": w.range_between,
            "range_not_after": w.range_not_after, "not_pillar": w.not_pillar, "bare_upper_bound": w.bare_upper_bound,
            "label_stopwords": w.label_stopwords}


LANGUAGES: dict[str, LanguageSpec] = {
    "ko": LanguageSpec(
        code="ko", make_rules=_korean_rules, measure_phrase=phrases.measure_ko, find_names=_names_ko,
        ranking_title=phrases.ranking_ko, clause=_clause_ko, sub_ranking=phrases.sub_ranking_ko,
        fold_case=False, latin_acronyms=True,
        org_after=re.compile(r" [가-힣A-Za-z]{0,12}(?:대학원|대학교|대학|연구소|연구원|재단|협회|조사기관|기관|본부|신문|일보|"
                             r"위원회|미디어|통신|방송)(?![가-힣])"),
        score_word="점수", ranking_word="순위", pillar_marker="부문",
        members_intro=re.compile(r"^\s*(?:국가|나라)?(?:에는|으로는|로는|엔)\s+"),
        **_word_lists("ko"),
        points_after=(r"\s?(?:%\s?)?(?:포인트|p(?![A-Za-z]))",),
        size_after=(r"^\s?(?:[가-힣]{1,4}\s?)?(?:중에서|중|가운데)(?![가-힣])",),
        group_heads=("국가", "나라"),
        unit_classes={"person": re.compile("명"), "company": re.compile("개사|곳|개"), "place": re.compile("곳|개사"),
                      "hour": re.compile("시간")},
        range_after=(r"대(?:로|의|에|를|까지|초반|중반|후반|였|이|가|\s|$|[.,])",),
        short_after=(r"\s?(?:에도|에)\s?(?:못|채\s?못)\s?미(?:친|치|쳤|칩)",),
        price_after=(r"\s?(?:값|가격|당\s?(?:가격|값))",), score_context=("점수", "지수"),
        score_bound=(r"^\s?(?:점\s?)?만점",), tier_forms=ko_groups.tier_forms,
        list_separators=(r",", r"와", r"과", r"및", r"·", r",?\s*그리고")),
    "en": LanguageSpec(
        code="en", make_rules=_english_rules, measure_phrase=phrases.measure_en, find_names=_names_en,
        ranking_title=phrases.ranking_en, clause=_clause_en,
        measure_after_figure=True, count_nouns_after=True, names_in_english=True,
        members_intro=re.compile(r"^\s*(?:countries\s+|nations\s+)?(?:includes?|included|comprises?|comprised|"
                                 r"consists?\s+of|covers?|covered|takes?\s+in|took\s+in|:)\s+(?:the\s+)?"),
        **_word_lists("en"),
        points_after=(r"\s*(?:percentage|per\s?cent(?:age)?)\s+points?\b", r"\s?pp\b",
                      r"\s*points?\s+(?:higher|lower|more|less|above|below|ahead|behind)\b"),
        group_heads=("countries", "nations", "economies", "states"),
        unit_classes={"person": re.compile("persons|people"), "company": re.compile(".*compan.*", re.S),
                      "place": re.compile(".*compan.*", re.S), "hour": re.compile("hours")},
        price_after=(r"\s+(?:costs?|sells?)\s",),
        score_context=(r"\bscor\w*", r"\bpoints?\b", r"\brates?\b", r"\brated\b"),
        score_bound=(r"^\s?points?\s+possible",), out_of_before=(r"(?:out\s+of|\bof\s+a\s+possible)\s*$",),
        tier_forms=en_groups.tier_forms,
        list_separators=(r",", r",?\s*and", r"&")),
}


def alternatives(field_name: str) -> str:
    """The regex alternatives of a shared pattern field over every language of :data:`LANGUAGES`, each once, in
    registry order, joined with ``|`` (the readers test these patterns for a match, so the order is no preference)."""
    seen: dict[str, None] = {}
    for spec in LANGUAGES.values():
        for alt in getattr(spec, field_name):
            seen.setdefault(alt, None)
    return "|".join(seen) or r"(?!)"          # no language has one: a pattern that never matches


def language(code: str) -> LanguageSpec:
    """The registry entry of a language; ``KeyError`` for a language the extractor cannot read."""
    return LANGUAGES[code]

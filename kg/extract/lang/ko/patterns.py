"""Korean rules: sentences and morphemes from kiwipiepy, and the phrase patterns of Korean business news.

- attribution: "X에 따르면", "X 보고서에 따르면", "X가 발표한 …에 따르면", "X 기준", "(X 발표)", "X가 밝혔다";
  a person quoted with “…” is the source of the figures inside the quote (and of the sentence when no quote);
- topic/subject: a name followed by 은/는/이/가 ("메타는 35만대");
- list segments split at commas and "vs" ("메타는 35만대, xAI는 10만대");
- rank after others: "독일, 중국, 아일랜드에 이은 4위", "미국에 이어 2위";
- rank out of N: "38개국 가운데 33위", "38개국 중 33위";
- years: "2023년 13위에서 지난해 5위로" (지난해/작년 = publication year - 1, 올해 = publication year);
- equivalents in brackets: "5000억위안(약 100조원)";
- group lists: "미국, 중국, 캐나다, 싱가포르, 영국 5개국만 ‘AI 선도국가’".
"""
from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

from ...engine import SOURCE_TYPES, QuotedSpeakers, Sentence
from ....model import Registry
from ...figures import Quantity, RankMention
from ...gates import PrefixMatches, gated
from ...resolve import Mention
from ...tables import Row, TableReader
from ..shared import MAKER_OF
from ..shared import chain as _chain
from ..shared import equivalent as _equivalent
from .numbers import find_ko_quantities, find_ko_ranks

_KIWI: Any = None   # kiwipiepy.Kiwi (untyped), loaded on first use
_KIWI_WORDS: frozenset[str] = frozenset()
_LOCK = threading.Lock()

_HANGUL = re.compile(r"[가-힣]")
_DIGIT = re.compile(r"\d")
# compiled once: the rules below ask them of every name or figure
_COMPARED_AFTER = re.compile(r"(?:\([^()]{0,30}\))?(?:보다|를 제치|을 제치|를 앞서|을 앞서|에 앞서|에 뒤처|에 뒤져|"
                             r"(?:과|와)\s?(?:비교하면|비교해|견주면)|\s?대비\s|에\s?비해|에\s?비하면)")
_OF_N_BEFORE = re.compile(r"\d\s?[명곳개]\s?(?:중|가운데)\s?$")
_EACH = re.compile(r"각각")
_SENT_END = re.compile(r"(?<=[가-힣\w”’\"')])[.!?](?=[”’\"']?\s)[”’\"']?\s+")


def _regex_sentences(line: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENT_END.finditer(line):
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(line)))
    return spans
_LINE_ENDS = frozenset(".!?다요")
_CLOSING_QUOTES = frozenset("\"”’'")
_PAREN = re.compile(r"^\s?\([^()]{0,30}\)")
_SEGMENT = re.compile(r"[,;，]|\bvs\.?|VS|…")
# its matches before each figure of a sentence (it reads at most 3 characters from where it is tried)
_SEGMENTS = PrefixMatches(_SEGMENT, 4)
_AFTER_RANK = gated(r"에\s?(?:이은|이어|이어서|뒤이은|뒤진|뒤져|이어진)\s*(?:세계\s*|전체\s*)?$")
_OUT_OF = re.compile(r"(\d+)\s?개\s?(?:국|국가|회원국|사|기업|대학|도시|업체)?\s?(?:가운데|중에서|중|에서)\s*"
                     r"(?:[^\d.,;…]{0,24}\s)?$")
_YEAR = re.compile(r"((?:19|20)\d\d)\s?년(?!대)|재작년|지난해|작년|올해|전년|금년")
_LIST_SEP = re.compile(r"^\s*(?:,|、|및|와|과|·|그리고)\s*$")
_LIST_GAP = re.compile(r"^\s*(?:등\s?)?(?:\d+\s?개국|\d+\s?개\s?나라|\d+\s?곳|\d+\s?개사)?\s?(?:만|만이|은|는|이|가|도|이\s|모두)?\s*"
                       r"(?:모두\s*)?['‘\"“「『]?\s*$")
_TOPIC_AFTER = re.compile(r"^(?:은|는|도|만)(?![가-힣])|^(?:이|가)(?![가-힣])|^(?:은|는)")
_ACCORDING = gated(r"따르면|따른\s|의하면|(?:자료|보고서|조사|통계|집계|분석|결과)(?:를|을)\s?보면")
_STATED_BY = gated(r"^(?:\s?\([^()]{0,30}\))?\s?(?:이|가|은|는)?\s?(?:[^,.]{0,25}?)"
                        r"(?:밝혔다|발표했다|전했다|추산했다|집계했다|분석했다|전망했다|추정했다|내다봤다|말했다)")
_FORWARD_BY = gated(r"^(?:\s?\([^()]{0,30}\))?\s?(?:이|가)?\s?(?:발표한|내놓은|공개한|펴낸|집계한|조사한)")
_BASIS = gated(r"^(?:\s?\([^()]{0,30}\))?\s?(?:기준|집계|통계|자료|조사)(?![가-힣])")
_FRACTION = gated(r"분의\s?$")
_FRACTION_AFTER = re.compile(r"^\s?분의")
_BOUND_AFTER = re.compile(r"^\s?(?:이|가|을|를|도|은|는)?\s?(?:채\s?|족히\s?|훨씬\s?)?"
                          r"(?:되지\s?않|되지\s?못|안\s?되|넘|웃돌|밑돌|웃도|밑도|이상|이하|미만|초과|넘게|못\s?되|돌파)")
_PROPORTION = re.compile(r"^\s?(?:중|가운데)\s?\d")
_DIFF_BEFORE = gated(r"보다\s?(?:약|대략|무려|겨우|불과)?\s?$")
_DIFF_AFTER = re.compile(r"^\s?(?:더\s?)?(?:많|길|높|적|짧|낮|크|작|앞서|뒤처|뒤져|비싸|싸)")
_TARGET_AFTER = re.compile(r"겠다|겠습니다|겠다는|목표(?:로|다|이다|를)|계획이다|[할릴일울낼]\s?계획|[할릴일울낼]\s?방침|키로\s?했다|기로\s?했다")
_UNTIL = re.compile(r"((?:19|20)\d\d)\s?년\s?까지")
_REPORTED_END = gated(r"(?:다|라|이라)고\s?(?:집계|분석|밝|발표|추산|추정|전망|평가|설명|말|전|보고)했다[.\s”\"]*$")
# "KDI는 국내 연구자를 2300여명으로 추산했는데, …": a reporting verb ending a clause, not only the sentence
_REPORTED_MID = gated(r"(?:으로|로|다고|라고|이라고)\s?(?:집계|분석|발표|추산|추정|전망|평가|보고)"
                           r"(?:했|하였)(?:는데|으며|고|지만|다)")
_RANK_PAIR = re.compile(r"(?<![\d.,])\d{1,3}\s?[·,]\s?\d{1,3}\s?위")
_SAME_GROUP = gated(r"(?:같은|동일한)\s?(?:그룹|군|등급|범주|부류|티어|그룹군)")
_SAME_GAP = re.compile(r"^\s*(?:도|역시|또한|는|은|이|가)?\s*(?:모두\s*)?$")
_LIST_SEP_SAME = re.compile(r"^\s*(?:,|、|및|와|과|·|그리고)\s*$")
_GOAL_AFTER = re.compile(r"[^.!?]{0,30}?(?:달성|목표(?![가-힣]{0,2}치를\s?(?:넘|웃))|도달하겠)")
_RAISE_TO_AFTER = re.compile(r"^\s?(?:으로|로)\s?(?:[가-힣]{1,4}\s)?(?:늘리|늘릴|확대|높이|높일|끌어올|증액|키우|키울|줄이|줄일|낮추|낮출)")
_CHANGE_AFTER = re.compile(r"\s?(?:가량|정도|안팎|남짓|이상)?\s?(?:이|가|를|을)?\s?(?:증가|늘|감소|줄|상승|하락|성장|급증|급감|"
                           r"뛰|올랐|오른|내렸|내린|떨어|확대|축소|커졌|불어)")
_CHANGE_BEFORE = gated(r"(?:증가율|감소율|증감률|성장률|상승률|하락률)(?:은|는|이|가)?\s?(?:약\s?)?$")
_LOST_RANK = re.compile(r"\s?(?:자리|자리를|자리도|를|을|는|도)?\s?(?:[^\s.,]+\s){0,2}(?:내줬|내주|내준|빼앗|잃|놓쳤|놓치|넘겨)")
_SCOPE_OF = re.compile(r"^\s?(?:\d+\s?개\s?(?:국|국가|회원국)?|회원국)\s?(?:가운데|중에서|중)")
_PAREN_BY = gated(r"^\s?(?:발표|집계|조사|자료)\s?\)")
# between a rank as the topic and its holder: "는 ", "는 61.47점을 받은 ", "는 28개를 보유한 " (a relative clause
# ending in an adnominal form), at most a short word before the name
_RANK_TOPIC_GAP = re.compile(r"(?:\s?(?:국가|나라|기업|업체|회사|도시|대학|지역)?(?:는|은))\s?(?:(?:[^,.;]|(?<=\d)[.,](?=\d)){0,30}?[한은던된인운진른]\s)?(?:[가-힣]{1,4}\s)?")
# what follows the holder of a rank as the topic: a subject particle, the copula, a comma before the next pair
# ("1위는 미국, 2위는 중국이었다"), "등", a bracket ("중국(22개) 순서였다")
_HOLDER_END = re.compile(r"(?:\s?\([^()]{0,24}\))?(?:\s?등)?(?:이|가|로|으로|였|이었|이다|다(?![가-힣])|"
                         r"\s?[,·]|\s?$|\s순(?:서|으로|이))")
_APPOSITION_END = re.compile(r"(?:은|는|이|가|도)(?![가-힣])|\s?[,·、]|\s?$|\s?등|(?:였|이었)")
# "세계 3대 지수", "국내 5대 그룹": the N biggest of a kind, not N machines
_TOP_N_BEFORE = gated(r"(?:세계|국내|글로벌|주요|국내외|업계|아시아)\s?$")
_TOP_N_AFTER = re.compile(r"\s?[가-힣]{2}")
# "가장 많았다", "가장 높은": the first place, when the clause states the figure
_SUPERLATIVE = gated(r"가장\s?(?:많|높|크|앞서|우수)")
# how many countries a ranking covers, named with the ranking: "93개국의 … 순위", "63개국을 대상으로 한 평가"
_RANKED_COUNTRIES = re.compile(r"(\d+)\s?개\s?(?:국|국가|나라|회원국)(?:의|을|를)\s?[^.]{0,40}?(?:순위|평가|지수|인덱스|랭킹)")
_DIGIT_RANK = re.compile(r"\d\s?위")
# places "2∼5위" for the names listed before them, each name perhaps with its figure in brackets
_RANK_RANGE = gated(r"(?<![\d.,])\d{1,3}\s?[~∼～]\s?\d{1,3}\s?위")
_BRACKETED_LIST_SEP = re.compile(r"^(?:\s?\([^()]{0,20}\))?\s*(?:,|、|및|와|과|·|그리고)\s*$")
_BRACKETED_LIST_GAP = re.compile(r"^(?:\s?\([^()]{0,20}\))?\s*(?:이|가|은|는|도)?\s*(?:모두\s*)?$")
# the earlier place of a change: "28→23위", "6위→4위", "7위에서 6위로"
_EARLIER_PLACE = re.compile(r"\s?(?:→|->|⇒|에서)\s?(?:[가-힣]{1,4}\s?)?(?=\d{1,3}\s?위)")
# "15위 안팎", "10위 내외": about a place
_ABOUT_PLACE = re.compile(r"\s?(?:안팎|내외|언저리|전후)")
# what a count of the parts of a measure counts: "5개 항목", "4개 부문"
_PARTS_AFTER = re.compile(r"^\s?(?:항목|부문|분야|지표|세부\s?지표|요소|영역|평가\s?기준)(?:별|의|을|를|에|에서|으로|로|이|가|은|는)?(?![가-힣])")
# a count of partners: "15개 은행과 (함께) …"
_PARTNERS_AFTER = re.compile(r"^\s?[가-힣]{2,8}(?:과|와)\s(?!\d)")
# a figure that defines a class: "매출 1조원 이상 기업", "국민소득 4만 달러·인구 3000만 명 이상 국가"
_CLASS_THRESHOLD = re.compile(r"\s?(?:[·,]\s?[가-힣]{1,6}\s?\d[\d,.]*\s?[만억조천]?\s?[가-힣%]{0,3}\s?)?(?:이상|이하|미만|초과)"
                              r"(?:인|의)?\s?(?:국가|나라|기업|회사|업체|도시|지역|대학)")
# a figure as the starting value of a change: "5.1%에서 0.4%p 낮아졌다"
_FROM_VALUE = re.compile(r"\s?에서\s?(?:\d[\d.,]*\s?(?:%p|%포인트|포인트|%)?\s?)?(?:[가-힣]{1,4}\s)?"
                         r"(?:올랐|오른|높아|상승|늘|증가|낮아|떨어|하락|줄|감소|내려|확대|축소)")
_FROM_VALUE_AT = re.compile(r"\d\s?(?:%|달러|원|개|명|대|점)?에서\s?(?:\d[\d.,]*\s?(?:%p|%포인트|포인트|%)?\s?)?"
                            r"(?:[가-힣]{1,4}\s)?(?:올랐|오른|높아|상승|늘|증가|낮아|떨어|하락|줄|감소|내려|확대|축소)")
# a share of another's value: "미국과 비교하면 1인당 62%, 시간당 66% 수준", "미국 대비 62% 수준"
_RATIO_BASE = re.compile(r"(?:과|와)\s?(?:비교하면|비교해|견주면)|대비|에\s?비해|에\s?비하면")
_RATIO_LEVEL = re.compile(r"(?:\s?[,·]\s?[가-힣]{1,6}\s?\d[\d.]*\s?%)*\s?(?:수준|에\s?(?:불과|그쳐|그쳤|머물))")
# a year as the base of a comparison: "지난해보다", "전년 대비", "작년에 비해", "지난해와 비교해", "지난해 같은 조사 때보다"
_COMPARED_YEAR = re.compile(r"\s?(?:보다|대비|에\s?비해|에\s?비하면|(?:와|과)\s?(?:비교|견줘|대비)|같은\s?[가-힣]{1,4}\s?때보다)")
# several years for one rank, right before it: "2019년과 2020년 ", "2016~2017년 ", "2011년부터 2013년까지 "
_YEARS_BEFORE = gated(r"((?:19|20)\d\d)\s?년?\s?(?:(?P<pair>과|와|,|·|및)|~|∼|-|–|부터)\s?((?:19|20)\d\d)\s?년\s?(?:까지(?:는|도)?\s?)?"
                           r"(?:에는\s?|에\s?|엔\s?)?$")
# "캐나다(8위)·미국(10위) 등에 이어": names listed before a rank with places of their own
_AFTER_OTHERS = gated(r"(?:\s?등)?에\s?(?:이어|이은|뒤이어|뒤진|뒤져)")
_BRACKETED_SEP = re.compile(r"^\([^()]{0,12}\)\s?(?:[,·、]|와|과|및)\s?$")
_BRACKETED_GAP = re.compile(r"^\([^()]{0,12}\)(?:\s?등)?$")
# a country before a company written in Latin letters: "중국의 SMIC가" (the company is the subject)
_HOME_OF = re.compile(r"의\s?[A-Z][A-Za-z0-9&.-]+(?:은|는|이|가|도)(?![가-힣])")
# one figure or rank for every name of a list: "각각 4개" (each), "공동 1위" (joint), "모두 15만대" (all)
_JOINT = re.compile(r"각각|공동|모두|나란히|똑같이|다같이")
_JOINT_GAP = re.compile(r"^\s*(?:이|가|은|는|도|에|에서|에는|의)?\s*$")
_CLAUSE_BREAK = re.compile(r"[,;]|[고며](?=\s)|(?:지만|는데|으나)\s")
# a figure and a relative clause naming its holder: "28개를 보유한 유럽연합", "100점을 받은 미국이"
_HOLDER_CLAUSE = re.compile(r"\s?(?:을|를|의)?\s?(?:[가-힣]{1,6}\s)?(?:보유한|보유하고\s있는|가진|갖고\s있는|갖춘|받은|얻은|"
                            r"기록한|차지한|확보한|사들인|구매한|구입한|사들인|운영하는|운영한|운용하는|투자한|거둔|올린|"
                            r"달성한|낸|찍은)\s(?:곳|기업|회사|나라|국가|업체|단체|기관)?(?:은|는|이|가)?\s?")


def kiwi(words: list[str]) -> Any:
    """The process's analyser, loaded once; registry names added as proper nouns."""
    global _KIWI, _KIWI_WORDS
    with _LOCK:
        if _KIWI is None or not set(words) <= _KIWI_WORDS:
            from kiwipiepy import Kiwi

            analyser = Kiwi(num_workers=-1)
            for w in words:
                analyser.add_user_word(w, "NNP", 0.0)
            for started in list({id(b): b for b in _STARTED.values()}.values()):
                started.results()           # finished with the analyser that started them, then dropped
            _STARTED.clear()
            _KIWI, _KIWI_WORDS = analyser, frozenset(words)
            _ANALYSED.clear()
        return _KIWI


# a sentence as kiwipiepy splits and tags it: (start, end, tokens (start, length, form, tag)) per sub-sentence
Analysed = list[tuple[int, int, list[tuple[int, int, str, str]]]]
# what the analyser gave each sentence text it saw (the same text always gets the same analysis): a batch of articles
# repeats datelines, bylines, boilerplate and whole sentences (wire copy), and kiwipiepy is most of a Korean
# article's cost
_ANALYSED: dict[str, Analysed] = {}
_ANALYSED_MAX = 20000


def forget_analysed() -> None:
    """Empty the cache of analysed sentence texts (a benchmark measuring text never seen before calls it).
    Analyses started ahead (:func:`start_analysis`) are kept: they are work for an article still to come."""
    _ANALYSED.clear()


class _Started:
    """A batch of texts given to kiwipiepy ahead of need: ``tokenize`` on a list returns at once and its worker
    threads analyse the texts while Python runs the rules of the article before (they do not hold the GIL);
    :meth:`results` waits for what is not finished yet."""

    def __init__(self, texts: list[str], results: Any):
        self.texts = texts
        self._iter = results
        self._got: dict[str, Analysed] | None = None

    def results(self) -> dict[str, Analysed]:
        if self._got is None:
            self._got = {text: [(x[0].start, x[-1].end, [(t[2], t[3], t[0], t[1]) for t in x]) for x in sents]
                         for text, sents in zip(self.texts, self._iter, strict=True)}
            for text in self.texts:
                _STARTED.pop(text, None)
        return self._got


# texts whose analysis has started and not been read yet (the next article of a batch: kg.extract.extract_many)
_STARTED: dict[str, _Started] = {}
_STARTED_MAX = 5000
# how many sentence texts were given to kiwipiepy in this process (a benchmark checks that drafting ahead does
# the same analysis work as drafting one by one)
_COUNT = [0]


def analysed_count() -> int:
    """How many sentence texts this process has given to kiwipiepy so far."""
    return _COUNT[0]


def _tokenize(analyser: Any, texts: list[str]) -> Any:
    _COUNT[0] += len(texts)
    # ``tokenize(split_sents=True)`` is what ``split_into_sents`` runs, without building its Sentence objects and
    # sub-sentences (unused); a sentence spans its first token's start to its last token's end, as there; a token
    # indexes as (form, tag, start, length), read faster by index than by attribute or unpacking
    return analyser.tokenize(texts, split_sents=True)


def start_analysis(words: list[str], texts: list[str]) -> None:
    """Give kiwipiepy the texts not analysed nor started yet, without waiting: :func:`analyse` reads the results."""
    analyser = kiwi(words)
    todo = list(dict.fromkeys(t for t in texts if t not in _ANALYSED and t not in _STARTED))
    if not todo:
        return
    if len(_STARTED) + len(todo) > _STARTED_MAX:
        for started in {id(b): b for b in _STARTED.values()}.values():
            started.results()
    started = _Started(todo, _tokenize(analyser, todo))
    for text in todo:
        _STARTED[text] = started


def analyse(words: list[str], texts: list[str]) -> list[Analysed]:
    """Sentences and morphemes of each text (offsets local to the text), through the cache and the analyses
    started ahead."""
    analyser = kiwi(words)
    got = {t: _ANALYSED.get(t) for t in texts}
    waiting = {id(b): b for t, v in got.items() if v is None and (b := _STARTED.get(t)) is not None}
    for started in waiting.values():        # each batch read whole (reading it takes its texts off _STARTED)
        for text, result in started.results().items():
            if text in got and got[text] is None:
                got[text] = result
    todo = [t for t, v in got.items() if v is None]
    new = [t for t in got if t not in _ANALYSED]
    if new and len(_ANALYSED) + len(new) > _ANALYSED_MAX:
        _ANALYSED.clear()
    for text, have in got.items():
        if have is not None:
            _ANALYSED[text] = have
    if todo:
        for text, sents in zip(todo, _tokenize(analyser, todo), strict=True):
            got[text] = _ANALYSED[text] = [(x[0].start, x[-1].end, [(t[2], t[3], t[0], t[1]) for t in x])
                                           for x in sents]
    return [v for t in texts if (v := got[t]) is not None]


# lines (offset, text), table rows by offset and by text, sentences (line, start, end), indexes of the sentences to analyse
_Prepared = tuple[list[tuple[int, str]], dict[int, Row], Mapping[str, Row], list[tuple[int, int, int]], list[int]]


def _years(text: str, start: int, end: int) -> list[re.Match[str]]:
    """The years named in ``text[start:end]`` that are not compared with ("전년보다"). Every form of ``_YEAR`` holds
    년 or 해: a window with neither is not searched (the search tries each of its branches at every character)."""
    if text.find("년", start, end) < 0 and text.find("해", start, end) < 0:
        return []
    return [y for y in _YEAR.finditer(text, start, end) if not _COMPARED_YEAR.match(text, y.end())]


class KoreanRules(QuotedSpeakers, TableReader):
    lang = "ko"

    def __init__(self, user_words: list[str]):
        self.user_words = user_words
        self._rows = {}                 # the table rows of the article being read (TableReader.scan_tables)
        self.home_country: str | None = None
        self._home: re.Pattern[str] | None = None
        self._prepared: dict[tuple[str, int], _Prepared] = {}     # by prefetch, for sentences

    def use_registry(self, registry: Registry) -> None:
        """The registry's facts about Korean articles: the home country and the words that mean it
        (``languages: ko:`` in the registries, e.g. 정부, 국내)."""
        language = registry.languages.get(self.lang)
        self.home_country = language.home_country if language else None
        words = sorted(language.home_words, key=len, reverse=True) if language else []
        self._home = re.compile(r"(?<![가-힣])(?:" + "|".join(re.escape(w) for w in words) + r")(?:는|가|의|에|\s)") \
            if words and self.home_country else None

    # -------------------------------------------------------------------------------------- sentences
    def _prepare(self, text: str, body_end: int) -> _Prepared:
        """The body's non-empty lines (offset, text), its table rows (by offset and by text), its sentences (line index, start, end) and
        which of them go through kiwipiepy (those with a digit, outside tables)."""
        body = text[:body_end]
        lines = [(m.start(), m.group(0)) for m in re.finditer(r"[^\n]+", body) if m.group(0).strip()]
        rows = self.scan_tables(body)
        by_text = self._rows
        pieces: list[tuple[int, int, int]] = []         # line index, start and end of a sentence in the line
        for i, (offset, line) in enumerate(lines):
            if offset in rows:
                pieces.append((i, 0, len(line)))
            else:
                pieces.extend((i, a, b) for a, b in _regex_sentences(line))
        analysed = [j for j, (i, a, b) in enumerate(pieces) if lines[i][0] not in rows and _DIGIT.search(lines[i][1], a, b)]
        return lines, rows, by_text, pieces, analysed

    def prefetch(self, text: str, body_end: int) -> None:
        """Start the analysis of an article to be read soon (:meth:`sentences` of the same text reads it): kiwipiepy
        works on it in its own threads meanwhile. What is prepared here is kept for :meth:`sentences`."""
        if len(self._prepared) >= 8:
            self._prepared.clear()
        lines, _, _, pieces, analysed = self._prepared[(text, body_end)] = self._prepare(text, body_end)
        if analysed:
            start_analysis(self.user_words, [lines[pieces[j][0]][1][pieces[j][1]:pieces[j][2]] for j in analysed])

    def sentences(self, text: str, body_end: int) -> list[Sentence]:
        """Sentences of the body, one paragraph per line. Lines are split at sentence-final punctuation; the
        sentences with a digit (the only ones that can hold a figure or a rank) go through kiwipiepy, in one batch
        per article, which may split them further and gives their morphemes. The others only carry context
        (topics and attributions), and kiwipiepy costs about as much per character as all the rules together."""
        prepared = self._prepared.pop((text, body_end), None)
        lines, rows, by_text, pieces, analysed = prepared if prepared is not None else self._prepare(text, body_end)
        self._rows = by_text            # the table rows of this article (a prefetch may have scanned another since)
        # each analysed piece: kiwipiepy's sentences in it (start, end, morphemes at offsets in the piece) and the
        # piece's start in its line
        split: dict[int, tuple[list[tuple[int, int, list[Any]]], int]] = {}
        if analysed:
            batch = analyse(self.user_words, [lines[pieces[j][0]][1][pieces[j][1]:pieces[j][2]] for j in analysed])
            for j, sents in zip(analysed, batch, strict=True):
                split[j] = (sents, pieces[j][1])
        out: list[Sentence] = []
        para = -1
        last_line = -1
        for j, (i, a0, b0) in enumerate(pieces):
            offset, line = lines[i]
            if i != last_line:
                last_line = i
                if offset not in rows or para < 0:
                    para += 1               # a table row stays in its header's paragraph
                # not ending in [.!?다요] and perhaps one closing quote (the regex [.!?다요]["”’']?\s*$, read backwards)
                end = line.rstrip()
                headline = not (end[-1:] in _LINE_ENDS or (end[-1:] in _CLOSING_QUOTES and end[-2:-1] in _LINE_ENDS)) \
                    and len(line) < 80 and offset not in rows
            sents, shift = split.get(j, ([(a0, b0, [])], 0))
            for x0, x1, tokens in sents:
                a, b = shift + x0, shift + x1
                seg = line[a:b]
                lead = len(seg) - len(seg.lstrip())
                a2, b2 = a + lead, a + len(seg.rstrip())
                if b2 <= a2:
                    continue
                # the morphemes inside the stripped sentence, at offsets in it (their offsets are in the piece)
                lo, hi, d = a2 - shift, b2 - shift, shift - a2
                nouns = [(t0 + d, t0 + d + n, form, tag) for t0, n, form, tag in tokens if lo <= t0 and t0 + n <= hi]
                out.append(Sentence(offset + a2, offset + b2, line[a2:b2], para, headline, nouns))
        return out

    # -------------------------------------------------------------------------------------- figures
    def quantities(self, text: str) -> list[Quantity]:
        # the first place of "4·5위" is a rank, not a figure
        ranks = [(r.start, r.end) for r in find_ko_ranks(text)]
        return self.table_quantities(text, [q for q in find_ko_quantities(text)
                                            if not any(a <= q.start < b for a, b in ranks)])

    def ranks(self, text: str) -> list[RankMention]:
        # "1위 자리를 내줬다", "1위를 빼앗겼다": a place lost is not held
        # "15위 안팎": about that place, not a place
        out = [r for r in find_ko_ranks(text) if not text.startswith("권", r.end) and not _LOST_RANK.match(text, r.end)
               and not _ABOUT_PLACE.match(text, r.end)]
        for rng in _RANK_RANGE.finditer(text):
            # "각각 3~7위" read as one place only (more places than characters to hold them): a spread of places
            # over several things, not a place of one holder
            first, last = (int(x) for x in re.findall(r"\d+", rng.group(0)))
            inside = [r for r in out if rng.start() <= r.start < rng.end()]
            if len(inside) < last - first + 1:
                out = [r for r in out if r not in inside]
        # "미국(26개)에 가장 많았다": a superlative stated with its figure is the first place
        for m in _SUPERLATIVE.finditer(text):
            clause_start = max([0] + [c.end() for c in re.finditer(r"[,;]\s|[고며]\s", text[:m.start()])])
            if re.search(r"\d", text[clause_start:m.start()]) and not any(r.start <= m.start() < r.end for r in out) \
                    and not re.search(r"\d\s?위|번째|(?:가운데|중에서|중)\s?$", text[clause_start:m.start()]):
                out.append(RankMention(1, m.start(), m.end(), m.group(0)))
        out.sort(key=lambda r: r.start)
        return self.table_ranks(text, out)

    def is_size_counter(self, q: Quantity) -> bool:
        return q.unit == "country"

    def rank_window(self, text: str, rank: RankMention, prev_end: int, next_start: int) -> tuple[int, int]:
        return prev_end, rank.end          # Korean names the ranking before the rank

    def near_end(self, text: str, rank: RankMention, window_end: int) -> int:
        return window_end

    def bare_ok(self, text: str, q: Quantity) -> bool:
        return False

    def same_group(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in _SAME_GROUP.finditer(text)]

    def same_group_members(self, text: str, span: tuple[int, int], mentions: list[Mention]) -> list[Mention]:
        return _chain(text, span[0], mentions, _LIST_SEP_SAME, _SAME_GAP)

    def is_change(self, text: str, q: Quantity) -> bool:
        """"12% 늘었다", "35% 증가했다", "증가율은 12%": the figure is a change, not a level or share."""
        return bool(_CHANGE_AFTER.match(text, q.end) or _CHANGE_BEFORE.search(text, max(0, q.start - 10), q.start))

    def self_source(self, text: str, mentions: list[Mention]) -> Mention | None:
        return None

    def compared_with(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """Names that are not the subject of the clause's figures:
        - yardsticks: "한국보다 여섯 계단 낮았다", "삼성전자를 제쳤다", "미국과 비교하면", "미국 대비";
        - the places before a rank, each with its own place in brackets: "캐나다(8위)·미국(10위) 등에 이어 8위";
        - a country named as the home of a company: "중국의 SMIC가", "대만의 UMC는"."""
        out = [m for m in mentions if _COMPARED_AFTER.match(text[m.end:m.end + 36])]
        for after in _AFTER_OTHERS.finditer(text):
            chain = _chain(text, after.start(), mentions, _BRACKETED_SEP, _BRACKETED_GAP)
            if len(chain) >= 2 or (chain and _BRACKETED_GAP.match(text[chain[0].end:after.start()])):
                out += [m for m in chain if m not in out]
        out += [m for m in mentions if m.type == "country" and _HOME_OF.match(text, m.end) and m not in out]
        # "엔비디아의 H100 3만대": the maker of a product named by its model number is not its holder
        out += [m for m in mentions if m.type == "company" and MAKER_OF.match(text, m.end) and m not in out]
        return out

    def respectively(self, text: str, mentions: list[Mention], items: list[tuple[int, int]]) -> dict[int, Mention]:
        """"미국과 중국이 각각 1위와 2위를 지켰다": names and figures paired in order."""
        rng = _RANK_RANGE.search(text)
        if rng:
            # "노르웨이(136.7달러), 룩셈부르크(128.8달러), 벨기에(112.8달러), 덴마크(103.9달러)가 2∼5위에 올랐다"
            chain = _chain(text, rng.start(), mentions, _BRACKETED_LIST_SEP, _BRACKETED_LIST_GAP)
            places = [it for it in items if rng.start() <= it[0] < rng.end()]
            if len(chain) >= 2 and len(places) == len(chain):
                return {it[0]: who for it, who in zip(places, chain, strict=True)}
        m = _EACH.search(text) or _RANK_PAIR.search(text)   # "스위스와 덴마크가 2·3위로"
        if not m:
            return {}
        chain = _chain(text, m.start(), mentions, _LIST_SEP,
                       re.compile(r"^\s*(?:이|가|은|는|도)?\s*(?:[^\s,.]+\s+){0,2}$"))
        after = [it for it in items if it[0] >= (m.end() if m.group(0) == "각각" else m.start())]
        if len(after) > len(chain) >= 2:
            # only the items of the 각각 clause: "각각 1위와 2위에 올랐고, 프랑스(4위)와 …" pairs two, not four
            after = after[:len(chain)]
        if len(after) >= 2 and (re.search(r";|,(?!\s?\d)|[고며](?=\s)", text[after[0][0]:after[-1][1]])
                                or any(after[0][0] < x.start < after[-1][0] for x in mentions)):
            after = []      # "각각 4개, 인도 5개": the second figure is another name's
        if len(chain) >= 2 and len(after) == len(chain):
            return {it[0]: who for it, who in zip(after, chain, strict=True)}
        return {}

    def joint_holders(self, text: str, span: tuple[int, int], mentions: list[Mention]) -> list[Mention]:
        """Names that hold one figure or rank together: "한국과 일본에 각각 4개" (각각 with a single figure),
        "미국과 중국이 공동 1위", "메타와 MS는 모두 15만대". The list must end right before the joint word, and
        no other name or figure may stand between it and the figure."""
        for m in _JOINT.finditer(text, 0, span[0]):
            chain = _chain(text, m.start(), mentions, _LIST_SEP, _JOINT_GAP)
            if len(chain) < 2 or _CLAUSE_BREAK.search(text, m.end(), span[0]):
                continue
            between = text[m.end():span[0]]
            if re.search(r"\d", between) or any(m.end() <= x.start < span[0] for x in mentions):
                continue
            after = text[span[1]:span[1] + 8]
            if m.group(0) == "각각" and re.match(r"\s?(?:와|과|,|·)\s?\d", after):
                continue            # "각각 4개와 5개": figures paired in order (``respectively``)
            return chain
        return []

    def negated_group(self, text: str, start: int, end: int) -> bool:
        return bool(re.match(r"[’'\"”」』]?\s?(?:에|으로|로)?(?:는|도)?\s?(?:들지|포함되지|속하지|오르지|이름을 올리지|분류되지|선정되지)\s?"
                             r"(?:못|않)", text[end:end + 24]))

    def home_subject(self, text: str) -> str | None:
        """Korean papers write "정부" (the government) and "국내" (at home) for their home country: the subject of
        last resort when no country or company is named before (words and country from the registry)."""
        return self.home_country if self._home is not None and self._home.search(text) else None

    def scope_mentions(self, text: str, mentions: list[Mention], ranks: list[RankMention]) -> list[Mention]:
        out = []
        for m in mentions:
            after = text[m.end:m.end + 20]
            if (m.type == "country-group" and any(r.start > m.end and not text[m.end:r.start].strip() for r in ranks)) or (ranks and _SCOPE_OF.match(after)):
                out.append(m)
        return out

    def followers_after_rank(self, text: str, rank: RankMention, mentions: list[Mention]) -> list[Mention]:
        return []

    def subject_after(self, text: str, start: int, end: int, mentions: list[Mention]) -> Mention | None:
        """The holder named after a rank or figure:
        - a rank as the topic: "1위는 미국이 차지했고", "1위는 아일랜드로", "1위는 미국, 2위는 중국이었다", with a
          relative clause or a bracket in between ("2위는 61.47점을 받은 중국이", "3위는 중국(22개) 순서였다");
        - a rank as an apposition right before its holder: "1위 미국은", "2위 덴마크, 3위 스위스";
        - a figure with a relative clause: "28개를 보유한 유럽연합", "100점을 받은 미국이", "35만대를 가진 메타";
        - the name of a table row after its place ("1. 미국 100")."""
        row = self.table_holder(text, start, mentions)
        if row is not None:
            return row
        if text[start:end].endswith("위"):
            for x in mentions:
                if end < x.start <= end + 40 and _RANK_TOPIC_GAP.fullmatch(text, end, x.start) \
                        and _HOLDER_END.match(text, x.end):
                    return x
                # "1위 미국은 약 62만명", "2위 덴마크, 3위 스위스": the rank as an apposition before its holder
                if end < x.start <= end + 2 and re.fullmatch(r"\s", text[end:x.start]) \
                        and _APPOSITION_END.match(text, x.end):
                    return x
            return None
        clause = _HOLDER_CLAUSE.match(text, end)
        if clause:
            for x in mentions:
                if x.start == clause.end():
                    return x
        return None

    def not_a_fact(self, text: str, q: Quantity, year: int) -> str | None:
        """Figures that are not a value of anything: bounds ("2만대가 채 되지 않는다", "2달러를 넘는다"),
        differences ("평균보다 약 150시간 길었다"), fractions ("10분의 1") and targets ("2027년까지 10만명을
        양성하겠다"; an amount of money announced as a plan is a commitment and stays a fact)."""
        after = text[q.end:q.end + 16]
        before = text[max(0, q.start - 12):q.start]
        if _FRACTION.search(before) or _FRACTION_AFTER.match(after):
            return "a fraction, not a value"
        if q.counter == "대" and q.value <= 20 and _TOP_N_BEFORE.search(before) and _TOP_N_AFTER.match(after):
            return "the top N of a kind (\u201c세계 3대 지수\u201d), not a value"
        if q.unit == "percent" and _RATIO_LEVEL.match(text, q.end) \
                and _RATIO_BASE.search(text, max(0, q.start - 40), q.start):
            return "a ratio to another's value (\u201cX 대비 N% 수준\u201d), not a value"
        if q.counter == "개" and _PARTS_AFTER.match(after):
            return "the number of parts of a measure (\u201cN개 항목\u201d), not a value"
        if q.kind == "count" and _PARTNERS_AFTER.match(after):
            return "the number of partners (\u201cN개 기관과\u201d), not a value"
        if _CLASS_THRESHOLD.match(text, q.end):
            return "the threshold of a class (\u201c…이상 국가\u201d), not a value"
        if _PROPORTION.match(after) or _OF_N_BEFORE.search(before):
            return "a proportion (N 중 M), not a value"
        if _BOUND_AFTER.match(after):
            return "a bound (more or less than the figure), not a value"
        if _DIFF_BEFORE.search(before) and _DIFF_AFTER.match(after):
            return "a difference between two values, not a value"
        if _GOAL_AFTER.match(text, q.end):
            return "a target or plan, not a value"          # "매출 10조원을 달성하는 것이 목표" (money too)
        if _RAISE_TO_AFTER.match(after) and _TARGET_AFTER.search(text, q.end):
            return "a target or plan, not a value"          # "예산을 3조원으로 늘릴 계획이다"
        if q.kind != "currency":
            if _TARGET_AFTER.search(text, q.end):
                return "a target or plan, not a value"
            until = [m for m in _UNTIL.finditer(text, 0, q.start)]
            if until and int(until[-1].group(1)) >= year:
                return "a target or plan, not a value"
        return None

    # -------------------------------------------------------------------------------------- attribution
    def source_marks(self, text: str, mentions: list[Mention]) -> list[tuple[int, Mention, str]]:
        marks: list[tuple[int, Mention, str]] = []
        sources = [m for m in mentions if m.type in SOURCE_TYPES]
        if not sources:
            return marks                       # every mark below is one of the sentence's possible sources
        for acc in _ACCORDING.finditer(text):
            before = [m for m in sources if m.end <= acc.start() and acc.start() - m.end <= 45]
            if before:
                m = before[-1]
                # "X가 발표한 …에 따르면": prefer the agent of 발표한 when it is nearer the start of the phrase
                marks.append((m.start, m, "forward"))
        final = _REPORTED_END.search(text) or _REPORTED_MID.search(text)
        first: list[Mention] = []
        if final:
            # "트렌드포스는 삼성전자의 점유율이 7.3%로 2위라고 집계했다": the topic who reports is the source
            first = [m for m in sources if m.start < 20 and m.end < final.start()
                     and re.match(r"(?:\s?\([^()]{0,30}\))?(?:은|는|이|가)(?![가-힣])", text[m.end:m.end + 34])]
            if first:
                marks.append((first[0].start, first[0], "sentence"))
        for m in sources:
            # the 60 characters after the name, through the sentence's words (found once per sentence)
            e, e60 = m.end, m.end + 60
            if _BASIS.match_in(text, e, e60) or _PAREN_BY.match_in(text, e, e60) or _FORWARD_BY.match_in(text, e, e60):
                marks.append((m.start, m, "forward"))
            elif _STATED_BY.match_in(text, e, e60) and not text.startswith("의", e) \
                    and not (final and first and m is not first[0]):
                marks.append((m.start, m, "sentence"))
        marks.sort(key=lambda t: t[0])
        seen = set()
        unique = []
        for mark in marks:
            if (mark[1].start, mark[2]) not in seen:
                seen.add((mark[1].start, mark[2]))
                unique.append(mark)
        return unique

    def attribution_spans(self, text: str) -> list[tuple[int, int]]:
        """"한국생산성본부가 OECD 통계를 분석한 보고서에 따르면": names in the phrase are sources, never subjects."""
        spans, start = [], 0
        for acc in _ACCORDING.finditer(text):
            clause = max([start] + [m.end() for m in re.finditer(r"[,.]\s", text[:acc.start()])])
            spans.append((clause, acc.start()))
            start = acc.end()
        return spans

    def unknown_speaker(self, text: str, mentions: list[Mention]) -> dict[str, Any] | None:
        """"홍길동 네이버 대표는 “…”": a quoted person the registries lack, with title and employer."""
        quotes = self.quote_spans(text)
        for m in mentions:
            if m.type not in ("company", "organization", "publisher") or any(a <= m.start < b for a, b in quotes):
                continue
            before = re.search(r"([가-힣]{2,4})\s$", text[max(0, m.start - 6):m.start])
            after = re.match(rf"^\s?({_TITLES})(?:은|는|이|가)(?![가-힣])", text[m.end:m.end + 20])
            if before and after and before.group(1) not in _NOT_NAMES:
                return {"name": before.group(1), "role": after.group(1), "employer": m.key}
        return None

    # -------------------------------------------------------------------------------------- structure
    def is_topic(self, text: str, mention: Mention) -> bool:
        tail = text[mention.end:mention.end + 40]
        paren = _PAREN.match(tail)
        if paren:
            tail = tail[paren.end():]
        return bool(_TOPIC_AFTER.match(tail))

    def segment_start(self, text: str, pos: int) -> int:
        start = 0
        for m in _SEGMENTS.before(text, pos):
            inside = text.count("(", 0, m.start()) > text.count(")", 0, m.start())
            if not inside:
                start = m.end()
        return start

    def others_before_rank(self, text: str, rank: RankMention, mentions: list[Mention]) -> list[Mention]:
        m = _AFTER_RANK.search(text[:rank.start])
        if not m:
            return []
        return _chain(text, m.start(), mentions, _LIST_SEP, re.compile(r"^\s*$"))

    def out_of(self, text: str, rank: RankMention) -> int | None:
        m = _OUT_OF.search(text[max(0, rank.start - 40):rank.start])
        if m is None:
            # "세계 93개국의 AI 역량을 분석한 '…' 순위에서 … 5위": the countries the ranking covers, named before it
            found = [x for x in _RANKED_COUNTRIES.finditer(text, 0, rank.start)
                     if not _DIGIT_RANK.search(text, x.end(), rank.start)]
            m = found[-1] if found else None
        if m:
            n = int(m.group(1))
            return n if n >= rank.rank else None
        return None

    def period_before(self, text: str, start: int, end: int, window_start: int, year: int) -> tuple[str, str | None] | None:
        # "전년보다 세 계단 오른 9위", "지난해와 비교해": the year compared with is not the figure's year
        found = _years(text, window_start, start)
        if _EARLIER_PLACE.match(text, end) and not (found and found[-1].end() >= start - 2):
            # "28→23위", "(6위→4위)", "7위에서 6위로": the earlier place of a change is the previous edition's
            later = int(_period(found[-1], year)[0]) if found else year
            place = _EARLIER_PLACE.match(text, end)
            assert place is not None   # matched just above
            return str(later - 1), f"the place before “{text[end:place.end()].strip()}”" \
                                   f" read as the year before {later}"
        if not found and window_start > 0 and _FROM_VALUE.match(text, end):
            # "A는 지난해 4분기 5.1%에서 …, B는 3.2%에서 …": a clause parallel to the one before, whose starting
            # value is dated, shares its year
            earlier = _years(text, 0, window_start)
            if earlier and _FROM_VALUE_AT.search(text, earlier[-1].end(), window_start):
                period, note = _period(earlier[-1], year)
                return period, (note + "; " if note else "") + "the year of the parallel clause before"
        if not found:
            return None
        return _period(found[-1], year)

    def extra_periods(self, text: str, span: tuple[int, int]) -> list[tuple[str, str]]:
        """The other years of a rank written for several ("2019년과 2020년 8위", "2016~2017년 29위", "2011년부터
        2013년까지 22위"); the last year is the rank's own period (``period_before``)."""
        before = text[max(0, span[0] - 24):span[0]]
        m = _YEARS_BEFORE.search(before)
        if not m or not text[span[0]:span[1]].endswith("위"):
            return []
        first, last = int(m.group(1)), int(m.group(3))
        if m.group("pair"):
            years = [first] if first < last else []
        else:
            years = list(range(first, last)) if 0 < last - first <= 10 else []
        return [(str(y), f"one of the years of “{m.group(0).strip()}”") for y in years]

    def equivalent_after(self, text: str, q: Quantity, quantities: list[Quantity]) -> Quantity | None:
        return _equivalent(text, q, quantities, r"^\s?[(\[]\s?(?:약|대략|한화\s?약?|우리\s?돈\s?약?)?\s?$")

    def list_before(self, text: str, pos: int, mentions: list[Mention]) -> list[Mention]:
        return _chain(text, pos, mentions, _LIST_SEP, _LIST_GAP)

    def unknown_subject(self, sentence: Sentence, seg_start: int, pos: int) -> str | None:
        """A name the registries do not know, in subject position before the figure ("코어위브는 25만대")."""
        text = sentence.text
        tokens = [t for t in sentence.proper_nouns if seg_start <= t[0] and t[1] <= pos]
        for _a, b, form, tag in reversed(tokens):
            if tag in ("NNP", "SL") and _TOPIC_AFTER.match(text[b:b + 2]) and len(form) >= 2:
                if re.fullmatch(r"[A-Z]?\d+[A-Za-z]*|[A-Z]\d*", form) or form in _NOT_NAMES:
                    continue
                return form
        if seg_start > 0 and len(tokens) >= 2:
            _, b, form, tag = tokens[0]
            nxt = tokens[1]
            if (tag in ("NNG", "NNP", "SL") and nxt[3] in ("JX", "JKS") and nxt[2] in ("은", "는", "이", "가")
                    and len(form) >= 2 and form not in _NOT_NAMES and text[b:nxt[0]] == ""):
                return form
        return None


_TITLES = (r"대표이사|대표|사장|부회장|회장|최고경영자\(CEO\)|최고경영자|CEO|CTO|교수|장관|차관|원장|소장|연구위원|"
           r"연구원|부사장|전무|상무|이사장|이사|총리|대통령|위원장|실장|본부장|센터장|팀장|수석")
_NOT_NAMES = {"기업", "인력", "규모", "시장", "매출", "정부", "업계", "국내", "해외", "세계", "전체", "투자", "수출", "수입",
              "생산성", "점유율", "비중", "인재", "특허", "예산", "가격", "비용", "수요", "공급", "이익", "영업이익", "순이익",
              "자산", "부채", "인구", "가구", "지원", "성장률", "비율", "전년", "올해", "지난해", "작년", "이번", "당시", "현재",
              "일각", "업체", "기관", "대학", "개발자", "연구자", "전문가", "보유량", "데이터", "모델", "서비스", "제품", "사업"}


def _period(m: re.Match[str], year: int) -> tuple[str, str | None]:
    word = m.group(0)
    if m.group(1):
        return m.group(1), None
    offset = {"지난해": -1, "작년": -1, "전년": -1, "재작년": -2, "올해": 0, "금년": 0}[word]
    return str(year + offset), f"“{word}” read relative to the publication year {year}"

"""The article's own words for what a figure measures or which ranking a rank belongs to.

Used when no registry entry fits (open world, ``kg.extract.propose``): the noun phrase becomes the label of a
proposed indicator or ranking series, so the label carries the article's words for the measure. One function per
language and kind; each returns the phrase and its strength (``strong``: the phrase is attached to the figure,
e.g. "점유율 6.0%", "67.7%의 점유율", "a 36% share of the DRAM market"; ``weak``: the clause's subject, e.g.
"Hourly output by Korean workers was 20.40 dollars"), or None.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from .figures import Quantity, RankMention
from .gates import gated

if TYPE_CHECKING:
    from .context import Token
    from .engine import Sentence

_NOUN_TAGS = {"NNG", "NNP", "SL", "SH", "XSN", "XPN", "NNB"}
# nouns that say when or how, not what: never the head of a measure phrase
_KO_NOT_MEASURE = {"지난해", "올해", "작년", "내년", "이번", "당시", "현재", "분기", "기준", "약", "총", "전년", "동기",
                   "이날", "최근", "이후", "이전", "중", "가운데", "등", "전", "세계", "전체", "각각", "모두", "역대", "만",
                   "당", "여", "개", "곳", "대", "명", "위", "점", "배", "년", "월", "일", "때", "수준", "정도", "대비",
                   "순", "차지", "기록", "규모", "비중", "이상", "이하", "미만", "초과", "평가", "조사", "결과", "전망",
                   "나라", "국가", "기업", "회사", "부문", "항목", "분야", "지역", "업체"}
_KO_TIME = re.compile(r"^(?:\d+(?:년|분기|월|일)|[1-4]분기|상반기|하반기|지난해|올해|작년|내년|이번|당시|현재|최근)$")


def _runs(tokens: list[Token], text: str) -> list[tuple[int, int]]:
    """Maximal runs of noun tokens separated by at most one space (local offsets)."""
    out: list[tuple[int, int]] = []
    run: tuple[int, int] | None = None
    for a, b, form, tag in tokens:
        if tag in _NOUN_TAGS and not (tag == "NNB" and form in ("등", "중", "때", "수", "것")):
            if run is not None and a - run[1] <= 1 and text[run[1]:a].strip() == "":
                run = (run[0], b)
            else:
                if run is not None:
                    out.append(run)
                run = (a, b)
        else:
            if run is not None:
                out.append(run)
            run = None
    if run is not None:
        out.append(run)
    return out


def _clean_ko(phrase: str, names: list[str]) -> str | None:
    words = phrase.split()
    # drop leading time words and names ("2023년 한국의 …" is handled by the particle; "올해 1분기 매출" → "매출")
    while words and (_KO_TIME.match(words[0]) or words[0] in _KO_NOT_MEASURE or any(words[0] == n for n in names)):
        words.pop(0)
    phrase = " ".join(words)
    if not phrase or phrase in _KO_NOT_MEASURE or _KO_TIME.match(phrase) or any(phrase == n for n in names):
        return None
    if len(phrase) < 2 or re.fullmatch(r"[\d.,A-Z]{1,2}", phrase):
        return None
    return phrase


def measure_ko(s: Sentence, q: Quantity, seg: int, names: list[tuple[int, int]]) -> tuple[str, str] | None:
    """"점유율 6.0%", "매출은 255억 달러", "67.7%의 점유율", "정부 부문에서 71.25점" → the noun phrase."""
    text = s.text
    tokens = s.proper_nouns
    if not tokens:
        return None
    name_texts = [text[a:b] for a, b in names]
    runs = [r for r in _runs(tokens, text) if not any(a <= r[0] and r[1] <= b for a, b in names)]

    def trim(r: tuple[int, int]) -> str:
        a, b = r
        for na, nb in names:          # a run glued to a name ("한국의" is a particle, but "TSMC 매출"): cut the name
            if na <= a < nb:
                a = nb
        return text[a:b].strip()

    # "기술(58.40점) 부문에서": the noun the bracketed figure belongs to
    m = re.search(r"([가-힣A-Za-z·]{1,10})\s?\($", text[max(0, q.start - 12):q.start])
    if m and not any(b == q.start - 1 or b == q.start - 2 for a, b in names):
        phrase = _clean_ko(m.group(1), name_texts)
        if phrase:
            return phrase, "strong"
    # "67.7%의 점유율을", "N점의 평균"
    m = re.match(r"\s?의\s?", text[q.end:q.end + 3])
    if m:
        after = [r for r in runs if r[0] == q.end + m.end()]
        if after:
            phrase = _clean_ko(trim(after[0]), name_texts)
            if phrase:
                return phrase, "strong"
    # "점유율 67.1%", "종합점수 24.73점", "매출 22억5천만 달러"
    before = [r for r in runs if r[1] <= q.start and text[r[1]:q.start].strip() in ("", "약", "총", "무려")
              and r[0] >= seg]
    if before:
        phrase = _clean_ko(trim(before[-1]), name_texts)
        if phrase:
            return phrase, "strong"
    # "TSMC의 매출은 255억…", "실질 노동생산성 상승률은 1.2%로", "정부 부문에서 71.25점"
    for r in reversed([r for r in runs if seg <= r[0] and r[1] <= q.start]):
        tail = text[r[1]:r[1] + 3]
        if re.match(r"(?:은|는|이|가|에서)(?![가-힣])", tail):
            between = text[r[1]:q.start]
            if re.search(r"[,.]", between):
                break
            phrase = _clean_ko(trim(r), name_texts)
            if phrase:
                return phrase, "strong"
    return None


_EN_STOP = {"in", "for", "by", "with", "to", "from", "than", "and", "but", "which", "that", "was", "were", "is",
            "are", "had", "has", "have", "compared", "according", "followed", "during", "this", "last", "while",
            "as", "at", "on", "over", "since", "each", "respectively", "after", "before", "or", "its", "their",
            "his", "her", "against", "more", "less", "higher", "lower", "up", "down", "a", "an", "will", "would",
            "said", "says", "when", "where", "who", "per", "between", "of", "the", "year", "years", "month",
            "months", "quarter", "times", "percent", "points", "point"}
_EN_UNIT_WORDS = {"units", "unit", "dollars", "dollar", "won", "yuan", "yen", "euros", "hours", "people", "persons"}
_EN_WORD = re.compile(r"\s+([A-Za-z][\w&'’.-]*|\([A-Z][\w&-]*\))")


# verbs whose past form names what a count measures ("hours worked", "units shipped", "people employed")
_EN_VERB_BEFORE = re.compile(r"\b(worked|spent|shipped|sold|employed|hired|trained|produced|installed|deployed|"
                             r"delivered|exported|imported|filed|registered|enrolled|logged)\s+"
                             r"(?:(?:about|around|roughly|nearly|almost|some|an estimated|over|more than|"
                             r"fewer than|less than|at least|only|just)\s+)*$", re.IGNORECASE)
_EN_RELATIVE = re.compile(r"\s+of\s+(?:that|those|the\s+level|the\s+figure)\s+(?:of|in|for)\s+(the\s+)?"
                          r"([A-Z][\w.]*(?:\s+[A-Z][\w.]*){0,3})")
_EN_TOPIC = re.compile(r"\s*(?:Regarding|As for|As regards|In terms of|When it comes to|Concerning|With regard to|"
                       r"With respect to)\s+(?:the\s+|its\s+|their\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*){0,3}?)"
                       r"(?:\s+(?:during|in|for|from|between|over|since|of)\b[^,;]{0,30})?,")
_EN_COUNT_NOUNS = {"hours", "units", "people", "workers", "employees", "engineers", "researchers", "students",
                   "patents", "chips", "gpus", "servers", "vehicles", "cars", "phones", "devices", "tons",
                   "days", "applications", "graduates"}


def _en_words(text: str, pos: int, limit: int = 6) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    while len(out) < limit:
        m = _EN_WORD.match(text, pos)
        if m is None:
            break
        out.append((m.group(1), m.end()))
        pos = m.end()
    return out


def measure_en(s: Sentence, q: Quantity, seg: int, names: list[tuple[int, int]]) -> tuple[str, str] | None:
    """"a 36% share of the DRAM market", "150,000 units of H100 GPUs", "six AI-related listed firms",
    "Hourly output by Korean workers was 20.40 dollars" → the noun phrase."""
    text = s.text
    name_spans = names
    # a level stated relative to another's: "French output was 80 percent of that of Germany" → "output relative
    # to Germany" (the measure is the clause subject's last word)
    rel = _EN_RELATIVE.match(text, q.end)
    other = next((text[a:b] for a, b in name_spans if rel and a == rel.start(2)), None)
    if rel and other and q.unit == "percent":
        head = re.search(r"\b([a-z][\w-]*)\s+(?:was|were|is|are|stood at|reached)\s+(?:about\s+|around\s+|only\s+|"
                         r"just\s+|roughly\s+)?$", text[seg:q.start])
        return f"{head.group(1) if head else 'level'} relative to {rel.group(1) or ''}{other}", "strong"
    # after the figure: nouns, joined once by "of"/"in" ("share of the DRAM market", "market share in HBM")
    words = _en_words(text, q.end, 9)
    phrase: list[str] = []
    joined = False
    i = 0
    while i < len(words):
        w = words[i][0]
        lw = w.lower().rstrip(".")
        if lw in ("of", "in") and phrase and not joined and i + 1 < len(words):
            nxt = words[i + 1][0].lower()
            if nxt in ("the", "a", "an") and i + 2 < len(words):
                phrase += [w, words[i + 1][0]]
                i += 2
            else:
                phrase.append(w)
                i += 1
            joined = True
            continue
        if w.startswith("("):
            if phrase:
                phrase.append(w)
            break
        if lw in _EN_STOP or (not phrase and lw in _EN_UNIT_WORDS and len(words) > i + 1
                              and words[i + 1][0].lower() not in ("of",)):
            if not phrase and lw in _EN_UNIT_WORDS:
                i += 1
                continue
            break
        if re.fullmatch(r"\d[\d,.]*", w) or w.endswith(","):
            if w.endswith(",") and not re.fullmatch(r"\d[\d,.]*,?", w):
                phrase.append(w.rstrip(","))
            break
        phrase.append(w.rstrip(".") if w.endswith(".") and not re.fullmatch(r"(?:[A-Z]\.)+", w) else w)
        if w.endswith("."):
            break
        i += 1
    while phrase and phrase[-1].lower() in ("of", "in", "the", "a", "an"):
        phrase.pop()
    if phrase and phrase[0].lower() in _EN_UNIT_WORDS and len(phrase) == 1:
        phrase = []
    if phrase and not (len(phrase) == 1 and phrase[0].lower() in ("more", "less", "each")):
        return " ".join(phrase), "strong"
    # before the figure: "… purchase volume of 150,000", "a market share of 36%"
    m = re.search(r"((?:[A-Za-z][\w-]*\s+){1,3})(?:of|at)\s+(?:about\s+|around\s+|some\s+|only\s+|nearly\s+)?(?:US)?\$?$",
                  text[max(seg, q.start - 60):q.start])
    named = m is not None and any(a < m.end(1) + max(seg, q.start - 60) and m.start(1) + max(seg, q.start - 60) < b
                                  for a, b in name_spans)
    if m and not named:      # "the G7 average of 1,500 hours": a yardstick's name, not the measure
        ws = [w for w in m.group(1).split() if w.lower() not in ("a", "an", "the", "with", "its", "their")]
        ws = [w for w in ws if w.lower() not in _EN_STOP]
        if ws and not any(w[0].isupper() for w in ws[-1:]):
            return " ".join(ws), "strong"
    # a past participle right before a count: "worked 1,600 hours" → "hours worked", "shipped 3 million units"
    verb = _EN_VERB_BEFORE.search(text, max(seg, q.start - 40), q.start)
    noun = re.search(r"([a-z]+)$", q.as_written)
    if verb and noun and noun.group(1) in _EN_COUNT_NOUNS:
        return f"{noun.group(1)} {verb.group(1).lower()}", "strong"
    # the topic the sentence opens with: "Regarding venture investment in 2020-2023, France registered …"
    topic = _EN_TOPIC.match(text)
    if topic and topic.end() <= q.start and not any(a < topic.end(1) and topic.start(1) < b for a, b in name_spans):
        return topic.group(1), "strong"
    # the clause's subject: "Hourly output by Korean workers was 20.40 dollars"
    clause = text[seg:q.start]
    m = re.match(r"\s*(?:The\s+|the\s+)?((?:[A-Za-z][\w-]*\s+){1,4}?)(?:was|were|is|are|stood\s+at|reached|totaled|"
                 r"totalled|came\s+to|amounted\s+to)\s+(?:about\s+|around\s+|only\s+|some\s+)?(?:US)?\$?$", clause)
    if m:
        ws = m.group(1).split()
        cut = next((i for i, w in enumerate(ws) if w.lower() in ("by", "of", "for", "in", "from")), len(ws))
        ws = ws[:cut]
        if ws and not any(seg + clause.find(w) >= a and seg + clause.find(w) < b for w in ws for a, b in name_spans):
            return " ".join(ws), "weak"
    return None


# a ranking's title: quoted ("'2024년 글로벌 AI지수'", "the \"Global AI Index\""), or capitalised words before
# Index / Ranking ("the World Competitiveness Ranking 2024"); gated by those words (most sentences name no ranking)
_KO_QUOTED_TITLE = gated(r"[‘'\"“「『]([^’'\"”」』]{2,40}?(?:지수|순위|평가|랭킹|인덱스|지표|보고서|조사))[’'\"”」』]")
_EN_QUOTED_TITLE = gated(r"[\"“]([^\"”]{2,60}?(?:Index|Ranking|Rankings|Report|Survey|League Table))[\"”]")
_EN_CAPITALISED_TITLE = gated(r"((?:[A-Z][\w&-]*\s+){1,5}(?:Index|Ranking|Rankings|League Table))\b")
_KO_INDEX_HEAD = re.compile(r"(지수|순위|평가|랭킹|인덱스)(?:\s?(?:결과|조사))?\s?에서")
_KO_WORDS_BEFORE = re.compile(r"((?:[A-Za-z가-힣]+\s?){1,3})$")


def words_from(text: str, lo: int, hi: int) -> int:
    """Where a match of ``_KO_WORDS_BEFORE`` in ``text[lo:hi]`` can begin at the earliest: after the last character
    before ``hi`` that is neither a letter nor a space, and not before the third run of letters counted back from
    ``hi`` (a match is at most three words of letters, single spaces between). Searched from there, the regex finds
    what it finds from ``lo``, without trying (and backtracking over) every place before (a test compares them)."""
    runs, in_run = 0, False
    i = hi
    while i > lo:
        ch = text[i - 1]
        if "가" <= ch <= "힣" or "A" <= ch <= "Z" or "a" <= ch <= "z":
            if not in_run:
                runs, in_run = runs + 1, True
                if runs > 3:
                    return i
        elif ch.isspace():
            in_run = False
        else:
            return i
        i -= 1
    return lo


def ranking_ko(text: str, start: int, end: int) -> str | None:
    """The ranking a Korean rank belongs to, named by its title: "'2024년 글로벌 AI지수'", "IMD 국가경쟁력 평가에서"."""
    window = text[start:end]
    found = list(_KO_QUOTED_TITLE.finditer(window))
    m = found[-1] if found else None              # the title named last before the rank
    if m is not None:
        name = m.group(1)
    else:
        name = None
        if "에서" in window:
            for head in _KO_INDEX_HEAD.finditer(window):
                # the words before the index word ("IMD 국가경쟁력 평가에서"), found backwards from it
                lo = max(0, head.start() - 40)
                before = _KO_WORDS_BEFORE.search(window, words_from(window, lo, head.start()), head.start())
                name = ((before.group(1) if before else "") + head.group(1)).strip()
    if not name:
        return None
    name = re.sub(r"^\s*(?:19|20)\d\d\s?(?:년|~\d+년)?\s*", "", name).strip()
    words = name.split()
    while len(words) > 1 and re.search(r"(?:은|는|이|가|을|를|의|에서|와|과|도)$", words[0]):
        words.pop(0)                      # "우리나라가 IMD 국가경쟁력 평가에서": the subject is not in the title
    name = " ".join(words)
    return name if len(name) >= 2 else None


def ranking_en(text: str, start: int, end: int) -> str | None:
    """"its "Global AI Index"", "the World Competitiveness Ranking 2024" → the title."""
    window = text[start:end]
    found = list(_EN_QUOTED_TITLE.finditer(window))
    if not found:
        found = list(_EN_CAPITALISED_TITLE.finditer(window))
    m = found[-1] if found else None              # the title named last
    if m is None:
        return None
    name = re.sub(r"\s+(?:19|20)\d\d$", "", m.group(1)).strip()
    name = re.sub(r"^(?:The|Its|the|its)\s+", "", name)
    return name if len(name) >= 3 else None


_PILLAR_WORD = r"[가-힣A-Za-z][가-힣A-Za-z·]{0,7}(?:\s[가-힣A-Za-z][가-힣A-Za-z·]{0,7})?"


_MARKER = r"(?:부문|항목|분야|순위|지표)"
# the pillar's figure in brackets between it and the marker: "개발(55.1점) 부문에서 2위"
_FIGURE = r"(?:\([^()]{0,16}\)\s?)?"
_PILLAR_PAIR = re.compile(rf"(?<![가-힣A-Za-z·])([가-힣A-Za-z][가-힣A-Za-z·]{{1,7}})(?:와|과)\s?({_PILLAR_WORD})\s?{_MARKER}"
                          rf"(?:에서는|에서|은|는|의)?\s((?<![\d])\d{{1,3}})\s?위(?:와|과|,\s?|·)\s?(\d{{1,3}})\s?위")
# a pillar right before its rank (sub_ranking_ko), searched in the text before the rank: "인재(", "정부 부문에서 ",
# "개발(55.1점) 부문에서 ", "상업생태계도 " (before "3위에서"), "정부 전략 " (in a list of "pillar N위")
_PILLAR_LEAD = r"(?<![\d가-힣A-Za-z·])"
_PILLAR_BRACKET = gated(rf"{_PILLAR_LEAD}({_PILLAR_WORD})\s?\($")
_PILLAR_MARKED = gated(rf"{_PILLAR_LEAD}({_PILLAR_WORD})\s?{_FIGURE}{_MARKER}(?:에서는|에서|은|는|이|도|의)?\s"
                       rf"(?:[^,.]|\d\.\d)*?(?:\(|\s)$")
_PILLAR_MARKED_END = gated(rf"{_PILLAR_LEAD}({_PILLAR_WORD})\s?{_FIGURE}{_MARKER}(?:에서는|에서|은|는|이|도)?\s$")
_PILLAR_TOPIC = gated(rf"{_PILLAR_LEAD}([가-힣A-Za-z][가-힣A-Za-z·]{{1,7}})(?:도|은|는)\s$")
_PILLAR_LISTED = re.compile(rf"(?:^|,\s?|[가-힣A-Za-z]+(?:은|는)\s)({_PILLAR_WORD})\s$")
_PILLAR_PLACES = gated(rf"{_PILLAR_WORD}\s\d{{1,3}}위")
_NOT_NOUN_END = re.compile(r"(?:고|며|면|서|와|과|를|을|게|지|다|던|한|된|인|적)$")


# a rank within part of the ranked: "아시아 국가 중에서는 1위", "인구 1억 명 이상 국가로만 따지면 … 3위"
_SCOPE_MARK = re.compile(r"\s?(?:\([^()]{0,40}\))?\s?(?:(?:으로|로)만\s?(?:따지면|보면|한정하면)|(?:중|가운데)(?:에서)?는)\s")
_SCOPE_TOPIC = re.compile(r"^[가-힣A-Za-z]+(?:은|는|이|가)\s")


def _scope_ko(text: str, rank: RankMention) -> str | None:
    """The part of the ranked a rank is counted in, named at the start of its clause and marked as a restriction
    ("…로만 따지면", "… 중에서는"); a place written in brackets after a name ("캐나다(8위)") is that name's own."""
    if text[max(0, rank.start - 1):rank.start] == "(":
        return None
    marks = list(_SCOPE_MARK.finditer(text, 0, rank.start))
    if not marks:
        return None
    m = marks[-1]
    # the restriction holds up to the rank unless a clause ends in between ("… 중에서는 1위였지만, 전체로는 9위")
    between = re.sub(r"\([^()]*\)", "", text[m.end():rank.start])       # "일본(12위)·독일(15위) 등에 이어"
    if _CLAUSE_END.search(between) or _DIGIT_PLACE.search(between):
        return None
    clause = max([0] + [c.end() for c in re.finditer(r"[,;]\s|[.!?]\s", text[:m.start()])])
    if _DIGIT_PLACE.search(text, clause, m.start()):
        return None
    scope = _SCOPE_TOPIC.sub("", re.sub(r"\s?\([^()]*\)$", "", text[clause:m.start()].strip())).strip()
    if 2 <= len(scope) <= 30 and not re.search(r"\d\s?개\s?(?:국|나라|회원국)|^\d*$", scope):
        return scope
    return None


_CLAUSE_END = re.compile(r"(?:지만|는데|으나|었고|였고|했고|이며|였으며|했으며|였다|했다)(?:\s|,|$)")


_DIGIT_PLACE = re.compile(r"\d\s?위")


def sub_ranking_ko(text: str, rank: RankMention, prev_end: int) -> str | None:
    """A pillar named with its rank: "인재(12위→10위)", "정부 부문에서 71.25점(3위)", "인재 부문에서 13위",
    "운영 환경 순위에서 한국은 35위", "상업생태계도 3위에서", "정부 전략 3위, 운영 환경 45위" (two or more
    "pillar N위" in a row)."""
    for pair in _PILLAR_PAIR.finditer(text, max(0, rank.start - 60), rank.end + 16):
        # "연구와 개발 부문에서는 15위와 21위를": the pillars and the places paired in order
        if pair.start(3) == rank.start:
            return pair.group(1)
        if pair.start(4) == rank.start:
            return pair.group(2)
    scope = _scope_ko(text, rank)
    if scope is not None:
        return scope
    before = text[max(prev_end, rank.start - 60):rank.start]
    after = text[rank.end:rank.end + 4]
    m = _PILLAR_BRACKET.search(before) or _PILLAR_MARKED.search(before) or _PILLAR_MARKED_END.search(before)
    if m is None and after.startswith(("에서", "→")):
        m = _PILLAR_TOPIC.search(before)   # "상업생태계도 3위에서"
    if m is None:
        # "정부 전략 3위, 운영 환경 45위", also after the topic ("독일은 연구 4위, …")
        listed = _PILLAR_LISTED.search(before)
        if listed and len(_PILLAR_PLACES.findall(text)) >= 2:
            m = listed
    if m is None:
        return None
    word = m.group(1).strip()
    parts = word.split()
    if len(parts) == 2 and (re.search(r"(?:은|는|이|가|도|의|에서|을|를)$", parts[0])
                            or (re.search(r"(?:해|하여|하면|보면)$", parts[0]) and len(parts[0]) > 1)):
        # "한국은 정부 부문에서", "비교해 인재(8위→5위)": the topic or a verb is not part of the pillar
        word = parts[1]
    word = re.sub(r"(?:에서|으로는|로는|은|는|이|가|도|의)$", "", word) if len(word) > 2 else word
    if not word or any(len(w) < 2 or (_NOT_NOUN_END.search(w) and len(w) > 2 and not w.endswith("인")) for w in word.split()):
        return None
    return word


# ---------------------------------------------------------------------------------------------- unknown names
_EN_NOT_NAMES = {"The", "A", "An", "It", "This", "That", "These", "Those", "Its", "In", "On", "At", "By", "For",
                 "According", "Some", "Other", "Their", "He", "She", "They", "We", "I", "You", "Our", "His", "Her",
                 "However", "But", "And", "Or", "As", "If", "When", "While", "Yet", "Also", "Only", "Most", "Many",
                 "Finally", "Meanwhile", "Still", "Last", "Next", "First", "Second", "Third", "Of", "With", "From",
                 "To", "After", "Before", "Since", "Regarding", "Experts", "Rep", "Mr", "Ms", "Dr", "Go", "Posted",
                 "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                 "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                 "Sunday", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept"}
# a capital not after a letter, digit or apostrophe (the lookbehind after the capital, so that the regex engine
# skips to the next capital instead of trying every place), then letters; more capitalised words after spaces
_EN_NAME = re.compile(r"([A-Z](?<![\w’'][A-Z])(?:[\w&’'-]*[A-Za-z0-9])?(?:\s+(?:[A-Z][\w&-]*[A-Za-z0-9]|[A-Z]))*)")
_ORG_HEAD = re.compile(r"(?:Research|Institute|University|Agency|Bank|Association|Center|Centre|Foundation|"
                       r"Council|Ministry|Office|Commission|Forum|Group|Intelligence|Insights|대학교?|연구소|연구원|"
                       r"재단|협회|기관|본부|신문|일보|위원회|부|청)$")


def guess_type(name: str) -> str:
    return "organization" if _ORG_HEAD.search(name) else "company"


@lru_cache(maxsize=512)
def _written_inside(word: str, article: str) -> bool:
    r"""``word`` is written inside a sentence of ``article`` (after a lower-case word or a comma): once per word
    and article, not per sentence opening with it. What ``re.search(rf"[a-z,]\s+{re.escape(word)}\b", article)``
    finds, looked for at each place the word is written (no regex compiled per word, no scan of every letter)."""
    n = len(word)
    i = article.find(word) if word else -1
    while i >= 0:
        j = i
        while j > 0 and article[j - 1].isspace():          # \s+ before the word ...
            j -= 1
        if j < i and j > 0 and article[j - 1] in _LOWER_OR_COMMA:   # ... after a lower-case letter or a comma
            e = i + n                                       # \b after the word
            if (e < len(article) and _is_word(article[e])) != (e > 0 and _is_word(article[e - 1])):
                return True
        i = article.find(word, i + 1)
    return False


_LOWER_OR_COMMA = frozenset("abcdefghijklmnopqrstuvwxyz,")


def _is_word(ch: str) -> bool:
    """A character of \\w (Unicode): letters, digits, the underscore."""
    return ch.isalnum() or ch == "_"


def names_en(text: str, known: list[tuple[int, int]], not_names: set[str], article: str) -> list[tuple[int, int, str]]:
    """Capitalised names the registries lack ("SK Hynix", "Lambda Labs"): not a word opening the sentence
    unless the article also writes it inside a sentence or it opens a list of names ("Google, Amazon …")."""
    out = []
    for m in _EN_NAME.finditer(text):
        a, b = m.start(1), m.end(1)
        words = m.group(1).split()
        while words and (words[0] in _EN_NOT_NAMES or words[0] in not_names or words[0].lower() in not_names):
            a = text.index(words[0], a) + len(words[0])
            while a < len(text) and text[a].isspace():     # to the next word (what lstrip would skip)
                a += 1
            words.pop(0)
        while words and (words[-1] in not_names or words[-1] in _EN_NOT_NAMES):
            words.pop()
        if not words:
            continue
        name = " ".join(words)
        b = a + len(name) if text[a:a + len(name)] == name else b
        if text[a:b] != name or _overlaps(known, a, b):
            continue
        if len(name) < 2 or (name.isupper() and len(name) <= 2) or any(ch.isdigit() for ch in name):
            continue                      # "H100", "B200": products, not holders
        if re.search(r"\b(?:in|at|near|from|to|into)\s+$", text[max(0, a - 6):a]):
            continue                      # "its cluster in Memphis": a place, not a holder
        initial = a == 0 or re.search(r"[.!?:\-–—\"“]\s*$", text[max(0, a - 3):a]) is not None
        if initial and not (_written_inside(words[0], article)
                            or re.match(r",\s[A-Z]|\sand\s[A-Z]|’s\s|'s\s", text[b:b + 6])):
            continue
        out.append((a, b, name))
    return out


_NAME_TAGS = frozenset(("NNP", "SL"))     # kiwipiepy's tags of proper nouns and Latin-letter words
_LATIN_NAME = re.compile(r"[A-Z][A-Za-z0-9&-]*[A-Za-z]")


def _overlaps(spans: list[tuple[int, int]], a: int, b: int) -> bool:
    """Does ``a``..``b`` overlap one of ``spans``? (a loop: asked of every name found, where a generator costs
    more than the few comparisons)"""
    for x, y in spans:  # noqa: SIM110 - see the docstring
        if x < b and a < y:
            return True
    return False


def names_ko(s: Sentence, known: list[tuple[int, int]], not_names: set[str]) -> list[tuple[int, int, str]]:
    """Proper nouns the registries lack ("SMIC가", "옥스퍼드인사이츠는"), as kiwipiepy tags them, followed by a
    particle."""
    out: list[tuple[int, int, str]] = []
    text = s.text
    tokens = s.proper_nouns
    # the tokens a name can begin with (most tokens are other words and particles)
    for i in [i for i, t in enumerate(tokens) if t[3] in _NAME_TAGS]:
        a, b, form, tag = tokens[i]
        if len(form) < 2 or form in not_names:
            continue
        if tag == "SL" and not _LATIN_NAME.fullmatch(form):
            continue
        if i > 0 and tokens[i - 1][3] in _NAME_TAGS and a - tokens[i - 1][1] <= 1:
            continue                      # inside a longer name, found from its first word
        # extend over adjacent proper nouns ("옥스퍼드 인사이츠")
        end = b
        j = i + 1
        while j < len(tokens) and tokens[j][3] in _NAME_TAGS and tokens[j][0] - end <= 1:
            end = tokens[j][1]
            j += 1
        if _overlaps(known, a, end):
            continue
        nxt = tokens[j] if j < len(tokens) else None
        if (nxt is None or nxt[0] != end or nxt[3] not in ("JKS", "JX", "JKG", "JC", "JKB", "JKO", "VCP")) \
                and not (text[end:end + 1] == "(" or text[end:end + 1] == ","):
            continue
        out.append((a, end, text[a:end]))
    return out

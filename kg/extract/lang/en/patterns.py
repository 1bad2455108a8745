"""English rules: sentence splitting with abbreviations, and the phrase patterns of English business news.

- attribution: "according to X", "X said/says/reported/estimates", "X's report/index/data", "data from X",
  a person quoted with “…” (the speaker is a registered person named in the sentence);
- subject: a name followed by a verb such as has/holds/ranks/is ("Meta holds 350,000 GPUs"), or with "'s";
- list segments split at commas, semicolons, "and", "while", "but";
- rank after others: "fourth behind Germany, China and Ireland"; "second after the US";
- rank out of N: "33rd of 38", "33rd out of 38 countries", "33rd among 38 OECD members";
- years: "13th in 2023", "fifth last year" (last year = publication year - 1, this year = publication year);
- equivalents in brackets: "500 billion yuan (about $69 billion)";
- group lists: "The US, China, Canada, Singapore and the UK are 'AI pioneers'".
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

from ...engine import SOURCE_TYPES, QuotedSpeakers, Sentence
from ...figures import Quantity, RankMention
from ...gates import Gated, PrefixMatches, gated
from ...resolve import Mention
from ...tables import TableReader
from ..shared import MAKER_OF
from ..shared import chain as _chain
from ..shared import equivalent as _equivalent
from .numbers import NUMBER_WORDS, ORDINAL_RE, WORD_ORDINAL_RE, find_en_quantities, find_en_ranks


@lru_cache(maxsize=256)
def _quantities(text: str) -> tuple[Quantity, ...]:
    """:func:`find_en_quantities`, cached per text: the sentence's context and its figures' checks both ask."""
    return tuple(find_en_quantities(text))


@lru_cache(maxsize=1024)
def _says(pattern: Gated, text: str) -> bool:
    """``pattern`` found in the sentence ``text``: asked for each figure of it, searched once."""
    return pattern.search(text) is not None

_ABBREV = re.compile(r"(?:\b(?:U\.S|U\.K|U\.N|No|Mr|Mrs|Ms|Dr|Prof|Inc|Corp|Ltd|Co|St|vs|etc|e\.g|i\.e|Jan|Feb|Mar|"
                     r"Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)|\b[A-Z])\.$")
_BREAK = re.compile(r"[.!?][\"”’')]*\s+(?=[\"“‘'(]?[A-Z0-9])")
_VERBS = (r"has|have|had|holds|held|hold|owns|owned|operates|operated|is|was|are|were|ranks|ranked|came|comes|"
          r"placed|places|sits|sat|stood|stands|employs|employed|counts|counted|boasts|possesses|accounts|rose|"
          r"fell|climbed|dropped|slipped|jumped|leads|led|spent|invested|reached|reaches|follows|trails|trailed|"
          r"finished|took|takes|remains|remained|moved|secured|secures|amassed|bought|acquired|deployed|runs|ran|"
          r"plans|planned|will|would|now|also|alone|still|currently|got|gets|received|receives|recorded|records|"
          r"scored|scores|posted|posts|registered|registers|logged|purchased|purchases|ordered|orders|buys|"
          r"estimates|regained|returned|improved|gained|lost|dropped|experienced")
_TOPIC_AFTER = re.compile(rf"^(?:\s?\([^()]{{0,30}}\))?(?:'s|’s|\s(?:{_VERBS})\b)")
_SEGMENT = re.compile(r"[,;](?!\s(?:which|who)\b)|\s(?:and|while|whereas|but|vs\.?|versus|compared with)\s")
# its matches before each figure of a sentence (it reads at most 15 characters from where it is tried: " compared with ")
_SEGMENTS = PrefixMatches(_SEGMENT, 16)
_OTHERS_AFTER = re.compile(r"^\s*(?:place|position|spot)?,?\s*(?:behind|after|trailing|following)\s+(?:only\s+)?")
_OTHERS_BEFORE = re.compile(r"(?:behind|after|trailing|following)\s+(?:only\s+)?$")
_OUT_OF_AFTER = re.compile(r"^\s*(?:place|position|spot)?\s*(?:out\s+of|of|among)\s+(?:the\s+)?(\d+)")
_OUT_OF_BEFORE = re.compile(r"\b(?:[Oo]f|[Aa]mong|[Oo]ut of)\s+(?:the\s+)?(\d+)\b[^.;]{0,40}$")
_YEAR = gated(r"\b(?:in\s+|for\s+)?((?:19|20)\d\d)\b|\blast year\b|\bthis year\b|\ba year earlier\b|"
                   r"\bthe previous year\b|\ba year ago\b|\bthe year before\b")
_LIST_SEP = re.compile(r"^\s*(?:,|,?\s*and|&|/)\s*(?:the\s+)?$")
_LIST_GAP = re.compile(r"^\s*(?:—|–|-|\))?\s*(?:are|were|is|was|sit|sits|sat|remain|remained|qualify as|qualified as|count as|"
                       r"counted as|rank as|ranked as|made|make|form|formed|belong to|fall into|fell into|"
                       r"were named|are named|were classed as|are classed as|were classified as|are classified as|"
                       r"were rated|are rated)?\s*(?:the\s+)?(?:only\s+)?(?:(?:five|four|three|six|seven|two|\d+)\s+)?"
                       r"(?:countries\s+)?(?:among\s+the\s+|in\s+the\s+|as\s+)?(?:an?\s+)?(?:the\s+)?['‘\"“]?\s*$|"
                       r"^\s*(?:—|–|-)\s*(?:in|among|into|as)\s+(?:its|the|their)\s+(?:[\w-]+\s+){0,4}?(?:of\s+)?"
                       r"(?:the\s+)?['‘\"“]?\s*$",
                       re.IGNORECASE)
_ACCORDING = re.compile(r"\b(?:[Aa]ccording to|[Dd]ata from|[Ff]igures from|[Ee]stimates by|[Ee]stimates from|"
                        r"[Pp]er|[Cc]ited by|[Cc]ompiled by|[Pp]ublished by|[Rr]eleased by|[Bb]y)\s+(?:the\s+)?$")
_SAID = gated(r"^(?:\s?\([^()]{0,30}\))?(?:(?:'s|’s)(?=\s[^\W\d][\w\s-]{0,30}?\s(?:said|says|reported|estimated|estimates|found)\b))?\s?(?:[^\W\d]|[\s,-]){0,50}?\s?(?<![\w-])(?:said|says|reported|reports|estimated|"
                   r"estimates|found|finds|shows|showed|noted|notes|told|calculated|calculates|counted|counts|"
                   r"published|released)\b")
_POSSESSIVE_DOC = gated(r"^(?:'s|’s)\s+(?:[\w-]+\s+){0,4}?(?:report|index|survey|study|data|ranking|rankings|"
                             r"analysis|estimates?|figures|statistics|matrix|list)\b", re.IGNORECASE)
_EN_TITLES = (r"chief executive officer|chief executive|chief technology officer|CEO|CTO|president|chairman|"
              r"chairwoman|chair|founder|co-founder|professor|minister|director|head|vice president|analyst|"
              r"senior analyst|researcher|spokesperson|spokesman|spokeswoman")
_STRONG = gated(r",?\s+(?:but|while|whereas|although)\s+|;")
_NEAR_AFTER = re.compile(r"(?:\s+(?:place|position|spot))?(?:\s+overall\b|,?\s+(?:in|for|on)\s+(?:the\s+)?"
                         r"(?:[\w-]+(?:\s|$)){1,3})?")
_BOUND_BEFORE = gated(r"\b(?:fewer than|less than|more than|over|at least|up to|under|as many as|as much as|"
                           r"topped|tops|top|exceeded|exceeds|exceed|surpassed|surpasses|passed|crossed|broke|"
                           r"upwards of|in excess of|below|above|exceeding|exceeds?|at most|no more than|"
                           r"not even)\s*$", re.IGNORECASE)
_DIFF_AFTER = re.compile(r"^(?:\s[\w-]+){0,2}\s(?:more|less|fewer|higher|lower|longer|shorter|bigger|smaller|larger|"
                         r"greater|cheaper)\s(?:than)\b", re.IGNORECASE)
_TARGET = gated(r"\b(?:aims?|aimed|targets?|targeted|goal|plans?|planned|wants?|seeks?|hopes?|intends?|"
                     r"pledged?|vows?|vowed|promised?)\s(?:is\s)?to\b|\btarget of\b|\bgoal of\b", re.IGNORECASE)
_TOP_SPOT = gated(r"\b(?:kept|keeps|keep|took|takes|take|held|holds|hold|retained|retains|claimed|claims|"
                       r"reclaimed|regained|secured|secures|won|wins|remained in|remains in|stayed in|stays in|"
                       r"achieve|achieved|achieves|grab|grabbed|grabs|seized|seize|seizes)\s+"
                       r"(?:the\s+|its\s+)?((?:top|first|number[\s-]one|No\.\s?1)\s+(?:spot|place|position))\b|"
                       r"\b((?:topped|tops|top|led|leads|lead|headed|heads)\s+the\s+(?:table|ranking|rankings|list|"
                       r"index|league table|chart))\b|"
                       r"\b(?:reached|reaches|climbed\s+to|rose\s+to|returned\s+to|moved\s+to|stayed\s+at|stays\s+at|"
                       r"remained\s+at|remains\s+at|is\s+at|was\s+at|sits\s+at|sat\s+at)\s+(the\s+top)\s+of\s+the\s+"
                       r"(?:[\w-]+\s+){0,5}?(?:ranking|rankings|list|table|index|league\s+table)\b")
_RAISE_TO = gated(r"\b(?:raise|lift|increase|boost|expand|grow|double|triple|cut|reduce|bring)\w*\b[^.;]{0,50}"
                       r"\bto\s+(?:about\s+|around\s+|roughly\s+)?(?:US)?[$€£¥₩]?\s?$", re.IGNORECASE)
_FUTURE = gated(r"\b(?:plans?|planned|aims?|aimed|targets?|wants?|will|would|seeks?|intends?|hopes?|goal)\b|"
                     r"\bby\s20\d\d\b", re.IGNORECASE)
_FORECASTER = gated(r"\b(?:forecasts?|forecasted|projects|projected|predicts?|predicted|foresees|foresaw|"
                         r"expects|expected\s+to|is\s+expected|are\s+expected|anticipates|estimates\s+that)\b",
                         re.IGNORECASE)
_SELF_SAID = gated(r",\s(?:the\s)?(?:company|firm|group|ministry|agency|institute|bank|chipmaker|"
                        r"government|organisation|organization)\s(?:said|says|reported|reports|estimated|added|noted)\b")
_CHANGE_BEFORE = gated(r"\b(?:up|down|grew|grow|grows|growing|rose|rise|rises|rising|fell|fall|falls|jumped|jumps|"
                            r"climbed|climbs|increased|increases|decreased|decreases|declined|declines|dropped|drops|"
                            r"gained|gains|surged|surges|slipped|slid|shrank|shrinks|expanded|expands|growth of|"
                            r"increase of|rise of|decline of|drop of)\s+(?:by\s+)?(?:about\s+|around\s+|nearly\s+|"
                            r"roughly\s+|some\s+|almost\s+|an estimated\s+|a\s+|just\s+)?$", re.IGNORECASE)
_CHANGE_AFTER = re.compile(r"\s+(?:increase|rise|growth|jump|gain|drop|decline|decrease|fall|surge|year-on-year|"
                           r"year on year|on the year|from a year)\b", re.IGNORECASE)
_SELF_REPORT = re.compile(r"\s+(?:said|says|reported|reports|announced|announces|disclosed)\s+(?:that\s+)?(?:its|it)\b")
_COMPARED = gated(r"\b(?:above|below|ahead of|behind|than|trailing|beating|overtaking|overtook|overtaken|"
                       r"surpassing|surpassed|outranked|outranks|outranking|outpaced|outpaces|outperformed|"
                       r"outperforms|versus|vs\.?)\s+(?:the\s+)?$")
# "a gap of over 10%", "a margin of about 3 points", "narrowing the lead to 2%": a difference between two values
_GAP_BEFORE = gated(r"\b(?:gap|difference|margin|lead|spread|disparity|differential)\s+(?:of|to|at|by)\s+"
                         r"(?:(?:over|more than|less than|under|about|around|roughly|nearly|almost|some|just|"
                         r"at least|only|a mere)\s+)*(?:US)?[$€£¥₩]?\s?$", re.IGNORECASE)
_BARE_WORD_NUMBER = gated(r"\b(" + "|".join(NUMBER_WORDS) + r")\b(?=\s*(?:[,.;]|$|\s+(?:while|and|but|whereas)\b))",
                               re.IGNORECASE)
_ELLIPTICAL_BEFORE = re.compile(r"(?:^|[,;]\s+|\b(?:while|whereas|and|but)\s+)(?:the\s+)?[A-Z][\w.'’-]*"
                                r"(?:\s+[A-Z][\w.'’-]*){0,2}\s+(?:only\s+)?(?:had|has|have|registered|recorded|"
                                r"counted)\s+(?:only\s+|just\s+|about\s+|some\s+)?$")
_CLAUSE_END = re.compile(r"\s*(?:[,.;]|$|\s+(?:while|and|but|whereas)\b)")
# "in the areas of infrastructure and research, ranking fourth and seventh, respectively"
_PILLAR_LIST = r"[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}"
_PILLARS_RESPECTIVELY = gated(
    rf"\b(?:in|for|on)\s+(?:the\s+)?(?:(?:categories|areas|pillars|fields|sub-?indices|sub-?indexes|measures|"
    rf"criteria)\s+of\s+)?(?P<names>{_PILLAR_LIST}(?:,\s*{_PILLAR_LIST})*,?\s+and\s+{_PILLAR_LIST}),?\s+"
    rf"(?:ranking|ranked|placing|placed|coming|finishing)\s+(?P<ranks>[\w\s,]{{3,60}}?),?\s+respectively\b")
_MOST_IN_TERMS = gated(r"\b(?:is|was|are|were|remains|remained|became|becomes)\s+(?:now\s+|still\s+)?the\s+"
                            r"(?:most|best|highest|strongest|top)\s+(?:[\w-]+\s+){0,2}?in\s+terms\s+of\s+(?:its\s+|their\s+)?")
_TERM = re.compile(r"([a-z][\w-]*(?:\s+(?!and\b)[a-z][\w-]*){0,2})(?:,\s*(?:and\s+)?|\s+and\s+|(?=[.;]|$))")


def _most_in_terms(text: str) -> list[tuple[int, int]]:
    """The spans of the pillars listed after "the most … in terms of"."""
    out = []
    for m in _MOST_IN_TERMS.finditer(text):
        pos = m.end()
        while True:
            t = _TERM.match(text, pos)
            if t is None:
                break
            out.append((t.start(1), t.end(1)))
            pos = t.end()
            if t.end() == t.end(1):
                break
    return out


_SCALED = re.compile(r"\d\s?(?:thousand|million|billion|trillion|bn|mn|tn|m|k)\b", re.IGNORECASE)
_MARKET_AFTER = re.compile(r"\s*(?:place|spot|position)?\s+in\s+the\s+((?:(?:global|world|worldwide|domestic|"
                           r"Korean|Chinese|U\.S\.|US|European|Japanese)\s+)?(?:[\w-]+\s+){0,2}?market)\b")
_GOAL = gated(r"\b(?:target|goal|ambition|aim) of\s+(?:about\s+|around\s+|some\s+)?(?:US)?[$€£¥]?\s?$|"
                   r"\b(?:aims?|aiming|aimed|plans?|planning|wants?|seeks?|hopes?|goal is|target is|intends?)\s+"
                   r"(?:to achieve|to reach|to hit)\s+(?:about\s+|around\s+)?"
                   r"(?:sales|revenue|revenues|exports|output)?\s*(?:of\s+)?(?:US)?[$€£¥]?\s?$", re.IGNORECASE)
_BY_YEAR = re.compile(r"\b(?:by|until|through)\s((?:19|20)\d\d)\b")    # "by 2030": a year ahead
_GOAL_AFTER = gated(r"[^.;]{0,30}?\b(?:target|goal)\b(?!\s+(?:was|were)\s+(?:met|hit|reached))", re.IGNORECASE)
_NOT_RANK = gated(r"\b(?:no longer|not|never|lost|loses|lose|ceded|cedes|gave up|surrendered|relinquished)\s+"
                       r"(?:\w+\s+){0,2}$")
_CLAUSE = re.compile(r"[;:]|,\s(?:but|while|and|whereas)\s")
_BARE_UNIT = re.compile(r"^\s+(?:of\s+(?:the|its|their|these|those|[A-Z][\w.-]*(?:'s|’s))\s+)?(?:[\w-]+\s+){0,2}(?:GPUs|H100s|chips|processors|accelerators|companies|firms|startups|people|"
                        r"workers|specialists|engineers|researchers|professionals|graduates|students|employees|"
                        r"staff|models|superchips|servers|PhDs|doctorates)\b")


# a verb right after "and": the clause goes on with the same subject ("… and fell to ninth place")
_VERB_AFTER_AND = re.compile(r"(?:then\s+|also\s+|later\s+)?(?:[a-z]+ed|fell|rose|came|took|won|lost|held|kept|got|"
                             r"made|grew|slid|sank|stood|sat|ran|became|remains|remained|is|was|has|had)\b")
# "bought by Meta", "made by NVIDIA", "followed by Samsung with 34%": the agent of a passive verb is a holder, a
# maker or the next holder in order, not a source
_PASSIVE_BY = gated(r"\b(?:followed|trailed|bought|purchased|acquired|ordered|held|owned|operated|deployed|used|"
                         r"run|made|built|"
                         r"developed|produced|manufactured|designed|supplied|sold|shipped|installed)\s+by\s+(?:the\s+)?$")
_SUPERLATIVE = gated(r"\b(?:had|has|have|is|was|are|were|posted|recorded|boasts|boasted)\s+the\s+"
                          r"((?:most|highest|largest|biggest|greatest)(?:\s+[a-z][\w-]*)?)")
_NOT_FIRST = gated(r"\b(?:after|behind|except|apart from|other than|outside|second|third|among the)\b")
_FROM_BOTTOM = re.compile(r"[\s-]+(?:worst|lowest|from\s+(?:the\s+)?(?:bottom|last)|last\s+place)\b", re.IGNORECASE)
# several years right after a rank: "in 2019 and 2020", "from 2011 to 2013", "between 2016 and 2017"
_YEARS_AFTER = re.compile(r"\s*(?:place\s+|position\s+)?(?:in\s+(?P<a1>)|(?:from|between)\s+)?(?P<a>(?:19|20)\d\d)\s*"
                          r"(?:(?P<pair>and|,|&)|to|through|until|-|–)\s*(?P<b>(?:19|20)\d\d)\b")
_DESCRIBED_SEP = re.compile(r"^\s*(?:,|,?\s*and|&)\s*(?:the\s+)?(?:[a-z][\w-]*\s+){1,3}$")
_POSSESSIVE_FIGURE = re.compile(r"(?:'s|’s|'|’)\s+(?:about\s+|around\s+|some\s+|roughly\s+)?(?:US)?[$€£¥₩]?\s?")
_NAME_WITH = re.compile(r"\s+(?:with|at|on)\s+(?:about\s+|around\s+|some\s+|roughly\s+)?(?:US)?[$€£¥]?\s?")
# "are tied for", "jointly rank", "both hold", "together account for": one figure or rank for all the names
_JOINT_AFTER = re.compile(r"\s+(?:are\s+|were\s+|is\s+)?(?:now\s+)?(?:tied|jointly|both|together|all|equally|"
                          r"share|shared|sharing)\b")
_EACH_AFTER = re.compile(r"(?:\s+[\w-]+){0,2}?\s+(?:each|apiece|a\s+piece)\b")
# "… respectively": names paired with figures or ranks in order
_RESPECTIVELY = gated(r"\brespectively\b")
# a figure compared with another (subject_after): "against 15", "compared with 172", "… and 161"
_COMPARED_END = gated(r"\b(?:against|compared\s+(?:with|to)|versus|vs\.?)\s+(?:about\s+|roughly\s+|some\s+)?$")
_LIST_GOES_ON = re.compile(r"(?:,|\band)\s+(?:about\s+|roughly\s+|some\s+)?$")
_COMPARED_WORD = gated(r"\b(?:against|compared\s+(?:with|to)|versus|vs\.?)\s")
# the holder after its figure: "20% for Micron", "15 from China", "the 580,000 in the United States"
_HOLDER_FOR = re.compile(r"(?:\s+(?:[\w-]+\s+){0,2}?(?:share|stake))?\s+(?:for|from)\s+(?:the\s+)?")
_HOLDER_FOR_IN = re.compile(r"(?:\s+(?:[\w-]+\s+){0,2}?(?:share|stake))?\s+(?:for|from|in)\s+(?:the\s+)?")
# "first place went to Ireland", "… were bought by Meta"
_WENT_TO = re.compile(r"\s+(?:place|spot|position)?\s*(?:went|goes|belongs|belonged) to\s+(?:the\s+)?|"
                      r"\s+(?:[\w-]+\s+){0,3}?(?:were|was|are|is)?\s*(?:bought|purchased|acquired|ordered|held|owned|"
                      r"operated|deployed|used|run)\s+by\s+(?:the\s+)?")
_FULL_STOPS = frozenset(".!?")
_A_DIGIT = re.compile(r"\d")
# compiled once: the rules below ask them of every figure or rank
_FIGURE_OPENS = re.compile(r"\s*(?:[A-Z][a-z]+\s+){0,2}(?:\$|€|£|¥)?")
_SENTENCE_OPENER = re.compile(r"\s*(?:[A-Z][a-z]+\s)?(?:the\s|The\s)?")
_PERIOD_AFTER = re.compile(r"^\s*(?:place\s+|position\s+)?(in\s+(?:19|20)\d\d\b|last year|this year|a year earlier|"
                           r"a year ago|the previous year|the year before)")
_FOLLOWER_CLAUSE = re.compile(r"[;.]\s|\s(?:while|but|whereas)\s")
_FOLLOWED_BY = re.compile(r",?\s+followed by\s+(?:the\s+)?")
_RANK_VERB_BEFORE = re.compile(r"(rank(?:ed|s|ing)?|plac(?:ed|es|ing)|came|comes|finished|sits|sat|stood|stands|"
                               r"was|is|to|from|at|climbed to|rose to|fell to)\s+(?:(?:now|still|again|also|currently|"
                               r"once again)\s+)?(?:the\s+)?$")
_NAME_BEFORE_RANK = re.compile(r"(?:^|,\s|\bwith\s|\band\s)[A-Z][\w.]*(?:\s[A-Z][\w.]*)?\s$")
_PUT_NAME_BEFORE = re.compile(r"\b(?:put|puts|placed|places|rated|rates|ranked|ranks|named|names)\s+"
                              r"(?:the\s+)?[A-Z][\w.]*(?:\s[A-Z][\w.]*){0,2}\s$")
_LIST_GAP_EN = re.compile(r",?\s+(?:and\s+)?")
_PLACE_AFTER = re.compile(r"^\s*(?:place|position|spot)")
_NOT_RANK_AFTER = re.compile(r"^\s*(?:century|anniversary|edition|time|quarter|generation)")
_HYPHEN_SUPERLATIVE = re.compile(r"^-(?:largest|biggest|highest|most)")
_ORDINAL_END = re.compile(r"\d(?:st|nd|rd|th)$")
_THE_BEFORE = re.compile(r"\bthe\s+$")
# the clause of a figure held jointly (joint_holders): from the last ";", ":" or full stop to the next
_JOINT_CLAUSE_START = re.compile(r"[;:]\s|\.\s")
_JOINT_CLAUSE_END = re.compile(r"[;.]\s|[;.]$|,\s(?:while|but|whereas)\s")
_ACCORDING_TO = gated(r"\b[Aa]ccording to\b")
_RATES_HIGHEST = gated(r"\b(?:rates?|rated|ranks?|ranked|puts?|placed|places)\s+(?:the\s+)?[A-Z][\w.]*"
                            r"(?:\s[A-Z][\w.]*){0,2}\s+(highest|top)\b(?!-)")



def _listed_from(text: str, mentions: list[Mention]) -> list[Mention]:
    """The first mention and those that follow it as one list ("A, B and C"), up to the first that does not."""
    chain = [mentions[0]]
    for x in mentions[1:]:
        if not _LIST_SEP.match(text[chain[-1].end:x.start]):
            break
        chain.append(x)
    return chain

class EnglishRules(QuotedSpeakers, TableReader):
    lang = "en"

    def __init__(self) -> None:
        self._rows = {}                 # the table rows of the article being read (TableReader.scan_tables)

    def sentences(self, text: str, body_end: int) -> list[Sentence]:
        body = text[:body_end]
        out: list[Sentence] = []
        para = 0
        rows = self.scan_tables(body)
        for lm in re.finditer(r"[^\n]+", body):
            line = lm.group(0)
            if not line.strip():
                continue
            if lm.start() in rows and para > 0 and out:
                para -= 1               # a table row stays in its header's paragraph
            # not ending in [.!?] with closing quotes or brackets after it (the regex [.!?]["”’')]*\s*$, read backwards)
            headline = line.rstrip().rstrip("\"”’')")[-1:] not in _FULL_STOPS and len(line) < 120 and lm.start() not in rows
            start = 0
            pieces = []
            for bm in ([] if lm.start() in rows else _BREAK.finditer(line)):
                if _ABBREV.search(line[max(0, bm.start() - 6):bm.start() + 1]):
                    continue
                pieces.append((start, bm.start() + 1 + len(bm.group(0)) - len(bm.group(0).lstrip(".!?"))))
                start = bm.end()
            pieces.append((start, len(line)))
            for a, b in pieces:
                seg = line[a:b]
                lead = len(seg) - len(seg.lstrip())
                a2, b2 = lm.start() + a + lead, lm.start() + a + len(seg.rstrip())
                if b2 > a2:
                    out.append(Sentence(a2, b2, body[a2:b2], para, headline, []))
            para += 1
        return out

    def quantities(self, text: str) -> list[Quantity]:
        return self.table_quantities(text, list(_quantities(text)))

    def ranks(self, text: str) -> list[RankMention]:
        out = [RankMention(1, m.start(g), m.end(g), m.group(g))
               for m in _TOP_SPOT.finditer(text) for g in [m.lastindex or 0]]
        # "rates Singapore highest among 174 economies": the top place
        out += [RankMention(1, m.start(1), m.end(1), m.group(1)) for m in _RATES_HIGHEST.finditer(text)]
        # "Luxembourg had the most productive workers … with 72.20 dollars an hour": a superlative stated with the
        # figure it is about is the first place (not "the largest … after the U.S.")
        for m in _SUPERLATIVE.finditer(text):
            clause = text[m.start():min([len(text)] + [c.start() + m.start() for c in _CLAUSE.finditer(text[m.start():])])]
            if _A_DIGIT.search(clause) and not _NOT_FIRST.search(clause) \
                    and not any(t.start <= m.start(1) < t.end for t in out):
                out.append(RankMention(1, m.start(1), m.end(1), m.group(1)))
        # "Germany is the most advanced economy in terms of research, talent and data infrastructure": the
        # first place in each pillar named (the pillar's words are the rank's span; ``pillar_of`` names it)
        out += [RankMention(1, a, b, text[a:b]) for a, b in _most_in_terms(text)]
        for r in find_en_ranks(text):
            if any(t.start <= r.start < t.end for t in out):
                continue
            after = text[r.end:r.end + 30].lower()
            before = text[max(0, r.start - 30):r.start].lower()
            if r.as_written.isalpha():     # "first", "fifth": only as ranks ("ranked fifth", "fifth place")
                if _HYPHEN_SUPERLATIVE.match(text[r.end:r.end + 10]):
                    out.append(r)
                    continue
                if not (_RANK_VERB_BEFORE.search(before)
                        or _NAME_BEFORE_RANK.search(text[max(0, r.start - 40):r.start])
                        or _PUT_NAME_BEFORE.search(text[max(0, r.start - 50):r.start])
                        or (out and _LIST_GAP_EN.fullmatch(text[out[-1].end:r.start]))
                        or _PLACE_AFTER.match(after)):
                    continue
            elif _NOT_RANK_AFTER.match(after):
                continue
            if _FROM_BOTTOM.match(text, r.end):
                continue          # "the fourth worst", "4th lowest": counted from the bottom, no place in the list
            out.append(r)
        out.sort(key=lambda r: r.start)
        # "no longer ranks first", "lost the top spot": a place not held
        return self.table_ranks(text, [r for r in out if not _NOT_RANK.search(text, max(0, r.start - 30), r.start)])

    def is_size_counter(self, q: Quantity) -> bool:
        return q.unit == "country"

    def rank_window(self, text: str, rank: RankMention, prev_end: int, next_start: int) -> tuple[int, int]:
        before = [m.end() for m in _STRONG.finditer(text, 0, rank.start)]
        after = [m.start() for m in _STRONG.finditer(text, rank.end)]
        start = max([prev_end] + before)
        end = min([next_start] + after)
        return start, max(end, rank.end)

    def near_end(self, text: str, rank: RankMention, window_end: int) -> int:
        """Where the words naming a sub-index may end: "third for talent", "12th overall", "fifth in infrastructure"."""
        m = _NEAR_AFTER.match(text, rank.end)
        return max(rank.end, min(window_end, m.end())) if m else rank.end

    def same_group(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in re.finditer(r"\bthe same\s+(?:group|tier|category|band|bracket|cluster)\b", text)]

    def same_group_members(self, text: str, span: tuple[int, int], mentions: list[Mention]) -> list[Mention]:
        return _chain(text, span[0], mentions, _LIST_SEP,
                      re.compile(r"^\s*(?:are|were|is|was|sit|sat|fall|fell|belong|belonged)?\s*(?:also\s+)?"
                                 r"(?:in|to|into)?\s*$"))

    def is_change(self, text: str, q: Quantity) -> bool:
        """"grew 12%", "up 35%", "a 20% increase": the figure is a change, not a level ("rose to 28%")."""
        return bool(_CHANGE_BEFORE.search(text, max(0, q.start - 40), q.start) or _CHANGE_AFTER.match(text, q.end))

    def self_source(self, text: str, mentions: list[Mention]) -> Mention | None:
        """"Naver runs 12,000 GPUs, the company said": the company is both the subject and the source."""
        for m in mentions:
            if m.type in ("company", "organization") and _SELF_REPORT.match(text[m.end:m.end + 40]):
                return m
        if not _SELF_SAID.search(text):
            return None
        first = [m for m in mentions if m.type in ("company", "organization") and self.is_topic(text, m)]
        return first[0] if first else None

    def compared_with(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """Names that are not the subject of the clause's figures: the yardstick ("three places above Korea",
        "more than China", "ahead of Germany"), and the maker of a product ("NVIDIA's H100 GPUs", "Nvidia H100s":
        NVIDIA makes them, the buyer holds them)."""
        return [m for m in mentions if (_COMPARED.search(text, max(0, m.start - 14), m.start)
                                        and not re.match(r"\s+(?:of|at)\s+(?:about\s+)?(?:US)?[$€£¥]?\d|\s?\(|,\s(?:which|who)\b|"
                                                                  r"(?:'s|’s|'|’)\s+(?:about\s+)?(?:US)?[$€£¥₩]?\d",
                                                         text[m.end:m.end + 20]))
                or (m.type == "company" and MAKER_OF.match(text, m.end))]

    def respectively(self, text: str, mentions: list[Mention], items: list[tuple[int, int]]) -> dict[int, Mention]:
        """"The US and China ranked first and second, respectively": names and figures paired in order."""
        # "followed by China with 61.5 points", "Japan at 12.3": a name right before its figure
        paired = {}
        for it in items:
            for x in mentions:
                if x.end < it[0] and (_NAME_WITH.fullmatch(text, x.end, it[0])
                                      or _POSSESSIVE_FIGURE.fullmatch(text, x.end, it[0])):
                    paired[it[0]] = x       # "Germany's $9.1 billion", "the U.S.' $7": the owner's figure
        m = _RESPECTIVELY.search(text)
        if not m:
            return paired
        before = [it for it in items if it[1] <= m.start()]
        if len(before) < 2:
            return paired
        gap = re.compile(r"^\s*(?:[A-Za-z][\w.-]*\s+){1,4}(?:at\s+|with\s+|of\s+)?(?:about\s+)?(?:US)?[$€£¥]?$")
        # the items right before "respectively" ("Singapore first with 0.80, followed by Denmark and the US at
        # 0.78 and 0.77 respectively": the last two, not all three)
        for k in range(len(before) - 1):
            tail = before[k:]
            chain = _chain(text, tail[0][0], mentions, _LIST_SEP, gap)
            if len(chain) == len(tail):
                return paired | {it[0]: who for it, who in zip(tail, chain, strict=True)}
        return paired

    def elliptical_numbers(self, text: str, quantities: list[Quantity]) -> list[Quantity]:
        """``quantities`` and the number words standing alone in a holder's place ("while Spain had five")."""
        extra = []
        for m in _BARE_WORD_NUMBER.finditer(text):
            if _ELLIPTICAL_BEFORE.search(text, 0, m.start()) and not any(q.start <= m.start() < q.end for q in quantities):
                extra.append(Quantity(Decimal(NUMBER_WORDS[m.group(1).lower()]), None, None, None, False,
                                      m.start(1), m.end(1), m.group(1)))
        return sorted(quantities + extra, key=lambda q: q.start)

    def elliptical_count(self, text: str, q: Quantity) -> bool:
        """"Italy had 14 while Spain had five": a bare number right after a holder and its verb, closing its
        clause, counts what the sentence before counted."""
        return q.unit is None and q.kind is None and bool(_ELLIPTICAL_BEFORE.search(text, 0, q.start)) \
            and bool(_CLAUSE_END.match(text, q.end))

    def pillar_of(self, text: str, rank: RankMention) -> str | None:
        """"did well in the areas of infrastructure and research, ranking fourth and seventh, respectively": the
        pillar each rank of a respectively-list belongs to (the lists are paired in order); "the most advanced
        economy in terms of research": the pillar a superlative is stated for."""
        if (rank.start, rank.end) in _most_in_terms(text):
            return text[rank.start:rank.end]
        for m in _PILLARS_RESPECTIVELY.finditer(text):
            names = [n.strip() for n in re.split(r",\s*(?:and\s+)?|\s+and\s+", m.group("names")) if n.strip()]
            places = list(ORDINAL_RE.finditer(m.group("ranks"))) + list(WORD_ORDINAL_RE.finditer(m.group("ranks")))
            places.sort(key=lambda x: x.start())
            if len(names) != len(places) or len(names) < 2:
                continue
            for name, place in zip(names, places, strict=False):
                if m.start("ranks") + place.start() == rank.start:
                    return name
        return None

    def ranking_scope(self, text: str, end: int) -> str | None:
        """"the number one spot in the global robotaxi market", "third place in the foundry market": the market the
        place is held in names the ranking."""
        m = _MARKET_AFTER.match(text, end)
        return m.group(1) if m else None

    def joint_holders(self, text: str, span: tuple[int, int], mentions: list[Mention]) -> list[Mention]:
        """Names that hold one figure or rank together: "Meta and Microsoft are tied for first place with
        150,000 units", "Google, Amazon and Oracle jointly rank third", "A and B bought 20,000 units each". The
        list opens the clause of the figure; no other name stands between it and the figure."""
        if sum(x.end <= span[0] for x in mentions) < 2:
            return []                 # a list needs two names before the figure (most figures have fewer)
        clause_start = max([0] + [m.end() for m in _JOINT_CLAUSE_START.finditer(text[:span[0]])])
        clause_end = min([m.start() for m in _JOINT_CLAUSE_END.finditer(text[span[1]:])]
                         + [len(text) - span[1]]) + span[1]
        if _RESPECTIVELY.search(text[clause_start:clause_end]):
            return []
        before = [x for x in mentions if clause_start <= x.start and x.end <= span[0]]
        for k in range(len(before)):
            chain = [before[k]]
            for x in before[k + 1:]:
                if _LIST_SEP.match(text[chain[-1].end:x.start]) or _DESCRIBED_SEP.match(text[chain[-1].end:x.start]):
                    chain.append(x)       # "Meta and electric carmaker Tesla … each"
                else:
                    break
            if len(chain) < 2 or chain[-1] is not before[-1]:
                continue
            verb = _JOINT_AFTER.match(text, chain[-1].end)
            each = _EACH_AFTER.match(text, span[1])
            if (verb and verb.end() <= span[0]) or (each and not re.search(r"[,;]", text[chain[-1].end:span[0]])):
                return chain
        return []

    def negated_group(self, text: str, start: int, end: int) -> bool:
        clause = text[max([0] + [m.end() for m in _CLAUSE.finditer(text, 0, start)]):start]
        return bool(re.search(r"\b(?:not|never|no longer|isn't|aren't|wasn't|weren't|failed to|fell out of|dropped out of|"
                              r"missed out on)\b", clause)) or bool(re.search(r"\bdefin\w*\b", clause))

    def home_subject(self, text: str) -> str | None:
        return None

    def scope_mentions(self, text: str, mentions: list[Mention], ranks: list[RankMention]) -> list[Mention]:
        """"the world's 11th", "Asia's third-largest": the place a rank is counted in is not its holder."""
        return [m for m in mentions if m.type == "country-group"
                and any(r.start > m.end and re.fullmatch(r"(?:'s|’s)\s+", text[m.end:r.start]) for r in ranks)]

    def followers_after_rank(self, text: str, rank: RankMention, mentions: list[Mention]) -> list[Mention]:
        """"Ireland ranked first …, followed by Norway and Luxembourg": the places after the rank, in order."""
        clause_end = min([m.start() for m in _FOLLOWER_CLAUSE.finditer(text[rank.end:])] + [len(text)])
        m = _FOLLOWED_BY.search(text[rank.end:rank.end + clause_end])
        if not m:
            return []
        begin = rank.end + m.end()
        after = [x for x in mentions if x.start >= begin]
        if not after or after[0].start != begin:
            return []
        return _listed_from(text, after)

    def subject_after(self, text: str, start: int, end: int, mentions: list[Mention]) -> Mention | None:
        """The holder named after a figure that opens its sentence ("About 42% of the researchers worked at US
        institutions"), or after a rank ("first place went to Ireland")."""
        row = self.table_holder(text, start, mentions)       # "1. United States 100": the row's name
        if row is not None:
            return row
        figure = text[start:end]
        is_amount = bool(_A_DIGIT.search(figure)) and not _ORDINAL_END.search(figure)
        # "the 580,000 in the United States"; "against 2.1 million in the European Union": a compared figure;
        # "compared to 172 in the U.S. and 161 in China": the list goes on after "and"
        wide = is_amount and bool(_THE_BEFORE.search(text[max(0, start - 5):start])
                                  or _COMPARED_END.search_in(text, start - 30, start)
                                  or (_LIST_GOES_ON.search(text[max(0, start - 12):start])
                                      and _COMPARED_WORD.search(text[:start])))
        of = (_HOLDER_FOR_IN if wide else _HOLDER_FOR).match(text[end:end + 40])
        if of:
            # "compared with 20% for Micron", "against 15 from China"
            nxt = [x for x in mentions if x.start == end + of.end()]
            if nxt:
                return nxt[0]
        went = _WENT_TO.match(text[end:end + 60])
        if went:
            nxt = [x for x in mentions if x.start == end + went.end()]
            return nxt[0] if nxt else None
        if not _A_DIGIT.search(text[start:end]) or not _FIGURE_OPENS.fullmatch(text[:start]):
            return None
        clause_end = min([m.start() for m in _CLAUSE.finditer(text, end)] + [len(text)])
        later = [x for x in mentions if end <= x.start < clause_end]
        return later[0] if later else None

    def not_a_fact(self, text: str, q: Quantity, year: int) -> str | None:
        """Figures that are not a value of anything: bounds ("fewer than 200,000", "more than $2 an hour"),
        differences ("150 hours more than the average"), targets ("aims to raise growth to 2% by 2030"; an
        amount of money pledged or planned is a commitment and stays a fact)."""
        before = text[max(0, q.start - 24):q.start]
        after = text[q.end:q.end + 40]
        if q.kind == "currency" and not _SCALED.search(q.as_written) and q.value < 1000:
            # "$5.5 billion, … the U.S.' $7, Germany's $9.1 billion": a list's amount without its scale word
            scaled = [o for o in _quantities(text) if o.unit == q.unit and _SCALED.search(o.as_written)
                      and abs(o.start - q.start) < 120]
            if len(scaled) >= 2:
                return "an amount written without the scale word the others of its list have; check it"
        if _GAP_BEFORE.search(text, max(0, q.start - 50), q.start):
            return "a difference between two values (a gap or margin), not a value"
        if _BOUND_BEFORE.search_in(text, q.start - 24, q.start) and not re.search(r"\bjust\s+(?:over|under)\s*$", before, re.IGNORECASE):
            return "a bound (more or less than the figure), not a value"
        if _DIFF_AFTER.match(after):
            return "a difference between two values, not a value"
        if _GOAL.search_in(text, q.start - 60, q.start) or _GOAL_AFTER.match(text, q.end):
            return "a target or plan, not a value"          # "a target of $10 billion in sales" (money too)
        if _says(_FORECASTER, text) and not _says(_TARGET, text) \
                and not _GOAL.search_in(text, q.start - 60, q.start):
            return None       # "Omdia forecasts the market will expand to $900 billion by 2030": a forecast
        if _RAISE_TO.search_in(text, q.start - 80, q.start) and _says(_FUTURE, text):
            return "a target or plan, not a value"
        if q.kind != "currency":
            clause_start = max([0] + [m.end() for m in _CLAUSE.finditer(text, 0, q.start)])
            if _TARGET.search_in(text, clause_start, q.end + 60):      # the clause to 60 characters after
                return "a target or plan, not a value"
            by = _BY_YEAR.search(text[q.end:q.end + 50])
            if by and int(by.group(1)) > year:
                return "a target or plan, not a value"
        return None

    def bare_ok(self, text: str, q: Quantity) -> bool:
        return bool(_BARE_UNIT.match(text[q.end:q.end + 40]))

    def source_marks(self, text: str, mentions: list[Mention]) -> list[tuple[int, Mention, str]]:
        marks = []
        for m in mentions:
            if m.type not in SOURCE_TYPES:
                continue
            head = text[max(0, m.start - 30):m.start]
            tail = text[m.end:m.end + 60]
            if _SELF_REPORT.match(tail):
                continue                      # "xAI said its cluster had reached …": subject and source (self_source)
            # the gated patterns are asked about the slices through the sentence's words (found once per sentence)
            if (_ACCORDING.search(head) and not _PASSIVE_BY.search_in(text, m.start - 30, m.start)) \
                    or _POSSESSIVE_DOC.match_in(text, m.end, m.end + 60) or _SAID.match_in(text, m.end, m.end + 60):
                marks.append((m.start, m, "sentence"))
        return marks

    def attribution_spans(self, text: str) -> list[tuple[int, int]]:
        """"according to an analysis of OECD data by the Korea Productivity Center": names there are sources."""
        spans = []
        for m in _ACCORDING_TO.finditer(text):
            end = re.search(r"[,;.](?:\s|$)", text[m.end():])
            spans.append((m.start(), m.end() + (end.start() if end else len(text) - m.end())))
        return spans

    def unknown_speaker(self, text: str, mentions: list[Mention]) -> dict[str, Any] | None:
        """"Jane Kim, chief executive of Naver, said" / "Naver CEO Jane Kim said": a quoted person not in the
        registries, with title and employer."""
        for m in mentions:
            if m.type not in ("company", "organization", "publisher"):
                continue
            before = re.search(rf"([A-Z][a-z]+(?:[ -][A-Z][a-z]+){{1,2}}),\s({_EN_TITLES})\s(?:of|at)\s(?:the\s)?$",
                               text[max(0, m.start - 80):m.start])
            if before:
                return {"name": before.group(1), "role": before.group(2), "employer": m.key}
            after = re.match(rf"^\s({_EN_TITLES})\s([A-Z][a-z]+(?:[ -][A-Z][a-z]+){{1,2}})\b", text[m.end:m.end + 80])
            if after:
                return {"name": after.group(2), "role": after.group(1), "employer": m.key}
        return None

    def is_topic(self, text: str, mention: Mention) -> bool:
        if _TOPIC_AFTER.match(text[mention.end:mention.end + 40]):
            return True
        # the first words of a sentence or clause: "Korea, ...", "South Korea ranked ..."
        return bool(_SENTENCE_OPENER.fullmatch(text[max(0, mention.start - 12):mention.start])
                    and (mention.start < 12 or text[max(0, mention.start - 14):mention.start].rstrip().endswith((",", ";"))))

    def segment_start(self, text: str, pos: int) -> int:
        start = 0
        for m in _SEGMENTS.before(text, pos):
            if text.count("(", 0, m.start()) > text.count(")", 0, m.start()):
                continue
            if m.group(0).strip() == "and" and _VERB_AFTER_AND.match(text, m.end()):
                continue        # "the Netherlands also experienced a decline and fell to ninth": one subject
            start = m.end()
        return start

    def others_before_rank(self, text: str, rank: RankMention, mentions: list[Mention]) -> list[Mention]:
        m = _OTHERS_AFTER.match(text[rank.end:])
        if m:
            begin = rank.end + m.end()
            after = [x for x in mentions if x.start >= begin]
            if not after or not re.fullmatch(r"\s*(?:the\s+)?", text[begin:after[0].start]):
                return []
            return _listed_from(text, after)
        return []

    def out_of(self, text: str, rank: RankMention) -> int | None:
        m = _OUT_OF_AFTER.match(text[rank.end:rank.end + 40])
        if not m:
            m = _OUT_OF_BEFORE.search(text[max(0, rank.start - 60):rank.start])
        if m:
            n = int(m.group(1))
            return n if n >= rank.rank else None
        return None

    def extra_periods(self, text: str, span: tuple[int, int]) -> list[tuple[str, str]]:
        """The other years of a rank written for several: "eighth in 2019 and 2020", "22nd from 2011 to 2013"
        (the last year is the rank's own period, ``period_before``)."""
        m = _YEARS_AFTER.match(text, span[1])
        if not m:
            return []
        first, last = int(m.group("a")), int(m.group("b"))
        years = [first] if m.group("pair") else list(range(first, last)) if 0 < last - first <= 10 else []
        return [(str(y), f"one of the years of “{m.group(0).strip()}”") for y in years if y < last]

    def period_before(self, text: str, start: int, end: int, window_start: int,
                      year: int) -> tuple[str, str | None] | None:
        several = _YEARS_AFTER.match(text, end)
        if several:
            return several.group("b"), None
        m = _PERIOD_AFTER.match(text[end:end + 30])
        if m:
            return _period(_YEAR.search(m.group(1)), year)
        found = list(_YEAR.finditer(text, window_start, start))
        if found:
            return _period(found[-1], year)
        # "Last year in the second quarter, Japan held 41% and Germany 30%, … by the fourth quarter, Japan had
        # 37%": a time adverbial opening the sentence dates every figure after it that names no year of its own
        opener = _OPENER.match(text)
        if opener and opener.end() <= start and not any(_YEAR.finditer(text, opener.end(), start)):
            if opener.group("y"):
                return opener.group("y"), None
            word = opener.group("rel").lower()
            offset = -1 if word != "this year" else 0
            return str(year + offset), f"“{opener.group('rel')}” opening the sentence, read relative to the " \
                                       f"publication year {year}"
        return None

    def equivalent_after(self, text: str, q: Quantity, quantities: list[Quantity]) -> Quantity | None:
        return _equivalent(text, q, quantities, r"^\s?[(\[]\s?(?:about|around|roughly|some|approximately|or)?\s?$")

    def list_before(self, text: str, pos: int, mentions: list[Mention]) -> list[Mention]:
        return _chain(text, pos, mentions, _LIST_SEP, _LIST_GAP)

    def unknown_subject(self, sentence: Sentence, seg_start: int, pos: int) -> str | None:
        seg = sentence.text[seg_start:pos]
        found = list(re.finditer(rf"\b([A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*){{0,3}})(?=\s(?:{_VERBS})\b|'s\b)", seg))
        m = found[-1] if found else None          # the last name before the verb
        if m is None:
            return None
        name = m.group(1)
        if name.split()[0] in {"The", "A", "An", "It", "This", "That", "These", "Its", "In", "On", "At", "By",
                               "According", "Some", "Other", "Their", "He", "She", "They", "We"}:
            return None
        return name


_OPENER = re.compile(r"\s*(?:(?:In|During|For|Throughout|As of|At the end of|By the end of)\s+(?:the\s+)?"
                     r"(?:(?:first|second|third|fourth|last)\s+(?:quarter|half)\s+of\s+)?(?P<y>(?:19|20)\d\d)|"
                     r"(?P<rel>[Ll]ast year|[Tt]his year|[Aa] year earlier|[Aa] year ago|[Tt]he previous year|"
                     r"[Tt]he year before))\b[^,;\d]{0,40},")


def _period(m: re.Match[str] | None, year: int) -> tuple[str, str | None] | None:
    if m is None:
        return None
    if m.group(1):
        return m.group(1), None
    word = m.group(0).strip()
    offset = -1 if word in ("last year", "a year earlier", "the previous year", "a year ago", "the year before") else 0
    return str(year + offset), f"“{word}” read relative to the publication year {year}"

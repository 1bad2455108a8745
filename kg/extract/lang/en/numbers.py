"""English figures: "35,000 GPUs", "$500 billion", "500 billion yuan", "44.4 dollars", "about 2,000", "33rd".

Same contract as the Korean parser: exact Decimal values, the span of the figure as written (currency sign,
number, scale word and unit), and an approximate flag for hedges (about, around, roughly, some, nearly, ...).
Model names ("H100", "A100") and years are not figures.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from ...dates import date_spans
from ...figures import Quantity, RankMention
from ...gates import gated
from ...figures import normal as _normal
from ..words import package_units

SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12, "crore": 10**7, "lakh": 10**5,
          "k": 10**3, "m": 10**6, "mn": 10**6, "bn": 10**9, "tn": 10**12}
SIGNS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₩": "KRW", "C$": "CAD", "A$": "AUD",
         "₹": "INR", "Rs": "INR"}
# the unit words (units.yaml, checked by kg/extract/lang/words.py): currency words → ISO 4217 code, counted nouns →
# unit key, and the kinds of the units that are not counts
_UNITS = package_units("en")
CURRENCY_WORDS = {word: unit for word, (unit, kind) in _UNITS.items() if kind == "currency"}
COUNT_WORDS = {word: unit for word, (unit, kind) in _UNITS.items() if kind != "currency"}
UNIT_KINDS = {unit: kind for unit, kind in _UNITS.values() if kind not in ("currency", "count")}
HEDGES = ("about", "around", "roughly", "approximately", "some", "nearly", "almost", "an estimated",
          "estimated", "approx.", "close to", "just under", "just over", "circa", "~")

_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_SCALE = r"(?:\s?(?:thousand|million|billion|trillion|crore|lakh)\b|(?:k|bn|mn|tn|m)\b)"
_SIGN = r"(?:US\$|C\$|A\$|\$|€|£|¥|₩|₹|Rs\.?\s?)"
_UNIT_WORDS = sorted(list(CURRENCY_WORDS) + list(COUNT_WORDS), key=len, reverse=True)
# "40.3 points" is a score; "3 points higher" and "percentage points" are differences (left to the engine)
_UNIT = r"(?:" + "|".join(re.escape(w) for w in _UNIT_WORDS if w != "%") + r")\b" \
        r"(?<!point)(?<!points)|points?\b(?!\s+(?:higher|lower|more|less|above|below|ahead|behind|up|down))|%"
QUANTITY_RE = re.compile(
    rf"(?<![\w.,$€£¥₩₹-])(?P<sign>{_SIGN})?\s?(?P<num>{_DIGITS})(?P<scale>{_SCALE})?"
    rf"(?:(?P<gap>\s?)(?P<unit>{_UNIT}))?",
    re.IGNORECASE,
)
NUMBER_RE = re.compile(rf"(?P<num>{_DIGITS})(?P<scale>{_SCALE})?", re.IGNORECASE)
ORDINAL_RE = re.compile(r"(?<![\w.,])(?:No\.\s?)?(\d{1,3})(?:st|nd|rd|th)\b|\bNo\.\s?(\d{1,3})\b|"
                        r"\b(?:[Nn]umber|[Nn]o\.)\s(\d{1,2})\b")
# what every match of ORDINAL_RE holds: a digit with its suffix, "No." / "no." or "umber" (a cheap test of a sentence
# before its runs of digits are tried one by one)
_ORDINAL_HINT = re.compile(r"\d(?:st|nd|rd|th)|[Nn]o\.|umber")
WORD_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
                 "eighth": 8, "ninth": 9, "tenth": 10}
WORD_ORDINAL_RE = gated(r"\b(" + "|".join(WORD_ORDINALS) + r")\b", re.IGNORECASE)


NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
                "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
                "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
                "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100}
# "three companies", "two million GPUs", "twelve billion dollars": a number word is a figure only with a scale word
# or a unit right after it ("one" and "a" are left alone: "one of the", "a third"); "two-thirds" is a ratio.
# a counted noun may follow after up to two modifiers ("six AI-related listed firms", "nine new data centers" is not:
# only the nouns of COUNT_WORDS count)
WORD_QUANTITY_RE = gated(
    r"(?<![\w-])(?P<num>" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")(?![\w-])"
    r"(?P<scale>\s(?:thousand|million|billion|trillion)\b)?(?:(?P<mods>(?:\sof\s(?:the|its|their|these|those))?"
    r"(?:\s(?!(?:of|and|or|in|to|for|the)\b)[\w-]+){0,2}?)"
    r"\s(?P<unit>" + _UNIT + r"))?",
    re.IGNORECASE)


_YEAR = re.compile(r"(19|20)\d\d")
_MONTH_BEFORE = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s$")


def parse_en_number(text: str) -> Decimal:
    """The exact value of "35,000", "1.2 billion", "3.5bn", "44.4"."""
    m = NUMBER_RE.fullmatch(text.strip())
    if not m:
        raise ValueError(f"not an English number: {text!r}")
    value = Decimal(m.group("num").replace(",", ""))
    if m.group("scale"):
        value *= SCALES[m.group("scale").strip().lower()]
    return _normal(value)


def _unit_word(unit: str) -> tuple[str, str]:
    """The unit key and kind of a currency or counted-thing word after a number ("dollars", "units")."""
    low = unit.lower()
    if low in CURRENCY_WORDS:
        return CURRENCY_WORDS[low], "currency"
    key = COUNT_WORDS[low]
    return key, UNIT_KINDS.get(key, "count")


_ANY_DIGIT = re.compile(r"\d")     # QUANTITY_RE and ORDINAL_RE need one (most sentences have none)
_DIGIT_RUN = re.compile(r"\d+")
# how far before its digits a figure may begin: a sign ("Rs. ", "US$") and a space
_LEAD = 6
_ORDINAL_LEAD = 8               # "Number ", "No. "


def _matches_near_digits(pattern: re.Pattern[str], text: str, lead: int, starts: str,
                         space: bool) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for a pattern whose matches all hold a number beginning where a run of digits
    begins, at most ``lead`` characters after the match's start: only those places are tried (in order, the
    first match winning, as a search does); the regex alone tries its leading lookbehind or word boundary at
    every character. Before the digits, only a place holding one of ``starts`` (or whitespace, with ``space``)
    can begin a match: the others are not tried."""
    end = 0
    for run in _DIGIT_RUN.finditer(text):
        d = run.start()
        if d < end:
            continue                # inside the match found last
        for p in range(max(end, d - lead), d + 1):
            if p < d:
                c = text[p]
                if c not in starts and not (space and c.isspace()):
                    continue
            m = pattern.match(text, p)
            if m is not None:
                end = m.end()
                yield m
                break


# what a figure may begin with before its digits: a currency sign ("US$", "C$", "A$", "Rs", either case) or a space
_QUANTITY_STARTS = "UuCcAaRr$€£¥₩₹"
# what an ordinal may begin with before its digits: "No. ", "number "
_ORDINAL_STARTS = "Nn"


def _quantity_matches(text: str) -> Iterator[re.Match[str]]:
    """``QUANTITY_RE.finditer(text)``: a figure's number begins where a run of digits does (no letter or digit
    precedes it, or a sign or a space does), at most ``_LEAD`` characters after the figure's start."""
    return _matches_near_digits(QUANTITY_RE, text, _LEAD, _QUANTITY_STARTS, True)


def _ordinal_matches(text: str) -> Iterator[re.Match[str]]:
    """``ORDINAL_RE.finditer(text)``: an ordinal's digits begin a run of digits, after at most "number "."""
    return _matches_near_digits(ORDINAL_RE, text, _ORDINAL_LEAD, _ORDINAL_STARTS, False)


def find_en_quantities(text: str) -> list[Quantity]:
    out: list[Quantity] = []
    digits = _ANY_DIGIT.search(text) is not None
    dates = date_spans(text) if digits else ()
    for m in _quantity_matches(text) if digits else ():
        if any(a <= m.start("num") < b for a, b in dates):
            continue          # "June 30, 2023", "Oct. 17", "Posted August. 11, 2008 06:49"
        sign, unit = m.group("sign"), m.group("unit")
        nstart = m.start("num")
        if nstart > 0 and text[nstart - 1].isalpha():
            continue
        num_scale = m.group("num") + (m.group("scale") or "")
        try:
            value = parse_en_number(num_scale)
        except ValueError:
            continue
        start = m.start("sign") if sign else nstart
        end = m.end()
        if not sign and not unit:
            if _YEAR.fullmatch(m.group("num")):
                continue      # a year
            if _MONTH_BEFORE.search(text, max(0, nstart - 12), nstart):
                continue      # a day of the month ("June 18")
            end = m.end("scale") if m.group("scale") else m.end("num")
            nxt = text[end:end + 1]
            if nxt and (nxt.isalpha() or nxt == "-"):
                continue
        key = None
        kind = None
        if sign:
            key, kind = SIGNS[sign.rstrip(". ") if sign.upper() != "US$" else "US$"], "currency"
            if unit and unit.lower() in COUNT_WORDS:
                end = m.end("scale") if m.group("scale") else m.end("num")
        elif unit:
            key, kind = _unit_word(unit)
        before = text[max(0, start - 16):start].lower().rstrip()
        approx = any(before.endswith(h) for h in HEDGES)
        after = text[end:end + 12].lower()
        approx = approx or after.startswith((" or so", " or more", "-odd"))
        out.append(Quantity(value, key, kind, unit or sign, approx, start, end, text[start:end]))
    for m in WORD_QUANTITY_RE.finditer(text):
        unit, scale = m.group("unit"), m.group("scale")
        if not unit and not scale:
            continue
        value = Decimal(NUMBER_WORDS[m.group("num").lower()]) * (SCALES[scale.strip().lower()] if scale else 1)
        key = kind = None
        if unit:
            key, kind = _unit_word(unit)
        start, end = m.start(), m.end()
        if m.group("mods"):
            end = m.end("scale") if scale else m.end("num")    # "six AI-related listed firms": as written "six"
        before = text[max(0, start - 16):start].lower().rstrip()
        approx = any(before.endswith(h) for h in HEDGES)
        out.append(Quantity(_normal(value), key, kind, unit, approx, start, end, text[start:end]))
    out.sort(key=lambda q: q.start)
    # "49.7 and 41.8 points", "30,000 and 25,000 units": a bare number listed right before a figure shares its unit
    for i in range(len(out) - 2, -1, -1):
        bare, figure = out[i], out[i + 1]
        if bare.unit is None and bare.kind is None and figure.unit is not None \
                and not figure.as_written.startswith(tuple(SIGNS)) \
                and _SHARED_UNIT_GAP.fullmatch(text, bare.end, figure.start) and not _is_year(bare):
            out[i] = Quantity(bare.value, figure.unit, figure.kind, figure.counter, bare.approximate, bare.start, bare.end,
                              bare.as_written)
    return out


_SHARED_UNIT_GAP = re.compile(r",?\s(?:and|or)\s|,\s")


def _is_year(q: Quantity) -> bool:
    return bool(re.fullmatch(r"(?:19|20)\d\d", q.as_written))


# an ordinal that counts editions, times or periods is not a place in a ranking ("the fourth edition",
# "for the first time", "in the first quarter", "its 33rd anniversary"); "on the 9th" is a day of the month
_NOT_RANK_AFTER = re.compile(r"\s*(?:-\s*)?(?:annual\s+|consecutive\s+|straight\s+)?(?:century|centuries|anniversary|"
                             r"edition|editions|time|times|quarter|half|generation|round|term|phase|stage|session|"
                             r"meeting|summit|day|week|month|year|decade|installment|instalment|iteration|"
                             r"version|wave|batch|tranche|season|volume|issue)\b", re.IGNORECASE)
_DAY_BEFORE = re.compile(r"\b(?:[Oo]n|[Bb]y|[Ss]ince|[Uu]ntil|[Tt]ill)\s+the\s+$")


def _not_a_place(text: str, start: int, end: int) -> bool:
    return bool(_NOT_RANK_AFTER.match(text, end)) or bool(_DAY_BEFORE.search(text, max(0, start - 12), start))


def find_en_ranks(text: str) -> list[RankMention]:
    """Ordinals used as ranks: "33rd", "No. 4", "first" (word ordinals only up to tenth); not editions, times,
    periods ("the fourth edition", "the first quarter") or days ("on the 9th"), and nothing inside a date."""
    out = []
    digits = _ANY_DIGIT.search(text) is not None
    dates = date_spans(text) if digits else ()
    for m in _ordinal_matches(text) if digits and _ORDINAL_HINT.search(text) else ():
        n = int(m.group(1) or m.group(2) or m.group(3))
        if n > 0 and not _not_a_place(text, m.start(), m.end()) and not any(a <= m.start() < b for a, b in dates):
            out.append(RankMention(n, m.start(), m.end(), m.group(0)))
    for m in WORD_ORDINAL_RE.finditer(text):
        if not _not_a_place(text, m.start(), m.end()):
            out.append(RankMention(WORD_ORDINALS[m.group(1).lower()], m.start(), m.end(), m.group(0)))
    out.sort(key=lambda r: r.start)
    return out

"""Korean figures: "35만", "3만5000", "3.5만", "5000억", "1조2000억", "47만8000", "2,500", "44.4".

``parse_ko_number`` turns the digits-and-myriads part into an exact Decimal; ``find_ko_quantities`` finds figures
with their counter or currency (대, 개, 명, 개사, 개국, 원, 달러, 위안, 엔, 유로, %: the words of ``units.yaml``) and approximate markers
(약, 정도, 가량, 여, 안팎) in a text, with the character span of the figure as written. Ranks ("33위") are found by
``find_ko_ranks``. Things that look like numbers but are not figures are skipped: model names ("H100"),
ages and decades ("20대", "2000년대"), ordinal groups ("2군"), years and dates ("2023년").
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache

from ...dates import date_spans
from ...figures import Quantity, RankMention
from ...figures import normal as _normal
from ..words import package_units

MYRIADS = {"조": Decimal(10) ** 12, "억": Decimal(10) ** 8, "만": Decimal(10) ** 4}
SMALL = {"천": Decimal(1000), "백": Decimal(100)}

# counters and currencies (units.yaml, checked by kg/extract/lang/words.py); value: (unit key, kind)
COUNTERS: dict[str, tuple[str, str]] = package_units("ko")
_COUNTER_RE = "|".join(re.escape(c) for c in sorted(COUNTERS, key=len, reverse=True))

# a run of digits, with thousands separators or a decimal part
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_UNIT = r"(?:[천백]?[조억만]|[천백])"
# a later section of a compound number, after a myriad and a space ("47만 8천", "1조 2000억"): at most four digits
_SECTION = r"(?:\d,\d{3}|\d{1,4})"
# what may precede a figure: not a letter, digit or comma, and not a full stop after a digit or Latin letter
# ("3.5.2", "v2.1"); a full stop after Hangul ends a sentence ("늘었다.2위는")
_BEFORE = r"(?<![\w,])(?<![0-9A-Za-z.]\.)"
# the last section may stand after a space only when a counter follows ("47만 8000명", not "5만 2023년")
def _number(last_spaced: str) -> str:
    return (rf"{_BEFORE}{_DIGITS}(?:{_UNIT}(?:{_DIGITS}{_UNIT}|\s{_SECTION}{_UNIT})*"
            rf"(?:{_DIGITS}|\s{_SECTION}{last_spaced})?)?")


NUMBER_RE = re.compile(_number(rf"(?=\s?(?:{_COUNTER_RE}))"))
_WHOLE_NUMBER_RE = re.compile(_number(""))          # a figure given alone ("47만 8000")
_PART_RE = re.compile(rf"\s?({_DIGITS})([천백]?)([조억만]?)")

APPROX_BEFORE = ("약", "대략", "무려", "최대", "최소", "거의", "얼추")
APPROX_BEFORE_HEDGE = {"약", "대략", "얼추", "거의"}
_HEDGES_BEFORE = tuple(sorted(APPROX_BEFORE_HEDGE))     # str.endswith takes a tuple
APPROX_AFTER_RE = re.compile(r"^\s?(정도|가량|여|안팎|남짓|내외|수준|쯤|이상|이하|미만|넘게|남짓)")
HEDGES_AFTER = {"정도", "가량", "여", "안팎", "남짓", "내외", "쯤"}

QUANTITY_RE = re.compile(
    rf"(?P<num>{NUMBER_RE.pattern})(?P<gap>\s?)(?P<more>여\s?)?(?P<unit>{_COUNTER_RE})?"
)
HANGUL = re.compile(r"[가-힣]")
_DIGIT_RUN = re.compile(r"\d+")
_PLAIN = re.compile(_DIGITS)


def _at_digit_runs(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for a pattern that begins with ``_BEFORE`` and a digit, tried only where a run
    of digits begins: a digit that follows no letter, digit or comma, so no other place can start a match; the
    regex alone tries its lookbehinds at every character."""
    end = 0
    for run in _DIGIT_RUN.finditer(text):
        start = run.start()
        if start < end:
            continue                # inside the match found last ("3만5000", "1,000")
        m = pattern.match(text, start)
        if m is not None:
            end = m.end()
            yield m


def _quantity_matches(text: str) -> Iterator[re.Match[str]]:
    """``QUANTITY_RE.finditer(text)``: every figure begins with ``_BEFORE`` and a digit."""
    return _at_digit_runs(QUANTITY_RE, text)


class NotANumber(ValueError):
    """The text is not a Korean figure."""


def parse_ko_number(text: str) -> Decimal:
    """The exact value of a Korean figure ("3만5000" → 35000, "1조2000억" → 1200000000000, "44.4" → 44.4)."""
    s = text.strip()
    if _PLAIN.fullmatch(s):
        # digits alone ("2,500", "44.4"): one section, what the loop below makes of it
        return _normal(Decimal(0) + Decimal(s.replace(",", "")))
    if not s or not _WHOLE_NUMBER_RE.fullmatch(s):
        raise NotANumber(f"not a Korean number: {text!r}")
    total = Decimal(0)
    section = Decimal(0)
    last_myriad = None
    last_small = None
    pos = 0
    for m in _PART_RE.finditer(s):
        if m.start() != pos or not m.group(0):
            raise NotANumber(f"not a Korean number: {text!r}")
        pos = m.end()
        digits = Decimal(m.group(1).replace(",", ""))
        small, myriad = m.group(2), m.group(3)
        if small:
            mult = SMALL[small]
            if last_small is not None and mult >= last_small:
                raise NotANumber(f"out of order in {text!r}")
            digits *= mult
            last_small = mult
        elif not myriad and pos != len(s):
            raise NotANumber(f"digits in the middle of {text!r}")
        section += digits
        if myriad:
            mult = MYRIADS[myriad]
            if last_myriad is not None and mult >= last_myriad:
                raise NotANumber(f"myriads out of order in {text!r}")
            total += section * mult
            section = Decimal(0)
            last_myriad = mult
            last_small = None
    if pos != len(s):
        raise NotANumber(f"not a Korean number: {text!r}")
    total += section
    return _normal(total)


def format_ko_number(value: int, style: str = "mixed", *, spaced: bool = False) -> str:
    """Write an integer the way Korean news does: "3만5000" (mixed), "3만5천" (thousands: a section that is a
    whole number of thousands written with 천), "35,000" (comma), "35000" (plain). ``spaced`` puts a space between
    the sections ("47만 8000", "1조 2000억")."""
    if style == "plain":
        return str(value)
    if style == "comma":
        return f"{value:,}"
    if value == 0:
        return "0"
    parts: list[str] = []
    rest = value
    for name, mult in MYRIADS.items():
        q, rest = divmod(rest, int(mult))
        if q:
            parts.append(f"{_section(q, style) if parts else q}{name}")
    if rest:
        parts.append(_section(rest, style) if parts else str(rest))
    return (" " if spaced else "").join(parts)


def _section(n: int, style: str) -> str:
    """A section below 10,000 after a larger myriad: "8000" or, in the thousands style, "8천"."""
    if style == "thousands" and n < 10000 and n % 1000 == 0:
        return f"{n // 1000}천"
    return str(n)


def _is_age_or_decade(text: str, m: re.Match[str]) -> bool:
    num, unit = m.group("num"), m.group("unit")
    if unit != "대" or not num.isdigit() or len(num) > 2:   # ages and decades have two digits (and int()
        return False                                        # refuses thousands of digits)
    n = int(num)
    after = text[m.end():m.end() + 3]
    if n % 10 == 0 and 10 <= n <= 90:          # 20대, 30대: ages
        return True
    return after.startswith(("초반", "중반", "후반"))


def find_ko_quantities(text: str) -> list[Quantity]:
    """Every figure with a counter or currency in ``text`` (bare numbers only when followed by no Hangul)."""
    out: list[Quantity] = []
    dates = date_spans(text)
    for m in _quantity_matches(text):
        start = m.start()
        before = text[max(0, start - 1):start]
        if before and ((before.isalpha() and not HANGUL.match(before)) or before in "-/:"):
            continue            # H100, A-100, 12:30
        if before == "." and not HANGUL.match(text[max(0, start - 2):start - 1]):
            continue            # 3.5.2 (but "늘었다.2위는" starts a sentence)
        if any(a <= start < b for a, b in dates):
            continue            # "2024.09.25", "입력 2025-06-24 09:10", "9월 25일"
        num = m.group("num").rstrip()
        unit = m.group("unit")
        after_idx = m.end()
        if unit is None:
            nxt = text[m.start() + len(num):m.start() + len(num) + 1]
            if nxt and (HANGUL.match(nxt) or nxt.isalpha()):
                continue        # 2023년, 2군, 3세대, 5G
            nxt2 = text[m.end():m.end() + 1]
            if nxt2 and nxt2.isalpha():
                continue
            end = m.start() + len(num)
        else:
            if text.startswith("년대", after_idx - 1) or _is_age_or_decade(text, m):
                continue
            # counters must end the word or be followed by a particle-like syllable, never "대학", "개발"
            follow = text[after_idx:after_idx + 1]
            if unit in ("대", "개", "명", "원", "엔", "배", "곳", "건") and follow and follow in "학회표기월선전형발념":
                continue
            if unit == "장" and follow and HANGUL.match(follow) and follow not in "을를이가은는의에으과와도만씩정여":
                continue        # 장관, 장비, 장기, 장점: not the counter
            if unit == "장" and follow == "정" and not text.startswith("정도", after_idx):
                continue
            if unit == "점" and follow and follow in "유포검심차거령멸선":
                continue        # 점유율, 점포, 점검: not the counter
            end = after_idx
        try:
            value = parse_ko_number(num)
        except NotANumber:
            continue
        approx = bool(m.group("more"))
        prefix = text[max(0, start - 4):start].rstrip()
        if prefix.endswith(_HEDGES_BEFORE):
            approx = True
        am = APPROX_AFTER_RE.match(text[end:end + 4])
        if am and am.group(1) in HEDGES_AFTER:
            approx = True
        key, kind = COUNTERS.get(unit, (None, None)) if unit else (None, None)
        out.append(Quantity(value, key, kind, unit, approx, start, end, text[start:end]))
    # "31.62, 30.17점", "4와 5개": a bare number listed right before a figure shares its counter
    for i in range(len(out) - 2, -1, -1):
        bare, figure = out[i], out[i + 1]
        if bare.unit is None and figure.unit is not None and _SHARED_COUNTER_GAP.fullmatch(text, bare.end, figure.start):
            out[i] = Quantity(bare.value, figure.unit, figure.kind, figure.counter, bare.approximate, bare.start, bare.end,
                              bare.as_written)
    return out


_SHARED_COUNTER_GAP = re.compile(r"\s?(?:[,·、]|와|과|및)\s?")


_RANK_PLACE = re.compile(rf"{_BEFORE}(\d{{1,3}})\s?위")
_RANK_SPAN = re.compile(rf"{_BEFORE}(\d{{1,3}})\s?[~∼～]\s?(\d{{1,3}})\s?위(?![안원치험기협상해])")
_RANK_BEFORE_CHANGE = re.compile(rf"{_BEFORE}(\d{{1,3}})\s?(?:→|->|⇒)\s?(?=\d{{1,3}}\s?위(?![안원치험기협상해]))")
_RANK_PAIR_FIRST = re.compile(rf"{_BEFORE}(\d{{1,3}})\s?[·,]\s?(?=\d{{1,3}}\s?위(?![안원치험기협상해]))")


def find_ko_ranks(text: str) -> list[RankMention]:
    """Every "N위" in ``text`` ("33위", "4위지만"), skipping "위안" (yuan) and words such as "위원"."""
    return list(_ko_ranks(text))


@lru_cache(maxsize=256)
def _ko_ranks(text: str) -> tuple[RankMention, ...]:
    """:func:`find_ko_ranks`, cached per text: a sentence's figures and ranks both ask."""
    out: list[RankMention] = []
    if "위" not in text:
        return ()               # every form read here has a 위
    dates = date_spans(text)
    for m in _at_digit_runs(_RANK_PLACE, text):
        if any(a <= m.start() < b for a, b in dates):
            continue
        nxt = text[m.end():m.end() + 1]
        if nxt and nxt in "안원치험기협상해":
            continue
        n = int(m.group(1))
        if n <= 0:
            continue
        out.append(RankMention(n, m.start(), m.end(), m.group(0)))
    # "2∼5위" (places 2 to 5, one for each name listed before): every place, each at its own character of the
    # span so that they can be told apart, all written "2∼5위"
    for m in _at_digit_runs(_RANK_SPAN, text):
        first, last = int(m.group(1)), int(m.group(2))
        if 0 < first < last and last - first + 1 <= m.end() - m.start() and not any(a <= m.start() < b for a, b in dates):
            out = [r for r in out if not (m.start() <= r.start < m.end())]
            out += [RankMention(n, m.start() + i, m.end(), m.group(0)) for i, n in enumerate(range(first, last + 1))]
    # "28→23위": the place before a change, written without 위
    for m in _at_digit_runs(_RANK_BEFORE_CHANGE, text):
        if not any(a <= m.start() < b for a, b in dates):
            out.append(RankMention(int(m.group(1)), m.start(1), m.end(1), m.group(1)))
    # "2·3위", "2, 3위": two places written with one 위 (the first is a rank of its own)
    for m in _at_digit_runs(_RANK_PAIR_FIRST, text):
        following = re.match(r"\d+", text[m.end():])
        assert following is not None   # the lookahead above saw the digits
        first, second = int(m.group(1)), int(following.group(0))
        if 0 < first < second <= first + 2:
            out.append(RankMention(first, m.start(1), m.end(1), m.group(1)))
    out.sort(key=lambda r: r.start)
    return tuple(out)

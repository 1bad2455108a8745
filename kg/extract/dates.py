"""Calendar dates and clock times written in articles: bylines, datelines and dates in running text.

``find_dates`` returns every date or time in a text with its span, so that the number readers never take
"2024.09.25", "2025-06-24 09:10", "June 30, 2023" or "Oct. 17" for figures, and so that the publication date
can be read from a byline when ``--date`` is not given (``publication_date``). Forms read:

- numeric: "2024.09.25", "2024. 9. 25.", "2025-06-24", "2024/09/25", optionally followed by a time "09:10";
- Korean: "2024년 9월 25일" (the year is required for a full date; "9월 25일" alone is a partial date);
- English: "June 30, 2023", "Aug. 11, 2008", "August. 11, 2008", "30 June 2023", "Oct. 17" (no year: partial);
- clock times: "09:10", "06:49".

A partial date (no year) is still masked for the number readers, but is only used as a publication date when a
year is known from elsewhere (the caller decides).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from .gates import gated

MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
          "oct": 10, "nov": 11, "dec": 12}
_MONTH = (r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_TIME = r"(?:\s+(?:\d{1,2}:\d{2}(?::\d{2})?)(?:\s?(?:[AaPp]\.?[Mm]\.?|KST|GMT|UTC))?)?"

_NUMERIC = gated(rf"(?<![\d.])(?P<y>(?:19|20)\d\d)(?P<sep>[-./])\s?(?P<m>\d{{1,2}})(?P=sep)\s?(?P<d>\d{{1,2}})"
                      rf"(?![\d])\.?{_TIME}")
_KOREAN = re.compile(r"(?:(?P<y>(?:19|20)\d\d)\s?년\s?)?(?P<m>\d{1,2})\s?월\s?(?P<d>\d{1,2})\s?일")
_EN_MDY = re.compile(rf"\b{_MONTH}\s(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s(?P<y>(?:19|20)\d\d)\b)?{_TIME}")
_EN_DMY = re.compile(rf"(?<![\d.,])(?P<d>\d{{1,2}})\s{_MONTH}\s(?P<y>(?:19|20)\d\d)\b")
_DIGIT = re.compile(r"\d")
# how every name of ``_MONTH`` begins
_MONTH_START = re.compile(r"Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec")
_CLOCK = re.compile(r"(?<![\d.:])\d{1,2}:\d{2}(?::\d{2})?(?![\d:])")
# a byline or dateline: "입력 2025-06-24 09:10", "Posted August. 11, 2008 06:49", "SEOUL, Oct. 17 (Yonhap) --"
_BYLINE_WORD = re.compile(r"(?:입력|발행|등록|게재|송고|기사입력|최종\s?수정|수정|업데이트|Posted|Published|Updated|"
                          r"Last updated|Date)\s*[:：]?\s*$", re.IGNORECASE)
_DATELINE = re.compile(r"^[A-Z][A-Z .'-]{1,30},\s*$")


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    year: int | None
    month: int
    day: int
    as_written: str
    byline: bool = False          # introduced by a byline word or written as a dateline

    def date(self, year: int | None = None) -> dt.date | None:
        """The calendar date, with ``year`` filling in a date written without one; None when invalid."""
        y = self.year or year
        if y is None:
            return None
        try:
            return dt.date(y, self.month, self.day)
        except ValueError:
            return None


def _month(word: str) -> int:
    return MONTHS[word.rstrip(".").lower()[:4] if word.lower().startswith("sept") else word.rstrip(".").lower()[:3]]


def find_dates(text: str) -> list[DateMention]:
    """Every date in ``text`` (non-overlapping, in order), and clock times as date-less mentions (month 0)."""
    found: list[DateMention] = []
    if not _DIGIT.search(text):
        return found              # every form read here has a digit

    def add(m: re.Match[str], year: str | None, month: int, day: int) -> None:
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return
        if any(f.start < m.end() and m.start() < f.end for f in found):
            return
        line_start = text.rfind("\n", 0, m.start()) + 1
        lead = text[line_start:m.start()]
        byline = bool(_BYLINE_WORD.search(lead)) or bool(_DATELINE.match(lead))
        found.append(DateMention(m.start(), m.end(), int(year) if year else None, month, day,
                                 m.group(0), byline))

    for m in _NUMERIC.finditer(text):
        add(m, m.group("y"), int(m.group("m")), int(m.group("d")))
    # the searches below only where the words they need occur (skipping a search that finds nothing changes
    # nothing): a month's name, 월, a colon
    months = _MONTH_START.search(text) is not None
    for m in _EN_MDY.finditer(text) if months else ():
        add(m, m.group("y"), _month(m.group("mon")), int(m.group("d")))
    for m in _EN_DMY.finditer(text) if months else ():
        add(m, m.group("y"), _month(m.group("mon")), int(m.group("d")))
    for m in _KOREAN.finditer(text) if "월" in text else ():
        add(m, m.group("y"), int(m.group("m")), int(m.group("d")))
    for m in _CLOCK.finditer(text) if ":" in text else ():
        if not any(f.start <= m.start() < f.end for f in found):
            found.append(DateMention(m.start(), m.end(), None, 0, 0, m.group(0)))
    found.sort(key=lambda d: d.start)
    return found


@lru_cache(maxsize=256)
def date_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Where dates and times are written in ``text``: figures and ranks are never read inside them (cached: the
    number and rank readers of a sentence each ask)."""
    return tuple((d.start, d.end) for d in find_dates(text))


def publication_date(head: str) -> tuple[dt.date, str] | None:
    """The publication date printed in the first lines of an article (``head``): a byline or dateline date first
    ("입력 2025-06-24 09:10", "Posted August. 11, 2008", "SEOUL, Oct. 17 (Yonhap) --" with a year elsewhere in a
    byline), else the first full date on a line of its own or a short line. Returns the date and the words read."""
    dates = [d for d in find_dates(head) if d.month]
    full = [d for d in dates if d.year]
    for d in full:
        when = d.date()
        if d.byline and when:
            return when, d.as_written.strip()
    for d in full:
        line_start = head.rfind("\n", 0, d.start) + 1
        line_end = head.find("\n", d.end)
        line = head[line_start:line_end if line_end >= 0 else len(head)]
        when = d.date()
        if len(line.strip()) <= 60 and when:
            return when, d.as_written.strip()
    return None

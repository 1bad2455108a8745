"""Ranking tables and lists laid out one entry per line, as articles print them under a header line:

    2024 글로벌 AI 지수 (점수)          Global AI Index 2024
    1. 미국 100                         1. United States 100
    2. 중국 61.47                       2) China 61.47
    3위 싱가포르 38.16점                 Singapore 38.16

A block is a header line followed by at least three row lines of one shape: "N. Name score", "N) Name",
"N위 Name score", or "Name score". ``find_tables`` returns the rows with the header they belong to; the language
rules use them to keep a table in its header's paragraph (so the ranking or measure the header names applies to
every row), to read the leading "N." of a row as a rank, the row's name as its holder, and a trailing number as a
score when the header speaks of scores. Nothing here knows a measure or a country: names are resolved as
everywhere else.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise

from typing import TYPE_CHECKING

from mypy_extensions import trait

from .figures import Quantity, RankMention

if TYPE_CHECKING:
    from .resolve import Mention

# "1. 미국 100", "2) China 61.47", "3위 싱가포르 38.16점", "4 - Japan: 41.8 points"
_NUMBERED = re.compile(r"^\s*(?P<rank>\d{1,3})\s?(?:[.)]|위\.?|st|nd|rd|th)?\s*[-–:|]?\s+(?P<name>[^\d\n]{1,40}?)"
                       r"(?:\s*[-–:|(]?\s*(?P<score>\d{1,4}(?:[.,]\d+)?)\s?(?:점|points?|pts?\.?)?\)?)?\s*$")
# "Singapore 38.16", "미국 100점"
_PLAIN = re.compile(r"^\s*(?P<name>[^\d\n]{1,40}?)\s*[-–:|]?\s+(?P<score>\d{1,4}(?:[.,]\d+)?)\s?(?:점|points?|pts?\.?)?\s*$")
_SCORE_HEADER = re.compile(r"점수|점\b|지수|score|points|index", re.IGNORECASE)
_RANK_HEADER = re.compile(r"순위|등수|rank|ranking|place", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?다]\s*$")         # a sentence is neither a header nor a row
MIN_ROWS = 3


@dataclass(frozen=True)
class Row:
    start: int                      # offsets of the row line in the text
    end: int
    header: str                     # the header line of the table
    rank: int | None                # the place written at the start of the row ("1.", "3위")
    rank_span: tuple[int, int] | None    # local to the row line
    score_span: tuple[int, int] | None   # local to the row line
    scores: bool                    # the header speaks of scores (a trailing number is a score)


def _shape(line: str) -> tuple[str, re.Match[str]] | None:
    m = _NUMBERED.match(line)
    if m and m.group("name").strip() and not _SENTENCE_END.search(m.group("name")):
        return "numbered", m
    m = _PLAIN.match(line)
    if m and m.group("name").strip() and not _SENTENCE_END.search(m.group("name")):
        return "plain", m
    return None


def find_tables(text: str) -> list[Row]:
    """Rows of the tables in ``text`` (every line of a block, with its header)."""
    lines = [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"[^\n]*", text) if m.group(0).strip()]
    rows: list[Row] = []
    i = 0
    while i < len(lines):
        j = i
        shapes: list[tuple[str, re.Match[str]]] = []
        while j < len(lines):
            if len(lines[j][2]) > 80:        # a paragraph, not a row (most lines: no regex asked)
                break
            found = _shape(lines[j][2])
            if found is None or (shapes and found[0] != shapes[0][0]):
                break
            shapes.append(found)
            j += 1
        if len(shapes) >= MIN_ROWS and i > 0 and _shape(lines[i - 1][2]) is None \
                and not _SENTENCE_END.search(lines[i - 1][2]):
            header = lines[i - 1][2].strip()
            kind = shapes[0][0]
            ranked = [int(m.group("rank")) for _, m in shapes] if kind == "numbered" else []
            # a numbered block must count up (1, 2, 3 …, ties allowed), or it is a list, not a ranking
            if kind == "plain" or (all(0 <= b - a <= 1 for a, b in pairwise(ranked)) and ranked[0] <= 3):
                scores = bool(_SCORE_HEADER.search(header)) or kind == "plain" \
                    or any(re.search(r"점|points?|pts?", m.group(0)) for _, m in shapes if m.group("score"))
                values = [m.group("score") for _, m in shapes]
                # "Name N" under a header about places, N counting up: N is the place, not a score
                places = kind == "plain" and bool(_RANK_HEADER.search(header)) and all(v.isdigit() for v in values) \
                    and all(0 <= int(b) - int(a) <= 1 for a, b in pairwise(values)) and int(values[0]) <= 3
                for (start, end, _line), (_, m) in zip(lines[i:j], shapes, strict=False):
                    if places:
                        rows.append(Row(start, end, header, int(m.group("score")), m.span("score"), None, False))
                        continue
                    rank = int(m.group("rank")) if kind == "numbered" else None
                    rows.append(Row(start, end, header, rank, m.span("rank") if rank is not None else None,
                                    m.span("score") if m.group("score") else None, scores))
            i = j
        else:
            i = max(j, i + 1)
    return rows


@trait          # a mixin of both languages' rules (mypyc compiles a class with two bases only when they are traits)
class TableReader:
    """What the language rules do with table rows (a mixin): ``scan_tables`` when splitting the body into sentences,
    then the row's rank, holder and score when its sentence is read. The rules start with no rows
    (``self._rows = {}`` in their ``__init__``: a trait has no attribute defaults)."""

    _rows: Mapping[str, Row]

    def scan_tables(self, body: str) -> dict[int, Row]:
        """The table rows of ``body`` by line offset; remembered by their text for the readers below."""
        rows = find_tables(body)
        self._rows = {body[r.start:r.end].strip(): r for r in rows}
        return {r.start: r for r in rows}

    def _row(self, text: str) -> tuple[Row, int] | None:
        row = self._rows.get(text.strip())
        if row is None:
            return None
        return row, len(text) - len(text.lstrip())

    def table_ranks(self, text: str, ranks: list[RankMention]) -> list[RankMention]:
        """A row's leading "1." / "3위" (or its place in a "Name N" list of places) as a rank."""
        found = self._row(text)
        if found is None:
            return ranks
        row, lead = found
        if row.rank is None or row.rank_span is None:
            return ranks
        a, b = row.rank_span[0] - lead, row.rank_span[1] - lead
        if any(r.start <= a < r.end for r in ranks):
            return ranks
        return sorted(ranks + [RankMention(row.rank, a, b, text[a:b])], key=lambda r: r.start)

    def table_quantities(self, text: str, quantities: list[Quantity]) -> list[Quantity]:
        """A row's place is no figure; its trailing number is a score when the table is about scores."""
        found = self._row(text)
        if found is None:
            return quantities
        row, lead = found
        out: list[Quantity] = []
        for q in quantities:
            if row.rank_span and row.rank_span[0] - lead <= q.start < row.rank_span[1] - lead + 1:
                continue
            if row.score_span and q.start == row.score_span[0] - lead and q.unit is None and row.scores:
                out.append(Quantity(q.value, "point", "score", None, q.approximate, q.start, q.end, q.as_written))
            else:
                out.append(q)
        return out

    def table_holder(self, text: str, start: int, mentions: list[Mention]) -> Mention | None:
        """The holder of a row's rank: the first name after it."""
        found = self._row(text)
        if found is None or found[0].rank_span is None or start != found[0].rank_span[0] - found[1]:
            return None
        after = [m for m in mentions if m.start >= start]
        return after[0] if after else None

"""The figures the language readers find: a quantity (a number with its unit) and a rank mention.

Every language package (``kg.extract.lang.<code>``) returns these; the engine and the readers only see them.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Quantity:
    """A figure found in a text. ``start``/``end`` span ``as_written`` (number and unit), offsets into the text."""

    value: Decimal
    unit: str | None          # unit key: KRW, USD, CNY, person, unit, percent, ... (None: a bare number)
    kind: str | None          # count | currency | ratio | None
    counter: str | None       # the counter or currency as written (대, 달러 ...)
    approximate: bool
    start: int
    end: int
    as_written: str


@dataclass(frozen=True)
class RankMention:
    rank: int
    start: int
    end: int
    as_written: str


def normal(value: Decimal) -> Decimal:
    """Integral values without exponent or trailing zeros ("35000", not "3.5E+4"); decimals kept as written."""
    if value == value.to_integral_value():
        return Decimal(int(value))
    return value.normalize()

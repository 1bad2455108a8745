"""Numbers as people read them: scale words in English (2.4 billion) and Korean (24억).

English uses million, billion and trillion from one million up, with at most three decimals; a value those
decimals cannot hold exactly is rounded and marked ``≈`` (the exact figure stays in the details). Korean
splits a whole number into 조, 억 and 만 groups the way Korean news writes them (24억, 3만5000, 1조2000억),
which is always exact. Numbers below the first scale, and fractions in Korean, keep their digits with
thousands separators.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

EN_SCALES = ((Decimal(10) ** 12, "trillion"), (Decimal(10) ** 9, "billion"), (Decimal(10) ** 6, "million"))
KO_SCALES = ((Decimal(10) ** 12, "조"), (Decimal(10) ** 8, "억"), (Decimal(10) ** 4, "만"))
EN_DECIMALS = 3


def parse(lexical: str | None) -> Decimal | None:
    """The decimal a literal's lexical form holds, or None when it is not a finite number."""
    if lexical is None:
        return None
    try:
        num = Decimal(lexical.strip())
    except InvalidOperation:
        return None
    return num if num.is_finite() else None


def plain(num: Decimal) -> str:
    """Digits with thousands separators, no exponent, no trailing zeros."""
    if num == num.to_integral_value():
        return f"{int(num):,}"
    return f"{num.normalize():,f}"


def _en(num: Decimal) -> tuple[str, bool]:
    """(text, exact) in English scale words."""
    size = abs(num)
    for scale, word in EN_SCALES:
        if size >= scale:
            scaled = num / scale
            rounded = scaled.quantize(Decimal(1).scaleb(-EN_DECIMALS))
            exact = rounded == scaled
            return f"{plain(rounded)} {word}", exact
    return plain(num), True


def _ko(num: Decimal) -> str:
    """Korean grouping by 조/억/만 for whole numbers of 10,000 and more (exact); anything else as digits."""
    if num != num.to_integral_value() or abs(num) < KO_SCALES[-1][0]:
        return plain(num)
    rest = int(abs(num))
    parts = []
    for scale, word in KO_SCALES:
        count, rest = divmod(rest, int(scale))
        if count:
            parts.append(f"{count}{word}")
    if rest:
        parts.append(str(rest))
    return ("-" if num < 0 else "") + "".join(parts)


def scale_words(lexical: str | None, lang: str) -> tuple[str, bool]:
    """A number with scale words in ``lang`` ("2.4 billion", "24억"), and whether the text is exact.

    Anything that is not a number comes back as given (exact)."""
    num = parse(lexical)
    if num is None:
        return lexical or "", True
    if lang == "ko":
        return _ko(num), True
    return _en(num)


def with_unit(number: str, unit_label: str, lang: str) -> str:
    """``number`` followed by its unit as each language writes it: 24억 캐나다 달러, 3만5000대, 2.4 billion
    Canadian dollars."""
    if not unit_label:
        return number
    if lang == "ko":
        sep = " " if " " in unit_label or (number[-1:].isdigit() is False and len(unit_label) > 1) else ""
        return f"{number}{sep}{unit_label}"
    return f"{number} {unit_label}"

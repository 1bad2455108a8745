"""What the languages' sentence rules share: lists of names, bracketed equivalents, a product's maker."""
from __future__ import annotations

import re

from ..figures import Quantity
from ..resolve import Mention

# a company right before a model number ("NVIDIA's H100", "엔비디아의 H100", "Nvidia A100s") is the product's maker
MAKER_OF = re.compile(r"(?:'s|’s|의)?\s?(?:[A-Za-z]+\s)?[A-Z]{1,3}\d{2,4}[A-Za-z]{0,2}(?![\w-])")
_CLOSER = re.compile(r"^\s?[)\]]")      # a bracket closing right after a figure


def chain(text: str, end: int, mentions: list[Mention], sep: re.Pattern[str], gap: re.Pattern[str]) -> list[Mention]:
    """Mentions forming a list that ends just before ``end`` ("독일, 중국, 아일랜드" + gap + end)."""
    before = [m for m in mentions if m.end <= end]
    if not before:
        return []
    last = before[-1]
    if not gap.match(text[last.end:end]):
        return []
    chain = [last]
    for m in reversed(before[:-1]):
        if sep.match(text[m.end:chain[0].start]):
            chain.insert(0, m)
        else:
            break
    return chain


def equivalent(text: str, q: Quantity, quantities: list[Quantity], opener: str) -> Quantity | None:
    for other in quantities:
        if other.start >= q.end and other.start - q.end <= 12:   # the first figure after q decides
            if re.match(opener, text[q.end:other.start]) and _CLOSER.match(text[other.end:other.end + 2]) \
                    and (q.kind == "currency") == (other.kind == "currency"):
                return other
            return None
    return None

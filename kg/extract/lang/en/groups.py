"""English names of a numbered tier of a group ("the second tier", "the second of three tiers", "tier-2")."""
from __future__ import annotations

import re

_ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh",
                  8: "eighth", 9: "ninth", 10: "tenth"}


def tier_forms(text: str, n: int) -> set[str]:
    """"Tier 2" / "2nd tier" → "the second tier", "the second of three tiers", "tier-2"."""
    m = re.search(rf"\b([A-Za-z]+)\s+{n}\b", text) or re.search(rf"\b{n}(?:st|nd|rd|th)?\s+([A-Za-z]+)", text)
    if m and m.group(1).lower() not in ("the", "of", "a") and n in _ORDINAL_WORDS:
        word = re.escape(m.group(1).lower())
        return {rf"(?<![\w-])(?:{_ORDINAL_WORDS[n]}(?:-|\s+){word}|{_ORDINAL_WORDS[n]}\s+of\s+(?:two|three|"
                rf"four|five|six|\d+)\s+{word}s|{word}[-\s]{n})(?![\w-])"}
    return set()

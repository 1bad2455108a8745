"""Korean names of a numbered tier of a group ("2등급", "2군", "2 그룹")."""
from __future__ import annotations

import re


def tier_forms(text: str, n: int) -> set[str]:
    """"2등급 국가" → "2등급", "2 등급"."""
    k = re.search(rf"(?<!\d){n}\s?([가-힣]{{1,2}})", text)
    if k and k.group(1) in ("등급", "군", "그룹", "단계", "티어"):
        return {rf"(?<![\d.]){n}\s?{k.group(1)}(?![가-힣]{{0}}[0-9])"}
    return set()

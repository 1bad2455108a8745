"""Helpers for the extractor's rule tests: draft a fact sheet from a snippet, and the facts' scoring keys."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from kg.extract import extract_text
from kg.extract.text import ArticleText


def draft(registry, text: str, lang: str, published=dt.date(2025, 6, 2)):
    article = ArticleText(path=Path("t.txt"), text=text, title="t", body_end=len(text), language=lang,
                          published=published, published_note=None, publisher_name=None, url=None, from_html=False)
    return extract_text(article, registry, article_id="t", publisher="maeil-business")


def keys(d):
    """(subject, kind, measure, value or rank) of every drafted fact."""
    out = set()
    for f in d.sheet["facts"]:
        measure = f.get("indicator") or f.get("ranking") or f.get("group")
        amount = Decimal(str(f["value"])) if f["kind"] == "observation" else f.get("rank")
        out.add((f["subject"], f["kind"], measure, amount))
    return out

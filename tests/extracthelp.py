"""Helpers for the extractor's rule tests: draft a fact sheet from a snippet, and the facts' scoring keys."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from kg.extract import extract_text
from kg.extract.text import ArticleText
from kg.schema import fact_key


def draft(registry, text: str, lang: str, published=dt.date(2025, 6, 2)):
    article = ArticleText(path=Path("t.txt"), text=text, title="t", body_end=len(text), language=lang,
                          published=published, published_note=None, publisher_name=None, url=None, from_html=False)
    return extract_text(article, registry, article_id="t", publisher="maeil-business")


def fact_tuple(fact) -> tuple:
    """(subject, kind, measure, value or rank) of a fact mapping: its ``kg.schema.FactKey``, as the tests write it
    (the amount a number, None for a membership)."""
    key = fact_key(fact)
    return key.subject, key.kind, key.measure or None, Decimal(key.amount) if key.amount else None


def keys(d):
    """(subject, kind, measure, value or rank) of every drafted fact."""
    return {fact_tuple(f) for f in d.sheet["facts"]}

"""Read what a chart shows from the store: one row per fact, labels in English and Korean.

A chart's NAME is resolved like a saved query's friendly parameter (kg.resolve): any registry key, name or alias
in either language, in any case. Values reach SPARQL as bound terms, never as query text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox

from ..errors import InputError
from ..resolve import RESOLVED_PARAMS, Resolution, names_query, resolve_value
from ..terms import Term
from ..store import Store
from ..viz.numbers import scale_words, with_unit
from ..vocab import NKG


KINDS = ("indicator", "country", "ranking")
LANGS = ("en", "ko")
# The charts' queries, one .rq file each (kg/charts/queries/, packaged with the module; not saved queries).
QUERIES = Path(__file__).resolve().parent / "queries"
Row = dict[str, Term | None]


def query_text(name: str) -> str:
    """The text of ``kg/charts/queries/<name>.rq``."""
    return (QUERIES / f"{name}.rq").read_text(encoding="utf-8")


# chart kind -> (the friendly parameter its NAME is resolved as, the class of the node, the variable bound)
_TARGETS = {"indicator": ("indicator", "Indicator", "target"), "country": ("country", "Country", "subject"),
            "ranking": ("ranking", "RankingSeries", "series")}
NO_SOURCE = {"en": "no source named", "ko": "출처 없음"}
QUALIFIERS = {"LowerBound": ("≥", "이상"), "UpperBound": ("≤", "최대"), "Range": ("", ""),
              "Target": ("target", "목표"), "Forecast": ("forecast", "전망"), "Estimate": ("est.", "추정")}


@dataclass
class ChartData:
    """What one chart shows: the resolved thing, its labels, and one row per fact (both languages)."""

    kind: str
    key: str
    iri: str
    labels: dict[str, str]
    resolution: Resolution
    rows: list[dict[str, object]] = field(default_factory=list)


def _text(term: Term | None) -> str | None:
    return None if term is None else str(term.value)


def _label(row: Row, var: str, lang: str) -> str:
    """The label of ``var`` in ``lang``, falling back to English, then to the other language read (a proposed entry
    may have only its Korean name), then the key."""
    for name in (f"{var}_{lang}", f"{var}_en", *(f"{var}_{other}" for other in LANGS), f"{var}_id"):
        value = _text(row.get(name))
        if value:
            return value
    iri = _text(row[var]) or ""
    return iri.rsplit("/", 1)[-1]


def _records(store: Store, name: str, params: dict[str, Term]) -> list[Row]:
    """The rows of the charts' query ``name`` (kg/charts/queries/NAME.rq) with ``params`` bound."""
    return store.query(query_text(name), params, source=f"kg/charts/queries/{name}.rq").bindings()


def resolve(store: Store, kind: str, name: str) -> tuple[Resolution, str]:
    """The registry key ``name`` stands for (any key, name or alias) and the IRI of its node."""
    if kind not in _TARGETS:
        raise InputError(f"unknown chart kind {kind!r}", hint=f"use one of {', '.join(KINDS)}")
    param, cls, _ = _TARGETS[kind]
    rows = []
    names = store.query(names_query(RESOLVED_PARAMS[param][1]), source="kg.resolve (names)").bindings()
    for row in names:
        rows.append({"key": _text(row["key"]), "name": _text(row["name"]), "strength": _text(row["strength"]),
                     "en": _text(row["en"])})
    resolution = resolve_value(param, name, rows)
    found = _records(store, "node", {"class": ox.NamedNode(NKG + cls), "key": ox.Literal(resolution.key)})
    iris = sorted(str(_text(r["node"])) for r in found)
    return resolution, iris[0]


def _dedupe(rows: list[Row]) -> list[Row]:
    """One solution per fact (a label given twice repeats it): the first in a fixed order."""
    by_fact: dict[str, Row] = {}
    for row in sorted(rows, key=lambda r: tuple(str(t) for t in r.values())):
        by_fact.setdefault(str(_text(row["fact"])), row)
    return [by_fact[k] for k in sorted(by_fact)]


def _number(term: Term | None) -> float | None:
    return None if term is None else float(Decimal(str(term.value)))


def _flag(term: Term | None) -> bool:
    return term is not None and str(term.value) in ("true", "1")


def _figure(value: str, high: str | None, unit: str, approximate: bool, qualifier: str | None, lang: str) -> str:
    num, exact = scale_words(value, lang)
    if high is not None:
        num += ("~" if lang == "ko" else "–") + scale_words(high, lang)[0]
    text = with_unit(num, unit, lang)
    if approximate or not exact:
        text = ("약 " if lang == "ko" else "≈") + text
    if qualifier in QUALIFIERS:
        en, ko = QUALIFIERS[qualifier]
        if lang == "ko" and ko:
            text = f"{ko} {text}" if ko != "이상" else f"{text} {ko}"
        elif lang == "en" and en:
            text = f"{en} {text}"
    return text


def _observations(store: Store, iri: str) -> list[dict[str, object]]:
    out = []
    for row in _dedupe(_records(store, "observations", {"target": ox.NamedNode(iri)})):
        value = str(_text(row["value"]))
        high = _text(row["valueHigh"])
        qualifier = (_text(row["qualifier"]) or "").rsplit("#", 1)[-1] or None
        record: dict[str, object] = {
            "fact": str(_text(row["fact"])), "subject_id": _label(row, "subject", "id"),
            "value": _number(row["value"]), "value_high": _number(row["valueHigh"]), "exact": value,
            "unit_id": _text(row["unit_id"]) or "", "article": _text(row["article_id"]) or "",
            "period": _text(row["period"]) or "", "approximate": _flag(row["approximate"]),
            "qualifier": qualifier or "",
        }
        for lang in LANGS:
            unit = _label(row, "unit", lang) if row["unit"] is not None else ""
            record[f"subject_{lang}"] = _label(row, "subject", lang)
            record[f"unit_{lang}"] = unit
            record[f"source_{lang}"] = _label(row, "source", lang) if row["source"] is not None else NO_SOURCE[lang]
            record[f"figure_{lang}"] = _figure(value, high, unit, _flag(row["approximate"]), qualifier, lang)
        out.append(record)
    return out


def _ranks(store: Store, var: str, iri: str) -> list[dict[str, object]]:
    out = []
    for row in _dedupe(_records(store, "ranks", {var: ox.NamedNode(iri)})):
        rank = int(str(_text(row["rank"])))
        out_of = _text(row["outOf"])
        year = _text(row["year"]) or ""
        record: dict[str, object] = {
            "fact": str(_text(row["fact"])), "subject_id": _label(row, "subject", "id"),
            "series_id": _label(row, "series", "id"), "year": year, "rank": rank,
            "out_of": int(out_of) if out_of else None, "article": _text(row["article_id"]) or "",
            "approximate": _flag(row["approximate"]),
        }
        for lang in LANGS:
            record[f"subject_{lang}"] = _label(row, "subject", lang)
            record[f"series_{lang}"] = _label(row, "series", lang)
            record[f"source_{lang}"] = _label(row, "source", lang) if row["source"] is not None else NO_SOURCE[lang]
            if lang == "ko":
                place = f"{out_of}개 중 {rank}위" if out_of else f"{rank}위"
                record["figure_ko"] = place + (f" ({year})" if year else "")
            else:
                place = f"#{rank} of {out_of}" if out_of else f"#{rank}"
                record["figure_en"] = place + (f" ({year})" if year else "")
        out.append(record)
    return out


def read_chart_data(store: Store, kind: str, name: str) -> ChartData:
    """The rows of a ``kind`` chart (indicator, country, ranking) for ``name``; InputError when there are none."""
    resolution, iri = resolve(store, kind, name)
    rows = _observations(store, iri) if kind == "indicator" else _ranks(store, _TARGETS[kind][2], iri)
    labels = {}
    for lang in LANGS:
        found = _records(store, "labels", {"n": ox.NamedNode(iri), "lang": ox.Literal(lang)})
        labels[lang] = min((str(_text(r["l"])) for r in found), default="")
    # a proposed entry may have no English label (the article named it in Korean): its label in the other language
    for lang in LANGS:
        labels[lang] = labels[lang] or next((labels[o] for o in LANGS if labels[o]), "") or resolution.label \
            or resolution.key
    if not rows:
        what = {"indicator": "figures for the indicator", "country": "ranking positions of",
                "ranking": "positions in the ranking"}[kind]
        raise InputError(f"the store holds no {what} {resolution.key!r} ({labels['en']})",
                         hint="kg facts lists what the store holds")
    order = ("subject_en", "value", "fact") if kind == "indicator" else ("series_en", "year", "rank", "fact")
    rows.sort(key=lambda r: tuple(str(r[k]) if not isinstance(r[k], (int, float)) else f"{r[k]:020.4f}"
                                  for k in order))
    return ChartData(kind, resolution.key, iri, labels, resolution, rows)

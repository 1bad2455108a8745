"""Assembling a draft fact sheet (docs/fact-sheets.md format, ``draft: true``), its proposals and its pending list.

The draft refers to registry keys that exist or that the draft proposes (``proposals``: registry entries in the
registries' own format, marked ``proposed: true``), so ``kg build`` accepts the output folder as is. Figures the
extractor found but could not turn into a fact are listed in ``pending``, each with the reason.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from ..schema import ARTICLE, EQUIVALENT, EVIDENCE, FACT, MEASURE_FIELD, SHEET, FactKey
from ..yamlsource import MAX_DECIMAL_PLACES, MAX_INTEGER_DIGITS, decimal_problem
from .engine import Candidate
from .propose import Proposals
from .yamlout import dump_yaml, dump_yaml_python

_SLUG = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=4096)
def slugify(text: str, fallback: str) -> str:
    """``text`` as a key or an id: lower-case ASCII letters and digits, runs of anything else one hyphen (once per
    text: a draft asks it of every fact's subject and measure)."""
    slug = _SLUG.sub("-", text.lower()).strip("-")
    return slug or fallback


# a YAML document's mapping as written: the draft fact sheet, a pending figure, a fact
Doc = dict[str, Any]

__all__ = ["Doc", "Draft", "build_draft", "dump_yaml", "dump_yaml_python", "slugify"]


@dataclass
class Draft:
    """A draft fact sheet (``sheet``), the registry entries it proposes (``proposals``: section → key → entry)
    and the figures left for the reviewer (``pending``, each with its ``problem``)."""

    article_id: str
    sheet: Doc
    proposals: dict[str, dict[str, Doc]]
    pending: list[Doc]
    text: str
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> Doc:
        return self.sheet

    def to_yaml(self) -> str:
        return dump_yaml(self.sheet)

    def pending_yaml(self) -> str | None:
        return dump_yaml({"article": self.article_id, "pending_facts": self.pending}) if self.pending else None

    def rename(self, section: str, old: str, new: str) -> None:
        """Refer to a proposed entry by another key (a batch already proposed ``old`` for something else)."""
        entry = self.proposals.get(section, {}).pop(old)
        self.proposals[section][new] = entry
        fields = {"entities": ("subject", "source", "publisher", "employer", "country", "parent"),
                  "units": ("unit",), "indicators": ("indicator", "criterion"), "rankings": ("ranking",),
                  "classifications": ()}[section]

        def walk(node: object) -> None:
            if isinstance(node, dict):
                for k, v in node.items():
                    if k in fields and v == old:
                        node[k] = new
                    elif section == "classifications" and k == "group" and isinstance(v, str) \
                            and v.startswith(old + "/"):
                        node[k] = new + v[len(old):]
                    else:
                        walk(v)
            elif isinstance(node, list):
                for i, v in enumerate(node):
                    if section == "entities" and v == old:
                        node[i] = new
                    else:
                        walk(v)
        walk(self.sheet)
        walk(self.proposals)


DraftKey = tuple[FactKey, "str | None"]


def fact_key(c: Candidate, year: int | None = None) -> DraftKey:
    """The candidate's fact key (kg.schema.FactKey) and the period it refers to: one fact of the draft per key."""
    # the same place in two years is two facts ("2019년과 2020년 8위"); the publication year is no year of its own
    period = None if c.period is None or c.period == str(year) else c.period
    return FactKey.of(c.kind, c.subject, c.measure, value=c.value, rank=c.rank), period


def _within_limits(c: Candidate) -> bool:
    """Whether the loader will accept the candidate's numbers (kg.yamlsource's limits), so a draft always loads."""
    for given in (c.value, (c.equivalent or {}).get("value")):
        if given is None:
            continue
        if isinstance(given, Decimal):
            # what its text reads back as; most figures have at most 18 decimal places as written and fewer than
            # 20 digits before the point, with no need to count trailing zeros
            exponent = given.as_tuple().exponent
            if isinstance(exponent, int) and exponent >= -MAX_DECIMAL_PLACES and (not given or given.adjusted() < 20):
                continue
            number = given
        else:
            try:
                number = Decimal(str(given))
            except InvalidOperation:
                return False
        if decimal_problem(number):
            return False
    return c.rank is None or abs(c.rank) < 10 ** MAX_INTEGER_DIGITS


def select(candidates: list[Candidate], year: int | None = None) -> tuple[list[Candidate], list[Candidate]]:
    """Facts for the draft (one per key, the most confident), and the candidates left for the reviewer."""
    best: dict[DraftKey, Candidate] = {}
    pending: list[Candidate] = []
    for c in candidates:
        if not c.problem and not _within_limits(c):
            c.problem = "the figure is outside what a fact sheet may hold (within ±10^20, 18 decimal places)"
        if c.problem or c.subject is None or c.measure is None:
            pending.append(c)
            continue
        key = fact_key(c, year)
        other = best.get(key)
        if other is None or c.confidence > other.confidence:
            best[key] = c
        if other is not None and (other.out_of or c.out_of) and not best[key].out_of:
            best[key].out_of = other.out_of or c.out_of       # "세계 5위" and "93개국 … 5위": one fact, out of 93
    # "한국은 12위에 그쳤다" and later "2023년 … 40개국 중 12위": a figure stated once without a year and once with
    # a recent one (the edition the article reports, at most two years before publication) is one fact
    if year is not None:
        dated: dict[FactKey, list[tuple[FactKey, str]]] = {}
        for fk, period in best:
            if period is not None and period.isdigit():
                dated.setdefault(fk, []).append((fk, period))
        latest = {k: max(v, key=lambda x: x[1]) for k, v in dated.items()}
        for key, c in list(best.items()):
            fk = key[0]
            stated = latest.get(fk)
            if c.period is None and stated is not None and year - 2 <= int(stated[1]) < year \
                    and not (c.out_of and best[stated].out_of and c.out_of != best[stated].out_of) \
                    and not any(_measured(k[0]) == _measured(fk) and k[1] is not None and k[1].isdigit()
                                and k[1] > stated[1] for k in best):
                del best[key]
                kept = best[stated]
                kept.out_of = kept.out_of or c.out_of
                c.problem = f"the same figure as the one stated for {stated[1]}"
                pending.append(c)
    # A headline repeats the body in fewer words; where the body states the same subject and figure under another
    # measure, the body's reading (with its full context) wins and the headline's is left to the reviewer.
    body = {_figure(k[0]) for k, c in best.items() if not c.sentence.headline}
    for key, c in list(best.items()):
        if c.sentence.headline and _figure(key[0]) in body \
                and not any(k == key for k, b in best.items() if not b.sentence.headline):
            del best[key]
            c.problem = "the body states this figure under another measure"
            pending.append(c)
    chosen = sorted(best.values(), key=lambda c: (c.sentence.start + c.span[0], c.kind, str(c.subject)))
    return chosen, pending


def _measured(key: FactKey) -> tuple[str, str, str]:
    """Who, what sort of fact and what measure, whatever the figure."""
    return key.subject, key.kind, key.measure


def _figure(key: FactKey) -> tuple[str, str, str]:
    """Who, what sort of fact and what figure, whatever the measure."""
    return key.subject, key.kind, key.amount


_ID_PREFIX = {"observation": "obs", "rank": "rank", "membership": "member"}


def _fact_id(c: Candidate, used: set[str]) -> str:
    prefix = _ID_PREFIX[c.kind]
    measure = (c.measure or "").split("/")[-1]
    base = slugify(f"{prefix}-{c.subject}-{measure}", prefix)
    if c.kind == "rank" and c.period:
        base = f"{base}-{c.period}"
    fid, n = base, 2
    while fid in used:
        fid, n = f"{base}-{n}", n + 1
    used.add(fid)
    return fid


def _confidence(value: float) -> Decimal:
    """A confidence as the draft writes it, to two places. A new ``Decimal`` each time (the YAML writer would
    write one object met twice as an alias), from text rounded once per value (a few dozen values recur)."""
    return Decimal(_two_places(value))


@lru_cache(maxsize=1024, typed=True)
def _two_places(value: float) -> str:
    return str(round(value, 2))


def fact_dict(c: Candidate, fid: str) -> Doc:
    """The fact as the draft writes it: these values, under the keys and in the order kg.schema declares."""
    s = c.sentence
    d: Doc = {"id": fid, "kind": c.kind, "subject": c.subject, MEASURE_FIELD[c.kind]: c.measure}
    if c.kind == "observation":
        d["value"] = c.value
        if c.value_high is not None:
            d["value_high"] = c.value_high
        if c.unit:
            d["unit"] = c.unit
        d["as_written"] = c.as_written
        if c.equivalent:
            d["equivalent"] = EQUIVALENT.ordered(c.equivalent)
    elif c.kind == "rank":
        d["rank"] = c.rank
        if c.out_of:
            d["out_of"] = c.out_of
        if c.as_written:
            d["as_written"] = c.as_written
    d["approximate"] = bool(c.approximate)
    if c.qualifier:
        d["qualifier"] = c.qualifier
    if c.period:
        d["period"] = int(c.period) if c.period.isdigit() else c.period
        if c.period_note:
            d["period_note"] = c.period_note
    if c.source:
        d["source"] = c.source
    d["attribution"] = c.attribution if c.source else "none"
    d["evidence"] = EVIDENCE.ordered({"text": s.text, "start": s.start, "end": s.end})
    d["confidence"] = _confidence(c.confidence)
    if c.note:
        d["note"] = c.note
    return FACT.ordered(d, c.kind)


def pending_dict(c: Candidate) -> Doc:
    s = c.sentence
    d: Doc = {"kind": c.kind, "problem": c.problem or "incomplete"}
    if c.subject:
        d["subject"] = c.subject
    if c.subject_name:
        d["subject_name"] = c.subject_name
    if c.source:
        d["source"] = c.source
    if c.measure:
        d["measure"] = c.measure
    if c.kind == "observation":
        d["value"] = c.value
        if c.value_high is not None:
            d["value_high"] = c.value_high
        if c.qualifier:
            d["qualifier"] = c.qualifier
        d["as_written"] = c.as_written
    elif c.kind == "rank":
        d["rank"] = c.rank
    d["evidence"] = {"text": s.text, "start": s.start, "end": s.end}
    return d


def build_draft(*, article_id: str, title: str, publisher: str, language: str, published: dt.date,
                published_note: str | None, url: str | None, text: str, mentions: list[str],
                candidates: list[Candidate], proposals: Proposals, warnings: list[str]) -> Draft:
    for c in candidates:
        if c.speaker and c.source is None:
            # a quoted person the registries lack: proposed, and the source of what they say
            name = c.speaker["name"]
            c.source = proposals.entity(name, language, "person", "quoted in the article; check the labels")
            entry = proposals.entries["entities"].get(c.source)
            if entry is not None:
                entry["type"] = "person"          # also when the name was first seen as an unknown holder
                entry["description"] = {"en": "quoted in the article; check the labels"}
                if c.speaker.get("role"):
                    entry.setdefault("role", {language: c.speaker["role"]})
                if c.speaker.get("employer"):
                    entry.setdefault("employer", c.speaker["employer"])
            c.attribution = "stated"
    chosen, pending = select(candidates, published.year)
    used: set[str] = set()
    facts = [fact_dict(c, _fact_id(c, used)) for c in chosen]
    article: Doc = {"id": article_id, "title": title, "publisher": publisher, "language": language,
                     "published": published.isoformat()}
    if published_note:
        article["published_note"] = published_note
    if url:
        article["url"] = url
    article["text_sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    used_keys = {f["subject"] for f in facts} | {f["source"] for f in facts if "source" in f}
    article["mentions"] = [m for m in mentions if m not in proposals.entries["entities"] or m in used_keys]
    article["draft"] = True
    sheet = SHEET.ordered({"article": ARTICLE.ordered(article), "facts": facts})
    pending_out = [pending_dict(c) for c in pending if c.kind != "observation" or c.as_written]
    _prune(proposals, sheet, pending_out)
    return Draft(article_id, sheet, proposals.to_dict(text), pending_out, text, warnings)


def _prune(proposals: Proposals, sheet: Doc, pending: list[Doc]) -> None:
    """Keep only the proposals the draft or its pending figures refer to (directly, or through another
    proposal)."""
    refs: set[tuple[str, str]] = set()
    for p in pending:
        refs |= {("entities", p[k]) for k in ("subject", "source") if p.get(k)}
    art = sheet["article"]
    refs.add(("entities", art["publisher"]))
    refs |= {("entities", m) for m in art.get("mentions", [])}
    for f in sheet["facts"]:
        refs.add(("entities", f["subject"]))
        if "source" in f:
            refs.add(("entities", f["source"]))
        for field_, section in (("indicator", "indicators"), ("ranking", "rankings"), ("unit", "units")):
            if field_ in f:
                refs.add((section, f[field_]))
        if "group" in f:
            refs.add(("classifications", f["group"].split("/")[0]))
        if "equivalent" in f:
            refs.add(("units", f["equivalent"]["unit"]))
    changed = True
    while changed:
        changed = False
        for section, key in list(refs):
            entry = proposals.entries[section].get(key)
            if not entry:
                continue
            for field_, target in (("unit", "units"), ("publisher", "entities"), ("employer", "entities"),
                                   ("criterion", "indicators"), ("country", "entities")):
                if field_ in entry and (target, entry[field_]) not in refs:
                    refs.add((target, entry[field_]))
                    changed = True
    for section, entries in proposals.entries.items():
        for key in list(entries):
            if (section, key) not in refs:
                del entries[key]

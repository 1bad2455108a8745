"""Assembling a draft fact sheet (docs/fact-sheets.md format, ``draft: true``) and its proposals file.

The draft only refers to registry keys that exist, so ``kg build`` accepts it as is. Everything the reviewer
has to decide lands in ``<id>.proposed.yaml`` beside it: names the registries do not know (proposed entities)
and figures the extractor found but could not pin to a subject and a measure (pending).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import yaml

from ..yamlsource import MAX_INTEGER_DIGITS, decimal_problem
from .engine import Candidate

_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, fallback: str) -> str:
    slug = _SLUG.sub("-", text.lower()).strip("-")
    return slug or fallback


class _Dumper(yaml.SafeDumper):
    pass


def _decimal(dumper: yaml.SafeDumper, value: Decimal):
    text = format(value, "f")
    tag = "tag:yaml.org,2002:int" if "." not in text else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, text)


_Dumper.add_representer(Decimal, _decimal)


def dump_yaml(data) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100000,
                     default_flow_style=False)


@dataclass
class Draft:
    """A draft fact sheet (``sheet``) and what the reviewer must decide (``proposed``)."""

    article_id: str
    sheet: dict
    proposed: dict
    text: str
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return self.sheet

    def to_yaml(self) -> str:
        return dump_yaml(self.sheet)

    def proposed_yaml(self) -> str | None:
        return dump_yaml(self.proposed) if any(self.proposed.values()) else None


def fact_key(c: Candidate) -> tuple:
    amount = c.value if c.kind == "observation" else c.rank if c.kind == "rank" else None
    return (c.subject, c.kind, c.measure, amount)


def _within_limits(c: Candidate) -> bool:
    """Whether the loader will accept the candidate's numbers (kg.yamlsource's limits), so a draft always loads."""
    numbers = [c.value, (c.equivalent or {}).get("value")]
    try:
        if any(decimal_problem(Decimal(str(n))) for n in numbers if n is not None):
            return False
    except InvalidOperation:
        return False
    return c.rank is None or abs(c.rank) < 10 ** MAX_INTEGER_DIGITS


def select(candidates: list[Candidate]) -> tuple[list[Candidate], list[Candidate]]:
    """Facts for the draft (one per key, the most confident), and the candidates left for the reviewer."""
    best: dict[tuple, Candidate] = {}
    pending: list[Candidate] = []
    for c in candidates:
        if not c.problem and not _within_limits(c):
            c.problem = "the figure is outside what a fact sheet may hold (within ±10^20, 18 decimal places)"
        if c.problem or c.subject is None or c.measure is None:
            pending.append(c)
            continue
        key = fact_key(c)
        if key not in best or c.confidence > best[key].confidence:
            best[key] = c
    # A headline repeats the body in fewer words; where the body states the same subject and figure under another
    # measure, the body's reading (with its full context) wins and the headline's is left to the reviewer.
    body = {(k[0], k[1], k[3]) for k, c in best.items() if not c.sentence.headline}
    for key, c in list(best.items()):
        if c.sentence.headline and (key[0], key[1], key[3]) in body \
                and not any(k == key for k, b in best.items() if not b.sentence.headline):
            del best[key]
            c.problem = "the body states this figure under another measure"
            pending.append(c)
    chosen = sorted(best.values(), key=lambda c: (c.sentence.start + c.span[0], c.kind, str(c.subject)))
    return chosen, pending


def _fact_id(c: Candidate, used: set[str]) -> str:
    prefix = {"observation": "obs", "rank": "rank", "membership": "member"}[c.kind]
    measure = (c.measure or "").split("/")[-1]
    base = slugify(f"{prefix}-{c.subject}-{measure}", prefix)
    if c.kind == "rank" and c.period:
        base = f"{base}-{c.period}"
    fid, n = base, 2
    while fid in used:
        fid, n = f"{base}-{n}", n + 1
    used.add(fid)
    return fid


def fact_dict(c: Candidate, fid: str) -> dict:
    s = c.sentence
    d: dict = {"id": fid, "kind": c.kind, "subject": c.subject}
    if c.kind == "observation":
        d["indicator"] = c.measure
        d["value"] = c.value
        if c.unit:
            d["unit"] = c.unit
        d["as_written"] = c.as_written
        if c.equivalent:
            d["equivalent"] = dict(c.equivalent)
    elif c.kind == "rank":
        d["ranking"] = c.measure
        d["rank"] = c.rank
        if c.out_of:
            d["out_of"] = c.out_of
        if c.as_written:
            d["as_written"] = c.as_written
    else:
        d["group"] = c.measure
    d["approximate"] = bool(c.approximate)
    if c.period:
        d["period"] = int(c.period) if c.period.isdigit() else c.period
        if c.period_note:
            d["period_note"] = c.period_note
    if c.source:
        d["source"] = c.source
    d["attribution"] = c.attribution if c.source else "none"
    d["evidence"] = {"text": s.text, "start": s.start, "end": s.end}
    d["confidence"] = Decimal(str(round(c.confidence, 2)))
    if c.note:
        d["note"] = c.note
    return d


def pending_dict(c: Candidate) -> dict:
    s = c.sentence
    d: dict = {"kind": c.kind, "problem": c.problem or "incomplete"}
    if c.subject:
        d["subject"] = c.subject
    if c.subject_name:
        d["subject_name"] = c.subject_name
    if c.measure:
        d["measure"] = c.measure
    if c.kind == "observation":
        d["value"] = c.value
        d["as_written"] = c.as_written
    elif c.kind == "rank":
        d["rank"] = c.rank
    d["evidence"] = {"text": s.text, "start": s.start, "end": s.end}
    return d


def build_draft(*, article_id: str, title: str, publisher: str, language: str, published: dt.date,
                published_note: str | None, url: str | None, text: str, mentions: list[str],
                candidates: list[Candidate], proposed_entities: dict, warnings: list[str]) -> Draft:
    chosen, pending = select(candidates)
    used: set[str] = set()
    facts = [fact_dict(c, _fact_id(c, used)) for c in chosen]
    article: dict = {"id": article_id, "title": title, "publisher": publisher, "language": language,
                     "published": published.isoformat()}
    if published_note:
        article["published_note"] = published_note
    if url:
        article["url"] = url
    article["text_sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    article["mentions"] = mentions
    article["draft"] = True
    sheet = {"article": article, "facts": facts}
    for c in candidates:
        if c.speaker:
            key = slugify(c.speaker["name"], "person-" + hashlib.sha1(c.speaker["name"].encode()).hexdigest()[:8])
            entry = {"type": "person", "label": {language: c.speaker["name"]},
                     "role": {language: c.speaker["role"]}, "employer": c.speaker["employer"],
                     "note": "quoted in the article; add an English label"}
            if language == "en":
                entry["label"] = {"en": c.speaker["name"]}
            proposed_entities.setdefault(key, entry)
    for c in pending:
        if c.subject_name and c.subject is None:
            key = slugify(c.subject_name, "entity-" + hashlib.sha1(c.subject_name.encode()).hexdigest()[:8])
            proposed_entities.setdefault(key, {"type": "company", "label": {"en": c.subject_name, language: c.subject_name},
                                               "note": "type and labels are guesses; check them"})
    proposed = {"proposed_entities": proposed_entities,
                "pending_facts": [pending_dict(c) for c in pending if c.kind != "observation" or c.as_written]}
    return Draft(article_id, sheet, proposed, text, warnings)

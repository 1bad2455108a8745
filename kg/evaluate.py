"""Score draft fact sheets (output of ``kg extract``) against hand-checked gold fact sheets.

Counting rule: a fact is reduced to its *key* ``(subject, kind, measure, amount)`` where the measure is the
indicator (observations), the ranking series (rank entries) or the group (memberships) and the amount is the
value compared as an exact Decimal (observations), the rank (rank entries) or nothing (memberships).
Evidence, period, source, attribution and approximateness are not part of the key. Keys are matched as
multisets: a key the gold sheet holds twice must be drafted twice to earn two matches, and a draft repeating
a key the gold holds once earns one match and one false positive.

Precision is matched / drafted, recall matched / gold, F1 their harmonic mean. With nothing drafted
precision is 1.0 (nothing wrong was claimed); with nothing in the gold sheet recall is 1.0. "Overall" scores
are micro-averaged: counts are summed over articles first.

This module does not print. ``kg.cli`` calls :func:`run_evaluation` and renders with :func:`render_table`
or :func:`to_json`.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import yaml

from .errors import InputError, Location

KINDS = ("observation", "rank", "membership")
_MEASURE_FIELD = {"observation": "indicator", "rank": "ranking", "membership": "group"}

SEED_GROUP = "seed"
HELD_OUT_GROUP = "held-out"


@dataclass(frozen=True, order=True)
class FactKey:
    """What has to agree for a drafted fact to count as a gold fact."""

    kind: str
    subject: str
    measure: str
    amount: str  # canonical Decimal text for values and ranks, "" for memberships

    def __str__(self) -> str:
        if self.kind == "observation":
            return f"{self.subject} {self.measure} = {self.amount}"
        if self.kind == "rank":
            return f"{self.subject} {self.measure} #{self.amount}"
        return f"{self.subject} in {self.measure}"


def canonical_amount(value: Any) -> str:
    """``value`` as canonical decimal text ("35000", "44.4"), so 35000, "35000.0" and 3.5E4 agree.

    Floats (PyYAML reads ``44.4`` as a float) go through their shortest repr, never their binary value.
    A value that is not a number is returned as ``"?" + text`` so it can never match a number.
    """
    if isinstance(value, bool) or value is None:
        return f"?{value!r}"
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return f"?{value!r}"
    if not number.is_finite():
        return f"?{value!r}"
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")


def fact_key(fact: Mapping[str, Any]) -> FactKey:
    """The key of one fact mapping as found under ``facts:`` in a fact sheet (gold or draft)."""
    kind = str(fact.get("kind", ""))
    measure_field = _MEASURE_FIELD.get(kind, "")
    measure = str(fact.get(measure_field, "")) if measure_field else ""
    if kind == "observation":
        amount = canonical_amount(fact.get("value"))
    elif kind == "rank":
        amount = canonical_amount(fact.get("rank"))
    else:
        amount = ""
    return FactKey(kind=kind, subject=str(fact.get("subject", "")), measure=measure, amount=amount)


@dataclass(frozen=True)
class Counts:
    """Matched, drafted and gold fact counts, with the scores they give."""

    matched: int = 0
    drafted: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.matched / self.drafted if self.drafted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(self.matched + other.matched, self.drafted + other.drafted, self.gold + other.gold)

    def as_dict(self) -> dict[str, Any]:
        return {
            "matched": self.matched,
            "drafted": self.drafted,
            "gold": self.gold,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass(frozen=True)
class ArticleScore:
    """The score of one article's draft against its gold sheet, with what was invented and what was missed."""

    article: str
    counts: Counts
    false_positives: tuple[FactKey, ...] = ()
    misses: tuple[FactKey, ...] = ()
    group: str = HELD_OUT_GROUP
    matches: tuple[FactKey, ...] = ()
    language: str = ""
    error: str | None = None  # the extractor failed on this article: everything counts as missed

    def as_dict(self) -> dict[str, Any]:
        out = {"article": self.article, "group": self.group, "language": self.language, **self.counts.as_dict()}
        out["false_positives"] = [str(k) for k in self.false_positives]
        out["misses"] = [str(k) for k in self.misses]
        if self.error:
            out["error"] = self.error
        return out


def score_facts(
    draft: Iterable[Mapping[str, Any]], gold: Iterable[Mapping[str, Any]], *, article: str = ""
) -> ArticleScore:
    """Compare two lists of fact mappings by the counting rule in the module docstring."""
    draft_keys = Counter(fact_key(f) for f in draft)
    gold_keys = Counter(fact_key(f) for f in gold)
    matched = draft_keys & gold_keys
    extra = draft_keys - gold_keys
    missing = gold_keys - draft_keys
    counts = Counts(sum(matched.values()), sum(draft_keys.values()), sum(gold_keys.values()))
    return ArticleScore(
        article=article,
        counts=counts,
        false_positives=tuple(sorted(extra.elements())),
        misses=tuple(sorted(missing.elements())),
        matches=tuple(sorted(matched.elements())),
    )


def sheet_facts(sheet: Any, where: str) -> list[Mapping[str, Any]]:
    """The ``facts`` list of a fact sheet mapping (an empty or absent list is fine)."""
    if not isinstance(sheet, Mapping):
        raise InputError("a fact sheet must be a mapping with 'article' and 'facts'", location=Location.of(where))
    facts = sheet.get("facts") or []
    if not isinstance(facts, list) or not all(isinstance(f, Mapping) for f in facts):
        raise InputError("'facts' must be a list of mappings", location=Location.of(where))
    return facts


@dataclass(frozen=True)
class EvalCase:
    """One article of the evaluation set: its text, its gold sheet and what the extractor is told about it."""

    article: str
    text_path: Path
    gold_path: Path
    language: str
    published: date | None
    group: str = HELD_OUT_GROUP


@dataclass(frozen=True)
class Evaluation:
    """Scores for every article of the set; overall scores are micro-averaged."""

    articles: tuple[ArticleScore, ...]
    notes: tuple[str, ...] = ()

    def total(self, group: str | None = None) -> Counts:
        total = Counts()
        for score in self.articles:
            if group is None or score.group == group:
                total = total + score.counts
        return total

    def by_kind(self, group: str | None = None) -> dict[str, Counts]:
        """Micro-averaged counts per fact kind (observation, rank, membership)."""
        out = {}
        for kind in KINDS:
            total = Counts()
            for s in self.articles:
                if group is None or s.group == group:
                    m = sum(k.kind == kind for k in s.matches)
                    total = total + Counts(m, m + sum(k.kind == kind for k in s.false_positives),
                                           m + sum(k.kind == kind for k in s.misses))
            out[kind] = total
        return out

    def groups(self) -> list[str]:
        seen = [s.group for s in self.articles]
        return [g for g in (SEED_GROUP, HELD_OUT_GROUP) if g in seen]

    def as_dict(self) -> dict[str, Any]:
        return {
            "articles": [s.as_dict() for s in self.articles],
            "overall": {
                **{g: self.total(g).as_dict() for g in self.groups()},
                "all": self.total().as_dict(),
            },
            "by_kind": {
                g or "all": {k: c.as_dict() for k, c in self.by_kind(g).items()}
                for g in [*self.groups(), None]
            },
            "notes": list(self.notes),
        }


def read_sheet(path: Path) -> dict[str, Any]:
    """A fact sheet read as plain YAML (drafts may name entities the registries do not know yet)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read fact sheet: {exc.strerror or exc}", location=Location.of(path)) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        loc = Location.of(path, mark.line + 1, mark.column + 1) if mark else Location.of(path)
        raise InputError(f"not valid YAML: {getattr(exc, 'problem', exc)}", location=loc) from exc
    sheet_facts(data, str(path))
    return data


def _case_from_gold(gold_path: Path, text_path: Path, group: str) -> EvalCase:
    sheet = read_sheet(gold_path)
    meta = sheet.get("article") or {}
    published = meta.get("published")
    if isinstance(published, str):
        try:
            published = date.fromisoformat(published)
        except ValueError:
            published = None
    return EvalCase(
        article=str(meta.get("id") or gold_path.stem),
        text_path=text_path,
        gold_path=gold_path,
        language=str(meta.get("language") or ""),
        published=published if isinstance(published, date) else None,
        group=group,
    )


def find_cases(
    gold_dir: Path, articles_dir: Path, *, seed_text: Path | None = None, seed_gold: Path | None = None
) -> tuple[list[EvalCase], list[str]]:
    """Pair every ``gold_dir/<id>.yaml`` with its article ``articles_dir/<id>.html`` (preferred, so the HTML path
    of the extractor is exercised), ``.txt`` or ``.md``; add the seed article. Gold evidence offsets always refer
    to the ``.txt`` text; scoring does not use offsets.

    Returns the cases in a stable order (seed first, then by id) and notes about anything skipped.
    """
    notes: list[str] = []
    cases: list[EvalCase] = []
    if seed_text is not None and seed_gold is not None:
        if seed_text.is_file() and seed_gold.is_file():
            cases.append(_case_from_gold(seed_gold, seed_text, SEED_GROUP))
        else:
            missing = seed_text if not seed_text.is_file() else seed_gold
            notes.append(f"seed article skipped: {missing} not found")
    if not gold_dir.is_dir():
        raise InputError("gold folder not found", location=Location.of(gold_dir), hint="pass --gold DIR")
    if not articles_dir.is_dir():
        raise InputError("articles folder not found", location=Location.of(articles_dir), hint="pass --articles DIR")
    for gold_path in sorted(gold_dir.glob("*.yaml")):
        candidates = [articles_dir / f"{gold_path.stem}{ext}" for ext in (".html", ".txt", ".md")]
        text_path = next((p for p in candidates if p.is_file()), None)
        if text_path is None:
            raise InputError(
                f"no article text for gold sheet {gold_path.name}",
                location=Location.of(articles_dir),
                hint=f"add {gold_path.stem}.txt",
            )
        cases.append(_case_from_gold(gold_path, text_path, HELD_OUT_GROUP))
    return cases, notes


Extractor = Callable[[EvalCase], Any]


def evaluate(cases: Sequence[EvalCase], extract: Extractor, notes: Sequence[str] = ()) -> Evaluation:
    """Run ``extract`` on every case and score its draft (a fact sheet mapping) against the case's gold."""
    scores = []
    for case in cases:
        gold = sheet_facts(read_sheet(case.gold_path), str(case.gold_path))
        error = None
        try:
            draft = sheet_facts(extract(case), f"draft of {case.article}")
        except Exception as exc:  # noqa: BLE001 - one failing article must not hide the others' scores
            draft, error = [], f"{type(exc).__name__}: {exc}"
        score = score_facts(draft, gold, article=case.article)
        scores.append(
            ArticleScore(
                article=score.article,
                counts=score.counts,
                false_positives=score.false_positives,
                misses=score.misses,
                matches=score.matches,
                group=case.group,
                language=case.language,
                error=error,
            )
        )
    return Evaluation(articles=tuple(scores), notes=tuple(notes))


def draft_as_mapping(draft: Any) -> Any:
    """Whatever the extractor returns, as a fact sheet mapping: a mapping, YAML text, or an object with a
    ``to_dict()``/``as_dict()``/``to_yaml()`` method."""
    if isinstance(draft, Mapping):
        return draft
    if isinstance(draft, str):
        return yaml.safe_load(draft)
    for name in ("to_dict", "as_dict", "to_mapping", "sheet"):
        attr = getattr(draft, name, None)
        if callable(attr):
            return attr()
        if isinstance(attr, Mapping):
            return attr
    for name in ("to_yaml", "dump"):
        attr = getattr(draft, name, None)
        if callable(attr):
            return yaml.safe_load(attr())
    facts = getattr(draft, "facts", None)
    if isinstance(facts, list):
        return {"facts": [f if isinstance(f, Mapping) else vars(f) for f in facts]}
    raise TypeError(f"cannot read a draft of type {type(draft).__name__}")


def extractor_for(registry: Any) -> Extractor:
    """An extractor calling ``kg.extract.extract_file`` (imported only now: it loads a language model)."""
    from . import extract as extract_module  # lazy: heavy, and absent from a checkout without the extractor

    def run(case: EvalCase) -> Any:
        draft = extract_module.extract_file(
            case.text_path, registry, lang=case.language or "auto", date=case.published, article_id=case.article
        )
        return draft_as_mapping(draft)

    return run


def run_evaluation(
    gold_dir: Path,
    articles_dir: Path,
    *,
    data_dir: Path,
    seed_text: Path | None = None,
    seed_gold: Path | None = None,
    extra_registries: Path | None = None,
) -> Evaluation:
    """Extract every article of the evaluation set (and the seed article) and score the drafts.

    ``extra_registries`` holds entries only the evaluation articles need (made-up publishers and people, and the
    measures they report); they are read besides ``data_dir/registries`` but never built into the graph."""
    from .load import load_registries  # lazy: keeps ``import kg.evaluate`` light for the scorer alone

    cases, notes = find_cases(gold_dir, articles_dir, seed_text=seed_text, seed_gold=seed_gold)
    folders = [data_dir / "registries"]
    if extra_registries is not None and Path(extra_registries).is_dir():
        folders.append(Path(extra_registries))
    registry = load_registries(folders)
    return evaluate(cases, extractor_for(registry), notes)


def _fmt(x: float) -> str:
    return f"{x:.3f}"


def render_table(evaluation: Evaluation, *, verbose: bool = False) -> str:
    """A plain-text table: one row per article, then the micro-averaged totals per group and overall."""
    header = ("article", "group", "lang", "gold", "draft", "match", "P", "R", "F1")
    rows: list[tuple[str, ...]] = []
    for s in evaluation.articles:
        c = s.counts
        name = s.article + (" (extractor failed)" if s.error else "")
        rows.append((name, s.group, s.language, str(c.gold), str(c.drafted), str(c.matched),
                     _fmt(c.precision) if c.drafted else "-", _fmt(c.recall), _fmt(c.f1)))
    totals: list[tuple[str, ...]] = []
    for label, group in [(f"overall {g}", g) for g in evaluation.groups()] + [("overall all", None)]:
        c = evaluation.total(group)
        totals.append((label, "", "", str(c.gold), str(c.drafted), str(c.matched),
                       _fmt(c.precision), _fmt(c.recall), _fmt(c.f1)))
    if HELD_OUT_GROUP in evaluation.groups():
        for kind, c in evaluation.by_kind(HELD_OUT_GROUP).items():
            totals.append((f"  held-out {kind}", "", "", str(c.gold), str(c.drafted), str(c.matched),
                           _fmt(c.precision), _fmt(c.recall), _fmt(c.f1)))
    widths = [max(len(r[i]) for r in [header, *rows, *totals]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [line(header), rule, *map(line, rows), rule, *map(line, totals)]
    if verbose:
        for s in evaluation.articles:
            if not (s.false_positives or s.misses or s.error):
                continue
            out.append("")
            out.append(f"{s.article}:")
            if s.error:
                out.append(f"  extractor error: {s.error}")
            out.extend(f"  + false positive: {k}" for k in s.false_positives)
            out.extend(f"  - missed:         {k}" for k in s.misses)
    out.extend(f"note: {n}" for n in evaluation.notes)
    return "\n".join(out) + "\n"


def to_json(evaluation: Evaluation) -> str:
    return json.dumps(evaluation.as_dict(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"

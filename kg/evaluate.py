"""Score draft fact sheets (output of ``kg extract``) against hand-checked gold fact sheets.

Counting rule: a fact is reduced to its *key* (``kg.schema.FactKey``: kind, subject, measure, amount) where the
measure is the indicator (observations), the ranking series (rank entries) or the group (memberships) and the
amount is the value compared as an exact Decimal (observations), the rank (rank entries) or nothing (memberships).
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
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterable, Mapping, Sequence

import yaml

from .errors import InputError, Location
from .schema import FACT_KINDS as KINDS
from .schema import QUALIFIERS, FactKey, fact_key
from .schema import canonical_amount as canonical_amount  # re-exported: scoring compares amounts this way
from .yamlsource import Node, Source, read_plain

SEED_GROUP = "seed"
HELD_OUT_GROUP = "held-out"


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

    def __add__(self, other: Counts) -> Counts:
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
    """A fact sheet read as plain data (drafts may name entities the registries do not know yet), by the reader
    ``kg build`` uses (``kg.yamlsource``), so a broken file gets the same file:line:column error."""
    sheet: dict[str, Any] = read_plain(path)
    sheet_facts(sheet, str(path))   # a mapping, or an InputError
    return sheet


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
        return read_plain(Path("<draft>"), draft)
    for name in ("to_dict", "as_dict", "to_mapping", "sheet"):
        attr = getattr(draft, name, None)
        if callable(attr):
            return attr()
        if isinstance(attr, Mapping):
            return attr
    for name in ("to_yaml", "dump"):
        attr = getattr(draft, name, None)
        if callable(attr):
            return read_plain(Path("<draft>"), attr())
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
        return "  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

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


# ================================================================================================================
# Corpus gold files (``<id>.gold.yaml`` beside ``<id>.txt``, the format of ../shared/corpus/README.md) and the
# rules that match them against rows of the flat facts table (``kg facts --format csv``).
#
# The rules are those of the corpus's reference scorer (check_facts.py), written here in our own code so that
# ``kg eval-extract --corpus`` agrees with it on the same table (a test checks this):
#   - kind must be equal;
#   - subject: an ISO code is compared with the row's subject id (case-insensitive), a list of name words matches
#     when any word occurs in "<subject label> <subject id>", ``any`` always matches;
#   - measure (optional): any keyword occurs in "<measure label> <group label>";
#   - observation: the row's value (thousands separators removed) is within 0.5% of the gold value;
#   - rank: the rank is equal, and so is out_of when the gold gives one;
#   - membership: any ``group`` keyword occurs in "<measure label> <group label>";
#   - period (optional): the row's period starts with the gold period.
# All text comparisons are on stripped, lower-cased text. A gold fact is found when at least one row matches it;
# a row is matched when it matches at least one gold fact. Found facts are "attributed right" when the gold gives
# no ``source`` or a matching row's source contains one of its keywords. ``qualifier`` is not part of the match.
# ================================================================================================================
VALUE_TOLERANCE = 0.005
_GOLD_FACT_KEYS = {"id", "kind", "subject", "measure", "value", "rank", "out_of", "group", "period", "qualifier",
                   "source", "note"}


@dataclass(frozen=True)
class GoldFact:
    """One fact of a corpus gold file. ``subject`` is an ISO code (str), name words (tuple) or "any"."""

    id: str
    kind: str
    subject: str | tuple[str, ...]
    measure: tuple[str, ...] | None = None
    value: float | None = None
    rank: int | None = None
    out_of: int | None = None
    group: tuple[str, ...] | None = None
    period: str | None = None
    qualifier: str | None = None
    source: tuple[str, ...] | None = None

    def __str__(self) -> str:
        subject = self.subject if isinstance(self.subject, str) else "/".join(self.subject)
        measure = f" [{', '.join(self.measure)}]" if self.measure else ""
        if self.kind == "observation":
            amount = f" = {self.value:g}"
        elif self.kind == "rank":
            amount = f" #{self.rank}" + (f" of {self.out_of}" if self.out_of is not None else "")
        else:
            amount = f" in [{', '.join(self.group or ())}]"
        period = f" ({self.period})" if self.period else ""
        qualifier = f" {{{self.qualifier}}}" if self.qualifier else ""
        return f"{self.id}: {self.kind} {subject}{measure}{amount}{period}{qualifier}"


@dataclass(frozen=True)
class GoldFile:
    """A corpus gold file: the article id, its language and publication date, and its facts."""

    id: str
    lang: str
    date: date
    facts: tuple[GoldFact, ...]
    path: Path


def _keywords(node: Node, what: str) -> tuple[str, ...]:
    items = node.sequence(what)
    if not items:
        raise node.fail(f"{what} is an empty list", hint="give at least one keyword")
    return tuple(item.text_or_number(f"{what} item") for item in items)


def _gold_fact(node: Node, number: int) -> GoldFact:
    what = f"fact {number}"
    body = node.mapping(what)
    body.check_keys(_GOLD_FACT_KEYS)
    fid = body.require("id").text_or_number(f"{what}.id")
    what = f"fact {fid!r}"
    kind_node = body.require("kind")
    kind = kind_node.string(f"{what}.kind")
    if kind not in KINDS:
        raise kind_node.fail(f"{what}: unknown kind {kind!r}", hint=f"use one of: {', '.join(KINDS)}")
    subject_node = body.require("subject")
    if isinstance(subject_node.node, yaml.SequenceNode):
        subject: str | tuple[str, ...] = _keywords(subject_node, f"{what}.subject")
    else:
        subject = subject_node.string(f"{what}.subject")
    fields: dict[str, Any] = {"id": fid, "kind": kind, "subject": subject}
    for key in ("measure", "group", "source"):
        if (n := body.get(key)) is not None:
            fields[key] = _keywords(n, f"{what}.{key}")
    needed = {"observation": "value", "rank": "rank", "membership": "group"}[kind]
    if needed not in body or body.get(needed) is None:
        raise body.node.fail(f"{what}: kind {kind} needs {needed!r}")
    if (n := body.get("value")) is not None:
        fields["value"] = float(n.decimal(f"{what}.value"))
    for key in ("rank", "out_of"):
        if (n := body.get(key)) is not None:
            fields[key] = n.integer(f"{what}.{key}", minimum=1)
    if (n := body.get("period")) is not None:
        fields["period"] = n.text_or_number(f"{what}.period")
    if (n := body.get("qualifier")) is not None:
        qualifier = n.string(f"{what}.qualifier")
        if qualifier not in QUALIFIERS:
            raise n.fail(f"{what}: unknown qualifier {qualifier!r}", hint=f"use one of: {', '.join(QUALIFIERS)}")
        fields["qualifier"] = qualifier
    return GoldFact(**fields)


def read_gold(path: Path) -> GoldFile:
    """Read and check one ``<id>.gold.yaml``; a problem is an ``InputError`` naming file:line:column."""
    root = Source(Path(path)).root.mapping("a gold file")
    stem = Path(path).name.removesuffix(".gold.yaml")
    gid = stem
    if (n := root.get("id")) is not None:
        gid = n.text_or_number("id")
        if gid != stem:
            raise n.fail(f"id {gid!r} differs from the file name {Path(path).name!r}",
                         hint=f"name the file {gid}.gold.yaml or change the id")
    lang = root.require("lang").string("lang")
    published = root.require("date").date("date")
    if "facts" not in root:
        root.require("facts")  # raises: the gold file must list its facts (an empty list is fine)
    facts_node = root.get("facts")
    facts = tuple(_gold_fact(n, i) for i, n in enumerate(facts_node.sequence("facts"), start=1)) if facts_node else ()
    seen: dict[str, GoldFact] = {}
    for fact in facts:
        if fact.id in seen:
            raise InputError(f"fact id {fact.id!r} is used twice", location=Location.of(path),
                             hint="give every gold fact its own id")
        seen[fact.id] = fact
    return GoldFile(id=gid, lang=lang, date=published, facts=facts, path=Path(path))


def _norm(text: Any) -> str:
    return ("" if text is None else str(text)).strip().lower()


def _row_number(text: Any) -> float | None:
    try:
        return float(str(text).replace(",", ""))
    except ValueError:
        return None


def subject_matches(gold: GoldFact, row: Mapping[str, Any]) -> bool:
    if gold.subject == "any":
        return True
    if isinstance(gold.subject, str):
        return _norm(row.get("subject_id")) == gold.subject.lower()
    names = _norm(row.get("subject")) + " " + _norm(row.get("subject_id"))
    return any(word.lower() in names for word in gold.subject)


def row_matches(gold: GoldFact, row: Mapping[str, Any]) -> bool:
    """Whether one facts-table row (column name -> text) states this gold fact, by the rules above."""
    if _norm(row.get("kind")) != gold.kind or not subject_matches(gold, row):
        return False
    label = _norm(row.get("measure")) + " " + _norm(row.get("group"))
    if gold.measure is not None and not any(k.lower() in label for k in gold.measure):
        return False
    if gold.kind == "observation":
        value = _row_number(row.get("value"))
        if value is None or gold.value is None or abs(value - gold.value) > VALUE_TOLERANCE * abs(gold.value):
            return False
    elif gold.kind == "rank":
        if _row_number(row.get("rank")) != gold.rank:
            return False
        if gold.out_of is not None and _row_number(row.get("out_of")) != gold.out_of:
            return False
    elif not any(k.lower() in label for k in gold.group or ()):
        return False
    return gold.period is None or _norm(row.get("period")).startswith(gold.period)


@dataclass(frozen=True)
class Tally:
    """Counts behind recall (found / gold) and precision (matched rows / rows); summed for micro averages."""

    gold: int = 0
    found: int = 0
    rows: int = 0
    matched: int = 0
    sourced: int = 0         # found facts attributed right
    qualified: int = 0       # found facts whose gold has a qualifier
    qualifier_ok: int = 0    # ... and a matching row carries that qualifier
    qualified_gold: int = 0  # gold facts with a qualifier, found or not

    @property
    def recall(self) -> float | None:
        return self.found / self.gold if self.gold else None

    @property
    def precision(self) -> float | None:
        return self.matched / self.rows if self.rows else None

    def __add__(self, other: Tally) -> Tally:
        return Tally(*(a + b for a, b in zip(self._values(), other._values(), strict=True)))

    def _values(self) -> tuple[int, ...]:
        return (self.gold, self.found, self.rows, self.matched, self.sourced, self.qualified, self.qualifier_ok,
                self.qualified_gold)

    def as_dict(self) -> dict[str, Any]:
        r, p = self.recall, self.precision
        return {"gold": self.gold, "found": self.found, "rows": self.rows, "matched": self.matched,
                "recall": None if r is None else round(r, 4), "precision": None if p is None else round(p, 4),
                "attributed_right": self.sourced, "gold_with_qualifier": self.qualified_gold,
                "found_with_qualifier": self.qualified, "qualifier_carried": self.qualifier_ok}


@dataclass(frozen=True)
class RowScore:
    """How one gold file fares against the facts-table rows of its article."""

    tally: Tally
    by_kind: dict[str, Tally]
    misses: tuple[GoldFact, ...]
    unmatched: tuple[Mapping[str, Any], ...]
    qualifier_known: bool   # the rows have a ``qualifier`` column (``kg facts --extended``)


def score_rows(gold: Sequence[GoldFact], rows: Sequence[Mapping[str, Any]]) -> RowScore:
    """Score facts-table rows against gold facts: recall over gold facts, precision over rows, per kind too."""
    qualifier_known = any("qualifier" in row for row in rows)
    per_kind: dict[str, Counter[str]] = {k: Counter() for k in KINDS}
    misses = []
    matched_rows: set[int] = set()
    for g in gold:
        c = per_kind.setdefault(g.kind, Counter())
        c["gold"] += 1
        c["qualified_gold"] += g.qualifier is not None
        hits = [i for i, row in enumerate(rows) if row_matches(g, row)]
        if not hits:
            misses.append(g)
            continue
        matched_rows.update(hits)
        c["found"] += 1
        if g.source is None or any(any(k.lower() in _norm(rows[i].get("source")) for k in g.source) for i in hits):
            c["sourced"] += 1
        if g.qualifier is not None:
            c["qualified"] += 1
            if any(_norm(rows[i].get("qualifier")) == g.qualifier for i in hits):
                c["qualifier_ok"] += 1
    for i, row in enumerate(rows):
        c = per_kind.setdefault(_norm(row.get("kind")), Counter())
        c["rows"] += 1
        c["matched"] += i in matched_rows
    fields = ("gold", "found", "rows", "matched", "sourced", "qualified", "qualifier_ok", "qualified_gold")
    by_kind = {k: Tally(**{f: c[f] for f in fields}) for k, c in per_kind.items()}
    total = Tally()
    for t in by_kind.values():
        total = total + t
    unmatched = tuple(row for i, row in enumerate(rows) if i not in matched_rows)
    return RowScore(total, by_kind, tuple(misses), unmatched, qualifier_known)


def threshold_failures(recall: float | None, precision: float | None, *, min_recall: float | None = None,
                       min_precision: float | None = None) -> list[str]:
    """What falls short of the thresholds, one line each (empty: all met). An undefined figure (no gold facts, no
    rows) does not meet a threshold."""
    failures = []
    for name, value, need in (("recall", recall, min_recall), ("precision", precision, min_precision)):
        if need is not None and (value is None or value < need):
            shown = "undefined" if value is None else f"{value:.4f}"
            failures.append(f"overall {name} {shown} is below --min-{name} {need:g}")
    return failures

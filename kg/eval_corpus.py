"""``kg eval-extract --corpus DIR``: measure the whole user chain on a folder of real texts with gold files.

For every ``<id>.txt`` with an ``<id>.gold.yaml`` beside it (the format of ``../shared/corpus/README.md``), the
chain a user runs is run through the library, each article in a fresh working folder W:

1. extract: :func:`kg.extract.extract_paths` on the text, with the gold ``date`` as publication date, into W/X;
2. build: :func:`kg.build.build` on ``DATA`` and W/X into the store W/store (no output files, no HTML);
3. facts: the rows of the flat facts table for the drafted article (:func:`kg.facts.facts_rows`, the rows
   ``kg facts --format csv`` prints);
4. score: :func:`kg.evaluate.score_rows`, the rules of the corpus's reference scorer.

A failure at any step is that article's one-line error: it counts as no rows (so every gold fact is missed) and the
other articles are still evaluated. This module does not print; ``kg.cli`` renders the result.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterable, Mapping, Sequence

from .errors import InputError, KgError, Location
from .evaluate import GoldFile, RowScore, Tally, read_gold, score_rows
from .schema import FACT_KINDS as KINDS

TEXT_SUFFIXES = (".txt", ".md", ".html")
GOLD_SUFFIX = ".gold.yaml"


@dataclass(frozen=True)
class CorpusCase:
    """One article of a corpus folder: its text and its gold file."""

    id: str
    text_path: Path
    gold: GoldFile


def find_corpus(corpus_dir: Path, only: Sequence[str] = ()) -> list[CorpusCase]:
    """Every ``<id>.gold.yaml`` of ``corpus_dir`` with its text (``<id>.txt``, else ``.md`` or ``.html``), by id.

    ``only`` keeps the named ids (each must exist). Gold files are read and checked here, before anything runs."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise InputError("corpus folder not found", location=Location.of(corpus_dir), hint="pass --corpus DIR")
    golds = {p.name[: -len(GOLD_SUFFIX)]: p for p in sorted(corpus_dir.glob("*" + GOLD_SUFFIX))}
    if not golds:
        raise InputError("no gold files (<id>.gold.yaml) in the corpus folder", location=Location.of(corpus_dir))
    for wanted in only:
        if wanted not in golds:
            raise InputError(f"no gold file for article {wanted!r}", location=Location.of(corpus_dir),
                             hint="give the id of an <id>.gold.yaml in the folder")
    cases = []
    for article_id, gold_path in golds.items():
        if only and article_id not in only:
            continue
        text_path = next((p for s in TEXT_SUFFIXES if (p := corpus_dir / f"{article_id}{s}").is_file()), None)
        if text_path is None:
            raise InputError(f"no article text for {gold_path.name}", location=Location.of(corpus_dir),
                             hint=f"add {article_id}.txt")
        cases.append(CorpusCase(article_id, text_path, read_gold(gold_path)))
    return cases


# ------------------------------------------------------------------------------------------------ the chain
class ChainError(Exception):
    """A step of the chain failed for one article; ``str()`` is the one-line report."""


@dataclass
class ChainOutput:
    """What the chain gives for one article: the facts-table rows (column -> text) and what was seen on the way."""

    article_ids: list[str]
    columns: list[str]
    rows: list[dict[str, str]]
    violations: int = 0


def _one_line(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, KgError) else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())


def run_chain(case: CorpusCase, data_dir: Path, work: Path) -> ChainOutput:
    """Extract, build and read the facts of one article in the folder ``work``; raises :class:`ChainError`."""
    from .build import build
    from .extract import extract_paths

    drafts = work / "X"
    try:
        extract_paths([case.text_path], data_dir=data_dir, out_dir=drafts, lang="auto", date=case.gold.date,
                      jobs=1)
    except Exception as exc:
        raise ChainError(f"extract failed: {_one_line(exc)}") from exc
    article_ids = sorted(p.stem for p in (drafts / "articles").glob("*.yaml"))
    if not article_ids:
        raise ChainError("extract failed: no draft fact sheet was written")
    try:
        summary = build([data_dir, drafts], out_dir=None, store_path=work / "store", html=False)
    except Exception as exc:
        raise ChainError(f"build failed: {_one_line(exc)}") from exc
    try:
        columns, rows = _facts_rows(work / "store", article_ids)
    except Exception as exc:
        raise ChainError(f"facts failed: {_one_line(exc)}") from exc
    return ChainOutput(article_ids, columns, rows, summary.violations)


def _facts_rows(store_path: Path, article_ids: Sequence[str]) -> tuple[list[str], list[dict[str, str]]]:
    """The rows of ``kg facts --extended --format csv`` for these articles, as column -> text: the 13 columns the
    reference scorer reads, then ``qualifier`` and the other extended columns."""
    from .facts import columns as facts_columns
    from .facts import facts_rows
    from .store import KgStore

    columns = facts_columns(extended=True)
    rows: list[dict[str, str]] = []
    with KgStore(store_path, read_only=True) as store:
        for article_id in article_ids:
            for row in facts_rows(store, article=article_id, extended=True):
                rows.append({c: "" if v is None else str(v) for c, v in zip(columns, row, strict=True)})
    return columns, rows


# ------------------------------------------------------------------------------------------------ results
@dataclass(frozen=True)
class ArticleResult:
    """One article's score, or the error that stopped its chain (then it has no rows)."""

    id: str
    lang: str
    score: RowScore
    error: str | None = None
    violations: int = 0
    qualifier_known: bool = False

    @property
    def tally(self) -> Tally:
        return self.score.tally

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "lang": self.lang, **self.tally.as_dict()}
        if self.error:
            out["error"] = self.error
        if self.violations:
            out["violations"] = self.violations
        out["misses"] = [str(g) for g in self.score.misses]
        out["unmatched_rows"] = [dict(r) for r in self.score.unmatched]
        return out


@dataclass(frozen=True)
class CorpusEvaluation:
    """Every article's result; the overall, per-kind and per-language figures are micro averages."""

    articles: tuple[ArticleResult, ...]

    def total(self) -> Tally:
        return _sum(a.tally for a in self.articles)

    def by_kind(self) -> dict[str, Tally]:
        kinds = list(KINDS) + sorted({k for a in self.articles for k in a.score.by_kind} - set(KINDS))
        return {k: _sum(a.score.by_kind.get(k, Tally()) for a in self.articles) for k in kinds}

    def by_language(self) -> dict[str, Tally]:
        return {lang: _sum(a.tally for a in self.articles if a.lang == lang)
                for lang in sorted({a.lang for a in self.articles})}

    @property
    def qualifier_known(self) -> bool:
        return any(a.qualifier_known for a in self.articles)

    def as_dict(self) -> dict[str, Any]:
        return {
            "articles": [a.as_dict() for a in self.articles],
            "overall": self.total().as_dict(),
            "by_kind": {k: t.as_dict() for k, t in self.by_kind().items()},
            "by_language": {k: t.as_dict() for k, t in self.by_language().items()},
            "qualifier_measured": self.qualifier_known,
        }


def _sum(tallies: Iterable[Tally]) -> Tally:
    total = Tally()
    for t in tallies:
        total = total + t
    return total


def evaluate_case(case: CorpusCase, data_dir: Path, work: Path) -> ArticleResult:
    """Run the chain on one article in ``work`` and score its rows; a chain failure becomes the result's error."""
    try:
        out = run_chain(case, data_dir, work)
    except ChainError as exc:
        return ArticleResult(case.id, case.gold.lang, score_rows(case.gold.facts, []), error=str(exc))
    return ArticleResult(case.id, case.gold.lang, score_rows(case.gold.facts, out.rows),
                         violations=out.violations, qualifier_known="qualifier" in out.columns)


def run_corpus_evaluation(corpus_dir: Path, *, data_dir: Path = Path("data"), only: Sequence[str] = (),
                          keep_dir: Path | None = None,
                          progress: Callable[[int, int], None] | None = None) -> CorpusEvaluation:
    """Evaluate the whole chain on every article of ``corpus_dir`` (or the ids in ``only``).

    Each article runs in its own temporary folder, removed afterwards, or in ``keep_dir/<id>/`` (emptied first and
    kept, so its drafts ``X/`` and store ``store/`` can be inspected)."""
    data_dir = Path(data_dir)
    if not (data_dir / "registries").is_dir():
        raise InputError("no registries folder", location=Location.of(data_dir / "registries"),
                         hint="give the data folder with --data (it holds registries/)")
    cases = find_corpus(corpus_dir, only)
    results = []
    for number, case in enumerate(cases, start=1):
        if keep_dir is not None:
            work = Path(keep_dir) / case.id
            if work.exists():
                shutil.rmtree(work)
            work.mkdir(parents=True)
            results.append(evaluate_case(case, data_dir, work))
        else:
            with tempfile.TemporaryDirectory(prefix=f"kg-eval-{case.id}-") as tmp:
                results.append(evaluate_case(case, data_dir, Path(tmp)))
        if progress is not None:
            progress(number, len(cases))
    return CorpusEvaluation(tuple(results))


# ------------------------------------------------------------------------------------------------ rendering
_HEADER = ("article", "lang", "gold", "found", "rows", "matched", "recall", "precision", "attributed", "qualifier")


def _ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def _cells(name: str, lang: str, t: Tally, qualifier_known: bool) -> tuple[str, ...]:
    qualifier = "-" if not t.qualified else f"{t.qualifier_ok if qualifier_known else '?'}/{t.qualified}"
    return (name, lang, str(t.gold), str(t.found), str(t.rows), str(t.matched), _ratio(t.recall),
            _ratio(t.precision), f"{t.sourced}/{t.found}", qualifier)


def describe_row(row: Mapping[str, str]) -> str:
    """One facts-table row in a line: kind, subject, measure, the figure, period."""
    kind = row.get("kind", "")
    subject = row.get("subject_id", "") + (f" ({row['subject']})" if row.get("subject") else "")
    if kind == "observation":
        figure = f"= {row.get('value', '')} {row.get('unit', '')}".rstrip()
    elif kind == "rank":
        figure = f"#{row.get('rank', '')}" + (f" of {row['out_of']}" if row.get("out_of") else "")
    else:
        figure = f"in {row.get('group', '')}"
    period = f" ({row['period']})" if row.get("period") else ""
    qualifier = f" {{{row['qualifier']}}}" if row.get("qualifier") else ""
    return f"{kind} {subject} {row.get('measure', '')} {figure}{period}{qualifier}"


def render_corpus_table(evaluation: CorpusEvaluation, *, verbose: bool = False) -> str:
    """Per-article rows, then overall, per-kind and per-language micro figures, then the qualifier figure and
    errors; with ``verbose`` every miss and unmatched row."""
    known = evaluation.qualifier_known
    rows = [_cells(a.id + (" (failed)" if a.error else ""), a.lang, a.tally, known) for a in evaluation.articles]
    totals = [_cells("overall", "", evaluation.total(), known)]
    totals += [_cells(f"  {k}", "", t, known) for k, t in evaluation.by_kind().items()]
    totals += [_cells(f"  {lang}", "", t, known) for lang, t in evaluation.by_language().items()]
    widths = [max(len(r[i]) for r in [_HEADER, *rows, *totals]) for i in range(len(_HEADER))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [line(_HEADER), rule, *map(line, rows), rule, *map(line, totals)]
    total = evaluation.total()
    if total.qualified_gold:
        summary = (f"qualifier (not part of the match): {total.qualified_gold} gold facts have one, "
                 f"{total.qualified} of them were found")
        if not total.qualified:
            out.append(summary)
        elif known:
            out.append(f"{summary}, {total.qualifier_ok} of those carry it")
        else:
            out.append(f"{summary}; the facts table has no qualifier column, so whether they carry it is not measured")
    for a in evaluation.articles:
        if a.error:
            out.append(f"{a.id}: {a.error}")
        if a.violations:
            out.append(f"{a.id}: the build reported {a.violations} SHACL violation(s); its facts were read anyway")
    if verbose:
        for a in evaluation.articles:
            if not (a.score.misses or a.score.unmatched):
                continue
            out.append("")
            out.append(f"{a.id}:")
            out.extend(f"  - missed {g}" for g in a.score.misses)
            out.extend(f"  + unmatched row: {describe_row(r)}" for r in a.score.unmatched)
    return "\n".join(out) + "\n"


def corpus_json(evaluation: CorpusEvaluation) -> str:
    return json.dumps(evaluation.as_dict(), ensure_ascii=False, indent=2) + "\n"

"""``kg extract``: draft fact sheets from Korean and English article text.

Library entry points (no printing, errors as ``kg.errors`` exceptions):

- :func:`extract_file` — one article file → a :class:`~kg.extract.draft.Draft` (``to_dict()``, ``to_yaml()``);
- :func:`extract_many` — article files → drafts in order, the next article's Korean analysis running in
  kiwipiepy's threads while the rules read the current one (the same drafts as :func:`extract_file` one by one);
- :func:`extract_paths` — files and folders → drafts written to a folder, in parallel (one process per core, the
  language model and registries loaded once per process, each process drafting runs of files with
  :func:`extract_many`).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterable, Iterator

# first: kg.native puts the compiled rules on the import path (when they are built for these sources) before any
# module of kg.extract is imported
from ..native import STATUS as RULES_STATUS
from ..atomic import write_text
from ..errors import InputError, KgError, Location
from ..model import Registry
from ..yamlsource import read_plain
from .draft import Draft, build_draft, dump_yaml, slugify
from .engine import Engine
from .languages import LANGUAGES
from .propose import SECTIONS, normal, reading_names
from .ranked_by import rank_by_figures
from .resolve import Gazetteer
from .text import ArticleText, article_files, read_article

__all__ = ["RULES_STATUS", "Draft", "ExtractResult", "extract_file", "extract_many", "extract_paths", "extract_text",
           "prefetch", "write_batch"]

_GAZETTEERS: dict[int, Gazetteer] = {}


def _gazetteer(registry: Registry) -> Gazetteer:
    gaz = _GAZETTEERS.get(id(registry))
    if gaz is None or gaz.registry is not registry:
        gaz = Gazetteer(registry)
        _GAZETTEERS.clear()
        _GAZETTEERS[id(registry)] = gaz
    return gaz


_ENGINES: dict[tuple[int, str], Engine] = {}


def _engine(registry: Registry, lang: str) -> Engine:
    """One engine per registry and language in a process (keyword tables and analyser built once)."""
    engine = _ENGINES.get((id(registry), lang))
    if engine is None or engine.registry is not registry:
        gaz = _gazetteer(registry)
        spec = LANGUAGES.get(lang)
        if spec is None:
            raise InputError(f"unsupported language {lang!r}", hint="use " + " or ".join(sorted(LANGUAGES)))
        engine = Engine(registry, gaz, spec)
        if len(_ENGINES) > 8:
            _ENGINES.clear()
        _ENGINES[(id(registry), lang)] = engine
    return engine


def _publisher(article: ArticleText, gaz: Gazetteer, publisher: str | None) -> tuple[str | None, str | None]:
    """The publisher's key: given, else from the HTML site name, else the publisher named most in the text."""
    if publisher:
        return publisher, None
    if article.publisher_name:
        for m in gaz.find(article.publisher_name):
            if m.type == "publisher":
                return m.key, None
    counts: dict[str, int] = {}
    text = article.text
    for m in gaz.find_of_type(text, "publisher"):
        line_start = text.rfind("\n", 0, m.start) + 1
        line_end = text.find("\n", m.end)
        line = text[line_start:line_end if line_end >= 0 else len(text)]
        byline = len(line.strip()) < 60 and not line.rstrip().endswith((".", "다"))
        if m.start >= article.body_end or byline:
            counts[m.key] = counts.get(m.key, 0) + (2 if m.start >= article.body_end else 1)
    if counts:
        return max(sorted(counts), key=lambda k: counts[k]), None
    return None, article.publisher_name


def extract_text(article: ArticleText, registry: Registry, *, article_id: str | None = None,
                 publisher: str | None = None) -> Draft:
    """Draft a fact sheet for an article already read (see :func:`kg.extract.text.read_article`)."""
    if article.published is None:
        raise InputError("the publication date is unknown", location=Location.of(article.path),
                         hint="pass --date YYYY-MM-DD (relative dates such as 지난해 are read against it)")
    engine = _engine(registry, article.language)
    gaz = engine.gaz
    candidates, mentions, proposals = engine.run(article.text, article.body_end, article.published.year)
    rank_by_figures(candidates, registry, proposals, article.language)
    warnings: list[str] = []
    pub_key, pub_name = _publisher(article, gaz, publisher)
    if pub_key is None:
        # the article must name a publisher: propose one (its name as the page gives it, when it does)
        name = pub_name or "unknown publisher"
        pub_key = proposals.entity(name, "en", "publisher", "the publisher of a drafted article; check the name")
        warnings.append(f"{article.path}: publisher {name!r} is not in the registries; proposed as {pub_key!r}")
    elif pub_key not in registry.entities and pub_key not in proposals.entries["entities"]:
        raise InputError(f"unknown publisher {pub_key!r}", location=Location.of(article.path),
                         hint="give a registry key with --publisher")
    seen: list[str] = []
    for m in mentions:
        if m.key not in seen and m.type != "publisher":
            seen.append(m.key)
    if pub_key in registry.entities and pub_key not in seen:
        seen.append(pub_key)
    aid = article_id or slugify(article.path.stem, "article-" + hashlib.sha1(article.text.encode()).hexdigest()[:10])
    return build_draft(article_id=aid, title=article.title, publisher=pub_key, language=article.language,
                       published=article.published, published_note=article.published_note, url=article.url,
                       text=article.text, mentions=seen, candidates=candidates, proposals=proposals,
                       warnings=warnings)


def prefetch(article: ArticleText, registry: Registry) -> None:
    """Start what can run beside Python before ``article`` is drafted: its Korean sentences' analysis, which
    kiwipiepy does in its own threads (without the GIL) while the rules read the article before it."""
    start = getattr(_engine(registry, article.language).rules, "prefetch", None)
    if start is not None:
        start(article.text, article.body_end)


def extract_many(paths: Iterable[str | Path], registry: Registry, *, lang: str = "auto", date: dt.date | None = None,
                 publisher: str | None = None) -> Iterator[tuple[ArticleText, Draft]]:
    """Draft article files in order, each as :func:`extract_file` would: the next file is read and its analysis
    started (:func:`prefetch`) before the rules run on the current one, so the two overlap. An unreadable file
    raises in its turn, after the drafts before it."""
    files = iter(paths)

    def read_next() -> ArticleText | KgError | None:
        path = next(files, None)
        if path is None:
            return None
        try:
            article = read_article(Path(path), lang=lang or "auto", date=date)
            prefetch(article, registry)
        except KgError as e:
            return e
        return article

    ahead = read_next()
    while ahead is not None:
        current, ahead = ahead, read_next()
        if isinstance(current, KgError):
            raise current
        yield current, extract_text(current, registry, publisher=publisher)


def extract_file(path: str | Path, registry: Registry, *, lang: str = "auto", date: dt.date | None = None,
                 article_id: str | None = None, publisher: str | None = None) -> Draft:
    """Read one article file and draft its fact sheet."""
    article = read_article(Path(path), lang=lang or "auto", date=date)
    return extract_text(article, registry, article_id=article_id, publisher=publisher)


@dataclass
class ExtractResult:
    source: Path
    draft_path: Path
    pending_path: Path | None
    text_path: Path | None
    facts: int
    pending: int
    proposed: int
    warnings: list[str]


def _read_yaml(path: Path) -> dict[str, Any]:
    """A registry file already in the output folder, as plain data (read as ``kg build`` reads it)."""
    if not path.exists():
        return {}
    data = read_plain(path) or {}
    if not isinstance(data, dict):
        raise InputError("a registry file must be a mapping of sections", location=Location.of(path))
    return data


def _same_name(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two proposals under one key name the same thing: their Korean labels when both have one (a Korean
    proposal may have no English label), else their English labels, compared normalised."""
    la, lb = a.get("label") or {}, b.get("label") or {}
    lang = "ko" if "ko" in la and "ko" in lb else "en"
    return normal(str(la.get(lang, ""))) == normal(str(lb.get(lang, "")))


def merge_proposals(drafts: list[Draft], out_dir: Path) -> dict[str, int]:
    """Merge the drafts' proposals into ``out_dir/registries/<section>.yaml`` (kept: what is already there).

    One thing gets one key across the batch: a proposal whose key is already taken by an entry with the same
    label is that entry; by another label, the draft is renamed to a free key."""
    reg_dir = out_dir / "registries"
    files = {s: reg_dir / f"{s}.yaml" for s in SECTIONS}
    merged = {s: dict(_read_yaml(files[s]).get(s) or {}) for s in SECTIONS}
    added = {s: 0 for s in SECTIONS}
    for draft in drafts:
        for section in SECTIONS:
            for key, entry in sorted(draft.proposals.get(section, {}).items()):
                have = merged[section].get(key)
                if have is None:
                    merged[section][key] = entry
                    added[section] += 1
                    continue
                if _same_name(have, entry):
                    continue
                n = 2
                while f"{key}-{n}" in merged[section] or f"{key}-{n}" in draft.proposals.get(section, {}):
                    n += 1
                draft.rename(section, key, f"{key}-{n}")
                merged[section][f"{key}-{n}"] = entry
                added[section] += 1
    for section in SECTIONS:
        if added[section]:
            header = ("# Registry entries proposed by `kg extract` (proposed: true): check, rename or move them into\n"
                      "# the data folder's registries. Drafts in ../articles refer to these keys.\n")
            write_text(files[section], header + dump_yaml({section: dict(sorted(merged[section].items()))}))
    return added


def write_batch(drafts: list[tuple[Draft, Path, bool]], out_dir: Path) -> list[ExtractResult]:
    """Write drafts to ``out_dir/articles``, their pending figures to ``out_dir/pending`` and the merged proposals
    to ``out_dir/registries``."""
    merge_proposals([d for d, _, _ in drafts], out_dir)
    results = []
    for draft, source, from_html in drafts:
        draft_path = out_dir / "articles" / f"{draft.article_id}.yaml"
        write_text(draft_path, draft.to_yaml())
        pending_path = out_dir / "pending" / f"{draft.article_id}.yaml"
        pending = draft.pending_yaml()
        if pending:
            write_text(pending_path, pending)
        elif pending_path.exists():
            pending_path.unlink()
        text_path = None
        if from_html:
            text_path = out_dir / "texts" / f"{draft.article_id}.txt"
            write_text(text_path, draft.text)
        results.append(ExtractResult(source, draft_path, pending_path if pending else None, text_path,
                                     len(draft.sheet["facts"]), len(draft.pending),
                                     sum(len(v) for v in draft.proposals.values()), draft.warnings))
    return results


# ------------------------------------------------------------------------------------------------ parallel
_WORKER: dict[str, Registry] = {}


def _init_worker(registry_dirs: list[str]) -> None:
    from ..load import load_registries

    # proposals of an earlier batch (out_dir/registries) may have no English label: read by their own names
    _WORKER["registry"] = reading_names(load_registries([Path(d) for d in registry_dirs]))


def _work(args: tuple[list[str], str, dt.date | None, str | None]) -> list[tuple[Draft, Path, bool]]:
    paths, lang, date, publisher = args
    return [(draft, article.path, article.from_html)
            for article, draft in extract_many(paths, _WORKER["registry"], lang=lang, date=date, publisher=publisher)]


def extract_paths(paths: list[Path], *, data_dir: Path = Path("data"), out_dir: Path = Path("drafts"),
                  lang: str = "auto", date: dt.date | None = None, publisher: str | None = None,
                  jobs: int | None = None, on_done: Callable[[Path], None] | None = None
                  ) -> list[ExtractResult]:
    """Extract every article file under ``paths`` into ``out_dir`` (articles/, pending/, registries/; see
    docs/extract.md); several files run in parallel processes. Proposals already in ``out_dir/registries`` are
    read with the data folder's registries, so a later batch reuses them."""
    registry_dir = data_dir / "registries"
    registry_dirs = [str(registry_dir)]
    if (out_dir / "registries").is_dir() and (out_dir / "registries").resolve() != registry_dir.resolve():
        registry_dirs.append(str(out_dir / "registries"))
    if not registry_dir.is_dir():
        raise InputError("no registries folder", location=Location.of(registry_dir),
                         hint="give the data folder with --data (it holds registries/)")
    files = article_files(paths)
    if not files:
        raise InputError("no article files (.txt, .md, .html) found", location=Location.of(paths[0]))
    ids: dict[str, Path] = {}
    for f in files:
        aid = slugify(f.stem, "")
        if aid and aid in ids:
            raise InputError(f"two articles would get the id {aid!r} (also {ids[aid]})", location=Location.of(f),
                             hint="rename one of the files")
        ids[aid] = f
    workers = min(jobs or os.cpu_count() or 1, len(files))
    drafts: list[tuple[Draft, Path, bool]] = []
    if workers <= 1:
        _init_worker(registry_dirs)
        for article, draft in extract_many(files, _WORKER["registry"], lang=lang, date=date, publisher=publisher):
            drafts.append((draft, article.path, article.from_html))
            if on_done:
                on_done(article.path)
    else:
        # a task is a run of files drafted by extract_many (the next one's analysis overlapping the current one)
        size = max(1, len(files) // (workers * 8))
        tasks = [([str(f) for f in files[i:i + size]], lang, date, publisher) for i in range(0, len(files), size)]
        # spawn, not fork: a forked child inherits kiwipiepy's worker threads mid-state and can hang forever
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(registry_dirs,),
                                 mp_context=multiprocessing.get_context("spawn")) as pool:
            for items in pool.map(_work, tasks):
                for item in items:
                    drafts.append(item)
                    if on_done:
                        on_done(item[1])
    return write_batch(drafts, out_dir)
